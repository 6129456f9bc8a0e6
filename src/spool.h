/*
 * spool.h: the spool's layout and its durable writes (faxhubd and
 * faxhubctl).
 *
 * Spool layout (spool_dir):
 *   lock             locked by the one faxhubd using it (its pid inside)
 *   logq             the communication log's journal (hub-log.h)
 *   seen.db          ids of pruned work, sent mails, received faxes
 *                    (spool_seen())
 *   mail/KEY.eml     raw message taken from IMAP (KEY = UIDVALIDITY-UID)
 *   mail/KEY.state   what became of it (accepted|refused, broadcast, the
 *                    document's sum for recovery, moved)
 *   mail/KEY.moved   empty: the mail left the watched mailbox (retention)
 *   bcast/ID         a broadcast: the jobs of one mail
 *   jobs/ID          one job per destination (job.h)
 *   done/bcast/ID, done/jobs/ID  the same, once the broadcast's mail was
 *                    moved to its last folder (hub.c hub_bcast_retire)
 *   docs/ID.tif      normalised document of a broadcast
 *   in/KEY.tif,.meta a received fax and what is known about it
 *   outbox/ID.msg,.env  mails to send; sent/ID  tombstones of sent mails
 *   tmp/             scratch files of conversions
 *   status           live state for `faxhubctl status`
 *
 * Every record is written whole (temporary file, then rename), so a
 * reader sees the old or the new record, never a torn one; how durable
 * each is (fsync of the file, of its directory) is file_write_sync()'s
 * level, docs/architecture.md says which record has which and why.  These functions touch only the file system: none of
 * them needs the hub mutex, and none may be called with it held where the
 * caller can avoid it (they do disk I/O).
 */
#ifndef FAXHUB_SPOOL_H
#define FAXHUB_SPOOL_H

#include <stddef.h>

#include "util.h"

struct hub;
struct kv;

/* Creates the spool directory and its subdirectories. */
int	 spool_init(const char *dir, char **cause);
/* spool_dir/sub/name+suffix (suffix may be NULL); allocated. */
char	*spool_path(const struct hub *, const char *sub, const char *name,
	    const char *suffix);
int	 spool_exists(const struct hub *, const char *sub, const char *name,
	    const char *suffix);
/*
 * Names in spool/sub ending in suffix (suffix stripped), sorted; temporary
 * files of atomic writes are skipped.  *names is the caller's, freed with
 * spool_names_free().
 */
int	 spool_list(const struct hub *, const char *sub, const char *suffix,
	    char ***names, size_t *n, char **cause);
void	 spool_names_free(char **, size_t);
/* Removes a file; a missing file is not an error, another one is logged. */
void	 spool_unlink(const struct hub *, const char *sub, const char *name,
	    const char *suffix);
/* A short stable id from any string (16 hex digits, FNV-1a 64); allocated. */
char	*hub_id_hash(const char *s);
/*
 * The size and FNV-1a 64 of a file's bytes ("SIZE-HEX", allocated), or
 * NULL when it cannot be read: tells a whole file from a torn one.
 */
char	*spool_file_sum(const char *path);

/*
 * Records made durable together, for a batch of the intake: spool_stage()
 * writes each to a temp file beside its path; spool_commit() fsyncs the
 * temp files (a few threads at a time: waits for the disk overlap),
 * renames each into place and, with WRITE_DURABLE, then fsyncs each of
 * their directories once (with WRITE_ORDERED the names are durable from
 * the next fsync of their directory).  A record is visible under its name
 * only once its data is durable, so a crash leaves it old or new, never
 * torn.  Both commit and free leave the batch empty (uncommitted temp
 * files removed).  syncfs(2) would take one call instead of one per
 * record, but it flushes everything any process wrote to the file system
 * and took from 50 ms to 7 s on a shared test machine (docs/bench.md).
 */
struct spool_batch {
	char	**tmp;
	char	**path;
	size_t	  n;
};
void	 spool_batch_init(struct spool_batch *);
int	 spool_stage(struct spool_batch *, const char *path, const void *,
	    size_t, char **cause);
int	 spool_commit(struct spool_batch *, enum write_sync, char **cause);
void	 spool_batch_free(struct spool_batch *);
/* Moves src's staged records to the end of dst; src is left empty. */
void	 spool_batch_append(struct spool_batch *dst,
	    struct spool_batch *src);
/*
 * A mark at path at once (spool_mark()), whose name spool_commit() makes
 * durable with the batch's other names (spool/live/KEY, intake.c).
 */
int	 spool_stage_mark(struct spool_batch *, const char *spool_dir,
	    const char *path, char **);
/*
 * A mark: an empty file at path whose name is all it says, made as one
 * more name of spool_dir/.mark (no inode of its own); no fsync of the
 * name.  0, or -1 and *cause.
 */
int	 spool_mark(const char *spool_dir, const char *path, char **cause);

/* Saves a spool record durably; a failure is logged as "what: cause". */
int	 hub_save_kv(const struct kv *, const char *path, const char *what);

/*
 * The seen index (spool_dir/seen.db): the ids of the mails, broadcasts
 * and jobs whose spool records retention pruned (retention.c), each with
 * the time it was added.  It outlives their records, so that a late copy
 * of a mail or a mail the mailbox hands over again is still recognised;
 * an id is kept for retention.seen (docs/architecture.md says why that
 * long).  A few dozen bytes per mail.  They do table I/O: call them
 * without h->mtx.
 *
 * spool_seen: 1 seen, 0 not, -1 error (*cause set).
 * spool_seen_each: the same for n ids with one opening of the index,
 * seen[i] 1 or 0; 0 or -1.
 * spool_seen_add: records id (seen at when) unless it is there; 0 or -1.
 * spool_seen_prune: removes the ids seen before `before' (with dry_run
 * only counts them) and sets *removed; 0 or -1.  It reads only the due
 * list's hours before `before' (spool_seen_add files each id there);
 * with rescan it walks the whole index instead and files the ids that
 * stay (an index from before the list).
 *
 * Ids: mail keys (UIDVALIDITY-UID), broadcast and job ids as the spool
 * names them, "sent/ID" for an outbox mail that was sent (outbox.c
 * outbox_sent() looks it up), "in/KEY" for a received fax whose server
 * stopped listing it (inbound.c).
 */
int	 spool_seen(const struct hub *, const char *id, char **cause);
int	 spool_seen_each(const struct hub *, const char *const *ids, size_t n,
	    int *seen, char **cause);
int	 spool_seen_add(const struct hub *, const char *id, long long when,
	    char **cause);
int	 spool_seen_prune(const struct hub *, long long before, int dry_run,
	    int rescan, size_t *removed, char **cause);

/*
 * The due list (spool-due.c says how it works): what retention will have
 * to look at, filed by the hour it was noted, so that a prune reads what
 * may be due, not the whole kept history.  Kinds: "bcast" (a broadcast
 * retired, hub.c), "mail" (a mail moved out of the watched mailbox,
 * intake.c), "sent" (an outbox mail sent, outbox.c), "job" (an ended job
 * whose broadcast is gone, found by a rescan).  File I/O: call them
 * without h->mtx.
 *
 * Two lists: the records' (list DUE_RECORDS, due/) and the seen index's
 * (DUE_SEEN, due/seen/: each id added, kind "seen", spool_seen_add).
 *
 * spool_due_note: files "kind id" at time when; 0 or -1.
 * spool_due_indexed: 1 once a full walk of the spool noted everything
 * ended (spool_due_set_indexed), 0 for a spool from before the list.
 * spool_due_walk: every thing filed in a bucket that began before
 * `before' (and any left by a prune that stopped half-way) goes through
 * cb, which sets *again to a time to look at it again (0: done with it)
 * and returns 0 or -1 (the walk then stops; what was not dealt with
 * stays).  Things dealt with are taken off the list, those to look at
 * again filed again; with dry_run nothing changes.  0 or -1.
 */
#define DUE_SPAN	3600	/* seconds of notes per file */
#define DUE_RECORDS	NULL
#define DUE_SEEN	"seen"

typedef int (*spool_due_cb)(const char *kind, const char *id, void *arg,
    long long *again, char **cause);

long long spool_due_bucket(long long when);
int	 spool_due_note(const struct hub *, const char *list,
	    const char *kind, const char *id, long long when, char **cause);
int	 spool_due_indexed(const struct hub *);
int	 spool_due_set_indexed(const struct hub *, char **cause);
int	 spool_due_walk(const struct hub *, const char *list,
	    long long before, int dry_run, spool_due_cb, void *arg,
	    char **cause);

/*
 * One faxhubd per spool: takes an exclusive open-file-description lock
 * (F_OFD_SETLK) on spool_dir/lock, writes the pid into the file, and
 * returns the descriptor (close-on-exec), held for the process's life.
 * When another faxhubd holds it, fails with a cause naming the pid that
 * one wrote.  The lock survives exec(2) as long as the descriptor stays
 * open: spool_lock_keep() clears close-on-exec and puts the descriptor's
 * number in the environment (FAXHUB_LOCK_FD), where the next spool_lock()
 * in the re-executed faxhubd picks it up again.
 */
int	 spool_lock(const char *dir, char **cause);
/*
 * Fails, naming the holder's pid, when another faxhubd holds the lock
 * now: a check before faxhubd detaches, so that a second instance reports
 * on its terminal and exits non-zero.  spool_lock() is what counts.  In a
 * process that took the lock, only valid across the re-exec (it then
 * finds FAXHUB_LOCK_FD and passes).
 */
int	 spool_lock_check(const char *dir, char **cause);
void	 spool_lock_keep(int fd);

#endif
