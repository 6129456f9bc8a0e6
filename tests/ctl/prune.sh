#!/bin/sh
# tests/ctl/prune.sh: faxhubctl prune [--dry-run] on a spool and log as a
# site has them: the dry run lists what would go and changes nothing, the
# prune removes the ended work, old log records and delivered fax images,
# puts the pruned ids into the seen index, and leaves live work alone.
# (tests/unit/tst_retention.c covers every rule case by case.)
. "$top_srcdir/tests/lib.sh"
C="$top_builddir/faxhubctl"
FAB="$top_builddir/tests/bench/fh-logfab"
[ -x "$FAB" ] || skip_all "fh-logfab not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 missing"

mkdir -p "$T/etc"
printf 's3cret\n' >"$T/etc/imap.pw"; chmod 600 "$T/etc/imap.pw"
printf 's3cret\n' >"$T/etc/smtp.pw"; chmod 600 "$T/etc/smtp.pw"
sed -e "s|/etc/faxhub/|$T/etc/|g" -e "s|/var/lib/faxhub|$T/tables|" \
    -e "s|^spool_dir *=.*|spool_dir = $T/spool|" \
    "$top_srcdir/conf/faxhub.conf" >"$T/faxhub.conf"
fx() { "$C" -c "$T/faxhub.conf" "$@"; }
S=$T/spool
mkdir -p "$S/mail" "$S/bcast" "$S/jobs" "$S/docs" "$S/in" "$S/outbox" \
    "$S/sent" "$S/tmp" "$T/tables"
now=$(date +%s)
old=$((now - 40 * 86400))
stamp() { touch -d "@$1" "$2"; }

# An ended broadcast from 40 days ago, and one still waiting for its fax.
printf 'v=1\nid=jA\nbroadcast=bA\nstate=done\nended=%s\n' $old >"$S/jobs/jA"
printf 'v=1\nid=bA\nmailkey=7-1\njobs=jA\nmsgid=<a@x>\nreported=1\nmoved=1\ncreated=%s\n' \
    $old >"$S/bcast/bA"
: >"$S/docs/bA.tif"; : >"$S/mail/7-1.eml"; : >"$S/mail/7-1.state"
printf 'v=1\nid=jB\nbroadcast=bB\nstate=queued\n' >"$S/jobs/jB"
printf 'v=1\nid=bB\nmailkey=7-2\njobs=jB\nmsgid=<b@x>\ncreated=%s\n' \
    $old >"$S/bcast/bB"
: >"$S/docs/bB.tif"; : >"$S/mail/7-2.eml"; : >"$S/mail/7-2.state"
: >"$S/sent/o1"; stamp $old "$S/sent/o1"
: >"$S/sent/o2"
printf 'state=removed\n' >"$S/in/fax1-x-1.meta"; : >"$S/in/fax1-x-1.tif"
printf 'state=routed\n' >"$S/in/fax1-y-2.meta"; : >"$S/in/fax1-y-2.tif"
# 2,000 log records over the last 10 years: those older than six go.
"$FAB" "$T/tables" 2000 3650 "$now"

fx prune --dry-run >"$T/dry" 2>&1
is "dry run exit" "$?" 0
like "dry run names the broadcast" "$(cat "$T/dry")" "*broadcast	bA*"
like "and its job" "$(cat "$T/dry")" "*job	jA*"
like "and the image" "$(cat "$T/dry")" "*image	fax1-x-1*"
like "summary" "$(tail -1 "$T/dry")" "would prune: 1 broadcast(s), 1 job(s), 1 mail(s), 1 sent tombstone(s), 1 fax image(s), *log record(s), 0 seen id(s)"
nlog=$(grep -c '^log	' "$T/dry")
ok "about 4 years of log records would go" test "$nlog" -gt 750 -a "$nlog" -lt 850
ok "nothing changed" test -f "$S/bcast/bA" -a -f "$S/in/fax1-x-1.tif" -a ! -e "$S/seen.db"
is "log untouched" "$(fx log list | wc -l | tr -d ' ')" 2000

fx prune >"$T/real" 2>&1
is "prune exit" "$?" 0
is "prune removes what the dry run listed" "$(sed '$d' "$T/real")" "$(sed '$d' "$T/dry")"
ok "the ended broadcast is gone" test ! -e "$S/bcast/bA" -a ! -e "$S/jobs/jA" -a ! -e "$S/docs/bA.tif" -a ! -e "$S/mail/7-1.eml" -a ! -e "$S/mail/7-1.state"
ok "the live one stays" test -f "$S/bcast/bB" -a -f "$S/jobs/jB" -a -f "$S/docs/bB.tif" -a -f "$S/mail/7-2.eml"
ok "old tombstone gone, new one kept" test ! -e "$S/sent/o1" -a -f "$S/sent/o2"
ok "delivered image gone, its meta kept" test ! -e "$S/in/fax1-x-1.tif" -a -f "$S/in/fax1-x-1.meta"
ok "undelivered fax kept" test -f "$S/in/fax1-y-2.tif"
is "log keeps six years" "$(fx log list | wc -l | tr -d ' ')" $((2000 - nlog))
oldest=$(fx log list | head -1 | cut -f3)
ok "oldest record younger than six years" python3 -c "
import datetime, sys
d = datetime.datetime.strptime('$oldest', '%Y-%m-%d %H:%M:%S')
sys.exit(0 if (datetime.datetime.now() - d).days <= 2192 else 1)"
# gdbm keeps keys as they are: the ids can be read in the file.
ok "pruned ids in the seen index" sh -c "for k in bA jA 7-1 sent/o1; do grep -aq \"\$k\" '$S/seen.db' || exit 1; done"
is "second prune finds nothing" "$(fx prune)" "pruned: 0 broadcast(s), 0 job(s), 0 mail(s), 0 sent tombstone(s), 0 fax image(s), 0 log record(s), 0 seen id(s)"

# The due list (spool.h): the walk above noted what stays (the young
# tombstone), so a prune now reads that list, not the records.
ok "the spool is indexed" test -f "$S/due/.indexed"
ok "the young tombstone is on the due list" sh -c "cat '$S'/due/[0-9]* | grep -qx 'sent o2'"
: >"$S/sent/o3"; stamp $old "$S/sent/o3"
like "a record nobody noted is not looked at" "$(fx prune | tail -1)" "pruned: *0 sent tombstone(s)*"
like "--rescan finds it" "$(fx prune --rescan | tail -1)" "pruned: *1 sent tombstone(s)*"
ok "and it is gone" test ! -e "$S/sent/o3"

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	rm -rf "$S/due"
	chown -R nobody "$S"
	fx prune >/dev/null 2>&1
	is "root's prune leaves the due list to the spool's owner" \
	    "$(find "$S/due" ! -user nobody | wc -l | tr -d ' ')" 0
	rm -rf "$S/due"
	mkdir "$T/elsewhere"
	ln -s "$T/elsewhere" "$S/due"
	fails "a due/ planted as a link is refused" fx prune
	fx prune >"$T/planted" 2>&1
	like "naming it" "$(cat "$T/planted")" "*$S/due*"
	is "and nothing is written through it" "$(ls -A "$T/elsewhere" | wc -l | tr -d ' ')" 0
else
	diag "not root: ownership and planted links not checked"
fi

done_testing
