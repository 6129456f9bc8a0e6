/*
 * fields.h: records as tables of fields.  A struct's persistent fields
 * are listed once, in their written order, as {name, offset, type}; the
 * same table then frees the struct, walks it for an encoder, and sets it
 * from decoded key/value pairs.  job.c writes such structs as kvfiles,
 * record.c as table values; both keep their own byte format.
 */
#ifndef FAXHUB_FIELDS_H
#define FAXHUB_FIELDS_H

#include <stddef.h>

enum field_type {
	FT_STR,		/* char *; NULL = not written */
	FT_LL,		/* long long, within [min, max] (0, 0: any) */
	FT_INT,		/* int, within [min, max] */
	FT_BOOL,	/* int, written and read as 0 or 1 */
	FT_LIST,	/* char **, NULL-terminated; one pair per entry */
	FT_ENUM		/* written by name_of(), read by parse() */
};

#define FIELD_SECRET	0x1	/* FT_STR wiped before it is freed */

struct field {
	const char	 *name;
	size_t		  off;
	enum field_type	  type;
	long long	  min, max;
	/* FT_ENUM: p points at the field.  parse returns 0, or -1. */
	const char	*(*name_of)(const void *p);
	int		(*parse)(const char *, void *p);
	int		  flags;
	size_t		  max_list;	/* FT_LIST: entries at most; 0 any */
};

/* Frees the strings and lists of obj and sets them to NULL. */
void	 fields_free(void *obj, const struct field *, size_t n);
/*
 * Makes obj, a byte copy of another struct, own copies of the strings
 * and lists it points at (so that either can be freed alone).
 */
void	 fields_dup(void *obj, const struct field *, size_t n);
/*
 * Calls emit(arg, name, value) for every field in table order: a string
 * when not NULL, a list once per entry, numbers in decimal.  value is
 * only valid during the call.
 */
void	 fields_each(const void *obj, const struct field *, size_t n,
	    void (*emit)(void *arg, const char *name, const char *value),
	    void *arg);
/*
 * Sets the field called name from value, strictly: a string given twice,
 * a number out of range, a list too long, a bad enum name or an unknown
 * name fail with *cause (allocated) naming the field.
 */
int	 fields_set(void *obj, const struct field *, size_t n,
	    const char *name, const char *value, char **cause);
/*
 * Fills the strings and numbers of obj from get(arg, name), leniently (a
 * kvfile's rule): a missing string is NULL, a missing or malformed number
 * 0.  Strings are copied.  Lists and enums (not kept in kvfiles) are left
 * as they are.
 */
void	 fields_fill(void *obj, const struct field *, size_t n,
	    const char *(*get)(const void *arg, const char *name),
	    const void *arg);

/* A decimal number without blanks, within [min, max]: 0, or -1. */
int	 fields_parse_ll(const char *, long long min, long long max,
	    long long *);

/* NULL-terminated string arrays (the FT_LIST values). */
void	 strv_free(char **);
size_t	 strv_len(char *const *);
char	**strv_dup(char *const *);

#endif
