#!/bin/sh
# log.sh (make bench-log, and part of make bench): the communication log
# at the size of years of a busy site.  fh-logfab fabricates
# BENCH_LOG_RECORDS records (default 5,000,000) over six years, then it
# times `faxhubctl log list` for one day (--since/--until) and for the
# whole log, and prints wall time and peak RSS of each.  Targets from
# issue 12: the day under 100 ms and 16 MiB, the full listing in constant
# memory (its peak RSS the same as the day's).  The fabrication writes
# every record through the index as faxhubd does (logrec_store) and takes
# about ten minutes and 2 GB of disk in TMPDIR for 5,000,000 records
# (measured: 632 s, 1959 MB); BENCH_LOG_RECORDS=200000 gives a quick run.
# It prints figures; it never fails on timing.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
FAB=$top_builddir/tests/bench/fh-logfab
CTL=$top_builddir/faxhubctl
TIME=/usr/bin/time
N=${BENCH_LOG_RECORDS:-5000000}
case $N in
''|*[!0-9]*) echo "log bench: BENCH_LOG_RECORDS must be a number"; exit 1 ;;
esac
for x in "$FAB" "$CTL" "$TIME"; do
	[ -x "$x" ] || { echo "log bench: $x missing, skipped"; exit 0; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/faxhub-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

DAYS=2190			# six years
END=1764547200			# 2025-12-01 00:00:00 UTC
echo "log bench: fabricating $N records over $DAYS days in $T ..."
start=$(date +%s)
"$FAB" "$T" "$N" "$DAYS" "$END" || { echo "log bench: fh-logfab failed"; exit 1; }
echo "log bench: fabricated in $(( $(date +%s) - start )) s," \
    "$(du -m "$T/log.db" | cut -f1) MB"

# A day in the middle of the range, given in unix seconds (no time zone).
DAY=$((END - 1000 * 86400))
run() {
	label=$1; shift
	t0=$(date +%s%N)
	$TIME -f '%M' -o "$T/time" "$CTL" -D "$T" "$@" >"$T/out" ||
	    { echo "log bench: faxhubctl $* failed"; exit 1; }
	t1=$(date +%s%N)
	printf 'log bench: %-24s %8d lines %6d ms %7d KiB max RSS\n' \
	    "$label" "$(wc -l <"$T/out")" $(( (t1 - t0) / 1000000 )) \
	    "$(cat "$T/time")"
}
# The first listing runs alone once, so that the day figure is a warm one
# like every later query (the page cache holds the file's index pages).
"$CTL" -D "$T" log list --since "$DAY" --until $((DAY + 86400)) >/dev/null
run "one day (list)" log list --since "$DAY" --until $((DAY + 86400))
run "one day, one user" log list --since "$DAY" --until $((DAY + 86400)) \
    --user u7@example.org
run "one day (export csv)" log export --since "$DAY" --until $((DAY + 86400))
run "full listing" log list
