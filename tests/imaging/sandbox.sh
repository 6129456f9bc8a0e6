#!/bin/sh
# sandbox.sh: a converter (src/sandbox.c) sees an empty environment, its
# own directory, no network and none of faxhub's files, runs as the
# converter user, dies at its timeout; a PostScript file that escapes
# -dSAFER still cannot read the tables or the password files.
. "$top_srcdir/tests/lib.sh"
S=$top_builddir/tests/imaging/fh-sandbox
[ "$(id -u)" = 0 ] || skip_all "needs root (the converter user switch)"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
command -v bwrap >/dev/null || skip_all "bubblewrap missing"

chmod 755 "$T"
mkdir "$T/db" "$T/etc" "$T/job"
echo 'users-table-secret' >"$T/db/users.db"
echo 'imap-password' >"$T/etc/imap.pw"
chmod 600 "$T/db/users.db" "$T/etc/imap.pw"
TMPDIR=$T/job; export TMPDIR
run() { "$S" nobody 10 "$@" 2>&1; }

like "it runs as the converter user" "$(run /usr/bin/id -u)" "65534*exit 0"
is "with an empty environment but PATH, HOME, TMPDIR, LANG (PWD: bwrap)" \
    "$(run /usr/bin/env | sed "s|$T/job/faxhub-conv.[A-Za-z0-9]*|JOB|g" | sort | tr '\n' ' ')" \
    "HOME=JOB LANG=C.UTF-8 PATH=/usr/bin:/bin PWD=JOB TMPDIR=JOB exit 0 "
like "its working directory is its own job directory" "$(run /bin/pwd)" "$T/job/faxhub-conv.*exit 0"
like "it cannot read the tables" "$(run /bin/cat "$T/db/users.db")" "*No such file*exit 1"
like "nor the password files" "$(run /bin/cat "$T/etc/imap.pw")" "*No such file*exit 1"
like "nor /etc" "$(run /bin/cat /etc/passwd)" "*No such file*exit 1"
like "it cannot write outside its directory" "$(run /usr/bin/touch /usr/x)" "*Read-only file system*exit 1"
like "it has no network but loopback" "$(run /bin/cat /proc/net/dev)" "*lo:*exit 0"
is "exactly" "$(run /bin/cat /proc/net/dev | grep -c ':')" 1
like "it writes in its directory" "$(run /bin/sh -c 'echo x >f && cat f')" "x*exit 0"
like "it dies at its timeout" "$("$S" nobody 1 /bin/sleep 30 2>&1)" "*timed out"
ok "and its job directory is gone" sh -c "! ls -d '$T'/job/faxhub-conv.* 2>/dev/null"

# A host where bubblewrap cannot run (a stand-in that fails as bwrap does
# without user namespaces, bound over it in a private mount namespace):
# one warning, and the converter still runs as the converter user.
if command -v unshare >/dev/null 2>&1; then
	printf '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n' >"$T/fakebwrap"
	chmod 755 "$T/fakebwrap"
	unshare --mount sh -c "mount --bind '$T/fakebwrap' /usr/bin/bwrap &&
	    '$S' nobody 10 /usr/bin/id -u" >"$T/nobw" 2>&1
	like "without bubblewrap: one clear warning" "$(cat "$T/nobw")" \
	    "*bubblewrap cannot run here (No permissions to create new namespace): converters run without a namespace sandbox*"
	is "only one" "$(grep -c 'bubblewrap cannot run' "$T/nobw")" 1
	like "and the converter still runs as the converter user" \
	    "$(cat "$T/nobw")" "*65534*exit 0"
fi

# A -dSAFER bypass, simulated with -dNOSAFER: the same PostScript that
# reads the table outside the sandbox finds no such file inside it.
steal="($T/db/users.db) (r) file 100 string readstring pop print flush"
like "outside the sandbox the PostScript reads the table" \
    "$(/usr/bin/gs -q -dNOSAFER -dBATCH -dNOPAUSE -sDEVICE=nullpage -c "$steal" 2>&1)" \
    "*users-table-secret*"
like "inside, Ghostscript without -dSAFER cannot read the tables" \
    "$(run /usr/bin/gs -q -dNOSAFER -dBATCH -dNOPAUSE -sDEVICE=nullpage -c "$steal")" \
    "*undefinedfilename*"
ok "and prints nothing of them" sh -c "! '$S' nobody 10 /usr/bin/gs -q -dNOSAFER -dBATCH -dNOPAUSE -sDEVICE=nullpage -c '$steal' 2>&1 | grep -q secret"

# faxhubd started as root: the spawner forked before the drop starts the
# converter as the converter user ("daemon" here), the daemon runs as
# nobody and is a member of the converter group.
if id daemon >/dev/null 2>&1; then
	chmod 777 "$T/job"
	like "through the spawner, as the converter user" \
	    "$("$S" -d nobody daemon 10 /usr/bin/id -u 2>&1)" "$(id -u daemon)*exit 0"
	like "through the spawner, the tables stay hidden" \
	    "$("$S" -d nobody daemon 10 /bin/cat "$T/db/users.db" 2>&1)" "*No such file*exit 1"
	like "through the spawner, the timeout kills it" \
	    "$("$S" -d nobody daemon 1 /bin/sleep 30 2>&1)" "*timed out"
	ok "and no job directory is left" sh -c "! ls -d '$T'/job/faxhub-conv.* 2>/dev/null"
	# Under systemd: started as nobody with CAP_SETUID and CAP_SETGID only.
	if command -v setpriv >/dev/null 2>&1; then
		caps() { setpriv --reuid=nobody --regid=nogroup \
		    --groups="$(id -g daemon)" --inh-caps=+setuid,+setgid \
		    --ambient-caps=+setuid,+setgid "$S" daemon 10 "$@" 2>&1; }
		like "with only CAP_SETUID/CAP_SETGID, as the converter user" \
		    "$(caps /usr/bin/id -u)" "$(id -u daemon)*exit 0"
		like "and the converter holds no capability" \
		    "$(caps /bin/grep CapEff /proc/self/status)" "*0000000000000000*exit 0"
	fi
	chmod 755 "$T/job"
fi
chmod 700 "$T"
done_testing
