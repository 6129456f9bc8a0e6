#!/bin/sh
# Dispatch on the real loopback world (two HylaFAX servers, one line each):
# users never pick a server.  Busy -> next, down -> next and back, the
# user's assignment, all servers down then recovery, and a broadcast with
# one combined report or one report per destination.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world
hub_setup
A=alice@$TB_USER_DOMAIN
B=bob@$TB_USER_DOMAIN
make_tiff "$T/doc.tif" 1
chosen() { grep -c "job .*$1.*: server $2 chosen" "$HUBLOG"; }
sent_ok() { grep -q "job .*$1.*: sent" "$HUBLOG"; }
srv_state() { "$CTL" -c "$CONF" status | awk -v s="$1" '$1 == s { print $2 }'; }
srv_is() { [ "$(srv_state "$1")" = "$2" ]; }
srv_up() { srv_is "$1" up || srv_is "$1" busy; }
both_down() { srv_is fax1 down && srv_is fax2 down; }

hub_start
ok "both servers logged in" wait_until 30 sh -c \
    "grep -q 'server fax1: logged in' '$HUBLOG' && grep -q 'server fax2: logged in' '$HUBLOG'"

# --- busy -> next: fax1's one line carries the first fax -------------------
mail_fax "$A" "+15555551001" "$T/doc.tif"
ok "first fax goes to fax1 (priority)" wait_until 30 sh -c \
    "grep -q 'job .*15555551001: server fax1 chosen' '$HUBLOG'"
ok "status shows fax1 busy" wait_until 10 srv_is fax1 busy
mail_fax "$A" "+15555551002" "$T/doc.tif"
ok "second fax goes to fax2 at once: fax1 is busy" wait_until 30 sh -c \
    "grep -q 'job .*15555551002: server fax2 chosen' '$HUBLOG'"
ok "both faxes are sent" wait_until 150 sh -c \
    "grep -q 'job .*15555551001.*: sent' '$HUBLOG' && grep -q 'job .*15555551002.*: sent' '$HUBLOG'"
ok "alice gets two reports" wait_until 30 mbox_has alice 2

# --- assignment: bob always goes through fax2 while it is up --------------
ok "assign bob to fax2" "$CTL" -D "$T/db" assign "$B" fax2
# fax2's modems show busy for a few seconds after its last call ("Waiting
# for modem to come ready"): an assignment holds only while fax2 is free.
ok "fax2 is free again" wait_until 60 srv_is fax2 up
sleep 2
mail_fax "$B" "+15555551003" "$T/doc.tif"
ok "bob's fax goes to fax2 although fax1 is free" wait_until 40 sh -c \
    "grep -q 'job .*15555551003: server fax2 chosen' '$HUBLOG'"
ok "bob's fax is sent" wait_until 150 sh -c "grep -q 'job .*15555551003.*: sent' '$HUBLOG'"
ok "unassign bob" "$CTL" -D "$T/db" unassign "$B"

# --- disabled: no new jobs, but the fax in flight is followed to its end ---
mail_fax "$A" "+15555551007" "$T/doc.tif"
ok "a fax goes to fax1" wait_until 40 sh -c \
    "grep -q 'job .*15555551007: server fax1 chosen' '$HUBLOG'"
ok "disable fax1 while its fax is on the way" "$CTL" -D "$T/db" server disable fax1
sleep 2
mail_fax "$A" "+15555551008" "$T/doc.tif"
ok "the disabled server takes no new job" wait_until 40 sh -c \
    "grep -q 'job .*15555551008: server fax2 chosen' '$HUBLOG'"
ok "its fax in flight is still followed to the end" wait_until 150 sh -c \
    "grep -q 'job .*15555551007.*: sent' '$HUBLOG'"
ok "the other fax is sent too" wait_until 150 sh -c \
    "grep -q 'job .*15555551008.*: sent' '$HUBLOG'"
ok "enable fax1 again" "$CTL" -D "$T/db" server enable fax1
ok "status shows fax1 usable again" wait_until 10 srv_up fax1

# --- down -> next, and back -------------------------------------------------
ok "stop fax1's hfaxd" "$TB/world" stop-service "$W" hfaxd1
ok "fax1 is marked down" wait_until 60 srv_is fax1 down
mail_fax "$A" "+15555551004" "$T/doc.tif"
ok "with fax1 down the fax goes through fax2" wait_until 40 sh -c \
    "grep -q 'job .*15555551004: server fax2 chosen' '$HUBLOG'"
ok "start fax1's hfaxd again" "$TB/world" start-service "$W" hfaxd1
ok "fax1 is logged in again" wait_until 60 srv_up fax1
ok "the fax via fax2 is sent" wait_until 150 sh -c "grep -q 'job .*15555551004.*: sent' '$HUBLOG'"
mail_fax "$A" "+15555551005" "$T/doc.tif"
ok "fax1 takes jobs again once it is back" wait_until 40 sh -c \
    "grep -q 'job .*15555551005: server fax1 chosen' '$HUBLOG'"
ok "that fax is sent" wait_until 150 sh -c "grep -q 'job .*15555551005.*: sent' '$HUBLOG'"

# --- all servers down: the job waits, then goes out once ------------------
ok "stop fax1's hfaxd" "$TB/world" stop-service "$W" hfaxd1
ok "stop fax2's hfaxd" "$TB/world" stop-service "$W" hfaxd2
ok "both servers marked down" wait_until 60 both_down
mail_fax "$A" "+15555551006" "$T/doc.tif"
ok "the job is queued" wait_until 30 sh -c "grep -q 'job .*15555551006 for' '$HUBLOG'"
sleep 3
is "no server was chosen while all are down" "$(grep -c 'job .*15555551006: server' "$HUBLOG")" 0
ok "status shows the queued job" sh -c "'$CTL' -c '$CONF' status | grep -q '1 queued'"
ok "start fax2's hfaxd" "$TB/world" start-service "$W" hfaxd2
ok "start fax1's hfaxd" "$TB/world" start-service "$W" hfaxd1
if wait_until 120 sh -c "'$CTL' -c '$CONF' status | grep -qE '^fax1 +(up|busy)' &&
    '$CTL' -c '$CONF' status | grep -qE '^fax2 +(up|busy)'"; then
	ok "both servers logged in again" true
else
	ok "both servers logged in again" false
	"$TB/world" status "$W" | sed 's/^/# /'
	grep -E 'server fax|hfaxd' "$HUBLOG" | tail -20 | sed 's/^/# /'
fi
ok "after recovery the job goes out" wait_until 60 sh -c \
    "grep -q 'job .*15555551006: server fax. chosen' '$HUBLOG'"
ok "and is sent" wait_until 150 sh -c "grep -q 'job .*15555551006.*: sent' '$HUBLOG'"
is "it was given to a server exactly once" \
    "$(grep -c 'job .*15555551006: server' "$HUBLOG")" 1

# --- broadcast: one combined report, then one report per destination -----
n0=$(mbox_count alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" \
    -t "+15555551101@$TB_FAX_DOMAIN,+15555551102@$TB_FAX_DOMAIN,+15555551103@$TB_FAX_DOMAIN" \
    -s "broadcast" -m hi -a "$T/doc.tif:image/tiff:b.tif" -q
ok "broadcast: all three sent" wait_until 240 sh -c \
    "grep -q 'job .*15555551101.*: sent' '$HUBLOG' && grep -q 'job .*15555551102.*: sent' '$HUBLOG' && grep -q 'job .*15555551103.*: sent' '$HUBLOG'"
ok "one combined report" wait_until 30 mbox_has alice $((n0 + 1))
sleep 3
is "exactly one report for the broadcast" "$(mbox_count alice)" $((n0 + 1))
mbox_fetch alice $((n0 + 1)) "$T/comb.eml"
for d in 1101 1102 1103; do
	like "combined report lists ...$d" "$(cat "$T/comb.eml")" "*555$d*"
done
ok "per-destination reports for alice" "$CTL" -D "$T/db" user set "$A" --report per-destination
sleep 2
n0=$(mbox_count alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" \
    -t "+15555551201@$TB_FAX_DOMAIN,+15555551202@$TB_FAX_DOMAIN" \
    -s "broadcast 2" -m hi -a "$T/doc.tif:image/tiff:b.tif" -q
ok "per-destination: one report per number" wait_until 240 mbox_has alice $((n0 + 2))
"$CTL" -D "$T/db" log list --direction out >"$T/log.txt"
ok "the log has a done record per destination" sh -c \
    "[ \$(grep -c 'done' '$T/log.txt') -ge 10 ]"
done_testing
