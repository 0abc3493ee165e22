// Seeded weight streams: every element its own splitmix64 draw, four lanes at a time.

#include "zoo_loading.h"
#include "simd_math.h"

// The Swift reference rounds the product and the sum apart; a contracted FMA would change the
// last bit of `offset + scale * u`, and the PyTorch fixtures are made from these exact values.
#pragma STDC FP_CONTRACT OFF

#define ZK_GOLDEN 0x9e3779b97f4a7c15ULL
#define ZK_MIX1 0xbf58476d1ce4e5b9ULL
#define ZK_MIX2 0x94d049bb133111ebULL

static inline float zk_seeded_value(uint64_t state, size_t index, int symmetric, float scale, float offset) {
    uint64_t z = state + (uint64_t)(index + 1) * ZK_GOLDEN;
    z = (z ^ (z >> 30)) * ZK_MIX1;
    z = (z ^ (z >> 27)) * ZK_MIX2;
    z ^= z >> 31;
    float u = (float)(uint32_t)(z >> 40) * 0x1p-24f;
    if (symmetric) {
        float t = 2.0f * u - 1.0f;
        return t * scale;
    }
    float s = scale * u;
    return offset + s;
}

static void zk_seeded_fill_scalar(float *dst, size_t first, size_t count, uint64_t state, int symmetric, float scale,
                                  float offset) {
    for (size_t j = 0; j < count; j++) dst[j] = zk_seeded_value(state, first + j, symmetric, scale, offset);
}

#ifdef ZK_X86
/// The low 64 bits of each lane of `a` × the constant `b` (AVX2 has no 64-bit multiply).
ZK_AVX2 static inline __m256i zk_mul64(__m256i a, uint64_t b) {
    const __m256i lo = _mm256_set1_epi64x((long long)(b & 0xffffffffULL));
    const __m256i hi = _mm256_set1_epi64x((long long)(b >> 32));
    __m256i low = _mm256_mul_epu32(a, lo);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), lo), _mm256_mul_epu32(a, hi));
    return _mm256_add_epi64(low, _mm256_slli_epi64(cross, 32));
}

/// u for four consecutive counters held in `z` (state + counter × golden), as four floats.
ZK_AVX2 static inline __m128 zk_seeded_uniform4(__m256i z) {
    z = zk_mul64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 30)), ZK_MIX1);
    z = zk_mul64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 27)), ZK_MIX2);
    z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
    // z >> 40 < 2^24: the low dword of each lane holds it, and converts to float exactly.
    __m256i top = _mm256_srli_epi64(z, 40);
    __m256i packed = _mm256_permutevar8x32_epi32(top, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
    return _mm_mul_ps(_mm_cvtepi32_ps(_mm256_castsi256_si128(packed)), _mm_set1_ps(0x1p-24f));
}

ZK_AVX2 static void zk_seeded_fill_avx2(float *dst, size_t first, size_t count, uint64_t state, int symmetric,
                                        float scale, float offset) {
    size_t j = 0;
    if (count >= 8) {
        const uint64_t base = state + (uint64_t)(first + 1) * ZK_GOLDEN;
        __m256i z0 = _mm256_setr_epi64x((long long)base, (long long)(base + ZK_GOLDEN), (long long)(base + 2 * ZK_GOLDEN),
                                        (long long)(base + 3 * ZK_GOLDEN));
        __m256i z1 = _mm256_add_epi64(z0, _mm256_set1_epi64x((long long)(4 * ZK_GOLDEN)));
        const __m256i step = _mm256_set1_epi64x((long long)(8 * ZK_GOLDEN));
        const __m256 vscale = _mm256_set1_ps(scale), voffset = _mm256_set1_ps(offset);
        const __m256 two = _mm256_set1_ps(2.0f), one = _mm256_set1_ps(1.0f);
        for (; j + 8 <= count; j += 8) {
            __m256 u = _mm256_set_m128(zk_seeded_uniform4(z1), zk_seeded_uniform4(z0));
            __m256 v = symmetric ? _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(two, u), one), vscale)
                                 : _mm256_add_ps(voffset, _mm256_mul_ps(vscale, u));
            _mm256_storeu_ps(dst + j, v);
            z0 = _mm256_add_epi64(z0, step);
            z1 = _mm256_add_epi64(z1, step);
        }
    }
    zk_seeded_fill_scalar(dst + j, first + j, count - j, state, symmetric, scale, offset);
}
#endif

void zk_seeded_fill(float *dst, size_t first, size_t count, uint64_t state, int symmetric, float scale, float offset,
                    int portable) {
#ifdef ZK_X86
    if (zk_use_avx2(portable)) {
        zk_seeded_fill_avx2(dst, first, count, state, symmetric, scale, offset);
        return;
    }
#endif
    zk_seeded_fill_scalar(dst, first, count, state, symmetric, scale, offset);
}
