// Attention of one head over a tile of 16 queries at a time, scores, softmax and mixing in
// one pass over the tile (the scores never leave the caller's scratch, which a tile's 16
// columns keep in L1 for n up to about a thousand keys).
//
// The rows are read in place (each of the head's query, key and value rows holds one value per
// position, `ld` apart), so no layout copy but the tile's queries, scaled, into scratch. Scores
// are computed four keys by 16 queries at a time (8 accumulators, the keys broadcast), their
// maximum kept as they are stored; the exponentials are summed as they replace the scores;
// the mixing runs four value rows by 16 queries, and the division by the sums happens on the
// store.

#include <float.h>
#include <math.h>
#include <string.h>

#include "zoo_kernels.h"
#include "simd_math.h"

#define ZK_AT_TILE 16

size_t zk_attention_scratch_count(int n, int key_dim, int value_dim) {
    return (size_t)ZK_AT_TILE * ((size_t)n + (size_t)key_dim + (size_t)value_dim);
}

/// The tile's queries q0 ..< q0 + count times the scale into qt[d][16], zero past count.
static void zk_at_queries(const zk_attention_head *h, int q0, int count, float *qt) {
    for (int d = 0; d < h->key_dim; d++) {
        const float *src = h->q + (size_t)d * h->ld + q0;
        float *dst = qt + (size_t)d * ZK_AT_TILE;
        for (int i = 0; i < ZK_AT_TILE; i++) dst[i] = i < count ? src[i] * h->scale : 0.0f;
    }
}

/// The plain loops of the same tile.
static void zk_at_tile_scalar(const zk_attention_head *h, int q0, int count, float *scratch) {
    const int n = h->n;
    float *qt = scratch, *s = qt + (size_t)h->key_dim * ZK_AT_TILE;
    zk_at_queries(h, q0, count, qt);
    for (int i = 0; i < count; i++) {
        float top = -FLT_MAX;
        int nan = 0;
        for (int j = 0; j < n; j++) {
            float dot = 0.0f;
            for (int d = 0; d < h->key_dim; d++) dot += h->k[(size_t)d * h->ld + j] * qt[d * ZK_AT_TILE + i];
            s[(size_t)j * ZK_AT_TILE + i] = dot;
            if (dot != dot) nan = 1;
            if (dot > top) top = dot;
        }
        float total = 0.0f;
        for (int j = 0; j < n; j++) {
            float e = nan ? NAN : expf(s[(size_t)j * ZK_AT_TILE + i] - top);
            s[(size_t)j * ZK_AT_TILE + i] = e;
            total += e;
        }
        for (int d = 0; d < h->value_dim; d++) {
            float mixed = 0.0f;
            const float *v = h->v + (size_t)d * h->ld;
            for (int j = 0; j < n; j++) mixed += v[j] * s[(size_t)j * ZK_AT_TILE + i];
            h->out[(size_t)d * h->ld + q0 + i] = mixed / total;
        }
    }
}

#ifdef ZK_X86
/// `R` keys from `j` by the tile's 16 queries: scores stored, running maxima updated.
ZK_AVX2 static inline __attribute__((always_inline)) void
zk_at_scores(const zk_attention_head *h, const float *qt, float *s, int j, __m256 top[2], const int R) {
    __m256 acc[4][2];
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    const float *k = h->k + j;
    for (int d = 0; d < h->key_dim; d++, k += h->ld) {
        const __m256 a = _mm256_loadu_ps(qt + d * ZK_AT_TILE), b = _mm256_loadu_ps(qt + d * ZK_AT_TILE + 8);
        for (int i = 0; i < R; i++) {
            const __m256 kv = _mm256_broadcast_ss(k + i);
            acc[i][0] = _mm256_fmadd_ps(kv, a, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(kv, b, acc[i][1]);
        }
    }
    for (int i = 0; i < R; i++) {
        _mm256_storeu_ps(s + (size_t)(j + i) * ZK_AT_TILE, acc[i][0]);
        _mm256_storeu_ps(s + (size_t)(j + i) * ZK_AT_TILE + 8, acc[i][1]);
        // A NaN score may miss the maximum, but its exponential makes its column's sum, and
        // so the column's every output, NaN, as in PyTorch.
        top[0] = _mm256_max_ps(top[0], acc[i][0]);
        top[1] = _mm256_max_ps(top[1], acc[i][1]);
    }
}

/// `R` value rows from `d` of the tile: the mix of the exponentials, divided by their sums.
ZK_AVX2 static inline __attribute__((always_inline)) void
zk_at_mix(const zk_attention_head *h, const float *s, int q0, int d, const __m256 inverse[2], __m256i mask[2], int count,
          const int R) {
    __m256 acc[4][2];
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    const float *v = h->v + (size_t)d * h->ld;
    const size_t ld = (size_t)h->ld;
    for (int j = 0; j < h->n; j++) {
        const __m256 a = _mm256_loadu_ps(s + (size_t)j * ZK_AT_TILE), b = _mm256_loadu_ps(s + (size_t)j * ZK_AT_TILE + 8);
        for (int i = 0; i < R; i++) {
            const __m256 vv = _mm256_broadcast_ss(v + i * ld + j);
            acc[i][0] = _mm256_fmadd_ps(vv, a, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(vv, b, acc[i][1]);
        }
    }
    for (int i = 0; i < R; i++) {
        float *out = h->out + (size_t)(d + i) * ld + q0;
        const __m256 lo = _mm256_mul_ps(acc[i][0], inverse[0]), hi = _mm256_mul_ps(acc[i][1], inverse[1]);
        if (count == ZK_AT_TILE) {
            _mm256_storeu_ps(out, lo);
            _mm256_storeu_ps(out + 8, hi);
        } else {
            _mm256_maskstore_ps(out, mask[0], lo);
            _mm256_maskstore_ps(out + 8, mask[1], hi);
        }
    }
}

ZK_AVX2 static void zk_at_tile_avx2(const zk_attention_head *h, int q0, int count, float *scratch) {
    const int n = h->n;
    float *qt = scratch, *s = qt + (size_t)h->key_dim * ZK_AT_TILE;
    zk_at_queries(h, q0, count, qt);
    __m256 top[2] = {_mm256_set1_ps(-FLT_MAX), _mm256_set1_ps(-FLT_MAX)};
    int j = 0;
    for (; j + 4 <= n; j += 4) zk_at_scores(h, qt, s, j, top, 4);
    for (; j < n; j++) zk_at_scores(h, qt, s, j, top, 1);
    __m256 total[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    j = 0;
    for (; j + 2 <= n; j += 2) {
        float *row = s + (size_t)j * ZK_AT_TILE;
        __m256 e[4] = {_mm256_sub_ps(_mm256_loadu_ps(row), top[0]), _mm256_sub_ps(_mm256_loadu_ps(row + 8), top[1]),
                       _mm256_sub_ps(_mm256_loadu_ps(row + 16), top[0]), _mm256_sub_ps(_mm256_loadu_ps(row + 24), top[1])};
        zk_exp256n(e, 4);
        for (int i = 0; i < 4; i++) _mm256_storeu_ps(row + 8 * i, e[i]);
        total[0] = _mm256_add_ps(total[0], _mm256_add_ps(e[0], e[2]));
        total[1] = _mm256_add_ps(total[1], _mm256_add_ps(e[1], e[3]));
    }
    for (; j < n; j++) {
        float *row = s + (size_t)j * ZK_AT_TILE;
        __m256 e[2] = {_mm256_sub_ps(_mm256_loadu_ps(row), top[0]), _mm256_sub_ps(_mm256_loadu_ps(row + 8), top[1])};
        zk_exp256n(e, 2);
        _mm256_storeu_ps(row, e[0]);
        _mm256_storeu_ps(row + 8, e[1]);
        total[0] = _mm256_add_ps(total[0], e[0]);
        total[1] = _mm256_add_ps(total[1], e[1]);
    }
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 inverse[2] = {_mm256_div_ps(one, total[0]), _mm256_div_ps(one, total[1])};
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i mask[2] = {_mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane),
                       _mm256_cmpgt_epi32(_mm256_set1_epi32(count - 8), lane)};
    int d = 0;
    for (; d + 4 <= h->value_dim; d += 4) zk_at_mix(h, s, q0, d, inverse, mask, count, 4);
    for (; d < h->value_dim; d++) zk_at_mix(h, s, q0, d, inverse, mask, count, 1);
}
#endif

void zk_attention_queries(const zk_attention_head *h, int q0, int q1, float *scratch, int portable) {
    for (int t = q0; t < q1; t += ZK_AT_TILE) {
        const int count = q1 - t < ZK_AT_TILE ? q1 - t : ZK_AT_TILE;
#ifdef ZK_X86
        if (zk_use_avx2(portable)) {
            zk_at_tile_avx2(h, t, count, scratch);
            continue;
        }
#endif
        zk_at_tile_scalar(h, t, count, scratch);
    }
}
