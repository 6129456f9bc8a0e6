/*
 * outbox.c: every mail faxhubd writes (reports, refusals, received faxes)
 * goes through the spool's outbox and is sent by one thread over SMTP.
 *
 * A mail is outbox/ID.msg (the message) plus outbox/ID.env (envelope,
 * tries, next try); the .env is written last and is what makes the entry
 * exist.  After the server accepted it, sent/ID is written and the entry
 * removed, so that code which creates mails by a fixed ID (the report of
 * job X) can tell "already queued or sent" after any crash and never
 * queues a mail twice.  SMTP down or a temporary refusal: the mail waits
 * and is retried with backoff; a permanent refusal is re-addressed to the
 * postmaster, never dropped silently.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "hub.h"
#include "hub-log.h"
#include "kvfile.h"
#include "log.h"
#include "mail-smtp.h"
#include "util.h"
#include "xmalloc.h"

#define OUTBOX_MAX_MSG	(64 * 1024 * 1024)

/*
 * Sent: sent/ID, or "sent/ID" in the seen index once retention pruned the
 * tombstone (retention.c puts it there before the unlink, so the file is
 * looked at first: a prune in between is then seen in the index).  So a
 * mail made again by the same fixed id (a report owed again after a
 * restart, a received fax's mail routed again, the answer to a late copy
 * of a refused mail) is known for as long as the seen index keeps it.
 * The index lookup is table I/O: call without h->mtx.  1 sent, 0 not, -1
 * the index could not be read (logged).
 */
int
outbox_sent(struct hub *h, const char *id)
{
	char	*key, *cause = NULL;
	int	 rc;

	if (spool_exists(h, "sent", id, NULL))
		return 1;
	key = xprintf("sent/%s", id);
	if ((rc = spool_seen(h, key, &cause)) == -1) {
		log_warnx("outbox %s: %s", id, cause);
		free(cause);
	}
	free(key);
	return rc;
}

/* Queued, sent or set aside: 1; 0 not; -1 as outbox_sent(). */
int
outbox_known(struct hub *h, const char *id)
{
	if (spool_exists(h, "outbox", id, ".env") ||
	    spool_exists(h, "outbox", id, ".dead"))
		return 1;
	return outbox_sent(h, id);
}

/* Never with mtx held: the queueing is disk I/O. */
int
outbox_put(struct hub *h, const char *id, const char *from,
    const char *const *rcpts, size_t n, const char *msg, size_t len,
    const char *logid, int to_postmaster_on_fail)
{
	struct kv	 kv;
	struct buf	 r;
	char		*path, *cause = NULL;
	size_t		 i;
	int		 rc = -1;

	/* Known: nothing to do; not known for sure: the caller retries. */
	if ((rc = outbox_known(h, id)) != 0)
		return rc == 1 ? 0 : -1;
	rc = -1;
	path = spool_path(h, "outbox", id, ".msg");
	if (file_write_atomic(path, msg, len, 0600, &cause) == -1)
		goto out;
	free(path);
	buf_init(&r);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_add(&r, ",", 1);
		buf_adds(&r, rcpts[i]);
	}
	kv_init(&kv);
	kv_set(&kv, "v", "1");
	kv_set(&kv, "from", from);
	kv_set(&kv, "rcpt", r.data != NULL ? r.data : "");
	kv_setll(&kv, "created", (long long)time(NULL));
	kv_setll(&kv, "next", 0);
	kv_setll(&kv, "tries", 0);
	kv_setll(&kv, "postmaster", to_postmaster_on_fail);
	if (logid != NULL)
		kv_set(&kv, "log", logid);
	buf_free(&r);
	path = spool_path(h, "outbox", id, ".env");
	rc = hub_save_kv(&kv, path, id);
	kv_free(&kv);
	if (rc == 0) {
		/* With mtx, so that the outbox cannot miss it (hub.h). */
		pthread_mutex_lock(&h->mtx);
		h->outbox_wake = 1;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->mtx);
	}
	free(path);
	return rc;
out:
	log_warnx("outbox %s: %s", id, cause);
	free(cause);
	free(path);
	return rc;
}

static void	outbox_give_up(struct hub *, const char *, struct kv *,
		    const char *, const char *);

/*
 * The delivery's outcome goes to the communication log through the log
 * writer (hub-log.h), which applies it after the record itself is
 * written and never makes this thread wait for the table.
 */
static void
outbox_log(struct hub *h, const struct kv *kv, const char *status,
    const char *reason)
{
	const char	*id = kv_get(kv, "log");

	if (id != NULL)
		hub_log_status(h, id, status, reason);
}

static void
outbox_done(struct hub *h, const char *id)
{
	char	*path, *cause = NULL;

	path = spool_path(h, "sent", id, NULL);
	/* Noted first, so that no crash leaves a tombstone without its note. */
	if (spool_due_note(h, DUE_RECORDS, "sent", id, (long long)time(NULL),
	    &cause) == -1) {
		log_warnx("outbox %s: %s", id, cause);
		free(cause);
		cause = NULL;
	}
	if (file_write_atomic(path, "", 0, 0600, &cause) == -1) {
		log_warnx("outbox %s: %s", id, cause);
		free(cause);
	}
	free(path);
	spool_unlink(h, "outbox", id, ".env");
	spool_unlink(h, "outbox", id, ".msg");
}

static enum smtp_tls
outbox_tls(enum tls_mode m)
{
	switch (m) {
	case TLS_NONE:
		return SMTP_TLS_NONE;
	case TLS_TLS:
		return SMTP_TLS_TLS;
	default:
		return SMTP_TLS_STARTTLS;
	}
}

/* Sends one entry; called without the lock.  Returns 1 when sent. */
static int
outbox_send_one(struct hub *h, const char *id, int *smtp_down)
{
	struct smtp_params	 p;
	struct smtp_result	 res;
	struct kv		 kv;
	char			*path, *msg = NULL, *cause = NULL, *rc = NULL;
	size_t			 len;
	long long		 tries, delay;
	const char		*rcpt;
	int			 sent = 0;

	kv_init(&kv);
	path = spool_path(h, "outbox", id, ".env");
	if (kv_load(&kv, path, &cause) == -1) {
		log_warnx("outbox: %s", cause);
		free(cause);
		free(path);
		return 0;
	}
	if (kv_getll(&kv, "next", 0) > (long long)time(NULL))
		goto out;
	free(path);
	path = spool_path(h, "outbox", id, ".msg");
	if (file_read(path, OUTBOX_MAX_MSG, &msg, &len, &cause) == -1) {
		log_warnx("outbox: %s", cause);
		free(cause);
		goto out;
	}
	free(path);
	path = spool_path(h, "outbox", id, ".env");

	memset(&p, 0, sizeof(p));
	p.host = h->cfg.smtp.host;
	p.port = h->cfg.smtp.port;
	p.tls = outbox_tls(h->cfg.smtp.tls);
	p.ca_file = h->cfg.smtp.ca_file;
	p.user = h->cfg.smtp.user;
	p.password = h->smtp_password;
	p.timeout = h->cfg.smtp.timeout;
	rcpt = kv_get(&kv, "rcpt");
	rc = xstrdup(rcpt != NULL ? rcpt : "");
	{
		const char *rcpts[1] = { rc };
		memset(&res, 0, sizeof(res));
		smtp_send(&p, kv_get(&kv, "from") ? kv_get(&kv, "from") : "",
		    rcpts, 1, msg, len, &res);
	}
	tries = kv_getll(&kv, "tries", 0) + 1;
	switch (res.outcome) {
	case SMTP_SENT:
		log_info("mail %s to %s sent", id, rc);
		outbox_log(h, &kv, "delivered", NULL);
		outbox_done(h, id);
		sent = 1;
		break;
	case SMTP_TEMPFAIL:
		*smtp_down = 1;
		delay = 5LL << (tries < 8 ? tries : 8);
		if (delay > 600)
			delay = 600;
		log_warnx("mail %s to %s deferred (try %lld, next in %llds): "
		    "%s", id, rc, tries, delay, res.text ? res.text : "");
		kv_setll(&kv, "tries", tries);
		kv_setll(&kv, "next", (long long)time(NULL) + delay);
		kv_set(&kv, "error", res.text ? res.text : "temporary failure");
		hub_save_kv(&kv, path, id);
		pthread_mutex_lock(&h->mtx);
		free(h->smtp_err);
		h->smtp_err = xstrdup(res.text ? res.text : "temporary failure");
		pthread_mutex_unlock(&h->mtx);
		break;
	case SMTP_PERMFAIL:
		log_warnx("mail %s to %s refused: %s", id, rc,
		    res.text ? res.text : "");
		outbox_log(h, &kv, "refused", res.text);
		outbox_give_up(h, id, &kv, path, rc);
		break;
	}
	if (res.outcome == SMTP_TEMPFAIL && h->cfg.smtp.retry_max > 0 &&
	    (long long)time(NULL) - kv_getll(&kv, "created", 0) >
	    h->cfg.smtp.retry_max) {
		log_warnx("mail %s to %s: still not accepted after %ds "
		    "(smtp.retry_max)", id, rc, h->cfg.smtp.retry_max);
		outbox_log(h, &kv, "undelivered", res.text);
		kv_setll(&kv, "created", (long long)time(NULL));
		outbox_give_up(h, id, &kv, path, rc);
	}
	smtp_result_free(&res);
out:
	free(rc);
	free(msg);
	free(path);
	kv_free(&kv);
	return sent;
}

/*
 * A mail that will not be accepted goes to the postmaster; one for the
 * postmaster (or when there is none to fall back to) is set aside as
 * outbox/ID.dead for the admin.  Never dropped silently.
 */
static void
outbox_give_up(struct hub *h, const char *id, struct kv *kv,
    const char *path, const char *rcpt)
{
	char	*dead;

	if (kv_getll(kv, "postmaster", 0) && h->cfg.postmaster != NULL &&
	    strcasecmp(rcpt, h->cfg.postmaster) != 0) {
		log_notice("mail %s: re-addressed from %s to the postmaster "
		    "%s", id, rcpt, h->cfg.postmaster);
		kv_set(kv, "rcpt", h->cfg.postmaster);
		kv_set(kv, "refused_by", rcpt);
		kv_setll(kv, "next", 0);
		kv_set(kv, "log", NULL);
		hub_save_kv(kv, path, id);
		return;
	}
	dead = spool_path(h, "outbox", id, ".dead");
	if (rename(path, dead) == -1)
		log_warn("rename %s", path);
	else
		log_warnx("mail %s to %s set aside as %s", id, rcpt, dead);
	free(dead);
}

void *
outbox_main(void *arg)
{
	struct hub	 *h = arg;
	char		**names, *cause = NULL;
	size_t		  n, i;
	int		  down;

	pthread_mutex_lock(&h->mtx);
	while (!h->stop) {
		h->outbox_wake = 0;
		pthread_mutex_unlock(&h->mtx);
		down = 0;
		n = 0;
		if (spool_list(h, "outbox", ".env", &names, &n, &cause) == 0) {
			for (i = 0; i < n && !h->stop && !down; i++)
				outbox_send_one(h, names[i], &down);
			spool_names_free(names, n);
		} else {
			log_warnx("outbox: %s", cause);
			free(cause);
			cause = NULL;
		}
		pthread_mutex_lock(&h->mtx);
		if (!down && n > 0) {
			h->smtp_up = 1;
			free(h->smtp_err);
			h->smtp_err = NULL;
		} else if (down)
			h->smtp_up = 0;
		if (!h->outbox_wake)
			hub_sleep(h, down ? 5 : 2);
	}
	pthread_mutex_unlock(&h->mtx);
	return NULL;
}
