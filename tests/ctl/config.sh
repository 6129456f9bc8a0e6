#!/bin/sh
# tests/ctl/config.sh: faxhubctl check-config, the sample config, -c and
# $FAXHUB_CONF.
. "$top_srcdir/tests/lib.sh"
C="$top_builddir/faxhubctl"

mkdir -p "$T/etc"
printf 's3cret\n' >"$T/etc/imap.pw"; chmod 600 "$T/etc/imap.pw"
printf 's3cret\n' >"$T/etc/smtp.pw"; chmod 600 "$T/etc/smtp.pw"
sed -e "s|/etc/faxhub/|$T/etc/|g" -e "s|/var/lib/faxhub|$T/tables|" \
    "$top_srcdir/conf/faxhub.conf" >"$T/faxhub.conf"
is "sample config passes" "$("$C" check-config "$T/faxhub.conf" 2>&1)" "$T/faxhub.conf: OK"
ok "-c is used" "$C" -c "$T/faxhub.conf" check-config
ok "FAXHUB_CONF is used" env FAXHUB_CONF="$T/faxhub.conf" "$C" check-config
ok "table dir from the config" "$C" -c "$T/faxhub.conf" init
ok "table created there" test -f "$T/tables/users.db"

chmod 644 "$T/etc/imap.pw"
like "world-readable password file" "$("$C" check-config "$T/faxhub.conf" 2>&1)" "*$T/etc/imap.pw: readable by group or others (mode 0644); chmod 600 $T/etc/imap.pw*"
"$C" check-config "$T/faxhub.conf" >/dev/null 2>&1; is "exit 1" "$?" 1
chmod 600 "$T/etc/imap.pw"
rm "$T/etc/smtp.pw"
like "missing password file" "$("$C" check-config "$T/faxhub.conf" 2>&1)" "*$T/etc/smtp.pw: No such file*"
printf 's3cret\n' >"$T/etc/smtp.pw"; chmod 600 "$T/etc/smtp.pw"

printf 'imap.hots = x\n' >"$T/bad.conf"
like "unknown key" "$("$C" check-config "$T/bad.conf" 2>&1)" "*$T/bad.conf:1: unknown key \"imap.hots\"*"
grep -v '^imap.host' "$T/faxhub.conf" >"$T/bad2.conf"
like "missing required key" "$("$C" check-config "$T/bad2.conf" 2>&1)" "*$T/bad2.conf: missing required key imap.host*"
sed 's/^imap.tls.*/imap.tls = sometimes/' "$T/faxhub.conf" >"$T/bad3.conf"
like "bad value" "$("$C" check-config "$T/bad3.conf" 2>&1)" '*imap.tls: bad value "sometimes": want none, starttls or tls*'
like "missing file" "$("$C" check-config "$T/none.conf" 2>&1)" "*$T/none.conf: No such file*"
like "table command without -D or config" "$(FAXHUB_CONF="$T/none.conf" "$C" user list 2>&1)" '*give the table directory with -D*'

# Help and version, as an admin types them.
for h in --help -h; do
	"$C" $h >"$T/help" 2>&1
	is "$h exits 0" "$?" 0
	like "$h lists the commands" "$(cat "$T/help")" "usage: faxhubctl*user add*log list*"
done
like "help COMMAND shows its usage and options" "$("$C" help user add)" \
    "usage: faxhubctl user add ID*options:*--allow VALUE*--password-stdin*add a user*"
like "help takes prefixes" "$("$C" help ro te)" "usage: faxhubctl route test*--called VALUE*"
"$C" help no such >/dev/null 2>&1
is "help for an unknown command is a usage error" "$?" 2
like "--version names the version" "$("$C" --version)" "faxhubctl [0-9]*.[0-9]*"
"$C" --bogus >/dev/null 2>&1
is "an unknown option is a usage error" "$?" 2
done_testing
