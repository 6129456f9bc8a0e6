/*
 * intake-recover.c: the start-up's recovery of what the intake derives
 * from a mail.  The intake writes a mail's document, jobs and broadcast
 * without fsync (intake-jobs.c intake_sync()): they are derived from the
 * durable mail/KEY.eml, and only the mail's state is made durable.  A
 * crash of the machine may then leave any of them missing, empty or torn
 * (after a rename without fsync a file system may keep the new name and
 * lose the data).  Before faxhubd loads its jobs, so before anything acts
 * on them:
 *   1. every job and broadcast record that does not parse is removed: a
 *      job is submitted only after its durable SUBMITTING save, and every
 *      later save is durable or replaces a durable record by a whole one
 *      (fax-server.c), so a torn job was never submitted;
 *   2. every accepted mail whose broadcast is live (or missing, and not
 *      pruned) is checked: the broadcast, each job it lists, each job
 *      the mail's state names (and that the broadcast lists it: an old
 *      copy of the record may lack a later copy's numbers), and the
 *      document against the sum the mail's state carries.  When one is
 *      missing or torn, each mail of that broadcast (a mail delivered as
 *      several copies has one state per copy) runs through the steps
 *      again (intake_jobs() in recovery mode: written durably, existing
 *      jobs left alone), and the states get the new document's sum;
 *   3. a mail taken but not yet committed (no state: the intake takes it
 *      again from the mailbox) gets its document made again when it has
 *      one, since nothing vouches for it and a job of it that reached
 *      SUBMITTING before the crash is submitted again, if its tag is not
 *      found on the server, before the intake gets to the mail.
 * Only the mails marked in spool/live/ are looked at (intake.c: a mark is
 * made with the .eml and removed when the mail is refused or its
 * broadcast retired; a mark whose mail is over is removed here), so the
 * recovery's cost follows the work in flight, not the spool's history.
 * Ids come from the Message-ID and the numbers, so what is made again has
 * the names it had.  A crash during recovery leaves it to the next start
 * (crash point intake-after-redo): what was made again is durable, the
 * rest is still found missing or torn.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"
#include "intake.h"
#include "kvfile.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Larger than any job or broadcast record (kvfile.c reads up to 4 MB). */
#define REC_MAX		(4 * 1024 * 1024)

/* An accepted mail whose broadcast is checked. */
struct rmail {
	char	*bcast;
	char	*key;
	char	*sum;		/* its state's doc_sum, or NULL */
	char	*jobs;		/* its state's job ids, or NULL */
};

static int	 rec_torn(const char *, const char *, char **);
static void	 rec_sweep(struct hub *, const char *, const char *);
static int	 rmail_cmp(const void *, const void *);
static size_t	 rmails_collect(struct hub *, struct rmail **, char ***,
		    size_t *);
static int	 jobs_lost(struct hub *, const char *, const char *);
static int	 group_bad(struct hub *, const struct rmail *, size_t);
static void	 group_redo(struct hub *, const struct rmail *, size_t);
static void	 state_resum(struct hub *, const char *, const char *);
static int	 vouched(const struct rmail *, size_t, const char *);
static void	 uncommitted(struct hub *, const struct rmail *, size_t,
		    char **, size_t);

/*
 * 1 when the record at path is torn: empty, not parsing, or without its
 * version, its id or the field need (*cause says which).  A file that
 * cannot be read at all is left alone (logged): that is no crash's doing.
 */
static int
rec_torn(const char *path, const char *need, char **cause)
{
	struct kv	 kv;
	char		*data, *why = NULL;
	size_t		 len;
	int		 torn;

	if (file_read(path, REC_MAX, &data, &len, &why) == -1) {
		log_warnx("recovery: %s", why);
		free(why);
		return 0;
	}
	kv_init(&kv);
	if (kv_parse(&kv, data, len, &why) == -1) {
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		torn = 1;
	} else if ((torn = kv_get(&kv, "v") == NULL ||
	    kv_get(&kv, "id") == NULL ||
	    (need != NULL && kv_get(&kv, need) == NULL)))
		xasprintf(cause, "%s: empty or incomplete record", path);
	kv_free(&kv);
	free(data);
	return torn;
}

/* Removes the torn records of spool/sub. */
static void
rec_sweep(struct hub *h, const char *sub, const char *need)
{
	char	**names, *path, *cause = NULL;
	size_t	  n, i;

	if (spool_list(h, sub, "", &names, &n, &cause) == -1) {
		log_warnx("recovery: %s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		path = spool_path(h, sub, names[i], NULL);
		if (rec_torn(path, need, &cause)) {
			log_warnx("recovery: %s (torn by a crash): removed, "
			    "made again from its mail", cause);
			if (unlink(path) == -1)
				log_warn("unlink %s", path);
			free(cause);
			cause = NULL;
		}
		free(path);
	}
	spool_names_free(names, n);
}

static int
rmail_cmp(const void *a, const void *b)
{
	const struct rmail	*x = a, *y = b;
	int			 c = strcmp(x->bcast, y->bcast);

	return c != 0 ? c : strcmp(x->key, y->key);
}

/*
 * The accepted mails whose broadcast is not retired, sorted by broadcast;
 * *v is the caller's.  Reads every state, as retention does.
 */
static size_t
rmails_collect(struct hub *h, struct rmail **vp, char ***up, size_t *nup)
{
	struct rmail	 *v = NULL;
	struct kv	  kv;
	const char	 *st, *bc;
	char		**names, *path, *cause = NULL, **u = NULL;
	size_t		  n, i, cnt = 0, nu = 0;

	*vp = NULL;
	*up = NULL;
	*nup = 0;
	if (spool_list(h, "live", "", &names, &n, &cause) == -1) {
		log_warnx("recovery: %s", cause);
		free(cause);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!spool_exists(h, "mail", names[i], ".state")) {
			/* Taken, not committed; or never taken at all. */
			if (spool_exists(h, "mail", names[i], ".eml")) {
				u = xreallocarray(u, nu + 1, sizeof(*u));
				u[nu++] = xstrdup(names[i]);
			} else
				spool_unlink(h, "live", names[i], NULL);
			continue;
		}
		kv_init(&kv);
		path = spool_path(h, "mail", names[i], ".state");
		if (kv_load(&kv, path, &cause) == -1) {
			log_warnx("recovery: %s", cause);
			free(cause);
			cause = NULL;
		} else if ((st = kv_get(&kv, "state")) != NULL &&
		    strcmp(st, "accepted") == 0 &&
		    (bc = kv_get(&kv, "bcast")) != NULL &&
		    (spool_exists(h, "bcast", bc, NULL) ||
		    !spool_exists(h, "done/bcast", bc, NULL))) {
			v = xreallocarray(v, cnt + 1, sizeof(*v));
			v[cnt].bcast = xstrdup(bc);
			v[cnt].key = xstrdup(names[i]);
			v[cnt].sum = kv_get(&kv, "doc_sum") != NULL ?
			    xstrdup(kv_get(&kv, "doc_sum")) : NULL;
			v[cnt].jobs = kv_get(&kv, "jobs") != NULL ?
			    xstrdup(kv_get(&kv, "jobs")) : NULL;
			cnt++;
		} else {
			/* Its work is over (a crash kept the mark). */
			spool_unlink(h, "live", names[i], NULL);
		}
		kv_free(&kv);
		free(path);
	}
	spool_names_free(names, n);
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), rmail_cmp);
	*vp = v;
	*up = u;
	*nup = nu;
	return cnt;
}

/*
 * 1 when a job of the comma-separated list is in neither jobs/ nor
 * done/jobs/, or (listed != NULL) missing from the broadcast's list.
 */
static int
jobs_lost(struct hub *h, const char *ids, const char *listed)
{
	char	*list, *id, *save;
	int	 lost = 0;

	list = xstrdup(ids);
	for (id = strtok_r(list, ",", &save); id != NULL && !lost;
	    id = strtok_r(NULL, ",", &save))
		if (!hub_job_known(h, id) ||
		    (listed != NULL && !str_listed(listed, id))) {
			log_warnx("recovery: job %s lost in a crash", id);
			lost = 1;
		}
	free(list);
	return lost;
}

/*
 * 1 when the broadcast of the mails g[0..n) lost something: its record,
 * one of its jobs, or its document (missing, or not what any of the
 * states says: then removed).  A broadcast pruned by retention is not.
 */
static int
group_bad(struct hub *h, const struct rmail *g, size_t n)
{
	struct bcast	 b;
	char		*path, *sum, *cause = NULL;
	size_t		 i;
	int		 bad = 0, sums = 0, match = 0;

	path = spool_path(h, "bcast", g[0].bcast, NULL);
	if (bcast_load(path, &b, &cause) == -1) {
		free(cause);
		cause = NULL;
		free(path);
		if (spool_seen(h, g[0].bcast, &cause) == 1)
			return 0;
		free(cause);
		log_warnx("recovery: broadcast %s of mail %s lost in a crash",
		    g[0].bcast, g[0].key);
		return 1;
	}
	free(path);
	/* An older copy of the broadcast may lack a later copy's numbers. */
	bad = jobs_lost(h, b.jobs != NULL ? b.jobs : "", NULL);
	for (i = 0; i < n && !bad; i++)
		if (g[i].jobs != NULL)
			bad = jobs_lost(h, g[i].jobs,
			    b.jobs != NULL ? b.jobs : "");
	bcast_free(&b);

	path = spool_path(h, "docs", g[0].bcast, ".tif");
	sum = spool_file_sum(path);
	for (i = 0; i < n; i++) {
		sums += g[i].sum != NULL;
		match += g[i].sum != NULL && sum != NULL &&
		    strcmp(g[i].sum, sum) == 0;
	}
	/* A state written before doc_sum existed: its document was fsynced. */
	if (sum == NULL || (sums > 0 && match == 0)) {
		log_warnx("recovery: %s %s in a crash", path, sum == NULL ?
		    "lost" : "torn");
		if (sum != NULL && unlink(path) == -1)
			log_warn("unlink %s", path);
		bad = 1;
	}
	free(sum);
	free(path);
	return bad;
}

/* Runs every mail of the broadcast through the steps again. */
static void
group_redo(struct hub *h, const struct rmail *g, size_t n)
{
	struct intake_mail	 im;
	enum intake_rc		 r;
	const char		*target;
	char			*path, *sum;
	size_t			 i;

	for (i = 0; i < n; i++) {
		r = intake_reload(h, g[i].key, &im);
		im.recover = 1;
		if (r == INTAKE_NEXT)
			r = intake_jobs(h, &im, &target);
		if (r == INTAKE_NEXT) {
			log_notice("recovery: mail %s: broadcast %s made again",
			    g[i].key, g[i].bcast);
			crash_point("intake-after-redo");
		}
		else
			log_warnx("mail %s: accepted before a crash, but its "
			    "document, jobs or broadcast cannot be made again "
			    "now (%s); move the mail from the processing "
			    "folder back to the mailbox to take it again",
			    g[i].key, im.refusal.log != NULL ? im.refusal.log :
			    im.refusal.detail != NULL ? im.refusal.detail :
			    "temporary failure");
		intake_mail_free(&im);
	}
	path = spool_path(h, "docs", g[0].bcast, ".tif");
	if ((sum = spool_file_sum(path)) != NULL)
		for (i = 0; i < n; i++)
			if (g[i].sum == NULL || strcmp(g[i].sum, sum) != 0)
				state_resum(h, g[i].key, sum);
	free(sum);
	free(path);
}

/* The document's new sum into mail/KEY.state, durably. */
static void
state_resum(struct hub *h, const char *key, const char *sum)
{
	struct kv	 kv;
	char		*path, *cause = NULL;

	kv_init(&kv);
	path = spool_path(h, "mail", key, ".state");
	if (kv_load(&kv, path, &cause) == 0) {
		kv_set(&kv, "doc_sum", sum);
		(void)kv_save(&kv, path, &cause);
	}
	if (cause != NULL) {
		log_warnx("recovery: %s", cause);
		free(cause);
	}
	free(path);
	kv_free(&kv);
}

/* 1 when broadcast id is one that step 2 checked (v is sorted). */
static int
vouched(const struct rmail *v, size_t n, const char *id)
{
	size_t	lo = 0, hi = n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(v[mid].bcast, id)) == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Step 3: the documents of mails taken but not committed. */
static void
uncommitted(struct hub *h, const struct rmail *v, size_t nv, char **names,
    size_t n)
{
	struct intake_mail	 im;
	char			*doc, *notes;
	size_t			  i;
	int			  pages;

	for (i = 0; i < n; i++) {
		if (intake_reload(h, names[i], &im) == INTAKE_NEXT) {
			im.bcast = intake_bcast_id(&im);
			im.recover = 1;
			doc = spool_path(h, "docs", im.bcast, ".tif");
			notes = NULL;
			if (!vouched(v, nv, im.bcast) &&
			    (access(doc, F_OK) == 0 ||
			    spool_exists(h, "bcast", im.bcast, NULL)) &&
			    intake_document(h, &im, doc, &pages, &notes) ==
			    INTAKE_NEXT)
				log_notice("recovery: mail %s: %s made again",
				    names[i], doc);
			free(notes);
			free(doc);
		}
		intake_mail_free(&im);
	}
}

void
intake_recover(struct hub *h)
{
	struct rmail	*v;
	char		**u;
	size_t		 n, nu, i, j;

	rec_sweep(h, "jobs", "state");
	rec_sweep(h, "bcast", NULL);
	n = rmails_collect(h, &v, &u, &nu);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[j].bcast, v[i].bcast) == 0;
		    j++)
			;
		if (group_bad(h, v + i, j - i))
			group_redo(h, v + i, j - i);
	}
	uncommitted(h, v, n, u, nu);
	/* A crash after a broadcast's move, before its retirement. */
	(void)intake_finish(h, NULL);
	spool_names_free(u, nu);
	for (i = 0; i < n; i++) {
		free(v[i].bcast);
		free(v[i].key);
		free(v[i].sum);
		free(v[i].jobs);
	}
	free(v);
}
