/*
 * hub-tables.c: faxhubd's in-memory copy of the tables (hub-tables.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "hub.h"
#include "hub-tables.h"
#include "log.h"
#include "table.h"
#include "util.h"

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

/*
 * h->mtx is held on entry and on return but released while the files are
 * looked at and read (a busy table waits up to TABLE_WAIT_MS), so that
 * the other threads go on meanwhile.  The new copy is swapped in under
 * h->mtx; of two threads reloading at once, the last swap wins, and each
 * frees only what was current when it swapped.
 */
int
hub_tables_reload(struct hub *h, int force, char **cause)
{
	struct tables	 t;
	const char	*dir = h->cfg.table_dir;
	long long	 old = h->t.stamp;
	int		 rc = 0;

	pthread_mutex_unlock(&h->mtx);
	memset(&t, 0, sizeof(t));
	t.stamp = tables_stamp(dir);
	if (force || t.stamp != old) {
		rc = 1;
		if (users_all(dir, &t.users, &t.nusers, cause) == -1 ||
		    servers_all(dir, &t.servers, &t.nservers, cause) == -1 ||
		    assigns_all(dir, &t.assigns, &t.nassigns, cause) == -1 ||
		    routes_all(dir, &t.routes, &t.nroutes, cause) == -1) {
			hub_tables_free(&t);
			rc = -1;
		}
	}
	pthread_mutex_lock(&h->mtx);
	if (rc != 1)
		return rc;
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

