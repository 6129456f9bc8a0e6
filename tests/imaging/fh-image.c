/*
 * fh-image: test driver for the imaging commands; runs the very handlers
 * faxhubctl dispatches to (ctl_convert, ctl_topdf).
 *	fh-image convert ...	fh-image topdf IN.tif OUT.pdf
 *	fh-image office-times N IN OUT.tif
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
	if (argc == 5 && strcmp(argv[1], "office-times") == 0)
		return office_times(atoi(argv[2]), argv[3], argv[4]);
	fprintf(stderr, "usage: fh-image %s\n       fh-image %s\n",
	    CTL_IMAGE_CONVERT_USAGE, CTL_IMAGE_TOPDF_USAGE);
	return 2;
}
