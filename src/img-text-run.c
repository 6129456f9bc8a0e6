/*
 * img-text-run.c: text and cover pages (image.h) drawn by faxhub-text
 * (faxhub-text.c, img-text.c) in the sandbox.  Pango, cairo, fontconfig,
 * the fonts and the page being drawn (16 MiB at fine resolution) then
 * cost the process that faxes text (faxhubd) nothing once a page is done:
 * drawn in faxhubd, they stayed resident for its whole life.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "sandbox.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR	"/usr/libexec/faxhub"
#endif
#define TEXT_PROG	"faxhub-text"
#ifdef FH_ASAN
#define TEXT_MAX_AS	0	/* a sanitizer build's: none (util.h) */
#else
#define TEXT_MAX_AS	((rlim_t)1 << 30)	/* address space */
#endif
#define TEXT_MAX_FSIZE	((rlim_t)256 << 20)	/* the TIFF written */

static char	*text_prog(void);
static void	 text_failed(const struct sandbox_result *, char **);
static int	 text_fields(const char *, const struct img_cover *, char **);
static int	 text_run(const char *, const char *,
		    const struct img_cover *, const struct img_opts *,
		    const char *, int *, char **);

/*
 * faxhub-text next to the running program when it is there (a build
 * tree: faxhubd and faxhub-text side by side), else the installed one.
 */
static char *
text_prog(void)
{
	char	self[PATH_MAX], *slash, *p;
	ssize_t	n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			p = xprintf("%s/%s", self, TEXT_PROG);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(PKGLIBEXECDIR "/" TEXT_PROG);
}

/* The reason faxhub-text gave: its output's last line, else its status. */
static void
text_failed(const struct sandbox_result *r, char **cause)
{
	char	*out = xstrdup(r->output), *line, *nl;

	line = str_trim(out);
	if ((nl = strrchr(line, '\n')) != NULL)
		line = nl + 1;
	if (*line != '\0')
		*cause = xstrdup(line);
	else
		xasprintf(cause, "%s: exit status %d", TEXT_PROG,
		    WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1);
	free(out);
}

/*
 * The cover's fields as faxhub-text reads them: in the job directory's
 * "fields", each ended by a NUL byte (a subject may be longer than a
 * command-line argument may be).
 */
static int
text_fields(const char *dir, const struct img_cover *c, char **cause)
{
	const char *const v[] = { c->from_name, c->from_addr, c->to, c->date,
	    c->subject };
	struct buf	 b;
	size_t		 i;
	int		 rv;

	buf_init(&b);
	for (i = 0; i < nitems(v); i++)
		buf_add(&b, v[i] != NULL ? v[i] : "", v[i] != NULL ?
		    strlen(v[i]) + 1 : 1);
	rv = sandbox_write_in(dir, "fields", b.data, b.len, cause);
	buf_free(&b);
	return rv;
}

/*
 * Runs faxhub-text kind ("text" or "cover", c its fields) on text in a
 * job directory and copies its TIFF to out_tif; *pages gets its count.
 */
static int
text_run(const char *kind, const char *text, const struct img_cover *c,
    const struct img_opts *o, const char *out_tif, int *pages, char **cause)
{
	struct sandbox_spec	 sp;
	struct sandbox_result	 r;
	enum img_err		 err;
	char			*prog = text_prog(), *dir = NULL, *p, *last;
	char			 maxp[16], npages[16];
	const char		*name = c != NULL ? "the cover page" :
				    "the mail's text";
	size_t			 len = text != NULL ? strlen(text) : 0;
	int			 ac = 0, rv = -1;

	if (len > IMG_TEXT_MAX)
		len = IMG_TEXT_MAX;
	if (sandbox_mkdir(&dir, cause) == -1 ||
	    sandbox_write_in(dir, "in", text != NULL ? text : "", len,
	    cause) == -1 || (c != NULL && text_fields(dir, c, cause) == -1))
		goto out;
	sandbox_converter(&sp, prog, dir, o->gs_timeout, TEXT_MAX_AS,
	    TEXT_MAX_FSIZE);
	sp.argv[ac++] = TEXT_PROG;
	if (o->fine)
		sp.argv[ac++] = "-f";
	if (o->letter)
		sp.argv[ac++] = "-l";
	if (o->g4)
		sp.argv[ac++] = "-4";
	snprintf(maxp, sizeof(maxp), "%d", o->max_pages);
	sp.argv[ac++] = "-m";
	sp.argv[ac++] = maxp;
	if (c != NULL) {
		snprintf(npages, sizeof(npages), "%d", c->pages);
		sp.argv[ac++] = "-P";
		sp.argv[ac++] = npages;
	}
	sp.argv[ac++] = kind;
	sp.argv[ac++] = "in";
	if (c != NULL)
		sp.argv[ac++] = "fields";
	sp.argv[ac++] = "out.tif";
	sp.argv[ac] = NULL;
	if (sandbox_run(&sp, &r, cause) == -1)
		goto out;
	if (conv_ended(&r, name, TEXT_PROG, "pages", o->gs_timeout, &err,
	    cause) == -1)
		goto out;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		text_failed(&r, cause);
		goto out;
	}
	/* Its last line (a library may have warned before). */
	for (p = r.output, last = NULL; (p = strstr(p, "pages ")) != NULL;
	    p++)
		if (p == r.output || p[-1] == '\n')
			last = p;
	if (last == NULL || (*pages = atoi(last + 6)) < 1) {
		xasprintf(cause, "%s: no page count in its output", TEXT_PROG);
		goto out;
	}
	if (sandbox_copy_out(dir, "out.tif", out_tif, cause) == -1)
		goto out;
	rv = 0;
out:
	sandbox_rmdir(dir);
	free(dir);
	free(prog);
	return rv;
}

int
img_text_pages(const char *text, const struct img_opts *o,
    const char *out_tif, int *pages, char **cause)
{
	*pages = 0;
	return text_run("text", text, NULL, o, out_tif, pages, cause);
}

int
img_cover_page(const struct img_cover *c, const struct img_opts *o,
    const char *out_tif, char **cause)
{
	int	pages;

	return text_run("cover", c->text, c, o, out_tif, &pages, cause);
}
