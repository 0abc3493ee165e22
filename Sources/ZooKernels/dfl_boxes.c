// Detect's box tail in one pass over a level's box branch output: per anchor and side, DFL's
// expectation of the softmax over the distance bins (Σ k·e_k / Σ e_k, the max subtracted
// first), then Ultralytics' dist2bbox (xywh) around the cell centre, times the stride. The bins of
// one side are rows `hw` apart, so eight consecutive anchors are one vector load per bin: no
// transpose, no softmax tensor, no 1×1 convolution with one output channel. OBB heads get
// dist2rbox instead: the distances and the angle (its sigmoid as a vector), then the rotation
// per anchor (cosf, sinf).

#include <float.h>
#include <math.h>

#include "zoo_kernels.h"
#include "simd_math.h"

/// Distances (l, t, r, b) in cells to the box rows (centre x, centre y, width, height) in pixels.
static inline void zk_dfl_store(float ax, float ay, const float d[4], float stride, float *out, size_t ld, int a) {
    const float x1 = ax - d[0], y1 = ay - d[1], x2 = ax + d[2], y2 = ay + d[3];
    out[a] = (x1 + x2) / 2 * stride, out[ld + a] = (y1 + y2) / 2 * stride;
    out[2 * ld + a] = (x2 - x1) * stride, out[3 * ld + a] = (y2 - y1) * stride;
}

/// Ultralytics' dist2rbox: distances (l, t, r, b) in cells and angle `theta` to the rotated box
/// rows (centre x, centre y, width, height) in pixels.
static inline void zk_rbox_store(float ax, float ay, const float d[4], float theta, float stride, float *out, size_t ld,
                                 int a) {
    const float c = cosf(theta), s = sinf(theta);
    const float xf = (d[2] - d[0]) / 2, yf = (d[3] - d[1]) / 2;
    out[a] = (xf * c - yf * s + ax) * stride, out[ld + a] = (xf * s + yf * c + ay) * stride;
    out[2 * ld + a] = (d[0] + d[2]) * stride, out[3 * ld + a] = (d[1] + d[3]) * stride;
}

/// The four distances of anchor `a`: per side the expectation over its bins.
static void zk_dfl_distances(const zk_dfl_level *g, int a, float d[4]) {
    for (int side = 0; side < 4; side++) {
        const float *p = g->box + (size_t)side * g->bins * g->hw + a;
        if (g->bins == 1) {
            d[side] = p[0];
            continue;
        }
        float top = -FLT_MAX;
        for (int k = 0; k < g->bins; k++) top = p[(size_t)k * g->hw] > top ? p[(size_t)k * g->hw] : top;
        float total = 0.0f, weighted = 0.0f;
        for (int k = 0; k < g->bins; k++) {
            const float e = expf(p[(size_t)k * g->hw] - top);
            total += e;
            weighted += e * (float)k;
        }
        d[side] = weighted / total;
    }
}

static void zk_dfl_scalar(const zk_dfl_level *g, int a0, int a1, float *out, size_t ld) {
    for (int a = a0; a < a1; a++) {
        float d[4];
        zk_dfl_distances(g, a, d);
        zk_dfl_store((float)(a % g->width) + 0.5f, (float)(a / g->width) + 0.5f, d, g->stride, out, ld, a);
    }
}

/// OBB's angle from its logit: (sigmoid(v) - 1/4) · π, or the raw value (OBB26).
static inline float zk_obb_angle(float v, int raw) {
    return raw ? v : (zk_activate(v, ZK_ACT_SIGMOID, 0.0f) - 0.25f) * 3.14159265358979f;
}

static void zk_rbox_scalar(const zk_dfl_level *g, const float *angle, int raw, int a0, int a1, float *out, size_t ld,
                           float *angle_out) {
    for (int a = a0; a < a1; a++) {
        float d[4];
        zk_dfl_distances(g, a, d);
        const float theta = zk_obb_angle(angle[a], raw);
        angle_out[a] = theta;
        zk_rbox_store((float)(a % g->width) + 0.5f, (float)(a / g->width) + 0.5f, d, theta, g->stride, out, ld, a);
    }
}

#ifdef ZK_X86
/// The expectation over `bins` rows for eight anchors from `p`, four bins' exponentials at a time.
ZK_AVX2 static inline __m256 zk_dfl_side(const float *p, int bins, size_t hw) {
    __m256 top = _mm256_set1_ps(-FLT_MAX);
    // A NaN may miss the maximum; its exponential then makes the sums, and the distance, NaN.
    for (int k = 0; k < bins; k++) top = _mm256_max_ps(top, _mm256_loadu_ps(p + (size_t)k * hw));
    __m256 total = _mm256_setzero_ps(), weighted = _mm256_setzero_ps();
    int k = 0;
    for (; k + 4 <= bins; k += 4) {
        __m256 e[4];
        for (int i = 0; i < 4; i++) e[i] = _mm256_sub_ps(_mm256_loadu_ps(p + (size_t)(k + i) * hw), top);
        zk_exp256n(e, 4);
        for (int i = 0; i < 4; i++) {
            total = _mm256_add_ps(total, e[i]);
            weighted = _mm256_fmadd_ps(e[i], _mm256_set1_ps((float)(k + i)), weighted);
        }
    }
    for (; k < bins; k++) {
        const __m256 e = zk_exp256(_mm256_sub_ps(_mm256_loadu_ps(p + (size_t)k * hw), top));
        total = _mm256_add_ps(total, e);
        weighted = _mm256_fmadd_ps(e, _mm256_set1_ps((float)k), weighted);
    }
    return _mm256_div_ps(weighted, total);
}

/// Anchors from a0, eight at a time while they last: returns the first one left.
ZK_AVX2 static int zk_dfl_avx2(const zk_dfl_level *g, int a0, int a1, float *out, size_t ld) {
    const __m256 half = _mm256_set1_ps(0.5f), two = _mm256_set1_ps(2.0f), stride = _mm256_set1_ps(g->stride);
    int a = a0;
    for (; a + 8 <= a1; a += 8) {
        __m256 d[4];
        for (int side = 0; side < 4; side++) {
            const float *p = g->box + (size_t)side * g->bins * g->hw + a;
            d[side] = g->bins == 1 ? _mm256_loadu_ps(p) : zk_dfl_side(p, g->bins, (size_t)g->hw);
        }
        float cx[8], cy[8];
        for (int i = 0; i < 8; i++) cx[i] = (float)((a + i) % g->width), cy[i] = (float)((a + i) / g->width);
        const __m256 ax = _mm256_add_ps(_mm256_loadu_ps(cx), half), ay = _mm256_add_ps(_mm256_loadu_ps(cy), half);
        const __m256 x1 = _mm256_sub_ps(ax, d[0]), y1 = _mm256_sub_ps(ay, d[1]);
        const __m256 x2 = _mm256_add_ps(ax, d[2]), y2 = _mm256_add_ps(ay, d[3]);
        const __m256 row[4] = {_mm256_div_ps(_mm256_add_ps(x1, x2), two), _mm256_div_ps(_mm256_add_ps(y1, y2), two),
                               _mm256_sub_ps(x2, x1), _mm256_sub_ps(y2, y1)};
        for (int i = 0; i < 4; i++) _mm256_storeu_ps(out + i * ld + a, _mm256_mul_ps(row[i], stride));
    }
    return a;
}

/// Rotated boxes of anchors from a0, eight at a time (distances and angles as vectors, the
/// rotation per lane with cosf/sinf): returns the first anchor left.
ZK_AVX2 static int zk_rbox_avx2(const zk_dfl_level *g, const float *angle, int raw, int a0, int a1, float *out,
                                size_t ld, float *angle_out) {
    int a = a0;
    for (; a + 8 <= a1; a += 8) {
        float d[4][8], theta[8];
        for (int side = 0; side < 4; side++) {
            const float *p = g->box + (size_t)side * g->bins * g->hw + a;
            _mm256_storeu_ps(d[side], g->bins == 1 ? _mm256_loadu_ps(p) : zk_dfl_side(p, g->bins, (size_t)g->hw));
        }
        __m256 v = _mm256_loadu_ps(angle + a);
        if (!raw) {
            zk_sigmoid256n(&v, 1, 0);
            v = _mm256_mul_ps(_mm256_sub_ps(v, _mm256_set1_ps(0.25f)), _mm256_set1_ps(3.14159265358979f));
        }
        _mm256_storeu_ps(theta, v);
        _mm256_storeu_ps(angle_out + a, v);
        for (int i = 0; i < 8; i++) {
            const float lane[4] = {d[0][i], d[1][i], d[2][i], d[3][i]};
            zk_rbox_store((float)((a + i) % g->width) + 0.5f, (float)((a + i) / g->width) + 0.5f, lane, theta[i], g->stride,
                          out, ld, a + i);
        }
    }
    return a;
}
#endif

void zk_dfl_rboxes(const zk_dfl_level *g, const float *angle, int raw_angle, int a0, int a1, float *out, size_t ld,
                   float *angle_out, int portable) {
#ifdef ZK_X86
    if (zk_use_avx2(portable)) a0 = zk_rbox_avx2(g, angle, raw_angle, a0, a1, out, ld, angle_out);
#endif
    zk_rbox_scalar(g, angle, raw_angle, a0, a1, out, ld, angle_out);
}

void zk_dfl_boxes(const zk_dfl_level *g, int a0, int a1, float *out, size_t ld, int portable) {
#ifdef ZK_X86
    if (zk_use_avx2(portable)) a0 = zk_dfl_avx2(g, a0, a1, out, ld);
#endif
    zk_dfl_scalar(g, a0, a1, out, ld);
}
