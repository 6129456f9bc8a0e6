/*
 * fax-hylafax.c: the socket layer of the HylaFAX driver.
 *
 * One blocking control connection per hfx_conn, with TCP_NODELAY so that
 * a command never waits for a delayed ACK, and poll() with the session
 * timeout on every connect, read and write.  Data connections are passive
 * (PASV) and are closed as soon as the transfer is over.  The PASV address
 * is ignored: data connections go to the control connection's peer, as
 * careful FTP clients do, so a server cannot point us elsewhere.
 *
 * Every reply goes through the parser in fax-hylafax-proto.c.  Any I/O
 * error, timeout, EOF or unparsable reply drops the connection
 * (FAXERR_CONNECT or FAXERR_PROTOCOL); the caller reconnects.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fax-hylafax.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define HFX_DEFAULT_TIMEOUT	30	/* seconds, when params say <= 0 */
#define HFX_QUIT_TIMEOUT	1000	/* ms to wait for QUIT's reply */
#define HFX_CHUNK		16384

struct hfx_conn {
	struct fax_conn		 base;		/* first: the driver's view */
	char			*name;
	char			*host;		/* the login, for a fresh session */
	int			 port;
	char			*user;
	char			*password;
	char			*admin_password;
	int			 timeout_ms;
	int			 fd;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			 rbuf[4096];
	size_t			 roff;
	size_t			 rlen;
	struct hfx_rparser	 rp;
	int			 admin;		/* ADMIN accepted */
	int			 xfer_ready;	/* TYPE, MODE, STRU, FORM sent */
	int			 fmt_job;	/* JOBFMT set */
	int			 fmt_mdm;
	int			 fmt_rcv;
};

/* Collects a listing for the line callbacks. */
struct list_ctx {
	const char	*tag;
	struct fax_job	*job;		/* find_tag: the match */
	int		 found;
	struct fax_modem *modems;
	struct fax_recv	*recvs;
	size_t		 n;
	size_t		 cap;
};

static void	conn_drop(struct hfx_conn *);
static void	secret_free(char *);
static int	io_wait(int, short, int);
static int	tcp_connect(const struct sockaddr *, socklen_t, int, int *);
static int	write_all(struct hfx_conn *, int, const void *, size_t,
		    const char *, struct fax_err *);
static int	ctl_send(struct hfx_conn *, const char *, const char *,
		    struct fax_err *);
static int	ctl_reply(struct hfx_conn *, struct hfx_reply *,
		    struct fax_err *);
static int	ctl_cmd(struct hfx_conn *, const char *, const char *, int,
		    enum fax_errclass, struct hfx_reply *, struct fax_err *);
static int	need_live(struct hfx_conn *, struct fax_err *);
static int	xfer_setup(struct hfx_conn *, struct fax_err *);
static void	ack_now(int);
static int	data_open(struct hfx_conn *, int *, struct fax_err *);
static int	data_start(struct hfx_conn *, int *, const char *,
		    const char *, enum fax_errclass, struct hfx_reply *,
		    struct fax_err *);
static int	data_finish(struct hfx_conn *, const char *, struct hfx_reply *,
		    struct fax_err *);
static int	list_fetch(struct hfx_conn *, const char *, char **, size_t *,
		    struct fax_err *);
static int	upload(struct hfx_conn *, const char *, char **,
		    struct fax_err *);
static int	set_format(struct hfx_conn *, const char *, const char *,
		    int *, struct fax_err *);
static int	jparm_query(struct hfx_conn *, const char *, char **,
		    struct fax_err *);
static int	jobid_ok(const char *);
static int	cb_tag(const char *, void *, char **);
static int	cb_modem(const char *, void *, char **);
static int	cb_recv(const char *, void *, char **);

/* ------------------------------------------------------------------ */
/* Transport. */

static void
conn_drop(struct hfx_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->roff = c->rlen = 0;
	hfx_rp_free(&c->rp);
	c->admin = c->xfer_ready = 0;
	c->fmt_job = c->fmt_mdm = c->fmt_rcv = 0;
}

/* Waits for ev on fd; 0 ready, -1 with errno (ETIMEDOUT on timeout). */
static int
io_wait(int fd, short ev, int timeout_ms)
{
	struct pollfd	pfd;
	long long	deadline = now_ms() + timeout_ms, left;
	int		r;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		pfd.fd = fd;
		pfd.events = ev;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return (-1);
		if (r == 0) {
			errno = ETIMEDOUT;
			return (-1);
		}
		return (0);
	}
}

/* Non-blocking connect with a timeout; *fdp stays non-blocking. */
static int
tcp_connect(const struct sockaddr *sa, socklen_t salen, int timeout_ms,
    int *fdp)
{
	int		fd, err, one = 1;
	socklen_t	len = sizeof(err);

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return (-1);
	if (connect(fd, sa, salen) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		if (io_wait(fd, POLLOUT, timeout_ms) == -1)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			goto fail;
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	if (sock_is_self(fd)) {
		errno = ECONNREFUSED;
		goto fail;
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		goto fail;
	*fdp = fd;
	return (0);
fail:
	err = errno;
	close(fd);
	errno = err;
	return (-1);
}

static int
write_all(struct hfx_conn *c, int fd, const void *data, size_t len,
    const char *what, struct fax_err *err)
{
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (io_wait(fd, POLLOUT, c->timeout_ms) == -1)
				goto fail;
			continue;
		}
		if (n == -1)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	return (0);
fail:
	hfx_err_set(err, FAXERR_CONNECT, "server %s: %s: %s", c->name, what,
	    strerror(errno));
	return (-1);
}

static int
need_live(struct hfx_conn *c, struct fax_err *err)
{
	if (c->fd != -1)
		return (0);
	hfx_err_set(err, FAXERR_CONNECT, "server %s: not connected",
	    c->name);
	return (-1);
}

/* Sends "cmd\r\n"; verb names it in messages (never the arguments). */
static int
ctl_send(struct hfx_conn *c, const char *cmd, const char *verb,
    struct fax_err *err)
{
	struct buf	b;
	int		r;

	if (need_live(c, err) == -1)
		return (-1);
	if (strpbrk(cmd, "\r\n") != NULL || strlen(cmd) > 2 * HFX_ARG_MAX)
		fatalx("hylafax: unsafe command %s", verb);
	log_debug("hylafax %s: > %s", c->name,
	    strcmp(verb, "PASS") == 0 || strcmp(verb, "ADMIN") == 0 ?
	    verb : cmd);
	buf_init(&b);
	buf_adds(&b, cmd);
	buf_add(&b, "\r\n", 2);
	r = write_all(c, c->fd, b.data, b.len, verb, err);
	buf_free(&b);
	if (r == -1)
		conn_drop(c);
	return (r);
}

/* Reads one complete reply into *r (caller frees with hfx_reply_free). */
static int
ctl_reply(struct hfx_conn *c, struct hfx_reply *r, struct fax_err *err)
{
	char		*cause = NULL;
	size_t		 used;
	ssize_t		 n;
	int		 st;

	if (need_live(c, err) == -1)
		return (-1);
	for (;;) {
		if (c->roff < c->rlen) {
			st = hfx_rp_feed(&c->rp, c->rbuf + c->roff,
			    c->rlen - c->roff, &used, &cause);
			c->roff += used;
			if (st == -1) {
				hfx_err_set(err, FAXERR_PROTOCOL,
				    "server %s: %s", c->name, cause);
				free(cause);
				conn_drop(c);
				return (-1);
			}
			if (st == 1) {
				hfx_rp_take(&c->rp, r);
				log_debug("hylafax %s: < %03d %s", c->name,
				    r->code, r->text);
				return (0);
			}
		}
		c->roff = c->rlen = 0;
		n = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
		if (n > 0) {
			c->rlen = (size_t)n;
			continue;
		}
		if (n == 0) {
			hfx_err_set(err, FAXERR_CONNECT,
			    "server %s: connection closed by server", c->name);
			conn_drop(c);
			return (-1);
		}
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    io_wait(c->fd, POLLIN, c->timeout_ms) == 0)
			continue;
		hfx_err_set(err, FAXERR_CONNECT, "server %s: reading reply: %s",
		    c->name, strerror(errno));
		conn_drop(c);
		return (-1);
	}
}

/*
 * Sends cmd and reads its reply, which must be in class want (the first
 * digit: 1, 2 or 3).  Other replies give an error of hfx_reply_class()
 * with fivexx for 5xx; 421 also drops the connection.  The reply goes to
 * *out when out is not NULL (caller frees), even on error.
 */
static int
ctl_cmd(struct hfx_conn *c, const char *cmd, const char *verb, int want,
    enum fax_errclass fivexx, struct hfx_reply *out, struct fax_err *err)
{
	struct hfx_reply	r;

	memset(&r, 0, sizeof(r));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (ctl_send(c, cmd, verb, err) == -1 || ctl_reply(c, &r, err) == -1)
		return (-1);
	if (r.code / 100 != want) {
		hfx_err_reply(err, c->name, verb, &r, fivexx);
		if (r.code == 421)
			conn_drop(c);
		if (out != NULL)
			*out = r;
		else
			hfx_reply_free(&r);
		return (-1);
	}
	if (out != NULL)
		*out = r;
	else
		hfx_reply_free(&r);
	return (0);
}

/* ------------------------------------------------------------------ */
/* Session. */

int
hfx_connect(const struct fax_params *p, struct hfx_conn **connp,
    struct fax_err *err)
{
	struct hfx_conn		*c;
	struct addrinfo		 hints, *res = NULL, *ai;
	struct hfx_reply	 r;
	char			 port[16], *cmd = NULL;
	int			 gai, saved = 0;

	*connp = NULL;
	c = xcalloc(1, sizeof(*c));
	c->base.drv = &fax_hylafax_driver;
	c->fd = -1;
	c->name = xstrdup(p->name != NULL ? p->name : p->host);
	c->timeout_ms = (p->timeout > 0 ? p->timeout : HFX_DEFAULT_TIMEOUT) *
	    1000;
	if (p->admin_password != NULL)
		c->admin_password = xstrdup(p->admin_password);
	c->host = xstrdup(p->host != NULL ? p->host : "");
	c->port = p->port;
	c->user = xstrdup(p->user != NULL ? p->user : "");
	if (p->password != NULL)
		c->password = xstrdup(p->password);
	hfx_rp_init(&c->rp);
	memset(&r, 0, sizeof(r));

	if (p->user == NULL || *p->user == '\0' ||
	    strpbrk(p->user, "\r\n") != NULL ||
	    strlen(p->user) > HFX_ARG_MAX || (p->password != NULL &&
	    (strpbrk(p->password, "\r\n") != NULL ||
	    strlen(p->password) > HFX_ARG_MAX))) {
		hfx_err_set(err, FAXERR_AUTH, "server %s: unusable user name "
		    "or password", c->name);
		goto fail;
	}
	snprintf(port, sizeof(port), "%d", p->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(p->host, port, &hints, &res)) != 0) {
		hfx_err_set(err, FAXERR_CONNECT, "server %s: %s: %s", c->name,
		    p->host, gai_strerror(gai));
		goto fail;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(c->peer))
			continue;
		if (tcp_connect(ai->ai_addr, ai->ai_addrlen, c->timeout_ms,
		    &c->fd) == 0) {
			memcpy(&c->peer, ai->ai_addr, ai->ai_addrlen);
			c->peerlen = ai->ai_addrlen;
			break;
		}
		saved = errno;
	}
	freeaddrinfo(res);
	if (c->fd == -1) {
		hfx_err_set(err, FAXERR_CONNECT, "server %s: connect to %s "
		    "port %d: %s", c->name, p->host, p->port,
		    strerror(saved));
		goto fail;
	}

	if (ctl_reply(c, &r, err) == -1)
		goto fail;
	if (r.code != 220) {
		hfx_err_reply(err, c->name, "greeting", &r, FAXERR_CONNECT);
		goto fail;
	}
	hfx_reply_free(&r);

	cmd = xprintf("USER %s", p->user);
	if (ctl_send(c, cmd, "USER", err) == -1 || ctl_reply(c, &r, err) == -1)
		goto fail;
	if (r.code == 331) {
		hfx_reply_free(&r);
		if (p->password == NULL) {
			hfx_err_set(err, FAXERR_AUTH, "server %s: USER %s: "
			    "password required but none configured", c->name,
			    p->user);
			goto fail;
		}
		free(cmd);
		cmd = xprintf("PASS %s", p->password);
		if (ctl_send(c, cmd, "PASS", err) == -1 ||
		    ctl_reply(c, &r, err) == -1)
			goto fail;
	}
	if (r.code != 230 && r.code != 202) {
		hfx_err_reply(err, c->name, "login", &r, FAXERR_AUTH);
		goto fail;
	}
	hfx_reply_free(&r);

	if (ctl_cmd(c, "TZONE GMT", "TZONE", 2, FAXERR_PROTOCOL, NULL,
	    err) == -1)
		goto fail;
	free(cmd);
	*connp = c;
	return (0);
fail:
	hfx_reply_free(&r);
	free(cmd);
	conn_drop(c);
	hfx_close(c);
	return (-1);
}

static void
secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int
hfx_connected(const struct hfx_conn *c)
{
	return (c != NULL && c->fd != -1);
}

int
hfx_alive(struct hfx_conn *c, struct fax_err *err)
{
	return (ctl_cmd(c, "NOOP", "NOOP", 2, FAXERR_PROTOCOL, NULL, err));
}

void
hfx_close(struct hfx_conn *c)
{
	struct fax_err		err = { FAXERR_NONE, NULL };
	struct hfx_reply	r;

	if (c == NULL)
		return;
	if (c->fd != -1) {
		c->timeout_ms = HFX_QUIT_TIMEOUT;
		if (ctl_send(c, "QUIT", "QUIT", &err) == 0 &&
		    ctl_reply(c, &r, &err) == 0)
			hfx_reply_free(&r);
		fax_err_clear(&err);
	}
	conn_drop(c);
	free(c->name);
	free(c->host);
	free(c->user);
	secret_free(c->password);
	secret_free(c->admin_password);
	free(c);
}

/* ------------------------------------------------------------------ */
/* Data connections. */

static int
xfer_setup(struct hfx_conn *c, struct fax_err *err)
{
	static const char	*cmds[] = {
		"TYPE I", "MODE S", "STRU F", "FORM TIFF"
	};
	char			 verb[8];
	size_t			 i;

	if (c->xfer_ready)
		return (0);
	for (i = 0; i < nitems(cmds); i++) {
		strlcpy(verb, cmds[i], sizeof(verb));
		verb[strcspn(verb, " ")] = '\0';
		if (ctl_cmd(c, cmds[i], verb, 2, FAXERR_PROTOCOL, NULL,
		    err) == -1)
			return (-1);
	}
	c->xfer_ready = 1;
	return (0);
}

/* PASV and connect to the peer's port; *dfd is the data socket. */
static int
data_open(struct hfx_conn *c, int *dfd, struct fax_err *err)
{
	struct hfx_reply	 r;
	struct sockaddr_storage	 ss;
	char			*cause = NULL;
	int			 port;

	*dfd = -1;
	if (ctl_cmd(c, "PASV", "PASV", 2, FAXERR_PROTOCOL, &r, err) == -1) {
		hfx_reply_free(&r);
		return (-1);
	}
	if (hfx_parse_pasv(r.text, &port, &cause) == -1) {
		hfx_err_set(err, FAXERR_PROTOCOL, "server %s: %s", c->name,
		    cause);
		free(cause);
		hfx_reply_free(&r);
		conn_drop(c);
		return (-1);
	}
	hfx_reply_free(&r);
	memcpy(&ss, &c->peer, c->peerlen);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons((uint16_t)port);
	if (tcp_connect((struct sockaddr *)&ss, c->peerlen, c->timeout_ms,
	    dfd) == -1) {
		hfx_err_set(err, FAXERR_CONNECT, "server %s: data connection "
		    "to port %d: %s", c->name, port, strerror(errno));
		conn_drop(c);
		return (-1);
	}
	return (0);
}

/*
 * Acknowledges what came on the control connection at once.  After the
 * 1xx of a transfer the client says nothing more on it, so the 1xx is
 * acknowledged only when the delayed-ACK timer fires (~40 ms); hfaxd's
 * final 226, a small segment behind an unacknowledged one, is held by
 * Nagle's algorithm until then.  Every STOT, LIST and RETR would stall
 * that long.  TCP_QUICKACK sends the pending ACK now (it is not sticky,
 * so it is set after each 1xx).  Best effort: where it does not exist the
 * transfer is only slower.
 */
static void
ack_now(int fd)
{
#ifdef TCP_QUICKACK
	int	one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}

/*
 * Opens a data connection and sends cmd, which must answer 1xx (kept in
 * *r, caller frees).  On error the data socket is closed.
 */
static int
data_start(struct hfx_conn *c, int *dfd, const char *cmd, const char *verb,
    enum fax_errclass fivexx, struct hfx_reply *r, struct fax_err *err)
{
	memset(r, 0, sizeof(*r));
	if (data_open(c, dfd, err) == -1)
		return (-1);
	if (ctl_cmd(c, cmd, verb, 1, fivexx, r, err) == -1) {
		close(*dfd);
		*dfd = -1;
		return (-1);
	}
	ack_now(c->fd);
	return (0);
}

/* After the data socket is closed: the transfer's final 2xx reply. */
static int
data_finish(struct hfx_conn *c, const char *verb, struct hfx_reply *out,
    struct fax_err *err)
{
	struct hfx_reply	r;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (ctl_reply(c, &r, err) == -1)
		return (-1);
	if (r.code / 100 != 2) {
		/* 426 and friends: the transfer broke. */
		hfx_err_reply(err, c->name, verb, &r, FAXERR_PROTOCOL);
		if (r.code == 421 || r.code / 100 == 4)
			err->cls = FAXERR_CONNECT;
		hfx_reply_free(&r);
		return (-1);
	}
	if (out != NULL)
		*out = r;
	else
		hfx_reply_free(&r);
	return (0);
}

/* LIST what into *data (allocated, NUL-terminated, caller frees). */
static int
list_fetch(struct hfx_conn *c, const char *what, char **data, size_t *len,
    struct fax_err *err)
{
	struct hfx_reply	 r;
	struct buf		 b;
	char			 chunk[HFX_CHUNK], *cmd;
	ssize_t			 n;
	int			 dfd;

	*data = NULL;
	*len = 0;
	buf_init(&b);
	cmd = xprintf("LIST %s", what);
	if (data_start(c, &dfd, cmd, "LIST", FAXERR_PROTOCOL, &r, err) ==
	    -1) {
		free(cmd);
		hfx_reply_free(&r);
		return (-1);
	}
	free(cmd);
	hfx_reply_free(&r);
	for (;;) {
		n = recv(dfd, chunk, sizeof(chunk), 0);
		if (n > 0) {
			if (b.len + (size_t)n > HFX_LIST_MAX) {
				hfx_err_set(err, FAXERR_PROTOCOL, "server %s: "
				    "LIST %s: longer than %d bytes", c->name,
				    what, HFX_LIST_MAX);
				goto fail;
			}
			buf_add(&b, chunk, (size_t)n);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    io_wait(dfd, POLLIN, c->timeout_ms) == 0)
			continue;
		hfx_err_set(err, FAXERR_CONNECT, "server %s: LIST %s: data "
		    "connection: %s", c->name, what, strerror(errno));
		goto fail;
	}
	close(dfd);
	if (data_finish(c, "LIST", NULL, err) == -1) {
		buf_free(&b);
		return (-1);
	}
	buf_add(&b, "", 0);
	*data = buf_steal(&b, len);
	return (0);
fail:
	close(dfd);
	buf_free(&b);
	conn_drop(c);
	return (-1);
}

/* STOT the file at path; *remote is the server's name for it. */
static int
upload(struct hfx_conn *c, const char *path, char **remote,
    struct fax_err *err)
{
	struct hfx_reply	 r;
	char			 chunk[HFX_CHUNK], *cause = NULL;
	ssize_t			 n;
	int			 fd, dfd = -1;

	*remote = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		hfx_err_set(err, FAXERR_REJECTED, "server %s: document %s: %s",
		    c->name, path, strerror(errno));
		return (-1);
	}
	if (xfer_setup(c, err) == -1 ||
	    data_start(c, &dfd, "STOT", "STOT", FAXERR_REJECTED, &r,
	    err) == -1)
		goto fail;
	if (hfx_parse_stot(r.text, remote, &cause) == -1) {
		free(cause);	/* the 226 names the file too */
		cause = NULL;
	}
	hfx_reply_free(&r);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			hfx_err_set(err, FAXERR_REJECTED, "server %s: "
			    "document %s: %s", c->name, path,
			    strerror(errno));
			close(dfd);
			conn_drop(c);	/* the server would take half a file */
			goto fail;
		}
		if (n == 0)
			break;
		if (write_all(c, dfd, chunk, (size_t)n, "STOT data", err) ==
		    -1) {
			close(dfd);
			conn_drop(c);
			goto fail;
		}
	}
	close(dfd);		/* at once: the server waits for EOF */
	dfd = -1;
	if (data_finish(c, "STOT", &r, err) == -1)
		goto fail;
	if (*remote == NULL && hfx_parse_stot(r.text, remote, &cause) == -1) {
		hfx_err_set(err, FAXERR_PROTOCOL, "server %s: %s", c->name,
		    cause);
		free(cause);
		hfx_reply_free(&r);
		goto fail;
	}
	hfx_reply_free(&r);
	close(fd);
	return (0);
fail:
	close(fd);
	free(*remote);
	*remote = NULL;
	return (-1);
}

/* ------------------------------------------------------------------ */
/* Jobs. */

static int
jobid_ok(const char *id)
{
	size_t	i;

	if (id == NULL || *id == '\0' || strlen(id) > 20)
		return (0);
	for (i = 0; id[i] != '\0'; i++) {
		if (id[i] < '0' || id[i] > '9')
			return (0);
	}
	return (1);
}

int
hfx_submit(struct hfx_conn *c, const struct fax_job_req *req, char **jobid,
    struct fax_err *err)
{
	struct hfx_reply	  r;
	char			**cmds = NULL, *cause = NULL, *remote = NULL;
	char			 *cmd = NULL, *id = NULL;
	size_t			  n = 0, i;
	int			  rv = -1;

	*jobid = NULL;
	if (hfx_job_commands(req, &cmds, &n, &cause) == -1) {
		hfx_err_set(err, FAXERR_REJECTED, "server %s: %s", c->name,
		    cause);
		free(cause);
		return (-1);
	}
	if (need_live(c, err) == -1)
		goto out;
	if (upload(c, req->document, &remote, err) == -1)
		goto out;
	crash_point("hylafax-after-upload");

	/* New jobs inherit from the current job: start from the default. */
	if (ctl_cmd(c, "JOB default", "JOB", 2, FAXERR_REJECTED, NULL,
	    err) == -1)
		goto out;
	if (ctl_cmd(c, "JNEW", "JNEW", 2, FAXERR_REJECTED, &r, err) == -1) {
		hfx_reply_free(&r);
		goto out;
	}
	if (hfx_parse_jnew(r.text, &id, &cause) == -1) {
		hfx_err_set(err, FAXERR_PROTOCOL, "server %s: %s", c->name,
		    cause);
		free(cause);
		hfx_reply_free(&r);
		goto out;
	}
	hfx_reply_free(&r);
	crash_point("hylafax-after-jnew");

	for (i = 0; i < n; i++) {
		if (ctl_cmd(c, cmds[i], "JPARM", 2, FAXERR_REJECTED, NULL,
		    err) == -1)
			goto out;
	}
	cmd = xprintf("JPARM DOCUMENT %s", remote);
	if (ctl_cmd(c, cmd, "JPARM DOCUMENT", 2, FAXERR_REJECTED, NULL,
	    err) == -1)
		goto out;
	if (ctl_cmd(c, "JSUBM", "JSUBM", 2, FAXERR_REJECTED, NULL, err) == -1)
		goto out;
	crash_point("hylafax-after-jsubm");
	*jobid = id;
	id = NULL;
	rv = 0;
out:
	for (i = 0; i < n; i++)
		free(cmds[i]);
	free(cmds);
	free(cmd);
	free(remote);
	free(id);
	return (rv);
}

/* JPARM name (query): the value, trimmed, allocated. */
static int
jparm_query(struct hfx_conn *c, const char *name, char **val,
    struct fax_err *err)
{
	struct hfx_reply	 r;
	char			*cmd, *t;

	*val = NULL;
	cmd = xprintf("JPARM %s", name);
	if (ctl_cmd(c, cmd, cmd, 2, FAXERR_PROTOCOL, &r, err) == -1) {
		free(cmd);
		hfx_reply_free(&r);
		return (-1);
	}
	free(cmd);
	t = str_trim(r.text);
	*val = xstrdup(t);
	hfx_reply_free(&r);
	return (0);
}

int
hfx_job_status(struct hfx_conn *c, const char *jobid, struct fax_job *job,
    struct fax_err *err)
{
	static const char	*nums[] = {
		"NPAGES", "TOTPAGES", "TOTDIALS", "MAXDIALS", "TOTTRIES",
		"MAXTRIES"
	};
	int			*dst[6];
	char			*cmd, *v = NULL, *end;
	long			 l;
	size_t			 i;

	memset(job, 0, sizeof(*job));
	if (!jobid_ok(jobid)) {
		hfx_err_set(err, FAXERR_NOTFOUND, "server %s: bad job id",
		    c->name);
		return (-1);
	}
	cmd = xprintf("JOB %s", jobid);
	if (ctl_cmd(c, cmd, cmd, 2, FAXERR_NOTFOUND, NULL, err) == -1) {
		free(cmd);
		return (-1);
	}
	free(cmd);
	job->jobid = xstrdup(jobid);
	if (jparm_query(c, "STATE", &v, err) == -1)
		goto fail;
	job->state = hfx_state_from_name(v);
	free(v);
	if (jparm_query(c, "STATUS", &job->status, err) == -1 ||
	    jparm_query(c, "MODEM", &job->modem, err) == -1 ||
	    jparm_query(c, "COMMID", &job->commid, err) == -1 ||
	    jparm_query(c, "DIALSTRING", &job->number, err) == -1 ||
	    jparm_query(c, "JOBINFO", &job->tag, err) == -1)
		goto fail;
	dst[0] = &job->npages;
	dst[1] = &job->totpages;
	dst[2] = &job->ndials;
	dst[3] = &job->totdials;
	dst[4] = &job->ntries;
	dst[5] = &job->tottries;
	for (i = 0; i < nitems(nums); i++) {
		if (jparm_query(c, nums[i], &v, err) == -1)
			goto fail;
		errno = 0;
		l = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || l < 0 ||
		    l > 999999) {
			hfx_err_set(err, FAXERR_PROTOCOL, "server %s: JPARM "
			    "%s: bad number \"%.40s\"", c->name, nums[i], v);
			free(v);
			goto fail;
		}
		*dst[i] = (int)l;
		free(v);
	}
	hfx_job_classify(job);
	return (0);
fail:
	fax_job_free(job);
	return (-1);
}

static int
set_format(struct hfx_conn *c, const char *verb, const char *fmt, int *done,
    struct fax_err *err)
{
	char	*cmd;
	int	 r;

	if (*done)
		return (0);
	cmd = xprintf("%s \"%s\"", verb, fmt);
	r = ctl_cmd(c, cmd, verb, 2, FAXERR_PROTOCOL, NULL, err);
	free(cmd);
	if (r == 0)
		*done = 1;
	return (r);
}

/*
 * LIST `what` and feed every line to cb; a line the parser refuses is a
 * protocol error naming the listing.  The format (JOBFMT, MDMFMT, RCVFMT)
 * must have been set.
 */
static int
list_run(struct hfx_conn *c, const char *what,
    int (*cb)(const char *, void *, char **), struct list_ctx *lc,
    struct fax_err *err)
{
	char	*data = NULL, *cause = NULL;
	size_t	 len;

	if (list_fetch(c, what, &data, &len, err) == -1)
		return (-1);
	if (hfx_list_lines(data, len, cb, lc, &cause) == -1) {
		hfx_err_set(err, FAXERR_PROTOCOL, "server %s: LIST %s: %s",
		    c->name, what, cause);
		free(cause);
		free(data);
		return (-1);
	}
	free(data);
	return (0);
}

/* Room for one more element in a growing listing array. */
static void *
list_grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return (arr);
	*cap = *cap == 0 ? 8 : *cap * 2;
	return (xreallocarray(arr, *cap, size));
}

static int
cb_tag(const char *line, void *arg, char **cause)
{
	struct list_ctx	*lc = arg;
	struct fax_job	 job;

	if (hfx_parse_job_line(line, &job, cause) == -1)
		return (-1);
	/* A done job beats a failed one with the same tag; first wins. */
	if (strcmp(job.tag, lc->tag) == 0 && (!lc->found ||
	    (lc->job->state != FAX_DONE && job.state == FAX_DONE))) {
		fax_job_free(lc->job);
		*lc->job = job;
		lc->found = 1;
		return (0);
	}
	fax_job_free(&job);
	return (0);
}

int
hfx_find_tag(struct hfx_conn *c, const char *tag, struct fax_job *job,
    struct fax_err *err)
{
	static const char	*queues[] = { "sendq", "doneq" };
	struct list_ctx		 lc;
	size_t			 i;

	memset(job, 0, sizeof(*job));
	memset(&lc, 0, sizeof(lc));
	lc.tag = tag;
	lc.job = job;
	if (!hfx_arg_ok(tag)) {
		hfx_err_set(err, FAXERR_REJECTED, "server %s: unusable job "
		    "tag", c->name);
		return (-1);
	}
	if (set_format(c, "JOBFMT", HFX_JOBFMT, &c->fmt_job, err) == -1)
		return (-1);
	for (i = 0; i < nitems(queues) && !lc.found; i++)
		if (list_run(c, queues[i], cb_tag, &lc, err) == -1) {
			fax_job_free(job);
			return (-1);
		}
	if (lc.found)
		hfx_job_classify(job);
	return (lc.found);
}

int
hfx_job_kill(struct hfx_conn *c, const char *jobid, struct fax_err *err)
{
	char	*cmd;
	int	 r;

	if (!jobid_ok(jobid)) {
		hfx_err_set(err, FAXERR_NOTFOUND, "server %s: bad job id",
		    c->name);
		return (-1);
	}
	cmd = xprintf("JKILL %s", jobid);
	r = ctl_cmd(c, cmd, cmd, 2, FAXERR_REJECTED, NULL, err);
	free(cmd);
	return (r);
}

/* ------------------------------------------------------------------ */
/* Modems and the receive queue. */

static int
cb_modem(const char *line, void *arg, char **cause)
{
	struct list_ctx	*lc = arg;

	if (hfx_is_scheduler_line(line))
		return (0);
	lc->modems = list_grow(lc->modems, lc->n, &lc->cap,
	    sizeof(*lc->modems));
	if (hfx_parse_modem_line(line, &lc->modems[lc->n], cause) == -1)
		return (-1);
	lc->n++;
	return (0);
}

int
hfx_modems(struct hfx_conn *c, struct fax_modem **mp, size_t *np,
    struct fax_err *err)
{
	struct list_ctx	 lc;

	*mp = NULL;
	*np = 0;
	memset(&lc, 0, sizeof(lc));
	if (set_format(c, "MDMFMT", HFX_MDMFMT, &c->fmt_mdm, err) == -1)
		return (-1);
	if (list_run(c, "status", cb_modem, &lc, err) == -1) {
		fax_modems_free(lc.modems, lc.n);
		return (-1);
	}
	*mp = lc.modems;
	*np = lc.n;
	return (0);
}

static int
cb_recv(const char *line, void *arg, char **cause)
{
	struct list_ctx	*lc = arg;

	lc->recvs = list_grow(lc->recvs, lc->n, &lc->cap,
	    sizeof(*lc->recvs));
	if (hfx_parse_recv_line(line, &lc->recvs[lc->n], cause) == -1)
		return (-1);
	lc->n++;
	return (0);
}

static int
recvq_list(struct hfx_conn *c, struct fax_recv **rp, size_t *np,
    struct fax_err *err)
{
	struct list_ctx	 lc;

	*rp = NULL;
	*np = 0;
	memset(&lc, 0, sizeof(lc));
	if (set_format(c, "RCVFMT", HFX_RCVFMT, &c->fmt_rcv, err) == -1)
		return (-1);
	if (list_run(c, "recvq", cb_recv, &lc, err) == -1) {
		fax_recvq_free(lc.recvs, lc.n);
		return (-1);
	}
	*rp = lc.recvs;
	*np = lc.n;
	return (0);
}

/*
 * hfaxd keeps what it learnt of a recvq file for the whole session,
 * including the "being received" mark (%z): a fax that was arriving when
 * a session first listed it stays "*" (with the placeholders of that
 * moment) for the session's life, even after it is complete.  Only a new
 * session sees it as it is.  So when the listing shows a fax arriving,
 * the same listing is asked for again on a short-lived session of its
 * own; if that fails, the first answer stands (the fax is left for the
 * next poll) and the caller's session is not touched.
 */
int
hfx_recvq(struct hfx_conn *c, struct fax_recv **rp, size_t *np,
    struct fax_err *err)
{
	struct fax_params	 p;
	struct hfx_conn		*fresh;
	struct fax_err		 ferr = { FAXERR_NONE, NULL };
	struct fax_recv		*fr;
	size_t			 fn, i;
	int			 arriving = 0;

	if (recvq_list(c, rp, np, err) == -1)
		return (-1);
	for (i = 0; i < *np; i++)
		if ((*rp)[i].receiving)
			arriving = 1;
	if (!arriving)
		return (0);
	memset(&p, 0, sizeof(p));
	p.name = c->name;
	p.host = c->host;
	p.port = c->port;
	p.user = c->user;
	p.password = c->password;
	p.timeout = c->timeout_ms / 1000;
	if (hfx_connect(&p, &fresh, &ferr) == -1) {
		fax_err_clear(&ferr);
		return (0);
	}
	if (recvq_list(fresh, &fr, &fn, &ferr) == 0) {
		fax_recvq_free(*rp, *np);
		*rp = fr;
		*np = fn;
	}
	fax_err_clear(&ferr);
	hfx_close(fresh);
	return (0);
}

int
hfx_retrieve(struct hfx_conn *c, const char *file, const char *dest,
    struct fax_err *err)
{
	struct hfx_reply	 r;
	char			 chunk[HFX_CHUNK], *tmp = NULL, *cmd = NULL;
	char			*cause = NULL;
	ssize_t			 n;
	long			 want, got = 0;
	int			 fd = -1, dfd = -1, dropped = 0;

	memset(&r, 0, sizeof(r));
	if (!hfx_recv_name_ok(file)) {
		hfx_err_set(err, FAXERR_NOTFOUND, "server %s: bad recvq file "
		    "name", c->name);
		return (-1);
	}
	if (need_live(c, err) == -1 || xfer_setup(c, err) == -1)
		return (-1);
	tmp = xprintf("%s.XXXXXX", dest);
	if ((fd = mkstemp(tmp)) == -1) {
		hfx_err_set(err, FAXERR_TEMPORARY, "server %s: RETR %s: "
		    "temp file %s: %s", c->name, file, tmp, strerror(errno));
		free(tmp);
		return (-1);
	}
	cmd = xprintf("RETR recvq/%s", file);
	if (data_start(c, &dfd, cmd, "RETR", FAXERR_NOTFOUND, &r, err) == -1)
		goto fail;
	want = hfx_parse_bytes(r.text);
	hfx_reply_free(&r);
	for (;;) {
		n = recv(dfd, chunk, sizeof(chunk), 0);
		if (n > 0) {
			if (got + n > HFX_RETR_MAX) {
				hfx_err_set(err, FAXERR_PROTOCOL, "server %s: "
				    "RETR %s: larger than %ld bytes", c->name,
				    file, HFX_RETR_MAX);
				dropped = 1;
				goto fail;
			}
			if (write(fd, chunk, (size_t)n) != n) {
				hfx_err_set(err, FAXERR_TEMPORARY, "server %s:"
				    " RETR %s: writing %s: %s", c->name, file,
				    tmp, strerror(errno));
				dropped = 1;
				goto fail;
			}
			got += n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    io_wait(dfd, POLLIN, c->timeout_ms) == 0)
			continue;
		hfx_err_set(err, FAXERR_CONNECT, "server %s: RETR %s: data "
		    "connection: %s", c->name, file, strerror(errno));
		dropped = 1;
		goto fail;
	}
	close(dfd);
	dfd = -1;
	if (data_finish(c, "RETR", NULL, err) == -1)
		goto fail;
	if (want >= 0 && got != want) {
		hfx_err_set(err, FAXERR_CONNECT, "server %s: RETR %s: got %ld "
		    "of %ld bytes", c->name, file, got, want);
		goto fail;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		hfx_err_set(err, FAXERR_TEMPORARY, "server %s: RETR %s: %s: %s",
		    c->name, file, tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dest) == -1) {
		hfx_err_set(err, FAXERR_TEMPORARY, "server %s: RETR %s: "
		    "rename to %s: %s", c->name, file, dest, strerror(errno));
		goto fail;
	}
	if (fsync_parent(dest, &cause) == -1) {
		hfx_err_set(err, FAXERR_TEMPORARY, "server %s: RETR %s: %s",
		    c->name, file, cause);
		free(cause);
		free(tmp);
		free(cmd);
		return (-1);
	}
	free(tmp);
	free(cmd);
	return (0);
fail:
	if (dfd != -1)
		close(dfd);
	if (dropped)
		conn_drop(c);
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	free(cmd);
	return (-1);
}

int
hfx_delete_recv(struct hfx_conn *c, const char *file, struct fax_err *err)
{
	char	*cmd;
	int	 r;

	if (!hfx_recv_name_ok(file)) {
		hfx_err_set(err, FAXERR_NOTFOUND, "server %s: bad recvq file "
		    "name", c->name);
		return (-1);
	}
	if (need_live(c, err) == -1)
		return (-1);
	if (!c->admin) {
		if (c->admin_password == NULL) {
			hfx_err_set(err, FAXERR_AUTH, "server %s: DELE needs "
			    "an admin password and none is configured",
			    c->name);
			return (-1);
		}
		if (strpbrk(c->admin_password, "\r\n") != NULL) {
			hfx_err_set(err, FAXERR_AUTH, "server %s: unusable "
			    "admin password", c->name);
			return (-1);
		}
		cmd = xprintf("ADMIN %s", c->admin_password);
		r = ctl_cmd(c, cmd, "ADMIN", 2, FAXERR_AUTH, NULL, err);
		explicit_bzero(cmd, strlen(cmd));
		free(cmd);
		if (r == -1)
			return (-1);
		c->admin = 1;
	}
	cmd = xprintf("DELE recvq/%s", file);
	r = ctl_cmd(c, cmd, cmd, 2, FAXERR_REJECTED, NULL, err);
	free(cmd);
	return (r);
}

/* ------------------------------------------------------------------ */
/* The driver: fax.h's ops over the functions above. */

static struct hfx_conn *
hc(struct fax_conn *fc)
{
	return ((struct hfx_conn *)(void *)fc);
}

int
hfx_lines(struct hfx_conn *c, const char *send_modems, struct fax_lines *out,
    struct fax_err *err)
{
	struct fax_modem	*m = NULL;
	size_t			 n = 0, i;
	int			 idle = 0, send = 0, send_free = 0;

	memset(out, 0, sizeof(*out));
	if (hfx_modems(c, &m, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (!m[i].busy)
			idle++;
		if (send_modems != NULL && str_listed(send_modems, m[i].name)) {
			send++;
			if (!m[i].busy)
				send_free++;
		}
	}
	out->modems = (int)n;
	if (send_modems != NULL) {
		/* The admin named the send modems: exact. */
		out->send = send;
		out->send_free = send_free;
		out->text = xprintf("%zu modem(s), %d idle; %d of %d send "
		    "modem(s) free", n, idle, send_free, send);
	} else {
		/*
		 * LIST status does not tell a receive-only modem (config
		 * ModemReadyState "D") from one that dials out: only "no
		 * modem idle at all" is certain.
		 */
		out->send = (int)n;
		out->send_free = n > 0 && idle == 0 ? 0 : -1;
		out->text = n > 0 ? xprintf("%zu modem(s), %d idle", n, idle) :
		    NULL;
	}
	fax_modems_free(m, n);
	return (0);
}

static int
op_connect(const struct fax_params *p, struct fax_conn **fc,
    struct fax_err *err)
{
	struct hfx_conn	*c;

	*fc = NULL;
	if (hfx_connect(p, &c, err) == -1)
		return (-1);
	*fc = &c->base;
	return (0);
}

static int
op_alive(struct fax_conn *fc, struct fax_err *err)
{
	return (hfx_alive(hc(fc), err));
}

static int
op_submit(struct fax_conn *fc, const struct fax_job_req *rq, char **jobid,
    struct fax_err *err)
{
	return (hfx_submit(hc(fc), rq, jobid, err));
}

static int
op_status(struct fax_conn *fc, const char *jobid, struct fax_job *job,
    struct fax_err *err)
{
	return (hfx_job_status(hc(fc), jobid, job, err));
}

static int
op_find_tag(struct fax_conn *fc, const char *tag, struct fax_job *job,
    struct fax_err *err)
{
	return (hfx_find_tag(hc(fc), tag, job, err));
}

static int
op_kill(struct fax_conn *fc, const char *jobid, struct fax_err *err)
{
	return (hfx_job_kill(hc(fc), jobid, err));
}

static int
op_lines(struct fax_conn *fc, const char *send_modems, struct fax_lines *out,
    struct fax_err *err)
{
	return (hfx_lines(hc(fc), send_modems, out, err));
}

static int
op_recvq(struct fax_conn *fc, struct fax_recv **r, size_t *n,
    struct fax_err *err)
{
	return (hfx_recvq(hc(fc), r, n, err));
}

static int
op_retrieve(struct fax_conn *fc, const char *file, const char *dest,
    struct fax_err *err)
{
	return (hfx_retrieve(hc(fc), file, dest, err));
}

static int
op_delete_recv(struct fax_conn *fc, const char *file, struct fax_err *err)
{
	return (hfx_delete_recv(hc(fc), file, err));
}

static void
op_close(struct fax_conn *fc)
{
	hfx_close(fc != NULL ? hc(fc) : NULL);
}

const struct fax_driver fax_hylafax_driver = {
	.name = "hylafax",
	.connect = op_connect,
	.alive = op_alive,
	.submit = op_submit,
	.status = op_status,
	.find_tag = op_find_tag,
	.kill = op_kill,
	.lines = op_lines,
	.recvq = op_recvq,
	.retrieve = op_retrieve,
	.delete_recv = op_delete_recv,
	.close = op_close,
};
