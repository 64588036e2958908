"""Kit housekeeping behind ``beatforge kits`` and ``beatforge kit show|check|import``."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BeatforgeError, KitError
from ..io.audio import created_mode
from ..io.tmpfile import output_folder
from .archive import is_archive, safe_extract
from .model import Kit
from .names import normalise
from .problems import reported_files
from .resolve import FORMATS, collect_kit, load_kit, search_path, user_kits_dir
from .sample import AUDIO_EXTENSIONS

SILENT_DB = -60.0        # a sample whose peak is below this is reported as silent
CLIP_LEVEL = 0.999       # ... and one with CLIP_RUN samples in a row at or above this as clipping
CLIP_RUN = 3


# --- listing -----------------------------------------------------------------------------------

@dataclass
class KitEntry:
    name: str
    path: Path
    origin: str            # shipped, user, BEATFORGE_KIT_PATH, hydrogen
    format: str = ""
    pads: int | None = None
    error: str | None = None
    shadowed: bool = False  # an earlier folder in the search path has a kit of the same name


def _looks_like_kit(p: Path) -> bool:
    if p.name.startswith("."):
        return False
    if p.is_file():
        return p.suffix.lower() in (".h2drumkit", ".sfz")
    if not p.is_dir():
        return False
    try:
        return any(c.suffix.lower() in AUDIO_EXTENSIONS + (".sfz", ".toml", ".xml") or c.is_dir()
                   for c in p.iterdir())
    except OSError:
        return False


def list_kits() -> list[KitEntry]:
    """Every kit on the search path, in lookup order (later ones with a taken name are shadowed)."""
    out: list[KitEntry] = []
    seen: set[str] = set()
    for origin, d in search_path():
        try:
            entries = sorted(d.iterdir()) if d.is_dir() else []
        except OSError:
            continue
        for p in entries:
            if not _looks_like_kit(p):
                continue
            entry = KitEntry(p.stem if p.is_file() else p.name, p, origin)
            try:
                kit = load_kit(p)
            except (BeatforgeError, OSError, ValueError) as e:
                entry.error = str(e).splitlines()[0]
            else:
                entry.name, entry.format, entry.pads = kit.name, kit.source, len(kit.pads)
            key = normalise(entry.name)
            entry.shadowed = key in seen
            seen.add(key)
            out.append(entry)
    return out


# --- showing -------------------------------------------------------------------------------------

def describe(kit: Kit) -> str:
    """A readable summary: pads with notes, layers, selection and chokes."""
    lines = [f"{kit.name}  ({kit.source}, {len(kit.pads)} pads, polyphony {kit.polyphony})"]
    if kit.path is not None:
        lines.append(f"path: {kit.path}")
    for key in ("author", "license", "url", "description"):
        if kit.info.get(key):
            text = re.sub(r"(?is)<(style|head)\b.*?</\1>|<[^>]+>", " ", str(kit.info[key]))
            text = " ".join(text.split())
            lines.append(f"{key}: {text[:200]}{'...' if len(text) > 200 else ''}")
    for pad in kit.pads.values():
        note = kit.note_of(pad)
        bits = [f"note {note}" if note is not None else "no note"]
        if len(pad.layers) > 1:
            how = "by velocity" if pad.selection == "first" else pad.selection.replace("_", " ")
            bits.append(f"{len(pad.layers)} layers, {how}")
        if pad.stack:
            bits.append(f"{len(pad.stack) + 1} layer groups play together (+)")
        stacked = sum(len(l.companions) for g in (pad.layers, *pad.stack) for l in g)
        if stacked:
            bits.append(f"{stacked} stacked layer{'s' if stacked > 1 else ''} (&)")
        if pad.root is not None:   # melodic pads: pitches are relative to this note
            root = float(pad.root)
            name = (f" ({'C C# D D# E F F# G G# A A# B'.split()[int(root) % 12]}{int(root) // 12 - 1})"
                    if root.is_integer() else "")
            bits.append(f"root {root:g}{name}")
        if pad.choke_group is not None:
            bits.append(f"choke group {pad.choke_group}")
        if pad.choked_by:
            bits.append(f"choked by {', '.join(sorted(pad.choked_by))}")
        for attr, label in (("tune", "tune"), ("gain_db", "gain dB"), ("pan", "pan")):
            value = getattr(pad, attr)
            if value:
                bits.append(f"{label} {value:+.2f}")
        if pad.polyphony:
            bits.append(f"polyphony {pad.polyphony}")
        lines.append(f"  {pad.name}: {'; '.join(bits)}")
        shown = []   # "+": a further stack group (Hydrogen component); "&": stacked with the layer above
        for indent, group in [("      ", pad.layers), *(("    + ", g) for g in pad.stack)]:
            for layer in group:
                shown.append((indent, layer))
                shown.extend(("    & ", c) for c in layer.companions)
        for indent, layer in shown:
            where = _rel(layer.path, kit.path) if layer.path is not None else "(in memory)"
            extra = []
            if (layer.vel_lo, layer.vel_hi) not in ((0, 127), (1, 127)):
                extra.append(f"vel {layer.vel_lo}-{layer.vel_hi}")
            if layer.seq_length:
                extra.append(f"seq {layer.seq}/{layer.seq_length}")
            if layer.rand_lo > 0 or layer.rand_hi < 1:
                extra.append(f"rand {layer.rand_lo:g}-{layer.rand_hi:g}")
            if layer.gain_db:
                extra.append(f"gain {layer.gain_db:+.1f} dB")
            if layer.tune:
                extra.append(f"tune {layer.tune:+g}")
            lines.append(f"{indent}{where}{'  ' + ', '.join(extra) if extra else ''}")
    for ignored in kit.info.get("ignored", []):
        lines.append(f"ignored: {ignored}")
    for problem in kit.problems:
        lines.append(f"problem: {problem}")
    return "\n".join(lines)


def _rel(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return str(Path(path).relative_to(base))
        except ValueError:
            pass
    return str(path)


# --- checking ------------------------------------------------------------------------------------

def check_kit(kit: Kit) -> list[str]:
    """Everything wrong with *kit*: loader problems, missing/unreadable/silent/clipping samples,
    velocity ranges that leave holes, pads sharing a MIDI note.  Empty when the kit is clean.
    A sample file the loader already reported (missing) is not reported again."""
    issues = list(kit.problems)
    checked: dict[Path, str | None] = {}
    reported = reported_files(kit.problems)
    for pad in kit.pads.values():
        told: set[Path] = set()   # a file a pad lists twice is reported once for it
        for layer in pad.all_layers():
            # the place the loader says the layer is declared (kit.toml:LINE: pads.NAME.sample,
            # drumkit.xml: instrument ID (NAME)), else the pad
            where = layer.where or f"pad {pad.name!r}"
            if layer.path is not None and (layer.path in reported or layer.path in told):
                continue
            if layer.path is not None and layer.path in checked:
                msg = checked[layer.path]
            else:
                msg = _check_sample(layer)
                if layer.path is not None:
                    checked[layer.path] = msg
            if msg and f"{where}: {msg}" not in issues:
                issues.append(f"{where}: {msg}")
                if layer.path is not None:
                    told.add(layer.path)
        issues += [f"pad {pad.name!r}: {m}" for m in _velocity_holes(pad)]
    by_note: dict[int, list[str]] = {}
    for pad in kit.pads.values():
        if pad.note is not None:
            by_note.setdefault(pad.note, []).append(pad.name)
    for note, pads in sorted(by_note.items()):
        if len(pads) > 1:
            issues.append(f"duplicate MIDI note {note}: pads {', '.join(repr(p) for p in pads)}")
    return issues


def check_kit_at(spec: "str | os.PathLike | Kit") -> tuple[Kit | None, list[str]]:
    """Load the kit *spec* names collecting every problem (see :func:`collect_kit`), then
    :func:`check_kit` it: ``(kit, issues)``, every issue one line.  The kit is None when
    it could not be read at all (its issues say why)."""
    kit, problems = collect_kit(spec)
    if kit is None:
        return None, problems
    return kit, check_kit(kit)


def _check_sample(layer) -> str | None:
    name = layer.path.name if layer.path is not None else "in-memory sample"
    if layer.path is not None and not layer.path.is_file():
        return f"sample {name} is missing"
    try:
        sample = layer.sample
    except BeatforgeError as e:
        return f"sample {name} is unreadable ({str(e).split(': ', 1)[-1]})"
    mag = np.abs(sample.data).max(axis=1)
    peak = float(mag.max())
    if peak == 0.0 or 20 * np.log10(peak) < SILENT_DB:
        return f"sample {name} is silent (peak below {SILENT_DB:g} dBFS)"
    hot = mag >= CLIP_LEVEL
    if peak > 1.0 or _longest_run(hot) >= CLIP_RUN:
        db = round(20 * np.log10(peak), 1) + 0.0   # + 0.0: a peak a hair under 1 reads +0.0, not -0.0
        return f"sample {name} is clipping (peak {db:+.1f} dBFS)"
    return None


def _longest_run(mask: np.ndarray) -> int:
    if not mask.any():
        return 0
    padded = np.concatenate([[0], mask.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max())


def _velocity_holes(pad) -> list[str]:
    covered = np.zeros(128, bool)
    for layer in pad.layers:
        covered[layer.vel_lo: layer.vel_hi + 1] = True
    holes = np.flatnonzero(~covered[1:]) + 1
    if not len(holes):
        return []
    runs, start = [], holes[0]
    for a, b in zip(holes, list(holes[1:]) + [None]):
        if b is None or b != a + 1:
            runs.append(f"{start}" if start == a else f"{start}-{a}")
            if b is not None:
                start = b
    if len(runs) == 1 and "-" not in runs[0]:
        return [f"velocity {runs[0]} falls between its layers' ranges"]
    return [f"velocities {', '.join(runs)} fall between its layers' ranges"]


# --- importing -----------------------------------------------------------------------------------

def _kit_root(folder: Path) -> Path:
    """The folder inside an unpacked archive that is the kit (itself or its single subfolder)."""
    for detect in (lambda p: (p / "drumkit.xml").is_file(), lambda p: (p / "kit.toml").is_file(),
                   lambda p: any(c.suffix.lower() == ".sfz" for c in p.iterdir() if c.is_file())):
        if detect(folder):
            return folder
    subs = [d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")]
    files = [f for f in folder.iterdir() if f.is_file() and not f.name.startswith(".")]
    if len(subs) == 1 and not files:
        return _kit_root(subs[0])
    return folder


def _safe_name(name: str) -> str:
    safe = re.sub(r"[^\w .+#-]+", "_", name).strip(" ._")
    return safe[:100] or "kit"


def import_kit(path: str | os.PathLike, kits_dir: str | os.PathLike | None = None, *,
               name: str | None = None, replace: bool = False) -> tuple[Path, Kit]:
    """Install a Hydrogen kit (folder or archive), an SFZ kit (``.sfz`` file or its folder), a
    ``kit.toml`` kit or a folder of samples into *kits_dir* (the user kit folder by default).

    The kit is unpacked or copied into a temporary folder inside *kits_dir*, loaded to
    prove it works, and renamed into place: a failed import leaves nothing behind.
    Returns the installed folder and the kit.
    """
    src = Path(path).expanduser()
    if not src.exists():
        raise KitError(f"{path}: no such file or folder")
    dest_root = Path(kits_dir) if kits_dir is not None else user_kits_dir()
    try:
        dest_root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise KitError(f"cannot create the kit folder {dest_root} ({e.strerror or e})") from None
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=dest_root))
    try:
        if src.is_file() and is_archive(src):
            safe_extract(src, tmp)
            root = _kit_root(tmp)
        elif src.is_file() and src.suffix.lower() == ".sfz":
            # the copy is named like the instrument, so its default kit name is the .sfz's, as
            # when the file itself is loaded (not the temporary folder's)
            root = tmp / src.stem
            _copy_tree(src.parent, root)
            others = [p for p in root.iterdir() if p.suffix.lower() == ".sfz" and p.name != src.name]
            if others:
                _keep_only_instrument(root, root / src.name)
        elif src.is_dir():
            root = tmp / (src.resolve().name or "kit")   # a sample folder's kit is named after it
            _copy_tree(src, root)
        else:
            raise KitError(f"{src}: not a kit (expected a Hydrogen drumkit folder or .h2drumkit, "
                           "an .sfz file or folder, or a folder of samples)")
        try:
            kit = _load_fresh(root)
        except BeatforgeError as e:   # name what the user gave, not the temporary copy
            copied = tmp if src.is_file() and is_archive(src) else root
            original = src if src.is_dir() or is_archive(src) else src.parent
            raise type(e)(str(e).replace(str(copied), str(original))) from None
        os.chmod(root, created_mode(0o777))   # the archive's own top level is mkdtemp's private folder
        folder_name = _safe_name(name or kit.name)
        final = dest_root / folder_name
        if final.exists() or final.is_symlink():
            if not replace:
                raise KitError(f"a kit is already installed at {final}; remove it first (or use --replace)")
            old = Path(tempfile.mkdtemp(prefix=".old-", dir=dest_root))
            os.rename(final, old / "kit")
            try:
                os.rename(root, final)
            except OSError:
                os.rename(old / "kit", final)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(root, final)
    except OSError as e:
        raise KitError(f"cannot import {src}: {e.strerror or e}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with warnings.catch_warnings():
        # the same files again, at their new place: their format warnings were given above
        warnings.simplefilter("ignore")
        return final, load_kit(final)


def _load_fresh(root: Path) -> Kit:
    for _, detect, loader in FORMATS:
        if detect(root):
            return loader(root)
    raise KitError("the archive holds no kit (no drumkit.xml, .sfz, kit.toml or audio files)")


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy a kit folder: file contents only (links are followed, special files skipped)."""
    def ignore(folder, names):
        skip = []
        for n in names:
            p = Path(folder) / n
            if n.startswith(".") or not (p.is_file() or p.is_dir()):
                skip.append(n)
        return skip
    shutil.copytree(src, dst, symlinks=False, ignore=ignore, ignore_dangling_symlinks=True)


def _keep_only_instrument(root: Path, main: Path) -> None:
    """A copied SFZ folder with several instruments keeps the chosen one loadable by folder:
    the other top-level .sfz files that it does not include are moved into a subfolder."""
    text = main.read_text(encoding="utf-8", errors="replace")
    included = {Path(m.replace("\\", "/")).name for m in re.findall(r'#include\s+"([^"]+)"', text)}
    spare = root / "other-instruments"
    for p in list(root.iterdir()):
        if p.suffix.lower() == ".sfz" and p != main and p.name not in included:
            spare.mkdir(exist_ok=True)
            os.rename(p, spare / p.name)


# --- saving ----------------------------------------------------------------------------------------

def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple, frozenset, set)):
        return "[" + ", ".join(_toml_value(x) for x in sorted(v, key=str)) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def save_kit(kit: Kit, folder: str | os.PathLike) -> Path:
    """Write *kit* as a new folder kit: one WAV per layer (its part of the sample only; 24-bit
    when that keeps every sample value, else 32-bit float) and a ``kit.toml`` with the whole
    model, stacked layers (``with``) and layer groups (``stack``) included.  The folder must be
    new or empty; it is written beside itself first and renamed into place."""
    from .model import Envelope, Pad

    out = Path(folder).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KitError(f"{out}: already exists and is not an empty folder")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise KitError(f"{out}: the folder {parent} does not exist")
    defaults = Pad("x", [_dummy_layer()])
    used: set[str] = set()   # file names taken (lower case: folders may ignore case)
    with output_folder(out) as tmp:
        lines = ["[kit]", f"name = {_toml_value(kit.name)}", f"polyphony = {kit.polyphony}", ""]
        for pad in kit.pads.values():
            stem = re.sub(r"[^\w.-]+", "_", pad.name).strip("._") or "pad"
            lines.append(f"[pads.{_toml_value(pad.name)}]")
            single = len(pad.layers) == 1 and not pad.stack
            rows = [_layer_row(layer, tmp, stem if single else f"{stem}_{i + 1}", used)
                    for i, layer in enumerate(pad.layers)]
            lines.append("layers = [\n    " + ",\n    ".join(rows) + ",\n]")
            if pad.stack:
                groups = []
                for g, group in enumerate(pad.stack):
                    rows = [_layer_row(layer, tmp, f"{stem}_stack{g + 1}_{i + 1}", used)
                            for i, layer in enumerate(group)]
                    groups.append("[\n        " + ",\n        ".join(rows) + ",\n    ]")
                lines.append("stack = [\n    " + ",\n    ".join(groups) + ",\n]")
            for key in ("note", "tune", "gain_db", "pan", "start", "end", "reverse", "root", "polyphony",
                        "choke_group", "choked_by", "stem", "selection", "gated", "amp_veltrack", "random_pitch",
                        "choke_self", "choke_fade"):
                value = getattr(pad, key)
                if value != getattr(defaults, key) and value is not None:
                    lines.append(f"{key} = {_toml_value(value)}")
            if pad.envelope != Envelope():
                env = pad.envelope
                parts = [f"{k} = {_toml_value(getattr(env, k))}" for k in ("attack", "hold", "decay", "sustain",
                                                                        "release") if getattr(env, k) is not None]
                lines.append("envelope = { " + ", ".join(parts) + " }")
            lines.append("")
        (tmp / "kit.toml").write_text("\n".join(lines), encoding="utf-8")
    return out


def _layer_row(layer, folder: Path, name: str, used: set, companion: bool = False) -> str:
    """*layer* as a kit.toml inline table, its sample written into *folder* as ``name.wav``
    (``name_with1.wav`` ... for the layers stacked on it)."""
    row = {"sample": _write_layer_sample(layer, folder, name, used)}
    if not companion:
        row["vel"] = [layer.vel_lo, layer.vel_hi]
    for key in ("gain_db", "tune", "pan"):
        if getattr(layer, key):
            row[key] = getattr(layer, key)
    if layer.seq is not None and not companion:
        row["seq"] = layer.seq
    text = ", ".join(f"{k} = {_toml_value(v) if k != 'vel' else '[%d, %d]' % tuple(v)}" for k, v in row.items())
    if layer.companions and not companion:
        stacked = [_layer_row(c, folder, f"{name}_with{j + 1}", used, companion=True)
                   for j, c in enumerate(layer.companions)]
        text += ", with = [" + ", ".join(stacked) + "]"
    return "{ " + text + " }"


def _write_layer_sample(layer, folder: Path, name: str, used: set) -> str:
    """Write the part of *layer*'s sample it plays as a WAV named after *name* (made unique
    among *used*), losslessly: 24-bit when that keeps every value, else 32-bit float."""
    import soundfile as sf

    from ..io.audio import write_audio

    fname, n = f"{name}.wav", 1
    while fname.lower() in used:
        n += 1
        fname = f"{name}-{n}.wav"
    used.add(fname.lower())
    sample = layer.sample
    end = sample.frames if layer.end is None else min(sample.frames, layer.end)
    data = np.asarray(sample.data[layer.offset:end], dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    write_audio(folder / fname, data, sample.sample_rate, 24)
    back, _ = sf.read(str(folder / fname), dtype="float32", always_2d=True)
    if back.shape != data.shape or not np.array_equal(back, data):
        write_audio(folder / fname, data, sample.sample_rate, 32)
    return fname


def _dummy_layer():
    from .model import Layer
    from .sample import Sample

    return Layer(None, data=Sample(np.zeros(1, np.float32), 44100))
