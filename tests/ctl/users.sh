#!/bin/sh
# tests/ctl/users.sh: faxhubctl init, user, server, assign/unassign and
# their bad inputs.
. "$top_srcdir/tests/lib.sh"
C="$top_builddir/faxhubctl"
D="$T/tables"
fx() { "$C" -D "$D" "$@"; }
out() { "$C" -D "$D" "$@" 2>&1; }

ok "init" fx init
ok "init twice is fine" fx init
ok "user add" fx user add Alice@Example.com --name "Alice A" --allow "+81*" --bar "+8190*"
is "user list" "$(fx user list)" "$(printf 'alice@example.com\tenabled\t-\tAlice A')"
fails "duplicate user" fx user add alice@example.com
like "duplicate names the user" "$(out user add ALICE@example.com)" '*user "alice@example.com" exists*'
fails "bad address" fx user add not-an-address
like "bad address named" "$(out user add 'a b@x.org')" '*bad user id "a b@x.org"*'
like "bad pattern named" "$(out user add b@x.org --allow '+81x')" '*bad pattern "+81x"*'
like "bad report style" "$(out user add b@x.org --report weekly)" '*--report: bad value "weekly"*'
like "unknown option" "$(out user add b@x.org --colour red)" '*unknown option "--colour"*'
fx user add b@x.org >/dev/null 2>&1; is "second user added" "$?" 0
fx user add c@x.org --frobnicate >/dev/null 2>&1; is "usage exit status" "$?" 2
ok "user set" fx user set alice@example.com --format both --notify failure --enabled no
s=$(fx user show alice@example.com)
like "show format" "$s" '*format: both*'
like "show notify" "$s" '*notify: failure*'
like "cover follows the site by default" "$s" '*cover: site*'
ok "user set --cover --fax-text" fx user set alice@example.com --cover yes --fax-text no
s=$(fx user show alice@example.com)
like "show cover" "$s" '*cover: yes*'
like "show fax-text" "$s" '*fax-text: no*'
fails "bad --cover refused" fx user set alice@example.com --cover maybe
like "show enabled" "$s" '*enabled: no*'
like "show allow" "$s" '*allow: +81\**'
fails "show unknown" fx user show nobody@x.org

# passwords
printf 'hunter22\n' | fx user passwd alice@example.com --password-stdin
is "passwd via stdin" "$?" 0
printf 'hunter22\n' | fx user verify alice@example.com --password-stdin >/dev/null 2>&1
is "verify right password exits 0" "$?" 0
printf 'wrong\n' | fx user verify alice@example.com --password-stdin >/dev/null 2>&1
is "verify wrong password exits 1" "$?" 1
like "show hides the hash" "$(fx user show alice@example.com)" '*password: set*'
case "$(fx user list; fx user show alice@example.com)" in
*'$y$'*) ok "no hash in listings" false ;;
*) ok "no hash in listings" true ;;
esac
fails "empty stdin password" sh -c "printf '' | '$C' -D '$D' user passwd alice@example.com --password-stdin"
fails "no tty and no --password-stdin" sh -c "'$C' -D '$D' user passwd alice@example.com </dev/null"

# servers
ok "server add" fx server add fax1 --host 127.0.0.1 --priority 5 --lines 2
ok "server add second" fx server add fax0 --host fax0.example.com --priority 1 --g4 yes
is "server list by priority" "$(fx server list | cut -f1 | tr '\n' ' ')" "fax0 fax1 "
fails "duplicate server" fx server add fax1 --host h
like "server without host" "$(out server add fax2)" '*--host is required*'
like "bad port" "$(out server add fax2 --host h --port 99999)" '*bad value "99999"*'
like "bad driver" "$(out server add fax2 --host h --driver t38)" '*--driver: bad value "t38"*'
like "bad server name" "$(out server add 'fax 2' --host h)" '*bad server name "fax 2"*'
printf 'secret\n' >"$T/pw.ok"; chmod 600 "$T/pw.ok"
printf 'secret\n' >"$T/pw.open"; chmod 644 "$T/pw.open"
ok "server with private password file" fx server add fax2 --host h --password-file "$T/pw.ok"
like "world-readable password file refused" "$(out server set fax2 --password-file "$T/pw.open")" "*readable by group or others (mode 0644); chmod 600 $T/pw.open*"
like "missing password file refused" "$(out server set fax2 --password-file "$T/nope")" "*$T/nope: No such file or directory*"
if [ "$(id -u)" != 0 ]; then
	chmod 000 "$T/pw.ok"
	like "unreadable password file refused" "$(out server set fax2 --password-file "$T/pw.ok")" '*Permission denied*'
	chmod 600 "$T/pw.ok"
fi
ok "server disable" fx server disable fax2
like "disabled shows" "$(fx server show fax2)" '*enabled: no*'
ok "server enable" fx server enable fax2
ok "server set" fx server set fax2 --priority 7 --fine no
like "set shows" "$(fx server show fax2)" '*priority: 7*'
fails "enable unknown" fx server enable nope

# assignments and references
ok "assign" fx assign alice@example.com fax1
like "assignment shown" "$(fx user show alice@example.com)" '*server: fax1*'
like "assign unknown server" "$(out assign alice@example.com faxX)" '*unknown server "faxX"*'
like "assign unknown user" "$(out assign zed@x.org fax1)" '*unknown user "zed@x.org"*'
like "delete assigned server refused" "$(out server del fax1)" '*has 1 assigned user (alice@example.com)*'
like "delete assigned user refused" "$(out user del alice@example.com)" '*unassign alice@example.com first*'
ok "unassign" fx unassign alice@example.com
fails "unassign again" fx unassign alice@example.com
ok "server del" fx server del fax1
ok "user del" fx user del b@x.org
fails "user del again" fx user del b@x.org

# command table
like "ambiguous prefix" "$(out u)" '*ambiguous command "u": user, unassign*'
like "unknown command" "$(out frob)" '*unknown command "frob"*'
like "prefix matching" "$(fx se l | cut -f1 | tr '\n' ' ')" "fax0 fax2 "
fx frob >/dev/null 2>&1; is "unknown command exits 2" "$?" 2
like "help lists commands" "$("$C" help)" '*route test*'
done_testing
