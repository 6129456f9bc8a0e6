/*
 * sched.c: server choice and failure classes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sched.h"

static const char *find_cause_full(const char *, enum sched_verdict *,
		    enum sched_cause *);

int
sched_listed(const char *list, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p = list;

	if (list == NULL)
		return 0;
	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

int
sched_busy(const struct sched_server *s)
{
	int	lines = s->lines > 0 ? s->lines : 1;

	if (s->inflight >= lines)
		return 1;
	return s->modems_free == 0;
}

static int
usable(const struct sched_server *s, const char *avoid)
{
	return s->enabled && s->up && !sched_busy(s) &&
	    !sched_listed(avoid, s->name);
}

int
sched_choose(const struct sched_server *s, size_t n, const char *assigned,
    const char *avoid, unsigned *rr)
{
	size_t	i, k, count;
	int	best = -1, prio = 0;

	if (assigned != NULL && *assigned != '\0') {
		for (i = 0; i < n; i++)
			if (strcmp(s[i].name, assigned) == 0 &&
			    usable(&s[i], avoid))
				return (int)i;
	}
	for (i = 0; i < n; i++) {
		if (!usable(&s[i], avoid))
			continue;
		if (best == -1 || s[i].priority < prio) {
			best = (int)i;
			prio = s[i].priority;
		}
	}
	if (best == -1)
		return -1;
	/* Round-robin among the usable servers of the best priority. */
	count = 0;
	for (i = 0; i < n; i++)
		if (usable(&s[i], avoid) && s[i].priority == prio)
			count++;
	k = (*rr)++ % count;
	for (i = 0; i < n; i++) {
		if (!usable(&s[i], avoid) || s[i].priority != prio)
			continue;
		if (k-- == 0)
			return (int)i;
	}
	return best;
}

static const struct {
	const char		*needle;
	enum sched_verdict	 verdict;
	enum sched_cause	 cause;
	const char		*words;
} sched_causes[] = {
	{ "busy", SCHED_RETRY_LATER, CAUSE_BUSY, "the line was busy" },
	{ "no answer", SCHED_RETRY_LATER, CAUSE_NO_ANSWER,
	    "nobody answered" },
	{ "no carrier", SCHED_RETRY_LATER, CAUSE_NO_FAX,
	    "the other side is not a fax machine or hung up" },
	{ "no local dialtone", SCHED_RETRY_LATER, CAUSE_BUSY,
	    "the line could not be seized (no dial tone)" },
	{ "blocked by concurrent call", SCHED_RETRY_LATER, CAUSE_BUSY,
	    "the fax line was in use" },
	{ "timed out", SCHED_RETRY_LATER, CAUSE_LINE, "the call timed out" },
	{ "kill time expired", SCHED_RETRY_LATER, CAUSE_TIMEOUT,
	    "the job ran out of time on the fax server" },
	{ "communication failure", SCHED_RETRY_LATER, CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "retry", SCHED_RETRY_LATER, CAUSE_LINE,
	    "the transmission failed" },
	{ "invalid", SCHED_PERMANENT, CAUSE_BAD_NUMBER,
	    "the number is not valid" },
	{ "unknown number", SCHED_PERMANENT, CAUSE_BAD_NUMBER,
	    "the number does not exist" },
	{ "document", SCHED_PERMANENT, CAUSE_DOCUMENT,
	    "the fax server could not use the document" },
	{ "rejected", SCHED_PERMANENT, CAUSE_REJECTED,
	    "the fax server refused the job" },
};

static const char *
find_cause(const char *status, enum sched_verdict *v)
{
	enum sched_cause	c;

	return find_cause_full(status, v, &c);
}

enum sched_cause
sched_cause(const char *status)
{
	enum sched_verdict	v;
	enum sched_cause	c = CAUSE_OTHER;

	find_cause_full(status, &v, &c);
	return c;
}

static const char *
find_cause_full(const char *status, enum sched_verdict *v,
    enum sched_cause *c)
{
	size_t		 i, nlen, slen;
	const char	*p;

	if (status == NULL)
		return NULL;
	slen = strlen(status);
	for (i = 0; i < sizeof(sched_causes) / sizeof(sched_causes[0]); i++) {
		nlen = strlen(sched_causes[i].needle);
		for (p = status; (size_t)(p - status) + nlen <= slen; p++)
			if (strncasecmp(p, sched_causes[i].needle, nlen) == 0) {
				*v = sched_causes[i].verdict;
				*c = sched_causes[i].cause;
				return sched_causes[i].words;
			}
	}
	return NULL;
}

enum sched_verdict
sched_classify(const char *status)
{
	enum sched_verdict	v = SCHED_PERMANENT;

	find_cause(status, &v);
	return v;
}

const char *
sched_explain(const char *status)
{
	enum sched_verdict	 v;
	const char		*w = find_cause(status, &v);

	return w != NULL ? w : "the fax could not be sent";
}
