"""From patterns to sample-accurate hits.

Time stays rational (``Fraction`` cycles; one cycle is one 4/4 bar) until this
module turns it into frames, once, with one rounding rule: the frame of time
``t`` seconds is ``floor(t * sample_rate + 1/2)``, computed exactly.  So onsets
never drift, however long the render.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING


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

    The onset is the time every timing rule (swing, nudge, humanize) has already been
    applied to; ``hit.frame`` is that onset rounded once.  Exporters (MIDI) use the
    exact onset instead of the rounded frame.  ``straight=True`` leaves the grid as
    written: no swing, no micro-timing.
    """
    hits: list[tuple[int, int, Fraction, Hit]] = []
    kit = _LazyKit(beat)
    for order, track in enumerate(beat.tracks):
        if track.mute:
            continue
        for seconds, hit in track_hits(beat, track, Fraction(0), Fraction(bars), sample_rate, straight=straight,
                                       kit=kit):
            hits.append((hit.frame, order, seconds, hit))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [(seconds, hit) for _, _, seconds, hit in hits]


class _LazyKit:
    """The beat's kit, loaded only if an event needs it (notes relative to a pad's root)."""

    def __init__(self, beat):
        self.beat = beat
        self._kit = None

    def root(self, pad) -> float:
        if self._kit is None:
            self._kit = self.beat.load_kit()
        p = self._kit.pad(pad)
        return DEFAULT_ROOT if p.root is None else p.root


#: The root note assumed for pads that declare none (C4).
DEFAULT_ROOT = 60


def _track_seed(seed: int, name: str, salt: int) -> int:
    """A stable per-track seed (``hash()`` of a str changes between runs; crc32 does not)."""
    return (int(seed) * 1_000_003 + zlib.crc32(name.encode("utf-8")) * 31 + salt) & 0x7FFFFFFF


def track_hits(beat, track, begin: Fraction, end: Fraction, sample_rate: int, *, straight: bool = False,
               offset: Fraction = Fraction(0), seed: int | None = None, kit=None,
               bpm: Fraction | None = None) -> list[tuple[Fraction, Hit]]:
    """The hits of one track for events with onsets in ``[begin, end)`` cycles.

    ``offset`` (seconds) is added to every onset (a song section's start); ``seed`` defaults
    to the beat's.  Per-event parameters (see :mod:`beatforge.pattern.controls`) and the beat's
    groove (swing, ``humanize_ms``, ``humanize_vel``) are applied here.
    """
    # imported here, not at the top: hits from MIDI files and Hydrogen songs need no pattern language
    from .pattern._rand import time_to_rand, time_to_rands

    from .pattern.controls import as_params

    seed = beat.seed if seed is None else seed
    bpm = Fraction(beat.bpm) if bpm is None else Fraction(bpm)
    kit = _LazyKit(beat) if kit is None else kit
    swing = beat.swing if track.swing is None else track.swing
    swing_on = getattr(track, "swing_on", None) or getattr(beat, "swing_on", 16)
    unit = Fraction(1, int(swing_on))
    human_ms = 0.0 if straight else float(getattr(beat, "humanize_ms", 0) or 0)
    human_vel = float(getattr(beat, "humanize_vel", 0) or 0)
    if straight:
        swing = 50
    default_pad = track.pad if track.pad is not None else track.name
    prob_seed = _track_seed(seed, track.name, 1)
    human_seed = _track_seed(seed, track.name, 2)
    out: list[tuple[Fraction, Hit]] = []
    for ev in track.pattern.query(begin, end, seed=seed):
        params = as_params(ev.value)
        if params is None:
            continue
        probability = params.get("probability")
        if probability is not None and probability < 1:
            if probability <= 0 or time_to_rand(ev.begin, prob_seed) >= probability:
                continue
        pad = params.get("pad", default_pad)
        if pad is None or pad is True:
            pad = default_pad
        pitch = track.pitch + float(params.get("pitch", 0.0))
        if "note" in params:
            pitch += float(params["note"]) - kit.root(pad)
        base_velocity = float(params.get("velocity", 100))
        pan = float(max(-1.0, min(1.0, track.pan + float(params.get("pan", 0.0)))))
        gain_db = float(track.gain_db + float(params.get("gain_db", 0.0)))
        variant = params.get("variant")
        nudge_ms = 0.0 if straight else float(params.get("nudge", 0.0))
        n = max(1, int(params.get("ratchet", 1)))
        step = (ev.end - ev.begin) / n
        for i in range(n):
            t = ev.begin + i * step
            onset = swing_time(t, swing, unit)
            seconds = Fraction(onset.numerator * (BEATS_PER_CYCLE * 60) * bpm.denominator,
                               onset.denominator * bpm.numerator)
            velocity = base_velocity
            shift_ms = nudge_ms
            if human_ms or human_vel:
                r_time, r_vel = time_to_rands(t, 2, human_seed)
                shift_ms += (2 * r_time - 1) * human_ms
                velocity += (2 * r_vel - 1) * human_vel
            if shift_ms:
                seconds += Fraction(repr(round(shift_ms, 6))) / 1000
            seconds += offset
            if seconds < 0:
                seconds = Fraction(0)
            velocity = max(0.0, min(127.0, velocity))
            if velocity <= 0:
                continue
            out.append((seconds, Hit(
                frame=seconds_to_frame(seconds, sample_rate),
                track=track.name,
                pad=pad,
                velocity=velocity,
                pitch=pitch,
                pan=pan,
                gain_db=gain_db,
                variant=None if variant is None else int(variant),
            )))
    return out
