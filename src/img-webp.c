/*
 * img-webp.c: WebP through libwebp.  libwebp decodes from memory, so the
 * file (at most IMG_MAX_FILE) is read whole; the picture is decoded
 * already scaled to about the page's size (libwebp scales while it
 * decodes), so memory follows the page, not the picture (a lossless one
 * is held whole by libwebp first: at most IMG_MAX_BUFFERED/4 pixels).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>

#include "log.h"
#include "tiff-int.h"
#include "xmalloc.h"

struct wsrc {
	uint8_t			*data;
	size_t			 len;
	WebPDecoderConfig	 cfg;
	int			 decoded;
	uint32_t		 y;
};

static int	w_start(struct imgsrc *, uint32_t, uint32_t, enum img_err *,
		    char **);
static int	w_row(struct imgsrc *, uint8_t *, enum img_err *, char **);
static void	w_close(struct imgsrc *);

int
imgsrc_open_webp(struct imgsrc *src, const char *path, enum img_err *err,
    char **cause)
{
	struct wsrc	*w;
	VP8StatusCode	 st;

	w = xcalloc(1, sizeof(*w));
	src->priv = w;
	src->start = w_start;
	src->row = w_row;
	src->close = w_close;
	src->orient = 1;
	if (imgsrc_slurp(src, path, &w->data, &w->len, err, cause) == -1) {
		w_close(src);
		return -1;
	}
	if (!WebPInitDecoderConfig(&w->cfg)) {
		w_close(src);
		return imgsrc_fail(src, err, IMG_EIO, cause,
		    "the WebP decoder cannot start");
	}
	if ((st = WebPGetFeatures(w->data, w->len, &w->cfg.input)) !=
	    VP8_STATUS_OK) {
		log_info("%s: libwebp: status %d reading the header",
		    src->name, (int)st);
		w_close(src);
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the WebP image is truncated or corrupt");
	}
	src->w = (uint32_t)w->cfg.input.width;
	src->h = (uint32_t)w->cfg.input.height;
	snprintf(src->desc, sizeof(src->desc), "WebP %s%s %ux%u",
	    w->cfg.input.format == 2 ? "lossless" : "lossy",
	    w->cfg.input.has_alpha ? " with transparency" : "", src->w,
	    src->h);
	if (imgsrc_check_size(src, "WebP", err, cause) == -1) {
		w_close(src);
		return -1;
	}
	/* Lossless pictures are decoded whole before they are scaled. */
	if (w->cfg.input.format == 2 &&
	    (unsigned long long)src->w * src->h > IMG_MAX_BUFFERED / 4) {
		w_close(src);
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "a lossless WebP image of %ux%u pixels is too large",
		    src->w, src->h);
	}
	return 0;
}

static int
w_start(struct imgsrc *src, uint32_t want_w, uint32_t want_h,
    enum img_err *err, char **cause)
{
	struct wsrc	*w = src->priv;
	VP8StatusCode	 st;
	double		 f;

	/* Scale down, keeping the aspect, to no less than asked for. */
	f = (double)want_w / src->w > (double)want_h / src->h ?
	    (double)want_w / src->w : (double)want_h / src->h;
	if (f < 1) {
		w->cfg.options.use_scaling = 1;
		w->cfg.options.scaled_width = (int)(src->w * f + 0.999);
		w->cfg.options.scaled_height = (int)(src->h * f + 0.999);
		if (w->cfg.options.scaled_width < (int)want_w)
			w->cfg.options.scaled_width = (int)want_w;
		if (w->cfg.options.scaled_height < (int)want_h)
			w->cfg.options.scaled_height = (int)want_h;
	}
	w->cfg.output.colorspace = MODE_RGBA;
	if ((st = WebPDecode(w->data, w->len, &w->cfg)) != VP8_STATUS_OK) {
		log_info("%s: libwebp: status %d decoding", src->name,
		    (int)st);
		return imgsrc_fail(src, err, st == VP8_STATUS_OUT_OF_MEMORY ?
		    IMG_ETOOLARGE : IMG_ECORRUPT, cause,
		    "the WebP image is truncated or corrupt");
	}
	w->decoded = 1;
	free(w->data);
	w->data = NULL;
	src->w = (uint32_t)w->cfg.output.width;
	src->h = (uint32_t)w->cfg.output.height;
	return 0;
}

static int
w_row(struct imgsrc *src, uint8_t *grey, enum img_err *err, char **cause)
{
	struct wsrc	*w = src->priv;
	const WebPRGBABuffer *b = &w->cfg.output.u.RGBA;

	rgba_to_grey(b->rgba + (size_t)w->y++ * (size_t)b->stride, src->w,
	    1, grey);
	return 0;
}

static void
w_close(struct imgsrc *src)
{
	struct wsrc	*w = src->priv;

	if (w == NULL)
		return;
	if (w->decoded)
		WebPFreeDecBuffer(&w->cfg.output);
	free(w->data);
	free(w);
	src->priv = NULL;
}
