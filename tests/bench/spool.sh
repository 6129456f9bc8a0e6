#!/bin/sh
# tests/bench/spool.sh: faxhubd's cost against the size of its history
# (make bench; issue 12 item 5).
#
# For each size in BENCH_SPOOL_SIZES (default "0 10000 100000 1000000"),
# tests/bench/fh-spool fabricates that many ended jobs (4 to a broadcast)
# where faxhubd keeps them once their mail has been moved (done/jobs/,
# done/bcast/), and faxhubd is started on the spool against the loopback
# world (Dovecot, Postfix, two HylaFAX servers).  Printed per size:
#   start_ms  faxhubd started -> its "faxhubd started" line (the spool read)
#   ready_ms  faxhubd started -> logged in to IMAP and both fax servers
#   RSS_kB    VmRSS once ready, and VmHWM at the end of the size's run
#   idle_ms/s CPU (utime + stime from /proc) per second over BENCH_IDLE
#             seconds (default 10) of no mail, once ready
#   cpu_ms    CPU per mail for a burst of BENCH_SPOOL_MAILS mails (default
#             20; one-page TIFF, one number each) from the first mail sent
#             to the last job submitted to a fax server
# /proc counts CPU in clock ticks (10 ms): the resolution is 10 ms divided
# by BENCH_IDLE for idle_ms/s and by BENCH_SPOOL_MAILS for cpu_ms.
# Targets (issue 12): at 1,000,000 start-up < 1 s, RSS < 16 MB, CPU per
# mail within 1.2x of the empty spool.  The figures are printed only;
# nothing here is a timed assertion.
#
# Nothing is dialled: both servers' OUT modems are marked busy (faxstate)
# so that submitted jobs wait on the servers, as in pipeline.sh; they are
# killed (JKILL) after each size, and the live part of the spool (jobs/,
# bcast/, mail/, ...) is emptied, so every size starts with no live work.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

SIZES=${BENCH_SPOOL_SIZES:-"0 10000 100000 1000000"}
M=${BENCH_SPOOL_MAILS:-20}
IDLE=${BENCH_IDLE:-10}
for v in $SIZES $M $IDLE; do
	case $v in
	''|*[!0-9]*) echo "Bail out! BENCH_SPOOL_SIZES, BENCH_SPOOL_MAILS" \
	    "and BENCH_IDLE must be numbers"; exit 1 ;;
	esac
done
HFB=$top_srcdir/tests/bench/hfbench
FHS=$top_builddir/tests/bench/fh-spool
FAXSTATE=/usr/lib/hylafax/bin/faxstate
[ -x "$FAXSTATE" ] ||
    skip_all "hylafax-server not installed (run tools/deps.sh)"
[ -x "$FHS" ] || skip_all "tests/bench/fh-spool not built"
TCK=$(getconf CLK_TCK)

bail() { echo "Bail out! $*"; exit 1; }
ms() { date +%s%3N; }

diag "starting the loopback world"
hub_world
hub_setup
"$CTL" -D "$T/db" server set fax1 --lines "$M" >/dev/null &&
    "$CTL" -D "$T/db" server set fax2 --lines "$M" >/dev/null ||
    bail "faxhubctl server set --lines $M"
make_tiff "$T/doc.tif" 1 || bail "cannot make the test TIFF"
hub_hold busy || bail "faxstate -s busy failed"

STAMPER=
_spool_stop() {
	hub_stop
	[ -n "$STAMPER" ] && { kill "$STAMPER" 2>/dev/null; wait "$STAMPER" 2>/dev/null; }
	STAMPER=
}
at_exit _spool_stop

# cpu: utime + stime of faxhubd in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$HUBPID/stat"; }
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$HUBPID/status"; }
# stamp PATTERN: the ms stamp of the first log line matching it.
stamp() { awk -v p="$1" '$0 ~ p { print $1; exit }' "$HUBLOG"; }
submitted() { grep -c ': submitted to fax[0-9]* as job' "$HUBLOG"; }

rows=""
first=15555600000
for n in $SIZES; do
	diag "size $n: fabricating the spool"
	rm -rf "$T/spool/jobs" "$T/spool/bcast" "$T/spool/mail" \
	    "$T/spool/docs" "$T/spool/outbox" "$T/spool/sent" "$T/spool/in" \
	    "$T/spool/seen.db" "$T/spool/logq" "$T/spool/live" "$T/spool/done" \
	    "$T/spool/due"
	"$FHS" "$T/spool" "$n" || bail "fh-spool $n failed"
	# The fixture's writeback must not be counted as faxhubd's start-up
	# (its first fsyncs would wait behind it).
	sync
	HUBLOG=$T/hub-$n.log
	rm -f "$T/hub.fifo"
	mkfifo "$T/hub.fifo" || bail "mkfifo"
	python3 -IB "$HFB" stamp "$HUBLOG" <"$T/hub.fifo" &
	STAMPER=$!
	# The stamper must be reading before faxhubd starts, or its own
	# start-up would be counted as faxhubd's.
	exec 3>"$T/hub.fifo"
	echo "stamper ready" >&3
	wait_until 30 grep -q 'stamper ready' "$HUBLOG" ||
	    bail "the log stamper did not start"
	t0=$(ms)
	"$HUBD" -d -c "$CONF" >&3 2>&1 &
	HUBPID=$!
	exec 3>&-
	echo "$HUBPID" >"$T/hub.pid"
	wait_until 120 sh -c "grep -q 'imap: logged in' '$HUBLOG' &&
	    grep -q 'server fax1: logged in' '$HUBLOG' &&
	    grep -q 'server fax2: logged in' '$HUBLOG'" ||
	    { tail -20 "$HUBLOG" | sed 's/^/# /'; bail "faxhubd did not log in"; }
	t1=$(stamp 'faxhubd started')
	t2=0
	for p in 'imap: logged in' 'server fax1: logged in' \
	    'server fax2: logged in'; do
		t=$(stamp "$p")
		[ "$t" -gt "$t2" ] && t2=$t
	done
	r0=$(rss VmRSS)
	c0=$(cpu)
	sleep "$IDLE"	# a measuring window, not a wait for a state
	c1=$(cpu)
	python3 -IB "$HFB" smtp -d "$W" -n "$M" --first "$first" \
	    --tiff "$T/doc.tif" >"$T/sent" 2>"$T/smtp.err" ||
	    { sed 's/^/# /' "$T/smtp.err"; bail "could not send the mails"; }
	first=$((first + M))
	wait_until 300 sh -c "[ \$(grep -c ': submitted to fax[0-9]* as job' \
	    '$HUBLOG') -ge $M ]" ||
	    diag "size $n: only $(submitted) of $M jobs submitted"
	c2=$(cpu)
	hwm=$(rss VmHWM)
	_spool_stop
	python3 -IB "$HFB" kill -d "$W" >/dev/null ||
	    bail "could not kill the queued jobs"
	row=$(awk -v n="$n" -v s="$((t1 - t0))" -v r="$((t2 - t0))" \
	    -v rss="$r0" -v hwm="$hwm" -v c0="$c0" -v c1="$c1" -v c2="$c2" \
	    -v idle="$IDLE" -v m="$M" -v tck="$TCK" 'BEGIN {
		printf "%8d %8d %8d %8d %8d %9.2f %8.2f", n, s, r, rss, hwm,
		    (c1 - c0) * 1000 / tck / idle, (c2 - c1) * 1000 / tck / m }')
	rows="$rows$row
"
	diag "size $n: $row"
done

echo "# spool benchmark: ended jobs in the spool against faxhubd's cost"
printf '# %8s %8s %8s %8s %8s %9s %8s\n' ended start_ms ready_ms RSS_kB \
    HWM_kB idle_ms/s cpu_ms
printf '%s' "$rows" | sed 's/^/# /'
echo "# targets at 1000000: start_ms < 1000, RSS < 16384 kB, cpu_ms <= 1.2 x the empty spool's"
exit 0
