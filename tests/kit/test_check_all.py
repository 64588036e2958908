"""`beatforge kit check` lists every problem of a kit in one run, for every kit format,
while `load_kit` still stops at the first one."""

import pytest

from beatforge import load_kit
from beatforge.errors import KitError
from beatforge.kit.resolve import collect_kit
from beatforge.kit.tools import check_kit_at
from tests.conftest import run_cli, write_wav
from tests.kit.helpers import h2_instrument_1x, tone, write_h2_kit_1x


@pytest.fixture
def env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "HOME": str(tmp_path / "home"), "BEATFORGE_KIT_PATH": str(tmp_path / "extra")}


BROKEN_TOML = '''[kit]
name = "broken"
colour = "red"

[pads.kick]
sample = "kick.wav"
note = 36

[pads.snare]
sample = "snare.wav"
note = 38

[pads.hat]
samples = ["hat1.wav", "hat2.wav"]
note = 42

[pads.clap]
sample = "clap.wav"
note = 39

[pads.rim]
sample = "rim.wav"
note = 37
'''


def _broken_toml_kit(folder):
    """kick.wav, hat1.wav and clap.wav missing, rim.wav corrupt, kit.colour unknown."""
    write_wav(folder / "snare.wav", tone(0.5), rate=44100)
    write_wav(folder / "hat2.wav", tone(0.3), rate=44100)
    (folder / "rim.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot audio at all")
    (folder / "kit.toml").write_text(BROKEN_TOML)
    return folder


def _problem_lines(proc):
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return [line for line in proc.stdout.splitlines() if line.strip()]


def test_kit_toml_check_reports_every_problem_in_one_run(tmp_path, env):
    kit = _broken_toml_kit(tmp_path / "broken")
    proc = run_cli("kit", "check", kit, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = _problem_lines(proc)
    assert len(lines) == 5, lines
    for name in ("colour", "kick.wav", "hat1.wav", "clap.wav", "rim.wav"):
        assert sum(name in line for line in lines) == 1, (name, lines)
    # each names the file and where in it
    assert f"{kit / 'kit.toml'}:3: unknown key kit.colour" in lines[0]
    assert any(line.startswith(f"{kit / 'kit.toml'}:6: pads.kick.sample: sample file 'kick.wav' not found")
               for line in lines), lines
    assert any(f"{kit / 'kit.toml'}:14: pads.hat.samples[0]: sample file 'hat1.wav'" in line for line in lines)
    assert any(line.startswith(f"{kit / 'kit.toml'}:22: pads.rim.sample: sample rim.wav is unreadable")
               for line in lines), lines
    summary = [line for line in proc.stderr.splitlines() if line.strip()]
    assert summary == ["broken: 5 problem(s) in 5 pads, 6 samples"], proc.stderr


def test_load_kit_still_fails_fast_on_the_first_problem(tmp_path):
    kit = _broken_toml_kit(tmp_path / "broken")
    with pytest.raises(KitError) as err:
        load_kit(kit)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{kit / 'kit.toml'}:3: unknown key kit.colour"), message
    # without the unknown key, the first missing sample is the error
    (kit / "kit.toml").write_text(BROKEN_TOML.replace('colour = "red"\n', ""))
    with pytest.raises(KitError, match=r"kit\.toml:5: pads\.kick\.sample: sample file 'kick\.wav' not found"):
        load_kit(kit)


def test_kit_toml_bad_values_are_each_reported(tmp_path):
    write_wav(tmp_path / "k" / "a.wav", tone(0.5), rate=44100)
    (tmp_path / "k" / "kit.toml").write_text('''[kit]
polyphony = "lots"

[pads.kick]
layers = [{ sample = "a.wav", vel = [90, 10] }, { sample = "a.wav", vel = [1, 200] }]
note = 200

[pads.snare]
sample = "a.wav"
note = 38
pan = "left"
gated = "yes"

[pads.clap]
sample = "a.wav"
note = 38

[pads.ghost]
tune = 1
''')
    kit, issues = check_kit_at(tmp_path / "k")
    text = "\n".join(issues)
    assert kit is not None and "Traceback" not in text
    expected = [":2: kit.polyphony must be a positive integer",
                ":5: pads.kick.layers[0].vel: expected [lo, hi]", ":5: pads.kick.layers[1].vel",
                ":6: pads.kick.note: expected a MIDI note 0..127", ":11: pads.snare.pan: expected a number",
                ":12: pads.snare.gated: expected true or false",
                ":18: pads.ghost: give exactly one of sample, samples or layers",
                "duplicate MIDI note 38: pads 'snare', 'clap'"]
    assert len(issues) == len(expected), issues
    for piece, issue in zip(expected, issues):
        assert piece in issue, (piece, issue)
    # the pads with usable samples are still there; the one without is not
    assert sorted(p.name for p in kit.pads.values()) == ["clap", "kick", "snare"]


def test_unparseable_kit_toml_is_one_problem(tmp_path, env):
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "kit.toml").write_text("[pads.kick\n")
    proc = run_cli("kit", "check", tmp_path / "k", env=env)
    assert proc.returncode == 1
    (line,) = _problem_lines(proc)
    assert "kit.toml" in line and "line 1" in line
    assert "cannot be loaded" in proc.stderr and "Traceback" not in proc.stderr


def test_hydrogen_check_reports_every_missing_layer_once(tmp_path, env):
    kit = write_h2_kit_1x(tmp_path / "h2", "Holes", [
        h2_instrument_1x(0, "Kick", [("kick.wav", 0, 1, 1, 0)], note=36),
        h2_instrument_1x(1, "Snare", [("snare_soft.wav", 0, 0.5, 1, 0), ("snare_hard.wav", 0.5, 1, 1, 0)], note=38),
        h2_instrument_1x(2, "Hat", [("hat.wav", 0, 1, 1, 0)], note=42),
    ], {"kick.wav": 0.5, "hat.wav": 0.4})
    proc = run_cli("kit", "check", kit, env=env)
    assert proc.returncode == 1
    lines = _problem_lines(proc)
    # each line names the file to edit and the instrument in it
    xml = kit / "drumkit.xml"
    assert lines == [f"{xml}: instrument 1 (Snare): sample 'snare_soft.wav' not found",
                     f"{xml}: instrument 1 (Snare): sample 'snare_hard.wav' not found"]
    assert "Holes: 2 problem(s) in 3 pads, 4 samples" in proc.stderr
    # a corrupt file is one more line; loading for playing still tolerates the missing layers
    (kit / "hat.wav").write_bytes(b"not a wav file")
    lines = _problem_lines(run_cli("kit", "check", kit, env=env))
    assert len(lines) == 3 and lines[2].startswith(f"{xml}: instrument 2 (Hat): layer 1: sample hat.wav is "
                                                   "unreadable ("), lines
    assert len(load_kit(kit).problems) == 2


def test_hydrogen_archive_problems_name_the_archive(tmp_path, env):
    from tests.kit.helpers import tar_folder

    folder = write_h2_kit_1x(tmp_path / "src" / "Holes", "Holes", [
        h2_instrument_1x(0, "Kick", [("kick.wav", 0, 1, 1, 0), ("gone.wav", 0, 1, 1, 0)], note=36),
        h2_instrument_1x(1, "Hat", [("hat.wav", 0, 1, 1, 0)], note=42),
    ], {"kick.wav": 0.5})
    (folder / "hat.wav").write_bytes(b"not a wav file")
    archive = tar_folder(folder, tmp_path / "Holes.h2drumkit", "Holes")
    lines = _problem_lines(run_cli("kit", "check", archive, env=env))
    assert len(lines) == 2, lines
    assert lines[0] == f"{archive}: drumkit.xml: instrument 0 (Kick): sample 'gone.wav' not found"
    assert lines[1].startswith(f"{archive}: drumkit.xml: instrument 1 (Hat): layer 1: sample hat.wav is unreadable")


def test_sfz_check_reports_every_missing_sample_once(tmp_path, env):
    folder = tmp_path / "s"
    write_wav(folder / "kick.wav", tone(0.5), rate=44100)
    (folder / "drums.sfz").write_text("<region> sample=kick.wav key=36\n"
                                      "<region> sample=snare.wav key=38\n"
                                      "<region> sample=hat.wav key=42\n")
    proc = run_cli("kit", "check", folder / "drums.sfz", env=env)
    assert proc.returncode == 1
    lines = _problem_lines(proc)
    assert lines == ["drums.sfz:2: sample 'snare.wav' not found", "drums.sfz:3: sample 'hat.wav' not found"]
    assert "2 problem(s)" in proc.stderr
    # an unreadable sample is named with its region's line, once for all the keys it spans
    (folder / "bad.wav").write_bytes(b"not a wav file")
    with open(folder / "drums.sfz", "a") as fh:
        fh.write("<region> sample=bad.wav lokey=60 hikey=64\n")
    lines = _problem_lines(run_cli("kit", "check", folder / "drums.sfz", env=env))
    assert len(lines) == 3 and lines[2].startswith("drums.sfz:4: sample bad.wav is unreadable ("), lines


def test_sfz_errors_are_collected_not_stopped_at(tmp_path):
    folder = tmp_path / "s"
    write_wav(folder / "kick.wav", tone(0.5), rate=44100)
    (folder / "drums.sfz").write_text("<region> sample=kick.wav key=zz\n"
                                      "<region> sample=kick.wav key=36 lovel=soft\n"
                                      '#include "gone.sfz"\n'
                                      "<region> sample=kick.wav key=38\n")
    kit, problems = collect_kit(folder / "drums.sfz")
    assert [p.split(":")[1] for p in problems] == ["3", "1", "2"], problems
    assert "gone.sfz" in problems[0] and "'zz'" in problems[1] and "lovel='soft'" in problems[2]
    assert sorted(p.note for p in kit.pads.values()) == [36, 38]
    with pytest.raises(KitError, match="gone.sfz"):
        load_kit(folder / "drums.sfz")


@pytest.mark.parametrize("kind", ["toml", "hydrogen", "sfz"])
def test_clean_kits_still_pass(tmp_path, env, kind):
    folder = tmp_path / "clean"
    if kind == "toml":
        write_wav(folder / "kick.wav", tone(0.5), rate=44100)
        write_wav(folder / "snare.wav", tone(0.4), rate=44100)
        (folder / "kit.toml").write_text('[kit]\nname = "clean"\n[pads.kick]\nsample = "kick.wav"\nnote = 36\n'
                                         '[pads.snare]\nsample = "snare.wav"\nnote = 38\n')
    elif kind == "hydrogen":
        write_h2_kit_1x(folder, "clean", [h2_instrument_1x(0, "Kick", [("kick.wav", 0, 1, 1, 0)], note=36)],
                        {"kick.wav": 0.5})
    else:
        write_wav(folder / "kick.wav", tone(0.5), rate=44100)
        (folder / "clean.sfz").write_text("<region> sample=kick.wav key=36\n")
    proc = run_cli("kit", "check", folder, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "" and "clean: ok" in proc.stderr
    kit, problems = collect_kit(folder)
    assert problems == [] and kit.problems == []
