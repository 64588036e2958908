"""Songs: sections with bar counts, mutes, fills, chains; one render with exact section boundaries."""

import textwrap

import numpy as np
import pytest
import soundfile as sf

from beatforge import Beat, BeatforgeError, Song, load_source, mini

RATE = 48000
BAR = 96000  # 120 bpm


def make_beat(kit="factory", bpm=120):
    beat = Beat(bpm=bpm, kit=kit)
    beat.track("kick", "x...x...x...x...")
    beat.track("snare", "....x.......x...")
    return beat


def frames(song, pad=None, bars=None):
    return [h.frame for h in song.hits(bars=bars, sample_rate=RATE) if pad in (None, h.pad)]


def test_sections_chain_and_mute():
    beat = make_beat()
    song = Song()
    song.section("intro", beat, bars=2, mute=["kick"])
    song.section("verse", beat, bars=2)
    assert song.length_bars() == 4
    assert frames(song, "kick") == [2 * BAR + i * 24000 for i in range(8)]
    assert frames(song, "snare") == [b * BAR + f for b in range(4) for f in (24000, 72000)]
    assert song.frames(sample_rate=RATE) == 4 * BAR


def test_arrangement_repeats_and_errors():
    beat = make_beat()
    song = Song()
    song.section("a", beat, bars=1)
    song.section("b", beat, bars=2, mute=["snare"])
    song.arrange("a b*2 a")
    assert song.timeline() == [("a", 0), ("b", 1), ("b", 3), ("a", 5)]
    assert song.length_bars() == 6
    with pytest.raises(BeatforgeError, match="no section named 'c'"):
        song.arrange("a c")
    with pytest.raises(BeatforgeError, match="no track named 'hat'"):
        song.section("x", beat, mute=["hat"])
    with pytest.raises(BeatforgeError, match="already a section"):
        song.section("a", beat)


def test_fills_every_n_bars():
    beat = make_beat()
    song = Song()
    song.section("verse", beat, bars=4, fills={"snare": "....x...x.x.xxxx", "crash": "x..............."},
                 fill_every=2)
    snares = frames(song, "snare")
    per_bar = [sum(1 for f in snares if b * BAR <= f < (b + 1) * BAR) for b in range(4)]
    assert per_bar == [2, 7, 2, 7]
    assert frames(song, "crash") == [1 * BAR, 3 * BAR]


def test_unmute_and_replace():
    beat = make_beat()
    beat.track("hat", "x.x.x.x.x.x.x.x.", mute=True)
    song = Song()
    song.section("a", beat, bars=1)
    song.section("b", beat, bars=1, unmute=["hat"], replace={"kick": mini("kick*2")})
    assert frames(song, "hat") == [BAR + i * 12000 for i in range(8)]
    assert frames(song, "kick") == [0, 24000, 48000, 72000, BAR, BAR + 48000]


def test_tempo_changes_at_section_boundaries():
    song = Song()
    song.section("slow", make_beat(bpm=60), bars=1)
    song.section("fast", make_beat(bpm=120), bars=1)
    assert song.frames(sample_rate=RATE) == 2 * BAR + BAR
    assert frames(song, "kick") == [0, 48000, 96000, 144000] + [2 * BAR + i * 24000 for i in range(4)]
    # a song-wide bpm overrides the sections'
    assert song.replace(bpm=120).frames(sample_rate=RATE) == 2 * BAR


def test_random_patterns_vary_between_repeats_but_are_seeded():
    beat = Beat(seed=0)
    beat.track("hat", mini("hh*16?"))
    song = Song(seed=5)
    song.section("a", beat, bars=1)
    song.arrange("a*4")
    hits = song.hits(sample_rate=RATE)
    per_bar = [tuple(h.frame - b * BAR for h in hits if b * BAR <= h.frame < (b + 1) * BAR) for b in range(4)]
    assert len(set(per_bar)) > 1
    assert hits == song.hits(sample_rate=RATE)
    assert song.replace(seed=6).hits(sample_rate=RATE) != hits


def test_song_renders_exact_frames(impulse_kit):
    beat = Beat(bpm=120, kit=str(impulse_kit))
    beat.track("kick", "x...............")
    song = Song()
    song.section("intro", beat, bars=1)
    song.section("drop", beat.replace(bpm=60), bars=1)
    mix = song.render(sample_rate=RATE)
    assert mix.shape == (BAR + 2 * BAR, 2)
    assert np.flatnonzero(np.abs(mix[:, 0]) > 1e-6).tolist() == [0, BAR]


def test_sections_for_live_use():
    beat = make_beat()
    song = Song(kit="lofi")
    song.section("a", beat, bars=2, mute=["kick"])
    (name, section_beat), = song.sections.items()
    assert name == "a" and section_beat.kit == "lofi" and section_beat.bars == 2
    assert [t.mute for t in section_beat.tracks] == [True, False]


def test_load_source_song_and_cli_render(tmp_path, impulse_kit, cli):
    src = tmp_path / "song.py"
    src.write_text(textwrap.dedent(f"""
        from beatforge import Beat, Song, mini

        beat = Beat(bpm=120, kit={str(impulse_kit)!r})
        beat.track("drums", mini("kick snare"))
        song = Song(name="demo")
        song.section("intro", beat, bars=1, mute=["drums"])
        song.section("verse", beat, bars=2)
    """))
    song = load_source(src)
    assert isinstance(song, Song) and song.length_bars() == 3
    out = tmp_path / "song.wav"
    r = cli("render", src, "-o", out, "--sample-rate", RATE, "--bit-depth", "32", "--bpm", 60)
    assert r.returncode == 0, r.stderr
    data, rate = sf.read(str(out), dtype="float32")
    assert rate == RATE and data.shape == (3 * 2 * BAR, 2)
    onsets = np.flatnonzero(np.abs(data[:, 0]) > 1e-6).tolist()
    assert onsets == [2 * BAR, 3 * BAR, 4 * BAR, 5 * BAR]


def test_example_song_renders_and_shows(cli):
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "patterns" / "songs" / "lofi_song.py"
    song = load_source(path)
    assert isinstance(song, Song) and song.length_bars() == 18
    mix = song.render(bars=4, sample_rate=22050)
    assert mix.shape == (song.frames(4, 22050), 2) and np.all(np.isfinite(mix))
    assert 0.05 < float(np.max(np.abs(mix))) < 1.5
    r = cli("show", path, "--bars", "3")
    assert r.returncode == 0, r.stderr
    assert "bar 3 (verse)" in r.stdout and "drums:snare" in r.stdout


def test_song_to_midi_round_trip(tmp_path):
    from beatforge.io.midi import load_midi

    song = Song()
    song.section("a", make_beat(), bars=1, mute=["kick"])
    song.section("b", make_beat(), bars=2)
    out = tmp_path / "song.mid"
    song.to_midi(out)
    back = load_midi(out)
    assert back.length_bars() == 3
    assert [h.frame for h in back.hits(sample_rate=RATE)] == [h.frame for h in song.hits(sample_rate=RATE)]


def test_sections_played_together():
    beat = make_beat()
    perc = Beat(bpm=120)
    perc.track("hat", "..x.")
    song = Song()
    song.section("drums", beat, bars=2)
    song.section("perc", perc, bars=1)
    song.arrange("drums+perc perc")
    assert song.timeline() == [("drums+perc", 0), ("perc", 2)]
    assert song.length_bars() == 3
    hats = frames(song, "hat")
    # perc plays its one bar in the first column (the column lasts drums' two bars), then again
    assert hats == [12000 + i * 24000 for i in range(4)] + [2 * BAR + 12000 + i * 24000 for i in range(4)]
    assert len(frames(song, "kick")) == 8
