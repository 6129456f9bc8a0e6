/*
 * conf.c: the faxhub.conf parser (see conf.h and faxhub.conf(5)).
 *
 * One table describes every key: its type, where it lives in struct config,
 * whether it is required, and its bounds.  The parser walks the lines,
 * looks each key up, converts and checks the value, and finally applies
 * the defaults that depend on other keys and the checks across keys.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "dial.h"
#include "log.h"
#include "record.h"
#include "util.h"
#include "xmalloc.h"

enum ctype {
	C_STR,		/* any non-empty string */
	C_PATH,		/* absolute path */
	C_ADDR,		/* mail address */
	C_FROM,		/* mail address, optionally "Name <address>" */
	C_DIGITS,	/* digits (min..max of them) */
	C_INT,
	C_DUR,
	C_SIZE,
	C_BOOL,
	C_TLS,
	C_FACILITY,
	C_LEVEL,
	C_AUTH,
	C_RES,
	C_PSIZE,
	C_FORMAT,
	C_DOMAINS,	/* list of domain names */
	C_PATTERNS	/* list of dial patterns */
};

#define REQ	0x1

struct ckey {
	const char	*name;
	enum ctype	 type;
	size_t		 off;
	size_t		 cnt;		/* lists: offset of the count */
	int		 flags;
	long long	 min, max;
};

#define O(f)	offsetof(struct config, f)
#define DAY	86400LL
static const struct ckey ckeys[] = {
	{ "instance", C_STR, O(instance), 0, 0, 0, 0 },
	{ "daemon.user", C_STR, O(daemon.user), 0, 0, 0, 0 },
	{ "daemon.pid_file", C_PATH, O(daemon.pid_file), 0, 0, 0, 0 },
	{ "daemon.converter_user", C_STR, O(daemon.converter_user), 0, 0, 0,
	    0 },
	{ "daemon.status_file", C_PATH, O(daemon.status_file), 0, 0, 0, 0 },
	{ "spool_dir", C_PATH, O(spool_dir), 0, 0, 0, 0 },
	{ "table_dir", C_PATH, O(table_dir), 0, 0, 0, 0 },
	{ "log.facility", C_FACILITY, O(log.facility), 0, 0, 0, 0 },
	{ "log.level", C_LEVEL, O(log.level), 0, 0, 0, 0 },
	{ "imap.host", C_STR, O(imap.host), 0, REQ, 0, 0 },
	{ "imap.port", C_INT, O(imap.port), 0, 0, 1, 65535 },
	{ "imap.tls", C_TLS, O(imap.tls), 0, 0, 0, 0 },
	{ "imap.allow_plaintext", C_BOOL, O(imap.allow_plaintext), 0, 0, 0,
	    0 },
	{ "imap.ca_file", C_PATH, O(imap.ca_file), 0, 0, 0, 0 },
	{ "imap.user", C_STR, O(imap.user), 0, REQ, 0, 0 },
	{ "imap.password_file", C_PATH, O(imap.password_file), 0, REQ, 0, 0 },
	{ "imap.mailbox", C_STR, O(imap.mailbox), 0, 0, 0, 0 },
	{ "imap.processing_folder", C_STR, O(imap.processing_folder), 0, 0,
	    0, 0 },
	{ "imap.done_folder", C_STR, O(imap.done_folder), 0, 0, 0, 0 },
	{ "imap.failed_folder", C_STR, O(imap.failed_folder), 0, 0, 0, 0 },
	{ "imap.poll_interval", C_DUR, O(imap.poll_interval), 0, 0, 1, DAY },
	{ "imap.idle", C_BOOL, O(imap.idle), 0, 0, 0, 0 },
	{ "imap.timeout", C_DUR, O(imap.timeout), 0, 0, 1, 3600 },
	{ "smtp.host", C_STR, O(smtp.host), 0, REQ, 0, 0 },
	{ "smtp.port", C_INT, O(smtp.port), 0, 0, 1, 65535 },
	{ "smtp.tls", C_TLS, O(smtp.tls), 0, 0, 0, 0 },
	{ "smtp.ca_file", C_PATH, O(smtp.ca_file), 0, 0, 0, 0 },
	{ "smtp.user", C_STR, O(smtp.user), 0, 0, 0, 0 },
	{ "smtp.password_file", C_PATH, O(smtp.password_file), 0, 0, 0, 0 },
	{ "smtp.sender", C_ADDR, O(smtp.sender), 0, REQ, 0, 0 },
	{ "smtp.from", C_FROM, O(smtp.from), 0, REQ, 0, 0 },
	{ "smtp.timeout", C_DUR, O(smtp.timeout), 0, 0, 1, 3600 },
	{ "smtp.retry_max", C_DUR, O(smtp.retry_max), 0, 0, 60, 30 * DAY },
	{ "postmaster", C_ADDR, O(postmaster), 0, REQ, 0, 0 },
	{ "fax.domains", C_DOMAINS, O(fax.domains), O(fax.ndomains), REQ,
	    0, 0 },
	{ "auth.modes", C_AUTH, O(auth.modes), 0, 0, 0, 0 },
	{ "auth.authserv_id", C_STR, O(auth.authserv_id), 0, 0, 0, 0 },
	{ "auth.silent_unknown", C_BOOL, O(auth.silent_unknown), 0, 0, 0, 0 },
	{ "auth.trust_from_header", C_BOOL, O(auth.trust_from_header), 0, 0,
	    0, 0 },
	{ "auth.register_address", C_ADDR, O(auth.register_address), 0, 0,
	    0, 0 },
	{ "auth.admin_password_file", C_PATH, O(auth.admin_password_file),
	    0, 0, 0, 0 },
	{ "dial.country_code", C_DIGITS, O(dial.country_code), 0, REQ, 1, 3 },
	{ "dial.area_code", C_DIGITS, O(dial.area_code), 0, 0, 1, 8 },
	{ "dial.international_prefix", C_DIGITS,
	    O(dial.international_prefix), 0, 0, 1, 6 },
	{ "dial.national_prefix", C_DIGITS, O(dial.national_prefix), 0, 0,
	    1, 4 },
	{ "dial.outside_prefix", C_DIGITS, O(dial.outside_prefix), 0, 0,
	    1, 4 },
	{ "dial.barred", C_PATTERNS, O(dial.barred), O(dial.nbarred), 0, 0,
	    0 },
	{ "page.resolution", C_RES, O(page.resolution), 0, 0, 0, 0 },
	{ "page.size", C_PSIZE, O(page.size), 0, 0, 0, 0 },
	{ "page.office_warm", C_DUR, O(page.office_warm), 0, 0, 0, DAY },
	{ "page.convert_timeout", C_DUR, O(page.convert_timeout), 0, 0, 1,
	    3600 },
	{ "cover.enabled", C_BOOL, O(cover.enabled), 0, 0, 0, 0 },
	{ "text.fax_body", C_BOOL, O(text.fax_body), 0, 0, 0, 0 },
	{ "dispatch.poll_interval", C_DUR, O(dispatch.poll_interval), 0, 0,
	    1, 3600 },
	{ "dispatch.max_tries", C_INT, O(dispatch.max_tries), 0, 0, 1, 100 },
	{ "dispatch.max_dials", C_INT, O(dispatch.max_dials), 0, 0, 1, 100 },
	{ "dispatch.retry_delay", C_DUR, O(dispatch.retry_delay), 0, 0, 1,
	    DAY },
	{ "dispatch.server_timeout", C_DUR, O(dispatch.server_timeout), 0, 0,
	    1, 3600 },
	{ "dispatch.server_retry", C_DUR, O(dispatch.server_retry), 0, 0, 1,
	    DAY },
	{ "dispatch.job_lifetime", C_DUR, O(dispatch.job_lifetime), 0, 0, 60,
	    30 * DAY },
	{ "inbound.poll_interval", C_DUR, O(inbound.poll_interval), 0, 0, 1,
	    3600 },
	{ "inbound.remove", C_BOOL, O(inbound.remove), 0, 0, 0, 0 },
	{ "inbound.default_format", C_FORMAT, O(inbound.default_format), 0,
	    0, 0, 0 },
	{ "retention.records", C_DUR, O(retention.records), 0, 0, 0,
	    20 * 365 * DAY },
	{ "retention.log", C_DUR, O(retention.log), 0, 0, 0, 20 * 365 * DAY },
	{ "retention.seen", C_DUR, O(retention.seen), 0, 0, 0,
	    20 * 365 * DAY },
	{ "retention.interval", C_DUR, O(retention.interval), 0, 0, 60, DAY },
	{ "limits.message_size", C_SIZE, O(limits.message_size), 0, 0, 1024,
	    1LL << 32 },
	{ "limits.mime_depth", C_INT, O(limits.mime_depth), 0, 0, 1, 100 },
	{ "limits.mime_parts", C_INT, O(limits.mime_parts), 0, 0, 1, 10000 },
	{ "limits.header_size", C_SIZE, O(limits.header_size), 0, 0, 1024,
	    16LL << 20 },
	{ "limits.attachment_size", C_SIZE, O(limits.attachment_size), 0, 0,
	    1024, 1LL << 32 },
	{ "limits.pages", C_INT, O(limits.pages), 0, 0, 1, 10000 },
	{ "limits.pixels", C_SIZE, O(limits.pixels), 0, 0, 1000,
	    1LL << 34 },
};
#undef O

static const struct ckey *ckey_find(const char *);
static int	 cfg_value(struct config *, const struct ckey *, char *,
		    char **);
static int	 cfg_list(const char *, char ***, size_t *, int, char **);
static int	 cfg_finish(struct config *, const char *, const int *,
		    char **);
static void	 cfg_setstr(char **, const char *);
static int	 cfg_domain_valid(const char *);

#define FIELD(cfg, k, type)	((type *)(void *)((char *)(cfg) + (k)->off))

static const struct ckey *
ckey_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(ckeys); i++)
		if (strcmp(ckeys[i].name, name) == 0)
			return &ckeys[i];
	return NULL;
}

static void
cfg_setstr(char **dst, const char *s)
{
	free(*dst);
	*dst = s == NULL ? NULL : xstrdup(s);
}

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg_setstr(&cfg->daemon.user, "faxhub");
	cfg_setstr(&cfg->daemon.converter_user, "faxhub-conv");
	cfg_setstr(&cfg->daemon.pid_file, "/run/faxhub/faxhubd.pid");
	cfg_setstr(&cfg->spool_dir, "/var/spool/faxhub");
	cfg_setstr(&cfg->table_dir, "/var/lib/faxhub");
	cfg->log.facility = LOG_MAIL;
	cfg->log.level = LOG_LEVEL_INFO;
	cfg->imap.port = -1;
	cfg->imap.tls = TLS_STARTTLS;
	cfg_setstr(&cfg->imap.mailbox, "INBOX");
	cfg_setstr(&cfg->imap.processing_folder, "faxhub.processing");
	cfg_setstr(&cfg->imap.done_folder, "faxhub.done");
	cfg_setstr(&cfg->imap.failed_folder, "faxhub.failed");
	cfg->imap.poll_interval = 60;
	cfg->imap.idle = 1;
	cfg->imap.timeout = 60;
	cfg->smtp.port = -1;
	cfg->smtp.tls = TLS_STARTTLS;
	cfg->smtp.timeout = 60;
	cfg->smtp.retry_max = 2 * 86400;
	cfg->auth.modes = AUTH_PASSWORD;	/* a stranger cannot forge */
	cfg->auth.silent_unknown = 1;		/* no backscatter */
	cfg_setstr(&cfg->dial.international_prefix, "00");
	cfg_setstr(&cfg->dial.national_prefix, "0");
	cfg->dial.barred = xcalloc(1, sizeof(char *));
	cfg->page.resolution = PAGE_FINE;
	cfg->page.size = PAGE_A4;
	cfg->page.office_warm = 300;
	cfg->page.convert_timeout = 120;
	cfg->dispatch.poll_interval = 5;
	cfg->dispatch.max_tries = 3;
	cfg->dispatch.max_dials = 3;
	cfg->dispatch.retry_delay = 300;
	cfg->dispatch.server_timeout = 30;
	cfg->dispatch.server_retry = 30;
	cfg->dispatch.job_lifetime = 3 * 3600;
	cfg->inbound.poll_interval = 10;
	cfg->inbound.remove = 1;
	cfg->inbound.default_format = FMT_PDF;
	cfg->retention.records = 30 * DAY;
	cfg->retention.log = (6 * 365 + 2) * DAY;	/* six years */
	cfg->retention.seen = 400 * DAY;
	cfg->retention.interval = 3600;
		cfg->limits.message_size = 30 << 20;
	cfg->limits.mime_depth = 10;
	cfg->limits.mime_parts = 100;
	cfg->limits.header_size = 64 << 10;
	cfg->limits.attachment_size = 20 << 20;
	cfg->limits.pages = 200;
	cfg->limits.pixels = 100000000;
}

void
config_free(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < nitems(ckeys); i++) {
		switch (ckeys[i].type) {
		case C_STR:
		case C_PATH:
		case C_ADDR:
		case C_FROM:
		case C_DIGITS:
			free(*FIELD(cfg, &ckeys[i], char *));
			break;
		case C_DOMAINS:
		case C_PATTERNS:
			strv_free(*FIELD(cfg, &ckeys[i], char **));
			break;
		default:
			break;
		}
	}
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

int
config_parse_duration(const char *s, int *out)
{
	char		*end;
	long long	 v, mul = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v > INT_MAX)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's':
			mul = 1;
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		default:
			return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (v > INT_MAX / mul)
		return -1;
	*out = (int)(v * mul);
	return 0;
}

int
config_parse_size(const char *s, size_t *out)
{
	char			*end;
	unsigned long long	 v, mul = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			mul = 1ULL << 10;
			break;
		case 'M':
			mul = 1ULL << 20;
			break;
		case 'G':
			mul = 1ULL << 30;
			break;
		default:
			return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (v > (unsigned long long)SIZE_MAX / mul)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

int
config_parse_bool(const char *s, int *out)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcasecmp(s, "on") == 0)
		*out = 1;
	else if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcasecmp(s, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

const char *
config_tls_name(enum tls_mode m)
{
	switch (m) {
	case TLS_NONE:
		return "none";
	case TLS_TLS:
		return "tls";
	default:
		return "starttls";
	}
}

static int
cfg_domain_valid(const char *d)
{
	const char	*p;
	size_t		 len = strlen(d);

	if (len == 0 || len > 253 || d[0] == '.' || d[0] == '-' ||
	    d[len - 1] == '.' || strstr(d, "..") != NULL)
		return 0;
	for (p = d; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			return 0;
	return 1;
}

/* Splits a comma list into a NULL-terminated array of trimmed items. */
static int
cfg_list(const char *s, char ***out, size_t *n, int lower, char **cause)
{
	char	*copy, *p, *item, **v = NULL;
	size_t	 cnt = 0;

	copy = xstrdup(s);
	p = copy;
	while ((item = strsep(&p, ",")) != NULL) {
		item = str_trim(item);
		if (*item == '\0') {
			xasprintf(cause, "empty list item in \"%s\"", s);
			goto fail;
		}
		if (cnt == CONFIG_MAX_LIST) {
			xasprintf(cause, "more than %d items",
			    CONFIG_MAX_LIST);
			goto fail;
		}
		v = xreallocarray(v, cnt + 2, sizeof(*v));
		v[cnt] = xstrdup(item);
		if (lower)
			str_lower(v[cnt]);
		v[++cnt] = NULL;
	}
	free(copy);
	*out = v;
	*n = cnt;
	return 0;
fail:
	if (v != NULL)
		v[cnt] = NULL;
	strv_free(v);
	free(copy);
	return -1;
}

/* Converts and stores one value; *cause gets "bad value ..." text. */
static int
cfg_value(struct config *cfg, const struct ckey *k, char *v, char **cause)
{
	char		**list = NULL, *why = NULL;
	long long	  ll;
	size_t		  n, i, sz;
	int		  iv;
	unsigned	  modes;
	char		 *end, *copy, *p, *item;

	switch (k->type) {
	case C_STR:
		if (*v == '\0')
			goto bad_empty;
		cfg_setstr(FIELD(cfg, k, char *), v);
		return 0;
	case C_PATH:
		if (*v != '/') {
			xasprintf(cause, "%s: bad value \"%s\": want an "
			    "absolute path", k->name, v);
			return -1;
		}
		cfg_setstr(FIELD(cfg, k, char *), v);
		return 0;
	case C_FROM:
		if ((p = strchr(v, '<')) != NULL) {
			copy = xstrdup(p + 1);
			n = strlen(copy);
			iv = n > 0 && copy[n - 1] == '>';
			if (iv)
				copy[n - 1] = '\0';
			for (end = v; iv && end < p; end++)
				if ((unsigned char)*end < 0x20)
					iv = 0;
			if (iv)
				iv = user_id_valid(copy, &why) == 0;
			free(why);
			free(copy);
			if (!iv) {
				xasprintf(cause, "%s: bad value \"%s\": want "
				    "fax@example.com or \"Name <fax@example.com>"
				    "\"", k->name, v);
				return -1;
			}
			cfg_setstr(FIELD(cfg, k, char *), v);
			return 0;
		}
		/* FALLTHROUGH */
	case C_ADDR:
		if (user_id_valid(v, &why) == -1) {
			free(why);
			xasprintf(cause, "%s: bad value \"%s\": want a mail "
			    "address like fax@example.com", k->name, v);
			return -1;
		}
		cfg_setstr(FIELD(cfg, k, char *), v);
		return 0;
	case C_DIGITS:
		n = strlen(v);
		for (i = 0; i < n; i++)
			if (!isdigit((unsigned char)v[i]))
				break;
		if (i < n || n < (size_t)k->min || n > (size_t)k->max) {
			xasprintf(cause, "%s: bad value \"%s\": want %lld to "
			    "%lld digits", k->name, v, k->min, k->max);
			return -1;
		}
		cfg_setstr(FIELD(cfg, k, char *), v);
		return 0;
	case C_INT:
		errno = 0;
		ll = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || ll < k->min ||
		    ll > k->max) {
			xasprintf(cause, "%s: bad value \"%s\": want a number "
			    "from %lld to %lld", k->name, v, k->min, k->max);
			return -1;
		}
		*FIELD(cfg, k, int) = (int)ll;
		return 0;
	case C_DUR:
		if (config_parse_duration(v, &iv) == -1 || iv < k->min ||
		    iv > k->max) {
			xasprintf(cause, "%s: bad value \"%s\": want a duration "
			    "from %llds to %llds (like 30, 30s, 5m, 1h, 2d)",
			    k->name, v, k->min, k->max);
			return -1;
		}
		*FIELD(cfg, k, int) = iv;
		return 0;
	case C_SIZE:
		if (config_parse_size(v, &sz) == -1 ||
		    sz < (unsigned long long)k->min ||
		    sz > (unsigned long long)k->max) {
			xasprintf(cause, "%s: bad value \"%s\": want a size "
			    "from %lld to %lld bytes (like 512K, 10M)", k->name,
			    v, k->min, k->max);
			return -1;
		}
		*FIELD(cfg, k, size_t) = sz;
		return 0;
	case C_BOOL:
		if (config_parse_bool(v, &iv) == -1) {
			xasprintf(cause, "%s: bad value \"%s\": want yes or no",
			    k->name, v);
			return -1;
		}
		*FIELD(cfg, k, int) = iv;
		return 0;
	case C_TLS:
		if (strcasecmp(v, "none") == 0)
			*FIELD(cfg, k, enum tls_mode) = TLS_NONE;
		else if (strcasecmp(v, "starttls") == 0)
			*FIELD(cfg, k, enum tls_mode) = TLS_STARTTLS;
		else if (strcasecmp(v, "tls") == 0)
			*FIELD(cfg, k, enum tls_mode) = TLS_TLS;
		else {
			xasprintf(cause, "%s: bad value \"%s\": want none, "
			    "starttls or tls", k->name, v);
			return -1;
		}
		return 0;
	case C_FACILITY:
		if ((iv = log_facility_from_name(v)) == -1) {
			xasprintf(cause, "%s: bad value \"%s\": want daemon, "
			    "mail, user or local0 to local7", k->name, v);
			return -1;
		}
		*FIELD(cfg, k, int) = iv;
		return 0;
	case C_LEVEL:
		if ((iv = log_level_from_name(v)) == -1) {
			xasprintf(cause, "%s: bad value \"%s\": want err, "
			    "warning, notice, info or debug", k->name, v);
			return -1;
		}
		*FIELD(cfg, k, int) = iv;
		return 0;
	case C_AUTH:
		modes = 0;
		copy = xstrdup(v);
		p = copy;
		while ((item = strsep(&p, ",")) != NULL) {
			item = str_trim(item);
			if (strcasecmp(item, "address") == 0)
				modes |= AUTH_ADDRESS;
			else if (strcasecmp(item, "password") == 0)
				modes |= AUTH_PASSWORD;
			else if (strcasecmp(item, "authres") == 0)
				modes |= AUTH_AUTHRES;
			else {
				xasprintf(cause, "%s: bad value \"%s\": want "
				    "a list of address, password, authres",
				    k->name, item);
				free(copy);
				return -1;
			}
		}
		free(copy);
		*FIELD(cfg, k, unsigned) = modes;
		return 0;
	case C_RES:
		if (strcasecmp(v, "fine") == 0)
			*FIELD(cfg, k, enum page_resolution) = PAGE_FINE;
		else if (strcasecmp(v, "normal") == 0)
			*FIELD(cfg, k, enum page_resolution) = PAGE_NORMAL;
		else {
			xasprintf(cause, "%s: bad value \"%s\": want fine or "
			    "normal", k->name, v);
			return -1;
		}
		return 0;
	case C_PSIZE:
		if (strcasecmp(v, "a4") == 0)
			*FIELD(cfg, k, enum page_size) = PAGE_A4;
		else if (strcasecmp(v, "letter") == 0)
			*FIELD(cfg, k, enum page_size) = PAGE_LETTER;
		else {
			xasprintf(cause, "%s: bad value \"%s\": want a4 or "
			    "letter", k->name, v);
			return -1;
		}
		return 0;
	case C_FORMAT:
		if (inbound_format_parse(v, FIELD(cfg, k,
		    enum inbound_format)) == -1) {
			xasprintf(cause, "%s: bad value \"%s\": want pdf, tiff "
			    "or both", k->name, v);
			return -1;
		}
		return 0;
	case C_DOMAINS:
	case C_PATTERNS:
		if (*v == '\0' && k->type == C_PATTERNS) {
			list = xcalloc(1, sizeof(*list));
			n = 0;
		} else if (cfg_list(v, &list, &n, k->type == C_DOMAINS,
		    &why) == -1) {
			xasprintf(cause, "%s: bad value: %s", k->name, why);
			free(why);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (k->type == C_DOMAINS ? cfg_domain_valid(list[i]) :
			    dial_pattern_valid(list[i]))
				continue;
			xasprintf(cause, "%s: bad value \"%s\": want %s",
			    k->name, list[i], k->type == C_DOMAINS ?
			    "a domain name like fax.example.com" :
			    "digits with an optional leading '+' and trailing"
			    " '*', like +1900*");
			strv_free(list);
			return -1;
		}
		strv_free(*FIELD(cfg, k, char **));
		*FIELD(cfg, k, char **) = list;
		*(size_t *)(void *)((char *)cfg + k->cnt) = n;
		return 0;
	}
	fatalx("cfg_value: bad type");
bad_empty:
	xasprintf(cause, "%s: empty value", k->name);
	return -1;
}

/* The line a key was set on (0 when it was not). */
static int
cfg_line(const int *lines, const char *key)
{
	return lines[ckey_find(key) - ckeys];
}

/*
 * Settings that parse but can never work with the peers: refused here so
 * that check-config and start-up say so, not every mail later.
 */
static int
cfg_reachable(const struct config *cfg, const char *name, const int *lines,
    char **cause)
{
	if (cfg->smtp.tls == TLS_TLS) {
		xasprintf(cause, "%s:%d: smtp.tls = tls: implicit TLS (smtps, "
		    "port 465) is not supported by libesmtp 1.1; write "
		    "smtp.tls = starttls (with smtp.port = 587 for the "
		    "submission port)", name, cfg_line(lines, "smtp.tls"));
		return -1;
	}
	if (strcmp(cfg->daemon.converter_user, "root") == 0 ||
	    (cfg->daemon.user != NULL &&
	    strcmp(cfg->daemon.converter_user, cfg->daemon.user) == 0)) {
		xasprintf(cause, "%s:%d: daemon.converter_user = %s would let "
		    "a converter read the tables and password files; write "
		    "daemon.converter_user = faxhub-conv (a user of its own)",
		    name, cfg_line(lines, "daemon.converter_user"),
		    cfg->daemon.converter_user);
		return -1;
	}
	if (cfg->imap.tls == TLS_NONE && !cfg->imap.allow_plaintext &&
	    !host_is_loopback(cfg->imap.host)) {
		xasprintf(cause, "%s:%d: imap.tls = none would send the IMAP "
		    "password in clear to %s; write imap.tls = starttls (or "
		    "tls), or imap.allow_plaintext = yes when the path is "
		    "protected otherwise", name, cfg_line(lines, "imap.tls"),
		    cfg->imap.host);
		return -1;
	}
	if (cfg->smtp.tls == TLS_NONE && cfg->smtp.user != NULL &&
	    !host_is_loopback(cfg->smtp.host)) {
		xasprintf(cause, "%s:%d: smtp.tls = none would send the SMTP "
		    "password in clear to %s; write smtp.tls = starttls",
		    name, cfg_line(lines, "smtp.tls"), cfg->smtp.host);
		return -1;
	}
	return 0;
}

/*
 * Bytes a mail needs to carry an attachment of n bytes: base64 in lines
 * of 76 characters plus CRLF, and a header section of the header limit.
 */
static unsigned long long
cfg_mail_bytes(const struct config *cfg, unsigned long long n)
{
	unsigned long long	b64 = (n + 2) / 3 * 4;

	return b64 + (b64 + 75) / 76 * 2 + cfg->limits.header_size;
}

/* The largest attachment whose mail fits in limits.message_size. */
static unsigned long long
cfg_attachment_max(const struct config *cfg)
{
	unsigned long long	lo = 0, hi = cfg->limits.message_size, mid;

	if (cfg_mail_bytes(cfg, 0) > cfg->limits.message_size)
		return 0;
	while (lo < hi) {
		mid = hi - (hi - lo) / 2;
		if (cfg_mail_bytes(cfg, mid) <= cfg->limits.message_size)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * limits.attachment_size must fit, base64 and headers counted, in a mail
 * of limits.message_size.  Unset, it is the largest that fits, at most
 * 20M; set to more than fits, the configuration is refused.
 */
static int
cfg_limits(struct config *cfg, const char *name, const int *lines,
    char **cause)
{
	unsigned long long	max = cfg_attachment_max(cfg);
	int			line = cfg_line(lines, "limits.attachment_size");

	if (max == 0) {
		xasprintf(cause, "%s:%d: limits.header_size (%zu) leaves no "
		    "room in limits.message_size (%zu)", name,
		    cfg_line(lines, "limits.message_size"),
		    cfg->limits.header_size, cfg->limits.message_size);
		return -1;
	}
	if (line == 0) {
		if (cfg->limits.attachment_size > max)
			cfg->limits.attachment_size = (size_t)max;
		return 0;
	}
	if (cfg->limits.attachment_size <= max)
		return 0;
	xasprintf(cause, "%s:%d: limits.attachment_size = %zu cannot arrive "
	    "in a mail of limits.message_size = %zu once base64 and headers "
	    "are counted (it needs %llu); write limits.attachment_size = %llu "
	    "or less, or limits.message_size = %llu or more", name, line,
	    cfg->limits.attachment_size, cfg->limits.message_size,
	    cfg_mail_bytes(cfg, cfg->limits.attachment_size), max,
	    cfg_mail_bytes(cfg, cfg->limits.attachment_size));
	return -1;
}

/* Dependent defaults and checks across keys. */
static int
cfg_finish(struct config *cfg, const char *name, const int *lines,
    char **cause)
{
	const struct ckey	*k;
	char			 host[256];
	size_t			 i;

	for (i = 0; i < nitems(ckeys); i++) {
		if ((ckeys[i].flags & REQ) && lines[i] == 0) {
			xasprintf(cause, "%s: missing required key %s", name,
			    ckeys[i].name);
			return -1;
		}
	}
	if (cfg->imap.port == -1)
		cfg->imap.port = cfg->imap.tls == TLS_TLS ? 993 : 143;
	if (cfg->smtp.port == -1)
		cfg->smtp.port = cfg->smtp.tls == TLS_TLS ? 465 : 25;
	if (cfg->daemon.status_file == NULL)
		cfg->daemon.status_file = xprintf("%s/status", cfg->spool_dir);
	if (cfg->instance == NULL) {
		if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
			strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		cfg->instance = xstrdup(host);
	}
	k = ckey_find("auth.modes");
	if ((cfg->auth.modes & AUTH_AUTHRES) && cfg->auth.authserv_id == NULL) {
		xasprintf(cause, "%s:%d: auth.authserv_id is required when "
		    "auth.modes has authres", name, lines[k - ckeys]);
		return -1;
	}
	if (cfg->auth.modes == 0) {
		xasprintf(cause, "%s:%d: auth.modes: empty", name,
		    lines[k - ckeys]);
		return -1;
	}
	/* From: is written by whoever sends the mail. */
	if (cfg->auth.modes == AUTH_ADDRESS && !cfg->auth.trust_from_header) {
		xasprintf(cause, "%s:%d: auth.modes = address alone lets "
		    "anyone who writes a user's address in From: send faxes; "
		    "add password or authres, or set auth.trust_from_header "
		    "= yes to accept that", name, lines[k - ckeys]);
		return -1;
	}
	if (cfg_reachable(cfg, name, lines, cause) == -1 ||
	    cfg_limits(cfg, name, lines, cause) == -1)
		return -1;
	k = ckey_find("smtp.user");
	if ((cfg->smtp.user == NULL) != (cfg->smtp.password_file == NULL)) {
		if (cfg->smtp.user == NULL)
			k = ckey_find("smtp.password_file");
		xasprintf(cause, "%s:%d: smtp.user and smtp.password_file go "
		    "together: set both or neither", name, lines[k - ckeys]);
		return -1;
	}
	return 0;
}

int
config_parse(const char *name, const char *data, size_t len,
    struct config *cfg, char **cause)
{
	const struct ckey	*k;
	const char		*p, *end, *eol;
	char			*line = NULL, *s, *eq, *key, *val, *why = NULL;
	int			 lines[nitems(ckeys)];
	int			 lineno = 0;

	config_defaults(cfg);
	cfg->path = xstrdup(name);
	memset(lines, 0, sizeof(lines));
	if (memchr(data, '\0', len) != NULL) {
		xasprintf(cause, "%s: contains a NUL byte", name);
		goto fail;
	}
	p = data;
	end = data + len;
	while (p < end) {
		lineno++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (eol - p > CONFIG_MAX_LINE) {
			xasprintf(cause, "%s:%d: line longer than %d bytes",
			    name, lineno, CONFIG_MAX_LINE);
			goto fail;
		}
		free(line);
		line = xstrndup(p, (size_t)(eol - p));
		p = eol + 1;
		/* A '#' at the start or after blank space begins a comment. */
		for (s = line; *s != '\0'; s++) {
			if (*s == '#' && (s == line ||
			    isspace((unsigned char)s[-1]))) {
				*s = '\0';
				break;
			}
		}
		s = str_trim(line);
		if (*s == '\0')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			xasprintf(cause, "%s:%d: syntax error: want "
			    "\"key = value\", got \"%.80s\"", name, lineno, s);
			goto fail;
		}
		*eq = '\0';
		key = str_trim(s);
		val = str_trim(eq + 1);
		if ((k = ckey_find(key)) == NULL) {
			xasprintf(cause, "%s:%d: unknown key \"%.80s\"", name,
			    lineno, key);
			goto fail;
		}
		if (lines[k - ckeys] != 0) {
			xasprintf(cause, "%s:%d: duplicate key %s (first set "
			    "on line %d)", name, lineno, key, lines[k - ckeys]);
			goto fail;
		}
		lines[k - ckeys] = lineno;
		if (cfg_value(cfg, k, val, &why) == -1) {
			xasprintf(cause, "%s:%d: %s", name, lineno, why);
			free(why);
			goto fail;
		}
	}
	free(line);
	line = NULL;
	if (cfg_finish(cfg, name, lines, cause) == -1)
		goto fail;
	return 0;
fail:
	free(line);
	config_free(cfg);
	return -1;
}

int
config_load(const char *path, struct config *cfg, char **cause)
{
	char	*data;
	size_t	 len;
	int	 rc;

	memset(cfg, 0, sizeof(*cfg));
	if (file_read(path, CONFIG_MAX_FILE, &data, &len, cause) == -1)
		return -1;
	rc = config_parse(path, data, len, cfg, cause);
	free(data);
	return rc;
}

int
config_read_secret(const char *path, char **secret, char **cause)
{
	struct stat	 sb;
	char		 buf[CONFIG_MAX_SECRET + 2];
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		goto fail;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		xasprintf(cause, "%s: readable by group or others (mode "
		    "%04o); chmod 600 %s", path, (unsigned)(sb.st_mode & 07777),
		    path);
		goto fail;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) > CONFIG_MAX_SECRET) {
		xasprintf(cause, "%s: first line longer than %d bytes", path,
		    CONFIG_MAX_SECRET);
		goto fail;
	}
	if (buf[0] == '\0') {
		xasprintf(cause, "%s: empty (want the secret on the first "
		    "line)", path);
		goto fail;
	}
	*secret = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return 0;
fail:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return -1;
}

int
config_check_files(const struct config *cfg, char **cause)
{
	const char	*files[3];
	char		*secret, *why = NULL;
	size_t		 i;

	files[0] = cfg->imap.password_file;
	files[1] = cfg->smtp.password_file;
	files[2] = cfg->auth.admin_password_file;
	for (i = 0; i < nitems(files); i++) {
		if (files[i] == NULL)
			continue;
		if (config_read_secret(files[i], &secret, &why) == -1) {
			xasprintf(cause, "%s: %s", cfg->path, why);
			free(why);
			return -1;
		}
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	return 0;
}
