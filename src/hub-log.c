/*
 * hub-log.c: the communication-log writer (hub-log.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "hub.h"
#include "hub-log.h"
#include "log.h"
#include "record.h"
#include "table.h"
#include "xmalloc.h"

#define HUBLOG_MAGIC	0x51484c46u	/* "FLHQ": slot holds a record */
#define HUBLOG_RETRY	1		/* seconds between tries */
#define HUBLOG_STOP_TRIES 3		/* tries left at shutdown */
#define HUBLOG_GATHER_MS 50		/* records gathered into one write */

enum qkind { Q_PUT = 1, Q_STATUS = 2 };

/* One journal slot; data is "ID\0VALUE\0". */
struct slot {
	uint32_t	magic;
	uint32_t	kind;
	uint32_t	len;
	uint32_t	pad;
	uint64_t	seq;
	char		data[HUBLOG_SLOT_DATA];
};

struct qent {
	struct qent	*next;
	enum qkind	 kind;
	char		*id;
	char		*val;
	int		 slot;		/* -1: in memory only */
	uint64_t	 seq;
};

struct hublog {
	pthread_mutex_t	 mtx;		/* guards everything below */
	pthread_cond_t	 cond;
	struct qent	*head;
	struct qent	**tail;
	int		 stop;
	int		 started;
	pthread_t	 thread;
	char		*dir;		/* table_dir */
	int		 fd;		/* spool_dir/logq, -1: no journal */
	struct slot	*buf;		/* the slot being filled */
	int		*free;		/* free slot numbers */
	size_t		 nfree;
	uint64_t	 seq;
	int		 warned;	/* "journal full" said once */
};

_Static_assert(sizeof(struct slot) == HUBLOG_SLOT, "journal slot size");

static void	*hublog_main(void *);

static struct hublog *
hublog_new(const char *dir)
{
	struct hublog	*l = xcalloc(1, sizeof(*l));

	pthread_mutex_init(&l->mtx, NULL);
	pthread_cond_init(&l->cond, NULL);
	l->tail = &l->head;
	l->dir = xstrdup(dir);
	l->fd = -1;
	return l;
}

/* Frees l and what is still queued (the journal keeps its slots). */
static void
hublog_free(struct hublog *l)
{
	struct qent	*e, *next;

	for (e = l->head; e != NULL; e = next) {
		next = e->next;
		free(e->id);
		free(e->val);
		free(e);
	}
	if (l->fd != -1)
		close(l->fd);
	free(l->buf);
	free(l->free);
	free(l->dir);
	pthread_mutex_destroy(&l->mtx);
	pthread_cond_destroy(&l->cond);
	free(l);
}

/* Stores magic in slot n of the journal: 0 on success, else an errno. */
static int
hublog_mark(struct hublog *l, int n, uint32_t magic)
{
	ssize_t	w;

	w = pwrite(l->fd, &magic, sizeof(magic), (off_t)n * HUBLOG_SLOT);
	return w == (ssize_t)sizeof(magic) ? 0 : w == -1 ? errno : EIO;
}

/*
 * l->mtx held.  Writes the record to slot n of the journal: the whole
 * slot first, unmarked (where pages are 4 KiB, a whole page, which the
 * kernel need not read first), then its magic, so that a process killed
 * in between leaves a free slot, never a part of a record.  0 on
 * success, else an errno.
 */
static int
hublog_fill(struct hublog *l, int n, enum qkind kind, const char *id,
    size_t il, const char *val, size_t vl, uint64_t seq)
{
	struct slot	*s = l->buf;
	ssize_t		 w;

	memset(s, 0, sizeof(*s));
	memcpy(s->data, id, il);
	memcpy(s->data + il, val, vl);
	s->kind = (uint32_t)kind;
	s->len = (uint32_t)(il + vl);
	s->seq = seq;
	w = pwrite(l->fd, s, sizeof(*s), (off_t)n * HUBLOG_SLOT);
	if (w != (ssize_t)sizeof(*s))
		return w == -1 ? errno : EIO;
	return hublog_mark(l, n, HUBLOG_MAGIC);
}

/* l->mtx held.  The record goes to a slot when one is free and fits. */
static void
hublog_enqueue(struct hublog *l, enum qkind kind, char *id, char *val,
    int slot, uint64_t seq)
{
	struct qent	*e = xcalloc(1, sizeof(*e));
	size_t		 il = strlen(id) + 1, vl = strlen(val) + 1;
	int		 n, err = 0;

	e->kind = kind;
	e->id = id;
	e->val = val;
	e->slot = slot;
	e->seq = seq;
	if (slot == -1 && l->fd != -1) {
		if (l->nfree > 0 && il + vl <= HUBLOG_SLOT_DATA) {
			n = l->free[--l->nfree];
			if ((err = hublog_fill(l, n, kind, id, il, val, vl,
			    l->seq + 1)) == 0) {
				e->slot = n;
				e->seq = ++l->seq;
			} else
				l->free[l->nfree++] = n;
		}
		if (e->slot == -1 && !l->warned) {
			l->warned = 1;
			log_warnx("communication log: record %s queued in "
			    "memory only (%s)", id, err != 0 ? strerror(err) :
			    l->nfree == 0 ? "journal full: the log table is "
			    "busy" : "too long for the journal");
		}
	}
	*l->tail = e;
	l->tail = &e->next;
	pthread_cond_signal(&l->cond);
}

static void
hublog_queue(struct hub *h, enum qkind kind, const char *id, char *val)
{
	struct hublog	*l = h->log;

	if (l == NULL) {
		/* faxhubd always starts the writer; a bug otherwise. */
		fatalx("communication log: writer not started");
	}
	pthread_mutex_lock(&l->mtx);
	hublog_enqueue(l, kind, xstrdup(id), val, -1, 0);
	pthread_mutex_unlock(&l->mtx);
}

void
hub_log_put(struct hub *h, const struct logrec *r)
{
	char	*cause = NULL;

	if (r->id == NULL || logrec_id_valid(r->id, &cause) == -1) {
		log_warnx("communication log: %s", r->id == NULL ?
		    "record without an id" : cause);
		free(cause);
		return;
	}
	hublog_queue(h, Q_PUT, r->id, logrec_encode(r));
}

void
hub_log_status(struct hub *h, const char *id, const char *status,
    const char *reason)
{
	struct logrec	r;

	memset(&r, 0, sizeof(r));
	r.status = (char *)status;
	r.reason = (char *)reason;
	r.end = (long long)time(NULL);
	hublog_queue(h, Q_STATUS, id, logrec_encode(&r));
}

void
hub_log_job(struct hub *h, const struct hjob *hj, const char *status)
{
	const struct job	*j = &hj->j;
	struct logrec		 r;
	char			*id;

	memset(&r, 0, sizeof(r));
	id = xprintf("%s.%lld", j->id, j->attempts > 0 ? j->attempts : 1);
	r.id = id;
	r.direction = (char *)"out";
	r.job = j->id;
	r.broadcast = j->broadcast;
	r.user = j->user;
	r.number_typed = j->typed;
	r.number_dialled = j->dial;
	r.server = j->server;
	r.start = j->started ? j->started : j->created;
	r.end = j->ended;
	r.pages = (int)j->npages;
	r.duration = j->ended && j->started ? (int)(j->ended - j->started) : 0;
	r.csid = j->csid;
	r.status = (char *)status;
	r.reason = j->reason;
	r.attempts = (int)j->attempts;
	hub_log_put(h, &r);
	free(id);
}

/* ---- the journal ----------------------------------------------------- */

static int
cmp_qent(const void *a, const void *b)
{
	const struct qent	*x = *(struct qent *const *)a;
	const struct qent	*y = *(struct qent *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Opens spool_dir/logq (made at its full size, so that filling a slot
 * never allocates disk space) and queues, oldest first, what it still
 * holds.  The journal is read and written with pread/pwrite, never
 * mapped: its pages stay in the page cache, not in faxhubd's memory.
 */
static int
hublog_journal(struct hublog *l, const char *spool, char **cause)
{
	struct stat	  st;
	struct slot	 *s;
	struct qent	**old = NULL;
	size_t		  nold = 0, i, il;
	off_t		  size = (off_t)HUBLOG_SLOTS * HUBLOG_SLOT;
	ssize_t		  r;
	char		 *path;
	int		  err;

	path = xprintf("%s/logq", spool);
	if ((l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    fstat(l->fd, &st) == -1 || (st.st_size < size &&
	    (errno = posix_fallocate(l->fd, 0, size)) != 0)) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	l->buf = s = xmalloc(sizeof(*s));
	l->free = xcalloc(HUBLOG_SLOTS, sizeof(*l->free));
	for (i = HUBLOG_SLOTS; i-- > 0;) {
		r = pread(l->fd, s, sizeof(*s), (off_t)i * HUBLOG_SLOT);
		if (r != (ssize_t)sizeof(*s)) {
			xasprintf(cause, "%s: slot %zu: %s", path, i,
			    r == -1 ? strerror(errno) : "short read");
			goto fail;
		}
		il = s->magic == HUBLOG_MAGIC && s->len <= HUBLOG_SLOT_DATA ?
		    strnlen(s->data, s->len) : 0;
		if (s->magic != HUBLOG_MAGIC || il + 1 >= s->len ||
		    s->data[s->len - 1] != '\0' ||
		    (s->kind != Q_PUT && s->kind != Q_STATUS)) {
			if (s->magic != 0 &&
			    (err = hublog_mark(l, (int)i, 0)) != 0) {
				xasprintf(cause, "%s: slot %zu: %s", path, i,
				    strerror(err));
				goto fail;
			}
			l->free[l->nfree++] = (int)i;
			continue;
		}
		old = xreallocarray(old, nold + 1, sizeof(*old));
		old[nold] = xcalloc(1, sizeof(**old));
		old[nold]->kind = (enum qkind)s->kind;
		old[nold]->id = xstrdup(s->data);
		old[nold]->val = xstrdup(s->data + il + 1);
		old[nold]->slot = (int)i;
		old[nold]->seq = s->seq;
		if (s->seq > l->seq)
			l->seq = s->seq;
		nold++;
	}
	if (nold > 1)
		qsort(old, nold, sizeof(*old), cmp_qent);
	for (i = 0; i < nold; i++) {
		hublog_enqueue(l, old[i]->kind, old[i]->id, old[i]->val,
		    old[i]->slot, old[i]->seq);
		free(old[i]);
	}
	free(old);
	if (nold > 0)
		log_info("communication log: %zu record(s) from %s to write",
		    nold, path);
	free(path);
	return 0;
fail:
	for (i = 0; i < nold; i++) {
		free(old[i]->id);
		free(old[i]->val);
		free(old[i]);
	}
	free(old);
	free(path);
	return -1;
}

/* ---- the writer ------------------------------------------------------ */

/*
 * Applies one queued entry to the open log table: -1 on a table error
 * (tried again later).  A status change for a record that is not there
 * or does not decode is dropped with a warning.
 */
static int
hublog_apply(struct table *t, const struct qent *e, char **cause)
{
	struct logrec	 r, upd;
	char		*old, *val, *why = NULL;
	int		 rc;

	if (e->kind == Q_PUT)
		return logrec_store(t, e->id, e->val, 0, cause);
	if ((rc = table_get(t, e->id, &old, cause)) != 0)
		return rc == 1 ? 0 : -1;
	rc = logrec_decode(e->id, old, &r, &why);
	free(old);
	if (rc == -1)
		goto drop;
	if (logrec_decode(e->id, e->val, &upd, &why) == -1) {
		logrec_free(&r);
		goto drop;
	}
	free(r.status);
	free(r.reason);
	r.status = upd.status;
	r.reason = upd.reason;
	r.end = upd.end;
	upd.status = upd.reason = NULL;
	logrec_free(&upd);
	val = logrec_encode(&r);
	rc = logrec_store(t, e->id, val, 0, cause);
	free(val);
	logrec_free(&r);
	return rc;
drop:
	log_warnx("communication log: status of %s not changed: %s", e->id,
	    why);
	free(why);
	return 0;
}

/*
 * Writes the batch in one opening of the table.  Returns the entries not
 * written (oldest first), NULL when all were.
 */
static struct qent *
hublog_write(struct hublog *l, struct qent *batch, int quiet)
{
	struct table	*t;
	struct qent	*e, *done = batch, *d;
	char		*cause = NULL;
	int		 err;

	if (table_open(l->dir, TABLE_LOG, TABLE_WRITE, &t, &cause) == -1) {
		if (!quiet || !table_busy(cause))
			log_warnx("communication log: %s (will retry)",
			    cause);
		free(cause);
		return batch;
	}
	for (e = batch; e != NULL; e = e->next) {
		if (hublog_apply(t, e, &cause) == -1) {
			log_warnx("communication log: %s: %s (will retry)",
			    e->id, cause);
			free(cause);
			cause = NULL;
			break;
		}
	}
	if (table_close(t, &cause) == -1) {
		log_warnx("communication log: %s (will retry)", cause);
		free(cause);
		return batch;
	}
	/*
	 * Written and flushed: unmark their slots (without the lock: no
	 * other thread touches a slot that is not free), then free them.  A
	 * slot that cannot be unmarked is never used again: the next start
	 * writes its record once more.
	 */
	for (d = done; d != e; d = d->next) {
		if (d->slot != -1 && (err = hublog_mark(l, d->slot, 0)) != 0) {
			log_warnx("communication log: journal slot %d: %s",
			    d->slot, strerror(err));
			d->slot = -1;
		}
	}
	pthread_mutex_lock(&l->mtx);
	while (done != NULL && done != e) {
		struct qent *next = done->next;

		if (done->slot != -1) {
			l->free[l->nfree++] = done->slot;
			l->warned = 0;
		}
		free(done->id);
		free(done->val);
		free(done);
		done = next;
	}
	pthread_mutex_unlock(&l->mtx);
	return done;
}

static void *
hublog_main(void *arg)
{
	struct hublog	*l = arg;
	struct qent	*batch, *left, **tp;
	struct timespec	 ts;
	int		 stopping, tries = 0;

	pthread_mutex_lock(&l->mtx);
	for (;;) {
		while (l->head == NULL && !l->stop)
			pthread_cond_wait(&l->cond, &l->mtx);
		if (l->head == NULL)
			break;
		if (!l->stop) {
			/*
			 * The records of the same moment (a burst: two per
			 * job) go into one opening of the table, whose close
			 * syncs it: sleep a little with the lock released, so
			 * that producers append without waking this thread.
			 */
			struct timespec gather = { 0, HUBLOG_GATHER_MS *
			    1000000L };

			pthread_mutex_unlock(&l->mtx);
			while (nanosleep(&gather, &gather) == -1 &&
			    errno == EINTR)
				;
			pthread_mutex_lock(&l->mtx);
		}
		batch = l->head;
		l->head = NULL;
		l->tail = &l->head;
		stopping = l->stop;
		pthread_mutex_unlock(&l->mtx);

		left = hublog_write(l, batch, tries > 0);

		pthread_mutex_lock(&l->mtx);
		if (left == NULL) {
			tries = 0;
			continue;
		}
		/* Put what is left back in front, in order, and wait. */
		for (tp = &left; *tp != NULL; tp = &(*tp)->next)
			;
		*tp = l->head;
		if (l->head == NULL)
			l->tail = tp;
		l->head = left;
		if (stopping && ++tries >= HUBLOG_STOP_TRIES) {
			log_warnx("communication log: stopping with records "
			    "not written; %s", l->fd != -1 ?
			    "the journal keeps them for the next start" :
			    "they are lost");
			break;
		}
		if (!stopping)
			tries++;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += HUBLOG_RETRY;
		pthread_cond_timedwait(&l->cond, &l->mtx, &ts);
	}
	pthread_mutex_unlock(&l->mtx);
	return NULL;
}

int
hub_log_start(struct hub *h, char **cause)
{
	struct hublog	*l;
	int		 err;

	l = hublog_new(h->cfg.table_dir);
	if (hublog_journal(l, h->cfg.spool_dir, cause) == -1) {
		hublog_free(l);
		return -1;
	}
	if ((err = pthread_create(&l->thread, NULL, hublog_main, l)) != 0) {
		xasprintf(cause, "communication log: cannot start its "
		    "writer: %s", strerror(err));
		hublog_free(l);
		return -1;
	}
	l->started = 1;
	h->log = l;
	return 0;
}

void
hub_log_stop(struct hub *h)
{
	struct hublog	*l = h->log;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mtx);
	l->stop = 1;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->mtx);
	pthread_join(l->thread, NULL);
	hublog_free(l);
	h->log = NULL;
}
