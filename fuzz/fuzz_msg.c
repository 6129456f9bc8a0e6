/* fuzz_msg: libFuzzer harness for msg_parse() and what reads its result. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "auth.h"
#include "conf.h"
#include "mail-parse.h"
#include "register.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
get_user(void *arg, const char *id, struct auth_user *u)
{
	(void)arg;
	u->exists = u->enabled = strlen(id) % 2;
	return (0);
}

static int
verify(void *arg, const char *id, const char *pw)
{
	(void)arg;
	(void)id;
	return (strcmp(pw, "x") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct msg_limits	 lim = {
		1024 * 1024, 16 * 1024, 512 * 1024, 8, 64
	};
	static const struct auth_ops	 ops = { NULL, get_user, verify };
	static char			*doms[] = { "fax.test", NULL };
	struct msg			 m;
	struct auth_result		 res;
	struct reg_request		 r;
	enum msg_err			 err;
	char				*cause = NULL, **l;
	size_t				 n, i;

	if (msg_parse((const char *)data, size, &lim, &m, &err, &cause) !=
	    0) {
		if (cause == NULL || err == MSG_OK)
			abort();
		free(cause);
		return (0);
	}
	for (i = 0; i < m.ndocs; i++)
		if (m.docs[i].name == NULL || m.docs[i].len > lim.
		    attachment_size)
			abort();
	auth_take_password(&m);
	addr_fax_recipients(m.to_cc, m.nto_cc, m.delivered_to, m.ndelivered,
	    doms, &l, &n);
	msg_strings_free(l, n);
	(void)auth_may_reply(&m);
	auth_check(&m, AUTH_ADDRESS | AUTH_PASSWORD | AUTH_AUTHRES,
	    "mx.fax.test", &ops, &res);
	auth_result_free(&res);
	if (register_parse(&m, &r, &cause) == 0)
		reg_request_free(&r);
	free(cause);
	msg_free(&m);
	return (0);
}
