"""Chopping loops into kits: onset detection, cut points, and the folder kit they make.

:func:`chop_to_kit` is what ``beatforge kit chop`` runs: it cuts a loop into pads
``slice01``, ``slice02`` ..., writes them with a ``kit.toml`` (notes from 36 up, all
slices in one choke group, like a sampler's mono mode) and a pattern file that
replays the loop slice by slice in its original order and timing.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..errors import KitError
from ..io.tmpfile import output_folder
from .sample import Sample, load_sample

BLOCK_SECONDS = 0.001     # envelope resolution of the onset detector
PAST_SECONDS = 0.010      # a hit must stand out against the last 10 ms
MERGE_SECONDS = 0.005     # an onset this close to the start is the start
PREROLL_SECONDS = 0.001   # cuts at onsets sit this much before the hit, so its fade-in spares the attack
FADE_SECONDS = 0.001      # crossfade at every cut
FIRST_NOTE = 36


def detect_onsets(data: np.ndarray, sample_rate: int, *, threshold_db: float = 6.0, min_gap: float = 0.03,
                  floor_db: float = -45.0) -> list[int]:
    """Frames where hits start.

    The signal's peak envelope is taken over 1 ms blocks, for the signal itself and
    for its first difference (which brings hats and other bright hits out of a
    decaying kick).  A block whose level jumps *threshold_db* above the loudest of the
    previous 10 ms, and is no more than *floor_db* below the loop's peak, starts a hit;
    hits closer than *min_gap* seconds to the previous one are dropped.  The onset is
    then placed on the first frame, around that block, where the signal rises past
    the level of the preceding tail: typically within a millisecond of the true start.
    """
    x = np.asarray(data, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    hop = max(1, int(round(BLOCK_SECONDS * sample_rate)))
    nb = len(x) // hop
    if nb < 2:
        return []
    past_n = max(1, int(round(PAST_SECONDS / BLOCK_SECONDS)))
    floor = 10.0 ** (floor_db / 20.0)
    jump = 10.0 ** (threshold_db / 20.0)
    hits = np.zeros(nb, bool)
    for sig in (x, np.diff(x, prepend=x[:1])):
        env = np.abs(sig[: nb * hop]).reshape(nb, hop).max(axis=1)
        peak = env.max()
        if peak <= 0.0:
            continue
        padded = np.concatenate([np.zeros(past_n), env])
        past = np.lib.stride_tricks.sliding_window_view(padded, past_n)[:nb].max(axis=1)
        hits |= (env >= past * jump + 1e-12) & (env >= peak * floor)
    onsets: list[int] = []
    gap = int(round(min_gap * sample_rate))
    ax = np.abs(x)
    for k in np.flatnonzero(hits & ~np.concatenate([[False], hits[:-1]])):
        lo = max(0, (int(k) - 1) * hop)
        tail = ax[max(0, lo - past_n * hop):lo].max() if lo > 0 else 0.0
        local = ax[lo: lo + 6 * hop].max()
        level = max(tail * 1.5, local * 0.1, 1e-9)
        above = np.flatnonzero(ax[lo: lo + 6 * hop] >= level)
        frame = lo + int(above[0]) if len(above) else int(k) * hop
        if not onsets or frame - onsets[-1] >= gap:
            onsets.append(frame)
    return onsets


def cut_points(sample: Sample, *, slices: int | None = None, at=None, onsets: bool = False) -> list[int]:
    """Start frames of the pieces (the first is always 0): equal *slices*, frames *at*, or onsets
    (each cut a millisecond before its hit)."""
    modes = sum(x is not None and x is not False for x in (slices, at, onsets or None))
    if modes != 1:
        raise ValueError("give exactly one of slices=N, at=[frames] or onsets=True")
    n = sample.frames
    if slices is not None:
        if not isinstance(slices, int) or slices < 1:
            raise ValueError(f"slices must be a positive whole number, got {slices!r}")
        if slices > n:
            raise ValueError(f"cannot cut {n} frames into {slices} slices")
        return [i * n // slices for i in range(slices)]
    if onsets:
        pre = int(round(PREROLL_SECONDS * sample.sample_rate))
        found = [max(0, f - pre) for f in sample.onsets()]
    else:
        found = sorted({int(f) for f in at})
    merge = int(round(MERGE_SECONDS * sample.sample_rate))
    return [0] + [f for f in found if merge <= f < n]


def pieces_at(sample: Sample, points: list[int], fade: float = FADE_SECONDS) -> list[Sample]:
    """The pieces starting at *points* (the last runs to the end), crossfaded against clicks.

    Each cut gets a *fade* long linear crossfade: a piece fades in over its first
    *fade* seconds and runs *fade* seconds past the next cut, fading out there.  The
    fades sum to one, so the pieces played back to back at their cut points give back
    the original (the start and the end of the sample itself are left as they are).
    """
    n = sample.frames
    f = max(1, int(round(fade * sample.sample_rate)))
    bounds = list(points) + [n]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        if b <= a:
            continue
        end = min(n, b + f) if b < n else n
        data = np.array(sample.data[a:end])
        if a > 0:
            k = min(f, len(data))
            data[:k] *= ((np.arange(k, dtype=np.float32) + 0.5) / f)[:, None]
        if b < n:
            k = end - b
            data[len(data) - k:] *= (1.0 - (np.arange(k, dtype=np.float32) + 0.5) / f)[:, None]
        out.append(Sample(data, sample.sample_rate, sample.path))
    return out


def guess_bars(seconds: float, bpm: float | None) -> tuple[int, float]:
    """Whole bars of 4/4 the loop spans, and the tempo that fits it exactly.

    With *bpm* the bar count is the nearest whole number at that tempo; without, the
    power of two (1, 2, 4 ...) that puts the tempo within 70..140 bpm.  A sample much
    shorter than a bar (a phrase, a one-shot) is not a loop: it keeps the tempo given
    (or 120) and plays within one bar, the rest of the bar silent.
    """
    if bpm is not None:
        if seconds * bpm / 240.0 < 0.75:
            return 1, float(bpm)
        bars = max(1, round(seconds * bpm / 240.0))
    else:
        if 240.0 / seconds > 180.0:
            return 1, 120.0
        bars = 1
        while 240.0 * bars / seconds < 70.0 and bars < 64:
            bars *= 2
    exact = 240.0 * bars / seconds
    if not 20.0 <= exact <= 999.0:
        raise KitError(f"a {seconds:.3f} s loop gives a tempo of {exact:.1f} bpm over {bars} bar(s); "
                       "give --bpm to say how long it is")
    return bars, exact


def chop_to_kit(source: str | os.PathLike, out_dir: str | os.PathLike, *, slices: int | None = None,
                onsets: bool = False, bpm: float | None = None, name: str | None = None) -> Path:
    """Cut the loop *source* into a new folder kit *out_dir*; returns *out_dir*.

    The folder must be new or empty.  Everything is written to a temporary folder
    beside it first and renamed into place, so a failure leaves nothing behind.
    """
    src = Path(source)
    out = Path(out_dir).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KitError(f"{out}: already exists and is not an empty folder; choose a new folder")
    if not out.resolve().parent.is_dir():
        raise KitError(f"{out}: the folder {out.resolve().parent} does not exist")
    sample = load_sample(src)
    try:
        points = cut_points(sample, slices=slices, onsets=onsets)
    except ValueError as e:
        raise KitError(f"{src}: {e}") from None
    if len(points) > 999:
        raise KitError(f"{src}: {len(points)} slices is too many (at most 999)")
    pieces = pieces_at(sample, points)
    bars, exact_bpm = guess_bars(sample.duration, bpm)
    name = name or out.name
    width = 2 if len(pieces) < 100 else 3
    pad_names = [f"slice{i + 1:0{width}d}" for i in range(len(pieces))]

    with output_folder(out) as tmp:
        for pad, piece in zip(pad_names, pieces):
            piece.write(tmp / f"{pad}.wav", bit_depth=24)
        (tmp / "kit.toml").write_text(_kit_toml(name, src, pad_names, sample, bars, exact_bpm, onsets), "utf-8")
        (tmp / "pattern.py").write_text(_pattern_py(name, src, pad_names, points, sample, bars, exact_bpm, bpm),
                                        "utf-8")
    return out


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _kit_toml(name, src, pad_names, sample, bars, bpm, onsets) -> str:
    how = "at its onsets" if onsets else f"into {len(pad_names)} equal slices"
    lines = ["# Made by `beatforge kit chop`: each pad is one slice of the loop, in order.",
             "# The slices share a choke group, so a new slice cuts the one before (mono mode).",
             "[kit]", f"name = {_toml_str(name)}",
             f"description = {_toml_str(f'{src.name} ({sample.duration:.3f} s, {bars} bar(s) at {bpm:.2f} bpm) chopped {how}')}",
             ""]
    for i, pad in enumerate(pad_names):
        lines.append(f"[pads.{pad}]")
        lines.append(f'sample = "{pad}.wav"')
        if FIRST_NOTE + i <= 127:
            lines.append(f"note = {FIRST_NOTE + i}")
        lines += ['choke_group = "chop"', 'choked_by = ["chop"]', ""]
    return "\n".join(lines)


def _pattern_py(name, src, pad_names, points, sample, bars, exact_bpm, asked_bpm) -> str:
    bounds = list(points) + [sample.frames]
    lengths = [b - a for a, b in zip(bounds, bounds[1:])]
    bpm_text = f"{exact_bpm:.6f}".rstrip("0").rstrip(".")
    note = ""
    if asked_bpm is not None and not math.isclose(asked_bpm, exact_bpm, rel_tol=1e-6):
        note = f"\n(--bpm {asked_bpm:g} was asked; {bpm_text} fits the loop into exactly {bars} bar(s).)"
    rows = "\n".join(f"    ({n}, full({pad!r}))," for n, pad in zip(lengths, pad_names))
    bar_frames = round(bars * 240.0 / exact_bpm * sample.sample_rate)
    if bar_frames > sample.frames + 1:  # shorter than its bars: silence fills the rest
        rows += f"\n    ({bar_frames - sample.frames}, silence),   # the rest of the bar"
    return f'''"""Replays {src.name} slice by slice, in its original order and timing.{note}

    beatforge render pattern.py -o replay.wav

Each slice lasts as long as it did in the loop (weights in sample frames), so the
slices land where they were.  Flip the loop by reordering or repeating rows, or put
`silence` in place of a slice to drop it and keep the timing of the rest.
"""

from pathlib import Path

from beatforge import Beat
from beatforge.pattern import silence, timecat

KIT = str(Path(__file__).resolve().parent)   # the chopped kit is this folder

beat = Beat(bpm={bpm_text}, kit=KIT, bars={bars}, name={name!r})


def full(pad):
    """A hit at full velocity: the slice plays at the level it was recorded at."""
    return {{"pad": pad, "velocity": 127}}


loop = timecat(
{rows}
)
beat.track("loop", loop.slow({bars}))
'''


