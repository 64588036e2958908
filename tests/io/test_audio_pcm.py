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
