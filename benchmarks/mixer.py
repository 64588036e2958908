"""Benchmark the voice mixer on a 3-minute busy beat.

    python benchmarks/mixer.py [--minutes 3] [--reps 5] [--no-reference]

Builds a dense beat (several tracks of 16ths and 32nds, ~10k voices, enveloped, panned), then
measures in the same run:
  * native: one bank.mix() over the whole render (best of --reps)
  * reference: the numpy reference over the same voices (one run)
  * floor: one np.add over arrays of (voice frames x 2) float32, i.e. the memory traffic of
    adding every rendered voice frame once (best of --reps)
and prints native/floor, reference/native and the realtime factor for unpitched voices (rate 1,
integer positions: a scaled add), pitched cubic and pitched linear voices.  Also times the live
path: a 64-voice bank mixed in 128-frame blocks.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from beatforge.engine.mixer import VoiceBank  # noqa: E402

SR = 44100

# Times are the thread's CPU time (best of --reps): the numbers stay comparable when other
# processes compete for the cores.  --wall switches to wall-clock time.
clock = time.thread_time


def make_sources(rng):
    """A small kit: decaying noise/tones, mono and stereo, 48 kHz like many sample packs."""
    def hit(seconds, decay, tone=None, stereo=False):
        n = int(seconds * 48000)
        t = np.arange(n) / 48000
        env = np.exp(-t / decay)
        ch = 2 if stereo else 1
        x = rng.standard_normal((n, ch)) * 0.3
        if tone:
            x += np.sin(2 * np.pi * tone * t)[:, None]
        x = (x * env[:, None]).astype(np.float32)
        return np.ascontiguousarray(x if stereo else x[:, 0])

    return [
        hit(0.6, 0.15, tone=55),            # kick
        hit(0.35, 0.08, tone=190),          # snare
        hit(0.08, 0.02),                    # closed hat
        hit(0.4, 0.12, stereo=True),        # open hat
        hit(1.5, 0.5, stereo=True),         # crash
        hit(0.25, 0.06, tone=400),          # perc
        hit(0.9, 0.3, tone=110, stereo=True),   # tom / stab
    ]


def make_beat(sources, minutes, rng, pitched, interp="cubic"):
    """Columns for VoiceBank.from_columns: ~10k voices for 3 minutes at 150 bpm."""
    bpm = 150
    sixteenth = SR * 60 / bpm / 4
    n16 = int(minutes * 60 * SR / sixteenth)
    tracks = [  # (source, steps per 16th, probability)
        (0, 1, 0.5), (1, 1, 0.35), (2, 2, 0.9), (3, 1, 0.3), (4, 1, 0.04), (5, 1, 0.6), (6, 1, 0.3),
    ]
    src, onset = [], []
    for s, sub, p in tracks:
        steps = np.arange(n16 * sub)
        keep = rng.random(steps.size) < p
        src.append(np.full(keep.sum(), s))
        onset.append(np.round(steps[keep] * sixteenth / sub).astype(np.int64))
    src = np.concatenate(src)
    onset = np.concatenate(onset)
    order = np.argsort(onset, kind="stable")
    src, onset = src[order], onset[order]
    n = src.size
    pan = rng.uniform(-1, 1, n)
    vel = rng.uniform(0.3, 1.0, n) ** 2
    theta = (pan + 1) * np.pi / 4
    cols = dict(offset=onset, gain_l=vel * np.cos(theta), gain_r=vel * np.sin(theta),
                attack=rng.integers(0, 64, n), hold=np.full(n, -1),
                release_at=np.where(rng.random(n) < 0.2, rng.integers(2000, 8000, n), -1), release=2000,
                stem=src % 4, interp=interp)
    if pitched:
        cols["rate"] = 48000 / SR * 2.0 ** (rng.uniform(-7, 7, n) / 12)
    return src, cols


class Floor:
    """The memory-bandwidth floor: one np.add over (voice frames x 2) float32 arrays."""

    def __init__(self):
        self.acc = self.ones = np.zeros((0, 2), np.float32)

    def __call__(self, frames):
        if self.acc.shape[0] < frames:
            self.acc = np.zeros((frames, 2), np.float32)
            self.ones = np.ones((frames, 2), np.float32)
            np.add(self.acc, self.ones, out=self.acc)       # touch the pages once
        acc, ones = self.acc[:frames], self.ones[:frames]
        t0 = clock()
        np.add(acc, ones, out=acc)
        return clock() - t0


def bench_case(name, sources, src, cols, nframes, reps, reference, floor):
    out = np.zeros((nframes, 2), np.float32)

    def run_native():
        bank = VoiceBank.from_columns(sources, src, **cols)
        out[:] = 0
        t0 = clock()
        bank.mix(out, mixer="native")
        dt = clock() - t0
        return dt, int(bank.voices["age"].sum())

    # native and floor alternate, so load from other processes hits both alike; best of reps
    t_native = t_floor = float("inf")
    for _ in range(reps):
        dt, vf = run_native()
        t_native = min(t_native, dt)
        t_floor = min(t_floor, floor(vf))
    native_out = out.copy()

    line = (f"{name:16s} voices={len(src):6d} voice_frames={vf / 1e6:6.2f}M  native={t_native * 1e3:7.1f} ms"
            f"  floor={t_floor * 1e3:6.1f} ms  native/floor={t_native / t_floor:5.2f}x"
            f"  realtime={nframes / SR / t_native:6.0f}x")
    if reference:
        bank = VoiceBank.from_columns(sources, src, **cols)
        out[:] = 0
        t0 = clock()
        bank.mix(out, mixer="reference")
        t_ref = clock() - t0
        err = float(np.abs(out - native_out).max())
        t_native = min(t_native, run_native()[0])
        line += f"  reference={t_ref:6.2f} s  ref/native={t_ref / t_native:6.1f}x  max|diff|={err:.1e}"
    print(line, flush=True)


def bench_live(sources, rng, blocks=3000, block=128, voices=64):
    """The live path: a 64-voice bank, all voices busy, mixed in 128-frame blocks.

    Finished voices are restarted between blocks (not timed), so every call mixes 64 voices."""
    bank = VoiceBank(voices)
    out = np.zeros((block, 2), np.float32)
    for j in range(voices):
        bank.set(j, sources[j % len(sources)], offset=int(rng.integers(0, block)),
                 rate=float(rng.uniform(0.7, 1.4)), attack=32)
    rows = bank.voices
    total = 0.0
    for _ in range(blocks):
        done = rows["done"] != 0
        if done.any():
            rows["pos"][done] = 0.0
            rows["age"][done] = 0
            rows["offset"][done] = rng.integers(0, block, int(done.sum()))
            rows["done"][done] = 0
        out.fill(0.0)
        t0 = clock()
        bank.mix(out)
        total += clock() - t0
    dt = total / blocks
    print(f"live             {voices} busy voices, {block}-frame blocks: {dt * 1e6:.1f} us per block "
          f"({block / SR / dt:.0f}x realtime)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-reference", action="store_true", help="skip the (slow) numpy reference")
    ap.add_argument("--wall", action="store_true", help="time with the wall clock instead of CPU time")
    args = ap.parse_args(argv)
    if args.wall:
        global clock
        clock = time.perf_counter
    rng = np.random.default_rng(args.seed)
    sources = make_sources(rng)
    nframes = int(args.minutes * 60 * SR) + SR * 2
    floor = Floor()
    for name, pitched, interp in (("unpitched", False, "cubic"), ("pitched cubic", True, "cubic"),
                                  ("pitched linear", True, "linear")):
        src, cols = make_beat(sources, args.minutes, np.random.default_rng(args.seed), pitched, interp)
        bench_case(name, sources, src, cols, nframes, args.reps, not args.no_reference, floor)
    bench_live(sources, rng)


if __name__ == "__main__":
    main()
