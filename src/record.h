/*
 * record.h: the records of the faxhub tables (users, servers, assignments,
 * routes, log) and their encoding.
 *
 * Every value starts with its format version: "v1" then TAB-separated
 * "key=value" fields; a list is a repeated key.  Values escape backslash,
 * TAB, CR, LF and every other byte below 0x20 or equal to 0x7f (\\ \t \r \n
 * \xHH), so any byte string except NUL survives.  docs/tables.md has the
 * fields of each record.
 *
 * The get, put, del and "all" functions take the table directory.  They
 * return 0 on success, -1 on error with *cause set (caller frees); *_get and
 * *_del return 1 when the key is not there.  Structs and arrays they hand
 * back are owned by the caller and released with the matching *_free.
 * Tables are opened for the duration of one call only.
 */
#ifndef FAXHUB_RECORD_H
#define FAXHUB_RECORD_H

#include <stddef.h>

#include "fields.h"	/* strv_*() */

#define RECORD_VERSION		"v1"
#define RECORD_MAX		(256 * 1024)	/* one encoded value */
#define RECORD_MAX_LIST		256		/* entries in one list */

enum report_style {
	REPORT_COMBINED = 0,
	REPORT_PER_DEST
};

enum inbound_format {
	FMT_PDF = 0,
	FMT_TIFF,
	FMT_BOTH
};

#define NOTIFY_SUCCESS	0x1
#define NOTIFY_FAILURE	0x2

struct user {
	char			 *id;		/* lower-case mail address */
	char			 *name;		/* or NULL */
	int			  enabled;
	char			 *pwhash;	/* yescrypt, or NULL */
	char			**allow;	/* NULL-terminated patterns */
	char			**bar;		/* NULL-terminated patterns */
	enum report_style	  report;
	enum inbound_format	  format;
	unsigned		  notify;	/* NOTIFY_* bits */
};

struct server {
	char	*name;
	int	 priority;		/* lower = tried first */
	char	*driver;		/* "hylafax" */
	char	*host;
	int	 port;
	char	*account;		/* or NULL */
	char	*password_file;		/* or NULL */
	char	*admin_password_file;	/* or NULL */
	int	 lines;
	int	 fine;
	int	 g4;
	int	 enabled;
	char	*send_modems;		/* modems that dial out, or NULL */
};

/*
 * A distribution rule.  called/caller/csid/server: NULL = any; exact, or a
 * prefix when the pattern ends in '*' (see route.h for the comparison).
 */
struct route {
	int	  order;		/* 1..n, the order rules are tried in */
	char	 *called;
	char	 *caller;
	char	 *csid;
	char	 *server;
	char	**users;		/* NULL-terminated, at least one */
	int	  is_default;		/* matches anything, tried last */
};

struct logrec {
	char		*id;
	char		*direction;	/* "out" | "in" */
	char		*job;
	char		*broadcast;
	char		*user;
	char		*number_typed;
	char		*number_dialled;
	char		*server;
	long long	 start, end;	/* unix seconds, 0 = unknown */
	int		 pages;
	int		 duration;
	char		*csid;
	char		*status;	/* queued|sending|done|failed|... */
	char		*reason;
	int		 attempts;
	char		*rule;
	char		*msgid;
};

/* Filter for logs_all(); NULL / 0 fields match everything. */
struct logfilter {
	const char	*direction;
	const char	*user;
	const char	*number;	/* exact, or prefix with '*' (digits) */
	const char	*status;
	long long	 since;		/* start >= since */
	long long	 until;		/* start < until */
};

/* Encoding.  *_encode returns an allocated string (caller frees). */
char	*user_encode(const struct user *);
int	 user_decode(const char *key, const char *val, struct user *,
	    char **cause);
char	*server_encode(const struct server *);
int	 server_decode(const char *key, const char *val, struct server *,
	    char **cause);
char	*assign_encode(const char *server);
int	 assign_decode(const char *key, const char *val, char **server,
	    char **cause);
char	*route_encode(const struct route *);
int	 route_decode(const char *key, const char *val, struct route *,
	    char **cause);
char	*logrec_encode(const struct logrec *);
int	 logrec_decode(const char *key, const char *val, struct logrec *,
	    char **cause);
/* The key of route number order ("%06d"); allocated. */
char	*route_key(int order);

/* Validation of ids; 0 ok, -1 with *cause naming the bad value. */
int	 user_id_valid(const char *, char **cause);
int	 server_name_valid(const char *, char **cause);

void	 user_init(struct user *);
void	 user_free(struct user *);
void	 users_free(struct user *, size_t);
void	 server_init(struct server *);
void	 server_free(struct server *);
void	 servers_free(struct server *, size_t);
void	 route_free(struct route *);
void	 routes_free(struct route *, size_t);
void	 logrec_free(struct logrec *);
void	 logrecs_free(struct logrec *, size_t);

/* users: key = id.  user_get lower-cases the id it looks up. */
int	user_get(const char *dir, const char *id, struct user *, char **cause);
int	user_put(const char *dir, const struct user *, char **cause);
int	user_del(const char *dir, const char *id, char **cause);
int	users_all(const char *dir, struct user **, size_t *n, char **cause);

/* servers: key = name; servers_all sorts by priority, then name. */
int	server_get(const char *dir, const char *name, struct server *,
	    char **cause);
int	server_put(const char *dir, const struct server *, char **cause);
int	server_del(const char *dir, const char *name, char **cause);
int	servers_all(const char *dir, struct server **, size_t *n,
	    char **cause);

/* assignments: user id -> server name.  *server is allocated. */
struct assign {
	char	*user;
	char	*server;
};
int	assign_get(const char *dir, const char *user, char **server,
	    char **cause);
int	assign_put(const char *dir, const char *user, const char *server,
	    char **cause);
int	assign_del(const char *dir, const char *user, char **cause);
/* Sorted by user. */
int	assigns_all(const char *dir, struct assign **, size_t *n,
	    char **cause);
void	assigns_free(struct assign *, size_t);

/* routes: sorted by order (default rule last). */
int	routes_all(const char *dir, struct route **, size_t *n, char **cause);
/*
 * Replaces the whole routes table atomically (new file, fsync, rename);
 * rules are renumbered 1..n in the order given.
 */
int	routes_put_all(const char *dir, const struct route *, size_t n,
	    char **cause);

/*
 * log: key = id (record-log.c).  logrec_append gives rec->id (allocated,
 * owned by rec) a new unique, sortable id when it is NULL:
 * "SSSSSSSSSSUUUUUU-NNNN" (unix seconds, microseconds, counter).
 * logrec_put replaces the record with rec->id.  The table also holds an
 * index of the records by the UTC day they started on, in keys that begin
 * with '#' (logrec_index_key()); record ids never do (logrec_id_valid()).
 *
 * logs_walk calls cb for every record that matches f (NULL: all), in the
 * order of start time, then id; it reads only the days f's since/until
 * cover and holds one day's records in memory at a time.  The record is
 * only valid during the call; a non-zero cb return stops the walk and is
 * returned.  logs_all collects the same into an array.
 */
int	logrec_append(const char *dir, struct logrec *, char **cause);
int	logrec_put(const char *dir, const struct logrec *, char **cause);
int	logrec_get(const char *dir, const char *id, struct logrec *,
	    char **cause);
int	logs_walk(const char *dir, const struct logfilter *,
	    int (*cb)(const struct logrec *, void *, char **), void *arg,
	    char **cause);
int	logs_all(const char *dir, const struct logfilter *,
	    struct logrec **, size_t *n, char **cause);
/*
 * Removes the records that started on a UTC day before the day of
 * `before' (whole days), with their index entries; cb (or NULL) is called
 * for each first.  With dry_run nothing changes.  *removed counts them.
 */
int	logs_prune(const char *dir, long long before, int dry_run,
	    int (*cb)(const struct logrec *, void *, char **), void *arg,
	    size_t *removed, char **cause);

/*
 * For a writer that holds the log table open (the daemon's log writer):
 * stores the encoded record val under id and keeps the index; with insert
 * set, returns 1 when id exists.  Builds the index first when the table
 * has none (a table written by an older faxhub).
 */
struct table;
int	logrec_store(struct table *, const char *id, const char *val,
	    int insert, char **cause);
int	logrec_index_key(const char *key);
int	logrec_id_valid(const char *id, char **cause);
int	logrec_matches(const struct logrec *, const struct logfilter *);

/* Names for the enums (static strings) and parsers (0 ok, -1 bad). */
const char	*report_style_name(enum report_style);
int		 report_style_parse(const char *, enum report_style *);
const char	*inbound_format_name(enum inbound_format);
int		 inbound_format_parse(const char *, enum inbound_format *);
const char	*notify_name(unsigned);
int		 notify_parse(const char *, unsigned *);

#endif
