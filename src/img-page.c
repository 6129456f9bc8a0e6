/*
 * img-page.c: one picture to one fax page, the middle of the pipeline
 * (tiff-norm.c reads and writes around it): turned upright by its EXIF
 * orientation and to portrait, scaled by its width, reduced to black and
 * white (thresholded, levelled as a document photo, or dithered), chopped
 * of its trailing white, and kept as bits for the writer.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

/* One page on its way from reader to bits. */
struct norm_page {
	struct dither	*dith;
	uint8_t		*grey;		/* FAX_WIDTH */
	uint32_t	 xoff, ow, oh;
	uint32_t	 skip;		/* cropped on the left */
	uint32_t	 rows;		/* at most, of the fax page */
	uint8_t		*bitpage;	/* rows x FAX_WIDTH / 8: the page */
	uint32_t	 emitted;	/* rows in bitpage */
	uint32_t	 inked;		/* rows up to the last with ink */
	uint8_t		*pagebuf;	/* turned pages: ow x oh */
	uint32_t	 srow;		/* scaled rows placed in pagebuf */
	uint32_t	 sw;		/* scaled width (stored orientation) */
	struct tf {
		int	 swap, fx, fy;
	}		 tf;
	char		**cause;
};

/* The reading half of a page: rows from the source. */
struct page_src {
	struct imgsrc	*src;
	uint8_t		*grey;
	enum img_err	 err;
	char		*cause;
};

/* The other half: a source row through the scaler to the page. */
struct page_sink {
	struct scaler	*sc;
	scaler_emit	 emit;		/* emit_row or emit_placed */
	void		*arg;
};

/*
 * EXIF orientation 1..8 as the transform that makes the stored picture
 * upright: swap x and y, then mirror across (fx) and down (fy).
 */
static const struct tf	exif_tf[9] = {
	{ 0, 0, 0 }, { 0, 0, 0 }, { 0, 1, 0 }, { 0, 1, 1 }, { 0, 0, 1 },
	{ 1, 0, 0 }, { 1, 1, 0 }, { 1, 1, 1 }, { 1, 0, 1 }
};
/* A quarter turn clockwise: how landscape pages become portrait. */
static const struct tf	turn_tf = { 1, 1, 0 };

static int	put_row(struct norm_page *, const uint8_t *);
static int	emit_row(void *, const uint8_t *);
static int	emit_placed(void *, const uint8_t *);
static int	page_produce(void *, scaler_emit, void *);
static int	page_consume(void *, const uint8_t *);
static struct tf tf_then(struct tf, struct tf);
static uint32_t	page_rows(const struct img_opts *, int);

/*
 * Rows of a full page at 196 or 98 lpi: HylaFAX's page lengths, A4 297 mm
 * and Letter 279 mm, rounded down as tiffcheck -l does.
 */
static uint32_t
page_rows(const struct img_opts *o, int fine)
{
	double	inches = (o->letter ? 279.0 : 297.0) / 25.4;

	return (uint32_t)(inches * (fine ? 196 : 98));
}

/* The longest page a fax carries: B4, 364 mm. */
uint32_t
img_page_maxrows(int fine)
{
	return (uint32_t)(364.0 / 25.4 * (fine ? 196 : 98));
}

/*
 * Rows are kept as bits (216 bytes a row, 600 KB for B4) until the page
 * ends, so that its trailing white can be chopped as HylaFAX does before
 * the page length is written.
 */
static int
put_row(struct norm_page *p, const uint8_t *grey)
{
	uint8_t	*bits = p->bitpage + (size_t)p->emitted * (FAX_WIDTH / 8);
	size_t	 i;

	dither_row(p->dith, grey, bits);
	p->emitted++;
	for (i = 0; i < FAX_WIDTH / 8; i++)
		if (bits[i] != 0) {
			p->inked = p->emitted;
			break;
		}
	return 0;
}

static int
emit_row(void *arg, const uint8_t *row)
{
	struct norm_page	*p = arg;

	if (p->emitted >= p->rows)
		return 0;		/* cropped at the bottom */
	if (p->skip > 0)
		return put_row(p, row + p->skip);
	memset(p->grey, 255, FAX_WIDTH);
	memcpy(p->grey + p->xoff, row, p->ow);
	return put_row(p, p->grey);
}

/* Reads every row of the source, handing each to emit(arg). */
static int
page_produce(void *vpa, scaler_emit emit, void *arg)
{
	struct page_src	*pa = vpa;
	uint32_t	 y;

	for (y = 0; y < pa->src->h; y++) {
		if (pa->src->row(pa->src, pa->grey, &pa->err,
		    &pa->cause) == -1)
			return -1;
		if (emit(arg, pa->grey) == -1)
			return -1;
	}
	return 0;
}

/* A source row scaled, its output rows to the page. */
static int
page_consume(void *arg, const uint8_t *row)
{
	struct page_sink	*ps = arg;

	return scaler_push(ps->sc, row, ps->emit, ps->arg);
}

/* tf applied after t: the transform of doing t, then u. */
static struct tf
tf_then(struct tf t, struct tf u)
{
	struct tf	r;

	r.swap = t.swap ^ u.swap;
	r.fx = (u.swap ? t.fy : t.fx) ^ u.fx;
	r.fy = (u.swap ? t.fx : t.fy) ^ u.fy;
	return r;
}

/* Turned pages: scaled stored row j goes to its place in pagebuf. */
static int
emit_placed(void *arg, const uint8_t *row)
{
	struct norm_page	*p = arg;
	uint32_t		 i, u, v, j;
	uint8_t			*dst;
	ptrdiff_t		 step;

	if (p->srow >= (p->tf.swap ? p->ow : p->oh))
		return 0;
	j = p->srow++;
	if (!p->tf.swap && !p->tf.fx) {
		v = p->tf.fy ? p->oh - 1 - j : j;
		memcpy(p->pagebuf + (size_t)v * p->ow, row, p->ow);
		return 0;
	}
	/*
	 * Pixel i of the row goes to (u, v) = (i, j) or, turned, (j, i),
	 * each mirrored as the transform says: a start and a step.
	 */
	u = p->tf.swap ? j : 0;
	v = p->tf.swap ? 0 : j;
	if (p->tf.fx)
		u = p->ow - 1 - u;
	if (p->tf.fy)
		v = p->oh - 1 - v;
	dst = p->pagebuf + (size_t)v * p->ow + u;
	if (p->tf.swap)
		step = p->tf.fy ? -(ptrdiff_t)p->ow : (ptrdiff_t)p->ow;
	else
		step = p->tf.fx ? -1 : 1;
	for (i = 0; i < p->sw; i++, dst += step)
		*dst = row[i];
	return 0;
}

/*
 * One picture to one fax page: turned upright (EXIF) and to portrait,
 * scaled to the page, reduced to black and white, encoded.  A page that
 * is turned, or whose kind (document photo or photograph) is decided
 * (classify), is held once at output size; any other streams through.
 */
int
img_page(struct imgsrc *src, int pageno, int classify,
    const struct img_opts *o, struct norm_out *out, enum img_err *err,
    char **cause)
{
	struct buf		*note = &out->note;
	struct norm_page	 p;
	struct page_src		 pa;
	struct page_sink	 ps;
	struct scaler		*sc = NULL;
	struct tf		 tf;
	uint32_t		 rows, maxr, y, ow, oh, uw, uh, in_w, in_h;
	uint32_t		 pagelen;
	double			 xres, yres, sw, sh, cw, ch, f, pw, ph;
	int			 fit = 0, rotate, rv = -1, outres, crop;
	int			 held, doc = 0, bilevel = src->bilevel;
	uint8_t			*grey = NULL;

	memset(&p, 0, sizeof(p));
	rows = page_rows(o, o->fine);
	maxr = img_page_maxrows(o->fine);
	outres = o->fine ? 196 : 98;
	in_w = src->w;
	in_h = src->h;
	tf = exif_tf[src->orient >= 1 && src->orient <= 8 ? src->orient : 1];
	uw = tf.swap ? src->h : src->w;
	uh = tf.swap ? src->w : src->h;
	xres = tf.swap ? src->yres : src->xres;
	yres = tf.swap ? src->xres : src->yres;
	if (xres == 0 && uw == FAX_WIDTH) {
		xres = FAX_XRES;
		yres = uh > 1400 ? 196 : 98;
	}
	if (xres == 0) {
		/* No resolution: square pixels, fitted to the page. */
		fit = 1;
		xres = yres = 1;
	}
	sw = uw / xres;
	sh = uh / yres;
	rotate = sw > sh * 1.05;
	if (rotate)
		tf = tf_then(tf, turn_tf);
	cw = rotate ? sh : sw;
	ch = rotate ? sw : sh;
	/*
	 * Only the width decides the scale: a page longer than A4 or Letter
	 * is sent at its length, up to B4; only a longer one is shrunk.
	 */
	pw = (double)FAX_WIDTH / FAX_XRES;
	ph = (double)maxr / outres;
	if (fit) {
		cw /= FAX_XRES;
		ch /= FAX_XRES;
	}
	f = pw / cw;
	if (f > 1 && !fit)
		f = 1;
	if (ch * f > ph)
		f = ph / ch;
	/*
	 * A page a hair larger than the fax page (Ghostscript's A4 is 2292
	 * rows, Letter 1734 pixels) is cropped at its margins, not resampled.
	 */
	crop = !rotate && !fit && f < 1 && f > 0.99;
	if (crop)
		f = 1;
	ow = (uint32_t)lround(cw * f * FAX_XRES);
	oh = (uint32_t)lround(ch * f * outres);
	ow = ow < 1 ? 1 : ow;
	oh = oh < 1 ? 1 : oh;
	if (!crop)
		ow = ow > FAX_WIDTH ? FAX_WIDTH : ow;
	oh = oh > maxr ? maxr : oh;

	p.cause = cause;
	p.ow = ow;
	p.oh = oh;
	p.rows = maxr;
	p.tf = tf;
	p.sw = tf.swap ? oh : ow;
	if (ow <= FAX_WIDTH)
		p.xoff = (FAX_WIDTH - ow) / 2;
	else
		p.skip = (ow - FAX_WIDTH) / 2;
	/* The decoder may deliver fewer pixels, never fewer than we need. */
	if (src->start(src, tf.swap ? oh : ow, tf.swap ? ow : oh, err,
	    cause) == -1)
		return -1;
	held = tf.swap || tf.fx || tf.fy || (classify && !bilevel);
	p.grey = xmalloc(FAX_WIDTH);
	if (held) {
		p.pagebuf = xmalloc((size_t)ow * oh);
		memset(p.pagebuf, 255, (size_t)ow * oh);
	} else
		p.dith = dither_new(FAX_WIDTH, !bilevel);
	sc = scaler_new(src->w, src->h, p.sw, tf.swap ? ow : oh);
	grey = xmalloc(src->w);
	p.bitpage = xcalloc(maxr, FAX_WIDTH / 8);
	memset(&pa, 0, sizeof(pa));
	pa.src = src;
	pa.grey = grey;
	ps.sc = sc;
	ps.emit = held ? emit_placed : emit_row;
	ps.arg = &p;
	/*
	 * A page alone in its job: the source is read (decoded, turned
	 * grey) on a second core while this one scales and reduces it.
	 */
	if (out->piped)
		rv = rowpipe_run(src->w, page_produce, &pa, page_consume, &ps);
	else
		rv = page_produce(&pa, page_consume, &ps);
	if (rv == -1) {
		*err = pa.cause != NULL ? pa.err : IMG_EIO;
		*cause = pa.cause != NULL ? pa.cause :
		    xprintf("%s: page %d: cannot convert", src->name, pageno);
		goto out;
	}
	rv = -1;
	*err = IMG_EIO;
	if (held && classify && !bilevel &&
	    (doc = level_is_document(p.pagebuf, ow, oh)))
		level_threshold(p.pagebuf, ow, oh);
	if (held) {
		p.dith = dither_new(FAX_WIDTH, !bilevel && !doc);
		for (y = 0; y < oh; y++)
			if (emit_row(&p, p.pagebuf + (size_t)y * ow) == -1)
				goto out;
	}
	/*
	 * Trailing white is chopped and a short page padded to the page
	 * length; ink a hair past it (rounding: Ghostscript's A4 is 2292
	 * rows) is cropped; a longer page is sent at its length, up to B4.
	 */
	pagelen = p.inked <= rows + rows / 100 ? rows : p.inked;
	out->bits = p.bitpage;
	out->len = pagelen;
	p.bitpage = NULL;

	buf_addf(note, "page %d: %s", pageno, src->desc);
	if (src->xres != 0)
		buf_addf(note, " at %.0fx%.0f dpi", src->xres, src->yres);
	else
		buf_addf(note, " without resolution");
	if (src->orient > 1 && src->orient <= 8)
		buf_addf(note, ", turned upright (EXIF orientation %d)",
		    src->orient);
	if (in_w == ow && in_h == oh && !rotate && bilevel)
		buf_addf(note, ", re-encoded as %s",
		    o->g4 ? "G4" : "G3 2-D");
	else if (in_w == ow && in_h == oh && !rotate)
		buf_addf(note, ", at fax resolution");
	else
		buf_addf(note, ", %s to %ux%u", f < 1 ? "scaled down" :
		    f > 1 ? "scaled up" : "scaled", ow, oh);
	if (crop)
		buf_addf(note, ", cropped to the page");
	if (rotate)
		buf_addf(note, ", turned to portrait");
	buf_addf(note, ", %s; ", bilevel ? "thresholded" : doc ?
	    "document photo: levelled and thresholded" : classify ?
	    "photograph: dithered" : "dithered");
	*err = IMG_OK;
	rv = 0;
out:
	scaler_free(sc);
	dither_free(p.dith);
	free(p.grey);
	free(p.pagebuf);
	free(p.bitpage);
	free(grey);
	return rv;
}
