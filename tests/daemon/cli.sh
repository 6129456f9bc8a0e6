#!/bin/sh
# faxhubd as an administrator runs it: -n checks a configuration, a daemon
# writes its pid file and removes it on SIGTERM, SIGHUP reloads a changed
# configuration (a broken one is refused and the old one kept), and work in
# flight survives.  No peers needed: the IMAP and SMTP ports are closed.
. "$top_srcdir/tests/lib.sh"
HUBD=$top_builddir/faxhubd
CTL=$top_builddir/faxhubctl
umask 077
printf 'secret\n' >"$T/pw"
port=$((20000 + $$ % 20000))
cat >"$T/faxhub.conf" <<EOC
instance = clitest
daemon.user = root
daemon.pid_file = $T/faxhubd.pid
spool_dir = $T/spool
table_dir = $T/db
imap.host = 127.0.0.1
imap.port = $port
imap.tls = none
imap.user = fax
imap.password_file = $T/pw
smtp.host = 127.0.0.1
smtp.port = $port
smtp.tls = none
smtp.sender = fax@fax.test
smtp.from = fax@fax.test
postmaster = postmaster@example.test
fax.domains = fax.test
dial.country_code = 81
EOC
"$CTL" -D "$T/db" init >/dev/null

ok "faxhubd -n accepts a good configuration" "$HUBD" -n -c "$T/faxhub.conf"
like "and says so" "$("$HUBD" -n -c "$T/faxhub.conf")" "*: OK"
sed 's/^imap.tls = none/imap.tls = sometimes/' "$T/faxhub.conf" >"$T/bad.conf"
"$HUBD" -n -c "$T/bad.conf" 2>"$T/err"; rc=$?
is "a bad value exits 1" "$rc" 1
like "and names file, line and value" "$(cat "$T/err")" "*bad.conf:*sometimes*"
sed 's/^smtp.tls = none/smtp.tls = tls/' "$T/faxhub.conf" >"$T/smtps.conf"
"$HUBD" -n -c "$T/smtps.conf" 2>"$T/err"; rc=$?
is "smtp.tls = tls is refused at start-up" "$rc" 1
like "with file, line and what to write" "$(cat "$T/err")" "*smtps.conf:13: smtp.tls = tls:*write smtp.tls = starttls*"
sed 's/^imap.host = .*/imap.host = imap.example.test/' "$T/faxhub.conf" >"$T/clear.conf"
"$HUBD" -n -c "$T/clear.conf" 2>"$T/err"; rc=$?
is "IMAP LOGIN in clear off loopback is refused" "$rc" 1
like "naming imap.allow_plaintext" "$(cat "$T/err")" "*clear.conf:8: imap.tls = none*imap.allow_plaintext = yes*"
echo "imap.allow_plaintext = yes" >>"$T/clear.conf"
ok "unless explicitly allowed" "$HUBD" -n -c "$T/clear.conf"
chmod 644 "$T/pw"
"$HUBD" -n -c "$T/faxhub.conf" 2>"$T/err"; rc=$?
is "a world-readable password file is refused" "$rc" 1
like "with a clear message" "$(cat "$T/err")" "*readable by group or others*"
chmod 600 "$T/pw"
"$HUBD" -x 2>/dev/null; is "a bad option is a usage error" "$?" 2

# Daemon mode: pid file, status file, SIGTERM.
ok "faxhubd starts as a daemon" "$HUBD" -c "$T/faxhub.conf"
ok "it writes its pid file" wait_until 10 test -s "$T/faxhubd.pid"
pid=$(cat "$T/faxhubd.pid" 2>/dev/null)
at_exit "kill -9 $pid 2>/dev/null"
ok "the pid is a running faxhubd" sh -c "kill -0 $pid"
# One instance per spool: a second one refuses at once, naming the first.
"$HUBD" -c "$T/faxhub.conf" 2>"$T/err2"; rc=$?
is "a second faxhubd on the same spool exits 1" "$rc" 1
like "naming the pid that holds the spool" "$(cat "$T/err2")" "*in use by faxhubd pid $pid*"
"$HUBD" -d -c "$T/faxhub.conf" 2>"$T/err2"; rc=$?
is "in the foreground too" "$rc" 1
ok "and the first one still runs" sh -c "kill -0 $pid"
is "the pid file still names it" "$(cat "$T/faxhubd.pid")" "$pid"
ok "faxhubctl status reads its state" wait_until 10 sh -c \
    "'$CTL' -c '$T/faxhub.conf' status | grep -q 'imap: down'"
kill -TERM "$pid"
ok "SIGTERM stops it" wait_until 15 sh -c "! kill -0 $pid 2>/dev/null"
ok "and removes the pid file" test ! -e "$T/faxhubd.pid"

# Started as root with daemon.user = nobody: it runs as nobody and can
# still write its spool and tables.
if id nobody >/dev/null 2>&1; then
	chmod 755 "$T"
	sed 's/^daemon.user = root/daemon.user = nobody/' "$T/faxhub.conf" >"$T/nobody.conf"
	sed -i "s|^spool_dir = .*|spool_dir = $T/spool2|; s|^table_dir = .*|table_dir = $T/db2|; s|^daemon.pid_file = .*|daemon.pid_file = $T/nobody.pid|" "$T/nobody.conf"
	chmod 644 "$T/nobody.conf"
	# Links the daemon account could plant in its spool: root must
	# chown neither their targets nor a second name of a root file.
	mkdir -p "$T/spool2/mail" "$T/victimdir"
	echo keep >"$T/victim"
	echo keep >"$T/victimdir/f"
	echo keep >"$T/victim2"
	ln -s "$T/victim" "$T/spool2/mail/planted"
	ln -s "$T/victimdir" "$T/spool2/planteddir"
	ln "$T/victim2" "$T/spool2/mail/hardlink"
	"$HUBD" -d -c "$T/nobody.conf" >"$T/nobody.log" 2>&1 &
	npid=$!
	at_exit "kill -9 $npid 2>/dev/null"
	ok "faxhubd started as root runs as nobody" wait_until 10 sh -c \
	    "[ \"\$(ps -o user= -p $npid)\" = nobody ]"
	ok "and writes its status file as nobody" wait_until 10 sh -c \
	    "[ \"\$(stat -c %U '$T/spool2/status' 2>/dev/null)\" = nobody ]"
	ok "the spool's directories are nobody's" sh -c \
	    "[ \"\$(stat -c %U '$T/spool2/jobs')\" = nobody ] && [ \"\$(stat -c %U '$T/db2')\" = nobody ]"
	ok "root followed no planted link" sh -c \
	    "[ \"\$(stat -c %U '$T/victim' '$T/victimdir' '$T/victimdir/f' '$T/victim2' | tr -d '\n')\" = rootrootrootroot ]"
	kill -TERM "$npid"
	ok "and stops cleanly" wait_until 15 grep -q "faxhubd stopped" "$T/nobody.log"
	wait "$npid" 2>/dev/null
	chmod 700 "$T"
fi

# Foreground, SIGHUP.
"$HUBD" -d -c "$T/faxhub.conf" >"$T/log" 2>&1 &
pid=$!
at_exit "kill -9 $pid 2>/dev/null"
ok "foreground faxhubd starts" wait_until 10 grep -q "faxhubd started" "$T/log"
kill -HUP "$pid"
ok "SIGHUP with the same configuration reloads the tables" wait_until 10 \
    grep -q "SIGHUP: reloading tables" "$T/log"
cp "$T/faxhub.conf" "$T/good.conf"
sed 's/^imap.tls = none/imap.tls = sometimes/' "$T/good.conf" >"$T/faxhub.conf"
kill -HUP "$pid"
ok "a broken configuration is refused on SIGHUP" wait_until 10 \
    grep -q "keeping the running configuration" "$T/log"
ok "and faxhubd keeps running" sh -c "kill -0 $pid"
cp "$T/good.conf" "$T/faxhub.conf"
echo "log.level = debug" >>"$T/faxhub.conf"
kill -HUP "$pid"
ok "a changed good configuration restarts faxhubd" wait_until 15 \
    grep -q "changed; restarting" "$T/log"
ok "with the same pid" wait_until 15 sh -c \
    "[ \$(grep -c 'faxhubd started' '$T/log') = 2 ] && kill -0 $pid"
ok "and the new settings (debug logging)" wait_until 10 grep -q "imap:" "$T/log"
"$HUBD" -d -c "$T/faxhub.conf" 2>"$T/err2"; rc=$?
is "the restarted faxhubd still holds the spool" "$rc" 1
like "under the same pid" "$(cat "$T/err2")" "*in use by faxhubd pid $pid*"
kill -TERM "$pid"
ok "SIGTERM stops it cleanly" wait_until 15 grep -q "faxhubd stopped" "$T/log"
wait "$pid" 2>/dev/null
done_testing
