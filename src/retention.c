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
 * What to look at comes from the due list (spool.h, spool-due.c): a
 * broadcast is noted when it is retired, a mail when it is moved out of
 * the watched mailbox, a sent/ tombstone when it is written; a prune
 * reads only the hours of notes before its cutoff, so its cost is what
 * has become due, not the history kept.  A thing not due yet is noted
 * again at its end, one still waiting for its broadcast a whole
 * retention.records later; one live again (a late copy reopened its
 * broadcast) is dropped, as its next retirement notes it again.  A thing
 * is therefore kept at least retention.records after it ended, and at
 * most that long after it was noted.  A spool from before the list (no
 * due/.indexed), or `faxhubctl prune --rescan', walks every record once
 * instead, prunes what is due and notes what stays.
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
	int			 rescan;	/* a full walk: note what stays */
	long long		 now;
	long long		 cutoff;	/* records ended before it go */
	retention_say_cb	 say;
	void			*arg;
	struct retention_stats	*st;
};

/*
 * What to do with one thing: prune it if it is due, else set *again to
 * when to look at it again (0: never, because it is gone, or because it
 * is live and will be noted on the due list when it ends).  0, or -1 on
 * a seen-index error.
 */
typedef int (*prune_fn)(struct prune *, const char *, long long *,
    char **);

static int	 prune_seen(struct prune *, const char *, char **);
static void	 prune_say(struct prune *, const char *, const char *);
static void	 prune_mailfiles(struct prune *, const char *);
static int	 job_ended(const struct hub *, const char *, long long *);
static int	 prune_bcast(struct prune *, const char *, long long *,
		    char **);
static int	 bcast_exists(const struct hub *, const char *);
static int	 prune_job(struct prune *, const char *, long long *, char **);
static int	 prune_mail(struct prune *, const char *, long long *,
		    char **);
static int	 prune_sent(struct prune *, const char *, long long *,
		    char **);
static prune_fn	 prune_kind(const char *);
static int	 prune_due(const char *, const char *, void *, long long *,
		    char **);
static int	 prune_walk(struct prune *, const char *, const char *,
		    const char *, char **);
static int	 prune_all(struct prune *, char **);
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

/* A mail's files (its seen id already recorded). */
static void
prune_mailfiles(struct prune *p, const char *key)
{
	static const char *sfx[] = { ".eml", ".toobig", ".state", ".moved" };
	size_t	i;

	prune_say(p, "mail", key);
	p->st->mails++;
	for (i = 0; i < nitems(sfx) && !p->dry_run; i++)
		spool_unlink(p->h, "mail", key, sfx[i]);
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
			rc = loaded && job_state_ended(j.state);
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
 * A broadcast, from bcast/ or done/bcast/ (looked for in that order, as
 * bcast_exists): with it its jobs, document and mail.
 */
static int
prune_bcast(struct prune *p, const char *id, long long *again, char **cause)
{
	static const char *dirs[] = { "bcast", "done/bcast" };
	struct bcast	 b;
	char		*path = NULL, *why = NULL, **jobs = NULL, *list, *s;
	char		*tok;
	size_t		 n = 0, i, d;
	long long	 last;
	int		 live = 0, rc = 0, loaded = 0;

	memset(&b, 0, sizeof(b));
	for (d = 0; d < nitems(dirs) && !loaded; d++) {
		free(path);
		path = spool_path(p->h, dirs[d], id, NULL);
		if ((loaded = bcast_load(path, &b, &why) == 0) == 0 &&
		    access(path, F_OK) == 0)
			*again = p->now;	/* unreadable now: later */
		free(why);
		why = NULL;
	}
	free(path);
	if (!loaded)
		return 0;
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
	if (live)
		goto out;		/* noted again when it is retired */
	if (last >= p->cutoff) {
		*again = last;
		goto out;
	}
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
	if (b.mailkey != NULL)
		prune_mailfiles(p, b.mailkey);
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
	return rc;
}

/*
 * An ended job whose broadcast is gone (a broadcast takes its own jobs
 * with it), from jobs/ or done/jobs/.
 */
static int
prune_job(struct prune *p, const char *id, long long *again, char **cause)
{
	static const char *dirs[] = { "jobs", "done/jobs" };
	struct job	 j;
	char		*path, *why = NULL;
	size_t		 d;
	int		 rc = 0, loaded = 0, ended = 0;

	for (d = 0; d < nitems(dirs) && !loaded; d++) {
		path = spool_path(p->h, dirs[d], id, NULL);
		memset(&j, 0, sizeof(j));
		if ((loaded = job_load(path, &j, &why) == 0) != 0 &&
		    job_state_ended(j.state) &&
		    (j.broadcast == NULL || !bcast_exists(p->h, j.broadcast))) {
			ended = 1;
			if (j.ended >= p->cutoff)
				*again = j.ended;
		}
		free(why);
		why = NULL;
		job_free(&j);
		if (ended && *again == 0 &&
		    (rc = prune_seen(p, id, cause)) == 0) {
			prune_say(p, "job", id);
			p->st->jobs++;
			if (!p->dry_run)
				spool_unlink(p->h, dirs[d], id, NULL);
		}
		free(path);
	}
	return rc;
}

/*
 * A mail without a broadcast (a refused one) or whose broadcast is gone
 * (a late copy), once moved to its folder: mail/KEY.moved, or an older
 * KEY.state's moved=1.  One whose broadcast is still there is looked at
 * again a whole retention.records later.
 */
static int
prune_mail(struct prune *p, const char *key, long long *again, char **cause)
{
	struct kv	 kv;
	const char	*bc;
	char		*path, *why = NULL;
	long long	 t;
	int		 rc = 0;

	path = spool_path(p->h, "mail", key, ".state");
	kv_init(&kv);
	if (kv_load(&kv, path, &why) == -1 || (kv_getll(&kv, "moved", 0) ==
	    0 && !spool_exists(p->h, "mail", key, ".moved")))
		;			/* gone, or noted when moved */
	else if ((t = file_mtime(path)) >= p->cutoff)
		*again = t;
	else if ((bc = kv_get(&kv, "bcast")) != NULL && bcast_exists(p->h, bc))
		*again = p->now;
	else if ((rc = prune_seen(p, key, cause)) == 0)
		prune_mailfiles(p, key);
	free(why);
	kv_free(&kv);
	free(path);
	return rc;
}

/* sent/ID, the tombstone of a mail sent. */
static int
prune_sent(struct prune *p, const char *name, long long *again, char **cause)
{
	char		*path, *id;
	long long	 t;
	int		 rc = 0;

	path = spool_path(p->h, "sent", name, NULL);
	if ((t = file_mtime(path)) >= p->cutoff)
		*again = t;
	else if (t != -1) {
		id = xprintf("sent/%s", name);
		if ((rc = prune_seen(p, id, cause)) == 0) {
			prune_say(p, "sent", name);
			p->st->sent++;
			if (!p->dry_run)
				spool_unlink(p->h, "sent", name, NULL);
		}
		free(id);
	}
	free(path);
	return rc;
}

static prune_fn
prune_kind(const char *kind)
{
	static const struct {
		const char	*kind;
		prune_fn	 fn;
	} kinds[] = {
		{ "bcast", prune_bcast }, { "job", prune_job },
		{ "mail", prune_mail }, { "sent", prune_sent }
	};
	size_t	i;

	for (i = 0; i < nitems(kinds); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].fn;
	return NULL;
}

/* One thing of the due list (spool_due_walk). */
static int
prune_due(const char *kind, const char *id, void *arg, long long *again,
    char **cause)
{
	prune_fn	fn = prune_kind(kind);

	if (fn == NULL || strchr(id, '/') != NULL || id[0] == '.')
		return 0;	/* not a line faxhub writes */
	return fn(arg, id, again, cause);
}

/*
 * A full walk of one directory (names ending in suffix), for a spool
 * from before the due list or `faxhubctl prune --rescan': what is due
 * goes, and what stays is put on the due list.
 */
static int
prune_walk(struct prune *p, const char *dir, const char *suffix,
    const char *kind, char **cause)
{
	prune_fn	  fn = prune_kind(kind);
	char		**names;
	size_t		  n, i;
	long long	  again;
	int		  rc = 0;

	if (!spool_exists(p->h, dir, "", NULL))
		return 0;	/* a spool faxhubd has not run on yet */
	if (spool_list(p->h, dir, suffix, &names, &n, cause) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		again = 0;
		if ((rc = fn(p, names[i], &again, cause)) == 0 && again > 0 &&
		    !p->dry_run)
			rc = spool_due_note(p->h, DUE_RECORDS, kind, names[i], again, cause);
	}
	spool_names_free(names, n);
	return rc;
}

/*
 * bcast/ before done/bcast/: the intake thread retires broadcasts (moves
 * bcast/ID to done/bcast/ID, hub.c hub_bcast_retire) while this runs, and
 * in this order a broadcast moved at any moment is still listed once.
 * In the other order one moved between the two listings was missed, and
 * with it its jobs and mail (its jobs and mail wait for it).  Jobs after
 * broadcasts (a broadcast takes its own), done/jobs/ before jobs/ for the
 * same reason.
 */
static int
prune_all(struct prune *p, char **cause)
{
	static const struct {
		const char	*dir, *suffix, *kind;
	} walks[] = {
		{ "bcast", "", "bcast" }, { "done/bcast", "", "bcast" },
		{ "done/jobs", "", "job" }, { "jobs", "", "job" },
		{ "mail", ".state", "mail" }, { "sent", "", "sent" }
	};
	size_t	i;

	for (i = 0; i < nitems(walks); i++)
		if (prune_walk(p, walks[i].dir, walks[i].suffix,
		    walks[i].kind, cause) == -1)
			return -1;
	return 0;
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
retention_prune(const struct hub *h, long long now, int flags,
    retention_say_cb say, void *arg, struct retention_stats *st,
    char **cause)
{
	const struct config	*c = &h->cfg;
	struct prune		 p;
	int			 dry_run = (flags & RETENTION_DRY_RUN) != 0;

	memset(st, 0, sizeof(*st));
	memset(&p, 0, sizeof(p));
	p.h = h;
	p.dry_run = dry_run;
	p.now = now;
	p.say = say;
	p.arg = arg;
	p.st = st;
	p.rescan = (flags & RETENTION_RESCAN) != 0 || !spool_due_indexed(h);
	if (c->retention.records > 0) {
		p.cutoff = now - c->retention.records;
		if (p.rescan ? prune_all(&p, cause) == -1 :
		    spool_due_walk(h, DUE_RECORDS, p.cutoff, dry_run,
		    prune_due, &p, cause) == -1)
			return -1;
	}
	if (prune_images(&p, cause) == -1)
		return -1;
	if (c->retention.log > 0 && logs_prune(c->table_dir,
	    now - c->retention.log, dry_run, say != NULL ? prune_log_cb : NULL,
	    &p, &st->log, cause) == -1)
		return -1;
	if (c->retention.seen > 0 && spool_seen_prune(h,
	    now - c->retention.seen, dry_run, p.rescan, &st->seen,
	    cause) == -1)
		return -1;
	/* Everything that stays is on the due lists now. */
	if (p.rescan && !dry_run && spool_due_set_indexed(h, cause) == -1)
		return -1;
	return 0;
}
