"""A folder with ``kit.toml``: the full kit model, declared.

Schema (every key but ``sample``/``samples``/``layers`` is optional)::

    [kit]
    name = "factory"            # default: the folder name
    description = "..."
    license = "CC0-1.0"
    polyphony = 64              # global voice limit

    [pads.NAME]
    sample = "kick.wav"         # one sample, or
    samples = ["a.wav", "b.wav"]  # variants played round robin, or
    layers = [{ sample = "soft.wav", vel = [1, 80] }, { sample = "hard.wav", vel = [81, 127], gain_db = 0 }]
    note = 36                   # MIDI note (General MIDI numbers by default)
    tune = 0.0                  # semitones
    gain_db = 0.0
    pan = 0.0                   # -1 (left) .. 1 (right)
    root = 24                   # MIDI note (or name like "c1") the samples sound at unpitched
    envelope = { attack = 0.0, hold = 0.5, decay = 0.1, sustain = 0.8, release = 0.05 }  # seconds
    start = 0.0                 # seconds into the sample
    end = 1.2                   # seconds (default: the end)
    reverse = false
    polyphony = 4
    choke_group = "hats"        # the group this pad belongs to
    choked_by = ["hats"]        # groups whose hits silence this pad
    choke_self = true           # false: hits of this same pad do not cut each other
    choke_fade = 0.05           # seconds a choked voice takes to fade (default: 5 ms)
    stem = "drums"
    selection = "round_robin"   # or "random", "first"
    gated = false               # true: note-off releases the voice
    amp_veltrack = 1.0          # 0: velocity does not change loudness, 1: full square law
"""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from ...errors import KitError
from ..model import SELECTIONS, Envelope, Kit, Layer, Pad

_KIT_KEYS = {"name", "description", "license", "author", "polyphony", "url"}
_PAD_KEYS = {"sample", "samples", "layers", "note", "tune", "gain_db", "pan", "root", "envelope", "start",
             "end", "reverse", "polyphony", "choke_group", "choked_by", "stem", "selection", "gated",
             "amp_veltrack", "random_pitch", "choke_self", "choke_fade"}
_LAYER_KEYS = {"sample", "vel", "gain_db", "tune", "pan", "seq"}
_ENV_KEYS = {"attack", "hold", "decay", "sustain", "release"}
_NOTE = re.compile(r"^([a-gA-G])([#sb]?)(-?\d+)$")
_STEPS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}


def note_number(value, where: str) -> int:
    """A MIDI note from an int or a name like ``c1``, ``f#2``, ``eb1`` (c4 = 60)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 127:
        return value
    if isinstance(value, str):
        m = _NOTE.match(value.strip())
        if m:
            acc = {"#": 1, "s": 1, "b": -1}.get(m[2], 0)
            n = 12 * (int(m[3]) + 1) + _STEPS[m[1].lower()] + acc
            if 0 <= n <= 127:
                return n
    raise KitError(f"{where}: expected a MIDI note 0..127 or a note name like 'c1', got {value!r}")


def declared_name(folder: Path) -> str | None:
    """The ``[kit] name`` of a folder's kit.toml, if it has one."""
    path = Path(folder) / "kit.toml"
    if not path.is_file():
        return None
    name = tomllib.loads(path.read_text(encoding="utf-8")).get("kit", {}).get("name")
    return name if isinstance(name, str) and name.strip() else None


def load_toml(folder: Path, name: str | None = None) -> Kit:
    folder = Path(folder)
    path = folder / "kit.toml"
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise KitError(f"{path}: {e}") from None
    except OSError as e:
        raise KitError(f"{path}: cannot read ({e.strerror})") from None
    unknown = set(doc) - {"kit", "pads"}
    if unknown:
        raise KitError(f"{path}: unknown table {sorted(unknown)[0]!r} (expected [kit] and [pads.NAME])")
    meta = doc.get("kit", {})
    _check_keys(meta, _KIT_KEYS, path, "kit")
    pads_doc = doc.get("pads", {})
    if not isinstance(pads_doc, dict) or not pads_doc:
        raise KitError(f"{path}: no pads (add [pads.NAME] tables)")
    pads = {}
    for pad_name, spec in pads_doc.items():
        where = f"{path}: pads.{pad_name}"
        if not isinstance(spec, dict):
            raise KitError(f"{where}: expected a table")
        pads[pad_name] = _pad(folder, pad_name, spec, where)
    polyphony = meta.get("polyphony", 64)
    if not isinstance(polyphony, int) or polyphony < 1:
        raise KitError(f"{path}: kit.polyphony must be a positive integer, got {polyphony!r}")
    return Kit(name or meta.get("name", folder.name), pads, path=folder, polyphony=polyphony, source="kit.toml")


def _check_keys(table: dict, allowed: set, path, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise KitError(f"{path}: unknown key {prefix}.{key} (allowed: {', '.join(sorted(allowed))})")


def _sample_path(folder: Path, value, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise KitError(f"{where}: expected a sample file name, got {value!r}")
    p = (folder / value)
    if not p.is_file():
        raise KitError(f"{where}: sample file {value!r} not found in {folder}")
    return p


def _number(spec: dict, key: str, where: str, default, lo=None, hi=None):
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise KitError(f"{where}.{key}: expected a number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise KitError(f"{where}.{key}: {value!r} is outside {lo}..{hi}")
    return value


def _pad(folder: Path, pad_name: str, spec: dict, where: str) -> Pad:
    path = where.split(":")[0]
    _check_keys(spec, _PAD_KEYS, path, f"pads.{pad_name}")
    given = [k for k in ("sample", "samples", "layers") if k in spec]
    if len(given) != 1:
        raise KitError(f"{where}: give exactly one of sample, samples or layers")
    if "sample" in spec:
        layers = [Layer(_sample_path(folder, spec["sample"], f"{where}.sample"))]
    elif "samples" in spec:
        if not isinstance(spec["samples"], list) or not spec["samples"]:
            raise KitError(f"{where}.samples: expected a non-empty list of file names")
        layers = [Layer(_sample_path(folder, s, f"{where}.samples[{i}]"), seq=i) for i, s in enumerate(spec["samples"])]
    else:
        if not isinstance(spec["layers"], list) or not spec["layers"]:
            raise KitError(f"{where}.layers: expected a non-empty list of tables")
        layers = []
        for i, ls in enumerate(spec["layers"]):
            lw = f"{where}.layers[{i}]"
            if not isinstance(ls, dict):
                raise KitError(f"{lw}: expected a table")
            _check_keys(ls, _LAYER_KEYS, path, f"pads.{pad_name}.layers[{i}]")
            vel = ls.get("vel", [1, 127])
            if (not isinstance(vel, list) or len(vel) != 2 or not all(isinstance(v, int) for v in vel)
                    or not 0 <= vel[0] <= vel[1] <= 127):
                raise KitError(f"{lw}.vel: expected [lo, hi] with 0 <= lo <= hi <= 127, got {vel!r}")
            layers.append(Layer(_sample_path(folder, ls.get("sample"), f"{lw}.sample"), vel_lo=vel[0], vel_hi=vel[1],
                                gain_db=_number(ls, "gain_db", lw, 0.0), tune=_number(ls, "tune", lw, 0.0),
                                pan=_number(ls, "pan", lw, 0.0, -1, 1), seq=ls.get("seq", i)))
    env = spec.get("envelope", {})
    if not isinstance(env, dict):
        raise KitError(f"{where}.envelope: expected a table like {{ attack = 0.0, release = 0.1 }}")
    _check_keys(env, _ENV_KEYS, path, f"pads.{pad_name}.envelope")
    envelope = Envelope(attack=_number(env, "attack", f"{where}.envelope", 0.0, 0),
                        hold=_number(env, "hold", f"{where}.envelope", None, 0),
                        decay=_number(env, "decay", f"{where}.envelope", 0.0, 0),
                        sustain=_number(env, "sustain", f"{where}.envelope", 1.0, 0, 1),
                        release=_number(env, "release", f"{where}.envelope", 0.0, 0))
    choked_by = spec.get("choked_by", [])
    if isinstance(choked_by, str):
        choked_by = [choked_by]
    if not isinstance(choked_by, list) or not all(isinstance(g, (str, int)) for g in choked_by):
        raise KitError(f"{where}.choked_by: expected a list of group names, got {choked_by!r}")
    selection = spec.get("selection", "round_robin")
    if selection not in SELECTIONS:
        raise KitError(f"{where}.selection: expected one of {', '.join(SELECTIONS)}, got {selection!r}")
    for key in ("reverse", "gated", "choke_self"):
        if not isinstance(spec.get(key, False), bool):
            raise KitError(f"{where}.{key}: expected true or false, got {spec[key]!r}")
    polyphony = spec.get("polyphony")
    if polyphony is not None and (not isinstance(polyphony, int) or polyphony < 1):
        raise KitError(f"{where}.polyphony: expected a positive integer, got {polyphony!r}")
    return Pad(
        pad_name, layers,
        note=note_number(spec["note"], f"{where}.note") if "note" in spec else None,
        tune=_number(spec, "tune", where, 0.0), gain_db=_number(spec, "gain_db", where, 0.0),
        pan=_number(spec, "pan", where, 0.0, -1, 1), envelope=envelope,
        start=_number(spec, "start", where, 0.0, 0), end=_number(spec, "end", where, None, 0),
        reverse=spec.get("reverse", False),
        root=note_number(spec["root"], f"{where}.root") if "root" in spec else None,
        polyphony=polyphony,
        choke_group=str(spec["choke_group"]) if "choke_group" in spec else None,
        choked_by=frozenset(str(g) for g in choked_by),
        stem=spec.get("stem"), selection=selection, gated=spec.get("gated", False),
        amp_veltrack=_number(spec, "amp_veltrack", where, 1.0, 0, 1),
        random_pitch=_number(spec, "random_pitch", where, 0.0, 0),
        choke_self=spec.get("choke_self", True),
        choke_fade=_number(spec, "choke_fade", where, None, 0),
    )
