/*
 * intake.c: the intake thread's IMAP side (patent Figure 3, first half):
 * watch the gateway mailbox, take each mail into the spool durably, hand
 * it to the intake steps (intake-mail.c), and move it to its folder.
 *
 * Order of durability for one message (KEY = UIDVALIDITY-UID):
 *   1. fetch, write mail/KEY.eml (temp, fsync, rename, dir fsync)
 *   2. intake_process(): jobs or refusal, then mail/KEY.state
 *   3. IMAP: move to the processing folder (accepted; moved on to the done
 *      or failed folder when every destination has ended) or straight to
 *      the failed folder (refused)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fetch-imap.h"
#include "hub.h"
#include "kvfile.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define INTAKE_MAX_BACKOFF	60

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
	int		 toobig, rc = 0, seen;

	if (imap_uids(c, &uids, &n, &cause) == -1) {
		log_warnx("imap: %s", cause);
		free(cause);
		return -1;
	}
	for (i = 0; i < n && !h->stop; i++) {
		key = xprintf("%u-%u", uidv, uids[i]);
		if (!spool_exists(h, "mail", key, ".state")) {
			/* Taken, ended and pruned (retention.c): done with. */
			if ((seen = spool_seen(h, key, &cause)) != 0) {
				if (seen == -1) {
					log_warnx("mail %s: %s", key, cause);
					free(cause);
					cause = NULL;
				}
				free(key);
				continue;
			}
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
 * processing folder to the done or failed folder, then retire the
 * broadcast (hub_bcast_retire: its records to done/, its jobs out of
 * memory), so that bcast/ holds only live broadcasts and each pass reads
 * as many records as there is work in flight.  The first pass over a
 * spool written before done/ existed retires every ended broadcast.
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
		if (b.reported && (b.moved || b.msgid == NULL) &&
		    hub_bcast_retire(h, &b, &cause) == -1) {
			log_warnx("%s", cause);
			free(cause);
			cause = NULL;
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

	if (h->cfg.auth.modes == AUTH_ADDRESS)
		log_warnx("auth.modes = address alone (auth.trust_from_header "
		    "= yes): anyone who writes a user's address in From: can "
		    "send faxes at the site's cost");
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
