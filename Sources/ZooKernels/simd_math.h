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

/// 1 / x: the reciprocal estimate refined by one Newton step (~1 ulp short of a division,
/// at a fraction of its cost).
ZK_AVX2 static inline __m256 zk_reciprocal256(__m256 x) {
    __m256 r = _mm256_rcp_ps(x);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(x, r, _mm256_set1_ps(2.0f)));
}

ZK_AVX2 static inline __m256 zk_activate256(__m256 v, int act, float param) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    switch (act) {
    case ZK_ACT_RELU: return _mm256_max_ps(zero, v);
    case ZK_ACT_SILU:
        return _mm256_mul_ps(v, zk_reciprocal256(_mm256_add_ps(one, zk_exp256(_mm256_sub_ps(zero, v)))));
    case ZK_ACT_SIGMOID:
        return zk_reciprocal256(_mm256_add_ps(one, zk_exp256(_mm256_sub_ps(zero, v))));
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

/// Four vectors through `act` at once; the exp-based activations run their four exps
/// interleaved (zk_exp256n): one vector at a time, a conv tile's epilogue waited on each
/// SiLU's latency chain.
ZK_AVX2 static inline void zk_activate256x4(__m256 v[4], int act, float param) {
    if (act != ZK_ACT_SILU && act != ZK_ACT_SIGMOID) {
        for (int i = 0; i < 4; i++) v[i] = zk_activate256(v[i], act, param);
        return;
    }
    __m256 e[4];
    for (int i = 0; i < 4; i++) e[i] = _mm256_sub_ps(_mm256_setzero_ps(), v[i]);
    zk_exp256n(e, 4);
    for (int i = 0; i < 4; i++) {
        __m256 r = zk_reciprocal256(_mm256_add_ps(_mm256_set1_ps(1.0f), e[i]));
        v[i] = act == ZK_ACT_SILU ? _mm256_mul_ps(v[i], r) : r;
    }
}

#endif

#endif
