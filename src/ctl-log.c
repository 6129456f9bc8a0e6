/*
 * ctl-log.c: faxhubctl log list|show|export: the communication log, as
 * tab-separated lines or JSON (--json), exported as CSV (RFC 4180) or
 * JSON lines.  Listings stream from the log's day index (record-log.c).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "dial.h"
#include "record.h"
#include "util.h"
#include "xmalloc.h"

enum col_kind { COL_STR, COL_LL, COL_INT };

/* The columns of the export and JSON forms, in order. */
static const struct col {
	const char	*name;
	enum col_kind	 kind;
	size_t		 off;
} log_cols[] = {
#define COL(n, k)	{ #n, k, offsetof(struct logrec, n) }
	COL(id, COL_STR), COL(direction, COL_STR), COL(job, COL_STR),
	COL(broadcast, COL_STR), COL(user, COL_STR),
	COL(number_typed, COL_STR), COL(number_dialled, COL_STR),
	COL(server, COL_STR), COL(start, COL_LL), COL(end, COL_LL),
	COL(pages, COL_INT), COL(duration, COL_INT), COL(csid, COL_STR),
	COL(status, COL_STR), COL(reason, COL_STR), COL(attempts, COL_INT),
	COL(rule, COL_STR), COL(msgid, COL_STR)
#undef COL
};

enum log_form { FORM_TEXT, FORM_JSON, FORM_JSONL, FORM_CSV };

struct log_out {
	enum log_form	form;
	size_t		n;
};

static int	 log_time(const char *, const char *, long long *);
static void	 log_fmt_time(long long, char *, size_t);
static void	 json_str(const char *);
static void	 json_rec(const struct logrec *);
static void	 csv_str(const char *);
static void	 csv_head(void);
static void	 csv_rec(const struct logrec *);
static const char *dash(const char *);
static void	 log_clean(struct logrec *);
static int	 log_filter(struct ctl *, struct logfilter *);
static int	 log_print(const struct logrec *, void *, char **);
static int	 log_walk(struct ctl *, enum log_form);

/* Accepts unix seconds, YYYY-MM-DD or YYYY-MM-DD[ T]HH:MM[:SS] (local). */
static int
log_time(const char *opt, const char *s, long long *out)
{
	struct tm	 tm;
	const char	*end;
	char		*e;
	long long	 v;

	if (*s != '\0' && strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		v = strtoll(s, &e, 10);
		if (errno == 0 && *e == '\0') {
			*out = v;
			return 0;
		}
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && *end != '\0') {
		if (*end != ' ' && *end != 'T')
			end = NULL;
		else if ((e = strptime(end + 1, "%H:%M:%S", &tm)) == NULL ||
		    *e != '\0')
			end = strptime(end + 1, "%H:%M", &tm);
		else
			end = e;
	}
	if (end == NULL || *end != '\0') {
		fprintf(stderr, "faxhubctl: --%s: bad value \"%s\": want unix "
		    "seconds, YYYY-MM-DD or \"YYYY-MM-DD HH:MM[:SS]\"\n", opt,
		    s);
		return -1;
	}
	tm.tm_isdst = -1;
	*out = (long long)mktime(&tm);
	return 0;
}

static void
log_fmt_time(long long t, char *buf, size_t size)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL)
		strlcpy(buf, "-", size);
	else
		strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *
dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* For the text forms: control bytes would break lines and columns. */
static void
log_clean(struct logrec *l)
{
	char	**f[] = { &l->direction, &l->job, &l->broadcast, &l->user,
	    &l->number_typed, &l->number_dialled, &l->server, &l->csid,
	    &l->status, &l->reason, &l->rule, &l->msgid };
	char	 *p;
	size_t	  i;

	for (i = 0; i < nitems(f); i++)
		for (p = *f[i]; p != NULL && *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
}

static void
json_str(const char *s)
{
	struct buf	b;

	buf_init(&b);
	buf_add_json(&b, s);
	fputs(b.data, stdout);
	buf_free(&b);
}

static void
json_rec(const struct logrec *l)
{
	const void	*f;
	size_t		 i;

	putchar('{');
	for (i = 0; i < nitems(log_cols); i++) {
		f = (const char *)l + log_cols[i].off;
		printf("%s\"%s\":", i == 0 ? "" : ",", log_cols[i].name);
		if (log_cols[i].kind == COL_STR)
			json_str(*(char *const *)f);
		else if (log_cols[i].kind == COL_LL)
			printf("%lld", *(const long long *)f);
		else
			printf("%d", *(const int *)f);
	}
	putchar('}');
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF. */
static void
csv_str(const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
csv_head(void)
{
	size_t	i;

	for (i = 0; i < nitems(log_cols); i++)
		printf("%s%s", i == 0 ? "" : ",", log_cols[i].name);
	printf("\r\n");
}

/* Times as ISO 8601 UTC, unknown ones empty. */
static void
csv_rec(const struct logrec *l)
{
	const void	*f;
	struct tm	 tm;
	time_t		 t;
	char		 when[32];
	size_t		 i;

	for (i = 0; i < nitems(log_cols); i++) {
		f = (const char *)l + log_cols[i].off;
		if (i > 0)
			putchar(',');
		if (log_cols[i].kind == COL_STR)
			csv_str(*(char *const *)f);
		else if (log_cols[i].kind == COL_INT)
			printf("%d", *(const int *)f);
		else if ((t = (time_t)*(const long long *)f) != 0 &&
		    gmtime_r(&t, &tm) != NULL) {
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			fputs(when, stdout);
		}
	}
	printf("\r\n");
}

static int
log_filter(struct ctl *c, struct logfilter *f)
{
	const char	*v;

	memset(f, 0, sizeof(*f));
	if ((v = ctl_opt(c, "direction")) != NULL) {
		if (strcmp(v, "in") != 0 && strcmp(v, "out") != 0) {
			fprintf(stderr, "faxhubctl: --direction: bad value "
			    "\"%s\": want in or out\n", v);
			return -1;
		}
		f->direction = v;
	}
	f->user = ctl_opt(c, "user");
	f->status = ctl_opt(c, "status");
	if ((v = ctl_opt(c, "number")) != NULL) {
		if (!dial_pattern_valid(v)) {
			fprintf(stderr, "faxhubctl: --number: bad value \"%s\":"
			    " want digits with an optional leading '+' and "
			    "trailing '*'\n", v);
			return -1;
		}
		f->number = v;
	}
	if ((v = ctl_opt(c, "since")) != NULL &&
	    log_time("since", v, &f->since) == -1)
		return -1;
	if ((v = ctl_opt(c, "until")) != NULL &&
	    log_time("until", v, &f->until) == -1)
		return -1;
	return 0;
}

static int
log_print(const struct logrec *r, void *arg, char **cause)
{
	struct log_out	*o = arg;
	struct logrec	 l;
	char		 when[32];

	(void)cause;
	switch (o->form) {
	case FORM_JSON:
		printf("%s\n", o->n == 0 ? "" : ",");
		json_rec(r);
		break;
	case FORM_JSONL:
		json_rec(r);
		putchar('\n');
		break;
	case FORM_CSV:
		csv_rec(r);
		break;
	case FORM_TEXT:
		l = *r;		/* log_clean changes the strings in place */
		log_clean(&l);
		log_fmt_time(l.start, when, sizeof(when));
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", l.id,
		    dash(l.direction), when, dash(l.user),
		    dash(l.number_typed != NULL ? l.number_typed : l.csid),
		    dash(l.server), dash(l.status), l.pages, dash(l.reason));
		break;
	}
	o->n++;
	return ferror(stdout) ? -1 : 0;
}

/* Streams the matching records in time order, one day in memory. */
static int
log_walk(struct ctl *c, enum log_form form)
{
	struct logfilter	 f;
	struct log_out		 o = { form, 0 };
	const char		*dir;
	char			*cause = NULL;
	int			 rc;

	if (log_filter(c, &f) == -1)
		return CTL_USAGE;
	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	if (form == FORM_JSON)
		printf("[");
	else if (form == FORM_CSV)
		csv_head();
	rc = logs_walk(dir, &f, log_print, &o, &cause);
	if (rc == -1 && cause != NULL)
		return ctl_fail(cause);
	if (form == FORM_JSON)
		printf("%s]\n", o.n > 0 ? "\n" : "");
	if (fflush(stdout) == EOF || rc != 0)
		return ctl_failf("writing the listing: %s", strerror(errno));
	return CTL_OK;
}

int
ctl_log_list(struct ctl *c)
{
	return log_walk(c, ctl_opt(c, "json") != NULL ? FORM_JSON :
	    FORM_TEXT);
}

int
ctl_log_export(struct ctl *c)
{
	const char	*v = ctl_opt(c, "format");

	if (ctl_opt(c, "since") == NULL) {
		fprintf(stderr, "faxhubctl: log export: --since is "
		    "required\n");
		return CTL_USAGE;
	}
	if (v == NULL || strcmp(v, "csv") == 0)
		return log_walk(c, FORM_CSV);
	if (strcmp(v, "jsonl") == 0)
		return log_walk(c, FORM_JSONL);
	fprintf(stderr, "faxhubctl: --format: bad value \"%s\": want csv or "
	    "jsonl\n", v);
	return CTL_USAGE;
}

int
ctl_log_show(struct ctl *c)
{
	struct logrec	 l;
	const char	*dir;
	char		*cause = NULL, t1[32], t2[32];
	int		 rc;

	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	rc = logrec_get(dir, c->argv[0], &l, &cause);
	if (rc == -1)
		return ctl_fail(cause);
	if (rc == 1)
		return ctl_failf("unknown log record \"%s\"", c->argv[0]);
	if (ctl_opt(c, "json") != NULL) {
		json_rec(&l);
		printf("\n");
		logrec_free(&l);
		return CTL_OK;
	}
	log_clean(&l);
	log_fmt_time(l.start, t1, sizeof(t1));
	log_fmt_time(l.end, t2, sizeof(t2));
	printf("id: %s\ndirection: %s\njob: %s\nbroadcast: %s\nuser: %s\n"
	    "number_typed: %s\nnumber_dialled: %s\nserver: %s\nstart: %s\n"
	    "end: %s\npages: %d\nduration: %d\ncsid: %s\nstatus: %s\n"
	    "reason: %s\nattempts: %d\nrule: %s\nmsgid: %s\n", l.id,
	    dash(l.direction), dash(l.job), dash(l.broadcast), dash(l.user),
	    dash(l.number_typed), dash(l.number_dialled), dash(l.server), t1,
	    t2, l.pages, l.duration, dash(l.csid), dash(l.status),
	    dash(l.reason), l.attempts, dash(l.rule), dash(l.msgid));
	logrec_free(&l);
	return CTL_OK;
}
