/*
 * fuzz-file.h: for the harnesses whose code under test reads a file:
 * writes each input to NAME in a private directory made on first use
 * (logging set up then too) and returns its path (caller frees).  The
 * directory is in /dev/shm where there is one: a file made on a disk
 * file system per execution costs more than many a harness's work.  A
 * header, not a .c file, because every .c file under fuzz/ is a harness.
 */
#ifndef FAXHUB_FUZZ_FILE_H
#define FAXHUB_FUZZ_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "xmalloc.h"

static inline char *
fuzz_file(const char *prog, const char *name, const uint8_t *data,
    size_t len)
{
	static char	 dir[64];
	char		*path, *cause = NULL;

	if (dir[0] == '\0') {
		log_init(prog, 1, 0);
		log_setlevel(LOG_LEVEL_ERR);
		snprintf(dir, sizeof(dir), "%s/fuzzXXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	path = xprintf("%s/%s", dir, name);
	if (file_write_atomic(path, data, len, 0600, &cause) == -1)
		abort();
	return path;
}

#endif
