// Stored half-precision weights widened to float: integer bit arithmetic, so every value
// (NaN payloads and signalling NaNs included) comes out as the scalar reference gives it.

#include "zoo_loading.h"
#include "simd_math.h"
#include <string.h>

static inline uint16_t zk_load_u16le(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static inline float zk_bits_float(uint32_t bits) {
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline float zk_half_value(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0x1f) return zk_bits_float(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
        float v = (float)mant * 0x1p-24f;
        return sign ? -v : v;
    }
    return zk_bits_float(sign | ((exp + 112) << 23) | (mant << 13));
}

static void zk_half_to_float_scalar(const unsigned char *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = zk_half_value(zk_load_u16le(src + 2 * i));
}

static void zk_bfloat16_to_float_scalar(const unsigned char *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = zk_bits_float((uint32_t)zk_load_u16le(src + 2 * i) << 16);
}

#if defined(ZK_X86) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
ZK_AVX2 static void zk_half_to_float_avx2(const unsigned char *src, float *dst, size_t count) {
    const __m256i sign_mask = _mm256_set1_epi32(0x8000), magnitude = _mm256_set1_epi32(0x7fff);
    const __m256i rebias = _mm256_set1_epi32(112 << 23), exp_max = _mm256_set1_epi32(0x7c00);
    const __m256i subnormal_base = _mm256_set1_epi32(113 << 23);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + 2 * i)));
        __m256i em = _mm256_and_si256(h, magnitude);
        __m256i sign = _mm256_slli_epi32(_mm256_and_si256(h, sign_mask), 16);
        __m256i exp = _mm256_and_si256(em, exp_max);
        __m256i bits = _mm256_add_epi32(_mm256_slli_epi32(em, 13), rebias);
        // Infinities and NaN: the exponent goes to all ones (31 + 112 + 112 = 255).
        __m256i is_max = _mm256_cmpeq_epi32(exp, exp_max);
        bits = _mm256_add_epi32(bits, _mm256_and_si256(is_max, rebias));
        // Zeros and subnormals: mant × 2⁻²⁴ as (2⁻¹⁴ + mant × 2⁻²⁴) − 2⁻¹⁴, both exact.
        __m256i is_zero_exp = _mm256_cmpeq_epi32(exp, _mm256_setzero_si256());
        __m256 sub = _mm256_sub_ps(_mm256_castsi256_ps(_mm256_add_epi32(bits, _mm256_set1_epi32(1 << 23))),
                                   _mm256_castsi256_ps(subnormal_base));
        bits = _mm256_blendv_epi8(bits, _mm256_castps_si256(sub), is_zero_exp);
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_or_si256(bits, sign)));
    }
    zk_half_to_float_scalar(src + 2 * i, dst + i, count - i);
}

ZK_AVX2 static void zk_bfloat16_to_float_avx2(const unsigned char *src, float *dst, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + 2 * i)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(h, 16)));
    }
    zk_bfloat16_to_float_scalar(src + 2 * i, dst + i, count - i);
}
#define ZK_WIDEN_AVX2 1
#endif

void zk_half_to_float(const void *src, float *dst, size_t count, int portable) {
#ifdef ZK_WIDEN_AVX2
    if (zk_use_avx2(portable)) {
        zk_half_to_float_avx2((const unsigned char *)src, dst, count);
        return;
    }
#endif
    (void)portable;
    zk_half_to_float_scalar((const unsigned char *)src, dst, count);
}

void zk_bfloat16_to_float(const void *src, float *dst, size_t count, int portable) {
#ifdef ZK_WIDEN_AVX2
    if (zk_use_avx2(portable)) {
        zk_bfloat16_to_float_avx2((const unsigned char *)src, dst, count);
        return;
    }
#endif
    (void)portable;
    zk_bfloat16_to_float_scalar((const unsigned char *)src, dst, count);
}
