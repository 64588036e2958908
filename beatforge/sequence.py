"""From patterns to sample-accurate hits.

Time stays rational (``Fraction`` cycles; one cycle is one 4/4 bar) until this
module turns it into frames, once, with one rounding rule: the frame of time
``t`` seconds is ``floor(t * sample_rate + 1/2)``, computed exactly.  So onsets
never drift, however long the render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .beat import Beat

BEATS_PER_CYCLE = 4


@dataclass(frozen=True, slots=True)
class Hit:
    """One sample-accurate trigger: what the engine turns into a voice."""

    frame: int
    track: str
    pad: str | int
    velocity: float = 100.0
    pitch: float = 0.0
    pan: float = 0.0
    gain_db: float = 0.0
    variant: int | None = None
    length: int | None = None


def swing_time(t: Fraction, swing: float | Fraction, unit: Fraction = Fraction(1, 16)) -> Fraction:
    """Apply MPC-style swing to cycle time *t*.

    Inside each pair of *unit* steps (a 16th pair by default, i.e. an 8th), the
    first step is stretched to ``swing`` percent of the pair: with 50 nothing
    moves; with 60 the off-16th lands at 60% of the 8th.  Times between steps are
    mapped piecewise linearly, so the whole pair still lasts one 8th.

    >>> swing_time(Fraction(1, 16), 60)
    Fraction(3, 40)
    """
    if swing == 50:
        return t
    # Exact integer arithmetic on numerators/denominators (one Fraction built at the end):
    # this runs once per hit.
    t, sw, unit = Fraction(t), Fraction(swing), Fraction(unit)
    sn, sd = sw.numerator, sw.denominator * 100            # s = sn/sd, the swing ratio
    pn, pd = 2 * unit.numerator, unit.denominator          # pair = pn/pd
    xn, xd = t.numerator * pd, t.denominator * pn          # t / pair
    n = xn // xd
    un = xn - n * xd                                       # u = un/xd, 0 <= u < 1
    if 2 * un < xd:
        vn = 2 * un * sn                                   # v = u * 2s
    else:
        vn = sn * xd + (2 * un - xd) * (sd - sn)           # v = s + (u - 1/2) * 2 * (1 - s)
    return Fraction((n * xd * sd + vn) * pn, xd * sd * pd)


def cycles_to_frame(t: Fraction, bpm: float | Fraction, sample_rate: int) -> int:
    """The frame of cycle time *t*: ``floor(seconds * rate + 1/2)``, exactly.

    >>> cycles_to_frame(Fraction(1, 16), 120, 48000)
    6000
    """
    # Integer arithmetic on the exact fractions (same result as Fraction math, much faster).
    t = Fraction(t)
    bpm = Fraction(bpm)
    num = t.numerator * (BEATS_PER_CYCLE * 60) * sample_rate * bpm.denominator
    den = t.denominator * bpm.numerator
    return (2 * num + den) // (2 * den)


def frames_per_cycle(bpm: float | Fraction, sample_rate: int) -> Fraction:
    return Fraction(BEATS_PER_CYCLE * 60 * sample_rate) / Fraction(bpm)


def seconds_to_frame(seconds: Fraction, sample_rate: int) -> int:
    """The frame of exact time *seconds*: ``floor(seconds * rate + 1/2)`` (the one rounding rule).

    >>> seconds_to_frame(Fraction(1, 8), 48000)
    6000
    """
    seconds = Fraction(seconds)
    num, den = seconds.numerator * sample_rate, seconds.denominator
    return (2 * num + den) // (2 * den)


def sequence(beat: "Beat", bars: int | Fraction, sample_rate: int) -> list[Hit]:
    """All hits of *beat* in ``[0, bars)`` cycles, sorted by frame (then track order)."""
    return [hit for _, hit in timed_hits(beat, bars, sample_rate)]


def timed_hits(beat: "Beat", bars: int | Fraction, sample_rate: int = 44100, *,
               straight: bool = False) -> list[tuple[Fraction, Hit]]:
    """Like :func:`sequence`, with each hit's exact onset in seconds (a ``Fraction``).

    The onset is the time every timing rule (swing, and any later micro-timing) has
    already been applied to; ``hit.frame`` is that onset rounded once.  Exporters
    (MIDI) use the exact onset instead of the rounded frame.  ``straight=True``
    leaves the grid as written: no swing, no micro-timing.
    """
    hits: list[tuple[int, int, Fraction, Hit]] = []
    end = Fraction(bars)
    bpm = Fraction(beat.bpm)
    for order, track in enumerate(beat.tracks):
        if track.mute:
            continue
        swing = beat.swing if track.swing is None else track.swing
        if straight:
            swing = 50
        for ev in track.pattern.query(Fraction(0), end, seed=beat.seed):
            for seconds, hit in _event_hits(track, ev, swing, bpm, sample_rate):
                hits.append((hit.frame, order, seconds, hit))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [(seconds, hit) for _, _, seconds, hit in hits]


def _event_hits(track, ev, swing, bpm, sample_rate) -> Iterable[tuple[Fraction, Hit]]:
    value = ev.value
    params = dict(value) if isinstance(value, dict) else {"pad": value}
    pad = params.get("pad", track.pad if track.pad is not None else track.name)
    onset = swing_time(Fraction(ev.begin), swing)
    seconds = Fraction(onset.numerator * (BEATS_PER_CYCLE * 60) * bpm.denominator, onset.denominator * bpm.numerator)
    yield seconds, Hit(
        frame=seconds_to_frame(seconds, sample_rate),
        track=track.name,
        pad=pad,
        velocity=float(params.get("velocity", 100)),
        pitch=float(track.pitch + params.get("pitch", 0.0)),
        pan=float(max(-1.0, min(1.0, track.pan + params.get("pan", 0.0)))),
        gain_db=float(track.gain_db + params.get("gain_db", 0.0)),
        variant=params.get("variant"),
    )
