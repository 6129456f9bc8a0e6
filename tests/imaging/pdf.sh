#!/bin/sh
# pdf.sh: PDF and PostScript input through Ghostscript, and the way back:
# fax TIFF -> PDF (CCITT data as is) passes qpdf --check and pdftoppm
# renders every page identical to the TIFF page; the PNG preview.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/imaging/lib-imaging.sh"
command -v gs >/dev/null || skip_all "ghostscript missing"
command -v qpdf >/dev/null || skip_all "qpdf missing"
command -v pdftoppm >/dev/null || skip_all "poppler-utils missing"

cd "$T" || exit 1
cat > doc.ps <<'PS'
%!PS
/Helvetica findfont 24 scalefont setfont
72 720 moveto (Page one of a fax) show
0.5 setgray 72 300 200 200 rectfill showpage
0 setgray 72 720 moveto (Page two) show showpage
PS
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile=doc.pdf doc.ps
"$IM" -size 1240x1754 gradient: -fill black -draw 'rectangle 100,100 900,160' \
	-density 150 -units PixelsPerInch -compress lzw scan.tif

ok "PostScript input" "$F" convert -o ps.tif doc.ps
is "PostScript: 2 pages" "$(npages ps.tif)" 2
ok "PostScript: tiffcheck" pages_ok ps.tif -3 -r 196
ok "PDF input" "$F" convert -o pdf.tif doc.pdf
is "PDF: 2 pages" "$(npages pdf.tif)" 2
ok "PDF: tiffcheck" pages_ok pdf.tif -3 -r 196
ok "PDF, G3 normal Letter" "$F" convert --g3 --normal --letter -o l.tif doc.pdf
ok "PDF, G3 normal Letter: tiffcheck" pages_ok l.tif -2 -r 98 -l 279

# roundtrip OPTS VRES: convert, export, render back, compare every page.
roundtrip() {
	_opts=$1; _vres=$2
	"$F" convert $_opts --pdf rt.pdf --preview rt.png -o rt.tif \
		scan.tif doc.pdf >/dev/null || return 1
	qpdf --check rt.pdf >/dev/null || { echo "qpdf --check failed"; return 1; }
	rm -f rt-*.pbm
	pdftoppm -mono -rx 204 -ry "$_vres" rt.pdf rt || return 1
	_n=$(npages rt.tif)
	_i=0
	for _p in rt-*.pbm; do
		"$IM" "rt.tif[$_i]" pbm:tif.pbm || return 1
		"$IM" "$_p" pbm:pdf.pbm || return 1
		cmp -s tif.pbm pdf.pbm || { echo "page $_i differs"; return 1; }
		_i=$((_i + 1))
	done
	[ "$_i" = "$_n" ] || { echo "$_i pages rendered, $_n in TIFF"; return 1; }
}
ok "TIFF G4 -> PDF -> pdftoppm: identical pages" roundtrip "" 196
ok "TIFF G3 2-D -> PDF -> pdftoppm: identical pages" roundtrip --g3 196
ok "TIFF G3 normal -> PDF -> pdftoppm: identical pages" \
	roundtrip "--g3 --normal" 98
like "PDF embeds CCITT data as is" "$(grep -a -c CCITTFaxDecode rt.pdf)" "3"
like "preview is a PNG" "$(head -c 4 rt.png | od -An -c | tr -d ' ')" "*PNG*"

out=$("$F" topdf rt.tif again.pdf)
like "topdf says what it did" "$out" "again.pdf: PDF, 3 pages from rt.tif*"
ok "topdf: qpdf --check" qpdf --check again.pdf
fails "topdf of a non-TIFF" "$F" topdf doc.ps x.pdf
ok "topdf of a non-TIFF: nothing left" test ! -e x.pdf
"$F" topdf rt.tif 2>/dev/null
is "topdf usage: status 2" "$?" 2
done_testing
