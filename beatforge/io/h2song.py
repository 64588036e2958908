"""Hydrogen songs (``.h2song``) played on beatforge's engine.

A Hydrogen song carries its own copy of the drumkit's instruments (layers, volume,
pan, pitch, ADSR, mute groups); the samples live in the drumkit folder named by each
instrument's ``<drumkit>``, found like any kit name.  The instruments become pads
through the Hydrogen kit format's own mapping (:mod:`beatforge.kit.formats.hydrogen`),
so a song and its drumkit sound alike.

What is played, and how it maps (Hydrogen 1.x semantics):

* song order: ``<patternSequence>`` columns (pattern groups) in order; a column plays all
  its patterns (and their virtual patterns, flattened) together and lasts as long as its
  longest pattern (192 ticks, one 4/4 bar, when empty).  48 ticks per quarter note.
  ``bars`` for a song counts columns.
* tempo: ``<bpm>``, changed at the start of a column by ``<BPMTimeLine>`` tempo markers.
  Ticks become time exactly through the tempo map, then frames with the one rounding rule.
* per-note timing offsets, in frames, added as Hydrogen does (each truncated to a whole
  frame, the sum clamped to +-2000 frames and never before the song start):
  swing (``swing_factor`` x a 32nd note later, on the off-16ths of a pattern: tick % 12 == 0
  and tick % 24 != 0; ``swing_rule="h2cli-1.2.0-beta"`` reproduces the Hydrogen 1.2.0-beta1
  engine instead, which scales the note's absolute frame rather than the 32nd, so its swung
  notes land 2000 frames *early*), humanize time (gaussian, sd 0.3 x ``humanize_time`` x 2000 frames)
  and lead/lag (``leadlag`` x 5 ticks).
* velocity (0..1 -> MIDI x127; gain linear in velocity), humanize velocity
  (``v + h * gauss(0.2) - h / 2``, clamped, as Hydrogen does), probability (the note plays
  when a uniform draw is below it), pan (added to the instrument's), pitch (``pitch`` +
  12 x octave + key, plus the instrument's pitch offset and a gaussian random pitch,
  sd 0.4 x ``randomPitchFactor``), length (ticks; the voice is released through the ADSR
  at its end; -1 plays the whole sample) and note-off (stops the instrument's sounding
  notes, fading over its release).
* instruments: volume x gain, pan, pitch offset, ADSR, mute groups (a hit silences the
  other instruments of its group), ``isStopNote`` (monophonic), mute and solo.  The song's
  ``<volume>`` scales the mix.

Randomness (humanize, probability, random pitch) comes from one generator seeded with
``seed``: the same seed gives the same render, as Hydrogen never does.

``to_midi`` writes the song as a Standard MIDI File through :mod:`beatforge.io.midi`: one
track per instrument that plays, on its MIDI out note, the tempo markers in the tempo map.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import warnings
import xml.etree.ElementTree as ET
from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import BeatforgeError, KitError
from ..sequence import Hit, seconds_to_frame
from ..kit.formats.hydrogen import _children, _float, _int, _text  # the same XML readers as drumkit.xml
from .playable import Playable

TICKS_PER_QUARTER = 48
MAX_NOTES = 192                 # ticks in a 4/4 bar: the default pattern size
MAX_TIME_HUMANIZE = 2000        # frames; Hydrogen's clamp on the sum of timing offsets
HUMANIZE_TIME_SD = 0.3
HUMANIZE_VELOCITY_SD = 0.2
RANDOM_PITCH_SD = 0.4
LEAD_LAG_TICKS = 5
SWING_RULES = ("delay", "h2cli-1.2.0-beta")
KEYS = {"C": 0, "Cs": 1, "D": 2, "Ef": 3, "E": 4, "F": 5, "Fs": 6, "G": 7, "Af": 8, "A": 9, "Bf": 10, "B": 11}


@dataclass(frozen=True)
class H2Note:
    position: int           # ticks from the pattern start
    instrument: int         # instrument id
    velocity: float = 0.8   # 0..1
    pan: float = 0.0        # -1..1
    pitch: float = 0.0      # semitones (pitch + key + 12 x octave)
    probability: float = 1.0
    lead_lag: float = 0.0   # -1..1, in units of 5 ticks
    length: int = -1        # ticks, -1 = the whole sample
    note_off: bool = False


@dataclass
class H2Pattern:
    name: str
    size: int
    notes: list[H2Note] = field(default_factory=list)


class H2Song(Playable):
    """A Hydrogen song with the render API of :class:`beatforge.Beat`.

    >>> song = H2Song.from_file("/usr/share/hydrogen/data/demo_songs/GM_kit_demo1.h2song")  # doctest: +SKIP
    >>> song.render("demo1.wav", tail="keep")                                              # doctest: +SKIP
    """

    def __init__(self, *, name: str, bpm: float, patterns: dict[str, H2Pattern], columns: list[list[str]],
                 instruments: ET.Element, volume: float = 1.0, swing_factor: float = 0.0,
                 humanize_time: float = 0.0, humanize_velocity: float = 0.0,
                 tempo_markers: list[tuple[int, float]] | None = None, path: str | None = None,
                 kit=None, seed: int = 0, bars: int | None = None, ratio_pan_law: bool = True,
                 swing_rule: str = "delay"):
        self.name = name
        self.bpm = bpm
        self.patterns = patterns
        self.columns = columns
        self.instruments = instruments
        self.volume = volume
        self.swing_factor = swing_factor
        self.humanize_time = humanize_time
        self.humanize_velocity = humanize_velocity
        self.tempo_markers = sorted(tempo_markers or [])
        self.path = path
        self.kit = kit
        self.seed = seed
        self.bars = bars
        self._kit_cache = None
        self._notes_only = False        # MIDI export: instruments whose drumkit is missing keep names and notes
        self.ratio_pan_law = ratio_pan_law
        if swing_rule not in SWING_RULES:
            raise BeatforgeError(f"swing_rule must be one of {', '.join(SWING_RULES)}, got {swing_rule!r}")
        self.swing_rule = swing_rule

    # -- loading ----------------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | os.PathLike, **kw) -> "H2Song":
        from ..kit.formats.hydrogen import parse_xml

        path = Path(path)
        try:
            root = parse_xml(path)
        except KitError as e:
            raise BeatforgeError(str(e)) from None
        if root.tag != "song":
            raise BeatforgeError(f"{path}: not a Hydrogen song (root element <{root.tag}>, expected <song>)")
        patterns: dict[str, H2Pattern] = {}
        for pel in _children(root, "patternList", "pattern"):
            pat = H2Pattern(_text(pel, "name", f"pattern {len(patterns) + 1}"), _int(pel, "size", MAX_NOTES))
            for nel in _children(pel, "noteList", "note"):
                pat.notes.append(_note(nel))
            patterns[pat.name] = pat
        virtual: dict[str, list[str]] = {}
        for vel in _children(root, "virtualPatternList", "pattern"):
            virtual.setdefault(_text(vel, "name"), []).extend(
                (v.text or "").strip() for v in vel.findall("virtual"))
        columns: list[list[str]] = []
        seq = root.find("patternSequence")
        if seq is not None:
            for group in seq.findall("group"):
                names = [(p.text or "").strip() for p in group.findall("patternID")]
                columns.append(_flatten([n for n in names if n in patterns], virtual, patterns))
            if not seq.findall("group"):     # the oldest format: a flat list of pattern ids
                for p in seq.findall("patternID"):
                    name = (p.text or "").strip()
                    if name in patterns:
                        columns.append(_flatten([name], virtual, patterns))
        if not columns and patterns:
            columns = [[next(iter(patterns))]]
        markers = []
        active = _text(root, "isTimelineActivated", _text(root, "timelineActivated", "true")).strip().lower()
        if active != "false":
            for m in _children(root, "BPMTimeLine", "newBPM"):
                bpm = _float(m, "BPM", 0.0)
                if 20 <= bpm <= 999:
                    markers.append((max(0, _int(m, "BAR", 0)), bpm))
        ilist = root.find("instrumentList")
        if ilist is None:
            raise BeatforgeError(f"{path}: no <instrumentList>")
        bpm = _float(root, "bpm", 120.0)
        return cls(name=_text(root, "name", path.stem).strip() or path.stem, bpm=bpm, patterns=patterns,
                   columns=columns, instruments=ilist, volume=_float(root, "volume", 1.0),
                   swing_factor=min(1.0, max(0.0, _float(root, "swing_factor", 0.0))),
                   humanize_time=min(1.0, max(0.0, _float(root, "humanize_time", 0.0))),
                   humanize_velocity=min(1.0, max(0.0, _float(root, "humanize_velocity", 0.0))),
                   tempo_markers=markers, path=os.fspath(path),
                   ratio_pan_law="CONST_POWER" not in _text(root, "pan_law_type", "").upper(), **kw)

    def replace(self, **changes) -> "H2Song":
        """A copy with some settings changed: ``bpm`` (scales the tempo map), ``kit`` (plays the
        song's instruments on another kit, by name then MIDI note), ``swing`` (MPC percent:
        50 + 50 x Hydrogen's swing factor), ``seed``, ``bars`` (columns), ``name``."""
        new = copy.copy(self)
        new._kit_cache = None
        new.__dict__.pop("_channel_cache", None)
        for key, value in changes.items():
            if key == "swing":
                if not 50 <= value < 100:
                    raise BeatforgeError(f"swing must be a percentage within 50..99 (50 = straight), got {value!r}")
                new.swing_factor = (float(value) - 50.0) / 50.0
            elif key == "bpm":
                if not 20 <= value <= 999:
                    raise BeatforgeError(f"bpm must be a number within 20..999, got {value!r}")
                scale = float(value) / self.bpm
                new.bpm = float(value)
                new.tempo_markers = [(c, b * scale) for c, b in self.tempo_markers]
            elif key in ("kit", "seed", "bars", "name"):
                setattr(new, key, value)
            else:
                raise TypeError(f"replace() got an unexpected setting {key!r}")
        return new

    @property
    def swing(self) -> float:
        """The swing as an MPC percentage (Hydrogen's factor f delays off-16ths by f x a 32nd)."""
        return 50.0 + 50.0 * self.swing_factor

    # -- structure ----------------------------------------------------------------------------
    def length_bars(self) -> int:
        """Columns (pattern groups) in the song order."""
        return self.bars if self.bars is not None else max(1, len(self.columns))

    def column_ticks(self, column: int) -> int:
        names = self.columns[column % len(self.columns)] if self.columns else []
        sizes = [self.patterns[n].size for n in names if self.patterns[n].size > 0]
        return max(sizes) if sizes else MAX_NOTES

    def column_starts(self, bars=None) -> list[int]:
        """Start tick of each column, plus the end tick (len = columns + 1)."""
        n = self.length_bars() if bars is None else int(bars)
        starts = [0]
        for c in range(n):
            starts.append(starts[-1] + self.column_ticks(c))
        return starts

    def _tempo_map(self, sample_rate: int, starts: list[int]):
        """``(ticks, frame_starts, frames_per_tick)`` per tempo segment, exact Fractions."""
        bpm_at = {0: self.bpm}
        for column, bpm in self.tempo_markers:
            if column < len(starts) - 1:
                bpm_at[column] = bpm
        ticks, fstarts, fpts = [], [], []
        pos = Fraction(0)
        for column in sorted(bpm_at):
            tick = starts[column]
            if ticks:
                pos += (tick - ticks[-1]) * fpts[-1]
            ticks.append(tick)
            fstarts.append(pos)
            fpts.append(Fraction(sample_rate * 60) / (Fraction(bpm_at[column]) * TICKS_PER_QUARTER))
        return ticks, fstarts, fpts

    @staticmethod
    def _frame_pos(tmap, tick) -> Fraction:
        ticks, fstarts, fpts = tmap
        i = max(0, bisect_right(ticks, tick) - 1)
        return fstarts[i] + (tick - ticks[i]) * fpts[i]

    def frames(self, bars=None, sample_rate: int = 44100) -> int:
        starts = self.column_starts(bars)
        return seconds_to_frame(self._frame_pos(self._tempo_map(sample_rate, starts), starts[-1]) / sample_rate,
                                sample_rate)

    # -- kit --------------------------------------------------------------------------------
    def stem_names(self) -> list[str]:
        return [p.name for p in self._instrument_pads().values()]

    def _instrument_pads(self) -> dict[int, object]:
        """Instrument id -> Pad (the song's own instruments, samples from their drumkits)."""
        if self._kit_cache is None:
            self._kit_cache = self._build_kit()
        return self._kit_cache[1]

    def load_kit(self):
        if self._kit_cache is None:
            self._kit_cache = self._build_kit()
        return self._kit_cache[0]

    def _build_kit(self):
        from ..kit.formats.hydrogen import FRAME_RATE, instruments_to_pads, ratio_pan
        from ..kit.model import Kit, Layer, Pad
        from ..kit.names import normalise
        from ..kit.resolve import find_kit
        from ..kit.sample import Sample

        gain_db = 20.0 * math.log10(self.volume) if self.volume > 1e-6 else -120.0
        insts = [i for i in self.instruments.findall("instrument")]
        silent = Sample(np.zeros((1, 1), np.float32), FRAME_RATE)
        soloed = {_int(i, "id", k) for k, i in enumerate(insts) if _text(i, "isSoloed").strip() == "true"}
        folders: dict[str, Path] = {}
        by_id: dict[int, Pad] = {}
        taken: set[str] = set()
        problems: list[str] = []
        for index, inst in enumerate(insts):
            iid = _int(inst, "id", index)
            if _text(inst, "isMuted").strip() == "true" or (soloed and iid not in soloed):
                continue
            kit_name = _text(inst, "drumkit").strip()
            folder = Path(self.path).parent if self.path else Path(".")
            if kit_name:
                if kit_name not in folders:
                    try:
                        folders[kit_name] = find_kit(kit_name)
                    except KitError as e:
                        if self.kit is None and not self._notes_only:
                            raise KitError(f"{self.path}: the song's drumkit {kit_name!r} is not installed "
                                           f"({e}); to play the song on another kit, give one (--kit)") from None
                        folders[kit_name] = None   # played on kit=: only names and notes are needed
                folder = folders[kit_name]
            if folder is None:
                note = _int(inst, "midiOutNote", 36 + iid)
                if inst.find("pan") is not None:
                    pan = min(1.0, max(-1.0, _float(inst, "pan", 0.0)))
                else:
                    pan = ratio_pan(_float(inst, "pan_L", 1.0), _float(inst, "pan_R", 1.0))
                pad = Pad(_text(inst, "name").strip() or f"instrument {iid}", [Layer(None, data=silent)],
                          note=note if 0 <= note <= 127 else None, pan=pan)
            else:
                one = ET.Element("instrumentList")
                one.append(inst)
                pads = instruments_to_pads(one, folder, None, problems)
                if not pads:
                    continue
                pad = next(iter(pads.values()))
            name, n = pad.name, 1
            while normalise(name) in taken:
                n += 1
                name = f"{pad.name} {n}"
            taken.add(normalise(name))
            stop = _text(inst, "isStopNote").strip() == "true"
            by_id[iid] = dataclasses.replace(
                pad, name=name, gain_db=pad.gain_db + gain_db, random_pitch=0.0, pan=0.0,
                polyphony=1 if stop else pad.polyphony, info=dict(pad.info, hydrogen_id=iid, h2_pan=pad.pan,
                random_pitch_factor=max(0.0, _float(inst, "randomPitchFactor", 0.0))))
        if self.kit is not None:
            by_id = self._remap(by_id)
        # note-offs: a silent pad per instrument that chokes it
        stops = {n.instrument for p in self.patterns.values() for n in p.notes if n.note_off}
        pads = {}
        silent = Sample(np.zeros((1, 1), np.float32), FRAME_RATE)
        for iid, pad in by_id.items():
            if iid in stops:
                group = f"h2stop{iid}"
                fade = pad.choke_fade if pad.choke_fade is not None else pad.envelope.release or None
                pad = dataclasses.replace(pad, choked_by=pad.choked_by | {group}, choke_fade=fade)
                by_id[iid] = pad
                stop_pad = Pad(f"{pad.name} note-off", [Layer(None, data=silent)], choke_group=group,
                               amp_veltrack=0.0, stem=pad.name)
                pads[stop_pad.name] = stop_pad
            pads[pad.name] = pad
        kit = Kit(self.name, pads, path=None, source="h2song")
        # instruments without samples are silent in Hydrogen too: not worth a warning
        problems = [p for p in problems if not p.endswith(("no samples; instrument skipped", "has no <filename>"))]
        if problems:
            warnings.warn(f"{self.path}: " + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""),
                          UserWarning, stacklevel=3)
        return kit, by_id

    def _remap(self, by_id):
        """Play the instruments on the kit given by ``kit=``: pads by instrument name, else MIDI note."""
        from ..kit import load_kit

        kit = load_kit(self.kit)
        out = {}
        for iid, pad in by_id.items():
            try:
                target = kit.pad(pad.name)
            except KitError:
                try:
                    target = kit.pad(pad.note if pad.note is not None else -1)
                except KitError:
                    warnings.warn(f"kit {kit.name!r} has no pad for instrument {pad.name!r}; its notes are skipped",
                                  UserWarning, stacklevel=4)
                    continue
            out[iid] = dataclasses.replace(target, name=pad.name, pan=0.0, info=dict(
                target.info, hydrogen_id=iid, h2_pan=pad.info.get("h2_pan", 0.0),
                random_pitch_factor=pad.info.get("random_pitch_factor", 0.0)))
        return out

    # -- sequencing -----------------------------------------------------------------------------
    def hits(self, bars=None, sample_rate: int = 44100) -> list[Hit]:
        """Every note of the song order as a hit, sorted by frame (see the module docs for the rules)."""
        return [hit for _, hit in self.timed_hits(bars, sample_rate)]

    def timed_hits(self, bars=None, sample_rate: int = 44100, *, straight: bool = False):
        """``[(exact onset seconds, Hit)]``, sorted like :meth:`hits`.  Hydrogen's timing offsets are
        whole frames at *sample_rate*, so the onset is ``(tick position + offsets) / sample_rate``;
        ``straight=True`` leaves them out (no swing, humanize time or lead/lag: the plain grid).
        A note-off is a hit of velocity 0 on its instrument's ``note-off`` pad."""
        pads = self._instrument_pads()
        starts = self.column_starts(bars)
        tmap = self._tempo_map(sample_rate, starts)
        rng = np.random.default_rng(self.seed)
        out: list[tuple[int, int, Fraction, Hit]] = []
        order = 0
        for column in range(len(starts) - 1):
            start = starts[column]
            size = starts[column + 1] - start
            names = self.columns[column % len(self.columns)] if self.columns else []
            for pname in names:
                pattern = self.patterns[pname]
                for note in sorted(pattern.notes, key=lambda n: (n.position, n.instrument)):
                    if not 0 <= note.position < min(size, pattern.size):
                        continue
                    order += 1
                    timed = self._hit(note, start, tmap, pads, rng, sample_rate, straight)
                    if timed is not None:
                        out.append((timed[1].frame, order, timed[0], timed[1]))
        out.sort(key=lambda h: (h[0], h[1]))
        return [(seconds, hit) for _, _, seconds, hit in out]

    def _hit(self, note: H2Note, column_start: int, tmap, pads, rng, sample_rate,
             straight: bool = False) -> tuple[Fraction, Hit] | None:
        # draw every random number a note may need, always in the same order, so one note's
        # settings never shift the randomness of the others
        u_prob = rng.random()
        g_time = rng.standard_normal() * HUMANIZE_TIME_SD
        g_vel = rng.standard_normal() * HUMANIZE_VELOCITY_SD
        g_pitch = rng.standard_normal() * RANDOM_PITCH_SD
        pad = pads.get(note.instrument)
        if pad is None:
            return None
        if note.probability < 1.0 and not u_prob < note.probability:
            return None
        tick = column_start + note.position
        base = self._frame_pos(tmap, tick)
        frame = seconds_to_frame(base / sample_rate, sample_rate)
        offset = 0
        p = note.position
        if not straight:          # swing, humanize and lead/lag move the note; a straight export keeps the grid
            if self.swing_factor > 0 and p % (MAX_NOTES // 16) == 0 and p % (MAX_NOTES // 8) != 0:
                later = self._frame_pos(tmap, tick + Fraction(MAX_NOTES, 32))
                if self.swing_rule == "h2cli-1.2.0-beta":
                    # that release scales the absolute frame, not the distance (clamped below to -2000)
                    offset += int(later * Fraction(self.swing_factor) - base)
                else:
                    offset += int((later - base) * Fraction(self.swing_factor))
            if self.humanize_time:
                offset += int(g_time * self.humanize_time * MAX_TIME_HUMANIZE)
            if note.lead_lag:
                offset += int((self._frame_pos(tmap, tick + LEAD_LAG_TICKS) - base) * Fraction(note.lead_lag))
        offset = max(-MAX_TIME_HUMANIZE, min(MAX_TIME_HUMANIZE, offset))
        # the offset is whole frames, so rounding base + offset is the rounded base + offset
        frame = max(0, frame + offset)
        seconds = max(Fraction(0), (base + offset) / sample_rate)
        if note.note_off:
            return seconds, Hit(frame=frame, track=pad.name, pad=f"{pad.name} note-off", velocity=0.0)
        velocity = note.velocity
        if self.humanize_velocity:
            velocity = min(1.0, max(0.0, velocity + self.humanize_velocity * g_vel - self.humanize_velocity / 2))
        pitch = note.pitch
        factor = pad.info.get("random_pitch_factor", 0.0)
        if factor:
            pitch += g_pitch * factor
        length = None
        if note.length >= 0:
            end = seconds_to_frame(self._frame_pos(tmap, tick + note.length) / sample_rate, sample_rate)
            length = max(0, end - seconds_to_frame(base / sample_rate, sample_rate))
        pan, gain_db = self._pan(pad, note.pan)
        return seconds, Hit(frame=frame, track=pad.name, pad=pad.name, velocity=velocity * 127.0, pitch=pitch,
                            pan=pan, gain_db=gain_db, length=length)

    # -- MIDI export ----------------------------------------------------------------------------
    def tempo_segments(self, bars=None):
        """``(segments, end)``: ``(start quarter, start seconds, bpm)`` at the song's tempo and each
        tempo marker within *bars* columns, and where those columns end, in quarter notes."""
        starts = self.column_starts(bars)
        ticks, seconds, spts = self._tempo_map(1, starts)       # at one frame per second: seconds
        segments = [(Fraction(t, TICKS_PER_QUARTER), s0, 60 / (spt * TICKS_PER_QUARTER))
                    for t, s0, spt in zip(ticks, seconds, spts)]
        return segments, Fraction(starts[-1], TICKS_PER_QUARTER)

    def time_signatures(self, bars=None):
        """``[(quarter, numerator, denominator)]``: each column's length as a time signature where it
        changes (2/4 for a 96-tick pattern, 3/8 for 72 ticks); lengths no signature can say are left out."""
        starts = self.column_starts(bars)
        out = []
        for a, b in zip(starts, starts[1:]):
            quarters = Fraction(b - a, TICKS_PER_QUARTER)
            for den in (4, 8, 16, 32):
                num = quarters * den / 4
                if num.denominator == 1 and 1 <= num <= 255:
                    if not out or out[-1][1:] != (int(num), den):
                        out.append((Fraction(a, TICKS_PER_QUARTER), int(num), den))
                    break
        return out or [(Fraction(0), 4, 4)]

    def to_midi(self, path, bars: int | None = None, straight: bool = False):
        """Write the song as a type 1 Standard MIDI File (see :mod:`beatforge.io.midi`): one track per
        instrument that plays, named after it, on the instrument's MIDI out note (the kit pad's note
        when played on another kit, else its General MIDI note), tempo markers in the tempo map,
        velocities and note lengths from the notes.  Swing, humanize and lead/lag are baked into the
        note positions; ``straight=True`` exports the plain grid.  ``bars`` counts columns."""
        from .midi import write_midi

        song = self
        if self.kit is None:
            try:
                self.load_kit()
            except KitError:
                # the notes need no samples: a song whose drumkit is not installed exports too
                song = copy.copy(self)
                song._kit_cache = None
                song._notes_only = True
        return write_midi(song, path, bars=bars, straight=straight)

    def _pan(self, pad, note_pan: float) -> tuple[float, float]:
        """Hydrogen's pan (the note pans within the range the instrument's pan leaves) under its
        default "ratio straight polygonal" law (the louder side at full gain), as the engine's
        ``(pan, gain_db)``: stereo samples use the same balance law already; for mono samples
        the constant-power pan angle and a gain give exactly the same two channel gains."""
        ip = pad.info.get("h2_pan", 0.0)
        p = max(-1.0, min(1.0, ip + note_pan * (1.0 - abs(ip))))
        if not self.ratio_pan_law or self._channels(pad) == 2:
            return p, 0.0
        left, right = min(1.0, 1.0 - p), min(1.0, 1.0 + p)
        theta = math.atan2(right, left)
        return max(-1.0, min(1.0, 4.0 * theta / math.pi - 1.0)), 20.0 * math.log10(math.hypot(left, right))

    def _channels(self, pad) -> int:
        cache = self.__dict__.setdefault("_channel_cache", {})
        if id(pad) not in cache:
            try:
                cache[id(pad)] = pad.layers[0].sample.channels
            except Exception:       # unreadable samples fail later, when played, with a clear error
                cache[id(pad)] = 1
        return cache[id(pad)]

    def __repr__(self):
        return (f"H2Song({self.name!r}, bpm={self.bpm:g}, columns={len(self.columns)}, "
                f"patterns={len(self.patterns)}, swing_factor={self.swing_factor:g})")


def _flatten(names: list[str], virtual: dict[str, list[str]], patterns: dict) -> list[str]:
    """Patterns of a column with their virtual patterns expanded (each once, cycles ignored)."""
    out: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in out or name not in patterns:
            continue
        out.append(name)
        todo.extend(virtual.get(name, []))
    return out


def _note(el: ET.Element) -> H2Note:
    key = _text(el, "key", "C0").strip() or "C0"
    semis = 0
    i = len(key)
    while i > 0 and (key[i - 1].isdigit() or key[i - 1] == "-"):
        i -= 1
    if key[:i] in KEYS:
        try:
            semis = KEYS[key[:i]] + 12 * int(key[i:] or 0)
        except ValueError:
            semis = KEYS[key[:i]]
    if el.find("pan") is not None:
        pan = _float(el, "pan", 0.0)
    else:   # 0.9.x songs: a pair of channel gains
        from ..kit.formats.hydrogen import ratio_pan

        pan = ratio_pan(_float(el, "pan_L", 0.5), _float(el, "pan_R", 0.5))
    return H2Note(
        position=_int(el, "position", 0),
        instrument=_int(el, "instrument", 0),
        velocity=min(1.0, max(0.0, _float(el, "velocity", 0.8))),
        pan=min(1.0, max(-1.0, pan)),
        pitch=_float(el, "pitch", 0.0) + semis,
        probability=min(1.0, max(0.0, _float(el, "probability", 1.0))),
        lead_lag=min(1.0, max(-1.0, _float(el, "leadlag", 0.0))),
        length=_int(el, "length", -1),
        note_off=_text(el, "note_off", "false").strip().lower() == "true",
    )



def load_h2song(path) -> H2Song:
    """``load_source`` hook for .h2song files."""
    return H2Song.from_file(path)
