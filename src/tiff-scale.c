/*
 * tiff-scale.c: streaming area-averaging scaler and the reduction of grey
 * to black and white.
 *
 * The scaler is separable: each input row is averaged across into the
 * output width, then rows are accumulated with their fractional coverage
 * of the output row, which is emitted as soon as it is complete.  It holds
 * three rows of the output width, whatever the input size, and works in
 * fixed point with weights that add up exactly, so white stays 255.
 *
 * Grey pages are reduced by Floyd-Steinberg error diffusion (serpentine)
 * after a tone curve that sends paper-white to white and ink to black, so
 * photos keep their tones while text and backgrounds stay clean; bilevel
 * sources are thresholded so that text stays sharp.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tiff-int.h"
#include "xmalloc.h"

/* The tone curve: at or below INK is black, at or above PAPER white. */
#define TONE_INK	40
#define TONE_PAPER	215

/*
 * Fixed point: horizontal weights are in 1/4096 and sum to exactly 4096
 * per output pixel; a row across is kept at 8 fractional bits; vertical
 * weights are in 1/4096 too, so an accumulated pixel has 20 fractional
 * bits and fits 32 bits (255 << 20 < 2^28).
 */
#define W_ONE		4096
#define W_SHIFT		12
#define ROW_SHIFT	4		/* W_SHIFT - 8 */

struct scaler {
	uint32_t	 in_w, in_h, out_w, out_h;
	int		 identity;
	uint32_t	*hfirst;	/* first input pixel of output x */
	uint32_t	*hn;		/* input pixels it covers */
	uint32_t	*hoff;		/* its weights at hw + hoff[x] */
	uint16_t	*hw;
	uint32_t	*hrow;		/* one row across, 8 fraction bits */
	uint32_t	*acc;		/* output row being summed */
	uint32_t	 acc_w;		/* its vertical weights so far */
	double		 cum;		/* its coverage so far, in input rows */
	uint8_t		*out;
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

static void	scale_across(const struct scaler *, const uint8_t *,
		    uint32_t *);

struct scaler *
scaler_new(uint32_t in_w, uint32_t in_h, uint32_t out_w, uint32_t out_h)
{
	struct scaler	*sc;
	uint32_t	 x, i, first, last, n = 0, cap;
	double		 a, b, lo, hi, cum;
	long		 prev, now;

	sc = xcalloc(1, sizeof(*sc));
	sc->in_w = in_w;
	sc->in_h = in_h;
	sc->out_w = out_w;
	sc->out_h = out_h;
	sc->identity = in_w == out_w && in_h == out_h;
	sc->hfirst = xreallocarray(NULL, out_w, sizeof(*sc->hfirst));
	sc->hn = xreallocarray(NULL, out_w, sizeof(*sc->hn));
	sc->hoff = xreallocarray(NULL, out_w, sizeof(*sc->hoff));
	cap = in_w + 2 * out_w + 2;
	sc->hw = xreallocarray(NULL, cap, sizeof(*sc->hw));
	for (x = 0; x < out_w; x++) {
		a = (double)x * in_w / out_w;
		b = (double)(x + 1) * in_w / out_w;
		if (b > in_w)
			b = in_w;
		first = (uint32_t)a;
		if (first >= in_w)
			first = in_w - 1;
		last = (uint32_t)b;
		if ((double)last == b && last > first)
			last--;
		if (last >= in_w)
			last = in_w - 1;
		sc->hfirst[x] = first;
		sc->hn[x] = last - first + 1;
		sc->hoff[x] = n;
		/* Rounded as a running sum, so that the weights add up. */
		cum = 0;
		prev = 0;
		for (i = first; i <= last; i++) {
			lo = a > i ? a : i;
			hi = b < i + 1.0 ? b : i + 1.0;
			if (hi > lo && b > a)
				cum += (hi - lo) / (b - a);
			now = i == last ? W_ONE : lround(cum * W_ONE);
			sc->hw[n++] = (uint16_t)(now - prev);
			prev = now;
		}
	}
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
	free(sc->hfirst);
	free(sc->hn);
	free(sc->hoff);
	free(sc->hw);
	free(sc->hrow);
	free(sc->acc);
	free(sc->out);
	free(sc);
}

static void
scale_across(const struct scaler *sc, const uint8_t *in, uint32_t *out)
{
	const uint16_t	*w;
	const uint8_t	*p;
	uint32_t	 x, i, n, sum;

	for (x = 0; x < sc->out_w; x++) {
		p = in + sc->hfirst[x];
		w = sc->hw + sc->hoff[x];
		n = sc->hn[x];
		sum = 0;
		for (i = 0; i < n; i++)
			sum += (uint32_t)p[i] * w[i];
		out[x] = sum >> ROW_SHIFT;
	}
}

int
scaler_push(struct scaler *sc, const uint8_t *row, scaler_emit emit,
    void *arg)
{
	double		a, b, lo, hi;
	uint32_t	x, iy = sc->iy, wy, v;
	long		prev, now;

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
		prev = lround(sc->cum / (b - a) * W_ONE);
		if (hi > lo)
			sc->cum += hi - lo;
		if (b > iy + 1.0 + 1e-9 && iy + 1 < sc->in_h) {
			now = lround(sc->cum / (b - a) * W_ONE);
			wy = (uint32_t)(now - prev);
		} else
			wy = W_ONE - sc->acc_w;	/* the row is complete */
		if (wy > 0) {
			for (x = 0; x < sc->out_w; x++)
				sc->acc[x] += sc->hrow[x] * wy;
			sc->acc_w += wy;
		}
		if (b > iy + 1.0 + 1e-9 && iy + 1 < sc->in_h)
			break;
		for (x = 0; x < sc->out_w; x++) {
			v = (sc->acc[x] + (1U << (W_SHIFT + 7))) >>
			    (W_SHIFT + 8);
			sc->out[x] = v > 255 ? 255 : (uint8_t)v;
			sc->acc[x] = 0;
		}
		sc->acc_w = 0;
		sc->cum = 0;
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
