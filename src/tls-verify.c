/*
 * tls-verify.c: check a TLS peer's certificate chain and host name against
 * a CA file with GnuTLS's X.509 trust lists.
 */
#include "config.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls-verify.h"
#include "util.h"
#include "xmalloc.h"

/* A peer sending more certificates than this is refused outright. */
#define TLS_VERIFY_MAX_CHAIN	16

static const char	*tls_verify_reason(unsigned int);

static const struct {
	unsigned int	 bit;
	const char	*reason;
} tls_verify_reasons[] = {
	{ GNUTLS_CERT_REVOKED, "certificate revoked" },
	{ GNUTLS_CERT_SIGNER_NOT_FOUND, "signer not found" },
	{ GNUTLS_CERT_SIGNER_NOT_CA, "signer is not a CA" },
	{ GNUTLS_CERT_INSECURE_ALGORITHM, "insecure algorithm" },
	{ GNUTLS_CERT_NOT_ACTIVATED, "certificate not yet valid" },
	{ GNUTLS_CERT_EXPIRED, "certificate expired" },
	{ GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature" },
	{ GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer constraints" },
	{ GNUTLS_CERT_PURPOSE_MISMATCH, "not a TLS server certificate" },
	{ GNUTLS_CERT_UNEXPECTED_OWNER, "unexpected owner" },
};

static const char *
tls_verify_reason(unsigned int status)
{
	size_t	i;

	for (i = 0; i < nitems(tls_verify_reasons); i++) {
		if (status & tls_verify_reasons[i].bit)
			return tls_verify_reasons[i].reason;
	}
	return NULL;
}

int
tls_verify_chain(const struct tls_cert *chain, size_t n, const char *ca_file,
    const char *host, char **cause)
{
	gnutls_x509_trust_list_t	 tl = NULL;
	gnutls_x509_crt_t		 crts[TLS_VERIFY_MAX_CHAIN];
	gnutls_datum_t			 d;
	gnutls_typed_vdata_st		 vdata[1];
	const char			*why;
	unsigned int			 status, ncrt = 0, i;
	int				 r, rv = -1;

	if (n == 0) {
		*cause = xstrdup("certificate verify failed: "
		    "peer sent no certificate");
		return -1;
	}
	if (n > TLS_VERIFY_MAX_CHAIN) {
		*cause = xprintf("certificate verify failed: chain of %zu "
		    "certificates (at most %d)", n, TLS_VERIFY_MAX_CHAIN);
		return -1;
	}
	if (host == NULL || *host == '\0') {
		*cause = xstrdup("certificate verify failed: no host name "
		    "to check");
		return -1;
	}

	for (i = 0; i < n; i++) {
		if (chain[i].len == 0 || chain[i].len > UINT_MAX) {
			*cause = xprintf("certificate verify failed: "
			    "certificate %u has bad length %zu", i,
			    chain[i].len);
			goto fail;
		}
		if ((r = gnutls_x509_crt_init(&crts[i])) < 0) {
			*cause = xprintf("certificate verify failed: %s",
			    gnutls_strerror(r));
			goto fail;
		}
		ncrt++;
		d.data = (unsigned char *)(uintptr_t)chain[i].der;
		d.size = (unsigned int)chain[i].len;
		r = gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER);
		if (r < 0) {
			*cause = xprintf("certificate verify failed: "
			    "certificate %u: %s", i, gnutls_strerror(r));
			goto fail;
		}
	}

	if ((r = gnutls_x509_trust_list_init(&tl, 0)) < 0) {
		tl = NULL;
		*cause = xprintf("certificate verify failed: %s",
		    gnutls_strerror(r));
		goto fail;
	}
	if (ca_file != NULL) {
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
		if (r < 0) {
			*cause = xprintf("CA file %s: %s", ca_file,
			    gnutls_strerror(r));
			goto fail;
		}
		if (r == 0) {
			*cause = xprintf("CA file %s: no certificates",
			    ca_file);
			goto fail;
		}
	} else {
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
		if (r <= 0) {
			*cause = xprintf("system trust store: %s",
			    r < 0 ? gnutls_strerror(r) : "no certificates");
			goto fail;
		}
	}

	memset(vdata, 0, sizeof(vdata));
	vdata[0].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vdata[0].data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, ncrt, vdata, 1, 0,
	    &status, NULL);
	if (r < 0) {
		*cause = xprintf("certificate verify failed: %s",
		    gnutls_strerror(r));
		goto fail;
	}
	if (status != 0) {
		if ((why = tls_verify_reason(status)) != NULL)
			*cause = xprintf("certificate verify failed: %s", why);
		else
			*cause = xprintf("certificate verify failed: "
			    "status 0x%x", status);
		goto fail;
	}

	if (!gnutls_x509_crt_check_hostname2(crts[0], host, 0)) {
		*cause = xprintf("certificate name mismatch: not valid for %s",
		    host);
		goto fail;
	}
	rv = 0;

fail:
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return rv;
}
