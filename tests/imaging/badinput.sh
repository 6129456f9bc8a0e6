#!/bin/sh
# badinput.sh: every bad input of issue 4 is refused with exit status 1,
# its own message for the sender, and no output file left behind.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/imaging/lib-imaging.sh"
command -v python3 >/dev/null || skip_all "python3 missing"

cd "$T" || exit 1
# Hand-made little-endian TIFF headers: one IFD of LONG/SHORT entries.
rawtiff() {
	python3 - "$@" <<'PY'
import struct, sys
out, ifd, entries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
b = b"II*\0" + struct.pack("<I", ifd)
if ifd:
    b += struct.pack("<H", len(entries))
    for e in entries:
        tag, typ, val = (int(x) for x in e.split(":"))
        b += struct.pack("<HHII", tag, typ, 1, val)
    b += struct.pack("<I", 0)
open(out, "wb").write(b + b"\0" * 200)
PY
}
printf 'Dear sir, this is not an image\n' > letter.txt
"$IM" -size 1000x1400 gradient: +noise Random -colorspace Gray \
	-density 150 -compress lzw grey.tif
head -c 200000 grey.tif > truncated.tif
rawtiff zero.tif 0
rawtiff bomb.tif 8 256:4:100000 257:4:100000 258:3:1 259:3:1 262:3:0 \
	273:4:300 279:4:10
rawtiff bits3.tif 8 256:4:100 257:4:100 258:3:3 259:3:1 262:3:1 \
	273:4:300 279:4:10
rawtiff ojpeg.tif 8 256:4:100 257:4:100 258:3:8 259:3:6 262:3:1 \
	273:4:300 279:4:10
"$IM" -size 1728x100 xc:white -density 204x196 -units PixelsPerInch \
	-monochrome -compress group4 small.tif
set --
i=0; while [ $i -lt 501 ]; do set -- "$@" small.tif; i=$((i + 1)); done
tiffcp "$@" many.tif
if command -v gs >/dev/null && command -v qpdf >/dev/null; then
	printf '%%!PS\n/Helvetica findfont 20 scalefont setfont\n' > d.ps
	printf '72 700 moveto (page one) show showpage\n' >> d.ps
	printf '72 700 moveto (page two) show showpage\n' >> d.ps
	gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile=d.pdf d.ps
	sz=$(wc -c < d.pdf)
	head -c $((sz / 3)) d.pdf > broken.pdf
	qpdf --encrypt "" owner 256 -- d.pdf encrypted.pdf
	pdfs="broken.pdf encrypted.pdf"
else
	pdfs=
fi

refused() {	# refused FILE 'message glob'
	"$F" convert -o out.tif "$1" >out.txt 2>err.txt
	is "$1: refused with status 1" "$?" 1
	like "$1: says why" "$(cat err.txt)" "$2"
	ok "$1: no output left" test ! -e out.tif
	ok "$1: no temp file left" sh -c '! ls out.tif.* 2>/dev/null | grep -q .'
}
refused letter.txt "*letter.txt: not a TIFF, JPEG, PNG, GIF, BMP, WebP or HEIC image, PDF, PostScript or Office document*"
refused truncated.tif "*truncated.tif*corrupt*"
refused zero.tif "*zero.tif: the TIFF image has no pages*"
refused bomb.tif "*bomb.tif: page 1: 100000x100000 pixels is more than the limit*"
refused bits3.tif "*bits3.tif: page 1: 3-bit samples are not supported*"
refused ojpeg.tif "*ojpeg.tif: page 1: old-style JPEG compression is not supported*"
refused many.tif "*many.tif: more than 500 pages*"
for p in $pdfs; do
	case $p in
	broken.pdf) refused broken.pdf "*broken.pdf: broken PDF*" ;;
	encrypted.pdf) refused encrypted.pdf "*encrypted.pdf: the PDF is password-protected: send it without a password*" ;;
	esac
done
# A good file after a bad one: the whole job is refused, nothing written.
refused_pair() {
	rm -f out.tif
	"$F" convert -o out.tif grey.tif zero.tif >/dev/null 2>err.txt
	is "good+bad: refused" "$?" 1
	ok "good+bad: no output" test ! -e out.tif
}
refused_pair
done_testing
