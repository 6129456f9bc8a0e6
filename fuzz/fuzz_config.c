/*
 * fuzz_config: libFuzzer harness for config_parse() and the value parsers
 * it shares with faxhubctl (durations, sizes, booleans).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_config(const struct config *);

/* A parsed config must hold what config.h promises, or abort(). */
static void
check_config(const struct config *cfg)
{
	size_t	i;

	if (cfg->path == NULL || cfg->imap.host == NULL ||
	    cfg->spool_dir == NULL || cfg->table_dir == NULL)
		abort();
	if (cfg->fax.domains == NULL || cfg->fax.domains[cfg->fax.ndomains] !=
	    NULL || cfg->fax.ndomains > CONFIG_MAX_LIST)
		abort();
	for (i = 0; i < cfg->fax.ndomains; i++)
		if (cfg->fax.domains[i] == NULL)
			abort();
	if (cfg->dial.barred == NULL || cfg->dial.barred[cfg->dial.nbarred] !=
	    NULL || cfg->dial.nbarred > CONFIG_MAX_LIST)
		abort();
	if (cfg->imap.poll_interval < 0 || cfg->imap.timeout < 0 ||
	    cfg->dispatch.poll_interval < 0 || cfg->dispatch.retry_delay < 0)
		abort();
	(void)config_tls_name(cfg->imap.tls);
	(void)config_tls_name(cfg->smtp.tls);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	char		*cause = NULL, *s;
	size_t		 sz;
	int		 d, b, r1, r2, r3;

	if (size > CONFIG_MAX_FILE)
		return (0);
	if (config_parse("fuzz.conf", (const char *)data, size, &cfg,
	    &cause) == 0) {
		if (cause != NULL)
			abort();
		check_config(&cfg);
		config_free(&cfg);
	} else {
		if (cause == NULL || strncmp(cause, "fuzz.conf", 9) != 0)
			abort();
		free(cause);
		/* A failed parse leaves the struct freed: freeing is safe. */
		config_free(&cfg);
	}

	/* The same bytes as one value for the shared value parsers. */
	if (size > 256)
		return (0);
	s = xstrndup((const char *)data, size);
	d = b = -1;
	sz = 0;
	r1 = config_parse_duration(s, &d);
	r2 = config_parse_size(s, &sz);
	r3 = config_parse_bool(s, &b);
	if ((r1 != 0 && r1 != -1) || (r2 != 0 && r2 != -1) ||
	    (r3 != 0 && r3 != -1))
		abort();
	if (r1 == 0 && d < 0)
		abort();
	if (r3 == 0 && b != 0 && b != 1)
		abort();
	free(s);
	return (0);
}
