/*
 * tst_log: under systemd (stderr is the stream $JOURNAL_STREAM names) every
 * line carries its syslog priority as "<N>", so journalctl -p warning shows
 * exactly the warnings; elsewhere lines are "PROG: message", with the
 * local time first once log_stamp() asked for it (faxhubd -d).
 */
#include "config.h"

#include <sys/stat.h>

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

static void
log_err(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
}

/* Logs one line per level with stderr on path, returns what was written. */
static char *
run(const char *path, const char *journal_stream)
{
	char	*out = NULL, *cause = NULL;
	size_t	 len;
	int	 saved;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	if (freopen(path, "w", stderr) == NULL)
		return NULL;
	if (journal_stream != NULL)
		setenv("JOURNAL_STREAM", journal_stream, 1);
	else
		unsetenv("JOURNAL_STREAM");
	log_init("tst", 1, 0);
	log_setlevel(LOG_LEVEL_DEBUG);
	log_warnx("careful");
	log_info("fyi");
	log_notice("note");
	log_debug("detail");
	log_err("broken");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	if (file_read(path, 4096, &out, &len, &cause) == -1) {
		free(cause);
		return NULL;
	}
	return out;
}

int
main(void)
{
	char		 dir[] = "/tmp/tstlogXXXXXX", *path, *out, *js;
	struct stat	 st;
	regex_t		 re;

	if (mkdtemp(dir) == NULL)
		return 99;
	path = xprintf("%s/stderr", dir);
	fclose(fopen(path, "w"));
	if (stat(path, &st) == -1)
		return 99;
	js = xprintf("%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);

	out = run(path, js);
	is_str(out, "<4>careful\n<6>fyi\n<5>note\n<7>detail\n<3>broken\n",
	    "journal: every line carries its priority");
	free(out);
	out = run(path, NULL);
	is_str(out, "tst: careful\ntst: fyi\ntst: note\ntst: detail\n"
	    "tst: broken\n", "no JOURNAL_STREAM: plain lines");
	free(out);
	out = run(path, "1:2");
	ok(out != NULL && strncmp(out, "tst: careful\n", 13) == 0,
	    "another stream (stderr redirected away): plain lines");
	free(out);
	out = run(path, "garbage");
	ok(out != NULL && strncmp(out, "tst: careful\n", 13) == 0,
	    "a malformed JOURNAL_STREAM: plain lines");
	free(out);

	if (regcomp(&re, "^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:"
	    "[0-9]{2}\\.[0-9]{3} tst: [a-z]+\n){5}$", REG_EXTENDED |
	    REG_NOSUB) != 0)
		return 99;
	log_stamp(1);
	out = run(path, NULL);
	ok(out != NULL && regexec(&re, out, 0, NULL, 0) == 0, "log_stamp: "
	    "each line starts with the date and the time to the millisecond");
	if (out == NULL || strstr(out, " tst: careful\n") == NULL)
		diag("got: %s", out != NULL ? out : "(nothing)");
	regfree(&re);
	free(out);
	out = run(path, js);
	is_str(out, "<4>careful\n<6>fyi\n<5>note\n<7>detail\n<3>broken\n",
	    "log_stamp, stderr the journal: the journal stamps, not us");
	free(out);
	log_stamp(0);

	unlink(path);
	rmdir(dir);
	free(path);
	free(js);
	return done_testing();
}
