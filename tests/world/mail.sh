#!/bin/sh
# Acceptance test of the testbed's mail side: Postfix + Dovecot on loopback.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/world/common.sh"
world_skip_unless_ready postfix dovecot openssl python3 curl

TB_NO_FAX=1 world_start
ok "world starts (mail only)" test -f "$W/env"
like "env names the gateway mailbox" "$TB_GATEWAY_USER" "fax@fax.test"
ok "status lists running services" "$TB/world" status "$W"

# Fax domain: every local part reaches the gateway, one copy per number,
# through the site recipe of conf/postfix/ (Postfix's faxhub transport:
# virtual(8) into the gateway account's Maildir); a Bcc number gets its
# own copy too.
ok "mail to 3 fax numbers, a Bcc number and alice accepted" "$TB/tb-mail" -d "$W" \
    -f sender@example.org -t 'FAX=+1-212-555-1212@fax.test,+15551234@fax.test' \
    -c 5550000@fax.test -c alice@example.test -b '+81755551234@fax.test' \
    -s "three faxes" -m "body"
ok "gateway mailbox gets 4 copies" "$TB/tb-fetch" -d "$W" -u fax --wait 4 --timeout 10
is "Postfix's virtual(8) filed each into the gateway Maildir" \
    "$(grep -c 'relay=faxhub, .* status=sent (delivered to maildir)' "$TB_LOG_DIR/postfix.log")" 4
mkdir -p "$T/gw"
"$TB/tb-fetch" -d "$W" -u fax --fetch-all "$T/gw" >/dev/null
got=$(for f in "$T"/gw/*.eml; do
	tr -d '\r' <"$f" | sed -n 's/^Delivered-To: //p' | tr '\n' ' '
	echo
done | sort | tr '\n' '|')
is "each copy has exactly the Delivered-To of its number, as written" "$got" \
    "+15551234@fax.test |+81755551234@fax.test |5550000@fax.test |FAX=+1-212-555-1212@fax.test |"
ok "copies keep the full To and Cc" grep -q '^Cc: 5550000@fax.test, alice@example.test' "$T/gw/1.eml"
fails "no copy names the Bcc number in To or Cc" grep -q '^\(To\|Cc\):.*81755551234' "$T"/gw/*.eml
ok "copies keep the envelope sender" grep -q '^Return-Path: <sender@example.org>' "$T/gw/1.eml"
ok "a null envelope sender (bounce, vacation reply) to a fax number" "$TB/tb-mail" -d "$W" \
    -f '' -t '+15550001@fax.test' -H 'Auto-Submitted: auto-replied' -m away
ok "its copy arrives" "$TB/tb-fetch" -d "$W" -u fax --wait 5 --timeout 10
"$TB/tb-fetch" -d "$W" -u fax --fetch 5 | tr -d '\r' >"$T/null.eml"
is "its copy keeps the null sender as Return-Path: <>" \
    "$(sed -n 's/^Return-Path: //p' "$T/null.eml")" "<>"

# The rest of the site's Dovecot is untouched by the recipe: erin, a plain
# user on the same Dovecot, gets erin+tag@ through LMTP with the site's
# delimiter, in her own INBOX, and faxhub's gateway sees none of it.
is "the gateway account's mail location is its own userdb field" \
    "$(doveadm -c "$TB_DOVECOT_CONF" user -f mail "$TB_GATEWAY_USER" 2>&1)" \
    "maildir:$TB_MAIL_DIR/fax.test/fax/Maildir:LAYOUT=fs"
is "erin's is the site's mail_location" \
    "$(doveadm -c "$TB_DOVECOT_CONF" user -f mail erin@example.test 2>&1)" \
    "$(doveconf -c "$TB_DOVECOT_CONF" -h mail_location 2>&1)"
is "Dovecot keeps the site's delimiter" \
    "$(doveconf -c "$TB_DOVECOT_CONF" -h recipient_delimiter 2>&1)" "+"
fails "no faxhub setting in the site's Dovecot (username rules, LMTP)" sh -c \
    "doveconf -c '$TB_DOVECOT_CONF' -n | grep -E '^ *(auth_username_chars|auth_username_format|lmtp_)'"
ok "mail to erin+tag@ accepted" "$TB/tb-mail" -d "$W" -t erin+tag@example.test -s tagged -m x
ok "mail to erin@ accepted" "$TB/tb-mail" -d "$W" -t erin@example.test -s plain -m x
ok "erin's INBOX gets both" "$TB/tb-fetch" -d "$W" -u erin --wait 2 --timeout 10
like "the +tag copy keeps its address in Delivered-To" \
    "$("$TB/tb-fetch" -d "$W" -u erin --fetch-all "$T/erin" >/dev/null; cat "$T"/erin/*.eml | tr -d '\r' | sed -n 's/^Delivered-To: //p' | sort | tr '\n' ' ')" \
    "erin+tag@example.test erin@example.test "
is "erin has no other folder (the tag is no mailbox)" \
    "$("$TB/tb-fetch" -d "$W" -u erin --list | tr '\n' ' ')" "INBOX	2 "
is "the gateway got nothing of erin's" "$("$TB/tb-fetch" -d "$W" -u fax --count)" 5

# User domain over TLS with certificate verification.
ok "alice's mail arrives (IMAPS, CA verified)" "$TB/tb-fetch" -d "$W" -u alice --tls --wait 1 --timeout 10
ok "alice's mail over STARTTLS (CA verified)" "$TB/tb-fetch" -d "$W" -u alice --starttls --count
(cd "$T" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other.key -out other.crt -subj "/CN=other CA" -days 1) >/dev/null 2>&1
fails "IMAPS fails with a wrong CA" "$TB/tb-fetch" -d "$W" -u alice --tls --ca "$T/other.crt" --count
fails "STARTTLS fails with a wrong CA" "$TB/tb-fetch" -d "$W" -u alice --starttls --ca "$T/other.crt" --count
ok "curl verifies IMAPS against TB_CA" curl -sS --max-time 10 --cacert "$TB_CA" \
    -u "alice@example.test:$TB_PASS_alice" "imaps://localhost:$TB_IMAPS_PORT/INBOX;MAILINDEX=1"
fails "wrong password refused" "$TB/tb-fetch" -d "$W" -u alice -p wrong --count
fails "unknown user refused at RCPT" "$TB/tb-mail" -d "$W" -t nobody@example.test -m x

# Authenticated submission: RFC 8601 header, forged one removed.
ok "submission with AUTH + STARTTLS" "$TB/tb-mail" -d "$W" --submit \
    -f alice@example.test -t bob@example.test -s authres \
    -H "Authentication-Results: $TB_AUTHSERV_ID; auth=pass smtp.auth=mallory@example.test" -m hi
ok "bob receives it" "$TB/tb-fetch" -d "$W" -u bob --wait 1 --timeout 10
"$TB/tb-fetch" -d "$W" -u bob --fetch 1 | tr -d '\r' >"$T/bob.eml"
ar=$(grep -c '^Authentication-Results:' "$T/bob.eml")
is "exactly one Authentication-Results" "$ar" 1
like "it names the authserv-id and the user" "$(grep '^Authentication-Results:' "$T/bob.eml")" \
    "Authentication-Results: $TB_AUTHSERV_ID; auth=pass smtp.auth=alice@example.test*"
fails "the forged header is gone" grep -q mallory "$T/bob.eml"
ok "unauthenticated mail has no Authentication-Results" sh -c \
    "'$TB/tb-mail' -d '$W' -t carol@example.test -H 'Authentication-Results: $TB_AUTHSERV_ID; auth=pass smtp.auth=bob@example.test' -m x &&
     '$TB/tb-fetch' -d '$W' -u carol --wait 1 --timeout 10 &&
     ! '$TB/tb-fetch' -d '$W' -u carol --fetch 1 | grep -qi '^Authentication-Results:'"
fails "submission refuses a bad password" "$TB/tb-mail" -d "$W" --submit \
    -f alice@example.test -p wrong -t bob@example.test -m x
fails "submission refuses unauthenticated mail" "$TB/tb-mail" -d "$W" --port "$TB_SUBMIT_PORT" \
    -t bob@example.test -m x
ok "faxhubd's account can submit" "$TB/tb-mail" -d "$W" --submit \
    -f "$TB_FAXHUB_SMTP_USER" -u "$TB_FAXHUB_SMTP_USER" -p "$TB_FAXHUB_SMTP_PASS" \
    -t dave@example.test -m report

# Folders faxhubd creates.
ok "gateway can create faxhub.done" curl -sS --max-time 10 \
    -u "$TB_GATEWAY_USER:$TB_GATEWAY_PASS" "imap://127.0.0.1:$TB_IMAP_PORT/" -X "CREATE faxhub.done"
like "and list it" "$("$TB/tb-fetch" -d "$W" -u fax --list | tr '\n' ' ')" "*faxhub.done*"

# Outages for the reliability tests.
ok "stop-service dovecot" "$TB/world" stop-service "$W" dovecot
fails "IMAP is down" "$TB/tb-fetch" -d "$W" -u alice --count --timeout 3
fails "status reports the outage" "$TB/world" status "$W"
# Postfix delivers the fax domain without Dovecot: nothing waits or is
# lost while it is down, and IMAP shows the copy once it is back.
ok "a fax mail while Dovecot is down" "$TB/tb-mail" -d "$W" -t '+15550002@fax.test' -m down
ok "is delivered into the gateway Maildir all the same" wait_until 10 sh -c \
    "grep -q 'to=<+15550002@fax.test>, relay=faxhub, .* status=sent' '$TB_LOG_DIR/postfix.log'"
ok "start-service dovecot" "$TB/world" start-service "$W" dovecot
ok "IMAP is back" "$TB/tb-fetch" -d "$W" -u alice --count
ok "the gateway mailbox shows the copy" "$TB/tb-fetch" -d "$W" -u fax --wait 6 --timeout 10
ok "stop-service postfix" "$TB/world" stop-service "$W" postfix
fails "SMTP is down" "$TB/tb-mail" -d "$W" -t alice@example.test -m x --timeout 3
ok "start-service postfix" "$TB/world" start-service "$W" postfix
ok "SMTP is back" "$TB/tb-mail" -d "$W" -t alice@example.test -m x
ok "start is idempotent" "$TB/world" start "$W"

groups=$(world_pgids)
ok "stop" "$TB/world" stop "$W"
is "no process left" "$(left_in_groups $groups)" ""
ok "stop is safe twice" "$TB/world" stop "$W"
done_testing
