#!/bin/sh
# tests/demo/demo.sh: run the quick start demo (tools/demo) against the
# programs of this build, without apt and without building, and check that
# it tells the whole story and stops everything it started.  Also checks
# that the Postfix maps in conf/postfix accept what they should.
. "$top_srcdir/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root to run Dovecot, Postfix and HylaFAX"
for p in dovecot postfix postconf postmap faxq hfaxd iaxmodem python3 convert tiffcp; do
	command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] ||
	    skip_all "$p not installed (run tools/deps.sh)"
done
[ -x "$top_builddir/faxhubd" ] && [ -x "$top_builddir/faxhubctl" ] ||
    skip_all "faxhubd/faxhubctl not built"

# The Postfix maps: any local part of the fax domain, nothing else.
# pq MAP KEY prints "RESULT rc=N" (postmap -q: rc 0 found, 1 not found).
P=$top_srcdir/conf/postfix
PATH=$PATH:/usr/sbin
mkdir -p "$T/pf"
echo "compatibility_level = 3.6" >"$T/pf/main.cf"
pq() {
	_o=$(postmap -c "$T/pf" -q "$2" "regexp:$P/$1" 2>&1)
	_r=$?
	printf '%s rc=%s' "$_o" "$_r"
}
for a in +81755551234 0755551234 FAX=+81-75-555-1234 'x.y#z'; do
	is "faxhub_vmailbox accepts $a" \
	    "$(pq faxhub_vmailbox "$a@fax.example.com")" "OK rc=0"
	is "faxhub_transport routes $a to the faxhub transport" \
	    "$(pq faxhub_transport "$a@fax.example.com")" "faxhub: rc=0"
	is "faxhub_maildir files $a into the gateway Maildir" \
	    "$(pq faxhub_maildir "$a@fax.example.com")" \
	    "fax.example.com/fax/Maildir/ rc=0"
done
is "faxhub_vmailbox refuses another domain" \
    "$(pq faxhub_vmailbox "+81755551234@example.com")" " rc=1"
is "faxhub_vmailbox refuses a look-alike domain" \
    "$(pq faxhub_vmailbox "+81755551234@fax.example.com.evil")" " rc=1"
is "faxhub_transport leaves other domains alone" \
    "$(pq faxhub_transport "bob@example.com")" " rc=1"
is "faxhub_maildir leaves other domains alone" \
    "$(pq faxhub_maildir "bob@example.com")" " rc=1"
is "faxhub_authres prepends an RFC 8601 header" \
    "$(pq faxhub_authres alice@example.com)" \
    "PREPEND Authentication-Results: mx.example.com; auth=pass smtp.auth=alice@example.com (CHANGE-ME-SECRET) rc=0"
is "faxhub_header_checks drops a forged Authentication-Results" \
    "$(pq faxhub_header_checks 'Authentication-Results: mx.example.com; auth=pass smtp.auth=bob@example.com')" \
    "IGNORE rc=0"
is "faxhub_header_checks drops one copied from a user's mail, token and all" \
    "$(pq faxhub_header_checks 'Authentication-Results : mx.example.com; auth=pass smtp.auth=alice@example.com (CHANGE-ME-SECRET)')" \
    "IGNORE rc=0"
is "faxhub_submission_checks drop the client's own header" \
    "$(pq faxhub_submission_checks 'Authentication-Results: mx.example.com; auth=pass smtp.auth=bob@example.com')" \
    "IGNORE rc=0"
is "faxhub_submission_checks keep the MTA's own" \
    "$(pq faxhub_submission_checks 'Authentication-Results: mx.example.com; auth=pass smtp.auth=bob@example.com (CHANGE-ME-SECRET)')" \
    " rc=1"
is "faxhub_outbound_checks cut the token out on delivery" \
    "$(pq faxhub_outbound_checks 'Authentication-Results: mx.example.com; auth=pass smtp.auth=alice@example.com (CHANGE-ME-SECRET)')" \
    "REPLACE Authentication-Results: mx.example.com; auth=pass smtp.auth=alice@example.com rc=0"
is "faxhub_header_checks leaves other headers alone" \
    "$(pq faxhub_header_checks 'Subject: Authentication-Results')" " rc=1"

# main.cf and master.cf together: Postfix knows every parameter (the
# recipient limit belongs to the faxhub service), and the service is
# virtual(8) filing each copy into the gateway Maildir (Delivered-To and
# the null sender kept, tests/world/mail.sh), its settings its own.
mkdir -p "$T/pfr"
{ echo "compatibility_level = 3.6"; cat "$P/main.cf"; } >"$T/pfr/main.cf"
cp "$P/master.cf" "$T/pfr/master.cf"
is "main.cf and master.cf: postconf knows every parameter" \
    "$(postconf -c "$T/pfr" -n 2>&1 | grep -ci 'warning')" 0
like "master.cf: the faxhub transport" \
    "$(postconf -c "$T/pfr" -M faxhub/unix 2>&1)" \
    "faxhub *unix *- *n *n *- *- *virtual -o virtual_mailbox_base=/var/vmail -o virtual_mailbox_maps=regexp:/etc/postfix/faxhub_maildir -o virtual_uid_maps=static:5000 -o virtual_gid_maps=static:5000 -o virtual_mailbox_limit=0"
is "main.cf: one recipient per copy" \
    "$(postconf -c "$T/pfr" -h faxhub_destination_recipient_limit 2>&1)" 1
ok "the alternative's dovecot-lda is Dovecot's" test -x /usr/lib/dovecot/dovecot-lda

# The demo itself.
t0=$(date +%s)
sh "$top_srcdir/tools/demo" --no-install --build-dir "$top_builddir" \
    --dir "$T/demo" >"$T/out" 2>&1
rc=$?
t1=$(date +%s)
is "tools/demo exits 0" "$rc" 0
diag "the demo took $((t1 - t0)) s"
# Two minutes on a machine of its own; CI's side-by-side suites stretch it
# (FAXHUB_TEST_PATIENCE, tests/lib.sh).
ok "it takes under two minutes" \
    test $((t1 - t0)) -lt $((120 * PATIENCE))
out=$(cat "$T/out")
for n in 1 2 3 4 5 6 7; do
	ok "step $n is announced" grep -q "^==> Step $n of 7: " "$T/out"
done
like "it names the world's peers" "$out" "*Dovecot*Postfix*HylaFAX*"
like "tables are made with faxhubctl, commands shown" "$out" \
    "*\$ faxhubctl -D * init*user add alice@example.test*--password-stdin*server add fax1*--priority 10*server add fax2*--priority 20*route add --called*route add --default*"
like "server list shows fax1 before fax2" "$out" "*server list*fax1*10*fax2*20*"
like "route test picks bob for the called number" "$out" \
    "*route test --called 15555559001*rule 1: bob@example.test*"
like "faxhubctl status shows both servers" "$out" "*status*fax1*up*fax2*up*"
like "the log shows the mail taken and the job made" "$out" \
    "*taken into the spool*: job * for +15555559001*"
like "fax1 is chosen and the job submitted" "$out" \
    "*server fax1 chosen*submitted to fax1 as job*"
like "the fax is sent" "$out" "*+15555559001: sent*"
like "fax2 receives it" "$out" "*received fax fax2-*taken into the spool*"
like "it is routed to bob" "$out" "*mail to bob@example.test queued (rule 1)*"
like "alice's report is sent" "$out" "*to alice@example.test sent*"
like "alice's report is shown, decoded" "$out" \
    "*X-Faxhub-Status: ok*Your fax to +15555559001 was sent.*"
like "bob's mail carries the PDF" "$out" \
    "*fax.pdf (application/pdf, * bytes, saved as $T/demo/mail/fax.pdf)*"
ok "the PDF is kept and has two pages" sh -c \
    "pdfinfo '$T/demo/mail/fax.pdf' | grep -q '^Pages: *2\$'"
like "faxhubctl log list shows both directions" "$out" \
    "*log list*out*alice@example.test*done*in*bob@example.test*delivered*"
like "faxhubd stops cleanly" "$out" "*faxhubd stopped*"
like "the world stops" "$out" "*world: stopped*"
like "it ends with where to look and how to run it again" "$out" \
    "*Where to look:*Run it again:*sh tools/demo*"
if [ -f "$T/demo/world/env" ]; then
	. "$T/demo/world/env"
	fails "no faxhubd is left" pgrep -f "faxhubd -d -c $T/demo/faxhub.conf"
	fails "no world daemon is left" pgrep -f "$T/demo/world"
	for t in "$TB_HFAX1_OUT_TTY" "$TB_HFAX1_IN_TTY" "$TB_HFAX2_OUT_TTY" \
	    "$TB_HFAX2_IN_TTY"; do
		fails "/etc/iaxmodem/$t is removed" test -e "/etc/iaxmodem/$t"
	done
fi
if [ "$_tap_failed" != 0 ]; then
	sed 's/^/# /' "$T/out" | tail -80
	"$top_srcdir/tests/testbed/world" stop "$T/demo/world" >/dev/null 2>&1
fi
done_testing
