#!/bin/sh
# convert.sh: every kind of TIFF issue 4 names, generated here with
# ImageMagick and libtiff's tools, goes through `faxhubctl convert` (the
# fh-image driver runs the same handler) and every output page passes
# HylaFAX's own tiffcheck, for G4 fine, G3 normal and Letter.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/imaging/lib-imaging.sh"

cd "$T" || exit 1
# Base pictures: a light ramp with dark boxes (text-like) at 150 dpi.
"$IM" -size 1240x1754 gradient:'#ffffff-#8080ff' -fill black \
	-draw 'rectangle 100,100 900,160' -draw 'rectangle 100,300 600,330' \
	-density 150 -units PixelsPerInch -depth 8 -compress none rgb.tif
"$IM" rgb.tif -colorspace Gray -compress lzw grey.tif
"$IM" rgb.tif -colorspace Gray -depth 16 -compress zip grey16.tif
"$IM" rgb.tif -colors 16 -type Palette -compress lzw palette.tif
"$IM" rgb.tif -alpha set -channel A -evaluate set 80% +channel \
	-compress lzw rgba.tif
"$IM" rgb.tif -compress jpeg -quality 80 jpeg.tif
"$IM" rgb.tif -monochrome -type bilevel -depth 1 -compress none bw.tif
"$IM" rgb.tif -strip -compress lzw nores.tif
"$IM" rgb.tif -rotate 90 -compress lzw landscape.tif
"$IM" -size 2480x3508 gradient:'#ffffff-#404040' -fill black \
	-draw 'rectangle 200,200 2000,300' -density 300 -units PixelsPerInch \
	-depth 8 -compress lzw a4-300.tif
tiffcp -c packbits bw.tif bw-packbits.tif
tiffcp -c lzw bw.tif bw-lzw.tif
tiffcp -c zip bw.tif bw-zip.tif
tiffcp -c g3:2d bw.tif bw-g3.tif
tiffcp -c g4 bw.tif bw-g4.tif
tiffcp -t -w 256 -l 256 -c lzw rgb.tif tiled.tif
tiffcp -p separate -c lzw rgb.tif separate.tif
tiffcp grey.tif bw-g4.tif palette.tif multi.tif
"$IM" -size 1728x2200 xc:white -fill black -draw 'rectangle 100,100 800,200' \
	-density 204x196 -units PixelsPerInch -monochrome -compress group4 \
	fax.tif

for f in rgb grey grey16 palette rgba jpeg bw nores landscape a4-300 \
    bw-packbits bw-lzw bw-zip bw-g3 bw-g4 tiled separate multi fax; do
	want=$(npages $f.tif)
	ok "$f: convert" "$F" convert -o "out-$f.tif" "$f.tif"
	is "$f: $want page(s)" "$(npages out-$f.tif)" "$want"
	ok "$f: tiffcheck -3 -r 196 OK on every page" \
		pages_ok "out-$f.tif" -3 -r 196
done

out=$("$F" convert -o out.tif fax.tif)
like "fax page: passed through" "$out" "*1 passed through, 0 converted*"
out=$("$F" convert -o out.tif landscape.tif)
like "landscape: turned to portrait" "$out" "*turned to portrait*"
out=$("$F" convert -o out.tif rgb.tif)
like "convert says what it did" "$out" \
	"out.tif: 1 page, G4 (MMR), fine 204x196 dpi, A4, *bytes*dithered*"

ok "G3 2-D normal" "$F" convert --g3 --normal -o g3.tif rgb.tif bw.tif
ok "G3 2-D normal: tiffcheck -2 -r 98" pages_ok g3.tif -2 -r 98
ok "Letter" "$F" convert --letter -o letter.tif a4-300.tif jpeg.tif
ok "Letter: tiffcheck -3 -r 196 -l 279" pages_ok letter.tif -3 -r 196 -l 279
ok "several attachments" "$F" convert -o all.tif rgb.tif multi.tif fax.tif
is "several attachments: pages in order" "$(npages all.tif)" 5
ok "several attachments: tiffcheck" pages_ok all.tif -3 -r 196

fails "usage: no -o" "$F" convert rgb.tif
"$F" convert rgb.tif 2>/dev/null
is "usage: exit status 2" "$?" 2
done_testing
