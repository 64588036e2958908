"""The Beat: tracks of patterns played on a kit at a tempo, rendered to audio."""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import BeatforgeError
from .io.playable import TAILS, Playable, _check_render_args  # noqa: F401  (re-exported)


@dataclass
class Track:
    """One named line of a beat.  ``pad`` defaults to the track's name."""

    name: str
    pattern: Any
    pad: str | int | None = None
    pitch: float = 0.0
    pan: float = 0.0
    gain_db: float = 0.0
    swing: float | None = None
    mute: bool = False
    cycle: Fraction = Fraction(1)  # how long one pass of the pattern lasts, in bars
    swing_on: int | None = None    # swing 8ths (8) or 16ths (16); None: the beat's


class Beat(Playable):
    """A beat: a tempo, a groove, a kit and named tracks.

    >>> beat = Beat(bpm=92, swing=56, kit="factory")
    >>> _ = beat.track("kick", "x..x..x...x.....")
    >>> beat.length_bars()
    1
    """

    def __init__(self, bpm: float = 120, swing: float = 50, kit: Any = "factory", seed: int = 0,
                 bars: int | None = None, name: str | None = None, *, swing_on: int = 16,
                 humanize_ms: float = 0.0, humanize_vel: float = 0.0):
        self.bpm = bpm
        self.swing = swing
        self.kit = kit
        self.seed = seed
        self.bars = bars
        self.name = name
        self.swing_on = swing_on          # swing pairs of 16ths (16) or of 8ths (8)
        self.humanize_ms = humanize_ms    # random timing offset, up to +-ms per hit (seeded)
        self.humanize_vel = humanize_vel  # random velocity offset, up to +- this (seeded)
        self.tracks: list[Track] = []
        self._check()

    def _check(self) -> None:
        if not (isinstance(self.bpm, (int, float, Fraction)) and 20 <= self.bpm <= 999):
            raise BeatforgeError(f"bpm must be a number within 20..999, got {self.bpm!r}")
        if not (isinstance(self.swing, (int, float, Fraction)) and 50 <= self.swing < 100):
            raise BeatforgeError(f"swing must be a percentage within 50..99 (50 = straight), got {self.swing!r}")
        if self.bars is not None and not (isinstance(self.bars, int) and self.bars >= 1):
            raise BeatforgeError(f"bars must be a positive whole number, got {self.bars!r}")
        if not isinstance(self.seed, int):
            raise BeatforgeError(f"seed must be an integer, got {self.seed!r}")
        if self.swing_on not in (8, 16):
            raise BeatforgeError(f"swing_on must be 8 (swing 8ths) or 16 (swing 16ths), got {self.swing_on!r}")
        for key in ("humanize_ms", "humanize_vel"):
            value = getattr(self, key)
            if not (isinstance(value, (int, float, Fraction)) and not isinstance(value, bool) and value >= 0):
                raise BeatforgeError(f"{key} must be a number >= 0, got {value!r}")

    # -- building -----------------------------------------------------------------
    def track(self, name: str, pattern, *, pad: str | int | None = None, pitch: float = 0.0, pan: float = 0.0,
              gain_db: float = 0.0, swing: float | None = None, mute: bool = False,
              swing_on: int | None = None, bars: int | None = None) -> Track:
        """Add a track.  *pattern* is a grid string (one character per 16th, optionally with
        lanes: see :mod:`beatforge.pattern.grid`) or a Pattern (e.g. ``mini("bd*2 [~ sd]")``,
        whose event values name pads and carry per-event parameters).

        ``pitch`` is in semitones, ``pan`` from -1 (left) to 1 (right), ``gain_db`` in dB;
        ``swing``/``swing_on`` override the beat's swing for this track. ``bars`` says how many
        bars one pass of a Pattern lasts (e.g. 4 for ``note("<c2 eb2 g1 f1>")``), so the beat's
        default length covers it; a grid's length comes from its steps.
        """
        from .pattern.grid import grid, grid_length

        if not isinstance(name, str) or not name.strip():
            raise BeatforgeError(f"a track needs a name, got {name!r}")
        if any(t.name == name for t in self.tracks):
            raise BeatforgeError(f"there is already a track named {name!r}")
        if not -1.0 <= pan <= 1.0:
            raise BeatforgeError(f"track {name!r}: pan must be within -1..1, got {pan!r}")
        if swing is not None and not 50 <= swing < 100:
            raise BeatforgeError(f"track {name!r}: swing must be within 50..99, got {swing!r}")
        if swing_on not in (None, 8, 16):
            raise BeatforgeError(f"track {name!r}: swing_on must be 8 or 16, got {swing_on!r}")
        if isinstance(pattern, str):
            cycle = grid_length(pattern)
            pattern = grid(pattern)
        elif hasattr(pattern, "query"):
            cycle = Fraction(1)
        else:
            raise BeatforgeError(f"track {name!r}: expected a grid string or a Pattern, got {type(pattern).__name__}")
        if bars is not None:
            if not (isinstance(bars, int) and not isinstance(bars, bool) and bars >= 1):
                raise BeatforgeError(f"track {name!r}: bars must be a positive whole number, got {bars!r}")
            cycle = Fraction(bars)
        t = Track(name, pattern, pad, float(pitch), float(pan), float(gain_db), swing, mute, cycle, swing_on)
        self.tracks.append(t)
        return t

    def replace(self, **changes) -> "Beat":
        """A copy with some settings changed (``bpm``, ``swing``, ``kit``, ``seed``, ``bars``, ``name``,
        ``swing_on``, ``humanize_ms``, ``humanize_vel``)."""
        new = copy.copy(self)
        new.tracks = list(self.tracks)
        for key, value in changes.items():
            if key not in ("bpm", "swing", "kit", "seed", "bars", "name", "swing_on", "humanize_ms",
                           "humanize_vel"):
                raise TypeError(f"replace() got an unexpected setting {key!r}")
            setattr(new, key, value)
        new._check()
        return new

    # -- reading --------------------------------------------------------------------
    def length_bars(self) -> int:
        """The bars a default render lasts: ``bars`` if set, else enough for every grid to loop once."""
        if self.bars is not None:
            return self.bars
        return max([1] + [math.ceil(t.cycle) for t in self.tracks])

    def hits(self, bars: int | None = None, sample_rate: int = 44100):
        from .sequence import sequence

        return sequence(self, self.length_bars() if bars is None else bars, sample_rate)

    def load_kit(self):
        from .kit import load_kit

        return load_kit(self.kit)

    def frames(self, bars: int | None = None, sample_rate: int = 44100) -> int:
        """The exact frame length of *bars* bars."""
        from .sequence import cycles_to_frame

        return cycles_to_frame(Fraction(self.length_bars() if bars is None else bars), self.bpm, sample_rate)

    def stem_names(self) -> list[str]:
        """The stems a render makes: one per track."""
        return [t.name for t in self.tracks]

    # -- MIDI ---------------------------------------------------------------------------------
    def to_midi(self, path: str | os.PathLike, bars: int | None = None, straight: bool = False):
        """Write the beat as a type 1 Standard MIDI File (see :mod:`beatforge.io.midi`).

        Swing (and any micro-timing) is baked into the note positions; ``straight=True``
        exports the grid as written instead.
        """
        from .io.midi import write_midi

        return write_midi(self, path, bars=bars, straight=straight)

    @classmethod
    def from_midi(cls, path: str | os.PathLike, quantize: int = 16, kit: Any = "factory") -> "Beat":
        """A beat of editable grid tracks (one per MIDI track and note, velocities kept) from a
        drum MIDI file, onsets snapped to 1/*quantize* of a bar."""
        from .io.midi import beat_from_midi

        return beat_from_midi(path, quantize=quantize, kit=kit)

    def __repr__(self):
        return (f"Beat(bpm={self.bpm}, swing={self.swing}, kit={self.kit!r}, seed={self.seed}, "
                f"tracks={[t.name for t in self.tracks]})")
