/*
 * status.c: the daemon's live state, published as a small kvfile so that
 * `faxhubctl status` can show each server up/down/busy, the lines in use
 * and the queue without talking to the daemon.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "hub.h"
#include "kvfile.h"
#include "log.h"
#include "sched.h"
#include "xmalloc.h"

/*
 * Call with mtx held; the state is copied under it, and the mutex is
 * released while the outbox is listed and the file written.  The outbox
 * is listed after the job counts: a job's report is queued by the ender
 * before its end stops counting as ending (an ended job whose record is
 * being saved, an end queued or in the ender's hands), so a snapshot
 * with no job in flight and none ending lists every report not yet sent.
 */
int
hub_write_status(struct hub *h)
{
	struct kv	 kv;
	char		*cause = NULL, *path, k[256], **names;
	size_t		 i, n;
	long long	 count[5] = { 0 }, ending;
	int		 rc;

	kv_init(&kv);
	kv_set(&kv, "v", "1");
	kv_setll(&kv, "pid", (long long)getpid());
	kv_setll(&kv, "started", h->started);
	kv_setll(&kv, "updated", (long long)time(NULL));
	kv_set(&kv, "instance", h->cfg.instance);
	kv_set(&kv, "imap", h->imap_up ? "up" : "down");
	if (h->imap_err != NULL)
		kv_set(&kv, "imap.error", h->imap_err);
	kv_set(&kv, "smtp", h->smtp_err == NULL ? "up" : "down");
	if (h->smtp_err != NULL)
		kv_set(&kv, "smtp.error", h->smtp_err);
	/* Live jobs, and the ended ones: still in memory or retired. */
	ending = (long long)(h->nends + h->ending);
	for (i = 0; i < h->njobs; i++) {
		const struct hjob *hj = h->jobs[i];

		count[hj->j.state]++;
		if (hj->busy && job_state_ended(hj->j.state))
			ending++;	/* dispatch_end(): saving its end */
	}
	count[JOB_DONE] += h->retired[0];
	count[JOB_FAILED] += h->retired[1];
	for (i = 0; i < 5; i++) {
		snprintf(k, sizeof(k), "jobs.%s",
		    job_state_name((enum job_state)i));
		kv_setll(&kv, k, count[i]);
	}
	kv_setll(&kv, "jobs.ending", ending);
	kv_setll(&kv, "servers", (long long)h->nsrvs);
	for (i = 0; i < h->nsrvs; i++) {
		struct hsrv		*s = h->srvs[i];
		struct sched_server	 ss;
		int			 inflight;
		const char		*state;

		inflight = dispatch_inflight(h, s->name);
		memset(&ss, 0, sizeof(ss));
		ss.lines = s->rec.lines;
		ss.inflight = inflight;
		ss.send_free = s->send_free;
		if (!s->present)
			state = "removed";
		else if (!s->rec.enabled)
			state = "disabled";
		else if (!s->up)
			state = "down";
		else if (sched_busy(&ss))
			state = "busy";
		else
			state = "up";
		snprintf(k, sizeof(k), "server.%zu.name", i);
		kv_set(&kv, k, s->name);
		snprintf(k, sizeof(k), "server.%zu.state", i);
		kv_set(&kv, k, state);
		snprintf(k, sizeof(k), "server.%zu.priority", i);
		kv_setll(&kv, k, s->rec.priority);
		snprintf(k, sizeof(k), "server.%zu.lines", i);
		kv_setll(&kv, k, s->rec.lines);
		snprintf(k, sizeof(k), "server.%zu.inuse", i);
		kv_setll(&kv, k, inflight);
		snprintf(k, sizeof(k), "server.%zu.address", i);
		kv_setf(&kv, k, "%s:%d", s->rec.host, s->rec.port);
		if (s->modem_text != NULL) {
			snprintf(k, sizeof(k), "server.%zu.modems", i);
			kv_set(&kv, k, s->modem_text);
		}
		if (s->err != NULL) {
			snprintf(k, sizeof(k), "server.%zu.error", i);
			kv_set(&kv, k, s->err);
		}
	}
	pthread_mutex_unlock(&h->mtx);
	if (spool_list(h, "outbox", ".env", &names, &n, &cause) == 0) {
		kv_setll(&kv, "outbox", (long long)n);
		spool_names_free(names, n);
	} else {
		free(cause);
		cause = NULL;
	}
	path = h->cfg.daemon.status_file != NULL ?
	    xstrdup(h->cfg.daemon.status_file) :
	    xprintf("%s/status", h->cfg.spool_dir);
	rc = kv_save(&kv, path, &cause);
	if (rc == -1) {
		log_warnx("status: %s", cause);
		free(cause);
	}
	free(path);
	kv_free(&kv);
	pthread_mutex_lock(&h->mtx);
	return rc;
}
