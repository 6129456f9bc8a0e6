#!/bin/sh
# tls.sh: certificate checks of tls-verify.c on certificates made here with
# openssl, and the IMAPS path of fetch-imap.c against a throwaway
# `openssl s_server` on loopback: refused before LOGIN with a wrong CA or
# host name, LOGIN sent (then a timeout) when the peer is trusted.
. "$top_srcdir/tests/lib.sh"

command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
FH="$top_builddir/tests/imap/fh-imap"
[ -x "$FH" ] || skip_all "fh-imap not built"

cd "$T" || exit 1
quiet() { "$@" >/dev/null 2>&1; }

# --- a CA, an intermediate, and leaves -----------------------------------
cat >ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[server]
basicConstraints = CA:false
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[client]
basicConstraints = CA:false
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[other]
basicConstraints = CA:false
extendedKeyUsage = serverAuth
subjectAltName = DNS:imap.example.test
EOF
mkca() {	# name subject
	quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
	    -out "$1.pem" -days 30 -subj "$2" -config /dev/null \
	    -extensions ca -addext "basicConstraints=critical,CA:true" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" ||
	quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
	    -out "$1.pem" -days 30 -subj "$2" \
	    -addext "basicConstraints=critical,CA:true" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign"
}
mkleaf() {	# name subject issuer section [days]
	quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
	    -out "$1.csr" -subj "$2" &&
	quiet openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
	    -CAcreateserial -out "$1.pem" -days "${5:-30}" \
	    -extfile ext.cnf -extensions "$4"
}
ok "make CA" mkca ca "/CN=faxhub test CA"
ok "make other CA" mkca other "/CN=someone else"
ok "make intermediate" mkleaf inter "/CN=faxhub intermediate" ca ca
ok "make server cert" mkleaf srv "/CN=localhost" ca server
ok "make client-only cert" mkleaf cli "/CN=localhost" ca client
ok "make cert for another name" mkleaf name "/CN=imap.example.test" ca other
ok "make cert under intermediate" mkleaf leaf2 "/CN=localhost" inter server
cat leaf2.pem inter.pem >chain2.pem

# An expired certificate: openssl ca lets us set both dates.
mkdir -p db && : >db/index && echo 1000 >db/serial
cat >ca.cnf <<EOF
[ca]
default_ca = test
[test]
database = db/index
serial = db/serial
new_certs_dir = db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF
ok "make expired cert" sh -c 'exec >/dev/null 2>&1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout old.key -out old.csr -subj /CN=localhost &&
    openssl ca -batch -config ca.cnf -in old.csr -out old.pem \
    -startdate 20200101000000Z -enddate 20200201000000Z \
    -extfile ext.cnf -extensions server'

verify() { "$FH" verify "$@" 2>&1; }
is "trusted chain, IP address" "$(verify srv.pem ca.pem 127.0.0.1)" "ok"
is "trusted chain, DNS name" "$(verify srv.pem ca.pem localhost)" "ok"
is "DNS name is case-insensitive" "$(verify srv.pem ca.pem LOCALHOST)" "ok"
is "wrong IP address" "$(verify srv.pem ca.pem 127.0.0.2)" \
    "certificate name mismatch: not valid for 127.0.0.2"
is "wrong DNS name" "$(verify name.pem ca.pem localhost)" \
    "certificate name mismatch: not valid for localhost"
is "other CA" "$(verify srv.pem other.pem 127.0.0.1)" \
    "certificate verify failed: signer not found"
is "expired" "$(verify old.pem ca.pem localhost)" \
    "certificate verify failed: certificate expired"
is "client-only key purpose" "$(verify cli.pem ca.pem localhost)" \
    "certificate verify failed: not a TLS server certificate"
is "leaf with intermediate" "$(verify chain2.pem ca.pem localhost)" "ok"
is "leaf without its intermediate" "$(verify leaf2.pem ca.pem localhost)" \
    "certificate verify failed: signer not found"
is "self-signed CA as a server cert" "$(verify other.pem ca.pem localhost)" \
    "certificate verify failed: signer not found"
like "missing CA file" "$(verify srv.pem nonexistent.pem localhost)" \
    "CA file nonexistent.pem: *"
printf 'not a certificate\n' >junk.pem
like "CA file without certificates" "$(verify srv.pem junk.pem localhost)" \
    "CA file junk.pem: *"

# --- IMAPS against openssl s_server ---------------------------------------
port=$((20000 + $$ % 20000))
srv_pid=""
feed_pid=""
stop_srv() {
	[ -n "$srv_pid" ] && kill "$srv_pid" "$feed_pid" 2>/dev/null
	[ -n "$srv_pid" ] && wait "$srv_pid" "$feed_pid" 2>/dev/null
	srv_pid=""
	feed_pid=""
}
at_exit stop_srv
# start_srv CERT KEY: the greeting comes from a fifo; what the client sends
# lands in srv.out.
start_srv() {
	stop_srv
	: >srv.out
	rm -f greet
	mkfifo greet
	(printf '* OK fake IMAP ready\r\n'; exec sleep 60) >greet \
	    2>/dev/null </dev/null &
	feed_pid=$!
	openssl s_server -accept "127.0.0.1:$port" -cert "$1" -key "$2" \
	    -quiet <greet >srv.out 2>&1 &
	srv_pid=$!
	i=0
	while [ $i -lt 50 ] && ! ss -ltn 2>/dev/null |
	    grep -q "127.0.0.1:$port "; do
		sleep 0.1
		i=$((i + 1))
	done
}
imaps() { "$FH" -t tls -p "$port" -u fax -P secret -T 2 "$@" 2>&1; }

start_srv srv.pem srv.key
out=$(imaps -C other.pem open)
like "IMAPS wrong CA refused" "$out" "*class=connect*"
like "IMAPS wrong CA: cause names host and reason" "$out" \
    "*imap 127.0.0.1:$port: certificate verify failed: signer not found*"
sleep 0.3
fails "IMAPS wrong CA: no LOGIN sent" grep -q LOGIN srv.out

start_srv name.pem name.key
out=$(imaps -C ca.pem open)
like "IMAPS wrong host name refused" "$out" \
    "*certificate name mismatch: not valid for 127.0.0.1*"
sleep 0.3
fails "IMAPS wrong host name: no LOGIN sent" grep -q LOGIN srv.out

start_srv srv.pem srv.key
t0=$(date +%s%N)
out=$(imaps -C ca.pem open)
t1=$(date +%s%N)
like "IMAPS trusted: past verification, then timeout" "$out" \
    "*LOGIN fax: connection lost or timed out*"
like "IMAPS trusted: timeout is IMAP_ECONNECT" "$out" "*class=connect*"
ok "IMAPS trusted: LOGIN was sent" grep -q "LOGIN fax secret" srv.out
ms=$(( (t1 - t0) / 1000000 ))
ok "reply timeout honoured (2 s, took ${ms} ms; the server holds 60 s)" \
    test "$ms" -ge 1800 -a "$ms" -lt 10000
stop_srv

out=$(imaps -C ca.pem open)
like "nothing listening: IMAP_ECONNECT" "$out" "*class=connect*"
like "nothing listening: cause" "$out" \
    "*imap 127.0.0.1:$port: connect: Connection refused*"

done_testing
