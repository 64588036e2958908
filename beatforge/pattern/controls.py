"""Controls: patterns of per-event parameters for beats (Strudel's ``s``, ``n``, ``note``, ``gain``...).

A track's events name pads and carry parameters. Event values the sequencer understands:

* a string (``"bd"``) or an int (MIDI note): the pad;
* a tuple ``("bd", 3)`` (mini-notation ``bd:3``): pad ``bd``, sample variant 3;
* a dict of parameters: ``pad``, ``variant``, ``velocity`` (0..127), ``pitch`` (semitones),
  ``note`` (MIDI note, played relative to the pad's root), ``pan`` (-1..1), ``gain_db``,
  ``probability`` (0..1), ``nudge`` (milliseconds, micro-timing), ``ratchet`` (hits per event).

Each control is both a function that makes a pattern of one parameter, and a method that sets the
parameter on an existing pattern, taking the structure from that pattern (Strudel's ``set``)::

    >>> [e.value for e in s("bd sd").velocity("100 60").first_cycle()]
    [{'pad': 'bd', 'velocity': 100}, {'pad': 'sd', 'velocity': 60}]
    >>> [e.value for e in note("c2 eb2").first_cycle()]
    [{'note': 36}, {'note': 39}]
    >>> from beatforge.pattern import mini
    >>> [e.value for e in mini("bd:3 hh").first_cycle()]
    [('bd', 3), 'hh']
    >>> as_params(("bd", 3))
    {'pad': 'bd', 'variant': 3}
"""

from __future__ import annotations

import re
from typing import Any

from .core import Pattern, reify

__all__ = [
    "CONTROLS",
    "as_params",
    "note_to_midi",
    "s",
    "sound",
    "pad",
    "n",
    "variant",
    "note",
    "velocity",
    "vel",
    "pitch",
    "pan",
    "gain_db",
    "probability",
    "prob",
    "nudge",
    "ratchet",
    "roll",
    "set_controls",
]

_NOTE_RE = re.compile(r"([a-gA-G])([#sbf]*)(-?\d+)?\Z")
_CHROMA = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_ACCIDENTAL = {"#": 1, "s": 1, "b": -1, "f": -1}


def note_to_midi(value: Any, default_octave: int = 3) -> float:
    """A note name (``c3``, ``f#2``, ``eb1``; octave 3 when omitted, C4 = 60) or a number, as a MIDI
    note number::

        >>> note_to_midi("c3"), note_to_midi("f#2"), note_to_midi("eb1"), note_to_midi(61)
        (48, 42, 27, 61)
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        m = _NOTE_RE.match(value.strip())
        if m:
            letter, acc, octave = m.groups()
            octave = default_octave if octave is None else int(octave)
            return (octave + 1) * 12 + _CHROMA[letter.lower()] + sum(_ACCIDENTAL[c] for c in acc)
    raise ValueError(f"not a note: {value!r} (use a name like c3, f#2, eb1 or a MIDI number)")


def as_params(value: Any) -> dict | None:
    """The parameter dict of an event value (``None`` for values that play nothing)."""
    if value is None or value is False:
        return None
    if isinstance(value, dict):
        return value
    if value is True:
        return {}
    if isinstance(value, tuple):
        if not value:
            return None
        out: dict = {"pad": value[0]}
        if len(value) > 1 and isinstance(value[1], (int, float)) and not isinstance(value[1], bool):
            out["variant"] = int(value[1])
        return out
    if isinstance(value, float) and value.is_integer():
        return {"pad": int(value)}
    return {"pad": value}


# name -> (canonical key, converter)
def _num(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        try:
            return float(v)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {v!r}") from None
    return v


def _int(v):
    return int(_num(v))


def _pad(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v


CONTROLS: dict[str, tuple[str, Any]] = {
    "pad": ("pad", _pad),
    "s": ("pad", _pad),
    "sound": ("pad", _pad),
    "variant": ("variant", _int),
    "n": ("variant", _int),
    "note": ("note", note_to_midi),
    "velocity": ("velocity", _num),
    "vel": ("velocity", _num),
    "pitch": ("pitch", _num),
    "pan": ("pan", _num),
    "gain_db": ("gain_db", _num),
    "probability": ("probability", _num),
    "prob": ("probability", _num),
    "nudge": ("nudge", _num),
    "ratchet": ("ratchet", _int),
    "roll": ("ratchet", _int),
}


def _arg_pattern(arg) -> Pattern:
    if isinstance(arg, Pattern):
        return arg
    if isinstance(arg, str):
        from .mini import mini

        return mini(arg)
    if isinstance(arg, (list, tuple)):
        from .core import fastcat

        return fastcat(*arg)
    return reify(arg)


def _control_value(name: str, v):
    key, convert = CONTROLS[name]
    if key == "pad":
        p = as_params(v)
        return None if p is None else {k: (_pad(x) if k == "pad" else x) for k, x in p.items()}
    if v is None:
        return None
    return {key: convert(v)}


def control(name: str, arg) -> Pattern:
    """A pattern of dicts setting one parameter, e.g. ``control("velocity", "100 80")``."""
    if name not in CONTROLS:
        raise ValueError(f"unknown control {name!r}; known: {', '.join(sorted(CONTROLS))}")
    return _arg_pattern(arg).fmap(lambda v: _control_value(name, v)).filter_values(lambda v: v is not None)


def _merge(a, b):
    pa = as_params(a)
    if pa is None:
        return None
    if b is None:
        return pa
    out = dict(pa)
    out.update(b)
    return out


def set_controls(pat: Pattern, name: str, arg) -> Pattern:
    """Set parameter ``name`` on every event of ``pat`` from the pattern ``arg`` (structure from
    ``pat``)."""
    return reify(pat).app_left(control(name, arg), _merge).filter_values(lambda v: v is not None)


def _make(name: str):
    def make(arg) -> Pattern:
        return control(name, arg)

    make.__name__ = name
    make.__doc__ = f"A pattern setting ``{CONTROLS[name][0]}`` (mini-notation string, list, number or Pattern)."
    return make


s = _make("s")
sound = _make("sound")
pad = _make("pad")
n = _make("n")
variant = _make("variant")
note = _make("note")
note.__doc__ = """Notes for melodic pads: names (``c2``, ``eb1``) or MIDI numbers; the sequencer plays
each note relative to the pad's root note (``pitch = note - root``)::

    >>> [e.value["note"] for e in note("c2 ~ eb2 g1").first_cycle()]
    [36, 39, 31]
"""
velocity = _make("velocity")
vel = _make("vel")
pitch = _make("pitch")
pan = _make("pan")
gain_db = _make("gain_db")
probability = _make("probability")
prob = _make("prob")
nudge = _make("nudge")
ratchet = _make("ratchet")
roll = _make("roll")
