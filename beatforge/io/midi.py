"""Standard MIDI Files both ways: beats to SMF, and any drum SMF to a playable beat.

Export (:func:`write_midi`, ``Beat.to_midi``)
    Type 1.  Track 0 is the conductor (name, 4/4 time signature, tempo); then one MIDI
    track per beat track, named after it, drums on channel 10.  A hit's note is the kit
    pad's own note, else the General MIDI note for the pad's name; pads that have neither
    get free notes, recorded in a ``beatforge pad NOTE=NAME`` text event so beatforge maps
    them back.  Onsets come exact from the sequencer (swing and any micro-timing already
    applied) and are converted to ticks once: the resolution (PPQ) is the smallest multiple
    of 960 (up to 32640) in which every onset is a whole tick, so swing on a straight grid
    is exact (any whole or half percent fits in 4800); when no such PPQ exists (random
    humanize, odd nudges) 4800 is used and onsets are rounded to the nearest tick (halves up).
    ``straight=True`` exports the grid as written (no swing, no micro-timing).
    The tempo event holds whole microseconds per quarter; the exact tempo rides along in a
    ``beatforge bpm=N/D`` text event, which the importer uses when it agrees with the tempo
    event, so export -> import puts every hit on its original frame at any tempo.
    The bytes depend only on the beat (no dates, no dict order).
    Songs, MIDI files (``MidiBeat.to_midi``: the tempo map scaled by the bpm override, the
    first time signature kept) and Hydrogen songs (``H2Song.to_midi``: tempo markers, a time
    signature per pattern length) export through the same :func:`build_midi`, one MIDI track
    per stem that plays.  A MIDI file exported again does not go through a kit: every note
    within the bars keeps its track, channel, note number and velocity (the file's integers),
    and its length, even those the kit has no pad for.

Import (:func:`read_midi`, ``load_source("x.mid")``)
    Type 0 and 1 (type 2: each track is laid after the previous one).  Every note-on
    (velocity > 0) becomes a hit on the pad for its note number (``kit.pad(note)``: the
    kit's own notes, else General MIDI), with its velocity and its length (gated pads
    release at the note-off).  Ticks become frames through the tempo map, exactly:
    ``seconds = sum(ticks * tempo_us / (ppq * 10**6))`` per tempo segment, then the one
    rounding rule ``frame = floor(seconds * rate + 1/2)``.  Notes the kit has no pad for
    are skipped with a warning naming them.  One MIDI track is one stem; a type 0 file is
    split by channel.  The song's name is the first track's name; in a type 0 file only a
    sequence name (at tick 0, before any channel event), else ``MidiBeat`` uses the file name.
"""

from __future__ import annotations

import copy
import math
import os
import re
import warnings
from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import BeatforgeError
from ..sequence import BEATS_PER_CYCLE, Hit, seconds_to_frame, swing_time
from .playable import Playable
from .tmpfile import output_file

DRUM_CHANNEL = 9              # channel 10, counted from 0
BASE_PPQ = 960
MAX_PPQ = 32640               # largest multiple of 960 that fits the 15-bit division field
FALLBACK_PPQ = 4800
MIDI_SUFFIXES = (".mid", ".midi", ".smf")

_BPM_TEXT = re.compile(r"^beatforge bpm=(\d+)/(\d+)$")
_PAD_TEXT = re.compile(r"^beatforge pad (\d+)=(.+)$")
_TRACK_TEXT = re.compile(r"^beatforge track pitch=(\S+) pan=(\S+) gain_db=(\S+)$")
_MELODIC_TEXT = re.compile(r"^beatforge melodic root=(\d+) pad=(.+)$")


class MidiWarning(UserWarning):
    """Something in a MIDI file could not be played (e.g. notes the kit has no pad for)."""


# ------------------------------------------------------------------------------------------
# export


def choose_ppq(beat_times) -> tuple[int, bool]:
    """``(ppq, exact)``: the smallest multiple of 960 in which every time (in quarter notes,
    Fractions) is a whole number of ticks, or ``(4800, False)`` when none up to 32640 is.

    >>> choose_ppq([Fraction(0), Fraction(1, 4), Fraction(7, 25)])
    (4800, True)
    """
    need = 1
    for t in beat_times:
        d = Fraction(t).denominator
        need = need * d // math.gcd(need, d)
        if need > MAX_PPQ:
            return FALLBACK_PPQ, False
    k = need // math.gcd(need, BASE_PPQ)       # BASE_PPQ * k is the lcm
    ppq = BASE_PPQ * k
    if ppq > MAX_PPQ:
        return FALLBACK_PPQ, False
    return ppq, True


def _round_half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def midi_bytes(beat, bars=None, straight: bool = False) -> bytes:
    """The Standard MIDI File of *beat* (see the module docs), as bytes."""
    import io

    mid = build_midi(beat, bars=bars, straight=straight)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def write_midi(beat, path: str | os.PathLike, bars=None, straight: bool = False) -> Path:
    """Write *beat* as a type 1 Standard MIDI File at *path* (atomically)."""
    path = Path(path)
    folder = path.expanduser().resolve().parent
    if not folder.is_dir():
        raise BeatforgeError(f"{path}: cannot write output: folder {folder} does not exist")
    data = midi_bytes(beat, bars=bars, straight=straight)
    try:
        with output_file(path, suffix=path.suffix) as tmp:
            Path(tmp).write_bytes(data)
    except OSError as e:
        raise BeatforgeError(f"{path}: cannot write output: {e.strerror or e}") from None
    return path


def _segments(source, bars) -> list[tuple[Fraction, Fraction, Fraction]]:
    """Tempo segments ``(start quarter, start seconds, bpm)`` of a Beat (one) or a Song (one per
    section occurrence, derived from its public ``timeline()`` and ``seconds_at()``)."""
    if hasattr(source, "timeline") and hasattr(source, "seconds_at"):
        starts = [bar for _, bar in source.timeline() if bar < bars]
        bounds = starts + [Fraction(bars)]
        out = []
        for a, b in zip(bounds, bounds[1:]):
            sa, sb = source.seconds_at(a), source.seconds_at(b)
            if sb > sa:
                out.append((Fraction(a) * BEATS_PER_CYCLE, sa, Fraction(b - a) * 240 / (sb - sa)))
        return _merge_segments(out)
    return [(Fraction(0), Fraction(0), Fraction(source.bpm))]


def _merge_segments(segments) -> list[tuple[Fraction, Fraction, Fraction]]:
    """Consecutive segments at the same tempo as one; 120 bpm when there are none."""
    merged = []
    for seg in segments:
        if not merged or merged[-1][2] != seg[2]:
            merged.append(seg)
    return merged or [(Fraction(0), Fraction(0), Fraction(120))]


def _tempo_map(source, bars) -> tuple[list[tuple[Fraction, Fraction, Fraction]], Fraction]:
    """``(segments, end)``: the tempo segments of *source* over its first *bars* bars and where
    they end, in quarter notes.  A source with its own tempo map or bar length (a MIDI file, a
    Hydrogen song) gives both through ``tempo_segments(bars)``; beats and songs have 4/4 bars."""
    if hasattr(source, "tempo_segments"):
        segments, end = source.tempo_segments(bars)
        return _merge_segments(segments), Fraction(end)
    return _segments(source, bars), Fraction(bars) * BEATS_PER_CYCLE


def _quarters(segments, seconds: Fraction) -> Fraction:
    q0, s0, bpm = segments[0]
    for seg in segments:
        if seconds >= seg[1]:
            q0, s0, bpm = seg
    return q0 + (seconds - s0) * bpm / 60


def build_midi(beat, bars=None, straight: bool = False):
    """A ``mido.MidiFile`` for *beat*: type 1, a conductor track with the tempo map, then one
    track per beat track (drums on channel 10; tracks on a pad with a ``root`` note are
    melodic: their own channel, note = root + pitch).

    *beat* is a Beat, or anything that plays (a Song, a MIDI file, a Hydrogen song) providing
    ``timed_hits(bars, sample_rate, straight=...)`` (exact onsets in seconds), ``stem_names()``,
    ``length_bars()``, ``load_kit()`` and ``name``; optionally ``tempo_segments(bars)`` (its tempo
    map and length in quarter notes, see :func:`_tempo_map`), ``time_signatures(bars)``
    (``[(quarter, numerator, denominator)]``, default 4/4) and ``track_settings()``
    (``{track: (pitch, pan, gain_db)}``).  Such sources get one MIDI track per stem that plays;
    a hit of velocity 0 is a note-off: it ends the notes still sounding on its track.

    A source with ``midi_notes(bars, straight=...)`` (a MIDI file, :meth:`MidiBeat.midi_notes`)
    is written from those notes instead of hits: every note keeps its track, channel, note
    number and velocity, whatever kit the source plays on (no kit is loaded).
    """
    bars = beat.length_bars() if bars is None else bars
    segments, end_q = _tempo_map(beat, bars)
    signatures = beat.time_signatures(bars) if hasattr(beat, "time_signatures") else [(Fraction(0), 4, 4)]
    signatures = [(Fraction(q), num, den) for q, num, den in signatures if q < end_q] or [(Fraction(0), 4, 4)]
    fixed = [end_q] + [q for q, _, _ in segments] + [q for q, _, _ in signatures]
    if hasattr(beat, "midi_notes"):
        ppq, end_tick, pad_map, tracks = _tracks_from_notes(beat, bars, straight, fixed)
    else:
        ppq, end_tick, pad_map, tracks = _tracks_from_hits(beat, bars, straight, segments, fixed)
    return _smf(beat.name or "beatforge", ppq, end_tick, segments, signatures, pad_map, tracks)


@dataclass
class _OutTrack:
    """One MIDI track to write: its name, text events, pan, and notes
    ``(tick, channel, note, velocity, length in ticks or None)``; *stops* are ticks of note-offs
    that end whatever sounds on the track."""

    name: str
    texts: list[str]
    pan: float
    notes: list[tuple[int, int, int, int, int | None]]
    stops: list[int] = field(default_factory=list)


def _tracks_from_hits(beat, bars, straight, segments, fixed):
    """``(ppq, end tick, pad map, tracks)`` of a beat, song or Hydrogen song, from its hits on its kit."""
    from ..sequence import timed_hits

    kit = beat.load_kit()
    if hasattr(beat, "timed_hits"):
        timed = beat.timed_hits(bars, 44100, straight=straight)
        playing = {hit.track for _, hit in timed if hit.velocity > 0}
        names = [name for name in beat.stem_names() if name in playing]
        settings = beat.track_settings() if hasattr(beat, "track_settings") else {}
        params = {name: _TrackSettings(*value) for name, value in settings.items()}
    else:
        timed = timed_hits(beat, bars, 44100, straight=straight)
        names = [t.name for t in beat.tracks if not t.mute]
        params = {t.name: t for t in beat.tracks}
    offs = [(seconds, hit) for seconds, hit in timed if hit.velocity <= 0]
    timed = [(seconds, hit) for seconds, hit in timed if hit.velocity > 0]
    quarters = [_quarters(segments, seconds) for seconds, _ in timed]
    ppq, _exact = choose_ppq(quarters + fixed)
    end_tick = _round_half_up(fixed[0] * ppq)
    stops: dict[str, list[int]] = {}
    for seconds, hit in offs:
        stops.setdefault(hit.track, []).append(max(0, _round_half_up(_quarters(segments, seconds) * ppq)))

    notes, pad_map, melodic = _note_numbers(beat, kit, [h for _, h in timed])
    by_track: dict[str, list] = {name: [] for name in names}
    for q, (seconds, hit) in zip(quarters, timed):
        tick = max(0, _round_half_up(q * ppq))
        length = None
        if hit.length is not None:
            end_q_hit = _quarters(segments, seconds + Fraction(hit.length, 44100))
            length = max(1, _round_half_up(end_q_hit * ppq) - tick)
        key = _pad_key(hit.pad)
        if key in melodic:
            note = max(0, min(127, melodic[key][1] + round(hit.pitch)))
        else:
            note = notes[key]
        vel = max(1, min(127, _round_half_up(Fraction(hit.velocity))))
        by_track.setdefault(hit.track, []).append((tick, note, vel, length, key in melodic, hit.pad))

    channels = iter([c for c in range(16) if c != DRUM_CHANNEL] * 8)
    tracks = []
    for name, items in by_track.items():
        is_melodic = bool(items) and all(it[4] for it in items)
        channel = next(channels) if is_melodic else DRUM_CHANNEL
        texts = []
        if is_melodic:
            pad_name, root = melodic[_pad_key(items[0][5])]
            texts.append(f"beatforge melodic root={root} pad={pad_name}")
        t = params.get(name)
        pan = 0.0
        if t is not None and ((t.pitch and not is_melodic) or t.pan or t.gain_db):
            texts.append(f"beatforge track pitch={0.0 if is_melodic else t.pitch!r} pan={t.pan!r} "
                         f"gain_db={t.gain_db!r}")
        if t is not None:
            pan = t.pan
        tracks.append(_OutTrack(name, texts, pan, [(tick, channel, note, vel, length)
                                                   for tick, note, vel, length, _, _ in items],
                                sorted(stops.get(name, ()))))
    return ppq, end_tick, pad_map, tracks


def _tracks_from_notes(source, bars, straight, fixed):
    """``(ppq, end tick, pad map, tracks)`` of a MIDI file, from its own notes (no kit): every
    note keeps its track, channel, note number and integer velocity."""
    notes = source.midi_notes(bars, straight=straight)
    onsets = [n[0] for n in notes]
    ppq, exact = choose_ppq(onsets + fixed)
    if exact:
        # note ends on whole ticks too when a resolution allows it (else they are rounded)
        with_ends, ends_exact = choose_ppq(onsets + fixed + [n[1] for n in notes if n[1] is not None])
        if ends_exact:
            ppq = with_ends
    end_tick = _round_half_up(fixed[0] * ppq)
    settings = source.track_settings() if hasattr(source, "track_settings") else {}
    melodic = source.melodic_tracks() if hasattr(source, "melodic_tracks") else {}
    file_pads = source.pad_names() if hasattr(source, "pad_names") else {}
    by_track: dict[str, list] = {}
    drum_notes: set[int] = set()
    for onset, end, track, channel, note, velocity in notes:
        tick = max(0, _round_half_up(onset * ppq))
        length = None if end is None else max(1, _round_half_up(end * ppq) - tick)
        by_track.setdefault(track, []).append((tick, channel, note, max(1, min(127, int(velocity))), length))
        if track not in melodic:
            drum_notes.add(note)
    tracks = []
    for name in source.stem_names():
        items = by_track.get(name)
        if not items:
            continue
        texts = []
        is_melodic = name in melodic
        if is_melodic:
            pad_name, root = melodic[name]
            texts.append(f"beatforge melodic root={root} pad={pad_name}")
        t = _TrackSettings(*settings[name]) if name in settings else None
        if t is not None and ((t.pitch and not is_melodic) or t.pan or t.gain_db):
            texts.append(f"beatforge track pitch={0.0 if is_melodic else t.pitch!r} pan={t.pan!r} "
                         f"gain_db={t.gain_db!r}")
        tracks.append(_OutTrack(name, texts, t.pan if t is not None else 0.0, items))
    pad_map = {note: pad for note, pad in file_pads.items() if note in drum_notes}
    return ppq, end_tick, pad_map, tracks


def _smf(name, ppq, end_tick, segments, signatures, pad_map, tracks):
    """The ``mido.MidiFile``: the conductor (name, time signatures, tempo map, pad names), then *tracks*."""
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=ppq)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=name, time=0))
    meta = [(_round_half_up(q * ppq), 0, i, ("time_signature", num, den))
            for i, (q, num, den) in enumerate(signatures)]
    meta += [(_round_half_up(q * ppq), 1, i, ("tempo", bpm)) for i, (q, _, bpm) in enumerate(segments)]
    now = 0
    for tick, _, _, event in sorted(meta):
        if event[0] == "time_signature":
            conductor.append(mido.MetaMessage("time_signature", numerator=event[1], denominator=event[2],
                                              clocks_per_click=24, notated_32nd_notes_per_beat=8, time=tick - now))
        else:
            bpm = event[1]
            conductor.append(mido.MetaMessage("set_tempo", tempo=_tempo_us(bpm), time=tick - now))
            conductor.append(mido.MetaMessage("text", text=f"beatforge bpm={bpm.numerator}/{bpm.denominator}",
                                              time=0))
        now = tick
    for note in sorted(pad_map):
        conductor.append(mido.MetaMessage("text", text=f"beatforge pad {note}={pad_map[note]}", time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
    mid.tracks.append(conductor)

    default_len = max(1, ppq // 8)      # a 32nd note
    for out in tracks:
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=out.name, time=0))
        for text in out.texts:
            track.append(mido.MetaMessage("text", text=text, time=0))
        items = sorted(out.notes, key=lambda x: (x[0], x[1], x[2]))
        if out.pan:
            channel = items[0][1] if items else DRUM_CHANNEL
            track.append(mido.Message("control_change", channel=channel, control=10,
                                      value=max(0, min(127, round((out.pan + 1) * 63.5))), time=0))
        # next onset of the same note on this track, so a note ends before it sounds again
        next_on: dict[tuple[int, int], int] = {}
        events = []
        stops = out.stops
        for tick, channel, note, vel, length in reversed(items):
            gap = next_on.get((channel, note), end_tick + default_len) - tick
            i = bisect_right(stops, tick)
            if i < len(stops) and stops[i] - tick < gap:
                gap = stops[i] - tick          # a note-off on the track ends the note
            dur = min(length if length is not None else default_len, gap) if gap > 0 else 1
            dur = max(1, dur)
            next_on[(channel, note)] = tick
            events.append((tick, 1, channel, note, vel))
            events.append((tick + dur, 0, channel, note, 0))
        events.sort()
        now = 0
        for tick, is_on, channel, note, vel in events:
            kind = "note_on" if is_on else "note_off"
            track.append(mido.Message(kind, channel=channel, note=note, velocity=vel if is_on else 0,
                                      time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
        mid.tracks.append(track)
    return mid


@dataclass(frozen=True)
class _TrackSettings:
    pitch: float = 0.0
    pan: float = 0.0
    gain_db: float = 0.0


def _tempo_us(bpm: Fraction) -> int:
    return max(1, min(0xFFFFFF, _round_half_up(Fraction(60_000_000) / bpm)))


def _pad_key(ref):
    return (type(ref) is int, ref)


def _note_numbers(beat, kit, hits) -> tuple[dict, dict[int, str], dict]:
    """MIDI note per pad reference; the notes given to pads without one (note -> pad name); and
    the melodic pads (those with a ``root``), as ``{ref: (pad name, root)}``."""
    from ..kit.names import normalise

    notes: dict = {}
    melodic: dict = {}
    pending = []
    used: set[int] = set()
    for hit in hits:
        key = _pad_key(hit.pad)
        if key in notes or key in melodic:
            continue
        pad = kit.pad(hit.pad)
        if getattr(pad, "root", None) is not None:
            melodic[key] = (pad.name, int(pad.root))
            continue
        if isinstance(hit.pad, int):
            notes[key] = hit.pad
            used.add(hit.pad)
            continue
        note = kit.note_of(pad)
        if note is None:
            pending.append((key, pad))
            notes[key] = None
        else:
            notes[key] = note
            used.add(note)
    pad_map: dict[int, str] = {}
    given: dict[str, int] = {}
    free = (n for n in list(range(60, 128)) + list(range(59, -1, -1)) if n not in used)
    for key, pad in pending:
        k = normalise(pad.name)
        if k not in given:
            given[k] = next(free)
            pad_map[given[k]] = pad.name
        notes[key] = given[k]
    return notes, pad_map, melodic


# ------------------------------------------------------------------------------------------
# import


@dataclass(frozen=True)
class MidiNote:
    tick: int
    track: int            # index into MidiSong.track_names
    note: int
    velocity: int
    length: int | None    # ticks until the note-off, None when it never ends
    channel: int = DRUM_CHANNEL


@dataclass
class MidiSong:
    """What a MIDI file says, in ticks: notes, tempo map, tracks, length."""

    ppq: int
    tempos: list[tuple[int, Fraction]]        # (tick, seconds per quarter), sorted, first at tick 0
    notes: list[MidiNote]
    track_names: list[str]
    end_tick: int
    bar_ticks: int
    pad_map: dict[int, str] = field(default_factory=dict)
    track_params: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    name: str | None = None
    melodic: dict[int, tuple[str, int]] = field(default_factory=dict)   # track -> (pad, root)
    time_signature: tuple[int, int] = (4, 4)                             # the first one (a bar)


def _vlq(data: bytes, i: int) -> tuple[int, int]:
    """The variable-length quantity at *i* and the offset after it (meta and sysex lengths; the
    delta times, read once per event, are decoded inline in :func:`read_smf`)."""
    value = 0
    while True:
        byte = data[i]
        i += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i


def read_smf(data: bytes) -> tuple[int, int, list[list[tuple]]]:
    """``(format, division, tracks)`` of Standard MIDI File bytes; each track is a list of
    ``(tick, kind, a, b, c)`` with absolute ticks, where kind is ``"on"``/``"off"`` (channel,
    note, velocity; a note-on with velocity 0 is an ``"off"``), ``"meta"`` (type, bytes, None)
    or ``"chan"`` for any other channel message (channel, None, None: only that there is one).
    Sysex is skipped.  Raises ValueError on malformed data.

    A small reader of our own: the render path needs only notes, tempo and names, and
    reading them straight from the bytes is many times faster than building message objects.
    """
    if data[:4] == b"RIFF" and data[8:12] == b"RMID":      # RIFF-wrapped MIDI: the "data" chunk holds the SMF
        i = data.find(b"MThd")
        if i < 0:
            raise ValueError("RIFF file without an MThd chunk")
        data = data[i:]
    if data[:4] != b"MThd" or len(data) < 14:
        raise ValueError("no MThd header")
    hlen = int.from_bytes(data[4:8], "big")
    fmt = int.from_bytes(data[8:10], "big")
    ntracks = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big", signed=False)
    pos = 8 + hlen
    tracks = []
    n = len(data)
    while pos + 8 <= n and len(tracks) < ntracks:
        cid = data[pos:pos + 4]
        clen = int.from_bytes(data[pos + 4:pos + 8], "big")
        body_start, body_end = pos + 8, min(n, pos + 8 + clen)
        pos = pos + 8 + clen
        if cid != b"MTrk":
            continue
        events = []
        append = events.append
        i, tick, status = body_start, 0, 0
        while i < body_end:
            delta = 0
            while True:                      # variable-length quantity
                byte = data[i]
                i += 1
                delta = (delta << 7) | (byte & 0x7F)
                if byte < 0x80:
                    break
            tick += delta
            byte = data[i]
            if byte >= 0x80:
                status = byte
                i += 1
            elif status == 0 or status >= 0xF0:
                raise ValueError(f"running status without a status byte at offset {i}")
            kind = status & 0xF0
            if kind == 0x90:
                note, vel = data[i], data[i + 1]
                i += 2
                append((tick, "on" if vel else "off", status & 0x0F, note, vel))
            elif kind == 0x80:
                append((tick, "off", status & 0x0F, data[i], data[i + 1]))
                i += 2
            elif kind in (0xA0, 0xB0, 0xE0):
                append((tick, "chan", status & 0x0F, None, None))
                i += 2
            elif kind in (0xC0, 0xD0):
                append((tick, "chan", status & 0x0F, None, None))
                i += 1
            elif status == 0xFF:
                mtype = data[i]
                length, i = _vlq(data, i + 1)
                append((tick, "meta", mtype, data[i:i + length], None))
                i += length
                status = 0                   # meta and sysex cancel running status
                if mtype == 0x2F:
                    break
            elif status in (0xF0, 0xF7):
                length, i = _vlq(data, i)
                i += length
                status = 0
            else:
                raise ValueError(f"unexpected status byte 0x{status:02X} at offset {i}")
        events.append((tick, "end", None, None, None))
        tracks.append(events)
    return fmt, division, tracks


def parse_midi(path: str | os.PathLike) -> MidiSong:
    """Read a Standard MIDI File into a :class:`MidiSong` (errors as BeatforgeError naming the file)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise BeatforgeError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        fmt, ppq, tracks = read_smf(data)
    except (ValueError, IndexError) as e:
        detail = str(e) if isinstance(e, ValueError) else "the file ends in the middle of an event"
        raise BeatforgeError(f"{path}: not a readable MIDI file ({detail})") from None
    if ppq & 0x8000 or ppq == 0:
        raise BeatforgeError(f"{path}: SMPTE time division is not supported (need ticks per quarter note)")
    if fmt not in (0, 1, 2):
        raise BeatforgeError(f"{path}: unknown MIDI file type {fmt}")

    tempo_events: list[tuple[int, int, int]] = []   # (tick, order, microseconds per quarter)
    exact_bpm: list[Fraction] = []
    notes: list[list] = []
    names: list[str] = []
    keys: dict = {}
    pad_map: dict[int, str] = {}
    track_params: dict[int, tuple[float, float, float]] = {}
    time_sig = None
    end_tick = 0
    offset = 0
    order = 0
    song_name = None
    melodic: dict[int, tuple[str, int]] = {}
    for ti, events in enumerate(tracks):
        name = None
        params = None
        melodic_here = None
        sequence_name = False     # type 0: the name is the song's only at tick 0 before any channel event
        channel_seen = False
        open_notes: dict[tuple[int, int], list] = {}
        tick = offset
        for tick, kind, a, b, c in events:
            tick += offset
            if kind == "on":
                key = (a, b)
                rec = [tick, ti if fmt != 0 else a, b, c, None, a]
                stack = open_notes.get(key)
                if stack is None:
                    open_notes[key] = [rec]
                else:
                    stack.append(rec)
                notes.append(rec)
                channel_seen = True
            elif kind == "off":
                stack = open_notes.get((a, b))
                if stack:
                    rec = stack.pop(0)
                    rec[4] = tick - rec[0]
                channel_seen = True
            elif kind == "chan":
                channel_seen = True
            elif kind == "meta":
                order += 1
                if a == 0x51 and len(b) == 3:
                    us = int.from_bytes(b, "big")
                    if us > 0:
                        tempo_events.append((tick, order, us))
                elif a == 0x58 and len(b) >= 2 and time_sig is None and tick == 0:
                    time_sig = (b[0], 2 ** b[1])
                elif a == 0x03 and name is None:
                    name = b.decode("latin-1").strip()
                    sequence_name = tick == 0 and not channel_seen
                elif a == 0x01:
                    text = b.decode("latin-1")
                    m = _BPM_TEXT.match(text)
                    if m and int(m.group(2)):
                        exact_bpm.append(Fraction(int(m.group(1)), int(m.group(2))))
                    m = _PAD_TEXT.match(text)
                    if m and 0 <= int(m.group(1)) <= 127:
                        pad_map[int(m.group(1))] = m.group(2)
                    m = _MELODIC_TEXT.match(text)
                    if m:
                        melodic_here = (m.group(2), int(m.group(1)))
                    m = _TRACK_TEXT.match(text)
                    if m:
                        try:
                            params = tuple(float(x) for x in m.groups())
                        except ValueError:
                            params = None
        end_tick = max(end_tick, tick)
        if fmt == 2:
            offset = tick
        if ti == 0 and name and (fmt != 0 or sequence_name):
            song_name = name          # a type 0 file's first track name may name an instrument
        if fmt != 0:
            keys[ti] = name or f"track {ti + 1}"
            if params is not None:
                track_params[ti] = params
            if melodic_here is not None:
                melodic[ti] = melodic_here
    # tracks that hold notes become stems (type 0: one per channel)
    used = sorted({rec[1] for rec in notes})
    index = {}
    for k in used:
        if fmt == 0:
            label = "drums" if k == DRUM_CHANNEL else f"channel {k + 1}"
        else:
            label = keys.get(k, f"track {k + 1}")
        base, n = label, 2
        while label in names:
            label = f"{base} {n}"
            n += 1
        index[k] = len(names)
        names.append(label)
    track_params = {index[k]: v for k, v in track_params.items() if k in index}
    melodic = {index[k]: v for k, v in melodic.items() if k in index}
    notes.sort(key=lambda r: (r[0], index[r[1]], r[2]))
    out_notes = [MidiNote(r[0], index[r[1]], r[2], r[3], r[4], r[5]) for r in notes]
    for n in out_notes:
        if n.length:
            end_tick = max(end_tick, n.tick + n.length)

    tempo_events.sort()
    tempos: list[tuple[int, Fraction]] = []
    for tick, _, us in tempo_events:
        spq = _exact_seconds_per_quarter(us, exact_bpm)
        if tempos and tempos[-1][0] == tick:
            tempos[-1] = (tick, spq)
        else:
            tempos.append((tick, spq))
    if not tempos or tempos[0][0] != 0:
        tempos.insert(0, (0, Fraction(1, 2)))   # the SMF default: 120 bpm
    num, den = time_sig or (4, 4)
    bar_ticks = max(1, ppq * 4 * num // max(1, den))
    return MidiSong(ppq, tempos, out_notes, names, end_tick, bar_ticks, pad_map, track_params, song_name,
                    melodic, (num, den))


def _exact_seconds_per_quarter(us: int, exact_bpm: list[Fraction]) -> Fraction:
    """Seconds per quarter of a tempo event; the exact ``beatforge bpm`` value when it rounds to it."""
    for bpm in exact_bpm:
        if _tempo_us(bpm) == us:
            return 60 / bpm
    return Fraction(us, 1_000_000)


class MidiBeat(Playable):
    """A MIDI file as a playable beat: ``render``, ``render_stems``, ``hits``, ``replace`` like :class:`Beat`.

    ``bpm`` is the file's first tempo; replacing it scales the whole tempo map.  ``swing``
    (50 = as written) swings the file's 16ths like a beat's grid.  A bar is the length of the
    file's first time signature (4/4 when it has none).
    """

    def __init__(self, song: MidiSong, *, kit="factory", seed: int = 0, swing: float = 50, bpm=None,
                 bars: int | None = None, name: str | None = None, path: str | None = None):
        self.song = song
        self.kit = kit
        self.seed = seed
        self.swing = swing
        self.bars = bars
        self.path = path
        self.name = name if name is not None else (song.name or (Path(path).stem if path else None))
        self._file_bpm = 60 / song.tempos[0][1]
        self.bpm = self._file_bpm if bpm is None else bpm

    @classmethod
    def from_file(cls, path: str | os.PathLike, **kw) -> "MidiBeat":
        return cls(parse_midi(path), path=os.fspath(path), **kw)

    def replace(self, **changes) -> "MidiBeat":
        """A copy with some settings changed (``bpm``, ``swing``, ``kit``, ``seed``, ``bars``, ``name``)."""
        new = copy.copy(self)
        for key, value in changes.items():
            if key not in ("bpm", "swing", "kit", "seed", "bars", "name"):
                raise TypeError(f"replace() got an unexpected setting {key!r}")
            setattr(new, key, value)
        if not 20 <= float(new.bpm) <= 999:
            raise BeatforgeError(f"bpm must be a number within 20..999, got {new.bpm!r}")
        if not 50 <= float(new.swing) < 100:
            raise BeatforgeError(f"swing must be a percentage within 50..99 (50 = straight), got {new.swing!r}")
        return new

    @property
    def tracks(self) -> list[str]:
        return list(self.song.track_names)

    def stem_names(self) -> list[str]:
        return list(self.song.track_names)

    def load_kit(self):
        from ..kit import load_kit

        return load_kit(self.kit)

    def length_bars(self) -> int:
        if self.bars is not None:
            return self.bars
        return max(1, math.ceil(Fraction(self.song.end_tick, self.song.bar_ticks)))

    # -- time ---------------------------------------------------------------------------------
    def _tempo_map(self):
        """``(ticks, starts, spts)``: segment start ticks, their start times and seconds per tick."""
        scale = Fraction(self._file_bpm) / Fraction(self.bpm)
        ppq = self.song.ppq
        ticks, starts, spts = [], [], []
        seconds = Fraction(0)
        for i, (tick, spq) in enumerate(self.song.tempos):
            if i:
                seconds += (tick - ticks[-1]) * spts[-1]
            ticks.append(tick)
            starts.append(seconds)
            spts.append(spq * scale / ppq)
        return ticks, starts, spts

    def seconds_at(self, tick) -> Fraction:
        """The exact time of *tick* (an int or Fraction) through the tempo map."""
        return _seconds(self._tempo_map(), tick)

    def frames(self, bars=None, sample_rate: int = 44100) -> int:
        bars = self.length_bars() if bars is None else bars
        return seconds_to_frame(self.seconds_at(Fraction(bars) * self.song.bar_ticks), sample_rate)

    def _swung(self, tick) -> Fraction:
        if float(self.swing) == 50:
            return Fraction(tick)
        quarter = Fraction(tick, self.song.ppq)
        return swing_time(quarter / BEATS_PER_CYCLE, self.swing) * BEATS_PER_CYCLE * self.song.ppq

    def _frame_function(self, sample_rate: int):
        """``frame(tick)`` through the tempo map, exact; integer arithmetic for whole ticks."""
        ticks, starts, spts = self._tempo_map()
        segs = []
        for t0, s0, spt in zip(ticks, starts, spts):
            a, b = s0 * sample_rate, spt * sample_rate
            d = a.denominator * b.denominator // math.gcd(a.denominator, b.denominator)
            segs.append((t0, a.numerator * (d // a.denominator), b.numerator * (d // b.denominator), d))
        single = segs[0] if len(segs) == 1 else None

        def frame(tick) -> int:
            if single is not None:
                t0, a, b, d = single
            else:
                t0, a, b, d = segs[max(0, bisect_right(ticks, tick) - 1)]
            if type(tick) is int:
                return (2 * (a + (tick - t0) * b) + d) // (2 * d)
            x = Fraction(a + (tick - t0) * b, d)
            return (2 * x.numerator + x.denominator) // (2 * x.denominator)

        return frame

    def hits(self, bars=None, sample_rate: int = 44100) -> list[Hit]:
        """The file's notes as hits on this beat's kit, within *bars* bars, sorted by frame."""
        return self._hits(bars, sample_rate)

    def timed_hits(self, bars=None, sample_rate: int = 44100, *, straight: bool = False):
        """``[(exact onset seconds, Hit)]`` like :meth:`hits`; ``straight=True`` leaves out the swing."""
        onsets: list[Fraction] = []
        hits = self._hits(bars, sample_rate, straight=straight, onsets=onsets)
        return list(zip(onsets, hits))

    def _hits(self, bars, sample_rate: int, straight: bool = False, onsets: list | None = None) -> list[Hit]:
        """The hits; with *onsets* (a list), also the exact onset of each, in seconds, in the same order."""
        from ..errors import KitError

        bars = self.length_bars() if bars is None else bars
        end = math.ceil(Fraction(bars) * self.song.bar_ticks)   # ticks are whole: compare ints
        kit = self.load_kit()
        frame_at = self._frame_function(sample_rate)
        swung = (lambda t: t) if straight or float(self.swing) == 50 else self._swung
        tmap = self._tempo_map() if onsets is not None else None
        timed = []
        names = self.song.track_names
        params = self.song.track_params
        refs: dict[int, object] = {}
        missing: dict[int, int] = {}
        out = []
        append = out.append
        melodic = self.song.melodic
        for n in self.song.notes:
            if n.tick >= end:
                break
            if melodic and n.track in melodic:
                pad_name, root = melodic[n.track]
                start = frame_at(swung(n.tick))
                length = None if n.length is None else max(0, frame_at(swung(n.tick + n.length)) - start)
                pitch, pan, gain_db = params.get(n.track, (0.0, 0.0, 0.0))
                append(Hit(start, names[n.track], pad_name, float(n.velocity), pitch + n.note - root, pan, gain_db,
                           None, length))
                if tmap is not None:
                    timed.append(_seconds(tmap, swung(n.tick)))
                continue
            ref = refs.get(n.note)
            if ref is None:
                ref = self.song.pad_map.get(n.note, n.note)
                try:
                    kit.pad(ref)
                except KitError:
                    try:
                        kit.pad(n.note)
                        ref = n.note
                    except KitError:
                        ref = False
                refs[n.note] = ref
            if ref is False:
                missing[n.note] = missing.get(n.note, 0) + 1
                continue
            start = frame_at(swung(n.tick))
            length = None
            if n.length is not None:
                length = max(0, frame_at(swung(n.tick + n.length)) - start)
            pitch, pan, gain_db = params.get(n.track, (0.0, 0.0, 0.0))
            append(Hit(start, names[n.track], ref, float(n.velocity), pitch, pan, gain_db, None, length))
            if tmap is not None:
                timed.append(_seconds(tmap, swung(n.tick)))
        if missing:
            listed = ", ".join(f"{note} ({count}x)" for note, count in sorted(missing.items()))
            where = self.path or "MIDI file"
            warnings.warn(f"{where}: kit {kit.name!r} has no pad for MIDI notes {listed}; skipped",
                          MidiWarning, stacklevel=2)
        if tmap is not None:
            order = sorted(range(len(out)), key=lambda i: out[i].frame)
            onsets[:] = [timed[i] for i in order]
            return [out[i] for i in order]
        out.sort(key=lambda h: h.frame)
        return out

    # -- MIDI export ----------------------------------------------------------------------------
    def tempo_segments(self, bars=None):
        """``(segments, end)``: ``(start quarter, start seconds, bpm)`` per tempo of the file (the
        bpm override applied) within *bars* bars, and where those bars end, in quarter notes."""
        bars = self.length_bars() if bars is None else bars
        ppq = self.song.ppq
        end = Fraction(bars) * self.song.bar_ticks
        ticks, starts, spts = self._tempo_map()
        segments = [(Fraction(t, ppq), s0, 60 / (spt * ppq)) for t, s0, spt in zip(ticks, starts, spts) if t < end]
        return segments, end / ppq

    def time_signatures(self, bars=None):
        num, den = self.song.time_signature
        return [(Fraction(0), num, den)]

    def track_settings(self) -> dict[str, tuple[float, float, float]]:
        """``{track: (pitch, pan, gain_db)}`` the file gave its tracks (beatforge's own export)."""
        names = self.song.track_names
        return {names[i]: tuple(v) for i, v in self.song.track_params.items() if i < len(names)}

    def midi_notes(self, bars=None, *, straight: bool = False):
        """``[(onset, end, track, channel, note, velocity)]``: every note of the file that starts
        within *bars* bars, as written, whatever the kit has pads for.  Onset and end (None when
        the note never ends) are in quarter notes from the start, swing applied unless
        *straight*; track is the stem name, channel 0..15, velocity the file's own 1..127."""
        bars = self.length_bars() if bars is None else bars
        end = math.ceil(Fraction(bars) * self.song.bar_ticks)
        ppq = self.song.ppq
        swung = Fraction if straight or float(self.swing) == 50 else self._swung
        names = self.song.track_names
        out = []
        for n in self.song.notes:
            if n.tick >= end:
                break
            stop = None if n.length is None else swung(n.tick + n.length) / ppq
            out.append((swung(n.tick) / ppq, stop, names[n.track], n.channel, n.note, n.velocity))
        return out

    def melodic_tracks(self) -> dict[str, tuple[str, int]]:
        """``{track: (pad, root)}`` for the pitched tracks of beatforge's own export."""
        names = self.song.track_names
        return {names[i]: v for i, v in self.song.melodic.items() if i < len(names)}

    def pad_names(self) -> dict[int, str]:
        """``{note: pad}`` the file names pads with (beatforge's export of pads without a MIDI note)."""
        return dict(self.song.pad_map)

    def to_midi(self, path, bars: int | None = None, straight: bool = False):
        """Write the file again as beatforge exports (see the module docs): the tempo map scaled
        by ``bpm``, swing baked into the note positions (``straight=True``: as written), the
        track names kept, and every note within *bars* on its own track and channel with its
        note number, velocity and length, whether or not this beat's kit can play it."""
        return write_midi(self, path, bars=bars, straight=straight)

    def __repr__(self):
        return (f"MidiBeat({self.name!r}, bpm={float(self.bpm):g}, kit={self.kit!r}, "
                f"tracks={self.song.track_names}, notes={len(self.song.notes)})")


def _seconds(tmap, tick) -> Fraction:
    ticks, starts, spts = tmap
    i = max(0, bisect_right(ticks, tick) - 1)
    return starts[i] + (tick - ticks[i]) * spts[i]


def load_midi(path) -> MidiBeat:
    """``load_source`` hook for .mid/.midi files."""
    return MidiBeat.from_file(path)


# ------------------------------------------------------------------------------------------
# MIDI -> editable grid beat


def beat_from_midi(path: str | os.PathLike, quantize: int = 16, kit="factory"):
    """A :class:`Beat` of grid tracks (one per MIDI track and note) from a drum MIDI file.

    Onsets snap to the nearest 1/*quantize* of a 4/4 bar (halves round up); velocities are
    kept per step (the loudest when two notes land on one step).  The beat's tempo is the
    file's first tempo; later tempo changes are not kept (the grid is musical time).
    """
    from ..beat import Beat
    from ..kit.names import GM_DRUMS
    from ..pattern.core import fastcat, pure, silence

    if not (isinstance(quantize, int) and quantize >= 1):
        raise BeatforgeError(f"quantize must be a positive whole number of steps per bar, got {quantize!r}")
    song = parse_midi(path)
    bpm = 60 / song.tempos[0][1]
    micros = song.tempos[0][1] * 1_000_000
    if micros.denominator == 1:
        # a set_tempo event holds whole microseconds: 140 bpm is stored as 428571, which reads
        # back as 140.00014; an editable beat gets the round tempo that was written
        for digits in range(5):
            candidate = Fraction(round(float(bpm), digits)).limit_denominator(10 ** digits)
            if candidate > 0 and round(60_000_000 / candidate) == micros:
                bpm = candidate
                break
    bpm = int(bpm) if bpm.denominator == 1 else float(bpm)
    step_ticks = Fraction(song.ppq * BEATS_PER_CYCLE, quantize)
    # a file that ends on a bar line is a loop of that many bars: a note just before its end that
    # rounds up onto the end stays in the last step (it would otherwise add a bar to the loop)
    bar_ticks = song.ppq * BEATS_PER_CYCLE
    end_step = song.end_tick // step_ticks if song.end_tick and song.end_tick % bar_ticks == 0 else None
    lanes: dict[tuple[int, int], dict[int, int]] = {}
    last = 0
    for n in song.notes:
        step = _round_half_up(n.tick / step_ticks)
        if step == end_step and n.tick < song.end_tick:
            step -= 1
        last = max(last, step)
        lane = lanes.setdefault((n.track, n.note), {})
        lane[step] = max(lane.get(step, 0), n.velocity)
    steps_total = max(1, math.ceil(Fraction(song.end_tick) / step_ticks), last + 1)
    bars = max(1, math.ceil(Fraction(steps_total, quantize)))
    steps_total = bars * quantize
    beat = Beat(bpm=max(20, min(999, bpm)), kit=kit, bars=bars, name=song.name or Path(path).stem)
    multi = len(song.track_names) > 1
    taken: set[str] = set()
    for (ti, note), lane in sorted(lanes.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        pitch, pan, gain_db = song.track_params.get(ti, (0.0, 0.0, 0.0))
        if ti in song.melodic:   # a pitched pad (beatforge's export): the note is root + pitch
            ref, root = song.melodic[ti]
            pitch += note - root
            label = f"{ref} {note}"
        else:
            ref = song.pad_map.get(note, note)
            label = song.pad_map.get(note) or GM_DRUMS.get(note) or f"note {note}"
        name = f"{song.track_names[ti]} {label}" if multi else label
        base, k = name, 2
        while name in taken:
            name = f"{base} {k}"
            k += 1
        taken.add(name)
        pattern = fastcat(*[pure({"velocity": lane[i]}) if i in lane else silence
                            for i in range(steps_total)]).slow(Fraction(steps_total, quantize))
        track = beat.track(name, pattern, pad=ref, pitch=pitch, pan=pan, gain_db=gain_db)
        track.cycle = Fraction(steps_total, quantize)
    return beat
