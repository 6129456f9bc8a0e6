/*
 * log.h: the one place faxhub writes diagnostics.
 *
 * In the foreground (faxhubctl, faxhubd -d) messages go to stderr as
 * "PROG: message" (faxhubd -d: the local time first, log_stamp()), or
 * "<N>message" (N the syslog priority, sd-daemon(3))
 * when stderr is the systemd journal ($JOURNAL_STREAM names it), so that
 * journalctl -p filters by level; a daemon logs to syslog.  log_warn() appends
 * ": strerror(errno)"; the *x variants do not.  fatal()/fatalx() are for
 * broken invariants and start-up only: they log and exit(1).
 */
#ifndef FAXHUB_LOG_H
#define FAXHUB_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERR = 0,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

void	log_init(const char *prog, int foreground, int facility);
void	log_setlevel(enum log_level);
/* In the foreground, off the journal: each line starts with the time. */
void	log_stamp(int);
int	log_level_from_name(const char *);	/* -1 when unknown */
int	log_facility_from_name(const char *);	/* -1 when unknown */
const char *log_getprog(void);
/* 1 when stderr is the stream $JOURNAL_STREAM names. */
int	log_stderr_is_journal(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_vlog(enum log_level, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
