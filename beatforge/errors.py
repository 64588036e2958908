"""Exceptions that carry a user-facing message.

Every error a user can cause (bad pattern text, unknown pad, missing kit,
unreadable sample, bad manifest) is a :class:`BeatforgeError`.  Its ``str()`` is
the complete message the CLI prints: one line, or for pattern text the line with
a caret under the offending character.
"""

from __future__ import annotations


class BeatforgeError(Exception):
    """Base class for errors caused by the user's input, not by a bug."""


class PatternSyntaxError(BeatforgeError, ValueError):
    """Bad grid or mini-notation text.

    ``line`` and ``column`` are 1-based; ``text`` is the whole pattern source.
    ``str(err)`` shows the offending line with a caret under the bad column::

        unexpected character '?' at column 5
          x..x?...
              ^
    """

    def __init__(self, message: str, text: str = "", line: int = 1, column: int = 1):
        self.message = message
        self.text = text
        self.line = line
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        lines = self.text.splitlines() or [""]
        row = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        where = f"line {self.line}, column {self.column}" if len(lines) > 1 else f"column {self.column}"
        # the caret keeps the row's tabs, so it sits under the bad character however tabs are shown
        before = row[: self.column - 1]
        caret = "".join("\t" if ch == "\t" else " " for ch in before) + " " * (self.column - 1 - len(before)) + "^"
        return f"{self.message} at {where}\n  {row}\n  {caret}"

    def __reduce__(self):  # keep the fields when pickled (worker processes)
        return (type(self), (self.message, self.text, self.line, self.column))


class KitError(BeatforgeError):
    """A kit that cannot be found, parsed or used (unknown pad, bad kit.toml ...)."""


class SampleError(BeatforgeError):
    """A sample file that cannot be read or decoded."""


class ManifestError(BeatforgeError):
    """An invalid beat-pack manifest."""
