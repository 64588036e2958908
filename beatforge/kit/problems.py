"""What is wrong with a kit, as its loader finds it.

Every kit loader takes an optional :class:`Problems` collector, so one parser serves
both ways of loading:

* ``load_kit`` (rendering, playing) loads strictly: the first error raises a
  :class:`~beatforge.errors.KitError` with its one-line message;
* ``beatforge kit check`` loads collecting: every error is recorded, the loader
  carries on with a safe fallback (the default value, the entry skipped), and the
  check reports them all in one run.

Problems a loader tolerates either way (a Hydrogen layer whose file is missing, an
odd velocity range) are kept in both modes; they end up in ``Kit.problems``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import KitError


class Problem(str):
    """One line saying what is wrong; ``file`` is the sample file it is about, if any
    (so that a later check does not report the same missing file again), ``line`` the
    line of the kit's own file it is on, where the loader can tell."""

    file: Path | None
    line: int | None

    def __new__(cls, text: str, file: "Path | None" = None, line: int | None = None) -> "Problem":
        self = super().__new__(cls, text)
        self.file = Path(file) if file is not None else None
        self.line = line
        return self

    def __reduce__(self):  # keep the file and line when pickled (worker processes)
        return (type(self), (str(self), self.file, self.line))


class Problems(list):
    """The problems found while loading one kit (a list of :class:`Problem` lines)."""

    def __init__(self, *, strict: bool = True):
        super().__init__()
        self.strict = strict

    def error(self, text: str, file: "Path | None" = None, line: int | None = None) -> None:
        """Something that stops a strict load: raised at once, or recorded when collecting
        (the caller then goes on with a fallback)."""
        if self.strict:
            raise KitError(text)
        self.append(Problem(text, file, line))


def reported_files(problems) -> set[Path]:
    """The sample files that *problems* already name."""
    return {p.file for p in problems if isinstance(p, Problem) and p.file is not None}
