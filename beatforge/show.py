"""A terminal view of a beat or song: each track as a step grid, bar by bar.

Hits are placed as written (no swing, humanize or nudge), one row per track and pad; ``X`` marks
accents (velocity >= 112), ``x`` normal hits, ``o`` ghosts (< 64), ``.`` rests, and a digit 2-9
several hits inside one step (a roll). Bars are shown in 16ths, or 32nds/64ths/triplets when a bar
needs them. With ``velocities=True`` each row gets a ``vel`` lane (0-9, as in grid lanes)::

    >>> from beatforge import Beat
    >>> beat = Beat(bpm=90, swing=57, kit="factory")
    >>> _ = beat.track("kick", "X......x.x......")
    >>> _ = beat.track("snare", "....X.......X..o")
    >>> print(show_text(beat))
    90 bpm, swing 57, kit factory, 1 bar
    bar 1     1    2    3    4
    kick     |X...|...x|.x..|....|
    snare    |....|X...|....|X..o|
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["show_text"]

RESOLUTIONS = (16, 32, 48, 64, 96, 192)


def _cell_char(velocities: list[float]) -> str:
    if len(velocities) > 1:
        return str(min(len(velocities), 9))
    v = velocities[0]
    if v >= 112:
        return "X"
    if v < 64:
        return "o"
    return "x"


def _vel_digit(velocities: list[float]) -> str:
    return str(max(0, min(9, round(max(velocities) * 9 / 127))))


def _bar_bounds(source, bars: int, sample_rate: int) -> list[int]:
    return [source.frames(b, sample_rate) if b else 0 for b in range(bars + 1)]


def _timed(source, bars: int, sample_rate: int):
    """[(frame, Hit)] with straight timing where the source can give it."""
    from .beat import Beat
    from .sequence import seconds_to_frame, timed_hits

    if isinstance(source, Beat):
        return [(seconds_to_frame(s, sample_rate), h) for s, h in timed_hits(source, bars, sample_rate, straight=True)]
    if hasattr(source, "timed_hits"):
        try:
            return [(seconds_to_frame(s, sample_rate), h)
                    for s, h in source.timed_hits(bars, sample_rate, straight=True)]
        except TypeError:
            pass
    return [(h.frame, h) for h in source.hits(bars, sample_rate)]


def _resolution(positions: list[Fraction]) -> int:
    for steps in RESOLUTIONS:
        if all(abs(p * steps - round(p * steps)) < Fraction(1, 50) for p in positions):
            return steps
    return 16


def show_text(source, bars: int | None = None, velocities: bool = False, sample_rate: int = 48000) -> str:
    """The grid view of a Beat, Song or any playable source, as text."""
    bars = source.length_bars() if bars is None else bars
    bounds = _bar_bounds(source, bars, sample_rate)
    rows: dict[str, None] = {}
    per_bar: list[dict[str, list[tuple[Fraction, float]]]] = [{} for _ in range(bars)]
    track_order = {name: i for i, name in enumerate(_track_names(source))}
    for frame, hit in _timed(source, bars, sample_rate):
        bar = next((b for b in range(bars) if bounds[b] <= frame < bounds[b + 1]), None)
        if bar is None:
            continue
        pad = hit.pad if isinstance(hit.pad, str) else str(hit.pad)
        label = hit.track if pad == hit.track else f"{hit.track}:{pad}"
        track_order.setdefault(hit.track, len(track_order))
        rows.setdefault(label, None)
        pos = Fraction(frame - bounds[bar], bounds[bar + 1] - bounds[bar])
        per_bar[bar].setdefault(label, []).append((pos, hit.velocity))
    labels = sorted(rows, key=lambda lab: (track_order[lab.split(":")[0]], list(rows).index(lab)))
    width = max([len(lab) for lab in labels] + [len(f"bar {bars}"), 8]) + 1

    lines = [_header(source, bars)]
    sections = _section_starts(source)
    for b in range(bars):
        cells = per_bar[b]
        steps = _resolution([p for hits in cells.values() for p, _ in hits])
        per_beat = steps // 4
        title = f"bar {b + 1}"
        if b in sections:
            title += f" ({sections[b]})"
        ruler = "".join(str(i + 1).ljust(per_beat + 1) for i in range(4)).rstrip()
        lines.append(title.ljust(width) + " " + ruler if len(title) < width else title + "\n" + " " * width + " " + ruler)
        for label in labels:
            grid = [[] for _ in range(steps)]
            for pos, vel in cells.get(label, []):
                grid[min(steps - 1, int(pos * steps + Fraction(1, 2)))].append(vel)
            chars = [_cell_char(c) if c else "." for c in grid]
            lines.append(label.ljust(width) + _group(chars, per_beat))
            if velocities and any(grid):
                vel = [_vel_digit(c) if c else "." for c in grid]
                lines.append("  vel".ljust(width) + _group(vel, per_beat))
    return "\n".join(lines)


def _track_names(source) -> list[str]:
    tracks = getattr(source, "tracks", None)
    if isinstance(tracks, list) and all(hasattr(t, "name") for t in tracks):
        return [t.name for t in tracks]
    try:
        return list(source.stem_names())
    except Exception:
        return []


def _group(chars: list[str], per_beat: int) -> str:
    return "|" + "|".join("".join(chars[i:i + per_beat]) for i in range(0, len(chars), per_beat)) + "|"


def _header(source, bars: int) -> str:
    parts = []
    bpm = getattr(source, "bpm", None)
    if bpm is not None:
        parts.append(f"{float(bpm):g} bpm")
    swing = getattr(source, "swing", None)
    if isinstance(swing, (int, float, Fraction)) and not callable(swing):
        parts.append(f"swing {float(swing):g}")
    kit = getattr(source, "kit", None)
    if isinstance(kit, str):
        parts.append(f"kit {kit}")
    parts.append(f"{bars} bar" + ("s" if bars != 1 else ""))
    name = getattr(source, "name", None)
    return (f"{name}: " if name and "Song" in type(source).__name__ else "") + ", ".join(parts)


def _section_starts(source) -> dict[int, str]:
    timeline = getattr(source, "timeline", None)
    if timeline is None:
        return {}
    try:
        return {start: name for name, start in timeline()}
    except Exception:  # pragma: no cover - display only
        return {}
