"""MIDI input for the live jam: mido port names over python-rtmidi, ALSA sequencer or JACK.

Every jam opens a virtual input called ``beatforge`` (ALSA: client ``beatforge``; JACK: port
``beatforge-midi:beatforge``, since the audio client already owns the JACK name ``beatforge``).
It also connects to hardware inputs: those whose names contain one of the ``--midi-in``
substrings (case-insensitive), or by default every input that looks like hardware.

Each message is handed to ``on_message(time, status, data1, data2)`` on rtmidi's thread, with
``time`` on :func:`time.perf_counter`'s clock.  mido's rtmidi ports drop rtmidi's delta times,
so the inputs are opened with python-rtmidi directly (the same library mido uses) to keep them:
the backend's deltas place messages relative to each other without the jitter of Python thread
scheduling (ALSA stamps each event; rtmidi's JACK backend stamps once per JACK period).  The
running sum is anchored to ``perf_counter`` at the first message and re-anchored whenever it
drifts from it by more than :data:`REANCHOR_SECONDS`.
"""
import re
import sys
import time

__all__ = ["API_NAMES", "VIRTUAL_PORT", "MidiInput", "input_names", "is_hardware", "select_inputs"]

API_NAMES = {"alsa": "LINUX_ALSA", "jack": "UNIX_JACK"}
VIRTUAL_PORT = "beatforge"
CLIENT_NAMES = {"alsa": "beatforge", "jack": "beatforge-midi"}
REANCHOR_SECONDS = 0.05

_ALSA_ADDRESS = re.compile(r"(\d+):(\d+)$")
# JACK ports that stand for hardware: the backend's own, a2jmidid's bridge, PipeWire's bridge.
_JACK_HARDWARE = ("system:", "a2j:", "midi-bridge:", "alsa_midi:")


def _check_api(api):
    if api not in API_NAMES:
        raise ValueError(f"MIDI API must be one of {sorted(API_NAMES)}, not {api!r}")


def _backend(api):
    import mido

    return mido.Backend(f"mido.backends.rtmidi/{API_NAMES[api]}", load=True)


def input_names(api="alsa"):
    """Names of the MIDI inputs visible on ``api`` (as mido lists them)."""
    _check_api(api)
    return list(_backend(api).get_input_names())


def is_hardware(name, api="alsa"):
    """Guess whether an input name belongs to a device rather than to software."""
    if api == "alsa":
        m = _ALSA_ADDRESS.search(name)
        # ALSA kernel (hardware) clients are numbered below 128; 0 is System, 14 Midi Through.
        return bool(m) and int(m.group(1)) < 128 and int(m.group(1)) not in (0, 14)
    lowered = name.lower()
    return lowered.startswith(_JACK_HARDWARE)


def _is_own(name, api):
    client = CLIENT_NAMES[api]
    return name.startswith(f"{client}:") or name.startswith(f"{client}-")


def select_inputs(names, patterns=None, api="alsa"):
    """Pick the inputs to connect: substring matches of ``patterns``, else every hardware input.

    Returns ``(selected, unmatched_patterns)``.  Our own virtual port is never selected.
    """
    names = [n for n in names if not _is_own(n, api)]
    if not patterns:
        return [n for n in names if is_hardware(n, api)], []
    selected, unmatched = [], []
    for pattern in patterns:
        hits = [n for n in names if pattern.lower() in n.lower()]
        if not hits:
            unmatched.append(pattern)
        selected.extend(h for h in hits if h not in selected)
    return selected, unmatched


class _Stamper:
    """Turns one rtmidi input's delta times into ``perf_counter`` times."""

    __slots__ = ("last",)

    def __init__(self):
        self.last = None

    def __call__(self, delta):
        now = time.perf_counter()
        if self.last is None:
            t = now
        else:
            t = self.last + delta
            if t > now or now - t > REANCHOR_SECONDS:
                t = now
        self.last = t
        return t


class MidiInput:
    """The jam's MIDI inputs: the virtual ``beatforge`` port plus selected device inputs.

    A context manager; :meth:`close` is idempotent.  ``self.ports`` lists what was opened.
    """

    def __init__(self, on_message, api="alsa", patterns=None, log=None):
        _check_api(api)
        self.api = api
        self.on_message = on_message
        self.patterns = list(patterns or [])
        self.log = log or (lambda text: print(text, file=sys.stderr))
        self.ports = []        # names of the opened inputs, virtual first
        self.devices = []      # names of the opened hardware/software device inputs
        self._inputs = []      # rtmidi.MidiIn objects; rtmidi calls into them, keep them alive

    def open(self):
        import rtmidi

        rtapi = getattr(rtmidi, f"API_{API_NAMES[self.api]}")
        client = CLIENT_NAMES[self.api]
        try:
            virtual = rtmidi.MidiIn(rtapi=rtapi, name=client)
            virtual.open_virtual_port(VIRTUAL_PORT)
        except Exception as err:  # rtmidi raises its own SystemError/RuntimeError subclasses
            raise OSError(f"cannot open the {self.api.upper()} MIDI input {VIRTUAL_PORT!r}: {err}") from err
        self._attach(virtual, f"{client}:{VIRTUAL_PORT}")
        try:
            names = virtual.get_ports()
        except Exception:
            names = []
        selected, unmatched = select_inputs(names, self.patterns, self.api)
        for pattern in unmatched:
            self.log(f"beatforge: no MIDI input matches {pattern!r}; inputs: {', '.join(names) or 'none'}")
        for name in selected:
            try:
                port = rtmidi.MidiIn(rtapi=rtapi, name=client)
                port.open_port(names.index(name), VIRTUAL_PORT)
            except Exception as err:
                self.log(f"beatforge: cannot open MIDI input {name!r}: {err}")
                continue
            self._attach(port, name)
            self.devices.append(name)
        return self

    def _attach(self, port, name):
        stamp = _Stamper()
        on_message = self.on_message

        def callback(event, _data):
            # rtmidi's thread (for JACK: the rtmidi client's process thread): stamp and hand on.
            message, delta = event
            if len(message) < 3:
                if len(message) == 2:
                    on_message(stamp(delta), message[0], message[1], 0)
                return
            on_message(stamp(delta), message[0], message[1], message[2])

        port.ignore_types(sysex=True, timing=True, active_sense=True)
        port.set_callback(callback)
        self._inputs.append(port)
        self.ports.append(name)

    def close(self):
        inputs, self._inputs = self._inputs, []
        for port in inputs:
            try:
                port.cancel_callback()
                port.close_port()
                port.delete()
            except Exception:
                pass

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()
