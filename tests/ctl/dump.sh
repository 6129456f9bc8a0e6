#!/bin/sh
# tests/ctl/dump.sh: dump/load round trip, load refusing bad input without
# changing anything, log list/show, a locked table, corrupt table files.
. "$top_srcdir/tests/lib.sh"
C="$top_builddir/faxhubctl"
D="$T/tables"
fx() { "$C" -D "$D" "$@"; }
out() { "$C" -D "$D" "$@" 2>&1; }

fx init >/dev/null
fx user add a@x.org --name 'Back \ slash "quoted" =' --allow '+81*'
printf 'pw123456\n' | fx user add b@x.org --password-stdin
fx server add fax1 --host h --priority 2 >/dev/null
fx assign a@x.org fax1
fx route add --csid 'ACME*' a@x.org >/dev/null
fx route add --default b@x.org >/dev/null
cat >"$T/log.dump" <<'LOG'
# faxhub dump 1
users	a@x.org	v1	enabled=1	report=combined	format=pdf	notify=both
log	17000000000000000-0000	v1	direction=out	user=a@x.org	number_typed=+81 75 555 1234	number_dialled=0755551234	server=fax1	start=1700000000	end=1700000090	pages=2	duration=90	status=done	attempts=1	reason=line one\nline two
log	17000000500000000-0000	v1	direction=in	number_typed=+1 555 0100	csid=ACME	start=1700000500	pages=1	status=delivered	user=a@x.org
LOG

ok "dump" sh -c "'$C' -D '$D' dump >'$T/d1'"
like "dump header" "$(head -1 "$T/d1")" '# faxhub dump 1'
# A typo in -D is an error, never an empty dump or a fresh table set.
"$C" -D "$T/nosuch" dump >"$T/nd" 2>"$T/nderr"; rc=$?
is "dump of a missing table directory exits 1" "$rc" 1
like "naming the directory" "$(cat "$T/nderr")" "*$T/nosuch*faxhubctl init*"
ok "and prints no dump" test ! -s "$T/nd"
for cmd in "user list" "log list --json" "route list" "server list" "load $T/d1"; do
	# shellcheck disable=SC2086
	"$C" -D "$T/nosuch" $cmd >/dev/null 2>&1
	is "$cmd on a missing table directory exits 1" "$?" 1
done
ok "and creates nothing" test ! -e "$T/nosuch"
mkdir "$T/empty"
like "a directory without tables is refused" "$(out -D "$T/empty" user list 2>&1)" "*$T/empty holds no tables*"
"$C" -D "$T/t2" init >/dev/null
"$C" -D "$T/t3" init >/dev/null
ok "load into an empty table set" "$C" -D "$T/t2" load "$T/d1"
"$C" -D "$T/t2" dump >"$T/d2"
ok "dump | load | dump is byte-identical" cmp "$T/d1" "$T/d2"
ok "load from stdin" sh -c "'$C' -D '$T/t3' load <'$T/d1'"
ok "dump to a file" "$C" -D "$T/t3" dump "$T/d3"
ok "file dump identical" cmp "$T/d1" "$T/d3"

# load is all or nothing
sed 's/^routes	000001	v1	csid=ACME\*	user=a@x.org/routes	000001	v1	csid=ACME*	user=zed@x.org/' "$T/d1" >"$T/bad1"
like "load refuses a route to an unknown user" "$(out load "$T/bad1")" '*route 000001 names unknown user zed@x.org*'
printf '# faxhub dump 1\nusers\tq@x.org\tv9\n' >"$T/bad2"
like "load refuses a bad record" "$(out load "$T/bad2")" '*:2:*unknown record format*'
printf '# faxhub dump 1\nusers\tq@x.org\tv1\nusers\tq@x.org\tv1\n' >"$T/bad3"
like "load refuses a duplicate" "$(out load "$T/bad3")" '*:3:*given twice (also line 2)*'
printf '# faxhub dump 1\nwidgets\tq\tv1\n' >"$T/bad4"
like "load refuses an unknown table" "$(out load "$T/bad4")" '*unknown table "widgets"*'
head -c 100 "$T/d1" >"$T/bad5"
like "load refuses a truncated dump" "$(out load "$T/bad5")" '*truncated*'
printf 'hello\n' >"$T/bad6"
like "load refuses a non-dump" "$(out load "$T/bad6")" '*not a faxhub dump*'
printf '# faxhub dump 1\nassignments\tq@x.org\tv1\tserver=fax1\n' >"$T/bad7"
like "load refuses an assignment of an unknown user" "$(out load "$T/bad7")" '*unknown user q@x.org*'
fx dump >"$T/after"
ok "failed loads changed nothing" cmp "$T/d1" "$T/after"
ls "$D" | grep -q new && ok "no temp files left" false || ok "no temp files left" true

# log
ok "load with log records" fx load "$T/log.dump"
is "log list" "$(fx log list | wc -l | tr -d ' ')" "2"
is "filter direction" "$(fx log list --direction in | cut -f2)" "in"
is "filter number prefix" "$(fx log list --number '+8175*' | cut -f7)" "done"
is "filter status" "$(fx log list --status delivered | cut -f1)" "17000000500000000-0000"
is "filter user" "$(fx log list --user A@X.org | wc -l | tr -d ' ')" "2"
is "filter since (unix)" "$(fx log list --since 1700000100 | wc -l | tr -d ' ')" "1"
is "filter until (unix)" "$(fx log list --until 1700000100 | wc -l | tr -d ' ')" "1"
ok "date filter form" fx log list --since 2023-11-01 --until '2030-01-01 00:00'
like "bad date named" "$(out log list --since yesterday)" '*--since: bad value "yesterday"*'
like "bad direction named" "$(out log list --direction sideways)" '*--direction: bad value "sideways"*'
like "json" "$(fx log list --json)" '*"reason":"line one\\nline two"*'
like "show" "$(fx log show 17000000000000000-0000)" '*reason: line one line two*'
like "show json" "$(fx log show 17000000000000000-0000 --json)" '{"id":"17000000000000000-0000",*'
fails "show unknown" fx log show nope
if command -v python3 >/dev/null 2>&1; then
	ok "json parses" sh -c "'$C' -D '$D' log list --json | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 2'"
fi
# A remote CSID of raw bytes (Latin-1 e-acute, a cut UTF-8 sequence, a
# valid one): JSON stays valid UTF-8, invalid bytes become \u00XX.
printf '# faxhub dump 1\nlog\t17000000900000000-0000\tv1\tdirection=in\tcsid=Caf\351 \343\201 \343\201\202\tstart=1700000900\tpages=1\tstatus=delivered\n' >"$T/raw.dump"
"$C" -D "$T/raw" init >/dev/null
ok "a log record with a raw-byte CSID loads" "$C" -D "$T/raw" load "$T/raw.dump"
"$C" -D "$T/raw" log list --json >"$T/raw.json"
ok "log list --json is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/raw.json" -o /dev/null
like "invalid bytes are escaped, valid ones kept" "$(cat "$T/raw.json")" \
    "*\"csid\":\"Caf\\\\u00e9 \\\\u00e3\\\\u0081 $(printf '\343\201\202')\"*"
"$C" -D "$T/raw" log show 17000000900000000-0000 --json >"$T/raw1.json"
ok "log show --json is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/raw1.json" -o /dev/null
if command -v python3 >/dev/null 2>&1; then
	ok "and parses as JSON" python3 -c "import json,sys; r = json.load(open(sys.argv[1], encoding='utf-8'))[0]; assert r['csid'] == 'Caf\\u00e9 \\u00e3\\u0081 \\u3042', r['csid']" "$T/raw.json"
fi

# a locked table
if command -v flock >/dev/null 2>&1; then
	# flock(1) holds the lock in the same way gdbm does; it ends by itself.
	flock "$D/users.db" sleep 4 &
	lockpid=$!
	at_exit "wait $lockpid 2>/dev/null"
	sleep 0.3
	fx user add late@x.org >"$T/busy.out" 2>&1
	is "locked table exits 3" "$?" 3
	like "locked table says table busy" "$(cat "$T/busy.out")" "*$D/users.db: table busy*"
	wait $lockpid 2>/dev/null
	ok "works again once released" fx user add late@x.org
else
	ok "flock missing: locked-table check skipped # SKIP" true
fi

# corrupt and truncated table files
cp "$D/servers.db" "$T/servers.keep"
printf 'garbage garbage garbage garbage\n' >"$D/servers.db"
like "corrupt table named" "$(out server list)" "*$D/servers.db: not a table or corrupt*"
size=$(wc -c <"$T/servers.keep")
head -c $((size / 3)) "$T/servers.keep" >"$D/servers.db"
like "truncated table named" "$(out server list)" "*$D/servers.db*"
fx server list >/dev/null 2>&1; is "corrupt table exits 1" "$?" 1
like "dump of a corrupt table fails" "$(out dump)" "*servers.db*"
done_testing
