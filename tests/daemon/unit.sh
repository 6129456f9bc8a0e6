#!/bin/sh
# unit.sh: conf/faxhubd.service stays "OK" (at most 3.0) in
# systemd-analyze security, runs as faxhub, and the sysusers file creates
# the users it names.
. "$top_srcdir/tests/lib.sh"
U=$top_srcdir/conf/faxhubd.service
command -v systemd-analyze >/dev/null || skip_all "systemd-analyze missing"
cp "$U" "$T/faxhubd.service"
systemd-analyze security --offline=yes "$T/faxhubd.service" >"$T/sec" 2>&1 ||
    { sed 's/^/# /' "$T/sec"; }
score=$(sed -n 's/.*Overall exposure level for faxhubd.service: \([0-9.]*\).*/\1/p' "$T/sec")
ok "systemd-analyze rates the unit" test -n "$score"
ok "at most 3.0 ($score)" awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }'
like "it runs as faxhub" "$(grep '^User=' "$U")" "User=faxhub"
like "with a runtime directory" "$(grep '^RuntimeDirectory=' "$U")" "RuntimeDirectory=faxhub"
like "and a state directory" "$(grep '^StateDirectory=' "$U")" "StateDirectory=faxhub"
like "sysusers creates faxhub" "$(cat "$top_srcdir/conf/faxhub.sysusers")" "*u faxhub *"
like "and the converter user" "$(cat "$top_srcdir/conf/faxhub.sysusers")" "*u faxhub-conv *m faxhub faxhub-conv*"
done_testing
