#!/bin/sh
# Acceptance test of the testbed's fax side: two HylaFAX servers fax each
# other over iaxmodem; then stop leaves nothing behind.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/world/common.sh"
world_skip_unless_ready postfix dovecot hfaxd faxq faxgetty iaxmodem \
    openssl python3 tiffinfo
[ -x /usr/bin/convert ] || skip_all "ImageMagick not installed (run tools/deps.sh)"

world_start
ok "world starts (mail + 2 HylaFAX servers)" test -f "$W/env"
ok "status: every service runs" "$TB/world" status "$W"
"$TB/world" status "$W" | sed 's/^/# /'

st=$("$TB/tb-hylafax" -d "$W" -s 1 status)
like "server 1 scheduler runs" "$st" "HylaFAX scheduler on *: Running*"
like "server 1 OUT modem idle" "$st" "*$TB_HFAX1_OUT_TTY|$TB_HFAX1_NUMBER|Running and idle*"
fails "wrong hfaxd password refused" env TB_DIR="$W" /usr/bin/python3 -IB -c "
import sys; sys.path.insert(0, '$TB')
import hfaxproto
c = hfaxproto.Client('127.0.0.1', $TB_HFAX2_PORT)
c.login('$TB_HFAX2_USER', 'wrong')"
ok "admin password accepted" "$TB/tb-hylafax" -d "$W" -s 2 --admin recvq

/usr/bin/convert -size 1728x2200 xc:white -fill black -pointsize 64 \
    -draw "text 150,300 'faxhub testbed page'" -density 204x196 \
    -units PixelsPerInch -monochrome -compress Group4 "$T/page.tif"
ok "test TIFF made" tiffinfo "$T/page.tif"

# One real fax: submitted to server 1 over its protocol, received by 2.
t0=$(date +%s)
line=$("$TB/tb-sendfax" -d "$W" -s 2 -n 5551234 --jobinfo tbtest --wait \
    --timeout 80 "$T/page.tif" 2>"$T/sendfax.err")
r=$?
t1=$(date +%s)
sed 's/^/# /' "$T/sendfax.err"
diag "one-page fax server 1 -> server 2: $((t1 - t0)) s"
is "fax received" "$r" 0
IFS='|' read -r f_file f_time f_tsi f_pages f_caller f_called rest <<EOF2
$line
EOF2
is "CSID is server 1's" "$f_tsi" "$TB_HFAX1_CSID"
is "caller number is server 1's" "$f_caller" "$TB_HFAX1_CALLER"
is "called number is the dialled one" "$f_called" "5551234"
is "one page" "$f_pages" 1
ok "retrieve it" "$TB/tb-hylafax" -d "$W" -s 2 retr "recvq/$f_file" -o "$T/rx.tif"
like "it is a fax TIFF from server 1" "$(tiffinfo "$T/rx.tif" 2>&1)" \
    "*Image Width: 1728*ImageDescription: $TB_HFAX1_CSID*"
jobid=$(sed -n 's/.*server 1 job \([0-9]*\) received.*/\1/p' "$T/sendfax.err")
ok "the sending job finishes DONE" "$TB/tb-hylafax" -d "$W" -s 1 --timeout 30 wait-job "$jobid"
like "server 1 doneq shows the job done" "$("$TB/tb-hylafax" -d "$W" -s 1 doneq)" \
    "*|D|*5551234|tbtest*"
fails "a normal user cannot delete it" sh -c \
    "'$TB/tb-hylafax' -d '$W' -s 2 recvq >/dev/null && env TB_DIR='$W' /usr/bin/python3 -IB -c \"
import sys; sys.path.insert(0, '$TB')
import hfaxproto
c = hfaxproto.Client('127.0.0.1', $TB_HFAX2_PORT)
c.login('$TB_HFAX2_USER', '$TB_HFAX2_PASS')
c.cmd('DELE recvq/$f_file', '2')\""
ok "the admin deletes it" "$TB/tb-hylafax" -d "$W" -s 2 dele "recvq/$f_file"
is "recvq is empty again" "$("$TB/tb-hylafax" -d "$W" -s 2 recvq)" ""

# A fax injected with a chosen CSID and caller number, server 2 -> 1.
fails "a CSID with a quote is refused" "$TB/tb-sendfax" -d "$W" -s 1 \
    --csid 'bad"csid' "$T/page.tif"
fails "a caller number with a space is refused" "$TB/tb-sendfax" -d "$W" \
    -s 1 --caller "555 1" "$T/page.tif"
t0=$(date +%s)
line=$("$TB/tb-sendfax" -d "$W" -s 1 -n 5559876 --csid "+49 30 1234567" \
    --caller 493012345 --wait --timeout 80 "$T/page.tif" 2>"$T/sendfax2.err")
r=$?
t1=$(date +%s)
sed 's/^/# /' "$T/sendfax2.err"
diag "fax server 2 -> server 1 with chosen CSID/caller: $((t1 - t0)) s"
is "chosen-CSID fax received" "$r" 0
IFS='|' read -r f_file f_time f_tsi f_pages f_caller f_called rest <<EOF2
$line
EOF2
is "CSID is the chosen one" "$f_tsi" "+49 30 1234567"
is "caller number is the chosen one" "$f_caller" "493012345"
is "called number is the dialled one" "$f_called" "5559876"
like "server 1 recvq lists exactly it" "$("$TB/tb-hylafax" -d "$W" -s 1 recvq)" \
    "$f_file|*|+49 30 1234567|1|493012345|5559876|*"
like "server 2's OUT modem is back to its own number" \
    "$(cat "/etc/iaxmodem/$TB_HFAX2_OUT_TTY")" "*cidnumber*$TB_HFAX2_CALLER*"
like "and idle again" "$("$TB/tb-hylafax" -d "$W" -s 2 status)" \
    "*$TB_HFAX2_OUT_TTY|$TB_HFAX2_NUMBER|Running and idle*"
ok "status: every service runs after the restarts" "$TB/world" status "$W"

# Outage of one hfaxd.
ok "stop-service hfaxd2" "$TB/world" stop-service "$W" hfaxd2
fails "server 2 is down" "$TB/tb-hylafax" -d "$W" -s 2 --timeout 3 status
ok "server 1 still up" "$TB/tb-hylafax" -d "$W" -s 1 status
ok "start-service hfaxd2" "$TB/world" start-service "$W" hfaxd2
ok "server 2 is back" "$TB/tb-hylafax" -d "$W" -s 2 status

groups=$(world_pgids)
made_log=no
[ -f "$W/run/logsink.made" ] && made_log=yes
ok "stop" "$TB/world" stop "$W"
is "no process left" "$(left_in_groups $groups)" ""
left=""
for p in $(( TB_PORT_BASE + 12 )) $(( TB_PORT_BASE + 13 )) \
    $(( TB_PORT_BASE + 14 )) $(( TB_PORT_BASE + 15 )); do
	for f in "/etc/iaxmodem/ttyIAX$p" "/dev/ttyIAX$p" "/var/lock/LCK..ttyIAX$p"; do
		[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
	done
done
is "nothing left outside the world dir" "$left" ""
if [ $made_log = yes ]; then
	fails "the /dev/log sink it made is gone" test -S /dev/log
fi
ok "stop is safe twice" "$TB/world" stop "$W"
done_testing
