#!/bin/sh
# End to end on the real loopback world: alice mails a two-page TIFF to a fax
# number; faxhubd gives it a server (fax1, first by priority), fax1 sends it
# over IAX2 to fax2, fax2 receives it, faxhubd routes it by the called number
# to bob as a PDF, mails alice her report, logs both, and removes the
# received fax from fax2 only after bob's mail was accepted.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world
# As a site runs it: IMAP with STARTTLS and the certificate checked against
# the site's CA; reports and received faxes through the submission port
# with STARTTLS and SMTP AUTH.
hub_setup "imap.tls = starttls" "imap.ca_file = $TB_CA" \
    "smtp.port = $TB_SUBMIT_PORT" "smtp.tls = starttls" \
    "smtp.ca_file = $TB_CA" "smtp.user = $TB_FAXHUB_SMTP_USER" \
    "smtp.password_file = $T/secrets/smtp"
NUM=5559001
ok "route by called number" "$CTL" -D "$T/db" route add --called "1555$NUM" "bob@$TB_USER_DOMAIN"
ok "default route" "$CTL" -D "$T/db" route add --default "carol@$TB_USER_DOMAIN"
make_tiff "$T/doc.tif" 2
hub_start
ok "faxhubd logs in to IMAP" wait_until 20 hub_log_has "imap: logged in"
ok "faxhubd logs in to both fax servers" wait_until 20 sh -c \
    "grep -q 'server fax1: logged in' '$HUBLOG' && grep -q 'server fax2: logged in' '$HUBLOG'"

t0=$(date +%s)
convert -size 64x32 xc:blue "$T/logo.png"
mail_fax "alice@$TB_USER_DOMAIN" "$NUM" "$T/doc.tif" -a "$T/logo.png:image/png:logo.png"
ok "the mail is taken and becomes a job" wait_until 30 hub_log_has "mail .*: job "
ok "fax1 is chosen by priority" wait_until 30 hub_log_has "server fax1 chosen"
ok "the job is submitted to fax1" wait_until 30 hub_log_has "submitted to fax1 as job"
ok "the mail waits in the processing folder" wait_until 20 \
    sh -c "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count -F faxhub.processing)\" = 1 ]"
ok "alice gets her report" wait_until 150 mbox_has alice 1
t1=$(date +%s)
diag "mail in to report out: $((t1 - t0)) s"
mbox_fetch alice 1 "$T/report.eml"
like "report says the fax went out" "$(grep -i '^X-Faxhub-Status' "$T/report.eml")" "*ok*"
like "report is an auto-reply" "$(grep -i '^Auto-Submitted' "$T/report.eml")" "*auto-replied*"
like "report names the number" "$(cat "$T/report.eml")" "*$NUM*"
# The PNG is attached (not an HTML body's inline logo): it is a page too.
like "report shows 3 pages" "$(grep -i '^X-Faxhub-Pages' "$T/report.eml")" "*3*"
ok "report answers alice's mail" grep -qi '^In-Reply-To:' "$T/report.eml"
ok "report lists the attached image" grep -q 'logo.png' "$T/report.eml"
ok "report says what was done to the document" grep -qi 'About your document' "$T/report.eml"
ok "the mail moves to the done folder" wait_until 30 \
    sh -c "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count -F faxhub.done)\" = 1 ]"

ok "bob gets the received fax" wait_until 120 mbox_has bob 1
mbox_fetch bob 1 "$T/fax.eml"
like "routed by the called-number rule" "$(grep -i 'Subject' "$T/fax.eml")" "*Fax*"
ok "the fax arrives as a PDF" grep -qi 'application/pdf' "$T/fax.eml"
like "auto-generated" "$(grep -i '^Auto-Submitted' "$T/fax.eml")" "*auto-generated*"
is "carol (default rule) gets nothing" "$(mbox_count carol)" 0
ok "the received fax is removed from fax2 after delivery" wait_until 30 \
    sh -c "! '$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"

"$CTL" -D "$T/db" log list >"$T/log.txt" 2>&1
ok "the log lists the sent fax as done" grep -q 'done' "$T/log.txt"
ok "the log lists the delivery to bob" grep -q "bob@$TB_USER_DOMAIN" "$T/log.txt"
ok "faxhubctl status shows the servers" sh -c "'$CTL' -c '$CONF' status | grep -q fax1"
hub_stop
ok "faxhubd stops cleanly" grep -q "faxhubd stopped" "$HUBLOG"
for pw in "$TB_GATEWAY_PASS" "$TB_FAXHUB_SMTP_PASS" "$TB_HFAX1_PASS" \
    "$TB_HFAX1_ADMIN_PASS" "$TB_HFAX2_PASS" "$TB_HFAX2_ADMIN_PASS"; do
	ok "no password in faxhubd's debug log" sh -c "! grep -qF -- '$pw' '$HUBLOG'"
done
"$CTL" -D "$T/db" dump >"$T/dump.txt" 2>&1
printf 'alice-pw\n' | "$CTL" -D "$T/db" user passwd "alice@$TB_USER_DOMAIN" --password-stdin
"$CTL" -D "$T/db" user list >"$T/users.txt" 2>&1
"$CTL" -D "$T/db" user show "alice@$TB_USER_DOMAIN" >>"$T/users.txt" 2>&1
ok "the password is stored as a yescrypt hash" grep -q 'y\$' "$T/db/users.db"
ok "no hash in faxhubctl user list/show" sh -c "! grep -q '\$y\$' '$T/users.txt'"
ok "no password in the mails" sh -c "! grep -qF -- '$TB_HFAX1_PASS' '$T/report.eml' '$T/fax.eml'"
done_testing
