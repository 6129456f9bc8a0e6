# lib-conv.sh: for the tests that make a converter loop, run out of memory
# or die: the documents that do it and the converters' processes.  Sourced
# after tests/lib.sh.  A converter's job directory is under $TMPDIR (its
# HOME), so a test that points TMPDIR into its own directory finds the
# converters it started, and only those.

# conv_docs DIR: loop.ps (loops for ever: the wall-clock limit) and
# mem.ps (allocates until Ghostscript's address-space limit).
conv_docs() {
	printf '%%!PS\n{} loop\n' >"$1/loop.ps"
	printf '%%!PS\n/a 1000 array def\n0 1 999 { a exch 10000000 string put } for\nshowpage\n' \
	    >"$1/mem.ps"
}

# conv_pids COMM DIR: the processes named COMM whose HOME is a job
# directory under DIR.
conv_pids() {
	for _p in $(pgrep -x "$1"); do
		tr '\0' '\n' <"/proc/$_p/environ" 2>/dev/null |
		    grep -q "^HOME=$2/faxhub-conv\." && echo "$_p"
	done
}
conv_running() { [ -n "$(conv_pids "$1" "$2")" ]; }

# conv_kill SIGNAL COMM DIR: waits (60 s at most) for such a process and
# sends it SIGNAL; prints the pids.
conv_kill() {
	wait_until 60 conv_running "$2" "$3" || return 1
	_pids=$(conv_pids "$2" "$3")
	kill -s "$1" $_pids && echo $_pids
}
