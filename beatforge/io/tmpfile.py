"""Temporary files that become outputs: created like an ordinary ``open(path, "w")`` would be."""
from __future__ import annotations

import os
import stat
import sys
import tempfile


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
