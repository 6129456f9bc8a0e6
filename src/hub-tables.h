/*
 * hub-tables.h: faxhubd's in-memory copy of the gdbm tables (users,
 * servers, assignments, routes), reloaded when their files change.
 *
 * The copy lives in struct hub (h->t) and is shared under h->mtx.
 * hub_tables_reload() replaces it whole, freeing the old one: a pointer
 * into h->t (from hub_user(), hub_assigned() or h->t directly) is valid
 * only while the caller holds h->mtx without releasing it in between; a
 * thread that needs a value across an unlock copies it first.
 */
#ifndef FAXHUB_HUB_TABLES_H
#define FAXHUB_HUB_TABLES_H

#include <stddef.h>

#include "record.h"

struct hub;

struct tables {
	struct user	*users;
	size_t		 nusers;
	struct server	*servers;
	size_t		 nservers;
	struct assign	*assigns;
	size_t		 nassigns;
	struct route	*routes;
	size_t		 nroutes;
	long long	 stamp;		/* sum of the files' mtimes */
};

/*
 * Any thread, h->mtx held on entry and return, but released while the
 * files are read: the caller must not keep pointers into the hub across
 * the call.  Reads the table files when their stamp moved (or force):
 * 1 reloaded, 0 unchanged, -1 error (old copy kept).
 */
int	 hub_tables_reload(struct hub *, int force, char **cause);
/* h->mtx held; the result points into h->t (see above) or is NULL. */
const struct user *hub_user(const struct hub *, const char *id);
const char *hub_assigned(const struct hub *, const char *user);
void	 hub_tables_free(struct tables *);

#endif
