"""Step-grid strings: one character per 16th note, with optional lanes of per-step parameters.

``x`` hit (velocity 100), ``X`` accent (127), ``o`` ghost (50); ``.`` and ``-``
rests; spaces and ``|`` are ignored (use them to group beats and bars).  A grid
of n steps lasts n/16 cycles (bars) and loops.

Lanes: a grid may span several lines.  Unlabelled lines are the hits (continued line after
line); a line starting with a lane name and ``:`` gives one character per step of the hits,
aligned with them (spaces and ``|`` ignored there too; a lane shorter than the hits repeats
when its length divides theirs)::

    x.x.x.x.x.x.x.X.       hits
    vel:   9.5.7.5.9.5.7.5.   velocity: digit d -> round(127 * d / 9); '.' keeps the hit's
    prob:  ....5.......8...   probability: digit d -> d * 10 %, '?' -> 50 %, '.' -> always
    rat:   ..............3.   ratchet (alias roll): digit n -> n hits in the step, '.' -> 1
    nudge: ..>.<...........   nudge: '>'/'+' late and '<'/'-' early by one unit, digit d -> d units
                              late, '.' -> on the grid; the unit is 5 ms, or ``nudge 3ms:``

Lane characters under rests are ignored.  Errors point at the offending character (line and
column) with a caret.

>>> [(str(e.begin), e.value) for e in grid("x.X.\\nvel: 5...\\nrat: ..2.").query(0, 1 / 4)]
[('0', {'velocity': 71}), ('1/8', {'velocity': 127, 'ratchet': 2})]
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from ..errors import PatternSyntaxError

STEPS_PER_BAR = 16
VELOCITIES = {"x": 100, "X": 127, "o": 50}
RESTS = {".", "-"}
IGNORED = {" ", "|", "\t"}

#: lane label -> parameter
LANES = {
    "hits": "hits", "steps": "hits",
    "vel": "velocity", "velocity": "velocity",
    "prob": "probability", "probability": "probability",
    "rat": "ratchet", "ratchet": "ratchet", "roll": "ratchet",
    "nudge": "nudge",
}
NUDGE_UNIT_MS = 5.0
_LABEL_RE = re.compile(r"[ \t]*([A-Za-z_]+)(?:[ \t]+(\d+(?:\.\d+)?)[ \t]*(?:ms)?)?[ \t]*:")


def _lines(text: str):
    """(line number, offset of the line start, line) for each line."""
    pos = 0
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, pos, line
        pos += len(line) + 1


def _lane_cells(text: str):
    """{lane: [(char, line, column)]}, plus the nudge unit."""
    lanes: dict[str, list] = {}
    nudge_unit = NUDGE_UNIT_MS
    for number, _, line in _lines(text):
        body_start = 0
        lane = "hits"
        m = _LABEL_RE.match(line)
        if m:
            label = m.group(1)
            lane = LANES.get(label.lower())
            if lane is None:
                raise PatternSyntaxError(
                    f"unknown grid lane {label!r} (lanes: vel, prob, rat, nudge)", text, number, m.start(1) + 1)
            if m.group(2) is not None:
                if lane != "nudge":
                    raise PatternSyntaxError(f"only the nudge lane takes a unit (ms)", text, number,
                                             m.start(2) + 1)
                nudge_unit = float(m.group(2))
            body_start = m.end()
        cells = lanes.setdefault(lane, [])
        for i in range(body_start, len(line)):
            ch = line[i]
            if ch in IGNORED or ch == "\r":
                continue
            cells.append((ch, number, i + 1))
    return lanes, nudge_unit


def _lane_value(lane: str, ch: str, nudge_unit: float, text: str, line: int, column: int):
    """The parameter value of one lane character (None: no change)."""
    if ch == ".":
        return None
    if lane == "velocity" and ch.isdigit() and ch.isascii():
        return round(127 * int(ch) / 9)
    if lane == "probability":
        if ch == "?":
            return 0.5
        if ch.isdigit() and ch.isascii():
            return int(ch) / 10
    if lane == "ratchet" and ch in "123456789":
        return int(ch)
    if lane == "nudge":
        if ch in "+>":
            return nudge_unit
        if ch in "-<":
            return -nudge_unit
        if ch in "123456789":
            return int(ch) * nudge_unit
    allowed = {"velocity": "0-9 or .", "probability": "0-9, ? or .", "ratchet": "1-9 or .",
               "nudge": "> < + - 1-9 or ."}[lane]
    raise PatternSyntaxError(f"unexpected {ch!r} in the {lane} lane (use {allowed})", text, line, column)


def parse_grid_steps(text: str) -> list[dict | None]:
    """The steps of a grid string with lanes: a parameter dict per hit, None per rest.

    >>> parse_grid_steps("xo.\\nvel: 9.9\\nprob: .5.")
    [{'velocity': 127}, {'velocity': 50, 'probability': 0.5}, None]
    """
    if not isinstance(text, str):
        raise TypeError(f"a grid must be a string, got {type(text).__name__}")
    lanes, nudge_unit = _lane_cells(text)
    steps: list[dict | None] = []
    for ch, line, column in lanes.get("hits", []):
        if ch in VELOCITIES:
            steps.append({"velocity": VELOCITIES[ch]})
        elif ch in RESTS:
            steps.append(None)
        else:
            hint = "; for mini-notation use mini(...)" if ch.isalpha() or ch in "[<{*~" else ""
            raise PatternSyntaxError(
                f"unexpected character {ch!r} in grid (use x X o for hits, . or - for rests{hint})", text, line,
                column)
    if not steps:
        raise PatternSyntaxError("empty grid (one character per 16th note, e.g. 'x...x...')", text, 1,
                                 max(1, min(len(text), len(text.split("\n")[0]) or 1)))
    n = len(steps)
    for lane, cells in lanes.items():
        if lane == "hits":
            continue
        if not cells:
            continue
        if len(cells) > n:
            ch, line, column = cells[n]
            raise PatternSyntaxError(f"the {lane} lane is longer than the grid ({len(cells)} steps, the hits have {n})",
                                     text, line, column)
        if n % len(cells):
            ch, line, column = cells[-1]
            raise PatternSyntaxError(
                f"the {lane} lane has {len(cells)} steps; it must match the grid's {n} (or divide it to repeat)",
                text, line, column + 1)
        values = [_lane_value(lane, ch, nudge_unit, text, line, column) for ch, line, column in cells]
        for i, step in enumerate(steps):
            value = values[i % len(values)]
            if step is not None and value is not None:
                step[lane] = value
    return steps


def parse_grid(text: str) -> list[int | None]:
    """The steps of a grid string: a velocity per hit, None per rest.

    >>> parse_grid("x.X-| o")
    [100, None, 127, None, 50]
    """
    return [None if step is None else step["velocity"] for step in parse_grid_steps(text)]


def grid(text: str):
    """A Pattern from a grid string; event values are ``{"velocity": v}`` plus any lane parameters.

    >>> [(e.begin, e.value["velocity"]) for e in grid("x.o.").query(0, 1)]
    [(Fraction(0, 1), 100), (Fraction(1, 8), 50), (Fraction(1, 4), 100), (Fraction(3, 8), 50), (Fraction(1, 2), 100), (Fraction(5, 8), 50), (Fraction(3, 4), 100), (Fraction(7, 8), 50)]
    """
    return _grid_pattern(parse_grid_steps(text))


def _grid_pattern(steps: list):
    """The pattern of parsed grid steps.

    Equal to ``fastcat(*steps).slow(len(steps) / 16)`` (a test checks that), but it
    answers queries arithmetically, step by step, instead of through the general
    combinators: long renders of grid beats then cost microseconds per hit.
    """
    from .core import Event, Pattern, TimeSpan

    n = len(steps)
    values = [v if v is None or isinstance(v, dict) else {"velocity": v} for v in steps]

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
    return Fraction(len(parse_grid_steps(text)), STEPS_PER_BAR)
