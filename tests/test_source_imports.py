"""A pattern file can import modules that sit beside it, as ``python FILE.py`` allows."""

import sys

from beatforge import load_source
from tests.conftest import run_cli


def _project(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "grooves_for_import_test.py").write_text('KICK = "x...x...x...x..."\n')
    (proj / "beat.py").write_text(
        "from beatforge import Beat\n"
        "from grooves_for_import_test import KICK\n"
        "beat = Beat()\n"
        "beat.track('kick', KICK)\n")
    return proj


def test_load_source_imports_a_neighbour_and_restores_sys_path(tmp_path):
    proj = _project(tmp_path)
    before = list(sys.path)
    try:
        beat = load_source(proj / "beat.py")
        assert [h.frame for h in beat.hits(1, 48000)] == [0, 24000, 48000, 72000]
        assert sys.path == before
    finally:
        sys.modules.pop("grooves_for_import_test", None)


def test_render_from_another_folder_imports_a_neighbour(tmp_path):
    proj = _project(tmp_path)
    res = run_cli("render", proj / "beat.py", "-o", tmp_path / "out.wav", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out.wav").is_file()
