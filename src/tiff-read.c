/*
 * tiff-read.c: reads one page (directory) of any common TIFF as 8-bit grey
 * rows, 0 black to 255 white: bilevel, grey, palette, RGB(A), CMYK and
 * YCbCr, 1 to 16 bits, strips or tiles, contiguous or separate planes,
 * every codec libtiff was built with except old-style JPEG.
 *
 * Contiguous strips are read a scanline at a time; tiles and separate
 * planes a row of tiles or a strip at a time.  Nothing holds a whole page.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

/* A chunk (row of tiles, separate-plane strip) may take at most this. */
#define MAX_CHUNK_BYTES	((uint64_t)96 << 20)

static int	rd_fail(struct tiff_rd *, enum img_err *, enum img_err,
		    char **, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static int	rd_luts(struct tiff_rd *, enum img_err *, char **);
static int	rd_fill_chunk(struct tiff_rd *, uint32_t, struct tiff_diag *,
		    char **);
static void	unpack(const uint8_t *, uint16_t, uint32_t, uint16_t *,
		    uint32_t);
static void	to_grey(struct tiff_rd *, uint8_t *);
static int	fast_row(struct tiff_rd *, const uint8_t *, uint8_t *);
static void	rgb_row(const uint8_t *, uint32_t, uint32_t, uint8_t *);
static void	rgba_row(const uint8_t *, uint32_t, uint8_t *);

static int
rd_fail(struct tiff_rd *rd, enum img_err *err, enum img_err e, char **cause,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(cause, "%s: page %d: %s", rd->name, rd->page, msg);
	free(msg);
	*err = e;
	tiff_rd_end(rd);
	return -1;
}

void
tiff_resolution(TIFF *tif, float *xres, float *yres)
{
	float		x = 0, y = 0;
	uint16_t	unit = RESUNIT_INCH;

	if (!TIFFGetField(tif, TIFFTAG_XRESOLUTION, &x) || !(x > 0))
		x = 0;
	if (!TIFFGetField(tif, TIFFTAG_YRESOLUTION, &y) || !(y > 0))
		y = 0;
	TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
	if (unit == RESUNIT_CENTIMETER) {
		x *= 2.54f;
		y *= 2.54f;
	} else if (unit != RESUNIT_INCH)
		x = y = 0;
	if (x == 0)
		x = y;
	if (y == 0)
		y = x;
	/* Resolutions outside 10..20000 dpi are junk, not information. */
	if (x < 10 || x > 20000 || y < 10 || y > 20000)
		x = y = 0;
	*xres = x;
	*yres = y;
}

static int
rd_luts(struct tiff_rd *rd, enum img_err *err, char **cause)
{
	uint32_t	 maxv, v, n;
	uint16_t	*r, *g, *b;
	int		 wide = 0;

	maxv = (1U << rd->bps) - 1;
	rd->lut = xmalloc((size_t)maxv + 1);
	for (v = 0; v <= maxv; v++)
		rd->lut[v] = (uint8_t)((v * 255U + maxv / 2) / maxv);
	if (rd->photo != PHOTOMETRIC_PALETTE)
		return 0;
	if (!TIFFGetField(rd->tif, TIFFTAG_COLORMAP, &r, &g, &b))
		return rd_fail(rd, err, IMG_ECORRUPT, cause,
		    "palette image without a colour map");
	n = maxv + 1;
	/* Some writers store 8-bit values in the 16-bit colour map. */
	for (v = 0; v < n; v++)
		if (r[v] > 255 || g[v] > 255 || b[v] > 255)
			wide = 1;
	rd->pal = xmalloc(n);
	for (v = 0; v < n; v++) {
		uint32_t rr = r[v], gg = g[v], bb = b[v];

		if (wide) {
			rr >>= 8;
			gg >>= 8;
			bb >>= 8;
		}
		rd->pal[v] = (uint8_t)((77 * rr + 150 * gg + 29 * bb) >> 8);
	}
	return 0;
}

int
tiff_rd_begin(struct tiff_rd *rd, TIFF *tif, const char *name, int page,
    unsigned long long max_pixels, enum img_err *err, char **cause)
{
	uint16_t	 sfmt = SAMPLEFORMAT_UINT, nextra = 0, *extra = NULL;
	uint16_t	 inkset = INKSET_CMYK, sub_h = 2, sub_v = 2;
	uint32_t	 rps, tw = 0, th = 0;
	uint64_t	 bytes;
	const TIFFCodec	*codec;

	memset(rd, 0, sizeof(*rd));
	rd->tif = tif;
	rd->name = name;
	rd->page = page;
	rd->chunk_y0 = UINT32_MAX;

	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &rd->w) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &rd->h) ||
	    rd->w == 0 || rd->h == 0)
		return rd_fail(rd, err, IMG_ECORRUPT, cause,
		    "no image size (corrupt TIFF)");
	if ((unsigned long long)rd->w * rd->h > max_pixels ||
	    rd->w > MAX_ROW_PIXELS)
		return rd_fail(rd, err, IMG_ETOOLARGE, cause,
		    "%ux%u pixels is more than the limit of %llu pixels",
		    rd->w, rd->h, max_pixels);
	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &rd->compression);
	if (rd->compression == COMPRESSION_OJPEG)
		return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
		    "old-style JPEG compression is not supported");
	if (!TIFFIsCODECConfigured(rd->compression)) {
		codec = TIFFFindCODEC(rd->compression);
		return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
		    "compression %s (%u) is not supported",
		    codec != NULL ? codec->name : "unknown", rd->compression);
	}
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &rd->bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &rd->spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sfmt);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &rd->planar);
	TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &rd->fillorder);
	if (rd->bps != 1 && rd->bps != 2 && rd->bps != 4 && rd->bps != 8 &&
	    rd->bps != 16)
		return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
		    "%u-bit samples are not supported", rd->bps);
	if (sfmt != SAMPLEFORMAT_UINT && sfmt != SAMPLEFORMAT_VOID)
		return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
		    "signed or floating-point samples are not supported");
	if (rd->spp == 0 || rd->spp > 8)
		return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
		    "%u samples per pixel are not supported", rd->spp);
	if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &rd->photo))
		rd->photo = rd->spp >= 3 ? PHOTOMETRIC_RGB :
		    PHOTOMETRIC_MINISWHITE;

	switch (rd->photo) {
	case PHOTOMETRIC_MINISWHITE:
	case PHOTOMETRIC_MINISBLACK:
		rd->ncolor = 1;
		break;
	case PHOTOMETRIC_PALETTE:
		rd->ncolor = 1;
		if (rd->bps > 8)
			return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
			    "%u-bit palette images are not supported",
			    rd->bps);
		break;
	case PHOTOMETRIC_RGB:
		rd->ncolor = 3;
		break;
	case PHOTOMETRIC_YCBCR:
		rd->ncolor = 3;
		if (rd->compression == COMPRESSION_JPEG) {
			/* libjpeg converts to RGB for us. */
			TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE,
			    JPEGCOLORMODE_RGB);
			rd->photo = PHOTOMETRIC_RGB;
			break;
		}
		TIFFGetFieldDefaulted(tif, TIFFTAG_YCBCRSUBSAMPLING, &sub_h,
		    &sub_v);
		if (sub_h != 1 || sub_v != 1)
			return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
			    "subsampled YCbCr without JPEG is not supported");
		break;
	case PHOTOMETRIC_SEPARATED:
		TIFFGetFieldDefaulted(tif, TIFFTAG_INKSET, &inkset);
		if (inkset != INKSET_CMYK || rd->spp < 4)
			return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
			    "separated colour other than CMYK is not "
			    "supported");
		rd->ncolor = 4;
		break;
	default:
		return rd_fail(rd, err, IMG_EUNSUPPORTED, cause,
		    "photometric interpretation %u is not supported",
		    rd->photo);
	}
	if (rd->spp < rd->ncolor)
		return rd_fail(rd, err, IMG_ECORRUPT, cause,
		    "%u samples per pixel is too few for its colour space",
		    rd->spp);
	if (rd->spp > rd->ncolor &&
	    TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &nextra, &extra) &&
	    nextra > 0) {
		if (extra[0] == EXTRASAMPLE_UNASSALPHA)
			rd->alpha = 1;
		else if (extra[0] == EXTRASAMPLE_ASSOCALPHA)
			rd->alpha = 2;
	}
	rd->bilevel = rd->bps == 1 && rd->spp == 1 &&
	    (rd->photo == PHOTOMETRIC_MINISWHITE ||
	    rd->photo == PHOTOMETRIC_MINISBLACK);
	tiff_resolution(tif, &rd->xres, &rd->yres);
	if (rd_luts(rd, err, cause) == -1)
		return -1;

	rd->samp = xreallocarray(NULL, (size_t)rd->w * rd->spp,
	    sizeof(*rd->samp));
	rd->tiled = TIFFIsTiled(tif);
	rd->chunked = rd->tiled || (rd->planar == PLANARCONFIG_SEPARATE &&
	    rd->spp > 1);
	if (rd->planar == PLANARCONFIG_SEPARATE && rd->spp > 1)
		bytes = ((uint64_t)rd->w * rd->bps + 7) / 8;
	else
		bytes = ((uint64_t)rd->w * rd->spp * rd->bps + 7) / 8;
	rd->plane_bytes = (tmsize_t)bytes;
	if (!rd->chunked) {
		if (TIFFScanlineSize64(tif) == 0 ||
		    (uint64_t)TIFFScanlineSize64(tif) > bytes * 4 + 64)
			return rd_fail(rd, err, IMG_ECORRUPT, cause,
			    "inconsistent scanline size");
		rd->line = xmalloc((size_t)TIFFScanlineSize64(tif));
		return 0;
	}
	if (rd->tiled) {
		if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) ||
		    !TIFFGetField(tif, TIFFTAG_TILELENGTH, &th) || tw == 0 ||
		    th == 0 || TIFFTileSize64(tif) == 0)
			return rd_fail(rd, err, IMG_ECORRUPT, cause,
			    "tiles without a size");
		rd->chunk_h = th;
		if ((uint64_t)TIFFTileSize64(tif) > MAX_CHUNK_BYTES)
			return rd_fail(rd, err, IMG_ETOOLARGE, cause,
			    "tiles of %ux%u pixels are too large", tw, th);
		rd->tile = xmalloc((size_t)TIFFTileSize64(tif));
	} else {
		TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
		rd->chunk_h = rps == 0 || rps > rd->h ? rd->h : rps;
	}
	bytes *= (uint64_t)rd->chunk_h *
	    (rd->planar == PLANARCONFIG_SEPARATE ? rd->spp : 1);
	if (bytes > MAX_CHUNK_BYTES)
		return rd_fail(rd, err, IMG_ETOOLARGE, cause,
		    "strips or tiles of %u rows are too large to read",
		    rd->chunk_h);
	rd->chunk = xmalloc((size_t)bytes);
	return 0;
}

void
tiff_rd_end(struct tiff_rd *rd)
{
	free(rd->line);
	free(rd->chunk);
	free(rd->tile);
	free(rd->samp);
	free(rd->lut);
	free(rd->pal);
	rd->line = rd->chunk = rd->tile = rd->lut = rd->pal = NULL;
	rd->samp = NULL;
}

/* Reads the chunk holding row y: a row of tiles or one strip per plane. */
static int
rd_fill_chunk(struct tiff_rd *rd, uint32_t y, struct tiff_diag *d,
    char **cause)
{
	uint32_t	 y0, rows, x, tw, nplanes, p, r, strip;
	uint64_t	 off, n, trow;
	uint8_t		*dst;
	uint16_t	 pspp;

	y0 = y - y % rd->chunk_h;
	rows = rd->h - y0 < rd->chunk_h ? rd->h - y0 : rd->chunk_h;
	nplanes = rd->planar == PLANARCONFIG_SEPARATE ? rd->spp : 1;
	pspp = rd->planar == PLANARCONFIG_SEPARATE ? 1 : rd->spp;
	for (p = 0; p < nplanes; p++) {
		dst = rd->chunk + (size_t)p * rd->chunk_h * rd->plane_bytes;
		if (!rd->tiled) {
			strip = TIFFComputeStrip(rd->tif, y0, (uint16_t)p);
			if (TIFFReadEncodedStrip(rd->tif, strip, dst,
			    (tmsize_t)rows * rd->plane_bytes) == -1)
				goto fail;
			continue;
		}
		TIFFGetField(rd->tif, TIFFTAG_TILEWIDTH, &tw);
		trow = (uint64_t)TIFFTileRowSize64(rd->tif);
		for (x = 0; x < rd->w; x += tw) {
			if (TIFFReadTile(rd->tif, rd->tile, x, y0, 0,
			    (uint16_t)p) == -1)
				goto fail;
			off = (uint64_t)x * pspp * rd->bps / 8;
			n = ((uint64_t)(rd->w - x < tw ? rd->w - x : tw) *
			    pspp * rd->bps + 7) / 8;
			if (n > trow)
				n = trow;
			for (r = 0; r < rows; r++)
				memcpy(dst + (size_t)r * rd->plane_bytes + off,
				    rd->tile + r * trow, n);
		}
	}
	rd->chunk_y0 = y0;
	return 0;
fail:
	xasprintf(cause, "%s: page %d: cannot read row %u: %s", rd->name,
	    rd->page, y, tiff_diag_msg(d, "read error"));
	return -1;
}

/* Unpacks n samples of bps bits to out[0], out[stride], ... */
static void
unpack(const uint8_t *src, uint16_t bps, uint32_t n, uint16_t *out,
    uint32_t stride)
{
	uint32_t	i, bit;
	uint16_t	v;

	switch (bps) {
	case 8:
		for (i = 0; i < n; i++)
			out[(size_t)i * stride] = src[i];
		return;
	case 16:
		for (i = 0; i < n; i++) {
			memcpy(&v, src + 2 * (size_t)i, 2);
			out[(size_t)i * stride] = v;
		}
		return;
	default:
		for (i = 0, bit = 0; i < n; i++, bit += bps) {
			v = src[bit >> 3];
			out[(size_t)i * stride] = (uint16_t)((v >>
			    (8 - bps - (bit & 7))) & ((1U << bps) - 1));
		}
		return;
	}
}

static void
to_grey(struct tiff_rd *rd, uint8_t *grey)
{
	const uint16_t	*s = rd->samp;
	const uint8_t	*lut = rd->lut;
	uint32_t	 x, g, a, c, m, y, k, spp = rd->spp;

	for (x = 0; x < rd->w; x++, s += spp) {
		switch (rd->photo) {
		case PHOTOMETRIC_MINISBLACK:
		case PHOTOMETRIC_YCBCR:		/* luma only */
			g = lut[s[0]];
			break;
		case PHOTOMETRIC_MINISWHITE:
			g = 255U - lut[s[0]];
			break;
		case PHOTOMETRIC_PALETTE:
			g = rd->pal[s[0]];
			break;
		case PHOTOMETRIC_RGB:
			g = (77U * lut[s[0]] + 150U * lut[s[1]] +
			    29U * lut[s[2]]) >> 8;
			break;
		default:			/* CMYK */
			c = lut[s[0]];
			m = lut[s[1]];
			y = lut[s[2]];
			k = lut[s[3]];
			g = ((77U * c + 150U * m + 29U * y) >> 8) + k;
			g = g > 255 ? 0 : 255 - g;
			break;
		}
		if (rd->alpha != 0) {
			a = lut[s[rd->ncolor]];
			if (rd->alpha == 1)
				g = (g * a + 255U * (255U - a) + 127) / 255U;
			else
				g = g + 255U - a > 255 ? 255 : g + 255U - a;
		}
		grey[x] = (uint8_t)g;
	}
}

/*
 * The common cases straight from the raw row, without the sample array:
 * bilevel, and 8-bit grey or RGB(A) in one plane.  0 when not handled.
 */
static int
fast_row(struct tiff_rd *rd, const uint8_t *src, uint8_t *grey)
{
	uint32_t	 x, n = rd->w, spp = rd->spp, a;
	uint8_t		 on, off;

	if (rd->bilevel) {
		on = rd->photo == PHOTOMETRIC_MINISWHITE ? 0 : 255;
		off = 255 - on;
		for (x = 0; x + 8 <= n; x += 8, src++) {
			if (*src == 0x00 || *src == 0xff) {
				memset(grey + x, *src ? on : off, 8);
				continue;
			}
			for (a = 0; a < 8; a++)
				grey[x + a] = (*src & (0x80 >> a)) ? on : off;
		}
		for (a = 0; x < n; x++, a++)
			grey[x] = (*src & (0x80 >> a)) ? on : off;
		return 1;
	}
	if (rd->bps != 8 || (rd->planar == PLANARCONFIG_SEPARATE && spp > 1))
		return 0;
	if (rd->photo == PHOTOMETRIC_MINISBLACK && spp == 1) {
		memcpy(grey, src, n);
		return 1;
	}
	if (rd->photo == PHOTOMETRIC_MINISWHITE && spp == 1) {
		for (x = 0; x < n; x++)
			grey[x] = (uint8_t)(255 - src[x]);
		return 1;
	}
	if (rd->photo != PHOTOMETRIC_RGB || rd->alpha == 2)
		return 0;
	if (rd->alpha == 1 && spp == 4)
		rgba_row(src, n, grey);
	else
		rgb_row(src, n, spp, grey);
	return 1;
}

/*
 * 8-bit RGB (spp samples a pixel) and RGBA to grey, written for the
 * vectoriser: no branch per pixel.  Alpha is flattened on white; x / 255
 * is (x * 0x8081) >> 23 for every x below 65536.
 */
static IMG_HOT void
rgb_row(const uint8_t *restrict src, uint32_t n, uint32_t spp,
    uint8_t *restrict grey)
{
	uint32_t	x;

	for (x = 0; x < n; x++, src += spp)
		grey[x] = (uint8_t)((77U * src[0] + 150U * src[1] +
		    29U * src[2]) >> 8);
}

static IMG_HOT void
rgba_row(const uint8_t *restrict src, uint32_t n, uint8_t *restrict grey)
{
	uint32_t	x, g, a;

	for (x = 0; x < n; x++, src += 4) {
		g = (77U * src[0] + 150U * src[1] + 29U * src[2]) >> 8;
		a = src[3];
		grey[x] = (uint8_t)(((g * a + 255U * (255U - a) + 127) *
		    0x8081U) >> 23);
	}
}

int
tiff_rd_row(struct tiff_rd *rd, uint8_t *grey, struct tiff_diag *d,
    char **cause)
{
	const uint8_t	*src;
	uint32_t	 y = rd->row, p, off;

	if (y >= rd->h) {
		xasprintf(cause, "%s: page %d: read past the last row",
		    rd->name, rd->page);
		return -1;
	}
	if (!rd->chunked) {
		if (TIFFReadScanline(rd->tif, rd->line, y, 0) == -1) {
			xasprintf(cause, "%s: page %d: cannot read row %u: %s",
			    rd->name, rd->page, y,
			    tiff_diag_msg(d, "read error"));
			return -1;
		}
		if (fast_row(rd, rd->line, grey)) {
			rd->row++;
			return 0;
		}
		unpack(rd->line, rd->bps, rd->w * rd->spp, rd->samp, 1);
	} else {
		if (rd->chunk_y0 == UINT32_MAX || y < rd->chunk_y0 ||
		    y >= rd->chunk_y0 + rd->chunk_h) {
			if (rd_fill_chunk(rd, y, d, cause) == -1)
				return -1;
		}
		off = y - rd->chunk_y0;
		if (rd->planar == PLANARCONFIG_SEPARATE && rd->spp > 1) {
			for (p = 0; p < rd->spp; p++) {
				src = rd->chunk + ((size_t)p * rd->chunk_h +
				    off) * rd->plane_bytes;
				unpack(src, rd->bps, rd->w, rd->samp + p,
				    rd->spp);
			}
		} else {
			src = rd->chunk + (size_t)off * rd->plane_bytes;
			if (fast_row(rd, src, grey)) {
				rd->row++;
				return 0;
			}
			unpack(src, rd->bps, rd->w * rd->spp, rd->samp, 1);
		}
	}
	to_grey(rd, grey);
	rd->row++;
	return 0;
}
