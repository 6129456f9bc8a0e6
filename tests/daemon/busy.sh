#!/bin/sh
# Busy means busy (issue 15) on the real loopback world.  Each server has
# one send (OUT) modem and one receive-only (IN) modem; the admin names the
# send modems (server set --send-modems).  Faxes from another sender,
# submitted to hfaxd directly as another application would, occupy the
# send modems: faxhub must see the server busy although its receive modem
# is idle, send through the other server at once, wait while both are
# busy and take whichever frees first, and say in the report which server
# it used (alice is assigned to fax1: the report says why another server
# took her fax).  Meanwhile faxhub polls the receive queues every second while
# the foreign faxes arrive: no session may drop and no error be logged.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world
hub_setup "inbound.poll_interval = 1s" "dispatch.poll_interval = 1s"
for i in 1 2; do
	eval "tty=\$TB_HFAX${i}_OUT_TTY"
	ok "fax$i: send modem $tty named" "$CTL" -D "$T/db" server set "fax$i" \
	    --send-modems "$tty"
done
like "server show names the send modem" \
    "$("$CTL" -D "$T/db" server show fax1)" "*send_modems: $TB_HFAX1_OUT_TTY*"
A=alice@$TB_USER_DOMAIN
ok "alice is assigned to fax1" "$CTL" -D "$T/db" assign "$A" fax1
make_tiff "$T/doc.tif" 1
make_tiff "$T/long.tif" 3
srv_state() { "$CTL" -c "$CONF" status | awk -v s="$1" '$1 == s { print $2 }'; }
srv_is() { [ "$(srv_state "$1")" = "$2" ]; }
job_state() { "$TB/tb-hylafax" -d "$W" -s "$1" job "$2" STATE 2>/dev/null; }
job_active() { job_state "$1" "$2" | grep -q 'ACTIVE'; }
job_ended() { job_state "$1" "$2" | grep -qE 'DONE|FAILED'; }
both_ended() { job_ended 1 "$g1" && job_ended 2 "$g2"; }
both_up() { srv_is fax1 up && srv_is fax2 up; }
both_busy() { srv_is fax1 busy && srv_is fax2 busy; }
chosen() { grep -o "job [^ ]* to +$1: server fax[12] chosen" "$HUBLOG" | sed 's/.*server \(fax[12]\).*/\1/'; }

hub_start
ok "both servers logged in" wait_until 30 sh -c \
    "grep -q 'server fax1: logged in' '$HUBLOG' && grep -q 'server fax2: logged in' '$HUBLOG'"
ok "both servers free" wait_until 60 both_up

# --- a foreign fax on fax1's send modem: the user's fax goes via fax2 ------
# tb-sendfax -s 2 submits to server 1 (its OUT modem calls server 2's IN).
f1=$("$TB/tb-sendfax" -d "$W" -s 2 "$T/long.tif")
like "foreign fax submitted to fax1's hfaxd" "$f1" "[0-9]*"
ok "fax1's send modem is in use by it" wait_until 60 sh -c \
    "'$TB/tb-hylafax' -d '$W' -s 1 status | grep -q '^$TB_HFAX1_OUT_TTY|.*Sending'"
ok "faxhub sees fax1 busy (no job of its own there)" wait_until 30 srv_is fax1 busy
mail_fax "$A" "+15555552001" "$T/doc.tif"
ok "the user's fax goes through fax2 at once" wait_until 30 sh -c \
    "grep -q 'job .*15555552001: server fax2 chosen' '$HUBLOG'"
ok "fax1's foreign fax was still on the line then" job_active 1 "$f1"
ok "the fallback from alice's assigned server is logged with the reason" \
    grep -q "job .*15555552001: $A's assigned server fax1 is busy: server fax2 chosen by priority" "$HUBLOG"
ok "the user's fax is sent" wait_until 150 sh -c \
    "grep -q 'job .*15555552001.*: sent' '$HUBLOG'"
ok "alice gets the report" wait_until 30 mbox_has alice 1
mbox_fetch alice 1 "$T/r1.eml"
like "the report names the server used and why" "$(cat "$T/r1.eml")" \
    "*Server: *fax2 (your assigned server fax1 was busy)*"
ok "the foreign fax on fax1 ends" wait_until 180 job_ended 1 "$f1"

# --- both send modems taken: the job waits, then takes the first free ----
ok "both servers free again" wait_until 60 both_up
g1=$("$TB/tb-sendfax" -d "$W" -s 2 "$T/long.tif")
g2=$("$TB/tb-sendfax" -d "$W" -s 1 "$T/long.tif")
ok "foreign faxes on both servers" sh -c "[ -n '$g1' ] && [ -n '$g2' ]"
ok "faxhub sees both busy" wait_until 60 both_busy
mail_fax "$A" "+15555552002" "$T/doc.tif"
ok "the job is queued" wait_until 30 sh -c "grep -q 'job .*15555552002 for' '$HUBLOG'"
# Until a send modem frees the job waits: seen not chosen, then both
# foreign faxes still on the line.
waited=no
i=0
while [ $i -lt $((240 * PATIENCE)) ] && [ -z "$(chosen 15555552002)" ]; do
	job_active 1 "$g1" && job_active 2 "$g2" && waited=yes
	sleep 1
	i=$((i + 1))
done
is "it waited while both send modems were in use" "$waited" yes
ok "then it went out" sh -c "grep -q 'job .*15555552002: server fax. chosen' '$HUBLOG'"
via=$(chosen 15555552002)
like "a server was chosen" "$via" "fax[12]"
case $via in fax1) fj=$g1 n=1 ;; *) fj=$g2 n=2 ;; esac
ok "it went to the server whose send modem freed first ($via)" sh -c \
    "! '$TB/tb-hylafax' -d '$W' -s $n job $fj STATE | grep -q ACTIVE"
ok "that fax is sent" wait_until 180 sh -c \
    "grep -q 'job .*15555552002.*: sent' '$HUBLOG'"
ok "alice gets the second report" wait_until 30 mbox_has alice 2
mbox_fetch alice 2 "$T/r2.eml"
like "the report names $via" "$(cat "$T/r2.eml")" "*Server: *$via*"
ok "the other foreign fax ends" wait_until 240 both_ended

# --- received faxes while polling every second ----------------------------
ok "the foreign faxes were received and routed" wait_until 60 sh -c \
    "[ \$(grep -c 'received fax .*taken into the spool' '$HUBLOG') -ge 3 ]"
is "no session dropped" "$(grep -c 'session lost' "$HUBLOG")" 0
# (log.level is debug: the protocol trace lines "hylafax faxN: > ..." name
# recvq on every poll and are not errors.)
is "no receive-queue error" \
    "$(grep 'recvq' "$HUBLOG" | grep -vc 'hylafax fax[12]: [<>] ')" 0
done_testing
