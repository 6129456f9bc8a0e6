/*
 * record.c: encoding of the table records and the per-table operations.
 */
#include "config.h"

#include <sys/time.h>

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
#include "record.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

#define RECORD_MAX_FIELDS	1024

struct field {
	char	*key;
	char	*val;
};

struct fields {
	struct field	*f;
	size_t		 n;
};

struct collect {
	const char	*table;
	void		*arr;
	size_t		 n, cap, size;
	int		(*decode)(const char *, const char *, void *,
			    char **);
	const struct logfilter *filter;
};

static void	rec_escape(struct buf *, const char *);
static char	*rec_unescape(const char *, size_t, char **);
static void	rec_str(struct buf *, const char *, const char *);
static void	rec_int(struct buf *, const char *, long long);
static void	rec_list(struct buf *, const char *, char *const *);
static int	rec_split(const char *, struct fields *, char **);
static void	rec_fields_free(struct fields *);
static int	rec_ll(const char *, long long, long long, long long *);
static int	rec_set_str(char **, const struct field *, char **);
static int	rec_add_list(char ***, const struct field *, char **);
static int	rec_set_int(int *, const struct field *, long long, long long,
		    char **);
static int	rec_bad(const struct field *, char **);
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
static int	dec_logrec(const char *, const char *, void *, char **);
static int	dec_assign(const char *, const char *, void *, char **);
static int	cmp_server(const void *, const void *);
static int	cmp_route(const void *, const void *);

/* --- strings and arrays ---------------------------------------------- */

void
strv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

size_t
strv_len(char *const *v)
{
	size_t	n = 0;

	if (v != NULL)
		while (v[n] != NULL)
			n++;
	return n;
}

char **
strv_dup(char *const *v)
{
	char	**r;
	size_t	  i, n = strv_len(v);

	if (v == NULL)
		return NULL;
	r = xcalloc(n + 1, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

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

/* --- encoding helpers ------------------------------------------------ */

static void
rec_str(struct buf *b, const char *k, const char *v)
{
	if (v == NULL)
		return;
	buf_addf(b, "\t%s=", k);
	rec_escape(b, v);
}

static void
rec_int(struct buf *b, const char *k, long long v)
{
	buf_addf(b, "\t%s=%lld", k, v);
}

static void
rec_list(struct buf *b, const char *k, char *const *v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		rec_str(b, k, v[i]);
}

/* Splits "v1\tk=v\t..." into unescaped fields. */
static int
rec_split(const char *val, struct fields *fs, char **cause)
{
	const char	*p, *end, *eq;
	char		*why = NULL;
	size_t		 vl = strlen(RECORD_VERSION);

	fs->f = NULL;
	fs->n = 0;
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
		if (fs->n == RECORD_MAX_FIELDS) {
			xasprintf(cause, "more than %d fields",
			    RECORD_MAX_FIELDS);
			goto fail;
		}
		fs->f = xreallocarray(fs->f, fs->n + 1, sizeof(*fs->f));
		fs->f[fs->n].key = xstrndup(p, (size_t)(eq - p));
		fs->f[fs->n].val = rec_unescape(eq + 1, (size_t)(end - eq - 1),
		    &why);
		if (fs->f[fs->n].val == NULL) {
			xasprintf(cause, "field %s: %s", fs->f[fs->n].key,
			    why);
			free(why);
			free(fs->f[fs->n].key);
			goto fail;
		}
		fs->n++;
		p = end;
	}
	return 0;
fail:
	rec_fields_free(fs);
	return -1;
}

static void
rec_fields_free(struct fields *fs)
{
	size_t	i;

	for (i = 0; i < fs->n; i++) {
		free(fs->f[i].key);
		free(fs->f[i].val);
	}
	free(fs->f);
	fs->f = NULL;
	fs->n = 0;
}

static int
rec_ll(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
rec_bad(const struct field *f, char **cause)
{
	xasprintf(cause, "field %s: bad value \"%.40s\"", f->key, f->val);
	return -1;
}

static int
rec_set_str(char **dst, const struct field *f, char **cause)
{
	if (*dst != NULL) {
		xasprintf(cause, "field %s given twice", f->key);
		return -1;
	}
	*dst = xstrdup(f->val);
	return 0;
}

static int
rec_add_list(char ***v, const struct field *f, char **cause)
{
	size_t	n = strv_len(*v);

	if (n == RECORD_MAX_LIST) {
		xasprintf(cause, "field %s: more than %d entries", f->key,
		    RECORD_MAX_LIST);
		return -1;
	}
	*v = xreallocarray(*v, n + 2, sizeof(**v));
	(*v)[n] = xstrdup(f->val);
	(*v)[n + 1] = NULL;
	return 0;
}

static int
rec_set_int(int *dst, const struct field *f, long long min, long long max,
    char **cause)
{
	long long	v;

	if (rec_ll(f->val, min, max, &v) == -1)
		return rec_bad(f, cause);
	*dst = (int)v;
	return 0;
}

/* --- enums ----------------------------------------------------------- */

const char *
report_style_name(enum report_style r)
{
	return r == REPORT_PER_DEST ? "per-destination" : "combined";
}

int
report_style_parse(const char *s, enum report_style *r)
{
	if (strcasecmp(s, "combined") == 0)
		*r = REPORT_COMBINED;
	else if (strcasecmp(s, "per-destination") == 0)
		*r = REPORT_PER_DEST;
	else
		return -1;
	return 0;
}

const char *
inbound_format_name(enum inbound_format f)
{
	switch (f) {
	case FMT_TIFF:
		return "tiff";
	case FMT_BOTH:
		return "both";
	default:
		return "pdf";
	}
}

int
inbound_format_parse(const char *s, enum inbound_format *f)
{
	if (strcasecmp(s, "pdf") == 0)
		*f = FMT_PDF;
	else if (strcasecmp(s, "tiff") == 0)
		*f = FMT_TIFF;
	else if (strcasecmp(s, "both") == 0)
		*f = FMT_BOTH;
	else
		return -1;
	return 0;
}

const char *
notify_name(unsigned n)
{
	switch (n & (NOTIFY_SUCCESS | NOTIFY_FAILURE)) {
	case NOTIFY_SUCCESS:
		return "success";
	case NOTIFY_FAILURE:
		return "failure";
	case NOTIFY_SUCCESS | NOTIFY_FAILURE:
		return "both";
	default:
		return "none";
	}
}

int
notify_parse(const char *s, unsigned *n)
{
	if (strcasecmp(s, "success") == 0)
		*n = NOTIFY_SUCCESS;
	else if (strcasecmp(s, "failure") == 0)
		*n = NOTIFY_FAILURE;
	else if (strcasecmp(s, "both") == 0)
		*n = NOTIFY_SUCCESS | NOTIFY_FAILURE;
	else if (strcasecmp(s, "none") == 0)
		*n = 0;
	else
		return -1;
	return 0;
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
	free(u->name);
	if (u->pwhash != NULL)
		explicit_bzero(u->pwhash, strlen(u->pwhash));
	free(u->pwhash);
	strv_free(u->allow);
	strv_free(u->bar);
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
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, RECORD_VERSION);
	rec_str(&b, "name", u->name);
	rec_int(&b, "enabled", u->enabled ? 1 : 0);
	rec_str(&b, "pwhash", u->pwhash);
	rec_list(&b, "allow", u->allow);
	rec_list(&b, "bar", u->bar);
	rec_str(&b, "report", report_style_name(u->report));
	rec_str(&b, "format", inbound_format_name(u->format));
	rec_str(&b, "notify", notify_name(u->notify));
	return buf_steal(&b, NULL);
}

int
user_decode(const char *key, const char *val, struct user *u, char **cause)
{
	struct fields	 fs;
	struct field	*f;
	char		*why = NULL;
	size_t		 i;
	int		 rc = -1;

	user_init(u);
	if (rec_split(val, &fs, &why) == -1)
		goto out;
	u->id = xstrdup(key);
	rc = 0;
	for (i = 0; i < fs.n; i++) {
		f = &fs.f[i];
		if (strcmp(f->key, "name") == 0)
			rc = rec_set_str(&u->name, f, &why);
		else if (strcmp(f->key, "enabled") == 0)
			rc = rec_set_int(&u->enabled, f, 0, 1, &why);
		else if (strcmp(f->key, "pwhash") == 0)
			rc = rec_set_str(&u->pwhash, f, &why);
		else if (strcmp(f->key, "allow") == 0)
			rc = rec_add_list(&u->allow, f, &why);
		else if (strcmp(f->key, "bar") == 0)
			rc = rec_add_list(&u->bar, f, &why);
		else if (strcmp(f->key, "report") == 0)
			rc = report_style_parse(f->val, &u->report) == -1 ?
			    rec_bad(f, &why) : 0;
		else if (strcmp(f->key, "format") == 0)
			rc = inbound_format_parse(f->val, &u->format) == -1 ?
			    rec_bad(f, &why) : 0;
		else if (strcmp(f->key, "notify") == 0)
			rc = notify_parse(f->val, &u->notify) == -1 ?
			    rec_bad(f, &why) : 0;
		else {
			xasprintf(&why, "unknown field %s", f->key);
			rc = -1;
		}
		if (rc == -1)
			break;
	}
	rec_fields_free(&fs);
out:
	if (rc == -1) {
		xasprintf(cause, "user %s: %s", key, why);
		free(why);
		user_free(u);
	}
	return rc;
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
	free(s->driver);
	free(s->host);
	free(s->account);
	free(s->password_file);
	free(s->admin_password_file);
	free(s->send_modems);
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
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, RECORD_VERSION);
	rec_int(&b, "priority", s->priority);
	rec_str(&b, "driver", s->driver);
	rec_str(&b, "host", s->host);
	rec_int(&b, "port", s->port);
	rec_str(&b, "account", s->account);
	rec_str(&b, "password_file", s->password_file);
	rec_str(&b, "admin_password_file", s->admin_password_file);
	rec_int(&b, "lines", s->lines);
	rec_int(&b, "fine", s->fine ? 1 : 0);
	rec_int(&b, "g4", s->g4 ? 1 : 0);
	rec_int(&b, "enabled", s->enabled ? 1 : 0);
	rec_str(&b, "send_modems", s->send_modems);
	return buf_steal(&b, NULL);
}

int
server_decode(const char *key, const char *val, struct server *s,
    char **cause)
{
	struct fields	 fs;
	struct field	*f;
	char		*why = NULL;
	size_t		 i;
	int		 rc = -1;

	server_init(s);
	if (rec_split(val, &fs, &why) == -1)
		goto out;
	s->name = xstrdup(key);
	rc = 0;
	for (i = 0; i < fs.n && rc == 0; i++) {
		f = &fs.f[i];
		if (strcmp(f->key, "priority") == 0)
			rc = rec_set_int(&s->priority, f, 0, 9999, &why);
		else if (strcmp(f->key, "driver") == 0)
			rc = rec_set_str(&s->driver, f, &why);
		else if (strcmp(f->key, "host") == 0)
			rc = rec_set_str(&s->host, f, &why);
		else if (strcmp(f->key, "port") == 0)
			rc = rec_set_int(&s->port, f, 1, 65535, &why);
		else if (strcmp(f->key, "account") == 0)
			rc = rec_set_str(&s->account, f, &why);
		else if (strcmp(f->key, "password_file") == 0)
			rc = rec_set_str(&s->password_file, f, &why);
		else if (strcmp(f->key, "admin_password_file") == 0)
			rc = rec_set_str(&s->admin_password_file, f, &why);
		else if (strcmp(f->key, "lines") == 0)
			rc = rec_set_int(&s->lines, f, 1, 255, &why);
		else if (strcmp(f->key, "fine") == 0)
			rc = rec_set_int(&s->fine, f, 0, 1, &why);
		else if (strcmp(f->key, "g4") == 0)
			rc = rec_set_int(&s->g4, f, 0, 1, &why);
		else if (strcmp(f->key, "enabled") == 0)
			rc = rec_set_int(&s->enabled, f, 0, 1, &why);
		else if (strcmp(f->key, "send_modems") == 0)
			rc = rec_set_str(&s->send_modems, f, &why);
		else {
			xasprintf(&why, "unknown field %s", f->key);
			rc = -1;
		}
	}
	if (rc == 0 && (s->driver == NULL || s->host == NULL)) {
		xasprintf(&why, "no %s", s->driver == NULL ? "driver" :
		    "host");
		rc = -1;
	}
	rec_fields_free(&fs);
out:
	if (rc == -1) {
		xasprintf(cause, "server %s: %s", key, why);
		free(why);
		server_free(s);
	}
	return rc;
}

/* --- assignments ----------------------------------------------------- */

char *
assign_encode(const char *server)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, RECORD_VERSION);
	rec_str(&b, "server", server);
	return buf_steal(&b, NULL);
}

int
assign_decode(const char *key, const char *val, char **server, char **cause)
{
	struct fields	 fs;
	char		*why = NULL;
	size_t		 i;
	int		 rc = -1;

	*server = NULL;
	if (rec_split(val, &fs, &why) == -1)
		goto out;
	rc = 0;
	for (i = 0; i < fs.n && rc == 0; i++) {
		if (strcmp(fs.f[i].key, "server") == 0)
			rc = rec_set_str(server, &fs.f[i], &why);
		else {
			xasprintf(&why, "unknown field %s", fs.f[i].key);
			rc = -1;
		}
	}
	if (rc == 0 && *server == NULL) {
		why = xstrdup("no server");
		rc = -1;
	}
	rec_fields_free(&fs);
out:
	if (rc == -1) {
		xasprintf(cause, "assignment %s: %s", key, why);
		free(why);
		free(*server);
		*server = NULL;
	}
	return rc;
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
	free(r->called);
	free(r->caller);
	free(r->csid);
	free(r->server);
	strv_free(r->users);
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
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, RECORD_VERSION);
	rec_str(&b, "called", r->called);
	rec_str(&b, "caller", r->caller);
	rec_str(&b, "csid", r->csid);
	rec_str(&b, "server", r->server);
	rec_list(&b, "user", r->users);
	rec_int(&b, "default", r->is_default ? 1 : 0);
	return buf_steal(&b, NULL);
}

int
route_decode(const char *key, const char *val, struct route *r,
    char **cause)
{
	struct fields	 fs;
	struct field	*f;
	char		*why = NULL;
	long long	 order;
	size_t		 i;
	int		 rc = -1;

	memset(r, 0, sizeof(*r));
	if (rec_ll(key, 1, 999999, &order) == -1) {
		xasprintf(&why, "bad key");
		goto out;
	}
	r->order = (int)order;
	if (rec_split(val, &fs, &why) == -1)
		goto out;
	rc = 0;
	for (i = 0; i < fs.n && rc == 0; i++) {
		f = &fs.f[i];
		if (strcmp(f->key, "called") == 0)
			rc = rec_set_str(&r->called, f, &why);
		else if (strcmp(f->key, "caller") == 0)
			rc = rec_set_str(&r->caller, f, &why);
		else if (strcmp(f->key, "csid") == 0)
			rc = rec_set_str(&r->csid, f, &why);
		else if (strcmp(f->key, "server") == 0)
			rc = rec_set_str(&r->server, f, &why);
		else if (strcmp(f->key, "user") == 0)
			rc = rec_add_list(&r->users, f, &why);
		else if (strcmp(f->key, "default") == 0)
			rc = rec_set_int(&r->is_default, f, 0, 1, &why);
		else {
			xasprintf(&why, "unknown field %s", f->key);
			rc = -1;
		}
	}
	if (rc == 0 && strv_len(r->users) == 0) {
		why = xstrdup("no user");
		rc = -1;
	}
	rec_fields_free(&fs);
out:
	if (rc == -1) {
		xasprintf(cause, "route %s: %s", key, why);
		free(why);
		route_free(r);
	}
	return rc;
}

/* --- log ------------------------------------------------------------- */

void
logrec_free(struct logrec *l)
{
	if (l == NULL)
		return;
	free(l->id);
	free(l->direction);
	free(l->job);
	free(l->broadcast);
	free(l->user);
	free(l->number_typed);
	free(l->number_dialled);
	free(l->server);
	free(l->csid);
	free(l->status);
	free(l->reason);
	free(l->rule);
	free(l->msgid);
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
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, RECORD_VERSION);
	rec_str(&b, "direction", l->direction);
	rec_str(&b, "job", l->job);
	rec_str(&b, "broadcast", l->broadcast);
	rec_str(&b, "user", l->user);
	rec_str(&b, "number_typed", l->number_typed);
	rec_str(&b, "number_dialled", l->number_dialled);
	rec_str(&b, "server", l->server);
	rec_int(&b, "start", l->start);
	rec_int(&b, "end", l->end);
	rec_int(&b, "pages", l->pages);
	rec_int(&b, "duration", l->duration);
	rec_str(&b, "csid", l->csid);
	rec_str(&b, "status", l->status);
	rec_str(&b, "reason", l->reason);
	rec_int(&b, "attempts", l->attempts);
	rec_str(&b, "rule", l->rule);
	rec_str(&b, "msgid", l->msgid);
	return buf_steal(&b, NULL);
}

int
logrec_decode(const char *key, const char *val, struct logrec *l,
    char **cause)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} strs[] = {
		{ "direction", offsetof(struct logrec, direction) },
		{ "job", offsetof(struct logrec, job) },
		{ "broadcast", offsetof(struct logrec, broadcast) },
		{ "user", offsetof(struct logrec, user) },
		{ "number_typed", offsetof(struct logrec, number_typed) },
		{ "number_dialled", offsetof(struct logrec, number_dialled) },
		{ "server", offsetof(struct logrec, server) },
		{ "csid", offsetof(struct logrec, csid) },
		{ "status", offsetof(struct logrec, status) },
		{ "reason", offsetof(struct logrec, reason) },
		{ "rule", offsetof(struct logrec, rule) },
		{ "msgid", offsetof(struct logrec, msgid) },
	};
	struct fields	 fs;
	struct field	*f;
	char		*why = NULL;
	long long	 v;
	size_t		 i, j;
	int		 rc = -1;

	memset(l, 0, sizeof(*l));
	if (rec_split(val, &fs, &why) == -1)
		goto out;
	l->id = xstrdup(key);
	rc = 0;
	for (i = 0; i < fs.n && rc == 0; i++) {
		f = &fs.f[i];
		for (j = 0; j < nitems(strs); j++)
			if (strcmp(f->key, strs[j].name) == 0)
				break;
		if (j < nitems(strs)) {
			rc = rec_set_str((char **)(void *)((char *)l +
			    strs[j].off), f, &why);
		} else if (strcmp(f->key, "start") == 0 ||
		    strcmp(f->key, "end") == 0) {
			if (rec_ll(f->val, 0, LLONG_MAX, &v) == -1)
				rc = rec_bad(f, &why);
			else if (f->key[0] == 's')
				l->start = v;
			else
				l->end = v;
		} else if (strcmp(f->key, "pages") == 0)
			rc = rec_set_int(&l->pages, f, 0, INT_MAX, &why);
		else if (strcmp(f->key, "duration") == 0)
			rc = rec_set_int(&l->duration, f, 0, INT_MAX, &why);
		else if (strcmp(f->key, "attempts") == 0)
			rc = rec_set_int(&l->attempts, f, 0, INT_MAX, &why);
		else {
			xasprintf(&why, "unknown field %s", f->key);
			rc = -1;
		}
	}
	rec_fields_free(&fs);
out:
	if (rc == -1) {
		xasprintf(cause, "log %s: %s", key, why);
		free(why);
		logrec_free(l);
	}
	return rc;
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
	if (c->filter != NULL && !logrec_matches(slot, c->filter)) {
		logrec_free(slot);
		return 0;
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
dec_logrec(const char *k, const char *v, void *p, char **cause)
{
	return logrec_decode(k, v, p, cause);
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

int
logrec_append(const char *dir, struct logrec *l, char **cause)
{
	struct table	*t;
	struct timeval	 tv;
	char		*val;
	int		 rc = -1, counter, given = (l->id != NULL);

	if (table_open(dir, TABLE_LOG, TABLE_WRITE, &t, cause) == -1)
		return -1;
	val = logrec_encode(l);
	gettimeofday(&tv, NULL);
	for (counter = 0; counter < 10000; counter++) {
		if (!given) {
			free(l->id);
			l->id = xprintf("%010lld%06ld-%04d",
			    (long long)tv.tv_sec, (long)tv.tv_usec, counter);
		}
		rc = table_put(t, l->id, val, 1, cause);
		if (rc != 1 || given)
			break;
	}
	if (rc == 1) {
		xasprintf(cause, "log: record %s exists", l->id);
		rc = -1;
	}
	if (table_close(t, rc == 0 ? cause : NULL) == -1)
		rc = -1;
	free(val);
	return rc;
}

int
logrec_put(const char *dir, const struct logrec *l, char **cause)
{
	char	*val;
	int	 rc;

	if (l->id == NULL || *l->id == '\0') {
		xasprintf(cause, "log: record without an id");
		return -1;
	}
	val = logrec_encode(l);
	rc = rec_put(dir, TABLE_LOG, l->id, val, cause);
	free(val);
	return rc;
}

int
logrec_get(const char *dir, const char *id, struct logrec *l, char **cause)
{
	char	*val;
	int	 rc;

	rc = rec_get(dir, TABLE_LOG, id, &val, cause);
	if (rc == 0) {
		rc = logrec_decode(id, val, l, cause);
		free(val);
	}
	return rc;
}

int
logs_all(const char *dir, const struct logfilter *f, struct logrec **out,
    size_t *n, char **cause)
{
	struct collect	c = { .size = sizeof(struct logrec),
	    .decode = dec_logrec, .filter = f };

	if (rec_collect(dir, TABLE_LOG, &c, cause) != 0) {
		logrecs_free(c.arr, c.n);
		return -1;
	}
	*out = c.arr;
	*n = c.n;
	return 0;
}
