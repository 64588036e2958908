"""Deterministic, time-hashed pseudo-random numbers (the scheme Strudel and Tidal use).

A random value is a pure function of a time (and a seed): the same query always gives the same
numbers, and there is no generator state anywhere. With ``seed == 0`` the numbers are exactly
Strudel's (a xorshift of the time stretched over 300 cycles, emulating JavaScript's 32-bit integer
arithmetic); any other seed mixes a hash of the seed into the integer state.
"""

from __future__ import annotations

import math

__all__ = ["time_to_rand", "time_to_rands", "xorwise"]

_SPAN = 536870912  # 2 ** 29


def _i32(x: int) -> int:
    """Wrap to a signed 32-bit integer, like JavaScript's bitwise operators."""
    x &= 0xFFFFFFFF
    return x - 0x100000000 if x & 0x80000000 else x


def xorwise(x: int) -> int:
    """One xorshift step on a signed 32-bit integer."""
    a = _i32(_i32(x << 13) ^ x)
    b = _i32((a >> 17) ^ a)
    return _i32(_i32(b << 5) ^ b)


def _seed_mix(seed: int) -> int:
    # Spread small seeds over all 32 bits, then scramble; never 0 for seed != 0.
    h = _i32((seed * 0x9E3779B1) ^ (seed >> 16) ^ 0x5BD1E995)
    return xorwise(h) or 1


def _time_to_int_seed(t: float, seed: int = 0) -> int:
    x = t / 300.0
    frac = x - math.trunc(x)
    s = xorwise(math.trunc(frac * _SPAN))
    if seed:
        # xorshift is linear over GF(2), so mixing the seed in with xor alone would leave
        # neighbouring times correlated; an odd multiply (mod 2**32) breaks that linearity.
        s = xorwise(xorwise(_i32(s * 0x2545F491 + _seed_mix(seed))))
    return s


def _int_seed_to_rand(x: int) -> float:
    return math.fmod(x, _SPAN) / _SPAN


def time_to_rand(t, seed: int = 0) -> float:
    """A pseudo-random float in ``[0, 1)`` for time ``t`` (cycles) and ``seed``::

        >>> time_to_rand(0.5) == time_to_rand(0.5)
        True
        >>> time_to_rand(0.5) != time_to_rand(0.5, seed=1)
        True
    """
    return abs(_int_seed_to_rand(_time_to_int_seed(float(t), seed)))


def time_to_rands(t, n: int, seed: int = 0) -> list[float]:
    """``n`` pseudo-random floats in ``[0, 1)`` for time ``t``."""
    s = _time_to_int_seed(float(t), seed)
    out = []
    for _ in range(n):
        out.append(abs(_int_seed_to_rand(s)))
        s = xorwise(s)
    return out
