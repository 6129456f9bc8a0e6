#!/bin/sh
# imaging.sh (make bench): faxhub's page pipeline against its peers on the
# same generated inputs, in paired runs (farm-bench: faxhub and the peer in
# turn, the ratio taken pair by pair, medians quoted), one table per area:
#   pages        faxhub vs ImageMagick (`convert IN -resize 1728x -density
#                204x196 -units PixelsPerInch -dither FloydSteinberg
#                -monochrome -compress group4 OUT`), photo included
#   pass-through a fax-ready page vs `tiffcp -c none` reading it
#   PDF          faxhub (its Ghostscript child) vs plain gs -sDEVICE=tiffg4
#   export       fax TIFF to PDF, pages per second
# "speed" is peer time / faxhub time (above 1: faxhub is faster).  A row
# whose peer or faxhub failed says so instead of a ratio.  Targets (issues
# 16 and 17) are printed beside the figures; nothing here fails on timing.
# BENCH_RUNS (default 5) sets the runs per row (the 200-page row runs once).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
F=$top_builddir/tests/imaging/fh-image
IM=/usr/bin/convert
FB=$(command -v farm-bench)
RUNS=${BENCH_RUNS:-5}
for x in "$F" "$IM" "$FB" /usr/bin/gs /usr/bin/tiffcp /usr/bin/tiff2pdf; do
	[ -n "$x" ] && [ -x "$x" ] ||
	    { echo "imaging bench: ${x:-farm-bench} missing, skipped"; exit 0; }
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
"$IM" colour.tif -resize 1728x2291! -monochrome \
	-density 204x196 -units PixelsPerInch -compress group4 fax.tif
tiffcp -c g3:2d fax.tif fax-g3.tif
set --
i=0; while [ $i -lt 200 ]; do set -- "$@" bw300.tif; i=$((i + 1)); done
tiffcp "$@" doc200.tif
"$IM" colour.tif -alpha off -compress lzw colour-rgb.tif
tiff2pdf -j -q 85 -o colour.pdf colour-rgb.tif 2>/dev/null
# A 12-megapixel phone photo (4032x3024 JPEG).
"$IM" -size 4032x3024 plasma:tan-steelblue -blur 0x1 -quality 90 photo.jpg

# pair NAME FAXHUB-CMD -- PEER-CMD: sets FS FM (faxhub median wall s, peak
# MiB), PS PM (the peer's), R (median of the paired ratios, peer/faxhub),
# or BAD with what failed.
pair() {
	_a=$1; shift
	_peer=$1; shift
	BAD=
	# shellcheck disable=SC2086
	"$FB" ${PAIR_OPTS:--n $RUNS} --timeout 900 --vs "$_peer" -- "$@" \
	    >fb.txt 2>&1
	grep -q '^A exit 0 (' fb.txt || BAD="faxhub failed: $(grep '^A exit' fb.txt)"
	grep -q '^B exit 0 (' fb.txt || BAD="${BAD:+$BAD; }$_a failed: $(grep '^B exit' fb.txt)"
	FS=$(awk '$1 == "A" && $2 == "wall" { print $5 }' fb.txt)
	FM=$(awk '$1 == "A" && $2 == "peak" { print $5 }' fb.txt)
	PS=$(awk '$1 == "B" && $2 == "wall" { print $5 }' fb.txt)
	PM=$(awk '$1 == "B" && $2 == "peak" { print $5 }' fb.txt)
	R=$(awk '$1 == "A/B" && $2 == "wall" && $4 > 0 { printf "%.2fx", 1 / $4 }' fb.txt)
	[ -n "$FS" ] && [ -n "$PS" ] && [ -n "$R" ] ||
	    BAD=${BAD:-"no figures: $(head -c 200 fb.txt)"}
}
row() {		# row LABEL
	if [ -n "$BAD" ]; then
		printf '%-24s %s\n' "$1" "$BAD"
	else
		printf '%-24s %7s s %6s MiB %7s s %6s MiB %8s\n' "$1" "$FS" \
		    "$FM" "$PS" "$PM" "$R"
	fi
}
head_row() {	# head_row AREA PEER
	printf '\n%s\n%-24s %18s %18s %8s\n' "$1" input "faxhub" "$2" speed
}
imc() {		# the ImageMagick command of issue 16 for IN
	echo "$IM $1 -resize 1728x -density 204x196 -units PixelsPerInch" \
	    "-dither FloydSteinberg -monochrome -compress group4 im-$1.tif"
}

"$FB" -n 1 -- true 2>&1 | head -1 | sed 's/^/machine: /'
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
head_row "pages: faxhub vs ImageMagick (paired, median of $RUNS)" ImageMagick
for f in colour.tif grey200.tif bw300.tif photo.jpg doc200.tif; do
	# 200 pages take ImageMagick minutes: one run, no warm-up.
	case $f in doc200.tif) PAIR_OPTS="-n 1 --warmup 0" ;; *) PAIR_OPTS= ;; esac
	pair ImageMagick "$(imc $f)" "$F" convert -o fh.tif $f
	row "$f"
	eval "r_$(echo $f | tr -c 'a-z0-9\n' _)=\$R m_$(echo $f | tr -c 'a-z0-9\n' _)=\$FM"
done

head_row "pass-through: a fax-ready page vs tiffcp -c none" "tiffcp"
pair tiffcp "tiffcp -c none fax.tif tc.tif" "$F" convert -o fh.tif fax.tif
row "fax.tif (G4)"
r_pass=$R
pair tiffcp "tiffcp -c none fax-g3.tif tc.tif" "$F" convert \
	--keep-coding -o fh.tif fax-g3.tif
row "fax-g3.tif --keep-coding"

head_row "PDF: faxhub (its gs child) vs gs -sDEVICE=tiffg4 -r204x196" gs
pair gs "/usr/bin/gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=tiffg4 -r204x196 -sOutputFile=gs.tif colour.pdf" \
	"$F" convert -o fh.tif colour.pdf
row colour.pdf
r_pdf=$R

"$F" convert -o fh200.tif doc200.tif >/dev/null 2>&1
"$FB" -n "$RUNS" -- "$F" topdf fh200.tif doc200.pdf >fb.txt 2>&1
S=$(awk '$1 == "A" && $2 == "wall" { print $5 }' fb.txt)
pps=$(awk -v s="$S" 'BEGIN { if (s > 0) printf "%.0f", 200 / s; else print "-" }')
printf '\nexport: 200 fax pages to PDF: %s s, %s pages/s\n' "${S:--}" "$pps"

# verdict RATIO MIN: "met" when RATIO ("12.3x") is at least MIN.
verdict() {
	awk -v r="${1%x}" -v m="$2" 'BEGIN {
		if (r == "" || r == "-") print "no figure"
		else if (r + 0 >= m) print "met"
		else print "NOT met" }'
}

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "targets (issues 16, 17), ratios are medians of paired runs:"
printf '  %-44s %8s  %s\n' "colour A4 300 dpi >= 12x ImageMagick" \
    "${r_colour_tif:--}" "$(verdict "$r_colour_tif" 12)"
printf '  %-44s %8s  %s (%s MiB)\n' \
    "12 Mpixel JPEG >= 8x ImageMagick, <= 32 MiB" "${r_photo_jpg:--}" \
    "$(verdict "$r_photo_jpg" 8)" "${m_photo_jpg:--}"
printf '  %-44s %8s  %s\n' "fax-ready page within 1.2x of tiffcp" \
    "${r_pass:--}" "$(verdict "$r_pass" 0.83)"
printf '  %-44s %8s  %s\n' "colour PDF within 1.2x of plain gs" \
    "${r_pdf:--}" "$(verdict "$r_pdf" 0.83)"
echo "  (within 1.2x: a speed of at least 0.83x; 1.0x is the same time)"
echo "  200 pages in the same RSS as one page: bw300 ${m_bw300_tif:--} MiB," \
    "doc200 ${m_doc200_tif:--} MiB"
exit 0
