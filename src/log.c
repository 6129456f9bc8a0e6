/*
 * log.c: diagnostics to stderr (foreground) or syslog (daemon).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_prog = "faxhub";
static int		 log_foreground = 1;
static enum log_level	 log_maxlevel = LOG_LEVEL_INFO;
static int		 log_journal;	/* stderr is the systemd journal */
static int		 log_stamps;	/* lines start with the local time */
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;

static const struct {
	const char	*name;
	int		 value;
} log_facilities[] = {
	{ "daemon", LOG_DAEMON }, { "mail", LOG_MAIL }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static void	log_emit(enum log_level, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	log_vlog_msg(enum log_level, const char *, int);

static const char *log_levels[] = {
	"error", "warning", "notice", "info", "debug"
};

/*
 * systemd sets $JOURNAL_STREAM to "DEV:INODE" of the stream it connects to
 * stdout and stderr; when stderr is still that stream, our lines go to the
 * journal and carry their priority as a "<N>" prefix (sd-daemon(3)).
 */
int
log_stderr_is_journal(void)
{
	const char		*env = getenv("JOURNAL_STREAM");
	struct stat		 st;
	unsigned long long	 dev, ino;
	char			 end;

	if (env == NULL || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *prog, int foreground, int facility)
{
	log_prog = prog;
	log_foreground = foreground;
	log_journal = foreground && log_stderr_is_journal();
	if (!foreground)
		openlog(prog, LOG_PID | LOG_NDELAY, facility);
}

void
log_stamp(int on)
{
	log_stamps = on;
}

/* "2026-12-02 03:24:42.123", local time. */
static const char *
log_now(char *s, size_t len)
{
	struct timespec	ts;
	struct tm	tm;
	size_t		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(s, len, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(s + n, len - n, ".%03ld", ts.tv_nsec / 1000000);
	return s;
}

void
log_setlevel(enum log_level level)
{
	log_maxlevel = level;
}

const char *
log_getprog(void)
{
	return log_prog;
}

int
log_level_from_name(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcasecmp(name, log_levels[i]) == 0)
			return (int)i;
	return -1;
}

int
log_facility_from_name(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]);
	    i++)
		if (strcasecmp(name, log_facilities[i].name) == 0)
			return log_facilities[i].value;
	return -1;
}

static void
log_vlog_msg(enum log_level level, const char *msg, int e)
{
	if (e != 0)
		log_emit(level, "%s: %s", msg, strerror(e));
	else
		log_emit(level, "%s", msg);
}

static void
log_emit(enum log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(level, fmt, ap);
	va_end(ap);
}

void
log_vlog(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = {
		LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG
	};
	char		 buf[2048], stamp[32];
	int		 saved = errno;

	if (level > log_maxlevel)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_foreground) {
		pthread_mutex_lock(&log_mtx);
		if (log_journal)	/* the journal names the program */
			fprintf(stderr, "<%d>%s\n", prio[level], buf);
		else if (log_stamps)
			fprintf(stderr, "%s %s: %s\n", log_now(stamp,
			    sizeof(stamp)), log_prog, buf);
		else
			fprintf(stderr, "%s: %s\n", log_prog, buf);
		fflush(stderr);
		pthread_mutex_unlock(&log_mtx);
	} else
		syslog(prio[level], "%s", buf);
	errno = saved;
}

#define LOG_FN(name, level)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	log_vlog(level, fmt, ap);					\
	va_end(ap);							\
}
LOG_FN(log_warnx, LOG_LEVEL_WARNING)
LOG_FN(log_notice, LOG_LEVEL_NOTICE)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;
	char	buf[2048];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, strerror(e));
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;
	char	buf[2048];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_vlog_msg(LOG_LEVEL_ERR, buf, e);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
