/*
 * mail-parse.c: a user's mail read into struct msg (see mail-parse.h).
 * The one bridge to libetpan's RFC 5322 and MIME parsers: their trees and
 * codes stop here.  What the mail means (who sent it, to which numbers) is
 * decided elsewhere: auth.c, addr.c, intake-check.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "image.h"
#include "mail-parse.h"
#include "util.h"
#include "xmalloc.h"

#define CTYPE_SCAN_MAX	2048	/* Content-Type read by the scan */
#define BOUNDARY_MAX	200	/* RFC 2046 says 70 */
#define NAME_MAX_BYTES	255	/* decoded file names are cut here */
#define PARAM_PARTS_MAX	64	/* RFC 2231 continuations */
#define REFS_MAX	20	/* Message-IDs kept in references */

/* A multipart boundary open during the structure scan; len 0 marks an
 * encapsulated message (message/rfc822). */
struct scan_level {
	const char	*b;
	size_t		 len;
	int		 digest;
};

/* Documents and ignored parts collected under one MIME node. */
struct coll {
	struct msg_doc	*docs;
	size_t		 ndocs;
	char		**ignored;
	size_t		 nignored;
};

struct walk {
	const struct msg_limits	*lim;
	struct msg		*m;
	int			 nparts;
	enum msg_err		 err;
	char			*cause;
	int			 text_html;	/* m->text is an HTML's */
};

/* A MIME parameter, from Content-Type or Content-Disposition. */
struct param {
	const char	*name;
	const char	*value;
};

static int	 fail(struct walk *, enum msg_err, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static const char *next_line(const char *, const char *);
static int	 scan_header(const char *, const char *, const char **,
		    char *, size_t);
static size_t	 count_ctype_lines(const char *, size_t, size_t);
static int	 scan_structure(const char *, size_t,
		    const struct msg_limits *, struct walk *);
static void	 scan_ctype(char *, int *, int *, const char **, size_t *);
static char	*unfold(const char *);
static void	 utf8_clean(char *);
static char	*decode_2047(const char *);
static char	*charset_to_utf8(const char *, const char *, size_t);
static char	*param_2231(const struct param *, size_t, const char *);
static char	*clean_name(char *);
static char	*ctype_string(const struct mailmime_content *);
static size_t	 part_params(const struct mailmime *, struct param *,
		    size_t, int *);
static char	*part_name(const struct mailmime *, int *);
static int	 decode_body(const struct mailmime_data *, const char *,
		    struct walk *, char **, size_t *);
static int	 walk_node(struct mailmime *, int, struct walk *,
		    struct coll *);
static int	 walk_leaf(struct mailmime *, struct walk *, struct coll *);
static int	 hexval(int);
static int	 part_has_cid(const struct mailmime *);
static int	 part_is_doc(const struct mailmime *, const char *,
		    const char *, int, const char *, size_t);
static int	 walk_alternative(struct mailmime *, int, struct walk *,
		    struct coll *);
static void	 coll_move(struct coll *, struct coll *);
static void	 coll_free(struct coll *);
static void	 take_text(struct walk *, const char *, size_t,
		    const struct mailmime_content *, int);
static void	 read_fields(struct mailimf_fields *, struct msg *);
static void	 read_optional(struct mailimf_optional_field *, struct msg *,
		    int *);
static void	 add_addrs(struct mailimf_address_list *, char ***,
		    size_t *);
static void	 add_string(char ***, size_t *, const char *);
static char	*angle_addr(const char *);
static size_t	 unquoted_span(const char *, const char *);
static void	 unparsed_addrs(const char *, char ***, size_t *);
static void	 make_references(clist *, struct msg *);

static int
fail(struct walk *w, enum msg_err err, const char *fmt, ...)
{
	va_list	ap;

	if (w->err != MSG_OK)
		return (-1);
	w->err = err;
	va_start(ap, fmt);
	xvasprintf(&w->cause, fmt, ap);
	va_end(ap);
	return (-1);
}

const char *
msg_err_name(enum msg_err e)
{
	switch (e) {
	case MSG_OK:
		return ("no error");
	case MSG_ETOOBIG:
		return ("message too large");
	case MSG_EHEADER:
		return ("header too large");
	case MSG_EDEPTH:
		return ("MIME nesting too deep");
	case MSG_EPARTS:
		return ("too many MIME parts");
	case MSG_EATTACH:
		return ("attachment too large");
	case MSG_EMALFORMED:
		return ("malformed message");
	}
	return ("unknown error");
}

/* Returns the start of the line after p (end when there is none). */
static const char *
next_line(const char *p, const char *end)
{
	const char	*nl;

	if ((nl = memchr(p, '\n', end - p)) == NULL)
		return (end);
	return (nl + 1);
}

/*
 * Reads the header block at p: returns its length (up to and including
 * the empty line) and sets *body.  The unfolded Content-Type value, cut to
 * ctsize - 1 bytes, goes to ct ("" when there is none).
 */
static int
scan_header(const char *p, const char *end, const char **body, char *ct,
    size_t ctsize)
{
	const char	*start = p, *line, *next, *q;
	size_t		 ctlen = 0;
	int		 inct = 0;

	*ct = '\0';
	while (p < end) {
		line = p;
		next = next_line(p, end);
		if (line[0] == '\n' || (line[0] == '\r' && line + 1 < end &&
		    line[1] == '\n')) {
			p = next;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			q = line;
		} else {
			inct = 0;
			q = NULL;
			if ((size_t)(next - line) > 12 &&
			    strncasecmp(line, "content-type", 12) == 0) {
				q = line + 12;
				while (q < next && (*q == ' ' || *q == '\t'))
					q++;
				if (q < next && *q == ':') {
					q++;
					inct = 1;
					ctlen = 0;
				} else
					q = NULL;
			}
		}
		if (inct && q != NULL) {
			for (; q < next && ctlen + 1 < ctsize; q++) {
				if (*q != '\r' && *q != '\n')
					ct[ctlen++] = *q;
			}
			ct[ctlen] = '\0';
		}
		p = next;
	}
	*body = p;
	return ((int)(p - start));
}

/*
 * From a Content-Type value: is it multipart, message/rfc822, and its
 * boundary (pointing into ct, which is modified).
 */
static void
scan_ctype(char *ct, int *multipart, int *message, const char **b,
    size_t *blen)
{
	char	*p, *v, *e;

	*multipart = *message = 0;
	*b = NULL;
	*blen = 0;
	p = ct;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "multipart", 9) == 0)
		*multipart = 1;
	else if (strncasecmp(p, "message/rfc822", 14) == 0)
		*message = 1;
	if (!*multipart)
		return;
	for (p = ct; (p = strcasestr(p, "boundary")) != NULL; p += 8) {
		if (p != ct && p[-1] != ';' && p[-1] != ' ' && p[-1] != '\t')
			continue;
		v = p + 8;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '"') {
			v++;
			if ((e = strchr(v, '"')) == NULL)
				e = v + strlen(v);
		} else {
			for (e = v; *e != '\0' && *e != ';' && *e != ' ' &&
			    *e != '\t'; e++)
				;
		}
		if (e > v && (size_t)(e - v) <= BOUNDARY_MAX) {
			*b = v;
			*blen = e - v;
		}
		return;
	}
}

/* Lines starting "Content-Type" anywhere, counted up to max + 1. */
static size_t
count_ctype_lines(const char *raw, size_t len, size_t max)
{
	const char	*p = raw, *end = raw + len;
	size_t		 n = 0;

	while (p < end && n <= max) {
		if (end - p > 12 && strncasecmp(p, "content-type", 12) == 0)
			n++;
		p = next_line(p, end);
	}
	return (n);
}

/*
 * The cheap structure scan run before libetpan builds its tree: counts
 * entities, nesting and part header sizes without decoding anything.
 */
static int
scan_structure(const char *raw, size_t len, const struct msg_limits *lim,
    struct walk *w)
{
	struct scan_level	*lv;
	const char		*p = raw, *end = raw + len, *body, *next, *b;
	char			*ct;
	size_t			 n = 0, hlen, blen, i, room, max;
	int			 parts = 0, mp, mg, in_header = 1;
	int			 digest = 0;
	int			 rc = -1;

	/*
	 * Backstop for libetpan's recursion, whatever this scan makes of
	 * the structure: every nested entity it can see starts with a
	 * Content-Type line.
	 */
	max = (size_t)lim->mime_parts * 2 + 32;
	if (count_ctype_lines(raw, len, max) > max)
		return (fail(w, MSG_EPARTS, "more than %d MIME parts",
		    lim->mime_parts));

	lv = xcalloc((size_t)lim->mime_depth + 1, sizeof(*lv));
	ct = xmalloc(CTYPE_SCAN_MAX);
	for (;;) {
		if (in_header) {
			if (++parts > lim->mime_parts) {
				fail(w, MSG_EPARTS, "more than %d MIME parts",
				    lim->mime_parts);
				goto out;
			}
			hlen = scan_header(p, end, &body, ct, CTYPE_SCAN_MAX);
			if (hlen > lim->header_size) {
				fail(w, MSG_EHEADER, "header of MIME part %d "
				    "is larger than the limit of %zu bytes",
				    parts, lim->header_size);
				goto out;
			}
			p = body;
			scan_ctype(ct, &mp, &mg, &b, &blen);
			if (*ct == '\0' && digest)
				mg = 1;
			digest = 0;
			in_header = 0;
			if ((mp && b != NULL) || mg) {
				if (n + 1 > (size_t)lim->mime_depth) {
					fail(w, MSG_EDEPTH, "MIME parts "
					    "nested deeper than %d levels",
					    lim->mime_depth);
					goto out;
				}
				lv[n].b = NULL;
				lv[n].len = 0;
				lv[n].digest = 0;
				if (mg)
					in_header = 1;
				else {
					lv[n].b = xstrndup(b, blen);
					lv[n].len = blen;
					lv[n].digest = strncasecmp(ct +
					    strspn(ct, " \t"),
					    "multipart/digest", 16) == 0;
				}
				n++;
			}
			if (in_header && p >= end)
				break;
			continue;
		}
		if (p >= end)
			break;
		next = next_line(p, end);
		room = next - p;
		if (room >= 2 && p[0] == '-' && p[1] == '-') {
			for (i = n; i-- > 0;) {
				if (lv[i].len == 0 || room - 2 < lv[i].len ||
				    memcmp(p + 2, lv[i].b, lv[i].len) != 0)
					continue;
				if (room - 2 >= lv[i].len + 2 &&
				    p[2 + lv[i].len] == '-' &&
				    p[3 + lv[i].len] == '-') {
					while (n > i)
						free((char *)lv[--n].b);
				} else {
					while (n > i + 1)
						free((char *)lv[--n].b);
					digest = lv[i].digest;
					in_header = 1;
				}
				break;
			}
		}
		p = next;
	}
	rc = 0;
out:
	while (n > 0)
		free((char *)lv[--n].b);
	free(lv);
	free(ct);
	return (rc);
}

/* Returns a copy of s without CR and LF (RFC 5322 unfolding). */
static char *
unfold(const char *s)
{
	char	*out, *q;

	out = q = xmalloc(strlen(s) + 1);
	for (; *s != '\0'; s++)
		if (*s != '\r' && *s != '\n')
			*q++ = *s;
	*q = '\0';
	return (out);
}

/*
 * In place: bytes that are not valid UTF-8 and control characters other
 * than tab and newline become '?'; CR is dropped.
 */
static void
utf8_clean(char *s)
{
	unsigned char	*p = (unsigned char *)s, *q = p;
	size_t		 need, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p == '\r') {
				p++;
				continue;
			}
			*q++ = (*p < 0x20 && *p != '\t' && *p != '\n') ||
			    *p == 0x7f ? '?' : *p;
			p++;
			continue;
		}
		need = 0;
		if (*p >= 0xc2 && *p <= 0xdf)
			need = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			need = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			need = 3;
		for (i = 1; i <= need; i++)
			if ((p[i] & 0xc0) != 0x80)
				break;
		if (need == 0 || i <= need ||
		    (p[0] == 0xe0 && p[1] < 0xa0) ||
		    (p[0] == 0xed && p[1] > 0x9f) ||
		    (p[0] == 0xf0 && p[1] < 0x90) ||
		    (p[0] == 0xf4 && p[1] > 0x8f)) {
			*q++ = '?';
			p++;
			continue;
		}
		for (i = 0; i <= need; i++)
			*q++ = *p++;
	}
	*q = '\0';
}

/* Decodes RFC 2047 encoded words into an allocated UTF-8 string. */
static char *
decode_2047(const char *s)
{
	char	*u, *res = NULL, *out;
	size_t	 idx = 0;

	u = unfold(s);
	if (mailmime_encoded_phrase_parse("utf-8", u, strlen(u), &idx,
	    "utf-8", &res) == MAILIMF_NO_ERROR && res != NULL) {
		out = xstrdup(res);
		free(res);
		free(u);
	} else
		out = u;
	utf8_clean(out);
	return (out);
}

/* Converts len bytes in charset to an allocated UTF-8 string. */
static char *
charset_to_utf8(const char *charset, const char *data, size_t len)
{
	char	*res = NULL, *out;

	if (charset != NULL && *charset != '\0' &&
	    strcasecmp(charset, "utf-8") != 0 &&
	    strcasecmp(charset, "us-ascii") != 0 &&
	    charconv("utf-8", charset, data, len, &res) ==
	    MAIL_CHARCONV_NO_ERROR && res != NULL) {
		out = xstrdup(res);
		free(res);
	} else
		out = xstrndup(data, len);
	utf8_clean(out);
	return (out);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * RFC 2231: base* or base*0, base*1*, ... among the parameters, joined,
 * percent-decoded and converted to UTF-8.  NULL when absent.
 */
static char *
param_2231(const struct param *pp, size_t np, const char *base)
{
	const char	*seg[PARAM_PARTS_MAX], *v, *q;
	int		 ext[PARAM_PARTS_MAX];
	char		 charset[64], *end, *out;
	size_t		 i, bl = strlen(base), nseg = 0;
	unsigned long	 k;
	struct buf	 b;
	int		 hi, lo;

	memset(seg, 0, sizeof(seg));
	for (i = 0; i < np; i++) {
		if (strncasecmp(pp[i].name, base, bl) != 0 ||
		    pp[i].name[bl] != '*')
			continue;
		if (pp[i].name[bl + 1] == '\0') {
			seg[0] = pp[i].value;
			ext[0] = 1;
			nseg = 1;
			break;
		}
		if (!isdigit((unsigned char)pp[i].name[bl + 1]))
			continue;
		k = strtoul(pp[i].name + bl + 1, &end, 10);
		if (k >= PARAM_PARTS_MAX || (*end != '\0' &&
		    strcmp(end, "*") != 0))
			continue;
		seg[k] = pp[i].value;
		ext[k] = *end == '*';
	}
	if (seg[0] == NULL)
		return (NULL);
	*charset = '\0';
	buf_init(&b);
	for (k = 0; k < PARAM_PARTS_MAX && seg[k] != NULL; k++) {
		v = seg[k];
		if (k == 0 && ext[0]) {
			/* charset'language'value */
			if ((q = strchr(v, '\'')) != NULL &&
			    strchr(q + 1, '\'') != NULL) {
				if ((size_t)(q - v) < sizeof(charset)) {
					memcpy(charset, v, q - v);
					charset[q - v] = '\0';
				}
				v = strchr(q + 1, '\'') + 1;
			}
		}
		for (; *v != '\0' && b.len < 4 * NAME_MAX_BYTES; v++) {
			if (ext[k] && *v == '%' &&
			    (hi = hexval((unsigned char)v[1])) >= 0 &&
			    (lo = hexval((unsigned char)v[2])) >= 0) {
				char c = (char)(hi * 16 + lo);

				buf_add(&b, &c, 1);
				v += 2;
			} else
				buf_add(&b, v, 1);
		}
	}
	(void)nseg;
	if (b.data == NULL)
		return (xstrdup(""));
	out = charset_to_utf8(charset, b.data, b.len);
	buf_free(&b);
	return (out);
}

/*
 * Makes a decoded file name safe to show and to use as a file name: no
 * directory part, no control characters, at most NAME_MAX_BYTES bytes.
 * Takes ownership of name; returns it or NULL when nothing is left.
 */
static char *
clean_name(char *name)
{
	char	*p, *base = name;
	size_t	 len;

	if (name == NULL)
		return (NULL);
	for (p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	memmove(name, base, strlen(base) + 1);
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	len = strlen(name);
	if (len > NAME_MAX_BYTES) {
		len = NAME_MAX_BYTES;
		while (len > 0 && ((unsigned char)name[len] & 0xc0) == 0x80)
			len--;
		name[len] = '\0';
	}
	p = str_trim(name);
	memmove(name, p, strlen(p) + 1);
	if (*name == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		free(name);
		return (NULL);
	}
	return (name);
}

/* "type/subtype", lower-case, allocated; "text/plain" by default. */
static char *
ctype_string(const struct mailmime_content *c)
{
	const char	*t = "application";
	char		*s;

	if (c == NULL || c->ct_type == NULL || c->ct_subtype == NULL)
		return (xstrdup("text/plain"));
	if (c->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    c->ct_type->tp_data.tp_discrete_type != NULL) {
		const struct mailmime_discrete_type *d =
		    c->ct_type->tp_data.tp_discrete_type;

		switch (d->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:
			t = "text";
			break;
		case MAILMIME_DISCRETE_TYPE_IMAGE:
			t = "image";
			break;
		case MAILMIME_DISCRETE_TYPE_AUDIO:
			t = "audio";
			break;
		case MAILMIME_DISCRETE_TYPE_VIDEO:
			t = "video";
			break;
		case MAILMIME_DISCRETE_TYPE_APPLICATION:
			t = "application";
			break;
		default:
			if (d->dt_extension != NULL)
				t = d->dt_extension;
			break;
		}
	} else if (c->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    c->ct_type->tp_data.tp_composite_type != NULL) {
		const struct mailmime_composite_type *ct =
		    c->ct_type->tp_data.tp_composite_type;

		if (ct->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE)
			t = "message";
		else if (ct->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART)
			t = "multipart";
		else if (ct->ct_token != NULL)
			t = ct->ct_token;
	}
	xasprintf(&s, "%.60s/%.60s", t, c->ct_subtype);
	str_lower(s);
	utf8_clean(s);
	return (s);
}

/*
 * Collects the Content-Disposition parameters, then the Content-Type
 * ones; *disp is 1 for "attachment", 0 for "inline", -1 without the
 * header.  Returns the count (at most max).
 */
static size_t
part_params(const struct mailmime *mm, struct param *pp, size_t max,
    int *disp)
{
	clistiter	*it, *jt;
	size_t		 n = 0;

	*disp = -1;
	if (mm->mm_mime_fields != NULL && mm->mm_mime_fields->fld_list) {
		for (it = clist_begin(mm->mm_mime_fields->fld_list);
		    it != NULL; it = clist_next(it)) {
			struct mailmime_field	*f = clist_content(it);
			struct mailmime_disposition *d;

			if (f->fld_type != MAILMIME_FIELD_DISPOSITION ||
			    (d = f->fld_data.fld_disposition) == NULL)
				continue;
			if (*disp == -1 && d->dsp_type != NULL)
				*disp = d->dsp_type->dsp_type ==
				    MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
			if (d->dsp_parms == NULL)
				continue;
			for (jt = clist_begin(d->dsp_parms); jt != NULL &&
			    n < max; jt = clist_next(jt)) {
				struct mailmime_disposition_parm *p =
				    clist_content(jt);

				if (p->pa_type ==
				    MAILMIME_DISPOSITION_PARM_FILENAME &&
				    p->pa_data.pa_filename != NULL) {
					pp[n].name = "filename";
					pp[n++].value = p->pa_data.pa_filename;
				} else if (p->pa_type ==
				    MAILMIME_DISPOSITION_PARM_PARAMETER &&
				    p->pa_data.pa_parameter != NULL &&
				    p->pa_data.pa_parameter->pa_name != NULL &&
				    p->pa_data.pa_parameter->pa_value !=
				    NULL) {
					pp[n].name =
					    p->pa_data.pa_parameter->pa_name;
					pp[n++].value =
					    p->pa_data.pa_parameter->pa_value;
				}
			}
		}
	}
	if (mm->mm_content_type != NULL &&
	    mm->mm_content_type->ct_parameters != NULL) {
		for (it = clist_begin(mm->mm_content_type->ct_parameters);
		    it != NULL && n < max; it = clist_next(it)) {
			struct mailmime_parameter *p = clist_content(it);

			if (p->pa_name == NULL || p->pa_value == NULL)
				continue;
			pp[n].name = p->pa_name;
			pp[n++].value = p->pa_value;
		}
	}
	return (n);
}

/* The part's decoded file name, or NULL; see part_params() for *disp. */
static char *
part_name(const struct mailmime *mm, int *disp)
{
	struct param	 pp[2 * PARAM_PARTS_MAX];
	static const char *const bases[] = { "filename", "name" };
	size_t		 np, i, j;
	char		*v;

	np = part_params(mm, pp, nitems(pp), disp);
	for (j = 0; j < nitems(bases); j++) {
		for (i = 0; i < np; i++) {
			if (strcasecmp(pp[i].name, bases[j]) != 0)
				continue;
			if ((v = clean_name(decode_2047(pp[i].value))) !=
			    NULL)
				return (v);
		}
		if ((v = clean_name(param_2231(pp, np, bases[j]))) != NULL)
			return (v);
	}
	return (NULL);
}

#define QP_PAD	4	/* NUL bytes after a quoted-printable body */

/*
 * Decodes a part body (base64, quoted-printable, or as is) into an
 * allocated, NUL-terminated buffer, enforcing attachment_size.
 */
static int
decode_body(const struct mailmime_data *d, const char *label,
    struct walk *w, char **out, size_t *outlen)
{
	size_t	 len, bound, idx = 0, rlen = 0;
	char	*res = NULL, *pad = NULL;
	const char *src;
	int	 enc, r;

	*out = NULL;
	*outlen = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
	    d->dt_data.dt_text.dt_data == NULL) {
		*out = xstrdup("");
		return (0);
	}
	len = d->dt_data.dt_text.dt_length;
	enc = d->dt_encoded ? d->dt_encoding : MAILMIME_MECHANISM_BINARY;
	bound = enc == MAILMIME_MECHANISM_BASE64 ? len / 4 * 3 + 3 : len;
	if (enc != MAILMIME_MECHANISM_BASE64 &&
	    enc != MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
		if (len > w->lim->attachment_size)
			goto toobig;
		*out = xmalloc(len + 1);
		memcpy(*out, d->dt_data.dt_text.dt_data, len);
		(*out)[len] = '\0';
		*outlen = len;
		return (0);
	}
	/*
	 * libetpan's quoted-printable decoder reads the two characters after
	 * a '=' even when the part ends first: give it NUL padding to read.
	 */
	src = d->dt_data.dt_text.dt_data;
	if (enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
		pad = xcalloc(1, len + QP_PAD);
		memcpy(pad, src, len);
		src = pad;
	}
	r = mailmime_part_parse(src, len, &idx, enc, &res, &rlen);
	free(pad);
	if (r != MAILIMF_NO_ERROR || res == NULL)
		return (fail(w, MSG_EMALFORMED, "part '%s': cannot decode "
		    "its body (libetpan error %d)", label, r));
	if (bound > w->lim->attachment_size &&
	    rlen > w->lim->attachment_size) {
		mmap_string_unref(res);
		len = rlen;
		goto toobig;
	}
	*out = xmalloc(rlen + 1);
	memcpy(*out, res, rlen);
	(*out)[rlen] = '\0';
	*outlen = rlen;
	mmap_string_unref(res);
	return (0);

toobig:
	return (fail(w, MSG_EATTACH, "part '%s' of %zu bytes is larger than "
	    "the limit of %zu bytes", label, len, w->lim->attachment_size));
}

/*
 * Keeps the first text/plain body part as msg.text, or the text of an
 * HTML body (html) when there is no plain one; a plain part after it
 * takes its place.
 */
static void
take_text(struct walk *w, const char *data, size_t len,
    const struct mailmime_content *c, int html)
{
	char	*cs, *u;

	if (w->m->text != NULL && (html || !w->text_html))
		return;
	if (len > MSG_TEXT_MAX)
		len = MSG_TEXT_MAX;
	cs = c != NULL ? mailmime_content_charset_get(
	    (struct mailmime_content *)c) : NULL;
	u = charset_to_utf8(cs, data, strnlen(data, len));
	if (html) {
		w->m->text = html_to_text(u, strlen(u));
		free(u);
	} else {
		free(w->m->text);
		w->m->text = u;
	}
	w->text_html = html;
}

/*
 * An HTML body refers to the part ("cid:"): it has a Content-ID or sits
 * in a multipart/related beside the HTML.
 */
static int
part_has_cid(const struct mailmime *mm)
{
	const struct mailmime	*p;
	clistiter		*it;
	struct mailmime_field	*f;

	for (p = mm->mm_parent; p != NULL; p = p->mm_parent)
		if (p->mm_content_type != NULL &&
		    p->mm_content_type->ct_subtype != NULL &&
		    strcasecmp(p->mm_content_type->ct_subtype, "related") == 0)
			return (1);
	if (mm->mm_mime_fields == NULL)
		return (0);
	for (it = clist_begin(mm->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type == MAILMIME_FIELD_ID && f->fld_data.fld_id !=
		    NULL)
			return (1);
	}
	return (0);
}

/*
 * A part is a fax document when its content says so (image_sniff(): a
 * document, an image, an Office file, or a zip, which the imaging code
 * refuses by name), its label or name claims a format faxhub reads (so a
 * file that is not what it claims is named in the refusal), except an
 * inline picture of an HTML body (a signature logo): that is the text's.
 */
static int
part_is_doc(const struct mailmime *mm, const char *ctype, const char *name,
    int disp, const char *data, size_t len)
{
	enum img_fmt	fmt = image_sniff(data, len);

	if (fmt >= IMG_FMT_JPEG && fmt <= IMG_FMT_HEIF && disp != 1 &&
	    part_has_cid(mm))
		return (0);
	return (fmt != IMG_FMT_NONE || strcmp(ctype, "image/tiff") == 0 ||
	    strcmp(ctype, "application/pdf") == 0 ||
	    strcmp(ctype, "application/postscript") == 0 ||
	    image_fmt_by_name(name) != IMG_FMT_NONE);
}

static int
walk_leaf(struct mailmime *mm, struct walk *w, struct coll *out)
{
	char		*ctype, *name, *data, *desc;
	size_t		 len;
	int		 disp, is_text, is_doc;
	enum doc_kind	 kind;

	ctype = ctype_string(mm->mm_content_type);
	name = part_name(mm, &disp);
	if (decode_body(mm->mm_data.mm_single, name != NULL ? name : ctype,
	    w, &data, &len) != 0) {
		free(ctype);
		free(name);
		return (-1);
	}
	if (strncmp(ctype, "multipart/", 10) == 0) {
		fail(w, MSG_EMALFORMED, "%s part without a boundary "
		    "parameter", ctype);
		free(ctype);
		free(name);
		free(data);
		return (-1);
	}
	kind = doc_sniff(data, len);
	is_text = strncmp(ctype, "text/", 5) == 0;
	is_doc = part_is_doc(mm, ctype, name, disp, data, len);
	if (is_text && name == NULL && disp != 1) {
		/* The body of the mail, not an attachment. */
		if (strcmp(ctype, "text/plain") == 0 ||
		    strcmp(ctype, "text/html") == 0)
			take_text(w, data, len, mm->mm_content_type,
			    ctype[5] == 'h');
		is_doc = 0;
	} else if (!is_doc) {
		xasprintf(&desc, "%s (%s, %s, not a fax document)",
		    name != NULL ? name : "unnamed part", ctype, disp == 1 ?
		    "attachment" : strncmp(ctype, "image/", 6) == 0 ?
		    "inline image" : "inline part");
		out->ignored = xreallocarray(out->ignored, out->nignored + 1,
		    sizeof(*out->ignored));
		out->ignored[out->nignored++] = desc;
	}
	if (!is_doc) {
		free(ctype);
		free(name);
		free(data);
		return (0);
	}
	out->docs = xreallocarray(out->docs, out->ndocs + 1,
	    sizeof(*out->docs));
	out->docs[out->ndocs].name = name;
	out->docs[out->ndocs].content_type = ctype;
	out->docs[out->ndocs].kind = kind;
	out->docs[out->ndocs].data = (unsigned char *)data;
	out->docs[out->ndocs].len = len;
	out->ndocs++;
	return (0);
}

static void
coll_move(struct coll *dst, struct coll *src)
{
	if (src->ndocs != 0) {
		dst->docs = xreallocarray(dst->docs, dst->ndocs + src->ndocs,
		    sizeof(*dst->docs));
		memcpy(dst->docs + dst->ndocs, src->docs,
		    src->ndocs * sizeof(*src->docs));
		dst->ndocs += src->ndocs;
	}
	if (src->nignored != 0) {
		dst->ignored = xreallocarray(dst->ignored, dst->nignored +
		    src->nignored, sizeof(*dst->ignored));
		memcpy(dst->ignored + dst->nignored, src->ignored,
		    src->nignored * sizeof(*src->ignored));
		dst->nignored += src->nignored;
	}
	free(src->docs);
	free(src->ignored);
	memset(src, 0, sizeof(*src));
}

static void
coll_free(struct coll *c)
{
	size_t	i;

	for (i = 0; i < c->ndocs; i++) {
		free(c->docs[i].name);
		free(c->docs[i].content_type);
		free(c->docs[i].data);
	}
	free(c->docs);
	for (i = 0; i < c->nignored; i++)
		free(c->ignored[i]);
	free(c->ignored);
	memset(c, 0, sizeof(*c));
}

/* multipart/alternative: the last alternative that holds a document. */
static int
walk_alternative(struct mailmime *mm, int depth, struct walk *w,
    struct coll *out)
{
	struct coll	*alt;
	clistiter	*it;
	size_t		 n, i;
	int		 rc = 0;

	n = clist_count(mm->mm_data.mm_multipart.mm_mp_list);
	if (n == 0)
		return (0);
	alt = xcalloc(n, sizeof(*alt));
	for (i = 0, it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
	    it != NULL && i < n; it = clist_next(it), i++) {
		if ((rc = walk_node(clist_content(it), depth + 1, w,
		    &alt[i])) != 0)
			break;
	}
	if (rc == 0) {
		for (i = n; i-- > 0;) {
			if (alt[i].ndocs != 0) {
				coll_move(out, &alt[i]);
				break;
			}
		}
	}
	for (i = 0; i < n; i++)
		coll_free(&alt[i]);
	free(alt);
	return (rc);
}

static int
walk_node(struct mailmime *mm, int depth, struct walk *w, struct coll *out)
{
	clistiter	*it;
	const char	*sub;

	if (++w->nparts > w->lim->mime_parts)
		return (fail(w, MSG_EPARTS, "more than %d MIME parts",
		    w->lim->mime_parts));
	if (depth > w->lim->mime_depth)
		return (fail(w, MSG_EDEPTH, "MIME parts nested deeper than %d "
		    "levels", w->lim->mime_depth));
	switch (mm->mm_type) {
	case MAILMIME_SINGLE:
		return (walk_leaf(mm, w, out));
	case MAILMIME_MULTIPLE:
		if (mm->mm_data.mm_multipart.mm_mp_list == NULL)
			return (0);
		sub = mm->mm_content_type != NULL ?
		    mm->mm_content_type->ct_subtype : NULL;
		if (sub != NULL && strcasecmp(sub, "alternative") == 0)
			return (walk_alternative(mm, depth, w, out));
		for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			if (walk_node(clist_content(it), depth + 1, w,
			    out) != 0)
				return (-1);
		return (0);
	case MAILMIME_MESSAGE:
		if (mm->mm_data.mm_message.mm_msg_mime == NULL)
			return (0);
		return (walk_node(mm->mm_data.mm_message.mm_msg_mime,
		    depth + 1, w, out));
	}
	return (0);
}

static void
add_string(char ***v, size_t *n, const char *s)
{
	if (*n >= MSG_RCPTS_MAX || s == NULL || *s == '\0')
		return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void
add_addrs(struct mailimf_address_list *al, char ***v, size_t *n)
{
	clistiter	*it, *jt;

	if (al == NULL || al->ad_list == NULL)
		return;
	for (it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		struct mailimf_address	*a = clist_content(it);

		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX &&
		    a->ad_data.ad_mailbox != NULL)
			add_string(v, n, a->ad_data.ad_mailbox->mb_addr_spec);
		else if (a->ad_type == MAILIMF_ADDRESS_GROUP &&
		    a->ad_data.ad_group != NULL &&
		    a->ad_data.ad_group->grp_mb_list != NULL &&
		    a->ad_data.ad_group->grp_mb_list->mb_list != NULL) {
			for (jt = clist_begin(
			    a->ad_data.ad_group->grp_mb_list->mb_list);
			    jt != NULL; jt = clist_next(jt)) {
				struct mailimf_mailbox *mb = clist_content(jt);

				add_string(v, n, mb->mb_addr_spec);
			}
		}
	}
}

/* "<a@b>" or "a@b" with blanks and comments around: allocated "a@b". */
/* Length of s up to the first byte of stop outside a quoted string. */
static size_t
unquoted_span(const char *s, const char *stop)
{
	size_t	i;
	int	q = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (q && s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (s[i] == '"')
			q = !q;
		else if (!q && strchr(stop, s[i]) != NULL)
			break;
	}
	return (i);
}

/*
 * A To or Cc header libetpan could not parse (a local part no mail
 * program writes, such as "555;rm -rf"@fax.example): its addresses are
 * still the user's recipients, so that the refusal names them.  Split at
 * commas outside quotes; each is the <...> part or the bare token.
 */
static void
unparsed_addrs(const char *value, char ***v, size_t *n)
{
	char	*u, *p, *a;
	size_t	 len;

	u = unfold(value);
	for (p = u; *p != '\0' && *n < MSG_RCPTS_MAX; p += len) {
		len = unquoted_span(p, ",");
		if (p[len] == ',')
			p[len++] = '\0';
		a = angle_addr(p);
		if (*a != '\0' && strchr(a, '@') != NULL)
			add_string(v, n, a);
		free(a);
	}
	free(u);
}

static char *
angle_addr(const char *value)
{
	char		*u, *s, *lt, *gt, *out;

	u = unfold(value);
	s = str_trim(u);
	if ((lt = strchr(s, '<')) != NULL &&
	    (gt = strchr(lt + 1, '>')) != NULL) {
		*gt = '\0';
		s = str_trim(lt + 1);
	} else
		s[unquoted_span(s, " \t")] = '\0';
	out = xstrdup(s);
	free(u);
	utf8_clean(out);
	return (out);
}

static void
read_optional(struct mailimf_optional_field *f, struct msg *m,
    int *seen_from)
{
	const char	*n = f->fld_name;
	char		*v, *t;

	if (n == NULL || f->fld_value == NULL)
		return;
	if (strcasecmp(n, "Delivered-To") == 0 ||
	    strcasecmp(n, "X-Original-To") == 0) {
		v = angle_addr(f->fld_value);
		add_string(&m->delivered_to, &m->ndelivered, v);
		free(v);
	} else if (strcasecmp(n, "Authentication-Results") == 0) {
		if (m->authres == NULL) {
			m->authres = unfold(f->fld_value);
			utf8_clean(m->authres);
		}
	} else if (strcasecmp(n, "Auto-Submitted") == 0) {
		v = unfold(f->fld_value);
		t = str_trim(v);
		t[strcspn(t, " \t;(")] = '\0';
		if (strcasecmp(t, "no") != 0)
			m->auto_submitted = 1;
		free(v);
	} else if (strcasecmp(n, "To") == 0 || strcasecmp(n, "Cc") == 0) {
		unparsed_addrs(f->fld_value, &m->to_cc, &m->nto_cc);
	} else if (strcasecmp(n, "List-Id") == 0) {
		m->list_id = 1;
	} else if (strcasecmp(n, "Precedence") == 0) {
		v = unfold(f->fld_value);
		t = str_trim(v);
		t[strcspn(t, " \t;(")] = '\0';
		if (strcasecmp(t, "bulk") == 0 || strcasecmp(t, "list") == 0 ||
		    strcasecmp(t, "junk") == 0)
			m->bulk = 1;
		free(v);
	} else if (strcasecmp(n, "From") == 0) {
		/* libetpan could not parse it: no usable sender. */
		free(m->from);
		free(m->from_name);
		m->from = m->from_name = NULL;
		*seen_from = 1;
	} else if (strcasecmp(n, "Return-Path") == 0) {
		if (m->return_path == NULL) {
			m->return_path = angle_addr(f->fld_value);
			str_lower(m->return_path);
		}
	} else if (strcasecmp(n, "Message-ID") == 0) {
		if (m->message_id == NULL)
			m->message_id = angle_addr(f->fld_value);
	}
}

/*
 * The thread a reply continues (RFC 5322 3.6.4): the original's References,
 * else its In-Reply-To; the reply adds the original's Message-ID itself.
 */
static void
make_references(clist *ids, struct msg *m)
{
	struct buf	 b;
	clistiter	*it;
	int		 n, skip;

	if (ids == NULL)
		return;
	buf_init(&b);
	n = clist_count(ids);
	skip = n > REFS_MAX - 1 ? n - (REFS_MAX - 1) : 0;
	for (it = clist_begin(ids); it != NULL; it = clist_next(it)) {
		const char *id = clist_content(it);

		if (skip > 0) {
			skip--;
			continue;
		}
		if (id != NULL && strlen(id) < 1000)
			buf_addf(&b, "%s<%s>", b.len ? " " : "", id);
	}
	if (b.data != NULL) {
		m->references = buf_steal(&b, NULL);
		utf8_clean(m->references);
	}
}

static void
read_fields(struct mailimf_fields *fields, struct msg *m)
{
	struct mailimf_references	*refs = NULL;
	struct mailimf_in_reply_to	*irt = NULL;
	clistiter			*it;
	int				 seen_from = 0;

	if (fields->fld_list == NULL)
		return;
	for (it = clist_begin(fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimf_field	*f = clist_content(it);

		switch (f->fld_type) {
		case MAILIMF_FIELD_RETURN_PATH:
			if (m->return_path != NULL ||
			    f->fld_data.fld_return_path == NULL ||
			    f->fld_data.fld_return_path->ret_path == NULL)
				break;
			m->return_path = xstrdup(f->fld_data.fld_return_path->
			    ret_path->pt_addr_spec != NULL ? f->fld_data.
			    fld_return_path->ret_path->pt_addr_spec : "");
			str_lower(m->return_path);
			utf8_clean(m->return_path);
			break;
		case MAILIMF_FIELD_FROM: {
			struct mailimf_mailbox_list	*ml;
			struct mailimf_mailbox		*mb;

			ml = f->fld_data.fld_from != NULL ?
			    f->fld_data.fld_from->frm_mb_list : NULL;
			if (seen_from++ || ml == NULL || ml->mb_list == NULL ||
			    clist_count(ml->mb_list) != 1) {
				/* Two From fields or several mailboxes:
				 * no single sender to trust. */
				free(m->from);
				free(m->from_name);
				m->from = m->from_name = NULL;
				break;
			}
			mb = clist_content(clist_begin(ml->mb_list));
			if (mb->mb_addr_spec == NULL)
				break;
			m->from = xstrdup(mb->mb_addr_spec);
			str_lower(m->from);
			utf8_clean(m->from);
			if (mb->mb_display_name != NULL)
				m->from_name = decode_2047(mb->mb_display_name);
			break;
		}
		case MAILIMF_FIELD_TO:
			if (f->fld_data.fld_to != NULL)
				add_addrs(f->fld_data.fld_to->to_addr_list,
				    &m->to_cc, &m->nto_cc);
			break;
		case MAILIMF_FIELD_CC:
			if (f->fld_data.fld_cc != NULL)
				add_addrs(f->fld_data.fld_cc->cc_addr_list,
				    &m->to_cc, &m->nto_cc);
			break;
		case MAILIMF_FIELD_MESSAGE_ID:
			if (m->message_id == NULL &&
			    f->fld_data.fld_message_id != NULL &&
			    f->fld_data.fld_message_id->mid_value != NULL) {
				m->message_id = xstrdup(
				    f->fld_data.fld_message_id->mid_value);
				utf8_clean(m->message_id);
			}
			break;
		case MAILIMF_FIELD_SUBJECT:
			if (m->subject == NULL &&
			    f->fld_data.fld_subject != NULL &&
			    f->fld_data.fld_subject->sbj_value != NULL)
				m->subject = decode_2047(
				    f->fld_data.fld_subject->sbj_value);
			break;
		case MAILIMF_FIELD_REFERENCES:
			if (refs == NULL)
				refs = f->fld_data.fld_references;
			break;
		case MAILIMF_FIELD_IN_REPLY_TO:
			if (irt == NULL)
				irt = f->fld_data.fld_in_reply_to;
			break;
		case MAILIMF_FIELD_OPTIONAL_FIELD:
			if (f->fld_data.fld_optional_field != NULL)
				read_optional(f->fld_data.fld_optional_field,
				    m, &seen_from);
			break;
		default:
			break;
		}
	}
	if (refs != NULL && refs->mid_list != NULL &&
	    clist_count(refs->mid_list) > 0)
		make_references(refs->mid_list, m);
	else if (irt != NULL)
		make_references(irt->mid_list, m);
}

int
msg_parse(const char *raw, size_t len, const struct msg_limits *lim,
    struct msg *m, enum msg_err *err, char **cause)
{
	struct walk	 w;
	struct coll	 c;
	struct mailmime	*mime = NULL;
	size_t		 idx = 0, i;
	int		 r;

	memset(m, 0, sizeof(*m));
	memset(&c, 0, sizeof(c));
	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.m = m;
	*err = MSG_OK;
	*cause = NULL;

	if (len > lim->message_size) {
		fail(&w, MSG_ETOOBIG, "message of %zu bytes is larger than "
		    "the limit of %zu bytes", len, lim->message_size);
		goto fail;
	}
	if (len == 0) {
		fail(&w, MSG_EMALFORMED, "empty message");
		goto fail;
	}
	if (lim->mime_depth < 1 || lim->mime_parts < 1) {
		fail(&w, MSG_EMALFORMED, "MIME limits must be at least 1");
		goto fail;
	}
	if (scan_structure(raw, len, lim, &w) != 0)
		goto fail;

	r = mailmime_parse(raw, len, &idx, &mime);
	if (r != MAILIMF_NO_ERROR || mime == NULL) {
		fail(&w, MSG_EMALFORMED, "not a parsable mail (libetpan "
		    "error %d)", r);
		goto fail;
	}
	if (mime->mm_type != MAILMIME_MESSAGE ||
	    mime->mm_data.mm_message.mm_fields == NULL) {
		fail(&w, MSG_EMALFORMED, "no message header");
		goto fail;
	}
	read_fields(mime->mm_data.mm_message.mm_fields, m);
	if (m->subject == NULL)
		m->subject = xstrdup("");
	if (mime->mm_data.mm_message.mm_msg_mime != NULL &&
	    walk_node(mime->mm_data.mm_message.mm_msg_mime, 0, &w, &c) != 0)
		goto fail;

	for (i = 0; i < c.ndocs; i++)
		if (c.docs[i].name == NULL)
			xasprintf(&c.docs[i].name, "attachment-%zu", i + 1);
	m->docs = c.docs;
	m->ndocs = c.ndocs;
	m->ignored = c.ignored;
	m->nignored = c.nignored;
	mailmime_free(mime);
	return (0);

fail:
	if (mime != NULL)
		mailmime_free(mime);
	coll_free(&c);
	msg_free(m);
	*err = w.err != MSG_OK ? w.err : MSG_EMALFORMED;
	*cause = w.cause != NULL ? w.cause : xstrdup("malformed message");
	return (-1);
}

void
msg_strings_free(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
msg_free(struct msg *m)
{
	size_t	i;

	if (m == NULL)
		return;
	free(m->message_id);
	free(m->from);
	free(m->from_name);
	free(m->return_path);
	free(m->subject);
	if (m->password != NULL) {
		explicit_bzero(m->password, strlen(m->password));
		free(m->password);
	}
	free(m->subject_clean);
	msg_strings_free(m->to_cc, m->nto_cc);
	msg_strings_free(m->delivered_to, m->ndelivered);
	free(m->authres);
	free(m->references);
	free(m->text);
	for (i = 0; i < m->ndocs; i++) {
		free(m->docs[i].name);
		free(m->docs[i].content_type);
		free(m->docs[i].data);
	}
	free(m->docs);
	msg_strings_free(m->ignored, m->nignored);
	memset(m, 0, sizeof(*m));
}
