/* beatforge voice mixer: sums sample-playback voices into a stereo float32 buffer.
 *
 * One call mixes every active voice of a bank over a block of output frames and advances
 * each voice's state (offset, pos, age, done), so consecutive calls continue seamlessly:
 * mixing N frames at once or in any split of blocks gives bit-identical output.
 *
 * The C side trusts its arguments (the Python wrapper validates them) and never allocates.
 * beatforge/engine/reference.py implements the same math in numpy; keep the two in step.
 *
 * Semantics of one voice
 *   Region length L = end_point - start_point.  Virtual signal r[k], k in [0, L):
 *   forward r[k] = data[start_point + k], reverse r[k] = data[end_point - 1 - k]; r[k] = 0 outside.
 *   At each output frame (after `offset` frames of silence) the voice plays interp(r, pos) per
 *   channel, then pos += rate (sequential double addition) and age += 1.  It plays while pos < L.
 *   interp at pos = n + f: linear r[n] + f*(r[n+1]-r[n]); cubic Catmull-Rom over r[n-1..n+2].
 *   Both return r[n] exactly when f == 0.
 *   Envelope e(age): attack ramp a/attack, hold at 1 (hold < 0: forever), linear decay to sustain,
 *   sustain; release from release_at: e(release_at) * (1 - (a-release_at)/release); a kill fade
 *   from kill_at multiplies by (1 - (a-kill_at)/kill_len).  The voice is done when pos >= L,
 *   age >= release_at + release or age >= kill_at + kill_len (checked once offset has run out).
 *   Mono source s: L += s*e*gain_l, R += s*e*gain_r.  Stereo: L += sL*e*gain_l, R += sR*e*gain_r.
 *   If stems != NULL and 0 <= stem < nstems, the same contribution also goes to that stem.
 */
#ifndef BEATFORGE_MIXER_H
#define BEATFORGE_MIXER_H

#include <stdint.h>

typedef struct bf_voice {
    const float *data;      /* interleaved frames, `channels` floats per frame; NULL = slot unused */
    int64_t frames;         /* frames in data */
    int32_t channels;       /* 1 or 2 */
    int32_t interp;         /* 0 = linear, 1 = 4-point cubic Hermite (Catmull-Rom) */
    int32_t reverse;        /* 1: play the region backwards */
    int32_t stem;           /* stem index or -1 */
    int32_t done;           /* set to 1 by bf_mix when the voice has finished (or data == NULL) */
    int32_t _pad;
    int64_t start_point;    /* playable region [start_point, end_point) of data, in frames */
    int64_t end_point;
    int64_t offset;         /* frames into the next call's range before the voice starts (>= 0) */
    double pos;             /* playhead in frames from the region start (fractional, >= 0) */
    double rate;            /* playhead increment per output frame, > 0 */
    float gain_l, gain_r;
    int64_t attack, hold, decay;  /* envelope, in output frames; hold < 0 = forever */
    float sustain;          /* 0..1 */
    int64_t release;        /* release length in frames */
    int64_t release_at;     /* age at which the release starts (note-off); -1 = never */
    int64_t kill_at;        /* age at which a steal/choke fade starts; -1 = never */
    int64_t kill_len;       /* kill fade length in frames (>= 1) */
    int64_t age;            /* output frames rendered since the voice started */
} bf_voice;

/* Mix all voices into out (nframes x 2 interleaved float32) and, when stems != NULL, into
 * stems (nstems x nframes x 2).  Adds, never overwrites.  Returns 0. */
int bf_mix(bf_voice *voices, int64_t nvoices, float *out, int64_t nframes,
           float *stems, int64_t nstems);

/* sizeof(bf_voice), so the Python side can check its struct layout. */
int bf_abi_size(void);

/* First slot index >= start that is free (data == NULL or done), or -1.  Allocation-free. */
int64_t bf_find_free(const bf_voice *voices, int64_t nvoices, int64_t start);

/* Number of voices with data != NULL and !done. */
int64_t bf_count_active(const bf_voice *voices, int64_t nvoices);

/* n float samples -> 16-bit PCM (int16) or 24-bit PCM left-aligned in int32 (low byte 0),
 * the integers libsndfile writes for float input to PCM_16 / PCM_24 files.
 * beatforge/io/audio.py has the numpy reference. */
void bf_float_to_pcm16(const float *in, int16_t *out, int64_t n);
void bf_float_to_pcm24(const float *in, int32_t *out, int64_t n);

/* Measurement kernels for beatforge/pack/deliver.py (which holds their numpy references).
 * Like the mixer they trust their arguments (the Python wrappers check every bound) and
 * never allocate. */

#define BF_KW_MAX_CHANNELS 8
#define BF_KW_MAX_SECTIONS 4

/* K-weighted segment energies.  x: frames x channels interleaved float32.  Each channel goes
 * through the cascade of `nsections` biquads sos (nsections x 6: b0 b1 b2 a0 a1 a2, a0 == 1)
 * in double precision, direct form II transposed, zero initial state (scipy's sosfilt), after
 * a +-1e-12 dither (+ on even frames, - on odd: keeps the decaying filter state out of
 * denormal numbers on silence).  out (channels x ceil(frames / seg), row-major) receives
 * per channel the sum of squares of the filtered signal over each run of `seg` frames (the
 * last run may be shorter).  channels <= BF_KW_MAX_CHANNELS, nsections <= BF_KW_MAX_SECTIONS. */
void bf_kweight_segments(const float *x, int64_t frames, int32_t channels,
                         const double *sos, int32_t nsections, int64_t seg, double *out);

#define BF_TP_MAX_BLOCK 1024

/* 4x true-peak envelope of the blocks [starts[r], starts[r] + block) of x (frames x channels
 * interleaved float32).  For each frame t of a block the value is the largest |.| over the
 * channels of the sample x[t] and its three interpolated points at t + p/4 (p = 1, 2, 3):
 *     y_p(t) = sum_{k=0..11} taps[12 * (p - 1) + k] * x[t + 6 - k]
 * with x outside [0, frames) read circularly (circular != 0) or as 0.  When out != NULL the
 * values are max-ed into out: at out[r * block + j] (per_block != 0) or at out[starts[r] + j].
 * Returns the largest value of all blocks (0 for none).
 * 1 <= block <= BF_TP_MAX_BLOCK, 0 <= starts[r] <= frames - block. */
float bf_true_peak_blocks(const float *x, int64_t frames, int32_t channels,
                          const int64_t *starts, int64_t nstarts, int64_t block,
                          const float *taps, int32_t circular, float *out, int32_t per_block);

#endif
