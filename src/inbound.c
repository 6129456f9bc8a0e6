/*
 * inbound.c: received faxes (patent claim 3, Figure 4).  No fax server
 * keeps its own list of who gets what: each server thread lists its
 * server's receive queue, takes every completed fax into the spool, and
 * faxhubd picks the recipients from the distribution table (route.c, the
 * same function `faxhubctl route test` uses) and mails them the fax.
 *
 * A received fax KEY = SERVER-FILE-HASH(time) moves through in/KEY.meta:
 *   fetched  TIFF and metadata are in the spool (durable)
 *   routed   one outbox mail per recipient queued, log records written
 *   removed  every mail was accepted, the fax deleted on the server
 *   kept     every mail was accepted, the fax left there (inbound.remove
 *            = no)
 * The meta file stays as a tombstone while the server still lists the fax,
 * so a fax is never fetched or delivered twice.  When the server no
 * longer lists it, "in/KEY" goes into the seen index (spool.h) before the
 * meta goes: a fax the server lists again (a receive queue restored, a
 * listing that left it out for a while) is recognised and left alone for
 * as long as the index keeps the id (retention.seen).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "fax.h"
#include "hub.h"
#include "hub-mail.h"
#include "kvfile.h"
#include "log.h"
#include "route.h"
#include "util.h"
#include "xmalloc.h"

/* After a failed op: a lost or garbled session is closed; fe cleared. */
static void
conn_failed(struct fax_conn **cp, struct fax_err *fe)
{
	if (fe->cls == FAXERR_CONNECT || fe->cls == FAXERR_PROTOCOL) {
		(*cp)->drv->close(*cp);
		*cp = NULL;
	}
	fax_err_clear(fe);
}

static char *
inbound_key(const char *server, const struct fax_recv *r)
{
	char		*base, *dot, *seed, *hash, *key;

	base = xstrdup(r->file);
	if ((dot = strrchr(base, '.')) != NULL)
		*dot = '\0';
	seed = xprintf("%s|%s|%ld", r->file, r->time ? r->time : "", r->size);
	hash = hub_id_hash(seed);
	hash[8] = '\0';
	key = xprintf("%s-%s-%s", server, base, hash);
	free(hash);
	free(seed);
	free(base);
	return key;
}

static int
meta_save(struct hub *h, const char *key, struct kv *kv)
{
	char	*path;
	int	 rc;

	path = spool_path(h, "in", key, ".meta");
	rc = hub_save_kv(kv, path, key);
	free(path);
	return rc;
}

/* Fetches one fax into the spool; 0 ok, -1 error (conn may be gone). */
static int
inbound_fetch(struct hub *h, struct hsrv *s, struct fax_conn **cp,
    const struct fax_recv *r, const char *key)
{
	struct fax_err	 fe;
	struct kv	 kv;
	char		*tif;
	int		 rc;

	memset(&fe, 0, sizeof(fe));
	tif = spool_path(h, "in", key, ".tif");
	if ((*cp)->drv->retrieve(*cp, r->file, tif, &fe) == -1) {
		log_warnx("received fax %s: %s", key, fe.msg ? fe.msg : "");
		conn_failed(cp, &fe);
		free(tif);
		return -1;
	}
	free(tif);
	kv_init(&kv);
	kv_set(&kv, "v", "1");
	kv_set(&kv, "key", key);
	kv_set(&kv, "state", "fetched");
	kv_set(&kv, "server", s->name);
	kv_set(&kv, "file", r->file);
	kv_set(&kv, "time", r->time ? r->time : "");
	kv_set(&kv, "csid", r->csid ? r->csid : "");
	kv_set(&kv, "caller", r->caller ? r->caller : "");
	kv_set(&kv, "called", r->called ? r->called : "");
	kv_set(&kv, "subaddr", r->subaddr ? r->subaddr : "");
	kv_set(&kv, "error", r->error ? r->error : "");
	kv_set(&kv, "modem", r->modem ? r->modem : "");
	kv_set(&kv, "format", r->format ? r->format : "");
	kv_setll(&kv, "pages", r->pages);
	kv_setll(&kv, "vres", r->vres);
	kv_setll(&kv, "bitrate", r->bitrate);
	kv_setll(&kv, "size", r->size);
	kv_setll(&kv, "received", (long long)time(NULL));
	rc = meta_save(h, key, &kv);
	kv_free(&kv);
	if (rc == 0) {
		log_info("received fax %s: %d page(s) from \"%s\" (caller %s, "
		    "called %s) taken into the spool", key, r->pages,
		    r->csid ? r->csid : "", r->caller ? r->caller : "?",
		    r->called ? r->called : "?");
		crash_point("inbound-after-fetch");
	}
	return rc;
}

/* Chooses recipients and queues one mail each; mtx not held. */
static int
inbound_route(struct hub *h, const char *key, struct kv *meta)
{
	struct route_input	 in;
	const struct route	*rule = NULL;
	char			**to = NULL, *tif, *cause = NULL, *rulename;
	int			 *fmt = NULL, rc = 0, known;
	size_t			 n = 0, i;

	memset(&in, 0, sizeof(in));
	in.called = kv_get(meta, "called");
	in.caller = kv_get(meta, "caller");
	in.csid = kv_get(meta, "csid");
	in.server = kv_get(meta, "server");

	pthread_mutex_lock(&h->mtx);
	if (route_match(h->t.routes, h->t.nroutes, &in, &rule) == 1) {
		for (i = 0; rule->users[i] != NULL; i++) {
			const struct user *u = hub_user(h, rule->users[i]);
			to = xreallocarray(to, n + 1, sizeof(*to));
			fmt = xreallocarray(fmt, n + 1, sizeof(*fmt));
			to[n] = xstrdup(rule->users[i]);
			fmt[n] = u != NULL ? (int)u->format :
			    (int)h->cfg.inbound.default_format;
			n++;
		}
		rulename = rule->is_default ? xstrdup("default") :
		    xprintf("%d", rule->order);
	} else {
		to = xcalloc(1, sizeof(*to));
		fmt = xcalloc(1, sizeof(*fmt));
		to[0] = xstrdup(h->cfg.postmaster);
		fmt[0] = (int)h->cfg.inbound.default_format;
		n = 1;
		rulename = xstrdup("none (postmaster)");
	}
	pthread_mutex_unlock(&h->mtx);

	tif = spool_path(h, "in", key, ".tif");
	for (i = 0; i < n; i++) {
		char		*id, *msg;
		size_t		 len;
		struct logrec	 r;
		const char	*rc1 = to[i];

		id = xprintf("%s-%s", key, to[i]);
		if ((known = outbox_known(h, id)) != 0) {
			if (known == -1)
				rc = -1;	/* routed again next poll */
			free(id);
			continue;
		}
		msg = hubmail_inbound(h, meta, tif, to[i], fmt[i], &len,
		    &cause);
		if (msg == NULL && fmt[i] != FMT_TIFF) {
			/* The fax as received, unconverted, beats no fax. */
			log_warnx("received fax %s for %s: %s; sending it as "
			    "TIFF", key, to[i], cause);
			free(cause);
			cause = NULL;
			msg = hubmail_inbound(h, meta, tif, to[i], FMT_TIFF,
			    &len, &cause);
		}
		if (msg == NULL) {
			log_warnx("received fax %s for %s: %s", key, to[i],
			    cause);
			free(cause);
			cause = NULL;
			free(id);
			rc = -1;
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.id = id;
		r.direction = (char *)"in";
		r.job = (char *)key;
		r.user = to[i];
		r.number_typed = (char *)kv_get(meta, "caller");
		r.number_dialled = (char *)kv_get(meta, "called");
		r.server = (char *)kv_get(meta, "server");
		r.start = kv_getll(meta, "received", 0);
		r.pages = (int)kv_getll(meta, "pages", 0);
		r.csid = (char *)kv_get(meta, "csid");
		r.status = (char *)"queued";
		r.reason = (char *)kv_get(meta, "error");
		if (r.reason != NULL && *r.reason == '\0')
			r.reason = NULL;
		r.attempts = 1;
		r.rule = rulename;
		hub_log_put(h, &r);
		if (outbox_put(h, id, h->cfg.smtp.sender, &rc1, 1, msg, len,
		    id, 1) == -1)
			rc = -1;
		else
			log_info("received fax %s: mail to %s queued (rule %s)",
			    key, to[i], rulename);
		crash_point("inbound-after-first-mail");
		free(msg);
		free(id);
	}
	if (rc == 0) {
		struct buf rl;
		buf_init(&rl);
		for (i = 0; i < n; i++)
			buf_addf(&rl, "%s%s", i ? "," : "", to[i]);
		kv_set(meta, "recipients", rl.data);
		kv_set(meta, "rule", rulename);
		kv_set(meta, "state", "routed");
		buf_free(&rl);
		rc = meta_save(h, key, meta);
	}
	for (i = 0; i < n; i++)
		free(to[i]);
	free(to);
	free(fmt);
	free(rulename);
	free(tif);
	return rc;
}

/* 1 when every recipient's mail of this fax was accepted. */
static int
inbound_delivered(struct hub *h, const char *key, const struct kv *meta)
{
	const char	*list = kv_get(meta, "recipients");
	char		*copy, *p, *tok, *save = NULL, *id;
	int		 all = 1;

	if (list == NULL)
		return 0;
	copy = xstrdup(list);
	for (p = copy; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		id = xprintf("%s-%s", key, tok);
		if (outbox_sent(h, id) != 1)
			all = 0;
		free(id);
	}
	free(copy);
	return all;
}

/*
 * 1 when a listed fax without a meta was delivered before (its tombstone
 * went, "in/KEY" is in the seen index) or when that cannot be told now
 * (tried again at the next poll); 0 when it is new.
 */
static int
inbound_seen(struct hub *h, const char *key)
{
	char	*id, *cause = NULL;
	int	 rc;

	id = xprintf("in/%s", key);
	if ((rc = spool_seen(h, id, &cause)) == -1) {
		log_warnx("received fax %s: %s", key, cause);
		free(cause);
	} else if (rc == 1)
		log_debug("received fax %s: delivered before (seen index); "
		    "left alone", key);
	free(id);
	return rc != 0;
}

/*
 * The tombstone of a delivered fax that its server no longer lists: its
 * id into the seen index first, then the meta goes.  Only this server's
 * own (the meta names it: another server's name may begin with this
 * one's and a dash).
 */
static void
inbound_forget(struct hub *h, const struct hsrv *s, const char *key)
{
	struct kv	 kv;
	const char	*st, *srv;
	char		*path, *id, *cause = NULL;

	path = spool_path(h, "in", key, ".meta");
	kv_init(&kv);
	if (kv_load(&kv, path, &cause) == 0 &&
	    (srv = kv_get(&kv, "server")) != NULL &&
	    strcmp(srv, s->name) == 0 && (st = kv_get(&kv, "state")) != NULL &&
	    (strcmp(st, "removed") == 0 || strcmp(st, "kept") == 0)) {
		id = xprintf("in/%s", key);
		if (spool_seen_add(h, id, (long long)time(NULL), &cause) == -1)
			log_warnx("received fax %s: %s", key, cause);
		else if (unlink(path) == -1)
			log_warn("unlink %s", path);
		else
			log_debug("received fax %s: no longer listed by server "
			    "%s; its id kept in the seen index", key, s->name);
		free(id);
	}
	free(cause);
	kv_free(&kv);
	free(path);
}

static void
inbound_one(struct hub *h, struct hsrv *s, struct fax_conn **cp,
    const struct fax_recv *r, const char *key)
{
	struct kv	 kv;
	struct fax_err	 fe;
	char		*path, *cause = NULL;
	const char	*state;

	path = spool_path(h, "in", key, ".meta");
	if (access(path, F_OK) != 0 && (inbound_seen(h, key) ||
	    inbound_fetch(h, s, cp, r, key) == -1)) {
		free(path);
		return;
	}
	kv_init(&kv);
	if (kv_load(&kv, path, &cause) == -1) {
		log_warnx("received fax: %s", cause);
		free(cause);
		goto out;
	}
	state = kv_get(&kv, "state");
	if (state != NULL && strcmp(state, "fetched") == 0) {
		if (inbound_route(h, key, &kv) == -1)
			goto out;
		state = kv_get(&kv, "state");
	}
	if (state != NULL && strcmp(state, "routed") == 0 &&
	    inbound_delivered(h, key, &kv)) {
		if (h->cfg.inbound.remove) {
			memset(&fe, 0, sizeof(fe));
			if ((*cp)->drv->delete_recv(*cp, r->file, &fe) == -1) {
				log_warnx("received fax %s: %s", key,
				    fe.msg ? fe.msg : "");
				conn_failed(cp, &fe);
				goto out;
			}
			kv_set(&kv, "state", "removed");
			log_info("received fax %s delivered to %s; removed from "
			    "server %s", key, kv_get(&kv, "recipients"),
			    s->name);
		} else {
			kv_set(&kv, "state", "kept");
			log_info("received fax %s delivered to %s; left on "
			    "server %s", key, kv_get(&kv, "recipients"),
			    s->name);
		}
		if (meta_save(h, key, &kv) == 0)
			spool_unlink(h, "in", key, ".tif");
	}
out:
	kv_free(&kv);
	free(path);
}

void
inbound_poll(struct hub *h, struct hsrv *s, struct fax_conn **cp)
{
	struct fax_recv	 *r = NULL;
	struct fax_err	  fe;
	size_t		  n = 0, i, k, nn = 0;
	char		**keys, **names = NULL, *cause = NULL, *prefix;

	memset(&fe, 0, sizeof(fe));
	if ((*cp)->drv->recvq(*cp, &r, &n, &fe) == -1) {
		log_warnx("%s", fe.msg ? fe.msg : "recvq failed");
		conn_failed(cp, &fe);
		return;
	}
	/* Every key first: the tombstones below go by the whole listing. */
	keys = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		keys[i] = inbound_key(s->name, &r[i]);
	for (i = 0; i < n && *cp != NULL && !h->stop; i++)
		if (!r[i].receiving)
			inbound_one(h, s, cp, &r[i], keys[i]);
	/* Tombstones of faxes the server no longer lists can go. */
	if (*cp != NULL && spool_list(h, "in", ".meta", &names, &nn,
	    &cause) == 0) {
		prefix = xprintf("%s-", s->name);
		for (i = 0; i < nn; i++) {
			int listed = 0;

			if (strncmp(names[i], prefix, strlen(prefix)) != 0)
				continue;
			for (k = 0; k < n; k++)
				if (strcmp(keys[k], names[i]) == 0)
					listed = 1;
			if (!listed)
				inbound_forget(h, s, names[i]);
		}
		free(prefix);
		spool_names_free(names, nn);
	} else {
		free(cause);
	}
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	fax_recvq_free(r, n);
}
