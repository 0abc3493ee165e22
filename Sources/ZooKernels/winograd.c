// Winograd F(2×2, 3×3) transforms (Lavin & Gray, 2015). The 16 element-wise products of the
// transformed tiles are batched into GEMMs by the caller (zk_conv_panels), so this file only
// holds the three transforms. Multiplications per output drop from 9·c to 4·c.

#include "zoo_kernels.h"
#include "simd_math.h"
#include <string.h>

void zk_winograd_weights(const float *weight, int m, int c, float *dst) {
    const size_t plane = (size_t)m * c;
    for (int o = 0; o < m; o++) {
        for (int i = 0; i < c; i++) {
            const float *g = weight + ((size_t)o * c + i) * 9;
            float t[4][3];
            for (int j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int r = 0; r < 4; r++) {
                float u[4] = {t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]), 0.5f * (t[r][0] - t[r][1] + t[r][2]),
                              t[r][2]};
                for (int k = 0; k < 4; k++) dst[(size_t)(r * 4 + k) * plane + (size_t)o * c + i] = u[k];
            }
        }
    }
}

/// One tile from a 4×4 patch `d` (row-major), written to v[ξ * stride].
static inline void zk_winograd_tile(const float d[16], float *v, size_t stride) {
    float h[4][4];
    for (int i = 0; i < 4; i++) {
        const float *r = d + 4 * i;
        h[i][0] = r[0] - r[2];
        h[i][1] = r[1] + r[2];
        h[i][2] = r[2] - r[1];
        h[i][3] = r[1] - r[3];
    }
    for (int j = 0; j < 4; j++) {
        v[(size_t)(0 + j) * stride] = h[0][j] - h[2][j];
        v[(size_t)(4 + j) * stride] = h[1][j] + h[2][j];
        v[(size_t)(8 + j) * stride] = h[2][j] - h[1][j];
        v[(size_t)(12 + j) * stride] = h[1][j] - h[3][j];
    }
}

#ifdef ZK_X86
/// Elements p[0], p[2], …, p[14] and p[1], p[3], …, p[15].
ZK_AVX2 static inline void zk_deinterleave(const float *p, __m256 *even, __m256 *odd) {
    __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    __m256 e = _mm256_shuffle_ps(a, b, 0x88), o = _mm256_shuffle_ps(a, b, 0xDD);
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
}

/// Eight horizontally neighbouring tiles whose columns all lie inside the row; `rows[i]` is
/// input row 2ty-1+i at the first tile's first column, or NULL for a padding row.
ZK_AVX2 static void zk_winograd_tiles8(const float *rows[4], float *v, size_t stride) {
    __m256 h[4][4];
    for (int i = 0; i < 4; i++) {
        if (!rows[i]) {
            for (int j = 0; j < 4; j++) h[i][j] = _mm256_setzero_ps();
            continue;
        }
        __m256 d0, d1, d2, d3;
        zk_deinterleave(rows[i], &d0, &d1);
        zk_deinterleave(rows[i] + 2, &d2, &d3);
        h[i][0] = _mm256_sub_ps(d0, d2);
        h[i][1] = _mm256_add_ps(d1, d2);
        h[i][2] = _mm256_sub_ps(d2, d1);
        h[i][3] = _mm256_sub_ps(d1, d3);
    }
    for (int j = 0; j < 4; j++) {
        _mm256_storeu_ps(v + (size_t)(0 + j) * stride, _mm256_sub_ps(h[0][j], h[2][j]));
        _mm256_storeu_ps(v + (size_t)(4 + j) * stride, _mm256_add_ps(h[1][j], h[2][j]));
        _mm256_storeu_ps(v + (size_t)(8 + j) * stride, _mm256_sub_ps(h[2][j], h[1][j]));
        _mm256_storeu_ps(v + (size_t)(12 + j) * stride, _mm256_sub_ps(h[1][j], h[3][j]));
    }
}
#endif

void zk_winograd_input(const float *input, int c, int h, int w, float *v, int c0, int c1, int portable) {
    const int th = (h + 1) / 2, tw = (w + 1) / 2;
    const size_t tiles = (size_t)th * tw, stride = (size_t)c * tiles;
    const int vector = zk_use_avx2(portable);
    for (int ch = c0; ch < c1; ch++) {
        const float *x = input + (size_t)ch * h * w;
        float *vc = v + (size_t)ch * tiles;
        for (int ty = 0; ty < th; ty++) {
            const float *rows[4];
            for (int i = 0; i < 4; i++) {
                int y = 2 * ty - 1 + i;
                rows[i] = (y >= 0 && y < h) ? x + (size_t)y * w : NULL;
            }
            int tx = 0;
            while (tx < tw) {
#ifdef ZK_X86
                // Columns 2tx-1 … 2tx+16 of eight tiles, all inside the row.
                if (vector && tx >= 1 && 2 * tx + 16 <= w - 1) {
                    const float *shifted[4];
                    for (int i = 0; i < 4; i++) shifted[i] = rows[i] ? rows[i] + 2 * tx - 1 : NULL;
                    zk_winograd_tiles8(shifted, vc + (size_t)ty * tw + tx, stride);
                    tx += 8;
                    continue;
                }
#endif
                float d[16];
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) {
                        int xx = 2 * tx - 1 + j;
                        d[4 * i + j] = (rows[i] && xx >= 0 && xx < w) ? rows[i][xx] : 0.0f;
                    }
                }
                zk_winograd_tile(d, vc + (size_t)ty * tw + tx, stride);
                tx++;
            }
        }
    }
}

#ifdef ZK_X86
ZK_AVX2 static inline __m256 zk_affine_activate256(__m256 v, float scale, float shift, int activation, float param) {
    v = _mm256_fmadd_ps(v, _mm256_set1_ps(scale), _mm256_set1_ps(shift));
    return zk_activate256(v, activation, param);
}

/// Outputs of eight horizontally neighbouring tiles (16 columns of two rows), epilogue
/// included; `q` is the first tile's product for ξ = 0, `stride` apart per ξ.
ZK_AVX2 static void zk_winograd_output8(const float *q, size_t stride, float *r0, float *r1, float scale, float shift,
                                        int activation, float param) {
    __m256 s0[4], s1[4];
    for (int j = 0; j < 4; j++) {
        __m256 a = _mm256_loadu_ps(q + (size_t)j * stride), b = _mm256_loadu_ps(q + (size_t)(4 + j) * stride);
        __m256 c = _mm256_loadu_ps(q + (size_t)(8 + j) * stride), d = _mm256_loadu_ps(q + (size_t)(12 + j) * stride);
        s0[j] = _mm256_add_ps(_mm256_add_ps(a, b), c);
        s1[j] = _mm256_sub_ps(_mm256_sub_ps(b, c), d);
    }
    __m256 rows[2][2] = {
        {_mm256_add_ps(_mm256_add_ps(s0[0], s0[1]), s0[2]), _mm256_sub_ps(_mm256_sub_ps(s0[1], s0[2]), s0[3])},
        {_mm256_add_ps(_mm256_add_ps(s1[0], s1[1]), s1[2]), _mm256_sub_ps(_mm256_sub_ps(s1[1], s1[2]), s1[3])},
    };
    float *out[2] = {r0, r1};
    for (int r = 0; r < 2; r++) {
        if (!out[r]) continue;
        __m256 even = zk_affine_activate256(rows[r][0], scale, shift, activation, param);
        __m256 odd = zk_affine_activate256(rows[r][1], scale, shift, activation, param);
        __m256 lo = _mm256_unpacklo_ps(even, odd), hi = _mm256_unpackhi_ps(even, odd);
        _mm256_storeu_ps(out[r], _mm256_permute2f128_ps(lo, hi, 0x20));
        _mm256_storeu_ps(out[r] + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    }
}
#endif

void zk_winograd_output(const float *mprod, int m, int h, int w, float *output, const float *scale,
                        const float *shift, int activation, float param, int m0, int m1, int portable) {
    const int th = (h + 1) / 2, tw = (w + 1) / 2;
    const size_t tiles = (size_t)th * tw, stride = (size_t)m * tiles;
    const int vector = zk_use_avx2(portable);
    for (int o = m0; o < m1; o++) {
        const float *p = mprod + (size_t)o * tiles;
        float *y = output + (size_t)o * h * w;
        float sc = scale ? scale[o] : 1.0f, sh = shift ? shift[o] : 0.0f;
        for (int ty = 0; ty < th; ty++) {
            float *r0 = y + (size_t)(2 * ty) * w;
            float *r1 = 2 * ty + 1 < h ? r0 + w : NULL;
            int tx = 0;
#ifdef ZK_X86
            // Full groups of eight tiles: the epilogue is applied here, in registers.
            if (vector) {
                for (; 2 * tx + 16 <= w; tx += 8) {
                    zk_winograd_output8(p + (size_t)ty * tw + tx, stride, r0 + 2 * tx, r1 ? r1 + 2 * tx : NULL, sc, sh,
                                        activation, param);
                }
            }
#endif
            int first = tx;
            for (; tx < tw; tx++) {
                const float *q = p + (size_t)ty * tw + tx;
                float s0[4], s1[4];
                for (int j = 0; j < 4; j++) {
                    float a = q[(size_t)j * stride], b = q[(size_t)(4 + j) * stride];
                    float cc = q[(size_t)(8 + j) * stride], d = q[(size_t)(12 + j) * stride];
                    s0[j] = a + b + cc;
                    s1[j] = b - cc - d;
                }
                int x = 2 * tx;
                r0[x] = s0[0] + s0[1] + s0[2];
                if (x + 1 < w) r0[x + 1] = s0[1] - s0[2] - s0[3];
                if (r1) {
                    r1[x] = s1[0] + s1[1] + s1[2];
                    if (x + 1 < w) r1[x + 1] = s1[1] - s1[2] - s1[3];
                }
            }
            // The columns the tile loop above wrote get their epilogue here.
            if (first < tw && (sc != 1.0f || sh != 0.0f || activation != ZK_ACT_IDENTITY)) {
                size_t x0 = (size_t)(2 * first), n = (size_t)w - x0;
                zk_activation_array(r0 + x0, r0 + x0, n, activation, param, sc, sh, portable);
                if (r1) zk_activation_array(r1 + x0, r1 + x0, n, activation, param, sc, sh, portable);
            }
        }
    }
}
