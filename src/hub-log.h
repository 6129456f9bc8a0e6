/*
 * hub-log.h: faxhubd's communication-log writer.
 *
 * Threads that hold h->mtx must not wait for a table (gdbm waits up to
 * TABLE_WAIT_MS for a busy file), so a log record is not written where
 * it is made: hub_log_put() encodes it, stores it in the log journal and
 * queues it, all in memory, under the writer's own small lock; one writer
 * thread writes the queue to the log table without any hub lock, keeps
 * retrying while the table is busy, and writes what is left on
 * hub_log_stop().
 *
 * The journal (spool_dir/logq) is a file of HUBLOG_SLOTS slots made at
 * its full size: a slot is filled by a pwrite() of the whole slot, a
 * page where pages are 4 KiB (the kernel copies it into its page cache:
 * no disk space to allocate, no page to read first, no wait for the
 * disk), then of its mark, and the page cache holds
 * it, so a record queued but not yet in the table when faxhubd is killed
 * is found in the journal and written by the next start
 * (hub_log_start()).  The slot is freed once the table holds the record.
 * The journal is never mapped, so its pages cost faxhubd no resident
 * memory.  A record that does not fit a slot (over
 * HUBLOG_SLOT_DATA bytes encoded) or that finds every slot taken (the
 * table busy for a long time) is only queued in memory, and logged as
 * such.  Log ids are derived from the work they describe, so writing a
 * record twice replaces it with itself.
 */
#ifndef FAXHUB_HUB_LOG_H
#define FAXHUB_HUB_LOG_H

struct hub;
struct hjob;
struct logrec;

#define HUBLOG_SLOTS		1024
#define HUBLOG_SLOT		4096
#define HUBLOG_SLOT_DATA	(HUBLOG_SLOT - 24)

/*
 * Main thread, before any other thread runs: maps the journal, queues
 * what it still holds, and starts the writer.
 */
int	 hub_log_start(struct hub *, char **cause);
/* Main thread, after the other threads ended: writes the queue, stops. */
void	 hub_log_stop(struct hub *);

/*
 * Any thread, with or without h->mtx: queues a copy of r (r stays the
 * caller's).  r->id must be set.
 */
void	 hub_log_put(struct hub *, const struct logrec *r);
/* Queues the record of one try of a job ("JOB.TRY"), with status. */
void	 hub_log_job(struct hub *, const struct hjob *, const char *status);
/*
 * Queues a change of an existing record's status and reason (reason may
 * be NULL), its end set to now; applied after every record queued before
 * it; a record that is not in the table is left alone.
 */
void	 hub_log_status(struct hub *, const char *id, const char *status,
	    const char *reason);

#endif
