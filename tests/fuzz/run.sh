#!/bin/sh
# tests/fuzz/run.sh BUILDDIR [SECONDS]: a short run of every libFuzzer
# harness of a build configured with
#     CC=clang ./configure --enable-fuzzing --enable-sanitizers
# (it builds nothing itself: make the fuzz/fuzz_* programs first).  Each
# harness runs SECONDS (default 20), or FUZZ_RUNS executions when that is
# set (make fuzz-long), on a small seed corpus made under a temporary
# directory (tests/fuzz/seeds.py writes the images', TIFFs and Office
# files); FUZZ_JOBS harnesses at a time (default 1), FUZZ_HARNESSES (default
# all) names which; prints one line per
# harness with its result, executions, executions per second and coverage
# (edges, features), then "fuzz: N passed, N failed".  Exits 1 when a harness crashed,
# leaked, timed out or is missing, 2 on bad usage.  A crashing input is
# kept as BUILDDIR/fuzz/crash-<harness>-* for the report.
set -u
[ $# -ge 1 ] && [ $# -le 2 ] || {
	echo "usage: $0 BUILDDIR [SECONDS]" >&2; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || {
	echo "run.sh: no build directory $1" >&2; exit 2; }
secs=${2:-20}
case $secs in ''|*[!0-9]*) echo "run.sh: bad SECONDS $secs" >&2; exit 2 ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
harnesses=${FUZZ_HARNESSES:-"fuzz_config fuzz_msg fuzz_addr fuzz_hylafax fuzz_tiff fuzz_image fuzz_office"}
runs=${FUZZ_RUNS:-}
case $runs in *[!0-9]*) echo "run.sh: bad FUZZ_RUNS $runs" >&2; exit 2 ;; esac
if [ -n "$runs" ]; then
	limit="-runs=$runs" what="$runs runs"
else
	limit="-max_total_time=$secs" what="${secs} s"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/faxhub-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# seed HARNESS NAME CONTENT: one file of the harness's corpus.
seed() { mkdir -p "$tmp/$1"; printf '%b' "$3" >"$tmp/$1/$2"; }

seed fuzz_config min 'imap.host = 127.0.0.1\nimap.user = fax\nimap.password_file = /x\nsmtp.host = ::1\nsmtp.sender = fax@fax.test\nsmtp.from = Fax <fax@fax.test>\npostmaster = root@fax.test\nfax.domains = fax.test, fax2.test\ndial.country_code = 1\n'
seed fuzz_config values 'dispatch.retry_delay = 5m\nlimits.message_size = 10M\nimap.idle = yes # c\ndial.barred = +1900*, +44*\n'
[ -f "$top/conf/faxhub.conf" ] && cp "$top/conf/faxhub.conf" "$tmp/fuzz_config/sample"
mkdir -p "$tmp/fuzz_msg"
for f in "$top"/tests/data/mail/*.eml; do
	[ -f "$f" ] && [ "$(wc -c <"$f")" -le 65536 ] && cp "$f" "$tmp/fuzz_msg/"
done
seed fuzz_msg tiny 'From: a@b.test\r\nTo: +15551234@fax.test\r\nSubject: =?utf-8?q?x?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: image/tiff; name*0*=utf-8%%27%%27a; name*1=.tif\r\nContent-Transfer-Encoding: base64\r\n\r\nSUkqAA==\r\n--q--\r\n'
seed fuzz_addr e164 '+1-555-555-0101'
seed fuzz_addr rfc3192 'FAX=+15555550105/T33S=12@fax.test'
seed fuzz_addr local '0755551234'
seed fuzz_addr quoted '"a;b"@fax.test'
seed fuzz_hylafax reply '220-hello\r\n220 ready\r\n230 User fax logged in.\r\n'
seed fuzz_hylafax jobs '213 job 12 queued +15551234 1:3 0:12\r\n'
seed fuzz_hylafax err '530 Login incorrect.\r\n'
# A 8x8 bilevel TIFF, uncompressed, one strip.
seed fuzz_tiff small 'II*\0\x10\0\0\0\0\0\0\0\0\0\0\0\x09\0\x00\x01\x03\0\x01\0\0\0\x08\0\0\0\x01\x01\x03\0\x01\0\0\0\x08\0\0\0\x02\x01\x03\0\x01\0\0\0\x01\0\0\0\x03\x01\x03\0\x01\0\0\0\x01\0\0\0\x06\x01\x03\0\x01\0\0\0\0\0\0\0\x11\x01\x04\0\x01\0\0\0\x08\0\0\0\x15\x01\x03\0\x01\0\0\0\x01\0\0\0\x16\x01\x03\0\x01\0\0\0\x08\0\0\0\x17\x01\x04\0\x01\0\0\0\x08\0\0\0\0\0\0\0'
python3 "$top/tests/fuzz/seeds.py" "$tmp/fuzz_image" ||
	echo "run.sh: image seeds incomplete (python3?)" >&2
python3 "$top/tests/fuzz/seeds.py" "$tmp/fuzz_tiff" tiff ||
	echo "run.sh: TIFF seeds incomplete (python3?)" >&2
python3 "$top/tests/fuzz/seeds.py" "$tmp/fuzz_office" office ||
	echo "run.sh: Office seeds incomplete (python3?)" >&2
seed fuzz_image tiny-bmp 'BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\x18\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x10\x20\x30\0'
for f in "$top"/tests/data/*.tif "$top"/tests/data/*/*.tif; do
	[ -f "$f" ] && [ "$(wc -c <"$f")" -le 65536 ] && cp "$f" "$tmp/fuzz_tiff/"
done

# fuzz1 HARNESS: runs one harness; its report in $tmp/HARNESS.res, the
# first line "ok" or "FAILED".
fuzz1() {
	_h=$1 _bin=$build/fuzz/$1
	if [ ! -x "$_bin" ]; then
		echo "FAILED (not built: $_bin)" >"$tmp/$_h.res"
		return
	fi
	mkdir -p "$tmp/$_h" "$tmp/art-$_h"
	# -error_exitcode/-timeout_exitcode make every finding a non-zero exit;
	# ASan's leak check runs at the end of each input (detect_leaks).
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	    "$_bin" "$limit" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 -error_exitcode=77 \
	    -timeout_exitcode=78 -artifact_prefix="$tmp/art-$_h/" \
	    "$tmp/$_h" >"$tmp/$_h.log" 2>&1
	_rc=$?
	_n=$(awk -F: '/^stat::number_of_executed_units/{gsub(/ /,"",$NF); n=$NF}
	    END{print n+0}' "$tmp/$_h.log")
	_rate=$(awk -F: '/^stat::average_exec_per_sec/{gsub(/ /,"",$NF); n=$NF}
	    END{print n+0}' "$tmp/$_h.log")
	# The last status line: "#N DONE cov: E ft: F corp: ..."
	_cov=$(sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p' \
	    "$tmp/$_h.log" | tail -1)
	if [ "$_rc" = 0 ]; then
		echo "ok, $_n executions ($what, $_rate/s), coverage ${_cov:-unknown}" \
		    >"$tmp/$_h.res"
		return
	fi
	{
		echo "FAILED (exit $_rc) after $_n executions"
		grep -E 'ERROR:|SUMMARY:|^    #[0-9]' "$tmp/$_h.log" | head -25 |
		    sed 's/^/    /'
		for _a in "$tmp/art-$_h"/*; do
			[ -f "$_a" ] || continue
			cp "$_a" "$build/fuzz/crash-$_h-$(basename "$_a")" &&
			    echo "    input kept: $build/fuzz/crash-$_h-$(basename "$_a")"
		done
	} >"$tmp/$_h.res"
}

# FUZZ_JOBS lanes side by side (make fuzz-long: one per core), each
# running every FUZZ_JOBS-th harness in turn; the reports in order.
njobs=${FUZZ_JOBS:-1}
case $njobs in ''|*[!0-9]*|0) echo "run.sh: bad FUZZ_JOBS $njobs" >&2; exit 2 ;; esac
lane=0
while [ "$lane" -lt "$njobs" ]; do
	(i=0
	for h in $harnesses; do
		[ $((i % njobs)) = "$lane" ] && fuzz1 "$h"
		i=$((i + 1))
	done) &
	lane=$((lane + 1))
done
wait
pass=0 fail=0
for h in $harnesses; do
	echo "$h: $(cat "$tmp/$h.res" 2>/dev/null || echo "FAILED (no report)")"
	case $(head -1 "$tmp/$h.res" 2>/dev/null) in
	ok*) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
