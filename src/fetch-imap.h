/*
 * fetch-imap.h: the IMAP intake client (libetpan) of faxhubd.
 *
 * One struct imap_conn is one logged-in session with one selected mailbox.
 * A connection is used by one thread at a time; different connections may
 * be used by different threads at once (no state is shared between them;
 * the one process-wide initialisation runs under pthread_once).  The
 * process must ignore SIGPIPE (writes to a closed socket).
 *
 * Timeouts: every network read and write of a session is bounded by
 * imap_params.timeout seconds (connect, TLS handshake, each command).
 * libetpan's global mailstream_network_delay is never used: the stream is
 * opened with the per-stream *_timeout constructors
 * (mailstream_socket_open_timeout, mailstream_ssl_open_with_callback_timeout,
 * mailstream_low_tls_open_with_callback_timeout) and mailimap_set_timeout().
 *
 * Errors: functions returning int give 0 (or a count) on success and -1 on
 * failure with *cause set to an allocated message naming the server and
 * what failed (caller frees).  After a failure of class IMAP_ECONNECT the
 * connection is unusable: close it and reconnect with backoff.
 */
#ifndef FAXHUB_FETCH_IMAP_H
#define FAXHUB_FETCH_IMAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum imap_tls {
	IMAP_TLS_NONE,		/* plain text: only when configured */
	IMAP_TLS_STARTTLS,	/* port 143, STARTTLS before LOGIN */
	IMAP_TLS_TLS		/* IMAPS, port 993 */
};

/* All strings are borrowed for the duration of imap_open() only. */
struct imap_params {
	const char	*host;
	int		 port;
	enum imap_tls	 tls;
	const char	*ca_file;	/* PEM; NULL: system trust store */
	const char	*user;
	const char	*password;
	const char	*mailbox;
	int		 timeout;	/* seconds, for every command */
};

enum imap_errclass {
	IMAP_ECONNECT,		/* network, timeout, TLS: retry with backoff */
	IMAP_EAUTH,		/* LOGIN refused */
	IMAP_EPROTO,		/* server said something unexpected */
	IMAP_ENOMAILBOX		/* SELECT refused */
};

struct imap_conn;

/*
 * Connects (plain, STARTTLS or IMAPS), verifies the server certificate
 * against params->ca_file and params->host before anything else is sent
 * (refused with a cause naming host, port and why), logs in, reads
 * CAPABILITY and selects params->mailbox.  On success *connp is a new
 * connection owned by the caller (release with imap_close()).  On failure
 * returns -1 with *class and *cause set, e.g.
 * "imap 127.0.0.1:10993: certificate verify failed: signer not found".
 */
int	imap_open(const struct imap_params *, struct imap_conn **connp,
	    enum imap_errclass *class, char **cause);

/* Logs out (best effort) and frees the connection; NULL is ignored. */
void	imap_close(struct imap_conn *);

/* UIDVALIDITY of the selected mailbox (0 if the server sent none). */
uint32_t imap_uidvalidity(const struct imap_conn *);

/* Whether the server advertised cap (case-insensitive, e.g. "IDLE"). */
int	imap_has_capability(const struct imap_conn *, const char *cap);

/* Messages in the selected mailbox, as the server last said (EXISTS). */
uint32_t imap_exists(const struct imap_conn *);

/* Allows (default) or forbids IDLE in imap_wait(). */
void	imap_set_idle(struct imap_conn *, int enabled);

/*
 * UID SEARCH UNDELETED in the selected mailbox.  *uids (allocated, caller
 * frees; NULL when *n is 0) holds the UIDs in ascending order.  At most
 * IMAP_MAX_UIDS are returned (the lowest ones).
 */
#define IMAP_MAX_UIDS	100000
int	imap_uids(struct imap_conn *, uint32_t **uids, size_t *n,
	    char **cause);

/*
 * Fetches message uid without setting \Seen.  RFC822.SIZE is asked first:
 * when it is larger than max, *toobig is 1 and only the header
 * (BODY.PEEK[HEADER], itself bounded by max) is returned in *raw;
 * otherwise *toobig is 0 and *raw holds the whole message byte-exact
 * (BODY.PEEK[]).  *raw is allocated, NUL-terminated after *len bytes, and
 * owned by the caller.  A server that answers with a literal larger than
 * max is refused (IMAP_ECONNECT class: the connection is dropped).
 * A uid that no longer exists gives -1 with a cause saying so.
 */
int	imap_fetch(struct imap_conn *, uint32_t uid, size_t max, char **raw,
	    size_t *len, int *toobig, char **cause);

/*
 * One message of imap_fetch_batch(): found is 0 when the server no longer
 * has it (expunged meanwhile); raw is NULL when it sent no body for it.
 */
struct imap_msg {
	uint32_t	 uid;
	int		 found;
	size_t		 size;		/* RFC822.SIZE */
	char		*raw;		/* NUL-terminated after len bytes */
	size_t		 len;
	int		 toobig;	/* size > max: raw is the header */
};

/*
 * imap_fetch() of n messages (uids ascending) in few commands: one UID
 * FETCH RFC822.SIZE for all of them, then one UID FETCH BODY.PEEK[] per
 * run of consecutive messages within max whose sizes add up to at most
 * max bytes (so at most about max bytes are held per command), and the
 * header of each message over max on its own.  *msgs (n entries, in the
 * order of uids) is the caller's, freed with imap_msgs_free().  A message
 * gone from the server is not an error: its entry says so.
 */
int	imap_fetch_batch(struct imap_conn *, const uint32_t *uids, size_t n,
	    size_t max, struct imap_msg **msgs, char **cause);
void	imap_msgs_free(struct imap_msg *, size_t n);

/* Creates folder unless it exists (LIST, then CREATE). */
int	imap_ensure_folder(struct imap_conn *, const char *folder,
	    char **cause);

/*
 * Moves message uid to folder: UID MOVE when MOVE is advertised, else
 * UID COPY + UID STORE +FLAGS.SILENT (\Deleted) + UID EXPUNGE (UIDPLUS) or,
 * without UIDPLUS, EXPUNGE.
 */
int	imap_move(struct imap_conn *, uint32_t uid, const char *folder,
	    char **cause);
/* The same for n messages at once (one UID MOVE of the set). */
int	imap_move_set(struct imap_conn *, const uint32_t *uids, size_t n,
	    const char *folder, char **cause);

/*
 * Moves every message whose Message-ID header is msgid (the copies one
 * mail becomes when the MTA delivers it once per fax number) from folder
 * from to folder to, then selects mailbox again (also after a failure of
 * class IMAP_EPROTO, so that the caller's selection is kept).  Returns the
 * number of messages moved (0 when none matched), or -1.  Matching is IMAP
 * SEARCH HEADER, a substring match: the angle brackets of msgid make it
 * exact in practice.  msgid must be printable ASCII, at most 998 bytes.
 */
int	imap_move_msgid(struct imap_conn *, const char *from,
	    const char *msgid, const char *to, const char *mailbox,
	    char **cause);

/*
 * Waits for news in the selected mailbox: with IDLE (advertised and
 * enabled) until the server reports EXISTS or RECENT, max_seconds pass or
 * *stop becomes non-zero (checked at least once a second), then DONE.
 * Without IDLE: sleeps in 1 s steps checking *stop, then NOOP.  Returns 1
 * when something changed, 0 on timeout or stop, -1 on error (the
 * connection is then unusable).  stop may be NULL; another thread may
 * set it (an atomic, read without any lock).
 */
int	imap_wait(struct imap_conn *, int max_seconds,
	    const atomic_int *stop, char **cause);

/* Class of the last failure on this connection (IMAP_ECONNECT after a
 * network error or timeout, IMAP_EPROTO when the server said NO/BAD). */
enum imap_errclass imap_last_errclass(const struct imap_conn *);

#endif
