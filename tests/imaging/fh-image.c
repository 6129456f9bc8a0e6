/*
 * fh-image: test driver for the imaging commands; runs the very handlers
 * faxhubctl dispatches to (ctl_convert, ctl_topdf).
 *	fh-image convert ...	fh-image topdf IN.tif OUT.pdf
 *	fh-image office-times N IN OUT.tif
 *	fh-image text [--normal] [--letter] IN.txt OUT.tif
 *	fh-image cover OUT.tif NAME ADDR TO DATE SUBJECT PAGES [TEXT.txt]
 * office-times converts IN N times in one process with a LibreOffice kept
 * warm (as faxhubd does) and prints each run's milliseconds: the first
 * includes starting LibreOffice, the others do not.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-image.h"
#include "image.h"
#include "log.h"
#include "util.h"

static int
office_times(int n, const char *in, const char *out)
{
	struct img_opts	 o;
	enum img_err	 err;
	char		*cause = NULL;
	long long	 t0;
	int		 i, rv = 0;

	img_opts_default(&o);
	o.office_warm = 600;
	for (i = 1; i <= n && rv == 0; i++) {
		t0 = now_ms();
		if (img_normalize(&in, NULL, 1, out, &o, NULL, &err,
		    &cause) == -1) {
			fprintf(stderr, "office-times: %s\n", cause);
			free(cause);
			rv = 1;
		} else
			printf("run %d: %lld ms\n", i, now_ms() - t0);
	}
	img_office_stop();
	return rv;
}

/* text and cover: the renderers of img-text.c; prints the page count. */
static int
text_cmd(int argc, char **argv)
{
	struct img_opts	 o;
	struct img_cover c;
	char		*cause = NULL, *text = NULL;
	const char	*cmd = argv[0];
	size_t		 len;
	int		 pages = 1, rv;

	img_opts_default(&o);
	for (; argc > 2 && strncmp(argv[1], "--", 2) == 0; argc--, argv++) {
		if (strcmp(argv[1], "--normal") == 0)
			o.fine = 0;
		else if (strcmp(argv[1], "--letter") == 0)
			o.letter = 1;
	}
	if (strcmp(cmd, "text") == 0 && argc == 3) {
		if (file_read(argv[1], 1 << 20, &text, &len, &cause) == -1)
			goto fail;
		rv = text_draw_pages(text, &o, argv[2], &pages, &cause);
	} else if (strcmp(cmd, "cover") == 0 && argc >= 8) {
		if (argc > 8 && file_read(argv[8], 1 << 20, &text, &len,
		    &cause) == -1)
			goto fail;
		memset(&c, 0, sizeof(c));
		c.from_name = argv[2];
		c.from_addr = argv[3];
		c.to = argv[4];
		c.date = argv[5];
		c.subject = argv[6];
		c.pages = atoi(argv[7]);
		c.text = text;
		rv = text_draw_cover(&c, &o, argv[1], &cause);
	} else {
		fprintf(stderr, "usage: fh-image text|cover ...\n");
		return 2;
	}
	if (rv == -1)
		goto fail;
	printf("%d page%s\n", pages, pages == 1 ? "" : "s");
	free(text);
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", cmd, cause);
	free(cause);
	free(text);
	return 1;
}

int
main(int argc, char **argv)
{
	log_init("fh-image", 1, 0);
	if (getenv("FH_DEBUG") != NULL)
		log_setlevel(LOG_LEVEL_DEBUG);
	if (argc >= 2 && strcmp(argv[1], "convert") == 0)
		return ctl_convert(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "topdf") == 0)
		return ctl_topdf(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "text") == 0 ||
	    strcmp(argv[1], "cover") == 0))
		return text_cmd(argc - 1, argv + 1);
	if (argc == 5 && strcmp(argv[1], "office-times") == 0)
		return office_times(atoi(argv[2]), argv[3], argv[4]);
	fprintf(stderr, "usage: fh-image %s\n       fh-image %s\n",
	    CTL_IMAGE_CONVERT_USAGE, CTL_IMAGE_TOPDF_USAGE);
	return 2;
}
