/*
 * intake-mail.c: one spooled mail through the intake steps (intake.h),
 * and what becomes of it: jobs, a registration, or a refusal; then its
 * state file, from which the IMAP side (intake.c) moves it.
 *
 * Order of durability for one message (KEY = UIDVALIDITY-UID):
 *   1. mail/KEY.eml written by intake.c (crash point intake-after-spool)
 *   2. process: document, jobs, broadcast, log records, refusal mail —
 *      all under ids derived from the Message-ID, so a second run (after
 *      a crash, or for another copy of the same mail) finds them and
 *      makes nothing twice (crash point intake-after-jobs)
 *   3. mail/KEY.state staged, and committed by intake.c with the other
 *      states of the pass: from then on the mail is never processed again
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "hub.h"
#include "hub-mail.h"
#include "intake.h"
#include "kvfile.h"
#include "log.h"
#include "passwd.h"
#include "register.h"
#include "util.h"
#include "xmalloc.h"

static int	intake_refuse(struct hub *, struct intake_mail *);
static char	*refusal_id(const struct intake_mail *, const char *);

/* ---- the users table, seen by the steps ------------------------------ */

static int
env_get_user(void *arg, const char *id, struct auth_user *u)
{
	struct hub		*h = arg;
	const struct user	*rec;

	pthread_mutex_lock(&h->mtx);
	rec = hub_user(h, id);
	u->exists = rec != NULL;
	u->enabled = rec != NULL && rec->enabled;
	pthread_mutex_unlock(&h->mtx);
	return 0;
}

static int
env_verify(void *arg, const char *id, const char *pw)
{
	struct hub		*h = arg;
	const struct user	*rec;
	char			*hash = NULL;
	int			 ok;

	pthread_mutex_lock(&h->mtx);
	rec = hub_user(h, id);
	if (rec != NULL && rec->pwhash != NULL)
		hash = xstrdup(rec->pwhash);
	pthread_mutex_unlock(&h->mtx);
	ok = hash != NULL && passwd_verify(pw, hash) == 1;
	free(hash);
	return ok;
}

/* The fields the steps read: id, enabled, dialling lists, report wishes. */
static int
env_user_copy(void *arg, const char *id, struct user *u)
{
	struct hub		*h = arg;
	const struct user	*rec;

	pthread_mutex_lock(&h->mtx);
	rec = hub_user(h, id);
	if (rec != NULL) {
		u->id = xstrdup(rec->id);
		u->enabled = rec->enabled;
		u->allow = rec->allow != NULL ? strv_dup(rec->allow) : NULL;
		u->bar = rec->bar != NULL ? strv_dup(rec->bar) : NULL;
		u->report = rec->report;
		u->notify = rec->notify;
	}
	pthread_mutex_unlock(&h->mtx);
	return rec != NULL;
}

static void
env_init(struct intake_env *env, struct hub *h)
{
	memset(env, 0, sizeof(*env));
	env->cfg = &h->cfg;
	env->auth.arg = h;
	env->auth.get_user = env_get_user;
	env->auth.verify = env_verify;
	env->arg = h;
	env->user_copy = env_user_copy;
}

/* ---- what became of the mail ----------------------------------------- */

/*
 * Stages mail/KEY.state in the pass's batch: intake.c commits the batch
 * (every state of the pass durable at once) before it moves the mails.
 * A refusal mail is durable already; the document, jobs and broadcast
 * of an accepted mail are not (intake-jobs.c intake_sync()): the state
 * carries the document's sum and the mail's job ids, so that the
 * start-up tells a torn document from a whole one and finds a lost job
 * (intake-recover.c).
 */
static int
state_save(struct hub *h, struct intake_mail *im, const char *state,
    const char *bcast, const char *target)
{
	struct kv	 kv;
	char		*path, *data, *cause = NULL, *sum;
	size_t		 len;
	int		 rc;

	kv_init(&kv);
	kv_set(&kv, "v", "1");
	kv_set(&kv, "state", state);
	if (bcast != NULL) {
		kv_set(&kv, "bcast", bcast);
		path = spool_path(h, "docs", bcast, ".tif");
		sum = spool_file_sum(path);
		kv_set(&kv, "doc_sum", sum);
		kv_set(&kv, "jobs", im->jobs);
		free(sum);
		free(path);
	}
	kv_set(&kv, "target", target);
	/*
	 * A mail not accepted leaves nothing to recover (no document, no
	 * job): its live/ mark goes now; until the state is committed the
	 * mail is still in the mailbox, to be taken again after a crash.
	 */
	if (bcast == NULL && !im->recover)
		spool_unlink(h, "live", im->key, NULL);
	path = spool_path(h, "mail", im->key, ".state");
	data = kv_format(&kv, &len);
	if ((rc = spool_stage(im->states, path, data, len, &cause)) == -1) {
		log_warnx("mail %s: %s", im->key, cause);
		free(cause);
	}
	free(data);
	free(path);
	kv_free(&kv);
	return rc;
}

static void
intake_log(struct hub *h, struct intake_mail *im, const char *user,
    const char *status, const char *reason)
{
	struct logrec	 r;
	char		*id;

	memset(&r, 0, sizeof(r));
	id = xprintf("%s.mail", im->key);
	r.id = id;
	r.direction = (char *)"out";
	r.user = (char *)user;
	r.start = r.end = (long long)time(NULL);
	r.status = (char *)status;
	r.reason = (char *)reason;
	r.msgid = im->parsed ? im->m.message_id : NULL;
	hub_log_put(h, &r);
	free(id);
}

/*
 * The outbox id of an answer to a mail (what: "refusal", "registered"):
 * from its Message-ID and sender (as the broadcast id, intake-jobs.c) and
 * what sets the answer apart (seed: a refusal's reason), so that a late
 * copy of the same mail finds the answer queued or sent (outbox_known():
 * sent/ID, then the seen index once retention pruned the tombstone) and
 * is not answered twice; from the mail's key when it has no Message-ID.
 * Allocated.
 */
static char *
answer_id(const struct intake_mail *im, const char *from, const char *seed,
    const char *what)
{
	char	*s, *hash, *id;

	if (!im->parsed || im->m.message_id == NULL)
		return xprintf("%s-%s", im->key, what);
	s = xprintf("%s|%s|%s", im->m.message_id, from, seed);
	hash = hub_id_hash(s);
	id = xprintf("r%s-%s", hash, what);
	free(hash);
	free(s);
	return id;
}

static char *
refusal_id(const struct intake_mail *im, const char *from)
{
	const struct intake_refusal	*rf = &im->refusal;
	char				*seed, *id;

	seed = xprintf("%d|%s", (int)rf->why, rf->value != NULL ? rf->value :
	    "");
	id = answer_id(im, from, seed, "refusal");
	free(seed);
	return id;
}

/*
 * Answers a refused mail.  Nothing goes to automatic mail (null return
 * path, MAILER-DAEMON, auto-submitted, bulk, list: no loops, no
 * backscatter), nor to an unknown sender when the config says so.
 */
static int
intake_refuse(struct hub *h, struct intake_mail *im)
{
	struct intake_refusal	*rf = &im->refusal;
	const char		*reason = report_refusal_short(rf->why);
	const char		*from, *to;
	char			*msg, *id;
	size_t			 len;
	int			 known;

	from = im->parsed && im->m.from != NULL ? im->m.from : NULL;
	if (rf->why == REFUSE_MALFORMED && rf->detail != NULL) {
		/* The parser's words are for the log, not for the sender. */
		free(rf->log);
		rf->log = rf->detail;
		rf->detail = NULL;
	}
	log_notice("mail %s from %s refused: %s%s%s", im->key,
	    from != NULL ? from : "?", reason, rf->detail != NULL ? ": " : "",
	    rf->detail != NULL ? rf->detail : "");
	if (rf->silent != NULL)
		log_notice("mail %s: automatic mail (%s): no fax, no answer",
		    im->key, rf->silent);
	if (rf->log != NULL)
		log_info("mail %s: %s", im->key, rf->log);
	intake_log(h, im, im->user != NULL ? im->user : from, "refused",
	    rf->silent != NULL ? rf->silent :
	    (rf->detail != NULL ? rf->detail : reason));
	to = from;
	if (to == NULL || rf->silent != NULL || !auth_may_reply(&im->m))
		log_info("mail %s: no answer sent (null, automatic or bulk "
		    "sender)", im->key);
	else if (rf->unknown && h->cfg.auth.silent_unknown)
		log_info("mail %s: unknown sender, no answer (silent_unknown)",
		    im->key);
	else {
		id = refusal_id(im, to);
		if ((known = outbox_known(h, id)) == 0) {
			msg = hubmail_refusal(h, &im->m, rf->why, rf->value,
			    rf->detail, &len);
			outbox_put(h, id, "", &to, 1, msg, len, NULL, 0);
			free(msg);
		} else if (known == 1)
			log_info("mail %s: answered already (%s: a copy of "
			    "the same mail)", im->key, id);
		free(id);
		if (known == -1)
			return -1;	/* taken up again by the next pass */
	}
	return state_save(h, im, "refused", NULL,
	    h->cfg.imap.failed_folder);
}

static enum intake_rc
register_refuse(struct intake_mail *im, const char *detail)
{
	im->refusal.why = REFUSE_NOT_AUTHENTICATED;
	im->refusal.value = xstrdup("registration");
	im->refusal.detail = xstrdup(detail);
	return INTAKE_REFUSED;
}

/* A registration mail (auth.register_address): the admin adds a user. */
static enum intake_rc
intake_register(struct hub *h, struct intake_mail *im)
{
	struct reg_request	 rq;
	struct user		 u;
	char			*cause = NULL, *msg, *id, *detail;
	const char		*to = im->m.from;
	size_t			 len;
	enum intake_rc		 rc = INTAKE_NEXT;
	int			 r;

	if (register_parse(&im->m, &rq, &cause) == -1) {
		rc = register_refuse(im, cause);
		free(cause);
		return rc;
	}
	user_init(&u);
	if (h->admin_password == NULL || rq.admin_password == NULL ||
	    strcmp(rq.admin_password, h->admin_password) != 0) {
		rc = register_refuse(im, "the administrator password is "
		    "missing or wrong");
		goto out;
	}
	u.id = xstrdup(rq.user);
	str_lower(u.id);
	u.name = rq.name != NULL ? xstrdup(rq.name) : NULL;
	u.enabled = 1;
	if (rq.password != NULL && passwd_hash(rq.password, &u.pwhash,
	    &cause) == -1) {
		rc = register_refuse(im, cause);
		free(cause);
		goto out;
	}
	/* The table write waits for a busy table: not under the mutex. */
	if ((r = user_put(h->cfg.table_dir, &u, &cause)) == 0) {
		pthread_mutex_lock(&h->mtx);
		if (hub_tables_reload(h, 1, &cause) == -1) {
			log_warnx("tables: %s (the main loop retries)", cause);
			free(cause);
			cause = NULL;
		}
		pthread_mutex_unlock(&h->mtx);
	}
	if (r == -1) {
		detail = xprintf("the user could not be stored: %s", cause);
		free(cause);
		rc = register_refuse(im, detail);
		free(detail);
		goto out;
	}
	log_notice("mail %s: user %s registered by mail", im->key, u.id);
	intake_log(h, im, u.id, "registered", NULL);
	/* A late copy of the mail registers again but is not answered again. */
	if (auth_may_reply(&im->m) && to != NULL) {
		id = answer_id(im, to, "", "registered");
		if ((r = outbox_known(h, id)) == 0) {
			msg = hubmail_registered(h, &im->m, u.id, &len);
			outbox_put(h, id, "", &to, 1, msg, len, NULL, 0);
			free(msg);
		} else if (r == 1)
			log_info("mail %s: answered already (%s: a copy of "
			    "the same mail)", im->key, id);
		else
			rc = INTAKE_RETRY;	/* the next pass answers */
		free(id);
	}
out:
	user_free(&u);
	reg_request_free(&rq);
	return rc;
}

static int
is_register_mail(const struct hub *h, const struct msg *m)
{
	const char	*ra = h->cfg.auth.register_address;
	size_t		 i;

	if (ra == NULL)
		return 0;
	for (i = 0; i < m->nto_cc; i++)
		if (strcasecmp(m->to_cc[i], ra) == 0)
			return 1;
	for (i = 0; i < m->ndelivered; i++)
		if (strcasecmp(m->delivered_to[i], ra) == 0)
			return 1;
	return 0;
}

/* ---- one message ----------------------------------------------------- */

typedef enum intake_rc (*intake_step)(const struct intake_env *,
    struct intake_mail *);

/* The checking steps, in order, after intake_parse(). */
static const intake_step checks[] = {
	intake_automatic,
	intake_recipients,
	intake_authenticate,
	intake_numbers
};

/* Reads and parses the spooled mail KEY into im (initialised either way). */
static enum intake_rc
intake_load(struct hub *h, const char *key, struct intake_env *env,
    struct intake_mail *im)
{
	enum intake_rc	 r;
	char		*raw = NULL, *cause = NULL, *path;
	size_t		 len;

	env_init(env, h);
	intake_mail_init(im, key);
	path = spool_path(h, "mail", key, ".eml");
	if (file_read(path, h->cfg.limits.message_size + 1024 * 1024, &raw,
	    &len, &cause) == -1) {
		log_warnx("mail %s: %s", key, cause);
		free(cause);
		free(path);
		return INTAKE_RETRY;
	}
	free(path);
	r = intake_parse(env, im, raw, len,
	    spool_exists(h, "mail", key, ".toobig"));
	free(raw);
	return r;
}

/* The checking steps, from r on, while each says go on. */
static enum intake_rc
intake_checks(const struct intake_env *env, struct intake_mail *im,
    enum intake_rc r)
{
	size_t	i;

	for (i = 0; r == INTAKE_NEXT && i < nitems(checks); i++)
		r = checks[i](env, im);
	return r;
}

int
intake_process(struct hub *h, const char *key, struct spool_batch *states)
{
	struct intake_env	 env;
	struct intake_mail	 im;
	enum intake_rc		 r;
	const char		*target = NULL;
	int			 rc = -1;

	r = intake_load(h, key, &env, &im);
	im.states = states;
	if (r == INTAKE_NEXT && is_register_mail(h, &im.m)) {
		if ((r = intake_automatic(&env, &im)) == INTAKE_NEXT &&
		    (r = intake_register(h, &im)) == INTAKE_NEXT) {
			rc = state_save(h, &im, "registered", NULL,
			    h->cfg.imap.done_folder);
			goto out;
		}
	}
	r = intake_checks(&env, &im, r);
	if (r == INTAKE_NEXT)
		r = intake_jobs(h, &im, &target);
	switch (r) {
	case INTAKE_NEXT:
		crash_point("intake-after-jobs");
		rc = state_save(h, &im, "accepted", im.bcast, target);
		break;
	case INTAKE_REFUSED:
		rc = intake_refuse(h, &im);
		break;
	case INTAKE_RETRY:
		log_warnx("mail %s: %s; will try again", key,
		    im.refusal.log != NULL ? im.refusal.log :
		    "temporary failure");
		break;
	}
out:
	intake_mail_free(&im);
	return rc;
}

enum intake_rc
intake_reload(struct hub *h, const char *key, struct intake_mail *im)
{
	struct intake_env	env;

	return intake_checks(&env, im, intake_load(h, key, &env, im));
}
