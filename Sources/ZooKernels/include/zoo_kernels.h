// ZooKernels: the innermost loops of ZooCPU's convolution, in C so that they can be compiled
// for AVX2 + FMA and chosen at run time (a portable build of the same loops runs elsewhere).
// Swift plans and threads the work; these functions only touch the memory they are given.
#ifndef ZOO_KERNELS_H
#define ZOO_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Rows of output channels one micro-kernel call computes.
#define ZK_MR 6
/// Output positions (columns) one micro-kernel call computes.
#define ZK_NR 16
/// Reduction depth of one packed block.
#define ZK_KC 256
/// A call computing at most this many ZK_MR-row weight panels reads B in place, unpacked.
#define ZK_IN_PLACE_PANELS 8

/// Activations the kernels apply in their epilogue (others run afterwards, in Swift).
typedef enum {
    ZK_ACT_IDENTITY = 0,
    ZK_ACT_RELU = 1,
    ZK_ACT_SILU = 2,
    ZK_ACT_SIGMOID = 3,
    ZK_ACT_LEAKY_RELU = 4,
    ZK_ACT_RELU6 = 5,
    ZK_ACT_HARDSWISH = 6,
} zk_activation;

/// Sizes of one group of a convolution (PyTorch semantics, symmetric zero padding).
typedef struct {
    int channels, in_h, in_w;
    int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
    int out_h, out_w;
} zk_conv_geometry;

/// The input rearranged so that every im2col row is a contiguous run: zero padding added and,
/// for strides above 1, each channel split into stride_h × stride_w phase planes. Output
/// position (oy, ox) then reads column `oy * virtual_w + ox` of row k at `row_offsets[k]`.
/// A 1×1, stride-1, unpadded convolution needs no rearranging (the input is used as it is).
int zk_needs_prepared_input(const zk_conv_geometry *g);
/// Floats of the rearranged input, including slack for the reads of the last panel.
size_t zk_prepared_input_count(const zk_conv_geometry *g);
/// Columns per output row in the kernel's layout (out_w plus unused columns).
int zk_virtual_width(const zk_conv_geometry *g);
/// Writes channels `c0 ..< c1` of the rearranged input (disjoint ranges may run in parallel);
/// the call with `c1 == channels` also zeroes the trailing slack.
void zk_prepare_input(const zk_conv_geometry *g, const float *input, int c0, int c1, float *dst);
/// Start offset of each of the channels × kernel_h × kernel_w im2col rows.
void zk_row_offsets(const zk_conv_geometry *g, int *offsets);
/// Writes rows `qy0 ..< qy0 + rows` of the stride_w phase planes of row phase `py` of one
/// channel (`channel`: its in_h × in_w input) to `dst`, the planes `px_stride` floats apart,
/// rows outside the padded input as zeros.
void zk_prepare_phase_rows(const zk_conv_geometry *g, const float *channel, int py, int qy0, int rows,
                           size_t px_stride, float *dst);

/// One group of one image of a convolution, as a GEMM `Y[m × n] = A[m × k] · B[k × n]` where
/// row `p` of B is the run at `input + row_offsets[p]`, in the virtual column layout.
typedef struct {
    const float *input;       ///< rearranged input (or the input itself, see above)
    const int *row_offsets;   ///< k offsets into `input`
    float *output;            ///< first output channel of the group: m × out_h × out_w
    const float *packed_a;    ///< weights packed by zk_pack_weights
    const float *scale;       ///< per output channel multiplier (m values) or NULL for 1
    const float *shift;       ///< per output channel offset (m values) or NULL for 0
    int k, m;
    int virtual_w, out_h, out_w;
    int activation;           ///< a zk_activation
    float activation_param;   ///< the LeakyReLU slope
    int ldc;                  ///< floats between output rows; 0 for out_h × out_w
    int b_in_place;           ///< nonzero: always read B where it is (rows already cache-resident)
    int panel_first, panel_last; ///< ZK_MR-row weight panels to compute; both 0 for all
    /// When not NULL, row `p` of B starts at `row_pointers[p]` (then `input` and
    /// `row_offsets` are unused): B's rows may come from several tensors, e.g. the inputs of
    /// a concatenation that is never materialised.
    const float *const *row_pointers;
    /// Images folded into the columns (0 or 1: one): image `i`'s virtual columns follow image
    /// `i - 1`'s (a panel may hold the end of one and the start of the next), its B rows start
    /// `image_input_stride` floats after the previous image's (with `row_pointers`: the table
    /// holds `k` pointers per image) and its output `image_output_stride` floats after.
    int images;
    int image_input_stride, image_output_stride;
    /// When not NULL, laid out as `output` (same `ldc`): added to each output after the
    /// activation, as it is stored (a residual connection `x + act(conv(...))`). Must not
    /// overlap `output`: partial sums of earlier reduction blocks pass through it.
    const float *residual;
    /// When not NULL, the real rows (1 … ZK_MR) of each ZK_MR-row weight panel, `m` a multiple
    /// of ZK_MR: the other rows are zero padding, never stored. Each panel runs the tile its
    /// rows would run as the last panel of a matrix of its own (several convolutions stacked
    /// into one GEMM, each summed as it would be alone).
    const unsigned char *panel_rows;
} zk_conv_desc;

/// A convolution whose rearranged input is prepared one band of output rows at a time, by the
/// worker that then runs that band's GEMM: the band (all channels, a few rows) stays in L2
/// instead of a whole rearranged tensor going through memory, and the preparing is threaded.
typedef struct {
    zk_conv_geometry geometry;
    const float *input;   ///< the group's channels × in_h × in_w
    /// The whole image's GEMM: `output`, `out_h`, `ldc` as for one call; `row_offsets` from
    /// zk_band_row_offsets; `input` is replaced by each band's scratch.
    zk_conv_desc conv;
    int band_rows;        ///< output rows per band (zk_band_rows)
} zk_band_desc;

/// Output rows per band for bands of about `band_bytes` of rearranged input, at least two bands
/// per worker when the image has enough rows, chosen so that few tile columns are wasted on
/// ragged panels; 0 when rearranging the whole input first is cheaper (or not needed).
int zk_band_rows(const zk_conv_geometry *g, size_t band_bytes, int workers);
/// Floats of scratch one worker needs for bands of `band_rows` output rows.
size_t zk_band_scratch_count(const zk_conv_geometry *g, int band_rows);
/// The k row offsets into a band's scratch.
void zk_band_row_offsets(const zk_conv_geometry *g, int band_rows, int *offsets);
/// Bands of the call.
int zk_band_count(const zk_band_desc *desc);
/// Takes bands from the shared counter `*next_band` (start it at 0) until none are left,
/// prepares each into `scratch` (zk_band_scratch_count floats, this worker's own) and computes
/// its output rows, epilogue included. Several workers may run at once on one desc and counter.
void zk_conv_bands_run(const zk_band_desc *desc, float *scratch, int *next_band, int portable);

/// Floats `zk_pack_weights` writes for an `m × k` weight matrix.
size_t zk_packed_weight_count(int m, int k);

/// Packs the row-major `m × k` matrix `a` (leading dimension `lda`) into the layout the
/// micro-kernels read: blocks of ZK_KC reduction steps, each a run of ZK_MR-row panels.
void zk_pack_weights(const float *a, int m, int k, int lda, float *dst);
/// Packs rows `row0 ..< row0 + rows` of an `m × k` matrix (`a` points at row `row0`) where
/// zk_pack_weights puts them in its `dst`; `row0` a multiple of ZK_MR, and a range that ends
/// inside a panel pads it with zeros (only right for the matrix's last rows).
void zk_pack_weight_rows(const float *a, int row0, int rows, int m, int k, int lda, float *dst);

/// Number of ZK_NR-wide column panels of `desc` (in the virtual layout).
int zk_panel_count(const zk_conv_desc *desc);

/// Computes output panels `first ..< last` of `desc`, all rows, epilogue included.
/// Panels are independent: different threads may run disjoint ranges of the same call.
/// `portable` forces the plain-C loops even where AVX2 is available (used by tests).
void zk_conv_panels(const zk_conv_desc *desc, int first, int last, int portable);

/// Direct convolution of few output channels over large maps (conv_direct.c): output rows
/// computed straight from the input rows, each padded and split into column phases once in
/// a per-worker ring of kernel_h rows, on register tiles of up to six output channels × ZK_NR
/// columns over the zk_pack_weights form, epilogue on the accumulators.
#define ZK_DIRECT_MAX_K 2304
#define ZK_DIRECT_MAX_KH 16
#define ZK_DIRECT_MAX_M 64

typedef struct {
    zk_conv_geometry geometry;   ///< ungrouped: `channels` is the input's
    const float *input;          ///< images × channels × in_h × in_w
    float *output;               ///< images × m × out_h × out_w
    const float *packed_a;       ///< the m × (channels · kernel_h · kernel_w) weights, zk_pack_weights
    const float *scale;          ///< per output channel multiplier or NULL for 1
    const float *shift;          ///< per output channel offset or NULL for 0
    int m, images;
    int activation;              ///< a zk_activation
    float activation_param;
    int band_rows;               ///< output rows per unit of work
} zk_direct_desc;

/// True for geometries the direct kernel computes: undilated, kernel_h ≤ ZK_DIRECT_MAX_KH,
/// channels · kernel_h · kernel_w ≤ ZK_DIRECT_MAX_K, a ring within 32-bit offsets.
int zk_direct_supports(const zk_conv_geometry *g);
/// Floats of scratch one worker needs (its ring of prepared rows).
size_t zk_direct_scratch_count(const zk_conv_geometry *g);
/// Units of work of the call: bands of `band_rows` output rows of every image.
int zk_direct_unit_count(const zk_direct_desc *desc);
/// Takes units from the shared counter `*next_unit` (start it at 0) until none are left and
/// computes them (m ≤ ZK_DIRECT_MAX_M), using `scratch` (zk_direct_scratch_count floats, this
/// worker's own). Several workers may run at once on one desc and counter.
void zk_direct_run(const zk_direct_desc *desc, float *scratch, int *next_unit, int portable);

/// Winograd F(4×4, 3×3) for 3×3, stride-1, padding-1, undilated, ungrouped convolutions,
/// fused per block of output tiles: the 6×6 input patches of a block are transformed for every
/// channel (V), multiplied with the 36 transformed weight matrices U[ξ] on the GEMM
/// micro-kernels (M[ξ] = U[ξ] · V[ξ]) and transformed back, epilogue applied, while the block
/// stays in cache.

/// Writes U = G g Gᵀ of the 3×3 kernels `j0 ..< j1` (j = output · c + input) of `weight`
/// (m × c × 3 × 3) into 36 row-major m × c matrices at `dst` (36 · m · c floats); pack each
/// with zk_pack_weights. Disjoint ranges may run in parallel.
void zk_winograd_weights(const float *weight, int m, int c, float *dst, size_t j0, size_t j1, int portable);
/// The same for F(2×2, 3×3): U = G g Gᵀ as 16 row-major m × c matrices (16 · m · c floats).
void zk_winograd_f2_weights(const float *weight, int m, int c, float *dst, size_t j0, size_t j1);

typedef struct {
    const float *input;       ///< n × c × h × w
    float *output;            ///< n × m × h × w
    const float *packed_u;    ///< the 36 packed matrices of U, `u_stride` floats apart
    size_t u_stride;
    const float *scale;       ///< per output channel multiplier or NULL for 1
    const float *shift;       ///< per output channel offset or NULL for 0
    int activation;           ///< a zk_activation
    float activation_param;
    int n, c, m, h, w;
    int block_tiles;          ///< tiles per block: zk_winograd_block_tiles(c, m)
    int workers;              ///< workers that will share the call (splits small calls finer)
    int tile;                 ///< output tile side: 2 for F(2×2, 3×3) (16 packed U matrices), else F(4×4)
    const float *residual;    ///< NULL, or n × m × h × w added after the activation (not overlapping `output`)
} zk_winograd_desc;

/// Tiles per block for c input and m output channels (a multiple of ZK_NR).
int zk_winograd_block_tiles(int c, int m);
/// Floats of scratch one worker needs for c input and m output channels.
size_t zk_winograd_scratch_count(int c, int m);
/// zk_winograd_block_tiles and zk_winograd_scratch_count for output tiles of side `tile` (2 or 4).
int zk_winograd_tile_block_tiles(int c, int m, int tile);
size_t zk_winograd_tile_scratch_count(int c, int m, int tile);
/// Blocks of the whole call (all images).
int zk_winograd_block_count(const zk_winograd_desc *desc);
/// Units of work of the call: blocks, each split into output-channel ranges when there are
/// too few blocks to keep every worker busy.
int zk_winograd_unit_count(const zk_winograd_desc *desc);
/// Takes units from the shared counter `*next_unit` (start it at 0) until none are left and
/// computes them, using `scratch` (zk_winograd_scratch_count floats, this worker's own).
/// Several workers may run at once on one desc and counter, each with its own scratch.
void zk_winograd_run(const zk_winograd_desc *desc, float *scratch, int *next_unit, int portable);

/// `dst[i] = activation(src[i] * scale + shift)` for `count` floats; `src` may equal `dst`.
void zk_activation_array(const float *src, float *dst, size_t count, int activation, float param, float scale,
                         float shift, int portable);

/// Softmax over an axis of `n` elements spaced `inner` apart, for the lines that start at
/// `src + j` with `j0 <= j < j1` (`j < inner`); `dst` has the same layout and may equal `src`.
void zk_softmax_lines(const float *src, float *dst, int n, int inner, int j0, int j1, int portable);

/// `acc[c] += weights[r] * rows[r][c]` for `c < count` and the `n` rows (deformable attention's
/// bilinear corners); AVX2 + FMA unless `portable`.
void zk_weighted_rows(float *acc, int count, const float *const *rows, const float *weights, int n, int portable);

/// `dst[i]` = mean of the `count` floats at `src + i * count`, for `i` in `first ..< last`.
void zk_plane_means(const float *src, float *dst, size_t count, int first, int last, int portable);

/// One plane of a 2-d max pool (PyTorch semantics: padding is -inf, NaN propagates).
typedef struct {
    int h, w, ho, wo;
    int kh, kw, sh, sw, ph, pw, dh, dw;
} zk_pool_geometry;

/// Max-pools planes `p0 ..< p1` of `x` (planes × h × w) into `y` (planes × ho × wo), using
/// `tmp` (h × wo floats, this caller's own) for the separable passes.
void zk_max_pool2d(const float *x, float *y, float *tmp, const zk_pool_geometry *g, int p0, int p1, int portable);

/// Average-pools planes `p0 ..< p1` of `x` (planes × h × w) into `y` (planes × ho × wo) with
/// PyTorch's avg_pool2d semantics (the dilation fields are ignored): the divisor counts the
/// padded positions when `count_include_pad`, else only the inputs a window covers.
void zk_avg_pool2d(const float *x, float *y, const zk_pool_geometry *g, int count_include_pad, int p0, int p1,
                   int portable);

/// One level of a Detect head's box branch output for one image: `4 * bins` rows of `hw`
/// floats (a `width`-wide feature map), and the level's stride in pixels.
typedef struct {
    const float *box;
    int hw, width, bins;
    float stride;
} zk_dfl_level;

/// Boxes of the level's anchors a0 ..< a1 (row-major cells): per side the expectation of the
/// softmax over its bins (the value itself when bins is 1), decoded as Ultralytics'
/// dist2bbox(xywh) around the cell centres times the stride, into `out`'s four rows `ld`
/// floats apart (out: the level's first anchor of row 0).
void zk_dfl_boxes(const zk_dfl_level *g, int a0, int a1, float *out, size_t ld, int portable);
/// As zk_dfl_boxes for OBB heads: Ultralytics' dist2rbox, boxes (centre x, centre y, width,
/// height) rotated by the anchor's angle, from `angle` (the level's angle logits, hw floats):
/// (sigmoid(v) - 1/4) · π, or v itself with `raw_angle`; the angles are stored in `angle_out`
/// (the level's first anchor of the output's angle row).
void zk_dfl_rboxes(const zk_dfl_level *g, const float *angle, int raw_angle, int a0, int a1, float *out, size_t ld,
                   float *angle_out, int portable);

/// out[c] = the largest of x[r * ld + c] over rows 0 ..< rows (NaN when any is NaN), for
/// columns 0 ..< count.
void zk_rows_max(const float *x, int rows, size_t ld, int count, float *out, int portable);
/// Rank keys of `count` values with indices first, first + 1, …: a larger key is a value that
/// torch.topk puts first (larger, NaN above all, -0 equal to +0, then the lower index); the
/// index is UINT32_MAX minus the key's low 32 bits.
void zk_rank_keys(const float *values, int count, uint32_t first, uint64_t *keys);
/// Moves the min(k, count) largest of `count` keys to keys[0 ..< k], largest first (the rest
/// are left in no order); returns that k.
int zk_top_keys(uint64_t *keys, int count, int k);

/// One head of attention: rows of `n` positions `ld` apart (position i of row d at
/// `row + d * ld + i`): `key_dim` query and key rows, `value_dim` value and output rows.
typedef struct {
    const float *q, *k, *v;
    float *out;
    int n, key_dim, value_dim, ld;
    float scale;
} zk_attention_head;

/// Floats of scratch one `zk_attention_queries` caller needs.
size_t zk_attention_scratch_count(int n, int key_dim, int value_dim);

/// Output columns q0 ..< q1 of one head: out[d][i] = Σ_j v[d][j] · softmax_j(scale · Σ_e
/// q[e][i] · k[e][j]), 16 queries at a time, using `scratch` (zk_attention_scratch_count
/// floats, this caller's own). Disjoint query ranges may run in parallel.
void zk_attention_queries(const zk_attention_head *h, int q0, int q1, float *scratch, int portable);

/// One plane of a depthwise convolution (PyTorch semantics, zero padding).
typedef struct {
    int h, w, ho, wo;
    int kh, kw, sh, sw, ph, pw, dh, dw;
} zk_dw_geometry;

/// Depthwise-convolves planes `p0 ..< p1` of `x` (planes × h × w, plane p of channel
/// p % channels, whose kh × kw taps start at k + channel · kh · kw) into `y` (planes × ho × wo),
/// storing `activation(sum · scale[ch] + shift[ch])` (NULL scale: 1, NULL shift: 0).
void zk_depthwise_planes(const float *x, const float *k, float *y, const zk_dw_geometry *g, int channels, int p0, int p1,
                         const float *scale, const float *shift, int activation, float param, int portable);

/// A unit of parallel work: `fn(context, index)`.
typedef void (*zk_task_fn)(void *context, int index);

/// Runs `fn(context, i)` for `0 <= i < count` on up to `threads` threads (the caller's
/// included) and returns when all are done. Tasks are handed out one at a time, so uneven
/// tasks balance. Calls from inside a task, and single-thread calls, run inline.
void zk_parallel_run(int threads, int count, zk_task_fn fn, void *context);

/// True when this CPU runs the AVX2 + FMA kernels.
int zk_has_avx2(void);

#ifdef __cplusplus
}
#endif

#endif
