"""Mixer set-up errors reach the user as one line, not a traceback."""

import shutil
import sys
from pathlib import Path

import pytest

from beatforge import BeatforgeError
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_mixer_in_the_environment_is_one_line(tmp_path):
    res = run_cli("render", ROOT / "patterns" / "house.py", "-o", tmp_path / "h.wav", "--bars", "1",
                  env={"BEATFORGE_MIXER": "turbo"})
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.strip() == ("error: BEATFORGE_MIXER: unknown mixer 'turbo'; expected one of native, "
                                  "reference")
    assert not (tmp_path / "h.wav").exists() and list(tmp_path.iterdir()) == []


def test_unknown_mixer_is_still_a_value_error():
    import numpy as np

    from beatforge.engine.mixer import VoiceBank

    with pytest.raises(ValueError, match="'turbo'"):
        VoiceBank(1).mix(np.zeros((4, 2), np.float32), mixer="turbo")
    with pytest.raises(BeatforgeError):
        VoiceBank(1).mix(np.zeros((4, 2), np.float32), mixer="turbo")


def test_render_without_the_compiled_mixer_says_how_to_build_it(tmp_path):
    # a copy of the package without the compiled extension, as a source checkout before building
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "beatforge", copy / "beatforge",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__", "*.o"))
    res = run_cli("render", ROOT / "patterns" / "house.py", "-o", tmp_path / "h.wav", "--bars", "1",
                  env={"PYTHONPATH": str(copy)}, cwd=tmp_path)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "C mixer" in lines[0] and "build_mixer.py" in lines[0], res.stderr
    assert not (tmp_path / "h.wav").exists()
