"""Finding kits by name or path and loading them in whatever format they are."""

from __future__ import annotations

import functools
import importlib
import inspect
import os
from pathlib import Path
from typing import Callable

from ..errors import KitError
from .model import Kit
from .names import normalise
from .problems import Problem, Problems


def _lazy(module: str, function: str) -> Callable:
    """*function* of the format module *module*, imported on first call: a render imports only
    the reader of the kit it plays (the XML and TOML parsers are a noticeable part of start-up)."""
    def call(*args, **kwargs):
        return getattr(importlib.import_module(module, __package__), function)(*args, **kwargs)
    call.__name__ = call.__qualname__ = function
    return call


def is_hydrogen(p: Path) -> bool:
    """A Hydrogen drumkit: a folder with drumkit.xml, or an .h2drumkit archive."""
    if p.is_dir():
        return (p / "drumkit.xml").is_file()
    return p.is_file() and p.suffix.lower() == ".h2drumkit"


def is_sfz(p: Path) -> bool:
    """An .sfz file, or a folder holding one."""
    if p.is_file():
        return p.suffix.lower() == ".sfz"
    return p.is_dir() and any(q.suffix.lower() == ".sfz" and q.is_file() for q in p.iterdir())


# (name, does this path hold such a kit?, loader).  Checked in order; the first match loads.
Loader = Callable[[Path], Kit]
FORMATS: list[tuple[str, Callable[[Path], bool], Loader]] = [
    ("kit.toml", lambda p: p.is_dir() and (p / "kit.toml").is_file(), _lazy(".formats.toml", "load_toml")),
    ("hydrogen", is_hydrogen, _lazy(".formats.hydrogen", "load_hydrogen")),
    ("sfz", is_sfz, _lazy(".formats.sfz", "load_sfz")),
    ("folder", lambda p: p.is_dir(), _lazy(".formats.folder", "load_folder")),
]


def register_format(name: str, detect: Callable[[Path], bool], loader: Loader, *, first: bool = True,
                    name_of: "Callable[[Path], str | None] | None" = None) -> None:
    """Add a kit format; by default it is tried before the plain-folder fallback.
    *name_of* reads the name a kit of this format declares (for lookups by that name)."""
    if any(f[0] == name for f in FORMATS):
        return
    if name_of is not None:
        NAMERS.append(name_of)
    entry = (name, detect, loader)
    if first:
        FORMATS.insert(len(FORMATS) - 1, entry)
    else:
        FORMATS.append(entry)


def shipped_kits_dir() -> Path:
    """The kits that come with beatforge (installed package data, or the source tree's ``kits/``)."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "kits", here.parent / "kits"):
        if cand.is_dir():
            return cand
    return here / "kits"


def user_kits_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "beatforge" / "kits"


def search_path() -> list[tuple[str, Path]]:
    """Where kit names are looked up, in order, with a label saying where each comes from."""
    dirs = [("shipped", shipped_kits_dir()), ("user", user_kits_dir())]
    for entry in os.environ.get("BEATFORGE_KIT_PATH", "").split(os.pathsep):
        if entry:
            dirs.append(("BEATFORGE_KIT_PATH", Path(entry).expanduser()))
    home = Path(os.path.expanduser("~"))
    dirs += [("hydrogen", Path("/usr/share/hydrogen/data/drumkits")),
             ("hydrogen", home / ".local" / "share" / "hydrogen" / "drumkits"),
             ("hydrogen", home / ".hydrogen" / "data" / "drumkits")]
    return dirs


# Functions that read the name a kit declares for itself (drumkit.xml <name>, kit.toml [kit] name);
# formats add theirs with register_format(..., name_of=...).
def _declared_in(filename: str, module: str) -> Callable[[Path], "str | None"]:
    reader = _lazy(module, "declared_name")

    def namer(path: Path) -> "str | None":
        return reader(path) if (Path(path) / filename).is_file() else None
    return namer


NAMERS: list[Callable[[Path], "str | None"]] = [_declared_in("kit.toml", ".formats.toml"),
                                               _declared_in("drumkit.xml", ".formats.hydrogen")]


def declared_name(path: Path) -> str | None:
    """The name the kit at *path* gives itself, if its format declares one."""
    for namer in NAMERS:
        try:
            found = namer(path)
        except (OSError, ValueError):
            found = None
        if found:
            return found
    return None


def find_kit(name: str) -> Path:
    """The path of the kit called *name*: exact folder/file name first, then case/space-insensitive,
    then the name the kit declares itself (Hydrogen's ``<name>``, which may differ from its folder)."""
    key = normalise(name)
    for exact in (True, False):
        for _, d in search_path():
            if not d.is_dir():
                continue
            try:
                entries = sorted(d.iterdir())
            except OSError:
                continue
            for entry in entries:
                stem = entry.name[: -len(entry.suffix)] if entry.is_file() else entry.name
                if (entry.name == name or stem == name) if exact else normalise(stem) == key:
                    if entry.is_dir() or entry.suffix.lower() in (".h2drumkit", ".sfz"):
                        return entry
    for _, d in search_path():
        for entry in _entries(d):
            if entry.is_dir():
                declared = declared_name(entry)
                if declared is not None and normalise(declared) == key:
                    return entry
    places = ", ".join(str(d) for _, d in search_path())
    raise KitError(f"kit {name!r} not found (looked in {places}); give a kit name or a path")


def _entries(d: Path) -> list[Path]:
    try:
        return sorted(d.iterdir()) if d.is_dir() else []
    except OSError:
        return []


def load_kit(spec: "str | os.PathLike | Kit") -> Kit:
    """Load a kit from a :class:`Kit`, a path (any supported format) or a kit name.
    The first error in the kit raises a :class:`KitError` naming it (see :func:`collect_kit`
    for every problem at once)."""
    if isinstance(spec, Kit):
        return spec
    return _load_path(kit_path(spec))


def kit_path(spec: "str | os.PathLike") -> Path:
    """The path of the kit *spec* names: a path (any supported format) or a kit name."""
    text = os.fspath(spec)
    path = Path(text).expanduser()
    looks_like_path = os.sep in text or text.startswith(".") or path.suffix.lower() in (".h2drumkit", ".sfz", ".toml")
    if path.exists():
        path = path.resolve()
    elif looks_like_path:
        if os.sep not in text and not text.startswith("."):
            # "Name.h2drumkit" or "drums.sfz": also the exact file name of a kit on the search path
            try:
                path = find_kit(text).resolve()
            except KitError:
                raise KitError(f"kit {text!r} not found: no such file or folder") from None
        else:
            raise KitError(f"kit {text!r} not found: no such file or folder")
    else:
        path = find_kit(text).resolve()
    if path.is_file() and path.name == "kit.toml":
        path = path.parent
    return path


def collect_kit(spec: "str | os.PathLike | Kit") -> tuple["Kit | None", list[str]]:
    """Load a kit like :func:`load_kit`, but carry on past errors: ``(kit, problems)`` with
    every problem the loader found, one line each (also in ``kit.problems``).  The kit is
    None when nothing of it could be read (e.g. a kit.toml that is not TOML).  A kit that
    cannot be found still raises :class:`KitError`."""
    if isinstance(spec, Kit):
        return spec, list(spec.problems)
    path = kit_path(spec)
    problems = Problems(strict=False)
    for _, detect, loader in FORMATS:
        if detect(path):
            try:
                if _takes_problems(loader):
                    kit = loader(path, problems=problems)
                else:   # a format registered without a collector: its first error is all it tells
                    kit = loader(path)
                    problems.extend(kit.problems)
            except KitError as e:   # what stops the loader altogether (unparseable file ...)
                problems.append(Problem(str(e)))
                return None, list(problems)
            kit.problems = list(problems)
            return kit, list(problems)
    raise KitError(f"{path}: not a kit (expected a folder of samples, kit.toml, a Hydrogen drumkit or an .sfz file)")


def _takes_problems(loader: Callable) -> bool:
    """Whether *loader* accepts a ``problems`` collector (the lazy built-in ones pass it on)."""
    try:
        params = inspect.signature(loader).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "problems" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _load_path(path: Path) -> Kit:
    st = path.stat()
    return _load_cached(str(path), st.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _load_cached(path: str, mtime_ns: int) -> Kit:
    p = Path(path)
    for _, detect, loader in FORMATS:
        if detect(p):
            return loader(p)
    raise KitError(f"{p}: not a kit (expected a folder of samples, kit.toml, a Hydrogen drumkit or an .sfz file)")

