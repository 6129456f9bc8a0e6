/* tst_addr: every fax address form, every refusal, split and domains. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "util.h"
#include "../tap.h"

static const struct dial_rules jp = {
	"81", "75", "010", "0", NULL
};
static const struct dial_rules jp_pbx = {
	"81", "75", "010", "0", "0"
};
static const struct dial_rules us_noarea = {
	"1", NULL, "011", "1", NULL
};
static const struct dial_rules de = {
	"49", "30", "00", "0", "9"
};

static const struct {
	const struct dial_rules	*r;
	const char		*in, *e164, *dial, *sub;
} good[] = {
	{ &jp, "+81755551234", "+81755551234", "0755551234", NULL },
	{ &jp, "0755551234", "+81755551234", "0755551234", NULL },
	{ &jp, "+81-75-555-1234", "+81755551234", "0755551234", NULL },
	{ &jp, "(075) 555 1234", "+81755551234", "0755551234", NULL },
	{ &jp, "075.555.1234", "+81755551234", "0755551234", NULL },
	{ &jp, "5551234", "+81755551234", "0755551234", NULL },
	{ &jp, "FAX=+81-75-555-1234", "+81755551234", "0755551234", NULL },
	{ &jp, "fax=+81755551234", "+81755551234", "0755551234", NULL },
	{ &jp, "FAX=+81755551234/T33S=12", "+81755551234", "0755551234",
	    "12" },
	{ &jp, "FAX=+81755551234/t33s=0042", "+81755551234", "0755551234",
	    "0042" },
	{ &jp, "FAX=+81755551234/POSTAL=1234", "+81755551234", "0755551234",
	    NULL },
	{ &jp, "+81755551234/T33S=7/X-Foo=bar", "+81755551234",
	    "0755551234", "7" },
	{ &jp, "+12125551212", "+12125551212", "01012125551212", NULL },
	{ &jp, "010-1-212-555-1212", "+12125551212", "01012125551212",
	    NULL },
	{ &jp, "0312345678", "+81312345678", "0312345678", NULL },
	{ &jp_pbx, "+81755551234", "+81755551234", "00755551234", NULL },
	{ &jp_pbx, "5551234", "+81755551234", "00755551234", NULL },
	{ &jp_pbx, "+442071234567", "+442071234567", "0010442071234567",
	    NULL },
	{ &us_noarea, "+81755551234", "+81755551234", "01181755551234",
	    NULL },
	{ &us_noarea, "1-212-555-1212", "+12125551212", "12125551212",
	    NULL },
	{ &de, "030 1234567", "+49301234567", "90301234567", NULL },
	{ &de, "1234567", "+49301234567", "90301234567", NULL },
	{ &de, "0049 89 123456", "+4989123456", "9089123456", NULL },
	{ &de, "+4989123456", "+4989123456", "9089123456", NULL },
	{ &de, "+123456789012345", "+123456789012345",
	    "900123456789012345", NULL },
};

static const struct {
	const struct dial_rules	*r;
	const char		*in, *cause;
} bad[] = {
	{ &jp, "+81-75-abc", "'+81-75-abc': not a fax number (letters)" },
	{ &jp, "alice", "'alice': not a fax number (letters)" },
	{ &jp, "x.y#z", "'x.y#z': not a fax number (letters)" },
	{ &jp, "0755551234;rm", "'0755551234;rm': not a fax number "
	    "(letters)" },
	{ &jp, "0755551234;", "'0755551234;': not a fax number "
	    "(character ';')" },
	{ &jp, "075`555`1234", "'075`555`1234': not a fax number "
	    "(character '`')" },
	{ &jp, "$(reboot)", "'$(reboot)': not a fax number (letters)" },
	{ &jp, "0755551234|", "'0755551234|': not a fax number "
	    "(character '|')" },
	{ &jp, "0755551234\r\n", "'0755551234?\?': not a fax number "
	    "(control characters)" },
	{ &jp, "07555\t51234", "'07555?51234': not a fax number "
	    "(control characters)" },
	{ &jp, "0755\xc3\xa9", "'0755?\?': not a fax number "
	    "(8-bit characters)" },
	{ &jp, "", "'': not a fax number (empty)" },
	{ &jp, "FAX=", "'FAX=': not a fax number (no digits)" },
	{ &jp, "---", "'---': not a fax number (no digits)" },
	{ &jp, "110", "'110': not a fax number (too short)" },
	{ &jp, "+8112", "'+8112': not a fax number (too short)" },
	{ &jp, "+1234567890123456", "'+1234567890123456': not a fax number "
	    "(too long: E.164 allows 15 digits)" },
	{ &jp, "0123456789012345", "'0123456789012345': not a fax number "
	    "(too long: E.164 allows 15 digits)" },
	{ &jp, "75+5551234", "'75+5551234': not a fax number "
	    "(misplaced '+')" },
	{ &jp, "++81755551234", "'++81755551234': not a fax number "
	    "(misplaced '+')" },
	{ &jp, "+0755551234", "'+0755551234': not a fax number "
	    "(no country code starts with 0)" },
	{ &jp, "+81755551234/", "'+81755551234/': not a fax number "
	    "(empty qualifier)" },
	{ &jp, "+81755551234/T33S", "'+81755551234/T33S': not a fax number "
	    "(bad qualifier 'T33S')" },
	{ &jp, "+81755551234/T33S=1a", "'+81755551234/T33S=1a': not a fax "
	    "number (subaddress '1a' is not up to 20 digits)" },
	{ &jp, "+81755551234/T33S=1/T33S=2", "'+81755551234/T33S=1/T33S=2': "
	    "not a fax number (two T33S subaddresses)" },
	{ &jp, "+81755551234/X=a;b", "'+81755551234/X=a;b': not a fax "
	    "number (bad qualifier 'X=a;b')" },
	{ &us_noarea, "5551234", "'5551234': not a fax number (a local "
	    "number, but no area code is configured: write the full "
	    "number)" },
};

static void
test_long(void)
{
	char		 in[400], *cause = NULL;
	struct faxaddr	 fa;

	memset(in, '1', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	ok(addr_parse(in, &jp, &fa, &cause) == -1, "400 digits refused");
	ok(cause != NULL && strstr(cause, "(too long)") != NULL &&
	    strstr(cause, "...'") != NULL, "long value shown cut");
	free(cause);
	cause = NULL;
	in[45] = '\0';
	ok(addr_parse(in, &jp, &fa, &cause) == -1, "45 digits refused");
	free(cause);
}

static void
test_rules(void)
{
	struct dial_rules	 r = { "x1", NULL, "00", "0", NULL };
	struct faxaddr		 fa;
	char			*cause = NULL;

	ok(addr_parse("+81755551234", &r, &fa, &cause) == -1,
	    "bad country code in rules refused");
	is_str(cause, "dial rules: country code missing or not digits",
	    "rules cause");
	free(cause);
	cause = NULL;
	r.country_code = "81";
	r.intl_prefix = NULL;
	ok(addr_parse("+81755551234", &r, &fa, &cause) == -1,
	    "missing intl prefix refused");
	free(cause);
	cause = NULL;
	r.intl_prefix = "00";
	r.outside_prefix = "9#";
	ok(addr_parse("+81755551234", &r, &fa, &cause) == -1,
	    "non-digit outside prefix refused");
	free(cause);
	faxaddr_free(&fa);
}

static void
test_split(void)
{
	char	*l, *d;
	char	*doms[] = { "fax.example.com", "FAX2.example.com", NULL };

	ok(addr_split("+81755551234@Fax.Example.COM", &l, &d) == 0,
	    "split");
	is_str(l, "+81755551234", "split local");
	is_str(d, "fax.example.com", "split domain lower-cased");
	ok(addr_in_domains(d, doms), "domain in list");
	free(l);
	free(d);
	ok(addr_split("\"FAX=+81 75 555 1234\"@fax.example.com", &l, &d) ==
	    0, "split quoted");
	is_str(l, "FAX=+81 75 555 1234", "quoted local part unquoted");
	free(l);
	free(d);
	ok(addr_split("a@b@fax2.example.com", &l, &d) == 0, "last @");
	is_str(l, "a@b", "local keeps first @");
	ok(addr_in_domains(d, doms), "second domain, case-insensitive");
	free(l);
	free(d);
	ok(addr_split("nodomain", &l, &d) == -1 && l == NULL && d == NULL,
	    "no @ refused");
	ok(addr_split("@fax.example.com", &l, &d) == -1, "empty local");
	ok(addr_split("x@", &l, &d) == -1, "empty domain");
	ok(addr_split("\"\"@x", &l, &d) == -1, "empty quoted local");
	ok(!addr_in_domains("example.com", doms), "other domain not in list");
	ok(!addr_in_domains("x", NULL), "NULL list");
}

int
main(void)
{
	struct faxaddr	 fa;
	char		*cause, name[200];
	size_t		 i;

	for (i = 0; i < nitems(good); i++) {
		cause = NULL;
		snprintf(name, sizeof(name), "accept '%s'", good[i].in);
		if (!ok(addr_parse(good[i].in, good[i].r, &fa, &cause) == 0,
		    name)) {
			diag("cause: %s", cause);
			free(cause);
			continue;
		}
		is_str(fa.typed, good[i].in, "typed kept");
		is_str(fa.e164, good[i].e164, "e164");
		is_str(fa.dial, good[i].dial, "dial");
		is_str(fa.subaddr, good[i].sub, "subaddress");
		faxaddr_free(&fa);
		ok(fa.e164 == NULL, "faxaddr_free clears");
	}
	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		snprintf(name, sizeof(name), "refuse #%zu", i);
		ok(addr_parse(bad[i].in, bad[i].r, &fa, &cause) == -1, name);
		is_str(cause, bad[i].cause, "cause names the value");
		ok(fa.e164 == NULL && fa.dial == NULL, "nothing returned");
		free(cause);
	}
	test_long();
	test_rules();
	test_split();
	return (done_testing());
}
