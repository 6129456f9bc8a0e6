/*
 * spool-due.c: the due list (spool.h), so that retention reads what may
 * be due and never walks the kept history.
 *
 * spool/due/T, T a multiple of DUE_SPAN (unix seconds), holds one line
 * "KIND ID" for each thing noted at a time in [T, T + DUE_SPAN); the ids
 * of the seen index have a list of their own, due/seen/T, walked by its
 * own cutoff (retention.seen).  A
 * prune (retention.c) looks only at the files whose T is before its
 * cutoff, so each pass costs as much as what has become due, and the
 * listing of due/ is as long as retention.records is in hours.
 *
 * Appending: open T (O_APPEND), flock it, write the line, close.  A
 * line costs no fsync: the note is written before the change it is
 * for (a retirement's renames, which are fsynced) or beside a record
 * that is itself not synced; a note lost in a power cut only keeps the
 * thing's files until `faxhubctl prune --rescan' finds them, it never
 * removes anything early.
 *
 * Taking a file to work on it: rename T to a name of its own
 * (T.w.PID.N, never over an existing one), open and flock the work file,
 * check it still has a name (another prune may have finished it), read
 * it, and unlink it when every line was dealt with.  Only one prune can
 * rename a given file away.  Notes appended meanwhile go to a
 * new T; an appender that opened the old file and gets its lock only
 * after the work file was unlinked sees no name left and opens T
 * again.  A work file left by a prune that failed or was killed is taken
 * up by the next one (its lock tells whether someone still works on
 * it).  A line dealt with twice is harmless: retention checks each
 * record itself, and one gone is simply dropped.
 *
 * faxhubctl may run as root: every file is reached from an open
 * descriptor of due/ with O_NOFOLLOW, and what root creates is given to
 * the owner of the spool directory.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "hub.h"
#include "log.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

#define DUE_DIR		"due"
#define DUE_INDEXED	".indexed"

static void	 due_own(const struct hub *, int);
static int	 due_open_at(const struct hub *, int, const char *, int);
static int	 due_open_dir(const struct hub *, const char *, int, char **);
static int	 due_append(const struct hub *, int, const char *,
		    const char *, const char *, char **);
static int	 due_name(const char *, long long *, int *);
static int	 due_rename(int, const char *, const char *);
static int	 due_take(int, const char *, int, char **, char **);
static int	 due_read(const struct hub *, const char *, int, int,
		    spool_due_cb, void *, char **);

long long
spool_due_bucket(long long when)
{
	long long	b = when - when % DUE_SPAN;

	return when < 0 && b != when ? b - DUE_SPAN : b;
}

/* What root creates in due/ belongs to the spool's owner. */
static void
due_own(const struct hub *h, int fd)
{
	struct stat	sb;

	if (geteuid() == 0 && stat(h->cfg.spool_dir, &sb) == 0 &&
	    fchown(fd, sb.st_uid, sb.st_gid) == -1)
		log_warn("chown %s/%s", h->cfg.spool_dir, DUE_DIR);
}

/* One directory below dfd, made when create is set (O_NOFOLLOW). */
static int
due_open_at(const struct hub *h, int dfd, const char *name, int create)
{
	int	fd, made = 0, err;

	for (;;) {
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd != -1 || errno != ENOENT || !create || made)
			break;
		if (mkdirat(dfd, name, 0750) == 0)
			made = 1;
		else if (errno != EEXIST)
			break;
		else
			create = 0;	/* made meanwhile: open it */
	}
	err = errno;
	if (fd != -1 && made)
		due_own(h, fd);
	errno = err;
	return fd;
}

/*
 * due/ (list NULL) or due/LIST as a descriptor, made when create is set;
 * -1 with errno ENOENT (and no cause) when not made.  Each level is
 * opened from the one above it without following a link.
 */
static int
due_open_dir(const struct hub *h, const char *list, int create,
    char **cause)
{
	int	top, fd, err;

	if ((top = open(h->cfg.spool_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fd = -1;
	else if ((fd = due_open_at(h, top, DUE_DIR, create)) != -1 &&
	    list != NULL) {
		err = due_open_at(h, fd, list, create);
		close(fd);
		fd = err;
	}
	err = errno;
	if (top != -1)
		close(top);
	if (fd == -1 && (create || err != ENOENT))
		xasprintf(cause, "%s/%s%s%s: %s", h->cfg.spool_dir, DUE_DIR,
		    list != NULL ? "/" : "", list != NULL ? list : "",
		    strerror(err));
	errno = err;
	return fd;
}

/* One line into bucket file name of dfd (dname: due/ or due/LIST). */
static int
due_append(const struct hub *h, int dfd, const char *dname, const char *name,
    const char *line, char **cause)
{
	struct stat	 sb;
	size_t		 len = strlen(line), off = 0;
	ssize_t		 w;
	int		 fd, err;

	for (;;) {
		fd = openat(dfd, name, O_WRONLY | O_APPEND | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1 && errno == ENOENT) {
			fd = openat(dfd, name, O_WRONLY | O_APPEND | O_CREAT |
			    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd == -1 && errno == EEXIST)
				continue;	/* made meanwhile */
			if (fd != -1)
				due_own(h, fd);
		}
		if (fd == -1)
			break;
		if (flock(fd, LOCK_EX) == -1 || fstat(fd, &sb) == -1) {
			err = errno;
			close(fd);
			errno = err;
			fd = -1;
			break;
		}
		if (sb.st_nlink > 0)
			break;
		close(fd);		/* taken and finished meanwhile */
	}
	while (fd != -1 && off < len) {
		if ((w = write(fd, line + off, len - off)) >= 0)
			off += (size_t)w;
		else if (errno != EINTR)
			break;
	}
	err = errno;
	if (fd != -1)
		close(fd);
	if (fd != -1 && off == len)
		return 0;
	xasprintf(cause, "%s/%s/%s: %s", h->cfg.spool_dir, dname, name,
	    strerror(err));
	return -1;
}

int
spool_due_note(const struct hub *h, const char *list, const char *kind,
    const char *id, long long when, char **cause)
{
	char	*name, *line, *dname;
	int	 dfd, rc;

	if ((dfd = due_open_dir(h, list, 1, cause)) == -1)
		return -1;
	dname = list != NULL ? xprintf("%s/%s", DUE_DIR, list) :
	    xstrdup(DUE_DIR);
	name = xprintf("%lld", spool_due_bucket(when));
	line = xprintf("%s %s\n", kind, id);
	rc = due_append(h, dfd, dname, name, line, cause);
	free(line);
	free(name);
	free(dname);
	close(dfd);
	return rc;
}

int
spool_due_indexed(const struct hub *h)
{
	char	*path = spool_path(h, DUE_DIR, DUE_INDEXED, NULL);
	int	 rc = access(path, F_OK) == 0;

	free(path);
	return rc;
}

int
spool_due_set_indexed(const struct hub *h, char **cause)
{
	int	dfd, fd;

	if ((dfd = due_open_dir(h, NULL, 1, cause)) == -1)
		return -1;
	fd = openat(dfd, DUE_INDEXED, O_WRONLY | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		xasprintf(cause, "%s/%s/%s: %s", h->cfg.spool_dir, DUE_DIR,
		    DUE_INDEXED, strerror(errno));
	else {
		due_own(h, fd);
		close(fd);
	}
	close(dfd);
	return fd == -1 ? -1 : 0;
}

/*
 * A name of due/: 1 with *t its bucket and *work set for a work file
 * ("T.w.PID.N"), 0 for anything else (.indexed, a stray file).
 */
static int
due_name(const char *name, long long *t, int *work)
{
	const char	*p = name;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != '\0' && strncmp(p, ".w.", 3) != 0)
		return 0;
	*work = *p != '\0';
	*t = strtoll(name, NULL, 10);
	return 1;
}

/*
 * from to to, never over an existing file.  A file system without
 * RENAME_NOREPLACE gets a look first (the name is this process's own, so
 * only a work file a killed process of the same pid left can be there).
 */
static int
due_rename(int dfd, const char *from, const char *to)
{
	struct stat	sb;

	if (renameat2(dfd, from, dfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
	if (fstatat(dfd, to, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(dfd, from, dfd, to);
}

/*
 * Takes bucket file name (or, work set, the work file of that name left
 * by an earlier prune): returns the work file's descriptor, open and
 * locked, with its name in *wname; -2 when there is nothing to take
 * (another prune has it or finished it), -1 on an error.
 */
static int
due_take(int dfd, const char *name, int work, char **wname, char **cause)
{
	static unsigned	 seq;
	struct stat	 sb;
	int		 fd, err;

	*wname = NULL;
	if (work)
		*wname = xstrdup(name);
	else {
		for (;;) {
			free(*wname);
			*wname = xprintf("%s.w.%ld.%u", name, (long)getpid(),
			    __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
			if (due_rename(dfd, name, *wname) == 0)
				break;
			if ((err = errno) == EEXIST)
				continue;
			free(*wname);
			*wname = NULL;
			if (err == ENOENT)
				return -2;	/* another prune took it */
			xasprintf(cause, "due/%s: %s", name, strerror(err));
			return -1;
		}
	}
	fd = openat(dfd, *wname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return -2;
	if (fd == -1) {
		xasprintf(cause, "due/%s: %s", *wname, strerror(errno));
		return -1;
	}
	if (flock(fd, work ? LOCK_EX | LOCK_NB : LOCK_EX) == -1 ||
	    fstat(fd, &sb) == -1 || sb.st_nlink == 0) {
		close(fd);
		return -2;	/* someone works on it, or finished it */
	}
	return fd;
}

/* The lines of fd through cb; what cb says to look at again is noted. */
static int
due_read(const struct hub *h, const char *list, int fd, int dry_run,
    spool_due_cb cb, void *arg, char **cause)
{
	FILE		*f;
	char		*line = NULL, *id;
	size_t		 cap = 0;
	ssize_t		 len;
	long long	 again;
	int		 rc = 0, nfd;

	if ((nfd = dup(fd)) == -1 || (f = fdopen(nfd, "r")) == NULL) {
		xasprintf(cause, "due: %s", strerror(errno));
		if (nfd != -1)
			close(nfd);
		return -1;
	}
	while (rc == 0 && (len = getline(&line, &cap, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((id = strchr(line, ' ')) == NULL || id[1] == '\0')
			continue;	/* torn by a crash mid-write */
		*id++ = '\0';
		again = 0;
		rc = cb(line, id, arg, &again, cause);
		if (rc == 0 && again > 0 && !dry_run)
			rc = spool_due_note(h, list, line, id, again, cause);
	}
	if (rc == 0 && ferror(f)) {
		xasprintf(cause, "due: %s", strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

int
spool_due_walk(const struct hub *h, const char *list, long long before,
    int dry_run, spool_due_cb cb, void *arg, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, *wname;
	size_t		  n = 0, i;
	long long	  t;
	int		  dfd, fd, nfd, work, rc = 0;

	if ((dfd = due_open_dir(h, list, 0, cause)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((nfd = dup(dfd)) == -1 || (d = fdopendir(nfd)) == NULL) {
		xasprintf(cause, "%s/%s: %s", h->cfg.spool_dir, DUE_DIR,
		    strerror(errno));
		if (nfd != -1)
			close(nfd);
		close(dfd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (due_name(de->d_name, &t, &work) && (work || t < before)) {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	for (i = 0; i < n && rc == 0; i++) {
		(void)due_name(names[i], &t, &work);
		if (dry_run) {
			fd = openat(dfd, names[i], O_RDONLY | O_NOFOLLOW |
			    O_CLOEXEC);
			if (fd != -1) {
				rc = due_read(h, list, fd, 1, cb, arg,
				    cause);
				close(fd);
			}
			continue;
		}
		if ((fd = due_take(dfd, names[i], work, &wname, cause)) == -1)
			rc = -1;
		else if (fd >= 0) {
			/* On an error the work file stays for the next prune. */
			if ((rc = due_read(h, list, fd, 0, cb, arg,
			    cause)) == 0 &&
			    unlinkat(dfd, wname, 0) == -1 && errno != ENOENT) {
				xasprintf(cause, "due/%s: %s", wname,
				    strerror(errno));
				rc = -1;
			}
			close(fd);
		}
		free(wname);
	}
	spool_names_free(names, n);
	close(dfd);
	return rc;
}
