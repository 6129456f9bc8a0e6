/*
 * route.c: distribution rule matching (see route.h).
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "dial.h"
#include "route.h"

static int	route_num(const char *, const char *);
static int	route_csid(const char *, const char *);

static int
route_num(const char *pat, const char *num)
{
	if (pat == NULL || *pat == '\0')
		return 1;
	if (strcmp(pat, "*") == 0)
		return 1;
	if (num == NULL || *num == '\0')
		return 0;
	return dial_pattern_match(pat, num);
}

static int
route_csid(const char *pat, const char *csid)
{
	size_t	pl, cl;
	int	prefix = 0;

	if (pat == NULL || *pat == '\0' || strcmp(pat, "*") == 0)
		return 1;
	if (csid == NULL)
		return 0;
	while (isspace((unsigned char)*pat))
		pat++;
	while (isspace((unsigned char)*csid))
		csid++;
	pl = strlen(pat);
	while (pl > 0 && isspace((unsigned char)pat[pl - 1]))
		pl--;
	cl = strlen(csid);
	while (cl > 0 && isspace((unsigned char)csid[cl - 1]))
		cl--;
	if (pl > 0 && pat[pl - 1] == '*') {
		prefix = 1;
		pl--;
		while (pl > 0 && isspace((unsigned char)pat[pl - 1]))
			pl--;
	}
	if (prefix)
		return cl >= pl && strncasecmp(pat, csid, pl) == 0;
	return cl == pl && strncasecmp(pat, csid, pl) == 0;
}

int
route_rule_matches(const struct route *r, const struct route_input *in)
{
	if (r->is_default)
		return 1;
	if (!route_num(r->called, in->called))
		return 0;
	if (!route_num(r->caller, in->caller))
		return 0;
	if (!route_csid(r->csid, in->csid))
		return 0;
	if (r->server != NULL && *r->server != '\0' &&
	    (in->server == NULL || strcmp(r->server, in->server) != 0))
		return 0;
	return 1;
}

int
route_match(const struct route *rules, size_t n,
    const struct route_input *in, const struct route **matched)
{
	const struct route	*best = NULL, *dflt = NULL;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (rules[i].is_default) {
			if (dflt == NULL || rules[i].order < dflt->order)
				dflt = &rules[i];
			continue;
		}
		if ((best == NULL || rules[i].order < best->order) &&
		    route_rule_matches(&rules[i], in))
			best = &rules[i];
	}
	if (best == NULL)
		best = dflt;
	if (best == NULL)
		return 0;
	*matched = best;
	return 1;
}

int
route_csid_valid(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}
