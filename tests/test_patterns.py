"""The example beats in patterns/: each loads, uses pads both shipped kits have, and renders cleanly."""

from pathlib import Path

import numpy as np
import pytest

import beatforge

PATTERNS = Path(__file__).resolve().parents[1] / "patterns"
FILES = sorted(PATTERNS.glob("*.py"))

# (lowest, highest) tempo that still sounds like the genre.
TEMPO = {"boom_bap": (84, 96), "trap": (130, 150), "house": (118, 130), "techno": (125, 140),
         "dnb": (165, 178), "dembow": (90, 115), "afrobeats": (95, 115)}


def test_there_are_example_beats():
    names = {f.stem for f in FILES}
    assert {"boom_bap", "trap", "house", "techno", "dnb"} <= names
    assert len(names) >= 6


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_pattern_renders_in_both_kits(path):
    beat = beatforge.load_source(path)
    assert isinstance(beat, beatforge.Beat)
    lo, hi = TEMPO.get(path.stem, (60, 200))
    assert lo <= beat.bpm <= hi
    assert beat.length_bars() >= 2  # phrases with variation, not one-bar loops
    for kit_name in ("factory", "lofi"):
        kit = beatforge.load_kit(kit_name)
        for track in beat.tracks:
            kit.pad(track.pad if track.pad is not None else track.name)  # raises on unknown pads
        mix = beat.replace(kit=kit_name).render()
        assert mix.shape == (beat.frames(), 2)
        assert np.all(np.isfinite(mix))
        peak = float(np.max(np.abs(mix)))
        assert 0.2 < peak <= 10 ** (-0.5 / 20), f"{path.stem} with {kit_name}: peak {peak:.3f}"
