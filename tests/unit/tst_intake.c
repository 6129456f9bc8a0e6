/*
 * tst_intake: the intake steps (parse, automatic mail, recipients,
 * authentication, numbers) driven from the mail files of tests/data/mail
 * and a users table in memory: no IMAP, no spool, no daemon.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "intake.h"
#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

static char *doms[] = { "fax.example.com", NULL };
static char *site_barred[] = { "+81990*", NULL };
static char *heidi_bar[] = { "+1*", NULL };

struct fake_user {
	const char	*id;
	int		 enabled;
	char		**bar;
};
static const struct fake_user users[] = {
	{ "alice@example.test", 1, NULL },
	{ "heidi@example.test", 1, heidi_bar },
	{ "dave@example.test", 0, NULL },
};

static const struct fake_user *
find(const char *id)
{
	size_t	i;

	for (i = 0; i < nitems(users); i++)
		if (strcmp(users[i].id, id) == 0)
			return (&users[i]);
	return (NULL);
}

static int
get_user(void *arg, const char *id, struct auth_user *u)
{
	const struct fake_user	*f = find(id);

	(void)arg;
	u->exists = f != NULL;
	u->enabled = f != NULL && f->enabled;
	return (0);
}

static int
verify(void *arg, const char *id, const char *pw)
{
	(void)arg;
	return (find(id) != NULL && strcmp(pw, "s3cret") == 0);
}

static int
user_copy(void *arg, const char *id, struct user *u)
{
	const struct fake_user	*f = find(id);

	(void)arg;
	if (f == NULL)
		return (0);
	u->id = xstrdup(f->id);
	u->enabled = f->enabled;
	u->bar = f->bar != NULL ? strv_dup(f->bar) : NULL;
	return (1);
}

static struct config	cfg;
static struct intake_env env;

static void
setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.limits.message_size = 1024 * 1024;
	cfg.limits.header_size = 16 * 1024;
	cfg.limits.attachment_size = 256 * 1024;
	cfg.limits.mime_depth = 10;
	cfg.limits.mime_parts = 100;
	cfg.fax.domains = doms;
	cfg.fax.ndomains = 1;
	cfg.auth.modes = AUTH_ADDRESS;
	cfg.dial.country_code = "81";
	cfg.dial.area_code = "75";
	cfg.dial.international_prefix = "010";
	cfg.dial.national_prefix = "0";
	cfg.dial.barred = site_barred;
	cfg.dial.nbarred = 1;
	memset(&env, 0, sizeof(env));
	env.cfg = &cfg;
	env.auth.get_user = get_user;
	env.auth.verify = verify;
	env.user_copy = user_copy;
}

/*
 * Runs the steps on a mail file until one stops; returns what it said and
 * leaves *im filled (caller frees).  *steps: how many steps went on.
 */
static enum intake_rc
run(const char *name, struct intake_mail *im, int *steps)
{
	static enum intake_rc (*const checks[])(const struct intake_env *,
	    struct intake_mail *) = { intake_automatic, intake_recipients,
	    intake_authenticate, intake_numbers };
	const char	*top;
	char		*path, *raw, *cause = NULL;
	size_t		 len, i;
	enum intake_rc	 r;

	if ((top = getenv("top_srcdir")) == NULL)
		top = TOP_SRCDIR;
	xasprintf(&path, "%s/tests/data/mail/%s", top, name);
	intake_mail_init(im, name);
	*steps = 0;
	if (file_read(path, 4 * 1024 * 1024, &raw, &len, &cause) != 0) {
		diag("%s", cause);
		free(cause);
		free(path);
		return (INTAKE_RETRY);
	}
	free(path);
	r = intake_parse(&env, im, raw, len, 0);
	free(raw);
	for (i = 0; r == INTAKE_NEXT && i < nitems(checks); i++) {
		(*steps)++;
		r = checks[i](&env, im);
	}
	return (r);
}

static void
test_accepted(void)
{
	struct intake_mail	im;
	int			n;

	is_int(run("three.eml", &im, &n), INTAKE_NEXT, "three: accepted");
	is_int(n, 4, "three: every step ran");
	is_str(im.user, "heidi@example.test", "three: user");
	is_int(im.nlocals, 3, "three: three fax addresses (one twice)");
	is_int(im.nok, 2, "three: the US number is barred for heidi");
	is_str(im.fas[0].e164, "+81755551234", "three: first number");
	is_str(im.fas[1].dial, "0612345678", "three: Osaka dialled "
	    "nationally");
	ok(im.fas[2].e164 == NULL, "three: barred number not sent");
	is_str(im.bad, "FAX=+1-212-555-1212: you may not send faxes to this "
	    "number", "three: why a number is left out");
	intake_mail_free(&im);

	cfg.auth.modes = AUTH_ADDRESS | AUTH_PASSWORD;
	is_int(run("gmail-octet.eml", &im, &n), INTAKE_NEXT,
	    "gmail: address + password accepted");
	is_str(im.m.subject_clean, "scan", "gmail: password out of the "
	    "subject");
	intake_mail_free(&im);
	cfg.auth.modes = AUTH_ADDRESS;
}

static void
test_refused(void)
{
	struct intake_mail	im;
	int			n;

	is_int(run("vacation.eml", &im, &n), INTAKE_REFUSED,
	    "vacation reply refused");
	is_int(n, 1, "vacation: stopped at the automatic-mail step");
	is_int(im.refusal.why, REFUSE_AUTOMATIC, "vacation: automatic");
	is_str(im.refusal.silent, "null envelope sender",
	    "vacation: the sign named for the log");
	ok(!auth_may_reply(&im.m), "vacation: never answered");
	intake_mail_free(&im);

	is_int(run("list.eml", &im, &n), INTAKE_REFUSED, "list mail refused");
	is_int(im.refusal.why, REFUSE_AUTOMATIC, "list: automatic");
	intake_mail_free(&im);

	is_int(run("bad-number.eml", &im, &n), INTAKE_REFUSED,
	    "shell characters in the number refused");
	is_int(n, 4, "bad number: stopped at the numbers step");
	is_int(im.refusal.why, REFUSE_BAD_NUMBER, "bad number: an invalid "
	    "number, not a missing recipient");
	is_str(im.refusal.value, "555;rm -rf", "bad number: the value");
	is_str(im.m.references, "<earlier@example.test>",
	    "bad number: References from In-Reply-To");
	intake_mail_free(&im);

	is_int(run("alternative.eml", &im, &n), INTAKE_REFUSED,
	    "a stranger is refused");
	is_int(n, 3, "stranger: stopped at authentication");
	is_int(im.refusal.why, REFUSE_UNKNOWN_SENDER, "stranger: unknown");
	ok(im.refusal.unknown, "stranger: silent_unknown applies");
	intake_mail_free(&im);

	is_int(run("malformed-noboundary.eml", &im, &n), INTAKE_REFUSED,
	    "malformed mail refused");
	is_int(n, 0, "malformed: stopped at parsing");
	is_int(im.refusal.why, REFUSE_MALFORMED, "malformed");
	intake_mail_free(&im);
}

int
main(void)
{
	setup();
	test_accepted();
	test_refused();
	return (done_testing());
}
