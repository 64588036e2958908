"""The voice mixer: native C against the numpy reference, exact envelopes, stems, validation."""
import re

import numpy as np
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st

from beatforge.engine.mixer import VOICE_DTYPE, VoiceBank, mixer_name
from beatforge._native._mixer import ffi

MIXERS = ["native", "reference"]


def render(bank, nframes, mixer, nstems=0, blocks=None):
    """Mix `bank` over nframes (optionally in blocks of the given sizes); returns (out, stems)."""
    out = np.zeros((nframes, 2), np.float32)
    stems = np.zeros((nstems, nframes, 2), np.float32) if nstems else None
    if blocks is None:
        bank.mix(out, stems, mixer=mixer)
        return out, stems
    i = 0
    for k in blocks:
        k = min(k, nframes - i)
        o = np.zeros((k, 2), np.float32)
        s = np.zeros((nstems, k, 2), np.float32) if nstems else None
        bank.mix(o, s, mixer=mixer)
        out[i:i + k] = o
        if nstems:
            stems[:, i:i + k] = s
        i += k
        if i == nframes:
            break
    assert i == nframes
    return out, stems


def test_dtype_matches_c_struct():
    assert VOICE_DTYPE.itemsize == ffi.sizeof("bf_voice")
    for name in VOICE_DTYPE.names:
        assert VOICE_DTYPE.fields[name][1] == ffi.offsetof("bf_voice", name)


# -- pass-through and onsets ---------------------------------------------------------------

@pytest.mark.parametrize("mixer", MIXERS)
@pytest.mark.parametrize("interp", ["linear", "cubic"])
def test_impulse_passes_through_bit_exactly(mixer, interp):
    x = np.zeros(32, np.float32)
    x[0] = 1.0
    x[5] = -0.3
    bank = VoiceBank(2)
    bank.set(0, x, offset=17, interp=interp)
    out, _ = render(bank, 100, mixer)
    expected = np.zeros((100, 2), np.float32)
    expected[17] = 1.0
    expected[22] = np.float32(-0.3)
    assert np.array_equal(out, expected)
    v = bank.voices[0]
    assert (v["pos"], v["age"], v["offset"], v["done"]) == (32.0, 32, 0, 1)


@pytest.mark.parametrize("mixer", MIXERS)
def test_arbitrary_sample_rate_one_is_bit_exact(mixer):
    rng = np.random.default_rng(0)
    stereo = rng.standard_normal((300, 2)).astype(np.float32)
    bank = VoiceBank(1)
    bank.set(0, stereo, offset=3, start=10, end=250, pos=4.0)
    out, _ = render(bank, 400, mixer)
    assert np.array_equal(out[3:3 + 236], stereo[14:250])
    assert not out[:3].any() and not out[239:].any()


@pytest.mark.parametrize("mixer", MIXERS)
def test_reverse_and_gains(mixer):
    x = np.arange(1, 11, dtype=np.float32)
    bank = VoiceBank(1)
    bank.set(0, x, start=2, end=7, reverse=True, gain_l=0.5, gain_r=-2.0)
    out, _ = render(bank, 8, mixer)
    np.testing.assert_array_equal(out[:5, 0], np.float32([7, 6, 5, 4, 3]) * np.float32(0.5))
    np.testing.assert_array_equal(out[:5, 1], np.float32([7, 6, 5, 4, 3]) * np.float32(-2.0))
    assert not out[5:].any()


@pytest.mark.parametrize("mixer", MIXERS)
def test_offset_spanning_blocks(mixer):
    x = np.ones(10, np.float32)
    bank = VoiceBank(1)
    bank.set(0, x, offset=150)
    out, _ = render(bank, 300, mixer, blocks=[64] * 5)
    assert not out[:150].any()
    assert (out[150:160] == 1).all() and not out[160:].any()


@pytest.mark.parametrize("mixer", MIXERS)
def test_linear_and_cubic_at_half_sample(mixer):
    x = np.float32([0, 1, 4, 9, 16, 25])
    bank = VoiceBank(2)
    bank.set(0, x, pos=1.5, rate=1.0, interp="linear", end=6, gain_r=0.0)
    bank.set(1, x, pos=1.5, rate=1.0, interp="cubic", end=6, gain_l=0.0)
    out, _ = render(bank, 3, mixer)
    # linear between 1 and 4; Catmull-Rom on a quadratic is exact: 1.5**2
    np.testing.assert_allclose(out[:, 0], [2.5, 6.5, 12.5], rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], [2.25, 6.25, 12.25], rtol=1e-6)


# -- pitch ---------------------------------------------------------------------------------

@pytest.mark.parametrize("mixer", MIXERS)
def test_rate_two_doubles_frequency(mixer):
    sr, f0 = 44100, 441.0
    t = np.arange(sr) / sr
    sine = np.sin(2 * np.pi * f0 * t).astype(np.float32)
    bank = VoiceBank(1)
    bank.set(0, sine, rate=2.0, gain_r=0.0)
    out, _ = render(bank, sr // 2, mixer)
    spectrum = np.abs(np.fft.rfft(out[:, 0].astype(np.float64)))
    peak_hz = np.argmax(spectrum) * sr / (sr // 2)
    assert peak_hz == 2 * f0
    # and it lasts half as long
    assert bank.voices[0]["done"] == 1 and bank.voices[0]["age"] == sr // 2


@pytest.mark.parametrize("mixer", MIXERS)
def test_fractional_rate_length(mixer):
    x = np.ones(100, np.float32)
    bank = VoiceBank(1)
    bank.set(0, x, rate=0.75, interp="linear")
    out, _ = render(bank, 200, mixer)
    n = int(np.ceil(100 / 0.75))   # positions 0, .75, ... < 100
    assert bank.voices[0]["age"] == n
    assert np.count_nonzero(out[:, 0]) == n


# -- envelopes -----------------------------------------------------------------------------

def _levels(mixer, nframes=40, **env):
    bank = VoiceBank(1)
    bank.set(0, np.ones(1000, np.float32), **env)
    out, _ = render(bank, nframes, mixer)
    return out[:, 0].astype(np.float64), bank.voices[0]


@pytest.mark.parametrize("mixer", MIXERS)
def test_attack_hold_decay_sustain(mixer):
    lv, _ = _levels(mixer, attack=4, hold=3, decay=5, sustain=0.5)
    expected = [0, .25, .5, .75, 1, 1, 1, 1, .9, .8, .7, .6] + [.5] * 28
    np.testing.assert_allclose(lv, expected, atol=1e-6)


@pytest.mark.parametrize("mixer", MIXERS)
def test_hold_forever_ignores_decay(mixer):
    lv, _ = _levels(mixer, attack=2, hold=-1, decay=5, sustain=0.1)
    np.testing.assert_allclose(lv, [0, .5] + [1] * 38, atol=1e-6)


@pytest.mark.parametrize("mixer", MIXERS)
def test_release_from_attack(mixer):
    lv, v = _levels(mixer, attack=10, release=4, release_at=6)
    np.testing.assert_allclose(lv[:10], [0, .1, .2, .3, .4, .5, .6, .45, .3, .15], atol=1e-6)
    assert not lv[10:].any()
    assert v["done"] == 1 and v["age"] == 10


@pytest.mark.parametrize("mixer", MIXERS)
def test_zero_release_stops_at_note_off(mixer):
    lv, v = _levels(mixer, release=0, release_at=7)
    assert (lv[:7] == 1).all() and not lv[7:].any()
    assert v["done"] == 1 and v["age"] == 7


@pytest.mark.parametrize("mixer", MIXERS)
def test_kill_fade_multiplies(mixer):
    lv, v = _levels(mixer, decay=8, hold=0, sustain=0.2, kill_at=4, kill_len=5)
    base = np.array([1, .9, .8, .7, .6, .5, .4, .3])
    kill = np.array([1, 1, 1, 1, 1, .8, .6, .4, .2])
    np.testing.assert_allclose(lv[:9], np.r_[base, .2] * kill, atol=1e-6)
    assert not lv[9:].any()
    assert v["done"] == 1 and v["age"] == 9


@pytest.mark.parametrize("mixer", MIXERS)
def test_kill_during_release_first_to_end_wins(mixer):
    lv, v = _levels(mixer, release=10, release_at=2, kill_at=4, kill_len=2)
    np.testing.assert_allclose(lv[:6], [1, 1, 1, .9, .8, .7 * .5], atol=1e-6)
    assert not lv[6:].any() and v["age"] == 6


# -- stems ---------------------------------------------------------------------------------

@pytest.mark.parametrize("mixer", MIXERS)
def test_stems_sum_to_mix(mixer):
    rng = np.random.default_rng(3)
    bank = VoiceBank(6)
    for j, stem in enumerate([0, 1, 2, 0, 1, 2]):
        bank.set(j, rng.standard_normal(200).astype(np.float32), offset=j * 10, stem=stem,
                 rate=0.5 + j * 0.3, gain_l=0.7, gain_r=0.3)
    out, stems = render(bank, 500, mixer, nstems=3)
    np.testing.assert_allclose(stems.sum(axis=0), out, atol=1e-5)
    assert all(stems[k].any() for k in range(3))


@pytest.mark.parametrize("mixer", MIXERS)
def test_unassigned_or_out_of_range_stem_goes_only_to_mix(mixer):
    x = np.ones(8, np.float32)
    bank = VoiceBank(3)
    bank.set(0, x, stem=-1)
    bank.set(1, x, stem=5, offset=10)    # no such stem in this call
    bank.set(2, x, stem=1, offset=20)
    out, stems = render(bank, 30, mixer, nstems=2)
    assert (out[:8] == 1).all() and (out[10:18] == 1).all() and (out[20:28] == 1).all()
    assert not stems[0].any()
    assert (stems[1][20:28] == 1).all() and stems[1].sum() == 16


# -- native vs reference, block continuity -------------------------------------------------

@st.composite
def voice_specs(draw):
    stereo = draw(st.booleans())
    frames = draw(st.integers(1, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    start = draw(st.integers(0, frames - 1))
    end = draw(st.integers(start + 1, frames))
    length = end - start
    spec = dict(
        stereo=stereo, frames=frames, seed=seed, start=start, end=end,
        offset=draw(st.integers(0, 600)),
        rate=draw(st.one_of(st.just(1.0), st.floats(0.25, 4.0))),
        pos=draw(st.one_of(st.just(0.0), st.integers(0, length - 1).map(float),
                           st.floats(0, length, exclude_max=True))),
        reverse=draw(st.booleans()),
        interp=draw(st.sampled_from(["linear", "cubic"])),
        stem=draw(st.integers(-1, 2)),
        gain_l=draw(st.floats(-2, 2)), gain_r=draw(st.floats(-2, 2)),
        attack=draw(st.integers(0, 80)), hold=draw(st.integers(-1, 80)),
        decay=draw(st.integers(0, 80)), sustain=draw(st.floats(0, 1)),
        release=draw(st.integers(0, 80)), release_at=draw(st.integers(-1, 400)),
        kill_at=draw(st.integers(-1, 400)), kill_len=draw(st.integers(1, 80)),
    )
    return spec


STATE_FIELDS = ("offset", "pos", "age", "done")


def build_bank(specs):
    bank = VoiceBank(len(specs) + 1)   # one slot stays unused
    for j, s in enumerate(specs):
        rng = np.random.default_rng(s["seed"])
        shape = (s["frames"], 2) if s["stereo"] else (s["frames"],)
        data = rng.uniform(-1, 1, shape).astype(np.float32)
        kw = {k: v for k, v in s.items() if k not in ("stereo", "frames", "seed")}
        bank.set(j + 1, data, **kw)
    return bank


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(voice_specs(), min_size=1, max_size=6),
       nframes=st.integers(1, 1500),
       blocks=st.lists(st.integers(1, 300), min_size=1, max_size=40))
def test_native_matches_reference_and_blocks_continue(specs, nframes, blocks):
    blocks = (blocks * (nframes // sum(blocks) + 1))
    results = {}
    for mixer in MIXERS:
        bank = build_bank(specs)
        whole, whole_stems = render(bank, nframes, mixer, nstems=3)
        state = bank.voices.copy()
        bank = build_bank(specs)
        split, split_stems = render(bank, nframes, mixer, nstems=3, blocks=blocks)
        # block-by-block rendering is identical to one big block
        assert np.array_equal(whole, split)
        assert np.array_equal(whole_stems, split_stems)
        for f in STATE_FIELDS:
            assert np.array_equal(state[f], bank.voices[f]), f
        results[mixer] = whole, whole_stems, state
    (n_out, n_stems, n_state), (r_out, r_stems, r_state) = results["native"], results["reference"]
    np.testing.assert_allclose(n_out, r_out, atol=1e-5, rtol=0)
    np.testing.assert_allclose(n_stems, r_stems, atol=1e-5, rtol=0)
    for f in STATE_FIELDS:
        assert np.array_equal(n_state[f], r_state[f]), f


def test_env_var_selects_mixer(monkeypatch):
    monkeypatch.setenv("BEATFORGE_MIXER", "reference")
    assert mixer_name() == "reference"
    assert mixer_name("native") == "native"
    monkeypatch.setenv("BEATFORGE_MIXER", "turbo")
    with pytest.raises(ValueError, match="'turbo'"):
        VoiceBank(1).mix(np.zeros((4, 2), np.float32))
    monkeypatch.delenv("BEATFORGE_MIXER")
    assert mixer_name() == "native"


# -- bulk fill -------------------------------------------------------------------------------

@pytest.mark.parametrize("mixer", MIXERS)
def test_from_columns_matches_set(mixer):
    rng = np.random.default_rng(7)
    sources = [rng.standard_normal(300).astype(np.float32), rng.standard_normal((120, 2)).astype(np.float32)]
    n = 50
    source = rng.integers(0, 2, n)
    cols = dict(offset=rng.integers(0, 2000, n), rate=rng.uniform(0.5, 2, n), gain_l=rng.uniform(0, 1, n),
                gain_r=0.5, reverse=rng.integers(0, 2, n).astype(bool), stem=rng.integers(-1, 2, n),
                attack=rng.integers(0, 30, n), release_at=rng.integers(-1, 100, n), release=20,
                interp=np.array(["linear", "cubic"])[rng.integers(0, 2, n)])
    bulk = VoiceBank.from_columns(sources, source, **cols)
    single = VoiceBank(n)
    for j in range(n):
        single.set(j, sources[source[j]], **{k: (v[j] if np.ndim(v) else v) for k, v in cols.items()})
    assert np.array_equal(bulk.voices, single.voices)
    a, sa = render(bulk, 2500, mixer, nstems=2)
    b, sb = render(single, 2500, mixer, nstems=2)
    assert np.array_equal(a, b) and np.array_equal(sa, sb)


def test_slot_helpers():
    bank = VoiceBank(3)
    assert bank.active == 0 and bank.find_free() == 0
    x = np.ones(4, np.float32)
    bank.set(0, x)
    bank.set(1, x, offset=100)
    assert bank.active == 2 and bank.find_free() == 2 and list(bank.free_slots()) == [2]
    render(bank, 10, "native")
    assert bank.active == 1 and bank.find_free() == 0
    bank.clear(1)
    assert bank.active == 0 and bank.find_free(1) == 1
    assert bank.release_finished() == 1 and bank.voices[0]["data"] == 0


# -- validation ------------------------------------------------------------------------------

def test_rejects_bad_sample_data():
    bank = VoiceBank(1)
    with pytest.raises(ValueError, match="float32"):
        bank.set(0, np.zeros(10, np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        bank.set(0, np.zeros((10, 4), np.float32)[:, ::2])
    with pytest.raises(ValueError, match=r"\(10, 3\)"):
        bank.set(0, np.zeros((10, 3), np.float32))
    with pytest.raises(TypeError):
        bank.set(0, [0.0, 1.0])
    assert bank.voices[0]["data"] == 0


@pytest.mark.parametrize("kw, msg", [
    (dict(start=5, end=5), "start=5, end=5"),
    (dict(end=11), "end=11"),
    (dict(start=-1), "start=-1"),
    (dict(rate=0.0), "rate must be finite and > 0, got 0.0"),
    (dict(rate=float("nan")), "rate"),
    (dict(offset=-3), "offset must be 0..4611686018427387904, got -3"),
    (dict(kill_at=2**63 - 1), "kill_at must be -1 (never) or 0..4611686018427387904"),
    (dict(pos=10.0), "pos must be inside the region"),
    (dict(interp="sinc"), "'sinc'"),
    (dict(sustain=1.5), "sustain must be in 0..1, got 1.5"),
    (dict(kill_len=0), "kill_len"),
    (dict(attack=2.5), "whole number"),
])
def test_rejects_bad_parameters(kw, msg):
    with pytest.raises(ValueError, match=re.escape(msg)):
        VoiceBank(1).set(0, np.zeros(10, np.float32), **kw)


def test_rejects_bad_slot():
    with pytest.raises(IndexError):
        VoiceBank(2).set(2, np.zeros(10, np.float32))


@pytest.mark.parametrize("out", [
    np.zeros((10, 2), np.float64),
    np.zeros((10, 3), np.float32),
    np.zeros((10, 4), np.float32)[:, :2],
    np.zeros(20, np.float32),
])
def test_rejects_bad_output(out):
    with pytest.raises(ValueError, match="out must be"):
        VoiceBank(1).mix(out)


def test_rejects_bad_stems():
    with pytest.raises(ValueError, match=r"stems must be .*\(nstems, 10, 2\)"):
        VoiceBank(1).mix(np.zeros((10, 2), np.float32), np.zeros((2, 9, 2), np.float32))


def test_fill_validates_columns():
    bank = VoiceBank(4)
    x = np.zeros(10, np.float32)
    with pytest.raises(ValueError, match="rate must be finite and > 0, got -1.0"):
        bank.fill(0, [x], [0, 0], rate=np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="source index 3"):
        bank.fill(0, [x], [0, 3])
    with pytest.raises(IndexError):
        bank.fill(3, [x], [0, 0])
    with pytest.raises(ValueError, match="voice 1: region"):
        bank.fill(0, [x], [0, 0], end=np.array([10, 11]))


# -- the playhead --------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [1.1, 0.7317, 2**0.5, 1 + 2**-37, 3.999, 0.25 + 2**-45, 48000 / 44100])
@pytest.mark.parametrize("pos", [0.0, 0.3, 1234.5678])
def test_playhead_is_sequential_double_addition(rate, pos):
    """pos advances by `pos += rate` per frame in double precision, whatever the block sizes
    (the C code vectorises this inside binades; 1 + 2**-37 hits rounding ties there)."""
    frames = 70000
    data = np.sin(np.arange(frames) * 0.01).astype(np.float32)
    nframes = 9000
    expected = [pos]
    for _ in range(nframes):
        p = expected[-1]
        expected.append(p + rate if p < frames else p)
    blocks = [1, 7, 256, 300, 1000, 3, 4096, 257] * 3
    outs = {}
    for mixer in MIXERS:
        for how in ("whole", "blocks"):
            bank = VoiceBank(1)
            bank.set(0, data, rate=rate, pos=pos, start=0, end=frames)
            if how == "whole":
                out, _ = render(bank, nframes, mixer)
            else:
                out, _ = render(bank, nframes, mixer, blocks=blocks)
            assert bank.voices[0]["pos"] == expected[bank.voices[0]["age"]]
            outs[mixer, how] = out
    assert np.array_equal(outs["native", "whole"], outs["native", "blocks"])
    assert np.array_equal(outs["reference", "whole"], outs["reference", "blocks"])
    np.testing.assert_allclose(outs["native", "whole"], outs["reference", "whole"], atol=1e-5, rtol=0)


@pytest.mark.parametrize("mixer", MIXERS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("channels", [1, 2])
def test_long_pitched_voice_matches_reference_per_block(mixer, reverse, channels):
    rng = np.random.default_rng(11)
    shape = (5000,) if channels == 1 else (5000, 2)
    data = rng.uniform(-1, 1, shape).astype(np.float32)
    bank = VoiceBank(2)
    bank.set(0, data, rate=0.8123, start=3, end=4990, reverse=reverse, attack=500, release_at=5000,
             release=700, gain_l=0.9, gain_r=0.4, stem=0)
    bank.set(1, data, rate=1.0, pos=17.0, reverse=not reverse, interp="linear", kill_at=3000, kill_len=999)
    out, stems = render(bank, 7000, mixer, nstems=1, blocks=[64, 128, 256, 97] * 40)
    ref = VoiceBank(2)
    ref.voices[:] = bank.voices
    ref.set(0, data, rate=0.8123, start=3, end=4990, reverse=reverse, attack=500, release_at=5000,
            release=700, gain_l=0.9, gain_r=0.4, stem=0)
    ref.set(1, data, rate=1.0, pos=17.0, reverse=not reverse, interp="linear", kill_at=3000, kill_len=999)
    expected, expected_stems = render(ref, 7000, "reference", nstems=1)
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)
    np.testing.assert_allclose(stems, expected_stems, atol=1e-5, rtol=0)
    assert out[5600:5700].any() and not out[5700:].any()   # release ends voice 0 at 5700


def test_benchmark_script_runs(capsys):
    """Smoke test only (tiny size, no timing asserts): the benchmark keeps working."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "mixer.py"
    spec = importlib.util.spec_from_file_location("beatforge_mixer_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--minutes", "0.02", "--reps", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["unpitched", "pitched", "pitched", "live"]
    for line in lines[:3]:   # native and reference agree on the busy beat
        assert float(line.split("max|diff|=")[1]) < 1e-5
