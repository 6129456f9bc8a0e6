/*
 * tst_retention.c: retention_prune (src/retention.c) on a spool holding
 * ended and live work of every kind: what has ended long enough ago goes,
 * its ids go into the seen index first, nothing live is touched, and a
 * dry run changes nothing.  The first prunes walk the spool (it has no
 * due list yet); then only what is on the due list is looked at.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>

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
#include "../../src/xmalloc.h"
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

/* The hour files of the records' due list (not .indexed, not seen/). */
static int
due_files(void)
{
	char		*p = spool_path(&h, "due", "", NULL);
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir(p)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (isdigit((unsigned char)de->d_name[0]))
				n++;
		closedir(d);
	}
	free(p);
	return n;
}

static void
note(const char *kind, const char *id, long long when)
{
	char	*cause = NULL;

	if (spool_due_note(&h, DUE_RECORDS, kind, id, when, &cause) == -1)
		diag("spool_due_note: %s", cause);
}

static size_t
total(const struct retention_stats *st)
{
	return st->bcasts + st->jobs + st->mails + st->sent + st->images +
	    st->log + st->seen;
}

/*
 * Once the spool is indexed, a prune looks only at the due list: an
 * ended broadcast nobody noted stays until a rescan; a noted one goes
 * when due, a young one is noted again and goes later; a mail waiting
 * for its broadcast waits; a work file left by a killed prune is taken
 * up; a torn line is skipped.
 */
static void
t_due(void)
{
	struct retention_stats	 st;
	char			*cause = NULL, *wf, *p;
	FILE			*f;

	ok(spool_due_indexed(&h), "the walk left the spool indexed");
	job("jN1", "bNoted", JOB_DONE, NOW - 40 * DAY);
	bcast("bNoted", "2-1", "jN1", 1, 1, NOW - 41 * DAY);
	note("bcast", "bNoted", NOW - 40 * DAY);
	job("jN2", "bHidden", JOB_DONE, NOW - 40 * DAY);
	bcast("bHidden", "2-2", "jN2", 1, 1, NOW - 41 * DAY);
	job("jN3", "bYoung", JOB_DONE, NOW - 2 * DAY);
	bcast("bYoung", "2-3", "jN3", 1, 1, NOW - 3 * DAY);
	note("bcast", "bYoung", NOW - 2 * DAY);
	/* A late copy, moved long ago; its broadcast is still kept. */
	mailstate("2-4", 0, NOW - 40 * DAY);
	file("mail", "2-4", ".moved", NOW - 40 * DAY);
	p = spool_path(&h, "mail", "2-4", ".state");
	if ((f = fopen(p, "a")) != NULL) {
		fputs("bcast=bYoung\n", f);
		fclose(f);
	}
	age(p, NOW - 40 * DAY);
	free(p);
	note("mail", "2-4", NOW - 40 * DAY);
	file("sent", "oLeft", NULL, NOW - 35 * DAY);
	/* A prune killed half-way through its bucket left this. */
	wf = xprintf("%lld.w.99999.0", spool_due_bucket(NOW - 35 * DAY));
	p = spool_path(&h, "due", wf, NULL);
	if ((f = fopen(p, "w")) != NULL) {
		fputs("sent oLeft\nbcast\nnonsense x\nbcast ../bNoted\n", f);
		fclose(f);
	}
	free(p);

	ok(retention_prune(&h, NOW, RETENTION_DRY_RUN, NULL, NULL, &st,
	    &cause) == 0 && st.bcasts == 1 && st.sent == 1 && st.mails == 1,
	    "dry run on the due list");
	ok(there("bcast", "bNoted", NULL) && there("due", wf, NULL),
	    "changes nothing");
	ok(retention_prune(&h, NOW, 0, NULL, NULL, &st, &cause) == 0,
	    "prune from the due list");
	ok(st.bcasts == 1 && st.jobs == 1 && st.mails == 1 && st.sent == 1,
	    "counts");
	ok(!there("bcast", "bNoted", NULL) && !there("jobs", "jN1", NULL) &&
	    !there("mail", "2-1", ".eml") && seen("bNoted") && seen("jN1"),
	    "the noted broadcast is gone, its ids seen");
	ok(there("bcast", "bHidden", NULL) && there("jobs", "jN2", NULL),
	    "one nobody noted is not looked at");
	ok(there("bcast", "bYoung", NULL) && there("mail", "2-4", ".state"),
	    "the young broadcast and the copy waiting for it stay");
	ok(!there("sent", "oLeft", NULL) && !there("due", wf, NULL),
	    "the work file of a killed prune is taken up and finished");
	is_int(due_files(), 3, "three hours of notes left: the young "
	    "broadcasts' end, the new tombstone's, the copy's next look");
	ok(retention_prune(&h, NOW, 0, NULL, NULL, &st, &cause) == 0 &&
	    total(&st) == 0, "nothing due at the same time");

	ok(retention_prune(&h, NOW + 29 * DAY, 0, NULL, NULL, &st,
	    &cause) == 0 && st.bcasts == 2 && st.mails == 2 &&
	    !there("bcast", "bYoung", NULL) && !there("mail", "2-3", ".eml") &&
	    !there("bcast", "bRecent", NULL), "the young broadcasts go once "
	    "they are due");
	ok(there("mail", "2-4", ".state"),
	    "the late copy is looked at again after its broadcast went");
	ok(retention_prune(&h, NOW + 60 * DAY, 0, NULL, NULL, &st,
	    &cause) == 0 && st.mails == 1 && !there("mail", "2-4", ".state") &&
	    seen("2-4"), "and goes then");
	is_int(due_files(), 0, "the due list is empty");

	ok(spool_seen_add(&h, "9-7", NOW - 401 * DAY, &cause) == 0 &&
	    spool_seen_add(&h, "9-6", NOW - 399 * DAY, &cause) == 0,
	    "two more seen ids, one past retention.seen");
	ok(retention_prune(&h, NOW, 0, NULL, NULL, &st, &cause) == 0 &&
	    st.seen == 1 && !seen("9-7") && seen("9-6"),
	    "the seen index drops it through its due list");
	ok(retention_prune(&h, NOW + 2 * DAY, 0, NULL, NULL, &st,
	    &cause) == 0 && st.seen >= 1 && !seen("9-6"),
	    "and the other one when its time comes");
	ok(retention_prune(&h, NOW, RETENTION_RESCAN, NULL, NULL, &st,
	    &cause) == 0 && st.bcasts == 1 && !there("bcast", "bHidden",
	    NULL) && !there("jobs", "jN2", NULL), "a rescan finds the "
	    "broadcast nobody noted");
	free(wf);
}

/*
 * Notes written while prunes take the same hour's files: every note is
 * dealt with exactly once (none lost to a file taken under the writer,
 * none read twice).
 */
#define RACE_NOTES	4000

struct race {
	int	 count[RACE_NOTES];
	int	 writing;
};

static void *
race_writer(void *arg)
{
	struct race	*r = arg;
	char		 id[32];
	int		 i;

	for (i = 0; i < RACE_NOTES; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		note("race", id, NOW - 40 * DAY);
	}
	__atomic_store_n(&r->writing, 0, __ATOMIC_SEQ_CST);
	return NULL;
}

static int
race_cb(const char *kind, const char *id, void *arg, long long *again,
    char **cause)
{
	struct race	*r = arg;
	int		 i = atoi(id + 1);

	(void)again;
	(void)cause;
	if (strcmp(kind, "race") == 0 && i >= 0 && i < RACE_NOTES)
		r->count[i]++;
	return 0;
}

static void *
race_pruner(void *arg)
{
	struct race	*r = arg;
	char		*cause = NULL;
	int		 more;

	do {
		more = __atomic_load_n(&r->writing, __ATOMIC_SEQ_CST);
		if (spool_due_walk(&h, DUE_RECORDS, NOW, 0, race_cb, r, &cause) == -1) {
			diag("spool_due_walk: %s", cause);
			free(cause);
			cause = NULL;
		}
	} while (more);
	return NULL;
}

static void
t_due_race(void)
{
	static struct race	 r;
	pthread_t		 w, p1, p2;
	int			 i, once = 1;

	r.writing = 1;
	pthread_create(&w, NULL, race_writer, &r);
	pthread_create(&p1, NULL, race_pruner, &r);
	pthread_create(&p2, NULL, race_pruner, &r);
	pthread_join(w, NULL);
	pthread_join(p1, NULL);
	pthread_join(p2, NULL);
	for (i = 0; i < RACE_NOTES; i++)
		if (r.count[i] != 1) {
			diag("note r%d dealt with %d times", i, r.count[i]);
			once = 0;
		}
	ok(once, "4000 notes written during two prunes: each dealt with once");
	is_int(due_files(), 0, "and none left");
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
	t_due();
	t_due_race();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
