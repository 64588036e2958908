"""Temporary files that become outputs: created like an ordinary ``open(path, "w")`` would be."""
from __future__ import annotations

import os
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
