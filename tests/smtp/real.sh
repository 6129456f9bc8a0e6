#!/bin/sh
# tests/smtp/real.sh: mail-smtp against the loopback Postfix of the testbed
# world: plain send, STARTTLS + AUTH with CA and host name verification,
# wrong CA, wrong password, refused recipients (PERMFAIL with the server's
# words, partial accept), server down and silent (TEMPFAIL within the
# timeout), dot-stuffing, the null sender, and each report.c mail kind
# arriving in a mailbox.  Needs root and the packages; skips otherwise.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/world/common.sh"

world_skip_unless_ready postfix dovecot python3 openssl
FH=$top_builddir/tests/smtp/fh-smtp
[ -x "$FH" ] || skip_all "tests/smtp/fh-smtp not built"

TB_NO_FAX=1 TB_SUBMIT_TLS=encrypt
export TB_NO_FAX TB_SUBMIT_TLS
world_start || { echo "1..0 # SKIP the world did not start"; exit 0; }
FETCH=$TB/tb-fetch

# send NAME ARGS...: runs fh-smtp, output in $T/out, status in $rc.
send() {
	"$FH" "$@" >"$T/out" 2>&1
	rc=$?
	sed 's/^/#   /' "$T/out"
}
count() { "$FETCH" -d "$W" -u "$1" --count 2>/dev/null; }
# waitn USER N: until USER's INBOX holds N messages (10 s).
waitn() { "$FETCH" -d "$W" -u "$1" --wait "$2" --timeout 10 >/dev/null 2>&1; }
# fetch USER: the newest message of USER into $T/msg.
fetch_last() {
	n=$(count "$1")
	"$FETCH" -d "$W" -u "$1" --fetch "$n" -o "$T/msg" >/dev/null 2>&1
}

SMTP="-h 127.0.0.1 -p $TB_SMTP_PORT -T 10"
SUBMIT="-h $TB_TLS_NAME -p $TB_SUBMIT_PORT -t starttls -c $TB_CA -T 10"

# --- plain SMTP to alice ---------------------------------------------------
send $SMTP -f fax@fax.test -s "plain test" alice@example.test
is "plain: sent (exit 0)" "$rc" 0
like "plain: outcome and server reply" "$(head -1 "$T/out")" \
    "sent 250 127.0.0.1:$TB_SMTP_PORT: 250 *queued as*"
ok "plain: in alice's mailbox" waitn alice 1
fetch_last alice
ok "plain: subject arrived" grep -q "^Subject: plain test" "$T/msg"

# --- STARTTLS + AUTH on the submission port --------------------------------
FH_SMTP_PASSWORD=$TB_FAXHUB_SMTP_PASS
export FH_SMTP_PASSWORD
send $SUBMIT -u "$TB_FAXHUB_SMTP_USER" -f "$TB_FAXHUB_SMTP_USER" \
    -s "submission test" bob@example.test
is "starttls+auth: sent" "$rc" 0
ok "starttls+auth: in bob's mailbox" waitn bob 1
fetch_last bob
ok "starttls+auth: Postfix saw ESMTPSA" grep -q "with ESMTPSA" "$T/msg"
send -h 127.0.0.1 -p "$TB_SUBMIT_PORT" -t starttls -c "$TB_CA" -T 10 \
    -u "$TB_FAXHUB_SMTP_USER" -f "$TB_FAXHUB_SMTP_USER" bob@example.test
is "starttls+auth by IP address (IP in the certificate): sent" "$rc" 0

n=0
for i in 1 2 3 4 5 6 7 8; do
	"$FH" $SUBMIT -u "$TB_FAXHUB_SMTP_USER" -f "$TB_FAXHUB_SMTP_USER" \
	    bob@example.test >"$T/out" 2>&1 && n=$((n + 1))
done
is "starttls+auth: 8 sessions in a row all sent" "$n" 8

# --- a CA that did not sign the server's certificate -----------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" \
    -out "$T/other.crt" -subj "/CN=not the testbed CA" -days 1 \
    >/dev/null 2>&1
send -h "$TB_TLS_NAME" -p "$TB_SUBMIT_PORT" -t starttls -c "$T/other.crt" \
    -T 10 -u "$TB_FAXHUB_SMTP_USER" bob@example.test
is "wrong CA: tempfail (exit 75)" "$rc" 75
like "wrong CA: says why" "$(head -1 "$T/out")" \
    "tempfail 0 *STARTTLS: certificate verification failed: *"

# --- a name the certificate does not carry ----------------------------------
other=$(awk '$1 == "127.0.0.1" { for (i = 2; i <= NF; i++) print $i }' \
    /etc/hosts | grep -vx -e localhost -e mx.example.test \
    -e imap.example.test | head -1)
if [ -n "$other" ]; then
	send -h "$other" -p "$TB_SUBMIT_PORT" -t starttls -c "$TB_CA" -T 10 \
	    -u "$TB_FAXHUB_SMTP_USER" bob@example.test
	is "host name mismatch ($other): tempfail" "$rc" 75
	like "host name mismatch: says why" "$(head -1 "$T/out")" \
	    "*hostname mismatch*"
else
	diag "no other name for 127.0.0.1 in /etc/hosts: mismatch not tried"
fi

# --- wrong password: never a permanent failure -----------------------------
FH_SMTP_PASSWORD=wrong-password send $SUBMIT -u "$TB_FAXHUB_SMTP_USER" \
    bob@example.test
is "wrong password: tempfail" "$rc" 75
like "wrong password: server's words" "$(head -1 "$T/out")" \
    "*AUTH as $TB_FAXHUB_SMTP_USER failed: 535 *"
ok "wrong password: not echoed" sh -c "! grep -q wrong-password '$T/out'"

# --- refused recipients ----------------------------------------------------
send $SMTP nosuchuser@example.test
is "unknown user: permfail (exit 69)" "$rc" 69
like "unknown user: the server's refusal" "$(head -1 "$T/out")" \
    "permfail 550 127.0.0.1:$TB_SMTP_PORT: 550 5.1.1 <nosuchuser@example.test>: *User unknown*"
before=$(count alice)
send $SMTP -s "partial" nosuchuser@example.test alice@example.test
is "partial accept: overall permfail" "$rc" 69
like "partial accept: overall text names the refused one" \
    "$(head -1 "$T/out")" "permfail 550 *: RCPT nosuchuser@example.test: 550 *"
like "partial accept: refused one named" "$(sed -n 2p "$T/out")" \
    "rcpt nosuchuser@example.test permfail 550 *"
like "partial accept: accepted one sent" "$(sed -n 3p "$T/out")" \
    "rcpt alice@example.test sent 250 *"
ok "partial accept: alice got it" waitn alice $((before + 1))

# --- dot-stuffing and the null sender ---------------------------------------
printf 'From: fax@fax.test\nTo: alice@example.test\nSubject: dots\n\n.\n..\n.x\nend\n' >"$T/dots"
before=$(count alice)
send $SMTP -f "" -m "$T/dots" alice@example.test
is "null sender, raw message: sent" "$rc" 0
waitn alice $((before + 1))
fetch_last alice
ok "null sender: Return-Path <>" grep -q "^Return-Path: <>" "$T/msg"
is "dot lines arrive intact" "$(sed -n '/^Subject: dots/,$p' "$T/msg" |
    tr -d '\r' | sed '1,/^$/d' | tr '\n' ' ')" ". .. .x end "

# --- each kind of mail report.c writes -------------------------------------
for kind in report refusal inbound; do
	before=$(count carol)
	send $SMTP -f fax@fax.test -k $kind carol@example.test
	is "$kind mail: sent" "$rc" 0
	waitn carol $((before + 1))
	fetch_last carol
	case $kind in
	report)	want="Subject: Fax sent: +12125550102 (2 pages)" ;;
	refusal) want="Subject: Fax not sent: invalid number" ;;
	inbound) want="Subject: Fax from TB1 +1 212 555 0101 (1 page)" ;;
	esac
	ok "$kind mail: arrived with its subject" grep -q "^$want" "$T/msg"
done

# --- server down, server silent --------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
send -h 127.0.0.1 -p "$port" -T 3 alice@example.test
is "nothing listening: tempfail" "$rc" 75
like "nothing listening: connection refused" "$(head -1 "$T/out")" \
    "tempfail 0 127.0.0.1:$port: Connection refused"

python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(60)' >"$T/silent.port" &
silent=$!
at_exit "kill $silent 2>/dev/null"
i=0
while [ ! -s "$T/silent.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
start=$(date +%s)
send -h 127.0.0.1 -p "$(cat "$T/silent.port")" -T 2 alice@example.test
took=$(($(date +%s) - start))
is "silent server: tempfail" "$rc" 75
like "silent server: says it timed out" "$(head -1 "$T/out")" \
    "*no reply within 2 s*"
ok "silent server: gave up at the timeout, not the server's 60 s (${took}s)" \
    [ "$took" -le 10 ]
kill $silent 2>/dev/null

"$TB/world" stop-service "$W" postfix >/dev/null 2>&1
send $SMTP alice@example.test
is "Postfix stopped: tempfail" "$rc" 75
"$TB/world" start-service "$W" postfix >/dev/null 2>&1
send $SMTP alice@example.test
is "Postfix back: sent" "$rc" 0

done_testing
