// Depthwise convolution (one input and one output channel per group), one plane at a time,
// with the per-channel affine (bias, folded batch norm) and the activation applied as each
// output is stored.
//
// The AVX2 kernel keeps a block of output columns in registers while it runs every tap over
// them (the kernel's rows times its columns, FMAs on loads of the input row), so each output is
// stored once, epilogue included; only the few border columns whose taps leave the row take
// the scalar path. The portable kernel accumulates each output row tap by tap.

#include <string.h>

#include "zoo_kernels.h"
#include "simd_math.h"
#include "depthwise.h"

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

static inline float zk_dw_finish(float v, const zk_dw_epilogue *e) {
    return zk_activate(v * e->scale + e->shift, e->activation, e->param);
}

static void zk_dw_plane_scalar(const float *x, const float *k, float *y, const zk_dw_geometry *g,
                               const zk_dw_epilogue *e) {
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
        for (int ox = 0; ox < g->wo; ox++) out[ox] = zk_dw_finish(out[ox], e);
    }
}

/// One output of row `oy` at column `ox`, every tap bounds-checked (border columns).
static inline float zk_dw_point(const float *x, const float *k, const zk_dw_geometry *g, int ky0, int ky1, int oy,
                                int ox) {
    float acc = 0.0f;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *row = x + (size_t)(oy * g->sh - g->ph + ky * g->dh) * g->w;
        for (int kx = 0; kx < g->kw; kx++) {
            const int ix = ox * g->sw - g->pw + kx * g->dw;
            if (ix >= 0 && ix < g->w) acc += k[ky * g->kw + kx] * row[ix];
        }
    }
    return acc;
}

#ifdef ZK_X86
/// Eight input columns `s` apart from `p`: a plain load at stride 1, two loads and an even
/// shuffle at stride 2, a gather otherwise.
ZK_AVX2 static inline __m256 zk_dw_load(const float *p, int s, __m256i step) {
    if (s == 1) return _mm256_loadu_ps(p);
    if (s == 2) {
        __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
        __m256 even = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0)));
    }
    return _mm256_i32gather_ps(p, step, 4);
}

/// `n` (1 or 4) vectors of outputs from column `ox` of row `oy`, all of whose taps lie inside
/// the row, epilogue applied, stored.
ZK_AVX2 static inline void zk_dw_vectors(const float *x, const float *k, float *out, const zk_dw_geometry *g, int ky0,
                                         int ky1, int oy, int ox, int n, __m256i step, const zk_dw_epilogue *e) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const int sw = g->sw, span = 8 * sw;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *row = x + (size_t)(oy * g->sh - g->ph + ky * g->dh) * g->w + ox * sw - g->pw;
        for (int kx = 0; kx < g->kw; kx++) {
            const __m256 wv = _mm256_broadcast_ss(k + ky * g->kw + kx);
            const float *p = row + kx * g->dw;
            for (int i = 0; i < n; i++) acc[i] = _mm256_fmadd_ps(wv, zk_dw_load(p + i * span, sw, step), acc[i]);
        }
    }
    const __m256 s = _mm256_set1_ps(e->scale), b = _mm256_set1_ps(e->shift);
    for (int i = 0; i < n; i++) acc[i] = _mm256_fmadd_ps(acc[i], s, b);
    if (n == 4) {
        zk_activate256x4(acc, e->activation, e->param);
    } else {
        acc[0] = zk_activate256(acc[0], e->activation, e->param);
    }
    for (int i = 0; i < n; i++) _mm256_storeu_ps(out + ox + 8 * i, acc[i]);
}

ZK_AVX2 static void zk_dw_plane_avx2(const float *x, const float *k, float *y, const zk_dw_geometry *g,
                                     const zk_dw_epilogue *e) {
    const int sw = g->sw;
    const __m256i step = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(sw));
    // Columns lo ..< hi have every tap inside the row; at stride 2 a vector loads 16 inputs,
    // one past its last tap, so hi leaves room for it.
    int lo = (g->pw + sw - 1) / sw;
    int reach = g->w - 1 + g->pw - (g->kw - 1) * g->dw;  // ox * sw <= reach
    int hi = reach < 0 ? 0 : reach / sw + 1;
    if (sw == 2) {
        int last = g->w - 2 + g->pw - (g->kw - 1) * g->dw;  // the extra odd input too
        hi = last < 0 ? 0 : last / 2 + 1;
    }
    if (hi > g->wo) hi = g->wo;
    if (lo > hi) lo = hi;
    for (int oy = 0; oy < g->ho; oy++) {
        float *out = y + (size_t)oy * g->wo;
        // Kernel rows inside the image for this output row.
        int ky0 = 0, ky1 = g->kh;
        while (ky0 < ky1 && oy * g->sh - g->ph + ky0 * g->dh < 0) ky0++;
        while (ky1 > ky0 && oy * g->sh - g->ph + (ky1 - 1) * g->dh >= g->h) ky1--;
        int ox = 0;
        for (; ox < lo; ox++) out[ox] = zk_dw_finish(zk_dw_point(x, k, g, ky0, ky1, oy, ox), e);
        for (; ox + 32 <= hi; ox += 32) zk_dw_vectors(x, k, out, g, ky0, ky1, oy, ox, 4, step, e);
        for (; ox + 8 <= hi; ox += 8) zk_dw_vectors(x, k, out, g, ky0, ky1, oy, ox, 1, step, e);
        for (; ox < g->wo; ox++) out[ox] = zk_dw_finish(zk_dw_point(x, k, g, ky0, ky1, oy, ox), e);
    }
}
#endif

void zk_depthwise_planes(const float *x, const float *k, float *y, const zk_dw_geometry *g, int channels, int p0, int p1,
                         const float *scale, const float *shift, int activation, float param, int portable) {
    for (int p = p0; p < p1; p++) {
        const int ch = p % channels;
        const float *xp = x + (size_t)p * g->h * g->w;
        const float *kp = k + (size_t)ch * g->kh * g->kw;
        float *yp = y + (size_t)p * g->ho * g->wo;
        const zk_dw_epilogue e = {scale ? scale[ch] : 1.0f, shift ? shift[ch] : 0.0f, activation, param};
#ifdef ZK_X86
        if (zk_use_avx2(portable)) {
            if (!zk_dw_plane_rows(xp, kp, yp, g, &e)) zk_dw_plane_avx2(xp, kp, yp, g, &e);
            continue;
        }
#endif
        zk_dw_plane_scalar(xp, kp, yp, g, &e);
    }
}
