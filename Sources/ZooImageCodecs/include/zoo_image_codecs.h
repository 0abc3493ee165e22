// Thin C wrappers over libjpeg(-turbo) and libpng for LayerZooVision.
//
// Both libraries report fatal errors by longjmp, which Swift cannot catch; these wrappers own
// the setjmp and turn every failure into a return code plus a message. Nothing here allocates
// an image buffer: callers read the header first, check the size, and pass a buffer.
#ifndef ZOO_IMAGE_CODECS_H
#define ZOO_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// JPEG colour spaces as the header declares them.
enum { ZI_JPEG_GRAY = 1, ZI_JPEG_COLOR = 2, ZI_JPEG_CMYK = 3, ZI_JPEG_YCCK = 4, ZI_JPEG_OTHER = 5 };

typedef struct {
    int width;
    int height;
    int components;
    int color_space;
} zi_jpeg_info;

/// Reads the header (up to the first scan). 0 on success, else -1 with `message` set.
int zi_jpeg_read_info(const uint8_t *data, size_t size, zi_jpeg_info *info, char *message, size_t message_size);

/// Decodes a grey or colour JPEG into 8-bit BGR (grey replicated), `out` holding
/// width * height * 3 bytes. Returns 0, 1 when the data ended early (libjpeg pads the rest;
/// treated as an error by the caller), or -1 with `message` set.
int zi_jpeg_decode_bgr(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                       char *message, size_t message_size);

/// Encodes 8-bit BGR rows (`width * 3` bytes each) as a baseline JPEG of `quality` (1...100,
/// 4:2:0 as OpenCV's imwrite writes) in a buffer returned in `*out` (free with `zi_free`).
/// 0 on success, else -1 with `message` set.
int zi_jpeg_encode_bgr(const uint8_t *bgr, uint32_t width, uint32_t height, int quality, uint8_t **out,
                       size_t *out_size, char *message, size_t message_size);

typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int color_type;
    int interlaced;
} zi_png_info;

/// Reads the header chunks up to the image data. 0 on success, else -1 with `message` set.
int zi_png_read_info(const uint8_t *data, size_t size, zi_png_info *info, char *message, size_t message_size);

/// Decodes any PNG into 8-bit BGR as OpenCV's IMREAD_COLOR does: palette expanded, grey
/// replicated, alpha dropped, 16-bit samples reduced to their high byte. `out` holds
/// width * height * 3 bytes. 0 on success, else -1 with `message` set.
int zi_png_decode_bgr(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                      char *message, size_t message_size);

/// Encodes 8-bit RGB rows (`width * 3` bytes each) as a PNG in a malloc'ed buffer returned in
/// `*out` (free with `zi_free`). 0 on success, else -1 with `message` set.
int zi_png_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height, uint8_t **out, size_t *out_size,
                      char *message, size_t message_size);

void zi_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
