#include "zoo_kernels.h"
#include "simd_math.h"

#ifdef ZK_X86
int zk_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}
#else
int zk_has_avx2(void) { return 0; }
#endif
