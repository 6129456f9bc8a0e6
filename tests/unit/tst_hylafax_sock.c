/*
 * tst_hylafax_sock: the socket layer against an in-process fake hfaxd (a
 * loopback listener thread replaying a transcript).  Each scenario runs
 * once whole, then once per step with the connection cut at that step:
 * the call must fail with FAXERR_CONNECT, leak nothing (run it under
 * valgrind or ASan) and leave no file behind.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fax-hylafax.h"
#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

enum act {
	A_REPLY,	/* send reply */
	A_PASV,		/* open a data listener, answer 227 with its port */
	A_UPLOAD,	/* reply (150), read data to EOF, reply2 (226) */
	A_DOWNLOAD,	/* reply (150), send payload, close, reply2 */
	A_SILENT	/* send nothing: the client must time out */
};

struct step {
	const char	*expect;	/* command prefix; NULL: greeting */
	enum act	 act;
	const char	*reply;
	const char	*reply2;
};

struct fake {
	const struct step	*steps;
	size_t			 nsteps;
	int			 cut;		/* step to cut at; -1 none */
	const char		*payload;	/* A_DOWNLOAD data */
	size_t			 paylen;
	int			 lfd;
	int			 port;
	int			 mismatch;
	struct buf		 upload;	/* what A_UPLOAD received */
	int			 upload_ok;	/* it equals the document */
	pthread_t		 th;
};

static int	 listen_any(int *);
static int	 read_line(int, char *, size_t);
static void	 send_str(int, const char *);
static void	*fake_main(void *);
static void	 fake_start(struct fake *, const struct step *, size_t, int);
static void	 fake_stop(struct fake *);

static const char	*tiff = "II*\0fake tiff body for the upload test";
#define TIFF_LEN	38

static const struct step submit_steps[] = {
	{ NULL, A_REPLY, "220 fake server (HylaFAX (tm) Version 6.0.7) "
	    "ready.", NULL },
	{ "USER faxtest", A_REPLY, "331 Password required for faxtest.", NULL },
	{ "PASS secret", A_REPLY, "230 User faxtest logged in.", NULL },
	{ "TZONE GMT", A_REPLY, "200 Using time values in GMT.", NULL },
	{ "TYPE I", A_REPLY, "200 Type set to Image.", NULL },
	{ "MODE S", A_REPLY, "200 Mode set to Stream.", NULL },
	{ "STRU F", A_REPLY, "200 Structure set to File.", NULL },
	{ "FORM TIFF", A_REPLY, "200 Format set to TIFF.", NULL },
	{ "PASV", A_PASV, NULL, NULL },
	{ "STOT", A_UPLOAD, "150 FILE: /tmp/doc3.tif (Opening new data "
	    "connection).", "226 Transfer complete (FILE: /tmp/doc3.tif)." },
	{ "JOB default", A_REPLY, "200 Current job: (default).", NULL },
	{ "JNEW", A_REPLY, "200 New job created: jobid: 7 groupid: 7.", NULL },
	{ "JPARM FROMUSER \"faxtest\"", A_REPLY, "213 FROMUSER set.", NULL },
	{ "JPARM LASTTIME 000259", A_REPLY, "213 LASTTIME set.", NULL },
	{ "JPARM MAXDIALS 3", A_REPLY, "213 MAXDIALS set.", NULL },
	{ "JPARM MAXTRIES 3", A_REPLY, "213 MAXTRIES set.", NULL },
	{ "JPARM DIALSTRING \"5550102\"", A_REPLY, "213 set.", NULL },
	{ "JPARM NOTIFY \"none\"", A_REPLY, "213 NOTIFY set.", NULL },
	{ "JPARM VRES 196", A_REPLY, "213 VRES set.", NULL },
	{ "JPARM PAGEWIDTH 209", A_REPLY, "213 PAGEWIDTH set.", NULL },
	{ "JPARM PAGELENGTH 296", A_REPLY, "213 PAGELENGTH set.", NULL },
	{ "JPARM JOBINFO \"tag-1\"", A_REPLY, "213 JOBINFO set.", NULL },
	{ "JPARM DOCUMENT /tmp/doc3.tif", A_REPLY, "200 Added document "
	    "/tmp/doc3.tif as docq/doc3.tif.7.", NULL },
	{ "JSUBM", A_REPLY, "200 Job 7 submitted.", NULL },
	{ "QUIT", A_REPLY, "221 Goodbye.", NULL },
};

static const struct step retr_steps[] = {
	{ NULL, A_REPLY, "220 fake ready.", NULL },
	{ "USER root", A_REPLY, "230 User root logged in.", NULL },
	{ "TZONE GMT", A_REPLY, "200 Using time values in GMT.", NULL },
	{ "TYPE I", A_REPLY, "200 Type set to Image.", NULL },
	{ "MODE S", A_REPLY, "200 Mode set to Stream.", NULL },
	{ "STRU F", A_REPLY, "200 Structure set to File.", NULL },
	{ "FORM TIFF", A_REPLY, "200 Format set to TIFF.", NULL },
	{ "PASV", A_PASV, NULL, NULL },
	{ "RETR recvq/fax000000001.tif", A_DOWNLOAD, "150 Opening new data "
	    "connection for recvq/fax000000001.tif (38 bytes).",
	    "226 Transfer complete." },
	{ "QUIT", A_REPLY, "221 Goodbye.", NULL },
};

static const struct step list_steps[] = {
	{ NULL, A_REPLY, "220 fake ready.", NULL },
	{ "USER root", A_REPLY, "230 User root logged in.", NULL },
	{ "TZONE GMT", A_REPLY, "200 Using time values in GMT.", NULL },
	{ "MDMFMT \"" HFX_MDMFMT "\"", A_REPLY, "200 MDMFMT command "
	    "successful.", NULL },
	{ "PASV", A_PASV, NULL, NULL },
	{ "LIST status", A_DOWNLOAD, "150 Opening new data connection for "
	    "\"status\".", "226 Transfer complete." },
	{ "QUIT", A_REPLY, "221 Goodbye.", NULL },
};

static int
listen_any(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return (-1);
	}
	*port = ntohs(sin.sin_port);
	return (fd);
}

static int
read_line(int fd, char *line, size_t size)
{
	size_t	n = 0;
	char	c;

	for (;;) {
		if (read(fd, &c, 1) != 1)
			return (-1);
		if (c == '\n')
			break;
		if (c != '\r' && n + 1 < size)
			line[n++] = c;
	}
	line[n] = '\0';
	return (0);
}

static void
send_str(int fd, const char *s)
{
	char	*l = xprintf("%s\r\n", s);

	/* The client may be gone: that is a test case. */
	(void)!write(fd, l, strlen(l));
	free(l);
}

static void *
fake_main(void *arg)
{
	struct fake	*f = arg;
	char		 line[2048], buf[512], *msg;
	int		 cfd, dl = -1, dfd, dport = 0;
	size_t		 i;
	ssize_t		 n;

	if ((cfd = accept(f->lfd, NULL, NULL)) == -1)
		return (NULL);
	for (i = 0; i < f->nsteps; i++) {
		const struct step *s = &f->steps[i];

		if (s->expect != NULL) {
			if (read_line(cfd, line, sizeof(line)) == -1)
				break;
			if (strncmp(line, s->expect, strlen(s->expect)) != 0) {
				f->mismatch++;
				printf("# fake: got \"%s\", want \"%s\"\n",
				    line, s->expect);
			}
		}
		if ((int)i == f->cut)
			break;
		switch (s->act) {
		case A_REPLY:
			send_str(cfd, s->reply);
			break;
		case A_SILENT:
			(void)read_line(cfd, line, sizeof(line));
			break;
		case A_PASV:
			if (dl != -1)
				close(dl);
			dl = listen_any(&dport);
			msg = xprintf("227 Entering passive mode "
			    "(127,0,0,1,%d,%d)", dport / 256, dport % 256);
			send_str(cfd, msg);
			free(msg);
			break;
		case A_UPLOAD:
		case A_DOWNLOAD:
			send_str(cfd, s->reply);
			if ((dfd = accept(dl, NULL, NULL)) == -1)
				break;
			if (s->act == A_UPLOAD) {
				while ((n = read(dfd, buf, sizeof(buf))) > 0)
					buf_add(&f->upload, buf, (size_t)n);
			} else
				(void)!write(dfd, f->payload, f->paylen);
			close(dfd);
			if (s->act == A_UPLOAD)
				f->upload_ok = f->upload.len == TIFF_LEN &&
				    memcmp(f->upload.data, tiff, TIFF_LEN) == 0;
			send_str(cfd, s->reply2);
			break;
		}
	}
	if (dl != -1)
		close(dl);
	close(cfd);
	return (NULL);
}

static void
fake_start(struct fake *f, const struct step *steps, size_t n, int cut)
{
	memset(f, 0, sizeof(*f));
	f->steps = steps;
	f->nsteps = n;
	f->cut = cut;
	f->payload = tiff;
	f->paylen = TIFF_LEN;
	buf_init(&f->upload);
	if ((f->lfd = listen_any(&f->port)) == -1) {
		perror("listen");
		exit(1);
	}
	pthread_create(&f->th, NULL, fake_main, f);
}

static void
fake_stop(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
	buf_free(&f->upload);
}

static void
params(struct fax_params *p, const struct fake *f, const char *user,
    const char *pass)
{
	memset(p, 0, sizeof(*p));
	p->name = "fake";
	p->host = "127.0.0.1";
	p->port = f->port;
	p->user = user;
	p->password = pass;
	p->admin_password = "adm";
	p->timeout = 2;
}

static int
dir_is_empty(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return (n == 0);
}

static void
test_submit(const char *doc)
{
	struct fake		 f;
	struct fax_params	 p;
	struct hfx_conn		*c;
	struct fax_job_req	 req;
	struct fax_err		 err = { FAXERR_NONE, NULL };
	char			*id = NULL, name[96];
	int			 cut, r, bad = 0;

	memset(&req, 0, sizeof(req));
	req.document = doc;
	req.dialstring = "5550102";
	req.owner = "faxtest";
	req.tag = "tag-1";
	req.fine = 1;
	req.maxdials = req.maxtries = 3;
	req.lifetime_s = 3 * 3600 - 60;

	fake_start(&f, submit_steps, nitems(submit_steps), -1);
	params(&p, &f, "faxtest", "secret");
	r = hfx_connect(&p, &c, &err);
	is_int(r, 0, "submit: connect and login");
	if (r == 0) {
		is_int(hfx_submit(c, &req, &id, &err), 0, "submit: whole "
		    "transcript");
		is_str(id, "7", "submit: job id");
		free(id);
		hfx_close(c);
	}
	fake_stop(&f);
	is_int(f.mismatch, 0, "submit: every command as recorded");
	ok(f.upload_ok, "submit: server got the document byte for byte");

	/* Cut the connection at every step before QUIT. */
	for (cut = 0; cut < (int)nitems(submit_steps) - 1; cut++) {
		fake_start(&f, submit_steps, nitems(submit_steps), cut);
		params(&p, &f, "faxtest", "secret");
		id = NULL;
		if ((r = hfx_connect(&p, &c, &err)) == 0) {
			r = hfx_submit(c, &req, &id, &err);
			if (hfx_connected(c)) {
				bad++;
				diag("cut %d: still connected", cut);
			}
			hfx_close(c);
		}
		snprintf(name, sizeof(name), "submit: cut at step %d (%s) is "
		    "a connection error", cut, submit_steps[cut].expect ?
		    submit_steps[cut].expect : "greeting");
		ok(r == -1 && err.cls == FAXERR_CONNECT && id == NULL, name);
		if (err.cls != FAXERR_CONNECT)
			diag("class %s: %s", fax_errclass_name(err.cls),
			    err.msg ? err.msg : "");
		fax_err_clear(&err);
		free(id);
		fake_stop(&f);
	}
	is_int(bad, 0, "submit: a cut always closes the session");
}

static void
test_retrieve(const char *dir)
{
	struct fake		 f;
	struct fax_params	 p;
	struct hfx_conn		*c;
	struct fax_err		 err = { FAXERR_NONE, NULL };
	char			*dest, *data = NULL, *cause = NULL, name[96];
	size_t			 len = 0;
	int			 cut, r;

	dest = xprintf("%s/got.tif", dir);
	fake_start(&f, retr_steps, nitems(retr_steps), -1);
	params(&p, &f, "root", NULL);
	r = hfx_connect(&p, &c, &err);
	is_int(r, 0, "retrieve: connect without password");
	if (r == 0) {
		is_int(hfx_retrieve(c, "fax000000001.tif", dest, &err), 0,
		    "retrieve: whole transcript");
		hfx_close(c);
	}
	fake_stop(&f);
	ok(file_read(dest, 1024, &data, &len, &cause) == 0 &&
	    len == TIFF_LEN && memcmp(data, tiff, len) == 0,
	    "retrieve: file is byte-identical");
	free(data);
	free(cause);
	cause = NULL;
	unlink(dest);

	for (cut = 0; cut < (int)nitems(retr_steps) - 1; cut++) {
		fake_start(&f, retr_steps, nitems(retr_steps), cut);
		params(&p, &f, "root", NULL);
		if ((r = hfx_connect(&p, &c, &err)) == 0) {
			r = hfx_retrieve(c, "fax000000001.tif", dest, &err);
			hfx_close(c);
		}
		snprintf(name, sizeof(name), "retrieve: cut at step %d is a "
		    "connection error, nothing left", cut);
		ok(r == -1 && err.cls == FAXERR_CONNECT && dir_is_empty(dir),
		    name);
		fax_err_clear(&err);
		fake_stop(&f);
	}

	/* The server announces 38 bytes and sends 20: truncated. */
	fake_start(&f, retr_steps, nitems(retr_steps), -1);
	f.paylen = 20;
	params(&p, &f, "root", NULL);
	if ((r = hfx_connect(&p, &c, &err)) == 0) {
		r = hfx_retrieve(c, "fax000000001.tif", dest, &err);
		hfx_close(c);
	}
	ok(r == -1 && err.cls == FAXERR_CONNECT && dir_is_empty(dir),
	    "retrieve: short transfer refused, nothing left");
	fax_err_clear(&err);
	fake_stop(&f);

	r = 0;
	fake_start(&f, retr_steps, 3, -1);
	params(&p, &f, "root", NULL);
	if (hfx_connect(&p, &c, &err) == 0) {
		r = hfx_retrieve(c, "../etc/passwd", dest, &err);
		is_int(err.cls, FAXERR_NOTFOUND, "retrieve: path in file name "
		    "refused before sending");
		hfx_close(c);
	}
	is_int(r, -1, "retrieve: bad name fails");
	fax_err_clear(&err);
	fake_stop(&f);
	free(dest);
}

static void
test_modems(void)
{
	struct fake		 f;
	struct fax_params	 p;
	struct hfx_conn		*c;
	struct fax_modem	*m = NULL;
	struct fax_err		 err = { FAXERR_NONE, NULL };
	const char		*status = "HylaFAX scheduler on vm: Running\r\n"
				    "ttyIAX1|*|5550101|Sending job 3\r\n"
				    "ttyIAX2|*|5550101|Running and idle\r\n";
	size_t			 n = 0;

	fake_start(&f, list_steps, nitems(list_steps), -1);
	f.payload = status;
	f.paylen = strlen(status);
	params(&p, &f, "root", NULL);
	if (hfx_connect(&p, &c, &err) == 0) {
		is_int(hfx_modems(c, &m, &n, &err), 0, "modems: listed");
		is_int(n, 2, "modems: scheduler line skipped");
		if (n == 2) {
			ok(m[0].busy && !m[1].busy, "modems: busy and idle");
			is_str(m[1].name, "ttyIAX2", "modems: name");
		}
		fax_modems_free(m, n);
		hfx_close(c);
	} else
		ok(0, "modems: connect");
	fake_stop(&f);
}

/*
 * The send lines through the driver's ops table (issue 15): a foreign job
 * on the one send modem makes the server busy although the receive-only
 * modem is idle, when the admin named the send modems; without the names
 * the driver cannot tell and says so (-1).
 */
static void
test_lines(void)
{
	static const struct {
		const char	*send_modems;
		int		 send, send_free;
		const char	*name;
	} t[] = {
		{ "ttyIAX1", 1, 0, "lines: named send modem in use = none free" },
		{ "ttyIAX1,ttyIAX3", 2, 1, "lines: one of two send modems free" },
		{ NULL, 3, -1, "lines: unnamed, something idle = unknown" },
	};
	const struct fax_driver	*drv = fax_driver_find("hylafax");
	const char		*status = "HylaFAX scheduler on vm: Running\r\n"
				    "ttyIAX1|*|5550101|Sending job 7\r\n"
				    "ttyIAX2|*|5550101|Running and idle\r\n"
				    "ttyIAX3|*|5550103|Running and idle\r\n";
	struct fake		 f;
	struct fax_params	 p;
	struct fax_conn		*c;
	struct fax_lines	 ln;
	struct fax_err		 err = { FAXERR_NONE, NULL };
	size_t			 i;

	for (i = 0; i < nitems(t); i++) {
		fake_start(&f, list_steps, nitems(list_steps), -1);
		f.payload = status;
		f.paylen = strlen(status);
		params(&p, &f, "root", NULL);
		if (drv->connect(&p, &c, &err) == 0) {
			ok(drv->lines(c, t[i].send_modems, &ln, &err) == 0 &&
			    ln.modems == 3 && ln.send == t[i].send &&
			    ln.send_free == t[i].send_free, t[i].name);
			free(ln.text);
			drv->close(c);
		} else
			ok(0, t[i].name);
		fax_err_clear(&err);
		fake_stop(&f);
	}
}

/* Replies that are not what the protocol allows. */
static void
test_bad_replies(void)
{
	static const struct {
		const char		*reply;
		enum act		 act;
		enum fax_errclass	 cls;
		const char		*name;
	} bc[] = {
		{ "530 Login incorrect.", A_REPLY, FAXERR_AUTH,
		    "530 on login is auth" },
		{ "421 Too many users.", A_REPLY, FAXERR_CONNECT,
		    "421 on login is a lost connection" },
		{ "garbage without a code", A_REPLY, FAXERR_PROTOCOL,
		    "garbage reply is a protocol error" },
		{ "227 Entering passive mode (1,2,3,4,5,6)", A_REPLY,
		    FAXERR_PROTOCOL, "unexpected 227 is a protocol error" },
		{ NULL, A_SILENT, FAXERR_CONNECT,
		    "no reply within the timeout" },
	};
	struct step		 steps[3];
	struct fake		 f;
	struct fax_params	 p;
	struct hfx_conn		*c = NULL;
	struct fax_err		 err = { FAXERR_NONE, NULL };
	long long		 t0;
	size_t			 i;
	int			 r;

	for (i = 0; i < nitems(bc); i++) {
		steps[0] = submit_steps[0];
		steps[1] = submit_steps[1];
		steps[2] = submit_steps[2];
		steps[2].act = bc[i].act;
		steps[2].reply = bc[i].reply;
		fake_start(&f, steps, 3, -1);
		params(&p, &f, "faxtest", "secret");
		p.timeout = 1;
		t0 = now_ms();
		r = hfx_connect(&p, &c, &err);
		ok(r == -1 && err.cls == bc[i].cls, bc[i].name);
		if (err.cls != bc[i].cls)
			diag("class %s: %s", fax_errclass_name(err.cls),
			    err.msg ? err.msg : "");
		if (bc[i].act == A_SILENT)
			ok(now_ms() - t0 < 2500, "timeout is honoured");
		if (i == 0)
			is_str(err.msg, "server fake: login: 530 Login "
			    "incorrect.", "auth message names server, reply");
		fax_err_clear(&err);
		fake_stop(&f);
	}

	/* 452 on JSUBM is temporary; 500 on JPARM is a rejected job. */
	{
		struct step	s2[nitems(submit_steps)];
		struct fax_job_req req;
		char		*id = NULL;
		char		 doc[] = "/tmp/tsthfxdocXXXXXX";
		int		 fd;

		fd = mkstemp(doc);
		if (write(fd, tiff, TIFF_LEN) != TIFF_LEN)
			ok(0, "write doc");
		close(fd);
		memset(&req, 0, sizeof(req));
		req.document = doc;
		req.dialstring = "5550102";
		req.owner = "faxtest";
		req.tag = "tag-1";
		req.fine = 1;
		req.maxdials = req.maxtries = 3;
		req.lifetime_s = 3 * 3600 - 60;
		memcpy(s2, submit_steps, sizeof(s2));
		s2[nitems(s2) - 2].reply = "452 Job not submitted: disk full.";
		s2[nitems(s2) - 1].expect = "QUIT";
		fake_start(&f, s2, nitems(s2), -1);
		params(&p, &f, "faxtest", "secret");
		if (hfx_connect(&p, &c, &err) == 0) {
			r = hfx_submit(c, &req, &id, &err);
			ok(r == -1 && err.cls == FAXERR_TEMPORARY,
			    "452 on JSUBM is temporary");
			ok(hfx_connected(c), "session survives a 4xx");
			hfx_close(c);
		}
		fax_err_clear(&err);
		fake_stop(&f);

		memcpy(s2, submit_steps, sizeof(s2));
		s2[16].reply = "500 JPARM DIALSTRING: Bad number.";
		s2[17].expect = "QUIT";
		s2[17].reply = "221 Goodbye.";
		fake_start(&f, s2, 18, -1);
		params(&p, &f, "faxtest", "secret");
		if (hfx_connect(&p, &c, &err) == 0) {
			r = hfx_submit(c, &req, &id, &err);
			ok(r == -1 && err.cls == FAXERR_REJECTED &&
			    strstr(err.msg, "Bad number") != NULL,
			    "500 on JPARM is a rejected job");
			hfx_close(c);
		}
		fax_err_clear(&err);
		fake_stop(&f);
		unlink(doc);
		free(id);
	}
}

int
main(void)
{
	char	dir[] = "/tmp/tsthfxXXXXXX", doc[] = "/tmp/tsthfxdocXXXXXX";
	int	fd;

	signal(SIGPIPE, SIG_IGN);	/* the fake writes to cut sockets */
	if (mkdtemp(dir) == NULL || (fd = mkstemp(doc)) == -1) {
		perror("mkdtemp");
		return (1);
	}
	if (write(fd, tiff, TIFF_LEN) != TIFF_LEN)
		return (1);
	close(fd);
	test_submit(doc);
	test_retrieve(dir);
	test_modems();
	test_lines();
	test_bad_replies();
	unlink(doc);
	rmdir(dir);
	return (done_testing());
}
