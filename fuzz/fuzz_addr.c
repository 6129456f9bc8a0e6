/* fuzz_addr: libFuzzer harness for addr_parse() and addr_split(). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dial_rules	 jp = {
		"81", "75", "010", "0", "0"
	};
	static const struct dial_rules	 us = {
		"1", NULL, "011", "1", NULL
	};
	struct faxaddr			 fa;
	char				*s, *cause = NULL, *l, *d;

	if (size > 4096)
		return (0);
	s = xstrndup((const char *)data, size);
	if (addr_parse(s, &jp, &fa, &cause) == 0) {
		if (fa.e164 == NULL || fa.dial == NULL || fa.e164[0] != '+' ||
		    strlen(fa.e164) > ADDR_MAX_DIGITS + 1)
			abort();
		faxaddr_free(&fa);
	} else if (cause == NULL)
		abort();
	free(cause);
	cause = NULL;
	if (addr_parse(s, &us, &fa, &cause) == 0)
		faxaddr_free(&fa);
	free(cause);
	if (addr_split(s, &l, &d) == 0) {
		free(l);
		free(d);
	}
	free(s);
	return (0);
}
