/*
 * img-png.c: PNG through libpng, a row at a time.  Every colour type and
 * depth is expanded by libpng to 8-bit RGBA, then turned grey with its
 * alpha flattened on white (a screenshot with a transparent background
 * comes out on white paper, not black).  An interlaced PNG has to be held
 * whole to be deinterlaced, so it is refused above IMG_MAX_BUFFERED/4
 * pixels.
 */
#include "config.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "log.h"
#include "tiff-int.h"
#include "xmalloc.h"

struct psrc {
	png_structp	 png;
	png_infop	 info;
	FILE		*f;
	jmp_buf		 jb;
	uint8_t		*rgba;		/* one row, or the whole image */
	int		 interlaced;
	uint32_t	 y;
	const char	*name;
};

static void	p_error(png_structp, png_const_charp);
static void	p_warning(png_structp, png_const_charp);
static int	p_start(struct imgsrc *, uint32_t, uint32_t, enum img_err *,
		    char **);
static int	p_row(struct imgsrc *, uint8_t *, enum img_err *, char **);
static void	p_close(struct imgsrc *);

static void
p_error(png_structp png, png_const_charp msg)
{
	struct psrc	*p = png_get_error_ptr(png);

	log_info("%s: libpng: %s", p->name, msg);
	longjmp(p->jb, 1);
}

static void
p_warning(png_structp png, png_const_charp msg)
{
	struct psrc	*p = png_get_error_ptr(png);

	log_debug("%s: libpng: %s", p->name, msg);
}

int
imgsrc_open_png(struct imgsrc *src, const char *path, enum img_err *err,
    char **cause)
{
	struct psrc	*p;
	png_uint_32	 w, h, xr, yr;
	int		 depth, ctype, ilace, unit;

	p = xcalloc(1, sizeof(*p));
	p->name = src->name;
	src->priv = p;
	src->start = p_start;
	src->row = p_row;
	src->close = p_close;
	if ((p->f = fopen(path, "rbe")) == NULL) {
		p_close(src);
		return imgsrc_fail(src, err, IMG_EIO, cause,
		    "cannot open the file");
	}
	p->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, p, p_error,
	    p_warning);
	if (p->png == NULL || (p->info = png_create_info_struct(p->png)) ==
	    NULL) {
		p_close(src);
		return imgsrc_fail(src, err, IMG_EIO, cause, "out of memory");
	}
	if (setjmp(p->jb) != 0) {
		p_close(src);
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the PNG image is truncated or corrupt");
	}
	png_init_io(p->png, p->f);
	png_set_user_limits(p->png, MAX_ROW_PIXELS, 0x7fffffff);
	png_set_chunk_malloc_max(p->png, 8U << 20);
	png_read_info(p->png, p->info);
	png_get_IHDR(p->png, p->info, &w, &h, &depth, &ctype, &ilace, NULL,
	    NULL);
	src->w = w;
	src->h = h;
	src->orient = 1;
	if (png_get_pHYs(p->png, p->info, &xr, &yr, &unit) &&
	    unit == PNG_RESOLUTION_METER && xr > 0 && yr > 0) {
		src->xres = xr * 0.0254f;
		src->yres = yr * 0.0254f;
		if (src->xres < 10 || src->yres < 10 || src->xres > 20000 ||
		    src->yres > 20000)
			src->xres = src->yres = 0;
	}
	src->bilevel = depth == 1 && (ctype == PNG_COLOR_TYPE_GRAY ||
	    ctype == PNG_COLOR_TYPE_PALETTE);
	snprintf(src->desc, sizeof(src->desc), "PNG %s %u-bit %ux%u%s",
	    ctype & PNG_COLOR_MASK_PALETTE ? "palette" :
	    ctype & PNG_COLOR_MASK_COLOR ? "colour" : "grey", depth, w, h,
	    (ctype & PNG_COLOR_MASK_ALPHA) ||
	    png_get_valid(p->png, p->info, PNG_INFO_tRNS) ?
	    " with transparency" : "");
	if (imgsrc_check_size(src, "PNG", err, cause) == -1) {
		p_close(src);
		return -1;
	}
	p->interlaced = ilace != PNG_INTERLACE_NONE;
	if (p->interlaced &&
	    (unsigned long long)w * h > IMG_MAX_BUFFERED / 4) {
		p_close(src);
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "an interlaced PNG of %ux%u pixels is too large", w, h);
	}
	png_set_expand(p->png);
	png_set_strip_16(p->png);
	png_set_gray_to_rgb(p->png);
	png_set_add_alpha(p->png, 0xff, PNG_FILLER_AFTER);
	png_set_interlace_handling(p->png);
	png_read_update_info(p->png, p->info);
	return 0;
}

static int
p_start(struct imgsrc *src, uint32_t want_w, uint32_t want_h,
    enum img_err *err, char **cause)
{
	struct psrc	*p = src->priv;
	png_bytep	*rows;
	uint32_t	 y;

	if (!p->interlaced) {
		p->rgba = xreallocarray(NULL, src->w, 4);
		return 0;
	}
	p->rgba = xreallocarray(NULL, (size_t)src->w * src->h, 4);
	rows = xreallocarray(NULL, src->h, sizeof(*rows));
	for (y = 0; y < src->h; y++)
		rows[y] = p->rgba + (size_t)y * src->w * 4;
	if (setjmp(p->jb) != 0) {
		free(rows);
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the PNG image is truncated or corrupt");
	}
	png_read_image(p->png, rows);
	free(rows);
	return 0;
}

static int
p_row(struct imgsrc *src, uint8_t *grey, enum img_err *err, char **cause)
{
	struct psrc	*p = src->priv;

	if (p->interlaced) {
		rgba_to_grey(p->rgba + (size_t)p->y++ * src->w * 4, src->w,
		    1, grey);
		return 0;
	}
	if (setjmp(p->jb) != 0)
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the PNG image is truncated or corrupt");
	png_read_row(p->png, p->rgba, NULL);
	rgba_to_grey(p->rgba, src->w, 1, grey);
	return 0;
}

static void
p_close(struct imgsrc *src)
{
	struct psrc	*p = src->priv;

	if (p == NULL)
		return;
	if (p->png != NULL)
		png_destroy_read_struct(&p->png, p->info != NULL ? &p->info :
		    NULL, NULL);
	if (p->f != NULL)
		fclose(p->f);
	free(p->rgba);
	free(p);
	src->priv = NULL;
}
