"""Compare beatforge's renders of Hydrogen songs with Hydrogen's own (``h2cli``).

    python benchmarks/h2compare.py [SONG.h2song ...]      (default: Hydrogen's demo songs)
    python benchmarks/h2compare.py --solo SONG.h2song     (also: per-instrument balance)

For each song: render it with ``h2cli -s SONG -o ref.wav`` and with beatforge (same
length convention: Hydrogen's export keeps the tail, so ``tail="keep"``), then print

* lengths (seconds) and the length of the song proper (columns, no tail);
* timing: the lag that best aligns the two onset-strength curves (5.8 ms hops) and the
  correlation there, and the median distance between matched onsets (peaks within 30 ms);
* level: RMS of each mix in dB, and their difference;
* with ``--solo``: each instrument rendered alone by both (Hydrogen: every other
  instrument muted in a copy of the song), RMS relative to the loudest instrument, so the
  balance between instruments can be compared whatever the overall level.

Humanize is random in Hydrogen (unseeded), so timing can only agree within its spread;
``--no-humanize`` compares copies of the songs with humanize switched off.  Debian's
Hydrogen 1.2.0-beta1 moves swung notes early instead of late (see H2Song's ``swing_rule``);
``--swing-rule h2cli-1.2.0-beta`` reproduces that.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEMOS = "/usr/share/hydrogen/data/demo_songs"
HOP = 256


def h2cli(song: Path, out: Path) -> None:
    subprocess.run(["h2cli", "-s", str(song), "-o", str(out), "-d", "auto"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)


def onset_curve(audio: np.ndarray) -> np.ndarray:
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    n = len(mono) // HOP
    energy = (mono[: n * HOP].reshape(n, HOP) ** 2).sum(axis=1)
    log = np.log10(energy + 1e-9)
    return np.maximum(0.0, np.diff(log, prepend=log[:1]))


def peaks(curve: np.ndarray, threshold: float = 0.6) -> np.ndarray:
    c = curve
    idx = np.flatnonzero((c[1:-1] > threshold) & (c[1:-1] >= c[:-2]) & (c[1:-1] > c[2:])) + 1
    return idx


def compare(ref: np.ndarray, ours: np.ndarray, sr: int) -> dict:
    a, b = onset_curve(ref), onset_curve(ours)
    n = min(len(a), len(b))
    a, b = a[:n] - a[:n].mean(), b[:n] - b[:n].mean()
    best, lag = -2.0, 0
    for k in range(-20, 21):
        x = a[max(0, k): n + min(0, k)]
        y = b[max(0, -k): n - max(0, k)]
        r = float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-12))
        if r > best:
            best, lag = r, k
    pa, pb = peaks(onset_curve(ref)), peaks(onset_curve(ours))
    dists = []
    for p in pa:
        j = np.searchsorted(pb, p)
        cand = [pb[i] for i in (j - 1, j) if 0 <= i < len(pb)]
        if cand:
            d = min(cand, key=lambda q: abs(q - p)) - p
            if abs(d) * HOP / sr <= 0.030:
                dists.append(d)
    rms = lambda x: 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12)
    return {
        "lag_ms": lag * HOP / sr * 1000, "corr": best,
        "onsets_ref": len(pa), "onsets_matched": len(dists),
        "median_offset_ms": float(np.median(np.abs(dists)) * HOP / sr * 1000) if dists else float("nan"),
        "rms_ref_db": rms(ref), "rms_ours_db": rms(ours),
    }


def without_humanize(song: Path, folder: Path) -> Path:
    root = ET.parse(song).getroot()
    for tag in ("humanize_time", "humanize_velocity"):
        el = root.find(tag)
        if el is not None:
            el.text = "0"
    out = folder / song.name
    ET.ElementTree(root).write(out, encoding="UTF-8", xml_declaration=True)
    return out


def solo_copies(song: Path, folder: Path) -> dict[int, Path]:
    root = ET.parse(song).getroot()
    used = sorted({int(n.findtext("instrument", "0")) for n in root.iter("note")})
    out = {}
    for iid in used:
        r = ET.parse(song).getroot()
        for inst in r.find("instrumentList").findall("instrument"):
            mute = inst.find("isMuted")
            if mute is None:
                mute = ET.SubElement(inst, "isMuted")
            mute.text = "false" if int(inst.findtext("id", "-1")) == iid else "true"
        for tag in ("humanize_time", "humanize_velocity"):
            if r.find(tag) is not None:
                r.find(tag).text = "0"
        path = folder / f"{song.stem}.solo{iid}.h2song"
        ET.ElementTree(r).write(path, encoding="UTF-8", xml_declaration=True)
        out[iid] = path
    return out


def main() -> int:
    from beatforge.io.h2song import H2Song

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("songs", nargs="*")
    ap.add_argument("--solo", action="store_true")
    ap.add_argument("--no-humanize", action="store_true")
    ap.add_argument("--swing-rule", default="delay", help="H2Song swing_rule (delay, or h2cli-1.2.0-beta)")
    ap.add_argument("--work", help="keep renders here (default: a temporary folder)")
    args = ap.parse_args()
    songs = [Path(s) for s in (args.songs or sorted(glob.glob(os.path.join(DEMOS, "*.h2song"))))]
    work = Path(args.work or tempfile.mkdtemp(prefix="h2compare"))
    work.mkdir(parents=True, exist_ok=True)
    for song in songs:
        if args.no_humanize:
            song = without_humanize(song, work)
        ref_path = work / f"{song.stem}.h2cli.wav"
        if not ref_path.exists():
            h2cli(song, ref_path)
        ref, sr = sf.read(ref_path, dtype="float32", always_2d=True)
        h2 = H2Song.from_file(song, swing_rule=args.swing_rule)
        ours = h2.render(sample_rate=sr, tail="keep")
        c = compare(ref, ours, sr)
        print(f"{song.name}: length h2cli {len(ref) / sr:.2f} s, beatforge {len(ours) / sr:.2f} s "
              f"(song proper {h2.frames(sample_rate=sr) / sr:.2f} s, {len(h2.columns)} columns)")
        print(f"  timing: best lag {c['lag_ms']:+.1f} ms, onset correlation {c['corr']:.3f}; "
              f"{c['onsets_matched']}/{c['onsets_ref']} onsets matched within 30 ms, "
              f"median |offset| {c['median_offset_ms']:.1f} ms")
        print(f"  level: RMS h2cli {c['rms_ref_db']:.1f} dB, beatforge {c['rms_ours_db']:.1f} dB "
              f"(difference {c['rms_ours_db'] - c['rms_ref_db']:+.1f} dB)")
        if args.solo:
            rows = []
            for iid, path in solo_copies(song, work).items():
                rpath = path.with_suffix(".wav")
                if not rpath.exists():
                    h2cli(path, rpath)
                r, _ = sf.read(rpath, dtype="float32", always_2d=True)
                o = H2Song.from_file(path, swing_rule=args.swing_rule).render(sample_rate=sr, tail="keep")
                rows.append((iid, c_rms(r), c_rms(o)))
            top_r = max(r for _, r, _ in rows)
            top_o = max(o for _, _, o in rows)
            names = {int(i.findtext("id", "-1")): i.findtext("name", "?")
                     for i in ET.parse(song).getroot().find("instrumentList").findall("instrument")}
            for iid, r, o in rows:
                print(f"    {names.get(iid, iid):>20}: h2cli {r - top_r:6.1f} dB  beatforge {o - top_o:6.1f} dB  "
                      f"(diff {(o - top_o) - (r - top_r):+.1f})")
    return 0


def c_rms(x: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12)


if __name__ == "__main__":
    sys.exit(main())
