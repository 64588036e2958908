from fractions import Fraction

from hypothesis import given, strategies as st

from beatforge import Beat
from beatforge.sequence import cycles_to_frame, swing_time


def test_frames_are_exact_at_120_bpm_48k():
    beat = Beat(bpm=120)
    beat.track("hat", "x" * 16)
    frames = [h.frame for h in beat.hits(bars=4, sample_rate=48000)]
    assert frames == [i * 6000 for i in range(64)]


def test_no_drift_over_long_renders_at_awkward_tempo():
    beat = Beat(bpm=97.3)
    beat.track("hat", "x" * 16)
    hits = beat.hits(bars=300, sample_rate=44100)
    for i, h in enumerate(hits):
        seconds = Fraction(i, 16) * 4 * 60 / Fraction(97.3)
        assert h.frame == int(seconds * 44100 + Fraction(1, 2))


def test_swing_60_at_120_bpm_puts_off_sixteenths_7200_frames_after_the_eighth():
    beat = Beat(bpm=120, swing=60)
    beat.track("hat", "x" * 16)
    frames = [h.frame for h in beat.hits(bars=1, sample_rate=48000)]
    for k in range(8):
        assert frames[2 * k] == k * 12000
        assert frames[2 * k + 1] == k * 12000 + 7200


def test_track_swing_overrides_beat_swing():
    beat = Beat(bpm=120, swing=60)
    beat.track("hat", "xx", swing=50)
    assert [h.frame for h in beat.hits(bars=1, sample_rate=48000)][:2] == [0, 6000]


@given(st.integers(50, 99), st.fractions(min_value=0, max_value=8))
def test_swing_is_monotonic_and_keeps_eighths(s, t):
    t2 = t + Fraction(1, 97)
    assert swing_time(t, s) <= swing_time(t2, s)
    eighth = Fraction(int(t * 8), 8)
    assert swing_time(eighth, s) == eighth


def test_accents_and_ghosts_set_velocity():
    beat = Beat()
    beat.track("snare", "xXo.")
    assert [h.velocity for h in beat.hits(bars=Fraction(1, 4))] == [100, 127, 50]


def test_track_settings_reach_hits():
    beat = Beat()
    beat.track("b", "x", pad="808", pitch=3, pan=-0.5, gain_db=-6)
    h = beat.hits(bars=Fraction(1, 16))[0]
    assert (h.pad, h.pitch, h.pan, h.gain_db, h.track) == ("808", 3.0, -0.5, -6.0, "b")


def test_rounding_rule_is_half_up():
    # 1/16 cycle at 100 bpm, 44.1 kHz = 6615 frames exactly; 1/3 of a bar = 0.8 s = 35280
    assert cycles_to_frame(Fraction(1, 16), 100, 44100) == 6615
    assert cycles_to_frame(Fraction(1, 3), 100, 44100) == 35280
    # 1/16 cycle at 120 bpm, 44.1 kHz = 5512.5 frames -> 5513 (half up, not banker's rounding)
    assert cycles_to_frame(Fraction(1, 16), 120, 44100) == 5513
    # 1/16 cycle at 130 bpm, 44.1 kHz = 5088.46... -> 5088
    assert cycles_to_frame(Fraction(1, 16), 130, 44100) == 5088
