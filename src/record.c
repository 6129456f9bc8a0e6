/*
 * record.c: encoding of the table records and the per-table operations.
 */
#include "config.h"


#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dial.h"
#include "fields.h"
#include "record.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

#define RECORD_MAX_FIELDS	1024

/* One "key=value" of an encoded record, unescaped. */
struct pair {
	char	*key;
	char	*val;
};

struct pairs {
	struct pair	*p;
	size_t		 n;
};

struct collect {
	const char	*table;
	void		*arr;
	size_t		 n, cap, size;
	int		(*decode)(const char *, const char *, void *,
			    char **);
};

static void	rec_escape(struct buf *, const char *);
static char	*rec_unescape(const char *, size_t, char **);
static void	rec_emit(void *, const char *, const char *);
static char	*rec_encode(const void *, const struct field *, size_t);
static int	rec_decode(const char *, void *, const struct field *, size_t,
		    char **);
static int	rec_split(const char *, struct pairs *, char **);
static void	rec_pairs_free(struct pairs *);
static int	rec_get(const char *, const char *, const char *, char **,
		    char **);
static int	rec_put(const char *, const char *, const char *,
		    const char *, char **);
static int	rec_del(const char *, const char *, const char *, char **);
static int	rec_collect_cb(const char *, const char *, void *, char **);
static int	rec_collect(const char *, const char *, struct collect *,
		    char **);
static int	dec_user(const char *, const char *, void *, char **);
static int	dec_server(const char *, const char *, void *, char **);
static int	dec_route(const char *, const char *, void *, char **);
static int	dec_assign(const char *, const char *, void *, char **);
static int	cmp_server(const void *, const void *);
static int	cmp_route(const void *, const void *);

/* --- escaping -------------------------------------------------------- */

static void
rec_escape(struct buf *b, const char *s)
{
	unsigned char	c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		switch (c) {
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case '\t':
			buf_adds(b, "\\t");
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\r':
			buf_adds(b, "\\r");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_addf(b, "\\x%02x", c);
			else
				buf_add(b, s, 1);
		}
	}
}

static int
rec_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *
rec_unescape(const char *s, size_t len, char **cause)
{
	struct buf	b;
	size_t		i;
	char		c;
	int		h, l;

	buf_init(&b);
	for (i = 0; i < len; i++) {
		if (s[i] != '\\') {
			buf_add(&b, s + i, 1);
			continue;
		}
		if (++i == len)
			goto bad;
		switch (s[i]) {
		case '\\':
			c = '\\';
			break;
		case 't':
			c = '\t';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 'x':
			if (i + 2 >= len)
				goto bad;
			if ((h = rec_hex((unsigned char)s[i + 1])) == -1 ||
			    (l = rec_hex((unsigned char)s[i + 2])) == -1 ||
			    (h == 0 && l == 0))
				goto bad;
			c = (char)(h * 16 + l);
			i += 2;
			break;
		default:
			goto bad;
		}
		buf_add(&b, &c, 1);
	}
	return buf_steal(&b, NULL);
bad:
	buf_free(&b);
	xasprintf(cause, "bad escape sequence");
	return NULL;
}

/* --- encoding ------------------------------------------------------- */

static void
rec_emit(void *b, const char *k, const char *v)
{
	buf_addf(b, "\t%s=", k);
	rec_escape(b, v);
}

/* "v1" and the fields of obj in table order; allocated. */
static char *
rec_encode(const void *obj, const struct field *f, size_t n)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, RECORD_VERSION);
	fields_each(obj, f, n, rec_emit, &b);
	return buf_steal(&b, NULL);
}

/* Sets the fields of obj from an encoded value; *why says what failed. */
static int
rec_decode(const char *val, void *obj, const struct field *f, size_t n,
    char **why)
{
	struct pairs	ps;
	size_t		i;
	int		rc = 0;

	if (rec_split(val, &ps, why) == -1)
		return -1;
	for (i = 0; i < ps.n && rc == 0; i++)
		rc = fields_set(obj, f, n, ps.p[i].key, ps.p[i].val, why);
	rec_pairs_free(&ps);
	return rc;
}

/* Splits "v1\tk=v\t..." into unescaped fields. */
static int
rec_split(const char *val, struct pairs *ps, char **cause)
{
	const char	*p, *end, *eq;
	char		*why = NULL;
	size_t		 vl = strlen(RECORD_VERSION);

	ps->p = NULL;
	ps->n = 0;
	if (strlen(val) > RECORD_MAX) {
		xasprintf(cause, "record larger than %d bytes", RECORD_MAX);
		return -1;
	}
	if (strncmp(val, RECORD_VERSION, vl) != 0 ||
	    (val[vl] != '\0' && val[vl] != '\t')) {
		xasprintf(cause, "unknown record format \"%.*s\" (want %s)",
		    (int)strcspn(val, "\t") > 10 ? 10 : (int)strcspn(val, "\t"),
		    val, RECORD_VERSION);
		return -1;
	}
	p = val + vl;
	while (*p == '\t') {
		p++;
		end = strchr(p, '\t');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || eq == p) {
			xasprintf(cause, "malformed field \"%.*s\"",
			    (int)(end - p > 40 ? 40 : end - p), p);
			goto fail;
		}
		if (ps->n == RECORD_MAX_FIELDS) {
			xasprintf(cause, "more than %d fields",
			    RECORD_MAX_FIELDS);
			goto fail;
		}
		ps->p = xreallocarray(ps->p, ps->n + 1, sizeof(*ps->p));
		ps->p[ps->n].key = xstrndup(p, (size_t)(eq - p));
		ps->p[ps->n].val = rec_unescape(eq + 1, (size_t)(end - eq - 1),
		    &why);
		if (ps->p[ps->n].val == NULL) {
			xasprintf(cause, "field %s: %s", ps->p[ps->n].key,
			    why);
			free(why);
			free(ps->p[ps->n].key);
			goto fail;
		}
		ps->n++;
		p = end;
	}
	return 0;
fail:
	rec_pairs_free(ps);
	return -1;
}

static void
rec_pairs_free(struct pairs *ps)
{
	size_t	i;

	for (i = 0; i < ps->n; i++) {
		free(ps->p[i].key);
		free(ps->p[i].val);
	}
	free(ps->p);
	ps->p = NULL;
	ps->n = 0;
}

/* --- enums ----------------------------------------------------------- */

static const char *report_names[] = { "combined", "per-destination" };
static const char *format_names[] = { "pdf", "tiff", "both" };
static const char *notify_names[] = { "none", "success", "failure", "both" };
static const char *pref_names[] = { "site", "yes", "no" };

/*
 * fn_parse (case-insensitive) and fn_name of an enum from its name table
 * (util.h); the name of a value out of range is dflt.
 */
#define ENUM_PARSE(fn, type, names)					\
int									\
fn##_parse(const char *s, type *v)					\
{									\
	int	i;							\
									\
	if ((i = name_find(names, nitems(names), s, -1)) == -1)		\
		return -1;						\
	*v = (type)i;							\
	return 0;							\
}
#define ENUM_NAMES(fn, type, names, dflt)				\
const char *								\
fn##_name(type v)							\
{									\
	return name_at(names, nitems(names), (size_t)v, dflt);		\
}									\
ENUM_PARSE(fn, type, names)

ENUM_NAMES(report_style, enum report_style, report_names, "combined")
ENUM_NAMES(inbound_format, enum inbound_format, format_names, "pdf")
ENUM_NAMES(user_pref, enum user_pref, pref_names, "site")
ENUM_PARSE(notify, unsigned, notify_names)

/* notify is a set of bits; its names are those of bits 0 and 1. */
const char *
notify_name(unsigned n)
{
	return name_at(notify_names, nitems(notify_names),
	    n & (NOTIFY_SUCCESS | NOTIFY_FAILURE), "none");
}

int
user_pref_get(enum user_pref p, int site)
{
	return p == PREF_SITE ? site : p == PREF_YES;
}

/* --- validation ------------------------------------------------------ */

int
user_id_valid(const char *id, char **cause)
{
	const char	*at, *p;
	size_t		 len = strlen(id);

	at = strchr(id, '@');
	if (len == 0 || len > 254 || at == NULL || at == id ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL)
		goto bad;
	for (p = id; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[]\\,;:\"", *p) != NULL)
			goto bad;
	}
	for (p = at + 1; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			goto bad;
	}
	if (at[1] == '.' || at[1] == '-' || p[-1] == '.' ||
	    strstr(at, "..") != NULL)
		goto bad;
	return 0;
bad:
	xasprintf(cause, "bad user id \"%.300s\": want a mail address "
	    "like user@example.com", id);
	return -1;
}

int
server_name_valid(const char *name, char **cause)
{
	const char	*p;
	size_t		 len = strlen(name);

	if (len == 0 || len > 32 || !isalnum((unsigned char)name[0]))
		goto bad;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			goto bad;
	return 0;
bad:
	xasprintf(cause, "bad server name \"%.100s\": want 1-32 letters, "
	    "digits, '-', '_' or '.', starting with a letter or digit", name);
	return -1;
}

/* --- field tables ---------------------------------------------------- */

#define RS(st, k, f)	{ .name = k, .off = offsetof(struct st, f), \
			    .type = FT_STR }
#define RI(st, k, f, lo, hi) { .name = k, .off = offsetof(struct st, f), \
			    .type = FT_INT, .min = lo, .max = hi }
#define RB(st, k, f)	{ .name = k, .off = offsetof(struct st, f), \
			    .type = FT_BOOL }
#define RL(st, k, f)	{ .name = k, .off = offsetof(struct st, f), \
			    .type = FT_LIST, .max_list = RECORD_MAX_LIST }
#define RE(st, k, f, e)	{ .name = k, .off = offsetof(struct st, f), \
			    .type = FT_ENUM, .name_of = e##_get, \
			    .parse = e##_set }

/* FT_ENUM adapters: e_get and e_set around the typed name and parse. */
#define ENUM_FIELD(e, type, name_fn, parse_fn)				\
static const char *							\
e##_get(const void *p)							\
{									\
	return name_fn(*(const type *)p);				\
}									\
static int								\
e##_set(const char *s, void *p)						\
{									\
	return parse_fn(s, p);						\
}

ENUM_FIELD(report, enum report_style, report_style_name, report_style_parse)
ENUM_FIELD(format, enum inbound_format, inbound_format_name,
    inbound_format_parse)
ENUM_FIELD(notify, unsigned, notify_name, notify_parse)
ENUM_FIELD(pref, enum user_pref, user_pref_name, user_pref_parse)

/* In the order they are written; the key holds the id. */
static const struct field user_fields[] = {
	RS(user, "name", name),
	RB(user, "enabled", enabled),
	{ .name = "pwhash", .off = offsetof(struct user, pwhash),
	    .type = FT_STR, .flags = FIELD_SECRET },
	RL(user, "allow", allow),
	RL(user, "bar", bar),
	RE(user, "report", report, report),
	RE(user, "format", format, format),
	RE(user, "notify", notify, notify),
	RE(user, "cover", cover, pref),
	RE(user, "fax_text", fax_text, pref),
};

static const struct field server_fields[] = {
	RI(server, "priority", priority, 0, 9999),
	RS(server, "driver", driver),
	RS(server, "host", host),
	RI(server, "port", port, 1, 65535),
	RS(server, "account", account),
	RS(server, "password_file", password_file),
	RS(server, "admin_password_file", admin_password_file),
	RI(server, "lines", lines, 1, 255),
	RB(server, "fine", fine),
	RB(server, "g4", g4),
	RB(server, "enabled", enabled),
	RS(server, "send_modems", send_modems),
};

struct assignrec {
	char	*server;
};

static const struct field assign_fields[] = {
	RS(assignrec, "server", server),
};

static const struct field route_fields[] = {
	RS(route, "called", called),
	RS(route, "caller", caller),
	RS(route, "csid", csid),
	RS(route, "server", server),
	RL(route, "user", users),
	RB(route, "default", is_default),
};

static const struct field logrec_fields[] = {
	RS(logrec, "direction", direction),
	RS(logrec, "job", job),
	RS(logrec, "broadcast", broadcast),
	RS(logrec, "user", user),
	RS(logrec, "number_typed", number_typed),
	RS(logrec, "number_dialled", number_dialled),
	RS(logrec, "server", server),
	{ .name = "start", .off = offsetof(struct logrec, start),
	    .type = FT_LL, .min = 0, .max = LLONG_MAX },
	{ .name = "end", .off = offsetof(struct logrec, end),
	    .type = FT_LL, .min = 0, .max = LLONG_MAX },
	RI(logrec, "pages", pages, 0, INT_MAX),
	RI(logrec, "duration", duration, 0, INT_MAX),
	RS(logrec, "csid", csid),
	RS(logrec, "status", status),
	RS(logrec, "reason", reason),
	RI(logrec, "attempts", attempts, 0, INT_MAX),
	RS(logrec, "rule", rule),
	RS(logrec, "msgid", msgid),
};

/* --- users ----------------------------------------------------------- */

void
user_init(struct user *u)
{
	memset(u, 0, sizeof(*u));
	u->enabled = 1;
	u->report = REPORT_COMBINED;
	u->format = FMT_PDF;
	u->notify = NOTIFY_SUCCESS | NOTIFY_FAILURE;
}

void
user_free(struct user *u)
{
	if (u == NULL)
		return;
	free(u->id);
	fields_free(u, user_fields, nitems(user_fields));
	memset(u, 0, sizeof(*u));
}

void
users_free(struct user *u, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		user_free(&u[i]);
	free(u);
}

char *
user_encode(const struct user *u)
{
	return rec_encode(u, user_fields, nitems(user_fields));
}

int
user_decode(const char *key, const char *val, struct user *u, char **cause)
{
	char	*why = NULL;

	user_init(u);
	if (rec_decode(val, u, user_fields, nitems(user_fields), &why) == -1) {
		xasprintf(cause, "user %s: %s", key, why);
		free(why);
		user_free(u);
		return -1;
	}
	u->id = xstrdup(key);
	return 0;
}

/* --- servers --------------------------------------------------------- */

void
server_init(struct server *s)
{
	memset(s, 0, sizeof(*s));
	s->priority = 10;
	s->port = 4559;
	s->lines = 1;
	s->fine = 1;
	s->enabled = 1;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	free(s->name);
	fields_free(s, server_fields, nitems(server_fields));
	memset(s, 0, sizeof(*s));
}

void
servers_free(struct server *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		server_free(&s[i]);
	free(s);
}

char *
server_encode(const struct server *s)
{
	return rec_encode(s, server_fields, nitems(server_fields));
}

int
server_decode(const char *key, const char *val, struct server *s,
    char **cause)
{
	char	*why = NULL;

	server_init(s);
	if (rec_decode(val, s, server_fields, nitems(server_fields),
	    &why) == 0 && (s->driver == NULL || s->host == NULL))
		xasprintf(&why, "no %s", s->driver == NULL ? "driver" :
		    "host");
	if (why != NULL) {
		xasprintf(cause, "server %s: %s", key, why);
		free(why);
		server_free(s);
		return -1;
	}
	s->name = xstrdup(key);
	return 0;
}

/* --- assignments ----------------------------------------------------- */

char *
assign_encode(const char *server)
{
	struct assignrec	a = { (char *)(uintptr_t)server };

	return rec_encode(&a, assign_fields, nitems(assign_fields));
}

int
assign_decode(const char *key, const char *val, char **server, char **cause)
{
	struct assignrec	 a = { NULL };
	char			*why = NULL;

	*server = NULL;
	if (rec_decode(val, &a, assign_fields, nitems(assign_fields),
	    &why) == 0 && a.server == NULL)
		why = xstrdup("no server");
	if (why != NULL) {
		xasprintf(cause, "assignment %s: %s", key, why);
		free(why);
		fields_free(&a, assign_fields, nitems(assign_fields));
		return -1;
	}
	*server = a.server;
	return 0;
}

void
assigns_free(struct assign *a, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(a[i].user);
		free(a[i].server);
	}
	free(a);
}

/* --- routes ---------------------------------------------------------- */

char *
route_key(int order)
{
	return xprintf("%06d", order);
}

void
route_free(struct route *r)
{
	if (r == NULL)
		return;
	fields_free(r, route_fields, nitems(route_fields));
	memset(r, 0, sizeof(*r));
}

void
routes_free(struct route *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		route_free(&r[i]);
	free(r);
}

char *
route_encode(const struct route *r)
{
	return rec_encode(r, route_fields, nitems(route_fields));
}

int
route_decode(const char *key, const char *val, struct route *r,
    char **cause)
{
	char		*why = NULL;
	long long	 order;

	memset(r, 0, sizeof(*r));
	if (fields_parse_ll(key, 1, 999999, &order) == -1)
		why = xstrdup("bad key");
	else if (rec_decode(val, r, route_fields, nitems(route_fields),
	    &why) == 0 && strv_len(r->users) == 0)
		why = xstrdup("no user");
	if (why != NULL) {
		xasprintf(cause, "route %s: %s", key, why);
		free(why);
		route_free(r);
		return -1;
	}
	r->order = (int)order;
	return 0;
}

/* --- log ------------------------------------------------------------- */

void
logrec_free(struct logrec *l)
{
	if (l == NULL)
		return;
	free(l->id);
	fields_free(l, logrec_fields, nitems(logrec_fields));
	memset(l, 0, sizeof(*l));
}

void
logrecs_free(struct logrec *l, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		logrec_free(&l[i]);
	free(l);
}

char *
logrec_encode(const struct logrec *l)
{
	return rec_encode(l, logrec_fields, nitems(logrec_fields));
}

int
logrec_decode(const char *key, const char *val, struct logrec *l,
    char **cause)
{
	char	*why = NULL;

	memset(l, 0, sizeof(*l));
	if (rec_decode(val, l, logrec_fields, nitems(logrec_fields),
	    &why) == -1) {
		xasprintf(cause, "log %s: %s", key, why);
		free(why);
		logrec_free(l);
		return -1;
	}
	l->id = xstrdup(key);
	return 0;
}

int
logrec_matches(const struct logrec *l, const struct logfilter *f)
{
	if (f == NULL)
		return 1;
	if (f->direction != NULL && (l->direction == NULL ||
	    strcmp(f->direction, l->direction) != 0))
		return 0;
	if (f->user != NULL && (l->user == NULL ||
	    strcasecmp(f->user, l->user) != 0))
		return 0;
	if (f->status != NULL && (l->status == NULL ||
	    strcmp(f->status, l->status) != 0))
		return 0;
	if (f->number != NULL &&
	    !(l->number_typed != NULL &&
	    dial_pattern_match(f->number, l->number_typed)) &&
	    !(l->number_dialled != NULL &&
	    dial_pattern_match(f->number, l->number_dialled)))
		return 0;
	if (f->since != 0 && l->start < f->since)
		return 0;
	if (f->until != 0 && l->start >= f->until)
		return 0;
	return 1;
}

/* --- table operations ------------------------------------------------ */

static int
rec_get(const char *dir, const char *table, const char *key, char **val,
    char **cause)
{
	struct table	*t;
	int		 rc;

	if (table_open(dir, table, TABLE_READ, &t, cause) == -1)
		return -1;
	rc = table_get(t, key, val, cause);
	table_close(t, NULL);
	return rc;
}

static int
rec_put(const char *dir, const char *table, const char *key,
    const char *val, char **cause)
{
	struct table	*t;
	int		 rc;

	if (table_open(dir, table, TABLE_WRITE, &t, cause) == -1)
		return -1;
	rc = table_put(t, key, val, 0, cause);
	if (table_close(t, rc == 0 ? cause : NULL) == -1)
		rc = -1;
	return rc;
}

static int
rec_del(const char *dir, const char *table, const char *key, char **cause)
{
	struct table	*t;
	int		 rc;

	if (table_open(dir, table, TABLE_WRITE, &t, cause) == -1)
		return -1;
	rc = table_del(t, key, cause);
	if (table_close(t, rc == 0 ? cause : NULL) == -1)
		rc = -1;
	return rc;
}

static int
rec_collect_cb(const char *key, const char *val, void *arg, char **cause)
{
	struct collect	*c = arg;
	void		*slot;
	char		*why = NULL;

	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 16 : c->cap * 2;
		c->arr = xreallocarray(c->arr, c->cap, c->size);
	}
	slot = (char *)c->arr + c->n * c->size;
	if (c->decode(key, val, slot, &why) == -1) {
		xasprintf(cause, "%s table: %s", c->table, why);
		free(why);
		return -1;
	}
	c->n++;
	return 0;
}

static int
rec_collect(const char *dir, const char *table, struct collect *c,
    char **cause)
{
	struct table	*t;
	int		 rc;

	c->table = table;
	c->arr = NULL;
	c->n = c->cap = 0;
	if (table_open(dir, table, TABLE_READ, &t, cause) == -1)
		return -1;
	rc = table_iter(t, rec_collect_cb, c, cause);
	table_close(t, NULL);
	return rc;
}

static int
dec_user(const char *k, const char *v, void *p, char **cause)
{
	return user_decode(k, v, p, cause);
}

static int
dec_server(const char *k, const char *v, void *p, char **cause)
{
	return server_decode(k, v, p, cause);
}

static int
dec_route(const char *k, const char *v, void *p, char **cause)
{
	return route_decode(k, v, p, cause);
}

static int
dec_assign(const char *k, const char *v, void *p, char **cause)
{
	struct assign	*a = p;

	if (assign_decode(k, v, &a->server, cause) == -1)
		return -1;
	a->user = xstrdup(k);
	return 0;
}

int
user_get(const char *dir, const char *id, struct user *u, char **cause)
{
	char	*key, *val;
	int	 rc;

	key = xstrdup(id);
	str_lower(key);
	rc = rec_get(dir, TABLE_USERS, key, &val, cause);
	if (rc == 0) {
		rc = user_decode(key, val, u, cause);
		free(val);
	}
	free(key);
	return rc;
}

int
user_put(const char *dir, const struct user *u, char **cause)
{
	char	*key, *val;
	int	 rc;

	if (user_id_valid(u->id, cause) == -1)
		return -1;
	key = xstrdup(u->id);
	str_lower(key);
	val = user_encode(u);
	rc = rec_put(dir, TABLE_USERS, key, val, cause);
	explicit_bzero(val, strlen(val));
	free(val);
	free(key);
	return rc;
}

int
user_del(const char *dir, const char *id, char **cause)
{
	char	*key;
	int	 rc;

	key = xstrdup(id);
	str_lower(key);
	rc = rec_del(dir, TABLE_USERS, key, cause);
	free(key);
	return rc;
}

int
users_all(const char *dir, struct user **out, size_t *n, char **cause)
{
	struct collect	c = { .size = sizeof(struct user), .decode = dec_user };

	if (rec_collect(dir, TABLE_USERS, &c, cause) != 0) {
		users_free(c.arr, c.n);
		return -1;
	}
	*out = c.arr;
	*n = c.n;
	return 0;
}

int
server_get(const char *dir, const char *name, struct server *s,
    char **cause)
{
	char	*val;
	int	 rc;

	rc = rec_get(dir, TABLE_SERVERS, name, &val, cause);
	if (rc == 0) {
		rc = server_decode(name, val, s, cause);
		free(val);
	}
	return rc;
}

int
server_put(const char *dir, const struct server *s, char **cause)
{
	char	*val;
	int	 rc;

	if (server_name_valid(s->name, cause) == -1)
		return -1;
	val = server_encode(s);
	rc = rec_put(dir, TABLE_SERVERS, s->name, val, cause);
	free(val);
	return rc;
}

int
server_del(const char *dir, const char *name, char **cause)
{
	return rec_del(dir, TABLE_SERVERS, name, cause);
}

static int
cmp_server(const void *a, const void *b)
{
	const struct server	*x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
servers_all(const char *dir, struct server **out, size_t *n, char **cause)
{
	struct collect	c = { .size = sizeof(struct server),
	    .decode = dec_server };

	if (rec_collect(dir, TABLE_SERVERS, &c, cause) != 0) {
		servers_free(c.arr, c.n);
		return -1;
	}
	if (c.n > 1)
		qsort(c.arr, c.n, c.size, cmp_server);
	*out = c.arr;
	*n = c.n;
	return 0;
}

int
assign_get(const char *dir, const char *user, char **server, char **cause)
{
	char	*key, *val;
	int	 rc;

	key = xstrdup(user);
	str_lower(key);
	rc = rec_get(dir, TABLE_ASSIGN, key, &val, cause);
	if (rc == 0) {
		rc = assign_decode(key, val, server, cause);
		free(val);
	}
	free(key);
	return rc;
}

int
assign_put(const char *dir, const char *user, const char *server,
    char **cause)
{
	char	*key, *val;
	int	 rc;

	if (user_id_valid(user, cause) == -1 ||
	    server_name_valid(server, cause) == -1)
		return -1;
	key = xstrdup(user);
	str_lower(key);
	val = assign_encode(server);
	rc = rec_put(dir, TABLE_ASSIGN, key, val, cause);
	free(val);
	free(key);
	return rc;
}

int
assign_del(const char *dir, const char *user, char **cause)
{
	char	*key;
	int	 rc;

	key = xstrdup(user);
	str_lower(key);
	rc = rec_del(dir, TABLE_ASSIGN, key, cause);
	free(key);
	return rc;
}

int
assigns_all(const char *dir, struct assign **out, size_t *n, char **cause)
{
	struct collect	c = { .size = sizeof(struct assign),
	    .decode = dec_assign };

	if (rec_collect(dir, TABLE_ASSIGN, &c, cause) != 0) {
		assigns_free(c.arr, c.n);
		return -1;
	}
	*out = c.arr;
	*n = c.n;
	return 0;
}

static int
cmp_route(const void *a, const void *b)
{
	const struct route	*x = a, *y = b;

	if (x->is_default != y->is_default)
		return x->is_default ? 1 : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int
routes_all(const char *dir, struct route **out, size_t *n, char **cause)
{
	struct collect	c = { .size = sizeof(struct route),
	    .decode = dec_route };

	if (rec_collect(dir, TABLE_ROUTES, &c, cause) != 0) {
		routes_free(c.arr, c.n);
		return -1;
	}
	if (c.n > 1)
		qsort(c.arr, c.n, c.size, cmp_route);
	*out = c.arr;
	*n = c.n;
	return 0;
}

int
routes_put_all(const char *dir, const struct route *r, size_t n,
    char **cause)
{
	struct table_kv	*kv;
	struct route	 tmp;
	size_t		 i;
	int		 rc;

	kv = xcalloc(n == 0 ? 1 : n, sizeof(*kv));
	for (i = 0; i < n; i++) {
		tmp = r[i];
		tmp.order = (int)i + 1;
		kv[i].key = route_key(tmp.order);
		kv[i].val = route_encode(&tmp);
	}
	rc = table_replace(dir, TABLE_ROUTES, kv, n, cause);
	for (i = 0; i < n; i++) {
		free((char *)(uintptr_t)kv[i].key);
		free((char *)(uintptr_t)kv[i].val);
	}
	free(kv);
	return rc;
}
