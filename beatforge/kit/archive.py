"""Safe extraction of kit archives (``.h2drumkit`` tarballs, ``.tar.*``, ``.zip``).

Archives from the internet are hostile until proven otherwise.  :func:`safe_extract`
refuses, before writing anything, every member that could escape or abuse the
target folder:

* absolute names (``/etc/x``, ``C:\\x``), names with a ``..`` component, NUL bytes;
* symbolic and hard links that point outside the archive's own tree (links inside
  it are written as plain copies of their target, so no link ever exists on disk);
* device files, FIFOs and anything else that is not a file or a folder;
* absurd sizes: one member over :data:`MAX_MEMBER_BYTES`, a total over
  :data:`MAX_TOTAL_BYTES` or more than :data:`MAX_MEMBERS` members (sizes are
  counted while decompressing, so a lying header does not help).

Files are created with fresh permissions (no setuid bits) with exclusive-create
opens inside a folder the caller owns; the caller extracts into a fresh temporary
folder and renames it into place, so a refused archive leaves nothing behind.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

from ..errors import KitError

MAX_MEMBER_BYTES = 1 << 30          # 1 GiB for one sample is already absurd
MAX_TOTAL_BYTES = 4 << 30           # 4 GiB for a whole kit
MAX_MEMBERS = 20000
_CHUNK = 1 << 20


def is_archive(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and (name.endswith((".h2drumkit", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")))


def _clean_name(raw: str, archive: Path) -> str:
    """The member's relative POSIX path, or a KitError if it is absolute or climbs out."""
    name = raw.replace("\\", "/")
    if "\x00" in name:
        raise KitError(f"{archive}: refusing member with a NUL byte in its name: {raw!r}")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or name.startswith("//"):
        raise KitError(f"{archive}: refusing absolute path {raw!r}")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise KitError(f"{archive}: refusing path with '..' {raw!r}")
    return "/".join(parts)


def _link_target(member_name: str, target: str, archive: Path, *, hard: bool) -> str:
    """Where a link points, as a member name; refuses targets outside the archive tree."""
    t = target.replace("\\", "/")
    if t.startswith("/") or (len(t) > 1 and t[1] == ":"):
        raise KitError(f"{archive}: refusing link {member_name!r} -> {target!r} (absolute target)")
    joined = t if hard else posixpath.join(posixpath.dirname(member_name), t)
    norm = posixpath.normpath(joined)
    if norm == ".." or norm.startswith("../") or norm.startswith("/"):
        raise KitError(f"{archive}: refusing link {member_name!r} -> {target!r} (points outside the kit)")
    return norm


class _Budget:
    def __init__(self, archive: Path):
        self.archive = archive
        self.total = 0
        self.members = 0

    def member(self, name: str, declared: int) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise KitError(f"{self.archive}: refusing archive with more than {MAX_MEMBERS} members")
        self.check(name, declared, declared)

    def check(self, name: str, size: int, total_add: int) -> None:
        """Refuse *name* at *size* bytes, or when *total_add* more bytes would pass the total."""
        if size > MAX_MEMBER_BYTES:
            raise KitError(f"{self.archive}: refusing {name!r}: {size} bytes is too large "
                           f"(limit {MAX_MEMBER_BYTES} bytes per file)")
        if self.total + total_add > MAX_TOTAL_BYTES:
            raise KitError(f"{self.archive}: refusing archive: more than {MAX_TOTAL_BYTES} bytes unpacked")


def _target(dest: Path, name: str) -> Path:
    out = dest.joinpath(*name.split("/"))
    # Nothing we create is a link, but the caller's folder could be tampered with meanwhile.
    parent = Path(os.path.realpath(out.parent)) if out.parent.exists() else None
    if parent is not None and not (parent == dest or dest in parent.parents):
        raise KitError(f"refusing to write {name!r} outside {dest}")
    return out


def _write(dest: Path, name: str, src, budget: _Budget) -> None:
    out = _target(dest, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(out, "xb") as fh:
        while True:
            chunk = src.read(_CHUNK)
            if not chunk:
                break
            written += len(chunk)
            budget.check(name, written, written)  # counted as it inflates: headers may lie
            fh.write(chunk)
    os.chmod(out, 0o644)
    budget.total += written


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract *archive* into the existing, empty folder *dest*; returns *dest*.

    Raises :class:`~beatforge.errors.KitError` naming the offending member; the
    caller removes *dest* on failure (it may hold part of the archive).
    """
    archive = Path(archive)
    dest = Path(os.path.realpath(dest))
    if not dest.is_dir():
        raise KitError(f"extraction target {dest} is not a folder")
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, dest)
        else:
            _extract_tar(archive, dest)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        reason = str(e).splitlines()[0].rstrip(":") if str(e) else type(e).__name__
        raise KitError(f"{archive}: cannot unpack ({reason})") from None
    return dest


def _extract_tar(archive: Path, dest: Path) -> None:
    budget = _Budget(archive)
    links: list[tuple[str, str]] = []
    seen: set[str] = set()
    with tarfile.open(archive, "r:*") as tf:
        for m in tf:
            name = _clean_name(m.name, archive)
            if not name:
                continue
            budget.member(name, m.size if m.isfile() else 0)
            if m.isdir():
                _target(dest, name).mkdir(parents=True, exist_ok=True)
            elif m.issym() or m.islnk():
                links.append((name, _link_target(name, m.linkname, archive, hard=m.islnk())))
            elif m.isfile():
                if name in seen:
                    raise KitError(f"{archive}: refusing duplicate member {name!r}")
                seen.add(name)
                src = tf.extractfile(m)
                _write(dest, name, src, budget)
            else:
                kind = "device file" if (m.ischr() or m.isblk()) else "FIFO" if m.isfifo() else "special file"
                raise KitError(f"{archive}: refusing {kind} {m.name!r}")
    _materialise_links(archive, dest, links, budget)


def _extract_zip(archive: Path, dest: Path) -> None:
    budget = _Budget(archive)
    links: list[tuple[str, str]] = []
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = _clean_name(info.filename, archive)
            if not name:
                continue
            mode = (info.external_attr >> 16) & 0xFFFF
            budget.member(name, 0 if info.is_dir() else info.file_size)
            if info.is_dir():
                _target(dest, name).mkdir(parents=True, exist_ok=True)
            elif stat.S_ISLNK(mode):
                links.append((name, _link_target(name, zf.read(info).decode("utf-8", "replace"), archive, hard=False)))
            elif mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
                raise KitError(f"{archive}: refusing special file {info.filename!r}")
            else:
                with zf.open(info) as src:
                    _write(dest, name, src, budget)
    _materialise_links(archive, dest, links, budget)


def _materialise_links(archive: Path, dest: Path, links: list[tuple[str, str]], budget: _Budget) -> None:
    """Links inside the kit become copies of their targets (chains resolved, cycles refused)."""
    pending = dict(links)
    for name in list(pending):
        target, hops = pending[name], 0
        while target in pending:
            target = pending[target]
            hops += 1
            if hops > len(pending):
                raise KitError(f"{archive}: refusing link cycle at {name!r}")
        src = dest.joinpath(*target.split("/")) if target not in ("", ".") else dest
        if not src.is_file():
            raise KitError(f"{archive}: refusing link {name!r}: its target {target!r} is not a file in the kit")
        size = src.stat().st_size
        budget.check(name, size, size)
        out = _target(dest, name)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out)
        os.chmod(out, 0o644)
        budget.total += size
