"""Pack manifests: TOML in, a validated :class:`PackSpec` out.

Validation collects every problem before raising, so one run shows them all.
Each message names the file and the key, e.g.::

    pack.toml: beat[2].bpm: 320 is outside 40-300

``beat[N]`` and ``tier[N]`` count the ``[[beat]]`` / ``[[tier]]`` tables from 1.
Paths in the manifest are relative to the manifest's folder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from ..errors import ManifestError
from . import naming

FILE_KINDS = ("mp3", "wav", "stems", "midi")
BPM_RANGE = (40, 300)
SAMPLE_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000)
BIT_DEPTHS = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}  # 32 = 32-bit float WAV


@dataclass(frozen=True)
class Tier:
    name: str
    files: tuple[str, ...]
    zip: bool = True
    license: str | None = None      # per-tier template overriding [pack].license


@dataclass(frozen=True)
class PreviewSpec:
    tag: Path
    every: float = 10.0
    gain_db: float = 0.0
    loudness: float = -14.0
    true_peak: float = -1.0


@dataclass(frozen=True)
class MasterSpec:
    loudness: float | None = None
    true_peak: float = -1.0
    limiter: bool = True


@dataclass(frozen=True)
class BeatSpec:
    index: int                      # 1-based position among [[beat]] tables
    pattern: Path
    title: str
    kits: tuple[str, ...]
    bpms: tuple[float, ...]
    seeds: tuple[int, ...] = (0,)
    bars: int | None = None
    key: str | None = None          # normalised, e.g. "Fmin"
    genre: str | None = None
    mood: str | None = None
    tags: tuple[str, ...] = ()
    entry: dict = field(default_factory=dict, compare=False, hash=False)  # the raw table, for input hashes


@dataclass(frozen=True)
class Variant:
    beat: BeatSpec
    kit: str                         # as written in the manifest
    kit_path: Path | None            # folder/file when the kit is a path (or a found shipped kit)
    bpm: float
    seed: int
    name: str                        # file stem and folder name

    @property
    def index(self) -> tuple:
        return (self.beat.index, self.kit, self.bpm, self.seed)


@dataclass(frozen=True)
class PackSpec:
    path: Path
    title: str
    producer: str
    license: str
    sample_rate: int
    bit_depth: int
    tiers: tuple[Tier, ...]
    beats: tuple[BeatSpec, ...]
    preview: PreviewSpec | None = None
    master: MasterSpec | None = None
    raw: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def file_kinds(self) -> set[str]:
        return {kind for tier in self.tiers for kind in tier.files}

    def variants(self) -> list[Variant]:
        """beat x kit x bpm x seed, in manifest order."""
        out = []
        base = self.path.parent
        for beat in self.beats:
            for kit in beat.kits:
                for bpm in beat.bpms:
                    for seed in beat.seeds:
                        name = naming.variant_name(
                            beat.title, bpm, beat.key,
                            kit=kit_label(kit) if len(beat.kits) > 1 else None,
                            seed=seed if len(beat.seeds) > 1 else None)
                        out.append(Variant(beat, kit, find_kit(kit, base), bpm, seed, name))
        return out


def kit_label(kit: str) -> str:
    """A short name for a kit reference: ``kits/My Kit/`` -> ``My Kit``, ``lofi`` -> ``lofi``."""
    p = Path(kit)
    return p.stem if p.suffix else (p.name or kit)


def find_kit(ref: str, base: Path) -> Path | None:
    """The file or folder a kit reference points at: a path relative to the manifest first,
    else a kit name found by the kit loader's search path (shipped kits, user kits ...)."""
    candidate = base / ref
    if candidate.exists():
        return candidate.resolve()
    from ..errors import KitError
    from ..kit.resolve import find_kit as find_named_kit
    try:
        return find_named_kit(ref).resolve()
    except KitError:
        return None


def kit_known(ref: str, base: Path) -> bool:
    return find_kit(ref, base) is not None


def midi_export_available() -> bool:
    try:
        from ..beat import Beat
    except ImportError:
        return False
    return hasattr(Beat, "to_midi")


# -- validation ----------------------------------------------------------------------------

class _Errors:
    def __init__(self, filename: str):
        self.filename = filename
        self.lines: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.lines.append(f"{self.filename}: {key}: {message}" if key else f"{self.filename}: {message}")


_MISSING = object()


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _fmt(v) -> str:
    return repr(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)


class _Table:
    """Typed access to one TOML table, reporting unknown keys and bad values."""

    def __init__(self, errors: _Errors, where: str, data, allowed: tuple[str, ...]):
        self.errors = errors
        self.where = where
        self.data = data if isinstance(data, dict) else {}
        for key in self.data:
            if key not in allowed:
                self.errors.add(self.key(key), f"unknown key (allowed: {', '.join(allowed)})")

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def get(self, name, kind, default=_MISSING, required=False):
        v = self.data.get(name, _MISSING)
        if v is _MISSING:
            if required:
                self.errors.add(self.key(name), "missing (required)")
            return None if default is _MISSING else default
        if kind == "str":
            if isinstance(v, str) and v.strip():
                return v
            self.errors.add(self.key(name), f"{_fmt(v)} is not a non-empty string")
        elif kind == "number":
            if _is_number(v):
                return v
            self.errors.add(self.key(name), f"{_fmt(v)} is not a number")
        elif kind == "int":
            if isinstance(v, int) and not isinstance(v, bool):
                return v
            self.errors.add(self.key(name), f"{_fmt(v)} is not an integer")
        elif kind == "bool":
            if isinstance(v, bool):
                return v
            self.errors.add(self.key(name), f"{_fmt(v)} is not true or false")
        elif kind in ("list[str]", "list[number]", "list[int]"):
            items = v if isinstance(v, list) else [v] if kind == "list[number]" and _is_number(v) else None
            check = {"list[str]": lambda x: isinstance(x, str) and x.strip(),
                     "list[number]": _is_number,
                     "list[int]": lambda x: isinstance(x, int) and not isinstance(x, bool)}[kind]
            noun = {"list[str]": "strings", "list[number]": "numbers", "list[int]": "integers"}[kind]
            if items is None or not all(check(x) for x in items):
                self.errors.add(self.key(name), f"{_fmt(v)} is not a list of {noun}")
            else:
                dups = sorted({_fmt(x) for x in items if items.count(x) > 1})
                if dups:
                    self.errors.add(self.key(name), f"duplicate value {', '.join(dups)}")
                return tuple(items)
        else:  # pragma: no cover - programming error
            raise AssertionError(kind)
        return None if default is _MISSING else default

    def range(self, name, value, lo, hi, unit=""):
        if value is not None and not (lo <= value <= hi):
            self.errors.add(self.key(name), f"{_fmt(value)} is outside {lo}-{hi}{unit}")
            return False
        return True


def _check_template(t: _Table, name: str, template: str | None) -> None:
    if template is None:
        return
    try:
        used = naming.template_fields(template)
    except ValueError as exc:
        t.errors.add(t.key(name), f"bad template: {exc}")
        return
    bad = sorted({u for u in used if u not in naming.LICENSE_FIELDS})
    if bad:
        t.errors.add(t.key(name), "unknown placeholder " + ", ".join("{%s}" % b for b in bad)
                     + " (allowed: " + " ".join("{%s}" % f for f in naming.LICENSE_FIELDS) + ")")


def _check_path(t: _Table, name: str, value: str | None, base: Path, what: str) -> Path | None:
    if value is None:
        return None
    p = base / value
    if not p.is_file():
        t.errors.add(t.key(name), f"{what} file {value!r} not found")
        return None
    return p.resolve()


def load_manifest(path: str | Path) -> PackSpec:
    """Read and validate a pack manifest; raise :class:`ManifestError` listing every problem.

    ``err.errors`` holds the individual one-line messages; ``str(err)`` joins them.
    """
    path = Path(path)
    errors = _Errors(path.name)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.add("", "manifest not found")
        _raise(errors)
    except (OSError, UnicodeDecodeError) as exc:
        errors.add("", f"cannot read manifest: {exc}")
        _raise(errors)
    except tomllib.TOMLDecodeError as exc:
        errors.add("", f"invalid TOML: {exc}")
        _raise(errors)
    spec = _validate(raw, path, errors)
    if errors.lines:
        _raise(errors)
    return spec


def _raise(errors: _Errors):
    err = ManifestError("\n".join(errors.lines))
    err.errors = list(errors.lines)
    raise err


def _validate(raw: dict, path: Path, errors: _Errors) -> PackSpec | None:
    base = path.parent
    _Table(errors, "", raw, ("pack", "preview", "tier", "beat", "master"))  # unknown top-level keys

    # [pack]
    if not isinstance(raw.get("pack"), dict):
        errors.add("pack", "missing [pack] table" if "pack" not in raw else "must be a table")
    p = _Table(errors, "pack", raw.get("pack"),
               ("title", "producer", "license", "license_file", "sample_rate", "bit_depth"))
    title = p.get("title", "str", required=True)
    producer = p.get("producer", "str", required=True)
    license_ = p.get("license", "str")
    license_file = _check_path(p, "license_file", p.get("license_file", "str"), base, "license")
    if license_ is not None and "license_file" in p.data:
        errors.add("pack.license_file", "give either license or license_file, not both")
    if license_file is not None:
        license_ = license_file.read_text(encoding="utf-8")
    _check_template(p, "license_file" if license_file else "license", license_)
    sample_rate = p.get("sample_rate", "int", 44100)
    if sample_rate not in SAMPLE_RATES:
        errors.add("pack.sample_rate", f"{sample_rate} is not one of {', '.join(map(str, SAMPLE_RATES))}")
    bit_depth = p.get("bit_depth", "int", 24)
    if bit_depth not in BIT_DEPTHS:
        errors.add("pack.bit_depth", f"{bit_depth} is not one of 16, 24, 32 (32 = float)")

    # [preview]
    preview = None
    if "preview" in raw:
        t = _Table(errors, "preview", raw["preview"], ("tag", "every", "gain_db", "loudness", "true_peak"))
        if not isinstance(raw["preview"], dict):
            errors.add("preview", "must be a table")
        tag = _check_path(t, "tag", t.get("tag", "str", required=True), base, "tag")
        if tag is not None:
            import soundfile
            try:
                soundfile.info(str(tag))
            except Exception:
                errors.add("preview.tag", f"{t.data['tag']!r} is not a readable audio file")
        every = t.get("every", "number", 10.0)
        if every is not None and every <= 0:
            errors.add("preview.every", f"{every} must be more than 0 seconds")
        gain_db = t.get("gain_db", "number", 0.0)
        t.range("gain_db", gain_db, -60, 24, " dB")
        loudness = t.get("loudness", "number", -14.0)
        t.range("loudness", loudness, -40, -5, " LUFS")
        true_peak = t.get("true_peak", "number", -1.0)
        t.range("true_peak", true_peak, -12, 0, " dBTP")
        preview = PreviewSpec(tag, float(every or 10), float(gain_db or 0), float(loudness or -14),
                              float(true_peak if true_peak is not None else -1))

    # [master]
    master = None
    if "master" in raw:
        t = _Table(errors, "master", raw["master"], ("loudness", "true_peak", "limiter"))
        if not isinstance(raw["master"], dict):
            errors.add("master", "must be a table")
        loudness = t.get("loudness", "number", None)
        t.range("loudness", loudness, -40, -5, " LUFS")
        true_peak = t.get("true_peak", "number", -1.0)
        t.range("true_peak", true_peak, -12, 0, " dBTP")
        limiter = t.get("limiter", "bool", True)
        master = MasterSpec(None if loudness is None else float(loudness),
                            float(true_peak if true_peak is not None else -1), bool(limiter))

    # [[tier]]
    tiers = []
    raw_tiers = raw.get("tier", [])
    if not isinstance(raw_tiers, list) or not all(isinstance(x, dict) for x in raw_tiers):
        errors.add("tier", "must be an array of tables ([[tier]])")
        raw_tiers = []
    elif not raw_tiers:
        errors.add("tier", "at least one [[tier]] is required")
    seen_tiers: dict[str, int] = {}
    for i, entry in enumerate(raw_tiers, 1):
        t = _Table(errors, f"tier[{i}]", entry, ("name", "files", "zip", "license"))
        name = t.get("name", "str", required=True)
        if name is not None:
            if not naming.slug(name):
                errors.add(t.key("name"), f"{name!r} has no letters or digits")
            elif naming.slug(name).lower() in seen_tiers:
                errors.add(t.key("name"), f"{name!r} duplicates tier[{seen_tiers[naming.slug(name).lower()]}]")
            else:
                seen_tiers[naming.slug(name).lower()] = i
        files = t.get("files", "list[str]", required=True)
        if files is not None:
            if not files:
                errors.add(t.key("files"), "is empty (choose from mp3, wav, stems, midi)")
            for f in files:
                if f not in FILE_KINDS:
                    errors.add(t.key("files"), f"{f!r} is not one of mp3, wav, stems, midi")
            if "midi" in files and not midi_export_available():
                errors.add(t.key("files"), "'midi' needs MIDI export (Beat.to_midi), which this "
                                           "beatforge does not have yet")
        zip_ = t.get("zip", "bool", True)
        tier_license = t.get("license", "str")
        _check_template(t, "license", tier_license)
        tiers.append(Tier(name or "", tuple(files or ()), bool(zip_), tier_license))

    # [[beat]]
    beats = []
    raw_beats = raw.get("beat", [])
    if not isinstance(raw_beats, list) or not all(isinstance(x, dict) for x in raw_beats):
        errors.add("beat", "must be an array of tables ([[beat]])")
        raw_beats = []
    elif not raw_beats:
        errors.add("beat", "at least one [[beat]] is required")
    seen_titles: dict[str, int] = {}
    for i, entry in enumerate(raw_beats, 1):
        t = _Table(errors, f"beat[{i}]", entry,
                   ("pattern", "title", "kits", "bpm", "bars", "key", "genre", "mood", "tags", "seeds"))
        pattern = _check_path(t, "pattern", t.get("pattern", "str", required=True), base, "pattern")
        btitle = t.get("title", "str", required=True)
        if btitle is not None:
            s = naming.slug(btitle).lower()
            if not s:
                errors.add(t.key("title"), f"{btitle!r} has no letters or digits")
            elif s in seen_titles:
                errors.add(t.key("title"), f"{btitle!r} duplicates the title of beat[{seen_titles[s]}]")
            else:
                seen_titles[s] = i
        kits = t.get("kits", "list[str]", required=True)
        if kits is not None:
            if not kits:
                errors.add(t.key("kits"), "is empty")
            for k in kits:
                if not kit_known(k, base):
                    errors.add(t.key("kits"), f"kit {k!r} not found (neither a path next to the "
                                              f"manifest nor a kit name beatforge knows)")
            labels = [naming.slug(kit_label(k)).lower() for k in kits]
            if len(set(labels)) != len(labels) and len(set(kits)) == len(kits):
                errors.add(t.key("kits"), "two kits share a name; their variants would collide")
        bpms = t.get("bpm", "list[number]", required=True)
        if bpms is not None:
            if not bpms:
                errors.add(t.key("bpm"), "is empty")
            for b in bpms:
                t.range("bpm", b, *BPM_RANGE)
        bars = t.get("bars", "int")
        if bars is not None:
            t.range("bars", bars, 1, 1024)
        key = t.get("key", "str")
        if key is not None:
            try:
                key = naming.parse_key(key)
            except ValueError:
                errors.add(t.key("key"), f"{key!r} is not a key (e.g. \"F minor\", \"C#m\", \"Bb major\")")
                key = None
        genre = t.get("genre", "str")
        mood = t.get("mood", "str")
        tags = t.get("tags", "list[str]", ())
        seeds = t.get("seeds", "list[int]", (0,))
        if seeds is not None:
            if not seeds:
                errors.add(t.key("seeds"), "is empty")
            for s in seeds:
                if s < 0:
                    errors.add(t.key("seeds"), f"{s} is negative")
        beats.append(BeatSpec(i, pattern or Path(), btitle or "", tuple(kits or ()),
                              tuple(float(b) if not float(b).is_integer() else int(b) for b in bpms or ()),
                              tuple(seeds or (0,)), bars, key, genre, mood, tuple(tags or ()), dict(entry)))

    return PackSpec(path.resolve(), title or "", producer or "", license_ or naming.DEFAULT_LICENSE,
                    sample_rate or 44100, bit_depth or 24, tuple(tiers), tuple(beats), preview, master, raw)
