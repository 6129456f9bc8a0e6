#!/bin/sh
# The proof that nothing is lost and nothing is sent twice: faxhubd kills
# itself with SIGKILL at each durability point of dispatch and inbound;
# after a restart every fax is sent exactly once (fax1's done queue holds
# one job per number, fax2 received one fax per number) and every received
# fax is mailed exactly once to each recipient, removed from the server
# only at the end.  Also: SMTP down while a fax arrives.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world
hub_setup
D=$TB_USER_DOMAIN
A=alice@$D
"$CTL" -D "$T/db" route add --called 5559999 "bob@$D" "carol@$D" >/dev/null
"$CTL" -D "$T/db" route add --default "bob@$D" >/dev/null
"$CTL" -D "$T/db" server disable fax2 >/dev/null	# every fax leaves via fax1
make_tiff "$T/doc.tif" 1
sent_count() { grep -c "job .*$1.*: sent" "$HUBLOG"; }
# fax1's done queue: the jobs to NUMBER that were sent (state D; a try
# the line broke is there too, failed, and was tried again).
done_on_fax1() {
	"$TB/tb-hylafax" -d "$W" -s 1 doneq | awk -F'|' -v n="$1" \
	    '{ s = $2; gsub(/ /, "", s) } s == "D" && index($0, "|" n "|") { c++ }
	    END { print c + 0 }'
}
received_on_fax2() { grep -c "called $1) taken into the spool" "$HUBLOG"; }
# sent_once TAG NUMBER: after a restart the fax to NUMBER goes out once
# and is received once; then faxhubd is stopped, once the report and the
# received fax's mail are out (a received fax leaves the server after its
# mails): else they go at the next start, in a later check's count.
sent_once() {
	ok "$1: the fax is sent after the restart" wait_until 200 sh -c \
	    "grep -q 'job .*$2.*: sent' '$HUBLOG'"
	is "$1: fax1 sent it exactly once" "$(done_on_fax1 "$2")" 1
	ok "$1: fax2 received it" wait_until 60 sh -c \
	    "[ \$(grep -c 'called $2) taken into the spool' '$HUBLOG') -ge 1 ]"
	is "$1: fax2 received it exactly once" "$(received_on_fax2 "$2")" 1
	ok "$1: the received fax's mail is out" wait_until 120 sh -c \
	    "! '$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"
	ok "$1: every mail faxhubd wrote is delivered" \
	    wait_until 120 hub_settled
	hub_stop
}

# CRASH_REPEAT (default 1; `make check-long` uses 3) runs every point again.
R=${CRASH_REPEAT:-1}
k=0
points=""
for r in $(seq 1 "$R"); do
	points="$points hylafax-after-upload hylafax-after-jnew"
	points="$points hylafax-after-jsubm dispatch-before-jobid-saved"
done
for cp in $points; do
	k=$((k + 1))
	num=1555555$(printf '%04d' $((2000 + k)))
	hub_start FAXHUB_CRASHPOINT=$cp
	ok "$cp: faxhubd running" wait_until 20 sh -c "grep -q 'server fax1: logged in' '$HUBLOG'"
	mail_fax "$A" "+$num" "$T/doc.tif"
	ok "$cp: killed at the point" hub_wait_dead 120
	hub_start
	sent_once "$cp" "$num"
done
ok "bob has one mail per fax" wait_until 60 sh -c "[ \"\$('$TB/tb-fetch' -d '$W' -u bob --count)\" -ge $k ]"
# faxhubd is stopped: what it sent is all in Postfix or delivered.
ok "its outbox is empty" sh -c "! ls '$T/spool/outbox/'*.env"
ok "every mail faxhubd sent is delivered" wait_until 60 mta_idle
is "bob: exactly one mail per fax" "$(mbox_count bob)" $k
is "alice: exactly one report per fax" "$(mbox_count alice)" $k
outk=$k

# --- a machine crash: the intake writes a mail's document, job and
# broadcast without fsync (derived from the durable .eml); a job is made
# durable only when it reaches SUBMITTING.  Torn here by hand while
# faxhubd is stopped, as a crash of the machine could leave them: the
# start-up makes them again from the mail and the fax goes out once.
num=15555553001
"$CTL" -D "$T/db" server disable fax1 >/dev/null	# the job waits, queued
hub_start
mail_fax "$A" "+$num" "$T/doc.tif"
ok "torn records: the mail became a job" wait_until 60 sh -c \
    "grep -lqs '^e164=+$num\$' '$T/spool/jobs/'*"
ok "torn records: the mail has left the INBOX" wait_until 60 sh -c \
    "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count)\" = 0 ]"
hub_stop
job=$(grep -l "^e164=+$num\$" "$T/spool/jobs/"*)
bc=$(sed -n 's/^broadcast=//p' "$job")
ok "torn records: still queued" grep -q '^state=queued$' "$job"
: >"$job"
: >"$T/spool/bcast/$bc"
sz=$(wc -c <"$T/spool/docs/$bc.tif")
truncate -s $((sz / 2)) "$T/spool/docs/$bc.tif"
"$CTL" -D "$T/db" server enable fax1 >/dev/null
# Killed once in the middle of the recovery: the next start finishes it.
hub_start FAXHUB_CRASHPOINT=intake-after-redo
ok "torn records: killed after making them again" hub_wait_dead 60
ok "torn records: the start-up made them again" \
    hub_log_has "recovery: mail .*: broadcast $bc made again"
hub_start
sent_once "torn records" "$num"

# --- inbound: killed after the fetch, after the first of two mails -------
inpoints=""
for r in $(seq 1 "$R"); do
	inpoints="$inpoints inbound-after-fetch inbound-after-first-mail"
done
ink=0
for cp in $inpoints; do
	ink=$((ink + 1))
	nb=$(mbox_count bob)
	nc=$(mbox_count carol)
	# After the first mail is queued the outbox thread may already be
	# talking to Postfix when the kill comes; a mail Postfix accepted in
	# the instant before the kill, but whose acceptance was not yet
	# recorded, would go again after the restart: that is SMTP's own
	# window (no protocol makes acceptance and our record one step), not
	# what this point tests.  So Postfix is down until the restart.
	[ $cp = inbound-after-first-mail ] &&
	    ok "$cp: stop Postfix" "$TB/world" stop-service "$W" postfix
	hub_start FAXHUB_CRASHPOINT=$cp
	ok "$cp: faxhubd running" wait_until 20 sh -c "grep -q 'server fax2: logged in' '$HUBLOG'"
	"$TB/tb-sendfax" -d "$W" -s 2 -n 5559999 "$T/doc.tif" >/dev/null
	ok "$cp: killed at the point" hub_wait_dead 150
	if [ $cp = inbound-after-first-mail ]; then
		ok "$cp: the fax is still on the server" sh -c \
		    "'$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"
		ok "$cp: start Postfix" "$TB/world" start-service "$W" postfix
	fi
	hub_start
	ok "$cp: bob gets it" wait_until 90 mbox_has bob $((nb + 1))
	ok "$cp: carol gets it" wait_until 90 mbox_has carol $((nc + 1))
	ok "$cp: removed from the server at the end" wait_until 60 sh -c \
	    "! '$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"
	ok "$cp: every mail faxhubd wrote is delivered" \
	    wait_until 60 hub_settled
	is "$cp: bob exactly once" "$(mbox_count bob)" $((nb + 1))
	is "$cp: carol exactly once" "$(mbox_count carol)" $((nc + 1))
	hub_stop
done
diag "crash points: $outk kills in dispatch, $ink in inbound ($R round(s)):"
diag "  $outk faxes sent exactly once, $outk received faxes delivered exactly once,"
diag "  $ink received faxes delivered exactly once to each of 2 recipients"

# --- SMTP down while a fax arrives: kept, delivered once afterwards ------
nb=$(mbox_count bob)
hub_start
ok "faxhubd running" wait_until 20 sh -c "grep -c 'server fax2: logged in' '$HUBLOG' | grep -qv '^0'"
ok "stop Postfix" "$TB/world" stop-service "$W" postfix
"$TB/tb-sendfax" -d "$W" -s 2 -n 5558888 "$T/doc.tif" >/dev/null
ok "the fax is taken while SMTP is down" wait_until 90 sh -c \
    "grep -q 'called 5558888) taken into the spool' '$HUBLOG'"
ok "its mail is deferred" wait_until 30 sh -c "grep -q 'deferred' '$HUBLOG'"
ok "the fax stays on the server while undelivered" sh -c \
    "'$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"
ok "start Postfix" "$TB/world" start-service "$W" postfix
ok "delivered after SMTP is back" wait_until 120 mbox_has bob $((nb + 1))
ok "every mail faxhubd wrote is delivered" wait_until 60 hub_settled
is "delivered exactly once" "$(mbox_count bob)" $((nb + 1))
ok "then removed from the server" wait_until 60 sh -c \
    "! '$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"
done_testing
