/*
 * retention.c: pruning what faxhub no longer needs (retention.h).
 *
 * What is ended, and how old it must be before it goes (cutoff = now -
 * retention.records, the age counted from the moment the work ended):
 *
 *   broadcast   reported, its mail moved to the done or failed folder (or
 *               without a Message-ID to move it by), every job DONE or
 *               FAILED, the last one ended before the cutoff: its jobs/,
 *               bcast/ and docs/ files, and mail/KEY.* of its mail
 *   job         DONE or FAILED before the cutoff, its broadcast gone
 *   mail        mail/KEY.moved (or an older KEY.state's moved=1) says the
 *               mail was moved to its folder, no
 *               broadcast left, state written before the cutoff (refusals)
 *   sent/ID     the tombstone of a mail sent before the cutoff
 *   image       in/KEY.tif of a received fax whose meta says delivered
 *               (removed or kept): at once, whatever its age; the meta
 *               stays, inbound.c removes it once the server stops
 *               listing the fax
 *   log         records that started before now - retention.log
 *   seen        seen-index ids added before now - retention.seen
 *
 * Broadcasts and jobs are looked for where they live (bcast/, jobs/) and
 * where a retired broadcast's records are (done/bcast/, done/jobs/; hub.c
 * hub_bcast_retire).
 *
 * Every id whose records go is first put into the seen index, so a late
 * copy of the mail, a mail the mailbox hands over again, or a restart
 * finds it there and does nothing twice.  Anything not ended (a job
 * queued or with a fax server, a broadcast not reported, a mail still in
 * the inbox, a fax not delivered, a mail not sent) is never touched.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "hub.h"
#include "job.h"
#include "kvfile.h"
#include "log.h"
#include "record.h"
#include "retention.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

struct prune {
	const struct hub	*h;
	int			 dry_run;
	long long		 now;
	long long		 cutoff;	/* records ended before it go */
	retention_say_cb	 say;
	void			*arg;
	struct retention_stats	*st;
};

static int	 prune_seen(struct prune *, const char *, char **);
static void	 prune_say(struct prune *, const char *, const char *);
static int	 job_ended(const struct hub *, const char *, long long *);
static int	 prune_bcast(struct prune *, const char *, const char *,
		    char **);
static int	 bcast_exists(const struct hub *, const char *);
static int	 prune_bcasts(struct prune *, char **);
static int	 prune_jobs_in(struct prune *, const char *, char **);
static int	 prune_jobs(struct prune *, char **);
static int	 prune_mails(struct prune *, char **);
static int	 prune_sent(struct prune *, char **);
static int	 prune_images(struct prune *, char **);
static int	 prune_log_cb(const struct logrec *, void *, char **);
static long long file_mtime(const char *);

static void
prune_say(struct prune *p, const char *what, const char *id)
{
	if (p->say != NULL)
		p->say(what, id, p->arg);
}

/* Into the seen index before anything goes (not in a dry run). */
static int
prune_seen(struct prune *p, const char *id, char **cause)
{
	if (p->dry_run)
		return 0;
	return spool_seen_add(p->h, id, p->now, cause);
}

static long long
file_mtime(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_mtime : -1;
}

/*
 * 1 when jobs/id is missing or ended (*ended raised to its end), 0 when
 * it is live or cannot be read (kept: never prune what is not known to
 * be over).  Read from jobs/, else from done/jobs/: the intake thread
 * may retire it (a rename from the one to the other) at any moment, so
 * a record gone from jobs/ is looked for where it went, and only a job
 * in neither place counts as missing.
 */
static int
job_ended(const struct hub *h, const char *id, long long *ended)
{
	static const char *dirs[] = { "jobs", "done/jobs" };
	struct job	 j;
	char		*path, *cause = NULL;
	size_t		 i;
	int		 rc = 0, found = 0, loaded;

	for (i = 0; i < nitems(dirs) && !found; i++) {
		path = spool_path(h, dirs[i], id, NULL);
		memset(&j, 0, sizeof(j));
		loaded = job_load(path, &j, &cause) == 0;
		if (loaded || access(path, F_OK) == 0 || errno != ENOENT) {
			found = 1;
			rc = loaded &&
			    (j.state == JOB_DONE || j.state == JOB_FAILED);
		}
		if (rc && j.ended > *ended)
			*ended = j.ended;
		free(cause);
		cause = NULL;
		job_free(&j);
		free(path);
	}
	return found ? rc : 1;
}

/*
 * A broadcast record, live or retired.  Looked for in bcast/ first: a
 * retirement moves it from there to done/bcast/, so it is found in one of
 * the two whenever that happens.
 */
static int
bcast_exists(const struct hub *h, const char *id)
{
	return spool_exists(h, "bcast", id, NULL) ||
	    spool_exists(h, "done/bcast", id, NULL);
}

/*
 * One broadcast of dir (bcast or done/bcast): 0 (pruned or kept), -1 on a
 * seen-index error.
 */
static int
prune_bcast(struct prune *p, const char *dir, const char *id, char **cause)
{
	struct bcast	 b;
	char		*path, *why = NULL, **jobs = NULL, *list, *s, *tok;
	size_t		 n = 0, i;
	long long	 last;
	int		 live = 0, rc = 0;

	path = spool_path(p->h, dir, id, NULL);
	memset(&b, 0, sizeof(b));
	if (bcast_load(path, &b, &why) == -1) {
		free(why);
		free(path);
		return 0;
	}
	if (!b.reported || (!b.moved && b.msgid != NULL))
		live = 1;
	last = b.created;
	list = xstrdup(b.jobs != NULL ? b.jobs : "");
	for (s = list; !live && (tok = strsep(&s, ",")) != NULL;) {
		if (*tok == '\0')
			continue;
		if (!job_ended(p->h, tok, &last))
			live = 1;
		jobs = xreallocarray(jobs, n + 1, sizeof(*jobs));
		jobs[n++] = tok;
	}
	if (live || last >= p->cutoff)
		goto out;
	if (prune_seen(p, b.id, cause) == -1 || (b.mailkey != NULL &&
	    prune_seen(p, b.mailkey, cause) == -1)) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (prune_seen(p, jobs[i], cause) == -1) {
			rc = -1;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		prune_say(p, "job", jobs[i]);
		p->st->jobs++;
		if (!p->dry_run) {
			spool_unlink(p->h, "jobs", jobs[i], NULL);
			spool_unlink(p->h, "done/jobs", jobs[i], NULL);
		}
	}
	if (b.mailkey != NULL) {
		prune_say(p, "mail", b.mailkey);
		p->st->mails++;
		if (!p->dry_run) {
			spool_unlink(p->h, "mail", b.mailkey, ".eml");
			spool_unlink(p->h, "mail", b.mailkey, ".toobig");
			spool_unlink(p->h, "mail", b.mailkey, ".state");
			spool_unlink(p->h, "mail", b.mailkey, ".moved");
		}
	}
	prune_say(p, "broadcast", b.id);
	p->st->bcasts++;
	if (!p->dry_run) {
		spool_unlink(p->h, "docs", b.id, ".tif");
		/* Both: a retirement may have moved it since it was read. */
		spool_unlink(p->h, "bcast", b.id, NULL);
		spool_unlink(p->h, "done/bcast", b.id, NULL);
	}
out:
	free(jobs);
	free(list);
	bcast_free(&b);
	free(path);
	return rc;
}

/*
 * bcast/ before done/bcast/: the intake thread retires broadcasts (moves
 * bcast/ID to done/bcast/ID, hub.c hub_bcast_retire) while this runs, and
 * in this order a broadcast moved at any moment is still listed once.
 * In the other order one moved between the two listings was missed, and
 * with it its jobs and mail (its jobs and mail wait for it).
 */
static int
prune_bcasts(struct prune *p, char **cause)
{
	static const char *dirs[] = { "bcast", "done/bcast" };
	char	**names;
	size_t	  n, i, d;
	int	  rc = 0;

	for (d = 0; d < nitems(dirs) && rc == 0; d++) {
		if (!spool_exists(p->h, dirs[d], "", NULL))
			continue;	/* a spool faxhubd has not run on yet */
		if (spool_list(p->h, dirs[d], "", &names, &n, cause) == -1)
			return -1;
		for (i = 0; i < n && rc == 0; i++)
			rc = prune_bcast(p, dirs[d], names[i], cause);
		spool_names_free(names, n);
	}
	return rc;
}

/* Ended jobs of dir (jobs or done/jobs) whose broadcast is gone. */
static int
prune_jobs_in(struct prune *p, const char *dir, char **cause)
{
	struct job	  j;
	char		**names, *path, *why = NULL;
	size_t		  n, i;
	int		  rc = 0, ended;

	if (!spool_exists(p->h, dir, "", NULL))
		return 0;	/* a spool faxhubd has not run on yet */
	if (spool_list(p->h, dir, "", &names, &n, cause) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		path = spool_path(p->h, dir, names[i], NULL);
		memset(&j, 0, sizeof(j));
		ended = job_load(path, &j, &why) == 0 &&
		    (j.state == JOB_DONE || j.state == JOB_FAILED) &&
		    j.ended < p->cutoff && (j.broadcast == NULL ||
		    !bcast_exists(p->h, j.broadcast));
		free(why);
		why = NULL;
		job_free(&j);
		free(path);
		if (!ended)
			continue;
		if ((rc = prune_seen(p, names[i], cause)) == -1)
			break;
		prune_say(p, "job", names[i]);
		p->st->jobs++;
		if (!p->dry_run)
			spool_unlink(p->h, dir, names[i], NULL);
	}
	spool_names_free(names, n);
	return rc;
}

static int
prune_jobs(struct prune *p, char **cause)
{
	if (prune_jobs_in(p, "done/jobs", cause) == -1)
		return -1;
	return prune_jobs_in(p, "jobs", cause);
}

/* Mails without a broadcast (refused ones), moved to their folder. */
static int
prune_mails(struct prune *p, char **cause)
{
	struct kv	  kv;
	const char	 *bc;
	char		**names, *path, *why = NULL;
	size_t		  n, i;
	int		  rc = 0, done;

	if (spool_list(p->h, "mail", ".state", &names, &n, cause) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		path = spool_path(p->h, "mail", names[i], ".state");
		kv_init(&kv);
		done = kv_load(&kv, path, &why) == 0 &&
		    (kv_getll(&kv, "moved", 0) != 0 ||
		    spool_exists(p->h, "mail", names[i], ".moved")) &&
		    file_mtime(path) < p->cutoff &&
		    ((bc = kv_get(&kv, "bcast")) == NULL ||
		    !bcast_exists(p->h, bc));
		free(why);
		why = NULL;
		kv_free(&kv);
		free(path);
		if (!done)
			continue;
		if ((rc = prune_seen(p, names[i], cause)) == -1)
			break;
		prune_say(p, "mail", names[i]);
		p->st->mails++;
		if (!p->dry_run) {
			spool_unlink(p->h, "mail", names[i], ".eml");
			spool_unlink(p->h, "mail", names[i], ".toobig");
			spool_unlink(p->h, "mail", names[i], ".state");
			spool_unlink(p->h, "mail", names[i], ".moved");
		}
	}
	spool_names_free(names, n);
	return rc;
}

static int
prune_sent(struct prune *p, char **cause)
{
	char	**names, *path, *id;
	size_t	  n, i;
	int	  rc = 0;

	if (spool_list(p->h, "sent", "", &names, &n, cause) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		path = spool_path(p->h, "sent", names[i], NULL);
		if (file_mtime(path) < p->cutoff) {
			id = xprintf("sent/%s", names[i]);
			if ((rc = prune_seen(p, id, cause)) == 0) {
				prune_say(p, "sent", names[i]);
				p->st->sent++;
				if (!p->dry_run)
					spool_unlink(p->h, "sent", names[i],
					    NULL);
			}
			free(id);
		}
		free(path);
	}
	spool_names_free(names, n);
	return rc;
}

/* Images of delivered faxes (inbound.c removes them; a crash may not). */
static int
prune_images(struct prune *p, char **cause)
{
	struct kv	  kv;
	const char	 *st;
	char		**names, *path, *why = NULL;
	size_t		  n, i;
	int		  delivered;

	if (spool_list(p->h, "in", ".meta", &names, &n, cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (!spool_exists(p->h, "in", names[i], ".tif"))
			continue;
		path = spool_path(p->h, "in", names[i], ".meta");
		kv_init(&kv);
		delivered = kv_load(&kv, path, &why) == 0 &&
		    (st = kv_get(&kv, "state")) != NULL &&
		    (strcmp(st, "removed") == 0 || strcmp(st, "kept") == 0);
		free(why);
		why = NULL;
		kv_free(&kv);
		free(path);
		if (!delivered)
			continue;
		prune_say(p, "image", names[i]);
		p->st->images++;
		if (!p->dry_run)
			spool_unlink(p->h, "in", names[i], ".tif");
	}
	spool_names_free(names, n);
	return 0;
}

static int
prune_log_cb(const struct logrec *l, void *arg, char **cause)
{
	(void)cause;
	prune_say(arg, "log", l->id);
	return 0;
}

int
retention_prune(const struct hub *h, long long now, int dry_run,
    retention_say_cb say, void *arg, struct retention_stats *st,
    char **cause)
{
	const struct config	*c = &h->cfg;
	struct prune		 p;

	memset(st, 0, sizeof(*st));
	memset(&p, 0, sizeof(p));
	p.h = h;
	p.dry_run = dry_run;
	p.now = now;
	p.say = say;
	p.arg = arg;
	p.st = st;
	if (c->retention.records > 0) {
		p.cutoff = now - c->retention.records;
		if (prune_bcasts(&p, cause) == -1 ||
		    prune_jobs(&p, cause) == -1 ||
		    prune_mails(&p, cause) == -1 ||
		    prune_sent(&p, cause) == -1)
			return -1;
	}
	if (prune_images(&p, cause) == -1)
		return -1;
	if (c->retention.log > 0 && logs_prune(c->table_dir,
	    now - c->retention.log, dry_run, say != NULL ? prune_log_cb : NULL,
	    &p, &st->log, cause) == -1)
		return -1;
	if (c->retention.seen > 0 && spool_seen_prune(h,
	    now - c->retention.seen, dry_run, &st->seen, cause) == -1)
		return -1;
	return 0;
}
