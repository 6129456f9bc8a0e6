/*
 * hub-mail.h: the mails faxhubd writes, built from its spool records by
 * report.c.  Each returns an allocated CRLF message (caller frees).
 */
#ifndef FAXHUB_HUB_MAIL_H
#define FAXHUB_HUB_MAIL_H

#include <stddef.h>

#include "hub.h"
#include "mail-parse.h"
#include "report.h"

char	*hubmail_refusal(struct hub *, const struct msg *, enum refusal,
	    const char *value, const char *detail, size_t *len);
char	*hubmail_registered(struct hub *, const struct msg *,
	    const char *user, size_t *len);
char	*hubmail_report(struct hub *, const struct bcast *,
	    const struct job *, size_t n, size_t *len);
/* A received fax for one recipient; NULL with *cause on failure. */
struct kv;
char	*hubmail_inbound(struct hub *, const struct kv *meta,
	    const char *tif, const char *to, int format, size_t *len,
	    char **cause);

#endif
