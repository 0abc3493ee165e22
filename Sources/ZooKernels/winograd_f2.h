// Winograd F(2×2, 3×3): the transforms winograd.c runs for a desc whose `tile` is 2.
#ifndef ZK_WINOGRAD_F2_H
#define ZK_WINOGRAD_F2_H

#include "zoo_kernels.h"

/// V block of tiles t0 ..< t0+count of one image (`c` channels of h × w, `tw` tiles a row):
/// v[ξ * stride + channel * ldv + column], ξ < 16.
void zk_winograd_f2_input(const float *image, int c, int h, int w, int tw, int t0, int count, float *v, int ldv,
                          size_t stride);

/// Outputs of tiles t0 ..< t0+count, channels o0 ..< o1, from the M block
/// (m[ξ * stride + channel * ldm + column]), the desc's epilogue applied, then `image_res`
/// (NULL, or laid out as `image_out`) added.
void zk_winograd_f2_output(const zk_winograd_desc *d, const float *m, int ldm, size_t stride, float *image_out,
                           const float *image_res, int tw, int t0, int count, int o0, int o1);

#endif
