/*
 * hub.c: the supervisor's shared state: the job list and the hub's wake
 * and sleep.  Everything here is called with h->mtx held.
 *
 * Ownership: struct hjob objects are the hub's from hub_job_add() until
 * faxhubd exits; they are never freed while it runs, so a pointer from
 * hub_job_find() or h->jobs[] stays valid for the process's life, but its
 * fields may be read or changed only with h->mtx held (or by the one
 * thread that set hj->busy, until it clears it).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "hub.h"
#include "log.h"
#include "xmalloc.h"

/* ---- jobs ------------------------------------------------------------ */

/* h->mtx held; the result is the hub's (see above), NULL when unknown. */
struct hjob *
hub_job_find(struct hub *h, const char *id)
{
	size_t	i;

	for (i = 0; i < h->njobs; i++)
		if (strcmp(h->jobs[i]->j.id, id) == 0)
			return h->jobs[i];
	return NULL;
}

/* h->mtx held; hj becomes the hub's. */
void
hub_job_add(struct hub *h, struct hjob *hj)
{
	h->jobs = xreallocarray(h->jobs, h->njobs + 1, sizeof(*h->jobs));
	h->jobs[h->njobs++] = hj;
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
	}
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

