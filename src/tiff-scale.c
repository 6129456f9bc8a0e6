/*
 * tiff-scale.c: streaming area-averaging scaler and the reduction of grey
 * to black and white.
 *
 * The scaler is separable: each input row is averaged across into the
 * output width, then rows are accumulated with their fractional coverage
 * of the output row, which is emitted as soon as it is complete.  It holds
 * three rows of the output width, whatever the input size.
 *
 * Grey pages are reduced by Floyd-Steinberg error diffusion (serpentine)
 * after a tone curve that sends paper-white to white and ink to black, so
 * photos keep their tones while text and backgrounds stay clean; bilevel
 * sources are thresholded so that text stays sharp.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tiff-int.h"
#include "xmalloc.h"

/* The tone curve: at or below INK is black, at or above PAPER white. */
#define TONE_INK	40
#define TONE_PAPER	215

struct span {
	uint32_t	first, last;
	float		wfirst, wlast, norm;
};

struct scaler {
	uint32_t	 in_w, in_h, out_w, out_h;
	int		 identity;
	struct span	*hs;
	float		*hrow;
	float		*acc;
	uint8_t		*out;
	double		 acc_w;
	uint32_t	 iy, oy;
};

struct dither {
	uint32_t	 w;
	int		 diffuse;
	int		 ltr;
	int		*err;		/* this row, w + 2 with guards */
	int		*next;
	uint8_t		 tone[256];
};

static void	span_init(struct span *, uint32_t, uint32_t, uint32_t);
static void	scale_across(const struct scaler *, const uint8_t *, float *);

static void
span_init(struct span *s, uint32_t o, uint32_t in, uint32_t out)
{
	double	a, b;

	a = (double)o * in / out;
	b = (double)(o + 1) * in / out;
	if (b > in)
		b = in;
	s->first = (uint32_t)a;
	s->last = (uint32_t)b;
	if ((double)s->last == b && s->last > s->first)
		s->last--;
	if (s->last >= in)
		s->last = in - 1;
	if (s->first > s->last)
		s->first = s->last;
	if (s->first == s->last) {
		s->wfirst = 1;
		s->wlast = 0;
		s->norm = 1;
		return;
	}
	s->wfirst = (float)(s->first + 1 - a);
	s->wlast = (float)(b - s->last);
	s->norm = (float)(1.0 / (b - a));
}

struct scaler *
scaler_new(uint32_t in_w, uint32_t in_h, uint32_t out_w, uint32_t out_h)
{
	struct scaler	*sc;
	uint32_t	 x;

	sc = xcalloc(1, sizeof(*sc));
	sc->in_w = in_w;
	sc->in_h = in_h;
	sc->out_w = out_w;
	sc->out_h = out_h;
	sc->identity = in_w == out_w && in_h == out_h;
	sc->hs = xreallocarray(NULL, out_w, sizeof(*sc->hs));
	for (x = 0; x < out_w; x++)
		span_init(&sc->hs[x], x, in_w, out_w);
	sc->hrow = xreallocarray(NULL, out_w, sizeof(*sc->hrow));
	sc->acc = xcalloc(out_w, sizeof(*sc->acc));
	sc->out = xmalloc(out_w);
	return sc;
}

void
scaler_free(struct scaler *sc)
{
	if (sc == NULL)
		return;
	free(sc->hs);
	free(sc->hrow);
	free(sc->acc);
	free(sc->out);
	free(sc);
}

static void
scale_across(const struct scaler *sc, const uint8_t *in, float *out)
{
	const struct span	*s;
	uint32_t		 x, i;
	float			 sum;

	for (x = 0; x < sc->out_w; x++) {
		s = &sc->hs[x];
		if (s->first == s->last) {
			out[x] = in[s->first];
			continue;
		}
		sum = s->wfirst * in[s->first] + s->wlast * in[s->last];
		for (i = s->first + 1; i < s->last; i++)
			sum += in[i];
		out[x] = sum * s->norm;
	}
}

int
scaler_push(struct scaler *sc, const uint8_t *row, scaler_emit emit,
    void *arg)
{
	double		a, b, lo, hi, w;
	uint32_t	x, iy = sc->iy;
	float		fw, inv;

	if (iy >= sc->in_h)
		return 0;
	sc->iy++;
	if (sc->identity) {
		sc->oy++;
		return emit(arg, row);
	}
	scale_across(sc, row, sc->hrow);
	while (sc->oy < sc->out_h) {
		a = (double)sc->oy * sc->in_h / sc->out_h;
		b = (double)(sc->oy + 1) * sc->in_h / sc->out_h;
		lo = a > iy ? a : iy;
		hi = b < iy + 1.0 ? b : iy + 1.0;
		w = hi - lo;
		if (w > 0) {
			fw = (float)w;
			for (x = 0; x < sc->out_w; x++)
				sc->acc[x] += fw * sc->hrow[x];
			sc->acc_w += w;
		}
		if (b > iy + 1.0 + 1e-9 && iy + 1 < sc->in_h)
			break;
		inv = sc->acc_w > 0 ? (float)(1.0 / sc->acc_w) : 0;
		for (x = 0; x < sc->out_w; x++) {
			fw = sc->acc[x] * inv + 0.5f;
			sc->out[x] = fw >= 255 ? 255 : fw <= 0 ? 0 :
			    (uint8_t)fw;
			sc->acc[x] = 0;
		}
		sc->acc_w = 0;
		sc->oy++;
		if (emit(arg, sc->out) == -1)
			return -1;
	}
	return 0;
}

struct dither *
dither_new(uint32_t w, int diffuse)
{
	struct dither	*d;
	int		 v;

	d = xcalloc(1, sizeof(*d));
	d->w = w;
	d->diffuse = diffuse;
	d->ltr = 1;
	d->err = xcalloc((size_t)w + 2, sizeof(*d->err));
	d->next = xcalloc((size_t)w + 2, sizeof(*d->next));
	for (v = 0; v < 256; v++) {
		if (v <= TONE_INK)
			d->tone[v] = 0;
		else if (v >= TONE_PAPER)
			d->tone[v] = 255;
		else
			d->tone[v] = (uint8_t)((v - TONE_INK) * 255 /
			    (TONE_PAPER - TONE_INK));
	}
	return d;
}

void
dither_free(struct dither *d)
{
	if (d == NULL)
		return;
	free(d->err);
	free(d->next);
	free(d);
}

void
dither_row(struct dither *d, const uint8_t *grey, uint8_t *bits)
{
	uint32_t	 i, x;
	int		 v, e, step, *cur, *nxt, *tmp;

	memset(bits, 0, ((size_t)d->w + 7) / 8);
	if (!d->diffuse) {
		for (x = 0; x < d->w; x++)
			if (grey[x] < 128)
				bits[x >> 3] |= (uint8_t)(0x80 >> (x & 7));
		return;
	}
	/* Errors are indexed x + 1 so that x - 1 and x + 1 always exist. */
	cur = d->err;
	nxt = d->next;
	memset(nxt, 0, ((size_t)d->w + 2) * sizeof(*nxt));
	step = d->ltr ? 1 : -1;
	for (i = 0; i < d->w; i++) {
		x = d->ltr ? i : d->w - 1 - i;
		v = d->tone[grey[x]] + cur[x + 1] / 16;
		if (v < 128) {
			bits[x >> 3] |= (uint8_t)(0x80 >> (x & 7));
			e = v;
		} else
			e = v - 255;
		cur[x + 1 + step] += e * 7;
		nxt[x + 1 - step] += e * 3;
		nxt[x + 1] += e * 5;
		nxt[x + 1 + step] += e;
	}
	tmp = d->err;
	d->err = d->next;
	d->next = tmp;
	d->ltr = !d->ltr;
}
