"""Hydrogen drumkits: a folder with ``drumkit.xml``, or a ``.h2drumkit`` archive.

Both schema generations load:

* 0.9.x: ``<instrument>`` holds ``<layer>`` elements directly (or, in the oldest
  kits, a single ``<filename>``), panning is ``<pan_L>``/``<pan_R>`` (two gains);
* 1.x: layers sit in ``<instrumentComponent>`` elements that refer to the kit's
  ``<componentList>``; panning is ``<pan>`` (-1..1); elements live in the
  ``http://www.hydrogen-music.org/drumkit`` namespace.

How Hydrogen's instrument maps to a :class:`~beatforge.kit.model.Pad`:

=====================  ==============================================================
``name``               pad name (duplicates get `` 2``, `` 3`` ...)
``midiOutNote``        ``note`` (kits without it: 36 + instrument id, as Hydrogen does)
``layer`` min/max      velocity range (Hydrogen velocities are 0..1, MIDI ones v/127)
``layer`` gain/pitch   layer ``gain_db`` (20 log10 gain) and ``tune`` (semitones)
volume x gain          pad ``gain_db`` (times the component's gain and volume)
instrumentComponent    one layer group each (several microphones): every hit plays one
                       layer of every component, chosen per component, with the
                       component's gain and drumkitComponent volume (``Pad.stack``)
pan / pan_L, pan_R     ``pan``; the old pair converts as Hydrogen does (ratio of the two)
pitchOffset            ``tune`` (semitones)
randomPitchFactor      ``random_pitch``: up to +-factor semitones per hit
Attack/Decay/Sustain   ``envelope``; Hydrogen counts these in audio frames, read at
/Release               44.1 kHz (:data:`FRAME_RATE`); release applies at note-off
muteGroup              ``choke_group``/``choked_by``: a hit silences the *other*
                       instruments of its group, fading over their release time
sampleSelectionAlgo    VELOCITY -> ``first`` matching layer, ROUND_ROBIN, RANDOM
applyVelocity          ``amp_veltrack`` 0.5 (gain linear in velocity, like Hydrogen) or 0
=====================  ==============================================================

Filters, FX sends and mute/solo states are mixer settings and are ignored.  Nothing is decoded at load time: samples load when first played.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from ...errors import KitError
from ...io.tmpfile import sha256_file
from ..model import Envelope, Kit, Layer, Pad
from ..names import normalise
from ..problems import Problem, Problems

FRAME_RATE = 44100          # Hydrogen's ADSR counts frames; kits are made at 44.1 kHz
MIN_RELEASE_FRAMES = 256    # Hydrogen never releases faster than this
SELECTION = {"VELOCITY": "first", "ROUND_ROBIN": "round_robin", "RANDOM": "random"}


def load_hydrogen(path: Path, name: str | None = None, problems: Problems | None = None) -> Kit:
    """Load a Hydrogen kit folder or ``.h2drumkit`` archive (extracted once into a cache).
    Missing layer files are tolerated (recorded in ``kit.problems``), as Hydrogen does;
    with a collecting *problems*, a kit without instruments is one more problem, not an error."""
    path = Path(path)
    problems = problems if problems is not None else Problems()
    folder = extract_cached(path) if path.is_file() else path
    xml_path = folder / "drumkit.xml"
    root = parse_xml(xml_path)
    if root.tag != "drumkit_info":
        raise KitError(f"{xml_path}: not a Hydrogen drumkit (root element <{root.tag}>, expected <drumkit_info>)")
    components = {}
    for comp in _children(root, "componentList", "drumkitComponent"):
        components[_int(comp, "id", 0)] = _float(comp, "volume", 1.0)
    ilist = root.find("instrumentList")
    if ilist is None:
        raise KitError(f"{xml_path}: no <instrumentList>")
    # problems name the file to edit: the drumkit.xml, or the archive it came in
    source = xml_path if folder == path else f"{path}: drumkit.xml"
    pads = instruments_to_pads(ilist, folder, components, problems, source=source)
    if not pads:
        problems.error(f"{xml_path}: the kit has no instruments")
    info = {key: _text(root, tag).strip() for key, tag in
            (("author", "author"), ("license", "license"), ("license", "licence"), ("description", "info"))
            if _text(root, tag).strip()}
    kit_name = name or _text(root, "name").strip() or folder.name
    return Kit(kit_name, pads, path=folder, source="hydrogen", info=info,
               problems=list(problems))


def instruments_to_pads(ilist: ET.Element, folder: Path, components: dict | None = None,
                        problems: list | None = None, source: "str | os.PathLike | None" = None
                        ) -> dict[str, Pad]:
    """Pads for the ``<instrument>`` elements of an ``<instrumentList>`` (drumkit.xml, or the
    copy a Hydrogen song carries), samples relative to *folder*.  Each pad's
    ``info["hydrogen_id"]`` is the instrument id songs refer to.  *source* is the file the
    list is in: each problem line starts with it."""
    components = components or {}
    problems = problems if problems is not None else []
    pads: dict[str, Pad] = {}
    for index, inst in enumerate(ilist.findall("instrument")):
        pad = _instrument(inst, index, folder, components, problems, source)
        if pad is None:
            continue
        base, n = pad.name, 1
        while normalise(pad.name) in pads:
            n += 1
            pad.name = f"{base} {n}"
        pads[normalise(pad.name)] = pad
    return pads


def _instrument(inst: ET.Element, index: int, folder: Path, components: dict, problems: list,
                source: "str | os.PathLike | None" = None) -> Pad | None:
    iid = _int(inst, "id", index)
    name = _text(inst, "name").strip() or f"instrument {iid}"
    where = f"{source}: instrument {iid} ({name})" if source is not None else f"instrument {iid} ({name})"
    comps = inst.findall("instrumentComponent")
    selection = SELECTION.get(_text(inst, "sampleSelectionAlgo", "VELOCITY").strip().upper(), "first")
    comp_gain = 1.0
    if comps:
        gains = [_float(c, "gain", 1.0) * components.get(_int(c, "component_id", 0), 1.0) for c in comps]
        if len(comps) == 1:
            comp_gain = gains[0]
            layers, stack = _layers(comps[0].findall("layer"), [], where, folder, problems), []
        else:
            # several components (microphones): every hit plays one layer of each, chosen per
            # component, with that component's gain and drumkitComponent volume on its layers
            groups = [_layers(c.findall("layer"), [], f"{where}: component {_int(c, 'component_id', 0)}", folder,
                              problems, scale=g) for c, g in zip(comps, gains)]
            groups = [g for g in groups if g]
            layers, stack = (groups[0], groups[1:]) if groups else ([], [])
    else:
        # 0.9.x: layers in the instrument; anything newer we do not know: layers wherever they are
        layer_elems = inst.findall("layer") or inst.findall(".//layer")
        oldest = []
        if not layer_elems and _text(inst, "filename").strip():  # the oldest kits: one sample per instrument
            oldest = [(_text(inst, "filename").strip(), 0.0, 1.0, 1.0, 0.0)]
        layers = _layers(layer_elems, oldest, where, folder, problems)
        stack = []
    if not layers:
        problems.append(Problem(f"{where}: no samples; instrument skipped"))
        return None

    gain = _float(inst, "volume", 1.0) * _float(inst, "gain", 1.0) * comp_gain
    if inst.find("pan") is not None:
        pan = min(1.0, max(-1.0, _float(inst, "pan", 0.0)))
    else:
        pan = ratio_pan(_float(inst, "pan_L", 1.0), _float(inst, "pan_R", 1.0))
    attack = max(0.0, _float(inst, "Attack", 0.0))
    decay = max(0.0, _float(inst, "Decay", 0.0))
    sustain = min(1.0, max(0.0, _float(inst, "Sustain", 1.0)))
    release = max(float(MIN_RELEASE_FRAMES), _float(inst, "Release", 1000.0))
    envelope = Envelope(attack=attack / FRAME_RATE,
                        hold=0.0 if (decay > 0 and sustain < 1.0) or sustain == 0.0 else None,
                        decay=decay / FRAME_RATE, sustain=sustain, release=release / FRAME_RATE)
    mute = _int(inst, "muteGroup", -1)
    group = f"mute{mute}" if mute >= 0 else None
    note = _int(inst, "midiOutNote", 36 + iid)
    if not 0 <= note <= 127:
        problems.append(Problem(f"{where}: MIDI note {note} out of range; ignored"))
        note = None
    apply_velocity = _text(inst, "applyVelocity", "true").strip().lower() != "false"
    return Pad(
        name, layers, note=note, tune=_float(inst, "pitchOffset", 0.0), gain_db=_db(gain), pan=pan,
        envelope=envelope, choke_group=group, choked_by=frozenset([group]) if group else frozenset(),
        choke_self=False, choke_fade=release / FRAME_RATE if group else None,
        selection=selection, gated=True, amp_veltrack=0.5 if apply_velocity else 0.0,
        random_pitch=max(0.0, _float(inst, "randomPitchFactor", 0.0)),
        info={"hydrogen_id": iid}, stack=stack,
    )


def _layers(layer_elems: list, specs: list, where: str, folder: Path, problems: list,
            scale: float = 1.0) -> list[Layer]:
    """The layers of ``<layer>`` elements (or of *specs*, ``(filename, min, max, gain, pitch)``),
    their gains times *scale* (a component's gain and volume)."""
    specs = specs or [(_text(l, "filename").strip(), _float(l, "min", 0.0), _float(l, "max", 1.0),
                       _float(l, "gain", 1.0), _float(l, "pitch", 0.0)) for l in layer_elems]
    layers = []
    for seq, (filename, lo, hi, gain, pitch) in enumerate(specs):
        if not filename:
            problems.append(Problem(f"{where}: layer {seq + 1} has no <filename>"))
            continue
        path = Path(filename) if os.path.isabs(filename) else folder / filename
        if not path.is_file():
            problems.append(Problem(f"{where}: sample {filename!r} not found", file=path))
        vel_lo, vel_hi = velocity_range(lo, hi)
        if hi < lo or not (0.0 <= lo <= 1.0 and 0.0 <= hi <= 1.0):
            problems.append(Problem(f"{where}: layer {seq + 1} has a bad velocity range {lo:g}..{hi:g}"))
        layers.append(Layer(path, vel_lo=vel_lo, vel_hi=vel_hi, gain_db=_db(gain * scale), tune=pitch, seq=seq,
                            where=f"{where}: layer {seq + 1}"))
    return layers


def velocity_range(lo: float, hi: float) -> tuple[int, int]:
    """Hydrogen's 0..1 layer range as MIDI velocities: those v with lo <= v/127 <= hi."""
    lo, hi = min(1.0, max(0.0, lo)), min(1.0, max(0.0, hi))
    if hi < lo:
        lo, hi = hi, lo
    v_lo = max(0, math.ceil(lo * 127 - 1e-6))
    v_hi = min(127, math.floor(hi * 127 + 1e-6))
    if v_hi < v_lo:  # a sliver between two integers: keep the nearest velocity
        v_lo = v_hi = min(127, max(0, round((lo + hi) * 127 / 2)))
    return v_lo, v_hi


def ratio_pan(pan_l: float, pan_r: float) -> float:
    """The 0.9.x pair of channel gains as one pan position in -1..1 (1, 1 is centre)."""
    pan_l, pan_r = max(0.0, pan_l), max(0.0, pan_r)
    if pan_l == pan_r:
        return 0.0
    if pan_l > pan_r:
        return pan_r / pan_l - 1.0
    return 1.0 - pan_l / pan_r


def _db(gain: float) -> float:
    return 20.0 * math.log10(gain) if gain > 1e-6 else -120.0


# --- XML helpers -----------------------------------------------------------------------------

def parse_xml(path: Path) -> ET.Element:
    """Parse a Hydrogen XML file with the namespaces stripped from every tag."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise KitError(f"{path}: malformed XML ({e})") from None
    except OSError as e:
        raise KitError(f"{path}: cannot read ({e.strerror or e})") from None
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.rsplit("}", 1)[1]
    return root


def _text(el: ET.Element, tag: str, default: str = "") -> str:
    child = el.find(tag)
    return child.text or default if child is not None else default


def _float(el: ET.Element, tag: str, default: float) -> float:
    try:
        value = float(_text(el, tag).strip() or default)
    except ValueError:
        return default
    return value if math.isfinite(value) else default


def _int(el: ET.Element, tag: str, default: int) -> int:
    try:
        return int(float(_text(el, tag).strip() or default))
    except ValueError:
        return default


def _children(root: ET.Element, parent: str, tag: str) -> list[ET.Element]:
    p = root.find(parent)
    return p.findall(tag) if p is not None else []


_NAME = re.compile(rb"<(?:\w+:)?name>([^<]*)</(?:\w+:)?name>")


def declared_name(folder: Path) -> str | None:
    """The ``<name>`` of a drumkit.xml, read cheaply (the first one in its first 8 KB)."""
    try:
        with open(folder / "drumkit.xml", "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return None
    m = _NAME.search(head)
    if not m:
        return None
    import html

    return html.unescape(m.group(1).decode("utf-8", "replace")).strip() or None


# --- archives ----------------------------------------------------------------------------------

def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "beatforge" / "h2drumkit"


def find_kit_root(folder: Path) -> Path:
    """The folder holding drumkit.xml: *folder* itself or its single subfolder that has one."""
    if (folder / "drumkit.xml").is_file():
        return folder
    subs = [d for d in folder.iterdir() if d.is_dir() and (d / "drumkit.xml").is_file()]
    if len(subs) == 1:
        return subs[0]
    raise KitError("no drumkit.xml in the archive" if not subs else "the archive holds several drumkits")


def extract_cached(archive: Path) -> Path:
    """Extract *archive* (safely) into the per-user cache, keyed by its SHA-256; returns the kit folder.

    Extraction goes to a temporary folder that is renamed into place, so concurrent
    loads and interrupted extractions never leave a half-written kit in the cache.
    """
    try:
        digest = sha256_file(archive)
    except OSError as e:
        raise KitError(f"{archive}: cannot read ({e.strerror or e})") from None
    cache = cache_dir()
    final = cache / digest[:32]
    if not final.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=cache))
        try:
            from ..archive import safe_extract  # tarfile/zipfile only when an archive is opened

            safe_extract(archive, tmp)
            try:
                find_kit_root(tmp)
            except KitError as e:
                raise KitError(f"{archive}: {e}") from None
            try:
                os.rename(tmp, final)
            except OSError:
                if not final.is_dir():
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    try:
        return find_kit_root(final)
    except KitError as e:
        raise KitError(f"{archive}: {e}") from None
