"""The audio-thread half of the jam: a looping schedule played sample-accurately, block by block.

Everything here runs inside the audio callback, so it only reads prepared data, writes
preallocated state and calls the engine.  The control thread (:mod:`beatforge.live.jam`)
prepares :class:`Loop` objects and hands them over through a one-slot mailbox (a tuple stored in
one attribute; the audio thread never writes it, it only remembers the last serial it adopted),
and receives what the player played through an :class:`~beatforge.live.ring.EventRing`.

Time: the player counts absolute frames from the start of the jam.  A loop iteration ``k`` starts
at ``anchor + floor(k * L + 1/2)`` where ``L`` is the exact (rational) loop length in frames, and
its hits sit at the frames the offline sequencer computed for them, so at 120 bpm and 48 kHz the
16ths are 6000 frames apart in every iteration, however long the jam runs.
"""
from __future__ import annotations

import bisect
import math
from time import perf_counter
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..sequence import Hit
from .ring import EventRing

__all__ = ["Loop", "Player", "PadSlot", "NOTE_ON", "NOTE_OFF", "PAD", "CONTROL", "PROGRAM", "PLAYED"]

# Event kinds in the rings.
NOTE_ON, NOTE_OFF, PAD, CONTROL, PROGRAM = 1, 2, 3, 4, 5   # into the player
PLAYED = 10                                                 # out of the player
OUT_WIDTH = 8   # PLAYED rows: frame, kind, pad, velocity, bars_base, frame_in_iteration, loop serial, armed


def _round_half(num: int, den: int) -> int:
    """floor(num/den + 1/2) for integers (den > 0)."""
    return (2 * num + den) // (2 * den)


@dataclass(eq=False)
class Loop:
    """One prepared loop: everything the player needs, in frames relative to an iteration start."""

    serial: int
    section: int
    bpm: Fraction
    bars: int
    sample_rate: int
    hits: list = field(default_factory=list)          # Hit per scheduled trigger, sorted by frame
    frames: np.ndarray = None                         # int64, frame of each hit in the iteration
    track: np.ndarray = None                          # int32 track index of each hit
    active_from: np.ndarray = None                    # int64 absolute frame before which a hit is silent
    clicks: np.ndarray = None                         # int64 metronome beats in the iteration
    accents: list = field(default_factory=list)       # bool per click: first beat of a bar
    repeats: np.ndarray = None                        # int64 note-repeat steps in the iteration

    def __post_init__(self):
        empty = np.zeros(0, dtype=np.int64)
        if self.frames is None:
            self.frames = empty
        if self.track is None:
            self.track = np.zeros(len(self.frames), dtype=np.int32)
        if self.active_from is None:
            self.active_from = np.full(len(self.frames), -1, dtype=np.int64)
        if self.clicks is None:
            self.clicks = empty
        if self.repeats is None:
            self.repeats = empty
        bar = Fraction(240 * self.sample_rate) / Fraction(self.bpm)
        self.bar_num, self.bar_den = bar.numerator, bar.denominator
        self.count = len(self.frames)
        # plain ints for the audio thread (indexing numpy arrays returns numpy scalars)
        self.frame_list = [int(f) for f in self.frames]
        self.track_list = [int(t) for t in self.track]
        self.active_list = [int(a) for a in self.active_from]
        self.click_list = [int(c) for c in self.clicks]
        self.repeat_list = [int(r) for r in self.repeats]

    @property
    def bar_frames(self) -> Fraction:
        return Fraction(self.bar_num, self.bar_den)

    @property
    def length(self) -> Fraction:
        return self.bar_frames * self.bars

    def bar_start(self, j: int) -> int:
        """Frame of the start of bar ``j`` of an iteration (exact rounding)."""
        return _round_half(j * self.bar_num, self.bar_den)

    def iteration_start(self, k: int) -> int:
        return _round_half(k * self.bars * self.bar_num, self.bar_den)


@dataclass(eq=False)
class PadSlot:
    """A playable pad as the player sees it: the pad reference and the track it records to."""

    ref: object
    pad: object
    track: str
    track_index: int


class Player:
    """Plays a :class:`Loop` and live pad hits into :class:`~beatforge.live.sound.LiveVoices`."""

    def __init__(self, voices, loop: Loop, sample_rate: int, ring_in: EventRing, ring_out: EventRing,
                 pads=(), note_map=None, click_voices=None, audible=None):
        self.voices = voices
        self.click_voices = click_voices
        self.sample_rate = int(sample_rate)
        self.ring_in = ring_in
        self.ring_out = ring_out
        self.pads = list(pads)
        self.note_map = note_map if note_map is not None else np.full(128, -1, dtype=np.int32)
        self.note_list = [int(x) for x in self.note_map]
        self.audible = audible if audible is not None else [True] * 256
        self.metronome = False
        self.armed = False
        self.repeat = False
        self.held = []                         # pad indices held while note repeat is on
        self.held_velocity = [0.0] * 128
        self.mailbox = None                    # (serial, loop, start_bar | None, at_bar) - written by control
        self.midi_sources = ()                 # (rtmidi input, Stamper) pairs, drained every block
        self._seen = loop.serial
        self._click_hits = (Hit(0, "metronome", "click", 100.0), Hit(0, "metronome", "accent", 110.0))
        # transport
        self.loop = loop
        self.anchor = 0
        self.k = 0
        self.it_start = 0
        self.next_it_start = loop.iteration_start(1)
        self.bars_base = 0
        self.idx = self.cidx = self.ridx = 0
        self.pending = None                    # (loop, start_bar) waiting for switch_at
        self.switch_at = None
        self.switch_bars = 0
        self.frame = 0                         # first frame of the next block
        self._t0 = 0
        # figures for the UI
        self.peak_l = self.peak_r = 0.0
        self.latency_frames = 0.0
        self.max_latency_frames = 0.0
        self.notes = 0
        self.unmapped = 0

    # -- control-thread API (attribute stores only) ------------------------------------------
    def post(self, loop: Loop, start_bar=None, at_bar=False):
        """Hand a new loop over: now (same timing, new content) or at the next bar boundary.

        ``start_bar``: the bar of the new loop to play from at the switch; None keeps the
        current bar position (modulo the new length).
        """
        self.mailbox = (loop.serial, loop, start_bar, at_bar)

    def set_note_map(self, note_map, pads):
        self.pads = list(pads)
        self.note_list = [int(x) for x in note_map]

    # -- audio thread -----------------------------------------------------------------------
    def process(self, t0: int, t_callback: float, left, right):
        """Render the block starting at absolute frame ``t0`` into ``left``/``right``.

        ``t_callback`` is the ``perf_counter`` time at the start of the callback: events that
        arrived during the previous period are placed one period after their arrival time, so
        their timing survives the block quantisation (constant latency instead of jitter).
        MIDI is read here from rtmidi's queues; computer-keyboard pads come through ``ring_in``.
        """
        n = left.shape[0]
        self._t0 = t0
        self.frame = t0
        self._adopt(t0)
        self._n = n
        self._tcb = t_callback
        self._pos = t0
        # MIDI straight from rtmidi's per-input rings (no Python ran when it arrived)
        for port, stamper in self.midi_sources:
            seen = perf_counter()
            while True:
                m = port.get_message()
                if m is None:
                    break
                data, delta = m
                t = stamper.stamp(delta, seen)
                if len(data) < 2:
                    continue
                status = data[0] & 0xF0
                d1 = data[1]
                d2 = data[2] if len(data) > 2 else 0
                if status == 0x90 and d2 > 0:
                    self._arrive(t, NOTE_ON, d1, d2)
                elif status == 0x80 or status == 0x90:
                    self._arrive(t, NOTE_OFF, d1, 0)
                elif status == 0xC0:
                    self._arrive(t, PROGRAM, d1, 0)
                elif status == 0xB0:
                    self._arrive(t, CONTROL, d1, d2)
            stamper.last_read = seen
        # events from the control thread (computer-keyboard pads)
        ring = self.ring_in
        start, stop = ring.pending()
        if start != stop:
            rows = ring.rows
            mask = ring.mask
            for i in range(start, stop):
                row = rows[i & mask]
                self._arrive(float(row[0]), int(row[1]), float(row[2]), float(row[3]))
            ring.release(stop)
        self._advance(t0 + n)
        self.frame = t0 + n
        block, l, r = self.voices.mix(n)
        if self.click_voices is not None:
            self.click_voices.mix_into(block)
        np.copyto(left, l)
        np.copyto(right, r)
        # peak hold: the UI reads and resets these (a lost update only misses one block)
        pl = max(float(l.max()), -float(l.min()))
        pr = max(float(r.max()), -float(r.min()))
        if pl > self.peak_l:
            self.peak_l = pl
        if pr > self.peak_r:
            self.peak_r = pr

    def _arrive(self, t, kind, a, b):
        """Place an event that arrived at ``t`` (perf_counter) one period later, inside this block."""
        n = self._n
        off = n + math.floor((t - self._tcb) * self.sample_rate)
        if off < 0:
            off = 0
        elif off >= n:
            off = n - 1
        f = self._t0 + off
        if f < self._pos:       # keep events in order (two sources may interleave)
            f = self._pos
        self._advance(f)
        self._pos = f
        if kind == NOTE_ON or kind == PAD:
            lat = off + (self._tcb - t) * self.sample_rate
            self.latency_frames = lat
            if lat > self.max_latency_frames:
                self.max_latency_frames = lat
        self._event(kind, a, b, f)

    def _adopt(self, t0):
        box = self.mailbox
        if box is None or box[0] == self._seen:
            return
        self._seen = box[0]
        _, loop, start_bar, at_bar = box
        if not at_bar:
            if self.pending is not None:
                # a tempo or section change is waiting for its bar line: this newer loop (built
                # with that change) replaces the waiting one, the switch stays where it was
                self.pending = (loop, self.pending[1])
                return
            self._enter(loop, self.it_start, self.bars_base, t0)
            return
        # the next bar boundary at or after t0 in the current iteration
        cur = self.loop
        rel = t0 - self.it_start
        j = (rel * cur.bar_den) // cur.bar_num
        while cur.bar_start(j) < rel:
            j += 1
        self.switch_at = self.it_start + cur.bar_start(j)
        self.switch_bars = self.bars_base + j
        b = j % loop.bars if start_bar is None else start_bar % loop.bars
        self.pending = (loop, b)

    def _enter(self, loop, it_start, bars_base, at):
        """Make ``loop`` current with its iteration starting at ``it_start``; skip what is before ``at``."""
        self.loop = loop
        self.it_start = it_start
        self.anchor = it_start
        self.k = 0
        self.next_it_start = it_start + loop.iteration_start(1)
        self.bars_base = bars_base
        rel = at - it_start
        self.idx = bisect.bisect_left(loop.frame_list, rel)
        self.cidx = bisect.bisect_left(loop.click_list, rel)
        self.ridx = bisect.bisect_left(loop.repeat_list, rel)

    def _advance(self, limit):
        """Fire everything scheduled before absolute frame ``limit``."""
        while True:
            lim = limit
            sw = self.switch_at
            if sw is not None and sw < lim:
                lim = sw
            loop = self.loop
            base = self.it_start
            rel = lim - base
            frames = loop.frame_list
            i = self.idx
            nh = loop.count
            if i < nh and frames[i] < rel:
                audible = self.audible
                tracks = loop.track_list
                active = loop.active_list
                hits = loop.hits
                voices = self.voices
                t0 = self._t0
                while i < nh and frames[i] < rel:
                    f = base + frames[i]
                    if audible[tracks[i]] and f >= active[i]:
                        voices.start(hits[i], f, f - t0)
                    i += 1
                self.idx = i
            clicks = loop.click_list
            c = self.cidx
            while c < len(clicks) and clicks[c] < rel:
                if self.metronome and self.click_voices is not None:
                    f = base + clicks[c]
                    self.click_voices.start(self._click_hits[1 if loop.accents[c] else 0], f, f - self._t0)
                c += 1
            self.cidx = c
            reps = loop.repeat_list
            r = self.ridx
            while r < len(reps) and reps[r] < rel:
                if self.repeat and self.held:
                    f = base + reps[r]
                    for p in self.held:
                        self._play(p, self.held_velocity[p], f)
                r += 1
            self.ridx = r
            if self.next_it_start <= lim:
                self.k += 1
                self.it_start = self.next_it_start
                self.next_it_start = self.anchor + loop.iteration_start(self.k + 1)
                self.bars_base += loop.bars
                self.idx = self.cidx = self.ridx = 0
                continue
            if sw is not None and sw == lim:
                loop, b = self.pending
                self.pending = None
                self.switch_at = None
                self._enter(loop, sw - loop.bar_start(b), self.switch_bars - b, sw)
                continue
            return

    def _event(self, kind, a, b, f):
        if kind == NOTE_ON or kind == PAD:
            if kind == NOTE_ON:
                note = int(a)
                p = self.note_list[note] if 0 <= note < 128 else -1
            else:
                p = int(a)
            if p < 0 or p >= len(self.pads):
                self.unmapped += 1
                return
            self.notes += 1
            self._play(p, b, f)
            if kind == NOTE_ON and self.repeat and p not in self.held:
                self.held_velocity[p] = b
                self.held.append(p)
        elif kind == NOTE_OFF:
            note = int(a)
            p = self.note_list[note] if 0 <= note < 128 else -1
            if p < 0 or p >= len(self.pads):
                return
            if p in self.held:
                self.held.remove(p)
            self.voices.release(self.pads[p].pad, f)
        else:
            # programme changes and controllers are the control thread's business
            self.ring_out.push(f, kind, a, b)

    def _play(self, p, velocity, f):
        slot = self.pads[p]
        self.voices.start(Hit(f, slot.track, slot.ref, velocity), f, f - self._t0)
        out = self.ring_out
        w = out.write_index
        if w - out.read_index >= out.capacity:
            out.dropped += 1
            return
        row = out.rows[w & out.mask]
        row[0] = f
        row[1] = PLAYED
        row[2] = p
        row[3] = velocity
        row[4] = self.bars_base
        row[5] = f - self.it_start
        row[6] = self.loop.serial
        row[7] = 1.0 if self.armed else 0.0
        out.write_index = w + 1
