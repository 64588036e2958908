"""Outputs written whole or not at all: temporary files and folders that become outputs
(created like an ordinary ``open(path, "w")`` / ``mkdir`` would be), atomic replacement, and
file hashes."""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path


def mkstemp_output(**kwargs) -> tuple[int, str]:
    """``tempfile.mkstemp`` for a file that will be renamed onto an output path.

    ``mkstemp`` creates its file 0600 (owner only); an output (a recorded MIDI file, a saved
    pattern) should get the usual permissions from the umask, as any other program's output does.
    """
    from .audio import created_mode

    fd, tmp = tempfile.mkstemp(**kwargs)
    try:
        os.fchmod(fd, created_mode())
    except OSError:
        pass
    return fd, tmp


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_exchange_fn = None


def _exchange():
    """libc ``renameat2`` (Linux, glibc 2.28+), or None."""
    global _exchange_fn
    if _exchange_fn is None:
        _exchange_fn = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                fn = ctypes.CDLL(None, use_errno=True).renameat2
                fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                fn.restype = ctypes.c_int
                _exchange_fn = fn
            except (OSError, AttributeError):
                pass
    return _exchange_fn or None


def replace_file(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Put the finished file *src* at *dst*, atomically, like ``os.replace``.

    When *dst* is an existing regular file on Linux, the two are swapped in one step
    (``renameat2(RENAME_EXCHANGE)``) and the old file, now at *src*, is deleted: readers see the
    old file or the new one, never neither, as with ``os.replace``.  The difference is speed on
    ext4: a rename over an existing file makes it write the new file's data out before the
    rename returns (its ``auto_da_alloc`` safeguard), about 25 ms for a 30 MB render; the swap
    does not.  Anywhere the swap is not available, this is ``os.replace``.
    """
    fn = _exchange()
    if fn is not None:
        try:
            regular = stat.S_ISREG(os.lstat(dst).st_mode)
        except OSError:
            regular = False
        if regular and fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_EXCHANGE) == 0:
            try:
                os.unlink(src)
            except OSError:
                pass
            return
    os.replace(src, dst)


@contextlib.contextmanager
def output_file(path: str | os.PathLike, suffix: str = ".tmp"):
    """Yield a temporary file name beside *path* (ordinary permissions; *suffix* keeps
    format-by-extension writers happy); it replaces *path* atomically when the block succeeds
    and is removed when it fails."""
    path = os.fspath(path)
    fd, tmp = mkstemp_output(dir=os.path.dirname(os.path.abspath(path)), prefix=".beatforge-", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        replace_file(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def output_folder(out: Path):
    """Yield a private temporary folder beside *out* to fill; when the block succeeds it gets
    ordinary permissions and is renamed to *out* (which must be missing or empty), when it
    fails it is removed."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.resolve().parent))
    try:
        yield tmp
        from .audio import created_mode

        os.chmod(tmp, created_mode(0o777))   # mkdtemp's folder is private
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def sha256_file(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks."""
    import hashlib          # kept out of start-up: only archives and packs hash

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
