/* tst_auth: each authentication mode accepted and forged; registration. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../src/conf.h"
#include "auth.h"
#include "passwd.h"
#include "mail-parse.h"
#include "register.h"
#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

static const struct msg_limits lim = {
	1024 * 1024, 16 * 1024, 256 * 1024, 10, 100
};

struct fake_user {
	const char	*id;
	int		 enabled;
	const char	*password;
	char		*hash;
};
static struct fake_user users[] = {
	{ "alice@example.test", 1, "s3cret", NULL },
	{ "bob@example.test", 0, "bobpw", NULL },
	{ "relay@example.test", 1, "x", NULL },
};
static int table_broken;

static struct fake_user *
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
	struct fake_user	*f;

	(void)arg;
	if (table_broken)
		return (-1);
	f = find(id);
	u->exists = f != NULL;
	u->enabled = f != NULL && f->enabled;
	return (0);
}

static int
verify(void *arg, const char *id, const char *pw)
{
	struct fake_user	*f;

	(void)arg;
	if ((f = find(id)) == NULL)
		return (0);
	return (passwd_verify(pw, f->hash));
}

static const struct auth_ops ops = { NULL, get_user, verify };

/* Parses a mail given as header lines; the body is "hello". */
static void
mail(struct msg *m, const char *headers)
{
	char		*raw, *cause = NULL;
	enum msg_err	 err;

	xasprintf(&raw, "%s\r\nhello\r\n", headers);
	if (msg_parse(raw, strlen(raw), &lim, m, &err, &cause) == 0)
		auth_take_password(m);
	else {
		diag("parse: %s", cause);
		free(cause);
		memset(m, 0, sizeof(*m));
	}
	free(raw);
}

static void
check(const char *headers, unsigned modes, int want, int unknown,
    const char *reason_has, const char *label)
{
	struct msg		 m;
	struct auth_result	 res;
	int			 rc;

	mail(&m, headers);
	rc = auth_check(&m, modes, "mx.example.test", &ops, &res);
	is_int(rc, want, label);
	is_int(res.ok, want == 1, "ok flag");
	if (want == 1)
		is_str(res.user, m.from, "user is From");
	else {
		ok(res.reason != NULL && (reason_has == NULL ||
		    strstr(res.reason, reason_has) != NULL), "reason");
		diag("%s", res.reason != NULL ? res.reason : "(null)");
		ok(res.reason == NULL || m.password == NULL ||
		    strstr(res.reason, m.password) == NULL,
		    "reason never repeats the password");
	}
	is_int(res.unknown_sender, unknown, "unknown_sender");
	auth_result_free(&res);
	msg_free(&m);
}

#define FROM_ALICE	"From: Alice <alice@example.test>\r\n"
#define AR_MTA		"Authentication-Results: mx.example.test; "

static void
test_modes(void)
{
	/* address */
	check(FROM_ALICE, AUTH_ADDRESS, 1, 0, NULL, "address: user");
	check("From: mallory@evil.test\r\n", AUTH_ADDRESS, 0, 1,
	    "not registered", "address: unknown sender");
	check("From: bob@example.test\r\n", AUTH_ADDRESS, 0, 0, "disabled",
	    "address: disabled user");
	check("Return-Path: <>\r\n" FROM_ALICE, AUTH_ADDRESS, 0, 0,
	    "empty envelope", "address: null envelope sender");
	check("Return-Path: <mallory@evil.test>\r\n" FROM_ALICE,
	    AUTH_ADDRESS, 0, 0, "envelope sender", "address: foreign "
	    "envelope sender");
	check("Return-Path: <relay@example.test>\r\n" FROM_ALICE,
	    AUTH_ADDRESS, 1, 0, NULL, "address: envelope is another user");
	check("Return-Path: <ALICE@example.test>\r\n" FROM_ALICE,
	    AUTH_ADDRESS, 1, 0, NULL, "address: envelope is From");
	check("Subject: no from\r\n", AUTH_ADDRESS, 0, 1, "From",
	    "address: no From");
	/* password */
	check(FROM_ALICE "Subject: fax [pw:s3cret]\r\n", AUTH_PASSWORD, 1,
	    0, NULL, "password: right");
	check(FROM_ALICE "Subject: fax [pw:guess]\r\n", AUTH_PASSWORD, 0, 0,
	    "wrong", "password: wrong");
	check(FROM_ALICE "Subject: fax\r\n", AUTH_PASSWORD, 0, 0,
	    "[pw:", "password: missing");
	check("From: alice@example.test\r\nSubject: [pw:bobpw]\r\n",
	    AUTH_PASSWORD, 0, 0, "wrong", "password: another user's");
	/* forged From, address mode off: password still needed */
	check(FROM_ALICE "Return-Path: <mallory@evil.test>\r\n"
	    "Subject: fax\r\n", AUTH_PASSWORD, 0, 0, "no password",
	    "forged From, address mode off");
	/* authres */
	check(AR_MTA "auth=pass smtp.auth=alice@example.test\r\n"
	    FROM_ALICE, AUTH_AUTHRES, 1, 0, NULL, "authres: auth pass");
	check("Authentication-Results: MX.example.test 1; auth=pass "
	    "(cram-md5) smtp.auth = \"Alice@Example.test\"\r\n" FROM_ALICE,
	    AUTH_AUTHRES, 1, 0, NULL, "authres: version, comment, quotes");
	check(AR_MTA "spf=none smtp.mailfrom=x; dkim=pass "
	    "header.d=example.test header.s=sel\r\n" FROM_ALICE,
	    AUTH_AUTHRES, 1, 0, NULL, "authres: dkim pass for the domain");
	check(AR_MTA "dkim=pass header.d=evil.test\r\n" FROM_ALICE,
	    AUTH_AUTHRES, 0, 0, "does not confirm",
	    "authres: dkim pass for another domain");
	check(AR_MTA "dkim=fail header.d=example.test\r\n" FROM_ALICE,
	    AUTH_AUTHRES, 0, 0, "does not confirm", "authres: dkim fail");
	check(AR_MTA "auth=pass smtp.auth=mallory@evil.test\r\n"
	    FROM_ALICE, AUTH_AUTHRES, 0, 0, "does not confirm",
	    "authres: logged in as someone else (forged From)");
	check(AR_MTA "none\r\n"
	    AR_MTA "auth=pass smtp.auth=alice@example.test\r\n" FROM_ALICE,
	    AUTH_AUTHRES, 0, 0, "does not confirm",
	    "authres: forged header below the MTA's own");
	check("Authentication-Results: evil.test; auth=pass "
	    "smtp.auth=alice@example.test\r\n" FROM_ALICE, AUTH_AUTHRES, 0,
	    0, "not from this site", "authres: wrong authserv-id");
	check(FROM_ALICE, AUTH_AUTHRES, 0, 0, "no Authentication-Results",
	    "authres: no header");
	check(AR_MTA "auth=pass (smtp.auth=alice@example.test) "
	    "smtp.auth=mallory@evil.test\r\n" FROM_ALICE, AUTH_AUTHRES, 0, 0,
	    NULL, "authres: identity hidden in a comment");
	check("Authentication-Results: mx.example.test; auth=pass "
	    "smtp.auth=\"x;alice@example.test\"\r\n" FROM_ALICE,
	    AUTH_AUTHRES, 0, 0, NULL, "authres: quoted ';'");
	/* combined: every mode must pass */
	check(AR_MTA "auth=pass smtp.auth=alice@example.test\r\n"
	    FROM_ALICE "Subject: [pw:s3cret]\r\n",
	    AUTH_ADDRESS | AUTH_PASSWORD | AUTH_AUTHRES, 1, 0, NULL,
	    "all modes pass");
	check(AR_MTA "auth=pass smtp.auth=alice@example.test\r\n"
	    FROM_ALICE "Subject: [pw:nope]\r\n",
	    AUTH_PASSWORD | AUTH_AUTHRES, 0, 0, "wrong",
	    "authres pass but password wrong");
	check(FROM_ALICE "Subject: [pw:s3cret]\r\n",
	    AUTH_PASSWORD | AUTH_AUTHRES, 0, 0, "Authentication-Results",
	    "password pass but no authres");
	check(FROM_ALICE, 0, 0, 0, "no authentication mode",
	    "no mode: refused");
	table_broken = 1;
	check(FROM_ALICE, AUTH_ADDRESS, -1, 0, "again later",
	    "table error is temporary");
	table_broken = 0;
}

static void
test_misc(void)
{
	unsigned	 modes;
	char		*cause = NULL, *h;

	ok(auth_modes_parse("address, password authres", &modes, &cause) ==
	    0 && modes == (AUTH_ADDRESS | AUTH_PASSWORD | AUTH_AUTHRES),
	    "modes parse");
	ok(auth_modes_parse("address,pasword", &modes, &cause) == -1,
	    "unknown mode refused");
	is_str(cause, "unknown authentication mode 'pasword' (address, "
	    "password, authres)", "mode cause");
	free(cause);
	cause = NULL;
	ok(auth_modes_parse(" , ", &modes, &cause) == -1, "empty modes");
	free(cause);
	cause = NULL;
	h = NULL;
	ok(passwd_hash("pw", &h, &cause) == 0 && strncmp(h, "$y$", 3) == 0,
	    "yescrypt hash");
	ok(passwd_verify("pw", h) == 1, "hash verifies");
	ok(passwd_verify("pW", h) == 0, "wrong password");
	ok(passwd_verify("plain", "plain") == 0, "not a hash");
	ok(passwd_verify("x", "$y$broken") == 0, "broken hash");
	free(h);
}

static void
reg(const char *headers, const char *body, int want, const char *user,
    const char *admin, const char *cause_want, const char *label)
{
	struct msg		 m;
	struct reg_request	 r;
	char			*raw, *cause = NULL;
	enum msg_err		 err;

	xasprintf(&raw, "%s\r\n%s", headers, body);
	if (msg_parse(raw, strlen(raw), &lim, &m, &err, &cause) != 0) {
		diag("parse: %s", cause);
		free(cause);
		free(raw);
		ok(0, label);
		return;
	}
	auth_take_password(&m);
	free(raw);
	is_int(register_parse(&m, &r, &cause), want, label);
	if (want == 0) {
		is_str(r.user, user, "new user");
		is_str(r.admin_password, admin, "admin password");
		is_str(r.requested_by, m.from, "requested by");
	} else
		is_str(cause, cause_want, "cause");
	free(cause);
	reg_request_free(&r);
	msg_free(&m);
}

static void
test_register(void)
{
	struct msg		 m;
	struct reg_request	 r;
	char			*cause = NULL;
	enum msg_err		 err;
	static const char	 full[] = "From: admin@example.test\r\n"
	    "Subject: register\r\n\r\nHello,\r\n\r\nAdmin-Password: "
	    "adm1n\r\nuser: New.User@Example.TEST\r\nname: New User\r\n"
	    "password: newpw\r\n-- \r\nsignature: ignored\r\n";

	ok(msg_parse(full, sizeof(full) - 1, &lim, &m, &err, &cause) == 0,
	    "registration mail parses");
	ok(register_parse(&m, &r, &cause) == 0, "register parse");
	is_str(r.user, "new.user@example.test", "user lower-cased");
	is_str(r.name, "New User", "name");
	is_str(r.password, "newpw", "password");
	is_str(r.admin_password, "adm1n", "admin password");
	reg_request_free(&r);
	msg_free(&m);

	reg("From: a@example.test\r\nSubject: [pw:adm1n]\r\n",
	    "user: x@example.test\r\n", 0, "x@example.test", "adm1n", NULL,
	    "admin password from the Subject");
	reg("From: a@example.test\r\n", "user: x@example.test\r\n", -1, NULL,
	    NULL, "no admin-password line (and no [pw:...] in the Subject)",
	    "no admin password");
	reg("From: a@example.test\r\n", "admin-password: a\r\n", -1, NULL,
	    NULL, "no 'user:' line naming the new user's address",
	    "no user");
	reg("From: a@example.test\r\n", "admin-password: a\r\nuser: x\r\n",
	    -1, NULL, NULL, "user 'x' is not a mail address", "bad user");
	reg("From: a@example.test\r\n", "admin-password: a\r\nuser: "
	    "x@example.test\r\nuser: y@example.test\r\n", -1, NULL, NULL,
	    "field 'user' given twice", "duplicate field");
	reg("From: a@example.test\r\n", "admin-pasword: a\r\n", -1, NULL,
	    NULL, "unknown field 'admin-pasword' (fields: admin-password, "
	    "user, name, password)", "typo answered");
	reg("From: a@example.test\r\n", "admin-password:\r\n", -1, NULL,
	    NULL, "field 'admin-password' is empty", "empty value");
	reg("From: a@example.test\r\n", "> user: quoted@example.test\r\n"
	    "Please register: thanks\r\nadmin-password: a\r\n"
	    "user: z@example.test\r\n", 0, "z@example.test", "a", NULL,
	    "quotes and prose skipped");
	reg("From: a@example.test\r\nContent-Type: image/tiff\r\n", "II*",
	    -1, NULL, NULL, "the registration mail has no text part",
	    "no text part");
}

int
main(void)
{
	char	*cause = NULL;
	size_t	 i;

	for (i = 0; i < nitems(users); i++) {
		users[i].hash = NULL;
		if (passwd_hash(users[i].password, &users[i].hash, &cause) ==
		    -1) {
			diag("%s", cause);
			return (1);
		}
	}
	test_modes();
	test_misc();
	test_register();
	for (i = 0; i < nitems(users); i++)
		free(users[i].hash);
	return (done_testing());
}
