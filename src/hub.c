/*
 * hub.c: the supervisor's spool, in-memory tables and job list.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "hub.h"
#include "kvfile.h"
#include "log.h"
#include "table.h"
#include "util.h"
#include "xmalloc.h"

static const char *spool_dirs[] = {
	"mail", "bcast", "jobs", "docs", "in", "outbox", "sent", "tmp"
};

int
spool_init(const char *dir, char **cause)
{
	size_t	 i;
	char	*p;

	if (mkdir_p(dir, 0750, cause) == -1)
		return -1;
	for (i = 0; i < nitems(spool_dirs); i++) {
		p = xprintf("%s/%s", dir, spool_dirs[i]);
		if (mkdir_p(p, 0750, cause) == -1) {
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

char *
spool_path(const struct hub *h, const char *sub, const char *name,
    const char *suffix)
{
	return xprintf("%s/%s/%s%s", h->cfg.spool_dir, sub, name,
	    suffix != NULL ? suffix : "");
}

int
spool_exists(const struct hub *h, const char *sub, const char *name,
    const char *suffix)
{
	char	*p = spool_path(h, sub, name, suffix);
	int	 rc = access(p, F_OK) == 0;

	free(p);
	return rc;
}

void
spool_unlink(const struct hub *h, const char *sub, const char *name,
    const char *suffix)
{
	char	*p = spool_path(h, sub, name, suffix);

	if (unlink(p) == -1 && errno != ENOENT)
		log_warn("unlink %s", p);
	free(p);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
spool_list(const struct hub *h, const char *sub, const char *suffix,
    char ***names, size_t *n, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	char		*dir, **v = NULL;
	size_t		 cnt = 0, cap = 0, len, slen = strlen(suffix);

	dir = xprintf("%s/%s", h->cfg.spool_dir, sub);
	if ((d = opendir(dir)) == NULL) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		len = strlen(de->d_name);
		if (len <= slen || strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		if (strstr(de->d_name, ".tmp.") != NULL)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, sizeof(char *));
		}
		v[cnt++] = xstrndup(de->d_name, len - slen);
	}
	closedir(d);
	free(dir);
	if (cnt > 1)
		qsort(v, cnt, sizeof(char *), cmp_str);
	*names = v;
	*n = cnt;
	return 0;
}

void
spool_names_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A short stable id from any string (FNV-1a 64). */
char *
hub_id_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return xprintf("%016llx", (unsigned long long)h);
}

int
hub_save_kv(const struct kv *kv, const char *path, const char *what)
{
	char	*cause = NULL;

	if (kv_save(kv, path, &cause) == 0)
		return 0;
	log_warnx("%s: %s", what, cause);
	free(cause);
	return -1;
}

/* ---- tables ---------------------------------------------------------- */

void
hub_tables_free(struct tables *t)
{
	users_free(t->users, t->nusers);
	servers_free(t->servers, t->nservers);
	assigns_free(t->assigns, t->nassigns);
	routes_free(t->routes, t->nroutes);
	memset(t, 0, sizeof(*t));
}

static long long
tables_stamp(const char *dir)
{
	static const char *names[] = {
		TABLE_USERS, TABLE_SERVERS, TABLE_ASSIGN, TABLE_ROUTES
	};
	struct stat	 st;
	long long	 sum = 0;
	size_t		 i;
	char		*p;

	for (i = 0; i < nitems(names); i++) {
		p = table_path(dir, names[i]);
		if (stat(p, &st) == 0)
			sum += (long long)st.st_mtim.tv_sec * 1000000000LL +
			    st.st_mtim.tv_nsec + (long long)st.st_size +
			    (long long)st.st_ino;
		free(p);
	}
	return sum;
}

/* Call with mtx held. */
int
hub_tables_reload(struct hub *h, int force, char **cause)
{
	struct tables	 t;
	const char	*dir = h->cfg.table_dir;

	memset(&t, 0, sizeof(t));
	t.stamp = tables_stamp(dir);
	if (!force && t.stamp == h->t.stamp)
		return 0;
	if (users_all(dir, &t.users, &t.nusers, cause) == -1 ||
	    servers_all(dir, &t.servers, &t.nservers, cause) == -1 ||
	    assigns_all(dir, &t.assigns, &t.nassigns, cause) == -1 ||
	    routes_all(dir, &t.routes, &t.nroutes, cause) == -1) {
		hub_tables_free(&t);
		return -1;
	}
	hub_tables_free(&h->t);
	h->t = t;
	log_info("tables loaded: %zu users, %zu servers, %zu assignments, "
	    "%zu routes", t.nusers, t.nservers, t.nassigns, t.nroutes);
	return 1;
}

const struct user *
hub_user(const struct hub *h, const char *id)
{
	size_t	i;

	for (i = 0; i < h->t.nusers; i++)
		if (strcasecmp(h->t.users[i].id, id) == 0)
			return &h->t.users[i];
	return NULL;
}

const char *
hub_assigned(const struct hub *h, const char *user)
{
	size_t	i;

	for (i = 0; i < h->t.nassigns; i++)
		if (strcasecmp(h->t.assigns[i].user, user) == 0)
			return h->t.assigns[i].server;
	return NULL;
}

/* ---- jobs ------------------------------------------------------------ */

struct hjob *
hub_job_find(struct hub *h, const char *id)
{
	size_t	i;

	for (i = 0; i < h->njobs; i++)
		if (strcmp(h->jobs[i]->j.id, id) == 0)
			return h->jobs[i];
	return NULL;
}

void
hub_job_add(struct hub *h, struct hjob *hj)
{
	h->jobs = xreallocarray(h->jobs, h->njobs + 1, sizeof(*h->jobs));
	h->jobs[h->njobs++] = hj;
}

int
hub_job_save(struct hub *h, struct hjob *hj)
{
	char	*path, *cause = NULL;
	int	 rc;

	path = spool_path(h, "jobs", hj->j.id, NULL);
	rc = job_save(&hj->j, path, &cause);
	if (rc == -1) {
		log_warnx("job %s: %s", hj->j.id, cause);
		free(cause);
	}
	free(path);
	return rc;
}

int
hub_jobs_load(struct hub *h, char **cause)
{
	char		**names, *path, *why = NULL;
	size_t		  n, i;
	struct hjob	 *hj;

	if (spool_list(h, "jobs", "", &names, &n, cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		hj = xcalloc(1, sizeof(*hj));
		path = spool_path(h, "jobs", names[i], NULL);
		if (job_load(path, &hj->j, &why) == -1) {
			log_warnx("skipping %s", why);
			free(why);
			why = NULL;
			free(hj);
			free(path);
			continue;
		}
		free(path);
		if (hj->j.state == JOB_SUBMITTING)
			hj->verify = 1;
		hub_job_add(h, hj);
	}
	spool_names_free(names, n);
	return 0;
}

void
hub_wake_all(struct hub *h)
{
	size_t	i;

	for (i = 0; i < h->nsrvs; i++)
		h->srvs[i]->wake = 1;
	h->outbox_wake = 1;
	pthread_cond_broadcast(&h->cond);
}

int
hub_sleep(struct hub *h, int seconds)
{
	struct timespec	ts;

	if (h->stop)
		return 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_cond_timedwait(&h->cond, &h->mtx, &ts);
	return h->stop;
}

/* ---- communication log ----------------------------------------------- */

void
hub_log_put(struct hub *h, struct logrec *r)
{
	char	*cause = NULL;

	/* Ids derived from the job make a repeated step replace its record. */
	if ((r->id != NULL ? logrec_put(h->cfg.table_dir, r, &cause) :
	    logrec_append(h->cfg.table_dir, r, &cause)) == -1) {
		log_warnx("communication log: %s", cause);
		free(cause);
	}
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
