/*
 * tst_table.c: the gdbm table layer and the record operations on it:
 * store/lookup/delete/iterate, a table busy because of a second writer,
 * corrupt and truncated files, atomic replacement, log ids and filters.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <gdbm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/record.h"
#include "../../src/table.h"
#include "../../src/util.h"
#include "../tap.h"

static char	dir[] = "/tmp/tst_table.XXXXXX";

static int
collect(const char *key, const char *val, void *arg, char **cause)
{
	struct buf	*b = arg;

	buf_addf(b, "%s=%s;", key, val);
	return 0;
}

static void
t_basic(void)
{
	struct table	*t;
	struct buf	 b;
	char		*cause = NULL, *val = NULL;

	ok(table_open(dir, "t", TABLE_READ, &t, &cause) == 0,
	    "missing table opens for reading");
	is_int(table_get(t, "x", &val, &cause), 1, "and is empty");
	table_close(t, NULL);
	ok(access("/nonexistent", F_OK) != 0, "sanity");
	ok(table_open(dir, "t", TABLE_WRITE, &t, &cause) == 0, "open writer");
	is_int(table_put(t, "b", "2", 0, &cause), 0, "put b");
	is_int(table_put(t, "a", "1", 0, &cause), 0, "put a");
	is_int(table_put(t, "c", "3", 0, &cause), 0, "put c");
	is_int(table_put(t, "a", "9", 1, &cause), 1, "insert refuses a dup");
	is_int(table_del(t, "c", &cause), 0, "del c");
	is_int(table_del(t, "c", &cause), 1, "del c again: missing");
	is_int(table_close(t, &cause), 0, "close writer");
	ok(table_open(dir, "t", TABLE_READ, &t, &cause) == 0, "open reader");
	is_int(table_get(t, "a", &val, &cause), 0, "get a");
	is_str(val, "1", "value of a");
	free(val);
	buf_init(&b);
	table_iter(t, collect, &b, &cause);
	is_str(b.data, "a=1;b=2;", "iteration in key order");
	buf_free(&b);
	table_close(t, NULL);
}

static void
t_busy(void)
{
	GDBM_FILE	 db;
	struct table	*t;
	char		*cause = NULL, *path;
	long long	 t0;

	path = table_path(dir, "t");
	db = gdbm_open(path, 0, GDBM_WRITER, 0600, NULL);
	ok(db != NULL, "second writer holds the table");
	t0 = now_ms();
	ok(table_open(dir, "t", TABLE_WRITE, &t, &cause) == -1,
	    "writer refused while held");
	ok(now_ms() - t0 >= TABLE_WAIT_MS - 100, "after waiting ~3 s");
	ok(table_busy(cause), "cause is table busy");
	ok(cause != NULL && strstr(cause, path) != NULL,
	    "message names the file");
	free(cause);
	cause = NULL;
	ok(table_open(dir, "t", TABLE_READ, &t, &cause) == -1 &&
	    table_busy(cause), "reader refused too");
	free(cause);
	cause = NULL;
	gdbm_close(db);
	ok(table_open(dir, "t", TABLE_WRITE, &t, &cause) == 0,
	    "free again once released");
	table_close(t, NULL);
	free(path);
}

static void
t_corrupt(void)
{
	struct table	*t;
	struct stat	 sb;
	char		*cause = NULL, *path, *val;
	int		 fd, rc;

	path = table_path(dir, "junk");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (write(fd, "this is not a gdbm file at all, not at all.....", 47)
	    != 47)
		ok(0, "write");
	close(fd);
	ok(table_open(dir, "junk", TABLE_READ, &t, &cause) == -1,
	    "garbage file refused");
	ok(cause != NULL && strstr(cause, path) != NULL &&
	    !table_busy(cause), "error names the file, not busy");
	diag("%s", cause);
	free(cause);
	cause = NULL;
	free(path);

	path = table_path(dir, "t");
	stat(path, &sb);
	ok(truncate(path, sb.st_size / 3) == 0, "truncate a table");
	rc = table_open(dir, "t", TABLE_READ, &t, &cause);
	if (rc == 0) {
		rc = table_get(t, "a", &val, &cause);
		if (rc == 0)
			free(val);
		table_close(t, NULL);
	}
	ok(rc == -1 && cause != NULL && strstr(cause, path) != NULL,
	    "truncated table gives an error naming the file");
	diag("%s", cause ? cause : "(no error)");
	free(cause);
	unlink(path);
	free(path);
}

static void
t_replace(void)
{
	struct table_kv	 kv[] = { { "x", "1" }, { "y", "2" } },
			 dup[] = { { "x", "1" }, { "x", "2" } };
	struct table	*t;
	struct buf	 b;
	char		*cause = NULL;

	ok(table_replace(dir, "r", kv, 2, &cause) == 0, "replace");
	ok(table_replace(dir, "r", dup, 2, &cause) == -1 &&
	    strstr(cause, "duplicate key x") != NULL, "duplicate refused");
	free(cause);
	cause = NULL;
	table_open(dir, "r", TABLE_READ, &t, &cause);
	buf_init(&b);
	table_iter(t, collect, &b, &cause);
	is_str(b.data, "x=1;y=2;", "failed replace left the table as it was");
	buf_free(&b);
	table_close(t, NULL);
}

static void
t_records(void)
{
	struct user	 u, g, *us;
	struct server	 s, *ss;
	struct route	 r[2], *rs;
	struct logrec	 l, *ls;
	struct logfilter f;
	char		*cause = NULL, *srv = NULL, *ids[3];
	char		*u1[] = { "a@x.org", NULL }, *u2[] = { "b@x.org", NULL };
	size_t		 n, i;

	user_init(&u);
	u.id = "A@X.org";
	ok(user_put(dir, &u, &cause) == 0, "user_put");
	is_int(user_get(dir, "a@x.ORG", &g, &cause), 0, "user_get any case");
	is_str(g.id, "a@x.org", "id lower-cased");
	user_free(&g);
	is_int(user_get(dir, "nobody@x.org", &g, &cause), 1, "not found");
	u.id = "bad id";
	ok(user_put(dir, &u, &cause) == -1, "bad id refused");
	free(cause);
	cause = NULL;
	ok(users_all(dir, &us, &n, &cause) == 0 && n == 1, "users_all");
	users_free(us, n);

	server_init(&s);
	s.driver = "hylafax";
	s.host = "h";
	s.name = "zeta";
	s.priority = 1;
	server_put(dir, &s, &cause);
	s.name = "alpha";
	s.priority = 5;
	server_put(dir, &s, &cause);
	s.name = "beta";
	server_put(dir, &s, &cause);
	ok(servers_all(dir, &ss, &n, &cause) == 0 && n == 3,
	    "servers_all");
	ok(n == 3 && strcmp(ss[0].name, "zeta") == 0 &&
	    strcmp(ss[1].name, "alpha") == 0 &&
	    strcmp(ss[2].name, "beta") == 0, "sorted by priority, then name");
	servers_free(ss, n);
	is_int(server_del(dir, "beta", &cause), 0, "server_del");
	is_int(server_del(dir, "beta", &cause), 1, "server_del missing");

	is_int(assign_put(dir, "a@x.org", "zeta", &cause), 0, "assign_put");
	is_int(assign_get(dir, "A@x.org", &srv, &cause), 0, "assign_get");
	is_str(srv, "zeta", "assigned server");
	free(srv);
	is_int(assign_del(dir, "a@x.org", &cause), 0, "assign_del");

	memset(r, 0, sizeof(r));
	r[0].users = u1;
	r[0].is_default = 1;
	r[1].users = u2;
	r[1].called = "+81*";
	ok(routes_put_all(dir, r, 2, &cause) == 0, "routes_put_all");
	ok(routes_all(dir, &rs, &n, &cause) == 0 && n == 2, "routes_all");
	ok(n == 2 && rs[0].order == 2 && !rs[0].is_default &&
	    rs[1].is_default, "renumbered, default rule sorted last");
	routes_free(rs, n);

	for (i = 0; i < 3; i++) {
		memset(&l, 0, sizeof(l));
		l.direction = i == 1 ? "in" : "out";
		l.user = "a@x.org";
		l.number_typed = i == 2 ? "+1 555 0100" : "+81755551234";
		l.status = "done";
		l.start = 1000 + (long long)i;
		ok(logrec_append(dir, &l, &cause) == 0, "logrec_append");
		ids[i] = l.id;
	}
	ok(strcmp(ids[0], ids[1]) < 0 && strcmp(ids[1], ids[2]) < 0,
	    "ids unique and increasing");
	memset(&f, 0, sizeof(f));
	f.direction = "out";
	ok(logs_all(dir, &f, &ls, &n, &cause) == 0 && n == 2,
	    "filter by direction");
	logrecs_free(ls, n);
	memset(&f, 0, sizeof(f));
	f.number = "+81*";
	ok(logs_all(dir, &f, &ls, &n, &cause) == 0 && n == 2,
	    "filter by number prefix");
	logrecs_free(ls, n);
	memset(&f, 0, sizeof(f));
	f.since = 1001;
	f.until = 1002;
	ok(logs_all(dir, &f, &ls, &n, &cause) == 0 && n == 1 &&
	    strcmp(ls[0].id, ids[1]) == 0, "filter by time");
	logrecs_free(ls, n);
	memset(&l, 0, sizeof(l));
	l.id = ids[1];
	l.status = "failed";
	ok(logrec_put(dir, &l, &cause) == 0, "logrec_put updates");
	is_int(logrec_get(dir, ids[1], &l, &cause), 0, "logrec_get");
	is_str(l.status, "failed", "updated status");
	logrec_free(&l);
	for (i = 0; i < 3; i++)
		free(ids[i]);
}

static int
count_cb(const struct logrec *l, void *arg, char **cause)
{
	struct buf	*b = arg;

	(void)cause;
	buf_addf(b, "%s@%lld;", l->id, l->start);
	return 0;
}

/* Walks the log of d with filter f and compares "id@start;..." to want. */
static void
walk_is(const char *d, const struct logfilter *f, const char *want,
    const char *name)
{
	struct buf	 b;
	char		*cause = NULL;

	buf_init(&b);
	buf_adds(&b, "");
	if (logs_walk(d, f, count_cb, &b, &cause) != 0) {
		diag("logs_walk: %s", cause);
		free(cause);
	}
	is_str(b.data, want, name);
	buf_free(&b);
}

/* The log's day index: moves between days, old tables, pruning. */
static void
t_logindex(void)
{
	struct logfilter	 f;
	struct logrec		 l;
	struct table		*t;
	struct buf		 b;
	char			*cause = NULL, *val, ldir[256];
	size_t			 n;
	long long		 day2 = 20000LL * 86400;

	snprintf(ldir, sizeof(ldir), "%s/logidx", dir);
	ok(mkdir(ldir, 0700) == 0, "log dir");
	memset(&l, 0, sizeof(l));
	l.direction = "out";
	l.status = "queued";
	l.id = "j1.1";
	l.start = day2 + 100;
	ok(logrec_put(ldir, &l, &cause) == 0, "queued record on day 2");
	l.id = "j2.1";
	l.start = day2 - 86400 + 5;
	ok(logrec_put(ldir, &l, &cause) == 0, "a record on day 1");
	/* Started a day later: its start moves to day 3, and back. */
	l.id = "j1.1";
	l.status = "sending";
	l.start = day2 + 86400 + 7;
	ok(logrec_put(ldir, &l, &cause) == 0, "moved to day 3");
	buf_init(&b);
	walk_is(ldir, NULL, "j2.1@1727913605;j1.1@1728086407;",
	    "a moved record is listed once, on its new day, in time order");
	l.start = day2 + 100;
	ok(logrec_put(ldir, &l, &cause) == 0, "moved back to day 2");
	l.id = "j3.1";
	l.start = day2 + 50;
	ok(logrec_put(ldir, &l, &cause) == 0, "another on day 2");
	walk_is(ldir, NULL, "j2.1@1727913605;j3.1@1728000050;j1.1@1728000100;",
	    "listed twice for day 2, shown once");
	memset(&f, 0, sizeof(f));
	f.since = day2;
	f.until = day2 + 60;
	walk_is(ldir, &f, "j3.1@1728000050;", "the range inside the day");
	is_int(logrec_get(ldir, "#days", &l, &cause), 1,
	    "index keys are not records");
	l.id = "#x";
	ok(logrec_put(ldir, &l, &cause) == -1 && strstr(cause, "bad record id"),
	    "an id like an index key is refused");
	free(cause);
	cause = NULL;

	/* Pruning whole days before day 2, dry run first. */
	ok(logs_prune(ldir, day2 + 500, 1, count_cb, &b, &n, &cause) == 0 &&
	    n == 1, "dry run counts one");
	is_str(b.data, "j2.1@1727913605;", "and names it");
	buf_reset(&b);
	walk_is(ldir, NULL, "j2.1@1727913605;j3.1@1728000050;j1.1@1728000100;",
	    "dry run removed nothing");
	ok(logs_prune(ldir, day2 + 500, 0, NULL, NULL, &n, &cause) == 0 &&
	    n == 1, "prune removes one");
	walk_is(ldir, NULL, "j3.1@1728000050;j1.1@1728000100;", "day 1 is gone");
	ok(table_open(ldir, TABLE_LOG, TABLE_READ, &t, &cause) == 0, "open");
	is_int(table_get(t, "#d/19999", &val, &cause), 1,
	    "its index entries too");
	table_close(t, NULL);

	/* A table without an index (written by an older faxhub). */
	snprintf(ldir, sizeof(ldir), "%s/logold", dir);
	ok(mkdir(ldir, 0700) == 0, "old log dir");
	ok(table_open(ldir, TABLE_LOG, TABLE_WRITE, &t, &cause) == 0, "open");
	l.id = NULL;
	l.start = day2 + 3;
	val = logrec_encode(&l);
	ok(table_put(t, "old2", val, 0, &cause) == 0, "old record");
	free(val);
	l.start = day2 - 3;
	val = logrec_encode(&l);
	ok(table_put(t, "old1", val, 0, &cause) == 0, "an older one");
	free(val);
	table_close(t, NULL);
	walk_is(ldir, NULL, "old1@1727999997;old2@1728000003;",
	    "an old table lists in time order");
	l.id = "new1";
	l.start = day2 + 1;
	ok(logrec_put(ldir, &l, &cause) == 0, "a new record beside them");
	walk_is(ldir, NULL, "old1@1727999997;new1@1728000001;old2@1728000003;",
	    "and all three are listed");
	buf_free(&b);
}

int
main(void)
{
	char	cmd[128];

	if (mkdtemp(dir) == NULL) {
		printf("1..0 # SKIP mkdtemp failed\n");
		return 0;
	}
	t_basic();
	t_busy();
	t_corrupt();
	t_replace();
	t_records();
	t_logindex();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
