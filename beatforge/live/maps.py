"""Pad maps: which MIDI note plays which pad.

Without a map, a note plays the kit's pad with that note, else the General MIDI drum pad
(``kit.pad(note)``).  A map is a TOML file::

    name = "MPC 36-51"
    [notes]
    36 = "kick"      # a pad name or alias of the kit
    37 = "snare"

``--map`` takes a path or the name of a shipped map: ``gm`` (the General MIDI drum layout) or
``mpc`` (16 pads on notes 36-51, as MPC-style controllers send them by default).
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from ..errors import BeatforgeError, KitError

__all__ = ["PadMap", "load_map", "SHIPPED_MAPS", "resolve_notes"]

SHIPPED_MAPS = ("gm", "mpc")


class PadMap:
    """A parsed map: ``notes`` maps MIDI note (0..127) to a pad reference (name or note)."""

    def __init__(self, name: str, notes: dict[int, str | int], path: str | None = None):
        self.name = name
        self.notes = dict(notes)
        self.path = path

    def __repr__(self):
        return f"PadMap({self.name!r}, {len(self.notes)} notes)"


def _parse(text: str, where: str) -> PadMap:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise BeatforgeError(f"{where}: not valid TOML: {err}") from None
    table = doc.get("notes")
    if not isinstance(table, dict) or not table:
        raise BeatforgeError(f"{where}: a pad map needs a [notes] table (note = \"pad\")")
    notes = {}
    for key, ref in table.items():
        try:
            note = int(key)
        except ValueError:
            raise BeatforgeError(f"{where}: {key!r} is not a MIDI note number") from None
        if not 0 <= note <= 127:
            raise BeatforgeError(f"{where}: MIDI note {note} is outside 0..127")
        if isinstance(ref, bool) or not isinstance(ref, (str, int)):
            raise BeatforgeError(f"{where}: note {note} must map to a pad name, got {ref!r}")
        notes[note] = ref
    name = doc.get("name", Path(where).stem)
    return PadMap(str(name), notes, where)


def load_map(spec: str | os.PathLike) -> PadMap:
    """A map from a TOML file, or a shipped map by name (``gm``, ``mpc``)."""
    text = os.fspath(spec)
    if text in SHIPPED_MAPS:
        data = resources.files(__package__).joinpath("maps", f"{text}.toml").read_text(encoding="utf-8")
        return _parse(data, f"{text}.toml")
    path = Path(text).expanduser()
    if not path.is_file():
        raise BeatforgeError(f"pad map {text!r} not found (a TOML file, or one of: {', '.join(SHIPPED_MAPS)})")
    return _parse(path.read_text(encoding="utf-8"), str(path))


def resolve_notes(kit, pad_map: PadMap | None = None):
    """``({note: Pad}, [warnings])`` for ``kit``: the map's notes, or every note the kit answers to."""
    resolved, warnings = {}, []
    if pad_map is None:
        for note in range(128):
            try:
                resolved[note] = kit.pad(note)
            except KitError:
                pass
        return resolved, warnings
    for note, ref in sorted(pad_map.notes.items()):
        try:
            resolved[note] = kit.pad(ref)
        except KitError:
            warnings.append(f"map {pad_map.name!r}: note {note} -> {ref!r}: no such pad in kit {kit.name!r}")
    return resolved, warnings
