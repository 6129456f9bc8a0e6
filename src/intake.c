/*
 * intake.c: the intake thread (patent Figure 3, first half): watch the
 * gateway mailbox, take each mail into the spool durably, then turn it
 * into fax jobs or a clear refusal.
 *
 * Order of durability for one message (KEY = UIDVALIDITY-UID):
 *   1. fetch, write mail/KEY.eml (temp, fsync, rename, dir fsync)
 *   2. process: document, jobs, broadcast, log records, refusal mail —
 *      all under ids derived from the Message-ID, so a second run (after
 *      a crash, or for another copy of the same mail) finds them and
 *      makes nothing twice
 *   3. mail/KEY.state written: from here the mail is never processed again
 *   4. IMAP: move to the processing folder (accepted; moved on to the done
 *      or failed folder when every destination has ended) or straight to
 *      the failed folder (refused)
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "conf.h"
#include "dial.h"
#include "fetch-imap.h"
#include "hub.h"
#include "hub-mail.h"
#include "image.h"
#include "kvfile.h"
#include "log.h"
#include "msg.h"
#include "passwd.h"
#include "register.h"
#include "util.h"
#include "xmalloc.h"

#define INTAKE_MAX_BACKOFF	60

struct intake {
	struct hub	*h;
	const char	*key;
	struct msg	 m;
	int		 parsed;
	char		*bcast;
};

static int	intake_refuse(struct intake *, const char *user, int unknown,
		    enum refusal, const char *value, const char *detail);

/* ---- authentication callbacks (users table in memory) ---------------- */

static int
auth_get_user(void *arg, const char *id, struct auth_user *u)
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
auth_verify(void *arg, const char *id, const char *pw)
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

/* ---- helpers --------------------------------------------------------- */

static int
state_save(struct hub *h, const char *key, const char *state,
    const char *bcast, const char *target)
{
	struct kv	 kv;
	char		*path;
	int		 rc;

	kv_init(&kv);
	kv_set(&kv, "v", "1");
	kv_set(&kv, "state", state);
	if (bcast != NULL)
		kv_set(&kv, "bcast", bcast);
	kv_set(&kv, "target", target);
	kv_setll(&kv, "moved", 0);
	path = spool_path(h, "mail", key, ".state");
	rc = hub_save_kv(&kv, path, key);
	free(path);
	kv_free(&kv);
	return rc;
}

static void
intake_log(struct intake *in, const char *user, const char *number,
    const char *status, const char *reason)
{
	struct logrec	 r;
	char		*id;

	memset(&r, 0, sizeof(r));
	id = xprintf("%s.%s", in->key, number != NULL ? number : "mail");
	r.id = id;
	r.direction = (char *)"out";
	r.user = (char *)user;
	r.number_typed = (char *)number;
	r.start = r.end = (long long)time(NULL);
	r.status = (char *)status;
	r.reason = (char *)reason;
	r.msgid = in->parsed ? in->m.message_id : NULL;
	hub_log_put(in->h, &r);
	free(id);
}

/*
 * Answers a refused mail.  Nothing goes to a null return path,
 * MAILER-DAEMON, an auto-submitted or bulk mail (no loops, no
 * backscatter), nor to an unknown sender when the config says so.
 */
static int
intake_refuse(struct intake *in, const char *user, int unknown,
    enum refusal why, const char *value, const char *detail)
{
	struct hub	*h = in->h;
	char		*msg, *id;
	size_t		 len;
	const char	*to, *reason = report_refusal_short(why);

	log_notice("mail %s from %s refused: %s%s%s", in->key,
	    in->parsed && in->m.from ? in->m.from : "?", reason,
	    detail ? ": " : "", detail ? detail : "");
	intake_log(in, user ? user : (in->parsed ? in->m.from : NULL), NULL,
	    "refused", detail ? detail : reason);
	to = in->parsed ? in->m.from : NULL;
	if (to == NULL || !msg_may_reply(&in->m))
		log_info("mail %s: no answer sent (null, automatic or bulk "
		    "sender)", in->key);
	else if (unknown && h->cfg.auth.silent_unknown)
		log_info("mail %s: unknown sender, no answer (silent_unknown)",
		    in->key);
	else {
		msg = hubmail_refusal(h, &in->m, why, value, detail, &len);
		id = xprintf("%s-refusal", in->key);
		outbox_put(h, id, "", &to, 1, msg, len, NULL, 0);
		free(id);
		free(msg);
	}
	return state_save(h, in->key, "refused", NULL,
	    h->cfg.imap.failed_folder);
}

static char *
job_id_for(const char *bcast, const struct faxaddr *fa)
{
	struct buf	 b;
	const char	*p;

	buf_init(&b);
	buf_adds(&b, bcast);
	buf_add(&b, "-", 1);
	for (p = fa->e164; *p != '\0'; p++)
		if (isdigit((unsigned char)*p))
			buf_add(&b, p, 1);
	if (fa->subaddr != NULL) {
		buf_add(&b, "s", 1);
		for (p = fa->subaddr; *p != '\0'; p++)
			if (isalnum((unsigned char)*p))
				buf_add(&b, p, 1);
	}
	return buf_steal(&b, NULL);
}

static int
number_barred(const struct hub *h, const struct user *u, const char *e164,
    const char **why)
{
	size_t	i;

	for (i = 0; i < h->cfg.dial.nbarred; i++)
		if (dial_pattern_match(h->cfg.dial.barred[i], e164)) {
			*why = "the number is barred by the site's dialling "
			    "rules";
			return 1;
		}
	if (u != NULL && u->bar != NULL)
		for (i = 0; u->bar[i] != NULL; i++)
			if (dial_pattern_match(u->bar[i], e164)) {
				*why = "you may not send faxes to this number";
				return 1;
			}
	if (u != NULL && u->allow != NULL && u->allow[0] != NULL) {
		for (i = 0; u->allow[i] != NULL; i++)
			if (dial_pattern_match(u->allow[i], e164))
				return 0;
		*why = "the number is outside the destinations you may send "
		    "faxes to";
		return 1;
	}
	return 0;
}

/* Writes the mail's documents to tmp files and normalises them. */
static int
intake_document(struct intake *in, const char *docpath, int fine,
    int *pages, char **notes, char **reason, char **detail)
{
	struct hub	 *h = in->h;
	struct img_opts	  o;
	struct img_stats  st;
	enum img_err	  err = IMG_OK;
	char		**paths, *cause = NULL;
	const char	**names;
	size_t		  i, n = 0;
	int		  rc = -1;

	paths = xcalloc(in->m.ndocs + 1, sizeof(char *));
	names = xcalloc(in->m.ndocs + 1, sizeof(char *));
	for (i = 0; i < in->m.ndocs; i++) {
		paths[n] = xprintf("%s/tmp/%s-%zu", h->cfg.spool_dir,
		    in->bcast, i);
		if (file_write_atomic(paths[n], in->m.docs[i].data,
		    in->m.docs[i].len, 0600, &cause) == -1) {
			log_warnx("mail %s: %s", in->key, cause);
			free(cause);
			*reason = xstrdup("temporary failure");
			goto out;
		}
		names[n] = in->m.docs[i].name;
		n++;
	}
	img_opts_default(&o);
	o.fine = fine;
	o.letter = h->cfg.page.size == PAGE_LETTER;
	o.max_pages = h->cfg.limits.pages;
	o.max_pixels = h->cfg.limits.pixels;
	memset(&st, 0, sizeof(st));
	if (img_normalize((const char *const *)paths, names, n, docpath, &o,
	    &st, &err, &cause) == -1) {
		*reason = xstrdup(img_err_text(err));
		*detail = cause;
		goto out;
	}
	*pages = st.pages;
	*notes = st.notes != NULL ? xstrdup(st.notes) : NULL;
	img_stats_free(&st);
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		unlink(paths[i]);
		free(paths[i]);
	}
	free(paths);
	free(names);
	return rc;
}

static int
intake_register(struct intake *in)
{
	struct hub		*h = in->h;
	struct reg_request	 rq;
	struct user		 u;
	char			*cause = NULL, *msg, *id, *detail;
	const char		*to = in->m.from;
	size_t			 len;
	int			 rc;

	if (register_parse(&in->m, &rq, &cause) == -1) {
		rc = intake_refuse(in, NULL, 0, REFUSE_NOT_AUTHENTICATED,
		    "registration", cause);
		free(cause);
		return rc;
	}
	if (h->admin_password == NULL || rq.admin_password == NULL ||
	    strcmp(rq.admin_password, h->admin_password) != 0) {
		reg_request_free(&rq);
		return intake_refuse(in, NULL, 0, REFUSE_NOT_AUTHENTICATED,
		    "registration",
		    "the administrator password is missing or wrong");
	}
	user_init(&u);
	u.id = xstrdup(rq.user);
	str_lower(u.id);
	u.name = rq.name != NULL ? xstrdup(rq.name) : NULL;
	u.enabled = 1;
	if (rq.password != NULL && passwd_hash(rq.password, &u.pwhash,
	    &cause) == -1) {
		user_free(&u);
		reg_request_free(&rq);
		rc = intake_refuse(in, NULL, 0, REFUSE_NOT_AUTHENTICATED,
		    "registration", cause);
		free(cause);
		return rc;
	}
	pthread_mutex_lock(&h->mtx);
	rc = user_put(h->cfg.table_dir, &u, &cause);
	if (rc == 0)
		hub_tables_reload(h, 1, &cause);
	pthread_mutex_unlock(&h->mtx);
	if (rc == -1) {
		detail = xprintf("the user could not be stored: %s", cause);
		free(cause);
		user_free(&u);
		reg_request_free(&rq);
		rc = intake_refuse(in, NULL, 0, REFUSE_NOT_AUTHENTICATED,
		    "registration", detail);
		free(detail);
		return rc;
	}
	log_notice("mail %s: user %s registered by mail", in->key, u.id);
	intake_log(in, u.id, NULL, "registered", NULL);
	if (msg_may_reply(&in->m) && to != NULL) {
		msg = hubmail_registered(h, &in->m, u.id, &len);
		id = xprintf("%s-registered", in->key);
		outbox_put(h, id, "", &to, 1, msg, len, NULL, 0);
		free(id);
		free(msg);
	}
	user_free(&u);
	reg_request_free(&rq);
	return state_save(h, in->key, "registered", NULL,
	    h->cfg.imap.done_folder);
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

#define INTAKE_HEADER_MAX	(64 * 1024)

/*
 * A mail msg_parse() refused still deserves an answer: read its top-level
 * header alone (the first INTAKE_HEADER_MAX bytes, cut at a line end), so
 * the sender, Message-ID and the no-reply markers are known.
 */
static void
intake_headers(struct intake *in, const char *raw, size_t len,
    const struct msg_limits *lim)
{
	struct msg_limits	 l = *lim;
	struct buf		 b;
	enum msg_err		 e;
	char			*cause = NULL;
	size_t			 n, i;

	msg_free(&in->m);
	memset(&in->m, 0, sizeof(in->m));
	n = len < INTAKE_HEADER_MAX ? len : INTAKE_HEADER_MAX;
	for (i = 0; i + 1 < n; i++)
		if (raw[i] == '\n' && (raw[i + 1] == '\n' ||
		    (raw[i + 1] == '\r' && i + 2 < n && raw[i + 2] == '\n'))) {
			n = i + 1;
			break;
		}
	while (n > 0 && raw[n - 1] != '\n')
		n--;
	/* No MIME structure: Content-* headers are renamed out of the way. */
	buf_init(&b);
	for (i = 0; i < n; ) {
		const char *nl = memchr(raw + i, '\n', n - i);
		size_t ll = nl != NULL ? (size_t)(nl - (raw + i)) + 1 : n - i;

		if (ll >= 8 && strncasecmp(raw + i, "Content-", 8) == 0)
			buf_adds(&b, "X-Ignored-");
		buf_add(&b, raw + i, ll);
		i += ll;
	}
	buf_adds(&b, "\r\n\r\n");
	l.header_size = INTAKE_HEADER_MAX * 2;
	l.message_size = INTAKE_HEADER_MAX * 2;
	if (msg_parse(b.data, b.len, &l, &in->m, &e, &cause) == -1) {
		free(cause);
		memset(&in->m, 0, sizeof(in->m));
	}
	buf_free(&b);
	in->parsed = in->m.from != NULL;
}


static int
intake_run(struct intake *in)
{
	struct hub		*h = in->h;
	struct msg_limits	 lim;
	enum msg_err		 merr = MSG_OK;
	struct auth_ops		 ops;
	struct auth_result	 ar;
	struct dial_rules	 dr;
	struct bcast		 b;
	const struct user	*u;
	struct faxaddr		*fas = NULL;
	char			*raw = NULL, *cause = NULL, *path, **locals = NULL;
	char			*reason = NULL, *detail = NULL, *user = NULL;
	char			*docpath = NULL, *notes = NULL, *bpath = NULL;
	size_t			 len, nlocals = 0, i, nok = 0;
	int			 rc = -1, pages = 0, fine, have_b = 0;
	int			 anybarred = 0, toobig, added = 0;
	const char		*target;
	enum report_style	 rstyle = REPORT_COMBINED;
	unsigned		 notify = NOTIFY_SUCCESS | NOTIFY_FAILURE;
	struct buf		 jobs, bad;

	buf_init(&jobs);
	buf_init(&bad);
	memset(&ar, 0, sizeof(ar));
	path = spool_path(h, "mail", in->key, ".eml");
	if (file_read(path, h->cfg.limits.message_size + 1024 * 1024, &raw,
	    &len, &cause) == -1) {
		log_warnx("mail %s: %s", in->key, cause);
		free(cause);
		free(path);
		return -1;
	}
	free(path);

	memset(&lim, 0, sizeof(lim));
	lim.message_size = h->cfg.limits.message_size;
	lim.header_size = h->cfg.limits.header_size;
	lim.attachment_size = h->cfg.limits.attachment_size;
	lim.mime_depth = h->cfg.limits.mime_depth;
	lim.mime_parts = h->cfg.limits.mime_parts;
	toobig = spool_exists(h, "mail", in->key, ".toobig");
	if (msg_parse(raw, len, &lim, &in->m, &merr, &cause) == -1 ||
	    toobig) {
		/* Only the header was fetched of a mail over the limit. */
		if (toobig) {
			merr = MSG_ETOOBIG;
			free(cause);
			cause = NULL;
		}
		intake_headers(in, raw, len, &lim);
		if (merr == MSG_ETOOBIG && cause == NULL)
			cause = xprintf("the mail is larger than the limit of "
			    "%zu bytes", lim.message_size);
		rc = intake_refuse(in, NULL, 0, merr == MSG_ETOOBIG ||
		    merr == MSG_EATTACH ? REFUSE_TOO_LARGE : REFUSE_MALFORMED,
		    NULL, cause);
		free(cause);
		goto out;
	}
	in->parsed = 1;

	if (is_register_mail(h, &in->m)) {
		rc = intake_register(in);
		goto out;
	}

	msg_fax_recipients(&in->m, h->cfg.fax.domains, &locals, &nlocals);
	if (nlocals == 0) {
		rc = intake_refuse(in, NULL, 0, REFUSE_NO_RECIPIENT, NULL,
		    "none of the recipients is an address in the fax domain");
		goto out;
	}

	memset(&ops, 0, sizeof(ops));
	ops.arg = h;
	ops.get_user = auth_get_user;
	ops.verify = auth_verify;
	auth_check(&in->m, h->cfg.auth.modes, h->cfg.auth.authserv_id, &ops,
	    &ar);
	if (ar.temporary) {
		log_warnx("mail %s: %s; will try again", in->key, ar.reason);
		goto out;
	}
	if (!ar.ok) {
		rc = intake_refuse(in, NULL, ar.unknown_sender,
		    ar.unknown_sender ? REFUSE_UNKNOWN_SENDER :
		    REFUSE_NOT_AUTHENTICATED, in->m.from, ar.reason);
		goto out;
	}
	user = xstrdup(ar.user);

	if (in->m.ndocs == 0) {
		rc = intake_refuse(in, user, 0, REFUSE_NO_ATTACHMENT, NULL,
		    "the mail has no TIFF, PDF or PostScript attachment to "
		    "fax");
		goto out;
	}

	{
		char *seed = xprintf("%s|%s", in->m.message_id ?
		    in->m.message_id : in->key, user);
		char *hh = hub_id_hash(seed);
		in->bcast = xprintf("b%s", hh);
		free(hh);
		free(seed);
	}

	memset(&dr, 0, sizeof(dr));
	dr.country_code = h->cfg.dial.country_code;
	dr.area_code = h->cfg.dial.area_code;
	dr.intl_prefix = h->cfg.dial.international_prefix;
	dr.natl_prefix = h->cfg.dial.national_prefix;
	dr.outside_prefix = h->cfg.dial.outside_prefix;
	fas = xcalloc(nlocals, sizeof(*fas));

	pthread_mutex_lock(&h->mtx);
	u = hub_user(h, user);
	if (u != NULL) {
		rstyle = u->report;
		notify = u->notify;
	}
	for (i = 0; i < nlocals; i++) {
		const char *why = NULL;
		char *c2 = NULL;

		if (addr_parse(locals[i], &dr, &fas[i], &c2) == -1) {
			buf_addf(&bad, "%s%s", bad.len ? "\n" : "", c2);
			free(c2);
			continue;
		}
		if (number_barred(h, u, fas[i].e164, &why)) {
			anybarred = 1;
			buf_addf(&bad, "%s%s: %s", bad.len ? "\n" : "",
			    fas[i].typed, why);
			faxaddr_free(&fas[i]);
			memset(&fas[i], 0, sizeof(fas[i]));
			continue;
		}
		nok++;
	}
	pthread_mutex_unlock(&h->mtx);
	if (nok == 0) {
		rc = intake_refuse(in, user, 0, anybarred ?
		    REFUSE_BARRED_NUMBER : REFUSE_BAD_NUMBER,
		    nlocals == 1 ? locals[0] : NULL, bad.data);
		goto out;
	}

	/* The document: once per broadcast, whichever copy comes first. */
	docpath = spool_path(h, "docs", in->bcast, ".tif");
	bpath = spool_path(h, "bcast", in->bcast, NULL);
	memset(&b, 0, sizeof(b));
	if (access(bpath, F_OK) == 0) {
		if (bcast_load(bpath, &b, &cause) == -1) {
			log_warnx("mail %s: %s", in->key, cause);
			free(cause);
			goto out;
		}
		have_b = 1;
	}
	fine = h->cfg.page.resolution == PAGE_FINE;
	if (!have_b || access(docpath, F_OK) != 0) {
		if (intake_document(in, docpath, fine, &pages, &notes, &reason,
		    &detail) == -1) {
			rc = intake_refuse(in, user, 0, REFUSE_BAD_DOCUMENT,
			    reason, detail);
			goto out;
		}
	}
	if (!have_b) {
		b.id = xstrdup(in->bcast);
		b.mailkey = xstrdup(in->key);
		b.user = xstrdup(user);
		b.reply_to = xstrdup(in->m.from);
		b.msgid = in->m.message_id ? xstrdup(in->m.message_id) : NULL;
		b.references = in->m.references ?
		    xstrdup(in->m.references) : NULL;
		b.subject = xstrdup(in->m.subject_clean ?
		    in->m.subject_clean : (in->m.subject ? in->m.subject : ""));
		b.doc = xstrdup(docpath);
		b.report = rstyle == REPORT_PER_DEST;
		b.notify = notify;
		b.created = (long long)time(NULL);
		b.pages = pages;
		{
			struct buf nb;
			buf_init(&nb);
			if (notes != NULL)
				buf_adds(&nb, notes);
			for (i = 0; i < in->m.nignored; i++)
				buf_addf(&nb, "%sIgnored: %s", nb.len ? "\n" :
				    "", in->m.ignored[i]);
			if (bad.len)
				buf_addf(&nb, "%sNot sent: %s", nb.len ? "\n" :
				    "", bad.data);
			b.notes = nb.len ? buf_steal(&nb, NULL) : NULL;
			buf_free(&nb);
		}
	}
	if (b.jobs != NULL)
		buf_adds(&jobs, b.jobs);

	/* One job per destination; a copy of the same mail adds nothing. */
	pthread_mutex_lock(&h->mtx);
	for (i = 0; i < nlocals; i++) {
		struct hjob	*hj;
		char		*jid;

		if (fas[i].e164 == NULL)
			continue;
		jid = job_id_for(in->bcast, &fas[i]);
		if (hub_job_find(h, jid) != NULL ||
		    spool_exists(h, "jobs", jid, NULL)) {
			free(jid);
			continue;
		}
		hj = xcalloc(1, sizeof(*hj));
		hj->j.id = jid;
		hj->j.broadcast = xstrdup(in->bcast);
		hj->j.user = xstrdup(user);
		hj->j.typed = xstrdup(fas[i].typed);
		hj->j.e164 = xstrdup(fas[i].e164);
		hj->j.dial = xstrdup(fas[i].dial);
		hj->j.subaddr = fas[i].subaddr ? xstrdup(fas[i].subaddr) : NULL;
		hj->j.doc = xstrdup(docpath);
		hj->j.state = JOB_QUEUED;
		hj->j.created = (long long)time(NULL);
		hj->j.pages = b.pages;
		hj->j.fine = fine;
		if (hub_job_save(h, hj) == -1) {
			job_free(&hj->j);
			free(hj);
			pthread_mutex_unlock(&h->mtx);
			goto out;
		}
		hub_job_add(h, hj);
		hub_log_job(h, hj, "queued");
		buf_addf(&jobs, "%s%s", jobs.len ? "," : "", hj->j.id);
		added++;
		log_info("mail %s: job %s for %s (dial %s), %lld pages",
		    in->key, hj->j.id, hj->j.e164, hj->j.dial, hj->j.pages);
	}
	job_setstr(&b.jobs, jobs.data ? jobs.data : "");
	/*
	 * A copy of a mail whose broadcast already ended adds nothing: it goes
	 * straight to where its first copy went.  One that adds a number
	 * (a late Bcc copy) reopens the broadcast.
	 */
	target = h->cfg.imap.processing_folder;
	if (added > 0 && b.reported) {
		b.reported = 0;
		b.moved = 0;
	} else if (b.reported)
		target = b.reported == 2 ? h->cfg.imap.failed_folder :
		    h->cfg.imap.done_folder;
	if (bcast_save(&b, bpath, &cause) == -1) {
		pthread_mutex_unlock(&h->mtx);
		log_warnx("mail %s: %s", in->key, cause);
		free(cause);
		bcast_free(&b);
		goto out;
	}
	bcast_free(&b);
	dispatch_schedule(h);	/* now, not at the main thread's next tick */
	hub_wake_all(h);
	pthread_mutex_unlock(&h->mtx);
	crash_point("intake-after-jobs");
	rc = state_save(h, in->key, "accepted", in->bcast, target);
out:
	if (fas != NULL) {
		for (i = 0; i < nlocals; i++)
			faxaddr_free(&fas[i]);
		free(fas);
	}
	for (i = 0; i < nlocals; i++)
		free(locals[i]);
	free(locals);
	free(ar.user);
	free(ar.reason);
	free(user);
	free(reason);
	free(detail);
	free(notes);
	free(docpath);
	free(bpath);
	free(raw);
	buf_free(&jobs);
	buf_free(&bad);
	return rc;
}

int
intake_process(struct hub *h, const char *key)
{
	struct intake	in;
	int		rc;

	memset(&in, 0, sizeof(in));
	in.h = h;
	in.key = key;
	rc = intake_run(&in);
	msg_free(&in.m);
	free(in.bcast);
	return rc;
}

/* ---- the IMAP side --------------------------------------------------- */

static enum imap_tls
intake_tls(enum tls_mode m)
{
	switch (m) {
	case TLS_NONE:
		return IMAP_TLS_NONE;
	case TLS_TLS:
		return IMAP_TLS_TLS;
	default:
		return IMAP_TLS_STARTTLS;
	}
}

/* Moves a processed message where its state file says; -1 = IMAP broke. */
static int
intake_move(struct hub *h, struct imap_conn *c, const char *key,
    uint32_t uid)
{
	struct kv	 kv;
	char		*path, *cause = NULL;
	const char	*target;
	int		 rc = 0;

	kv_init(&kv);
	path = spool_path(h, "mail", key, ".state");
	if (kv_load(&kv, path, &cause) == -1) {
		log_warnx("mail %s: %s", key, cause);
		free(cause);
		free(path);
		return 0;
	}
	target = kv_get(&kv, "target");
	if (target != NULL && kv_getll(&kv, "moved", 0) == 0) {
		crash_point("intake-before-move");
		if (imap_move(c, uid, target, &cause) == -1) {
			log_warnx("mail %s: moving to %s: %s", key, target,
			    cause);
			free(cause);
			rc = -1;
		} else {
			kv_setll(&kv, "moved", 1);
			hub_save_kv(&kv, path, key);
			log_info("mail %s moved to %s", key, target);
		}
	}
	free(path);
	kv_free(&kv);
	return rc;
}

static int
intake_scan(struct hub *h, struct imap_conn *c)
{
	uint32_t	*uids = NULL, uidv = imap_uidvalidity(c);
	size_t		 n = 0, i, len;
	char		*cause = NULL, *key, *raw, *path;
	int		 toobig, rc = 0;

	if (imap_uids(c, &uids, &n, &cause) == -1) {
		log_warnx("imap: %s", cause);
		free(cause);
		return -1;
	}
	for (i = 0; i < n && !h->stop; i++) {
		key = xprintf("%u-%u", uidv, uids[i]);
		if (!spool_exists(h, "mail", key, ".state")) {
			if (!spool_exists(h, "mail", key, ".eml")) {
				if (imap_fetch(c, uids[i],
				    h->cfg.limits.message_size, &raw, &len,
				    &toobig, &cause) == -1) {
					log_warnx("imap: %s", cause);
					free(cause);
					free(key);
					rc = -1;
					break;
				}
				if (toobig) {
					path = spool_path(h, "mail", key,
					    ".toobig");
					file_write_atomic(path, "", 0, 0600,
					    &cause);
					free(cause);
					cause = NULL;
					free(path);
				}
				path = spool_path(h, "mail", key, ".eml");
				if (file_write_atomic(path, raw, len, 0600,
				    &cause) == -1) {
					log_warnx("mail %s: %s", key, cause);
					free(cause);
					free(path);
					free(raw);
					free(key);
					rc = 0;
					break;
				}
				free(path);
				free(raw);
				log_info("mail %s taken into the spool (%zu "
				    "bytes)", key, len);
				crash_point("intake-after-spool");
			}
			if (intake_process(h, key) == -1) {
				free(key);
				continue;
			}
		}
		if (intake_move(h, c, key, uids[i]) == -1) {
			free(key);
			rc = -1;
			break;
		}
		free(key);
	}
	free(uids);
	return rc;
}

/*
 * Broadcasts whose every destination has ended: move their mail from the
 * processing folder to the done or failed folder.
 */
static int
intake_finish(struct hub *h, struct imap_conn *c)
{
	char		**names, *cause = NULL, *path;
	size_t		  n, i;
	struct bcast	  b;
	int		  rc = 0;

	if (spool_list(h, "bcast", "", &names, &n, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++) {
		path = spool_path(h, "bcast", names[i], NULL);
		if (bcast_load(path, &b, &cause) == -1) {
			free(cause);
			cause = NULL;
			free(path);
			continue;
		}
		if (b.reported && !b.moved && b.msgid != NULL) {
			const char *to = b.reported == 2 ?
			    h->cfg.imap.failed_folder : h->cfg.imap.done_folder;
			int moved = imap_move_msgid(c,
			    h->cfg.imap.processing_folder, b.msgid, to,
			    h->cfg.imap.mailbox, &cause);
			if (moved == -1) {
				log_warnx("broadcast %s: %s", b.id, cause);
				free(cause);
				cause = NULL;
				rc = -1;
			} else {
				b.moved = 1;
				if (bcast_save(&b, path, &cause) == -1) {
					log_warnx("%s", cause);
					free(cause);
					cause = NULL;
				}
				log_info("broadcast %s: %d mail(s) moved to %s",
				    b.id, moved, to);
			}
		}
		bcast_free(&b);
		free(path);
	}
	spool_names_free(names, n);
	return rc;
}

void *
intake_main(void *arg)
{
	struct hub		*h = arg;
	struct imap_conn	*c = NULL;
	struct imap_params	 p;
	enum imap_errclass	 cls;
	char			*cause = NULL;
	int			 backoff = 1, r;

	while (!h->stop) {
		if (c == NULL) {
			memset(&p, 0, sizeof(p));
			p.host = h->cfg.imap.host;
			p.port = h->cfg.imap.port;
			p.tls = intake_tls(h->cfg.imap.tls);
			p.ca_file = h->cfg.imap.ca_file;
			p.user = h->cfg.imap.user;
			p.password = h->imap_password;
			p.mailbox = h->cfg.imap.mailbox;
			p.timeout = h->cfg.imap.timeout;
			if (imap_open(&p, &c, &cls, &cause) == -1) {
				log_warnx("imap: %s (retry in %ds)", cause,
				    backoff);
				pthread_mutex_lock(&h->mtx);
				h->imap_up = 0;
				free(h->imap_err);
				h->imap_err = cause;
				cause = NULL;
				hub_sleep(h, backoff);
				pthread_mutex_unlock(&h->mtx);
				backoff = backoff * 2 > INTAKE_MAX_BACKOFF ?
				    INTAKE_MAX_BACKOFF : backoff * 2;
				c = NULL;
				continue;
			}
			imap_set_idle(c, h->cfg.imap.idle);
			if (imap_ensure_folder(c, h->cfg.imap.processing_folder,
			    &cause) == -1 ||
			    imap_ensure_folder(c, h->cfg.imap.done_folder,
			    &cause) == -1 ||
			    imap_ensure_folder(c, h->cfg.imap.failed_folder,
			    &cause) == -1) {
				log_warnx("imap: %s", cause);
				free(cause);
				cause = NULL;
				imap_close(c);
				c = NULL;
				pthread_mutex_lock(&h->mtx);
				hub_sleep(h, backoff);
				pthread_mutex_unlock(&h->mtx);
				continue;
			}
			log_info("imap: logged in to %s:%d, watching %s%s",
			    p.host, p.port, p.mailbox,
			    h->cfg.imap.idle && imap_has_capability(c, "IDLE") ?
			    " (IDLE)" : "");
			backoff = 1;
			pthread_mutex_lock(&h->mtx);
			h->imap_up = 1;
			free(h->imap_err);
			h->imap_err = NULL;
			pthread_mutex_unlock(&h->mtx);
		}
		h->intake_wake = 0;
		if (intake_scan(h, c) == -1 || intake_finish(h, c) == -1) {
			imap_close(c);
			c = NULL;
			continue;
		}
		r = imap_wait(c, h->cfg.imap.poll_interval, &h->intake_wake,
		    &cause);
		if (r == -1) {
			log_warnx("imap: %s", cause);
			free(cause);
			cause = NULL;
			imap_close(c);
			c = NULL;
		}
	}
	imap_close(c);
	return NULL;
}
