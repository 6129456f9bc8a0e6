/*
 * kvfile.h: the spool's record format: "key=value" lines, values escaped
 * (\\, \n, \r, \t) so any byte string survives, written durably with
 * file_write_atomic().  Small, human-readable, greppable by an admin.
 */
#ifndef FAXHUB_KVFILE_H
#define FAXHUB_KVFILE_H

#include <stddef.h>

#include "util.h"

struct kv {
	char	**keys;
	char	**values;
	size_t	  n;
	size_t	  cap;
};

void		 kv_init(struct kv *);
void		 kv_free(struct kv *);
/* Sets (replaces) key; value is copied; NULL value removes the key. */
void		 kv_set(struct kv *, const char *key, const char *value);
void		 kv_setf(struct kv *, const char *key, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 kv_setll(struct kv *, const char *key, long long);
/* Returns the stored value (owned by kv) or NULL. */
const char	*kv_get(const struct kv *, const char *key);
long long	 kv_getll(const struct kv *, const char *key, long long dflt);
/* Serialised form (allocated); kv_parse appends to kv. */
char		*kv_format(const struct kv *, size_t *len);
int		 kv_parse(struct kv *, const char *data, size_t len,
		    char **cause);
int		 kv_load(struct kv *, const char *path, char **cause);
int		 kv_save(const struct kv *, const char *path, char **cause);
/* kv_save() with the durability of file_write_sync() (util.h). */
int		 kv_save_sync(const struct kv *, const char *path,
		    enum write_sync, char **cause);

#endif
