/*
 * fetch-imap.c: the IMAP intake client on top of libetpan: connect (plain,
 * STARTTLS, IMAPS) with our own certificate check, LOGIN, SELECT, UID
 * SEARCH/FETCH/MOVE and IDLE.  libetpan's error codes become our messages
 * and classes in one place, imap_fail().
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <libetpan/libetpan.h>

#include "fetch-imap.h"
#include "log.h"
#include "tls-verify.h"
#include "util.h"
#include "xmalloc.h"

#define IMAP_MAX_CAPS		256	/* capabilities kept */
#define IMAP_MAX_ARG		1024	/* host, user, password, mailbox */
#define IMAP_MAX_FOLDER		255
#define IMAP_MAX_TIMEOUT	3600

struct imap_conn {
	mailimap		*imap;
	char			*name;		/* "host:port" for messages */
	int			 timeout;
	int			 idle_enabled;
	int			 dead;		/* stream unusable */
	enum imap_errclass	 lasterr;
	uint32_t		 uidvalidity;
	char			**caps;
	size_t			 ncaps;
	size_t			 literal_max;	/* 0: no fetch running */
	size_t			 literal_seen;	/* size of a refused literal */
	int			 news;		/* EXISTS/RECENT not acted on */
};

static pthread_once_t	imap_once = PTHREAD_ONCE_INIT;

static void	imap_init(void);
static void	news_latch(struct imap_conn *);
static void	news_forget(struct imap_conn *);
static int	news_take(struct imap_conn *);
static int	imap_fail(struct imap_conn *, const char *, int, char **);
static int	imap_failx(struct imap_conn *, enum imap_errclass, char **,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static int	imap_tcp_connect(struct imap_conn *, const char *, int,
		    char **);
static void	imap_tls_setup(struct mailstream_ssl_context *, void *);
static int	imap_verify(struct imap_conn *, mailstream *,
		    const struct imap_params *, char **);
static int	imap_starttls(struct imap_conn *, const struct imap_params *,
		    char **);
static int	imap_read_caps(struct imap_conn *, char **);
static void	imap_progress(size_t, size_t, void *);
static int	imap_fetch_att(struct imap_conn *, uint32_t,
		    struct mailimap_fetch_att *, clist **, char **);
static int	imap_idle_wait(struct imap_conn *, int, const volatile int *,
		    char **);
static int	imap_poll_wait(struct imap_conn *, int, const volatile int *,
		    char **);
static int	imap_cmp_uid(const void *, const void *);
static int	imap_check_arg(const char *, const char *, size_t, char **);

static void
imap_init(void)
{
	/*
	 * libetpan needs no global set-up for IMAP (its TLS layer calls
	 * gnutls_global_init() lazily under its own lock); GnuTLS's global
	 * init is reference-counted and done here once so that concurrent
	 * first connections in several threads never race on it.
	 */
	if (gnutls_global_init() < 0)
		fatalx("gnutls_global_init failed");
}

/*
 * The one bridge from libetpan's codes: sets the connection's error class
 * and *cause ("imap HOST:PORT: WHAT: server text" or a transport reason).
 */
static int
imap_fail(struct imap_conn *c, const char *what, int r, char **cause)
{
	const char		*text = NULL;
	enum imap_errclass	 class;

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_SSL:
		class = IMAP_ECONNECT;
		c->dead = 1;
		if (c->literal_seen != 0)
			text = "literal too large";
		else
			text = "connection lost or timed out";
		break;
	case MAILIMAP_ERROR_FATAL:
		class = IMAP_ECONNECT;	/* BYE: the server is going away */
		c->dead = 1;
		text = "server closed the session";
		break;
	case MAILIMAP_ERROR_PARSE:
		/* The stream position is unknown: drop the connection. */
		class = IMAP_ECONNECT;
		c->dead = 1;
		text = "unparsable response";
		break;
	case MAILIMAP_ERROR_MEMORY:
		fatalx("imap %s: %s: out of memory", c->name, what);
	case MAILIMAP_ERROR_LOGIN:
		class = IMAP_EAUTH;
		break;
	case MAILIMAP_ERROR_SELECT:
		class = IMAP_ENOMAILBOX;
		break;
	default:
		class = IMAP_EPROTO;
		break;
	}
	if (text == NULL && c->imap != NULL && c->imap->imap_response != NULL)
		text = c->imap->imap_response;
	if (text == NULL || *text == '\0')
		text = "refused";
	if (c->literal_seen != 0)
		*cause = xprintf("imap %s: %s: literal of %zu bytes refused "
		    "(limit %zu)", c->name, what, c->literal_seen,
		    c->literal_max);
	else
		*cause = xprintf("imap %s: %s: %s", c->name, what, text);
	c->lasterr = class;
	return -1;
}

static int
imap_failx(struct imap_conn *c, enum imap_errclass class, char **cause,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	*cause = xprintf("imap %s: %s", c->name, msg);
	free(msg);
	c->lasterr = class;
	if (class == IMAP_ECONNECT)
		c->dead = 1;
	return -1;
}

static int
imap_check_arg(const char *what, const char *s, size_t max, char **cause)
{
	if (s == NULL || *s == '\0') {
		*cause = xprintf("imap: no %s given", what);
		return -1;
	}
	if (strlen(s) > max) {
		*cause = xprintf("imap: %s longer than %zu bytes", what, max);
		return -1;
	}
	if (strpbrk(s, "\r\n") != NULL) {
		*cause = xprintf("imap: %s contains a line break", what);
		return -1;
	}
	return 0;
}

/* Non-blocking connect bounded by the session timeout; returns the fd. */
static int
imap_tcp_connect(struct imap_conn *c, const char *host, int port,
    char **cause)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct pollfd	 pfd;
	char		 serv[16];
	long long	 deadline;
	socklen_t	 len;
	int		 fd = -1, r, err = 0, flags;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%d", port);
	if ((r = getaddrinfo(host, serv, &hints, &res)) != 0)
		return imap_failx(c, IMAP_ECONNECT, cause, "resolve: %s",
		    gai_strerror(r));

	deadline = now_ms() + (long long)c->timeout * 1000;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			err = errno;
			goto next;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do {
			long long left = deadline - now_ms();

			if (left <= 0) {
				r = 0;
				break;
			}
			r = poll(&pfd, 1, (int)left);
		} while (r == -1 && errno == EINTR);
		if (r == 0) {
			err = ETIMEDOUT;
			goto next;
		}
		len = sizeof(err);
		if (r == -1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &len) == -1) {
			err = errno;
			goto next;
		}
		if (err == 0)
			break;
next:
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd != -1 && sock_is_self(fd)) {
		close(fd);
		fd = -1;
		err = ECONNREFUSED;
	}
	if (fd == -1)
		return imap_failx(c, IMAP_ECONNECT, cause, "connect: %s",
		    strerror(err != 0 ? err : ECONNREFUSED));

	/* libetpan's streams expect a blocking descriptor. */
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		err = errno;
		close(fd);
		return imap_failx(c, IMAP_ECONNECT, cause, "fcntl: %s",
		    strerror(err));
	}
	return fd;
}

/* Called by libetpan before the handshake: send SNI for DNS names. */
static void
imap_tls_setup(struct mailstream_ssl_context *ctx, void *arg)
{
	char		*host = arg;
	unsigned char	 addr[16];

	if (inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1)
		return;		/* RFC 6066: no SNI for address literals */
	mailstream_ssl_set_server_name(ctx, host);
}

static int
imap_verify(struct imap_conn *c, mailstream *s, const struct imap_params *p,
    char **cause)
{
	carray		*chain;
	struct tls_cert	*certs;
	MMAPString	*der;
	char		*why = NULL;
	unsigned int	 i, n;
	int		 r;

	if ((chain = mailstream_get_certificate_chain(s)) == NULL)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "certificate verify failed: no certificate chain");
	n = carray_count(chain);
	certs = xcalloc(n == 0 ? 1 : n, sizeof(*certs));
	for (i = 0; i < n; i++) {
		der = carray_get(chain, i);
		certs[i].der = (const unsigned char *)der->str;
		certs[i].len = der->len;
	}
	r = tls_verify_chain(certs, n, p->ca_file, p->host, &why);
	free(certs);
	mailstream_certificate_chain_free(chain);
	if (r == 0)
		return 0;
	imap_failx(c, IMAP_ECONNECT, cause, "%s", why);
	free(why);
	return -1;
}

/* STARTTLS, then the TLS handshake on the same descriptor, then verify. */
static int
imap_starttls(struct imap_conn *c, const struct imap_params *p, char **cause)
{
	mailstream	*s = c->imap->imap_stream;
	mailstream_low	*low, *tls;
	int		 fd, r;

	r = mailimap_starttls(c->imap);
	/*
	 * Anything already buffered came in clear text after the reply: an
	 * injection (libetpan 1.9.4 refuses it too, with ERROR_STARTTLS).
	 */
	if (s->read_buffer_len != 0)
		return imap_failx(c, IMAP_EPROTO, cause,
		    "STARTTLS: %zu bytes of clear text after the reply",
		    s->read_buffer_len);
	if (r != MAILIMAP_NO_ERROR) {
		if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
		    r == MAILIMAP_ERROR_FATAL)
			return imap_fail(c, "STARTTLS", r, cause);
		imap_fail(c, "STARTTLS", r, cause);
		c->lasterr = IMAP_EPROTO;
		return -1;
	}
	low = mailstream_get_low(s);
	if ((fd = mailstream_low_get_fd(low)) == -1)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "STARTTLS: no descriptor");
	tls = mailstream_low_tls_open_with_callback_timeout(fd, c->timeout,
	    imap_tls_setup, (void *)(uintptr_t)p->host);
	if (tls == NULL)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "STARTTLS: TLS handshake failed");
	/* Frees the clear-text layer; the descriptor now belongs to tls. */
	mailstream_low_free(low);
	mailstream_set_low(s, tls);
	return imap_verify(c, s, p, cause);
}

static int
imap_read_caps(struct imap_conn *c, char **cause)
{
	struct mailimap_capability_data	*data = NULL;
	struct mailimap_capability	*cap;
	clistiter			*it;
	int				 r;

	if ((r = mailimap_capability(c->imap, &data)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, "CAPABILITY", r, cause);
	c->caps = xcalloc(IMAP_MAX_CAPS, sizeof(*c->caps));
	for (it = clist_begin(data->cap_list); it != NULL;
	    it = clist_next(it)) {
		if (c->ncaps == IMAP_MAX_CAPS)
			break;
		cap = clist_content(it);
		if (cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE)
			c->caps[c->ncaps++] = xprintf("AUTH=%s",
			    cap->cap_data.cap_auth_type);
		else if (cap->cap_data.cap_name != NULL)
			c->caps[c->ncaps++] = xstrdup(cap->cap_data.cap_name);
	}
	mailimap_capability_data_free(data);
	return 0;
}

int
imap_open(const struct imap_params *p, struct imap_conn **connp,
    enum imap_errclass *class, char **cause)
{
	struct imap_conn	*c;
	mailstream		*s;
	int			 fd, r;

	*connp = NULL;
	*class = IMAP_EPROTO;
	if (imap_check_arg("host", p->host, IMAP_MAX_ARG, cause) == -1 ||
	    imap_check_arg("user", p->user, IMAP_MAX_ARG, cause) == -1 ||
	    imap_check_arg("password", p->password, IMAP_MAX_ARG,
	    cause) == -1 ||
	    imap_check_arg("mailbox", p->mailbox, IMAP_MAX_ARG, cause) == -1)
		return -1;
	if (p->port <= 0 || p->port > 65535) {
		*cause = xprintf("imap %s: bad port %d", p->host, p->port);
		return -1;
	}
	if (p->timeout <= 0 || p->timeout > IMAP_MAX_TIMEOUT) {
		*cause = xprintf("imap %s:%d: bad timeout %d (1-%d s)",
		    p->host, p->port, p->timeout, IMAP_MAX_TIMEOUT);
		return -1;
	}
	pthread_once(&imap_once, imap_init);

	c = xcalloc(1, sizeof(*c));
	c->name = xprintf("%s:%d", p->host, p->port);
	c->timeout = p->timeout;
	c->idle_enabled = 1;
	if ((c->imap = mailimap_new(0, NULL)) == NULL)
		fatalx("mailimap_new: out of memory");
	mailimap_set_timeout(c->imap, p->timeout);
	mailimap_set_progress_callback(c->imap, imap_progress, NULL, c);

	if ((fd = imap_tcp_connect(c, p->host, p->port, cause)) == -1)
		goto fail;
	if (p->tls == IMAP_TLS_TLS) {
		s = mailstream_ssl_open_with_callback_timeout(fd, p->timeout,
		    imap_tls_setup, (void *)(uintptr_t)p->host);
		if (s == NULL) {
			close(fd);
			imap_failx(c, IMAP_ECONNECT, cause,
			    "TLS handshake failed");
			goto fail;
		}
		/* Verify before a single IMAP byte is read or sent. */
		if (imap_verify(c, s, p, cause) == -1) {
			mailstream_close(s);
			goto fail;
		}
	} else if ((s = mailstream_socket_open_timeout(fd,
	    p->timeout)) == NULL) {
		close(fd);
		fatalx("mailstream_socket_open: out of memory");
	}

	/* From here the session owns the stream (mailimap_free closes). */
	r = mailimap_connect(c->imap, s);
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		imap_fail(c, "greeting", r, cause);
		goto fail;
	}
	if (p->tls == IMAP_TLS_STARTTLS) {
		if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
			imap_failx(c, IMAP_EPROTO, cause, "STARTTLS: server "
			    "sent PREAUTH, refusing to continue in clear");
			goto fail;
		}
		if (imap_starttls(c, p, cause) == -1)
			goto fail;
	}
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		r = mailimap_login(c->imap, p->user, p->password);
		if (r != MAILIMAP_NO_ERROR) {
			char *what = xprintf("LOGIN %s", p->user);

			imap_fail(c, what, r, cause);
			free(what);
			goto fail;
		}
	}
	if (imap_read_caps(c, cause) == -1)
		goto fail;
	if ((r = mailimap_select(c->imap, p->mailbox)) != MAILIMAP_NO_ERROR) {
		imap_fail(c, "SELECT", r, cause);
		if (c->lasterr == IMAP_ENOMAILBOX) {
			free(*cause);
			*cause = xprintf("imap %s: SELECT %s: %s", c->name,
			    p->mailbox, c->imap->imap_response != NULL ?
			    c->imap->imap_response : "refused");
		}
		goto fail;
	}
	if (c->imap->imap_selection_info != NULL)
		c->uidvalidity = c->imap->imap_selection_info->sel_uidvalidity;
	news_forget(c);		/* what SELECT counted, the caller scans */
	*connp = c;
	return 0;

fail:
	*class = c->lasterr;
	c->dead = 1;
	imap_close(c);
	return -1;
}

void
imap_close(struct imap_conn *c)
{
	size_t	i;

	if (c == NULL)
		return;
	if (c->imap != NULL) {
		/*
		 * mailimap_free() sends LOGOUT on any open stream and waits
		 * for the reply: on a dead one close the stream first so that
		 * closing never blocks for another timeout.
		 */
		if (c->dead && c->imap->imap_stream != NULL) {
			mailstream_close(c->imap->imap_stream);
			c->imap->imap_stream = NULL;
		}
		if (c->imap->imap_stream != NULL)
			(void)mailimap_logout(c->imap);
		mailimap_free(c->imap);
	}
	for (i = 0; i < c->ncaps; i++)
		free(c->caps[i]);
	free(c->caps);
	free(c->name);
	free(c);
}

uint32_t
imap_uidvalidity(const struct imap_conn *c)
{
	return c->uidvalidity;
}

int
imap_has_capability(const struct imap_conn *c, const char *cap)
{
	size_t	i;

	for (i = 0; i < c->ncaps; i++) {
		if (strcasecmp(c->caps[i], cap) == 0)
			return 1;
	}
	return 0;
}

void
imap_set_idle(struct imap_conn *c, int enabled)
{
	c->idle_enabled = enabled != 0;
}

enum imap_errclass
imap_last_errclass(const struct imap_conn *c)
{
	return c->lasterr;
}

static int
imap_cmp_uid(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
imap_uids(struct imap_conn *c, uint32_t **uids, size_t *n, char **cause)
{
	struct mailimap_search_key	*key;
	clist				*result = NULL;
	clistiter			*it;
	uint32_t			*v;
	size_t				 count = 0;
	int				 r;

	*uids = NULL;
	*n = 0;
	if (c->dead)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "connection unusable after an earlier error");
	/* This search sees every mail announced so far; news after it
	 * (in its own answer or a later one) is kept for imap_wait(). */
	news_forget(c);
	key = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNDELETED,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
	    NULL, NULL);
	if (key == NULL)
		fatalx("mailimap_search_key_new: out of memory");
	r = mailimap_uid_search(c->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, "UID SEARCH", r, cause);

	if (clist_count(result) > 0) {
		v = xreallocarray(NULL, (size_t)clist_count(result),
		    sizeof(*v));
		for (it = clist_begin(result); it != NULL;
		    it = clist_next(it))
			v[count++] = *(uint32_t *)clist_content(it);
		qsort(v, count, sizeof(*v), imap_cmp_uid);
		if (count > IMAP_MAX_UIDS) {
			log_warnx("imap %s: %zu messages, handling the first "
			    "%d", c->name, count, IMAP_MAX_UIDS);
			count = IMAP_MAX_UIDS;
		}
		*uids = v;
		*n = count;
	}
	mailimap_search_result_free(result);
	return 0;
}

/*
 * Body progress from libetpan's literal reader: when a literal is larger
 * than the fetch limit, shut the socket down so that the read fails now
 * instead of buffering an unbounded amount of data.
 */
static void
imap_progress(size_t current, size_t maximum, void *arg)
{
	struct imap_conn	*c = arg;
	mailstream_low		*low;
	int			 fd;

	if (c->literal_max == 0 || c->literal_seen != 0)
		return;
	if (maximum <= c->literal_max && current <= c->literal_max)
		return;
	c->literal_seen = maximum > current ? maximum : current;
	if (c->imap->imap_stream != NULL &&
	    (low = mailstream_get_low(c->imap->imap_stream)) != NULL &&
	    (fd = mailstream_low_get_fd(low)) != -1)
		shutdown(fd, SHUT_RDWR);
}

/* UID FETCH of one attribute; *result owned by the caller. */
static int
imap_fetch_att(struct imap_conn *c, uint32_t uid,
    struct mailimap_fetch_att *att, clist **result, char **cause)
{
	struct mailimap_fetch_type	*ft;
	struct mailimap_set		*set;
	int				 r;

	if ((ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, att) != 0)
		fatalx("mailimap_fetch_type: out of memory");
	if ((set = mailimap_set_new_single(uid)) == NULL)
		fatalx("mailimap_set_new_single: out of memory");
	*result = NULL;
	r = mailimap_uid_fetch(c->imap, set, ft, result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, "UID FETCH", r, cause);
	return 0;
}

/*
 * Finds the static item of type want in the FETCH response for uid (the
 * server may also send unsolicited FETCH responses for other messages).
 */
static struct mailimap_msg_att_static *imap_find_att(clist *, uint32_t,
		    int);

static struct mailimap_msg_att_static *
imap_find_att(clist *result, uint32_t uid, int want)
{
	struct mailimap_msg_att		*ma;
	struct mailimap_msg_att_item	*item;
	struct mailimap_msg_att_static	*st, *found;
	clistiter			*it, *jt;
	uint32_t			 got;

	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		ma = clist_content(it);
		got = 0;
		found = NULL;
		for (jt = clist_begin(ma->att_list); jt != NULL;
		    jt = clist_next(jt)) {
			item = clist_content(jt);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				got = st->att_data.att_uid;
			else if (st->att_type == want)
				found = st;
		}
		if (got == uid && found != NULL)
			return found;
	}
	return NULL;
}

int
imap_fetch(struct imap_conn *c, uint32_t uid, size_t max, char **raw,
    size_t *len, int *toobig, char **cause)
{
	struct mailimap_msg_att_static	*st;
	struct mailimap_fetch_att	*att;
	struct mailimap_section		*sec;
	clist				*result = NULL;
	const char			*data;
	size_t				 size;
	uint32_t			 lim;
	int				 rv = -1;

	*raw = NULL;
	*len = 0;
	*toobig = 0;
	if (c->dead)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "connection unusable after an earlier error");
	if (max == 0 || max >= UINT32_MAX)
		return imap_failx(c, IMAP_EPROTO, cause,
		    "UID FETCH %u: bad size limit %zu", uid, max);

	if ((att = mailimap_fetch_att_new_rfc822_size()) == NULL)
		fatalx("mailimap_fetch_att: out of memory");
	if (imap_fetch_att(c, uid, att, &result, cause) == -1)
		return -1;
	st = imap_find_att(result, uid, MAILIMAP_MSG_ATT_RFC822_SIZE);
	if (st == NULL) {
		mailimap_fetch_list_free(result);
		return imap_failx(c, IMAP_EPROTO, cause,
		    "UID FETCH %u: no such message", uid);
	}
	size = st->att_data.att_rfc822_size;
	mailimap_fetch_list_free(result);
	result = NULL;

	if (size > max) {
		/* Only the header, itself cut at max bytes. */
		*toobig = 1;
		lim = (uint32_t)max;
		if ((sec = mailimap_section_new_header()) == NULL ||
		    (att = mailimap_fetch_att_new_body_peek_section_partial(
		    sec, 0, lim)) == NULL)
			fatalx("mailimap_fetch_att: out of memory");
	} else {
		if ((sec = mailimap_section_new(NULL)) == NULL ||
		    (att = mailimap_fetch_att_new_body_peek_section(sec)) ==
		    NULL)
			fatalx("mailimap_fetch_att: out of memory");
	}
	c->literal_max = max;
	c->literal_seen = 0;
	if (imap_fetch_att(c, uid, att, &result, cause) == -1)
		goto out;
	st = imap_find_att(result, uid, MAILIMAP_MSG_ATT_BODY_SECTION);
	if (st == NULL || st->att_data.att_body_section == NULL) {
		imap_failx(c, IMAP_EPROTO, cause, "UID FETCH %u: no body "
		    "in the reply (message expunged?)", uid);
		goto out;
	}
	data = st->att_data.att_body_section->sec_body_part;
	size = st->att_data.att_body_section->sec_length;
	if (data == NULL)
		size = 0;
	if (size > max) {
		/* Only possible when the progress guard did not run. */
		imap_failx(c, IMAP_EPROTO, cause, "UID FETCH %u: literal of "
		    "%zu bytes refused (limit %zu)", uid, size, max);
		goto out;
	}
	*raw = xmalloc(size + 1);
	if (size != 0)
		memcpy(*raw, data, size);
	(*raw)[size] = '\0';
	*len = size;
	rv = 0;

out:
	c->literal_max = 0;
	c->literal_seen = 0;
	if (result != NULL)
		mailimap_fetch_list_free(result);
	return rv;
}

int
imap_ensure_folder(struct imap_conn *c, const char *folder, char **cause)
{
	clist		*list = NULL;
	const char	*p;
	int		 r, found;

	if (c->dead)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "connection unusable after an earlier error");
	if (folder == NULL || *folder == '\0' ||
	    strlen(folder) > IMAP_MAX_FOLDER)
		return imap_failx(c, IMAP_EPROTO, cause, "bad folder name");
	for (p = folder; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '*' || *p == '%' || *p == '"' || *p == '\\')
			return imap_failx(c, IMAP_EPROTO, cause,
			    "folder \"%s\": characters outside printable "
			    "ASCII, or * %% \" \\, are not allowed", folder);
	}

	r = mailimap_list(c->imap, "", folder, &list);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, "LIST", r, cause);
	found = clist_count(list) > 0;
	mailimap_list_result_free(list);
	if (found)
		return 0;
	if ((r = mailimap_create(c->imap, folder)) != MAILIMAP_NO_ERROR) {
		/* Another instance may have created it meanwhile. */
		if (r == MAILIMAP_ERROR_CREATE &&
		    c->imap->imap_response != NULL &&
		    strstr(c->imap->imap_response, "ALREADYEXISTS") != NULL)
			return 0;
		imap_fail(c, "CREATE", r, cause);
		free(*cause);
		*cause = xprintf("imap %s: CREATE %s: %s", c->name, folder,
		    c->imap->imap_response != NULL ?
		    c->imap->imap_response : "refused");
		return -1;
	}
	return 0;
}

int
imap_move(struct imap_conn *c, uint32_t uid, const char *folder,
    char **cause)
{
	struct mailimap_set		*set;
	struct mailimap_flag_list	*flags;
	struct mailimap_store_att_flags	*store;
	int				 r, rv = -1;

	if (c->dead)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "connection unusable after an earlier error");
	if (folder == NULL || *folder == '\0' ||
	    strlen(folder) > IMAP_MAX_FOLDER)
		return imap_failx(c, IMAP_EPROTO, cause, "bad folder name");
	if ((set = mailimap_set_new_single(uid)) == NULL)
		fatalx("mailimap_set_new_single: out of memory");

	if (imap_has_capability(c, "MOVE")) {
		if ((r = mailimap_uid_move(c->imap, set, folder)) !=
		    MAILIMAP_NO_ERROR) {
			imap_fail(c, "UID MOVE", r, cause);
			goto out;
		}
		rv = 0;
		goto out;
	}

	if ((r = mailimap_uid_copy(c->imap, set, folder)) !=
	    MAILIMAP_NO_ERROR) {
		imap_fail(c, "UID COPY", r, cause);
		goto out;
	}
	if ((flags = mailimap_flag_list_new_empty()) == NULL ||
	    mailimap_flag_list_add(flags, mailimap_flag_new_deleted()) != 0 ||
	    (store = mailimap_store_att_flags_new_add_flags_silent(flags)) ==
	    NULL)
		fatalx("mailimap_store_att_flags: out of memory");
	r = mailimap_uid_store(c->imap, set, store);
	mailimap_store_att_flags_free(store);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(c, "UID STORE", r, cause);
		goto out;
	}
	if (imap_has_capability(c, "UIDPLUS")) {
		if ((r = mailimap_uid_expunge(c->imap, set)) !=
		    MAILIMAP_NO_ERROR) {
			imap_fail(c, "UID EXPUNGE", r, cause);
			goto out;
		}
	} else if ((r = mailimap_expunge(c->imap)) != MAILIMAP_NO_ERROR) {
		imap_fail(c, "EXPUNGE", r, cause);
		goto out;
	}
	rv = 0;

out:
	mailimap_set_free(set);
	if (rv == -1 && c->lasterr != IMAP_ECONNECT) {
		char *old = *cause;

		*cause = xprintf("%s (UID %u to %s)", old, uid, folder);
		free(old);
	}
	return rv;
}

static int
imap_reselect(struct imap_conn *c, const char *mailbox, char **cause)
{
	int	r;

	if ((r = mailimap_select(c->imap, mailbox)) != MAILIMAP_NO_ERROR) {
		imap_fail(c, "SELECT", r, cause);
		free(*cause);
		*cause = xprintf("imap %s: SELECT %s: %s", c->name, mailbox,
		    c->dead ? "connection lost or timed out" :
		    c->imap->imap_response != NULL ?
		    c->imap->imap_response : "refused");
		return -1;
	}
	if (c->imap->imap_selection_info != NULL)
		c->uidvalidity = c->imap->imap_selection_info->sel_uidvalidity;
	return 0;
}

int
imap_move_msgid(struct imap_conn *c, const char *from, const char *msgid,
    const char *to, const char *mailbox, char **cause)
{
	struct mailimap_search_key	*key;
	clist				*result = NULL;
	clistiter			*it;
	struct mailimap_selection_info	*sel;
	const char			*p;
	char				*err = NULL;
	uint32_t			 before;
	int				 r, moved = 0, rv = -1, news;

	if (c->dead)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "connection unusable after an earlier error");
	if (msgid == NULL || *msgid == '\0' || strlen(msgid) > 998)
		return imap_failx(c, IMAP_EPROTO, cause, "bad Message-ID");
	for (p = msgid; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return imap_failx(c, IMAP_EPROTO, cause,
			    "Message-ID with bytes outside printable ASCII");
	}
	if (from == NULL || to == NULL || mailbox == NULL)
		return imap_failx(c, IMAP_EPROTO, cause, "no folder given");

	/* Mail announced before leaving the watched mailbox stays news, and
	 * so does mail that arrived while another folder was selected. */
	news_latch(c);
	sel = c->imap->imap_selection_info;
	before = sel != NULL ? sel->sel_exists : 0;
	if (imap_reselect(c, from, cause) == -1)
		goto out;
	key = mailimap_search_key_new_header(xstrdup("Message-ID"),
	    xstrdup(msgid));
	if (key == NULL)
		fatalx("mailimap_search_key_new_header: out of memory");
	r = mailimap_uid_search(c->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(c, "UID SEARCH HEADER Message-ID", r, cause);
		goto out;
	}
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		if (imap_move(c, *(uint32_t *)clist_content(it), to,
		    cause) == -1)
			goto out;
		moved++;
	}
	rv = moved;

out:
	if (result != NULL)
		mailimap_search_result_free(result);
	/* Give the caller its mailbox back whatever happened above. */
	if (!c->dead && imap_reselect(c, mailbox, rv == -1 ? &err : cause) ==
	    -1 && rv != -1)
		rv = -1;
	sel = c->imap->imap_selection_info;
	if (!c->dead && sel != NULL) {
		news = c->news || sel->sel_exists > before;
		news_forget(c);
		c->news = news;
	}
	free(err);
	return rv;
}

/*
 * The server announces new mail (EXISTS, RECENT) in the answer to any
 * command; libetpan notes it in the selection and never clears it.  The
 * note is moved into c->news after each command that may carry it, so
 * that imap_wait() acts on mail announced during an intake pass instead
 * of starting IDLE (and waiting for the next notice or the poll
 * interval).
 */
static void
news_latch(struct imap_conn *c)
{
	struct mailimap_selection_info	*sel = c->imap->imap_selection_info;

	if (sel != NULL && (sel->sel_has_exists || sel->sel_has_recent)) {
		c->news = 1;
		sel->sel_has_exists = 0;
		sel->sel_has_recent = 0;
	}
}

/* Everything announced so far is being (or was) acted on. */
static void
news_forget(struct imap_conn *c)
{
	news_latch(c);
	c->news = 0;
}

/* 1 when mail was announced since the last look, and forgets it. */
static int
news_take(struct imap_conn *c)
{
	int	news;

	news_latch(c);
	news = c->news;
	c->news = 0;
	return news;
}

/*
 * IDLE until EXISTS/RECENT, timeout or stop; at once, without IDLE, when
 * mail was announced since the last scan.  Untagged responses that say
 * nothing new (keep-alive OK, EXPUNGE, FETCH) end the IDLE, are consumed
 * with DONE, and IDLE starts again while time remains.
 */
static int
imap_idle_wait(struct imap_conn *c, int max_seconds,
    const volatile int *stop, char **cause)
{
	struct pollfd			 pfd;
	long long			 deadline, left;
	int				 r, data;

	if (news_take(c))
		return 1;
	deadline = now_ms() + (long long)max_seconds * 1000;
	for (;;) {
		if ((r = mailimap_idle(c->imap)) != MAILIMAP_NO_ERROR)
			return imap_fail(c, "IDLE", r, cause);
		data = 0;
		for (;;) {
			if (stop != NULL && *stop)
				break;
			if ((left = deadline - now_ms()) <= 0)
				break;
			if (c->imap->imap_stream->read_buffer_len > 0) {
				data = 1;
				break;
			}
			pfd.fd = mailimap_idle_get_fd(c->imap);
			pfd.events = POLLIN;
			r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
			if (r == -1 && errno != EINTR)
				return imap_failx(c, IMAP_ECONNECT, cause,
				    "IDLE: poll: %s", strerror(errno));
			if (r > 0) {
				data = 1;
				break;
			}
		}
		if ((r = mailimap_idle_done(c->imap)) != MAILIMAP_NO_ERROR)
			return imap_fail(c, "IDLE DONE", r, cause);
		if (news_take(c))
			return 1;
		if (!data)
			return 0;	/* timeout or stop */
	}
}

/*
 * Without IDLE: at once when mail was announced since the last scan, else
 * sleep in 1 s steps, then NOOP and look for news.
 */
static int
imap_poll_wait(struct imap_conn *c, int max_seconds,
    const volatile int *stop, char **cause)
{
	struct mailimap_selection_info	*sel;
	long long			 deadline, left;
	uint32_t			 before;
	int				 r;

	if (news_take(c))
		return 1;
	deadline = now_ms() + (long long)max_seconds * 1000;
	while ((left = deadline - now_ms()) > 0) {
		if (stop != NULL && *stop)
			return 0;
		poll(NULL, 0, left > 1000 ? 1000 : (int)left);
	}
	if (stop != NULL && *stop)
		return 0;
	sel = c->imap->imap_selection_info;
	before = sel != NULL ? sel->sel_exists : 0;
	if (sel != NULL) {
		sel->sel_has_exists = 0;
		sel->sel_has_recent = 0;
	}
	if ((r = mailimap_noop(c->imap)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, "NOOP", r, cause);
	sel = c->imap->imap_selection_info;
	if (sel == NULL)
		return 0;
	return sel->sel_has_recent || sel->sel_has_exists ||
	    sel->sel_exists > before;
}

int
imap_wait(struct imap_conn *c, int max_seconds, const volatile int *stop,
    char **cause)
{
	if (c->dead)
		return imap_failx(c, IMAP_ECONNECT, cause,
		    "connection unusable after an earlier error");
	if (max_seconds < 0)
		max_seconds = 0;
	if (c->idle_enabled && imap_has_capability(c, "IDLE"))
		return imap_idle_wait(c, max_seconds, stop, cause);
	return imap_poll_wait(c, max_seconds, stop, cause);
}
