/*
 * job.h: a fax job (one destination of one mail) and a broadcast (the jobs
 * of one mail), as kept in the spool.  Each lives in its own kvfile and is
 * rewritten durably at every state change, so that after a crash the daemon
 * knows exactly what it had done.
 *
 * Life of a job:
 *   QUEUED --sched picks a server, saves server+tag--> SUBMITTING
 *   SUBMITTING --JSUBM answered, jobid saved--> SUBMITTED
 *   SUBMITTING --after a restart or lost session: tag not on the server-->
 *       QUEUED (never submitted: free to go anywhere)
 *   SUBMITTED --server says DONE--> DONE
 *   SUBMITTED --server says FAILED, temporary cause, tries left--> QUEUED
 *   SUBMITTED --FAILED, permanent cause or no tries left--> FAILED
 */
#ifndef FAXHUB_JOB_H
#define FAXHUB_JOB_H

#include "util.h"

enum job_state {
	JOB_QUEUED = 0,
	JOB_SUBMITTING,
	JOB_SUBMITTED,
	JOB_DONE,
	JOB_FAILED
};

struct job {
	char		*id;
	char		*broadcast;
	char		*user;		/* sender, a users-table id */
	char		*typed;		/* number as the user wrote it */
	char		*e164;
	char		*dial;		/* what the fax server dials */
	char		*subaddr;
	char		*doc;		/* normalised TIFF (spool path) */
	enum job_state	 state;
	char		*server;	/* SUBMITTING/SUBMITTED: where */
	char		*tag;		/* JOBINFO idempotency tag */
	char		*remote_id;	/* the fax server's job id */
	char		*avoid;		/* servers that refused this try */
	char		*status;	/* the server's last status text */
	char		*reason;	/* plain words, for the report */
	char		*csid;		/* remote CSID */
	/*
	 * The last failure as the driver classified it (fax.h names):
	 * class "temporary", "rejected", "permanent", ...; cause "busy",
	 * "no-answer", ...  NULL in records written before they existed.
	 */
	char		*class;
	char		*cause;
	char		*choice;	/* why server was chosen, for the report */
	long long	 attempts;	/* tries started */
	long long	 not_before;	/* unix time; 0 = at once */
	long long	 created;
	long long	 started;	/* current try */
	long long	 ended;
	long long	 pages;		/* document pages */
	long long	 npages;	/* pages sent */
	long long	 ndials;
	long long	 fine;
};

struct bcast {
	char		*id;
	char		*mailkey;	/* spool/mail/<key>.eml */
	char		*user;
	char		*reply_to;	/* where reports go */
	char		*msgid;
	char		*references;
	char		*subject;
	char		*jobs;		/* comma-separated job ids */
	char		*doc;
	char		*notes;		/* conversion notes, ignored parts */
	char		*keys;		/* its copies' mail keys (live/) */
	long long	 report;	/* 0 combined, 1 per destination */
	long long	 notify;	/* bit 1 success, bit 2 failure */
	long long	 reported;	/* combined report queued */
	long long	 moved;		/* mail moved to done/failed */
	long long	 created;
	long long	 pages;
};

struct kv;

const char	*job_state_name(enum job_state);
int		 job_state_ended(enum job_state);
/* The record's fields into kv (kvfile.h), as job_save() writes them. */
void		 job_encode(const struct job *, struct kv *);
void		 bcast_encode(const struct bcast *, struct kv *);
int		 job_load(const char *path, struct job *, char **cause);
/* sync: file_write_sync()'s (util.h); WRITE_DURABLE unless said why. */
int		 job_save(const struct job *, const char *path,
		    enum write_sync, char **cause);
/* dst: a copy of src that owns its strings (job_free it). */
void		 job_copy(struct job *dst, const struct job *src);
void		 job_free(struct job *);
/* Replaces *field with a copy of value (NULL clears). */
void		 job_setstr(char **field, const char *value);

int		 bcast_load(const char *path, struct bcast *, char **cause);
int		 bcast_save(const struct bcast *, const char *path,
		    enum write_sync, char **cause);
void		 bcast_free(struct bcast *);

#endif
