"""The render command end to end, as a user runs it: real files written and read back."""

import numpy as np
import pytest
import soundfile as sf

from beatforge import load_source
from tests.conftest import write_wav

BEAT = '''
from beatforge import Beat
beat = Beat(bpm=120, swing=50, kit={kit!r})
beat.track("kick", "x...x...x...x...")
beat.track("snare", "....x.......x...", pan=0.2)
'''


@pytest.fixture
def beat_file(tmp_path, impulse_kit):
    p = tmp_path / "beat.py"
    p.write_text(BEAT.format(kit=str(impulse_kit)))
    return p


def test_version_and_help(cli):
    r = cli("--version")
    assert r.returncode == 0 and "beatforge" in r.stdout and "0." in r.stdout
    r = cli("--help")
    assert r.returncode == 0 and "render" in r.stdout
    r = cli("render", "--help")
    assert r.returncode == 0 and "--bit-depth" in r.stdout and "--stems" in r.stdout


def test_render_wav_defaults_to_44k_24bit(cli, beat_file, tmp_path):
    out = tmp_path / "out.wav"
    r = cli("render", beat_file, "-o", out)
    assert r.returncode == 0, r.stderr
    info = sf.info(str(out))
    assert (info.samplerate, info.subtype, info.channels) == (44100, "PCM_24", 2)
    assert info.frames == 88200  # one bar at 120 bpm
    data, _ = sf.read(str(out), dtype="float32")
    api = load_source(beat_file).render(sample_rate=44100)
    assert np.allclose(data, api, atol=2 ** -22)


def test_render_options_override_the_beat(cli, beat_file, tmp_path):
    out = tmp_path / "out.wav"
    r = cli("render", beat_file, "-o", out, "--bpm", "60", "--bars", "2", "--sample-rate", "48000",
            "--bit-depth", "32", "--swing", "60")
    assert r.returncode == 0, r.stderr
    data, rate = sf.read(str(out), dtype="float32")
    assert rate == 48000 and sf.info(str(out)).subtype == "FLOAT"
    assert data.shape == (2 * 4 * 48000, 2)
    assert list(np.flatnonzero(data[:, 0]))[:3] == [0, 48000, 96000]


def test_render_stems_and_formats(cli, beat_file, tmp_path):
    out = tmp_path / "out.flac"
    r = cli("render", beat_file, "-o", out, "--stems", tmp_path / "stems", "--bit-depth", "16")
    assert r.returncode == 0, r.stderr
    mix, _ = sf.read(str(out), dtype="float32")
    kick, _ = sf.read(str(tmp_path / "stems" / "kick.flac"), dtype="float32")
    snare, _ = sf.read(str(tmp_path / "stems" / "snare.flac"), dtype="float32")
    assert np.allclose(kick + snare, mix, atol=3 / 32768)
    for ext in ("ogg", "mp3"):
        r = cli("render", beat_file, "-o", tmp_path / f"out.{ext}")
        assert r.returncode == 0, r.stderr
        assert sf.info(str(tmp_path / f"out.{ext}")).samplerate == 44100


def test_render_is_byte_identical(cli, beat_file, tmp_path):
    for name in ("a.wav", "b.wav"):
        assert cli("render", beat_file, "-o", tmp_path / name, "--seed", "7").returncode == 0
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


def _error(r, code=1):
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    return r.stderr


def test_bad_grid_character_shows_caret(cli, tmp_path, impulse_kit):
    p = tmp_path / "bad.py"
    p.write_text(f'from beatforge import Beat\nbeat = Beat(kit={str(impulse_kit)!r})\nbeat.track("kick", "x..x?...")\n')
    err = _error(cli("render", p, "-o", tmp_path / "o.wav"), code=2)
    lines = err.strip().splitlines()
    assert "bad.py:3" in lines[0] and "'?'" in lines[0]
    assert lines[1].strip() == "x..x?..."
    assert lines[2].index("^") == lines[1].index("x") + 4
    assert not (tmp_path / "o.wav").exists()


def test_unknown_pad_lists_pads(cli, tmp_path, impulse_kit):
    p = tmp_path / "bad.py"
    p.write_text(f'from beatforge import Beat\nbeat = Beat(kit={str(impulse_kit)!r})\nbeat.track("cowbell", "x")\n')
    err = _error(cli("render", p, "-o", tmp_path / "o.wav"))
    assert "unknown pad 'cowbell'" in err and "kick" in err and "snare" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.wav").exists()


def test_missing_kit(cli, beat_file, tmp_path):
    err = _error(cli("render", beat_file, "-o", tmp_path / "o.wav", "--kit", "no_such_kit_xyz"))
    assert "kit 'no_such_kit_xyz' not found" in err


def test_unreadable_sample(cli, tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "kick.wav").write_bytes(b"RIFF....WAVEjunk")
    p = tmp_path / "b.py"
    p.write_text(f'from beatforge import Beat\nbeat = Beat(kit={str(kit)!r})\nbeat.track("kick", "x")\n')
    err = _error(cli("render", p, "-o", tmp_path / "o.wav"))
    assert "kick.wav: cannot decode sample" in err
    assert list(tmp_path.glob("o.wav*")) == [] and list(tmp_path.glob(".o.wav*")) == []


def test_unwritable_output(cli, beat_file, tmp_path):
    err = _error(cli("render", beat_file, "-o", tmp_path / "nope" / "o.wav"))
    assert "does not exist" in err
    err = _error(cli("render", beat_file, "-o", tmp_path / "o.xyz"))
    assert "unsupported output format" in err
    err = _error(cli("render", beat_file, "-o", tmp_path / "o.flac", "--bit-depth", "32"))
    assert "FLAC cannot store 32-bit" in err


def test_missing_pattern_file_and_python_errors(cli, tmp_path):
    err = _error(cli("render", tmp_path / "none.py", "-o", tmp_path / "o.wav"))
    assert "no such pattern file" in err
    p = tmp_path / "broken.py"
    p.write_text("from beatforge import Beat\nbeat = Beat()\nbeat.track('kick', 42.5)\n")
    err = _error(cli("render", p, "-o", tmp_path / "o.wav"))
    assert "broken.py:3" in err
    p.write_text("x = 1\n")
    err = _error(cli("render", p, "-o", tmp_path / "o.wav"))
    assert "defines neither" in err
    p.write_text("def (:\n")
    err = _error(cli("render", p, "-o", tmp_path / "o.wav"))
    assert "broken.py:1: syntax error" in err


def test_relative_kit_path_in_a_pattern_means_beside_the_file(cli, tmp_path, impulse_kit):
    import shutil
    project = tmp_path / "project"
    shutil.copytree(impulse_kit, project / "mykit")
    (project / "beat.py").write_text('from beatforge import Beat\nbeat = Beat(kit="./mykit")\nbeat.track("kick", "x")\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = cli("render", project / "beat.py", "-o", tmp_path / "o.wav", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    # a --kit given on the command line is still relative to where the command runs
    r = cli("render", project / "beat.py", "-o", tmp_path / "o2.wav", "--kit", "./mykit", cwd=elsewhere)
    assert r.returncode == 1 and "not found" in r.stderr


def test_the_command_line_runs_numpy_with_one_blas_thread_unless_told_otherwise():
    import os
    import subprocess
    import sys

    code = "import beatforge.cli, os, sys; print(os.environ['OPENBLAS_NUM_THREADS'], 'numpy' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["PYTHONPATH"] = os.getcwd()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["1", "False"]       # set before numpy can be imported
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(env, OPENBLAS_NUM_THREADS="3"))
    assert out.stdout.split()[0] == "3"


def test_a_finished_render_still_runs_exit_handlers_and_waits_for_threads(tmp_path):
    """A render ends without the interpreter's teardown, but what a pattern file set up to
    happen at exit still happens, and a thread it started still finishes."""
    from tests.conftest import run_cli

    pattern = tmp_path / "beat.py"
    pattern.write_text(
        "import atexit, threading, time, pathlib\n"
        "from beatforge import Beat\n"
        f"here = pathlib.Path({str(tmp_path)!r})\n"
        "atexit.register(lambda: (here / 'atexit.txt').write_text('ran'))\n"
        "def later():\n"
        "    time.sleep(0.3)\n"
        "    (here / 'thread.txt').write_text('done')\n"
        "threading.Thread(target=later).start()\n"
        "beat = Beat(bpm=120)\n"
        "beat.track('kick', 'x...x...x...x...')\n")
    res = run_cli("render", pattern, "-o", tmp_path / "out.wav")
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip().endswith("out.wav")
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert (tmp_path / "thread.txt").read_text() == "done"
    import soundfile as sf
    assert sf.info(str(tmp_path / "out.wav")).frames == 88200

    plain = tmp_path / "plain.py"
    plain.write_text("import atexit, pathlib\nfrom beatforge import Beat\n"
                     f"atexit.register(lambda: pathlib.Path({str(tmp_path / 'plain.txt')!r}).write_text('ran'))\n"
                     "beat = Beat(bpm=120)\nbeat.track('kick', 'x...')\n")
    res = run_cli("render", plain, "-o", tmp_path / "plain.wav")
    assert res.returncode == 0 and res.stderr.startswith("wrote"), res.stderr
    assert (tmp_path / "plain.txt").read_text() == "ran"
    res = run_cli("render", plain, "-o", tmp_path / "no" / "such" / "dir.wav")
    assert res.returncode == 1 and res.stderr.startswith("error:")


def test_run_leaves_with_os_exit_only_after_a_finished_render(tmp_path, monkeypatch):
    import atexit
    import os

    import pytest

    from beatforge import cli

    class Left(Exception):
        pass

    calls = []
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)   # other tests may leave threads behind
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: calls.append("atexit"))
    monkeypatch.setattr(os, "_exit", lambda code: (_ for _ in ()).throw(Left(code)))
    monkeypatch.setattr(cli, "_finished", False)
    pattern = tmp_path / "beat.py"
    pattern.write_text("from beatforge import Beat\nbeat = Beat()\nbeat.track('kick', 'x...')\n")
    with pytest.raises(Left) as left:
        cli.run(["render", str(pattern), "-o", str(tmp_path / "out.wav")])
    assert left.value.args == (0,) and calls == ["atexit"] and (tmp_path / "out.wav").is_file()
    monkeypatch.setattr(cli, "_finished", False)
    with pytest.raises(SystemExit) as failed:      # a failed render exits the usual way
        cli.run(["render", str(pattern), "-o", str(tmp_path / "nope" / "out.wav")])
    assert failed.value.code == 1 and calls == ["atexit"]
    with pytest.raises(SystemExit) as listed:      # other commands too
        cli.run(["kits"])
    assert listed.value.code == 0 and calls == ["atexit"]


def test_an_impossible_pitch_or_gain_is_a_one_line_error(tmp_path):
    from tests.conftest import run_cli

    for option, message in (("pitch=1000", "pitch +1000 semitones"), ("gain_db=500", "gain +500 dB")):
        pattern = tmp_path / "beat.py"
        pattern.write_text(f"from beatforge import Beat\nbeat = Beat()\nbeat.track('kick', 'x...', {option})\n")
        res = run_cli("render", pattern, "-o", tmp_path / "out.wav")
        assert res.returncode == 1 and "Traceback" not in res.stderr
        assert res.stderr.startswith("error: pad 'kick': ") and message in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert not list(tmp_path.glob("*.wav")) and not list(tmp_path.glob(".*"))
    kit = tmp_path / "kit"
    kit.mkdir()
    import numpy as np
    import soundfile as sf
    sf.write(kit / "kick.wav", np.full((100, 1), 0.5, np.float32), 44100)
    (kit / "kit.toml").write_text('[pads.kick]\nsample = "kick.wav"\nnote = 36\ntune = 100000\n')
    pattern.write_text("from beatforge import Beat\nbeat = Beat(kit='./kit')\nbeat.track('kick', 'x...')\n")
    res = run_cli("render", pattern, "-o", tmp_path / "out.wav")
    assert res.returncode == 1 and "Traceback" not in res.stderr and "pitch +100000 semitones" in res.stderr
