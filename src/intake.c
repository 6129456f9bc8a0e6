/*
 * intake.c: the intake thread's IMAP side (patent Figure 3, first half):
 * watch the gateway mailbox, take each mail into the spool durably, hand
 * it to the intake steps (intake-mail.c), and move it to its folder.
 *
 * A pass works in batches of up to INTAKE_BATCH mails.  Order of
 * durability for one batch (KEY = UIDVALIDITY-UID):
 *   1. fetch the new mails (imap_fetch_batch: one UID FETCH of the sizes,
 *      few of the bodies), stage each as mail/KEY.eml (temp file, fsync)
 *      and commit them together (spool_commit: renames, one fsync of
 *      mail/), with the states of the batch before (step 2): only then
 *      is a mail "taken"
 *   2. intake_process() on each: document, jobs and broadcast written
 *      without fsync (WRITE_SCRATCH: derived from the durable .eml, and
 *      re-derived at start-up when a crash lost or tore them,
 *      intake-recover.c) or refusal made durable, then its mail/KEY.state
 *      staged (fsynced temp file); the states are committed together
 *      (renames, one fsync of mail/) with the next batch's mails, or
 *      after the pass's last batch
 *   3. IMAP, once the states are durable: one UID MOVE per folder of the
 *      batch: to the processing
 *      folder (accepted; moved on to the done or failed folder when every
 *      destination has ended) or to the failed or done folder; then
 *      mail/KEY.moved (no fsync) notes it for retention
 * Until its state is committed a mail stays in the watched mailbox, so a
 * crash at any point leaves it to be taken (again) by the next pass.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "fetch-imap.h"
#include "hub.h"
#include "image.h"
#include "intake.h"
#include "kvfile.h"
#include "log.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

#define INTAKE_MAX_BACKOFF	60
/*
 * Mails per batch: fetched together, their spool files and states each
 * made durable together, moved together.  Their jobs reach dispatch as
 * each is processed.
 */
#define INTAKE_BATCH		32

static char	*intake_target(struct hub *, const char *);
static int	 intake_move(struct hub *, struct imap_conn *, uint32_t,
		    const uint32_t *, size_t);
static size_t	 intake_unseen(struct hub *, char **, uint32_t *, size_t);
static void	 intake_mark_moved(struct hub *, const char *);
static int	 live_mark(struct hub *, struct spool_batch *, const char *);
static void	 live_unmark(struct hub *, const struct bcast *);
static int	 intake_stage(struct hub *, struct spool_batch *,
		    const char *, const char *, const char *, size_t);
static int	 intake_take(struct hub *, struct imap_conn *, uint32_t,
		    const uint32_t *, size_t, struct spool_batch *);
static int	 intake_batch(struct hub *, struct imap_conn *, uint32_t,
		    const uint32_t *, size_t, const uint32_t *, size_t,
		    struct spool_batch *);
static int	 intake_scan(struct hub *, struct imap_conn *);

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

/* The folder mail/KEY.state says; NULL when there is none. */
static char *
intake_target(struct hub *h, const char *key)
{
	struct kv	 kv;
	char		*path, *cause = NULL, *target = NULL;

	kv_init(&kv);
	path = spool_path(h, "mail", key, ".state");
	if (kv_load(&kv, path, &cause) == -1) {
		log_warnx("mail %s: %s", key, cause);
		free(cause);
	} else if (kv_get(&kv, "target") != NULL)
		target = xstrdup(kv_get(&kv, "target"));
	free(path);
	kv_free(&kv);
	return target;
}

/*
 * Notes that the mail left the watched mailbox, for retention
 * (retention.c prunes a refused mail once moved): the mark
 * mail/KEY.moved (spool_mark()), without any fsync, beside the durable
 * state (which is never rewritten, so a crash cannot tear it).  The intake itself never
 * needs it (it looks only at mail still in the mailbox): a crash may
 * lose the note, which then keeps the mail's files until they are
 * removed by hand, never removes them early.  The mail goes on the due
 * list (spool.h) for the same reason.
 */
static void
intake_mark_moved(struct hub *h, const char *key)
{
	char	*path, *cause = NULL;

	path = spool_path(h, "mail", key, ".moved");
	if (spool_mark(h->cfg.spool_dir, path, &cause) == -1 ||
	    spool_due_note(h, DUE_RECORDS, "mail", key, (long long)time(NULL),
	    &cause) == -1) {
		log_warnx("mail %s: %s", key, cause);
		free(cause);
	}
	free(path);
}

/*
 * Moves the processed messages of a batch where their state files say,
 * one UID MOVE per folder; -1 = IMAP broke.
 */
static int
intake_move(struct hub *h, struct imap_conn *c, uint32_t uidv,
    const uint32_t *uids, size_t n)
{
	char		**targets, *key, *cause = NULL;
	uint32_t	 *set;
	size_t		  i, j, nset, nmove = 0;
	int		  rc = 0;

	targets = xcalloc(n, sizeof(*targets));
	set = xcalloc(n, sizeof(*set));
	for (i = 0; i < n; i++) {
		key = xprintf("%u-%u", uidv, uids[i]);
		if (spool_exists(h, "mail", key, ".state") &&
		    (targets[i] = intake_target(h, key)) != NULL)
			nmove++;
		free(key);
	}
	if (nmove > 0)
		crash_point("intake-before-move");
	for (i = 0; i < n && rc == 0; i++) {
		if (targets[i] == NULL)
			continue;
		for (nset = 0, j = i; j < n; j++)
			if (targets[j] != NULL &&
			    strcmp(targets[j], targets[i]) == 0)
				set[nset++] = uids[j];
		if (imap_move_set(c, set, nset, targets[i], &cause) == -1) {
			log_warnx("imap: moving to %s: %s", targets[i], cause);
			free(cause);
			rc = -1;
			break;
		}
		crash_point("intake-after-move");
		for (j = n; j-- > i;) {
			if (targets[j] == NULL ||
			    strcmp(targets[j], targets[i]) != 0)
				continue;
			key = xprintf("%u-%u", uidv, uids[j]);
			intake_mark_moved(h, key);
			log_info("mail %s moved to %s", key, targets[j]);
			free(key);
			free(targets[j]);
			targets[j] = NULL;
		}
	}
	for (i = 0; i < n; i++)
		free(targets[i]);
	free(targets);
	free(set);
	return rc;
}

/*
 * Of the n keys, those the seen index does not hold: mails with neither
 * a state nor a .eml that were not taken, ended and pruned
 * (retention.c).  One opening of the index for the batch; when it cannot
 * be read, none (they are looked at again at the next pass).
 */
static size_t
intake_unseen(struct hub *h, char **keys, uint32_t *uids, size_t n)
{
	char	*cause = NULL;
	int	*seen;
	size_t	 i, k = 0;

	seen = xcalloc(n + 1, sizeof(*seen));
	if (n > 0 && spool_seen_each(h, (const char *const *)keys, n, seen,
	    &cause) == -1) {
		log_warnx("seen index: %s", cause);
		free(cause);
		n = 0;
	}
	for (i = 0; i < n; i++)
		if (!seen[i])
			uids[k++] = uids[i];
	free(seen);
	return k;
}

/*
 * Takes the batch's new mails into the spool: one fetch of them all, each
 * staged, then committed together (a mail is "taken" only once durable)
 * with what pend holds (the last batch's states: one commit for both, so
 * one round of fsyncs and one of mail/ per batch instead of two).  pend
 * is committed in every case and left empty.  A mail gone from the
 * mailbox meanwhile is skipped.  -1 = IMAP broke.
 */
static int
intake_take(struct hub *h, struct imap_conn *c, uint32_t uidv,
    const uint32_t *uids, size_t n, struct spool_batch *pend)
{
	struct spool_batch	 b;
	struct imap_msg		*msgs = NULL;
	uint32_t		*want;
	char			*key, **keys, *cause = NULL;
	size_t			 i, nwant = 0;
	int			 rc = 0, fetched = 0;

	want = xcalloc(n, sizeof(*want));
	keys = xcalloc(n, sizeof(*keys));
	for (i = 0; i < n; i++) {
		key = xprintf("%u-%u", uidv, uids[i]);
		if (!spool_exists(h, "mail", key, ".state") &&
		    !spool_exists(h, "mail", key, ".eml")) {
			keys[nwant] = key;
			want[nwant++] = uids[i];
		} else
			free(key);
	}
	i = nwant;
	nwant = intake_unseen(h, keys, want, nwant);
	while (i-- > 0)
		free(keys[i]);
	free(keys);
	if (nwant > 0 && imap_fetch_batch(c, want, nwant,
	    h->cfg.limits.message_size, &msgs, &cause) == -1) {
		log_warnx("imap: %s", cause);
		free(cause);
		cause = NULL;
		rc = -1;
	} else
		fetched = nwant > 0;
	spool_batch_init(&b);
	for (i = 0; fetched && i < nwant; i++) {
		if (msgs[i].raw == NULL) {
			log_warnx("mail %u-%u: gone from the mailbox before it "
			    "was fetched", uidv, msgs[i].uid);
			continue;
		}
		key = xprintf("%u-%u", uidv, msgs[i].uid);
		if (msgs[i].toobig && intake_stage(h, &b, key, ".toobig", "",
		    0) == -1)
			fetched = 0;
		else if (intake_stage(h, &b, key, ".eml", msgs[i].raw,
		    msgs[i].len) == -1 || live_mark(h, &b, key) == -1)
			fetched = 0;
		free(key);
	}
	/*
	 * Data and names durable (one fsync of mail/ for the batch): the
	 * start-up's recovery remakes from the .eml the document of a mail
	 * not yet committed whose job may have reached SUBMITTING
	 * (intake-recover.c), so the .eml must be there after a crash.  A
	 * spool that cannot be written leaves the batch's mails in the
	 * mailbox (b dropped); pend's states are committed all the same.
	 */
	if (fetched)
		spool_batch_append(pend, &b);
	else
		spool_batch_free(&b);
	if (spool_commit(pend, WRITE_DURABLE, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
		fetched = 0;
	}
	for (i = 0; fetched && i < nwant; i++) {
		if (msgs[i].raw == NULL)
			continue;
		log_info("mail %u-%u taken into the spool (%zu bytes)", uidv,
		    msgs[i].uid, msgs[i].len);
		crash_point("intake-after-spool");
	}
	if (msgs != NULL)
		imap_msgs_free(msgs, nwant);
	free(want);
	return rc;
}

/*
 * spool/live/KEY marks a mail taken whose work is not over: made with its
 * .eml (durable with it), removed when its state says refused (or the
 * like, intake-mail.c) or when its broadcast is retired (live_unmark).
 * The start-up's recovery (intake-recover.c) looks only at the marked
 * mails, so its cost follows the work in flight, not the spool's history.
 */
static int
live_mark(struct hub *h, struct spool_batch *b, const char *key)
{
	char	*path, *cause = NULL;
	int	 rc;

	path = spool_path(h, "live", key, NULL);
	if ((rc = spool_stage_mark(b, h->cfg.spool_dir, path, &cause)) ==
	    -1) {
		log_warnx("mail %s: %s", key, cause);
		free(cause);
	}
	free(path);
	return rc;
}

/* The marks of a retired broadcast's mails (no fsync: see above). */
static void
live_unmark(struct hub *h, const struct bcast *b)
{
	char	*list, *s, *key;

	if (b->mailkey != NULL)
		spool_unlink(h, "live", b->mailkey, NULL);
	if (b->keys == NULL)
		return;
	list = xstrdup(b->keys);
	for (s = list; (key = strsep(&s, ",")) != NULL;)
		if (*key != '\0')
			spool_unlink(h, "live", key, NULL);
	free(list);
}

static int
intake_stage(struct hub *h, struct spool_batch *b, const char *key,
    const char *suffix, const char *data, size_t len)
{
	char	*path, *cause = NULL;
	int	 rc;

	path = spool_path(h, "mail", key, suffix);
	if ((rc = spool_stage(b, path, data, len, &cause)) == -1) {
		log_warnx("mail %s: %s", key, cause);
		free(cause);
	}
	free(path);
	return rc;
}

/*
 * One batch of a pass: its mails taken (committed with the last batch's
 * states, pend), the last batch moved out of the mailbox, its own mails
 * processed, their states staged into pend for the next commit.
 */
static int
intake_batch(struct hub *h, struct imap_conn *c, uint32_t uidv,
    const uint32_t *uids, size_t n, const uint32_t *prev, size_t nprev,
    struct spool_batch *pend)
{
	char	*key;
	size_t	 i;

	if (intake_take(h, c, uidv, uids, n, pend) == -1 ||
	    (nprev > 0 && intake_move(h, c, uidv, prev, nprev) == -1))
		return -1;
	/*
	 * A mail with a .eml is not one retention pruned (it removes the
	 * .eml with the state): no look into the seen index here.
	 */
	for (i = 0; i < n && !h->stop; i++) {
		key = xprintf("%u-%u", uidv, uids[i]);
		if (!spool_exists(h, "mail", key, ".state") &&
		    spool_exists(h, "mail", key, ".eml"))
			(void)intake_process(h, key, pend);
		free(key);
	}
	return 0;
}

/*
 * A pass: the mailbox's mails in batches.  A batch's states are made
 * durable with the next batch's mails, and the batch is moved only then;
 * the last batch's after the loop.  What the states stand for is written
 * without fsync: a crash that loses or tears it leaves it to be
 * re-derived from the .eml at the next start (intake-recover.c), so only
 * the states are made durable.
 */
static int
intake_scan(struct hub *h, struct imap_conn *c)
{
	struct spool_batch	 pend;
	uint32_t		*uids = NULL, uidv = imap_uidvalidity(c);
	size_t			 n = 0, i, k, pi = 0, pk = 0;
	char			*cause = NULL;
	int			 rc = 0;

	if (imap_uids(c, &uids, &n, &cause) == -1) {
		log_warnx("imap: %s", cause);
		free(cause);
		return -1;
	}
	spool_batch_init(&pend);
	for (i = 0; i < n && !h->stop && rc == 0; i += k) {
		k = n - i < INTAKE_BATCH ? n - i : INTAKE_BATCH;
		rc = intake_batch(h, c, uidv, uids + i, k, uids + pi, pk,
		    &pend);
		pi = i;
		pk = k;
	}
	if (spool_commit(&pend, WRITE_DURABLE, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
	} else if (rc == 0 && pk > 0)
		rc = intake_move(h, c, uidv, uids + pi, pk);
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
 * Without a connection (c NULL: the start-up, intake_recover()), only the
 * broadcasts whose mail was moved are retired: a crash between the move
 * and the retirement is finished before the start-up's prune, whether
 * the IMAP server answers or not.
 */
int
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
		if (c != NULL && b.reported && !b.moved && b.msgid != NULL) {
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
				if (bcast_save(&b, path, WRITE_DURABLE,
				    &cause) == -1) {
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
		} else if (b.reported && (b.moved || b.msgid == NULL))
			live_unmark(h, &b);
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
		img_office_idle(h->cfg.page.office_warm);
		if (intake_scan(h, c) == -1 || intake_finish(h, c) == -1) {
			imap_close(c);
			c = NULL;
			continue;
		}
		r = imap_wait(c, h->cfg.imap.poll_interval, &h->intake_wake,
		    &cause);
		if (r == 1)
			log_info("imap: new mail announced (%u in %s)",
			    imap_exists(c), h->cfg.imap.mailbox);
		if (r == -1) {
			log_warnx("imap: %s", cause);
			free(cause);
			cause = NULL;
			imap_close(c);
			c = NULL;
		}
	}
	imap_close(c);
	img_office_stop();
	return NULL;
}
