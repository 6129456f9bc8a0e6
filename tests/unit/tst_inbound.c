/*
 * tst_inbound.c: a received fax is never taken twice (src/inbound.c).
 * The tombstone of a delivered fax (in/KEY.meta, state kept or removed)
 * stays while its server lists the fax; once the server stops listing it
 * the tombstone goes and "in/KEY" goes into the seen index, so a fax the
 * server lists again (a receive queue restored, a listing that left it
 * out) is left alone.  A server never takes the tombstones of another
 * whose name begins with its own.  The fax server is a fake driver that
 * lists what the test says and counts what it is asked to fetch.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/fax.h"
#include "../../src/hub.h"
#include "../../src/kvfile.h"
#include "../../src/spool.h"
#include "../../src/xmalloc.h"
#include "../tap.h"

static char	dir[] = "/tmp/tst_inbound.XXXXXX";
static struct hub h;

/* The fake server: lists fax00001.tif when listed is set. */
static int	listed;
static int	fetches;

static int
fake_recvq(struct fax_conn *c, struct fax_recv **out, size_t *n,
    struct fax_err *fe)
{
	(void)c;
	(void)fe;
	*out = xcalloc(1, sizeof(**out));
	*n = 0;
	if (listed) {
		(*out)[0].file = xstrdup("fax00001.tif");
		(*out)[0].time = xstrdup("2025:12:01 10:00:00");
		(*out)[0].size = 4096;
		*n = 1;
	}
	return 0;
}

static int
fake_retrieve(struct fax_conn *c, const char *file, const char *dest,
    struct fax_err *fe)
{
	(void)c;
	(void)file;
	(void)dest;
	fetches++;
	fe->cls = FAXERR_TEMPORARY;
	fe->msg = xstrdup("the test fetches nothing");
	return -1;
}

static void
fake_close(struct fax_conn *c)
{
	(void)c;
}

static const struct fax_driver fake_driver = {
	.name = "fake",
	.recvq = fake_recvq,
	.retrieve = fake_retrieve,
	.close = fake_close,
};

/* inbound.c's key of the fake's fax on server (SERVER-BASE-HASH). */
static char *
key_of(const char *server)
{
	char	*hash, *key;

	hash = hub_id_hash("fax00001.tif|2025:12:01 10:00:00|4096");
	hash[8] = '\0';
	key = xprintf("%s-fax00001-%s", server, hash);
	free(hash);
	return key;
}

/* The tombstone of a delivered fax, as inbound.c leaves it. */
static void
tombstone(const char *key, const char *server)
{
	struct kv	 kv;
	char		*p = spool_path(&h, "in", key, ".meta"), *cause = NULL;

	kv_init(&kv);
	kv_set(&kv, "v", "1");
	kv_set(&kv, "key", key);
	kv_set(&kv, "state", "kept");
	kv_set(&kv, "server", server);
	if (kv_save(&kv, p, &cause) == -1)
		diag("kv_save: %s", cause);
	kv_free(&kv);
	free(p);
}

static void
poll_once(struct hsrv *s)
{
	struct fax_conn	 conn = { &fake_driver };
	struct fax_conn	*cp = &conn;

	inbound_poll(&h, s, &cp);
}

static int
seen(const char *key)
{
	char	*id = xprintf("in/%s", key), *cause = NULL;
	int	 rc = spool_seen(&h, id, &cause);

	free(id);
	free(cause);
	return rc;
}

int
main(void)
{
	struct hsrv	 s;
	char		 cmd[128], *cause = NULL, *k1, *k2;

	if (mkdtemp(dir) == NULL)
		return 1;
	h.cfg.spool_dir = dir;
	h.cfg.table_dir = dir;
	h.cfg.postmaster = (char *)"postmaster@example.test";
	ok(spool_init(dir, &cause) == 0, "spool_init");
	memset(&s, 0, sizeof(s));
	s.hub = &h;
	snprintf(s.name, sizeof(s.name), "fax1");
	k1 = key_of("fax1");
	k2 = key_of("fax1-b");
	tombstone(k1, "fax1");
	tombstone(k2, "fax1-b");

	listed = 1;
	poll_once(&s);
	ok(fetches == 0 && spool_exists(&h, "in", k1, ".meta"),
	    "a delivered fax still listed: its tombstone stays, no fetch");

	listed = 0;
	poll_once(&s);
	ok(!spool_exists(&h, "in", k1, ".meta"),
	    "no longer listed: its tombstone goes");
	is_int(seen(k1), 1, "and its id is in the seen index");
	ok(spool_exists(&h, "in", k2, ".meta") && seen(k2) == 0,
	    "server fax1-b's tombstone is not fax1's to take");

	listed = 1;
	poll_once(&s);
	is_int(fetches, 0, "listed again: not fetched again");
	ok(!spool_exists(&h, "in", k1, ".meta") &&
	    !spool_exists(&h, "in", k1, ".tif"), "nothing made for it");

	free(k1);
	free(k2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
