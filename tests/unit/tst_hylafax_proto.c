/*
 * tst_hylafax_proto: the HylaFAX reply parser and listing parsers, driven
 * from transcripts recorded from hfaxd 6.0.7 (notes/hylafax-protocol.md
 * and the loopback testbed).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fax-hylafax.h"
#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

struct rcase {
	const char	*in;
	int		 result;	/* 1 complete, 0 partial, -1 error */
	int		 code;
	const char	*text;
};

static const struct rcase rcases[] = {
	{ "220 vm server (HylaFAX (tm) Version 6.0.7) ready.\r\n", 1, 220,
	    "vm server (HylaFAX (tm) Version 6.0.7) ready." },
	{ "150 FILE: /tmp/doc3.tif (Opening new data connection).\r\n", 1,
	    150, "FILE: /tmp/doc3.tif (Opening new data connection)." },
	{ "331 Password required for faxtest.\r\n", 1, 331,
	    "Password required for faxtest." },
	{ "421 Service not available.\r\n", 1, 421,
	    "Service not available." },
	{ "530 Login incorrect.\r\n", 1, 530, "Login incorrect." },
	{ "213 \r\n", 1, 213, "" },
	{ "200\r\n", 1, 200, "" },
	{ "200 bare LF\n", 1, 200, "bare LF" },
	{ "211-vm HylaFAX server status:\r\n    HylaFAX (tm) Version 6.0.7\r\n"
	    "    Logged in as user faxtest (uid 1000)\r\n211 End of status\r\n",
	    1, 211, "vm HylaFAX server status:\n    HylaFAX (tm) Version 6.0.7"
	    "\n    Logged in as user faxtest (uid 1000)\nEnd of status" },
	{ "214-first\r\n214-second\r\n200 other code inside\r\n214 end\r\n",
	    1, 214, "first\nsecond\n200 other code inside\nend" },
	{ "214-first\r\n\r\n214\r\n", 1, 214, "first\n\n" },
	{ "211-incomplete\r\nmore\r\n", 0, 0, NULL },
	{ "220 no newline yet", 0, 0, NULL },
	{ "hello\r\n", -1, 0, NULL },
	{ "22\r\n", -1, 0, NULL },
	{ "620 bad class\r\n", -1, 0, NULL },
	{ "099 bad class\r\n", -1, 0, NULL },
	{ "2x0 letters\r\n", -1, 0, NULL },
	{ "220x no separator\r\n", -1, 0, NULL },
	{ "\r\n", -1, 0, NULL },
};

/* Feeds s in chunks of step bytes (0: all at once). */
static int
feed(const char *s, size_t len, size_t step, struct hfx_reply *r,
    size_t *consumed, char **cause)
{
	struct hfx_rparser	rp;
	size_t			off = 0, n, used;
	int			st = 0;

	hfx_rp_init(&rp);
	memset(r, 0, sizeof(*r));
	*consumed = 0;
	while (off < len) {
		n = step == 0 || len - off < step ? len - off : step;
		st = hfx_rp_feed(&rp, s + off, n, &used, cause);
		off += used;
		if (st != 0)
			break;
	}
	*consumed = off;
	if (st == 1)
		hfx_rp_take(&rp, r);
	hfx_rp_free(&rp);
	return (st);
}

static void
test_replies(void)
{
	struct hfx_reply	 r;
	char			*cause, name[128];
	size_t			 i, used, step;
	int			 st, good;

	for (i = 0; i < nitems(rcases); i++) {
		for (step = 0; step <= 1; step++) {
			cause = NULL;
			st = feed(rcases[i].in, strlen(rcases[i].in), step,
			    &r, &used, &cause);
			snprintf(name, sizeof(name), "reply %zu %s: result",
			    i, step ? "byte by byte" : "in one piece");
			is_int(st, rcases[i].result, name);
			if (st == 1) {
				good = r.code == rcases[i].code &&
				    strcmp(r.text, rcases[i].text) == 0;
				snprintf(name, sizeof(name), "reply %zu %s: "
				    "code and text", i, step ? "bytewise" :
				    "whole");
				ok(good, name);
				if (!good)
					diag("got %d \"%s\"", r.code, r.text);
			}
			if (st == -1) {
				snprintf(name, sizeof(name), "reply %zu: "
				    "error has a cause", i);
				ok(cause != NULL && *cause != '\0', name);
			}
			free(cause);
			hfx_reply_free(&r);
		}
	}
}

static void
test_limits_and_pipelining(void)
{
	struct hfx_rparser	 rp;
	struct hfx_reply	 r;
	struct buf		 b;
	char			*cause = NULL;
	const char		*two = "226 Transfer complete.\r\n"
				    "200 New job created: jobid: 3 groupid: "
				    "3.\r\n";
	size_t			 used, i;
	int			 st;

	/* Two replies in one read: the parser stops after the first. */
	hfx_rp_init(&rp);
	st = hfx_rp_feed(&rp, two, strlen(two), &used, &cause);
	is_int(st, 1, "pipelined: first reply complete");
	is_int(used, strlen("226 Transfer complete.\r\n"),
	    "pipelined: stops after first reply");
	hfx_rp_take(&rp, &r);
	is_int(r.code, 226, "pipelined: first code");
	hfx_reply_free(&r);
	st = hfx_rp_feed(&rp, two + used, strlen(two + used), &used, &cause);
	is_int(st, 1, "pipelined: second reply complete");
	hfx_rp_take(&rp, &r);
	is_int(r.code, 200, "pipelined: second code");
	hfx_reply_free(&r);
	hfx_rp_free(&rp);

	/* A line of exactly HFX_LINE_MAX bytes passes, one more fails. */
	buf_init(&b);
	buf_adds(&b, "200 ");
	for (i = 4; i < HFX_LINE_MAX; i++)
		buf_add(&b, "x", 1);
	buf_adds(&b, "\n");
	is_int(feed(b.data, b.len, 0, &r, &used, &cause), 1,
	    "line of HFX_LINE_MAX bytes accepted");
	hfx_reply_free(&r);
	buf_reset(&b);
	buf_adds(&b, "200 ");
	for (i = 4; i < HFX_LINE_MAX + 1; i++)
		buf_add(&b, "x", 1);
	buf_adds(&b, "\n");
	cause = NULL;
	is_int(feed(b.data, b.len, 7, &r, &used, &cause), -1,
	    "over-long line refused (partial reads)");
	ok(cause != NULL && strstr(cause, "longer") != NULL,
	    "over-long line: cause says so");
	free(cause);

	/* A multi-line reply of many short lines hits the total cap. */
	buf_reset(&b);
	buf_adds(&b, "211-start\r\n");
	for (i = 0; i < HFX_REPLY_MAX / 10 + 10; i++)
		buf_adds(&b, "  line xx\r\n");
	buf_adds(&b, "211 end\r\n");
	cause = NULL;
	is_int(feed(b.data, b.len, 0, &r, &used, &cause), -1,
	    "multi-line reply over HFX_REPLY_MAX refused");
	free(cause);

	/* NUL inside a reply. */
	cause = NULL;
	is_int(feed("200 a\0b\r\n", 9, 0, &r, &used, &cause), -1,
	    "NUL byte refused");
	free(cause);
	buf_free(&b);
}

static void
test_classes(void)
{
	struct fax_err		err = { FAXERR_NONE, NULL };
	struct hfx_reply	r;

	is_int(hfx_reply_class(421, FAXERR_REJECTED), FAXERR_CONNECT,
	    "421 is a lost connection");
	is_int(hfx_reply_class(452, FAXERR_REJECTED), FAXERR_TEMPORARY,
	    "4xx is temporary");
	is_int(hfx_reply_class(500, FAXERR_REJECTED), FAXERR_REJECTED,
	    "5xx takes the caller's class");
	is_int(hfx_reply_class(530, FAXERR_AUTH), FAXERR_AUTH,
	    "530 on login is auth");
	is_int(hfx_reply_class(227, FAXERR_REJECTED), FAXERR_PROTOCOL,
	    "unexpected 2xx is a protocol error");
	is_int(hfx_reply_class(150, FAXERR_REJECTED), FAXERR_PROTOCOL,
	    "unexpected 1xx is a protocol error");
	r.code = 530;
	r.text = xstrdup("Login incorrect.\nsecond\x1b line");
	hfx_err_reply(&err, "fax1", "PASS", &r, FAXERR_AUTH);
	is_int(err.cls, FAXERR_AUTH, "err_reply class");
	is_str(err.msg, "server fax1: PASS: 530 Login incorrect.; "
	    "second? line", "err_reply message is clean and names all");
	hfx_reply_free(&r);
	fax_err_clear(&err);
	ok(err.msg == NULL && err.cls == FAXERR_NONE, "fax_err_clear");
	fax_err_clear(&err);
	is_str(fax_errclass_name(FAXERR_NOTFOUND), "notfound", "class name");
}

static void
test_single_replies(void)
{
	char	*cause = NULL, *s = NULL;
	int	 port = 0;

	is_int(hfx_parse_pasv("Entering passive mode (127,0,0,1,159,245)",
	    &port, &cause), 0, "PASV parsed");
	is_int(port, 159 * 256 + 245, "PASV port");
	is_int(hfx_parse_pasv("Entering Passive Mode 10,1,2,3,4,5.", &port,
	    &cause), 0, "PASV without parentheses");
	is_int(port, 4 * 256 + 5, "PASV port 2");
	is_int(hfx_parse_pasv("Entering passive mode (127,0,0,1,256,1)",
	    &port, &cause), -1, "PASV octet > 255 refused");
	free(cause);
	cause = NULL;
	is_int(hfx_parse_pasv("Entering passive mode (127,0,0,1,0,0)", &port,
	    &cause), -1, "PASV port 0 refused");
	free(cause);
	cause = NULL;
	is_int(hfx_parse_pasv("Entering passive mode (127,0,0,1,9)", &port,
	    &cause), -1, "PASV with 5 numbers refused");
	ok(cause != NULL && strstr(cause, "PASV") != NULL, "PASV cause");
	free(cause);
	cause = NULL;

	is_int(hfx_parse_jnew("New job created: jobid: 3 groupid: 3.", &s,
	    &cause), 0, "JNEW parsed");
	is_str(s, "3", "JNEW job id");
	free(s);
	s = NULL;
	is_int(hfx_parse_jnew("New job created: jobid: groupid: 3.", &s,
	    &cause), -1, "JNEW without id refused");
	free(cause);
	cause = NULL;

	is_int(hfx_parse_stot("FILE: /tmp/doc3.tif (Opening new data "
	    "connection).", &s, &cause), 0, "STOT 150 parsed");
	is_str(s, "/tmp/doc3.tif", "STOT 150 file");
	free(s);
	is_int(hfx_parse_stot("Transfer complete (FILE: /tmp/doc12.tif).",
	    &s, &cause), 0, "STOT 226 parsed");
	is_str(s, "/tmp/doc12.tif", "STOT 226 file");
	free(s);
	s = NULL;
	is_int(hfx_parse_stot("Opening data connection.", &s, &cause), -1,
	    "STOT without file refused");
	free(cause);
	cause = NULL;
	is_int(hfx_parse_stot("FILE: /tmp/a\"b (x)", &s, &cause), -1,
	    "STOT file with a quote refused");
	free(cause);
	cause = NULL;

	is_int(hfx_parse_bytes("Opening new data connection for "
	    "recvq/fax000000001.tif (3002 bytes)."), 3002, "RETR size");
	is_int(hfx_parse_bytes("Opening new data connection."), -1,
	    "RETR without size");
	is_int(hfx_parse_bytes("x (12a bytes)."), -1, "RETR bad size");
}

static void
test_job_lines(void)
{
	struct fax_job	 j;
	char		*cause = NULL;

	is_int(hfx_parse_job_line(" 3|R| 0:1 | 0:3 | 0:3 |any|x|5550102",
	    &j, &cause), -1, "job line with too few fields refused");
	free(cause);
	cause = NULL;
	is_int(hfx_parse_job_line("  3|R| 0:1 | 0:3 | 0:3 |ttyIAX1|"
	    "000000001|5550102|faxhub-i1-42|", &j, &cause), 0,
	    "job line with padding parsed");
	is_str(j.jobid, "3", "job id trimmed");
	is_int(j.state, FAX_ACTIVE, "R is active");
	is_int(j.npages, 0, "npages");
	is_int(j.totpages, 1, "totpages");
	is_int(j.totdials, 3, "max dials");
	is_str(j.modem, "ttyIAX1", "modem");
	is_str(j.commid, "000000001", "commid");
	is_str(j.number, "5550102", "number");
	is_str(j.tag, "faxhub-i1-42", "tag");
	is_str(j.status, "", "empty status");
	ok(j.remote_csid == NULL, "no remote CSID from HylaFAX");
	fax_job_free(&j);
	is_int(hfx_parse_job_line("7|S|0:2|1:3|1:3|any||+15551234|t7|"
	    "No local dialtone|extra|bars", &j, &cause), 0,
	    "status with '|' goes to the last field");
	is_int(j.state, FAX_SLEEPING, "S is sleeping");
	is_str(j.status, "No local dialtone|extra|bars", "status kept whole");
	is_int(j.ndials, 1, "dials made");
	fax_job_free(&j);
	is_int(hfx_parse_job_line("x|D|1:1|1:3|1:3|any|1|2|t|", &j, &cause),
	    -1, "non-numeric job id refused");
	free(cause);
	cause = NULL;
	is_int(hfx_parse_job_line("4|D|1-1|1:3|1:3|any|1|2|t|", &j, &cause),
	    -1, "bad page pair refused");
	free(cause);
	cause = NULL;
	is_int(hfx_state_from_letter('D'), FAX_DONE, "D done");
	is_int(hfx_state_from_letter('F'), FAX_FAILED, "F failed");
	is_int(hfx_state_from_letter('T'), FAX_SUSPENDED, "T suspended");
	is_int(hfx_state_from_letter('W'), FAX_READY, "W ready");
	is_int(hfx_state_from_letter('B'), FAX_BLOCKED, "B blocked");
	is_int(hfx_state_from_letter('P'), FAX_PENDING, "P pending");
	is_int(hfx_state_from_letter('?'), FAX_UNKNOWN, "? unknown");
	is_int(hfx_state_from_name("DONE"), FAX_DONE, "JPARM STATE DONE");
	is_int(hfx_state_from_name("UNDEFINED"), FAX_UNKNOWN,
	    "JPARM STATE UNDEFINED");
	is_int(hfx_state_from_name("garbage"), FAX_UNKNOWN, "unknown name");
	is_str(fax_state_name(FAX_SLEEPING), "sleeping", "state name");
}

static int
count_cb(const char *line, void *arg, char **cause)
{
	size_t	*n = arg;

	if (strcmp(line, "fail") == 0) {
		*cause = xstrdup("callback failed");
		return (-1);
	}
	(*n)++;
	return (0);
}

/* One element, not an array from the driver: free the members only. */
static void
free_modem(struct fax_modem *m)
{
	free(m->name);
	free(m->number);
	free(m->status);
}

static void
free_recv(struct fax_recv *rv)
{
	free(rv->file);
	free(rv->time);
	free(rv->csid);
	free(rv->caller);
	free(rv->called);
	free(rv->subaddr);
	free(rv->error);
	free(rv->format);
	free(rv->modem);
}

static void
test_listings(void)
{
	struct fax_modem	 m;
	struct fax_recv		 rv;
	struct buf		 b;
	char			*cause = NULL;
	const char		*status = "HylaFAX scheduler on vm: Running\r\n"
				    "ttyIAX1|*|5550101|Sending job 3\r\n"
				    "\r\nttyIAX2|*|5550101|Running and idle";
	size_t			 n = 0, i;

	ok(hfx_is_scheduler_line("HylaFAX scheduler on vm: Running"),
	    "scheduler line recognised");
	ok(!hfx_is_scheduler_line("ttyIAX1|*|5550101|Running and idle"),
	    "modem line is not the scheduler's");
	is_int(hfx_list_lines(status, strlen(status), count_cb, &n, &cause),
	    0, "status listing split");
	is_int(n, 3, "three non-empty lines, CRLF and no final newline");
	is_int(hfx_list_lines("a\nfail\nb\n", 9, count_cb, &n, &cause), -1,
	    "callback error stops the walk");
	free(cause);
	cause = NULL;
	buf_init(&b);
	for (i = 0; i < HFX_LISTLINE_MAX + 1; i++)
		buf_add(&b, "y", 1);
	is_int(hfx_list_lines(b.data, b.len, count_cb, &n, &cause), -1,
	    "over-long listing line refused");
	free(cause);
	cause = NULL;
	buf_free(&b);

	is_int(hfx_parse_modem_line("ttyIAX1|*|5550101|Sending job 3", &m,
	    &cause), 0, "modem line parsed");
	is_str(m.name, "ttyIAX1", "modem name");
	is_str(m.number, "5550101", "modem number");
	is_str(m.status, "Sending job 3", "modem status");
	is_int(m.busy, 1, "sending is busy");
	free_modem(&m);
	{
		static const struct {
			const char	*line;
			int		 busy;
		} mc[] = {
			{ " ttyIAX2 | * | 5550101 | Running and idle ", 0 },
			{ "ttyIAX2| |5550101|Running and idle", 1 },
			{ "ttyIAX2|*|5550101|Initializing server", 1 },
			{ "ttyIAX2|*|5550101|Waiting for modem to come ready",
			    1 },
			{ "ttyIAX2|*|5550101|Receiving from \"TB1\"", 1 },
			{ "ttyIAX2|*|5550101|Answering the phone", 1 },
		};
		char	nm[96];

		for (i = 0; i < nitems(mc); i++) {
			snprintf(nm, sizeof(nm), "modem busy: %s",
			    mc[i].line);
			if (hfx_parse_modem_line(mc[i].line, &m, &cause) ==
			    -1) {
				ok(0, nm);
				free(cause);
				cause = NULL;
				continue;
			}
			is_int(m.busy, mc[i].busy, nm);
			free_modem(&m);
		}
	}
	is_int(hfx_parse_modem_line("|*|1|x", &m, &cause), -1,
	    "modem without name refused");
	free(cause);
	cause = NULL;

	is_int(hfx_parse_recv_line("fax000000001.tif|2026/11/24 04.17.05|1|"
	    " |1544|196|14400|2-D MMR|2125550101|2125550102||"
	    "TB1 +1 212 555 0101|", &rv, &cause), 0, "recvq line parsed");
	is_str(rv.file, "fax000000001.tif", "recv file");
	is_str(rv.time, "2026/11/24 04.17.05", "recv time");
	is_int(rv.pages, 1, "recv pages");
	is_int(rv.receiving, 0, "recv not receiving");
	is_int(rv.size, 1544, "recv size");
	is_int(rv.vres, 196, "recv vres");
	is_int(rv.bitrate, 14400, "recv bitrate");
	is_str(rv.format, "2-D MMR", "recv format");
	is_str(rv.caller, "2125550101", "recv caller (CallID1)");
	is_str(rv.called, "2125550102", "recv called (CallID2)");
	is_str(rv.subaddr, "", "recv subaddr");
	is_str(rv.csid, "TB1 +1 212 555 0101", "recv TSI");
	is_str(rv.error, "", "recv no error");
	free_recv(&rv);
	is_int(hfx_parse_recv_line("fax2.tif|t|0|*|0|98|9600|1-D MH|||||"
	    "RSPREC error: got DCN|more", &rv, &cause), 0,
	    "recvq line while receiving, error with '|'");
	is_int(rv.receiving, 1, "receiving flag");
	is_str(rv.error, "RSPREC error: got DCN|more", "error kept whole");
	free_recv(&rv);
	is_int(hfx_parse_recv_line("../etc/passwd|t|1||1|98|9600|x|||||",
	    &rv, &cause), -1, "recvq file name with a path refused");
	free(cause);
	cause = NULL;
	is_int(hfx_parse_recv_line("f.tif|t|x1||1|98|9600|x|||||", &rv,
	    &cause), -1, "recvq bad page count refused");
	free(cause);
	cause = NULL;
	is_int(hfx_parse_recv_line("f.tif|t|1|", &rv, &cause), -1,
	    "recvq short line refused");
	free(cause);
	/* hfaxd's placeholders while a fax is arriving (issue 15). */
	is_int(hfx_parse_recv_line("fax000000018.tif|2026/12/01 14.25.43|0|*|"
	    "8|4294967295|14400|1-D MH|||||", &rv, &cause), 0,
	    "recvq entry still arriving, vres 4294967295: parsed");
	is_int(rv.receiving, 1, "still arriving: receiving flag");
	is_int(rv.vres, 0, "placeholder 4294967295 is unknown (0)");
	is_int(rv.size, 8, "size so far");
	free_recv(&rv);
	is_int(hfx_parse_recv_line("fax19.tif|t|*| |4294967295||*|2-D MMR|"
	    "|||TB1|", &rv, &cause), 0,
	    "placeholders in pages, size, vres, bitrate: parsed");
	ok(rv.pages == 0 && rv.size == 0 && rv.vres == 0 && rv.bitrate == 0,
	    "each placeholder is unknown (0)");
	is_int(rv.receiving, 0, "finished entry with placeholders");
	free_recv(&rv);
	is_int(hfx_parse_recv_line("fax20.tif|t|1||-1|98|9600|x|||||", &rv,
	    &cause), 0, "placeholder -1 accepted");
	is_int(rv.size, 0, "-1 is unknown (0)");
	free_recv(&rv);
	is_int(hfx_parse_recv_line("fax21.tif|t|1||4294967296|98|9600|x|||||",
	    &rv, &cause), -1, "a real number out of range is still refused");
	free(cause);
	cause = NULL;
	ok(hfx_recv_name_ok("fax000000001.tif"), "recv name ok");
	ok(!hfx_recv_name_ok(".hidden"), "recv name with leading dot");
	ok(!hfx_recv_name_ok("a/b"), "recv name with slash");
}

/*
 * Every job status text HylaFAX 6.0 really produces that faxhub acts on:
 * faxsend's call and T.30 results, faxq's job-control verdicts (strings
 * of /usr/lib/hylafax/bin/faxsend and /usr/sbin/faxq, hylafax-server
 * 6.0.7), and what the testbed's iaxmodem busy gives.
 */
static void
test_status_texts(void)
{
	static const struct {
		const char		*text;
		enum fax_errclass	 cls;
		enum fax_cause		 cause;
	} t[] = {
		{ "Busy signal detected", FAXERR_TEMPORARY, FAX_CAUSE_BUSY },
		{ "No local dialtone", FAXERR_TEMPORARY, FAX_CAUSE_BUSY },
		{ "Blocked by concurrent calls", FAXERR_TEMPORARY,
		    FAX_CAUSE_BUSY },
		{ "Glare - RING detected", FAXERR_TEMPORARY, FAX_CAUSE_BUSY },
		{ "No answer from remote", FAXERR_TEMPORARY,
		    FAX_CAUSE_NO_ANSWER },
		{ "No answer (T.30 T1 timeout)", FAXERR_TEMPORARY,
		    FAX_CAUSE_NO_ANSWER },
		{ "No answer or ring back", FAXERR_TEMPORARY,
		    FAX_CAUSE_NO_ANSWER },
		{ "Ringback detected, no answer (timeout)", FAXERR_TEMPORARY,
		    FAX_CAUSE_NO_ANSWER },
		{ "No carrier detected", FAXERR_TEMPORARY, FAX_CAUSE_NO_FAX },
		{ "Data connection established (wanted fax)",
		    FAXERR_TEMPORARY, FAX_CAUSE_NO_FAX },
		{ "Remote has no T.4 receiver capability", FAXERR_TEMPORARY,
		    FAX_CAUSE_NO_FAX },
		{ "No receiver protocol (T.30 T1 timeout)", FAXERR_TEMPORARY,
		    FAX_CAUSE_NO_FAX },
		{ "Ring detected without successful handshake",
		    FAXERR_TEMPORARY, FAX_CAUSE_NO_FAX },
		{ "Communication failure during Phase B/C", FAXERR_TEMPORARY,
		    FAX_CAUSE_LINE },
		{ "Failure to train remote modem at 2400 bps or minimum speed",
		    FAXERR_TEMPORARY, FAX_CAUSE_LINE },
		{ "No response to EOP repeated 3 tries", FAXERR_TEMPORARY,
		    FAX_CAUSE_LINE },
		{ "Remote fax disconnected prematurely", FAXERR_TEMPORARY,
		    FAX_CAUSE_LINE },
		/* A T.30 exchange gone wrong is the line's, not the number's
		 * (the first, as hfaxd gave it in a loopback run under load). */
		{ "COMREC invalid command received/no DIS or DTC; too many "
		    "attempts to send", FAXERR_TEMPORARY, FAX_CAUSE_LINE },
		{ "COMREC invalid response received to PPS.; Giving up after "
		    "3 attempts to send same page", FAXERR_TEMPORARY,
		    FAX_CAUSE_LINE },
		{ "COMREC error in transmit Phase B/got DCN", FAXERR_TEMPORARY,
		    FAX_CAUSE_LINE },
		{ "RSPREC error/got DCN", FAXERR_TEMPORARY, FAX_CAUSE_LINE },
		{ "DCS sent 3 times without response", FAXERR_TEMPORARY,
		    FAX_CAUSE_LINE },
		{ "DIS/DTC received 3 times; DCS not recognized",
		    FAXERR_TEMPORARY, FAX_CAUSE_LINE },
		{ "Unspecified Transmit Phase B error", FAXERR_TEMPORARY,
		    FAX_CAUSE_LINE },
		{ "Invalid response to EOP", FAXERR_TEMPORARY,
		    FAX_CAUSE_LINE },
		{ "Giving up after 3 attempts to send same page",
		    FAXERR_TEMPORARY, FAX_CAUSE_LINE },
		{ "Kill time expired", FAXERR_TEMPORARY, FAX_CAUSE_TIMEOUT },
		{ "REJECT: Too many attempts to dial: 3, max 3",
		    FAXERR_TEMPORARY, FAX_CAUSE_NO_ANSWER },
		{ "REJECT: Too many attempts to transmit: 1, max 1",
		    FAXERR_TEMPORARY, FAX_CAUSE_LINE },
		{ "REJECT: Requested modem ttyIAX9 is not registered",
		    FAXERR_REJECTED, FAX_CAUSE_REJECTED },
		{ "Unable to assign modem ttyIAX1 (cannot lock)",
		    FAXERR_REJECTED, FAX_CAUSE_REJECTED },
		{ "REJECT: Unable to convert dial string to canonical format",
		    FAXERR_PERMANENT, FAX_CAUSE_BAD_NUMBER },
		{ "Invalid dialing command", FAXERR_PERMANENT,
		    FAX_CAUSE_BAD_NUMBER },
		{ "REJECT: Too many pages in submission: 900, max 500",
		    FAXERR_PERMANENT, FAX_CAUSE_DOCUMENT },
		{ "Document preparation failed: bad TIFF", FAXERR_PERMANENT,
		    FAX_CAUSE_DOCUMENT },
		{ "Can not open document file", FAXERR_PERMANENT,
		    FAX_CAUSE_DOCUMENT },
		{ "Job aborted by request", FAXERR_PERMANENT,
		    FAX_CAUSE_OTHER },
		{ "Something HylaFAX never said", FAXERR_PERMANENT,
		    FAX_CAUSE_OTHER },
	};
	enum fax_errclass	cls;
	enum fax_cause		cause;
	struct fax_job		job;
	size_t			i;
	char			name[160];

	for (i = 0; i < nitems(t); i++) {
		hfx_classify(t[i].text, &cls, &cause);
		snprintf(name, sizeof(name), "\"%s\": %s, %s", t[i].text,
		    fax_errclass_name(t[i].cls), fax_cause_name(t[i].cause));
		ok(cls == t[i].cls && cause == t[i].cause, name);
	}
	ok(hfx_classify(NULL, &cls, &cause) == NULL &&
	    cls == FAXERR_PERMANENT, "no text: permanent, no words");
	is_str(hfx_classify("Busy signal detected", &cls, &cause),
	    "the line was busy", "plain words for the report");
	memset(&job, 0, sizeof(job));
	job.state = FAX_FAILED;
	job.status = (char *)"Something HylaFAX never said";
	hfx_job_classify(&job);
	is_str(job.words, "the fax could not be sent",
	    "unknown failure: generic words");
	job.state = FAX_DONE;
	hfx_job_classify(&job);
	ok(job.cls == FAXERR_NONE && job.words == NULL, "done: no class");
	is_int(fax_cause_from_name(fax_cause_name(FAX_CAUSE_NO_FAX)),
	    FAX_CAUSE_NO_FAX, "cause names round trip");
	is_int(fax_cause_from_name(NULL), FAX_CAUSE_OTHER,
	    "old record without cause: other");
	is_int(fax_errclass_from_name("temporary"), FAXERR_TEMPORARY,
	    "class names round trip");
	ok(fax_driver_find("hylafax") == &fax_hylafax_driver &&
	    fax_driver_find(NULL) == &fax_hylafax_driver &&
	    fax_driver_find("t37") == NULL, "drivers compiled in");
}

static void
test_job_commands(void)
{
	struct fax_job_req	  req;
	char			**cmds, *cause = NULL;
	size_t			  n, i;
	struct buf		  all;

	memset(&req, 0, sizeof(req));
	req.document = "/tmp/x.tif";
	req.dialstring = "5550102";
	req.owner = "alice@example.test";
	req.tag = "faxhub-i1-42";
	req.touser = "Bob \"the\" Builder";
	req.fine = 1;
	req.maxdials = 3;
	req.maxtries = 2;
	req.lifetime_s = 3 * 3600 - 60;
	is_int(hfx_job_commands(&req, &cmds, &n, &cause), 0, "job commands");
	buf_init(&all);
	for (i = 0; i < n; i++) {
		buf_adds(&all, cmds[i]);
		buf_adds(&all, "\n");
		free(cmds[i]);
	}
	free(cmds);
	is_str(all.data,
	    "JPARM FROMUSER \"alice@example.test\"\n"
	    "JPARM LASTTIME 000259\n"
	    "JPARM MAXDIALS 3\n"
	    "JPARM MAXTRIES 2\n"
	    "JPARM DIALSTRING \"5550102\"\n"
	    "JPARM NOTIFY \"none\"\n"
	    "JPARM VRES 196\n"
	    "JPARM PAGEWIDTH 209\n"
	    "JPARM PAGELENGTH 296\n"
	    "JPARM TOUSER \"Bob ?the? Builder\"\n"
	    "JPARM JOBINFO \"faxhub-i1-42\"\n", "JPARMs in order, TOUSER "
	    "sanitised");
	buf_reset(&all);
	req.fine = 0;
	req.letter = 1;
	req.touser = NULL;
	req.maxdials = req.maxtries = 0;
	req.lifetime_s = 200 * 86400;
	req.notifyaddr = "alice@example.test";
	is_int(hfx_job_commands(&req, &cmds, &n, &cause), 0,
	    "job commands 2");
	for (i = 0; i < n; i++) {
		buf_adds(&all, cmds[i]);
		buf_adds(&all, "\n");
		free(cmds[i]);
	}
	free(cmds);
	is_str(all.data,
	    "JPARM FROMUSER \"alice@example.test\"\n"
	    "JPARM LASTTIME 992359\n"
	    "JPARM DIALSTRING \"5550102\"\n"
	    "JPARM NOTIFYADDR \"alice@example.test\"\n"
	    "JPARM NOTIFY \"done\"\n"
	    "JPARM VRES 98\n"
	    "JPARM PAGEWIDTH 216\n"
	    "JPARM PAGELENGTH 279\n"
	    "JPARM JOBINFO \"faxhub-i1-42\"\n", "letter, normal, notify, "
	    "lifetime capped at 99 days");
	buf_free(&all);
	req.tag = "a|b";
	is_int(hfx_job_commands(&req, &cmds, &n, &cause), -1,
	    "tag with '|' refused");
	free(cause);
	cause = NULL;
	req.tag = "t";
	req.dialstring = "555\"0102";
	is_int(hfx_job_commands(&req, &cmds, &n, &cause), -1,
	    "dial string with a quote refused");
	free(cause);
	cause = NULL;
	req.dialstring = "5550102\r\nJSUBM";
	is_int(hfx_job_commands(&req, &cmds, &n, &cause), -1,
	    "dial string with CRLF refused");
	free(cause);
	cause = NULL;
	req.dialstring = "5550102";
	req.owner = NULL;
	is_int(hfx_job_commands(&req, &cmds, &n, &cause), -1,
	    "missing owner refused");
	free(cause);
	ok(!hfx_arg_ok(""), "empty argument refused");
	ok(hfx_arg_ok("+1 (212) 555-0101"), "plain argument accepted");
}

int
main(void)
{
	test_replies();
	test_limits_and_pipelining();
	test_classes();
	test_single_replies();
	test_job_lines();
	test_listings();
	test_status_texts();
	test_job_commands();
	return (done_testing());
}
