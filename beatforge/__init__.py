"""beatforge: a beat-making and sampling engine.

Patterns (step grids, mini-notation) become sample-accurate hits, hits become
sampler voices, a small C mixer renders them to audio files, stems, MIDI, a sound
card or whole beat packs.
"""

__version__ = "0.1.0"

from .errors import BeatforgeError, KitError, ManifestError, PatternSyntaxError, SampleError
from .beat import Beat, Track
from .kit import Envelope, Kit, Layer, Pad, Sample, load_kit, load_sample
from .sequence import Hit
from .source import load_source
from .song import Section, Song
from .pattern import (
    Event,
    Pattern,
    cat,
    choose,
    fastcat,
    irand,
    mini,
    pure,
    rand,
    randcat,
    saw,
    seq,
    silence,
    sine,
    slowcat,
    stack,
    timecat,
)
from .pattern.controls import note, s, sound
from .pattern.grid import grid

__all__ = [
    "__version__",
    "Beat",
    "Envelope",
    "Hit",
    "Kit",
    "Layer",
    "Pad",
    "Sample",
    "Track",
    "load_kit",
    "load_sample",
    "load_source",
    "Song",
    "Section",
    "Event",
    "Pattern",
    "cat",
    "choose",
    "fastcat",
    "grid",
    "irand",
    "mini",
    "note",
    "pure",
    "rand",
    "randcat",
    "s",
    "saw",
    "seq",
    "silence",
    "sine",
    "slowcat",
    "sound",
    "stack",
    "timecat",
    "BeatforgeError",
    "KitError",
    "ManifestError",
    "PatternSyntaxError",
    "SampleError",
    "synth",
]


def __getattr__(name):
    # ``beatforge.synth`` is imported on first use: it is not needed to render, and
    # ``python -m beatforge.synth`` must not find it imported already.
    if name == "synth":
        import importlib

        return importlib.import_module(".synth", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
