/*
 * fh-imap: test driver for fetch-imap.c and tls-verify.c.  The shell tests
 * in tests/imap/ run one command per invocation against a real server.
 *
 *	fh-imap [-I] [-C cafile] [-H host] [-m mailbox] [-P password]
 *	    [-p port] [-t none|starttls|tls] [-T timeout] [-u user]
 *	    command [args]
 *
 * Commands: open, caps CAP..., uids, fetch UID MAX OUTFILE, ensure FOLDER,
 * move UID FOLDER, movemsgid FROM MSGID TO, wait SECONDS (SIGUSR1 sets
 * the stop flag), pass MAX SECONDS (what one intake pass does: uids, fetch
 * each with limit MAX, then wait),
 * verify CHAIN.pem CAFILE|- HOST.
 * Exit status: 0 success, 1 usage, 2 failure (cause on stderr, with
 * "class=NAME" on stdout for open failures).
 */
#include "config.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "fetch-imap.h"
#include "log.h"
#include "tls-verify.h"
#include "util.h"
#include "xmalloc.h"

static volatile int	stop_flag;

static void		usage(void) __attribute__((noreturn));
static void		on_usr1(int);
static const char	*class_name(enum imap_errclass);
static int		cmd_verify(int, char **);
static int		cmd_session(const struct imap_params *, int, int,
			    char **);
static uint32_t		parse_uid(const char *);

static void
usage(void)
{
	fprintf(stderr, "usage: fh-imap [-I] [-C cafile] [-H host] "
	    "[-m mailbox] [-P password] [-p port] [-t none|starttls|tls] "
	    "[-T timeout] [-u user] command [args]\n");
	exit(1);
}

static void
on_usr1(int sig)
{
	stop_flag = 1;
}

static const char *
class_name(enum imap_errclass class)
{
	switch (class) {
	case IMAP_ECONNECT:
		return "connect";
	case IMAP_EAUTH:
		return "auth";
	case IMAP_EPROTO:
		return "proto";
	case IMAP_ENOMAILBOX:
		return "nomailbox";
	}
	return "unknown";
}

static uint32_t
parse_uid(const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > UINT32_MAX)
		fatalx("bad uid %s", s);
	return (uint32_t)v;
}

/* verify CHAIN.pem CAFILE|- HOST: tls_verify_chain on a PEM chain file. */
static int
cmd_verify(int argc, char **argv)
{
	gnutls_x509_crt_t	*crts = NULL;
	gnutls_datum_t		 pem, *der;
	struct tls_cert		*chain;
	unsigned int		 n = 0, i;
	char			*data, *cause = NULL;
	size_t			 len;
	int			 r, rv = 2;

	if (argc != 4)
		usage();
	if (file_read(argv[1], 1024 * 1024, &data, &len, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return 2;
	}
	pem.data = (unsigned char *)data;
	pem.size = (unsigned int)len;
	r = gnutls_x509_crt_list_import2(&crts, &n, &pem, GNUTLS_X509_FMT_PEM,
	    0);
	free(data);
	if (r < 0)
		fatalx("%s: %s", argv[1], gnutls_strerror(r));
	chain = xcalloc(n, sizeof(*chain));
	der = xcalloc(n, sizeof(*der));
	for (i = 0; i < n; i++) {
		if ((r = gnutls_x509_crt_export2(crts[i], GNUTLS_X509_FMT_DER,
		    &der[i])) < 0)
			fatalx("export: %s", gnutls_strerror(r));
		chain[i].der = der[i].data;
		chain[i].len = der[i].size;
	}
	if (tls_verify_chain(chain, n, strcmp(argv[2], "-") == 0 ? NULL :
	    argv[2], argv[3], &cause) == 0) {
		printf("ok\n");
		rv = 0;
	} else {
		printf("%s\n", cause);
		free(cause);
	}
	for (i = 0; i < n; i++) {
		gnutls_free(der[i].data);
		gnutls_x509_crt_deinit(crts[i]);
	}
	gnutls_free(crts);
	free(der);
	free(chain);
	return rv;
}

static int
cmd_session(const struct imap_params *p, int idle, int argc, char **argv)
{
	struct imap_conn	*c = NULL;
	enum imap_errclass	 class;
	uint32_t		*uids;
	char			*cause = NULL, *raw, *end;
	size_t			 n, i, len, max;
	long long		 t0;
	int			 r, toobig, rv = 2;

	t0 = now_ms();
	if (imap_open(p, &c, &class, &cause) == -1) {
		printf("class=%s ms=%lld\n", class_name(class),
		    now_ms() - t0);
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return 2;
	}
	imap_set_idle(c, idle);

	if (strcmp(argv[0], "open") == 0) {
		printf("uidvalidity=%u\n", imap_uidvalidity(c));
		rv = 0;
	} else if (strcmp(argv[0], "caps") == 0) {
		for (i = 1; i < (size_t)argc; i++)
			printf("%s=%s\n", argv[i],
			    imap_has_capability(c, argv[i]) ? "yes" : "no");
		rv = 0;
	} else if (strcmp(argv[0], "uids") == 0) {
		if (imap_uids(c, &uids, &n, &cause) == 0) {
			for (i = 0; i < n; i++)
				printf("%u\n", uids[i]);
			free(uids);
			rv = 0;
		}
	} else if (strcmp(argv[0], "fetch") == 0) {
		if (argc != 4)
			usage();
		errno = 0;
		max = strtoull(argv[2], &end, 10);
		if (errno != 0 || *end != '\0')
			fatalx("bad size %s", argv[2]);
		if (imap_fetch(c, parse_uid(argv[1]), max, &raw, &len,
		    &toobig, &cause) == 0) {
			if (file_write_atomic(argv[3], raw, len, 0600,
			    &cause) == 0) {
				printf("len=%zu toobig=%d\n", len, toobig);
				rv = 0;
			}
			free(raw);
		}
	} else if (strcmp(argv[0], "ensure") == 0) {
		if (argc != 2)
			usage();
		if (imap_ensure_folder(c, argv[1], &cause) == 0)
			rv = 0;
	} else if (strcmp(argv[0], "move") == 0) {
		if (argc != 3)
			usage();
		if (imap_ensure_folder(c, argv[2], &cause) == 0 &&
		    imap_move(c, parse_uid(argv[1]), argv[2], &cause) == 0)
			rv = 0;
	} else if (strcmp(argv[0], "movemsgid") == 0) {
		if (argc != 4)
			usage();
		if (imap_ensure_folder(c, argv[3], &cause) == 0 &&
		    (r = imap_move_msgid(c, argv[1], argv[2], argv[3],
		    p->mailbox, &cause)) != -1) {
			printf("moved=%d uidvalidity=%u\n", r,
			    imap_uidvalidity(c));
			rv = 0;
		}
	} else if (strcmp(argv[0], "pass") == 0) {
		if (argc != 3)
			usage();
		max = strtoull(argv[1], NULL, 10);
		if (imap_uids(c, &uids, &n, &cause) == 0) {
			for (i = 0; i < n; i++) {
				if (imap_fetch(c, uids[i], max, &raw, &len,
				    &toobig, &cause) == -1)
					break;
				printf("fetched=%u len=%zu\n", uids[i], len);
				free(raw);
			}
			free(uids);
			if (i == n) {
				r = imap_wait(c, atoi(argv[2]), &stop_flag,
				    &cause);
				printf("changed=%d\n", r);
				if (r != -1)
					rv = 0;
			}
		}
	} else if (strcmp(argv[0], "wait") == 0) {
		if (argc != 2)
			usage();
		printf("ready\n");
		fflush(stdout);
		t0 = now_ms();
		r = imap_wait(c, atoi(argv[1]), &stop_flag, &cause);
		printf("changed=%d ms=%lld\n", r, now_ms() - t0);
		if (r != -1)
			rv = 0;
	} else
		usage();

	if (rv != 0 && cause != NULL) {
		printf("class=%s\n", class_name(imap_last_errclass(c)));
		fprintf(stderr, "%s\n", cause);
	}
	free(cause);
	imap_close(c);
	return rv;
}

int
main(int argc, char **argv)
{
	struct imap_params	 p;
	struct sigaction	 sa;
	int			 ch, idle = 1;

	log_init("fh-imap", 1, LOG_DAEMON);
	memset(&p, 0, sizeof(p));
	p.host = "127.0.0.1";
	p.port = 143;
	p.tls = IMAP_TLS_NONE;
	p.mailbox = "INBOX";
	p.timeout = 10;
	p.password = getenv("FH_IMAP_PASSWORD");

	while ((ch = getopt(argc, argv, "C:H:Im:P:p:T:t:u:")) != -1) {
		switch (ch) {
		case 'C':
			p.ca_file = optarg;
			break;
		case 'H':
			p.host = optarg;
			break;
		case 'I':
			idle = 0;
			break;
		case 'm':
			p.mailbox = optarg;
			break;
		case 'P':
			p.password = optarg;
			break;
		case 'p':
			p.port = atoi(optarg);
			break;
		case 'T':
			p.timeout = atoi(optarg);
			break;
		case 't':
			if (strcmp(optarg, "none") == 0)
				p.tls = IMAP_TLS_NONE;
			else if (strcmp(optarg, "starttls") == 0)
				p.tls = IMAP_TLS_STARTTLS;
			else if (strcmp(optarg, "tls") == 0)
				p.tls = IMAP_TLS_TLS;
			else
				usage();
			break;
		case 'u':
			p.user = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	if (strcmp(argv[0], "verify") == 0)
		return cmd_verify(argc, argv);
	return cmd_session(&p, idle, argc, argv);
}
