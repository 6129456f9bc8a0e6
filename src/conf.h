/*
 * conf.h: faxhub.conf, parsed into one struct config per process.  Only
 * the files that read settings include it (autoconf's generated header is
 * "config.h", included first by every .c).
 *
 * File syntax: "key = value" lines, '#' comments (at line start or after
 * blank space), blank lines.  Keys are grouped by a dotted prefix
 * (imap.host).  Lists are comma-separated.  Durations: 30, 30s, 5m, 1h, 2d.
 * Sizes: 512, 512K, 10M, 1G (powers of 1024).  Booleans: yes/no, true/false,
 * on/off.  See faxhub.conf(5) for every key and its default.
 *
 * Errors are "PATH:LINE: message"; a missing required key is
 * "PATH: missing required key imap.host".
 */
#ifndef FAXHUB_CONF_H
#define FAXHUB_CONF_H

#include <stddef.h>

#include "record.h"		/* enum inbound_format */

enum tls_mode {
	TLS_NONE = 0,
	TLS_STARTTLS,
	TLS_TLS
};

/* auth.modes bits */
#define AUTH_ADDRESS	0x1
#define AUTH_PASSWORD	0x2
#define AUTH_AUTHRES	0x4

enum page_resolution {
	PAGE_FINE = 0,
	PAGE_NORMAL
};

enum page_size {
	PAGE_A4 = 0,
	PAGE_LETTER
};

/* Hard caps on the file itself. */
#define CONFIG_MAX_FILE		(1024 * 1024)
#define CONFIG_MAX_LINE		4096
#define CONFIG_MAX_LIST		256
#define CONFIG_MAX_SECRET	1024

/*
 * All strings and lists are owned by the struct and released by
 * config_free().  Optional strings that are unset are NULL (never "").
 * Lists are NULL-terminated arrays with a count beside them.
 * Durations are in seconds, sizes in bytes.
 */
struct config {
	char		*path;		/* as given to config_load() */
	char		*instance;
	struct {
		char	*user;
		char	*converter_user;	/* runs converters (sandbox.h) */
		char	*pid_file;
		char	*status_file;
	} daemon;
	char		*spool_dir;
	char		*table_dir;
	struct {
		int	 facility;	/* syslog LOG_* value */
		int	 level;		/* enum log_level */
	} log;
	struct {
		char		*host;
		int		 port;
		enum tls_mode	 tls;
		int		 allow_plaintext;	/* LOGIN in clear off loopback */
		char		*ca_file;
		char		*user;
		char		*password_file;
		char		*mailbox;
		char		*processing_folder;
		char		*done_folder;
		char		*failed_folder;
		int		 poll_interval;
		int		 idle;
		int		 timeout;
	} imap;
	struct {
		char		*host;
		int		 port;
		enum tls_mode	 tls;
		char		*ca_file;
		char		*user;
		char		*password_file;
		char		*sender;
		char		*from;
		int		 timeout;
		int		 retry_max;
	} smtp;
	char		*postmaster;
	struct {
		char		**domains;
		size_t		  ndomains;
	} fax;
	struct {
		unsigned	  modes;	/* AUTH_* bits */
		char		 *authserv_id;
		int		  silent_unknown;
		int		  trust_from_header; /* address alone ok */
		char		 *register_address;
		char		 *admin_password_file;
	} auth;
	struct {
		char		 *country_code;
		char		 *area_code;
		char		 *international_prefix;
		char		 *national_prefix;
		char		 *outside_prefix;
		char		**barred;
		size_t		  nbarred;
	} dial;
	struct {
		enum page_resolution	resolution;
		enum page_size		size;
		int			office_warm;	/* seconds, 0: cold */
		int			convert_timeout; /* seconds a document */
	} page;
	struct {
		int		 enabled;	/* a cover page by default */
	} cover;
	struct {
		int		 fax_body;	/* fax a mail's text alone */
	} text;
	struct {
		int		 poll_interval;
		int		 max_tries;
		int		 max_dials;
		int		 retry_delay;
		int		 server_timeout;
		int		 server_retry;
		int		 job_lifetime;
	} dispatch;
	struct {
		int			poll_interval;
		int			remove;
		enum inbound_format	default_format;
	} inbound;
	struct {			/* 0: kept for ever */
		int		 records;	/* ended work's spool records */
		int		 log;		/* communication log */
		int		 seen;		/* ids in the seen index */
		int		 interval;	/* faxhubd prunes this often */
	} retention;
	struct {
		size_t		 message_size;
		int		 mime_depth;
		int		 mime_parts;
		size_t		 header_size;
		size_t		 attachment_size;
		int		 pages;
		size_t		 pixels;
	} limits;
};

/* Fills every field with its default (required strings stay NULL). */
void	config_defaults(struct config *);
/*
 * Parses path into cfg (which need not be initialised).  On failure the
 * struct is left freed/empty and *cause holds the message (caller frees).
 */
int	config_load(const char *path, struct config *, char **cause);
/* Same, from a buffer; name is used in messages as the path. */
int	config_parse(const char *name, const char *data, size_t len,
	    struct config *, char **cause);
/* Releases everything the struct owns; safe on a zeroed struct. */
void	config_free(struct config *);
/*
 * Checks that every password file the config names exists, is readable,
 * holds a secret and is not readable by group or others.
 */
int	config_check_files(const struct config *, char **cause);
/*
 * Reads the first line of a password file into *secret (caller frees,
 * and should explicit_bzero it).  Refuses a file readable by group/other.
 */
int	config_read_secret(const char *path, char **secret, char **cause);

/* Parsers shared with faxhubctl; 0 ok, -1 bad value. */
int	config_parse_duration(const char *, int *);
int	config_parse_size(const char *, size_t *);
int	config_parse_bool(const char *, int *);
const char *config_tls_name(enum tls_mode);

#endif
