"""Kit format readers are imported when a kit of that format is loaded, not before."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import soundfile as sf

FORMAT_MODULES = ("beatforge.kit.formats.toml", "beatforge.kit.formats.hydrogen", "beatforge.kit.formats.sfz",
                  "beatforge.kit.formats.folder", "xml.etree.ElementTree", "tomllib")


def _modules_after(code: str) -> set[str]:
    probe = (f"import sys\n{code}\n"
             f"print(' '.join(m for m in {FORMAT_MODULES!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=os.getcwd()))
    return set(out.stdout.split())


def test_importing_the_cli_and_engine_loads_no_kit_format():
    assert _modules_after("import beatforge, beatforge.cli, beatforge.engine.render, beatforge.kit") == set()


def test_each_kit_loads_with_its_own_reader_only(tmp_path):
    sf.write(tmp_path / "kick.wav", np.zeros((100, 1), np.float32), 44100)
    folder = tmp_path / "folderkit"
    folder.mkdir()
    sf.write(folder / "kick.wav", np.full((100, 1), 0.5, np.float32), 44100)
    sfz = tmp_path / "drums.sfz"
    sfz.write_text("<region> sample=kick.wav key=36\n")
    assert _modules_after("from beatforge.kit import load_kit; load_kit('factory')") >= {"beatforge.kit.formats.toml"}
    assert not _modules_after("from beatforge.kit import load_kit; load_kit('factory')") & {
        "beatforge.kit.formats.hydrogen", "beatforge.kit.formats.sfz", "xml.etree.ElementTree"}
    assert _modules_after(f"from beatforge.kit import load_kit; load_kit({str(folder)!r})") == {
        "beatforge.kit.formats.folder"}
    assert _modules_after(f"from beatforge.kit import load_kit; load_kit({str(sfz)!r})") & {
        "beatforge.kit.formats.hydrogen", "beatforge.kit.formats.toml", "tomllib"} == set()
    assert "beatforge.kit.formats.sfz" in _modules_after(f"from beatforge.kit import load_kit; load_kit({str(sfz)!r})")
