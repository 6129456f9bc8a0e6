/*
 * img-level.c: photos of printed pages.  A phone photo of a letter has
 * paper that is grey and unevenly lit; error diffusion draws that grey as
 * a dot pattern over the whole page.  Such a page is recognised by its
 * local contrast: compared with the mean of its neighbourhood, almost
 * every pixel is paper (close to the local mean), a few are ink (far
 * darker) and hardly any lie between.  A real photograph has broad
 * mid-tones instead, or no ink at all.
 *
 * A document is then levelled and thresholded in one step: each pixel is
 * compared with a threshold from the mean m and standard deviation s of
 * its window (Sauvola: T = m * (1 + k * (s / R - 1))), so lighting
 * gradients vanish (the local mean follows them) and flat paper, where s
 * is small, stays white.
 *
 * Both passes slide a (2R+1)^2 window down the page with running column
 * sums: O(w) memory beside the page, O(w * h) time.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tiff-int.h"
#include "xmalloc.h"

#define WIN_R		20		/* window radius at 204 dpi */
#define SAUVOLA_K	0.30f
#define SAUVOLA_R	128.0f

/* Document-photo thresholds, on v = pixel / local mean. */
#define PAPER_V		0.88f		/* at or above: paper */
#define INK_V		0.65f		/* below: ink */
#define MIN_PAPER	0.60		/* share of pixels that are paper */
#define MIN_INK		0.002		/* some ink must be there */
#define MAX_INK		0.35
#define MID_PER_INK	2.5		/* edges: mid-tones per ink pixel */
#define MID_SLACK	0.03
#define MIN_PAPER_LUM	140.0		/* paper is light, even in a photo */

struct win {
	uint32_t	 w, h, r;
	uint32_t	*cs;		/* column sums over the window rows */
	uint64_t	*cq;		/* column sums of squares */
	uint32_t	 nrows;		/* rows in the window */
};

static void	win_init(struct win *, uint32_t, uint32_t, uint32_t);
static void	win_free(struct win *);
static void	win_row(struct win *, const uint8_t *, int);
static void	col_sums(uint32_t *, uint64_t *, const uint8_t *, uint32_t,
		    int);
static void	win_stats(const struct win *, float *, float *);

static void
win_init(struct win *wn, uint32_t w, uint32_t h, uint32_t r)
{
	wn->w = w;
	wn->h = h;
	wn->r = r;
	wn->cs = xcalloc(w, sizeof(*wn->cs));
	wn->cq = xcalloc(w, sizeof(*wn->cq));
	wn->nrows = 0;
}

static void
win_free(struct win *wn)
{
	free(wn->cs);
	free(wn->cq);
}

/* Adds (sign 1) or removes (sign -1) a row from the column sums. */
static void
win_row(struct win *wn, const uint8_t *row, int sign)
{
	col_sums(wn->cs, wn->cq, row, wn->w, sign);
	if (sign > 0)
		wn->nrows++;
	else
		wn->nrows--;
}

/*
 * The loop itself, vectorised: removing is adding the value times -1,
 * which unsigned arithmetic does exactly.
 */
static IMG_HOT void
col_sums(uint32_t *restrict cs, uint64_t *restrict cq,
    const uint8_t *restrict row, uint32_t w, int sign)
{
	uint32_t	x, v, s = sign > 0 ? 1 : UINT32_MAX;
	uint64_t	sq = sign > 0 ? 1 : UINT64_MAX;

	for (x = 0; x < w; x++) {
		v = row[x];
		cs[x] += v * s;
		cq[x] += (uint64_t)(v * v) * sq;
	}
}

/* Mean and standard deviation of every pixel's window on the current row. */
static void
win_stats(const struct win *wn, float *mean, float *sd)
{
	uint64_t	 s = 0, q = 0;
	uint32_t	 x, lo = 0, hi = 0, n;
	double		 m, var;

	/* Columns [lo, hi) are summed in s and q. */
	for (x = 0; x < wn->w; x++) {
		while (hi < wn->w && hi <= x + wn->r) {
			s += wn->cs[hi];
			q += wn->cq[hi];
			hi++;
		}
		while (lo + wn->r < x) {
			s -= wn->cs[lo];
			q -= wn->cq[lo];
			lo++;
		}
		n = (hi - lo) * wn->nrows;
		m = (double)s / n;
		var = (double)q / n - m * m;
		mean[x] = (float)m;
		sd[x] = var > 0 ? (float)sqrt(var) : 0;
	}
}

int
level_is_document(const uint8_t *page, uint32_t w, uint32_t h)
{
	struct win	 wn;
	float		*mean, *sd, v;
	uint64_t	 paper = 0, ink = 0, mid = 0, total;
	double		 paper_lum = 0;
	uint32_t	 x, y, r = WIN_R;

	if (w < 2 * r || h < 2 * r)
		return 0;
	win_init(&wn, w, h, r);
	mean = xreallocarray(NULL, w, sizeof(*mean));
	sd = xreallocarray(NULL, w, sizeof(*sd));
	for (y = 0; y < r && y < h; y++)
		win_row(&wn, page + (size_t)y * w, 1);
	for (y = 0; y < h; y++) {
		if (y + r < h)
			win_row(&wn, page + (size_t)(y + r) * w, 1);
		if (y > r)
			win_row(&wn, page + (size_t)(y - r - 1) * w, -1);
		/* Every fourth row is plenty to measure shares. */
		if (y % 4 != 0)
			continue;
		win_stats(&wn, mean, sd);
		for (x = 0; x < w; x++) {
			v = (page[(size_t)y * w + x] + 1.0f) / (mean[x] + 1.0f);
			if (v >= PAPER_V) {
				paper++;
				paper_lum += page[(size_t)y * w + x];
			} else if (v < INK_V)
				ink++;
			else
				mid++;
		}
	}
	free(mean);
	free(sd);
	win_free(&wn);
	total = paper + ink + mid;
	if (total == 0 || paper == 0)
		return 0;
	return (double)paper / total >= MIN_PAPER &&
	    (double)ink / total >= MIN_INK &&
	    (double)ink / total <= MAX_INK &&
	    (double)mid / total <= MID_PER_INK * ink / total + MID_SLACK &&
	    paper_lum / paper >= MIN_PAPER_LUM;
}

void
level_threshold(uint8_t *page, uint32_t w, uint32_t h)
{
	struct win	 wn;
	float		*mean, *sd, t;
	uint8_t		*ring, *row;
	uint32_t	 x, y, r = WIN_R, slot;

	win_init(&wn, w, h, r);
	mean = xreallocarray(NULL, w, sizeof(*mean));
	sd = xreallocarray(NULL, w, sizeof(*sd));
	/* The original of rows already thresholded, until they leave. */
	ring = xreallocarray(NULL, (size_t)r + 1, w);
	for (y = 0; y < r && y < h; y++)
		win_row(&wn, page + (size_t)y * w, 1);
	for (y = 0; y < h; y++) {
		row = page + (size_t)y * w;
		slot = y % (r + 1);
		if (y + r < h)
			win_row(&wn, page + (size_t)(y + r) * w, 1);
		if (y > r)
			win_row(&wn, ring + (size_t)slot * w, -1);
		win_stats(&wn, mean, sd);
		memcpy(ring + (size_t)slot * w, row, w);
		for (x = 0; x < w; x++) {
			t = mean[x] * (1 + SAUVOLA_K * (sd[x] / SAUVOLA_R -
			    1));
			row[x] = row[x] < t ? 0 : 255;
		}
	}
	free(ring);
	free(mean);
	free(sd);
	win_free(&wn);
}
