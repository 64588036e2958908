"""Step-grid strings: one character per 16th note.

``x`` hit (velocity 100), ``X`` accent (127), ``o`` ghost (50); ``.`` and ``-``
rests; spaces and ``|`` are ignored (use them to group beats and bars).  A grid
of n steps lasts n/16 cycles (bars) and loops.
"""

from __future__ import annotations

import math
from fractions import Fraction

from ..errors import PatternSyntaxError

STEPS_PER_BAR = 16
VELOCITIES = {"x": 100, "X": 127, "o": 50}
RESTS = {".", "-"}
IGNORED = {" ", "|", "\t"}


def parse_grid(text: str) -> list[int | None]:
    """The steps of a grid string: a velocity per hit, None per rest.

    >>> parse_grid("x.X-| o")
    [100, None, 127, None, 50]
    """
    if not isinstance(text, str):
        raise TypeError(f"a grid must be a string, got {type(text).__name__}")
    steps: list[int | None] = []
    for i, ch in enumerate(text):
        if ch in VELOCITIES:
            steps.append(VELOCITIES[ch])
        elif ch in RESTS:
            steps.append(None)
        elif ch in IGNORED:
            continue
        else:
            raise PatternSyntaxError(
                f"unexpected character {ch!r} in grid (use x X o for hits, . or - for rests)", text, 1, i + 1)
    if not steps:
        raise PatternSyntaxError("empty grid (one character per 16th note, e.g. 'x...x...')", text, 1, max(1, len(text)))
    return steps


def grid(text: str):
    """A Pattern from a grid string; event values are ``{"velocity": v}``.

    >>> [(e.begin, e.value["velocity"]) for e in grid("x.o.").query(0, 1)]
    [(Fraction(0, 1), 100), (Fraction(1, 8), 50), (Fraction(1, 4), 100), (Fraction(3, 8), 50), (Fraction(1, 2), 100), (Fraction(5, 8), 50), (Fraction(3, 4), 100), (Fraction(7, 8), 50)]
    """
    return _grid_pattern(parse_grid(text))


def _grid_pattern(steps: list):
    """The pattern of parsed grid steps.

    Equal to ``fastcat(*steps).slow(len(steps) / 16)`` (a test checks that), but it
    answers queries arithmetically, step by step, instead of through the general
    combinators: long renders of grid beats then cost microseconds per hit.
    """
    from .core import Event, Pattern, TimeSpan

    n = len(steps)
    values = [None if v is None else {"velocity": v} for v in steps]

    def query(state):
        begin, end = state.span.begin, state.span.end
        first = math.floor(begin * STEPS_PER_BAR)
        last = math.ceil(end * STEPS_PER_BAR) if end > begin else first + 1
        out = []
        for j in range(first, last):
            value = values[j % n]
            if value is None:
                continue
            whole = TimeSpan(Fraction(j, STEPS_PER_BAR), Fraction(j + 1, STEPS_PER_BAR))
            part = whole.intersection(state.span)
            if part is not None:
                out.append(Event(whole, part, dict(value)))
        return out

    return Pattern(query)


def grid_length(text: str) -> Fraction:
    """How many cycles (bars) one pass of the grid lasts."""
    return Fraction(len(parse_grid(text)), STEPS_PER_BAR)
