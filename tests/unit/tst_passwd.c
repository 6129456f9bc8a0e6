/*
 * tst_passwd.c: yescrypt hashing and verification.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../../src/passwd.h"
#include "../tap.h"

int
main(void)
{
	char	*h1 = NULL, *h2 = NULL, *cause = NULL, big[PASSWD_MAX + 2];

	ok(passwd_hash("s3cret pass", &h1, &cause) == 0, "hash");
	ok(h1 != NULL && strncmp(h1, "$y$", 3) == 0, "yescrypt hash");
	ok(passwd_hash("s3cret pass", &h2, &cause) == 0, "hash again");
	ok(strcmp(h1, h2) != 0, "fresh salt each time");
	is_int(passwd_verify("s3cret pass", h1), 1, "right password");
	is_int(passwd_verify("s3cret pas", h1), 0, "wrong password");
	is_int(passwd_verify("", h1), 0, "empty password");
	is_int(passwd_verify("x", NULL), 0, "no hash");
	is_int(passwd_verify("x", "garbage"), 0, "garbage hash");
	is_int(passwd_verify("x", "$y$"), 0, "truncated hash");
	ok(passwd_hash("", &h2, &cause) == -1 && strstr(cause, "empty"),
	    "empty password refused");
	free(cause);
	cause = NULL;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(passwd_hash(big, &h2, &cause) == -1 && strstr(cause, "longer"),
	    "over-long password refused");
	free(cause);
	free(h1);
	free(h2);
	return done_testing();
}
