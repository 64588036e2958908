"""Pad maps, the event ring, MIDI input selection, and saving a jam."""
from __future__ import annotations

from fractions import Fraction

import mido
import numpy as np
import pytest

from beatforge import Beat, load_kit, load_source
from beatforge.errors import BeatforgeError
from beatforge.live.jam import Jam
from beatforge.live.maps import load_map, resolve_notes
from beatforge.live.midi_in import is_hardware, select_inputs
from beatforge.live.ring import EventRing
from beatforge.live.sound import preload_kit


# -- maps ----------------------------------------------------------------------------------
def test_shipped_maps():
    gm = load_map("gm")
    assert gm.notes[36] == "kick" and gm.notes[42] == "hat" and gm.notes[46] == "openhat"
    mpc = load_map("mpc")
    assert sorted(mpc.notes) == list(range(36, 52))


def test_maps_resolve_against_the_kit():
    kit = load_kit("factory")
    notes, warnings = resolve_notes(kit, load_map("mpc"))
    assert notes[36].name == "kick" and notes[37].name == "snare" and notes[41].name == "openhat"
    assert notes[42].name == "hat"           # pedal hat falls back to the closed hat
    assert notes[48].name == "808"
    assert any("tambourine" in w for w in warnings) and 50 not in notes
    default, none = resolve_notes(kit)
    assert default[38].name == "snare" and default[34].name == "808" and none == []


def test_custom_map_file(tmp_path):
    path = tmp_path / "pads.toml"
    path.write_text('name = "mine"\n[notes]\n60 = "snare"\n61 = "bd"\n')
    m = load_map(path)
    assert m.name == "mine" and m.notes == {60: "snare", 61: "bd"}
    notes, _ = resolve_notes(load_kit("factory"), m)
    assert {k: v.name for k, v in notes.items()} == {60: "snare", 61: "kick"}


@pytest.mark.parametrize("text, message", [
    ("[notes]\n200 = 'kick'\n", "outside 0..127"),
    ("[notes]\nabc = 'kick'\n", "not a MIDI note"),
    ("name = 'x'\n", "[notes]"),
    ("[notes\n", "not valid TOML"),
])
def test_bad_maps(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(BeatforgeError, match=message.replace("[", r"\[")):
        load_map(path)


def test_missing_map():
    with pytest.raises(BeatforgeError, match="not found"):
        load_map("no-such-map.toml")


# -- ring ----------------------------------------------------------------------------------
def test_ring_is_fifo_and_drops_when_full():
    ring = EventRing(4)
    for i in range(6):
        ring.push(float(i), 1, i, 0)
    assert ring.dropped == 2 and len(ring) == 4
    assert [r[0] for r in ring.drain()] == [0.0, 1.0, 2.0, 3.0]
    ring.push(9.0, 2, 1, 1)
    start, stop = ring.pending()
    assert stop - start == 1 and ring.rows[start & ring.mask][0] == 9.0
    ring.release(stop)
    assert len(ring) == 0
    with pytest.raises(ValueError):
        EventRing(3)


# -- MIDI input selection ------------------------------------------------------------------
ALSA = ["Midi Through:Midi Through Port-0 14:0", "MPD218:MPD218 MIDI 1 24:0",
        "Launchpad Mini:Launchpad Mini MIDI 1 28:0", "beatforge:beatforge 128:0", "VMPK Output:out 130:0"]
JACK = ["system:midi_capture_1", "a2j:MPD218 [24] (capture): MPD218 MIDI 1", "probe:out",
        "beatforge-midi:beatforge"]


def test_default_inputs_are_the_hardware_ones():
    assert select_inputs(ALSA, None, "alsa") == (ALSA[1:3], [])
    assert select_inputs(JACK, None, "jack") == (JACK[:2], [])
    assert is_hardware("MPD218:MPD218 MIDI 1 24:0", "alsa")
    assert not is_hardware("VMPK Output:out 130:0", "alsa")


def test_midi_in_matches_substrings_case_insensitively():
    assert select_inputs(ALSA, ["mpd"], "alsa") == ([ALSA[1]], [])
    assert select_inputs(ALSA, ["vmpk", "nothing"], "alsa") == ([ALSA[4]], ["nothing"])
    # never our own virtual port
    assert select_inputs(JACK, ["beatforge", "probe"], "jack") == ([JACK[2]], ["beatforge"])


# -- saving --------------------------------------------------------------------------------
@pytest.fixture
def jam(impulse_kit):
    kit = preload_kit(load_kit(impulse_kit))
    beat = Beat(bpm=100, swing=58, kit=str(impulse_kit))
    beat.track("hat", "x.x.X.x.o.x.x.x.")
    beat.track("kick", "x.......x.......")
    notes, _ = resolve_notes(kit)
    jam = Jam([("A", beat)], kit, notes, 48000, 64)
    from beatforge.live.jam import RecordedHit
    from beatforge.sequence import swing_time

    # two overdubs: one on the grid (swung, as quantize leaves it), one off it
    jam.recorded[0] += [RecordedHit(swing_time(Fraction(5, 16), 58), "snare", "snare", 100.0),
                        RecordedHit(Fraction(13, 16) + Fraction(1, 100), "snare", "snare", 87.0)]
    return jam


def test_save_pattern_loads_back_to_the_same_loop(jam, tmp_path):
    path = tmp_path / "saved.py"
    jam.save_pattern(path)
    text = path.read_text()
    assert "beat.track('hat', 'x.x. X.x. o.x. x.x.')" in text
    beat = load_source(path)
    assert beat.bpm == 100 and beat.swing == 58 and beat.length_bars() == 1
    saved = sorted((h.frame, h.track, h.velocity) for h in beat.hits(1, 48000))
    loop = jam._build(0)
    live = sorted((f, h.track, h.velocity) for f, h in zip(loop.frame_list, loop.hits))
    assert saved == live


def test_save_midi_writes_the_loop(jam, tmp_path):
    path = tmp_path / "loop.mid"
    jam.save_midi(path)
    mid = mido.MidiFile(path)
    assert mid.type == 1 and mid.ticks_per_beat == 480
    tempo = [m.tempo for m in mid.tracks[0] if m.type == "set_tempo"]
    assert tempo == [mido.bpm2tempo(100)]
    tick, notes = 0, []
    for msg in mid.tracks[1]:
        tick += msg.time
        if msg.type == "note_on":
            notes.append((tick, msg.note))
    loop = jam._build(0)
    assert len(notes) == loop.count
    assert (0, 36) in notes and (0, 42) in notes and any(n == 38 for _, n in notes)


@pytest.mark.parametrize("name", ["house", "boom_bap", "trap", "techno"])
def test_saved_shipped_patterns_play_the_same_hits(name, tmp_path):
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "patterns" / f"{name}.py"
    beat = load_source(source)
    kit = preload_kit(load_kit(beat.kit))
    notes, _ = resolve_notes(kit)
    jam = Jam([(name, beat)], kit, notes, 48000, 256)
    path = tmp_path / "saved.py"
    jam.save_pattern(path)
    saved = load_source(path)
    bars = beat.length_bars()
    key = lambda h: (h.frame, h.track, str(h.pad), h.velocity, h.pitch, h.pan, h.gain_db)
    assert sorted(map(key, saved.hits(bars, 48000))) == sorted(map(key, beat.hits(bars, 48000)))


def test_stamper_recovers_arrival_times_from_rtmidi_deltas():
    from beatforge.live.midi_in import Stamper

    # read every 2.5 ms; messages arrive at these times; rtmidi reports the gaps
    arrivals = [10.0011, 10.2506, 10.2506, 11.0024, 12.5001]
    s = Stamper()
    out = []
    read = 10.0
    for i, t in enumerate(arrivals):
        while read < t:                     # blocks go by; messages are read at the first read after they came
            s.last_read = read
            read += 0.0025
        out.append(s.stamp(0.0 if i == 0 else t - arrivals[i - 1], read))
    # each time lies between the reads around its message (2.5 ms apart), and the bounds
    # tighten as messages come: later ones are placed to well under a millisecond
    for got, true in zip(out, arrivals):
        assert true - 0.0025 <= got <= true + 0.0025
    assert out[1:] == pytest.approx(arrivals[1:], abs=1e-3)


def test_midi_input_that_cannot_open_says_so_in_one_readable_line(monkeypatch):
    rtmidi = pytest.importorskip("rtmidi")
    from beatforge.live.midi_in import MidiInput

    def refuse(*args, **kwargs):
        raise rtmidi.SystemError("MidiInAlsa::initialize: error creating ALSA sequencer client object.")

    monkeypatch.setattr(rtmidi, "MidiIn", refuse)
    with pytest.raises(OSError) as info:
        MidiInput(api="alsa").open()
    assert str(info.value) == ("cannot open the ALSA MIDI input 'beatforge': MidiInAlsa::initialize: error "
                               "creating ALSA sequencer client object (is the ALSA sequencer available? "
                               "or use --midi-api jack)")


def test_a_hit_with_an_impossible_pitch_is_dropped_not_raised_in_the_audio_thread():
    from beatforge.live.sound import LiveVoices
    from beatforge.sequence import Hit

    voices = LiveVoices(load_kit("factory"), 48000, 256)
    voices.start(Hit(0, "kick", "kick", 100.0, pitch=5000.0), 0, 0)
    voices.start(Hit(0, "kick", "kick", 100.0, gain_db=1e6), 0, 0)
    assert voices.dropped == 2
    voices.start(Hit(0, "kick", "kick", 100.0), 0, 0)
    assert voices.dropped == 2 and np.abs(voices.mix(256)[0]).max() > 0
