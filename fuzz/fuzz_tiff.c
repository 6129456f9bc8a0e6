/*
 * fuzz_tiff: libFuzzer harness for the TIFF reader path.  Each input is
 * written to a private temp file and normalised with small limits (so a
 * claimed giant page is refused, not allocated); a success must yield a
 * readable fax TIFF whose pages can be counted.  Built only with
 * ./configure --enable-fuzzing CC=clang.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"
#include "fuzz-file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
	op = xprintf("%s.out.tif", ip);
	img_opts_default(&o);
	o.max_pages = 8;
	o.max_pixels = 4ULL * 1000 * 1000;
	in[0] = ip;
	if (img_normalize(in, NULL, 1, op, &o, &st, &err, &cause) == 0) {
		if (img_count_pages(op, &pages, &cause) == -1 ||
		    pages != st.pages)
			abort();
		img_stats_free(&st);
		unlink(op);
	} else
		free(cause);
	unlink(ip);
	free(ip);
	free(op);
	return 0;
}
