/*
 * register.c: reading a registration mail (see register.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "register.h"
#include "util.h"
#include "xmalloc.h"

static int	 valid_user(const char *);
static void	 wipe_free(char *);

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
reg_request_free(struct reg_request *r)
{
	if (r == NULL)
		return;
	free(r->requested_by);
	wipe_free(r->admin_password);
	free(r->user);
	free(r->name);
	wipe_free(r->password);
	memset(r, 0, sizeof(*r));
}

/* A plain addr-spec: one '@', both sides non-empty, no blanks or <>. */
static int
valid_user(const char *s)
{
	const char	*at, *p;

	if ((at = strchr(s, '@')) == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL ||
	    strlen(s) > 254)
		return (0);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[]\\,;:\"", *p) != NULL)
			return (0);
	return (1);
}

int
register_parse(const struct msg *m, struct reg_request *r, char **cause)
{
	static const char *const fields[] = {
		"admin-password", "user", "name", "password"
	};
	char	*text, *p, *line, *colon, *key, *val, **slot;
	size_t	 i;

	memset(r, 0, sizeof(*r));
	if (m->text == NULL) {
		*cause = xstrdup("the registration mail has no text part");
		return (-1);
	}
	text = p = xstrdup(m->text);
	while ((line = strsep(&p, "\n")) != NULL) {
		if (strcmp(line, "-- ") == 0 || strcmp(line, "-- \r") == 0)
			break;
		line = str_trim(line);
		if (*line == '\0' || *line == '#' || *line == '>' ||
		    (colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		key = str_trim(line);
		val = str_trim(colon + 1);
		/* Only "word: value" lines are fields; prose is skipped. */
		if (*key == '\0' || strpbrk(key, " \t") != NULL)
			continue;
		for (i = 0; i < nitems(fields); i++)
			if (strcasecmp(key, fields[i]) == 0)
				break;
		if (i == nitems(fields)) {
			xasprintf(cause, "unknown field '%.40s' (fields: "
			    "admin-password, user, name, password)", key);
			goto fail;
		}
		slot = i == 0 ? &r->admin_password : i == 1 ? &r->user :
		    i == 2 ? &r->name : &r->password;
		if (*slot != NULL) {
			xasprintf(cause, "field '%s' given twice", fields[i]);
			goto fail;
		}
		if (strlen(val) > REG_VALUE_MAX) {
			xasprintf(cause, "field '%s' is longer than %d bytes",
			    fields[i], REG_VALUE_MAX);
			goto fail;
		}
		if (*val == '\0') {
			xasprintf(cause, "field '%s' is empty", fields[i]);
			goto fail;
		}
		*slot = xstrdup(val);
	}
	if (r->admin_password == NULL && m->password != NULL)
		r->admin_password = xstrdup(m->password);
	if (r->admin_password == NULL) {
		*cause = xstrdup("no admin-password line (and no [pw:...] in "
		    "the Subject)");
		goto fail;
	}
	if (r->user == NULL) {
		*cause = xstrdup("no 'user:' line naming the new user's "
		    "address");
		goto fail;
	}
	str_lower(r->user);
	if (!valid_user(r->user)) {
		xasprintf(cause, "user '%.80s' is not a mail address",
		    r->user);
		goto fail;
	}
	if (m->from != NULL)
		r->requested_by = xstrdup(m->from);
	explicit_bzero(text, strlen(text));
	free(text);
	return (0);

fail:
	explicit_bzero(text, strlen(text));
	free(text);
	reg_request_free(r);
	return (-1);
}
