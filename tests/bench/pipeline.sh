#!/bin/sh
# tests/bench/pipeline.sh: the whole-pipeline benchmark (make bench).
#
# On one loopback world (Dovecot, Postfix, two HylaFAX servers) it measures
# side by side:
#  faxhub   a burst of BENCH_MAILS mails (default 50) from alice, each to its own fax
#           number with a one-page TIFF, sent back to back on one SMTP
#           connection (tests/bench/hfbench smtp: a loop of tb-mail runs
#           cannot send faster than about 3 mails/s), or on
#           BENCH_SMTP_CONNS connections at once, as a relaying MTA sends
#           its queue to one destination (the mails dealt out in turn);
#           per mail,
#           latency = the moment faxhubd logs "submitted to faxN as job"
#           minus the moment Postfix accepted the mail.
#           Throughput = mails / (last submission - first send).
#           The burst's timeline, from the first acceptance: Postfix's
#           last acceptance, the last copy in the gateway Maildir (the
#           newest mtime of the burst's files there), faxhubd's first
#           "new mail announced" (Dovecot's IDLE notice) and its last
#           submission; how long a burst job waited for its server
#           thread (faxhubd's "server faxN chosen" -> "submitted"); and
#           faxhubd's CPU time per mail (/proc stat, user + system, over
#           the burst).
#           faxhubd's peak RSS is VmHWM from /proc at the end of the run.
#  fsyncs   then BENCH_FSYNC_MAILS more (default 50, at most BENCH_MAILS)
#           in a burst with strace -f -y -e trace=fsync,fdatasync,syncfs
#           attached to faxhubd (so not timed): calls per mail, from the
#           first mail sent until the last is submitted, and per mail by
#           what was synced (the spool directory, or the kind of file in
#           it, from the path strace -y prints).
#  rest     then BENCH_REST mails (default 50), one at a time, each sent once
#           the one before is submitted: latency at rest, median and p99,
#           split into Dovecot's share (accepted -> faxhubd's "new mail
#           announced", the IDLE notice) and faxhub's (notice -> submitted).
#  hylafax  HylaFAX's own mail-to-fax path: the same mails handed to
#           /usr/bin/faxmail (which formats them and submits the job itself,
#           as a Postfix pipe transport would run it), 1, 2 and 4 at a time
#           (BENCH_PAR), spread over the two servers; latency = faxmail's
#           run time.  The ratio compares faxhub's burst with the best of
#           these.  That path
#           starts when the mail is already on disk, so it does not include
#           SMTP, delivery and IMAP as faxhub's figure does, and HylaFAX converts
#           faxmail's PostScript only when it dials, while faxhub's figure
#           includes its TIFF checks and normalisation.
#
# So that nothing is dialled, both servers' OUT modems are marked busy with
# faxstate -s busy before the run: faxq then keeps every job waiting for a
# modem (state W) while hfaxd still accepts submissions, and the modems
# still list as "Running and idle", so faxhub's scheduler submits as usual
# (each server gets --lines for every mail of the run so that faxhub's own
# line limit does not hold jobs back, and both the same priority so that
# the jobs go to both in turn).  The queued jobs are killed (JKILL) at the end.
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
NF=${BENCH_FSYNC_MAILS:-50}
[ "$NF" -le "$N" ] || NF=$N
NR=${BENCH_REST:-50}
PARS=${BENCH_PAR:-1 2 4}
CONNS=${BENCH_SMTP_CONNS:-1}
case $NF$NR$CONNS in
*[!0-9]*) echo "Bail out! BENCH_FSYNC_MAILS, BENCH_REST," \
	"BENCH_SMTP_CONNS must be numbers"
	exit 1 ;;
esac
LINES=$((N + NF + NR))
[ "$LINES" -le 255 ] || LINES=255

bail() { echo "Bail out! $*"; exit 1; }
ms() { date +%s%3N; }

diag "starting the loopback world"
hub_world
hub_setup
# The protocol traces of level debug would be timed too.
sed -i 's/^log\.level = .*/log.level = info/' "$CONF"
# One priority for both: the scheduler then takes them in turn, as the
# faxmail path below is spread over both.
for i in 1 2; do
	"$CTL" -D "$T/db" server set "fax$i" --lines "$LINES" --priority 10 \
	    >/dev/null || bail "faxhubctl server set fax$i --lines $LINES"
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
# cpu: faxhubd's user + system time so far, in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$HUBPID/stat"; }
cpu0=$(cpu)
diag "faxhub: sending $N mails"
python3 -IB "$HFB" smtp -d "$W" -n "$N" --first 15555560001 -c "$CONNS" \
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
cpu1=$(cpu)
# The burst's copies in the gateway Maildir (its folders too: faxhubd has
# moved them), newest mtime in ms.
gwmd=$TB_MAIL_DIR/${TB_GATEWAY_USER#*@}/${TB_GATEWAY_USER%@*}/Maildir
delivered=$(find "$gwmd" -type f \( -path '*/new/*' -o -path '*/cur/*' \) \
    -printf '%T@\n' | sort -n | tail -1 | awk '{ printf "%.0f", $1 * 1000 }')

# --- (b) fsyncs per mail, strace attached (not timed) ----------------------
fsyncs=-
if [ "$NF" -gt 0 ] && command -v strace >/dev/null 2>&1; then
	diag "fsyncs: $NF mails with strace attached"
	strace -f -y -e trace=fsync,fdatasync,syncfs -o "$T/strace" \
	    -p "$HUBPID" 2>"$T/strace.err" &
	STRACE=$!
	wait_until 30 grep -q attached "$T/strace.err" ||
	    bail "strace did not attach"
	python3 -IB "$HFB" smtp -d "$W" -n "$NF" --first 15555580001 \
	    --tiff "$T/doc.tif" >/dev/null 2>"$T/smtp.err" ||
	    { sed 's/^/# /' "$T/smtp.err"; bail "could not send the mails"; }
	want=$((got + NF))
	end=$(( $(date +%s) + 120 ))
	while [ "$(submitted)" -lt "$want" ] && [ "$(date +%s)" -lt "$end" ]
	do
		sleep 0.2
	done
	kill -INT "$STRACE"
	wait "$STRACE"
	calls=$(grep -c -E '(fsync|fdatasync|syncfs)\(' "$T/strace")
	# "fsync(7</.../spool/mail/1-2.eml.tmp.9.0>) = 0": by directory, or
	# by the directory and the suffix of the file's name.
	sed -n -E 's/.*(fsync|fdatasync|syncfs)\([0-9]+<([^>]*)>.*/\2/p' \
	    "$T/strace" | sed 's/\.tmp\..*//' | while read -r p; do
		case $p in
		"$T/spool") echo "spool/ (the directory)" ;;
		*) [ -d "$p" ] && { echo "${p#"$T/spool/"}/ (the directory)"
			continue; }
		   d=${p%/*}; d=${d#"$T/spool"}; f=${p##*/}
		   case $f in *.*) e=.${f#*.} ;; *) e= ;; esac
		   if [ -z "$d" ]; then echo "spool/$f"
		   else echo "${d#/}/*$e"; fi ;;
		esac
	done | sort | uniq -c | awk -v n="$NF" \
	    '{ printf "#   %-24s %6.2f\n", $2 ($3 != "" ? " " $3 " " $4 : ""),
	    $1 / n }' >"$T/fsync.kinds"
	fsyncs=$(awk -v c="$calls" -v n="$NF" \
	    'BEGIN { printf "%.2f", c / n }')
	[ "$(submitted)" -ge "$want" ] ||
	    fsyncs="$fsyncs (only $(( $(submitted) - got )) of $NF submitted)"
	got=$(submitted)
fi

# --- (c) latency at rest ---------------------------------------------------
if [ "$NR" -gt 0 ]; then
	diag "rest: $NR mails one at a time"
	python3 -IB "$HFB" smtp -d "$W" -n "$NR" --first 15555590001 \
	    --tiff "$T/doc.tif" --rest "$HUBLOG" >"$T/rest" 2>"$T/smtp.err" ||
	    sed 's/^/# /' "$T/smtp.err"
fi
_bench_stop

# --- (d) HylaFAX's faxmail -------------------------------------------------
hfrc=0
k=0
for par in $PARS; do
	k=$((k + 1))
	diag "hylafax: handing $N mails to faxmail, $par at a time"
	mkdir -p "$T/hf$k"
	python3 -IB "$HFB" faxmail -d "$W" -n "$N" -P "$par" \
	    --first "555557${k}0001" --tiff "$T/doc.tif" --work "$T/hf$k" \
	    >"$T/hf$k.out" 2>"$T/hf$k.err" || hfrc=$?
	sed 's/^/# /' "$T/hf$k.err" | head -10
	kills=$(python3 -IB "$HFB" kill -d "$W") ||
	    bail "could not kill the queued jobs"
	case $kills in
	*" 0 were active") ;;
	*) echo "# WARNING: some jobs were dialled although the modems" \
	    "were held: $kills" ;;
	esac
done

# --- figures -------------------------------------------------------------
# stats TAG N: reads "start end" pairs (ms) and prints one table row:
# mails, seconds, mails/s, latency p50, p90, p99.
stats() {
	sort -n -k2 | awk -v tag="$1" -v n="$2" '
	{ s[NR] = $1; e[NR] = $2; l[NR] = $2 - $1
	  if (NR == 1 || $1 < t0) t0 = $1; if ($2 > t1) t1 = $2 }
	END {
		if (NR == 0) { printf "%-12s %7s %8s %8s %8s %8s %8s\n", tag,
		    "0/" n, "-", "-", "-", "-", "-"; exit }
		for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
			if (l[j] < l[i]) { x = l[i]; l[i] = l[j]; l[j] = x }
		secs = (t1 - t0) / 1000.0
		printf "%-12s %7s %8.2f %8.2f %8.3f %8.3f %8.3f\n", tag,
		    NR "/" n, secs, (secs > 0 ? NR / secs : 0),
		    l[int((NR - 1) * 0.5) + 1] / 1000.0,
		    l[int((NR - 1) * 0.9) + 1] / 1000.0,
		    l[int((NR - 1) * 0.99) + 1] / 1000.0
	}'
}
# pct P: the P-th percentile of the numbers read, in seconds (from ms).
pct() {
	sort -n | awk -v p="$1" '{ v[NR] = $1 } END {
	    if (NR == 0) { print "-"; exit }
	    printf "%.3f", v[int((NR - 1) * p) + 1] / 1000.0 }'
}
# faxhub: "NUMBER SENT_MS" joined with the stamped submission lines.
awk '/: submitted to fax[0-9]* as job/ {
	for (k = 1; k <= NF; k++) if ($k == "to") {
		n = $(k + 1); sub(/:$/, "", n); print n, $1; break } }' \
    "$HUBLOG" | sort -k1,1 >"$T/subm"
sort -k1,1 "$T/sent" >"$T/sent.s"
join "$T/sent.s" "$T/subm" | awk '{ print $2, $3 }' >"$T/a.pairs"
stats faxhub "$N" <"$T/a.pairs" >"$T/rows"
rate_hub=$(awk '{ print $4 }' "$T/rows")
k=0
for par in $PARS; do
	k=$((k + 1))
	awk '{ print $2, $3 }' "$T/hf$k.out" | stats "faxmail-P$par" "$N" \
	    >>"$T/rows"
done
best=$(awk 'NR > 1 && $4 != "-" && $4 > b { b = $4; t = $1 }
    END { if (b > 0) print t, b }' "$T/rows")

echo "# pipeline benchmark: $N mails, 1-page TIFF each, 2 HylaFAX servers," \
    "$(nproc) cores"
echo "# burst: mail accepted -> job submitted (faxhub), faxmail run (faxmail-PN:"
echo "# N at a time); faxhub's figure includes SMTP, delivery and IMAP"
printf '# %-12s %7s %8s %8s %8s %8s %8s\n' path mails seconds mails/s \
    p50_s p90_s p99_s
sed 's/^/# /' "$T/rows"
# $T/sent: "NUMBER ACCEPTED_MS"; $T/a.pairs: "ACCEPTED_MS SUBMITTED_MS".
awk -v n="$N" -v dl="${delivered:-0}" -v c0="$cpu0" -v c1="$cpu1" \
    -v hz="$(getconf CLK_TCK)" '
    FILENAME ~ /sent$/ { if (FNR == 1 || $2 < t0) t0 = $2
	if ($2 > ta) ta = $2; next }
    FILENAME ~ /pairs$/ { got++; if ($2 > ts) ts = $2; next }
    /imap: new mail announced/ && $1 >= t0 && !nt { nt = $1 }
    function job(  k) { for (k = 2; k < NF; k++) if ($k == "job")
	return $(k + 1); return "" }
    / to \+1555556[0-9]*: server fax[0-9]* chosen/ { ch[job()] = $1 }
    / to \+1555556[0-9]*: submitted to fax[0-9]* as job/ && (job() in ch) {
	nw++; w = $1 - ch[job()]; tw += w; if (w > mw) mw = w }
    END {
	print "# burst timeline, seconds after the first acceptance:"
	printf "#   Postfix accepted the last    %6.2f (%.0f mails/s)\n",
	    (ta - t0) / 1000, (ta > t0 ? (n - 1) * 1000 / (ta - t0) : 0)
	printf "#   last copy in gateway Maildir %6.2f\n", (dl - t0) / 1000
	printf "#   first IDLE notice            %6.2f\n",
	    (nt ? (nt - t0) / 1000 : -1)
	printf "#   last job submitted           %6.2f\n", (ts - t0) / 1000
	printf "# burst jobs waiting for their server thread (chosen ->" \
	    " submitted): mean %.0f ms, max %d ms\n", (nw ? tw / nw : 0), mw
	printf "# faxhubd CPU per mail in the burst: %.1f ms\n",
	    (got > 0 ? (c1 - c0) * 1000 / hz / got : 0)
    }' "$T/sent" "$T/a.pairs" "$HUBLOG"
if [ -n "$best" ]; then
	set -- $best
	echo "# ratio: faxhub $rate_hub mails/s / $1 $2 mails/s =" \
	    "$(awk -v a="$rate_hub" -v b="$2" 'BEGIN { printf "%.2f", a / b }')x"
else
	echo "# ratio: - (faxmail submitted nothing)"
fi
if [ -s "$T/rest" ]; then
	n=$(wc -l <"$T/rest" | tr -d ' ')
	echo "# at rest ($n of $NR mails one at a time): median / p99 seconds"
	echo "#   accepted -> submitted   $(awk '{ print $4 - $2 }' "$T/rest" |
	    pct 0.5) / $(awk '{ print $4 - $2 }' "$T/rest" | pct 0.99)"
	echo "#   Dovecot (-> IDLE notice) $(awk '{ print $3 - $2 }' "$T/rest" |
	    pct 0.5) / $(awk '{ print $3 - $2 }' "$T/rest" | pct 0.99)"
	echo "#   faxhub (notice -> JSUBM) $(awk '{ print $4 - $3 }' "$T/rest" |
	    pct 0.5) / $(awk '{ print $4 - $3 }' "$T/rest" | pct 0.99)"
else
	echo "# at rest: - (no mail measured)"
fi
echo "# fsyncs per mail (burst of $NF, strace on faxhubd): $fsyncs"
[ -s "$T/fsync.kinds" ] && cat "$T/fsync.kinds"
echo "# faxhubd peak RSS: $hwm kB"

warn() { echo "# WARNING: $*"; }
[ "$got" -ge "$N" ] || warn "faxhub submitted only $got of $N jobs within 120 s"
[ "$hfrc" = 0 ] || warn "some faxmail runs failed (exit status $hfrc)"
exit 0
