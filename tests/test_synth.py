"""Tests for beatforge.synth: determinism, tuning, levels, spectra and the shipped kits."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from beatforge import synth

SR = 44100
ROOT = Path(__file__).resolve().parents[1]
KITS_DIR = ROOT / "kits"

VOICES = {
    "kick": synth.kick,
    "snare": synth.snare,
    "clap": synth.clap,
    "hat": synth.hat,
    "open_hat": synth.open_hat,
    "shaker": synth.shaker,
    "rim": synth.rim,
    "tom": synth.tom,
    "crash": synth.crash,
    "ride": synth.ride,
    "cowbell": synth.cowbell,
    "bass_808": synth.bass_808,
}


@pytest.fixture(scope="module")
def sounds():
    return {name: fn() for name, fn in VOICES.items()}


def _mono(x):
    return x.mean(axis=1) if x.ndim == 2 else x


def _centroid_hz(x):
    power = np.abs(np.fft.rfft(_mono(x).astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / SR)
    return float((power * freqs).sum() / power.sum())


def _rising_crossings(x):
    """Sub-sample positions of upward zero crossings."""
    i = np.nonzero((x[:-1] < 0) & (x[1:] >= 0))[0]
    return i + x[i] / (x[i] - x[i + 1])


@pytest.mark.parametrize("name", sorted(VOICES))
def test_same_seed_same_samples(name):
    a = VOICES[name](seed=7, length_seconds=0.4)
    b = VOICES[name](seed=7, length_seconds=0.4)
    assert a.dtype == np.float32
    assert np.array_equal(a, b)


@pytest.mark.parametrize("name", ["kick", "snare", "clap", "hat", "crash", "ride"])
def test_different_seed_different_noise(name):
    a = VOICES[name](seed=1, length_seconds=0.4)
    assert not np.array_equal(a, VOICES[name](seed=2, length_seconds=0.4))


@pytest.mark.parametrize("name", sorted(VOICES))
def test_levels_dc_and_edges(sounds, name):
    x = sounds[name].astype(np.float64)
    assert x.ndim == 1 or (x.ndim == 2 and x.shape[1] == 2)
    assert np.all(np.isfinite(x))
    peak = np.max(np.abs(x))
    assert peak <= 1.0
    assert peak == pytest.approx(10 ** (-1 / 20), abs=1e-3)  # normalised to -1 dBFS
    assert np.all(np.abs(x.mean(axis=0)) < 1e-3 * peak)  # no DC offset
    assert np.all(x[0] == 0.0) and np.all(x[-1] == 0.0)  # no click at either end
    tail = x[-int(0.01 * SR):]
    assert np.sqrt(np.mean(tail**2)) < 10 ** (-50 / 20) * peak  # decayed to near-silence


def test_stereo_cymbals_and_mono_option(sounds):
    assert sounds["crash"].shape[1] == 2
    assert sounds["ride"].shape[1] == 2
    assert synth.crash(width=0, length_seconds=0.5).ndim == 1


def test_lengths_are_short(sounds):
    for name, x in sounds.items():
        limit = {"bass_808": 2.5, "crash": 2.6, "ride": 2.0}.get(name, 1.5)
        assert len(x) / SR <= limit, name


@pytest.mark.parametrize("note", [24, 29, 31])
def test_808_in_tune(note):
    x = synth.bass_808(note=note).astype(np.float64)
    nominal = synth.midi_to_hz(note)
    seg = x[int(0.3 * SR): int(1.6 * SR)]
    # Zero-crossing period (regression over all cycles) ...
    crossings = _rising_crossings(seg)
    period = np.polyfit(np.arange(len(crossings)), crossings, 1)[0]
    cents = 1200 * np.log2(SR / period / nominal)
    assert abs(cents) < 5, cents
    # ... and the FFT peak (zero-padded Hann window) agree.
    nfft = 2**20
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), nfft))
    freqs = np.fft.rfftfreq(nfft, 1.0 / SR)
    low = freqs < 2 * nominal * 0.9
    peak_hz = freqs[np.argmax(np.where(low, spectrum, 0))]
    assert abs(1200 * np.log2(peak_hz / nominal)) < 5


@pytest.mark.parametrize("kit", sorted(synth.KITS))
def test_shipped_808_in_tune_with_its_root(kit):
    import soundfile as sf

    root = tomllib.loads((KITS_DIR / kit / "kit.toml").read_text(encoding="utf-8"))["pads"]["808"]["root"]
    x, sr = sf.read(str(KITS_DIR / kit / "808.wav"))
    crossings = _rising_crossings(x[int(0.3 * sr): int(1.6 * sr)])
    period = np.polyfit(np.arange(len(crossings)), crossings, 1)[0]
    assert abs(1200 * np.log2(sr / period / synth.midi_to_hz(root))) < 5


def test_kick_pitch_sweeps_down():
    # Clean body only (no click, no drive): a pure swept sine.
    x = synth.kick(pitch_hz=50, sweep_semitones=24, click_level=0, drive=0).astype(np.float64)
    crossings = _rising_crossings(x) / SR
    periods = np.diff(crossings)
    early = 1 / periods[0]
    late = 1 / np.median(periods[(crossings[1:] > 0.15) & (crossings[1:] < 0.4)])
    assert early > 1.7 * late
    assert late == pytest.approx(50, rel=0.03)
    assert np.all(np.diff(1 / periods[:8]) < 0)  # falling cycle after cycle


def test_spectral_balance(sounds):
    assert _centroid_hz(sounds["kick"]) < 200
    assert _centroid_hz(sounds["bass_808"]) < 200
    assert _centroid_hz(sounds["hat"]) > 5000
    assert _centroid_hz(sounds["open_hat"]) > 5000
    assert _centroid_hz(sounds["crash"]) > 3000
    assert _centroid_hz(sounds["shaker"]) > 5000
    assert 400 < _centroid_hz(sounds["snare"]) < 5000
    assert 500 < _centroid_hz(sounds["clap"]) < 5000
    hat = _mono(sounds["hat"]).astype(np.float64)
    power = np.abs(np.fft.rfft(hat)) ** 2
    freqs = np.fft.rfftfreq(len(hat), 1.0 / SR)
    assert power[freqs > 5000].sum() > 0.8 * power.sum()


def test_hats_closed_short_open_long(sounds):
    def t_minus_40db(x):
        env = np.abs(_mono(x))
        return np.nonzero(env > 0.01 * env.max())[0][-1] / SR

    assert t_minus_40db(sounds["hat"]) < 0.15
    assert t_minus_40db(sounds["open_hat"]) > 0.4


def test_lofi_character():
    clean = synth.snare(seed=1)
    dusty = synth.lofi(clean, bits=8, rate_hz=11025)
    assert dusty.dtype == np.float32 and dusty.shape == clean.shape
    assert np.max(np.abs(dusty)) <= 1.0
    assert _centroid_hz(dusty) < _centroid_hz(clean)
    stereo = synth.lofi(synth.crash(length_seconds=0.5), cutoff_hz=6000)
    assert stereo.shape[1] == 2
    with pytest.raises(ValueError):
        synth.lofi(clean, bits=0)


def _biquad_loop(x, b, a):
    """Direct form I, one sample at a time: the textbook IIR filter."""
    b0, b1, b2 = (c / a[0] for c in b)
    a1, a2 = a[1] / a[0], a[2] / a[0]
    y = np.zeros_like(x)
    x1 = x2 = y1 = y2 = 0.0
    for i, v in enumerate(x):
        y[i] = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2, x1, y2, y1 = x1, v, y1, y[i]
    return y


@pytest.mark.parametrize("kind, order", [("lowpass", 2), ("lowpass", 4), ("highpass", 4)])
def test_fft_filters_match_an_iir_loop(kind, order):
    x = np.random.default_rng(0).standard_normal(2000)
    ours = getattr(synth, kind)(x, 1500.0, SR, order=order)
    ref = x
    for q in synth._butter_q(order):
        ref = _biquad_loop(ref, *synth._biquad_coeffs(kind, 1500.0, q, SR))
    assert np.allclose(ours, ref, atol=1e-9)
    # Butterworth: -3 dB at the cutoff, whatever the order.
    impulse = np.zeros(8192)
    impulse[0] = 1.0
    response = np.abs(np.fft.rfft(getattr(synth, kind)(impulse, 1500.0, SR, order=order)))
    at_cutoff = np.interp(1500.0, np.fft.rfftfreq(8192, 1.0 / SR), response)
    assert 20 * np.log10(at_cutoff) == pytest.approx(-3.01, abs=0.05)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="decay_seconds"):
        synth.kick(decay_seconds=0)
    with pytest.raises(ValueError, match="bursts"):
        synth.clap(bursts=0)
    with pytest.raises(ValueError, match="decay_seconds"):
        synth.hat(decay_seconds=-1)
    with pytest.raises(ValueError, match="length_seconds"):
        synth.snare(length_seconds=0)
    with pytest.raises(ValueError, match="pitch_hz"):
        synth.tom(pitch_hz=0)


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_shipped_kits_are_what_the_code_makes(tmp_path):
    synth.build_kits(tmp_path)
    for kit in synth.KITS:
        made = sorted(p.name for p in (tmp_path / kit).iterdir())
        shipped = sorted(p.name for p in (KITS_DIR / kit).iterdir())
        assert made == shipped, kit
        for name in made:
            assert _sha256(tmp_path / kit / name) == _sha256(KITS_DIR / kit / name), (
                f"kits/{kit}/{name} differs from what beatforge.synth makes; "
                "regenerate with `python -m beatforge.synth kits/`")


@pytest.mark.parametrize("kit", sorted(synth.KITS))
def test_kit_toml_is_valid(kit):
    folder = KITS_DIR / kit
    data = tomllib.loads((folder / "kit.toml").read_text(encoding="utf-8"))
    assert data["kit"]["name"] == kit
    assert data["kit"]["license"] == "CC0-1.0"
    assert (folder / "LICENSE").is_file()
    pads = data["pads"]
    for required in ("kick", "snare", "clap", "hat", "openhat", "shaker", "rim", "tom", "lowtom",
                     "midtom", "hightom", "crash", "ride", "808"):
        assert required in pads, required
    notes = [pad["note"] for pad in pads.values()]
    assert len(notes) == len(set(notes)), "two pads share a MIDI note"
    for name, pad in pads.items():
        files = pad["samples"] if "samples" in pad else [pad["sample"]]
        for f in files:
            assert (folder / f).is_file(), f"{kit}/{name}: {f} missing"
        assert 0 <= pad["note"] <= 127
    assert pads["808"]["root"] == 24
    assert pads["hat"]["choke_group"] == "hats"
    assert "hats" in pads["openhat"]["choked_by"]


def test_shipped_wavs_are_24bit_44k():
    import soundfile as sf

    wavs = sorted(KITS_DIR.glob("*/*.wav"))
    assert len(wavs) >= 2 * 14
    for wav in wavs:
        info = sf.info(str(wav))
        assert info.samplerate == 44100 and info.subtype == "PCM_24", wav
        limit = {"808.wav": 2.5, "crash.wav": 2.6, "ride.wav": 2.0}.get(wav.name, 1.5)
        assert info.duration <= limit, wav
        data, _ = sf.read(str(wav), always_2d=True)
        assert np.all(data[0] == 0) and np.all(data[-1] == 0), wav  # no click at either end
        # -1 dBFS peaks; round-robin variants are matched in loudness, so a little lower.
        assert 10 ** (-6 / 20) < np.max(np.abs(data)) <= 10 ** (-1 / 20) + 1e-6, wav
