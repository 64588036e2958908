"""The terminal UI of ``beatforge jam`` (rich): the grid with its playhead, and keyboard control.

Drawn from the main thread (``refresh``) about 15 times a second; rich's own refresh thread is
off so drawing never competes with the audio callback at unexpected times.  Keys are read by a
small thread from the terminal in cbreak mode (Ctrl-C still raises SIGINT) and queued to the
main thread, which owns the jam's control state.

Keys::

    1 2 3 4 / q w e r / a s d f / z x c v   pads (MPC layout: notes 36-51, bottom-left first)
    space  record on/off        u / y  undo / redo          up/down or [ ]  select track
    m  mute   o  solo   backspace  clear the selected track
    - / =  tempo -1 / +1        t  tap tempo                k  metronome
    n  note repeat rate         g  quantize grid            h  quantize strength   j  swing
    , / .  previous / next section (at the next bar)        S  save the loop (.py and .mid)
    Q or Esc  quit
"""
from __future__ import annotations

import os
import select
import sys
import threading
import time

from .jam import GRIDS, REPEAT_RATES

__all__ = ["TerminalUI", "PAD_KEYS", "handle_key"]

PAD_KEYS = "zxcvasdfqwer1234"          # bottom row first: pad k plays note 36 + k
REFRESH_SECONDS = 1 / 10
STRENGTHS = (1.0, 0.75, 0.5, 0.25)
SWINGS = (50, 54, 56, 58, 62, 66)


def _cycle(options, current):
    options = list(options)
    try:
        return options[(options.index(current) + 1) % len(options)]
    except ValueError:
        return options[0]


def handle_key(session, key, state):
    """Apply one key to the jam.  ``state``: the UI's selection (``{"track": index}``).

    Returns False when the key asks to quit.  Separate from the UI class so it can be tested.
    """
    jam = session.jam
    tracks = jam.tracks
    sel = state.get("track", 0)
    track = tracks[sel] if tracks and sel < len(tracks) else None
    if key in PAD_KEYS:
        note = 36 + PAD_KEYS.index(key)
        index = int(jam.note_map[note])
        if index < 0 and PAD_KEYS.index(key) < len(jam.pads):
            index = PAD_KEYS.index(key)
        jam.hit_pad(index, 100.0)
    elif key == " ":
        jam.toggle_record()
    elif key == "u":
        jam.undo()
    elif key == "y":
        jam.redo()
    elif key in ("up", "["):
        state["track"] = (sel - 1) % max(1, len(tracks))
    elif key in ("down", "]"):
        state["track"] = (sel + 1) % max(1, len(tracks))
    elif key == "m" and track:
        jam.mute(track)
    elif key == "o" and track:
        jam.solo(track)
    elif key == "backspace" and track:
        jam.clear_track(track)
    elif key == "-":
        jam.nudge_tempo(-1)
    elif key in ("=", "+"):
        jam.nudge_tempo(+1)
    elif key == "t":
        jam.tap()
    elif key == "k":
        jam.set_metronome()
        jam.note("metronome " + ("on" if jam.player.metronome else "off"))
    elif key == "n":
        current = jam.repeat_name if jam.player.repeat else "off"
        rate = _cycle(REPEAT_RATES, current)
        jam.set_repeat(rate)
        jam.note(f"note repeat {rate}")
    elif key == "g":
        jam.set_grid(_cycle(GRIDS, jam.grid_name))
        jam.note(f"quantize {jam.grid_name}")
    elif key == "h":
        jam.set_strength(_cycle(STRENGTHS, float(jam.strength)))
        jam.note(f"quantize strength {float(jam.strength):.0%}")
    elif key == "j":
        jam.set_swing(_cycle(SWINGS, float(jam.swing)))
        jam.note(f"swing {float(jam.swing):g}")
    elif key in (",", "."):
        step = -1 if key == "," else 1
        jam.switch_section((jam.section + step) % len(jam.sections))
    elif key == "S":
        stamp = time.strftime("%Y%m%d-%H%M%S")
        jam.save_pattern(f"jam-{stamp}.py")
        jam.save_midi(f"jam-{stamp}.mid")
    elif key in ("Q", "esc"):
        return False
    return True


class _Keyboard(threading.Thread):
    """Reads keys from the terminal and queues ``("key", name)`` events."""

    def __init__(self, events):
        super().__init__(name="beatforge-keys", daemon=True)
        self.events = events
        self.fd = sys.stdin.fileno()
        self.running = True
        self._saved = None

    def start(self):
        import termios
        import tty

        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        super().start()

    def stop(self):
        import termios

        self.running = False
        self.join(timeout=1.0)
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def run(self):
        pending = b""
        while self.running:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                if pending == b"\x1b":
                    self.events.put(("key", "esc"))
                pending = b""
                continue
            data = pending + os.read(self.fd, 32)
            pending = b""
            i = 0
            while i < len(data):
                if data[i:i + 3] in (b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D"):
                    self.events.put(("key", {b"A": "up", b"B": "down", b"C": "right", b"D": "left"}[data[i + 2:i + 3]]))
                    i += 3
                    continue
                if data[i:i + 1] == b"\x1b" and i + 1 == len(data):
                    pending = b"\x1b"     # maybe the start of an arrow key
                    break
                ch = data[i:i + 1]
                if ch in (b"\x7f", b"\x08"):
                    self.events.put(("key", "backspace"))
                elif ch == b"\x1b":
                    self.events.put(("key", "esc"))
                else:
                    self.events.put(("key", ch.decode("latin-1")))
                i += 1


class TerminalUI:
    def __init__(self, session, events):
        self.session = session
        self.events = events
        self.state = {"track": 0}
        self.keyboard = None
        self.live = None
        self._next = 0.0
        self._grid_cache = (None, None)

    def start(self):
        from rich.console import Console
        from rich.live import Live

        self.console = Console()
        if sys.stdin.isatty():
            self.keyboard = _Keyboard(self.events)
            self.keyboard.start()
        else:
            self.session.jam.note("stdin is not a terminal: no keyboard control")
        self.live = Live(self.render(), console=self.console, auto_refresh=False, transient=False,
                         redirect_stderr=False)
        self.live.start()

    def stop(self):
        if self.keyboard is not None:
            self.keyboard.stop()
            self.keyboard = None
        if self.live is not None:
            self.live.update(self.render(), refresh=True)
            self.live.stop()
            self.live = None

    def handle(self, event):
        if event[0] == "key":
            if not handle_key(self.session, event[1], self.state):
                self.events.put(("stop", None))

    def refresh(self):
        now = time.monotonic()
        if self.live is None or now < self._next:
            return
        self._next = now + REFRESH_SECONDS
        self.live.update(self.render(), refresh=True)

    # -- drawing ------------------------------------------------------------------------------
    # Drawing runs on the main thread, which shares the GIL with the audio callback: it is kept
    # cheap (one Text of pre-built strings; grid rows cached per loop and bar) because a long
    # stretch of Python here delays the callback.
    def _rows(self, loop, bar):
        """Per track: the 16 step characters of ``bar`` (cached per loop and bar)."""
        key = (loop, bar)
        if self._grid_cache[0] == key:
            return self._grid_cache[1]
        cells = {}
        for frame, track, hit in zip(loop.frame_list, loop.track_list, loop.hits):
            step = (frame * 16 * loop.bar_den) // loop.bar_num - 16 * bar
            if 0 <= step < 16:
                row = cells.setdefault(track, ["."] * 16)
                v = hit.velocity
                ch = "X" if v >= 120 else "x" if v >= 70 else "o"
                if row[step] == "." or ch == "X":
                    row[step] = ch
        rows = {i: "".join(r) for i, r in cells.items()}
        self._grid_cache = (key, rows)
        return rows

    def render(self):
        import math

        from rich.text import Text

        session = self.session
        jam = session.jam
        status = session.status()
        player = jam.player
        loop = player.loop
        bar, step = jam.position()
        rows = self._rows(loop, bar)
        rec = status["recording"]
        out = Text()
        out.append("beatforge jam  ", "bold")
        out.append(f"{status['section']} ({jam.section + 1}/{len(jam.sections)})  ")
        out.append(f"{status['bpm']:.2f} bpm", "bold cyan")
        out.append(f"  bar {bar + 1}/{loop.bars}  ")
        out.append("● REC" if rec else "○ rec", "bold red" if rec else "dim")
        out.append(f"  quantize {jam.grid_name} {float(jam.strength):.0%}  swing {float(jam.swing):g}"
                   f"  repeat {jam.repeat_name if player.repeat else 'off'}"
                   f"  click {'on' if player.metronome else 'off'}\n")
        width = max([8] + [len(t) for t in jam.tracks])
        out.append(" " * (width + 4) + " " * (step + step // 4) + "▼\n")
        sel = self.state.get("track", 0)
        empty = "." * 16
        for i, name in enumerate(jam.tracks):
            cells = rows.get(i, empty)
            flags = ("M" if name in jam.mutes else " ") + ("S" if name in jam.solos else " ")
            out.append(name.rjust(width), "reverse" if i == sel else "")
            out.append(f" {flags} ", "yellow")
            grouped = " ".join(cells[k:k + 4] for k in range(0, 16, 4))
            col = step + step // 4
            out.append(grouped[:col])
            out.append(grouped[col], "reverse")
            out.append(grouped[col + 1:] + "\n")

        def meter(x):
            db = 20 * math.log10(x) if x > 1e-6 else -96.0
            n = max(0, min(30, int((db + 60) / 2)))
            return "█" * n + "·" * (30 - n) + f" {db:6.1f} dB"

        peak_l, peak_r = status["peak"]
        out.append(f"L {meter(peak_l)}\nR {meter(peak_r)}\n", "green")
        out.append(f"latency {status['latency_ms']:.2f} ms (max {status['max_latency_ms']:.2f})   "
                   f"xruns {status['xruns']} (late callbacks {status['late']})   callback load {100 * status['load']:.0f}% "
                   f"(peak {100 * status['peak_load']:.0f}%)   voices {status['voices']}   notes {status['notes']}\n")
        midi = session.midi
        ports = midi.ports if midi is not None else []
        devices = midi.devices if midi is not None else []
        out.append("MIDI in: " + (", ".join(ports) or "none")
                   + ("" if devices else "   (no device: keyboard pads zxcv asdf qwer 1234)") + "\n", "dim")
        out.append("space rec · u/y undo/redo · ↑↓ track · m mute · o solo · ⌫ clear · -/= tempo · t tap · "
                   "k click · n repeat · g grid · h strength · j swing · ,/. section · S save · Q quit\n", "dim")
        out.append("\n".join(jam.messages[-3:]), "italic")
        return out
