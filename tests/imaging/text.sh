#!/bin/sh
# text.sh: text and cover pages (img-text.c): UTF-8 text in Latin and
# Japanese becomes fax-ready pages (1728 wide, fine or normal, A4 or
# Letter long) that tiffcheck accepts; long text runs on to more pages;
# the cover page has ink where its fields are; bad UTF-8 is refused;
# faxhub-text (what faxhubd runs) draws the same pages.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/imaging/lib-imaging.sh"
fc-list :lang=ja | grep -q . || skip_all "no Japanese font (apt-get install fonts-noto-cjk)"

cd "$T" || exit 1
printf 'Dear Sir,\nplease find the figures below.\n' > short.txt
i=0; : > long.txt
while [ $i -lt 200 ]; do
	printf 'Line %d: 見積書の件、よろしくお願いいたします。 The quick brown fox.\n' $i >> long.txt
	i=$((i + 1))
done
printf 'bad \377\376 bytes\n' > bad.txt

is "short text: 1 page" "$("$F" text short.txt s.tif)" "1 page"
ok "short text: tiffcheck (fine, A4)" pages_ok s.tif -3 -r 196 -l 297
out=$("$F" text long.txt l.tif); n=${out%% *}
ok "long text runs on to more pages ($out)" test "$n" -gt 2
is "long text: as many pages in the file" "$(npages l.tif)" "$n"
ok "long text: tiffcheck" pages_ok l.tif -3 -r 196
out=$("$F" text --normal --letter long.txt n.tif); m=${out%% *}
ok "normal resolution, Letter: at least as many pages ($out)" test "$m" -ge "$n"
ok "normal Letter: tiffcheck" pages_ok n.tif -3 -r 98 -l 279
# Japanese glyphs are drawn: the first line holds ink.
printf '見積書見積書見積書\n' > ja.txt
"$F" text ja.txt ja.tif >/dev/null
ok "Japanese text leaves ink" test "$("$IM" ja.tif -crop 1728x300+0+0 \
    -format '%[fx:(1-mean)>0.005]' info:)" = 1
fails "invalid UTF-8 refused" "$F" text bad.txt b.tif
ok "nothing left for invalid UTF-8" test ! -e b.tif

is "cover: 1 page" "$("$F" cover c.tif "山田 太郎" taro@example.test \
    "+81 75 555 1234" "2026-12-01 10:00" "見積書の件" 3 short.txt)" "1 page"
ok "cover: tiffcheck" pages_ok c.tif -3 -r 196
# The cover's top (title and fields) has ink; so does the text below the rule.
ok "cover: the fields are drawn" test "$("$IM" c.tif -crop 1728x500+0+100 \
    -format '%[fx:(1-mean)>0.01]' info:)" = 1

# faxhub-text, which faxhubd runs in the sandbox (img-text-run.c), draws
# the very same pages, prints their count and says why it refuses.
H=$top_builddir/faxhub-text
is "faxhub-text: text, the page count" \
    "$("$H" -f -4 text short.txt hs.tif)" "pages 1"
ok "faxhub-text: the same text page" cmp -s s.tif hs.tif
printf '%s\0' "山田 太郎" taro@example.test "+81 75 555 1234" \
    "2026-12-01 10:00" "見積書の件" > fields
is "faxhub-text: cover, the page count" \
    "$("$H" -f -4 -P 3 cover short.txt fields hc.tif)" "pages 1"
ok "faxhub-text: the same cover page" cmp -s c.tif hc.tif
head -c 20 fields > cut
fails "faxhub-text: cover fields cut short refused" \
    "$H" cover short.txt cut hb.tif
fails "faxhub-text: invalid UTF-8 refused" "$H" text bad.txt hb.tif
is "faxhub-text: the reason on standard error" \
    "$("$H" text bad.txt hb.tif 2>&1 >/dev/null)" "the text is not UTF-8"
done_testing
