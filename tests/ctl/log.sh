#!/bin/sh
# tests/ctl/log.sh: faxhubctl log list/export on the log's day index:
# filters, time order across days, a table written before the index
# existed (old format), CSV (RFC 4180) and JSON lines (valid UTF-8)
# exports.
. "$top_srcdir/tests/lib.sh"
C="$top_builddir/faxhubctl"
FAB="$top_builddir/tests/bench/fh-logfab"
[ -x "$FAB" ] || skip_all "fh-logfab not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 missing"
fx() { "$C" -D "$D" "$@"; }
out() { "$C" -D "$D" "$@" 2>&1; }
END=1764547200			# 2025-12-01 00:00:00 UTC

# 1000 records over 10 days, through the index; the same records written
# the old way (no index) in a second directory.
D="$T/new"
mkdir -p "$D"
ok "fabricate an indexed log" "$FAB" "$D" 1000 10 "$END"
mkdir -p "$T/old"
ok "fabricate an old-format log" "$FAB" -o "$T/old" 1000 10 "$END"

is "full listing: every record" "$(fx log list | wc -l | tr -d ' ')" 1000
is "in time order" "$(fx log list | cut -f1 | sort -c && echo sorted)" sorted
DAY=$((END - 3 * 86400))
is "one day" "$(fx log list --since $DAY --until $((DAY + 86400)) | wc -l | tr -d ' ')" 100
is "a range inside a day" \
    "$(fx log list --since $((DAY + 3600)) --until $((DAY + 7200)) | wc -l | tr -d ' ')" 4
is "since alone" "$(fx log list --since $DAY | wc -l | tr -d ' ')" 300
is "until alone" "$(fx log list --until $DAY | wc -l | tr -d ' ')" 700
is "user filter" "$(fx log list --user U7@example.org | wc -l | tr -d ' ')" 20
is "number filter" "$(fx log list --number '+81755550012' | cut -f1)" fab-0000000012
is "user and day" \
    "$(fx log list --since $DAY --until $((DAY + 86400)) --user u7@example.org | cut -f1 | tr '\n' ' ')" \
    "fab-0000000707 fab-0000000757 "
is "json array of the day" \
    "$(fx log list --json --since $DAY --until $((DAY + 86400)) | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 100

# The old-format table: listed the same, its index built on first use.
D="$T/old"
is "old format: same listing" "$(fx log list | md5sum)" "$("$C" -D "$T/new" log list | md5sum)"
is "old format: one day" "$(fx log list --since $DAY --until $((DAY + 86400)) | wc -l | tr -d ' ')" 100

# Exports: a record with a comma, quotes, a line break and a byte that is
# not UTF-8.
D="$T/exp"
fx init >/dev/null
printf '# faxhub dump 1\nlog\te1\tv1\tdirection=in\tuser=b@x.org\tstart=%s\tcsid=ACME, "Main"\tstatus=failed\treason=no carrier\\nredial\tnumber_typed=+81\377\n' \
    $((END - 100)) >"$T/exp.dump"
ok "load an awkward record" fx load "$T/exp.dump"
like "export wants --since" "$(out log export)" '*--since is required*'
like "bad format named" "$(out log export --since 0 --format xml)" '*--format: bad value "xml"*'
fx log export --since $((END - 86400)) >"$T/e.csv"
ok "csv: CRLF line ends, header first" python3 - "$T/e.csv" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
assert b.startswith(b'id,direction,job,'), b[:40]
assert b.endswith(b'\r\n') and b.count(b'\r\n') == 2, b   # header, record
PY
ok "csv: fields as a spreadsheet reads them" python3 - "$T/e.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='latin-1')))
assert len(rows) == 1, rows
r = rows[0]
assert r['csid'] == 'ACME, "Main"', r['csid']
assert r['reason'] == 'no carrier\nredial', r['reason']
assert r['start'] == '2025-11-30T23:58:20Z', r['start']
assert r['end'] == '' and r['status'] == 'failed', r
PY
fx log export --since $((END - 86400)) --format jsonl >"$T/e.jsonl"
ok "jsonl: valid UTF-8, one object a line" python3 - "$T/e.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1], 'rb').read().decode('utf-8').splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert r['number_typed'] == '+81\u00ff', r['number_typed']   # the byte as U+00FF
assert r['csid'] == 'ACME, "Main"' and r['reason'] == 'no carrier\nredial', r
assert r['start'] == 1764547100, r['start']
PY
is "export honours --until" "$(fx log export --since 0 --until $((END - 200)) | wc -l | tr -d ' ')" 1

done_testing
