/*
 * fields.c: the field-table codec (fields.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "xmalloc.h"

#define FIELD(obj, f)	((char *)(obj) + (f)->off)
#define CFIELD(obj, f)	((const char *)(obj) + (f)->off)

void
strv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

size_t
strv_len(char *const *v)
{
	size_t	n = 0;

	if (v != NULL)
		while (v[n] != NULL)
			n++;
	return n;
}

char **
strv_dup(char *const *v)
{
	char	**r;
	size_t	  i, n = strv_len(v);

	if (v == NULL)
		return NULL;
	r = xcalloc(n + 1, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

void
fields_free(void *obj, const struct field *f, size_t n)
{
	size_t	  i;
	char	**s;

	for (i = 0; i < n; i++) {
		if (f[i].type == FT_STR) {
			s = (char **)(void *)FIELD(obj, &f[i]);
			if (*s != NULL && (f[i].flags & FIELD_SECRET))
				explicit_bzero(*s, strlen(*s));
			free(*s);
			*s = NULL;
		} else if (f[i].type == FT_LIST) {
			strv_free(*(char ***)(void *)FIELD(obj, &f[i]));
			*(char ***)(void *)FIELD(obj, &f[i]) = NULL;
		}
	}
}

void
fields_dup(void *obj, const struct field *f, size_t n)
{
	size_t	  i;
	char	**s;

	for (i = 0; i < n; i++) {
		if (f[i].type == FT_STR) {
			s = (char **)(void *)FIELD(obj, &f[i]);
			if (*s != NULL)
				*s = xstrdup(*s);
		} else if (f[i].type == FT_LIST) {
			s = *(char ***)(void *)FIELD(obj, &f[i]);
			*(char ***)(void *)FIELD(obj, &f[i]) = s != NULL ?
			    strv_dup(s) : NULL;
		}
	}
}

void
fields_each(const void *obj, const struct field *f, size_t n,
    void (*emit)(void *, const char *, const char *), void *arg)
{
	char		 num[32];
	const char	*s;
	char *const	*v;
	size_t		 i, j;

	for (i = 0; i < n; i++) {
		switch (f[i].type) {
		case FT_STR:
			s = *(char *const *)(const void *)CFIELD(obj, &f[i]);
			if (s != NULL)
				emit(arg, f[i].name, s);
			break;
		case FT_LIST:
			v = *(char **const *)(const void *)CFIELD(obj, &f[i]);
			for (j = 0; v != NULL && v[j] != NULL; j++)
				emit(arg, f[i].name, v[j]);
			break;
		case FT_LL:
			snprintf(num, sizeof(num), "%lld",
			    *(const long long *)(const void *)CFIELD(obj,
			    &f[i]));
			emit(arg, f[i].name, num);
			break;
		case FT_INT:
			snprintf(num, sizeof(num), "%d",
			    *(const int *)(const void *)CFIELD(obj, &f[i]));
			emit(arg, f[i].name, num);
			break;
		case FT_BOOL:
			emit(arg, f[i].name,
			    *(const int *)(const void *)CFIELD(obj, &f[i]) ?
			    "1" : "0");
			break;
		case FT_ENUM:
			emit(arg, f[i].name, f[i].name_of(CFIELD(obj, &f[i])));
			break;
		}
	}
}

int
fields_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
fields_set(void *obj, const struct field *f, size_t n, const char *name,
    const char *value, char **cause)
{
	const struct field	 *fd = NULL;
	char			**s, ***v;
	long long		  x, min, max;
	size_t			  i, len;

	for (i = 0; i < n && fd == NULL; i++)
		if (strcmp(f[i].name, name) == 0)
			fd = &f[i];
	if (fd == NULL) {
		xasprintf(cause, "unknown field %s", name);
		return -1;
	}
	switch (fd->type) {
	case FT_STR:
		s = (char **)(void *)FIELD(obj, fd);
		if (*s != NULL) {
			xasprintf(cause, "field %s given twice", name);
			return -1;
		}
		*s = xstrdup(value);
		return 0;
	case FT_LIST:
		v = (char ***)(void *)FIELD(obj, fd);
		len = strv_len(*v);
		if (fd->max_list != 0 && len == fd->max_list) {
			xasprintf(cause, "field %s: more than %zu entries", name,
			    fd->max_list);
			return -1;
		}
		*v = xreallocarray(*v, len + 2, sizeof(**v));
		(*v)[len] = xstrdup(value);
		(*v)[len + 1] = NULL;
		return 0;
	case FT_ENUM:
		if (fd->parse(value, FIELD(obj, fd)) == -1)
			goto bad;
		return 0;
	case FT_BOOL:
		min = 0;
		max = 1;
		break;
	case FT_INT:
		min = fd->min;
		max = fd->max;
		break;
	case FT_LL:
		min = fd->min == 0 && fd->max == 0 ? LLONG_MIN : fd->min;
		max = fd->min == 0 && fd->max == 0 ? LLONG_MAX : fd->max;
		break;
	default:
		goto bad;
	}
	if (fields_parse_ll(value, min, max, &x) == -1)
		goto bad;
	if (fd->type == FT_LL)
		*(long long *)(void *)FIELD(obj, fd) = x;
	else
		*(int *)(void *)FIELD(obj, fd) = (int)x;
	return 0;
bad:
	xasprintf(cause, "field %s: bad value \"%.40s\"", name, value);
	return -1;
}

void
fields_fill(void *obj, const struct field *f, size_t n,
    const char *(*get)(const void *, const char *), const void *arg)
{
	const char	*v;
	char		*end;
	long long	 x;
	size_t		 i;

	for (i = 0; i < n; i++) {
		v = get(arg, f[i].name);
		switch (f[i].type) {
		case FT_STR:
			*(char **)(void *)FIELD(obj, &f[i]) =
			    v != NULL ? xstrdup(v) : NULL;
			break;
		case FT_LL:
		case FT_INT:
		case FT_BOOL:
			x = 0;
			if (v != NULL && *v != '\0') {
				x = strtoll(v, &end, 10);
				if (*end != '\0')
					x = 0;
			}
			if (f[i].type == FT_LL)
				*(long long *)(void *)FIELD(obj, &f[i]) = x;
			else
				*(int *)(void *)FIELD(obj, &f[i]) = (int)x;
			break;
		case FT_LIST:
		case FT_ENUM:
			/* Not used in kvfiles; left as the caller set them. */
			break;
		}
	}
}
