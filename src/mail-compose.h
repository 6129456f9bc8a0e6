/*
 * mail-compose.h: a small MIME builder for the mails faxhub writes.
 *
 * Output is an RFC 5322 / MIME message with CRLF line endings only, every
 * line at most 998 octets (headers folded near 78), 7-bit clean:
 *   - header values are UTF-8 text; non-ASCII values are RFC 2047
 *     encoded words; CR, LF and other control characters in a value are
 *     turned into spaces, so no value can start a header of its own;
 *   - the text part is text/plain; charset=UTF-8, quoted-printable;
 *   - attachments are base64, their file names RFC 2231 encoded when not
 *     plain ASCII;
 *   - Date, Message-ID (<random@instance>) and MIME-Version are added when
 *     the caller did not set them.
 * Every input has a hard cap (MAIL_MAX_*): longer values are cut at a
 * UTF-8 character boundary.  Invalid UTF-8 bytes become U+FFFD.
 *
 * Thread-safe: no static mutable state; a struct mail belongs to one
 * thread at a time.
 */
#ifndef FAXHUB_MAIL_COMPOSE_H
#define FAXHUB_MAIL_COMPOSE_H

#include <stddef.h>
#include <time.h>

struct buf;

#define MAIL_MAX_HEADER_VALUE	4096		/* bytes of one value */
#define MAIL_MAX_HEADERS	64
#define MAIL_MAX_TEXT		(1024 * 1024)	/* body text */
#define MAIL_MAX_ATTACHMENTS	16
#define MAIL_MAX_ATTACHMENT	(64 * 1024 * 1024)
#define MAIL_MAX_FILENAME	200		/* bytes, after sanitising */
#define MAIL_MAX_ADDRESS	254

struct mail;

/* A new, empty mail; free with mail_free(). */
struct mail	*mail_new(void);
void		 mail_free(struct mail *);

/*
 * Adds an unstructured header (Subject, X-...): value is UTF-8 text,
 * copied.  The header name must be a constant of the caller's (letters,
 * digits, '-'); a bad name is a programming error (fatalx).
 */
void	mail_add_text_header(struct mail *, const char *name,
	    const char *value);

/*
 * Adds an address header (From, To, Reply-To): display name (UTF-8, may be
 * NULL or "") and addr-spec, both copied.  Returns -1 with *cause set
 * (caller frees) when addr is not a plausible addr-spec (empty, too long,
 * no '@', spaces, controls, <>,"() or non-ASCII).
 */
int	mail_add_addr_header(struct mail *, const char *name,
	    const char *display, const char *addr, char **cause);

/*
 * Adds a message-id list header (In-Reply-To, References): ids is a
 * string holding one or more "<id>" tokens as found in the user's mail;
 * every token that is a well-formed msg-id is kept once (a repeat is
 * dropped), anything else dropped.  Nothing is added when no valid id
 * remains.
 */
void	mail_add_msgid_header(struct mail *, const char *name,
	    const char *ids);

/* The Date header's time (default: the time of mail_render()). */
void	mail_set_date(struct mail *, time_t);

/*
 * The Message-ID to use, "<...>" (copied); default: a new random one from
 * mail_make_message_id() with the instance passed to mail_render().
 */
void	mail_set_message_id(struct mail *, const char *);

/* The text part (UTF-8, copied); any of LF, CR, CRLF ends a line. */
void	mail_set_text(struct mail *, const char *text);

/*
 * Adds an attachment: content_type like "application/pdf" (a constant of
 * the caller's), filename in UTF-8 (any path is removed; may be NULL),
 * inline = 1 for Content-Disposition: inline (a preview picture).  The
 * bytes are copied.  Returns -1 with *cause when over MAIL_MAX_ATTACHMENT
 * or MAIL_MAX_ATTACHMENTS.
 */
int	mail_add_attachment(struct mail *, const char *content_type,
	    const char *filename, const void *data, size_t len, int inline_,
	    char **cause);

/*
 * Renders the message.  instance names this faxhub (right-hand side of
 * generated Message-IDs; NULL gives "faxhub.invalid").  Returns an
 * allocated NUL-terminated CRLF message, its length in *len; caller frees.
 */
char	*mail_render(struct mail *, const char *instance, size_t *len);

/* The Message-ID render will use / used ("<...>"), or NULL if not set. */
const char *mail_message_id(const struct mail *);

/* --- building blocks, exported for other modules and the tests --- */

/* A new "<32 hex random@instance>"; caller frees. */
char	*mail_make_message_id(const char *instance);
/* RFC 5322 date for t in local time ("Tue, 24 Nov 2026 13:10:05 +0900");
 * writes at most size bytes to out, returns out. */
char	*mail_format_date(time_t, char *out, size_t size);
/* Appends the header "name: value" folded and, if needed, RFC 2047
 * encoded, ending with CRLF. */
void	mail_fold_text_header(struct buf *, const char *name,
	    const char *value);
/* Appends quoted-printable (lines end CRLF) of UTF-8 text. */
void	mail_encode_qp(struct buf *, const char *text, size_t len);
/* Appends base64 in 76-column CRLF lines. */
void	mail_encode_base64(struct buf *, const void *, size_t);
/* Copy of s with invalid UTF-8 replaced by U+FFFD, controls (including
 * CR, LF, TAB) turned into spaces and cut to at most max bytes at a
 * character boundary; caller frees. */
char	*mail_clean_utf8(const char *s, size_t max);

#endif
