/* beatforge voice mixer; see mixer.h for the semantics.
 *
 * Every output sample is a pure function of the voice's (pos, age) at that frame, evaluated
 * by the same expressions whatever the block split, so block-by-block rendering is exact.
 *
 * Structure per voice: the envelope is split into segments (attack ramp, hold, decay ramp,
 * sustain, release ramp, kill fade) over the age axis.  Within a segment the envelope is
 *     e(a) = (b0 + b1*(a - bs)) * (k0 + k1*(a - ks))
 * with b1 == 0 / k1 == 0 on constant parts, which gives exactly b0*k0 there, so the constant
 * fast paths and the generic per-frame path agree bit for bit.
 *   - unpitched voices (rate 1, integer pos): constant segments are a scaled add, ramp
 *     segments a multiply-add with an envelope buffer; tight loops that gcc vectorises.
 *   - pitched voices: chunks of up to BF_CHUNK frames in stack buffers; a positions pass
 *     computes integer index + fraction (vectorised, yet bit-identical to the sequential
 *     `pos += rate` of the definition, see positions()), a gather + interpolation pass (SSE
 *     kernels for cubic interior chunks, scalar code with zero padding at region edges) and a
 *     vectorised envelope/gain/accumulate pass.
 * Nothing is allocated; everything per chunk lives on the stack (~9 KiB).
 */
#include "mixer.h"

#include <math.h>
#include <stddef.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(_MSC_VER) && !defined(restrict)
#define restrict __restrict
#endif

#define BF_CHUNK 256
#define BF_NEVER INT64_MAX

typedef struct {
    float b0, b1;   /* base envelope: b0 + b1 * (a - bs) */
    int64_t bs;
    float k0, k1;   /* kill fade factor: k0 + k1 * (a - ks) */
    int64_t ks;
    int64_t end;    /* first age after this segment */
} env_seg;

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Base (pre-release) envelope segment containing age a. */
static void base_segment(const bf_voice *v, int64_t a, env_seg *s)
{
    const int64_t att = v->attack, hold = v->hold, dec = v->decay;
    if (a < att) {
        s->b0 = 0.0f; s->b1 = 1.0f / (float)att; s->bs = 0; s->end = att;
    } else if (hold < 0 || a < att + hold) {
        s->b0 = 1.0f; s->b1 = 0.0f; s->bs = a; s->end = hold < 0 ? BF_NEVER : att + hold;
    } else if (a < att + hold + dec) {
        s->b0 = 1.0f; s->b1 = -((1.0f - v->sustain) / (float)dec); s->bs = att + hold;
        s->end = att + hold + dec;
    } else {
        s->b0 = v->sustain; s->b1 = 0.0f; s->bs = a; s->end = BF_NEVER;
    }
}

static inline float seg_base(const env_seg *s, int64_t a)
{
    return s->b0 + s->b1 * (float)(a - s->bs);
}

/* Age at which the envelope finishes the voice (BF_NEVER if it never does). */
static int64_t env_end(const bf_voice *v)
{
    int64_t e = BF_NEVER;
    if (v->release_at >= 0) e = v->release_at + v->release;
    if (v->kill_at >= 0) e = min64(e, v->kill_at + v->kill_len);
    return e;
}

/* Full envelope segment containing age a (a < env_end(v)). */
static void env_segment(const bf_voice *v, int64_t a, env_seg *s)
{
    if (v->release_at >= 0 && a >= v->release_at) {
        env_seg pre;
        base_segment(v, v->release_at, &pre);
        const float erel = seg_base(&pre, v->release_at);
        s->b0 = erel; s->b1 = -(erel / (float)v->release); s->bs = v->release_at;
        s->end = v->release_at + v->release;
    } else {
        base_segment(v, a, s);
        if (v->release_at >= 0 && v->release_at < s->end) s->end = v->release_at;
    }
    if (v->kill_at >= 0 && a >= v->kill_at) {
        s->k0 = 1.0f; s->k1 = -(1.0f / (float)v->kill_len); s->ks = v->kill_at;
        s->end = min64(s->end, v->kill_at + v->kill_len);
    } else {
        s->k0 = 1.0f; s->k1 = 0.0f; s->ks = a;
        if (v->kill_at >= 0) s->end = min64(s->end, v->kill_at);
    }
}

/* Envelope times gain for n frames starting at age a: egl[i], egr[i]. */
static void env_gains(const env_seg *s, int64_t a, int n, float gl, float gr,
                      float *restrict egl, float *restrict egr)
{
    const int32_t xb = (int32_t)(a - s->bs), xk = (int32_t)(a - s->ks);
    const float b0 = s->b0, b1 = s->b1, k0 = s->k0, k1 = s->k1;
    for (int32_t i = 0; i < n; i++) {     /* int32: vectorised int -> float conversion */
        const float e = (b0 + b1 * (float)(xb + i)) * (k0 + k1 * (float)(xk + i));
        egl[i] = e * gl;
        egr[i] = e * gr;
    }
}

/* ---- unpitched: rate 1, integer pos: r[n0 + i] at output frame i ---------------------- */

static void add_const(float *restrict o, const float *restrict src, int64_t n, int ch, int rev,
                      float gl, float gr)
{
    if (ch == 1) {
        if (!rev) for (int64_t i = 0; i < n; i++) { const float s = src[i]; o[2*i] += s * gl; o[2*i+1] += s * gr; }
        else      for (int64_t i = 0; i < n; i++) { const float s = src[-i]; o[2*i] += s * gl; o[2*i+1] += s * gr; }
    } else {
        if (!rev) for (int64_t i = 0; i < n; i++) { o[2*i] += src[2*i] * gl; o[2*i+1] += src[2*i+1] * gr; }
        else      for (int64_t i = 0; i < n; i++) { o[2*i] += src[-2*i] * gl; o[2*i+1] += src[1-2*i] * gr; }
    }
}

static void add_ramp(float *restrict o, const float *restrict src, int n, int ch, int rev,
                     const float *restrict egl, const float *restrict egr)
{
    if (ch == 1) {
        if (!rev) for (int64_t i = 0; i < n; i++) { const float s = src[i]; o[2*i] += s * egl[i]; o[2*i+1] += s * egr[i]; }
        else      for (int64_t i = 0; i < n; i++) { const float s = src[-i]; o[2*i] += s * egl[i]; o[2*i+1] += s * egr[i]; }
    } else {
        if (!rev) for (int64_t i = 0; i < n; i++) { o[2*i] += src[2*i] * egl[i]; o[2*i+1] += src[2*i+1] * egr[i]; }
        else      for (int64_t i = 0; i < n; i++) { o[2*i] += src[-2*i] * egl[i]; o[2*i+1] += src[1-2*i] * egr[i]; }
    }
}

/* Render `n` frames of an unpitched voice (all within the region) with segment s. */
static void render_unpitched(const bf_voice *v, const env_seg *s, int64_t a0, int64_t n0, int64_t n,
                             float *o1, float *o2)
{
    const int ch = v->channels, rev = v->reverse;
    const float *src = rev ? v->data + (v->end_point - 1 - n0) * ch
                           : v->data + (v->start_point + n0) * ch;
    if (s->b1 == 0.0f && s->k1 == 0.0f) {
        const float e = s->b0 * s->k0;
        const float gl = e * v->gain_l, gr = e * v->gain_r;
        if (gl == 0.0f && gr == 0.0f) return;   /* adds +-0: nothing to do */
        add_const(o1, src, n, ch, rev, gl, gr);
        if (o2) add_const(o2, src, n, ch, rev, gl, gr);
        return;
    }
    float egl[BF_CHUNK], egr[BF_CHUNK];
    const int64_t step = rev ? -(int64_t)ch : (int64_t)ch;
    for (int64_t done = 0; done < n; ) {
        const int cn = (int)min64(BF_CHUNK, n - done);
        env_gains(s, a0 + done, cn, v->gain_l, v->gain_r, egl, egr);
        add_ramp(o1 + 2*done, src + done * step, cn, ch, rev, egl, egr);
        if (o2) add_ramp(o2 + 2*done, src + done * step, cn, ch, rev, egl, egr);
        done += cn;
    }
}

/* ---- general path: fractional positions, interpolation ------------------------------- */

static inline float cubic(float ym1, float y0, float y1, float y2, float f)
{
    const float c1 = 0.5f * (y1 - ym1);
    const float c2 = ym1 - 2.5f * y0 + 2.0f * y1 - 0.5f * y2;
    const float c3 = 0.5f * (y2 - ym1) + 1.5f * (y0 - y1);
    return y0 + f * (c1 + f * (c2 + f * c3));
}

static inline float linear(float y0, float y1, float f)
{
    return y0 + f * (y1 - y0);
}

/* r[k] for channel c with zero outside [0, L) (edge chunks only). */
static inline float tap(const float *base, int64_t step, int64_t L, int64_t k, int c)
{
    return (k >= 0 && k < L) ? base[k * step + c] : 0.0f;
}

/* Gather the taps r[idx[i] + d] (d = -1..2) of channel c into t0..t3 (zero outside [0, L)). */
static void gather(const float *restrict base, int64_t step, int64_t L, int c, int ntaps,
                   const int32_t *restrict idx, int cn,
                   float *restrict t0, float *restrict t1, float *restrict t2, float *restrict t3)
{
    const int interior = idx[0] >= 1 && (int64_t)idx[cn - 1] + 2 < L;
    if (interior) {
        const float *b = base + c;
        if (ntaps == 4) {
            for (int64_t i = 0; i < cn; i++) {
                const float *q = b + (int64_t)idx[i] * step;
                t0[i] = q[-step]; t1[i] = q[0]; t2[i] = q[step]; t3[i] = q[2 * step];
            }
        } else {
            for (int64_t i = 0; i < cn; i++) {
                const float *q = b + (int64_t)idx[i] * step;
                t1[i] = q[0]; t2[i] = q[step];
            }
        }
    } else {
        for (int64_t i = 0; i < cn; i++) {
            const int64_t k = idx[i];
            if (ntaps == 4) { t0[i] = tap(base, step, L, k - 1, c); t3[i] = tap(base, step, L, k + 2, c); }
            t1[i] = tap(base, step, L, k, c); t2[i] = tap(base, step, L, k + 1, c);
        }
    }
}

/* Interpolate channel c for cn frames into y[]. */
static void interp_channel(const float *restrict base, int64_t step, int64_t L, int c, int cubic_on,
                           const int32_t *restrict idx, const float *restrict fr, int cn,
                           float *restrict y)
{
    float t0[BF_CHUNK], t1[BF_CHUNK], t2[BF_CHUNK], t3[BF_CHUNK];
    if (cubic_on) {
        gather(base, step, L, c, 4, idx, cn, t0, t1, t2, t3);
        for (int64_t i = 0; i < cn; i++) y[i] = cubic(t0[i], t1[i], t2[i], t3[i], fr[i]);
    } else {
        gather(base, step, L, c, 2, idx, cn, t0, t1, t2, t3);
        for (int64_t i = 0; i < cn; i++) y[i] = linear(t1[i], t2[i], fr[i]);
    }
}

#if defined(__SSE2__)
/* SSE versions of the cubic kernel for interior chunks.  They evaluate exactly the expression of
 * cubic() lane by lane (no FMA, same operation order), so they give the same bits as the scalar
 * code that handles edges and remainders: block splits cannot change the output. */
static inline __m128 cubic4(__m128 ym1, __m128 y0, __m128 y1, __m128 y2, __m128 f)
{
    const __m128 half = _mm_set1_ps(0.5f), k25 = _mm_set1_ps(2.5f), two = _mm_set1_ps(2.0f),
                 k15 = _mm_set1_ps(1.5f);
    const __m128 c1 = _mm_mul_ps(half, _mm_sub_ps(y1, ym1));
    const __m128 c2 = _mm_sub_ps(_mm_add_ps(_mm_sub_ps(ym1, _mm_mul_ps(k25, y0)), _mm_mul_ps(two, y1)),
                                 _mm_mul_ps(half, y2));
    const __m128 c3 = _mm_add_ps(_mm_mul_ps(half, _mm_sub_ps(y2, ym1)), _mm_mul_ps(k15, _mm_sub_ps(y0, y1)));
    return _mm_add_ps(y0, _mm_mul_ps(f, _mm_add_ps(c1, _mm_mul_ps(f, _mm_add_ps(c2, _mm_mul_ps(f, c3))))));
}

/* Mono, step +-1: the 4 taps of a frame are contiguous, so one unaligned load per frame and a
 * 4x4 transpose give the tap vectors of 4 frames.  n is a multiple of 4. */
static void cubic_mono_sse(const float *base, int64_t step, const int32_t *restrict idx,
                           const float *restrict fr, int n, float *restrict y)
{
    if (step > 0) {
        for (int i = 0; i < n; i += 4) {
            __m128 a = _mm_loadu_ps(base + idx[i] - 1), b = _mm_loadu_ps(base + idx[i + 1] - 1);
            __m128 c = _mm_loadu_ps(base + idx[i + 2] - 1), d = _mm_loadu_ps(base + idx[i + 3] - 1);
            _MM_TRANSPOSE4_PS(a, b, c, d);          /* a = r[n-1], b = r[n], c = r[n+1], d = r[n+2] */
            _mm_storeu_ps(y + i, cubic4(a, b, c, d, _mm_loadu_ps(fr + i)));
        }
    } else {
        for (int i = 0; i < n; i += 4) {
            __m128 a = _mm_loadu_ps(base - idx[i] - 2), b = _mm_loadu_ps(base - idx[i + 1] - 2);
            __m128 c = _mm_loadu_ps(base - idx[i + 2] - 2), d = _mm_loadu_ps(base - idx[i + 3] - 2);
            _MM_TRANSPOSE4_PS(a, b, c, d);          /* a = r[n+2], b = r[n+1], c = r[n], d = r[n-1] */
            _mm_storeu_ps(y + i, cubic4(d, c, b, a, _mm_loadu_ps(fr + i)));
        }
    }
}

/* Two stereo frames (L, R pairs at p and q) in one vector: [pL, pR, qL, qR]. */
static inline __m128 load_pairs(const float *p, const float *q)
{
    return _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)p), (const __m64 *)q);
}

/* Stereo, step +-2: lanes [L, R] of two frames at a time; n is a multiple of 4. */
static void cubic_stereo_sse(const float *base, int64_t step, const int32_t *restrict idx,
                             const float *restrict fr, int n, float *restrict yl, float *restrict yr)
{
    for (int i = 0; i < n; i += 4) {
        __m128 v[2];
        for (int h = 0; h < 2; h++) {
            const float *p = base + (int64_t)idx[i + 2 * h] * step;
            const float *q = base + (int64_t)idx[i + 2 * h + 1] * step;
            const __m128 f2 = _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(fr + i + 2 * h));
            v[h] = cubic4(load_pairs(p - step, q - step), load_pairs(p, q),
                          load_pairs(p + step, q + step), load_pairs(p + 2 * step, q + 2 * step),
                          _mm_unpacklo_ps(f2, f2));
        }
        _mm_storeu_ps(yl + i, _mm_shuffle_ps(v[0], v[1], _MM_SHUFFLE(2, 0, 2, 0)));
        _mm_storeu_ps(yr + i, _mm_shuffle_ps(v[0], v[1], _MM_SHUFFLE(3, 1, 3, 1)));
    }
}

static inline __m128 linear4(__m128 y0, __m128 y1, __m128 f)
{
    return _mm_add_ps(y0, _mm_mul_ps(f, _mm_sub_ps(y1, y0)));
}

/* Mono linear, step +-1: the 2 taps of a frame are one 64-bit load. */
static void linear_mono_sse(const float *base, int64_t step, const int32_t *restrict idx,
                            const float *restrict fr, int n, float *restrict y)
{
    const int64_t d = step > 0 ? 0 : -1;     /* the pair starts at r[n] (forward) or r[n+1] */
    for (int i = 0; i < n; i += 4) {
        const __m128 a = load_pairs(base + idx[i] * step + d, base + idx[i + 1] * step + d);
        const __m128 b = load_pairs(base + idx[i + 2] * step + d, base + idx[i + 3] * step + d);
        const __m128 lo = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        const __m128 hi = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        const __m128 f = _mm_loadu_ps(fr + i);
        _mm_storeu_ps(y + i, step > 0 ? linear4(lo, hi, f) : linear4(hi, lo, f));
    }
}

/* Stereo linear, step +-2: lanes [L, R] of two frames at a time. */
static void linear_stereo_sse(const float *base, int64_t step, const int32_t *restrict idx,
                              const float *restrict fr, int n, float *restrict yl, float *restrict yr)
{
    for (int i = 0; i < n; i += 4) {
        __m128 v[2];
        for (int h = 0; h < 2; h++) {
            const float *p = base + (int64_t)idx[i + 2 * h] * step;
            const float *q = base + (int64_t)idx[i + 2 * h + 1] * step;
            const __m128 f2 = _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(fr + i + 2 * h));
            v[h] = linear4(load_pairs(p, q), load_pairs(p + step, q + step), _mm_unpacklo_ps(f2, f2));
        }
        _mm_storeu_ps(yl + i, _mm_shuffle_ps(v[0], v[1], _MM_SHUFFLE(2, 0, 2, 0)));
        _mm_storeu_ps(yr + i, _mm_shuffle_ps(v[0], v[1], _MM_SHUFFLE(3, 1, 3, 1)));
    }
}
#endif

/* Interpolate cn frames of every channel into yl (and yr for stereo). */
static void interp_frames(const float *restrict base, int64_t step, int64_t L, int ch, int cubic_on,
                          const int32_t *restrict idx, const float *restrict fr, int cn,
                          float *restrict yl, float *restrict yr)
{
    int i = 0;
#if defined(__SSE2__)
    if (idx[0] >= 1 && (int64_t)idx[cn - 1] + 2 < L) {
        i = cn & ~3;
        if (cubic_on) {
            if (ch == 1) cubic_mono_sse(base, step, idx, fr, i, yl);
            else cubic_stereo_sse(base, step, idx, fr, i, yl, yr);
        } else {
            if (ch == 1) linear_mono_sse(base, step, idx, fr, i, yl);
            else linear_stereo_sse(base, step, idx, fr, i, yl, yr);
        }
    }
#endif
    if (i < cn) {
        interp_channel(base, step, L, 0, cubic_on, idx + i, fr + i, cn - i, yl + i);
        if (ch == 2) interp_channel(base, step, L, 1, cubic_on, idx + i, fr + i, cn - i, yr + i);
    }
}

static void add_mono(float *restrict o, const float *restrict y, const float *restrict egl,
                     const float *restrict egr, int cn)
{
    for (int64_t i = 0; i < cn; i++) { o[2*i] += y[i] * egl[i]; o[2*i+1] += y[i] * egr[i]; }
}

static void add_stereo(float *restrict o, const float *restrict yl, const float *restrict yr,
                       const float *restrict egl, const float *restrict egr, int cn)
{
    for (int64_t i = 0; i < cn; i++) { o[2*i] += yl[i] * egl[i]; o[2*i+1] += yr[i] * egr[i]; }
}

/* Constant envelope: gl, gr = e * gain, the same values env_gains would produce. */
static void add_mono_c(float *restrict o, const float *restrict y, float gl, float gr, int cn)
{
    for (int64_t i = 0; i < cn; i++) { o[2*i] += y[i] * gl; o[2*i+1] += y[i] * gr; }
}

static void add_stereo_c(float *restrict o, const float *restrict yl, const float *restrict yr,
                         float gl, float gr, int cn)
{
    for (int64_t i = 0; i < cn; i++) { o[2*i] += yl[i] * gl; o[2*i+1] += yr[i] * gr; }
}

/* Playhead positions for up to `want` frames: idx[i] = floor(p), fr[i] = p - idx[i], then
 * p += rate, stopping before the first p >= Ld.  Returns the count and updates *pp.
 *
 * The playhead is defined as a sequential double addition (p += rate per frame), a dependency
 * chain that would cost a full add latency per frame.  Inside one binade [2^(e-1), 2^e) doubles
 * sit on a fixed grid u = 2^(e-53), and p is on it, so round(p + rate) == p + round_u(rate)
 * (unless rate is exactly halfway between grid points: ties-to-even would then depend on p).
 * While the sum stays in the binade, p_k = p_0 + k * round_u(rate) exactly, which is
 * vectorisable and bit-identical to the sequential sum.  Binade crossings (a handful per
 * voice), p < 1 and ties take the plain sequential step. */
static int positions(double *pp, double rate, double Ld, int want,
                     int32_t *restrict idx, float *restrict fr)
{
    double p = *pp;
    int cn = 0;
    while (cn < want && p < Ld) {
        const int rem = want - cn;
        if (p >= 1.0 && rem >= 8) {
            int ex;
            (void)frexp(p, &ex);                       /* p in [2^(ex-1), 2^ex) */
            const double hi = ldexp(1.0, ex), u = ldexp(1.0, ex - 53);
            const double q = rate / u, qr = rint(q);   /* exact scaling by a power of two */
            const double ru = qr * u;
            if (ru > 0.0 && qr - q != 0.5 && q - qr != 0.5) {
                const double lim = hi < Ld ? hi : Ld;
                /* K = number of k >= 0 with p + k*ru < lim (capped at rem + 1); all these sums
                 * are exact, so the comparisons are too. */
                const double kd = (lim - p) / ru;
                int64_t K = kd > (double)rem ? (int64_t)rem + 1 : (int64_t)kd;
                while (K > 0 && p + (double)(K - 1) * ru >= lim) K--;
                while (K <= rem && p + (double)K * ru < lim) K++;
                const int n = (int)min64(K, rem);
                if (n >= 4) {
                    int32_t *restrict ix = idx + cn;
                    float *restrict fx = fr + cn;
                    for (int i = 0; i < n; i++) {     /* int: vectorised int32 -> double */
                        const double pk = p + (double)i * ru;
                        const int32_t k = (int32_t)pk;
                        ix[i] = k;
                        fx[i] = (float)(pk - (double)k);
                    }
                    p = (p + (double)(n - 1) * ru) + rate;   /* the next step may leave the binade */
                    cn += n;
                    continue;
                }
            }
        }
        const int32_t k = (int32_t)p;
        idx[cn] = k;
        fr[cn] = (float)(p - (double)k);
        p += rate;
        cn++;
    }
    *pp = p;
    return cn;
}

/* Render up to n frames with segment s; stops early when pos reaches L.  Returns frames rendered. */
static int64_t render_general(bf_voice *v, const env_seg *s, int64_t a0, int64_t n, int64_t L,
                              float *o1, float *o2)
{
    int32_t idx[BF_CHUNK];
    float fr[BF_CHUNK], egl[BF_CHUNK], egr[BF_CHUNK], yl[BF_CHUNK], yr[BF_CHUNK];
    const int ch = v->channels;
    const int64_t step = v->reverse ? -(int64_t)ch : (int64_t)ch;
    const float *base = v->reverse ? v->data + (v->end_point - 1) * ch : v->data + v->start_point * ch;
    const double Ld = (double)L, rate = v->rate;
    double p = v->pos;
    /* constant envelope segment: e = b0*k0 exactly, as env_gains would compute it */
    const int constant = s->b1 == 0.0f && s->k1 == 0.0f;
    const float ec = s->b0 * s->k0, cgl = ec * v->gain_l, cgr = ec * v->gain_r;
    /* silent stretch (sustain 0 after a decay, zero gains): only the playhead moves */
    const int silent = constant && cgl == 0.0f && cgr == 0.0f;
    int64_t done = 0;
    while (done < n) {
        const int want = (int)min64(BF_CHUNK, n - done);
        const int cn = positions(&p, rate, Ld, want, idx, fr);
        if (cn == 0) break;
        if (silent) { done += cn; if (cn < want) break; continue; }   /* would add +-0 */
        interp_frames(base, step, L, ch, v->interp, idx, fr, cn, yl, yr);
        if (constant) {
            if (ch == 2) {
                add_stereo_c(o1 + 2*done, yl, yr, cgl, cgr, cn);
                if (o2) add_stereo_c(o2 + 2*done, yl, yr, cgl, cgr, cn);
            } else {
                add_mono_c(o1 + 2*done, yl, cgl, cgr, cn);
                if (o2) add_mono_c(o2 + 2*done, yl, cgl, cgr, cn);
            }
        } else {
            env_gains(s, a0 + done, cn, v->gain_l, v->gain_r, egl, egr);
            if (ch == 2) {
                add_stereo(o1 + 2*done, yl, yr, egl, egr, cn);
                if (o2) add_stereo(o2 + 2*done, yl, yr, egl, egr, cn);
            } else {
                add_mono(o1 + 2*done, yl, egl, egr, cn);
                if (o2) add_mono(o2 + 2*done, yl, egl, egr, cn);
            }
        }
        done += cn;
        if (cn < want) break;
    }
    v->pos = p;
    return done;
}

/* Render a started voice (offset == 0) for up to avail frames. */
static void render_voice(bf_voice *v, float *o1, float *o2, int64_t avail)
{
    const int64_t L = v->end_point - v->start_point;
    const double Ld = (double)L;
    const int64_t eend = env_end(v);
    while (avail > 0) {
        const int64_t a = v->age;
        if (a >= eend || !(v->pos < Ld)) break;
        env_seg s;
        env_segment(v, a, &s);
        int64_t run = min64(avail, s.end - a);
        const int64_t n0 = (int64_t)v->pos;
        if (v->rate == 1.0 && (double)n0 == v->pos) {
            run = min64(run, L - n0);
            render_unpitched(v, &s, a, n0, run, o1, o2);
            v->pos += (double)run;          /* exact: integers well below 2**53 */
        } else {
            const int64_t want = run;
            run = render_general(v, &s, a, run, L, o1, o2);
            if (run < want) { v->age += run; break; }
        }
        v->age += run;
        o1 += 2 * run;
        if (o2) o2 += 2 * run;
        avail -= run;
    }
    v->done = (v->age >= eend || !(v->pos < Ld)) ? 1 : 0;
}

int bf_mix(bf_voice *voices, int64_t nvoices, float *out, int64_t nframes,
           float *stems, int64_t nstems)
{
    for (int64_t j = 0; j < nvoices; j++) {
        bf_voice *v = &voices[j];
        if (v->data == NULL) { v->done = 1; continue; }
        if (v->done) continue;
        const int64_t skip = min64(v->offset, nframes);
        v->offset -= skip;
        if (v->offset > 0) continue;
        float *o2 = NULL;
        if (stems != NULL && v->stem >= 0 && v->stem < nstems)
            o2 = stems + ((int64_t)v->stem * nframes + skip) * 2;
        render_voice(v, out + 2 * skip, o2, nframes - skip);
    }
    return 0;
}

int bf_abi_size(void) { return (int)sizeof(bf_voice); }

int64_t bf_find_free(const bf_voice *voices, int64_t nvoices, int64_t start)
{
    for (int64_t j = start < 0 ? 0 : start; j < nvoices; j++)
        if (voices[j].data == NULL || voices[j].done) return j;
    return -1;
}

int64_t bf_count_active(const bf_voice *voices, int64_t nvoices)
{
    int64_t n = 0;
    for (int64_t j = 0; j < nvoices; j++)
        n += (voices[j].data != NULL && !voices[j].done);
    return n;
}

/* float -> PCM, as libsndfile converts float input for 16/24-bit files: x * 2^31 (exact in
 * float), rounded half to even, saturated to [-2^31, 2147483520] (the last float below 2^31),
 * then the top 16 bits, or the top 24 bits kept in place.  NaN saturates low, as the x86
 * float -> int conversion numpy's reference uses does.  One pass, no allocation. */
static inline int32_t pcm32(float x)
{
    float v = x * 2147483648.0f;
    if (!(v >= -2147483648.0f)) return INT32_MIN;
    if (v > 2147483520.0f) v = 2147483520.0f;
    return (int32_t)lrintf(v);
}

#if defined(__SSE2__)
/* Four samples at a time: cvtps2dq rounds half to even like lrintf and turns NaN and anything
 * below -2^31 into INT32_MIN; min(ceiling, v) keeps NaN (minps returns its second operand). */
static inline __m128i pcm32x4(const float *in)
{
    const __m128 v = _mm_mul_ps(_mm_loadu_ps(in), _mm_set1_ps(2147483648.0f));
    return _mm_cvtps_epi32(_mm_min_ps(_mm_set1_ps(2147483520.0f), v));
}
#endif

void bf_float_to_pcm16(const float *restrict in, int16_t *restrict out, int64_t n)
{
    int64_t i = 0;
#if defined(__SSE2__)
    for (; i + 8 <= n; i += 8) {
        const __m128i a = _mm_srai_epi32(pcm32x4(in + i), 16);
        const __m128i b = _mm_srai_epi32(pcm32x4(in + i + 4), 16);
        _mm_storeu_si128((__m128i *)(out + i), _mm_packs_epi32(a, b));   /* in range: no saturation */
    }
#endif
    for (; i < n; i++)
        out[i] = (int16_t)(pcm32(in[i]) >> 16);
}

void bf_float_to_pcm24(const float *restrict in, int32_t *restrict out, int64_t n)
{
    int64_t i = 0;
#if defined(__SSE2__)
    const __m128i mask = _mm_set1_epi32((int32_t)0xFFFFFF00u);
    for (; i + 4 <= n; i += 4)
        _mm_storeu_si128((__m128i *)(out + i), _mm_and_si128(pcm32x4(in + i), mask));
#endif
    for (; i < n; i++)
        out[i] = (int32_t)((uint32_t)pcm32(in[i]) & 0xFFFFFF00u);
}

/* -- measurement: K-weighted segment energies, 4x true peak (see mixer.h) -------------------- */

/* Frames outer, channels inner: the channels' recursions are independent, so the CPU
 * overlaps them.  The arithmetic per section is sosfilt's, in its order.  Inlined with
 * constant channels and nsections (the usual stereo/mono K-weighting), the loops unroll and
 * the filter state lives in registers: about twice as fast as the generic instance. */
static inline void kweight_segments(const float *restrict x, int64_t frames, int32_t channels,
                                    const double *restrict sos, int32_t nsections, int64_t seg,
                                    double *restrict out)
{
    double z[BF_KW_MAX_CHANNELS][BF_KW_MAX_SECTIONS][2] = {{{0.0}}};
    double sum[BF_KW_MAX_CHANNELS];
    const int64_t nseg = (frames + seg - 1) / seg;
    for (int64_t k = 0; k < nseg; k++) {
        const int64_t end = min64(frames, (k + 1) * seg);
        for (int32_t c = 0; c < channels; c++)
            sum[c] = 0.0;
        for (int64_t i = k * seg; i < end; i++) {
            const double dither = (i & 1) ? -1e-12 : 1e-12;
            for (int32_t c = 0; c < channels; c++) {
                double v = (double)x[i * channels + c] + dither;
                for (int32_t s = 0; s < nsections; s++) {
                    const double *q = sos + 6 * s;
                    const double y = q[0] * v + z[c][s][0];
                    z[c][s][0] = q[1] * v - q[4] * y + z[c][s][1];
                    z[c][s][1] = q[2] * v - q[5] * y;
                    v = y;
                }
                sum[c] += v * v;
            }
        }
        for (int32_t c = 0; c < channels; c++)
            out[c * nseg + k] = sum[c];
    }
}

void bf_kweight_segments(const float *restrict x, int64_t frames, int32_t channels,
                         const double *restrict sos, int32_t nsections, int64_t seg,
                         double *restrict out)
{
    if (channels == 2 && nsections == 2)
        kweight_segments(x, frames, 2, sos, 2, seg, out);
    else if (channels == 1 && nsections == 2)
        kweight_segments(x, frames, 1, sos, 2, seg, out);
    else
        kweight_segments(x, frames, channels, sos, nsections, seg, out);
}

float bf_true_peak_blocks(const float *restrict x, int64_t frames, int32_t channels,
                          const int64_t *restrict starts, int64_t nstarts, int64_t block,
                          const float *restrict taps, int32_t circular, float *restrict out,
                          int32_t per_block)
{
    /* buf[i] = x[start - 6 + i] of one channel, i < block + 12: y_p(start + j) reads
     * buf[j + 1 .. j + 12], the sample itself is buf[j + 6].  The tap loop is outside the
     * frame loop so the compiler vectorises over frames (same summation order per frame). */
    float buf[BF_TP_MAX_BLOCK + 12], acc[BF_TP_MAX_BLOCK], env[BF_TP_MAX_BLOCK];
    float peak = 0.0f;
    for (int64_t r = 0; r < nstarts; r++) {
        const int64_t start = starts[r];
        for (int64_t j = 0; j < block; j++)
            env[j] = 0.0f;
        for (int32_t c = 0; c < channels; c++) {
            for (int64_t i = 0; i < block + 12; i++) {
                int64_t t = start - 6 + i;
                if (t < 0 || t >= frames) {
                    if (!circular) {
                        buf[i] = 0.0f;
                        continue;
                    }
                    t %= frames;
                    if (t < 0)
                        t += frames;
                }
                buf[i] = x[t * channels + c];
            }
            for (int64_t j = 0; j < block; j++) {
                const float a = fabsf(buf[j + 6]);
                env[j] = a > env[j] ? a : env[j];
            }
            for (int p = 0; p < 3; p++) {
                const float *h = taps + 12 * p;
                for (int64_t j = 0; j < block; j++)
                    acc[j] = h[0] * buf[j + 12];
                for (int k = 1; k < 12; k++)
                    for (int64_t j = 0; j < block; j++)
                        acc[j] += h[k] * buf[j + 12 - k];
                for (int64_t j = 0; j < block; j++) {
                    const float a = fabsf(acc[j]);
                    env[j] = a > env[j] ? a : env[j];
                }
            }
        }
        float *dst = out == NULL ? NULL : out + (per_block ? r * block : start);
        for (int64_t j = 0; j < block; j++) {
            peak = env[j] > peak ? env[j] : peak;
            if (dst != NULL)
                dst[j] = env[j] > dst[j] ? env[j] : dst[j];
        }
    }
    return peak;
}
