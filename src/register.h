/*
 * register.h: registration by mail (admin-gated).  A mail to the
 * configured registration address carries, in its first text/plain part,
 * lines of the form "field: value":
 *
 *	admin-password: <the administrator's password>
 *	user: new.user@example.test
 *	name: Full Name			(optional)
 *	password: <the new user's fax password>	(optional)
 *
 * Field names are case-insensitive; blank lines, lines without a colon and
 * lines starting with '#' or '>' are skipped; a line "-- " (a signature)
 * ends the form.  An unknown or repeated field is an error, so a typo is
 * answered rather than ignored.  Without an admin-password line, the
 * "[pw:...]" of the Subject is taken as the admin password.
 *
 * This only reads the request: the daemon verifies the admin password,
 * creates the user and logs the outcome.
 */
#ifndef FAXHUB_REGISTER_H
#define FAXHUB_REGISTER_H

#include "mail-parse.h"

#define REG_VALUE_MAX	256

/* Strings allocated, owned by the struct; reg_request_free() wipes the
 * passwords and frees everything. */
struct reg_request {
	char	*requested_by;	/* msg.from, or NULL */
	char	*admin_password;
	char	*user;		/* lower-case addr-spec */
	char	*name;		/* or NULL */
	char	*password;	/* or NULL */
};

/* 0 with *r filled, or -1 with *cause allocated (caller frees). */
int	register_parse(const struct msg *, struct reg_request *r,
	    char **cause);
void	reg_request_free(struct reg_request *r);

#endif
