#!/bin/sh
# Retired broadcasts (issue 12.5): once a broadcast's mail has been moved to
# the done folder, its records leave bcast/ and jobs/ for done/ and its jobs
# leave memory; a restart reads none of them; a late copy of the mail still
# finds them (nothing faxed twice, the copy goes to the done folder), and a
# copy that adds a number reopens the broadcast and faxes only that number.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world
hub_setup
ok "default route" "$CTL" -D "$T/db" route add --default "bob@$TB_USER_DOMAIN"
make_tiff "$T/doc.tif" 1
A=alice@$TB_USER_DOMAIN
MID="<retire.1@$TB_USER_DOMAIN>"
send() {	# send NUMBER: the same mail (one Message-ID) to NUMBER
	POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" \
	    -t "$1@$TB_FAX_DOMAIN" -s "retire" -m "please fax" \
	    --message-id "$MID" -a "$T/doc.tif:image/tiff:doc.tif" -q
}
files() { find "$T/spool/$1" -type f ! -name '*.tmp*' | wc -l; }
submitted() { grep -c "to +1555$1: submitted to" "$HUBLOG"; }
done_folder() { gw_count faxhub.done; }

hub_start
ok "faxhubd logs in everywhere" wait_until 60 sh -c \
    "grep -q 'imap: logged in' '$HUBLOG' &&
    grep -q 'server fax1: logged in' '$HUBLOG' &&
    grep -q 'server fax2: logged in' '$HUBLOG'"

send 5558001
ok "alice gets her report" wait_until 180 mbox_has alice 1
ok "the mail moves to the done folder" wait_until 60 sh -c \
    "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count -F faxhub.done)\" = 1 ]"
ok "the broadcast is retired to done/bcast" wait_until 30 sh -c \
    "[ \$(find '$T/spool/done/bcast' -type f | wc -l) = 1 ]"
is "bcast/ is empty" "$(files bcast)" 0
is "jobs/ is empty" "$(files jobs)" 0
is "the job is in done/jobs" "$(files done/jobs)" 1
is "no mail is marked live any more (spool/live)" "$(files live)" 0

hub_stop
hub_start
ok "a restart reads no ended job" wait_until 30 \
    hub_log_has "faxhubd started: instance test, 0 job(s) in the spool"
ok "faxhubd logs in again" wait_until 60 sh -c \
    "[ \$(grep -c 'imap: logged in' '$HUBLOG') -ge 2 ]"

send 5558001
ok "a late copy goes straight to the done folder" wait_until 60 sh -c \
    "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count -F faxhub.done)\" = 2 ]"
is "the number was submitted once per try" "$(submitted 5558001)" "$(fax_tries 15555558001)"
is "no job was made again" "$(files jobs)" 0
is "the late copy left no live mark" "$(files live)" 0

send 5558002
if wait_until 180 sh -c "grep -q 'to +15555558002: sent' '$HUBLOG'"; then
	ok "a copy with a new number: it is faxed" true
else
	ok "a copy with a new number: it is faxed" false
	grep '15555558002' "$HUBLOG" | grep -v 'hylafax fax' | sed 's/^/# /'
fi
ok "that copy moves to the done folder too" wait_until 60 sh -c \
    "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count -F faxhub.done)\" = 3 ]"
ok "the reopened broadcast is retired again" wait_until 30 sh -c \
    "[ \$(find '$T/spool/bcast' -type f | wc -l) = 0 ] &&
    [ \$(find '$T/spool/done/jobs' -type f | wc -l) = 2 ]"
is "the first number still submitted once per try" "$(submitted 5558001)" "$(fax_tries 15555558001)"
is "the new number submitted once per try" "$(submitted 5558002)" "$(fax_tries 15555558002)"
is "the reopening copy's live mark went with the retirement" "$(files live)" 0
ok "bob gets both received faxes" wait_until 120 mbox_has bob 2
is "bob gets no third" "$(mbox_count bob)" 2
done_testing
