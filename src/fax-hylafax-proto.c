/*
 * fax-hylafax-proto.c: the HylaFAX client protocol without sockets.
 *
 * The reply parser is a byte-driven state machine with hard limits; the
 * other functions parse single replies and listing lines.  Nothing here
 * does I/O, so tests drive all of it from buffers and the fuzzer can feed
 * it anything.  Wire facts: docs/../notes/hylafax-protocol.md (hfaxd
 * 6.0.7).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fax-hylafax.h"
#include "util.h"
#include "xmalloc.h"

#define HFX_MSG_MAX	400	/* server text quoted in an error message */

static int	 rp_line(struct hfx_rparser *, char **);
static int	 is_code(const char *, size_t);
static char	*clean_text(const char *, size_t);
static size_t	 split_fields(char *, char **, size_t);
static int	 parse_num(const char *, long, long *);
static int	 parse_recv_num(const char *, long, long *);
static int	 parse_pair(const char *, int *, int *);
static void	 cause_text(char **, const char *, const char *, size_t);
static char	*dup_field(const char *);

/* Names of the JPARM STATE answers, indexed like enum fax_state. */
static const char *state_wire[] = {
	"UNDEFINED", "PENDING", "SLEEPING", "BLOCKED", "READY", "ACTIVE",
	"DONE", "FAILED", "SUSPENDED"
};

void
hfx_err_set(struct fax_err *err, enum fax_errclass cls, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	free(err->msg);
	err->cls = cls;
	va_start(ap, fmt);
	xvasprintf(&err->msg, fmt, ap);
	va_end(ap);
}

/*
 * Server text made safe for a log line: control characters become '?',
 * line breaks "; ", and the length is capped.
 */
static char *
clean_text(const char *s, size_t max)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	buf_add(&b, "", 0);
	for (i = 0; s[i] != '\0' && b.len < max; i++) {
		if (s[i] == '\n')
			buf_adds(&b, "; ");
		else if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			buf_add(&b, "?", 1);
		else
			buf_add(&b, &s[i], 1);
	}
	if (s[i] != '\0')
		buf_adds(&b, "...");
	return (buf_steal(&b, NULL));
}

/* *cause = "what \"cleaned text\"". */
static void
cause_text(char **cause, const char *what, const char *text, size_t max)
{
	char	*t;

	t = clean_text(text, max);
	xasprintf(cause, "%s \"%s\"", what, t);
	free(t);
}

enum fax_errclass
hfx_reply_class(int code, enum fax_errclass fivexx)
{
	if (code == 421)
		return (FAXERR_CONNECT);
	if (code >= 400 && code <= 499)
		return (FAXERR_TEMPORARY);
	if (code >= 500 && code <= 599)
		return (fivexx);
	return (FAXERR_PROTOCOL);
}

void
hfx_err_reply(struct fax_err *err, const char *server, const char *verb,
    const struct hfx_reply *r, enum fax_errclass fivexx)
{
	char	*t;

	t = clean_text(r->text != NULL ? r->text : "", HFX_MSG_MAX);
	hfx_err_set(err, hfx_reply_class(r->code, fivexx),
	    "server %s: %s: %03d %s", server, verb, r->code, t);
	free(t);
}

/* ------------------------------------------------------------------ */
/* Replies. */

void
hfx_reply_free(struct hfx_reply *r)
{
	if (r == NULL)
		return;
	free(r->text);
	r->text = NULL;
	r->code = 0;
}

void
hfx_rp_init(struct hfx_rparser *rp)
{
	memset(rp, 0, sizeof(*rp));
	buf_init(&rp->text);
}

void
hfx_rp_free(struct hfx_rparser *rp)
{
	buf_free(&rp->text);
	hfx_rp_init(rp);
}

/* 1 when s starts with a reply code: three digits, the first 1-5. */
static int
is_code(const char *s, size_t len)
{
	if (len < 3)
		return (0);
	if (s[0] < '1' || s[0] > '5' || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]))
		return (0);
	return (len == 3 || s[3] == ' ' || s[3] == '-');
}

/* One complete line in rp->line; returns 1 when the reply is complete. */
static int
rp_line(struct hfx_rparser *rp, char **cause)
{
	const char	*l = rp->line;
	size_t		 len = rp->linelen, skip = 0;
	int		 last = 0;

	if (len > 0 && l[len - 1] == '\r')
		rp->line[--len] = '\0';
	if (rp->code == 0) {
		if (!is_code(l, len)) {
			cause_text(cause, "malformed reply line", l, 80);
			return (-1);
		}
		rp->code = (l[0] - '0') * 100 + (l[1] - '0') * 10 +
		    (l[2] - '0');
		rp->multi = len > 3 && l[3] == '-';
		last = !rp->multi;
		skip = len > 3 ? 4 : 3;
	} else if (is_code(l, len) &&
	    (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0') ==
	    rp->code) {
		/* "nnn " (or bare "nnn") ends it; "nnn-" continues. */
		last = len == 3 || l[3] == ' ';
		skip = len > 3 ? 4 : 3;
	}
	if (rp->nlines++ > 0)
		buf_add(&rp->text, "\n", 1);
	buf_add(&rp->text, l + skip, len - skip);
	if (rp->text.len > HFX_REPLY_MAX) {
		xasprintf(cause, "reply %03d longer than %d bytes", rp->code,
		    HFX_REPLY_MAX);
		return (-1);
	}
	rp->linelen = 0;
	if (last)
		rp->done = 1;
	return (last);
}

int
hfx_rp_feed(struct hfx_rparser *rp, const char *data, size_t len,
    size_t *used, char **cause)
{
	size_t	i;
	char	*msg;
	int	 r;

	*used = 0;
	if (rp->done)
		return (1);
	for (i = 0; i < len; i++) {
		if (data[i] == '\0') {
			*used = i;
			*cause = xstrdup("NUL byte in reply");
			return (-1);
		}
		if (data[i] != '\n') {
			if (rp->linelen >= HFX_LINE_MAX) {
				*used = i;
				xasprintf(cause, "reply line longer than %d "
				    "bytes", HFX_LINE_MAX);
				return (-1);
			}
			rp->line[rp->linelen++] = data[i];
			continue;
		}
		rp->line[rp->linelen] = '\0';
		msg = NULL;
		r = rp_line(rp, &msg);
		if (r == -1) {
			*used = i + 1;
			*cause = msg;
			return (-1);
		}
		if (r == 1) {
			*used = i + 1;
			return (1);
		}
	}
	*used = len;
	return (0);
}

void
hfx_rp_take(struct hfx_rparser *rp, struct hfx_reply *r)
{
	r->code = rp->code;
	buf_add(&rp->text, "", 0);
	r->text = buf_steal(&rp->text, NULL);
	hfx_rp_init(rp);
}

/* ------------------------------------------------------------------ */
/* Single replies. */

int
hfx_parse_pasv(const char *text, int *port, char **cause)
{
	const char	*p;
	long		 v[6];
	int		 i, nd;

	for (p = text; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			continue;
		if (p > text && (isdigit((unsigned char)p[-1]) ||
		    p[-1] == ','))
			continue;
		for (i = 0; i < 6; i++) {
			v[i] = 0;
			for (nd = 0; isdigit((unsigned char)*p) && nd < 4;
			    nd++, p++)
				v[i] = v[i] * 10 + (*p - '0');
			if (nd == 0 || nd > 3 || v[i] > 255)
				break;
			if (i < 5 && *p++ != ',')
				break;
		}
		if (i == 6 && !isdigit((unsigned char)*p) && *p != ',') {
			*port = (int)(v[4] * 256 + v[5]);
			if (*port == 0)
				break;
			return (0);
		}
		break;
	}
	p = NULL;
	cause_text(cause, "bad PASV reply", text, 80);
	return (-1);
}

int
hfx_parse_jnew(const char *text, char **jobid, char **cause)
{
	const char	*p;
	size_t		 n;

	if ((p = strstr(text, "jobid:")) != NULL) {
		p += 6;
		while (*p == ' ')
			p++;
		for (n = 0; isdigit((unsigned char)p[n]); n++)
			;
		if (n > 0 && n <= 20) {
			*jobid = xstrndup(p, n);
			return (0);
		}
	}
	cause_text(cause, "no job id in JNEW reply", text, 80);
	return (-1);
}

int
hfx_parse_stot(const char *text, char **file, char **cause)
{
	const char	*p;
	size_t		 n, i;

	if ((p = strstr(text, "FILE: ")) != NULL) {
		p += 6;
		n = strcspn(p, " )\n");
		while (n > 0 && p[n - 1] == '.')
			n--;
		for (i = 0; i < n; i++) {
			if ((unsigned char)p[i] <= 0x20 ||
			    (unsigned char)p[i] >= 0x7f || p[i] == '"' ||
			    p[i] == '\\')
				break;
		}
		if (n > 0 && i == n && n <= HFX_ARG_MAX) {
			*file = xstrndup(p, n);
			return (0);
		}
	}
	cause_text(cause, "no file name in STOT reply", text, 80);
	return (-1);
}

long
hfx_parse_bytes(const char *text)
{
	const char	*p, *q;
	long		 v = 0;

	if ((p = strstr(text, " bytes)")) == NULL)
		return (-1);
	for (q = p; q > text && isdigit((unsigned char)q[-1]); q--)
		;
	if (q == p || q == text || q[-1] != '(' || p - q > 15)
		return (-1);
	for (; q < p; q++)
		v = v * 10 + (*q - '0');
	return (v);
}

/* ------------------------------------------------------------------ */
/* Listings. */

enum fax_state
hfx_state_from_letter(int c)
{
	switch (c) {
	case 'T':
		return (FAX_SUSPENDED);
	case 'P':
		return (FAX_PENDING);
	case 'S':
		return (FAX_SLEEPING);
	case 'B':
		return (FAX_BLOCKED);
	case 'W':
		return (FAX_READY);
	case 'R':
		return (FAX_ACTIVE);
	case 'D':
		return (FAX_DONE);
	case 'F':
		return (FAX_FAILED);
	default:
		return (FAX_UNKNOWN);
	}
}

enum fax_state
hfx_state_from_name(const char *s)
{
	size_t	i;

	for (i = 1; i < nitems(state_wire); i++) {
		if (strcasecmp(s, state_wire[i]) == 0)
			return ((enum fax_state)i);
	}
	return (FAX_UNKNOWN);
}

/*
 * Splits line in place at '|' into exactly nf trimmed fields; separators
 * beyond the (nf-1)th stay in the last field.  Returns the number found.
 */
static size_t
split_fields(char *line, char **f, size_t nf)
{
	size_t	 n = 0;
	char	*p = line, *bar;

	while (n < nf) {
		if (n + 1 < nf && (bar = strchr(p, '|')) != NULL) {
			*bar = '\0';
			f[n++] = str_trim(p);
			p = bar + 1;
		} else {
			f[n++] = str_trim(p);
			break;
		}
	}
	return (n);
}

/* Strict decimal in [0, max]; the empty string is 0. */
static int
parse_num(const char *s, long max, long *out)
{
	long	v = 0;

	if (*s == '\0') {
		*out = 0;
		return (0);
	}
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return (-1);
		v = v * 10 + (*s - '0');
		if (v > max)
			return (-1);
	}
	*out = v;
	return (0);
}

/*
 * A number of the receive queue.  While a fax is still arriving (and in
 * some finished entries) hfaxd fills fields it does not know yet with a
 * placeholder: empty, "*", or (u_int) -1 printed as 4294967295.  Those
 * are 0, "unknown", and not an error.
 */
static int
parse_recv_num(const char *s, long max, long *out)
{
	if (*s == '\0' || strcmp(s, "*") == 0 || strcmp(s, "-1") == 0 ||
	    strcmp(s, "4294967295") == 0) {
		*out = 0;
		return (0);
	}
	return (parse_num(s, max, out));
}

/* "n:t" with optional blanks; an empty field is 0:0. */
static int
parse_pair(const char *s, int *a, int *b)
{
	char	 tmp[64], *colon, *x, *y;
	long	 va, vb;

	if (strlcpy(tmp, s, sizeof(tmp)) >= sizeof(tmp))
		return (-1);
	if (*tmp == '\0') {
		*a = *b = 0;
		return (0);
	}
	if ((colon = strchr(tmp, ':')) == NULL)
		return (-1);
	*colon = '\0';
	x = str_trim(tmp);
	y = str_trim(colon + 1);
	if (parse_num(x, 999999, &va) == -1 || parse_num(y, 999999, &vb) ==
	    -1)
		return (-1);
	*a = (int)va;
	*b = (int)vb;
	return (0);
}

static char *
dup_field(const char *s)
{
	return (xstrdup(s));
}

int
hfx_parse_job_line(const char *line, struct fax_job *job, char **cause)
{
	char	*copy, *f[10];
	long	 id;

	memset(job, 0, sizeof(*job));
	copy = xstrdup(line);
	if (split_fields(copy, f, nitems(f)) != nitems(f)) {
		cause_text(cause, "job line with too few fields", line, 80);
		goto fail;
	}
	if (*f[0] == '\0' || parse_num(f[0], 999999999L, &id) == -1) {
		cause_text(cause, "bad job id", f[0], 40);
		goto fail;
	}
	if (strlen(f[1]) > 1 ||
	    parse_pair(f[2], &job->npages, &job->totpages) == -1 ||
	    parse_pair(f[3], &job->ndials, &job->totdials) == -1 ||
	    parse_pair(f[4], &job->ntries, &job->tottries) == -1) {
		cause_text(cause, "bad state or counters in job line", line,
		    80);
		goto fail;
	}
	job->jobid = dup_field(f[0]);
	job->state = hfx_state_from_letter(*f[1]);
	job->modem = dup_field(f[5]);
	job->commid = dup_field(f[6]);
	job->number = dup_field(f[7]);
	job->tag = dup_field(f[8]);
	job->status = dup_field(f[9]);
	free(copy);
	return (0);
fail:
	free(copy);
	fax_job_free(job);
	return (-1);
}

/*
 * What HylaFAX's job status texts mean, most specific first (matched
 * case-insensitively anywhere in the text).  The texts are those of
 * hfaxd/faxq/faxsend 6.0 (JPARM STATUS, JOBFMT %s): faxsend's call and
 * T.30 results, faxq's job-control verdicts ("REJECT: ...", "Kill time
 * expired", "Blocked by concurrent calls").  Unknown text: permanent.
 */
static const struct hfx_cause {
	const char		*needle;
	enum fax_errclass	 cls;
	enum fax_cause		 cause;
	const char		*words;
} hfx_causes[] = {
	{ "busy", FAXERR_TEMPORARY, FAX_CAUSE_BUSY, "the line was busy" },
	{ "no answer", FAXERR_TEMPORARY, FAX_CAUSE_NO_ANSWER,
	    "nobody answered" },
	{ "ringback detected", FAXERR_TEMPORARY, FAX_CAUSE_NO_ANSWER,
	    "nobody answered" },
	{ "no carrier", FAXERR_TEMPORARY, FAX_CAUSE_NO_FAX,
	    "the other side is not a fax machine or hung up" },
	{ "wanted fax", FAXERR_TEMPORARY, FAX_CAUSE_NO_FAX,
	    "the other side is not a fax machine" },
	{ "no t.4 receiver", FAXERR_TEMPORARY, FAX_CAUSE_NO_FAX,
	    "the other side is not a fax machine" },
	{ "no receiver protocol", FAXERR_TEMPORARY, FAX_CAUSE_NO_FAX,
	    "the other side is not a fax machine" },
	{ "without successful handshake", FAXERR_TEMPORARY, FAX_CAUSE_NO_FAX,
	    "the other side is not a fax machine" },
	{ "no local dialtone", FAXERR_TEMPORARY, FAX_CAUSE_BUSY,
	    "the line could not be seized (no dial tone)" },
	{ "blocked by concurrent call", FAXERR_TEMPORARY, FAX_CAUSE_BUSY,
	    "the fax line was in use" },
	{ "glare", FAXERR_TEMPORARY, FAX_CAUSE_BUSY,
	    "the fax line was in use" },
	{ "timed out", FAXERR_TEMPORARY, FAX_CAUSE_LINE, "the call timed out" },
	{ "kill time expired", FAXERR_TEMPORARY, FAX_CAUSE_TIMEOUT,
	    "the job ran out of time on the fax server" },
	{ "communication failure", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "failure to train", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "no response to", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "disconnected prematurely", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	/*
	 * T.30 exchanges that went wrong on the line (faxsend: "COMREC
	 * invalid command received/no DIS or DTC", "RSPREC error/got DCN",
	 * "DCS sent 3 times without response", a Class 2 modem's "Invalid
	 * response to EOP"): worth another try, never a bad number.
	 */
	{ "comrec", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "rsprec", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "dcs sent", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "dis/dtc received", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "unspecified transmit phase", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "invalid response to", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the connection broke during transmission" },
	{ "giving up after", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the transmission failed" },
	{ "too many attempts to dial", FAXERR_TEMPORARY, FAX_CAUSE_NO_ANSWER,
	    "the number could not be reached in the dials allowed" },
	{ "too many attempts to transmit", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the transmission failed" },
	{ "retry", FAXERR_TEMPORARY, FAX_CAUSE_LINE,
	    "the transmission failed" },
	{ "is not registered", FAXERR_REJECTED, FAX_CAUSE_REJECTED,
	    "the fax server refused the job" },
	{ "unable to assign modem", FAXERR_REJECTED, FAX_CAUSE_REJECTED,
	    "the fax server refused the job" },
	{ "canonical format", FAXERR_PERMANENT, FAX_CAUSE_BAD_NUMBER,
	    "the number is not valid" },
	{ "invalid dialing command", FAXERR_PERMANENT, FAX_CAUSE_BAD_NUMBER,
	    "the number is not valid" },
	{ "unknown number", FAXERR_PERMANENT, FAX_CAUSE_BAD_NUMBER,
	    "the number does not exist" },
	{ "too many pages", FAXERR_PERMANENT, FAX_CAUSE_DOCUMENT,
	    "the fax server could not use the document" },
	{ "document", FAXERR_PERMANENT, FAX_CAUSE_DOCUMENT,
	    "the fax server could not use the document" },
	{ "aborted by request", FAXERR_PERMANENT, FAX_CAUSE_OTHER,
	    "the job was cancelled on the fax server" },
	{ "rejected", FAXERR_PERMANENT, FAX_CAUSE_REJECTED,
	    "the fax server refused the job" },
};

const char *
hfx_classify(const char *status, enum fax_errclass *cls,
    enum fax_cause *cause)
{
	size_t		 i, nlen, slen;
	const char	*p;

	*cls = FAXERR_PERMANENT;
	*cause = FAX_CAUSE_OTHER;
	if (status == NULL)
		return (NULL);
	slen = strlen(status);
	for (i = 0; i < nitems(hfx_causes); i++) {
		nlen = strlen(hfx_causes[i].needle);
		for (p = status; (size_t)(p - status) + nlen <= slen; p++)
			if (strncasecmp(p, hfx_causes[i].needle, nlen) == 0) {
				*cls = hfx_causes[i].cls;
				*cause = hfx_causes[i].cause;
				return (hfx_causes[i].words);
			}
	}
	return (NULL);
}

void
hfx_job_classify(struct fax_job *job)
{
	if (job->state != FAX_FAILED) {
		job->cls = FAXERR_NONE;
		job->cause = FAX_CAUSE_OTHER;
		job->words = NULL;
		return;
	}
	job->words = hfx_classify(job->status, &job->cls, &job->cause);
	if (job->words == NULL)
		job->words = "the fax could not be sent";
}

int
hfx_is_scheduler_line(const char *line)
{
	return (strncmp(line, "HylaFAX scheduler", 17) == 0 ||
	    strchr(line, '|') == NULL);
}

int
hfx_parse_modem_line(const char *line, struct fax_modem *m, char **cause)
{
	char	*copy, *f[4];

	memset(m, 0, sizeof(*m));
	copy = xstrdup(line);
	if (split_fields(copy, f, nitems(f)) != nitems(f) || *f[0] == '\0') {
		free(copy);
		cause_text(cause, "bad modem line", line, 80);
		return (-1);
	}
	m->name = dup_field(f[0]);
	m->number = dup_field(f[2]);
	m->status = dup_field(f[3]);
	m->busy = !(strcmp(f[1], "*") == 0 &&
	    strncasecmp(f[3], "Running and idle", 16) == 0);
	free(copy);
	return (0);
}

int
hfx_recv_name_ok(const char *s)
{
	size_t	i;

	if (*s == '\0' || *s == '.' || strlen(s) > 128)
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return (0);
	}
	return (1);
}

int
hfx_parse_recv_line(const char *line, struct fax_recv *rv, char **cause)
{
	char	*copy, *f[13];
	long	 pages, size, vres, rate;

	memset(rv, 0, sizeof(*rv));
	copy = xstrdup(line);
	if (split_fields(copy, f, nitems(f)) != nitems(f)) {
		cause_text(cause, "recvq line with too few fields", line, 80);
		goto fail;
	}
	if (!hfx_recv_name_ok(f[0])) {
		cause_text(cause, "bad recvq file name", f[0], 80);
		goto fail;
	}
	if (parse_recv_num(f[2], 100000, &pages) == -1 ||
	    parse_recv_num(f[4], HFX_RETR_MAX, &size) == -1 ||
	    parse_recv_num(f[5], 100000, &vres) == -1 ||
	    parse_recv_num(f[6], 10000000, &rate) == -1 ||
	    (*f[3] != '\0' && strcmp(f[3], "*") != 0)) {
		cause_text(cause, "bad number in recvq line", line, 80);
		goto fail;
	}
	rv->file = dup_field(f[0]);
	rv->time = dup_field(f[1]);
	rv->pages = (int)pages;
	rv->receiving = *f[3] == '*';
	rv->size = size;
	rv->vres = (int)vres;
	rv->bitrate = (int)rate;
	rv->format = dup_field(f[7]);
	rv->caller = dup_field(f[8]);
	rv->called = dup_field(f[9]);
	rv->subaddr = dup_field(f[10]);
	rv->csid = dup_field(f[11]);
	rv->error = dup_field(f[12]);
	rv->modem = NULL;
	free(copy);
	return (0);
fail:
	free(copy);
	return (-1);
}

int
hfx_list_lines(const char *data, size_t len,
    int (*fn)(const char *, void *, char **), void *arg, char **cause)
{
	char		 line[HFX_LISTLINE_MAX + 1];
	const char	*p = data, *end = data + len, *nl;
	size_t		 n;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > HFX_LISTLINE_MAX) {
			xasprintf(cause, "listing line longer than %d bytes",
			    HFX_LISTLINE_MAX);
			return (-1);
		}
		if (memchr(p, '\0', n) != NULL) {
			*cause = xstrdup("NUL byte in listing");
			return (-1);
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (n > 0 && fn(line, arg, cause) == -1)
			return (-1);
		p = nl + 1;
	}
	return (0);
}

/* ------------------------------------------------------------------ */
/* Job parameters. */

int
hfx_arg_ok(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0' || strlen(s) > HFX_ARG_MAX)
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '"' || s[i] == '\\' || s[i] == '|')
			return (0);
	}
	return (1);
}

int
hfx_job_commands(const struct fax_job_req *req, char ***cmdsp, size_t *np,
    char **cause)
{
	char		**cmds, *name;
	size_t		  n = 0, i;
	long		  mins;
	const size_t	  max = 20;

	*cmdsp = NULL;
	*np = 0;
	if (!hfx_arg_ok(req->owner)) {
		*cause = xstrdup("owner (FROMUSER) missing or not sendable");
		return (-1);
	}
	if (!hfx_arg_ok(req->dialstring)) {
		*cause = xstrdup("dial string missing or not sendable");
		return (-1);
	}
	if (!hfx_arg_ok(req->tag)) {
		*cause = xstrdup("job tag (JOBINFO) missing or not sendable");
		return (-1);
	}
	if (req->notifyaddr != NULL && !hfx_arg_ok(req->notifyaddr)) {
		*cause = xstrdup("notify address not sendable");
		return (-1);
	}
	cmds = xcalloc(max, sizeof(*cmds));
	cmds[n++] = xprintf("JPARM FROMUSER \"%s\"", req->owner);
	if (req->lifetime_s > 0) {
		mins = (req->lifetime_s + 59L) / 60;
		if (mins > 99L * 24 * 60 + 23 * 60 + 59)
			mins = 99L * 24 * 60 + 23 * 60 + 59;
		cmds[n++] = xprintf("JPARM LASTTIME %02ld%02ld%02ld",
		    mins / (24 * 60), (mins / 60) % 24, mins % 60);
	}
	if (req->maxdials > 0)
		cmds[n++] = xprintf("JPARM MAXDIALS %d", req->maxdials);
	if (req->maxtries > 0)
		cmds[n++] = xprintf("JPARM MAXTRIES %d", req->maxtries);
	cmds[n++] = xprintf("JPARM DIALSTRING \"%s\"", req->dialstring);
	if (req->notifyaddr != NULL) {
		cmds[n++] = xprintf("JPARM NOTIFYADDR \"%s\"",
		    req->notifyaddr);
		cmds[n++] = xstrdup("JPARM NOTIFY \"done\"");
	} else
		cmds[n++] = xstrdup("JPARM NOTIFY \"none\"");
	cmds[n++] = xprintf("JPARM VRES %d", req->fine ? 196 : 98);
	cmds[n++] = xprintf("JPARM PAGEWIDTH %d", req->letter ? 216 : 209);
	cmds[n++] = xprintf("JPARM PAGELENGTH %d", req->letter ? 279 : 296);
	if (req->touser != NULL && *req->touser != '\0') {
		name = xstrndup(req->touser, HFX_ARG_MAX);
		for (i = 0; name[i] != '\0'; i++) {
			if ((unsigned char)name[i] < 0x20 ||
			    (unsigned char)name[i] >= 0x7f ||
			    name[i] == '"' || name[i] == '\\' ||
			    name[i] == '|')
				name[i] = '?';
		}
		cmds[n++] = xprintf("JPARM TOUSER \"%s\"", name);
		free(name);
	}
	cmds[n++] = xprintf("JPARM JOBINFO \"%s\"", req->tag);
	*cmdsp = cmds;
	*np = n;
	return (0);
}
