/*
 * auth.h: is the sender of a parsed mail one of our users?
 *
 * The user id is the From address, lower-case (msg.from).  Modes combine:
 * EVERY configured mode must pass (fail closed: modes == 0 refuses).
 *
 *   AUTH_ADDRESS   From is an enabled user, and so is the envelope sender
 *                  (Return-Path) when the mail carries one; a null envelope
 *                  sender (<>) is refused.
 *   AUTH_PASSWORD  the Subject holds "[pw:PASSWORD]" (msg.password) and
 *                  ops->verify() accepts it for the user.
 *   AUTH_AUTHRES   the TOPMOST Authentication-Results header (RFC 8601;
 *                  the site's MTA prepends its own and removes forged
 *                  ones) has our authserv-id and shows either
 *                  "auth=pass smtp.auth=<user id>" or
 *                  "dkim=pass header.d=<domain of the user id>".  Headers
 *                  further down are never read.
 *
 * Whatever the modes, the From user must exist and be enabled: every mode
 * needs the user's record.  A reason is plain words for the refusal mail:
 * what was wrong and what to do; it never repeats a password.
 *
 * Pure logic; the tables are behind struct auth_ops, so this is as
 * thread-safe as the callbacks.
 */
#ifndef FAXHUB_AUTH_H
#define FAXHUB_AUTH_H

#include "mail-parse.h"

/* The longest [pw:...] password taken from a Subject. */
#define AUTH_PASSWORD_MAX	256

/*
 * The configuration module (src/conf.h) defines the same bits as macros
 * for auth.modes; auth.c asserts that the values agree.
 */
#ifndef AUTH_ADDRESS
enum auth_mode {
	AUTH_ADDRESS = 1,
	AUTH_PASSWORD = 2,
	AUTH_AUTHRES = 4
};
#endif

struct auth_user {
	int	exists;
	int	enabled;
};

/* The users table, seen from here.  id is the lower-case user id. */
struct auth_ops {
	void	*arg;
	/* Fills *u; 0 ok (u->exists 0 for an unknown id), -1 table error. */
	int	(*get_user)(void *arg, const char *id, struct auth_user *u);
	/* 1 when password matches the user's stored hash, 0 otherwise,
	 * -1 table error. */
	int	(*verify)(void *arg, const char *id, const char *password);
};

/* Strings allocated, owned by the struct, released by auth_result_free. */
struct auth_result {
	int	 ok;
	char	*user;		/* authenticated user id, or NULL */
	char	*reason;	/* why refused, or NULL when ok */
	int	 unknown_sender; /* no usable From, or not a user at all */
	int	 temporary;	/* a table error: try again later */
};

/*
 * Decides.  Returns 1 (accepted: res->ok, res->user), 0 (refused:
 * res->reason) or -1 (temporary: res->temporary, res->reason).  *res is
 * always filled; the caller calls auth_result_free().
 */
int	auth_check(const struct msg *, unsigned modes,
	    const char *authserv_id, const struct auth_ops *,
	    struct auth_result *res);
void	auth_result_free(struct auth_result *);

/*
 * "address", "password", "authres", comma- or blank-separated, into a
 * mode mask.  0, or -1 with *cause allocated (caller frees).
 */
int	auth_modes_parse(const char *list, unsigned *modes, char **cause);

/*
 * Does the Authentication-Results value say that user logged in (auth) or
 * signed for its domain (dkim) at authserv_id?  1 yes, 0 no; *why gets a
 * static description of a no.
 */
int	auth_authres_match(const char *value, const char *authserv_id,
	    const char *user, const char **why);

/*
 * Fills m->password from the first "[pw:...]" of the Subject (blanks
 * trimmed; none when longer than AUTH_PASSWORD_MAX) and m->subject_clean
 * with the Subject without any such token.  Call it once after
 * msg_parse(), before auth_check() or anything that shows the Subject.
 */
void	auth_take_password(struct msg *m);

/*
 * Mail that a program sent on its own (RFC 3834): a null envelope sender
 * (Return-Path: <>), MAILER-DAEMON as envelope sender, Auto-Submitted
 * other than "no", Precedence bulk/list/junk, a List-Id.  Such mail never
 * makes a fax nor an answer, whoever sent it.  Returns a static name of
 * the first sign found (for the log), or NULL for a mail a person sent.
 */
const char *auth_automatic(const struct msg *);

/*
 * 1 when a refusal may go back to the sender: not automatic (above), and
 * there is an address to answer (Return-Path, else From) that is not
 * MAILER-DAEMON.  0 otherwise.
 */
int	auth_may_reply(const struct msg *);

/* Password hashes are passwd.h's (passwd_hash, passwd_verify). */

#endif
