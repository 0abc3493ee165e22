// The pieces of an end-to-end head's top-k (Ultralytics' Detect.postprocess): the largest value
// of each column over a few rows (NaN wins, as in torch.max), a rank key per value, and a
// selection of the k largest keys. A key orders values as torch.topk does: larger first, NaN
// above everything, equal values by the lower index. Selection keeps a k-element min-heap of
// keys, so any input costs at most n·log k steps (no quadratic worst case), and most values
// of a peaked score map are one compare against the heap's smallest key.

#include <stdint.h>
#include <string.h>

#include "zoo_kernels.h"
#include "simd_math.h"

static void zk_rows_max_scalar(const float *x, int rows, size_t ld, int c0, int c1, float *out) {
    for (int c = c0; c < c1; c++) {
        float m = x[c];
        for (int r = 1; r < rows && m == m; r++) {
            const float v = x[(size_t)r * ld + c];
            if (v > m || v != v) m = v;
        }
        out[c] = m;
    }
}

#ifdef ZK_X86
/// Columns from c0, eight at a time: returns the first column left.
ZK_AVX2 static int zk_rows_max_avx2(const float *x, int rows, size_t ld, int c0, int c1, float *out) {
    int c = c0;
    for (; c + 8 <= c1; c += 8) {
        __m256 m = _mm256_loadu_ps(x + c), nan = _mm256_cmp_ps(m, m, _CMP_UNORD_Q);
        for (int r = 1; r < rows; r++) {
            const __m256 v = _mm256_loadu_ps(x + (size_t)r * ld + c);
            nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
            m = _mm256_max_ps(m, v);
        }
        _mm256_storeu_ps(out + c, _mm256_blendv_ps(m, _mm256_set1_ps(__builtin_nanf("")), nan));
    }
    return c;
}
#endif

void zk_rows_max(const float *x, int rows, size_t ld, int count, float *out, int portable) {
    int c = 0;
    if (rows < 1 || count < 1) return;
#ifdef ZK_X86
    if (zk_use_avx2(portable)) c = zk_rows_max_avx2(x, rows, ld, 0, count, out);
#endif
    zk_rows_max_scalar(x, rows, ld, c, count, out);
}

void zk_rank_keys(const float *values, int count, uint32_t first, uint64_t *keys) {
    for (int i = 0; i < count; i++) {
        // + 0 makes -0 equal to +0; the flip orders the bits as the floats; NaN tops all.
        const float v = values[i] + 0.0f;
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        bits = v != v ? UINT32_MAX : (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
        keys[i] = (uint64_t)bits << 32 | (uint32_t)(UINT32_MAX - (first + (uint32_t)i));
    }
}

static inline void zk_sift_down(uint64_t *heap, int size, int i) {
    const uint64_t key = heap[i];
    for (;;) {
        int child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && heap[child + 1] < heap[child]) child++;
        if (heap[child] >= key) break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = key;
}

int zk_top_keys(uint64_t *keys, int count, int k) {
    if (k > count) k = count;
    if (k <= 0) return 0;
    for (int i = k / 2 - 1; i >= 0; i--) zk_sift_down(keys, k, i);
    for (int i = k; i < count; i++) {
        if (keys[i] > keys[0]) {
            keys[0] = keys[i];
            zk_sift_down(keys, k, 0);
        }
    }
    // Heap sort: the smallest goes last each time, which leaves the k keys largest first.
    for (int size = k - 1; size > 0; size--) {
        const uint64_t smallest = keys[0];
        keys[0] = keys[size];
        keys[size] = smallest;
        zk_sift_down(keys, size, 0);
    }
    return k;
}
