/*
 * img-gif.c: GIF through giflib.  The first frame is the page (an
 * animation is a picture, not a document of pages); its transparent
 * colour is white.  A plain frame is read a line at a time; an interlaced
 * one is held whole (one byte a pixel, at most IMG_MAX_BUFFERED).
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gif_lib.h>

#include "log.h"
#include "tiff-int.h"
#include "xmalloc.h"

struct gsrc {
	GifFileType	*gif;
	uint8_t		 pal[256];	/* index -> grey */
	uint8_t		*idx;		/* one line, or the whole frame */
	int		 interlaced;
	uint32_t	 y;
};

static int	g_start(struct imgsrc *, uint32_t, uint32_t, enum img_err *,
		    char **);
static int	g_row(struct imgsrc *, uint8_t *, enum img_err *, char **);
static void	g_close(struct imgsrc *);
static int	g_fail(struct imgsrc *, int, enum img_err *, char **);

static int
g_fail(struct imgsrc *src, int code, enum img_err *err, char **cause)
{
	const char	*m = GifErrorString(code);

	log_info("%s: giflib: %s", src->name, m != NULL ? m : "error");
	if (code == D_GIF_ERR_NOT_ENOUGH_MEM)
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "the GIF image is too large");
	return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
	    "the GIF image is truncated or corrupt");
}

int
imgsrc_open_gif(struct imgsrc *src, const char *path, enum img_err *err,
    char **cause)
{
	struct gsrc		*g;
	GifRecordType		 rt;
	GifByteType		*ext;
	GraphicsControlBlock	 gcb;
	ColorMapObject		*cm;
	int			 fd, code = 0, extcode, trans = -1, i;

	g = xcalloc(1, sizeof(*g));
	src->priv = g;
	src->start = g_start;
	src->row = g_row;
	src->close = g_close;
	src->orient = 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		g_close(src);
		return imgsrc_fail(src, err, IMG_EIO, cause,
		    "cannot open the file");
	}
	if ((g->gif = DGifOpenFileHandle(fd, &code)) == NULL) {
		g_close(src);
		return g_fail(src, code, err, cause);
	}
	for (;;) {
		if (DGifGetRecordType(g->gif, &rt) == GIF_ERROR)
			goto fail;
		if (rt == TERMINATE_RECORD_TYPE) {
			g_close(src);
			return imgsrc_fail(src, err, IMG_ENOPAGES, cause,
			    "the GIF file has no image");
		}
		if (rt == IMAGE_DESC_RECORD_TYPE)
			break;
		if (rt != EXTENSION_RECORD_TYPE)
			continue;
		if (DGifGetExtension(g->gif, &extcode, &ext) == GIF_ERROR)
			goto fail;
		if (extcode == GRAPHICS_EXT_FUNC_CODE && ext != NULL &&
		    DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
			trans = gcb.TransparentColor;
		while (ext != NULL)
			if (DGifGetExtensionNext(g->gif, &ext) == GIF_ERROR)
				goto fail;
	}
	if (DGifGetImageDesc(g->gif) == GIF_ERROR)
		goto fail;
	src->w = (uint32_t)g->gif->Image.Width;
	src->h = (uint32_t)g->gif->Image.Height;
	g->interlaced = g->gif->Image.Interlace;
	cm = g->gif->Image.ColorMap != NULL ? g->gif->Image.ColorMap :
	    g->gif->SColorMap;
	if (cm == NULL) {
		g_close(src);
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the GIF image has no colour map");
	}
	memset(g->pal, 255, sizeof(g->pal));
	for (i = 0; i < cm->ColorCount && i < 256; i++)
		g->pal[i] = (uint8_t)((77U * cm->Colors[i].Red +
		    150U * cm->Colors[i].Green +
		    29U * cm->Colors[i].Blue) >> 8);
	if (trans >= 0 && trans < 256)
		g->pal[trans] = 255;
	src->bilevel = cm->ColorCount <= 2;
	snprintf(src->desc, sizeof(src->desc), "GIF %d-colour %ux%u",
	    cm->ColorCount, src->w, src->h);
	if (imgsrc_check_size(src, "GIF", err, cause) == -1) {
		g_close(src);
		return -1;
	}
	if (g->interlaced &&
	    (unsigned long long)src->w * src->h > IMG_MAX_BUFFERED) {
		g_close(src);
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "an interlaced GIF of %ux%u pixels is too large", src->w,
		    src->h);
	}
	return 0;
fail:
	code = g->gif->Error;
	g_close(src);
	return g_fail(src, code, err, cause);
}

static int
g_start(struct imgsrc *src, uint32_t want_w, uint32_t want_h,
    enum img_err *err, char **cause)
{
	static const uint32_t	 first[] = { 0, 4, 2, 1 };
	static const uint32_t	 step[] = { 8, 8, 4, 2 };
	struct gsrc		*g = src->priv;
	uint32_t		 pass, y;

	if (!g->interlaced) {
		g->idx = xmalloc(src->w);
		return 0;
	}
	g->idx = xreallocarray(NULL, src->w, src->h);
	for (pass = 0; pass < 4; pass++)
		for (y = first[pass]; y < src->h; y += step[pass])
			if (DGifGetLine(g->gif, g->idx + (size_t)y * src->w,
			    (int)src->w) == GIF_ERROR)
				return g_fail(src, g->gif->Error, err, cause);
	return 0;
}

static int
g_row(struct imgsrc *src, uint8_t *grey, enum img_err *err, char **cause)
{
	struct gsrc	*g = src->priv;
	const uint8_t	*idx;
	uint32_t	 x;

	if (g->interlaced)
		idx = g->idx + (size_t)g->y++ * src->w;
	else {
		if (DGifGetLine(g->gif, g->idx, (int)src->w) == GIF_ERROR)
			return g_fail(src, g->gif->Error, err, cause);
		idx = g->idx;
	}
	for (x = 0; x < src->w; x++)
		grey[x] = g->pal[idx[x]];
	return 0;
}

static void
g_close(struct imgsrc *src)
{
	struct gsrc	*g = src->priv;
	int		 code;

	if (g == NULL)
		return;
	if (g->gif != NULL)
		DGifCloseFile(g->gif, &code);
	free(g->idx);
	free(g);
	src->priv = NULL;
}
