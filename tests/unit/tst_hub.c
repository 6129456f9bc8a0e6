/*
 * tst_hub.c: the live job list (src/hub.c): the hash finds every live
 * job and none that left, a dropped job's slot is taken by another so
 * that the list stays dense; a broadcast is retired (jobs out of memory,
 * records to done/) only when none of its jobs is live, and a retirement
 * cut short by a crash is finished by the next try; retired jobs are
 * still known and readable for a late copy of their mail; the records
 * of a scheduling pass are saved together, all or reported.
 */
#include "config.h"

#include <sys/stat.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/hub.h"
#include "../../src/spool.h"
#include "../../src/xmalloc.h"
#include "../tap.h"

#define NJOBS	5000

static char	dir[] = "/tmp/tst_hub.XXXXXX";

static struct hjob *
mkjob(const char *id, const char *bcast, enum job_state st)
{
	struct hjob	*hj = xcalloc(1, sizeof(*hj));

	hj->j.id = xstrdup(id);
	hj->j.broadcast = xstrdup(bcast);
	hj->j.user = xstrdup("alice@example.org");
	hj->j.e164 = xstrdup("+15555550100");
	hj->j.state = st;
	return hj;
}

static int
dense(const struct hub *h)
{
	size_t	i;

	for (i = 0; i < h->njobs; i++)
		if (h->jobs[i]->slot != i)
			return 0;
	return 1;
}

static void
t_list(struct hub *h)
{
	char		 id[32];
	struct hjob	*hj;
	size_t		 i, found = 0, gone = 0;

	for (i = 0; i < NJOBS; i++) {
		snprintf(id, sizeof(id), "b%zu-%zu", i / 4, i);
		hub_job_add(h, mkjob(id, "b", i % 2 ? JOB_DONE : JOB_QUEUED));
	}
	is_int(h->njobs, NJOBS, "every job added");
	for (i = 0; i < NJOBS; i++) {
		snprintf(id, sizeof(id), "b%zu-%zu", i / 4, i);
		if ((hj = hub_job_find(h, id)) != NULL &&
		    strcmp(hj->j.id, id) == 0)
			found++;
	}
	is_int(found, NJOBS, "each found by its id");
	ok(hub_job_find(h, "b0-1x") == NULL, "an unknown id is not found");
	for (i = 1; i < NJOBS; i += 2) {
		snprintf(id, sizeof(id), "b%zu-%zu", i / 4, i);
		hub_job_drop(h, hub_job_find(h, id));
	}
	is_int(h->njobs, NJOBS / 2, "the ended ones dropped");
	ok(dense(h), "every slot index matches its place");
	is_int(h->retired[0], NJOBS / 2, "counted as done");
	found = 0;
	for (i = 0; i < NJOBS; i++) {
		snprintf(id, sizeof(id), "b%zu-%zu", i / 4, i);
		hj = hub_job_find(h, id);
		if (i % 2 == 0 && hj != NULL)
			found++;
		if (i % 2 == 1 && hj == NULL)
			gone++;
	}
	is_int(found, NJOBS / 2, "the live ones still found");
	is_int(gone, NJOBS / 2, "the dropped ones no longer found");
	hub_jobs_free(h);
	is_int(h->njobs, 0, "list freed");
}

/* A broadcast of two jobs in the spool and in memory. */
static void
mkbcast(struct hub *h, struct bcast *b, const char *id,
    enum job_state st2)
{
	char		 j1[64], j2[64], *path, *cause = NULL;
	struct hjob	*hj;

	snprintf(j1, sizeof(j1), "%s-1", id);
	snprintf(j2, sizeof(j2), "%s-2", id);
	memset(b, 0, sizeof(*b));
	b->id = xstrdup(id);
	b->jobs = xprintf("%s,%s", j1, j2);
	b->reported = b->moved = 1;
	path = spool_path(h, "bcast", id, NULL);
	if (bcast_save(b, path, WRITE_DURABLE, &cause) == -1)
		diag("%s", cause);
	free(path);
	hj = mkjob(j1, id, JOB_DONE);
	hub_job_save(h, hj);
	hub_job_add(h, hj);
	hj = mkjob(j2, id, st2);
	hub_job_save(h, hj);
	hub_job_add(h, hj);
}

static void
t_retire(struct hub *h)
{
	struct bcast	 b;
	struct hjob	*hj;
	char		*cause = NULL, *from, *to;

	mkbcast(h, &b, "bc1", JOB_FAILED);
	ok(hub_bcast_retire(h, &b, &cause) == 0, "ended broadcast retired");
	is_int(h->njobs, 0, "its jobs left memory");
	ok(!spool_exists(h, "jobs", "bc1-1", NULL) &&
	    spool_exists(h, "done/jobs", "bc1-1", NULL) &&
	    spool_exists(h, "done/jobs", "bc1-2", NULL),
	    "job records moved to done/jobs");
	ok(!spool_exists(h, "bcast", "bc1", NULL) &&
	    spool_exists(h, "done/bcast", "bc1", NULL),
	    "broadcast record moved to done/bcast");
	ok(hub_job_known(h, "bc1-2"), "a retired job is still known");
	ok(!hub_job_known(h, "bc1-3"), "a job never made is not");
	hj = hub_job_read(h, "bc1-2");
	ok(hj != NULL && hj->j.state == JOB_FAILED &&
	    strcmp(hj->j.broadcast, "bc1") == 0, "and read back whole");
	if (hj != NULL) {
		job_free(&hj->j);
		free(hj);
	}
	bcast_free(&b);

	mkbcast(h, &b, "bc2", JOB_SUBMITTED);
	ok(hub_bcast_retire(h, &b, &cause) == -1, "a live job stops it");
	diag("%s", cause != NULL ? cause : "");
	free(cause);
	cause = NULL;
	is_int(h->njobs, 2, "nothing left memory");
	ok(spool_exists(h, "jobs", "bc2-1", NULL) &&
	    spool_exists(h, "bcast", "bc2", NULL), "nothing moved");
	hub_jobs_free(h);
	bcast_free(&b);

	/* A crash after the jobs moved, before the broadcast did. */
	mkbcast(h, &b, "bc3", JOB_DONE);
	hub_jobs_free(h);
	from = spool_path(h, "jobs", "bc3-1", NULL);
	to = spool_path(h, "done/jobs", "bc3-1", NULL);
	ok(rename(from, to) == 0, "one job moved before the crash");
	free(from);
	free(to);
	ok(hub_bcast_retire(h, &b, &cause) == 0, "the next try finishes");
	ok(spool_exists(h, "done/jobs", "bc3-1", NULL) &&
	    spool_exists(h, "done/jobs", "bc3-2", NULL) &&
	    !spool_exists(h, "jobs", "bc3-2", NULL) &&
	    spool_exists(h, "done/bcast", "bc3", NULL),
	    "every record in done/");
	bcast_free(&b);
}

/* hub_jobs_commit(): n records at once, mtx released and taken again. */
static void
t_commit(struct hub *h)
{
	struct hjob	*v[3], *back;
	char		 id[32], *path;
	size_t		 i;
	int		 same = 1;

	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "c%zu", i);
		v[i] = mkjob(id, "cb", JOB_QUEUED);
		hub_job_save(h, v[i]);
		v[i]->j.state = JOB_SUBMITTING;
		free(v[i]->j.tag);
		v[i]->j.tag = xprintf("faxhub:t:%s:1", id);
	}
	pthread_mutex_lock(&h->mtx);
	ok(hub_jobs_commit(h, v, 3) == 0, "three records saved together");
	ok(pthread_mutex_trylock(&h->mtx) != 0, "with the mutex held again");
	pthread_mutex_unlock(&h->mtx);
	for (i = 0; i < 3; i++) {
		back = hub_job_read(h, v[i]->j.id);
		if (back == NULL || back->j.state != JOB_SUBMITTING ||
		    back->j.tag == NULL ||
		    strcmp(back->j.tag, v[i]->j.tag) != 0)
			same = 0;
		if (back != NULL) {
			job_free(&back->j);
			free(back);
		}
	}
	ok(same, "each reads back SUBMITTING with its tag");
	/*
	 * A record that cannot be renamed into place (a directory took its
	 * name): the pass is told; a record after it keeps its old content.
	 */
	path = spool_path(h, "jobs", v[1]->j.id, NULL);
	ok(unlink(path) == 0 && mkdir(path, 0700) == 0, "c1 made unwritable");
	for (i = 0; i < 3; i++)
		v[i]->j.state = JOB_SUBMITTED;
	pthread_mutex_lock(&h->mtx);
	ok(hub_jobs_commit(h, v, 3) == -1, "a failed save is reported");
	pthread_mutex_unlock(&h->mtx);
	back = hub_job_read(h, v[2]->j.id);
	ok(back != NULL && back->j.state == JOB_SUBMITTING,
	    "and the record after it stays as it was");
	if (back != NULL) {
		job_free(&back->j);
		free(back);
	}
	rmdir(path);
	free(path);
	for (i = 0; i < 3; i++) {
		job_free(&v[i]->j);
		free(v[i]);
	}
}

int
main(void)
{
	struct hub	h;
	char		*cause = NULL;

	memset(&h, 0, sizeof(h));
	pthread_mutex_init(&h.mtx, NULL);
	if ((h.cfg.spool_dir = mkdtemp(dir)) == NULL ||
	    spool_init(dir, &cause) == -1) {
		printf("Bail out! spool in %s: %s\n", dir, cause);
		return 1;
	}
	t_list(&h);
	t_retire(&h);
	t_commit(&h);
	hub_jobs_free(&h);
	tap_rmtree(dir);
	return done_testing();
}
