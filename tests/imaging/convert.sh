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

tiffcp -c g3:1d fax.tif fax-g3-1d.tif
out=$("$F" convert -o out.tif fax-g3-1d.tif)
like "G3 1-D fax page, G4 wanted: re-encoded" "$out" "*0 passed through, 1 converted*"
out=$("$F" convert --keep-coding -o out.tif fax-g3-1d.tif)
like "G3 1-D fax page, --keep-coding: passed through and said" "$out" \
	"*1 passed through*fax page in G3 1-D, passed through*"
ok "G3 1-D passed through: tiffcheck" pages_ok out.tif -r 196

ok "G3 2-D normal" "$F" convert --g3 --normal -o g3.tif rgb.tif bw.tif
ok "G3 2-D normal: tiffcheck -2 -r 98" pages_ok g3.tif -2 -r 98
ok "Letter" "$F" convert --letter -o letter.tif a4-300.tif jpeg.tif
# Only width decides the scale: an A4 page is sent at its length (up to B4).
ok "Letter: tiffcheck -3 -r 196 -l 364" pages_ok letter.tif -3 -r 196 -l 364
is "Letter: the A4 page keeps its length" \
	"$(tiffinfo letter.tif | sed -n 's/.*Image Length: //p' | head -1)" 2292
out=$("$F" convert --letter -o letter-fax.tif fax.tif)
like "Letter: a fax-ready 1728x2200 page passes through, not rescaled" \
	"$out" "*1 passed through, 0 converted*"
# A grey page at fax width, longer than Letter, ink only at the top: its
# trailing white is chopped to the page length, nothing is rescaled.
"$IM" -size 1728x2600 xc:white -fill '#303030' \
	-draw 'rectangle 100,100 800,200' -density 204x196 \
	-units PixelsPerInch -depth 8 -compress lzw long.tif
out=$("$F" convert --letter -o long-out.tif long.tif)
like "long page: not scaled" "$out" "*at fax resolution*"
is "long page: trailing white chopped to the Letter length" \
	"$(tiffinfo long-out.tif | sed -n 's/.*Image Length: //p')" 2152
ok "long page: tiffcheck -l 279" pages_ok long-out.tif -3 -r 196 -l 279
"$IM" -size 1728x2600 xc:white -fill '#303030' \
	-draw 'rectangle 100,2400 800,2500' -density 204x196 \
	-units PixelsPerInch -depth 8 -compress lzw longink.tif
"$F" convert --letter -o longink-out.tif longink.tif >/dev/null
is "long page with ink at the bottom: sent at its length" \
	"$(tiffinfo longink-out.tif | sed -n 's/.*Image Length: //p')" 2501
ok "several attachments" "$F" convert -o all.tif rgb.tif multi.tif fax.tif
is "several attachments: pages in order" "$(npages all.tif)" 5
ok "several attachments: tiffcheck" pages_ok all.tif -3 -r 196

fails "usage: no -o" "$F" convert rgb.tif
"$F" convert rgb.tif 2>/dev/null
is "usage: exit status 2" "$?" 2
done_testing
