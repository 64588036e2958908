"""A plain folder of audio files is a kit: pads are the file names.

``kick.wav`` makes pad ``kick``; ``kick_1.wav``, ``kick_2.wav`` (or ``kick 1``,
``kick-2``, ``kick2``) and a subfolder ``kick/`` make one pad with variants played
round robin (in natural order: 2 before 10; a ``kick.wav`` beside a ``kick/``
folder is the first variant).  A name that is itself a pad alias keeps its digits:
``tom1.wav``, ``tom2.wav`` are two pads (high and mid tom).  Files are only opened
when a pad is played.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ..model import Kit, Layer, Pad
from ..names import canonical, normalise
from ..problems import Problems
from ..sample import AUDIO_EXTENSIONS

_VARIANT = re.compile(r"^(?P<base>.*?\D)[\s_\-]*(?P<num>\d+)$")


def _audio_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS and not p.name.startswith("."))


def _natural(p: Path):
    """Sort key putting "hit2" before "hit10"."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


def load_folder(folder: Path, name: str | None = None, problems: Problems | None = None) -> Kit:
    """Load a folder of samples (nothing is decoded here: ``kit check`` reads each file)."""
    folder = Path(folder)
    problems = problems if problems is not None else Problems()
    groups: dict[str, list[tuple[int, Path, str]]] = defaultdict(list)
    for f in _audio_files(folder):
        m = _VARIANT.match(f.stem)
        if m and not re.search(r"[\s_\-]\d+$", f.stem) and canonical(f.stem) is not None:
            m = None  # "tom1", "tom2": distinct pads (high/mid tom), not variants of "tom"
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
        files = sorted(_audio_files(sub), key=_natural)
        if not files:
            continue
        key = normalise(sub.name)
        if key in pads:  # kick.wav and kick/: one pad, the folder's files are more variants
            known = pads[key].layers
            files = [l.path for l in known] + files
            pads[key] = Pad(pads[key].name, [Layer(f, seq=i) for i, f in enumerate(files)])
        else:
            pads[key] = Pad(sub.name, [Layer(f, seq=i) for i, f in enumerate(files)])
    if not pads:
        problems.error(f"{folder}: no audio files found (expected .wav, .flac, .aiff, .ogg or .mp3)")
    return Kit(name or folder.name, pads, path=folder, source="folder", problems=list(problems))
