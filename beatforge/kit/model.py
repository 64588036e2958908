"""The kit model every kit format resolves to: Kit -> Pad -> Layer -> Sample."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import KitError
from . import names
from .sample import Sample, load_sample

SELECTIONS = ("round_robin", "random", "first")


@dataclass(frozen=True)
class Envelope:
    """AHDSR amplitude envelope, in seconds.  ``hold=None`` holds forever (a one-shot
    plays its whole sample); ``release`` applies on note-off for gated pads."""

    attack: float = 0.0
    hold: float | None = None
    decay: float = 0.0
    sustain: float = 1.0
    release: float = 0.0

    def __post_init__(self):
        for key in ("attack", "decay", "release"):
            if getattr(self, key) < 0:
                raise ValueError(f"envelope {key} must be >= 0, got {getattr(self, key)!r}")
        if self.hold is not None and self.hold < 0:
            raise ValueError(f"envelope hold must be >= 0 or None, got {self.hold!r}")
        if not 0.0 <= self.sustain <= 1.0:
            raise ValueError(f"envelope sustain must be within 0..1, got {self.sustain!r}")


@dataclass(eq=False)
class Layer:
    """One sample of a pad, used for velocities ``vel_lo..vel_hi`` (inclusive, 1..127).

    ``seq`` orders round-robin layers (lowest first); ``gain_db`` and ``tune``
    (semitones) add to the pad's.  A layer may carry its decoded sample directly
    (kits built in code); otherwise it is loaded lazily from ``path`` and cached.

    Sampler-style selection (SFZ): with ``seq_length`` set, the layer plays on hit
    number ``seq`` (1-based) of every ``seq_length`` hits; ``rand_lo``..``rand_hi``
    is the slice of a uniform random number in [0, 1) that picks it.  ``offset`` and
    ``end`` (sample frames; ``end`` exclusive, as in a Python slice) narrow the sample
    for this layer; they combine with the pad's ``start``/``end`` (seconds).
    ``where`` says where a loaded layer is declared (``kit.toml:12: pads.kick.sample``),
    for messages about its sample.

    ``companions`` are layers that sound together with this one on every hit that chooses
    it (SFZ regions stacked on one key and velocity/seq/rand slot: close, overhead and room
    microphones).  Each plays as its own voice with its own sample, gain, pan, tune and
    offset/end; they are not candidates for selection themselves.
    """

    path: Path | None
    vel_lo: int = 1
    vel_hi: int = 127
    gain_db: float = 0.0
    tune: float = 0.0
    pan: float = 0.0
    seq: int | None = None
    data: Sample | None = None
    seq_length: int | None = None
    rand_lo: float = 0.0
    rand_hi: float = 1.0
    offset: int = 0
    end: int | None = None
    where: str | None = None
    companions: tuple = ()

    def __post_init__(self):
        self.companions = tuple(self.companions)
        if not (0.0 <= self.rand_lo < self.rand_hi <= 1.0):
            raise ValueError(f"bad random range {self.rand_lo}..{self.rand_hi} (must be within 0..1, lo < hi)")
        if self.seq_length is not None and self.seq_length < 1:
            raise ValueError(f"seq_length must be >= 1, got {self.seq_length!r}")
        if self.offset < 0 or (self.end is not None and self.end <= self.offset):
            raise ValueError(f"bad sample range offset={self.offset!r} end={self.end!r}")
        if self.path is not None:
            self.path = Path(self.path)
        if self.path is None and self.data is None:
            raise ValueError("a layer needs a path or sample data")
        if not (0 <= self.vel_lo <= self.vel_hi <= 127):
            raise ValueError(f"bad velocity range {self.vel_lo}..{self.vel_hi} (must be 0..127, lo <= hi)")

    @property
    def sample(self) -> Sample:
        if self.data is not None:
            return self.data
        return load_sample(self.path)


@dataclass(eq=False)
class Pad:
    """A playable pad: layers plus how to play them.

    ``root`` is the MIDI note the samples sound at unpitched (melodic pads: notes
    play relative to it); ``choke_group`` is the group the pad belongs to and
    ``choked_by`` the groups whose hits silence it (closed hat chokes open hat).
    ``stem`` names the stem the pad renders to (default: the track's name).
    ``choke_self`` (default true): a pad whose group is in its own ``choked_by``
    cuts its own previous hits too (SFZ ``off_by`` = ``group``); Hydrogen mute groups
    only cut the *other* instruments.  ``choke_fade`` is how long (seconds) a choked
    voice of this pad takes to fade out (``None``: the engine's short default, SFZ
    ``off_mode=fast``; SFZ ``off_mode=normal`` uses the release time).  ``info``
    carries format-specific facts (Hydrogen instrument id, source file ...).

    ``stack`` holds further groups of layers that play together with ``layers`` (Hydrogen
    instrument components: one group per microphone).  Every hit chooses one layer of
    ``layers`` and, by the same rules (velocity, selection, round robin counted per group),
    one layer of each stack group; a group none of whose layers covers the hit's velocity
    stays silent.  All the voices of one hit share its onset, stem, velocity and pitch, and
    chokes, polyphony and note-off treat them as one: polyphony counts hits.
    """

    name: str
    layers: list[Layer]
    note: int | None = None
    tune: float = 0.0
    gain_db: float = 0.0
    pan: float = 0.0
    envelope: Envelope = field(default_factory=Envelope)
    start: float = 0.0
    end: float | None = None
    reverse: bool = False
    root: int | None = None
    polyphony: int | None = None
    choke_group: str | None = None
    choked_by: frozenset = frozenset()
    stem: str | None = None
    selection: str = "round_robin"
    gated: bool = False
    amp_veltrack: float = 1.0
    random_pitch: float = 0.0
    choke_self: bool = True
    choke_fade: float | None = None
    info: dict = field(default_factory=dict)
    stack: tuple = ()

    def __post_init__(self):
        self.stack = tuple(sorted(g, key=_layer_order) for g in self.stack if g)
        if not self.layers:
            raise KitError(f"pad {self.name!r} has no samples")
        if self.selection not in SELECTIONS:
            raise ValueError(f"pad {self.name!r}: selection must be one of {SELECTIONS}, got {self.selection!r}")
        if self.note is not None and not 0 <= self.note <= 127:
            raise ValueError(f"pad {self.name!r}: MIDI note must be 0..127, got {self.note!r}")
        if not -1.0 <= self.pan <= 1.0:
            raise ValueError(f"pad {self.name!r}: pan must be within -1..1, got {self.pan!r}")
        self.choked_by = frozenset(self.choked_by)
        self.layers = sorted(self.layers, key=_layer_order)

    def all_layers(self) -> list[Layer]:
        """Every layer the pad can play: ``layers``, the stack groups' and their companions."""
        out = []
        for group in (self.layers, *self.stack):
            for layer in group:
                out.append(layer)
                out.extend(layer.companions)
        return out

    def band(self, velocity: float, layers: list[Layer] | None = None) -> tuple[int, int] | None:
        """Which velocity layer group *velocity* plays (None when the pad has one group).

        Round robin counts hits per band, as Hydrogen and SFZ players do: soft and hard
        hits each cycle through their own variants.  *layers*: a stack group instead of ``layers``."""
        layers = self.layers if layers is None else layers
        if len({(l.vel_lo, l.vel_hi) for l in layers}) < 2:
            return None
        layers = self.candidates(velocity, layers)
        return (min(l.vel_lo for l in layers), max(l.vel_hi for l in layers))

    def candidates(self, velocity: float, layers: list[Layer] | None = None,
                   nearest: bool = True) -> list[Layer]:
        """Layers whose velocity range holds *velocity* (the nearest range when none does,
        unless *nearest* is false: then none).  *layers*: a stack group instead of ``layers``."""
        layers = self.layers if layers is None else layers
        v = min(127, max(1, int(round(velocity))))
        hits = [l for l in layers if l.vel_lo <= v <= l.vel_hi]
        if hits or not nearest:
            return hits
        near = min(layers, key=lambda l: min(abs(l.vel_lo - v), abs(l.vel_hi - v)))
        return [l for l in layers if (l.vel_lo, l.vel_hi) == (near.vel_lo, near.vel_hi)]

    def choose(self, velocity: float, variant: int | None, counter: int, rng: np.random.Generator,
               candidates: list[Layer] | None = None) -> Layer:
        """Pick the layer for one hit.  *variant* (``bd:3``) picks explicitly (modulo the
        number of candidates); otherwise the pad's selection rule applies, with
        *counter* (hits so far on this pad) for round robin and *rng* for random.
        *candidates*: ``self.candidates(velocity)`` when the caller already has it."""
        layers = self.candidates(velocity) if candidates is None else candidates
        if variant is not None:
            return layers[variant % len(layers)]
        if len(layers) > 1 and any(l.seq_length for l in layers):
            # SFZ sequences: a layer with seq_length plays on hit `seq` of every seq_length.
            timed = [l for l in layers if not l.seq_length or counter % l.seq_length + 1 == (l.seq or 1)]
            layers = timed or layers
        if len(layers) > 1 and any(l.rand_lo > 0.0 or l.rand_hi < 1.0 for l in layers):
            # SFZ lorand/hirand: one uniform draw picks the slice it falls in.
            r = float(rng.random())
            sliced = [l for l in layers if l.rand_lo <= r < l.rand_hi]
            return sliced[0] if sliced else layers[0]
        if len(layers) == 1 or self.selection == "first":
            return layers[0]
        if self.selection == "random":
            return layers[int(rng.integers(len(layers)))]
        return layers[counter % len(layers)]


def _layer_order(layer: Layer):
    return (layer.vel_lo, layer.seq if layer.seq is not None else 0)


@dataclass(eq=False)
class Kit:
    """A named set of pads.  ``kit.pad(ref)`` finds a pad by name, alias or MIDI note."""

    name: str
    pads: dict[str, Pad] = field(default_factory=dict)
    path: Path | None = None
    polyphony: int = 64
    source: str = "code"
    info: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def __post_init__(self):
        # ``info``: author, license, description ...; ``problems``: what a loader tolerated
        # (missing sample files, odd velocity ranges ...), reported by ``beatforge kit check``.
        self.pads = {names.normalise(k): v for k, v in self.pads.items()}

    def add_pad(self, name: str, samples: Sample | str | os.PathLike | Iterable = (), **kw) -> Pad:
        """Add (or replace) a pad built from one sample or several.

        Each item is a :class:`Sample`, a path, a :class:`Layer`, or a tuple
        ``(sample_or_path, vel_lo, vel_hi)`` for a velocity layer.  Several items with
        the same velocity range are variants, chosen by the pad's ``selection`` (round
        robin by default).  Keyword arguments are :class:`Pad` fields (``note``,
        ``tune``, ``choke_group`` ...)::

            kit = Kit("mine")
            kit.add_pad("kick", "kick.wav", note=36)
            kit.add_pad("snare", [("soft.wav", 1, 80), ("hard.wav", 81, 127)])
            kit.add_pad("hat", [Sample.load("hat.wav").slice(0, 0.1)], choke_group="hats")
        """
        if isinstance(samples, np.ndarray):   # e.g. straight from beatforge.synth: its rate is unknown here
            raise TypeError(f"pad {name!r}: got a numpy array; wrap audio as Sample(array, sample_rate) "
                            "(beatforge.synth makes 44100 Hz by default)")
        if isinstance(samples, (Sample, str, os.PathLike, Layer)):
            samples = [samples]
        layers = []
        for i, s in enumerate(samples):
            vel = {}
            if isinstance(s, tuple):
                if len(s) != 3:
                    raise ValueError(f"pad {name!r}: a velocity layer is (sample, vel_lo, vel_hi), got {s!r}")
                s, lo, hi = s
                vel = {"vel_lo": int(lo), "vel_hi": int(hi)}
            if isinstance(s, Layer):
                layers.append(s)
            elif isinstance(s, Sample):
                layers.append(Layer(None, data=s, seq=i, **vel))
            elif isinstance(s, (str, os.PathLike)):
                layers.append(Layer(Path(s), seq=i, **vel))
            else:
                raise TypeError(f"pad {name!r}: a layer is a Sample, a path, a Layer or (sample, vel_lo, "
                                f"vel_hi), got {type(s).__name__}")
        pad = Pad(name, layers, **kw)
        self.pads[names.normalise(name)] = pad
        return pad

    def remove_pad(self, ref: str | int) -> Pad:
        """Remove and return the pad *ref* refers to."""
        pad = self.pad(ref)
        for key, value in list(self.pads.items()):
            if value is pad:
                del self.pads[key]
        return pad

    def __contains__(self, ref) -> bool:
        try:
            self.pad(ref)
        except KitError:
            return False
        return True

    def __iter__(self):
        return iter(self.pads.values())

    def __len__(self) -> int:
        return len(self.pads)

    def save(self, folder: str | os.PathLike) -> Path:
        """Write the kit as a folder with a ``kit.toml`` (and every layer's sample as a WAV),
        loadable with ``load_kit(folder)``; see :func:`beatforge.kit.tools.save_kit`."""
        from .tools import save_kit

        return save_kit(self, folder)

    def pad(self, ref: str | int) -> Pad:
        """The pad for *ref*: a name (case/space/``_``/``-`` insensitive, aliases such as
        bd/sd/hh/oh/cp) or a MIDI note (the kit's own notes, else General MIDI)."""
        if isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
            note = int(ref)
            for pad in self.pads.values():
                if pad.note == note:
                    return pad
            gm = names.GM_DRUMS.get(note)
            if gm is not None:
                for key in names.candidates(gm):
                    if key in self.pads:
                        return self.pads[key]
            raise KitError(f"no pad for MIDI note {note} in kit {self.name!r}; notes: {self._notes()}")
        for key in names.candidates(str(ref)):
            if key in self.pads:
                return self.pads[key]
        # Descriptive pad names ("Sabian Hat Closed", "Kick Low 1"): the pad whose name says it
        # is that kind of drum, the most specific match first, in kit order among equals.
        chain = names.group_chain(str(ref))
        if chain:
            grouped = [(names.name_group(p.name), p) for p in self.pads.values()]
            for group in chain:
                found = [(score, p) for (g, score), p in grouped if g == group]
                if found:
                    top = max(score for score, _ in found)
                    return next(p for score, p in found if score == top)
        else:
            key = names.normalise(str(ref))
            for pad in self.pads.values():
                if key and key in names.normalise(pad.name):
                    return pad
        # Last, a General MIDI name ("kick", "hh") finds the pad on that note in kits with their
        # own note map (Hydrogen midiOutNote, SFZ key) whose pad names say nothing.  Kits whose
        # names do name drums are not searched by note: their notes need not follow General
        # MIDI, and the wrong drum is worse than a clear error.
        canon = names.canonical(str(ref))
        descriptive = chain and any(g for (g, _), _ in grouped)
        if canon is not None and not descriptive:
            gm_notes = [n for n, c in names.GM_DRUMS.items() if c == canon]
            gm_notes.sort(key=lambda n: n != names.GM_NOTES.get(canon))
            for n in gm_notes:
                for pad in self.pads.values():
                    if pad.note == n:
                        return pad
        raise KitError(f"unknown pad {str(ref)!r} in kit {self.name!r}; pads: {', '.join(self.pad_names())}")

    def pad_names(self) -> list[str]:
        return [p.name for p in self.pads.values()]

    def note_of(self, pad: Pad) -> int | None:
        """The MIDI note of *pad*: its own, else the General MIDI note for its name."""
        return pad.note if pad.note is not None else names.gm_note(pad.name)

    def _notes(self) -> str:
        pairs = [(self.note_of(p), p.name) for p in self.pads.values()]
        return ", ".join(f"{n}={name}" for n, name in sorted(pairs, key=lambda x: (x[0] is None, x[0] or 0)))

    def __repr__(self):
        return f"Kit({self.name!r}, {len(self.pads)} pads, source={self.source!r})"
