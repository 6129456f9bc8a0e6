/*
 * tiff-png.c: img_preview_png(), a small grey picture of a fax's first
 * page for report mails.  The page is area-averaged (so fine lines turn
 * grey instead of vanishing) to the requested width, with the height set
 * by the page's true aspect, and written with libpng through a temp file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <tiffio.h>

#include "log.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

#define PREVIEW_MAX_PIXELS	(400ULL * 1000 * 1000)

struct pngw {
	png_structp	 png;
	png_infop	 info;
	char		 msg[200];
};

static void	png_err(png_structp, png_const_charp);
static void	png_warn(png_structp, png_const_charp);
static int	png_emit(void *, const uint8_t *);
static int	png_write_page(struct pngw *, FILE *, struct tiff_rd *,
		    struct scaler *, uint8_t *, uint32_t, uint32_t,
		    struct tiff_diag *, const char *, char **);

static void
png_err(png_structp png, png_const_charp msg)
{
	struct pngw	*pw = png_get_error_ptr(png);

	strlcpy(pw->msg, msg, sizeof(pw->msg));
	png_longjmp(png, 1);
}

static void
png_warn(png_structp png, png_const_charp msg)
{
}

static int
png_emit(void *arg, const uint8_t *row)
{
	struct pngw	*pw = arg;

	png_write_row(pw->png, row);
	return 0;
}

/* Everything libpng may longjmp out of lives here. */
static int
png_write_page(struct pngw *pw, FILE *f, struct tiff_rd *rd,
    struct scaler *sc, uint8_t *grey, uint32_t width, uint32_t oh,
    struct tiff_diag *d, const char *png_path, char **cause)
{
	uint32_t	y;

	pw->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, pw, png_err,
	    png_warn);
	if (pw->png == NULL)
		fatalx("png_create_write_struct failed");
	if ((pw->info = png_create_info_struct(pw->png)) == NULL)
		fatalx("png_create_info_struct failed");
	if (setjmp(png_jmpbuf(pw->png))) {
		xasprintf(cause, "%s: %s", png_path, pw->msg);
		png_destroy_write_struct(&pw->png, &pw->info);
		return -1;
	}
	png_init_io(pw->png, f);
	png_set_IHDR(pw->png, pw->info, width, oh, 8, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(pw->png, pw->info);
	for (y = 0; y < rd->h; y++) {
		if (tiff_rd_row(rd, grey, d, cause) == -1) {
			png_destroy_write_struct(&pw->png, &pw->info);
			return -1;
		}
		scaler_push(sc, grey, png_emit, pw);
	}
	png_write_end(pw->png, pw->info);
	png_destroy_write_struct(&pw->png, &pw->info);
	return 0;
}

int
img_preview_png(const char *tifpath, const char *png_path, int width,
    char **cause)
{
	struct tiff_diag	 d = { .name = tifpath };
	struct tiff_rd		 rd;
	struct pngw		 pw;
	struct scaler		*sc = NULL;
	enum img_err		 err;
	TIFF			*tif = NULL;
	FILE			*f = NULL;
	char			*tmp;
	uint8_t			*grey = NULL;
	uint32_t		 oh;
	double			 aspect;
	int			 fd, rv = -1, rd_open = 0;

	memset(&pw, 0, sizeof(pw));
	if (width < 16 || width > 2000) {
		xasprintf(cause, "preview width %d is not within 16..2000",
		    width);
		return -1;
	}
	xasprintf(&tmp, "%s.tmpXXXXXX", png_path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	fchmod(fd, 0644);
	if ((f = fdopen(fd, "wb")) == NULL) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if ((tif = tiff_open(tifpath, "rm", &d)) == NULL) {
		xasprintf(cause, "%s: %s", tifpath,
		    tiff_diag_msg(&d, "not a TIFF image"));
		goto out;
	}
	if (tiff_rd_begin(&rd, tif, tifpath, 1, PREVIEW_MAX_PIXELS, &err,
	    cause) == -1)
		goto out;
	rd_open = 1;
	aspect = rd.xres != 0 ? (double)rd.xres / rd.yres : 1.0;
	oh = (uint32_t)lround((double)rd.h * width / rd.w * aspect);
	if (oh < 1)
		oh = 1;
	if (oh > 20000)
		oh = 20000;
	sc = scaler_new(rd.w, rd.h, (uint32_t)width, oh);
	grey = xmalloc(rd.w);

	if (png_write_page(&pw, f, &rd, sc, grey, (uint32_t)width, oh, &d,
	    png_path, cause) == -1)
		goto out;
	if (fflush(f) != 0 || fsync(fileno(f)) == -1) {
		xasprintf(cause, "write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		xasprintf(cause, "write %s: %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, png_path) == -1) {
		xasprintf(cause, "rename %s: %s", tmp, strerror(errno));
		goto out;
	}
	rv = 0;
out:
	if (rd_open)
		tiff_rd_end(&rd);
	scaler_free(sc);
	free(grey);
	if (tif != NULL)
		TIFFClose(tif);
	if (f != NULL)
		fclose(f);
	if (rv == -1)
		unlink(tmp);
	free(tmp);
	return rv;
}
