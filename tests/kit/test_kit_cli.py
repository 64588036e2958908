import numpy as np
import pytest
import soundfile as sf

from tests.conftest import run_cli, write_wav
from tests.kit.helpers import hostile_tar, tar_folder, tone, write_h2_kit_09
from tests.kit.test_chop import RATE, make_loop


@pytest.fixture
def env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "HOME": str(tmp_path / "home"), "BEATFORGE_KIT_PATH": str(tmp_path / "extra")}


def _one_line_error(proc):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_kits_lists_sources_and_pad_counts(tmp_path, env):
    write_h2_kit_09(tmp_path / "extra" / "oldkit_folder", "Old Kit")
    proc = run_cli("kits", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split("  ")[0].strip(): line for line in proc.stdout.splitlines()}
    assert "factory" in rows and "shipped" in rows["factory"]
    assert "Old Kit" in rows and "BEATFORGE_KIT_PATH" in rows["Old Kit"] and " 2 " in rows["Old Kit"]


def test_kit_show_and_check(tmp_path, env):
    kit = write_h2_kit_09(tmp_path / "extra" / "k", "Old Kit")
    proc = run_cli("kit", "show", "Old Kit", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Kick: note 36" in proc.stdout and "vel 64-127" in proc.stdout
    clean = run_cli("kit", "check", kit, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout == "" and "ok" in clean.stderr
    # now break it: a missing sample, a silent one, a clipping one, a duplicate note, a velocity hole
    (kit / "kick.wav").unlink()
    write_wav(kit / "snare_soft.wav", np.zeros(64), rate=44100)
    write_wav(kit / "snare_hard.wav", np.ones(64), rate=44100)
    xml = (kit / "drumkit.xml").read_text()
    xml = xml.replace("<id>1</id>", "<id>1</id><midiOutNote>36</midiOutNote>")
    xml = xml.replace("<min>0.5</min>", "<min>0.7</min>")
    (kit / "drumkit.xml").write_text(xml)
    bad = run_cli("kit", "check", kit, env=env)
    assert bad.returncode == 1
    out = bad.stdout
    assert "kick.wav" in out and "silent" in out and "clipping" in out
    assert "duplicate MIDI note 36" in out and "velocities 64-88" in out


def test_kit_import_cli(tmp_path, env):
    src = write_h2_kit_09(tmp_path / "src" / "Old", "Old Kit")
    arc = tar_folder(src, tmp_path / "old.h2drumkit")
    ok = run_cli("kit", "import", arc, env=env)
    assert ok.returncode == 0, ok.stderr
    installed = tmp_path / "data" / "beatforge" / "kits" / "Old Kit"
    assert (installed / "drumkit.xml").is_file()
    shown = run_cli("kit", "show", "Old Kit", env=env)
    assert "user" not in shown.stderr and str(installed) in shown.stdout
    again = run_cli("kit", "import", arc, env=env)
    assert "already installed" in _one_line_error(again)
    evil = hostile_tar(tmp_path / "evil.h2drumkit", "dotdot")
    msg = _one_line_error(run_cli("kit", "import", evil, env=env))
    assert "refusing" in msg and ".." in msg
    assert sorted(p.name for p in installed.parent.iterdir()) == ["Old Kit"]


def test_kit_chop_cli_and_render(tmp_path, env):
    loop, truth = make_loop()
    sf.write(tmp_path / "loop.wav", loop, RATE)
    proc = run_cli("kit", "chop", tmp_path / "loop.wav", "--onsets", "--bpm", 95, "-o", tmp_path / "chopped", env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "chopped" / "kit.toml").is_file()
    assert len(list((tmp_path / "chopped").glob("slice*.wav"))) == len(truth)
    render = run_cli("render", tmp_path / "chopped" / "pattern.py", "-o", tmp_path / "replay.wav", env=env)
    assert render.returncode == 0, render.stderr
    audio, rate = sf.read(tmp_path / "replay.wav")
    assert rate == 44100 and audio.shape == (len(loop), 2)
    sliced = run_cli("kit", "chop", tmp_path / "loop.wav", "--slices", 8, "-o", tmp_path / "eight", env=env)
    assert sliced.returncode == 0 and len(list((tmp_path / "eight").glob("slice*.wav"))) == 8
    usage = run_cli("kit", "chop", tmp_path / "loop.wav", "-o", tmp_path / "x", env=env)
    assert usage.returncode == 2 and "--slices N or --onsets" in usage.stderr
    missing = run_cli("kit", "chop", tmp_path / "nope.wav", "--slices", 2, "-o", tmp_path / "y", env=env)
    assert "nope.wav" in _one_line_error(missing)


def test_unknown_kit_is_one_line(env):
    assert "not found" in _one_line_error(run_cli("kit", "show", "no-such-kit-anywhere", env=env))
    assert "not found" in _one_line_error(run_cli("kit", "check", "no-such-kit-anywhere", env=env))


def test_sfz_warnings_are_brief(tmp_path, env):
    write_wav(tmp_path / "s" / "k.wav", tone(0.5), rate=44100)
    (tmp_path / "s" / "d.sfz").write_text("<region> sample=k.wav key=36 weird_opcode=1\n")
    proc = run_cli("kit", "show", tmp_path / "s" / "d.sfz", env=env)
    assert proc.returncode == 0
    assert proc.stderr.strip().startswith("warning: d.sfz: unknown opcode 'weird_opcode'")
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_import_warns_about_an_sfz_once(tmp_path, env):
    write_wav(tmp_path / "s" / "k.wav", tone(0.5), rate=44100)
    (tmp_path / "s" / "d.sfz").write_text("<region> sample=k.wav key=36 weird_opcode=1\n")
    proc = run_cli("kit", "import", tmp_path / "s" / "d.sfz", "--name", "once", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("unknown opcode 'weird_opcode'") == 1, proc.stderr


def test_kits_columns_line_up_with_kit_path_entries(tmp_path, env):
    write_wav(tmp_path / "extra" / "mine" / "kick.wav", tone(0.5), rate=44100)
    proc = run_cli("kits", env=env)
    assert proc.returncode == 0, proc.stderr
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    assert any("BEATFORGE_KIT_PATH" in l for l in lines)
    # every path starts in the same column
    starts = {l.index("/") for l in lines}
    assert len(starts) == 1, proc.stdout


def test_kit_show_gives_what_a_kit_toml_says_about_itself(tmp_path):
    kit = tmp_path / "mine"
    kit.mkdir()
    write_wav(kit / "kick.wav", np.full(64, 0.5), rate=44100)
    (kit / "kit.toml").write_text('[kit]\nname = "Mine"\nauthor = "A. Producer"\nlicense = "CC-BY-4.0"\n'
                                  'url = "https://example.org/mine"\ndescription = "Dusty drums."\n\n'
                                  '[pads.kick]\nsample = "kick.wav"\nnote = 36\n')
    proc = run_cli("kit", "show", kit)
    assert proc.returncode == 0, proc.stderr
    for line in ("author: A. Producer", "license: CC-BY-4.0", "url: https://example.org/mine",
                 "description: Dusty drums."):
        assert line in proc.stdout.splitlines(), proc.stdout
