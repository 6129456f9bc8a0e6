/*
 * fuzz_tiff: libFuzzer harness for the TIFF reader and the page pipeline
 * behind it.  Each input is written to a private temp file.  Every input
 * is read by the TIFF reader page by page (at most FUZZ_PAGES): its tags
 * checked against a small pixel limit (a claimed giant page is refused,
 * not allocated) and every row decoded, as the pipeline reads it.  One
 * input in FUZZ_PIPE_ONE_IN, chosen by a hash of its bytes (so an input
 * always takes the same path), goes on through img_normalize() with the
 * same limits: a success must yield a readable fax TIFF whose pages can
 * be counted.  Why not every input: the pipeline makes a whole fax page
 * (1728 pixels by up to 2800 rows, scaled, dithered and G4-coded) from
 * any input, however small, which costs some 15 ms under the sanitizers
 * against a fraction of one for reading; docs/imaging.md has the rates.
 * The input's last byte picks fine or normal resolution.
 * Built only with ./configure --enable-fuzzing CC=clang.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"
#include "fuzz-file.h"

#define FUZZ_MAX_PIXELS		(1024U * 1024U)
#define FUZZ_PAGES		8
#define FUZZ_PIPE_ONE_IN	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Every page of the TIFF at path through the reader. */
static void
read_pages(const char *path)
{
	struct tiff_diag	 d = { .name = "fuzz" };
	struct tiff_rd		 rd;
	enum img_err		 err;
	TIFF			*tif;
	uint8_t			*row;
	char			*cause = NULL;
	uint32_t		 y;
	int			 page = 1, rv;

	if ((tif = tiff_open(path, "rm", &d)) == NULL)
		return;
	do {
		if (tiff_rd_begin(&rd, tif, "fuzz", page, FUZZ_MAX_PIXELS,
		    &err, &cause) == -1) {
			if (cause == NULL)
				abort();
			free(cause);
			cause = NULL;
			continue;
		}
		if ((uint64_t)rd.w * rd.h > FUZZ_MAX_PIXELS)
			abort();	/* past the limit it was given */
		row = xmalloc(rd.w);
		for (y = 0, rv = 0; y < rd.h && rv == 0; y++)
			rv = tiff_rd_row(&rd, row, &d, &cause);
		if (rv == -1) {
			if (cause == NULL)
				abort();
			free(cause);
			cause = NULL;
		}
		free(row);
		tiff_rd_end(&rd);
	} while (++page <= FUZZ_PAGES && TIFFReadDirectory(tif));
	TIFFClose(tif);
}

/* FNV-1a: which inputs go through the whole pipeline. */
static uint32_t
hash(const uint8_t *data, size_t len)
{
	uint32_t	h = 2166136261U;
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ data[i]) * 16777619U;
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct img_opts		 o;
	struct img_stats	 st;
	enum img_err		 err;
	const char		*in[1];
	char			*ip, *op, *cause = NULL;
	int			 pages;

	if (len < 4 || len > (1 << 20) || doc_sniff(data, len) != DOC_TIFF)
		return 0;
	ip = fuzz_file("fuzz_tiff", "in.tif", data, len);
	read_pages(ip);
	if (hash(data, len) % FUZZ_PIPE_ONE_IN != 0)
		goto out;
	op = xprintf("%s.out.tif", ip);
	img_opts_default(&o);
	o.max_pages = FUZZ_PAGES;
	o.max_pixels = FUZZ_MAX_PIXELS;
	o.fine = data[len - 1] & 1;
	o.sync = WRITE_SCRATCH;
	in[0] = ip;
	if (img_normalize(in, NULL, 1, op, &o, &st, &err, &cause) == 0) {
		if (img_count_pages(op, &pages, &cause) == -1 ||
		    pages != st.pages)
			abort();
		img_stats_free(&st);
		unlink(op);
	} else
		free(cause);
	free(op);
out:
	unlink(ip);
	free(ip);
	return 0;
}
