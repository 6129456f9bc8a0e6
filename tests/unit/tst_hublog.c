/*
 * tst_hublog.c: faxhubd's communication-log writer (src/hub-log.c): a
 * record queued while the log table is held by another process is
 * written once the table is free; a record queued when faxhubd is killed
 * before it could write it comes back from the journal at the next start;
 * status changes apply after the record they change; hub_log_stop()
 * writes what is queued; the journal is never mapped (its pages would
 * count in faxhubd's resident memory).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/hub.h"
#include "../../src/record.h"
#include "../../src/table.h"
#include "../../src/util.h"
#include "../tap.h"

static char	dir[] = "/tmp/tst_hublog.XXXXXX";
static char	spool[64], tables[64];

static void
setup(struct hub *h)
{
	memset(h, 0, sizeof(*h));
	h->cfg.spool_dir = spool;
	h->cfg.table_dir = tables;
}

static void
rec(struct logrec *r, char *id, char *status)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->direction = (char *)"in";
	r->user = (char *)"alice@example.test";
	r->start = 1700000000;
	r->status = status;
}

/* The record's status, or "" when it is not in the table (yet). */
static char *
status_of(const char *id)
{
	struct logrec	 r;
	char		*cause = NULL, *s;

	if (logrec_get(tables, id, &r, &cause) != 0) {
		free(cause);
		return strdup("");
	}
	s = strdup(r.status != NULL ? r.status : "");
	logrec_free(&r);
	return s;
}

/* Waits (up to 30 s, polling) until id has status want. */
static int
wait_status(const char *id, const char *want)
{
	struct timespec	 nap = { 0, 20 * 1000 * 1000 };
	char		*s;
	int		 i, same = 0;

	for (i = 0; i < 1500 && !same; i++) {
		s = status_of(id);
		same = strcmp(s, want) == 0;
		free(s);
		if (!same)
			nanosleep(&nap, NULL);
	}
	return same;
}

/* Journal slots that still hold a record. */
static int
journal_used(void)
{
	char		 path[128];
	FILE		*f;
	uint32_t	 magic;
	int		 n = 0;
	long		 off;

	snprintf(path, sizeof(path), "%s/logq", spool);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	for (off = 0; off < (long)HUBLOG_SLOTS * HUBLOG_SLOT;
	    off += HUBLOG_SLOT) {
		if (fseek(f, off, SEEK_SET) == -1 ||
		    fread(&magic, sizeof(magic), 1, f) != 1)
			break;
		if (magic == 0x51484c46u)
			n++;
	}
	fclose(f);
	return n;
}

/* 1 when the journal is mapped into this process, 0 when not, -1: ? */
static int
journal_mapped(void)
{
	char	 line[512];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "/logq\n") != NULL)
			n = 1;
	fclose(f);
	return n;
}

int
main(void)
{
	struct hub	 h;
	struct logrec	 r;
	struct table	*t;
	char		*cause = NULL, *s, cmd[128];
	pid_t		 pid;
	int		 st;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	snprintf(tables, sizeof(tables), "%s/db", dir);
	mkdir(spool, 0700);
	mkdir(tables, 0700);

	/* A first record, written by the writer at once. */
	setup(&h);
	ok(hub_log_start(&h, &cause) == 0, "the writer starts");
	rec(&r, (char *)"k1.alice", (char *)"queued");
	hub_log_put(&h, &r);
	ok(wait_status("k1.alice", "queued"), "a record reaches the table");
	is_int(journal_mapped(), 0, "the journal is not mapped");
	hub_log_stop(&h);
	is_int(journal_used(), 0, "a written record leaves the journal");

	/*
	 * Another process holds the log table; faxhubd (the child) queues a
	 * new record and a status change, and is killed before the table is
	 * free.
	 */
	ok(table_open(tables, TABLE_LOG, TABLE_WRITE, &t, &cause) == 0,
	    "a second process holds the log table");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		setup(&h);
		if (hub_log_start(&h, &cause) == -1)
			_exit(2);
		rec(&r, (char *)"k2.alice", (char *)"queued");
		hub_log_put(&h, &r);
		hub_log_status(&h, "k1.alice", "delivered", NULL);
		hub_log_status(&h, "k2.alice", "refused", "550 no");
		raise(SIGKILL);
		_exit(3);
	}
	ok(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
	    WTERMSIG(st) == SIGKILL, "faxhubd is killed with records queued");
	table_close(t, NULL);
	s = status_of("k2.alice");
	is_str(s, "", "the new record is not in the table");
	free(s);
	is_int(journal_used(), 3, "the journal holds the three changes");

	/* The next start writes them, in the order they were made. */
	setup(&h);
	ok(hub_log_start(&h, &cause) == 0, "the writer starts again");
	ok(wait_status("k2.alice", "refused"),
	    "the lost record and its change are written from the journal");
	ok(wait_status("k1.alice", "delivered"),
	    "and the change of the older record");
	rec(&r, (char *)"k3.alice", (char *)"queued");
	hub_log_put(&h, &r);
	hub_log_stop(&h);
	s = status_of("k3.alice");
	is_str(s, "queued", "stopping writes what is queued");
	free(s);
	is_int(journal_used(), 0, "and leaves the journal empty");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
