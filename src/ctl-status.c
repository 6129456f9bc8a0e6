/*
 * ctl-status.c: `faxhubctl status` — the daemon's live state from its
 * status file: each fax server up/down/busy with its lines in use, the
 * IMAP and SMTP sessions, and the queue.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "ctl.h"
#include "kvfile.h"
#include "xmalloc.h"

#define STATUS_STALE	30	/* seconds without an update */

int
ctl_status(struct ctl *c)
{
	struct config	 cfg;
	struct kv	 kv;
	char		*cause = NULL, *path, k[64];
	long long	 n, i, updated;
	const char	*v;

	if (config_load(c->config_path, &cfg, &cause) == -1)
		return ctl_fail(cause);
	path = cfg.daemon.status_file != NULL ?
	    xstrdup(cfg.daemon.status_file) :
	    xprintf("%s/status", cfg.spool_dir);
	config_free(&cfg);
	kv_init(&kv);
	if (kv_load(&kv, path, &cause) == -1) {
		free(path);
		kv_free(&kv);
		fprintf(stderr, "faxhubctl: %s\n(is faxhubd running?)\n",
		    cause);
		free(cause);
		return CTL_ERR;
	}
	free(path);
	updated = kv_getll(&kv, "updated", 0);
	printf("faxhubd pid %lld, instance %s, updated %llds ago%s\n",
	    kv_getll(&kv, "pid", 0), (v = kv_get(&kv, "instance")) ? v : "?",
	    (long long)time(NULL) - updated,
	    (long long)time(NULL) - updated > STATUS_STALE ?
	    " (stale: faxhubd is not running)" : "");
	printf("imap: %s%s%s\n", (v = kv_get(&kv, "imap")) ? v : "?",
	    kv_get(&kv, "imap.error") ? " — " : "",
	    kv_get(&kv, "imap.error") ? kv_get(&kv, "imap.error") : "");
	printf("smtp: %s%s%s\n", (v = kv_get(&kv, "smtp")) ? v : "?",
	    kv_get(&kv, "smtp.error") ? " — " : "",
	    kv_get(&kv, "smtp.error") ? kv_get(&kv, "smtp.error") : "");
	printf("jobs: %lld queued, %lld submitting, %lld on a server, "
	    "%lld done, %lld failed, %lld of them being reported; "
	    "%lld mail(s) in the outbox\n",
	    kv_getll(&kv, "jobs.queued", 0), kv_getll(&kv, "jobs.submitting", 0),
	    kv_getll(&kv, "jobs.submitted", 0), kv_getll(&kv, "jobs.done", 0),
	    kv_getll(&kv, "jobs.failed", 0), kv_getll(&kv, "jobs.ending", 0),
	    kv_getll(&kv, "outbox", 0));
	n = kv_getll(&kv, "servers", 0);
	printf("%-12s %-9s %4s %-9s %-21s %s\n", "SERVER", "STATE", "PRIO",
	    "LINES", "ADDRESS", "DETAIL");
	for (i = 0; i < n; i++) {
#define F(name) (snprintf(k, sizeof(k), "server.%lld." name, i), \
	kv_get(&kv, k))
		const char *name = F("name"), *state = F("state");
		const char *addr = F("address"), *err = F("error");
		const char *modems = F("modems");
		long long prio, lines, inuse;

		snprintf(k, sizeof(k), "server.%lld.priority", i);
		prio = kv_getll(&kv, k, 0);
		snprintf(k, sizeof(k), "server.%lld.lines", i);
		lines = kv_getll(&kv, k, 0);
		snprintf(k, sizeof(k), "server.%lld.inuse", i);
		inuse = kv_getll(&kv, k, 0);
		{
			char l[32];
			snprintf(l, sizeof(l), "%lld/%lld", inuse, lines);
			printf("%-12s %-9s %4lld %-9s %-21s %s\n",
			    name ? name : "?", state ? state : "?", prio, l,
			    addr ? addr : "", err ? err :
			    (modems ? modems : ""));
		}
#undef F
	}
	kv_free(&kv);
	return CTL_OK;
}
