/*
 * img-src.c: what every image decoder (img-*.c) shares: the decoder for
 * a format, the refusal
 * message, the pixel limit checked from the header, the reading of a
 * whole (bounded) file, and colour to grey with alpha flattened on white
 * (the same weights as the TIFF reader).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tiff-int.h"
#include "xmalloc.h"

imgsrc_open_fn
imgsrc_opener(enum img_fmt fmt)
{
	static const struct {
		enum img_fmt	fmt;
		imgsrc_open_fn	open;
	} dec[] = {
		{ IMG_FMT_JPEG, imgsrc_open_jpeg },
		{ IMG_FMT_PNG, imgsrc_open_png },
		{ IMG_FMT_GIF, imgsrc_open_gif },
		{ IMG_FMT_BMP, imgsrc_open_bmp },
		{ IMG_FMT_WEBP, imgsrc_open_webp },
		{ IMG_FMT_HEIF, imgsrc_open_heif },
	};
	size_t	i;

	for (i = 0; i < sizeof(dec) / sizeof(dec[0]); i++)
		if (dec[i].fmt == fmt)
			return dec[i].open;
	return NULL;
}

int
imgsrc_fail(struct imgsrc *src, enum img_err *err, enum img_err e,
    char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(cause, "%s: %s", src->name, msg);
	free(msg);
	*err = e;
	return -1;
}

int
imgsrc_check_size(struct imgsrc *src, const char *fmt, enum img_err *err,
    char **cause)
{
	if (src->w == 0 || src->h == 0)
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the %s image has no size (corrupt)", fmt);
	if ((unsigned long long)src->w * src->h > src->max_pixels ||
	    src->w > MAX_ROW_PIXELS)
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "%ux%u pixels is more than the limit of %llu pixels",
		    src->w, src->h, src->max_pixels);
	return 0;
}

void
rgba_to_grey(const uint8_t *p, uint32_t n, int alpha, uint8_t *grey)
{
	uint32_t	x, g, a;

	for (x = 0; x < n; x++, p += alpha ? 4 : 3) {
		g = (77U * p[0] + 150U * p[1] + 29U * p[2]) >> 8;
		if (alpha && (a = p[3]) != 255)
			g = (g * a + 255U * (255U - a) + 127) / 255U;
		grey[x] = (uint8_t)g;
	}
}

int
imgsrc_slurp(struct imgsrc *src, const char *path, uint8_t **data,
    size_t *len, enum img_err *err, char **cause)
{
	struct stat	 sb;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	*data = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		if (fd != -1)
			close(fd);
		return imgsrc_fail(src, err, IMG_EIO, cause, "%s",
		    strerror(errno));
	}
	if ((uint64_t)sb.st_size > IMG_MAX_FILE) {
		close(fd);
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "the file is larger than %u MiB", IMG_MAX_FILE >> 20);
	}
	*len = (size_t)sb.st_size;
	*data = xmalloc(*len + 1);
	while (off < *len) {
		n = read(fd, *data + off, *len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (off != *len) {
		free(*data);
		*data = NULL;
		return imgsrc_fail(src, err, IMG_EIO, cause,
		    "the file could not be read");
	}
	return 0;
}
