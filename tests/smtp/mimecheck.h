/*
 * mimecheck.h: test helper that parses a message faxhub wrote back with
 * libetpan and hands out decoded headers and leaf parts, so that the unit
 * tests check what a mail client would show, not the bytes we wrote.
 */
#ifndef FAXHUB_MIMECHECK_H
#define FAXHUB_MIMECHECK_H

#include <stddef.h>

#define MC_MAX_PARTS	16

struct mc_part {
	char	*type;		/* "text/plain", lower case */
	char	*charset;	/* or NULL */
	char	*name;		/* Content-Type name, RFC 2047 decoded */
	char	*filename;	/* Content-Disposition filename, RFC 2231 */
	char	*disposition;	/* "inline", "attachment" or NULL */
	char	*data;		/* decoded body */
	size_t	 len;
};

struct mc_msg {
	void		*mime;		/* struct mailmime * */
	char		*top_type;	/* type of the message body */
	struct mc_part	 part[MC_MAX_PARTS];
	size_t		 nparts;
};

/* 0 when libetpan parsed the message; fills m (free with mc_free). */
int	 mc_parse(struct mc_msg *m, const char *raw, size_t len);
void	 mc_free(struct mc_msg *m);
/*
 * Decoded value of the n-th (from 0) header called name, as libetpan
 * parsed it (RFC 2047 decoded, unfolded); NULL if absent.  Caller frees.
 * Address headers give "Display <addr>" or "addr".
 */
char	*mc_header(struct mc_msg *m, const char *name, int n);
/* Number of headers called name that libetpan saw. */
int	 mc_count(struct mc_msg *m, const char *name);
/*
 * 1 when every line of raw ends in CRLF (no bare CR or LF), no line is
 * longer than 998 octets and every byte is 7-bit; else 0 with *why set to
 * a static description.
 */
int	 mc_wire_ok(const char *raw, size_t len, const char **why);

#endif
