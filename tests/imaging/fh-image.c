/*
 * fh-image: test driver for the imaging commands; runs the very handlers
 * faxhubctl dispatches to (ctl_convert, ctl_topdf).
 *	fh-image convert ...	fh-image topdf IN.tif OUT.pdf
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl-image.h"
#include "log.h"

int
main(int argc, char **argv)
{
	log_init("fh-image", 1, 0);
	if (argc >= 2 && strcmp(argv[1], "convert") == 0)
		return ctl_convert(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "topdf") == 0)
		return ctl_topdf(argc - 1, argv + 1);
	fprintf(stderr, "usage: fh-image %s\n       fh-image %s\n",
	    CTL_IMAGE_CONVERT_USAGE, CTL_IMAGE_TOPDF_USAGE);
	return 2;
}
