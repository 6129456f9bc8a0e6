/*
 * intake.h: one mail through the intake steps (patent Figure 3, steps
 * 3-8).  The IMAP watcher (intake.c) spools a mail and hands its key to
 * intake_process() (intake-mail.c), which runs the steps in order:
 *
 *	intake_parse		raw bytes -> struct msg	     intake-check.c
 *	intake_automatic	RFC 3834 mail is never acted on	intake-check.c
 *	intake_recipients	which addresses ask for a fax	intake-check.c
 *	intake_authenticate	is the sender one of our users	intake-check.c
 *	intake_numbers		numbers parsed, barred ones out	intake-check.c
 *	intake_document		attachments -> one fax TIFF	intake-jobs.c
 *	intake_jobs		broadcast + one job per number	intake-jobs.c
 *	state, refusal, log	what became of the mail		intake-mail.c
 *
 * The checking steps see the daemon only through struct intake_env (the
 * configuration and the users table), so tests drive them from a mail
 * file and fake tables, without IMAP, spool or hub.
 */
#ifndef FAXHUB_INTAKE_H
#define FAXHUB_INTAKE_H

#include <stddef.h>

#include "addr.h"
#include "auth.h"
#include "mail-parse.h"
#include "record.h"
#include "report.h"

struct config;

/* What the checking steps read; all borrowed from the caller. */
struct intake_env {
	const struct config	*cfg;
	struct auth_ops		 auth;
	void			*arg;
	/*
	 * Copies the record of user id into *u (the caller user_free()s it);
	 * 1 found, 0 no such user, -1 table error.  Takes and releases any
	 * lock itself; no step holds one.
	 */
	int			(*user_copy)(void *arg, const char *id,
				    struct user *u);
};

/* A step's answer. */
enum intake_rc {
	INTAKE_NEXT = 0,	/* go on with the next step */
	INTAKE_REFUSED,		/* stop: im->refusal says why */
	INTAKE_RETRY		/* stop: a table or disk error, try later */
};

/* Why a mail is refused: set by the step that refuses it. */
struct intake_refusal {
	enum refusal	 why;
	int		 unknown;	/* sender unknown (silent_unknown) */
	const char	*silent;	/* never answered: static reason */
	char		*value;		/* the bad value, or NULL */
	char		*detail;	/* plain words for the sender */
	char		*log;		/* internals for the log, or NULL */
};

/*
 * One mail on its way; everything allocated is owned here and released
 * by intake_mail_free().
 */
struct intake_mail {
	const char		*key;		/* borrowed: UIDVALIDITY-UID */
	struct msg		 m;
	int			 parsed;	/* m holds at least From */
	char			**locals;	/* fax local parts */
	size_t			 nlocals;
	char			*user;		/* authenticated user id */
	struct user		 u;		/* its record, copied */
	struct faxaddr		*fas;		/* [nlocals], e164 NULL: out */
	size_t			 nok;		/* numbers that will be sent */
	char			*bad;		/* "number: why" lines */
	char			*bcast;		/* broadcast id */
	char			*jobs;		/* its job ids, a,b,... */
	int			 cover;		/* a cover page first */
	int			 fax_text;	/* the text body becomes pages */
	struct intake_refusal	 refusal;
	struct spool_batch	*states;	/* borrowed: the pass's */
	int			 recover;	/* re-deriving at start-up */
};

void	intake_mail_init(struct intake_mail *, const char *key);
void	intake_mail_free(struct intake_mail *);

/*
 * raw[0..len) into im->m (toobig: only the header was fetched of a mail
 * over the size limit).  A mail that cannot be parsed is refused; its
 * top-level header is still read so that the refusal can be addressed.
 */
enum intake_rc intake_parse(const struct intake_env *, struct intake_mail *,
	    const char *raw, size_t len, int toobig);
/* Automatic mail (auth_automatic()) is refused silently. */
enum intake_rc intake_automatic(const struct intake_env *,
	    struct intake_mail *);
/* im->locals from To/Cc, else Delivered-To; refused when there is none. */
enum intake_rc intake_recipients(const struct intake_env *,
	    struct intake_mail *);
/* auth_check() with the configured modes; im->user and im->u on success. */
enum intake_rc intake_authenticate(const struct intake_env *,
	    struct intake_mail *);
/*
 * Parses every local part into im->fas and leaves out the barred ones
 * (site rules, then the user's bar and allow lists); refused when none
 * is left.  Refuses a mail without documents first.
 */
enum intake_rc intake_numbers(const struct intake_env *,
	    struct intake_mail *);

/* The broadcast id of a mail: from its Message-ID (else key) and user. */
char	*intake_bcast_id(const struct intake_mail *);

/* intake-jobs.c (need the hub) */
struct hub;
enum intake_rc intake_document(struct hub *, struct intake_mail *,
	    const char *docpath, int *pages, char **notes);
enum intake_rc intake_jobs(struct hub *, struct intake_mail *,
	    const char **target);

/*
 * intake-mail.c: reads, parses and checks the spooled mail KEY again into
 * im (initialised here; the caller intake_mail_free()s it), for the
 * start-up's recovery; a registration mail is not one it looks at.
 */
enum intake_rc intake_reload(struct hub *, const char *key,
	    struct intake_mail *);
/*
 * intake-recover.c: at start-up, before the jobs are loaded and without
 * h->mtx, with the tables loaded: records a crash tore are removed, and
 * every accepted mail whose live broadcast, jobs or document are missing
 * or torn gets them re-derived from its .eml, durably, before anything
 * acts on them; docs/architecture.md ("Durability") says why that holds.
 * Last, a broadcast whose mail was moved is retired (intake_finish()).
 */
void	intake_recover(struct hub *);
/*
 * intake.c: the ended broadcasts' mail to its last folder (with c), and
 * those whose mail was moved out of bcast/ (hub_bcast_retire); c NULL:
 * only the latter, no IMAP.  -1 when a move failed (tried again).
 */
struct imap_conn;
int	intake_finish(struct hub *, struct imap_conn *);

#endif
