/*
 * hub.h: the supervisor's shared state (faxhubd only).
 *
 * faxhubd runs one thread per peer so that a slow or hung peer never
 * stalls the others: the intake thread (IMAP), one thread per fax server
 * (session, submission, tracking, received faxes), the outbox thread
 * (SMTP), and the main thread (signals, scheduling, table reloads, the
 * status file).  Everything they share lives in struct hub under one
 * mutex; no thread holds it across network I/O.  Every decision that
 * must survive a crash is written to the spool before it is acted upon.
 *
 * The spool is spool.c's (spool.h), the table cache hub-tables.c's and
 * the communication log's writer hub-log.c's.
 */
#ifndef FAXHUB_HUB_H
#define FAXHUB_HUB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "conf.h"
#include "hub-log.h"
#include "hub-tables.h"
#include "job.h"
#include "record.h"
#include "spool.h"

struct hjob {
	struct job	 j;
	int		 verify;	/* SUBMITTING: check the tag first */
	int		 busy;		/* a thread works on it unlocked */
	int		 unsaved;	/* no record yet: the scheduler's
					   next pass writes one */
	size_t		 slot;		/* hub.c: index in hub->jobs */
	struct hjob	*hnext;		/* hub.c: next in its hash chain */
};

struct hub;

/* An end of a job owed (dispatch.c); again: taken up after a restart. */
struct hend {
	char		*id;
	int		 again;
};

/*
 * One fax server and its thread.  An hsrv lives until faxhubd exits, so
 * its thread may keep the pointer.  name is set once, before the thread
 * starts, and never changes: the thread reads it without the mutex.
 * Everything else is read and written with hub->mtx held; rec is
 * re-copied only when the servers-table record changed.
 */
struct hsrv {
	struct hub	*hub;
	char		 name[64];	/* immutable, see above */
	struct server	 rec;		/* copy of the servers-table record */
	pthread_t	 thread;
	int		 started;
	int		 present;	/* still in the table */
	int		 up;
	char		*err;		/* last error, for status */
	int		 send_free;	/* idle send lines, -1 unknown */
	int		 modems;
	char		*modem_text;
	long long	 since;		/* up/down since (unix) */
	int		 wake;
	int		 submit;	/* a job given to it: before tracking */
	int		 done;		/* the thread's last step: it touches
					   nothing shared any more */
};

struct hub {
	struct config	 cfg;
	char		*imap_password;
	char		*smtp_password;
	char		*admin_password;	/* registration by mail */

	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	/*
	 * Flags that threads poll without the mutex (the IMAP wait, loops
	 * between network steps): atomics.  Writers also broadcast cond
	 * with mtx held so that sleepers in hub_sleep() see them at once.
	 */
	atomic_int	 stop;
	atomic_int	 intake_wake;	/* wakes the IMAP wait */
	atomic_int	 outbox_wake;	/* the outbox looks at its queue */
	/* dispatch.c: a scheduling pass is owed; its thread waits on it. */
	int		 sched_want;
	pthread_cond_t	 sched_cond;

	struct tables	 t;
	struct hsrv	**srvs;
	size_t		  nsrvs;
	struct hjob	**jobs;		/* live jobs only (hub.c) */
	size_t		  njobs;
	struct hjob	**jobhash;	/* hub.c: by id */
	size_t		  nbuckets;
	long long	  retired[2];	/* done, failed: left memory */
	unsigned	  rr;

	int		  imap_up;
	char		 *imap_err;
	int		  smtp_up;
	char		 *smtp_err;
	long long	  started;
	struct hublog	 *log;		/* hub-log.c: the log writer */

	/*
	 * The ends of jobs (dispatch.c): queued with mtx held, done by the
	 * ender thread without it (log record, reports, the broadcast's
	 * end).  ending: those the ender has taken and not yet done.
	 */
	struct hend	 *ends;
	size_t		  nends;
	size_t		  ending;
	/* hub.c: broadcasts whose record a thread reads and rewrites. */
	char		**bbusy;
	size_t		  nbbusy;
};

/*
 * jobs: the live ones in memory, every one in the spool (jobs/ while its
 * broadcast is live, done/jobs/ once it was retired) from the first
 * scheduling pass that saw it on (a new job is handed over unsaved,
 * intake-jobs.c); with hub->mtx held unless said otherwise.
 */
struct hjob *hub_job_find(struct hub *, const char *id);
void	 hub_job_add(struct hub *, struct hjob *);
void	 hub_job_drop(struct hub *, struct hjob *);
int	 hub_job_save(struct hub *, struct hjob *);
/* The same with the durability of file_write_sync() (util.h). */
int	 hub_job_save_sync(struct hub *, struct hjob *, enum write_sync);
/* The save without mtx: mtx held on entry and exit, hj->busy set. */
int	 hub_job_commit(struct hub *, struct hjob *);
int	 hub_job_commit_sync(struct hub *, struct hjob *, enum write_sync);
/* The durable save of n jobs at once, as hub_job_commit(); 0 when all. */
int	 hub_jobs_commit(struct hub *, struct hjob *const *, size_t n);
/* An ended job read from the spool (no mtx needed); caller frees. */
struct hjob *hub_job_read(struct hub *, const char *id);
/* The same for each id of a comma-separated list; caller owns all. */
struct hjob **hub_jobs_read(struct hub *, const char *list, size_t *n);
int	 hub_job_known(struct hub *, const char *id);	/* no mtx */
int	 hub_jobs_load(struct hub *, char **cause);
void	 hub_jobs_free(struct hub *);
/* A broadcast whose mail was moved: its records to done/; without mtx. */
int	 hub_bcast_retire(struct hub *, const struct bcast *, char **cause);
/*
 * A broadcast record's read-modify-write (the ender's end of a broadcast,
 * intake_jobs()'s late copy) is one at a time per broadcast: lock waits
 * while another thread has that broadcast; both without mtx held.  Other
 * broadcasts, and everything under mtx, go on meanwhile.
 */
void	 hub_bcast_lock(struct hub *, const char *id);
void	 hub_bcast_unlock(struct hub *, const char *id);
void	 hub_wake_all(struct hub *);
int	 hub_sleep(struct hub *, int seconds);	/* mtx held; 1 = stop */

/* outbox.c */
int	 outbox_put(struct hub *, const char *id, const char *from,
	    const char *const *rcpts, size_t n, const char *msg, size_t len,
	    const char *logid, int to_postmaster_on_fail);
/*
 * 1 queued, sent or set aside (sent: also once retention pruned sent/ID,
 * by the seen index), 0 not, -1 the seen index could not be read
 * (logged; the caller tries again later).  Table I/O: without mtx.
 */
int	 outbox_known(struct hub *, const char *id);
int	 outbox_sent(struct hub *, const char *id);	/* the same, sent */
void	*outbox_main(void *);

/* intake.c */
void	*intake_main(void *);
/* Stages the mail's state file in states (intake-mail.c). */
int	 intake_process(struct hub *, const char *key, struct spool_batch *);

/*
 * dispatch.c: server choice and the end of a job; mtx held.
 * dispatch_end() ends a busy job (DONE or FAILED): its record saved, then
 * its end queued for the ender thread (dispatch_ender_main, arg: the
 * hub); a record not saved leaves the job as it was, to be ended again.
 * dispatch_reports() queues the ends a restart owes.
 */
/* Asks the scheduler thread (dispatch_sched_main) for a pass; no wait. */
void	 dispatch_schedule(struct hub *);
void	*dispatch_sched_main(void *);
void	 dispatch_sync_servers(struct hub *);
int	 dispatch_end(struct hub *, struct hjob *, enum job_state);
void	 dispatch_reports(struct hub *);
void	*dispatch_ender_main(void *);
void	 dispatch_ends_free(struct hub *);
/* faxhub's jobs being submitted to or followed on the server. */
int	 dispatch_inflight(const struct hub *, const char *server);

/* fax-server.c: the thread of one fax server (arg: its struct hsrv). */
void	*server_main(void *);

/*
 * inbound.c: called by a server thread without mtx; may close *conn (the
 * driver's session, fax.h) and set it to NULL.
 */
struct fax_conn;
void	 inbound_poll(struct hub *, struct hsrv *, struct fax_conn **conn);

/* status.c: mtx held on entry and exit, released for the file I/O. */
int	 hub_write_status(struct hub *);

#endif
