"""Hydrogen songs: a small song of our own checked on exact frames; Hydrogen's demo songs when installed."""

from __future__ import annotations

import glob
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from beatforge import load_source
from beatforge.errors import BeatforgeError
from beatforge.io.h2song import H2Song
from tests.conftest import write_wav

SR = 48000          # at 120 bpm one tick (1/48 quarter) is exactly 500 frames
TICK = 500


def _add(parent, tag, text=None):
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def _instrument(parent, iid, name, sample, mute_group=-1, pan=0.0, volume=1.0, release=1000, drumkit="TestKit"):
    inst = _add(parent, "instrument")
    for tag, value in (("id", iid), ("name", name), ("drumkit", drumkit), ("volume", volume), ("isMuted", "false"),
                       ("pan", pan), ("gain", 1), ("applyVelocity", "true"), ("Attack", 0), ("Decay", 0),
                       ("Sustain", 1), ("Release", release), ("pitchOffset", 0), ("randomPitchFactor", 0),
                       ("muteGroup", mute_group), ("isStopNote", "false"), ("sampleSelectionAlgo", "VELOCITY"),
                       ("midiOutNote", 36 + iid)):
        _add(inst, tag, value)
    comp = _add(inst, "instrumentComponent")
    _add(comp, "component_id", 0)
    _add(comp, "gain", 1)
    layer = _add(comp, "layer")
    for tag, value in (("filename", sample), ("min", 0), ("max", 1), ("gain", 1), ("pitch", 0)):
        _add(layer, tag, value)


def _note(parent, position, instrument, velocity=0.8, **kw):
    n = _add(parent, "note")
    fields = dict(position=position, leadlag=0, velocity=velocity, pan=0, pitch=0, probability=1, key="C0",
                  length=-1, instrument=instrument, note_off="false")
    fields.update(kw)
    for tag, value in fields.items():
        _add(n, tag, value)


@pytest.fixture
def song_path(tmp_path, monkeypatch):
    kits = tmp_path / "kits"
    imp = np.zeros(64, np.float32)
    imp[0] = 1.0
    write_wav(kits / "TestKit" / "imp.wav", imp, rate=SR)
    write_wav(kits / "TestKit" / "long.wav", np.full(20000, 0.5, np.float32), rate=SR)
    monkeypatch.setenv("BEATFORGE_KIT_PATH", str(kits))

    song = ET.Element("song")
    for tag, value in (("version", "1.2.0"), ("bpm", 120), ("volume", 1), ("name", "fixture"),
                       ("mode", "song"), ("humanize_time", 0), ("humanize_velocity", 0), ("swing_factor", 0.5)):
        _add(song, tag, value)
    insts = _add(song, "instrumentList")
    _instrument(insts, 0, "Kick", "imp.wav")
    _instrument(insts, 1, "Snare", "imp.wav", pan=0.5)
    _instrument(insts, 2, "Hat Closed", "imp.wav", mute_group=1)
    _instrument(insts, 3, "Hat Open", "long.wav", mute_group=1, release=441)   # 10 ms release
    _instrument(insts, 4, "Tom", "long.wav", release=441)
    patterns = _add(song, "patternList")

    def pattern(name, size, notes):
        p = _add(patterns, "pattern")
        _add(p, "name", name)
        _add(p, "size", size)
        _add(p, "denominator", 4)
        nl = _add(p, "noteList")
        for args, kw in notes:
            _note(nl, *args, **kw)

    pattern("A", 192, [((0, 0), {}), ((96, 0), {}), ((12, 0), {"velocity": 0.5}),        # 12: an off-16th
                       ((48, 0), {"leadlag": 0.5}), ((144, 0), {"probability": 0}), ((300, 0), {})])
    pattern("B", 96, [((48, 1), {"key": "C1"})])
    pattern("C", 192, [((0, 3), {}), ((24, 2), {}), ((96, 4), {"length": 12}), ((144, 4), {}),
                       ((168, 4), {"note_off": "true"})])
    vpl = _add(song, "virtualPatternList")
    v = _add(vpl, "pattern")
    _add(v, "name", "C")
    _add(v, "virtual", "B")
    seq = _add(song, "patternSequence")
    for group in (["A"], ["A", "B"], ["C"], ["B"]):
        g = _add(seq, "group")
        for name in group:
            _add(g, "patternID", name)
    tl = _add(song, "BPMTimeLine")
    m = _add(tl, "newBPM")
    _add(m, "BAR", 3)
    _add(m, "BPM", 60)
    path = tmp_path / "fixture.h2song"
    ET.ElementTree(song).write(path, encoding="UTF-8", xml_declaration=True)
    return path


def test_structure_tempo_markers_and_length(song_path):
    from beatforge import Song

    song = load_source(song_path)
    assert isinstance(song, H2Song) and isinstance(Song.from_h2song(song_path), H2Song)
    assert song.columns == [["A"], ["A", "B"], ["C", "B"], ["B"]]       # C carries B virtually
    assert song.column_starts() == [0, 192, 384, 576, 672]
    # three columns at 120 bpm (500 frames/tick), the last (96 ticks) at 60 bpm (1000 frames/tick)
    assert song.frames(sample_rate=SR) == 576 * TICK + 96 * 1000


def test_hits_on_exact_frames(song_path):
    song = load_source(song_path)
    hits = song.hits(sample_rate=SR)
    got = [(h.frame, h.track) for h in hits]
    swing = int(6 * TICK * 0.5)          # a 32nd note times the swing factor
    lead = int(0.5 * 5 * TICK)           # lead/lag 0.5 = half of 5 ticks
    bar = 192 * TICK
    expect = []
    for b in (0, 1):
        expect += [(b * bar, "Kick"), (b * bar + 12 * TICK + swing, "Kick"), (b * bar + 48 * TICK + lead, "Kick"),
                   (b * bar + 96 * TICK, "Kick")]
    expect += [(bar + 48 * TICK, "Snare"), (2 * bar + 48 * TICK, "Snare")]
    expect += [(2 * bar, "Hat Open"), (2 * bar + 24 * TICK, "Hat Closed"), (2 * bar + 96 * TICK, "Tom"),
               (2 * bar + 144 * TICK, "Tom"), (2 * bar + 168 * TICK, "Tom")]
    expect += [(3 * bar + 48 * 1000, "Snare")]                           # after the tempo marker
    assert sorted(got) == sorted(expect)
    by = {(h.frame, h.track): h for h in hits}
    assert by[(12 * TICK + swing, "Kick")].velocity == pytest.approx(0.5 * 127)
    assert by[(bar + 48 * TICK, "Snare")].pitch == 12                    # key C1
    assert by[(2 * bar + 96 * TICK, "Tom")].length == 12 * TICK
    assert by[(2 * bar + 168 * TICK, "Tom")].pad == "Tom note-off"


def test_render_levels_mute_group_length_and_note_off(song_path):
    song = load_source(song_path)
    audio = song.render(sample_rate=SR, bit_depth=32)
    bar = 192 * TICK
    # Hydrogen's levels: gain linear in velocity; centre pan at full level on both sides
    assert audio[0, 0] == pytest.approx(0.8, abs=1e-6) and audio[0, 1] == pytest.approx(0.8, abs=1e-6)
    swing = int(6 * TICK * 0.5)
    assert audio[12 * TICK + swing, 0] == pytest.approx(0.5, abs=1e-6)
    # snare panned 0.5 right: R full, L half (Hydrogen's ratio pan law)
    s = bar + 48 * TICK
    assert audio[s, 1] == pytest.approx(0.8, abs=1e-6) and audio[s, 0] == pytest.approx(0.4, abs=1e-6)
    # the open hat sounds until the closed hat (same mute group) cuts it over its release
    ho, hc = 2 * bar, 2 * bar + 24 * TICK
    assert audio[ho + 100, 0] == pytest.approx(0.4, abs=1e-6)
    assert np.all(audio[hc + 481: hc + 5000] == 0)
    # tom with length 12 ticks: released at 12 ticks, silent after its 10 ms release
    t = 2 * bar + 96 * TICK
    assert audio[t + 100, 0] == pytest.approx(0.4, abs=1e-6)
    assert np.all(audio[t + 12 * TICK + 481: t + 12 * TICK + 5000] == 0)
    # tom without length plays on until the note-off stops it
    t2 = 2 * bar + 144 * TICK
    assert audio[t2 + 24 * TICK - 10, 0] == pytest.approx(0.4, abs=1e-6)
    assert np.all(audio[t2 + 24 * TICK + 481: t2 + 24 * TICK + 3000] == 0)


def test_humanize_is_seeded(song_path):
    song = load_source(song_path)
    song.humanize_time, song.humanize_velocity = 0.5, 0.3
    a = [(h.frame, h.velocity) for h in song.hits(sample_rate=SR)]
    b = [(h.frame, h.velocity) for h in song.hits(sample_rate=SR)]
    c = [(h.frame, h.velocity) for h in song.replace(seed=7).hits(sample_rate=SR)]
    assert a == b and a != c


def test_cli_renders_a_song(song_path, tmp_path, cli):
    r = cli("render", song_path, "-o", tmp_path / "song.wav", "--sample-rate", SR, env={
        "BEATFORGE_KIT_PATH": os.environ["BEATFORGE_KIT_PATH"]})
    assert r.returncode == 0, r.stderr
    import soundfile as sf

    assert sf.info(str(tmp_path / "song.wav")).frames == 576 * TICK + 96 * 1000


DEMOS = sorted(glob.glob("/usr/share/hydrogen/data/demo_songs/*.h2song"))


@pytest.mark.skipif(not os.path.isdir("/usr/share/hydrogen"), reason="Hydrogen is not installed")
@pytest.mark.parametrize("path", DEMOS, ids=[Path(p).stem for p in DEMOS])
def test_demo_songs_load_and_sequence(path):
    song = H2Song.from_file(path)
    assert song.columns and song.patterns
    hits = song.hits(sample_rate=44100)
    assert hits and all(0 <= h.frame < song.frames() + 3000 for h in hits)
    # song length: every column is one 4/4 bar at the song's tempo
    ticks = song.column_starts()[-1]
    assert song.frames() == round(ticks * 44100 * 60 / (song.bpm * 48))


@pytest.mark.skipif(not os.path.isdir("/usr/share/hydrogen/data/drumkits/GMRockKit"), reason="GMRockKit not installed")
def test_demo_song_renders_with_its_kit():
    song = H2Song.from_file("/usr/share/hydrogen/data/demo_songs/GM_kit_demo1.h2song").replace(bars=2)
    audio = song.render()
    assert audio.shape == (song.frames(), 2) and np.abs(audio).max() > 0.05


def test_swing_rule_of_hydrogen_1_2_0_beta(song_path):
    # that engine scales the absolute frame of the 32nd-later tick, then clamps to +-2000 frames
    song = H2Song.from_file(song_path, swing_rule="h2cli-1.2.0-beta")
    kicks = sorted(h.frame for h in song.hits(sample_rate=SR) if h.track == "Kick")
    bar = 192 * TICK
    assert 12 * TICK + (int(18 * TICK * 0.5) - 12 * TICK) in kicks          # -1500 frames
    assert bar + 12 * TICK - 2000 in kicks                                  # clamped
    with pytest.raises(Exception, match="swing_rule"):
        H2Song.from_file(song_path, swing_rule="nope")


def test_another_kit_plays_the_instruments_by_name(song_path, impulse_kit):
    song = load_source(song_path).replace(kit=str(impulse_kit))
    tracks = {h.track for h in song.hits(sample_rate=SR)}
    assert {"Kick", "Snare", "Hat Closed", "Hat Open"} <= tracks
    kit = song.load_kit()
    assert kit.pad("Hat Open").layers[0].path.name == "openhat.wav"
    audio = song.render(sample_rate=SR)
    assert audio.shape == (song.frames(sample_rate=SR), 2) and np.abs(audio).max() > 0


def test_another_kit_plays_a_song_whose_drumkit_is_not_installed(song_path, impulse_kit, tmp_path, monkeypatch):
    with_kit = load_source(song_path).replace(kit=str(impulse_kit))
    expected = with_kit.hits(sample_rate=SR)
    monkeypatch.setenv("BEATFORGE_KIT_PATH", str(tmp_path / "no-kits-here"))
    song = load_source(song_path)
    with pytest.raises(BeatforgeError, match="drumkit 'TestKit' is not installed"):
        song.hits(sample_rate=SR)
    moved = song.replace(kit=str(impulse_kit))
    assert moved.hits(sample_rate=SR) == expected
    np.testing.assert_array_equal(moved.render(sample_rate=SR), with_kit.render(sample_rate=SR))


# ------------------------------------------------------------------------------------------
# MIDI export


def _plain(song):
    """The song without swing and lead/lag: what its straight MIDI export holds."""
    import dataclasses

    plain = song.replace(swing=50)
    plain.patterns = {k: dataclasses.replace(p, notes=[dataclasses.replace(n, lead_lag=0.0) for n in p.notes])
                      for k, p in song.patterns.items()}
    return plain


def _notes(track):
    now, out = 0, []
    for m in track:
        now += m.time
        if m.type == "note_on" and m.velocity > 0:
            out.append((now, m.note, m.velocity))
        elif m.type in ("note_on", "note_off"):
            out.append((now, m.note, 0))
    return out


def test_midi_export_tracks_notes_tempo_map_and_lengths(song_path, tmp_path):
    import mido

    song = load_source(song_path)
    path = song.to_midi(tmp_path / "song.mid", straight=True)
    mid = mido.MidiFile(path)
    assert mid.type == 1 and mid.ticks_per_beat == 960          # 48 ticks per quarter: 20 MIDI ticks each
    assert [t.name for t in mid.tracks] == ["fixture", "Kick", "Snare", "Hat Closed", "Hat Open", "Tom"]
    conductor = mid.tracks[0]
    tempo, now = [], 0
    for m in conductor:
        now += m.time
        if m.type == "set_tempo":
            tempo.append((now, m.tempo))
    assert tempo == [(0, 500000), (576 * 20, 1000000)]          # the tempo marker at column 3
    sig = [(m.numerator, m.denominator) for m in conductor if m.type == "time_signature"]
    assert sig == [(4, 4), (2, 4)]                              # the last column is a 96-tick pattern
    assert all(sum(m.time for m in t) == 672 * 20 for t in mid.tracks)
    assert {m.channel for t in mid.tracks[1:] for m in t if m.type in ("note_on", "note_off")} == {9}
    ons = {t.name: [n for n in _notes(t) if n[2]] for t in mid.tracks[1:]}
    # each instrument on its midiOutNote (36 + id in the fixture)
    assert {name: {n for _, n, _ in notes} for name, notes in ons.items()} == {
        "Kick": {36}, "Snare": {37}, "Hat Closed": {38}, "Hat Open": {39}, "Tom": {40}}
    assert {name: len(notes) for name, notes in ons.items()} == {
        "Kick": 8, "Snare": 3, "Hat Closed": 1, "Hat Open": 1, "Tom": 2}
    assert [t for t, _, v in ons["Kick"] if v == 64] == [12 * 20, (192 + 12) * 20]   # velocity 0.5
    assert {v for notes in ons.values() for _, _, v in notes} == {64, 102}            # 0.8 x 127
    tom = _notes([t for t in mid.tracks if t.name == "Tom"][0])
    bar = 2 * 192 * 20
    # length 12 ticks (240 MIDI ticks); no length: a 32nd note; the note-off is not a note
    assert tom == [(bar + 96 * 20, 40, 102), (bar + 108 * 20, 40, 0), (bar + 144 * 20, 40, 102),
                   (bar + 144 * 20 + 120, 40, 0)]


def test_midi_export_plays_back_on_the_same_frames(song_path, tmp_path):
    from fractions import Fraction

    from beatforge.io.midi import MidiBeat

    song = load_source(song_path)
    song.to_midi(tmp_path / "song.mid", straight=True)
    direct = _plain(song)
    back = MidiBeat.from_file(tmp_path / "song.mid", kit=song.load_kit())
    bars = Fraction(672, 192)                 # the MIDI file's 4/4 bars (the song has 3.5)
    assert back.length_bars() == 4
    for sr in (SR, 44100):
        a = [(h.frame, h.track) for h in back.hits(bars=bars, sample_rate=sr)]
        b = [(h.frame, h.track) for h in direct.hits(sample_rate=sr) if h.velocity > 0]
        assert a == b and len(a) == 15
        assert back.frames(bars=bars, sample_rate=sr) == direct.frames(sample_rate=sr)
    vel = {(h.frame, h.track): h.velocity for h in back.hits(bars=bars, sample_rate=SR)}
    assert all(abs(vel[(h.frame, h.track)] - h.velocity) <= 0.5 for h in direct.hits(sample_rate=SR) if h.velocity)
    # the impulse instruments sound on those frames in the audio too
    audio = back.render(bars=bars, sample_rate=SR)
    onsets = set(np.flatnonzero(np.abs(np.diff(audio[:, 0], prepend=0)) > 0.3).tolist())
    frames = {h.frame for h in direct.hits(sample_rate=SR) if h.track in ("Kick", "Snare", "Hat Closed")}
    assert len(frames) == 11 and frames <= onsets


def test_midi_export_bakes_in_swing_and_lead_lag_and_is_seeded(song_path, tmp_path):
    import mido

    song = load_source(song_path)
    song.to_midi(tmp_path / "swung.mid")
    mid = mido.MidiFile(tmp_path / "swung.mid")
    kick = [t for t, _, v in _notes([t for t in mid.tracks if t.name == "Kick"][0]) if v]
    qpt = mid.ticks_per_beat / 48                             # MIDI ticks per Hydrogen tick
    # the swung off-16th: a 32nd x 0.5 later; lead/lag 0.5: 2.5 ticks later (whole frames at 44.1 kHz)
    assert abs(kick[1] - (12 + 3) * qpt) <= 1 and abs(kick[2] - (48 + 2.5) * qpt) <= 1
    song.humanize_time, song.humanize_velocity = 0.5, 0.3
    a = song.to_midi(tmp_path / "a.mid").read_bytes()
    assert song.to_midi(tmp_path / "b.mid").read_bytes() == a
    assert song.replace(seed=5).to_midi(tmp_path / "c.mid").read_bytes() != a
    # straight: the plain grid, whatever the humanize of time
    song.humanize_velocity = 0
    assert song.to_midi(tmp_path / "s.mid", straight=True).read_bytes() == \
        load_source(song_path).to_midi(tmp_path / "s2.mid", straight=True).read_bytes()


def test_midi_export_of_some_columns(song_path, tmp_path):
    import mido

    song = load_source(song_path)
    song.render(tmp_path / "two.mid", bars=2)       # render() writes MIDI for a .mid path
    mid = mido.MidiFile(tmp_path / "two.mid")
    assert [m.tempo for m in mid.tracks[0] if m.type == "set_tempo"] == [500000]
    assert all(sum(m.time for m in t) == 2 * 192 * mid.ticks_per_beat // 48 for t in mid.tracks)
    assert [t.name for t in mid.tracks[1:]] == ["Kick", "Snare"]


def test_cli_exports_a_song_to_midi(song_path, tmp_path, cli):
    import mido

    env = {"BEATFORGE_KIT_PATH": os.environ["BEATFORGE_KIT_PATH"]}
    r = cli("render", song_path, "-o", tmp_path / "song.mid", env=env)
    assert r.returncode == 0, r.stderr
    mid = mido.MidiFile(tmp_path / "song.mid")
    assert [t.name for t in mid.tracks[1:]] == ["Kick", "Snare", "Hat Closed", "Hat Open", "Tom"]
    assert len([m for m in mid.tracks[0] if m.type == "set_tempo"]) == 2
    assert sum(1 for t in mid.tracks for m in t if m.type == "note_on" and m.velocity and m.channel == 9) == 15
    # the notes need no samples: the same file when the song's drumkit is not installed
    r = cli("render", song_path, "-o", tmp_path / "nokit.mid", env={"BEATFORGE_KIT_PATH": str(tmp_path / "none")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "nokit.mid").read_bytes() == (tmp_path / "song.mid").read_bytes()
    r = cli("render", song_path, "-o", tmp_path / "nowhere" / "song.mid", env=env)
    assert r.returncode == 1 and r.stderr.startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(not os.path.isdir("/usr/share/hydrogen"), reason="Hydrogen is not installed")
@pytest.mark.parametrize("path", DEMOS, ids=[Path(p).stem for p in DEMOS])
def test_demo_songs_export_to_midi_and_play_back_on_the_same_frames(path, tmp_path):
    from fractions import Fraction

    from beatforge.io.midi import MidiBeat

    song = H2Song.from_file(path)
    song.to_midi(tmp_path / "demo.mid", straight=True)
    back = MidiBeat.from_file(tmp_path / "demo.mid", kit=song.load_kit())
    bars = Fraction(song.column_starts()[-1], 192)
    direct = [(h.frame, h.track) for _, h in song.timed_hits(straight=True) if h.velocity > 0]
    assert direct and back.hits(bars=bars) == sorted(back.hits(bars=bars), key=lambda h: h.frame)
    assert sorted((h.frame, h.track) for h in back.hits(bars=bars)) == sorted(direct)
    assert back.frames(bars=bars) == song.frames()
