/*
 * hub-mail.c: from spool records to report.c's structs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "fax.h"
#include "hub-mail.h"
#include "image.h"
#include "kvfile.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define PREVIEW_WIDTH	400
#define PREVIEW_MAX	(2 * 1024 * 1024)

/* Message-IDs as report.c wants them: "<id>" (allocated or NULL). */
static char *
bracket(const char *id)
{
	if (id == NULL || *id == '\0')
		return NULL;
	return *id == '<' ? xstrdup(id) : xprintf("<%s>", id);
}

/*
 * smtp.from may be "Name <address>" or a bare address; report.c wants the
 * two apart.  Both results point into buf (size at least strlen(from)+1).
 */
static void
split_from(const char *from, char *buf, size_t size, const char **name,
    const char **addr)
{
	char	*lt, *gt, *n;

	strlcpy(buf, from, size);
	*name = "Fax gateway";
	*addr = buf;
	if ((lt = strchr(buf, '<')) == NULL || (gt = strchr(lt, '>')) == NULL)
		return;
	*gt = '\0';
	*lt = '\0';
	*addr = lt + 1;
	n = str_trim(buf);
	if (*n == '"' && strlen(n) >= 2 && n[strlen(n) - 1] == '"') {
		n[strlen(n) - 1] = '\0';
		n++;
	}
	if (*n != '\0')
		*name = n;
}

static void
envelope(struct hub *h, struct report_envelope *e, const char *to)
{
	static __thread char	buf[512];

	memset(e, 0, sizeof(*e));
	split_from(h->cfg.smtp.from, buf, sizeof(buf), &e->from_name,
	    &e->from);
	e->to = to;
	e->instance = h->cfg.instance;
	e->date = time(NULL);
}

/* Failure message for a caller-facing mail that could not be built. */
static char *
fallback(const char *what, const char *cause, size_t *len)
{
	char	*m;

	log_warnx("%s: %s", what, cause ? cause : "cannot build mail");
	m = xprintf("Subject: faxhub: %s\r\nAuto-Submitted: auto-generated"
	    "\r\n\r\n%s\r\n", what, cause ? cause : "");
	*len = strlen(m);
	return m;
}

char *
hubmail_refusal(struct hub *h, const struct msg *m, enum refusal why,
    const char *value, const char *detail, size_t *len)
{
	struct report_refusal	 r;
	char			*out, *cause = NULL, limit[64], *mid;

	memset(&r, 0, sizeof(r));
	envelope(h, &r.env, m->from);
	r.env.orig_subject = m->subject_clean ? m->subject_clean : m->subject;
	mid = bracket(m->message_id);
	r.env.orig_message_id = mid;
	r.env.orig_references = m->references;
	r.reason = why;
	r.value = value;
	r.detail = detail;
	r.fax_domain = h->cfg.fax.ndomains ? h->cfg.fax.domains[0] : NULL;
	if (h->cfg.limits.message_size >= 1024 * 1024)
		snprintf(limit, sizeof(limit), "%zu MB",
		    h->cfg.limits.message_size / (1024 * 1024));
	else
		snprintf(limit, sizeof(limit), "%zu KB",
		    h->cfg.limits.message_size / 1024);
	r.limit = limit;
	if ((out = report_refusal(&r, len, &cause)) == NULL) {
		out = fallback("refusal", cause, len);
		free(cause);
	}
	free(mid);
	return out;
}

char *
hubmail_registered(struct hub *h, const struct msg *m, const char *user,
    size_t *len)
{
	struct buf	b;
	char		date[64];
	time_t		now = time(NULL);
	struct tm	tm;
	const char	*refs;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_init(&b);
	if (strchr(h->cfg.smtp.from, '<') != NULL)
		buf_addf(&b, "From: %s\r\n", h->cfg.smtp.from);
	else
		buf_addf(&b, "From: Fax gateway <%s>\r\n", h->cfg.smtp.from);
	buf_addf(&b, "To: <%s>\r\nDate: %s\r\nSubject: Fax user registered: "
	    "%s\r\n", m->from, date, user);
	/* The thread, then the mail itself (RFC 5322); a thread too long
	 * for one unfolded line is left out. */
	refs = m->references != NULL && strlen(m->references) < 800 ?
	    m->references : NULL;
	if (m->message_id != NULL)
		buf_addf(&b, "In-Reply-To: <%s>\r\nReferences: %s%s<%s>\r\n",
		    m->message_id, refs != NULL ? refs : "",
		    refs != NULL ? " " : "", m->message_id);
	buf_addf(&b, "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
	    "The user %s can now send faxes through this gateway.\r\n", user);
	return buf_steal(&b, len);
}

static enum report_why
why_of(const struct job *j)
{
	if (j->state == JOB_DONE)
		return WHY_NONE;
	if (j->status == NULL && j->server == NULL)
		return j->reason != NULL ? WHY_NO_SERVER : WHY_OTHER;
	/* The cause the driver stored; records from before it: other. */
	switch (fax_cause_from_name(j->cause)) {
	case FAX_CAUSE_BUSY:
		return WHY_BUSY;
	case FAX_CAUSE_NO_ANSWER:
		return WHY_NO_ANSWER;
	case FAX_CAUSE_NO_FAX:
		return WHY_NO_FAX;
	case FAX_CAUSE_LINE:
		return WHY_LINE_ERROR;
	case FAX_CAUSE_BAD_NUMBER:
		return WHY_BAD_NUMBER;
	case FAX_CAUSE_DOCUMENT:
		return WHY_DOC_REFUSED;
	case FAX_CAUSE_REJECTED:
		return WHY_NO_SERVER;
	case FAX_CAUSE_TIMEOUT:
		return WHY_TIMEOUT;
	default:
		return WHY_OTHER;
	}
}

/* First-page preview of a TIFF, as PNG bytes (allocated) or NULL. */
static void *
preview(struct hub *h, const char *tif, const char *tag, size_t *len)
{
	char	*png, *cause = NULL, *data = NULL;

	png = xprintf("%s/tmp/%s.png", h->cfg.spool_dir, tag);
	if (img_preview_png(tif, png, PREVIEW_WIDTH, &cause) == -1 ||
	    file_read(png, PREVIEW_MAX, &data, len, &cause) == -1) {
		log_warnx("preview of %s: %s", tif, cause);
		free(cause);
		data = NULL;
		*len = 0;
	}
	unlink(png);
	free(png);
	return data;
}

char *
hubmail_report(struct hub *h, const struct bcast *b, const struct job *jobs,
    size_t n, size_t *len)
{
	struct report_outbound	 r;
	struct report_dest	*d;
	char			*out, *cause = NULL, *mid, **srv;
	void			*png;
	size_t			 i, pnglen = 0;

	d = xcalloc(n ? n : 1, sizeof(*d));
	srv = xcalloc(n ? n : 1, sizeof(*srv));
	for (i = 0; i < n; i++) {
		const struct job *j = &jobs[i];
		d[i].number_typed = j->typed;
		d[i].number_dialled = j->dial;
		d[i].ok = j->state == JOB_DONE;
		d[i].why = why_of(j);
		d[i].detail = j->state == JOB_DONE ? NULL :
		    (j->status != NULL && *j->status != '\0' ? j->status :
		    j->reason);
		d[i].pages_sent = (int)(j->state == JOB_DONE && j->npages == 0 ?
		    j->pages : j->npages);
		d[i].pages_total = (int)j->pages;
		d[i].start = (time_t)j->started;
		d[i].duration = j->ended && j->started ?
		    (long)(j->ended - j->started) : -1;
		/* The server, and why it when it was not the first choice. */
		if (j->server != NULL && j->choice != NULL)
			srv[i] = xprintf("%s (%s)", j->server, j->choice);
		d[i].server = srv[i] != NULL ? srv[i] : j->server;
		d[i].csid = j->csid;
		d[i].attempts = (int)j->attempts;
		d[i].job_id = j->id;
	}
	png = preview(h, b->doc, b->id, &pnglen);
	memset(&r, 0, sizeof(r));
	envelope(h, &r.env, b->reply_to);
	r.env.orig_subject = b->subject;
	mid = bracket(b->msgid);
	r.env.orig_message_id = mid;
	r.env.orig_references = b->references;
	r.broadcast_id = b->id;
	r.dest = d;
	r.ndest = n;
	r.preview_png = png;
	r.preview_len = pnglen;
	r.notes = b->notes;
	if ((out = report_outbound(&r, len, &cause)) == NULL) {
		out = fallback("report", cause, len);
		free(cause);
	}
	free(png);
	for (i = 0; i < n; i++)
		free(srv[i]);
	free(srv);
	free(d);
	free(mid);
	return out;
}

char *
hubmail_inbound(struct hub *h, const struct kv *meta, const char *tif,
    const char *to, int format, size_t *len, char **cause)
{
	struct report_inbound	 r;
	struct report_file	 files[2];
	size_t			 nfiles = 0, pnglen = 0;
	char			*pdf = NULL, *out = NULL, *key;
	void			*png;
	int			 pages = 0;
	const char		*fname = kv_get(meta, "file");

	key = xstrdup(kv_get(meta, "key"));
	memset(files, 0, sizeof(files));
	if (format == FMT_PDF || format == FMT_BOTH) {
		pdf = xprintf("%s/tmp/%s.pdf", h->cfg.spool_dir, key);
		if (img_topdf(tif, pdf, &pages, cause) == -1)
			goto out;
		files[nfiles].content_type = "application/pdf";
		files[nfiles].filename = "fax.pdf";
		files[nfiles].path = pdf;
		nfiles++;
	}
	if (format == FMT_TIFF || format == FMT_BOTH) {
		files[nfiles].content_type = "image/tiff";
		files[nfiles].filename = "fax.tif";
		files[nfiles].path = tif;
		nfiles++;
	}
	png = preview(h, tif, key, &pnglen);
	memset(&r, 0, sizeof(r));
	envelope(h, &r.env, to);
	r.fax_id = key;
	r.csid = kv_get(meta, "csid");
	r.caller = kv_get(meta, "caller");
	r.called = kv_get(meta, "called");
	r.server = kv_get(meta, "server");
	r.pages = (int)kv_getll(meta, "pages", 0);
	r.received = (time_t)kv_getll(meta, "received", 0);
	r.duration = -1;
	r.error = kv_get(meta, "error");
	if (r.error != NULL && *r.error == '\0')
		r.error = NULL;
	r.files = files;
	r.nfiles = nfiles;
	r.preview_png = png;
	r.preview_len = pnglen;
	(void)fname;
	if (report_inbound(&r, &out, len, cause) == -1)
		out = NULL;
	free(png);
out:
	if (pdf != NULL) {
		unlink(pdf);
		free(pdf);
	}
	free(key);
	return out;
}
