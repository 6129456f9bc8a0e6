/*
 * msg.h: a user's mail read into an intake request.  msg_parse() is a pure
 * function of the raw message bytes (libetpan's RFC 5322/2045 parser under
 * our hard limits); it does no I/O and keeps no state, so it is safe from
 * any thread.
 *
 * Limits are enforced before the expensive work: the message size first,
 * then the header size, then a cheap scan of the MIME structure (nesting
 * depth, number of parts, size of every part header) before libetpan
 * builds its tree, then each part's decoded size before it is kept.
 *
 * Documents: image/tiff parts; parts of any type whose content is TIFF, PDF
 * or PostScript (decided by content, see doc_sniff()); parts named
 * .tif or .tiff; parts labelled application/pdf or application/postscript.
 * A labelled document whose content is none of these is still returned,
 * with kind DOC_OTHER, so that the page pipeline can say it is corrupt.
 * Text parts of the body are not documents.  multipart/alternative: only
 * the richest (last) alternative that holds a document is read, none when
 * no alternative holds one.  Other parts (a signature logo, a .docx) are
 * described in ignored[].  Nested message/rfc822 parts are read too.
 */
#ifndef FAXHUB_MSG_H
#define FAXHUB_MSG_H

#include <stddef.h>

#include "util.h"		/* enum doc_kind */

#define MSG_TEXT_MAX		(64 * 1024)	/* msg.text is cut here */
#define MSG_PASSWORD_MAX	256		/* longer [pw:...]: ignored */
#define MSG_RCPTS_MAX		1000		/* To/Cc and Delivered-To */

/* Site limits, from the configuration. */
struct msg_limits {
	size_t	message_size;		/* whole raw message, bytes */
	size_t	header_size;		/* header of the message and of every
					   MIME part, bytes */
	size_t	attachment_size;	/* every decoded part, bytes */
	int	mime_depth;		/* multipart/message nesting levels */
	int	mime_parts;		/* MIME entities, the message included */
};

/* One document; all memory owned by struct msg. */
struct msg_doc {
	char		*name;		/* decoded file name (RFC 2047/2231,
					   UTF-8, no directory part), or
					   "attachment-N" (N = index + 1) */
	char		*content_type;	/* "image/tiff", lower-case */
	enum doc_kind	 kind;		/* by content */
	unsigned char	*data;		/* decoded body */
	size_t		 len;
};

/*
 * A parsed message.  Every pointer is allocated and owned by the struct,
 * released by msg_free().  Strings are UTF-8 (invalid bytes become '?').
 */
struct msg {
	char		*message_id;	/* without <>, or NULL */
	char		*from;		/* the one From addr-spec, lower-case;
					   NULL when absent, unparsable or
					   naming several mailboxes */
	char		*from_name;	/* display name, decoded, or NULL */
	char		*return_path;	/* topmost Return-Path addr-spec; ""
					   for <>; NULL when absent */
	char		*subject;	/* decoded; "" when absent */
	char		*password;	/* from "[pw:...]" in the Subject, or
					   NULL */
	char		*subject_clean;	/* subject without any [pw:...] */
	char		**to_cc;	/* To and Cc addr-specs, as written */
	size_t		 nto_cc;
	char		**delivered_to;	/* Delivered-To and X-Original-To */
	size_t		 ndelivered;
	char		*authres;	/* topmost Authentication-Results
					   value, unfolded, or NULL */
	int		 auto_submitted; /* present and not "no" */
	int		 bulk;		/* Precedence: bulk, list or junk */
	char		*references;	/* References for a reply: the
					   message's References and its
					   Message-ID, "<a> <b>", or NULL */
	char		*text;		/* first text/plain body part,
					   decoded, at most MSG_TEXT_MAX
					   bytes, or NULL */
	struct msg_doc	*docs;
	size_t		 ndocs;
	char		**ignored;	/* "logo.png (image/png, inline image,
					   not a fax document)" */
	size_t		 nignored;
};

enum msg_err {
	MSG_OK = 0,
	MSG_ETOOBIG,		/* message larger than message_size */
	MSG_EHEADER,		/* a header larger than header_size */
	MSG_EDEPTH,		/* nesting deeper than mime_depth */
	MSG_EPARTS,		/* more than mime_parts entities */
	MSG_EATTACH,		/* a part larger than attachment_size */
	MSG_EMALFORMED		/* not a parsable mail */
};

/*
 * Parses raw[0..len).  0 with *m filled (caller calls msg_free), or -1
 * with *err set, *cause allocated (caller frees) and *m zeroed.
 * Example cause: "more than 100 MIME parts".
 */
int	msg_parse(const char *raw, size_t len, const struct msg_limits *,
	    struct msg *m, enum msg_err *err, char **cause);
/* Releases everything *m holds (not m itself); safe on a zeroed struct. */
void	msg_free(struct msg *m);
/* A short English name of an error ("message too large"). */
const char *msg_err_name(enum msg_err);

/*
 * Fax recipients: the local parts of To/Cc addresses whose domain is in
 * domains (NULL-terminated); when there is none, those of Delivered-To /
 * X-Original-To (a Bcc).  Duplicates (exact, case-insensitive) removed,
 * order kept.  Always returns 0 and sets *n; *locals is an allocated array
 * of allocated strings (caller frees with msg_strings_free()), NULL when
 * *n is 0.
 */
int	msg_fax_recipients(const struct msg *, char *const *domains,
	    char ***locals, size_t *n);
/* Frees an array from msg_fax_recipients(). */
void	msg_strings_free(char **, size_t);

/*
 * 0 when the sender must never get an automatic answer: a null return
 * path, MAILER-DAEMON (return path or, without one, From), no address at
 * all, Auto-Submitted other than "no", Precedence bulk/list/junk.
 * 1 otherwise.
 */
int	msg_may_reply(const struct msg *);

#endif
