#!/bin/sh
# The man pages are valid mdoc: mandoc -T lint shows no warning, and each
# documents every faxhubctl command the program knows.
. "$top_srcdir/tests/lib.sh"
command -v mandoc >/dev/null 2>&1 || skip_all "mandoc not installed (run tools/deps.sh)"
for m in faxhubd.8 faxhubctl.8 faxhub.conf.5; do
	ok "$m: mandoc lint clean" sh -c \
	    "out=\$(mandoc -T lint -W warning '$top_srcdir/man/$m' 2>&1); [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
done
page=$(mandoc -T ascii "$top_srcdir/man/faxhubctl.8" | col -b)
"$top_builddir/faxhubctl" help 2>&1 | sed -n 's/^  \([a-z][a-z-]*\( [a-z]*\)\{0,1\}\) .*/\1/p' |
    sort -u >"$T/cmds"
while read -r cmd; do
	like "faxhubctl(8) documents '$cmd'" "$page" "*$cmd*"
done <"$T/cmds"
conf=$(mandoc -T ascii "$top_srcdir/man/faxhub.conf.5" | col -b)
for k in imap.host smtp.tls fax.domains auth.modes dial.barred \
    dispatch.max_tries inbound.remove limits.message_size; do
	like "faxhub.conf(5) documents $k" "$conf" "*$k*"
done
done_testing
