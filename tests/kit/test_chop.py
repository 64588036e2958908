import numpy as np
import pytest
import soundfile as sf

from beatforge import KitError, Sample, load_kit, load_source, synth
from beatforge.kit.chop import chop_to_kit, cut_points, detect_onsets, guess_bars

RATE = 44100


def make_loop(jitter=True, seed=1):
    """Two bars at 95 bpm of kick/snare/quiet hats, hits nudged off the grid; returns (audio, onsets)."""
    step = int(RATE * 60 / 95 / 4)
    sounds = {"k": synth.kick(seed=seed), "s": synth.snare(seed=seed), "h": synth.hat(decay_seconds=0.05) * 0.25}
    pattern = "k.h.s.hhk.h.s.hkk.h.s.hhk.h.s.h."
    rng = np.random.default_rng(seed)
    loop = np.zeros(step * 32 + RATE)
    truth = []
    for i, c in enumerate(pattern):
        if c == ".":
            continue
        pos = i * step + (int(rng.integers(-300, 300)) if jitter and i else 0)
        loop[pos: pos + len(sounds[c])] += sounds[c]
        truth.append(pos)
    loop = loop[: step * 32] * 0.7
    loop += rng.normal(0, 1e-4, len(loop))          # a little noise floor
    return loop.astype(np.float32), truth


def test_onsets_within_5_ms():
    loop, truth = make_loop()
    found = detect_onsets(loop, RATE)
    assert len(found) == len(truth)
    err_ms = np.abs(np.array(found) - np.array(truth)) / RATE * 1000
    assert err_ms.max() < 5.0, err_ms
    assert Sample(loop, RATE).onsets() == found


def test_onsets_on_stereo_and_silence():
    assert detect_onsets(np.zeros((RATE, 2), np.float32), RATE) == []
    loop, truth = make_loop(seed=2)
    stereo = np.stack([loop, loop * 0.5], axis=1)
    found = detect_onsets(stereo, RATE)
    assert len(found) == len(truth)


def test_equal_slices_and_crossfades_reconstruct():
    loop, _ = make_loop(jitter=False)
    s = Sample(loop, RATE)
    pieces = s.chop(8)
    points = cut_points(s, slices=8)
    assert points[0] == 0 and len(points) == 8
    rebuilt = np.zeros(s.frames + RATE, np.float32)
    for p, piece in zip(points, pieces):
        rebuilt[p: p + piece.frames] += piece.data[:, 0]
    np.testing.assert_allclose(rebuilt[: s.frames], loop, atol=1e-6)
    # each cut fades: no piece starts (after the first) or ends (before the last) abruptly
    for piece in pieces[1:]:
        assert abs(piece.data[0, 0]) <= np.abs(piece.data[:50, 0]).max() * 0.1 + 1e-6
    with pytest.raises(ValueError):
        s.chop()


def test_sample_editing_methods(tmp_path):
    data = np.concatenate([np.zeros(100), np.linspace(0, 0.5, 50), np.full(50, -0.5), np.zeros(100)])
    s = Sample(data.astype(np.float32), 1000)
    assert s.trim().frames == 99 and s.trim().data[0, 0] > 0     # the ramp starts at an exact 0
    assert np.isclose(np.abs(s.normalise().data).max(), 1.0)
    assert np.isclose(np.abs(s.normalise(-6).data).max(), 10 ** (-6 / 20), atol=1e-6)
    assert np.array_equal(s.reverse().data[:, 0], data[::-1].astype(np.float32))
    assert s.slice(0.1, 0.2).frames == 100 and s.slice(-0.1).frames == 100
    faded = Sample(np.ones(1000, np.float32), 1000).fade(0.1, 0.1)
    assert faded.data[0, 0] == 0 and faded.data[500, 0] == 1 and faded.data[-1, 0] < 0.02
    path = s.normalise().write(tmp_path / "x.wav")
    again = Sample.load(path)
    assert again.frames == s.frames and again.sample_rate == 1000


def test_guess_bars():
    assert guess_bars(4.0, None) == (2, 120.0)
    assert guess_bars(2.0, 120) == (1, 120.0)
    bars, bpm = guess_bars(5.0, 92)
    assert bars == 2 and abs(bpm - 96) < 1e-9


def test_chop_to_kit_replays_the_loop(tmp_path):
    loop, truth = make_loop()
    sf.write(tmp_path / "loop.wav", loop, RATE, subtype="FLOAT")
    out = chop_to_kit(tmp_path / "loop.wav", tmp_path / "chopped", onsets=True, bpm=95)
    kit = load_kit(out)
    assert kit.pad_names()[:3] == ["slice01", "slice02", "slice03"] and len(kit.pads) == len(truth)
    assert kit.pad(36).name == "slice01"
    beat = load_source(out / "pattern.py")
    audio = beat.render(tmp_path / "replay.wav")
    assert audio.shape[0] == len(loop)
    mono = audio[:, 0] / np.cos(np.pi / 4)          # centre pan: -3 dB per side
    err = np.sqrt(np.mean((mono - loop) ** 2)) / np.sqrt(np.mean(loop ** 2))
    assert err < 0.01, err


def test_chop_refuses_a_used_folder_and_leaves_nothing(tmp_path):
    loop, _ = make_loop()
    sf.write(tmp_path / "loop.wav", loop, RATE)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x.txt").write_text("mine")
    with pytest.raises(KitError, match="not an empty folder"):
        chop_to_kit(tmp_path / "loop.wav", tmp_path / "used", slices=4)
    with pytest.raises(KitError):
        chop_to_kit(tmp_path / "loop.wav", tmp_path / "new", slices=10 ** 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop.wav", "used"]


def test_chop_a_short_phrase(tmp_path):
    phrase = np.concatenate([synth.snare(seed=4)[:8000], synth.kick()[:6000]]).astype(np.float32) * 0.5
    sf.write(tmp_path / "phrase.wav", phrase, RATE, subtype="FLOAT")
    assert guess_bars(len(phrase) / RATE, None) == (1, 120.0)
    out = chop_to_kit(tmp_path / "phrase.wav", tmp_path / "p", onsets=True)
    assert len(load_kit(out).pads) == 2
    audio = load_source(out / "pattern.py").render()
    assert audio.shape == (RATE * 2, 2)                      # one bar at 120 bpm
    mono = audio[: len(phrase), 0] / np.cos(np.pi / 4)
    assert np.abs(mono - phrase).max() < 0.02
    assert np.abs(audio[len(phrase) + 10:]).max() == 0
