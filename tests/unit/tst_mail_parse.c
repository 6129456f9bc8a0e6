/* tst_mail_parse: the mail parser, with the password (auth.c) and
 * fax-recipient (addr.c) decisions on top: from real-world-shaped mails and hostile ones. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "auth.h"
#include "mail-parse.h"
#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

static const struct msg_limits lim = {
	1024 * 1024, 16 * 1024, 256 * 1024, 10, 100
};
static char *doms[] = { "fax.example.com", NULL };

static int
parse_file(const char *name, struct msg *m, enum msg_err *err,
    char **cause)
{
	const char	*top;
	char		*path, *raw;
	size_t		 len;
	int		 rc;

	if ((top = getenv("top_srcdir")) == NULL)
		top = TOP_SRCDIR;
	xasprintf(&path, "%s/tests/data/mail/%s", top, name);
	if (file_read(path, 4 * 1024 * 1024, &raw, &len, cause) != 0) {
		diag("%s", *cause);
		free(path);
		*err = MSG_EMALFORMED;
		return (-1);
	}
	rc = msg_parse(raw, len, &lim, m, err, cause);
	if (rc == 0)
		auth_take_password(m);
	free(raw);
	free(path);
	return (rc);
}

static int
parse_ok(const char *name, struct msg *m)
{
	enum msg_err	 err;
	char		*cause = NULL, label[128];
	int		 rc;

	rc = parse_file(name, m, &err, &cause);
	snprintf(label, sizeof(label), "%s parses", name);
	if (!ok(rc == 0, label))
		diag("error %d: %s", err, cause);
	free(cause);
	return (rc == 0);
}

static void
recipients(const struct msg *m, const char *want)
{
	char	**l, got[1024] = "";
	size_t	 n, i;

	addr_fax_recipients(m->to_cc, m->nto_cc, m->delivered_to,
	    m->ndelivered, doms, &l, &n);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strlcat(got, " ", sizeof(got));
		strlcat(got, l[i], sizeof(got));
	}
	is_str(got, want, "fax recipients");
	msg_strings_free(l, n);
}

static void
test_files(void)
{
	struct msg	 m;
	enum msg_err	 err;
	char		*cause = NULL;

	if (parse_ok("gmail-octet.eml", &m)) {
		is_str(m.from, "alice@example.test", "gmail: From lower-case");
		is_str(m.from_name, "Alice Example", "gmail: display name");
		is_str(m.return_path, "alice@example.test", "Return-Path");
		is_str(m.subject, "scan [pw:s3cret]", "raw subject");
		is_str(m.password, "s3cret", "password from subject");
		is_str(m.subject_clean, "scan", "password removed");
		is_str(m.message_id, "CAgmail123@mail.gmail.com", "Message-ID");
		is_str(m.authres, "mx.example.com; auth=pass "
		    "smtp.auth=alice@example.test", "Authentication-Results");
		is_int(m.ndocs, 1, "gmail: one document");
		is_str(m.docs[0].name, "scan.tif", "octet-stream name");
		is_str(m.docs[0].content_type, "application/octet-stream",
		    "label kept");
		is_int(m.docs[0].kind, DOC_TIFF, "TIFF by content");
		ok(m.docs[0].len > 8 && memcmp(m.docs[0].data, "II*", 4) ==
		    0, "base64 decoded");
		is_int(m.nignored, 0, "html alternative not listed");
		is_str(m.text, "Please fax this.\n", "text body kept");
		ok(auth_may_reply(&m), "may reply to a user");
		recipients(&m, "+81755551234");
		msg_free(&m);
	}
	if (parse_ok("outlook-nested.eml", &m)) {
		is_str(m.from, "bob@example.test", "outlook: From");
		is_str(m.subject, "\xe3\x83\x95\xe3\x82\xa1\xe3\x83\x83"
		    "\xe3\x82\xaf\xe3\x82\xb9", "ISO-2022-JP subject");
		is_int(m.ndocs, 1, "outlook: one document");
		is_str(m.docs[0].name, "\xe6\x96\x87\xe6\x9b\xb8.tif",
		    "RFC 2047 file name");
		is_int(m.nignored, 1, "logo ignored");
		is_str(m.nignored ? m.ignored[0] : NULL, "image001.png "
		    "(image/png, inline image, not a fax document)",
		    "logo described");
		is_str(m.references, "<a@x> <b@x>",
		    "references: the original's, without its Message-ID");
		recipients(&m, "FAX=+81-75-555-1234");
		msg_free(&m);
	}
	if (parse_ok("apple.eml", &m)) {
		is_int(m.ndocs, 2, "apple: two documents");
		is_str(m.docs[0].name, "page1.tiff", "inline TIFF");
		is_int(m.docs[1].kind, DOC_PDF, "PDF by content");
		is_str(m.docs[1].name, "notes.pdf", "PDF name");
		recipients(&m, "0755551234");
		msg_free(&m);
	}
	if (parse_ok("qp.eml", &m)) {
		is_int(m.ndocs, 1, "qp: TIFF in quoted-printable");
		is_int(m.ndocs ? m.docs[0].kind : 0, DOC_TIFF, "qp TIFF kind");
		is_str(m.ndocs ? m.docs[0].name : NULL, "attachment-1",
		    "unnamed document");
		is_str(m.text, "Price: 10 \xe2\x82\xac, a long line that is "
		    "softly broken.", "qp text decoded");
		msg_free(&m);
	}
	if (parse_ok("rfc2047-2231.eml", &m)) {
		is_str(m.from_name, "Ren\xc3\xa9 M\xc3\xbcller", "Q words");
		is_str(m.subject_clean, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
		    "and caf\xc3\xa9", "mixed encoded words");
		is_str(m.password, "pass word", "folded password trimmed");
		is_int(m.ndocs, 3, "three documents");
		is_str(m.ndocs > 0 ? m.docs[0].name : NULL, "r\xc3\xa9sum"
		    "\xc3\xa9.tif", "RFC 2231 latin-1 name");
		is_str(m.ndocs > 1 ? m.docs[1].name : NULL, "\xe8\xab\x8b"
		    "\xe6\xb1\x82-part2.tiff", "RFC 2231 continuations");
		is_str(m.ndocs > 2 ? m.docs[2].name : NULL, "passwd",
		    "directory part removed");
		msg_free(&m);
	}
	if (parse_ok("alternative.eml", &m)) {
		is_int(m.ndocs, 1, "alternative: the one with a document");
		is_str(m.ndocs ? m.docs[0].name : NULL, "rich.tif", "rich.tif");
		is_str(m.text, "Plain version.", "plain alternative as text");
		msg_free(&m);
	}
	if (parse_ok("alternative-none.eml", &m)) {
		is_int(m.ndocs, 0, "alternative without document: none");
		is_int(m.nignored, 0, "unchosen alternatives not listed");
		msg_free(&m);
	}
	if (parse_ok("no-attachment.eml", &m)) {
		is_int(m.ndocs, 0, "no attachment");
		is_str(m.text, "Here is the fax.\n", "single-part text");
		msg_free(&m);
	}
	if (parse_ok("bcc.eml", &m)) {
		is_int(m.nto_cc, 0, "group without members");
		is_int(m.ndelivered, 2, "Delivered-To and X-Original-To");
		recipients(&m, "+81755551234 FAX=+81-75-555-9999");
		is_int(m.ndocs, 1, "single-part TIFF message");
		msg_free(&m);
	}
	if (parse_ok("three.eml", &m)) {
		is_int(m.nto_cc, 5, "To and Cc collected");
		recipients(&m, "+81755551234 0612345678 FAX=+1-212-555-1212");
		msg_free(&m);
	}
	if (parse_ok("malformed-unterminated.eml", &m)) {
		is_int(m.ndocs, 1, "unterminated: best effort");
		msg_free(&m);
	}
	ok(parse_file("malformed-noboundary.eml", &m, &err, &cause) == -1,
	    "multipart without boundary refused");
	is_int(err, MSG_EMALFORMED, "EMALFORMED");
	is_str(cause, "multipart/mixed part without a boundary parameter",
	    "cause");
	ok(m.from == NULL && m.docs == NULL, "nothing returned");
	free(cause);
	if (parse_ok("bounce.eml", &m)) {
		is_str(m.return_path, "", "null return path");
		ok(m.auto_submitted, "auto-submitted");
		ok(!auth_may_reply(&m), "never reply to a bounce");
		msg_free(&m);
	}
	if (parse_ok("list.eml", &m)) {
		ok(!m.auto_submitted, "Auto-Submitted: no");
		ok(m.bulk, "Precedence: bulk");
		ok(!auth_may_reply(&m), "never reply to bulk");
		msg_free(&m);
	}
}

static void
expect_err(const char *raw, size_t len, const struct msg_limits *l,
    enum msg_err want, const char *label)
{
	struct msg	 m;
	enum msg_err	 err;
	char		*cause = NULL;

	ok(msg_parse(raw, len, l, &m, &err, &cause) == -1, label);
	is_int(err, want, "error kind");
	ok(cause != NULL && *cause != '\0', "cause given");
	diag("%s", cause != NULL ? cause : "(null)");
	free(cause);
}

static void
test_limits(void)
{
	struct buf		 b;
	struct msg_limits	 small = lim;
	struct msg		 m;
	enum msg_err		 err;
	char			*cause = NULL;
	int			 i;
	const char		*hdr = "From: a@example.test\r\n"
	    "To: +81755551234@fax.example.com\r\n";

	/* Over-size. */
	buf_init(&b);
	buf_adds(&b, hdr);
	buf_adds(&b, "\r\n");
	while (b.len <= lim.message_size)
		buf_adds(&b, "0123456789012345678901234567890123456789\r\n");
	expect_err(b.data, b.len, &lim, MSG_ETOOBIG, "over-size refused");
	buf_free(&b);

	/* Header bomb: many short fields. */
	buf_init(&b);
	buf_adds(&b, hdr);
	for (i = 0; i < 5000; i++)
		buf_addf(&b, "X-Bomb-%d: x\r\n", i);
	buf_adds(&b, "\r\nbody\r\n");
	expect_err(b.data, b.len, &lim, MSG_EHEADER, "header bomb refused");
	buf_free(&b);

	/* Header bomb in a part. */
	buf_init(&b);
	buf_adds(&b, hdr);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\n");
	for (i = 0; i < 5000; i++)
		buf_addf(&b, "X-Part-%d: yyyyyyyy\r\n", i);
	buf_adds(&b, "\r\nx\r\n--b--\r\n");
	expect_err(b.data, b.len, &lim, MSG_EHEADER, "part header bomb");
	buf_free(&b);

	/* Deep nesting: 11 levels against a limit of 10, then 20000. */
	buf_init(&b);
	buf_adds(&b, hdr);
	for (i = 0; i < 11; i++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=\"d%d\""
		    "\r\n\r\n--d%d\r\n", i, i);
	buf_adds(&b, "Content-Type: text/plain\r\n\r\nx\r\n");
	expect_err(b.data, b.len, &lim, MSG_EDEPTH, "deep nesting refused");
	buf_free(&b);
	small.mime_parts = 100000;
	small.message_size = 4 * 1024 * 1024;
	buf_init(&b);
	buf_adds(&b, hdr);
	for (i = 0; i < 20000; i++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=\"d%d\""
		    "\r\n\r\n--d%d\r\n", i, i);
	expect_err(b.data, b.len, &small, MSG_EDEPTH, "20000 levels");
	buf_free(&b);
	small = lim;
	/* Nested messages count as levels too. */
	buf_init(&b);
	buf_adds(&b, hdr);
	for (i = 0; i < 12; i++)
		buf_adds(&b, "Content-Type: message/rfc822\r\n\r\n");
	buf_adds(&b, "Subject: inner\r\n\r\nx\r\n");
	expect_err(b.data, b.len, &lim, MSG_EDEPTH, "nested message/rfc822");
	buf_free(&b);
	/* Exactly at the limit is fine. */
	buf_init(&b);
	buf_adds(&b, hdr);
	for (i = 0; i < 10; i++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=\"d%d\""
		    "\r\n\r\n--d%d\r\n", i, i);
	buf_adds(&b, "Content-Type: image/tiff\r\n\r\nII*\r\n");
	for (i = 10; i-- > 0;)
		buf_addf(&b, "--d%d--\r\n", i);
	ok(msg_parse(b.data, b.len, &lim, &m, &err, &cause) == 0,
	    "10 levels accepted");
	is_int(m.ndocs, 1, "document at the deepest level");
	msg_free(&m);
	buf_free(&b);

	/* Too many parts. */
	buf_init(&b);
	buf_adds(&b, hdr);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
	for (i = 0; i < 150; i++)
		buf_addf(&b, "--p\r\nContent-Type: text/plain\r\n\r\n%d\r\n",
		    i);
	buf_adds(&b, "--p--\r\n");
	expect_err(b.data, b.len, &lim, MSG_EPARTS, "too many parts");
	small.mime_parts = 200;
	ok(msg_parse(b.data, b.len, &small, &m, &err, &cause) == 0,
	    "150 parts under a limit of 200");
	msg_free(&m);
	small = lim;
	buf_free(&b);

	/* Content-Type lines hidden from the scan still count. */
	buf_init(&b);
	buf_adds(&b, hdr);
	buf_adds(&b, "\r\n");
	for (i = 0; i < 300; i++)
		buf_adds(&b, "Content-Type: text/plain\r\n");
	expect_err(b.data, b.len, &lim, MSG_EPARTS, "content-type flood");
	buf_free(&b);

	/* Attachment too large. */
	small.attachment_size = 100;
	buf_init(&b);
	buf_adds(&b, hdr);
	buf_adds(&b, "Content-Type: image/tiff\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	for (i = 0; i < 10; i++)
		buf_adds(&b, "SUkqAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "\r\n");
	expect_err(b.data, b.len, &small, MSG_EATTACH, "attachment too "
	    "large");
	small = lim;
	buf_free(&b);

	expect_err("", 0, &lim, MSG_EMALFORMED, "empty message");
}

static void
test_headers(void)
{
	struct msg	 m;
	enum msg_err	 err;
	char		*cause = NULL;
	static const char two_from[] = "From: alice@example.test\r\n"
	    "From: mallory@example.test\r\nSubject: [pw:x][pw:y] a\r\n\r\n"
	    "hi\r\n";
	static const char many_from[] = "From: alice@example.test, "
	    "bob@example.test\r\nSender: bob@example.test\r\n\r\nhi\r\n";
	static const char ctl[] = "From: a@example.test\r\n"
	    "Subject: bad\x01 \xff\xfe byte\r\n\r\n\r\n";

	ok(msg_parse(two_from, sizeof(two_from) - 1, &lim, &m, &err,
	    &cause) == 0, "two From fields parse");
	ok(m.from == NULL, "two From fields: no sender");
	auth_take_password(&m);
	is_str(m.password, "x", "first password counts");
	is_str(m.subject_clean, "a", "every token removed");
	ok(!auth_may_reply(&m), "no address: no reply");
	msg_free(&m);
	ok(msg_parse(many_from, sizeof(many_from) - 1, &lim, &m, &err,
	    &cause) == 0, "From with two mailboxes parses");
	ok(m.from == NULL, "two mailboxes: no sender");
	msg_free(&m);
	ok(msg_parse(ctl, sizeof(ctl) - 1, &lim, &m, &err, &cause) == 0,
	    "8-bit header parses");
	is_str(m.subject, "bad? ?? byte", "invalid bytes replaced");
	msg_free(&m);
}

/*
 * A quoted-printable part that ends in "=f" at the very end of the buffer:
 * libetpan used to read past it (found by fuzz_msg).  The buffer is exactly
 * the message, so ASan sees any read beyond it.
 */
static void
test_qp_tail(void)
{
	struct msg	 m;
	enum msg_err	 err;
	char		*cause = NULL, *raw;
	static const char qp[] = "From: alice@example.test\r\n"
	    "To: +15551234@fax.example.com\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
	    "Content-Type: application/octet-stream; name=a.tif\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "II*=00=E2=5512=f";
	size_t		 len = sizeof(qp) - 1;

	raw = xmalloc(len);
	memcpy(raw, qp, len);
	ok(msg_parse(raw, len, &lim, &m, &err, &cause) == 0,
	    "QP part cut after '=f' parses");
	is_int((int)m.ndocs, 1, "QP part cut after '=f': one document");
	if (m.ndocs == 1)
		ok(m.docs[0].len >= 6 && memcmp(m.docs[0].data, "II*\0\xe2U",
		    6) == 0, "QP part cut after '=f': decoded up to the cut");
	free(cause);
	msg_free(&m);
	free(raw);
}

int
main(void)
{
	test_files();
	test_limits();
	test_headers();
	test_qp_tail();
	return (done_testing());
}
