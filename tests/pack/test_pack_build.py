"""Packs end to end: every file read back, determinism across workers and engines, resume after kill -9."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

import beatforge
from beatforge.pack import build_pack, deliver
from beatforge.pack.manifest import midi_export_available

REPO = Path(beatforge.__file__).resolve().parent.parent
SR = 44100

PATTERN = '''
from beatforge import Beat
beat = Beat(bpm=120, kit="factory")
beat.track("kick",  "x.....x...x.....")
beat.track("snare", "....x.......x..x", pan=0.2)
beat.track("hat",   "x.x.x.x.x.x.x.xx", gain_db=-4)
'''

MANIFEST = '''
[pack]
title = "Test Pack"
producer = "DJ Test"
license = "{tier} license for {title} ({bpm} BPM, {key}, kit {kit}) by {producer}"

[preview]
tag = "tag.wav"
every = 0.75
gain_db = -3
loudness = -14
true_peak = -1

[[tier]]
name = "MP3 Lease"
files = ["mp3"]

[[tier]]
name = "Trackout"
files = ["mp3", "wav", "stems"]

[[tier]]
name = "Promo"
files = ["mp3"]
zip = false
license = "Promo use only: {title}"

[[beat]]
pattern = "beat.py"
title = "Night Drive"
kits = ["factory", "lofi"]
bpm = [140, 95]
bars = 1
key = "F# minor"
genre = "Trap"
mood = "dark"
tags = ["night", "drive"]

[[beat]]
pattern = "beat.py"
title = "Day Ride"
kits = ["factory"]
bpm = [100]
bars = 1
seeds = [0, 3]
'''


def make_pack(folder: Path, manifest: str = MANIFEST, pattern: str = PATTERN) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "beat.py").write_text(pattern)
    t = np.arange(int(0.3 * SR)) / SR
    tag = (0.5 * np.sin(2 * np.pi * 880 * t) * np.exp(-t * 8)).astype(np.float32)
    sf.write(str(folder / "tag.wav"), tag, 22050 * 2)
    (folder / "pack.toml").write_text(manifest)
    return folder / "pack.toml"


def tree(outdir: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under outdir."""
    return {p.relative_to(outdir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(outdir.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The pack built once with 2 local worker processes."""
    root = tmp_path_factory.mktemp("pack")
    manifest = make_pack(root / "src")
    out = root / "out"
    result = build_pack(manifest, out, workers=2)
    assert result.ok, result.failed
    return manifest, out, result


def loop_frames(bpm, bars=1, sr=SR):
    return int(Fraction(bars * 4 * 60) / Fraction(bpm).limit_denominator(1000) * sr + Fraction(1, 2))


def test_layout_names_and_index(reference):
    manifest, out, result = reference
    idx = json.loads((out / "manifest.json").read_text())
    names = [v["name"] for v in idx["variants"]]
    assert names == ["Night_Drive_factory_140bpm_F#min", "Night_Drive_factory_95bpm_F#min",
                     "Night_Drive_lofi_140bpm_F#min", "Night_Drive_lofi_95bpm_F#min",
                     "Day_Ride_s0_100bpm", "Day_Ride_s3_100bpm"]
    assert idx["complete"] is True and idx["variant_count"] == 6
    assert idx["title"] == "Test Pack" and idx["producer"] == "DJ Test" and idx["sample_rate"] == SR
    on_disk = tree(out)
    listed = {f["path"]: f for f in idx["files"]}
    # every file on disk is in the index (besides the index itself), with the right hash
    assert set(on_disk) - set(listed) == {"manifest.json", "summary.csv"}
    for path, f in listed.items():
        assert on_disk[path] == f["sha256"]
        assert " " not in path and f["kind"] in ("mix", "stem", "preview", "midi", "license", "zip", "image")
        for key in ("format", "beat", "kit", "bpm", "key", "seed"):
            assert key in f
        if f["kind"] in ("mix", "stem", "preview"):
            assert f["duration_s"] > 0 and f["lufs"] is not None and f["true_peak_db"] is not None
        if f["kind"] in ("license", "zip"):
            assert f["tier"] in ("MP3 Lease", "Trackout", "Promo")
    folder = out / names[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        f"{names[0]}.mp3", f"{names[0]}.wav", f"{names[0]}_preview.mp3", f"{names[0]}_waveform.png",
        f"{names[0]}_MP3_Lease_License.txt", f"{names[0]}_Trackout_License.txt", f"{names[0]}_Promo_License.txt",
        f"{names[0]}_MP3_Lease.zip", f"{names[0]}_Trackout.zip", "stems"])
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["variant"] for r in rows] == names and rows[0]["key"] == "F#min" and rows[0]["bpm"] == "140"
    assert not list(out.rglob(deliver.TMP_PREFIX + "*"))


def test_wav_and_stems(reference):
    _, out, _ = reference
    idx = json.loads((out / "manifest.json").read_text())
    for v in idx["variants"]:
        folder = out / v["folder"]
        wav = folder / f"{v['name']}.wav"
        info = sf.info(str(wav))
        assert info.subtype == "PCM_24" and info.samplerate == SR and info.channels == 2
        assert info.frames == loop_frames(v["bpm"])
        mix, _ = sf.read(str(wav), dtype="float64")
        stems = [sf.read(str(p), dtype="float64")[0] for p in sorted((folder / "stems").iterdir())]
        assert len(stems) == 3 and all(s.shape == mix.shape for s in stems)
        # no [master]: the stems sum to the mix (up to 24-bit rounding of each file)
        assert np.abs(sum(stems) - mix).max() < 4 / 2 ** 23


def test_wav_is_the_engine_render_with_the_tail_wrapped(reference):
    manifest, out, _ = reference
    beat = beatforge.load_source(manifest.parent / "beat.py").replace(bpm=95, kit="lofi", seed=0)
    mix, _ = beat.render_stems(bars=1, sample_rate=SR, tail="wrap")
    data, _ = sf.read(str(out / "Night_Drive_lofi_95bpm_F#min" / "Night_Drive_lofi_95bpm_F#min.wav"),
                      dtype="float64")
    assert np.abs(data - np.clip(mix, -1, 1)).max() < 1 / 2 ** 22
    cut, _ = beat.render_stems(bars=1, sample_rate=SR, tail="cut")
    assert len(cut) == len(data)


def mpeg1_frame_bitrates(path: Path) -> set[int]:
    """The bitrate (kbps) of every MPEG-1 Layer III frame in the file (walking frame headers)."""
    from mutagen.id3 import ID3

    table = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    rates = {0: 44100, 1: 48000, 2: 32000}
    data = path.read_bytes()
    pos = ID3(str(path)).size
    seen = set()
    while pos + 4 <= len(data) and data[pos] == 0xFF and (data[pos + 1] & 0xFE) == 0xFA:
        kbps = table[data[pos + 2] >> 4]
        rate = rates[(data[pos + 2] >> 2) & 3]
        padding = (data[pos + 2] >> 1) & 1
        seen.add(kbps)
        pos += 144 * kbps * 1000 // rate + padding
    assert pos == len(data), "trailing bytes after the last frame"
    return seen


def test_mp3_tags_and_preview(reference):
    from mutagen.mp3 import MP3

    _, out, _ = reference
    name = "Night_Drive_factory_140bpm_F#min"
    folder = out / name
    m = MP3(folder / f"{name}.mp3")
    assert m.info.sample_rate == SR and abs(m.info.bitrate - 320000) <= 100
    assert mpeg1_frame_bitrates(folder / f"{name}.mp3") == {320}  # constant bitrate, every frame
    t = m.tags
    assert str(t["TIT2"]) == "Night Drive" and str(t["TPE1"]) == "DJ Test" and str(t["TALB"]) == "Test Pack"
    assert str(t["TBPM"]) == "140" and str(t["TKEY"]) == "F#m" and str(t["TCON"]) == "Trap"
    assert str(t["TXXX:MOOD"]) == "dark" and "night, drive" in str(t.getall("COMM")[0])
    data, sr = sf.read(str(folder / f"{name}.mp3"))
    assert sr == SR and len(data) == loop_frames(140)

    p = MP3(folder / f"{name}_preview.mp3")
    assert str(p.tags["TIT2"]) == "Night Drive (Preview)"
    prev, _ = sf.read(str(folder / f"{name}_preview.mp3"), dtype="float32")
    assert pyloudnorm.Meter(SR).integrated_loudness(prev.astype(np.float64)) == pytest.approx(-14, abs=0.5)
    assert deliver.true_peak_db(prev) <= -1.0
    # the tag is in the preview: a 880 Hz burst every 0.75 s, absent from the mix
    mix, _ = sf.read(str(folder / f"{name}.wav"), dtype="float32")

    def tone(x, at):
        seg = x[int(at * SR):int(at * SR) + 2048, 0].astype(np.float64)
        spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        k = int(round(880 * len(seg) / SR))
        return spec[k - 2:k + 3].max() / (spec.sum() + 1e-12)

    assert tone(prev, 0.75) > 3 * tone(mix, 0.75)


def test_license_zip_and_png(reference):
    _, out, _ = reference
    name = "Night_Drive_lofi_140bpm_F#min"
    folder = out / name
    text = (folder / f"{name}_Trackout_License.txt").read_text()
    assert text == "Trackout license for Night Drive (140 BPM, F#min, kit lofi) by DJ Test\n"
    assert (folder / f"{name}_Promo_License.txt").read_text() == "Promo use only: Night Drive\n"
    assert not (folder / f"{name}_Promo.zip").exists()
    with zipfile.ZipFile(folder / f"{name}_Trackout.zip") as z:
        assert z.testzip() is None
        names = z.namelist()
        assert names == sorted(names) and len(names) == 1 + 1 + 1 + 3
        for arc in names:
            assert arc.startswith(name + "/")
            assert z.read(arc) == (folder / arc.split("/", 1)[1]).read_bytes()
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    with zipfile.ZipFile(folder / f"{name}_MP3_Lease.zip") as z:
        assert z.namelist() == [f"{name}/{name}.mp3", f"{name}/{name}_MP3_Lease_License.txt"]
    png = (folder / f"{name}_waveform.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"tIME" not in png


def test_same_bytes_with_one_worker_and_rerun_skips(reference, tmp_path):
    manifest, out, _ = reference
    one = tmp_path / "one"
    result = build_pack(manifest, one, workers=1)
    assert result.ok and len(result.rendered) == 6
    assert tree(one) == tree(out)
    again = build_pack(manifest, one, workers=1)
    assert again.rendered == [] and len(again.skipped) == 6 and tree(one) == tree(out)


def test_changed_input_redoes_only_that_beat(reference, tmp_path):
    manifest, _, _ = reference
    src = tmp_path / "src"
    m = make_pack(src)
    out = tmp_path / "out"
    build_pack(m, out, engine="inline")
    (src / "pack.toml").write_text(MANIFEST.replace('seeds = [0, 3]', 'seeds = [0, 3]\nmood = "sunny"'))
    result = build_pack(m, out, engine="inline")
    assert sorted(result.rendered) == ["Day_Ride_s0_100bpm", "Day_Ride_s3_100bpm"]
    assert len(result.skipped) == 4


def test_dask_local_cluster_gives_the_same_bytes(reference, tmp_path):
    pytest.importorskip("distributed")
    manifest, out, _ = reference
    result = build_pack(manifest, tmp_path / "dask", engine="dask", workers=2, dask_processes=False)
    assert result.ok, result.failed
    assert tree(tmp_path / "dask") == tree(out)


def test_dask_scheduler_address_runs_the_pack(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    manifest, out, _ = reference
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        result = build_pack(manifest, tmp_path / "sched", engine="dask", scheduler=cluster.scheduler_address)
    assert result.ok, result.failed
    assert tree(tmp_path / "sched") == tree(out)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "no-port"])
def test_unreachable_dask_scheduler_is_one_line_and_writes_nothing(reference, tmp_path, address):
    pytest.importorskip("distributed")
    manifest, _, _ = reference
    proc = _cli(["pack", manifest, "-o", tmp_path / "out", "--engine", "dask", "--scheduler", address,
                 "--no-progress"])
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert stderr.startswith(f"error: cannot reach the Dask scheduler at {address}: ")
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def _cli(args, **kw):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "beatforge", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _wait_for_progress(out: Path, proc, timeout=60.0):
    """Block until the index lists at least one finished variant (and the run is not done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            idx = json.loads((out / "manifest.json").read_text())
            if idx["variants"] and not idx["complete"]:
                return
        except (OSError, ValueError, KeyError):
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("no progress")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_or_interrupted_run_resumes_to_the_same_pack(reference, tmp_path, sig):
    manifest, ref_out, _ = reference
    out = tmp_path / "out"
    proc = _cli(["pack", manifest, "-o", out, "--workers", "1", "--no-progress"], start_new_session=True)
    _wait_for_progress(out, proc)
    # freeze the run where it is (a busy machine could otherwise let it finish before the signal
    # lands), signal it, and let it go on to handle the signal
    os.killpg(proc.pid, signal.SIGSTOP)
    if sig == signal.SIGKILL:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole run, workers included, like kill -9 on the job
    else:
        os.kill(proc.pid, signal.SIGINT)     # Ctrl-C
        os.killpg(proc.pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
        assert not list(out.rglob(deliver.TMP_PREFIX + "*"))
    else:
        assert proc.returncode == -signal.SIGKILL
    done_before = len(json.loads((out / "manifest.json").read_text())["variants"])
    assert 1 <= done_before < 6
    proc = _cli(["pack", manifest, "-o", out, "--workers", "2", "--no-progress"])
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"{done_before} up to date" in err
    assert tree(out) == tree(ref_out)
    assert not list(out.rglob(deliver.TMP_PREFIX + "*"))


MASTER = '''
[pack]
title = "Mastered"
producer = "P"
bit_depth = 16

[master]
loudness = -12
true_peak = -1.5

[[tier]]
name = "WAV"
files = ["wav", "stems"]

[[beat]]
pattern = "beat.py"
title = "Loud"
kits = ["factory"]
bpm = [120]
bars = 2
'''


def test_master_chain_sets_loudness_and_ceiling(tmp_path):
    m = make_pack(tmp_path / "src", MASTER)
    result = build_pack(m, tmp_path / "out", engine="inline")
    assert result.ok
    wav = tmp_path / "out" / "Loud_120bpm" / "Loud_120bpm.wav"
    assert sf.info(str(wav)).subtype == "PCM_16"
    data, _ = sf.read(str(wav), dtype="float32")
    assert pyloudnorm.Meter(SR).integrated_loudness(data.astype(np.float64)) == pytest.approx(-12, abs=0.3)
    assert deliver.true_peak_db(data) <= -1.5 + 0.01


def test_midi_files(tmp_path):
    manifest = MASTER.replace('files = ["wav", "stems"]', 'files = ["wav", "midi"]').replace("[master]", "[x]")
    manifest = manifest.replace("[x]\nloudness = -12\ntrue_peak = -1.5\n", "")
    m = make_pack(tmp_path / "src", manifest)
    if not midi_export_available():
        from beatforge.errors import ManifestError
        with pytest.raises(ManifestError, match=r"tier\[1\]\.files: 'midi' needs MIDI export"):
            build_pack(m, tmp_path / "out")
        assert not (tmp_path / "out").exists()
        return
    result = build_pack(m, tmp_path / "out", engine="inline")
    assert result.ok, result.failed
    import mido
    mid = mido.MidiFile(str(tmp_path / "out" / "Loud_120bpm" / "Loud_120bpm.mid"))
    assert any(msg.type == "note_on" for track in mid.tracks for msg in track)


def test_dropped_tier_and_variant_leave_no_stale_files(tmp_path):
    m = make_pack(tmp_path / "src")
    out = tmp_path / "out"
    build_pack(m, out, engine="inline")
    smaller = MANIFEST.replace('[[tier]]\nname = "Promo"\nfiles = ["mp3"]\nzip = false\n'
                               'license = "Promo use only: {title}"\n', "")
    smaller = smaller.replace("seeds = [0, 3]", "seeds = [0]")
    (tmp_path / "src" / "pack.toml").write_text(smaller)
    result = build_pack(m, out, engine="inline")
    assert result.ok and len(result.rendered) == 5 and result.skipped == []
    idx = json.loads((out / "manifest.json").read_text())
    assert set(tree(out)) - {"manifest.json", "summary.csv"} == {f["path"] for f in idx["files"]}
    assert not any("Promo" in p for p in tree(out)) and not (out / "Day_Ride_s3_100bpm").exists()
    assert (out / "Day_Ride_100bpm" / "Day_Ride_100bpm.wav").is_file()


def test_progress_bar_shows_counts(tmp_path):
    import io

    from rich.console import Console

    m = make_pack(tmp_path / "src", MASTER)
    buf = io.StringIO()
    build_pack(m, tmp_path / "out", engine="inline", progress=True,
               console=Console(file=buf, force_terminal=False, width=100))
    assert "1/1" in buf.getvalue() and "pack" in buf.getvalue()
