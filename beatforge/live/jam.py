"""The jam: a looping beat, pads played over it, overdubs, undo, and what gets saved.

This is the control-thread half (the audio-thread half is :mod:`beatforge.live.player`).  It
owns the musical state - sections, tempo, recorded takes, mutes - in exact cycle time, and turns
it into :class:`~beatforge.live.player.Loop` objects (frames) that it hands to the player.  What
the player plays comes back through a ring and is quantized here:

* quantize: a played onset ``t`` (cycles) is un-swung, snapped to the nearest ``grid`` step,
  swung again with the jam's swing (the sequencer's ``swing_time``), and moved that far by
  ``strength`` (1 = all the way, 0.5 = half way);
* a *take* is every hit recorded between arming and disarming; ``undo``/``redo`` work per take
  (and per track clear);
* a recorded hit joins the loop at once but stays silent until the loop comes round, so the hit
  you just played is not doubled by its quantized copy.

Tempo changes and section switches take effect at the next bar boundary; edits (takes, undo,
clear, mutes) at once.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..errors import BeatforgeError
from ..io.tmpfile import output_file
from ..pattern.controls import as_params
from ..pattern.core import to_time
from ..sequence import Hit, cycles_to_frame, swing_time
from .player import OUT_WIDTH, PAD, PLAYED, PROGRAM, Loop, PadSlot, Player
from .ring import EventRing

__all__ = ["Jam", "GRIDS", "REPEAT_RATES", "quantize", "unswing_time", "History", "Take", "Clear",
           "RecordedHit", "TAP_TIMEOUT"]

GRIDS = {
    "1/4": Fraction(1, 4), "1/8": Fraction(1, 8), "1/8t": Fraction(1, 12), "1/16": Fraction(1, 16),
    "1/16t": Fraction(1, 24), "1/32": Fraction(1, 32), "1/32t": Fraction(1, 48), "off": None,
}
REPEAT_RATES = {k: v for k, v in GRIDS.items() if k != "1/4"}
TAP_TIMEOUT = 2.0          # seconds between taps before a new tap sequence starts
MIN_BPM, MAX_BPM = 20, 999
MIDI_TICKS = 480           # ticks per quarter note in written .mid files


# -- time ----------------------------------------------------------------------------------
def unswing_time(t: Fraction, swing, unit: Fraction = Fraction(1, 16)) -> Fraction:
    """The inverse of :func:`beatforge.sequence.swing_time` (where a swung onset came from)."""
    s = Fraction(to_time(swing)) / 100
    if s == Fraction(1, 2):
        return Fraction(t)
    pair = unit * 2
    n = math.floor(t / pair)
    v = (Fraction(t) - n * pair) / pair
    if v < s:
        u = v / (2 * s)
    else:
        u = Fraction(1, 2) + (v - s) / (2 * (1 - s))
    return (n + u) * pair


def quantize(t, grid, swing=50, strength=1) -> Fraction:
    """Move onset ``t`` (cycles) towards the nearest swung ``grid`` step by ``strength`` (0..1).

    >>> quantize(Fraction(7, 64), Fraction(1, 16))          # just before the 2nd 8th
    Fraction(1, 8)
    >>> quantize(Fraction(1, 16), Fraction(1, 16), swing=60)  # the off-16th moves late
    Fraction(3, 40)
    >>> quantize(Fraction(1, 32), Fraction(1, 16), strength=Fraction(1, 2))
    Fraction(3, 64)
    """
    t = Fraction(t)
    if grid is None:
        return t
    straight = unswing_time(t, swing)
    step = math.floor(straight / grid + Fraction(1, 2))
    target = swing_time(step * Fraction(grid), swing)
    return t + to_time(strength) * (target - t)


# -- edits ---------------------------------------------------------------------------------
@dataclass(eq=False)
class RecordedHit:
    """One overdubbed hit, in loop cycle time (already quantized, swing included)."""

    cycle: Fraction
    track: str
    pad: object
    velocity: float
    active_from: int = -1     # absolute frame before which it stays silent (the pass it was played in)


@dataclass(eq=False)
class Take:
    section: int
    hits: list = field(default_factory=list)

    def apply(self, jam):
        jam.recorded[self.section].extend(self.hits)

    def revert(self, jam):
        ids = {id(h) for h in self.hits}
        jam.recorded[self.section] = [h for h in jam.recorded[self.section] if id(h) not in ids]


@dataclass(eq=False)
class Clear:
    section: int
    track: str
    removed: list = field(default_factory=list)
    cleared_pattern: bool = False

    def apply(self, jam):
        rec = jam.recorded[self.section]
        self.removed = [h for h in rec if h.track == self.track]
        jam.recorded[self.section] = [h for h in rec if h.track != self.track]
        cleared = jam.cleared[self.section]
        self.cleared_pattern = self.track not in cleared
        cleared.add(self.track)

    def revert(self, jam):
        jam.recorded[self.section].extend(self.removed)
        if self.cleared_pattern:
            jam.cleared[self.section].discard(self.track)


class History:
    """Undo/redo stacks of edits (takes and clears)."""

    def __init__(self):
        self.done = []
        self.undone = []

    def push(self, edit):
        self.done.append(edit)
        self.undone.clear()

    def undo(self):
        if not self.done:
            return None
        edit = self.done.pop()
        self.undone.append(edit)
        return edit

    def redo(self):
        if not self.undone:
            return None
        edit = self.undone.pop()
        self.done.append(edit)
        return edit


# -- the jam -------------------------------------------------------------------------------
class Jam:
    """The jam session.  ``render`` is the audio callback; everything else is control side.

    ``sections``: list of ``(name, Beat)``; ``kit``: a preloaded :class:`~beatforge.kit.Kit`;
    ``notes``: ``{midi note: Pad}`` (see :func:`beatforge.live.maps.resolve_notes`).
    """

    def __init__(self, sections, kit, notes, sample_rate=48000, block_frames=256, *, grid="1/16",
                 strength=1.0, swing=None, seed=None, log=None):
        from .sound import LiveVoices, click_kit

        if not sections:
            raise BeatforgeError("nothing to jam on: no beat")
        self.sections = list(sections)
        self.kit = kit
        self.sample_rate = int(sample_rate)
        self.block_frames = int(block_frames)
        self.log = log or (lambda text: None)
        first = self.sections[0][1]
        self.bpm = to_time(first.bpm)
        self.swing = to_time(first.swing if swing is None else swing)
        self.grid_name = grid
        self.strength = to_time(strength)
        self.repeat_name = "1/16"
        self.section = 0
        self.recorded = [[] for _ in self.sections]
        self.cleared = [set() for _ in self.sections]
        self.history = History()
        self.take = None                 # the open take while armed
        self.performance = []            # (abs cycles, pad index, velocity, bpm) of everything played
        self.tempo_marks = []            # (abs bars, bpm) where the tempo changed
        self.messages = []               # recent status lines for the UI
        self.taps = []
        self.mutes = set()
        self.solos = set()
        self._serial = 0
        self._loops = {}                 # serial -> Loop (recent ones, to interpret PLAYED rows)

        # tracks: pattern tracks of every section, then pads that have no track
        self.tracks = []
        for _, beat in self.sections:
            for t in beat.tracks:
                if t.name not in self.tracks:
                    self.tracks.append(t.name)
        self.pad_track = {}              # id(Pad) -> track name
        for _, beat in self.sections:
            for t in beat.tracks:
                try:
                    pad = kit.pad(t.pad if t.pad is not None else t.name)
                except Exception:
                    continue
                self.pad_track.setdefault(id(pad), t.name)

        # playable pads: every pad a note reaches, in note order
        self.notes = dict(notes)
        self.pads = []
        index = {}
        note_map = np.full(128, -1, dtype=np.int32)
        for note in sorted(self.notes):
            pad = self.notes[note]
            if id(pad) not in index:
                index[id(pad)] = len(self.pads)
                track = self._track_for(pad)
                self.pads.append(PadSlot(pad.name, pad, track, self.tracks.index(track)))
            note_map[note] = index[id(pad)]
        self.note_map = note_map
        self.pad_notes = {}              # pad index -> the note written to .mid files for it
        for note in sorted(self.notes):
            self.pad_notes.setdefault(int(note_map[note]), note)
        for i, slot in enumerate(self.pads):  # prefer the pad's own (or General MIDI) note
            own = kit.note_of(slot.pad)
            if own is not None and 0 <= own < 128 and note_map[own] == i:
                self.pad_notes[i] = own

        self.audible = [True] * 256
        self.ring_in = EventRing(1024)
        self.ring_out = EventRing(1024, OUT_WIDTH)
        self.voices = LiveVoices(kit, self.sample_rate, max(self.block_frames, 4096),
                                 seed=first.seed if seed is None else seed)
        self.clicks = LiveVoices(click_kit(self.sample_rate), self.sample_rate, max(self.block_frames, 4096),
                                 capacity=8)
        self.voices.prepare(self.block_frames)
        self.clicks.prepare(self.block_frames)
        loop = self._build(self.section)
        self.player = Player(self.voices, loop, self.sample_rate, self.ring_in, self.ring_out, self.pads,
                             note_map, self.clicks, self.audible)
        self.tempo_marks.append((0, self.bpm))

    def _track_for(self, pad):
        name = self.pad_track.get(id(pad))
        if name is None:
            name = pad.name
            self.pad_track[id(pad)] = name
        if name not in self.tracks:
            self.tracks.append(name)
        return name

    # -- audio and MIDI threads -----------------------------------------------------------
    def render(self, frame, t_callback, left, right):
        """The audio callback (see :class:`~beatforge.live.server.AudioServer`)."""
        if left.shape[0] != self.block_frames:
            self.voices.prepare(left.shape[0])  # only if the host changed its block size
            self.clicks.prepare(left.shape[0])
            self.block_frames = left.shape[0]
        self.player.process(frame, t_callback, left, right)

    def attach_midi(self, sources):
        """Let the player read these ``(rtmidi input, Stamper)`` pairs (before the audio starts)."""
        self.player.midi_sources = tuple(sources)

    def hit_pad(self, index, velocity=100.0):
        """Play pad ``index`` now (computer-keyboard pads)."""
        if 0 <= index < len(self.pads):
            self.ring_in.push(time.perf_counter(), PAD, index, velocity)

    # -- building loops --------------------------------------------------------------------
    def _next_serial(self):
        self._serial += 1
        return self._serial

    def _build(self, section):
        """The :class:`Loop` for ``section`` at the current tempo, edits, mutes and repeat rate."""
        name, beat = self.sections[section]
        beat = beat.replace(bpm=self.bpm) if to_time(beat.bpm) != self.bpm else beat
        bars = beat.length_bars()
        sr = self.sample_rate
        cleared = self.cleared[section]
        items = []   # (frame, order, hit, track index, active_from)
        for order, hit in enumerate(beat.hits(bars, sr)):
            if hit.track in cleared:
                continue
            items.append((hit.frame, order, hit, self._track_index(hit.track), -1))
        base = len(items)
        for j, rec in enumerate(self.recorded[section]):
            cycle = rec.cycle % bars
            frame = cycles_to_frame(cycle, self.bpm, sr)
            hit = Hit(frame, rec.track, rec.pad, rec.velocity)
            items.append((frame, base + j, hit, self._track_index(rec.track), rec.active_from))
        items.sort(key=lambda x: (x[0], x[1]))
        for ref in {(type(x[2].pad), x[2].pad) for x in items}:
            self.voices.pad(ref[1])   # an unknown pad fails here, not on the audio thread
        clicks = [cycles_to_frame(Fraction(b, 4), self.bpm, sr) for b in range(4 * bars)]
        accents = [b % 4 == 0 for b in range(4 * bars)]
        rate = REPEAT_RATES.get(self.repeat_name)
        repeats = []
        if rate is not None:
            steps = int(bars / rate)
            repeats = [cycles_to_frame(swing_time(k * rate, self.swing), self.bpm, sr) for k in range(steps)]
        loop = Loop(self._next_serial(), section, self.bpm, bars, sr,
                    hits=[x[2] for x in items],
                    frames=np.array([x[0] for x in items], dtype=np.int64),
                    track=np.array([x[3] for x in items], dtype=np.int32),
                    active_from=np.array([x[4] for x in items], dtype=np.int64),
                    clicks=np.array(clicks, dtype=np.int64), accents=accents,
                    repeats=np.array(repeats, dtype=np.int64))
        self._loops[loop.serial] = loop
        if len(self._loops) > 64:
            for key in sorted(self._loops)[:-64]:
                del self._loops[key]
        return loop

    def _track_index(self, name):
        if name not in self.tracks:
            self.tracks.append(name)
        i = self.tracks.index(name)
        if i >= len(self.audible):
            raise BeatforgeError(f"too many tracks (more than {len(self.audible)})")
        return i

    def _repost(self, at_bar=False, start_bar=None):
        loop = self._build(self.section)
        self.player.post(loop, start_bar=start_bar, at_bar=at_bar)
        return loop

    # -- polling (control thread) ------------------------------------------------------------
    def poll(self):
        """Take in what the player played (records it) and its requests; call often."""
        ring = self.ring_out
        start, stop = ring.pending()
        if start == stop:
            return 0
        rows = ring.rows[[i & ring.mask for i in range(start, stop)]].copy()
        ring.release(stop)
        changed = False
        for row in rows:
            kind = int(row[1])
            if kind == PLAYED:
                changed |= self._played(row)
            elif kind == PROGRAM:
                self.switch_section(int(row[2]) % len(self.sections))
        if changed:
            self._repost()
        return len(rows)

    def _played(self, row):
        frame, _, p, velocity, bars_base, rel, serial, armed = row
        loop = self._loops.get(int(serial))
        if loop is None:
            return False
        p = int(p)
        in_loop = Fraction(int(rel)) * loop.bpm / (240 * self.sample_rate)   # cycles into the iteration
        absolute = int(bars_base) + in_loop
        self.performance.append((absolute, p, float(velocity), loop.bpm))
        if not armed:
            return False
        q = quantize(in_loop, GRIDS[self.grid_name], self.swing, self.strength)
        slot = self.pads[p]
        # the instance of this hit in the pass it was played in: silent until after it
        played_at = int(frame) - int(rel) + cycles_to_frame(q, loop.bpm, self.sample_rate)
        rec = RecordedHit(q % loop.bars, slot.track, slot.ref, float(velocity), played_at + 1)
        if self.take is None or self.take.section != loop.section:
            self.take = Take(loop.section)
            self.history.push(self.take)
        self.take.hits.append(rec)
        self.recorded[loop.section].append(rec)
        return True

    # -- commands ------------------------------------------------------------------------------
    def note(self, text):
        self.messages.append(text)
        del self.messages[:-5]
        self.log(text)

    @property
    def armed(self):
        return self.player.armed

    def arm(self, on=True):
        self.poll()
        self.player.armed = bool(on)
        if not on:
            self.take = None
        self.note("recording" if on else "record off")

    def toggle_record(self):
        self.arm(not self.player.armed)

    def undo(self):
        self.poll()
        self.take = None
        edit = self.history.undo()
        if edit is None:
            self.note("nothing to undo")
            return None
        edit.revert(self)
        self._repost()
        self.note(f"undo {type(edit).__name__.lower()}")
        return edit

    def redo(self):
        self.poll()
        self.take = None
        edit = self.history.redo()
        if edit is None:
            self.note("nothing to redo")
            return None
        edit.apply(self)
        self._repost()
        self.note(f"redo {type(edit).__name__.lower()}")
        return edit

    def clear_track(self, track):
        self.poll()
        self.take = None
        edit = Clear(self.section, track)
        edit.apply(self)
        self.history.push(edit)
        self._repost()
        self.note(f"cleared {track}")

    def _update_audible(self):
        for i, name in enumerate(self.tracks):
            if self.solos:
                on = name in self.solos
            else:
                on = name not in self.mutes
            self.audible[i] = on

    def mute(self, track, on=None):
        on = track not in self.mutes if on is None else on
        (self.mutes.add if on else self.mutes.discard)(track)
        self._update_audible()

    def solo(self, track, on=None):
        on = track not in self.solos if on is None else on
        (self.solos.add if on else self.solos.discard)(track)
        self._update_audible()

    def set_tempo(self, bpm):
        bpm = to_time(round(float(bpm), 2))
        bpm = max(Fraction(MIN_BPM), min(Fraction(MAX_BPM), bpm))
        if bpm == self.bpm:
            return
        self.bpm = bpm
        self._repost(at_bar=True)
        self.tempo_marks.append((None, bpm))
        self.note(f"tempo {float(bpm):g} bpm (from the next bar)")

    def nudge_tempo(self, delta):
        self.set_tempo(float(self.bpm) + delta)

    def tap(self, now=None):
        """Tap tempo: the average interval of the recent taps (at least two) sets the tempo."""
        now = time.perf_counter() if now is None else now
        if self.taps and now - self.taps[-1] > TAP_TIMEOUT:
            self.taps = []
        self.taps.append(now)
        del self.taps[:-8]
        if len(self.taps) >= 2:
            interval = (self.taps[-1] - self.taps[0]) / (len(self.taps) - 1)
            if interval > 0:
                self.set_tempo(60.0 / interval)

    def set_metronome(self, on=None):
        self.player.metronome = (not self.player.metronome) if on is None else bool(on)

    def set_repeat(self, rate):
        """Note repeat: a rate name from :data:`REPEAT_RATES` ("off" to stop)."""
        if rate not in REPEAT_RATES:
            raise BeatforgeError(f"note repeat rate must be one of {', '.join(REPEAT_RATES)}, got {rate!r}")
        if rate == "off":
            self.player.repeat = False
            self.player.held = []
            return
        if rate != self.repeat_name:
            self.repeat_name = rate
            self._repost()
        self.player.repeat = True

    def set_grid(self, grid):
        if grid not in GRIDS:
            raise BeatforgeError(f"quantize grid must be one of {', '.join(GRIDS)}, got {grid!r}")
        self.grid_name = grid

    def set_strength(self, strength):
        strength = to_time(strength)
        if not 0 <= strength <= 1:
            raise BeatforgeError(f"quantize strength must be within 0..1, got {float(strength)!r}")
        self.strength = strength

    def set_swing(self, swing):
        swing = to_time(swing)
        if not 50 <= swing < 100:
            raise BeatforgeError(f"swing must be within 50..99, got {float(swing)!r}")
        self.swing = swing
        self._repost()

    def switch_section(self, index):
        """Play section ``index`` (at its own tempo) from its first bar, starting at the next bar line."""
        if not 0 <= index < len(self.sections):
            raise BeatforgeError(f"no section {index}; there are {len(self.sections)}")
        self.poll()
        self.take = None
        self.section = index
        self.bpm = to_time(self.sections[index][1].bpm)   # a section plays at its own tempo
        self._repost(at_bar=True, start_bar=0)
        self.note(f"next: section {self.sections[index][0]}")

    # -- status --------------------------------------------------------------------------------
    def position(self):
        """``(bar, step)`` of the playhead in the current loop (16 steps per bar)."""
        p = self.player
        loop = p.loop
        rel = max(0, p.frame - p.it_start)
        steps = int(Fraction(rel) * 16 / loop.bar_frames)
        return steps // 16, steps % 16

    # -- saving --------------------------------------------------------------------------------
    def loop_events(self, section=None):
        """``{track: [(cycle, velocity, pad)]}`` of the section's loop: pattern (un-swung) + overdubs."""
        section = self.section if section is None else section
        name, beat = self.sections[section]
        bars = beat.length_bars()
        out = {}
        for t in beat.tracks:
            if t.name in self.cleared[section] or t.mute:
                continue
            for ev in t.pattern.query(Fraction(0), Fraction(bars), seed=beat.seed):
                value = as_params(ev.value)   # pads named by events: "bd", ("bd", 3), dicts
                if value is None:
                    continue
                out.setdefault(t.name, []).append((Fraction(ev.begin), float(value.get("velocity", 100)),
                                                   value.get("pad", t.pad if t.pad is not None else t.name)))
        for rec in self.recorded[section]:
            out.setdefault(rec.track, []).append((unswing_time(rec.cycle, self.swing), rec.velocity, rec.pad))
        for events in out.values():
            events.sort(key=lambda e: e[0])
        return out

    def save_pattern(self, path, section=None):
        """Write the current loop as a pattern ``.py`` file (loads back with ``load_source``)."""
        from .save import pattern_source

        section = self.section if section is None else section
        name, beat = self.sections[section]
        text = pattern_source(self.loop_events(section), beat, self.bpm, self.swing, beat.length_bars(),
                              self.kit.name)
        _write_text(path, text)
        self.note(f"saved {path}")

    def save_midi(self, path, section=None):
        """Write the current loop (one pass) as a type-1 ``.mid`` on channel 10."""
        from .save import write_midi

        loop = self._build(self.section if section is None else section)
        sr = self.sample_rate
        notes = []
        for frame, hit in zip(loop.frame_list, loop.hits):
            beats = Fraction(frame) * loop.bpm / (60 * sr)
            notes.append((beats, self._note_of(hit.pad), hit.velocity))
        write_midi(path, notes, [(0, loop.bpm)], MIDI_TICKS)
        self.note(f"saved {path}")

    def write_record(self, path):
        """Write everything played so far, quantized to the jam's grid, as a ``.mid``."""
        from .save import write_midi

        self.poll()
        grid = GRIDS[self.grid_name]
        notes, tempos, last_bpm = [], [], None
        for absolute, p, velocity, bpm in self.performance:
            bar = math.floor(absolute)
            q = bar + quantize(absolute - bar, grid, self.swing, self.strength)
            if bpm != last_bpm:
                tempos.append((Fraction(bar * 4) if tempos else Fraction(0), bpm))
                last_bpm = bpm
            notes.append((q * 4, self.pad_notes.get(p, 36), velocity))
        if not tempos:
            tempos = [(Fraction(0), self.bpm)]
        write_midi(path, notes, tempos, MIDI_TICKS)

    def _note_of(self, ref):
        try:
            pad = self.kit.pad(ref)
        except Exception:
            return 36
        for i, slot in enumerate(self.pads):
            if slot.pad is pad:
                return self.pad_notes.get(i, 36)
        note = self.kit.note_of(pad)
        return 36 if note is None else note


def _write_text(path, text):
    with output_file(path, suffix=".tmp") as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
