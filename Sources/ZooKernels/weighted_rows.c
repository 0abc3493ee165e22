// Weighted sums of scattered rows: the bilinear gathers of deformable attention.

#include "zoo_kernels.h"
#include "simd_math.h"

static void zk_weighted_rows_scalar(float *acc, int count, const float *const *rows, const float *weights, int n) {
    for (int r = 0; r < n; r++) {
        const float *row = rows[r];
        const float w = weights[r];
        for (int c = 0; c < count; c++) acc[c] += w * row[c];
    }
}

#ifdef ZK_X86
// 64 channels stay in registers while every row is added, then the next 64.
ZK_AVX2 static void zk_weighted_rows_avx2(float *acc, int count, const float *const *rows, const float *weights, int n) {
    int c = 0;
    for (; c + 64 <= count; c += 64) {
        __m256 a[8];
        for (int k = 0; k < 8; k++) a[k] = _mm256_loadu_ps(acc + c + 8 * k);
        for (int r = 0; r < n; r++) {
            const __m256 w = _mm256_set1_ps(weights[r]);
            const float *row = rows[r] + c;
            for (int k = 0; k < 8; k++) a[k] = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + 8 * k), a[k]);
        }
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(acc + c + 8 * k, a[k]);
    }
    for (; c + 8 <= count; c += 8) {
        __m256 a = _mm256_loadu_ps(acc + c);
        for (int r = 0; r < n; r++) a = _mm256_fmadd_ps(_mm256_set1_ps(weights[r]), _mm256_loadu_ps(rows[r] + c), a);
        _mm256_storeu_ps(acc + c, a);
    }
    for (; c < count; c++) {
        float a = acc[c];
        for (int r = 0; r < n; r++) a += weights[r] * rows[r][c];
        acc[c] = a;
    }
}
#endif

void zk_weighted_rows(float *acc, int count, const float *const *rows, const float *weights, int n, int portable) {
#ifdef ZK_X86
    if (zk_use_avx2(portable)) {
        zk_weighted_rows_avx2(acc, count, rows, weights, n);
        return;
    }
#endif
    zk_weighted_rows_scalar(acc, count, rows, weights, n);
}
