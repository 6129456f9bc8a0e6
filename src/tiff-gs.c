/*
 * tiff-gs.c: PDF and PostScript input.  Ghostscript renders the document
 * as a child process (no shell, -dSAFER, a wall-clock timeout, CPU, memory
 * and file-size limits) straight to fax resolution as a grey LZW TIFF,
 * which then goes through the same checks and pipeline as any TIFF.
 * Encrypted PDFs are refused before Ghostscript sees them.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

#ifndef GS_PATH
#define GS_PATH		"/usr/bin/gs"
#endif
#define GS_MAX_AS	((rlim_t)2 << 30)	/* address space */
#define GS_MAX_FSIZE	((rlim_t)2 << 30)	/* rendered TIFF */
#define GS_MAX_STDERR	8192
#define PDF_MAX_SCAN	((off_t)512 << 20)	/* bytes scanned for /Encrypt */

static int	pdf_encrypted(const char *, int *, char **);
static int	pdf_has_eof(const char *);
static char	*pct_escape(const char *);
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

/* Ghostscript reads % in OutputFile as a page number format. */
static char *
pct_escape(const char *s)
{
	struct buf	b;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '%')
			buf_add(&b, "%", 1);
		buf_add(&b, s, 1);
	}
	return buf_steal(&b, NULL);
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
gs_render(const char *path, const char *name, enum doc_kind kind,
    const char *out_tif, const struct img_opts *o, enum img_err *err,
    char **cause)
{
	char		*argv[20], *outfile = NULL, *res = NULL, *last = NULL;
	char		 text[GS_MAX_STDERR + 1], line[200];
	const char	*what = kind == DOC_PDF ? "PDF" : "PostScript";
	struct rlimit	 rl;
	struct stat	 sb;
	struct pollfd	 pfd;
	size_t		 tlen = 0;
	ssize_t		 n;
	long long	 deadline, left;
	pid_t		 pid;
	int		 p[2] = { -1, -1 }, status = 0, yes, ac = 0, rv = -1;
	int		 timedout = 0, devnull;

	if (kind == DOC_PDF) {
		if (pdf_encrypted(path, &yes, cause) == -1) {
			*err = IMG_EIO;
			return -1;
		}
		if (yes) {
			*err = IMG_EPDFENCRYPTED;
			xasprintf(cause, "%s: the PDF is encrypted (password "
			    "protected); send it without protection", name);
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
	xasprintf(&outfile, "-sOutputFile=%s", out_tif);
	{
		char *esc = pct_escape(outfile);

		free(outfile);
		outfile = esc;
	}
	xasprintf(&res, "-r%dx%d", FAX_XRES, o->fine ? 196 : 98);
	xasprintf(&last, "-dLastPage=%d", o->max_pages + 1);
	argv[ac++] = (char *)"gs";
	argv[ac++] = (char *)"-q";
	argv[ac++] = (char *)"-dSAFER";
	argv[ac++] = (char *)"-dBATCH";
	argv[ac++] = (char *)"-dNOPAUSE";
	argv[ac++] = (char *)"-dPDFSTOPONERROR";
	argv[ac++] = (char *)"-sstdout=%stderr";
	argv[ac++] = (char *)"-sDEVICE=tiffgray";
	argv[ac++] = (char *)"-sCompression=lzw";
	argv[ac++] = (char *)(o->letter ? "-sPAPERSIZE=letter" :
	    "-sPAPERSIZE=a4");
	argv[ac++] = res;
	argv[ac++] = last;
	argv[ac++] = outfile;
	argv[ac++] = (char *)"-f";
	argv[ac++] = (char *)path;
	argv[ac] = NULL;

	if (pipe2(p, O_CLOEXEC) == -1) {
		*err = IMG_EIO;
		xasprintf(cause, "pipe: %s", strerror(errno));
		goto out;
	}
	switch (pid = fork()) {
	case -1:
		*err = IMG_EIO;
		xasprintf(cause, "fork: %s", strerror(errno));
		goto out;
	case 0:
		/* Only async-signal-safe calls from here to exec. */
		rl.rlim_cur = rl.rlim_max = (rlim_t)o->gs_timeout + 1;
		setrlimit(RLIMIT_CPU, &rl);
		rl.rlim_cur = rl.rlim_max = GS_MAX_AS;
		setrlimit(RLIMIT_AS, &rl);
		rl.rlim_cur = rl.rlim_max = GS_MAX_FSIZE;
		setrlimit(RLIMIT_FSIZE, &rl);
		rl.rlim_cur = rl.rlim_max = 0;
		setrlimit(RLIMIT_CORE, &rl);
		if ((devnull = open("/dev/null", O_RDWR)) != -1) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		dup2(p[1], 2);
		closefrom(3);
		execv(GS_PATH, argv);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	deadline = now_ms() + (long long)o->gs_timeout * 1000;
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			timedout = 1;
			break;
		}
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd.revents == 0)
			continue;
		if (tlen < GS_MAX_STDERR)
			n = read(p[0], text + tlen, GS_MAX_STDERR - tlen);
		else
			n = read(p[0], line, sizeof(line));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (tlen < GS_MAX_STDERR)
			tlen += (size_t)n;
	}
	text[tlen] = '\0';
	/* stderr closed: wait for the exit, still within the deadline. */
	while (!timedout) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			goto reaped;
		if (now_ms() >= deadline) {
			timedout = 1;
			break;
		}
		poll(NULL, 0, 10);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
reaped:
	if (timedout) {
		*err = IMG_ETIMEOUT;
		xasprintf(cause, "%s: rendering the %s took longer than %d "
		    "seconds", name, what, o->gs_timeout);
		goto out;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
		*err = IMG_ETIMEOUT;
		xasprintf(cause, "%s: rendering the %s used more than %d "
		    "seconds of CPU", name, what, o->gs_timeout);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		gs_first_error(text, line, sizeof(line));
		log_debug("gs %s: status %d: %s", name, status, text);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			*err = IMG_EIO;
			xasprintf(cause, "%s: cannot run %s", name, GS_PATH);
			goto out;
		}
		*err = IMG_EPDFBROKEN;
		xasprintf(cause, "%s: broken %s, it cannot be rendered%s%s",
		    name, what, line[0] != '\0' ? ": " : "", line);
		goto out;
	}
	if (tlen > 0)
		log_debug("gs %s: %s", name, text);
	if (stat(out_tif, &sb) == -1 || sb.st_size == 0) {
		*err = IMG_ENOPAGES;
		xasprintf(cause, "%s: the %s has no pages", name, what);
		goto out;
	}
	rv = 0;
out:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	free(outfile);
	free(res);
	free(last);
	return rv;
}
