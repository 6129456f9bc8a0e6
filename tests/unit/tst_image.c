/*
 * tst_image: the imaging core against inputs made here with libtiff (and
 * by hand, byte by byte, for the broken ones): every output page is
 * checked for the TIFF Class F tags tiffcheck looks at, pixels where they
 * must be, pass-through without re-encoding, each bad input's error and
 * message, PDF export, PNG preview, and four threads at once.
 */
#include "config.h"

#include <sys/stat.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "image.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

static char	dir[] = "/tmp/tstimageXXXXXX";

struct spec {
	uint32_t	w, h;
	uint16_t	bps, spp, photo, comp, planar;
	float		xres, yres;	/* 0: no resolution tags */
	uint32_t	tile;		/* tile size, 0 for strips */
	int		pages;
	int		g3opts;
};

static char *
path_of(const char *name)
{
	return xprintf("%s/%s", dir, name);
}

/* The value of an 8-bit sample at (x, y): a black box on a light ramp. */
static unsigned
pattern(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	if (x > w / 4 && x < w / 2 && y > h / 8 && y < h / 4)
		return 0;
	return 128 + (127 * x) / w;
}

static void
make_tiff(const char *name, const struct spec *s)
{
	TIFF		*t;
	char		*p = path_of(name);
	uint8_t		*row, *tile;
	uint16_t	 cmap[3][256];
	uint32_t	 x, y, tx, ty, i, c, v, plane, nplanes;
	int		 pg;
	tmsize_t	 rowbytes;

	if ((t = TIFFOpen(p, "w")) == NULL)
		exit(99);
	nplanes = s->planar == PLANARCONFIG_SEPARATE ? s->spp : 1;
	for (i = 0; i < 256; i++)
		cmap[0][i] = cmap[1][i] = cmap[2][i] = (uint16_t)(i * 257);
	for (pg = 0; pg < (s->pages ? s->pages : 1); pg++) {
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, s->w);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, s->h);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, s->bps);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, s->spp);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, s->photo);
		TIFFSetField(t, TIFFTAG_COMPRESSION, s->comp);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, s->planar ? s->planar :
		    PLANARCONFIG_CONTIG);
		if (s->comp == COMPRESSION_CCITTFAX3)
			TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, s->g3opts);
		if (s->photo == PHOTOMETRIC_PALETTE)
			TIFFSetField(t, TIFFTAG_COLORMAP, cmap[0], cmap[1],
			    cmap[2]);
		if (s->xres > 0) {
			TIFFSetField(t, TIFFTAG_XRESOLUTION, s->xres);
			TIFFSetField(t, TIFFTAG_YRESOLUTION, s->yres);
			TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		}
		if (s->tile)
			TIFFSetField(t, TIFFTAG_TILEWIDTH, s->tile);
		if (s->tile)
			TIFFSetField(t, TIFFTAG_TILELENGTH, s->tile);
		else
			TIFFSetField(t, TIFFTAG_ROWSPERSTRIP,
			    s->comp == COMPRESSION_CCITTFAX4 ||
			    s->comp == COMPRESSION_CCITTFAX3 ? s->h : 16);
		if (s->pages > 1)
			TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		rowbytes = TIFFScanlineSize(t);
		row = xcalloc(1, (size_t)rowbytes * (s->tile ? s->tile : 1));
		for (y = 0; y < s->h * nplanes; y++) {
			plane = y / s->h;
			y %= s->h;
			memset(row, 0, (size_t)rowbytes);
			for (x = 0; x < s->w; x++) {
				v = pattern(x, y, s->w, s->h);
				if (s->photo == PHOTOMETRIC_MINISWHITE)
					v = 255 - v;
				for (c = 0; c < (s->planar == 2 ? 1 : s->spp);
				    c++) {
					uint32_t idx = x * (s->planar == 2 ?
					    1 : s->spp) + c;
					if (s->bps == 8)
						row[idx] = (uint8_t)v;
					else if (s->bps == 16) {
						uint16_t v16 = (uint16_t)(v *
						    257);
						memcpy(row + 2 * idx, &v16, 2);
					} else if (s->bps == 1) {
						if (v >= 128)
							row[idx / 8] |= (uint8_t)
							    (0x80 >> (idx & 7));
					} else if (s->bps == 4)
						row[idx / 2] |= (uint8_t)((v >>
						    4) << (idx & 1 ? 0 : 4));
				}
			}
			if (s->tile)
				memcpy(row + (size_t)(y % s->tile) * rowbytes,
				    row, (size_t)rowbytes);
			if (!s->tile) {
				if (TIFFWriteScanline(t, row, y,
				    (uint16_t)plane) == -1)
					exit(98);
			} else if (y % s->tile == s->tile - 1 || y == s->h - 1) {
				ty = y - y % s->tile;
				tile = xcalloc(1, (size_t)TIFFTileSize(t));
				for (tx = 0; tx < s->w; tx += s->tile) {
					memset(tile, 0, (size_t)TIFFTileSize(t));
					for (i = 0; i <= y - ty; i++)
						memcpy(tile + i *
						    TIFFTileRowSize(t),
						    row + i * rowbytes +
						    tx * s->spp * s->bps / 8,
						    (size_t)(s->w - tx <
						    s->tile ? (s->w - tx) *
						    s->spp * s->bps / 8 :
						    TIFFTileRowSize(t)));
					TIFFWriteTile(t, tile, tx, ty, 0, 0);
				}
				free(tile);
			}
			y += plane * s->h;
		}
		free(row);
		TIFFWriteDirectory(t);
	}
	TIFFClose(t);
	free(p);
}

/* A hand-made little-endian TIFF: header, then one IFD at offset 8. */
static void
make_raw(const char *name, const uint16_t (*e)[2], const uint32_t *vals,
    int n, uint32_t ifd_off, size_t pad)
{
	uint8_t	 b[512];
	size_t	 len = 8, i;
	char	*p = path_of(name);

	memset(b, 0, sizeof(b));
	memcpy(b, "II*\0", 4);
	memcpy(b + 4, &ifd_off, 4);
	if (ifd_off != 0) {
		uint16_t cnt = (uint16_t)n;

		memcpy(b + len, &cnt, 2);
		len += 2;
		for (i = 0; i < (size_t)n; i++) {
			uint16_t type = e[i][1], tag = e[i][0];
			uint32_t one = 1;

			memcpy(b + len, &tag, 2);
			memcpy(b + len + 2, &type, 2);
			memcpy(b + len + 4, &one, 4);
			memcpy(b + len + 8, &vals[i], 4);
			len += 12;
		}
		len += 4;
	}
	len += pad;
	file_write_atomic(p, b, len, 0644, NULL);
	free(p);
}

struct expect {
	int		pages;
	uint16_t	comp;
	float		yres;
	uint32_t	length;
};

/* Checks every page for what HylaFAX's tiffcheck looks at. */
static int
check_fax(const char *path, const struct expect *x, char *why, size_t len)
{
	TIFF		*t;
	uint32_t	 w, h, rps;
	uint16_t	 bps, spp, photo, comp, fill;
	float		 xr, yr;
	int		 n = 0;

	if ((t = TIFFOpen(path, "r")) == NULL) {
		snprintf(why, len, "cannot open");
		return 0;
	}
	do {
		n++;
		TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
		TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
		TIFFGetField(t, TIFFTAG_ROWSPERSTRIP, &rps);
		TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
		TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
		TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo);
		TIFFGetField(t, TIFFTAG_COMPRESSION, &comp);
		TIFFGetFieldDefaulted(t, TIFFTAG_FILLORDER, &fill);
		TIFFGetField(t, TIFFTAG_XRESOLUTION, &xr);
		TIFFGetField(t, TIFFTAG_YRESOLUTION, &yr);
		if (w != 1728 || bps != 1 || spp != 1 ||
		    photo != PHOTOMETRIC_MINISWHITE || comp != x->comp ||
		    rps < h || TIFFNumberOfStrips(t) != 1 || xr != 204 ||
		    yr != x->yres || (x->length && h != x->length)) {
			snprintf(why, len, "page %d: %ux%u bps %u spp %u "
			    "photo %u comp %u rps %u res %gx%g", n, w, h, bps,
			    spp, photo, comp, rps, xr, yr);
			TIFFClose(t);
			return 0;
		}
	} while (TIFFReadDirectory(t));
	TIFFClose(t);
	if (n != x->pages) {
		snprintf(why, len, "%d pages, want %d", n, x->pages);
		return 0;
	}
	return 1;
}

/* 1 when the output pixel (x, y) of page 1 is black. */
static int
black_at(const char *path, uint32_t x, uint32_t y)
{
	TIFF	*t;
	uint8_t	*row;
	uint32_t i;
	int	 b = -1;

	if ((t = TIFFOpen(path, "r")) == NULL)
		return -1;
	row = xmalloc((size_t)TIFFScanlineSize(t));
	for (i = 0; i <= y; i++)
		if (TIFFReadScanline(t, row, i, 0) == -1)
			goto out;
	b = (row[x / 8] >> (7 - x % 8)) & 1;
out:
	free(row);
	TIFFClose(t);
	return b;
}

static int
exists(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0;
}

/* Runs img_normalize on one input; returns the error (IMG_OK on success). */
static enum img_err
norm1(const char *in, const char *out, const struct img_opts *o,
    struct img_stats *st, char **cause)
{
	const char	*inputs[1];
	char		*pi = path_of(in), *po = path_of(out);
	enum img_err	 err = IMG_OK;
	struct img_stats dummy;

	inputs[0] = pi;
	*cause = NULL;
	if (img_normalize(inputs, NULL, 1, po, o, st ? st : &dummy, &err,
	    cause) == 0 && st == NULL)
		img_stats_free(&dummy);
	free(pi);
	free(po);
	return err;
}

struct bad {
	const char	*file;
	enum img_err	 err;
	const char	*words;
};

struct thr {
	const char	*in;
	const char	*out;
	enum img_err	 err;
};

static void *
thr_run(void *arg)
{
	struct thr	*t = arg;
	struct img_opts	 o;
	char		*cause;

	img_opts_default(&o);
	t->err = norm1(t->in, t->out, &o, NULL, &cause);
	free(cause);
	return NULL;
}

static void	test_sniff(void);
static void	test_threads(void);
static void	test_g4(void);

int
main(void)
{
	struct img_opts	 o;
	struct img_stats st;
	struct expect	 x;
	char		 why[200], *cause, *p, *q, *data;
	const char	*ins[3];
	size_t		 len, i;
	int		 pages;
	pthread_t	 th[4];
	struct thr	 ta[4];

	if (mkdtemp(dir) == NULL)
		return 99;
	why[0] = '\0';
	img_opts_default(&o);

	/* Grey 8-bit, 200 dpi A4, LZW strips. */
	make_tiff("grey.tif", &(struct spec){ 1654, 2339, 8, 1,
	    PHOTOMETRIC_MINISBLACK, COMPRESSION_LZW, 0, 200, 200, 0, 1, 0 });
	is_int(norm1("grey.tif", "o1.tif", &o, &st, &cause), IMG_OK,
	    "grey 200 dpi page converts");
	if (cause)
		diag("%s", cause);
	x = (struct expect){ 1, COMPRESSION_CCITTFAX4, 196, 2291 };
	p = path_of("o1.tif");
	ok(check_fax(p, &x, why, sizeof(why)), "grey: fax format, G4 fine");
	if (why[0])
		diag("%s", why);
	why[0] = '\0';
	is_int(st.converted, 1, "grey: counted as converted");
	ok(strstr(st.notes ? st.notes : "", "grey.tif: 1 page") != NULL,
	    "grey: notes name the input");
	ok(strstr(st.notes ? st.notes : "", "dithered") != NULL,
	    "grey: notes say dithered");
	/* Box at x 413..827, y 292..585 of 200 dpi; 1654 px = 1687 out. */
	is_int(black_at(p, 20 + 620 * 204 / 200, 440 * 196 / 200), 1,
	    "grey: the black box is black");
	is_int(black_at(p, 5, 2200), 0, "grey: the margin is white");
	img_stats_free(&st);

	/* Normal resolution, G3 2-D. */
	o.fine = 0;
	o.g4 = 0;
	is_int(norm1("grey.tif", "o2.tif", &o, NULL, &cause), IMG_OK,
	    "grey to G3 normal");
	free(cause);
	free(p);
	p = path_of("o2.tif");
	x = (struct expect){ 1, COMPRESSION_CCITTFAX3, 98, 1145 };
	ok(check_fax(p, &x, why, sizeof(why)), "G3 2-D normal page");
	if (why[0])
		diag("%s", why);
	free(p);
	img_opts_default(&o);

	/* A fax page in the wanted coding passes through untouched. */
	make_tiff("fax.tif", &(struct spec){ 1728, 2200, 1, 1,
	    PHOTOMETRIC_MINISWHITE, COMPRESSION_CCITTFAX4, 0, 204, 196, 0, 2,
	    0 });
	is_int(norm1("fax.tif", "o3.tif", &o, &st, &cause), IMG_OK,
	    "fax page");
	is_int(st.passed_through, 2, "fax: both pages passed through");
	is_int(st.converted, 0, "fax: nothing re-encoded");
	img_stats_free(&st);
	p = path_of("o3.tif");
	x = (struct expect){ 2, COMPRESSION_CCITTFAX4, 196, 2200 };
	ok(check_fax(p, &x, why, sizeof(why)), "fax: still fax format");
	{
		TIFF *a, *b;
		uint64_t *ca, *cb;
		char *pa = path_of("fax.tif");

		a = TIFFOpen(pa, "r");
		b = TIFFOpen(p, "r");
		TIFFGetField(a, TIFFTAG_STRIPBYTECOUNTS, &ca);
		TIFFGetField(b, TIFFTAG_STRIPBYTECOUNTS, &cb);
		is_int(cb[0], ca[0], "fax: strip copied byte for byte");
		TIFFClose(a);
		TIFFClose(b);
		free(pa);
	}
	free(p);
	/* ...and is re-encoded, not rescaled, when G3 is wanted. */
	o.g4 = 0;
	is_int(norm1("fax.tif", "o4.tif", &o, &st, &cause), IMG_OK,
	    "fax page to G3");
	is_int(st.converted, 2, "fax to G3: re-encoded");
	ok(strstr(st.notes, "re-encoded as G3 2-D") != NULL,
	    "fax to G3: notes say re-encoded");
	img_stats_free(&st);
	img_opts_default(&o);

	/* Landscape RGB turns to portrait. */
	make_tiff("land.tif", &(struct spec){ 1200, 800, 8, 3,
	    PHOTOMETRIC_RGB, COMPRESSION_DEFLATE, 0, 150, 150, 0, 1, 0 });
	is_int(norm1("land.tif", "o5.tif", &o, &st, &cause), IMG_OK,
	    "landscape RGB");
	ok(strstr(st.notes, "turned to portrait") != NULL,
	    "landscape: turned to portrait");
	img_stats_free(&st);

	/* Tiled 4-bit palette, no resolution: fitted to the page. */
	make_tiff("pal.tif", &(struct spec){ 500, 700, 4, 1,
	    PHOTOMETRIC_PALETTE, COMPRESSION_PACKBITS, 0, 0, 0, 64, 1, 0 });
	is_int(norm1("pal.tif", "o6.tif", &o, &st, &cause), IMG_OK,
	    "tiled palette without resolution");
	if (cause)
		diag("%s", cause);
	ok(st.notes && strstr(st.notes, "without resolution") != NULL &&
	    strstr(st.notes, "scaled up") != NULL,
	    "palette: fitted to the page");
	img_stats_free(&st);

	/* 16-bit RGB in separate planes. */
	make_tiff("sep.tif", &(struct spec){ 400, 500, 16, 3,
	    PHOTOMETRIC_RGB, COMPRESSION_NONE, PLANARCONFIG_SEPARATE, 72, 72,
	    0, 1, 0 });
	is_int(norm1("sep.tif", "o7.tif", &o, &st, &cause), IMG_OK,
	    "16-bit planar RGB");
	if (cause)
		diag("%s", cause);
	img_stats_free(&st);

	/* Several inputs, in order, into one file. */
	ins[0] = p = path_of("grey.tif");
	ins[1] = q = path_of("fax.tif");
	ins[2] = data = path_of("land.tif");
	{
		char *out = path_of("multi.tif");
		enum img_err err;

		ok(img_normalize(ins, NULL, 3, out, &o, &st, &err, &cause) ==
		    0, "three inputs");
		is_int(st.pages, 4, "three inputs: 4 pages");
		ok(img_count_pages(out, &pages, &cause) == 0 && pages == 4,
		    "img_count_pages");
		x = (struct expect){ 4, COMPRESSION_CCITTFAX4, 196, 0 };
		ok(check_fax(out, &x, why, sizeof(why)),
		    "three inputs: all pages fax format");
		img_stats_free(&st);

		/* Export and preview. */
		char *pdf = path_of("multi.pdf"), *png = path_of("m.png");
		ok(img_topdf(out, pdf, &pages, &cause) == 0 && pages == 4,
		    "img_topdf: 4 pages");
		{
			char *pd = NULL;

			file_read(pdf, 1 << 24, &pd, &len, &cause);
			ok(pd != NULL && strncmp(pd, "%PDF-1.4", 8) == 0,
			    "PDF header");
			ok(pd != NULL && memmem(pd, len, "/CCITTFaxDecode",
			    15) != NULL, "PDF embeds CCITT data");
			ok(pd != NULL && memmem(pd, len, "/Count 4", 8) !=
			    NULL, "PDF page count");
			free(pd);
		}
		ok(img_preview_png(out, png, 120, &cause) == 0, "preview");
		{
			char *pn = NULL;
			uint32_t pw;

			file_read(png, 1 << 20, &pn, &len, &cause);
			ok(pn != NULL && memcmp(pn, "\x89PNG", 4) == 0,
			    "preview is a PNG");
			if (pn != NULL)
				memcpy(&pw, pn + 16, 4);
			is_int(pn ? __builtin_bswap32(pw) : 0, 120,
			    "preview width");
			free(pn);
		}
		free(pdf);
		free(png);
		free(out);
	}
	free(p);
	free(q);
	free(data);

	/* Bad inputs: each with its error and words naming it. */
	p = path_of("text.tif");
	file_write_atomic(p, "hello, not an image\n", 20, 0644, NULL);
	free(p);
	make_raw("zero.tif", NULL, NULL, 0, 0, 8);
	{
		static const uint16_t e[][2] = { { 256, 4 }, { 257, 4 },
		    { 258, 3 }, { 259, 3 }, { 262, 3 }, { 273, 4 },
		    { 279, 4 } };
		static const uint32_t bomb[] = { 100000, 100000, 1, 1, 0, 200,
		    10 };
		static const uint32_t ojpeg[] = { 100, 100, 8, 6, 1, 200, 10 };
		static const uint32_t bits3[] = { 100, 100, 3, 1, 1, 200, 10 };

		make_raw("bomb.tif", e, bomb, 7, 8, 100);
		make_raw("ojpeg.tif", e, ojpeg, 7, 8, 100);
		make_raw("bits3.tif", e, bits3, 7, 8, 100);
	}
	p = path_of("grey.tif");
	file_read(p, 1 << 26, &data, &len, &cause);
	free(p);
	p = path_of("trunc.tif");
	/* libtiff writes the directory last: cut into the image data. */
	file_write_atomic(p, data, len / 2, 0644, NULL);
	free(p);
	free(data);
	{
		static const struct bad bads[] = {
			{ "text.tif", IMG_EMISMATCH, "text.tif: not a TIFF" },
			{ "zero.tif", IMG_ENOPAGES, "zero.tif: the TIFF image "
			    "has no pages" },
			{ "trunc.tif", IMG_ECORRUPT, "trunc.tif: corrupt" },
			{ "bomb.tif", IMG_ETOOLARGE, "100000x100000 pixels" },
			{ "ojpeg.tif", IMG_EUNSUPPORTED, "old-style JPEG" },
			{ "bits3.tif", IMG_EUNSUPPORTED, "3-bit samples" },
			{ "nonexistent.tif", IMG_EIO, "nonexistent.tif" },
		};
		char name[100];

		for (i = 0; i < nitems(bads); i++) {
			snprintf(name, sizeof(name), "bad %s: error %d",
			    bads[i].file, bads[i].err);
			is_int(norm1(bads[i].file, "bad.tif", &o, NULL,
			    &cause), bads[i].err, name);
			snprintf(name, sizeof(name), "bad %s: says \"%s\"",
			    bads[i].file, bads[i].words);
			ok(cause != NULL && strstr(cause, bads[i].words) !=
			    NULL, name);
			if (cause != NULL)
				diag("%s", cause);
			free(cause);
			p = path_of("bad.tif");
			snprintf(name, sizeof(name), "bad %s: no output left",
			    bads[i].file);
			ok(!exists(p), name);
			free(p);
		}
	}
	o.max_pages = 1;
	is_int(norm1("fax.tif", "bad.tif", &o, NULL, &cause),
	    IMG_ETOOMANYPAGES, "two pages over a limit of one");
	ok(cause != NULL && strstr(cause, "more than 1 pages") != NULL,
	    "too many pages: says so");
	free(cause);
	img_opts_default(&o);
	for (i = 0; i <= IMG_EMISMATCH; i++)
		ok(img_err_text((enum img_err)i)[0] != '\0', "img_err_text");

	/* Four threads at once, one of them with a bad input. */
	ta[0] = (struct thr){ "grey.tif", "t0.tif", IMG_OK };
	ta[1] = (struct thr){ "land.tif", "t1.tif", IMG_OK };
	ta[2] = (struct thr){ "trunc.tif", "t2.tif", IMG_OK };
	ta[3] = (struct thr){ "fax.tif", "t3.tif", IMG_OK };
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, thr_run, &ta[i]);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	is_int(ta[0].err, IMG_OK, "thread: grey");
	is_int(ta[1].err, IMG_OK, "thread: landscape");
	is_int(ta[2].err, IMG_ECORRUPT, "thread: truncated");
	is_int(ta[3].err, IMG_OK, "thread: fax");

	test_threads();
	test_sniff();
	test_g4();

	p = xprintf("rm -rf %s", dir);
	if (system(p) != 0)
		diag("cannot remove %s", dir);
	free(p);
	return done_testing();
}

/*
 * Pages converted on several cores give the same file, byte for byte, as
 * one at a time (and a bad page among them still fails the whole job).
 */
static void
test_threads(void)
{
	static const char *const names[] = {
		"grey.tif", "land.tif", "fax.tif", "grey.tif", "land.tif",
		"grey.tif", "fax.tif"
	};
	const char		*inputs[8];
	char			*paths[8], *out1 = path_of("mt1.tif");
	char			*out4 = path_of("mt4.tif"), *cause = NULL;
	char			*d1 = NULL, *d4 = NULL;
	struct img_opts		 o;
	struct img_stats	 st1, st4;
	enum img_err		 err;
	size_t			 i, n = sizeof(names) / sizeof(names[0]);
	size_t			 l1 = 0, l4 = 0;

	for (i = 0; i < n; i++)
		inputs[i] = paths[i] = path_of(names[i]);
	img_opts_default(&o);
	o.threads = 1;
	ok(img_normalize(inputs, NULL, n, out1, &o, &st1, &err, &cause) == 0,
	    "threads: one at a time");
	o.threads = 4;
	ok(img_normalize(inputs, NULL, n, out4, &o, &st4, &err, &cause) == 0,
	    "threads: four at once");
	file_read(out1, 1 << 26, &d1, &l1, &cause);
	file_read(out4, 1 << 26, &d4, &l4, &cause);
	ok(d1 != NULL && d4 != NULL && l1 == l4 && memcmp(d1, d4, l1) == 0,
	    "threads: identical output files");
	is_str(st4.notes, st1.notes, "threads: identical notes");
	is_int(st4.converted + st4.passed_through, st1.pages,
	    "threads: every page counted");
	img_stats_free(&st1);
	img_stats_free(&st4);
	free(d1);
	free(d4);
	/* One page: read and scaled on a second core, the same bytes. */
	o.threads = 1;
	ok(img_normalize(inputs, NULL, 1, out1, &o, &st1, &err, &cause) == 0,
	    "one page, one core");
	o.threads = 2;
	ok(img_normalize(inputs, NULL, 1, out4, &o, &st4, &err, &cause) == 0,
	    "one page, two cores");
	d1 = d4 = NULL;
	file_read(out1, 1 << 26, &d1, &l1, &cause);
	file_read(out4, 1 << 26, &d4, &l4, &cause);
	ok(d1 != NULL && d4 != NULL && l1 == l4 && memcmp(d1, d4, l1) == 0,
	    "one page on two cores: identical output file");
	img_stats_free(&st1);
	img_stats_free(&st4);
	free(d1);
	free(d4);
	free(paths[n - 1]);
	inputs[n - 1] = paths[n - 1] = path_of("trunc.tif");
	err = IMG_OK;
	ok(img_normalize(inputs, NULL, n, out4, &o, &st4, &err, &cause) ==
	    -1 && err == IMG_ECORRUPT, "threads: a bad last page fails the job");
	free(cause);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(out1);
	free(out4);
}

/* image_sniff() and image_fmt_by_name(): what the mail side relies on. */
static void
test_sniff(void)
{
	static const struct {
		const char	*hdr;
		size_t		 len;
		enum img_fmt	 fmt;
	} sn[] = {
		{ "II*\0\x08\0\0\0", 8, IMG_FMT_TIFF },
		{ "%PDF-1.4\n", 9, IMG_FMT_PDF },
		{ "%!PS-Adobe-3.0", 14, IMG_FMT_PS },
		{ "\xff\xd8\xff\xe0\0\x10JFIF", 10, IMG_FMT_JPEG },
		{ "\x89PNG\r\n\x1a\n\0\0", 10, IMG_FMT_PNG },
		{ "GIF89a\x01\0", 8, IMG_FMT_GIF },
		{ "GIF87a", 6, IMG_FMT_GIF },
		{ "BM\x36\0\x0c\0\0\0\0\0\x36\0\0\0\x28\0\0\0", 18,
		    IMG_FMT_BMP },
		{ "BM but not a bitmap", 19, IMG_FMT_NONE },
		{ "RIFF\x10\0\0\0WEBPVP8 ", 16, IMG_FMT_WEBP },
		{ "RIFF\x10\0\0\0WAVEfmt ", 16, IMG_FMT_NONE },
		{ "\0\0\0\x18" "ftypheic\0\0\0\0mif1heic", 24,
		    IMG_FMT_HEIF },
		{ "\0\0\0\x18" "ftypisom\0\0\0\0mif1isom", 24,
		    IMG_FMT_HEIF },
		{ "\0\0\0\x14" "ftypmp42\0\0\0\0isom", 20, IMG_FMT_NONE },
		{ "PK\x03\x04\x14\0", 6, IMG_FMT_ZIP },
		{ "Dear sir", 8, IMG_FMT_NONE },
		{ "\xff\xd8", 2, IMG_FMT_NONE },
		{ "", 0, IMG_FMT_NONE },
	};
	static const struct {
		const char	*name;
		enum img_fmt	 fmt;
	} nm[] = {
		{ "scan.TIF", IMG_FMT_TIFF }, { "a.tiff", IMG_FMT_TIFF },
		{ "IMG_0001.JPG", IMG_FMT_JPEG }, { "x.jpeg", IMG_FMT_JPEG },
		{ "shot.png", IMG_FMT_PNG }, { "a.gif", IMG_FMT_GIF },
		{ "a.bmp", IMG_FMT_BMP }, { "a.webp", IMG_FMT_WEBP },
		{ "IMG_0002.HEIC", IMG_FMT_HEIF }, { "a.pdf", IMG_FMT_PDF },
		{ "a.zip", IMG_FMT_ZIP }, { "a.ti", IMG_FMT_NONE },
		{ "a.eps", IMG_FMT_PS }, { "noext", IMG_FMT_NONE },
		{ "a.", IMG_FMT_NONE }, { "a.tif.txt", IMG_FMT_NONE },
	};
	size_t	i;

	for (i = 0; i < sizeof(sn) / sizeof(sn[0]); i++)
		is_int(image_sniff(sn[i].hdr, sn[i].len), sn[i].fmt,
		    "image_sniff");
	for (i = 0; i < sizeof(nm) / sizeof(nm[0]); i++)
		is_int(image_fmt_by_name(nm[i].name), nm[i].fmt, nm[i].name);
	is_str(image_fmt_name(IMG_FMT_HEIF), "HEIC", "image_fmt_name");
}

/* Pixels a..b-1 of a row of bits set black. */
static void
ink(uint8_t *row, uint32_t a, uint32_t b)
{
	for (; a < b; a++)
		row[a / 8] |= (uint8_t)(0x80 >> (a % 8));
}

/*
 * Our G4 encoder against libtiff's decoder: every run length of both
 * colours at the start, in the middle and at the end of a row; rows that
 * differ from the one above by small shifts (vertical and pass modes);
 * dither-like rows of short random runs; all-white and all-black rows.
 */
static void
test_g4(void)
{
	struct faxw	 w;
	TIFF		*t;
	uint8_t		*rows, *got;
	uint32_t	 n = 0, cap = 8000, r, x, len, y, bad = UINT32_MAX;
	uint32_t	 seed = 12345, rb = FAX_WIDTH / 8;
	char		*p = path_of("g4.tif"), *cause = NULL;
	int		 black, rv;

	rows = xcalloc(cap, rb);
	for (r = 0; r <= FAX_WIDTH; r++) {
		ink(rows + (size_t)n++ * rb, 0, r);		/* black r */
		ink(rows + (size_t)n++ * rb, r, FAX_WIDTH);	/* white r */
		ink(rows + (size_t)n++ * rb, r / 2, r / 2 + r % 700);
	}
	n++;						/* all white */
	ink(rows + (size_t)n++ * rb, 0, FAX_WIDTH);	/* all black */
	for (y = 0; y < 600; y++, n++) {
		if (y % 3 == 0) {	/* short random runs, as dithered */
			for (x = 0, black = 0; x < FAX_WIDTH; x += len) {
				seed = seed * 1103515245 + 12345;
				len = 1 + (seed >> 16) % (y % 2 ? 5 : 40);
				if (black)
					ink(rows + (size_t)n * rb, x,
					    x + len > FAX_WIDTH ? FAX_WIDTH :
					    x + len);
				black = !black;
			}
		} else {		/* the row above, shifted a little */
			seed = seed * 1103515245 + 12345;
			len = (seed >> 16) % 9;
			for (x = 0; x < FAX_WIDTH; x++)
				if (x >= len && (rows[(size_t)(n - 1) * rb +
				    (x - len) / 8] & (0x80 >> ((x - len) % 8))))
					ink(rows + (size_t)n * rb, x, x + 1);
		}
	}
	rv = faxw_open(&w, p, &cause);
	if (rv == 0)
		rv = faxw_page_begin(&w, n, 1, 1, &cause);
	for (y = 0; rv == 0 && y < n; y++)
		rv = faxw_row(&w, rows + (size_t)y * rb, &cause);
	if (rv == 0)
		rv = faxw_page_end(&w, &cause);
	if (rv == 0)
		rv = faxw_commit(&w, &cause);
	else
		faxw_abort(&w);
	is_int(rv, 0, "g4: page written");
	free(cause);
	got = xmalloc(rb);
	if ((t = TIFFOpen(p, "r")) == NULL)
		ok(0, "g4: page read back");
	else {
		for (y = 0; y < n && bad == UINT32_MAX; y++)
			if (TIFFReadScanline(t, got, y, 0) == -1 ||
			    memcmp(got, rows + (size_t)y * rb, rb) != 0)
				bad = y;
		TIFFClose(t);
		if (bad != UINT32_MAX)
			diag("g4: row %u differs", bad);
		ok(bad == UINT32_MAX, "g4: libtiff decodes every row as written");
	}
	free(got);
	free(rows);
	free(p);
}
