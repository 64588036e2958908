"""Live-jam fixtures: a real JACK server (dummy driver), the real CLI, and a JACK test client.

The JACK server is started once per test session with a unique name (``-n``) and selected for
every client through ``JACK_DEFAULT_SERVER``, so parallel runs never share a server.  Readiness
is ``jack_wait -w`` (it blocks until the server answers), and the server is stopped at teardown.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
RATE = 48000
PERIOD = 128
START_TIMEOUT = 60.0      # a loaded 2-core CI machine can take a while to import numpy + pyo


@pytest.fixture(scope="session")
def jack_server():
    if shutil.which("jackd") is None or shutil.which("jack_wait") is None:
        pytest.skip("jackd (jackd2) is not installed")
    pytest.importorskip("jack")
    name = f"beatforge-test-{os.getpid()}"
    env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
    proc = subprocess.Popen(["jackd", "-n", name, "-d", "dummy", "-r", str(RATE), "-p", str(PERIOD)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        ready = subprocess.run(["jack_wait", "-w", "-s", name, "-t", "30"], capture_output=True, text=True,
                               env=env, timeout=40)
        if proc.poll() is not None or "available" not in ready.stdout:
            out = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
            pytest.fail(f"jackd did not start: {ready.stdout}{ready.stderr}{out}")
        old = os.environ.get("JACK_DEFAULT_SERVER")
        os.environ["JACK_DEFAULT_SERVER"] = name   # for the in-process JACK-Client probe
        yield name
        if old is None:
            os.environ.pop("JACK_DEFAULT_SERVER", None)
        else:
            os.environ["JACK_DEFAULT_SERVER"] = old
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class JamProcess:
    """``beatforge jam`` as a subprocess, its stderr collected by a reader thread."""

    def __init__(self, args, server, cwd):
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        env["JACK_DEFAULT_SERVER"] = server
        env["JACK_NO_AUDIO_RESERVATION"] = "1"
        self.proc = subprocess.Popen([sys.executable, "-m", "beatforge", "jam", *map(str, args)], cwd=cwd, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.lines = []
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            if "jam running" in line:
                self._ready.set()
        self._ready.set()

    @property
    def stderr(self):
        return "\n".join(self.lines)

    def wait_ready(self, timeout=START_TIMEOUT, ports=("beatforge:output_1", "beatforge-midi:beatforge")):
        if not self._ready.wait(timeout) or self.proc.poll() is not None:
            self.stop()
            pytest.fail(f"jam did not start:\n{self.stderr}")
        import jack

        client = jack.Client(f"ready-{os.getpid()}", no_start_server=True)
        try:
            deadline = time.monotonic() + timeout
            while not set(ports) <= {p.name for p in client.get_ports()}:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    names = [p.name for p in client.get_ports()]
                    self.stop()
                    pytest.fail(f"the jam's JACK ports did not appear ({names}):\n{self.stderr}")
                time.sleep(0.05)
        finally:
            client.close()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=30):
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def start_jam(jack_server, tmp_path):
    started = []

    def start(*args):
        jam = JamProcess(["--audio", "jack", "--midi-api", "jack", "--headless", *args], jack_server, tmp_path)
        started.append(jam)
        jam.wait_ready()
        return jam

    yield start
    for jam in started:
        jam.stop()


class Probe:
    """A JACK client playing a player: MIDI out at exact frames, audio in recording the jam.

    Every recorded block is stored with its JACK frame time, so a sample's absolute frame is
    known exactly; MIDI events are written at ``frame - period_start`` inside the period that
    contains their frame.
    """

    def __init__(self, name="probe"):
        import jack

        self.client = jack.Client(name, no_start_server=True)
        self.midi_out = self.client.midi_outports.register("out")
        self.audio_in = self.client.inports.register("in")
        self.blocksize = self.client.blocksize
        self.samplerate = self.client.samplerate
        self._blocks = []          # (frame_time, float32 block)
        self._schedule = []        # sorted (frame, bytes)
        self.sent = []             # (frame, bytes) actually written
        self.recording = False
        self.now = None
        self.client.set_process_callback(self._process)

    def _process(self, frames):
        start = self.client.last_frame_time
        self.now = start
        self.midi_out.clear_buffer()
        while self._schedule and self._schedule[0][0] < start + frames:
            frame, data = self._schedule.pop(0)
            if frame < start:        # too late for its frame: never send it shifted
                continue
            self.midi_out.write_midi_event(frame - start, data)
            self.sent.append((frame, data))
        if self.recording:
            self._blocks.append((start, self.audio_in.get_array().copy()))

    def __enter__(self):
        self.client.activate()
        return self

    def __exit__(self, *exc):
        self.client.deactivate()
        self.client.close()

    def connect(self, jam_audio="beatforge:output_1", jam_midi="beatforge-midi:beatforge"):
        self.client.connect(jam_audio, self.audio_in)
        self.client.connect(self.midi_out, jam_midi)

    def frame_now(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self.now is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the probe's process callback never ran")
            time.sleep(0.01)
        return self.now

    def schedule(self, events):
        """``events``: ``[(absolute frame, bytes)]``; must be set before those frames come."""
        self._schedule = sorted(self._schedule + list(events), key=lambda e: e[0])

    def record_until(self, frame, timeout=30.0):
        """Record from now until JACK time ``frame``; returns ``(first_frame, audio)``."""
        self._blocks = []
        self.recording = True
        deadline = time.monotonic() + timeout
        while self.now is None or self.now < frame:
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.recording = False
        blocks = list(self._blocks)
        if not blocks:
            return None, np.zeros(0, np.float32)
        first = blocks[0][0]
        audio = np.zeros(blocks[-1][0] + len(blocks[-1][1]) - first, np.float32)
        for start, data in blocks:
            audio[start - first:start - first + len(data)] = data
        return first, audio


@pytest.fixture
def probe(jack_server):
    with Probe() as p:
        yield p


def onsets(audio, threshold=0.05):
    """Sample indices where the signal jumps from silence (|x| <= threshold) above it."""
    loud = np.abs(audio) > threshold
    return np.flatnonzero(loud & ~np.concatenate([[False], loud[:-1]]))


@pytest.fixture
def impulse_beat(impulse_kit, tmp_path):
    """Write a pattern file on the impulse kit; returns its path."""

    def make(tracks, bpm=120):
        lines = ["from beatforge import Beat", f"beat = Beat(bpm={bpm}, kit={str(impulse_kit)!r})"]
        lines += [f"beat.track({name!r}, {grid!r})" for name, grid in tracks]
        path = tmp_path / "loop.py"
        path.write_text("\n".join(lines) + "\n")
        return path

    return make


__all__ = ["Probe", "onsets", "RATE", "PERIOD", "signal"]
