/*
 * tst_spool.c: the spool module (src/spool.c): listings skip the
 * temporary files of atomic writes and come sorted; the lock admits one
 * process and names it to a second one; the seen index remembers ids;
 * a file's sum tells it whole from torn; marks are names of one file.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/hub.h"
#include "../../src/spool.h"
#include "../tap.h"

static char	dir[] = "/tmp/tst_spool.XXXXXX";

static void
touch(const char *sub, const char *name)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	if ((f = fopen(path, "w")) != NULL)
		fclose(f);
}

static void
t_list(struct hub *h)
{
	char	**v, *cause = NULL;
	size_t	  n = 0;

	touch("in", "b.meta");
	touch("in", "a.meta");
	touch("in", "a.tif");
	touch("in", "c.meta.tmp.123");
	ok(spool_list(h, "in", ".meta", &v, &n, &cause) == 0, "list in/");
	is_int(n, 2, "two records, the temporary file skipped");
	if (n == 2) {
		is_str(v[0], "a", "sorted, suffix stripped");
		is_str(v[1], "b", "second");
	}
	spool_names_free(v, n);
	ok(spool_exists(h, "in", "a", ".tif"), "exists");
	spool_unlink(h, "in", "a", ".tif");
	ok(!spool_exists(h, "in", "a", ".tif"), "unlinked");
	spool_unlink(h, "in", "a", ".tif");
	ok(1, "unlinking a missing file is no error");
}

static void
t_lock(void)
{
	char	 want[128], buf[256], *cause = NULL;
	int	 fd, p[2], st;
	ssize_t	 len;
	pid_t	 pid;

	fd = spool_lock(dir, &cause);
	ok(fd >= 0, "the first process takes the lock");
	/* As before a SIGHUP re-exec: the descriptor is handed on. */
	spool_lock_keep(fd);
	ok(spool_lock_check(dir, &cause) == 0,
	    "after a re-exec, the holder's own check passes");
	is_int(spool_lock(dir, &cause), fd,
	    "and it takes the same lock again");
	ok(getenv("FAXHUB_LOCK_FD") == NULL, "out of the environment");
	if (pipe(p) == -1)
		return;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (spool_lock(dir, &cause) != -1 ||
		    spool_lock_check(dir, &cause) != -1)
			_exit(1);
		len = (ssize_t)strlen(cause);
		_exit(write(p[1], cause, (size_t)len) == len ? 0 : 2);
	}
	close(p[1]);
	len = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[len > 0 ? len : 0] = '\0';
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "a second process is refused");
	snprintf(want, sizeof(want), "in use by faxhubd pid %ld",
	    (long)getpid());
	ok(strstr(buf, want) != NULL, "and told the holder's pid");
	close(fd);
	ok(spool_lock_check(dir, &cause) == 0, "closed, the lock is free");
}

static void
t_seen(struct hub *h)
{
	char	*cause = NULL;

	is_int(spool_seen(h, "0123456789abcdef", &cause), 0,
	    "an id not seen yet (no index file)");
	ok(spool_seen_add(h, "0123456789abcdef", 1700000000, &cause) == 0,
	    "recorded");
	is_int(spool_seen(h, "0123456789abcdef", &cause), 1, "then seen");
	ok(spool_seen_add(h, "0123456789abcdef", 1800000000, &cause) == 0,
	    "recording it again is no error");
	is_int(spool_seen(h, "1-42", &cause), 0, "another id is not");
}

/* The sum that tells a whole document from a torn one. */
static void
t_sum(struct hub *h)
{
	char	*p, *a, *b = NULL, *c = NULL, *cause = NULL;

	p = spool_path(h, "docs", "bX", ".tif");
	ok(spool_file_sum(p) == NULL, "no file, no sum");
	ok(file_write_atomic(p, "abcdef", 6, 0600, &cause) == 0, "a file");
	a = spool_file_sum(p);
	is_str(a, "6-6419a7d2d6af9894", "its size and FNV-1a 64");
	ok(file_write_atomic(p, "abc\0\0\0", 6, 0600, &cause) == 0 &&
	    (b = spool_file_sum(p)) != NULL, "the same size, torn");
	ok(b != NULL && strcmp(a, b) != 0, "another sum");
	ok(truncate(p, 3) == 0 && (c = spool_file_sum(p)) != NULL &&
	    strncmp(c, "3-", 2) == 0, "cut short: another size");
	free(a);
	free(b);
	free(c);
	free(p);
}

/* Marks: names of spool/.mark, no inode each; made again when gone. */
static void
t_mark(struct hub *h)
{
	struct spool_batch	 b;
	struct stat		 src, a, c;
	char			*pa, *pb, *pc, *m, *cause = NULL;

	pa = spool_path(h, "live", "1-1", NULL);
	pb = spool_path(h, "mail", "1-1", ".moved");
	pc = spool_path(h, "live", "1-2", NULL);
	m = spool_path(h, ".", ".mark", NULL);
	ok(spool_mark(dir, pa, &cause) == 0 && spool_mark(dir, pb, &cause) == 0,
	    "two marks");
	ok(stat(m, &src) == 0 && S_ISREG(src.st_mode) && src.st_size == 0 &&
	    stat(pa, &a) == 0 && a.st_ino == src.st_ino && src.st_nlink == 3,
	    "both are names of the empty spool/.mark");
	ok(spool_mark(dir, pa, &cause) == 0, "a mark made twice is the mark");
	ok(unlink(m) == 0 && spool_mark(dir, pc, &cause) == 0 &&
	    stat(m, &src) == 0 && stat(pc, &c) == 0 &&
	    c.st_ino == src.st_ino && src.st_nlink == 2,
	    "a .mark removed is made again");
	ok(stat(pa, &a) == 0 && a.st_ino != src.st_ino && a.st_nlink == 2,
	    "and the marks made before keep their file");
	ok(unlink(pc) == 0 && unlink(m) == 0 && mkdir(m, 0700) == 0 &&
	    spool_mark(dir, pc, &cause) == 0 && stat(pc, &c) == 0 &&
	    S_ISREG(c.st_mode) && c.st_nlink == 1,
	    "when .mark cannot be linked the mark is a file of its own");
	rmdir(m);
	unlink(pc);
	spool_batch_init(&b);
	ok(spool_stage_mark(&b, dir, pc, &cause) == 0 &&
	    spool_commit(&b, WRITE_DURABLE, &cause) == 0 &&
	    stat(pc, &c) == 0 && stat(m, &src) == 0 &&
	    c.st_ino == src.st_ino, "a staged mark is committed as a name");
	unlink(pa);
	unlink(pb);
	unlink(pc);
	free(pa);
	free(pb);
	free(pc);
	free(m);
}

int
main(void)
{
	struct hub	h;
	char		cmd[128], *cause = NULL;

	if (mkdtemp(dir) == NULL)
		return 1;
	memset(&h, 0, sizeof(h));
	h.cfg.spool_dir = dir;
	ok(spool_init(dir, &cause) == 0, "spool_init");
	t_list(&h);
	t_lock();
	t_seen(&h);
	t_sum(&h);
	t_mark(&h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
