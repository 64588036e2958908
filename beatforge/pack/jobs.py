"""One job per variant: input hashes, and the worker function that renders and delivers.

A :class:`Job` holds only paths and small values (no audio), so it pickles cheaply
to worker processes and Dask workers; the worker loads the pattern and the kit
itself, renders through the engine and writes every deliverable of its variant
into the variant's folder.  It returns the file records for the index.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.tmpfile import sha256_file
from . import deliver, naming
from .manifest import PackSpec, Variant, kit_label

AUDIO_KINDS = ("mix", "stem", "preview")


def beatforge_version() -> str:
    import beatforge
    return getattr(beatforge, "__version__", "0")


@dataclass(frozen=True)
class Job:
    pack: PackSpec
    variant: Variant
    outdir: str
    input_hash: str

    @property
    def folder(self) -> Path:
        return Path(self.outdir) / self.variant.name


# -- input hashes ----------------------------------------------------------------------------

def _digest_path(p: Path | None, cache: dict) -> str:
    if p is None:
        return "-"
    key = str(p)
    if key not in cache:
        h = hashlib.sha256()
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                rel = f.relative_to(p).as_posix()
                if any(part.startswith(".") or part == "__pycache__" for part in rel.split("/")):
                    continue
                h.update(rel.encode() + b"\0" + f.read_bytes() + b"\0")
        elif p.is_file():
            h.update(p.read_bytes())
        cache[key] = h.hexdigest()
    return cache[key]


def _jsonable(v):
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v


def input_hash(pack: PackSpec, variant: Variant, cache: dict | None = None) -> str:
    """sha256 over everything a variant's outputs depend on: the pattern file's bytes, the kit's
    contents (every file of a kit folder), the beat's manifest entry, the pack-level settings
    (rate, depth, tiers, license, preview incl. the tag file, master) and the beatforge version."""
    cache = {} if cache is None else cache
    beat = variant.beat
    payload = {
        "beatforge": beatforge_version(),
        "pattern": _digest_path(beat.pattern, cache),
        "kit": [variant.kit, _digest_path(variant.kit_path, cache)],
        "entry": _jsonable(beat.entry),
        "variant": [variant.name, variant.bpm, variant.seed],
        "pack": _jsonable({k: v for k, v in pack.raw.get("pack", {}).items()}),
        "license": pack.license,
        "tiers": _jsonable(pack.raw.get("tier", [])),
        "preview": _jsonable(pack.raw.get("preview")),
        "tag": _digest_path(pack.preview.tag if pack.preview else None, cache),
        "master": _jsonable(pack.raw.get("master")),
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def make_jobs(pack: PackSpec, outdir: str | Path) -> list[Job]:
    cache: dict = {}
    return [Job(pack, v, str(outdir), input_hash(pack, v, cache)) for v in pack.variants()]


# -- rendering -------------------------------------------------------------------------------

def load_beat(pattern: Path):
    """The Beat defined by a pattern file (BeatforgeError naming the file when it is broken)."""
    import beatforge
    from ..errors import BeatforgeError
    beat = beatforge.load_source(str(pattern))
    if not (hasattr(beat, "render_stems") and hasattr(beat, "replace")):
        raise BeatforgeError(f"{pattern.name}: defines a {type(beat).__name__}; packs need a Beat")
    return beat


def kit_argument(pack: PackSpec, variant: Variant) -> str:
    """What the engine gets as ``kit=``: the resolved path for manifest-relative kits, else the name."""
    if variant.kit_path is not None and (pack.path.parent / variant.kit).exists():
        return str(variant.kit_path)
    return variant.kit


def render(job: Job):
    """(beat, bars, mix, {track: stereo}) for a job; the mix is exactly ``bars`` long, tail wrapped."""
    v, pack = job.variant, job.pack
    beat = load_beat(v.beat.pattern).replace(bpm=v.bpm, kit=kit_argument(pack, v), seed=v.seed)
    bars = v.beat.bars or beat.length_bars()
    mix, stems = beat.render_stems(bars=bars, sample_rate=pack.sample_rate, tail="wrap")
    return beat, bars, np.asarray(mix, np.float32), {k: np.asarray(s, np.float32) for k, s in stems.items()}


def run_job(job: Job) -> dict:
    """Render one variant and write all its deliverables; return its index entry."""
    t0, c0 = time.perf_counter(), time.process_time()
    beat, bars, mix, stems = render(job)
    delivered = _deliver(job, beat, bars, mix, stems)
    delivered["seconds"] = round(time.perf_counter() - t0, 3)
    delivered["cpu_seconds"] = round(time.process_time() - c0, 3)
    return delivered


def _deliver(job: Job, beat, bars: int, mix: np.ndarray, stems: dict) -> dict:
    pack, v = job.pack, job.variant
    sr = pack.sample_rate
    outdir = Path(job.outdir)
    folder = job.folder
    folder.mkdir(parents=True, exist_ok=True)
    name = v.name
    kinds = pack.file_kinds
    base = {"variant": name, "beat": v.beat.title, "kit": kit_label(v.kit), "bpm": v.bpm, "key": v.beat.key, "seed": v.seed}
    records: list[dict] = []

    def record(path: Path, kind: str, fmt: str, audio: np.ndarray | None = None, rate: int = sr, **extra):
        rec = {"path": path.relative_to(outdir).as_posix(), "kind": kind, "format": fmt, **base, **extra,
               "sha256": sha256_file(path), "bytes": path.stat().st_size}
        if audio is not None:
            rec["duration_s"] = round(len(audio) / rate, 6)
            rec["lufs"] = deliver.loudness_lufs(audio, rate)
            rec["true_peak_db"] = deliver.true_peak_db(audio)
        records.append(rec)
        return path

    def tiers_with(kind: str) -> list[str]:
        return [t.name for t in pack.tiers if kind in t.files]

    delivered = mix
    if pack.master is not None:
        m = pack.master
        delivered = deliver.normalize(mix, sr, m.loudness, m.true_peak, m.limiter)

    comment = "; ".join(x for x in (f"Mood: {v.beat.mood}" if v.beat.mood else "",
                                    "Tags: " + ", ".join(v.beat.tags) if v.beat.tags else "") if x)
    tags = {"title": v.beat.title, "artist": pack.producer, "album": pack.title,
            "bpm": str(int(round(v.bpm))), "key": naming.id3_key(v.beat.key) if v.beat.key else None,
            "genre": v.beat.genre, "mood": v.beat.mood, "comment": comment}

    by_kind: dict[str, list[tuple[str, Path]]] = {}
    wav_depth = pack.bit_depth
    if "wav" in kinds:
        p = folder / f"{name}.wav"
        deliver.write_wav(p, delivered, sr, wav_depth)
        record(p, "mix", "wav", deliver.as_written(delivered, wav_depth), tiers=tiers_with("wav"))
        by_kind["wav"] = [(p.name, p)]
    if "mp3" in kinds:
        p = folder / f"{name}.mp3"
        rate = deliver.write_mp3(p, delivered, sr, tags)
        record(p, "mix", "mp3", _read_back(p), rate=rate, tiers=tiers_with("mp3"))
        by_kind["mp3"] = [(p.name, p)]
    if "stems" in kinds:
        stem_dir = folder / "stems"
        stem_dir.mkdir(exist_ok=True)
        by_kind["stems"] = []
        used: set[str] = set()
        for track in sorted(stems, key=str):
            label = naming.slug(str(track)) or "track"
            while label.lower() in used:
                label += "_"
            used.add(label.lower())
            p = stem_dir / f"{name}_{label}.wav"
            deliver.write_wav(p, stems[track], sr, wav_depth)
            record(p, "stem", "wav", deliver.as_written(stems[track], wav_depth), track=str(track),
                   tiers=tiers_with("stems"))
            by_kind["stems"].append((f"stems/{p.name}", p))
    if "midi" in kinds:
        p = folder / f"{name}.mid"
        deliver.write_bytes(p, _midi_bytes(beat, bars))
        record(p, "midi", "mid", tiers=tiers_with("midi"))
        by_kind["midi"] = [(p.name, p)]

    if pack.preview is not None:
        p = folder / f"{name}_preview.mp3"
        decoded = _write_preview(p, delivered, sr, pack, dict(tags, title=f"{v.beat.title} (Preview)"))
        record(p, "preview", "mp3", decoded, rate=deliver.mp3_rate(sr))

    p = folder / f"{name}_waveform.png"
    deliver.write_bytes(p, deliver.waveform_png(delivered))
    record(p, "image", "png")

    fields = {"title": v.beat.title, "producer": pack.producer, "bpm": naming.format_bpm(v.bpm),
              "key": v.beat.key or "-", "kit": kit_label(v.kit), "pack": pack.title, "seed": v.seed}
    for tier in pack.tiers:
        tslug = naming.slug(tier.name)
        lic = folder / f"{name}_{tslug}_License.txt"
        deliver.write_bytes(lic, naming.license_text(tier.license or pack.license, tier=tier.name,
                                                      **fields).encode("utf-8"))
        record(lic, "license", "txt", tier=tier.name)
        if tier.zip:
            entries = [(lic.name, lic)]
            for kind in tier.files:
                entries += by_kind.get(kind, [])
            z = folder / f"{name}_{tslug}.zip"
            deliver.write_zip(z, [(f"{name}/{arc}", src) for arc, src in entries])
            record(z, "zip", "zip", tier=tier.name)

    mix_rec = next((r for r in records if r["kind"] == "mix"), None)
    return {"name": name, "folder": folder.relative_to(outdir).as_posix(), "beat": v.beat.title,
            "beat_index": v.beat.index, "kit": kit_label(v.kit), "bpm": v.bpm, "key": v.beat.key,
            "seed": v.seed, "bars": bars, "input_hash": job.input_hash,
            "duration_s": round(len(mix) / sr, 6),
            "lufs": mix_rec["lufs"] if mix_rec else deliver.loudness_lufs(delivered, sr),
            "true_peak_db": mix_rec["true_peak_db"] if mix_rec else deliver.true_peak_db(delivered),
            "files": records}


def _midi_bytes(beat, bars: int) -> bytes:
    """The variant as a Standard MIDI File (the engine's MIDI export, same bars as the audio)."""
    try:
        from ..io.midi import midi_bytes
    except ImportError:
        midi_bytes = None
    if midi_bytes is not None:
        return midi_bytes(beat, bars=bars)
    if not hasattr(beat, "to_midi"):
        raise deliver.DeliveryError("MIDI export (Beat.to_midi) is not available in this beatforge")
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "beat.mid"
        beat.to_midi(str(path), bars=bars)
        return path.read_bytes()


def _read_back(path: Path) -> np.ndarray:
    import soundfile as sf
    data, _ = sf.read(str(path), dtype="float32", always_2d=True)
    return data


def _write_preview(path: Path, mix: np.ndarray, sr: int, pack: PackSpec, tags: dict) -> np.ndarray:
    """Tag overlay -> loudness to target -> true peak under the ceiling (limiter) -> MP3.

    MP3 encoding can push inter-sample peaks up (0.5 dB and more on dense, limited material),
    so the limiter aims 1 dB under the ceiling and the decoded file is measured; if it is
    still over, the gain is trimmed by the excess and the file encoded again (rare; an
    encode is the most expensive step of a variant).  Returns the decoded preview."""
    pv = pack.preview
    tag = deliver.read_tag(pv.tag, sr)
    x = deliver.overlay_tag(mix, tag, sr, pv.every, pv.gain_db)
    x = deliver.normalize(x, sr, pv.loudness, pv.true_peak, True, margin_db=1.0)
    for _ in range(4):
        deliver.write_mp3(path, x, sr, tags)
        decoded = _read_back(path)
        peak = deliver.true_peak_db(decoded)
        if peak is None or peak <= pv.true_peak:
            return decoded
        x = (x * np.float32(deliver.db_to_gain(pv.true_peak - peak - 0.1))).astype(np.float32)
    raise deliver.DeliveryError(f"{path.name}: true peak stays above {pv.true_peak} dBTP after encoding")
