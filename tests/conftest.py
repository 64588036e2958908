"""Shared fixtures: small generated kits and a helper that runs the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args, cwd=None, env=None, timeout=120, input=None) -> subprocess.CompletedProcess:
    """Run ``beatforge ARGS`` in a fresh interpreter, as a user would, and capture its output."""
    import beatforge

    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(Path(beatforge.__file__).resolve().parent.parent) + os.pathsep + full_env.get(
        "PYTHONPATH", "")
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "beatforge", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, input=input)


def write_wav(path: Path, data, rate: int = 48000, subtype: str = "FLOAT") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.asarray(data, dtype=np.float32), rate, subtype=subtype)
    return path


@pytest.fixture
def impulse_kit(tmp_path) -> Path:
    """A folder kit whose pads are single-sample impulses (1.0, then zeros) at 48 kHz."""
    folder = tmp_path / "impulse_kit"
    imp = np.zeros(64, np.float32)
    imp[0] = 1.0
    for name in ("kick", "snare", "hat", "openhat", "clap"):
        write_wav(folder / f"{name}.wav", imp)
    return folder


@pytest.fixture
def cli():
    return run_cli
