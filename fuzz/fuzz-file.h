/*
 * fuzz-file.h: for the harnesses whose code under test reads a file:
 * writes each input to NAME in a private directory made on first use
 * (logging set up then too, the directory removed at exit) and returns
 * its path (caller frees; the harness unlinks the file).  The
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

static char	fuzz_dir[64];

/* At exit: the directory goes (each harness unlinks its inputs). */
static inline void
fuzz_dir_remove(void)
{
	rmdir(fuzz_dir);
}

static inline char *
fuzz_file(const char *prog, const char *name, const uint8_t *data,
    size_t len)
{
	char	*dir = fuzz_dir, *path, *cause = NULL;

	if (dir[0] == '\0') {
		log_init(prog, 1, 0);
		log_setlevel(LOG_LEVEL_ERR);
		snprintf(dir, sizeof(fuzz_dir), "%s/fuzzXXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(fuzz_dir_remove);
	}
	path = xprintf("%s/%s", dir, name);
	if (file_write_atomic(path, data, len, 0600, &cause) == -1)
		abort();
	return path;
}

#endif
