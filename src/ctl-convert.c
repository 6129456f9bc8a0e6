/*
 * ctl-convert.c: faxhubctl's `convert` and `topdf` entries: the command
 * table hands over parsed options; rebuild the argv that ctl-image.c's
 * handlers read, so faxhubctl and the test driver run the same code.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl-image.h"
#include "xmalloc.h"

static int
ctl_image_run(struct ctl *c, const char *name, const char *const *flags,
    const char *const *valued, int (*fn)(int, char **))
{
	char	**argv;
	int	  argc = 0, i, rc;
	size_t	  n = 1 + (size_t)c->argc + 16;

	argv = xcalloc(n + 1, sizeof(char *));
	argv[argc++] = (char *)name;
	for (i = 0; flags[i] != NULL; i++)
		if (ctl_opt(c, flags[i]) != NULL)
			argv[argc++] = xprintf("--%s", flags[i]);
	for (i = 0; valued[i] != NULL; i++)
		if (ctl_opt(c, valued[i]) != NULL) {
			argv[argc++] = xprintf("--%.*s",
			    (int)strlen(valued[i]) - 1, valued[i]);
			argv[argc++] = xstrdup(ctl_opt(c, valued[i]));
		}
	for (i = 0; i < c->argc; i++)
		argv[argc++] = xstrdup(c->argv[i]);
	rc = fn(argc, argv);
	for (i = 1; i < argc; i++)
		free(argv[i]);
	free(argv);
	return rc;
}

int
ctl_convert_cmd(struct ctl *c)
{
	static const char *const flags[] = {
		"fine", "normal", "g4", "g3", "letter", "a4", "keep-coding",
		NULL
	};
	static const char *const valued[] = { "timeout=", "pdf=", "preview=",
		NULL
	};

	return ctl_image_run(c, "convert", flags, valued, ctl_convert);
}

int
ctl_topdf_cmd(struct ctl *c)
{
	static const char *const none[] = { NULL };

	return ctl_image_run(c, "topdf", none, none, ctl_topdf);
}
