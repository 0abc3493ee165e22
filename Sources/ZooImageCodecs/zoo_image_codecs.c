#include "zoo_image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

static void copy_message(char *message, size_t message_size, const char *text) {
    if (message == NULL || message_size == 0) return;
    snprintf(message, message_size, "%s", text);
}

/* ------------------------------------------------------------------------------------ JPEG */

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int premature_end;
    char text[JMSG_LENGTH_MAX];
    unsigned char *output;
    unsigned long output_size;
} zi_jpeg_error;

static void zi_jpeg_error_exit(j_common_ptr cinfo) {
    zi_jpeg_error *err = (zi_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->text);
    longjmp(err->jump, 1);
}

static void zi_jpeg_emit_message(j_common_ptr cinfo, int level) {
    zi_jpeg_error *err = (zi_jpeg_error *)cinfo->err;
    if (level < 0) {  // a warning: remember when the data ran out, say nothing on stderr
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) err->premature_end = 1;
        cinfo->err->num_warnings++;
    }
}

// A progressive JPEG may declare thousands of scans, each a pass over the whole image: a few
// kilobytes that decode for minutes. Real encoders use about ten; refuse more than 500 (as
// djpeg -maxscans does).
#define ZI_JPEG_MAX_SCANS 500

static void zi_jpeg_progress(j_common_ptr cinfo) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > ZI_JPEG_MAX_SCANS) {
        zi_jpeg_error *err = (zi_jpeg_error *)cinfo->err;
        snprintf(err->text, sizeof(err->text), "more than %d progressive scans", ZI_JPEG_MAX_SCANS);
        longjmp(err->jump, 1);
    }
}

static void zi_jpeg_setup(struct jpeg_decompress_struct *cinfo, zi_jpeg_error *err,
                          struct jpeg_progress_mgr *progress) {
    memset(err, 0, sizeof(*err));
    cinfo->err = jpeg_std_error(&err->base);
    err->base.error_exit = zi_jpeg_error_exit;
    err->base.emit_message = zi_jpeg_emit_message;
    memset(progress, 0, sizeof(*progress));
    progress->progress_monitor = zi_jpeg_progress;
}

static int zi_jpeg_space(J_COLOR_SPACE space) {
    switch (space) {
    case JCS_GRAYSCALE: return ZI_JPEG_GRAY;
    case JCS_YCbCr: case JCS_RGB: return ZI_JPEG_COLOR;
    case JCS_CMYK: return ZI_JPEG_CMYK;
    case JCS_YCCK: return ZI_JPEG_YCCK;
    default: return ZI_JPEG_OTHER;
    }
}

int zi_jpeg_read_info(const uint8_t *data, size_t size, zi_jpeg_info *info, char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    zi_jpeg_error err;
    struct jpeg_progress_mgr progress;
    zi_jpeg_setup(&cinfo, &err, &progress);
    if (setjmp(err.jump)) {
        copy_message(message, message_size, err.text);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    info->width = (int)cinfo.image_width;
    info->height = (int)cinfo.image_height;
    info->components = cinfo.num_components;
    info->color_space = zi_jpeg_space(cinfo.jpeg_color_space);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int zi_jpeg_decode_bgr(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                       char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    zi_jpeg_error err;
    struct jpeg_progress_mgr progress;
    uint8_t *volatile row = NULL;
    zi_jpeg_setup(&cinfo, &err, &progress);
    if (setjmp(err.jump)) {
        copy_message(message, message_size, err.text);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    int grey = cinfo.jpeg_color_space == JCS_GRAYSCALE;
    if (!grey && cinfo.jpeg_color_space != JCS_YCbCr && cinfo.jpeg_color_space != JCS_RGB) {
        copy_message(message, message_size, "unsupported JPEG colour space");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    cinfo.out_color_space = grey ? JCS_GRAYSCALE : JCS_EXT_BGR;
    jpeg_start_decompress(&cinfo);
    size_t width = cinfo.output_width, height = cinfo.output_height;
    if (cinfo.output_components != (grey ? 1 : 3) || width == 0 || height == 0 ||
        width > SIZE_MAX / 3 / height || width * height * 3 > out_size) {
        copy_message(message, message_size, "decoded size does not match the header");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    if (grey) {
        row = malloc(width);
        if (row == NULL) {
            copy_message(message, message_size, "out of memory");
            jpeg_destroy_decompress(&cinfo);
            return -1;
        }
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *dst = out + (size_t)cinfo.output_scanline * width * 3;
        JSAMPROW rows[1] = {grey ? row : dst};
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) break;
        if (grey) {
            for (size_t x = 0; x < width; x++) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = row[x];
        }
    }
    free(row);
    row = NULL;
    if (cinfo.output_scanline < cinfo.output_height) err.premature_end = 1;
    else jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return err.premature_end ? 1 : 0;
}

int zi_jpeg_encode_bgr(const uint8_t *bgr, uint32_t width, uint32_t height, int quality, uint8_t **out,
                       size_t *out_size, char *message, size_t message_size) {
    struct jpeg_compress_struct cinfo;
    zi_jpeg_error err;
    // The output buffer grows inside libjpeg; it lives in `err` (whose address escapes) so that
    // the error path still sees it after longjmp.
    memset(&err, 0, sizeof(err));
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = zi_jpeg_error_exit;
    err.base.emit_message = zi_jpeg_emit_message;
    if (setjmp(err.jump)) {
        copy_message(message, message_size, err.text);
        jpeg_destroy_compress(&cinfo);
        free(err.output);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &err.output, &err.output_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_EXT_BGR;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row[1] = {(JSAMPROW)(bgr + (size_t)cinfo.next_scanline * width * 3)};
        jpeg_write_scanlines(&cinfo, row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = err.output;
    *out_size = err.output_size;
    return 0;
}

/* ------------------------------------------------------------------------------------- PNG */

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char text[256];
} zi_png_reader;

static void zi_png_error(png_structp png, png_const_charp text) {
    zi_png_reader *reader = (zi_png_reader *)png_get_error_ptr(png);
    if (reader != NULL) snprintf(reader->text, sizeof(reader->text), "%s", text);
    png_longjmp(png, 1);
}

static void zi_png_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void zi_png_read(png_structp png, png_bytep out, size_t count) {
    zi_png_reader *reader = (zi_png_reader *)png_get_io_ptr(png);
    if (count > reader->size - reader->offset) png_error(png, "file truncated");
    memcpy(out, reader->data + reader->offset, count);
    reader->offset += count;
}

static int zi_png_begin(png_structp *png, png_infop *info, zi_png_reader *reader) {
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, zi_png_error, zi_png_warning);
    if (*png == NULL) return -1;
    *info = png_create_info_struct(*png);
    if (*info == NULL) {
        png_destroy_read_struct(png, NULL, NULL);
        return -1;
    }
    png_set_read_fn(*png, reader, zi_png_read);
    // Ancillary chunks are not needed; bounding their memory keeps a hostile file small.
    png_set_chunk_malloc_max(*png, 8u << 20);
    png_set_user_limits(*png, 1000000, 1000000);
    return 0;
}

int zi_png_read_info(const uint8_t *data, size_t size, zi_png_info *out, char *message, size_t message_size) {
    zi_png_reader reader = {data, size, 0, "corrupt PNG"};
    png_structp png;
    png_infop info;
    if (zi_png_begin(&png, &info, &reader) != 0) {
        copy_message(message, message_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        copy_message(message, message_size, reader.text);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_read_info(png, info);
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->bit_depth = png_get_bit_depth(png, info);
    out->color_type = png_get_color_type(png, info);
    out->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

int zi_png_decode_bgr(const uint8_t *data, size_t size, uint8_t *out, size_t out_size,
                      char *message, size_t message_size) {
    zi_png_reader reader = {data, size, 0, "corrupt PNG"};
    png_structp png;
    png_infop info;
    png_bytep *volatile rows = NULL;
    if (zi_png_begin(&png, &info, &reader) != 0) {
        copy_message(message, message_size, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        copy_message(message, message_size, reader.text);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_read_info(png, info);
    size_t width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (width == 0 || height == 0 || width > SIZE_MAX / 3 / height || width * height * 3 > out_size)
        png_error(png, "image size does not match the buffer");
    if (bit_depth == 16) png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    png_set_bgr(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != width * 3) png_error(png, "unexpected row layout after conversion");
    rows = malloc(height * sizeof(png_bytep));
    if (rows == NULL) png_error(png, "out of memory");
    for (size_t y = 0; y < height; y++) rows[y] = out + y * width * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
    char text[256];
} zi_png_writer;

static void zi_png_write(png_structp png, png_bytep in, size_t count) {
    zi_png_writer *w = (zi_png_writer *)png_get_io_ptr(png);
    if (count > SIZE_MAX - w->size) png_error(png, "output too large");
    if (w->size + count > w->capacity) {
        size_t capacity = w->capacity ? w->capacity : 65536;
        while (capacity < w->size + count) {
            if (capacity > SIZE_MAX / 2) png_error(png, "output too large");
            capacity *= 2;
        }
        uint8_t *grown = realloc(w->data, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        w->data = grown;
        w->capacity = capacity;
    }
    memcpy(w->data + w->size, in, count);
    w->size += count;
}

static void zi_png_flush(png_structp png) { (void)png; }

static void zi_png_write_error(png_structp png, png_const_charp text) {
    zi_png_writer *w = (zi_png_writer *)png_get_error_ptr(png);
    if (w != NULL) snprintf(w->text, sizeof(w->text), "%s", text);
    png_longjmp(png, 1);
}

int zi_png_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height, uint8_t **out, size_t *out_size,
                      char *message, size_t message_size) {
    zi_png_writer writer = {NULL, 0, 0, 0, "PNG encoding failed"};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer, zi_png_write_error, zi_png_warning);
    if (png == NULL) {
        copy_message(message, message_size, "out of memory");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL || setjmp(png_jmpbuf(png))) {
        copy_message(message, message_size, writer.text);
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(writer.data);
        return -1;
    }
    png_set_write_fn(png, &writer, zi_png_write, zi_png_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = writer.data;
    *out_size = writer.size;
    return 0;
}

void zi_free(void *pointer) { free(pointer); }
