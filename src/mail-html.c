/*
 * mail-html.c: the text of an HTML body, for a mail that has no text/plain
 * part (faxed as text pages or shown on a cover page).  Not a browser: tags
 * go, block ends become line ends (paragraphs and <br><br> a blank line),
 * script, style and head contents go,
 * character references become UTF-8, runs of blanks become one space.
 * Input and output are UTF-8; the output is never longer than the input
 * plus a few bytes per line end.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail-parse.h"
#include "util.h"
#include "xmalloc.h"

static void	html_utf8(struct buf *, uint32_t);
static const char *html_entity(const char *, const char *, struct buf *);
static int	html_block(const char *, size_t);

/* Tags whose end (or the tag itself) ends a line. */
static int
html_block(const char *name, size_t n)
{
	static const char *const blocks[] = { "br", "p", "div", "tr", "li",
	    "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
	    "blockquote", "pre", "hr", "dt", "dd", "title", NULL };
	int	i;

	for (i = 0; blocks[i] != NULL; i++)
		if (strlen(blocks[i]) == n && strncasecmp(name, blocks[i],
		    n) == 0)
			return 1;
	return 0;
}

static void
html_utf8(struct buf *b, uint32_t c)
{
	char	u[4];

	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = '?';
	if (c < 0x80) {
		u[0] = (char)c;
		buf_add(b, u, 1);
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		buf_add(b, u, 4);
	}
}

/* p at '&': appends the character and returns what follows it. */
static const char *
html_entity(const char *p, const char *end, struct buf *b)
{
	static const struct {
		const char	*name;
		uint32_t	 c;
	} named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "apos", '\'' }, { "nbsp", ' ' }, { "copy", 0xa9 },
		{ "reg", 0xae }, { "euro", 0x20ac }, { "yen", 0xa5 },
		{ "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
	};
	const char	*q = p + 1, *semi;
	unsigned long	 c;
	char		*e;
	size_t		 i, n;

	for (semi = q; semi < end && semi - q < 12 && *semi != ';'; semi++)
		;
	if (semi >= end || *semi != ';') {
		buf_add(b, "&", 1);
		return p + 1;
	}
	n = (size_t)(semi - q);
	if (n > 1 && *q == '#') {
		if (q[1] == 'x' || q[1] == 'X')
			c = strtoul(q + 2, &e, 16);
		else
			c = strtoul(q + 1, &e, 10);
		if (e != semi) {
			buf_add(b, "&", 1);
			return p + 1;
		}
		html_utf8(b, c > 0x10ffff ? '?' : (uint32_t)c);
		return semi + 1;
	}
	for (i = 0; i < nitems(named); i++)
		if (strlen(named[i].name) == n && strncmp(q, named[i].name,
		    n) == 0) {
			html_utf8(b, named[i].c);
			return semi + 1;
		}
	buf_add(b, "&", 1);
	return p + 1;
}

char *
html_to_text(const char *html, size_t len)
{
	const char	*p = html, *end = html + len, *t, *name, *skipto = NULL;
	struct buf	 b;
	size_t		 n;
	int		 closing, nl = 2, space = 0;

	buf_init(&b);
	while (p < end) {
		if (*p == '<') {
			if (end - p >= 4 && strncmp(p, "<!--", 4) == 0) {
				t = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
				p = t != NULL ? t + 3 : end;
				continue;
			}
			t = memchr(p, '>', (size_t)(end - p));
			if (t == NULL)
				break;
			closing = p[1] == '/';
			name = p + 1 + closing;
			for (n = 0; name + n < t && (name[n] == '-' ||
			    (name[n] >= '0' && name[n] <= '9') ||
			    ((name[n] | 0x20) >= 'a' && (name[n] | 0x20) <= 'z'));
			    n++)
				;
			p = t + 1;
			if (skipto != NULL) {
				if (closing && strlen(skipto) == n &&
				    strncasecmp(name, skipto, n) == 0)
					skipto = NULL;
				continue;
			}
			if (!closing && n == 6 && strncasecmp(name, "script",
			    6) == 0)
				skipto = "script";
			else if (!closing && n == 5 && strncasecmp(name,
			    "style", 5) == 0)
				skipto = "style";
			else if (!closing && n == 4 && strncasecmp(name, "head",
			    4) == 0)
				skipto = "head";
			else if (html_block(name, n) && b.len > 0 && (nl == 0 ||
			    (nl < 2 && ((n == 1 && (*name | 0x20) == 'p') ||
			    (n == 2 && strncasecmp(name, "br", 2) == 0))))) {
				buf_add(&b, "\n", 1);
				nl++;
				space = 0;
			}
			continue;
		}
		if (skipto != NULL) {
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = 1;
			p++;
			continue;
		}
		if (space && nl == 0)
			buf_add(&b, " ", 1);
		space = 0;
		nl = 0;
		if (*p == '&')
			p = html_entity(p, end, &b);
		else
			buf_add(&b, p++, 1);
	}
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.len--;
	buf_add(&b, "\n", 1);
	buf_add(&b, "", 1);
	return buf_steal(&b, NULL);
}
