/*
 * fh-smtp: test driver for mail-smtp.  Sends one message and prints what
 * smtp_send() decided:
 *
 *	outcome CODE TEXT
 *	rcpt ADDRESS OUTCOME CODE TEXT		(one line per recipient)
 *
 * Usage: fh-smtp -h host -p port [-t none|starttls|tls] [-c cafile]
 *	  [-u user] [-T timeout] [-f from] [-s subject] [-m file] rcpt...
 * The password comes from $FH_SMTP_PASSWORD (never argv).  Without -m a
 * small report-like mail is composed; with -m the file is sent as it is
 * (bare LF turned into CRLF); -k report|refusal|inbound sends that kind of
 * report.c mail to the first recipient instead.
 * Exit: 0 sent, 75 tempfail, 69 permfail, 64 usage.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail-compose.h"
#include "mail-smtp.h"
#include "report.h"
#include "util.h"
#include "xmalloc.h"

static char	*build_report(const char *, const char *, const char *,
		    size_t *);

static void
usage(void)
{
	fprintf(stderr, "usage: fh-smtp -h host -p port [-t none|starttls|tls]"
	    " [-c cafile] [-u user] [-T timeout] [-f from] [-s subject]"
	    " [-m file] [-k report|refusal|inbound] rcpt...\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	struct smtp_params	 p;
	struct smtp_result	 res;
	struct mail		*m;
	struct buf		 b;
	const char		*from = "fax@fax.test", *subject = "fh-smtp test";
	const char		*file = NULL, *kind = NULL;
	char			*msg, *raw, *cause = NULL;
	size_t			 len, rawlen, i;
	int			 ch, rc;

	signal(SIGPIPE, SIG_IGN);
	memset(&p, 0, sizeof(p));
	while ((ch = getopt(argc, argv, "h:p:t:c:u:T:f:s:m:k:")) != -1) {
		switch (ch) {
		case 'h':
			p.host = optarg;
			break;
		case 'p':
			p.port = atoi(optarg);
			break;
		case 't':
			if (strcmp(optarg, "none") == 0)
				p.tls = SMTP_TLS_NONE;
			else if (strcmp(optarg, "starttls") == 0)
				p.tls = SMTP_TLS_STARTTLS;
			else if (strcmp(optarg, "tls") == 0)
				p.tls = SMTP_TLS_TLS;
			else
				usage();
			break;
		case 'c':
			p.ca_file = optarg;
			break;
		case 'u':
			p.user = optarg;
			break;
		case 'T':
			p.timeout = atoi(optarg);
			break;
		case 'f':
			from = optarg;
			break;
		case 's':
			subject = optarg;
			break;
		case 'm':
			file = optarg;
			break;
		case 'k':
			kind = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || p.host == NULL)
		usage();
	if (p.user != NULL)
		p.password = getenv("FH_SMTP_PASSWORD");

	if (kind != NULL) {
		if ((msg = build_report(kind, from, argv[0], &len)) == NULL)
			usage();
	} else if (file != NULL) {
		if (file_read(file, SMTP_MAX_MESSAGE, &raw, &rawlen,
		    &cause) == -1) {
			fprintf(stderr, "fh-smtp: %s\n", cause);
			return 64;
		}
		buf_init(&b);
		for (i = 0; i < rawlen; i++) {
			if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
				buf_add(&b, "\r", 1);
			buf_add(&b, &raw[i], 1);
		}
		free(raw);
		msg = buf_steal(&b, &len);
	} else {
		m = mail_new();
		if (mail_add_addr_header(m, "From", "Fax gateway", from[0] ?
		    from : "fax@fax.test", &cause) == -1 ||
		    mail_add_addr_header(m, "To", NULL, argv[0], &cause) == -1) {
			fprintf(stderr, "fh-smtp: %s\n", cause);
			return 64;
		}
		mail_add_text_header(m, "Subject", subject);
		mail_set_text(m, "This mail was sent by fh-smtp.\n");
		msg = mail_render(m, "fh-smtp.test", &len);
		mail_free(m);
	}

	rc = smtp_send(&p, from, (const char *const *)argv, (size_t)argc,
	    msg, len, &res);
	printf("%s %d %s\n", smtp_outcome_name(res.outcome), res.code,
	    res.text != NULL ? res.text : "");
	for (i = 0; i < res.nrcpt; i++)
		printf("rcpt %s %s %d %s\n", res.rcpt[i].rcpt,
		    smtp_outcome_name(res.rcpt[i].outcome), res.rcpt[i].code,
		    res.rcpt[i].text != NULL ? res.rcpt[i].text : "");
	fflush(stdout);
	rc = res.outcome == SMTP_SENT ? 0 : res.outcome == SMTP_TEMPFAIL ?
	    75 : 69;
	smtp_result_free(&res);
	free(msg);
	return rc;
}

/* One mail of report.c's kinds, as the daemon would send it. */
static char *
build_report(const char *kind, const char *from, const char *to,
    size_t *len)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', 1, 2, 3 };
	struct report_envelope	 env;
	struct report_dest	 d;
	struct report_outbound	 o;
	struct report_refusal	 r;
	struct report_inbound	 in;
	struct report_file	 f;
	char			*msg = NULL, *cause = NULL;

	memset(&env, 0, sizeof(env));
	env.from = *from != '\0' ? from : "fax@fax.test";
	env.to = to;
	env.instance = "fh-smtp.test";
	env.orig_subject = "Quote";
	env.orig_message_id = "<user-mail-1@example.test>";
	if (strcmp(kind, "report") == 0) {
		memset(&d, 0, sizeof(d));
		d.number_typed = "+12125550102";
		d.number_dialled = "2125550102";
		d.ok = 1;
		d.pages_sent = d.pages_total = 2;
		d.start = time(NULL);
		d.duration = 26;
		d.server = "fax1";
		d.csid = "TB2 +1 212 555 0102";
		d.attempts = 1;
		d.job_id = "J1";
		memset(&o, 0, sizeof(o));
		o.env = env;
		o.dest = &d;
		o.ndest = 1;
		o.preview_png = png;
		o.preview_len = sizeof(png);
		msg = report_outbound(&o, len, &cause);
	} else if (strcmp(kind, "refusal") == 0) {
		memset(&r, 0, sizeof(r));
		r.env = env;
		r.reason = REFUSE_BAD_NUMBER;
		r.value = "+1-212-555-01";
		r.fax_domain = "fax.test";
		msg = report_refusal(&r, len, &cause);
	} else if (strcmp(kind, "inbound") == 0) {
		memset(&in, 0, sizeof(in));
		in.env = env;
		in.fax_id = "R1";
		in.csid = "TB1 +1 212 555 0101";
		in.caller = "2125550101";
		in.called = "2125550102";
		in.server = "fax2";
		in.pages = 1;
		in.received = time(NULL);
		in.duration = 20;
		memset(&f, 0, sizeof(f));
		f.content_type = "image/tiff";
		f.filename = "fax-R1.tif";
		f.data = "II*\0fake";
		f.len = 8;
		in.files = &f;
		in.nfiles = 1;
		if (report_inbound(&in, &msg, len, &cause) == -1)
			msg = NULL;
	} else
		return NULL;
	if (msg == NULL) {
		fprintf(stderr, "fh-smtp: %s\n", cause);
		free(cause);
		exit(64);
	}
	return msg;
}
