#!/bin/sh
# tests/smtp/fake.sh: how mail-smtp classifies replies Postfix rarely gives,
# against a scripted SMTP server (python3) on loopback: 4xx and 5xx at
# greeting, MAIL, RCPT and end of DATA, a partial accept, a server that
# closes mid-session.  No root needed.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
FH=$top_builddir/tests/smtp/fh-smtp
[ -x "$FH" ] || skip_all "tests/smtp/fh-smtp not built"

# The server: argv = greeting, MAIL reply, DATA-end reply, then one reply
# per RCPT.  "close" closes the connection instead of replying.  One
# session, then it exits.
cat >"$T/fake.py" <<'EOF'
import socket, sys
greet, mail, end, rcpts = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(20)
c, _ = s.accept(); c.settimeout(20)
f = c.makefile("rwb")
def say(r):
    if r == "close":
        c.close(); sys.exit(0)
    f.write(r.encode() + b"\r\n"); f.flush()
say(greet)
n = 0
while True:
    line = f.readline()
    if not line:
        break
    cmd = line.decode().strip().upper()
    if cmd.startswith("EHLO"):
        say("250-fake\r\n250 ENHANCEDSTATUSCODES")
    elif cmd.startswith("MAIL"):
        say(mail)
    elif cmd.startswith("RCPT"):
        say(rcpts[n] if n < len(rcpts) else "250 2.1.5 ok"); n += 1
    elif cmd == "DATA":
        say("354 go")
        while f.readline().rstrip(b"\r\n") != b".":
            pass
        say(end)
    elif cmd == "QUIT":
        say("221 bye"); break
    else:
        say("250 ok")
EOF

# run NAME GREETING MAIL END RCPTREPLY... -- RCPT...: one session.
run() {
	rm -f "$T/port"
	python3 "$T/fake.py" "$T/port" "$@" >/dev/null 2>&1 &
	fake=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
send() {
	"$FH" -h 127.0.0.1 -p "$(cat "$T/port")" -T 5 "$@" >"$T/out" 2>&1
	rc=$?
	wait $fake 2>/dev/null
	sed 's/^/#   /' "$T/out"
}
at_exit 'kill $fake 2>/dev/null'
OK="250 2.0.0 queued"

run "220 fake" "250 2.1.0 ok" "$OK" "450 4.2.0 mailbox busy"
send a@example.test
is "RCPT 450: tempfail" "$rc" 75
like "RCPT 450: server's words" "$(head -1 "$T/out")" \
    "tempfail 450 *: 450 4.2.0 mailbox busy"

run "220 fake" "250 2.1.0 ok" "$OK" "250 2.1.5 ok" "452 4.5.3 too many" \
    "550 5.1.1 no such user"
send a@example.test b@example.test c@example.test
is "mixed RCPT: overall tempfail (one must be retried)" "$rc" 75
like "mixed RCPT: first sent" "$(sed -n 2p "$T/out")" \
    "rcpt a@example.test sent 250 *queued"
like "mixed RCPT: second tempfail" "$(sed -n 3p "$T/out")" \
    "rcpt b@example.test tempfail 452 *too many"
like "mixed RCPT: third permfail" "$(sed -n 4p "$T/out")" \
    "rcpt c@example.test permfail 550 *no such user"

run "220 fake" "553 5.7.1 sender not allowed" "$OK"
send a@example.test b@example.test
is "MAIL 553: permfail" "$rc" 69
like "MAIL 553: named as MAIL FROM" "$(sed -n 2p "$T/out")" \
    "rcpt a@example.test permfail 553 MAIL FROM <fax@fax.test>: 553 5.7.1 *"

run "220 fake" "451 4.3.0 try later" "$OK"
send a@example.test
is "MAIL 451: tempfail" "$rc" 75

run "220 fake" "250 2.1.0 ok" "554 5.6.0 content rejected"
send a@example.test
is "DATA end 554: permfail" "$rc" 69
like "DATA end 554: says DATA" "$(sed -n 2p "$T/out")" \
    "rcpt a@example.test permfail 554 DATA: 554 5.6.0 content rejected"

run "220 fake" "250 2.1.0 ok" "451 4.3.0 queue full"
send a@example.test
is "DATA end 451: tempfail" "$rc" 75

run "421 4.3.2 shutting down" "250 ok" "$OK"
send a@example.test
is "greeting 421: tempfail" "$rc" 75
like "greeting 421: last reply shown" "$(head -1 "$T/out")" \
    "tempfail 0 *421 4.3.2 shutting down*"

run "554 5.3.2 no service" "250 ok" "$OK"
send a@example.test
is "greeting 554: a server problem, tempfail" "$rc" 75

run "220 fake" "250 2.1.0 ok" "close"
send a@example.test
is "closed after DATA: tempfail (never counted as sent)" "$rc" 75

run "220 fake" "250 2.1.0 ok" "$OK" "554 5.7.1 relay access denied"
FH_SMTP_PASSWORD=pw send -u someone a@example.test
is "AUTH wanted, not offered, relay denied: tempfail, not permfail" \
    "$rc" 75
like "AUTH wanted, not offered: says so" "$(head -1 "$T/out")" \
    "*AUTH as someone not possible*"

run "220 fake" "250 2.1.0 ok" "$OK"
FH_SMTP_PASSWORD=pw send -u someone a@example.test
is "AUTH wanted, not offered, mail accepted anyway: sent" "$rc" 0

done_testing
