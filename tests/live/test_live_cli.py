"""``beatforge jam`` as a command: its options, its errors, and staying out of the render path."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


def test_render_path_does_not_import_the_live_stack():
    code = ("import sys, beatforge, beatforge.cli; "
            "print(sorted(m for m in ('pyo', 'rtmidi', 'rich', 'jack') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=os.getcwd()), check=True)
    assert out.stdout.strip() == "[]"


def test_jam_help_lists_the_contract(cli):
    r = cli("jam", "--help")
    assert r.returncode == 0
    for option in ("PATTERN", "--kit", "--audio [portaudio|jack]", "--midi-api [alsa|jack]", "--midi-in",
                   "--map", "--buffer", "--sample-rate", "--headless", "--record"):
        assert option in r.stdout, option


def test_jam_without_a_jack_server_fails_cleanly(cli):
    r = cli("jam", "--audio", "jack", "--midi-api", "jack", "--headless",
                env={"JACK_DEFAULT_SERVER": f"no-such-server-{os.getpid()}", "JACK_NO_START_SERVER": "1"},
                timeout=120)
    assert r.returncode == 1
    assert "error: the jack audio host did not start" in r.stderr
    assert "Traceback" not in r.stderr
    # said once, by beatforge: no libjack complaints, no "Pyo error" lines on stdout
    assert r.stdout == ""
    assert r.stderr.strip().splitlines() == ["error: the jack audio host did not start (is a JACK server running?)"]


def test_probing_portaudio_prints_no_alsa_chatter():
    code = ("from beatforge.live.server import import_pyo; pyo = import_pyo(); "
            "print('outputs', pyo.pa_get_default_output() >= 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=os.getcwd()), timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ALSA lib" not in out.stderr
    assert "WxPython" not in out.stdout + out.stderr


def test_jam_rejects_a_bad_map_and_a_bad_pattern(cli, tmp_path):
    bad = tmp_path / "map.toml"
    bad.write_text("[notes]\n300 = 'kick'\n")
    r = cli("jam", "--headless", "--map", bad)
    assert r.returncode == 1 and "outside 0..127" in r.stderr
    r = cli("jam", "--headless", tmp_path / "missing.py")
    assert r.returncode == 1 and "no such pattern file" in r.stderr


@pytest.mark.parametrize("track,message", [("'cowbell', 'x...'", "unknown pad 'cowbell'"),
                                           ("'kick', 'x...', pitch=-500", "pitch -500 semitones")])
def test_jam_names_a_bad_pattern_before_starting(cli, tmp_path, impulse_kit, track, message):
    path = tmp_path / "p.py"
    path.write_text(f"from beatforge import Beat\nbeat = Beat(kit={str(impulse_kit)!r})\n"
                    f"beat.track({track})\n")
    r = cli("jam", "--headless", "--audio", "jack", path,
            env={"JACK_DEFAULT_SERVER": f"no-such-server-{os.getpid()}"})
    assert r.returncode == 1
    assert message in r.stderr and "Traceback" not in r.stderr
    assert "jack" not in r.stderr.lower()      # reported before any audio host was tried
