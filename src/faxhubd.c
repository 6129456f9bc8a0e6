/*
 * faxhubd: the faxhub supervisor (patent: 統括サーバ).
 *
 *	faxhubd [-dn] [-c config]
 *
 * Starts the intake thread (IMAP), one thread per fax server and the
 * outbox thread (SMTP); the main thread handles signals, schedules queued
 * jobs onto servers, reloads tables that changed and publishes the status
 * file.  SIGHUP reloads the tables at once; SIGTERM/SIGINT stop cleanly,
 * leaving work in flight parked in the spool for the next start.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "hub.h"
#include "intake.h"
#include "log.h"
#include "retention.h"
#include "sandbox.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static void
usage(void)
{
	fprintf(stderr, "usage: faxhubd [-dn] [-c config]\n");
	exit(2);
}

static void	prune_tick(struct hub *, long long *);
static void	memory_setup(void);

static const char *
default_config(void)
{
	const char	*env = getenv("FAXHUB_CONF");

	return env != NULL && *env != '\0' ? env :
	    SYSCONFDIR "/faxhub/faxhub.conf";
}

/*
 * chown a directory and what it holds, depth levels down (the spool's
 * subdirectories and their records; the table files).  This runs as root
 * over directories the daemon account can write, so nothing below the
 * configured top is ever reached through a path: each level is an open
 * descriptor, each entry is looked at with fstatat(AT_SYMLINK_NOFOLLOW),
 * a directory is entered with openat(O_NOFOLLOW|O_DIRECTORY) and chowned
 * through its descriptor, a file with fchownat(AT_SYMLINK_NOFOLLOW).  A
 * link swapped in between the look and the act is therefore never
 * followed.  Links, devices, sockets and files with several names (a hard
 * link to someone else's file) are left alone.  Returns -1 after logging
 * the first failure.
 */
static int
chown_dir(int fd, const char *path, uid_t uid, gid_t gid, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*sub;
	int		 sfd, dfd, rc = 0;

	if (fchown(fd, uid, gid) == -1) {
		log_warn("chown %s", path);
		return -1;
	}
	if (depth == 0)
		return 0;
	if ((dfd = dup(fd)) == -1 || (d = fdopendir(dfd)) == NULL) {
		log_warn("%s", path);
		if (dfd != -1)
			close(dfd);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = xprintf("%s/%s", path, de->d_name);
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno != ENOENT) {
				log_warn("%s", sub);
				rc = -1;
			}
		} else if (S_ISDIR(st.st_mode)) {
			sfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (sfd == -1) {
				log_warn("%s", sub);
				rc = -1;
			} else {
				rc = chown_dir(sfd, sub, uid, gid, depth - 1);
				close(sfd);
			}
		} else if (S_ISREG(st.st_mode) && st.st_nlink > 1 &&
		    st.st_uid != uid)
			log_warnx("%s: has %ju names; left to its owner", sub,
			    (uintmax_t)st.st_nlink);
		else if (S_ISREG(st.st_mode) &&
		    fchownat(fd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1) {
			log_warn("chown %s", sub);
			rc = -1;
		}
		free(sub);
	}
	closedir(d);
	return rc;
}

/* The configured top directory is the admin's to name (it may be a link). */
static int
chown_tree(const char *path, uid_t uid, gid_t gid, int depth)
{
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	rc = chown_dir(fd, path, uid, gid, depth);
	close(fd);
	return rc;
}

static void
drop_privileges(const struct config *cfg)
{
	struct passwd	*pw;

	if (geteuid() != 0 || cfg->daemon.user == NULL ||
	    strcmp(cfg->daemon.user, "root") == 0)
		return;
	if ((pw = getpwnam(cfg->daemon.user)) == NULL)
		fatalx("daemon.user %s: no such user (create it, or set "
		    "daemon.user = root)", cfg->daemon.user);
	/* The spool and the tables are the daemon's: it must write both. */
	if (chown_tree(cfg->spool_dir, pw->pw_uid, pw->pw_gid, 2) == -1 ||
	    chown_tree(cfg->table_dir, pw->pw_uid, pw->pw_gid, 1) == -1)
		fatalx("cannot give the spool and table directories to %s",
		    cfg->daemon.user);
	if (setgroups(1, &pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal("dropping privileges to %s", cfg->daemon.user);
}

static int
write_pidfile(const char *path)
{
	char	buf[32], *cause = NULL;
	int	len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (file_write_atomic(path, buf, (size_t)len, 0644, &cause) == -1) {
		log_warnx("pid file: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static void
read_secrets(struct hub *h)
{
	char	*cause = NULL;

	if (config_read_secret(h->cfg.imap.password_file, &h->imap_password,
	    &cause) == -1)
		fatalx("%s", cause);
	if (h->cfg.smtp.password_file != NULL &&
	    config_read_secret(h->cfg.smtp.password_file, &h->smtp_password,
	    &cause) == -1)
		fatalx("%s", cause);
	if (h->cfg.auth.admin_password_file != NULL &&
	    config_read_secret(h->cfg.auth.admin_password_file,
	    &h->admin_password, &cause) == -1)
		fatalx("%s", cause);
}

/* The configuration file's bytes, to tell whether SIGHUP changed it. */
static char *
config_bytes(const char *path)
{
	char	*data = NULL, *cause = NULL;
	size_t	 len;

	if (file_read(path, 1024 * 1024, &data, &len, &cause) == -1) {
		free(cause);
		return NULL;
	}
	return data;
}

/*
 * SIGHUP with a changed configuration: check it, and when it is good,
 * stop cleanly and execute faxhubd again with it.  All state is in the
 * spool, so a restart is the one reload that can never mix old and new
 * settings.  Returns 1 when a restart is due.
 */
static int
config_changed(const char *path, const char *loaded)
{
	struct config	 cfg;
	char		*now, *cause = NULL;
	int		 changed;

	now = config_bytes(path);
	changed = now == NULL || loaded == NULL || strcmp(now, loaded) != 0;
	free(now);
	if (!changed)
		return 0;
	if (config_load(path, &cfg, &cause) == -1 ||
	    config_check_files(&cfg, &cause) == -1) {
		log_warnx("SIGHUP: %s; keeping the running configuration",
		    cause);
		free(cause);
		config_free(&cfg);
		return 0;
	}
	config_free(&cfg);
	log_notice("SIGHUP: %s changed; restarting with it", path);
	return 1;
}

/*
 * Retention (retention.h), at start-up and then every retention.interval,
 * from the main thread without h->mtx: it only reads h->cfg, and removes
 * nothing another thread still works on.
 */
static void
prune_tick(struct hub *h, long long *next)
{
	struct retention_stats	 st;
	long long		 now = (long long)time(NULL);
	char			*cause = NULL;

	if (now < *next)
		return;
	*next = now + h->cfg.retention.interval;
	if (retention_prune(h, now, 0, NULL, NULL, &st, &cause) == -1) {
		log_warnx("retention: %s (will retry)", cause);
		free(cause);
		return;
	}
	if (st.bcasts + st.jobs + st.mails + st.sent + st.images + st.log +
	    st.seen > 0)
		log_info("retention: pruned %zu broadcast(s), %zu job(s), %zu "
		    "mail(s), %zu sent tombstone(s), %zu fax image(s), %zu "
		    "log record(s), %zu seen id(s)", st.bcasts, st.jobs,
		    st.mails, st.sent, st.images, st.log, st.seen);
}

/*
 * Before any thread: every block of 128 KiB or more is its own mapping,
 * given back to the system when freed.  glibc's default raises that
 * threshold to the largest block freed so far (up to 32 MiB) and its
 * trim threshold to twice that, so one page image of a few MiB, decoded
 * once by any thread, would leave that much resident in its arena for
 * the rest of the process's life: faxhubd's memory would follow the
 * largest document it ever converted.
 */
static void
memory_setup(void)
{
#if defined(HAVE_MALLOPT) && defined(M_MMAP_THRESHOLD)
	if (mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 0)
		log_warnx("mallopt: cannot fix the mmap threshold");
#endif
}

int
main(int argc, char **argv)
{
	struct hub	 h;
	const char	*cfgpath = default_config();
	char		*cause = NULL;
	int		 ch, foreground = 0, check = 0, sig, restart = 0;
	int		 reexec = getenv("FAXHUB_REEXEC") != NULL, lockfd;
	char		*loaded;
	sigset_t	 set;
	struct timespec	 tick = { 1, 0 };
	long long	 next_prune = 0;
	pthread_t	 intake, outbox, ender, sched;
	size_t		 i;

	log_init("faxhubd", 1, LOG_MAIL);
	memory_setup();
	while ((ch = getopt(argc, argv, "c:dn")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	memset(&h, 0, sizeof(h));
	if (config_load(cfgpath, &h.cfg, &cause) == -1)
		fatalx("%s", cause);
	if (config_check_files(&h.cfg, &cause) == -1)
		fatalx("%s", cause);
	if (check) {
		printf("%s: OK\n", cfgpath);
		config_free(&h.cfg);
		return 0;
	}
	if (spool_lock_check(h.cfg.spool_dir, &cause) == -1)
		fatalx("%s", cause);
	loaded = config_bytes(cfgpath);
	log_setlevel((enum log_level)h.cfg.log.level);
	if (foreground)
		log_stamp(1);	/* not on the journal: log.c */
	else {
		log_init("faxhubd", 0, h.cfg.log.facility);
		if (!reexec && daemon(0, 0) == -1)
			fatal("daemon");
	}
	/* The spawner is forked before any secret is in memory. */
	if (sandbox_setup(h.cfg.daemon.converter_user, geteuid() == 0 &&
	    h.cfg.daemon.user != NULL && strcmp(h.cfg.daemon.user, "root") != 0,
	    &cause) == -1)
		fatalx("%s", cause);
	read_secrets(&h);
	if (spool_init(h.cfg.spool_dir, &cause) == -1)
		fatalx("spool: %s", cause);
	if (mkdir_p(h.cfg.table_dir, 0750, &cause) == -1)
		fatalx("tables: %s", cause);
	drop_privileges(&h.cfg);
	/* Taken as the daemon user, in its spool, for the process's life. */
	if ((lockfd = spool_lock(h.cfg.spool_dir, &cause)) == -1)
		fatalx("%s", cause);
	if (!foreground && h.cfg.daemon.pid_file != NULL)
		write_pidfile(h.cfg.daemon.pid_file);
	/*
	 * Signals go to the main thread only (blocked before the first
	 * thread starts, so every thread inherits the mask); a closed peer is
	 * an error.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (hub_log_start(&h, &cause) == -1)
		fatalx("%s", cause);

	pthread_mutex_init(&h.mtx, NULL);
	pthread_cond_init(&h.cond, NULL);
	pthread_cond_init(&h.sched_cond, NULL);
	h.started = (long long)time(NULL);

	pthread_mutex_lock(&h.mtx);
	if (hub_tables_reload(&h, 1, &cause) == -1)
		fatalx("tables: %s", cause);
	/* Spool I/O: without the mutex, before anything acts on a job. */
	pthread_mutex_unlock(&h.mtx);
	intake_recover(&h);
	pthread_mutex_lock(&h.mtx);
	if (hub_jobs_load(&h, &cause) == -1)
		fatalx("spool: %s", cause);
	log_notice("faxhubd started: instance %s, %zu job(s) in the spool",
	    h.cfg.instance, h.njobs);
	dispatch_reports(&h);
	dispatch_sync_servers(&h);
	pthread_mutex_unlock(&h.mtx);

	if (pthread_create(&intake, NULL, intake_main, &h) != 0 ||
	    pthread_create(&outbox, NULL, outbox_main, &h) != 0 ||
	    pthread_create(&ender, NULL, dispatch_ender_main, &h) != 0 ||
	    pthread_create(&sched, NULL, dispatch_sched_main, &h) != 0)
		fatal("pthread_create");

	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		pthread_mutex_lock(&h.mtx);
		if (sig == SIGTERM || sig == SIGINT) {
			log_notice("signal %d: stopping; work in flight stays "
			    "in the spool", sig);
			h.stop = 1;
			h.intake_wake = 1;
			pthread_cond_broadcast(&h.cond);
			pthread_cond_signal(&h.sched_cond);
			pthread_mutex_unlock(&h.mtx);
			break;
		}
		if (sig == SIGHUP && config_changed(cfgpath, loaded)) {
			restart = 1;
			h.stop = 1;
			h.intake_wake = 1;
			pthread_cond_broadcast(&h.cond);
			pthread_cond_signal(&h.sched_cond);
			pthread_mutex_unlock(&h.mtx);
			break;
		}
		if (sig == SIGHUP)
			log_notice("SIGHUP: reloading tables");
		if (hub_tables_reload(&h, sig == SIGHUP, &cause) == -1) {
			log_warnx("tables: %s (keeping the old ones)", cause);
			free(cause);
			cause = NULL;
		} else
			dispatch_sync_servers(&h);
		dispatch_schedule(&h);
		hub_write_status(&h);
		pthread_mutex_unlock(&h.mtx);
		prune_tick(&h, &next_prune);
	}

	pthread_join(intake, NULL);
	pthread_join(outbox, NULL);
	pthread_join(ender, NULL);
	pthread_join(sched, NULL);
	for (i = 0; i < h.nsrvs; i++)
		if (h.srvs[i]->started)
			pthread_join(h.srvs[i]->thread, NULL);
	hub_log_stop(&h);
	pthread_mutex_lock(&h.mtx);
	hub_write_status(&h);
	pthread_mutex_unlock(&h.mtx);
	for (i = 0; i < h.nsrvs; i++) {
		server_free(&h.srvs[i]->rec);
		free(h.srvs[i]->err);
		free(h.srvs[i]->modem_text);
		free(h.srvs[i]);
	}
	free(h.srvs);
	hub_jobs_free(&h);
	dispatch_ends_free(&h);
	hub_tables_free(&h.t);
	free(h.imap_err);
	free(h.smtp_err);
	free(h.imap_password);
	free(h.smtp_password);
	free(h.admin_password);
	free(loaded);
	if (restart) {
		config_free(&h.cfg);
		setenv("FAXHUB_REEXEC", "1", 1);
		spool_lock_keep(lockfd);
		execv("/proc/self/exe", argv);
		fatal("re-executing faxhubd");
	}
	sandbox_shutdown();
	if (!foreground && h.cfg.daemon.pid_file != NULL)
		unlink(h.cfg.daemon.pid_file);
	config_free(&h.cfg);
	log_notice("faxhubd stopped");
	return 0;
}
