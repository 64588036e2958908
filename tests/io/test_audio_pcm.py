"""Integer audio files: our float -> PCM conversion writes the same bytes as libsndfile's."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
import soundfile as sf


@pytest.mark.parametrize("suffix,fmt", [(".wav", "WAV"), (".aiff", "AIFF"), (".flac", "FLAC")])
@pytest.mark.parametrize("bits", [16, 24])
def test_integer_files_are_byte_identical_to_libsndfile_conversion(tmp_path, suffix, fmt, bits):
    from beatforge.io.audio import write_audio

    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-1.3, 1.3, (70000, 2)), rng.integers(-70000, 70000, (5000, 2)) / 65536.0,
                        [[1, -1], [0.99999994, -0.99999994], [0, -0.0]]]).astype(np.float32)
    write_audio(tmp_path / f"ours{suffix}", x, 44100, bits)
    sf.write(tmp_path / f"ref{suffix}", np.clip(x, -1, 1), 44100, subtype=f"PCM_{bits}", format=fmt)
    assert (tmp_path / f"ours{suffix}").read_bytes() == (tmp_path / f"ref{suffix}").read_bytes()


@pytest.mark.parametrize("suffix,fmt,subtype,bits", [(".wav", "WAV", "PCM_16", 16), (".aiff", "AIFF", "PCM_24", 24),
                                                     (".flac", "FLAC", "PCM_24", 24),
                                                     (".mp3", "MP3", "MPEG_LAYER_III", 24)])
def test_files_written_through_our_buffered_file_equal_libsndfile_writing_the_path(tmp_path, suffix, fmt, subtype,
                                                                                  bits):
    """AudioWriter hands libsndfile a buffered Python file (no write per 8 KB, no fsync): same bytes,
    headers rewritten at close included (MP3's LAME info frame is written by seeking back)."""
    from beatforge.io.audio import write_audio

    rng = np.random.default_rng(6)
    x = (rng.uniform(-0.9, 0.9, (50000, 2)) * np.linspace(0, 1, 50000)[:, None]).astype(np.float32)
    write_audio(tmp_path / f"ours{suffix}", x, 44100, bits)
    sf.write(tmp_path / f"ref{suffix}", x, 44100, subtype=subtype, format=fmt)
    assert (tmp_path / f"ours{suffix}").read_bytes() == (tmp_path / f"ref{suffix}").read_bytes()
    assert sorted(q.name for q in tmp_path.iterdir()) == [f"ours{suffix}", f"ref{suffix}"]


@pytest.mark.parametrize("suffix,fmt", [(".wav", "WAV"), (".aiff", "AIFF")])
def test_float_files_carry_no_dated_peak_chunk(tmp_path, suffix, fmt):
    """libsndfile puts a PEAK chunk holding the time of writing into float WAV/AIFF files, so the
    same render a second later would differ; ours leave it out and are otherwise libsndfile's."""
    from beatforge.io.audio import write_audio
    from beatforge.pack.deliver import write_wav

    x = np.random.default_rng(7).uniform(-1.5, 1.5, (30000, 2)).astype(np.float32)
    write_audio(tmp_path / f"ours{suffix}", x, 44100, 32)
    sf.write(tmp_path / f"ref{suffix}", x, 44100, subtype="FLOAT", format=fmt)
    ours, ref = (tmp_path / f"ours{suffix}").read_bytes(), (tmp_path / f"ref{suffix}").read_bytes()
    assert b"PEAK" in ref and b"PEAK" not in ours
    data, rate = sf.read(tmp_path / f"ours{suffix}", dtype="float32")
    assert rate == 44100 and np.array_equal(data, x)       # float keeps even the overs
    assert ours.endswith(ref[-len(x) * 8:])                 # the same samples, byte for byte
    write_wav(tmp_path / "pack.wav", x, 44100, 32)
    assert b"PEAK" not in (tmp_path / "pack.wav").read_bytes()
    assert np.array_equal(sf.read(tmp_path / "pack.wav", dtype="float32")[0], x)


@pytest.mark.parametrize("block", [997, 1 << 16])
def test_streamed_render_equals_the_whole_mix(block):
    from beatforge import Beat
    from beatforge.engine.render import render_hits, stream_hits

    beat = Beat(bpm=133, swing=58, kit="factory")
    beat.track("kick", "x..x..x...x..x..")
    beat.track("snare", "....x.......x..o", pitch=2.5, pan=0.3)
    beat.track("hat", "x.xxx.x.x.xxX.x.")
    beat.track("crash", "x...............")
    kit = beat.load_kit()
    frames = beat.frames(4, 44100)
    hits = beat.hits(4, 44100)
    mix, _ = render_hits(hits, kit, frames, 44100)
    parts = []
    stream_hits(hits, kit, frames, 44100, lambda b: parts.append(b.copy()), block=block)
    np.testing.assert_array_equal(np.concatenate(parts), mix)


@pytest.mark.parametrize("suffix,bits", [(".wav", 16), (".wav", 24), (".wav", 32), (".flac", 24), (".aiff", 16)])
def test_render_file_writes_the_same_bytes_as_render(tmp_path, suffix, bits):
    from beatforge import Beat

    beat = Beat(bpm=97, kit="factory")
    beat.track("kick", "x...x...x..x....")
    beat.track("bass", "x.......x.......", pad="808", pitch=-3)
    beat.render(tmp_path / f"a{suffix}", bars=3, bit_depth=bits)
    beat.render_file(tmp_path / f"b{suffix}", bars=3, bit_depth=bits)
    assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()


EDGES = np.array([0.0, -0.0, 1.0, -1.0, 0.99999994, -0.99999994, 1.0000001, -1.0000001, 2.0, -3.5, 1e30, -1e30,
                  np.inf, -np.inf, np.nan, 1e-45, -1e-45, 2**-31, -(2**-31), 1.5 * 2**-31, 2.5 * 2**-31,
                  -2.5 * 2**-31, 0.5 / 32768, 1.5 / 32768, -0.5 / 32768, 2**-9 + 2**-33, 3.4e38],
                 dtype=np.float32)


@pytest.mark.parametrize("bits", [16, 24])
def test_native_pcm_conversion_equals_the_numpy_reference_on_edge_values(bits):
    from beatforge.io.audio import float_to_pcm, pcm_reference

    x = np.stack([EDGES, EDGES[::-1]], axis=1)
    with np.errstate(invalid="ignore"):
        expected = pcm_reference(x, bits)
    got = float_to_pcm(x, bits)
    assert got.dtype == expected.dtype == (np.int16 if bits == 16 else np.int32)
    np.testing.assert_array_equal(got, expected)
    if bits == 24:
        assert not (got & 0xFF).any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(width=32, allow_nan=True, allow_infinity=True), min_size=1, max_size=300),
       st.sampled_from([16, 24]))
def test_native_pcm_conversion_equals_the_numpy_reference(values, bits):
    from beatforge.io.audio import float_to_pcm, pcm_reference

    x = np.array(values, np.float32)[:, None]
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(float_to_pcm(x, bits), pcm_reference(x, bits))


def test_pcm_conversion_reuses_the_buffer_it_is_given():
    from beatforge.io.audio import float_to_pcm

    buf = np.zeros((100, 2), np.int32)
    x = np.full((60, 2), 0.5, np.float32)
    out = float_to_pcm(x, 24, buf)
    assert out is buf and (buf[:60] == 0x40000000).all() and (buf[60:] == 0).all()
    assert float_to_pcm(np.zeros((200, 2), np.float32), 24, buf).shape == (200, 2)   # too small: a new one
    with pytest.raises(ValueError):
        float_to_pcm(x, 20)
