/*
 * mail-compose.c: MIME builder (see mail-compose.h).
 *
 * The output is 7-bit: header values that are not plain ASCII become RFC
 * 2047 "B" encoded words, the text is quoted-printable and attachments
 * base64.  The multipart boundary starts with "=_", which neither encoding
 * can produce, so it never collides with content.
 */
#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "mail-compose.h"
#include "util.h"
#include "xmalloc.h"

#define FOLD_AT		76	/* fold header lines before this column */
#define QP_LINE		76	/* quoted-printable line limit */
#define B64_LINE	76	/* base64 line limit (multiple of 4) */
#define MAX_MSGIDS	20	/* ids kept in References */
#define MAX_MSGID	250	/* bytes of one "<id>" */

struct mail_header {
	char	*name;
	char	*value;		/* rendered value, already folded */
};

struct mail_attachment {
	char	*type;
	char	*filename;
	char	*data;
	size_t	 len;
	int	 inline_;
};

struct mail {
	struct mail_header	 hdr[MAIL_MAX_HEADERS];
	size_t			 nhdr;
	time_t			 date;
	int			 date_set;
	char			*msgid;
	char			*text;
	struct mail_attachment	 att[MAIL_MAX_ATTACHMENTS];
	size_t			 natt;
};

/* A header being folded: the running line length. */
struct fold {
	struct buf	*b;
	size_t		 col;
	int		 first;
};

static void	 check_name(const char *);
static void	 add_header(struct mail *, const char *, char *);
static size_t	 utf8_seq(const unsigned char *, size_t, uint32_t *);
static void	 clean(struct buf *, const char *, size_t, int);
static void	 fold_start(struct fold *, struct buf *, const char *);
static void	 fold_token(struct fold *, const char *, size_t);
static void	 fold_end(struct fold *);
static void	 fold_encoded(struct fold *, const char *, size_t);
static int	 needs_encoding(const char *);
static int	 is_atext_phrase(const char *);
static int	 addr_ok(const char *);
static void	 random_hex(char *, size_t);
static char	*sanitise_filename(const char *);
static void	 render_attachment(struct buf *, const struct mail_attachment *,
		    const char *);
static void	 add_param(struct buf *, const char *, const char *, int);

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hexchars[] = "0123456789ABCDEF";

/* Names the builder writes itself: callers may not add them. */
static const char *const reserved[] = {
	"Date", "Message-ID", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "Content-Disposition"
};

struct mail *
mail_new(void)
{
	return xcalloc(1, sizeof(struct mail));
}

void
mail_free(struct mail *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nhdr; i++) {
		free(m->hdr[i].name);
		free(m->hdr[i].value);
	}
	for (i = 0; i < m->natt; i++) {
		free(m->att[i].type);
		free(m->att[i].filename);
		free(m->att[i].data);
	}
	free(m->msgid);
	free(m->text);
	free(m);
}

static void
check_name(const char *name)
{
	const char	*p;
	size_t		 i;

	if (*name == '\0' || strlen(name) > 60)
		fatalx("%s: bad header name length", __func__);
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			fatalx("%s: bad header name \"%s\"", __func__, name);
	}
	for (i = 0; i < nitems(reserved); i++) {
		if (strcasecmp(name, reserved[i]) == 0)
			fatalx("%s: header %s is set by the builder", __func__,
			    name);
	}
}

/* Takes value (a folded header line "Name: ...CRLF"). */
static void
add_header(struct mail *m, const char *name, char *value)
{
	if (m->nhdr == MAIL_MAX_HEADERS)
		fatalx("%s: more than %d headers", __func__, MAIL_MAX_HEADERS);
	m->hdr[m->nhdr].name = xstrdup(name);
	m->hdr[m->nhdr].value = value;
	m->nhdr++;
}

/*
 * Decodes one UTF-8 sequence at p (n bytes available).  Returns its length,
 * or 0 when it is not valid UTF-8 (overlong, surrogate, out of range,
 * truncated).
 */
static size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t		len, i;
	uint32_t	c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Appends a cleaned copy of s to b, at most max bytes, cut at a character
 * boundary.  multiline: line ends (CRLF, CR, LF) become "\n" and TAB is
 * kept; otherwise every control character becomes a space.  Other control
 * characters always become spaces; invalid UTF-8 becomes U+FFFD.
 */
static void
clean(struct buf *b, const char *s, size_t max, int multiline)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), start = b->len, k;
	uint32_t		 cp;
	char			 c;

	while (n > 0) {
		k = utf8_seq(p, n, &cp);
		if (k == 0) {
			if (b->len - start + 3 > max)
				break;
			buf_add(b, "\xef\xbf\xbd", 3);
			p++;
			n--;
			continue;
		}
		if (b->len - start + k > max)
			break;
		if (multiline && cp == '\r') {
			buf_add(b, "\n", 1);
			if (n > 1 && p[1] == '\n')
				k = 2;
		} else if (multiline && (cp == '\n' || cp == '\t'))
			buf_add(b, p, 1);
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029) {
			c = ' ';
			buf_add(b, &c, 1);
		} else
			buf_add(b, p, k);
		p += k;
		n -= k;
	}
}

char *
mail_clean_utf8(const char *s, size_t max)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, "");
	clean(&b, s, max, 0);
	return buf_steal(&b, NULL);
}

static void
fold_start(struct fold *f, struct buf *b, const char *name)
{
	f->b = b;
	buf_adds(b, name);
	buf_adds(b, ":");
	f->col = strlen(name) + 1;
	f->first = 1;
}

/* Appends one unbreakable token, folding before it when the line is full. */
static void
fold_token(struct fold *f, const char *tok, size_t len)
{
	if (!f->first && f->col + 1 + len > FOLD_AT) {
		buf_adds(f->b, "\r\n ");
		f->col = 1;
	} else {
		buf_adds(f->b, " ");
		f->col++;
	}
	buf_add(f->b, tok, len);
	f->col += len;
	f->first = 0;
}

static void
fold_end(struct fold *f)
{
	buf_adds(f->b, "\r\n");
}

/*
 * Appends s (clean UTF-8) as RFC 2047 B encoded words, each fitting a line
 * and never splitting a character.
 */
static void
fold_encoded(struct fold *f, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 word[80];
	size_t			 room, take, k, w, i;
	uint32_t		 cp, v;

	while (len > 0) {
		/* Bytes that fit: "=?UTF-8?B?" + 4/3 bytes + "?=". */
		if (f->first && f->col + 1 + 12 + 8 <= FOLD_AT)
			room = (FOLD_AT - f->col - 1 - 12) / 4 * 3;
		else
			room = (FOLD_AT - 1 - 12) / 4 * 3;
		take = 0;
		while (take < len) {
			k = utf8_seq(p + take, len - take, &cp);
			if (k == 0)
				k = 1;	/* cannot happen after clean() */
			if (take + k > room)
				break;
			take += k;
		}
		w = strlcpy(word, "=?UTF-8?B?", sizeof(word));
		for (i = 0; i < take; i += 3) {
			v = (uint32_t)p[i] << 16;
			if (i + 1 < take)
				v |= (uint32_t)p[i + 1] << 8;
			if (i + 2 < take)
				v |= p[i + 2];
			word[w++] = b64chars[(v >> 18) & 63];
			word[w++] = b64chars[(v >> 12) & 63];
			word[w++] = i + 1 < take ?
			    b64chars[(v >> 6) & 63] : '=';
			word[w++] = i + 2 < take ? b64chars[v & 63] : '=';
		}
		word[w++] = '?';
		word[w++] = '=';
		if (f->first && f->col + 1 + w > FOLD_AT) {
			/* Name too long for a word on its line: fold first. */
			f->first = 0;
		}
		fold_token(f, word, w);
		p += take;
		len -= take;
	}
}

/* Plain ASCII with no "=?" and no token too long to fold is kept as is. */
static int
needs_encoding(const char *s)
{
	const unsigned char	*p;
	size_t			 run = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x80 || (p[0] == '=' && p[1] == '?'))
			return 1;
		run = *p == ' ' ? 0 : run + 1;
		if (run > FOLD_AT - 10)
			return 1;
	}
	return 0;
}

void
mail_fold_text_header(struct buf *b, const char *name, const char *value)
{
	struct fold	 f;
	struct buf	 v;
	char		*s, *t, *word;

	buf_init(&v);
	buf_adds(&v, "");
	clean(&v, value, MAIL_MAX_HEADER_VALUE, 0);
	s = str_trim(v.data);
	fold_start(&f, b, name);
	if (needs_encoding(s))
		fold_encoded(&f, s, strlen(s));
	else {
		t = s;
		while ((word = strsep(&t, " ")) != NULL) {
			if (*word != '\0')
				fold_token(&f, word, strlen(word));
		}
	}
	fold_end(&f);
	buf_free(&v);
}

void
mail_add_text_header(struct mail *m, const char *name, const char *value)
{
	struct buf	b;

	check_name(name);
	buf_init(&b);
	mail_fold_text_header(&b, name, value != NULL ? value : "");
	add_header(m, name, buf_steal(&b, NULL));
}

/* A phrase of atext words and spaces needs no quoting. */
static int
is_atext_phrase(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == ' ' ||
		    strchr("!#$%&'*+-/=?^_`{|}~", *s) != NULL))
			return 0;
	}
	return 1;
}

static int
addr_ok(const char *a)
{
	const char	*at, *p;
	size_t		 len = strlen(a);

	if (len < 3 || len > MAIL_MAX_ADDRESS)
		return 0;
	for (p = a; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[]\\,;:\"", *p) != NULL)
			return 0;
	}
	at = strrchr(a, '@');
	return at != NULL && at != a && at[1] != '\0';
}

int
mail_add_addr_header(struct mail *m, const char *name, const char *display,
    const char *addr, char **cause)
{
	struct fold	 f;
	struct buf	 b, d;
	char		*s, *t, *word, *bracket;
	const char	*p;

	check_name(name);
	if (addr == NULL || !addr_ok(addr)) {
		s = mail_clean_utf8(addr != NULL ? addr : "", 100);
		*cause = xprintf("%s: not a usable mail address: \"%s\"", name,
		    s);
		free(s);
		return -1;
	}
	buf_init(&b);
	buf_init(&d);
	buf_adds(&d, "");
	if (display != NULL)
		clean(&d, display, MAIL_MAX_HEADER_VALUE, 0);
	s = str_trim(d.data);
	fold_start(&f, &b, name);
	if (*s == '\0')
		fold_token(&f, addr, strlen(addr));
	else {
		if (needs_encoding(s))
			fold_encoded(&f, s, strlen(s));
		else if (is_atext_phrase(s)) {
			t = s;
			while ((word = strsep(&t, " ")) != NULL)
				if (*word != '\0')
					fold_token(&f, word, strlen(word));
		} else {
			/* A quoted string; folded only at its spaces. */
			struct buf	q;

			buf_init(&q);
			buf_adds(&q, "\"");
			for (p = s; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					buf_adds(&q, "\\");
				buf_add(&q, p, 1);
			}
			buf_adds(&q, "\"");
			t = q.data;
			while ((word = strsep(&t, " ")) != NULL)
				fold_token(&f, word, strlen(word));
			buf_free(&q);
		}
		bracket = xprintf("<%s>", addr);
		fold_token(&f, bracket, strlen(bracket));
		free(bracket);
	}
	fold_end(&f);
	buf_free(&d);
	add_header(m, name, buf_steal(&b, NULL));
	return 0;
}

void
mail_add_msgid_header(struct mail *m, const char *name, const char *ids)
{
	struct fold	 f;
	struct buf	 b;
	const char	*p, *e, *q, *tok[MAX_MSGIDS];
	size_t		 len[MAX_MSGIDS], n = 0, i;
	int		 good;

	check_name(name);
	if (ids == NULL)
		return;
	/* Keep the last MAX_MSGIDS valid ids (the newest references). */
	for (p = ids; (p = strchr(p, '<')) != NULL; p = e) {
		e = strchr(p + 1, '>');
		if (e == NULL)
			break;
		e++;
		good = e - p > 2 && (size_t)(e - p) <= MAX_MSGID;
		for (q = p + 1; good && q < e - 1; q++) {
			if ((unsigned char)*q <= 0x20 ||
			    (unsigned char)*q >= 0x7f || *q == '<')
				good = 0;
		}
		for (i = 0; good && i < n; i++)
			if (len[i] == (size_t)(e - p) &&
			    memcmp(tok[i], p, len[i]) == 0)
				good = 0;	/* each id once (RFC 5322) */
		if (!good)
			continue;
		if (n == MAX_MSGIDS) {
			memmove(tok, tok + 1, sizeof(tok[0]) * (n - 1));
			memmove(len, len + 1, sizeof(len[0]) * (n - 1));
			n--;
		}
		tok[n] = p;
		len[n] = e - p;
		n++;
	}
	if (n == 0)
		return;
	buf_init(&b);
	fold_start(&f, &b, name);
	for (i = 0; i < n; i++)
		fold_token(&f, tok[i], len[i]);
	fold_end(&f);
	add_header(m, name, buf_steal(&b, NULL));
}

void
mail_set_date(struct mail *m, time_t t)
{
	m->date = t;
	m->date_set = 1;
}

void
mail_set_message_id(struct mail *m, const char *id)
{
	char	*s;

	s = mail_clean_utf8(id, MAX_MSGID);
	free(m->msgid);
	m->msgid = s;
}

const char *
mail_message_id(const struct mail *m)
{
	return m->msgid;
}

void
mail_set_text(struct mail *m, const char *text)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, "");
	clean(&b, text, MAIL_MAX_TEXT, 1);
	free(m->text);
	m->text = buf_steal(&b, NULL);
}

/* Base name of a UTF-8 file name, safe in any header and file system. */
static char *
sanitise_filename(const char *name)
{
	const char	*p, *base = name;
	char		*s, *q;

	if (name == NULL)
		return xstrdup("attachment");
	for (p = name; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			base = p + 1;
	}
	s = mail_clean_utf8(base, MAIL_MAX_FILENAME);
	for (q = s; *q != '\0'; q++) {
		if (*q == '"' || *q == ':' || *q == '*' || *q == '?' ||
		    *q == '<' || *q == '>' || *q == '|')
			*q = '_';
	}
	q = str_trim(s);
	while (*q == '.')
		*q++ = '_';
	q = str_trim(s);
	if (*q == '\0') {
		free(s);
		return xstrdup("attachment");
	}
	memmove(s, q, strlen(q) + 1);
	return s;
}

int
mail_add_attachment(struct mail *m, const char *type, const char *filename,
    const void *data, size_t len, int inline_, char **cause)
{
	struct mail_attachment	*a;
	const char		*p;

	for (p = type; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == ';' || *p == '"')
			fatalx("%s: bad content type \"%s\"", __func__, type);
	}
	if (m->natt == MAIL_MAX_ATTACHMENTS) {
		*cause = xprintf("too many attachments (limit %d)",
		    MAIL_MAX_ATTACHMENTS);
		return -1;
	}
	if (len > MAIL_MAX_ATTACHMENT) {
		*cause = xprintf("attachment %s: %zu bytes is over the limit "
		    "of %d", filename != NULL ? filename : "", len,
		    MAIL_MAX_ATTACHMENT);
		return -1;
	}
	a = &m->att[m->natt++];
	a->type = xstrdup(type);
	a->filename = sanitise_filename(filename);
	a->data = xmalloc(len > 0 ? len : 1);
	if (len > 0)
		memcpy(a->data, data, len);
	a->len = len;
	a->inline_ = inline_;
	return 0;
}

void
mail_encode_base64(struct buf *b, const void *data, size_t len)
{
	const unsigned char	*p = data;
	char			 line[B64_LINE + 2];
	size_t			 i, w = 0;
	uint32_t		 v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		line[w++] = b64chars[(v >> 18) & 63];
		line[w++] = b64chars[(v >> 12) & 63];
		line[w++] = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		line[w++] = i + 2 < len ? b64chars[v & 63] : '=';
		if (w == B64_LINE) {
			line[w++] = '\r';
			line[w++] = '\n';
			buf_add(b, line, w);
			w = 0;
		}
	}
	if (w > 0) {
		line[w++] = '\r';
		line[w++] = '\n';
		buf_add(b, line, w);
	}
}

void
mail_encode_qp(struct buf *b, const char *text, size_t len)
{
	const unsigned char	*p = (const unsigned char *)text;
	const unsigned char	*end = p + len;
	char			 enc[4];
	size_t			 col = 0, n;
	int			 literal;

	while (p < end) {
		if (*p == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			p++;
			continue;
		}
		/* Space or tab before a line end (or the end) is encoded. */
		literal = (*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && p + 1 < end && p[1] != '\n');
		/* "From " and "." at a line start survive any MTA. */
		if (col == 0 && (*p == '.' || (*p == 'F' && end - p >= 5 &&
		    memcmp(p, "From ", 5) == 0)))
			literal = 0;
		if (literal) {
			enc[0] = (char)*p;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hexchars[*p >> 4];
			enc[2] = hexchars[*p & 15];
			n = 3;
		}
		/* Keep room for the soft break "=". */
		if (col + n > QP_LINE - 1) {
			buf_adds(b, "=\r\n");
			col = 0;
			continue;	/* re-decide: col 0 rules may apply */
		}
		buf_add(b, enc, n);
		col += n;
		p++;
	}
	if (col > 0)
		buf_adds(b, "\r\n");
}

static void
random_hex(char *out, size_t nbytes)
{
	unsigned char	r[32];
	size_t		i;
	ssize_t		n;

	if (nbytes > sizeof(r))
		fatalx("%s: %zu bytes", __func__, nbytes);
	for (i = 0; i < nbytes; i += (size_t)n) {
		n = getrandom(r + i, nbytes - i, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			fatal("getrandom");
		}
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = "0123456789abcdef"[r[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[r[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

char *
mail_make_message_id(const char *instance)
{
	char		 hex[33], *id;
	struct buf	 b;
	const char	*p;

	random_hex(hex, 16);
	buf_init(&b);
	if (instance != NULL) {
		for (p = instance; *p != '\0' && b.len < 200; p++) {
			if ((*p >= 'A' && *p <= 'Z') ||
			    (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' ||
			    *p == '.' || *p == '_')
				buf_add(&b, p, 1);
		}
	}
	if (b.len == 0)
		buf_adds(&b, "faxhub.invalid");
	id = xprintf("<%s@%s>", hex, b.data);
	buf_free(&b);
	return id;
}

char *
mail_format_date(time_t t, char *out, size_t size)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm	tm;
	long		off;

	if (localtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	off = tm.tm_gmtoff / 60;
	snprintf(out, size, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	return out;
}

/*
 * Appends "; key=value" on a line of its own: value is clean UTF-8.  ASCII
 * values are quoted; others use RFC 2231 (continued in short segments)
 * when rfc2231, else an RFC 2047 encoded word (the "name" parameter that
 * old clients read).
 */
static void
add_param(struct buf *b, const char *key, const char *value, int rfc2231)
{
	const unsigned char	*p;
	struct buf		 enc;
	size_t			 seg = 0, col;
	int			 ascii = 1;

	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p >= 0x80 || *p == '\\')
			ascii = 0;
	}
	if (ascii) {
		buf_addf(b, ";\r\n %s=\"%s\"", key, value);
		return;
	}
	if (!rfc2231) {
		struct fold	f;

		buf_init(&enc);
		f.b = &enc;
		f.col = 0;
		f.first = 0;
		fold_encoded(&f, value, strlen(value));
		/* Parameter values stay on one line (under 998 octets). */
		buf_addf(b, ";\r\n %s=\"", key);
		for (p = (const unsigned char *)enc.data + 1; *p != '\0'; p++) {
			if (*p == '\r' || *p == '\n')
				continue;
			buf_add(b, p, 1);
		}
		buf_adds(b, "\"");
		buf_free(&enc);
		return;
	}
	buf_addf(b, ";\r\n %s*0*=UTF-8''", key);
	col = strlen(key) + 12;
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (col > 60) {
			seg++;
			buf_addf(b, ";\r\n %s*%zu*=", key, seg);
			col = strlen(key) + 6;
		}
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			buf_add(b, p, 1);
			col++;
		} else {
			buf_addf(b, "%%%c%c", hexchars[*p >> 4],
			    hexchars[*p & 15]);
			col += 3;
		}
	}
}

static void
render_attachment(struct buf *b, const struct mail_attachment *a,
    const char *boundary)
{
	buf_addf(b, "--%s\r\n", boundary);
	buf_addf(b, "Content-Type: %s", a->type);
	add_param(b, "name", a->filename, 0);
	buf_adds(b, "\r\nContent-Transfer-Encoding: base64\r\n");
	buf_addf(b, "Content-Disposition: %s",
	    a->inline_ ? "inline" : "attachment");
	add_param(b, "filename", a->filename, 1);
	buf_addf(b, ";\r\n size=%zu\r\n\r\n", a->len);
	mail_encode_base64(b, a->data, a->len);
}

char *
mail_render(struct mail *m, const char *instance, size_t *len)
{
	struct buf	 b;
	char		 date[64], boundary[64], hex[33];
	const char	*text = m->text != NULL ? m->text : "";
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < m->nhdr; i++)
		buf_adds(&b, m->hdr[i].value);
	mail_format_date(m->date_set ? m->date : time(NULL), date,
	    sizeof(date));
	buf_addf(&b, "Date: %s\r\n", date);
	if (m->msgid == NULL || *m->msgid == '\0') {
		free(m->msgid);
		m->msgid = mail_make_message_id(instance);
	}
	buf_addf(&b, "Message-ID: %s\r\n", m->msgid);
	buf_adds(&b, "MIME-Version: 1.0\r\n");
	if (m->natt == 0) {
		buf_adds(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		mail_encode_qp(&b, text, strlen(text));
		return buf_steal(&b, len);
	}
	random_hex(hex, 12);
	snprintf(boundary, sizeof(boundary), "=_faxhub_%s", hex);
	buf_addf(&b, "Content-Type: multipart/mixed;\r\n"
	    " boundary=\"%s\"\r\n\r\n", boundary);
	buf_adds(&b, "This is a MIME message.\r\n\r\n");
	buf_addf(&b, "--%s\r\n", boundary);
	buf_adds(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mail_encode_qp(&b, text, strlen(text));
	for (i = 0; i < m->natt; i++)
		render_attachment(&b, &m->att[i], boundary);
	buf_addf(&b, "--%s--\r\n", boundary);
	return buf_steal(&b, len);
}
