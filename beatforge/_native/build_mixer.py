"""cffi build script for the C voice mixer -> ``beatforge._native._mixer``.

Used by setuptools through ``cffi_modules`` in setup.py, and runnable on its own for a quick
in-place build (from any directory)::

    python beatforge/_native/build_mixer.py
"""
import os
import sys

from cffi import FFI

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))


def _rel(path):
    # setuptools wants source paths relative to the project root (it runs from there);
    # keep them relative when we can so the build works from pip's build directory too.
    # An in-place build (__main__) compiles in a scratch dir, so it needs absolute paths.
    rel = os.path.relpath(path, os.getcwd())
    return path if __name__ == "__main__" or rel.startswith("..") else rel


CDEF = """
typedef struct bf_voice {
    const float *data;
    int64_t frames;
    int32_t channels;
    int32_t interp;
    int32_t reverse;
    int32_t stem;
    int32_t done;
    int32_t _pad;
    int64_t start_point;
    int64_t end_point;
    int64_t offset;
    double pos;
    double rate;
    float gain_l, gain_r;
    int64_t attack, hold, decay;
    float sustain;
    int64_t release;
    int64_t release_at;
    int64_t kill_at;
    int64_t kill_len;
    int64_t age;
} bf_voice;

int bf_mix(bf_voice *voices, int64_t nvoices, float *out, int64_t nframes,
           float *stems, int64_t nstems);
int bf_abi_size(void);
int64_t bf_find_free(const bf_voice *voices, int64_t nvoices, int64_t start);
int64_t bf_count_active(const bf_voice *voices, int64_t nvoices);
void bf_float_to_pcm16(const float *in, int16_t *out, int64_t n);
void bf_float_to_pcm24(const float *in, int32_t *out, int64_t n);
#define BF_KW_MAX_CHANNELS ...
#define BF_KW_MAX_SECTIONS ...
#define BF_TP_MAX_BLOCK ...
void bf_kweight_segments(const float *x, int64_t frames, int32_t channels,
                         const double *sos, int32_t nsections, int64_t seg, double *out);
float bf_true_peak_blocks(const float *x, int64_t frames, int32_t channels,
                          const int64_t *starts, int64_t nstarts, int64_t block,
                          const float *taps, int32_t circular, float *out, int32_t per_block);
"""

# Portable flags only (wheels must run on any x86-64/arm64): no -march=native, no -ffast-math
# (the numpy reference must agree and block-by-block output must stay bit-identical).
# C99 mode keeps FP contraction off, so results do not depend on the compiler's FMA choices.
COMPILE_ARGS = [] if sys.platform == "win32" else ["-O3", "-std=c99", "-fno-math-errno", "-fno-trapping-math"]

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source(
    "beatforge._native._mixer",
    '#include "mixer.h"',
    sources=[_rel(os.path.join(_HERE, "mixer.c"))],
    include_dirs=[_rel(_HERE)],
    extra_compile_args=COMPILE_ARGS,
    libraries=[] if sys.platform == "win32" else ["m"],   # frexp/ldexp/rint
)

if __name__ == "__main__":
    # Build in place: the extension lands next to this file as beatforge/_native/_mixer*.so.
    # Compile in a scratch dir: cffi runs setuptools in its tmpdir, and setuptools would read (and
    # auto-discover packages from) our pyproject.toml if that were the project root.
    import shutil
    import tempfile

    import glob

    with tempfile.TemporaryDirectory() as tmp:
        built = ffibuilder.compile(tmpdir=tmp, verbose=True)
        # Drop other builds of the module here (e.g. the .abi3.so of `pip install -e`): Python
        # imports whichever suffix it prefers, not the newest file.
        for stale in glob.glob(os.path.join(_HERE, "_mixer.*.so")) + glob.glob(os.path.join(_HERE, "_mixer.*.pyd")):
            os.remove(stale)
        shutil.copy2(built, os.path.join(_HERE, os.path.basename(built)))
