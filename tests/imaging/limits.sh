#!/bin/sh
# limits.sh: a converter that loops, runs out of memory or is killed gets
# a clear answer from faxhubctl convert (exit status 1, the part named and
# why) and nothing else happens: no output, no job directory, no converter
# left running.  Real cases: a PostScript "{} loop" (the wall-clock
# limit), one that allocates until Ghostscript's address-space limit, a
# Ghostscript and a LibreOffice killed mid-run from outside (SIGSEGV,
# SIGKILL), a LibreOffice that cannot finish within the limit.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/imaging/lib-conv.sh"
CTL=$top_builddir/faxhubctl
[ -x "$CTL" ] || skip_all "faxhubctl not built"
command -v gs >/dev/null || skip_all "ghostscript missing"

cd "$T" || exit 1
# Job directories here, to find their converters and see them gone.
chmod 711 "$T"
mkdir -m 1777 "$T/conv"
export TMPDIR="$T/conv"
conv_docs "$T"

# refused NAME STATUS-FILE 'message glob': what one run said.
refused() {
	is "$1: exit status 1" "$(cat "$2.rc")" 1
	like "$1: says which part and why" "$(cat "$2.err")" "$3"
	ok "$1: no output left" test ! -e "$2.tif"
	is "$1: no job directory left" "$(ls "$T/conv")" ""
}
# run TAG ARGS...: faxhubctl convert -o TAG.tif ARGS, in the background;
# its exit status in TAG.rc once it ends.
run() {
	_tag=$1; shift
	("$CTL" convert -o "$_tag.tif" "$@" >"$_tag.out" 2>"$_tag.err" &
	    echo $! >"$_tag.pid"; wait $!
	    echo $? >"$_tag.rc.tmp"; mv "$_tag.rc.tmp" "$_tag.rc") &
}
at_exit 'for _f in "$T"/*.pid; do [ -e "${_f%.pid}.rc" ] || kill "$(cat "$_f")" 2>/dev/null; done; wait'
done_run() { wait_until "$2" test -e "$1.rc"; }

run loop --timeout 3 loop.ps
ok "a PostScript loop ends at the timeout" done_run loop 60
refused loop.ps loop \
    "convert: refused (rendering took too long): loop.ps: Ghostscript took longer than 3 seconds rendering the PostScript"
is "no Ghostscript left running" "$(conv_pids gs "$T/conv")" ""

run mem mem.ps
ok "a PostScript that allocates without end stops" done_run mem 120
refused mem.ps mem \
    "*mem.ps: rendering the PostScript needs more than its memory limit (2048 MiB)"

run segv --timeout 100 loop.ps
ok "Ghostscript found running" conv_kill SEGV gs "$T/conv"
ok "Ghostscript killed by SIGSEGV: an answer" done_run segv 60
refused "Ghostscript killed" segv \
    "*loop.ps: Ghostscript crashed rendering the PostScript (killed by signal 11)"
is "no Ghostscript left running" "$(conv_pids gs "$T/conv")" ""

if [ -x /usr/bin/soffice ] && command -v python3 >/dev/null; then
	python3 "$top_srcdir/tests/imaging/gen-office.py" "$T" >/dev/null ||
	    exit 1
	# LibreOffice starting takes seconds: one second is too little.
	run lotime --timeout 1 letter.docx
	ok "LibreOffice over its time limit: an answer" done_run lotime 60
	refused "LibreOffice timeout" lotime \
	    "*letter.docx: LibreOffice took longer than 1 seconds rendering the document"
	run lokill letter.docx
	ok "LibreOffice found running" conv_kill KILL soffice.bin "$T/conv"
	ok "LibreOffice killed mid-conversion: an answer" done_run lokill 60
	refused "LibreOffice killed" lokill \
	    "*letter.docx: LibreOffice crashed rendering the document (killed by signal 9)"
	is "no LibreOffice left running" "$(conv_pids soffice.bin "$T/conv")" ""
fi
wait
chmod 700 "$T"
done_testing
