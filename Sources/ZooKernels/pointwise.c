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
    // A NaN in a line may be lost by the max, but not by the sum of exp(x - m) (zk_exp256
    // keeps NaN): the whole line comes out NaN, as in PyTorch.
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

// ---------------------------------------------------------------------------------------------
// Max pooling, separable: a horizontal max of each input row into `tmp` (h × wo), then a
// vertical max of those rows. NaN propagates (as in PyTorch): a NaN seen stays.

static inline float zk_nanmax(float m, float v) { return (v > m || v != v) ? v : m; }

static void zk_max_pool_plane_scalar(const float *x, float *y, float *tmp, const zk_pool_geometry *g) {
    for (int iy = 0; iy < g->h; iy++) {
        const float *row = x + (size_t)iy * g->w;
        for (int ox = 0; ox < g->wo; ox++) {
            float m = -INFINITY;
            for (int kx = 0; kx < g->kw; kx++) {
                int ix = ox * g->sw - g->pw + kx * g->dw;
                if (ix >= 0 && ix < g->w) m = zk_nanmax(m, row[ix]);
            }
            tmp[(size_t)iy * g->wo + ox] = m;
        }
    }
    for (int oy = 0; oy < g->ho; oy++) {
        float *out = y + (size_t)oy * g->wo;
        for (int ox = 0; ox < g->wo; ox++) out[ox] = -INFINITY;
        for (int ky = 0; ky < g->kh; ky++) {
            int iy = oy * g->sh - g->ph + ky * g->dh;
            if (iy < 0 || iy >= g->h) continue;
            const float *t = tmp + (size_t)iy * g->wo;
            for (int ox = 0; ox < g->wo; ox++) out[ox] = zk_nanmax(out[ox], t[ox]);
        }
    }
}

#ifdef ZK_X86
/// max(m, v) that keeps a NaN from either side.
ZK_AVX2 static inline __m256 zk_nanmax256(__m256 m, __m256 v) {
    return _mm256_blendv_ps(_mm256_max_ps(m, v), m, _mm256_cmp_ps(m, m, _CMP_UNORD_Q));
}

ZK_AVX2 static void zk_max_pool_plane_avx2(const float *x, float *y, float *tmp, const zk_pool_geometry *g) {
    const int unit = g->sw == 1 && g->dw == 1;
    for (int iy = 0; iy < g->h; iy++) {
        const float *row = x + (size_t)iy * g->w;
        float *t = tmp + (size_t)iy * g->wo;
        for (int ox = 0; ox < g->wo;) {
            int ix0 = ox - g->pw;
            if (unit && ox + 8 <= g->wo && ix0 >= 0 && ix0 + g->kw - 1 + 8 <= g->w) {
                __m256 m = _mm256_loadu_ps(row + ix0);
                for (int kx = 1; kx < g->kw; kx++) m = zk_nanmax256(m, _mm256_loadu_ps(row + ix0 + kx));
                _mm256_storeu_ps(t + ox, m);
                ox += 8;
                continue;
            }
            float m = -INFINITY;
            for (int kx = 0; kx < g->kw; kx++) {
                int ix = ox * g->sw - g->pw + kx * g->dw;
                if (ix >= 0 && ix < g->w) m = zk_nanmax(m, row[ix]);
            }
            t[ox] = m;
            ox++;
        }
    }
    for (int oy = 0; oy < g->ho; oy++) {
        float *out = y + (size_t)oy * g->wo;
        int ox = 0;
        for (; ox + 8 <= g->wo; ox += 8) {
            __m256 m = _mm256_set1_ps(-INFINITY);
            for (int ky = 0; ky < g->kh; ky++) {
                int iy = oy * g->sh - g->ph + ky * g->dh;
                if (iy >= 0 && iy < g->h) m = zk_nanmax256(m, _mm256_loadu_ps(tmp + (size_t)iy * g->wo + ox));
            }
            _mm256_storeu_ps(out + ox, m);
        }
        for (; ox < g->wo; ox++) {
            float m = -INFINITY;
            for (int ky = 0; ky < g->kh; ky++) {
                int iy = oy * g->sh - g->ph + ky * g->dh;
                if (iy >= 0 && iy < g->h) m = zk_nanmax(m, tmp[(size_t)iy * g->wo + ox]);
            }
            out[ox] = m;
        }
    }
}
#endif

void zk_max_pool2d(const float *x, float *y, float *tmp, const zk_pool_geometry *g, int p0, int p1, int portable) {
    for (int p = p0; p < p1; p++) {
        const float *xp = x + (size_t)p * g->h * g->w;
        float *yp = y + (size_t)p * g->ho * g->wo;
#ifdef ZK_X86
        if (zk_use_avx2(portable)) {
            zk_max_pool_plane_avx2(xp, yp, tmp, g);
            continue;
        }
#endif
        zk_max_pool_plane_scalar(xp, yp, tmp, g);
    }
}
