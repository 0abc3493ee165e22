// Average pooling with PyTorch's avg_pool2d semantics (no dilation): each output is the sum
// of its window's inputs inside the image, rows outer and columns inner from 0, divided by the
// window's size clipped at the padded border (count_include_pad) or by the inputs it covers.
// On AVX2, eight outputs of a row at a time wherever their windows are stride-1 runs inside the
// image; the sums are added in the same order as the scalar loop, so both give the same bits.

#include "zoo_kernels.h"
#include "simd_math.h"

static inline int zk_imin(int a, int b) { return a < b ? a : b; }
static inline int zk_imax(int a, int b) { return a > b ? a : b; }

/// Output (oy, ox) of one plane; y0 ..< y1 are the window's rows inside the image and pad_h
/// its height clipped at the padded border.
static inline float zk_avg_one(const float *x, const zk_pool_geometry *g, int include, int y0, int y1, int pad_h, int ox) {
    int x0 = ox * g->sw - g->pw;
    int x1 = zk_imin(x0 + g->kw, g->w + g->pw);
    const int pad_area = pad_h * (x1 - x0);
    x0 = zk_imax(x0, 0);
    x1 = zk_imin(x1, g->w);
    float sum = 0.0f;
    for (int iy = y0; iy < y1; iy++) {
        const float *row = x + (size_t)iy * g->w;
        for (int ix = x0; ix < x1; ix++) sum += row[ix];
    }
    const int divisor = include ? pad_area : zk_imax(y1 - y0, 0) * zk_imax(x1 - x0, 0);
    return divisor > 0 ? sum / (float)divisor : 0.0f;
}

#ifdef ZK_X86
/// Outputs ox0 ..< ox1 of a row, windows of rows y0 ..< y1 and columns ox - pw + kx (all
/// inside the image), each sum divided by `count`, eight at a time: returns the first output
/// left for the plain loop.
ZK_AVX2 static int zk_avg_row_avx2(const float *x, const zk_pool_geometry *g, int y0, int y1, float count, int ox0,
                                   int ox1, float *out) {
    const __m256 divisor = _mm256_set1_ps(count);
    int ox = ox0;
    for (; ox + 8 <= ox1; ox += 8) {
        __m256 sum = _mm256_setzero_ps();
        for (int iy = y0; iy < y1; iy++) {
            const float *row = x + (size_t)iy * g->w + ox - g->pw;
            for (int kx = 0; kx < g->kw; kx++) sum = _mm256_add_ps(sum, _mm256_loadu_ps(row + kx));
        }
        _mm256_storeu_ps(out + ox, _mm256_div_ps(sum, divisor));
    }
    return ox;
}
#endif

static void zk_avg_pool_plane(const float *x, float *y, const zk_pool_geometry *g, int include, int avx2) {
    // Columns whose stride-1 windows lie inside the image: ox - pw >= 0 and ox - pw + kw <= w.
    const int lo = g->pw, hi = g->w - g->kw + g->pw + 1;
    for (int oy = 0; oy < g->ho; oy++) {
        int y0 = oy * g->sh - g->ph;
        int y1 = zk_imin(y0 + g->kh, g->h + g->ph);
        const int pad_h = y1 - y0;
        y0 = zk_imax(y0, 0);
        y1 = zk_imin(y1, g->h);
        float *out = y + (size_t)oy * g->wo;
        int ox = 0;
#ifdef ZK_X86
        if (avx2 && g->sw == 1 && y0 < y1 && lo < hi) {
            for (; ox < lo && ox < g->wo; ox++) out[ox] = zk_avg_one(x, g, include, y0, y1, pad_h, ox);
            const int count = (include ? pad_h : y1 - y0) * g->kw;
            ox = zk_avg_row_avx2(x, g, y0, y1, (float)count, ox, hi, out);
        }
#else
        (void)avx2;
        (void)lo;
        (void)hi;
#endif
        for (; ox < g->wo; ox++) out[ox] = zk_avg_one(x, g, include, y0, y1, pad_h, ox);
    }
}

void zk_avg_pool2d(const float *x, float *y, const zk_pool_geometry *g, int count_include_pad, int p0, int p1,
                   int portable) {
    const int avx2 = zk_use_avx2(portable);
    for (int p = p0; p < p1; p++) {
        zk_avg_pool_plane(x + (size_t)p * g->h * g->w, y + (size_t)p * g->ho * g->wo, g, count_include_pad, avx2);
    }
}
