/*
 * retention.h: removing ended work's records, delivered fax images, old
 * communication-log records and old seen-index ids, as the retention.*
 * settings say (faxhub.conf(5); retention.c lists what goes when).
 * faxhubd calls it every retention.interval, `faxhubctl prune` on demand.
 *
 * It does file and table I/O: call it without h->mtx.  Only h->cfg is
 * read.
 */
#ifndef FAXHUB_RETENTION_H
#define FAXHUB_RETENTION_H

#include <stddef.h>

struct hub;

struct retention_stats {
	size_t	bcasts, jobs, mails, sent, images, log, seen;
};

/* Told each thing removed (or, in a dry run, that would be). */
typedef void (*retention_say_cb)(const char *what, const char *id,
    void *arg);

/*
 * Prunes as of now (unix seconds); with RETENTION_DRY_RUN nothing changes
 * and *st counts what would go.  Ended work is found through the due list
 * (spool.h); RETENTION_RESCAN, or a spool without the list, walks every
 * record instead and puts what stays on the list.  say may be NULL.  0,
 * or -1 with *cause set (what was pruned before the error stays pruned,
 * and consistent).
 */
#define RETENTION_DRY_RUN	0x1
#define RETENTION_RESCAN	0x2

int	retention_prune(const struct hub *, long long now, int flags,
	    retention_say_cb say, void *arg, struct retention_stats *st,
	    char **cause);

#endif
