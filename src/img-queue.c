/*
 * img-queue.c: pages converted on several cores, written in order.
 *
 * Jobs 0..n-1 are handed to nthreads workers in order; a worker may run
 * ahead of the writer by at most `window` jobs, so memory stays bounded
 * by the window whatever the page count.  The calling thread is the
 * writer: it waits for job i, hands it to put() and moves on.  work()
 * runs on a worker, must touch nothing but its own job and what is only
 * read; it records its own failure in the job, for put() to see.  put()
 * releases what its job holds, whether it succeeds or not.  When put()
 * fails, the workers stop taking jobs and pageq_run returns -1 once they
 * have ended; fin() releases every job worked beyond the failed one.
 *
 * With one thread (or one job) everything runs in the calling thread, in
 * the same order, through the same functions: output is identical.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tiff-int.h"
#include "xmalloc.h"

struct pageq {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	size_t		 n, next, written, window;
	int		*done;
	int		 stop;
	int		(*work)(void *, size_t);
	void		*arg;
};

static void	*pageq_worker(void *);

static void *
pageq_worker(void *vq)
{
	struct pageq	*q = vq;
	size_t		 j;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (!q->stop && q->next < q->n &&
		    q->next >= q->written + q->window)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stop || q->next >= q->n) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		j = q->next++;
		pthread_mutex_unlock(&q->mu);

		q->work(q->arg, j);

		pthread_mutex_lock(&q->mu);
		q->done[j] = 1;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
}

int
pageq_run(size_t n, int nthreads, size_t window,
    int (*work)(void *, size_t), int (*put)(void *, size_t),
    void (*fin)(void *, size_t), void *arg)
{
	struct pageq	 q;
	pthread_t	*th;
	size_t		 i, j;
	int		 t, started = 0, rv = 0;

	if (nthreads <= 1 || n <= 1) {
		for (i = 0; i < n; i++) {
			work(arg, i);
			if (put(arg, i) == -1) {
				rv = -1;
				break;
			}
		}
		return rv;
	}
	q.n = n;
	q.next = q.written = 0;
	q.window = window < (size_t)nthreads ? (size_t)nthreads : window;
	q.done = xcalloc(n, sizeof(*q.done));
	q.stop = 0;
	q.work = work;
	q.arg = arg;
	pthread_mutex_init(&q.mu, NULL);
	pthread_cond_init(&q.cv, NULL);
	th = xcalloc((size_t)nthreads, sizeof(*th));
	for (t = 0; t < nthreads; t++) {
		if (pthread_create(&th[t], NULL, pageq_worker, &q) != 0)
			break;
		started++;
	}
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&q.mu);
		while (!q.done[i] && started > 0)
			pthread_cond_wait(&q.cv, &q.mu);
		pthread_mutex_unlock(&q.mu);
		if (started == 0)
			work(arg, i);	/* no thread could start */
		if (put(arg, i) == -1) {
			rv = -1;
			break;
		}
		pthread_mutex_lock(&q.mu);
		q.written = i + 1;
		pthread_cond_broadcast(&q.cv);
		pthread_mutex_unlock(&q.mu);
	}
	pthread_mutex_lock(&q.mu);
	q.stop = 1;
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mu);
	for (t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	/* Jobs worked beyond the one that failed are released. */
	for (j = i + 1; rv == -1 && j < n; j++)
		if (q.done[j])
			fin(arg, j);
	free(th);
	free(q.done);
	pthread_cond_destroy(&q.cv);
	pthread_mutex_destroy(&q.mu);
	return rv;
}

/*
 * Two stages of one page on two cores: produce() runs on a new thread and
 * hands rows of w bytes to push(); the calling thread receives them in
 * the same order through consume().  A ring of ROWPIPE_ROWS rows (fewer
 * for very wide rows, ROWPIPE_BYTES at most, never under 8) sits between
 * them.  When consume() fails, push() fails too, so produce()
 * ends; when produce() fails, consume() has seen every row before it.
 * Returns 0 when both succeeded, else -1 (each side keeps its own cause).
 * If no thread can be started, produce() runs here, feeding consume().
 */
#define ROWPIPE_ROWS	64
#define ROWPIPE_BYTES	(1U << 20)

struct rowpipe {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	uint8_t		*ring;
	uint32_t	 w, rows;
	uint64_t	 head, tail;
	int		 done, stop, prv;
	int		(*produce)(void *, scaler_emit, void *);
	void		*parg;
};

static int	rowpipe_push(void *, const uint8_t *);
static void	*rowpipe_thread(void *);

static int
rowpipe_push(void *arg, const uint8_t *row)
{
	struct rowpipe	*rp = arg;

	pthread_mutex_lock(&rp->mu);
	while (!rp->stop && rp->head - rp->tail == rp->rows)
		pthread_cond_wait(&rp->cv, &rp->mu);
	if (rp->stop) {
		pthread_mutex_unlock(&rp->mu);
		return -1;
	}
	pthread_mutex_unlock(&rp->mu);
	/* The slot at head is the producer's until head moves on. */
	memcpy(rp->ring + (size_t)(rp->head % rp->rows) * rp->w, row,
	    rp->w);
	pthread_mutex_lock(&rp->mu);
	rp->head++;
	pthread_cond_broadcast(&rp->cv);
	pthread_mutex_unlock(&rp->mu);
	return 0;
}

static void *
rowpipe_thread(void *arg)
{
	struct rowpipe	*rp = arg;
	int		 rv;

	rv = rp->produce(rp->parg, rowpipe_push, rp);
	pthread_mutex_lock(&rp->mu);
	rp->prv = rv;
	rp->done = 1;
	pthread_cond_broadcast(&rp->cv);
	pthread_mutex_unlock(&rp->mu);
	return NULL;
}

int
rowpipe_run(uint32_t w, int (*produce)(void *, scaler_emit, void *),
    void *parg, scaler_emit consume, void *carg)
{
	struct rowpipe	 rp;
	pthread_t	 th;
	const uint8_t	*row;
	int		 crv = 0;

	memset(&rp, 0, sizeof(rp));
	rp.w = w;
	rp.produce = produce;
	rp.parg = parg;
	rp.rows = ROWPIPE_BYTES / w;
	rp.rows = rp.rows > ROWPIPE_ROWS ? ROWPIPE_ROWS : rp.rows < 8 ? 8 :
	    rp.rows;
	rp.ring = xreallocarray(NULL, rp.rows, w);
	pthread_mutex_init(&rp.mu, NULL);
	pthread_cond_init(&rp.cv, NULL);
	if (pthread_create(&th, NULL, rowpipe_thread, &rp) != 0) {
		free(rp.ring);
		pthread_cond_destroy(&rp.cv);
		pthread_mutex_destroy(&rp.mu);
		return produce(parg, consume, carg);
	}
	for (;;) {
		pthread_mutex_lock(&rp.mu);
		while (rp.tail == rp.head && !rp.done)
			pthread_cond_wait(&rp.cv, &rp.mu);
		if (rp.tail == rp.head) {
			pthread_mutex_unlock(&rp.mu);
			break;
		}
		pthread_mutex_unlock(&rp.mu);
		row = rp.ring + (size_t)(rp.tail % rp.rows) * w;
		crv = consume(carg, row);
		pthread_mutex_lock(&rp.mu);
		rp.tail++;
		if (crv == -1)
			rp.stop = 1;
		pthread_cond_broadcast(&rp.cv);
		pthread_mutex_unlock(&rp.mu);
		if (crv == -1)
			break;
	}
	pthread_join(th, NULL);
	free(rp.ring);
	pthread_cond_destroy(&rp.cv);
	pthread_mutex_destroy(&rp.mu);
	return crv == -1 || rp.prv == -1 ? -1 : 0;
}
