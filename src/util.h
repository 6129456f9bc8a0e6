/*
 * util.h: small helpers shared by every module: bounded strings, a growing
 * byte buffer, and durable file writes (temp file, fsync, rename, directory
 * fsync) — the one way faxhub makes data survive a crash.
 *
 * Errors: functions returning int give 0 on success and -1 on failure, with
 * *cause set to an allocated message naming what failed (caller frees).
 */
#ifndef FAXHUB_UTIL_H
#define FAXHUB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

size_t	strlcpy(char *, const char *, size_t);
size_t	strlcat(char *, const char *, size_t);
void	str_lower(char *);
char	*str_trim(char *);		/* trims in place, returns start */
/* 1 when name is one of the comma-separated names in list (NULL: none). */
int	str_listed(const char *list, const char *name);

/*
 * Name tables of enums whose values are 0 to n - 1: names[v] is the name
 * of value v.  name_at gives names[v], or dflt when v is not below n;
 * name_find gives the value named s (case-insensitive), or dflt when no
 * entry names it (or s is NULL).  The strings are the table's.
 */
const char	*name_at(const char *const *names, size_t n, size_t v,
		    const char *dflt);
int		 name_find(const char *const *names, size_t n, const char *s,
		    int dflt);

/* A growing buffer, always NUL-terminated after data[len]. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 size;
};
void	buf_init(struct buf *);
void	buf_add(struct buf *, const void *, size_t);
void	buf_adds(struct buf *, const char *);
void	buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_reset(struct buf *);
/* Hands data to the caller (who frees it) and empties the buffer. */
char	*buf_steal(struct buf *, size_t *);
void	buf_free(struct buf *);
/*
 * Appends s as a JSON string ("null" for NULL) that is always valid
 * UTF-8: quotes, backslashes and control bytes escaped, well-formed UTF-8
 * kept, and every byte that is not part of a well-formed sequence (a
 * Latin-1 CSID, a cut multibyte character) written as \u00XX, the
 * code point of that byte value.
 */
void	buf_add_json(struct buf *, const char *);

/*
 * Writes len bytes to path durably: a temp file beside it, fsync, rename,
 * then fsync of the directory.  On failure nothing is left behind and the
 * old file, if any, is untouched.
 */
int	file_write_atomic(const char *path, const void *, size_t, mode_t,
	    char **cause);
/*
 * file_write_atomic() with less durability:
 *   WRITE_DURABLE  as file_write_atomic(): data and name durable
 *   WRITE_ORDERED  the data is fsynced before the rename, the directory
 *                  is not: after a crash path holds the old or the new
 *                  data, whole, never a torn file; the new name is durable
 *                  from the next fsync of the directory
 *   WRITE_SCRATCH  no fsync at all: for files no restart reads, or that
 *                  a restart re-derives from durable ones when they are
 *                  missing, empty or torn (the intake's document, jobs
 *                  and broadcast: intake-recover.c); after a crash path
 *                  may hold the old data, the new, a part, or nothing
 */
enum write_sync {
	WRITE_SCRATCH,
	WRITE_ORDERED,
	WRITE_DURABLE
};
int	file_write_sync(const char *path, const void *, size_t, mode_t,
	    enum write_sync, char **cause);
/*
 * Writes len bytes to a new temp file beside path (fsynced when sync is
 * non-zero) and returns its name in *tmp (allocated, the caller's): the
 * caller renames it onto path, or unlinks it.
 */
int	file_write_temp(const char *path, const void *, size_t, mode_t,
	    int sync, char **tmp, char **cause);
/* Reads a whole file of at most max bytes; *out is NUL-terminated. */
int	file_read(const char *path, size_t max, char **out, size_t *len,
	    char **cause);
int	fsync_dir(const char *dir, char **cause);
/* fsyncs the directory holding path. */
int	fsync_parent(const char *path, char **cause);
/* mkdir -p with the given mode for each new component. */
int	mkdir_p(const char *path, mode_t, char **cause);

/*
 * Test hook for the crash-point tests: when $FAXHUB_CRASHPOINT names this
 * point ("name", or "name:N" for its N-th passage), the process kills
 * itself with SIGKILL right here.  Costs one getenv when unset.
 */
void	crash_point(const char *name);
/*
 * Test hook for the tests of what goes on while one thread is stuck in
 * disk I/O: when $FAXHUB_STALLPOINT names this point and the file
 * $FAXHUB_STALLFILE exists, the caller waits here until that file is
 * removed.  Costs one getenv when unset.
 */
void	stall_point(const char *name);
/*
 * Test hook for the tests of a write that fails: 1 (errno EIO) when
 * $FAXHUB_FAILPOINT names this point and the file $FAXHUB_FAILFILE
 * exists, else 0.  Costs one getenv when unset.
 */
int	fail_point(const char *name);

/* What a document's first bytes say it is, whatever its label claims. */
enum doc_kind {
	DOC_OTHER = 0,
	DOC_TIFF,
	DOC_PDF,
	DOC_POSTSCRIPT
};
enum doc_kind	doc_sniff(const void *, size_t);
const char	*doc_kind_name(enum doc_kind);

/*
 * 1 when a connected TCP socket is connected to itself: a connect to a
 * local port in the ephemeral range with nothing listening can be given
 * that same port as its source (simultaneous open).  Callers treat it as
 * "connection refused"; left open it would keep the real server from
 * binding its port.
 */
int	sock_is_self(int fd);

/* 1 for "localhost", 127.x.y.z and ::1: a peer on this machine. */
int	host_is_loopback(const char *);

/* Monotonic clock in milliseconds. */
long long	now_ms(void);

/*
 * FH_ASAN: built with AddressSanitizer (gcc or clang).  Such a program
 * reserves terabytes of address space for its shadow memory at start, so
 * it cannot run under an address-space limit (RLIMIT_AS).
 */
#if defined(__SANITIZE_ADDRESS__)
#define FH_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FH_ASAN	1
#endif
#endif

#endif
