# lib-imaging.sh: shared by the imaging shell tests.  Sourced after
# tests/lib.sh; sets F (the fh-image driver: faxhubctl's convert/topdf
# handlers), IM (ImageMagick's convert) and TC (HylaFAX's tiffcheck), and
# skips the test when one of the Debian tools it needs is missing.
F=$top_builddir/tests/imaging/fh-image
IM=/usr/bin/convert
TC=/usr/lib/hylafax/bin/tiffcheck
[ -x "$F" ] || skip_all "fh-image not built"
[ -x "$IM" ] || skip_all "ImageMagick missing (apt-get install imagemagick)"
[ -x "$TC" ] || skip_all "tiffcheck missing (apt-get install hylafax-client)"
command -v tiffcp >/dev/null || skip_all "libtiff-tools missing"
command -v tiffsplit >/dev/null || skip_all "libtiff-tools missing"

# pages_ok FILE TIFFCHECK-ARGS...: every page of FILE passes tiffcheck.
pages_ok() {
	_f=$1; shift
	rm -rf "$T/split"; mkdir "$T/split"
	tiffsplit "$_f" "$T/split/p" || return 1
	for _p in "$T"/split/p*.tif; do
		_r=$("$TC" "$@" "$_p" | head -1)
		[ "$_r" = OK ] || { echo "$_p: $_r"; "$TC" "$@" "$_p"; return 1; }
	done
}

# npages FILE: the number of pages of a TIFF.
npages() { tiffinfo "$1" 2>/dev/null | grep -c '^=== TIFF directory'; }
