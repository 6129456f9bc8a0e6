/*
 * xmalloc.h: allocators that never return NULL (they call fatal() when
 * memory runs out) and bounded string helpers.  Every pointer they return
 * is owned by the caller and released with free().
 */
#ifndef FAXHUB_XMALLOC_H
#define FAXHUB_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Returns a newly allocated formatted string. */
char	*xprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
