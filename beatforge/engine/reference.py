"""numpy reference implementation of the voice mixer.

Same semantics as the C mixer (beatforge/_native/mixer.h), written for clarity: each voice is
rendered over its whole span at once with vectorised numpy (float64 maths).  It updates the voice
rows (offset, pos, age, done) exactly as the C code does, so the two can be swapped block by
block.  The playhead is advanced by sequential double additions (``np.add.accumulate``), which is
what the C loop does, so both see the same positions.
"""
from __future__ import annotations

import numpy as np

__all__ = ["mix_reference", "envelope"]

_NEVER = np.iinfo(np.int64).max


def _env_end(v) -> int:
    end = _NEVER
    if v["release_at"] >= 0:
        end = int(v["release_at"]) + int(v["release"])
    if v["kill_at"] >= 0:
        end = min(end, int(v["kill_at"]) + int(v["kill_len"]))
    return end


def _base_envelope(ages: np.ndarray, attack: int, hold: int, decay: int, sustain: float) -> np.ndarray:
    a = ages.astype(np.float64)
    e = np.full(a.shape, float(sustain))
    held = (ages >= attack) & ((hold < 0) | (ages < attack + hold))
    e[held] = 1.0
    if decay > 0 and hold >= 0:
        d = (ages >= attack + hold) & (ages < attack + hold + decay)
        e[d] = 1.0 - (1.0 - sustain) * (a[d] - attack - hold) / decay
    if attack > 0:
        at = ages < attack
        e[at] = a[at] / attack
    return e


def envelope(v, ages: np.ndarray) -> np.ndarray:
    """Envelope level of voice row ``v`` at the given ages (float64)."""
    ages = np.asarray(ages, dtype=np.int64)
    attack, hold, decay = int(v["attack"]), int(v["hold"]), int(v["decay"])
    sustain = float(v["sustain"])
    e = _base_envelope(ages, attack, hold, decay, sustain)
    release_at = int(v["release_at"])
    if release_at >= 0:
        rel = ages >= release_at
        if rel.any():
            release = int(v["release"])
            e_rel = _base_envelope(np.array([release_at]), attack, hold, decay, sustain)[0]
            e[rel] = e_rel * (1.0 - (ages[rel] - release_at) / release) if release > 0 else 0.0
    kill_at = int(v["kill_at"])
    if kill_at >= 0:
        k = ages >= kill_at
        e[k] *= 1.0 - (ages[k] - kill_at) / int(v["kill_len"])
    return e


def _region(v, src: np.ndarray) -> np.ndarray:
    """The voice's region as (L, channels) float64, reversed if the voice plays backwards."""
    start, end = int(v["start_point"]), int(v["end_point"])
    r = src.reshape(src.shape[0], -1)[start:end]
    if v["reverse"]:
        r = r[::-1]
    return r.astype(np.float64)


def _interpolate(r: np.ndarray, pos: np.ndarray, cubic: bool) -> np.ndarray:
    """interp(r, pos) per channel with r = 0 outside [0, L); r is (L, ch), returns (m, ch)."""
    ch = r.shape[1]
    padded = np.concatenate([np.zeros((1, ch)), r, np.zeros((3, ch))])   # padded[k + 1] = r[k]
    n = np.floor(pos).astype(np.int64)
    f = (pos - n)[:, None]
    y0 = padded[n + 1]
    y1 = padded[n + 2]
    if not cubic:
        return y0 + f * (y1 - y0)
    ym1 = padded[n]
    y2 = padded[n + 3]
    c1 = 0.5 * (y1 - ym1)
    c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2
    c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1)
    return y0 + f * (c1 + f * (c2 + f * c3))


def _playhead(pos: float, rate: float, L: int, limit: int):
    """Positions of the next frames, stopping at the first one >= L or after ``limit`` frames.

    Returns ``(positions, m)``: ``positions[:m]`` are the frames to render (all < L) and
    ``positions[m]`` is the playhead afterwards.  Positions are sequential double additions
    (``np.add.accumulate``), exactly what the C loop computes.
    """
    # Estimate how many frames the region has left (a little generously, to absorb rounding),
    # so a long render does not build a position array for the whole block.
    need = min(limit, max(0, int((L - pos) / rate * (1 + 1e-9))) + 8)
    while True:
        steps = np.full(need + 1, rate)
        steps[0] = pos
        positions = np.add.accumulate(steps)
        m = int(np.searchsorted(positions[:need], float(L), side="left"))   # frames with pos < L
        if m < need or need == limit:
            return positions, m
        need = min(limit, 2 * need)     # estimate fell short: extend (same sequence, recomputed)


def _render_voice(v, src, out, stem_out) -> None:
    nframes = out.shape[0]
    if v["data"] == 0 or src is None:
        v["done"] = 1
        return
    if v["done"]:
        return
    skip = min(int(v["offset"]), nframes)
    v["offset"] -= skip
    if v["offset"] > 0:
        return
    L = int(v["end_point"]) - int(v["start_point"])
    age0 = int(v["age"])
    eend = _env_end(v)
    m_env = max(0, min(nframes - skip, eend - age0))
    positions, m = _playhead(float(v["pos"]), float(v["rate"]), L, m_env)
    if m > 0:
        y = _interpolate(_region(v, src), positions[:m], cubic=bool(v["interp"]))
        e = envelope(v, age0 + np.arange(m, dtype=np.int64))
        gains = np.array([float(v["gain_l"]), float(v["gain_r"])])
        contrib = y * e[:, None] * gains          # mono (m,1) broadcasts to both channels
        out[skip:skip + m] += contrib
        if stem_out is not None:
            stem_out[skip:skip + m] += contrib
    v["pos"] = positions[m]
    v["age"] = age0 + m
    v["done"] = 1 if (age0 + m >= eend or not positions[m] < L) else 0


def mix_reference(voices: np.ndarray, sources, out: np.ndarray, stems: np.ndarray | None = None) -> None:
    """Mix ``voices`` (VOICE_DTYPE rows, updated in place) into ``out`` (and ``stems``).

    ``sources[j]`` is the numpy sample array that ``voices[j]['data']`` points to (or None).
    """
    nstems = 0 if stems is None else stems.shape[0]
    for j in range(len(voices)):
        v = voices[j]   # a view into the structured array: assignments update the bank
        stem = int(v["stem"])
        stem_out = stems[stem] if (stems is not None and 0 <= stem < nstems) else None
        _render_voice(v, sources[j], out, stem_out)
