/*
 * passwd.c: yescrypt hashing and constant-time verification.
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passwd.h"
#include "xmalloc.h"

int
passwd_hash(const char *pw, char **hash, char **cause)
{
	struct crypt_data	*cd;
	char			*salt, *h;
	size_t			 len = strlen(pw);

	if (len == 0) {
		xasprintf(cause, "empty password");
		return -1;
	}
	if (len > PASSWD_MAX) {
		xasprintf(cause, "password longer than %d bytes", PASSWD_MAX);
		return -1;
	}
	errno = 0;
	if ((salt = crypt_gensalt_ra("$y$", 0, NULL, 0)) == NULL) {
		xasprintf(cause, "crypt_gensalt_ra: %s",
		    errno != 0 ? strerror(errno) : "failed");
		return -1;
	}
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(pw, salt, cd);
	free(salt);
	if (h == NULL || h[0] == '*') {
		xasprintf(cause, "crypt_r: %s",
		    errno != 0 ? strerror(errno) : "failed");
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
		return -1;
	}
	*hash = xstrdup(h);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return 0;
}

int
passwd_verify(const char *pw, const char *hash)
{
	struct crypt_data	*cd;
	const char		*h;
	size_t			 i, n;
	unsigned char		 diff;

	if (pw == NULL || hash == NULL || hash[0] != '$' ||
	    strlen(pw) > PASSWD_MAX)
		return 0;
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(pw, hash, cd);
	if (h == NULL || h[0] == '*' || (n = strlen(h)) != strlen(hash)) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
		return 0;
	}
	diff = 0;
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(h[i] ^ hash[i]);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return diff == 0;
}
