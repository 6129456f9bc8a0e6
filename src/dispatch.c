/*
 * dispatch.c: choosing a fax server for each job, and the end of a job
 * (patent claims 1-2, Figure 3).
 *
 * The scheduler thread (dispatch_sched_main) gives each queued job a
 * server (sched.c) and an idempotency tag, saved durably as SUBMITTING
 * before anything is sent; dispatch_schedule() asks it for a pass.  Each
 * fax server has its own thread (fax-server.c), started here by
 * dispatch_sync_servers() for every server of the table
 * whose driver is compiled in (fax.h); it submits the job and follows it,
 * and calls dispatch_end() when the job has ended.  That saves the end
 * and queues it: the ender thread here writes its log record, its
 * reports and the broadcast's end without the hub mutex.
 */
#include "config.h"

#include <errno.h>
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

#define ENDER_RETRY	5	/* seconds before a failed end is tried again */

static int
job_ended(const struct hjob *hj)
{
	return job_state_ended(hj->j.state);
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

/* ---- the end of a job (the ender thread, without mtx) -------------- */

/*
 * Copies of the jobs of a broadcast, from memory (a broadcast a late copy
 * reopened brought its ended jobs back with it, intake-jobs.c); with mtx
 * held, no disk I/O.  The caller frees them (jobs_free).
 */
static void
bcast_jobs(struct hub *h, const struct bcast *b, struct job **out,
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
		job_copy(&(*out)[(*n)++], &hj->j);
	}
	free(list);
}

static void
jobs_free(struct job *jobs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		job_free(&jobs[i]);
	free(jobs);
}

/*
 * Queues report id in the outbox unless it is not wanted, has no address
 * or was queued or sent before: 0, or -1 when the outbox or its index
 * could not be read or written (the end is then tried again).
 */
static int
queue_report(struct hub *h, const struct bcast *b, const struct job *jobs,
    size_t n, const char *id)
{
	char		 *msg;
	size_t		  len, i;
	int		  ok = 0, failed = 0, rc;
	const char	 *to = b->reply_to;

	for (i = 0; i < n; i++) {
		if (jobs[i].state == JOB_DONE)
			ok++;
		else
			failed++;
	}
	if ((ok && !failed && !(b->notify & NOTIFY_SUCCESS)) ||
	    (failed && !(b->notify & NOTIFY_FAILURE))) {
		log_info("report %s not wanted by %s", id, b->user);
		return 0;
	}
	if (to == NULL)
		return 0;
	if ((rc = outbox_known(h, id)) != 0)
		return rc == 1 ? 0 : -1;
	msg = hubmail_report(h, b, jobs, n, &len);
	rc = outbox_put(h, id, h->cfg.smtp.sender, &to, 1, msg, len, NULL, 0);
	free(msg);
	return rc == -1 ? -1 : 0;
}

static void
queue_end(struct hub *h, const char *id, int again)
{
	h->ends = xreallocarray(h->ends, h->nends + 1, sizeof(*h->ends));
	h->ends[h->nends].id = xstrdup(id);
	h->ends[h->nends++].again = again;
	pthread_cond_broadcast(&h->cond);
}

/*
 * hj (busy, mtx held) has ended in state, DONE or FAILED (its reason set
 * by the caller): its record is saved without mtx (hub_job_commit), then
 * its end queued for the ender.  An end is acted upon only once durable;
 * a record that cannot be saved leaves hj in its old state and end time,
 * so that whoever looks at it next (its server's tracking, the next
 * scheduling pass) ends it again, instead of an end in memory that no
 * thread would report until a restart.  0, or -1 when not saved.
 */
int
dispatch_end(struct hub *h, struct hjob *hj, enum job_state state)
{
	enum job_state	 was = hj->j.state;
	long long	 ended = hj->j.ended;
	int		 rc;

	hj->j.state = state;
	hj->j.ended = (long long)time(NULL);
	if (fail_point("job-end-save")) {
		log_warnx("job %s: fail point job-end-save: %s", hj->j.id,
		    strerror(errno));
		rc = -1;
	} else
		rc = hub_job_commit(h, hj);
	if (rc == -1) {
		hj->j.state = was;
		hj->j.ended = ended;
		log_warnx("job %s: its end (%s) is not saved: taken up again "
		    "at the next look", hj->j.id, job_state_name(state));
		return -1;
	}
	queue_end(h, hj->j.id, 0);
	return 0;
}

/*
 * The end of one job: its log record, its reports, the broadcast's end;
 * called without mtx.  Each step is idempotent, so that a restart may
 * take an ended job up again (again = 1: said at debug level, not as a
 * second end; nothing is done when its broadcast was reported).
 *
 * The ender is the only thread that ends broadcasts, one job at a time,
 * holding the broadcast's lock (hub_bcast_lock) from reading its record
 * to writing it, so that two jobs of a broadcast ending together cannot
 * both miss or both send its report, and a late copy of its mail
 * (intake_jobs(), under the same lock) either comes before the end or
 * reopens the ended broadcast.
 * The jobs are read as copies taken under mtx: a job in memory may be
 * rewritten by its server thread, or retired, once mtx is released.
 * -1 when the broadcast could not be read, a report not queued or the
 * broadcast's end not saved: the end is tried again later (the broadcast
 * is not marked reported), as one taken up again once *said is set (its
 * end was logged, so the next try does not log it a second time).
 */
static int
end_one(struct hub *h, const char *id, int again, int *said)
{
	struct bcast	 b;
	struct job	 j, *jobs = NULL;
	struct hjob	 hj;
	size_t		 n = 0, i;
	char		*path, *cause = NULL, *rid;
	struct hjob	*live;
	int		 all = 1, anyok = 0, rc = 0;

	pthread_mutex_lock(&h->mtx);
	memset(&hj, 0, sizeof(hj));
	if ((live = hub_job_find(h, id)) != NULL)
		job_copy(&j, &live->j);
	pthread_mutex_unlock(&h->mtx);
	if (live == NULL || !job_state_ended(j.state)) {
		if (live != NULL)
			job_free(&j);
		return 0;
	}
	hub_bcast_lock(h, j.broadcast);
	path = spool_path(h, "bcast", j.broadcast, NULL);
	if (bcast_load(path, &b, &cause) == -1) {
		log_warnx("job %s: %s", j.id, cause);
		free(cause);
		rc = -1;	/* tried again, not dropped */
		goto out;
	}
	if (again && b.reported)
		goto done;
	hj.j = j;
	hub_log_job(h, &hj, j.state == JOB_DONE ? "done" : "failed");
	if (again)
		log_debug("job %s: its end taken up again", j.id);
	else
		log_info("job %s to %s: %s%s%s", j.id, j.e164,
		    j.state == JOB_DONE ? "sent" : "failed",
		    j.reason ? ": " : "", j.reason ? j.reason : "");
	*said = 1;
	if (b.report == 1) {
		rid = xprintf("%s-report", j.id);
		rc = queue_report(h, &b, &j, 1, rid);
		free(rid);
		if (rc == -1)
			goto done;
	}
	pthread_mutex_lock(&h->mtx);
	bcast_jobs(h, &b, &jobs, &n);
	pthread_mutex_unlock(&h->mtx);
	for (i = 0; i < n; i++) {
		if (!job_state_ended(jobs[i].state))
			all = 0;
		else if (jobs[i].state == JOB_DONE)
			anyok = 1;
	}
	if (all && !b.reported) {
		if (b.report == 0) {
			rid = xprintf("%s-report", b.id);
			rc = queue_report(h, &b, jobs, n, rid);
			free(rid);
			if (rc == -1)
				goto ended;
		}
		b.reported = anyok ? 1 : 2;
		stall_point("ender-before-bcast-save");
		if (bcast_save(&b, path, WRITE_DURABLE, &cause) == -1) {
			log_warnx("broadcast %s: %s", b.id, cause);
			free(cause);
			rc = -1;
			goto ended;
		}
		pthread_mutex_lock(&h->mtx);
		h->intake_wake = 1;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->mtx);
	}
ended:
	jobs_free(jobs, n);
done:
	bcast_free(&b);
out:
	hub_bcast_unlock(h, j.broadcast);
	job_free(&j);
	free(path);
	if (rc == -1)
		log_warnx("job %s: its end is tried again in %d s", id,
		    ENDER_RETRY);
	return rc;
}

/*
 * The ender thread: the queued ends, one by one, until faxhubd stops
 * (ends queued after that, or failing then, are owed at the next start:
 * dispatch_reports).  An end that failed is queued again and the queue
 * waits ENDER_RETRY seconds.
 */
void *
dispatch_ender_main(void *arg)
{
	struct hub	*h = arg;
	struct hend	*ends;
	struct timespec	 until = { 0, 0 };
	size_t		 n, i;
	int		 failed, said;

	pthread_mutex_lock(&h->mtx);
	for (;;) {
		while (!h->stop && (h->nends == 0 || until.tv_sec != 0)) {
			if (until.tv_sec == 0)
				pthread_cond_wait(&h->cond, &h->mtx);
			else if (pthread_cond_timedwait(&h->cond, &h->mtx,
			    &until) == ETIMEDOUT)
				until.tv_sec = 0;
		}
		if (h->nends == 0 || until.tv_sec != 0)
			break;
		ends = h->ends;
		n = h->nends;
		h->ends = NULL;
		h->nends = 0;
		h->ending = n;
		pthread_mutex_unlock(&h->mtx);
		failed = 0;
		for (i = 0; i < n; i++) {
			said = 0;
			if (end_one(h, ends[i].id, ends[i].again, &said) ==
			    -1) {
				ends[failed].id = ends[i].id;
				ends[failed++].again = ends[i].again || said;
			} else
				free(ends[i].id);
		}
		pthread_mutex_lock(&h->mtx);
		h->ending = 0;
		for (i = 0; i < (size_t)failed; i++) {
			queue_end(h, ends[i].id, ends[i].again);
			free(ends[i].id);
		}
		free(ends);
		if (failed > 0) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += ENDER_RETRY;
		}
	}
	pthread_mutex_unlock(&h->mtx);
	return NULL;
}

void
dispatch_ends_free(struct hub *h)
{
	size_t	i;

	for (i = 0; i < h->nends; i++)
		free(h->ends[i].id);
	free(h->ends);
	h->ends = NULL;
	h->nends = 0;
}

/*
 * Reports owed after a crash between a job's end and its report: every
 * ended job in memory is taken up again (end_one() skips those whose
 * broadcast was reported).  mtx held; no disk I/O.
 */
void
dispatch_reports(struct hub *h)
{
	size_t	i;

	for (i = 0; i < h->njobs; i++)
		if (job_ended(h->jobs[i]))
			queue_end(h, h->jobs[i]->j.id, 1);
}

/* ---- scheduling (the scheduler thread, mtx held) ---------------------- */

/* The record is saved without mtx (hub_job_commit), hj busy meanwhile. */
static void
job_fail(struct hub *h, struct hjob *hj, const char *reason)
{
	hj->busy = 1;
	job_setstr(&hj->j.reason, reason);
	(void)dispatch_end(h, hj, JOB_FAILED);
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

/*
 * One pass: every queued job that is due gets a server and a new tag, in
 * memory, busy; then their SUBMITTING records are made durable together
 * without the mutex (one fsync per record, in parallel, and one of jobs/:
 * hub_jobs_commit()); only then may their servers' threads submit them.
 * A new job without a record (the intake leaves its first one to this
 * pass) that gets no server is written with them, QUEUED.  Jobs queued
 * meanwhile wait for the next pass, which the scheduler thread runs at
 * once: in a burst each pass takes what the last one's fsyncs left
 * waiting.
 */
/* A job for the pass's commit (busy until it is done), to srv or NULL. */
static void
pick_add(struct hjob ***pick, struct hsrv ***to, size_t *n, struct hjob *hj,
    struct hsrv *srv)
{
	hj->busy = 1;
	*pick = xreallocarray(*pick, *n + 1, sizeof(**pick));
	*to = xreallocarray(*to, *n + 1, sizeof(**to));
	(*pick)[*n] = hj;
	(*to)[(*n)++] = srv;
}

static void
schedule_pass(struct hub *h)
{
	struct sched_server	*snap;
	struct hjob		*hj, **pick = NULL;
	struct hsrv		**to = NULL;	/* NULL: only written */
	size_t			 i, k, npick = 0, n = h->nsrvs;
	long long		 now = (long long)time(NULL);
	int			 idx, anyup = 0, saved;
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
			else if (hj->unsaved)
				pick_add(&pick, &to, &npick, hj, NULL);
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
		/* h->srvs[idx]: never freed meanwhile. */
		pick_add(&pick, &to, &npick, hj, h->srvs[idx]);
	}
	free(snap);
	if (npick == 0)
		return;
	saved = hub_jobs_commit(h, pick, npick) == 0;
	for (i = 0; i < npick; i++) {
		hj = pick[i];
		hj->busy = 0;
		if (!saved) {
			/* Queued again: the next pass gives a new tag. */
			hj->j.state = JOB_QUEUED;
			continue;
		}
		hj->unsaved = 0;
		if (to[i] == NULL)
			continue;
		hub_log_job(h, hj, "sending");
		log_info("job %s to %s: server %s chosen (try %lld)",
		    hj->j.id, hj->j.e164, to[i]->name, hj->j.attempts);
		to[i]->wake = 1;
		to[i]->submit = 1;
	}
	pthread_cond_broadcast(&h->cond);
	free(pick);
	free(to);
}

/*
 * mtx held: a scheduling pass is owed (a job was queued, a line or a
 * server freed, a retry became due).  The scheduler thread runs it; the
 * caller goes on at once and never waits for the records' fsyncs.
 */
void
dispatch_schedule(struct hub *h)
{
	h->sched_want = 1;
	pthread_cond_signal(&h->sched_cond);
}

/*
 * The scheduler thread (arg: the hub): the one place jobs get a server.
 * Passes run one after the other, so a job is never chosen by two.
 */
void *
dispatch_sched_main(void *arg)
{
	struct hub	*h = arg;

	pthread_mutex_lock(&h->mtx);
	while (!h->stop) {
		if (!h->sched_want) {
			pthread_cond_wait(&h->sched_cond, &h->mtx);
			continue;
		}
		h->sched_want = 0;
		schedule_pass(h);
	}
	pthread_mutex_unlock(&h->mtx);
	return NULL;
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
