#!/bin/sh
# Documents people mail, through faxhubd on the loopback mail world: a
# 2-page DOCX and a phone photo in one mail become one job whose pages
# keep the order of the mail's parts and whose notes (the report's "About
# your document") say how each part was made; a password-protected PDF
# and a zip are answered with a refusal that says so; a Japanese mail in
# ISO-2022-JP with "[cover]" and no attachment (text.fax_body = yes) is
# faxed as a cover page and its text (drawn by faxhub-text: faxhubd maps
# no Pango or cairo), and the tag leaves the subject.
# Converters that fail: the warm LibreOffice killed while idle is
# replaced for the next DOCX; a Ghostscript killed by SIGSEGV mid-run and
# a PostScript at Ghostscript's memory limit are answered with a refusal
# naming the part and why, the daemon goes on, and no converter or job
# directory is left once it stops.
# No fax servers: accepted jobs stay queued.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"
. "$top_srcdir/tests/imaging/lib-conv.sh"
[ -x /usr/bin/soffice ] || skip_all "LibreOffice missing"
command -v qpdf >/dev/null || skip_all "qpdf missing"

hub_world nofax
hub_setup "text.fax_body = yes"
A=alice@$TB_USER_DOMAIN
F=$TB_FAX_DOMAIN
python3 "$top_srcdir/tests/imaging/gen-office.py" "$T" || exit 1
# A phone photo of a printed page: paper tone, text, a shadow, noise.
convert -size 1200x1600 xc:'#e8e2d6' -fill '#303030' -pointsize 40 \
    -draw "text 100,200 'Signed form, page 1'" \
    -draw "rectangle 100,300 1000,320" -draw "rectangle 100,400 900,420" \
    \( -size 1200x1600 gradient:'#ffffff'-'#a0a0a0' \) \
    -compose multiply -composite -attenuate 0.3 +noise Gaussian \
    -quality 85 "$T/photo.jpg"
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$T/p.pdf" \
    -c '/Helvetica findfont 20 scalefont setfont 72 700 moveto (x) show showpage'
qpdf --encrypt u o 256 -- "$T/p.pdf" "$T/locked.pdf"

send() {	# send NUMBER SUBJECT ATTACHMENT-SPECS...
	_num=$1 _subj=$2; shift 2
	set -- $(for _a; do printf -- '-a %s ' "$_a"; done)
	POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "$_num@$F" \
	    -s "$_subj" -m "please fax" "$@" -q
}
body_text() {	# the decoded text of a mail file
	python3 - "$1" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
    policy=email.policy.default)
print(m.get_body(preferencelist=("plain",)).get_content())
PY
}
notes_of() {	# the notes of the broadcast for a number
	grep -rl -- "$1" "$T/spool" 2>/dev/null | xargs grep -h '^notes=' 2>/dev/null
}
has_notes() { [ -n "$(notes_of "$1")" ]; }
# next_mail BEFORE FILE: alice's mail after the BEFORE she had, into FILE.
no_gs() { [ -z "$(conv_pids gs "$T/conv")" ]; }
next_mail() {
	wait_until 120 mbox_has alice $(($1 + 1)) &&
	    mbox_fetch alice $(($1 + 1)) "$2"
}

conv_docs "$T"
# The converters' job directories here, to find them and see them gone.
chmod 711 "$T"
mkdir -m 1777 "$T/conv"
hub_start TMPDIR="$T/conv"
ok "faxhubd logs in to IMAP" wait_until 20 hub_log_has "imap: logged in"

send 15555557001 "letter and photo" \
    "$T/letter.docx:application/vnd.openxmlformats-officedocument.wordprocessingml.document:letter.docx" \
    "$T/photo.jpg:image/jpeg:photo.jpg"
ok "DOCX + photo: a job" wait_until 90 has_notes 5557001
n=$(notes_of 5557001)
like "the DOCX first, 2 pages by LibreOffice" "$n" \
    "*letter.docx: 2 pages, rendered by LibreOffice*photo.jpg: 1 page*"
like "the photo read as a document photo" "$n" "*photo.jpg: 1 page*level*"

before=$(mbox_count alice)
send 15555557002 "locked" "$T/locked.pdf:application/pdf:locked.pdf"
ok "password-protected PDF: a refusal mail" next_mail "$before" "$T/r1.eml"
like "the refusal says password-protected" "$(body_text "$T/r1.eml")" \
    "*password-protected: send it without a password*"

before=$(mbox_count alice)
send 15555557003 "zipped" "$T/plain.zip:application/zip:docs.zip"
ok "zip: a refusal mail" next_mail "$before" "$T/r2.eml"
like "the refusal names the archive" "$(body_text "$T/r2.eml")" "*docs.zip*archive*"
# ISO-2022-JP, written by Python's codec as Japanese mail clients do.
python3 - "$T/ja.eml" "$A" "+15555557004@$F" <<'PY'
import sys
from email.header import Header
body = "拝啓\nいつもお世話になっております。\n見積書をお送りします。\n"
sub = Header("[cover] 見積書の件", "iso-2022-jp").encode()
name = Header("山田", "iso-2022-jp").encode()
raw = ("From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
       "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
       "Content-Transfer-Encoding: 7bit\r\n\r\n" % (name, sys.argv[2], sys.argv[3],
       sub))
open(sys.argv[1], "wb").write(raw.encode("ascii") +
    body.replace("\n", "\r\n").encode("iso-2022-jp"))
PY
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555557004@$F" \
    -r "$T/ja.eml" -q
ok "Japanese text with [cover]: a job" wait_until 60 has_notes 5557004
like "a cover page, then the text as pages" "$(notes_of 5557004)" \
    "*cover page: 1 page; the mail's text: 1 page*"
ok "the tag is taken out of the subject" sh -c \
    "grep -rl 5557004 '$T/spool' | xargs grep -h '見積書の件' | grep -qv cover"
# Drawn by faxhub-text in the sandbox: faxhubd itself never maps Pango.
ok "faxhubd has not loaded Pango or cairo" sh -c \
    "! grep -E -q 'libpango|libcairo' /proc/$HUBPID/maps"

# The warm LibreOffice (kept since the first DOCX) is killed while idle.
warm=$(conv_pids soffice.bin "$T/conv")
ok "a LibreOffice kept warm" test -n "$warm"
kill -KILL $warm
# A Ghostscript killed mid-run: a PostScript that loops, killed from here.
before=$(mbox_count alice)
send 15555557005 "looping" "$T/loop.ps:application/postscript:loop.ps"
ok "Ghostscript killed by SIGSEGV mid-run" conv_kill SEGV gs "$T/conv"
ok "a refusal mail" next_mail "$before" "$T/r3.eml"
like "it names the part and why" "$(body_text "$T/r3.eml")" \
    "*The attached document loop.ps could not be faxed: the file is damaged*"
ok "the log has the converter's own cause" hub_log_has \
    "loop.ps: Ghostscript crashed rendering the PostScript (killed by signal 11)"
ok "no Ghostscript left" wait_until 20 no_gs
before=$(mbox_count alice)
send 15555557006 "hungry" "$T/mem.ps:application/postscript:mem.ps"
ok "a PostScript at the memory limit: a refusal mail" next_mail "$before" "$T/r4.eml"
like "it names the part and why" "$(body_text "$T/r4.eml")" \
    "*The attached document mem.ps could not be faxed: its pages are larger than the gateway accepts*"
ok "the log has the converter's own cause" hub_log_has \
    "mem.ps: rendering the PostScript needs more than its memory limit"
# The daemon goes on; the killed warm LibreOffice is replaced.
send 15555557007 "letter again" \
    "$T/letter.docx:application/vnd.openxmlformats-officedocument.wordprocessingml.document:letter.docx"
ok "the next DOCX: a job" wait_until 90 has_notes 5557007
like "rendered by LibreOffice" "$(notes_of 5557007)" \
    "*letter.docx: 2 pages, rendered by LibreOffice*"
now=$(conv_pids soffice.bin "$T/conv")
ok "by a new warm LibreOffice" sh -c "[ -n '$now' ] && [ '$now' != '$warm' ]"
hub_stop
is "no converter left once faxhubd stops" \
    "$(conv_pids soffice.bin "$T/conv")$(conv_pids gs "$T/conv")" ""
# A site's own limit: page.convert_timeout.
echo "page.convert_timeout = 2s" >>"$CONF"
hub_start
before=$(mbox_count alice)
send 15555557008 "endless" "$T/loop.ps:application/postscript:loop.ps"
ok "a PostScript past page.convert_timeout: a refusal mail" \
    next_mail "$before" "$T/r5.eml"
like "it names the part and why" "$(body_text "$T/r5.eml")" \
    "*The attached document loop.ps could not be faxed: turning it into fax pages took too long*"
ok "the log names the site's limit" hub_log_has \
    "loop.ps: Ghostscript \(took longer than\|used more than\) 2 seconds"
ok "no Ghostscript left" wait_until 20 no_gs
hub_stop
is "no job directory left" "$(ls "$T/conv")" ""
chmod 700 "$T"
done_testing
