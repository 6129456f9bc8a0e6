/*
 * faxhub-text: draws text and cover pages (img-text.c) for the programs
 * that fax text, in the sandbox (img-text-run.c runs it; not for people).
 *
 *	faxhub-text [-fl4] [-m max_pages] text IN OUT.tif
 *	faxhub-text [-fl4] [-P pages] cover IN FIELDS OUT.tif
 *
 * IN holds the UTF-8 text (for a cover, the mail's text drawn below the
 * header; empty for none).  FIELDS holds the cover's sender name, sender
 * address, fax number(s), date and subject in that order, each ended by
 * a NUL byte (empty for none): in a file, not on the command line, as a
 * subject can be longer than an argument may be.  -f fine (else normal)
 * resolution, -l Letter (else A4), -4 G4 (else G3 2-D), -P the fax's
 * page count the cover gives.  On success it writes OUT.tif, prints
 * "pages N" and exits 0; else it prints why on standard error and exits
 * 1 (2 for a usage error).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "util.h"
#include "xmalloc.h"

#define FIELDS_MAX	(64U << 20)	/* bytes of FIELDS read */

#ifdef FH_ASAN
/*
 * In a sanitizer build, LeakSanitizer's own suppressions: the sandbox runs
 * this program with an empty environment, so tests/lsan.supp (passed in
 * LSAN_OPTIONS) never reaches it.  The same entry, for the same reason:
 * fontconfig keeps its configuration, font set and pattern cache for the
 * process's life (only FcFini() frees them, which Pango never calls), and
 * a fallback font (CJK text) adds to them.
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}
#endif

static void
usage(void)
{
	fprintf(stderr, "usage: faxhub-text [-fl4] [-m max_pages] text IN "
	    "OUT.tif\n       faxhub-text [-fl4] [-P pages] cover IN FIELDS "
	    "OUT.tif\n");
	exit(2);
}

/* Points the cover's fields into f (len bytes, from FIELDS). */
static int
cover_fields(struct img_cover *c, const char *f, size_t len, char **cause)
{
	const char	**v[] = { &c->from_name, &c->from_addr, &c->to,
			    &c->date, &c->subject };
	size_t		  i, off = 0, n;

	for (i = 0; i < nitems(v); i++) {
		if (off >= len || (n = strnlen(f + off, len - off)) ==
		    len - off) {
			xasprintf(cause, "the cover's fields: %zu of %zu",
			    i, nitems(v));
			return -1;
		}
		*v[i] = f + off;
		off += n + 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct img_opts	 o;
	struct img_cover c;
	char		*text = NULL, *fields = NULL, *cause = NULL;
	size_t		 len, flen;
	int		 ch, pages = 1, rv;

	img_opts_default(&o);
	o.fine = o.letter = o.g4 = 0;
	memset(&c, 0, sizeof(c));
	while ((ch = getopt(argc, argv, "fl4m:P:")) != -1) {
		switch (ch) {
		case 'f':
			o.fine = 1;
			break;
		case 'l':
			o.letter = 1;
			break;
		case '4':
			o.g4 = 1;
			break;
		case 'm':
			if ((o.max_pages = atoi(optarg)) < 1)
				usage();
			break;
		case 'P':
			c.pages = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 3 && strcmp(argv[0], "text") == 0) {
		if (file_read(argv[1], IMG_TEXT_MAX, &text, &len,
		    &cause) == -1)
			goto fail;
		rv = text_draw_pages(text, &o, argv[2], &pages, &cause);
	} else if (argc == 4 && strcmp(argv[0], "cover") == 0) {
		if (file_read(argv[1], IMG_TEXT_MAX, &text, &len,
		    &cause) == -1 || file_read(argv[2], FIELDS_MAX, &fields,
		    &flen, &cause) == -1 || cover_fields(&c, fields, flen,
		    &cause) == -1)
			goto fail;
		c.text = len > 0 ? text : NULL;
		rv = text_draw_cover(&c, &o, argv[3], &cause);
	} else
		usage();
	if (rv == -1)
		goto fail;
	printf("pages %d\n", pages);
	free(text);
	free(fields);
	return fflush(stdout) == 0 ? 0 : 1;
fail:
	fprintf(stderr, "%s\n", cause);
	free(cause);
	free(text);
	free(fields);
	return 1;
}
