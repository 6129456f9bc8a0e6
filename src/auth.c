/*
 * auth.c: sender authentication (see auth.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "conf.h"
#include "util.h"
#include "xmalloc.h"

_Static_assert(AUTH_ADDRESS == 1 && AUTH_PASSWORD == 2 && AUTH_AUTHRES == 4,
    "auth mode bits differ from the configuration's");

#define AR_MAX		4096	/* Authentication-Results read */
#define AR_RESINFO_MAX	32	/* resinfo clauses looked at */

static int	 refuse(struct auth_result *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static char	*strip_comments(const char *);
static char	*split_semi(char **);
static int	 resinfo_match(char *, const char *, const char *);
static int	 check_user(const char *, const struct auth_ops *,
		    struct auth_user *);

static int
refuse(struct auth_result *res, int rc, const char *fmt, ...)
{
	va_list	ap;

	free(res->reason);
	va_start(ap, fmt);
	xvasprintf(&res->reason, fmt, ap);
	va_end(ap);
	res->ok = 0;
	if (rc == -1)
		res->temporary = 1;
	return (rc);
}

void
auth_result_free(struct auth_result *res)
{
	if (res == NULL)
		return;
	free(res->user);
	free(res->reason);
	memset(res, 0, sizeof(*res));
}

int
auth_modes_parse(const char *list, unsigned *modes, char **cause)
{
	char	*copy, *p, *w;

	*modes = 0;
	copy = p = xstrdup(list);
	while ((w = strsep(&p, ", \t")) != NULL) {
		if (*w == '\0')
			continue;
		if (strcasecmp(w, "address") == 0)
			*modes |= AUTH_ADDRESS;
		else if (strcasecmp(w, "password") == 0)
			*modes |= AUTH_PASSWORD;
		else if (strcasecmp(w, "authres") == 0)
			*modes |= AUTH_AUTHRES;
		else {
			xasprintf(cause, "unknown authentication mode '%s' "
			    "(address, password, authres)", w);
			free(copy);
			return (-1);
		}
	}
	free(copy);
	if (*modes == 0) {
		*cause = xstrdup("no authentication mode given");
		return (-1);
	}
	return (0);
}

/* A copy without RFC 5322 comments; quoted strings kept as they are. */
static char *
strip_comments(const char *s)
{
	char	*out, *q;
	int	 depth = 0, quoted = 0;

	out = q = xmalloc(strlen(s) + 1);
	for (; *s != '\0'; s++) {
		if (quoted) {
			*q++ = *s;
			if (*s == '\\' && s[1] != '\0')
				*q++ = *++s;
			else if (*s == '"')
				quoted = 0;
		} else if (depth > 0) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')')
				depth--;
		} else if (*s == '(') {
			depth++;
			*q++ = ' ';
		} else {
			if (*s == '"')
				quoted = 1;
			*q++ = *s;
		}
	}
	*q = '\0';
	return (out);
}

/* strsep on ';' outside quoted strings. */
static char *
split_semi(char **sp)
{
	char	*s = *sp, *p;
	int	 quoted = 0;

	if (s == NULL)
		return (NULL);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == ';' && !quoted) {
			*p = '\0';
			*sp = p + 1;
			return (s);
		}
	}
	*sp = NULL;
	return (s);
}

/* Removes the quotes of a quoted-string value in place. */
static char *
unquote(char *v)
{
	size_t	len = strlen(v);

	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v[len - 1] = '\0';
		v++;
	}
	return (v);
}

/*
 * One resinfo ("auth=pass smtp.auth=alice@example.test"): 1 when it is an
 * auth pass for user or a dkim pass for user's domain.
 */
static int
resinfo_match(char *ri, const char *user, const char *domain)
{
	char	*p, *q, *tok, *method = NULL, *result = NULL, *eq, *v;
	int	 auth_ok = 0, dkim_ok = 0;

	/* "a = b" to "a=b" */
	for (p = q = ri; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t') {
			char	*n = p;

			while (*n == ' ' || *n == '\t')
				n++;
			if (*n == '=' || (q > ri && q[-1] == '='))
				continue;
		}
		*q++ = *p;
	}
	*q = '\0';
	p = ri;
	while ((tok = strsep(&p, " \t")) != NULL) {
		if (*tok == '\0' || (eq = strchr(tok, '=')) == NULL)
			continue;
		*eq = '\0';
		v = unquote(eq + 1);
		if (method == NULL) {
			method = tok;
			result = v;
			/* method/version */
			if ((q = strchr(method, '/')) != NULL)
				*q = '\0';
			if (strcasecmp(result, "pass") != 0)
				return (0);
			continue;
		}
		if (strcasecmp(method, "auth") == 0 &&
		    strcasecmp(tok, "smtp.auth") == 0 &&
		    strcasecmp(v, user) == 0)
			auth_ok = 1;
		if (strcasecmp(method, "dkim") == 0 &&
		    strcasecmp(tok, "header.d") == 0 &&
		    strcasecmp(v, domain) == 0)
			dkim_ok = 1;
	}
	return (auth_ok || dkim_ok);
}

int
auth_authres_match(const char *value, const char *authserv_id,
    const char *user, const char **why)
{
	char		*copy, *p, *id, *ri, *sp;
	const char	*domain;
	int		 n = 0, rc = 0;

	*why = NULL;
	if (value == NULL) {
		*why = "there is no Authentication-Results header";
		return (0);
	}
	if (strlen(value) > AR_MAX) {
		*why = "the Authentication-Results header is too long";
		return (0);
	}
	if ((domain = strrchr(user, '@')) == NULL) {
		*why = "the sender address has no domain";
		return (0);
	}
	domain++;
	copy = strip_comments(value);
	p = copy;
	id = split_semi(&p);
	id = str_trim(id);
	/* authserv-id [version] */
	if ((sp = strpbrk(id, " \t")) != NULL)
		*sp = '\0';
	if (authserv_id == NULL || strcasecmp(unquote(id), authserv_id) != 0) {
		*why = "the topmost Authentication-Results header is not from "
		    "this site's mail server";
		goto out;
	}
	while ((ri = split_semi(&p)) != NULL && n++ < AR_RESINFO_MAX) {
		if (resinfo_match(str_trim(ri), user, domain)) {
			rc = 1;
			goto out;
		}
	}
	*why = "the site's mail server does not confirm that the sender "
	    "logged in or signed the mail for its domain";
out:
	free(copy);
	return (rc);
}

/* 0 ok, -1 table error. */
static int
check_user(const char *id, const struct auth_ops *ops, struct auth_user *u)
{
	memset(u, 0, sizeof(*u));
	return (ops->get_user(ops->arg, id, u) == 0 ? 0 : -1);
}

int
auth_check(const struct msg *m, unsigned modes, const char *authserv_id,
    const struct auth_ops *ops, struct auth_result *res)
{
	struct auth_user	 u;
	const char		*why;
	int			 r;

	memset(res, 0, sizeof(*res));
	if ((modes & (AUTH_ADDRESS | AUTH_PASSWORD | AUTH_AUTHRES)) == 0)
		return (refuse(res, 0, "The fax gateway has no "
		    "authentication mode configured, so it accepts no mail. "
		    "Please tell the fax administrator."));
	if (m->from == NULL || *m->from == '\0' ||
	    strchr(m->from, '@') == NULL) {
		res->unknown_sender = 1;
		return (refuse(res, 0, "The mail does not name one sender "
		    "address in its From header. Send it from your "
		    "registered address, with a single From address."));
	}
	if (check_user(m->from, ops, &u) != 0)
		return (refuse(res, -1, "The users table could not be read; "
		    "the mail will be tried again later."));
	if (!u.exists) {
		res->unknown_sender = 1;
		return (refuse(res, 0, "%s is not registered as a fax user. "
		    "Ask the fax administrator to register this address.",
		    m->from));
	}
	if (!u.enabled)
		return (refuse(res, 0, "The fax account %s is disabled. Ask "
		    "the fax administrator to enable it.", m->from));

	if (modes & AUTH_ADDRESS) {
		if (m->return_path != NULL && *m->return_path == '\0')
			return (refuse(res, 0, "The mail has an empty "
			    "envelope sender. Send it from your registered "
			    "address as an ordinary mail."));
		if (m->return_path != NULL &&
		    strcasecmp(m->return_path, m->from) != 0) {
			if (check_user(m->return_path, ops, &u) != 0)
				return (refuse(res, -1, "The users table "
				    "could not be read; the mail will be "
				    "tried again later."));
			if (!u.exists || !u.enabled)
				return (refuse(res, 0, "The envelope sender "
				    "%s is not an enabled fax user. Send the "
				    "mail directly from your registered "
				    "address %s.", m->return_path, m->from));
		}
	}
	if (modes & AUTH_PASSWORD) {
		if (m->password == NULL)
			return (refuse(res, 0, "The mail carries no password. "
			    "Put [pw:YOUR-PASSWORD] in the Subject; it is "
			    "removed before the Subject is used anywhere."));
		r = ops->verify(ops->arg, m->from, m->password);
		if (r == -1)
			return (refuse(res, -1, "The users table could not be "
			    "read; the mail will be tried again later."));
		if (r != 1)
			return (refuse(res, 0, "The password given in the "
			    "Subject ([pw:...]) is wrong for %s. Check it, or "
			    "ask the fax administrator to set a new one.",
			    m->from));
	}
	if (modes & AUTH_AUTHRES) {
		if (!auth_authres_match(m->authres, authserv_id, m->from,
		    &why))
			return (refuse(res, 0, "The mail could not be "
			    "confirmed as sent by %s: %s. Send it through "
			    "the site's mail server, logged in as %s.",
			    m->from, why, m->from));
	}
	res->ok = 1;
	res->user = xstrdup(m->from);
	return (1);
}

/* Takes "[pw:...]" out of the Subject (every one; the first counts). */
void
auth_take_password(struct msg *m)
{
	struct buf	 b;
	const char	*s = m->subject != NULL ? m->subject : "", *tok, *end;
	char		*pw, *clean, *t;

	if (m->password != NULL) {
		explicit_bzero(m->password, strlen(m->password));
		free(m->password);
		m->password = NULL;
	}
	free(m->subject_clean);
	buf_init(&b);
	while ((tok = strcasestr(s, "[pw:")) != NULL) {
		buf_add(&b, s, tok - s);
		if ((end = strchr(tok + 4, ']')) == NULL) {
			s = tok + strlen(tok);
			break;
		}
		if (m->password == NULL &&
		    (size_t)(end - tok - 4) <= AUTH_PASSWORD_MAX) {
			pw = xstrndup(tok + 4, end - tok - 4);
			t = str_trim(pw);
			if (*t != '\0')
				m->password = xstrdup(t);
			explicit_bzero(pw, strlen(pw));
			free(pw);
		}
		s = end + 1;
		/* "a [pw:x] b" becomes "a b" */
		if (b.len > 0 && b.data[b.len - 1] == ' ' && *s == ' ')
			s++;
	}
	buf_adds(&b, s);
	clean = buf_steal(&b, NULL);
	t = str_trim(clean);
	m->subject_clean = xstrdup(t);
	free(clean);
}

static int
is_mailer_daemon(const char *addr)
{
	const char	*at;

	if ((at = strrchr(addr, '@')) == NULL)
		at = addr + strlen(addr);
	return ((size_t)(at - addr) == 13 &&
	    strncasecmp(addr, "mailer-daemon", 13) == 0);
}

const char *
auth_automatic(const struct msg *m)
{
	if (m->return_path != NULL && *m->return_path == '\0')
		return ("null envelope sender");
	if (m->return_path != NULL && is_mailer_daemon(m->return_path))
		return ("envelope sender MAILER-DAEMON");
	if (m->auto_submitted)
		return ("Auto-Submitted");
	if (m->bulk)
		return ("Precedence bulk, list or junk");
	if (m->list_id)
		return ("List-Id");
	return (NULL);
}

int
auth_may_reply(const struct msg *m)
{
	const char	*to;

	if (auth_automatic(m) != NULL)
		return (0);
	to = m->return_path != NULL ? m->return_path : m->from;
	if (to == NULL || *to == '\0' || is_mailer_daemon(to))
		return (0);
	return (1);
}
