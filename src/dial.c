/*
 * dial.c: destination pattern matching (see dial.h).
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "dial.h"

int
dial_pattern_valid(const char *p)
{
	size_t	n = 0;

	if (strcmp(p, "*") == 0)
		return 1;
	if (*p == '+')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		n++;
	if (*p == '*')
		p++;
	return *p == '\0' && n >= 1 && n <= DIAL_MAX_DIGITS;
}

int
dial_pattern_match(const char *pat, const char *number)
{
	const char	*p = pat, *q = number;
	size_t		 len;

	len = strlen(pat);
	if (len == 0)
		return 0;
	if (*p == '+')
		p++;
	for (;; p++, q++) {
		while (*q != '\0' && !isdigit((unsigned char)*q))
			q++;
		if (*p == '*' && p[1] == '\0')
			return 1;
		if (*p == '\0')
			return *q == '\0';
		if (*q == '\0' || *p != *q)
			return 0;
	}
}
