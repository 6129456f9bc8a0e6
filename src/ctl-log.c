/*
 * ctl-log.c: faxhubctl log list|show: the communication log, as
 * tab-separated lines or JSON (--json).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "dial.h"
#include "record.h"
#include "util.h"
#include "xmalloc.h"

static int	 log_time(const char *, const char *, long long *);
static void	 log_fmt_time(long long, char *, size_t);
static void	 json_str(const char *);
static void	 json_rec(const struct logrec *);
static const char *dash(const char *);
static void	 log_clean(struct logrec *);

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
	printf("{\"id\":");
	json_str(l->id);
	printf(",\"direction\":");
	json_str(l->direction);
	printf(",\"job\":");
	json_str(l->job);
	printf(",\"broadcast\":");
	json_str(l->broadcast);
	printf(",\"user\":");
	json_str(l->user);
	printf(",\"number_typed\":");
	json_str(l->number_typed);
	printf(",\"number_dialled\":");
	json_str(l->number_dialled);
	printf(",\"server\":");
	json_str(l->server);
	printf(",\"start\":%lld,\"end\":%lld,\"pages\":%d,\"duration\":%d",
	    l->start, l->end, l->pages, l->duration);
	printf(",\"csid\":");
	json_str(l->csid);
	printf(",\"status\":");
	json_str(l->status);
	printf(",\"reason\":");
	json_str(l->reason);
	printf(",\"attempts\":%d,\"rule\":", l->attempts);
	json_str(l->rule);
	printf(",\"msgid\":");
	json_str(l->msgid);
	printf("}");
}

int
ctl_log_list(struct ctl *c)
{
	struct logfilter	 f;
	struct logrec		*l;
	const char		*dir, *v;
	char			*cause = NULL, when[32];
	size_t			 n, i;
	int			 json = ctl_opt(c, "json") != NULL;

	memset(&f, 0, sizeof(f));
	if ((v = ctl_opt(c, "direction")) != NULL) {
		if (strcmp(v, "in") != 0 && strcmp(v, "out") != 0) {
			fprintf(stderr, "faxhubctl: --direction: bad value "
			    "\"%s\": want in or out\n", v);
			return CTL_USAGE;
		}
		f.direction = v;
	}
	f.user = ctl_opt(c, "user");
	f.status = ctl_opt(c, "status");
	if ((v = ctl_opt(c, "number")) != NULL) {
		if (!dial_pattern_valid(v)) {
			fprintf(stderr, "faxhubctl: --number: bad value \"%s\":"
			    " want digits with an optional leading '+' and "
			    "trailing '*'\n", v);
			return CTL_USAGE;
		}
		f.number = v;
	}
	if ((v = ctl_opt(c, "since")) != NULL &&
	    log_time("since", v, &f.since) == -1)
		return CTL_USAGE;
	if ((v = ctl_opt(c, "until")) != NULL &&
	    log_time("until", v, &f.until) == -1)
		return CTL_USAGE;
	if ((dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	if (logs_all(dir, &f, &l, &n, &cause) == -1)
		return ctl_fail(cause);
	if (json)
		printf("[");
	for (i = 0; i < n; i++) {
		if (json) {
			printf("%s\n", i == 0 ? "" : ",");
			json_rec(&l[i]);
			continue;
		}
		log_clean(&l[i]);
		log_fmt_time(l[i].start, when, sizeof(when));
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", l[i].id,
		    dash(l[i].direction), when, dash(l[i].user),
		    dash(l[i].number_typed != NULL ? l[i].number_typed :
		    l[i].csid), dash(l[i].server), dash(l[i].status),
		    l[i].pages, dash(l[i].reason));
	}
	if (json)
		printf("%s]\n", n > 0 ? "\n" : "");
	logrecs_free(l, n);
	return CTL_OK;
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
