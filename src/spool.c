/*
 * spool.c: the spool's layout, its listings and durable records, and the
 * lock that keeps one faxhubd per spool.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "hub.h"
#include "kvfile.h"
#include "log.h"
#include "spool.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

#define SPOOL_LOCK_ENV	"FAXHUB_LOCK_FD"

static uint64_t	 fnv_add(uint64_t, const void *, size_t);
static void	*batch_syncer_main(void *);
static int	 batch_sync(const struct spool_batch *, char **);

static const char *spool_dirs[] = {
	"mail", "bcast", "jobs", "done/bcast", "done/jobs", "docs", "in",
	"outbox", "sent", "tmp", "live", "due"
};

int
spool_init(const char *dir, char **cause)
{
	size_t	 i;
	char	*p;

	if (mkdir_p(dir, 0750, cause) == -1)
		return -1;
	for (i = 0; i < nitems(spool_dirs); i++) {
		p = xprintf("%s/%s", dir, spool_dirs[i]);
		if (mkdir_p(p, 0750, cause) == -1) {
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

char *
spool_path(const struct hub *h, const char *sub, const char *name,
    const char *suffix)
{
	return xprintf("%s/%s/%s%s", h->cfg.spool_dir, sub, name,
	    suffix != NULL ? suffix : "");
}

int
spool_exists(const struct hub *h, const char *sub, const char *name,
    const char *suffix)
{
	char	*p = spool_path(h, sub, name, suffix);
	int	 rc = access(p, F_OK) == 0;

	free(p);
	return rc;
}

void
spool_unlink(const struct hub *h, const char *sub, const char *name,
    const char *suffix)
{
	char	*p = spool_path(h, sub, name, suffix);

	if (unlink(p) == -1 && errno != ENOENT)
		log_warn("unlink %s", p);
	free(p);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
spool_list(const struct hub *h, const char *sub, const char *suffix,
    char ***names, size_t *n, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	char		*dir, **v = NULL;
	size_t		 cnt = 0, cap = 0, len, slen = strlen(suffix);

	dir = xprintf("%s/%s", h->cfg.spool_dir, sub);
	if ((d = opendir(dir)) == NULL) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		len = strlen(de->d_name);
		if (len <= slen || strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		if (strstr(de->d_name, ".tmp.") != NULL)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, sizeof(char *));
		}
		v[cnt++] = xstrndup(de->d_name, len - slen);
	}
	closedir(d);
	free(dir);
	if (cnt > 1)
		qsort(v, cnt, sizeof(char *), cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}

void
spool_names_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

#define FNV_SEED	1469598103934665603ULL

/* FNV-1a 64 of len bytes, continuing from h. */
static uint64_t
fnv_add(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*c = p;

	while (len-- > 0) {
		h ^= *c++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* A short stable id from any string (FNV-1a 64). */
char *
hub_id_hash(const char *s)
{
	return xprintf("%016llx",
	    (unsigned long long)fnv_add(FNV_SEED, s, strlen(s)));
}

char *
spool_file_sum(const char *path)
{
	char		 chunk[65536];
	uint64_t	 h = FNV_SEED;
	long long	 size = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			return NULL;
		}
		h = fnv_add(h, chunk, (size_t)n);
		size += n;
	}
	close(fd);
	return xprintf("%lld-%016llx", size, (unsigned long long)h);
}

int
hub_save_kv(const struct kv *kv, const char *path, const char *what)
{
	char	*cause = NULL;

	if (kv_save(kv, path, &cause) == 0)
		return 0;
	log_warnx("%s: %s", what, cause);
	free(cause);
	return -1;
}

/* ---- records made durable together ----------------------------------- */

void
spool_batch_init(struct spool_batch *b)
{
	memset(b, 0, sizeof(*b));
}

int
spool_stage(struct spool_batch *b, const char *path, const void *data,
    size_t len, char **cause)
{
	char	*tmp;

	/* fsynced at the commit, all at once (batch_sync()). */
	if (file_write_temp(path, data, len, 0600, 0, &tmp, cause) == -1)
		return -1;
	b->tmp = xreallocarray(b->tmp, b->n + 1, sizeof(*b->tmp));
	b->path = xreallocarray(b->path, b->n + 1, sizeof(*b->path));
	b->tmp[b->n] = tmp;
	b->path[b->n] = xstrdup(path);
	b->n++;
	return 0;
}

/*
 * spool/.mark, the one empty file every mark is a name of, made durable
 * (file and name) before any mark links to it; with fresh, a new one
 * replaces it (the old file lives on in its other names).  0 or errno.
 */
static int
mark_source(const char *spool_dir, int fresh)
{
	char	*src, *tmp = NULL, *why = NULL;
	int	 fd, err = 0;

	src = xprintf("%s/.mark", spool_dir);
	if (fresh) {
		tmp = xprintf("%s/.mark.new", spool_dir);
		(void)unlink(tmp);
	}
	fd = open(fresh ? tmp : src, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		err = !fresh && errno == EEXIST ? 0 : errno;
	else {
		if (fsync(fd) == -1)
			err = errno;
		if (close(fd) == -1 && err == 0)
			err = errno;
		if (err == 0 && fresh && rename(tmp, src) == -1)
			err = errno;
		if (err == 0 && fsync_parent(src, &why) == -1)
			err = EIO;
		if (err != 0)
			(void)unlink(fresh ? tmp : src);
	}
	free(why);
	free(src);
	free(tmp);
	return err;
}

/*
 * A mark (an empty file whose name is all it says: spool/live/KEY,
 * mail/KEY.moved) is made as one more name of spool/.mark, not as a file
 * of its own: no inode to allocate and later free per mail (on ext4
 * without a journal each new inode is searched for past every one freed
 * in the last minutes; docs/bench.md).  When .mark has as many names as
 * the file system allows, a new .mark takes its place; when none can be
 * made or linked, the mark is an empty file of its own.  A name that is
 * there already is the mark.
 */
int
spool_mark(const char *spool_dir, const char *path, char **cause)
{
	char	*src;
	int	 fd, tries, linked = 0;

	src = xprintf("%s/.mark", spool_dir);
	for (tries = 0; tries < 3 && !linked; tries++) {
		if (link(src, path) == 0 || errno == EEXIST)
			linked = 1;
		else if ((errno != ENOENT && errno != EMLINK) ||
		    mark_source(spool_dir, errno == EMLINK) != 0)
			break;
	}
	free(src);
	if (linked)
		return 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int
spool_stage_mark(struct spool_batch *b, const char *spool_dir,
    const char *path, char **cause)
{
	if (spool_mark(spool_dir, path, cause) == -1)
		return -1;
	b->tmp = xreallocarray(b->tmp, b->n + 1, sizeof(*b->tmp));
	b->path = xreallocarray(b->path, b->n + 1, sizeof(*b->path));
	b->tmp[b->n] = NULL;		/* in place: only its name to sync */
	b->path[b->n] = xstrdup(path);
	b->n++;
	return 0;
}

/* 1 when path's directory is that of an earlier path of b. */
static int
batch_dir_seen(const struct spool_batch *b, size_t i)
{
	const char	*s = strrchr(b->path[i], '/');
	size_t		 j, n = s != NULL ? (size_t)(s - b->path[i]) : 0;

	for (j = 0; j < i; j++)
		if (strncmp(b->path[j], b->path[i], n) == 0 &&
		    b->path[j][n] == '/' && strchr(b->path[j] + n + 1, '/') ==
		    NULL)
			return 1;
	return 0;
}

/* One of the threads of batch_sync(): every nth temp file from first. */
struct batch_syncer {
	const struct spool_batch	*b;
	size_t				 first;
	size_t				 step;
	int				 err;	/* errno of the first failure */
	size_t				 bad;	/* its index */
	pthread_t			 tid;
};

static void *
batch_syncer_main(void *arg)
{
	struct batch_syncer	*w = arg;
	size_t			 i;
	int			 fd;

	for (i = w->first; i < w->b->n && w->err == 0; i += w->step) {
		if (w->b->tmp[i] == NULL)
			continue;	/* a mark: nothing to sync */
		if ((fd = open(w->b->tmp[i], O_RDONLY | O_CLOEXEC)) == -1 ||
		    fsync(fd) == -1) {
			w->err = errno;
			w->bad = i;
		}
		if (fd != -1)
			close(fd);
	}
	return NULL;
}

/*
 * fsyncs every staged temp file, BATCH_SYNCERS at a time: each fsync
 * waits for the disk's cache flush, and the block layer serves the
 * flushes that wait together with one, so a batch's fsyncs take about
 * the time of a few instead of the sum of all.  Same calls, same
 * durability: each file's data is durable when its fsync returns.
 */
#define BATCH_SYNCERS	4

static int
batch_sync(const struct spool_batch *b, char **cause)
{
	struct batch_syncer	w[BATCH_SYNCERS];
	size_t			i, n = b->n < BATCH_SYNCERS ? b->n :
				    BATCH_SYNCERS;
	int			rc = 0;

	for (i = 0; i < n; i++) {
		w[i].b = b;
		w[i].first = i;
		w[i].step = n;
		w[i].err = 0;
		/* The first share is this thread's own. */
		if (i > 0 && pthread_create(&w[i].tid, NULL,
		    batch_syncer_main, &w[i]) != 0)
			fatalx("pthread_create");
	}
	batch_syncer_main(&w[0]);
	for (i = 1; i < n; i++)
		pthread_join(w[i].tid, NULL);
	for (i = 0; i < n && rc == 0; i++)
		if (w[i].err != 0) {
			xasprintf(cause, "fsync %s: %s", b->tmp[w[i].bad],
			    strerror(w[i].err));
			rc = -1;
		}
	return rc;
}

int
spool_commit(struct spool_batch *b, enum write_sync sync, char **cause)
{
	size_t	i;
	int	rc = -1;

	if (b->n == 0)
		return 0;
	if (batch_sync(b, cause) == -1)
		goto out;
	for (i = 0; i < b->n; i++) {
		if (b->tmp[i] == NULL)
			continue;
		if (rename(b->tmp[i], b->path[i]) == -1) {
			xasprintf(cause, "rename %s: %s", b->path[i],
			    strerror(errno));
			goto out;
		}
		free(b->tmp[i]);
		b->tmp[i] = NULL;
	}
	/* Then the names: one fsync per directory. */
	for (i = 0; sync == WRITE_DURABLE && i < b->n; i++)
		if (!batch_dir_seen(b, i) &&
		    fsync_parent(b->path[i], cause) == -1)
			goto out;
	rc = 0;
out:
	spool_batch_free(b);
	return rc;
}

void
spool_batch_append(struct spool_batch *dst, struct spool_batch *src)
{
	size_t	i;

	dst->tmp = xreallocarray(dst->tmp, dst->n + src->n + 1,
	    sizeof(*dst->tmp));
	dst->path = xreallocarray(dst->path, dst->n + src->n + 1,
	    sizeof(*dst->path));
	for (i = 0; i < src->n; i++) {
		dst->tmp[dst->n] = src->tmp[i];
		dst->path[dst->n++] = src->path[i];
	}
	free(src->tmp);
	free(src->path);
	spool_batch_init(src);
}

void
spool_batch_free(struct spool_batch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++) {
		if (b->tmp[i] != NULL) {
			unlink(b->tmp[i]);
			free(b->tmp[i]);
		}
		free(b->path[i]);
	}
	free(b->tmp);
	free(b->path);
	spool_batch_init(b);
}

/* ---- the seen index -------------------------------------------------- */

#define SEEN_TABLE	"seen"

static int	seen_old_cb(const char *, const char *, void *, char **);
static int	seen_due_cb(const char *, const char *, void *, long long *,
		    char **);

int
spool_seen(const struct hub *h, const char *id, char **cause)
{
	int	seen;

	if (spool_seen_each(h, &id, 1, &seen, cause) == -1)
		return -1;
	return seen;
}

int
spool_seen_each(const struct hub *h, const char *const *ids, size_t n,
    int *seen, char **cause)
{
	struct table	*t;
	char		*val;
	size_t		 i;
	int		 rc = 0, r;

	if (table_open(h->cfg.spool_dir, SEEN_TABLE, TABLE_READ, &t,
	    cause) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		val = NULL;
		if ((r = table_get(t, ids[i], &val, cause)) == -1)
			rc = -1;
		seen[i] = r == 0;
		free(val);
	}
	table_close(t, NULL);
	return rc;
}

int
spool_seen_add(const struct hub *h, const char *id, long long when,
    char **cause)
{
	struct table	*t;
	char		*val;
	int		 rc;

	if (table_open(h->cfg.spool_dir, SEEN_TABLE, TABLE_WRITE, &t,
	    cause) == -1)
		return -1;
	val = xprintf("%lld", when);
	rc = table_put(t, id, val, 1, cause);
	free(val);
	if (table_close(t, rc != -1 ? cause : NULL) == -1)
		rc = -1;
	/* A note lost in a crash keeps the id until a rescan (retention.c). */
	if (rc == 0 && spool_due_note(h, DUE_SEEN, "seen", id, when,
	    cause) == -1)
		rc = -1;
	return rc == -1 ? -1 : 0;
}

struct seen_old {
	const struct hub *h;
	struct table	 *t;
	long long	  before;
	int		  dry_run;
	char		**ids;
	size_t		  n;
	size_t		 *removed;
};

/* A rescan: ids seen before `before' go, the others are filed. */
static int
seen_old_cb(const char *key, const char *val, void *arg, char **cause)
{
	struct seen_old	*o = arg;
	long long	 when = strtoll(val, NULL, 10);

	if (when >= o->before)
		return o->dry_run ? 0 : spool_due_note(o->h, DUE_SEEN, "seen",
		    key, when, cause);
	o->ids = xreallocarray(o->ids, o->n + 1, sizeof(*o->ids));
	o->ids[o->n++] = xstrdup(key);
	return 0;
}

/* An id of the due list's hours before `before': it goes. */
static int
seen_due_cb(const char *kind, const char *id, void *arg, long long *again,
    char **cause)
{
	struct seen_old	*o = arg;
	char		*val = NULL;
	int		 rc;

	(void)again;
	if (strcmp(kind, "seen") != 0)
		return 0;
	/* Filed again later (a second add after a prune): not this one. */
	if ((rc = table_get(o->t, id, &val, cause)) == -1)
		return -1;
	if (rc == 0 && strtoll(val, NULL, 10) < o->before) {
		(*o->removed)++;
		if (!o->dry_run && table_del(o->t, id, cause) == -1)
			rc = -1;
	}
	free(val);
	return rc == -1 ? -1 : 0;
}

int
spool_seen_prune(const struct hub *h, long long before, int dry_run,
    int rescan, size_t *removed, char **cause)
{
	struct seen_old	 o;
	size_t		 i;
	int		 rc;

	*removed = 0;
	memset(&o, 0, sizeof(o));
	o.h = h;
	o.before = before;
	o.dry_run = dry_run;
	o.removed = removed;
	if (table_open(h->cfg.spool_dir, SEEN_TABLE, dry_run ? TABLE_READ :
	    TABLE_WRITE, &o.t, cause) == -1)
		return -1;
	if (!rescan)
		rc = spool_due_walk(h, DUE_SEEN, before, dry_run, seen_due_cb,
		    &o, cause);
	else {
		/* Collected first: gdbm's walk must not see the file change. */
		rc = table_scan(o.t, seen_old_cb, &o, cause);
		for (i = 0; i < o.n; i++) {
			if (rc == 0 && !dry_run &&
			    table_del(o.t, o.ids[i], cause) == -1)
				rc = -1;
			free(o.ids[i]);
		}
		free(o.ids);
		if (rc == 0)
			*removed = o.n;
	}
	if (table_close(o.t, rc == 0 ? cause : NULL) == -1)
		rc = -1;
	return rc;
}

/* ---- one instance per spool ------------------------------------------ */

/*
 * The descriptor a re-executing faxhubd left open on this lock file, or
 * -1; consume takes it out of the environment.
 */
static int
lock_inherited(const char *path, int consume)
{
	struct stat	 a, b;
	const char	*env = getenv(SPOOL_LOCK_ENV);
	char		*end;
	long		 fd;

	if (env == NULL)
		return -1;
	errno = 0;
	fd = strtol(env, &end, 10);
	if (consume)
		unsetenv(SPOOL_LOCK_ENV);
	if (errno != 0 || *end != '\0' || fd < 0 || fd > INT_MAX ||
	    fstat((int)fd, &a) == -1 || stat(path, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return -1;
	return (int)fd;
}

/*
 * 0 when no other open file description holds the lock, else the pid the
 * holder wrote into the file (-1 when it has not yet).  Open file
 * description locks (F_OFD_*) are used, not process locks: a process
 * lock would be dropped by closing any descriptor of the file, such as
 * the one spool_lock_check() opens.
 */
static long
lock_holder(int fd)
{
	struct flock	 fl;
	char		 buf[32];
	ssize_t		 n;
	long		 pid;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_GETLK, &fl) == -1 || fl.l_type == F_UNLCK)
		return 0;
	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? pid : -1;
}

static void
lock_busy(const char *dir, long pid, char **cause)
{
	if (pid > 0)
		xasprintf(cause, "spool %s is in use by faxhubd pid %ld", dir,
		    pid);
	else
		xasprintf(cause, "spool %s is in use by another faxhubd", dir);
}

int
spool_lock_check(const char *dir, char **cause)
{
	char	*path;
	long	 pid;
	int	 fd;

	path = xprintf("%s/lock", dir);
	if (lock_inherited(path, 0) != -1) {
		free(path);
		return 0;	/* ours, kept across a re-exec */
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return 0;
	pid = lock_holder(fd);
	close(fd);
	if (pid == 0)
		return 0;
	lock_busy(dir, pid, cause);
	return -1;
}

int
spool_lock(const char *dir, char **cause)
{
	struct flock	 fl;
	char		*path, buf[32];
	int		 fd, len;

	path = xprintf("%s/lock", dir);
	if ((fd = lock_inherited(path, 1)) == -1 &&
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) == -1) {
		if (errno == EACCES || errno == EAGAIN)
			lock_busy(dir, lock_holder(fd), cause);
		else
			xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		free(path);
		return -1;
	}
	/* Named in a second faxhubd's message. */
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, buf, (size_t)len, 0) != (ssize_t)len)
		log_warn("%s", path);
	free(path);
	return fd;
}

void
spool_lock_keep(int fd)
{
	char	buf[16];

	if (fd < 0)
		return;
	(void)fcntl(fd, F_SETFD, 0);
	snprintf(buf, sizeof(buf), "%d", fd);
	setenv(SPOOL_LOCK_ENV, buf, 1);
}
