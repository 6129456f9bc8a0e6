/*
 * intake-check.c: the intake steps that decide from the mail alone and
 * the users table: parse, automatic mail, recipients, authentication,
 * numbers (see intake.h).  No IMAP, no spool, no hub: each step is a
 * function of the mail, the configuration and struct intake_env.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "dial.h"
#include "intake.h"
#include "util.h"
#include "xmalloc.h"

#define INTAKE_HEADER_MAX	(64 * 1024)

static enum intake_rc	refuse(struct intake_mail *, enum refusal,
			    const char *value, const char *detail);
static void		parse_header_only(struct intake_mail *, const char *,
			    size_t, const struct msg_limits *);
static int		barred(const struct config *, const struct user *,
			    const char *, const char **);

void
intake_mail_init(struct intake_mail *im, const char *key)
{
	memset(im, 0, sizeof(*im));
	im->key = key;
	user_init(&im->u);
}

void
intake_mail_free(struct intake_mail *im)
{
	size_t	i;

	msg_free(&im->m);
	if (im->fas != NULL)
		for (i = 0; i < im->nlocals; i++)
			faxaddr_free(&im->fas[i]);
	free(im->fas);
	msg_strings_free(im->locals, im->nlocals);
	free(im->user);
	user_free(&im->u);
	free(im->bad);
	free(im->bcast);
	free(im->jobs);
	free(im->refusal.value);
	free(im->refusal.detail);
	free(im->refusal.log);
	memset(im, 0, sizeof(*im));
}

static enum intake_rc
refuse(struct intake_mail *im, enum refusal why, const char *value,
    const char *detail)
{
	im->refusal.why = why;
	free(im->refusal.value);
	free(im->refusal.detail);
	im->refusal.value = value != NULL ? xstrdup(value) : NULL;
	im->refusal.detail = detail != NULL ? xstrdup(detail) : NULL;
	return INTAKE_REFUSED;
}

/*
 * A mail msg_parse() refused still deserves an answer: read its top-level
 * header alone (the first INTAKE_HEADER_MAX bytes, cut at a line end), so
 * the sender, Message-ID and the no-reply markers are known.
 */
static void
parse_header_only(struct intake_mail *im, const char *raw, size_t len,
    const struct msg_limits *lim)
{
	struct msg_limits	 l = *lim;
	struct buf		 b;
	enum msg_err		 e;
	char			*cause = NULL;
	size_t			 n, i;

	msg_free(&im->m);
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
	if (msg_parse(b.data, b.len, &l, &im->m, &e, &cause) == -1)
		free(cause);
	else
		auth_take_password(&im->m);
	buf_free(&b);
	im->parsed = im->m.from != NULL;
}

enum intake_rc
intake_parse(const struct intake_env *env, struct intake_mail *im,
    const char *raw, size_t len, int toobig)
{
	const struct config	*cfg = env->cfg;
	struct msg_limits	 lim;
	enum msg_err		 err = MSG_OK;
	char			*cause = NULL;
	enum intake_rc		 rc;

	memset(&lim, 0, sizeof(lim));
	lim.message_size = cfg->limits.message_size;
	lim.header_size = cfg->limits.header_size;
	lim.attachment_size = cfg->limits.attachment_size;
	lim.mime_depth = cfg->limits.mime_depth;
	lim.mime_parts = cfg->limits.mime_parts;
	if (!toobig && msg_parse(raw, len, &lim, &im->m, &err, &cause) == 0) {
		auth_take_password(&im->m);
		im->parsed = 1;
		return INTAKE_NEXT;
	}
	/* Only the header was fetched of a mail over the limit. */
	if (toobig) {
		err = MSG_ETOOBIG;
		free(cause);
		cause = NULL;
	}
	parse_header_only(im, raw, len, &lim);
	if (err == MSG_ETOOBIG && cause == NULL)
		cause = xprintf("the mail is larger than the limit of %zu "
		    "bytes", lim.message_size);
	rc = refuse(im, err == MSG_ETOOBIG || err == MSG_EATTACH ?
	    REFUSE_TOO_LARGE : REFUSE_MALFORMED, NULL, cause);
	free(cause);
	return rc;
}

enum intake_rc
intake_automatic(const struct intake_env *env, struct intake_mail *im)
{
	const char	*sign;

	(void)env;
	if ((sign = auth_automatic(&im->m)) == NULL)
		return INTAKE_NEXT;
	im->refusal.silent = sign;
	return refuse(im, REFUSE_AUTOMATIC, NULL, NULL);
}

enum intake_rc
intake_recipients(const struct intake_env *env, struct intake_mail *im)
{
	addr_fax_recipients(im->m.to_cc, im->m.nto_cc, im->m.delivered_to,
	    im->m.ndelivered, env->cfg->fax.domains, &im->locals,
	    &im->nlocals);
	if (im->nlocals == 0)
		return refuse(im, REFUSE_NO_RECIPIENT, NULL, "none of the "
		    "recipients is an address in the fax domain");
	return INTAKE_NEXT;
}

enum intake_rc
intake_authenticate(const struct intake_env *env, struct intake_mail *im)
{
	struct auth_result	 ar;
	enum intake_rc		 rc = INTAKE_NEXT;
	int			 r;

	auth_check(&im->m, env->cfg->auth.modes, env->cfg->auth.authserv_id,
	    &env->auth, &ar);
	if (ar.temporary) {
		free(im->refusal.log);
		im->refusal.log = xstrdup(ar.reason);
		rc = INTAKE_RETRY;
	} else if (!ar.ok) {
		im->refusal.unknown = ar.unknown_sender;
		rc = refuse(im, ar.unknown_sender ? REFUSE_UNKNOWN_SENDER :
		    REFUSE_NOT_AUTHENTICATED, im->m.from, ar.reason);
	} else {
		im->user = xstrdup(ar.user);
		user_free(&im->u);
		user_init(&im->u);
		r = env->user_copy(env->arg, im->user, &im->u);
		if (r != 1) {
			/* Gone or unreadable since auth_check() read it. */
			free(im->refusal.log);
			im->refusal.log = xprintf("user %s could not be read "
			    "again", im->user);
			rc = INTAKE_RETRY;
		}
	}
	auth_result_free(&ar);
	return rc;
}

/* 1 when e164 may not be dialled for u; *why says why in plain words. */
static int
barred(const struct config *cfg, const struct user *u, const char *e164,
    const char **why)
{
	size_t	i;

	for (i = 0; i < cfg->dial.nbarred; i++)
		if (dial_pattern_match(cfg->dial.barred[i], e164)) {
			*why = "the number is barred by the site's dialling "
			    "rules";
			return 1;
		}
	if (u->bar != NULL)
		for (i = 0; u->bar[i] != NULL; i++)
			if (dial_pattern_match(u->bar[i], e164)) {
				*why = "you may not send faxes to this number";
				return 1;
			}
	if (u->allow != NULL && u->allow[0] != NULL) {
		for (i = 0; u->allow[i] != NULL; i++)
			if (dial_pattern_match(u->allow[i], e164))
				return 0;
		*why = "the number is outside the destinations you may send "
		    "faxes to";
		return 1;
	}
	return 0;
}

/*
 * Takes "[cover]" and "[nocover]" out of the subject the report shows;
 * the last one counts: 1 cover, 0 none, -1 the mail does not say.
 */
static int
take_cover_tag(struct msg *m)
{
	static const char *const tags[] = { "[nocover]", "[cover]" };
	char	*s = m->subject_clean, *p;
	size_t	 i, n;
	int	 want = -1;

	if (s == NULL)
		return -1;
	for (;;) {
		p = NULL;
		for (i = 0; i < nitems(tags); i++)
			if ((p = strcasestr(s, tags[i])) != NULL)
				break;
		if (p == NULL)
			break;
		want = (int)i;
		n = strlen(tags[i]);
		/* "a [cover] b" becomes "a b" */
		if (p > s && p[-1] == ' ' && p[n] == ' ')
			n++;
		memmove(p, p + n, strlen(p + n) + 1);
	}
	p = str_trim(s);
	memmove(s, p, strlen(p) + 1);
	return want;
}

enum intake_rc
intake_numbers(const struct intake_env *env, struct intake_mail *im)
{
	const struct config	*cfg = env->cfg;
	struct dial_rules	 dr;
	struct buf		 bad;
	const char		*why;
	char			*cause;
	size_t			 i;
	int			 anybarred = 0;
	enum intake_rc		 rc = INTAKE_NEXT;

	/* The mail's word, else the user's, else the site's. */
	if ((im->cover = take_cover_tag(&im->m)) == -1)
		im->cover = user_pref_get(im->u.cover, cfg->cover.enabled);
	im->fax_text = user_pref_get(im->u.fax_text, cfg->text.fax_body) &&
	    im->m.ndocs == 0 &&
	    im->m.text != NULL && im->m.text[strspn(im->m.text,
	    " \t\r\n")] != '\0';
	if (im->m.ndocs == 0 && !im->fax_text)
		return refuse(im, REFUSE_NO_ATTACHMENT, NULL, "the mail has no "
		    "document or image attached to fax");
	memset(&dr, 0, sizeof(dr));
	dr.country_code = cfg->dial.country_code;
	dr.area_code = cfg->dial.area_code;
	dr.intl_prefix = cfg->dial.international_prefix;
	dr.natl_prefix = cfg->dial.national_prefix;
	dr.outside_prefix = cfg->dial.outside_prefix;
	im->fas = xcalloc(im->nlocals, sizeof(*im->fas));
	im->nok = 0;
	buf_init(&bad);
	for (i = 0; i < im->nlocals; i++) {
		cause = NULL;
		if (addr_parse(im->locals[i], &dr, &im->fas[i], &cause) == -1) {
			buf_addf(&bad, "%s%s", bad.len ? "\n" : "", cause);
			free(cause);
			continue;
		}
		if (barred(cfg, &im->u, im->fas[i].e164, &why)) {
			anybarred = 1;
			buf_addf(&bad, "%s%s: %s", bad.len ? "\n" : "",
			    im->fas[i].typed, why);
			faxaddr_free(&im->fas[i]);
			memset(&im->fas[i], 0, sizeof(im->fas[i]));
			continue;
		}
		im->nok++;
	}
	free(im->bad);
	im->bad = bad.len ? buf_steal(&bad, NULL) : NULL;
	buf_free(&bad);
	if (im->nok == 0)
		rc = refuse(im, anybarred ? REFUSE_BARRED_NUMBER :
		    REFUSE_BAD_NUMBER, im->nlocals == 1 ? im->locals[0] : NULL,
		    im->bad);
	return rc;
}
