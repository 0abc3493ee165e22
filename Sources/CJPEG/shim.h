// Debian: libjpeg62-turbo-dev (pkg-config `libjpeg`). jpeglib.h needs stdio.h first.
#include <stdio.h>
#include <jpeglib.h>
