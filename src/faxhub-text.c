/*
 * faxhub-text: draws text and cover pages (img-text.c) for the programs
 * that fax text, in the sandbox (img-text-run.c runs it; not for people).
 *
 *	faxhub-text [-fl4] [-m max_pages] text IN OUT.tif
 *	faxhub-text [-fl4] [-F from_name] [-A from_addr] [-T to] [-D date]
 *	    [-S subject] [-P pages] cover IN OUT.tif
 *
 * IN holds the UTF-8 text (for a cover, the mail's text drawn below the
 * header; empty for none).  -f fine (else normal) resolution, -l Letter
 * (else A4), -4 G4 (else G3 2-D).  On success it writes OUT.tif, prints
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

static void
usage(void)
{
	fprintf(stderr, "usage: faxhub-text [-fl4] [-m max_pages] "
	    "[-F from_name] [-A from_addr] [-T to] [-D date] [-S subject] "
	    "[-P pages] text|cover IN OUT.tif\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct img_opts	 o;
	struct img_cover c;
	char		*text = NULL, *cause = NULL;
	size_t		 len;
	int		 ch, pages = 1, rv;

	img_opts_default(&o);
	o.fine = o.letter = o.g4 = 0;
	memset(&c, 0, sizeof(c));
	while ((ch = getopt(argc, argv, "fl4m:F:A:T:D:S:P:")) != -1) {
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
		case 'F':
			c.from_name = optarg;
			break;
		case 'A':
			c.from_addr = optarg;
			break;
		case 'T':
			c.to = optarg;
			break;
		case 'D':
			c.date = optarg;
			break;
		case 'S':
			c.subject = optarg;
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
	if (argc != 3 || (strcmp(argv[0], "text") != 0 &&
	    strcmp(argv[0], "cover") != 0))
		usage();
	if (file_read(argv[1], IMG_TEXT_MAX, &text, &len, &cause) == -1)
		goto fail;
	if (strcmp(argv[0], "text") == 0)
		rv = text_draw_pages(text, &o, argv[2], &pages, &cause);
	else {
		c.text = len > 0 ? text : NULL;
		rv = text_draw_cover(&c, &o, argv[2], &cause);
	}
	if (rv == -1)
		goto fail;
	printf("pages %d\n", pages);
	free(text);
	return fflush(stdout) == 0 ? 0 : 1;
fail:
	fprintf(stderr, "%s\n", cause);
	free(cause);
	free(text);
	return 1;
}
