/*
 * sched.c: server choice.  What a failure means is the driver's business
 * (fax.h); this file only picks a server.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sched.h"
#include "util.h"

int
sched_busy(const struct sched_server *s)
{
	int	lines = s->lines > 0 ? s->lines : 1;

	if (s->inflight >= lines)
		return 1;
	return s->send_free == 0;
}

const char *
sched_why_not(const struct sched_server *s, const char *avoid)
{
	if (!s->enabled)
		return "disabled";
	if (!s->up)
		return "down";
	if (sched_busy(s))
		return "busy";
	if (str_listed(avoid, s->name))
		return "refused this job";
	return NULL;
}

static int
usable(const struct sched_server *s, const char *avoid)
{
	return sched_why_not(s, avoid) == NULL;
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
