/*
 * intake-jobs.c: the intake steps that make the work durable (see
 * intake.h): the mail's documents become one fax TIFF, and its numbers
 * one job each under a broadcast.  Ids come from the Message-ID, so a
 * second run (a crash, another copy of the same mail) finds its own
 * earlier work and makes nothing twice.
 */
#include "config.h"

#include <sys/mman.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "hub.h"
#include "image.h"
#include "intake.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static char	*job_id_for(const char *, const struct faxaddr *);
static const char *doc_words(enum img_err);
static int	intake_cover(struct hub *, struct intake_mail *,
		    const struct img_opts *, const char *, const char *, int *,
		    char **, enum img_err *, char **);
static const char *doc_named(const struct msg *, const char *);
static char	*bcast_notes(const struct intake_mail *, const char *);
static void	 jobs_list_add(struct buf *, const char *);
static int	job_known(struct hub *, const char *);
static int	jobs_seen(struct hub *, const struct intake_mail *, int *,
		    char **);
static struct hjob *job_new(const struct intake_mail *,
		    const struct faxaddr *, char *, const char *, long long,
		    int);
static void	 bcast_new(struct bcast *, const struct intake_mail *,
		    const char *, int, const char *);
static enum write_sync intake_sync(const struct intake_mail *);

/*
 * How durable the document, jobs and broadcast of a mail are written: not
 * at all (a crash that loses or tears them leaves them to be re-derived
 * from the durable .eml at the next start, intake-recover.c, before
 * anything acts on them; a job is made durable by dispatch's SUBMITTING
 * save before it is submitted), and durably when they are re-derived.
 */
static enum write_sync
intake_sync(const struct intake_mail *im)
{
	return im->recover ? WRITE_DURABLE : WRITE_SCRATCH;
}

char *
intake_bcast_id(const struct intake_mail *im)
{
	char	*seed, *hh, *id;

	seed = xprintf("%s|%s", im->m.message_id != NULL ?
	    im->m.message_id : im->key, im->user);
	hh = hub_id_hash(seed);
	id = xprintf("b%s", hh);
	free(hh);
	free(seed);
	return id;
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

/*
 * Why a document cannot be faxed, in the words of the refusal sentence
 * ("The attached document NAME could not be faxed: ...").  The imaging
 * code's own text (libtiff's, Ghostscript's) goes to the log only.
 */
static const char *
doc_words(enum img_err e)
{
	switch (e) {
	case IMG_ENOTDOC:
		return "it is not a document or image the gateway can fax "
		    "(TIFF, PDF, PostScript, JPEG, PNG, GIF, BMP, WebP, HEIC, "
		    "Word, Excel, PowerPoint, OpenDocument, RTF)";
	case IMG_EARCHIVE:
		return "it is an archive (zip); the gateway never unpacks "
		    "archives: attach the documents themselves";
	case IMG_EMISMATCH:
		return "the file is not what its name says";
	case IMG_ECORRUPT:
		return "the file is damaged or cut short";
	case IMG_ENOPAGES:
		return "it has no pages";
	case IMG_ETOOMANYPAGES:
		return "it has more pages than the gateway sends in one fax";
	case IMG_ETOOLARGE:
		return "its pages are larger than the gateway accepts";
	case IMG_EUNSUPPORTED:
		return "its image coding is one the gateway cannot read";
	case IMG_EPDFENCRYPTED:
	case IMG_EENCRYPTED:
		return "password-protected: send it without a password";
	case IMG_EPDFBROKEN:
		return "the file is damaged (or LibreOffice could not "
		    "render it)";
	case IMG_ETIMEOUT:
		return "turning it into fax pages took too long";
	case IMG_OK:
	case IMG_EIO:
		break;
	}
	return "it could not be read as fax pages";
}

/* The document the imaging code's cause names ("NAME: ..."), if any. */
static const char *
doc_named(const struct msg *m, const char *cause)
{
	size_t	i, n;

	for (i = 0; cause != NULL && i < m->ndocs; i++) {
		n = strlen(m->docs[i].name);
		if (strncmp(cause, m->docs[i].name, n) == 0 &&
		    cause[n] == ':')
			return m->docs[i].name;
	}
	return m->ndocs == 1 ? m->docs[0].name : NULL;
}

/*
 * The cover page in front of body (the fax so far, pages long), written
 * to docpath; notes gets the cover's line in front.
 */
static int
intake_cover(struct hub *h, struct intake_mail *im, const struct img_opts *o,
    const char *body, const char *docpath, int *pages, char **notes,
    enum img_err *err, char **cause)
{
	struct img_cover	 c;
	struct img_stats	 st;
	struct buf		 to;
	const char		*in[2], *names[2] = { "cover page", NULL };
	char			*cpath, date[64], *n;
	time_t			 now = time(NULL);
	struct tm		 tm;
	size_t			 i;
	int			 rv = -1;

	buf_init(&to);
	for (i = 0; i < im->nlocals; i++)
		if (im->fas != NULL && im->fas[i].e164 != NULL)
			buf_addf(&to, "%s%s", to.len ? ", " : "",
			    im->fas[i].typed);
	buf_add(&to, "", 1);
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M %Z", &tm);
	memset(&c, 0, sizeof(c));
	c.from_name = im->m.from_name;
	c.from_addr = im->m.from;
	c.to = to.data;
	c.date = date;
	c.subject = im->m.subject_clean != NULL ? im->m.subject_clean :
	    im->m.subject;
	c.pages = *pages + 1;
	c.text = im->m.text;
	cpath = xprintf("%s/tmp/%s-cover.tif", h->cfg.spool_dir, im->bcast);
	*err = IMG_EIO;
	if (img_cover_page(&c, o, cpath, cause) == -1)
		goto out;
	in[0] = cpath;
	in[1] = body;
	memset(&st, 0, sizeof(st));
	if (img_normalize(in, names, 2, docpath, o, &st, err, cause) == -1)
		goto out;
	*pages = st.pages;
	img_stats_free(&st);
	n = xprintf("cover page: 1 page%s%s", *notes != NULL ? "; " : "",
	    *notes != NULL ? *notes : "");
	free(*notes);
	*notes = n;
	rv = 0;
out:
	unlink(cpath);
	free(cpath);
	buf_free(&to);
	return rv;
}

/*
 * Where img_normalize() reads the mail's document i: a picture or a TIFF,
 * which faxhubd decodes itself, from memory (a memfd, by its /proc name):
 * no spool file to make and remove for each mail; anything a sandboxed
 * converter reads (PDF, PostScript, Office), or when memfd_create() is not
 * allowed or /proc is not there, from spool/tmp (no fsync: the .eml is the
 * durable copy).
 * *fd gets the memfd or stays -1.  NULL and *cause on failure.
 */
static char *
doc_stash(struct hub *h, const struct intake_mail *im, size_t i, int *fd,
    char **cause)
{
	const struct msg_doc	*d = &im->m.docs[i];
	const unsigned char	*p = d->data;
	size_t			 left = d->len;
	ssize_t			 w;
	char			*path;

	switch (image_sniff(d->data, d->len)) {
	case IMG_FMT_TIFF:
	case IMG_FMT_JPEG:
	case IMG_FMT_PNG:
	case IMG_FMT_GIF:
	case IMG_FMT_BMP:
	case IMG_FMT_WEBP:
	case IMG_FMT_HEIF:
		*fd = memfd_create("faxhub-doc", MFD_CLOEXEC);
		break;
	default:
		break;
	}
	while (*fd != -1 && left > 0) {
		if ((w = write(*fd, p, left)) == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			close(*fd);
			*fd = -1;
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	if (*fd != -1) {
		/* Without /proc (a bare chroot) the name would not open. */
		path = xprintf("/proc/self/fd/%d", *fd);
		if (access(path, R_OK) == 0)
			return path;
		free(path);
		close(*fd);
		*fd = -1;
	}
	path = xprintf("%s/tmp/%s-%zu", h->cfg.spool_dir, im->bcast, i);
	if (file_write_sync(path, d->data, d->len, 0600, WRITE_SCRATCH,
	    cause) == -1) {
		free(path);
		return NULL;
	}
	return path;
}

/*
 * Hands the mail's documents over (doc_stash(); its text as pages when
 * it is faxed) and normalises them in the order of the mail's parts, a
 * cover page first when wanted.
 */
enum intake_rc
intake_document(struct hub *h, struct intake_mail *im, const char *docpath,
    int *pages, char **notes)
{
	struct img_opts	  o;
	struct img_stats  st;
	enum img_err	  err = IMG_OK;
	char		**paths, *cause = NULL, *body;
	const char	**names, *name;
	size_t		  i, n = 0;
	int		  tpages, *fds;
	enum intake_rc	  rc = INTAKE_RETRY;

	img_opts_default(&o);
	o.fine = h->cfg.page.resolution == PAGE_FINE;
	o.letter = h->cfg.page.size == PAGE_LETTER;
	o.max_pages = h->cfg.limits.pages;
	o.max_pixels = h->cfg.limits.pixels;
	o.office_warm = h->cfg.page.office_warm;
	o.gs_timeout = h->cfg.page.convert_timeout;
	o.sync = intake_sync(im);	/* as the jobs: see intake_jobs() */
	body = xprintf("%s.body", docpath);
	paths = xcalloc(im->m.ndocs + 2, sizeof(char *));
	names = xcalloc(im->m.ndocs + 2, sizeof(char *));
	fds = xcalloc(im->m.ndocs + 2, sizeof(int));
	for (i = 0; i < im->m.ndocs + 2; i++)
		fds[i] = -1;
	for (i = 0; i < im->m.ndocs; i++) {
		if ((paths[n] = doc_stash(h, im, i, &fds[n], &cause)) ==
		    NULL) {
			log_warnx("mail %s: %s", im->key, cause);
			free(cause);
			goto out;
		}
		names[n] = im->m.docs[i].name;
		n++;
	}
	if (im->fax_text) {
		paths[n] = xprintf("%s/tmp/%s-text.tif", h->cfg.spool_dir,
		    im->bcast);
		if (img_text_pages(im->m.text, &o, paths[n], &tpages,
		    &cause) == -1) {
			log_warnx("mail %s: text pages: %s", im->key, cause);
			free(cause);
			free(paths[n]);
			goto out;
		}
		names[n] = "the mail's text";
		n++;
	}
	memset(&st, 0, sizeof(st));
	if (img_normalize((const char *const *)paths, names, n,
	    im->cover ? body : docpath, &o, &st, &err, &cause) == -1)
		goto refused;
	*pages = st.pages;
	*notes = st.notes != NULL ? xstrdup(st.notes) : NULL;
	img_stats_free(&st);
	if (im->cover && intake_cover(h, im, &o, body, docpath, pages, notes,
	    &err, &cause) == -1) {
		free(*notes);
		*notes = NULL;
		goto refused;
	}
	rc = INTAKE_NEXT;
	goto out;
refused:
	name = doc_named(&im->m, cause);
	im->refusal.why = REFUSE_BAD_DOCUMENT;
	im->refusal.value = name != NULL ? xstrdup(name) : NULL;
	im->refusal.detail = xstrdup(doc_words(err));
	im->refusal.log = xprintf("%s (%s)", cause != NULL ? cause : "?",
	    img_err_text(err));
	free(cause);
	rc = INTAKE_REFUSED;
out:
	for (i = 0; i < n; i++) {
		if (fds[i] != -1)
			close(fds[i]);
		else
			unlink(paths[i]);
		free(paths[i]);
	}
	unlink(body);
	free(body);
	free(paths);
	free(names);
	free(fds);
	return rc;
}

/* The image notes, the ignored parts and the numbers not sent. */
static char *
bcast_notes(const struct intake_mail *im, const char *imgnotes)
{
	struct buf	nb;
	size_t		i;

	buf_init(&nb);
	if (imgnotes != NULL)
		buf_adds(&nb, imgnotes);
	for (i = 0; i < im->m.nignored; i++)
		buf_addf(&nb, "%sIgnored: %s", nb.len ? "\n" : "",
		    im->m.ignored[i]);
	if (im->bad != NULL)
		buf_addf(&nb, "%sNot sent: %s", nb.len ? "\n" : "", im->bad);
	return nb.len ? buf_steal(&nb, NULL) : NULL;
}

static void
bcast_new(struct bcast *b, const struct intake_mail *im, const char *docpath,
    int pages, const char *notes)
{
	const struct msg	*m = &im->m;

	b->id = xstrdup(im->bcast);
	b->mailkey = xstrdup(im->key);
	b->user = xstrdup(im->user);
	b->reply_to = xstrdup(m->from);
	b->msgid = m->message_id ? xstrdup(m->message_id) : NULL;
	b->references = m->references ? xstrdup(m->references) : NULL;
	b->subject = xstrdup(m->subject_clean ? m->subject_clean :
	    (m->subject ? m->subject : ""));
	b->doc = xstrdup(docpath);
	b->report = im->u.report == REPORT_PER_DEST;
	b->notify = im->u.notify;
	b->created = (long long)time(NULL);
	b->pages = pages;
	b->notes = bcast_notes(im, notes);
}

/* Adds id to the comma-separated list in *b unless it is there. */
static void
jobs_list_add(struct buf *b, const char *id)
{
	const char	*p = b->data;
	size_t		 n = strlen(id);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, id, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return;
		p = strchr(p, ',');
		p = p != NULL ? p + 1 : NULL;
	}
	buf_addf(b, "%s%s", b->len ? "," : "", id);
}

/* A new job of this mail for destination fa; not yet shared. */
static struct hjob *
job_new(const struct intake_mail *im, const struct faxaddr *fa, char *jid,
    const char *docpath, long long pages, int fine)
{
	struct hjob	*hj = xcalloc(1, sizeof(*hj));

	hj->j.id = jid;
	hj->j.broadcast = xstrdup(im->bcast);
	hj->j.user = xstrdup(im->user);
	hj->j.typed = xstrdup(fa->typed);
	hj->j.e164 = xstrdup(fa->e164);
	hj->j.dial = xstrdup(fa->dial);
	hj->j.subaddr = fa->subaddr ? xstrdup(fa->subaddr) : NULL;
	hj->j.doc = xstrdup(docpath);
	hj->j.state = JOB_QUEUED;
	hj->j.created = (long long)time(NULL);
	hj->j.pages = pages;
	hj->j.fine = fine;
	return hj;
}

/* A job live in memory (maybe without a record yet) or in the spool. */
static int
job_known(struct hub *h, const char *id)
{
	int	live;

	pthread_mutex_lock(&h->mtx);
	live = hub_job_find(h, id) != NULL;
	pthread_mutex_unlock(&h->mtx);
	return live || hub_job_known(h, id);
}

/*
 * For each of the mail's numbers, whether the seen index holds its job
 * (its broadcast was pruned): one opening of the index per mail.  seen[i]
 * is 0 for a number not faxed; 1 is returned when every job of the mail
 * is there, 0 when one is not (or there is none), -1 on an index error.
 */
static int
jobs_seen(struct hub *h, const struct intake_mail *im, int *seen,
    char **cause)
{
	char	**jids;
	int	 *got;
	size_t	  i, n = 0;
	int	  all;

	jids = xcalloc(im->nlocals + 1, sizeof(*jids));
	got = xcalloc(im->nlocals + 1, sizeof(*got));
	for (i = 0; i < im->nlocals; i++)
		if (im->fas[i].e164 != NULL)
			jids[n++] = job_id_for(im->bcast, &im->fas[i]);
	all = n > 0 ? 1 : 0;
	if (n > 0 && spool_seen_each(h, (const char *const *)jids, n, got,
	    cause) == -1)
		all = -1;
	for (i = 0, n = 0; i < im->nlocals; i++) {
		seen[i] = 0;
		if (im->fas[i].e164 == NULL)
			continue;
		seen[i] = all != -1 && got[n];
		if (!seen[i] && all == 1)
			all = 0;
		free(jids[n++]);
	}
	free(jids);
	free(got);
	return all;
}

/*
 * The document once per broadcast (whichever copy comes first), one job
 * per number, and the broadcast; *target is the folder the mail goes to.
 * Crash point intake-after-jobs follows.
 *
 * Locking: new jobs are written to the spool and logged before any other
 * thread can see them, without the hub mutex.  The broadcast record is
 * read again and rewritten holding hub_bcast_lock(), as the end of a
 * broadcast (dispatch.c's ender) does, so that a late copy of a mail and
 * the end of its broadcast cannot overwrite each other; the hub mutex is
 * taken only to hand the new jobs over.
 */
enum intake_rc
intake_jobs(struct hub *h, struct intake_mail *im, const char **target)
{
	struct bcast	  b;
	struct hjob	**fresh, **old = NULL;
	struct buf	  all, mine;
	char		 *docpath, *bpath, *notes = NULL, *cause = NULL, *jid;
	char		**ids;
	size_t		  i, nfresh = 0, nids = 0, nold = 0;
	long long	  pages;
	int		  npages = 0, have_b, retired = 0, fine, pruned;
	int		 *seen;
	enum intake_rc	  rc = INTAKE_RETRY;

	fine = h->cfg.page.resolution == PAGE_FINE;
	im->bcast = intake_bcast_id(im);
	docpath = spool_path(h, "docs", im->bcast, ".tif");
	bpath = spool_path(h, "bcast", im->bcast, NULL);
	fresh = xcalloc(im->nlocals + 1, sizeof(*fresh));
	seen = xcalloc(im->nlocals + 1, sizeof(*seen));
	ids = xcalloc(im->nlocals + 1, sizeof(*ids));
	buf_init(&all);
	memset(&b, 0, sizeof(b));
	have_b = access(bpath, F_OK) == 0;
	if (!have_b && spool_exists(h, "done/bcast", im->bcast, NULL)) {
		/* A late copy of a mail whose broadcast was retired. */
		free(bpath);
		bpath = spool_path(h, "done/bcast", im->bcast, NULL);
		have_b = retired = 1;
	}
	if (have_b && bcast_load(bpath, &b, &cause) == -1) {
		log_warnx("mail %s: %s", im->key, cause);
		free(cause);
		goto out;
	}
	/*
	 * A copy of a mail whose broadcast ended and was pruned (retention.c
	 * put its job ids into the seen index): nothing to send, and it goes
	 * where its first copy went (done: the outcome went with the records).
	 */
	if ((pruned = jobs_seen(h, im, seen, &cause)) == -1) {
		log_warnx("mail %s: %s", im->key, cause);
		free(cause);
		goto out;
	}
	if (!have_b && pruned == 1) {
		log_info("mail %s: broadcast %s ended and was pruned; "
		    "nothing to send", im->key, im->bcast);
		*target = h->cfg.imap.done_folder;
		rc = INTAKE_NEXT;
		goto out;
	}
	/*
	 * A retired broadcast's document is not checked at start-up
	 * (intake-recover.c): it is made again when a late copy reopens it.
	 */
	if (!have_b || retired || access(docpath, F_OK) != 0) {
		rc = intake_document(h, im, docpath, &npages, &notes);
		if (rc != INTAKE_NEXT)
			goto out;
		rc = INTAKE_RETRY;
	}
	pages = have_b ? b.pages : npages;

	/* The jobs of this mail; a copy of the same mail adds nothing. */
	for (i = 0; i < im->nlocals; i++) {
		if (im->fas[i].e164 == NULL)
			continue;
		jid = job_id_for(im->bcast, &im->fas[i]);
		ids[nids++] = xstrdup(jid);
		if (job_known(h, jid) || seen[i])
			free(jid);
		else
			fresh[nfresh++] = job_new(im, &im->fas[i], jid,
			    docpath, pages, fine);
	}
	/*
	 * A new job goes to dispatch in memory: the scheduler's next pass
	 * writes its first record, SUBMITTING and durable when it gets a
	 * server at once (no QUEUED record made and replaced for nothing),
	 * else QUEUED.  Until the mail's state is committed a crash has the
	 * mail processed again, which finds or remakes its jobs; after, the
	 * start-up re-derives any job whose record a crash lost or that had
	 * none yet (intake-recover.c).  Re-derived jobs are written here,
	 * durably; a re-derived job was logged queued the first time.
	 */
	for (i = 0; i < nfresh; i++) {
		if (im->recover && hub_job_save_sync(h, fresh[i],
		    intake_sync(im)) == -1)
			goto out;
		fresh[i]->unsaved = !im->recover;
		if (!im->recover)
			hub_log_job(h, fresh[i], "queued");
		log_info("mail %s: job %s for %s (dial %s), %lld pages%s",
		    im->key, fresh[i]->j.id, fresh[i]->j.e164,
		    fresh[i]->j.dial, fresh[i]->j.pages,
		    im->recover ? ", re-derived" : "");
	}

	/* The mail's own jobs, for its state (intake-recover.c checks them). */
	buf_init(&mine);
	for (i = 0; i < nids; i++)
		jobs_list_add(&mine, ids[i]);
	free(im->jobs);
	im->jobs = buf_steal(&mine, NULL);

	/* A reopened broadcast's ended jobs come back to memory with it. */
	if (retired && nfresh > 0)
		old = hub_jobs_read(h, b.jobs, &nold);

	hub_bcast_lock(h, im->bcast);
	if (have_b) {
		/* Again, under its lock: the ender may have ended it. */
		bcast_free(&b);
		if (bcast_load(bpath, &b, &cause) == -1) {
			hub_bcast_unlock(h, im->bcast);
			log_warnx("mail %s: %s", im->key, cause);
			free(cause);
			goto out;
		}
	} else
		bcast_new(&b, im, docpath, npages, notes);
	/* Every job of this mail in the broadcast's list, once. */
	if (b.jobs != NULL)
		buf_adds(&all, b.jobs);
	for (i = 0; i < nids; i++)
		jobs_list_add(&all, ids[i]);
	job_setstr(&b.jobs, all.data != NULL ? all.data : "");
	/* And this copy's key, for its live/ marker (intake.c). */
	buf_reset(&all);
	if (b.keys != NULL)
		buf_adds(&all, b.keys);
	jobs_list_add(&all, im->key);
	job_setstr(&b.keys, all.data);
	/*
	 * A copy of a mail whose broadcast already ended adds nothing: it goes
	 * straight to where its first copy went.  One that adds a number
	 * (a late Bcc copy) reopens the broadcast.
	 */
	*target = h->cfg.imap.processing_folder;
	if (nfresh > 0 && b.reported) {
		b.reported = 0;
		b.moved = 0;
	} else if (b.reported)
		*target = b.reported == 2 ? h->cfg.imap.failed_folder :
		    h->cfg.imap.done_folder;
	if (retired && nfresh > 0) {
		/* Reopened: live again, in bcast/ (done/ keeps the old copy). */
		free(bpath);
		bpath = spool_path(h, "bcast", im->bcast, NULL);
	}
	/*
	 * A late copy that adds nothing to a retired broadcast leaves no
	 * work: its live/ mark (intake.c) goes at once.
	 */
	if (retired && nfresh == 0 && !im->recover)
		spool_unlink(h, "live", im->key, NULL);
	if ((!retired || nfresh > 0) &&
	    bcast_save(&b, bpath, intake_sync(im), &cause) == -1) {
		hub_bcast_unlock(h, im->bcast);
		log_warnx("mail %s: %s", im->key, cause);
		free(cause);
		goto out;
	}
	pthread_mutex_lock(&h->mtx);
	/* Re-derived at start-up: hub_jobs_load() reads them from the spool. */
	for (i = 0; i < nfresh && !im->recover; i++) {
		if (hub_job_find(h, fresh[i]->j.id) == NULL) {
			hub_job_add(h, fresh[i]);
			fresh[i] = NULL;
		}
	}
	for (i = 0; i < nold; i++) {
		if (hub_job_find(h, old[i]->j.id) == NULL) {
			hub_job_add(h, old[i]);
			old[i] = NULL;
		}
	}
	dispatch_schedule(h);	/* a pass now, by the scheduler thread */
	hub_wake_all(h);
	pthread_mutex_unlock(&h->mtx);
	hub_bcast_unlock(h, im->bcast);
	rc = INTAKE_NEXT;
out:
	for (i = 0; i < nfresh; i++)
		if (fresh[i] != NULL) {
			job_free(&fresh[i]->j);
			free(fresh[i]);
		}
	free(fresh);
	free(seen);
	for (i = 0; i < nold; i++)
		if (old[i] != NULL) {
			job_free(&old[i]->j);
			free(old[i]);
		}
	free(old);
	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	bcast_free(&b);
	buf_free(&all);
	free(notes);
	free(docpath);
	free(bpath);
	return rc;
}
