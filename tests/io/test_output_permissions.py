"""Outputs get ordinary file permissions (0666 minus the umask), not mkstemp's owner-only 0600."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from beatforge import Beat


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield 0o644
    os.umask(old)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_rendered_audio_is_readable_by_others(tmp_path, umask_022):
    from beatforge.io.audio import write_audio

    beat = Beat(bpm=120)
    beat.track("kick", "x...")
    out = tmp_path / "beat.wav"
    beat.render(out)
    assert mode(out) == umask_022
    beat.render_file(tmp_path / "streamed.flac")
    assert mode(tmp_path / "streamed.flac") == umask_022
    write_audio(tmp_path / "w.wav", np.zeros((10, 2), np.float32), 44100)
    assert mode(tmp_path / "w.wav") == umask_022


def test_jam_saves_are_readable_by_others(tmp_path, umask_022):
    from fractions import Fraction

    from beatforge.live.jam import _write_text
    from beatforge.live.save import write_midi

    write_midi(tmp_path / "rec.mid", [(Fraction(0), 36, 100)], [(Fraction(0), 120.0)])
    assert mode(tmp_path / "rec.mid") == umask_022
    _write_text(tmp_path / "jam.py", "beat = None\n")
    assert mode(tmp_path / "jam.py") == umask_022


def test_replacing_an_output_swaps_it_in_atomically(tmp_path, monkeypatch):
    import os
    import sys

    from beatforge.io import tmpfile

    dst, src = tmp_path / "out.wav", tmp_path / ".out.wav.part"
    dst.write_bytes(b"old")
    src.write_bytes(b"new")
    replace_file = tmpfile.replace_file
    if sys.platform.startswith("linux") and tmpfile._exchange() is not None:
        # the swap path: os.replace is not used for an existing regular file
        monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(AssertionError("os.replace used")))
    replace_file(src, dst)
    assert dst.read_bytes() == b"new" and not src.exists()
    monkeypatch.undo()
    # no file there yet, or a folder in the way: plain os.replace behaviour
    src.write_bytes(b"first")
    replace_file(src, tmp_path / "fresh.wav")
    assert (tmp_path / "fresh.wav").read_bytes() == b"first" and not src.exists()
    (tmp_path / "folder").mkdir()
    src.write_bytes(b"x")
    with pytest.raises(IsADirectoryError):
        replace_file(src, tmp_path / "folder")
    assert (tmp_path / "folder").is_dir() and src.read_bytes() == b"x"


def test_re_rendering_keeps_one_file_with_the_new_audio(tmp_path):
    import soundfile as sf

    from beatforge.io.audio import write_audio

    out = tmp_path / "beat.wav"
    write_audio(out, np.zeros((1000, 2), np.float32), 44100)
    write_audio(out, np.full((500, 2), 0.25, np.float32), 44100)
    data, _ = sf.read(out)
    assert data.shape == (500, 2) and np.allclose(data, 0.25, atol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["beat.wav"]
