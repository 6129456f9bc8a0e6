# tests/daemon/lib-hub.sh: run faxhubd against the real loopback world.
# Source after tests/lib.sh.  Provides:
#   hub_world [nofax]   start the world under $T/w (stopped on exit)
#   hub_setup           faxhub.conf, password files, tables (users, servers)
#   hub_start [ENV...]  start faxhubd -d in the background (stopped on exit)
#   hub_kill9 / hub_stop
#   mbox_count USER [FOLDER], gw_count FOLDER, hub_log_has PATTERN
#   hub_settled, mta_idle, hub_tables_loads, fax_tries
#   make_tiff FILE [PAGES]

W=$T/w
CTL=$top_builddir/faxhubctl
HUBD=$top_builddir/faxhubd
TB=$top_srcdir/tests/testbed
CONF=$T/faxhub.conf
HUBLOG=$T/faxhubd.log
: "${HUB_DEBUG:=}"

hub_require() {
	[ "$(id -u)" = 0 ] || skip_all "needs root to run Dovecot, Postfix and HylaFAX"
	for p in dovecot postfix faxq hfaxd iaxmodem python3 convert; do
		command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] ||
		    skip_all "$p not installed (run tools/deps.sh)"
	done
	[ -x "$HUBD" ] && [ -x "$CTL" ] || skip_all "faxhubd/faxhubctl not built"
}

_hub_world_stop() { "$TB/world" stop "$W" >>"$T/world.log" 2>&1; }

hub_world() {
	if [ "${1:-}" = nofax ]; then
		TB_NO_FAX=1 "$TB/world" start "$W" >"$T/world.log" 2>&1
	else
		"$TB/world" start "$W" >"$T/world.log" 2>&1
	fi
	_r=$?
	at_exit _hub_world_stop
	at_exit _hub_cleanup
	if [ $_r != 0 ]; then
		sed 's/^/# /' "$T/world.log" | tail -30
		echo "Bail out! the loopback world did not start"
		exit 1
	fi
	# shellcheck disable=SC1091
	. "$W/env"
	export TB_DIR=$W
}

secret() { umask 077; printf '%s\n' "$2" >"$1"; }

# hub_setup [extra config lines...]
hub_setup() {
	mkdir -p "$T/secrets"
	secret "$T/secrets/imap" "$TB_GATEWAY_PASS"
	secret "$T/secrets/smtp" "$TB_FAXHUB_SMTP_PASS"
	secret "$T/secrets/admin" "register-admin-pw"
	for i in 1 2; do
		eval "secret \"\$T/secrets/hfax$i\" \"\$TB_HFAX${i}_PASS\""
		eval "secret \"\$T/secrets/hfax$i.admin\" \"\$TB_HFAX${i}_ADMIN_PASS\""
	done
	cat >"$CONF" <<EOC
instance = test
daemon.user = root
spool_dir = $T/spool
table_dir = $T/db
log.level = debug
imap.host = 127.0.0.1
imap.port = $TB_IMAP_PORT
imap.tls = none
imap.user = $TB_GATEWAY_USER
imap.password_file = $T/secrets/imap
imap.poll_interval = 5s
imap.timeout = 10s
smtp.host = 127.0.0.1
smtp.port = $TB_SMTP_PORT
smtp.tls = none
smtp.sender = fax@$TB_FAX_DOMAIN
smtp.from = fax@$TB_FAX_DOMAIN
smtp.timeout = 10s
postmaster = dave@$TB_USER_DOMAIN
fax.domains = $TB_FAX_DOMAIN
auth.modes = address
auth.trust_from_header = yes
auth.silent_unknown = no
auth.register_address = register@$TB_FAX_DOMAIN
auth.admin_password_file = $T/secrets/admin
dial.country_code = 1
dial.area_code = 555
dial.international_prefix = 011
dial.national_prefix = 1
dispatch.poll_interval = 2s
dispatch.retry_delay = 10s
dispatch.server_timeout = 10s
dispatch.server_retry = 5s
inbound.poll_interval = 3s
EOC
	for l in "$@"; do
		k=${l%% =*}
		grep -v "^$k =" "$CONF" >"$CONF.new"; mv "$CONF.new" "$CONF"
		echo "$l" >>"$CONF"
	done
	"$CTL" -D "$T/db" init >/dev/null || { echo "Bail out! faxhubctl init"; exit 1; }
	for u in alice bob carol; do
		"$CTL" -D "$T/db" user add "$u@$TB_USER_DOMAIN" --name "$u" \
		    >/dev/null || { echo "Bail out! user add $u"; exit 1; }
	done
	if [ -n "${TB_HFAX1_PORT:-}" ]; then
		for i in 1 2; do
			eval "port=\$TB_HFAX${i}_PORT user=\$TB_HFAX${i}_USER"
			"$CTL" -D "$T/db" server add "fax$i" --host 127.0.0.1 \
			    --port "$port" --priority "$((i * 10))" \
			    --account "$user" --password-file "$T/secrets/hfax$i" \
			    --admin-password-file "$T/secrets/hfax$i.admin" \
			    --lines 1 >/dev/null ||
			    { echo "Bail out! server add fax$i"; exit 1; }
		done
	fi
}

hub_start() {
	env "$@" "$HUBD" -d -c "$CONF" >>"$HUBLOG" 2>&1 &
	HUBPID=$!
	echo "$HUBPID" >"$T/hub.pid"
}

hub_stop() {
	[ -s "$T/hub.pid" ] || return 0
	_p=$(cat "$T/hub.pid")
	kill -TERM "$_p" 2>/dev/null
	for _i in $(seq 1 60); do
		kill -0 "$_p" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	rm -f "$T/hub.pid"
}

# Waits for a daemon that killed itself at a crash point.
hub_wait_dead() {
	_p=$(cat "$T/hub.pid" 2>/dev/null) || return 1
	for _i in $(seq 1 $((${1:-240} * PATIENCE))); do
		kill -0 "$_p" 2>/dev/null || { wait "$_p" 2>/dev/null; rm -f "$T/hub.pid"; return 0; }
		sleep 0.5
	done
	return 1
}

hub_kill9() {
	[ -s "$T/hub.pid" ] || return 0
	kill -KILL "$(cat "$T/hub.pid")" 2>/dev/null
	wait "$(cat "$T/hub.pid")" 2>/dev/null
	rm -f "$T/hub.pid"
}

# A sanitizer report in faxhubd's log (ThreadSanitizer in the --enable-tsan
# build; ASan/UBSan abort the daemon anyway) fails the test.  The daemon is
# stopped first so that reports from its shutdown count too.
_hub_sanitizer_check() {
	hub_stop
	[ -f "$HUBLOG" ] || return 0
	if grep -qE '^(WARNING|ERROR): (ThreadSanitizer|AddressSanitizer|LeakSanitizer)|runtime error:' "$HUBLOG"; then
		_tap_result 1 "faxhubd's log has no sanitizer report"
		grep -A30 -E '^(WARNING|ERROR): (ThreadSanitizer|AddressSanitizer|LeakSanitizer)|runtime error:' \
		    "$HUBLOG" | head -80 | sed 's/^/#   /'
	fi
}
before_plan _hub_sanitizer_check

_hub_cleanup() {
	hub_stop
	if [ -n "$HUB_DEBUG" ] || [ "$_tap_failed" != 0 ]; then
		# The peers' complaints, then faxhubd's last words: a mail that
		# never came shows as a deferral or an error here.
		echo "# --- Postfix: deferred, bounced, warnings (tail)"
		grep -E 'status=(deferred|bounced)|warning:|error:|fatal:|panic:' \
		    "$W/log/postfix.log" 2>/dev/null | tail -15 | cut -c1-300 |
		    sed 's/^/# /'
		echo "# --- Dovecot: errors (tail)"
		grep -E 'Error:|Fatal:|Panic:|Warning:' "$W/log/dovecot.log" \
		    2>/dev/null | tail -15 | cut -c1-300 | sed 's/^/# /'
		echo "# --- faxhubd log (tail)"
		tail -60 "$HUBLOG" 2>/dev/null | sed 's/^/# /'
	fi
}

mbox_count() { "$TB/tb-fetch" -d "$W" -u "$1" --count ${2:+-F "$2"} 2>/dev/null; }
mbox_has() { [ "$(mbox_count "$1" "${3:-}")" -ge "$2" ] 2>/dev/null; }
gw_count() { mbox_count fax "$1"; }
hub_log_has() { grep -q -- "$1" "$HUBLOG"; }
# fax_tries NUMBER (E.164 without +): the tries faxhubd gave the fax, 1
# plus each the line broke (tried again; no double submission).
fax_tries() { echo $((1 + $(grep -c "to +$1: try [0-9]* failed" "$HUBLOG"))); }
# hub_settled: a status snapshot shows no job waiting, in flight or being
# reported and an empty outbox, then Postfix's queue is empty: every mail
# faxhubd wrote is in its mailbox.  A job's report is queued before its end
# stops counting as being reported (the status lists the outbox after the
# jobs), and the outbox removes a mail only once Postfix has taken it.
hub_settled() {
	"$CTL" -c "$CONF" status | grep -q \
	    'jobs: 0 queued, 0 submitting, 0 on a server, .*, 0 of them being reported; 0 mail(s) in the outbox' &&
	    mta_idle
}
# mta_idle: Postfix holds no mail (all delivered to the mailboxes).
mta_idle() {
	postqueue -c "$TB_POSTFIX_CONF" -p 2>/dev/null | grep -q 'Mail queue is empty'
}
# hub_tables_loads: how often faxhubd has loaded the tables so far.
hub_tables_loads() { grep -c 'tables loaded:' "$HUBLOG"; }
# Writes message K of USER's FOLDER (default INBOX) to FILE.
mbox_fetch() { "$TB/tb-fetch" -d "$W" -u "$1" --fetch "$2" ${4:+-F "$4"} -o "$3"; }

# hub_hold STATE: both servers' OUT modems to STATE (faxstate: busy keeps
# submitted jobs waiting on the servers, nothing is dialled; ready frees).
hub_hold() {
	for _i in 1 2; do
		eval "_spool=\$TB_HFAX${_i}_SPOOL _tty=\$TB_HFAX${_i}_OUT_TTY"
		/usr/lib/hylafax/bin/faxstate -q "$_spool" -s "$1" "$_tty" ||
		    return 1
	done
}

make_tiff() {
	_pages=${2:-1}
	_args=""
	for _p in $(seq 1 "$_pages"); do
		convert -size 1728x2200 xc:white -fill black -pointsize 90 \
		    -draw "text 150,300 'faxhub test page $_p'" \
		    -draw "rectangle 150,500 1500,560" \
		    -compress Group4 -density 204x196 -units PixelsPerInch \
		    "$T/page$_p.tif" || return 1
		_args="$_args $T/page$_p.tif"
	done
	# shellcheck disable=SC2086
	tiffcp $_args "$1"
}

# mail_fax FROM NUMBER TIFF [tb-mail args...]
mail_fax() {
	_from=$1 _num=$2 _tif=$3; shift 3
	POSIXLY_CORRECT=1 "$TB/tb-mail" -d "$W" -f "$_from" \
	    -t "$_num@$TB_FAX_DOMAIN" -s "test fax to $_num" -m "please fax" \
	    -a "$_tif:image/tiff:doc.tif" "$@" -q
}

hub_require
