/*
 * dispatch.c: choosing a fax server for each job and following it to its
 * end (patent claims 1-2, Figure 3).
 *
 * The main thread runs dispatch_schedule(): each queued job gets a server
 * (sched.c) and an idempotency tag, saved durably as SUBMITTING before
 * anything is sent.  Each fax server has its own thread (server_main):
 * it keeps the session logged in, submits the jobs given to it, polls
 * their state, watches the modems, and collects received faxes
 * (inbound.c).  A job whose submission may or may not have reached the
 * server (crash, lost session) is looked up by its tag on that server
 * before anything else happens to it: a fax is never sent twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "fax-hylafax.h"
#include "hub.h"
#include "hub-mail.h"
#include "log.h"
#include "sched.h"
#include "util.h"
#include "xmalloc.h"

static int
job_ended(const struct hjob *hj)
{
	return hj->j.state == JOB_DONE || hj->j.state == JOB_FAILED;
}

static int
srv_inflight(const struct hub *h, const char *name)
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
		if (strcmp(h->srvs[i]->rec.name, name) == 0)
			return h->srvs[i];
	return NULL;
}

/* ---- reports --------------------------------------------------------- */

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
	struct bcast	  b;
	struct hjob	**jobs;
	size_t		  n, i;
	char		 *path, *cause = NULL, *id;
	int		  all = 1, anyok = 0;

	hub_log_job(h, hj, hj->j.state == JOB_DONE ? "done" : "failed");
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
		if (bcast_save(&b, path, &cause) == -1) {
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
			dispatch_finish(h, h->jobs[i]);
}

/* ---- scheduling (main thread, mtx held) ------------------------------ */

static void
job_fail(struct hub *h, struct hjob *hj, const char *reason)
{
	hj->j.state = JOB_FAILED;
	job_setstr(&hj->j.reason, reason);
	hj->j.ended = (long long)time(NULL);
	if (hub_job_save(h, hj) == 0)
		dispatch_finish(h, hj);
}

void
dispatch_schedule(struct hub *h)
{
	struct sched_server	*snap;
	struct hjob		*hj;
	size_t			 i, k;
	long long		 now = (long long)time(NULL);
	int			 idx, anyup = 0;

	snap = xcalloc(h->nsrvs + 1, sizeof(*snap));
	for (i = 0; i < h->nsrvs; i++) {
		struct hsrv *s = h->srvs[i];
		snap[i].name = s->rec.name;
		snap[i].priority = s->rec.priority;
		snap[i].enabled = s->present && s->rec.enabled;
		snap[i].up = s->up;
		snap[i].lines = s->rec.lines;
		snap[i].inflight = srv_inflight(h, s->rec.name);
		snap[i].modems_free = s->modems_free;
		if (snap[i].enabled && s->up)
			anyup = 1;
	}
	for (i = 0; i < h->njobs; i++) {
		hj = h->jobs[i];
		if (hj->j.state != JOB_QUEUED || hj->j.not_before > now)
			continue;
		if (h->cfg.dispatch.job_lifetime > 0 &&
		    now - hj->j.created > h->cfg.dispatch.job_lifetime) {
			job_fail(h, hj, "the fax could not be sent in time "
			    "(every try failed or no fax server was free)");
			continue;
		}
		idx = sched_choose(snap, h->nsrvs, hub_assigned(h, hj->j.user),
		    hj->j.avoid, &h->rr);
		if (idx < 0) {
			/*
			 * Busy or down servers mean waiting; only when every
			 * server that is up has refused this job does it fail.
			 */
			int other = 0;
			for (k = 0; k < h->nsrvs; k++)
				if (snap[k].enabled && snap[k].up &&
				    !sched_listed(hj->j.avoid, snap[k].name))
					other = 1;
			if (anyup && !other && hj->j.avoid != NULL)
				job_fail(h, hj, hj->j.reason ? hj->j.reason :
				    "every fax server refused the job");
			continue;
		}
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
		if (hub_job_save(h, hj) == -1) {
			hj->j.state = JOB_QUEUED;
			continue;
		}
		snap[idx].inflight++;
		hub_log_job(h, hj, "sending");
		log_info("job %s to %s: server %s chosen (try %lld)",
		    hj->j.id, hj->j.e164, snap[idx].name, hj->j.attempts);
		h->srvs[idx]->wake = 1;
		pthread_cond_broadcast(&h->cond);
	}
	free(snap);
}

/* ---- servers table -> threads (main thread, mtx held) ---------------- */

void
dispatch_sync_servers(struct hub *h)
{
	struct hsrv	*s;
	size_t		 i;

	for (i = 0; i < h->nsrvs; i++)
		h->srvs[i]->present = 0;
	for (i = 0; i < h->t.nservers; i++) {
		const struct server *rec = &h->t.servers[i];

		if (rec->driver != NULL && strcmp(rec->driver, "hylafax") != 0)
			continue;
		if ((s = srv_find(h, rec->name)) == NULL) {
			s = xcalloc(1, sizeof(*s));
			s->hub = h;
			s->modems_free = -1;
			h->srvs = xreallocarray(h->srvs, h->nsrvs + 1,
			    sizeof(*h->srvs));
			h->srvs[h->nsrvs++] = s;
		} else
			server_free(&s->rec);
		server_init(&s->rec);
		s->rec.name = xstrdup(rec->name);
		s->rec.priority = rec->priority;
		s->rec.driver = xstrdup(rec->driver ? rec->driver : "hylafax");
		s->rec.host = xstrdup(rec->host);
		s->rec.port = rec->port;
		s->rec.account = rec->account ? xstrdup(rec->account) : NULL;
		s->rec.password_file = rec->password_file ?
		    xstrdup(rec->password_file) : NULL;
		s->rec.admin_password_file = rec->admin_password_file ?
		    xstrdup(rec->admin_password_file) : NULL;
		s->rec.lines = rec->lines;
		s->rec.fine = rec->fine;
		s->rec.g4 = rec->g4;
		s->rec.enabled = rec->enabled;
		s->present = 1;
		if (!s->started || s->done) {
			if (s->started)
				pthread_join(s->thread, NULL);
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

/* ---- the server thread ----------------------------------------------- */

struct sess {
	struct hub	*h;
	struct hsrv	*s;
	struct hfx_conn	*c;
	char		*password;
	char		*admin_password;
	long long	 next_track;
	long long	 next_inbound;
	long long	 last_io;
};

static void
sess_drop(struct sess *x, const char *why)
{
	if (x->c != NULL) {
		log_warnx("server %s: session lost: %s", x->s->rec.name, why);
		hfx_close(x->c);
		x->c = NULL;
	}
}

/* Connects; call without mtx. */
static int
sess_connect(struct sess *x, struct fax_err *fe)
{
	struct hfx_params	 p;
	struct hsrv		*s = x->s;
	char			*cause = NULL, *host, *user, *pwf, *apf, *name;
	int			 port, rc;

	pthread_mutex_lock(&x->h->mtx);
	name = xstrdup(s->rec.name);
	host = xstrdup(s->rec.host);
	user = s->rec.account ? xstrdup(s->rec.account) : NULL;
	pwf = s->rec.password_file ? xstrdup(s->rec.password_file) : NULL;
	apf = s->rec.admin_password_file ?
	    xstrdup(s->rec.admin_password_file) : NULL;
	port = s->rec.port;
	pthread_mutex_unlock(&x->h->mtx);

	free(x->password);
	free(x->admin_password);
	x->password = x->admin_password = NULL;
	rc = -1;
	if (pwf != NULL && config_read_secret(pwf, &x->password, &cause) == -1)
		goto fail;
	if (apf != NULL &&
	    config_read_secret(apf, &x->admin_password, &cause) == -1)
		goto fail;
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.host = host;
	p.port = port;
	p.user = user != NULL ? user : "faxhub";
	p.password = x->password;
	p.admin_password = x->admin_password;
	p.timeout = x->h->cfg.dispatch.server_timeout;
	rc = hfx_connect(&p, &x->c, fe);
	goto out;
fail:
	fe->cls = FAXERR_AUTH;
	fe->msg = xprintf("server %s: %s", name, cause);
	free(cause);
out:
	free(name);
	free(host);
	free(user);
	free(pwf);
	free(apf);
	return rc;
}

static void
track_result(struct sess *x, struct hjob *hj, const struct hfx_job *st)
{
	struct hub	*h = x->h;
	long long	 now = (long long)time(NULL);

	job_setstr(&hj->j.status, st->status);
	hj->j.npages = st->npages;
	hj->j.ndials = st->ndials;
	if (st->remote_csid != NULL)
		job_setstr(&hj->j.csid, st->remote_csid);
	if (st->state == HFX_DONE) {
		hj->j.state = JOB_DONE;
		hj->j.ended = now;
		job_setstr(&hj->j.reason, NULL);
		if (hub_job_save(h, hj) == 0)
			dispatch_finish(h, hj);
		return;
	}
	if (st->state != HFX_FAILED)
		return;
	job_setstr(&hj->j.reason, sched_explain(st->status));
	if (sched_classify(st->status) == SCHED_RETRY_LATER &&
	    hj->j.attempts < h->cfg.dispatch.max_tries) {
		hj->j.ended = now;
		hub_log_job(h, hj, "retry");
		log_info("job %s to %s: try %lld failed (%s), next try in "
		    "%ds", hj->j.id, hj->j.e164, hj->j.attempts,
		    st->status ? st->status : "", h->cfg.dispatch.retry_delay);
		hj->j.state = JOB_QUEUED;
		hj->j.not_before = now + h->cfg.dispatch.retry_delay;
		job_setstr(&hj->j.server, NULL);
		job_setstr(&hj->j.avoid, NULL);
		hub_job_save(h, hj);
		return;
	}
	hj->j.state = JOB_FAILED;
	hj->j.ended = now;
	if (hub_job_save(h, hj) == 0)
		dispatch_finish(h, hj);
}

/* Verifies or submits one SUBMITTING job; mtx held on entry and exit. */
static void
sess_submit(struct sess *x, struct hjob *hj)
{
	struct hub		*h = x->h;
	struct hfx_job_req	 rq;
	struct hfx_job		 st;
	struct fax_err		 fe;
	char			*jobid = NULL, *doc, *dial, *owner, *tag;
	int			 verify = hj->verify, found = 0, rc;

	memset(&fe, 0, sizeof(fe));
	memset(&st, 0, sizeof(st));
	hj->busy = 1;
	doc = xstrdup(hj->j.doc);
	dial = xstrdup(hj->j.dial);
	owner = xstrdup(hj->j.user);
	tag = xstrdup(hj->j.tag);
	memset(&rq, 0, sizeof(rq));
	rq.document = doc;
	rq.dialstring = dial;
	rq.owner = owner;
	rq.tag = tag;
	rq.fine = hj->j.fine ? 1 : 0;
	rq.letter = h->cfg.page.size == PAGE_LETTER;
	rq.maxdials = h->cfg.dispatch.max_dials;
	rq.maxtries = 1;
	rq.lifetime_s = h->cfg.dispatch.job_lifetime;
	pthread_mutex_unlock(&h->mtx);

	if (verify) {
		found = hfx_find_tag(x->c, tag, &st, &fe);
		if (found == 1) {
			jobid = xstrdup(st.jobid);
			log_info("job %s: found on %s as job %s after a restart "
			    "or lost session: not sent again", hj->j.id,
			    x->s->rec.name, jobid);
		}
	}
	if (found == 0) {
		rc = hfx_submit(x->c, &rq, &jobid, &fe);
		if (rc == -1)
			found = -1;
	}

	pthread_mutex_lock(&h->mtx);
	hj->busy = 0;
	if (found == -1) {
		if (fe.cls == FAXERR_CONNECT || fe.cls == FAXERR_PROTOCOL) {
			/* Unknown whether it arrived: look before resending. */
			hj->verify = 1;
			pthread_mutex_unlock(&h->mtx);
			sess_drop(x, fe.msg ? fe.msg : "connection lost");
			pthread_mutex_lock(&h->mtx);
		} else {
			log_warnx("job %s: %s refused it: %s; trying the next "
			    "server", hj->j.id, x->s->rec.name,
			    fe.msg ? fe.msg : "");
			hj->j.state = JOB_QUEUED;
			{
				char *av = hj->j.avoid ? xprintf("%s,%s",
				    hj->j.avoid, x->s->rec.name) :
				    xstrdup(x->s->rec.name);
				job_setstr(&hj->j.avoid, av);
				free(av);
			}
			job_setstr(&hj->j.reason, fe.msg);
			job_setstr(&hj->j.server, NULL);
			hub_job_save(h, hj);
			hub_wake_all(h);
		}
	} else {
		crash_point("dispatch-before-jobid-saved");
		hj->verify = 0;
		hj->j.state = JOB_SUBMITTED;
		job_setstr(&hj->j.remote_id, jobid);
		hub_job_save(h, hj);
		log_info("job %s to %s: submitted to %s as job %s", hj->j.id,
		    hj->j.e164, x->s->rec.name, jobid);
		if (found == 1)
			track_result(x, hj, &st);
		x->next_track = 0;
	}
	hfx_job_free(&st);
	fax_err_clear(&fe);
	free(jobid);
	free(doc);
	free(dial);
	free(owner);
	free(tag);
}

/* Polls one SUBMITTED job; mtx held on entry and exit. */
static void
sess_track(struct sess *x, struct hjob *hj)
{
	struct hub	*h = x->h;
	struct hfx_job	 st;
	struct fax_err	 fe;
	char		*rid = xstrdup(hj->j.remote_id ? hj->j.remote_id : "");
	char		*tag = xstrdup(hj->j.tag ? hj->j.tag : "");
	int		 rc;

	memset(&fe, 0, sizeof(fe));
	memset(&st, 0, sizeof(st));
	hj->busy = 1;
	pthread_mutex_unlock(&h->mtx);
	rc = hfx_job_status(x->c, rid, &st, &fe);
	if (rc == -1 && fe.cls == FAXERR_NOTFOUND) {
		fax_err_clear(&fe);
		hfx_job_free(&st);
		memset(&st, 0, sizeof(st));
		rc = hfx_find_tag(x->c, tag, &st, &fe) == 1 ? 0 : -2;
	}
	pthread_mutex_lock(&h->mtx);
	hj->busy = 0;
	if (rc == 0)
		track_result(x, hj, &st);
	else if (rc == -2 && fe.cls == FAXERR_NONE) {
		hj->j.state = JOB_FAILED;
		hj->j.ended = (long long)time(NULL);
		job_setstr(&hj->j.reason, "the job disappeared from the fax "
		    "server");
		if (hub_job_save(h, hj) == 0)
			dispatch_finish(h, hj);
	} else if (fe.cls == FAXERR_CONNECT || fe.cls == FAXERR_PROTOCOL) {
		pthread_mutex_unlock(&h->mtx);
		sess_drop(x, fe.msg ? fe.msg : "connection lost");
		pthread_mutex_lock(&h->mtx);
	}
	hfx_job_free(&st);
	fax_err_clear(&fe);
	free(rid);
	free(tag);
}

static void
sess_modems(struct sess *x)
{
	struct hfx_modem	*m = NULL;
	struct fax_err		 fe;
	size_t			 n = 0, i;
	int			 idle = 0;

	memset(&fe, 0, sizeof(fe));
	if (hfx_modems(x->c, &m, &n, &fe) == -1) {
		if (fe.cls == FAXERR_CONNECT || fe.cls == FAXERR_PROTOCOL)
			sess_drop(x, fe.msg ? fe.msg : "connection lost");
		fax_err_clear(&fe);
		return;
	}
	for (i = 0; i < n; i++)
		if (!m[i].busy)
			idle++;
	pthread_mutex_lock(&x->h->mtx);
	x->s->modems = (int)n;
	/*
	 * Receive-only modems look idle too, so the modem listing can only
	 * say "busy" when nothing at all is idle; faxhub's own count of
	 * lines in use does the rest (sched_busy).
	 */
	x->s->modems_free = n > 0 && idle == 0 ? 0 : -1;
	free(x->s->modem_text);
	x->s->modem_text = n > 0 ? xprintf("%zu modem(s), %d idle", n, idle) :
	    NULL;
	pthread_mutex_unlock(&x->h->mtx);
	hfx_modems_free(m, n);
}

static int
srv_has_work(struct hub *h, struct hsrv *s)
{
	return srv_inflight(h, s->rec.name) > 0;
}

void *
server_main(void *arg)
{
	struct hsrv	*s = arg;
	struct hub	*h = s->hub;
	struct sess	 x;
	struct fax_err	 fe;
	int		 backoff = 1;
	size_t		 i;
	long long	 now, down_logged = 0;

	memset(&x, 0, sizeof(x));
	x.h = h;
	x.s = s;
	pthread_mutex_lock(&h->mtx);
	while (!h->stop && (s->present || srv_has_work(h, s))) {
		s->wake = 0;
		if (x.c == NULL) {
			pthread_mutex_unlock(&h->mtx);
			memset(&fe, 0, sizeof(fe));
			if (sess_connect(&x, &fe) == -1) {
				pthread_mutex_lock(&h->mtx);
				if (s->up || s->err == NULL)
					log_warnx("%s (server marked down)",
					    fe.msg ? fe.msg : "connect failed");
				else if (now_ms() - down_logged >= 60000)
					log_warnx("%s (still down since %llds)",
					    fe.msg ? fe.msg : "connect failed",
					    (long long)time(NULL) - s->since);
				if (s->up || s->err == NULL ||
				    now_ms() - down_logged >= 60000)
					down_logged = now_ms();
				if (s->up)
					s->since = (long long)time(NULL);
				s->up = 0;
				free(s->err);
				s->err = fe.msg;
				hub_wake_all(h);
				hub_sleep(h, backoff);
				backoff = backoff * 2 >
				    h->cfg.dispatch.server_retry ?
				    h->cfg.dispatch.server_retry : backoff * 2;
				if (backoff < 1)
					backoff = 1;
				continue;
			}
			pthread_mutex_lock(&h->mtx);
			log_info("server %s: logged in", s->rec.name);
			s->up = 1;
			s->since = (long long)time(NULL);
			free(s->err);
			s->err = NULL;
			backoff = 1;
			x.next_track = x.next_inbound = 0;
			x.last_io = now_ms();
			hub_wake_all(h);
		}
		/* Submissions and tag checks for jobs given to this server. */
		for (i = 0; i < h->njobs && x.c != NULL && !h->stop; i++) {
			struct hjob *hj = h->jobs[i];
			if (hj->busy || hj->j.state != JOB_SUBMITTING ||
			    hj->j.server == NULL ||
			    strcmp(hj->j.server, s->rec.name) != 0)
				continue;
			sess_submit(&x, hj);
			x.last_io = now_ms();
		}
		now = now_ms();
		if (x.c != NULL && now >= x.next_track) {
			for (i = 0; i < h->njobs && x.c != NULL; i++) {
				struct hjob *hj = h->jobs[i];
				if (hj->busy || hj->j.state != JOB_SUBMITTED ||
				    hj->j.server == NULL ||
				    strcmp(hj->j.server, s->rec.name) != 0)
					continue;
				sess_track(&x, hj);
			}
			if (x.c != NULL) {
				pthread_mutex_unlock(&h->mtx);
				sess_modems(&x);
				pthread_mutex_lock(&h->mtx);
			}
			x.next_track = now_ms() +
			    1000LL * h->cfg.dispatch.poll_interval;
			/* A line may have freed: waiting jobs go out now. */
			dispatch_schedule(h);
			x.last_io = now_ms();
			hub_wake_all(h);
		}
		if (x.c != NULL && s->present && now_ms() >= x.next_inbound) {
			pthread_mutex_unlock(&h->mtx);
			inbound_poll(h, s, &x.c);
			pthread_mutex_lock(&h->mtx);
			x.next_inbound = now_ms() +
			    1000LL * h->cfg.inbound.poll_interval;
			x.last_io = now_ms();
		}
		if (x.c != NULL && now_ms() - x.last_io > 30000) {
			pthread_mutex_unlock(&h->mtx);
			memset(&fe, 0, sizeof(fe));
			if (hfx_alive(x.c, &fe) == -1)
				sess_drop(&x, fe.msg ? fe.msg : "NOOP failed");
			fax_err_clear(&fe);
			pthread_mutex_lock(&h->mtx);
			x.last_io = now_ms();
		}
		if (x.c == NULL) {
			s->up = 0;
			s->since = (long long)time(NULL);
			hub_wake_all(h);
			continue;
		}
		if (!s->wake)
			hub_sleep(h, 1);
	}
	s->up = 0;
	s->done = 1;
	pthread_mutex_unlock(&h->mtx);
	if (x.c != NULL)
		hfx_close(x.c);
	free(x.password);
	free(x.admin_password);
	return NULL;
}
