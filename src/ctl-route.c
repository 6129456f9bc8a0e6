/*
 * ctl-route.c: faxhubctl route add|del|list|move|test.
 *
 * Every change reads the whole rule list, edits it in memory and writes
 * it back with routes_put_all() (a new file renamed into place), so rule
 * numbers stay 1..n and a failure leaves the old list untouched.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "dial.h"
#include "record.h"
#include "route.h"
#include "util.h"
#include "xmalloc.h"

static void	route_print(const struct route *);
static int	route_load(struct ctl *, struct route **, size_t *);
static int	route_number(const char *, size_t, int *);

static void
route_print(const struct route *r)
{
	size_t	i;

	printf("%d", r->order);
	if (r->is_default)
		printf("\tdefault");
	else
		printf("\tcalled=%s\tcaller=%s\tcsid=%s\tserver=%s",
		    r->called != NULL ? r->called : "*",
		    r->caller != NULL ? r->caller : "*",
		    r->csid != NULL ? r->csid : "*",
		    r->server != NULL ? r->server : "*");
	printf("\tusers=");
	for (i = 0; r->users[i] != NULL; i++)
		printf("%s%s", i == 0 ? "" : ",", r->users[i]);
	printf("\n");
}

static int
route_load(struct ctl *c, struct route **r, size_t *n)
{
	const char	*dir;
	char		*cause = NULL;

	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	if (routes_all(dir, r, n, &cause) == -1)
		return ctl_fail(cause);
	return CTL_OK;
}

static int
route_number(const char *s, size_t n, int *out)
{
	if (n == 0) {
		fprintf(stderr, "faxhubctl: no routes\n");
		return -1;
	}
	return ctl_int("rule number", s, 1, (long long)n, out);
}

/* --called/--caller: a dial pattern, copied into *field when given. */
static int
number_opt(struct ctl *c, const char *name, char **field)
{
	const char	*v;

	if ((v = ctl_opt(c, name)) == NULL)
		return CTL_OK;
	if (!dial_pattern_valid(v))
		return ctl_failf("--%s: bad pattern \"%s\": want digits with "
		    "an optional leading '+' and trailing '*'", name, v);
	*field = xstrdup(v);
	return CTL_OK;
}

int
ctl_route_add(struct ctl *c)
{
	struct route	*r = NULL, nr;
	struct user	 u;
	struct server	 s;
	const char	*v;
	char		*cause = NULL;
	size_t		 n = 0, i, j;
	int		 ret, at, rc;

	memset(&nr, 0, sizeof(nr));
	nr.is_default = ctl_opt(c, "default") != NULL;
	if ((ret = number_opt(c, "called", &nr.called)) != CTL_OK ||
	    (ret = number_opt(c, "caller", &nr.caller)) != CTL_OK)
		goto out;
	if ((v = ctl_opt(c, "csid")) != NULL) {
		if (!route_csid_valid(v)) {
			ret = ctl_failf("--csid: bad value \"%.64s\": want 1 to "
			    "64 printable characters", v);
			goto out;
		}
		nr.csid = xstrdup(v);
	}
	if ((v = ctl_opt(c, "server")) != NULL)
		nr.server = xstrdup(v);
	if (nr.is_default && (nr.called || nr.caller || nr.csid ||
	    nr.server)) {
		ret = ctl_failf("route add: --default takes no --called, "
		    "--caller, --csid or --server");
		goto out;
	}
	if (!nr.is_default && !nr.called && !nr.caller && !nr.csid &&
	    !nr.server) {
		ret = ctl_failf("route add: give --called, --caller, --csid, "
		    "--server or --default");
		goto out;
	}
	if ((ret = route_load(c, &r, &n)) != CTL_OK)
		goto out;
	ret = CTL_ERR;
	if (nr.server != NULL) {
		rc = server_get(c->dir, nr.server, &s, &cause);
		if (rc == -1) {
			ret = ctl_fail(cause);
			goto out;
		}
		if (rc == 1) {
			ret = ctl_failf("unknown server \"%s\"; add it with "
			    "faxhubctl server add first", nr.server);
			goto out;
		}
		server_free(&s);
	}
	nr.users = xcalloc((size_t)c->argc + 1, sizeof(*nr.users));
	for (i = 0; i < (size_t)c->argc; i++) {
		rc = user_get(c->dir, c->argv[i], &u, &cause);
		if (rc == -1) {
			ret = ctl_fail(cause);
			goto out;
		}
		if (rc == 1) {
			ret = ctl_failf("unknown user \"%s\"; add it with "
			    "faxhubctl user add first", c->argv[i]);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(nr.users[j], u.id) == 0)
				break;
		if (j < i) {
			ret = ctl_failf("user \"%s\" given twice", u.id);
			user_free(&u);
			goto out;
		}
		nr.users[i] = xstrdup(u.id);
		user_free(&u);
	}
	/* Rules other than the default one come first. */
	at = (int)n + 1;
	if (n > 0 && r[n - 1].is_default) {
		if (nr.is_default) {
			ret = ctl_failf("there is a default rule already "
			    "(rule %zu); delete it first", n);
			goto out;
		}
		at = (int)n;
	}
	if ((v = ctl_opt(c, "at")) != NULL) {
		if (ctl_int("--at", v, 1, nr.is_default ? (long long)n + 1 : at,
		    &at) == -1) {
			ret = CTL_USAGE;
			goto out;
		}
		if (nr.is_default && at != (int)n + 1) {
			ret = ctl_failf("the default rule is always last");
			goto out;
		}
	}
	r = xreallocarray(r, n + 1, sizeof(*r));
	memmove(&r[at], &r[at - 1], (n - (size_t)(at - 1)) * sizeof(*r));
	r[at - 1] = nr;
	n++;
	memset(&nr, 0, sizeof(nr));
	if (routes_put_all(c->dir, r, n, &cause) == -1)
		ret = ctl_fail(cause);
	else {
		printf("route %d added\n", at);
		ret = CTL_OK;
	}
out:
	route_free(&nr);
	routes_free(r, n);
	return ret;
}

int
ctl_route_del(struct ctl *c)
{
	struct route	*r = NULL;
	char		*cause = NULL;
	size_t		 n = 0;
	int		 ret, k;

	if ((ret = route_load(c, &r, &n)) != CTL_OK)
		return ret;
	if (route_number(c->argv[0], n, &k) == -1) {
		ret = CTL_ERR;
		goto out;
	}
	route_free(&r[k - 1]);
	memmove(&r[k - 1], &r[k], (n - (size_t)k) * sizeof(*r));
	n--;
	if (routes_put_all(c->dir, r, n, &cause) == -1)
		ret = ctl_fail(cause);
out:
	routes_free(r, n);
	return ret;
}

int
ctl_route_move(struct ctl *c)
{
	struct route	*r = NULL, tmp;
	char		*cause = NULL;
	size_t		 n = 0;
	int		 ret, from, to;

	if ((ret = route_load(c, &r, &n)) != CTL_OK)
		return ret;
	ret = CTL_ERR;
	if (route_number(c->argv[0], n, &from) == -1 ||
	    route_number(c->argv[1], n, &to) == -1)
		goto out;
	if (r[from - 1].is_default || (r[n - 1].is_default &&
	    to == (int)n)) {
		ret = ctl_failf("the default rule stays last");
		goto out;
	}
	tmp = r[from - 1];
	if (from < to)
		memmove(&r[from - 1], &r[from], (size_t)(to - from) *
		    sizeof(*r));
	else if (from > to)
		memmove(&r[to], &r[to - 1], (size_t)(from - to) * sizeof(*r));
	r[to - 1] = tmp;
	ret = CTL_OK;
	if (routes_put_all(c->dir, r, n, &cause) == -1)
		ret = ctl_fail(cause);
out:
	routes_free(r, n);
	return ret;
}

int
ctl_route_list(struct ctl *c)
{
	struct route	*r = NULL;
	size_t		 n = 0, i;
	int		 ret;

	if ((ret = route_load(c, &r, &n)) != CTL_OK)
		return ret;
	for (i = 0; i < n; i++)
		route_print(&r[i]);
	routes_free(r, n);
	return CTL_OK;
}

int
ctl_route_test(struct ctl *c)
{
	struct route_input	 in;
	const struct route	*m;
	struct route		*r = NULL;
	size_t			 n = 0, i;
	int			 ret;

	in.called = ctl_opt(c, "called");
	in.caller = ctl_opt(c, "caller");
	in.csid = ctl_opt(c, "csid");
	in.server = ctl_opt(c, "server");
	if ((ret = route_load(c, &r, &n)) != CTL_OK)
		return ret;
	if (route_match(r, n, &in, &m) == 0) {
		fprintf(stderr, "faxhubctl: no rule matches (and there is no "
		    "default rule)\n");
		ret = CTL_ERR;
	} else {
		printf("rule %d:", m->order);
		for (i = 0; m->users[i] != NULL; i++)
			printf(" %s", m->users[i]);
		printf("\n");
	}
	routes_free(r, n);
	return ret;
}
