"""Integer audio files: our float -> PCM conversion writes the same bytes as libsndfile's."""

import numpy as np
import pytest
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
