"""Audio samples: loading (cached per process) and the `Sample` value."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import SampleError

AUDIO_EXTENSIONS = (".wav", ".flac", ".aif", ".aiff", ".ogg", ".mp3")


@dataclass(frozen=True, eq=False)
class Sample:
    """A decoded sample: float32 C-contiguous ``(frames, channels)``, 1 or 2 channels."""

    data: np.ndarray
    sample_rate: int
    path: Path | None = None

    def __post_init__(self):
        data = np.ascontiguousarray(self.data, dtype=np.float32)
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[1] not in (1, 2):
            raise ValueError(f"sample data must be (frames, 1|2), got shape {data.shape!r}")
        if data.shape[0] == 0:
            raise SampleError(f"{self.path or 'sample'}: the sample is empty")
        data.setflags(write=False)  # shared through the cache: nobody may modify it
        object.__setattr__(self, "data", data)

    @property
    def frames(self) -> int:
        return self.data.shape[0]

    @property
    def channels(self) -> int:
        return self.data.shape[1]

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Sample":
        """Load an audio file (cached per process; see :func:`load_sample`)."""
        return load_sample(path)

    # -- editing: every method returns a new Sample ------------------------------------------
    def _new(self, data: np.ndarray) -> "Sample":
        return Sample(data, self.sample_rate, self.path)

    def slice(self, start: float = 0.0, end: float | None = None) -> "Sample":
        """The part from *start* to *end* seconds (negative values count from the end)."""
        n = self.frames
        a = _frame(start, self.sample_rate, n)
        b = n if end is None else _frame(end, self.sample_rate, n)
        if b <= a:
            raise SampleError(f"{self.path or 'sample'}: empty slice {start!r}..{end!r} "
                              f"(the sample lasts {self.duration:.3f} s)")
        return self._new(self.data[a:b])

    def reverse(self) -> "Sample":
        return self._new(self.data[::-1])

    def gain(self, db: float) -> "Sample":
        return self._new(self.data * np.float32(10.0 ** (db / 20.0)))

    def normalise(self, peak_db: float = 0.0) -> "Sample":
        """Scale so the highest peak is at *peak_db* dBFS (a silent sample stays silent)."""
        peak = float(np.max(np.abs(self.data)))
        if peak == 0.0:
            return self
        return self._new(self.data * np.float32(10.0 ** (peak_db / 20.0) / peak))

    normalize = normalise

    def trim(self, threshold_db: float = -60.0, *, start: bool = True, end: bool = True) -> "Sample":
        """Drop leading and trailing parts quieter than *threshold_db* below the peak."""
        mag = np.max(np.abs(self.data), axis=1)
        peak = float(mag.max())
        if peak == 0.0:
            return self._new(self.data[:1])
        loud = np.flatnonzero(mag >= peak * 10.0 ** (threshold_db / 20.0))
        a = int(loud[0]) if start else 0
        b = int(loud[-1]) + 1 if end else self.frames
        return self._new(self.data[a:b])

    def fade(self, fade_in: float = 0.0, fade_out: float = 0.0) -> "Sample":
        """Linear fades, in seconds, at the start and the end (each at most half the sample)."""
        data = np.array(self.data)
        half = self.frames // 2
        n_in = min(half, int(round(fade_in * self.sample_rate)))
        n_out = min(half, int(round(fade_out * self.sample_rate)))
        if n_in > 0:
            data[:n_in] *= (np.arange(n_in, dtype=np.float32) / n_in)[:, None]
        if n_out > 0:
            data[-n_out:] *= (np.arange(n_out, 0, -1, dtype=np.float32) / n_out)[:, None]
        return self._new(data)

    def mono(self) -> "Sample":
        return self if self.channels == 1 else self._new(self.data.mean(axis=1, keepdims=True))

    def onsets(self, *, threshold_db: float = 6.0, min_gap: float = 0.03, floor_db: float = -45.0) -> list[int]:
        """Frames where hits start (attack transients), found within a few milliseconds.

        See :func:`beatforge.kit.chop.detect_onsets` for the method and parameters.
        """
        from .chop import detect_onsets

        return detect_onsets(self.data, self.sample_rate, threshold_db=threshold_db, min_gap=min_gap,
                             floor_db=floor_db)

    def chop(self, slices: int | None = None, *, at=None, onsets: bool = False,
             fade: float = 0.001) -> list["Sample"]:
        """Cut into consecutive pieces: *slices* equal ones, at the frames *at*, or at the onsets.

        The cuts cover the whole sample (the first piece starts at frame 0), so playing the
        pieces in order at their cut points replays it: each cut is a *fade* second
        crossfade (see :func:`beatforge.kit.chop.pieces_at`), so no cut clicks.
        """
        from .chop import cut_points, pieces_at

        return pieces_at(self, cut_points(self, slices=slices, at=at, onsets=onsets), fade)

    def write(self, path: str | os.PathLike, bit_depth: int = 24) -> Path:
        """Write the sample (atomically; the format follows the extension)."""
        from ..io.audio import write_audio

        return write_audio(path, self.data, self.sample_rate, bit_depth)

    def __len__(self) -> int:
        return self.frames

    def __repr__(self):
        where = f", path={str(self.path)!r}" if self.path else ""
        return f"Sample({self.frames} frames, {self.channels} ch, {self.sample_rate} Hz{where})"


def _frame(seconds: float, rate: int, n: int) -> int:
    f = int(round(seconds * rate))
    if f < 0:
        f += n
    return min(n, max(0, f))


def load_sample(path: str | os.PathLike) -> Sample:
    """Load an audio file (wav, flac, aiff, ogg, mp3; any rate; mono or stereo).

    Decoded samples are cached per process, keyed by the file's real path, size and
    modification time, so a changed file is read again.  More than two channels are
    reduced to the first two.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except OSError as e:
        raise SampleError(f"{p}: cannot read sample ({e.strerror or e})") from None
    return _load_cached(os.path.realpath(p), st.st_mtime_ns, st.st_size, str(p))


@functools.lru_cache(maxsize=4096)
def _load_cached(real: str, mtime_ns: int, size: int, shown: str) -> Sample:
    try:
        data, rate = sf.read(real, dtype="float32", always_2d=True)
    except Exception as e:  # libsndfile reports every decoding problem as a generic error
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise SampleError(f"{shown}: cannot decode sample ({msg})") from None
    if data.shape[1] > 2:
        data = data[:, :2]
    if data.shape[0] == 0:
        raise SampleError(f"{shown}: the sample is empty")
    return Sample(data, int(rate), Path(shown))
