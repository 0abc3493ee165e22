// The row-buffered depthwise kernel (AVX2 + FMA) for the stock shapes: kernel widths 3, 5 and
// 7, strides 1 and 2, no dilation.
//
// Each input row the kernel needs is copied once into a small ring of padded rows (zeros
// where the taps leave the image, and at stride 2 split into its even and odd columns), so
// every output column, the borders included, is a run of plain vector loads and FMAs with no
// bounds checks. Two output rows are computed at once from the rows they share: each loaded
// input vector feeds both rows' accumulators (8 of them, 32 columns per row), which halves
// the loads per FMA of a one-row kernel. The kernel width is a compile-time constant
// (unrolled taps). Planes too wide for the ring on the stack go to depthwise.c's kernel.

#include <string.h>

#include "depthwise.h"
#include "simd_math.h"

#ifdef ZK_X86

/// Floats the ring may hold on the stack (64 KiB).
#define ZK_DW_RING_FLOATS 16384
/// Ring slots at most: kh + sh rows.
#define ZK_DW_RING_SLOTS 16

/// The ring of padded input rows of one plane.
typedef struct {
    float *data;
    int slots, length;   // rows, floats per row (a multiple of 8)
    int half;            // stride 2: floats of the even columns, the odd ones follow
    int tag[ZK_DW_RING_SLOTS];
} zk_dw_ring;

/// Input row `row` padded into `dst`: dst[j] = row[j - pw] (0 outside the row), j < count.
static void zk_dw_pad(const float *row, int w, int pw, float *dst, int count) {
    int lo = pw < count ? pw : count, hi = w + pw < count ? w + pw : count;
    if (hi < lo) hi = lo;
    memset(dst, 0, sizeof(float) * (size_t)lo);
    memcpy(dst + lo, row + lo - pw, sizeof(float) * (size_t)(hi - lo));
    memset(dst + hi, 0, sizeof(float) * (size_t)(count - hi));
}

/// Input row `row` padded and split for stride 2: even[j] = row[2j - pw], odd[j] =
/// row[2j + 1 - pw] (0 outside the row), j < count.
ZK_AVX2 static void zk_dw_pad_split(const float *row, int w, int pw, float *even, float *odd, int count) {
    int j = 0;
    for (; j < count && 2 * j - pw < 0; j++) {
        even[j] = 0.0f;
        odd[j] = 2 * j + 1 - pw >= 0 && 2 * j + 1 - pw < w ? row[2 * j + 1 - pw] : 0.0f;
    }
    // Eight of each from 16 inputs, all inside the row.
    for (; j + 8 <= count && 2 * j + 15 - pw < w; j += 8) {
        const float *src = row + 2 * j - pw;
        __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8);
        __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        _mm256_storeu_ps(even + j, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0))));
        _mm256_storeu_ps(odd + j, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0))));
    }
    for (; j < count; j++) {
        const int c = 2 * j - pw;
        even[j] = c >= 0 && c < w ? row[c] : 0.0f;
        odd[j] = c + 1 >= 0 && c + 1 < w ? row[c + 1] : 0.0f;
    }
}

/// The ring slot holding input row `iy`, filled on first use.
ZK_AVX2 static const float *zk_dw_row(zk_dw_ring *ring, const float *x, const zk_dw_geometry *g, int iy) {
    const int slot = iy % ring->slots;
    float *dst = ring->data + (size_t)slot * ring->length;
    if (ring->tag[slot] != iy) {
        const float *row = x + (size_t)iy * g->w;
        if (g->sw == 1) {
            zk_dw_pad(row, g->w, g->pw, dst, ring->length);
        } else {
            zk_dw_pad_split(row, g->w, g->pw, dst, dst + ring->half, ring->half);
        }
        ring->tag[slot] = iy;
    }
    return dst;
}

/// The input vector of tap column `kx` for output column 0 of a padded row.
static inline const float *zk_dw_tap(const float *row, int kx, int s, int half) {
    return s == 1 ? row + kx : row + (kx & 1) * half + (kx >> 1);
}

/// `V` vectors of output columns from `ox` of `R` (1 or 2) output rows from `oy`, every tap
/// run, epilogue applied, stored (the last vector's lanes from `last` on left alone).
/// KW, S, V, R are constants at every call, so the taps unroll.
ZK_AVX2 static inline __attribute__((always_inline)) void
zk_dw_block(const float *const *rows, int span, const float *k, float *y, const zk_dw_geometry *g,
            int half, int oy, int ox, int last, const zk_dw_epilogue *e, const int KW, const int S, const int V,
            const int R) {
    __m256 acc[2][4];
    for (int i = 0; i < R; i++)
        for (int v = 0; v < V; v++) acc[i][v] = _mm256_setzero_ps();
    for (int r = 0; r < span; r++) {
        if (!rows[r]) continue;
        // Kernel rows of this input row for output rows 0 and 1 (-1: not theirs).
        const int ky0 = r < g->kh ? r : -1;
        const int ky1 = R == 2 && r >= g->sh && r - g->sh < g->kh ? r - g->sh : -1;
        const float *row = rows[r] + ox;
        for (int kx = 0; kx < KW; kx++) {
            const float *p = zk_dw_tap(row, kx, S, half);
            __m256 in[4];
            for (int v = 0; v < V; v++) in[v] = _mm256_loadu_ps(p + 8 * v);
            if (ky0 >= 0) {
                const __m256 wv = _mm256_broadcast_ss(k + ky0 * KW + kx);
                for (int v = 0; v < V; v++) acc[0][v] = _mm256_fmadd_ps(wv, in[v], acc[0][v]);
            }
            if (R == 2 && ky1 >= 0) {
                const __m256 wv = _mm256_broadcast_ss(k + ky1 * KW + kx);
                for (int v = 0; v < V; v++) acc[1][v] = _mm256_fmadd_ps(wv, in[v], acc[1][v]);
            }
        }
    }
    const __m256 scale = _mm256_set1_ps(e->scale), shift = _mm256_set1_ps(e->shift);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(last), lane);
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) acc[i][v] = _mm256_fmadd_ps(acc[i][v], scale, shift);
        if (V == 4) {
            zk_activate256x4(acc[i], e->activation, e->param);
        } else {
            for (int v = 0; v < V; v++) acc[i][v] = zk_activate256(acc[i][v], e->activation, e->param);
        }
        float *out = y + (size_t)(oy + i) * g->wo + ox;
        for (int v = 0; v < V - 1; v++) _mm256_storeu_ps(out + 8 * v, acc[i][v]);
        if (last == 8) {
            _mm256_storeu_ps(out + 8 * (V - 1), acc[i][V - 1]);
        } else {
            _mm256_maskstore_ps(out + 8 * (V - 1), mask, acc[i][V - 1]);
        }
    }
}

/// Every column block of `R` output rows from `oy`: 32 columns at a time, then the 1 to 4
/// vectors of the rest (the last one masked).
ZK_AVX2 static inline __attribute__((always_inline)) void
zk_dw_rows(const float *const *rows, int span, const float *k, float *y, const zk_dw_geometry *g, int half, int oy,
           const zk_dw_epilogue *e, const int KW, const int S, const int R) {
    int ox = 0;
    for (; ox + 32 <= g->wo; ox += 32) zk_dw_block(rows, span, k, y, g, half, oy, ox, 8, e, KW, S, 4, R);
    const int rest = g->wo - ox;
    if (rest <= 0) return;
    const int last = rest - 8 * ((rest - 1) / 8);
    switch ((rest + 7) / 8) {
    case 1: zk_dw_block(rows, span, k, y, g, half, oy, ox, last, e, KW, S, 1, R); break;
    case 2: zk_dw_block(rows, span, k, y, g, half, oy, ox, last, e, KW, S, 2, R); break;
    case 3: zk_dw_block(rows, span, k, y, g, half, oy, ox, last, e, KW, S, 3, R); break;
    default: zk_dw_block(rows, span, k, y, g, half, oy, ox, last, e, KW, S, 4, R); break;
    }
}

/// The plane, output rows two at a time (one for an odd last row).
ZK_AVX2 static inline __attribute__((always_inline)) void
zk_dw_plane(const float *x, const float *k, float *y, const zk_dw_geometry *g, const zk_dw_epilogue *e, zk_dw_ring *ring,
            const int KW, const int S) {
    const float *rows[ZK_DW_RING_SLOTS];
    for (int oy = 0; oy < g->ho; oy += 2) {
        const int pair = oy + 1 < g->ho;
        const int span = g->kh + (pair ? g->sh : 0), base = oy * g->sh - g->ph;
        for (int r = 0; r < span; r++) {
            const int iy = base + r;
            rows[r] = iy >= 0 && iy < g->h ? zk_dw_row(ring, x, g, iy) : NULL;
        }
        if (pair) {
            zk_dw_rows(rows, span, k, y, g, ring->half, oy, e, KW, S, 2);
        } else {
            zk_dw_rows(rows, span, k, y, g, ring->half, oy, e, KW, S, 1);
        }
    }
}

#define ZK_DW_PLANE(KW, S)                                                                                            \
    ZK_AVX2 static void zk_dw_plane_##KW##_##S(const float *x, const float *k, float *y, const zk_dw_geometry *g,   \
                                               const zk_dw_epilogue *e, zk_dw_ring *ring) {                          \
        zk_dw_plane(x, k, y, g, e, ring, KW, S);                                                                      \
    }
ZK_DW_PLANE(3, 1)
ZK_DW_PLANE(5, 1)
ZK_DW_PLANE(7, 1)
ZK_DW_PLANE(3, 2)
ZK_DW_PLANE(5, 2)
ZK_DW_PLANE(7, 2)

static int zk_round8(int n) { return (n + 7) / 8 * 8; }

int zk_dw_plane_rows(const float *x, const float *k, float *y, const zk_dw_geometry *g, const zk_dw_epilogue *e) {
    const int kw = g->kw, s = g->sw;
    if ((kw != 3 && kw != 5 && kw != 7) || (s != 1 && s != 2) || g->sh < 1 || g->sh > 2 || g->dh != 1 || g->dw != 1 ||
        g->kh < 1 || g->kh + g->sh > ZK_DW_RING_SLOTS || g->ho < 1 || g->wo < 1 || g->pw < 0 || g->ph < 0)
        return 0;
    // A vector block reads up to column roundup8(wo) - 1 + the taps' reach, in each half at
    // stride 2.
    const int columns = zk_round8(g->wo);
    const int half = s == 1 ? 0 : zk_round8(columns + kw / 2);
    const int length = s == 1 ? zk_round8(columns + kw - 1) : 2 * half;
    const int slots = g->kh + g->sh;
    if ((long)length * slots > ZK_DW_RING_FLOATS) return 0;
    float data[ZK_DW_RING_FLOATS];
    zk_dw_ring ring = {data, slots, length, half, {0}};
    for (int i = 0; i < ZK_DW_RING_SLOTS; i++) ring.tag[i] = -1;
    switch (kw * 4 + s) {
    case 13: zk_dw_plane_3_1(x, k, y, g, e, &ring); break;
    case 21: zk_dw_plane_5_1(x, k, y, g, e, &ring); break;
    case 29: zk_dw_plane_7_1(x, k, y, g, e, &ring); break;
    case 14: zk_dw_plane_3_2(x, k, y, g, e, &ring); break;
    case 22: zk_dw_plane_5_2(x, k, y, g, e, &ring); break;
    default: zk_dw_plane_7_2(x, k, y, g, e, &ring); break;
    }
    return 1;
}

#else

int zk_dw_plane_rows(const float *x, const float *k, float *y, const zk_dw_geometry *g, const zk_dw_epilogue *e) {
    (void)x, (void)k, (void)y, (void)g, (void)e;
    return 0;
}

#endif
