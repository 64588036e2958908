"""Audio files through soundfile: format from the extension, written atomically."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import BeatforgeError

# extension -> (soundfile format, {bit depth: subtype})
FORMATS = {
    ".wav": ("WAV", {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}),
    ".flac": ("FLAC", {16: "PCM_16", 24: "PCM_24"}),
    ".aiff": ("AIFF", {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}),
    ".aif": ("AIFF", {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}),
    ".ogg": ("OGG", None),
    ".mp3": ("MP3", None),
}
BIT_DEPTHS = (16, 24, 32)
_BLOCK = 1 << 16      # frames written per call when clipping


def format_for(path: str | os.PathLike, bit_depth: int = 24) -> tuple[str, str]:
    """The soundfile ``(format, subtype)`` for *path*'s extension and *bit_depth*."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise BeatforgeError(f"{path}: unsupported output format {ext or '(none)'!r}; "
                             f"use one of {', '.join(sorted(FORMATS))}")
    if bit_depth not in BIT_DEPTHS:
        raise BeatforgeError(f"bit depth must be 16, 24 or 32, got {bit_depth!r}")
    fmt, subtypes = FORMATS[ext]
    if subtypes is None:
        return fmt, {"OGG": "VORBIS", "MP3": "MPEG_LAYER_III"}[fmt]
    if bit_depth not in subtypes:
        raise BeatforgeError(f"{path}: {fmt} cannot store {bit_depth}-bit audio; use "
                             f"{' or '.join(str(b) for b in subtypes)}")
    return fmt, subtypes[bit_depth]


def check_writable(path: str | os.PathLike, bit_depth: int = 24) -> None:
    """Fail early, with a clear message, when *path* cannot be written."""
    format_for(path, bit_depth)
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        raise BeatforgeError(f"{path}: cannot write output: folder {folder} does not exist")
    if Path(path).is_dir():
        raise BeatforgeError(f"{path}: cannot write output: it is a folder")
    if not os.access(folder, os.W_OK):
        raise BeatforgeError(f"{path}: cannot write output: folder {folder} is not writable")


def write_audio(path: str | os.PathLike, audio: np.ndarray, sample_rate: int, bit_depth: int = 24,
                **kwargs) -> Path:
    """Write float audio to *path* atomically (temporary file in the same folder, then rename).

    Integer formats are clipped to [-1, 1] first (libsndfile would otherwise wrap
    around).  Extra keyword arguments go to :func:`soundfile.write`.
    """
    path = Path(path)
    check_writable(path, bit_depth)
    fmt, subtype = format_for(path, bit_depth)
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    clip = subtype.startswith("PCM") or fmt in ("MP3", "OGG")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        with sf.SoundFile(tmp, "w", sample_rate, data.shape[1], subtype, format=fmt, **kwargs) as f:
            if subtype in ("PCM_16", "PCM_24") and fmt in ("WAV", "AIFF"):   # FLAC converts its own way
                _write_pcm(f, data, 16 if subtype == "PCM_16" else 24)
            elif clip:
                # clip block by block into one small buffer: no second full-length copy of the audio
                buf = np.empty((min(_BLOCK, max(1, data.shape[0])), data.shape[1]), np.float32)
                for start in range(0, data.shape[0], _BLOCK):
                    block = data[start:start + _BLOCK]
                    out = buf[: block.shape[0]]
                    np.clip(block, -1.0, 1.0, out=out)
                    f.write(out)
            else:
                f.write(data)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, (sf.LibsndfileError, RuntimeError, OSError)):
            raise BeatforgeError(f"{path}: cannot write output ({e})") from None
        raise
    return path


def _write_pcm(f, data: np.ndarray, bits: int) -> None:
    """Write float audio as 16/24-bit integers (WAV, AIFF), block by block.

    The conversion is libsndfile's own for float input to these formats (scale by 2**31, round half to even,
    saturate, keep the top *bits* bits), done here with numpy so the integers go to the file
    without a per-sample conversion loop: the bytes are identical, in about a third of the time.
    Out-of-range samples saturate exactly as clipping to [-1, 1] first would.
    """
    n, channels = data.shape
    fbuf = np.empty((min(_BLOCK, max(1, n)), channels), np.float32)
    ibuf = np.empty(fbuf.shape, np.int32)
    for start in range(0, n, _BLOCK):
        block = data[start:start + _BLOCK]
        m = block.shape[0]
        fb, ib = fbuf[:m], ibuf[:m]
        np.multiply(block, np.float32(2147483648.0), out=fb)   # exact: a power of two
        np.rint(fb, out=fb)
        np.clip(fb, -2147483648.0, 2147483520.0, out=fb)        # 2147483520: the last float32 below 2**31
        ib[...] = fb
        if bits == 16:
            f.write((ib >> 16).astype(np.int16))
        else:
            np.right_shift(ib, 8, out=ib)
            np.left_shift(ib, 8, out=ib)
            f.write(ib)


def stem_filename(name: str, suffix: str = ".wav") -> str:
    """A safe file name for a stem called *name*."""
    safe = re.sub(r"[^A-Za-z0-9#._-]+", "_", name).strip("._") or "stem"
    return safe + suffix


def write_stems(folder: str | os.PathLike, stems: dict, sample_rate: int, bit_depth: int = 24,
                suffix: str = ".wav") -> list[Path]:
    """Write each stem as ``folder/<name><suffix>``; the folder is created if needed."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BeatforgeError(f"{folder}: cannot create stems folder ({e.strerror})") from None
    return [write_audio(folder / stem_filename(name, suffix), audio, sample_rate, bit_depth)
            for name, audio in stems.items()]


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read any supported audio file as float32 ``(frames, channels)`` and its sample rate."""
    try:
        data, rate = sf.read(os.fspath(path), dtype="float32", always_2d=True)
    except Exception as e:
        raise BeatforgeError(f"{path}: cannot read audio ({str(e).splitlines()[0] if str(e) else e})") from None
    return data, rate
