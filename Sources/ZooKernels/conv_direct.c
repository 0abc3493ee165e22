// Direct convolution for few output channels over large maps (see zk_direct_desc in
// zoo_kernels.h): each output row is computed straight from the input rows its taps reach.
//
// A worker keeps the kernel_h input rows of the current output row in a ring, each row padded
// and split into its stride_w column phases once (zk_prepare_phase_rows), so that moving down
// one output row prepares only stride_h new rows. Every tap of the row is then a contiguous
// run in the ring; a 16-column chunk of the row runs through every group of output channels
// while its runs are in L1, on register tiles of up to six channels × 16 columns with the
// weights broadcast from the GEMM's packed panels. The epilogue runs on the accumulators and
// the tile is stored once: no virtual columns, no partial sums through memory, no B packing.

#include "zoo_kernels.h"
#include "simd_math.h"
#include <string.h>

/// Output channels of a register tile: groups of six, the last ones as fours.
#define ZK_DIRECT_ROWS 6

typedef struct {
    int row0, rows;   ///< first output channel and channels of the tile (1 ... 6)
    int lanes;        ///< channels the tile computes: 4 or 6 (extra ones repeat the last)
} zk_direct_group;

static inline int zk_direct_min(int a, int b) { return a < b ? a : b; }

static inline long zk_direct_phase_w(const zk_conv_geometry *g) {
    return ((long)g->in_w + 2L * g->pad_w + g->stride_w - 1) / g->stride_w;
}

/// Floats between two prepared rows of the ring: a phase row plus the slack a ragged last
/// chunk reads (never stored).
static inline size_t zk_direct_row_stride(const zk_conv_geometry *g) {
    return (size_t)zk_direct_phase_w(g) + ZK_NR;
}

size_t zk_direct_scratch_count(const zk_conv_geometry *g) {
    return (size_t)g->channels * g->kernel_h * g->stride_w * zk_direct_row_stride(g);
}

int zk_direct_supports(const zk_conv_geometry *g) {
    if (g->channels <= 0 || g->in_h <= 0 || g->in_w <= 0 || g->out_h <= 0 || g->out_w <= 0) return 0;
    if (g->kernel_h <= 0 || g->kernel_h > ZK_DIRECT_MAX_KH || g->kernel_w <= 0 || g->kernel_w > ZK_DIRECT_MAX_K) return 0;
    if (g->stride_h <= 0 || g->stride_w <= 0 || g->stride_w > ZK_DIRECT_MAX_KH || g->pad_h < 0 || g->pad_w < 0) return 0;
    if (g->dilation_h != 1 || g->dilation_w != 1) return 0;
    if ((long)g->channels * g->kernel_h * g->kernel_w > ZK_DIRECT_MAX_K) return 0;
    return zk_direct_scratch_count(g) <= 0x7fffffff;
}

int zk_direct_unit_count(const zk_direct_desc *d) {
    int bands = (d->geometry.out_h + d->band_rows - 1) / d->band_rows;
    return d->images * bands;
}

/// Splits the m output channels into register tiles: sixes, then fours (8 → 4 + 4, 2 → one
/// four computing two channels twice), so that no tile is left with fewer than four lanes.
static int zk_direct_groups(int m, zk_direct_group *groups) {
    int count = 0, row = 0;
    while (row < m) {
        int left = m - row;
        int rows = left == 8 || left <= 4 ? zk_direct_min(4, left) : zk_direct_min(6, left);
        groups[count].row0 = row;
        groups[count].rows = rows;
        groups[count].lanes = rows <= 4 ? 4 : 6;
        count++;
        row += rows;
    }
    return count;
}

/// Pointers to the packed weights of the tile's lanes at the first step of the reduction block
/// that starts at `k0` (`kc` deep); lanes past the tile's channels repeat its last one.
static void zk_direct_lane_weights(const zk_direct_desc *d, const zk_direct_group *t, int k0, int kc,
                                   const float **a) {
    const size_t mpad = (size_t)((d->m + ZK_MR - 1) / ZK_MR) * ZK_MR;
    const float *block = d->packed_a + (size_t)k0 * mpad;
    for (int i = 0; i < t->lanes; i++) {
        int r = t->row0 + zk_direct_min(i, t->rows - 1);
        a[i] = block + (size_t)(r / ZK_MR) * ZK_MR * kc + r % ZK_MR;
    }
}

/// One output row's tap offsets into the ring: tap p = (ci · kernel_h + ky) · kernel_w + kx.
static void zk_direct_row_offsets(const zk_conv_geometry *g, int oy, int *offsets) {
    const int kh = g->kernel_h, kw = g->kernel_w, sw = g->stride_w;
    const size_t rs = zk_direct_row_stride(g);
    int p = 0;
    for (int ci = 0; ci < g->channels; ci++) {
        for (int ky = 0; ky < kh; ky++) {
            int slot = (oy * g->stride_h + ky) % kh;
            for (int kx = 0; kx < kw; kx++) {
                offsets[p++] = (int)((((size_t)ci * kh + slot) * sw + kx % sw) * rs) + kx / sw;
            }
        }
    }
}

/// Brings the ring to output row `oy`: prepares the rows it lacks (`held[slot]`: the padded
/// row index each slot holds, -1 for none).
static void zk_direct_fill_ring(const zk_conv_geometry *g, const float *x, int oy, float *ring, int *held) {
    const int kh = g->kernel_h, sw = g->stride_w, sh = g->stride_h;
    const size_t rs = zk_direct_row_stride(g), plane = (size_t)g->in_h * g->in_w;
    for (int ky = 0; ky < kh; ky++) {
        int yp = oy * sh + ky, slot = yp % kh;
        if (held[slot] == yp) continue;
        for (int ci = 0; ci < g->channels; ci++) {
            float *dst = ring + ((size_t)ci * kh + slot) * sw * rs;
            zk_prepare_phase_rows(g, x + ci * plane, yp % sh, yp / sh, 1, rs, dst);
        }
        held[slot] = yp;
    }
}

// ---------------------------------------------------------------------------------------------
// Portable tile: the plain loops the AVX2 tile is tested against.

static void zk_direct_tile_portable(const zk_direct_desc *d, const zk_direct_group *t, const float *ring,
                                    const int *offsets, int ox0, int ncols, float *out, size_t ldc) {
    const int k = d->geometry.channels * d->geometry.kernel_h * d->geometry.kernel_w;
    float acc[ZK_DIRECT_ROWS][ZK_NR];
    memset(acc, 0, sizeof acc);
    for (int k0 = 0; k0 < k; k0 += ZK_KC) {
        const int kc = zk_direct_min(ZK_KC, k - k0);
        const float *a[ZK_DIRECT_ROWS];
        zk_direct_lane_weights(d, t, k0, kc, a);
        for (int p = 0; p < kc; p++) {
            const float *b = ring + offsets[k0 + p] + ox0;
            for (int i = 0; i < t->rows; i++) {
                float w = a[i][p * ZK_MR];
                for (int j = 0; j < ncols; j++) acc[i][j] += w * b[j];
            }
        }
    }
    for (int i = 0; i < t->rows; i++) {
        int ch = t->row0 + i;
        for (int j = 0; j < ncols; j++) {
            float v = acc[i][j];
            if (d->scale) v *= d->scale[ch];
            if (d->shift) v += d->shift[ch];
            out[(size_t)ch * ldc + j] = zk_activate(v, d->activation, d->activation_param);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA tile: `lanes` (4 or 6) channels × 16 columns in 2·lanes accumulators.

#ifdef ZK_X86
/// The epilogue on a tile's 2·lanes accumulators `v`, then its store: `ncols` (≤ 16) columns of
/// each of its channels.
ZK_AVX2 static inline __attribute__((always_inline)) void
zk_direct_store(const zk_direct_desc *d, const zk_direct_group *t, __m256 *v, const int lanes, int ncols, float *out,
                size_t ldc) {
    for (int i = 0; i < lanes; i++) {
        int ch = t->row0 + zk_direct_min(i, t->rows - 1);
        if (d->scale) {
            __m256 s = _mm256_set1_ps(d->scale[ch]), b = _mm256_set1_ps(d->shift ? d->shift[ch] : 0.0f);
            v[2 * i] = _mm256_fmadd_ps(v[2 * i], s, b);
            v[2 * i + 1] = _mm256_fmadd_ps(v[2 * i + 1], s, b);
        } else if (d->shift) {
            __m256 b = _mm256_set1_ps(d->shift[ch]);
            v[2 * i] = _mm256_add_ps(v[2 * i], b);
            v[2 * i + 1] = _mm256_add_ps(v[2 * i + 1], b);
        }
    }
    if (d->activation == ZK_ACT_SILU) {
        for (int g = 0; g < 2 * lanes; g += 4) zk_sigmoid256n(v + g, 4, 1);
    } else if (d->activation != ZK_ACT_IDENTITY) {
        for (int g = 0; g < 2 * lanes; g += 4) zk_activate256x4(v + g, d->activation, d->activation_param);
    }
    if (ncols == ZK_NR) {
        for (int i = 0; i < t->rows; i++) {
            float *row = out + (size_t)(t->row0 + i) * ldc;
            _mm256_storeu_ps(row, v[2 * i]);
            _mm256_storeu_ps(row + 8, v[2 * i + 1]);
        }
        return;
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(ncols), lane);
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(ncols - 8), lane);
    for (int i = 0; i < t->rows; i++) {
        float *row = out + (size_t)(t->row0 + i) * ldc;
        _mm256_maskstore_ps(row, m0, v[2 * i]);
        _mm256_maskstore_ps(row + 8, m1, v[2 * i + 1]);
    }
}

// One reduction step of lane i: its broadcast weight times the step's two B vectors.
#define ZK_DIRECT_LANE(i)                                 \
    w = _mm256_broadcast_ss(a[i] + q);                    \
    c##i##0 = _mm256_fmadd_ps(w, b0, c##i##0);            \
    c##i##1 = _mm256_fmadd_ps(w, b1, c##i##1);

#define ZK_DIRECT_LOOP(LANES)                                                       \
    for (int k0 = 0; k0 < k; k0 += ZK_KC) {                                         \
        const int kc = zk_direct_min(ZK_KC, k - k0);                                \
        const float *a[ZK_DIRECT_ROWS];                                             \
        zk_direct_lane_weights(d, t, k0, kc, a);                                    \
        const int *off = offsets + k0;                                              \
        for (int p = 0, q = 0; p < kc; p++, q += ZK_MR) {                           \
            const float *b = base + off[p];                                         \
            __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), w;         \
            LANES                                                                   \
        }                                                                           \
    }

ZK_AVX2 static void zk_direct_tile6(const zk_direct_desc *d, const zk_direct_group *t, const float *ring,
                                    const int *offsets, int ox0, int ncols, float *out, size_t ldc) {
    const int k = d->geometry.channels * d->geometry.kernel_h * d->geometry.kernel_w;
    const float *base = ring + ox0;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    ZK_DIRECT_LOOP(ZK_DIRECT_LANE(0) ZK_DIRECT_LANE(1) ZK_DIRECT_LANE(2) ZK_DIRECT_LANE(3) ZK_DIRECT_LANE(4)
                   ZK_DIRECT_LANE(5))
    __m256 v[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    zk_direct_store(d, t, v, 6, ncols, out, ldc);
}

ZK_AVX2 static void zk_direct_tile4(const zk_direct_desc *d, const zk_direct_group *t, const float *ring,
                                    const int *offsets, int ox0, int ncols, float *out, size_t ldc) {
    const int k = d->geometry.channels * d->geometry.kernel_h * d->geometry.kernel_w;
    const float *base = ring + ox0;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    ZK_DIRECT_LOOP(ZK_DIRECT_LANE(0) ZK_DIRECT_LANE(1) ZK_DIRECT_LANE(2) ZK_DIRECT_LANE(3))
    __m256 v[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
    zk_direct_store(d, t, v, 4, ncols, out, ldc);
}
#undef ZK_DIRECT_LOOP
#undef ZK_DIRECT_LANE
#endif

// ---------------------------------------------------------------------------------------------

typedef void (*zk_direct_tile_fn)(const zk_direct_desc *, const zk_direct_group *, const float *, const int *, int,
                                  int, float *, size_t);

void zk_direct_run(const zk_direct_desc *d, float *scratch, int *next_unit, int portable) {
    const zk_conv_geometry *g = &d->geometry;
    if (!zk_direct_supports(g) || d->m <= 0 || d->band_rows <= 0) return;
    const int bands = (g->out_h + d->band_rows - 1) / d->band_rows, units = d->images * bands;
    const size_t ldc = (size_t)g->out_h * g->out_w;
    const size_t in_image = (size_t)g->channels * g->in_h * g->in_w, out_image = (size_t)d->m * ldc;
    zk_direct_group groups[(ZK_DIRECT_MAX_M + 3) / 4];
    if (d->m > ZK_DIRECT_MAX_M) return;
    const int ngroups = zk_direct_groups(d->m, groups);
    zk_direct_tile_fn tile6 = zk_direct_tile_portable, tile4 = zk_direct_tile_portable;
#ifdef ZK_X86
    if (zk_use_avx2(portable)) {
        tile6 = zk_direct_tile6;
        tile4 = zk_direct_tile4;
    }
#endif
    int offsets[ZK_DIRECT_MAX_K];
    int held[ZK_DIRECT_MAX_KH];
    // The slack past each phase row is read by ragged chunks (their extra lanes never stored):
    // zero it once so that those lanes hold no NaN or denormal garbage.
    memset(scratch, 0, zk_direct_scratch_count(g) * sizeof(float));
    for (;;) {
        int unit = __atomic_fetch_add(next_unit, 1, __ATOMIC_RELAXED);
        if (unit >= units) break;
        const int image = unit / bands, oy0 = (unit % bands) * d->band_rows;
        const int oy1 = zk_direct_min(g->out_h, oy0 + d->band_rows);
        const float *x = d->input + (size_t)image * in_image;
        float *y = d->output + (size_t)image * out_image;
        for (int s = 0; s < g->kernel_h; s++) held[s] = -1;
        for (int oy = oy0; oy < oy1; oy++) {
            zk_direct_fill_ring(g, x, oy, scratch, held);
            zk_direct_row_offsets(g, oy, offsets);
            float *row = y + (size_t)oy * g->out_w;
            for (int ox0 = 0; ox0 < g->out_w; ox0 += ZK_NR) {
                int ncols = zk_direct_min(ZK_NR, g->out_w - ox0);
                for (int t = 0; t < ngroups; t++) {
                    (groups[t].lanes == 6 ? tile6 : tile4)(d, &groups[t], scratch, offsets, ox0, ncols, row + ox0, ldc);
                }
            }
        }
    }
}
