"""MIDI export and import: exact frames both ways, tempo maps, type 0/1 files, the CLI."""

from __future__ import annotations

import warnings
from fractions import Fraction

import mido
import numpy as np
import pytest
import soundfile as sf

from beatforge import Beat, load_source
from beatforge.io.midi import MidiBeat, MidiWarning, choose_ppq, midi_bytes, parse_midi
from tests.conftest import write_wav


def _beat(kit, bpm=92, swing=56):
    beat = Beat(bpm=bpm, swing=swing, kit=str(kit))
    beat.track("kick", "x..x..x...x..X..")
    beat.track("snare", "....x.......x..o", pan=0.25, gain_db=-2)
    beat.track("hat", "xxoxXxoxxxoxXxox x.x.x.x.xxxxXxxx")
    return beat


def _frames(hits):
    return [(h.frame, h.track, h.velocity) for h in hits]


@pytest.mark.parametrize("bpm", [92, 97.3, 140, 120])
def test_straight_round_trip_lands_every_hit_on_the_same_frame(tmp_path, impulse_kit, bpm):
    beat = _beat(impulse_kit, bpm=bpm)
    path = tmp_path / "beat.mid"
    beat.to_midi(path, straight=True)
    midi = load_source(path).replace(kit=str(impulse_kit))
    direct = beat.replace(swing=50)
    for sr in (44100, 48000):
        assert _frames(midi.hits(sample_rate=sr)) == _frames(direct.hits(sample_rate=sr))
        assert midi.frames(sample_rate=sr) == direct.frames(sample_rate=sr)
    a = direct.render(sample_rate=48000)
    b = midi.render(sample_rate=48000)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a, b)


def test_swung_export_is_exact_too(tmp_path, impulse_kit):
    beat = _beat(impulse_kit, bpm=92, swing=56)
    path = tmp_path / "swing.mid"
    beat.to_midi(path)
    mid = mido.MidiFile(path)
    assert mid.ticks_per_beat == 4800          # 56% of an 8th is 1344 ticks: exact
    midi = MidiBeat.from_file(path, kit=str(impulse_kit))
    assert _frames(midi.hits(sample_rate=44100)) == _frames(beat.hits(sample_rate=44100))
    kick = [m for m in mido.MidiFile(path).tracks[1] if m.type == "note_on"]
    ticks = np.cumsum([m.time for m in mido.MidiFile(path).tracks[1]])
    on_ticks = [int(t) for t, m in zip(ticks, mido.MidiFile(path).tracks[1]) if m.type == "note_on"]
    assert on_ticks[:2] == [0, 2400 + 1344]   # step 3 is an off-16th: 8th + 56% of an 8th
    assert len(kick) == 10


def test_file_layout_names_channel_tempo_and_velocities(tmp_path, impulse_kit):
    beat = _beat(impulse_kit)
    path = tmp_path / "b.mid"
    beat.to_midi(path, straight=True)
    mid = mido.MidiFile(path)
    assert mid.type == 1 and mid.ticks_per_beat == 960
    assert [t.name for t in mid.tracks] == ["beatforge", "kick", "snare", "hat"]
    tempo = [m for m in mid.tracks[0] if m.type == "set_tempo"]
    assert [m.tempo for m in tempo] == [652174]
    notes = [m for t in mid.tracks[1:] for m in t if m.type == "note_on"]
    assert {m.channel for m in notes} == {9}
    assert {m.note for m in mid.tracks[1] if m.type == "note_on"} == {36}
    assert {m.note for m in mid.tracks[2] if m.type == "note_on"} == {38}
    assert sorted({m.velocity for m in mid.tracks[3] if m.type == "note_on"}) == [50, 100, 127]
    # every track ends at the end of the two bars
    assert all(sum(m.time for m in t) == 2 * 4 * 960 for t in mid.tracks)


def test_bytes_are_deterministic(impulse_kit):
    assert midi_bytes(_beat(impulse_kit)) == midi_bytes(_beat(impulse_kit))


def test_choose_ppq():
    assert choose_ppq([Fraction(1, 4), Fraction(1, 2)]) == (960, True)
    assert choose_ppq([Fraction(7, 25)]) == (4800, True)
    assert choose_ppq([Fraction(1, 7)]) == (6720, True)
    assert choose_ppq([Fraction(1, 1000003)]) == (4800, False)


def test_pads_without_a_general_midi_note_round_trip(tmp_path):
    kit = tmp_path / "odd"
    imp = np.zeros(32, np.float32)
    imp[0] = 1
    write_wav(kit / "zap.wav", imp)
    write_wav(kit / "kick.wav", imp)
    beat = Beat(bpm=120, kit=str(kit))
    beat.track("zap", "x.x.")
    beat.track("kick", "x...")
    path = tmp_path / "odd.mid"
    beat.to_midi(path)
    song = parse_midi(path)
    assert song.pad_map == {60: "zap"}
    midi = MidiBeat(song, kit=str(kit))
    assert [(h.frame, h.pad) for h in midi.hits(bars=1, sample_rate=48000)][:3] == [(0, "zap"), (0, 36),
                                                                                     (12000, "zap")]


def _tempo_file(path, typ):
    """Two quarter notes at 120 bpm, then 240 bpm; a snare track and a hat track."""
    mid = mido.MidiFile(type=typ, ticks_per_beat=480)
    conductor = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000, time=0),
                                mido.MetaMessage("set_tempo", tempo=250000, time=960)])
    kick = mido.MidiTrack([mido.MetaMessage("track_name", name="Kick", time=0)])
    hat = mido.MidiTrack([mido.MetaMessage("track_name", name="Hat", time=0)])
    for track, note, ticks in ((kick, 36, [0, 960, 1920]), (hat, 42, [0, 480, 960, 1440, 1920, 2400])):
        now = 0
        for t in ticks:
            track.append(mido.Message("note_on", channel=9, note=note, velocity=90, time=t - now))
            track.append(mido.Message("note_off", channel=9, note=note, velocity=0, time=60))
            now = t + 60
    if typ == 1:
        mid.tracks += [conductor, kick, hat]
    else:
        mid.tracks.append(mido.merge_tracks([conductor, kick, hat]))
    mid.save(path)
    return path


@pytest.mark.parametrize("typ", [0, 1])
def test_tempo_changes_convert_exactly(tmp_path, impulse_kit, typ):
    path = _tempo_file(tmp_path / f"t{typ}.mid", typ)
    midi = MidiBeat.from_file(path, kit=str(impulse_kit))
    hits = midi.hits(sample_rate=48000)
    # 0.5 s per quarter for two quarters, then 0.25 s per quarter
    expect_kick = [0, 48000, 72000]
    expect_hat = [0, 24000, 48000, 60000, 72000, 84000]
    assert [h.frame for h in hits if h.pad == 36] == expect_kick
    assert [h.frame for h in hits if h.pad == 42] == expect_hat
    assert {h.velocity for h in hits} == {90.0}
    if typ == 1:
        assert midi.stem_names() == ["Kick", "Hat"]
    else:
        assert midi.stem_names() == ["drums"]
    # the default length is whole bars: bar 1 = 2 quarters at 0.5 s + 2 at 0.25 s
    assert midi.length_bars() == 2
    assert midi.frames(sample_rate=48000) == 72000 + 4 * 12000
    audio = midi.render(sample_rate=48000)
    assert audio.shape == (120000, 2)
    onsets = np.flatnonzero(np.abs(audio[:, 0]) > 1e-6)
    assert sorted(set(onsets)) == sorted(set(expect_kick + expect_hat))


def test_awkward_tempo_event_is_used_exactly(tmp_path, impulse_kit):
    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    mid.tracks.append(mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=652174, time=0),
        mido.Message("note_on", channel=9, note=38, velocity=100, time=96 * 4 * 37),
        mido.Message("note_off", channel=9, note=38, velocity=0, time=10)]))
    mid.save(tmp_path / "a.mid")
    hit = MidiBeat.from_file(tmp_path / "a.mid", kit=str(impulse_kit)).hits(sample_rate=44100)[0]
    seconds = Fraction(4 * 37 * 652174, 1_000_000)
    assert hit.frame == int(seconds * 44100 + Fraction(1, 2))


def test_bpm_and_swing_overrides(tmp_path, impulse_kit):
    path = _tempo_file(tmp_path / "t.mid", 1)
    midi = MidiBeat.from_file(path, kit=str(impulse_kit)).replace(bpm=60)
    assert [h.frame for h in midi.hits(sample_rate=48000) if h.pad == 36] == [0, 96000, 144000]
    sw = MidiBeat.from_file(path, kit=str(impulse_kit)).replace(swing=75)
    # hat at every 8th: nothing moves; a 16th would.
    assert [h.frame for h in sw.hits(sample_rate=48000) if h.pad == 42] == [0, 24000, 48000, 60000, 72000, 84000]


def test_notes_the_kit_lacks_are_skipped_with_a_warning(tmp_path, impulse_kit):
    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    mid.tracks.append(mido.MidiTrack([
        mido.Message("note_on", channel=9, note=81, velocity=100, time=0),
        mido.Message("note_on", channel=9, note=36, velocity=100, time=0)]))
    mid.save(tmp_path / "w.mid")
    midi = MidiBeat.from_file(tmp_path / "w.mid", kit=str(impulse_kit))
    with pytest.warns(MidiWarning, match="81"):
        hits = midi.hits(sample_rate=48000)
    assert [h.pad for h in hits] == [36]


def test_from_midi_gives_editable_grid_tracks(tmp_path, impulse_kit):
    mid = mido.MidiFile(type=0, ticks_per_beat=480)
    events = [(0, 36, 100), (5, 42, 60), (238, 42, 80), (481, 38, 127), (1920 - 3, 36, 40)]
    now, track = 0, mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=600000, time=0)])
    for t, n, v in events:
        track.append(mido.Message("note_on", channel=9, note=n, velocity=v, time=t - now))
        now = t
    mid.tracks.append(track)
    mid.save(tmp_path / "q.mid")
    beat = Beat.from_midi(tmp_path / "q.mid", quantize=16, kit=str(impulse_kit))
    assert beat.bpm == 100 and beat.length_bars() == 2
    got = {(h.frame, h.pad, h.velocity) for h in beat.hits(sample_rate=48000)}
    step = 48000 * 60 // 100 // 4       # 7200 frames per 16th at 100 bpm
    assert got == {(0, 36, 100.0), (0, 42, 60.0), (2 * step, 42, 80.0), (4 * step, 38, 127.0),
                   (16 * step, 36, 40.0)}
    assert sorted(t.pad for t in beat.tracks) == [36, 38, 42]


def test_cli_exports_midi_and_renders_it(tmp_path, impulse_kit, cli):
    src = tmp_path / "beat.py"
    src.write_text("from beatforge import Beat\n"
                   "beat = Beat(bpm=97, swing=50)\n"
                   "beat.track('kick', 'x...x...x...x...')\n"
                   "beat.track('snare', '....x.......x..o')\n")
    r = cli("render", src, "-o", tmp_path / "b.mid", "--kit", impulse_kit)
    assert r.returncode == 0, r.stderr
    r = cli("render", tmp_path / "b.mid", "--kit", impulse_kit, "-o", tmp_path / "m.wav", "--bit-depth", "32")
    assert r.returncode == 0, r.stderr
    r = cli("render", src, "--kit", impulse_kit, "-o", tmp_path / "d.wav", "--bit-depth", "32")
    assert r.returncode == 0, r.stderr
    a, _ = sf.read(tmp_path / "m.wav", dtype="float32")
    b, _ = sf.read(tmp_path / "d.wav", dtype="float32")
    np.testing.assert_array_equal(a, b)


def test_unreadable_midi_is_one_clear_error(tmp_path, cli):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi at all")
    r = cli("render", bad, "-o", tmp_path / "x.wav")
    assert r.returncode == 1
    assert r.stderr.startswith("error:") and "bad.mid" in r.stderr and "Traceback" not in r.stderr


def test_song_with_tempo_changes_and_a_melodic_808_round_trips(tmp_path):
    from beatforge import Song, note

    a = Beat(bpm=90, kit="factory")
    a.track("kick", "x...x...x...x...")
    a.track("bass", note("c2 ~ eb2 g1"), pad="808")
    b = Beat(bpm=128, kit="factory")
    b.track("kick", "x.x.x.x.x.x.x.x.")
    b.track("hat", "x" * 16)
    song = Song(name="two tempos")
    song.section("slow", a, bars=2)
    song.section("fast", b, bars=1)
    song.arrange("slow fast slow")
    path = tmp_path / "song.mid"
    song.to_midi(path)
    mid = mido.MidiFile(path)
    tempos = [m.tempo for m in mid.tracks[0] if m.type == "set_tempo"]
    assert tempos == [666667, 468750, 666667]
    bass = [t for t in mid.tracks if t.name == "bass"][0]
    assert {m.channel for m in bass if m.type == "note_on"} == {0}
    midi = load_source(path)
    direct = song.hits(sample_rate=44100)
    back = midi.hits(sample_rate=44100)
    assert [(h.frame, h.track, h.velocity, h.pitch) for h in back] == \
        [(h.frame, h.track, h.velocity, h.pitch) for h in direct]
    assert midi.frames(sample_rate=44100) == song.frames(sample_rate=44100)
    np.testing.assert_array_equal(midi.render(), song.render())


def test_type_2_tracks_play_one_after_another(tmp_path, impulse_kit):
    mid = mido.MidiFile(type=2, ticks_per_beat=100)
    for note in (36, 38):
        mid.tracks.append(mido.MidiTrack([
            mido.MetaMessage("set_tempo", tempo=500000, time=0),
            mido.Message("note_on", channel=9, note=note, velocity=100, time=0),
            mido.Message("note_off", channel=9, note=note, velocity=0, time=400)]))
    mid.save(tmp_path / "t2.mid")
    hits = MidiBeat.from_file(tmp_path / "t2.mid", kit=str(impulse_kit)).hits(sample_rate=48000)
    assert [(h.frame, h.pad) for h in hits] == [(0, 36), (96000, 38)]



def test_humanize_and_nudge_are_baked_in_to_the_nearest_tick(tmp_path, impulse_kit):
    from beatforge.sequence import timed_hits

    beat = Beat(bpm=120, kit=str(impulse_kit), humanize_ms=8, seed=3)
    beat.track("hat", "x" * 16)
    path = tmp_path / "h.mid"
    beat.to_midi(path)
    data = path.read_bytes()
    beat.to_midi(tmp_path / "h2.mid")
    assert (tmp_path / "h2.mid").read_bytes() == data          # seeded: the same file every time
    song = parse_midi(path)
    assert song.ppq == 4800                                     # random offsets: the fallback resolution
    exact = [seconds for seconds, _ in timed_hits(beat, 1, 44100)]
    ticks = [n.tick for n in song.notes]
    spt = Fraction(60, 120 * 4800)
    assert len(ticks) == 16 and ticks != [i * 1200 for i in range(16)]
    assert all(abs(t * spt - s) <= spt / 2 for t, s in zip(ticks, exact))


def test_running_status_sysex_and_other_messages_are_read(tmp_path, impulse_kit):
    def vlq(n):
        out = [n & 0x7F]
        n >>= 7
        while n:
            out.append(0x80 | (n & 0x7F))
            n >>= 7
        return bytes(reversed(out))

    body = b"".join([
        vlq(0), b"\xF0", vlq(3), b"\x7E\x7F\xF7",                  # sysex
        vlq(0), b"\xC9\x05",                                       # program change
        vlq(0), b"\x99\x24\x64",                                   # note on 36
        vlq(0), b"\x2A\x50",                                       # running status: note on 42
        vlq(96), b"\x24\x00",                                      # running status: note 36 off (vel 0)
        vlq(0), b"\xE9\x00\x40",                                   # pitch wheel
        vlq(0), b"\x99\x26\x7F",                                   # note on 38
        vlq(0), b"\xFF\x2F\x00",
    ])
    data = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big") + \
        (96).to_bytes(2, "big") + b"MTrk" + len(body).to_bytes(4, "big") + body
    (tmp_path / "rs.mid").write_bytes(data)
    midi = MidiBeat.from_file(tmp_path / "rs.mid", kit=str(impulse_kit))
    notes = [(n.tick, n.note, n.velocity, n.length) for n in midi.song.notes]
    assert notes == [(0, 36, 100, 96), (0, 42, 80, None), (96, 38, 127, None)]
    assert [h.frame for h in midi.hits(sample_rate=48000)] == [0, 0, 24000]


def test_from_midi_keeps_pitched_tracks_mix_and_loop_length(tmp_path):
    # beatforge's own export: an 808 line on its own channel (note = root + pitch), track pan
    # and gain, and a 32nd-note roll whose last note rounds up onto the end of the 2-bar loop
    from beatforge.pattern.grid import grid

    src = Beat(bpm=140, kit="factory")
    src.track("kick", "x...x...x...x... | x...x...x...x...", gain_db=-3)
    src.track("hat", grid("x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x. | x.x.x.x.x.x.x.x.x.x.x.x.x.x.xxxx").fast(2),
              pan=0.3)
    src.track("bass", "x.......x....... | ........x.......", pad="808", pitch=12)
    path = tmp_path / "loop.mid"
    src.to_midi(path)
    beat = Beat.from_midi(path, quantize=16)
    assert beat.length_bars() == 2
    bass = [t for t in beat.tracks if t.pad == "808"]
    assert len(bass) == 1 and bass[0].pitch == 12
    back = beat.hits(sample_rate=44100)
    direct = src.hits(sample_rate=44100)
    assert {(h.pad, h.pitch, h.pan, h.gain_db) for h in back} == \
        {(h.pad if h.pad == "808" else {"kick": 36, "hat": 42}[h.pad], h.pitch, h.pan, h.gain_db) for h in direct}
    assert [h.frame for h in back if h.pad == "808"] == [h.frame for h in direct if h.pad == "808"]


def test_cli_output_format_errors_mention_midi_and_stems_do_not_vanish(tmp_path, cli):
    src = tmp_path / "beat.py"
    src.write_text("from beatforge import Beat\nbeat = Beat()\nbeat.track('kick', 'x...')\n")
    r = cli("render", src, "-o", tmp_path / "b.xyz")
    assert r.returncode == 1 and "or .mid for MIDI" in r.stderr and "Traceback" not in r.stderr
    # --stems with MIDI output used to be ignored without a word
    r = cli("render", src, "-o", tmp_path / "b.mid", "--stems", tmp_path / "stems")
    assert r.returncode == 1 and "--stems writes audio files" in r.stderr
    assert not (tmp_path / "b.mid").exists() and not (tmp_path / "stems").exists()


@pytest.mark.parametrize("micros, bpm", [(428571, 140), (500000, 120), (631579, 95), (500001, 119.9998),
                                         (468750, 128)])
def test_from_midi_reads_the_round_tempo_a_set_tempo_event_was_written_from(tmp_path, micros, bpm):
    mid = mido.MidiFile(type=0, ticks_per_beat=480)
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=micros, time=0),
                                      mido.Message("note_on", channel=9, note=36, velocity=100, time=0),
                                      mido.Message("note_off", channel=9, note=36, velocity=0, time=1920)]))
    mid.save(tmp_path / "t.mid")
    beat = Beat.from_midi(tmp_path / "t.mid")
    assert beat.bpm == bpm
    assert mido.bpm2tempo(beat.bpm) == micros


# ------------------------------------------------------------------------------------------
# a MIDI file exported again (MidiBeat.to_midi)


def _on_ticks(track):
    now, out = 0, []
    for m in track:
        now += m.time
        if m.type == "note_on" and m.velocity > 0:
            out.append(now)
    return out


def test_midi_file_exports_again_with_the_bpm_override_and_lands_on_the_same_frames(tmp_path, impulse_kit):
    src = MidiBeat.from_file(_tempo_file(tmp_path / "t.mid", 1), kit=str(impulse_kit)).replace(bpm=90)
    out = tmp_path / "again.mid"
    assert src.to_midi(out) == out
    mid = mido.MidiFile(out)
    assert mid.type == 1 and [t.name for t in mid.tracks] == ["t", "Kick", "Hat"]      # named after the file
    # 120 then 240 bpm in the file, scaled to start at 90: 90 then 180
    assert [m.tempo for m in mid.tracks[0] if m.type == "set_tempo"] == [666667, 333333]
    assert {m.channel for t in mid.tracks[1:] for m in t if m.type == "note_on"} == {9}
    assert [len(_on_ticks(t)) for t in mid.tracks[1:]] == [3, 6]
    back = MidiBeat.from_file(out, kit=str(impulse_kit))
    for sr in (44100, 48000):
        assert _frames(back.hits(sample_rate=sr)) == _frames(src.hits(sample_rate=sr))
        assert back.frames(sample_rate=sr) == src.frames(sample_rate=sr)
    np.testing.assert_array_equal(back.render(sample_rate=48000), src.render(sample_rate=48000))


def test_beatforge_midi_exported_again_is_the_same_file(tmp_path, impulse_kit):
    beat = _beat(impulse_kit, bpm=97.3)
    first = tmp_path / "first.mid"
    beat.to_midi(first, straight=True)
    again = MidiBeat.from_file(first, kit=str(impulse_kit))
    assert midi_bytes(again) == first.read_bytes()       # names, pan/gain text, notes, lengths, tempo


def test_midi_file_export_bakes_in_swing_unless_straight(tmp_path, impulse_kit):
    straight_file = tmp_path / "s.mid"
    _beat(impulse_kit, bpm=92).to_midi(straight_file, straight=True)
    swung = MidiBeat.from_file(straight_file, kit=str(impulse_kit)).replace(swing=56)
    swung.to_midi(tmp_path / "swung.mid")
    mid = mido.MidiFile(tmp_path / "swung.mid")
    assert mid.ticks_per_beat == 4800
    assert _on_ticks(mid.tracks[1])[:2] == [0, 2400 + 1344]
    back = MidiBeat.from_file(tmp_path / "swung.mid", kit=str(impulse_kit))
    assert _frames(back.hits(sample_rate=44100)) == _frames(swung.hits(sample_rate=44100))
    assert _frames(back.hits(sample_rate=44100)) == _frames(_beat(impulse_kit, bpm=92).hits(sample_rate=44100))
    swung.to_midi(tmp_path / "plain.mid", straight=True)
    assert (tmp_path / "plain.mid").read_bytes() == straight_file.read_bytes()


def test_midi_file_export_keeps_bars_and_time_signature(tmp_path, impulse_kit):
    mid = mido.MidiFile(type=1, ticks_per_beat=96)
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("time_signature", numerator=3, denominator=4, time=0),
                                      mido.MetaMessage("set_tempo", tempo=600000, time=0)]))
    notes = mido.MidiTrack([mido.MetaMessage("track_name", name="Waltz", time=0)])
    for i in range(9):
        notes.append(mido.Message("note_on", channel=9, note=36 if i % 3 == 0 else 42, velocity=80, time=0 if i == 0
                                  else 86))
        notes.append(mido.Message("note_off", channel=9, note=36 if i % 3 == 0 else 42, velocity=0, time=10))
    mid.tracks.append(notes)
    mid.save(tmp_path / "w.mid")
    src = MidiBeat.from_file(tmp_path / "w.mid", kit=str(impulse_kit))
    assert src.length_bars() == 3
    src.to_midi(tmp_path / "two.mid", bars=2)
    out = mido.MidiFile(tmp_path / "two.mid")
    sig = [m for m in out.tracks[0] if m.type == "time_signature"]
    assert [(m.numerator, m.denominator) for m in sig] == [(3, 4)]
    assert all(sum(m.time for m in t) == 2 * 3 * out.ticks_per_beat for t in out.tracks)
    back = MidiBeat.from_file(tmp_path / "two.mid", kit=str(impulse_kit))
    assert back.length_bars() == 2
    assert _frames(back.hits(sample_rate=48000)) == _frames(src.hits(bars=2, sample_rate=48000))


def test_cli_exports_a_midi_file_again(tmp_path, impulse_kit, cli):
    path = _tempo_file(tmp_path / "in.mid", 0)
    r = cli("render", path, "-o", tmp_path / "out.mid", "--kit", impulse_kit, "--bpm", 60)
    assert r.returncode == 0, r.stderr
    mid = mido.MidiFile(tmp_path / "out.mid")
    assert mid.type == 1 and [t.name for t in mid.tracks[1:]] == ["drums"]      # a type 0 file: one stem
    assert [m.tempo for m in mid.tracks[0] if m.type == "set_tempo"] == [1000000, 500000]
    assert {m.channel for m in mid.tracks[1] if m.type == "note_on"} == {9}
    assert len(_on_ticks(mid.tracks[1])) == 9
    r = cli("render", path, "-o", tmp_path / "missing" / "out.mid", "--kit", impulse_kit)
    assert r.returncode == 1 and r.stderr.startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and not (tmp_path / "missing").exists()


# ------------------------------------------------------------------------------------------
# MIDI in -> MIDI out: every note of the file, whatever the kit has pads for

# (tick, channel, note, velocity, length) at 480 ticks per quarter: drums with notes the factory kit
# has no pad for (81 open triangle, 80 mute triangle), a piano part on channel 1 and a bass on channel 2
# (note 60 on both piano and bass channels at once: each note-off ends its own channel's note)
_PARTS = {
    "Drums": [(0, 9, 36, 110, 60), (0, 9, 81, 37, 240), (240, 9, 80, 64, 30), (480, 9, 38, 127, 60),
              (960, 9, 36, 90, 60), (1200, 9, 81, 5, 480), (1440, 9, 38, 100, 60), (1800, 9, 42, 1, 60)],
    "Keys": [(0, 0, 60, 80, 960), (0, 0, 64, 72, 960), (0, 0, 67, 66, 900), (0, 1, 60, 99, 300),
             (960, 0, 62, 81, 240), (960, 1, 60, 50, 720), (1200, 0, 65, 82, 700), (1920, 0, 59, 12, 1)],
}
_TEMPOS = [(0, 500000), (1440, 400000)]


def _notes_file(path, typ, parts=_PARTS, ppq=480):
    """A type 0 or 1 file of *parts*: a conductor with the tempo map, one track per part."""
    mid = mido.MidiFile(type=typ, ticks_per_beat=ppq)
    conductor = [(t, mido.MetaMessage("set_tempo", tempo=us)) for t, us in _TEMPOS]
    conductor.append((0, mido.MetaMessage("time_signature", numerator=4, denominator=4)))
    tracks = [conductor]
    for name, notes in parts.items():
        events = [(0, mido.MetaMessage("track_name", name=name))]
        for tick, channel, note, velocity, length in notes:
            events.append((tick, mido.Message("note_on", channel=channel, note=note, velocity=velocity)))
            events.append((tick + length, mido.Message("note_off", channel=channel, note=note, velocity=64)))
        tracks.append(events)
    merged = []
    for events in tracks:
        now, track = 0, mido.MidiTrack()
        for tick, msg in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):   # offs first
            track.append(msg.copy(time=tick - now))
            now = tick
        merged.append(track)
    mid.tracks += merged if typ == 1 else [mido.merge_tracks(merged)]
    mid.save(path)
    return path


def _timed_notes(path):
    """Every note of a MIDI file as ``(on seconds, off seconds, channel, note, velocity)``, exact
    (Fractions through the file's tempo map), sorted; and the note count per track."""
    mid = mido.MidiFile(path)
    tempos, per_track = [], []
    for track in mid.tracks:
        now, notes, sounding = 0, [], {}
        for msg in track:
            now += msg.time
            if msg.type == "set_tempo":
                tempos.append((now, msg.tempo))
            elif msg.type == "note_on" and msg.velocity:
                sounding.setdefault((msg.channel, msg.note), []).append(len(notes))
                notes.append([now, None, msg.channel, msg.note, msg.velocity])
            elif msg.type in ("note_on", "note_off"):
                notes[sounding[(msg.channel, msg.note)].pop(0)][1] = now
        per_track.append(notes)
    tempos.sort()

    def seconds(tick):
        total, last, us = Fraction(0), 0, 500000
        for t, tempo in tempos:
            if t >= tick:
                break
            total += Fraction((t - last) * us, mid.ticks_per_beat * 10**6)
            last, us = t, tempo
        return total + Fraction((tick - last) * us, mid.ticks_per_beat * 10**6)

    out = sorted((seconds(on), seconds(off), channel, note, velocity)
                 for notes in per_track for on, off, channel, note, velocity in notes)
    return out, [len(notes) for notes in per_track if notes]


@pytest.mark.parametrize("typ", [0, 1])
def test_cli_midi_to_midi_keeps_every_note_the_kit_cannot_play(tmp_path, cli, typ):
    src = _notes_file(tmp_path / "in.mid", typ)
    want, _ = _timed_notes(src)
    assert len(want) == 16
    r = cli("render", src, "-o", tmp_path / "out.mid")           # the factory kit: no pad for 80, 81, 59..67
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr                              # nothing is left out
    out = tmp_path / "out.mid"
    got, counts = _timed_notes(out)
    assert got == want                                            # times, lengths, channels, notes, velocities
    mid = mido.MidiFile(out)
    assert mid.type == 1 and mid.ticks_per_beat != 480           # the exporter chose its own resolution
    if typ == 1:
        assert [t.name for t in mid.tracks] == ["in", "Drums", "Keys"] and counts == [8, 8]
        assert {m.channel for m in mid.tracks[1] if m.type == "note_on"} == {9}
        assert {m.channel for m in mid.tracks[2] if m.type == "note_on"} == {0, 1}
    else:                                                         # a type 0 file: one track per channel
        assert [t.name for t in mid.tracks[1:]] == ["channel 1", "channel 2", "drums"] and counts == [6, 2, 8]
    # the bpm override scales the tempo map: twice the time at half the tempo
    r = cli("render", src, "-o", tmp_path / "slow.mid", "--bpm", 60, "--straight")
    assert r.returncode == 0, r.stderr
    slow, _ = _timed_notes(tmp_path / "slow.mid")
    assert slow == [(2 * on, 2 * off, c, n, v) for on, off, c, n, v in want]
    # audio still plays only what the kit has, and says what it leaves out
    r = cli("render", src, "-o", tmp_path / "out.wav")
    assert r.returncode == 0, r.stderr
    assert "warning:" in r.stderr and "81 (2x)" in r.stderr and "80 (1x)" in r.stderr


def test_midi_to_midi_keeps_notes_beyond_the_kit_with_swing_and_bars(tmp_path, impulse_kit):
    src = MidiBeat.from_file(_notes_file(tmp_path / "in.mid", 1), kit=str(impulse_kit))
    with warnings.catch_warnings():
        warnings.simplefilter("error")                            # no "no pad for" warning: no kit involved
        src.replace(swing=60).to_midi(tmp_path / "swung.mid")
        src.to_midi(tmp_path / "one.mid", bars=1, straight=True)
    swung = parse_midi(tmp_path / "swung.mid")
    # the one off-16th (tick 1800 at 480 ppq) lands at 60% of its 8th; the rest are on 8ths
    assert sorted((n.tick * Fraction(480, swung.ppq), n.channel, n.note, n.velocity) for n in swung.notes) == \
        sorted((1824 if t == 1800 else t, c, n, v) for notes in _PARTS.values() for t, c, n, v, _ in notes)
    one = parse_midi(tmp_path / "one.mid")
    assert sorted((n.tick * Fraction(480, one.ppq), n.channel, n.note) for n in one.notes) == \
        sorted((t, c, n) for notes in _PARTS.values() for t, c, n, _, _ in notes if t < 1920)


def test_midi_to_midi_keeps_every_velocity_exactly(tmp_path):
    notes = [(i * 120, 9, 81 if i % 2 else 36, v, 60) for i, v in enumerate(range(1, 128))]
    path = _notes_file(tmp_path / "v.mid", 1, parts={"Triangle": notes})
    MidiBeat.from_file(path).to_midi(tmp_path / "back.mid")
    back = [m for m in mido.MidiFile(tmp_path / "back.mid").tracks[1] if m.type == "note_on"]
    assert [m.velocity for m in back] == list(range(1, 128))
    assert [m.note for m in back] == [81 if i % 2 else 36 for i in range(127)]
    assert [n.velocity for n in parse_midi(tmp_path / "back.mid").notes] == list(range(1, 128))


def _type0(path, events):
    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    mid.tracks.append(mido.MidiTrack(events + [mido.Message("note_on", channel=9, note=36, velocity=100, time=0),
                                               mido.Message("note_off", channel=9, note=36, velocity=0, time=96)]))
    mid.save(path)
    return path


@pytest.mark.parametrize("events, name", [
    ([mido.MetaMessage("track_name", name="Groove 7", time=0),
      mido.Message("program_change", channel=9, program=0, time=0),
      mido.MetaMessage("track_name", name="Kick", time=0)], "Groove 7"),       # the sequence name
    ([mido.MetaMessage("set_tempo", tempo=500000, time=0),
      mido.MetaMessage("track_name", name="Groove 7", time=0)], "Groove 7"),   # after meta events is fine
    ([mido.Message("program_change", channel=9, program=0, time=0),
      mido.MetaMessage("track_name", name="Kick", time=0)], None),             # an instrument's name
    ([mido.Message("control_change", channel=0, control=7, value=100, time=0),
      mido.MetaMessage("track_name", name="Kick", time=0)], None),
    ([mido.Message("note_on", channel=9, note=42, velocity=90, time=0),
      mido.MetaMessage("track_name", name="Kick", time=0)], None),
    ([mido.MetaMessage("track_name", name="Kick", time=48)], None),            # not at the start
])
def test_type_0_file_is_named_only_by_its_sequence_name(tmp_path, events, name):
    path = _type0(tmp_path / "groove.mid", events)
    assert parse_midi(path).name == name
    midi = MidiBeat.from_file(path)
    assert midi.name == (name or "groove")
    midi.to_midi(tmp_path / "out.mid")
    assert mido.MidiFile(tmp_path / "out.mid").tracks[0].name == (name or "groove")
    assert Beat.from_midi(path).name == (name or "groove")


def test_type_1_notes_pair_with_the_note_off_of_their_own_channel(tmp_path):
    path = _notes_file(tmp_path / "k.mid", 1, parts={"Keys": _PARTS["Keys"]})
    got = sorted((n.tick, n.channel, n.note, n.length) for n in parse_midi(path).notes)
    assert got == sorted((t, c, n, length) for t, c, n, _, length in _PARTS["Keys"])
