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

#include "fax.h"
#include "util.h"


/* Hard limits on everything the server sends. */
#define HFX_LINE_MAX	1024		/* one control reply line */
#define HFX_REPLY_MAX	16384		/* a whole multi-line reply */
#define HFX_LIST_MAX	(4 * 1024 * 1024)	/* one LIST answer */
#define HFX_LISTLINE_MAX 4096		/* one line of a LIST answer */
#define HFX_RETR_MAX	(256L * 1024 * 1024)	/* one retrieved file */
#define HFX_ARG_MAX	256		/* any string we send as argument */


struct hfx_conn;

/*
 * Connects, reads the 220 greeting, USER, PASS (when the server answers
 * 331), TZONE GMT.  On success *conn is a live session owned by the
 * caller (release with hfx_close()).  A refused login gives FAXERR_AUTH.
 */
int	hfx_connect(const struct fax_params *, struct hfx_conn **,
	    struct fax_err *);
/* NOOP: 0 when the session is alive. */
int	hfx_alive(struct hfx_conn *, struct fax_err *);
/* QUIT (best effort, short wait), close, free.  NULL is allowed. */
void	hfx_close(struct hfx_conn *);
/* 1 while the control connection is open. */
int	hfx_connected(const struct hfx_conn *);


/*
 * Uploads the document (TYPE I, MODE S, STRU F, FORM TIFF, PASV, STOT),
 * then JNEW, the JPARMs (with JOBINFO = tag) and JPARM DOCUMENT, JSUBM.
 * On success *jobid is the server's job id, allocated, caller frees.
 * A value the protocol cannot carry (a quote, '|', control characters)
 * in dialstring/owner/tag/notifyaddr gives FAXERR_REJECTED before
 * anything is sent; touser is sanitised instead.
 */
int	hfx_submit(struct hfx_conn *, const struct fax_job_req *,
	    char **jobid, struct fax_err *);


/*
 * JOB n and JPARM queries.  Fills *job (caller frees with fax_job_free()).
 * FAXERR_NOTFOUND when the server says the job does not exist.
 */
int	hfx_job_status(struct hfx_conn *, const char *jobid, struct fax_job *,
	    struct fax_err *);
/*
 * Looks for the job whose JOBINFO is tag in the send queue, then in the
 * done queue.  Returns 1 and fills *job (caller frees) when found, 0 when
 * not found, -1 on error.  The daemon calls this before submitting again
 * after a restart or a lost connection, so a fax is never sent twice.
 */
int	hfx_find_tag(struct hfx_conn *, const char *tag, struct fax_job *,
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
 * "D" looks idle), so which modems dial out is the admin's word
 * (hfx_lines, servers table send_modems).  *modems is an allocated array
 * of *n entries; free with fax_modems_free().
 */
int	hfx_modems(struct hfx_conn *, struct fax_modem **, size_t *n,
	    struct fax_err *);

/*
 * The send side now (fax.h's lines op).  send_modems: the admin's
 * comma-separated names of the modems that dial out, or NULL.
 */
int	hfx_lines(struct hfx_conn *, const char *send_modems,
	    struct fax_lines *, struct fax_err *);

/*
 * The receive queue.  An entry shown as still arriving is listed again on
 * a fresh session (hfaxd keeps a session's first view of it).  *recvs is
 * an allocated array of *n entries; free with fax_recvq_free().
 */
int	hfx_recvq(struct hfx_conn *, struct fax_recv **, size_t *n,
	    struct fax_err *);
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
enum fax_state	hfx_state_from_letter(int);
enum fax_state	hfx_state_from_name(const char *);
int	hfx_parse_job_line(const char *, struct fax_job *, char **cause);
int	hfx_parse_modem_line(const char *, struct fax_modem *, char **cause);
int	hfx_parse_recv_line(const char *, struct fax_recv *, char **cause);
/* 1 when a recvq file name is safe in a path: [A-Za-z0-9._-], no dot first. */
int	hfx_recv_name_ok(const char *);
/*
 * What a job status text means: sets *cls (TEMPORARY, REJECTED or
 * PERMANENT) and *cause, and returns static plain words for a report, or
 * NULL for a text it does not know (then PERMANENT, FAX_CAUSE_OTHER).
 */
const char *hfx_classify(const char *status, enum fax_errclass *,
	    enum fax_cause *);
/* Sets job->cls, cause and words from its state and status text. */
void	hfx_job_classify(struct fax_job *);
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
int	hfx_job_commands(const struct fax_job_req *, char ***cmds, size_t *n,
	    char **cause);
/* 1 when s can be sent inside "..." (printable, no '"', '\\' or '|'). */
int	hfx_arg_ok(const char *s);

/* The driver (fax.h) over the functions above. */
extern const struct fax_driver fax_hylafax_driver;

#endif
