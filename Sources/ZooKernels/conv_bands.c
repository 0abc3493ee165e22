// The GEMM convolution over bands of output rows, each band's rearranged input prepared just
// before its panels run (see zk_band_desc in zoo_kernels.h).
//
// A band's scratch holds, per channel, the stride_h row phases one after another, each as
// stride_w phase planes; row phase `py` is as high as the band's output rows plus the rows its
// taps reach below them (0 when no tap of the kernel falls on it, e.g. a 1×1 stride-2 conv's
// odd rows), so that no row is prepared that the band does not read.

#include "zoo_kernels.h"
#include <string.h>

/// Rows of row phase `py` that a band of `band_rows` output rows reads (0 for an unused phase).
static int zk_band_phase_rows(const zk_conv_geometry *g, int band_rows, int py) {
    int reach = -1;
    for (int ky = 0; ky < g->kernel_h; ky++) {
        int y = ky * g->dilation_h;
        if (y % g->stride_h == py && y / g->stride_h > reach) reach = y / g->stride_h;
    }
    return reach < 0 ? 0 : band_rows + reach;
}

/// Floats of one channel of a band.
static size_t zk_band_channel(const zk_conv_geometry *g, int band_rows) {
    size_t rows = 0;
    for (int py = 0; py < g->stride_h; py++) rows += (size_t)zk_band_phase_rows(g, band_rows, py);
    return rows * g->stride_w * (size_t)zk_virtual_width(g);
}

static size_t zk_band_body(const zk_conv_geometry *g, int band_rows) {
    return (size_t)g->channels * zk_band_channel(g, band_rows);
}

/// Tile columns the panels of `rows` output rows compute, ragged last panel included.
static double zk_band_columns(const zk_conv_geometry *g, int rows) {
    long n = (long)(rows - 1) * zk_virtual_width(g) + g->out_w;
    return (double)((n + ZK_NR - 1) / ZK_NR * ZK_NR);
}

/// Relative cost per output row of bands of `rows` rows: the tile columns computed per real
/// output column, plus rearranging (about an eighth of a strided conv's time when each input
/// row is rearranged once) for the rows rearranged per input row, plus a growing penalty for
/// bands beyond `band_bytes` (they start to push the weights out of L2).
static double zk_band_cost(const zk_conv_geometry *g, int rows, size_t band_bytes) {
    double prepared = 0;
    for (int py = 0; py < g->stride_h; py++) prepared += zk_band_phase_rows(g, rows, py);
    double bytes = (double)zk_band_body(g, rows) * sizeof(float);
    double over = band_bytes > 0 && bytes > (double)band_bytes ? bytes / (double)band_bytes - 1 : 0;
    return zk_band_columns(g, rows) / ((double)rows * g->out_w) + 0.12 * prepared / ((double)rows * g->stride_h) +
           0.1 * over;
}

int zk_band_rows(const zk_conv_geometry *g, size_t band_bytes, int workers) {
    if (!zk_needs_prepared_input(g) || g->out_h <= 0 || g->out_w <= 0) return 0;
    int cap = workers > 0 ? (g->out_h + 2 * workers - 1) / (2 * workers) : g->out_h;
    if (cap > 64) cap = 64;
    int best = 1;
    double best_cost = zk_band_cost(g, 1, band_bytes);
    for (int rows = 2; rows <= cap; rows++) {
        if ((double)zk_band_body(g, rows) * sizeof(float) > 2.0 * (double)band_bytes) break;
        double cost = zk_band_cost(g, rows, band_bytes);
        if (cost < best_cost) best = rows, best_cost = cost;
    }
    // The whole input rearranged at once: its panels are ragged only at the image's end, each
    // input row is rearranged once, but the rearranged tensor makes a trip through memory.
    double whole = zk_band_columns(g, g->out_h) / ((double)g->out_h * g->out_w) + 0.12 + 0.08;
    return zk_band_cost(g, best, 0) <= whole ? best : 0;
}

size_t zk_band_scratch_count(const zk_conv_geometry *g, int band_rows) {
    return zk_band_body(g, band_rows) + (size_t)zk_virtual_width(g) + ZK_NR;
}

void zk_band_row_offsets(const zk_conv_geometry *g, int band_rows, int *offsets) {
    const int sh = g->stride_h, sw = g->stride_w, wq = zk_virtual_width(g), taps = g->kernel_h * g->kernel_w;
    const size_t channel = zk_band_channel(g, band_rows);
    for (int ci = 0; ci < g->channels; ci++) {
        for (int ky = 0; ky < g->kernel_h; ky++) {
            int y = ky * g->dilation_h, py = y % sh;
            size_t base = (size_t)ci * channel;
            for (int p = 0; p < py; p++) base += (size_t)zk_band_phase_rows(g, band_rows, p) * sw * wq;
            size_t plane = (size_t)zk_band_phase_rows(g, band_rows, py) * wq;
            for (int kx = 0; kx < g->kernel_w; kx++) {
                int x = kx * g->dilation_w;
                offsets[ci * taps + ky * g->kernel_w + kx] = (int)(base + (x % sw) * plane + (size_t)(y / sh) * wq + x / sw);
            }
        }
    }
}

int zk_band_count(const zk_band_desc *d) {
    if (d->band_rows <= 0) return 0;
    return (d->geometry.out_h + d->band_rows - 1) / d->band_rows;
}

/// Prepares every channel of the band whose first output row is `oy0`. A band reads a short run
/// of input rows per channel, too short for the hardware prefetcher: fetch the next channel's
/// run while this one is rearranged.
static void zk_prepare_band(const zk_conv_geometry *g, const float *x, int band_rows, int oy0, float *dst) {
    const int sh = g->stride_h, sw = g->stride_w, wq = zk_virtual_width(g);
    const size_t plane = (size_t)g->in_h * g->in_w;
    int y0 = oy0 * sh - g->pad_h, y1 = (oy0 + band_rows) * sh - g->pad_h + (g->kernel_h - 1) * g->dilation_h;
    if (y0 < 0) y0 = 0;
    if (y1 > g->in_h) y1 = g->in_h;
    const size_t run = y1 > y0 ? (size_t)(y1 - y0) * g->in_w * sizeof(float) : 0;
    for (int ci = 0; ci < g->channels; ci++) {
        const float *src = x + ci * plane;
        if (ci + 1 < g->channels) {
            const char *next = (const char *)(src + plane + (size_t)y0 * g->in_w);
            for (size_t b = 0; b < run; b += 64) __builtin_prefetch(next + b, 0, 2);
        }
        for (int py = 0; py < sh; py++) {
            int rows = zk_band_phase_rows(g, band_rows, py);
            if (rows == 0) continue;
            zk_prepare_phase_rows(g, src, py, oy0, rows, (size_t)rows * wq, dst);
            dst += (size_t)rows * sw * wq;
        }
    }
}

void zk_conv_bands_run(const zk_band_desc *d, float *scratch, int *next_band, int portable) {
    const zk_conv_geometry *g = &d->geometry;
    const int bands = zk_band_count(d);
    const int ldc = d->conv.ldc > 0 ? d->conv.ldc : g->out_h * g->out_w;
    // The slack the last panel's reads may touch past the band's last plane.
    memset(scratch + zk_band_body(g, d->band_rows), 0, ((size_t)zk_virtual_width(g) + ZK_NR) * sizeof(float));
    for (;;) {
        int band = __atomic_fetch_add(next_band, 1, __ATOMIC_RELAXED);
        if (band >= bands) break;
        int oy0 = band * d->band_rows;
        zk_prepare_band(g, d->input, d->band_rows, oy0, scratch);
        zk_conv_desc c = d->conv;
        c.input = scratch;
        c.out_h = g->out_h - oy0 < d->band_rows ? g->out_h - oy0 : d->band_rows;
        c.output = d->conv.output + (size_t)oy0 * g->out_w;
        if (c.residual) c.residual += (size_t)oy0 * g->out_w;
        c.ldc = ldc;
        zk_conv_panels(&c, 0, zk_panel_count(&c), portable);
    }
}
