"""SFZ instruments: the subset drum kits use, mapped onto the one kit model.

A kit is an ``.sfz`` file, or a folder holding exactly one.  Supported:

* headers ``<control> <global> <master> <group> <region>``: a region starts from the
  opcodes of the enclosing global, master and group (each header level resets the
  ones below it: a new ``<group>`` forgets the previous group's opcodes);
* ``#define $NAME value`` (``$NAME`` is replaced in the text that follows) and
  ``#include "file.sfz"`` (relative to the main file's folder), comments ``//`` and
  ``/* */``; ``<control>``'s ``default_path``, ``note_offset``, ``octave_offset``;
* region opcodes: ``sample``, ``key``/``lokey``/``hikey`` (numbers or names, c4 = 60),
  ``pitch_keycenter``, ``pitch_keytrack`` (cents per key), ``lovel``/``hivel``, ``seq_length``/``seq_position``,
  ``lorand``/``hirand``, ``group``/``off_by``/``off_mode``, ``volume`` (dB), ``pan``
  (-100..100), ``tune`` (cents), ``transpose`` (semitones), ``offset``/``end`` (frames),
  ``loop_mode`` (``one_shot`` ignores note-off; other modes play without looping),
  ``ampeg_attack/hold/decay/sustain/release`` (seconds, sustain in percent),
  ``amp_veltrack`` (percent, 0..100), ``polyphony``/``note_polyphony``,
  ``region_label``/``group_label`` (pad names).

Every MIDI key a region covers becomes a pad (note = the key) whose layers are the
regions on that key; a key away from ``pitch_keycenter`` plays the sample
transposed.  Pads are named after their General MIDI drum (``kick`` for 36) or
label, else after the note (``c#4``).  A ``group=N`` region chokes the regions
with ``off_by=N`` that were started by *other* keys (as sfizz does); ``off_mode``
``fast`` fades them in a few ms, ``normal`` over their release.  Unknown opcodes and
headers are warned about once per file (:class:`SfzWarning`) and ignored.  Regions
stacked on one key and the same velocity/seq/rand slot (several microphones, a kick and its
sub layer) all play together, each as its own voice with its own sample, volume, pan,
tune and offset/end (:attr:`~beatforge.kit.model.Layer.companions`); each region of a
round robin cycles with its own ``seq_position``.  Envelope, group/off_by, polyphony and
loop_mode come from the key's first region, so a choke cuts the whole stack.
Folders with several ``.sfz`` files pick the one no other file includes.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from pathlib import Path

from ...errors import KitError
from ..model import Envelope, Kit, Layer, Pad
from ..names import GM_DRUMS, normalise
from ..problems import Problem, Problems

MAX_INCLUDE_DEPTH = 16


class SfzWarning(UserWarning):
    """An SFZ opcode or header beatforge does not support (ignored)."""


HEADERS = ("control", "global", "master", "group", "region")
REGION_OPCODES = {
    "sample", "key", "lokey", "hikey", "pitch_keycenter", "lovel", "hivel", "seq_length", "seq_position",
    "lorand", "hirand", "group", "off_by", "off_mode", "volume", "pan", "tune", "transpose", "offset", "end",
    "loop_mode", "ampeg_attack", "ampeg_hold", "ampeg_decay", "ampeg_sustain", "ampeg_release", "amp_veltrack",
    "polyphony", "note_polyphony", "region_label", "group_label", "master_label", "global_label", "pitch_keytrack",
    # harmless: settings with no effect on a one-shot drum render
    "lochan", "hichan", "loop_start", "loop_end",
    "sw_default", "trigger",
}
CONTROL_OPCODES = {"default_path", "note_offset", "octave_offset", "label_cc", "set_cc", "hint_ram_based",
                   "hint_stealing", "hint_sustain_cancels_release"}
_NOTE = re.compile(r"^([a-gA-G])([#b]?)(-?\d+)$")
_STEPS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_NAMES = ["c", "c#", "d", "d#", "e", "f", "f#", "g", "g#", "a", "a#", "b"]
_DEFINE = re.compile(r"^\s*#define\s+(\$\w+)\s+(.*?)\s*$")
_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$')
_TOKEN = re.compile(r"<(\w+)>|(\w+)=")


def sfz_file(path: Path) -> Path:
    """The .sfz file of *path*: itself, or the one in a folder that no other file there #includes."""
    if path.is_file():
        return path
    found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".sfz" and p.is_file())
    if len(found) > 1:  # files that others #include are parts, not instruments
        included = set()
        for f in found:
            try:
                text = f.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            included |= {Path(m.replace("\\", "/")).name for m in re.findall(r'#include\s+"([^"]+)"', text)}
        found = [f for f in found if f.name not in included] or found
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise KitError(f"{path}: expected one .sfz file, found {listed}; give the .sfz file's path")
    return found[0]


def note_value(text: str, where: str) -> int:
    """A MIDI note from ``36`` or a name like ``c4`` (= 60), ``f#2``, ``eb1``."""
    t = text.strip()
    try:
        n = int(t)
    except ValueError:
        m = _NOTE.match(t)
        if not m:
            raise KitError(f"{where}: expected a MIDI note (0..127 or a name like c4), got {text!r}") from None
        n = 12 * (int(m[3]) + 1) + _STEPS[m[1].lower()] + {"#": 1, "b": -1}.get(m[2], 0)
    if not -1 <= n <= 127:
        raise KitError(f"{where}: MIDI note {n} is outside 0..127")
    return n


def note_name(n: int) -> str:
    return f"{_NAMES[n % 12]}{n // 12 - 1}"


# --- text -> (header, opcodes) -------------------------------------------------------------------

def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n") or " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def read_lines(path: Path, defines: dict, depth: int = 0, root_dir: Path | None = None,
               problems: Problems | None = None) -> list[tuple[str, str]]:
    """The file's lines as ``(where, text)`` with comments removed, includes inlined and
    ``$DEFINES`` replaced (definitions apply from where they appear on).  A missing
    ``#include`` or an unknown directive is an error (skipped when *problems* collects)."""
    root_dir = root_dir or path.parent
    problems = problems if problems is not None else Problems()
    if depth > MAX_INCLUDE_DEPTH:
        raise KitError(f"{path}: #include nested more than {MAX_INCLUDE_DEPTH} deep (a cycle?)")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise KitError(f"{path}: cannot read ({e.strerror or e})") from None
    out: list[tuple[str, str]] = []
    for i, line in enumerate(_strip_comments(text).splitlines(), 1):
        where = f"{path.name}:{i}"
        m = _DEFINE.match(line)
        if m:
            defines[m[1]] = m[2]
            continue
        for name in sorted(defines, key=len, reverse=True):
            if name in line:
                line = line.replace(name, defines[name])
        m = _INCLUDE.match(line)
        if m:
            inc = (root_dir / m[1].replace("\\", "/"))
            if not inc.is_file():
                problems.error(f"{where}: #include file {m[1]!r} not found", file=inc)
                continue
            out += read_lines(inc, defines, depth + 1, root_dir, problems)
            continue
        if line.strip().startswith("#"):
            problems.error(f"{where}: unknown directive {line.strip().split()[0]!r}")
            continue
        out.append((where, line))
    return out


def parse(lines: list[tuple[str, str]],
          problems: Problems | None = None) -> list[tuple[str, str, dict[str, tuple[str, str]]]]:
    """``[(header, where, {opcode: (value, where)})]`` in file order."""
    problems = problems if problems is not None else Problems()
    sections: list[tuple[str, str, dict]] = []
    for where, line in lines:
        tokens = list(_TOKEN.finditer(line))
        for i, tok in enumerate(tokens):
            if tok[1]:
                sections.append((tok[1].lower(), where, {}))
                continue
            end = tokens[i + 1].start() if i + 1 < len(tokens) else len(line)
            value = line[tok.end():end].strip()
            if not sections:
                problems.error(f"{where}: opcode {tok[2]!r} before any <header>")
                continue
            sections[-1][2][tok[2].lower()] = (value, where)
    return sections


# --- sections -> kit --------------------------------------------------------------------------

class _Warn:
    """Warn about each unknown opcode or header once per file."""

    def __init__(self, path: Path):
        self.path = path
        self.seen: set[str] = set()

    def __call__(self, what: str, where: str) -> None:
        if what not in self.seen:
            self.seen.add(what)
            warnings.warn(f"{self.path.name}: {what} ignored ({where})", SfzWarning, stacklevel=4)


def load_sfz(path: Path, name: str | None = None, problems: Problems | None = None) -> Kit:
    """Load an SFZ kit.  Missing sample files are tolerated (recorded in ``kit.problems``);
    other errors raise, unless *problems* collects them (the region or value is skipped)."""
    path = Path(path)
    problems = problems if problems is not None else Problems()
    sfz = sfz_file(path)
    warn = _Warn(sfz)
    sections = parse(read_lines(sfz, {}, problems=problems), problems)
    control: dict = {}
    levels: dict[str, dict] = {"global": {}, "master": {}, "group": {}}
    regions: list[dict] = []
    for header, where, ops in sections:
        if header == "control":
            control = dict(ops)
            levels = {"global": {}, "master": {}, "group": {}}
            for op in ops:
                if op not in CONTROL_OPCODES:
                    warn(f"unknown <control> opcode {op!r}", ops[op][1])
        elif header in levels:
            reset = HEADERS.index(header)
            for lvl in HEADERS[reset:-1]:
                if lvl in levels:
                    levels[lvl] = {}
            levels[header] = dict(ops)
        elif header == "region":
            merged = {**levels["global"], **levels["master"], **levels["group"], **ops}
            for op in merged:
                if op not in REGION_OPCODES:
                    warn(f"unknown opcode {op!r}", merged[op][1])
            regions.append(merged)
        else:
            warn(f"unsupported header <{header}>", where)
    default_path = control.get("default_path", ("", ""))[0].replace("\\", "/")
    key_shift = _int(control, "note_offset", 0, problems) + 12 * _int(control, "octave_offset", 0, problems)
    base_dir = sfz.parent

    by_key: dict[int, list[tuple[dict, Layer]]] = {}
    for seq_index, region in enumerate(regions):
        built = _region_layers(region, base_dir, default_path, key_shift, problems, warn)
        for key, layer in built:
            by_key.setdefault(key, []).append((region, layer))
    if not by_key:
        problems.error(f"{sfz}: no playable <region> (each needs sample= and a key)")

    pads: dict[str, Pad] = {}
    taken: set[str] = set()
    for key in sorted(by_key):
        entries = by_key[key]
        first = entries[0][0]
        pad_name = _pad_name(key, first, taken)
        # Regions stacked on one velocity/seq/rand slot (close, overhead, room microphones) all
        # play: the first is the slot's layer, the others sound with it as its companions.
        slots: dict[tuple, Layer] = {}
        layers = []
        for _, layer in entries:
            slot = (layer.vel_lo, layer.vel_hi, layer.seq if layer.seq_length else None, layer.seq_length,
                    layer.rand_lo, layer.rand_hi)
            lead = slots.get(slot)
            if lead is None:
                slots[slot] = layer
                layers.append(layer)
            else:
                lead.companions += (layer,)
        pad = _pad(pad_name, key, first, layers, problems)
        pads[normalise(pad_name)] = pad
    kit_name = name or (sfz.stem if path.is_file() else path.name)
    return Kit(kit_name, pads, path=sfz.parent, source="sfz", problems=list(problems),
               info={"sfz": str(sfz), "ignored": sorted(warn.seen)})


def _pad_name(key: int, region: dict, taken: set) -> str:
    for cand in (region.get("region_label", ("",))[0], region.get("group_label", ("",))[0], GM_DRUMS.get(key)):
        if cand and normalise(cand) not in taken:
            taken.add(normalise(cand))
            return cand
    name = note_name(key)
    taken.add(normalise(name))
    return name


def _region_layers(r: dict, base_dir: Path, default_path: str, key_shift: int, problems: list, warn):
    where = r.get("sample", ("", "<region>"))[1]
    if "sample" not in r or not r["sample"][0]:
        problems.append(Problem(f"{where}: <region> without sample= skipped"))
        return []
    sample = r["sample"][0].replace("\\", "/")
    if sample.startswith("*"):
        warn(f"built-in generator sample {sample!r}", where)
        return []
    path = _find_sample(base_dir, default_path + sample)
    if not path.is_file():
        problems.append(Problem(f"{where}: sample {default_path + sample!r} not found", file=path))
    if r.get("trigger", ("attack",))[0] not in ("attack", "first", "legato"):
        warn(f"trigger={r['trigger'][0]} regions", r["trigger"][1])
        return []
    try:
        if "key" in r:
            lo = hi = note_value(r["key"][0], r["key"][1])
            center = lo
        else:
            lo = note_value(r["lokey"][0], r["lokey"][1]) if "lokey" in r else 0
            hi = note_value(r["hikey"][0], r["hikey"][1]) if "hikey" in r else 127
            center = 60
        if "pitch_keycenter" in r and r["pitch_keycenter"][0].lower() != "sample":
            center = note_value(r["pitch_keycenter"][0], r["pitch_keycenter"][1])
    except KitError as e:
        problems.error(str(e))
        return []   # collecting: the region is skipped
    if lo < 0 or hi < lo:
        return []  # key=-1: a region no key plays
    vel_lo, vel_hi = _int(r, "lovel", 1, problems), _int(r, "hivel", 127, problems)
    if not 0 <= vel_lo <= vel_hi <= 127:
        problems.append(Problem(f"{where}: bad velocity range lovel={vel_lo} hivel={vel_hi}; using 1..127"))
        vel_lo, vel_hi = 1, 127
    rand_lo, rand_hi = _float(r, "lorand", 0.0, problems), _float(r, "hirand", 1.0, problems)
    if not 0.0 <= rand_lo < rand_hi <= 1.0:
        problems.append(Problem(f"{where}: bad random range lorand={rand_lo:g} hirand={rand_hi:g}; ignored"))
        rand_lo, rand_hi = 0.0, 1.0
    seq_length = _int(r, "seq_length", 1, problems)
    seq_position = _int(r, "seq_position", 1, problems)
    offset = max(0, _int(r, "offset", 0, problems))
    end = _int(r, "end", -1, problems)
    if end == 0 or (end > 0 and end < offset):
        problems.append(Problem(f"{where}: end={end} leaves nothing to play; region skipped"))
        return []
    base_tune = _float(r, "tune", 0.0, problems) / 100.0 + _float(r, "transpose", 0.0, problems)
    keytrack = _float(r, "pitch_keytrack", 100.0, problems) / 100.0   # 0: every key plays the sample unpitched
    out = []
    for key in range(lo, hi + 1):
        k = key + key_shift
        if not 0 <= k <= 127:
            continue
        out.append((k, Layer(path, vel_lo=vel_lo, vel_hi=vel_hi, gain_db=_float(r, "volume", 0.0, problems),
                             tune=base_tune + (key - center) * keytrack,
                             pan=max(-1.0, min(1.0, _float(r, "pan", 0.0, problems) / 100)),
                             seq=seq_position, seq_length=seq_length if seq_length > 1 else None,
                             rand_lo=rand_lo, rand_hi=rand_hi, offset=offset, end=end + 1 if end > 0 else None,
                             where=where)))
    return out


def _pad(name: str, key: int, r: dict, layers: list[Layer], problems: Problems) -> Pad:
    sustain = min(1.0, max(0.0, _float(r, "ampeg_sustain", 100.0, problems) / 100.0))
    attack, hold, decay = (max(0.0, _float(r, f"ampeg_{k}", 0.0, problems)) for k in ("attack", "hold", "decay"))
    release = max(0.0, _float(r, "ampeg_release", 0.0, problems))
    envelope = Envelope(attack=attack, hold=hold if sustain < 1.0 else None, decay=decay, sustain=sustain,
                        release=release)
    group = _int(r, "group", 0, problems)
    off_by = _int(r, "off_by", 0, problems)
    off_mode = r.get("off_mode", ("fast",))[0].lower()
    polyphony = _int(r, "note_polyphony", 0, problems) or _int(r, "polyphony", 0, problems) or None
    return Pad(
        name, layers, note=key, envelope=envelope,
        choke_group=str(group) if group else None, choked_by=frozenset([str(off_by)]) if off_by else frozenset(),
        choke_self=False, choke_fade=release if off_mode == "normal" else None,
        polyphony=polyphony, selection="first",
        gated=r.get("loop_mode", ("no_loop",))[0].lower() != "one_shot",
        amp_veltrack=min(1.0, max(0.0, _float(r, "amp_veltrack", 100.0, problems) / 100.0)),
        info={"sfz_key": key},
    )


def _find_sample(base: Path, rel: str) -> Path:
    """The sample's path; SFZ kits made on Windows often disagree with the files' case."""
    p = base / rel
    if p.exists() or os.path.isabs(rel):
        return p
    cur = base
    for part in rel.split("/"):
        if part in ("", "."):
            continue
        nxt = cur / part
        if not nxt.exists() and cur.is_dir():
            low = part.lower()
            match = [c for c in cur.iterdir() if c.name.lower() == low]
            if match:
                nxt = match[0]
        cur = nxt
    return cur


def _float(r: dict, key: str, default: float, problems: Problems) -> float:
    """The opcode's number; one that is not is an error (the default when collecting)."""
    if key not in r:
        return default
    value, where = r[key]
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        problems.error(f"{where}: {key}={value!r} is not a number")
        return default
    return number


def _int(r: dict, key: str, default: int, problems: Problems) -> int:
    return int(_float(r, key, default, problems))
