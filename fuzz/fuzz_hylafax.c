/*
 * fuzz_hylafax: libFuzzer harness for the HylaFAX reply parser and the
 * listing/single-reply parsers (fax-hylafax-proto.c).  The input is fed
 * to the reply parser in pieces whose sizes come from the first byte, and
 * every line of it goes through the JOBFMT/MDMFMT/RCVFMT parsers.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fax-hylafax.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
line_cb(const char *line, void *arg, char **cause)
{
	struct fax_job		 j;
	struct fax_modem	*m;
	struct fax_recv		*rv;
	char			*c = NULL, *s = NULL;
	int			 port;
	long			 b;

	(void)arg;
	(void)cause;
	if (hfx_parse_job_line(line, &j, &c) == 0)
		fax_job_free(&j);
	free(c);
	c = NULL;
	m = calloc(1, sizeof(*m));
	if (m != NULL && hfx_parse_modem_line(line, m, &c) == 0)
		fax_modems_free(m, 1);
	else
		free(m);
	free(c);
	c = NULL;
	rv = calloc(1, sizeof(*rv));
	if (rv != NULL && hfx_parse_recv_line(line, rv, &c) == 0)
		fax_recvq_free(rv, 1);
	else
		free(rv);
	free(c);
	c = NULL;
	{
		enum fax_errclass	cls;
		enum fax_cause		cause;
		(void)hfx_classify(line, &cls, &cause);
	}
	if (hfx_parse_pasv(line, &port, &c) == 0 && (port < 1 || port > 65535))
		abort();
	free(c);
	c = NULL;
	if (hfx_parse_jnew(line, &s, &c) == 0)
		free(s);
	free(c);
	c = NULL;
	if (hfx_parse_stot(line, &s, &c) == 0)
		free(s);
	free(c);
	b = hfx_parse_bytes(line);
	(void)b;
	(void)hfx_is_scheduler_line(line);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hfx_rparser	 rp;
	struct hfx_reply	 r;
	const char		*p;
	char			*cause = NULL;
	size_t			 step, off, used, n;
	int			 st;

	if (size < 1)
		return (0);
	step = data[0] == 0 ? size : data[0];
	p = (const char *)data + 1;
	size--;
	hfx_rp_init(&rp);
	for (off = 0; off < size;) {
		n = size - off < step ? size - off : step;
		st = hfx_rp_feed(&rp, p + off, n, &used, &cause);
		if (used > n)
			abort();
		off += used;
		if (st == -1) {
			free(cause);
			cause = NULL;
			hfx_rp_free(&rp);
			break;
		}
		if (st == 1) {
			hfx_rp_take(&rp, &r);
			if (r.code < 100 || r.code > 599 || r.text == NULL ||
			    strlen(r.text) > HFX_REPLY_MAX)
				abort();
			hfx_reply_free(&r);
		}
	}
	hfx_rp_free(&rp);
	(void)hfx_list_lines(p, size, line_cb, NULL, &cause);
	free(cause);
	return (0);
}
