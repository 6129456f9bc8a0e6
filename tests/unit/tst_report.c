/* tst_report: every mail faxhub writes to a person, parsed by libetpan. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "util.h"
#include "xmalloc.h"
#include "../smtp/mimecheck.h"
#include "../tap.h"

static const unsigned char png[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0, 0xff, 0x00
};

/* Parses raw; checks the wire format; returns 0 when both are fine. */
static int
parse(struct mc_msg *mc, const char *raw, size_t len, const char *what)
{
	const char	*why = "";
	char		 name[128];

	snprintf(name, sizeof(name), "%s: CRLF only, 7-bit, short lines", what);
	if (!ok(mc_wire_ok(raw, len, &why), name))
		diag("%s", why);
	snprintf(name, sizeof(name), "%s: libetpan parses it", what);
	return ok(mc_parse(mc, raw, len) == 0, name) ? 0 : -1;
}

static void
header_is(struct mc_msg *mc, const char *h, const char *want,
    const char *what)
{
	char	*got = mc_header(mc, h, 0), name[160];

	snprintf(name, sizeof(name), "%s: %s", what, h);
	is_str(got, want, name);
	free(got);
}

static void
body_has(struct mc_msg *mc, const char *needle, const char *what)
{
	char	name[200];

	snprintf(name, sizeof(name), "%s: body has \"%s\"", what, needle);
	if (!ok(mc->nparts > 0 && strstr(mc->part[0].data, needle) != NULL,
	    name) && mc->nparts > 0)
		diag("body: %s", mc->part[0].data);
}

static struct report_envelope
envelope(void)
{
	struct report_envelope	e;

	memset(&e, 0, sizeof(e));
	e.from = "fax@fax.example.test";
	e.to = "alice@example.test";
	e.instance = "gw1.example.test";
	e.orig_subject = "Quote for ACME [pw:hunter2]";
	e.orig_message_id = "<orig1@mua.example.test>";
	e.orig_references = "<r0@mua.example.test>";
	return e;
}

static struct report_dest
dest(const char *num, int ok_)
{
	struct report_dest	d;

	memset(&d, 0, sizeof(d));
	d.number_typed = num;
	d.number_dialled = "0755551234";
	d.ok = ok_;
	d.why = ok_ ? WHY_NONE : WHY_BUSY;
	d.detail = ok_ ? NULL : "Busy signal detected";
	d.pages_sent = ok_ ? 2 : 0;
	d.pages_total = 2;
	d.start = 1795000000;
	d.duration = 83;
	d.server = "fax1";
	d.csid = ok_ ? "ACME FAX" : NULL;
	d.attempts = ok_ ? 1 : 3;
	d.job_id = ok_ ? "J17" : "J18";
	return d;
}

static void
test_outbound_single(void)
{
	struct report_outbound	 r;
	struct report_dest	 d = dest("+81755551234", 1);
	struct mc_msg		 mc;
	char			*raw, *cause = NULL;
	size_t			 len;

	memset(&r, 0, sizeof(r));
	r.env = envelope();
	r.dest = &d;
	r.ndest = 1;
	r.preview_png = png;
	r.preview_len = sizeof(png);
	raw = report_outbound(&r, &len, &cause);
	ok(raw != NULL, "out ok: built");
	if (raw == NULL || parse(&mc, raw, len, "out ok") == -1)
		return;
	header_is(&mc, "Subject", "Fax sent: +81755551234 (2 pages)", "out ok");
	header_is(&mc, "From", "Fax gateway <fax@fax.example.test>", "out ok");
	header_is(&mc, "To", "alice@example.test", "out ok");
	header_is(&mc, "Auto-Submitted", "auto-replied", "out ok");
	header_is(&mc, "In-Reply-To", "<orig1@mua.example.test>", "out ok");
	header_is(&mc, "References",
	    "<r0@mua.example.test> <orig1@mua.example.test>", "out ok");
	header_is(&mc, "X-Faxhub-Status", "ok", "out ok");
	header_is(&mc, "X-Faxhub-Job", "J17", "out ok");
	header_is(&mc, "X-Faxhub-Number", "+81755551234", "out ok");
	header_is(&mc, "X-Faxhub-Pages", "2/2", "out ok");
	header_is(&mc, "X-Faxhub-Results", "ok", "out ok");
	is_int(mc_count(&mc, "X-Faxhub-Broadcast"), 0,
	    "out ok: no broadcast header for a single fax");
	body_has(&mc, "Your fax to +81755551234 was sent.", "out ok");
	body_has(&mc, "Dialled:  0755551234", "out ok");
	body_has(&mc, "Result:   OK", "out ok");
	body_has(&mc, "Pages:    2 of 2", "out ok");
	body_has(&mc, "Time:     2026-11-18 20:06 +0900", "out ok");
	body_has(&mc, "Duration: 1 min 23 s", "out ok");
	body_has(&mc, "Server:   fax1", "out ok");
	body_has(&mc, "Receiver: ACME FAX", "out ok");
	body_has(&mc, "Attempts: 1", "out ok");
	body_has(&mc, "Subject: Quote for ACME [pw:***]", "out ok");
	body_has(&mc, "Message-ID: <orig1@mua.example.test>", "out ok");
	ok(strstr(raw, "hunter2") == NULL, "out ok: password never written");
	is_int(mc.nparts, 2, "out ok: text + preview");
	is_str(mc.part[1].type, "image/png", "out ok: preview is PNG");
	is_str(mc.part[1].disposition, "inline", "out ok: preview inline");
	ok(mc.part[1].len == sizeof(png) &&
	    memcmp(mc.part[1].data, png, sizeof(png)) == 0,
	    "out ok: preview bytes intact");
	mc_free(&mc);
	free(raw);
}

static void
test_outbound_failed(void)
{
	struct report_outbound	 r;
	struct report_dest	 d = dest("075-555-1234", 0);
	struct mc_msg		 mc;
	char			*raw, *cause = NULL;
	size_t			 len;

	memset(&r, 0, sizeof(r));
	r.env = envelope();
	r.env.orig_references = NULL;
	r.dest = &d;
	r.ndest = 1;
	raw = report_outbound(&r, &len, &cause);
	if (!ok(raw != NULL, "out failed: built") ||
	    parse(&mc, raw, len, "out failed") == -1)
		return;
	header_is(&mc, "Subject", "Fax failed: 075-555-1234 - line busy",
	    "out failed");
	header_is(&mc, "X-Faxhub-Status", "failed", "out failed");
	header_is(&mc, "X-Faxhub-Pages", "0/2", "out failed");
	header_is(&mc, "References", "<orig1@mua.example.test>",
	    "out failed");
	body_has(&mc, "was NOT sent", "out failed");
	body_has(&mc, "The line was busy every time we called.", "out failed");
	body_has(&mc, "Fax server said: Busy signal detected", "out failed");
	body_has(&mc, "Attempts: 3", "out failed");
	body_has(&mc, "You can send the same mail again later.", "out failed");
	is_int(mc.nparts, 1, "out failed: no preview, single part");
	is_str(mc.top_type, "text/plain", "out failed: text/plain");
	mc_free(&mc);
	free(raw);
}

static void
test_broadcast(void)
{
	struct report_outbound	 r;
	struct report_dest	 d[3];
	struct mc_msg		 mc;
	char			*raw, *cause = NULL;
	size_t			 len;

	d[0] = dest("+81755551234", 1);
	d[1] = dest("+81755550000", 0);
	d[1].why = WHY_BAD_NUMBER;
	d[1].job_id = "J19";
	d[2] = dest("+81755559999", 1);
	d[2].job_id = "J20";
	memset(&r, 0, sizeof(r));
	r.env = envelope();
	r.broadcast_id = "B7";
	r.dest = d;
	r.ndest = 3;
	raw = report_outbound(&r, &len, &cause);
	if (!ok(raw != NULL, "broadcast: built") ||
	    parse(&mc, raw, len, "broadcast") == -1)
		return;
	header_is(&mc, "Subject", "Fax broadcast: 2 of 3 sent", "broadcast");
	header_is(&mc, "X-Faxhub-Status", "partial", "broadcast");
	header_is(&mc, "X-Faxhub-Broadcast", "B7", "broadcast");
	header_is(&mc, "X-Faxhub-Numbers",
	    "+81755551234, +81755550000, +81755559999", "broadcast");
	header_is(&mc, "X-Faxhub-Job", "J17, J19, J20", "broadcast");
	header_is(&mc, "X-Faxhub-Results", "ok, failed, ok", "broadcast");
	header_is(&mc, "X-Faxhub-Pages", "2/2, 0/2, 2/2", "broadcast");
	is_int(mc_count(&mc, "X-Faxhub-Number"), 0,
	    "broadcast: no single-number header");
	body_has(&mc, "Your fax to 3 numbers: 2 sent, 1 failed.", "broadcast");
	body_has(&mc, "2. +81755550000 - invalid number", "broadcast");
	body_has(&mc, "   Why:      The number does not exist", "broadcast");
	body_has(&mc, "Please check the number", "broadcast");
	mc_free(&mc);
	free(raw);

	d[1] = dest("+81755550000", 1);
	raw = report_outbound(&r, &len, &cause);
	if (raw != NULL && parse(&mc, raw, len, "broadcast all") == 0) {
		header_is(&mc, "Subject", "Fax broadcast: all 3 sent",
		    "broadcast all");
		header_is(&mc, "X-Faxhub-Status", "ok", "broadcast all");
		mc_free(&mc);
	}
	free(raw);
	d[0].ok = d[1].ok = d[2].ok = 0;
	raw = report_outbound(&r, &len, &cause);
	if (raw != NULL && parse(&mc, raw, len, "broadcast none") == 0) {
		header_is(&mc, "X-Faxhub-Status", "failed", "broadcast none");
		mc_free(&mc);
	}
	free(raw);

	r.ndest = 0;
	ok(report_outbound(&r, &len, &cause) == NULL && cause != NULL,
	    "report with no destination refused");
	free(cause);
	cause = NULL;
	r.ndest = 1;
	r.env.to = "nobody";
	ok(report_outbound(&r, &len, &cause) == NULL && cause != NULL &&
	    strstr(cause, "nobody") != NULL, "bad To address refused");
	free(cause);
}

static void
test_hostile(void)
{
	struct report_outbound	 r;
	struct report_dest	 d = dest("+8175\r\nBcc: x@evil.test", 0);
	struct mc_msg		 mc;
	char			*raw, *cause = NULL, *h;
	size_t			 len;

	d.detail = "Fail\r\nTo: y@evil.test";
	d.csid = "CS\nID";
	memset(&r, 0, sizeof(r));
	r.env = envelope();
	r.env.orig_subject = "Hi\r\nBcc: z@evil.test";
	r.env.orig_message_id = "<a@b>\r\nBcc: w@evil.test";
	r.dest = &d;
	r.ndest = 1;
	raw = report_outbound(&r, &len, &cause);
	if (!ok(raw != NULL, "hostile: built") ||
	    parse(&mc, raw, len, "hostile") == -1)
		return;
	is_int(mc_count(&mc, "Bcc"), 0, "hostile: no Bcc header");
	is_int(mc_count(&mc, "To"), 1, "hostile: one To header");
	h = mc_header(&mc, "X-Faxhub-Number", 0);
	is_str(h, "+8175 Bcc: x@evil.test", "hostile: number on one line");
	free(h);
	header_is(&mc, "In-Reply-To", "<a@b>", "hostile");
	body_has(&mc, "Subject: Hi  Bcc: z@evil.test", "hostile");
	mc_free(&mc);
	free(raw);
}

static void
test_refusals(void)
{
	struct report_refusal	 r;
	struct mc_msg		 mc;
	char			*raw, *cause = NULL, want[128], what[64];
	size_t			 len;
	int			 reason;
	static const char	*values[] = {
		"mallory@example.test", "bob@example.test", NULL,
		"+81-75-555-12345678", "+81990000000", NULL, "scan.tif",
		"31 MB", NULL, "carol@example.test", NULL
	};
	/* The exact sentence of each class, then what to do. */
	static const char	*said[] = {
		"The sender address mallory@example.test is not registered "
		    "to send faxes through this gateway.",
		"We could not confirm that this mail really comes from "
		    "bob@example.test.",
		"The mail was not addressed to any fax number.",
		"The fax number +81-75-555-12345678 is an invalid number.",
		"Faxes to +81990000000 are not allowed from your account.",
		"The mail had no document to fax.",
		"The attached document scan.tif could not be faxed: the "
		    "file is damaged or cut short.",
		"Your mail (31 MB) is larger than the limit of 20 MB.",
		"Your mail could not be read: its structure is damaged.",
		"The fax account carol@example.test is disabled.",
		"The mail was sent automatically (a vacation reply, a list "
		    "or a bounce), and the gateway faxes only what a person "
		    "sends."
	};

	for (reason = REFUSE_UNKNOWN_SENDER; reason <= REFUSE_AUTOMATIC;
	    reason++) {
		memset(&r, 0, sizeof(r));
		r.env = envelope();
		r.reason = reason;
		r.value = values[reason];
		r.fax_domain = "fax.example.test";
		r.limit = "20 MB";
		r.detail = reason == REFUSE_BAD_DOCUMENT ?
		    "the file is damaged or cut short" : NULL;
		snprintf(what, sizeof(what), "refusal %s",
		    report_refusal_keyword(reason));
		raw = report_refusal(&r, &len, &cause);
		if (!ok(raw != NULL, what) || parse(&mc, raw, len, what) == -1)
			continue;
		snprintf(want, sizeof(want), "Fax not sent: %s",
		    report_refusal_short(reason));
		header_is(&mc, "Subject", want, what);
		header_is(&mc, "Auto-Submitted", "auto-replied", what);
		header_is(&mc, "In-Reply-To", "<orig1@mua.example.test>", what);
		header_is(&mc, "X-Faxhub-Reason",
		    report_refusal_keyword(reason), what);
		body_has(&mc, "What to do:", what);
		body_has(&mc, "Subject: Quote for ACME [pw:***]", what);
		body_has(&mc, "Message-ID: <orig1@mua.example.test>", what);
		if (values[reason] != NULL)
			body_has(&mc, values[reason], what);
		ok(strstr(raw, "hunter2") == NULL, "refusal: no password");
		if (reason == REFUSE_NO_RECIPIENT)
			body_has(&mc, "+81755551234@fax.example.test", what);
		if (reason == REFUSE_TOO_LARGE)
			body_has(&mc, "limit of 20 MB", what);
		body_has(&mc, said[reason], what);
		if (reason == REFUSE_BAD_DOCUMENT)
			ok(strstr(mc.part[0].data, "Details:") == NULL,
			    "bad document: the reason is in the sentence");
		header_is(&mc, "References", "<r0@mua.example.test> "
		    "<orig1@mua.example.test>", what);
		mc_free(&mc);
		free(raw);
	}
}

/* References per RFC 5322: the thread, then the Message-ID, each once. */
static void
test_references(void)
{
	struct report_refusal	 r;
	struct mc_msg		 mc;
	char			*raw, *cause = NULL;
	size_t			 len;

	memset(&r, 0, sizeof(r));
	r.env = envelope();
	r.reason = REFUSE_NO_ATTACHMENT;
	r.env.orig_references = "<r0@mua.example.test> "
	    "<orig1@mua.example.test>";
	raw = report_refusal(&r, &len, &cause);
	if (ok(raw != NULL, "refs: built") &&
	    parse(&mc, raw, len, "refs") == 0) {
		header_is(&mc, "References", "<r0@mua.example.test> "
		    "<orig1@mua.example.test>", "refs: no duplicate");
		mc_free(&mc);
	}
	free(raw);
	r.env.orig_references = NULL;
	raw = report_refusal(&r, &len, &cause);
	if (ok(raw != NULL, "refs none: built") &&
	    parse(&mc, raw, len, "refs none") == 0) {
		header_is(&mc, "References", "<orig1@mua.example.test>",
		    "refs none: the Message-ID once");
		mc_free(&mc);
	}
	free(raw);
}

static void
test_inbound(void)
{
	struct report_inbound	 r;
	struct report_file	 f[2];
	struct mc_msg		 mc;
	char			 path[] = "/tmp/tstreportXXXXXX";
	char			*raw = NULL, *cause = NULL;
	size_t			 len;
	int			 fd;

	fd = mkstemp(path);
	ok(fd != -1 && write(fd, "II*\0tiffdata", 12) == 12, "tiff file");
	close(fd);
	memset(f, 0, sizeof(f));
	f[0].content_type = "application/pdf";
	f[0].filename = "fax-R5.pdf";
	f[0].data = "%PDF-1.4 data";
	f[0].len = 13;
	f[1].content_type = "image/tiff";
	f[1].filename = "fax-R5.tif";
	f[1].path = path;
	memset(&r, 0, sizeof(r));
	r.env = envelope();
	r.fax_id = "R5";
	r.csid = "ACME FAX";
	r.caller = "+81755551234";
	r.caller_name = "山田商店";
	r.called = "+81312345678";
	r.server = "fax2";
	r.pages = 3;
	r.received = 1795000000;
	r.duration = 65;
	r.files = f;
	r.nfiles = 2;
	r.preview_png = png;
	r.preview_len = sizeof(png);
	ok(report_inbound(&r, &raw, &len, &cause) == 0, "in: built");
	if (raw == NULL || parse(&mc, raw, len, "in") == -1)
		goto out;
	header_is(&mc, "Subject", "Fax from ACME FAX (3 pages)", "in");
	header_is(&mc, "Auto-Submitted", "auto-generated", "in");
	header_is(&mc, "X-Faxhub-Status", "ok", "in");
	header_is(&mc, "X-Faxhub-Fax", "R5", "in");
	header_is(&mc, "X-Faxhub-Pages", "3", "in");
	is_int(mc_count(&mc, "In-Reply-To"), 0, "in: not a reply");
	body_has(&mc, "You have received a fax of 3 pages.", "in");
	body_has(&mc, "Sender:   ACME FAX", "in");
	body_has(&mc, "Caller:   +81755551234 (山田商店)", "in");
	body_has(&mc, "To:       +81312345678", "in");
	body_has(&mc, "Received: 2026-11-18 20:06 +0900", "in");
	body_has(&mc, "Duration: 1 min 5 s", "in");
	body_has(&mc, "attached as PDF and TIFF.", "in");
	is_int(mc.nparts, 4, "in: text, PDF, TIFF, preview");
	is_str(mc.part[1].type, "application/pdf", "in: PDF part");
	is_str(mc.part[1].data, "%PDF-1.4 data", "in: PDF bytes");
	is_str(mc.part[2].filename, "fax-R5.tif", "in: TIFF name");
	ok(mc.part[2].len == 12 && memcmp(mc.part[2].data, "II*\0tiffdata",
	    12) == 0, "in: TIFF bytes read from the file");
	is_str(mc.part[3].disposition, "inline", "in: preview inline");
	mc_free(&mc);
	free(raw);
	raw = NULL;

	r.csid = NULL;
	r.pages = 1;
	r.error = "Page 2 incomplete: carrier lost";
	r.nfiles = 1;
	r.preview_png = NULL;
	ok(report_inbound(&r, &raw, &len, &cause) == 0, "in err: built");
	if (raw != NULL && parse(&mc, raw, len, "in err") == 0) {
		header_is(&mc, "Subject", "Fax from +81755551234 (1 page)",
		    "in err");
		header_is(&mc, "X-Faxhub-Status", "error", "in err");
		body_has(&mc, "WARNING", "in err");
		body_has(&mc, "Page 2 incomplete: carrier lost", "in err");
		body_has(&mc, "Sender:   unknown", "in err");
		mc_free(&mc);
	}
	free(raw);
	raw = NULL;

	r.caller = NULL;
	r.nfiles = 0;
	ok(report_inbound(&r, &raw, &len, &cause) == 0, "in anon: built");
	if (raw != NULL && parse(&mc, raw, len, "in anon") == 0) {
		header_is(&mc, "Subject", "Fax from unknown sender (1 page)",
		    "in anon");
		mc_free(&mc);
	}
	free(raw);
	raw = NULL;

	unlink(path);
	r.nfiles = 2;
	ok(report_inbound(&r, &raw, &len, &cause) == -1 && raw == NULL &&
	    cause != NULL && strstr(cause, path) != NULL &&
	    strstr(cause, "R5") != NULL, "in: missing file named in cause");
	free(cause);
out:
	unlink(path);
}

int
main(void)
{
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	test_outbound_single();
	test_outbound_failed();
	test_broadcast();
	test_hostile();
	test_refusals();
	test_references();
	test_inbound();
	return done_testing();
}
