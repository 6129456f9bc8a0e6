/*
 * table.h: one key/value table file, <dir>/<name>.db.  The backend is
 * gdbm (table-gdbm.c).
 *
 * gdbm allows one writer and no readers beside it, so a table is opened
 * for one short operation and closed again; never hold one across a wait.
 * When the file is locked by someone else, table_open() retries for
 * TABLE_WAIT_MS and then fails with "PATH: table busy" (table_busy() tells
 * that cause apart).  Keys and values are NUL-free strings.
 *
 * Errors: -1 with *cause set (allocated, caller frees).
 */
#ifndef FAXHUB_TABLE_H
#define FAXHUB_TABLE_H

#include <stddef.h>

#define TABLE_WAIT_MS	3000
#define TABLE_MAX_KEY	1024

/* The table names faxhub uses. */
#define TABLE_USERS	"users"
#define TABLE_SERVERS	"servers"
#define TABLE_ASSIGN	"assignments"
#define TABLE_ROUTES	"routes"
#define TABLE_LOG	"log"

enum table_mode {
	TABLE_READ,		/* a missing file reads as an empty table */
	TABLE_WRITE		/* created when missing */
};

struct table;

/* *out is owned by the caller and closed with table_close(). */
int	table_open(const char *dir, const char *name, enum table_mode,
	    struct table **out, char **cause);
/* Returns 0 and an allocated *val, 1 when missing, -1 on error. */
int	table_get(struct table *, const char *key, char **val, char **cause);
/* Stores (replacing) key; with insert set, returns 1 if the key exists. */
int	table_put(struct table *, const char *key, const char *val,
	    int insert, char **cause);
/* Returns 0 when deleted, 1 when missing. */
int	table_del(struct table *, const char *key, char **cause);
/*
 * Calls cb for every record in key order (sorted by strcmp); the strings
 * are only valid during the call.  A non-zero cb return stops the walk
 * and is returned.  table_iter holds the whole table in memory to sort
 * it (for the small tables: users, servers, assignments, routes);
 * table_scan streams in the file's own (hash) order with one record in
 * memory at a time, for tables of any size.  The table must not be
 * changed during either walk.
 */
int	table_scan(struct table *, int (*cb)(const char *key,
	    const char *val, void *arg, char **cause), void *arg,
	    char **cause);
int	table_iter(struct table *, int (*cb)(const char *key,
	    const char *val, void *arg, char **cause), void *arg,
	    char **cause);
/* Flushes and closes; safe on NULL. */
int	table_close(struct table *, char **cause);

/*
 * Replaces the whole table by the n key/value pairs: a new file beside the
 * old one, fsync, rename, fsync of the directory, while holding the old
 * file's writer lock.  All or nothing.
 */
struct table_kv {
	const char	*key;
	const char	*val;
};
int	table_replace(const char *dir, const char *name,
	    const struct table_kv *, size_t n, char **cause);

/*
 * Two-step form of table_replace for changes to several tables at once:
 * table_stage() writes the new file as <name>.db.new.PID and leaves it
 * there; table_commit() renames it into place; table_unstage() removes it.
 */
int	table_stage(const char *dir, const char *name,
	    const struct table_kv *, size_t n, char **cause);
int	table_commit(const char *dir, const char *name, char **cause);
void	table_unstage(const char *dir, const char *name);

/* 1 when cause came from a locked table. */
int	table_busy(const char *cause);
/* The file name of a table (allocated). */
char	*table_path(const char *dir, const char *name);

#endif
