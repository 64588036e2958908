"""Audio files through soundfile: format from the extension, written atomically."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import BeatforgeError
from .tmpfile import replace_file

try:
    from .._native._mixer import ffi as _ffi, lib as _lib
    _native = (_ffi, _lib)
except ImportError:          # the engine reports a missing build; files can still be written
    _native = None

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
FILE_BUFFER = 1 << 16   # bigger buffers measured slower (cache)


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


def created_mode(mode: int = 0o666) -> int:
    """*mode* as the process umask leaves it: the permissions a plain ``open()`` (0o666) or
    ``mkdir()`` (0o777) would give a new file or folder.  Temporary files and folders are
    private (0o600 / 0o700), so whatever is renamed into place gets these instead."""
    return mode & ~_umask()


def _umask() -> int:
    try:   # Linux shows it without changing it (os.umask would, briefly, for every thread)
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_SFC_SET_ADD_PEAK_CHUNK = 0x1050      # libsndfile's sf_command code (sndfile.h)


def open_for_writing(file, sample_rate: int, channels: int, subtype: str, **kwargs) -> sf.SoundFile:
    """``soundfile.SoundFile(file, "w", ...)`` without the PEAK chunk libsndfile adds to float
    WAV/AIFF files: that chunk holds the time of writing, so the same audio written a second
    later would give different bytes (outputs must be reproducible).  The chunk is optional
    metadata; readers do not need it."""
    f = sf.SoundFile(file, "w", sample_rate, channels, subtype, **kwargs)
    if subtype in ("FLOAT", "DOUBLE"):
        try:
            sf._snd.sf_command(f._file, _SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)
        except AttributeError:      # a soundfile without these internals: the file is still valid
            pass
    return f


def write_audio(path: str | os.PathLike, audio: np.ndarray, sample_rate: int, bit_depth: int = 24,
                **kwargs) -> Path:
    """Write float audio to *path* atomically (temporary file in the same folder, then rename).

    Integer formats are clipped to [-1, 1] first (libsndfile would otherwise wrap
    around).  Extra keyword arguments go to :func:`soundfile.write`.
    """
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    with AudioWriter(path, sample_rate, data.shape[1], bit_depth, **kwargs) as writer:
        writer.write(data)
    return Path(path)


class AudioWriter:
    """An audio file written block by block, atomically: the blocks go to a temporary file in
    the same folder, renamed to *path* when the ``with`` block ends without error (and removed
    when it fails).  Same formats, clipping and bytes as :func:`write_audio`.

    >>> with AudioWriter("out.wav", 44100) as w:      # doctest: +SKIP
    ...     for block in blocks:
    ...         w.write(block)
    """

    def __init__(self, path: str | os.PathLike, sample_rate: int, channels: int = 2, bit_depth: int = 24,
                 **kwargs):
        self.path = Path(path)
        check_writable(self.path, bit_depth)
        self.format, self.subtype = format_for(self.path, bit_depth)
        self.sample_rate, self.channels, self.kwargs = sample_rate, channels, kwargs
        self._file = None
        self._fh = None
        self._tmp = None
        self._fbuf = self._ibuf = None

    def __enter__(self) -> "AudioWriter":
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
            os.close(fd)
        except OSError as e:
            raise BeatforgeError(f"{self.path}: cannot write output ({e.strerror or e})") from None
        try:
            # libsndfile writes through a buffered Python file: it would otherwise make a write()
            # call per 8 KB of converted samples and fsync() the file on close, which together
            # cost more than the whole mix of a long render.  The bytes are the same.
            self._fh = open(self._tmp, "w+b", buffering=FILE_BUFFER)
            self._file = open_for_writing(self._fh, self.sample_rate, self.channels, self.subtype,
                                          format=self.format, **self.kwargs)
        except BaseException as e:
            self._fail(e)
        return self

    def write(self, block: np.ndarray) -> None:
        """Append float32 frames ``(n, channels)`` (clipped/converted as the format needs)."""
        try:
            data = np.asarray(block, dtype=np.float32)
            if data.ndim == 1:
                data = data[:, None]
            pcm = self.subtype in ("PCM_16", "PCM_24") and self.format in ("WAV", "AIFF")  # FLAC converts its own way
            clip = self.subtype.startswith("PCM") or self.format in ("MP3", "OGG")
            if not (pcm or clip):
                self._file.write(data)
                return
            bits = 16 if self.subtype == "PCM_16" else 24
            for start in range(0, data.shape[0], _BLOCK):
                part = data[start:start + _BLOCK]
                if pcm:
                    self._ibuf = float_to_pcm(part, bits, self._ibuf)
                    self._file.write(self._ibuf[: part.shape[0]])
                    continue
                # clip into one small buffer: no second full-length copy of the audio
                if self._fbuf is None or self._fbuf.shape[0] < part.shape[0]:
                    self._fbuf = np.empty((max(part.shape[0], min(_BLOCK, 4096)), data.shape[1]), np.float32)
                fb = self._fbuf[: part.shape[0]]
                np.clip(part, -1.0, 1.0, out=fb)
                self._file.write(fb)
        except BaseException as e:
            self._fail(e)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None:
            self._discard()
            return
        try:
            self._file.close()
            self._fh.close()
            try:   # an overwritten file keeps its permissions; a new one gets the umask's
                mode = os.stat(self.path).st_mode & 0o7777
            except OSError:
                mode = created_mode()
            os.chmod(self._tmp, mode)
            replace_file(self._tmp, self.path)
        except BaseException as e:
            self._fail(e)

    def _discard(self) -> None:
        try:
            if self._file is not None:
                self._file.close()
        except Exception:
            pass
        try:
            if self._fh is not None:
                self._fh.close()
        except OSError:
            pass
        try:
            os.unlink(self._tmp)
        except OSError:
            pass

    def _fail(self, e: BaseException):
        self._discard()
        if isinstance(e, (sf.LibsndfileError, RuntimeError, OSError)):
            # libsndfile names the file it opened: the temporary one, which the user never sees
            reason = re.sub(r"^Error opening (<[^>]*>|'[^']*'): ", "", str(e)).replace(str(self._tmp), str(self.path))
            reason = re.sub(r"^Error\s*:\s*", "", reason)
            raise BeatforgeError(f"{self.path}: cannot write output ({reason})") from None
        raise e


def float_to_pcm(block: np.ndarray, bits: int, out: np.ndarray | None = None) -> np.ndarray:
    """float32 frames -> the integers a 16-bit (int16) or 24-bit (int32, low byte 0) PCM file
    holds for them.  Returns *out* when it is big enough (its first ``len(block)`` rows), else a
    new array.

    The conversion is libsndfile's own for float input to these formats (scale by 2**31,
    round half to even, saturate, keep the top *bits* bits), done in one native pass
    (:func:`pcm_reference` is the numpy version the tests hold it to), so the integers go to
    the file without libsndfile's per-sample conversion loop: the bytes are identical, in a
    fraction of the time.  Out-of-range samples saturate exactly as clipping to [-1, 1] first
    would.
    """
    if bits not in (16, 24):
        raise ValueError(f"bits must be 16 or 24, got {bits!r}")
    x = np.ascontiguousarray(block, dtype=np.float32)
    if _native is None:                   # no compiled module: the numpy reference, same integers
        return pcm_reference(x, bits)
    dtype = np.int16 if bits == 16 else np.int32
    if (out is None or out.dtype != dtype or not out.flags.c_contiguous or out.shape[1:] != x.shape[1:]
            or out.shape[0] < x.shape[0]):
        out = np.empty(x.shape, dtype)
    res = out[: x.shape[0]]
    ffi, lib = _native
    if bits == 16:
        lib.bf_float_to_pcm16(ffi.from_buffer("float[]", x), ffi.from_buffer("int16_t[]", res), x.size)
    else:
        lib.bf_float_to_pcm24(ffi.from_buffer("float[]", x), ffi.from_buffer("int32_t[]", res), x.size)
    return out


def pcm_reference(x: np.ndarray, bits: int) -> np.ndarray:
    """numpy reference of :func:`float_to_pcm` (libsndfile's float -> 16/24-bit PCM integers)."""
    with np.errstate(over="ignore", invalid="ignore"):      # overflow saturates, NaN goes low
        fb = np.multiply(np.asarray(x, np.float32), np.float32(2147483648.0))   # exact: a power of two
        np.rint(fb, out=fb)
        np.clip(fb, -2147483648.0, 2147483520.0, out=fb)    # 2147483520: the last float32 below 2**31
        ib = fb.astype(np.int32)
    if bits == 16:
        return (ib >> 16).astype(np.int16)
    np.right_shift(ib, 8, out=ib)
    np.left_shift(ib, 8, out=ib)
    return ib


def stem_filename(name: str, suffix: str = ".wav") -> str:
    """A safe file name for a stem called *name*."""
    safe = re.sub(r"[^A-Za-z0-9#._-]+", "_", name).strip("._") or "stem"
    return safe + suffix


def write_stems(folder: str | os.PathLike, stems: dict, sample_rate: int, bit_depth: int = 24,
                suffix: str = ".wav") -> list[Path]:
    """Write each stem as ``folder/<name><suffix>``; the folder is created if needed.

    Names that make the same file name (``"hat 1"`` and ``"hat_1"``, or ``"Hat"`` and ``"hat"``
    on a case-insensitive disk) get ``_2``, ``_3`` ... so no stem overwrites another."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BeatforgeError(f"{folder}: cannot create stems folder ({e.strerror})") from None
    written, used = [], set()
    for name, audio in stems.items():
        fname = stem_filename(name, suffix)
        base, n = fname[: len(fname) - len(suffix)], 2
        while fname.lower() in used:
            fname, n = f"{base}_{n}{suffix}", n + 1
        used.add(fname.lower())
        written.append(write_audio(folder / fname, audio, sample_rate, bit_depth))
    return written


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read any supported audio file as float32 ``(frames, channels)`` and its sample rate."""
    try:
        data, rate = sf.read(os.fspath(path), dtype="float32", always_2d=True)
    except Exception as e:
        raise BeatforgeError(f"{path}: cannot read audio ({str(e).splitlines()[0] if str(e) else e})") from None
    return data, rate
