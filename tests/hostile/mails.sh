#!/bin/sh
# Hostile mail against a running faxhubd (mail-only world): gen.py writes
# crafted raw messages (malformed MIME, header bombs, zip-bomb-like and
# broken TIFFs, forged and automatic senders, shell metacharacters and CRLF
# in numbers, subjects, names and file names, over-long lines), each is sent
# byte for byte.  Then: faxhubd is alive, every mail left the INBOX for a
# faxhub folder, every mail that deserves an answer got exactly one and no
# null or automatic sender got any, no answer carries a header injected by
# the input, and the log shows no fatal error and no sanitizer report.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/daemon/lib-hub.sh"

hub_world nofax
hub_setup "limits.message_size = 4M"
hub_start
ok "faxhubd logs in to IMAP" wait_until 20 hub_log_has "imap: logged in"

mkdir -p "$T/m"
n=$(python3 "$top_srcdir/tests/hostile/gen.py" "$T/m" "$TB_USER_DOMAIN" \
    "$TB_FAX_DOMAIN")
ok "generator wrote at least 50 crafted mails ($n)" [ "${n:-0}" -ge 50 ]

# Send each one raw; a mail Postfix refuses at SMTP time never reaches the
# gateway and owes no answer (it is left out of the checks and named).
: >"$T/sent"
tab=$(printf '\t')
while IFS=$tab read -r f env rcpt exp mid; do
	[ "$env" = "<>" ] && env=""
	if POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$env" -t "$rcpt" \
	    -r "$T/m/$f" -q >"$T/tbmail.out" 2>&1; then
		printf '%s\t%s\t%s\n' "$f" "$exp" "$mid" >>"$T/sent"
	else
		diag "Postfix refused $f: $(head -c 200 "$T/tbmail.out")"
	fi
done <"$T/m/manifest"
sent=$(wc -l <"$T/sent")
ok "Postfix took at least 50 of them ($sent of $n)" [ "$sent" -ge 50 ]

filed() {	# mails in the gateway's faxhub folders
	_s=0
	for _f in faxhub.failed faxhub.done faxhub.processing; do
		_c=$(gw_count "$_f") || _c=0
		_s=$((_s + ${_c:-0}))
	done
	echo "$_s"
}
ok "every mail left the gateway INBOX for a faxhub folder" wait_until 75 \
    sh -c "[ \"\$(\"$TB/tb-fetch\" -d \"$W\" -u fax --count)\" = 0 ] &&
    [ \$(\"$TB/tb-fetch\" -d \"$W\" -u fax --count -F faxhub.failed) -gt 0 ]"
ok "faxhub folders hold at least every mail sent" \
    [ "$(filed)" -ge "$sent" ]
want=$(awk -F"$tab" '$2 == "one"' "$T/sent" | wc -l)
ok "alice has at least the $want refusals owed" wait_until 45 \
    mbox_has alice "$want"
sleep 3		# answers still on their way would show up as duplicates
is "the gateway INBOX is empty" "$(gw_count INBOX)" 0


# Every answer any mailbox got, by In-Reply-To.
for u in alice bob carol dave; do
	mkdir -p "$T/got/$u"
	"$TB/tb-fetch" -d "$W" -u "$u" --fetch-all "$T/got/$u" >/dev/null 2>&1
done
python3 - "$T/sent" "$T/got" >"$T/answers" <<'PY'
import os, re, sys
sent, got = sys.argv[1], sys.argv[2]
count, inject = {}, []
for u in sorted(os.listdir(got)):
    for fn in sorted(os.listdir(os.path.join(got, u))):
        raw = open(os.path.join(got, u, fn), "rb").read()
        head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
        lines = re.split(rb"\r?\n", head)
        irt = b""
        for i, l in enumerate(lines):
            if l.lower().startswith(b"in-reply-to:"):
                irt = l[12:].strip()
            if re.match(rb"(?i)(bcc|to|cc|x-injected)\s*:.*injected", l):
                inject.append("%s/%s: %r" % (u, fn, l[:100]))
        if irt:
            key = irt.decode("ascii", "replace")
            count.setdefault(key, []).append(u)
for line in open(sent):
    f, exp, mid = line.rstrip("\n").split("\t")
    who = count.get(mid, [])
    print("%s\t%s\t%d\t%s" % (f, exp, len(who), ",".join(who)))
for i in inject:
    print("INJECT\t" + i)
PY

while IFS=$tab read -r f exp c who; do
	case $exp in
	one)	is "$f: exactly one answer, to alice" "$c:$who" "1:alice" ;;
	owed)	# msg_parse() refused the mail as a whole; intake reads the
		# header alone to answer the sender.
		is "$f: exactly one answer, to alice" "$c:$who" "1:alice" ;;
	none)	is "$f: no answer to a null or automatic sender" "$c" 0 ;;
	any)	ok "$f: at most one answer ($c)" [ "$c" -le 1 ] ;;
	INJECT)	;;
	esac
done <"$T/answers"
is "no answer carries a header injected by the input" \
    "$(grep -c '^INJECT' "$T/answers")" 0
grep '^INJECT' "$T/answers" | head -5 | sed 's/^/# /'

ok "faxhubd is alive after all of it" kill -0 "$(cat "$T/hub.pid")"
fails "faxhubd logged nothing fatal" grep -qi "fatal" "$HUBLOG"
fails "no AddressSanitizer report" grep -q "AddressSanitizer" "$HUBLOG"
fails "no UndefinedBehaviorSanitizer report" grep -q "runtime error" "$HUBLOG"
hub_stop
fails "faxhubd stopped cleanly, no leak report" grep -q \
    "LeakSanitizer\|SUMMARY:" "$HUBLOG"
done_testing
