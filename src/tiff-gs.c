/*
 * tiff-gs.c: PDF and PostScript input.  Ghostscript renders the document
 * in the converter sandbox (src/sandbox.h: no shell, -dSAFER, an empty
 * environment, its own directory, another user, no network, a wall-clock
 * timeout, CPU, memory and file-size limits) straight to fax resolution
 * in black and white (its tiffg4 device: text and lines drawn at the
 * device's bit depth, pictures halftoned by Ghostscript), which then goes
 * through the same checks and pipeline as any bilevel TIFF: centred on
 * the fax width, turned, trailing white chopped and the page length set,
 * coded as the job wants (never passed through as it is: Ghostscript's
 * A4 is a row longer than HylaFAX's).
 * Rendering grey and reducing it ourselves cost Ghostscript a quarter more
 * time (its colour management and the grey page's size) than the whole
 * of our pass over a bilevel page.  Encrypted PDFs are refused before
 * Ghostscript sees them.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

#ifndef GS_PATH
#define GS_PATH		"/usr/bin/gs"
#endif
#define GS_MAX_AS	((rlim_t)2 << 30)	/* address space */
#define GS_MAX_FSIZE	((rlim_t)2 << 30)	/* rendered TIFF */
#define PDF_MAX_SCAN	((off_t)512 << 20)	/* bytes scanned for /Encrypt */

static int	pdf_encrypted(const char *, int *, char **);
static int	pdf_has_eof(const char *);
static void	gs_first_error(const char *, char *, size_t);

/* Looks for the /Encrypt key of a trailer or cross-reference stream. */
static int
pdf_encrypted(const char *path, int *yes, char **cause)
{
	static const char	 key[] = "/Encrypt";
	char			 chunk[65536 + sizeof(key)];
	size_t			 keep = 0, klen = sizeof(key) - 1;
	ssize_t			 n;
	off_t			 total = 0;
	int			 fd;

	*yes = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		n = read(fd, chunk + keep, sizeof(chunk) - keep);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		n += (ssize_t)keep;
		if (memmem(chunk, (size_t)n, key, klen) != NULL) {
			*yes = 1;
			break;
		}
		total += n;
		if (total > PDF_MAX_SCAN)
			break;
		keep = (size_t)n < klen - 1 ? (size_t)n : klen - 1;
		memmove(chunk, chunk + n - keep, keep);
	}
	close(fd);
	return 0;
}

/*
 * A complete PDF ends with %%EOF (readers look in the last 1024 bytes).
 * Ghostscript silently rebuilds a truncated file and may render part of
 * it; a fax must not go out with pages missing, so we refuse instead.
 */
static int
pdf_has_eof(const char *path)
{
	char		tail[1024];
	struct stat	sb;
	ssize_t		n;
	off_t		off;
	int		fd, yes = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if (fstat(fd, &sb) == 0) {
		off = sb.st_size > (off_t)sizeof(tail) ?
		    sb.st_size - (off_t)sizeof(tail) : 0;
		n = pread(fd, tail, sizeof(tail), off);
		yes = n > 0 && memmem(tail, (size_t)n, "%%EOF", 5) != NULL;
	}
	close(fd);
	return yes;
}

/* The most telling line of Ghostscript's complaints. */
static void
gs_first_error(const char *text, char *out, size_t len)
{
	const char	*p, *e;

	out[0] = '\0';
	if ((p = strstr(text, "Error")) == NULL &&
	    (p = strstr(text, "error")) == NULL)
		p = text;
	while (p > text && p[-1] != '\n')
		p--;
	while (*p == ' ' || *p == '*' || *p == '\t')
		p++;
	if ((e = strchr(p, '\n')) == NULL)
		e = p + strlen(p);
	if ((size_t)(e - p) >= len)
		e = p + len - 1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

int
conv_ended(const struct sandbox_result *r, const char *name,
    const char *prog, const char *what, int timeout, enum img_err *err,
    char **cause)
{
	if (r->timedout) {
		*err = IMG_ETIMEOUT;
		xasprintf(cause, "%s: %s took longer than %d seconds rendering "
		    "the %s", name, prog, timeout, what);
		return -1;
	}
	if (r->sig == SIGXCPU) {
		*err = IMG_ETIMEOUT;
		xasprintf(cause, "%s: %s used more than %d seconds of CPU "
		    "rendering the %s", name, prog, timeout, what);
		return -1;
	}
	if (r->sig != 0) {
		*err = IMG_EPDFBROKEN;
		xasprintf(cause, "%s: %s crashed rendering the %s (killed by "
		    "signal %d)", name, prog, what, r->sig);
		return -1;
	}
	if (WIFEXITED(r->status) && (WEXITSTATUS(r->status) == 126 ||
	    WEXITSTATUS(r->status) == 127)) {
		*err = IMG_EIO;
		xasprintf(cause, "%s: cannot run %s", name, prog);
		return -1;
	}
	return 0;
}

int
gs_render(const char *path, const char *name, enum doc_kind kind,
    const char *out_tif, const struct img_opts *o, enum img_err *err,
    char **cause)
{
	struct sandbox_spec	 sp;
	struct sandbox_result	 r;
	char			*res = NULL, *last = NULL, *dir = NULL;
	char			*out = NULL, line[200];
	const char		*what = kind == DOC_PDF ? "PDF" : "PostScript";
	struct stat		 sb;
	int			 yes, ac = 0, rv = -1;

	if (kind == DOC_PDF) {
		if (pdf_encrypted(path, &yes, cause) == -1) {
			*err = IMG_EIO;
			return -1;
		}
		if (yes) {
			*err = IMG_EPDFENCRYPTED;
			xasprintf(cause, "%s: the PDF is password-protected: "
			    "send it without a password", name);
			return -1;
		}
		if (!pdf_has_eof(path)) {
			*err = IMG_EPDFBROKEN;
			xasprintf(cause, "%s: broken PDF, it is truncated (no "
			    "end-of-file marker)", name);
			return -1;
		}
	}
	if (access(GS_PATH, X_OK) == -1) {
		*err = IMG_EIO;
		xasprintf(cause, "%s: cannot render %s: %s: %s", name, what,
		    GS_PATH, strerror(errno));
		return -1;
	}
	/*
	 * Ghostscript runs in the sandbox (sandbox.h): it reads a copy of
	 * the document in its job directory (it runs as another user) and
	 * writes out.tif there; nothing else of ours is visible to it.
	 */
	*err = IMG_EIO;
	if (sandbox_mkdir(&dir, cause) == -1 ||
	    sandbox_copy_in(dir, "in", path, cause) == -1)
		goto out;
	xasprintf(&res, "-r%dx%d", FAX_XRES, o->fine ? 196 : 98);
	xasprintf(&last, "-dLastPage=%d", o->max_pages + 1);
	sandbox_converter(&sp, GS_PATH, dir, o->gs_timeout, GS_MAX_AS,
	    GS_MAX_FSIZE);
	sp.argv[ac++] = "gs";
	sp.argv[ac++] = "-q";
	sp.argv[ac++] = "-dSAFER";
	sp.argv[ac++] = "-dBATCH";
	sp.argv[ac++] = "-dNOPAUSE";
	sp.argv[ac++] = "-dPDFSTOPONERROR";
	sp.argv[ac++] = "-sstdout=%stderr";
	/*
	 * Black and white at the page's own width (AdjustWidth=0: no
	 * padding to 1728 at the right), so that the pipeline centres it,
	 * fixes its length and codes it, as for a bilevel TIFF.
	 */
	sp.argv[ac++] = "-sDEVICE=tiffg4";
	sp.argv[ac++] = "-dAdjustWidth=0";
	sp.argv[ac++] = o->letter ? "-sPAPERSIZE=letter" : "-sPAPERSIZE=a4";
	sp.argv[ac++] = res;
	sp.argv[ac++] = last;
	sp.argv[ac++] = "-sOutputFile=out.tif";
	sp.argv[ac++] = "-f";
	sp.argv[ac++] = "in";
	sp.argv[ac] = NULL;
	if (sandbox_run(&sp, &r, cause) == -1)
		goto out;
	if (conv_ended(&r, name, "Ghostscript", what, o->gs_timeout, err,
	    cause) == -1)
		goto out;
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		gs_first_error(r.output, line, sizeof(line));
		log_debug("gs %s: status %d: %s", name, r.status, r.output);
		*err = IMG_EPDFBROKEN;
		if (strstr(r.output, "VMerror") != NULL) {
			*err = IMG_ETOOLARGE;
			xasprintf(cause, "%s: rendering the %s needs more than "
			    "its memory limit (%llu MiB)", name, what,
			    (unsigned long long)GS_MAX_AS >> 20);
		} else
			xasprintf(cause, "%s: broken %s, it cannot be "
			    "rendered%s%s", name, what, line[0] != '\0' ?
			    ": " : "", line);
		goto out;
	}
	if (r.outlen > 0)
		log_debug("gs %s: %s", name, r.output);
	xasprintf(&out, "%s/out.tif", dir);
	if (lstat(out, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size == 0) {
		*err = IMG_ENOPAGES;
		xasprintf(cause, "%s: the %s has no pages", name, what);
		goto out;
	}
	if (sandbox_copy_out(dir, "out.tif", out_tif, cause) == -1)
		goto out;
	rv = 0;
out:
	sandbox_rmdir(dir);
	free(dir);
	free(out);
	free(res);
	free(last);
	return rv;
}
