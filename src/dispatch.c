/*
 * dispatch.c: choosing a fax server for each job, and the end of a job
 * (patent claims 1-2, Figure 3).
 *
 * The main thread runs dispatch_schedule(): each queued job gets a server
 * (sched.c) and an idempotency tag, saved durably as SUBMITTING before
 * anything is sent.  Each fax server has its own thread (fax-server.c),
 * started here by dispatch_sync_servers() for every server of the table
 * whose driver is compiled in (fax.h); it submits the job and follows it,
 * and calls dispatch_finish() when the job has ended.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "fax.h"
#include "hub.h"
#include "hub-mail.h"
#include "log.h"
#include "sched.h"
#include "util.h"
#include "xmalloc.h"

static void	finish(struct hub *, struct hjob *, int);

static int
job_ended(const struct hjob *hj)
{
	return hj->j.state == JOB_DONE || hj->j.state == JOB_FAILED;
}

int
dispatch_inflight(const struct hub *h, const char *name)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < h->njobs; i++)
		if ((h->jobs[i]->j.state == JOB_SUBMITTING ||
		    h->jobs[i]->j.state == JOB_SUBMITTED) &&
		    h->jobs[i]->j.server != NULL &&
		    strcmp(h->jobs[i]->j.server, name) == 0)
			n++;
	return n;
}

static struct hsrv *
srv_find(struct hub *h, const char *name)
{
	size_t	i;

	for (i = 0; i < h->nsrvs; i++)
		if (strcmp(h->srvs[i]->name, name) == 0)
			return h->srvs[i];
	return NULL;
}

/* ---- reports --------------------------------------------------------- */

/*
 * The jobs of a broadcast, from memory (a broadcast a late copy reopened
 * brought its ended jobs back with it, intake-jobs.c); no disk I/O.
 */
static void
bcast_jobs(struct hub *h, const struct bcast *b, struct hjob ***out,
    size_t *n)
{
	char		*list, *p, *tok, *save = NULL;
	struct hjob	*hj;

	*out = NULL;
	*n = 0;
	if (b->jobs == NULL)
		return;
	list = xstrdup(b->jobs);
	for (p = list; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if ((hj = hub_job_find(h, tok)) == NULL)
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = hj;
	}
	free(list);
}

static void
queue_report(struct hub *h, const struct bcast *b, struct hjob **jobs,
    size_t n, const char *id)
{
	char		*msg;
	size_t		 len, i;
	int		 ok = 0, failed = 0;
	const char	*to = b->reply_to;

	for (i = 0; i < n; i++) {
		if (jobs[i]->j.state == JOB_DONE)
			ok++;
		else
			failed++;
	}
	if ((ok && !failed && !(b->notify & NOTIFY_SUCCESS)) ||
	    (failed && !(b->notify & NOTIFY_FAILURE))) {
		log_info("report %s not wanted by %s", id, b->user);
		return;
	}
	if (to == NULL || outbox_known(h, id))
		return;
	msg = hubmail_report(h, b, jobs, n, &len);
	outbox_put(h, id, h->cfg.smtp.sender, &to, 1, msg, len, NULL, 0);
	free(msg);
}

/* Call with mtx held, after hj reached DONE or FAILED and was saved. */
void
dispatch_finish(struct hub *h, struct hjob *hj)
{
	finish(h, hj, 0);
}

/*
 * The end of a job: its log record, its reports, the broadcast's end.
 * Each step is idempotent, so that a restart may take an ended job up
 * again (again = 1: said at debug level, not as a second end).
 */
static void
finish(struct hub *h, struct hjob *hj, int again)
{
	struct bcast	  b;
	struct hjob	**jobs;
	size_t		  n, i;
	char		 *path, *cause = NULL, *id;
	int		  all = 1, anyok = 0;

	hub_log_job(h, hj, hj->j.state == JOB_DONE ? "done" : "failed");
	if (again)
		log_debug("job %s: its end taken up again after a restart",
		    hj->j.id);
	else
		log_info("job %s to %s: %s%s%s", hj->j.id, hj->j.e164,
		    hj->j.state == JOB_DONE ? "sent" : "failed",
		    hj->j.reason ? ": " : "", hj->j.reason ? hj->j.reason : "");
	path = spool_path(h, "bcast", hj->j.broadcast, NULL);
	if (bcast_load(path, &b, &cause) == -1) {
		log_warnx("job %s: %s", hj->j.id, cause);
		free(cause);
		free(path);
		return;
	}
	if (b.report == 1) {
		id = xprintf("%s-report", hj->j.id);
		queue_report(h, &b, &hj, 1, id);
		free(id);
	}
	bcast_jobs(h, &b, &jobs, &n);
	for (i = 0; i < n; i++) {
		if (!job_ended(jobs[i]))
			all = 0;
		else if (jobs[i]->j.state == JOB_DONE)
			anyok = 1;
	}
	if (all && !b.reported) {
		if (b.report == 0) {
			id = xprintf("%s-report", b.id);
			queue_report(h, &b, jobs, n, id);
			free(id);
		}
		b.reported = anyok ? 1 : 2;
		if (bcast_save(&b, path, WRITE_DURABLE, &cause) == -1) {
			log_warnx("broadcast %s: %s", b.id, cause);
			free(cause);
		}
		h->intake_wake = 1;
	}
	free(jobs);
	bcast_free(&b);
	free(path);
}

static int
bcast_reported(struct hub *h, const char *id)
{
	struct bcast	 b;
	char		*path, *cause = NULL;
	int		 r = 1;

	path = spool_path(h, "bcast", id, NULL);
	if (bcast_load(path, &b, &cause) == 0) {
		r = b.reported != 0;
		bcast_free(&b);
	} else
		free(cause);
	free(path);
	return r;
}

/* Reports owed after a crash between a job's end and its report. */
void
dispatch_reports(struct hub *h)
{
	size_t	i;

	for (i = 0; i < h->njobs; i++)
		if (job_ended(h->jobs[i]) && !bcast_reported(h,
		    h->jobs[i]->j.broadcast))
			finish(h, h->jobs[i], 1);
}

/* ---- scheduling (main thread, mtx held) ------------------------------ */

/* The record is saved without mtx (hub_job_commit), hj busy meanwhile. */
static void
job_fail(struct hub *h, struct hjob *hj, const char *reason)
{
	hj->busy = 1;
	hj->j.state = JOB_FAILED;
	job_setstr(&hj->j.reason, reason);
	hj->j.ended = (long long)time(NULL);
	if (hub_job_commit(h, hj) == 0)
		dispatch_finish(h, hj);
	hj->busy = 0;
}

/*
 * When the user's assigned server could not take the job: why, logged
 * and returned for the job's report (allocated), else NULL.
 */
static char *
assigned_fallback(const struct hjob *hj, const struct sched_server *snap,
    size_t n, const char *assigned, int idx)
{
	const char	*why = "not a fax server in use";
	size_t		 k;

	if (assigned == NULL || *assigned == '\0' ||
	    strcmp(snap[idx].name, assigned) == 0)
		return NULL;
	for (k = 0; k < n; k++)
		if (strcmp(snap[k].name, assigned) == 0 &&
		    (why = sched_why_not(&snap[k], hj->j.avoid)) == NULL)
			why = "not usable";
	log_info("job %s: %s's assigned server %s is %s: server %s chosen "
	    "by priority", hj->j.id, hj->j.user, assigned, why,
	    snap[idx].name);
	return xprintf("your assigned server %s was %s", assigned, why);
}

void
dispatch_schedule(struct hub *h)
{
	struct sched_server	*snap;
	struct hjob		*hj;
	size_t			 i, k, n = h->nsrvs;
	long long		 now = (long long)time(NULL);
	int			 idx, anyup = 0;
	const char		*assigned;
	char			*choice;

	/* n, not h->nsrvs: servers may be added while a save unlocks. */
	snap = xcalloc(n + 1, sizeof(*snap));
	for (i = 0; i < n; i++) {
		struct hsrv *s = h->srvs[i];
		snap[i].name = s->name;
		snap[i].priority = s->rec.priority;
		snap[i].enabled = s->present && s->rec.enabled;
		snap[i].up = s->up;
		snap[i].lines = s->rec.lines;
		snap[i].inflight = dispatch_inflight(h, s->name);
		snap[i].send_free = s->send_free;
		if (snap[i].enabled && s->up)
			anyup = 1;
	}
	for (i = 0; i < h->njobs; i++) {
		hj = h->jobs[i];
		if (hj->busy || hj->j.state != JOB_QUEUED ||
		    hj->j.not_before > now)
			continue;
		if (h->cfg.dispatch.job_lifetime > 0 &&
		    now - hj->j.created > h->cfg.dispatch.job_lifetime) {
			job_fail(h, hj, "the fax could not be sent in time "
			    "(every try failed or no fax server was free)");
			continue;
		}
		assigned = hub_assigned(h, hj->j.user);
		idx = sched_choose(snap, n, assigned, hj->j.avoid, &h->rr);
		if (idx < 0) {
			/*
			 * Busy or down servers mean waiting; only when every
			 * server that is up has refused this job does it fail.
			 */
			int other = 0;
			for (k = 0; k < n; k++)
				if (snap[k].enabled && snap[k].up &&
				    !str_listed(hj->j.avoid, snap[k].name))
					other = 1;
			if (anyup && !other && hj->j.avoid != NULL)
				job_fail(h, hj, hj->j.reason ? hj->j.reason :
				    "every fax server refused the job");
			continue;
		}
		choice = assigned_fallback(hj, snap, n, assigned, idx);
		job_setstr(&hj->j.choice, choice);
		free(choice);
		hj->j.state = JOB_SUBMITTING;
		job_setstr(&hj->j.server, snap[idx].name);
		hj->j.attempts++;
		{
			char *tag = xprintf("faxhub:%s:%s:%lld",
			    h->cfg.instance, hj->j.id, hj->j.attempts);
			job_setstr(&hj->j.tag, tag);
			free(tag);
		}
		job_setstr(&hj->j.remote_id, NULL);
		hj->j.started = now;
		hj->j.ended = 0;
		hj->verify = 0;
		/*
		 * SUBMITTING counts against the server's lines at once, but
		 * its thread submits only once the record is durable (busy).
		 */
		snap[idx].inflight++;
		hj->busy = 1;
		if (hub_job_commit(h, hj) == -1) {
			hj->busy = 0;
			hj->j.state = JOB_QUEUED;
			snap[idx].inflight--;
			continue;
		}
		hj->busy = 0;
		hub_log_job(h, hj, "sending");
		log_info("job %s to %s: server %s chosen (try %lld)",
		    hj->j.id, hj->j.e164, snap[idx].name, hj->j.attempts);
		h->srvs[idx]->wake = 1;
		pthread_cond_broadcast(&h->cond);
	}
	free(snap);
}

/* ---- servers table -> threads (main thread, mtx held) ---------------- */

/* 1 when the two records say the same; the thread needs no new copy. */
static int
rec_same(const struct server *a, const struct server *b)
{
	const char	*as[] = { a->name, a->driver, a->host, a->account,
			    a->password_file, a->admin_password_file,
			    a->send_modems };
	const char	*bs[] = { b->name, b->driver, b->host, b->account,
			    b->password_file, b->admin_password_file,
			    b->send_modems };
	size_t		 i;

	for (i = 0; i < nitems(as); i++)
		if ((as[i] == NULL) != (bs[i] == NULL) ||
		    (as[i] != NULL && strcmp(as[i], bs[i]) != 0))
			return 0;
	return a->priority == b->priority && a->port == b->port &&
	    a->lines == b->lines && a->fine == b->fine && a->g4 == b->g4 &&
	    a->enabled == b->enabled;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
rec_copy(struct server *dst, const struct server *src)
{
	server_init(dst);
	dst->name = xstrdup(src->name);
	dst->priority = src->priority;
	dst->driver = xstrdup(src->driver != NULL ? src->driver :
	    fax_driver_find(NULL)->name);
	dst->host = xstrdup(src->host);
	dst->port = src->port;
	dst->account = dup_or_null(src->account);
	dst->password_file = dup_or_null(src->password_file);
	dst->admin_password_file = dup_or_null(src->admin_password_file);
	dst->send_modems = dup_or_null(src->send_modems);
	dst->lines = src->lines;
	dst->fine = src->fine;
	dst->g4 = src->g4;
	dst->enabled = src->enabled;
}

/*
 * Called after every table reload.  A record is re-copied only when it
 * changed, under mtx (server threads read rec only with mtx held); the
 * name a thread reads unlocked (hsrv.name) is set before it starts and
 * never changes.
 */
void
dispatch_sync_servers(struct hub *h)
{
	struct hsrv	*s;
	size_t		 i;

	for (i = 0; i < h->nsrvs; i++)
		h->srvs[i]->present = 0;
	for (i = 0; i < h->t.nservers; i++) {
		const struct server *rec = &h->t.servers[i];

		if (fax_driver_find(rec->driver) == NULL ||
		    strlen(rec->name) >= sizeof(s->name))
			continue;
		if ((s = srv_find(h, rec->name)) == NULL) {
			s = xcalloc(1, sizeof(*s));
			s->hub = h;
			strlcpy(s->name, rec->name, sizeof(s->name));
			s->send_free = -1;
			rec_copy(&s->rec, rec);
			h->srvs = xreallocarray(h->srvs, h->nsrvs + 1,
			    sizeof(*h->srvs));
			h->srvs[h->nsrvs++] = s;
		} else if (!rec_same(&s->rec, rec)) {
			server_free(&s->rec);
			rec_copy(&s->rec, rec);
		}
		s->present = 1;
		if (!s->started || s->done) {
			/*
			 * A thread that set done touches nothing shared any
			 * more: detached, not joined, so that the mutex is
			 * never held waiting for a thread.
			 */
			if (s->started)
				pthread_detach(s->thread);
			s->done = 0;
			if (pthread_create(&s->thread, NULL, server_main, s)
			    != 0)
				fatal("pthread_create");
			s->started = 1;
		}
		s->wake = 1;
	}
	pthread_cond_broadcast(&h->cond);
}
