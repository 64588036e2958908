"""Store naming conventions and license text.

Names are ASCII, without spaces (``_`` instead), carry the tempo and the key and
spell sharps with ``#``: ``Night_Drive_140bpm_Fmin``.  Every variant gets one
folder under the output directory named like its files.
"""

from __future__ import annotations

import re
import string
import unicodedata

# Placeholders a license template may use.
LICENSE_FIELDS = ("title", "producer", "bpm", "key", "tier", "kit", "pack", "seed")

_KEY_RE = re.compile(
    r"^\s*([A-Ga-g])\s*(#|b|\u266f|\u266d|sharp|flat)?\s*"
    r"(maj|major|min|minor|m|M|)\s*$"
)
_UNSAFE = re.compile(r"[^A-Za-z0-9#+\-]+")


def slug(text: str) -> str:
    """``"Night Drive!"`` -> ``"Night_Drive"``: ASCII letters, digits, ``#+-``; runs of anything else become ``_``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("_", ascii_text).strip("_")


def parse_key(text: str) -> str:
    """Normalise a musical key to the store spelling: ``"F minor"`` -> ``"Fmin"``, ``"c#"`` -> ``"C#maj"``.

    Raises ValueError for anything that is not a key.
    """
    m = _KEY_RE.match(text)
    if not m:
        raise ValueError(text)
    root, accidental, quality = m.groups()
    accidental = {"\u266f": "#", "sharp": "#", "\u266d": "b", "flat": "b"}.get(accidental, accidental or "")
    minor = quality in ("min", "minor", "m")
    return f"{root.upper()}{accidental}{'min' if minor else 'maj'}"


def id3_key(key: str) -> str:
    """The ID3 ``TKEY`` spelling of a normalised key: ``Fmin`` -> ``Fm``, ``C#maj`` -> ``C#``."""
    return key[:-3] + ("m" if key.endswith("min") else "")


def format_bpm(bpm: float) -> str:
    """``140`` -> ``"140"``, ``92.5`` -> ``"92.5"``."""
    return str(int(bpm)) if float(bpm).is_integer() else repr(float(bpm))


def variant_name(title: str, bpm: float, key: str | None, kit: str | None = None,
                 seed: int | None = None) -> str:
    """The file stem (and folder name) of one variant.

    ``kit`` and ``seed`` are given only when a beat has more than one of them, so a
    single-kit, single-seed beat gets the plain store name ``Title_140bpm_Fmin``.
    """
    parts = [slug(title)]
    if kit is not None:
        parts.append(slug(kit))
    if seed is not None:
        parts.append(f"s{seed}")
    parts.append(f"{format_bpm(bpm)}bpm")
    if key:
        parts.append(key)
    return "_".join(p for p in parts if p)


def template_fields(template: str) -> list[str]:
    """Field names used by a ``str.format`` template (raises ValueError on bad braces)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def license_text(template: str, **fields) -> str:
    """Fill a license template; every placeholder must be one of :data:`LICENSE_FIELDS`."""
    text = template.format_map({k: fields.get(k, "") for k in LICENSE_FIELDS})
    return text if text.endswith("\n") else text + "\n"


DEFAULT_LICENSE = """\
{tier} license: "{title}" ({bpm} BPM, {key}, kit {kit})
Produced by {producer}, from the pack "{pack}".

This file describes the {tier} license granted with this purchase. The full terms
are those agreed with {producer} at the time of purchase.
"""
