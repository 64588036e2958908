"""The audio host of the live jam: a pyo Server whose process callback renders the engine.

pyo calls ``render(block_start, t_callback, left, right)`` at the start of every block, before it computes
its own object tree ("just before the computation of the audio object tree", pyo's
``Server.setCallback``).  ``left``/``right`` are numpy views of two one-block ``DataTable``s
(``getBuffer()`` shares their memory), and a ``TableScan`` per channel plays them: a table as
long as the block is read from its start in every block, so what the callback writes is heard
in the same block, with no extra buffer of latency.  The JACK end-to-end tests measure this.

PortAudio is the default host (ALSA, PulseAudio, PipeWire); ``audio="jack"`` opens a JACK
client named ``beatforge`` on the server named by ``JACK_DEFAULT_SERVER`` (pyo opens its client
with ``JackNullOption``, so the variable decides) and connects its outputs to the physical
playback ports when there are any.  pyo's own auto-connect is switched off: it assumes ports
called ``system:playback_*`` exist and dereferences a NULL list when they do not, so the ports
are looked up first (JACK-Client, through the ``beatforge-monitor`` client that also counts the
server's xruns) and handed to ``setJackAutoConnectOutputPorts``.
"""
import os
import sys
import time

import numpy as np

__all__ = ["AudioServer", "AudioError", "CLIENT_NAME", "JackMonitor", "import_pyo"]

CLIENT_NAME = "beatforge"
AUDIO_HOSTS = ("portaudio", "jack")


class AudioError(RuntimeError):
    """The audio host could not be started."""


def import_pyo():
    """Import pyo quietly: no wxPython nag on stdout (the jam only uses pyo's engine)."""
    os.environ.setdefault("PYO_GUI_WX", "0")
    import pyo

    quiet_alsa(pyo)
    return pyo


_ALSA_HANDLER = None
_ALSA_QUIETED: set = set()


def quiet_alsa(pyo=None):
    """Stop libasound printing its configuration chatter ("ALSA lib pcm.c:...: Unknown PCM
    cards.pcm.rear", dozens of lines) on stderr while PortAudio and rtmidi probe the devices.
    What matters (no output device, a host that does not start) is reported by beatforge itself.
    Both the system's libasound (rtmidi) and the copy bundled with pyo's wheel (its PortAudio)
    get the silent handler."""
    global _ALSA_HANDLER
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util
    import glob

    paths = [ctypes.util.find_library("asound") or "libasound.so.2"]
    if pyo is not None:
        libs = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(pyo.__file__))), "pyo.libs")
        paths += sorted(glob.glob(os.path.join(libs, "libasound*.so*")))
    if _ALSA_HANDLER is None:
        handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                        ctypes.c_char_p)
        _ALSA_HANDLER = handler_type(lambda *args: None)   # kept alive: libasound holds the pointer
    for path in paths:
        if path in _ALSA_QUIETED:
            continue
        _ALSA_QUIETED.add(path)
        try:
            ctypes.CDLL(path).snd_lib_error_set_handler(_ALSA_HANDLER)
        except (OSError, AttributeError):
            pass


def _jack_server_running() -> bool:
    """Whether a JACK server answers (no server is started, and libjack's complaints are hushed)."""
    import jack

    jack.set_error_function(lambda msg: None)
    jack.set_info_function(lambda msg: None)
    try:
        client = jack.Client(f"{CLIENT_NAME}-probe", no_start_server=True)
    except jack.JackError:
        return False
    finally:
        jack.set_error_function()
        jack.set_info_function()
    client.close()
    return True


class JackMonitor:
    """A port-less JACK client (``beatforge-monitor``) that finds the physical playback ports
    and counts the server's xruns (JACK reports them to every client)."""

    def __init__(self):
        import jack

        self.xruns = 0
        self.client = jack.Client(f"{CLIENT_NAME}-monitor", no_start_server=True)
        self.client.set_xrun_callback(self._xrun)
        self.client.activate()

    def _xrun(self, delayed_usecs):
        self.xruns += 1   # JACK's notification thread, not the process thread

    def playback_ports(self):
        ports = self.client.get_ports(is_audio=True, is_input=True, is_physical=True)
        return [p.name for p in ports]

    def close(self):
        try:
            self.client.deactivate()
            self.client.close()
        except Exception:
            pass


class AudioServer:
    """Owns the pyo Server, the two block tables and the per-block timing figures.

    ``render(block_start, t_callback, left, right)`` is called on the audio thread for every
    block (``t_callback``: ``time.perf_counter()`` at the callback's start); it must fill ``left``
    and ``right`` (float32 views, one block long) and may not allocate or block.
    The server measures the callback itself: ``load`` (callback time / period, smoothed over about
    100 blocks), ``peak_load``,
    ``late`` (callbacks that came more than 1.5 periods after the previous one) and ``blocks``.
    ``xruns`` is the JACK server's xrun count on JACK, else the late callbacks (pyo does not
    pass PortAudio's underflow flags on).
    """

    def __init__(self, render=None, audio="portaudio", sample_rate=48000, buffer_size=256,
                 channels=2, verbosity=1):
        if audio not in AUDIO_HOSTS:
            raise ValueError(f"audio host must be one of {AUDIO_HOSTS}, not {audio!r}")
        self.render = render
        self.audio = audio
        self.requested_rate = int(sample_rate)
        self.requested_buffer = int(buffer_size)
        self.channels = channels
        self.verbosity = verbosity
        self.server = None
        self.connected_to = []
        self.frame = 0
        self.blocks = 0
        self.load = 0.0
        self.peak_load = 0.0
        self.late = 0
        self.monitor = None
        self.callback_error = None
        self._last_start = None

    # -- lifecycle ------------------------------------------------------------------------
    def boot(self):
        """Open the audio host; afterwards ``sample_rate`` and ``buffer_size`` are what it imposed."""
        pyo = import_pyo()
        if self.audio == "portaudio" and pyo.pa_get_default_output() < 0:
            # pyo's PortAudio boot dereferences a missing device and crashes the process
            raise AudioError("PortAudio finds no audio output device (use --audio jack with a JACK server?)")
        playback = []
        if self.audio == "jack":
            # without a server pyo's boot spends seconds failing and prints libjack's and its
            # own errors (on stdout); say it once instead
            if not _jack_server_running():
                raise AudioError("the jack audio host did not start (is a JACK server running?)")
            try:
                self.monitor = JackMonitor()
                playback = self.monitor.playback_ports()
            except Exception:   # no JACK server: pyo's boot below says so
                self.monitor = None
        server = pyo.Server(sr=self.requested_rate, nchnls=self.channels,
                            buffersize=self.requested_buffer, duplex=0, audio=self.audio,
                            jackname=CLIENT_NAME, verbosity=self.verbosity)
        server.deactivateMidi()  # MIDI comes through mido/rtmidi, not pyo's PortMidi
        if self.audio == "jack":
            server.setJackAuto(False, False)
            if len(playback) >= self.channels:
                server.setJackAutoConnectOutputPorts([[p] for p in playback[: self.channels]])
                self.connected_to = playback[: self.channels]
            elif playback:
                server.setJackAutoConnectOutputPorts([[playback[0]]] * self.channels)
                self.connected_to = playback[:1]
        server.boot()
        if not server.getIsBooted():
            raise AudioError(f"the {self.audio} audio host did not start"
                             + (" (is a JACK server running?)" if self.audio == "jack"
                                else " (no usable audio output device?)"))
        self.server = server
        # JACK imposes its own rate and period; PortAudio takes what we asked for.
        self.sample_rate = int(server.getSamplingRate())
        self.buffer_size = int(server.getBufferSize())
        self.period = self.buffer_size / self.sample_rate
        # pyo objects hold the tables; the numpy views below alias their memory (keep both).
        self._tables = [pyo.DataTable(self.buffer_size) for _ in range(self.channels)]
        self.buffers = [np.asarray(t.getBuffer()) for t in self._tables]
        for buf in self.buffers:
            buf[:] = 0.0
        self._scan = pyo.TableScan(self._tables).out()
        return self

    def start(self, render=None):
        """Install the render callback and start processing."""
        if render is not None:
            self.render = render
        if self.server is None:
            self.boot()
        self.server.setCallback(self._callback)
        self.server.start()
        return self

    def silence(self):
        """Stop calling ``render`` (the host keeps running, outputting silence); idempotent."""
        if self.server is not None:
            self.server.setCallback(_silence)
            time.sleep(min(0.2, 4 * self.period))  # let a running callback finish

    def stop(self):
        """Stop and shut the server down (idempotent); pyo closes its JACK client here."""
        server, self.server = self.server, None
        monitor, self.monitor = self.monitor, None
        if server is None:
            if monitor is not None:
                monitor.close()
            return
        try:
            server.setCallback(_silence)
            server.stop()
            time.sleep(min(0.2, 4 * self.period))  # let a running callback finish
            server.shutdown()
        except Exception as err:  # pragma: no cover - best effort at exit
            print(f"beatforge: audio shutdown: {err}", file=sys.stderr)
        if monitor is not None:
            monitor.close()

    @property
    def xruns(self):
        return self.monitor.xruns if self.monitor is not None else self.late

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- audio thread ---------------------------------------------------------------------
    def _callback(self):
        t0 = time.perf_counter()
        last = self._last_start
        if last is not None and t0 - last > 1.5 * self.period:
            self.late += 1
        self._last_start = t0
        try:
            self.render(self.frame, t0, self.buffers[0], self.buffers[1])
        except Exception as err:  # never let an exception escape into pyo's C callback
            if self.callback_error is None:
                self.callback_error = err
            self.buffers[0].fill(0.0)
            self.buffers[1].fill(0.0)
        self.frame += self.buffer_size
        self.blocks += 1
        load = (time.perf_counter() - t0) / self.period
        self.load += 0.01 * (load - self.load)   # smoothed over ~100 blocks
        if load > self.peak_load:
            self.peak_load = load


def _silence():
    """pyo's per-block callback while the jam is being stopped: nothing left to mix."""
