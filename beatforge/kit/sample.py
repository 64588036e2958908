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
        return load_sample(path)


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
