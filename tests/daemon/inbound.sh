#!/bin/sh
# Inbound on the real loopback world: faxes received by either HylaFAX
# server are routed by the distribution table (called number, sender CSID,
# caller-number prefix, default rule, two recipients) and mailed as PDF,
# TIFF or both; the PDF passes qpdf --check and renders.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world
hub_setup
D=$TB_USER_DOMAIN
"$CTL" -D "$T/db" user add "dave@$D" --name dave >/dev/null
ok "carol wants TIFF" "$CTL" -D "$T/db" user set "carol@$D" --format tiff
ok "alice wants both" "$CTL" -D "$T/db" user set "alice@$D" --format both
ok "rule: called number" "$CTL" -D "$T/db" route add --called 5550201 "bob@$D"
ok "rule: CSID prefix" "$CTL" -D "$T/db" route add --csid "TB2*" --called 5550202 "carol@$D"
ok "rule: caller prefix" "$CTL" -D "$T/db" route add --caller "21255501*" --called 5550203 "alice@$D"
ok "rule: two recipients" "$CTL" -D "$T/db" route add --called 5550204 "bob@$D" "carol@$D"
ok "default rule" "$CTL" -D "$T/db" route add --default "dave@$D"
like "route test gives the daemon's answer" \
    "$("$CTL" -D "$T/db" route test --called 5550202 --csid 'TB2 +1 212 555 0102' --caller 2125550102)" \
    "*carol@$D*"
make_tiff "$T/doc.tif" 1
hub_start
ok "faxhubd up" wait_until 30 sh -c "grep -q 'server fax2: logged in' '$HUBLOG'"

# fax1 sends to fax2 (CSID TB1...), fax2 sends to fax1 (CSID TB2...), both
# directions at once.
for n in 5550201 5550204; do
	"$TB/tb-sendfax" -d "$W" -s 2 -n "$n" "$T/doc.tif" >/dev/null ||
	    echo "# tb-sendfax to fax2 $n failed"
done
for n in 5550202 5550203 5550299; do
	"$TB/tb-sendfax" -d "$W" -s 1 -n "$n" "$T/doc.tif" >/dev/null ||
	    echo "# tb-sendfax to fax1 $n failed"
done
ok "bob gets the called-number fax and the two-recipient fax" wait_until 240 mbox_has bob 2
ok "carol gets the CSID fax and the two-recipient fax" wait_until 240 mbox_has carol 2
ok "alice gets the caller-prefix fax" wait_until 240 mbox_has alice 1
ok "dave gets the default-rule fax" wait_until 240 mbox_has dave 1
# A received fax leaves the server's queue only once all its mails are out.
ok "no received fax left on either server" wait_until 120 sh -c \
    "! '$TB/tb-hylafax' -d '$W' -s 1 recvq | grep -q tif &&
     ! '$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"
ok "every mail faxhubd wrote is delivered" wait_until 60 hub_settled
is "bob: exactly two" "$(mbox_count bob)" 2
is "carol: exactly two" "$(mbox_count carol)" 2
is "alice: exactly one" "$(mbox_count alice)" 1
is "dave: exactly one" "$(mbox_count dave)" 1

mbox_fetch bob 1 "$T/bob1.eml"
ok "bob's fax is a PDF" grep -qi 'application/pdf' "$T/bob1.eml"
ok "no TIFF for a PDF user" sh -c "! grep -qi 'image/tiff' '$T/bob1.eml'"
like "the mail names the sender's CSID" "$(cat "$T/bob1.eml")" "*TB1*"
like "auto-generated" "$(grep -i '^Auto-Submitted' "$T/bob1.eml")" "*auto-generated*"
python3 - "$T/bob1.eml" "$T/fax.pdf" <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
for p in m.walk():
    if p.get_content_type() == 'application/pdf':
        open(sys.argv[2], 'wb').write(p.get_payload(decode=True))
PY
ok "the PDF passes qpdf --check" qpdf --check "$T/fax.pdf"
ok "the PDF renders" sh -c "pdftoppm -r 50 -png -f 1 -l 1 '$T/fax.pdf' '$T/pg' && ls '$T'/pg*.png"
mbox_fetch carol 1 "$T/carol1.eml"
mbox_fetch carol 2 "$T/carol2.eml"
ok "carol's faxes are TIFF" sh -c "grep -qi 'image/tiff' '$T/carol1.eml' && grep -qi 'image/tiff' '$T/carol2.eml'"
mbox_fetch alice 1 "$T/alice1.eml"
ok "alice's fax has PDF and TIFF" sh -c "grep -qi 'application/pdf' '$T/alice1.eml' && grep -qi 'image/tiff' '$T/alice1.eml'"
ok "a preview image comes along" grep -qi 'image/png' "$T/alice1.eml"
"$CTL" -D "$T/db" log list --direction in >"$T/log.txt"
is "one inbound log record per delivery" "$(grep -c delivered "$T/log.txt")" 6
ok "received faxes are removed from the servers after delivery" wait_until 30 sh -c \
    "! '$TB/tb-hylafax' -d '$W' -s 1 recvq | grep -q tif && ! '$TB/tb-hylafax' -d '$W' -s 2 recvq | grep -q tif"
done_testing
