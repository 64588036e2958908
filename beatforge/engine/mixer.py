"""Voice bank over the C mixer, with a numpy reference behind the same interface.

A :class:`VoiceBank` is a fixed-capacity structured array of voice rows (``VOICE_DTYPE``, the
exact layout of the C ``bf_voice`` struct) plus references to the sample arrays the rows point
to.  ``bank.mix(out)`` adds every active voice into ``out`` and advances the voices, so calling it
block after block continues seamlessly.

The implementation is chosen per call: ``mixer="native"`` (C, the default) or ``"reference"``
(numpy), or via the environment variable ``BEATFORGE_MIXER``.
"""
from __future__ import annotations

import math
import os

import numpy as np

from ..errors import BeatforgeError


class MixerBuildError(BeatforgeError, ImportError):
    """The compiled C mixer is missing or does not match this source (a one-line user error;
    still an ImportError for code that imports the mixer optionally)."""


class MixerChoiceError(BeatforgeError, ValueError):
    """An unknown mixer name (argument or ``BEATFORGE_MIXER``)."""


_BUILD_HINT = "build it with: pip install . (or, in a source tree: python beatforge/_native/build_mixer.py)"

try:
    from beatforge._native._mixer import ffi as _ffi, lib as _lib
except ImportError as e:
    raise MixerBuildError(f"the C mixer (beatforge._native._mixer) is not built or cannot load ({e}); "
                          + _BUILD_HINT) from None

__all__ = ["VOICE_DTYPE", "VoiceBank", "MIXERS", "mixer_name"]

MIXERS = ("native", "reference")
_INTERP = {"linear": 0, "cubic": 1}
_MAX_FRAMES = 2**31 - 1  # C keeps sample indices in int32 chunk buffers

VOICE_DTYPE = np.dtype(
    [
        ("data", np.uint64),        # address of the first float of the sample array
        ("frames", np.int64),
        ("channels", np.int32),
        ("interp", np.int32),
        ("reverse", np.int32),
        ("stem", np.int32),
        ("done", np.int32),
        ("_pad", np.int32),
        ("start_point", np.int64),
        ("end_point", np.int64),
        ("offset", np.int64),
        ("pos", np.float64),
        ("rate", np.float64),
        ("gain_l", np.float32),
        ("gain_r", np.float32),
        ("attack", np.int64),
        ("hold", np.int64),
        ("decay", np.int64),
        ("sustain", np.float32),
        ("release", np.int64),
        ("release_at", np.int64),
        ("kill_at", np.int64),
        ("kill_len", np.int64),
        ("age", np.int64),
    ],
    align=True,
)


def _check_abi() -> None:
    """Fail loudly at import if VOICE_DTYPE and the compiled struct disagree."""
    size = _ffi.sizeof("bf_voice")
    problems = []
    if VOICE_DTYPE.itemsize != size or _lib.bf_abi_size() != size:
        problems.append(f"itemsize {VOICE_DTYPE.itemsize} vs sizeof(bf_voice) {size} "
                        f"(library reports {_lib.bf_abi_size()})")
    for name in VOICE_DTYPE.names:
        ours = VOICE_DTYPE.fields[name][1]
        theirs = _ffi.offsetof("bf_voice", name)
        if ours != theirs:
            problems.append(f"field {name!r} at offset {ours}, C has {theirs}")
    if problems:
        raise MixerBuildError("beatforge._native._mixer does not match VOICE_DTYPE: " + "; ".join(problems)
                              + " (rebuild with: python beatforge/_native/build_mixer.py)")


_check_abi()


def mixer_name(mixer: str | None = None) -> str:
    """Resolve the mixer implementation: the argument, else $BEATFORGE_MIXER, else "native"."""
    name = mixer if mixer is not None else os.environ.get("BEATFORGE_MIXER") or "native"
    if name not in MIXERS:
        where = "" if mixer is not None else "BEATFORGE_MIXER: "
        raise MixerChoiceError(f"{where}unknown mixer {name!r}; expected one of {', '.join(MIXERS)}")
    return name


def _check_sample(data) -> np.ndarray:
    if not isinstance(data, np.ndarray):
        raise TypeError(f"sample data must be a numpy array, not {type(data).__name__!r}")
    if data.dtype != np.float32:
        raise ValueError(f"sample data must be float32, got dtype {data.dtype!r}")
    if data.ndim not in (1, 2) or (data.ndim == 2 and data.shape[1] not in (1, 2)):
        raise ValueError(f"sample data must have shape (frames,) or (frames, 1|2), got {data.shape!r}")
    if not data.flags.c_contiguous:
        raise ValueError("sample data must be C-contiguous (use np.ascontiguousarray)")
    if data.shape[0] < 1 or data.shape[0] > _MAX_FRAMES:
        raise ValueError(f"sample data must have 1..{_MAX_FRAMES} frames, got {data.shape[0]!r}")
    return data


def _channels(data: np.ndarray) -> int:
    return 1 if data.ndim == 1 else data.shape[1]


class VoiceBank:
    """A fixed number of voice slots mixed by one C call.

    ``voices`` is the structured array (``VOICE_DTYPE``) the C mixer reads and updates.  Rows
    can be edited directly for fields that need no validation (gains, ``release_at``,
    ``kill_at``...); use :meth:`set`/:meth:`fill` to point a slot at sample data.
    """

    def __init__(self, capacity: int):
        capacity = int(capacity)
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0, got {capacity!r}")
        self.capacity = capacity
        self.voices = np.zeros(capacity, dtype=VOICE_DTYPE)
        self.voices["done"] = 1
        self.voices["stem"] = -1
        # The C rows hold raw pointers into these arrays: keep every array a slot points to
        # alive here for as long as the slot refers to it.
        self._sources: list[np.ndarray | None] = [None] * capacity
        # cdata pointer over self.voices, made once (the array is never reallocated).
        self._cvoices = _ffi.cast("bf_voice *", _ffi.from_buffer(self.voices, require_writable=True))
        self._out_cache = (None, None)     # (array, cdata) of the last output buffer
        self._stems_cache = (None, None)

    def __len__(self) -> int:
        return self.capacity

    def __repr__(self) -> str:
        return f"VoiceBank(capacity={self.capacity}, active={self.active})"

    # -- slots -------------------------------------------------------------------------------

    def set(self, slot, data, *, offset=0, rate=1.0, gain_l=1.0, gain_r=1.0, start=0, end=None,
            reverse=False, interp="cubic", stem=-1, attack=0, hold=-1, decay=0, sustain=1.0,
            release=0, release_at=-1, kill_at=-1, kill_len=1, pos=0.0):
        """Start a voice in ``slot`` playing ``data`` (float32 (frames,) or (frames, 1|2)).

        ``start``/``end`` select the region (frames, default the whole sample), ``pos`` is the
        initial playhead inside the region, ``offset`` the frames of the next mix call before
        the voice starts.  Envelope times are in output frames.
        """
        slot = self._check_slot(slot)
        data = _check_sample(data)
        frames = data.shape[0]
        end = frames if end is None else end
        if not (0 <= start < end <= frames):
            raise ValueError(f"region must satisfy 0 <= start < end <= {frames}, got start={start!r}, end={end!r}")
        if interp not in _INTERP:
            raise ValueError(f"interp must be 'linear' or 'cubic', got {interp!r}")
        _check_params(offset=offset, rate=rate, pos=pos, gain_l=gain_l, gain_r=gain_r, stem=stem,
                      attack=attack, hold=hold, decay=decay, sustain=sustain, release=release,
                      release_at=release_at, kill_at=kill_at, kill_len=kill_len)
        if not pos < end - start:
            raise ValueError(f"pos must be inside the region (< {end - start}), got {pos!r}")
        self._sources[slot] = data
        # One structured assignment (field order of VOICE_DTYPE) instead of 24 field writes.
        self.voices[slot] = (
            data.ctypes.data, frames, _channels(data), _INTERP[interp], 1 if reverse else 0, stem,
            0, 0,                                   # done, _pad
            start, end, offset, pos, rate, gain_l, gain_r, attack, hold, decay, sustain,
            release, release_at, kill_at, kill_len,
            0,                                      # age
        )

    def clear(self, slot=None):
        """Free one slot (or all slots when ``slot`` is None)."""
        if slot is None:
            self.voices["data"] = 0
            self.voices["done"] = 1
            self._sources = [None] * self.capacity
            return
        slot = self._check_slot(slot)
        self.voices[slot]["data"] = 0
        self.voices[slot]["done"] = 1
        self._sources[slot] = None

    def release_finished(self) -> int:
        """Drop the sample references of finished slots (not for the audio callback); returns
        how many were dropped."""
        n = 0
        for j in np.flatnonzero(self.voices["done"] != 0):
            if self._sources[j] is not None:
                self._sources[j] = None
                self.voices["data"][j] = 0
                n += 1
        return n

    def find_free(self, start: int = 0) -> int:
        """First free slot index >= start, or -1.  Allocation-free: safe in the audio callback."""
        return _lib.bf_find_free(self._cvoices, self.capacity, start)

    @property
    def active(self) -> int:
        """Number of playing voices (allocation-free)."""
        return _lib.bf_count_active(self._cvoices, self.capacity)

    def free_slots(self) -> np.ndarray:
        """Indices of all free slots (allocates an index array)."""
        return np.flatnonzero((self.voices["data"] == 0) | (self.voices["done"] != 0))

    def _check_slot(self, slot) -> int:
        if not isinstance(slot, (int, np.integer)) or isinstance(slot, bool):
            raise TypeError(f"slot must be an int, got {slot!r}")
        if not 0 <= slot < self.capacity:
            raise IndexError(f"slot {slot!r} out of range for capacity {self.capacity}")
        return int(slot)

    # -- bulk --------------------------------------------------------------------------------

    @classmethod
    def from_columns(cls, sources, source, **columns) -> "VoiceBank":
        """A bank with one voice per entry of ``source`` (indices into the list ``sources``).

        Keyword columns are the :meth:`set` parameters, each a scalar or an array with one value
        per voice; ``start``/``end`` default to the whole sample.  Vectorised: building tens of
        thousands of voices costs milliseconds.
        """
        bank = cls(len(np.asarray(source)))
        bank.fill(0, sources, source, **columns)
        return bank

    def fill(self, first, sources, source, *, offset=0, rate=1.0, gain_l=1.0, gain_r=1.0, start=0,
             end=None, reverse=False, interp="cubic", stem=-1, attack=0, hold=-1, decay=0,
             sustain=1.0, release=0, release_at=-1, kill_at=-1, kill_len=1, pos=0.0):
        """Set slots ``first .. first+len(source)-1`` at once (see :meth:`from_columns`)."""
        sources = [_check_sample(s) for s in sources]
        source = np.asarray(source)
        if source.ndim != 1 or (source.size and not np.issubdtype(source.dtype, np.integer)):
            raise ValueError(f"source must be a 1-d array of indices into sources, got {source!r}")
        n = source.size
        first = int(first)
        if not (0 <= first and first + n <= self.capacity):
            raise IndexError(f"slots {first}..{first + n - 1} out of range for capacity {self.capacity}")
        if n == 0:
            return
        if source.min() < 0 or source.max() >= len(sources):
            bad = source[(source < 0) | (source >= len(sources))][0].item()
            raise ValueError(f"source index {bad!r} out of range for {len(sources)} sources")
        addr = np.array([s.ctypes.data for s in sources], dtype=np.uint64)[source]
        frames = np.array([s.shape[0] for s in sources], dtype=np.int64)[source]
        channels = np.array([_channels(s) for s in sources], dtype=np.int32)[source]
        if isinstance(interp, str):
            if interp not in _INTERP:
                raise ValueError(f"interp must be 'linear' or 'cubic', got {interp!r}")
            interp_code = _INTERP[interp]
        else:
            interp_code = np.asarray(interp)
            if interp_code.dtype.kind in "OUS":
                bad = [x for x in interp_code if x not in _INTERP]
                if bad:
                    raise ValueError(f"interp must be 'linear' or 'cubic', got {bad[0]!r}")
                interp_code = np.array([_INTERP[x] for x in interp_code], dtype=np.int32)
        cols = {k: np.broadcast_to(np.asarray(val), (n,)) for k, val in dict(
            offset=offset, rate=rate, pos=pos, gain_l=gain_l, gain_r=gain_r, stem=stem, attack=attack,
            hold=hold, decay=decay, sustain=sustain, release=release, release_at=release_at,
            kill_at=kill_at, kill_len=kill_len, start=start, reverse=reverse, interp=interp_code).items()}
        end = frames if end is None else np.broadcast_to(np.asarray(end), (n,))
        _check_params(**{k: cols[k] for k in ("offset", "rate", "pos", "gain_l", "gain_r", "stem", "attack",
                                               "hold", "decay", "sustain", "release", "release_at",
                                               "kill_at", "kill_len")})
        bad = ~((0 <= cols["start"]) & (cols["start"] < end) & (end <= frames))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"voice {i}: region must satisfy 0 <= start < end <= {frames[i]}, "
                             f"got start={cols['start'][i].item()!r}, end={end[i].item()!r}")
        bad = ~(cols["pos"] < end - cols["start"])
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"voice {i}: pos must be inside the region, got {cols['pos'][i].item()!r}")
        if not np.isin(cols["interp"], (0, 1)).all():
            raise ValueError(f"interp codes must be 0 (linear) or 1 (cubic), got {cols['interp']!r}")
        rows = self.voices[first:first + n]
        rows["data"] = addr
        rows["frames"] = frames
        rows["channels"] = channels
        rows["interp"] = cols["interp"]
        rows["reverse"] = cols["reverse"].astype(bool)
        rows["stem"] = cols["stem"]
        rows["start_point"] = cols["start"]
        rows["end_point"] = end
        for k in ("offset", "pos", "rate", "gain_l", "gain_r", "attack", "hold", "decay", "sustain",
                  "release", "release_at", "kill_at", "kill_len"):
            rows[k] = cols[k]
        rows["age"] = 0
        rows["done"] = 0
        rows["_pad"] = 0
        # keep the arrays alive (C holds pointers into them)
        self._sources[first:first + n] = [sources[i] for i in source.tolist()]

    # -- mixing ------------------------------------------------------------------------------

    def mix(self, out: np.ndarray, stems: np.ndarray | None = None, mixer: str | None = None) -> None:
        """Add all active voices into ``out`` (float32 (n, 2), C-contiguous), and into
        ``stems`` (float32 (nstems, n, 2)) for voices with a stem index; advance the voices.

        Live use: with a preallocated ``out`` (and ``stems``) the native path allocates nothing
        beyond cffi's call overhead (the output pointer is cached per buffer).
        """
        # Attribute checks only (no temporaries): this runs in the audio callback.
        if not (isinstance(out, np.ndarray) and out.dtype == np.float32 and out.ndim == 2
                and out.shape[1] == 2 and out.flags.c_contiguous and out.flags.writeable):
            raise ValueError(f"out must be a writeable C-contiguous float32 array of shape (n, 2), got {_describe(out)}")
        nframes = out.shape[0]
        if stems is not None:
            if not (isinstance(stems, np.ndarray) and stems.dtype == np.float32 and stems.ndim == 3
                    and stems.shape[1] == nframes and stems.shape[2] == 2 and stems.flags.c_contiguous
                    and stems.flags.writeable):
                raise ValueError(f"stems must be a writeable C-contiguous float32 array of shape "
                                 f"(nstems, {nframes}, 2), got {_describe(stems)}")
        if mixer_name(mixer) == "reference":
            from beatforge.engine.reference import mix_reference  # only when asked for: keeps start-up light

            mix_reference(self.voices, self._sources, out, stems)
            return
        if self._out_cache[0] is out:
            cout = self._out_cache[1]
        else:
            cout = _ffi.from_buffer("float[]", out, require_writable=True)
            self._out_cache = (out, cout)
        if stems is None:
            cstems, nstems = _ffi.NULL, 0
        else:
            if self._stems_cache[0] is stems:
                cstems = self._stems_cache[1]
            else:
                cstems = _ffi.from_buffer("float[]", stems, require_writable=True)
                self._stems_cache = (stems, cstems)
            nstems = stems.shape[0]
        _lib.bf_mix(self._cvoices, self.capacity, cout, nframes, cstems, nstems)


def _describe(a) -> str:
    if isinstance(a, np.ndarray):
        return (f"dtype={a.dtype!r}, shape={a.shape!r}, c_contiguous={a.flags.c_contiguous}, "
                f"writeable={a.flags.writeable}")
    return repr(type(a).__name__)


_INT_LIMIT = 2**31 - 1   # envelope lengths (ramps are evaluated with int32 frame counters)
_AGE_LIMIT = 2**62       # frame counts the C code adds together without overflowing int64


# Voice parameters: (lowest, lowest allowed?, highest, whole frames?, description).  All must be
# finite; the limits keep the C code's int32 ramp counters and int64 frame sums in range.
_LIMITS = {
    "offset": (0, True, _AGE_LIMIT, True, f"0..{_AGE_LIMIT}"),
    "rate": (0.0, False, None, False, "finite and > 0"),
    "pos": (0.0, True, None, False, "finite and >= 0"),
    "gain_l": (None, True, None, False, "finite"),
    "gain_r": (None, True, None, False, "finite"),
    "stem": (-1, True, _INT_LIMIT, True, ">= -1"),
    "attack": (0, True, _INT_LIMIT, True, f"0..{_INT_LIMIT}"),
    "hold": (None, True, _INT_LIMIT, True, f"< 0 (forever) or 0..{_INT_LIMIT}"),
    "decay": (0, True, _INT_LIMIT, True, f"0..{_INT_LIMIT}"),
    "sustain": (0.0, True, 1.0, False, "in 0..1"),
    "release": (0, True, _INT_LIMIT, True, f"0..{_INT_LIMIT}"),
    "release_at": (-1, True, _AGE_LIMIT, True, f"-1 (never) or 0..{_AGE_LIMIT}"),
    "kill_at": (-1, True, _AGE_LIMIT, True, f"-1 (never) or 0..{_AGE_LIMIT}"),
    "kill_len": (1, True, _INT_LIMIT, True, f"1..{_INT_LIMIT}"),
}


def _check_params(**params):
    """Validate scalar or array voice parameters; raise ValueError naming the first bad value.

    Plain Python numbers take a fast path (``set`` is called per hit)."""
    for name, value in params.items():
        lo, lo_ok, hi, whole, what = _LIMITS[name]
        if type(value) is int or type(value) is float:
            if type(value) is float:
                if not math.isfinite(value):
                    raise ValueError(f"{name} must be {what}, got {value!r}")
                if whole and not value.is_integer():
                    raise ValueError(f"{name} must be a whole number of frames, got {value!r}")
            if ((lo is not None and (value < lo or (value == lo and not lo_ok)))
                    or (hi is not None and value > hi)):
                raise ValueError(f"{name} must be {what}, got {value!r}")
            continue
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be a number, got {value!r}")
        good = np.ones(arr.shape, bool)
        if arr.dtype.kind == "f":
            good &= np.isfinite(arr)
            if whole:
                frac = good & (arr != np.floor(np.where(good, arr, 0)))
                if frac.any():
                    raise ValueError(f"{name} must be a whole number of frames, got {arr[frac].ravel()[0].item()!r}")
        if lo is not None:
            good &= (arr >= lo) if lo_ok else (arr > lo)
        if hi is not None:
            good &= arr <= hi
        if not good.all():
            bad = arr[~good].ravel()[0].item() if arr.ndim else value
            raise ValueError(f"{name} must be {what}, got {bad!r}")
