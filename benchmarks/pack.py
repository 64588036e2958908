"""Beat-pack throughput: a 100-variant pack (8 bars each, every tier) on 1 and 2 workers.

    python benchmarks/pack.py                      # local 1 and 2 workers, Dask 1 and 2 workers
    python benchmarks/pack.py --runs local:2       # just one configuration
    python benchmarks/pack.py --variants 20        # a smaller pack (multiples of 4)

The pack: the shipped patterns (trap, house, techno, dnb, boom bap) x kits factory and lofi
x 5 tempos around each pattern's own x 2 seeds, 8 bars each, 44.1 kHz / 24-bit, tiers
MP3 lease (mp3), WAV lease (mp3 + wav), trackout (mp3 + wav + stems) and exclusive
(all of that, plus MIDI when this beatforge has MIDI export), a tagged preview and a
waveform for every variant.  Each run starts from an empty output folder.  Prints the
wall-clock seconds, seconds per variant (wall / variants), the mean time one variant
takes inside a worker (wall and CPU seconds: on a busy machine the CPU figure is the one
that does not depend on other load), the speed-up over one worker, the system load
average, and checks that every run wrote byte-identical files.  The issue's target: under 60 s for 100 variants on 2 workers.

Last, the floor measured in the same run: the CPU time of just the two MP3 encodes every
variant needs (the lease MP3 and the tagged preview), on the first run's own mixes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from beatforge.pack import build_pack  # noqa: E402
from beatforge.pack.manifest import midi_export_available  # noqa: E402

BEATS = [  # pattern, title, tempos, key
    ("trap.py", "Night Drive", [130, 135, 140, 145, 150], "F minor"),
    ("house.py", "Warehouse", [118, 120, 122, 124, 126], "A minor"),
    ("techno.py", "Concrete", [126, 128, 130, 132, 134], "D minor"),
    ("dnb.py", "Rollers", [166, 168, 170, 172, 174], "G minor"),
    ("boom_bap.py", "Dusty Fingers", [84, 86, 88, 90, 92], "C# minor"),
]


def manifest_text(variants: int) -> str:
    per_beat = variants // 4  # each [[beat]]: kits (2) x seeds (2) x one tempo
    if variants % 4 or not 1 <= per_beat <= 100:
        raise SystemExit("--variants must be a multiple of 4 between 4 and 400")
    excl = '["mp3", "wav", "stems", "midi"]' if midi_export_available() else '["mp3", "wav", "stems"]'
    out = [f'''[pack]
title = "Benchmark Pack"
producer = "Bench"

[preview]
tag = "tag.wav"
every = 8

[[tier]]
name = "MP3 Lease"
files = ["mp3"]

[[tier]]
name = "WAV Lease"
files = ["mp3", "wav"]

[[tier]]
name = "Trackout"
files = ["mp3", "wav", "stems"]

[[tier]]
name = "Exclusive"
files = {excl}
''']
    # spread the variants over the beats: per_beat tempos, cycling through the beats' lists
    for i in range(per_beat):
        pattern, title, tempos, key = BEATS[i % len(BEATS)]
        bpm = tempos[(i // len(BEATS)) % len(tempos)] + (i // (len(BEATS) * len(tempos)))
        out.append(f'''
[[beat]]
pattern = "{(ROOT / 'patterns' / pattern).as_posix()}"
title = "{title} {i + 1}"
kits = ["factory", "lofi"]
bpm = [{bpm}]
bars = 8
key = "{key}"
seeds = [0, 1]
''')
    return "".join(out)


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def mp3_floor(out: Path, scratch: Path) -> tuple[int, float]:
    """(variants, CPU seconds) to encode every variant's delivered mix to MP3 twice, as a pack
    does (the lease MP3 and the tagged preview): the part of a pack's time no other work can
    remove, since soundfile offers no faster LAME setting for 320 kbps CBR."""
    from beatforge.pack.deliver import write_mp3

    scratch.mkdir(exist_ok=True)
    mixes = sorted(p for p in out.glob("*/*.wav"))
    cpu = 0.0
    for mix in mixes:
        data, rate = sf.read(str(mix), dtype="float32", always_2d=True)
        c0 = time.process_time()
        for name in ("lease.mp3", "preview.mp3"):
            write_mp3(scratch / name, data, rate)
        cpu += time.process_time() - c0
    shutil.rmtree(scratch)
    return len(mixes), cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", type=int, default=100)
    ap.add_argument("--runs", default="local:1,local:2,dask:1,dask:2",
                    help="comma-separated ENGINE:WORKERS (engine local or dask)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bf-pack-bench-") as tmp:
        tmp = Path(tmp)
        t = np.arange(int(0.8 * 44100)) / 44100
        tag = 0.4 * np.sin(2 * np.pi * 660 * t) * np.exp(-3 * t)
        sf.write(str(tmp / "tag.wav"), tag.astype(np.float32), 44100)
        manifest = tmp / "pack.toml"
        manifest.write_text(manifest_text(args.variants))
        rows, digests, base = [], set(), {}
        floor = None
        for run in args.runs.split(","):
            engine, workers = run.split(":")
            out = tmp / f"out-{engine}-{workers}"
            t0 = time.perf_counter()
            result = build_pack(manifest, out, engine=engine, workers=int(workers), progress=False)
            wall = time.perf_counter() - t0
            if not result.ok:
                print(f"{run}: failed: {result.failed}")
                return 1
            n = len(result.rendered)
            inside = sum(result.timings.values()) / max(1, n)
            cpu = sum(result.cpu.values()) / max(1, n)
            base.setdefault(engine, wall) if workers == "1" else None
            speedup = base[engine] / wall if engine in base else float("nan")
            rows.append((run, n, wall, wall / n, inside, cpu, speedup))
            digests.add(digest(out))
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            if floor is None:
                floor = mp3_floor(out, tmp / "floor")
            print(f"{run:8s} {n} variants  {wall:6.1f} s total  {wall / n:5.2f} s/variant  "
                  f"{inside:5.2f} s/variant in a worker ({cpu:.2f} s CPU)  x{speedup:.2f} vs 1 worker  "
                  f"{size / 1e6:.0f} MB  load average {os.getloadavg()[0]:.1f}",
                  flush=True)
            shutil.rmtree(out)
        print("identical bytes across runs:", "yes" if len(digests) == 1 else "NO")
        if floor is not None:
            n, cpu = floor
            print(f"floor: the two MP3 encodes of each variant (lease and preview, 320 kbps CBR through "
                  f"soundfile's LAME) alone take {cpu / n:.2f} s CPU per variant: {cpu / 2:.1f} s for {n} variants "
                  f"on 2 cores with perfect scaling, before anything else is rendered, measured or written")
        return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
