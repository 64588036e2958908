"""Drum synthesis: the sounds behind the shipped kits, and a toolbox for your own.

Every function here is deterministic and uses numpy only. Noise comes from
``np.random.default_rng(seed)`` created per call, so the same parameters and
``seed`` always give the same samples, and a different ``seed`` gives a
different (but equally good) variation -- handy for round-robin layers.
(``seed=None`` draws fresh randomness from the OS, like numpy does.)

Each voice returns a ``float32`` array: mono voices have shape ``(frames,)``,
stereo ones (``crash``/``ride`` with ``width > 0``) shape ``(frames, 2)``.
Output is normalised to ``peak_db`` (-1 dBFS unless told), has no DC offset,
starts at (or ramps in from) zero within a sample or two so the transient stays
sharp, and fades to exactly zero at the end.

Conventions used by every function:

* ``*_hz`` is a frequency in Hz, ``*_seconds`` a time in seconds,
  ``*_semitones`` an interval, ``*_db`` a level in decibels.
* ``decay_seconds`` is the time an exponential envelope takes to fall by 60 dB
  (the "T60"); after a third of it the sound is 20 dB down.
* ``sweep_semitones``/``sweep_seconds`` describe a pitch drop at the attack:
  the pitch starts ``sweep_semitones`` above the nominal pitch and falls
  exponentially with time constant ``sweep_seconds`` (after 3 time constants
  it is within 5 % of the interval).
* ``drive`` (0..1 and beyond) is soft ``tanh`` saturation; 0 is clean.
* ``length_seconds`` is the length of the returned sample (defaults suit the
  voice); the last few milliseconds fade out.

Example::

    import numpy as np
    from beatforge import synth

    thump = synth.kick(pitch_hz=45, decay_seconds=0.8, drive=0.6)
    sub = synth.bass_808(note=29)                       # F1
    dusty = synth.lofi(synth.snare(seed=3), bits=10)

``python -m beatforge.synth kits/`` (or :func:`build_kits`) regenerates the
shipped ``factory`` and ``lofi`` kits byte for byte.
"""

from __future__ import annotations

import functools
import math
import wave
from pathlib import Path

import numpy as np

__all__ = [
    "midi_to_hz",
    "kick",
    "snare",
    "clap",
    "hat",
    "open_hat",
    "shaker",
    "rim",
    "tom",
    "crash",
    "ride",
    "cowbell",
    "bass_808",
    "lofi",
    "saturate",
    "bandpass",
    "lowpass",
    "highpass",
    "write_wav",
    "build_kits",
    "KITS",
]

# Frequencies (Hz) of the six square-wave oscillators of the TR-808 cymbal and hats.
METAL_HZ = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)

_LN1000 = math.log(1000.0)  # -60 dB in nepers


# --------------------------------------------------------------------------- basics


def midi_to_hz(note: float) -> float:
    """Frequency of a MIDI note number (69 = A4 = 440 Hz, 24 = C1 = 32.70 Hz)."""
    return 440.0 * 2.0 ** ((float(note) - 69.0) / 12.0)


def _frames(seconds: float, sample_rate: int) -> int:
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate!r}")
    if not seconds > 0:
        raise ValueError(f"length_seconds must be positive, got {seconds!r}")
    return max(16, int(round(seconds * sample_rate)))


def _pick(length_seconds: float | None, default: float) -> float:
    return default if length_seconds is None else length_seconds


def _require_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value!r}")


def _time(n: int, sample_rate: int) -> np.ndarray:
    return np.arange(n, dtype=np.float64) / sample_rate


def _decay(t: np.ndarray, decay_seconds: float, start_seconds: float = 0.0) -> np.ndarray:
    """Exponential envelope: 1 at ``start_seconds``, -60 dB ``decay_seconds`` later, 0 before."""
    if not decay_seconds > 0:
        raise ValueError(f"decay_seconds must be positive, got {decay_seconds!r}")
    dt = t - start_seconds
    env = np.exp(-_LN1000 * np.maximum(dt, 0.0) / decay_seconds)
    env[dt < 0] = 0.0
    return env


def _sweep_phase(t: np.ndarray, pitch_hz: float, sweep_semitones: float, sweep_seconds: float,
                 sample_rate: int) -> np.ndarray:
    """Phase (radians, starting at 0) of an oscillator whose pitch drops exponentially to ``pitch_hz``.

    The steady part (``pitch_hz * t``) is exact, so the settled pitch carries no
    accumulated rounding; only the decaying sweep is integrated numerically. The
    oscillator starts at phase 0.
    """
    if sweep_semitones == 0 or sweep_seconds <= 0:
        return 2.0 * np.pi * pitch_hz * t
    # f(t) = f0 * 2**(s * exp(-t/tau)) with s in octaves: cumulative trapezoid on the
    # deviation from f0 only (it vanishes quickly).
    s = sweep_semitones / 12.0
    dev = pitch_hz * (np.exp2(s * np.exp(-t / sweep_seconds)) - 1.0)
    integral = np.concatenate(([0.0], np.cumsum((dev[1:] + dev[:-1]) * 0.5) / sample_rate))
    return 2.0 * np.pi * (pitch_hz * t + integral)


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n)


_PREROLL = 2048  # samples of noise run through the filters first, so they start settled


def _filtered_noise(rng: np.random.Generator, n: int, stages, sample_rate: int) -> np.ndarray:
    """White noise through a biquad cascade, already in steady state at sample 0."""
    return _filter(_noise(rng, n + _PREROLL), stages, sample_rate)[_PREROLL:]


def _square_bank(freqs, n: int, sample_rate: int, rng: np.random.Generator,
                 detune: float = 1.0, max_hz: float | None = None) -> np.ndarray:
    """Sum of band-limited square waves (odd harmonics up to ``max_hz``), random start phases.

    Each oscillator reads a one-cycle wavetable holding exactly its own harmonics, with
    linear interpolation: alias-free and a few vector operations per oscillator.
    """
    t = _time(n, sample_rate)
    top = 0.45 * sample_rate if max_hz is None else min(max_hz, 0.45 * sample_rate)
    size = 4096
    grid = 2.0 * np.pi * np.arange(size + 1) / size
    out = np.zeros(n)
    for f in freqs:
        f = f * detune
        ks = np.arange(1, max(2, int(top / f) + 1), 2)
        table = (np.sin(np.outer(grid, ks)) / ks).sum(axis=1) * (4.0 / np.pi)
        pos = (f * t + rng.uniform(0.0, 1.0)) % 1.0 * size
        i = pos.astype(np.int64)
        frac = pos - i
        out += table[i] + frac * (table[i + 1] - table[i])
    return out


# --------------------------------------------------------------------------- filters
#
# Filters are RBJ-cookbook biquads evaluated in the frequency domain: the signal is
# zero-padded, transformed once, multiplied by the exact (causal) transfer function of
# the whole cascade and transformed back. That is the same output an IIR filter loop
# would give (up to the padding tail), but vectorised.


def _biquad_coeffs(kind: str, freq_hz: float, q: float, sample_rate: int, gain_db: float = 0.0):
    freq_hz = min(max(float(freq_hz), 1.0), 0.49 * sample_rate)
    w0 = 2.0 * np.pi * freq_hz / sample_rate
    cw, sw = math.cos(w0), math.sin(w0)
    alpha = sw / (2.0 * q)
    if kind == "lowpass":
        b = ((1 - cw) / 2, 1 - cw, (1 - cw) / 2)
        a = (1 + alpha, -2 * cw, 1 - alpha)
    elif kind == "highpass":
        b = ((1 + cw) / 2, -(1 + cw), (1 + cw) / 2)
        a = (1 + alpha, -2 * cw, 1 - alpha)
    elif kind == "bandpass":  # constant 0 dB peak gain
        b = (alpha, 0.0, -alpha)
        a = (1 + alpha, -2 * cw, 1 - alpha)
    elif kind == "peak":
        amp = 10.0 ** (gain_db / 40.0)
        b = (1 + alpha * amp, -2 * cw, 1 - alpha * amp)
        a = (1 + alpha / amp, -2 * cw, 1 - alpha / amp)
    else:  # pragma: no cover - internal
        raise ValueError(kind)
    return b, a


@functools.lru_cache(maxsize=8)
def _unit_circle(nfft: int):
    """z**-1 and z**-2 on the rfft grid of size ``nfft`` (cached: pure function of nfft)."""
    z1 = np.exp(-1j * np.pi * np.arange(nfft // 2 + 1) / (nfft // 2))
    z2 = z1 * z1
    z1.flags.writeable = False
    z2.flags.writeable = False
    return z1, z2


def _filter(x: np.ndarray, stages, sample_rate: int, pad_seconds: float = 0.25) -> np.ndarray:
    """Apply a cascade of biquads ``stages = [(kind, freq_hz, q[, gain_db]), ...]`` along axis 0."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    nfft = 1
    while nfft < n + int(pad_seconds * sample_rate):
        nfft *= 2
    z1, z2 = _unit_circle(nfft)
    h = np.ones(nfft // 2 + 1, dtype=np.complex128)
    for stage in stages:
        b, a = _biquad_coeffs(*stage[:3], sample_rate, *stage[3:])
        h *= (b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2)
    spec = np.fft.rfft(x, nfft, axis=0)
    if x.ndim > 1:
        h = h[:, None]
    return np.fft.irfft(spec * h, nfft, axis=0)[:n]


def _butter_q(order: int) -> list[float]:
    """Q of each biquad section of an even-order Butterworth filter."""
    return [1.0 / (2.0 * math.sin((2 * k + 1) * math.pi / (2 * order))) for k in range(order // 2)]


def lowpass(x: np.ndarray, cutoff_hz: float, sample_rate: int = 44100, order: int = 2) -> np.ndarray:
    """Butterworth low-pass (``order`` 2, 4, 6...) along the first axis; returns float64."""
    return _filter(x, [("lowpass", cutoff_hz, q) for q in _butter_q(_even(order))], sample_rate)


def highpass(x: np.ndarray, cutoff_hz: float, sample_rate: int = 44100, order: int = 2) -> np.ndarray:
    """Butterworth high-pass (``order`` 2, 4, 6...) along the first axis; returns float64."""
    return _filter(x, [("highpass", cutoff_hz, q) for q in _butter_q(_even(order))], sample_rate)


def bandpass(x: np.ndarray, center_hz: float, q: float = 1.0, sample_rate: int = 44100,
             order: int = 2) -> np.ndarray:
    """Resonant band-pass (0 dB at ``center_hz``); ``order`` 4 cascades two sections."""
    return _filter(x, [("bandpass", center_hz, q)] * (_even(order) // 2), sample_rate)


def _even(order: int) -> int:
    if order < 2 or order % 2:
        raise ValueError(f"order must be an even number >= 2, got {order!r}")
    return order


def saturate(x: np.ndarray, drive: float = 0.5) -> np.ndarray:
    """Soft ``tanh`` saturation. ``drive`` 0 is clean; 1 is warm; 3+ is crushed.

    The input is scaled to peak 1 first, so ``drive`` means the same at any level;
    the output peaks at 1.
    """
    x = np.asarray(x, dtype=np.float64)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak == 0.0 or drive <= 0:
        return x / peak if peak else x
    gain = 1.0 + 4.0 * drive
    return np.tanh(gain * x / peak) / math.tanh(gain)


def _finish(x: np.ndarray, sample_rate: int, peak_db: float = -1.0, dc_hz: float = 18.0,
            fade_seconds: float = 0.006, ramp_samples: int = 2) -> np.ndarray:
    """DC block, ramp in over a couple of samples, fade out to 0, normalise, float32."""
    x = np.asarray(x, dtype=np.float64)
    if dc_hz:
        x = _filter(x, [("highpass", dc_hz, 0.7071)], sample_rate, pad_seconds=0.5)
    n = x.shape[0]
    if ramp_samples:
        ramp = np.arange(ramp_samples, dtype=np.float64) / ramp_samples
        x[:ramp_samples] *= ramp if x.ndim == 1 else ramp[:, None]
    nf = min(n // 2, max(2, int(fade_seconds * sample_rate)))
    fade = 0.5 + 0.5 * np.cos(np.pi * np.arange(1, nf + 1) / nf)  # ends at exactly 0
    x[n - nf:] *= fade if x.ndim == 1 else fade[:, None]
    peak = float(np.max(np.abs(x)))
    if peak > 0:
        x *= 10.0 ** (peak_db / 20.0) / peak
    return np.ascontiguousarray(x, dtype=np.float32)


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- voices


def kick(pitch_hz: float = 50.0, sweep_semitones: float = 24.0, sweep_seconds: float = 0.028,
         decay_seconds: float = 0.6, click_level: float = 0.3, drive: float = 0.35,
         length_seconds: float | None = None, peak_db: float = -1.0,
         sample_rate: int = 44100, seed=0) -> np.ndarray:
    """909-style kick: a sine swept down to ``pitch_hz`` with a noisy beater click.

    ``pitch_hz`` is where the body settles (45-60 Hz for a deep kick, 70+ for a punchy
    one); ``sweep_semitones`` above it is where it starts (24 = two octaves: 50 -> 200 Hz).
    ``click_level`` (0..1) mixes a few ms of band-passed noise for the beater;
    ``drive`` rounds the body into a warmer, louder shape.
    """
    _require_positive(pitch_hz=pitch_hz, decay_seconds=decay_seconds)
    rng = _rng(seed)
    length_seconds = _pick(length_seconds, min(1.4, decay_seconds + 0.1))
    n = _frames(length_seconds, sample_rate)
    t = _time(n, sample_rate)
    phase = _sweep_phase(t, pitch_hz, sweep_semitones, sweep_seconds, sample_rate)
    # A short hold keeps the body at full level through the sweep (the "punch").
    env = _decay(t, decay_seconds, start_seconds=0.012)
    env[t < 0.012] = 1.0
    body = np.sin(phase) * env
    click = _filtered_noise(rng, n, [("highpass", 1200.0, 0.7), ("lowpass", 7000.0, 0.7)],
                            sample_rate)
    click *= _decay(t, 0.012) * 0.35 / (np.std(click[: max(1, int(0.003 * sample_rate))]) + 1e-12)
    out = saturate(body, drive) + click_level * click
    return _finish(out, sample_rate, peak_db)


def snare(tone_hz: float = 185.0, body_level: float = 0.55, noise_level: float = 1.0,
          decay_seconds: float = 0.22, noise_decay_seconds: float = 0.3,
          sweep_semitones: float = 4.0, snappy_hz: float = 5000.0, drive: float = 0.3,
          length_seconds: float | None = None, peak_db: float = -1.0,
          sample_rate: int = 44100, seed=0) -> np.ndarray:
    """909-style snare: two tuned drum-head modes plus band-passed "snappy" noise.

    The body modes sit at ``tone_hz`` and 1.84x ``tone_hz`` with a small pitch drop
    (``sweep_semitones``) and decay over ``decay_seconds``; the wires are noise
    centred on ``snappy_hz`` decaying over ``noise_decay_seconds``.
    """
    _require_positive(tone_hz=tone_hz, decay_seconds=decay_seconds,
                      noise_decay_seconds=noise_decay_seconds, snappy_hz=snappy_hz)
    rng = _rng(seed)
    length_seconds = _pick(length_seconds, min(1.4, max(decay_seconds, noise_decay_seconds) + 0.1))
    n = _frames(length_seconds, sample_rate)
    t = _time(n, sample_rate)
    m1 = np.sin(_sweep_phase(t, tone_hz, sweep_semitones, 0.012, sample_rate))
    m2 = np.sin(_sweep_phase(t, tone_hz * 1.84, sweep_semitones, 0.01, sample_rate))
    body = (m1 * _decay(t, decay_seconds) + 0.55 * m2 * _decay(t, decay_seconds * 0.6))
    wires = _filtered_noise(rng, n, [("highpass", 1100.0, 0.7), ("highpass", 1100.0, 0.7),
                                     ("peak", snappy_hz, 0.9, 5.0), ("lowpass", 12000.0, 0.7)],
                            sample_rate)
    wires /= np.std(wires) + 1e-12
    # Two-stage decay of the wires: a fast first drop (the crack), then the rattle.
    wenv = 0.55 * _decay(t, 0.05) + 0.45 * _decay(t, noise_decay_seconds)
    out = body_level * saturate(body, 0.2) + noise_level * 0.55 * wires * wenv
    return _finish(saturate(out, drive), sample_rate, peak_db)


def clap(center_hz: float = 1150.0, bursts: int = 4, spacing_seconds: float = 0.0105,
         decay_seconds: float = 0.38, q: float = 1.1, drive: float = 0.2,
         length_seconds: float | None = None, peak_db: float = -1.0,
         sample_rate: int = 44100, seed=0) -> np.ndarray:
    """808-style hand clap: ``bursts`` noise bursts ``spacing_seconds`` apart, then a tail.

    Everything goes through a band-pass around ``center_hz`` (quality ``q``); the
    tail after the last burst decays over ``decay_seconds``. The burst spacing is
    jittered a little by ``seed`` so variations sound like different hands.
    """
    _require_positive(center_hz=center_hz, spacing_seconds=spacing_seconds,
                      decay_seconds=decay_seconds)
    if bursts < 1:
        raise ValueError(f"bursts must be >= 1, got {bursts!r}")
    rng = _rng(seed)
    length_seconds = _pick(length_seconds, min(1.4, decay_seconds + bursts * spacing_seconds + 0.1))
    n = _frames(length_seconds, sample_rate)
    t = _time(n, sample_rate)
    starts = [0.0]
    for _ in range(bursts - 1):
        starts.append(starts[-1] + spacing_seconds * (1.0 + rng.uniform(-0.15, 0.15)))
    noise = _noise(rng, n + _PREROLL)
    band = _filter(noise, [("bandpass", center_hz, q), ("bandpass", center_hz * 1.3, q * 0.8),
                           ("highpass", 500.0, 0.7)], sample_rate)[_PREROLL:]
    air = _filter(noise, [("highpass", 3500.0, 0.7), ("lowpass", 11000.0, 0.7)],
                  sample_rate)[_PREROLL:]
    src = band / (np.std(band) + 1e-12) + 0.3 * air / (np.std(air) + 1e-12)
    out = np.zeros(n)
    w = max(1, int(0.004 * sample_rate))
    for i, start in enumerate(starts):
        # Sawtooth-like burst: instant rise, ~8 ms fall to -30 dB. Band-passed noise is
        # lumpy, so each burst is levelled on its own first 4 ms to keep the "clap-clap-clap".
        burst = src * _decay(t, 0.017, start)
        k = int(start * sample_rate)
        level = (1.0 - 0.08 * i) / (np.sqrt(np.mean(burst[k:k + w] ** 2)) + 1e-12)
        out += level * burst
    tail = src * _decay(t, decay_seconds, starts[-1])
    k = int(starts[-1] * sample_rate)
    out += 0.5 * tail / (np.sqrt(np.mean(tail[k:k + 4 * w] ** 2)) + 1e-12)
    return _finish(saturate(out, drive), sample_rate, peak_db)


def hat(decay_seconds: float = 0.11, tone_hz: float = 7500.0, noise_level: float = 0.4,
        detune: float = 1.0, drive: float = 0.0, length_seconds: float | None = None,
        peak_db: float = -1.0, sample_rate: int = 44100, seed=0) -> np.ndarray:
    """808-style closed hi-hat: six detuned square waves plus noise, high-passed.

    ``tone_hz`` is the high-pass corner (lower = fuller, higher = thinner and
    brighter); ``noise_level`` (0..1) mixes white noise into the metallic
    partials; ``detune`` scales the six oscillator frequencies (1.0 = 808).
    """
    _require_positive(decay_seconds=decay_seconds, tone_hz=tone_hz)
    rng = _rng(seed)
    length_seconds = _pick(length_seconds, min(2.5, decay_seconds * 1.15 + 0.02))
    n = _frames(length_seconds, sample_rate)
    t = _time(n, sample_rate)
    metal = _square_bank(METAL_HZ, n, sample_rate, rng, detune=detune)
    metal = _filter(metal, [("highpass", tone_hz, 0.7), ("highpass", tone_hz, 0.7),
                            ("peak", tone_hz * 1.4, 1.2, 4.0), ("lowpass", 17000.0, 0.7)],
                    sample_rate)
    noise = _filtered_noise(rng, n, [("highpass", tone_hz * 1.05, 0.7), ("highpass", tone_hz, 0.7)],
                            sample_rate)
    metal /= np.std(metal) + 1e-12
    noise /= np.std(noise) + 1e-12
    env = _decay(t, decay_seconds)
    # A touch of extra attack level makes the "tick" of a real hat.
    env *= 1.0 + 0.6 * _decay(t, min(0.02, decay_seconds * 0.3))
    out = ((1.0 - 0.5 * noise_level) * metal + noise_level * noise) * env
    return _finish(saturate(out, drive) if drive else out, sample_rate, peak_db)


def open_hat(decay_seconds: float = 0.85, tone_hz: float = 7000.0, noise_level: float = 0.45,
             detune: float = 1.0, drive: float = 0.0, length_seconds: float | None = None,
             peak_db: float = -1.0, sample_rate: int = 44100, seed=0) -> np.ndarray:
    """Open hi-hat: the closed hat with a long decay (see :func:`hat`)."""
    _require_positive(decay_seconds=decay_seconds, tone_hz=tone_hz)
    return hat(decay_seconds=decay_seconds, tone_hz=tone_hz, noise_level=noise_level, detune=detune,
               drive=drive, length_seconds=_pick(length_seconds, min(1.4, decay_seconds + 0.05)),
               peak_db=peak_db, sample_rate=sample_rate, seed=seed)


def shaker(decay_seconds: float = 0.1, attack_seconds: float = 0.014, tone_hz: float = 6500.0,
           length_seconds: float | None = None, peak_db: float = -1.0,
           sample_rate: int = 44100, seed=0) -> np.ndarray:
    """Shaker: high band of noise with a soft swell (``attack_seconds``) and a short decay.

    The swell is what makes it a shaker (beads hitting the shell) rather than a hat.
    """
    _require_positive(decay_seconds=decay_seconds, attack_seconds=attack_seconds, tone_hz=tone_hz)
    rng = _rng(seed)
    n = _frames(_pick(length_seconds, min(0.6, attack_seconds + decay_seconds + 0.02)), sample_rate)
    t = _time(n, sample_rate)
    grains = _filtered_noise(rng, n, [("highpass", tone_hz * 0.6, 0.7), ("highpass", tone_hz * 0.6, 0.7),
                                      ("peak", tone_hz, 1.0, 6.0), ("lowpass", 15000.0, 0.7)],
                             sample_rate)
    swell = np.sin(0.5 * np.pi * np.minimum(1.0, t / attack_seconds)) ** 2
    out = grains * swell * _decay(t, decay_seconds, attack_seconds)
    out[t < attack_seconds] = (grains * swell)[t < attack_seconds]
    return _finish(out, sample_rate, peak_db)


def rim(pitch_hz: float = 1700.0, low_hz: float = 480.0, decay_seconds: float = 0.045,
        click_level: float = 0.5, drive: float = 0.8, length_seconds: float | None = None,
        peak_db: float = -1.0, sample_rate: int = 44100, seed=0) -> np.ndarray:
    """808-style rim shot: two short resonances (``low_hz`` and ``pitch_hz``) plus a click, driven."""
    _require_positive(pitch_hz=pitch_hz, low_hz=low_hz, decay_seconds=decay_seconds)
    rng = _rng(seed)
    n = _frames(_pick(length_seconds, max(0.12, decay_seconds * 2.5)), sample_rate)
    t = _time(n, sample_rate)
    ring = (np.sin(2 * np.pi * pitch_hz * t) * _decay(t, decay_seconds)
            + 0.8 * np.sin(2 * np.pi * low_hz * t) * _decay(t, decay_seconds * 1.3))
    click = _filtered_noise(rng, n, [("highpass", 2500.0, 0.7), ("lowpass", 9000.0, 0.7)],
                            sample_rate)
    click = click / (np.std(click[: int(0.002 * sample_rate)]) + 1e-12) * _decay(t, 0.006)
    out = saturate(ring, drive) + click_level * 0.5 * click
    out = _filter(out, [("highpass", 350.0, 0.7)], sample_rate)
    return _finish(out, sample_rate, peak_db)


def tom(pitch_hz: float = 110.0, sweep_semitones: float = 6.0, sweep_seconds: float = 0.045,
        decay_seconds: float = 0.7, noise_level: float = 0.15, drive: float = 0.25,
        length_seconds: float | None = None, peak_db: float = -1.0,
        sample_rate: int = 44100, seed=0) -> np.ndarray:
    """Tom: a sine (plus a quieter 1.59x membrane overtone) swept down to ``pitch_hz``, with a stick thump."""
    _require_positive(pitch_hz=pitch_hz, decay_seconds=decay_seconds)
    rng = _rng(seed)
    n = _frames(_pick(length_seconds, min(1.4, decay_seconds + 0.1)), sample_rate)
    t = _time(n, sample_rate)
    body = np.sin(_sweep_phase(t, pitch_hz, sweep_semitones, sweep_seconds, sample_rate))
    body *= _decay(t, decay_seconds)
    over = np.sin(_sweep_phase(t, pitch_hz * 1.59, sweep_semitones, sweep_seconds, sample_rate))
    body += 0.22 * over * _decay(t, decay_seconds * 0.45)
    thump = _filtered_noise(rng, n, [("bandpass", pitch_hz * 6.0, 0.8), ("lowpass", 5000.0, 0.7)],
                            sample_rate)
    thump = thump / (np.std(thump[: int(0.01 * sample_rate)]) + 1e-12) * _decay(t, 0.05)
    out = saturate(body, drive) + noise_level * 0.5 * thump
    return _finish(out, sample_rate, peak_db)


def _cymbal(n, sample_rate, rng, decay_seconds, tone_hz, noise_level, detune, bell_level,
            bell_hz, stick_level):
    t = _time(n, sample_rate)
    metal = _square_bank(METAL_HZ, n, sample_rate, rng, detune=detune)
    # A second, inharmonically shifted bank fills out the wash.
    metal += 0.8 * _square_bank(METAL_HZ, n, sample_rate, rng, detune=detune * 1.4983)
    metal = _filter(metal, [("bandpass", 3440.0, 1.0), ("highpass", tone_hz * 0.5, 0.7)],
                    sample_rate) + _filter(metal, [("bandpass", 7100.0, 0.9)], sample_rate)
    noise = _filtered_noise(rng, n, [("highpass", tone_hz, 0.7), ("highpass", tone_hz, 0.7),
                                     ("lowpass", 15000.0, 0.7)], sample_rate)
    metal /= np.std(metal) + 1e-12
    noise /= np.std(noise) + 1e-12
    env = _decay(t, decay_seconds)
    out = ((1.0 - 0.5 * noise_level) * metal * (0.6 * env + 0.4 * _decay(t, decay_seconds * 0.4))
           + noise_level * noise * env)
    if bell_level:
        bell = np.zeros(n)
        for ratio, amp in ((1.0, 1.0), (1.5, 0.5), (2.44, 0.45), (3.01, 0.3)):
            bell += amp * np.sin(2 * np.pi * bell_hz * ratio * t + rng.uniform(0, 2 * np.pi))
        out += bell_level * 0.8 * bell * _decay(t, decay_seconds * 0.7)
    if stick_level:
        stick = _filtered_noise(rng, n, [("highpass", 2500.0, 0.7)], sample_rate)
        stick /= np.std(stick) + 1e-12
        out += stick_level * stick * _decay(t, 0.03)
    return out


def crash(decay_seconds: float = 2.4, tone_hz: float = 4500.0, noise_level: float = 0.6,
          detune: float = 1.0, width: float = 0.6, length_seconds: float | None = None,
          peak_db: float = -1.0, sample_rate: int = 44100, seed=0) -> np.ndarray:
    """Crash cymbal: a long metallic wash (two square banks plus noise, band-limited).

    ``width`` (0..1) decorrelates the two channels; ``width=0`` returns mono ``(frames,)``,
    otherwise stereo ``(frames, 2)``.
    """
    _require_positive(decay_seconds=decay_seconds, tone_hz=tone_hz)
    return _stereo_cymbal(dict(decay_seconds=decay_seconds, tone_hz=tone_hz, noise_level=noise_level,
                               detune=detune, bell_level=0.0, bell_hz=0.0, stick_level=0.8),
                          width, _pick(length_seconds, min(2.6, decay_seconds + 0.1)), peak_db,
                          sample_rate, seed, attack_seconds=0.004)


def ride(decay_seconds: float = 1.8, tone_hz: float = 6000.0, noise_level: float = 0.3,
         bell_hz: float = 620.0, bell_level: float = 0.35, detune: float = 1.12,
         width: float = 0.4, length_seconds: float | None = None, peak_db: float = -1.0,
         sample_rate: int = 44100, seed=0) -> np.ndarray:
    """Ride cymbal: a metallic ping (stick, bell partials around ``bell_hz``) over a quiet wash.

    ``width`` as for :func:`crash`.
    """
    _require_positive(decay_seconds=decay_seconds, tone_hz=tone_hz, bell_hz=bell_hz)
    return _stereo_cymbal(dict(decay_seconds=decay_seconds, tone_hz=tone_hz, noise_level=noise_level,
                               detune=detune, bell_level=bell_level, bell_hz=bell_hz,
                               stick_level=0.7),
                          width, _pick(length_seconds, min(2.0, decay_seconds + 0.1)), peak_db,
                          sample_rate, seed, attack_seconds=0.0)


def _stereo_cymbal(params, width, length_seconds, peak_db, sample_rate, seed, attack_seconds):
    n = _frames(length_seconds, sample_rate)
    t = _time(n, sample_rate)
    # Swell over a few ms so a crash "blooms" instead of clicking.
    swell = np.minimum(1.0, 0.35 + 0.65 * t / attack_seconds) if attack_seconds else 1.0
    if width <= 0:
        return _finish(_cymbal(n, sample_rate, _rng(seed), **params) * swell, sample_rate, peak_db)
    # Two independent cymbals (own noise and phases, seeded from ``seed``) as left/right,
    # narrowed by mid/side: width 1 = fully independent sides.
    left, right = (_cymbal(n, sample_rate, _rng([int(seed), k]), **params) * swell for k in (1, 2))
    mid, side = 0.5 * (left + right), 0.5 * width * (left - right)
    return _finish(np.stack([mid + side, mid - side], axis=1), sample_rate, peak_db)


def cowbell(low_hz: float = 540.0, high_hz: float = 800.0, decay_seconds: float = 0.4,
            tone_hz: float = 900.0, drive: float = 0.3, length_seconds: float | None = None,
            peak_db: float = -1.0, sample_rate: int = 44100, seed=0) -> np.ndarray:
    """808 cowbell: two square waves (``low_hz``, ``high_hz``) through a band-pass at ``tone_hz``."""
    _require_positive(low_hz=low_hz, high_hz=high_hz, decay_seconds=decay_seconds, tone_hz=tone_hz)
    rng = _rng(seed)
    n = _frames(_pick(length_seconds, min(1.0, decay_seconds + 0.1)), sample_rate)
    t = _time(n, sample_rate)
    sq = _square_bank((low_hz,), n, sample_rate, rng, max_hz=12000.0)
    sq += 0.8 * _square_bank((high_hz,), n, sample_rate, rng, max_hz=12000.0)
    sq = _filter(sq, [("bandpass", tone_hz, 1.2), ("highpass", 400.0, 0.7),
                      ("peak", 2600.0, 1.0, 4.0)], sample_rate)
    env = 0.6 * _decay(t, 0.06) + 0.4 * _decay(t, decay_seconds)
    return _finish(saturate(sq * env, drive), sample_rate, peak_db)


def bass_808(note: float = 24, decay_seconds: float = 2.2, sweep_semitones: float = 10.0,
             sweep_seconds: float = 0.014, drive: float = 0.45, click_level: float = 0.15,
             length_seconds: float | None = None, peak_db: float = -1.0,
             sample_rate: int = 44100, seed=0) -> np.ndarray:
    """Tuned 808 bass: a long sine at MIDI ``note`` with a short pitch drop at the attack.

    ``note`` is a MIDI note number (24 = C1 = 32.70 Hz; 29 = F1). The pitch starts
    ``sweep_semitones`` higher and settles within a few multiples of ``sweep_seconds``;
    from then on the fundamental sits exactly on the note. ``drive`` adds odd
    harmonics (tanh keeps the waveform symmetric, so the pitch is unchanged) so
    the bass is heard on small speakers.
    """
    _require_positive(decay_seconds=decay_seconds)
    rng = _rng(seed)
    pitch_hz = midi_to_hz(note)
    n = _frames(_pick(length_seconds, min(2.4, decay_seconds)), sample_rate)
    t = _time(n, sample_rate)
    phase = _sweep_phase(t, pitch_hz, sweep_semitones, sweep_seconds, sample_rate)
    # Sustain-ish shape: slow start of the decay, so the note holds before dying away.
    env = _decay(t, decay_seconds) * (0.55 + 0.45 * _decay(t, decay_seconds * 0.25)) / 1.0
    body = np.sin(phase) * env
    click = _filtered_noise(rng, n, [("bandpass", 1500.0, 0.8)], sample_rate)
    click = click / (np.std(click[: int(0.003 * sample_rate)]) + 1e-12) * _decay(t, 0.008)
    out = saturate(body, drive) + click_level * 0.3 * click
    return _finish(out, sample_rate, peak_db, dc_hz=12.0, fade_seconds=0.02)


# --------------------------------------------------------------------------- character


def lofi(x: np.ndarray, sample_rate: int = 44100, rate_hz: float = 26040.0, bits: int = 12,
         drive: float = 0.5, cutoff_hz: float = 9000.0, peak_db: float = -1.0) -> np.ndarray:
    """Lo-fi sampler character: sample-rate reduction, bit crush, saturation, tape low-pass.

    ``rate_hz`` is the (sample-and-hold) rate of the imaginary sampler (26040 Hz is the
    SP-1200; lower is grittier), ``bits`` its word length, ``drive`` the saturation
    and ``cutoff_hz`` the tape/output filter that softens the aliasing. Works on mono
    ``(frames,)`` or stereo ``(frames, 2)`` input; returns float32 at ``sample_rate``.
    """
    x = np.asarray(x, dtype=np.float64)
    if bits < 1:
        raise ValueError(f"bits must be >= 1, got {bits!r}")
    if not 0 < rate_hz <= sample_rate:
        raise ValueError(f"rate_hz must be in (0, {sample_rate}], got {rate_hz!r}")
    n = x.shape[0]
    peak = float(np.max(np.abs(x))) or 1.0
    y = x / peak * 0.9
    # Anti-alias gently (a cheap sampler's filter is not brick-wall), then sample-and-hold.
    y = _filter(y, [("lowpass", 0.45 * rate_hz, 0.7071)], sample_rate)
    hold = np.floor(np.floor(np.arange(n) * (rate_hz / sample_rate)) * (sample_rate / rate_hz))
    y = y[np.minimum(hold.astype(np.int64), n - 1)]
    steps = 2.0 ** (bits - 1)
    y = np.round(y * steps) / steps
    y = saturate(y, drive)
    y = _filter(y, [("lowpass", cutoff_hz, 0.7071), ("lowpass", cutoff_hz * 1.3, 0.6),
                    ("peak", 90.0, 0.8, 2.0)], sample_rate)
    return _finish(y, sample_rate, peak_db, fade_seconds=0.004)


# --------------------------------------------------------------------------- files


def write_wav(path, data: np.ndarray, sample_rate: int = 44100) -> None:
    """Write float audio (mono ``(frames,)`` or ``(frames, channels)``) as a 24-bit PCM WAV.

    Uses the standard-library ``wave`` writer and explicit rounding, so the bytes
    depend only on the samples (no dates, no library version in the header).
    """
    data = np.asarray(data, dtype=np.float64)
    channels = 1 if data.ndim == 1 else data.shape[1]
    ints = np.round(np.clip(data, -1.0, 1.0) * 8388607.0).astype("<i4").reshape(-1)
    raw = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(3)
        w.setframerate(int(sample_rate))
        w.writeframes(raw)


# Each pad: (file stem or list of stems, note, extra kit.toml lines). Sounds: {stem: callable}.

def _factory_sounds(sr):
    return {
        "kick": lambda: kick(sample_rate=sr),
        "snare_1": lambda: snare(sample_rate=sr, seed=1),
        "snare_2": lambda: snare(sample_rate=sr, seed=2, tone_hz=188.0, noise_level=1.05),
        "clap": lambda: clap(sample_rate=sr, seed=1),
        "hat_1": lambda: hat(sample_rate=sr, seed=1),
        "hat_2": lambda: hat(sample_rate=sr, seed=2, decay_seconds=0.1, tone_hz=7800.0),
        "hat_3": lambda: hat(sample_rate=sr, seed=3, decay_seconds=0.12),
        "openhat": lambda: open_hat(sample_rate=sr, seed=1),
        "rim": lambda: rim(sample_rate=sr, seed=1),
        "shaker_1": lambda: shaker(sample_rate=sr, seed=1),
        "shaker_2": lambda: shaker(sample_rate=sr, seed=2, decay_seconds=0.09, tone_hz=7000.0),
        "lowtom": lambda: tom(pitch_hz=82.0, decay_seconds=0.8, sample_rate=sr, seed=1),
        "tom": lambda: tom(pitch_hz=110.0, decay_seconds=0.7, sample_rate=sr, seed=2),
        "midtom": lambda: tom(pitch_hz=131.0, decay_seconds=0.65, sample_rate=sr, seed=3),
        "hightom": lambda: tom(pitch_hz=165.0, decay_seconds=0.6, sample_rate=sr, seed=4),
        "crash": lambda: crash(sample_rate=sr, seed=1),
        "ride": lambda: ride(sample_rate=sr, seed=1),
        "cowbell": lambda: cowbell(sample_rate=sr, seed=1),
        "808": lambda: bass_808(note=24, sample_rate=sr),
    }


def _lofi_sounds(sr):
    dust = dict(sample_rate=sr, rate_hz=26040.0, bits=12, drive=0.5, cutoff_hz=8000.0)
    return {
        "kick": lambda: lofi(kick(pitch_hz=47.0, sweep_semitones=16.0, sweep_seconds=0.04,
                                  decay_seconds=0.5, click_level=0.15, drive=0.8, sample_rate=sr),
                             **{**dust, "cutoff_hz": 6000.0, "drive": 0.7}),
        "snare_1": lambda: lofi(snare(tone_hz=210.0, body_level=0.55, noise_level=1.3,
                                      decay_seconds=0.18, noise_decay_seconds=0.26,
                                      snappy_hz=3500.0, drive=0.6, sample_rate=sr, seed=11),
                                **dust),
        "snare_2": lambda: lofi(snare(tone_hz=205.0, body_level=0.55, noise_level=1.35,
                                      decay_seconds=0.18, noise_decay_seconds=0.28,
                                      snappy_hz=3300.0, drive=0.6, sample_rate=sr, seed=12),
                                **dust),
        "clap": lambda: lofi(clap(center_hz=1000.0, decay_seconds=0.3, sample_rate=sr, seed=11),
                             **dust),
        "hat_1": lambda: lofi(hat(decay_seconds=0.09, tone_hz=6000.0, noise_level=0.6,
                                  sample_rate=sr, seed=11), **{**dust, "cutoff_hz": 10000.0}),
        "hat_2": lambda: lofi(hat(decay_seconds=0.08, tone_hz=6200.0, noise_level=0.6,
                                  sample_rate=sr, seed=12), **{**dust, "cutoff_hz": 10000.0}),
        "hat_3": lambda: lofi(hat(decay_seconds=0.1, tone_hz=5800.0, noise_level=0.6,
                                  sample_rate=sr, seed=13), **{**dust, "cutoff_hz": 10000.0}),
        "openhat": lambda: lofi(open_hat(decay_seconds=0.6, tone_hz=5500.0, noise_level=0.6,
                                         sample_rate=sr, seed=11), **{**dust, "cutoff_hz": 10000.0}),
        "rim": lambda: lofi(rim(pitch_hz=1500.0, low_hz=420.0, sample_rate=sr, seed=11), **dust),
        "shaker_1": lambda: lofi(shaker(tone_hz=5500.0, sample_rate=sr, seed=11),
                                 **{**dust, "cutoff_hz": 10000.0}),
        "shaker_2": lambda: lofi(shaker(tone_hz=5800.0, decay_seconds=0.09, sample_rate=sr, seed=12),
                                 **{**dust, "cutoff_hz": 10000.0}),
        "lowtom": lambda: lofi(tom(pitch_hz=78.0, decay_seconds=0.6, drive=0.5, sample_rate=sr,
                                   seed=11), **dust),
        "tom": lambda: lofi(tom(pitch_hz=104.0, decay_seconds=0.55, drive=0.5, sample_rate=sr,
                                seed=12), **dust),
        "midtom": lambda: lofi(tom(pitch_hz=124.0, decay_seconds=0.5, drive=0.5, sample_rate=sr,
                                   seed=13), **dust),
        "hightom": lambda: lofi(tom(pitch_hz=156.0, decay_seconds=0.45, drive=0.5, sample_rate=sr,
                                    seed=14), **dust),
        "crash": lambda: lofi(crash(decay_seconds=2.0, tone_hz=3500.0, width=0.5, sample_rate=sr,
                                    seed=11), **{**dust, "cutoff_hz": 9000.0}),
        "ride": lambda: lofi(ride(decay_seconds=1.6, tone_hz=5000.0, width=0.3, sample_rate=sr,
                                  seed=11), **{**dust, "cutoff_hz": 9000.0}),
        "cowbell": lambda: lofi(cowbell(decay_seconds=0.3, sample_rate=sr, seed=11), **dust),
        "808": lambda: lofi(bass_808(note=24, drive=0.9, decay_seconds=2.0, sample_rate=sr),
                            **{**dust, "bits": 14, "cutoff_hz": 5000.0, "drive": 0.6}),
    }


# (pad name, file stems, GM note, gain_db, extra toml lines)
_PADS = (
    ("kick", ["kick"], 36, 0.0, []),
    ("snare", ["snare_1", "snare_2"], 38, 0.0, []),
    ("clap", ["clap"], 39, -1.0, []),
    ("rim", ["rim"], 37, -4.0, []),
    ("hat", ["hat_1", "hat_2", "hat_3"], 42, -6.0, ['choke_group = "hats"']),
    ("openhat", ["openhat"], 46, -7.0, ['choke_group = "hats"', 'choked_by = ["hats"]']),
    ("shaker", ["shaker_1", "shaker_2"], 70, -9.0, []),
    ("lowtom", ["lowtom"], 41, -2.0, ["pan = -0.3"]),
    ("tom", ["tom"], 45, -2.0, ["pan = -0.1"]),
    ("midtom", ["midtom"], 47, -2.0, ["pan = 0.1"]),
    ("hightom", ["hightom"], 50, -2.0, ["pan = 0.3"]),
    ("crash", ["crash"], 49, -8.0, []),
    ("ride", ["ride"], 51, -9.0, []),
    ("cowbell", ["cowbell"], 56, -8.0, []),
    ("808", ["808"], 34, -4.0,   # below the General MIDI drum range (35 is a kick there)
     ["root = 24                    # C1 (32.70 Hz): play pitch=5 for F1",
      "envelope = { attack = 0.0, decay = 0.0, sustain = 1.0, release = 0.05 }",
      "gated = false", 'choke_group = "808"', 'choked_by = ["808"]      # one 808 at a time']),
)

# name: (description, sounds, pad gain offsets in dB)
KITS = {
    "factory": ("Clean 808/909-style electronic kit synthesised by beatforge.synth.",
                _factory_sounds, {}),
    "lofi": ("Dusty lo-fi kit: the synth voices through a 12-bit, 26 kHz sampler and tape.",
             # Saturation lowers the crest factor, so at the same peak the lofi voices are
             # louder: these offsets restore the factory kit's balance (A-weighted, attack).
             _lofi_sounds, {"kick": -2.0, "snare": -4.5, "clap": -4.5, "rim": -4.5, "hat": -5.0,
                            "openhat": -6.5, "shaker": -4.5, "lowtom": -3.0, "tom": -3.0,
                            "midtom": -3.0, "hightom": -3.0, "crash": -5.0, "ride": -7.0,
                            "cowbell": -3.5, "808": -2.0}),
}

_LICENSE = """\
The samples in this folder were generated by beatforge's own synthesis code
(beatforge/synth.py, `python -m beatforge.synth kits/`). No recordings were used.

CC0 1.0 Universal (CC0-1.0)

To the extent possible under law, the beatforge authors have waived all copyright
and related or neighboring rights to these samples. This work is published from
the public domain; you can copy, modify, distribute and perform it, even for
commercial purposes, all without asking permission or giving credit.

Full legal code: https://creativecommons.org/publicdomain/zero/1.0/legalcode
"""


def _kit_toml(name: str, description: str, gain_offsets: dict) -> str:
    lines = ["[kit]", f'name = "{name}"', f'description = "{description}"', 'license = "CC0-1.0"']
    for pad, stems, note, gain_db, extra in _PADS:
        lines += ["", f"[pads.{pad}]"]
        if len(stems) == 1:
            lines.append(f'sample = "{stems[0]}.wav"')
        else:
            lines.append("samples = [" + ", ".join(f'"{s}.wav"' for s in stems) + "]")
        lines.append(f"note = {note}")
        gain_db += gain_offsets.get(pad, 0.0)
        if gain_db:
            lines.append(f"gain_db = {gain_db:.1f}")
        lines += extra
    return "\n".join(lines) + "\n"


def _match_loudness(variants, sample_rate: int, window_seconds: float = 0.1,
                    peak_db: float = -1.0) -> None:
    """Scale round-robin variants in place to the same attack RMS, loudest peak at ``peak_db``."""
    w = int(window_seconds * sample_rate)
    rms = [float(np.sqrt(np.mean(np.square(v[:w], dtype=np.float64)))) for v in variants]
    target = float(np.mean(rms))
    gains = [target / r for r in rms]
    top = max(g * float(np.max(np.abs(v))) for g, v in zip(gains, variants))
    for g, v in zip(gains, variants):
        v *= np.float32(g * 10.0 ** (peak_db / 20.0) / top)


def build_kits(dest, sample_rate: int = 44100, kits=None) -> list[Path]:
    """Write the shipped kits into ``dest/<kit>/`` (WAVs, ``kit.toml``, ``LICENSE``).

    Deterministic: running it twice gives byte-identical files. Returns the paths written.
    """
    dest = Path(dest)
    written = []
    for name in kits or KITS:
        description, sounds, gain_offsets = KITS[name]
        folder = dest / name
        folder.mkdir(parents=True, exist_ok=True)
        audio = {stem: make() for stem, make in sounds(sample_rate).items()}
        for _pad, stems, _note, _gain, _extra in _PADS:
            if len(stems) > 1:
                _match_loudness([audio[s] for s in stems], sample_rate)
        for stem, data in audio.items():
            path = folder / f"{stem}.wav"
            write_wav(path, data, sample_rate)
            written.append(path)
        for fname, text in (("kit.toml", _kit_toml(name, description, gain_offsets)), ("LICENSE", _LICENSE)):
            path = folder / fname
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    return written


def _main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m beatforge.synth",
                                     description="Regenerate the shipped drum kits.")
    parser.add_argument("dest", nargs="?", default="kits", help="folder to write the kits into")
    parser.add_argument("--kit", action="append", choices=sorted(KITS), help="only this kit")
    args = parser.parse_args(argv)
    for path in build_kits(args.dest, kits=args.kit):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
