#!/bin/sh
# real.sh: fetch-imap.c against the testbed's real Dovecot (and Postfix to
# deliver mail): plain, STARTTLS and IMAPS logins with certificate checks,
# wrong password, UIDs, byte-exact fetch, size limit, move to a created
# folder, IDLE wake-up, wait timeout and stop flag, polling without IDLE,
# and a stopped server.
. "$top_srcdir/tests/lib.sh"

WORLD="$top_srcdir/tests/testbed/world"
TBMAIL="$top_srcdir/tests/testbed/tb-mail"
FH="$top_builddir/tests/imap/fh-imap"
[ "$(id -u)" = 0 ] || skip_all "needs root (testbed daemons)"
command -v dovecot >/dev/null 2>&1 || skip_all "dovecot not installed"
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] ||
    skip_all "postfix not installed"
[ -x "$WORLD" ] || skip_all "tests/testbed/world missing"
[ -x "$FH" ] || skip_all "fh-imap not built"

W="$T/world"
at_exit '"$WORLD" stop "$W" >/dev/null 2>&1'
at_exit '[ -n "${wpid:-}" ] && kill "$wpid" 2>/dev/null'
TB_NO_FAX=1 "$WORLD" start "$W" >"$T/world.log" 2>&1 ||
    { cat "$T/world.log"; echo "Bail out! world start failed"; exit 1; }
. "$W/env"
export FH_IMAP_PASSWORD="$TB_GATEWAY_PASS"
U=$TB_GATEWAY_USER
MAILDIR="$TB_MAIL_DIR/$TB_FAX_DOMAIN/fax/Maildir"

fh() { "$FH" -u "$U" -T 5 "$@" 2>&1; }
plain() { fh -p "$TB_IMAP_PORT" "$@"; }
# fhbg: for "fhbg ... &", so that $! is the driver's own pid (signals, wait).
fhbg() { exec "$FH" -u "$U" -T 5 -p "$TB_IMAP_PORT" "$@"; }
mail() { "$TBMAIL" -d "$W" -q "$@"; }
ms_now() { date +%s%3N; }

# --- logins ---------------------------------------------------------------
like "plain login + select" "$(plain open)" "uidvalidity=[1-9]*"
like "STARTTLS, certificate verified" \
    "$(fh -p "$TB_IMAP_PORT" -t starttls -C "$TB_CA" open)" "uidvalidity=[1-9]*"
like "IMAPS, certificate verified" \
    "$(fh -p "$TB_IMAPS_PORT" -t tls -C "$TB_CA" open)" "uidvalidity=[1-9]*"
like "IMAPS by DNS name (SNI)" \
    "$(fh -H localhost -p "$TB_IMAPS_PORT" -t tls -C "$TB_CA" open)" \
    "uidvalidity=[1-9]*"
# A CA that did not sign Dovecot's certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/other.key" -out "$T/other.pem" -days 2 -subj /CN=other \
    >/dev/null 2>&1
out=$(fh -p "$TB_IMAPS_PORT" -t tls -C "$T/other.pem" open)
like "IMAPS wrong CA refused" "$out" \
    "*imap 127.0.0.1:$TB_IMAPS_PORT: certificate verify failed: signer not found*"
like "IMAPS wrong CA is IMAP_ECONNECT" "$out" "*class=connect*"
out=$(fh -p "$TB_IMAP_PORT" -t starttls -C "$T/other.pem" open)
like "STARTTLS wrong CA refused" "$out" \
    "*certificate verify failed: signer not found*"
# Dovecot logs each login: none may follow a refused certificate.
logins_before=$(grep -c "imap-login: Login: user=<$U>" "$TB_LOG_DIR"/dovecot* \
    2>/dev/null | awk -F: '{ s += $NF } END { print s + 0 }')
# "127.1" reaches the same Dovecot (inet_aton form), but is not an IP address
# literal for the name check, nor a name in the certificate.
out=$(fh -H 127.1 -p "$TB_IMAPS_PORT" -t tls -C "$TB_CA" open)
like "wrong host name refused" "$out" \
    "*certificate name mismatch: not valid for 127.1*"
logins_after=$(grep -c "imap-login: Login: user=<$U>" "$TB_LOG_DIR"/dovecot* \
    2>/dev/null | awk -F: '{ s += $NF } END { print s + 0 }')
is "no LOGIN after refused certificates" "$logins_after" "$logins_before"
out=$(FH_IMAP_PASSWORD=wrong plain open)
like "wrong password is IMAP_EAUTH" "$out" "*class=auth*"
like "wrong password: server's answer in cause" "$out" \
    "*LOGIN $U: *uthentication failed*"
out=$(plain -m NoSuchBox open)
like "missing mailbox is IMAP_ENOMAILBOX" "$out" "*class=nomailbox*"
like "missing mailbox named" "$out" "*SELECT NoSuchBox: *"
like "capabilities read after login" "$(plain caps IDLE MOVE NOPE)" \
    "IDLE=yes*MOVE=yes*NOPE=no"

# --- UIDs and fetch -------------------------------------------------------
is "empty mailbox: no UIDs" "$(plain uids)" ""
# Lines stay below Postfix's line_length_limit (2048), which would split them.
x=$(head -c 500 /dev/zero | tr '\0' x)
printf 'From: alice@example.test\r\nTo: +15551234@fax.test\r\nSubject: exact\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <exact.1@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nline one\r\n  spaced line  \r\nBODYMARK\r\n%s\r\n%s\r\n%s\r\n' \
    "$x" "$x" "$x" >"$T/raw.eml"
ok "deliver three mails" sh -c '
    "$1" -d "$2" -q -r "$3" -t +15551234@fax.test &&
    "$1" -d "$2" -q -t +15551235@fax.test -s second -m two &&
    "$1" -d "$2" -q -t +15551236@fax.test -s third -m three' \
    sh "$TBMAIL" "$W" "$T/raw.eml"
i=0
while [ $i -lt 50 ] && [ "$(plain uids | wc -l)" -lt 3 ]; do
	sleep 0.1; i=$((i + 1))
done
uids=$(plain uids | tr '\n' ' ')
is "three UIDs ascending" "$uids" "1 2 3 "

out=$(plain fetch 1 1000000 "$T/got.eml")
like "fetch whole message" "$out" "len=* toobig=0"
size=$(wc -c <"$T/raw.eml")
ok "fetched message ends with the sent bytes" \
    sh -c 'tail -c "$1" "$2" | cmp -s - "$3"' sh "$size" "$T/got.eml" \
    "$T/raw.eml"
f=$(grep -l "exact.1@example.test" "$MAILDIR"/new/* "$MAILDIR"/cur/* \
    2>/dev/null | head -1)
ok "fetched bytes equal the stored file (LF to CRLF)" \
    sh -c 'sed "s/\$/\r/" "$1" | cmp -s - "$2"' sh "$f" "$T/got.eml"
is "fetch left the message unseen" \
    "$(ls "$MAILDIR"/cur/ 2>/dev/null | grep -c ':2,.*S')" "0"

out=$(plain fetch 1 1000 "$T/hdr.eml")
like "over the limit: toobig=1" "$out" "len=* toobig=1"
len=$(echo "$out" | sed -n 's/^len=\([0-9]*\).*/\1/p')
ok "over the limit: at most 1000 bytes" test "${len:-99999}" -le 1000
ok "over the limit: headers returned" grep -q "^Subject: exact" "$T/hdr.eml"
fails "over the limit: no body downloaded" grep -q BODYMARK "$T/hdr.eml"
# The whole mailbox in one batch, with a limit that puts the large mail
# over it and the two small ones into runs of bodies.
mkdir -p "$T/all"
out=$(plain fetchall 1000 "$T/all")
like "batch: the large mail over the limit" "$out" \
    "uid=1 found=1 len=* toobig=1*"
like "batch: the small ones whole" "$out" \
    "*uid=2 found=1 len=* toobig=0*uid=3 found=1 len=* toobig=0*"
for u in 2 3; do
	plain fetch "$u" 1000000 "$T/one.eml" >/dev/null
	ok "batch: mail $u byte-exact as fetched alone" \
	    cmp -s "$T/one.eml" "$T/all/$u.eml"
done
ok "batch: the header of the large mail as fetched alone" \
    cmp -s "$T/hdr.eml" "$T/all/1.eml"
out=$(plain fetch 99 1000 "$T/none.eml")
like "fetch of a missing UID" "$out" "*UID FETCH 99: no such message*"

# --- move -------------------------------------------------------------------
ok "move UID 2 to a new folder" plain move 2 Faxhub/done
is "moved message gone from INBOX" "$(plain uids | tr '\n' ' ')" "1 3 "
is "moved message in the folder" "$(plain -m Faxhub/done uids)" "1"
ok "ensure_folder on an existing folder" plain ensure Faxhub/done
ok "move into the existing folder" plain move 3 Faxhub/done
is "folder holds both" "$(plain -m Faxhub/done uids | tr '\n' ' ')" "1 2 "
like "bad folder name refused" "$(plain ensure 'a*b')" "*are not allowed*"

# One mail to two fax numbers arrives as two copies with one Message-ID.
mail --message-id '<bcast.1@example.test>' \
    -t +15550001@fax.test,+15550002@fax.test -s bcast -m two
i=0
while [ $i -lt 50 ] && [ "$(plain uids | wc -l)" -lt 3 ]; do
	sleep 0.1; i=$((i + 1))
done
is "two copies delivered" "$(plain uids | tr '\n' ' ')" "1 4 5 "
ok "copies claimed into a processing folder (one UID MOVE of both)" \
    sh -c '"$@" moveset Faxhub/proc 4 5' sh \
    "$FH" -u "$U" -T 5 -p "$TB_IMAP_PORT"
like "move by Message-ID moves both copies" \
    "$(plain movemsgid Faxhub/proc '<bcast.1@example.test>' Faxhub/done)" \
    "moved=2 uidvalidity=[1-9]*"
is "processing folder empty" "$(plain -m Faxhub/proc uids)" ""
is "done folder holds the copies" \
    "$(plain -m Faxhub/done uids | tr '\n' ' ')" "1 2 3 4 "
like "unknown Message-ID moves nothing" \
    "$(plain movemsgid Faxhub/proc '<none@example.test>' Faxhub/done)" \
    "moved=0 *"
like "missing source folder" \
    "$(plain movemsgid Faxhub/nope '<bcast.1@example.test>' Faxhub/done)" \
    "*SELECT Faxhub/nope: *"

# --- waiting ----------------------------------------------------------------
# wait_for_ready FILE: until the driver printed "ready" (then IDLE is sent).
wait_ready() {
	i=0
	while [ $i -lt 100 ] && ! grep -q ready "$1" 2>/dev/null; do
		sleep 0.05; i=$((i + 1))
	done
	sleep 0.3
}
fhbg wait 20 >"$T/w1" 2>&1 &
wpid=$!
wait_ready "$T/w1"
t0=$(ms_now)
mail -t +15559999@fax.test -s idle -m wake
t_sent=$(ms_now)
wait $wpid; wpid=""
t1=$(ms_now)
like "IDLE: woke on new mail" "$(cat "$T/w1")" "*changed=1*"
# Woken by the server, long before the 20 s wait ends (the bounds in this
# file say "not the timeout", never how fast: a loaded machine delays
# Postfix's delivery and Dovecot's notice; `make bench` measures speed).
diag "IDLE: woke $((t1 - t_sent)) ms after SMTP accepted the mail"
ok "IDLE: did not wait for the timeout ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -lt 10000

out=$(plain wait 2)
like "IDLE: timeout returns 0" "$out" "*changed=0*"
ms=$(echo "$out" | sed -n 's/.*ms=\([0-9]*\).*/\1/p')
ok "IDLE: timeout after 2 s, not before (${ms} ms)" \
    test "${ms:-0}" -ge 1900 -a "${ms:-0}" -lt 10000

fhbg wait 30 >"$T/w2" 2>&1 &
wpid=$!
wait_ready "$T/w2"
t0=$(ms_now)
kill -USR1 $wpid
wait $wpid; wpid=""
t1=$(ms_now)
like "IDLE: stop flag ends the wait with 0" "$(cat "$T/w2")" "*changed=0*"
ok "IDLE: stop flag seen long before the 30 s wait ends ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -lt 10000

# Without IDLE the wait sleeps to its end, then one NOOP sees what came:
# 8 s leave a loaded machine's Postfix and Dovecot time to deliver.
fhbg -I wait 8 >"$T/w3" 2>&1 &
wpid=$!
wait_ready "$T/w3"
mail -t +15558888@fax.test -s poll -m poll
wait $wpid; wpid=""
like "no IDLE: NOOP after the poll interval sees the mail" "$(cat "$T/w3")" \
    "*changed=1 ms=*"
ms=$(sed -n 's/.*ms=\([0-9]*\).*/\1/p' "$T/w3")
ok "no IDLE: the NOOP came at the end of the wait (${ms} ms)" \
    test "${ms:-0}" -ge 7900 -a "${ms:-0}" -lt 20000
like "no IDLE: nothing new gives 0" "$(plain -I wait 1)" "*changed=0*"

# --- server goes away ---------------------------------------------------------
fhbg wait 30 >"$T/w4" 2>&1 &
wpid=$!
wait_ready "$T/w4"
t0=$(ms_now)
"$WORLD" stop-service "$W" dovecot >/dev/null 2>&1
wait $wpid; wpid=""
t1=$(ms_now)
like "server stopped during IDLE: error" "$(cat "$T/w4")" \
    "*changed=-1*class=connect*"
ok "server stopped during IDLE: noticed before the 30 s wait ends ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -lt 20000
t0=$(ms_now)
out=$(fh -p "$TB_IMAP_PORT" -T 10 open)
t1=$(ms_now)
like "server down: IMAP_ECONNECT" "$out" "*class=connect*"
like "server down: cause" "$out" \
    "*imap 127.0.0.1:$TB_IMAP_PORT: connect: Connection refused*"
ok "server down: at once, not after the 10 s timeout ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -lt 5000
ok "server back" "$WORLD" start-service "$W" dovecot
like "login again after restart" "$(plain open)" "uidvalidity=[1-9]*"

done_testing
