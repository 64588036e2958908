"""Pad names: normalisation, aliases and the General MIDI drum map."""

from __future__ import annotations

import re

# Each group lists a canonical pad name first, then its aliases (already normalised).
ALIAS_GROUPS: tuple[tuple[str, ...], ...] = (
    ("kick", "bd", "bassdrum", "kickdrum", "kik", "bass drum"),
    ("snare", "sd", "sn", "snr", "snaredrum"),
    ("hat", "hh", "ch", "chh", "closedhat", "closedhihat", "hihat", "hatclosed", "hihatclosed"),
    ("openhat", "oh", "ohh", "openhihat", "hatopen", "hihatopen"),
    ("pedalhat", "ph", "phh", "pedalhihat", "hihatpedal", "hatpedal"),
    ("clap", "cp", "handclap", "claps"),
    ("rim", "rs", "rimshot", "sidestick", "stick"),
    ("lowtom", "lt", "tomlow", "floortom", "tom3"),
    ("midtom", "mt", "tommid", "tom2"),
    ("hightom", "ht", "tomhigh", "tom1"),
    ("tom", "toms"),
    ("crash", "cr", "cy", "cymbal", "crashcymbal"),
    ("ride", "rd", "ridecymbal"),
    ("ridebell", "rb", "bell"),
    ("cowbell", "cb"),
    ("tambourine", "tb", "tamb"),
    ("shaker", "sh", "maracas"),
    ("808", "bass808", "808bass", "sub", "bass"),
)

# Where a more specific pad is missing, fall back to a general one.
FALLBACKS = {"lowtom": "tom", "midtom": "tom", "hightom": "tom", "pedalhat": "hat", "ridebell": "ride"}

# General MIDI percussion key map (channel 10) -> canonical pad names.
GM_DRUMS: dict[int, str] = {
    35: "kick", 36: "kick", 37: "rim", 38: "snare", 39: "clap", 40: "snare",
    41: "lowtom", 42: "hat", 43: "lowtom", 44: "pedalhat", 45: "midtom", 46: "openhat",
    47: "midtom", 48: "hightom", 49: "crash", 50: "hightom", 51: "ride", 52: "crash",
    53: "ridebell", 54: "tambourine", 55: "crash", 56: "cowbell", 57: "crash", 59: "ride",
    69: "shaker", 70: "shaker",
}

# The note each canonical pad gets when its kit names none.
GM_NOTES: dict[str, int] = {
    "kick": 36, "snare": 38, "rim": 37, "clap": 39, "hat": 42, "pedalhat": 44, "openhat": 46,
    "lowtom": 43, "midtom": 47, "hightom": 50, "tom": 45, "crash": 49, "ride": 51,
    "ridebell": 53, "tambourine": 54, "cowbell": 56, "shaker": 70,
}

_STRIP = re.compile(r"[\s_\-]+")


def normalise(name: str) -> str:
    """Case-insensitive pad key without spaces, ``_`` and ``-``: ``"Open Hat"`` -> ``"openhat"``."""
    return _STRIP.sub("", str(name)).lower()


_GROUP_OF: dict[str, tuple[str, ...]] = {}
for _group in ALIAS_GROUPS:
    for _alias in _group:
        _GROUP_OF[normalise(_alias)] = tuple(normalise(a) for a in _group)


def candidates(name: str) -> list[str]:
    """Normalised names to try for *name*, most specific first (itself, its alias group, fallbacks)."""
    key = normalise(name)
    out = [key]
    group = _GROUP_OF.get(key)
    while group:
        out += [a for a in group if a not in out]
        fallback = FALLBACKS.get(group[0])
        group = _GROUP_OF.get(fallback) if fallback else None
    return out


def canonical(name: str) -> str | None:
    """The canonical pad name of an alias (``"bd"`` -> ``"kick"``), or None when unknown."""
    group = _GROUP_OF.get(normalise(name))
    return group[0] if group else None


def gm_note(name: str) -> int | None:
    """The General MIDI note for a pad name or alias, or None."""
    canon = canonical(name)
    return GM_NOTES.get(canon) if canon else None


# Abbreviations found in kit pad names ("Hat 1 Op", "Hat Cl").
_TOKEN_ALIASES = {"op": "open", "opn": "open", "cl": "closed", "cls": "closed", "pd": "pedal", "hh": "hihat"}
_TOKENS = re.compile(r"[a-z]+|\d+")


def name_group(name: str) -> tuple[str | None, int]:
    """The alias group a descriptive pad name belongs to, and how long the matching part is.

    Pad names in the wild carry brands, numbers and qualifiers ("Sabian Hat Closed",
    "VariBreaks Hat 1 Op", "Kick Low 1"): every run of adjacent words (with and without
    the numbers) is looked up, and the longest known alias wins, so "Snare Rimshot" is a
    rim and "Cowbell" is not a ride bell.

    >>> name_group("Sabian Hat Closed"), name_group("VariBreaks Hat 1 Op"), name_group("Tom 2")
    (('hat', 9), ('openhat', 7), ('midtom', 4))
    """
    words = [_TOKEN_ALIASES.get(w, w) for w in _TOKENS.findall(str(name).lower())]
    best: tuple[str | None, int] = (None, 0)
    for seq in (words, [w for w in words if not w.isdigit()]):
        for i in range(len(seq)):
            for j in range(i + 1, min(len(seq), i + 4) + 1):
                phrase = "".join(seq[i:j])
                group = _GROUP_OF.get(phrase)
                if group is not None and len(phrase) > best[1]:
                    best = (group[0], len(phrase))
    return best


def group_chain(name: str) -> list[str]:
    """The canonical groups to look for when asked for *name*: its own, then its fallbacks."""
    group = _GROUP_OF.get(normalise(name))
    chain = []
    while group and group[0] not in chain:
        chain.append(group[0])
        fallback = FALLBACKS.get(group[0])
        group = _GROUP_OF.get(fallback) if fallback else None
    return chain
