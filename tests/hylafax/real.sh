#!/bin/sh
# real.sh: the HylaFAX driver against two real HylaFAX servers of the
# loopback testbed (tests/testbed/world): submit a fax from server 1 to
# server 2's number, find it by tag, see the modem busy while it is sent,
# follow it to DONE, then fetch server 2's recvq entry, retrieve it and
# delete it with ADMIN.
. "$top_srcdir/tests/lib.sh"

FH=$top_builddir/tests/hylafax/fh-hylafax
WORLD=$top_srcdir/tests/testbed/world

[ "$(id -u)" = 0 ] || skip_all "needs root (the testbed starts HylaFAX)"
[ -x /usr/sbin/hfaxd ] && [ -x /usr/sbin/faxq ] ||
	skip_all "hylafax-server not installed"
command -v iaxmodem >/dev/null 2>&1 || skip_all "iaxmodem not installed"
command -v gs >/dev/null 2>&1 || skip_all "ghostscript not installed"
[ -x "$WORLD" ] || skip_all "no tests/testbed/world"
[ -x "$FH" ] || skip_all "fh-hylafax not built"

at_exit "'$WORLD' stop '$T/w' >/dev/null 2>&1"
ok "world starts" "$WORLD" start "$T/w"
[ -f "$T/w/env" ] || { done_testing; exit 1; }
. "$T/w/env"

A="-p $TB_HFAX1_PORT -u $TB_HFAX1_USER -P $TB_HFAX1_PASS"
B="-p $TB_HFAX2_PORT -u $TB_HFAX2_USER -P $TB_HFAX2_PASS"
printf '%%!PS\n/Helvetica findfont 36 scalefont setfont\n72 700 moveto (faxhub real.sh) show showpage\n' >"$T/p.ps"
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=tiffg3 -r204x196 -sPAPERSIZE=a4 \
	-sOutputFile="$T/doc.tif" "$T/p.ps"

ok "session is alive" "$FH" $A alive
out=$("$FH" -p "$TB_HFAX1_PORT" -u "$TB_HFAX1_USER" -P wrong alive 2>&1)
like "wrong password is an auth error" "$out" "auth: server test: login: 530*"
"$FH" $A status 999999 >/dev/null 2>&1
is "unknown job is not found (exit 1)" "$?" 1
out=$("$FH" $A modems)
like "modems listed, OUT modem idle" "$out" "*$TB_HFAX1_OUT_TTY|*|idle|Running and idle*"

tag=real-$$-$(date +%s)
"$FH" $A find "$tag" >/dev/null 2>&1
is "tag not yet on the server" "$?" 1
jobid=$("$FH" $A submit "$T/doc.tif" "$TB_HFAX2_NUMBER" "$tag" "$TB_HFAX1_USER")
like "submit gives a job id" "$jobid" "[0-9]*"
out=$("$FH" $A find "$tag")
like "find by tag gives the job" "$out" "jobid=$jobid *tag=$tag *"

busy=no state=
i=0
while [ $i -lt $((120 * PATIENCE)) ]; do
	"$FH" $A modems | grep -q "^$TB_HFAX1_OUT_TTY|.*|busy|" && busy=yes
	st=$("$FH" $A status "$jobid") || break
	state=${st#*state=}
	state=${state%% *}
	case $state in done|failed) break ;; esac
	sleep 1
	i=$((i + 1))
done
is "job followed to done" "$state" done
is "OUT modem was busy while sending" "$busy" yes
like "done job: 1 of 1 pages" "$st" "* pages=1/1 *"
out=$("$FH" $A find "$tag")
like "done job found by tag in doneq" "$out" "jobid=$jobid state=done *"

line=
i=0
while [ $i -lt $((60 * PATIENCE)) ]; do
	line=$("$FH" $B recvq | head -1)
	case $line in *"|0|"[0-9]*) break ;; esac
	sleep 1
	i=$((i + 1))
done
file=${line%%|*}
like "server 2 has the fax in recvq" "$file" "fax*.tif"
like "recvq: TSI, pages, caller, called" "$line" \
	"$file|*|$TB_HFAX1_CSID|1|$TB_HFAX1_CALLER|$TB_HFAX2_NUMBER|||0|*"
ok "retrieve" "$FH" $B retrieve "$file" "$T/got.tif"
ok "retrieved file is byte-identical" cmp "$T/got.tif" \
	"$TB_HFAX2_SPOOL/recvq/$file"
fails "delete without admin password fails" "$FH" $B delete "$file"
ok "delete with ADMIN" "$FH" $B -A "$TB_HFAX2_ADMIN_PASS" delete "$file"
out=$("$FH" $B recvq)
is "recvq empty after delete" "$out" ""
done_testing
