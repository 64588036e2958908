"""Songs: named sections (intro, verse, hook...) of beats with bar counts, chained into one render.

A section is a beat played for a number of bars, optionally varied: tracks muted or unmuted,
track patterns replaced, and fills that take over a track in the last bar of every N bars.
The arrangement chains sections like Hydrogen's song mode (``"intro verse*2 hook+perc"``)::

    >>> from beatforge import Beat
    >>> beat = Beat(bpm=90)
    >>> _ = beat.track("kick", "x.......x.......")
    >>> _ = beat.track("snare", "....x.......x...")
    >>> song = Song(name="demo")
    >>> _ = song.section("intro", beat, bars=2, mute=["kick"])
    >>> _ = song.section("verse", beat, bars=4, fills={"snare": "....x...x.xxXXXX"}, fill_every=2)
    >>> _ = song.arrange("intro verse*2")
    >>> song.length_bars()
    10
    >>> [name for name, _ in song.timeline()]
    ['intro', 'verse', 'verse']

Each section's patterns start from their first bar when the section starts. Random choices
(``?``, ``|``, probability, humanize) follow the song's seed and differ between repeats of a
section (the seed is mixed with the bar the section starts on). Sections keep their beats'
tempos unless the song sets ``bpm``; a tempo change takes effect at the section boundary.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import BeatforgeError
from .io.playable import Playable

__all__ = ["Song", "Section", "vary"]

_ARRANGE_RE = re.compile(r"([^\s*]+)(?:\*(\d+))?\Z")


def _as_pattern(value, what: str):
    from .pattern.core import Pattern
    from .pattern.grid import grid

    if isinstance(value, str):
        return grid(value)
    if isinstance(value, Pattern) or hasattr(value, "query"):
        return value
    raise BeatforgeError(f"{what}: expected a grid string or a Pattern, got {type(value).__name__}")


def vary(beat, *, bars: int | None = None, mute=(), unmute=(), replace: dict | None = None,
         fills: dict | None = None, fill_every: int | None = None):
    """A copy of *beat* with tracks muted/unmuted, patterns replaced, and fills that take over a
    track in the last bar of every *fill_every* bars (default: the last bar of *bars*). A fill
    for a track the beat lacks adds that track (silent outside the fills)."""
    from .beat import Track
    from .pattern.core import silence

    names = [t.name for t in beat.tracks]
    for group, label in ((mute, "mute"), (unmute, "unmute"), (replace or {}, "replace")):
        for name in group:
            if name not in names:
                raise BeatforgeError(f"{label}: no track named {name!r} (tracks: {', '.join(names)})")
    new = beat.replace(bars=bars) if bars is not None else beat.replace()
    replace = dict(replace or {})
    fills = dict(fills or {})
    every = fill_every if fill_every is not None else (bars if bars is not None else new.length_bars())
    if fills and not (isinstance(every, int) and every >= 1):
        raise BeatforgeError(f"fill_every must be a positive whole number of bars, got {every!r}")
    tracks = []
    for t in beat.tracks:
        changes: dict[str, Any] = {}
        if t.name in mute:
            changes["mute"] = True
        if t.name in unmute:
            changes["mute"] = False
        if t.name in replace:
            changes["pattern"] = _as_pattern(replace[t.name], f"replace[{t.name!r}]")
            changes["cycle"] = Fraction(1)
        if t.name in fills:
            fill = _as_pattern(fills[t.name], f"fills[{t.name!r}]")
            base = changes.get("pattern", t.pattern)
            changes["pattern"] = base._last_of(every, lambda _p, f=fill: f)
        tracks.append(dataclasses.replace(t, **changes) if changes else t)
    for name, value in fills.items():
        if name not in names:
            fill = _as_pattern(value, f"fills[{name!r}]")
            tracks.append(Track(name, silence._last_of(every, lambda _p, f=fill: f)))
    new.tracks = tracks
    return new


@dataclass
class Section:
    """A named part of a song: a (varied) beat and how many bars it lasts."""

    name: str
    beat: Any
    bars: int

    @property
    def tracks(self):
        return self.beat.tracks


@dataclass
class _Occurrence:
    sections: tuple        # the sections playing together (a column, like Hydrogen's song mode)
    start_bar: int
    start_seconds: Fraction
    bpm: Fraction

    @property
    def name(self) -> str:
        return "+".join(sec.name for sec in self.sections)

    @property
    def bars(self) -> int:
        return max(sec.bars for sec in self.sections)


class Song(Playable):
    """Sections chained into one piece.

    ``bpm``, ``swing``, ``kit`` and ``seed`` override every section's beat when set (the CLI's
    ``--bpm``/``--swing``/``--kit``/``--seed`` set them); left as None, each beat keeps its own
    (the kit defaults to the first section's).
    """

    def __init__(self, bpm: float | None = None, swing: float | None = None, kit: Any = None,
                 seed: int | None = None, name: str | None = None, bars: int | None = None):
        self.bpm = bpm
        self.swing = swing
        self.kit = kit
        self._seed = seed
        self.name = name
        self.bars = bars
        self.parts: dict[str, Section] = {}
        self.order: list[str] | None = None

    # -- building -------------------------------------------------------------------------------------
    def section(self, name: str, beat, bars: int | None = None, *, mute=(), unmute=(),
                replace: dict | None = None, fills: dict | None = None, fill_every: int | None = None) -> Section:
        """Add section *name*: *beat* for *bars* bars (default: the beat's length), varied with
        ``mute``/``unmute`` (track names), ``replace`` ({track: grid or Pattern}) and ``fills``
        ({track: grid or Pattern} played in the last bar of every ``fill_every`` bars)."""
        if not isinstance(name, str) or not name.strip() or any(c.isspace() or c == "*" for c in name):
            raise BeatforgeError(f"a section needs a name without spaces or '*', got {name!r}")
        if name in self.parts:
            raise BeatforgeError(f"there is already a section named {name!r}")
        if not hasattr(beat, "tracks") or not hasattr(beat, "replace"):
            raise BeatforgeError(f"section {name!r}: expected a Beat, got {type(beat).__name__}")
        if bars is None:
            bars = beat.length_bars()
        if not (isinstance(bars, int) and bars >= 1):
            raise BeatforgeError(f"section {name!r}: bars must be a positive whole number, got {bars!r}")
        try:
            varied = vary(beat, bars=bars, mute=mute, unmute=unmute, replace=replace, fills=fills,
                          fill_every=fill_every)
        except BeatforgeError as e:
            raise BeatforgeError(f"section {name!r}: {e}") from None
        varied.name = name
        sec = Section(name, varied, bars)
        self.parts[name] = sec
        return sec

    def arrange(self, order) -> "Song":
        """Set the order of sections: ``"intro verse*2 hook"`` or a list of names; ``name*n``
        repeats a section, ``a+b`` plays sections together for the longer one's bars (a column of
        Hydrogen's song mode). Without an arrangement, each section plays once in the order
        defined::

            >>> from beatforge import Beat
            >>> song = Song()
            >>> for name in ("a", "b", "perc"):
            ...     _ = song.section(name, Beat(), bars=2)
            >>> song.arrange("a b+perc*2").arrangement()
            ['a', 'b+perc', 'b+perc']
        """
        tokens = order.split() if isinstance(order, str) else [str(t) for t in order]
        columns: list[tuple[str, ...]] = []
        for tok in tokens:
            m = _ARRANGE_RE.match(tok)
            if not m:
                raise BeatforgeError(f"arrangement: cannot read {tok!r} (use names, name*count or a+b)")
            names, count = m.group(1).split("+"), int(m.group(2) or 1)
            for name in names:
                if name not in self.parts:
                    known = ", ".join(self.parts) or "(none yet)"
                    raise BeatforgeError(f"arrangement: no section named {name!r} (sections: {known})")
            if count < 1:
                raise BeatforgeError(f"arrangement: {tok!r} repeats a section zero times")
            columns.extend([tuple(names)] * count)
        if not columns:
            raise BeatforgeError("arrangement: no sections given")
        self.order = columns
        return self

    # -- reading --------------------------------------------------------------------------------------
    @property
    def seed(self) -> int:
        if self._seed is not None:
            return self._seed
        first = next(iter(self.parts.values()), None)
        return first.beat.seed if first is not None else 0

    @seed.setter
    def seed(self, value):
        self._seed = value

    @property
    def sections(self) -> dict:
        """``{name: Beat}`` of the sections (with the song's overrides applied), in definition
        order."""
        return {name: self._effective(sec) for name, sec in self.parts.items()}

    def _columns(self) -> list[tuple[str, ...]]:
        return list(self.order) if self.order is not None else [(name,) for name in self.parts]

    def arrangement(self) -> list[str]:
        """The playing order (``"a+b"`` for sections played together)."""
        return ["+".join(column) for column in self._columns()]

    def timeline(self) -> list[tuple[str, int]]:
        """``[(section name, start bar)]`` in playing order."""
        return [(occ.name, occ.start_bar) for occ in self._occurrences()]

    def length_bars(self) -> int:
        if self.bars is not None:
            return self.bars
        return sum(max(self.parts[n].bars for n in column) for column in self._columns()) or 1

    def _effective(self, sec: Section):
        changes = {k: v for k, v in (("bpm", self.bpm), ("swing", self.swing), ("kit", self.kit),
                                     ("seed", self._seed)) if v is not None}
        beat = sec.beat.replace(**changes) if changes else sec.beat
        if self.kit is None and self.parts:
            first = next(iter(self.parts.values())).beat
            if beat.kit != first.kit:
                beat = beat.replace(kit=first.kit)
        return beat

    def _occurrences(self) -> list[_Occurrence]:
        if not self.parts:
            raise BeatforgeError(f"song {self.name or ''!s}: no sections".replace("song : ", "song: "))
        out = []
        bar = 0
        seconds = Fraction(0)
        for column in self._columns():
            secs = tuple(self.parts[name] for name in column)
            bpm = Fraction(self.bpm if self.bpm is not None else secs[0].beat.bpm)
            occ = _Occurrence(secs, bar, seconds, bpm)
            out.append(occ)
            bar += occ.bars
            seconds += Fraction(occ.bars) * 240 / bpm
        return out

    def seconds_at(self, bars) -> Fraction:
        """The exact time (seconds) of bar position *bars* (after the end, the last tempo goes on)."""
        bars = Fraction(bars)
        occ = self._occurrences()
        for o in occ:
            if bars <= o.start_bar + o.bars:
                return o.start_seconds + (bars - o.start_bar) * 240 / o.bpm
        last = occ[-1]
        return last.start_seconds + (bars - last.start_bar) * 240 / last.bpm

    def frames(self, bars=None, sample_rate: int = 44100) -> int:
        from .sequence import seconds_to_frame

        bars = self.length_bars() if bars is None else bars
        return seconds_to_frame(self.seconds_at(bars), sample_rate)

    def stem_names(self) -> list[str]:
        names: list[str] = []
        for sec in self.parts.values():
            for t in sec.beat.tracks:
                if t.name not in names:
                    names.append(t.name)
        return names

    def load_kit(self):
        from .kit import load_kit

        if self.kit is not None:
            return load_kit(self.kit)
        return next(iter(self.parts.values())).beat.load_kit()

    def hits(self, bars=None, sample_rate: int = 44100):
        return [hit for _, hit in self.timed_hits(bars, sample_rate)]

    def timed_hits(self, bars=None, sample_rate: int = 44100, *, straight: bool = False):
        """``[(exact onset seconds, Hit)]`` of the whole song (or its first *bars* bars)."""
        from .sequence import _LazyKit, track_hits

        end = Fraction(self.length_bars() if bars is None else bars)
        order = {name: i for i, name in enumerate(self.stem_names())}
        out = []
        kit = None
        for occ in self._occurrences():
            if occ.start_bar >= end:
                break
            for sec in occ.sections:
                beat = self._effective(sec)
                if kit is None:
                    kit = _LazyKit(beat)
                length = min(Fraction(sec.bars), end - occ.start_bar)
                seed = beat.seed + 1_000_003 * occ.start_bar
                for track in beat.tracks:
                    if track.mute:
                        continue
                    for seconds, hit in track_hits(beat, track, Fraction(0), length, sample_rate,
                                                   straight=straight, offset=occ.start_seconds, seed=seed,
                                                   kit=kit, bpm=occ.bpm):
                        out.append((hit.frame, order.get(track.name, 0), seconds, hit))
        out.sort(key=lambda h: (h[0], h[1]))
        return [(seconds, hit) for _, _, seconds, hit in out]

    # -- interchange ------------------------------------------------------------------------------
    def to_midi(self, path, bars: int | None = None, straight: bool = False):
        """Write the song as a type 1 Standard MIDI File, tempo changes included (see
        :mod:`beatforge.io.midi`); ``straight=True`` exports the grids without groove."""
        from .io.midi import write_midi

        return write_midi(self, path, bars=bars, straight=straight)

    @staticmethod
    def from_h2song(path, **kw):
        """A Hydrogen song (``.h2song``) as a playable song with this render API
        (:class:`beatforge.io.h2song.H2Song`: Hydrogen's own pattern and instrument semantics)."""
        from .io.h2song import H2Song

        return H2Song.from_file(path, **kw)

    def replace(self, **changes) -> "Song":
        """A copy with song-wide settings changed (``bpm``, ``swing``, ``kit``, ``seed``, ``bars``,
        ``name``)."""
        new = Song(self.bpm, self.swing, self.kit, self._seed, self.name, self.bars)
        new.parts = dict(self.parts)
        new.order = None if self.order is None else list(self.order)
        for key, value in changes.items():
            if key not in ("bpm", "swing", "kit", "seed", "bars", "name"):
                raise TypeError(f"replace() got an unexpected setting {key!r}")
            if key == "seed":
                new._seed = value
            else:
                setattr(new, key, value)
        for sec in new.parts.values():  # validate the overrides against every section
            new._effective(sec)
        return new

    def __repr__(self):
        return f"Song(name={self.name!r}, sections={list(self.parts)}, order={self.arrangement()})"
