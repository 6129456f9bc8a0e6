/*
 * addr.h: fax addresses.  A user writes to <number>@<fax domain>; the local
 * part names the number in one of the forms people and mail clients use:
 *
 *	+81755551234		international (E.164)
 *	+81-75-555-1234		with '-', '.', ' ', '(' or ')'
 *	0755551234		national (natl_prefix first)
 *	(075) 555 1234
 *	010 81 75 555 1234	international prefix instead of '+'
 *	5551234			local, own area (needs area_code)
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

/* Longest local part looked at; E.164 digits; least digits (country code
 * and subscriber); T.33 subaddress digits. */
#define ADDR_MAX_LOCAL		256
#define ADDR_MAX_DIGITS		15
#define ADDR_MIN_DIGITS		7
#define ADDR_MAX_SUBADDR	20

/*
 * Dialling rules of the site (borrowed strings; the caller keeps them).
 * All are digit strings.  country_code ("81") and intl_prefix ("010" in
 * Japan, "00" in most of Europe) are required; area_code ("75") may be
 * NULL, and then local numbers are refused; natl_prefix ("0") may be NULL
 * or "" where there is none; outside_prefix (a PBX outside line, "0") may
 * be NULL, else it goes before every dial string.
 */
struct dial_rules {
	const char	*country_code;
	const char	*area_code;
	const char	*intl_prefix;
	const char	*natl_prefix;
	const char	*outside_prefix;
};

/*
 * A parsed fax address; every string is allocated and owned by the struct,
 * released by faxaddr_free().  typed: the local part as written.  e164:
 * the canonical "+81755551234".  dial: what the fax server dials: the
 * outside prefix, then natl prefix + national number for the own country,
 * intl prefix + E.164 digits for others (short numbers come out
 * expanded).  subaddr: the T.33 subaddress digits, or NULL.
 */
struct faxaddr {
	char	*typed;
	char	*e164;
	char	*dial;
	char	*subaddr;
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
 * Which addresses of a mail ask for a fax: the local parts of the To/Cc
 * addresses whose domain is in domains (NULL-terminated); when there is
 * none, those of Delivered-To / X-Original-To (the copy a Bcc or the site
 * MTA delivered).  Duplicates (exact, case-insensitive) removed, order
 * kept.  Sets *n; *locals is an allocated array of allocated strings
 * (caller frees each and the array), NULL when *n is 0.
 */
void	addr_fax_recipients(char *const *to_cc, size_t nto_cc,
	    char *const *delivered, size_t ndelivered, char *const *domains,
	    char ***locals, size_t *n);

/*
 * Copies at most max bytes of s into an allocated string fit for a log
 * line or a mail: control characters and bytes >= 0x7f become '?', and
 * "..." marks a cut.  Caller frees.
 */
char	*addr_printable(const char *s, size_t max);

#endif
