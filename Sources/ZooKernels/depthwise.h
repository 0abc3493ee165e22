// What depthwise.c and depthwise_rows.c share. Internal to ZooKernels.
#ifndef ZOO_DEPTHWISE_H
#define ZOO_DEPTHWISE_H

#include "zoo_kernels.h"

/// The epilogue of one channel: scale, shift, activation.
typedef struct {
    float scale, shift;
    int activation;
    float param;
} zk_dw_epilogue;

/// One plane by the row-buffered AVX2 kernel (kernel widths 3, 5 and 7, strides 1 and 2, no
/// dilation); returns 0, having written nothing, for a geometry it does not take.
int zk_dw_plane_rows(const float *x, const float *k, float *y, const zk_dw_geometry *g, const zk_dw_epilogue *e);

#endif
