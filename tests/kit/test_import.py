import io
import os
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from beatforge import KitError, load_kit
from beatforge.kit import archive
from beatforge.kit.tools import import_kit
from tests.conftest import write_wav
from tests.kit.helpers import hostile_tar, tar_folder, tone, write_h2_kit_09

HOSTILE = ["absolute", "dotdot", "symlink", "abs_symlink", "hardlink", "device", "fifo", "huge"]


def _snapshot(root: Path) -> set:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_archives_are_refused_and_leave_nothing(tmp_path, kind):
    bad = hostile_tar(tmp_path / f"evil-{kind}.h2drumkit", kind)
    kits = tmp_path / "kits"
    kits.mkdir()
    before = _snapshot(tmp_path)
    with pytest.raises(KitError, match="refusing"):
        import_kit(bad, kits)
    assert _snapshot(tmp_path) == before               # no kit, no temp folder, nothing outside
    assert not Path("/tmp/beatforge-evil-absolute").exists()
    assert not (tmp_path.parent / "beatforge-evil-dotdot").exists()


def test_links_inside_the_kit_become_copies(tmp_path):
    ok = hostile_tar(tmp_path / "fine.h2drumkit", "inner_symlink")
    final, kit = import_kit(ok, tmp_path / "kits")
    assert final == tmp_path / "kits" / "Evil"
    copy = final / "kick2.wav"
    assert copy.is_file() and not copy.is_symlink()
    assert copy.read_bytes() == (final / "kick.wav").read_bytes()


def test_size_limits_count_inflated_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1000)
    src = write_h2_kit_09(tmp_path / "src" / "Old", "Old Kit")
    arc = tar_folder(src, tmp_path / "old.h2drumkit")
    with pytest.raises(KitError, match="refusing archive"):
        import_kit(arc, tmp_path / "kits")
    assert list((tmp_path / "kits").iterdir()) == []


def test_zip_bomb_style_member_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 10_000)
    z = tmp_path / "kit.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("K/kick.wav", b"\0" * 1_000_000)
    with pytest.raises(KitError, match="too large"):
        import_kit(z, tmp_path / "kits")
    assert list((tmp_path / "kits").iterdir()) == []


def test_atomic_failure_when_the_kit_does_not_load(tmp_path):
    # a safe archive whose drumkit.xml is broken: extraction succeeds, loading fails
    with tarfile.open(tmp_path / "broken.h2drumkit", "w:gz") as tf:
        data = b"<drumkit_info><name>Broken</name>"
        ti = tarfile.TarInfo("Broken/drumkit.xml")
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    kits = tmp_path / "kits"
    with pytest.raises(KitError, match="malformed"):
        import_kit(tmp_path / "broken.h2drumkit", kits)
    assert list(kits.iterdir()) == []


def test_import_hydrogen_folder_archive_and_sfz(tmp_path):
    kits = tmp_path / "kits"
    src = write_h2_kit_09(tmp_path / "src" / "Folder Name", "Old Kit")
    final, kit = import_kit(src, kits)
    assert final == kits / "Old Kit" and kit.name == "Old Kit" and len(kit.pads) == 2
    with pytest.raises(KitError, match="already installed"):
        import_kit(src, kits)
    final2, _ = import_kit(tar_folder(src, tmp_path / "x.h2drumkit"), kits, replace=True)
    assert final2 == final and sorted(p.name for p in kits.iterdir()) == ["Old Kit"]
    sfz_dir = tmp_path / "sfzsrc"
    write_wav(sfz_dir / "s" / "k.wav", tone(0.5), rate=44100)
    (sfz_dir / "drums.sfz").write_text("<region> sample=s/k.wav key=36\n")
    (sfz_dir / "other.sfz").write_text("<region> sample=s/k.wav key=40\n")
    final3, kit3 = import_kit(sfz_dir / "drums.sfz", kits, name="My SFZ")
    assert final3 == kits / "My SFZ" and kit3.source == "sfz" and kit3.pad(36).name == "kick"
    assert load_kit(final3).pad_names() == ["kick"]


def test_not_a_kit(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(KitError):
        import_kit(tmp_path / "empty", tmp_path / "kits")
    assert list((tmp_path / "kits").iterdir()) == []


def test_imported_sample_folder_and_sfz_keep_their_own_names(tmp_path):
    kits = tmp_path / "kits"
    write_wav(tmp_path / "My Samples" / "kick.wav", tone(0.5), rate=44100)
    final, kit = import_kit(tmp_path / "My Samples", kits)
    assert final == kits / "My Samples" and kit.name == "My Samples"
    sfz_dir = tmp_path / "sfzsrc"
    write_wav(sfz_dir / "k.wav", tone(0.5), rate=44100)
    (sfz_dir / "drums.sfz").write_text("<region> sample=k.wav key=36\n")
    final2, kit2 = import_kit(sfz_dir / "drums.sfz", kits)
    assert final2 == kits / "drums" and kit2.name == "drums"


def test_import_errors_name_the_source_not_the_temporary_copy(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(KitError) as info:
        import_kit(tmp_path / "empty", tmp_path / "kits")
    assert str(tmp_path / "empty") in str(info.value) and ".import-" not in str(info.value)
    junk = tmp_path / "junk.h2drumkit"
    junk.write_text("not an archive")
    with pytest.raises(KitError) as info:
        import_kit(junk, tmp_path / "kits")
    assert "\n" not in str(info.value) and "cannot unpack" in str(info.value)
    assert list((tmp_path / "kits").iterdir()) == []
