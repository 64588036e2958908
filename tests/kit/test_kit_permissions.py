"""Kit folders made by chop, Kit.save and import are as readable as any new folder (the
umask's permissions), not left private like the temporary folders they are built in."""

import os
import stat
import tarfile

import numpy as np
import pytest

from beatforge import Kit, Sample
from beatforge.kit.chop import chop_to_kit
from beatforge.kit.tools import import_kit
from tests.kit.helpers import h2_instrument_1x, write_h2_kit_1x


@pytest.fixture(autouse=True)
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _assert_public(folder):
    assert _mode(folder) == 0o755
    for f in folder.iterdir():
        assert _mode(f) == (0o755 if f.is_dir() else 0o644), f


def test_chop_writes_a_folder_others_can_read(tmp_path):
    loop = Sample(np.tile(np.r_[np.ones(100), np.zeros(4310)].astype(np.float32), 4)[:, None], 44100)
    loop.write(tmp_path / "loop.wav")
    out = chop_to_kit(tmp_path / "loop.wav", tmp_path / "chopped", slices=4)
    _assert_public(out)


def test_saved_kit_folder_is_readable(tmp_path):
    kit = Kit("mine")
    kit.add_pad("kick", Sample(np.ones((64, 1), np.float32), 44100), note=36)
    _assert_public(kit.save(tmp_path / "mine"))


def test_imported_flat_archive_is_readable(tmp_path):
    # an archive with the kit's files at its top level (no folder around them)
    src = write_h2_kit_1x(tmp_path / "src", "Flat Kit",
                          [h2_instrument_1x(0, "Kick", [("k.wav", 0, 1, 1, 0)], note=36)], {"k.wav": 0.5})
    arc = tmp_path / "flat.h2drumkit"
    with tarfile.open(arc, "w:gz") as tf:
        for f in src.iterdir():
            tf.add(f, arcname=f.name)
    final, kit = import_kit(arc, tmp_path / "kits")
    assert kit.name == "Flat Kit"
    _assert_public(final)
