/*
 * report.c: the text of every mail faxhub writes to a person (see
 * report.h).  All wording lives here so that it stays consistent.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail-compose.h"
#include "report.h"
#include "util.h"
#include "xmalloc.h"

#define DEFAULT_FROM_NAME	"Fax gateway"
#define SIGNATURE		"-- \nfaxhub fax gateway\n"

static struct mail *start_mail(const struct report_envelope *, int,
		    char **);
static char	*redact(const char *);
static void	 fmt_time(time_t, char *, size_t);
static void	 fmt_duration(long, char *, size_t);
static const char *or_unknown(const char *);
static void	 quote_original(struct buf *, const struct report_envelope *);
static void	 dest_lines(struct buf *, const struct report_dest *,
		    const char *);
static const char *why_short(enum report_why);
static const char *why_advice(enum report_why);
static void	 refusal_text(struct buf *, const struct report_refusal *);
static char	*finish(struct mail *, const struct report_envelope *,
		    size_t *);

const char *
report_why_text(enum report_why why)
{
	switch (why) {
	case WHY_NONE:
		return "The fax was sent.";
	case WHY_BUSY:
		return "The line was busy every time we called.";
	case WHY_NO_ANSWER:
		return "Nobody answered the call.";
	case WHY_NO_FAX:
		return "The call was answered, but not by a fax machine.";
	case WHY_LINE_ERROR:
		return "The call was cut off or the line was too noisy.";
	case WHY_BAD_NUMBER:
		return "The number does not exist or cannot be dialled.";
	case WHY_DOC_REFUSED:
		return "The fax server could not use the document.";
	case WHY_NO_SERVER:
		return "No fax server was able to take the fax.";
	case WHY_CANCELLED:
		return "The fax was cancelled by an administrator.";
	case WHY_TIMEOUT:
		return "We tried as often as allowed and then gave up.";
	case WHY_OTHER:
		break;
	}
	return "The fax could not be sent.";
}

static const char *
why_short(enum report_why why)
{
	switch (why) {
	case WHY_NONE:
		return "sent";
	case WHY_BUSY:
		return "line busy";
	case WHY_NO_ANSWER:
		return "no answer";
	case WHY_NO_FAX:
		return "no fax machine";
	case WHY_LINE_ERROR:
		return "line error";
	case WHY_BAD_NUMBER:
		return "invalid number";
	case WHY_DOC_REFUSED:
		return "document refused";
	case WHY_NO_SERVER:
		return "no fax server available";
	case WHY_CANCELLED:
		return "cancelled";
	case WHY_TIMEOUT:
		return "gave up after retries";
	case WHY_OTHER:
		break;
	}
	return "error";
}

static const char *
why_advice(enum report_why why)
{
	switch (why) {
	case WHY_BUSY:
	case WHY_NO_ANSWER:
	case WHY_LINE_ERROR:
	case WHY_TIMEOUT:
	case WHY_NO_SERVER:
		return "You can send the same mail again later.";
	case WHY_NO_FAX:
	case WHY_BAD_NUMBER:
		return "Please check the number, then send the mail again.";
	case WHY_DOC_REFUSED:
		return "Please save the document again as TIFF or PDF and "
		    "resend it.";
	case WHY_CANCELLED:
		return "Ask your fax administrator if you need it sent.";
	case WHY_NONE:
	case WHY_OTHER:
		break;
	}
	return "If this keeps happening, ask your fax administrator.";
}

/* "[pw:anything]" anywhere (any case) becomes "[pw:***]". */
static char *
redact(const char *s)
{
	struct buf	 b;
	const char	*p, *e;

	buf_init(&b);
	buf_adds(&b, "");
	for (p = s; *p != '\0'; p++) {
		if (p[0] == '[' && strncasecmp(p + 1, "pw:", 3) == 0 &&
		    (e = strchr(p + 4, ']')) != NULL) {
			buf_adds(&b, "[pw:***]");
			p = e;
			continue;
		}
		buf_add(&b, p, 1);
	}
	return buf_steal(&b, NULL);
}

static void
fmt_time(time_t t, char *out, size_t size)
{
	struct tm	tm;
	long		off;

	if (t == 0 || localtime_r(&t, &tm) == NULL) {
		strlcpy(out, "unknown", size);
		return;
	}
	off = tm.tm_gmtoff / 60;
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d %c%02ld%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static void
fmt_duration(long s, char *out, size_t size)
{
	if (s < 0)
		strlcpy(out, "unknown", size);
	else if (s < 60)
		snprintf(out, size, "%ld s", s);
	else if (s < 3600)
		snprintf(out, size, "%ld min %ld s", s / 60, s % 60);
	else
		snprintf(out, size, "%ld h %ld min", s / 3600, (s % 3600) / 60);
}

static const char *
or_unknown(const char *s)
{
	return s != NULL && *s != '\0' ? s : "unknown";
}

/*
 * From, To, Auto-Submitted and, when answering a mail, In-Reply-To and
 * References (RFC 5322 3.6.4: the thread of the user's mail, i.e. its
 * References, else its In-Reply-To, then its Message-ID; each id once).
 */
static struct mail *
start_mail(const struct report_envelope *env, int reply, char **cause)
{
	struct mail	*m = mail_new();
	char		*refs;

	if (mail_add_addr_header(m, "From", env->from_name != NULL ?
	    env->from_name : DEFAULT_FROM_NAME, env->from, cause) == -1 ||
	    mail_add_addr_header(m, "To", NULL, env->to, cause) == -1) {
		mail_free(m);
		return NULL;
	}
	mail_add_text_header(m, "Auto-Submitted",
	    reply ? "auto-replied" : "auto-generated");
	if (reply && env->orig_message_id != NULL) {
		mail_add_msgid_header(m, "In-Reply-To", env->orig_message_id);
		refs = xprintf("%s %s", env->orig_references != NULL ?
		    env->orig_references : "", env->orig_message_id);
		mail_add_msgid_header(m, "References", refs);
		free(refs);
	}
	if (env->date != 0)
		mail_set_date(m, env->date);
	return m;
}

static void
quote_original(struct buf *b, const struct report_envelope *env)
{
	char	*subj, *clean;

	if (env->orig_subject == NULL && env->orig_message_id == NULL)
		return;
	buf_adds(b, "\nYour mail:\n");
	if (env->orig_subject != NULL) {
		clean = mail_clean_utf8(env->orig_subject, 300);
		subj = redact(clean);
		buf_addf(b, "  Subject: %s\n", *subj != '\0' ? subj :
		    "(no subject)");
		free(subj);
		free(clean);
	}
	if (env->orig_message_id != NULL) {
		clean = mail_clean_utf8(env->orig_message_id, 250);
		buf_addf(b, "  Message-ID: %s\n", clean);
		free(clean);
	}
}

/* The facts of one destination, each line starting with indent. */
static void
dest_lines(struct buf *b, const struct report_dest *d, const char *in)
{
	char	t[64];

	buf_addf(b, "%sNumber:   %s\n", in, or_unknown(d->number_typed));
	if (d->number_dialled != NULL && (d->number_typed == NULL ||
	    strcmp(d->number_dialled, d->number_typed) != 0))
		buf_addf(b, "%sDialled:  %s\n", in, d->number_dialled);
	buf_addf(b, "%sResult:   %s\n", in, d->ok ? "OK" : "FAILED");
	if (!d->ok) {
		buf_addf(b, "%sWhy:      %s\n", in, report_why_text(d->why));
		if (d->detail != NULL && *d->detail != '\0')
			buf_addf(b, "%sFax server said: %s\n", in, d->detail);
	}
	buf_addf(b, "%sPages:    %d of %d\n", in, d->pages_sent,
	    d->pages_total);
	fmt_time(d->start, t, sizeof(t));
	buf_addf(b, "%sTime:     %s\n", in, t);
	fmt_duration(d->duration, t, sizeof(t));
	buf_addf(b, "%sDuration: %s\n", in, t);
	buf_addf(b, "%sServer:   %s\n", in, or_unknown(d->server));
	if (d->csid != NULL && *d->csid != '\0')
		buf_addf(b, "%sReceiver: %s\n", in, d->csid);
	if (d->attempts > 0)
		buf_addf(b, "%sAttempts: %d\n", in, d->attempts);
	if (d->job_id != NULL)
		buf_addf(b, "%sJob:      %s\n", in, d->job_id);
	if (!d->ok)
		buf_addf(b, "%s%s\n", in, why_advice(d->why));
}

static char *
finish(struct mail *m, const struct report_envelope *env, size_t *len)
{
	char	*msg;

	msg = mail_render(m, env->instance, len);
	mail_free(m);
	return msg;
}

char *
report_outbound(const struct report_outbound *r, size_t *len, char **cause)
{
	struct mail	*m;
	struct buf	 body, jobs, pages, nums, res;
	const struct report_dest *d;
	char		*subj;
	size_t		 i, nok = 0;

	if (r->ndest == 0) {
		*cause = xstrdup("report with no destination");
		return NULL;
	}
	if ((m = start_mail(&r->env, 1, cause)) == NULL)
		return NULL;
	buf_init(&body);
	buf_init(&jobs);
	buf_init(&pages);
	buf_init(&nums);
	buf_init(&res);
	for (i = 0; i < r->ndest; i++) {
		d = &r->dest[i];
		if (d->ok)
			nok++;
		buf_addf(&jobs, "%s%s", i ? ", " : "", or_unknown(d->job_id));
		buf_addf(&pages, "%s%d/%d", i ? ", " : "", d->pages_sent,
		    d->pages_total);
		buf_addf(&nums, "%s%s", i ? ", " : "",
		    or_unknown(d->number_typed));
		buf_addf(&res, "%s%s", i ? ", " : "", d->ok ? "ok" : "failed");
	}
	d = &r->dest[0];
	if (r->ndest == 1 && d->ok) {
		subj = xprintf("Fax sent: %s (%d page%s)",
		    or_unknown(d->number_typed), d->pages_sent,
		    d->pages_sent == 1 ? "" : "s");
		buf_addf(&body, "Your fax to %s was sent.\n\n",
		    or_unknown(d->number_typed));
	} else if (r->ndest == 1) {
		subj = xprintf("Fax failed: %s - %s",
		    or_unknown(d->number_typed), why_short(d->why));
		buf_addf(&body, "Your fax to %s was NOT sent.\n%s\n\n",
		    or_unknown(d->number_typed), report_why_text(d->why));
	} else {
		if (nok == r->ndest)
			subj = xprintf("Fax broadcast: all %zu sent", r->ndest);
		else
			subj = xprintf("Fax broadcast: %zu of %zu sent", nok,
			    r->ndest);
		buf_addf(&body, "Your fax to %zu numbers: %zu sent, %zu "
		    "failed.\n\n", r->ndest, nok, r->ndest - nok);
	}
	for (i = 0; i < r->ndest; i++) {
		d = &r->dest[i];
		if (r->ndest == 1) {
			dest_lines(&body, d, "");
			break;
		}
		buf_addf(&body, "%zu. %s - %s\n", i + 1,
		    or_unknown(d->number_typed), d->ok ? "sent" :
		    why_short(d->why));
		dest_lines(&body, d, "   ");
		buf_adds(&body, "\n");
	}
	if (r->notes != NULL && *r->notes != '\0')
		buf_addf(&body, "About your document:\n%s\n\n", r->notes);
	quote_original(&body, &r->env);
	if (r->preview_png != NULL)
		buf_adds(&body, "\nThe first page is attached as a picture.\n");
	buf_adds(&body, "\n" SIGNATURE);

	mail_add_text_header(m, "Subject", subj);
	mail_add_text_header(m, "X-Faxhub-Status", nok == r->ndest ? "ok" :
	    nok == 0 ? "failed" : "partial");
	if (r->broadcast_id != NULL)
		mail_add_text_header(m, "X-Faxhub-Broadcast", r->broadcast_id);
	mail_add_text_header(m, "X-Faxhub-Job", jobs.data);
	mail_add_text_header(m, r->ndest == 1 ? "X-Faxhub-Number" :
	    "X-Faxhub-Numbers", nums.data);
	mail_add_text_header(m, "X-Faxhub-Results", res.data);
	mail_add_text_header(m, "X-Faxhub-Pages", pages.data);
	mail_set_text(m, body.data);
	free(subj);
	buf_free(&body);
	buf_free(&jobs);
	buf_free(&pages);
	buf_free(&nums);
	buf_free(&res);
	if (r->preview_png != NULL && mail_add_attachment(m, "image/png",
	    "page1.png", r->preview_png, r->preview_len, 1, cause) == -1) {
		mail_free(m);
		return NULL;
	}
	return finish(m, &r->env, len);
}

const char *
report_refusal_short(enum refusal r)
{
	switch (r) {
	case REFUSE_UNKNOWN_SENDER:
		return "unknown sender";
	case REFUSE_NOT_AUTHENTICATED:
		return "sender not authenticated";
	case REFUSE_NO_RECIPIENT:
		return "no fax number";
	case REFUSE_BAD_NUMBER:
		return "invalid number";
	case REFUSE_BARRED_NUMBER:
		return "number not allowed";
	case REFUSE_NO_ATTACHMENT:
		return "no document attached";
	case REFUSE_BAD_DOCUMENT:
		return "document unreadable";
	case REFUSE_TOO_LARGE:
		return "mail too large";
	case REFUSE_MALFORMED:
		return "mail could not be read";
	case REFUSE_DISABLED_USER:
		return "account disabled";
	case REFUSE_AUTOMATIC:
		return "automatic mail";
	}
	return "error";
}

const char *
report_refusal_keyword(enum refusal r)
{
	switch (r) {
	case REFUSE_UNKNOWN_SENDER:
		return "unknown-sender";
	case REFUSE_NOT_AUTHENTICATED:
		return "not-authenticated";
	case REFUSE_NO_RECIPIENT:
		return "no-recipient";
	case REFUSE_BAD_NUMBER:
		return "bad-number";
	case REFUSE_BARRED_NUMBER:
		return "barred-number";
	case REFUSE_NO_ATTACHMENT:
		return "no-attachment";
	case REFUSE_BAD_DOCUMENT:
		return "bad-document";
	case REFUSE_TOO_LARGE:
		return "too-large";
	case REFUSE_MALFORMED:
		return "malformed";
	case REFUSE_DISABLED_USER:
		return "disabled-user";
	case REFUSE_AUTOMATIC:
		return "automatic";
	}
	return "error";
}

/* What was wrong, the bad value, and what to do. */
static void
refusal_text(struct buf *b, const struct report_refusal *r)
{
	const char	*v = r->value, *dom = r->fax_domain;
	char		*cv = NULL;

	if (v != NULL) {
		cv = mail_clean_utf8(v, 300);
		v = cv;
	}
	if (dom == NULL)
		dom = "fax.example.com";
	buf_adds(b, "Your mail was not faxed.\n\n");
	switch (r->reason) {
	case REFUSE_UNKNOWN_SENDER:
		buf_addf(b, "The sender address %s is not registered to send "
		    "faxes through this gateway.\n\nWhat to do: send from your "
		    "registered address, or ask your fax administrator to "
		    "register this one.\n", v != NULL ? v : "of your mail");
		break;
	case REFUSE_NOT_AUTHENTICATED:
		buf_addf(b, "We could not confirm that this mail really comes "
		    "from %s.\n\nWhat to do: send it through your own mail "
		    "server with your login, or give your fax password the "
		    "way your administrator described.\n",
		    v != NULL ? v : "you");
		break;
	case REFUSE_NO_RECIPIENT:
		buf_addf(b, "The mail was not addressed to any fax number.\n\n"
		    "What to do: write to the fax number at the fax domain, "
		    "for example +81755551234@%s\n", dom);
		break;
	case REFUSE_BAD_NUMBER:
		if (v != NULL)
			buf_addf(b, "The fax number %s is an invalid number.",
			    v);
		else
			buf_adds(b, "The fax numbers of the mail are invalid "
			    "numbers.");
		buf_addf(b, "\n\nWhat to do: check the number. Write it with "
		    "the country code (+81755551234@%s) or as you dial it "
		    "from your desk phone.\n", dom);
		break;
	case REFUSE_BARRED_NUMBER:
		buf_addf(b, "Faxes to %s are not allowed from your "
		    "account.\n\nWhat to do: if you need to fax this number, "
		    "ask your fax administrator.\n",
		    v != NULL ? v : "this number");
		break;
	case REFUSE_NO_ATTACHMENT:
		buf_adds(b, "The mail had no document to fax.\n\nWhat to do: "
		    "attach the pages as a TIFF (.tif) or PDF file and send "
		    "the mail again.\n");
		break;
	case REFUSE_BAD_DOCUMENT:
		/* The detail is the reason: part of the sentence. */
		buf_addf(b, "The attached document %s could not be faxed: "
		    "%s.\n\nWhat to do: save it again as TIFF or PDF and send "
		    "the mail again.\n", v != NULL ? v : "(unnamed)",
		    r->detail != NULL && *r->detail != '\0' ? r->detail :
		    "it could not be read as fax pages");
		free(cv);
		return;
	case REFUSE_TOO_LARGE:
		buf_addf(b, "Your mail (%s) is larger than the limit%s%s.\n\n"
		    "What to do: send fewer pages per mail or use a lower "
		    "resolution.\n", v != NULL ? v : "its size",
		    r->limit != NULL ? " of " : "",
		    r->limit != NULL ? r->limit : "");
		break;
	case REFUSE_MALFORMED:
		buf_adds(b, "Your mail could not be read: its structure is "
		    "damaged.\n\nWhat to do: send it again. If this keeps "
		    "happening, try another mail program.\n");
		break;
	case REFUSE_DISABLED_USER:
		buf_addf(b, "The fax account %s is disabled.\n\nWhat to do: "
		    "ask your fax administrator.\n",
		    v != NULL ? v : "of the sender");
		break;
	case REFUSE_AUTOMATIC:
		buf_adds(b, "The mail was sent automatically (a vacation "
		    "reply, a list or a bounce), and the gateway faxes only "
		    "what a person sends.\n\nWhat to do: send the fax as an "
		    "ordinary mail.\n");
		break;
	}
	if (r->detail != NULL && *r->detail != '\0')
		buf_addf(b, "\nDetails: %s\n", r->detail);
	free(cv);
}

char *
report_refusal(const struct report_refusal *r, size_t *len, char **cause)
{
	struct mail	*m;
	struct buf	 body;
	char		*subj, *detail = NULL;
	struct report_refusal copy;

	if ((m = start_mail(&r->env, 1, cause)) == NULL)
		return NULL;
	copy = *r;
	if (r->detail != NULL) {
		detail = redact(r->detail);
		copy.detail = detail;
	}
	buf_init(&body);
	refusal_text(&body, &copy);
	quote_original(&body, &r->env);
	buf_adds(&body, "\n" SIGNATURE);
	subj = xprintf("Fax not sent: %s", report_refusal_short(r->reason));
	mail_add_text_header(m, "Subject", subj);
	mail_add_text_header(m, "X-Faxhub-Status", "refused");
	mail_add_text_header(m, "X-Faxhub-Reason",
	    report_refusal_keyword(r->reason));
	mail_set_text(m, body.data);
	free(subj);
	free(detail);
	buf_free(&body);
	return finish(m, &r->env, len);
}

int
report_inbound(const struct report_inbound *r, char **out, size_t *len,
    char **cause)
{
	struct mail	*m;
	struct buf	 body;
	const struct report_file *f;
	const char	*who;
	char		*subj, *data = NULL, t[64], *why = NULL;
	size_t		 i, dlen;
	int		 rc;

	*out = NULL;
	if ((m = start_mail(&r->env, 0, cause)) == NULL)
		return -1;
	who = r->csid != NULL && *r->csid != '\0' ? r->csid :
	    r->caller != NULL && *r->caller != '\0' ? r->caller :
	    "unknown sender";
	subj = xprintf("Fax from %s (%d page%s)", who, r->pages,
	    r->pages == 1 ? "" : "s");
	mail_add_text_header(m, "Subject", subj);
	free(subj);
	mail_add_text_header(m, "X-Faxhub-Status", r->error != NULL &&
	    *r->error != '\0' ? "error" : "ok");
	if (r->fax_id != NULL)
		mail_add_text_header(m, "X-Faxhub-Fax", r->fax_id);
	subj = xprintf("%d", r->pages);
	mail_add_text_header(m, "X-Faxhub-Pages", subj);
	free(subj);
	if (r->caller != NULL)
		mail_add_text_header(m, "X-Faxhub-Caller", r->caller);
	if (r->called != NULL)
		mail_add_text_header(m, "X-Faxhub-Called", r->called);

	buf_init(&body);
	buf_addf(&body, "You have received a fax of %d page%s.\n\n",
	    r->pages, r->pages == 1 ? "" : "s");
	if (r->error != NULL && *r->error != '\0') {
		buf_addf(&body, "WARNING: there was a problem while receiving "
		    "it, so the fax may be incomplete:\n  %s\n\n", r->error);
	}
	buf_addf(&body, "Sender:   %s\n", or_unknown(r->csid));
	if (r->caller_name != NULL && *r->caller_name != '\0')
		buf_addf(&body, "Caller:   %s (%s)\n", or_unknown(r->caller),
		    r->caller_name);
	else
		buf_addf(&body, "Caller:   %s\n", or_unknown(r->caller));
	buf_addf(&body, "To:       %s\n", or_unknown(r->called));
	buf_addf(&body, "Pages:    %d\n", r->pages);
	fmt_time(r->received, t, sizeof(t));
	buf_addf(&body, "Received: %s\n", t);
	if (r->duration >= 0) {
		fmt_duration(r->duration, t, sizeof(t));
		buf_addf(&body, "Duration: %s\n", t);
	}
	buf_addf(&body, "Server:   %s\n", or_unknown(r->server));
	if (r->fax_id != NULL)
		buf_addf(&body, "Fax id:   %s\n", r->fax_id);
	if (r->nfiles > 0) {
		buf_adds(&body, "\nThe fax is attached as ");
		for (i = 0; i < r->nfiles; i++) {
			f = &r->files[i];
			buf_addf(&body, "%s%s", i == 0 ? "" :
			    i + 1 == r->nfiles ? " and " : ", ",
			    strcasecmp(f->content_type,
			    "application/pdf") == 0 ? "PDF" :
			    strcasecmp(f->content_type, "image/tiff") == 0 ?
			    "TIFF" : f->content_type);
		}
		buf_adds(&body, ".\n");
	}
	if (r->preview_png != NULL)
		buf_adds(&body, "The first page is shown as a picture.\n");
	buf_adds(&body, "\n" SIGNATURE);
	mail_set_text(m, body.data);
	buf_free(&body);

	rc = -1;
	for (i = 0; i < r->nfiles; i++) {
		f = &r->files[i];
		if (f->data != NULL) {
			if (mail_add_attachment(m, f->content_type, f->filename,
			    f->data, f->len, 0, cause) == -1)
				goto fail;
			continue;
		}
		if (f->path == NULL) {
			*cause = xprintf("fax %s: attachment %zu has neither "
			    "data nor path", or_unknown(r->fax_id), i);
			goto fail;
		}
		if (file_read(f->path, MAIL_MAX_ATTACHMENT, &data, &dlen,
		    &why) == -1) {
			*cause = xprintf("fax %s: %s", or_unknown(r->fax_id),
			    why);
			free(why);
			goto fail;
		}
		if (mail_add_attachment(m, f->content_type,
		    f->filename != NULL ? f->filename : f->path, data, dlen, 0,
		    cause) == -1)
			goto fail;
		free(data);
		data = NULL;
	}
	if (r->preview_png != NULL && mail_add_attachment(m, "image/png",
	    "page1.png", r->preview_png, r->preview_len, 1, cause) == -1)
		goto fail;
	*out = finish(m, &r->env, len);
	return 0;
fail:
	free(data);
	mail_free(m);
	return rc;
}
