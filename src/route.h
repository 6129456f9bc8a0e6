/*
 * route.h: choosing the recipients of a received fax from the
 * distribution rules (the routes table).  One function, used by the daemon
 * and by "faxhubctl route test", so that both decide alike.
 *
 * A rule matches when each of its conditions that is set matches:
 *  - called, caller: dial patterns (dial.h) compared on digits only, so
 *    "+81 75-555-1234", "81755551234" and "+81755551234" are the same
 *    number; a trailing '*' makes a prefix, "*" alone any number.  A set
 *    condition never matches an unknown (NULL/empty) number unless it is "*".
 *  - csid: case-insensitive after trimming blanks at both ends; a trailing
 *    '*' makes a prefix.
 *  - server: the receiving server's name, exactly.
 * Rules are tried in order; the default rule (at most one) is tried last
 * and matches anything.
 */
#ifndef FAXHUB_ROUTE_H
#define FAXHUB_ROUTE_H

#include <stddef.h>

#include "record.h"

struct route_input {
	const char	*called;
	const char	*caller;
	const char	*csid;
	const char	*server;
};

/*
 * Returns 1 and points *matched at the first matching rule in rules[]
 * (not a copy), 0 when none matches.
 */
int	route_match(const struct route *rules, size_t n,
	    const struct route_input *, const struct route **matched);
/* 1 when one rule matches the input. */
int	route_rule_matches(const struct route *, const struct route_input *);
/* 1 when s is a usable CSID pattern (printable, at most 64 bytes). */
int	route_csid_valid(const char *);

#endif
