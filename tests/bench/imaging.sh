#!/bin/sh
# imaging.sh (make bench): faxhub's normaliser against ImageMagick
# (`convert ... -monochrome -compress group4`) and Ghostscript on the same
# generated inputs, side by side: wall time, peak RSS and the ratios.
# Targets from issue 4: >= 10x faster than ImageMagick on the colour A4
# page, peak RSS <= 16 MiB, 200 pages in the same RSS as one, PDF export
# >= 100 pages/s.  It prints figures; it never fails on timing.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
F=$top_builddir/tests/imaging/fh-image
IM=/usr/bin/convert
TIME=/usr/bin/time
for x in "$F" "$IM" "$TIME" /usr/bin/gs /usr/bin/tiffcp /usr/bin/tiff2pdf; do
	[ -x "$x" ] || { echo "imaging bench: $x missing, skipped"; exit 0; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/faxhub-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
cd "$T" || exit 1

echo "imaging bench: generating inputs in $T ..."
# Colour A4 at 300 dpi: paper tone, text lines and a photo.
"$IM" -size 2480x3508 xc:'#f4f1ea' \
	\( -size 1400x1000 plasma:tan-steelblue -blur 0x2 \) \
	-geometry +540+1900 -composite -fill '#202020' \
	-draw 'rectangle 200,200 2280,260' -draw 'rectangle 200,400 1800,430' \
	-draw 'rectangle 200,480 2000,510' -draw 'rectangle 200,560 1700,590' \
	-pointsize 48 -annotate +200+800 'Quarterly report: figures attached' \
	-density 300 -units PixelsPerInch -depth 8 -compress lzw colour.tif 2>/dev/null
"$IM" colour.tif -resize 1654x2339 -colorspace Gray -density 200 \
	-units PixelsPerInch -compress lzw grey200.tif
"$IM" colour.tif -monochrome -compress group4 bw300.tif
"$IM" colour.tif -resize 1687x2291! -extent 1728x2291 -monochrome \
	-density 204x196 -units PixelsPerInch -compress group4 fax.tif
set --
i=0; while [ $i -lt 200 ]; do set -- "$@" bw300.tif; i=$((i + 1)); done
tiffcp "$@" doc200.tif
"$IM" colour.tif -alpha off -compress lzw colour-rgb.tif
tiff2pdf -j -q 85 -o colour.pdf colour-rgb.tif 2>/dev/null

# measure NAME CMD...: sets S (seconds) and M (peak RSS, MiB).
measure() {
	"$TIME" -f '%e %M' -o tm.txt "$@" >/dev/null 2>err.txt ||
	    { echo "($* failed: $(head -c 200 err.txt))" >&2; }
	S=$(tail -1 tm.txt | cut -d' ' -f1)
	M=$(tail -1 tm.txt | awk '{ printf "%.1f", $2 / 1024 }')
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

printf '\n%-26s %16s %16s %9s %9s\n' input "faxhub s / MiB" \
	"ImageMagick" "speed" "memory"
for f in colour grey200 bw300 fax doc200; do
	measure "$F" convert -o fh-$f.tif $f.tif
	fs=$S fm=$M
	measure "$IM" $f.tif -resize '1728x2291>' -density 204x196 \
		-units PixelsPerInch -monochrome -compress group4 im-$f.tif
	printf '%-26s %8s / %5s %8s / %5s %9s %9s\n' "$f.tif" "$fs" "$fm" \
		"$S" "$M" "$(ratio "$S" "$fs")" "$(ratio "$M" "$fm")"
	eval "rss_$f=$fm"
done

printf '\n%-26s %16s %16s %9s\n' "PDF input" "faxhub s / MiB" \
	"gs tiffg4" "speed"
measure "$F" convert -o fh-pdf.tif colour.pdf
fs=$S fm=$M
measure /usr/bin/gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=tiffg4 \
	-r204x196 -sOutputFile=gs.tif colour.pdf
printf '%-26s %8s / %5s %8s / %5s %9s\n' colour.pdf "$fs" "$fm" "$S" "$M" \
	"$(ratio "$S" "$fs")"
echo "(faxhub's figure includes its own Ghostscript child, rendering grey)"

measure "$F" topdf fh-doc200.tif doc200.pdf
pps=$(awk -v s="$S" 'BEGIN { if (s > 0) printf "%.0f", 200 / s; else print ">2000" }')
printf '\nPDF export of 200 fax pages: %s s, %s MiB, %s pages/s\n' "$S" "$M" "$pps"

echo
echo "targets (issue 4):"
echo "  colour A4 >= 10x faster than ImageMagick   see 'speed' of colour.tif"
echo "  peak RSS <= 16 MiB                         colour $rss_colour MiB, 200 pages $rss_doc200 MiB"
echo "  200 pages in the same RSS as one page      bw300 $rss_bw300 MiB vs doc200 $rss_doc200 MiB"
echo "  PDF export >= 100 pages/s                  $pps pages/s"
exit 0
