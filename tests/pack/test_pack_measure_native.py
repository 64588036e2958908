"""The native measurement kernels (K-weighted segment energies, 4x true-peak blocks) against the
numpy references in beatforge.pack.deliver."""

from __future__ import annotations

import functools
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from beatforge.pack import deliver

pytestmark = pytest.mark.skipif(deliver._lib is None, reason="C module not built")


@st.composite
def signals(draw, min_frames=1, max_frames=6000, max_channels=2):
    """Silence, full-scale noise, decaying noise bursts or single impulses (often near the
    1024-frame block edges), 1..max_channels channels."""
    n = draw(st.integers(min_frames, max_frames))
    channels = draw(st.integers(1, max_channels))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    kind = draw(st.sampled_from(["silence", "noise", "bursts", "impulses"]))
    rng = np.random.default_rng(seed)
    x = np.zeros((n, channels), np.float32)
    if kind == "noise":
        x[:] = rng.uniform(-1.0, 1.0, (n, channels))
    elif kind == "bursts":
        x[:] = rng.standard_normal((n, channels)) * 0.5 * rng.random((n, 1)) ** 6
    elif kind == "impulses":
        edges = [e + d for e in range(0, n + 1024, 1024) for d in (-7, -6, -1, 0, 1, 5, 6)]
        for _ in range(draw(st.integers(1, 4))):
            pos = draw(st.sampled_from(edges)) % n if draw(st.booleans()) else draw(st.integers(0, n - 1))
            x[pos, draw(st.integers(0, channels - 1))] = draw(st.sampled_from([1.0, -1.0, 0.7, 1e-30]))
    return x


def _all_blocks(x):
    return deliver._block_starts(len(x), min(deliver._BLOCK, len(x)))


@settings(max_examples=150, deadline=None)
@given(signals(), st.booleans())
def test_native_envelope_matches_the_reference(x, circular):
    starts = _all_blocks(x)
    block = min(deliver._BLOCK, len(x))
    ours = deliver._interp_envelope(x, starts, block, circular)
    ref = deliver._interp_envelope_reference(x, starts, block, circular)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6)
    # the returned maximum is the envelope's; as a true peak in dB within 1e-4
    peak = deliver._tp_blocks(np.ascontiguousarray(x), starts, block, circular)
    assert peak == ours.max()
    if ref.max() > 1e-3:
        assert 20 * np.log10(peak) == pytest.approx(20 * np.log10(ref.max()), abs=1e-4)


@settings(max_examples=100, deadline=None)
@given(signals(), st.booleans(), st.sampled_from([0.0, 0.3, 0.9, 1.0]))
def test_native_peak_envelope_and_true_peak_match_the_reference(x, circular, threshold):
    ours_env = deliver.peak_envelope(x, threshold, circular)
    ours_tp = deliver.true_peak_db(x, circular)
    with mock.patch.object(deliver, "_lib", None):
        ref_env = deliver.peak_envelope(x, threshold, circular)
        ref_tp = deliver.true_peak_db(x, circular)
    np.testing.assert_allclose(ours_env, ref_env, rtol=0, atol=1e-6)
    assert (ours_tp is None) == (ref_tp is None)
    if ours_tp is not None:           # both rounded to 0.01 dB from values within 1e-4 dB
        assert ours_tp == pytest.approx(ref_tp, abs=0.01 + 1e-9)


_UNROUNDED = functools.partial(deliver._gated_loudness, ndigits=None)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([8000, 11025, 22050, 44100]), st.data())
def test_native_loudness_matches_the_reference(sr, data):
    x = data.draw(signals(min_frames=int(0.3 * sr), max_frames=int(2.5 * sr), max_channels=5))
    with mock.patch.object(deliver, "_gated_loudness", _UNROUNDED):
        ours = deliver.loudness_lufs(x, sr)
        ref = deliver._lufs_reference(x, sr)
    assert (ours is None) == (ref is None)
    if ours is not None:
        assert ours == pytest.approx(ref, abs=0.001)


@pytest.mark.parametrize("sr", [44100, 44101])        # 100 ms segments, and the general path
def test_native_loudness_of_long_silence_then_a_burst(sr):
    x = np.zeros((sr * 3, 2), np.float32)
    x[-(sr // 2):] = np.random.default_rng(3).uniform(-0.5, 0.5, (sr // 2, 2))
    with mock.patch.object(deliver, "_gated_loudness", _UNROUNDED):
        assert deliver.loudness_lufs(x, sr) == pytest.approx(deliver._lufs_reference(x, sr), abs=0.001)
    assert deliver.loudness_lufs(np.zeros((sr, 2), np.float32), sr) is None


def test_native_filter_output_is_sosfilt_bit_for_bit():
    from scipy.signal import sosfilt
    sr = 48000
    x = np.random.default_rng(4).uniform(-1, 1, (5000, 2)).astype(np.float32)
    xt = np.array(x.T, dtype=np.float64)
    xt[:, ::2] += 1e-12
    xt[:, 1::2] -= 1e-12
    y = sosfilt(deliver._k_weighting(sr), xt, axis=-1)
    assert np.array_equal(deliver._kweight_segments(x, sr, 1), y * y)
    parts = deliver._kweight_segments(x, sr, 4800)
    assert parts.shape == (2, 2)
    np.testing.assert_allclose(parts, np.stack([(y[:, :4800] ** 2).sum(1), (y[:, 4800:] ** 2).sum(1)], axis=1), rtol=1e-12)


def test_native_wrappers_check_their_arguments():
    x = np.zeros((100, 2), np.float32)
    with pytest.raises(ValueError):
        deliver._tp_blocks(x, np.array([0]), 101, True)
    with pytest.raises(ValueError):
        deliver._tp_blocks(x, np.array([1]), 100, True)
    with pytest.raises(ValueError):
        deliver._tp_blocks(x, np.array([-1]), 10, True)
    with pytest.raises(ValueError):
        deliver._tp_blocks(x.astype(np.float64), np.array([0]), 10, True)
    with pytest.raises(ValueError):
        deliver._tp_blocks(x, np.array([0]), 10, True, out=np.zeros(99, np.float32))
    with pytest.raises(ValueError):
        deliver._tp_blocks(x, np.array([0]), 10, True, out=np.zeros((1, 10), np.float32))
    with pytest.raises(ValueError):
        deliver._kweight_segments(x[::2], 44100, 4410)
    with pytest.raises(ValueError):
        deliver._kweight_segments(np.zeros((100, 9), np.float32), 44100, 4410)
    with pytest.raises(ValueError):
        deliver._kweight_segments(x, 44100, 0)
