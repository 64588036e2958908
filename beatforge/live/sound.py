"""Live voices: the offline engine's planner, allocator and mixer, driven block by block.

:class:`LiveVoices` plays a :class:`~beatforge.sequence.Hit` exactly as an offline render does:
``VoicePlanner.plan_all`` picks the layer (and the layers stacked with it) and computes rate, gains
and envelope, ``Allocator`` applies polyphony, stealing and chokes, and ``VoiceBank.mix`` (the C
mixer) renders.  The only live-specific part is how a voice reaches the bank: a hit arriving during
block ``[t0, t0 + n)`` at frame ``f`` gets ``offset = f - t0`` so the mixer starts it on that exact
frame of the block.

Voices start through ``VoiceBank.set`` (a few microseconds); the samples they point to are
decoded up front (:func:`preload_kit`) and stay referenced by the kit, so nothing is read from disk
or freed on the audio thread.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..engine.mixer import VoiceBank
from ..errors import BeatforgeError
from ..engine.voices import Allocator, VoicePlanner
from ..kit.model import Kit, Layer

__all__ = ["LiveVoices", "preload_kit", "click_kit"]


def preload_kit(kit: Kit) -> Kit:
    """A copy of ``kit`` whose layers hold their decoded samples (no file access afterwards).

    The audio thread must not touch the disk: ``Layer.sample`` of a path layer goes through the
    sample cache, which stats the file.  Decoding here also surfaces unreadable samples before
    the jam starts instead of at the first hit.
    """
    def loaded(layer: Layer) -> Layer:
        if layer.data is None or layer.companions:
            layer = dataclasses.replace(layer, data=layer.sample, companions=[loaded(c) for c in layer.companions])
        return layer

    pads = {}
    for key, pad in kit.pads.items():
        pads[key] = dataclasses.replace(pad, layers=[loaded(layer) for layer in pad.layers],
                                        stack=[[loaded(layer) for layer in group] for group in pad.stack])
    return dataclasses.replace(kit, pads=pads)


def click_kit(sample_rate: int) -> Kit:
    """The metronome: two short sine blips (accent on the bar, plain on the beats)."""
    from ..kit.sample import Sample

    kit = Kit("metronome", polyphony=4)
    n = int(0.03 * sample_rate)
    t = np.arange(n) / sample_rate
    fade = np.minimum(1.0, (n - np.arange(n)) / (0.01 * sample_rate))
    for name, hz in (("click", 1000.0), ("accent", 1500.0)):
        wave = (0.5 * np.sin(2 * np.pi * hz * t) * np.exp(-t / 0.008) * fade).astype(np.float32)
        kit.add_pad(name, Sample(np.ascontiguousarray(wave[:, None]), sample_rate))
    return kit


def _widest(pad) -> int:
    """The most voices one hit on *pad* can play (its stacked layers)."""
    lead = max(1 + len(layer.companions) for layer in pad.layers)
    return lead + sum(max(1 + len(layer.companions) for layer in group) for group in pad.stack)


class LiveVoices:
    """A voice bank fed hit by hit at block offsets, mixed one block at a time.

    Capacity is twice the kit's polyphony (times the most voices one hit plays, for pads that
    stack layers) so voices fading out after a steal or choke do not compete with the new ones
    for slots.  The voices of one hit share one allocator entry: a choke, steal or note-off
    reaches all of them, and polyphony counts hits.
    """

    def __init__(self, kit: Kit, sample_rate: int, block_frames: int, seed: int = 0, capacity: int | None = None):
        self.kit = kit
        self.sample_rate = int(sample_rate)
        widest = max((_widest(pad) for pad in kit.pads.values()), default=1)
        self.capacity = capacity or max(8, 2 * kit.polyphony * widest)
        self.bank = VoiceBank(self.capacity)
        self.rows = self.bank.voices
        self.planner = VoicePlanner(kit, self.sample_rate, seed)
        self.alloc = Allocator(kit.polyphony, self.sample_rate)
        # Per slot: the serial of the voice in it, its start frame and its pad (for note-off).
        self.slot_serial = np.full(self.capacity, -1, dtype=np.int64)
        self.slot_start = np.zeros(self.capacity, dtype=np.int64)
        self.slot_pad = [None] * self.capacity
        self.serial = 0
        self.dropped = 0
        self.out = np.zeros((block_frames, 2), dtype=np.float32)
        self._views = {}  # block length -> (out[:n], its left and right columns), made up front
        self.prepare(block_frames)

    def prepare(self, frames: int):
        """Make the output views for blocks of ``frames`` (outside the audio thread)."""
        if frames > self.out.shape[0]:
            self.out = np.zeros((frames, 2), dtype=np.float32)
            self._views = {}
        if frames not in self._views:
            block = self.out[:frames]
            self._views[frames] = (block, block[:, 0], block[:, 1])
        return self._views[frames]

    def pad(self, ref):
        return self.planner.pad(ref)

    def start(self, hit, frame: int, offset: int):
        """Start ``hit`` at absolute frame ``frame``, ``offset`` frames into the coming mix."""
        try:
            specs = self.planner.plan_all(hit)
        except BeatforgeError:    # an impossible pitch or gain: that hit is not played, the audio goes on
            self.dropped += 1
            return
        spec = specs[0]
        serial = self.serial
        self.serial = serial + 1
        if len(specs) == 1:
            slot = self.bank.find_free(0)
            slots = (slot,)
            length = spec.length
        else:
            slots, slot = [], -1
            for _ in specs:
                slot = self.bank.find_free(slot + 1)
                if slot < 0:
                    break
                slots.append(slot)
            slots = tuple(slots) if slot >= 0 else (-1,)
            length = max(s.length for s in specs)
        # one allocator entry per hit (its slots): a choke or steal cuts every voice of the hit
        cuts = self.alloc.start(frame, (slots, serial), spec.pad, length)
        rows = self.rows
        for (victims, vserial), kill_frame, fade in cuts:
            for victim in victims:
                if victim >= 0 and self.slot_serial[victim] == vserial:
                    row = rows[victim]
                    if not row["done"]:
                        row["kill_at"] = max(0, kill_frame - int(self.slot_start[victim]))
                        row["kill_len"] = fade
        if slots[0] < 0:
            # Every slot is busy (fades included): drop this hit rather than glitch the others.
            self.dropped += 1
            return
        for slot, spec in zip(slots, specs):
            self.bank.set(slot, spec.data, offset=offset, rate=spec.rate, gain_l=spec.gain_l, gain_r=spec.gain_r,
                          start=spec.start, end=spec.end, reverse=spec.reverse, attack=spec.attack,
                          hold=spec.hold, decay=spec.decay, sustain=spec.sustain, release=spec.release,
                          release_at=spec.release_at)
            self.slot_serial[slot] = serial
            self.slot_start[slot] = frame
            self.slot_pad[slot] = spec.pad

    def release(self, pad, frame: int):
        """Note-off at absolute ``frame`` for every sounding voice of a gated ``pad``."""
        if not pad.gated:
            return
        rows = self.rows
        for slot in range(self.capacity):
            if self.slot_pad[slot] is pad and not rows[slot]["done"] and rows[slot]["release_at"] < 0:
                rows[slot]["release_at"] = max(0, frame - int(self.slot_start[slot]))

    def mix(self, frames: int):
        """Render the next ``frames`` frames; returns ``(block, left, right)`` views."""
        block, left, right = self._views[frames]
        block.fill(0.0)
        self.bank.mix(block)
        return block, left, right

    def mix_into(self, block):
        """Add this bank's next ``len(block)`` frames into ``block`` (another bank's output)."""
        self.bank.mix(block)

    @property
    def active(self) -> int:
        return self.bank.active
