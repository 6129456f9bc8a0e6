/*
 * sandbox.c: the one runner for external converters (see sandbox.h).
 *
 * Why a spawner and not a setuid helper: this is the shape of Postfix's
 * master and OpenSMTPD's parent.  The process that reads hostile mail
 * never holds a privilege; the one that does is forked before the drop,
 * reads fixed-size requests from a socket only faxhubd holds, opens no
 * path it is given, and can do one thing: become the converter user and
 * execute.  A setuid binary would have to trust its caller's environment
 * and descriptors and could be run by anyone on the machine.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "util.h"
#include "xmalloc.h"

#ifndef BWRAP_PATH
#define BWRAP_PATH	"/usr/bin/bwrap"
#endif
#define SB_ENV_FD	"FAXHUB_SANDBOX_FD"
#define SB_ENV_PID	"FAXHUB_SANDBOX_PID"
#define SB_MAX_REQ	16384
#define SANDBOX_USER	"faxhub-conv"	/* without sandbox_setup() */

enum sb_mode {
	SB_SELF,	/* run as the caller */
	SB_SWITCH,	/* root: the child becomes the converter user */
	SB_SPAWNER	/* ask the spawner forked before the drop */
};

static enum sb_mode	 sb_mode = SB_SELF;
static int		 sb_ready;
static uid_t		 sb_uid;
static gid_t		 sb_gid;
static int		 sb_ctl = -1;		/* spawner control socket */
static pid_t		 sb_spawner_pid = -1;
static atomic_int	 sb_nobwrap;		/* bwrap refused once */

/* A run as it crosses to the spawner: fixed header, then strings. */
struct sb_req {
	int32_t		 timeout;
	int32_t		 cpu;
	int32_t		 bwrap;
	int32_t		 nargs;
	uint64_t	 max_as;
	uint64_t	 max_fsize;
	/* prog\0 dir\0 tmp\0 (empty: none) argv[0]\0 ... */
};

/* What the child needs, built before fork: no allocation after it. */
struct sb_exec {
	char		**argv;
	char		 *envp[5];
	const char	 *prog;		/* what is executed (bwrap or prog) */
	const char	 *dir;
	int		  in_fd, out_fd;
	int		  cpu;
	unsigned long long max_as, max_fsize;
	int		  become;	/* switch to sb_uid/sb_gid */
};

static int	sb_setup(const char *, int, int, char **);
static void	sb_warn_once(atomic_int *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	sb_exec_build(struct sb_exec *, const char *, const char *,
		    const char *, const char *const *, int);
static void	sb_exec_free(struct sb_exec *);
static void	sb_child(const struct sb_exec *) __attribute__((noreturn));
static void	sb_spawner(int) __attribute__((noreturn));
static void	sb_worker(int) __attribute__((noreturn));
static int	sb_send(int, const void *, size_t, const int *, int);
static ssize_t	sb_recv(int, void *, size_t, int *, int);
static void	sb_rmtree(int, const char *);

/*
 * Capabilities without libcap.  Under systemd faxhubd starts as the faxhub
 * user with CAP_SETUID and CAP_SETGID only (AmbientCapabilities=): the
 * spawner keeps them, faxhubd itself drops them at once.
 */
static int
sb_caps(struct __user_cap_data_struct d[2], int set)
{
	struct __user_cap_header_struct	h;

	memset(&h, 0, sizeof(h));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	return (int)syscall(set ? SYS_capset : SYS_capget, &h, d);
}

static int
sb_can_setuid(void)
{
	struct __user_cap_data_struct	d[2];

	memset(d, 0, sizeof(d));
	return sb_caps(d, 0) == 0 &&
	    (d[0].effective & (1U << CAP_SETUID)) != 0 &&
	    (d[0].effective & (1U << CAP_SETGID)) != 0;
}

/* Async-signal-safe: also called in the child between fork and exec. */
static int
sb_drop_caps(void)
{
	struct __user_cap_data_struct	d[2];

	memset(d, 0, sizeof(d));
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return sb_caps(d, 1);
}

static void
sb_warn_once(atomic_int *flag, const char *fmt, ...)
{
	va_list	ap;

	if (atomic_exchange(flag, 1))
		return;
	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARNING, fmt, ap);
	va_end(ap);
}

int
sandbox_setup(const char *user, int will_drop, char **cause)
{
	return sb_setup(user, will_drop, 1, cause);
}

/* loud: warn when converters cannot run as the converter user. */
static int
sb_setup(const char *user, int will_drop, int loud, char **cause)
{
	static atomic_int	 warned;
	struct passwd		*pw;
	const char		*env;
	int			 sv[2];
	char			 num[16];
	pid_t			 pid;

	sb_ready = 1;
	sb_mode = SB_SELF;
	if ((pw = getpwnam(user)) == NULL) {
		if (!loud) {
			log_debug("sandbox: no user %s", user);
			return 0;
		}
		sb_warn_once(&warned, "converters run as this account: "
		    "converter user %s does not exist (create it: "
		    "useradd --system --no-create-home %s)", user, user);
		return 0;
	}
	sb_uid = pw->pw_uid;
	sb_gid = pw->pw_gid;
	if ((env = getenv(SB_ENV_FD)) != NULL) {
		/* Executed again on SIGHUP: the spawner is still ours. */
		sb_ctl = atoi(env);
		if ((env = getenv(SB_ENV_PID)) != NULL)
			sb_spawner_pid = (pid_t)atol(env);
		if (sb_ctl > 2 && fcntl(sb_ctl, F_GETFD) != -1) {
			sb_mode = SB_SPAWNER;
			return 0;
		}
		sb_ctl = -1;
		unsetenv(SB_ENV_FD);
	}
	if (geteuid() != 0 && !sb_can_setuid()) {
		if (geteuid() != sb_uid && loud)
			sb_warn_once(&warned, "converters run as this "
			    "account, not as %s: start faxhubd as root (or "
			    "with CAP_SETUID and CAP_SETGID)", user);
		return 0;
	}
	if (geteuid() == 0 && !will_drop) {
		sb_mode = SB_SWITCH;
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1) {
		xasprintf(cause, "sandbox: socketpair: %s", strerror(errno));
		return -1;
	}
	switch (pid = fork()) {
	case -1:
		xasprintf(cause, "sandbox: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	case 0:
		close(sv[0]);
		sb_spawner(sv[1]);
	}
	close(sv[1]);
	if (geteuid() != 0 && sb_drop_caps() == -1) {
		xasprintf(cause, "sandbox: dropping capabilities: %s",
		    strerror(errno));
		return -1;
	}
	sb_ctl = sv[0];
	sb_spawner_pid = pid;
	/* Kept across faxhubd's re-execution on a changed configuration. */
	snprintf(num, sizeof(num), "%d", sb_ctl);
	setenv(SB_ENV_FD, num, 1);
	snprintf(num, sizeof(num), "%ld", (long)pid);
	setenv(SB_ENV_PID, num, 1);
	sb_mode = SB_SPAWNER;
	log_debug("sandbox: spawner %ld runs converters as %s", (long)pid,
	    user);
	return 0;
}

void
sandbox_shutdown(void)
{
	int	i;

	if (sb_ctl == -1)
		return;
	close(sb_ctl);
	sb_ctl = -1;
	if (sb_spawner_pid <= 0)
		return;
	/* It ends at once on the closed socket; not waited for forever. */
	for (i = 0; i < 100; i++) {
		if (waitpid(sb_spawner_pid, NULL, WNOHANG) != 0)
			break;
		poll(NULL, 0, 20);
	}
	sb_spawner_pid = -1;
}

int
sandbox_mkdir(char **dir, char **cause)
{
	const char	*tmp = getenv("TMPDIR");
	char		*cause2 = NULL, *tmpl;
	int		 fd;

	*dir = NULL;
	if (!sb_ready && sb_setup(SANDBOX_USER, 0, 0, &cause2) == -1)
		free(cause2);
	/*
	 * In the temp directory, not beside our files: the converter user
	 * must reach it, and it cannot enter the spool.
	 */
	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	xasprintf(&tmpl, "%s/faxhub-conv.XXXXXX", tmp);
	if (mkdtemp(tmpl) == NULL) {
		xasprintf(cause, "%s: %s", tmpl, strerror(errno));
		free(tmpl);
		goto fail;
	}
	/* bubblewrap binds it by name, from its own working directory. */
	*dir = realpath(tmpl, NULL);
	if (*dir == NULL) {
		xasprintf(cause, "%s: %s", tmpl, strerror(errno));
		rmdir(tmpl);
		free(tmpl);
		goto fail;
	}
	free(tmpl);
	if (sb_mode == SB_SELF)
		return 0;
	if ((fd = open(*dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fchown(fd, (uid_t)-1, sb_gid) == -1 ||
	    fchmod(fd, 0770) == -1) {
		xasprintf(cause, "%s: cannot give it to the converter group "
		    "%ld (make this account a member of it): %s", *dir,
		    (long)sb_gid, strerror(errno));
		if (fd != -1)
			close(fd);
		rmdir(*dir);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	free(*dir);
	*dir = NULL;
	return -1;
}

/*
 * Copies src to dst, opened with flags (O_NOFOLLOW always); a new file
 * gets group gid unless it is -1.
 */
static int
sb_copy(const char *src, const char *dst, int flags, mode_t mode, gid_t gid,
    char **cause)
{
	char	 buf[65536];
	ssize_t	 n, w, k;
	int	 in, out = -1, rv = -1;

	if ((in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", src, strerror(errno));
		return -1;
	}
	if ((out = open(dst, flags | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
	    mode)) == -1) {
		xasprintf(cause, "%s: %s", dst, strerror(errno));
		goto out;
	}
	/* The mode whatever faxhubd's umask (systemd's UMask=0077). */
	if ((gid != (gid_t)-1 && fchown(out, (uid_t)-1, gid) == -1) ||
	    fchmod(out, mode) == -1) {
		xasprintf(cause, "chgrp/chmod %s: %s", dst, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "read %s: %s", src, strerror(errno));
			goto out;
		}
		for (w = 0; w < n; w += k) {
			if ((k = write(out, buf + w, (size_t)(n - w))) == -1) {
				if (errno == EINTR) {
					k = 0;
					continue;
				}
				xasprintf(cause, "write %s: %s", dst,
				    strerror(errno));
				goto out;
			}
		}
	}
	rv = 0;
out:
	close(in);
	if (out != -1 && close(out) == -1 && rv == 0) {
		xasprintf(cause, "close %s: %s", dst, strerror(errno));
		rv = -1;
	}
	return rv;
}

/* Between the job directory's file name and path, in or out. */
static int
sb_copy_job(const char *dir, const char *name, const char *path, int in,
    char **cause)
{
	char	*job = xprintf("%s/%s", dir, name);
	int	 rv;

	/* Going in, the converter user reads it through its group. */
	if (in)
		rv = sb_copy(path, job, O_CREAT | O_EXCL, 0640,
		    sb_mode == SB_SELF ? (gid_t)-1 : sb_gid, cause);
	else
		rv = sb_copy(job, path, O_CREAT | O_TRUNC, 0600, (gid_t)-1,
		    cause);
	free(job);
	return rv;
}

int
sandbox_copy_in(const char *dir, const char *name, const char *src,
    char **cause)
{
	return sb_copy_job(dir, name, src, 1, cause);
}

int
sandbox_copy_out(const char *dir, const char *name, const char *dst,
    char **cause)
{
	return sb_copy_job(dir, name, dst, 0, cause);
}

int
sandbox_subdir(const char *dir, const char *name, int sticky, char **cause)
{
	char	*path = xprintf("%s/%s", dir, name);
	int	 fd = -1, rv = -1;

	if (mkdir(path, 0700) == -1 || (fd = open(path, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    (sb_mode != SB_SELF && fchown(fd, (uid_t)-1, sb_gid) == -1) ||
	    fchmod(fd, sticky ? 01777 : 0770) == -1)
		xasprintf(cause, "%s: %s", path, strerror(errno));
	else
		rv = 0;
	if (fd != -1)
		close(fd);
	free(path);
	return rv;
}

int
sandbox_write_in(const char *dir, const char *name, const void *data,
    size_t len, char **cause)
{
	const char	*p = data;
	char		*path = xprintf("%s/%s", dir, name);
	ssize_t		 n = 0;
	int		 fd, rv = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) != -1 && (sb_mode == SB_SELF ||
	    fchown(fd, (uid_t)-1, sb_gid) == 0) && fchmod(fd, 0640) == 0) {
		for (; len > 0; p += n, len -= (size_t)n) {
			if ((n = write(fd, p, len)) == -1 && errno != EINTR)
				break;
			if (n == -1)
				n = 0;
		}
	}
	if (fd == -1 || n == -1 || len > 0)
		xasprintf(cause, "%s: %s", path, strerror(errno));
	else
		rv = 0;
	if (fd != -1 && close(fd) == -1 && rv == 0) {
		xasprintf(cause, "close %s: %s", path, strerror(errno));
		rv = -1;
	}
	free(path);
	return rv;
}

/* Removes what dfd holds, never following a link the converter left. */
static void
sb_rmtree(int dfd, const char *name)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		unlinkat(dfd, name, 0);
		return;
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == -1 && (errno == EISDIR ||
		    errno == EPERM))
			sb_rmtree(fd, de->d_name);
	}
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

void
sandbox_rmdir(const char *dir)
{
	if (dir != NULL)
		sb_rmtree(AT_FDCWD, dir);
}

/*
 * The command line: bubblewrap around the converter unless the host
 * refused it once.  Only /usr and the library links, fonts, Ghostscript's,
 * LibreOffice's and the linker's configuration are visible, read-only
 * (and the converter itself when it is not under /usr);
 * the job directory is the one writable place (and tmp, when given, is
 * its /tmp: a kept-warm LibreOffice and its clients meet on a socket
 * there); no network, no other process.
 */
static void
sb_exec_build(struct sb_exec *e, const char *prog, const char *dir,
    const char *tmp, const char *const *argv, int bwrap)
{
	static const char *const ro[] = { "/usr", "/lib", "/lib64", "/lib32",
	    "/bin", "/sbin", "/etc/fonts", "/etc/ghostscript",
	    "/etc/libreoffice",
	    "/etc/ld.so.cache", "/etc/alternatives", "/var/lib/ghostscript",
	    "/var/cache/fontconfig" };
	size_t	n = 0, i, cap;

	memset(e, 0, sizeof(*e));
	for (i = 0; argv[i] != NULL; i++)
		;
	cap = i + 2 + (bwrap ? 24 + 3 * nitems(ro) : 0);
	e->argv = xcalloc(cap, sizeof(char *));
	if (bwrap) {
		e->prog = BWRAP_PATH;
		e->argv[n++] = xstrdup("bwrap");
		e->argv[n++] = xstrdup("--unshare-all");
		e->argv[n++] = xstrdup("--die-with-parent");
		e->argv[n++] = xstrdup("--new-session");
		for (i = 0; i < nitems(ro); i++) {
			e->argv[n++] = xstrdup("--ro-bind-try");
			e->argv[n++] = xstrdup(ro[i]);
			e->argv[n++] = xstrdup(ro[i]);
		}
		/* A converter of ours run from a build tree (faxhub-text). */
		if (strncmp(prog, "/usr/", 5) != 0) {
			e->argv[n++] = xstrdup("--ro-bind");
			e->argv[n++] = xstrdup(prog);
			e->argv[n++] = xstrdup(prog);
		}
		e->argv[n++] = xstrdup("--proc");
		e->argv[n++] = xstrdup("/proc");
		e->argv[n++] = xstrdup("--dev");
		e->argv[n++] = xstrdup("/dev");
		if (tmp != NULL) {
			e->argv[n++] = xstrdup("--bind");
			e->argv[n++] = xstrdup(tmp);
		} else
			e->argv[n++] = xstrdup("--tmpfs");
		e->argv[n++] = xstrdup("/tmp");
		e->argv[n++] = xstrdup("--bind");
		e->argv[n++] = xstrdup(dir);
		e->argv[n++] = xstrdup(dir);
		e->argv[n++] = xstrdup("--chdir");
		e->argv[n++] = xstrdup(dir);
		e->argv[n++] = xstrdup(prog);
		i = 1;		/* argv[0] is the program itself */
	} else {
		e->prog = prog;
		i = 0;
	}
	for (; argv[i] != NULL; i++)
		e->argv[n++] = xstrdup(argv[i]);
	e->argv[n] = NULL;
	e->envp[0] = xstrdup("PATH=/usr/bin:/bin");
	e->envp[1] = xprintf("HOME=%s", dir);
	e->envp[2] = xprintf("TMPDIR=%s", dir);
	e->envp[3] = xstrdup("LANG=C.UTF-8");
	e->envp[4] = NULL;
	e->dir = dir;
}

static void
sb_exec_free(struct sb_exec *e)
{
	size_t	i;

	for (i = 0; e->argv != NULL && e->argv[i] != NULL; i++)
		free(e->argv[i]);
	free(e->argv);
	for (i = 0; e->envp[i] != NULL; i++)
		free(e->envp[i]);
}

/* In the forked child: only async-signal-safe calls from here to exec. */
static void
sb_child(const struct sb_exec *e)
{
	struct rlimit	rl;
	sigset_t	all;
	int		null, sig;

	/*
	 * Signals as a fresh process has them: faxhubd blocks some for its
	 * signal thread and ignores SIGPIPE, the spawner ignores more, and
	 * both would survive exec (LibreOffice's single-instance hand-over
	 * hangs without them).
	 */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setsid();
	null = open("/dev/null", O_RDWR);
	dup2(e->in_fd != -1 ? e->in_fd : null, 0);
	dup2(e->out_fd, 1);
	dup2(e->out_fd, 2);
	rl.rlim_cur = rl.rlim_max = (rlim_t)e->cpu;
	setrlimit(RLIMIT_CPU, &rl);
	rl.rlim_cur = rl.rlim_max = (rlim_t)e->max_as;
	if (e->max_as != 0)
		setrlimit(RLIMIT_AS, &rl);
	rl.rlim_cur = rl.rlim_max = (rlim_t)e->max_fsize;
	setrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	if (e->become && (setgroups(0, NULL) == -1 || setgid(sb_gid) == -1 ||
	    setuid(sb_uid) == -1 || sb_drop_caps() == -1 || setuid(0) != -1))
		_exit(126);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	umask(007);
	if (chdir(e->dir) == -1)
		_exit(126);
	closefrom(3);
	execve(e->prog, e->argv, e->envp);
	_exit(127);
}

/* Room for the descriptors of one message. */
union sb_cbuf {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(4 * sizeof(int))];
};

static void
sb_msg(struct msghdr *msg, struct iovec *iov, void *data, size_t len)
{
	memset(msg, 0, sizeof(*msg));
	iov->iov_base = data;
	iov->iov_len = len;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
}

static int
sb_send(int fd, const void *data, size_t len, const int *fds, int nfds)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union sb_cbuf	 cm;
	struct cmsghdr	*c;

	sb_msg(&msg, &iov, (void *)(uintptr_t)data, len);
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	while (sendmsg(fd, &msg, MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Receives one message and up to nfds descriptors (others closed). */
static ssize_t
sb_recv(int fd, void *data, size_t len, int *fds, int nfds)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union sb_cbuf	 cm;
	struct cmsghdr	*c;
	ssize_t		 n;
	int		 got[4], ngot = 0, i;

	for (i = 0; i < nfds; i++)
		fds[i] = -1;
	sb_msg(&msg, &iov, data, len);
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) == -1)
		if (errno != EINTR)
			return -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		ngot = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (ngot > 4)
			ngot = 4;
		memcpy(got, CMSG_DATA(c), (size_t)ngot * sizeof(int));
	}
	for (i = 0; i < ngot; i++) {
		if (i < nfds)
			fds[i] = got[i];
		else
			close(got[i]);
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -1;
	return n;
}

/*
 * The spawner: root, single-threaded, forked before faxhubd dropped its
 * privileges.  Each message on ctl carries one socket for one run; a
 * worker handles it.  It ends when faxhubd closes ctl.
 */
static void
sb_spawner(int ctl)
{
	char	c;
	int	fd;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* workers are reaped by the kernel */
	if (dup2(ctl, 3) == -1)
		_exit(1);
	closefrom(4);
	ctl = 3;
	prctl(PR_SET_NAME, "faxhubd-spawn", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (;;) {
		if (sb_recv(ctl, &c, 1, &fd, 1) <= 0)
			_exit(0);
		if (fd == -1)
			continue;
		if (fork() == 0) {
			close(ctl);
			sb_worker(fd);
		}
		close(fd);
	}
}

/*
 * One run, in its own process: read the request, become the converter
 * user in a child and execute it, wait for it (killing it at once when
 * faxhubd writes or goes away) and report the waitpid() status.
 */
static void
sb_worker(int rq)
{
	struct sb_exec	 e;
	struct sb_req	 h;
	struct pollfd	 pfd;
	const char	*argv[SANDBOX_MAX_ARGS + 1], *prog, *dir, *tmp, *p, *end;
	char		*buf;
	ssize_t		 n;
	pid_t		 pid;
	int		 fds[2], status = 0, i;
	int32_t		 st;
	char		 c;

	signal(SIGCHLD, SIG_DFL);
	buf = xmalloc(SB_MAX_REQ + 1);
	/* fds[0]: the output pipe, fds[1]: standard input or none. */
	if ((n = sb_recv(rq, buf, SB_MAX_REQ, fds, 2)) < (ssize_t)sizeof(h) ||
	    fds[0] == -1)
		_exit(1);
	buf[n] = '\0';
	memcpy(&h, buf, sizeof(h));
	if (h.nargs < 1 || h.nargs > SANDBOX_MAX_ARGS)
		_exit(1);
	p = buf + sizeof(h);
	end = buf + n;
	prog = p;
	p += strlen(p) + 1;
	dir = p < end ? p : "";
	p += strlen(p) + 1;
	tmp = p < end ? p : "";
	p += strlen(p) + 1;
	for (i = 0; i < h.nargs; i++) {
		if (p >= end)
			_exit(1);
		argv[i] = p;
		p += strlen(p) + 1;
	}
	argv[i] = NULL;
	if (*prog != '/' || *dir != '/' || (*tmp != '\0' && *tmp != '/'))
		_exit(1);
	sb_exec_build(&e, prog, dir, *tmp != '\0' ? tmp : NULL, argv,
	    h.bwrap);
	e.out_fd = fds[0];
	e.in_fd = fds[1];
	e.cpu = h.cpu;
	e.max_as = h.max_as;
	e.max_fsize = h.max_fsize;
	e.become = 1;
	if ((pid = fork()) == -1)
		_exit(1);
	if (pid == 0)
		sb_child(&e);
	close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
	pfd.fd = rq;
	pfd.events = POLLIN;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (poll(&pfd, 1, 50) > 0) {
			/*
			 * Take the byte: closing a socket with unread data
			 * would reset it and lose the status for faxhubd.
			 */
			if (recv(rq, &c, 1, MSG_DONTWAIT) == -1 && errno == EINTR)
				continue;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			break;
		}
	}
	st = status;
	sb_send(rq, &st, sizeof(st), NULL, 0);
	_exit(0);
}

static int
sb_spawn_via(const struct sandbox_spec *s, int out_w, int bwrap,
    struct sandbox_proc *sp, char **cause)
{
	struct sb_req	 h;
	struct buf	 b;
	int		 sv[2], fds[2], nargs;
	char		 c = 'r';

	for (nargs = 0; s->argv[nargs] != NULL; nargs++)
		;
	memset(&h, 0, sizeof(h));
	h.timeout = s->timeout;
	h.cpu = s->cpu;
	h.bwrap = bwrap;
	h.nargs = nargs;
	h.max_as = s->max_as;
	h.max_fsize = s->max_fsize;
	buf_init(&b);
	buf_add(&b, &h, sizeof(h));
	buf_add(&b, s->prog, strlen(s->prog) + 1);
	buf_add(&b, s->dir, strlen(s->dir) + 1);
	buf_add(&b, s->tmp != NULL ? s->tmp : "", s->tmp != NULL ?
	    strlen(s->tmp) + 1 : 1);
	for (nargs = 0; s->argv[nargs] != NULL; nargs++)
		buf_add(&b, s->argv[nargs], strlen(s->argv[nargs]) + 1);
	if (b.len > SB_MAX_REQ) {
		buf_free(&b);
		xasprintf(cause, "sandbox: %s: command line too long", s->prog);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		buf_free(&b);
		xasprintf(cause, "sandbox: socketpair: %s", strerror(errno));
		return -1;
	}
	fds[0] = out_w;
	fds[1] = s->in_fd;
	if (sb_send(sb_ctl, &c, 1, &sv[1], 1) == -1 ||
	    sb_send(sv[0], b.data, b.len, fds, s->in_fd != -1 ? 2 : 1) == -1) {
		xasprintf(cause, "sandbox: the converter spawner is gone: %s",
		    strerror(errno));
		buf_free(&b);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	buf_free(&b);
	close(sv[1]);
	sp->req_fd = sv[0];
	return 0;
}

void
sandbox_converter(struct sandbox_spec *s, const char *prog, const char *dir,
    int timeout, unsigned long long max_as, unsigned long long max_fsize)
{
	memset(s, 0, sizeof(*s));
	s->prog = prog;
	s->dir = dir;
	s->in_fd = -1;
	s->timeout = timeout;
	s->cpu = timeout + 1;
	s->max_as = max_as;
	s->max_fsize = max_fsize;
}

/*
 * The signal that ended the converter: its own status, or bubblewrap's,
 * which exits 128 + N when what it runs is killed by signal N.
 */
static int
sb_signal(const struct sandbox_proc *sp, int status)
{
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	if (sp->bwrap && WIFEXITED(status) && WEXITSTATUS(status) > 128 &&
	    WEXITSTATUS(status) < 128 + NSIG)
		return WEXITSTATUS(status) - 128;
	return 0;
}

int
sandbox_spawn(const struct sandbox_spec *s, struct sandbox_proc *sp,
    char **cause)
{
	struct sb_exec	 e;
	int		 p[2];
	int		 bwrap;

	if (!sb_ready && sb_setup(SANDBOX_USER, 0, 0, cause) == -1)
		return -1;
	memset(sp, 0, sizeof(*sp));
	sp->pid = -1;
	sp->req_fd = -1;
	sp->timeout = s->timeout;
	bwrap = !atomic_load(&sb_nobwrap);
	if (bwrap && access(BWRAP_PATH, X_OK) == -1) {
		sb_warn_once(&sb_nobwrap, "sandbox: %s: %s: converters run "
		    "without a namespace sandbox (install bubblewrap)",
		    BWRAP_PATH, strerror(errno));
		bwrap = 0;
	}
	sp->bwrap = bwrap;
	if (pipe2(p, O_CLOEXEC) == -1) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		return -1;
	}
	sp->out_fd = p[0];
	sp->deadline = now_ms() + (long long)s->timeout * 1000;
	if (sb_mode == SB_SPAWNER) {
		if (sb_spawn_via(s, p[1], bwrap, sp, cause) == -1) {
			close(p[0]);
			close(p[1]);
			return -1;
		}
		close(p[1]);
		return 0;
	}
	sb_exec_build(&e, s->prog, s->dir, s->tmp, s->argv, bwrap);
	e.in_fd = s->in_fd;
	e.out_fd = p[1];
	e.cpu = s->cpu;
	e.max_as = s->max_as;
	e.max_fsize = s->max_fsize;
	e.become = sb_mode == SB_SWITCH;
	if ((sp->pid = fork()) == -1) {
		xasprintf(cause, "fork: %s", strerror(errno));
		sb_exec_free(&e);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (sp->pid == 0)
		sb_child(&e);
	sb_exec_free(&e);
	close(p[1]);
	return 0;
}

int
sandbox_wait(struct sandbox_proc *sp, struct sandbox_result *r,
    char **cause)
{
	struct pollfd	pfd;
	char		skip[512];
	long long	left;
	ssize_t		n;
	int32_t		st;
	char		k = 'k';

	memset(r, 0, sizeof(*r));
	pfd.fd = sp->out_fd;
	pfd.events = POLLIN;
	for (;;) {
		if ((left = sp->deadline - now_ms()) <= 0) {
			r->timedout = 1;
			break;
		}
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd.revents == 0)
			continue;
		if (r->outlen < SANDBOX_MAX_OUTPUT)
			n = read(sp->out_fd, r->output + r->outlen,
			    SANDBOX_MAX_OUTPUT - r->outlen);
		else
			n = read(sp->out_fd, skip, sizeof(skip));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (r->outlen < SANDBOX_MAX_OUTPUT)
			r->outlen += (size_t)n;
	}
	r->output[r->outlen] = '\0';
	close(sp->out_fd);
	sp->out_fd = -1;
	if (sp->req_fd != -1) {
		pfd.fd = sp->req_fd;
		while (!r->timedout) {
			left = sp->deadline - now_ms();
			if (left <= 0)
				r->timedout = 1;
			else if (poll(&pfd, 1, left > 1000 ? 1000 :
			    (int)left) > 0)
				break;
		}
		if (r->timedout)
			sb_send(sp->req_fd, &k, 1, NULL, 0);
		n = sb_recv(sp->req_fd, &st, sizeof(st), NULL, 0);
		close(sp->req_fd);
		sp->req_fd = -1;
		if (n != sizeof(st)) {
			xasprintf(cause, "sandbox: no status from the converter "
			    "spawner");
			return -1;
		}
		r->status = st;
		r->sig = sb_signal(sp, st);
		return 0;
	}
	/* Output closed: wait for the exit, still within the deadline. */
	while (!r->timedout) {
		if (waitpid(sp->pid, &r->status, WNOHANG) == sp->pid) {
			r->sig = sb_signal(sp, r->status);
			return 0;
		}
		if (now_ms() >= sp->deadline)
			r->timedout = 1;
		else
			poll(NULL, 0, 10);
	}
	kill(-sp->pid, SIGKILL);
	kill(sp->pid, SIGKILL);
	while (waitpid(sp->pid, &r->status, 0) == -1 && errno == EINTR)
		;
	r->sig = sb_signal(sp, r->status);
	return 0;
}

int
sandbox_run(const struct sandbox_spec *s, struct sandbox_result *r,
    char **cause)
{
	struct sandbox_proc	sp;

	if (sandbox_spawn(s, &sp, cause) == -1 ||
	    sandbox_wait(&sp, r, cause) == -1)
		return -1;
	/*
	 * bubblewrap's own refusal (no user namespaces on this host, a
	 * seccomp or RestrictNamespaces= policy): say so once and run the
	 * converter without it from now on.
	 */
	if (sp.bwrap && !r->timedout && WIFEXITED(r->status) &&
	    WEXITSTATUS(r->status) == 1 && strncmp(r->output, "bwrap: ",
	    7) == 0) {
		r->output[strcspn(r->output, "\n")] = '\0';
		sb_warn_once(&sb_nobwrap, "sandbox: bubblewrap cannot run "
		    "here (%s): converters run without a namespace sandbox",
		    r->output + 7);
		if (s->in_fd != -1)
			lseek(s->in_fd, 0, SEEK_SET);
		return sandbox_run(s, r, cause);
	}
	return 0;
}

int
sandbox_alive(struct sandbox_proc *sp)
{
	struct pollfd	pfd;
	siginfo_t	si;

	if (sp->req_fd != -1) {
		/* The spawner's worker writes the status when it ends. */
		pfd.fd = sp->req_fd;
		pfd.events = POLLIN;
		return poll(&pfd, 1, 0) == 0;
	}
	memset(&si, 0, sizeof(si));
	if (sp->pid <= 0 || waitid(P_PID, (id_t)sp->pid, &si, WEXITED |
	    WNOHANG | WNOWAIT) == -1)
		return 0;
	return si.si_pid == 0;
}

void
sandbox_stop(struct sandbox_proc *sp, struct sandbox_result *r)
{
	struct sandbox_result	 mine;
	char			*cause = NULL;

	sp->deadline = now_ms();
	if (sandbox_wait(sp, r != NULL ? r : &mine, &cause) == -1) {
		log_debug("%s", cause);
		free(cause);
	}
}
