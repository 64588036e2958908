import math
from pathlib import Path

import numpy as np
import pytest

from beatforge import Beat, KitError, load_kit
from beatforge.engine.render import plan_voices, render_hits
from beatforge.kit.formats import hydrogen
from beatforge.kit.resolve import find_kit
from beatforge.sequence import Hit
from tests.kit.helpers import h2_instrument_1x, tar_folder, write_h2_kit_09, write_h2_kit_1x

H2_SYSTEM = Path("/usr/share/hydrogen/data/drumkits")


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def _kit_1x(folder):
    inst = [
        h2_instrument_1x(0, "Kick", [("k_soft.wav", 0, 0.5, 1, 0), ("k_hard.wav", 0.5, 1, 0.5, 2)], note=36),
        h2_instrument_1x(1, "Snare", [("s1.wav", 0, 1, 1, 0), ("s2.wav", 0, 1, 1, 0), ("s3.wav", 0, 1, 1, 0)],
                         note=38, algo="ROUND_ROBIN"),
        h2_instrument_1x(2, "Shaker", [("s1.wav", 0, 1, 1, 0), ("s2.wav", 0, 1, 1, 0), ("s3.wav", 0, 1, 1, 0)],
                         note=70, algo="RANDOM"),
        h2_instrument_1x(3, "Hat Closed", [("h.wav", 0, 1, 1, 0)], note=42, mute=1),
        h2_instrument_1x(4, "Hat Open", [("oh.wav", 0, 1, 1, 0)], note=46, mute=1),
    ]
    samples = {"k_soft.wav": 0.1, "k_hard.wav": 0.9, "s1.wav": 0.1, "s2.wav": 0.2, "s3.wav": 0.3,
               "h.wav": 0.4, "oh.wav": 0.6}
    return write_h2_kit_1x(folder, "Test Kit 1x", inst, samples)


def test_1x_kit_layers_notes_and_selection(tmp_path):
    kit = load_kit(_kit_1x(tmp_path / "kit1x"))
    assert kit.name == "Test Kit 1x" and kit.source == "hydrogen" and kit.problems == []
    kick = kit.pad("kick")
    assert kit.pad(36) is kick and kick.note == 36
    assert [(l.vel_lo, l.vel_hi) for l in kick.layers] == [(0, 63), (64, 127)]
    rng = np.random.default_rng(0)
    soft, hard = kick.choose(40, None, 0, rng), kick.choose(120, None, 0, rng)
    assert soft.path.name == "k_soft.wav" and hard.path.name == "k_hard.wav"
    assert hard.tune == 2 and math.isclose(hard.gain_db, 20 * math.log10(0.5))
    snare = kit.pad(38)
    assert snare.selection == "round_robin"
    assert [snare.choose(100, None, n, rng).path.name for n in range(4)] == ["s1.wav", "s2.wav", "s3.wav", "s1.wav"]
    shaker = kit.pad("shaker")
    assert shaker.selection == "random"
    picks = lambda seed: [shaker.choose(100, None, n, np.random.default_rng(seed)).path.name for n in range(1)]
    assert picks(5) == picks(5)
    seq = [shaker.choose(100, None, n, r).path.name for r in [np.random.default_rng(1)] for n in range(30)]
    assert set(seq) == {"s1.wav", "s2.wav", "s3.wav"}


def test_gm_names_find_pads_by_the_kit_notes(tmp_path):
    kit = load_kit(_kit_1x(tmp_path / "kit1x"))
    assert kit.pad("hh").name == "Hat Closed"       # alias "hatclosed"
    assert kit.pad("oh").name == "Hat Open"
    assert kit.pad(46).name == "Hat Open"
    assert kit.pad("maracas").name == "Shaker"


def test_mute_group_chokes_the_other_instruments_only(tmp_path):
    kit = load_kit(_kit_1x(tmp_path / "kit1x"))
    hat, ohat = kit.pad("Hat Closed"), kit.pad("Hat Open")
    assert hat.choke_group == ohat.choke_group == "mute1" and not hat.choke_self
    # open hat, open hat again, then closed hat: the first open hat keeps ringing under the
    # second (no self choke); the closed hat cuts the open hat, over Hydrogen's release time.
    hits = [Hit(0, "h", "Hat Open", 127), Hit(10, "h", "Hat Open", 127), Hit(20, "h", "Hat Closed", 127)]
    specs, cuts = plan_voices(hits, kit, 44100)
    assert cuts == {0: (20, 1000), 1: (20, 1000)}   # fade: Release 1000 frames
    mix, _ = render_hits(hits, kit, 100, 44100)
    assert mix[15, 0] > mix[5, 0] * 1.5          # both open hats sound together


def test_09_kit_old_schema(tmp_path):
    kit = load_kit(write_h2_kit_09(tmp_path / "old", "Old Kit"))
    kick = kit.pad("kick")
    assert kick.note == 36                        # no midiOutNote: 36 + id, like Hydrogen
    assert len(kick.layers) == 1 and kick.layers[0].path.name == "kick.wav"
    assert math.isclose(kick.gain_db, 20 * math.log10(0.5))
    assert math.isclose(kick.pan, -0.5)           # pan_L 1, pan_R 0.5
    snare = kit.pad("snare")
    assert snare.note == 37 and snare.random_pitch == 0.5
    assert [(l.vel_lo, l.vel_hi, l.tune) for l in snare.layers] == [(0, 63, -2.0), (64, 127, 0.0)]
    env = snare.envelope
    assert math.isclose(env.attack, 0.01) and math.isclose(env.decay, 0.1) and env.sustain == 0.5
    assert env.hold == 0.0 and math.isclose(env.release, 0.05)


def test_velocity_range_conversion():
    assert hydrogen.velocity_range(0, 1) == (0, 127)
    assert hydrogen.velocity_range(0.202899, 0.369565) == (26, 46)
    lo, hi = hydrogen.velocity_range(0.2, 0.201)     # a sliver between integers still gets one velocity
    assert lo == hi
    assert hydrogen.ratio_pan(1, 1) == 0 and hydrogen.ratio_pan(0, 1) == 1 and hydrogen.ratio_pan(1, 0) == -1


def test_missing_sample_is_a_problem_not_a_load_error(tmp_path):
    folder = _kit_1x(tmp_path / "k")
    (folder / "oh.wav").unlink()
    kit = load_kit(folder)
    assert any("oh.wav" in p for p in kit.problems)


def test_malformed_xml_is_a_kit_error(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "drumkit.xml").write_text("<drumkit_info><name>x</name>")
    with pytest.raises(KitError, match="malformed XML"):
        load_kit(folder)


def test_archive_loads_from_the_cache(tmp_path):
    src = _kit_1x(tmp_path / "src" / "ArchKit")
    archive = tar_folder(src, tmp_path / "ArchKit.h2drumkit")
    kit = load_kit(archive)
    assert kit.name == "Test Kit 1x" and len(kit.pads) == 5
    assert str(kit.path).startswith(str(tmp_path / "cache"))
    assert kit.pad("kick").layers[0].sample.frames == 64
    again = hydrogen.extract_cached(archive)
    assert again == kit.path


def test_find_kit_by_declared_name(tmp_path, monkeypatch):
    _kit_1x(tmp_path / "kits" / "folder_name_differs")
    monkeypatch.setenv("BEATFORGE_KIT_PATH", str(tmp_path / "kits"))
    assert find_kit("Test Kit 1x").name == "folder_name_differs"
    assert find_kit("test-kit-1x").name == "folder_name_differs"
    assert load_kit("folder_name_differs").name == "Test Kit 1x"


def test_hundred_sample_kit_loads_fast(tmp_path):
    import time
    inst = [h2_instrument_1x(i, f"Drum {i}", [(f"d{i}_{j}.wav", j / 5, (j + 1) / 5, 1, 0) for j in range(5)],
                             note=30 + i) for i in range(24)]
    folder = write_h2_kit_1x(tmp_path / "big", "Big", inst, {})
    for i in range(24):
        for j in range(5):
            (folder / f"d{i}_{j}.wav").write_bytes(b"")   # never decoded at load time
    t = time.perf_counter()
    kit = load_kit(folder)
    assert time.perf_counter() - t < 0.5
    assert sum(len(p.layers) for p in kit.pads.values()) == 120


# --- Debian's hydrogen-drumkits (optional) ----------------------------------------------------

needs_h2 = pytest.mark.skipif(not (H2_SYSTEM / "GMRockKit" / "drumkit.xml").is_file(),
                              reason="Debian's hydrogen-drumkits are not installed")


@needs_h2
def test_gmrockkit_loads_and_maps_notes():
    kit = load_kit("GMRockKit")
    assert kit.name == "GMRockKit" and kit.problems == []
    assert kit.pad(36).name == "Kick" and kit.pad(38).name == "Snare" and kit.pad(42).name == "Hat Closed"
    assert kit.pad("bd") is kit.pad(36) and kit.pad("oh") is kit.pad(46)
    assert len(kit.pad("kick").layers) == 5


@needs_h2
def test_gmrockkit_renders(tmp_path):
    beat = Beat(bpm=120, kit="GMRockKit")
    beat.track("kick", "x...x...x...x...")
    beat.track("hat", "..x...x...x...x.")
    audio = beat.render(tmp_path / "rock.wav", bars=1)
    assert audio.shape == (88200, 2) and np.abs(audio).max() > 0.05
    assert (tmp_path / "rock.wav").is_file()


@needs_h2
def test_every_installed_kit_loads():
    for d in sorted(H2_SYSTEM.iterdir()):
        if (d / "drumkit.xml").is_file():
            kit = load_kit(d)
            assert kit.pads, d
            assert find_kit(kit.name) == d, kit.name


def test_archive_on_the_kit_path_is_found_by_its_file_name(tmp_path, monkeypatch):
    src = _kit_1x(tmp_path / "src" / "ArchKit")
    (tmp_path / "kits").mkdir()
    tar_folder(src, tmp_path / "kits" / "ArchKit.h2drumkit")
    monkeypatch.setenv("BEATFORGE_KIT_PATH", str(tmp_path / "kits"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    assert load_kit("ArchKit").name == "Test Kit 1x"
    assert load_kit("ArchKit.h2drumkit").name == "Test Kit 1x"    # the file name, as README says
    with pytest.raises(KitError, match="no such file or folder"):
        load_kit("Nothing.h2drumkit")
