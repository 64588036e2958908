"""Measurement and writers: true peak, loudness, limiter, tag overlay, MP3/ID3, PNG, zip, atomic writes."""

from __future__ import annotations

import struct
import zipfile
import zlib

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from scipy.signal import upfirdn

from beatforge.pack import deliver

SR = 44100


def drums(seconds=3.0, seed=0, sr=SR):
    """Decaying noise bursts and a sine: peaky, with silence between hits (like a drum loop)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    x = np.zeros((n, 2), np.float32)
    for start in range(0, n, sr // 4):
        m = min(sr // 5, n - start)
        env = np.exp(-np.arange(m) / (sr * 0.03))
        burst = rng.standard_normal(m) * env * 0.4 + np.sin(np.arange(m) * 2 * np.pi * 55 / sr) * env * 0.6
        x[start:start + m] += np.stack([burst, burst * 0.8], axis=1)
    return x


def reference_true_peak(x, circular=True):
    """Interpolate every sample with the same 4x filter (no block pruning), in float64."""
    h = deliver._TP_H.astype(np.float64)
    pad = 16
    if circular:
        xp = np.concatenate([x[-pad:], x, x[:pad]]).astype(np.float64)
    else:
        z = np.zeros((pad, x.shape[1]))
        xp = np.concatenate([z, x, z])
    y = upfirdn(h, xp, 4, 1, axis=0)[24 + 4 * pad:24 + 4 * pad + 4 * len(x)]
    return 20 * np.log10(max(np.abs(y).max(), np.abs(x).max()))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("circular", [True, False])
def test_true_peak_matches_full_oversampling(seed, circular):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(100, 60000))
    x = (rng.standard_normal((n, 2)) * rng.random((n, 1)) ** 4).astype(np.float32)
    # 0.005 from rounding, 0.0075 because phase 0 is taken as the samples themselves
    assert deliver.true_peak_db(x, circular) == pytest.approx(reference_true_peak(x, circular), abs=0.015)


def test_true_peak_finds_inter_sample_peaks():
    # a quarter-rate sine sampled 45 degrees off its crests: samples at -3 dB, true peak 0 dBTP
    t = np.arange(SR)
    x = np.sin(2 * np.pi * t / 4 + np.pi / 4)[:, None].repeat(2, axis=1).astype(np.float32)
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-3.01, abs=0.01)
    assert deliver.true_peak_db(x) == pytest.approx(0.0, abs=0.05)
    assert deliver.true_peak_db(np.zeros((100, 2), np.float32)) is None


@pytest.mark.parametrize("sr", [22050, 44100, 48000])
def test_loudness_agrees_with_pyloudnorm(sr):
    x = drums(2.5, sr=sr)
    ours = deliver.loudness_lufs(x, sr)
    theirs = pyloudnorm.Meter(sr).integrated_loudness(x.astype(np.float64))
    assert ours == pytest.approx(theirs, abs=0.01)
    assert deliver.loudness_lufs(x[: int(0.3 * sr)], sr) is None
    assert deliver.loudness_lufs(np.zeros((sr, 2), np.float32), sr) is None


def test_limiter_keeps_true_peak_under_ceiling_and_never_adds_gain():
    x = drums() * 3
    y = deliver.limit(x, SR, -1.0)
    assert reference_true_peak(y) <= -1.0 + 1e-3
    assert np.all(np.abs(y) <= np.abs(x) + 1e-7)
    quiet = drums() * 0.1
    assert np.array_equal(deliver.limit(quiet, SR, -1.0), quiet)


def test_box_smoothing_never_exceeds_the_requirement():
    rng = np.random.default_rng(1)
    for width in (1, 2, 5, 64, 301):
        g = rng.random(4000).astype(np.float32)
        assert np.all(deliver._box_min_avg(g, width) <= g + 1e-6)


@pytest.mark.parametrize("target", [-20.0, -14.0])
def test_normalize_hits_loudness_under_the_ceiling(target):
    y = deliver.normalize(drums(), SR, target, -1.0)
    assert pyloudnorm.Meter(SR).integrated_loudness(y.astype(np.float64)) == pytest.approx(target, abs=0.3)
    assert reference_true_peak(y) <= -1.0 + 1e-3


def test_overlay_tag_places_the_tag_every_n_seconds():
    mix = np.zeros((SR * 5, 2), np.float32)
    tag = np.ones((100, 2), np.float32)
    out = deliver.overlay_tag(mix, tag, SR, 2.0, -6.0)
    starts = np.flatnonzero(np.diff(np.concatenate([[0], out[:, 0] > 0]).astype(int)) == 1)
    assert list(starts) == [0, 2 * SR, 4 * SR]
    assert out[0, 0] == pytest.approx(10 ** (-6 / 20), rel=1e-6)


def test_mp3_is_320k_cbr_with_id3_tags_and_deterministic(tmp_path):
    from mutagen.mp3 import MP3, BitrateMode

    x = drums(2.0)
    tags = {"title": "Night Drive", "artist": "DJ Test", "album": "Pack", "bpm": "140", "key": "Fm",
            "genre": "Trap", "mood": "dark", "comment": "Mood: dark; Tags: night"}
    a, b = tmp_path / "a.mp3", tmp_path / "b.mp3"
    deliver.write_mp3(a, x, SR, tags)
    deliver.write_mp3(b, x, SR, tags)
    assert a.read_bytes() == b.read_bytes()
    m = MP3(a)
    assert abs(m.info.bitrate - 320000) <= 100 and m.info.sample_rate == SR
    assert m.info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    t = m.tags
    assert t.version[:2] == (2, 3)
    assert str(t["TIT2"]) == "Night Drive" and str(t["TPE1"]) == "DJ Test" and str(t["TBPM"]) == "140"
    assert str(t["TKEY"]) == "Fm" and str(t["TCON"]) == "Trap" and str(t["TXXX:MOOD"]) == "dark"
    assert "night" in str(t.getall("COMM")[0])
    assert not any(k.startswith(("TDRC", "TYER", "TDAT", "TIME", "TDEN", "TDTG")) for k in t.keys())
    data, sr = sf.read(a)
    assert sr == SR and len(data) == len(x)
    assert list(tmp_path.iterdir()) == [a, b] or sorted(tmp_path.iterdir()) == [a, b]


def test_mp3_rate_for_rates_mpeg_cannot_encode():
    assert deliver.mp3_rate(44100) == 44100 and deliver.mp3_rate(96000) == 48000 and deliver.mp3_rate(88200) == 44100


def test_waveform_png_is_valid_and_has_no_timestamp():
    png = deliver.waveform_png(drums(1.0), width=120, height=40)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + data)
        chunks[kind] = data
        pos += 12 + length
    assert list(chunks) == [b"IHDR", b"PLTE", b"IDAT", b"IEND"]
    w, h, depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (w, h, depth, ctype) == (120, 40, 8, 3)
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == h * (w + 1)
    img = np.frombuffer(raw, np.uint8).reshape(h, w + 1)[:, 1:]
    assert (img == 2).any(axis=0).all()  # the wave is drawn in every column


def test_zip_is_deterministic_sorted_and_dated_1980(tmp_path):
    (tmp_path / "b.wav").write_bytes(b"RIFF....")
    (tmp_path / "a.txt").write_text("license\n")
    entries = [("X/b.wav", tmp_path / "b.wav"), ("X/a.txt", tmp_path / "a.txt")]
    deliver.write_zip(tmp_path / "1.zip", entries)
    deliver.write_zip(tmp_path / "2.zip", list(reversed(entries)))
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "1.zip") as z:
        assert z.testzip() is None
        assert z.namelist() == ["X/a.txt", "X/b.wav"]
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
        assert z.read("X/a.txt") == b"license\n"


def test_atomic_path_leaves_nothing_behind_on_error(tmp_path):
    target = tmp_path / "f.wav"
    with pytest.raises(RuntimeError):
        with deliver.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    deliver.write_wav(target, drums(0.5), SR, 24)
    assert [p.name for p in tmp_path.iterdir()] == ["f.wav"]
    assert sf.info(str(target)).subtype == "PCM_24"


def test_mp3_from_a_rate_mpeg_cannot_encode_is_resampled(tmp_path):
    x = drums(1.0, sr=96000)
    rate = deliver.write_mp3(tmp_path / "hi.mp3", x, 96000)
    data, sr = sf.read(str(tmp_path / "hi.mp3"))
    assert rate == sr == 48000 and len(data) == len(x) // 2
