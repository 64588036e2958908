import numpy as np
import pytest

from beatforge import Beat, Kit, KitError, Sample, load_kit
from tests.conftest import write_wav
from tests.kit.helpers import tone


def test_build_a_kit_in_code_and_save_it(tmp_path):
    soft, hard = Sample(tone(0.2, 100), 44100), Sample(tone(0.9, 100), 44100)
    write_wav(tmp_path / "kick.wav", tone(0.5, 200), rate=44100)
    kit = Kit("mine")
    kit.add_pad("kick", tmp_path / "kick.wav", note=36)
    kit.add_pad("snare", [(soft, 1, 80), (hard, 81, 127)], choke_group="s", choked_by={"s"})
    kit.add_pad("Open Hat", [Sample(tone(0.3, 50), 44100), Sample(tone(0.4, 50), 44100)], tune=-2)
    assert len(kit) == 3 and "oh" in kit and "cowbell" not in kit
    rng = np.random.default_rng(0)
    assert kit.pad("sd").choose(50, None, 0, rng).sample is soft
    assert kit.pad("sd").choose(100, None, 0, rng).sample is hard
    assert [kit.pad("oh").choose(100, None, n, rng).sample.data[0, 0] for n in range(2)] == \
        pytest.approx([0.3, 0.4])
    saved = kit.save(tmp_path / "saved")
    again = load_kit(saved)
    assert again.source == "kit.toml" and again.name == "mine"
    snare = again.pad("snare")
    assert [(l.vel_lo, l.vel_hi) for l in snare.layers] == [(1, 80), (81, 127)]
    assert snare.choke_group == "s" and snare.choked_by == {"s"}
    assert again.pad("oh").tune == -2 and again.pad(36).name == "kick"
    assert np.allclose(snare.layers[1].sample.data, 0.9, atol=1e-4)
    with pytest.raises(KitError):
        kit.save(saved)
    beat = Beat(kit=again)
    beat.track("kick", "x...")
    assert np.abs(beat.render(bars=1)).max() > 0
    assert kit.remove_pad("oh").name == "Open Hat" and len(kit) == 2


def test_folder_kit_edge_cases(tmp_path):
    d = tmp_path / "k"
    for n in ("tom1", "tom2", "tom3", "crash1", "crash2", "kick", "hit_2", "hit_10", "hit_1", "808"):
        write_wav(d / f"{n}.wav", tone(0.1, 8))
    write_wav(d / "kick" / "b.wav", tone(0.1, 8))
    write_wav(d / "ride" / "r10.wav", tone(0.1, 8))
    write_wav(d / "ride" / "r2.wav", tone(0.1, 8))
    (d / "notes.txt").write_text("not audio")
    kit = load_kit(d)
    assert kit.pad("hightom").name == "tom1" and kit.pad("lowtom").name == "tom3"   # distinct toms
    assert len(kit.pad("crash").layers) == 2                                          # crash1/2: variants
    assert [l.path.name for l in kit.pad("kick").layers] == ["kick.wav", "b.wav"]     # file + folder merge
    assert [l.path.name for l in kit.pad("hit").layers] == ["hit_1.wav", "hit_2.wav", "hit_10.wav"]
    assert [l.path.name for l in kit.pad("ride").layers] == ["r2.wav", "r10.wav"]     # natural order
    assert kit.pad("808").name == "808"


def test_saved_kit_is_found_by_its_declared_name(tmp_path, monkeypatch):
    kit = Kit("My Fancy Kit")
    kit.add_pad("kick", Sample(tone(0.5, 32), 44100))
    (tmp_path / "kits").mkdir()
    kit.save(tmp_path / "kits" / "folder-x")
    monkeypatch.setenv("BEATFORGE_KIT_PATH", str(tmp_path / "kits"))
    assert load_kit("my fancy kit").path == tmp_path / "kits" / "folder-x"


def test_add_pad_with_raw_audio_says_how_to_wrap_it():
    from beatforge import Kit, Sample, synth

    kit = Kit("designed")
    with pytest.raises(TypeError, match=r"Sample\(array, sample_rate\)"):
        kit.add_pad("kick", synth.kick())
    with pytest.raises(TypeError, match="got int"):
        kit.add_pad("kick", [42])
    kit.add_pad("kick", Sample(synth.kick(), 44100), note=36)
    assert kit.pad("bd").name == "kick"
