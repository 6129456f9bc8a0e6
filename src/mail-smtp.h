/*
 * mail-smtp.h: hands one finished message to the site's MTA over SMTP
 * (libesmtp), with STARTTLS and AUTH as configured.  The one place where
 * libesmtp's and OpenSSL's codes become faxhub's outcomes and messages.
 *
 * Outcomes are classes, so that retry policy never matches strings:
 *   SMTP_SENT      accepted by the MTA;
 *   SMTP_TEMPFAIL  try again later: connection refused or lost, timeout,
 *                  TLS or AUTH failure (a configuration problem, the mail
 *                  must not be dropped), 4xx replies;
 *   SMTP_PERMFAIL  5xx: the MTA will never take it for this recipient.
 *
 * Thread-safe: every call has its own libesmtp session and its own
 * SSL_CTX.  The caller must ignore SIGPIPE (faxhubd does): a server that
 * closes the connection must not kill the process.  Every wait for the
 * server is bounded by params->timeout; connect() itself uses the
 * kernel's timeout (immediate for a refused port).
 */
#ifndef FAXHUB_MAIL_SMTP_H
#define FAXHUB_MAIL_SMTP_H

#include <stddef.h>

#define SMTP_MAX_RCPTS		1000
#define SMTP_MAX_MESSAGE	(128 * 1024 * 1024)
#define SMTP_MAX_TEXT		512	/* bytes kept of one server reply */

enum smtp_tls {
	SMTP_TLS_NONE,		/* plain SMTP */
	SMTP_TLS_STARTTLS,	/* STARTTLS required, certificate verified */
	SMTP_TLS_TLS		/* implicit TLS (465): not supported by
				   libesmtp 1.1; refused by smtp_params_check */
};

/* Borrowed strings; user NULL = no AUTH. */
struct smtp_params {
	const char	*host;
	int		 port;		/* 0 = 25 */
	enum smtp_tls	 tls;
	const char	*ca_file;	/* PEM; NULL = system CA store */
	const char	*user;
	const char	*password;
	int		 timeout;	/* seconds per wait; <= 0 = 60 */
};

enum smtp_outcome {
	SMTP_SENT,
	SMTP_TEMPFAIL,		/* connect/4xx/TLS/AUTH: retry later */
	SMTP_PERMFAIL		/* 5xx: will never be accepted */
};

/* The fate of one recipient (same order as the rcpts passed). */
struct smtp_rcpt_result {
	char			*rcpt;		/* copy of the address */
	enum smtp_outcome	 outcome;
	int			 code;		/* server reply code or 0 */
	char			*text;		/* reply or our reason */
};

/*
 * outcome: SMTP_SENT when every recipient was accepted; SMTP_TEMPFAIL
 * when at least one must be retried; else SMTP_PERMFAIL.  On a partial
 * accept, rcpt[i].outcome says which recipients are done (SENT) so that
 * the caller retries only those with SMTP_TEMPFAIL and gives up on those
 * with SMTP_PERMFAIL.  code/text: the reply that decided the outcome
 * (for SENT, the reply to the end of DATA), text prefixed with
 * "host:port: ".  All strings are allocated; free with smtp_result_free.
 */
struct smtp_result {
	enum smtp_outcome	 outcome;
	int			 code;
	char			*text;
	struct smtp_rcpt_result	*rcpt;
	size_t			 nrcpt;
	size_t			 naccepted;	/* rcpts with SMTP_SENT */
};

/*
 * Checks params for start-up: host set, port in range, TLS mode
 * supported, CA file readable, user and password both or neither, no
 * password over a plain connection except to a loopback address.
 * Returns 0, or -1 with *cause (caller frees).
 */
int	smtp_params_check(const struct smtp_params *, char **cause);

/*
 * Sends message (len bytes, CRLF lines, NUL-terminated or not; borrowed)
 * from envelope_from ("" for the null sender <>) to rcpts.  Fills *res
 * (caller frees with smtp_result_free, also on failure).  Returns 0 when
 * res->outcome is SMTP_SENT, else -1.
 */
int	smtp_send(const struct smtp_params *, const char *envelope_from,
	    const char *const *rcpts, size_t nrcpt, const char *message,
	    size_t len, struct smtp_result *res);
void	smtp_result_free(struct smtp_result *);
const char *smtp_outcome_name(enum smtp_outcome);	/* "sent", ... */

#endif
