#!/bin/sh
# tools/build.sh: configure (once) and build faxhub in a build directory.
#   FAXHUB_BUILD      build directory (default: build)
#   FAXHUB_CONFIGURE  extra ./configure flags
# Prints the build directory's absolute path on success.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${FAXHUB_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
cd "$top" || exit 1
if [ ! -x configure ] || [ configure.ac -nt configure ] ||
    [ -n "$(find . -name '*.am' -newer configure 2>/dev/null | head -1)" ]; then
	autoreconf -fi >/dev/null 2>&1 ||
	    { autoreconf -fi; echo "tools/build.sh: autoreconf failed" >&2; exit 1; }
fi
mkdir -p "$build" && cd "$build" || exit 1
if [ ! -f Makefile ]; then
	# shellcheck disable=SC2086
	"$top/configure" ${FAXHUB_CONFIGURE:-} >configure.out 2>&1 ||
	    { cat configure.out; echo "tools/build.sh: configure failed" >&2; exit 1; }
fi
make -j"$(nproc)" >make.out 2>&1 ||
    { tail -60 make.out; echo "tools/build.sh: build failed" >&2; exit 1; }
make -j"$(nproc)" check TESTS= >>make.out 2>&1 ||
    { tail -60 make.out; echo "tools/build.sh: building the tests failed" >&2; exit 1; }
echo "$build"
