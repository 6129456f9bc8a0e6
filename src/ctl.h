/*
 * ctl.h: the pieces of faxhubctl shared by its command files (ctl-*.c).
 *
 * Commands live in one table (ctl_cmds[] in faxhubctl.c): name (one or
 * two words), usage, the options it takes, positional argument counts,
 * handler and a one-line help.  Dispatch matches every word by unique
 * prefix, parses the options the entry names, checks the counts and calls
 * the handler, which returns the exit status (CTL_*).  To add a command,
 * write its handler in a ctl-*.c file, declare it here and add a row.
 */
#ifndef FAXHUB_CTL_H
#define FAXHUB_CTL_H

#include <stdio.h>

/* Exit statuses, documented in faxhubctl(8). */
#define CTL_OK		0	/* done; "user verify": password matches */
#define CTL_ERR		1	/* error, refused, not found, no match */
#define CTL_USAGE	2	/* bad command line */
#define CTL_BUSY	3	/* a table stayed locked for 3 seconds */

#define CTL_MAXOPT	16

struct ctl;

struct ctl_cmd {
	const char	*name;		/* "user add" */
	const char	*usage;		/* arguments after the name */
	/* Options: "name" is a flag, "name=" takes a value. */
	const char	*opts[CTL_MAXOPT];
	int		 min, max;	/* positional arguments; -1 = any */
	int		(*fn)(struct ctl *);
	const char	*help;
};

struct ctl {
	const char		*config_path;	/* -c, $FAXHUB_CONF, default */
	int			 config_given;	/* -c or $FAXHUB_CONF */
	const char		*dir_arg;	/* -D or NULL */
	char			*dir;		/* resolved by ctl_dir() */
	const struct ctl_cmd	*cmd;
	int			 argc;		/* positional arguments */
	char			**argv;
	const char		*optval[CTL_MAXOPT];	/* NULL = not given */
};

/* Value of option name ("name" or "name=") or NULL when not given. */
const char	*ctl_opt(const struct ctl *, const char *name);
/* The table directory: -D, else table_dir from the config (loaded). */
const char	*ctl_dir(struct ctl *);
/*
 * ctl_dir() for every command but init: NULL, after saying so, when the
 * directory does not exist or holds no tables.
 */
const char	*ctl_tables(struct ctl *);
/*
 * Prints "faxhubctl: cause" to stderr, frees cause and returns CTL_BUSY for
 * a locked table, else CTL_ERR.
 */
int		 ctl_fail(char *cause);
int		 ctl_failf(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
int		 ctl_usage(const struct ctl *);
/*
 * Reads a password: from stdin when --password-stdin was given, else from
 * the terminal without echo (twice when confirm is set).  *pw allocated.
 */
int		 ctl_read_password(struct ctl *, int confirm, char **pw);
/* Parses yes/no or a number within bounds; prints the error. */
int		 ctl_bool(const char *opt, const char *val, int *out);
int		 ctl_int(const char *opt, const char *val, long long min,
		    long long max, int *out);
/* Splits a comma list of dial patterns; "" gives an empty list. */
int		 ctl_patterns(const char *opt, const char *val, char ***out);

/* Handlers (ctl-user.c, ctl-server.c, ctl-route.c, ctl-log.c, ctl-dump.c) */
int	ctl_user_add(struct ctl *);
int	ctl_user_del(struct ctl *);
int	ctl_user_list(struct ctl *);
int	ctl_user_show(struct ctl *);
int	ctl_user_passwd(struct ctl *);
int	ctl_user_set(struct ctl *);
int	ctl_user_verify(struct ctl *);
int	ctl_server_add(struct ctl *);
int	ctl_server_del(struct ctl *);
int	ctl_server_list(struct ctl *);
int	ctl_server_show(struct ctl *);
int	ctl_server_set(struct ctl *);
int	ctl_server_enable(struct ctl *);
int	ctl_server_disable(struct ctl *);
int	ctl_assign(struct ctl *);
int	ctl_unassign(struct ctl *);
int	ctl_route_add(struct ctl *);
int	ctl_route_del(struct ctl *);
int	ctl_route_list(struct ctl *);
int	ctl_route_move(struct ctl *);
int	ctl_route_test(struct ctl *);
int	ctl_log_list(struct ctl *);
int	ctl_log_show(struct ctl *);
int	ctl_log_export(struct ctl *);
int	ctl_prune(struct ctl *);
int	ctl_init(struct ctl *);
/* ctl-status.c, ctl-image.c */
int	ctl_status(struct ctl *);
int	ctl_convert_cmd(struct ctl *);
int	ctl_topdf_cmd(struct ctl *);
int	ctl_dump(struct ctl *);
int	ctl_load(struct ctl *);
int	ctl_check_config(struct ctl *);

#endif
