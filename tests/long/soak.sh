#!/bin/sh
# tests/long/soak.sh: faxhubd running for a long time (make check-long;
# issue 12 item 7).  For SOAK_MINUTES (default 30) on the loopback world:
#  * a mail every SOAK_MAIL_EVERY seconds (default 20) from alice, each to
#    numbers never used before: two singles, then a broadcast to two
#    numbers (Postfix delivers it as two copies of one mail), and so on;
#    every fax is really sent over IAX2 by one server and received by the
#    other, and the default route mails each received fax to bob;
#  * a faxhubctl edit every SOAK_EDIT_EVERY seconds (default 5): a user's
#    name, a server's priority, a route added and deleted, in turn;
#  * a SIGHUP with a changed configuration (faxhubd executes itself
#    again, same pid) at a third of the run; fax1's hfaxd stopped and started
#    again at half of it;
#  * retention pruning all along: faxhubd keeps the records of ended work
#    for 60 s only and prunes every 60 s (retention.records, .interval),
#    so broadcasts, jobs, mails and sent/ tombstones are pruned into the
#    seen index while mails, late copies, reports and received faxes keep
#    coming; and faxhubctl prune, beside faxhubd, at two thirds.
# Then it waits until every fax has ended and every received fax has been
# mailed, and asserts: every number was sent exactly once (the servers'
# done queues) and never failed, every number was received exactly once and
# mailed to bob exactly once, alice got one report per mail, faxhubd's own
# retention pruned ended broadcasts, and faxhubd's log has no sanitizer
# report (lib-hub.sh; the sanitizer builds write them).  RSS, open
# descriptors and threads are printed at the start and at the end.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

MIN=${SOAK_MINUTES:-30}
EVERY=${SOAK_MAIL_EVERY:-20}
EDIT=${SOAK_EDIT_EVERY:-5}
for v in $MIN $EVERY $EDIT; do
	case $v in
	''|*[!0-9]*|0) echo "Bail out! SOAK_MINUTES, SOAK_MAIL_EVERY and" \
	    "SOAK_EDIT_EVERY must be positive numbers"; exit 1 ;;
	esac
done

hub_world
hub_setup "dispatch.max_tries = 20" "dispatch.retry_delay = 5s" \
    "dispatch.job_lifetime = 3h" "inbound.poll_interval = 3s" \
    "retention.records = 60s" "retention.interval = 60s"
ok "default route to bob" "$CTL" -D "$T/db" route add --default "bob@$TB_USER_DOMAIN"
make_tiff "$T/doc.tif" 1
hub_start
ok "faxhubd logs in to IMAP and both fax servers" wait_until 60 sh -c \
    "grep -q 'imap: logged in' '$HUBLOG' &&
    grep -q 'server fax1: logged in' '$HUBLOG' &&
    grep -q 'server fax2: logged in' '$HUBLOG'"
PID=$(cat "$T/hub.pid")

# figures: RSS, descriptors, threads of faxhubd.
figures() {
	printf 'RSS %s kB, %s fds, %s threads' \
	    "$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$PID/status")" \
	    "$(ls "/proc/$PID/fd" | wc -l)" \
	    "$(awk '$1 == "Threads:" { print $2 }' "/proc/$PID/status")"
}
start_fig=$(figures)
diag "start: $start_fig"

has_prune=0
"$CTL" help prune >/dev/null 2>&1 && has_prune=1
[ $has_prune = 1 ] || diag "faxhubctl has no prune command: pruning not exercised"

t0=$(date +%s)
end=$((t0 + MIN * 60))
next_mail=$t0
next_edit=$t0
hup=$((t0 + MIN * 20)) hupped=0
halt=$((t0 + MIN * 30)) halted=0
prune=$((t0 + MIN * 40)) pruned=0
seq=0 mails=0 edits=0 editfail=0 prunefail=0
: >"$T/numbers"
while [ "$(date +%s)" -lt "$end" ]; do
	now=$(date +%s)
	kill -0 "$PID" 2>/dev/null || break
	if [ "$now" -ge "$next_mail" ]; then
		n1=$((5570000 + seq)); seq=$((seq + 1))
		to="$n1@$TB_FAX_DOMAIN"
		echo "$n1" >>"$T/numbers"
		if [ $((mails % 3)) = 2 ]; then
			n2=$((5570000 + seq)); seq=$((seq + 1))
			to="$to,$n2@$TB_FAX_DOMAIN"
			echo "$n2" >>"$T/numbers"
		fi
		POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" \
		    -f "alice@$TB_USER_DOMAIN" -t "$to" -s "soak $mails" \
		    -m "please fax" -a "$T/doc.tif:image/tiff:doc.tif" -q ||
		    diag "mail $mails was refused by Postfix"
		mails=$((mails + 1))
		next_mail=$((now + EVERY))
	fi
	if [ "$now" -ge "$next_edit" ]; then
		case $((edits % 4)) in
		0) set -- user set "alice@$TB_USER_DOMAIN" --name "alice $edits" ;;
		1) set -- server set fax2 --priority $((20 + edits % 2)) ;;
		2) set -- route add --at 1 --called 19999999 "carol@$TB_USER_DOMAIN" ;;
		3) set -- route del 1 ;;
		esac
		"$CTL" -D "$T/db" "$@" >/dev/null 2>"$T/edit.err" ||
		    { editfail=$((editfail + 1)); diag "faxhubctl $*: $(cat "$T/edit.err")"; }
		edits=$((edits + 1))
		next_edit=$((now + EDIT))
	fi
	if [ $hupped = 0 ] && [ "$now" -ge "$hup" ]; then
		# A changed configuration: faxhubd executes itself again.
		before=$(grep -c 'imap: logged in' "$HUBLOG")
		echo "# soak: changed at $now" >>"$CONF"
		kill -HUP "$PID"
		hupped=1
		wait_until 60 sh -c "[ \$(grep -c 'imap: logged in' \
		    '$HUBLOG') -gt $before ]" ||
		    diag "faxhubd did not log in again after SIGHUP"
		diag "SIGHUP sent with a changed configuration"
	fi
	if [ $halted = 0 ] && [ "$now" -ge "$halt" ]; then
		halted=1
		before=$(grep -c 'server fax1: logged in' "$HUBLOG")
		"$TB/world" stop-service "$W" hfaxd1 >/dev/null 2>&1
		wait_until 60 grep -q 'server fax1.*marked down' "$HUBLOG" ||
		    diag "faxhubd did not see fax1 go down"
		"$TB/world" start-service "$W" hfaxd1 >/dev/null 2>&1
		wait_until 120 sh -c "[ \$(grep -c 'server fax1: logged in' \
		    '$HUBLOG') -gt $before ]" ||
		    diag "faxhubd did not log in to fax1 again"
		diag "fax1's hfaxd stopped and started again"
	fi
	if [ $has_prune = 1 ] && [ $pruned = 0 ] && [ "$now" -ge "$prune" ]; then
		pruned=1
		"$CTL" -c "$CONF" prune >"$T/prune.out" 2>&1 ||
		    { prunefail=1; diag "faxhubctl prune: $(tail -1 "$T/prune.out")"; }
		diag "faxhubctl prune beside faxhubd: $(tail -1 "$T/prune.out")"
	fi
	sleep 1		# the loop's pace: mails and edits are due by the clock
done
ok "faxhubd ran the whole soak" kill -0 "$PID"
ok "faxhubd restarted itself on SIGHUP (same pid)" \
    grep -q 'SIGHUP: .* changed; restarting with it' "$HUBLOG"
is "every faxhubctl edit worked" "$editfail" 0
is "faxhubctl prune worked beside faxhubd" "$prunefail" 0
diag "$mails mails, $(wc -l <"$T/numbers") numbers, $edits edits in $MIN minute(s)"

N=$(wc -l <"$T/numbers" | tr -d ' ')
# Every number ends (sent or failed), then is received and mailed to bob.
ok "every fax ends" wait_until 1800 sh -c \
    "[ \$(grep -cE 'job [^ ]+ to \\+1555[0-9]+: (sent|failed)' '$HUBLOG') -ge $N ]"
ok "bob gets every received fax" wait_until 600 mbox_has bob "$N"
ok "alice gets one report per mail" wait_until 300 mbox_has alice "$mails"
# Let anything sent twice arrive too before counting.
wait_until 60 sh -c "! '$TB/tb-hylafax' -d '$W' -s 1 recvq | grep -q tif &&
    ! '$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"
end_fig=$(figures)
diag "end: $end_fig"
# Ended work is pruned within retention.records + retention.interval.
ok "faxhubd's own retention pruned ended broadcasts" wait_until 300 \
    grep -q 'retention: pruned [1-9][0-9]* broadcast' "$HUBLOG"
diag "retention: $(grep -c 'retention: pruned' "$HUBLOG") prune(s) that removed something"

# What the servers sent: their done queues, one line per HylaFAX job
# (state D = done), the dial string in field 9.  faxhubd's own "sent" log
# line is not counted: after a restart it finishes again the ended jobs of
# a broadcast still in flight (dispatch_reports), which logs them again.
for i in 1 2; do
	"$TB/tb-hylafax" -d "$W" -s $i doneq
done | awk -F'|' '{ gsub(/ /, ""); if ($2 == "D") print $9 }' \
    >"$T/doneq"
bad_sent=0 bad_recv=0 bad_mail=0
while read -r num; do
	s=$(grep -c "$num\$" "$T/doneq")
	f=$(grep -c "to +1555$num: failed" "$HUBLOG")
	[ "$s" = 1 ] && [ "$f" = 0 ] ||
	    { bad_sent=$((bad_sent + 1)); diag "$num: sent $s time(s), failed $f"; }
	keys=$(grep "called [0-9]*$num) taken into the spool" "$HUBLOG" |
	    sed 's/.*received fax \([^:]*\):.*/\1/' | sort -u)
	nk=$(printf '%s' "$keys" | grep -c .)
	[ "$nk" = 1 ] ||
	    { bad_recv=$((bad_recv + 1)); diag "$num: received $nk time(s)"; }
	for k in $keys; do
		q=$(grep -c "received fax $k: mail to bob@$TB_USER_DOMAIN queued" "$HUBLOG")
		[ "$q" = 1 ] ||
		    { bad_mail=$((bad_mail + 1)); diag "$k: mailed to bob $q time(s)"; }
	done
done <"$T/numbers"
is "every number faxed exactly once" "$bad_sent" 0
is "every number received exactly once" "$bad_recv" 0
is "every received fax mailed to bob exactly once" "$bad_mail" 0
is "bob has exactly one mail per fax" "$(mbox_count bob)" "$N"
is "alice has exactly one report per mail" "$(mbox_count alice)" "$mails"
diag "faxhubd at the start: $start_fig"
diag "faxhubd at the end:   $end_fig"
diag "faxhubd peak RSS: $(awk '$1 == "VmHWM:" { print $2 }' "/proc/$PID/status") kB"
done_testing
