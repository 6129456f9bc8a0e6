/*
 * fuzz_image: libFuzzer harness for the image decoders (JPEG with its EXIF
 * reader, PNG, GIF, BMP, WebP, HEIC) and the document-photo levelling
 * after them.  Each input is written to a private temp file, opened by the
 * decoder its content names with a small pixel limit (a claimed giant
 * picture is refused, not allocated), asked for a small size (so that the
 * JPEG and WebP decoders scale) and read to its last row; a decoded
 * picture goes through level_is_document() and level_threshold().  The
 * whole page pipeline is fuzzed through TIFF input by fuzz_tiff: here it
 * would spend every execution on a full-size fax page.  Built only with
 * ./configure --enable-fuzzing CC=clang.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"
#include "fuzz-file.h"

#define FUZZ_MAX_PIXELS	(1024U * 1024U)
#define FUZZ_WANT	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct imgsrc	 src;
	imgsrc_open_fn	 dec;
	enum img_err	 err = IMG_OK;
	char		*ip, *cause = NULL;
	uint8_t		*page;
	uint32_t	 y;
	int		 rv;

	if (len > (1 << 20) ||
	    (dec = imgsrc_opener(image_sniff(data, len))) == NULL)
		return 0;
	ip = fuzz_file("fuzz_image", "in", data, len);
	memset(&src, 0, sizeof(src));
	src.name = "fuzz";
	src.max_pixels = FUZZ_MAX_PIXELS;
	if (dec(&src, ip, &err, &cause) == -1) {
		if (err == IMG_OK || cause == NULL || src.priv != NULL)
			abort();
		goto out;
	}
	rv = src.start(&src, src.w < FUZZ_WANT ? src.w : FUZZ_WANT,
	    src.h < FUZZ_WANT ? src.h : FUZZ_WANT, &err, &cause);
	if (rv == 0 && (uint64_t)src.w * src.h > FUZZ_MAX_PIXELS)
		abort();	/* a decoder grew the picture */
	page = rv == 0 ? xreallocarray(NULL, src.h, src.w) : NULL;
	for (y = 0; rv == 0 && y < src.h; y++)
		rv = src.row(&src, page + (size_t)y * src.w, &err, &cause);
	if (rv == 0 && src.w >= 64 && src.h >= 64) {
		(void)level_is_document(page, src.w, src.h);
		level_threshold(page, src.w, src.h);
	}
	if (rv == -1 && (err == IMG_OK || cause == NULL))
		abort();
	free(page);
	src.close(&src);
out:
	free(cause);
	unlink(ip);
	free(ip);
	return 0;
}
