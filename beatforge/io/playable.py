"""The render API shared by everything that plays: beats, songs, MIDI files, Hydrogen songs.

A subclass supplies ``hits(bars, sample_rate)``, ``frames(bars, sample_rate)``,
``length_bars()``, ``stem_names()`` and ``load_kit()``; it gets ``render`` and
``render_stems`` with the same arguments and results as :class:`beatforge.Beat`.
"""

from __future__ import annotations

import os

from fractions import Fraction

import numpy as np

from ..errors import BeatforgeError

TAILS = ("cut", "keep", "wrap")
MIDI_SUFFIXES = (".mid", ".midi")


def _check_render_args(bars, sample_rate, tail) -> None:
    if not (isinstance(bars, (int, Fraction)) and bars > 0):
        raise BeatforgeError(f"bars must be a positive number, got {bars!r}")
    if not (isinstance(sample_rate, int) and 8000 <= sample_rate <= 384000):
        raise BeatforgeError(f"sample rate must be an integer within 8000..384000 Hz, got {sample_rate!r}")
    if tail not in TAILS:
        raise BeatforgeError(f"tail must be one of {', '.join(TAILS)}, got {tail!r}")


class Playable:
    """Mixin: ``render``/``render_stems`` over ``hits()`` on ``load_kit()``."""

    seed: int = 0

    def render_stems(self, bars=None, sample_rate: int = 44100, tail: str = "cut"):
        """Render the mix and one stem per track: ``(mix, {track_name: audio})``, float32 ``(frames, 2)``."""
        from ..engine.render import render_hits

        bars = self.length_bars() if bars is None else bars
        _check_render_args(bars, sample_rate, tail)
        kit = self.load_kit()
        return render_hits(self.hits(bars, sample_rate), kit, self.frames(bars, sample_rate), sample_rate,
                           stems=self.stem_names(), tail=tail, seed=self.seed)

    def render(self, path: str | os.PathLike | None = None, bars=None, sample_rate: int = 44100,
               bit_depth: int = 24, tail: str = "cut", stems: str | os.PathLike | None = None) -> np.ndarray:
        """Render to a float32 ``(frames, 2)`` array; also write *path* and per-track *stems* when given.

        ``tail``: ``"cut"`` gives exactly *bars* bars, ``"keep"`` appends the decaying
        tail of the last hits, ``"wrap"`` folds that tail onto the start (a seamless loop).
        A *path* ending in ``.mid`` writes a MIDI file (where the source can export one)
        instead of audio; the audio is still returned.
        """
        from ..engine.render import render_hits
        from .audio import check_writable, write_audio, write_stems

        bars = self.length_bars() if bars is None else bars
        _check_render_args(bars, sample_rate, tail)
        if path is not None and os.path.splitext(os.fspath(path))[1].lower() in MIDI_SUFFIXES:
            if not hasattr(self, "to_midi"):
                raise BeatforgeError(f"{path}: MIDI export is not available for {type(self).__name__}")
            self.to_midi(path, bars=bars)
            path = None
        if path is not None:
            check_writable(path, bit_depth)
        kit = self.load_kit()
        hits = self.hits(bars, sample_rate)
        names = self.stem_names() if stems is not None else None
        mix, stem_audio = render_hits(hits, kit, self.frames(bars, sample_rate), sample_rate, stems=names,
                                      tail=tail, seed=self.seed)
        if path is not None:
            write_audio(path, mix, sample_rate, bit_depth)
        if stems is not None:
            suffix = os.path.splitext(os.fspath(path))[1] if path is not None else ".wav"
            write_stems(stems, stem_audio, sample_rate, bit_depth, suffix=suffix)
        return mix

    def render_file(self, path: str | os.PathLike, bars=None, sample_rate: int = 44100, bit_depth: int = 24) -> None:
        """Render straight into the audio file *path* (exactly *bars*, no stems), block by block:
        the same bytes as ``render(path)`` without holding the whole mix in memory."""
        from ..engine.render import render_file

        bars = self.length_bars() if bars is None else bars
        _check_render_args(bars, sample_rate, "cut")
        kit = self.load_kit()
        render_file(self.hits(bars, sample_rate), kit, self.frames(bars, sample_rate), sample_rate, path,
                    bit_depth, seed=self.seed)
