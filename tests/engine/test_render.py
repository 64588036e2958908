"""Offline rendering through the real mixer: exact frames, gains, pitch, envelopes, stealing."""

import math

import numpy as np
import pytest

from beatforge import Beat
from beatforge.engine.voices import pan_gains, velocity_gain
from tests.conftest import write_wav

C = math.cos(math.pi / 4)


def nonzero_frames(audio, ch=0):
    return list(np.flatnonzero(audio[:, ch]))


def test_impulses_land_on_exact_frames(impulse_kit):
    beat = Beat(bpm=120, kit=impulse_kit)
    beat.track("kick", "x...x...x...x...")
    beat.track("snare", "....x.......x...")
    audio = beat.render(bars=2, sample_rate=48000)
    assert audio.shape == (2 * 96000, 2) and audio.dtype == np.float32
    expected = sorted(set([k * 24000 for k in range(8)] + [24000 + 48000 * k for k in range(4)]))
    assert nonzero_frames(audio) == expected
    v = velocity_gain(100) * C
    assert audio[0, 0] == pytest.approx(v, abs=1e-6)
    assert audio[24000, 0] == pytest.approx(2 * v, abs=1e-6)  # kick + snare together


def test_swing_moves_impulses(impulse_kit):
    beat = Beat(bpm=120, swing=60, kit=impulse_kit)
    beat.track("hat", "xx")
    audio = beat.render(bars=1, sample_rate=48000)
    assert nonzero_frames(audio)[:4] == [0, 7200, 12000, 19200]


def test_accent_and_ghost_levels(impulse_kit):
    beat = Beat(kit=impulse_kit)
    beat.track("kick", "Xo")
    audio = beat.render(bars=1, sample_rate=48000)
    f = nonzero_frames(audio)
    assert audio[f[0], 0] == pytest.approx(1.0 * C, abs=1e-6)
    assert audio[f[1], 0] == pytest.approx((50 / 127) ** 2 * C, abs=1e-6)


def test_gain_db(impulse_kit):
    beat = Beat(kit=impulse_kit)
    beat.track("kick", "X", gain_db=-6)
    audio = beat.render(bars=1, sample_rate=48000)
    assert audio[0, 0] == pytest.approx(10 ** (-6 / 20) * C, abs=1e-6)


@pytest.mark.parametrize("pan", [-1.0, -0.5, 0.0, 0.2, 1.0])
def test_constant_power_pan_law(impulse_kit, pan):
    beat = Beat(kit=impulse_kit)
    beat.track("kick", "X", pan=pan)
    audio = beat.render(bars=1, sample_rate=48000)
    l, r = audio[0]
    theta = (pan + 1) * math.pi / 4
    assert (l, r) == pytest.approx((math.cos(theta), math.sin(theta)), abs=1e-6)
    assert l * l + r * r == pytest.approx(1.0, abs=1e-5)   # constant power


def test_stereo_samples_use_balance():
    assert pan_gains(0.0, 2) == (1.0, 1.0)
    assert pan_gains(0.5, 2) == (0.5, 1.0)


def _dominant_hz(x, rate):
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spec))
    # parabolic interpolation of the peak
    a, b, c = spec[k - 1], spec[k], spec[k + 1]
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / len(x)


@pytest.mark.parametrize("semitones, factor", [(12, 2.0), (-12, 0.5), (7, 2 ** (7 / 12))])
def test_pitch_shifts_frequency(tmp_path, semitones, factor):
    rate = 48000
    t = np.arange(rate) / rate
    write_wav(tmp_path / "kit" / "tone.wav", 0.5 * np.sin(2 * np.pi * 440 * t), rate)
    beat = Beat(bpm=60, kit=tmp_path / "kit")
    beat.track("tone", "x" + "." * 15, pitch=semitones)
    audio = beat.render(bars=1, sample_rate=rate)
    seg = audio[1000:1000 + 16384, 0] if semitones <= 0 else audio[100:100 + 16384, 0]
    assert _dominant_hz(seg, rate) == pytest.approx(440 * factor, rel=2e-3)


def test_sample_rate_conversion_keeps_pitch(tmp_path):
    t = np.arange(22050) / 22050
    write_wav(tmp_path / "kit" / "tone.wav", 0.5 * np.sin(2 * np.pi * 440 * t), 22050)
    beat = Beat(bpm=60, kit=tmp_path / "kit")
    beat.track("tone", "x" + "." * 15)
    audio = beat.render(bars=1, sample_rate=48000)
    assert _dominant_hz(audio[:32768, 0], 48000) == pytest.approx(440, rel=1e-3)
    sounding = np.flatnonzero(np.abs(audio[:, 0]) > 1e-3)
    assert sounding[-1] == pytest.approx(48000, abs=3)   # one second of sample is one second of output


def test_envelope_from_kit_toml(tmp_path):
    write_wav(tmp_path / "one.wav", np.ones(48000))
    (tmp_path / "kit.toml").write_text('''
[pads.pad]
sample = "one.wav"
envelope = { attack = 0.01, hold = 0.01, decay = 0.02, sustain = 0.5 }
''')
    beat = Beat(bpm=120, kit=tmp_path)
    beat.track("pad", "X" + "." * 15)
    audio = beat.render(bars=1, sample_rate=48000)[:, 0] / C
    assert audio[0] == 0.0
    assert audio[240] == pytest.approx(0.5, abs=1e-5)          # half way up the 480-frame attack
    assert np.allclose(audio[480:960], 1.0, atol=1e-5)           # hold
    assert audio[960 + 480] == pytest.approx(0.75, abs=1e-4)    # half way down the decay
    assert np.allclose(audio[1920:47000], 0.5, atol=1e-5)        # sustain


def test_voice_stealing_fades_without_clicks(tmp_path):
    rate = 48000
    t = np.arange(rate) / rate
    write_wav(tmp_path / "sine.wav", 0.9 * np.sin(2 * np.pi * 100 * t), rate)
    (tmp_path / "kit.toml").write_text('[pads.tone]\nsample = "sine.wav"\npolyphony = 1\n')
    beat = Beat(bpm=120, kit=tmp_path)
    beat.track("tone", "x..x..x.")  # new hits start while the old voice sounds
    audio = beat.render(bars=1, sample_rate=rate)[:, 0]
    steal = 3 * 6000
    # the old voice is gone 5 ms after the steal: only the new one (phase 0 at the steal) remains
    fade = int(0.005 * rate)
    new_only = 0.9 * np.sin(2 * np.pi * 100 * np.arange(1000) / rate) * velocity_gain(100) * C
    assert np.allclose(audio[steal + fade: steal + fade + 500], new_only[fade:fade + 500], atol=1e-4)
    # no step bigger than a 100 Hz sine can make (no click) anywhere
    max_step = 2 * np.pi * 100 / rate * 0.9 * 2
    assert np.max(np.abs(np.diff(audio))) < max_step


def test_choke_group_cuts_the_open_hat(tmp_path):
    write_wav(tmp_path / "ones.wav", np.ones(48000) * 0.5)
    (tmp_path / "kit.toml").write_text('''
[pads.hat]
sample = "ones.wav"
choke_group = "hats"
[pads.openhat]
sample = "ones.wav"
choked_by = ["hats"]
''')
    beat = Beat(bpm=120, kit=tmp_path)
    beat.track("openhat", "x...")
    beat.track("hat", "..x.", gain_db=-120)
    audio = beat.render(bars=Fraction_quarter(), sample_rate=48000)[:, 0]
    fade = 240
    assert audio[11999] == pytest.approx(0.5 * velocity_gain(100) * C, abs=1e-5)
    assert abs(audio[12000 + fade + 10]) < 1e-5   # open hat silenced after the fade
    assert np.all(np.abs(np.diff(audio[11990:12000 + fade + 5])) < 0.5 * C / fade * 1.5)


def Fraction_quarter():
    from fractions import Fraction
    return Fraction(1, 4)


def test_tails(impulse_kit, tmp_path):
    write_wav(tmp_path / "kit" / "long.wav", np.ones(30000) * 0.25)
    beat = Beat(bpm=120, kit=tmp_path / "kit")
    beat.track("long", "...............x")  # last 16th: 6000 frames before the end at 48 kHz
    cut = beat.render(bars=1, sample_rate=48000, tail="cut")
    keep = beat.render(bars=1, sample_rate=48000, tail="keep")
    wrap = beat.render(bars=1, sample_rate=48000, tail="wrap")
    assert cut.shape[0] == 96000 and wrap.shape[0] == 96000
    assert keep.shape[0] == 90000 + 30000
    assert np.array_equal(keep[:96000], cut)
    assert np.allclose(wrap[:24000], keep[96000:])
    assert np.allclose(wrap[24000:], cut[24000:])


def test_stems_sum_to_mix(impulse_kit):
    beat = Beat(kit=impulse_kit, bpm=100)
    beat.track("kick", "x..x..x.")
    beat.track("hats", "xxxxxxxx", pad="hat", pan=0.3)
    mix, stems = beat.render_stems(bars=2, sample_rate=48000)
    assert set(stems) == {"kick", "hats"}
    assert np.allclose(stems["kick"] + stems["hats"], mix, atol=1e-6)
    assert np.count_nonzero(stems["kick"][:, 0]) == 12    # 3 hits per half bar, 2 bars
    assert np.count_nonzero(stems["hats"][:, 0]) == 32


def test_render_is_deterministic(impulse_kit, tmp_path):
    beat = Beat(kit="factory", bpm=93, swing=57)
    beat.track("kick", "x..x..x...x.....")
    beat.track("808", "x.......x.......", pitch=-2)
    beat.track("hat", "xxxxxxxxxxxxxxxx", pan=0.2)
    a = beat.render(tmp_path / "a.wav", bars=2)
    b = beat.render(tmp_path / "b.wav", bars=2)
    assert np.array_equal(a, b)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
