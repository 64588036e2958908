"""Manifest validation: every error names file and key, all are reported at once, nothing is written."""

from __future__ import annotations

import textwrap

import pytest

from beatforge.errors import ManifestError
from beatforge.pack import load_manifest
from beatforge.pack.manifest import midi_export_available
from beatforge.pack.naming import format_bpm, id3_key, license_text, parse_key, slug, variant_name
from tests.conftest import run_cli

PATTERN = '''
from beatforge import Beat
beat = Beat(bpm=120, kit="factory")
beat.track("kick", "x...x...x...x...")
'''

GOOD = """
[pack]
title = "Night Pack"
producer = "DJ Test"

[[tier]]
name = "MP3 Lease"
files = ["mp3"]

[[beat]]
pattern = "beat.py"
title = "Night Drive"
kits = ["factory"]
bpm = [140]
key = "F minor"
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "beat.py").write_text(PATTERN)
    return tmp_path


def write(folder, text, name="pack.toml"):
    p = folder / name
    p.write_text(textwrap.dedent(text))
    return p


def errors_of(path) -> list[str]:
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    return info.value.errors


def test_good_manifest_and_variants(folder):
    spec = load_manifest(write(folder, GOOD + """
[[beat]]
pattern = "beat.py"
title = "Day Ride"
kits = ["factory", "lofi"]
bpm = [90, 92.5]
seeds = [0, 7]
"""))
    names = [v.name for v in spec.variants()]
    assert names[0] == "Night_Drive_140bpm_Fmin"
    assert len(names) == 1 + 2 * 2 * 2 and len(set(names)) == len(names)
    assert "Day_Ride_lofi_s7_92.5bpm" in names
    assert spec.sample_rate == 44100 and spec.bit_depth == 24 and spec.preview is None and spec.master is None


@pytest.mark.parametrize("change, expected", [
    ('bpm = [140]', None),
    ('bpm = [320]', "pack.toml: beat[1].bpm: 320 is outside 40-300"),
    ('bpm = [39.5, 140]', "pack.toml: beat[1].bpm: 39.5 is outside 40-300"),
    ('bpm = "fast"', "pack.toml: beat[1].bpm: 'fast' is not a list of numbers"),
    ('bpm = [140, 140]', "pack.toml: beat[1].bpm: duplicate value 140"),
    ('bpm = [140]\ntempo = 1', "pack.toml: beat[1].tempo: unknown key"),
    ('bpm = [140]\nseeds = [1.5]', "pack.toml: beat[1].seeds: [1.5] is not a list of integers"),
    ('bpm = [140]\nbars = 0', "pack.toml: beat[1].bars: 0 is outside 1-1024"),
    ('bpm = [140]\ngenre = 7', "pack.toml: beat[1].genre: 7 is not a non-empty string"),
])
def test_beat_errors(folder, change, expected):
    path = write(folder, GOOD.replace("bpm = [140]", change))
    if expected is None:
        load_manifest(path)
        return
    errs = errors_of(path)
    assert any(e.startswith(expected) for e in errs), errs


def test_bad_key(folder):
    errs = errors_of(write(folder, GOOD.replace('key = "F minor"', 'key = "H minor"')))
    assert any(e.startswith("pack.toml: beat[1].key: 'H minor' is not a key") for e in errs), errs


def test_missing_files_and_kits(folder):
    text = GOOD.replace('pattern = "beat.py"', 'pattern = "nope.py"').replace('"factory"', '"no_such_kit"')
    text += '[preview]\ntag = "tag.wav"\n'
    errs = errors_of(write(folder, text))
    assert "pack.toml: beat[1].pattern: pattern file 'nope.py' not found" in errs
    assert any(e.startswith("pack.toml: beat[1].kits: kit 'no_such_kit' not found") for e in errs)
    assert "pack.toml: preview.tag: tag file 'tag.wav' not found" in errs


def test_duplicate_titles_and_tiers(folder):
    text = GOOD + """
[[tier]]
name = "mp3 lease"
files = ["wav", "flac"]
zip = "yes"

[[beat]]
pattern = "beat.py"
title = "NIGHT DRIVE"
kits = ["factory"]
bpm = [100]
"""
    errs = errors_of(write(folder, text))
    assert "pack.toml: beat[2].title: 'NIGHT DRIVE' duplicates the title of beat[1]" in errs
    assert "pack.toml: tier[2].name: 'mp3 lease' duplicates tier[1]" in errs
    assert "pack.toml: tier[2].files: 'flac' is not one of mp3, wav, stems, midi" in errs
    assert "pack.toml: tier[2].zip: 'yes' is not true or false" in errs


def test_pack_level_errors_all_at_once(folder):
    text = """
[pack]
title = "X"
licence = "typo"
sample_rate = 44000
bit_depth = 20
license = "{title} {price}"

[preview]
tag = "tag.wav"
every = 0
loudness = 3

[master]
limiter = "on"

[extras]
"""
    errs = errors_of(write(folder, text))
    expected = [
        "pack.toml: extras: unknown key",
        "pack.toml: pack.licence: unknown key",
        "pack.toml: pack.producer: missing (required)",
        "pack.toml: pack.license: unknown placeholder {price}",
        "pack.toml: pack.sample_rate: 44000 is not one of",
        "pack.toml: pack.bit_depth: 20 is not one of 16, 24, 32",
        "pack.toml: preview.tag: tag file 'tag.wav' not found",
        "pack.toml: preview.every: 0 must be more than 0 seconds",
        "pack.toml: preview.loudness: 3 is outside -40--5 LUFS",
        "pack.toml: master.limiter: 'on' is not true or false",
        "pack.toml: tier: at least one [[tier]] is required",
        "pack.toml: beat: at least one [[beat]] is required",
    ]
    for want in expected:
        assert any(e.startswith(want) for e in errs), (want, errs)


def test_invalid_toml_and_missing_manifest(folder):
    errs = errors_of(write(folder, "[pack\ntitle = 1"))
    assert errs[0].startswith("pack.toml: invalid TOML:")
    assert errors_of(folder / "none.toml") == ["none.toml: manifest not found"]


def test_midi_tier_needs_midi_export(folder):
    path = write(folder, GOOD.replace('files = ["mp3"]', 'files = ["mp3", "midi"]'))
    if midi_export_available():
        load_manifest(path)
    else:
        assert any("MIDI export (Beat.to_midi)" in e and e.startswith("pack.toml: tier[1].files:")
                   for e in errors_of(path))


def test_cli_reports_errors_with_exit_2_and_writes_nothing(folder):
    path = write(folder, GOOD.replace("bpm = [140]", "bpm = [320]").replace('"factory"', '"nokit"'))
    out = folder / "out"
    r = run_cli("pack", path, "-o", out)
    assert r.returncode == 2
    assert "pack.toml: beat[1].bpm: 320 is outside 40-300" in r.stderr
    assert "pack.toml: beat[1].kits: kit 'nokit' not found" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_broken_pattern_is_a_manifest_error(folder):
    (folder / "beat.py").write_text("from beatforge import Beat\nbeat = Beat(bpm=120)\nbeat.track('k', 'x..?')\n")
    out = folder / "out"
    r = run_cli("pack", write(folder, GOOD), "-o", out)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("pack.toml: beat[1].pattern:") and "Traceback" not in r.stderr
    assert not out.exists()


def test_naming():
    assert slug("Night Drive!") == "Night_Drive"
    assert slug("Café  del   Mar") == "Cafe_del_Mar"
    assert parse_key("F minor") == "Fmin" and parse_key("c#") == "C#maj" and parse_key("Bbm") == "Bbmin"
    assert parse_key("F♯ minor") == "F#min"
    assert id3_key("Fmin") == "Fm" and id3_key("C#maj") == "C#"
    assert format_bpm(140) == "140" and format_bpm(92.5) == "92.5"
    assert variant_name("Night Drive", 140, "Fmin") == "Night_Drive_140bpm_Fmin"
    assert variant_name("Night Drive", 140, "C#min", kit="lofi", seed=3) == "Night_Drive_lofi_s3_140bpm_C#min"
    text = license_text("{tier}: {title} by {producer}, {bpm} BPM in {key}, kit {kit}",
                        tier="WAV Lease", title="T", producer="P", bpm="140", key="Fmin", kit="lofi")
    assert text == "WAV Lease: T by P, 140 BPM in Fmin, kit lofi\n"
