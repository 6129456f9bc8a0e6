#!/bin/sh
# Outbound intake against the real Dovecot + Postfix: every address form,
# broadcast copies, Bcc, refusals answered by mail (and never to automatic
# senders), hard limits, registration by mail, and SIGKILL at the intake
# durability points.  No fax servers here: accepted jobs stay queued.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world nofax
hub_setup "dial.barred = +1900*" "limits.message_size = 300K"
"$CTL" -D "$T/db" user del "carol@$TB_USER_DOMAIN" >/dev/null
make_tiff "$T/doc.tif" 1
A=alice@$TB_USER_DOMAIN
F=$TB_FAX_DOMAIN

jobs_for() {	# number of queued log records for a typed number
	"$CTL" -D "$T/db" log list --status queued 2>/dev/null | grep -c -- "$1"
}
has_jobs() { [ "$(jobs_for "$1")" -ge "$2" ]; }
refusals() { mbox_count "$1"; }
body_text() {	# the decoded text of a mail file, one line per line
	python3 - "$1" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
    policy=email.policy.default)
print(m.get_body(preferencelist=("plain",)).get_content())
PY
}

hub_start
ok "faxhubd logs in to IMAP" wait_until 20 hub_log_has "imap: logged in"

# --- address forms (RFC 3192 and the usual local ways of writing) -------
n=0
for addr in +15555550101 15555550102 +1-555-555-0103 "FAX=+1-555-555-0104" \
    "FAX=+15555550105/T33S=12"; do
	mail_fax "$A" "$addr" "$T/doc.tif"
done
ok "five address forms give five jobs" wait_until 40 sh -c \
    "[ \$('$CTL' -D '$T/db' log list --status queued | wc -l) -ge 5 ]"
for d in 0101 0102 0103 0104 0105; do
	ok "job for ...$d queued" has_jobs "555$d" 1
done
ok "subaddress kept" sh -c "grep -rq 'subaddr=12' '$T/spool/jobs' '$T/spool/done/jobs'"

# --- broadcast: one mail to three numbers = three copies in the mailbox --
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" \
    -t "+15555550201@$F,+15555550202@$F" -c "+15555550203@$F" \
    -s broadcast -m hi -a "$T/doc.tif:image/tiff:b.tif" -q
ok "broadcast: a job for each of three numbers" wait_until 40 sh -c \
    "'$CTL' -D '$T/db' log list --status queued | grep -q 5550203"
for d in 0201 0202 0203; do
	is "broadcast number ...$d faxed once" "$(jobs_for 555$d)" 1
done

# --- Bcc: the number is only in Delivered-To -------------------------------
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "bob@$TB_USER_DOMAIN" \
    -b "+15555550301@$F" -s bcc -m hi -a "$T/doc.tif:application/octet-stream:scan.TIF" -q
ok "Bcc recipient (Delivered-To) and octet-stream TIFF: job" \
    wait_until 30 has_jobs 5550301 1

# --- refusals --------------------------------------------------------------
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "carol@$TB_USER_DOMAIN" \
    -t "+15555550401@$F" -s unknown -m hi -a "$T/doc.tif:image/tiff:d.tif" -q
if wait_until 30 mbox_has carol 1; then
	ok "unknown sender gets a refusal mail" true
else
	ok "unknown sender gets a refusal mail" false
	# tools/test shows 15 lines after a failure: the peers' first.
	grep carol "$W/log/postfix.log" | grep -v 'from=<carol' | tail -4 |
	    cut -c1-300 | sed 's/^/# postfix: /'
	grep -E 'carol|refus|imap|outbox|smtp' "$HUBLOG" | tail -10 |
	    sed 's/^/# faxhubd: /'
fi
mbox_fetch carol 1 "$T/r1.eml"
like "refusal says why" "$(cat "$T/r1.eml")" "*unknown*"
like "refusal is an auto-reply" "$(grep -i '^Auto-Submitted' "$T/r1.eml")" "*auto-replied*"

before=$(refusals alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555550501@$F" \
    -s "no attachment" -m "nothing attached" -q
ok "no attachment: refusal mail" wait_until 30 mbox_has alice $((before + 1))
mbox_fetch alice $((before + 1)) "$T/r2.eml"
like "no-attachment refusal names the problem" "$(cat "$T/r2.eml")" "*ttach*"

before=$(refusals alice)
mail_fax "$A" "19005551234" "$T/doc.tif"
ok "barred number: refusal mail" wait_until 30 mbox_has alice $((before + 1))
mbox_fetch alice $((before + 1)) "$T/r3.eml"
like "barred refusal names the number" "$(cat "$T/r3.eml")" "*1900*"
is "no job for a barred number" "$(jobs_for 9005551234)" 0

before=$(refusals alice)
mail_fax "$A" "call-me-maybe" "$T/doc.tif"
ok "invalid number: refusal mail" wait_until 30 mbox_has alice $((before + 1))
mbox_fetch alice $((before + 1)) "$T/r3b.eml"
like "an invalid number is called an invalid number" \
    "$(body_text "$T/r3b.eml")" "*The fax number call-me-maybe is an invalid number.*"
before=$(refusals alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "\"555;rm -rf\"@$F" \
    -s shell -m hi -a "$T/doc.tif:image/tiff:doc.tif" -q
ok "shell characters in the number: refusal mail" \
    wait_until 30 mbox_has alice $((before + 1))
mbox_fetch alice $((before + 1)) "$T/r3c.eml"
like "shell characters: an invalid number, not a missing recipient" \
    "$(body_text "$T/r3c.eml")" "*The fax number 555;rm -rf is an invalid number.*"

before=$(refusals alice)
head -c 400000 /dev/urandom >"$T/big.bin"
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555550601@$F" \
    -s big -m big -a "$T/big.bin:application/octet-stream:big.bin" -q
ok "over-size mail: refusal mail" wait_until 30 mbox_has alice $((before + 1))
mbox_fetch alice $((before + 1)) "$T/r4.eml"
like "over-size refusal says so" "$(cat "$T/r4.eml")" "*large*"

before=$(refusals alice)
printf 'not a tiff at all\n' >"$T/fake.tif"
mail_fax "$A" "+15555550701" "$T/fake.tif"
ok "a .tif that is not a TIFF: refusal mail" wait_until 30 mbox_has alice $((before + 1))
mbox_fetch alice $((before + 1)) "$T/r7.eml"
like "the refusal names the document and the reason in plain words" \
    "$(body_text "$T/r7.eml")" "*The attached document doc.tif could not be faxed: the file is not what its name says.*"

# A mail that reached the gateway mailbox without any fax recipient (put
# there by hand, or by a misconfigured MTA): answered, not faxed.
before=$(refusals alice)
printf 'From: %s\r\nTo: bob@%s\r\nSubject: lost\r\nMessage-ID: <lost.1@x>\r\n\r\nhello\r\n' \
    "$A" "$TB_USER_DOMAIN" >"$T/lost.eml"
ok "append a mail without a fax recipient to the gateway INBOX" \
    curl -s --url "imap://127.0.0.1:$TB_IMAP_PORT/INBOX" \
    --user "$TB_GATEWAY_USER:$TB_GATEWAY_PASS" -T "$T/lost.eml"
ok "no fax recipient: refusal mail" wait_until 30 mbox_has alice $((before + 1))
mbox_fetch alice $((before + 1)) "$T/r6.eml"
like "it says there was no fax recipient" "$(cat "$T/r6.eml")" "*recipient*"

# No answer to automatic mail (no loops, no backscatter).
before=$(refusals alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555550801@$F" \
    -H "Auto-Submitted: auto-replied" -s "vacation" -m "away" -q
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555550802@$F" \
    -H "Precedence: bulk" -s "newsletter" -m "news" -q
ok "automatic mails are refused in the log" wait_until 30 sh -c \
    "[ \$(grep -c 'no answer sent' '$HUBLOG') -ge 2 ]"
is "no refusal mail sent to an automatic mail" "$(refusals alice)" "$before"
ok "refused mail moves to the failed folder" wait_until 30 sh -c \
    "[ \$('$TB/tb-fetch' -d '$W' -u fax --count -F faxhub.failed) -ge 5 ]"
ok "refusals are in the communication log" sh -c \
    "'$CTL' -D '$T/db' log list --status refused | grep -q carol"

# --- registration by mail ---------------------------------------------------
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "register@$F" -s register \
    -m "admin-password: wrong
user: erin@$TB_USER_DOMAIN
name: Erin" -q
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "register@$F" -s register \
    -m "admin-password: register-admin-pw
user: frank@$TB_USER_DOMAIN
name: Frank" -q
ok "registration with the admin password creates the user" wait_until 30 \
    "$CTL" -D "$T/db" user show "frank@$TB_USER_DOMAIN"
# The same mail delivered twice (a late copy): answered once.
gina_answers() {
	rm -rf "$T/alice.all"
	"$TB/tb-fetch" -d "$W" -u alice --fetch-all "$T/alice.all" >/dev/null 2>&1
	grep -l "^Subject: Fax user registered: gina@" "$T"/alice.all/*.eml 2>/dev/null |
	    wc -l | tr -d ' '
}
for copy in 1 2; do
	POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "register@$F" \
	    -s register --message-id "<register.twice@$TB_USER_DOMAIN>" \
	    -m "admin-password: register-admin-pw
user: gina@$TB_USER_DOMAIN
name: Gina" -q
	ok "registration copy $copy is taken" wait_until 30 sh -c \
	    "[ \$(grep -c 'user gina@$TB_USER_DOMAIN registered by mail' '$HUBLOG') -ge $copy ]"
done
ok "the second copy is known as answered" wait_until 30 \
    hub_log_has "answered already (r[0-9a-f]*-registered"
gina_answered() { [ "$(gina_answers)" -ge 1 ]; }
ok "the registration is answered" wait_until 30 gina_answered
is "once" "$(gina_answers)" 1
fails "registration with a wrong admin password is refused" \
    "$CTL" -D "$T/db" user show "erin@$TB_USER_DOMAIN"

# --- authentication modes ---------------------------------------------------
ok "address mode alone: faxhubd warns at start" \
    hub_log_has "auth.modes = address alone (auth.trust_from_header = yes)"
grep -v '^auth.trust_from_header' "$CONF" >"$T/untrusted.conf"
like "address mode alone without trust_from_header: check-config refuses" \
    "$("$CTL" -c "$T/untrusted.conf" check-config 2>&1)" \
    "*auth.modes = address alone lets anyone who writes a user's address in From: send faxes*"
fails "address mode alone without trust_from_header: faxhubd -n refuses" \
    "$HUBD" -n -c "$T/untrusted.conf"
set_conf() {	# "key = value": replace or add
	grep -v "^${1%% =*} =" "$CONF" >"$CONF.new"
	echo "$1" >>"$CONF.new"
	mv "$CONF.new" "$CONF"
}
printf 'pw-alice\n' | "$CTL" -D "$T/db" user passwd "$A" --password-stdin >/dev/null
hub_stop
set_conf "auth.modes = address,password"
hub_start
ok "password mode: faxhubd up" wait_until 20 sh -c "[ \$(grep -c 'imap: logged in' '$HUBLOG') -ge 2 ]"
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555551301@$F" \
    -s "[pw:pw-alice] contract" -m hi -a "$T/doc.tif:image/tiff:c.tif" -q
ok "password mode: right password in the Subject accepted" wait_until 30 has_jobs 5551301 1
ok "password mode: the password is removed from the Subject" sh -c \
    "! grep -rq 'pw-alice' '$T/spool/bcast' '$T/spool/done/bcast'"
before=$(refusals alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555551302@$F" \
    -s "[pw:guess] contract" -m hi -a "$T/doc.tif:image/tiff:c.tif" -q
ok "password mode: wrong password refused by mail" wait_until 30 mbox_has alice $((before + 1))
mbox_fetch alice $((before + 1)) "$T/r5.eml"
ok "password mode: the refusal does not repeat the password" sh -c "! grep -q guess '$T/r5.eml'"
is "password mode: no job for a wrong password" "$(jobs_for 5551302)" 0

hub_stop
set_conf "auth.modes = authres"
set_conf "auth.authserv_id = $TB_AUTHSERV_ID"
grep -v '^auth.silent_unknown' "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
# From here on no mail may wait for a poll: every one is taken on an IDLE
# notice, also one that arrives while intake works through a pass.
set_conf "imap.poll_interval = 600s"
hub_start
ok "authres mode: faxhubd up" wait_until 20 sh -c "[ \$(grep -c 'imap: logged in' '$HUBLOG') -ge 3 ]"
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555551401@$F" --submit \
    -s "authenticated" -m hi -a "$T/doc.tif:image/tiff:c.tif" -q
ok "authres mode: an authenticated submission is accepted" wait_until 30 has_jobs 5551401 1
before=$(refusals alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555551402@$F" \
    -H "Authentication-Results: $TB_AUTHSERV_ID; auth=pass smtp.auth=$A" \
    -s "forged" -m hi -a "$T/doc.tif:image/tiff:c.tif" -q
ok "authres mode: a client-forged header without login is refused" \
    wait_until 30 mbox_has alice $((before + 1))
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "bob@$TB_USER_DOMAIN" --header-from "$A" \
    -t "+15555551403@$F" --submit -u "bob@$TB_USER_DOMAIN" \
    -H "Authentication-Results: $TB_AUTHSERV_ID; auth=pass smtp.auth=$A" \
    -s "forged below" -m hi -a "$T/doc.tif:image/tiff:c.tif" -q
ok "authres mode: bob logged in but From alice is refused" wait_until 30 \
    mbox_has alice $((before + 2))
is "authres mode: no job for either forgery" \
    "$(( $(jobs_for 5551402) + $(jobs_for 5551403) ))" 0

# The header alice's mail to bob carries holds no secret (the token is cut
# out on delivery), and a copy of it is worthless: a stranger who sends it
# is refused.
bobmails=$(mbox_count bob)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "bob@$TB_USER_DOMAIN" --submit \
    -s "minutes" -m "see you" -q
ok "authres mode: alice's mail reaches bob" wait_until 30 mbox_has bob $((bobmails + 1))
mbox_fetch bob $((bobmails + 1)) "$T/tobob.eml"
ar=$(python3 - "$T/tobob.eml" <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print("|".join(" ".join(v.split()) for v in m.get_all("Authentication-Results", [])))
PY
)
is "authres mode: the header bob gets is the login alone" \
    "$ar" "$TB_AUTHSERV_ID; auth=pass smtp.auth=$A"
ok "authres mode: the world's token never reaches a mailbox" \
    sh -c "! grep -q \"tb\$(cat '$W/postfix/token')\" '$T/tobob.eml'"
before=$(refusals alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+15555551404@$F" \
    -H "Authentication-Results: $ar" \
    -s "copied header" -m hi -a "$T/doc.tif:image/tiff:c.tif" -q
ok "authres mode: a header copied from alice's mail is refused with a report" \
    wait_until 30 mbox_has alice $((before + 1))
is "authres mode: no job for the copied header" "$(jobs_for 5551404)" 0

# Automatic mail is never faxed nor answered, even from a logged-in user:
# a vacation reply (null envelope sender, Auto-Submitted) with a TIFF.
before=$(refusals alice)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "" --header-from "$A" -u "$A" \
    --submit -t "+15555551405@$F" -H "Auto-Submitted: auto-replied" \
    -s "Out of office" -m "away" -a "$T/doc.tif:image/tiff:c.tif" -q
ok "authres mode: an authenticated vacation reply is refused in the log" \
    wait_until 30 hub_log_has "automatic mail (null envelope sender): no fax, no answer"
is "authres mode: no job for the vacation reply" "$(jobs_for 5551405)" 0
is "authres mode: no answer to the vacation reply" "$(refusals alice)" "$before"

# A burst: most mails arrive while intake works through the ones before;
# each is taken on its notice (the poll interval is 600 s).
for i in 0 1 2 3 4 5 6 7 8 9; do
	POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$A" -t "+1555555150$i@$F" \
	    --submit -s "burst $i" -m hi -a "$T/doc.tif:image/tiff:c.tif" -q
done
ok "a burst of ten mails is taken without waiting for a poll" \
    wait_until 60 sh -c "[ \$('$CTL' -D '$T/db' log list --status queued | grep -c 555555150) -ge 10 ]"

# auth.silent_unknown defaults to yes: no backscatter to a forged sender.
carols=$(mbox_count carol)
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "carol@$TB_USER_DOMAIN" \
    -t "+15555551406@$F" -s unknown -m hi -a "$T/doc.tif:image/tiff:d.tif" -q
ok "unknown sender with the default silent_unknown: refused in the log" \
    wait_until 30 hub_log_has "unknown sender, no answer (silent_unknown)"
is "unknown sender with the default silent_unknown: no answer" \
    "$(mbox_count carol)" "$carols"
hub_stop
set_conf "auth.modes = address"
set_conf "imap.poll_interval = 5s"
set_conf "auth.silent_unknown = no"
hub_start

# --- crash points: SIGKILL after the spool write and before the IMAP move --
# CRASH_REPEAT (default 1; `make check-long` uses 3) runs every point again.
k=0
for cp in $(for r in $(seq 1 "${CRASH_REPEAT:-1}"); do
    echo intake-after-spool intake-after-jobs intake-before-move \
    intake-after-move; done); do
	hub_stop
	k=$((k + 1))
	num=15555559$(printf '%03d' "$k")
	hub_start FAXHUB_CRASHPOINT=$cp
	mail_fax "$A" "+$num" "$T/doc.tif"
	ok "$cp: faxhubd killed itself at the point" hub_wait_dead 60
	hub_start
	ok "$cp: after restart the mail became a job" wait_until 30 \
	    has_jobs "${num#1}" 1
	# Its state was not committed, so nothing vouched for its document:
	# the start-up made it again before any job could use it.
	[ $cp = intake-after-jobs ] &&
	    ok "$cp: the start-up made the document again" wait_until 30 \
	    hub_log_has "recovery: mail .*/docs/.*\.tif made again"
	# Once the mail has left the INBOX, intake is done with it.
	ok "$cp: the mail has left the INBOX" wait_until 60 sh -c \
	    "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count)\" = 0 ]"
	is "$cp: exactly one job" "$(jobs_for "${num#1}")" 1
done
diag "intake crash points: $k kills, each mail became exactly one job"
ok "a refused mail's move is noted beside its state" sh -c \
    "ls '$T/spool/mail/'*.moved"

# --- what a machine crash may lose: the document, job and broadcast are
# written without fsync (derived from the durable .eml); the start-up
# makes again any that are missing, empty or torn, before anything acts
# on them, and logs nothing twice.
mail_fax "$A" "+15555559901" "$T/doc.tif"
ok "lost records: the mail became a job" wait_until 30 has_jobs 5559901 1
ok "lost records: the mail has left the INBOX" wait_until 60 sh -c \
    "[ \"\$('$TB/tb-fetch' -d '$W' -u fax --count)\" = 0 ]"
hub_stop
job=$(grep -l '^e164=+15555559901$' "$T/spool/jobs/"*)
bc=$(sed -n 's/^broadcast=//p' "$job")
ok "lost records: the job, its broadcast and document are in the spool" \
    test -s "$job" -a -s "$T/spool/bcast/$bc" -a -s "$T/spool/docs/$bc.tif"
cp "$T/spool/docs/$bc.tif" "$T/doc-before.tif"
rm "$job"
: >"$T/spool/bcast/$bc"
sz=$(wc -c <"$T/spool/docs/$bc.tif")
truncate -s $((sz / 2)) "$T/spool/docs/$bc.tif"
hub_start
ok "lost records: the job is made again" wait_until 30 test -s "$job"
ok "lost records: queued again" grep -q '^state=queued$' "$job"
ok "lost records: the broadcast is whole and lists the job" \
    grep -q "^jobs=.*${job##*/}" "$T/spool/bcast/$bc"
ok "lost records: the document is made again, whole" \
    cmp "$T/spool/docs/$bc.tif" "$T/doc-before.tif"
ok "lost records: the start-up said what it made again" \
    hub_log_has "recovery: mail .*: broadcast $bc made again"
is "lost records: still exactly one job in the log" "$(jobs_for 5559901)" 1
is "the gateway INBOX is empty at the end" "$(mbox_count fax)" 0
done_testing
