// The loops of weight loading: seeded weight streams (LayerZoo's SeededWeights), the
// widening of stored half-precision tensors, and the scan for NaN and infinities.
#ifndef ZOO_LOADING_H
#define ZOO_LOADING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Writes elements `first ..< first + count` of the stream `state` to `dst[0 ..< count]`:
/// element i is u = (splitmix64 at counter i + 1 of `state`) >> 40, × 2⁻²⁴, stored as
/// `(2u - 1) × scale` when `symmetric`, else `offset + scale × u`, each operation rounded to
/// float on its own (no fused multiply-add), so the values are the Swift reference's bit for
/// bit. Disjoint ranges of one stream may be filled in parallel.
void zk_seeded_fill(float *dst, size_t first, size_t count, uint64_t state, int symmetric, float scale, float offset,
                    int portable);

/// Widens `count` little-endian IEEE binary16 values at `src` (any alignment) to floats at
/// `dst`, exactly (subnormals, infinities and NaN payloads kept, signalling NaNs included).
void zk_half_to_float(const void *src, float *dst, size_t count, int portable);

/// Widens `count` little-endian bfloat16 values at `src` (any alignment) to floats at `dst`.
void zk_bfloat16_to_float(const void *src, float *dst, size_t count, int portable);

/// The index of the first NaN or infinity among `x[0 ..< count]`, or `count` when all are finite.
size_t zk_first_nonfinite(const float *x, size_t count, int portable);

#ifdef __cplusplus
}
#endif

#endif
