#!/bin/sh
# office.sh: Office documents (DOCX, XLSX, ODT, RTF) rendered by LibreOffice
# in the converter sandbox become fax pages; a plain zip and
# password-protected files (ODT, DOCX, PDF) are refused with their own
# words and leave nothing behind; a LibreOffice kept warm converts the
# same document again and is gone, with its directory, once stopped.
# The documents come from gen-office.py.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/imaging/lib-imaging.sh"
command -v python3 >/dev/null || skip_all "python3 missing"
[ -x /usr/bin/soffice ] || skip_all "LibreOffice missing (apt-get install libreoffice-writer-nogui)"
command -v gs >/dev/null || skip_all "ghostscript missing"
command -v qpdf >/dev/null || skip_all "qpdf missing"

cd "$T" || exit 1
# Job directories here, to see them gone: the converter user passes through.
chmod 711 "$T"
export TMPDIR="$T"
python3 "$top_srcdir/tests/imaging/gen-office.py" "$T" || exit 1
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile=p.pdf \
	-c '/Helvetica findfont 20 scalefont setfont 72 700 moveto (x) show showpage'
qpdf --encrypt u o 256 -- p.pdf locked.pdf

converts() {	# converts FILE PAGES 'note glob'
	rm -f out.tif
	"$F" convert -o out.tif "$1" >out.txt 2>&1
	is "$1: converted" "$?" 0
	is "$1: $2 page(s)" "$(npages out.tif)" "$2"
	ok "$1: tiffcheck" pages_ok out.tif -3 -r 196
	like "$1: the notes say how" "$(cat out.txt)" "$3"
}
converts letter.docx 2 "*letter.docx: 2 pages, rendered by LibreOffice*"
converts sheet.xlsx 1 "*sheet.xlsx: 1 page, rendered by LibreOffice*"
converts note.odt 1 "*note.odt: 1 page, rendered by LibreOffice*"
converts memo.rtf 1 "*memo.rtf: 1 page, rendered by LibreOffice*"
# A document whose macro, bound to its opening, would add six pages:
# through faxhub it is rendered as it is, one page.  This does not prove
# that the profile stops macros: no control made that macro run on this
# LibreOffice (7.4): plain soffice --convert-to with macro security low,
# soffice opening it headless with security low, and a UNO load with
# MacroExecutionMode ALWAYS_EXECUTE_NO_WARN all left it one page and
# wrote no file.  LibreOffice's conversion loads documents without macro
# execution; faxhub's profile (security "very high", execution disabled)
# is a second lock that no test here can show working on its own.
converts macro.odt 1 "*macro.odt: 1 page, rendered by LibreOffice*"
# Order kept across kinds: the DOCX's 2 pages, then the RTF's one.
ok "DOCX then RTF in one job" "$F" convert -o both.tif letter.docx memo.rtf
is "DOCX then RTF: 3 pages" "$(npages both.tif)" 3

refused() {	# refused FILE 'message glob'
	rm -f out.tif
	"$F" convert -o out.tif "$1" >out.txt 2>err.txt
	is "$1: refused with status 1" "$?" 1
	like "$1: says why" "$(cat err.txt)" "$2"
	ok "$1: no output left" test ! -e out.tif
}
refused plain.zip "*plain.zip: a zip archive*does not unpack archives*"
refused locked.odt "*locked.odt: password-protected: send it without a password*"
refused locked.docx "*locked.docx: password-protected: send it without a password*"
refused locked.pdf "*locked.pdf: the PDF is password-protected: send it without a password*"
refused locked.ppt "*locked.ppt: password-protected: send it without a password*"
# DOC and XLS as LibreOffice writes them (plain soffice, its own profile
# here) convert; the same files with the password flag set by hand (FIB
# fEncrypted, an Excel FILEPASS record) are refused before LibreOffice.
for f in letter.docx:doc sheet.xlsx:xls; do
	soffice -env:UserInstallation="file://$T/lo" --headless \
	    --convert-to "${f#*:}" --outdir "$T" "$T/${f%:*}" >/dev/null 2>&1
done
converts letter.doc 2 "*letter.doc: 2 pages, rendered by LibreOffice*"
converts sheet.xls 1 "*sheet.xls: 1 page, rendered by LibreOffice*"
python3 "$top_srcdir/tests/imaging/gen-office.py" --lock letter.doc locked.doc
python3 "$top_srcdir/tests/imaging/gen-office.py" --lock sheet.xls locked.xls
refused locked.doc "*locked.doc: password-protected: send it without a password*"
refused locked.xls "*locked.xls: password-protected: send it without a password*"
head -c 1536 letter.doc >cut.doc
refused cut.doc "*cut.doc: a damaged compound file (not a readable DOC, XLS or PPT)*"
cp plain.zip fake.docx
refused fake.docx "*fake.docx: a zip archive*"
printf 'just text\n' > text.docx
refused text.docx "*text.docx: not a DOCX document: the name says so*"

# Kept warm: both runs convert, then nothing of LibreOffice is left.
"$F" office-times 2 letter.docx warm.tif >times.txt 2>&1
is "warm: two runs" "$(grep -c '^run [12]: [0-9]* ms$' times.txt)" 2
is "warm: 2 pages" "$(npages warm.tif)" 2
is "no job directory left" "$(ls -d "$T"/faxhub-conv.* 2>/dev/null)" ""
is "no LibreOffice left running" \
	"$(ps -eo args | grep -c "^[^ ]*soffice.*$T/faxhub-conv")" 0
done_testing
