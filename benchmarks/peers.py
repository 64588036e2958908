"""beatforge against the tools a beat maker would otherwise use, as whole processes.

    python benchmarks/peers.py [--runs 5] [--keep DIR]

Writes a 3-minute, 140 bpm, 8-track General MIDI drum file (105 bars of a busy
pattern: kick, snare, clap, closed/open hat, ride, crash, toms; 16th hats with accents),
then times, alternating the tools run by run and taking medians of wall-clock time:

* ``beatforge render beat.mid --kit GMRockKit -o out.wav`` (the factory kit when
  Hydrogen's GMRockKit is not installed), a fresh interpreter each run;
* pyo's offline server rendering the same beat the way a pyo user writes it: one
  ``SndTable`` per sample, a ``Seq`` of inter-onset times per track, ``Iter`` for the
  velocities and ``TrigEnv`` playing the table (same samples as beatforge plays);
* FluidSynth rendering the MIDI file fast: ``fluidsynth -ni -F out.wav SF2 beat.mid``.

Everything renders 44.1 kHz stereo 16-bit to a WAV file; start-up is part of the time.  Python
code runs byte-compiled, as an installed beatforge does (a warm-up run, untimed, fills a
bytecode cache in the work folder), and each tool runs once untimed to warm the page cache.
Targets: beatforge >= 4x faster than pyo and >= 10x faster than FluidSynth.
"""

from __future__ import annotations

import argparse
import json
import resource
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPM = 140
BARS = 105                      # 105 bars of 4/4 at 140 bpm = 180 s
PPQ = 480
SF2_CANDIDATES = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2")

# track name, GM note, 16-step pattern per bar (x = 100, X = 127, o = 60), bars it plays in (every, offset)
TRACKS = [
    ("kick", 36, "x..x..x...x..x..", (1, 0)),
    ("snare", 38, "....X.......X..o", (1, 0)),
    ("clap", 39, "....x.......x...", (2, 1)),
    ("hat", 42, "xoxoXoxoxoxoXoxo", (1, 0)),
    ("openhat", 46, "..............x.", (2, 0)),
    ("ride", 51, "x.x.x.x.x.x.x.x.", (4, 2)),
    ("crash", 49, "X...............", (8, 0)),
    ("tom", 45, "............xxxx", (4, 3)),
]
VEL = {"x": 100, "X": 127, "o": 60}


def beat_events():
    """[(track, note, [(step, velocity), ...])] over the whole piece (steps are 16ths)."""
    out = []
    for name, note, grid, (every, offset) in TRACKS:
        hits = []
        for bar in range(BARS):
            if bar % every != offset:
                continue
            for i, ch in enumerate(grid):
                if ch in VEL:
                    hits.append((bar * 16 + i, VEL[ch]))
        out.append((name, note, hits))
    return out


def write_midi(path: Path) -> None:
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    conductor = mido.MidiTrack([mido.MetaMessage("track_name", name="peers", time=0),
                                mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(BPM), time=0)])
    conductor.append(mido.MetaMessage("end_of_track", time=BARS * 4 * PPQ))
    mid.tracks.append(conductor)
    step = PPQ // 4
    for name, note, hits in beat_events():
        tr = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
        now = 0
        for s, vel in hits:
            t = s * step
            tr.append(mido.Message("note_on", channel=9, note=note, velocity=vel, time=t - now))
            tr.append(mido.Message("note_off", channel=9, note=note, velocity=0, time=step // 2))
            now = t + step // 2
        tr.append(mido.MetaMessage("end_of_track", time=BARS * 4 * PPQ - now))
        mid.tracks.append(tr)
    mid.save(path)


def kit_name() -> str:
    sys.path.insert(0, str(ROOT))
    from beatforge.errors import KitError
    from beatforge.kit import load_kit

    try:
        load_kit("GMRockKit")
        return "GMRockKit"
    except KitError:
        return "factory"


def sample_paths(kit: str) -> dict[int, str]:
    """The sample beatforge plays for each note at velocity 100 (pyo plays the same files)."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    import soundfile as sf
    from beatforge.kit import load_kit

    k = load_kit(kit)
    out = {}
    tmp = Path(tempfile.mkdtemp(prefix="peers-samples"))
    for _, note, _ in beat_events():
        pad = k.pad(note)
        layer = pad.choose(100, None, 0, np.random.default_rng(0))
        if layer.path is not None and layer.path.suffix.lower() in (".wav", ".aif", ".aiff", ".flac"):
            out[note] = str(layer.path)
        else:               # samples made in code: write them out for pyo
            p = tmp / f"{note}.wav"
            sf.write(p, layer.sample.data, layer.sample.sample_rate)
            out[note] = str(p)
    return out


PYO_SCRIPT = r'''
import json, sys
from pyo import Server, SndTable, Seq, Iter, TrigEnv, Mix

spec = json.load(open(sys.argv[1]))
s = Server(sr=44100, nchnls=2, duplex=0, audio="offline").boot()
s.recordOptions(dur=spec["seconds"], filename=sys.argv[2], fileformat=0, sampletype=0)
step = 60.0 / spec["bpm"] / 4            # one 16th note, in seconds
voices = []
for track in spec["tracks"]:
    table = SndTable(track["sample"])
    steps = [h[0] for h in track["hits"]]
    durs = [b - a for a, b in zip(steps, steps[1:])] + [spec["steps"] - steps[-1] + steps[0]]
    seq = Seq(time=step, seq=durs, poly=4).play(delay=steps[0] * step)
    amp = Iter(seq, choice=[(h[1] / 127.0) ** 2 for h in track["hits"]])
    voices.append(TrigEnv(seq, table=table, dur=table.getDur(), mul=amp * 0.7))
out = Mix(voices, voices=2).out()
s.start()
'''


def run(cmd, env=None) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", help="keep the files here")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="peers"))
    work.mkdir(parents=True, exist_ok=True)
    mid = work / "beat.mid"
    write_midi(mid)
    kit = kit_name()
    seconds = BARS * 4 * 60 / BPM

    spec = {"bpm": BPM, "seconds": seconds, "steps": BARS * 16, "tracks": []}
    samples = sample_paths(kit)
    for name, note, hits in beat_events():
        spec["tracks"].append({"name": name, "sample": samples[note], "hits": hits})
    (work / "spec.json").write_text(json.dumps(spec))
    (work / "pyo_beat.py").write_text(PYO_SCRIPT)

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # Python runs byte-compiled, as `pip install` leaves beatforge (it compiles every module at
    # install time): the untimed warm-up run writes the bytecode to a cache folder of its own,
    # even where PYTHONDONTWRITEBYTECODE is set (which would compile ~30 modules at every start).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    tools = {
        "beatforge": [sys.executable, "-m", "beatforge", "render", str(mid), "--kit", kit, "-o",
                      str(work / "beatforge.wav"), "--bit-depth", "16"],
        "pyo": [sys.executable, str(work / "pyo_beat.py"), str(work / "spec.json"), str(work / "pyo.wav")],
    }
    sf2 = next((p for p in SF2_CANDIDATES if os.path.exists(p)), None)
    if shutil.which("fluidsynth") and sf2:
        tools["fluidsynth"] = ["fluidsynth", "-ni", "-g", "0.5", "-r", "44100", "-F", str(work / "fluidsynth.wav"),
                               sf2, str(mid)]
    else:
        print("fluidsynth or a GM soundfont is missing: skipped (apt-get install fluidsynth fluid-soundfont-gm)")

    times: dict[str, list[float]] = {k: [] for k in tools}
    cpu: dict[str, list[float]] = {k: [] for k in tools}
    for name, cmd in tools.items():      # warm the page cache once, untimed
        run(cmd, env)
    for _ in range(args.runs):
        for name, cmd in tools.items():
            wall, used = run(cmd, env)
            times[name].append(wall)
            cpu[name].append(used)
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"3-minute 8-track GM drum file ({BARS} bars at {BPM} bpm), kit {kit}, "
          f"{args.runs} alternating runs, medians per whole process:")
    for k, v in med.items():
        print(f"  {k:>10}: {v:7.3f} s wall, {med_cpu[k]:7.3f} s CPU   "
              f"(wall runs: {', '.join(f'{t:.3f}' for t in times[k])})")
    for other, target in (("pyo", 4), ("fluidsynth", 10)):
        if other in med:
            print(f"  beatforge vs {other:<10}: {med[other] / med['beatforge']:5.1f}x faster wall-clock, "
                  f"{med_cpu[other] / med_cpu['beatforge']:5.1f}x less CPU (target >= {target}x)")
    if args.json:
        print(json.dumps({"median_wall_seconds": med, "median_cpu_seconds": med_cpu, "runs": times, "kit": kit}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
