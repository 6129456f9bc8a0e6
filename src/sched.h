/*
 * sched.h: choosing the fax server for a job (patent claims 1-2).  Pure
 * functions over a snapshot of the servers' state, so tests drive them
 * from tables.  What a failure means is decided by the driver (fax.h) and
 * stored on the job.
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
	int		 send_free;	/* idle send lines, -1 unknown */
};

/*
 * A server is busy when all its lines carry faxhub's own jobs, or when
 * its driver reports no idle line that can send (used by anyone: faxhub,
 * another sender, a call being received on a modem that also sends).
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
/* Why a server cannot take a job now ("busy", "down", ...), NULL if it can. */
const char *sched_why_not(const struct sched_server *, const char *avoid);

#endif
