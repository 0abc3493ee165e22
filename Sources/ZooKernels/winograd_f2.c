// Winograd F(2×2, 3×3) (Lavin & Gray, 2015): 16 transformed planes instead of F(4×4)'s 36, so
// its transformed weights are 16/9 of the kernel's size instead of 4×, for 4 multiplications
// per output and channel instead of 2.25. ZooCPU picks it where the weights dominate (large
// channel counts on small maps), where the transforms are a small share of the work: they run
// one tile at a time in plain C, on either build; the GEMMs are winograd.c's.

#include "winograd_f2.h"
#include "simd_math.h"

/// Bᵀ of F(2×2, 3×3) on a column or row of four values.
static inline void zk_bt4(const float v[4], float o[4]) {
    o[0] = v[0] - v[2];
    o[1] = v[1] + v[2];
    o[2] = v[2] - v[1];
    o[3] = v[1] - v[3];
}

/// Aᵀ of F(2×2, 3×3): four values to two.
static inline void zk_at4(const float v[4], float o[2]) {
    o[0] = v[0] + v[1] + v[2];
    o[1] = v[1] - v[2] - v[3];
}

void zk_winograd_f2_input(const float *image, int c, int h, int w, int tw, int t0, int count, float *v, int ldv,
                          size_t stride) {
    for (int ch = 0; ch < c; ch++) {
        const float *x = image + (size_t)ch * h * w;
        float *vc = v + (size_t)ch * ldv;
        for (int j = 0; j < count; j++) {
            int t = t0 + j, y0 = 2 * (t / tw) - 1, x0 = 2 * (t % tw) - 1;
            float d[4][4], r[4][4];
            for (int i = 0; i < 4; i++) {
                int y = y0 + i;
                for (int k = 0; k < 4; k++) {
                    int xx = x0 + k;
                    d[i][k] = (y >= 0 && y < h && xx >= 0 && xx < w) ? x[(size_t)y * w + xx] : 0.0f;
                }
                zk_bt4(d[i], r[i]);
            }
            for (int s = 0; s < 4; s++) {
                float col[4] = {r[0][s], r[1][s], r[2][s], r[3][s]}, out[4];
                zk_bt4(col, out);
                for (int q = 0; q < 4; q++) vc[(size_t)(q * 4 + s) * stride + j] = out[q];
            }
        }
    }
}

void zk_winograd_f2_output(const zk_winograd_desc *d, const float *m, int ldm, size_t stride, float *image_out,
                           const float *image_res, int tw, int t0, int count, int o0, int o1) {
    for (int o = o0; o < o1; o++) {
        const float *q = m + (size_t)o * ldm;
        float *y = image_out + (size_t)o * d->h * d->w;
        const float *res = image_res ? image_res + (size_t)o * d->h * d->w : NULL;
        float scale = d->scale ? d->scale[o] : 1.0f, shift = d->shift ? d->shift[o] : 0.0f;
        for (int j = 0; j < count; j++) {
            int t = t0 + j, y0 = 2 * (t / tw), x0 = 2 * (t % tw);
            float r[2][4];
            for (int s = 0; s < 4; s++) {
                float col[4] = {q[(size_t)s * stride + j], q[(size_t)(4 + s) * stride + j],
                                q[(size_t)(8 + s) * stride + j], q[(size_t)(12 + s) * stride + j]}, out[2];
                zk_at4(col, out);
                r[0][s] = out[0];
                r[1][s] = out[1];
            }
            for (int i = 0; i < 2 && y0 + i < d->h; i++) {
                float out[2];
                zk_at4(r[i], out);
                float *row = y + (size_t)(y0 + i) * d->w;
                const float *res_row = res ? res + (size_t)(y0 + i) * d->w : NULL;
                for (int k = 0; k < 2 && x0 + k < d->w; k++) {
                    float value = zk_activate(out[k] * scale + shift, d->activation, d->activation_param);
                    row[x0 + k] = res_row ? value + res_row[x0 + k] : value;
                }
            }
        }
    }
}

void zk_winograd_f2_weights(const float *weight, int m, int c, float *dst, size_t j0, size_t j1) {
    const size_t plane = (size_t)m * c;
    for (size_t j = j0; j < j1; j++) {
        const float *g = weight + j * 9;
        float t[4][3];
        for (int k = 0; k < 3; k++) {
            float a = g[k], b = g[3 + k], e = g[6 + k];
            t[0][k] = a;
            t[1][k] = 0.5f * (a + b + e);
            t[2][k] = 0.5f * (a - b + e);
            t[3][k] = e;
        }
        for (int r = 0; r < 4; r++) {
            float a = t[r][0], b = t[r][1], e = t[r][2];
            float *u = dst + (size_t)(r * 4) * plane + j;
            u[0] = a;
            u[plane] = 0.5f * (a + b + e);
            u[2 * plane] = 0.5f * (a - b + e);
            u[3 * plane] = e;
        }
    }
}
