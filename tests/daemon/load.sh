#!/bin/sh
# Faults under load: 50 mails in flight while IMAP, then one fax server,
# then SMTP stop and come back.  Nothing is lost, nothing is done twice:
# every mail becomes exactly one job on a fax server, and every report
# reaches the sender exactly once.  The servers' send modems are held busy
# (faxstate) so the jobs wait on the servers instead of being dialled; at
# the end they are killed, which makes 50 failure reports for SMTP.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"
HFB=$top_srcdir/tests/bench/hfbench
FAXSTATE=/usr/lib/hylafax/bin/faxstate
[ -x "$FAXSTATE" ] || skip_all "hylafax-server not installed"
N=50

hub_world
hub_setup
for i in 1 2; do
	"$CTL" -D "$T/db" server set "fax$i" --lines $N >/dev/null
done
hold() {
	for i in 1 2; do
		eval "spool=\$TB_HFAX${i}_SPOOL tty=\$TB_HFAX${i}_OUT_TTY"
		"$FAXSTATE" -q "$spool" -s "$1" "$tty" || return 1
	done
}
ok "send modems held busy" hold busy
make_tiff "$T/doc.tif" 1
submitted() { grep -c "submitted to fax" "$HUBLOG"; }
queued_on_servers() {
	for i in 1 2; do "$TB/tb-hylafax" -d "$W" -s $i sendq; done |
	    grep -c 'faxhub:'
}

hub_start
ok "faxhubd up" wait_until 30 sh -c "grep -q 'server fax2: logged in' '$HUBLOG'"
ok "$N mails accepted by Postfix" sh -c \
    "python3 -IB '$HFB' smtp -d '$W' -n $N --first 15555570000 --tiff '$T/doc.tif' >'$T/sent'"

# IMAP goes away while the mails are being taken (once Postfix has
# delivered them all: with LMTP gone too it would defer the rest for
# minutes, which tests Postfix, not faxhub).
ok "all $N mails are in the gateway mailbox" wait_until 60 sh -c \
    "[ \$('$TB/tb-fetch' -d '$W' -u fax --count --all) -ge $N ]"
ok "stop Dovecot (IMAP) with mails in flight" "$TB/world" stop-service "$W" dovecot
ok "faxhubd finds IMAP gone" wait_until 60 sh -c "grep -q 'imap: .*retry in' '$HUBLOG'"
ok "start Dovecot again" "$TB/world" start-service "$W" dovecot
ok "faxhubd logs in to IMAP again" wait_until 60 sh -c \
    "[ \$(grep -c 'imap: logged in' '$HUBLOG') -ge 2 ]"

# A fax server goes away while jobs are being submitted.
wait_until 60 sh -c "[ \$(grep -c 'submitted to fax' '$HUBLOG') -ge 15 ]"
ok "stop fax1's hfaxd during submission" "$TB/world" stop-service "$W" hfaxd1
ok "faxhubd finds fax1 gone" wait_until 60 sh -c \
    "grep -Eq 'fax1.*(session lost|server marked down)' '$HUBLOG'"
ok "start it again" "$TB/world" start-service "$W" hfaxd1
ok "every mail became a job on a fax server" wait_until 180 sh -c \
    "[ \$(grep -c 'submitted to fax' '$HUBLOG') -ge $N ]"
ok "no job waits for a server any more" wait_until 60 sh -c \
    "'$CTL' -c '$CONF' status | grep -q 'jobs: 0 queued, 0 submitting'"
is "exactly $N submissions" "$(submitted)" $N
is "exactly $N jobs wait on the servers" "$(queued_on_servers)" $N
is "no number twice on the servers" \
    "$(for i in 1 2; do "$TB/tb-hylafax" -d "$W" -s $i sendq; done | cut -d'|' -f10 | sort | uniq -d | wc -l)" 0
is "the gateway INBOX is empty" "$(gw_count INBOX)" 0
is "$N mails wait in the processing folder" "$(gw_count faxhub.processing)" $N

# SMTP goes away while the reports are being written.
ok "stop Postfix" "$TB/world" stop-service "$W" postfix
ok "kill the held jobs on the servers" python3 -IB "$HFB" kill -d "$W"
ok "faxhubd sees every job end" wait_until 300 sh -c \
    "[ \$(grep -c 'job .*: failed' '$HUBLOG') -ge $N ]"
ok "the reports wait for SMTP" wait_until 60 sh -c "grep -q 'deferred' '$HUBLOG'"
ok "start Postfix" "$TB/world" start-service "$W" postfix
ok "alice gets every report" wait_until 240 mbox_has alice $N
ok "nothing more on its way to alice" wait_until 120 hub_settled
is "exactly one report per mail" "$(mbox_count alice)" $N
ok "every mail moves on to the failed folder" wait_until 60 sh -c \
    "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count -F faxhub.failed)\" = $N ]"
hold ready >/dev/null 2>&1
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$(cat "$T/hub.pid")/status" 2>/dev/null)
diag "faxhubd peak RSS under this load: ${rss:-?} kB"
done_testing
