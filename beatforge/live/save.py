"""Saving a jam: pattern ``.py`` source and Standard MIDI Files (mido)."""
from __future__ import annotations

import os
from fractions import Fraction

from ..io.tmpfile import output_file

__all__ = ["pattern_source", "grid_string", "write_midi"]

_GRID_CHARS = {100.0: "x", 127.0: "X", 50.0: "o"}


def grid_string(events, bars):
    """A grid string for ``[(cycle, velocity, pad)]`` when every hit sits on a 16th with a grid
    velocity (x=100, X=127, o=50) and at most one hit per step; else None."""
    steps = ["."] * (16 * bars)
    for cycle, velocity, _ in events:
        step = cycle * 16
        if step.denominator != 1 or not 0 <= step < len(steps) or steps[int(step)] != ".":
            return None
        ch = _GRID_CHARS.get(float(velocity))
        if ch is None:
            return None
        steps[int(step)] = ch
    bar_strings = ["".join(steps[16 * b:16 * b + 16]) for b in range(bars)]
    return " | ".join(" ".join(s[i:i + 4] for i in range(0, 16, 4)) for s in bar_strings)


def _fraction(x):
    x = Fraction(x)
    return f"F({x.numerator}, {x.denominator})" if x.denominator != 1 else str(x.numerator)


def _number(v):
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(round(v, 3))


def pattern_source(events_by_track, beat, bpm, swing, bars, kit_name):
    """Python source of a pattern file that plays ``events_by_track`` (``{track: [(cycle, velocity, pad)]}``).

    Grid strings where the track allows it, otherwise exact positions through ``hits()``.
    """
    tracks = {t.name: t for t in beat.tracks}
    kit = beat.kit if isinstance(beat.kit, str) else kit_name
    lines = [
        '"""Saved from a beatforge jam."""',
        "from fractions import Fraction as F",
        "",
        "from beatforge import Beat",
        "from beatforge.pattern.core import pure, silence, stack, timecat",
        "",
        "",
        "def hits(bars, events):",
        '    """A pattern of single hits: ``events`` is a list of (cycle, velocity) within ``bars`` bars."""',
        "    parts = []",
        "    for at, velocity in events:",
        "        at = F(at)",
        "        length = min(F(1, 64), (bars - at) / 2)",
        "        parts.append(timecat((at, silence), (length, pure({'velocity': velocity})),",
        "                             (bars - at - length, silence)).slow(bars))",
        "    return stack(*parts) if parts else silence",
        "",
        "",
        f"beat = Beat(bpm={_number(bpm)}, swing={_number(swing)}, kit={kit!r}, bars={bars}, seed={beat.seed})",
    ]
    for name, events in events_by_track.items():
        if not events:
            continue
        track = tracks.get(name)
        pads = {pad for _, _, pad in events}
        pad = next(iter(pads)) if len(pads) == 1 else None
        extra = []
        if pad is not None and str(pad).lower() != str(name).lower():   # a track plays its own name by default
            extra.append(f"pad={pad!r}")
        if track is not None:
            for key in ("pitch", "pan", "gain_db"):
                value = getattr(track, key)
                if value:
                    extra.append(f"{key}={_number(value)}")
            if track.swing is not None:
                extra.append(f"swing={_number(track.swing)}")
        grid = grid_string(events, bars)
        if grid is not None:
            pattern = repr(grid)
        else:
            body = ", ".join(f"({_fraction(c)}, {_number(v)})" for c, v, _ in events)
            pattern = f"hits({bars}, [{body}])"
        args = ", ".join([repr(name), pattern] + extra)
        lines.append(f"beat.track({args})")
    return "\n".join(lines) + "\n"


def write_midi(path, notes, tempos, ticks_per_beat=480, channel=9, length_beats=Fraction(1, 8)):
    """Write ``notes`` (``(beats, note, velocity)``) as a type-1 SMF on ``channel`` (0-based: 9 = drums).

    ``tempos``: ``[(beats, bpm)]`` in order.  Each note lasts ``length_beats`` (a 32nd by default).
    Written atomically (temporary file, then rename).
    """
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("track_name", name="beatforge", time=0))
    events = [(int(round(Fraction(b) * ticks_per_beat)), 0, mido.MetaMessage(
        "set_tempo", tempo=mido.bpm2tempo(float(bpm)), time=0)) for b, bpm in tempos]
    meta.extend(_delta(events))
    meta.append(mido.MetaMessage("end_of_track", time=0))
    drums = mido.MidiTrack()
    drums.append(mido.MetaMessage("track_name", name="drums", time=0))
    length = max(1, int(round(Fraction(length_beats) * ticks_per_beat)))
    timed = []
    for beats, note, velocity in notes:
        tick = max(0, int(round(Fraction(beats) * ticks_per_beat)))
        vel = max(1, min(127, int(round(velocity))))
        timed.append((tick, 1, mido.Message("note_on", channel=channel, note=int(note), velocity=vel)))
        timed.append((tick + length, 0, mido.Message("note_off", channel=channel, note=int(note), velocity=0)))
    timed.sort(key=lambda e: (e[0], e[1]))
    drums.extend(_delta(timed))
    drums.append(mido.MetaMessage("end_of_track", time=0))
    mid.tracks.extend([meta, drums])
    path = os.fspath(path)
    with output_file(path, suffix=".mid") as tmp:
        mid.save(tmp)
    return path


def _delta(events):
    out, last = [], 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        out.append(msg.copy(time=tick - last))
        last = tick
    return out
