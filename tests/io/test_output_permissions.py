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
