/*
 * tst_retention.c: retention_prune (src/retention.c) on a spool holding
 * ended and live work of every kind: what has ended long enough ago goes,
 * its ids go into the seen index first, nothing live is touched, and a
 * dry run changes nothing.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/hub.h"
#include "../../src/job.h"
#include "../../src/kvfile.h"
#include "../../src/record.h"
#include "../../src/retention.h"
#include "../../src/spool.h"
#include "../tap.h"

#define NOW	1764547200LL		/* 2025-12-01 00:00:00 UTC */
#define DAY	86400LL

static char	dir[] = "/tmp/tst_retention.XXXXXX";
static struct hub h;

static void
age(const char *path, long long when)
{
	struct timeval	tv[2] = { { (time_t)when, 0 }, { (time_t)when, 0 } };

	if (utimes(path, tv) == -1)
		diag("utimes %s failed", path);
}

static void
file(const char *sub, const char *name, const char *suffix, long long when)
{
	char	*p = spool_path(&h, sub, name, suffix);
	FILE	*f;

	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
	age(p, when);
	free(p);
}

static int
there(const char *sub, const char *name, const char *suffix)
{
	return spool_exists(&h, sub, name, suffix);
}

static void
job(const char *id, const char *bc, enum job_state st, long long ended)
{
	struct job	 j;
	char		*p = spool_path(&h, "jobs", id, NULL), *cause = NULL;

	memset(&j, 0, sizeof(j));
	j.id = (char *)id;
	j.broadcast = (char *)bc;
	j.state = st;
	j.created = ended - 600;
	j.ended = ended;
	if (job_save(&j, p, WRITE_DURABLE, &cause) == -1)
		diag("job_save: %s", cause);
	free(p);
}

/* As the intake thread's retirement moves it. */
static void
retire_job(const char *id)
{
	char	*from = spool_path(&h, "jobs", id, NULL);
	char	*to = spool_path(&h, "done/jobs", id, NULL);

	if (rename(from, to) == -1)
		diag("rename %s failed", from);
	free(from);
	free(to);
}

static void
bcast(const char *id, const char *mailkey, const char *jobs, int reported,
    int moved, long long created)
{
	struct bcast	 b;
	char		*p = spool_path(&h, "bcast", id, NULL), *cause = NULL;

	memset(&b, 0, sizeof(b));
	b.id = (char *)id;
	b.mailkey = (char *)mailkey;
	b.jobs = (char *)jobs;
	b.msgid = (char *)"<m@x>";
	b.reported = reported;
	b.moved = moved;
	b.created = created;
	if (bcast_save(&b, p, WRITE_DURABLE, &cause) == -1)
		diag("bcast_save: %s", cause);
	free(p);
	file("docs", id, ".tif", created);
	if (mailkey != NULL) {
		file("mail", mailkey, ".eml", created);
		file("mail", mailkey, ".state", created);
	}
}

static void
mailstate(const char *key, int moved, long long when)
{
	struct kv	 kv;
	char		*p, *cause = NULL;

	p = spool_path(&h, "mail", key, ".state");
	kv_init(&kv);
	kv_set(&kv, "state", "refused");
	kv_setll(&kv, "moved", moved);
	if (kv_save(&kv, p, &cause) == -1)
		diag("kv_save: %s", cause);
	kv_free(&kv);
	age(p, when);
	free(p);
	file("mail", key, ".eml", when);
}

static void
fax(const char *key, const char *state)
{
	struct kv	 kv;
	char		*p = spool_path(&h, "in", key, ".meta"), *cause = NULL;

	kv_init(&kv);
	kv_set(&kv, "state", state);
	if (kv_save(&kv, p, &cause) == -1)
		diag("kv_save: %s", cause);
	kv_free(&kv);
	free(p);
	file("in", key, ".tif", NOW);
}

static void
logrec(const char *id, long long start)
{
	struct logrec	 l;
	char		*cause = NULL;

	memset(&l, 0, sizeof(l));
	l.id = (char *)id;
	l.direction = (char *)"out";
	l.status = (char *)"done";
	l.start = start;
	if (logrec_put(h.cfg.table_dir, &l, &cause) == -1)
		diag("logrec_put: %s", cause);
}

static int
seen(const char *id)
{
	char	*cause = NULL;

	return spool_seen(&h, id, &cause) == 1;
}

static void
setup(void)
{
	/* Ended 40 days ago: goes, with its mail and document. */
	job("jA", "bOld", JOB_DONE, NOW - 40 * DAY);
	job("jB", "bOld", JOB_FAILED, NOW - 41 * DAY);
	bcast("bOld", "1-1", "jA,jB", 1, 1, NOW - 42 * DAY);
	/* Ended two days ago: stays. */
	job("jC", "bRecent", JOB_DONE, NOW - 2 * DAY);
	bcast("bRecent", "1-2", "jC", 1, 1, NOW - 3 * DAY);
	/* Old, but a job still queued: live. */
	job("jD", "bLive", JOB_DONE, NOW - 50 * DAY);
	job("jE", "bLive", JOB_QUEUED, 0);
	bcast("bLive", "1-3", "jD,jE", 0, 0, NOW - 50 * DAY);
	/* Ended long ago, but its mail not moved to the done folder yet. */
	job("jF", "bUnmoved", JOB_DONE, NOW - 50 * DAY);
	bcast("bUnmoved", "1-4", "jF", 1, 0, NOW - 50 * DAY);
	/*
	 * Caught half-way through its retirement (hub.c hub_bcast_retire):
	 * its job already in done/jobs/, the broadcast still in bcast/.
	 */
	job("jH", "bHalf", JOB_DONE, NOW - 40 * DAY);
	bcast("bHalf", "1-5", "jH", 1, 1, NOW - 42 * DAY);
	retire_job("jH");
	/* A job whose broadcast is gone. */
	job("jG", "bGone", JOB_FAILED, NOW - 60 * DAY);
	/* Refused mails: moved long ago (goes), still in the inbox (stays). */
	mailstate("1-9", 1, NOW - 40 * DAY);
	mailstate("1-10", 0, NOW - 40 * DAY);
	/* Moved, as the intake notes it now: beside the state. */
	mailstate("1-12", 0, NOW - 40 * DAY);
	file("mail", "1-12", ".moved", NOW - 40 * DAY);
	file("mail", "1-11", ".eml", NOW - 40 * DAY);	/* taken, not done */
	file("sent", "oOld", NULL, NOW - 31 * DAY);
	file("sent", "oNew", NULL, NOW - DAY);
	fax("fax1-a-1", "removed");
	fax("fax1-b-2", "routed");
	logrec("l.old", NOW - 7 * 365 * DAY);
	logrec("l.new", NOW - 5 * 365 * DAY);
}

static void
t_dry(void)
{
	struct retention_stats	 st;
	char			*cause = NULL;

	ok(retention_prune(&h, NOW, 1, NULL, NULL, &st, &cause) == 0,
	    "dry run");
	ok(st.bcasts == 2 && st.jobs == 4 && st.mails == 4 && st.sent == 1 &&
	    st.images == 1 && st.log == 1, "dry run counts what would go");
	ok(there("bcast", "bOld", NULL) && there("jobs", "jA", NULL) &&
	    there("sent", "oOld", NULL) && there("in", "fax1-a-1", ".tif"),
	    "and removes nothing");
	ok(!seen("bOld") && !seen("1-1"), "nor records anything as seen");
}

static void
t_prune(void)
{
	struct retention_stats	 st;
	struct logrec		 l;
	char			*cause = NULL;

	ok(spool_seen_add(&h, "9-9", NOW - 500 * DAY, &cause) == 0 &&
	    spool_seen_add(&h, "9-8", NOW - 10 * DAY, &cause) == 0,
	    "two seen ids, one past retention.seen");
	ok(retention_prune(&h, NOW, 0, NULL, NULL, &st, &cause) == 0,
	    "prune");
	ok(st.bcasts == 2 && st.jobs == 4 && st.mails == 4 && st.sent == 1 &&
	    st.images == 1 && st.log == 1 && st.seen == 1, "counts");
	ok(!there("bcast", "bOld", NULL) && !there("jobs", "jA", NULL) &&
	    !there("jobs", "jB", NULL) && !there("docs", "bOld", ".tif") &&
	    !there("mail", "1-1", ".eml") && !there("mail", "1-1", ".state"),
	    "the ended broadcast, its jobs, document and mail are gone");
	ok(seen("bOld") && seen("1-1") && seen("jA") && seen("jB"),
	    "and their ids are in the seen index");
	ok(!there("jobs", "jG", NULL) && seen("jG"), "the orphan job too");
	ok(!there("bcast", "bHalf", NULL) && !there("done/jobs", "jH", NULL) &&
	    !there("mail", "1-5", ".state") && seen("jH") && seen("bHalf"),
	    "a broadcast half-way through its retirement, with its job");
	ok(!there("mail", "1-9", ".state") && !there("mail", "1-9", ".eml") &&
	    seen("1-9"), "the refused mail that was moved");
	ok(!there("mail", "1-12", ".state") && !there("mail", "1-12",
	    ".moved") && !there("mail", "1-12", ".eml") && seen("1-12"),
	    "the refused mail whose move is noted in KEY.moved");
	ok(!there("sent", "oOld", NULL) && seen("sent/oOld"),
	    "the old sent tombstone");
	ok(!there("in", "fax1-a-1", ".tif") && there("in", "fax1-a-1",
	    ".meta"), "the delivered fax image, its meta kept");
	ok(there("bcast", "bRecent", NULL) && there("jobs", "jC", NULL) &&
	    there("mail", "1-2", ".state"), "recent work stays");
	ok(there("bcast", "bLive", NULL) && there("jobs", "jD", NULL) &&
	    there("jobs", "jE", NULL) && there("docs", "bLive", ".tif"),
	    "a broadcast with a live job stays whole");
	ok(there("bcast", "bUnmoved", NULL) && there("mail", "1-4", ".eml"),
	    "a broadcast whose mail is not moved yet stays");
	ok(there("mail", "1-10", ".state") && there("mail", "1-11", ".eml"),
	    "mails still in the inbox or not processed stay");
	ok(there("sent", "oNew", NULL), "a recent tombstone stays");
	ok(there("in", "fax1-b-2", ".tif"), "an undelivered fax stays");
	is_int(logrec_get(h.cfg.table_dir, "l.old", &l, &cause), 1,
	    "the 7-year-old log record is gone");
	ok(logrec_get(h.cfg.table_dir, "l.new", &l, &cause) == 0,
	    "the 5-year-old one stays");
	logrec_free(&l);
	ok(!seen("9-9") && seen("9-8"), "the seen index drops old ids");
	ok(retention_prune(&h, NOW, 0, NULL, NULL, &st, &cause) == 0 &&
	    st.bcasts + st.jobs + st.mails + st.sent + st.images + st.log +
	    st.seen == 0, "a second prune finds nothing");
}

/*
 * A mail whose sent/ tombstone was pruned is still known as sent (the
 * seen index), so the same id queued again (a report owed again after a
 * restart, an answer to a late copy) is not queued twice.
 */
static void
t_outbox(void)
{
	const char	*to = "someone@example.test";

	ok(outbox_sent(&h, "oOld") == 1 && outbox_known(&h, "oOld") == 1,
	    "a mail whose tombstone was pruned is still known as sent");
	ok(outbox_known(&h, "oNew") == 1, "one whose tombstone stays too");
	is_int(outbox_known(&h, "oNever"), 0, "one never queued is not");
	ok(outbox_put(&h, "oOld", "fax@example.test", &to, 1, "x", 1, NULL,
	    0) == 0 && !there("outbox", "oOld", ".env") &&
	    !there("outbox", "oOld", ".msg"), "queued again, it is not queued");
	ok(outbox_put(&h, "oNever", "fax@example.test", &to, 1, "x", 1, NULL,
	    0) == 0 && there("outbox", "oNever", ".env"),
	    "a new one is queued");
}

int
main(void)
{
	char	cmd[128], *cause = NULL;

	if (mkdtemp(dir) == NULL)
		return 1;
	h.cfg.spool_dir = dir;
	h.cfg.table_dir = dir;
	h.cfg.retention.records = 30 * DAY;
	h.cfg.retention.log = 6 * 365 * DAY;
	h.cfg.retention.seen = 400 * DAY;
	ok(spool_init(dir, &cause) == 0, "spool_init");
	setup();
	t_dry();
	t_prune();
	t_outbox();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
