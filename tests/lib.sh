# tests/lib.sh: TAP helpers for the shell tests.  Source it, then:
#   ok "name" cmd...         passes when cmd exits 0
#   fails "name" cmd...      passes when cmd exits non-zero
#   is "name" "$got" "$want"
#   like "name" "$got" 'glob'
#   wait_until SECS CMD...   polls CMD (a command or shell function) every
#                            0.5 s until it succeeds; 1 on timeout, after
#                            SECS times FAXHUB_TEST_PATIENCE (default 1):
#                            the bound is for a failure only, and CI runs
#                            three suites side by side on two cores
#   skip_all "reason"        (prints 1..0 # SKIP and exits 0)
#   done_testing             (prints the plan; exit status 1 on any failure)
#   before_plan CMD          runs CMD in done_testing before the plan, so it
#                            can still add results (e.g. stop a daemon, then
#                            check its log for sanitizer reports)
# Every test gets a private directory $T that is removed on exit; cleanup
# hooks registered with at_exit run first (trap), also when a test fails.
# KEEP_TEST_DIR=1 keeps $T; KEEP_TEST_DIR=failed only when a test failed.
# PATIENCE is FAXHUB_TEST_PATIENCE (default 1): a test's own polling loops
# multiply their bounds by it, as wait_until does.

PATIENCE=${FAXHUB_TEST_PATIENCE:-1}
case $PATIENCE in
''|*[!0-9]*|0)
	echo "Bail out! FAXHUB_TEST_PATIENCE must be a positive whole number"
	exit 1 ;;
esac
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
T=$(mktemp -d "${TMPDIR:-/tmp}/faxhub-test.XXXXXX")
_tap_n=0
_tap_failed=0
_exit_hooks=""
_plan_hooks=""

at_exit() { _exit_hooks="$1; $_exit_hooks"; }
_tap_cleanup() {
	eval "$_exit_hooks"
	case ${KEEP_TEST_DIR:-} in
	'') rm -rf "$T" ;;
	failed) [ "$_tap_failed" != 0 ] && echo "# kept: $T" || rm -rf "$T" ;;
	esac
}
trap _tap_cleanup EXIT
trap 'exit 130' INT TERM

_tap_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}
ok() { _n=$1; shift; "$@" >"$T/.out" 2>&1; _r=$?; _tap_result $((_r != 0)) "$_n"; [ $_r = 0 ] || sed 's/^/#   /' "$T/.out" | head -20; return 0; }
fails() { _n=$1; shift; "$@" >"$T/.out" 2>&1; _r=$?; _tap_result $((_r == 0)) "$_n"; return 0; }
is() {
	if [ "$2" = "$3" ]; then _tap_result 0 "$1"; else
		_tap_result 1 "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"; fi
}
like() {
	case "$2" in
	$3) _tap_result 0 "$1" ;;
	*) _tap_result 1 "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3" ;;
	esac
}
wait_until() {
	_t=$(($1 * PATIENCE)); shift
	_end=$(( $(date +%s) + _t ))
	while [ "$(date +%s)" -lt "$_end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { echo "# $*"; }
before_plan() { _plan_hooks="$_plan_hooks $1;"; }
done_testing() { eval "$_plan_hooks"; echo "1..$_tap_n"; [ "$_tap_failed" = 0 ]; }
