"""A plain folder of audio files is a kit: pads are the file names.

``kick.wav`` makes pad ``kick``; ``kick_1.wav``, ``kick_2.wav`` (or ``kick 1``,
``kick-2``) and a subfolder ``kick/`` make one pad with variants played round
robin.  Files are only opened when a pad is played.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ...errors import KitError
from ..model import Kit, Layer, Pad
from ..names import normalise
from ..sample import AUDIO_EXTENSIONS

_VARIANT = re.compile(r"^(?P<base>.*?\D)[\s_\-]*(?P<num>\d+)$")


def _audio_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS and not p.name.startswith("."))


def load_folder(folder: Path, name: str | None = None) -> Kit:
    folder = Path(folder)
    groups: dict[str, list[tuple[int, Path, str]]] = defaultdict(list)
    for f in _audio_files(folder):
        m = _VARIANT.match(f.stem)
        base, num = (m["base"], int(m["num"])) if m else (f.stem, 0)
        groups[normalise(base)].append((num, f, base if m else f.stem))
    # A lone "kick_1.wav" or a name like "808" is a pad of its own name, not a variant.
    pads: dict[str, Pad] = {}
    for key, items in groups.items():
        if len(items) == 1 and items[0][0] != 0:
            num, f, _ = items[0]
            pads[normalise(f.stem)] = Pad(f.stem, [Layer(f)])
            continue
        items.sort()
        shown = items[0][2].strip(" _-") or items[0][1].stem
        pads[key] = Pad(shown, [Layer(f, seq=i) for i, (_, f, _) in enumerate(items)])
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = _audio_files(sub)
        if files:
            pads[normalise(sub.name)] = Pad(sub.name, [Layer(f, seq=i) for i, f in enumerate(files)])
    if not pads:
        raise KitError(f"{folder}: no audio files found (expected .wav, .flac, .aiff, .ogg or .mp3)")
    return Kit(name or folder.name, pads, path=folder, source="folder")
