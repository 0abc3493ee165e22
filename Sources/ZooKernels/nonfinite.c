// The scan that refuses NaN and infinite weights and inputs before a run: an exponent of all
// ones, tested on the bits, 32 floats a step.

#include "zoo_loading.h"
#include "simd_math.h"
#include <string.h>

static size_t zk_first_nonfinite_scalar(const float *x, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, x + i, 4);
        if ((bits & 0x7f800000u) == 0x7f800000u) return i;
    }
    return count;
}

#ifdef ZK_X86
ZK_AVX2 static size_t zk_first_nonfinite_avx2(const float *x, size_t count) {
    const __m256i exp = _mm256_set1_epi32(0x7f800000);
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        __m256i any = _mm256_setzero_si256();
        for (int k = 0; k < 4; k++) {
            __m256i v = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i + 8 * k)), exp);
            any = _mm256_or_si256(any, _mm256_cmpeq_epi32(v, exp));
        }
        if (!_mm256_testz_si256(any, any)) return i + zk_first_nonfinite_scalar(x + i, 32);
    }
    return i + zk_first_nonfinite_scalar(x + i, count - i);
}
#endif

size_t zk_first_nonfinite(const float *x, size_t count, int portable) {
#ifdef ZK_X86
    if (zk_use_avx2(portable)) return zk_first_nonfinite_avx2(x, count);
#endif
    (void)portable;
    return zk_first_nonfinite_scalar(x, count);
}
