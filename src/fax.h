/*
 * fax.h: the fax-server driver interface.
 *
 * The daemon core (fax-server.c, dispatch.c, inbound.c) names only this
 * interface; each kind of fax server is one driver in its own file that
 * exports one const struct fax_driver (fax-hylafax.c: fax_hylafax_driver).
 * fax_drivers[] lists the drivers compiled in.
 *
 * Rules for every op:
 *   - Blocking: every op blocks on the network, each connect, read and
 *     write bounded by fax_params.timeout.  Ops are called WITHOUT the hub
 *     mutex held and never call back into the daemon.
 *   - Threads: a connection is used by one thread at a time; drivers keep
 *     no global mutable state.
 *   - Errors: int ops return 0 (or a count/flag, as stated) on success
 *     and -1 on failure with *err filled in (class and an allocated
 *     message); the caller releases it with fax_err_clear().  A lost
 *     connection gives FAXERR_CONNECT and every later op on it fails the
 *     same way until it is closed.
 *   - Strings passed in are borrowed for the call only; results are owned
 *     by the caller and released with the free function named beside them.
 */
#ifndef FAXHUB_FAX_H
#define FAXHUB_FAX_H

#include <stddef.h>

/*
 * What a failure means for the next step.  Decided once, by the driver,
 * from what its server said; the class goes on the job (spool record
 * "class=") and everything after reads it, never the server's wording.
 */
enum fax_errclass {
	FAXERR_NONE = 0,
	FAXERR_CONNECT,		/* cannot reach, connection lost, timeout */
	FAXERR_AUTH,		/* login or admin privileges refused */
	FAXERR_PROTOCOL,	/* malformed, unexpected or oversized reply */
	FAXERR_REJECTED,	/* this server refused the job: next server now */
	FAXERR_TEMPORARY,	/* failed for now: retry later, any server */
	FAXERR_NOTFOUND,	/* job or file does not exist */
	FAXERR_PERMANENT	/* trying again cannot help: give up */
};

/* The cause in words a report can name (spool record "cause="). */
enum fax_cause {
	FAX_CAUSE_OTHER = 0,
	FAX_CAUSE_BUSY,		/* the line was busy or could not be seized */
	FAX_CAUSE_NO_ANSWER,
	FAX_CAUSE_NO_FAX,	/* answered, but not by a fax machine */
	FAX_CAUSE_LINE,		/* the call broke or timed out */
	FAX_CAUSE_BAD_NUMBER,
	FAX_CAUSE_DOCUMENT,	/* the server could not use the document */
	FAX_CAUSE_REJECTED,	/* the server refused the job */
	FAX_CAUSE_TIMEOUT	/* the job ran out of time on the server */
};

struct fax_err {
	enum fax_errclass cls;
	char		*msg;	/* allocated: "server fax1: PASS: 530 Login
				   incorrect."; freed by fax_err_clear() */
};
/* Frees msg and resets to FAXERR_NONE; safe on a cleared fax_err. */
void		 fax_err_clear(struct fax_err *);
const char	*fax_errclass_name(enum fax_errclass);
/* FAXERR_NONE for NULL or an unknown name (an old spool record). */
enum fax_errclass fax_errclass_from_name(const char *);
const char	*fax_cause_name(enum fax_cause);
/* FAX_CAUSE_OTHER for NULL or an unknown name. */
enum fax_cause	 fax_cause_from_name(const char *);

/* Connection parameters; every string borrowed for connect() only. */
struct fax_params {
	const char	*name;		/* server name for messages */
	const char	*host;
	int		 port;
	const char	*user;
	const char	*password;	/* may be NULL */
	const char	*admin_password; /* may be NULL */
	int		 timeout;	/* s, every connect/read/write */
};

/* A job to submit; every string borrowed for the call. */
struct fax_job_req {
	const char	*document;	/* local TIFF path */
	const char	*dialstring;
	const char	*owner;
	const char	*tag;		/* the idempotency tag */
	const char	*touser;	/* may be NULL */
	int		 fine;		/* 196 lpi, else 98 */
	int		 letter;	/* US letter, else A4 */
	int		 maxdials;	/* <= 0: server default */
	int		 maxtries;	/* <= 0: server default */
	int		 lifetime_s;	/* <= 0: server default */
	const char	*notifyaddr;	/* NULL: no server notices */
};

enum fax_state {
	FAX_UNKNOWN = 0,
	FAX_PENDING,
	FAX_SLEEPING,
	FAX_BLOCKED,
	FAX_READY,
	FAX_ACTIVE,
	FAX_DONE,
	FAX_FAILED,
	FAX_SUSPENDED
};
const char	*fax_state_name(enum fax_state);

/*
 * A job as its server sees it.  Every pointer member is allocated (or
 * NULL) and freed by fax_job_free().  When state is FAX_FAILED the driver
 * has classified the failure: cls (TEMPORARY, REJECTED or PERMANENT),
 * cause, and words (static plain words for a report).
 */
struct fax_job {
	char		*jobid;
	char		*tag;
	enum fax_state	 state;
	char		*status;	/* the server's own text, for the log */
	int		 npages, totpages, ndials, totdials, ntries, tottries;
	char		*modem;
	char		*commid;
	char		*remote_csid;	/* NULL: not reported */
	char		*number;
	enum fax_errclass cls;
	enum fax_cause	 cause;
	const char	*words;
};
/* Frees the members and zeroes the struct (not the struct itself). */
void	fax_job_free(struct fax_job *);

/* One modem (line) of a server; strings allocated. */
struct fax_modem {
	char	*name;
	char	*number;
	char	*status;
	int	 busy;		/* cannot take a job now */
};
void	fax_modems_free(struct fax_modem *, size_t);

/*
 * The send side of a server now.  send is the number of lines that can
 * send, send_free how many of them are idle; -1 when the driver cannot
 * tell (then only faxhub's own count of jobs on the server decides).
 * text is an allocated summary for `faxhubctl status`, or NULL.
 */
struct fax_lines {
	int	 modems;
	int	 send;
	int	 send_free;
	char	*text;
};

/* One received fax; strings allocated, freed by fax_recvq_free(). */
struct fax_recv {
	char	*file;		/* the server's name for it, path-safe */
	char	*time;
	char	*csid;
	int	 pages;
	char	*caller;
	char	*called;
	char	*subaddr;
	char	*error;		/* empty when the reception was clean */
	int	 receiving;	/* still arriving: leave it alone */
	long	 size;		/* 0: unknown */
	int	 vres;		/* 0: unknown */
	int	 bitrate;	/* 0: unknown */
	char	*format;
	char	*modem;		/* NULL: not reported */
};
void	fax_recvq_free(struct fax_recv *, size_t);

/* A live session; each driver embeds it first in its own connection. */
struct fax_conn {
	const struct fax_driver	*drv;
};

struct fax_driver {
	const char	*name;		/* servers table "driver" value */

	/* Logs in.  On success *conn is owned by the caller (close()). */
	int	(*connect)(const struct fax_params *, struct fax_conn **conn,
		    struct fax_err *);
	/* A cheap round trip: 0 while the session is alive. */
	int	(*alive)(struct fax_conn *, struct fax_err *);
	/*
	 * Uploads the document and submits the job with tag attached, so
	 * that find_tag() can find it later.  *jobid is allocated, caller
	 * frees.  FAXERR_REJECTED: this server will not take it, the next
	 * may; a value the protocol cannot carry is refused before anything
	 * is sent.
	 */
	int	(*submit)(struct fax_conn *, const struct fax_job_req *,
		    char **jobid, struct fax_err *);
	/* Fills *job (caller frees); FAXERR_NOTFOUND when it is gone. */
	int	(*status)(struct fax_conn *, const char *jobid, struct fax_job *,
		    struct fax_err *);
	/*
	 * The job carrying tag, active or finished: 1 and *job filled
	 * (caller frees), 0 not there, -1 error.  Called before submitting
	 * again after a crash or a lost session: a fax is never sent twice.
	 */
	int	(*find_tag)(struct fax_conn *, const char *tag, struct fax_job *,
		    struct fax_err *);
	int	(*kill)(struct fax_conn *, const char *jobid, struct fax_err *);
	/*
	 * The state of the send lines.  send_modems: the admin's
	 * comma-separated names of the modems that send, or NULL to let the
	 * driver find out what it can.  *out filled, caller frees out->text.
	 */
	int	(*lines)(struct fax_conn *, const char *send_modems,
		    struct fax_lines *out, struct fax_err *);
	/* Received faxes: *recvs allocated, *n entries (fax_recvq_free). */
	int	(*recvq)(struct fax_conn *, struct fax_recv **recvs, size_t *n,
		    struct fax_err *);
	/* Copies one received fax to dest_path: complete or untouched. */
	int	(*retrieve)(struct fax_conn *, const char *file,
		    const char *dest_path, struct fax_err *);
	/* Deletes one received fax from the server. */
	int	(*delete_recv)(struct fax_conn *, const char *file,
		    struct fax_err *);
	/* Logs out (best effort, short wait) and frees; NULL allowed. */
	void	(*close)(struct fax_conn *);
};

/* The drivers compiled in, NULL-terminated. */
extern const struct fax_driver *const fax_drivers[];
/* The driver named name, or NULL (NULL name: the first, "hylafax"). */
const struct fax_driver *fax_driver_find(const char *name);
/* "hylafax, ..." for messages; allocated, caller frees. */
char		*fax_driver_names(void);

#endif
