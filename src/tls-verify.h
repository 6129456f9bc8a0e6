/*
 * tls-verify.h: X.509 verification of a TLS peer's certificate chain and
 * host name (GnuTLS), for libraries that hand out the chain but do not
 * check it themselves (Debian's libetpan).
 *
 * Thread-safe: no state is kept between calls.
 */
#ifndef FAXHUB_TLS_VERIFY_H
#define FAXHUB_TLS_VERIFY_H

#include <stddef.h>

/* One DER-encoded certificate; the caller owns the bytes. */
struct tls_cert {
	const unsigned char	*der;
	size_t			 len;
};

/*
 * Verifies chain[0] (the peer's certificate, then its intermediates as the
 * peer sent them) against the CA certificates in the PEM file ca_file, or
 * against the system trust store when ca_file is NULL, and checks that
 * chain[0] is valid for host (DNS name or IP address literal).  Expiry and
 * the TLS server key purpose are checked too.
 *
 * Returns 0 when the peer is trusted.  Otherwise returns -1 and sets *cause
 * (allocated, caller frees) to a short reason, for example
 * "certificate verify failed: signer not found" or
 * "certificate name mismatch: not valid for 127.0.0.2".
 */
int	tls_verify_chain(const struct tls_cert *chain, size_t n,
	    const char *ca_file, const char *host, char **cause);

#endif
