// Depthwise convolution (one input and one output channel per group): one plane at a time,
// each output row accumulated tap by tap over the run of columns the tap can reach.

#include <string.h>

#include "zoo_kernels.h"
#include "simd_math.h"

/// Output columns lo ..< hi whose input column ox * s + off lies in 0 ..< size.
static inline void zk_dw_columns(int off, int s, int size, int out, int *lo, int *hi) {
    int l = off >= 0 ? 0 : (-off + s - 1) / s;
    int last = size - 1 - off;
    int h = last < 0 ? 0 : last / s + 1;
    if (l > out) l = out;
    if (h > out) h = out;
    if (h < l) h = l;
    *lo = l;
    *hi = h;
}

static void zk_dw_plane_scalar(const float *x, const float *k, float *y, const zk_dw_geometry *g) {
    for (int oy = 0; oy < g->ho; oy++) {
        float *out = y + (size_t)oy * g->wo;
        memset(out, 0, sizeof(float) * (size_t)g->wo);
        for (int ky = 0; ky < g->kh; ky++) {
            const int iy = oy * g->sh - g->ph + ky * g->dh;
            if (iy < 0 || iy >= g->h) continue;
            const float *row = x + (size_t)iy * g->w;
            for (int kx = 0; kx < g->kw; kx++) {
                const float wv = k[ky * g->kw + kx];
                const int off = kx * g->dw - g->pw;
                int lo, hi;
                zk_dw_columns(off, g->sw, g->w, g->wo, &lo, &hi);
                for (int ox = lo; ox < hi; ox++) out[ox] += wv * row[ox * g->sw + off];
            }
        }
    }
}

#ifdef ZK_X86
/// Stride 1 along the row: eight output columns per FMA. Other strides gather their columns
/// into a vector first (the loads are strided, the arithmetic still eight wide).
ZK_AVX2 static void zk_dw_plane_avx2(const float *x, const float *k, float *y, const zk_dw_geometry *g) {
    const int sw = g->sw;
    for (int oy = 0; oy < g->ho; oy++) {
        float *out = y + (size_t)oy * g->wo;
        memset(out, 0, sizeof(float) * (size_t)g->wo);
        for (int ky = 0; ky < g->kh; ky++) {
            const int iy = oy * g->sh - g->ph + ky * g->dh;
            if (iy < 0 || iy >= g->h) continue;
            const float *row = x + (size_t)iy * g->w;
            for (int kx = 0; kx < g->kw; kx++) {
                const float wv = k[ky * g->kw + kx];
                const __m256 w8 = _mm256_set1_ps(wv);
                const int off = kx * g->dw - g->pw;
                int lo, hi;
                zk_dw_columns(off, sw, g->w, g->wo, &lo, &hi);
                int ox = lo;
                if (sw == 1) {
                    const float *src = row + off;
                    for (; ox + 8 <= hi; ox += 8) {
                        _mm256_storeu_ps(out + ox, _mm256_fmadd_ps(w8, _mm256_loadu_ps(src + ox), _mm256_loadu_ps(out + ox)));
                    }
                } else {
                    const __m256i step = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(sw));
                    for (; ox + 8 <= hi; ox += 8) {
                        const __m256 v = _mm256_i32gather_ps(row + ox * sw + off, step, 4);
                        _mm256_storeu_ps(out + ox, _mm256_fmadd_ps(w8, v, _mm256_loadu_ps(out + ox)));
                    }
                }
                for (; ox < hi; ox++) out[ox] += wv * row[ox * sw + off];
            }
        }
    }
}
#endif

void zk_depthwise_planes(const float *x, const float *k, float *y, const zk_dw_geometry *g, int channels, int p0, int p1,
                         int portable) {
    for (int p = p0; p < p1; p++) {
        const float *xp = x + (size_t)p * g->h * g->w;
        const float *kp = k + (size_t)(p % channels) * g->kh * g->kw;
        float *yp = y + (size_t)p * g->ho * g->wo;
#ifdef ZK_X86
        if (zk_use_avx2(portable)) {
            zk_dw_plane_avx2(xp, kp, yp, g);
            continue;
        }
#endif
        zk_dw_plane_scalar(xp, kp, yp, g);
    }
}
