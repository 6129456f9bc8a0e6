#!/bin/sh
# tests/ctl/routes.sh: faxhubctl route add|del|list|move|test.
. "$top_srcdir/tests/lib.sh"
C="$top_builddir/faxhubctl"
D="$T/tables"
fx() { "$C" -D "$D" "$@"; }
out() { "$C" -D "$D" "$@" 2>&1; }

fx init >/dev/null
for u in a@x.org b@x.org c@x.org; do fx user add $u; done
fx server add fax1 --host h >/dev/null

like "no routes: test fails" "$(out route test --called 1)" '*no rule matches*'
ok "add called rule" fx route add --called '+8175555*' a@x.org
ok "add csid rule" fx route add --csid 'ACME*' b@x.org c@x.org
ok "add server rule" fx route add --server fax1 --caller '+1*' c@x.org
ok "add default" fx route add --default a@x.org
ok "add before default goes before it" fx route add --called 42 b@x.org
is "list" "$(fx route list | cut -f1,2 | tr '\t\n' ' |')" "1 called=+8175555*|2 called=*|3 called=*|4 called=42|5 default|"
is "test by called number, any punctuation" "$(fx route test --called '+81 75-555-1234')" "rule 1: a@x.org"
is "test by csid, case-insensitive" "$(fx route test --called 999 --csid ' acme corp ')" "rule 2: b@x.org c@x.org"
is "test by server and caller" "$(fx route test --caller '+1 555' --server fax1)" "rule 3: c@x.org"
is "other server falls to default" "$(fx route test --caller '+1 555' --server fax9)" "rule 5: a@x.org"
ok "move 4 to 1" fx route move 4 1
is "moved" "$(fx route test --called 42)" "rule 1: b@x.org"
like "default stays last" "$(out route move 5 1)" '*default rule stays last*'
like "second default refused" "$(out route add --default b@x.org)" '*default rule already*'
like "unknown user refused" "$(out route add --called 1 zed@x.org)" '*unknown user "zed@x.org"*'
like "unknown server refused" "$(out route add --server faxX a@x.org)" '*unknown server "faxX"*'
like "malformed pattern refused" "$(out route add --called '+81-75*' a@x.org)" '*bad pattern "+81-75\*"*'
like "no condition refused" "$(out route add a@x.org)" '*give --called*'
like "bad rule number" "$(out route del 9)" '*bad value "9"*'
like "user in a route cannot be deleted" "$(out user del c@x.org)" '*recipient of route*'
like "server in a route cannot be deleted" "$(out server del fax1)" '*named by route*'
before=$(fx route list)
ok "route del" fx route del 1
is "renumbered after del" "$(fx route list | head -1 | cut -f1,2)" "$(printf '1\tcalled=+8175555*')"
ok "route add --at" fx route add --at 1 --called 7 c@x.org
is "inserted at 1" "$(fx route test --called 7)" "rule 1: c@x.org"
is "rule count" "$(fx route list | wc -l | tr -d ' ')" "5"
: "$before"
done_testing
