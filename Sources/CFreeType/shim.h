// Debian: libfreetype-dev (pkg-config `freetype2`, headers under /usr/include/freetype2).
#include <ft2build.h>
#include FT_FREETYPE_H
