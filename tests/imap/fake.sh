#!/bin/sh
# fake.sh: fetch-imap.c against a scripted misbehaving IMAP server (python3
# on loopback): a literal far over the fetch limit, clear text injected
# after STARTTLS, PREAUTH instead of STARTTLS, a server that never greets,
# IDLE keep-alives that must not count as news, and new mail announced in
# the middle of an intake pass, which must be acted on without IDLE.
. "$top_srcdir/tests/lib.sh"

FH="$top_builddir/tests/imap/fh-imap"
PY=$(command -v python3) || skip_all "python3 not installed"
[ -x "$FH" ] || skip_all "fh-imap not built"

cat >"$T/fake.py" <<'EOF'
import socket, sys, time
mode, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(1)
ls.settimeout(20)
c, _ = ls.accept()
c.settimeout(20)
f = c.makefile("rb")
out = open(sys.argv[4], "w")
sent = 0
def send(b):
    c.sendall(b)
if mode == "silent":
    time.sleep(10)
    sys.exit(0)
send(b"* PREAUTH hi\r\n" if mode == "preauth" else
     b"* OK [CAPABILITY IMAP4rev1 STARTTLS] fake\r\n")
try:
    while True:
        line = f.readline()
        if not line:
            break
        out.write(line.decode(errors="replace").rstrip("\r\n") + "\n")
        out.flush()
        parts = line.strip().split(b" ") + [b""]
        tag, cmd = parts[0], parts[1].upper()
        if tag == b"DONE":
            send(idle_tag + b" OK idle done\r\n")
        elif cmd == b"STARTTLS":
            send(tag + b" OK begin TLS\r\n* OK injected\r\n")
        elif cmd == b"LOGIN":
            send(tag + b" OK logged in\r\n")
        elif cmd == b"CAPABILITY":
            send(b"* CAPABILITY IMAP4rev1 IDLE\r\n" + tag + b" OK done\r\n")
        elif cmd == b"SELECT":
            send(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n" + tag +
                 b" OK [READ-WRITE] done\r\n")
        elif cmd == b"IDLE":
            idle_tag = tag
            send(b"+ idling\r\n")
            if mode != "newinpass":
                time.sleep(0.3)
                send(b"* OK Still here\r\n")
        elif cmd == b"UID" and b"SEARCH" in line.upper():
            send(b"* SEARCH 1\r\n" + tag + b" OK done\r\n")
        elif cmd == b"UID" and b"RFC822.SIZE" in line:
            # newinpass: a second mail arrives while the first is fetched.
            send((b"* 2 EXISTS\r\n" if mode == "newinpass" else b"") +
                 b"* 1 FETCH (UID 1 RFC822.SIZE 100)\r\n" + tag +
                 b" OK done\r\n")
        elif cmd == b"UID" and b"BODY.PEEK" in line:
            send(b"* 1 FETCH (UID 1 BODY[] {%d}\r\n" % n)
            while sent < n:
                k = min(65536, n - sent)
                c.sendall(b"x" * k)
                sent += k
            send(b")\r\n" + tag + b" OK done\r\n")
        elif cmd == b"LOGOUT":
            send(b"* BYE\r\n" + tag + b" OK bye\r\n")
            break
        else:
            send(tag + b" BAD unknown\r\n")
except (BrokenPipeError, ConnectionResetError, socket.timeout):
    pass
out.write("literal bytes sent %d\n" % sent)
EOF

port=$((20000 + ($$ + 7) % 20000))
fpid=""
stop_fake() { [ -n "$fpid" ] && kill "$fpid" 2>/dev/null; wait 2>/dev/null; fpid=""; }
at_exit stop_fake
# fake MODE [LITERAL_SIZE]: start the server, wait until it listens.
fake() {
	stop_fake
	: >"$T/log"
	"$PY" "$T/fake.py" "$1" "$port" "${2:-0}" "$T/log" &
	fpid=$!
	i=0
	while [ $i -lt 50 ] && ! ss -ltn 2>/dev/null |
	    grep -q "127.0.0.1:$port "; do
		sleep 0.1
		i=$((i + 1))
	done
}
fh() { "$FH" -p "$port" -u fax -P pw -T 3 "$@" 2>&1; }

fake bigliteral 3000000000
out=$(fh fetch 1 1000 "$T/got")
like "literal over the limit refused" "$out" \
    "*UID FETCH: literal of 3000000000 bytes refused (limit 1000)*"
like "literal over the limit: connection dropped" "$out" "*class=connect*"
ok "literal over the limit: nothing written" test ! -e "$T/got"
i=0
while [ $i -lt 50 ] && ! grep -q "^literal bytes sent" "$T/log"; do
	sleep 0.1
	i=$((i + 1))
done
stop_fake
sent=$(sed -n 's/^literal bytes sent //p' "$T/log")
ok "literal over the limit: stopped reading early (${sent:-?} bytes)" \
    test "${sent:-3000000000}" -lt 100000000

fake bigliteral 50
like "literal within the limit accepted" "$(fh fetch 1 1000 "$T/got")" \
    "len=50 toobig=0"

fake inject
out=$(fh -t starttls open)
like "clear text after STARTTLS refused" "$out" \
    "*STARTTLS: 15 bytes of clear text after the reply*"
like "clear text after STARTTLS is IMAP_EPROTO" "$out" "*class=proto*"
stop_fake
fails "no LOGIN after STARTTLS injection" grep -q LOGIN "$T/log"

fake preauth
like "PREAUTH refused when STARTTLS is required" "$(fh -t starttls open)" \
    "*server sent PREAUTH, refusing to continue in clear*"

fake silent
t0=$(date +%s%3N)
out=$(fh open)
t1=$(date +%s%3N)
like "no greeting: IMAP_ECONNECT" "$out" "*class=connect*"
like "no greeting: cause" "$out" "*greeting: connection lost or timed out*"
ok "no greeting: gave up after the 3 s timeout, before the server's 10 s ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -ge 2900 -a $((t1 - t0)) -lt 9000

fake idle
out=$(fh wait 2)
like "IDLE keep-alive is not news" "$out" "*changed=0*"
stop_fake
is "IDLE entered again after a keep-alive" "$(grep -c ' IDLE$' "$T/log")" \
    "$(grep -c '^DONE$' "$T/log")"
ok "IDLE re-entered at least twice" test "$(grep -c ' IDLE$' "$T/log")" -ge 2

# A mail announced (* 2 EXISTS) while the pass fetches the first one: the
# wait that follows the pass returns at once, without starting IDLE (this
# server would then stay silent for the whole 600 s).
fake newinpass 50
out=$(fh pass 1000 600)
like "mail announced during a pass: the pass fetched the first" "$out" \
    "*fetched=1 len=50*"
like "mail announced during a pass: acted on at once" "$out" "*changed=1*"
stop_fake
is "mail announced during a pass: no IDLE before the next pass" \
    "$(grep -c ' IDLE$' "$T/log")" 0

done_testing
