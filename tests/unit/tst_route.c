/*
 * tst_route.c: dial patterns and distribution rule matching.
 */
#include "config.h"

#include <string.h>

#include "../../src/dial.h"
#include "../../src/route.h"
#include "../../src/util.h"
#include "../tap.h"

static void
t_dial(void)
{
	static const struct {
		const char	*pat;
		int		 valid;
	} pv[] = {
		{ "+81*", 1 }, { "81", 1 }, { "*", 1 }, { "+1900*", 1 },
		{ "", 0 }, { "+", 0 }, { "+*", 0 }, { "8*1", 0 }, { "81**", 0 },
		{ "a1", 0 }, { "+81 75", 0 }, { "123456789012345678901", 0 },
	};
	static const struct {
		const char	*pat, *num;
		int		 match;
	} pm[] = {
		{ "+81*", "+81755551234", 1 }, { "+81*", "+82755551234", 0 },
		{ "+8190*", "+81 90-1234-5678", 1 }, { "+81*", "+8", 0 },
		{ "+81755551234", "81 (75) 555.1234", 1 },
		{ "+81755551234", "+817555512345", 0 },
		{ "*", "+1", 1 }, { "+1900*", "+1900", 1 },
	};
	char	name[80];
	size_t	i;

	for (i = 0; i < nitems(pv); i++) {
		snprintf(name, sizeof(name), "pattern \"%s\" %s", pv[i].pat,
		    pv[i].valid ? "valid" : "invalid");
		is_int(dial_pattern_valid(pv[i].pat), pv[i].valid, name);
	}
	for (i = 0; i < nitems(pm); i++) {
		snprintf(name, sizeof(name), "\"%s\" %s \"%s\"", pm[i].pat,
		    pm[i].match ? "matches" : "does not match", pm[i].num);
		is_int(dial_pattern_match(pm[i].pat, pm[i].num), pm[i].match,
		    name);
	}
}

static void
t_route(void)
{
	static char	*ua[] = { "a@x", NULL }, *ub[] = { "b@x", NULL },
			*uc[] = { "c@x", NULL }, *ud[] = { "d@x", NULL },
			*ue[] = { "e@x", NULL };
	struct route	 r[5];
	static const struct {
		struct route_input	 in;
		int			 want;	/* order, 0 = none */
	} cases[] = {
		{ { "+81755551234", NULL, NULL, NULL }, 2 },
		{ { "81 75 555 1234", NULL, NULL, NULL }, 2 },
		{ { "+81755550000", NULL, NULL, NULL }, 9 },
		{ { "+81755550000", NULL, "  acme corp ", NULL }, 3 },
		{ { "+81755550000", NULL, "ACME", NULL }, 3 },
		{ { "+81755550000", NULL, "ACM", NULL }, 9 },
		{ { NULL, "+1555", NULL, "fax2" }, 5 },
		{ { NULL, "+1555", NULL, "fax1" }, 9 },
		{ { NULL, NULL, NULL, NULL }, 9 },
	};
	const struct route	*m;
	char			 name[80];
	size_t			 i;
	int			 got;

	memset(r, 0, sizeof(r));
	/* Deliberately out of order: the default rule first in the array. */
	r[0].order = 9; r[0].is_default = 1; r[0].users = ue;
	r[1].order = 2; r[1].called = "+81755551234"; r[1].users = ua;
	r[2].order = 3; r[2].csid = "acme*"; r[2].users = ub;
	r[3].order = 4; r[3].called = "+1*"; r[3].users = uc;
	r[4].order = 5; r[4].caller = "+1*"; r[4].server = "fax2";
	r[4].users = ud;
	for (i = 0; i < nitems(cases); i++) {
		m = NULL;
		got = route_match(r, 5, &cases[i].in, &m) ? m->order : 0;
		snprintf(name, sizeof(name), "case %zu picks rule %d", i,
		    cases[i].want);
		is_int(got, cases[i].want, name);
	}
	ok(route_match(r + 1, 4, &cases[8].in, &m) == 0,
	    "no default rule: nothing matches");
	ok(route_csid_valid("ACME Corp") && !route_csid_valid("") &&
	    !route_csid_valid("a\nb"), "csid validation");
}

int
main(void)
{
	t_dial();
	t_route();
	return done_testing();
}
