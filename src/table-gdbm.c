/*
 * table-gdbm.c: the table interface (table.h) on gdbm files.
 *
 * Locking is gdbm's own (one writer, or any number of readers).  A writer
 * that replaces a whole table renames a new file over the old one while it
 * holds the old file's lock; whoever opened the old file meanwhile notices
 * (the inode under the name changed) and opens again.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <gdbm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

#define TABLE_BUSY_TEXT		"table busy"
#define TABLE_CACHE_BUCKETS	256

struct table {
	char		*path;
	GDBM_FILE	 db;		/* NULL: missing file read as empty */
	int		 writer;
	int		 dirty;
};

struct kvpair {
	char	*key;
	char	*val;
};

static int	table_gdbm_error(const char *, const char *, char **);
static int	table_lockerr(int);
static int	table_corrupt(int);
static void	table_nap(void);
static void	table_bound(GDBM_FILE);
static int	table_same_file(GDBM_FILE, const char *);
static int	table_cmp(const void *, const void *);
static int	table_keep(const char *, const char *, void *, char **);
static char	*table_datum_str(datum, const char *, const char *, char **);
static int	table_build(const char *, const char *,
		    const struct table_kv *, size_t, char **);
static char	*table_stage_path(const char *, const char *);

char *
table_path(const char *dir, const char *name)
{
	return xprintf("%s/%s.db", dir, name);
}

int
table_busy(const char *cause)
{
	size_t	n, m = strlen(TABLE_BUSY_TEXT);

	if (cause == NULL)
		return 0;
	n = strlen(cause);
	return n >= m && strcmp(cause + n - m, TABLE_BUSY_TEXT) == 0;
}

static int
table_gdbm_error(const char *path, const char *what, char **cause)
{
	int	e = gdbm_errno;

	if (gdbm_syserr[e] && errno != 0)
		xasprintf(cause, "%s: %s: %s (%s)", path, what,
		    gdbm_strerror(e), strerror(errno));
	else
		xasprintf(cause, "%s: %s: %s", path, what, gdbm_strerror(e));
	return -1;
}

static int
table_lockerr(int e)
{
	return e == GDBM_CANT_BE_READER || e == GDBM_CANT_BE_WRITER ||
	    (e == GDBM_FILE_OPEN_ERROR && (errno == EAGAIN ||
	    errno == EWOULDBLOCK));
}

static int
table_corrupt(int e)
{
	switch (e) {
	case GDBM_BAD_MAGIC_NUMBER:
	case GDBM_BAD_FILE_OFFSET:
	case GDBM_BAD_HEADER:
	case GDBM_EMPTY_DATABASE:
	case GDBM_FILE_EOF:
	case GDBM_BAD_BUCKET:
	case GDBM_BAD_AVAIL:
	case GDBM_BAD_HASH_TABLE:
	case GDBM_BAD_DIR_ENTRY:
	case GDBM_NEED_RECOVERY:
	case GDBM_BACKUP_FAILED:
		return 1;
	default:
		return 0;
	}
}

static void
table_nap(void)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Bounds what a reader holds in memory whatever the file's size: gdbm
 * caches buckets, a number growing with the file by default, and maps
 * the file (so a walk through a log of millions of records would end
 * with the whole file resident): readers open with GDBM_NOMMAP and a
 * fixed cache.  A failure leaves gdbm's default (only memory is at
 * stake).
 */
static void
table_bound(GDBM_FILE db)
{
	size_t	cache = TABLE_CACHE_BUCKETS;

	gdbm_setopt(db, GDBM_SETCACHESIZE, &cache, sizeof(cache));
}

/* 1 when the open database is still the file under path. */
static int
table_same_file(GDBM_FILE db, const char *path)
{
	struct stat	a, b;
	int		fd;

	if ((fd = gdbm_fdesc(db)) == -1 || fstat(fd, &a) == -1)
		return 1;
	if (stat(path, &b) == -1)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
table_open(const char *dir, const char *name, enum table_mode mode,
    struct table **out, char **cause)
{
	struct table	*t;
	struct stat	 sb;
	long long	 deadline;
	int		 flags, e;

	t = xcalloc(1, sizeof(*t));
	t->path = table_path(dir, name);
	t->writer = (mode == TABLE_WRITE);
	flags = (t->writer ? GDBM_WRCREAT : GDBM_READER | GDBM_NOMMAP) |
	    GDBM_CLOEXEC;
	deadline = now_ms() + TABLE_WAIT_MS;
	for (;;) {
		if (!t->writer && stat(t->path, &sb) == -1 && errno == ENOENT)
			break;		/* empty */
		errno = 0;
		t->db = gdbm_open(t->path, 0, flags, 0640, NULL);
		if (t->db != NULL) {
			if (table_same_file(t->db, t->path)) {
				if (!t->writer)
					table_bound(t->db);
				break;
			}
			gdbm_close(t->db);	/* replaced meanwhile */
			t->db = NULL;
			continue;
		}
		e = gdbm_errno;
		if (!t->writer && e == GDBM_FILE_OPEN_ERROR &&
		    errno == ENOENT)
			break;
		if (!table_lockerr(e)) {
			if (table_corrupt(e))
				xasprintf(cause, "%s: not a table or corrupt "
				    "(%s)", t->path, gdbm_strerror(e));
			else
				table_gdbm_error(t->path, "open", cause);
			goto fail;
		}
		if (now_ms() >= deadline) {
			xasprintf(cause, "%s: " TABLE_BUSY_TEXT, t->path);
			goto fail;
		}
		table_nap();
	}
	*out = t;
	return 0;
fail:
	free(t->path);
	free(t);
	return -1;
}

static char *
table_datum_str(datum d, const char *path, const char *what, char **cause)
{
	char	*s;

	if (d.dsize < 0 || memchr(d.dptr, '\0', (size_t)d.dsize) != NULL) {
		xasprintf(cause, "%s: corrupt %s", path, what);
		return NULL;
	}
	s = xmalloc((size_t)d.dsize + 1);
	memcpy(s, d.dptr, (size_t)d.dsize);
	s[d.dsize] = '\0';
	return s;
}

int
table_get(struct table *t, const char *key, char **val, char **cause)
{
	datum	k, v;

	if (t->db == NULL)
		return 1;
	k.dptr = (char *)(uintptr_t)key;
	k.dsize = (int)strlen(key);
	v = gdbm_fetch(t->db, k);
	if (v.dptr == NULL) {
		if (gdbm_errno == GDBM_ITEM_NOT_FOUND)
			return 1;
		return table_gdbm_error(t->path, "read", cause);
	}
	*val = table_datum_str(v, t->path, "record", cause);
	free(v.dptr);
	return *val == NULL ? -1 : 0;
}

int
table_put(struct table *t, const char *key, const char *val, int insert,
    char **cause)
{
	datum	k, v;
	int	rc;

	if (!t->writer)
		fatalx("table_put on a read-only table %s", t->path);
	if (strlen(key) > TABLE_MAX_KEY) {
		xasprintf(cause, "%s: key too long", t->path);
		return -1;
	}
	k.dptr = (char *)(uintptr_t)key;
	k.dsize = (int)strlen(key);
	v.dptr = (char *)(uintptr_t)val;
	v.dsize = (int)strlen(val);
	rc = gdbm_store(t->db, k, v, insert ? GDBM_INSERT : GDBM_REPLACE);
	if (rc == 1)
		return 1;
	if (rc != 0)
		return table_gdbm_error(t->path, "write", cause);
	t->dirty = 1;
	return 0;
}

int
table_del(struct table *t, const char *key, char **cause)
{
	datum	k;

	if (!t->writer)
		fatalx("table_del on a read-only table %s", t->path);
	k.dptr = (char *)(uintptr_t)key;
	k.dsize = (int)strlen(key);
	if (gdbm_delete(t->db, k) != 0) {
		if (gdbm_errno == GDBM_ITEM_NOT_FOUND)
			return 1;
		return table_gdbm_error(t->path, "delete", cause);
	}
	t->dirty = 1;
	return 0;
}

static int
table_cmp(const void *a, const void *b)
{
	const struct kvpair	*x = a, *y = b;

	return strcmp(x->key, y->key);
}

/*
 * Walks the file in gdbm's own order, one record in memory at a time.
 * The table must not be changed during the walk.
 */
int
table_scan(struct table *t, int (*cb)(const char *, const char *, void *,
    char **), void *arg, char **cause)
{
	datum	 k, next, d;
	char	*key = NULL, *val = NULL;
	int	 rc = 0;

	if (t->db == NULL)
		return 0;
	k = gdbm_firstkey(t->db);
	while (k.dptr != NULL) {
		d = gdbm_fetch(t->db, k);
		if (d.dptr == NULL) {
			free(k.dptr);
			return table_gdbm_error(t->path, "read", cause);
		}
		key = table_datum_str(k, t->path, "key", cause);
		val = key == NULL ? NULL :
		    table_datum_str(d, t->path, "record", cause);
		free(d.dptr);
		rc = val == NULL ? -1 : cb(key, val, arg, cause);
		free(key);
		free(val);
		if (rc != 0) {
			free(k.dptr);
			return rc;
		}
		next = gdbm_nextkey(t->db, k);
		free(k.dptr);
		k = next;
	}
	if (gdbm_errno != GDBM_ITEM_NOT_FOUND && gdbm_errno != GDBM_NO_ERROR)
		return table_gdbm_error(t->path, "read", cause);
	return 0;
}

struct kvlist {
	struct kvpair	*v;
	size_t		 n, cap;
};

static int
table_keep(const char *key, const char *val, void *arg, char **cause)
{
	struct kvlist	*l = arg;

	(void)cause;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].key = xstrdup(key);
	l->v[l->n].val = xstrdup(val);
	l->n++;
	return 0;
}

int
table_iter(struct table *t, int (*cb)(const char *, const char *, void *,
    char **), void *arg, char **cause)
{
	struct kvlist	l = { NULL, 0, 0 };
	size_t		i;
	int		rc;

	if ((rc = table_scan(t, table_keep, &l, cause)) == 0) {
		if (l.n > 1)
			qsort(l.v, l.n, sizeof(*l.v), table_cmp);
		for (i = 0; i < l.n; i++)
			if ((rc = cb(l.v[i].key, l.v[i].val, arg, cause)) != 0)
				break;
	}
	for (i = 0; i < l.n; i++) {
		free(l.v[i].key);
		free(l.v[i].val);
	}
	free(l.v);
	return rc;
}

int
table_close(struct table *t, char **cause)
{
	int	rc = 0;

	if (t == NULL)
		return 0;
	if (t->db != NULL) {
		if (t->dirty && gdbm_sync(t->db) != 0 && cause != NULL &&
		    *cause == NULL)
			rc = table_gdbm_error(t->path, "sync", cause);
		if (gdbm_close(t->db) != 0 && rc == 0 && cause != NULL &&
		    *cause == NULL)
			rc = table_gdbm_error(t->path, "close", cause);
	}
	free(t->path);
	free(t);
	return rc;
}

static char *
table_stage_path(const char *dir, const char *name)
{
	return xprintf("%s/%s.db.new.%ld", dir, name, (long)getpid());
}

/* Writes a fresh gdbm file at path holding the pairs, fsynced. */
static int
table_build(const char *path, const char *final, const struct table_kv *kv,
    size_t n, char **cause)
{
	GDBM_FILE	 db;
	struct stat	 sb;
	datum		 k, v;
	mode_t		 mode = 0640;
	size_t		 i;

	if (stat(final, &sb) == 0)
		mode = sb.st_mode & 0777;
	unlink(path);
	db = gdbm_open(path, 0, GDBM_NEWDB | GDBM_CLOEXEC, (int)mode, NULL);
	if (db == NULL)
		return table_gdbm_error(path, "create", cause);
	for (i = 0; i < n; i++) {
		k.dptr = (char *)(uintptr_t)kv[i].key;
		k.dsize = (int)strlen(kv[i].key);
		v.dptr = (char *)(uintptr_t)kv[i].val;
		v.dsize = (int)strlen(kv[i].val);
		if (gdbm_store(db, k, v, GDBM_INSERT) != 0) {
			if (gdbm_errno == GDBM_CANNOT_REPLACE)
				xasprintf(cause, "%s: duplicate key %s", final,
				    kv[i].key);
			else
				table_gdbm_error(path, "write", cause);
			goto fail;
		}
	}
	if (gdbm_sync(db) != 0) {
		table_gdbm_error(path, "sync", cause);
		goto fail;
	}
	if (gdbm_close(db) != 0) {
		db = NULL;
		table_gdbm_error(path, "close", cause);
		goto fail;
	}
	return 0;
fail:
	if (db != NULL)
		gdbm_close(db);
	unlink(path);
	return -1;
}

int
table_stage(const char *dir, const char *name, const struct table_kv *kv,
    size_t n, char **cause)
{
	char	*tmp, *final;
	int	 rc;

	tmp = table_stage_path(dir, name);
	final = table_path(dir, name);
	rc = table_build(tmp, final, kv, n, cause);
	free(tmp);
	free(final);
	return rc;
}

void
table_unstage(const char *dir, const char *name)
{
	char	*tmp;

	tmp = table_stage_path(dir, name);
	unlink(tmp);
	free(tmp);
}

int
table_commit(const char *dir, const char *name, char **cause)
{
	struct table	*t = NULL;
	char		*tmp;
	int		 rc = -1;

	tmp = table_stage_path(dir, name);
	/* Hold the old file's writer lock across the rename. */
	if (table_open(dir, name, TABLE_WRITE, &t, cause) == -1)
		goto out;
	if (rename(tmp, t->path) == -1) {
		xasprintf(cause, "rename %s: %s", t->path, strerror(errno));
		goto out;
	}
	rc = fsync_dir(dir, cause);
out:
	if (t != NULL) {
		t->dirty = 0;
		table_close(t, NULL);
	}
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
table_replace(const char *dir, const char *name, const struct table_kv *kv,
    size_t n, char **cause)
{
	if (table_stage(dir, name, kv, n, cause) == -1)
		return -1;
	return table_commit(dir, name, cause);
}
