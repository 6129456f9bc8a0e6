/*
 * report.h: the words users read.  Builds every mail faxhub writes to a
 * person: the report on sent faxes, the refusal of a mail that could not
 * become a fax, and the mail carrying a received fax.
 *
 * Pure functions: they read only their arguments (and attachment files
 * when given a path) and return an allocated CRLF message (see
 * mail-compose.h) that the caller frees.  Texts are short lines meant to
 * read well on a phone.  No password or hash is ever written: callers pass
 * no secrets, and as a second guard any "[pw:...]" in a quoted subject is
 * shown as "[pw:***]".  All strings are UTF-8; hostile values (CR/LF in a
 * subject, number or CSID) are neutralised by mail-compose.
 *
 * Thread-safe.
 */
#ifndef FAXHUB_REPORT_H
#define FAXHUB_REPORT_H

#include <stddef.h>
#include <time.h>

/* Addressing common to every mail. */
struct report_envelope {
	const char	*from;		/* gateway address, e.g. fax@example */
	const char	*from_name;	/* NULL: "Fax gateway" */
	const char	*to;		/* the user's address */
	const char	*instance;	/* for Message-ID; NULL ok */
	time_t		 date;		/* Date header; 0 = now */
	/* The user's mail being answered (NULL when not a reply). */
	const char	*orig_subject;
	const char	*orig_message_id;	/* "<id>" */
	const char	*orig_references;	/* its References header */
};

/* Why a fax did not go out, in classes a person understands. */
enum report_why {
	WHY_NONE = 0,		/* sent */
	WHY_BUSY,		/* line busy */
	WHY_NO_ANSWER,		/* rang out */
	WHY_NO_FAX,		/* answered, but not a fax machine */
	WHY_LINE_ERROR,		/* call dropped / transmission errors */
	WHY_BAD_NUMBER,		/* number does not exist */
	WHY_DOC_REFUSED,	/* the fax server refused the document */
	WHY_NO_SERVER,		/* no fax server could take the job */
	WHY_CANCELLED,		/* cancelled by an administrator */
	WHY_TIMEOUT,		/* gave up after the retry limits */
	WHY_OTHER
};

/* One destination of a sent fax (all strings borrowed). */
struct report_dest {
	const char	*number_typed;	/* as the user wrote it */
	const char	*number_dialled;/* what the fax server dialled */
	int		 ok;		/* 1 sent, 0 failed */
	enum report_why	 why;
	const char	*detail;	/* the fax server's words, or NULL */
	int		 pages_sent;
	int		 pages_total;
	time_t		 start;		/* 0 = unknown */
	long		 duration;	/* seconds, < 0 = unknown */
	const char	*server;	/* fax server name */
	const char	*csid;		/* remote CSID, or NULL */
	int		 attempts;	/* dials; 0 = unknown */
	const char	*job_id;	/* faxhub job id */
};

/*
 * A report on sent faxes: one destination, or a combined report for a
 * broadcast (the caller decides what to pass).  preview: first page as
 * PNG, or NULL.
 */
struct report_outbound {
	struct report_envelope	 env;
	const char		*broadcast_id;	/* NULL when not a broadcast */
	const struct report_dest *dest;
	size_t			 ndest;		/* >= 1 */
	const void		*preview_png;
	size_t			 preview_len;
	const char		*notes;		/* what was done to the document,
					   parts ignored; NULL: none */
};

/*
 * Headers: Auto-Submitted: auto-replied; In-Reply-To/References;
 * X-Faxhub-Status: ok|failed|partial (all sent | none | some);
 * X-Faxhub-Job, X-Faxhub-Pages ("sent/total"), X-Faxhub-Results
 * ("ok"|"failed") and X-Faxhub-Number (one destination) or
 * X-Faxhub-Numbers (several): comma-separated lists in the order of dest;
 * X-Faxhub-Broadcast when broadcast_id is set.
 * Returns the message (caller frees), or NULL with *cause set (bad
 * address, ndest 0).
 */
char	*report_outbound(const struct report_outbound *, size_t *len,
	    char **cause);

/* Why a user's mail was refused at intake. */
enum refusal {
	REFUSE_UNKNOWN_SENDER = 0,
	REFUSE_NOT_AUTHENTICATED,
	REFUSE_NO_RECIPIENT,
	REFUSE_BAD_NUMBER,
	REFUSE_BARRED_NUMBER,
	REFUSE_NO_ATTACHMENT,
	REFUSE_BAD_DOCUMENT,
	REFUSE_TOO_LARGE,
	REFUSE_MALFORMED,
	REFUSE_DISABLED_USER,
	REFUSE_AUTOMATIC	/* never answered: only logged */
};

struct report_refusal {
	struct report_envelope	 env;
	enum refusal		 reason;
	const char		*value;		/* the bad value, or NULL */
	const char		*detail;	/* more words, or NULL */
	const char		*fax_domain;	/* for the example address */
	const char		*limit;		/* "10 MB" for TOO_LARGE */
};

/*
 * Subject "Fax not sent: <short reason>"; the body says what was wrong,
 * the bad value and what to do, and quotes the original Subject and
 * Message-ID.  Auto-Submitted: auto-replied, In-Reply-To/References,
 * X-Faxhub-Status: refused, X-Faxhub-Reason: <keyword>.
 * Returns the message (caller frees) or NULL with *cause.
 */
char	*report_refusal(const struct report_refusal *, size_t *len,
	    char **cause);
/* Short words for a refusal ("unknown sender"), and a keyword. */
const char *report_refusal_short(enum refusal);
const char *report_refusal_keyword(enum refusal);
/* Plain words for a failure class ("The line was busy."). */
const char *report_why_text(enum report_why);

/* A file to attach: bytes in memory, or read from path when data NULL. */
struct report_file {
	const char	*content_type;	/* "application/pdf", "image/tiff" */
	const char	*filename;
	const void	*data;
	size_t		 len;
	const char	*path;
};

/* A received fax, mailed to one user (all strings borrowed). */
struct report_inbound {
	struct report_envelope	 env;	/* orig_* unused */
	const char		*fax_id;	/* faxhub's id for the fax */
	const char		*csid;		/* sender's TSI/CSID or NULL */
	const char		*caller;	/* caller number or NULL */
	const char		*caller_name;	/* or NULL */
	const char		*called;	/* called number (DID) */
	const char		*server;	/* receiving fax server */
	int			 pages;
	time_t			 received;	/* 0 = unknown */
	long			 duration;	/* seconds, < 0 unknown */
	const char		*error;		/* reception error or NULL */
	const struct report_file *files;
	size_t			 nfiles;
	const void		*preview_png;
	size_t			 preview_len;
};

/*
 * Subject "Fax from <csid or caller> (<pages> pages)"; body with sender
 * CSID, caller, called number, pages, time and any reception error;
 * Auto-Submitted: auto-generated; X-Faxhub-Fax, X-Faxhub-Pages,
 * X-Faxhub-Status: ok|error.  Returns 0 and the message in *out (caller
 * frees), or -1 with *cause (unreadable file, over a limit, bad address).
 */
int	report_inbound(const struct report_inbound *, char **out, size_t *len,
	    char **cause);

#endif
