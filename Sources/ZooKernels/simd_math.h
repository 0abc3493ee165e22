// Activations and exp shared by the kernels: a scalar form (portable loops, ragged edges) and
// an AVX2 + FMA form on eight floats. Internal to ZooKernels.
#ifndef ZOO_SIMD_MATH_H
#define ZOO_SIMD_MATH_H

#include "zoo_kernels.h"
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ZK_X86 1
#define ZK_AVX2 __attribute__((target("avx2,fma")))
#endif

/// True when the AVX2 loops should run: the CPU has them and the caller did not ask for the
/// portable ones.
static inline int zk_use_avx2(int portable) {
#ifdef ZK_X86
    return !portable && zk_has_avx2();
#else
    (void)portable;
    return 0;
#endif
}

// NaN semantics are PyTorch's: every activation of NaN is NaN. Comparisons are written so
// that NaN takes the branch that returns it, and vector min/max put the constant first
// (MINPS/MAXPS return their second operand when either is NaN).
static inline float zk_activate(float x, int act, float param) {
    switch (act) {
    case ZK_ACT_RELU: return x < 0.0f ? 0.0f : x;
    case ZK_ACT_SILU: return x / (1.0f + expf(-x));
    case ZK_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case ZK_ACT_LEAKY_RELU: return x < 0.0f ? x * param : x;
    case ZK_ACT_RELU6: return x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x;
    case ZK_ACT_HARDSWISH: return x * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) * (1.0f / 6.0f);
    default: return x;
    }
}

#ifdef ZK_X86
/// x[i] = exp(x[i]) for i < n, Cephes' polynomial (relative error ~2 ulp), inputs clamped to
/// ±88.38 (NaN stays NaN). Written step by step across the n vectors, so that with n = 4 their dependency
/// chains overlap (one exp is a ~40-cycle latency chain).
ZK_AVX2 static inline void zk_exp256n(__m256 *x, int n) {
    __m256 fx[4], y[4];
    for (int i = 0; i < n; i++) {
        x[i] = _mm256_min_ps(_mm256_set1_ps(88.3762626647949f), x[i]);
        x[i] = _mm256_max_ps(_mm256_set1_ps(-88.3762626647949f), x[i]);
        fx[i] = _mm256_round_ps(_mm256_mul_ps(x[i], _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
    for (int i = 0; i < n; i++) x[i] = _mm256_fnmadd_ps(fx[i], _mm256_set1_ps(0.693359375f), x[i]);
    for (int i = 0; i < n; i++) x[i] = _mm256_fnmadd_ps(fx[i], _mm256_set1_ps(-2.12194440e-4f), x[i]);
    for (int i = 0; i < n; i++) y[i] = _mm256_fmadd_ps(_mm256_set1_ps(1.9875691500e-4f), x[i], _mm256_set1_ps(1.3981999507e-3f));
    for (int i = 0; i < n; i++) y[i] = _mm256_fmadd_ps(y[i], x[i], _mm256_set1_ps(8.3334519073e-3f));
    for (int i = 0; i < n; i++) y[i] = _mm256_fmadd_ps(y[i], x[i], _mm256_set1_ps(4.1665795894e-2f));
    for (int i = 0; i < n; i++) y[i] = _mm256_fmadd_ps(y[i], x[i], _mm256_set1_ps(1.6666665459e-1f));
    for (int i = 0; i < n; i++) y[i] = _mm256_fmadd_ps(y[i], x[i], _mm256_set1_ps(5.0000001201e-1f));
    for (int i = 0; i < n; i++) y[i] = _mm256_fmadd_ps(y[i], _mm256_mul_ps(x[i], x[i]), _mm256_add_ps(x[i], _mm256_set1_ps(1.0f)));
    for (int i = 0; i < n; i++) {
        __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx[i]), _mm256_set1_epi32(127)), 23);
        x[i] = _mm256_mul_ps(y[i], _mm256_castsi256_ps(e));
    }
}

/// exp(x) of one vector (see zk_exp256n).
ZK_AVX2 static inline __m256 zk_exp256(__m256 x) {
    zk_exp256n(&x, 1);
    return x;
}

/// sigmoid(v[i]) (`silu` 0) or v[i] · sigmoid(v[i]) (`silu` 1) for i < n (n ≤ 4), the
/// activations' hot path (every conv epilogue): ~16 instructions a vector against ~25 for
/// zk_exp256n, an add and a reciprocal. exp(-v) = 2^n · e^r with n = round(-v·log2 e) read
/// from the bits of a magic-number sum (no round or convert), r = -v - n·ln 2 reduced in one
/// step (ln 2's float error adds < 2.4e-7 relative for |v| < 88), e^r by a degree-5
/// polynomial in -r (a reweighted least-squares fit to the minimax one: 1.05e-7 relative),
/// 1 / (1 + exp(-v)) by the reciprocal estimate and one Newton step. Within 5e-7 relative
/// of PyTorch's float results; NaN stays NaN (the clamps put the constant first).
ZK_AVX2 static inline void zk_sigmoid256n(__m256 *v, int n, int silu) {
    const __m256 magic = _mm256_set1_ps(12582912.0f + 127.0f);   // 1.5 · 2^23, + the exponent bias
    __m256 t[4], y[4], d[4];
    for (int i = 0; i < n; i++) {
        __m256 c = _mm256_min_ps(_mm256_set1_ps(88.3762626647949f), v[i]);
        c = _mm256_max_ps(_mm256_set1_ps(-88.3762626647949f), c);
        t[i] = _mm256_fmadd_ps(c, _mm256_set1_ps(-1.44269504088896341f), magic);
        __m256 fx = _mm256_sub_ps(t[i], magic);
        y[i] = _mm256_fmadd_ps(fx, _mm256_set1_ps(0.693147180559945f), c);   // -r
    }
    for (int i = 0; i < n; i++) d[i] = _mm256_fmadd_ps(_mm256_set1_ps(-8.312505669891834e-3f), y[i], _mm256_set1_ps(4.189009591937065e-2f));
    for (int i = 0; i < n; i++) d[i] = _mm256_fmadd_ps(d[i], y[i], _mm256_set1_ps(-1.6667114198207855e-1f));
    for (int i = 0; i < n; i++) d[i] = _mm256_fmadd_ps(d[i], y[i], _mm256_set1_ps(4.99992311000824e-1f));
    for (int i = 0; i < n; i++) d[i] = _mm256_fmadd_ps(d[i], y[i], _mm256_set1_ps(-1.0f));
    for (int i = 0; i < n; i++) d[i] = _mm256_fmadd_ps(d[i], y[i], _mm256_set1_ps(1.0f));
    for (int i = 0; i < n; i++) {
        __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t[i]), 23));   // 2^n
        d[i] = _mm256_fmadd_ps(d[i], scale, _mm256_set1_ps(1.0f));                            // 1 + exp(-v)
    }
    for (int i = 0; i < n; i++) {
        __m256 r = _mm256_rcp_ps(d[i]);
        r = _mm256_fmadd_ps(r, _mm256_fnmadd_ps(d[i], r, _mm256_set1_ps(1.0f)), r);
        v[i] = silu ? _mm256_mul_ps(v[i], r) : r;
    }
}

ZK_AVX2 static inline __m256 zk_activate256(__m256 v, int act, float param) {
    const __m256 zero = _mm256_setzero_ps();
    switch (act) {
    case ZK_ACT_RELU: return _mm256_max_ps(zero, v);
    case ZK_ACT_SILU: zk_sigmoid256n(&v, 1, 1); return v;
    case ZK_ACT_SIGMOID: zk_sigmoid256n(&v, 1, 0); return v;
    case ZK_ACT_LEAKY_RELU:
        return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(param)), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    case ZK_ACT_RELU6: return _mm256_min_ps(_mm256_set1_ps(6.0f), _mm256_max_ps(zero, v));
    case ZK_ACT_HARDSWISH: {
        __m256 r = _mm256_min_ps(_mm256_set1_ps(6.0f), _mm256_max_ps(zero, _mm256_add_ps(v, _mm256_set1_ps(3.0f))));
        return _mm256_mul_ps(_mm256_mul_ps(v, r), _mm256_set1_ps(1.0f / 6.0f));
    }
    default: return v;
    }
}

/// Four vectors through `act` at once; the sigmoid-based activations run interleaved
/// (zk_sigmoid256n): one vector at a time, a conv tile's epilogue waited on each latency chain.
ZK_AVX2 static inline void zk_activate256x4(__m256 v[4], int act, float param) {
    if (act == ZK_ACT_SILU || act == ZK_ACT_SIGMOID) {
        zk_sigmoid256n(v, 4, act == ZK_ACT_SILU);
        return;
    }
    for (int i = 0; i < 4; i++) v[i] = zk_activate256(v[i], act, param);
}

#endif

#endif
