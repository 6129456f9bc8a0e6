/*
 * fh-sandbox: test driver for src/sandbox.c.  Runs one program the way
 * faxhubd runs a converter and prints its exit status and output.
 *	fh-sandbox [-d USER] CONVUSER TIMEOUT PROG [ARG...]
 * -d USER: set up the spawner, then drop to USER (keeping CONVUSER's group
 * as a supplementary group, as faxhub is a member of faxhub-conv's), as
 * faxhubd started as root does.  The job directory is made beside NEAR.
 */
#include "config.h"

#include <sys/wait.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

int
main(int argc, char **argv)
{
	struct sandbox_spec	 s;
	struct sandbox_result	 r;
	struct passwd		*pw = NULL, *conv;
	char			*dir, *cause = NULL;
	int			 i;

	log_init("fh-sandbox", 1, 0);
	if (argc >= 3 && strcmp(argv[1], "-d") == 0) {
		if ((pw = getpwnam(argv[2])) == NULL)
			return 2;
		argc -= 2;
		argv += 2;
	}
	if (argc < 4 || argc - 3 > SANDBOX_MAX_ARGS)
		return 2;
	if (sandbox_setup(argv[1], pw != NULL, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	if (pw != NULL) {
		if ((conv = getpwnam(argv[1])) == NULL ||
		    setgroups(1, &conv->pw_gid) == -1 ||
		    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
			return 1;
	}
	if (sandbox_mkdir(&dir, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	memset(&s, 0, sizeof(s));
	s.prog = argv[3];
	for (i = 3; i < argc; i++)
		s.argv[i - 3] = argv[i];
	s.dir = dir;
	s.in_fd = -1;
	s.timeout = atoi(argv[2]);
	s.cpu = 60;
	s.max_as = 1ULL << 31;
	s.max_fsize = 1ULL << 20;
	if (sandbox_run(&s, &r, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		sandbox_rmdir(dir);
		return 1;
	}
	sandbox_rmdir(dir);
	printf("%s%s", r.output, r.outlen > 0 &&
	    r.output[r.outlen - 1] != '\n' ? "\n" : "");
	if (r.timedout)
		printf("timed out\n");
	else if (WIFEXITED(r.status))
		printf("exit %d\n", WEXITSTATUS(r.status));
	else
		printf("signal %d\n", WTERMSIG(r.status));
	free(dir);
	return 0;
}
