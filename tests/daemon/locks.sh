#!/bin/sh
# An admin's faxhubctl holds a table locked (issue 12.2): faxhubd takes no
# table lock and does no table I/O under its one mutex, so intake, dispatch,
# submission and the outbox go on.  faxhubctl --hold 10 keeps each table
# (log, users, servers, routes) locked for 10 s after a real command; in
# that time a fax mail from alice must become a job, get a server and be
# submitted, and a mail from a sender faxhub does not know must be answered
# through the outbox, all while the lock is still held.  Afterwards nothing
# is lost: every fax is sent exactly once and the log has its records.
#
# The check is "done while the lock is still held", not a timing: a loaded
# machine makes each step slower with and without the lock alike.  The
# seconds each round took are printed for comparison with a round without
# a lock.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

HOLD=10
hub_world
hub_setup
D=$TB_USER_DOMAIN
A=alice@$D
make_tiff "$T/doc.tif" 1
srv_free() {
	[ "$("$CTL" -c "$CONF" status | awk '$1 ~ /^fax[12]$/ && $2 == "up"' |
	    wc -l)" = 2 ]
}
have() { grep -q -- "$1" "$HUBLOG"; }
refusals() { grep -c "mail [^ ]*-refusal to dave@$D sent" "$HUBLOG"; }
# Every step of round NUM (fax number) done, and N answers to dave sent.
steps_done() {
	have "job .*$1 for" && have "job .*$1: server fax. chosen" &&
	    have "job .*$1: submitted to fax" && [ "$(refusals)" -ge "$2" ]
}

# The stall point holds the end of a broadcast in its disk I/O while
# $T/stall exists (the last round).
# The fail point fails the save of a job's end while $T/fail exists.
hub_start FAXHUB_STALLPOINT=ender-before-bcast-save FAXHUB_STALLFILE="$T/stall" \
    FAXHUB_FAILPOINT=job-end-save FAXHUB_FAILFILE="$T/fail"
ok "faxhubd logs in to IMAP and both fax servers" wait_until 30 sh -c \
    "grep -q 'imap: logged in' '$HUBLOG' &&
     grep -q 'server fax1: logged in' '$HUBLOG' &&
     grep -q 'server fax2: logged in' '$HUBLOG'"

# round NAME NUM LOCK [faxhubctl command...]: LOCK is the kind of lock the
# command holds (users, servers, routes: the writer lock; the log: faxhubd
# is its writer, so a reader shuts it out); without a command, the baseline.
k=0
round() {
	_rname=$1 _rnum=$2 _rlock=$3; shift 3
	k=$((k + 1))
	ok "$_rname: both fax servers free" wait_until 120 srv_free
	_rpid=
	if [ $# -gt 0 ]; then
		"$CTL" -D "$T/db" --hold $HOLD "$@" >"$T/hold.out" 2>"$T/hold.err" &
		_rpid=$!
		ok "$_rname: faxhubctl holds the table locked" wait_until 30 \
		    grep -q "$_rname.db: $_rlock lock held" "$T/hold.err"
	fi
	_rt0=$(date +%s)
	mail_fax "$A" "+$_rnum" "$T/doc.tif"
	POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "dave@$D" \
	    -t "+$_rnum@$TB_FAX_DOMAIN" -s "unknown $k" -m hi \
	    -a "$T/doc.tif:image/tiff:d.tif" -q
	_rheld=no
	while :; do
		# Steps first, then the lock: done before the check that
		# the holder is still there means done while it held.
		if steps_done "$_rnum" $k; then
			if [ -z "$_rpid" ] || kill -0 "$_rpid" 2>/dev/null; then
				_rheld=yes
			fi
			break
		fi
		if [ -n "$_rpid" ]; then
			kill -0 "$_rpid" 2>/dev/null || break
		elif [ $(($(date +%s) - _rt0)) -gt $((120 * PATIENCE)) ]; then
			break
		fi
		sleep 0.2
	done
	diag "$_rname: job, server, submission and answer after $(($(date +%s) - _rt0)) s"
	if [ -n "$_rpid" ]; then
		is "$_rname: all done while the lock was held" "$_rheld" yes
		wait "$_rpid"
		is "$_rname: faxhubctl's command succeeded" "$?" 0
	else
		is "baseline: all done" "$_rheld" yes
	fi
	ok "$_rname: the fax is sent" wait_until 240 sh -c \
	    "grep -q 'job .*$_rnum.*: sent' '$HUBLOG'"
	ok "$_rname: the report and the answer are delivered" wait_until 120 hub_settled
	}

round baseline 15555553001 -
round log 15555553002 reader log list
round users 15555553003 writer user set "carol@$D" --name carol
round servers 15555553004 writer server set fax2 --priority 20
round routes 15555553005 writer route add --called 5553999 "carol@$D"

# A slow disk under the end of a broadcast: the ender is stuck in the
# broadcast record's save of fax 6 (stall point) while the next mail must
# still become a job, get a server and be submitted, and a stranger's mail
# must still be answered: the end of a job holds no lock the rest needs.
stalled() { have "stall point ender-before-bcast-save: waiting"; }
going() { have "stall point ender-before-bcast-save: going on"; }
: >"$T/stall"
mail_fax "$A" "+15555553006" "$T/doc.tif"
ok "stall: the end of fax 6 is stuck in its broadcast save" \
    wait_until 300 stalled
ok "stall: faxhubctl status counts it as being reported" wait_until 30 sh -c \
    "'$CTL' -c '$CONF' status | grep -q ', [1-9][0-9]* of them being reported;'"
k=$((k + 1))
mail_fax "$A" "+15555553007" "$T/doc.tif"
POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "dave@$D" \
    -t "+15555553007@$TB_FAX_DOMAIN" -s "unknown $k" -m hi \
    -a "$T/doc.tif:image/tiff:d.tif" -q
ok "stall: job, server, submission and answer of the next mail" \
    wait_until 240 steps_done 15555553007 $k
is "stall: all that while the end of fax 6 was stuck" \
    "$(going && echo no || echo yes)" yes
rm -f "$T/stall"
ok "stall: the end of fax 6 goes on once the disk is back" wait_until 30 going
ok "stall: fax 7 is sent" wait_until 240 sh -c \
    "grep -q 'job .*15555553007.*: sent' '$HUBLOG'"
ok "stall: the reports and the answer are delivered" wait_until 120 hub_settled

# A disk that fails the save of a job's end: the server has sent fax 8,
# but its end is acted on (logged, reported) only once it is saved; until
# then each look at the server ends it again, and it is reported once.
notsaved() {	# at least N times: the end of fax 8 not saved
	[ "$(grep -c "job .*15555553008: its end (done) is not saved" \
	    "$HUBLOG")" -ge "$1" ]
}
reports() { grep -c -- "-report to alice@$D sent" "$HUBLOG"; }
before=$(reports)
: >"$T/fail"
mail_fax "$A" "+15555553008" "$T/doc.tif"
ok "fail: the end of fax 8 is not saved while the disk fails" \
    wait_until 300 notsaved 1
ok "fail: the server's next look ends it again" \
    wait_until 60 notsaved 2
is "fail: nothing is said of an end not saved" \
    "$(grep -c 'job .*15555553008.*: sent' "$HUBLOG")" 0
rm -f "$T/fail"
ok "fail: once the disk is back, fax 8 is sent" wait_until 60 sh -c \
    "grep -q 'job .*15555553008.*: sent' '$HUBLOG'"
ok "fail: its report is delivered" wait_until 120 hub_settled
is "fail: alice was sent one report for it" "$(reports)" $((before + 1))

# Nothing lost: each fax sent exactly once, each in the communication log.
for n in 1 2 3 4 5 6 7 8; do
	num=1555555300$n
	is "fax $num given to a server once per try" \
	    "$(grep -c "job .*$num: server fax. chosen" "$HUBLOG")" \
	    "$(fax_tries $num)"
	is "fax $num sent once" "$(grep -c "job .*$num.*: sent" "$HUBLOG")" 1
	ok "fax $num: the log has its done record" wait_until 30 sh -c \
	    "'$CTL' -D '$T/db' log list --direction out | grep -- '555300$n' | grep -q done"
done
is "dave was answered once per mail" "$(refusals)" 6
ok "the routes change is in" sh -c \
    "'$CTL' -D '$T/db' route list | grep -q 5553999"
done_testing
