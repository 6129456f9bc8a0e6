/*
 * passwd.h: user password hashes (yescrypt through libxcrypt).
 */
#ifndef FAXHUB_PASSWD_H
#define FAXHUB_PASSWD_H

#define PASSWD_MAX	1024	/* longest password accepted */

/*
 * Hashes pw with a fresh yescrypt salt.  *hash is allocated (caller
 * frees); -1 with *cause on failure (too long, empty, libcrypt error).
 */
int	passwd_hash(const char *pw, char **hash, char **cause);
/* 1 when pw matches hash, 0 otherwise (also for NULL/garbage hashes). */
int	passwd_verify(const char *pw, const char *hash);

#endif
