"""beatforge: a beat-making and sampling engine.

Patterns (step grids, mini-notation) become sample-accurate hits, hits become
sampler voices, a small C mixer renders them to audio files, stems, MIDI, a sound
card or whole beat packs.
"""

__version__ = "0.1.0"

from .errors import BeatforgeError, KitError, ManifestError, PatternSyntaxError, SampleError
from . import synth

__all__ = [
    "__version__",
    "BeatforgeError",
    "KitError",
    "ManifestError",
    "PatternSyntaxError",
    "SampleError",
    "synth",
]
