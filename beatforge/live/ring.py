"""A preallocated single-producer single-consumer event ring for the audio callback.

Why not ``queue.Queue``: it takes a lock, and the audio thread must never wait on one.
Why not ``collections.deque``: ``append``/``popleft`` are atomic under the GIL, but a deque
allocates and frees 64-item blocks as it grows and shrinks, and a burst of MIDI could grow it
without bound.  This ring is one numpy array allocated up front: the producer writes a row and
then publishes it by storing the new write index; the consumer reads rows up to that index and
then stores its read index.  Each index has exactly one writer, and a Python attribute store is
atomic under the GIL, so neither side ever sees a half-published row and no lock is needed.
When the ring is full the producer drops the event and counts it (``dropped``), it never blocks.

A row starts ``(time, kind, a, b)`` as float64: ``time`` (seconds on ``time.perf_counter``'s
clock, or a frame), ``kind`` a small integer code (see :mod:`beatforge.live.player`), ``a``/``b``
its payload; wider rings carry more payload columns.
"""
import numpy as np

__all__ = ["EventRing"]


class EventRing:
    def __init__(self, capacity=1024, width=4):
        if capacity < 2 or capacity & (capacity - 1):
            raise ValueError(f"capacity must be a power of two >= 2, not {capacity!r}")
        if width < 4:
            raise ValueError(f"width must be at least 4, not {width!r}")
        self.capacity = capacity
        self._mask = capacity - 1
        self.rows = np.zeros((capacity, width), dtype=np.float64)
        self.write_index = 0   # only the producer stores this
        self.read_index = 0    # only the consumer stores this
        self.dropped = 0       # producer-side count of events lost to a full ring

    def __len__(self):
        return self.write_index - self.read_index

    def push(self, time, kind, a=0.0, b=0.0):
        """Producer side.  Returns False (and counts a drop) when the ring is full."""
        w = self.write_index
        if w - self.read_index >= self.capacity:
            self.dropped += 1
            return False
        row = self.rows[w & self._mask]
        row[0] = time
        row[1] = kind
        row[2] = a
        row[3] = b
        self.write_index = w + 1  # publish only after the row is complete
        return True

    def pending(self):
        """Consumer side: ``(start, stop)`` indices of the rows ready to read.

        Read row ``i`` as ``ring.rows[i & ring.mask]`` for ``i`` in ``range(start, stop)``,
        then call :meth:`release` with ``stop``.
        """
        return self.read_index, self.write_index

    @property
    def mask(self):
        return self._mask

    def release(self, stop):
        """Consumer side: mark every row before ``stop`` as consumed."""
        self.read_index = stop

    def drain(self):
        """Consumer side, not for the audio thread: pop everything as a list of tuples."""
        start, stop = self.pending()
        out = [tuple(self.rows[i & self._mask]) for i in range(start, stop)]
        self.release(stop)
        return out
