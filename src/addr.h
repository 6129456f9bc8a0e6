/*
 * addr.h: fax addresses.  A user writes to <number>@<fax domain>; the local
 * part names the number in one of the forms people and mail clients use:
 *
 *	+81755551234		international (E.164)
 *	+81-75-555-1234		with separators ('-', '.', ' ', '(', ')')
 *	0755551234		national (natl_prefix first)
 *	(075) 555 1234
 *	010 81 75 555 1234	international prefix instead of '+'
 *	5551234			local: in the own area (needs area_code)
 *	FAX=+81-75-555-1234	RFC 3192 (case-insensitive "FAX=")
 *	FAX=+81755551234/T33S=12  RFC 3192/2303 qualifiers: T33S (a T.33
 *				subaddress, digits) is kept; other qualifiers
 *				of the form NAME=VALUE are ignored.
 *
 * Anything else is refused with a cause naming the value: letters, shell
 * metacharacters, control characters, a '+' not in front, fewer than
 * ADDR_MIN_DIGITS or more than 15 (E.164) digits.
 *
 * Pure functions, no global state: safe from any thread.
 */
#ifndef FAXHUB_ADDR_H
#define FAXHUB_ADDR_H

#include <stddef.h>

#define ADDR_MAX_LOCAL		256	/* longest local part considered */
#define ADDR_MAX_DIGITS		15	/* E.164 */
#define ADDR_MIN_DIGITS		7	/* country code + subscriber, at least */
#define ADDR_MAX_SUBADDR	20	/* T.33 subaddress digits */

/*
 * Dialling rules of the site (borrowed strings; the caller keeps them).
 * All prefixes are digit strings.
 */
struct dial_rules {
	const char	*country_code;	/* "81"; required */
	const char	*area_code;	/* "75", or NULL: no local numbers */
	const char	*intl_prefix;	/* "010" (JP), "00"; required */
	const char	*natl_prefix;	/* "0", or NULL/"" when none */
	const char	*outside_prefix; /* "0", or NULL: put before every dial
					    string (PBX outside line) */
};

/*
 * A parsed fax address; every string is allocated and owned by the struct,
 * released by faxaddr_free().
 */
struct faxaddr {
	char	*typed;		/* the local part as written */
	char	*e164;		/* canonical "+81755551234" */
	char	*dial;		/* what the fax server dials: outside prefix,
				   then natl prefix + national number for the
				   own country, intl prefix + E.164 digits for
				   others; short numbers come out expanded */
	char	*subaddr;	/* T.33 subaddress digits, or NULL */
};

/*
 * Parses a local part.  0 and *fa filled (caller calls faxaddr_free), or
 * -1 with *cause allocated (caller frees) and *fa zeroed.
 * Example cause: "'+81-75-abc': not a fax number (letters)".
 */
int	addr_parse(const char *localpart, const struct dial_rules *,
	    struct faxaddr *fa, char **cause);
/* Releases the strings of *fa (not fa itself); safe on a zeroed struct. */
void	faxaddr_free(struct faxaddr *fa);

/*
 * Splits "local@domain" at the last '@'.  The local part loses the quotes
 * of a quoted string; the domain is lower-cased.  Returns 0 with *local
 * and *domain allocated (caller frees), -1 when there is no '@', either
 * side is empty, or the address is longer than 320 bytes.
 */
int	addr_split(const char *addr, char **local, char **domain);
/* 1 when domain (case-insensitive) is one of the NULL-terminated list. */
int	addr_in_domains(const char *domain, char *const *domains);

/*
 * Copies at most max bytes of s into an allocated string fit for a log
 * line or a mail: control characters and bytes >= 0x7f become '?', and
 * "..." marks a cut.  Caller frees.
 */
char	*addr_printable(const char *s, size_t max);

#endif
