"""End to end through JACK: the real ``beatforge jam`` driven by a JACK client as a player would.

The jam runs on a dummy-driver JACK server (48 kHz, 128-frame periods) with JACK MIDI; the probe
sends MIDI at exact frames into ``beatforge-midi:beatforge`` and records ``beatforge:output_1``.
"""
from __future__ import annotations

import signal
import time

import mido
import numpy as np
import pytest

from .conftest import PERIOD, RATE, onsets

SIXTEENTH = 6000          # frames per 16th at 120 bpm, 48 kHz
BAR = 16 * SIXTEENTH


def test_pattern_hits_are_exactly_spaced(start_jam, probe, impulse_beat):
    jam = start_jam(impulse_beat([("hat", "x" * 16)]))
    probe.connect()
    time.sleep(0.3)  # JACK may skip a cycle while it reorders the graph after connecting
    first, audio = probe.record_until(probe.frame_now() + 2 * RATE)
    jam.signal(signal.SIGINT)
    assert jam.wait() == 0, jam.stderr
    found = onsets(audio)
    assert len(found) >= 12, (len(found), jam.stderr)
    gaps = np.diff(found)
    # every 16th lands exactly 6000 frames after the previous one.  On a loaded machine JACK may
    # skip or delay the jam's process cycle (an xrun): that shifts the output by whole periods,
    # never by a fraction of one
    assert ((gaps - SIXTEENTH) % PERIOD == 0).all(), gaps
    assert (gaps == SIXTEENTH).mean() >= 0.8, gaps


def test_pads_sound_within_two_periods_and_record_writes_them(start_jam, probe, impulse_beat, tmp_path):
    out = tmp_path / "played.mid"
    # a kick on the first 16th of each bar marks the jam's grid in the recording
    jam = start_jam(impulse_beat([("kick", "x" + "." * 15)]), "--record", out)
    probe.connect()
    time.sleep(0.3)
    # find the grid: the kick's onset is frame 0 of a bar (scheduled hits play on their exact frame)
    first, audio = probe.record_until(probe.frame_now() + BAR + 4 * PERIOD)
    kicks = onsets(audio)
    assert len(kicks) >= 1, jam.stderr
    bar0 = first + int(kicks[0])
    # play snares (note 38) a quarter of a 16th after grid steps: 1/16 quantize snaps them back
    now = probe.frame_now()
    start = bar0 + ((now - bar0) // BAR + 1) * BAR
    steps = [2, 5, 6, 11, 17, 30]
    sends = [start + s * SIXTEENTH + SIXTEENTH // 4 + (7 * i) % PERIOD for i, s in enumerate(steps)]
    velocities = [60 + 10 * i for i in range(len(steps))]
    probe.schedule([(f, bytes([0x99, 38, v])) for f, v in zip(sends, velocities)]
                   + [(f + 400, bytes([0x89, 38, 0])) for f in sends])
    first, audio = probe.record_until(sends[-1] + 8 * PERIOD)
    jam.signal(signal.SIGINT)
    assert jam.wait() == 0, jam.stderr
    # the probe never sends a note late (it drops it if its own cycle came too late, which a
    # loaded machine can cause); check every note it did send, exactly
    sent = {f for f, data in probe.sent if data[0] == 0x99}
    assert sent <= set(sends) and len(sent) >= len(sends) - 1, (sorted(sent), sends)
    played = [(s, v, f) for s, v, f in zip(steps, velocities, sends) if f in sent]

    found = first + onsets(audio, threshold=0.01)
    latencies = []
    for _, _, f in played:
        after = found[(found >= f) & (found < f + 4 * PERIOD)]
        assert len(after), f"no sound within 4 periods of the note at {f}:\n{jam.stderr}"
        latencies.append(int(after[0] - f))
    assert max(latencies) <= 2 * PERIOD, latencies

    # --record: every snare, quantized to its 16th, with its velocity, on channel 10
    mid = mido.MidiFile(out)
    tick = 0
    notes = []
    for msg in mido.merge_tracks(mid.tracks):
        tick += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            notes.append((tick, msg.note, msg.velocity, msg.channel))
    assert [n[1] for n in notes] == [38] * len(played)
    assert [n[2] for n in notes] == [v for _, v, _ in played]
    assert {n[3] for n in notes} == {9}
    per16 = mid.ticks_per_beat // 4
    ticks = [n[0] for n in notes]
    assert all(t % per16 == 0 for t in ticks), ticks
    first_step = played[0][0]
    assert [(t - ticks[0]) // per16 for t in ticks] == [s - first_step for s, _, _ in played]
    assert (ticks[0] // per16) % 16 == first_step % 16     # the right step of the bar


def test_sigterm_stops_cleanly_and_closes_ports(start_jam, probe, tmp_path):
    out = tmp_path / "nothing.mid"
    jam = start_jam("--record", out)
    names = {p.name for p in probe.client.get_ports()}
    assert "beatforge:output_1" in names and "beatforge-midi:beatforge" in names
    jam.signal(signal.SIGTERM)
    assert jam.wait() == 0, jam.stderr
    assert "Traceback" not in jam.stderr
    assert out.exists() and len(mido.MidiFile(out).tracks) == 2
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = [p.name for p in probe.client.get_ports() if p.name.startswith("beatforge")]
        if not left:
            break
        time.sleep(0.05)
    assert not left


def test_terminal_ui_with_keyboard_pads(jack_server, impulse_beat, tmp_path):
    """The real UI in a pseudo-terminal: a computer-keyboard pad sounds, space arms, Q quits."""
    import os
    import pty
    import subprocess
    import sys

    from .conftest import REPO

    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), JACK_DEFAULT_SERVER=jack_server, TERM="xterm-256color",
               COLUMNS="150", LINES="40")
    proc = subprocess.Popen([sys.executable, "-m", "beatforge", "jam", str(impulse_beat([("hat", "x...")])),
                             "--audio", "jack", "--midi-api", "jack"], stdin=slave, stdout=slave,
                            stderr=subprocess.PIPE, env=env, cwd=tmp_path, text=True)
    os.close(slave)
    screen = b""

    def read_until(text, timeout):
        nonlocal screen
        import select

        deadline = time.monotonic() + timeout
        while text.encode() not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    screen += os.read(master, 65536)
                except OSError:
                    break
        return text.encode() in screen

    try:
        assert read_until("beatforge jam", 60), screen[-2000:]
        os.write(master, b"z")            # pad 1: the kick
        assert read_until("notes 1", 20), screen[-2000:]
        os.write(master, b" ")
        assert read_until("REC", 20), screen[-2000:]
        os.write(master, b"Q")
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_midi_in_connects_to_a_named_device(start_jam, probe, impulse_kit):
    """``--midi-in probe`` connects the probe's MIDI output itself (substring match)."""
    jam = start_jam("--kit", impulse_kit, "--midi-in", "probe:o")
    assert "MIDI in: beatforge-midi:beatforge, probe:out" in jam.stderr
    connected = [p.name for p in probe.client.get_all_connections(probe.midi_out)]
    assert any(name.startswith("beatforge-midi") for name in connected), connected
    probe.client.connect("beatforge:output_1", probe.audio_in)   # MIDI is already connected
    time.sleep(0.3)
    f = probe.frame_now() + RATE // 4
    probe.schedule([(f, bytes([0x99, 36, 127]))])
    first, audio = probe.record_until(f + 4 * PERIOD)
    jam.signal(signal.SIGINT)
    assert jam.wait() == 0, jam.stderr
    found = first + onsets(audio, threshold=0.01)
    assert len(found) == 1 and 0 <= found[0] - f <= 2 * PERIOD, (found, f)
