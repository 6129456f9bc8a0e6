/*
 * fax-hylafax.h: the HylaFAX client-protocol driver.
 *
 * Two layers.  fax-hylafax-proto.c is pure: the reply parser (a state
 * machine fed with bytes in any split), reply classification, and the
 * parsers for PASV, JNEW, STOT and the JOBFMT/MDMFMT/RCVFMT listings; tests
 * drive it from buffers.  fax-hylafax.c is a thin blocking socket layer on
 * top of it: one control connection per struct hfx_conn, PASV data
 * connections, TCP_NODELAY, and poll() with a timeout on every connect,
 * read and write.
 *
 * Thread-safety: no globals; one hfx_conn is used by one thread at a time.
 * Errors: functions returning int give 0 (or a count/flag, as stated) on
 * success and -1 on failure with *err filled in; the caller releases the
 * message with fax_err_clear().  Any I/O failure, timeout or lost
 * connection closes the socket and gives FAXERR_CONNECT; every later call
 * on that hfx_conn then fails with FAXERR_CONNECT until it is closed.
 */
#ifndef FAXHUB_FAX_HYLAFAX_H
#define FAXHUB_FAX_HYLAFAX_H

#include <stddef.h>

#include "util.h"

/* Error classes decide the retry policy; never match on the text. */
enum fax_errclass {
	FAXERR_NONE = 0,
	FAXERR_CONNECT,		/* cannot reach, connection lost, timeout */
	FAXERR_AUTH,		/* login or ADMIN refused */
	FAXERR_PROTOCOL,	/* malformed, unexpected or oversized reply */
	FAXERR_REJECTED,	/* 5xx on a job command: job refused */
	FAXERR_TEMPORARY,	/* 4xx */
	FAXERR_NOTFOUND		/* job or file does not exist */
};

struct fax_err {
	enum fax_errclass cls;
	char		*msg;	/* allocated: "server fax1: PASS: 530 Login
				   incorrect."; freed by fax_err_clear() */
};
/* Frees msg and resets to FAXERR_NONE; safe on a cleared fax_err. */
void		 fax_err_clear(struct fax_err *);
const char	*fax_errclass_name(enum fax_errclass);

/* Hard limits on everything the server sends. */
#define HFX_LINE_MAX	1024		/* one control reply line */
#define HFX_REPLY_MAX	16384		/* a whole multi-line reply */
#define HFX_LIST_MAX	(4 * 1024 * 1024)	/* one LIST answer */
#define HFX_LISTLINE_MAX 4096		/* one line of a LIST answer */
#define HFX_RETR_MAX	(256L * 1024 * 1024)	/* one retrieved file */
#define HFX_ARG_MAX	256		/* any string we send as argument */

/* The strings are borrowed for the duration of hfx_connect() only. */
struct hfx_params {
	const char	*name;		/* server name for messages */
	const char	*host;
	int		 port;
	const char	*user;
	const char	*password;	/* may be NULL */
	const char	*admin_password; /* may be NULL */
	int		 timeout;	/* s, every connect/read/write */
};

struct hfx_conn;

/*
 * Connects, reads the 220 greeting, USER, PASS (when the server answers
 * 331), TZONE GMT.  On success *conn is a live session owned by the
 * caller (release with hfx_close()).  A refused login gives FAXERR_AUTH.
 */
int	hfx_connect(const struct hfx_params *, struct hfx_conn **,
	    struct fax_err *);
/* NOOP: 0 when the session is alive. */
int	hfx_alive(struct hfx_conn *, struct fax_err *);
/* QUIT (best effort, short wait), close, free.  NULL is allowed. */
void	hfx_close(struct hfx_conn *);
/* 1 while the control connection is open. */
int	hfx_connected(const struct hfx_conn *);

/* All strings borrowed for the call. */
struct hfx_job_req {
	const char	*document;	/* local TIFF path */
	const char	*dialstring;
	const char	*owner;		/* FROMUSER */
	const char	*tag;		/* JOBINFO, the idempotency tag */
	const char	*touser;	/* may be NULL */
	int		 fine;		/* VRES 196, else 98 */
	int		 letter;	/* US letter, else A4 */
	int		 maxdials;	/* <= 0: server default */
	int		 maxtries;	/* <= 0: server default */
	int		 lifetime_s;	/* LASTTIME; <= 0: server default */
	const char	*notifyaddr;	/* NULL: NOTIFY none */
};

/*
 * Uploads the document (TYPE I, MODE S, STRU F, FORM TIFF, PASV, STOT),
 * then JNEW, the JPARMs (with JOBINFO = tag) and JPARM DOCUMENT, JSUBM.
 * On success *jobid is the server's job id, allocated, caller frees.
 * A value the protocol cannot carry (a quote, '|', control characters)
 * in dialstring/owner/tag/notifyaddr gives FAXERR_REJECTED before
 * anything is sent; touser is sanitised instead.
 */
int	hfx_submit(struct hfx_conn *, const struct hfx_job_req *,
	    char **jobid, struct fax_err *);

enum hfx_state {
	HFX_UNKNOWN = 0,
	HFX_PENDING,
	HFX_SLEEPING,
	HFX_BLOCKED,
	HFX_READY,
	HFX_ACTIVE,
	HFX_DONE,
	HFX_FAILED,
	HFX_SUSPENDED
};
const char	*hfx_state_name(enum hfx_state);

/* Every pointer member is allocated (or NULL); hfx_job_free() frees them. */
struct hfx_job {
	char		*jobid;
	char		*tag;
	enum hfx_state	 state;
	char		*status;	/* server's text: "No local dialtone" */
	/* pages sent/total, dials made/limit, tries made/limit (%P %D %T) */
	int		 npages, totpages, ndials, totdials, ntries, tottries;
	char		*modem;
	char		*commid;
	char		*remote_csid;	/* HylaFAX does not report it: NULL */
	char		*number;
};
/* Frees the members and zeroes the struct (not the struct itself). */
void	hfx_job_free(struct hfx_job *);

/*
 * JOB n and JPARM queries.  Fills *job (caller frees with hfx_job_free()).
 * FAXERR_NOTFOUND when the server says the job does not exist.
 */
int	hfx_job_status(struct hfx_conn *, const char *jobid, struct hfx_job *,
	    struct fax_err *);
/*
 * Looks for the job whose JOBINFO is tag in the send queue, then in the
 * done queue.  Returns 1 and fills *job (caller frees) when found, 0 when
 * not found, -1 on error.  The daemon calls this before submitting again
 * after a restart or a lost connection, so a fax is never sent twice.
 */
int	hfx_find_tag(struct hfx_conn *, const char *tag, struct hfx_job *,
	    struct fax_err *);
/* JKILL. */
int	hfx_job_kill(struct hfx_conn *, const char *jobid, struct fax_err *);

/*
 * One modem from LIST status (the scheduler line is skipped).
 * busy: 0 only when the status is "Running and idle" and a faxgetty runs
 * for it; anything else (Sending job, Receiving, Answering the phone,
 * Initializing server, Waiting for modem to come ready/free, Listening to
 * rings, no faxgetty) counts as busy: the line cannot take a job now.
 * LIST status does not show ModemReadyState (a receive-only modem set to
 * "D" looks idle), so whether a modem dials out is the config's business.
 */
struct hfx_modem {
	char	*name;
	char	*number;
	char	*status;
	int	 busy;
};
/* *modems is an allocated array of *n entries; free with hfx_modems_free. */
int	hfx_modems(struct hfx_conn *, struct hfx_modem **, size_t *n,
	    struct fax_err *);
void	hfx_modems_free(struct hfx_modem *, size_t);

/* One received fax from LIST recvq; all strings allocated. */
struct hfx_recv {
	char	*file;		/* "fax000000001.tif", relative to recvq */
	char	*time;		/* "2024:01:31 12:00:00"-style, GMT */
	char	*csid;		/* TSI */
	int	 pages;
	char	*caller;	/* CallID1 */
	char	*called;	/* CallID2 (DID) */
	char	*subaddr;
	char	*error;		/* empty when the reception was clean */
	int	 receiving;	/* still being received: leave it alone */
	long	 size;
	int	 vres;
	int	 bitrate;
	char	*format;	/* "2-D MMR" */
	char	*modem;		/* NULL: not in the listing */
};
/* *recvs is an allocated array of *n entries; free with hfx_recvq_free. */
int	hfx_recvq(struct hfx_conn *, struct hfx_recv **, size_t *n,
	    struct fax_err *);
void	hfx_recvq_free(struct hfx_recv *, size_t);
/*
 * TYPE I, PASV, RETR recvq/FILE into dest_path through a temp file beside
 * it, fsync and rename: dest_path is either complete or untouched.
 */
int	hfx_retrieve(struct hfx_conn *, const char *file, const char *dest_path,
	    struct fax_err *);
/* ADMIN (once per session), then DELE recvq/FILE. */
int	hfx_delete_recv(struct hfx_conn *, const char *file, struct fax_err *);

/* ------------------------------------------------------------------ */
/* Protocol layer (fax-hylafax-proto.c), for the socket layer and tests. */

/* One complete reply: code and the text of its lines joined by '\n'. */
struct hfx_reply {
	int	 code;
	char	*text;		/* allocated; first line without "nnn-" */
};
void	hfx_reply_free(struct hfx_reply *);

/* Incremental reply parser; holds no pointer to the caller's bytes. */
struct hfx_rparser {
	char		 line[HFX_LINE_MAX + 1];
	size_t		 linelen;
	int		 code;		/* of the reply in progress, 0: none */
	int		 multi;		/* saw "nnn-" */
	size_t		 nlines;
	struct buf	 text;
	int		 done;
};
void	hfx_rp_init(struct hfx_rparser *);
void	hfx_rp_free(struct hfx_rparser *);
/*
 * Feeds up to len bytes; *used says how many were consumed (the parser
 * stops right after a complete reply so that the rest stays for the next
 * one).  Returns 1 when a reply is complete (take it with hfx_rp_take()),
 * 0 when more bytes are needed, -1 on a malformed or oversized reply
 * (*cause allocated; the parser must then be reset with hfx_rp_init()
 * after hfx_rp_free()).
 */
int	hfx_rp_feed(struct hfx_rparser *, const char *, size_t, size_t *used,
	    char **cause);
/* Moves the complete reply to *r (caller frees) and readies the parser. */
void	hfx_rp_take(struct hfx_rparser *, struct hfx_reply *);

/*
 * The class a reply falls in when the code is not the expected one:
 * 421 -> CONNECT, other 4xx -> TEMPORARY, 5xx -> fivexx, anything else
 * -> PROTOCOL.
 */
enum fax_errclass hfx_reply_class(int code, enum fax_errclass fivexx);
/* Sets err (cls and an allocated msg "server S: VERB: nnn text"). */
void	hfx_err_reply(struct fax_err *, const char *server, const char *verb,
	    const struct hfx_reply *, enum fax_errclass fivexx);
void	hfx_err_set(struct fax_err *, enum fax_errclass, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* "227 Entering passive mode (h1,h2,h3,h4,p1,p2)": the port. */
int	hfx_parse_pasv(const char *text, int *port, char **cause);
/* "New job created: jobid: 3 groupid: 3.": jobid allocated. */
int	hfx_parse_jnew(const char *text, char **jobid, char **cause);
/* "FILE: /tmp/doc3.tif (...)" from the STOT 150/226: path allocated. */
int	hfx_parse_stot(const char *text, char **file, char **cause);
/* "(3002 bytes)" in a RETR 150: the size, or -1 when not given. */
long	hfx_parse_bytes(const char *text);

/* The formats the driver sets, and their one-line parsers. */
#define HFX_JOBFMT	"%j|%a|%P|%D|%T|%m|%W|%e|%J|%s"
#define HFX_MDMFMT	"%m|%z|%n|%s"
/* Free text goes last: extra '|' in a line belong to the last field. */
#define HFX_RCVFMT	"%f|%Y|%p|%z|%n|%r|%b|%d|%j|%i|%a|%s|%e"
enum hfx_state	hfx_state_from_letter(int);
enum hfx_state	hfx_state_from_name(const char *);
int	hfx_parse_job_line(const char *, struct hfx_job *, char **cause);
int	hfx_parse_modem_line(const char *, struct hfx_modem *, char **cause);
int	hfx_parse_recv_line(const char *, struct hfx_recv *, char **cause);
/* 1 when a recvq file name is safe in a path: [A-Za-z0-9._-], no dot first. */
int	hfx_recv_name_ok(const char *);
/* 1 when a LIST status line is the scheduler's, not a modem's. */
int	hfx_is_scheduler_line(const char *);
/*
 * Splits a LIST answer into lines (CRLF or LF; empty lines skipped) and
 * calls fn on each; stops with -1 when a line is longer than
 * HFX_LISTLINE_MAX or contains NUL, or when fn returns -1.
 */
int	hfx_list_lines(const char *, size_t,
	    int (*fn)(const char *, void *, char **), void *, char **cause);

/*
 * The JPARM commands for a request, in order, without DOCUMENT.  *cmds is
 * an allocated array of *n allocated strings (free each, then the array).
 * -1 with *cause when a value cannot be sent.
 */
int	hfx_job_commands(const struct hfx_job_req *, char ***cmds, size_t *n,
	    char **cause);
/* 1 when s can be sent inside "..." (printable, no '"', '\\' or '|'). */
int	hfx_arg_ok(const char *s);

#endif
