"""Loading beats and songs from files."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

from .errors import BeatforgeError, PatternSyntaxError

# Extension -> loader, for sources that are not Python pattern files (MIDI, Hydrogen songs).
LOADERS: dict = {}


def register_loader(suffix: str, loader) -> None:
    """Let ``load_source`` read files ending in *suffix* with ``loader(path) -> Beat | Song``."""
    LOADERS[suffix.lower()] = loader


def _lazy(module: str, name: str):
    """A loader imported on first use (keeps ``import beatforge`` light)."""

    def load(path):
        import importlib

        return getattr(importlib.import_module(module, __package__), name)(path)

    return load


register_loader(".mid", _lazy(".io.midi", "load_midi"))
register_loader(".midi", _lazy(".io.midi", "load_midi"))
register_loader(".h2song", _lazy(".io.h2song", "load_h2song"))


def load_source(path: str | os.PathLike):
    """The beat or song a source file describes.

    A Python pattern file is run in a fresh namespace (with its own folder importable, as
    ``python FILE.py`` would) and must define a module-level ``song`` or ``beat``.  Errors
    name the file and line.
    """
    p = Path(path)
    if not p.is_file():
        raise BeatforgeError(f"{path}: no such pattern file")
    loader = LOADERS.get(p.suffix.lower())
    if loader is not None:
        return loader(p)
    if p.suffix.lower() != ".py":
        known = ", ".join([".py"] + sorted(LOADERS))
        raise BeatforgeError(f"{path}: unsupported source type {p.suffix or '(none)'!r} (expected {known})")
    # like ``python FILE.py``: the file's folder is importable while it runs, so a pattern can
    # import its neighbours (shared grooves, helpers)
    folder = str(p.resolve().parent)
    sys.path.insert(0, folder)
    try:
        ns = runpy.run_path(str(p), run_name="__beatforge_pattern__")
    except SyntaxError as e:
        raise BeatforgeError(f"{path}:{e.lineno}: syntax error: {e.msg}") from None
    except PatternSyntaxError as e:
        raise _located(e, p) from None
    except BeatforgeError as e:
        line = _line_in(e, p)
        raise type(e)(f"{path}:{line}: {e}" if line else f"{path}: {e}") from None
    except Exception as e:
        line = _line_in(e, p)
        where = f"{path}:{line}" if line else str(path)
        raise BeatforgeError(f"{where}: {type(e).__name__}: {e}") from None
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:
            pass
    for name in ("song", "beat"):
        obj = ns.get(name)
        if obj is not None:
            _anchor_kit_paths(obj, p.resolve().parent)
            return obj
    raise BeatforgeError(f"{path}: defines neither `beat` nor `song` at module level")


def _anchor_kit_paths(obj, folder: Path) -> None:
    """Relative kit paths written in a pattern file (``kit="./mykit"``) mean beside the file,
    wherever the command runs from; kit names and absolute paths are left alone."""
    targets = [obj] + [getattr(sec, "beat", None) for sec in getattr(obj, "parts", {}).values()]
    for target in targets:
        kit = getattr(target, "kit", None)
        if not isinstance(kit, (str, os.PathLike)):
            continue
        text = os.fspath(kit)
        path = Path(text).expanduser()
        looks_like_path = ("/" in text or os.sep in text or text.startswith(".")
                           or path.suffix.lower() in (".sfz", ".h2drumkit", ".toml"))
        if looks_like_path and not path.is_absolute() and (folder / path).exists():
            target.kit = str(folder / path)


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The last line of *path* in the traceback of *exc*."""
    import traceback        # error path only

    target = os.path.realpath(path)
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.realpath(frame.filename) == target:
            line = frame.lineno
    return line


def _located(e: PatternSyntaxError, path: Path) -> PatternSyntaxError:
    line = _line_in(e, path)
    prefix = f"{path}:{line}: " if line else f"{path}: "
    return PatternSyntaxError(prefix + e.message, e.text, e.line, e.column)
