// Element-wise kernels: activations over arrays and softmax along an axis.

#include "zoo_kernels.h"
#include "simd_math.h"

static void zk_activation_scalar(const float *src, float *dst, size_t count, int act, float param, float scale,
                                 float shift) {
    for (size_t i = 0; i < count; i++) dst[i] = zk_activate(src[i] * scale + shift, act, param);
}

#ifdef ZK_X86
ZK_AVX2 static void zk_activation_avx2(const float *src, float *dst, size_t count, int act, float param,
                                       float scale, float shift) {
    const __m256 s = _mm256_set1_ps(scale), b = _mm256_set1_ps(shift);
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        __m256 v[4];
        for (int k = 0; k < 4; k++) v[k] = _mm256_fmadd_ps(_mm256_loadu_ps(src + i + 8 * k), s, b);
        zk_activate256x4(v, act, param);
        for (int k = 0; k < 4; k++) _mm256_storeu_ps(dst + i + 8 * k, v[k]);
    }
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(src + i), s, b);
        _mm256_storeu_ps(dst + i, zk_activate256(v, act, param));
    }
    if (i < count) {
        float tmp[8] __attribute__((aligned(32))) = {0};
        for (size_t j = 0; j < count - i; j++) tmp[j] = src[i + j];
        __m256 v = _mm256_fmadd_ps(_mm256_load_ps(tmp), s, b);
        _mm256_store_ps(tmp, zk_activate256(v, act, param));
        for (size_t j = 0; j < count - i; j++) dst[i + j] = tmp[j];
    }
}

/// Eight neighbouring lines at once, one per lane.
ZK_AVX2 static void zk_softmax8_avx2(const float *src, float *dst, int n, int inner) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    for (int i = 0; i < n; i++) m = _mm256_max_ps(m, _mm256_loadu_ps(src + (size_t)i * inner));
    __m256 sum = _mm256_setzero_ps();
    for (int i = 0; i < n; i++) {
        __m256 e = zk_exp256(_mm256_sub_ps(_mm256_loadu_ps(src + (size_t)i * inner), m));
        _mm256_storeu_ps(dst + (size_t)i * inner, e);
        sum = _mm256_add_ps(sum, e);
    }
    __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.0f), sum);
    for (int i = 0; i < n; i++) {
        float *d = dst + (size_t)i * inner;
        _mm256_storeu_ps(d, _mm256_mul_ps(_mm256_loadu_ps(d), inv));
    }
}
#endif

void zk_activation_array(const float *src, float *dst, size_t count, int act, float param, float scale, float shift,
                         int portable) {
#ifdef ZK_X86
    if (zk_use_avx2(portable)) {
        zk_activation_avx2(src, dst, count, act, param, scale, shift);
        return;
    }
#endif
    zk_activation_scalar(src, dst, count, act, param, scale, shift);
}

static void zk_softmax_line(const float *src, float *dst, int n, int inner) {
    float m = -INFINITY;
    for (int i = 0; i < n; i++) {
        float v = src[(size_t)i * inner];
        if (v > m || isnan(v)) m = v;
    }
    float sum = 0.0f;
    for (int i = 0; i < n; i++) {
        float e = expf(src[(size_t)i * inner] - m);
        dst[(size_t)i * inner] = e;
        sum += e;
    }
    float inv = 1.0f / sum;
    for (int i = 0; i < n; i++) dst[(size_t)i * inner] *= inv;
}

void zk_softmax_lines(const float *src, float *dst, int n, int inner, int j0, int j1, int portable) {
    int j = j0;
#ifdef ZK_X86
    if (zk_use_avx2(portable)) {
        for (; j + 8 <= j1; j += 8) zk_softmax8_avx2(src + j, dst + j, n, inner);
    }
#endif
    for (; j < j1; j++) zk_softmax_line(src + j, dst + j, n, inner);
}

#ifdef ZK_X86
ZK_AVX2 static float zk_sum_avx2(const float *p, size_t count) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(p + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(p + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(p + i + 24));
    }
    __m256 a = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    float lanes[8] __attribute__((aligned(32)));
    _mm256_store_ps(lanes, a);
    double total = 0;
    for (int j = 0; j < 8; j++) total += lanes[j];
    for (; i < count; i++) total += p[i];
    return (float)total;
}
#endif

void zk_plane_means(const float *src, float *dst, size_t count, int first, int last, int portable) {
    for (int plane = first; plane < last; plane++) {
        const float *p = src + (size_t)plane * count;
#ifdef ZK_X86
        if (zk_use_avx2(portable)) {
            dst[plane] = (float)((double)zk_sum_avx2(p, count) / (double)count);
            continue;
        }
#endif
        double total = 0;
        for (size_t i = 0; i < count; i++) total += p[i];
        dst[plane] = (float)(total / (double)count);
    }
}
