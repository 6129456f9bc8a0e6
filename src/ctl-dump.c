/*
 * ctl-dump.c: faxhubctl init, dump, load and check-config.
 *
 * Dump format (docs/tables.md): a first line "# faxhub dump 1", then one
 * line per record, "TABLE<TAB>KEY<TAB>VALUE", tables in the order users,
 * servers, assignments, routes, log, keys sorted by strcmp within each.
 * VALUE is the stored record exactly as it is (it escapes its own tabs and
 * newlines), so dump | load | dump gives the same bytes.
 *
 * load replaces the contents of all five tables: it checks every line and
 * every reference first, writes five new files beside the old ones, and
 * only then renames them into place.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "record.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

#define DUMP_HEADER	"# faxhub dump 1"
#define DUMP_MAX	(512UL * 1024 * 1024)

static const char *dump_tables[] = {
	TABLE_USERS, TABLE_SERVERS, TABLE_ASSIGN, TABLE_ROUTES, TABLE_LOG
};

struct dump_line {
	char	*key;
	char	*val;
	int	 lineno;
};

struct dump_table {
	struct dump_line	*l;
	size_t			 n;
};

struct dump_arg {
	struct buf	*b;
	const char	*table;
};

static int	key_ok(const char *);
static int	dump_cb(const char *, const char *, void *, char **);
static int	dump_cmp(const void *, const void *);
static int	dump_has(const struct dump_table *, const char *);
static int	load_check(const char *, struct dump_table *, char **);

static int
key_ok(const char *k)
{
	if (*k == '\0' || strlen(k) > TABLE_MAX_KEY)
		return 0;
	for (; *k != '\0'; k++)
		if ((unsigned char)*k < 0x20 || *k == 0x7f || *k == '\\')
			return 0;
	return 1;
}

int
ctl_init(struct ctl *c)
{
	struct table	*t;
	const char	*dir;
	char		*cause = NULL;
	size_t		 i;

	if ((dir = ctl_dir(c)) == NULL)
		return CTL_ERR;
	if (mkdir_p(dir, 0750, &cause) == -1)
		return ctl_fail(cause);
	for (i = 0; i < nitems(dump_tables); i++) {
		if (table_open(dir, dump_tables[i], TABLE_WRITE, &t,
		    &cause) == -1)
			return ctl_fail(cause);
		if (table_close(t, &cause) == -1)
			return ctl_fail(cause);
	}
	printf("%s: tables ready\n", dir);
	return CTL_OK;
}

static int
dump_cb(const char *key, const char *val, void *arg, char **cause)
{
	struct dump_arg	*a = arg;

	/* The log's day index is rebuilt from the records after a load. */
	if (strcmp(a->table, TABLE_LOG) == 0 && logrec_index_key(key))
		return 0;
	if (!key_ok(key)) {
		xasprintf(cause, "%s table: key \"%.40s\" cannot be dumped",
		    a->table, key);
		return -1;
	}
	if (strpbrk(val, "\n") != NULL) {
		xasprintf(cause, "%s table: record %s holds a newline",
		    a->table, key);
		return -1;
	}
	buf_addf(a->b, "%s\t%s\t%s\n", a->table, key, val);
	return 0;
}

int
ctl_dump(struct ctl *c)
{
	struct dump_arg	 a;
	struct table	*t;
	struct buf	 b;
	const char	*dir;
	char		*cause = NULL;
	size_t		 i;
	int		 ret = CTL_ERR;

	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	buf_init(&b);
	buf_adds(&b, DUMP_HEADER "\n");
	a.b = &b;
	for (i = 0; i < nitems(dump_tables); i++) {
		a.table = dump_tables[i];
		if (table_open(dir, dump_tables[i], TABLE_READ, &t,
		    &cause) == -1) {
			ret = ctl_fail(cause);
			goto out;
		}
		if (table_iter(t, dump_cb, &a, &cause) != 0) {
			table_close(t, NULL);
			ret = ctl_fail(cause);
			goto out;
		}
		table_close(t, NULL);
	}
	if (c->argc == 1 && strcmp(c->argv[0], "-") != 0) {
		if (file_write_atomic(c->argv[0], b.data, b.len, 0600,
		    &cause) == -1) {
			ret = ctl_fail(cause);
			goto out;
		}
	} else if (fwrite(b.data, 1, b.len, stdout) != b.len)
		goto out;
	ret = CTL_OK;
out:
	buf_free(&b);
	return ret;
}

static int
dump_cmp(const void *a, const void *b)
{
	const struct dump_line	*x = a, *y = b;

	return strcmp(x->key, y->key);
}

static int
dump_has(const struct dump_table *t, const char *key)
{
	struct dump_line	k;

	if (t->n == 0)
		return 0;
	k.key = (char *)(uintptr_t)key;
	return bsearch(&k, t->l, t->n, sizeof(*t->l), dump_cmp) != NULL;
}

/* Decodes every record and checks the references between tables. */
static int
load_check(const char *name, struct dump_table *tab, char **cause)
{
	struct dump_table	*t;
	struct user		 u;
	struct server		 s;
	struct route		 r;
	struct logrec		 l;
	char			*why = NULL, *srv;
	size_t			 i, j;
	int			 ndefault = 0, line = 0;

	for (j = 0; j < nitems(dump_tables); j++) {
		t = &tab[j];
		if (t->n > 1)
			qsort(t->l, t->n, sizeof(*t->l), dump_cmp);
		for (i = 1; i < t->n; i++) {
			if (strcmp(t->l[i - 1].key, t->l[i].key) == 0) {
				xasprintf(cause, "%s:%d: %s %s given twice "
				    "(also line %d)", name, t->l[i].lineno,
				    dump_tables[j], t->l[i].key,
				    t->l[i - 1].lineno);
				return -1;
			}
		}
	}
	for (j = 0; j < nitems(dump_tables); j++) {
		t = &tab[j];
		for (i = 0; i < t->n; i++) {
			line = t->l[i].lineno;
			switch (j) {
			case 0:
				if (user_id_valid(t->l[i].key, &why) == -1)
					goto bad;
				if (user_decode(t->l[i].key, t->l[i].val, &u,
				    &why) == -1)
					goto bad;
				user_free(&u);
				break;
			case 1:
				if (server_name_valid(t->l[i].key, &why) == -1)
					goto bad;
				if (server_decode(t->l[i].key, t->l[i].val, &s,
				    &why) == -1)
					goto bad;
				server_free(&s);
				break;
			case 2:
				if (assign_decode(t->l[i].key, t->l[i].val,
				    &srv, &why) == -1)
					goto bad;
				if (!dump_has(&tab[0], t->l[i].key))
					xasprintf(&why, "assignment of unknown "
					    "user %s", t->l[i].key);
				else if (!dump_has(&tab[1], srv))
					xasprintf(&why, "assignment to unknown "
					    "server %s", srv);
				free(srv);
				if (why != NULL)
					goto bad;
				break;
			case 3:
				if (route_decode(t->l[i].key, t->l[i].val, &r,
				    &why) == -1)
					goto bad;
				ndefault += r.is_default;
				if (r.server != NULL &&
				    !dump_has(&tab[1], r.server))
					xasprintf(&why, "route %s names unknown"
					    " server %s", t->l[i].key,
					    r.server);
				for (size_t k = 0; why == NULL &&
				    r.users[k] != NULL; k++)
					if (!dump_has(&tab[0], r.users[k]))
						xasprintf(&why, "route %s names"
						    " unknown user %s",
						    t->l[i].key, r.users[k]);
				route_free(&r);
				if (why == NULL && ndefault > 1)
					xasprintf(&why, "a second default "
					    "route");
				if (why != NULL)
					goto bad;
				break;
			default:
				if (logrec_id_valid(t->l[i].key, &why) == -1 ||
				    logrec_decode(t->l[i].key, t->l[i].val, &l,
				    &why) == -1)
					goto bad;
				logrec_free(&l);
				break;
			}
		}
	}
	return 0;
bad:
	xasprintf(cause, "%s:%d: %s", name, line, why);
	free(why);
	return -1;
}

int
ctl_load(struct ctl *c)
{
	struct dump_table	 tab[nitems(dump_tables)];
	struct table_kv		*kv;
	const char		*dir, *path = NULL, *name;
	char			*data = NULL, *p, *eol, *t1, *t2, *cause = NULL;
	size_t			 len, i, j, k;
	int			 lineno = 0, ret = CTL_ERR, staged = 0;

	memset(tab, 0, sizeof(tab));
	if (c->argc == 1 && strcmp(c->argv[0], "-") != 0)
		path = c->argv[0];
	name = path != NULL ? path : "stdin";
	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	if (file_read(path != NULL ? path : "/dev/stdin", DUMP_MAX, &data,
	    &len, &cause) == -1)
		return ctl_fail(cause);
	if (memchr(data, '\0', len) != NULL) {
		ret = ctl_failf("%s: contains a NUL byte", name);
		goto out;
	}
	p = data;
	while (*p != '\0') {
		lineno++;
		if ((eol = strchr(p, '\n')) == NULL) {
			ret = ctl_failf("%s:%d: last line has no newline "
			    "(truncated?)", name, lineno);
			goto out;
		}
		*eol = '\0';
		if (lineno == 1) {
			if (strcmp(p, DUMP_HEADER) != 0) {
				ret = ctl_failf("%s:1: not a faxhub dump (want "
				    "\"%s\")", name, DUMP_HEADER);
				goto out;
			}
			p = eol + 1;
			continue;
		}
		if ((t1 = strchr(p, '\t')) == NULL ||
		    (t2 = strchr(t1 + 1, '\t')) == NULL) {
			ret = ctl_failf("%s:%d: want TABLE<TAB>KEY<TAB>VALUE",
			    name, lineno);
			goto out;
		}
		*t1 = *t2 = '\0';
		for (j = 0; j < nitems(dump_tables); j++)
			if (strcmp(p, dump_tables[j]) == 0)
				break;
		if (j == nitems(dump_tables)) {
			ret = ctl_failf("%s:%d: unknown table \"%.40s\"", name,
			    lineno, p);
			goto out;
		}
		if (!key_ok(t1 + 1)) {
			ret = ctl_failf("%s:%d: bad key \"%.40s\"", name,
			    lineno, t1 + 1);
			goto out;
		}
		tab[j].l = xreallocarray(tab[j].l, tab[j].n + 1,
		    sizeof(*tab[j].l));
		tab[j].l[tab[j].n].key = t1 + 1;
		tab[j].l[tab[j].n].val = t2 + 1;
		tab[j].l[tab[j].n].lineno = lineno;
		tab[j].n++;
		p = eol + 1;
	}
	if (lineno == 0) {
		ret = ctl_failf("%s: empty (not a faxhub dump)", name);
		goto out;
	}
	if (load_check(name, tab, &cause) == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	if (mkdir_p(dir, 0750, &cause) == -1) {
		ret = ctl_fail(cause);
		goto out;
	}
	for (j = 0; j < nitems(dump_tables); j++) {
		kv = xcalloc(tab[j].n + 1, sizeof(*kv));
		for (k = 0; k < tab[j].n; k++) {
			kv[k].key = tab[j].l[k].key;
			kv[k].val = tab[j].l[k].val;
		}
		i = (size_t)table_stage(dir, dump_tables[j], kv, tab[j].n,
		    &cause);
		free(kv);
		if (i != 0) {
			ret = ctl_fail(cause);
			goto out;
		}
		staged++;
	}
	for (j = 0; j < nitems(dump_tables); j++) {
		if (table_commit(dir, dump_tables[j], &cause) == -1) {
			ret = ctl_fail(cause);
			goto out;
		}
	}
	staged = 0;
	ret = CTL_OK;
out:
	for (j = 0; j < (size_t)staged; j++)
		table_unstage(dir, dump_tables[j]);
	for (j = 0; j < nitems(dump_tables); j++)
		free(tab[j].l);
	free(data);
	return ret;
}

int
ctl_check_config(struct ctl *c)
{
	struct config	 cfg;
	const char	*path;
	char		*cause = NULL;

	path = c->argc == 1 ? c->argv[0] : c->config_path;
	if (config_load(path, &cfg, &cause) == -1)
		return ctl_fail(cause);
	if (config_check_files(&cfg, &cause) == -1) {
		config_free(&cfg);
		return ctl_fail(cause);
	}
	config_free(&cfg);
	printf("%s: OK\n", path);
	return CTL_OK;
}
