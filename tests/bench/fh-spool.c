/*
 * fh-spool.c: fabricates a spool's history for the spool benchmark
 * (tests/bench/spool.sh): N ended jobs, FH_SPOOL_PER jobs (default 4) to
 * a broadcast, as faxhubd leaves them once their broadcasts are retired
 * (done/jobs/ID, done/bcast/ID; src/hub.c hub_bcast_retire), encoded by
 * the records' own field tables (job_encode, bcast_encode), and each
 * broadcast's mail as the intake leaves it until retention prunes it
 * (a small stand-in mail/KEY.eml, its accepted mail/KEY.state,
 * mail/KEY.moved; no live/ mark: its work is over), each broadcast and
 * mail noted on the due list as the retirement and the move note them
 * (spool.h), and the spool marked as indexed.
 *
 *   fh-spool SPOOL_DIR N
 *
 * The records are written without fsync (a benchmark's fixture, not data
 * that must survive a crash): a million of them take seconds, not hours.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "job.h"
#include "kvfile.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

static void	put(const char *, const char *, struct kv *);

/* Writes kv to dir/name (fatal on error: the fixture is all or nothing). */
static void
put(const char *dir, const char *name, struct kv *kv)
{
	char	*path, *data;
	size_t	 len;
	int	 fd;

	path = xprintf("%s/%s", dir, name);
	data = kv_format(kv, &len);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd == -1 || write(fd, data, len) != (ssize_t)len ||
	    close(fd) == -1) {
		fprintf(stderr, "fh-spool: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	free(data);
	free(path);
	kv_free(kv);
}

int
main(int argc, char **argv)
{
	struct job	 j;
	struct bcast	 b;
	struct kv	 kv;
	struct buf	 ids;
	struct hub	 h;
	char		*cause = NULL, *jdir, *bdir, *mdir, *bid, *jid, *e164, *doc;
	char		*key, *name;
	const char	*env;
	long long	 n, i, per = 4, now = (long long)time(NULL);

	if (argc != 3 || (n = strtoll(argv[2], NULL, 10)) < 0) {
		fprintf(stderr, "usage: fh-spool SPOOL_DIR N\n");
		return 2;
	}
	if ((env = getenv("FH_SPOOL_PER")) != NULL && atoll(env) > 0)
		per = atoll(env);
	if (spool_init(argv[1], &cause) == -1) {
		fprintf(stderr, "fh-spool: %s\n", cause);
		return 1;
	}
	memset(&h, 0, sizeof(h));
	h.cfg.spool_dir = argv[1];
	jdir = xprintf("%s/done/jobs", argv[1]);
	bdir = xprintf("%s/done/bcast", argv[1]);
	mdir = xprintf("%s/mail", argv[1]);
	buf_init(&ids);
	bid = NULL;
	for (i = 0; i < n; i++) {
		if (i % per == 0) {
			free(bid);
			bid = xprintf("h%012llx", i / per);
		}
		jid = xprintf("%s-1555%07lld", bid, i % 10000000);
		e164 = xprintf("+1555%07lld", i % 10000000);
		doc = xprintf("%s/docs/%s.tif", argv[1], bid);
		memset(&j, 0, sizeof(j));
		j.id = jid;
		j.broadcast = bid;
		j.user = "alice@users.example";
		j.typed = e164;
		j.e164 = e164;
		j.dial = e164 + 1;
		j.doc = doc;
		j.state = i % 10 == 9 ? JOB_FAILED : JOB_DONE;
		j.server = "fax1";
		j.tag = "faxhub:bench:x:1";
		j.remote_id = "1";
		j.attempts = 1;
		j.created = j.started = now - 86400;
		j.ended = now - 86000;
		j.pages = j.npages = 1;
		kv_init(&kv);
		job_encode(&j, &kv);
		put(jdir, jid, &kv);
		if (ids.len > 0)
			buf_add(&ids, ",", 1);
		buf_adds(&ids, jid);
		if (i % per == per - 1 || i == n - 1) {
			memset(&b, 0, sizeof(b));
			key = xprintf("1-%lld", i / per + 1);
			b.id = bid;
			b.mailkey = key;
			b.keys = key;
			b.user = "alice@users.example";
			b.reply_to = "alice@users.example";
			b.msgid = "<bench@users.example>";
			b.subject = "bench";
			b.jobs = ids.data;
			b.doc = doc;
			b.reported = b.moved = 1;
			b.created = now - 86400;
			b.pages = 1;
			kv_init(&kv);
			bcast_encode(&b, &kv);
			put(bdir, bid, &kv);
			kv_init(&kv);
			kv_set(&kv, "v", "1");
			kv_set(&kv, "state", "accepted");
			kv_set(&kv, "bcast", bid);
			kv_set(&kv, "jobs", ids.data);
			kv_set(&kv, "target", "faxhub.processing");
			name = xprintf("%s.state", key);
			put(mdir, name, &kv);
			free(name);
			kv_init(&kv);
			kv_set(&kv, "From", "alice@users.example");
			kv_set(&kv, "Subject", "bench");
			name = xprintf("%s.eml", key);
			put(mdir, name, &kv);
			free(name);
			kv_init(&kv);
			name = xprintf("%s.moved", key);
			put(mdir, name, &kv);
			free(name);
			if (spool_due_note(&h, DUE_RECORDS, "bcast", bid, now - 86000,
			    &cause) == -1 || spool_due_note(&h, DUE_RECORDS, "mail", key,
			    now - 86000, &cause) == -1) {
				fprintf(stderr, "fh-spool: %s\n", cause);
				return 1;
			}
			free(key);
			buf_reset(&ids);
		}
		free(jid);
		free(e164);
		free(doc);
	}
	if (spool_due_set_indexed(&h, &cause) == -1) {
		fprintf(stderr, "fh-spool: %s\n", cause);
		return 1;
	}
	free(bid);
	buf_free(&ids);
	free(jdir);
	free(bdir);
	free(mdir);
	return 0;
}
