/*
 * tst_config.c: the faxhub.conf parser: a good file, the defaults, and
 * every class of error; password files.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/conf.h"
#include "../../src/util.h"
#include "../tap.h"

#define REQUIRED \
	"imap.host = mail.example.com\n" \
	"imap.user = fax\n" \
	"imap.password_file = /etc/faxhub/imap.pw\n" \
	"smtp.host = localhost\n" \
	"smtp.sender = fax@example.com\n" \
	"smtp.from = Fax Gateway <fax@example.com>\n"

static const char *good =
	"# comment\n"
	"\n"
	"imap.host = mail.example.com   # trailing comment\n"
	"imap.user = fax\n"
	"imap.password_file = /etc/faxhub/imap.pw\n"
	"imap.tls = tls\n"
	"imap.poll_interval = 5m\n"
	"imap.idle = off\n"
	"smtp.host = localhost\n"
	"smtp.port = 587\n"
	"smtp.sender = fax-bounces@example.com\n"
	"smtp.from = fax@example.com\n"
	"smtp.retry_max = 1d\n"
	"postmaster = root@example.com\n"
	"fax.domains = Fax.Example.com, fax2.example.com\n"
	"auth.modes = address, authres\n"
	"auth.authserv_id = mx.example.com\n"
	"dial.country_code = 81\n"
	"dial.area_code = 75\n"
	"dial.barred = +1900*, +8190*\n"
	"page.size = letter\n"
	"inbound.default_format = both\n"
	"limits.message_size = 10M\n"
	"limits.header_size = 512K\n"
	"instance = hub1\n";

static int
parse(const char *text, struct config *cfg, char **cause)
{
	*cause = NULL;
	return config_parse("faxhub.conf", text, strlen(text), cfg, cause);
}

static void
t_good(void)
{
	struct config	 cfg;
	char		*cause;

	if (!ok(parse(good, &cfg, &cause) == 0, "good file parses")) {
		diag("%s", cause);
		free(cause);
		return;
	}
	is_str(cfg.imap.host, "mail.example.com", "imap.host, comment cut");
	is_int(cfg.imap.tls, TLS_TLS, "imap.tls");
	is_int(cfg.imap.port, 993, "imap.port defaults to 993 with tls");
	is_int(cfg.imap.poll_interval, 300, "5m is 300 s");
	is_int(cfg.imap.idle, 0, "off");
	is_int(cfg.smtp.port, 587, "smtp.port");
	is_int(cfg.smtp.retry_max, 86400, "1d");
	is_int(cfg.fax.ndomains, 2, "two fax domains");
	is_str(cfg.fax.domains[0], "fax.example.com", "domain lower-cased");
	is_str(cfg.fax.domains[2], NULL, "domain list NULL-terminated");
	is_int(cfg.auth.modes, AUTH_ADDRESS | AUTH_AUTHRES, "auth.modes");
	is_int(cfg.dial.nbarred, 2, "two barred patterns");
	is_str(cfg.dial.barred[1], "+8190*", "barred pattern");
	is_int(cfg.page.size, PAGE_LETTER, "page.size");
	is_int(cfg.inbound.default_format, FMT_BOTH, "default format");
	is_int(cfg.limits.message_size, 10 << 20, "10M");
	is_int(cfg.limits.header_size, 512 << 10, "512K");
	is_str(cfg.instance, "hub1", "instance");
	/* defaults */
	is_str(cfg.imap.mailbox, "INBOX", "default mailbox");
	is_str(cfg.imap.done_folder, "faxhub.done", "default done folder");
	is_int(cfg.imap.timeout, 60, "default imap.timeout");
	is_int(cfg.page.convert_timeout, 120, "default page.convert_timeout");
	is_int(cfg.smtp.tls, TLS_STARTTLS, "default smtp.tls");
	is_str(cfg.spool_dir, "/var/spool/faxhub", "default spool_dir");
	is_str(cfg.daemon.status_file, "/var/spool/faxhub/status",
	    "status file follows spool_dir");
	is_str(cfg.dial.international_prefix, "00", "default intl prefix");
	is_int(cfg.dispatch.retry_delay, 300, "default retry delay");
	is_int(cfg.dispatch.job_lifetime, 3 * 3600, "default job lifetime");
	is_int(cfg.limits.pixels, 100000000, "default pixels");
	is_int(cfg.page.resolution, PAGE_FINE, "default resolution");
	config_free(&cfg);
}

/* Settings that parse and can work, and the limit that follows. */
static void
t_consistent(void)
{
	struct config	 cfg;
	char		*cause = NULL;

	ok(parse(REQUIRED "postmaster = a@b.c\nfax.domains = f.c\n"
	    "dial.country_code = 1\n", &cfg, &cause) == 0, "defaults");
	is_int(cfg.limits.attachment_size, 20 << 20, "default attachment");
	ok(((cfg.limits.attachment_size + 2) / 3 * 4) * 78 / 76 +
	    cfg.limits.header_size <= cfg.limits.message_size,
	    "a default-size attachment fits, base64 counted, in a "
	    "default-size mail");
	config_free(&cfg);
	ok(parse(REQUIRED "postmaster = a@b.c\nfax.domains = f.c\n"
	    "dial.country_code = 1\nimap.tls = none\n"
	    "imap.allow_plaintext = yes\n", &cfg, &cause) == 0,
	    "imap.tls = none off loopback with imap.allow_plaintext");
	config_free(&cfg);
	ok(parse("imap.host = 127.0.0.1\nimap.user = fax\n"
	    "imap.password_file = /p\nsmtp.host = localhost\n"
	    "smtp.sender = f@e.c\nsmtp.from = f@e.c\npostmaster = a@b.c\n"
	    "fax.domains = f.c\ndial.country_code = 1\nimap.tls = none\n",
	    &cfg, &cause) == 0, "imap.tls = none on loopback");
	config_free(&cfg);
	ok(parse(REQUIRED "postmaster = a@b.c\nfax.domains = f.c\n"
	    "dial.country_code = 1\nlimits.message_size = 300K\n", &cfg,
	    &cause) == 0, "a small message limit alone");
	ok(cfg.limits.attachment_size < 300 * 1024 * 3 / 4 &&
	    cfg.limits.attachment_size > 150 * 1024,
	    "lowers the default attachment limit to what fits");
	config_free(&cfg);
}

static void
t_errors(void)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ REQUIRED "bogus.key = 1\n",
		    "faxhub.conf:7: unknown key \"bogus.key\"" },
		{ REQUIRED "imap.tls = maybe\n", "faxhub.conf:7: imap.tls: bad "
		    "value \"maybe\": want none, starttls or tls" },
		{ REQUIRED "imap.port = 0\n", "faxhub.conf:7: imap.port: bad "
		    "value \"0\"" },
		{ REQUIRED "imap.poll_interval = 5x\n", "imap.poll_interval: "
		    "bad value \"5x\"" },
		{ REQUIRED "limits.message_size = 10Q\n", "bad value \"10Q\"" },
		{ REQUIRED "page.convert_timeout = 0\n", "page.convert_timeout: "
		    "bad value \"0\"" },
		{ REQUIRED "page.convert_timeout = 2h\n", "page.convert_timeout: "
		    "bad value \"2h\"" },
		{ REQUIRED "imap.idle = perhaps\n", "want yes or no" },
		{ REQUIRED "dial.barred = +81*, 9a\n", "bad value \"9a\"" },
		{ REQUIRED "fax.domains = a..b\n", "bad value \"a..b\"" },
		{ REQUIRED "fax.domains = a.b,,c.d\n", "empty list item" },
		{ REQUIRED "spool_dir = relative/dir\n", "want an absolute path" },
		{ REQUIRED "postmaster = nobody\n", "postmaster: bad value "
		    "\"nobody\"" },
		{ REQUIRED "dial.country_code = 8a\n", "want 1 to 3 digits" },
		{ REQUIRED "auth.modes = address, smoke\n", "bad value "
		    "\"smoke\"" },
		{ REQUIRED "log.level = loud\n", "bad value \"loud\"" },
		{ REQUIRED "imap.host = other\n", "faxhub.conf:7: duplicate key "
		    "imap.host (first set on line 1)" },
		{ REQUIRED "just some words\n", "faxhub.conf:7: syntax error" },
		{ REQUIRED "daemon.user =\n", "daemon.user: empty value" },
		{ REQUIRED "postmaster = a@b.c\nfax.domains = f.c\n",
		    "faxhub.conf: missing required key dial.country_code" },
		{ "imap.user = x\n", "faxhub.conf: missing required key "
		    "imap.host" },
		{ REQUIRED "postmaster = a@b.c\nfax.domains = f.c\n"
		    "dial.country_code = 1\nauth.modes = authres\n",
		    "faxhub.conf:10: auth.authserv_id is required" },
		{ REQUIRED "postmaster = a@b.c\nfax.domains = f.c\n"
		    "dial.country_code = 1\nsmtp.user = u\n",
		    "faxhub.conf:10: smtp.user and smtp.password_file go "
		    "together" },
#define COMPLETE REQUIRED "postmaster = a@b.c\nfax.domains = f.c\n" \
	"dial.country_code = 1\n"
		{ COMPLETE "smtp.tls = tls\n", "faxhub.conf:10: smtp.tls = tls: "
		    "implicit TLS (smtps, port 465) is not supported by "
		    "libesmtp 1.1; write smtp.tls = starttls" },
		{ COMPLETE "imap.tls = none\n", "faxhub.conf:10: imap.tls = "
		    "none would send the IMAP password in clear to "
		    "mail.example.com; write imap.tls = starttls (or tls), or "
		    "imap.allow_plaintext = yes" },
		{ "imap.host = 127.0.0.1\nimap.user = fax\n"
		    "imap.password_file = /p\nsmtp.host = mx.example.com\n"
		    "smtp.sender = f@e.c\nsmtp.from = f@e.c\n"
		    "postmaster = a@b.c\nfax.domains = f.c\n"
		    "dial.country_code = 1\nsmtp.tls = none\n"
		    "smtp.user = u\nsmtp.password_file = /p\n",
		    "faxhub.conf:10: smtp.tls = none would send the SMTP "
		    "password in clear to mx.example.com" },
		{ COMPLETE "limits.attachment_size = 20M\n"
		    "limits.message_size = 25M\n", "faxhub.conf:10: "
		    "limits.attachment_size = 20971520 cannot arrive in a mail "
		    "of limits.message_size = 26214400 once base64 and headers "
		    "are counted (it needs 28763408); write "
		    "limits.attachment_size = 19108785 or less, or "
		    "limits.message_size = 28763408 or more" },
		{ COMPLETE "daemon.user = fx\ndaemon.converter_user = fx\n",
		    "faxhub.conf:11: daemon.converter_user = fx would let a "
		    "converter read the tables" },
		{ COMPLETE "daemon.converter_user = root\n", "faxhub.conf:10: "
		    "daemon.converter_user = root would let" },
		{ COMPLETE "limits.header_size = 2M\n"
		    "limits.message_size = 1M\n", "faxhub.conf:11: "
		    "limits.header_size (2097152) leaves no room" },
	};
	struct config	 cfg;
	char		*cause, name[100];
	size_t		 i;
	int		 rc;

	for (i = 0; i < nitems(cases); i++) {
		rc = parse(cases[i].text, &cfg, &cause);
		snprintf(name, sizeof(name), "error %zu: %s", i,
		    cases[i].want);
		ok(rc == -1 && cause != NULL &&
		    strstr(cause, cases[i].want) != NULL, name);
		if (cause != NULL && strstr(cause, cases[i].want) == NULL)
			diag("got: %s", cause);
		if (rc == 0)
			config_free(&cfg);
		free(cause);
	}
	ok(config_parse("x", "a\0b", 3, &cfg, &cause) == -1 &&
	    strstr(cause, "NUL") != NULL, "NUL byte refused");
	free(cause);
}

static void
t_values(void)
{
	int	d;
	size_t	s;

	ok(config_parse_duration("30", &d) == 0 && d == 30, "30");
	ok(config_parse_duration("30s", &d) == 0 && d == 30, "30s");
	ok(config_parse_duration("1h", &d) == 0 && d == 3600, "1h");
	ok(config_parse_duration("2d", &d) == 0 && d == 172800, "2d");
	ok(config_parse_duration("-1", &d) == -1, "negative refused");
	ok(config_parse_duration("1hh", &d) == -1, "1hh refused");
	ok(config_parse_duration("99999999999d", &d) == -1, "overflow");
	ok(config_parse_size("512", &s) == 0 && s == 512, "512");
	ok(config_parse_size("1G", &s) == 0 && s == 1UL << 30, "1G");
	ok(config_parse_size("k", &s) == -1, "k alone refused");
}

static void
t_secret(void)
{
	char	 dir[] = "/tmp/tst_config.XXXXXX", path[256], want[600];
	char	*secret = NULL, *cause = NULL;
	int	 fd;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/pw", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	if (write(fd, "hunter2\nsecond line\n", 20) != 20)
		ok(0, "write");
	close(fd);
	ok(config_read_secret(path, &secret, &cause) == 0, "0600 file read");
	is_str(secret, "hunter2", "first line only");
	free(secret);
	chmod(path, 0644);
	ok(config_read_secret(path, &secret, &cause) == -1,
	    "0644 file refused");
	snprintf(want, sizeof(want), "%s: readable by group or others (mode "
	    "0644); chmod 600 %s", path, path);
	is_str(cause, want, "message says what to do");
	free(cause);
	cause = NULL;
	chmod(path, 0640);
	ok(config_read_secret(path, &secret, &cause) == -1,
	    "0640 file refused");
	free(cause);
	cause = NULL;
	unlink(path);
	ok(config_read_secret(path, &secret, &cause) == -1 &&
	    strstr(cause, "No such file") != NULL, "missing file");
	free(cause);
	cause = NULL;
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	ok(config_read_secret(path, &secret, &cause) == -1 &&
	    strstr(cause, "empty") != NULL, "empty file refused");
	free(cause);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	t_good();
	t_errors();
	t_consistent();
	t_values();
	t_secret();
	return done_testing();
}
