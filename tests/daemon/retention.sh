#!/bin/sh
# tests/daemon/retention.sh: faxhubd prunes by itself, and pruning keeps
# "never faxed twice": a mail whose broadcast ended is pruned (records
# gone, ids in the seen index), then a late copy of the same mail (same
# Message-ID, a new UID) arrives and is not faxed again: no job, and it
# goes to the done folder.  No fax servers: the job's end is written into
# the spool while faxhubd is stopped, as dispatch would have left it.
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

hub_start
ok "faxhubd prunes at start-up" wait_until 30 hub_log_has "retention: pruned 1 broadcast(s), 1 job(s), 1 mail(s)"
is "the job record is gone" "$(njobs)" 0
ok "the broadcast and its document too" test ! -e "$S/bcast/$B" -a ! -e "$S/docs/$B.tif"
ok "their ids are in the seen index" sh -c "grep -aq '$J' '$S/seen.db' && grep -aq '$B' '$S/seen.db'"

done0=$(mbox_count fax faxhub.done)
mail_fax "$A" +15555550301 "$T/doc.tif" --message-id "$MID"
ok "a late copy is recognised" wait_until 60 hub_log_has "broadcast $B ended and was pruned; nothing to send"
is "no job made for it" "$(njobs)" 0
ok "it goes to the done folder" wait_until 30 mbox_has fax $((done0 + 1)) faxhub.done
is "the gateway INBOX is empty" "$(gw_count)" 0
ok "no warning from retention" sh -c "! grep -q 'retention:.*will retry' '$HUBLOG'"

hub_stop
done_testing
