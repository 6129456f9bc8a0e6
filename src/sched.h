/*
 * sched.h: choosing the fax server for a job (patent claims 1-2) and
 * deciding what a failure means.  Pure functions over a snapshot of the
 * servers' state, so tests drive them from tables.
 */
#ifndef FAXHUB_SCHED_H
#define FAXHUB_SCHED_H

#include <stddef.h>

struct sched_server {
	const char	*name;
	int		 priority;	/* lower is tried first */
	int		 enabled;
	int		 up;		/* session logged in */
	int		 lines;		/* from the servers table */
	int		 inflight;	/* faxhub's jobs on it now */
	int		 modems_free;	/* idle send modems, -1 unknown */
};

/*
 * A server is busy when all its lines carry faxhub's own jobs, or when
 * its own modem status shows no idle modem to send with.
 */
int	sched_busy(const struct sched_server *);

/*
 * Picks the server for one job: the user's assigned server when it can
 * take the job, else the first free server in priority order, skipping
 * disabled, down, busy and avoided ones (avoid: comma-separated names that
 * refused this job).  Servers of equal priority share the load round-robin
 * through *rr.  Returns the index, or -1 when every server is busy or down
 * (the job waits; that is not a failure).
 */
int	sched_choose(const struct sched_server *, size_t n,
	    const char *assigned, const char *avoid, unsigned *rr);
/* 1 when name is one of the comma-separated names in list (NULL: none). */
int	sched_listed(const char *list, const char *name);

/* What a fax server's failure text means for the next step. */
enum sched_verdict {
	SCHED_RETRY_LATER,	/* busy, no answer, no carrier: any server */
	SCHED_PERMANENT		/* bad number, document refused: give up */
};
enum sched_verdict	sched_classify(const char *status);
/* The cause in classes a report can name. */
enum sched_cause {
	CAUSE_OTHER = 0,
	CAUSE_BUSY,
	CAUSE_NO_ANSWER,
	CAUSE_NO_FAX,
	CAUSE_LINE,
	CAUSE_BAD_NUMBER,
	CAUSE_DOCUMENT,
	CAUSE_REJECTED,
	CAUSE_TIMEOUT
};
enum sched_cause	sched_cause(const char *status);
/* Plain words for a report, from the server's status text. */
const char		*sched_explain(const char *status);

#endif
