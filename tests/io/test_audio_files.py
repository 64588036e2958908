"""Files written by the atomic audio writer: permissions and write failures."""

import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

from beatforge.errors import BeatforgeError
from beatforge.io import audio
from beatforge.io.audio import write_audio
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
SILENCE = np.zeros((64, 2), np.float32)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test (restored afterwards)."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_file_gets_the_umask_permissions(tmp_path, umask, mask, expected):
    # the temporary file is private (mkstemp: 0600); the result must not stay that way
    umask(mask)
    out = write_audio(tmp_path / "a.wav", SILENCE, 44100)
    assert _mode(out) == expected


def test_overwritten_file_keeps_its_permissions(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "a.wav"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    write_audio(target, SILENCE, 44100)
    assert _mode(target) == 0o640
    assert target.stat().st_size > 3


def test_render_output_and_stems_are_readable_by_others(tmp_path):
    res = run_cli("render", ROOT / "patterns" / "house.py", "-o", tmp_path / "h.wav", "--bars", "1",
                  "--stems", tmp_path / "stems", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    umask = audio._umask()
    assert _mode(tmp_path / "h.wav") == 0o666 & ~umask
    for stem in (tmp_path / "stems").iterdir():
        assert _mode(stem) == 0o666 & ~umask


def test_temporary_file_that_cannot_be_created_is_a_clear_error(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(audio.tempfile, "mkstemp", refuse)
    with pytest.raises(BeatforgeError, match="cannot write output"):
        write_audio(tmp_path / "a.wav", SILENCE, 44100)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_render_into_a_folder_that_refuses_files_is_one_line(tmp_path):
    # /proc accepts no new files, even for root (whom os.access always lets through)
    res = run_cli("render", ROOT / "patterns" / "house.py", "-o", "/proc/beatforge-test.wav", "--bars", "1",
                  cwd=tmp_path)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().count("\n") == 0 and res.stderr.startswith("error: "), res.stderr


def test_stems_whose_names_clash_are_all_written(tmp_path):
    from beatforge.io.audio import write_stems

    stems = {"hat 1": SILENCE + 0.1, "hat_1": SILENCE + 0.2, "Kick": SILENCE + 0.3, "kick": SILENCE + 0.4,
             "snare": SILENCE + 0.5}
    paths = write_stems(tmp_path / "stems", stems, 44100, 32)
    assert [p.name for p in paths] == ["hat_1.wav", "hat_1_2.wav", "Kick.wav", "kick_2.wav", "snare.wav"]
    import soundfile as sf
    for (name, audio), path in zip(stems.items(), paths):
        assert np.allclose(sf.read(path, dtype="float32")[0], audio), name


def test_render_writes_one_stem_per_track_even_when_names_clash(tmp_path):
    (tmp_path / "b.py").write_text(
        "from beatforge import Beat\n"
        "beat = Beat()\n"
        "beat.track('hat 1', 'x.x.x.x.', pad='hat')\n"
        "beat.track('hat_1', '..x...x.', pad='openhat')\n")
    res = run_cli("render", tmp_path / "b.py", "-o", tmp_path / "b.wav", "--stems", tmp_path / "st", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "st").iterdir()) == ["hat_1.wav", "hat_1_2.wav"]


def test_a_format_error_names_the_output_not_the_temporary_file(tmp_path):
    # MPEG audio has no 96 kHz: libsndfile refuses when the (temporary) file is opened
    with pytest.raises(BeatforgeError) as info:
        write_audio(tmp_path / "a.mp3", SILENCE, 96000)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'a.mp3'}: cannot write output (")
    assert ".part" not in message and "Error opening" not in message, message
    assert "sample rates" in message
    assert list(tmp_path.iterdir()) == []
