"""The render path's own Standard MIDI File reader agrees with mido on every note, tempo, name and
channel message."""

import io

import mido
from hypothesis import given, settings, strategies as st

from beatforge.io.midi import read_smf

channel_msg = st.one_of(
    st.builds(lambda c, n, v: mido.Message("note_on", channel=c, note=n, velocity=v),
              st.integers(0, 15), st.integers(0, 127), st.integers(0, 127)),
    st.builds(lambda c, n, v: mido.Message("note_off", channel=c, note=n, velocity=v),
              st.integers(0, 15), st.integers(0, 127), st.integers(0, 127)),
    st.builds(lambda c, k, v: mido.Message("control_change", channel=c, control=k, value=v),
              st.integers(0, 15), st.integers(0, 127), st.integers(0, 127)),
    st.builds(lambda c, p: mido.Message("program_change", channel=c, program=p), st.integers(0, 15),
              st.integers(0, 127)),
    st.builds(lambda c, p: mido.Message("pitchwheel", channel=c, pitch=p), st.integers(0, 15),
              st.integers(-8192, 8191)),
    st.builds(lambda t: mido.MetaMessage("set_tempo", tempo=t), st.integers(1, 16_777_215)),
    st.builds(lambda s: mido.MetaMessage("track_name", name=s), st.text("abc xyz", max_size=12)),
    st.builds(lambda d: mido.Message("sysex", data=d), st.lists(st.integers(0, 127), max_size=200)),
)
track = st.lists(st.tuples(st.integers(0, 3000), channel_msg), max_size=40)


def _expected(mid: mido.MidiFile):
    out = []
    for tr in mid.tracks:
        tick, events = 0, []
        for msg in tr:
            tick += msg.time
            if msg.type == "note_on":
                events.append((tick, "on" if msg.velocity else "off", msg.channel, msg.note, msg.velocity))
            elif msg.type == "note_off":
                events.append((tick, "off", msg.channel, msg.note, msg.velocity))
            elif msg.type in ("set_tempo", "track_name"):
                events.append((tick, msg.type, msg.tempo if msg.type == "set_tempo" else msg.name))
            elif msg.type in ("control_change", "program_change", "pitchwheel"):
                events.append((tick, "chan", msg.channel))
        out.append(events)
    return out


def _ours(tracks):
    out = []
    for events in tracks:
        kept = []
        for tick, kind, a, b, c in events:
            if kind in ("on", "off"):
                kept.append((tick, kind, a, b, c))
            elif kind == "meta" and a == 0x51:
                kept.append((tick, "set_tempo", int.from_bytes(b, "big")))
            elif kind == "meta" and a == 0x03:
                kept.append((tick, "track_name", b.decode("latin-1")))
            elif kind == "chan":
                kept.append((tick, "chan", a))
        out.append(kept)
    return out


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([0, 1]), st.integers(24, 9600), st.lists(track, min_size=1, max_size=4))
def test_reader_agrees_with_mido(fmt, ppq, tracks):
    if fmt == 0:
        tracks = tracks[:1]
    mid = mido.MidiFile(type=fmt, ticks_per_beat=ppq)
    for events in tracks:
        mid.tracks.append(mido.MidiTrack(msg.copy(time=dt) for dt, msg in events))
    buf = io.BytesIO()
    mid.save(file=buf)
    data = buf.getvalue()
    got_fmt, division, got = read_smf(data)
    assert (got_fmt, division) == (fmt, ppq)
    assert _ours(got) == _expected(mido.MidiFile(file=io.BytesIO(data)))
