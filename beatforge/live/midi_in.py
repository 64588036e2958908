"""MIDI input for the live jam: mido port names over python-rtmidi, ALSA sequencer or JACK.

Every jam opens a virtual input called ``beatforge`` (ALSA: client ``beatforge``; JACK: port
``beatforge-midi:beatforge``, since the audio client already owns the JACK name ``beatforge``).
It also connects to hardware inputs: those whose names contain one of the ``--midi-in``
substrings (case-insensitive), or by default every input that looks like hardware.

No Python runs on rtmidi's threads.  rtmidi keeps each input's messages in its own lock-free
single-producer single-consumer ring (its "polling mode"), filled by its ALSA thread or JACK
process callback; the audio callback drains those rings itself (:meth:`MidiInput.sources`).
A Python callback on rtmidi's JACK process thread would have to take the GIL there, and any
wait for it (the UI drawing, say) makes that JACK client miss its cycle and lose the MIDI of
the cycle.

Timestamps: rtmidi stamps each message when its backend receives it (ALSA: per event; JACK:
per period) and hands out the time since the previous message.  :class:`Stamper` turns the
running sum into ``time.perf_counter`` times (a message arrived between two reads of its input),
so placement inside the block does not depend on when the audio callback happened to look.  mido's own rtmidi ports drop these times, which is why the
inputs are opened with python-rtmidi directly (the library mido uses); mido lists the ports and
the jam writes its files with mido.
"""
import re
import sys

__all__ = ["API_NAMES", "VIRTUAL_PORT", "MidiInput", "Stamper", "input_names", "is_hardware", "select_inputs"]

API_NAMES = {"alsa": "LINUX_ALSA", "jack": "UNIX_JACK"}
VIRTUAL_PORT = "beatforge"
CLIENT_NAMES = {"alsa": "beatforge", "jack": "beatforge-midi"}
DRIFT = 1e-4            # clock drift allowed between rtmidi's clock and perf_counter (100 ppm)
QUEUE_SIZE = 1024        # messages rtmidi holds per input between two audio blocks

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


class Stamper:
    """Turns one rtmidi input's delta times into ``perf_counter`` times (see the module doc).

    The input is read once per audio block; a message read at ``seen`` that was not there at the
    previous read (``prev``) arrived in between.  With ``backend`` the running sum of rtmidi's
    deltas, the anchor ``A`` (perf time of backend time 0) therefore lies in
    ``[prev - backend, seen - backend]`` for every message; the bounds are intersected over all
    messages and the lower one is used (rtmidi's JACK backend stamps at its process callback,
    early in the period, and ALSA events arrive at random phases, so the lower bound is the
    tight one).  Both bounds may relax by :data:`DRIFT` seconds per second of backend time, so
    the two clocks may drift apart.
    """

    __slots__ = ("backend", "lo", "hi", "last_read")

    def __init__(self):
        self.backend = None
        self.lo = None
        self.hi = None
        self.last_read = None     # perf time of the previous read of this input

    def stamp(self, delta, seen):
        if self.backend is None:
            self.backend = 0.0
        else:
            self.backend += delta
            self.hi += DRIFT * delta
            if self.lo is not None:
                self.lo -= DRIFT * delta
        backend = self.backend
        hi = seen - backend
        if self.hi is None or hi < self.hi:
            self.hi = hi
        prev = self.last_read
        if prev is not None:
            lo = prev - backend
            if self.lo is None or lo > self.lo:
                self.lo = lo
        anchor = self.hi if self.lo is None else min(self.lo, self.hi)
        return anchor + backend


class MidiInput:
    """The jam's MIDI inputs: the virtual ``beatforge`` port plus selected device inputs.

    A context manager; :meth:`close` is idempotent.  ``self.ports`` lists what was opened;
    :meth:`sources` gives the audio callback ``(rtmidi input, Stamper)`` pairs to drain.
    """

    def __init__(self, api="alsa", patterns=None, log=None):
        _check_api(api)
        self.api = api
        self.patterns = list(patterns or [])
        self.log = log or (lambda text: print(text, file=sys.stderr))
        self.ports = []        # names of the opened inputs, virtual first
        self.devices = []      # names of the opened hardware/software device inputs
        self._inputs = []      # (rtmidi.MidiIn, Stamper)

    def open(self):
        import rtmidi

        rtapi = getattr(rtmidi, f"API_{API_NAMES[self.api]}")
        client = CLIENT_NAMES[self.api]
        try:
            virtual = rtmidi.MidiIn(rtapi=rtapi, name=client, queue_size_limit=QUEUE_SIZE)
            virtual.open_virtual_port(VIRTUAL_PORT)
        except Exception as err:  # rtmidi raises its own SystemError/RuntimeError subclasses
            hint = " (is the ALSA sequencer available? or use --midi-api jack)" if self.api == "alsa" else ""
            raise OSError(f"cannot open the {self.api.upper()} MIDI input {VIRTUAL_PORT!r}: "
                          f"{str(err).strip().rstrip('.')}{hint}") from err
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
                port = rtmidi.MidiIn(rtapi=rtapi, name=client, queue_size_limit=QUEUE_SIZE)
                port.open_port(names.index(name), VIRTUAL_PORT)
            except Exception as err:
                self.log(f"beatforge: cannot open MIDI input {name!r}: {err}")
                continue
            self._attach(port, name)
            self.devices.append(name)
        return self

    def _attach(self, port, name):
        port.ignore_types(sysex=True, timing=True, active_sense=True)
        self._inputs.append((port, Stamper()))
        self.ports.append(name)

    def sources(self):
        """``[(rtmidi input, Stamper)]`` for the audio callback to drain with ``get_message()``."""
        return list(self._inputs)

    def close(self):
        inputs, self._inputs = self._inputs, []
        for port, _ in inputs:
            try:
                port.close_port()
                port.delete()
            except Exception:
                pass

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()
