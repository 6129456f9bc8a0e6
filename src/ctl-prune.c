/*
 * ctl-prune.c: `faxhubctl prune [--dry-run] [--rescan]`: what retention
 * removes (retention.c), on demand, one line per thing removed.  faxhubd
 * does the same by itself every retention.interval; both only ever remove
 * what has ended, so the two may run at the same time.  --rescan walks
 * every record instead of the due list (spool.h), for records restored
 * from a backup or left by a crash that lost their note.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "hub.h"
#include "retention.h"
#include "xmalloc.h"

static void	prune_print(const char *, const char *, void *);

static void
prune_print(const char *what, const char *id, void *arg)
{
	(void)arg;
	printf("%s\t%s\n", what, id);
}

int
ctl_prune(struct ctl *c)
{
	struct hub		*h;
	struct retention_stats	 st;
	struct stat		 sb;
	const char		*dir = NULL;
	char			*cause = NULL, *seen;
	int			 dry = ctl_opt(c, "dry-run") != NULL, rc;
	int			 flags;

	if (c->dir_arg != NULL && (dir = ctl_tables(c)) == NULL)
		return CTL_ERR;
	h = xcalloc(1, sizeof(*h));
	if (config_load(c->config_path, &h->cfg, &cause) == -1) {
		free(h);
		return ctl_fail(cause);
	}
	if (dir != NULL) {
		free(h->cfg.table_dir);
		h->cfg.table_dir = xstrdup(dir);
	}
	flags = (dry ? RETENTION_DRY_RUN : 0) |
	    (ctl_opt(c, "rescan") != NULL ? RETENTION_RESCAN : 0);
	rc = retention_prune(h, (long long)time(NULL), flags, prune_print,
	    NULL, &st, &cause);
	/* A seen index root created belongs to faxhubd's user, as the spool. */
	if (!dry && geteuid() == 0 && stat(h->cfg.spool_dir, &sb) == 0) {
		seen = xprintf("%s/seen.db", h->cfg.spool_dir);
		if (chown(seen, sb.st_uid, sb.st_gid) == -1 && rc == 0)
			fprintf(stderr, "faxhubctl: chown %s failed\n", seen);
		free(seen);
	}
	config_free(&h->cfg);
	free(h);
	if (rc == -1)
		return ctl_fail(cause);
	printf("%s: %zu broadcast(s), %zu job(s), %zu mail(s), %zu sent "
	    "tombstone(s), %zu fax image(s), %zu log record(s), %zu seen "
	    "id(s)\n", dry ? "would prune" : "pruned", st.bcasts, st.jobs,
	    st.mails, st.sent, st.images, st.log, st.seen);
	return CTL_OK;
}
