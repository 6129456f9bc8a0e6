/*
 * ctl-image.c: faxhubctl convert and topdf.  They run exactly the code the
 * daemon runs (img_normalize, img_topdf, img_preview_png), so an admin
 * sees what a document becomes before it is faxed and the tests and the
 * benchmark measure the real pipeline.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-image.h"
#include "image.h"
#include "xmalloc.h"

#define PREVIEW_WIDTH	200
#define MAX_INPUTS	256

static long long	file_size(const char *);
static int		usage(const char *);

static long long
file_size(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == -1 ? -1 : (long long)sb.st_size;
}

static int
usage(const char *u)
{
	fprintf(stderr, "usage: faxhubctl %s\n", u);
	return 2;
}

int
ctl_convert(int argc, char **argv)
{
	struct img_opts		 o;
	struct img_stats	 st;
	enum img_err		 err;
	const char		*out = NULL, *pdf = NULL, *png = NULL;
	const char		*const *inputs;
	char			*cause = NULL;
	int			 i, n, pages;

	img_opts_default(&o);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] != '-')
			break;
		if (strcmp(argv[i], "--fine") == 0)
			o.fine = 1;
		else if (strcmp(argv[i], "--normal") == 0)
			o.fine = 0;
		else if (strcmp(argv[i], "--g4") == 0)
			o.g4 = 1;
		else if (strcmp(argv[i], "--g3") == 0)
			o.g4 = 0;
		else if (strcmp(argv[i], "--letter") == 0)
			o.letter = 1;
		else if (strcmp(argv[i], "--a4") == 0)
			o.letter = 0;
		else if (strcmp(argv[i], "--keep-coding") == 0)
			o.keep_coding = 1;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if ((o.gs_timeout = atoi(argv[++i])) < 1)
				return usage(CTL_IMAGE_CONVERT_USAGE);
		} else if (strcmp(argv[i], "--pdf") == 0 && i + 1 < argc)
			pdf = argv[++i];
		else if (strcmp(argv[i], "--preview") == 0 && i + 1 < argc)
			png = argv[++i];
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else
			return usage(CTL_IMAGE_CONVERT_USAGE);
	}
	n = argc - i;
	if (out == NULL || n < 1 || n > MAX_INPUTS)
		return usage(CTL_IMAGE_CONVERT_USAGE);
	inputs = (const char *const *)(argv + i);
	if (img_normalize(inputs, NULL, (size_t)n, out, &o, &st, &err,
	    &cause) == -1) {
		fprintf(stderr, "convert: refused (%s): %s\n",
		    img_err_text(err), cause);
		free(cause);
		return 1;
	}
	printf("%s: %d page%s, %s, %s, %s, %lld bytes\n", out, st.pages,
	    st.pages == 1 ? "" : "s", o.g4 ? "G4 (MMR)" : "G3 2-D",
	    o.fine ? "fine 204x196 dpi" : "normal 204x98 dpi",
	    o.letter ? "Letter" : "A4", file_size(out));
	printf("  %d passed through, %d converted\n", st.passed_through,
	    st.converted);
	printf("  %s\n", st.notes);
	img_stats_free(&st);
	if (pdf != NULL) {
		if (img_topdf(out, pdf, &pages, &cause) == -1) {
			fprintf(stderr, "convert: PDF: %s\n", cause);
			free(cause);
			return 1;
		}
		printf("%s: PDF, %d page%s, CCITT data embedded as is, "
		    "%lld bytes\n", pdf, pages, pages == 1 ? "" : "s",
		    file_size(pdf));
	}
	if (png != NULL) {
		if (img_preview_png(out, png, PREVIEW_WIDTH, &cause) == -1) {
			fprintf(stderr, "convert: preview: %s\n", cause);
			free(cause);
			return 1;
		}
		printf("%s: PNG preview of page 1, %d pixels wide, %lld "
		    "bytes\n", png, PREVIEW_WIDTH, file_size(png));
	}
	return 0;
}

int
ctl_topdf(int argc, char **argv)
{
	char	*cause = NULL;
	int	 pages;

	if (argc != 3)
		return usage(CTL_IMAGE_TOPDF_USAGE);
	if (img_topdf(argv[1], argv[2], &pages, &cause) == -1) {
		fprintf(stderr, "topdf: %s\n", cause);
		free(cause);
		return 1;
	}
	printf("%s: PDF, %d page%s from %s, CCITT data embedded as is, "
	    "%lld bytes\n", argv[2], pages, pages == 1 ? "" : "s", argv[1],
	    file_size(argv[2]));
	return 0;
}

