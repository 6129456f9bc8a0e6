/*
 * img-bmp.c: Windows BMP, read here (no Debian library decodes it without
 * a whole toolkit): OS/2 and Windows headers (12 to 124 bytes), 1, 4, 8,
 * 24 and 32 bits uncompressed, 16 and 32 bits with bit fields, bottom-up
 * or top-down.  RLE compression is refused.  Rows are read with pread
 * from their offset, so a bottom-up file is streamed top to bottom
 * without holding it.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tiff-int.h"
#include "xmalloc.h"

#define BI_RGB		0
#define BI_BITFIELDS	3

struct bsrc {
	int		 fd;
	uint64_t	 off;		/* pixel data */
	uint32_t	 stride;
	int		 bottom_up;
	uint16_t	 bpp;
	uint8_t		 pal[256];	/* index -> grey */
	uint32_t	 mask[3];	/* bit fields: R, G, B */
	int		 shift[3], bits[3];
	uint8_t		*line;
	uint32_t	 y;
};

static int	b_row(struct imgsrc *, uint8_t *, enum img_err *, char **);
static void	b_close(struct imgsrc *);
static int	b_start(struct imgsrc *, uint32_t, uint32_t, enum img_err *,
		    char **);
static uint32_t	le32(const uint8_t *);
static uint32_t	field(uint32_t, uint32_t, int, int);
static int	b_read(int, void *, size_t, uint64_t);

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static int
b_read(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t	n;

	do
		n = pread(fd, buf, len, (off_t)off);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* A bit-field channel scaled to 0..255. */
static uint32_t
field(uint32_t v, uint32_t mask, int shift, int bits)
{
	uint32_t	c;

	if (mask == 0 || bits == 0)
		return 0;
	c = (v & mask) >> shift;
	return bits >= 8 ? c >> (bits - 8) : c * 255U / ((1U << bits) - 1);
}

int
imgsrc_open_bmp(struct imgsrc *src, const char *path, enum img_err *err,
    char **cause)
{
	struct bsrc	*b;
	struct stat	 sb;
	uint8_t		 h[14 + 124], q[4 * 256];
	uint32_t	 dib, comp = BI_RGB, ncol = 0, i, m, ent;
	int32_t		 w, hh;
	int		 c;
	uint64_t	 need;

	b = xcalloc(1, sizeof(*b));
	b->fd = -1;
	src->priv = b;
	src->start = b_start;
	src->row = b_row;
	src->close = b_close;
	src->orient = 1;
	if ((b->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(b->fd, &sb) == -1) {
		b_close(src);
		return imgsrc_fail(src, err, IMG_EIO, cause,
		    "cannot open the file");
	}
	memset(h, 0, sizeof(h));
	if (b_read(b->fd, h, 18, 0) == -1)
		goto corrupt;
	dib = le32(h + 14);
	if (dib < 12 || dib > 124 || b_read(b->fd, h + 14, dib, 14) == -1)
		goto corrupt;
	b->off = le32(h + 10);
	if (dib == 12) {
		w = h[18] | h[19] << 8;
		hh = h[20] | h[21] << 8;
		b->bpp = (uint16_t)(h[24] | h[25] << 8);
		ent = 3;
	} else {
		w = (int32_t)le32(h + 18);
		hh = (int32_t)le32(h + 22);
		b->bpp = (uint16_t)(h[28] | h[29] << 8);
		comp = le32(h + 30);
		ncol = dib >= 36 ? le32(h + 46) : 0;
		ent = 4;
		if (dib >= 52 && comp == BI_BITFIELDS) {
			b->mask[0] = le32(h + 54);
			b->mask[1] = le32(h + 58);
			b->mask[2] = le32(h + 62);
		} else if (comp == BI_BITFIELDS) {
			/* Masks follow a 40-byte header. */
			if (b_read(b->fd, q, 12, 14 + dib) == -1)
				goto corrupt;
			b->mask[0] = le32(q);
			b->mask[1] = le32(q + 4);
			b->mask[2] = le32(q + 8);
		}
	}
	if (w <= 0 || hh == 0 || hh == INT32_MIN)
		goto corrupt;
	b->bottom_up = hh > 0;
	src->w = (uint32_t)w;
	src->h = (uint32_t)(hh > 0 ? hh : -hh);
	if (dib >= 40) {
		/* Pixels per metre. */
		src->xres = le32(h + 38) * 0.0254f;
		src->yres = le32(h + 42) * 0.0254f;
		if (src->xres < 10 || src->yres < 10 || src->xres > 20000 ||
		    src->yres > 20000)
			src->xres = src->yres = 0;
	}
	if (comp != BI_RGB && comp != BI_BITFIELDS) {
		imgsrc_fail(src, err, IMG_EUNSUPPORTED, cause,
		    "compressed BMP images are not supported");
		b_close(src);
		return -1;
	}
	if (comp == BI_RGB && b->bpp != 1 && b->bpp != 4 && b->bpp != 8 &&
	    b->bpp != 24 && b->bpp != 32) {
		imgsrc_fail(src, err, IMG_EUNSUPPORTED, cause,
		    "%u-bit BMP images are not supported", b->bpp);
		b_close(src);
		return -1;
	}
	if (comp == BI_BITFIELDS && b->bpp != 16 && b->bpp != 32)
		goto corrupt;
	if (comp == BI_RGB && b->bpp == 32) {
		b->mask[0] = 0xff0000;
		b->mask[1] = 0xff00;
		b->mask[2] = 0xff;
	}
	for (c = 0; c < 3; c++) {
		m = b->mask[c];
		b->shift[c] = 0;
		b->bits[c] = 0;
		while (m != 0 && (m & 1) == 0) {
			m >>= 1;
			b->shift[c]++;
		}
		while (m & 1) {
			m >>= 1;
			b->bits[c]++;
		}
	}
	snprintf(src->desc, sizeof(src->desc), "BMP %u-bit %ux%u", b->bpp,
	    src->w, src->h);
	if (imgsrc_check_size(src, "BMP", err, cause) == -1) {
		b_close(src);
		return -1;
	}
	b->stride = (uint32_t)(((uint64_t)src->w * b->bpp + 31) / 32 * 4);
	need = b->off + (uint64_t)b->stride * src->h;
	if (need > (uint64_t)sb.st_size) {
		imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the BMP image is truncated");
		b_close(src);
		return -1;
	}
	if (b->bpp <= 8) {
		if (ncol == 0 || ncol > (1U << b->bpp))
			ncol = 1U << b->bpp;
		memset(q, 0, sizeof(q));
		if (b_read(b->fd, q, ncol * ent, 14 + dib +
		    (comp == BI_BITFIELDS && dib < 52 ? 12 : 0)) == -1)
			goto corrupt;
		memset(b->pal, 0, sizeof(b->pal));
		for (i = 0; i < ncol; i++)	/* entries are B, G, R */
			b->pal[i] = (uint8_t)((29U * q[i * ent] +
			    150U * q[i * ent + 1] + 77U * q[i * ent + 2]) >> 8);
		src->bilevel = b->bpp == 1;
	}
	return 0;
corrupt:
	b_close(src);
	return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
	    "the BMP image is truncated or corrupt");
}

static int
b_start(struct imgsrc *src, uint32_t want_w, uint32_t want_h,
    enum img_err *err, char **cause)
{
	struct bsrc	*b = src->priv;

	b->line = xmalloc(b->stride);
	return 0;
}

static int
b_row(struct imgsrc *src, uint8_t *grey, enum img_err *err, char **cause)
{
	struct bsrc	*b = src->priv;
	uint32_t	 x, y, v, r, g, bl;
	const uint8_t	*p;

	y = b->bottom_up ? src->h - 1 - b->y : b->y;
	if (b_read(b->fd, b->line, b->stride, b->off +
	    (uint64_t)y * b->stride) == -1)
		return imgsrc_fail(src, err, IMG_ECORRUPT, cause,
		    "the BMP image is truncated");
	b->y++;
	p = b->line;
	for (x = 0; x < src->w; x++) {
		switch (b->bpp) {
		case 1:
			grey[x] = b->pal[(p[x >> 3] >> (7 - (x & 7))) & 1];
			continue;
		case 4:
			grey[x] = b->pal[(p[x >> 1] >> (x & 1 ? 0 : 4)) & 15];
			continue;
		case 8:
			grey[x] = b->pal[p[x]];
			continue;
		case 24:
			grey[x] = (uint8_t)((29U * p[3 * x] +
			    150U * p[3 * x + 1] + 77U * p[3 * x + 2]) >> 8);
			continue;
		case 16:
			v = (uint32_t)p[2 * x] | (uint32_t)p[2 * x + 1] << 8;
			break;
		default:
			v = le32(p + 4 * (size_t)x);
			break;
		}
		r = field(v, b->mask[0], b->shift[0], b->bits[0]);
		g = field(v, b->mask[1], b->shift[1], b->bits[1]);
		bl = field(v, b->mask[2], b->shift[2], b->bits[2]);
		grey[x] = (uint8_t)((77U * r + 150U * g + 29U * bl) >> 8);
	}
	return 0;
}

static void
b_close(struct imgsrc *src)
{
	struct bsrc	*b = src->priv;

	if (b == NULL)
		return;
	if (b->fd != -1)
		close(b->fd);
	free(b->line);
	free(b);
	src->priv = NULL;
}
