/*
 * sandbox.h: the one way faxhub runs an external converter (Ghostscript
 * today, LibreOffice next).
 *
 * A converter gets: an empty environment but PATH=/usr/bin:/bin,
 * HOME=TMPDIR=its job directory and LANG=C.UTF-8; its own job directory
 * (the only place it may write, and its working directory); CPU, memory,
 * file-size and core limits and a wall-clock timeout; no network; and not
 * the faxhub account: it runs as the converter user (daemon.converter_user,
 * default "faxhub-conv") inside a bubblewrap namespace sandbox (only /usr,
 * the library links and /etc/fonts-like files read-only, the job
 * directory read-write, every namespace unshared, killed with its parent).
 * Where the host allows no namespaces, it runs without them after one
 * warning; where there is no converter user or no privilege to become it,
 * it runs as the caller after one warning.
 *
 * Privilege: faxhubd started as root calls sandbox_setup() before it drops
 * to daemon.user.  That forks a spawner that keeps root and does nothing
 * but start converters: faxhubd hands it one socket per run (SCM_RIGHTS)
 * carrying the job's limits, argv and the descriptors of the job directory,
 * stdin and the output pipe; a worker forked for that run switches to the
 * converter user, executes the converter and reports its exit status on
 * that socket.  The spawner never opens a path faxhubd names.  Without a
 * spawner (faxhubctl, faxhubd running as root throughout) a process that
 * is root switches itself in the child.
 *
 * Under systemd faxhubd starts as the faxhub user with only CAP_SETUID and
 * CAP_SETGID: the spawner keeps those two, faxhubd drops them at once.
 *
 * The job directory is mode 0770 with the converter user's group, so the
 * converter writes there (its files get that group) and the caller (a
 * member of that group, or root) reads and removes what it wrote.
 *
 * A run is sandbox_spawn() then sandbox_wait(); sandbox_run() does both.
 * A converter kept warm (soffice --headless listening on a socket in its
 * job directory) is a sandbox_spawn() whose sandbox_wait() comes later.
 */
#ifndef FAXHUB_SANDBOX_H
#define FAXHUB_SANDBOX_H

#include <sys/types.h>

#include <stddef.h>

#define SANDBOX_MAX_ARGS	32
#define SANDBOX_MAX_OUTPUT	8192	/* stdout+stderr kept */

struct sandbox_spec {
	const char	*prog;		/* absolute path of the program */
	const char	*argv[SANDBOX_MAX_ARGS + 1];	/* NULL-terminated */
	const char	*dir;		/* job directory (sandbox_mkdir) */
	int		 in_fd;		/* standard input, -1: /dev/null */
	int		 timeout;	/* wall clock, seconds */
	int		 cpu;		/* CPU seconds */
	unsigned long long max_as;	/* address space, bytes; 0: none */
	unsigned long long max_fsize;	/* largest file it may write */
	const char	*tmp;		/* bound as /tmp, NULL: empty tmpfs */
};

struct sandbox_proc {
	pid_t		 pid;		/* direct child, or -1 (spawner) */
	int		 out_fd;	/* its stdout and stderr */
	int		 req_fd;	/* the spawner run socket, or -1 */
	long long	 deadline;	/* now_ms() value */
	int		 timeout;
	int		 bwrap;		/* ran inside bubblewrap */
};

struct sandbox_result {
	int	 status;		/* waitpid() status */
	int	 timedout;		/* killed at the wall-clock limit */
	int	 sig;			/* the signal that ended it, or 0 */
	char	 output[SANDBOX_MAX_OUTPUT + 1];	/* NUL-terminated */
	size_t	 outlen;
};

/*
 * Once, before dropping privileges: the converter user and, when running
 * as root and about to become someone else, the spawner.  Not calling it
 * means the converter user "faxhub-conv" and no spawner.  -1 with *cause
 * when the spawner cannot be started.
 */
int	sandbox_setup(const char *user, int will_drop, char **cause);
/*
 * At faxhubd's stop: closes the spawner's socket and reaps the spawner,
 * so that no process of the service outlives it.
 */
void	sandbox_shutdown(void);

/*
 * A fresh job directory in $TMPDIR (else /tmp), "faxhub-conv.XXXXXX", mode
 * 0770, group the converter user's group.  *dir allocated; sandbox_rmdir()
 * removes it and everything in it without following links.
 */
int	sandbox_mkdir(char **dir, char **cause);
void	sandbox_rmdir(const char *dir);
/*
 * Copies the file src into the job directory as name (mode 0640, the
 * directory's group), for a converter that cannot read the caller's
 * files; sandbox_copy_out() copies a result back out to dst.  Neither
 * follows a link.
 */
int	sandbox_copy_in(const char *dir, const char *name, const char *src,
	    char **cause);
int	sandbox_copy_out(const char *dir, const char *name, const char *dst,
	    char **cause);

/*
 * For a converter kept warm: a subdirectory name of the job directory
 * the converter user may write (mode 0770, its group; with sticky
 * 01777 when shared as its /tmp), and a small file written there
 * (mode 0640, its group).
 */
int	sandbox_subdir(const char *dir, const char *name, int sticky,
	    char **cause);
int	sandbox_write_in(const char *dir, const char *name, const void *data,
	    size_t len, char **cause);

/*
 * A converter's spec as every converter gets it: prog run in its job
 * directory dir with /dev/null as input and an empty tmpfs as /tmp, at
 * most timeout seconds of wall clock and one more of CPU, max_as bytes of
 * address space, files of at most max_fsize bytes; no arguments yet.
 */
void	sandbox_converter(struct sandbox_spec *, const char *prog,
	    const char *dir, int timeout, unsigned long long max_as,
	    unsigned long long max_fsize);
int	sandbox_spawn(const struct sandbox_spec *, struct sandbox_proc *,
	    char **cause);
/* Reads the output until exit or the deadline; kills at the deadline. */
int	sandbox_wait(struct sandbox_proc *, struct sandbox_result *,
	    char **cause);
int	sandbox_run(const struct sandbox_spec *, struct sandbox_result *,
	    char **cause);
/* A spawned converter still running (kept warm): 1, else 0. */
int	sandbox_alive(struct sandbox_proc *);
/* Kills a spawned converter now and collects it (r may be NULL). */
void	sandbox_stop(struct sandbox_proc *, struct sandbox_result *);

#endif
