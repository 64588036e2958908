"""``beatforge jam``: wires the beat, kit, audio host, MIDI inputs and UI together.

Threads: the audio host's callback (``Jam.render``, which also drains rtmidi's input queues;
rtmidi's own threads run no Python), the keyboard reader (TUI only) and the main thread, which polls the jam
(recording, section requests), draws the UI or the headless status line, and handles
SIGINT/SIGTERM: both stop the jam cleanly - MIDI ports closed, audio stopped, ``--record``
written - and the command exits 0.
"""
from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time

from ..errors import BeatforgeError

__all__ = ["run_jam", "JamSession"]

POLL_SECONDS = 0.02        # how often the main thread collects what the player played
STATUS_SECONDS = 1.0       # headless status line interval
CLOSE_TIMEOUT = 10.0       # seconds closing the audio host and MIDI may take at exit
# The audio callback is Python and needs the GIL: ask other threads to hand it over often
# (CPython's default switch interval is 5 ms, longer than a 128-frame period).
SWITCH_INTERVAL = 0.0005


def _sections(source):
    """``[(name, Beat)]`` from a Beat, or from a song-like object with ``sections``."""
    sections = getattr(source, "sections", None)
    if sections is None:
        return [(getattr(source, "name", None) or "A", source)]
    out = []
    items = sections.items() if hasattr(sections, "items") else sections
    for i, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2:
            out.append((str(item[0]), item[1]))
        else:
            out.append((getattr(item, "name", None) or chr(ord("A") + i), item))
    if not out:
        raise BeatforgeError("the song has no sections")
    return out


class JamSession:
    """One running jam: build with the options, ``run()`` until stopped, files written at the end."""

    def __init__(self, pattern=None, kit=None, audio="portaudio", midi_api="alsa", midi_in=(), pad_map=None,
                 buffer=256, sample_rate=48000, headless=False, record=None, stderr=None):
        self.pattern = pattern
        self.kit_spec = kit
        self.audio = audio
        self.midi_api = midi_api
        self.midi_in = list(midi_in or [])
        self.pad_map = pad_map
        self.buffer = buffer
        self.sample_rate = sample_rate
        self.headless = headless
        self.record = record
        self.stderr = stderr or sys.stderr
        self.events = queue.Queue()
        self.jam = None
        self.server = None
        self.midi = None

    def log(self, text):
        print(text, file=self.stderr, flush=True)

    # -- setup ---------------------------------------------------------------------------------
    def _load(self):
        from ..beat import Beat
        from ..kit import load_kit
        from ..source import load_source
        from .maps import load_map, resolve_notes
        from .sound import preload_kit

        if self.pattern is not None:
            source = load_source(self.pattern)
        else:
            source = Beat(kit=self.kit_spec or "factory", bars=1)
        sections = _sections(source)
        if self.kit_spec is not None:
            sections = [(name, beat.replace(kit=self.kit_spec)) for name, beat in sections]
        kit = preload_kit(load_kit(sections[0][1].kit))
        from ..engine.voices import VoicePlanner

        for _, beat in sections:      # unknown pads, impossible pitches and gains are reported now, before any audio
            hits = beat.hits(beat.length_bars(), self.sample_rate)
            for ref in {(type(h.pad), h.pad) for h in hits}:
                kit.pad(ref[1])
            planner = VoicePlanner(kit, self.sample_rate, getattr(beat, "seed", 0))
            for h in hits:
                planner.plan(h)
        pad_map = load_map(self.pad_map) if self.pad_map else None
        notes, warnings = resolve_notes(kit, pad_map)
        for text in warnings:
            self.log(f"beatforge: {text}")
        if not notes:
            raise BeatforgeError(f"no MIDI note reaches a pad of kit {kit.name!r}")
        return sections, kit, notes

    def start(self):
        from .jam import Jam
        from .midi_in import MidiInput
        from .server import AudioError, AudioServer

        sections, kit, notes = self._load()
        self.server = AudioServer(audio=self.audio, sample_rate=self.sample_rate, buffer_size=self.buffer)
        try:
            self.server.boot()
        except AudioError as err:
            raise BeatforgeError(str(err)) from None
        sr, block = self.server.sample_rate, self.server.buffer_size
        self.jam = Jam(sections, kit, notes, sr, block, log=self.log if self.headless else None)
        self.midi = MidiInput(api=self.midi_api, patterns=self.midi_in, log=self.log)
        try:
            self.midi.open()
        except OSError as err:
            self.log(f"beatforge: {err}; playing without MIDI input")
        self.jam.attach_midi(self.midi.sources())
        self.server.start(self.jam.render)
        self.log(f"beatforge: jam running: {self.audio} {sr} Hz, {block}-frame blocks "
                 f"({1000.0 * block / sr:.2f} ms); MIDI in: {', '.join(self.midi.ports) or 'none'}"
                 + (f"; audio to {', '.join(self.server.connected_to)}" if self.server.connected_to else ""))

    def stop(self):
        """Stop playing, write ``--record``, then close the audio host and MIDI (idempotent).

        The files are written before anything is closed, and closing runs under a watchdog: if
        the audio or MIDI backend hangs while closing (a loaded machine, a wedged JACK server),
        the process exits anyway after :data:`CLOSE_TIMEOUT` seconds - the JACK server drops
        the clients of a process that is gone, and the ALSA sequencer its ports.
        """
        if self.server is not None:
            self.server.silence()     # no more callbacks: nothing new is played or recorded
        if self.jam is not None and self.record:
            self.jam.write_record(self.record)
            self.log(f"beatforge: wrote {self.record} ({len(self.jam.performance)} notes)")
            self.record = None
        watchdog = threading.Timer(CLOSE_TIMEOUT, self._give_up)
        watchdog.daemon = True
        watchdog.start()
        try:
            if self.server is not None:
                self.server.stop()    # before the MIDI inputs: the audio callback reads them
            if self.jam is not None:
                self.jam.attach_midi(())
            if self.midi is not None:
                self.midi.close()
                self.midi = None
        finally:
            watchdog.cancel()

    def _give_up(self):
        self.log(f"beatforge: closing the audio/MIDI ports took over {CLOSE_TIMEOUT:g} s; exiting")
        os._exit(0)

    # -- running -------------------------------------------------------------------------------
    def status(self):
        jam, server = self.jam, self.server
        p = jam.player
        bar, step = jam.position()
        sr = server.sample_rate
        peak = (p.peak_l, p.peak_r)
        p.peak_l = p.peak_r = 0.0
        return {
            "section": jam.sections[jam.section][0], "bar": bar + 1, "step": step + 1,
            "bpm": float(jam.bpm), "recording": jam.armed, "notes": p.notes,
            "latency_ms": 1000.0 * p.latency_frames / sr, "max_latency_ms": 1000.0 * p.max_latency_frames / sr,
            "xruns": server.xruns, "late": server.late, "load": server.load, "peak_load": server.peak_load,
            "voices": jam.voices.active, "peak": peak, "dropped": jam.ring_in.dropped,
        }

    def status_line(self):
        s = self.status()
        return (f"beatforge: {s['section']} bar {s['bar']} step {s['step']:2d} | {s['bpm']:.2f} bpm | "
                f"{'REC' if s['recording'] else 'rec off'} | notes {s['notes']} | "
                f"latency {s['latency_ms']:.2f} ms (max {s['max_latency_ms']:.2f}) | xruns {s['xruns']} "
                f"(late callbacks {s['late']}) | "
                f"load {100 * s['load']:.0f}% (peak {100 * s['peak_load']:.0f}%) | voices {s['voices']}")

    def run(self):
        """Run until SIGINT/SIGTERM (or ``q`` in the UI).  Returns the exit status (0)."""
        previous = {}

        def on_signal(signum, frame):
            self.events.put(("stop", signum))

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
        old_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        ui = None
        try:
            self.start()
            if not self.headless:
                from .tui import TerminalUI

                ui = TerminalUI(self, self.events)
                ui.start()
            next_status = time.monotonic() + STATUS_SECONDS
            while True:
                try:
                    event = self.events.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    event = None
                self.jam.poll()
                if event is not None:
                    if event[0] == "stop":
                        break
                    if ui is not None:
                        ui.handle(event)
                if ui is not None:
                    ui.refresh()
                elif time.monotonic() >= next_status:
                    next_status += STATUS_SECONDS
                    self.log(self.status_line())
                err = self.server.callback_error if self.server is not None else None
                if err is not None:
                    raise BeatforgeError(f"audio callback failed: {type(err).__name__}: {err}")
        finally:
            if ui is not None:
                ui.stop()
            try:
                self.stop()
            finally:
                sys.setswitchinterval(old_interval)
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
        if self.jam is not None:
            self.log(self.status_line().replace("beatforge:", "beatforge: stopped:", 1))
        return 0


def run_jam(**options):
    return JamSession(**options).run()
