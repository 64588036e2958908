"""Hits -> voices: layer choice, pitch, gains, envelopes, polyphony, stealing, chokes.

Shared by offline rendering and the live engine, so both play a hit the same way.

Gain rules (documented in the README):

* velocity: amplitude ``(velocity / 127) ** (2 * amp_veltrack)`` - a square law by
  default (ghost 50 is about -16 dB, ``x`` 100 about -4 dB, accent 127 is 0 dB);
* pan, mono samples: constant power, ``L = cos(theta)``, ``R = sin(theta)`` with
  ``theta = (pan + 1) * pi / 4`` (centre -3 dB per side);
* pan, stereo samples: balance, ``L = min(1, 1 - pan)``, ``R = min(1, 1 + pan)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import BeatforgeError
from ..kit.model import Kit, Pad
from ..sequence import Hit

_MEMO_LIMIT = 4096
MAX_SEMITONES = 120          # ten octaves up or down: beyond that a sample is inaudible or one frame long
MAX_GAIN_DB = 96.0           # louder than this is a typo, not a mix
STEAL_FADE_SECONDS = 0.005   # a stolen voice fades out over 5 ms: no click
CHOKE_FADE_SECONDS = 0.005   # so does a choked one (closed hat cutting the open hat)


def pan_gains(pan: float, channels: int) -> tuple[float, float]:
    """Left/right gains for *pan* in -1..1 (constant power for mono, balance for stereo)."""
    pan = min(1.0, max(-1.0, pan))
    if channels == 1:
        theta = (pan + 1.0) * math.pi / 4.0
        return math.cos(theta), math.sin(theta)
    return min(1.0, 1.0 - pan), min(1.0, 1.0 + pan)


def velocity_gain(velocity: float, veltrack: float = 1.0) -> float:
    v = min(127.0, max(0.0, float(velocity))) / 127.0
    return v ** (2.0 * veltrack)


class _LazyGenerator:
    """``np.random.default_rng(seed)``, made when a hit first needs a random number (random
    layer choice, random pitch): importing numpy.random costs a short render ~5 ms."""

    __slots__ = ("_seed", "_gen")

    def __init__(self, seed):
        self._seed = seed
        self._gen = None

    def __getattr__(self, name):
        if self._gen is None:
            self._gen = np.random.default_rng(self._seed)
        return getattr(self._gen, name)


@dataclass(slots=True)
class VoiceSpec:
    """Everything the mixer needs to play one hit (frames are output frames)."""

    data: np.ndarray
    start: int
    end: int
    reverse: bool
    rate: float
    gain_l: float
    gain_r: float
    attack: int
    hold: int
    decay: int
    sustain: float
    release: int
    release_at: int
    length: int        # output frames from onset until the voice is silent on its own
    pad: Pad
    stem: str


class VoicePlanner:
    """Turns hits into :class:`VoiceSpec` for one kit at one sample rate.

    Keeps the per-pad round-robin counters and the seeded generator for random
    layer choice and random pitch, so a render is reproducible from its seed.
    """

    def __init__(self, kit: Kit, sample_rate: int, seed: int = 0):
        self.kit = kit
        self.sample_rate = sample_rate
        self.rng = _LazyGenerator(seed)
        self._pads: dict = {}
        self._counters: dict = {}
        self._samples: dict[int, object] = {}
        # memos (bounded: a live planner lives long): velocity band and candidate layers per
        # (pad, velocity), and the spec per (layer, pad, hit parameters); ids are stable because
        # the kit holds the objects
        self._bands: dict = {}
        self._specs: dict = {}   # layer id -> Sample (skips the file-cache lookup per hit)

    def pad(self, ref) -> Pad:
        key = (type(ref), ref)
        pad = self._pads.get(key)
        if pad is None:
            pad = self._pads[key] = self.kit.pad(ref)
        return pad

    def plan(self, hit: Hit, stem: str | None = None) -> VoiceSpec:
        """The voice of *hit* (the first one when its pad stacks layers: see :meth:`plan_all`)."""
        return self.plan_all(hit, stem)[0]

    def plan_all(self, hit: Hit, stem: str | None = None) -> tuple[VoiceSpec, ...]:
        """Every voice *hit* plays: the chosen layer's, its companions' and one per stack group
        of the pad whose layers cover the velocity (a pad without stacks: one voice)."""
        pad = self.pad(hit.pad)
        bkey = (id(pad), hit.velocity)
        memo = self._bands.get(bkey)
        if memo is None:
            if len(self._bands) >= _MEMO_LIMIT:
                self._bands.clear()
            # round robin counts per velocity band; the band's layers are the same for every hit
            memo = self._bands[bkey] = (pad.band(hit.velocity), pad.candidates(hit.velocity))
        band, candidates = memo
        key = id(pad) if band is None else (id(pad), band)
        count = self._counters.get(key, 0)
        self._counters[key] = count + 1
        layer = pad.choose(hit.velocity, hit.variant, count, self.rng, candidates)
        if not pad.stack and not layer.companions:
            jitter = float(self.rng.uniform(-pad.random_pitch, pad.random_pitch)) if pad.random_pitch else None
            return (self._spec(layer, pad, hit, stem, jitter),)
        layers = [layer, *layer.companions]
        for k, group in enumerate(pad.stack):
            gkey = (id(pad), k, hit.velocity)
            memo = self._bands.get(gkey)
            if memo is None:
                if len(self._bands) >= _MEMO_LIMIT:
                    self._bands.clear()
                group_candidates = pad.candidates(hit.velocity, group, nearest=False)
                memo = self._bands[gkey] = (pad.band(hit.velocity, group) if group_candidates else None,
                                            group_candidates)
            band, group_candidates = memo
            if not group_candidates:
                continue   # no layer of this group covers the velocity: it stays silent
            ckey = (id(pad), k, band)
            count = self._counters.get(ckey, 0)
            self._counters[ckey] = count + 1
            chosen = pad.choose(hit.velocity, hit.variant, count, self.rng, group_candidates)
            layers.append(chosen)
            layers.extend(chosen.companions)
        # one random pitch per hit: the stacked voices stay in tune with each other
        jitter = float(self.rng.uniform(-pad.random_pitch, pad.random_pitch)) if pad.random_pitch else None
        return tuple(self._spec(l, pad, hit, stem, jitter) for l in layers)

    def _spec(self, layer, pad: Pad, hit: Hit, stem: str | None, jitter: float | None) -> VoiceSpec:
        # Everything below depends only on the layer and the hit's parameters (unless the pad
        # draws a random pitch): hits that repeat them share one spec (specs are never modified).
        skey = None
        if not pad.random_pitch:
            skey = (id(layer), id(pad), hit.pitch, hit.gain_db, hit.pan, hit.velocity,
                    hit.length if pad.gated else None, stem or hit.track)
            spec = self._specs.get(skey)
            if spec is not None:
                return spec
        sample = self._samples.get(id(layer))
        if sample is None:
            sample = self._samples[id(layer)] = layer.sample
        sr = self.sample_rate
        semitones = pad.tune + layer.tune + hit.pitch
        if jitter is not None:
            semitones += jitter
        if not -MAX_SEMITONES <= semitones <= MAX_SEMITONES:
            raise BeatforgeError(f"pad {pad.name!r}: pitch {semitones:+g} semitones (pad, layer and hit together) "
                                 f"is out of range; at most {MAX_SEMITONES} up or down")
        rate = sample.sample_rate / sr * 2.0 ** (semitones / 12.0)
        # The layer's own range (SFZ offset/end, frames) narrows the sample; pad start/end are relative to it.
        l_end = sample.frames if layer.end is None else min(sample.frames, layer.end)
        l_start = min(l_end - 1, layer.offset)
        s_start = min(l_end - 1, l_start + max(0, int(round(pad.start * sample.sample_rate))))
        s_end = l_end if pad.end is None else min(l_end, l_start + int(round(pad.end * sample.sample_rate)))
        s_end = max(s_start + 1, s_end)
        env = pad.envelope
        attack = int(round(env.attack * sr))
        hold = -1 if env.hold is None else int(round(env.hold * sr))
        decay = int(round(env.decay * sr))
        release = int(round(env.release * sr))
        length = math.ceil((s_end - s_start) / rate)
        if hold >= 0 and env.sustain == 0.0:  # the envelope falls silent before the sample ends
            length = min(length, attack + hold + decay)
        release_at = -1
        if pad.gated and hit.length is not None:
            release_at = max(0, int(hit.length))
            length = min(length, release_at + release)
        gain_db = pad.gain_db + layer.gain_db + hit.gain_db
        if not gain_db <= MAX_GAIN_DB:
            raise BeatforgeError(f"pad {pad.name!r}: gain {gain_db:+g} dB (pad, layer and hit together) is out of "
                                 f"range; at most +{MAX_GAIN_DB:g} dB")
        amp = 10.0 ** (gain_db / 20.0) * velocity_gain(hit.velocity, pad.amp_veltrack)
        gl, gr = pan_gains(pad.pan + layer.pan + hit.pan, sample.channels)
        spec = VoiceSpec(sample.data, s_start, s_end, pad.reverse, rate, amp * gl, amp * gr, attack, hold, decay,
                         float(env.sustain), release, release_at, max(1, length), pad,
                         pad.stem or stem or hit.track)
        if skey is not None:
            if len(self._specs) >= _MEMO_LIMIT:
                self._specs.clear()
            self._specs[skey] = spec
        return spec


class Allocator:
    """Polyphony and chokes.  ``start()`` registers a voice and says which voices it cuts.

    A voice is cut (faded out over a few ms, or its pad's ``choke_fade``) when a hit
    arrives whose pad's choke group is in its ``choked_by`` groups (not by its own pad
    when that pad has ``choke_self`` false), when its pad already has ``polyphony``
    voices sounding (the oldest goes), or when the kit's global limit is reached
    (the oldest voice overall goes).

    Each entry is one hit: a hit that plays several stacked voices registers once (its id
    names all of them, its length is the longest), so chokes and steals cut them together
    and both limits count hits, not voices.
    """

    def __init__(self, polyphony: int, sample_rate: int):
        self.polyphony = polyphony
        self.sample_rate = sample_rate
        self.steal_fade = max(1, int(round(STEAL_FADE_SECONDS * sample_rate)))
        self.choke_fade = max(1, int(round(CHOKE_FADE_SECONDS * sample_rate)))
        self.alive: list[list] = []  # [voice_id, pad, start_frame, end_frame], oldest first

    def start(self, frame: int, voice_id, pad: Pad, length: int) -> list[tuple[object, int, int]]:
        """Register a voice starting at *frame*; return ``(victim_id, kill_frame, fade)`` for voices it cuts."""
        self.alive = [v for v in self.alive if v[3] > frame]
        cuts = []
        if pad.choke_group is not None:
            keep = []
            for v in self.alive:
                victim = v[1]
                if pad.choke_group in victim.choked_by and (victim is not pad or pad.choke_self):
                    fade = self.choke_fade if victim.choke_fade is None else max(
                        1, int(round(victim.choke_fade * self.sample_rate)))
                    cuts.append((v[0], frame, fade))
                else:
                    keep.append(v)
            self.alive = keep
        if pad.polyphony is not None:
            same = [v for v in self.alive if v[1] is pad]
            for v in same[: max(0, len(same) - pad.polyphony + 1)]:
                cuts.append((v[0], frame, self.steal_fade))
                self.alive.remove(v)
        excess = len(self.alive) - self.polyphony + 1
        if excess > 0:
            for v in self.alive[:excess]:
                cuts.append((v[0], frame, self.steal_fade))
            self.alive = self.alive[excess:]
        self.alive.append([voice_id, pad, frame, frame + length])
        return cuts
