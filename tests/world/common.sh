# tests/world/common.sh: shared set-up for the acceptance tests of the
# loopback world.  Sourced after tests/lib.sh; needs root and the packages.
TB=$top_srcdir/tests/testbed

world_skip_unless_ready() {	# commands the test needs...
	[ "$(id -u)" = 0 ] || skip_all "needs root (starts Dovecot, Postfix, HylaFAX)"
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
		    skip_all "$c not installed (run tools/deps.sh)"
	done
}

# Start a world in $T/w; stop it on exit.  Sets W and sources W/env.
world_start() {
	W=$T/w
	at_exit "$TB/world stop '$W' >/dev/null 2>&1"
	"$TB/world" start "$W" >"$T/start.out" 2>&1
	_r=$?
	sed 's/^/# /' "$T/start.out"
	[ $_r = 0 ] || return 1
	# shellcheck disable=SC1091
	. "$W/env"
}

# Process groups of every daemon the world started (from its status).
world_pgids() {
	"$TB/world" status "$W" | awk 'NR > 1 && $2 ~ /^[0-9]+$/ { print $2 }'
}

# Prints live (non-zombie) processes left in the given process groups.
left_in_groups() {
	ps -eo pgid=,pid=,stat=,args= | awk -v gs="$*" '
	    BEGIN { n = split(gs, g, " "); for (i = 1; i <= n; i++) want[g[i]] = 1 }
	    ($1 in want) && $3 !~ /^Z/ { print }'
}
