#!/bin/sh
# tests/daemon/retention.sh: faxhubd prunes by itself, and pruning keeps
# "never twice": a mail whose broadcast ended is pruned (records gone, ids
# in the seen index), then a late copy of the same mail (same Message-ID,
# a new UID) arrives and is not faxed again: no job, and it goes to the
# done folder.  The answer to a refused mail is not sent again to a late
# copy once the refusal and the answer's sent/ tombstone were pruned, and
# a report owed again after a restart is not sent again once its
# tombstone was pruned.  No fax servers: a job's end is written into the
# spool while faxhubd is stopped, as dispatch would have left it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world nofax
hub_setup "retention.records = 1"
make_tiff "$T/doc.tif" 1
A=alice@$TB_USER_DOMAIN
S=$T/spool
MID='<retention.1@tb.test>'
njobs() { find "$S/jobs" -type f ! -name '*.tmp*' | wc -l | tr -d ' '; }
kvset() {	# FILE KEY VALUE: a spool record's field
	sed -i "/^$2=/d" "$1" && printf '%s=%s\n' "$2" "$3" >>"$1"
}

hub_start
ok "faxhubd logs in to IMAP" wait_until 20 hub_log_has "imap: logged in"
mail_fax "$A" +15555550301 "$T/doc.tif" --message-id "$MID"
ok "the mail becomes a job" wait_until 60 sh -c "[ \$(find '$S/jobs' -type f | wc -l) -eq 1 ]"
ok "and moves to the processing folder" wait_until 30 hub_log_has "moved to faxhub.processing"
hub_stop

# As dispatch leaves an ended broadcast: job done, report queued, mail moved.
J=$(ls "$S/jobs")
B=$(ls "$S/bcast")
kvset "$S/jobs/$J" state done
kvset "$S/jobs/$J" ended $(( $(date +%s) - 100 ))
kvset "$S/bcast/$B" reported 1
kvset "$S/bcast/$B" moved 1

# As a crash leaves it before the retirement (records to done/), and the
# IMAP server does not answer: the start-up retires it all the same, and
# its first prune takes it.
ok "stop Dovecot" "$TB/world" stop-service "$W" dovecot
hub_start
ok "faxhubd prunes at start-up" wait_until 30 hub_log_has "retention: pruned 1 broadcast(s), 1 job(s), 1 mail(s)"
is "the job record is gone" "$(njobs)" 0
ok "the broadcast and its document too" test ! -e "$S/bcast/$B" -a ! -e "$S/docs/$B.tif"
ok "their ids are in the seen index" sh -c "grep -aq '$J' '$S/seen.db' && grep -aq '$B' '$S/seen.db'"
is "all that while IMAP was down" "$(grep -c 'imap: logged in' "$HUBLOG")" 1
ok "start Dovecot" "$TB/world" start-service "$W" dovecot
ok "faxhubd logs in to IMAP again" wait_until 60 sh -c \
    "[ \$(grep -c 'imap: logged in' '$HUBLOG') -ge 2 ]"

done0=$(mbox_count fax faxhub.done)
mail_fax "$A" +15555550301 "$T/doc.tif" --message-id "$MID"
ok "a late copy is recognised" wait_until 60 hub_log_has "broadcast $B ended and was pruned; nothing to send"
is "no job made for it" "$(njobs)" 0
ok "it goes to the done folder" wait_until 30 mbox_has fax $((done0 + 1)) faxhub.done
is "the gateway INBOX is empty" "$(gw_count)" 0
ok "no warning from retention" sh -c "! grep -q 'retention:.*will retry' '$HUBLOG'"

# --- the answer to a refused mail: once, also after pruning ---------------
MID2='<retention.2@tb.test>'
refuse() {	# a mail without a document, always the same Message-ID
	POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" \
	    -t "+15555550302@$TB_FAX_DOMAIN" -s "no document" \
	    -m "nothing attached" --message-id "$MID2" -q
}
answers() { grep -c 'mail r[0-9a-f]*-refusal to .* sent' "$HUBLOG"; }
refuse
ok "a mail without a document is refused and answered" wait_until 60 \
    sh -c "grep -q 'mail r[0-9a-f]*-refusal to .* sent' '$HUBLOG'"
K=$(grep -l '^state=refused' "$S"/mail/*.state | head -1)
K=${K##*/} K=${K%.state}
# The move is noted beside the state (mail/KEY.moved, no fsync), which
# is never rewritten.
ok "and moved to the failed folder" wait_until 30 test -e "$S/mail/$K.moved"
R=$(ls "$S/sent" | grep -- '-refusal$')
touch -d '-1 hour' "$S/mail/$K.state" "$S/sent/$R"
"$CTL" -c "$CONF" prune >"$T/prune1.out"
ok "faxhubctl prune takes the refused mail and the answer's tombstone" \
    sh -c "grep -q '^mail	$K\$' '$T/prune1.out' &&
    grep -q '^sent	$R\$' '$T/prune1.out' && [ ! -e '$S/sent/$R' ]"
refuse
ok "a late copy is refused again, but known as answered" wait_until 60 \
    hub_log_has "answered already ($R: a copy of the same mail)"
is "so it is not answered twice" "$(answers)" 1
is "and nothing for it waits in the outbox" "$(ls "$S/outbox" | wc -l | tr -d ' ')" 0

# --- a report owed again after a restart, its tombstone pruned -----------
MID3='<retention.3@tb.test>'
mail_fax "$A" +15555550303 "$T/doc.tif" --message-id "$MID3"
ok "another mail becomes a job" wait_until 60 sh -c \
    "[ \$(find '$S/jobs' -type f ! -name '*.tmp*' | wc -l) -eq 1 ]"
ok "and moves to the processing folder" wait_until 30 sh -c \
    "[ \$(grep -c 'moved to faxhub.processing' '$HUBLOG') -ge 2 ]"
hub_stop
# As a crash leaves it right after the combined report was sent, before
# the broadcast was saved as reported; the report's tombstone then pruned.
J3=$(ls "$S/jobs")
B3=$(ls "$S/bcast")
kvset "$S/jobs/$J3" state done
kvset "$S/jobs/$J3" ended $(( $(date +%s) - 100 ))
: >"$S/sent/$B3-report"
touch -d '-1 hour' "$S/sent/$B3-report"
# Made by hand, the tombstone has no note on the due list: a rescan.
"$CTL" -c "$CONF" prune --rescan >"$T/prune2.out"
ok "faxhubctl prune takes the report's tombstone" \
    grep -q "^sent	$B3-report\$" "$T/prune2.out"
ok "but not the broadcast: it is not reported" test -e "$S/bcast/$B3"
hub_start
# The broadcast reported, its mail moved: a state retention may prune a
# second later (the job ended 100 s ago), so the log line is looked for.
ok "faxhubd takes the end of the job up again" wait_until 60 \
    hub_log_has "broadcast $B3: 1 mail(s) moved to faxhub.done"
ok "the report was wanted" sh -c "! grep -q 'report $B3-report not wanted' '$HUBLOG'"
ok "but known as sent: not queued again" sh -c \
    "! ls '$S/outbox' | grep -q -- '$B3-report' && ! grep -q 'mail $B3-report to' '$HUBLOG'"

hub_stop
done_testing
