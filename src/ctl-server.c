/*
 * ctl-server.c: faxhubctl server add|del|list|show|set|enable|disable,
 * assign and unassign.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "fax.h"
#include "record.h"
#include "util.h"
#include "xmalloc.h"

static int	server_opts(struct ctl *, struct server *);
static int	server_file(const char *, const char *, char **);
static int	server_load(struct ctl *, const char *, struct server *);
static int	server_enabled(struct ctl *, int);

/* A password file must exist, be readable and private. */
static int
server_file(const char *opt, const char *v, char **dst)
{
	char	*secret, *cause = NULL;

	if (*v != '/') {
		fprintf(stderr, "faxhubctl: --%s: bad value \"%s\": want an "
		    "absolute path\n", opt, v);
		return -1;
	}
	if (config_read_secret(v, &secret, &cause) == -1) {
		fprintf(stderr, "faxhubctl: --%s: %s\n", opt, cause);
		free(cause);
		return -1;
	}
	explicit_bzero(secret, strlen(secret));
	free(secret);
	free(*dst);
	*dst = xstrdup(v);
	return 0;
}

static int
server_opts(struct ctl *c, struct server *s)
{
	const char	*v;

	if ((v = ctl_opt(c, "host")) != NULL) {
		if (*v == '\0' || strlen(v) > 255 ||
		    strpbrk(v, " \t\r\n/") != NULL) {
			fprintf(stderr, "faxhubctl: --host: bad value \"%.255s"
			    "\": want a host name or address\n", v);
			return -1;
		}
		free(s->host);
		s->host = xstrdup(v);
	}
	if ((v = ctl_opt(c, "priority")) != NULL &&
	    ctl_int("--priority", v, 0, 9999, &s->priority) == -1)
		return -1;
	if ((v = ctl_opt(c, "port")) != NULL &&
	    ctl_int("--port", v, 1, 65535, &s->port) == -1)
		return -1;
	if ((v = ctl_opt(c, "driver")) != NULL) {
		if (fax_driver_find(v) == NULL) {
			char *names = fax_driver_names();
			fprintf(stderr, "faxhubctl: --driver: bad value \"%.64s"
			    "\": want one of the drivers compiled in: %s\n", v,
			    names);
			free(names);
			return -1;
		}
		free(s->driver);
		s->driver = xstrdup(v);
	}
	if ((v = ctl_opt(c, "account")) != NULL) {
		if (strlen(v) > 64 || strpbrk(v, " \t\r\n") != NULL) {
			fprintf(stderr, "faxhubctl: --account: bad value \"%.64s"
			    "\": want at most 64 characters, no blanks\n", v);
			return -1;
		}
		free(s->account);
		s->account = *v == '\0' ? NULL : xstrdup(v);
	}
	if ((v = ctl_opt(c, "password-file")) != NULL) {
		if (*v == '\0') {
			free(s->password_file);
			s->password_file = NULL;
		} else if (server_file("password-file", v,
		    &s->password_file) == -1)
			return -1;
	}
	if ((v = ctl_opt(c, "admin-password-file")) != NULL) {
		if (*v == '\0') {
			free(s->admin_password_file);
			s->admin_password_file = NULL;
		} else if (server_file("admin-password-file", v,
		    &s->admin_password_file) == -1)
			return -1;
	}
	if ((v = ctl_opt(c, "lines")) != NULL &&
	    ctl_int("--lines", v, 1, 255, &s->lines) == -1)
		return -1;
	if ((v = ctl_opt(c, "fine")) != NULL &&
	    ctl_bool("fine", v, &s->fine) == -1)
		return -1;
	if ((v = ctl_opt(c, "g4")) != NULL && ctl_bool("g4", v, &s->g4) == -1)
		return -1;
	if ((v = ctl_opt(c, "enabled")) != NULL &&
	    ctl_bool("enabled", v, &s->enabled) == -1)
		return -1;
	if ((v = ctl_opt(c, "send-modems")) != NULL) {
		if (strlen(v) > 255 || strpbrk(v, " \t\r\n|\"\\") != NULL ||
		    *v == ',' || strstr(v, ",,") != NULL ||
		    (*v != '\0' && v[strlen(v) - 1] == ',')) {
			fprintf(stderr, "faxhubctl: --send-modems: bad value "
			    "\"%.64s\": want modem names separated by commas, "
			    "or \"\" to let the driver tell\n", v);
			return -1;
		}
		free(s->send_modems);
		s->send_modems = *v == '\0' ? NULL : xstrdup(v);
	}
	return 0;
}

static int
server_load(struct ctl *c, const char *name, struct server *s)
{
	const char	*dir;
	char		*cause = NULL;
	int		 rc;

	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	rc = server_get(dir, name, s, &cause);
	if (rc == -1)
		return ctl_fail(cause);
	if (rc == 1)
		return ctl_failf("unknown server \"%s\"", name);
	return CTL_OK;
}

int
ctl_server_add(struct ctl *c)
{
	struct server	 s, old;
	const char	*dir;
	char		*cause = NULL;
	int		 rc, ret = CTL_ERR;

	if (server_name_valid(c->argv[0], &cause) == -1)
		return ctl_fail(cause);
	if (ctl_opt(c, "host") == NULL) {
		fprintf(stderr, "faxhubctl: server add: --host is required\n");
		return ctl_usage(c);
	}
	server_init(&s);
	s.name = xstrdup(c->argv[0]);
	s.driver = xstrdup(fax_driver_find(NULL)->name);
	if (server_opts(c, &s) == -1) {
		ret = CTL_USAGE;
		goto out;
	}
	if ((dir = ctl_tables(c)) == NULL)
		goto out;
	rc = server_get(dir, s.name, &old, &cause);
	if (rc == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	if (rc == 0) {
		server_free(&old);
		ret = ctl_failf("server \"%s\" exists; change it with "
		    "faxhubctl server set", s.name);
		goto out;
	}
	ret = server_put(dir, &s, &cause) == -1 ? ctl_fail(cause) : CTL_OK;
out:
	server_free(&s);
	return ret;
}

int
ctl_server_set(struct ctl *c)
{
	struct server	 s;
	char		*cause = NULL;
	int		 ret;

	if ((ret = server_load(c, c->argv[0], &s)) != CTL_OK)
		return ret;
	if (server_opts(c, &s) == -1)
		ret = CTL_USAGE;
	else if (server_put(c->dir, &s, &cause) == -1)
		ret = ctl_fail(cause);
	server_free(&s);
	return ret;
}

static int
server_enabled(struct ctl *c, int on)
{
	struct server	 s;
	char		*cause = NULL;
	int		 ret;

	if ((ret = server_load(c, c->argv[0], &s)) != CTL_OK)
		return ret;
	s.enabled = on;
	if (server_put(c->dir, &s, &cause) == -1)
		ret = ctl_fail(cause);
	server_free(&s);
	return ret;
}

int
ctl_server_enable(struct ctl *c)
{
	return server_enabled(c, 1);
}

int
ctl_server_disable(struct ctl *c)
{
	return server_enabled(c, 0);
}

int
ctl_server_del(struct ctl *c)
{
	struct server	 s;
	struct assign	*a = NULL;
	struct route	*r = NULL;
	struct buf	 b;
	char		*cause = NULL;
	size_t		 na = 0, nr = 0, i, cnt = 0;
	int		 ret, rc;

	if ((ret = server_load(c, c->argv[0], &s)) != CTL_OK)
		return ret;
	buf_init(&b);
	if (assigns_all(c->dir, &a, &na, &cause) == -1 ||
	    routes_all(c->dir, &r, &nr, &cause) == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	for (i = 0; i < na; i++) {
		if (strcmp(a[i].server, s.name) != 0)
			continue;
		if (cnt++ < 5)
			buf_addf(&b, "%s%s", cnt > 1 ? ", " : "", a[i].user);
	}
	if (cnt > 0) {
		ret = ctl_failf("server \"%s\" has %zu assigned user%s (%s%s);"
		    " unassign them or assign them elsewhere first", s.name,
		    cnt, cnt > 1 ? "s" : "", b.data, cnt > 5 ? ", ..." : "");
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (r[i].server == NULL || strcmp(r[i].server, s.name) != 0)
			continue;
		ret = ctl_failf("server \"%s\" is named by route %d; delete or"
		    " change that route first", s.name, r[i].order);
		goto out;
	}
	rc = server_del(c->dir, s.name, &cause);
	ret = rc == -1 ? ctl_fail(cause) : CTL_OK;
out:
	buf_free(&b);
	assigns_free(a, na);
	routes_free(r, nr);
	server_free(&s);
	return ret;
}

int
ctl_server_list(struct ctl *c)
{
	struct server	*s;
	const char	*dir;
	char		*cause = NULL;
	size_t		 n, i;

	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	if (servers_all(dir, &s, &n, &cause) == -1)
		return ctl_fail(cause);
	for (i = 0; i < n; i++)
		printf("%s\t%d\t%s\t%s:%d\t%d\t%s\n", s[i].name, s[i].priority,
		    s[i].driver, s[i].host, s[i].port, s[i].lines,
		    s[i].enabled ? "enabled" : "disabled");
	servers_free(s, n);
	return CTL_OK;
}

int
ctl_server_show(struct ctl *c)
{
	struct server	s;
	int		ret;

	if ((ret = server_load(c, c->argv[0], &s)) != CTL_OK)
		return ret;
	printf("name: %s\n", s.name);
	printf("priority: %d\n", s.priority);
	printf("driver: %s\n", s.driver);
	printf("host: %s\n", s.host);
	printf("port: %d\n", s.port);
	printf("account: %s\n", s.account != NULL ? s.account : "");
	printf("password_file: %s\n", s.password_file != NULL ?
	    s.password_file : "");
	printf("admin_password_file: %s\n", s.admin_password_file != NULL ?
	    s.admin_password_file : "");
	printf("lines: %d\n", s.lines);
	printf("fine: %s\n", s.fine ? "yes" : "no");
	printf("g4: %s\n", s.g4 ? "yes" : "no");
	printf("enabled: %s\n", s.enabled ? "yes" : "no");
	printf("send_modems: %s\n", s.send_modems != NULL ? s.send_modems :
	    "");
	server_free(&s);
	return CTL_OK;
}

int
ctl_assign(struct ctl *c)
{
	struct user	 u;
	struct server	 s;
	char		*cause = NULL;
	int		 ret, rc;

	if (user_id_valid(c->argv[0], &cause) == -1)
		return ctl_fail(cause);
	if ((ret = server_load(c, c->argv[1], &s)) != CTL_OK)
		return ret;
	rc = user_get(c->dir, c->argv[0], &u, &cause);
	if (rc == -1)
		ret = ctl_fail(cause);
	else if (rc == 1)
		ret = ctl_failf("unknown user \"%s\"; add it with faxhubctl "
		    "user add first", c->argv[0]);
	else {
		if (assign_put(c->dir, u.id, s.name, &cause) == -1)
			ret = ctl_fail(cause);
		user_free(&u);
	}
	server_free(&s);
	return ret;
}

int
ctl_unassign(struct ctl *c)
{
	const char	*dir;
	char		*cause = NULL;
	int		 rc;

	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	rc = assign_del(dir, c->argv[0], &cause);
	if (rc == -1)
		return ctl_fail(cause);
	if (rc == 1)
		return ctl_failf("user \"%s\" is not assigned to a server",
		    c->argv[0]);
	return CTL_OK;
}
