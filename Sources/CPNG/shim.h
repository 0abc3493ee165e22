// Debian: libpng-dev (pkg-config `libpng`, headers under /usr/include/libpng16).
#include <png.h>
