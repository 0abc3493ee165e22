// Winograd F(4×4, 3×3) (Lavin & Gray, 2015), fused: each worker takes a block of output
// tiles, transforms their 6×6 input patches for all channels into a block of V that stays in
// its L2 cache, runs the 36 GEMMs U[ξ] · V[ξ] on the conv micro-kernels into a block of M,
// and transforms M back into the output with the epilogue applied. Nothing the size of the
// feature map is written besides the output (an unfused version wrote 4× the input twice).
// Multiplications per output drop from 9·c to 2.25·c.
//
// Transforms are vectorised over eight horizontally neighbouring tiles: a 4-way transpose of
// 32 input floats gives the eight tiles' values at one patch column (masked loads supply the
// zero padding at the image border); the output side runs the inverse transpose. The portable
// build transforms one tile at a time.

#include "zoo_kernels.h"
#include "simd_math.h"
#include "winograd_f2.h"
#include <string.h>

/// Floats between the 36 planes of the V and M blocks beyond their rows: planes a multiple of
/// 4 KB apart would put the 36 streams of a transform into the same few L1 sets.
#define ZK_PLANE_SKEW 16

static inline int zk_wmin(int a, int b) { return a < b ? a : b; }
/// Output tile side: 4, or 2 for F(2×2, 3×3) (`tile` 2 in the desc).
static inline int zk_tile(const zk_winograd_desc *d) { return d->tile == 2 ? 2 : 4; }
/// Transformed planes: (tile + 2)², 36 or 16.
static inline int zk_planes(const zk_winograd_desc *d) { return (zk_tile(d) + 2) * (zk_tile(d) + 2); }
static inline int zk_tiles_h(const zk_winograd_desc *d) { return (d->h + zk_tile(d) - 1) / zk_tile(d); }
static inline int zk_tiles_w(const zk_winograd_desc *d) { return (d->w + zk_tile(d) - 1) / zk_tile(d); }
static inline int zk_blocks_per_image(const zk_winograd_desc *d) {
    return (zk_tiles_h(d) * zk_tiles_w(d) + d->block_tiles - 1) / d->block_tiles;
}

/// Row stride of the V and M blocks: eight columns beyond the block, so that a group of eight
/// tiles at the block's end may be written (V) or read (M) whole.
static inline int zk_block_stride(const zk_winograd_desc *d) { return d->block_tiles + 8; }
static inline size_t zk_v_plane(const zk_winograd_desc *d) { return (size_t)d->c * zk_block_stride(d) + ZK_PLANE_SKEW; }
static inline size_t zk_m_plane(const zk_winograd_desc *d) { return (size_t)d->m * zk_block_stride(d) + ZK_PLANE_SKEW; }

/// U = G g Gᵀ for `n` kernels whose nine taps are `g[t][q]` (q < n), written to
/// `dst[ξ * plane + q]`. Separable: the rows of G g first (`t`), then one output matrix at a
/// time, so that every loop runs over q (vectorised) and writes one stream (36 streams a
/// multiple of 4 KB apart would fight over the same L1 sets).
#define ZK_WINOGRAD_WEIGHTS_BODY                                                                    \
    float t[6][3][256];                                                                            \
    for (int j = 0; j < 3; j++) {                                                                  \
        for (int q = 0; q < n; q++) {                                                              \
            float a = g[j][q], b = g[3 + j][q], c = g[6 + j][q];                                   \
            t[0][j][q] = 0.25f * a;                                                                \
            t[1][j][q] = -(a + b + c) * (1.0f / 6.0f);                                             \
            t[2][j][q] = -(a - b + c) * (1.0f / 6.0f);                                             \
            t[3][j][q] = a * (1.0f / 24.0f) + b * (1.0f / 12.0f) + c * (1.0f / 6.0f);              \
            t[4][j][q] = a * (1.0f / 24.0f) - b * (1.0f / 12.0f) + c * (1.0f / 6.0f);              \
            t[5][j][q] = c;                                                                        \
        }                                                                                          \
    }                                                                                              \
    for (int r = 0; r < 6; r++) {                                                                  \
        const float *a = t[r][0], *b = t[r][1], *c = t[r][2];                                      \
        float *u = dst + (size_t)(r * 6) * plane;                                                  \
        for (int q = 0; q < n; q++) u[q] = 0.25f * a[q];                                           \
        u += plane;                                                                                \
        for (int q = 0; q < n; q++) u[q] = -(a[q] + b[q] + c[q]) * (1.0f / 6.0f);                  \
        u += plane;                                                                                \
        for (int q = 0; q < n; q++) u[q] = -(a[q] - b[q] + c[q]) * (1.0f / 6.0f);                  \
        u += plane;                                                                                \
        for (int q = 0; q < n; q++) u[q] = a[q] * (1.0f / 24.0f) + b[q] * (1.0f / 12.0f) + c[q] * (1.0f / 6.0f); \
        u += plane;                                                                                \
        for (int q = 0; q < n; q++) u[q] = a[q] * (1.0f / 24.0f) - b[q] * (1.0f / 12.0f) + c[q] * (1.0f / 6.0f); \
        u += plane;                                                                                \
        for (int q = 0; q < n; q++) u[q] = c[q];                                                   \
    }

static void zk_winograd_weights_run(float g[9][256], int n, float *restrict dst, size_t plane) {
    ZK_WINOGRAD_WEIGHTS_BODY
}
#ifdef ZK_X86
ZK_AVX2 static void zk_winograd_weights_run_avx2(float g[9][256], int n, float *restrict dst, size_t plane) {
    ZK_WINOGRAD_WEIGHTS_BODY
}
#endif

void zk_winograd_weights(const float *weight, int m, int c, float *dst, size_t j0, size_t j1, int portable) {
    const size_t plane = (size_t)m * c;
    float g[9][256];
    for (size_t jb = j0; jb < j1; jb += 256) {
        int n = (int)(j1 - jb < 256 ? j1 - jb : 256);
        for (int q = 0; q < n; q++) {
            for (int t = 0; t < 9; t++) g[t][q] = weight[(jb + q) * 9 + t];
        }
#ifdef ZK_X86
        if (zk_use_avx2(portable)) {
            zk_winograd_weights_run_avx2(g, n, dst + jb, plane);
            continue;
        }
#endif
        zk_winograd_weights_run(g, n, dst + jb, plane);
    }
}

int zk_winograd_block_tiles(int c, int m) {
    // V and M blocks (36 · (c + m) · tiles floats) within ~320 KB: they stay in L2.
    int fit = (320 * 1024) / (36 * 4 * (c + m > 0 ? c + m : 1));
    int tiles = (fit / ZK_NR) * ZK_NR;
    if (tiles < ZK_NR) tiles = ZK_NR;
    if (tiles > 4 * ZK_NR) tiles = 4 * ZK_NR;
    return tiles;
}

int zk_winograd_tile_block_tiles(int c, int m, int tile) {
    int tiles4 = zk_winograd_block_tiles(c, m);
    if (tile != 2) return tiles4;
    // F(2×2) serves large weights on small maps, where U is read once per block: as many tiles
    // as fit in the scratch F(4×4) would take (16 planes of tiles + 8 columns within 36 of
    // tiles4 + 8), so fewer passes over U at no more scratch.
    int tiles = ((36 * (tiles4 + 8)) / 16 - 8) / ZK_NR * ZK_NR;
    return tiles < ZK_NR ? ZK_NR : tiles;
}

size_t zk_winograd_tile_scratch_count(int c, int m, int tile) {
    zk_winograd_desc d;
    memset(&d, 0, sizeof d);
    d.c = c;
    d.m = m;
    d.tile = tile;
    d.block_tiles = zk_winograd_tile_block_tiles(c, m, tile);
    // The V and M blocks, then the GEMM's c row offsets (see zk_winograd_run).
    return (size_t)zk_planes(&d) * (zk_v_plane(&d) + zk_m_plane(&d)) + (size_t)c + ZK_NR;
}

size_t zk_winograd_scratch_count(int c, int m) { return zk_winograd_tile_scratch_count(c, m, 4); }

int zk_winograd_block_count(const zk_winograd_desc *d) { return d->n * zk_blocks_per_image(d); }

/// Output-channel ranges per block: enough units for three per worker, each range at least
/// two weight panels (the input transform is repeated per range; the GEMMs are not).
static int zk_winograd_chunks(const zk_winograd_desc *d) {
    int blocks = zk_winograd_block_count(d), want = 3 * (d->workers > 1 ? d->workers : 1);
    int mpanels = (d->m + ZK_MR - 1) / ZK_MR, most = mpanels / 2 > 1 ? mpanels / 2 : 1;
    if (blocks >= want) return 1;
    int chunks = (want + blocks - 1) / blocks;
    return chunks < most ? chunks : most;
}

int zk_winograd_unit_count(const zk_winograd_desc *d) { return zk_winograd_block_count(d) * zk_winograd_chunks(d); }

// ---------------------------------------------------------------------------------------------
// The 1-D transforms. Input (Bᵀ, 6 → 6) and output (Aᵀ, 6 → 4).

static inline void zk_bt6(const float v[6], float o[6]) {
    o[0] = 4.0f * v[0] - 5.0f * v[2] + v[4];
    o[1] = (v[3] + v[4]) - 4.0f * (v[1] + v[2]);
    o[2] = (v[4] - v[3]) + 4.0f * (v[1] - v[2]);
    o[3] = (v[4] - v[2]) + 2.0f * (v[3] - v[1]);
    o[4] = (v[4] - v[2]) - 2.0f * (v[3] - v[1]);
    o[5] = 4.0f * v[1] - 5.0f * v[3] + v[5];
}

static inline void zk_at6(const float v[6], float o[4]) {
    float a = v[1] + v[2], b = v[1] - v[2], c = v[3] + v[4], d = v[3] - v[4];
    o[0] = v[0] + a + c;
    o[1] = b + 2.0f * d;
    o[2] = a + 4.0f * c;
    o[3] = b + 8.0f * d + v[5];
}

/// One tile's 36 transformed values from its 6×6 patch, written `stride` apart.
static void zk_input_tile_scalar(const float *x, int h, int w, int y0, int x0, float *v, size_t stride) {
    float d[6][6], t[6][6];
    for (int i = 0; i < 6; i++) {
        int y = y0 + i;
        for (int j = 0; j < 6; j++) {
            int xx = x0 + j;
            d[i][j] = (y >= 0 && y < h && xx >= 0 && xx < w) ? x[(size_t)y * w + xx] : 0.0f;
        }
    }
    for (int i = 0; i < 6; i++) zk_bt6(d[i], t[i]);
    for (int s = 0; s < 6; s++) {
        float col[6] = {t[0][s], t[1][s], t[2][s], t[3][s], t[4][s], t[5][s]}, out[6];
        zk_bt6(col, out);
        for (int r = 0; r < 6; r++) v[(size_t)(r * 6 + s) * stride] = out[r];
    }
}

/// One tile's outputs from its 36 products (`stride` apart), epilogue applied, rows and
/// columns beyond the image skipped.
static void zk_output_tile_scalar(const float *q, size_t stride, float *y, const float *res, int h, int w, int y0, int x0,
                                  float scale, float shift, int activation, float param) {
    float t[4][6];
    for (int s = 0; s < 6; s++) {
        float col[6], out[4];
        for (int r = 0; r < 6; r++) col[r] = q[(size_t)(r * 6 + s) * stride];
        zk_at6(col, out);
        for (int r = 0; r < 4; r++) t[r][s] = out[r];
    }
    for (int r = 0; r < 4 && y0 + r < h; r++) {
        float out[4];
        zk_at6(t[r], out);
        float *row = y + (size_t)(y0 + r) * w;
        const float *rrow = res ? res + (size_t)(y0 + r) * w : NULL;
        for (int j = 0; j < 4 && x0 + j < w; j++) {
            float v = zk_activate(out[j] * scale + shift, activation, param);
            row[x0 + j] = rrow ? v + rrow[x0 + j] : v;
        }
    }
}

#ifdef ZK_X86
ZK_AVX2 static inline void zk_bt6_256(const __m256 v[6], __m256 o[6]) {
    const __m256 two = _mm256_set1_ps(2.0f), four = _mm256_set1_ps(4.0f), five = _mm256_set1_ps(5.0f);
    __m256 s12 = _mm256_add_ps(v[1], v[2]), d12 = _mm256_sub_ps(v[1], v[2]);
    __m256 s34 = _mm256_add_ps(v[3], v[4]), d43 = _mm256_sub_ps(v[4], v[3]);
    __m256 d42 = _mm256_sub_ps(v[4], v[2]), d31 = _mm256_sub_ps(v[3], v[1]);
    o[0] = _mm256_fmadd_ps(four, v[0], _mm256_fnmadd_ps(five, v[2], v[4]));
    o[1] = _mm256_fnmadd_ps(four, s12, s34);
    o[2] = _mm256_fmadd_ps(four, d12, d43);
    o[3] = _mm256_fmadd_ps(two, d31, d42);
    o[4] = _mm256_fnmadd_ps(two, d31, d42);
    o[5] = _mm256_fmadd_ps(four, v[1], _mm256_fnmadd_ps(five, v[3], v[5]));
}

ZK_AVX2 static inline void zk_at6_256(const __m256 v[6], __m256 o[4]) {
    __m256 a = _mm256_add_ps(v[1], v[2]), b = _mm256_sub_ps(v[1], v[2]);
    __m256 c = _mm256_add_ps(v[3], v[4]), d = _mm256_sub_ps(v[3], v[4]);
    o[0] = _mm256_add_ps(_mm256_add_ps(v[0], a), c);
    o[1] = _mm256_fmadd_ps(_mm256_set1_ps(2.0f), d, b);
    o[2] = _mm256_fmadd_ps(_mm256_set1_ps(4.0f), c, a);
    o[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8.0f), d, b), v[5]);
}

/// 4×4 transposes inside each 128-bit lane: out[j] lane l = (in[0][j], in[1][j], in[2][j], in[3][j]).
ZK_AVX2 static inline void zk_transpose4_lanes(__m256 a, __m256 b, __m256 c, __m256 d, __m256 out[4]) {
    __m256 t0 = _mm256_unpacklo_ps(a, b), t1 = _mm256_unpackhi_ps(a, b);
    __m256 t2 = _mm256_unpacklo_ps(c, d), t3 = _mm256_unpackhi_ps(c, d);
    out[0] = _mm256_shuffle_ps(t0, t2, 0x44);
    out[1] = _mm256_shuffle_ps(t0, t2, 0xEE);
    out[2] = _mm256_shuffle_ps(t1, t3, 0x44);
    out[3] = _mm256_shuffle_ps(t1, t3, 0xEE);
}

/// row[col … col + 7]; lanes whose column is outside [0, w) are zero and not read.
ZK_AVX2 static inline __m256 zk_load_cols(const float *row, int col, int w) {
    if (col >= 0 && col + 8 <= w) return _mm256_loadu_ps(row + col);
    __m256i idx = _mm256_add_epi32(_mm256_set1_epi32(col), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i mask = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), idx),
                                       _mm256_cmpgt_epi32(_mm256_set1_epi32(w), idx));
    return _mm256_maskload_ps(row + col, mask);
}

/// Columns col + 4k + s of `row` (zero outside [0, w)) for k = 0 … 7 into phase[s], s = 0 … 3.
ZK_AVX2 static inline void zk_deinterleave4(const float *row, int col, int w, __m256 phase[4]) {
    __m256 a0 = zk_load_cols(row, col, w), a1 = zk_load_cols(row, col + 8, w);
    __m256 a2 = zk_load_cols(row, col + 16, w), a3 = zk_load_cols(row, col + 24, w);
    zk_transpose4_lanes(_mm256_permute2f128_ps(a0, a2, 0x20), _mm256_permute2f128_ps(a0, a2, 0x31),
                        _mm256_permute2f128_ps(a1, a3, 0x20), _mm256_permute2f128_ps(a1, a3, 0x31), phase);
}

/// Eight neighbouring tiles whose patches start at column `col`: `rows[i]` is patch row i
/// (NULL for a row of zero padding); columns outside [0, w) count as zero. Writes the eight
/// values of each ξ at `v + ξ * stride` (all eight lanes, see zk_block_input).
ZK_AVX2 static void zk_input_tiles8(const float *rows[6], int col, int w, float *v, size_t stride) {
    __m256 t[6][6];
    for (int i = 0; i < 6; i++) {
        if (!rows[i]) {
            for (int s = 0; s < 6; s++) t[i][s] = _mm256_setzero_ps();
            continue;
        }
        __m256 d[8];
        zk_deinterleave4(rows[i], col, w, d);
        zk_deinterleave4(rows[i], col + 4, w, d + 4);
        zk_bt6_256(d, t[i]);
    }
    for (int s = 0; s < 6; s++) {
        __m256 column[6] = {t[0][s], t[1][s], t[2][s], t[3][s], t[4][s], t[5][s]}, out[6];
        zk_bt6_256(column, out);
        for (int r = 0; r < 6; r++) _mm256_storeu_ps(v + (size_t)(r * 6 + s) * stride, out[r]);
    }
}

/// Outputs of eight neighbouring tiles from their products `q[ξ * stride]`, epilogue
/// applied: rows y0 … of the image from column x0, `cols` columns (≤ 32) and rows up to h.
ZK_AVX2 static void zk_output_tiles8(const float *q, size_t stride, float *y, const float *res, int h, int w, int y0,
                                     int x0, int cols, float scale, float shift, int activation, float param) {
    __m256 t[4][6];
    for (int s = 0; s < 6; s++) {
        __m256 col[6], out[4];
        for (int r = 0; r < 6; r++) col[r] = _mm256_loadu_ps(q + (size_t)(r * 6 + s) * stride);
        zk_at6_256(col, out);
        for (int r = 0; r < 4; r++) t[r][s] = out[r];
    }
    const __m256 vs = _mm256_set1_ps(scale), vb = _mm256_set1_ps(shift);
    for (int r = 0; r < 4 && y0 + r < h; r++) {
        __m256 o[4], tiles[4];
        zk_at6_256(t[r], o);
        for (int j = 0; j < 4; j++) o[j] = _mm256_fmadd_ps(o[j], vs, vb);
        zk_activate256x4(o, activation, param);
        zk_transpose4_lanes(o[0], o[1], o[2], o[3], tiles);
        __m256 out[4] = {_mm256_permute2f128_ps(tiles[0], tiles[1], 0x20), _mm256_permute2f128_ps(tiles[2], tiles[3], 0x20),
                         _mm256_permute2f128_ps(tiles[0], tiles[1], 0x31), _mm256_permute2f128_ps(tiles[2], tiles[3], 0x31)};
        float *row = y + (size_t)(y0 + r) * w + x0;
        const float *rrow = res ? res + (size_t)(y0 + r) * w + x0 : NULL;
        if (cols == 32) {
            if (rrow) {
                for (int k = 0; k < 4; k++) out[k] = _mm256_add_ps(out[k], _mm256_loadu_ps(rrow + 8 * k));
            }
            for (int k = 0; k < 4; k++) _mm256_storeu_ps(row + 8 * k, out[k]);
        } else {
            float tmp[32] __attribute__((aligned(32)));
            for (int k = 0; k < 4; k++) _mm256_store_ps(tmp + 8 * k, out[k]);
            if (rrow) {
                for (int j = 0; j < cols; j++) tmp[j] += rrow[j];
            }
            memcpy(row, tmp, (size_t)cols * sizeof(float));
        }
    }
}
#endif

// ---------------------------------------------------------------------------------------------

/// V block of tiles t0 ..< t0+count of one image: v[ξ][channel][column], row stride
/// zk_block_stride. Groups of eight tiles are written whole: a group that runs past its
/// segment spills into columns that the next segment (or the stride's slack) takes.
static void zk_block_input(const zk_winograd_desc *d, const float *image, int t0, int count, float *v, int vector) {
    const int tw = zk_tiles_w(d), ldv = zk_block_stride(d);
    const size_t stride = zk_v_plane(d);
    if (zk_tile(d) == 2) {
        zk_winograd_f2_input(image, d->c, d->h, d->w, tw, t0, count, v, ldv, stride);
        return;
    }
    for (int ch = 0; ch < d->c; ch++) {
        const float *x = image + (size_t)ch * d->h * d->w;
        float *vc = v + (size_t)ch * ldv;
        int t = t0;
        while (t < t0 + count) {
            int ty = t / tw, tx = t % tw, run = zk_wmin(tw - tx, t0 + count - t);
            int y0 = 4 * ty - 1, x0 = 4 * tx - 1;
            int j = 0;
#ifdef ZK_X86
            if (vector) {
                const float *rows[6];
                for (int i = 0; i < 6; i++) {
                    int y = y0 + i;
                    rows[i] = (y < 0 || y >= d->h) ? NULL : x + (size_t)y * d->w;
                }
                for (; j < run; j += 8) zk_input_tiles8(rows, x0 + 4 * j, d->w, vc + (t - t0 + j), stride);
            }
#endif
            for (; j < run; j++) zk_input_tile_scalar(x, d->h, d->w, y0, 4 * (tx + j) - 1, vc + (t - t0 + j), stride);
            t += run;
        }
    }
}

static void zk_block_output(const zk_winograd_desc *d, const float *mblock, float *image_out, const float *image_res,
                            int t0, int count, int o0, int o1, int vector) {
    const int tw = zk_tiles_w(d), ldm = zk_block_stride(d);
    const size_t stride = zk_m_plane(d);
    if (zk_tile(d) == 2) {
        zk_winograd_f2_output(d, mblock, ldm, stride, image_out, image_res, tw, t0, count, o0, o1);
        return;
    }
    for (int o = o0; o < o1; o++) {
        const float *q = mblock + (size_t)o * ldm;
        float *y = image_out + (size_t)o * d->h * d->w;
        const float *res = image_res ? image_res + (size_t)o * d->h * d->w : NULL;
        float scale = d->scale ? d->scale[o] : 1.0f, shift = d->shift ? d->shift[o] : 0.0f;
        int t = t0;
        while (t < t0 + count) {
            int ty = t / tw, tx = t % tw, run = zk_wmin(tw - tx, t0 + count - t);
            int j = 0;
#ifdef ZK_X86
            if (vector) {
                for (; j < run; j += 8) {
                    int x0 = 4 * (tx + j), cols = zk_wmin(32, zk_wmin(4 * (run - j), d->w - x0));
                    zk_output_tiles8(q + (t - t0 + j), stride, y, res, d->h, d->w, 4 * ty, x0, cols, scale, shift,
                                     d->activation, d->activation_param);
                }
            }
#endif
            for (; j < run; j++) {
                zk_output_tile_scalar(q + (t - t0 + j), stride, y, res, d->h, d->w, 4 * ty, 4 * (tx + j), scale, shift,
                                      d->activation, d->activation_param);
            }
            t += run;
        }
    }
}

void zk_winograd_run(const zk_winograd_desc *d, float *scratch, int *next_unit, int portable) {
    const int ldt = d->block_tiles, ld = zk_block_stride(d), tiles = zk_tiles_h(d) * zk_tiles_w(d);
    const int per_image = zk_blocks_per_image(d), total = d->n * per_image;
    const int vector = zk_use_avx2(portable), planes = zk_planes(d);
    const size_t vplane = zk_v_plane(d), mplane = zk_m_plane(d);
    float *v = scratch, *mblock = scratch + (size_t)planes * vplane;
    int *offsets = (int *)(mblock + (size_t)planes * mplane);
    for (int p = 0; p < d->c; p++) offsets[p] = p * ld;
    zk_conv_desc gemm;
    memset(&gemm, 0, sizeof gemm);
    gemm.row_offsets = offsets;
    gemm.k = d->c;
    gemm.m = d->m;
    gemm.virtual_w = ld;
    gemm.out_h = 1;
    gemm.out_w = ldt;
    gemm.ldc = ld;
    gemm.b_in_place = 1;
    gemm.activation = ZK_ACT_IDENTITY;
    const int chunks = zk_winograd_chunks(d), mpanels = (d->m + ZK_MR - 1) / ZK_MR;
    const int units = total * chunks;
    int transformed = -1;   // the block whose V this worker holds
    for (;;) {
        int unit = __atomic_fetch_add(next_unit, 1, __ATOMIC_RELAXED);
        if (unit >= units) break;
        int b = unit / chunks, chunk = unit % chunks;
        int image = b / per_image, t0 = (b % per_image) * ldt, count = zk_wmin(ldt, tiles - t0);
        // A short block (an image's last, or a small image's only one) runs only the panels
        // its tiles reach, not the whole block width.
        const int used = (count + ZK_NR - 1) / ZK_NR;
        if (b != transformed) {
            if (count < used * ZK_NR) {
                // The GEMM reads every column of its panels: give the unused ones defined values.
                for (int xi = 0; xi < planes; xi++) {
                    for (int ch = 0; ch < d->c; ch++) {
                        memset(v + xi * vplane + (size_t)ch * ld + count, 0, (size_t)(used * ZK_NR - count) * sizeof(float));
                    }
                }
            }
            zk_block_input(d, d->input + (size_t)image * d->c * d->h * d->w, t0, count, v, vector);
            transformed = b;
        }
        gemm.panel_first = mpanels * chunk / chunks;
        gemm.panel_last = mpanels * (chunk + 1) / chunks;
        for (int xi = 0; xi < planes; xi++) {
            gemm.input = v + xi * vplane;
            gemm.output = mblock + xi * mplane;
            gemm.packed_a = d->packed_u + (size_t)xi * d->u_stride;
            zk_conv_panels(&gemm, 0, used, portable);
        }
        const size_t image_offset = (size_t)image * d->m * d->h * d->w;
        zk_block_output(d, mblock, d->output + image_offset, d->residual ? d->residual + image_offset : NULL, t0, count,
                        gemm.panel_first * ZK_MR, zk_wmin(d->m, gemm.panel_last * ZK_MR), vector);
    }
}
