/*
 * fax-server.c: the thread of one fax server (patent Figure 3, the right
 * half).  It keeps a session with the server logged in, submits the jobs
 * dispatch_schedule() gave it, follows them to their end, watches the
 * server's send lines, and collects received faxes (inbound.c).
 *
 * It names only the driver interface (fax.h): the driver is looked up by
 * the servers-table record at every connect.  Every driver op runs
 * without hub->mtx; what an op needs is copied under the mutex first, and
 * what it returns is written back under it.  The thread reads only
 * s->name without the mutex (immutable, hub.h).
 *
 * A job whose submission may or may not have reached the server (crash,
 * lost session) is looked up by its tag on that server before anything
 * else happens to it: a fax is never sent twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "fax.h"
#include "hub.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* ms after a submission before the server is asked about its jobs */
#define SESS_TRACK_SOON	1000

struct sess {
	struct hub		*h;
	struct hsrv		*s;
	const struct fax_driver	*drv;	/* of c, chosen at connect */
	struct fax_conn		*c;
	char			*password;
	char			*admin_password;
	long long		 next_track;
	size_t			 track_from;	/* where a tracking pass resumes */
	long long		 next_inbound;
	long long		 last_io;
};

static void	sess_drop(struct sess *, const char *);
static int	sess_connect(struct sess *, struct fax_err *);
static void	sess_lost(struct sess *, const struct fax_err *, const char *);
static void	job_next_server(struct hub *, struct hjob *, const char *,
		    const char *, const struct fax_err *);
static void	track_result(struct sess *, struct hjob *,
		    const struct fax_job *);
static void	sess_submit(struct sess *, struct hjob *);
static void	sess_track(struct sess *, struct hjob *);
static void	sess_lines(struct sess *);

/* Closes the session; call without mtx. */
static void
sess_drop(struct sess *x, const char *why)
{
	if (x->c != NULL) {
		log_warnx("server %s: session lost: %s", x->s->name, why);
		x->drv->close(x->c);
		x->c = NULL;
	}
}

/* After a failed op: a lost or garbled session is closed; without mtx. */
static void
sess_lost(struct sess *x, const struct fax_err *fe, const char *dflt)
{
	if (fe->cls == FAXERR_CONNECT || fe->cls == FAXERR_PROTOCOL)
		sess_drop(x, fe->msg != NULL ? fe->msg : dflt);
}

/*
 * Connects; call without mtx.  The record's connection parameters are
 * copied under the mutex: a table reload may rewrite the record meanwhile.
 */
static int
sess_connect(struct sess *x, struct fax_err *fe)
{
	struct fax_params	 p;
	struct hsrv		*s = x->s;
	const struct fax_driver	*drv;
	char			*cause = NULL, *host, *user, *pwf, *apf;
	int			 port, rc;

	pthread_mutex_lock(&x->h->mtx);
	drv = fax_driver_find(s->rec.driver);
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
	if (drv == NULL) {
		xasprintf(&cause, "no such driver compiled in");
		goto fail;
	}
	if (pwf != NULL && config_read_secret(pwf, &x->password, &cause) == -1)
		goto fail;
	if (apf != NULL &&
	    config_read_secret(apf, &x->admin_password, &cause) == -1)
		goto fail;
	memset(&p, 0, sizeof(p));
	p.name = s->name;
	p.host = host;
	p.port = port;
	p.user = user != NULL ? user : "faxhub";
	p.password = x->password;
	p.admin_password = x->admin_password;
	p.timeout = x->h->cfg.dispatch.server_timeout;
	x->drv = drv;
	rc = drv->connect(&p, &x->c, fe);
	goto out;
fail:
	fe->cls = FAXERR_AUTH;
	fe->msg = xprintf("server %s: %s", s->name, cause);
	free(cause);
out:
	free(host);
	free(user);
	free(pwf);
	free(apf);
	return rc;
}

/*
 * This server will not take the job (refused it, or failed it in a way
 * another server may not): back to the queue at once, this server
 * avoided.  mtx held, hj->busy set (the record is saved without mtx).
 */
static void
job_next_server(struct hub *h, struct hjob *hj, const char *server,
    const char *reason, const struct fax_err *fe)
{
	char	*av;

	log_warnx("job %s: %s refused it: %s; trying the next server",
	    hj->j.id, server, reason != NULL ? reason : "");
	hj->j.state = JOB_QUEUED;
	av = hj->j.avoid ? xprintf("%s,%s", hj->j.avoid, server) :
	    xstrdup(server);
	job_setstr(&hj->j.avoid, av);
	free(av);
	job_setstr(&hj->j.reason, reason);
	job_setstr(&hj->j.class, fax_errclass_name(fe->cls));
	job_setstr(&hj->j.cause, fax_cause_name(FAX_CAUSE_REJECTED));
	job_setstr(&hj->j.server, NULL);
	hub_job_commit(h, hj);
	hub_wake_all(h);
}

/*
 * The server's view of a job, taken in; mtx held, hj->busy set.  Every
 * new state is saved (without mtx) before it is acted upon.
 */
static void
track_result(struct sess *x, struct hjob *hj, const struct fax_job *st)
{
	struct hub	*h = x->h;
	long long	 now = (long long)time(NULL);
	int		 tries_left;

	job_setstr(&hj->j.status, st->status);
	hj->j.npages = st->npages;
	hj->j.ndials = st->ndials;
	if (st->remote_csid != NULL)
		job_setstr(&hj->j.csid, st->remote_csid);
	if (st->state == FAX_DONE) {
		job_setstr(&hj->j.reason, NULL);
		job_setstr(&hj->j.class, NULL);
		job_setstr(&hj->j.cause, NULL);
		(void)dispatch_end(h, hj, JOB_DONE);
		return;
	}
	if (st->state != FAX_FAILED)
		return;
	/* The driver classified the failure; it is stored, never redone. */
	job_setstr(&hj->j.reason, st->words);
	job_setstr(&hj->j.class, fax_errclass_name(st->cls));
	job_setstr(&hj->j.cause, fax_cause_name(st->cause));
	tries_left = hj->j.attempts < h->cfg.dispatch.max_tries;
	if (st->cls == FAXERR_REJECTED && tries_left) {
		struct fax_err fe = { st->cls, NULL };
		job_next_server(h, hj, x->s->name, st->words, &fe);
		return;
	}
	if (st->cls == FAXERR_TEMPORARY && tries_left) {
		hj->j.ended = now;
		hub_log_job(h, hj, "retry");
		log_info("job %s to %s: try %lld failed (%s), next try in "
		    "%ds", hj->j.id, hj->j.e164, hj->j.attempts,
		    st->status ? st->status : "", h->cfg.dispatch.retry_delay);
		hj->j.state = JOB_QUEUED;
		hj->j.not_before = now + h->cfg.dispatch.retry_delay;
		job_setstr(&hj->j.server, NULL);
		job_setstr(&hj->j.avoid, NULL);
		hub_job_commit(h, hj);
		return;
	}
	(void)dispatch_end(h, hj, JOB_FAILED);
}

/* Verifies or submits one SUBMITTING job; mtx held on entry and exit. */
static void
sess_submit(struct sess *x, struct hjob *hj)
{
	struct hub		*h = x->h;
	struct fax_job_req	 rq;
	struct fax_job		 st;
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
		found = x->drv->find_tag(x->c, tag, &st, &fe);
		if (found == 1) {
			jobid = xstrdup(st.jobid);
			log_info("job %s: found on %s as job %s after a restart "
			    "or lost session: not sent again", hj->j.id,
			    x->s->name, jobid);
		}
	}
	if (found == 0) {
		rc = x->drv->submit(x->c, &rq, &jobid, &fe);
		if (rc == -1)
			found = -1;
	}

	pthread_mutex_lock(&h->mtx);
	if (found == -1) {
		if (fe.cls == FAXERR_CONNECT || fe.cls == FAXERR_PROTOCOL) {
			/* Unknown whether it arrived: look before resending. */
			hj->verify = 1;
			pthread_mutex_unlock(&h->mtx);
			sess_lost(x, &fe, "connection lost");
			pthread_mutex_lock(&h->mtx);
		} else
			job_next_server(h, hj, x->s->name, fe.msg, &fe);
	} else {
		crash_point("dispatch-before-jobid-saved");
		hj->verify = 0;
		hj->j.state = JOB_SUBMITTED;
		job_setstr(&hj->j.remote_id, jobid);
		/* Replaces the durable SUBMITTING record, which a restart
		 * verifies by its tag: either one is whole after a crash. */
		hub_job_commit_sync(h, hj, WRITE_ORDERED);
		log_info("job %s to %s: submitted to %s as job %s", hj->j.id,
		    hj->j.e164, x->s->name, jobid);
		if (found == 1)
			track_result(x, hj, &st);
		/*
		 * Look at the new job soon, but not after every submission:
		 * a pass asks the server about every job it holds, and in a
		 * burst that would come between each two submissions.
		 */
		if (x->next_track > now_ms() + SESS_TRACK_SOON)
			x->next_track = now_ms() + SESS_TRACK_SOON;
	}
	hj->busy = 0;
	fax_job_free(&st);
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
	struct fax_job	 st;
	struct fax_err	 fe;
	char		*rid = xstrdup(hj->j.remote_id ? hj->j.remote_id : "");
	char		*tag = xstrdup(hj->j.tag ? hj->j.tag : "");
	int		 rc;

	memset(&fe, 0, sizeof(fe));
	memset(&st, 0, sizeof(st));
	hj->busy = 1;
	pthread_mutex_unlock(&h->mtx);
	rc = x->drv->status(x->c, rid, &st, &fe);
	if (rc == -1 && fe.cls == FAXERR_NOTFOUND) {
		fax_err_clear(&fe);
		fax_job_free(&st);
		rc = x->drv->find_tag(x->c, tag, &st, &fe) == 1 ? 0 : -2;
	}
	pthread_mutex_lock(&h->mtx);
	if (rc == 0)
		track_result(x, hj, &st);
	else if (rc == -2 && fe.cls == FAXERR_NONE) {
		job_setstr(&hj->j.reason, "the job disappeared from the fax "
		    "server");
		job_setstr(&hj->j.class, fax_errclass_name(FAXERR_NOTFOUND));
		job_setstr(&hj->j.cause, fax_cause_name(FAX_CAUSE_OTHER));
		(void)dispatch_end(h, hj, JOB_FAILED);
	} else {
		pthread_mutex_unlock(&h->mtx);
		sess_lost(x, &fe, "connection lost");
		pthread_mutex_lock(&h->mtx);
	}
	hj->busy = 0;
	fax_job_free(&st);
	fax_err_clear(&fe);
	free(rid);
	free(tag);
}

/* The send lines' state, for sched_busy(); call without mtx. */
static void
sess_lines(struct sess *x)
{
	struct fax_lines	 ln;
	struct fax_err		 fe;
	char			*send_modems;

	memset(&fe, 0, sizeof(fe));
	pthread_mutex_lock(&x->h->mtx);
	send_modems = x->s->rec.send_modems != NULL ?
	    xstrdup(x->s->rec.send_modems) : NULL;
	pthread_mutex_unlock(&x->h->mtx);
	if (x->drv->lines(x->c, send_modems, &ln, &fe) == -1) {
		sess_lost(x, &fe, "connection lost");
		fax_err_clear(&fe);
		free(send_modems);
		return;
	}
	free(send_modems);
	pthread_mutex_lock(&x->h->mtx);
	x->s->modems = ln.modems;
	x->s->send_free = ln.send_free;
	free(x->s->modem_text);
	x->s->modem_text = ln.text;
	pthread_mutex_unlock(&x->h->mtx);
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
	while (!h->stop && (s->present || dispatch_inflight(h, s->name) > 0)) {
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
			log_info("server %s: logged in", s->name);
			s->up = 1;
			s->since = (long long)time(NULL);
			free(s->err);
			s->err = NULL;
			backoff = 1;
			x.next_track = x.next_inbound = 0;
			x.track_from = 0;
			x.last_io = now_ms();
			hub_wake_all(h);
		}
		/* Submissions and tag checks for jobs given to this server. */
		s->submit = 0;
		for (i = 0; i < h->njobs && x.c != NULL && !h->stop; i++) {
			struct hjob *hj = h->jobs[i];
			if (hj->busy || hj->j.state != JOB_SUBMITTING ||
			    hj->j.server == NULL ||
			    strcmp(hj->j.server, s->name) != 0)
				continue;
			sess_submit(&x, hj);
			x.last_io = now_ms();
		}
		now = now_ms();
		if (x.c != NULL && now >= x.next_track) {
			/*
			 * One round trip per job: a job given to this server
			 * meanwhile is submitted first, and the pass resumes
			 * where it stopped (the list may have changed: a job
			 * is then tracked twice or at the next pass).
			 */
			for (i = x.track_from; i < h->njobs && x.c != NULL &&
			    !s->submit; i++) {
				struct hjob *hj = h->jobs[i];
				if (hj->busy || hj->j.state != JOB_SUBMITTED ||
				    hj->j.server == NULL ||
				    strcmp(hj->j.server, s->name) != 0)
					continue;
				sess_track(&x, hj);
			}
			if (s->submit && x.c != NULL && i < h->njobs) {
				x.track_from = i;
				continue;
			}
			x.track_from = 0;
			if (x.c != NULL) {
				pthread_mutex_unlock(&h->mtx);
				sess_lines(&x);
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
			if (x.drv->alive(x.c, &fe) == -1)
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
	pthread_mutex_unlock(&h->mtx);
	if (x.c != NULL)
		x.drv->close(x.c);
	free(x.password);
	free(x.admin_password);
	/* Last: after done, dispatch_sync_servers() may detach and restart. */
	pthread_mutex_lock(&h->mtx);
	s->done = 1;
	pthread_mutex_unlock(&h->mtx);
	return NULL;
}
