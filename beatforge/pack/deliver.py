"""Deliverables: WAV, MP3 with ID3 tags, loudness, true peak, limiter, preview, PNG, zip.

Every writer goes through :func:`atomic_path`: the file is written under a hidden
temporary name in its own folder (``.bftmp-<name>``, keeping the extension so
format-by-extension writers still work) and renamed into place with
:func:`beatforge.io.tmpfile.replace_file` (``os.replace``, or an atomic swap over an existing
file), so a reader (or a resumed run) never sees a half-written file.

Nothing written here carries a timestamp: libsndfile writes no date chunk for
PCM WAV, LAME's Info frame holds no time, the ID3 tags hold only the fields set
below, PNG gets no tIME chunk and zip entries are dated 1980-01-01.

True peak is measured per ITU-R BS.1770-4 (annex 2) style: the signal is
oversampled 4x with a 49-tap polyphase low-pass and the largest absolute value of
any channel is taken.  Loops are measured circularly (the end runs into the start),
as they are played.

The limiter (:func:`limit`) is a stereo-linked look-ahead brickwall limiter built
for offline use: it computes, per sample, the gain that keeps the 4x oversampled
peak under the ceiling, then smooths that gain with a minimum-hold followed by a
moving average over the same window (5 ms, then again over 50 ms).  Because each
smoothed value is an average of minima that all include the sample's own
requirement, the gain never exceeds what any sample needs: gain reduction starts
ahead of a peak (look-ahead) and ramps back after it, with no overshoot and no
clipping.  A final measurement pass trims any residue from gain changes between
samples.
"""

from __future__ import annotations

import contextlib
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

from ..io.audio import FILE_BUFFER, open_for_writing
from ..io.tmpfile import replace_file

try:
    from .._native._mixer import ffi as _ffi, lib as _lib
except ImportError:          # no compiled module: the numpy references below do the measuring
    _lib = None

TMP_PREFIX = ".bftmp-"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


class DeliveryError(Exception):
    """A deliverable that cannot be produced (worker-side; reported per variant)."""


# -- files -----------------------------------------------------------------------------------

@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds."""
    path = Path(path)
    tmp = path.with_name(TMP_PREFIX + path.name)
    try:
        yield tmp
        replace_file(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def remove_temp_files(root: Path) -> int:
    """Delete leftover ``.bftmp-*`` files under ``root`` (from a killed run); return how many."""
    n = 0
    if root.is_dir():
        for p in root.rglob(TMP_PREFIX + "*"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    return n


# -- measurement -----------------------------------------------------------------------------

def _tp_filter() -> np.ndarray:
    from scipy.signal import firwin
    # 49 taps (about 12 per phase, as in BS.1770-4), cutoff at the original Nyquist;
    # flat within 0.01 dB to 16 kHz at 44.1 kHz.  Odd length: a whole-sample delay.
    # Phase 0 is (to 0.01 dB) the original samples, so only phases 1-3 are computed.
    return firwin(49, 0.25, window=("kaiser", 5.0)) * 4


_TP_H = _tp_filter().astype(np.float32)
# Largest gain any interpolation phase can apply: |y| <= _TP_BOUND * max|x| over the 12 taps.
_TP_BOUND = float(max(np.abs(_TP_H[p::4]).sum() for p in range(4)))
_BLOCK = 1024
_HALO = 8


def _block_starts(n: int, block: int) -> np.ndarray:
    starts = np.arange(0, n, block)
    if len(starts) and starts[-1] + block > n:
        starts[-1] = max(0, n - block)
    return starts


def _interp_envelope_reference(x: np.ndarray, starts: np.ndarray, block: int, circular: bool) -> np.ndarray:
    """Per-frame peak over the sample and its three 4x-interpolated points after it, for the
    frames of the blocks starting at ``starts``; shape (len(starts), block).  The numpy
    reference of the native :func:`_tp_blocks`."""
    n = len(x)
    idx = starts[:, None] + np.arange(-_HALO, block + _HALO)[None, :]
    if circular:
        g = x[idx % n]
    else:
        g = x[np.clip(idx, 0, n - 1)] * ((idx >= 0) & (idx < n))[..., None]
    env = _frame_peaks(g[:, _HALO:_HALO + block])
    # The value at time t + p/4 is sum_k h[p + 4k] * x[t + 6 - k].  One np.convolve per channel
    # and phase runs over all gathered rows at once; each row's own halo absorbs the seams.
    rows, width = g.shape[0], g.shape[1]
    lo = _HALO + 6
    for c in range(x.shape[1]):
        flat = np.ascontiguousarray(g[:, :, c]).ravel()
        for p in (1, 2, 3):
            y = np.convolve(flat, _TP_H[p::4][:12])[:rows * width].reshape(rows, width)
            np.maximum(env, np.abs(y[:, lo:lo + block]), out=env)
    return env


# The taps of the interpolated phases 1-3, 12 each, as bf_true_peak_blocks takes them.
_TP_TAPS = np.ascontiguousarray(np.stack([_TP_H[p::4][:12] for p in (1, 2, 3)]), dtype=np.float32)


def _tp_blocks(x: np.ndarray, starts: np.ndarray, block: int, circular: bool,
               out: np.ndarray | None = None, per_block: bool = False) -> float:
    """The native 4x true-peak pass over the blocks starting at ``starts`` (what
    :func:`_interp_envelope_reference` computes): max-es each frame's value into ``out`` (at
    its frame index, or at ``(row, j)`` of a (len(starts), block) array with ``per_block``)
    when given; returns the largest value.  Every bound is checked here: the C trusts them."""
    n, channels = x.shape
    if x.dtype != np.float32 or not x.flags.c_contiguous or channels < 1:
        raise ValueError("x must be C-contiguous float32 frames x channels")
    if not 1 <= block <= min(n, _lib.BF_TP_MAX_BLOCK):
        raise ValueError(f"block {block} out of range for {n} frames")
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    if starts.ndim != 1 or (len(starts) and (starts.min() < 0 or starts.max() > n - block)):
        raise ValueError("block starts out of range")
    cout = _ffi.NULL
    if out is not None:
        shape = (len(starts), block) if per_block else (n,)
        if out.dtype != np.float32 or not out.flags.c_contiguous or out.shape != shape:
            raise ValueError(f"out must be C-contiguous float32 of shape {shape}")
        cout = _ffi.from_buffer("float[]", out, require_writable=True)
    return float(_lib.bf_true_peak_blocks(
        _ffi.from_buffer("float[]", x), n, channels, _ffi.from_buffer("int64_t[]", starts), len(starts),
        block, _ffi.from_buffer("float[]", _TP_TAPS), int(bool(circular)), cout, int(bool(per_block))))


def _interp_envelope(x: np.ndarray, starts: np.ndarray, block: int, circular: bool) -> np.ndarray:
    """:func:`_interp_envelope_reference`, natively when the C module is built."""
    if _lib is None:
        return _interp_envelope_reference(x, starts, block, circular)
    x = np.ascontiguousarray(x, dtype=np.float32)
    env = np.zeros((len(starts), block), np.float32)
    _tp_blocks(x, starts, block, circular, env, per_block=True)
    return env


def _frame_peaks(x: np.ndarray) -> np.ndarray:
    """max |x| over the last axis (channels); a loop over the few channels beats a tiny-axis reduce."""
    out = np.abs(x[..., 0])
    for c in range(1, x.shape[-1]):
        np.maximum(out, np.abs(x[..., c]), out=out)
    return out


def _candidate_blocks(a: np.ndarray, block: int, threshold: float, circular: bool):
    """Blocks whose interpolated peak could exceed ``threshold`` (bound: _TP_BOUND x the largest
    sample within the block and its neighbours)."""
    starts = _block_starts(len(a), block)
    bm = np.maximum.reduceat(a, starts) if len(starts) else np.zeros(0, np.float32)
    if circular:
        near = np.maximum(bm, np.maximum(np.roll(bm, 1), np.roll(bm, -1)))
    else:
        padded = np.concatenate([[0], bm, [0]])
        near = np.maximum(bm, np.maximum(padded[:-2], padded[2:]))
    return starts[near * _TP_BOUND > threshold]


def _as_frames(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x[:, None] if x.ndim == 1 else x


def true_peak_db(x: np.ndarray, circular: bool = True) -> float | None:
    """True peak in dBTP (4x oversampled, 49-tap interpolator); None for silence.

    Only blocks that could hold a peak above the largest sample are interpolated: the
    interpolator cannot gain more than _TP_BOUND over its taps, so quieter blocks cannot
    win.  The result is the same as interpolating everything."""
    x = _as_frames(x)
    if len(x) == 0:
        return None
    a = _frame_peaks(x)
    peak = float(a.max())
    if peak <= 0:
        return None
    block = min(_BLOCK, len(x))
    starts = _candidate_blocks(a, block, peak, circular)
    if len(starts):
        if _lib is None:
            peak = max(peak, float(_interp_envelope_reference(x, starts, block, circular).max()))
        else:
            peak = max(peak, _tp_blocks(np.ascontiguousarray(x), starts, block, circular))
    return round(20 * np.log10(peak), 2)


def peak_envelope(x: np.ndarray, threshold: float = 0.0, circular: bool = True) -> np.ndarray:
    """Per-frame true-peak envelope (linear); exact wherever it can exceed ``threshold``."""
    x = _as_frames(x)
    a = _frame_peaks(x)
    if len(x) == 0:
        return a
    block = min(_BLOCK, len(x))
    starts = _candidate_blocks(a, block, threshold, circular)
    if len(starts) and _lib is not None:
        _tp_blocks(np.ascontiguousarray(x), starts, block, circular, a)
    elif len(starts):
        env = _interp_envelope_reference(x, starts, block, circular)
        idx = starts[:, None] + np.arange(block)[None, :]
        np.maximum.at(a, idx.ravel(), env.ravel())
    return a


_K_SOS: dict[int, np.ndarray] = {}


def _k_weighting(sample_rate: int) -> np.ndarray:
    """pyloudnorm's BS.1770 K-weighting (high shelf + high pass) as second-order sections."""
    sos = _K_SOS.get(sample_rate)
    if sos is None:
        import pyloudnorm
        from scipy.signal import tf2sos
        stages = pyloudnorm.Meter(sample_rate)._filters.values()
        sos = np.vstack([tf2sos(f.b * f.passband_gain, f.a) for f in stages])
        _K_SOS[sample_rate] = sos
    return sos


def _kweight_segments(x: np.ndarray, sample_rate: int, seg: int) -> np.ndarray:
    """Per channel, the sum of squares of the K-weighted signal over each ``seg`` frames
    (channels x ceil(frames / seg), float64), from the native filter; bounds checked here."""
    n, channels = x.shape
    if x.dtype != np.float32 or not x.flags.c_contiguous or not 1 <= channels <= _lib.BF_KW_MAX_CHANNELS:
        raise ValueError(f"x must be C-contiguous float32 frames x 1..{_lib.BF_KW_MAX_CHANNELS} channels")
    sos = np.ascontiguousarray(_k_weighting(sample_rate), dtype=np.float64)
    if sos.ndim != 2 or sos.shape[1] != 6 or not 1 <= len(sos) <= _lib.BF_KW_MAX_SECTIONS or np.any(sos[:, 3] != 1):
        raise ValueError("K-weighting must be 1..4 normalised second-order sections")
    if seg < 1:
        raise ValueError(f"segment length must be >= 1, got {seg}")
    out = np.empty((channels, -(-n // seg)), np.float64)
    _lib.bf_kweight_segments(_ffi.from_buffer("float[]", x), n, channels, _ffi.from_buffer("double[]", sos),
                             len(sos), seg, _ffi.from_buffer("double[]", out, require_writable=True))
    return out


def loudness_lufs(x: np.ndarray, sample_rate: int) -> float | None:
    """Integrated loudness in LUFS (ITU-R BS.1770-4); None if shorter than one 400 ms block or silent.

    This is pyloudnorm's ``Meter.integrated_loudness`` (same K-weighting coefficients, same
    block bounds and gates) with the block energies summed from 100 ms segments, whose sums
    of squares come straight out of the native K-weighting filter (:func:`_lufs_reference`
    is the numpy version, within 0.001 LU; the tests check both agree with pyloudnorm to
    0.01 LU)."""
    x = _as_frames(x)
    if _lib is None or x.shape[1] > _lib.BF_KW_MAX_CHANNELS:
        return _lufs_reference(x, sample_rate)
    n, channels = x.shape
    if n < 0.4 * sample_rate:
        return None
    x = np.ascontiguousarray(x)
    lo, hi, segmented = _gating_blocks(n, sample_rate)
    if segmented:
        parts = _kweight_segments(x, sample_rate, sample_rate // 10)
        return _gated_loudness(_block_energies(parts, len(lo), sample_rate))
    csum = np.zeros((channels, n + 1))
    np.cumsum(_kweight_segments(x, sample_rate, 1), axis=-1, out=csum[:, 1:])
    return _gated_loudness((csum[:, hi] - csum[:, lo]) / (0.4 * sample_rate))


def _gating_blocks(n: int, sample_rate: int):
    """pyloudnorm's 400 ms gating blocks, 75 % overlap: (lo, hi) frame bounds and whether they
    are whole runs of four 100 ms segments (the usual case)."""
    block_s, step = 0.4, 0.25
    blocks = int(np.round((n / sample_rate - block_s) / (block_s * step))) + 1
    j = np.arange(blocks)
    lo = np.minimum((block_s * (j * step) * sample_rate).astype(np.int64), n)
    hi = np.minimum((block_s * (j * step + 1) * sample_rate).astype(np.int64), n)
    seg = sample_rate // 10
    segmented = (sample_rate % 10 == 0 and np.array_equal(lo, j * seg)
                 and np.array_equal(hi, np.minimum((j + 4) * seg, n)))
    return lo, hi, segmented


def _block_energies(parts: np.ndarray, blocks: int, sample_rate: int) -> np.ndarray:
    """Mean square per channel and gating block from per-segment sums (channels x segments)."""
    j = np.arange(blocks)
    parts = np.concatenate([parts, np.zeros((parts.shape[0], 4))], axis=1)
    return (parts[:, j] + parts[:, j + 1] + parts[:, j + 2] + parts[:, j + 3]) / (0.4 * sample_rate)


def _gated_loudness(z: np.ndarray, ndigits: int | None = 2) -> float | None:
    """BS.1770-4 gating (absolute -70 LUFS, relative -10 LU) of block energies (channels x blocks),
    rounded to ``ndigits`` (None: not rounded)."""
    channels = z.shape[0]
    gains = np.array([1.0, 1.0, 1.0, 1.41, 1.41][:channels])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        lk = -0.691 + 10 * np.log10((gains * z).sum(axis=0))
        gated = lk >= -70.0
        if not gated.any():
            return None
        gamma_r = -0.691 + 10 * np.log10((gains[:, 0] * z[:, gated].mean(axis=1)).sum()) - 10
        keep = (lk > gamma_r) & (lk > -70.0)
        if not keep.any():
            return None
        value = -0.691 + 10 * np.log10((gains[:, 0] * z[:, keep].mean(axis=1)).sum())
    if not np.isfinite(value):
        return None
    return float(value) if ndigits is None else round(float(value), ndigits)


def _lufs_reference(x: np.ndarray, sample_rate: int) -> float | None:
    """numpy/scipy reference of :func:`loudness_lufs`: the K-weighting as second-order sections
    through scipy's sosfilt on float64 copies of the channels, squares summed per segment."""
    from scipy.signal import sosfilt
    x = _as_frames(x)
    n, channels = x.shape
    if n < 0.4 * sample_rate:
        return None
    xt = np.array(x.T, dtype=np.float64)
    # Silence decaying through the IIR filters ends in denormal numbers, which run ~20x slower;
    # a +-1e-12 Nyquist-rate dither (about -240 dBFS, invisible to the result) keeps them out.
    xt[:, ::2] += 1e-12
    xt[:, 1::2] -= 1e-12
    y = sosfilt(_k_weighting(sample_rate), xt, axis=-1)
    lo, hi, segmented = _gating_blocks(n, sample_rate)
    if segmented:
        # the usual case: blocks are four whole 100 ms segments; sum squares per segment
        seg = sample_rate // 10
        nseg = -(-n // seg)
        sq = np.zeros((channels, nseg * seg))
        np.square(y, out=sq[:, :n])
        return _gated_loudness(_block_energies(sq.reshape(channels, nseg, seg).sum(axis=-1), len(lo), sample_rate))
    csum = np.zeros((channels, n + 1))
    np.cumsum(y * y, axis=-1, out=csum[:, 1:])
    return _gated_loudness((csum[:, hi] - csum[:, lo]) / (0.4 * sample_rate))


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


# -- processing ------------------------------------------------------------------------------

def _box_min_avg(g: np.ndarray, width: int) -> np.ndarray:
    """Minimum over the window [n, n+width) then mean over [n-width+1, n] (circular): <= g everywhere."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    if width <= 1:
        return g
    # minimum_filter1d with origin shifts the window; size w, origin -(w//2) covers [n, n+w-1]
    hold = minimum_filter1d(g, size=width, mode="wrap", origin=-(width // 2))
    return uniform_filter1d(hold, size=width, mode="wrap", origin=(width - 1) // 2)


def limit(x: np.ndarray, sample_rate: int, ceiling_db: float,
          lookahead_ms: float = 5.0, release_ms: float = 50.0) -> np.ndarray:
    """Look-ahead true-peak limiter (see the module docstring); returns a new array."""
    x = _as_frames(x)
    ceiling = db_to_gain(ceiling_db)
    for attempt in range(4):
        env = peak_envelope(x, ceiling)
        if env.max() <= ceiling:
            return x
        # a frame's interpolated points reach to the next frame: cover both neighbours
        need = np.maximum(env, np.maximum(np.roll(env, 1), np.roll(env, -1)))
        aim = ceiling * (0.998 ** (attempt + 1))
        g = np.minimum(1.0, aim / np.maximum(need, 1e-12)).astype(np.float32)
        g = _box_min_avg(g, max(1, int(sample_rate * lookahead_ms / 1000)))
        g = _box_min_avg(g, max(1, int(sample_rate * release_ms / 1000)))
        x = x * g[:, None]
    peak = true_peak_db(x)
    if peak is not None and peak > ceiling_db:
        x = x * np.float32(db_to_gain(ceiling_db - peak - 0.01))
    return x


def normalize(x: np.ndarray, sample_rate: int, loudness: float | None, ceiling_db: float,
              use_limiter: bool = True, margin_db: float = 0.0) -> np.ndarray:
    """Gain to ``loudness`` LUFS (if given), with the true peak under ``ceiling_db - margin_db``.

    When the gained signal peaks over the ceiling, the limiter takes the peaks down, which
    also lowers the loudness; the gain in front of the limiter is then found by the secant
    method (loudness after limiting grows monotonically with it) until the result is within
    0.1 LU of the target.  Without the limiter the gain is lowered until the peak fits (the
    result is then quieter than the target).
    """
    x = _as_frames(x)
    ceiling = ceiling_db - margin_db
    current = loudness_lufs(x, sample_rate) if loudness is not None else None
    gain_db = 0.0 if current is None else loudness - current
    y = x * np.float32(db_to_gain(gain_db))
    peak = true_peak_db(y)
    if peak is None or peak <= ceiling:
        return y
    if not use_limiter:
        return y * np.float32(db_to_gain(ceiling - peak - 0.01))
    y = limit(y, sample_rate, ceiling)
    if current is None:
        return y
    level = loudness_lufs(y, sample_rate)
    best, best_err = y, abs(level - loudness)
    prev = None
    for _ in range(8):
        if abs(level - loudness) < 0.1:
            break
        if prev is None:
            step = (loudness - level) * 2.0
        else:
            slope = (level - prev[1]) / (gain_db - prev[0]) if gain_db != prev[0] else 0.5
            step = (loudness - level) / min(1.0, max(0.05, slope))
        prev = (gain_db, level)
        gain_db += float(np.clip(step, -12.0, 12.0))
        y = limit(x * np.float32(db_to_gain(gain_db)), sample_rate, ceiling)
        level = loudness_lufs(y, sample_rate)
        if abs(level - loudness) < best_err:
            best, best_err = y, abs(level - loudness)
    return best


def overlay_tag(mix: np.ndarray, tag: np.ndarray, sample_rate: int, every_s: float,
                gain_db: float) -> np.ndarray:
    """The mix with ``tag`` added at 0, every, 2*every ... seconds (cut at the end)."""
    out = np.array(mix, dtype=np.float32, copy=True)
    g = np.float32(db_to_gain(gain_db))
    step = every_s * sample_rate
    k = 0
    while True:
        start = int(np.floor(k * step + 0.5))
        if start >= len(out):
            break
        n = min(len(tag), len(out) - start)
        out[start:start + n] += tag[:n] * g
        k += 1
    return out


def read_tag(path: Path, sample_rate: int) -> np.ndarray:
    """The producer tag as float32 stereo at ``sample_rate``."""
    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    data = np.ascontiguousarray(data[:, :2])
    if sr != sample_rate:
        data = resample(data, sr, sample_rate)
    return data


def resample(x: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    from math import gcd
    from scipy.signal import resample_poly
    g = gcd(sr_from, sr_to)
    return resample_poly(x, sr_to // g, sr_from // g, axis=0).astype(np.float32)


# -- writers ---------------------------------------------------------------------------------

WAV_SUBTYPES = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}


def as_written(x: np.ndarray, bit_depth: int) -> np.ndarray:
    """The samples a WAV of ``bit_depth`` holds for ``x`` (clipped for integer PCM; the rounding
    to 16/24 bits, below -96/-144 dBFS, is left out of the measurements)."""
    x = np.asarray(x, dtype=np.float32)
    return x if bit_depth == 32 else np.clip(x, -1.0, 1.0)


def write_wav(path: Path, x: np.ndarray, sample_rate: int, bit_depth: int = 24) -> None:
    data = np.asarray(x, dtype=np.float32)
    if bit_depth != 32:
        data = np.clip(data, -1.0, 1.0)
    with atomic_path(path) as tmp:
        _sf_write(tmp, data, sample_rate, subtype=WAV_SUBTYPES[bit_depth], format="WAV")


def _sf_write(path: Path, data: np.ndarray, sample_rate: int, **kw) -> None:
    """soundfile.write through a buffered Python file: the same bytes, without libsndfile's
    write() per 8 KB and fsync() on close (the rename makes the file whole; fsync would only
    add a wait for the disk to every file of a pack), and without the dated PEAK chunk of
    float files (:func:`beatforge.io.audio.open_for_writing`)."""
    data = np.asarray(data)
    with open(path, "w+b", buffering=FILE_BUFFER) as fh:
        f = open_for_writing(fh, sample_rate, data.shape[1] if data.ndim == 2 else 1, kw.pop("subtype"), **kw)
        try:
            f.write(data)
        finally:
            f.close()


def mp3_rate(sample_rate: int) -> int:
    """The rate an MP3 is encoded at: the pack rate when MPEG allows it, else 48000/44100."""
    if sample_rate in MP3_RATES:
        return sample_rate
    return 44100 if sample_rate % 11025 == 0 else 48000


def write_mp3(path: Path, x: np.ndarray, sample_rate: int, tags: dict | None = None) -> int:
    """Constant-bitrate MP3 at the highest rate MPEG allows for the sample rate (320 kbps for
    32-48 kHz; libsndfile maps compression_level 0.0 to LAME's top CBR rate) plus ID3v2.3 tags.
    Returns the encoded sample rate."""
    rate = mp3_rate(sample_rate)
    data = np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0)
    if rate != sample_rate:
        data = np.clip(resample(data, sample_rate, rate), -1.0, 1.0)
    with atomic_path(path) as tmp:
        _sf_write(tmp, data, rate, format="MP3", subtype="MPEG_LAYER_III",
                  compression_level=0.0, bitrate_mode="CONSTANT")
        if tags:
            write_id3(tmp, tags)
    return rate


def write_id3(path: Path, tags: dict) -> None:
    """ID3v2.3 frames: title, artist, album, TBPM, TKEY, genre, mood (TXXX:MOOD) and a comment."""
    from mutagen.id3 import COMM, ID3, TALB, TBPM, TCON, TIT2, TKEY, TPE1, TXXX
    id3 = ID3()
    frames = {"title": TIT2, "artist": TPE1, "album": TALB, "bpm": TBPM, "key": TKEY, "genre": TCON}
    for name, frame in frames.items():
        if tags.get(name):
            id3.add(frame(encoding=1, text=[str(tags[name])]))
    if tags.get("mood"):
        id3.add(TXXX(encoding=1, desc="MOOD", text=[tags["mood"]]))
    if tags.get("comment"):
        id3.add(COMM(encoding=1, lang="eng", desc="", text=[tags["comment"]]))
    id3.save(str(path), v2_version=3, v1=0, padding=lambda info: 0)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def waveform_png(x: np.ndarray, width: int = 800, height: int = 160,
                 colors=((255, 255, 255), (40, 40, 48), (255, 106, 0))) -> bytes:
    """A min/max waveform of ``x`` as an indexed-colour PNG (background, centre line, wave).

    Written with zlib + struct: a palette PNG is a few lines, needs no imaging library and
    carries no timestamp or software chunk."""
    mono = np.asarray(x, dtype=np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    img = np.zeros((height, width), np.uint8)
    mid = height // 2
    img[mid, :] = 1
    if len(mono):
        edges = np.minimum(np.arange(width) * len(mono) // width, len(mono) - 1)
        peak = max(float(np.max(np.abs(mono))), 1e-9)
        hi = np.maximum.reduceat(mono, edges) / peak
        lo = np.minimum.reduceat(mono, edges) / peak
        top = np.rint(mid - hi * (mid - 2)).astype(np.int64)
        bot = np.rint(mid - lo * (mid - 2)).astype(np.int64)
        rows = np.arange(height)[:, None]
        img[(rows >= top[None, :]) & (rows <= bot[None, :])] = 2
    raw = np.hstack([np.zeros((height, 1), np.uint8), img]).tobytes()  # filter byte 0 per row
    palette = b"".join(bytes(c) for c in colors)
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
            + _png_chunk(b"PLTE", palette)
            + _png_chunk(b"IDAT", zlib.compress(raw, 9))
            + _png_chunk(b"IEND", b""))


def write_zip(path: Path, entries: list[tuple[str, Path]]) -> None:
    """A zip of ``(arcname, file)`` pairs, sorted, with fixed dates and permissions.

    Audio is stored (it barely compresses and storing keeps zips fast); text and MIDI are
    deflated."""
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w") as zf:
            for arcname, src in sorted(entries):
                info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                stored = Path(src).suffix.lower() in (".wav", ".mp3", ".png", ".flac")
                info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                with open(src, "rb") as f, zf.open(info, "w") as out:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        out.write(chunk)
