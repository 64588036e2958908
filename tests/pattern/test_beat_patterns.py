"""Patterns in beats: mini-notation tracks, per-event parameters, groove - down to exact frames."""

from fractions import Fraction as F

import numpy as np
import pytest

from beatforge import Beat
from beatforge.pattern import mini, pure
from beatforge.pattern.controls import note, s

RATE = 48000
BAR = 96000  # frames per bar at 120 bpm, 48 kHz


def frames_of(beat, bars=1, track=None):
    return [(h.frame, h.pad) for h in beat.hits(bars=bars, sample_rate=RATE) if track in (None, h.track)]


def test_mini_track_events_name_pads(impulse_kit):
    beat = Beat(bpm=120, kit=str(impulse_kit))
    # three steps per bar: [kick kick] [~ snare] [hat hat hat hat]
    beat.track("drums", mini("kick*2 [~ snare] hat*4"))
    assert frames_of(beat) == [
        (0, "kick"), (16000, "kick"), (48000, "snare"), (64000, "hat"), (72000, "hat"), (80000, "hat"),
        (88000, "hat")]


def test_pattern_to_audio_exact_frames(impulse_kit):
    beat = Beat(bpm=120, kit=str(impulse_kit))
    beat.track("drums", mini("[kick, hat*4] [~ snare]").velocity(127))
    mix = beat.render(bars=2, sample_rate=RATE)
    nonzero = sorted(set(np.flatnonzero(np.abs(mix[:, 0]) > 1e-6).tolist()))
    expected = [bar * BAR + f for bar in range(2) for f in (0, 12000, 24000, 36000, 72000)]
    assert nonzero == expected
    # kick + hat at frame 0 sum to more than a hat alone
    assert abs(mix[12000, 0]) < abs(mix[0, 0])
    # velocity 127 -> full-scale impulses (square law: (127/127)**2)
    left, right = mix[12000]
    assert left == pytest.approx(right, rel=1e-6)
    assert left == pytest.approx(np.cos(np.pi / 4), rel=1e-4)


def test_awkward_tempo_frames_are_exact(impulse_kit):
    beat = Beat(bpm=97.3, kit=str(impulse_kit))
    beat.track("t", mini("kick(3,8,2)"))
    hits = beat.hits(bars=3, sample_rate=44100)
    expected = []
    for bar in range(3):
        for step in (0, 2, 5):
            seconds = (bar + F(step, 8)) * 4 * 60 / F("97.3")
            expected.append(int(seconds * 44100 + F(1, 2)))
    assert [h.frame for h in hits] == expected


def test_variant_from_colon():
    beat = Beat()
    beat.track("d", mini("bd:3 sd hh:0"))
    hits = beat.hits(bars=1)
    assert [(h.pad, h.variant) for h in hits] == [("bd", 3), ("sd", None), ("hh", 0)]


def test_numbers_are_midi_notes_and_true_is_the_track_pad():
    beat = Beat()
    beat.track("n", mini("36 38.0"))
    beat.track("snare", pure(True).struct("x ~"))
    assert [h.pad for h in beat.hits(bars=1)] == [36, "snare", 38]


def test_per_event_params():
    beat = Beat()
    beat.track("d", s("bd sd").velocity("127 40").pan("-1 1").gain_db("-6 0").pitch("0 2"), pitch=1, pan=0.5)
    a, b = beat.hits(bars=1)
    assert (a.velocity, a.pan, a.gain_db, a.pitch) == (127, -0.5, -6, 1)
    assert (b.velocity, b.pan, b.gain_db, b.pitch) == (40, 1.0, 0, 3)


def test_note_relative_to_the_808_root():
    beat = Beat(kit="factory")
    beat.track("bass", note("c2 ~ eb2 g1"), pad="808")
    hits = beat.hits(bars=1)
    # the factory 808's root is C1 (MIDI 24)
    assert [h.pitch for h in hits] == [12, 15, 7]
    assert [h.pad for h in hits] == ["808"] * 3


def test_note_method_and_track_pitch_add():
    beat = Beat(kit="factory")
    beat.track("bass", pure("808").note("<c1 c2>"), pitch=-12)
    assert [h.pitch for h in beat.hits(bars=2)] == [-12, 0]


def test_nudge_moves_by_milliseconds():
    beat = Beat(bpm=120)
    beat.track("d", s("bd sd").nudge("0 10"))
    beat.track("e", s("hh").nudge(-5))
    # the early nudge at the start of the render is clamped to frame 0
    assert [(h.track, h.frame) for h in beat.hits(bars=1, sample_rate=RATE)] == [
        ("d", 0), ("e", 0), ("d", 48000 + 480)]
    later = [h.frame for h in beat.hits(bars=2, sample_rate=RATE) if h.track == "e"]
    assert later == [0, BAR - 240]


def test_ratchet_splits_the_step():
    beat = Beat(bpm=120)
    beat.track("d", s("bd sd").ratchet("1 4"))
    assert [h.frame for h in beat.hits(bars=1, sample_rate=RATE)] == [0, 48000, 60000, 72000, 84000]
    beat2 = Beat(bpm=120)
    beat2.track("d", s("hh*2").roll(3))
    assert len(beat2.hits(bars=1)) == 6


def test_probability_is_seeded_and_statistical():
    beat = Beat(seed=3)
    beat.track("hat", s("hh*16").prob(0.5))
    a = beat.hits(bars=64)
    assert a == beat.hits(bars=64)
    assert 0.44 * 1024 < len(a) < 0.56 * 1024
    other = beat.replace(seed=4).hits(bars=64)
    assert [h.frame for h in other] != [h.frame for h in a]
    always = Beat()
    always.track("hat", s("hh*4").prob("1 0 1 0"))
    assert len(always.hits(bars=1)) == 2


def test_random_operators_follow_the_beat_seed():
    beat = Beat(seed=0)
    beat.track("hat", mini("hh*16?"))
    a = [h.frame for h in beat.hits(bars=4)]
    b = [h.frame for h in beat.replace(seed=1).hits(bars=4)]
    assert a != b and a == [h.frame for h in beat.hits(bars=4)]


def test_humanize_is_bounded_seeded_and_off_by_default():
    plain = Beat(bpm=120)
    plain.track("hat", "x" * 16)
    straight = [h.frame for h in plain.hits(bars=4, sample_rate=RATE)]
    human = Beat(bpm=120, humanize_ms=10, humanize_vel=20, seed=1)
    human.track("hat", "x" * 16)
    hits = human.hits(bars=4, sample_rate=RATE)
    frames = [h.frame for h in hits]
    assert frames != straight
    assert all(abs(f - s) <= 480 for f, s in zip(frames, straight))
    assert all(80 <= h.velocity <= 120 for h in hits)
    assert len({h.velocity for h in hits}) > 10
    assert hits == human.hits(bars=4, sample_rate=RATE)
    assert [h.frame for h in human.replace(seed=2).hits(bars=4, sample_rate=RATE)] != frames
    # straight MIDI-style sequencing ignores humanize timing
    from beatforge.sequence import timed_hits

    assert [h.frame for _, h in timed_hits(human, 4, RATE, straight=True)] == straight


def test_swing_on_eighths_or_sixteenths():
    sixteenths = Beat(bpm=120, swing=60)
    sixteenths.track("hat", "x" * 16)
    f16 = [h.frame for h in sixteenths.hits(bars=1, sample_rate=RATE)]
    assert f16[1] == 7200 and f16[2] == 12000
    eighths = Beat(bpm=120, swing=60, swing_on=8)
    eighths.track("hat", "x.x.x.x.x.x.x.x.")
    f8 = [h.frame for h in eighths.hits(bars=1, sample_rate=RATE)]
    assert f8[:4] == [0, 14400, 24000, 38400]
    # per-track override of the unit and amount
    mixed = Beat(bpm=120, swing=60)
    mixed.track("hat", "x.x.", swing=66, swing_on=8)
    mixed.track("shaker", "xx")
    frames = {"hat": [], "shaker": []}
    for h in mixed.hits(bars=F(1, 4), sample_rate=RATE):
        frames[h.track].append(h.frame)
    assert frames["hat"] == [0, 15840]
    assert frames["shaker"] == [0, 7200, 12000, 19200]


def test_bad_groove_settings():
    from beatforge import BeatforgeError

    with pytest.raises(BeatforgeError):
        Beat(swing_on=4)
    with pytest.raises(BeatforgeError):
        Beat(humanize_ms=-1)
    with pytest.raises(BeatforgeError):
        Beat().track("x", "x...", swing_on=12)


def test_track_bars_sets_the_loop_length():
    from beatforge import BeatforgeError

    beat = Beat(kit="factory")
    beat.track("bass", note("<c2 eb2 g1 f1>"), pad="808", bars=4)
    assert beat.length_bars() == 4
    assert [h.pitch for h in beat.hits()] == [12, 15, 7, 5]
    with pytest.raises(BeatforgeError):
        beat.track("x", mini("a"), bars=0)
