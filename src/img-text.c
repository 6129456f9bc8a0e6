/*
 * img-text.c: text and cover pages, drawn in faxhub-text (faxhub-text.c;
 * img-text-run.c runs it for the others).  Pango lays out UTF-8 text with
 * fontconfig's fonts (DejaVu Sans, and Noto Sans CJK for Japanese,
 * Chinese and Korean through fontconfig's fallback: Debian's
 * fonts-dejavu-core and fonts-noto-cjk), cairo draws it in grey at fax
 * resolution (204 dpi across, 196 or 98 lines per inch down: the drawing
 * is squashed to match), and each page is thresholded into a TIFF Class F
 * page written with the pipeline's writer, fax-ready, so img_normalize()
 * passes it through.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "tiff-int.h"
#include "xmalloc.h"

#define TEXT_MARGIN	0.6		/* inches, each side */
#define TEXT_FONT	"Sans 11"

/* One fax page being drawn: its size in pixels and its cairo state. */
struct tpage {
	uint32_t	 rows;
	double		 yscale;	/* rows per 204 dpi pixel */
	double		 height;	/* in 204 dpi pixels */
	cairo_surface_t	*s;
	cairo_t		*cr;
};

static void	tpage_begin(struct tpage *, const struct img_opts *);
static int	tpage_write(struct tpage *, struct faxw *,
		    const struct img_opts *, char **);
static void	tpage_end(struct tpage *);
static PangoLayout *text_layout(cairo_t *, const char *, int);

static void
tpage_begin(struct tpage *p, const struct img_opts *o)
{
	double	lpi = o->fine ? 196.0 : 98.0;

	p->rows = page_rows(o, o->fine);
	p->yscale = lpi / FAX_XRES;
	p->height = p->rows / p->yscale;
	p->s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, FAX_WIDTH,
	    (int)p->rows);
	p->cr = cairo_create(p->s);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	cairo_scale(p->cr, 1.0, p->yscale);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void
tpage_end(struct tpage *p)
{
	cairo_destroy(p->cr);
	cairo_surface_destroy(p->s);
}

/* Thresholds the drawn page into the next page of w. */
static int
tpage_write(struct tpage *p, struct faxw *w, const struct img_opts *o,
    char **cause)
{
	struct dither	*d;
	unsigned char	*data;
	uint8_t		 grey[FAX_WIDTH], bits[FAX_WIDTH / 8];
	uint32_t	*px, y, x;
	int		 stride, rv = 0;

	cairo_surface_flush(p->s);
	data = cairo_image_surface_get_data(p->s);
	stride = cairo_image_surface_get_stride(p->s);
	if (faxw_page_begin(w, p->rows, o->g4, o->fine, cause) == -1)
		return -1;
	d = dither_new(FAX_WIDTH, 0);
	for (y = 0; y < p->rows && rv == 0; y++) {
		px = (uint32_t *)(void *)(data + (size_t)y * (size_t)stride);
		for (x = 0; x < FAX_WIDTH; x++)
			grey[x] = (uint8_t)((px[x] >> 8) & 0xff);
		dither_row(d, grey, bits);
		rv = faxw_row(w, bits, cause);
	}
	dither_free(d);
	if (rv == 0)
		rv = faxw_page_end(w, cause);
	return rv;
}

/* A layout as wide as the page between the margins, at 204 dpi. */
static PangoLayout *
text_layout(cairo_t *cr, const char *text, int markup)
{
	PangoLayout		*l;
	PangoFontDescription	*fd;

	l = pango_cairo_create_layout(cr);
	pango_cairo_context_set_resolution(pango_layout_get_context(l),
	    FAX_XRES);
	pango_layout_context_changed(l);
	fd = pango_font_description_from_string(TEXT_FONT);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)((FAX_WIDTH - 2 * TEXT_MARGIN *
	    FAX_XRES) * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	if (markup)
		pango_layout_set_markup(l, text, -1);
	else
		pango_layout_set_text(l, text, -1);
	return l;
}

/*
 * Draws the lines of l from first on, from y0 (204 dpi pixels) down to
 * the bottom margin; returns the index of the first line that did not
 * fit, or the line count.
 */
static int
draw_lines(struct tpage *p, PangoLayout *l, int first, double y0)
{
	PangoLayoutIter	*it;
	PangoRectangle	 r;
	double		 top = -1, bottom = p->height - TEXT_MARGIN * FAX_XRES;
	int		 i = 0, base;

	it = pango_layout_get_iter(l);
	do {
		if (i < first) {
			i++;
			continue;
		}
		pango_layout_iter_get_line_extents(it, NULL, &r);
		if (top < 0)
			top = (double)r.y / PANGO_SCALE;
		if (y0 + (double)(r.y + r.height) / PANGO_SCALE - top >
		    bottom && i > first)
			break;
		base = pango_layout_iter_get_baseline(it);
		cairo_move_to(p->cr, TEXT_MARGIN * FAX_XRES +
		    (double)r.x / PANGO_SCALE, y0 + (double)base / PANGO_SCALE -
		    top);
		pango_cairo_show_layout_line(p->cr,
		    pango_layout_iter_get_line_readonly(it));
		i++;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	return i;
}

int
text_draw_pages(const char *text, const struct img_opts *o,
    const char *out_tif, int *pages, char **cause)
{
	struct faxw	 w;
	struct tpage	 p;
	PangoLayout	*l;
	char		*t;
	int		 first = 0, n, rv = -1;

	*pages = 0;
	t = xstrndup(text, IMG_TEXT_MAX);
	if (!g_utf8_validate(t, -1, NULL)) {
		xasprintf(cause, "the text is not UTF-8");
		free(t);
		return -1;
	}
	if (faxw_open(&w, out_tif, cause) == -1) {
		free(t);
		return -1;
	}
	tpage_begin(&p, o);
	l = text_layout(p.cr, t, 0);
	n = pango_layout_get_line_count(l);
	do {
		if (*pages > 0) {
			tpage_end(&p);
			tpage_begin(&p, o);
		}
		first = draw_lines(&p, l, first, TEXT_MARGIN * FAX_XRES);
		if (tpage_write(&p, &w, o, cause) == -1)
			goto out;
		(*pages)++;
	} while (first < n && *pages < o->max_pages);
	if (first < n) {
		xasprintf(cause, "the text makes more than %d pages",
		    o->max_pages);
		goto out;
	}
	rv = faxw_commit(&w, WRITE_SCRATCH, cause);	/* a pipeline input */
out:
	if (rv == -1)
		faxw_abort(&w);
	g_object_unref(l);
	tpage_end(&p);
	free(t);
	return rv;
}

/* Appends "<b>label</b>\tvalue\n", the value escaped. */
static void
cover_row(struct buf *b, const char *label, const char *value)
{
	char	*v;

	if (value == NULL || *value == '\0')
		return;
	v = g_markup_escape_text(value, -1);
	buf_addf(b, "<b>%s</b>\t%s\n", label, v);
	g_free(v);
}

int
text_draw_cover(const struct img_cover *c, const struct img_opts *o,
    const char *out_tif, char **cause)
{
	struct faxw	 w;
	struct tpage	 p;
	struct buf	 b;
	PangoLayout	*l;
	PangoTabArray	*tabs;
	PangoRectangle	 r;
	char		*s, *from, pagesbuf[32];
	double		 y;
	int		 rv = -1;

	if (faxw_open(&w, out_tif, cause) == -1)
		return -1;
	tpage_begin(&p, o);
	l = text_layout(p.cr, "<span size=\"xx-large\" weight=\"bold\">"
	    "FAX</span>", 1);
	y = TEXT_MARGIN * FAX_XRES;
	draw_lines(&p, l, 0, y);
	pango_layout_get_pixel_extents(l, NULL, &r);
	y += r.height + 0.2 * FAX_XRES;
	g_object_unref(l);

	buf_init(&b);
	if (c->from_name != NULL && *c->from_name != '\0')
		xasprintf(&from, "%s <%s>", c->from_name, c->from_addr);
	else
		from = xstrdup(c->from_addr != NULL ? c->from_addr : "");
	cover_row(&b, "From", from);
	free(from);
	cover_row(&b, "To", c->to);
	cover_row(&b, "Date", c->date);
	cover_row(&b, "Subject", c->subject);
	snprintf(pagesbuf, sizeof(pagesbuf), "%d (this one included)",
	    c->pages);
	cover_row(&b, "Pages", pagesbuf);
	s = buf_steal(&b, NULL);
	l = text_layout(p.cr, s, 1);
	free(s);
	tabs = pango_tab_array_new_with_positions(1, TRUE, PANGO_TAB_LEFT,
	    (int)(1.2 * FAX_XRES));
	pango_layout_set_tabs(l, tabs);
	pango_tab_array_free(tabs);
	draw_lines(&p, l, 0, y);
	pango_layout_get_pixel_extents(l, NULL, &r);
	y += r.height + 0.15 * FAX_XRES;
	g_object_unref(l);
	cairo_set_line_width(p.cr, 3);
	cairo_move_to(p.cr, TEXT_MARGIN * FAX_XRES, y);
	cairo_line_to(p.cr, FAX_WIDTH - TEXT_MARGIN * FAX_XRES, y);
	cairo_stroke(p.cr);
	y += 0.2 * FAX_XRES;
	/* The mail's text, as much as fits on the cover. */
	if (c->text != NULL && g_utf8_validate(c->text, -1, NULL)) {
		s = xstrndup(c->text, IMG_TEXT_MAX);
		l = text_layout(p.cr, s, 0);
		draw_lines(&p, l, 0, y);
		g_object_unref(l);
		free(s);
	}
	if (tpage_write(&p, &w, o, cause) == -1)
		goto out;
	rv = faxw_commit(&w, WRITE_SCRATCH, cause);	/* a pipeline input */
out:
	if (rv == -1)
		faxw_abort(&w);
	tpage_end(&p);
	return rv;
}
