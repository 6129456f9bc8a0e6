/*
 * ctl-user.c: faxhubctl user add|del|list|show|passwd|set|verify.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "passwd.h"
#include "record.h"
#include "util.h"
#include "xmalloc.h"

static int	user_opts(struct ctl *, struct user *);
static int	user_load(struct ctl *, const char *, struct user *);
static void	user_print(const struct user *, const char *);
static void	print_list(const char *, char **);

/* Applies the options of user add/set to u; prints the error. */
static int
user_opts(struct ctl *c, struct user *u)
{
	const char	*v;
	char		**list;

	if ((v = ctl_opt(c, "name")) != NULL) {
		if (strlen(v) > 200 || strpbrk(v, "\t\r\n") != NULL) {
			fprintf(stderr, "faxhubctl: --name: bad value \"%.200s"
			    "\": want at most 200 characters on one line\n", v);
			return -1;
		}
		free(u->name);
		u->name = *v == '\0' ? NULL : xstrdup(v);
	}
	if ((v = ctl_opt(c, "enabled")) != NULL &&
	    ctl_bool("enabled", v, &u->enabled) == -1)
		return -1;
	if ((v = ctl_opt(c, "allow")) != NULL) {
		if (ctl_patterns("allow", v, &list) == -1)
			return -1;
		strv_free(u->allow);
		u->allow = list;
	}
	if ((v = ctl_opt(c, "bar")) != NULL) {
		if (ctl_patterns("bar", v, &list) == -1)
			return -1;
		strv_free(u->bar);
		u->bar = list;
	}
	if ((v = ctl_opt(c, "report")) != NULL &&
	    report_style_parse(v, &u->report) == -1) {
		fprintf(stderr, "faxhubctl: --report: bad value \"%s\": want "
		    "combined or per-destination\n", v);
		return -1;
	}
	if ((v = ctl_opt(c, "format")) != NULL &&
	    inbound_format_parse(v, &u->format) == -1) {
		fprintf(stderr, "faxhubctl: --format: bad value \"%s\": want "
		    "pdf, tiff or both\n", v);
		return -1;
	}
	if ((v = ctl_opt(c, "notify")) != NULL &&
	    notify_parse(v, &u->notify) == -1) {
		fprintf(stderr, "faxhubctl: --notify: bad value \"%s\": want "
		    "success, failure, both or none\n", v);
		return -1;
	}
	if ((v = ctl_opt(c, "cover")) != NULL &&
	    user_pref_parse(v, &u->cover) == -1) {
		fprintf(stderr, "faxhubctl: --cover: bad value \"%s\": want "
		    "yes, no or site\n", v);
		return -1;
	}
	if ((v = ctl_opt(c, "fax-text")) != NULL &&
	    user_pref_parse(v, &u->fax_text) == -1) {
		fprintf(stderr, "faxhubctl: --fax-text: bad value \"%s\": want "
		    "yes, no or site\n", v);
		return -1;
	}
	return 0;
}

/* Loads user id; prints the error and returns the exit status. */
static int
user_load(struct ctl *c, const char *id, struct user *u)
{
	const char	*dir;
	char		*cause = NULL;
	int		 rc;

	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	rc = user_get(dir, id, u, &cause);
	if (rc == -1)
		return ctl_fail(cause);
	if (rc == 1)
		return ctl_failf("unknown user \"%s\"", id);
	return CTL_OK;
}

int
ctl_user_add(struct ctl *c)
{
	struct user	 u, old;
	const char	*dir;
	char		*cause = NULL, *pw = NULL;
	int		 rc, ret = CTL_ERR;

	user_init(&u);
	if (user_id_valid(c->argv[0], &cause) == -1)
		return ctl_fail(cause);
	if (ctl_opt(c, "password") != NULL &&
	    ctl_opt(c, "password-stdin") != NULL)
		return ctl_usage(c);
	u.id = xstrdup(c->argv[0]);
	str_lower(u.id);
	if (user_opts(c, &u) == -1) {
		ret = CTL_USAGE;
		goto out;
	}
	if ((dir = ctl_tables(c)) == NULL)
		goto out;
	rc = user_get(dir, u.id, &old, &cause);
	if (rc == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	if (rc == 0) {
		user_free(&old);
		ret = ctl_failf("user \"%s\" exists; change it with faxhubctl "
		    "user set", u.id);
		goto out;
	}
	if (ctl_opt(c, "password") != NULL ||
	    ctl_opt(c, "password-stdin") != NULL) {
		if (ctl_read_password(c, 1, &pw) == -1)
			goto out;
		if (passwd_hash(pw, &u.pwhash, &cause) == -1) {
			ret = ctl_fail(cause);
			goto out;
		}
	}
	if (user_put(dir, &u, &cause) == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	ret = CTL_OK;
out:
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	user_free(&u);
	return ret;
}

int
ctl_user_set(struct ctl *c)
{
	struct user	 u;
	char		*cause = NULL;
	int		 ret;

	if ((ret = user_load(c, c->argv[0], &u)) != CTL_OK)
		return ret;
	if (user_opts(c, &u) == -1) {
		user_free(&u);
		return CTL_USAGE;
	}
	if (ctl_opt(c, "no-password") != NULL) {
		free(u.pwhash);
		u.pwhash = NULL;
	}
	ret = user_put(c->dir, &u, &cause) == -1 ? ctl_fail(cause) : CTL_OK;
	user_free(&u);
	return ret;
}

int
ctl_user_passwd(struct ctl *c)
{
	struct user	 u;
	char		*cause = NULL, *pw = NULL, *hash;
	int		 ret;

	if ((ret = user_load(c, c->argv[0], &u)) != CTL_OK)
		return ret;
	ret = CTL_ERR;
	if (ctl_read_password(c, 1, &pw) == -1)
		goto out;
	if (passwd_hash(pw, &hash, &cause) == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	free(u.pwhash);
	u.pwhash = hash;
	ret = user_put(c->dir, &u, &cause) == -1 ? ctl_fail(cause) : CTL_OK;
out:
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	user_free(&u);
	return ret;
}

int
ctl_user_verify(struct ctl *c)
{
	struct user	 u;
	char		*pw = NULL;
	int		 ret;

	if ((ret = user_load(c, c->argv[0], &u)) != CTL_OK)
		return ret;
	ret = CTL_ERR;
	if (u.pwhash == NULL) {
		fprintf(stderr, "faxhubctl: user \"%s\" has no password\n",
		    u.id);
		goto out;
	}
	if (ctl_read_password(c, 0, &pw) == -1)
		goto out;
	if (passwd_verify(pw, u.pwhash)) {
		printf("%s: password matches\n", u.id);
		ret = CTL_OK;
	} else
		fprintf(stderr, "faxhubctl: %s: password does not match\n",
		    u.id);
out:
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	user_free(&u);
	return ret;
}

int
ctl_user_del(struct ctl *c)
{
	struct route	*r = NULL;
	struct user	 u;
	char		*cause = NULL, *server = NULL;
	size_t		 n = 0, i, j;
	int		 ret, rc;

	if ((ret = user_load(c, c->argv[0], &u)) != CTL_OK)
		return ret;
	ret = CTL_ERR;
	rc = assign_get(c->dir, u.id, &server, &cause);
	if (rc == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	if (rc == 0) {
		ret = ctl_failf("user \"%s\" is assigned to server \"%s\"; "
		    "run faxhubctl unassign %s first", u.id, server, u.id);
		goto out;
	}
	if (routes_all(c->dir, &r, &n, &cause) == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; r[i].users[j] != NULL; j++) {
			if (strcmp(r[i].users[j], u.id) != 0)
				continue;
			ret = ctl_failf("user \"%s\" is a recipient of route "
			    "%d; delete or change that route first", u.id,
			    r[i].order);
			goto out;
		}
	}
	rc = user_del(c->dir, u.id, &cause);
	if (rc == -1)
		ret = ctl_fail(cause);
	else if (rc == 1)
		ret = ctl_failf("unknown user \"%s\"", u.id);
	else
		ret = CTL_OK;
out:
	free(server);
	routes_free(r, n);
	user_free(&u);
	return ret;
}

int
ctl_user_list(struct ctl *c)
{
	struct user	*u;
	const char	*dir;
	char		*cause = NULL;
	size_t		 n, i;

	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	if (users_all(dir, &u, &n, &cause) == -1)
		return ctl_fail(cause);
	for (i = 0; i < n; i++)
		printf("%s\t%s\t%s\t%s\n", u[i].id,
		    u[i].enabled ? "enabled" : "disabled",
		    u[i].pwhash != NULL ? "password" : "-",
		    u[i].name != NULL ? u[i].name : "");
	users_free(u, n);
	return CTL_OK;
}

static void
print_list(const char *label, char **v)
{
	size_t	i;

	printf("%s:", label);
	for (i = 0; v != NULL && v[i] != NULL; i++)
		printf("%s%s", i == 0 ? " " : ",", v[i]);
	printf("\n");
}

static void
user_print(const struct user *u, const char *server)
{
	printf("id: %s\n", u->id);
	printf("name: %s\n", u->name != NULL ? u->name : "");
	printf("enabled: %s\n", u->enabled ? "yes" : "no");
	printf("password: %s\n", u->pwhash != NULL ? "set" : "none");
	print_list("allow", u->allow);
	print_list("bar", u->bar);
	printf("report: %s\n", report_style_name(u->report));
	printf("format: %s\n", inbound_format_name(u->format));
	printf("notify: %s\n", notify_name(u->notify));
	printf("cover: %s\n", user_pref_name(u->cover));
	printf("fax-text: %s\n", user_pref_name(u->fax_text));
	printf("server: %s\n", server != NULL ? server : "");
}

int
ctl_user_show(struct ctl *c)
{
	struct user	 u;
	char		*cause = NULL, *server = NULL;
	int		 ret;

	if ((ret = user_load(c, c->argv[0], &u)) != CTL_OK)
		return ret;
	if (assign_get(c->dir, u.id, &server, &cause) == -1)
		ret = ctl_fail(cause);
	else
		user_print(&u, server);
	free(server);
	user_free(&u);
	return ret;
}
