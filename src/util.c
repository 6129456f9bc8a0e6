/*
 * util.c: bounded strings, buffers and durable file writes.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <ctype.h>
#include <signal.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "xmalloc.h"

size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t	len = strlen(src);

	if (size != 0) {
		size_t n = len >= size ? size - 1 : len;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t	dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}

void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

char *
str_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
str_listed(const char *list, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p = list;

	if (list == NULL)
		return 0;
	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

const char *
name_at(const char *const *names, size_t n, size_t v, const char *dflt)
{
	return v < n ? names[v] : dflt;
}

int
name_find(const char *const *names, size_t n, const char *s, int dflt)
{
	size_t	i;

	if (s == NULL)
		return dflt;
	for (i = 0; i < n; i++)
		if (strcasecmp(names[i], s) == 0)
			return (int)i;
	return dflt;
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->size = 0;
}

static void
buf_grow(struct buf *b, size_t more)
{
	size_t	need = b->len + more + 1;

	if (need < b->len)
		fatalx("buf_grow: overflow");
	if (need <= b->size)
		return;
	if (b->size == 0)
		b->size = 256;
	while (b->size < need)
		b->size *= 2;
	b->data = xreallocarray(b->data, 1, b->size);
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(&s, fmt, ap);
	va_end(ap);
	buf_add(b, s, (size_t)n);
	free(s);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *
buf_steal(struct buf *b, size_t *len)
{
	char	*p;

	if (b->data == NULL)
		buf_grow(b, 0);
	b->data[b->len] = '\0';
	p = b->data;
	if (len != NULL)
		*len = b->len;
	buf_init(b);
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

int
fsync_dir(const char *dir, char **cause)
{
	int	fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (fsync(fd) == -1 && errno != EINVAL) {
		xasprintf(cause, "fsync %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
fsync_parent(const char *path, char **cause)
{
	char	*copy, *dir;
	int	 rc;

	copy = xstrdup(path);
	dir = dirname(copy);
	rc = fsync_dir(dir, cause);
	free(copy);
	return rc;
}

/*
 * Creates path's temp file beside it, exclusively and never through a
 * link: a name someone planted (a symlink to a file of ours, a leftover of
 * a crash) is skipped, never written through.  The name is unique per
 * process and call, so threads writing the same path do not collide.
 */
static int
tmp_create(const char *path, mode_t mode, char **tmp, char **cause)
{
	static _Atomic unsigned	 seq;
	int			 fd, tries;

	for (tries = 0; tries < 100; tries++) {
		xasprintf(tmp, "%s.tmp.%ld.%u", path, (long)getpid(), seq++);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd != -1)
			return fd;
		if (errno != EEXIST) {
			xasprintf(cause, "%s: %s", *tmp, strerror(errno));
			free(*tmp);
			return -1;
		}
		free(*tmp);
	}
	xasprintf(cause, "%s: no free temp file name", path);
	return -1;
}

int
file_write_temp(const char *path, const void *data, size_t len, mode_t mode,
    int sync, char **tmpp, char **cause)
{
	char		*tmp;
	const char	*p = data;
	ssize_t		 n;
	int		 fd;

	if ((fd = tmp_create(path, mode, &tmp, cause)) == -1)
		return -1;
	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "write %s: %s", tmp, strerror(errno));
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (sync && fsync(fd) == -1) {
		xasprintf(cause, "fsync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		xasprintf(cause, "close %s: %s", tmp, strerror(errno));
		goto fail;
	}
	*tmpp = tmp;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int
file_write_sync(const char *path, const void *data, size_t len, mode_t mode,
    enum write_sync sync, char **cause)
{
	char	*tmp;

	if (file_write_temp(path, data, len, mode, sync != WRITE_SCRATCH,
	    &tmp, cause) == -1)
		return -1;
	if (rename(tmp, path) == -1) {
		xasprintf(cause, "rename %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return sync == WRITE_DURABLE ? fsync_parent(path, cause) : 0;
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, char **cause)
{
	return file_write_sync(path, data, len, mode, WRITE_DURABLE, cause);
}

int
file_read(const char *path, size_t max, char **out, size_t *outlen,
    char **cause)
{
	struct buf	b;
	char		chunk[65536];
	ssize_t		n;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			xasprintf(cause, "%s: larger than %zu bytes", path,
			    max);
			goto fail;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*out = buf_steal(&b, outlen);
	return 0;
fail:
	close(fd);
	buf_free(&b);
	return -1;
}

int
mkdir_p(const char *path, mode_t mode, char **cause)
{
	char	*copy, *p;

	copy = xstrdup(path);
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(copy, mode) == -1 && errno != EEXIST) {
			xasprintf(cause, "mkdir %s: %s", copy, strerror(errno));
			free(copy);
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return 0;
}

long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
crash_point(const char *name)
{
	static atomic_int	 passes;
	const char		*want, *colon;
	size_t			 len;
	long			 nth = 1;

	if ((want = getenv("FAXHUB_CRASHPOINT")) == NULL || *want == '\0')
		return;
	colon = strchr(want, ':');
	len = colon != NULL ? (size_t)(colon - want) : strlen(want);
	if (strlen(name) != len || strncmp(want, name, len) != 0)
		return;
	if (colon != NULL)
		nth = strtol(colon + 1, NULL, 10);
	if (atomic_fetch_add(&passes, 1) + 1 < nth)
		return;
	kill(getpid(), SIGKILL);
}

/* The file of $point_var's point name while it exists, else NULL. */
static const char *
point_file(const char *point_var, const char *file_var, const char *name)
{
	const char	*want, *file;
	struct stat	 st;

	if ((want = getenv(point_var)) == NULL || strcmp(want, name) != 0 ||
	    (file = getenv(file_var)) == NULL || stat(file, &st) == -1)
		return NULL;
	return file;
}

void
stall_point(const char *name)
{
	const char	*file;
	struct stat	 st;

	if ((file = point_file("FAXHUB_STALLPOINT", "FAXHUB_STALLFILE",
	    name)) == NULL)
		return;
	log_notice("stall point %s: waiting until %s is removed", name,
	    file);
	while (stat(file, &st) == 0)
		poll(NULL, 0, 50);
	log_notice("stall point %s: going on", name);
}

int
fail_point(const char *name)
{
	if (point_file("FAXHUB_FAILPOINT", "FAXHUB_FAILFILE", name) == NULL)
		return 0;
	errno = EIO;
	return 1;
}

enum doc_kind
doc_sniff(const void *data, size_t len)
{
	const unsigned char	*p = data;

	if (len >= 4 && ((p[0] == 'I' && p[1] == 'I' && p[2] == 42 &&
	    p[3] == 0) || (p[0] == 'M' && p[1] == 'M' && p[2] == 0 &&
	    p[3] == 42)))
		return DOC_TIFF;
	/* BigTIFF: version 43. */
	if (len >= 4 && ((p[0] == 'I' && p[1] == 'I' && p[2] == 43 &&
	    p[3] == 0) || (p[0] == 'M' && p[1] == 'M' && p[2] == 0 &&
	    p[3] == 43)))
		return DOC_TIFF;
	if (len >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return DOC_PDF;
	if (len >= 4 && memcmp(p, "%!PS", 4) == 0)
		return DOC_POSTSCRIPT;
	return DOC_OTHER;
}

const char *
doc_kind_name(enum doc_kind k)
{
	switch (k) {
	case DOC_TIFF:
		return "TIFF";
	case DOC_PDF:
		return "PDF";
	case DOC_POSTSCRIPT:
		return "PostScript";
	default:
		return "unknown";
	}
}

int
sock_is_self(int fd)
{
	struct sockaddr_storage	a, b;
	socklen_t		la = sizeof(a), lb = sizeof(b);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (getsockname(fd, (struct sockaddr *)&a, &la) == -1 ||
	    getpeername(fd, (struct sockaddr *)&b, &lb) == -1)
		return 0;
	return la == lb && memcmp(&a, &b, la) == 0;
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 when it is not one.
 */
static size_t
utf8_len(const unsigned char *s)
{
	size_t	n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the NUL */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

void
buf_add_json(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	buf_add(b, "\"", 1);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '\t')
			buf_adds(b, "\\t");
		else if (*p == '\r')
			buf_adds(b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(b, "\\u%04x", *p);
		else if ((n = utf8_len(p)) > 0) {
			buf_add(b, p, n);
			p += n;
			continue;
		} else
			buf_addf(b, "\\u%04x", *p);	/* the byte as U+00XX */
		p++;
	}
	buf_add(b, "\"", 1);
}

int
host_is_loopback(const char *h)
{
	return h != NULL && (strcasecmp(h, "localhost") == 0 ||
	    strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0);
}
