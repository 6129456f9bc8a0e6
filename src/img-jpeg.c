/*
 * img-jpeg.c: JPEG through libjpeg-turbo, a scanline at a time.  Only the
 * luma is decoded (grey output: libjpeg skips the colour planes), and
 * when the page needs fewer pixels than the photo has, libjpeg scales in
 * the IDCT (M/8, the smallest M that still gives the page's pixels),
 * which is both the fastest and the smallest way to read a 12-megapixel
 * phone photo.  The EXIF orientation (APP1) tells
 * how the phone was held; the pipeline turns the page accordingly.
 *
 * libjpeg's errors end in longjmp back here; its messages go to the log,
 * the sender gets plain words.  A truncated file (libjpeg only warns and
 * pads with grey) is refused as corrupt.
 */
#include "config.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "log.h"
#include "tiff-int.h"
#include "xmalloc.h"

/* libjpeg may use this much (progressive images hold coefficients). */
#define JPEG_MAX_MEMORY	(96L << 20)

struct jsrc {
	struct jpeg_decompress_struct	 cinfo;
	struct jpeg_error_mgr		 jerr;
	jmp_buf				 jb;
	FILE				*f;
	char				 msg[JMSG_LENGTH_MAX];
	int				 truncated;
	int				 cmyk, inverted;
	uint8_t				*line;
	const char			*name;
};

static void	j_error_exit(j_common_ptr);
static void	j_emit(j_common_ptr, int);
static int	j_start(struct imgsrc *, uint32_t, uint32_t, enum img_err *,
		    char **);
static int	j_row(struct imgsrc *, uint8_t *, enum img_err *, char **);
static void	j_close(struct imgsrc *);
static int	j_fail(struct imgsrc *, enum img_err *, char **);
static int	exif_orientation(const uint8_t *, size_t);

static void
j_error_exit(j_common_ptr c)
{
	struct jsrc	*j = (struct jsrc *)c->client_data;

	(*c->err->format_message)(c, j->msg);
	longjmp(j->jb, 1);
}

static void
j_emit(j_common_ptr c, int level)
{
	struct jsrc	*j = (struct jsrc *)c->client_data;
	char		 buf[JMSG_LENGTH_MAX];

	if (level >= 0)
		return;		/* trace messages */
	if (c->err->msg_code == JWRN_JPEG_EOF)
		j->truncated = 1;
	if (c->err->num_warnings++ == 0) {
		(*c->err->format_message)(c, buf);
		log_debug("%s: libjpeg: %s", j->name, buf);
	}
}

/* After a longjmp: log libjpeg's words, give the sender plain ones. */
static int
j_fail(struct imgsrc *src, enum img_err *err, char **cause)
{
	struct jsrc	*j = src->priv;

	log_info("%s: libjpeg: %s", src->name, j->msg);
	if (j->cinfo.err->msg_code == JERR_NO_BACKING_STORE ||
	    j->cinfo.err->msg_code == JERR_OUT_OF_MEMORY)
		return imgsrc_fail(src, err, IMG_ETOOLARGE, cause,
		    "the JPEG image needs too much memory to decode");
	return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
	    "the JPEG image is truncated or corrupt");
}

/*
 * The Orientation tag (0x0112) of IFD0 in an APP1 "Exif" segment: 1..8,
 * or 1 when absent or malformed.
 */
static int
exif_orientation(const uint8_t *p, size_t len)
{
	const uint8_t	*t;
	size_t		 tl, off, i, n;
	int		 le;
	uint32_t	 tag, type, val;

	if (len < 14 || memcmp(p, "Exif\0\0", 6) != 0)
		return 1;
	t = p + 6;
	tl = len - 6;
	if (memcmp(t, "II*\0", 4) == 0)
		le = 1;
	else if (memcmp(t, "MM\0*", 4) == 0)
		le = 0;
	else
		return 1;
#define RD16(q)	(le ? (uint32_t)(q)[0] | (uint32_t)(q)[1] << 8 : \
	    (uint32_t)(q)[0] << 8 | (uint32_t)(q)[1])
#define RD32(q)	(le ? RD16(q) | RD16((q) + 2) << 16 : \
	    RD16(q) << 16 | RD16((q) + 2))
	off = RD32(t + 4);
	if (off < 8 || off > tl - 2)
		return 1;
	n = RD16(t + off);
	for (i = 0; i < n; i++) {
		if (off + 2 + (i + 1) * 12 > tl)
			return 1;
		tag = RD16(t + off + 2 + i * 12);
		type = RD16(t + off + 2 + i * 12 + 2);
		if (tag != 0x0112)
			continue;
		val = type == 3 ? RD16(t + off + 2 + i * 12 + 8) :
		    type == 4 ? RD32(t + off + 2 + i * 12 + 8) : 0;
		return val >= 1 && val <= 8 ? (int)val : 1;
	}
#undef RD16
#undef RD32
	return 1;
}

int
imgsrc_open_jpeg(struct imgsrc *src, const char *path, enum img_err *err,
    char **cause)
{
	struct jsrc			*j;
	jpeg_saved_marker_ptr		 m;
	struct jpeg_decompress_struct	*ci;

	j = xcalloc(1, sizeof(*j));
	j->name = src->name;
	src->priv = j;
	src->start = j_start;
	src->row = j_row;
	src->close = j_close;
	if ((j->f = fopen(path, "rbe")) == NULL) {
		j_close(src);
		return imgsrc_fail(src, err, IMG_EIO, cause,
		    "cannot open the file");
	}
	ci = &j->cinfo;
	ci->err = jpeg_std_error(&j->jerr);
	j->jerr.error_exit = j_error_exit;
	j->jerr.emit_message = j_emit;
	ci->client_data = j;
	if (setjmp(j->jb) != 0) {
		j_fail(src, err, cause);
		j_close(src);
		return -1;
	}
	jpeg_create_decompress(ci);
	ci->mem->max_memory_to_use = JPEG_MAX_MEMORY;
	jpeg_stdio_src(ci, j->f);
	jpeg_save_markers(ci, JPEG_APP0 + 1, 0xffff);
	jpeg_save_markers(ci, JPEG_APP0 + 14, 64);
	jpeg_read_header(ci, TRUE);
	src->w = ci->image_width;
	src->h = ci->image_height;
	src->orient = 1;
	for (m = ci->marker_list; m != NULL; m = m->next) {
		if (m->marker == JPEG_APP0 + 1)
			src->orient = exif_orientation(m->data,
			    m->data_length);
		if (m->marker == JPEG_APP0 + 14 && m->data_length >= 5 &&
		    memcmp(m->data, "Adobe", 5) == 0)
			j->inverted = 1;
	}
	if (ci->saw_JFIF_marker && ci->X_density > 0 && ci->Y_density > 0 &&
	    (ci->density_unit == 1 || ci->density_unit == 2)) {
		src->xres = ci->X_density * (ci->density_unit == 2 ?
		    2.54f : 1.0f);
		src->yres = ci->Y_density * (ci->density_unit == 2 ?
		    2.54f : 1.0f);
		if (src->xres < 10 || src->yres < 10 || src->xres > 20000 ||
		    src->yres > 20000)
			src->xres = src->yres = 0;
	}
	j->cmyk = ci->jpeg_color_space == JCS_CMYK ||
	    ci->jpeg_color_space == JCS_YCCK;
	snprintf(src->desc, sizeof(src->desc), "JPEG %s %ux%u%s",
	    ci->num_components == 1 ? "grey" : j->cmyk ? "CMYK" : "colour",
	    src->w, src->h, ci->progressive_mode ? " progressive" : "");
	if (imgsrc_check_size(src, "JPEG", err, cause) == -1) {
		j_close(src);
		return -1;
	}
	return 0;
}

static int
j_start(struct imgsrc *src, uint32_t want_w, uint32_t want_h,
    enum img_err *err, char **cause)
{
	struct jsrc			*j = src->priv;
	struct jpeg_decompress_struct	*ci = &j->cinfo;
	unsigned			 m;

	if (setjmp(j->jb) != 0)
		return j_fail(src, err, cause);
	ci->out_color_space = j->cmyk ? JCS_CMYK : JCS_GRAYSCALE;
	ci->dct_method = JDCT_IFAST;
	/* The smallest M/8 (libjpeg-turbo scales in the IDCT) that suffices. */
	ci->scale_denom = 8;
	for (m = 1; m < 8; m++)
		if (((uint64_t)src->w * m + 7) / 8 >= want_w &&
		    ((uint64_t)src->h * m + 7) / 8 >= want_h)
			break;
	ci->scale_num = m;
	jpeg_start_decompress(ci);
	src->w = ci->output_width;
	src->h = ci->output_height;
	j->line = xreallocarray(NULL, src->w, ci->output_components);
	return 0;
}

static int
j_row(struct imgsrc *src, uint8_t *grey, enum img_err *err, char **cause)
{
	struct jsrc	*j = src->priv;
	JSAMPROW	 rows[1];
	uint32_t	 x, c, m, y, k, g;
	uint8_t		*p;

	if (setjmp(j->jb) != 0)
		return j_fail(src, err, cause);
	rows[0] = j->cmyk ? j->line : grey;
	if (jpeg_read_scanlines(&j->cinfo, rows, 1) != 1 || j->truncated)
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the JPEG image is truncated");
	if (!j->cmyk)
		return 0;
	for (x = 0, p = j->line; x < src->w; x++, p += 4) {
		c = p[0], m = p[1], y = p[2], k = p[3];
		if (j->inverted) {
			/* Adobe writes CMYK inverted: 255 is no ink. */
			c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
		}
		g = ((77U * c + 150U * m + 29U * y) >> 8) + k;
		grey[x] = (uint8_t)(g > 255 ? 0 : 255 - g);
	}
	return 0;
}

static void
j_close(struct imgsrc *src)
{
	struct jsrc	*j = src->priv;

	if (j == NULL)
		return;
	if (j->cinfo.err != NULL)
		jpeg_destroy_decompress(&j->cinfo);
	if (j->f != NULL)
		fclose(j->f);
	free(j->line);
	free(j);
	src->priv = NULL;
}
