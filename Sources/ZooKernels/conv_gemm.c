// Convolution as a GEMM over contiguous im2col rows of a rearranged input, with prepacked
// weights and a fused epilogue (per-channel scale/shift, then activation). See zoo_kernels.h.
//
// Loop nest per column panel (ZK_NR output positions): for each ZK_KC block of the reduction,
// copy the panel's rows into a ZK_KC × ZK_NR block (stays in L1), then run every ZK_MR-row
// weight panel over it (the weights of one block stay in L2). Partial sums of earlier blocks
// are read back from the output; the epilogue runs with the last block. Weights too large
// for L2 run a group of column panels per block instead (ZK_PANEL_GROUP). The output columns of
// a panel may wrap across output rows and include unused columns (the virtual layout); the
// store writes only the real positions.

#include "zoo_kernels.h"
#include "simd_math.h"
#include <string.h>

typedef struct {
    const float *scale;
    const float *shift;
    int activation;
    float param;
    /// NULL, or the residual added after the activation: the value for output element `c`
    /// is at `residual + (c - output)`.
    const float *residual;
    const float *output;
} zk_epilogue;

/// A run of a panel's columns that lands on consecutive output positions.
typedef struct {
    int dst;   ///< first column in the tile
    int out;   ///< its output position (oy * out_w + ox)
    int len;
} zk_segment;

/// Packed weights up to this size stay in L2 while a column panel runs through all of them.
#define ZK_RESIDENT_WEIGHT_BYTES (256 * 1024)
/// Column panels that share each reduction block of larger weights.
#define ZK_PANEL_GROUP 8
/// Panels of at least this many rows are prefetched in software while they are packed.
#define ZK_PREFETCH_ROWS 64

static inline int zk_min(int a, int b) { return a < b ? a : b; }

size_t zk_packed_weight_count(int m, int k) {
    if (m <= 0 || k <= 0) return 0;
    size_t panels = (size_t)((m + ZK_MR - 1) / ZK_MR);
    return panels * ZK_MR * (size_t)k;
}

void zk_pack_weight_rows(const float *a, int row0, int rows, int m, int k, int lda, float *dst) {
    if (row0 < 0 || row0 % ZK_MR != 0 || rows <= 0 || row0 >= m) return;
    int panels = (m + ZK_MR - 1) / ZK_MR;
    int first = row0 / ZK_MR, last = zk_min(panels, (row0 + rows + ZK_MR - 1) / ZK_MR);
    size_t mpad = (size_t)panels * ZK_MR;
    for (int k0 = 0; k0 < k; k0 += ZK_KC) {
        int kc = zk_min(ZK_KC, k - k0);
        float *block = dst + (size_t)k0 * mpad;
        for (int mp = first; mp < last; mp++) {
            float *panel = block + (size_t)mp * ZK_MR * kc;
            for (int p = 0; p < kc; p++) {
                for (int i = 0; i < ZK_MR; i++) {
                    int row = mp * ZK_MR + i;
                    panel[p * ZK_MR + i] = row < m && row < row0 + rows ? a[(size_t)(row - row0) * lda + k0 + p] : 0.0f;
                }
            }
        }
    }
}

void zk_pack_weights(const float *a, int m, int k, int lda, float *dst) {
    zk_pack_weight_rows(a, 0, m, m, k, lda, dst);
}

/// Virtual columns of one image.
static inline int zk_image_columns(const zk_conv_desc *d) {
    return d->out_h <= 0 ? 0 : (d->out_h - 1) * d->virtual_w + d->out_w;
}

static inline int zk_images(const zk_conv_desc *d) { return d->images > 1 ? d->images : 1; }

static inline int zk_virtual_columns(const zk_conv_desc *d) { return zk_images(d) * zk_image_columns(d); }

/// Row `p` of image `img`'s B.
static inline const float *zk_b_row(const zk_conv_desc *d, int img, int p) {
    if (d->row_pointers) return d->row_pointers[(size_t)img * d->k + p];
    return d->input + (size_t)img * d->image_input_stride + d->row_offsets[p];
}

int zk_panel_count(const zk_conv_desc *d) { return (zk_virtual_columns(d) + ZK_NR - 1) / ZK_NR; }

// ---------------------------------------------------------------------------------------------
// The rearranged input.

static inline int zk_ceil_div(int a, int b) { return (a + b - 1) / b; }

int zk_needs_prepared_input(const zk_conv_geometry *g) {
    return !(g->kernel_h == 1 && g->kernel_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_h == 0 &&
             g->pad_w == 0);
}

static inline int zk_phase_h(const zk_conv_geometry *g) { return zk_ceil_div(g->in_h + 2 * g->pad_h, g->stride_h); }
static inline int zk_phase_w(const zk_conv_geometry *g) { return zk_ceil_div(g->in_w + 2 * g->pad_w, g->stride_w); }

int zk_virtual_width(const zk_conv_geometry *g) { return zk_needs_prepared_input(g) ? zk_phase_w(g) : g->out_w; }

static inline size_t zk_prepared_body(const zk_conv_geometry *g) {
    return (size_t)g->channels * g->stride_h * g->stride_w * (size_t)zk_phase_h(g) * zk_phase_w(g);
}

size_t zk_prepared_input_count(const zk_conv_geometry *g) {
    return zk_prepared_body(g) + (size_t)zk_phase_w(g) + ZK_NR;
}

/// Writes the phase rows `rows[px]` (px < stride_w ≤ 2) of input row `srow` (NULL: a padding row).
static void zk_prepare_row(const zk_conv_geometry *g, const float *srow, float **rows, int wq) {
    const int sw = g->stride_w;
    if (!srow) {
        for (int px = 0; px < sw; px++) memset(rows[px], 0, (size_t)wq * sizeof(float));
        return;
    }
    if (sw == 1) {
        float *row = rows[0];
        int pw = g->pad_w;
        memset(row, 0, (size_t)zk_min(pw, wq) * sizeof(float));
        memcpy(row + pw, srow, (size_t)g->in_w * sizeof(float));
        memset(row + pw + g->in_w, 0, (size_t)(wq - pw - g->in_w) * sizeof(float));
        return;
    }
    if (sw == 2) {
        // Both phases in one pass; the interior loop has no bounds checks and vectorises.
        float *even = rows[0], *odd = rows[1];
        const int pw = g->pad_w, w = g->in_w;
        int lo = zk_ceil_div(pw, 2);                    // first qx with 2qx - pw >= 0
        int hi = (w + pw) / 2;                          // qx < hi: 2qx + 1 - pw < w
        if (hi < lo) hi = lo;
        for (int qx = 0; qx < wq; qx++) {
            if (qx == lo && hi > lo) {
                const float *sp = srow + 2 * lo - pw;
                for (int i = 0; i < hi - lo; i++) {
                    even[lo + i] = sp[2 * i];
                    odd[lo + i] = sp[2 * i + 1];
                }
                qx = hi - 1;
                continue;
            }
            int x0 = 2 * qx - pw, x1 = x0 + 1;
            even[qx] = (x0 >= 0 && x0 < w) ? srow[x0] : 0.0f;
            odd[qx] = (x1 >= 0 && x1 < w) ? srow[x1] : 0.0f;
        }
        return;
    }
}

void zk_prepare_phase_rows(const zk_conv_geometry *g, const float *src, int py, int qy0, int rows, size_t px_stride,
                           float *dst) {
    const int sh = g->stride_h, sw = g->stride_w, wq = zk_phase_w(g);
    float *prow[2];
    for (int r = 0; r < rows; r++) {
        int iy = (qy0 + r) * sh + py - g->pad_h;
        const float *srow = (iy < 0 || iy >= g->in_h) ? NULL : src + (size_t)iy * g->in_w;
        for (int px = 0; px < sw; px++) {
            float *row = dst + px * px_stride + (size_t)r * wq;
            if (sw <= 2) {
                prow[px] = row;
                continue;
            }
            for (int qx = 0; qx < wq; qx++) {
                int ix = qx * sw + px - g->pad_w;
                row[qx] = (srow && ix >= 0 && ix < g->in_w) ? srow[ix] : 0.0f;
            }
        }
        if (sw <= 2) zk_prepare_row(g, srow, prow, wq);
    }
}

void zk_prepare_input(const zk_conv_geometry *g, const float *x, int c0, int c1, float *dst) {
    const int sh = g->stride_h, sw = g->stride_w, hq = zk_phase_h(g);
    const size_t phase = (size_t)hq * zk_phase_w(g);
    for (int ci = c0; ci < c1; ci++) {
        for (int py = 0; py < sh; py++) {
            zk_prepare_phase_rows(g, x + (size_t)ci * g->in_h * g->in_w, py, 0, hq, phase,
                                  dst + (size_t)(ci * sh + py) * sw * phase);
        }
    }
    if (c1 == g->channels) {
        memset(dst + zk_prepared_body(g), 0, ((size_t)zk_phase_w(g) + ZK_NR) * sizeof(float));
    }
}

void zk_row_offsets(const zk_conv_geometry *g, int *offsets) {
    int taps = g->kernel_h * g->kernel_w;
    if (!zk_needs_prepared_input(g)) {
        for (int ci = 0; ci < g->channels; ci++) offsets[ci] = ci * g->in_h * g->in_w;
        return;
    }
    const int sh = g->stride_h, sw = g->stride_w, hq = zk_phase_h(g), wq = zk_phase_w(g);
    for (int ci = 0; ci < g->channels; ci++) {
        for (int ky = 0; ky < g->kernel_h; ky++) {
            for (int kx = 0; kx < g->kernel_w; kx++) {
                int y = ky * g->dilation_h, x = kx * g->dilation_w;
                int plane = (ci * sh + y % sh) * sw + x % sw;
                offsets[ci * taps + ky * g->kernel_w + kx] = plane * hq * wq + (y / sh) * wq + x / sw;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Packing one panel: rows k0 ..< k0+kc, columns col0 ..< col0+ncols (zero beyond).

static void zk_pack_panel(const zk_conv_desc *d, int k0, int kc, int col0, int ncols, float *dst) {
    const int ic = zk_image_columns(d), img0 = zk_images(d) > 1 ? col0 / ic : 0;
    const int straddles = img0 != (zk_images(d) > 1 ? (col0 + ncols - 1) / ic : 0);
    for (int p = 0; p < kc; p++) {
        float *row = dst + p * ZK_NR;
        if (straddles) {
            // Columns of two (or more, on tiny maps) images: each image's run from its own rows.
            for (int j = 0; j < ncols;) {
                int col = col0 + j, img = col / ic, local = col - img * ic, len = zk_min(ic - local, ncols - j);
                const float *src = zk_b_row(d, img, k0 + p) + local;
                for (int t = 0; t < len; t++) row[j + t] = src[t];
                j += len;
            }
            for (int j = ncols; j < ZK_NR; j++) row[j] = 0.0f;
            continue;
        }
        const float *src = zk_b_row(d, img0, k0 + p) + (col0 - img0 * ic);
        // Many rows are too many separate streams for the hardware prefetcher: fetch this
        // row's part of the panel after next (two lines: runs are not line-aligned).
        if (kc >= ZK_PREFETCH_ROWS) {
            __builtin_prefetch(src + 2 * ZK_NR, 0, 2);
            __builtin_prefetch(src + 3 * ZK_NR - 1, 0, 2);
        }
        if (ncols == ZK_NR) {
            memcpy(row, src, ZK_NR * sizeof(float));
            continue;
        }
        for (int j = 0; j < ncols; j++) row[j] = src[j];
        for (int j = ncols; j < ZK_NR; j++) row[j] = 0.0f;
    }
}

/// Splits columns col0 ..< col0+ncols of the virtual layout into runs of real output positions.
static int zk_panel_segments(const zk_conv_desc *d, int col0, int ncols, zk_segment *segs) {
    const int ic = zk_image_columns(d), folded = zk_images(d) > 1;
    int img = folded ? col0 / ic : 0, local = col0 - img * ic;
    int oy = local / d->virtual_w, ox = local % d->virtual_w, count = 0, t = 0;
    while (t < ncols) {
        // An image's last row has no unused columns after it: the next image starts there.
        if (folded && local >= ic) {
            img++;
            local = oy = ox = 0;
        }
        if (ox >= d->out_w) {
            int skip = zk_min(d->virtual_w - ox, ncols - t);
            t += skip;
            local += skip;
            oy++;
            ox = 0;
            continue;
        }
        int len = zk_min(d->out_w - ox, ncols - t), out = img * d->image_output_stride + oy * d->out_w + ox;
        if (count > 0 && segs[count - 1].dst + segs[count - 1].len == t && segs[count - 1].out + segs[count - 1].len == out) {
            segs[count - 1].len += len;   // a row wrap with no unused columns: still one run
        } else {
            segs[count].dst = t;
            segs[count].out = out;
            segs[count].len = len;
            count++;
        }
        t += len;
        local += len;
        ox += len;
    }
    return count;
}

// ---------------------------------------------------------------------------------------------
// Scalar epilogue (portable kernel, and the ragged edges of the AVX2 one).

static inline float zk_epilogue_scalar(float v, const zk_epilogue *e, int row) {
    if (!e) return v;
    if (e->scale) v *= e->scale[row];
    if (e->shift) v += e->shift[row];
    return zk_activate(v, e->activation, e->param);
}

/// Applies the epilogue to the first `rows` rows of a tile held in `acc` (ZK_MR × ZK_NR).
typedef void (*zk_tile_epilogue)(float *acc, int rows, const zk_epilogue *e, int row0);

static void zk_tile_epilogue_scalar(float *acc, int rows, const zk_epilogue *e, int row0) {
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < ZK_NR; j++) acc[i * ZK_NR + j] = zk_epilogue_scalar(acc[i * ZK_NR + j], e, row0 + i);
    }
}

/// Writes a tile held in `acc` (ZK_MR rows of ZK_NR floats, overwritten) to the real output
/// positions of its segments, for its first `rows` rows: adds the partial sums already in C
/// when `accumulate`, then applies the epilogue `e` (if any) with `epilogue`.
static void zk_store_segments(float *acc, float *c, int ldc, int rows, const zk_segment *segs, int nseg,
                              int accumulate, const zk_epilogue *e, int row0, zk_tile_epilogue epilogue) {
    if (accumulate) {
        for (int i = 0; i < rows; i++) {
            float *arow = acc + i * ZK_NR;
            const float *crow = c + (size_t)i * ldc;
            for (int s = 0; s < nseg; s++) {
                for (int j = 0; j < segs[s].len; j++) arow[segs[s].dst + j] += crow[segs[s].out + j];
            }
        }
    }
    if (e) epilogue(acc, rows, e, row0);
    const float *residual = e && e->residual ? e->residual + (c - e->output) : NULL;
    for (int i = 0; i < rows; i++) {
        const float *arow = acc + i * ZK_NR;
        float *crow = c + (size_t)i * ldc;
        if (residual) {
            const float *rrow = residual + (size_t)i * ldc;
            for (int s = 0; s < nseg; s++) {
                for (int j = 0; j < segs[s].len; j++) crow[segs[s].out + j] = arow[segs[s].dst + j] + rrow[segs[s].out + j];
            }
            continue;
        }
        for (int s = 0; s < nseg; s++) {
            for (int j = 0; j < segs[s].len; j++) crow[segs[s].out + j] = arow[segs[s].dst + j];
        }
    }
}

/// Row `p` of a tile's B operand is the ZK_NR floats at `b + b_off[p]`.
/// `prefetch`: B is read in place for the first time; fetch the next panels' rows early.
typedef void (*zk_tile_fn)(int kc, const float *a, const float *b, const int *b_off, int prefetch, float *c, int ldc,
                           int rows, const zk_segment *segs, int nseg, int accumulate, const zk_epilogue *e, int row0);

static void zk_tile_portable(int kc, const float *a, const float *b, const int *b_off, int prefetch, float *c,
                             int ldc, int rows, const zk_segment *segs, int nseg, int accumulate,
                             const zk_epilogue *e, int row0) {
    (void)prefetch;
    float acc[ZK_MR * ZK_NR];
    memset(acc, 0, sizeof acc);
    for (int p = 0; p < kc; p++) {
        const float *bp = b + b_off[p];
        const float *ap = a + p * ZK_MR;
        for (int i = 0; i < ZK_MR; i++) {
            float av = ap[i];
            for (int j = 0; j < ZK_NR; j++) acc[i * ZK_NR + j] += av * bp[j];
        }
    }
    zk_store_segments(acc, c, ldc, rows, segs, nseg, accumulate, e, row0, zk_tile_epilogue_scalar);
}

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA kernel: a 6 × 16 tile in twelve ymm accumulators.

#ifdef ZK_X86
/// The epilogue on the 2·`rows` vectors of a tile in `v` (12 slots, all defined).
ZK_AVX2 static inline void zk_epilogue_vectors(__m256 v[2 * ZK_MR], int rows, const zk_epilogue *e, int row0) {
    if (e->scale) {
        for (int i = 0; i < rows; i++) {
            __m256 s = _mm256_set1_ps(e->scale[row0 + i]);
            __m256 b = _mm256_set1_ps(e->shift ? e->shift[row0 + i] : 0.0f);
            v[2 * i] = _mm256_fmadd_ps(v[2 * i], s, b);
            v[2 * i + 1] = _mm256_fmadd_ps(v[2 * i + 1], s, b);
        }
    } else if (e->shift) {
        // Scales folded into the packed weights (PackedConvWeight.rowScales) leave a shift:
        // an add, which runs beside the FMAs instead of on their ports.
        for (int i = 0; i < rows; i++) {
            __m256 b = _mm256_set1_ps(e->shift[row0 + i]);
            v[2 * i] = _mm256_add_ps(v[2 * i], b);
            v[2 * i + 1] = _mm256_add_ps(v[2 * i + 1], b);
        }
    }
    if (e->activation == ZK_ACT_IDENTITY) return;
    for (int g = 0; g < 2 * rows; g += 4) zk_activate256x4(v + g, e->activation, e->param);
}

ZK_AVX2 static void zk_tile_epilogue_avx2(float *acc, int rows, const zk_epilogue *e, int row0) {
    __m256 v[2 * ZK_MR];
    for (int i = 0; i < 2 * ZK_MR; i++) v[i] = _mm256_load_ps(acc + 8 * i);
    zk_epilogue_vectors(v, rows, e, row0);
    for (int i = 0; i < 2 * rows; i++) _mm256_store_ps(acc + 8 * i, v[i]);
}

// 6 × 16: twelve accumulators, two B vectors and one broadcast fit the 16 ymm registers
// without spilling, and twelve independent FMA chains cover the FMA latency.
#define ZK_ROW(i)                                        \
    av = _mm256_broadcast_ss(a + i);                     \
    c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);          \
    c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);

#define ZK_B_ROW()                                                                   \
    const float *bp = b + b_off[p];                                                  \
    if (prefetch) _mm_prefetch((const char *)(bp + 4 * ZK_NR), _MM_HINT_T0);         \
    __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8), av;

/// Stores the tile's first `rows` rows, held in the 2·ZK_MR vectors `v` (see zk_store_segments).
ZK_AVX2 static inline void zk_tile_store_avx2(__m256 v[2 * ZK_MR], float *c, int ldc, int rows, const zk_segment *segs,
                                              int nseg, int accumulate, const zk_epilogue *e, int row0) {
    if (nseg == 1 && segs[0].len == ZK_NR) {
        c += segs[0].out;
        if (accumulate) {
            for (int i = 0; i < rows; i++) {
                v[2 * i] = _mm256_add_ps(v[2 * i], _mm256_loadu_ps(c + (size_t)i * ldc));
                v[2 * i + 1] = _mm256_add_ps(v[2 * i + 1], _mm256_loadu_ps(c + (size_t)i * ldc + 8));
            }
        }
        if (e) zk_epilogue_vectors(v, rows, e, row0);
        if (e && e->residual) {
            const float *r = e->residual + (c - e->output);
            for (int i = 0; i < rows; i++) {
                v[2 * i] = _mm256_add_ps(v[2 * i], _mm256_loadu_ps(r + (size_t)i * ldc));
                v[2 * i + 1] = _mm256_add_ps(v[2 * i + 1], _mm256_loadu_ps(r + (size_t)i * ldc + 8));
            }
        }
        for (int i = 0; i < rows; i++) {
            _mm256_storeu_ps(c + (size_t)i * ldc, v[2 * i]);
            _mm256_storeu_ps(c + (size_t)i * ldc + 8, v[2 * i + 1]);
        }
        return;
    }
    float acc[ZK_MR * ZK_NR] __attribute__((aligned(32)));
    for (int i = 0; i < 2 * ZK_MR; i++) _mm256_store_ps(acc + 8 * i, v[i]);
    zk_store_segments(acc, c, ldc, rows, segs, nseg, accumulate, e, row0, zk_tile_epilogue_avx2);
}

ZK_AVX2 static void zk_tile_avx2(int kc, const float *a, const float *b, const int *b_off, int prefetch, float *c,
                                 int ldc, int rows, const zk_segment *segs, int nseg, int accumulate, const zk_epilogue *e,
                                 int row0) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int p = 0; p < kc; p++) {
        ZK_B_ROW()
        ZK_ROW(0)
        ZK_ROW(1)
        ZK_ROW(2)
        ZK_ROW(3)
        ZK_ROW(4)
        ZK_ROW(5)
        a += ZK_MR;
    }
    __m256 v[2 * ZK_MR] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    zk_tile_store_avx2(v, c, ldc, rows, segs, nseg, accumulate, e, row0);
}

/// The last panel of a matrix whose rows are not a multiple of ZK_MR, when it has at most
/// four rows (M = 16, 32, 80 leave four or two): only those rows are computed, not the
/// panel's zero padding.
ZK_AVX2 static void zk_tile_avx2_4(int kc, const float *a, const float *b, const int *b_off, int prefetch, float *c,
                                   int ldc, int rows, const zk_segment *segs, int nseg, int accumulate,
                                   const zk_epilogue *e, int row0) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int p = 0; p < kc; p++) {
        ZK_B_ROW()
        ZK_ROW(0)
        ZK_ROW(1)
        ZK_ROW(2)
        ZK_ROW(3)
        a += ZK_MR;
    }
    __m256 z = _mm256_setzero_ps();
    __m256 v[2 * ZK_MR] = {c00, c01, c10, c11, c20, c21, c30, c31, z, z, z, z};
    zk_tile_store_avx2(v, c, ldc, rows, segs, nseg, accumulate, e, row0);
}

/// Two rows have only four accumulators, fewer than the FMA latency needs to keep both FMA
/// ports busy: two reduction steps run at once into two sets, added at the end.
ZK_AVX2 static void zk_tile_avx2_2(int kc, const float *a, const float *b, const int *b_off, int prefetch, float *c,
                                   int ldc, int rows, const zk_segment *segs, int nseg, int accumulate,
                                   const zk_epilogue *e, int row0) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, d00 = c00, d01 = c00, d10 = c00, d11 = c00;
    int p = 0;
    for (; p + 1 < kc; p += 2) {
        const float *bp = b + b_off[p], *bq = b + b_off[p + 1];
        if (prefetch) {
            _mm_prefetch((const char *)(bp + 4 * ZK_NR), _MM_HINT_T0);
            _mm_prefetch((const char *)(bq + 4 * ZK_NR), _MM_HINT_T0);
        }
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        __m256 e0 = _mm256_loadu_ps(bq), e1 = _mm256_loadu_ps(bq + 8);
        __m256 a0 = _mm256_broadcast_ss(a), a1 = _mm256_broadcast_ss(a + 1);
        __m256 q0 = _mm256_broadcast_ss(a + ZK_MR), q1 = _mm256_broadcast_ss(a + ZK_MR + 1);
        c00 = _mm256_fmadd_ps(a0, b0, c00);
        c01 = _mm256_fmadd_ps(a0, b1, c01);
        c10 = _mm256_fmadd_ps(a1, b0, c10);
        c11 = _mm256_fmadd_ps(a1, b1, c11);
        d00 = _mm256_fmadd_ps(q0, e0, d00);
        d01 = _mm256_fmadd_ps(q0, e1, d01);
        d10 = _mm256_fmadd_ps(q1, e0, d10);
        d11 = _mm256_fmadd_ps(q1, e1, d11);
        a += 2 * ZK_MR;
    }
    for (; p < kc; p++) {
        ZK_B_ROW()
        ZK_ROW(0)
        ZK_ROW(1)
        a += ZK_MR;
    }
    c00 = _mm256_add_ps(c00, d00);
    c01 = _mm256_add_ps(c01, d01);
    c10 = _mm256_add_ps(c10, d10);
    c11 = _mm256_add_ps(c11, d11);
    __m256 z = _mm256_setzero_ps();
    __m256 v[2 * ZK_MR] = {c00, c01, c10, c11, z, z, z, z, z, z, z, z};
    zk_tile_store_avx2(v, c, ldc, rows, segs, nseg, accumulate, e, row0);
}
#undef ZK_B_ROW
#undef ZK_ROW

#endif

// ---------------------------------------------------------------------------------------------

void zk_conv_panels(const zk_conv_desc *d, int first, int last, int portable) {
    const int n = zk_virtual_columns(d), ic = zk_image_columns(d), folded = zk_images(d) > 1;
    const int ldc = d->ldc > 0 ? d->ldc : d->out_h * d->out_w;
    const int mpanels = (d->m + ZK_MR - 1) / ZK_MR;
    const size_t mpad = (size_t)mpanels * ZK_MR;
    const int mp_first = d->panel_last > 0 ? d->panel_first : 0;
    const int mp_last = d->panel_last > 0 ? zk_min(d->panel_last, mpanels) : mpanels;
    zk_tile_fn tile = zk_tile_portable, last_tile = zk_tile_portable, tile2 = zk_tile_portable, tile4 = zk_tile_portable;
#ifdef ZK_X86
    if (zk_use_avx2(portable)) {
        const int last_rows = d->m - (mpanels - 1) * ZK_MR;
        tile = zk_tile_avx2;
        tile2 = zk_tile_avx2_2;
        tile4 = zk_tile_avx2_4;
        last_tile = last_rows <= 2 ? zk_tile_avx2_2 : last_rows <= 4 ? zk_tile_avx2_4 : zk_tile_avx2;
    }
#endif
    zk_epilogue epilogue = {d->scale, d->shift, d->activation, d->activation_param, d->residual, d->output};
    const int hasEpilogue = d->scale || d->shift || d->activation != ZK_ACT_IDENTITY || d->residual;
    float panel[ZK_KC * ZK_NR] __attribute__((aligned(64)));
    // Few weight panels (of the range this call computes) reuse a packed B block too little
    // to repay the copy: read B in place then (full panels only: a ragged last panel must not
    // read past the input).
    // Rows a multiple of 4 KB apart (a 1×1 conv over 160×160 planes) share a few L1 sets:
    // read in place, every row of B would miss L1 for every weight panel; copy them instead.
    // Rows given by pointers (a conv over several tensors) are always copied.
    const int aliased = d->row_pointers ||
                        (d->k > 8 && ((size_t)(d->row_offsets[1] - d->row_offsets[0]) * sizeof(float)) % 4096 == 0);
    const int direct = (mp_last - mp_first <= ZK_IN_PLACE_PANELS && !aliased) || d->b_in_place;
    int panel_off[ZK_KC];
    if (!direct || n % ZK_NR || folded) {
        for (int p = 0; p < ZK_KC; p++) panel_off[p] = p * ZK_NR;
    }
    // Weights larger than a share of L2 would stream from L3 once per column panel: run a
    // few panels through each reduction block while it is resident (their partial sums wait
    // in the output).
    const int group = (size_t)d->k * mpad * sizeof(float) > ZK_RESIDENT_WEIGHT_BYTES ? ZK_PANEL_GROUP : 1;
    zk_segment segs[ZK_NR];
    for (int g0 = first; g0 < last; g0 += group) {
        const int g1 = zk_min(last, g0 + group);
        for (int k0 = 0; k0 < d->k; k0 += ZK_KC) {
            const int kc = zk_min(ZK_KC, d->k - k0);
            const float *block = d->packed_a + (size_t)k0 * mpad;
            const zk_epilogue *e = (k0 + kc >= d->k && hasEpilogue) ? &epilogue : NULL;
            for (int j = g0; j < g1; j++) {
                int col0 = j * ZK_NR;
                int ncols = zk_min(ZK_NR, n - col0);
                if (ncols <= 0) break;
                int nseg = zk_panel_segments(d, col0, ncols, segs);
                if (nseg == 0) continue;
                const float *b = panel;
                const int *b_off = panel_off;
                const int img = folded ? col0 / ic : 0;
                if (direct && ncols == ZK_NR && (!folded || (col0 + ZK_NR - 1) / ic == img)) {
                    b = d->input + (size_t)img * d->image_input_stride + (col0 - img * ic);
                    b_off = d->row_offsets + k0;
                } else {
                    zk_pack_panel(d, k0, kc, col0, ncols, panel);
                }
                for (int mp = mp_first; mp < mp_last; mp++) {
                    int rows = d->panel_rows ? d->panel_rows[mp] : zk_min(ZK_MR, d->m - mp * ZK_MR);
                    zk_tile_fn run = d->panel_rows ? (rows <= 2 ? tile2 : rows <= 4 ? tile4 : tile)
                                                   : (mp == mpanels - 1 ? last_tile : tile);
                    run(kc, block + (size_t)mp * ZK_MR * kc, b, b_off, b != panel && mp == mp_first,
                         d->output + (size_t)mp * ZK_MR * ldc, ldc, rows, segs, nseg, k0 > 0, e, mp * ZK_MR);
                }
            }
        }
    }
}
