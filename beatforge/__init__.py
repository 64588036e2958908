"""beatforge: a beat-making and sampling engine.

Patterns (step grids, mini-notation) become sample-accurate hits, hits become
sampler voices, a small C mixer renders them to audio files, stems, MIDI, a sound
card or whole beat packs.
"""

__version__ = "0.1.0"

from .errors import BeatforgeError, KitError, ManifestError, PatternSyntaxError, SampleError
# The public names load on first use (PEP 562), so ``import beatforge`` and the command line
# import only what the task at hand needs (rendering a MIDI file needs no pattern language).
_LAZY = {
    "Beat": ".beat", "Track": ".beat",
    "Envelope": ".kit", "Kit": ".kit", "Layer": ".kit", "Pad": ".kit", "Sample": ".kit",
    "load_kit": ".kit", "load_sample": ".kit",
    "Hit": ".sequence",
    "load_source": ".source",
    "Section": ".song", "Song": ".song",
    **{name: ".pattern" for name in ("Event", "Pattern", "cat", "choose", "fastcat", "irand", "mini", "pure",
                                     "rand", "randcat", "saw", "seq", "silence", "sine", "slowcat", "stack",
                                     "timecat")},
    "note": ".pattern.controls", "s": ".pattern.controls", "sound": ".pattern.controls",
    "grid": ".pattern.grid",
}

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
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"synth"})
