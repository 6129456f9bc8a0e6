/*
 * record-log.c: the communication log table (record.h) and its day index.
 *
 * gdbm is a hash: nothing in the file is in any order, and listing a day
 * by walking every record costs the whole log.  So the log table holds,
 * beside the records, an index of them by the UTC day they started on
 * (days since the epoch; an unknown start counts as day 0):
 *
 *	#d/DAY		how many ids are listed for DAY
 *	#d/DAY/N	ids N*LOGIDX_CHUNK and on of DAY, TAB-separated
 *	#days		"FIRST LAST": the first and last day listed
 *	#index		present once the index lists every record
 *
 * Keys that begin with '#' are the index (logrec_index_key()); record ids
 * never do (logrec_id_valid()).  A table written before the index existed
 * has no "#index": the first writer builds it (logrec_store), and so does
 * the first reader that finds records but no index (logs_walk).
 *
 * The index entry is written before the record, and a reader takes an id
 * listed for day D only when the record is there and starts on day D.  So
 * an id listed twice, one still listed for the day its record started on
 * before a rewrite moved its start, or one whose record was never written
 * (a crash between the two writes) is never shown twice or shown wrong;
 * at most it costs a lookup.
 */
#include "config.h"

#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

#define LOGIDX_CHUNK	64		/* ids per chunk key */
#define LOGIDX_DAY	86400LL
#define LOGIDX_MARK	"#index"
#define LOGIDX_DAYS	"#days"

struct dayrec {
	struct logrec	*v;
	size_t		 n, cap;
};

struct idxent {
	long long	 day;
	char		*id;
};

struct idxbuild {
	struct idxent	*v;
	size_t		 n, cap;
	char		**drop;		/* old index keys */
	size_t		 ndrop;
	int		 probe;		/* only: are there records? */
	int		 records;	/* there are */
};

static long long	log_day(long long);
static int	idx_get_ll(struct table *, const char *, long long *,
		    char **);
static int	idx_put_ll(struct table *, const char *, long long, char **);
static int	idx_days(struct table *, long long *, long long *, char **);
static int	idx_days_put(struct table *, long long, long long, char **);
static int	idx_add(struct table *, long long, const char *, char **);
static int	idx_ids(struct table *, long long, char ***, size_t *,
		    char **);
static void	idx_ids_free(char **, size_t);
static int	idx_build_cb(const char *, const char *, void *, char **);
static int	idx_build(struct table *, char **);
static int	idx_ensure(struct table *, char **);
static int	idx_cmp(const void *, const void *);
static int	rec_start_day(const char *, const char *, long long *,
		    char **);
static int	day_cmp(const void *, const void *);
static int	day_read(struct table *, long long,
		    const struct logfilter *, struct dayrec *, char **);
static void	day_free(struct dayrec *);
static int	logs_open(const char *, struct table **, char **);
static int	logs_collect(const struct logrec *, void *, char **);

int
logrec_index_key(const char *key)
{
	return key[0] == '#';
}

int
logrec_id_valid(const char *id, char **cause)
{
	const char	*p;

	if (*id == '\0' || logrec_index_key(id) ||
	    strlen(id) > TABLE_MAX_KEY)
		goto bad;
	for (p = id; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			goto bad;
	return 0;
bad:
	xasprintf(cause, "log: bad record id \"%.40s\"", id);
	return -1;
}

static long long
log_day(long long start)
{
	return start > 0 ? start / LOGIDX_DAY : 0;
}

/* 0, 1 when missing, -1 on error or a value that is not a number. */
static int
idx_get_ll(struct table *t, const char *key, long long *v, char **cause)
{
	char	*val, *end;
	int	 rc;

	if ((rc = table_get(t, key, &val, cause)) != 0)
		return rc;
	*v = strtoll(val, &end, 10);
	if (end == val || *end != '\0') {
		xasprintf(cause, "log index: %s: bad value", key);
		rc = -1;
	}
	free(val);
	return rc;
}

static int
idx_put_ll(struct table *t, const char *key, long long v, char **cause)
{
	char	buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return table_put(t, key, buf, 0, cause);
}

/* The range of days listed: 0, 1 when the index lists none, -1. */
static int
idx_days(struct table *t, long long *first, long long *last, char **cause)
{
	char	*val;
	int	 rc;

	if ((rc = table_get(t, LOGIDX_DAYS, &val, cause)) != 0)
		return rc;
	if (sscanf(val, "%lld %lld", first, last) != 2 || *first > *last) {
		xasprintf(cause, "log index: " LOGIDX_DAYS ": bad value");
		rc = -1;
	}
	free(val);
	return rc;
}

static int
idx_days_put(struct table *t, long long first, long long last, char **cause)
{
	char	buf[64];

	if (first > last)
		return table_del(t, LOGIDX_DAYS, cause) == -1 ? -1 : 0;
	snprintf(buf, sizeof(buf), "%lld %lld", first, last);
	return table_put(t, LOGIDX_DAYS, buf, 0, cause);
}

/* Appends id to the list of day. */
static int
idx_add(struct table *t, long long day, const char *id, char **cause)
{
	long long	 n = 0, first, last;
	char		*ckey, *nkey, *old = NULL, *val;
	int		 rc;

	nkey = xprintf("#d/%lld", day);
	if ((rc = idx_get_ll(t, nkey, &n, cause)) == -1)
		goto out;
	ckey = xprintf("#d/%lld/%lld", day, n / LOGIDX_CHUNK);
	rc = n % LOGIDX_CHUNK == 0 ? 1 : table_get(t, ckey, &old, cause);
	if (rc != -1) {
		val = rc == 0 ? xprintf("%s\t%s", old, id) : xstrdup(id);
		rc = table_put(t, ckey, val, 0, cause);
		free(val);
	}
	free(old);
	free(ckey);
	if (rc == 0)
		rc = idx_put_ll(t, nkey, n + 1, cause);
	if (rc == 0 && n == 0) {
		switch (idx_days(t, &first, &last, cause)) {
		case 1:
			rc = idx_days_put(t, day, day, cause);
			break;
		case 0:
			if (day < first || day > last)
				rc = idx_days_put(t, day < first ? day : first,
				    day > last ? day : last, cause);
			break;
		default:
			rc = -1;
		}
	}
out:
	free(nkey);
	return rc;
}

/* The ids listed for day (allocated), *n = 0 when none. */
static int
idx_ids(struct table *t, long long day, char ***out, size_t *n,
    char **cause)
{
	long long	  count = 0, c;
	char		**v = NULL, *key, *val, *p, *q;
	size_t		  nv = 0, cap = 0;
	int		  rc;

	*out = NULL;
	*n = 0;
	key = xprintf("#d/%lld", day);
	rc = idx_get_ll(t, key, &count, cause);
	free(key);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	for (c = 0; c * LOGIDX_CHUNK < count; c++) {
		key = xprintf("#d/%lld/%lld", day, c);
		rc = table_get(t, key, &val, cause);
		free(key);
		if (rc == 1)
			continue;
		if (rc == -1) {
			idx_ids_free(v, nv);
			return -1;
		}
		for (p = val; p != NULL; p = q) {
			if ((q = strchr(p, '\t')) != NULL)
				*q++ = '\0';
			if (nv == cap) {
				cap = cap == 0 ? LOGIDX_CHUNK : cap * 2;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[nv++] = xstrdup(p);
		}
		free(val);
	}
	*out = v;
	*n = nv;
	return 0;
}

static void
idx_ids_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
rec_start_day(const char *id, const char *val, long long *day, char **cause)
{
	struct logrec	l;

	if (logrec_decode(id, val, &l, cause) == -1)
		return -1;
	*day = log_day(l.start);
	logrec_free(&l);
	return 0;
}

static int
idx_build_cb(const char *key, const char *val, void *arg, char **cause)
{
	struct idxbuild	*b = arg;
	char		*why = NULL;
	long long	 day;

	if (logrec_index_key(key)) {
		b->drop = xreallocarray(b->drop, b->ndrop + 1,
		    sizeof(*b->drop));
		b->drop[b->ndrop++] = xstrdup(key);
		return 0;
	}
	b->records = 1;
	if (b->probe)
		return 1;		/* stops the walk */
	if (rec_start_day(key, val, &day, &why) == -1) {
		xasprintf(cause, "log table: %s", why);
		free(why);
		return -1;
	}
	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 1024 : b->cap * 2;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	b->v[b->n].day = day;
	b->v[b->n].id = xstrdup(key);
	b->n++;
	return 0;
}

static int
idx_cmp(const void *a, const void *b)
{
	const struct idxent	*x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * Builds the index of a table written without one (or whose build was
 * cut short): every old index key goes, then each day's list is written
 * whole, then the mark.  Holds one (day, id) pair per record in memory,
 * once per table.
 */
static int
idx_build(struct table *t, char **cause)
{
	struct idxbuild	 b;
	struct buf	 chunk;
	char		*key;
	size_t		 i, j, k;
	int		 rc = -1;

	memset(&b, 0, sizeof(b));
	buf_init(&chunk);
	if (table_scan(t, idx_build_cb, &b, cause) != 0)
		goto out;
	for (i = 0; i < b.ndrop; i++)
		if (table_del(t, b.drop[i], cause) == -1)
			goto out;
	if (b.n > 1)
		qsort(b.v, b.n, sizeof(*b.v), idx_cmp);
	for (i = 0; i < b.n; i = j) {
		for (j = i; j < b.n && b.v[j].day == b.v[i].day; j++) {
			k = j - i;
			if (k % LOGIDX_CHUNK != 0)
				buf_adds(&chunk, "\t");
			buf_adds(&chunk, b.v[j].id);
			if (k % LOGIDX_CHUNK != LOGIDX_CHUNK - 1 &&
			    j + 1 < b.n && b.v[j + 1].day == b.v[i].day)
				continue;
			key = xprintf("#d/%lld/%zu", b.v[i].day,
			    k / LOGIDX_CHUNK);
			rc = table_put(t, key, chunk.data, 0, cause);
			free(key);
			buf_reset(&chunk);
			if (rc == -1)
				goto out;
		}
		key = xprintf("#d/%lld", b.v[i].day);
		rc = idx_put_ll(t, key, (long long)(j - i), cause);
		free(key);
		if (rc == -1)
			goto out;
	}
	if (b.n > 0 && idx_days_put(t, b.v[0].day, b.v[b.n - 1].day,
	    cause) == -1)
		goto out;
	rc = table_put(t, LOGIDX_MARK, "1", 0, cause);
out:
	if (rc != 0)
		rc = -1;
	for (i = 0; i < b.n; i++)
		free(b.v[i].id);
	free(b.v);
	for (i = 0; i < b.ndrop; i++)
		free(b.drop[i]);
	free(b.drop);
	buf_free(&chunk);
	return rc;
}

/* Writer: builds the index when the table has none. */
static int
idx_ensure(struct table *t, char **cause)
{
	char	*val;
	int	 rc;

	if ((rc = table_get(t, LOGIDX_MARK, &val, cause)) == 0) {
		free(val);
		return 0;
	}
	return rc == -1 ? -1 : idx_build(t, cause);
}

int
logrec_store(struct table *t, const char *id, const char *val, int insert,
    char **cause)
{
	char		*old = NULL, *why = NULL;
	long long	 day, oday = -1;
	int		 rc;

	if (logrec_id_valid(id, cause) == -1)
		return -1;
	if (rec_start_day(id, val, &day, &why) == -1) {
		xasprintf(cause, "log: %s", why);
		free(why);
		return -1;
	}
	if (idx_ensure(t, cause) == -1)
		return -1;
	if ((rc = table_get(t, id, &old, cause)) == -1)
		return -1;
	if (rc == 0) {
		if (insert) {
			free(old);
			return 1;
		}
		if (rec_start_day(id, old, &oday, &why) == -1) {
			free(why);	/* replaced by a good one */
			oday = -1;
		}
		free(old);
	}
	if (oday != day && idx_add(t, day, id, cause) == -1)
		return -1;
	return table_put(t, id, val, 0, cause);
}

/* ---- reading --------------------------------------------------------- */

static int
day_cmp(const void *a, const void *b)
{
	const struct logrec	*x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The records of one day that match f, sorted by start then id. */
static int
day_read(struct table *t, long long day, const struct logfilter *f,
    struct dayrec *d, char **cause)
{
	struct logrec	  l;
	char		**ids, *val, *why = NULL;
	size_t		  n, i, o;
	int		  rc = 0;

	d->n = 0;
	if (idx_ids(t, day, &ids, &n, cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((rc = table_get(t, ids[i], &val, cause)) == 1) {
			rc = 0;
			continue;
		}
		if (rc == -1)
			break;
		rc = logrec_decode(ids[i], val, &l, &why);
		free(val);
		if (rc == -1) {
			xasprintf(cause, "log table: %s", why);
			free(why);
			break;
		}
		if (log_day(l.start) != day || !logrec_matches(&l, f)) {
			logrec_free(&l);
			continue;
		}
		if (d->n == d->cap) {
			d->cap = d->cap == 0 ? LOGIDX_CHUNK : d->cap * 2;
			d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
		}
		d->v[d->n++] = l;
	}
	idx_ids_free(ids, n);
	if (rc == -1) {
		logrecs_free(d->v, d->n);
		d->v = NULL;
		d->n = d->cap = 0;
		return -1;
	}
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), day_cmp);
	/* An id listed twice for the day. */
	for (i = o = 0; i < d->n; i++) {
		if (o > 0 && strcmp(d->v[o - 1].id, d->v[i].id) == 0) {
			logrec_free(&d->v[i]);
			continue;
		}
		d->v[o++] = d->v[i];
	}
	d->n = o;
	return 0;
}

static void
day_free(struct dayrec *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		logrec_free(&d->v[i]);
	d->n = 0;
}

/*
 * Opens the log for reading, with its index: a table that holds records
 * but no index gets one first (one writer opening).
 */
static int
logs_open(const char *dir, struct table **out, char **cause)
{
	struct idxbuild	 b;
	struct table	*t;
	char		*val;
	size_t		 i;
	int		 rc;

	if (table_open(dir, TABLE_LOG, TABLE_READ, &t, cause) == -1)
		return -1;
	if ((rc = table_get(t, LOGIDX_MARK, &val, cause)) == 0)
		free(val);
	if (rc != 1) {
		if (rc == -1)
			table_close(t, NULL);
		else
			*out = t;
		return rc;
	}
	memset(&b, 0, sizeof(b));
	b.probe = 1;
	rc = table_scan(t, idx_build_cb, &b, cause);
	for (i = 0; i < b.ndrop; i++)
		free(b.drop[i]);
	free(b.drop);
	if (rc == -1 || !b.records) {
		if (rc == -1)
			table_close(t, NULL);
		else
			*out = t;	/* empty: nothing to index */
		return rc == -1 ? -1 : 0;
	}
	table_close(t, NULL);
	if (table_open(dir, TABLE_LOG, TABLE_WRITE, &t, cause) == -1)
		return -1;
	rc = idx_ensure(t, cause);
	if (table_close(t, rc == 0 ? cause : NULL) == -1 || rc == -1)
		return -1;
	return table_open(dir, TABLE_LOG, TABLE_READ, out, cause);
}

int
logs_walk(const char *dir, const struct logfilter *f,
    int (*cb)(const struct logrec *, void *, char **), void *arg,
    char **cause)
{
	struct table	*t;
	struct dayrec	 d = { NULL, 0, 0 };
	long long	 first, last, day;
	size_t		 i;
	int		 rc;

	if (logs_open(dir, &t, cause) == -1)
		return -1;
	if ((rc = idx_days(t, &first, &last, cause)) != 0) {
		table_close(t, NULL);
		return rc == 1 ? 0 : -1;
	}
	if (f != NULL && f->since > 0 && log_day(f->since) > first)
		first = log_day(f->since);
	if (f != NULL && f->until > 0 && log_day(f->until - 1) < last)
		last = log_day(f->until - 1);
	for (day = first; day <= last && rc == 0; day++) {
		if ((rc = day_read(t, day, f, &d, cause)) != 0)
			break;
		for (i = 0; i < d.n && rc == 0; i++)
			rc = cb(&d.v[i], arg, cause);
		day_free(&d);
	}
	free(d.v);
	table_close(t, NULL);
	return rc;
}

struct collect_log {
	struct logrec	*v;
	size_t		 n, cap;
};

static int
logs_collect(const struct logrec *l, void *arg, char **cause)
{
	struct collect_log	*c = arg;
	struct logrec		*copy;
	char			*val;

	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 16 : c->cap * 2;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	copy = &c->v[c->n];
	val = logrec_encode(l);
	if (logrec_decode(l->id, val, copy, cause) == -1) {
		free(val);
		return -1;
	}
	free(val);
	c->n++;
	return 0;
}

int
logs_all(const char *dir, const struct logfilter *f, struct logrec **out,
    size_t *n, char **cause)
{
	struct collect_log	c = { NULL, 0, 0 };

	if (logs_walk(dir, f, logs_collect, &c, cause) != 0) {
		logrecs_free(c.v, c.n);
		return -1;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

/* ---- writing --------------------------------------------------------- */

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
		rc = logrec_store(t, l->id, val, 1, cause);
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
	struct table	*t;
	char		*val;
	int		 rc;

	if (l->id == NULL || *l->id == '\0') {
		xasprintf(cause, "log: record without an id");
		return -1;
	}
	if (table_open(dir, TABLE_LOG, TABLE_WRITE, &t, cause) == -1)
		return -1;
	val = logrec_encode(l);
	rc = logrec_store(t, l->id, val, 0, cause);
	if (table_close(t, rc == 0 ? cause : NULL) == -1)
		rc = -1;
	free(val);
	return rc;
}

int
logrec_get(const char *dir, const char *id, struct logrec *l, char **cause)
{
	struct table	*t;
	char		*val;
	int		 rc;

	if (logrec_index_key(id))
		return 1;
	if (table_open(dir, TABLE_LOG, TABLE_READ, &t, cause) == -1)
		return -1;
	rc = table_get(t, id, &val, cause);
	table_close(t, NULL);
	if (rc == 0) {
		rc = logrec_decode(id, val, l, cause);
		free(val);
	}
	return rc;
}

/*
 * Removes the records that started on a day before the day of before
 * (whole days: the index is by day), and their index.  cb (may be NULL)
 * is told each record first; with dry_run set nothing is removed.
 */
int
logs_prune(const char *dir, long long before, int dry_run,
    int (*cb)(const struct logrec *, void *, char **), void *arg,
    size_t *removed, char **cause)
{
	struct table	 *t;
	struct dayrec	  d = { NULL, 0, 0 };
	long long	  first, last, day, cut = log_day(before), n, c;
	char		 *key;
	size_t		  i;
	int		  rc;

	*removed = 0;
	if (dry_run)
		rc = logs_open(dir, &t, cause);
	else if ((rc = table_open(dir, TABLE_LOG, TABLE_WRITE, &t,
	    cause)) == 0 && (rc = idx_ensure(t, cause)) == -1)
		goto out;
	if (rc == -1)
		return -1;
	if ((rc = idx_days(t, &first, &last, cause)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto out;
	}
	for (day = first; day < cut && day <= last && rc == 0; day++) {
		if ((rc = day_read(t, day, NULL, &d, cause)) != 0)
			break;
		for (i = 0; i < d.n && rc == 0; i++) {
			if (cb != NULL)
				rc = cb(&d.v[i], arg, cause);
			if (rc == 0 && !dry_run &&
			    table_del(t, d.v[i].id, cause) == -1)
				rc = -1;
			if (rc == 0)
				(*removed)++;
		}
		day_free(&d);
		if (rc != 0 || dry_run)
			continue;
		key = xprintf("#d/%lld", day);
		n = 0;
		if ((rc = idx_get_ll(t, key, &n, cause)) == 1)
			rc = 0;
		if (rc == 0 && table_del(t, key, cause) == -1)
			rc = -1;
		free(key);
		for (c = 0; rc == 0 && c * LOGIDX_CHUNK < n; c++) {
			key = xprintf("#d/%lld/%lld", day, c);
			if (table_del(t, key, cause) == -1)
				rc = -1;
			free(key);
		}
		if (rc == 0)
			rc = idx_days_put(t, day + 1, last, cause);
	}
out:
	free(d.v);
	if (table_close(t, rc == 0 ? cause : NULL) == -1)
		rc = -1;
	return rc;
}
