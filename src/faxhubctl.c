/*
 * faxhubctl.c: the admin tool: command table, dispatch, help and the
 * helpers the ctl-*.c command files share.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "dial.h"
#include "fields.h"
#include "log.h"
#include "passwd.h"
#include "record.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

#define USER_OPTS	{ "name=", "enabled=", "allow=", "bar=", "report=", \
	"format=", "notify=", "cover=", "fax-text=", "password", \
	"password-stdin" }
#define SERVER_OPTS	{ "host=", "priority=", "port=", "driver=", \
	"account=", "password-file=", "admin-password-file=", "lines=", \
	"fine=", "g4=", "enabled=", "send-modems=" }
#define LOG_OPTS	{ "direction=", "user=", "number=", "status=", \
	"since=", "until=", "json" }
#define LOG_EXPORT_OPTS	{ "direction=", "user=", "number=", "status=", \
	"since=", "until=", "format=" }

static const struct ctl_cmd ctl_cmds[] = {
	{ "init", "", { NULL }, 0, 0, ctl_init,
	    "create the table directory and empty tables" },
	{ "user add", "ID [options]", USER_OPTS, 1, 1, ctl_user_add,
	    "add a user (ID = mail address)" },
	{ "user del", "ID", { NULL }, 1, 1, ctl_user_del, "delete a user" },
	{ "user list", "", { NULL }, 0, 0, ctl_user_list, "list users" },
	{ "user show", "ID", { NULL }, 1, 1, ctl_user_show,
	    "show one user" },
	{ "user passwd", "ID [--password-stdin]", { "password-stdin" }, 1, 1,
	    ctl_user_passwd, "set a user's password" },
	{ "user set", "ID [options]", { "name=", "enabled=", "allow=",
	    "bar=", "report=", "format=", "notify=", "cover=", "fax-text=",
	    "no-password" }, 1, 1,
	    ctl_user_set, "change a user" },
	{ "user verify", "ID [--password-stdin]", { "password-stdin" }, 1, 1,
	    ctl_user_verify, "check a password (exit 0 when it matches)" },
	{ "server add", "NAME --host HOST [options]", SERVER_OPTS, 1, 1,
	    ctl_server_add, "add a fax server" },
	{ "server del", "NAME", { NULL }, 1, 1, ctl_server_del,
	    "delete a fax server" },
	{ "server list", "", { NULL }, 0, 0, ctl_server_list,
	    "list fax servers in priority order" },
	{ "server show", "NAME", { NULL }, 1, 1, ctl_server_show,
	    "show one fax server" },
	{ "server set", "NAME [options]", SERVER_OPTS, 1, 1, ctl_server_set,
	    "change a fax server" },
	{ "server enable", "NAME", { NULL }, 1, 1, ctl_server_enable,
	    "enable a fax server" },
	{ "server disable", "NAME", { NULL }, 1, 1, ctl_server_disable,
	    "disable a fax server" },
	{ "assign", "USER SERVER", { NULL }, 2, 2, ctl_assign,
	    "send a user's faxes through one server" },
	{ "unassign", "USER", { NULL }, 1, 1, ctl_unassign,
	    "remove a user's server assignment" },
	{ "route add", "[--called P] [--caller P] [--csid S] [--server NAME] "
	    "[--default] [--at N] USER...", { "called=", "caller=", "csid=",
	    "server=", "default", "at=" }, 1, RECORD_MAX_LIST, ctl_route_add,
	    "add a distribution rule for received faxes" },
	{ "route del", "N", { NULL }, 1, 1, ctl_route_del,
	    "delete rule N" },
	{ "route list", "", { NULL }, 0, 0, ctl_route_list,
	    "list the rules in order" },
	{ "route move", "N M", { NULL }, 2, 2, ctl_route_move,
	    "move rule N to position M" },
	{ "route test", "[--called N] [--caller N] [--csid S] [--server NAME]",
	    { "called=", "caller=", "csid=", "server=" }, 0, 0,
	    ctl_route_test, "show which rule and users a received fax gets" },
	{ "log list", "[filters] [--json]", LOG_OPTS, 0, 0, ctl_log_list,
	    "list communication log records" },
	{ "log show", "ID [--json]", { "json" }, 1, 1, ctl_log_show,
	    "show one log record" },
	{ "log export", "--since WHEN [filters] [--format csv|jsonl]",
	    LOG_EXPORT_OPTS, 0, 0, ctl_log_export,
	    "write log records as CSV or JSON lines" },
	{ "dump", "[FILE]", { NULL }, 0, 1, ctl_dump,
	    "write every table as text" },
	{ "load", "[FILE]", { NULL }, 0, 1, ctl_load,
	    "replace every table by a dump (all or nothing)" },
	{ "check-config", "[FILE]", { NULL }, 0, 1, ctl_check_config,
	    "check a configuration file" },
	{ "prune", "[--dry-run] [--rescan]", { "dry-run", "rescan" }, 0, 0,
	    ctl_prune,
	    "remove ended work, old log records, delivered fax images" },
	{ "status", "", { NULL }, 0, 0, ctl_status,
	    "show faxhubd's servers, sessions and queue" },
	{ "convert", "[--fine|--normal] [--g4|--g3] [--letter] [--keep-coding] "
	    "[--timeout SECONDS] [--pdf OUT.pdf] [--preview OUT.png] "
	    "-o OUT.tif INPUT...",
	    { "fine", "normal", "g4", "g3", "letter", "a4", "keep-coding",
	    "timeout=", "pdf=", "preview=" }, 3, -1,
	    ctl_convert_cmd, "turn documents into fax pages as faxhubd does" },
	{ "topdf", "IN.tif OUT.pdf", { NULL }, 2, 2, ctl_topdf_cmd,
	    "export a fax as PDF (pages embedded as they are)" },
	{ "help", "[COMMAND]", { NULL }, 0, 2, NULL,
	    "show the commands" },
};

static void	usage_all(FILE *);
static int	ctl_help(int, char **);
static size_t	cmd_words(const char *, char [][32], size_t);
static int	cmd_word(const char *, size_t, char [][32], char *,
		    struct buf *);
static int	cmd_find(int, char **, const struct ctl_cmd **, int *);
static int	ctl_parse(struct ctl *, int, char **);
static int	ctl_opt_index(const struct ctl_cmd *, const char *, size_t,
		    int *);

static void
usage_all(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: faxhubctl [-hV] [-c CONFIG] [-D TABLEDIR] COMMAND "
	    "[ARGS]\n       faxhubctl help COMMAND\ncommands:\n");
	for (i = 0; i < nitems(ctl_cmds); i++)
		fprintf(f, "  %s %s\n", ctl_cmds[i].name, ctl_cmds[i].usage);
}

/* A command's usage line and the options it takes. */
static void
cmd_usage(FILE *f, const struct ctl_cmd *cmd)
{
	size_t	i, n;

	fprintf(f, "usage: faxhubctl %s %s\n", cmd->name, cmd->usage);
	for (i = 0; i < CTL_MAXOPT && cmd->opts[i] != NULL; i++) {
		if (i == 0)
			fprintf(f, "options:");
		n = strlen(cmd->opts[i]);
		if (cmd->opts[i][n - 1] == '=')
			fprintf(f, " --%.*s VALUE", (int)n - 1, cmd->opts[i]);
		else
			fprintf(f, " --%s", cmd->opts[i]);
	}
	if (i > 0)
		fprintf(f, "\n");
}

int
ctl_usage(const struct ctl *c)
{
	cmd_usage(stderr, c->cmd);
	return CTL_USAGE;
}

int
ctl_fail(char *cause)
{
	int	busy = table_busy(cause);

	fprintf(stderr, "faxhubctl: %s\n", cause != NULL ? cause :
	    "unknown error");
	free(cause);
	return busy ? CTL_BUSY : CTL_ERR;
}

int
ctl_failf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	return ctl_fail(s);
}

static size_t
cmd_words(const char *name, char w[][32], size_t max)
{
	const char	*p = name, *sp;
	size_t		 n = 0;

	while (*p != '\0' && n < max) {
		sp = strchr(p, ' ');
		if (sp == NULL)
			sp = p + strlen(p);
		snprintf(w[n++], 32, "%.*s", (int)(sp - p), p);
		p = *sp == ' ' ? sp + 1 : sp;
	}
	return n;
}

/*
 * Matches word number pos of argv against the commands whose earlier words
 * equal prefix[]: a word that is an exact name wins, else it must be a
 * unique prefix.  Returns the matched name word in *word.
 */
static int
cmd_word(const char *arg, size_t pos, char prev[][32], char *word,
    struct buf *cand)
{
	char	w[2][32];
	size_t	i, j, n;
	int	nfound = 0, exact = 0;

	word[0] = '\0';
	buf_reset(cand);
	for (i = 0; i < nitems(ctl_cmds); i++) {
		n = cmd_words(ctl_cmds[i].name, w, 2);
		if (n <= pos)
			continue;
		for (j = 0; j < pos; j++)
			if (strcmp(w[j], prev[j]) != 0)
				break;
		if (j < pos || strncmp(arg, w[pos], strlen(arg)) != 0)
			continue;
		if (nfound > 0 && strcmp(word, w[pos]) == 0)
			continue;	/* same word, another command */
		if (strcmp(arg, w[pos]) == 0) {
			exact = 1;
			strlcpy(word, w[pos], 32);
			continue;
		}
		if (!exact)
			strlcpy(word, w[pos], 32);
		buf_addf(cand, "%s%s", nfound > 0 ? ", " : "", w[pos]);
		nfound++;
	}
	if (exact)
		return 0;
	return nfound == 1 ? 0 : nfound == 0 ? -1 : -2;
}

/*
 * Finds the command named by the first words of argv (each word a unique
 * prefix).  Returns 0 and *nw words used, -1 after printing the error.
 */
static int
cmd_find(int argc, char **argv, const struct ctl_cmd **out, int *nw)
{
	char		 words[2][32], w[2][32];
	struct buf	 cand;
	size_t		 i, pos, n;
	int		 rc;

	buf_init(&cand);
	for (pos = 0; pos < 2; pos++) {
		if (pos == 1) {
			/* Is the first word a whole command? */
			for (i = 0; i < nitems(ctl_cmds); i++)
				if (strcmp(ctl_cmds[i].name, words[0]) == 0)
					goto found;
			if ((size_t)argc < 2) {
				cmd_word("", 1, words, words[1], &cand);
				fprintf(stderr, "faxhubctl: %s: missing "
				    "subcommand (%s)\n", words[0], cand.data);
				goto fail;
			}
		}
		rc = cmd_word(argv[pos], pos, words, words[pos], &cand);
		if (rc == -1) {
			fprintf(stderr, "faxhubctl: unknown command \"%s%s%s\";"
			    " try faxhubctl help\n", pos ? words[0] : "",
			    pos ? " " : "", argv[pos]);
			goto fail;
		}
		if (rc == -2) {
			fprintf(stderr, "faxhubctl: ambiguous command \"%s%s%s\""
			    ": %s\n", pos ? words[0] : "", pos ? " " : "",
			    argv[pos], cand.data);
			goto fail;
		}
	}
found:
	for (i = 0; i < nitems(ctl_cmds); i++) {
		n = cmd_words(ctl_cmds[i].name, w, 2);
		if (n != pos || strcmp(w[0], words[0]) != 0 ||
		    (n == 2 && strcmp(w[1], words[1]) != 0))
			continue;
		*out = &ctl_cmds[i];
		*nw = (int)n;
		buf_free(&cand);
		return 0;
	}
	fatalx("cmd_find: %s %s", words[0], words[1]);
fail:
	buf_free(&cand);
	return -1;
}

static int
ctl_opt_index(const struct ctl_cmd *cmd, const char *name, size_t len,
    int *takes)
{
	const char	*o;
	size_t		 i, ol;

	for (i = 0; i < CTL_MAXOPT && (o = cmd->opts[i]) != NULL; i++) {
		ol = strlen(o);
		*takes = o[ol - 1] == '=';
		if (*takes)
			ol--;
		if (ol == len && strncmp(o, name, len) == 0)
			return (int)i;
	}
	return -1;
}

const char *
ctl_opt(const struct ctl *c, const char *name)
{
	size_t	len = strlen(name);
	int	takes, i;

	if (len > 0 && name[len - 1] == '=')
		len--;
	if ((i = ctl_opt_index(c->cmd, name, len, &takes)) == -1)
		fatalx("ctl_opt: %s has no option %s", c->cmd->name, name);
	return c->optval[i];
}

/* Splits options from positional arguments. */
static int
ctl_parse(struct ctl *c, int argc, char **argv)
{
	const char	*eq;
	size_t		 len;
	int		 i, idx, takes, dashdash = 0;

	c->argv = xcalloc((size_t)argc + 1, sizeof(*c->argv));
	c->argc = 0;
	for (i = 0; i < argc; i++) {
		if (dashdash || strncmp(argv[i], "--", 2) != 0 ||
		    argv[i][2] == '\0') {
			if (!dashdash && strcmp(argv[i], "--") == 0) {
				dashdash = 1;
				continue;
			}
			c->argv[c->argc++] = argv[i];
			continue;
		}
		eq = strchr(argv[i] + 2, '=');
		len = eq != NULL ? (size_t)(eq - argv[i] - 2) :
		    strlen(argv[i] + 2);
		idx = ctl_opt_index(c->cmd, argv[i] + 2, len, &takes);
		if (idx == -1) {
			fprintf(stderr, "faxhubctl: %s: unknown option "
			    "\"%.*s\"\n", c->cmd->name, (int)len + 2, argv[i]);
			return -1;
		}
		if (c->optval[idx] != NULL) {
			fprintf(stderr, "faxhubctl: %s: option --%.*s given "
			    "twice\n", c->cmd->name, (int)len, argv[i] + 2);
			return -1;
		}
		if (!takes) {
			if (eq != NULL) {
				fprintf(stderr, "faxhubctl: %s: option --%.*s "
				    "takes no value\n", c->cmd->name, (int)len,
				    argv[i] + 2);
				return -1;
			}
			c->optval[idx] = "";
		} else if (eq != NULL)
			c->optval[idx] = eq + 1;
		else if (i + 1 < argc)
			c->optval[idx] = argv[++i];
		else {
			fprintf(stderr, "faxhubctl: %s: option --%.*s needs a "
			    "value\n", c->cmd->name, (int)len, argv[i] + 2);
			return -1;
		}
	}
	if (c->argc < c->cmd->min ||
	    (c->cmd->max != -1 && c->argc > c->cmd->max)) {
		fprintf(stderr, "faxhubctl: %s: %s arguments\n", c->cmd->name,
		    c->argc < c->cmd->min ? "missing" : "too many");
		return -1;
	}
	return 0;
}

const char *
ctl_dir(struct ctl *c)
{
	struct config	 cfg;
	char		*cause = NULL;

	if (c->dir != NULL)
		return c->dir;
	if (c->dir_arg != NULL) {
		c->dir = xstrdup(c->dir_arg);
		return c->dir;
	}
	if (config_load(c->config_path, &cfg, &cause) == -1) {
		fprintf(stderr, "faxhubctl: %s\nfaxhubctl: give the table "
		    "directory with -D or a config with -c\n", cause);
		free(cause);
		return NULL;
	}
	c->dir = xstrdup(cfg.table_dir);
	config_free(&cfg);
	return c->dir;
}

/*
 * The table directory of every command but init: it must exist and hold
 * at least one table, so that a typo in -D or table_dir is an error and
 * not an empty dump, an empty listing or a fresh table beside the real
 * ones.
 */
const char *
ctl_tables(struct ctl *c)
{
	static const char *const names[] = { TABLE_USERS, TABLE_SERVERS,
	    TABLE_ASSIGN, TABLE_ROUTES, TABLE_LOG };
	struct stat	 st;
	const char	*dir;
	char		*path;
	size_t		 i;
	int		 found = 0;

	if ((dir = ctl_dir(c)) == NULL)
		return NULL;
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "faxhubctl: table directory %s: %s; create "
		    "it with faxhubctl init\n", dir, S_ISDIR(st.st_mode) ?
		    strerror(errno) : "not a directory");
		return NULL;
	}
	for (i = 0; i < nitems(names) && !found; i++) {
		path = table_path(dir, names[i]);
		found = access(path, F_OK) == 0;
		free(path);
	}
	if (!found) {
		fprintf(stderr, "faxhubctl: table directory %s holds no "
		    "tables; create them with faxhubctl init\n", dir);
		return NULL;
	}
	return dir;
}

int
ctl_bool(const char *opt, const char *val, int *out)
{
	if (config_parse_bool(val, out) == -1) {
		fprintf(stderr, "faxhubctl: --%s: bad value \"%s\": want yes "
		    "or no\n", opt, val);
		return -1;
	}
	return 0;
}

int
ctl_int(const char *opt, const char *val, long long min, long long max,
    int *out)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(val, &end, 10);
	if (*val == '\0' || isspace((unsigned char)*val) || *end != '\0' ||
	    errno != 0 || v < min || v > max) {
		fprintf(stderr, "faxhubctl: %s: bad value \"%s\": want a "
		    "number from %lld to %lld\n", opt, val, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
ctl_patterns(const char *opt, const char *val, char ***out)
{
	char	**v, *copy, *p, *item;
	size_t	  n = 0;

	v = xcalloc(1, sizeof(*v));
	copy = xstrdup(val);
	p = copy;
	while (*val != '\0' && (item = strsep(&p, ",")) != NULL) {
		item = str_trim(item);
		if (!dial_pattern_valid(item)) {
			fprintf(stderr, "faxhubctl: --%s: bad pattern \"%s\": "
			    "want digits with an optional leading '+' and "
			    "trailing '*', like +81* or +1900*\n", opt, item);
			goto fail;
		}
		if (n == RECORD_MAX_LIST) {
			fprintf(stderr, "faxhubctl: --%s: more than %d "
			    "patterns\n", opt, RECORD_MAX_LIST);
			goto fail;
		}
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = xstrdup(item);
		v[n] = NULL;
	}
	free(copy);
	*out = v;
	return 0;
fail:
	free(copy);
	strv_free(v);
	return -1;
}

static int
ctl_getline(FILE *f, char *buf, size_t size)
{
	size_t	len;

	if (fgets(buf, (int)size, f) == NULL)
		return -1;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	else if (len == size - 1 && !feof(f))
		return -2;
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return 0;
}

static int
ctl_tty_read(FILE *tty, const char *prompt, char *buf, size_t size)
{
	struct termios	old, noecho;
	int		fd = fileno(tty), rc;

	fprintf(tty, "%s", prompt);
	fflush(tty);
	if (tcgetattr(fd, &old) == -1)
		return -1;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	if (tcsetattr(fd, TCSAFLUSH, &noecho) == -1)
		return -1;
	rc = ctl_getline(tty, buf, size);
	tcsetattr(fd, TCSAFLUSH, &old);
	fprintf(tty, "\n");
	return rc;
}

int
ctl_read_password(struct ctl *c, int confirm, char **pw)
{
	char	 a[PASSWD_MAX + 2], b[PASSWD_MAX + 2];
	FILE	*tty;
	int	 rc = -1, r;

	if (ctl_opt(c, "password-stdin") != NULL) {
		r = ctl_getline(stdin, a, sizeof(a));
		if (r == -2) {
			fprintf(stderr, "faxhubctl: password longer than %d "
			    "bytes\n", PASSWD_MAX);
			goto out;
		}
		if (r == -1 || a[0] == '\0') {
			fprintf(stderr, "faxhubctl: no password on standard "
			    "input\n");
			goto out;
		}
		*pw = xstrdup(a);
		rc = 0;
		goto out;
	}
	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		fprintf(stderr, "faxhubctl: no terminal to ask for the "
		    "password; use --password-stdin\n");
		return -1;
	}
	if (ctl_tty_read(tty, "Password: ", a, sizeof(a)) != 0 ||
	    a[0] == '\0') {
		fprintf(stderr, "faxhubctl: no password given\n");
		goto close;
	}
	if (confirm) {
		if (ctl_tty_read(tty, "Again: ", b, sizeof(b)) != 0 ||
		    strcmp(a, b) != 0) {
			fprintf(stderr, "faxhubctl: the passwords differ\n");
			goto close;
		}
	}
	*pw = xstrdup(a);
	rc = 0;
close:
	fclose(tty);
out:
	explicit_bzero(a, sizeof(a));
	explicit_bzero(b, sizeof(b));
	return rc;
}

static int
ctl_help(int argc, char **argv)
{
	char	w[2][32];
	size_t	i, n;
	int	shown = 0;

	if (argc == 0)
		usage_all(stdout);
	for (i = 0; i < nitems(ctl_cmds); i++) {
		n = cmd_words(ctl_cmds[i].name, w, 2);
		if (argc >= 1 && strncmp(argv[0], w[0], strlen(argv[0])) != 0)
			continue;
		if (argc >= 2 && (n < 2 ||
		    strncmp(argv[1], w[1], strlen(argv[1])) != 0))
			continue;
		if (argc == 0)
			printf("%s  %-15s %s", shown ? "" : "\n",
			    ctl_cmds[i].name, ctl_cmds[i].help);
		else {
			cmd_usage(stdout, &ctl_cmds[i]);
			printf("    %s", ctl_cmds[i].help);
		}
		printf("\n");
		shown++;
	}
	if (shown == 0) {
		fprintf(stderr, "faxhubctl: help: no command \"%s%s%s\"\n",
		    argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
		return CTL_USAGE;
	}
	return CTL_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "hold", required_argument, NULL, 'H' },	/* debugging */
		{ NULL, 0, NULL, 0 }
	};
	struct ctl	 c;
	const char	*env;
	long long	 hold;
	int		 ch, nw, rc;

	log_init("faxhubctl", 1, 0);
	memset(&c, 0, sizeof(c));
	if ((env = getenv("FAXHUB_CONF")) != NULL && *env != '\0') {
		c.config_path = env;
		c.config_given = 1;
	} else
		c.config_path = SYSCONFDIR "/faxhub/faxhub.conf";
	while ((ch = getopt_long(argc, argv, "+c:D:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.config_path = optarg;
			c.config_given = 1;
			break;
		case 'D':
			c.dir_arg = optarg;
			break;
		case 'h':
			usage_all(stdout);
			return CTL_OK;
		case 'V':
			printf("faxhubctl %s\n", PACKAGE_VERSION);
			return CTL_OK;
		case 'H':
			if (fields_parse_ll(optarg, 1, 3600, &hold) == -1) {
				fprintf(stderr, "faxhubctl: --hold: not 1 to "
				    "3600 seconds: %s\n", optarg);
				return CTL_USAGE;
			}
			table_set_hold((int)hold);
			break;
		default:
			usage_all(stderr);
			return CTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage_all(stderr);
		return CTL_USAGE;
	}
	if (cmd_find(argc, argv, &c.cmd, &nw) == -1)
		return CTL_USAGE;
	if (c.cmd->fn == NULL)
		return ctl_help(argc - nw, argv + nw);
	if (ctl_parse(&c, argc - nw, argv + nw) == -1) {
		rc = ctl_usage(&c);
		goto out;
	}
	rc = c.cmd->fn(&c);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "faxhubctl: standard output: %s\n",
		    strerror(errno));
		rc = CTL_ERR;
	}
out:
	free(c.argv);
	free(c.dir);
	return rc;
}
