/*
 * addr.c: fax address parsing and number normalisation (see addr.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "util.h"
#include "xmalloc.h"

#define DIGITS_MAX	40	/* typed digits, prefixes included */

static int	 is_digits(const char *);
static int	 refuse(char **, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 parse_qualifiers(const char *, const char *, char **,
		    char **);
static int	 check_rules(const struct dial_rules *, char **);

static int
is_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return (0);
	return (1);
}

/* Sets *cause to "'VALUE': not a fax number (WHY)" and returns -1. */
static int
refuse(char **cause, const char *value, const char *fmt, ...)
{
	va_list	 ap;
	char	*why, *shown;

	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	shown = addr_printable(value, 64);
	xasprintf(cause, "'%s': not a fax number (%s)", shown, why);
	free(shown);
	free(why);
	return (-1);
}

char *
addr_printable(const char *s, size_t max)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_add(&b, c < 0x20 || c >= 0x7f ? "?" : &s[i], 1);
	}
	if (s[i] != '\0')
		buf_adds(&b, "...");
	if (b.data == NULL)
		return (xstrdup(""));
	return (buf_steal(&b, NULL));
}

static int
check_rules(const struct dial_rules *r, char **cause)
{
	if (r == NULL || !is_digits(r->country_code)) {
		*cause = xstrdup("dial rules: country code missing or not "
		    "digits");
		return (-1);
	}
	if (!is_digits(r->intl_prefix)) {
		*cause = xstrdup("dial rules: international prefix missing or "
		    "not digits");
		return (-1);
	}
	if ((r->natl_prefix != NULL && *r->natl_prefix != '\0' &&
	    !is_digits(r->natl_prefix)) ||
	    (r->area_code != NULL && *r->area_code != '\0' &&
	    !is_digits(r->area_code)) ||
	    (r->outside_prefix != NULL && *r->outside_prefix != '\0' &&
	    !is_digits(r->outside_prefix))) {
		*cause = xstrdup("dial rules: a prefix or area code is not "
		    "digits");
		return (-1);
	}
	return (0);
}

/*
 * Qualifiers after the number: "/NAME=VALUE/...".  T33S keeps its digits in
 * *subaddr; other qualifiers are checked for sane characters and ignored.
 * Returns 0, or -1 with *why allocated.
 */
static int
parse_qualifiers(const char *q, const char *end, char **subaddr,
    char **why)
{
	const char	*slash, *eq, *p;
	size_t		 nlen, vlen;

	if (q >= end) {
		*why = xstrdup("empty qualifier");
		return (-1);
	}
	while (q < end) {
		if ((slash = memchr(q, '/', end - q)) == NULL)
			slash = end;
		eq = memchr(q, '=', slash - q);
		if (eq == NULL || eq == q || eq + 1 == slash) {
			xasprintf(why, "bad qualifier '%.*s'",
			    (int)(slash - q), q);
			return (-1);
		}
		nlen = eq - q;
		vlen = slash - eq - 1;
		for (p = q; p < slash; p++) {
			if (!isalnum((unsigned char)*p) && *p != '=' &&
			    *p != '-' && *p != '.' && *p != '+') {
				xasprintf(why, "bad qualifier '%.*s'",
				    (int)(slash - q), q);
				return (-1);
			}
		}
		if (nlen == 4 && strncasecmp(q, "T33S", 4) == 0) {
			if (*subaddr != NULL) {
				*why = xstrdup("two T33S subaddresses");
				return (-1);
			}
			for (p = eq + 1; p < slash; p++) {
				if (!isdigit((unsigned char)*p))
					break;
			}
			if (p != slash || vlen > ADDR_MAX_SUBADDR) {
				xasprintf(why, "subaddress '%.*s' is not up "
				    "to %d digits", (int)vlen, eq + 1,
				    ADDR_MAX_SUBADDR);
				return (-1);
			}
			*subaddr = xstrndup(eq + 1, vlen);
		}
		q = slash + (slash < end);
		if (slash + 1 == end) {
			*why = xstrdup("empty qualifier");
			return (-1);
		}
	}
	return (0);
}

int
addr_parse(const char *lp, const struct dial_rules *r, struct faxaddr *fa,
    char **cause)
{
	char		 digits[DIGITS_MAX + 1], intl[DIGITS_MAX + 1];
	char		*why = NULL, *subaddr = NULL;
	const char	*s, *end, *p, *natl, *cc;
	size_t		 len, nd = 0, ccl, il, nl;
	int		 plus = 0, letters = 0;
	unsigned char	 bad = 0;

	memset(fa, 0, sizeof(*fa));
	if (check_rules(r, cause) != 0)
		return (-1);
	len = strnlen(lp, ADDR_MAX_LOCAL + 1);
	if (len > ADDR_MAX_LOCAL)
		return (refuse(cause, lp, "too long"));
	if (len == 0)
		return (refuse(cause, lp, "empty"));
	for (p = lp; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return (refuse(cause, lp, "control characters"));
		if ((unsigned char)*p >= 0x80)
			return (refuse(cause, lp, "8-bit characters"));
	}

	s = lp;
	if (strncasecmp(s, "FAX=", 4) == 0)
		s += 4;
	if ((end = strchr(s, '/')) == NULL)
		end = s + strlen(s);

	for (p = s; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (isdigit(c)) {
			if (nd == DIGITS_MAX)
				return (refuse(cause, lp, "too long"));
			digits[nd++] = (char)c;
		} else if (c == '+') {
			if (plus || nd != 0)
				return (refuse(cause, lp, "misplaced '+'"));
			plus = 1;
		} else if (c == '-' || c == '.' || c == ' ' || c == '(' ||
		    c == ')')
			continue;
		else if (isalpha(c))
			letters = 1;
		else if (bad == 0)
			bad = c;
	}
	digits[nd] = '\0';
	if (letters)
		return (refuse(cause, lp, "letters"));
	if (bad != 0)
		return (refuse(cause, lp, "character '%c'", bad));
	if (nd == 0)
		return (refuse(cause, lp, "no digits"));
	if (*end == '/' && parse_qualifiers(end + 1, s + strlen(s), &subaddr,
	    &why) != 0) {
		refuse(cause, lp, "%s", why);
		free(why);
		goto fail;
	}

	cc = r->country_code;
	ccl = strlen(cc);
	natl = r->natl_prefix != NULL ? r->natl_prefix : "";
	il = strlen(r->intl_prefix);
	nl = strlen(natl);
	if (plus)
		strlcpy(intl, digits, sizeof(intl));
	else if (nd > il && strncmp(digits, r->intl_prefix, il) == 0)
		strlcpy(intl, digits + il, sizeof(intl));
	else if (nl != 0 && nd > nl && strncmp(digits, natl, nl) == 0) {
		if (ccl + nd - nl > ADDR_MAX_DIGITS)
			goto toolong;
		strlcpy(intl, cc, sizeof(intl));
		strlcat(intl, digits + nl, sizeof(intl));
	} else {
		if (r->area_code == NULL || *r->area_code == '\0') {
			refuse(cause, lp, "a local number, but no area code "
			    "is configured: write the full number");
			goto fail;
		}
		if (nd < 4) {
			refuse(cause, lp, "too short");
			goto fail;
		}
		if (ccl + strlen(r->area_code) + nd > ADDR_MAX_DIGITS)
			goto toolong;
		strlcpy(intl, cc, sizeof(intl));
		strlcat(intl, r->area_code, sizeof(intl));
		strlcat(intl, digits, sizeof(intl));
	}
	if (strlen(intl) > ADDR_MAX_DIGITS)
		goto toolong;
	if (strlen(intl) < ADDR_MIN_DIGITS) {
		refuse(cause, lp, "too short");
		goto fail;
	}
	if (intl[0] == '0') {
		refuse(cause, lp, "no country code starts with 0");
		goto fail;
	}

	fa->typed = xstrdup(lp);
	xasprintf(&fa->e164, "+%s", intl);
	if (strncmp(intl, cc, ccl) == 0)
		xasprintf(&fa->dial, "%s%s%s", r->outside_prefix != NULL ?
		    r->outside_prefix : "", natl, intl + ccl);
	else
		xasprintf(&fa->dial, "%s%s%s", r->outside_prefix != NULL ?
		    r->outside_prefix : "", r->intl_prefix, intl);
	fa->subaddr = subaddr;
	return (0);

toolong:
	refuse(cause, lp, "too long: E.164 allows %d digits", ADDR_MAX_DIGITS);
fail:
	free(subaddr);
	return (-1);
}

void
faxaddr_free(struct faxaddr *fa)
{
	if (fa == NULL)
		return;
	free(fa->typed);
	free(fa->e164);
	free(fa->dial);
	free(fa->subaddr);
	memset(fa, 0, sizeof(*fa));
}

int
addr_split(const char *addr, char **local, char **domain)
{
	const char	*at;
	size_t		 len, ll;
	char		*l;

	*local = *domain = NULL;
	len = strnlen(addr, 321);
	if (len > 320 || (at = strrchr(addr, '@')) == NULL)
		return (-1);
	ll = at - addr;
	if (ll == 0 || at[1] == '\0')
		return (-1);
	if (ll >= 2 && addr[0] == '"' && addr[ll - 1] == '"') {
		const char	*p;
		char		*q;

		l = q = xmalloc(ll);
		for (p = addr + 1; p < addr + ll - 1; p++) {
			if (*p == '\\' && p + 1 < addr + ll - 1)
				p++;
			*q++ = *p;
		}
		*q = '\0';
		if (*l == '\0') {
			free(l);
			return (-1);
		}
	} else
		l = xstrndup(addr, ll);
	*local = l;
	*domain = xstrdup(at + 1);
	str_lower(*domain);
	return (0);
}

int
addr_in_domains(const char *domain, char *const *domains)
{
	size_t	i;

	if (domain == NULL || domains == NULL)
		return (0);
	for (i = 0; domains[i] != NULL; i++)
		if (strcasecmp(domain, domains[i]) == 0)
			return (1);
	return (0);
}

static void
add_fax_locals(char *const *addrs, size_t naddrs, char *const *domains,
    char ***locals, size_t *n)
{
	char	*l, *d;
	size_t	 i, j;

	for (i = 0; i < naddrs; i++) {
		if (addr_split(addrs[i], &l, &d) != 0)
			continue;
		if (addr_in_domains(d, domains)) {
			for (j = 0; j < *n; j++)
				if (strcasecmp((*locals)[j], l) == 0)
					break;
			if (j == *n) {
				*locals = xreallocarray(*locals, *n + 1,
				    sizeof(**locals));
				(*locals)[(*n)++] = l;
				l = NULL;
			}
		}
		free(l);
		free(d);
	}
}

void
addr_fax_recipients(char *const *to_cc, size_t nto_cc,
    char *const *delivered, size_t ndelivered, char *const *domains,
    char ***locals, size_t *n)
{
	*locals = NULL;
	*n = 0;
	add_fax_locals(to_cc, nto_cc, domains, locals, n);
	if (*n == 0)
		add_fax_locals(delivered, ndelivered, domains, locals, n);
}
