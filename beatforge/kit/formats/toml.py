"""A folder with ``kit.toml``: the full kit model, declared.

Schema (every key but ``sample``/``samples``/``layers`` is optional)::

    [kit]
    name = "factory"            # default: the folder name
    description = "..."
    license = "CC0-1.0"
    polyphony = 64              # global voice limit

    [pads.NAME]                 # names ignore case, spaces, "_" and "-" ("Hi Hat" and hi_hat: one pad, twice is an error)
    sample = "kick.wav"         # one sample, or
    samples = ["a.wav", "b.wav"]  # variants played round robin, or
    layers = [{ sample = "soft.wav", vel = [1, 80] }, { sample = "hard.wav", vel = [81, 127], gain_db = 0 }]
                                # a layer may also set tune, pan and seq (an integer: round-robin order)
                                # and with: layers stacked on it, sounding whenever it is chosen
                                # (close, overhead and room microphones; SFZ regions on one key), e.g.
                                #   { sample = "close.wav", with = [{ sample = "room.wav", pan = 0.5 }] }
                                # a stacked layer sets sample, gain_db, tune and pan (no vel or seq:
                                # it is never chosen on its own, it follows its layer)
    stack = [[{ sample = "room_soft.wav", vel = [1, 80] }, { sample = "room_hard.wav", vel = [81, 127] }]]
                                # further groups of layers (Hydrogen components, one per microphone)
                                # beside the pad's own (sample, samples or layers): every hit also
                                # plays one layer of each group, chosen like the pad's own (velocity,
                                # selection, round robin counted per group); a group with no layer
                                # for the hit's velocity stays silent.  Its layers take the keys of
                                # layers, with included
    note = 36                   # MIDI note (General MIDI numbers by default)
    tune = 0.0                  # semitones
    gain_db = 0.0
    pan = 0.0                   # -1 (left) .. 1 (right)
    root = 24                   # MIDI note (or name like "c1") the samples sound at unpitched
    envelope = { attack = 0.0, hold = 0.5, decay = 0.1, sustain = 0.8, release = 0.05 }  # seconds
    start = 0.0                 # seconds into the sample
    end = 1.2                   # seconds, after start (default: the end)
    reverse = false
    polyphony = 4
    choke_group = "hats"        # the group this pad belongs to (a name or an integer)
    choked_by = ["hats"]        # groups whose hits silence this pad (or one group)
    choke_self = true           # false: hits of this same pad do not cut each other
    choke_fade = 0.05           # seconds a choked voice takes to fade (default: 5 ms)
    stem = "drums"
    selection = "round_robin"   # or "random", "first"
    gated = false               # true: note-off releases the voice
    amp_veltrack = 1.0          # 0: velocity does not change loudness, 1: full square law

Numbers must be finite (no ``nan``/``inf``); names and texts must be strings.  A value of the
wrong type or range is one problem naming ``kit.toml:LINE`` and the key.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from ...errors import KitError
from ..model import SELECTIONS, Envelope, Kit, Layer, Pad
from ..names import normalise
from ..problems import Problems

_KIT_KEYS = {"name", "description", "license", "author", "polyphony", "url"}
_PAD_KEYS = {"sample", "samples", "layers", "note", "tune", "gain_db", "pan", "root", "envelope", "start",
             "end", "reverse", "polyphony", "choke_group", "choked_by", "stem", "selection", "gated",
             "amp_veltrack", "random_pitch", "choke_self", "choke_fade", "stack"}
_LAYER_KEYS = {"sample", "vel", "gain_db", "tune", "pan", "seq", "with"}
_WITH_KEYS = {"sample", "gain_db", "tune", "pan"}   # a stacked layer (in a layer's ``with``)
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
    meta = tomllib.loads(path.read_text(encoding="utf-8")).get("kit", {})
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def load_toml(folder: Path, name: str | None = None, problems: Problems | None = None) -> Kit:
    """Load a kit.toml kit.  Strict without *problems* (the first error raises KitError);
    with a collecting :class:`Problems`, every error is recorded and loading goes on."""
    folder = Path(folder)
    path = folder / "kit.toml"
    strict = problems is None or problems.strict
    # The whole file is read either way, and its errors sorted by line: a strict load
    # raises the first one in the file, the same that `kit check` lists first.
    outer, problems = problems, Problems(strict=False)
    try:
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise KitError(f"{path}: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise KitError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    at = _Locator(path, text)
    for table in sorted(set(doc) - {"kit", "pads"}, key=str):
        at.error(problems, (table,), f"unknown table {table!r} (expected [kit] and [pads.NAME])")
    meta = doc.get("kit", {})
    if not isinstance(meta, dict):
        at.error(problems, ("kit",), "kit: expected a table ([kit])")
        meta = {}
    _check_keys(meta, _KIT_KEYS, at, ("kit",), problems)
    for key in sorted(_KIT_KEYS - {"polyphony"}):
        if key in meta and not isinstance(meta[key], str):
            at.error(problems, ("kit", key), f"kit.{key}: expected a text, got {meta[key]!r}")
    pads_doc = doc.get("pads", {})
    if not isinstance(pads_doc, dict) or not pads_doc:
        problems.error(f"{path}: no pads (add [pads.NAME] tables)")
        pads_doc = {}
    pads = {}
    named: dict[str, str] = {}   # normalised name -> the first pad with it
    for pad_name, spec in pads_doc.items():
        key = normalise(pad_name)
        same = named.setdefault(key, pad_name)
        if not key:
            at.error(problems, ("pads", pad_name), f"pads.{pad_key(pad_name)}: a pad name needs a letter or digit")
        elif same != pad_name:
            # the kit looks pads up by the normalised name: the second would replace the first
            at.error(problems, ("pads", pad_name),
                     f"pads.{pad_key(same)} and pads.{pad_key(pad_name)} name the same pad "
                     "(pad names ignore case, spaces, '_' and '-')")
        if not isinstance(spec, dict):
            at.error(problems, ("pads", pad_name), f"pads.{pad_key(pad_name)}: expected a table")
            continue
        pad = _pad(folder, pad_name, spec, at, problems)
        if pad is not None and key and same == pad_name:
            pads[pad_name] = pad
    polyphony = meta.get("polyphony", 64)
    if isinstance(polyphony, bool) or not isinstance(polyphony, int) or polyphony < 1:
        at.error(problems, ("kit", "polyphony"), f"kit.polyphony must be a positive integer, got {polyphony!r}")
        polyphony = 64
    kit_name = meta.get("name")
    if not isinstance(kit_name, str) or not kit_name.strip():
        kit_name = folder.name
    problems.sort(key=lambda p: p.line if p.line is not None else float("inf"))
    if strict and problems:
        raise KitError(str(problems[0]))
    if outer is not None:
        outer.extend(problems)
    info = {key: meta[key] for key in ("description", "license", "author", "url")
            if isinstance(meta.get(key), str) and meta[key].strip()}
    return Kit(name or kit_name, pads, path=folder, polyphony=polyphony, source="kit.toml",
               problems=list(problems), info=info)


class _Locator:
    """``kit.toml:LINE`` for a table or a key in it, found in the text (best effort: the
    file's name alone when the line cannot be told, e.g. for inline tables)."""

    _HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()
        self.headers: list[tuple[int, tuple[str, ...]]] = []
        for i, line in enumerate(self.lines):
            m = self._HEADER.match(line)
            if m:
                self.headers.append((i, tuple(_unquote(part) for part in _split_dotted(m[1]))))

    def __call__(self, *keys: str) -> str:
        line = self.line(*keys)
        return f"{self.path}:{line}" if line else str(self.path)

    def error(self, problems: Problems, keys: tuple, message: str, file: Path | None = None) -> None:
        """Report *message* about the key path *keys*, prefixed with the file and line."""
        problems.error(f"{self(*keys)}: {message}", file, self.line(*keys))

    def line(self, *keys) -> int | None:
        keys = tuple(str(k) for k in keys)
        # the deepest table header that is a prefix of keys, then the next key inside it
        best = None
        for i, (row, table) in enumerate(self.headers):
            if keys[:len(table)] == table and (best is None or len(table) > len(best[1])):
                end = self.headers[i + 1][0] if i + 1 < len(self.headers) else len(self.lines)
                best = (row, table, end)
        if best is None:   # a key before any table header
            best = (-1, (), self.headers[0][0] if self.headers else len(self.lines))
        row, table, end = best
        rest = keys[len(table):]
        if not rest:
            return row + 1
        key = re.compile(r'^\s*(?:"{0}"|\'{0}\'|{0})\s*='.format(re.escape(rest[0])))
        for i in range(row + 1, end):
            if key.match(self.lines[i]):
                return i + 1
        return row + 1 if row >= 0 else None


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def pad_key(name: str) -> str:
    """*name* as a TOML key: bare when it can be (``kick``), else quoted (``"hi hat"``)."""
    if _BARE_KEY.fullmatch(name):
        return name
    return '"' + "".join(_escape(c) for c in name) + '"'


def _escape(c: str) -> str:
    if c in '"\\':
        return "\\" + c
    if c.isprintable():
        return c
    return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"


def _split_dotted(text: str) -> list[str]:
    parts, cur, quote = [], "", None
    for ch in text:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            cur += ch
        elif ch == ".":
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def _unquote(part: str) -> str:
    if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'":
        return part[1:-1]
    return part


def _check_keys(table: dict, allowed: set, at: _Locator, keys: tuple, problems: Problems,
                prefix: str | None = None) -> None:
    prefix = prefix or ".".join(pad_key(str(k)) for k in keys)
    for key in table:
        if key not in allowed:
            at.error(problems, (*keys, key),
                     f"unknown key {prefix}.{pad_key(key)} (allowed: {', '.join(sorted(allowed))})")


class _PadReader:
    """Reads one ``[pads.NAME]`` table; every bad value is one problem and falls back to the default."""

    def __init__(self, folder: Path, pad_name: str, at: _Locator, problems: Problems):
        self.folder, self.pad_name, self.at, self.problems = folder, pad_name, at, problems

    def where(self, *keys) -> str:
        """``kit.toml:LINE: pads.NAME.KEY`` for the key path *keys* inside the pad."""
        dotted = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys)
        located = [k for k in keys if not isinstance(k, int)]
        return f"{self.at('pads', self.pad_name, *located)}: pads.{pad_key(self.pad_name)}{dotted}"

    def line(self, *keys) -> int | None:
        return self.at.line("pads", self.pad_name, *(k for k in keys if not isinstance(k, int)))

    def error(self, keys: tuple, message: str, file: Path | None = None) -> None:
        self.problems.error(f"{self.where(*keys)}: {message}", file, self.line(*keys))

    def sample(self, value, keys: tuple) -> Path | None:
        """The sample file's path; None when the value is no file name.  A missing file is an
        error; when collecting, its path is still returned (the layer stays, reported once)."""
        if not isinstance(value, str) or not value:
            self.error(keys, f"expected a sample file name, got {value!r}")
            return None
        p = self.folder / value
        if not p.is_file():
            self.error(keys, f"sample file {value!r} not found in {self.folder}", file=p)
        return p

    def number(self, spec: dict, key: str, default, lo=None, hi=None, keys: tuple = ()):
        value = spec.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(keys + (key,), f"expected a number, got {value!r}")
            return default
        if not math.isfinite(value):
            self.error(keys + (key,), f"expected a finite number, got {value!r}")
            return default
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.error(keys + (key,), f"{value!r} is below {lo}" if hi is None else f"{value!r} is outside {lo}..{hi}")
            return default
        return value

    def integer(self, spec: dict, key: str, default, keys: tuple = ()):
        value = spec.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(keys + (key,), f"expected an integer, got {value!r}")
            return default
        return value

    def text(self, spec: dict, key: str, what: str = "a name") -> str | None:
        """A non-empty string value (None when the key is absent or the value is bad)."""
        value = spec.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error((key,), f"expected {what} (a non-empty text), got {value!r}")
            return None
        return value

    def note(self, spec: dict, key: str) -> int | None:
        if key not in spec:
            return None
        try:
            return note_number(spec[key], self.where(key))
        except KitError as e:
            self.problems.error(str(e), line=self.line(key))
            return None


def _pad(folder: Path, pad_name: str, spec: dict, at: _Locator, problems: Problems) -> Pad | None:
    """The pad, or None when it has no layer to play (each reason reported)."""
    r = _PadReader(folder, pad_name, at, problems)
    _check_keys(spec, _PAD_KEYS, at, ("pads", pad_name), problems, f"pads.{pad_key(pad_name)}")
    given = [k for k in ("sample", "samples", "layers") if k in spec]
    layers: list[Layer] = []
    if len(given) != 1:
        r.error((), "give exactly one of sample, samples or layers")
    if "sample" in spec:
        p = r.sample(spec["sample"], ("sample",))
        layers = [Layer(p, where=r.where("sample"))] if p is not None else []
    elif "samples" in spec:
        if not isinstance(spec["samples"], list) or not spec["samples"]:
            r.error(("samples",), "expected a non-empty list of file names")
        else:
            for i, s in enumerate(spec["samples"]):
                p = r.sample(s, ("samples", i))
                if p is not None:
                    layers.append(Layer(p, seq=i, where=r.where("samples", i)))
    elif "layers" in spec:
        if not isinstance(spec["layers"], list) or not spec["layers"]:
            r.error(("layers",), "expected a non-empty list of tables")
        else:
            for i, ls in enumerate(spec["layers"]):
                layer = _layer(r, ("layers", i), ls, i)
                if layer is not None:
                    layers.append(layer)
    stack = _stack(r, spec["stack"]) if "stack" in spec else []
    env = spec.get("envelope", {})
    if not isinstance(env, dict):
        r.error(("envelope",), "expected a table like { attack = 0.0, release = 0.1 }")
        env = {}
    _check_keys(env, _ENV_KEYS, at, ("pads", pad_name, "envelope"), problems, f"pads.{pad_key(pad_name)}.envelope")
    e = ("envelope",)
    envelope = Envelope(attack=r.number(env, "attack", 0.0, 0, keys=e), hold=r.number(env, "hold", None, 0, keys=e),
                        decay=r.number(env, "decay", 0.0, 0, keys=e), sustain=r.number(env, "sustain", 1.0, 0, 1, keys=e),
                        release=r.number(env, "release", 0.0, 0, keys=e))
    choke_group = spec.get("choke_group")
    if choke_group is not None and not _group_name(choke_group):
        r.error(("choke_group",), f"expected a group name (a text or an integer), got {choke_group!r}")
        choke_group = None
    choked_by = spec.get("choked_by", [])
    if _group_name(choked_by):
        choked_by = [choked_by]
    if not isinstance(choked_by, list) or not all(_group_name(g) for g in choked_by):
        r.error(("choked_by",), f"expected a list of group names, got {choked_by!r}")
        choked_by = []
    selection = spec.get("selection", "round_robin")
    if not isinstance(selection, str) or selection not in SELECTIONS:
        r.error(("selection",), f"expected one of {', '.join(SELECTIONS)}, got {selection!r}")
        selection = "round_robin"
    flags = {}
    for key, default in (("reverse", False), ("gated", False), ("choke_self", True)):
        flags[key] = spec.get(key, default)
        if not isinstance(flags[key], bool):
            r.error((key,), f"expected true or false, got {spec[key]!r}")
            flags[key] = default
    polyphony = spec.get("polyphony")
    if polyphony is not None and (isinstance(polyphony, bool) or not isinstance(polyphony, int) or polyphony < 1):
        r.error(("polyphony",), f"expected a positive integer, got {polyphony!r}")
        polyphony = None
    start, end = r.number(spec, "start", 0.0, 0), r.number(spec, "end", None, 0)
    if end is not None and end <= start:
        r.error(("end",), f"{end!r} is not after start ({start!r}); nothing would play")
        end = None
    values = dict(
        note=r.note(spec, "note"),
        tune=r.number(spec, "tune", 0.0), gain_db=r.number(spec, "gain_db", 0.0),
        pan=r.number(spec, "pan", 0.0, -1, 1), envelope=envelope,
        start=start, end=end,
        root=r.note(spec, "root"),
        polyphony=polyphony,
        choke_group=str(choke_group) if choke_group is not None else None,
        choked_by=frozenset(str(g) for g in choked_by),
        stem=r.text(spec, "stem", "a stem name"), selection=selection,
        amp_veltrack=r.number(spec, "amp_veltrack", 1.0, 0, 1),
        random_pitch=r.number(spec, "random_pitch", 0.0, 0),
        choke_fade=r.number(spec, "choke_fade", None, 0),
        **flags,
    )
    if not layers:
        return None   # nothing to play; the reason is reported above
    return Pad(pad_name, layers, stack=stack, **values)


def _layer(r: _PadReader, keys: tuple, ls, index: int) -> Layer | None:
    """The layer table at *keys* (``("layers", 1)``, ``("stack", 0, 1)``); *index*: its
    place in its list, the default ``seq``."""
    if not isinstance(ls, dict):
        r.error(keys, "expected a table")
        return None
    _check_keys(ls, _LAYER_KEYS, r.at, ("pads", r.pad_name, keys[0]), r.problems, _dotted(r, keys))
    vel = ls.get("vel", [1, 127])
    if (not isinstance(vel, list) or len(vel) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in vel)
            or not 0 <= vel[0] <= vel[1] <= 127):
        r.error(keys + ("vel",), f"expected [lo, hi] with 0 <= lo <= hi <= 127, got {vel!r}")
        vel = [1, 127]
    p = r.sample(ls.get("sample"), keys + ("sample",))
    companions = []
    if "with" in ls:
        if not isinstance(ls["with"], list):
            r.error(keys + ("with",), "expected a list of tables like [{ sample = \"room.wav\" }]")
        else:
            for j, cs in enumerate(ls["with"]):
                companion = _companion(r, keys + ("with", j), cs)
                if companion is not None:
                    companions.append(companion)
    values = dict(vel_lo=vel[0], vel_hi=vel[1], gain_db=r.number(ls, "gain_db", 0.0, keys=keys),
                  tune=r.number(ls, "tune", 0.0, keys=keys), pan=r.number(ls, "pan", 0.0, -1, 1, keys=keys),
                  seq=r.integer(ls, "seq", index, keys=keys), where=r.where(*keys, "sample"),
                  companions=companions)
    return Layer(p, **values) if p is not None else None


def _companion(r: _PadReader, keys: tuple, cs) -> Layer | None:
    """A stacked layer (an entry of a layer's ``with``): sample, gain, tune and pan only."""
    if not isinstance(cs, dict):
        r.error(keys, "expected a table")
        return None
    _check_keys(cs, _WITH_KEYS, r.at, ("pads", r.pad_name, keys[0]), r.problems, _dotted(r, keys))
    p = r.sample(cs.get("sample"), keys + ("sample",))
    values = dict(gain_db=r.number(cs, "gain_db", 0.0, keys=keys), tune=r.number(cs, "tune", 0.0, keys=keys),
                  pan=r.number(cs, "pan", 0.0, -1, 1, keys=keys), where=r.where(*keys, "sample"))
    return Layer(p, **values) if p is not None else None


def _stack(r: _PadReader, value) -> list[list[Layer]]:
    """The pad's ``stack``: a list of groups, each a non-empty list of layer tables."""
    if not isinstance(value, list):
        r.error(("stack",), "expected a list of layer groups like [[{ sample = \"room.wav\" }]]")
        return []
    groups = []
    for g, group in enumerate(value):
        if not isinstance(group, list) or not group:
            r.error(("stack", g), f"expected a non-empty list of layer tables, got {group!r}")
            continue
        layers = [_layer(r, ("stack", g, i), ls, i) for i, ls in enumerate(group)]
        groups.append([layer for layer in layers if layer is not None])
    return [g for g in groups if g]


def _dotted(r: _PadReader, keys: tuple) -> str:
    """``pads.NAME.layers[1].with[2]`` for the key path *keys* inside the pad."""
    return f"pads.{pad_key(r.pad_name)}" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys)


def _group_name(value) -> bool:
    """A choke group is named by a non-empty text or an integer (``1`` and ``"1"`` are one group)."""
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, int) and not isinstance(value, bool)
