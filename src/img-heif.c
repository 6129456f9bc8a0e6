/*
 * img-heif.c: HEIC (an iPhone's photos) through libheif.  The primary
 * image is decoded whole (HEVC has no row-at-a-time interface) to 8-bit
 * RGB or RGBA; libheif applies the file's rotation and mirroring itself,
 * so the picture arrives upright.  The pixel limit, and the smaller limit
 * of a picture held whole (IMG_MAX_BUFFERED/4), are checked from the
 * header, before decoding.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libheif/heif.h>

#include "log.h"
#include "tiff-int.h"
#include "xmalloc.h"

/*
 * libheif is opened on the first HEIC, not linked: it brings HEVC and AV1
 * codecs (x265, libde265, dav1d, aom) whose loading would otherwise cost
 * every faxhubctl and every page conversion a few milliseconds.
 */
#define HEIF_SONAME	"libheif.so.1"

#define HF(f)		__typeof__(heif_##f) *f
static struct {
	HF(init);
	HF(deinit);
	HF(context_alloc);
	HF(context_free);
	HF(context_set_maximum_image_size_limit);
	HF(context_read_from_file);
	HF(context_get_primary_image_handle);
	HF(image_handle_get_width);
	HF(image_handle_get_height);
	HF(image_handle_has_alpha_channel);
	HF(decode_image);
	HF(image_get_plane_readonly);
	HF(image_get_width);
	HF(image_get_height);
	HF(image_release);
	HF(image_handle_release);
} hf;
#define HF_SYM(f)	{ "heif_" #f, offsetof(__typeof__(hf), f) }
static const struct {
	const char	*name;
	size_t		 off;
} hf_syms[] = {
	HF_SYM(init),
	HF_SYM(deinit),
	HF_SYM(context_alloc),
	HF_SYM(context_free),
	HF_SYM(context_set_maximum_image_size_limit),
	HF_SYM(context_read_from_file),
	HF_SYM(context_get_primary_image_handle),
	HF_SYM(image_handle_get_width),
	HF_SYM(image_handle_get_height),
	HF_SYM(image_handle_has_alpha_channel),
	HF_SYM(decode_image),
	HF_SYM(image_get_plane_readonly),
	HF_SYM(image_get_width),
	HF_SYM(image_get_height),
	HF_SYM(image_release),
	HF_SYM(image_handle_release),
};
static pthread_once_t	 hf_once = PTHREAD_ONCE_INIT;
static int		 hf_ok;

static void
hf_load(void)
{
	void	*dl, *sym;
	size_t	 i;

	if ((dl = dlopen(HEIF_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_warnx("HEIC: cannot load %s: %s", HEIF_SONAME, dlerror());
		return;
	}
	for (i = 0; i < sizeof(hf_syms) / sizeof(hf_syms[0]); i++) {
		if ((sym = dlsym(dl, hf_syms[i].name)) == NULL) {
			log_warnx("HEIC: %s has no %s", HEIF_SONAME,
			    hf_syms[i].name);
			return;
		}
		memcpy((char *)&hf + hf_syms[i].off, &sym, sizeof(sym));
	}
	hf_ok = 1;
}

struct hsrc {
	struct heif_context		*ctx;
	struct heif_image_handle	*handle;
	struct heif_image		*img;
	const uint8_t			*plane;
	int				 stride;
	int				 alpha;
	int				 inited;
	uint32_t			 y;
};

static int	h_start(struct imgsrc *, uint32_t, uint32_t, enum img_err *,
		    char **);
static int	h_row(struct imgsrc *, uint8_t *, enum img_err *, char **);
static void	h_close(struct imgsrc *);
static int	h_fail(struct imgsrc *, struct heif_error, enum img_err *,
		    char **);

static int
h_fail(struct imgsrc *src, struct heif_error he, enum img_err *err,
    char **cause)
{
	log_info("%s: libheif: %s", src->name,
	    he.message != NULL ? he.message : "error");
	if (he.code == heif_error_Unsupported_feature ||
	    he.code == heif_error_Unsupported_filetype)
		return imgsrc_fail(src, err, IMG_EUNSUPPORTED, cause,
		    "this kind of HEIC image is not supported");
	if (he.code == heif_error_Memory_allocation_error)
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "the HEIC image is too large");
	return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
	    "the HEIC image is truncated or corrupt");
}

int
imgsrc_open_heif(struct imgsrc *src, const char *path, enum img_err *err,
    char **cause)
{
	struct hsrc		*h;
	struct heif_error	 he;

	pthread_once(&hf_once, hf_load);
	if (!hf_ok)
		return imgsrc_fail(src, err, IMG_EUNSUPPORTED, cause,
		    "HEIC images cannot be read on this system");
	h = xcalloc(1, sizeof(*h));
	src->priv = h;
	src->start = h_start;
	src->row = h_row;
	src->close = h_close;
	src->orient = 1;
	hf.init(NULL);
	h->inited = 1;
	h->ctx = hf.context_alloc();
	hf.context_set_maximum_image_size_limit(h->ctx, MAX_ROW_PIXELS);
	he = hf.context_read_from_file(h->ctx, path, NULL);
	if (he.code == heif_error_Ok)
		he = hf.context_get_primary_image_handle(h->ctx,
		    &h->handle);
	if (he.code != heif_error_Ok) {
		h_fail(src, he, err, cause);
		h_close(src);
		return -1;
	}
	src->w = (uint32_t)hf.image_handle_get_width(h->handle);
	src->h = (uint32_t)hf.image_handle_get_height(h->handle);
	h->alpha = hf.image_handle_has_alpha_channel(h->handle);
	snprintf(src->desc, sizeof(src->desc), "HEIC %ux%u%s", src->w,
	    src->h, h->alpha ? " with transparency" : "");
	if (imgsrc_check_size(src, "HEIC", err, cause) == -1) {
		h_close(src);
		return -1;
	}
	/* Decoded whole, 3 or 4 bytes a pixel. */
	if ((unsigned long long)src->w * src->h > IMG_MAX_BUFFERED / 4) {
		h_close(src);
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "a HEIC image of %ux%u pixels is too large", src->w,
		    src->h);
	}
	return 0;
}

static int
h_start(struct imgsrc *src, uint32_t want_w, uint32_t want_h,
    enum img_err *err, char **cause)
{
	struct hsrc		*h = src->priv;
	struct heif_error	 he;

	he = hf.decode_image(h->handle, &h->img, heif_colorspace_RGB,
	    h->alpha ? heif_chroma_interleaved_RGBA :
	    heif_chroma_interleaved_RGB, NULL);
	if (he.code != heif_error_Ok)
		return h_fail(src, he, err, cause);
	h->plane = hf.image_get_plane_readonly(h->img,
	    heif_channel_interleaved, &h->stride);
	if (h->plane == NULL ||
	    (uint32_t)hf.image_get_width(h->img,
	    heif_channel_interleaved) < src->w ||
	    (uint32_t)hf.image_get_height(h->img,
	    heif_channel_interleaved) < src->h)
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the HEIC image is truncated or corrupt");
	return 0;
}

static int
h_row(struct imgsrc *src, uint8_t *grey, enum img_err *err, char **cause)
{
	struct hsrc	*h = src->priv;

	rgba_to_grey(h->plane + (size_t)h->y++ * (size_t)h->stride, src->w,
	    h->alpha, grey);
	return 0;
}

static void
h_close(struct imgsrc *src)
{
	struct hsrc	*h = src->priv;

	if (h == NULL)
		return;
	if (h->img != NULL)
		hf.image_release(h->img);
	if (h->handle != NULL)
		hf.image_handle_release(h->handle);
	if (h->ctx != NULL)
		hf.context_free(h->ctx);
	if (h->inited)
		hf.deinit();
	free(h);
	src->priv = NULL;
}
