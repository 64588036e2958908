"""The jam's state and player, driven block by block without an audio host.

A virtual clock makes time exact: the block starting at frame ``t0`` is rendered with callback
time ``t0 / rate``; an event meant for frame ``f`` arrives one block earlier (the player places
events one period after their arrival), so it sounds exactly at ``f``.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from beatforge import Beat, load_kit
from beatforge.errors import BeatforgeError
from beatforge.live.jam import GRIDS, History, Jam, quantize, unswing_time
from beatforge.live.maps import resolve_notes
from beatforge.live.player import NOTE_OFF, NOTE_ON
from beatforge.live.sound import preload_kit
from beatforge.sequence import cycles_to_frame, swing_time

RATE = 48000
BLOCK = 64
S16 = 6000                      # a 16th at 120 bpm
BAR = 16 * S16
KICK, SNARE, HAT = 36, 38, 42   # GM notes of the impulse kit's pads


class Rig:
    """A jam plus a virtual audio host: ``run(frames)`` renders, ``note(frame, ...)`` plays."""

    def __init__(self, jam):
        self.jam = jam
        self.n = jam.block_frames
        self.frame = 0
        self.left = np.zeros(self.n, np.float32)
        self.right = np.zeros(self.n, np.float32)
        self.audio = []
        self.pending = []      # (frame, kind, a, b)

    def note(self, frame, note, velocity=100, kind=NOTE_ON):
        assert frame >= self.frame + self.n, "too late to place that exactly"
        self.pending.append((frame, kind, note, velocity))
        self.pending.sort(key=lambda e: e[0])

    def off(self, frame, note):
        self.note(frame, note, 0, NOTE_OFF)

    def run(self, frames):
        end = self.frame + frames
        while self.frame < end:
            t0 = self.frame
            # events for the next block arrive during this one
            while self.pending and self.pending[0][0] < t0 + self.n:
                f, kind, a, b = self.pending.pop(0)
                self.jam.ring_in.push((f - self.n + 0.5) / RATE, kind, a, b)
            self.jam.render(t0, t0 / RATE, self.left, self.right)
            self.audio.append(self.left.copy())
            self.frame += self.n
            self.jam.poll()
        return self

    @property
    def signal(self):
        return np.concatenate(self.audio) if self.audio else np.zeros(0, np.float32)

    def onsets(self, start=0, threshold=1e-4):
        sig = self.signal
        return [int(i) for i in np.flatnonzero(np.abs(sig) > threshold) if i >= start]


@pytest.fixture
def kit(impulse_kit):
    return preload_kit(load_kit(impulse_kit))


@pytest.fixture
def make(kit):
    def make(tracks=(), bpm=120, swing=50, bars=None, sections=None, **kw):
        if sections is None:
            beat = Beat(bpm=bpm, swing=swing, kit=kit, bars=bars)
            for name, grid in tracks:
                beat.track(name, grid)
            sections = [("A", beat)]
        notes, _ = resolve_notes(kit)
        return Rig(Jam(sections, kit, notes, RATE, BLOCK, **kw))

    return make


# -- quantize ------------------------------------------------------------------------------
def test_quantize_snaps_to_the_nearest_step():
    g = GRIDS["1/16"]
    assert quantize(Fraction(1, 16) + Fraction(1, 100), g) == Fraction(1, 16)
    assert quantize(Fraction(3, 32) - Fraction(1, 1000), g) == Fraction(1, 16)
    assert quantize(Fraction(3, 32), g) == Fraction(1, 8)           # halfway goes up
    assert quantize(Fraction(63, 64), g) == 1                       # may land on the next bar
    assert quantize(Fraction(1, 7), GRIDS["off"]) == Fraction(1, 7)


def test_quantize_with_swing_and_strength():
    g = GRIDS["1/16"]
    # with 60% swing the off-16th sits at 60% of the 8th; a hit played near it snaps to it
    assert quantize(Fraction(7, 100), g, swing=60) == Fraction(3, 40)
    assert quantize(Fraction(0), g, swing=60) == 0
    assert quantize(Fraction(1, 20), g, strength=0) == Fraction(1, 20)
    assert quantize(Fraction(1, 20), g, strength=Fraction(1, 2)) == (Fraction(1, 20) + Fraction(1, 16)) / 2
    # triplets
    assert quantize(Fraction(1, 13), GRIDS["1/8t"]) == Fraction(1, 12)


@pytest.mark.parametrize("swing", [50, 54, 60, 66, 75])
def test_unswing_inverts_swing(swing):
    for k in range(64):
        t = Fraction(k, 64) + Fraction(1, 1000)
        assert unswing_time(swing_time(t, swing), swing) == t


# -- the loop ------------------------------------------------------------------------------
def test_loop_sixteenths_are_exactly_6000_frames_apart_forever(make):
    rig = make([("hat", "x" * 16)]).run(10 * RATE)
    assert rig.onsets() == list(range(0, 10 * RATE, S16))


def test_loop_at_an_awkward_tempo_does_not_drift(make, kit):
    # 123 bpm: a bar is 93658.5... frames.  Each pass starts on its exactly rounded frame and the
    # hits keep the offline render's offsets inside it, so no hit is more than one frame from its
    # exact position, however many passes
    rig = make([("kick", "x..x" * 4)], bpm=123).run(30 * RATE)
    expect = [cycles_to_frame(Fraction(k, 16), 123, RATE) for k in range(16 * 20) if k % 4 in (0, 3)]
    expect = [f for f in expect if f < 30 * RATE]
    got = rig.onsets()
    assert len(got) == len(expect)
    assert max(abs(a - b) for a, b in zip(got, expect)) <= 1


def test_pad_hit_is_placed_on_its_exact_frame(make):
    rig = make()
    rig.note(1000, SNARE, 127)
    rig.note(1001 + 5 * BLOCK, KICK, 127)
    rig.run(40 * BLOCK)
    assert rig.onsets() == [1000, 1001 + 5 * BLOCK]
    assert rig.jam.player.notes == 2
    assert abs(rig.signal[1000]) == pytest.approx(np.cos(np.pi / 4), rel=1e-6)   # velocity 127, centre pan


def test_unmapped_notes_are_counted_not_played(make):
    rig = make()
    rig.note(500, 100)
    rig.run(10 * BLOCK)
    assert rig.onsets() == [] and rig.jam.player.unmapped == 1


# -- overdub -------------------------------------------------------------------------------
def test_overdub_is_quantized_into_the_loop_without_doubling(make):
    rig = make([("kick", "x" + "." * 15)])
    jam = rig.jam
    jam.arm(True)
    played = 5 * S16 + 700                        # a little late for the 6th 16th
    rig.note(played, SNARE)
    rig.run(3 * BAR)
    hits = rig.onsets()
    assert hits == [0, played, BAR, BAR + 5 * S16, 2 * BAR, 2 * BAR + 5 * S16]
    rec = jam.recorded[0]
    assert [(r.cycle, r.track, r.velocity) for r in rec] == [(Fraction(5, 16), "snare", 100.0)]


def test_overdub_played_just_before_the_loop_end_lands_on_the_one(make):
    rig = make([("hat", "." * 16)])
    rig.jam.arm(True)
    rig.note(BAR - 300, KICK)
    rig.run(3 * BAR)
    # heard live once, then on the 1 of each following pass (not twice at the first 1)
    assert rig.onsets() == [BAR - 300, 2 * BAR]


def test_undo_and_redo_per_take(make):
    rig = make([("hat", "." * 16)])
    jam = rig.jam
    jam.arm(True)
    rig.note(0 * S16 + BAR + 10, KICK)
    rig.note(8 * S16 + BAR + 10, KICK)
    rig.run(2 * BAR)
    jam.arm(False)
    jam.arm(True)
    rig.note(4 * S16 + 2 * BAR + 10, SNARE)
    rig.run(BAR)
    jam.arm(False)
    assert len(jam.history.done) == 2
    start = rig.frame
    rig.run(BAR)
    assert [f - start for f in rig.onsets(start)] == [0, 4 * S16, 8 * S16]
    jam.undo()
    start = rig.frame
    rig.run(BAR)
    assert [f - start for f in rig.onsets(start)] == [0, 8 * S16]
    jam.undo()
    start = rig.frame
    rig.run(BAR)
    assert rig.onsets(start) == []
    assert jam.undo() is None
    jam.redo()
    jam.redo()
    start = rig.frame
    rig.run(BAR)
    assert [f - start for f in rig.onsets(start)] == [0, 4 * S16, 8 * S16]


def test_clear_track_and_undo_it(make):
    rig = make([("hat", "x.x." * 4), ("kick", "x" + "." * 15)])
    jam = rig.jam
    rig.run(BAR)
    jam.clear_track("hat")
    start = rig.frame
    rig.run(BAR)
    assert [f - start for f in rig.onsets(start)] == [0]
    jam.undo()
    start = rig.frame
    rig.run(BAR)
    assert len(rig.onsets(start)) == 8


def test_history_redo_is_dropped_by_a_new_edit():
    h = History()
    h.push("a")
    h.push("b")
    assert h.undo() == "b"
    h.push("c")
    assert h.redo() is None and h.done == ["a", "c"]


# -- mutes, repeat, tempo, sections, metronome ---------------------------------------------
def test_mute_and_solo(make):
    rig = make([("hat", "x..." * 4), ("kick", "x" + "." * 15)])
    jam = rig.jam
    jam.mute("hat")
    rig.run(BAR)
    assert rig.onsets() == [0]
    jam.mute("hat")
    jam.solo("hat")
    start = rig.frame
    rig.run(BAR)
    assert [f - start for f in rig.onsets(start)] == [0, 4 * S16, 8 * S16, 12 * S16]


def test_note_repeat_retriggers_on_the_grid_while_held(make):
    rig = make()
    jam = rig.jam
    jam.set_repeat("1/16")
    rig.note(1000, HAT, 90)
    rig.off(4 * S16 + 10, HAT)
    rig.run(BAR)
    assert rig.onsets() == [1000, S16, 2 * S16, 3 * S16, 4 * S16]
    jam.set_repeat("1/32")
    rig.note(BAR + 100, HAT, 90)
    rig.off(BAR + 3 * S16 + 10, HAT)
    rig.run(BAR)
    assert rig.onsets(BAR) == [BAR + 100] + [BAR + k * S16 // 2 for k in range(1, 7)]
    jam.set_repeat("off")
    rig.note(2 * BAR + 100, HAT, 90)
    rig.run(BAR)
    assert rig.onsets(2 * BAR) == [2 * BAR + 100]


def test_note_repeat_is_recorded_on_the_grid(make):
    rig = make()
    jam = rig.jam
    jam.set_repeat("1/8")
    jam.arm(True)
    rig.note(BAR // 2 + 50, HAT)
    rig.off(BAR - 100, HAT)
    rig.run(BAR)
    assert sorted(r.cycle for r in jam.recorded[0]) == [Fraction(k, 8) for k in range(4, 8)]


def test_tempo_change_waits_for_the_bar_line(make):
    rig = make([("hat", "x" * 16)])
    rig.run(BAR // 2)
    rig.jam.set_tempo(60)
    rig.run(BAR // 2 + 2 * BAR)
    hits = rig.onsets()
    assert hits[:16] == list(range(0, BAR, S16))
    assert hits[16:24] == [BAR + 2 * k * S16 for k in range(8)]      # 12000 apart from the bar line on


def test_tap_tempo(make):
    rig = make()
    for i in range(4):
        rig.jam.tap(now=10.0 + 0.5 * i)
    assert rig.jam.bpm == 120
    rig.jam.tap(now=20.0)                # after a pause a new sequence starts
    rig.jam.tap(now=20.4)
    assert rig.jam.bpm == 150


def test_section_switch_at_the_next_bar(make, kit):
    a = Beat(kit=kit).replace()
    a.track("kick", "x" + "." * 15)
    b = Beat(kit=kit)
    b.track("snare", "....x.......x...")
    rig = make(sections=[("A", a), ("B", b)])
    rig.run(BAR + 3 * S16)
    rig.jam.switch_section(1)
    rig.run(2 * BAR)
    assert rig.onsets() == [0, BAR, 2 * BAR + 4 * S16, 2 * BAR + 12 * S16]
    assert rig.jam.section == 1
    with pytest.raises(BeatforgeError):
        rig.jam.switch_section(5)


def test_metronome_clicks_on_the_beats(make):
    rig = make()
    rig.jam.set_metronome(True)
    rig.run(BAR)
    onsets = rig.onsets(threshold=1e-3)
    starts = [f for i, f in enumerate(onsets) if i == 0 or f - onsets[i - 1] > 1000]
    # the click is a sine starting at phase 0: its first non-zero sample is one frame in
    assert starts == [1, 4 * S16 + 1, 8 * S16 + 1, 12 * S16 + 1]


@pytest.mark.parametrize("pattern", ["house", "trap"])
def test_live_output_is_the_offline_render(pattern):
    """One engine: block by block, the live player renders the same samples as ``Beat.render``."""
    from pathlib import Path

    from beatforge import load_source

    beat = load_source(Path(__file__).resolve().parents[2] / "patterns" / f"{pattern}.py")
    kit = preload_kit(load_kit(beat.kit))
    notes, _ = resolve_notes(kit)
    jam = Jam([("A", beat)], kit, notes, RATE, 128)
    frames = beat.frames(sample_rate=RATE)
    offline = beat.render(sample_rate=RATE)
    n = 128
    left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
    live = np.zeros((frames + n, 2), np.float32)
    for t0 in range(0, frames, n):
        jam.render(t0, t0 / RATE, left, right)
        live[t0:t0 + n, 0], live[t0:t0 + n, 1] = left, right
    # same voices, same samples; only the order in which voices are summed differs (slot
    # reuse), which moves the last bit of a float32 here and there
    assert np.abs(live[:frames] - offline).max() <= 1e-6


def test_song_sections_switch_by_programme_change(make, impulse_kit, tmp_path):
    from beatforge import load_source
    from beatforge.live.app import _sections
    from beatforge.live.player import PROGRAM

    path = tmp_path / "song.py"
    path.write_text(
        "from beatforge import Beat, Song\n"
        f"beat = Beat(kit={str(impulse_kit)!r})\n"
        "beat.track('kick', 'x' + '.' * 15)\n"
        "beat.track('snare', '....x.......x...')\n"
        "song = Song()\n"
        "song.section('verse', beat, bars=1, mute=['snare'])\n"
        "song.section('hook', beat.replace(bpm=60), bars=1, mute=['kick'])\n")
    sections = _sections(load_source(path))
    assert [name for name, _ in sections] == ["verse", "hook"]
    rig = make(sections=sections)
    rig.pending.append((BAR // 2, PROGRAM, 1, 0))      # programme change 1 -> "hook"
    rig.run(BAR + 2 * BAR)
    # verse for its bar, then the hook at 60 bpm (a 16th is 12000 frames) from the bar line
    assert rig.onsets() == [0, BAR + 8 * S16, BAR + 24 * S16]
    assert rig.jam.section == 1 and rig.jam.bpm == 60


def test_an_edit_during_a_pending_tempo_change_keeps_the_bar_line(make):
    rig = make([("hat", "x" * 16)])
    rig.run(BAR // 2)
    rig.jam.set_tempo(60)
    rig.jam.arm(True)
    rig.note(BAR // 2 + 3000, SNARE)   # an overdub reposts the loop before the bar line
    rig.run(BAR // 2 + 2 * BAR)
    hats = [f for f in rig.onsets() if f != BAR // 2 + 3000]
    assert hats[:16] == list(range(0, BAR, S16))                      # first bar untouched
    assert hats[16:20] == [BAR + 2 * k * S16 for k in range(4)]       # 60 bpm from the bar line
