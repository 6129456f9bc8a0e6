/* tst_html: html_to_text() on the HTML mail clients write. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail-parse.h"
#include "../tap.h"

static const struct {
	const char	*in, *want, *name;
} cases[] = {
	{ "<p>Hello</p><p>World</p>", "Hello\n\nWorld\n",
	  "paragraphs: a blank line between" },
	{ "<div>a</div><div>b</div>", "a\nb\n", "blocks: a line each" },
	{ "a<br>b<br/>c", "a\nb\nc\n", "line breaks" },
	{ "<html><head><title>T</title><style>p{x:y}</style></head>"
	  "<body><div>Dear   Sir,\n  please\tfax.</div></body></html>",
	  "Dear Sir, please fax.\n", "head and style left out, blanks" },
	{ "<script>alert(1)</script>text", "text\n", "script left out" },
	{ "A &amp; B &lt;c&gt; &quot;d&quot; &#39;e&#39;",
	  "A & B <c> \"d\" 'e'\n", "named and numeric entities" },
	{ "&#x65E5;&#26412;&yen;", "\xe6\x97\xa5\xe6\x9c\xac\xc2\xa5\n",
	  "references to UTF-8" },
	{ "x &unknown; &amp y", "x &unknown; &amp y\n", "bad entities kept" },
	{ "&#0;&#xD800;&#99999999;", "???\n", "impossible code points" },
	{ "a<!-- <p>hidden</p> -->b", "ab\n", "comments" },
	{ "<ul><li>one</li><li>two</li></ul>", "one\ntwo\n", "list items" },
	{ "<p>a</p><p></p><p></p><p>b</p>", "a\n\nb\n",
	  "at most one empty line" },
	{ "<b>bold</b> <i>it</i>", "bold it\n", "inline tags" },
	{ "\xe8\xa6\x8b\xe7\xa9\x8d<br>\xe6\x9b\xb8", "\xe8\xa6\x8b\xe7\xa9\x8d"
	  "\n\xe6\x9b\xb8\n", "UTF-8 text kept" },
	{ "unterminated <b", "unterminated\n", "a tag cut short" },
	{ "", "\n", "empty" },
};

int
main(void)
{
	char	*t;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = html_to_text(cases[i].in, strlen(cases[i].in));
		is_str(t, cases[i].want, cases[i].name);
		free(t);
	}
	return done_testing();
}
