"""Offline rendering: hits -> voices -> one mixer call over the whole render.

Every voice is mixed over its whole span in a single native call, so a render
pays no Python overhead per block.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..kit.model import Kit
from ..sequence import Hit
from .mixer import VoiceBank
from .voices import Allocator, VoicePlanner


def plan_voices(hits: Sequence[Hit], kit: Kit, sample_rate: int, seed: int = 0):
    """Voice specs for *hits*, with the frame each one is cut at (or None) and its fade.

    A hit on a pad that stacks layers plays several voices: specs and cuts are indexed by
    voice, in hit order (the same as hit indices when no pad stacks)."""
    specs, cuts, _ = _plan(hits, kit, sample_rate, seed)
    return specs, cuts


def _plan(hits, kit, sample_rate, seed):
    """``plan_voices`` plus the onset frame of every voice."""
    planner = VoicePlanner(kit, sample_rate, seed)
    alloc = Allocator(kit.polyphony, sample_rate)
    specs, cuts, onsets = [], {}, []
    for hit in hits:
        voices = planner.plan_all(hit)
        first = len(specs)
        length = voices[0].length if len(voices) == 1 else max(v.length for v in voices)
        # one allocator entry per hit: a choke or steal cuts all its voices, polyphony counts hits
        for victim, frame, fade in alloc.start(hit.frame, (first, len(voices)), voices[0].pad, length):
            for i in range(victim[0], victim[0] + victim[1]):
                cuts[i] = (frame, fade)
        if len(voices) == 1:
            specs.append(voices[0])
            onsets.append(hit.frame)
        else:
            specs.extend(voices)
            onsets.extend([hit.frame] * len(voices))
    return specs, cuts, onsets


def render_hits(hits: Sequence[Hit], kit: Kit, frames: int, sample_rate: int, *,
                stems: Sequence[str] | None = None, tail: str = "cut", seed: int = 0):
    """Render *hits* on *kit* into ``frames`` frames of float32 stereo.

    Returns ``(mix, stems)`` where *stems* maps stem names (the track names given,
    plus any pad-level stem names) to arrays shaped like the mix, or is ``{}`` when
    no stems were asked for.  ``tail``: ``cut`` (exactly *frames*), ``keep``
    (longer, until the last voice is silent) or ``wrap`` (the tail added onto the
    start, for seamless loops).
    """
    hits = [h for h in hits if h.frame < frames]
    specs, cuts, onsets = _plan(hits, kit, sample_rate, seed)
    ends = []
    for i, (onset, spec) in enumerate(zip(onsets, specs)):
        end = onset + spec.length
        if i in cuts:
            end = min(end, cuts[i][0] + cuts[i][1])
        ends.append(end)
    total = frames if tail == "cut" else max([frames] + ends)

    stem_names: list[str] = list(stems) if stems is not None else []
    if stems is not None:
        for spec in specs:
            if spec.stem not in stem_names:
                stem_names.append(spec.stem)
    stem_index = {name: i for i, name in enumerate(stem_names)}

    bank = _bank(onsets, specs, cuts, stem_index)
    out = np.zeros((total, 2), np.float32)
    stem_buf = np.zeros((len(stem_names), total, 2), np.float32) if stem_names else None
    if bank is not None:
        bank.mix(out, stem_buf)
    if tail == "wrap" and total > frames:
        out = _wrap(out, frames)
        if stem_buf is not None:       # in place: each stem's first `frames` rows stay contiguous
            for start in range(frames, total, frames):
                n = min(frames, total - start)
                stem_buf[:, :n] += stem_buf[:, start:start + n]
            stem_buf = stem_buf[:, :frames]
    stem_audio = {name: stem_buf[i] for name, i in stem_index.items()} if stem_buf is not None else {}
    return out, stem_audio


def stream_hits(hits: Sequence[Hit], kit: Kit, frames: int, sample_rate: int, write, *, seed: int = 0,
                block: int = 1 << 16) -> None:
    """Render exactly ``frames`` frames of *hits* (``tail="cut"``, no stems) block by block, calling
    ``write(block_audio)`` with each float32 ``(n, 2)`` block in order.

    The same voices as :func:`render_hits`, mixed over consecutive blocks (the mixer continues
    voices across calls sample for sample), so the concatenated blocks equal its mix; only one
    block of memory is used, which is what a file writer needs.  The block passed to *write*
    is reused: copy it to keep it.
    """
    hits = [h for h in hits if h.frame < frames]
    specs, cuts, onsets = _plan(hits, kit, sample_rate, seed)
    bank = _bank(onsets, specs, cuts, {})
    buf = np.zeros((min(block, max(1, frames)), 2), np.float32)
    for start in range(0, frames, buf.shape[0]):
        out = buf[: min(buf.shape[0], frames - start)]
        out.fill(0.0)
        if bank is not None:
            bank.mix(out)
        write(out)


def render_file(hits: Sequence[Hit], kit: Kit, frames: int, sample_rate: int, path, bit_depth: int = 24, *,
                seed: int = 0) -> None:
    """Render *hits* straight into the audio file *path*, block by block (``tail="cut"``, no
    stems): the same file as writing :func:`render_hits`'s mix, without the whole mix in memory."""
    from ..io.audio import AudioWriter

    with AudioWriter(path, sample_rate, 2, bit_depth) as writer:
        stream_hits(hits, kit, frames, sample_rate, writer.write, seed=seed)


def _wrap(audio: np.ndarray, frames: int) -> np.ndarray:
    """Fold everything past *frames* back onto the start, as often as needed."""
    out = audio[:frames].copy()
    for start in range(frames, audio.shape[0], frames):
        chunk = audio[start:start + frames]
        out[: chunk.shape[0]] += chunk
    return out


def _bank(onsets, specs, cuts, stem_index) -> VoiceBank | None:
    """One voice per spec (starting at its onset frame), filled column-wise (a few milliseconds
    for thousands of voices)."""
    if not specs:
        return None
    sources, source_of = [], {}
    source = np.empty(len(specs), np.int64)
    for i, spec in enumerate(specs):
        key = id(spec.data)
        if key not in source_of:
            source_of[key] = len(sources)
            sources.append(spec.data)
        source[i] = source_of[key]
    kill_at = np.full(len(specs), -1, np.int64)
    kill_len = np.ones(len(specs), np.int64)
    for i, (frame, fade) in cuts.items():
        kill_at[i] = frame - onsets[i]
        kill_len[i] = fade

    def col(name, dtype):
        return np.fromiter((getattr(s, name) for s in specs), dtype, len(specs))

    return VoiceBank.from_columns(
        sources, source,
        offset=np.fromiter((max(0, f) for f in onsets), np.int64, len(onsets)),
        rate=col("rate", np.float64), gain_l=col("gain_l", np.float32), gain_r=col("gain_r", np.float32),
        start=col("start", np.int64), end=col("end", np.int64), reverse=col("reverse", np.bool_),
        stem=np.fromiter((stem_index.get(s.stem, -1) for s in specs), np.int32, len(specs)),
        attack=col("attack", np.int64), hold=col("hold", np.int64), decay=col("decay", np.int64),
        sustain=col("sustain", np.float32), release=col("release", np.int64),
        release_at=col("release_at", np.int64), kill_at=kill_at, kill_len=kill_len)
