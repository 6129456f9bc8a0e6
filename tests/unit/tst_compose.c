/* tst_compose: the MIME builder, its output parsed back with libetpan. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail-compose.h"
#include "util.h"
#include "xmalloc.h"
#include "../smtp/mimecheck.h"
#include "../tap.h"

static int	header_lines_ok(const char *, size_t);
static int	has_line(const char *, const char *);

/* Every header line (up to the blank line) is at most 78 octets. */
static int
header_lines_ok(const char *raw, size_t max)
{
	const char	*p = raw, *e;

	while ((e = strstr(p, "\r\n")) != NULL && e != p) {
		if ((size_t)(e - p) > max)
			return 0;
		p = e + 2;
	}
	return 1;
}

/* 1 when some line of raw starts with prefix. */
static int
has_line(const char *raw, const char *prefix)
{
	const char	*p = raw;

	for (;;) {
		if (strncasecmp(p, prefix, strlen(prefix)) == 0)
			return 1;
		if ((p = strstr(p, "\r\n")) == NULL)
			return 0;
		p += 2;
	}
}

static void
test_plain(void)
{
	struct mail	*m = mail_new();
	struct mc_msg	 mc;
	char		*raw, *cause = NULL, *h;
	const char	*why = "";
	size_t		 len;

	ok(mail_add_addr_header(m, "From", "Fax Gateway", "fax@example.test",
	    &cause) == 0, "From accepted");
	ok(mail_add_addr_header(m, "To", NULL, "alice@example.test",
	    &cause) == 0, "To accepted");
	mail_add_text_header(m, "Subject", "Fax sent: +81755551234");
	mail_set_text(m, "Line one\nLine two\r\nLine three\rend");
	mail_set_date(m, 86400 * 365);
	raw = mail_render(m, "gw1.example.test", &len);
	ok(mc_wire_ok(raw, len, &why), "plain: CRLF only, 7-bit");
	ok(mc_parse(&mc, raw, len) == 0, "plain: libetpan parses it");
	h = mc_header(&mc, "Subject", 0);
	is_str(h, "Fax sent: +81755551234", "plain: subject");
	free(h);
	h = mc_header(&mc, "From", 0);
	is_str(h, "Fax Gateway <fax@example.test>", "plain: from");
	free(h);
	h = mc_header(&mc, "To", 0);
	is_str(h, "alice@example.test", "plain: to");
	free(h);
	h = mc_header(&mc, "Date", 0);
	is_str(h, "1971-01-01", "plain: date parsed");
	free(h);
	ok(has_line(raw, "MIME-Version: 1.0\r\n"), "plain: MIME-Version");
	h = mc_header(&mc, "Message-ID", 0);
	ok(h != NULL && strlen(h) == 1 + 32 + 1 + strlen("gw1.example.test")
	    + 1 && strstr(h, "@gw1.example.test>") != NULL,
	    "plain: Message-ID <32 hex@instance>");
	is_str(h, mail_message_id(m), "plain: mail_message_id matches");
	free(h);
	is_int(mc.nparts, 1, "plain: one part");
	is_str(mc.part[0].type, "text/plain", "plain: text/plain");
	ok(mc.part[0].charset != NULL &&
	    strcasecmp(mc.part[0].charset, "utf-8") == 0, "plain: UTF-8");
	is_str(mc.part[0].data, "Line one\r\nLine two\r\nLine three\r\nend\r\n",
	    "plain: body lines all end CRLF");
	mc_free(&mc);
	free(raw);
	mail_free(m);
}

static void
test_encoded(void)
{
	const char	*subj = "ファクス送信完了: 株式会社テスト様宛の見積書 "
	    "(3 ページ) — très long sujet avec des accents éèà pour vérifier "
	    "le pliage des mots encodés";
	const char	*longascii = "word word word word word word word word "
	    "word word word word word word word word word word word word end";
	struct mail	*m = mail_new();
	struct mc_msg	 mc;
	char		*raw, *cause = NULL, *h;
	const char	*why = "";
	size_t		 len;

	mail_add_text_header(m, "Subject", subj);
	mail_add_text_header(m, "X-Long", longascii);
	mail_add_text_header(m, "X-Tricky", "=?UTF-8?B?Zm9v?= not a word");
	ok(mail_add_addr_header(m, "To", "山田 太郎", "taro@example.test",
	    &cause) == 0, "non-ASCII display name accepted");
	ok(mail_add_addr_header(m, "Cc", "Doe, John \"JD\"", "jd@example.test",
	    &cause) == 0, "display name needing quotes accepted");
	mail_set_text(m, "");
	raw = mail_render(m, NULL, &len);
	ok(mc_wire_ok(raw, len, &why), "encoded: 7-bit CRLF");
	ok(header_lines_ok(raw, 78), "encoded: header lines <= 78");
	ok(mc_parse(&mc, raw, len) == 0, "encoded: parses");
	h = mc_header(&mc, "Subject", 0);
	is_str(h, subj, "encoded: subject decodes to the original");
	free(h);
	h = mc_header(&mc, "X-Long", 0);
	is_str(h, longascii, "encoded: long ASCII value unfolds intact");
	free(h);
	h = mc_header(&mc, "X-Tricky", 0);
	is_str(h, "=?UTF-8?B?Zm9v?= not a word",
	    "encoded: literal =? is not turned into a word");
	free(h);
	h = mc_header(&mc, "To", 0);
	is_str(h, "山田 太郎 <taro@example.test>", "encoded: display name");
	free(h);
	ok(strstr(raw, "\"Doe, John \\\"JD\\\"\" <jd@example.test>") != NULL,
	    "encoded: quoted display name escaped");
	h = mc_header(&mc, "Message-ID", 0);
	ok(h != NULL && strstr(h, "@faxhub.invalid>") != NULL,
	    "encoded: default instance in Message-ID");
	free(h);
	mc_free(&mc);
	free(raw);
	mail_free(m);
}

static void
test_injection(void)
{
	struct mail	*m = mail_new();
	struct mc_msg	 mc;
	char		*raw, *cause = NULL, *h;
	const char	*why = "";
	size_t		 len;

	mail_add_text_header(m, "Subject",
	    "Hello\r\nBcc: victim@evil.test\r\n\r\nInjected body");
	mail_add_text_header(m, "X-Faxhub-Number", "+8175\nTo: x@evil.test");
	mail_add_text_header(m, "X-Nul", "a\tb\x01" "c\x7f" "d");
	ok(mail_add_addr_header(m, "From", "Bad\r\nBcc: a@evil.test",
	    "fax@example.test", &cause) == 0, "hostile display name encoded");
	ok(mail_add_addr_header(m, "To", NULL, "a@b.test\r\nBcc: c@evil.test",
	    &cause) == -1 && cause != NULL &&
	    strstr(cause, "not a usable mail address") != NULL,
	    "address with CRLF refused");
	ok(cause != NULL && strchr(cause, '\n') == NULL,
	    "refusal message has no line break");
	free(cause);
	cause = NULL;
	ok(mail_add_addr_header(m, "To", NULL, "no-at-sign", &cause) == -1,
	    "address without @ refused");
	free(cause);
	cause = NULL;
	ok(mail_add_addr_header(m, "To", NULL, "a b@c.test", &cause) == -1,
	    "address with space refused");
	free(cause);
	cause = NULL;
	mail_set_text(m, "x");
	raw = mail_render(m, "i", &len);
	ok(mc_wire_ok(raw, len, &why), "injection: CRLF clean");
	ok(mc_parse(&mc, raw, len) == 0, "injection: parses");
	is_int(mc_count(&mc, "Bcc"), 0, "injection: no Bcc header appeared");
	is_int(mc_count(&mc, "To"), 0, "injection: no To header appeared");
	ok(!has_line(raw, "Bcc:") && !has_line(raw, "To:"),
	    "injection: no line starts a new header");
	h = mc_header(&mc, "Subject", 0);
	is_str(h, "Hello Bcc: victim@evil.test Injected body",
	    "injection: CR/LF became spaces inside the subject");
	free(h);
	h = mc_header(&mc, "X-Nul", 0);
	is_str(h, "a b c d", "injection: other controls became spaces");
	free(h);
	h = mc_header(&mc, "From", 0);
	is_str(h, "Bad Bcc: a@evil.test <fax@example.test>",
	    "injection: display name kept as one phrase");
	free(h);
	is_str(mc.part[0].data, "x\r\n", "injection: body untouched");
	mc_free(&mc);
	free(raw);
	mail_free(m);
}

static void
test_msgid(void)
{
	struct mail	*m = mail_new();
	struct mc_msg	 mc;
	struct buf	 b;
	char		*raw, *h;
	size_t		 len;
	int		 i;

	mail_add_msgid_header(m, "In-Reply-To",
	    "<a1@x.test> junk <bad id@x> <b2@y.test>\r\nBcc: z@evil");
	buf_init(&b);
	for (i = 0; i < 25; i++)
		buf_addf(&b, "<r%d@refs.test> ", i);
	mail_add_msgid_header(m, "References", b.data);
	buf_free(&b);
	mail_add_msgid_header(m, "X-Empty", "no ids here");
	mail_set_message_id(m, "<fixed@example.test>");
	raw = mail_render(m, "i", &len);
	ok(mc_parse(&mc, raw, len) == 0, "msgid: parses");
	h = mc_header(&mc, "In-Reply-To", 0);
	is_str(h, "<a1@x.test> <b2@y.test>", "msgid: bad ids dropped");
	free(h);
	h = mc_header(&mc, "References", 0);
	ok(h != NULL && strncmp(h, "<r5@refs.test> <r6@", 19) == 0 &&
	    strstr(h, "<r24@refs.test>") != NULL && strstr(h, "<r4@") == NULL,
	    "msgid: References keeps the newest 20");
	free(h);
	is_int(mc_count(&mc, "X-Empty"), 0, "msgid: nothing valid, no header");
	h = mc_header(&mc, "Message-ID", 0);
	is_str(h, "<fixed@example.test>", "msgid: set Message-ID used");
	free(h);
	is_int(mc_count(&mc, "Bcc"), 0, "msgid: no injected header");
	ok(header_lines_ok(raw, 78), "msgid: folded");
	mc_free(&mc);
	free(raw);
	mail_free(m);
}

static void
test_attachments(void)
{
	struct mail	*m = mail_new();
	struct mc_msg	 mc;
	unsigned char	 bin[1000];
	char		*raw, *cause = NULL;
	const char	*why = "", *jp = "受信ファクス 2026年11月24日 "
	    "株式会社テスト 御中 見積書のご送付について.pdf";
	size_t		 len, i;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7 + 3);
	mail_set_text(m, "See the attachments.");
	ok(mail_add_attachment(m, "image/tiff", "fax-0001.tif", bin,
	    sizeof(bin), 0, &cause) == 0, "att: TIFF added");
	ok(mail_add_attachment(m, "application/pdf", jp, "%PDF-1.4\n", 9, 0,
	    &cause) == 0, "att: PDF with Japanese name added");
	ok(mail_add_attachment(m, "image/png", "../../etc/pre\"view.png",
	    "\x89PNG", 4, 1, &cause) == 0, "att: preview added");
	ok(mail_add_attachment(m, "application/octet-stream", NULL, "", 0, 0,
	    &cause) == 0, "att: empty, unnamed added");
	ok(mail_add_attachment(m, "image/tiff", "big.tif", bin,
	    (size_t)MAIL_MAX_ATTACHMENT + 1, 0, &cause) == -1 && cause != NULL &&
	    strstr(cause, "big.tif") != NULL, "att: over the size cap refused");
	free(cause);
	cause = NULL;
	raw = mail_render(m, "i", &len);
	ok(mc_wire_ok(raw, len, &why), "att: 7-bit CRLF");
	ok(mc_parse(&mc, raw, len) == 0, "att: parses");
	is_str(mc.top_type, "multipart/mixed", "att: multipart/mixed");
	is_int(mc.nparts, 5, "att: text + 4 parts");
	is_str(mc.part[0].type, "text/plain", "att: text first");
	/* The CRLF before a boundary belongs to the boundary. */
	is_str(mc.part[0].data, "See the attachments.", "att: text body");
	is_str(mc.part[1].type, "image/tiff", "att: tiff type");
	ok(mc.part[1].len == sizeof(bin) &&
	    memcmp(mc.part[1].data, bin, sizeof(bin)) == 0,
	    "att: tiff bytes round-trip");
	is_str(mc.part[1].filename, "fax-0001.tif", "att: tiff filename");
	is_str(mc.part[1].disposition, "attachment", "att: attachment");
	is_str(mc.part[2].filename, jp, "att: RFC 2231 filename decodes");
	is_str(mc.part[2].name, jp, "att: RFC 2047 name decodes");
	is_str(mc.part[2].data, "%PDF-1.4\n", "att: pdf bytes");
	is_str(mc.part[3].filename, "pre_view.png",
	    "att: path and quote removed from name");
	is_str(mc.part[3].disposition, "inline", "att: preview inline");
	is_str(mc.part[4].filename, "attachment", "att: default name");
	is_int(mc.part[4].len, 0, "att: empty part");
	mc_free(&mc);
	free(raw);
	mail_free(m);
}

static void
test_qp(void)
{
	struct mail	*m = mail_new();
	struct mc_msg	 mc;
	struct buf	 want, in;
	char		*raw;
	const char	*why = "";
	size_t		 len;
	int		 i;

	buf_init(&in);
	buf_init(&want);
	for (i = 0; i < 30; i++)
		buf_adds(&in, "abc=é ");
	buf_adds(&in, "\nFrom here\n.\ntrailing   \n\tTab\nbad\xff\xfe utf8\n"
	    "\xe3\x81");
	buf_adds(&want, in.data);
	/* What comes back: CRLF, U+FFFD for each bad byte. */
	buf_reset(&want);
	for (i = 0; i < 30; i++)
		buf_adds(&want, "abc=é ");
	buf_adds(&want, "\r\nFrom here\r\n.\r\ntrailing   \r\n\tTab\r\n"
	    "bad\xef\xbf\xbd\xef\xbf\xbd utf8\r\n\xef\xbf\xbd\xef\xbf\xbd\r\n");
	mail_set_text(m, in.data);
	raw = mail_render(m, "i", &len);
	ok(mc_wire_ok(raw, len, &why), "qp: 7-bit CRLF");
	ok(!has_line(raw, "From ") && !has_line(raw, "."),
	    "qp: no line starts with From or a dot");
	{
		const char	*body = strstr(raw, "\r\n\r\n") + 4, *p, *e;
		int		 longest = 0;

		for (p = body; (e = strstr(p, "\r\n")) != NULL; p = e + 2)
			if (e - p > longest)
				longest = (int)(e - p);
		ok(longest <= 76, "qp: lines at most 76");
	}
	ok(mc_parse(&mc, raw, len) == 0, "qp: parses");
	is_str(mc.part[0].data, want.data, "qp: text round-trips");
	mc_free(&mc);
	free(raw);
	mail_free(m);
	buf_free(&in);
	buf_free(&want);
}

static void
test_helpers(void)
{
	char	 d[64], *a, *b, *s;

	setenv("TZ", "UTC", 1);
	tzset();
	is_str(mail_format_date(0, d, sizeof(d)),
	    "Thu, 1 Jan 1970 00:00:00 +0000", "date: UTC");
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	is_str(mail_format_date(1795000000, d, sizeof(d)),
	    "Wed, 18 Nov 2026 20:06:40 +0900", "date: JST offset");
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	is_str(mail_format_date(0, d, sizeof(d)),
	    "Wed, 31 Dec 1969 20:30:00 -0330", "date: negative half hour");
	unsetenv("TZ");
	tzset();
	a = mail_make_message_id("gw<1>.example.test");
	b = mail_make_message_id("gw<1>.example.test");
	ok(strcmp(a, b) != 0, "msgid: random");
	ok(strstr(a, "@gw1.example.test>") != NULL, "msgid: instance cleaned");
	free(a);
	free(b);
	s = mail_clean_utf8("ab\xc3\xa9\xe3\x81\x82", 5);
	is_str(s, "ab\xc3\xa9", "clean: cut at a character boundary");
	free(s);
	s = mail_clean_utf8("\xc0\xaf\xed\xa0\x80" "x", 100);
	is_str(s, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "x", "clean: overlong and surrogate replaced");
	free(s);
}

int
main(void)
{
	test_plain();
	test_encoded();
	test_injection();
	test_msgid();
	test_attachments();
	test_qp();
	test_helpers();
	return done_testing();
}
