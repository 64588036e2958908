"""The pack index: ``OUTDIR/manifest.json`` for machines and ``OUTDIR/summary.csv`` for people.

Both are rewritten atomically after every finished variant, in manifest order (not
completion order), so their bytes do not depend on worker count or scheduling.

manifest.json::

    {"title", "producer", "sample_rate", "bit_depth", "beatforge_version", "manifest",
     "complete": bool, "variant_count": int,
     "variants": [{"name", "folder", "beat", "kit", "bpm", "key", "seed", "bars", "input_hash",
                   "duration_s", "lufs", "true_peak_db"}, ...],
     "files": [{"path", "kind", "format", "beat", "kit", "bpm", "key", "seed",
                "tier" (license, zip) | "tiers" (files a tier ships), "track" (stems),
                "sha256", "bytes", "duration_s", "lufs", "true_peak_db" (audio)}, ...]}

``kind`` is one of mix, stem, preview, midi, license, zip, image.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from . import deliver

INDEX_NAME = "manifest.json"
SUMMARY_NAME = "summary.csv"
SUMMARY_COLUMNS = ("variant", "beat", "kit", "bpm", "key", "seed", "bars", "duration_s", "lufs",
                   "true_peak_db", "files", "folder")


def read_index(outdir: Path) -> dict | None:
    """The existing index, or None when there is none (or it cannot be parsed)."""
    try:
        data = json.loads((Path(outdir) / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("variants"), list) else None


def build_index(pack, order: list[str], results: dict[str, dict], version: str) -> dict:
    variants, files = [], []
    for name in order:
        r = results.get(name)
        if r is None:
            continue
        variants.append({k: r[k] for k in ("name", "folder", "beat", "kit", "bpm", "key", "seed", "bars",
                                           "input_hash", "duration_s", "lufs", "true_peak_db")})
        files.extend(sorted(r["files"], key=lambda f: f["path"]))
    return {
        "title": pack.title,
        "producer": pack.producer,
        "sample_rate": pack.sample_rate,
        "bit_depth": pack.bit_depth,
        "beatforge_version": version,
        "manifest": pack.path.name,
        "complete": len(variants) == len(order),
        "variant_count": len(order),
        "variants": variants,
        "files": files,
    }


def write_index(outdir: Path, index: dict, results: dict[str, dict]) -> None:
    outdir = Path(outdir)
    text = json.dumps(index, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    deliver.write_bytes(outdir / INDEX_NAME, text.encode("utf-8"))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SUMMARY_COLUMNS)
    for v in index["variants"]:
        w.writerow([v["name"], v["beat"], v["kit"], v["bpm"], v["key"] or "", v["seed"], v["bars"],
                    v["duration_s"], "" if v["lufs"] is None else v["lufs"],
                    "" if v["true_peak_db"] is None else v["true_peak_db"],
                    len(results[v["name"]]["files"]), v["folder"]])
    deliver.write_bytes(outdir / SUMMARY_NAME, buf.getvalue().encode("utf-8"))


def entry_is_intact(outdir: Path, entry: dict) -> bool:
    """All files an index entry lists exist with their recorded sizes."""
    try:
        for f in entry["files"]:
            p = Path(outdir) / f["path"]
            if not p.is_file() or p.stat().st_size != f["bytes"]:
                return False
    except (KeyError, TypeError):
        return False
    return True
