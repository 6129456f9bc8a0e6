/*
 * hub.c: the supervisor's shared state: the live jobs and the hub's wake
 * and sleep, and the retirement of a broadcast's records once its mail
 * has been moved.  Everything here is called with h->mtx held unless its
 * comment says otherwise.
 *
 * Only live work is in memory: a job is in h->jobs (and in the hash by
 * id) from hub_job_add() until its broadcast is retired by
 * hub_bcast_retire(), which hub_job_drop()s it; the record then lives on
 * in spool/done/jobs/ for a late copy of its mail (hub_job_read()).  So
 * memory, start-up and every scan of the list cost as much as the work in
 * flight, not as much as the site's history.
 *
 * Ownership: struct hjob objects are the hub's from hub_job_add() until
 * hub_job_drop(), which frees them; only an ended job that no thread
 * works on (hj->busy clear) is dropped, and no thread keeps a pointer to
 * a job across a release of h->mtx unless it set hj->busy.  Fields may be
 * read or changed only with h->mtx held (or by the one thread that set
 * hj->busy, until it clears it).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "hub.h"
#include "kvfile.h"
#include "log.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

#define DONE_JOBS	"done/jobs"
#define DONE_BCAST	"done/bcast"

static size_t	 id_bucket(const char *, size_t);
static void	 hash_grow(struct hub *);
static int	 job_retire(struct hub *, const char *, char **);

/* ---- jobs ------------------------------------------------------------ */

/* FNV-1a of the id, reduced to n buckets (n a power of two). */
static size_t
id_bucket(const char *id, size_t n)
{
	uint64_t	x = 14695981039346656037ULL;

	for (; *id != '\0'; id++) {
		x ^= (unsigned char)*id;
		x *= 1099511628211ULL;
	}
	return (size_t)(x & (n - 1));
}

/* Doubles the buckets once there are more jobs than buckets. */
static void
hash_grow(struct hub *h)
{
	struct hjob	**nb, *hj, *next;
	size_t		  n, i, b;

	n = h->nbuckets == 0 ? 64 : h->nbuckets * 2;
	nb = xcalloc(n, sizeof(*nb));
	for (i = 0; i < h->nbuckets; i++)
		for (hj = h->jobhash[i]; hj != NULL; hj = next) {
			next = hj->hnext;
			b = id_bucket(hj->j.id, n);
			hj->hnext = nb[b];
			nb[b] = hj;
		}
	free(h->jobhash);
	h->jobhash = nb;
	h->nbuckets = n;
}

/* h->mtx held; the result is the hub's (see above), NULL when not live. */
struct hjob *
hub_job_find(struct hub *h, const char *id)
{
	struct hjob	*hj;

	if (h->nbuckets == 0)
		return NULL;
	for (hj = h->jobhash[id_bucket(id, h->nbuckets)]; hj != NULL;
	    hj = hj->hnext)
		if (strcmp(hj->j.id, id) == 0)
			return hj;
	return NULL;
}

/* h->mtx held; hj becomes the hub's. */
void
hub_job_add(struct hub *h, struct hjob *hj)
{
	size_t	b;

	if (h->njobs >= h->nbuckets)
		hash_grow(h);
	h->jobs = xreallocarray(h->jobs, h->njobs + 1, sizeof(*h->jobs));
	hj->slot = h->njobs;
	h->jobs[h->njobs++] = hj;
	b = id_bucket(hj->j.id, h->nbuckets);
	hj->hnext = h->jobhash[b];
	h->jobhash[b] = hj;
}

/*
 * h->mtx held; hj (ended, not busy) leaves memory and is freed.  The last
 * job takes its slot: a thread walking h->jobs by index across a release
 * of the mutex may skip one job on that pass, never touch a freed one.
 */
void
hub_job_drop(struct hub *h, struct hjob *hj)
{
	struct hjob	**pp;

	for (pp = &h->jobhash[id_bucket(hj->j.id, h->nbuckets)]; *pp != hj;
	    pp = &(*pp)->hnext)
		;
	*pp = hj->hnext;
	h->jobs[hj->slot] = h->jobs[--h->njobs];
	h->jobs[hj->slot]->slot = hj->slot;
	h->retired[hj->j.state == JOB_DONE ? 0 : 1]++;
	job_free(&hj->j);
	free(hj);
}

int
hub_job_save(struct hub *h, struct hjob *hj)
{
	return hub_job_save_sync(h, hj, WRITE_DURABLE);
}

int
hub_job_save_sync(struct hub *h, struct hjob *hj, enum write_sync sync)
{
	char	*path, *cause = NULL;
	int	 rc;

	path = spool_path(h, "jobs", hj->j.id, NULL);
	rc = job_save(&hj->j, path, sync, &cause);
	if (rc == -1) {
		log_warnx("job %s: %s", hj->j.id, cause);
		free(cause);
	} else
		hj->unsaved = 0;
	free(path);
	return rc;
}

/*
 * mtx held, hj->busy set by the calling thread: no other thread changes
 * hj meanwhile, nor acts on it (every scan skips busy jobs), so the record
 * is written and fsynced with the mutex released.  Returns with mtx held,
 * hj->busy still set, and hub_job_save()'s result.
 */
int
hub_job_commit(struct hub *h, struct hjob *hj)
{
	return hub_job_commit_sync(h, hj, WRITE_DURABLE);
}

int
hub_job_commit_sync(struct hub *h, struct hjob *hj, enum write_sync sync)
{
	int	rc;

	pthread_mutex_unlock(&h->mtx);
	rc = hub_job_save_sync(h, hj, sync);
	pthread_mutex_lock(&h->mtx);
	return rc;
}

/*
 * The records of n busy jobs, made durable together (spool_commit(): their
 * fsyncs in parallel, one of jobs/), as n hub_job_commit() calls would but
 * for the price of about one.  mtx held on entry and exit; 0 when every
 * record was saved, -1 when any was not (its job's old record stays).
 */
int
hub_jobs_commit(struct hub *h, struct hjob *const *v, size_t n)
{
	struct spool_batch	 b;
	struct kv		 kv;
	char			*path, *data, *cause = NULL;
	size_t			 i, len;
	int			 rc = 0;

	pthread_mutex_unlock(&h->mtx);
	spool_batch_init(&b);
	for (i = 0; i < n && rc == 0; i++) {
		kv_init(&kv);
		job_encode(&v[i]->j, &kv);
		data = kv_format(&kv, &len);
		kv_free(&kv);
		path = spool_path(h, "jobs", v[i]->j.id, NULL);
		rc = spool_stage(&b, path, data, len, &cause);
		free(path);
		free(data);
	}
	if (rc == 0)
		rc = spool_commit(&b, WRITE_DURABLE, &cause);
	else
		spool_batch_free(&b);
	if (rc == -1) {
		log_warnx("jobs: %s", cause);
		free(cause);
	}
	pthread_mutex_lock(&h->mtx);
	return rc;
}

int
hub_jobs_load(struct hub *h, char **cause)
{
	char		**names, *path, *why = NULL;
	size_t		  n, i;
	struct hjob	 *hj;

	if (spool_list(h, "jobs", "", &names, &n, cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		hj = xcalloc(1, sizeof(*hj));
		path = spool_path(h, "jobs", names[i], NULL);
		if (job_load(path, &hj->j, &why) == -1) {
			log_warnx("skipping %s", why);
			free(why);
			why = NULL;
			free(hj);
			free(path);
			continue;
		}
		free(path);
		if (hj->j.state == JOB_SUBMITTING)
			hj->verify = 1;
		hub_job_add(h, hj);
	}
	spool_names_free(names, n);
	return 0;
}

void
hub_jobs_free(struct hub *h)
{
	size_t	i;

	for (i = 0; i < h->njobs; i++) {
		job_free(&h->jobs[i]->j);
		free(h->jobs[i]);
	}
	free(h->jobs);
	free(h->jobhash);
	h->jobs = h->jobhash = NULL;
	h->njobs = h->nbuckets = 0;
}

/*
 * An ended job's record from the spool, live or retired, for a
 * broadcast a late copy reopens; NULL when there is none.
 * No mutex needed; the caller frees the result (job_free, free).
 */
struct hjob *
hub_job_read(struct hub *h, const char *id)
{
	static const char *subs[] = { "jobs", DONE_JOBS };
	struct hjob	*hj = xcalloc(1, sizeof(*hj));
	char		*path, *cause = NULL;
	size_t		 i;

	for (i = 0; i < nitems(subs); i++) {
		if (!spool_exists(h, subs[i], id, NULL))
			continue;
		path = spool_path(h, subs[i], id, NULL);
		if (job_load(path, &hj->j, &cause) == 0) {
			free(path);
			return hj;
		}
		log_warnx("%s", cause);
		free(cause);
		cause = NULL;
		free(path);
	}
	free(hj);
	return NULL;
}

/*
 * hub_job_read() for each id of a comma-separated list (ids without a
 * record are left out); no mutex.  The array and the jobs are the
 * caller's.
 */
struct hjob **
hub_jobs_read(struct hub *h, const char *list, size_t *n)
{
	struct hjob	**out = NULL, *hj;
	char		 *copy, *p, *tok, *save = NULL;

	*n = 0;
	copy = xstrdup(list != NULL ? list : "");
	for (p = copy; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if ((hj = hub_job_read(h, tok)) == NULL)
			continue;
		out = xreallocarray(out, *n + 1, sizeof(*out));
		out[(*n)++] = hj;
	}
	free(copy);
	return out;
}

/* 1 when a job of this id was ever made (live or retired); no mutex. */
int
hub_job_known(struct hub *h, const char *id)
{
	return spool_exists(h, "jobs", id, NULL) ||
	    spool_exists(h, DONE_JOBS, id, NULL);
}

/* Moves one job record from jobs/ to done/jobs/ (already there: done). */
static int
job_retire(struct hub *h, const char *id, char **cause)
{
	char	*from, *to;
	int	 rc = 0;

	from = spool_path(h, "jobs", id, NULL);
	to = spool_path(h, DONE_JOBS, id, NULL);
	if (rename(from, to) == -1 && errno != ENOENT) {
		xasprintf(cause, "rename %s: %s", from, strerror(errno));
		rc = -1;
	}
	free(from);
	free(to);
	return rc;
}

/*
 * The broadcast's mail has been moved to its last folder, so nothing in
 * it is live: its jobs leave memory, then their records and last the
 * broadcast's move to done/ (each rename made durable before the next
 * step, so that a crash anywhere leaves the broadcast in bcast/ and the
 * next pass finishes the move).  Call without mtx; the renames are done
 * without it.  A job still live (a late copy reopened the broadcast
 * meanwhile) stops the retirement: -1 with nothing moved.
 */
int
hub_bcast_retire(struct hub *h, const struct bcast *b, char **cause)
{
	char		**ids = NULL, *list, *p, *tok, *save = NULL, *from, *to;
	char		 *dir;
	size_t		  n = 0, i;
	struct hjob	 *hj;
	int		  rc = 0;

	list = xstrdup(b->jobs != NULL ? b->jobs : "");
	for (p = list; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		ids = xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = tok;
	}
	pthread_mutex_lock(&h->mtx);
	for (i = 0; i < n; i++)
		if ((hj = hub_job_find(h, ids[i])) != NULL && (hj->busy ||
		    !job_state_ended(hj->j.state))) {
			xasprintf(cause, "broadcast %s: job %s is live",
			    b->id, ids[i]);
			rc = -1;
			break;
		}
	for (i = 0; rc == 0 && i < n; i++)
		if ((hj = hub_job_find(h, ids[i])) != NULL)
			hub_job_drop(h, hj);
	pthread_mutex_unlock(&h->mtx);

	/* Noted first: a crash after the moves must not lose the note. */
	if (rc == 0)
		rc = spool_due_note(h, DUE_RECORDS, "bcast", b->id, (long long)time(NULL),
		    cause);
	for (i = 0; rc == 0 && i < n; i++)
		rc = job_retire(h, ids[i], cause);
	free(ids);
	free(list);
	if (rc == -1)
		return -1;
	dir = xprintf("%s/%s", h->cfg.spool_dir, DONE_JOBS);
	rc = fsync_dir(dir, cause);
	free(dir);
	if (rc == -1)
		return -1;
	from = spool_path(h, "bcast", b->id, NULL);
	to = spool_path(h, DONE_BCAST, b->id, NULL);
	if (rename(from, to) == -1) {
		xasprintf(cause, "rename %s: %s", from, strerror(errno));
		rc = -1;
	}
	free(from);
	free(to);
	if (rc == 0) {
		dir = xprintf("%s/bcast", h->cfg.spool_dir);
		rc = fsync_dir(dir, cause);
		free(dir);
	}
	return rc;
}

/* Where id is in the busy broadcasts, or nbbusy; mtx held. */
static size_t
bcast_busy(const struct hub *h, const char *id)
{
	size_t	i;

	for (i = 0; i < h->nbbusy; i++)
		if (strcmp(h->bbusy[i], id) == 0)
			break;
	return i;
}

void
hub_bcast_lock(struct hub *h, const char *id)
{
	pthread_mutex_lock(&h->mtx);
	while (bcast_busy(h, id) < h->nbbusy)
		pthread_cond_wait(&h->cond, &h->mtx);
	h->bbusy = xreallocarray(h->bbusy, h->nbbusy + 1, sizeof(*h->bbusy));
	h->bbusy[h->nbbusy++] = xstrdup(id);
	pthread_mutex_unlock(&h->mtx);
}

void
hub_bcast_unlock(struct hub *h, const char *id)
{
	size_t	i;

	pthread_mutex_lock(&h->mtx);
	if ((i = bcast_busy(h, id)) < h->nbbusy) {
		free(h->bbusy[i]);
		h->bbusy[i] = h->bbusy[--h->nbbusy];
	}
	if (h->nbbusy == 0) {
		free(h->bbusy);
		h->bbusy = NULL;
	}
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->mtx);
}

void
hub_wake_all(struct hub *h)
{
	size_t	i;

	for (i = 0; i < h->nsrvs; i++)
		h->srvs[i]->wake = 1;
	h->outbox_wake = 1;
	pthread_cond_broadcast(&h->cond);
}

int
hub_sleep(struct hub *h, int seconds)
{
	struct timespec	ts;

	if (h->stop)
		return 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_cond_timedwait(&h->cond, &h->mtx, &ts);
	return h->stop;
}

