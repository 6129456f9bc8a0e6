/*
 * tiff-scale.c: streaming area-averaging scaler and the reduction of grey
 * to black and white.
 *
 * The scaler is separable: input rows are accumulated with their
 * fractional coverage of the output row (a vectorised multiply-add across
 * the input width); when the output row is complete it is averaged across
 * into the output width, once per output row rather than once per input
 * row.  It holds one row of the input width and two of the output width,
 * whatever the input size, and works in fixed point with weights that add
 * up exactly, so white stays 255.
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
 * Fixed point: vertical weights are in 1/4096 and sum to exactly 4096 per
 * output row, so a summed pixel has 12 fractional bits (under 2^20); it
 * is taken across at 8 (ACC_SHIFT) with horizontal weights in 1/4096 that
 * sum to 4096 too, so an output pixel has 20 fractional bits and fits 32
 * bits (255 << 20 < 2^28).
 */
#define W_ONE		4096
#define W_SHIFT		12
#define ACC_SHIFT	4		/* W_SHIFT - 8 */

struct scaler {
	uint32_t	 in_w, in_h, out_w, out_h;
	int		 identity;
	uint32_t	 taps;		/* input pixels an output one reads */
	uint32_t	*hfirst;	/* first input pixel of output x */
	uint16_t	*hw;		/* its taps weights at hw + x * taps */
	uint32_t	*acc;		/* output row being summed, in_w wide */
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

static void	scale_across(const struct scaler *, uint32_t *, uint8_t *);
static void	scale_span(uint32_t, uint32_t, uint32_t, uint32_t *,
		    uint32_t *, double *, double *);
static void	acc_add(uint32_t *, const uint8_t *, uint32_t, uint32_t);
static void	threshold_row(const uint8_t *, uint8_t *, uint32_t);

struct scaler *
scaler_new(uint32_t in_w, uint32_t in_h, uint32_t out_w, uint32_t out_h)
{
	struct scaler	*sc;
	uint32_t	 x, i, first, last, taps = 1, pad;
	double		 a, b, lo, hi, cum;
	long		 prev, now;
	uint16_t	*w;

	sc = xcalloc(1, sizeof(*sc));
	sc->in_w = in_w;
	sc->in_h = in_h;
	sc->out_w = out_w;
	sc->out_h = out_h;
	sc->identity = in_w == out_w && in_h == out_h;
	/* Every output pixel reads the same number of inputs (taps). */
	for (x = 0; x < out_w; x++) {
		scale_span(in_w, out_w, x, &first, &last, &a, &b);
		if (last - first + 1 > taps)
			taps = last - first + 1;
	}
	sc->taps = taps;
	sc->hfirst = xreallocarray(NULL, out_w, sizeof(*sc->hfirst));
	sc->hw = xcalloc((size_t)out_w * taps, sizeof(*sc->hw));
	for (x = 0; x < out_w; x++) {
		scale_span(in_w, out_w, x, &first, &last, &a, &b);
		/*
		 * Near the right edge the taps start earlier, so that they
		 * stay inside the row; the extra ones weigh 0.
		 */
		pad = first + taps > in_w ? first + taps - in_w : 0;
		sc->hfirst[x] = first - pad;
		w = sc->hw + (size_t)x * taps + pad;
		/* Rounded as a running sum, so that the weights add up. */
		cum = 0;
		prev = 0;
		for (i = first; i <= last; i++) {
			lo = a > i ? a : i;
			hi = b < i + 1.0 ? b : i + 1.0;
			if (hi > lo && b > a)
				cum += (hi - lo) / (b - a);
			now = i == last ? W_ONE : lround(cum * W_ONE);
			w[i - first] = (uint16_t)(now - prev);
			prev = now;
		}
	}
	sc->acc = xcalloc(in_w, sizeof(*sc->acc));
	sc->out = xmalloc(out_w);
	return sc;
}

/* The input pixels first..last that output pixel x covers, [a, b). */
static void
scale_span(uint32_t in_w, uint32_t out_w, uint32_t x, uint32_t *first,
    uint32_t *last, double *a, double *b)
{
	*a = (double)x * in_w / out_w;
	*b = (double)(x + 1) * in_w / out_w;
	if (*b > in_w)
		*b = in_w;
	*first = (uint32_t)*a;
	if (*first >= in_w)
		*first = in_w - 1;
	*last = (uint32_t)*b;
	if ((double)*last == *b && *last > *first)
		(*last)--;
	if (*last >= in_w)
		*last = in_w - 1;
}

void
scaler_free(struct scaler *sc)
{
	if (sc == NULL)
		return;
	free(sc->hfirst);
	free(sc->hw);
	free(sc->acc);
	free(sc->out);
	free(sc);
}

/*
 * The summed row across, taps pixels per output pixel, rounded to 8 bits.
 * Two and three taps (every reduction up to 2:1, and any enlargement)
 * are written out; more go round a loop.
 */
#define TAP(i)	((p[i] >> ACC_SHIFT) * w[i])

static void
scale_across(const struct scaler *sc, uint32_t *acc, uint8_t *out)
{
	const uint16_t	*w = sc->hw;
	const uint32_t	*p;
	uint32_t	 x, i, sum, taps = sc->taps;

	for (x = 0; x < sc->out_w; x++, w += taps) {
		p = acc + sc->hfirst[x];
		sum = 1U << (W_SHIFT + 7);
		if (taps == 3)
			sum += TAP(0) + TAP(1) + TAP(2);
		else if (taps == 2)
			sum += TAP(0) + TAP(1);
		else
			for (i = 0; i < taps; i++)
				sum += TAP(i);
		sum >>= W_SHIFT + 8;
		out[x] = (uint8_t)(sum > 255 ? 255 : sum);
	}
	memset(acc, 0, (size_t)sc->in_w * sizeof(*acc));
}

#undef TAP

/* The output row being summed gets input row in with weight wy. */
static IMG_HOT void
acc_add(uint32_t *restrict acc, const uint8_t *restrict in, uint32_t wy,
    uint32_t n)
{
	uint32_t	x;

	for (x = 0; x < n; x++)
		acc[x] += in[x] * wy;
}

int
scaler_push(struct scaler *sc, const uint8_t *row, scaler_emit emit,
    void *arg)
{
	double		a, b, lo, hi;
	uint32_t	iy = sc->iy, wy;
	long		prev, now;

	if (iy >= sc->in_h)
		return 0;
	sc->iy++;
	if (sc->identity) {
		sc->oy++;
		return emit(arg, row);
	}
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
			acc_add(sc->acc, row, wy, sc->in_w);
			sc->acc_w += wy;
		}
		if (b > iy + 1.0 + 1e-9 && iy + 1 < sc->in_h)
			break;
		scale_across(sc, sc->acc, sc->out);
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

/*
 * Floyd-Steinberg along one row, left to right or right to left: the
 * error for the next pixel and the three for the next row ride in
 * registers, each cell of the next row is written once, complete.
 * Errors are indexed x + 1 so that x - 1 and x + 1 always exist.
 */
static inline __attribute__((always_inline)) void
diffuse_row(const uint8_t *restrict tone, const uint8_t *restrict grey,
    const int *restrict cur, int *restrict nxt, uint8_t *restrict bits,
    uint32_t w, int ltr)
{
	uint32_t	i, x;
	int		v, e, carry = 0, a = 0, b = 0;

	for (i = 0; i < w; i++) {
		x = ltr ? i : w - 1 - i;
		v = tone[grey[x]] + (cur[x + 1] + carry) / 16;
		if (v < 128) {
			bits[x >> 3] |= (uint8_t)(0x80 >> (x & 7));
			e = v;
		} else
			e = v - 255;
		carry = e * 7;
		/* The cell behind x is complete; the two ahead move on. */
		nxt[ltr ? x : x + 2] = a + e * 3;
		a = b + e * 5;
		b = e;
	}
	nxt[ltr ? w : 1] = a;
	nxt[ltr ? w + 1 : 0] = b;
}

/*
 * Below 128 is black: eight pixels make a byte, the first in the most
 * significant bit.  On a little-endian machine eight pixels are read as
 * one 64-bit word: each byte's top bit, inverted, is the pixel's ink, and
 * one multiplication gathers the eight into the top byte in order.
 */
static void
threshold_row(const uint8_t *grey, uint8_t *bits, uint32_t w)
{
	uint32_t	i = 0, k, n = w / 8;
	uint8_t		b;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t	v;

	for (; i < n; i++, grey += 8) {
		memcpy(&v, grey, sizeof(v));
		v = (~v >> 7) & 0x0101010101010101ULL;
		bits[i] = (uint8_t)((v * 0x8040201008040201ULL) >> 56);
	}
#endif
	for (; i < n; i++, grey += 8) {
		b = 0;
		for (k = 0; k < 8; k++)
			b |= (uint8_t)((grey[k] < 128) << (7 - k));
		bits[i] = b;
	}
	if (w % 8 != 0) {
		b = 0;
		for (k = 0; k < w % 8; k++)
			b |= (uint8_t)((grey[k] < 128) << (7 - k));
		bits[n] = b;
	}
}

void
dither_row(struct dither *d, const uint8_t *grey, uint8_t *bits)
{
	int		*tmp;

	if (!d->diffuse) {
		threshold_row(grey, bits, d->w);
		return;
	}
	memset(bits, 0, ((size_t)d->w + 7) / 8);
	/* Two copies of the loop, each with its direction a constant. */
	if (d->ltr)
		diffuse_row(d->tone, grey, d->err, d->next, bits, d->w, 1);
	else
		diffuse_row(d->tone, grey, d->err, d->next, bits, d->w, 0);
	tmp = d->err;
	d->err = d->next;
	d->next = tmp;
	d->ltr = !d->ltr;
}
