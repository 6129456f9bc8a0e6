/*
 * tiff-g4.c: our own G4 (MMR, ITU-T T.6) encoder for the page writer.
 *
 * libtiff's encoder took 40 % of a dithered phone photo's time (a
 * dithered page has a colour change every few pixels): it finds changes
 * bit by bit and writes codes through a 32-bit buffer.  This one finds
 * them a byte (on long runs eight bytes) at a time and gathers codes in
 * a 64-bit word.  Rows are MinIsWhite bits, 1 = black, the first pixel in
 * the most significant bit; the strip is returned in that bit order (the
 * writer reverses it for FillOrder LSB2MSB) and ends with EOFB.
 *
 * The coding is T.4's two-dimensional one without EOLs: for each changing
 * element a1 on the coding line, pass mode when the reference line's b2
 * lies before it, vertical mode when |a1 - b1| <= 3, else horizontal mode
 * with two run lengths (T.4 tables 2 and 3).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tiff-int.h"
#include "xmalloc.h"

struct t4code {
	uint16_t	code;
	uint8_t		len;
};

/* T.4 table 2: terminating codes 0..63; table 3: make-up codes 64.. */
static const struct t4code white_term[64] = {
	{ 0x0035, 8 }, { 0x0007, 6 }, { 0x0007, 4 }, { 0x0008, 4 },
	{ 0x000b, 4 }, { 0x000c, 4 }, { 0x000e, 4 }, { 0x000f, 4 },
	{ 0x0013, 5 }, { 0x0014, 5 }, { 0x0007, 5 }, { 0x0008, 5 },
	{ 0x0008, 6 }, { 0x0003, 6 }, { 0x0034, 6 }, { 0x0035, 6 },
	{ 0x002a, 6 }, { 0x002b, 6 }, { 0x0027, 7 }, { 0x000c, 7 },
	{ 0x0008, 7 }, { 0x0017, 7 }, { 0x0003, 7 }, { 0x0004, 7 },
	{ 0x0028, 7 }, { 0x002b, 7 }, { 0x0013, 7 }, { 0x0024, 7 },
	{ 0x0018, 7 }, { 0x0002, 8 }, { 0x0003, 8 }, { 0x001a, 8 },
	{ 0x001b, 8 }, { 0x0012, 8 }, { 0x0013, 8 }, { 0x0014, 8 },
	{ 0x0015, 8 }, { 0x0016, 8 }, { 0x0017, 8 }, { 0x0028, 8 },
	{ 0x0029, 8 }, { 0x002a, 8 }, { 0x002b, 8 }, { 0x002c, 8 },
	{ 0x002d, 8 }, { 0x0004, 8 }, { 0x0005, 8 }, { 0x000a, 8 },
	{ 0x000b, 8 }, { 0x0052, 8 }, { 0x0053, 8 }, { 0x0054, 8 },
	{ 0x0055, 8 }, { 0x0024, 8 }, { 0x0025, 8 }, { 0x0058, 8 },
	{ 0x0059, 8 }, { 0x005a, 8 }, { 0x005b, 8 }, { 0x004a, 8 },
	{ 0x004b, 8 }, { 0x0032, 8 }, { 0x0033, 8 }, { 0x0034, 8 }
};
static const struct t4code white_makeup[27] = {
	{ 0x001b, 5 }, { 0x0012, 5 }, { 0x0017, 6 }, { 0x0037, 7 },
	{ 0x0036, 8 }, { 0x0037, 8 }, { 0x0064, 8 }, { 0x0065, 8 },
	{ 0x0068, 8 }, { 0x0067, 8 }, { 0x00cc, 9 }, { 0x00cd, 9 },
	{ 0x00d2, 9 }, { 0x00d3, 9 }, { 0x00d4, 9 }, { 0x00d5, 9 },
	{ 0x00d6, 9 }, { 0x00d7, 9 }, { 0x00d8, 9 }, { 0x00d9, 9 },
	{ 0x00da, 9 }, { 0x00db, 9 }, { 0x0098, 9 }, { 0x0099, 9 },
	{ 0x009a, 9 }, { 0x0018, 6 }, { 0x009b, 9 }
};
static const struct t4code black_term[64] = {
	{ 0x0037, 10 }, { 0x0002, 3 }, { 0x0003, 2 }, { 0x0002, 2 },
	{ 0x0003, 3 }, { 0x0003, 4 }, { 0x0002, 4 }, { 0x0003, 5 },
	{ 0x0005, 6 }, { 0x0004, 6 }, { 0x0004, 7 }, { 0x0005, 7 },
	{ 0x0007, 7 }, { 0x0004, 8 }, { 0x0007, 8 }, { 0x0018, 9 },
	{ 0x0017, 10 }, { 0x0018, 10 }, { 0x0008, 10 }, { 0x0067, 11 },
	{ 0x0068, 11 }, { 0x006c, 11 }, { 0x0037, 11 }, { 0x0028, 11 },
	{ 0x0017, 11 }, { 0x0018, 11 }, { 0x00ca, 12 }, { 0x00cb, 12 },
	{ 0x00cc, 12 }, { 0x00cd, 12 }, { 0x0068, 12 }, { 0x0069, 12 },
	{ 0x006a, 12 }, { 0x006b, 12 }, { 0x00d2, 12 }, { 0x00d3, 12 },
	{ 0x00d4, 12 }, { 0x00d5, 12 }, { 0x00d6, 12 }, { 0x00d7, 12 },
	{ 0x006c, 12 }, { 0x006d, 12 }, { 0x00da, 12 }, { 0x00db, 12 },
	{ 0x0054, 12 }, { 0x0055, 12 }, { 0x0056, 12 }, { 0x0057, 12 },
	{ 0x0064, 12 }, { 0x0065, 12 }, { 0x0052, 12 }, { 0x0053, 12 },
	{ 0x0024, 12 }, { 0x0037, 12 }, { 0x0038, 12 }, { 0x0027, 12 },
	{ 0x0028, 12 }, { 0x0058, 12 }, { 0x0059, 12 }, { 0x002b, 12 },
	{ 0x002c, 12 }, { 0x005a, 12 }, { 0x0066, 12 }, { 0x0067, 12 }
};
static const struct t4code black_makeup[27] = {
	{ 0x000f, 10 }, { 0x00c8, 12 }, { 0x00c9, 12 }, { 0x005b, 12 },
	{ 0x0033, 12 }, { 0x0034, 12 }, { 0x0035, 12 }, { 0x006c, 13 },
	{ 0x006d, 13 }, { 0x004a, 13 }, { 0x004b, 13 }, { 0x004c, 13 },
	{ 0x004d, 13 }, { 0x0072, 13 }, { 0x0073, 13 }, { 0x0074, 13 },
	{ 0x0075, 13 }, { 0x0076, 13 }, { 0x0077, 13 }, { 0x0052, 13 },
	{ 0x0053, 13 }, { 0x0054, 13 }, { 0x0055, 13 }, { 0x005a, 13 },
	{ 0x005b, 13 }, { 0x0064, 13 }, { 0x0065, 13 }
};
static const struct t4code ext_makeup[13] = {
	{ 0x0008, 11 }, { 0x000c, 11 }, { 0x000d, 11 }, { 0x0012, 12 },
	{ 0x0013, 12 }, { 0x0014, 12 }, { 0x0015, 12 }, { 0x0016, 12 },
	{ 0x0017, 12 }, { 0x001c, 12 }, { 0x001d, 12 }, { 0x001e, 12 },
	{ 0x001f, 12 }
};

/* Vertical mode by b1 - a1 + 3: VR3, VR2, VR1, V0, VL1, VL2, VL3. */
static const struct t4code vert[7] = {
	{ 0x03, 7 }, { 0x03, 6 }, { 0x3, 3 }, { 0x1, 1 }, { 0x2, 3 },
	{ 0x02, 6 }, { 0x02, 7 }
};
static const struct t4code pass_code = { 0x1, 4 };
static const struct t4code horiz_code = { 0x1, 3 };
static const struct t4code eol_code = { 0x001, 12 };

/*
 * A row is coded from its changing elements: the positions where a pixel
 * differs from the one before it (the first pixel from an imaginary white
 * one), in order, so the k-th is a change to black when k is even.  Each
 * list ends with three copies of w.
 */
struct g4enc {
	uint32_t	 w;		/* pixels a row */
	size_t		 rowbytes;
	uint32_t	*cur;		/* the coding line's changes */
	uint32_t	*ref;		/* the reference line's */
	uint8_t		*buf;		/* the strip so far */
	size_t		 len, cap;
	uint64_t	 acc;		/* pending bits, the last nbits */
	unsigned	 nbits;
};

static void	put(struct g4enc *, struct t4code);
static void	flush(struct g4enc *);
static void	put_run(struct g4enc *, uint32_t, int);
static void	row_changes(const uint8_t *, uint32_t, size_t, uint32_t *);
static uint64_t	load_be64(uint64_t);

static void
put(struct g4enc *e, struct t4code c)
{
	e->acc = e->acc << c.len | c.code;
	e->nbits += c.len;
	if (e->nbits >= 32)
		flush(e);
}

/* The whole bytes of the pending bits into the strip. */
static void
flush(struct g4enc *e)
{
	if (e->cap - e->len < 8) {
		e->cap = e->cap * 2 + 64;
		e->buf = xreallocarray(e->buf, e->cap, 1);
	}
	while (e->nbits >= 8) {
		e->nbits -= 8;
		e->buf[e->len++] = (uint8_t)(e->acc >> e->nbits);
	}
}

/*
 * A run of n pixels of colour black (1) or white (0): make-up codes, then
 * a terminating code.
 */
static void
put_run(struct g4enc *e, uint32_t n, int black)
{
	const struct t4code	*term = black ? black_term : white_term;
	const struct t4code	*mk = black ? black_makeup : white_makeup;

	while (n >= 2560 + 64) {
		put(e, ext_makeup[12]);
		n -= 2560;
	}
	if (n >= 1792)
		put(e, ext_makeup[n / 64 - 28]);
	else if (n >= 64)
		put(e, mk[n / 64 - 1]);
	put(e, term[n % 64]);
}

/*
 * The changing elements of a row into ch (room for w + 3), then three
 * copies of w.  Eight bytes at a time: a bit of v ^ (v >> 1, with the
 * previous word's last pixel in front) is set where a pixel differs from
 * the one before it.
 */
static void
row_changes(const uint8_t *row, uint32_t w, size_t rowbytes, uint32_t *ch)
{
	uint64_t	 v, t, prev = 0;
	uint32_t	 n = 0, base, pos;
	size_t		 i, k;
	uint8_t		 tail[8];

	for (i = 0; i < rowbytes; i += 8) {
		if (rowbytes - i >= 8)
			memcpy(&v, row + i, 8);
		else {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, row + i, rowbytes - i);
			memcpy(&v, tail, 8);
		}
		v = load_be64(v);
		t = v ^ (v >> 1 | prev << 63);
		prev = v & 1;
		base = (uint32_t)i * 8;
		while (t != 0) {
			k = (size_t)__builtin_clzll(t);
			pos = base + (uint32_t)k;
			if (pos >= w)
				break;
			ch[n++] = pos;
			t &= ~((uint64_t)1 << (63 - k));
		}
	}
	ch[n] = ch[n + 1] = ch[n + 2] = w;
}

/* Eight bytes read in memory order as a big-endian number. */
static uint64_t
load_be64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

struct g4enc *
g4_new(uint32_t w)
{
	struct g4enc	*e;

	e = xcalloc(1, sizeof(*e));
	e->w = w;
	e->rowbytes = ((size_t)w + 7) / 8;
	e->cur = xreallocarray(NULL, (size_t)w + 3, sizeof(*e->cur));
	e->ref = xreallocarray(NULL, (size_t)w + 3, sizeof(*e->ref));
	return e;
}

void
g4_free(struct g4enc *e)
{
	if (e == NULL)
		return;
	free(e->cur);
	free(e->ref);
	free(e->buf);
	free(e);
}

/* A new page: an all-white reference line, an empty strip. */
void
g4_begin(struct g4enc *e)
{
	e->ref[0] = e->ref[1] = e->ref[2] = e->w;
	e->len = 0;
	e->acc = 0;
	e->nbits = 0;
}

void
g4_row(struct g4enc *e, const uint8_t *row)
{
	const uint32_t	*cc = e->cur, *rc = e->ref;
	uint32_t	*tmp;
	int64_t		 a0 = -1;	/* on an imaginary white pixel */
	uint32_t	 a1, a2, b1, b2, ia = 0, ib = 0, k, w = e->w;
	int		 c0 = 0;	/* the colour at a0, 1 black */

	row_changes(row, w, e->rowbytes, e->cur);
	for (;;) {
		/* a1: the coding line's first change right of a0. */
		while ((int64_t)cc[ia] <= a0)
			ia++;
		a1 = cc[ia];
		/*
		 * b1: the reference line's first change right of a0 to the
		 * colour opposite a0's (even k: to black); b2 the next.
		 */
		while ((int64_t)rc[ib] <= a0)
			ib++;
		k = ib + ((ib & 1) != (uint32_t)c0);
		b1 = rc[k];
		b2 = rc[k + 1];
		if (b2 < a1) {
			put(e, pass_code);
			a0 = b2;
		} else if (a1 + 3 >= b1 && b1 + 3 >= a1) {
			put(e, vert[b1 + 3 - a1]);
			a0 = a1;
			c0 = !c0;
		} else {
			a2 = cc[ia + 1];
			put(e, horiz_code);
			put_run(e, a1 - (a0 < 0 ? 0 : (uint32_t)a0), c0);
			put_run(e, a2 - a1, !c0);
			a0 = a2;
		}
		if (a0 >= w)
			break;
	}
	tmp = e->ref;
	e->ref = e->cur;
	e->cur = tmp;
}

/*
 * Ends the page with EOFB (two EOLs) and zero bits to a byte boundary;
 * *len gets the strip's size.  The strip stays the encoder's until the
 * next g4_begin().
 */
const uint8_t *
g4_end(struct g4enc *e, size_t *len)
{
	put(e, eol_code);
	put(e, eol_code);
	put(e, (struct t4code){ 0, (uint8_t)((8 - e->nbits % 8) % 8) });
	flush(e);
	*len = e->len;
	return e->buf;
}
