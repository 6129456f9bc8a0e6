/*
 * mail-smtp.c: SMTP submission through libesmtp (see mail-smtp.h).
 *
 * libesmtp runs the protocol; this file sets the session up (timeouts,
 * STARTTLS with our own verifying SSL_CTX, AUTH through an interact
 * callback) and turns what happened into one smtp_result.  libesmtp
 * carries on without AUTH when the server refuses it and reports TLS
 * trouble only through events, so the session is also watched through
 * the monitor callback: the reply to AUTH and the last reply line are
 * kept (never anything we wrote: that holds the password).
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/ssl.h>	/* before libesmtp.h: smtp_starttls_set_ctx */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <auth-client.h>	/* before libesmtp.h: smtp_auth_set_context */
#include <libesmtp.h>

#include "mail-smtp.h"
#include "util.h"
#include "xmalloc.h"

#define DEFAULT_TIMEOUT	60

/* What one session saw; owned by smtp_send()'s stack frame. */
struct session {
	const struct smtp_params *p;
	char		 where[300];		/* "host:port" */
	const char	*msg;
	size_t		 len;
	int		 msg_done;
	int		 in_auth;		/* last command was AUTH */
	int		 auth_ok;		/* 235 seen */
	char		 auth_reply[SMTP_MAX_TEXT];
	char		 last_reply[SMTP_MAX_TEXT];
	char		 line[SMTP_MAX_TEXT];	/* reply line being read */
	size_t		 linelen;
	char		 tls_error[SMTP_MAX_TEXT];
	int		 starttls_missing;
	int		 starttls_ok;
};

static pthread_once_t	auth_once = PTHREAD_ONCE_INIT;

static void	 auth_init(void);
static int	 is_ip_literal(const char *);
static void	 clean_copy(char *, size_t, const char *, size_t);
static void	 reply_line(struct session *);
static void	 monitor_cb(const char *, int, int, void *);
static void	 event_cb(smtp_session_t, int, void *, ...);
static int	 interact_cb(auth_client_request_t, char **, int, void *);
static const char *message_cb(void **, int *, void *);
static int	 verify_cb(int, X509_STORE_CTX *);
static SSL_CTX	*make_ctx(struct session *, char **);
static char	*status_text(const smtp_status_t *);
static char	*session_reason(struct session *, int, const char *);
static void	 fail_all(struct smtp_result *, const struct session *,
		    const char *);
static void	 finish_result(struct smtp_result *, const struct session *);

static void
auth_init(void)
{
	auth_client_init();
}

const char *
smtp_outcome_name(enum smtp_outcome o)
{
	switch (o) {
	case SMTP_SENT:
		return "sent";
	case SMTP_TEMPFAIL:
		return "tempfail";
	case SMTP_PERMFAIL:
		return "permfail";
	}
	return "unknown";
}

static int
is_ip_literal(const char *h)
{
	unsigned char	a[16];

	return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

int
smtp_params_check(const struct smtp_params *p, char **cause)
{
	if (p->host == NULL || *p->host == '\0' || strlen(p->host) > 255 ||
	    strpbrk(p->host, " \t\r\n/") != NULL) {
		*cause = xprintf("smtp: bad host \"%s\"",
		    p->host != NULL ? p->host : "");
		return -1;
	}
	if (strchr(p->host, ':') != NULL) {
		*cause = xprintf("smtp: host %s: IPv6 literals are not "
		    "supported by libesmtp, use a name", p->host);
		return -1;
	}
	if (p->port < 0 || p->port > 65535) {
		*cause = xprintf("smtp: bad port %d", p->port);
		return -1;
	}
	if (p->tls == SMTP_TLS_TLS) {
		*cause = xprintf("smtp: %s: implicit TLS (smtps) is not "
		    "supported by libesmtp; use STARTTLS on the submission "
		    "port", p->host);
		return -1;
	}
	if (p->tls == SMTP_TLS_STARTTLS && p->ca_file != NULL &&
	    access(p->ca_file, R_OK) == -1) {
		*cause = xprintf("smtp: CA file %s: %s", p->ca_file,
		    strerror(errno));
		return -1;
	}
	if ((p->user == NULL) != (p->password == NULL)) {
		*cause = xprintf("smtp: %s: user and password go together",
		    p->host);
		return -1;
	}
	if (p->user != NULL && p->tls == SMTP_TLS_NONE &&
	    !host_is_loopback(p->host)) {
		*cause = xprintf("smtp: %s: refusing to send the password for "
		    "%s without TLS", p->host, p->user);
		return -1;
	}
	return 0;
}

/* Copies at most n bytes of s, controls turned into spaces, trimmed. */
static void
clean_copy(char *dst, size_t size, const char *s, size_t n)
{
	size_t	i, j = 0;

	for (i = 0; i < n && s[i] != '\0' && j + 1 < size; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			dst[j++] = ' ';
		else
			dst[j++] = s[i];
	}
	while (j > 0 && dst[j - 1] == ' ')
		j--;
	dst[j] = '\0';
}

/* A complete line from the server. */
static void
reply_line(struct session *s)
{
	const char	*l = s->line;
	int		 code;

	s->line[s->linelen] = '\0';
	if (s->linelen < 4 || l[0] < '0' || l[0] > '9' || l[1] < '0' ||
	    l[1] > '9' || l[2] < '0' || l[2] > '9' ||
	    (l[3] != ' ' && l[3] != '-'))
		return;
	if (l[3] == '-')
		return;			/* the last line of a reply counts */
	code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	/* The goodbye to our QUIT says nothing about what went wrong. */
	if (code != 221)
		clean_copy(s->last_reply, sizeof(s->last_reply), l,
		    s->linelen);
	if (!s->in_auth)
		return;
	if (code == 235) {
		s->auth_ok = 1;
		s->in_auth = 0;
	} else if (code != 334) {
		clean_copy(s->auth_reply, sizeof(s->auth_reply), l,
		    s->linelen);
		s->in_auth = 0;
	}
}

static void
monitor_cb(const char *buf, int len, int writing, void *arg)
{
	struct session	*s = arg;
	int		 i;

	if (len <= 0)
		return;
	if (writing) {
		/* Only the verb is looked at: AUTH data holds the password. */
		if (len >= 5 && strncasecmp(buf, "AUTH ", 5) == 0)
			s->in_auth = 1;
		return;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (s->linelen > 0 && s->line[s->linelen - 1] == '\r')
				s->linelen--;
			reply_line(s);
			s->linelen = 0;
		} else if (s->linelen + 1 < sizeof(s->line))
			s->line[s->linelen++] = buf[i];
	}
}

static void
event_cb(smtp_session_t session, int ev, void *arg, ...)
{
	struct session	*s = arg;
	va_list		 ap;
	int		*okp;
	long		 vr;

	va_start(ap, arg);
	switch (ev) {
	case SMTP_EV_EXTNA_STARTTLS:
		s->starttls_missing = 1;
		break;
	case SMTP_EV_STARTTLS_OK:
		s->starttls_ok = 1;
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		vr = va_arg(ap, long);
		okp = va_arg(ap, int *);
		*okp = 0;
		if (s->tls_error[0] == '\0')
			snprintf(s->tls_error, sizeof(s->tls_error),
			    "certificate not trusted: %s",
			    X509_verify_cert_error_string(vr));
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
		okp = va_arg(ap, int *);
		*okp = 0;
		snprintf(s->tls_error, sizeof(s->tls_error),
		    "server sent no certificate");
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		/*
		 * libesmtp matches DNS names only.  OpenSSL already checked
		 * the name or IP address (X509_VERIFY_PARAM) during the
		 * handshake, which could not complete otherwise.
		 */
		okp = va_arg(ap, int *);
		*okp = 1;
		break;
	case SMTP_EV_WEAK_CIPHER:
		(void)va_arg(ap, int);
		okp = va_arg(ap, int *);
		*okp = 0;
		snprintf(s->tls_error, sizeof(s->tls_error), "weak cipher");
		break;
	default:
		break;
	}
	va_end(ap);
}

static int
interact_cb(auth_client_request_t req, char **result, int fields, void *arg)
{
	struct session	*s = arg;
	int		 i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = (char *)s->p->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = (char *)s->p->password;
		else
			result[i] = (char *)"";
	}
	return 1;
}

/* The whole message in one piece; len NULL means rewind. */
static const char *
message_cb(void **ctx, int *len, void *arg)
{
	struct session	*s = arg;

	if (len == NULL) {
		s->msg_done = 0;
		return NULL;
	}
	if (s->msg_done) {
		*len = 0;
		return NULL;
	}
	s->msg_done = 1;
	*len = (int)s->len;
	return s->msg;
}

static int
verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL		*ssl;
	struct session	*s;
	X509		*cert;
	char		 subj[256] = "";
	int		 err;

	if (ok)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(x,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL)
		return ok;
	s = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (s == NULL || s->tls_error[0] != '\0')
		return ok;
	err = X509_STORE_CTX_get_error(x);
	if ((cert = X509_STORE_CTX_get_current_cert(x)) != NULL)
		X509_NAME_oneline(X509_get_subject_name(cert), subj,
		    sizeof(subj));
	snprintf(s->tls_error, sizeof(s->tls_error),
	    "certificate verification failed: %s (depth %d%s%s)",
	    X509_verify_cert_error_string(err),
	    X509_STORE_CTX_get_error_depth(x), subj[0] ? ", " : "", subj);
	return ok;
}

/* A client context that verifies the chain and the host name. */
static SSL_CTX *
make_ctx(struct session *s, char **cause)
{
	SSL_CTX			*ctx;
	X509_VERIFY_PARAM	*vp;
	unsigned long		 e;
	char			 err[256];

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		*cause = xstrdup("cannot create a TLS context");
		return NULL;
	}
	/*
	 * TLS 1.2 only, around a libesmtp 1.1.0 bug: after STARTTLS its
	 * protocol loop reads before it flushes the queued EHLO whenever
	 * the socket is readable, and TLS 1.3's NewSessionTicket records
	 * make it readable, so it waits for a reply to an EHLO it has not
	 * sent and reports a dropped connection (18 sessions of 30 against
	 * Postfix 3.7 without the cap, 0 with it; docs/architecture.md,
	 * "Known limits", has the trace).
	 */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (s->p->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, s->p->ca_file,
		    NULL) != 1) {
			e = ERR_get_error();
			ERR_error_string_n(e, err, sizeof(err));
			*cause = xprintf("CA file %s: %s", s->p->ca_file, err);
			ERR_clear_error();
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		*cause = xstrdup("cannot load the system CA store");
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	vp = SSL_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_hostflags(vp,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (is_ip_literal(s->p->host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, s->p->host) != 1) {
			*cause = xprintf("bad address %s", s->p->host);
			goto fail;
		}
	} else if (X509_VERIFY_PARAM_set1_host(vp, s->p->host, 0) != 1) {
		*cause = xprintf("bad host name %s", s->p->host);
		goto fail;
	}
	SSL_CTX_set_app_data(ctx, s);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* "550 5.1.1 text" from a libesmtp status. */
static char *
status_text(const smtp_status_t *st)
{
	char	text[SMTP_MAX_TEXT];

	if (st == NULL || st->code == 0)
		return NULL;
	clean_copy(text, sizeof(text), st->text != NULL ? st->text : "",
	    SMTP_MAX_TEXT);
	if (st->enh_class > 0)
		return xprintf("%d %d.%d.%d %s", st->code, st->enh_class,
		    st->enh_subject, st->enh_detail, text);
	return xprintf("%d %s", st->code, text);
}

/*
 * Why nothing (more) was sent: TLS, AUTH, libesmtp's error, or the last
 * reply line.  Allocated.
 */
static char *
session_reason(struct session *s, int started, const char *errtext)
{
	if (s->tls_error[0] != '\0')
		return xprintf("STARTTLS: %s", s->tls_error);
	if (s->starttls_missing)
		return xstrdup("server does not offer STARTTLS");
	if (s->p->user != NULL && !s->auth_ok && s->auth_reply[0] != '\0')
		return xprintf("AUTH as %s failed: %s", s->p->user,
		    s->auth_reply);
	if (*errtext != '\0' && s->last_reply[0] != '\0')
		return xprintf("%s (last reply: %s)", errtext, s->last_reply);
	if (*errtext != '\0')
		return xstrdup(errtext);
	if (s->p->user != NULL && !s->auth_ok && started)
		return xprintf("AUTH as %s not possible (server offers no "
		    "usable mechanism)", s->p->user);
	if (s->last_reply[0] != '\0')
		return xprintf("session ended: %s", s->last_reply);
	return xstrdup("no reply from the server");
}

/* Every recipient not yet decided becomes a TEMPFAIL for reason. */
static void
fail_all(struct smtp_result *res, const struct session *s,
    const char *reason)
{
	size_t	i;

	for (i = 0; i < res->nrcpt; i++) {
		if (res->rcpt[i].text != NULL)
			continue;
		res->rcpt[i].outcome = SMTP_TEMPFAIL;
		res->rcpt[i].code = 0;
		res->rcpt[i].text = xstrdup(reason);
	}
}

/* The overall outcome from the recipients'. */
static void
finish_result(struct smtp_result *res, const struct session *s)
{
	const struct smtp_rcpt_result	*decider = NULL;
	size_t				 i;
	int				 temp = 0, perm = 0;

	res->naccepted = 0;
	for (i = 0; i < res->nrcpt; i++) {
		switch (res->rcpt[i].outcome) {
		case SMTP_SENT:
			res->naccepted++;
			break;
		case SMTP_TEMPFAIL:
			if (!temp)
				decider = &res->rcpt[i];
			temp = 1;
			break;
		case SMTP_PERMFAIL:
			if (!temp && !perm)
				decider = &res->rcpt[i];
			perm = 1;
			break;
		}
	}
	res->outcome = temp ? SMTP_TEMPFAIL : perm ? SMTP_PERMFAIL : SMTP_SENT;
	if (decider == NULL && res->nrcpt > 0)
		decider = &res->rcpt[0];
	if (decider != NULL) {
		res->code = decider->code;
		if (res->outcome == SMTP_SENT || res->nrcpt == 1)
			res->text = xprintf("%s: %s", s->where, decider->text);
		else
			res->text = xprintf("%s: RCPT %s: %s", s->where,
			    decider->rcpt, decider->text);
	}
}

int
smtp_send(const struct smtp_params *p, const char *from,
    const char *const *rcpts, size_t nrcpt, const char *message, size_t len,
    struct smtp_result *res)
{
	struct session		 s;
	smtp_session_t		 session = NULL;
	smtp_message_t		 msg;
	smtp_recipient_t	*r = NULL;
	auth_context_t		 actx = NULL;
	SSL_CTX			*ctx = NULL;
	const smtp_status_t	*mst, *rst, *pst;
	char			*cause = NULL, *reason = NULL, *t, err[256];
	long			 tmo;
	long long		 t0;
	size_t			 i;
	int			 started, which;
	static const int	 timeouts[] = {
		Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA,
		Timeout_TRANSFER, Timeout_DATA2
	};

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	s.p = p;
	s.msg = message;
	s.len = len;
	snprintf(s.where, sizeof(s.where), "%s:%d",
	    p->host != NULL ? p->host : "", p->port > 0 ? p->port : 25);
	res->nrcpt = nrcpt;
	res->rcpt = xcalloc(nrcpt > 0 ? nrcpt : 1, sizeof(*res->rcpt));
	for (i = 0; i < nrcpt; i++)
		res->rcpt[i].rcpt = xstrdup(rcpts[i]);

	if (smtp_params_check(p, &cause) == -1)
		goto fail;
	if (nrcpt == 0 || nrcpt > SMTP_MAX_RCPTS) {
		cause = xprintf("%zu recipients (1 to %d allowed)", nrcpt,
		    SMTP_MAX_RCPTS);
		goto fail;
	}
	if (len > SMTP_MAX_MESSAGE) {
		cause = xprintf("message of %zu bytes is over the limit of %d",
		    len, SMTP_MAX_MESSAGE);
		goto fail;
	}
	for (i = 0; i < nrcpt; i++) {
		if (rcpts[i] == NULL || *rcpts[i] == '\0' ||
		    strpbrk(rcpts[i], "\r\n<> ") != NULL) {
			cause = xprintf("bad recipient address \"%s\"",
			    rcpts[i] != NULL ? rcpts[i] : "");
			goto fail;
		}
	}
	if (from == NULL || strpbrk(from, "\r\n<> ") != NULL) {
		cause = xprintf("bad sender address \"%s\"",
		    from != NULL ? from : "");
		goto fail;
	}

	pthread_once(&auth_once, auth_init);
	if ((session = smtp_create_session()) == NULL) {
		cause = xstrdup("cannot create an SMTP session");
		goto fail;
	}
	smtp_set_server(session, s.where);
	tmo = (p->timeout > 0 ? p->timeout : DEFAULT_TIMEOUT) * 1000L;
	for (which = 0; which < (int)nitems(timeouts); which++)
		smtp_set_timeout(session, timeouts[which] |
		    Timeout_OVERRIDE_RFC2822_MINIMUM, tmo);
	smtp_set_eventcb(session, event_cb, &s);
	smtp_set_monitorcb(session, monitor_cb, &s, 0);
	if (p->tls == SMTP_TLS_STARTTLS) {
		if ((ctx = make_ctx(&s, &cause)) == NULL)
			goto fail;
		smtp_starttls_set_ctx(session, ctx);
		smtp_starttls_enable(session, Starttls_REQUIRED);
	} else
		smtp_starttls_enable(session, Starttls_DISABLED);
	if (p->user != NULL) {
		if ((actx = auth_create_context()) == NULL) {
			cause = xstrdup("cannot create an AUTH context");
			goto fail;
		}
		auth_set_mechanism_flags(actx, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(actx, interact_cb, &s);
		smtp_auth_set_context(session, actx);
	}
	msg = smtp_add_message(session);
	smtp_set_reverse_path(msg, from);
	smtp_set_messagecb(msg, message_cb, &s);
	r = xcalloc(nrcpt, sizeof(*r));
	for (i = 0; i < nrcpt; i++)
		r[i] = smtp_add_recipient(msg, rcpts[i]);

	t0 = now_ms();
	started = smtp_start_session(session);
	err[0] = '\0';
	if ((which = smtp_errno()) != 0) {
		smtp_strerror(which, err, sizeof(err));
		/* libesmtp reports a timeout as a dropped connection. */
		if (now_ms() - t0 >= tmo - 50) {
			t = xstrdup(err);
			snprintf(err, sizeof(err), "no reply within %ld s (%s)",
			    tmo / 1000, t);
			free(t);
		}
	}

	mst = smtp_message_transfer_status(msg);
	pst = smtp_reverse_path_status(msg);
	for (i = 0; i < nrcpt; i++) {
		struct smtp_rcpt_result	*rr = &res->rcpt[i];

		rst = smtp_recipient_status(r[i]);
		if (rst == NULL || rst->code == 0) {
			/* No RCPT reply: MAIL refused, or no session. */
			if (pst != NULL && pst->code / 100 == 5) {
				rr->outcome = SMTP_PERMFAIL;
				rr->code = pst->code;
				t = status_text(pst);
				rr->text = xprintf("MAIL FROM <%s>: %s", from,
				    t);
				free(t);
			} else if (pst != NULL && pst->code / 100 == 4) {
				rr->outcome = SMTP_TEMPFAIL;
				rr->code = pst->code;
				t = status_text(pst);
				rr->text = xprintf("MAIL FROM <%s>: %s", from,
				    t);
				free(t);
			}
			continue;
		}
		rr->code = rst->code;
		if (rst->code / 100 == 5) {
			rr->outcome = SMTP_PERMFAIL;
			rr->text = status_text(rst);
		} else if (rst->code / 100 != 2) {
			rr->outcome = SMTP_TEMPFAIL;
			rr->text = status_text(rst);
		} else if (mst != NULL && mst->code / 100 == 2) {
			rr->outcome = SMTP_SENT;
			rr->code = mst->code;
			rr->text = status_text(mst);
		} else if (mst != NULL && mst->code / 100 == 5) {
			rr->outcome = SMTP_PERMFAIL;
			rr->code = mst->code;
			t = status_text(mst);
			rr->text = xprintf("DATA: %s", t);
			free(t);
		} else if (mst != NULL && mst->code / 100 == 4) {
			rr->outcome = SMTP_TEMPFAIL;
			rr->code = mst->code;
			t = status_text(mst);
			rr->text = xprintf("DATA: %s", t);
			free(t);
		}
		/* else: accepted, but the data never went: decided below. */
	}
	reason = session_reason(&s, started, err);
	/* AUTH or TLS went wrong: a configuration problem, never permanent. */
	if ((p->user != NULL && !s.auth_ok) || s.tls_error[0] != '\0' ||
	    s.starttls_missing) {
		for (i = 0; i < nrcpt; i++) {
			if (res->rcpt[i].outcome == SMTP_SENT &&
			    res->rcpt[i].text != NULL)
				continue;
			free(res->rcpt[i].text);
			res->rcpt[i].text = NULL;
		}
	}
	fail_all(res, &s, reason);
	finish_result(res, &s);
	goto done;

fail:
	fail_all(res, &s, cause);
	finish_result(res, &s);
done:
	if (session != NULL)
		smtp_destroy_session(session);
	if (actx != NULL)
		auth_destroy_context(actx);
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	free(r);
	free(cause);
	free(reason);
	return res->outcome == SMTP_SENT ? 0 : -1;
}

void
smtp_result_free(struct smtp_result *res)
{
	size_t	i;

	for (i = 0; i < res->nrcpt; i++) {
		free(res->rcpt[i].rcpt);
		free(res->rcpt[i].text);
	}
	free(res->rcpt);
	free(res->text);
	memset(res, 0, sizeof(*res));
}
