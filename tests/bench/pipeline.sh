#!/bin/sh
# tests/bench/pipeline.sh: the whole-pipeline benchmark (make bench).
#
# On one loopback world (Dovecot, Postfix, two HylaFAX servers) it measures
# side by side:
#  faxhub   BENCH_MAILS mails (default 50) from alice, each to its own fax
#           number with a one-page TIFF, sent back to back on one SMTP
#           connection (tests/bench/hfbench smtp: a loop of tb-mail runs
#           cannot send faster than about 3 mails/s); per mail,
#           latency = the moment faxhubd logs "submitted to faxN as job"
#           minus the moment Postfix accepted the mail.
#           Throughput = mails / (last submission - first send).
#           faxhubd's peak RSS is VmHWM from /proc at the end of the run.
#  hylafax  HylaFAX's own mail-to-fax path: the same mails handed to
#           /usr/bin/faxmail (which formats them and submits the job itself,
#           as a Postfix pipe transport would run it), two at a time, one
#           stream per server; latency = faxmail's run time.  That path
#           starts when the mail is already on disk, so it does not include
#           SMTP, LMTP and IMAP as faxhub's figure does, and HylaFAX converts
#           faxmail's PostScript only when it dials, while faxhub's figure
#           includes its TIFF checks and normalisation.
#
# So that nothing is dialled, both servers' OUT modems are marked busy with
# faxstate -s busy before the run: faxq then keeps every job waiting for a
# modem (state W) while hfaxd still accepts submissions, and the modems
# still list as "Running and idle", so faxhub's scheduler submits as usual
# (each server gets --lines BENCH_MAILS so that faxhub's own line limit
# does not hold jobs back).  The queued jobs are killed (JKILL) at the end.
#
# Prints figures as TAP comments; it fails (Bail out!) only when the
# benchmark itself cannot run, never on timing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

N=${BENCH_MAILS:-50}
case $N in
''|*[!0-9]*) echo "Bail out! BENCH_MAILS must be a number"; exit 1 ;;
esac
[ "$N" -ge 1 ] && [ "$N" -le 1000 ] ||
    { echo "Bail out! BENCH_MAILS must be 1..1000"; exit 1; }
HFB=$top_srcdir/tests/bench/hfbench
FAXSTATE=/usr/lib/hylafax/bin/faxstate
[ -x "$FAXSTATE" ] && [ -x /usr/bin/faxmail ] ||
    skip_all "hylafax-server/hylafax-client not installed (run tools/deps.sh)"
LINES=$N
[ "$LINES" -le 255 ] || LINES=255

bail() { echo "Bail out! $*"; exit 1; }
ms() { date +%s%3N; }

diag "starting the loopback world"
hub_world
hub_setup
for i in 1 2; do
	"$CTL" -D "$T/db" server set "fax$i" --lines "$LINES" >/dev/null ||
	    bail "faxhubctl server set fax$i --lines $LINES"
done
make_tiff "$T/doc.tif" 1 || bail "cannot make the test TIFF"

# Hold the modems: jobs stay queued on the servers, nothing is dialled.
hold() {
	for i in 1 2; do
		eval "spool=\$TB_HFAX${i}_SPOOL tty=\$TB_HFAX${i}_OUT_TTY"
		"$FAXSTATE" -q "$spool" -s "$1" "$tty" || return 1
	done
}
hold busy || bail "faxstate -s busy failed"

# faxhubd with every log line stamped as it is read.
mkfifo "$T/hub.fifo" || bail "mkfifo"
python3 -IB "$HFB" stamp "$HUBLOG" <"$T/hub.fifo" &
STAMPER=$!
"$HUBD" -d -c "$CONF" >"$T/hub.fifo" 2>&1 &
HUBPID=$!
echo "$HUBPID" >"$T/hub.pid"
_bench_stop() {
	hub_stop
	kill "$STAMPER" 2>/dev/null
	wait "$STAMPER" 2>/dev/null
}
at_exit _bench_stop
wait_until 30 sh -c "grep -q 'imap: logged in' '$HUBLOG' &&
    grep -q 'server fax1: logged in' '$HUBLOG' &&
    grep -q 'server fax2: logged in' '$HUBLOG'" ||
    { tail -20 "$HUBLOG" | sed 's/^/# /'; bail "faxhubd did not log in"; }

# --- (a) faxhub ----------------------------------------------------------
diag "faxhub: sending $N mails"
python3 -IB "$HFB" smtp -d "$W" -n "$N" --first 15555560001 \
    --tiff "$T/doc.tif" >"$T/sent" 2>"$T/smtp.err" ||
    { sed 's/^/# /' "$T/smtp.err"; bail "could not send the mails"; }
submitted() { grep -c ': submitted to fax[0-9]* as job' "$HUBLOG"; }
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$HUBPID/status"; }
end=$(( $(date +%s) + 120 ))
while [ "$(submitted)" -lt "$N" ] && [ "$(date +%s)" -lt "$end" ]; do
	kill -0 "$HUBPID" 2>/dev/null || break
	sleep 0.2
done
got=$(submitted)
hwm=$(rss VmHWM)
[ -n "$hwm" ] || bail "faxhubd died during the run"
_bench_stop

# --- (b) HylaFAX's faxmail -----------------------------------------------
diag "hylafax: handing $N mails to faxmail"
mkdir -p "$T/hf"
python3 -IB "$HFB" faxmail -d "$W" -n "$N" -P 2 --first 5555570001 \
    --tiff "$T/doc.tif" --work "$T/hf" >"$T/hf.out" 2>"$T/hf.err"
hfrc=$?
sed 's/^/# /' "$T/hf.err" | head -10
[ -s "$T/hf.out" ] || bail "faxmail submitted nothing"

kills=$(python3 -IB "$HFB" kill -d "$W") ||
    bail "could not kill the queued jobs"
diag "queued jobs: $kills"

# --- figures -------------------------------------------------------------
# stats TAG: reads "start end" pairs (ms) and prints one table row.
stats() {
	sort -n -k2 | awk -v tag="$1" -v n="$2" -v rss="$3" '
	{ s[NR] = $1; e[NR] = $2; l[NR] = $2 - $1
	  if (NR == 1 || $1 < t0) t0 = $1; if ($2 > t1) t1 = $2 }
	END {
		if (NR == 0) { printf "%-8s %6d %8s %8s %8s %8s %8s\n", tag, n,
		    "-", "-", "-", "-", rss; exit }
		for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
			if (l[j] < l[i]) { x = l[i]; l[i] = l[j]; l[j] = x }
		p50 = l[int((NR - 1) * 0.5) + 1]; p90 = l[int((NR - 1) * 0.9) + 1]
		secs = (t1 - t0) / 1000.0
		printf "%-8s %6s %8.2f %8.2f %8.3f %8.3f %8s\n", tag,
		    NR "/" n, secs, (secs > 0 ? NR / secs : 0), p50 / 1000.0,
		    p90 / 1000.0, rss
	}'
}
# faxhub: "NUMBER SENT_MS" joined with the stamped submission lines.
awk '/: submitted to fax[0-9]* as job/ {
	for (k = 1; k <= NF; k++) if ($k == "to") {
		n = $(k + 1); sub(/:$/, "", n); print n, $1; break } }' \
    "$HUBLOG" | sort -k1,1 >"$T/subm"
sort -k1,1 "$T/sent" >"$T/sent.s"
join "$T/sent.s" "$T/subm" | awk '{ print $2, $3 }' >"$T/a.pairs"
awk '{ print $2, $3 }' "$T/hf.out" >"$T/b.pairs"

echo "# pipeline benchmark: $N mails, 1-page TIFF each, 2 HylaFAX servers"
echo "# latency: mail accepted -> job submitted (faxhub), faxmail run (hylafax)"
printf '# %-8s %6s %8s %8s %8s %8s %8s\n' path mails seconds mails/s \
    p50_s p90_s RSS_kB
stats faxhub "$N" "$hwm" <"$T/a.pairs" | sed 's/^/# /'
stats hylafax "$N" "-" <"$T/b.pairs" | sed 's/^/# /'

warn() { echo "# WARNING: $*"; }
[ "$got" -ge "$N" ] || warn "faxhub submitted only $got of $N jobs within 120 s"
n=$(wc -l <"$T/hf.out" | tr -d ' ')
[ "$n" -ge "$N" ] && [ "$hfrc" = 0 ] ||
    warn "faxmail submitted $n of $N jobs (exit status $hfrc)"
case $kills in
*" 0 were active") ;;
*) warn "some jobs were dialled although the modems were held: $kills" ;;
esac
exit 0
