/*
 * mail-parse.h: a user's mail read into an intake request.  msg_parse() is a pure
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
#ifndef FAXHUB_MAIL_PARSE_H
#define FAXHUB_MAIL_PARSE_H

#include <stddef.h>

#include "util.h"		/* enum doc_kind */

/* msg.text is cut at MSG_TEXT_MAX bytes. */
#define MSG_TEXT_MAX		(64 * 1024)
#define MSG_RCPTS_MAX		1000	/* To/Cc, and Delivered-To */

/*
 * Site limits, from the configuration.  header_size applies to the header
 * of the message and of every MIME part; attachment_size to every decoded
 * part; mime_depth counts multipart and message/rfc822 nesting levels;
 * mime_parts counts MIME entities, the message itself included.
 */
struct msg_limits {
	size_t	message_size;
	size_t	header_size;
	size_t	attachment_size;
	int	mime_depth;
	int	mime_parts;
};

/*
 * One document; all memory owned by struct msg.  name: the decoded file
 * name (RFC 2047/2231, UTF-8, no directory part) or "attachment-N" (N =
 * index + 1).  content_type: the label, lower-case ("image/tiff").  kind:
 * what the content is.  data/len: the decoded body.
 */
struct msg_doc {
	char		*name;
	char		*content_type;
	enum doc_kind	 kind;
	unsigned char	*data;
	size_t		 len;
};

/*
 * A parsed message.  Every pointer is allocated and owned by the struct,
 * released by msg_free().  Strings are UTF-8 (invalid bytes become '?').
 *
 * message_id	without <>, or NULL
 * from		the one From addr-spec, lower-case; NULL when absent,
 *		unparsable, given twice or naming several mailboxes
 * from_name	display name, decoded, or NULL
 * return_path	topmost Return-Path addr-spec, lower-case; "" for <>; NULL
 *		when absent
 * subject	decoded; "" when absent
 * password	NULL from msg_parse(); auth_take_password() fills it from
 *		"[pw:...]" in the Subject (blanks trimmed)
 * subject_clean  NULL from msg_parse(); auth_take_password() fills it
 *		with the subject without any [pw:...] token
 * to_cc	To and Cc addr-specs, as written
 * delivered_to	Delivered-To and X-Original-To addr-specs
 * authres	the topmost Authentication-Results value, unfolded, or NULL
 * auto_submitted  Auto-Submitted present and not "no"
 * bulk		Precedence: bulk, list or junk
 * list_id	a List-Id header is present (mail from a mailing list)
 * references	the thread a reply continues: the message's References,
 *		else its In-Reply-To, "<a> <b>" (without its own Message-ID),
 *		or NULL
 * text		the first text/plain body part, decoded, or NULL; a mail
 *		with only an HTML body: its text (html_to_text())
 * ignored	"logo.png (image/png, inline image, not a fax document)"
 */
struct msg {
	char		*message_id;
	char		*from;
	char		*from_name;
	char		*return_path;
	char		*subject;
	char		*password;
	char		*subject_clean;
	char		**to_cc;
	size_t		 nto_cc;
	char		**delivered_to;
	size_t		 ndelivered;
	char		*authres;
	int		 auto_submitted;
	int		 bulk;
	int		 list_id;
	char		*references;
	char		*text;
	struct msg_doc	*docs;
	size_t		 ndocs;
	char		**ignored;
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

/* Frees an array of allocated strings (n of them) and the array. */
void	msg_strings_free(char **, size_t);

/*
 * mail-html.c: the text of UTF-8 HTML: tags removed, block ends as line
 * ends, script/style/head left out, entities decoded, blanks collapsed.
 * Allocated, NUL-terminated, ends with one newline.
 */
char	*html_to_text(const char *html, size_t len);

#endif
