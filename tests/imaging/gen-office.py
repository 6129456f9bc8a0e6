#!/usr/bin/env python3
"""gen-office.py DIR: writes the Office documents tests/imaging/office.sh
feeds faxhub, built here from their XML so that no binary comes from
elsewhere:
  letter.docx   two pages (an explicit page break), OOXML
  sheet.xlsx    one sheet of figures, OOXML
  note.odt      OpenDocument text, "mimetype" stored first
  memo.rtf      RTF
  plain.zip     a zip archive holding a text file (no Office document)
  locked.odt    OpenDocument whose manifest lists encryption data and
                whose content is ciphertext, as LibreOffice writes a
                password-protected file
  locked.docx   what Office writes for a password: an OLE2 compound file
                with EncryptionInfo and EncryptedPackage streams (the
                payload is random)
  macro.odt     OpenDocument text with a Basic macro bound to its opening
                that would add six pages and write $HOME/macro-ran
  locked.ppt    a PowerPoint 97 compound file with a password: the
                encrypted token in Current User, an EncryptedSummary
gen-office.py --lock IN OUT: OUT is the DOC or XLS IN (as LibreOffice
wrote it) with its password flag set by hand (Word: FIB fEncrypted;
Excel: a FILEPASS record after the BOF).
"""
import os
import struct
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cfb  # noqa: E402


def lock(src, dst):
    """The password flag set by hand in a DOC or XLS LibreOffice wrote:
    Word's FIB fEncrypted bit, or an Excel FILEPASS record type in place
    of the record after the workbook's BOF (its length kept)."""
    data = bytearray(open(src, "rb").read())
    try:
        off, _ = cfb.stream_offset(data, "WordDocument")
        assert data[off:off + 2] == b"\xec\xa5", "not a Word FIB"
        data[off + 11] |= 0x01
    except KeyError:
        off, _ = cfb.stream_offset(data, "Workbook")
        assert data[off:off + 2] == b"\x09\x08", "not a BIFF8 BOF"
        off += 4 + struct.unpack_from("<H", data, off + 2)[0]
        struct.pack_into("<H", data, off, 0x002F)
    open(dst, "wb").write(data)


if sys.argv[1] == "--lock":
    lock(sys.argv[2], sys.argv[3])
    sys.exit(0)
D = sys.argv[1]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = ("http://schemas.openxmlformats.org/officeDocument/2006/"
       "relationships/officeDocument")


def ooxml(path, ctype_main, main_name, main_xml, extra=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/%s" ContentType="%s"/>%s</Types>'
                   % (main_name, ctype_main,
                      "".join('<Override PartName="/%s" ContentType="%s"/>'
                              % (n, t) for n, t, _ in extra)))
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<Relationships xmlns="%s"><Relationship Id="rId1" '
                   'Type="%s" Target="%s"/></Relationships>'
                   % (R, DOC, main_name))
        z.writestr(main_name, main_xml)
        for n, _, x in extra:
            z.writestr(n, x)


def para(text):
    return '<w:p><w:r><w:t>%s</w:t></w:r></w:p>' % text


body = "".join(para("Page one, line %d: please fax this letter." % i)
               for i in range(1, 11))
body += '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
body += "".join(para("Page two, line %d: signed and dated." % i)
                for i in range(1, 6))
ooxml(os.path.join(D, "letter.docx"),
      "application/vnd.openxmlformats-officedocument.wordprocessingml."
      "document.main+xml", "word/document.xml",
      '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="%s">'
      '<w:body>%s</w:body></w:document>' % (W, body))

S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
rows = "".join('<row r="%d"><c r="A%d" t="inlineStr"><is><t>Item %d</t>'
               '</is></c><c r="B%d"><v>%d</v></c></row>'
               % (i, i, i, i, i * 100) for i in range(1, 21))
ooxml(os.path.join(D, "sheet.xlsx"),
      "application/vnd.openxmlformats-officedocument.spreadsheetml."
      "sheet.main+xml", "xl/workbook.xml",
      '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="%s" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
      'relationships"><sheets><sheet name="Figures" sheetId="1" '
      'r:id="rId1"/></sheets></workbook>' % S,
      [("xl/_rels/workbook.xml.rels", "application/vnd.openxmlformats-"
        "package.relationships+xml",
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>' % R),
       ("xl/worksheets/sheet1.xml", "application/vnd.openxmlformats-"
        "officedocument.spreadsheetml.worksheet+xml",
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="%s">'
        '<sheetData>%s</sheetData></worksheet>' % (S, rows))])

ODT_MIME = "application/vnd.oasis.opendocument.text"


def odt(path, content, encrypted, extra=()):
    """extra: (name, media type, data) entries besides content.xml, data
    None for a directory entry of the manifest only."""
    enc = ('<manifest:encryption-data manifest:checksum-type="SHA1/1K" '
           'manifest:checksum="AAAA"><manifest:algorithm '
           'manifest:algorithm-name="Blowfish CFB" '
           'manifest:initialisation-vector="AAAA"/><manifest:key-derivation '
           'manifest:key-derivation-name="PBKDF2" manifest:iteration-count='
           '"1024" manifest:salt="AAAA"/></manifest:encryption-data>'
           if encrypted else "")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), ODT_MIME,
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                   'opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                   '<manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="%s"/><manifest:file-entry '
                   'manifest:full-path="content.xml" manifest:media-type='
                   '"text/xml">%s</manifest:file-entry>%s</manifest:manifest>'
                   % (ODT_MIME, enc, "".join(
                       '<manifest:file-entry manifest:full-path="%s" '
                       'manifest:media-type="%s"/>' % (n, t)
                       for n, t, _ in extra)))
        z.writestr("content.xml", content)
        for n, _, data in extra:
            if data is not None:
                z.writestr(n, data)


odt(os.path.join(D, "note.odt"),
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'office:version="1.2"><office:body><office:text>'
    '<text:p>An OpenDocument note for the fax.</text:p>'
    '</office:text></office:body></office:document-content>', False)
odt(os.path.join(D, "locked.odt"), os.urandom(2048), True)

# macro.odt: a Basic macro bound to the document's opening (dom:load)
# that, if it ran, would add 300 lines (six more pages) and write
# $HOME/macro-ran.
BASIC = """Sub Grow
  Dim oText As Object, i As Integer
  oText = ThisComponent.getText()
  For i = 1 To 300
    oText.insertString(oText.getEnd(), "the macro ran, line " &amp; i, False)
    oText.insertControlCharacter(oText.getEnd(), 0, False)
  Next i
  Open Environ("HOME") &amp; "/macro-ran" For Output As #1
  Print #1, "ran"
  Close #1
End Sub
"""
LIB = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE %s PUBLIC '
       '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "%s">')
BASICLIB = "application/vnd.sun.star.basic-library"
odt(os.path.join(D, "macro.odt"),
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">'
    '<office:scripts><office:event-listeners><script:event-listener '
    'script:language="ooo:script" script:event-name="dom:load" '
    'xlink:type="simple" xlink:href="vnd.sun.star.script:Standard.'
    'Module1.Grow?language=Basic&amp;location=document"/>'
    '</office:event-listeners></office:scripts><office:body>'
    '<office:text><text:p>A document whose macro must not run.'
    '</text:p></office:text></office:body></office:document-content>',
    False, (
        ("Basic/", BASICLIB, None),
        ("Basic/script-lc.xml", "text/xml",
         LIB % ("library:libraries", "libraries.dtd") +
         '<library:libraries xmlns:library="http://openoffice.org/2000/'
         'library" xmlns:xlink="http://www.w3.org/1999/xlink">'
         '<library:library library:name="Standard" xlink:href="Standard/'
         'script-lb.xml" xlink:type="simple" library:link="false"/>'
         '</library:libraries>'),
        ("Basic/Standard/", BASICLIB, None),
        ("Basic/Standard/script-lb.xml", "text/xml",
         LIB % ("library:library", "library.dtd") +
         '<library:library xmlns:library="http://openoffice.org/2000/'
         'library" library:name="Standard" library:readonly="false" '
         'library:passwordprotected="false"><library:element '
         'library:name="Module1"/></library:library>'),
        ("Basic/Standard/Module1.xml", "text/xml",
         LIB % ("script:module", "module.dtd") +
         '<script:module xmlns:script="http://openoffice.org/2000/'
         'script" script:name="Module1" script:language="StarBasic">' +
         BASIC + '</script:module>')))

with open(os.path.join(D, "memo.rtf"), "w") as f:
    f.write("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Helvetica;}}\\f0\\fs28 "
            "Memo: the RTF page.\\par}\n")

with zipfile.ZipFile(os.path.join(D, "plain.zip"), "w") as z:
    z.writestr("readme.txt", "not an Office document\n")

# What Office writes for a password: an OLE2 compound file with
# EncryptionInfo and EncryptedPackage streams (the payload is random).
cfb.write(os.path.join(D, "locked.docx"),
          [("EncryptionInfo", os.urandom(200)),
           ("EncryptedPackage", os.urandom(4096))])
# A PowerPoint 97 file with a password: its Current User stream carries
# the encrypted token 0xF3D1C4DF and an EncryptedSummary stream is there.
cu = bytearray(os.urandom(64))
struct.pack_into("<HHIII", cu, 0, 0, 0x0FF6, 56, 20, 0xF3D1C4DF)
cfb.write(os.path.join(D, "locked.ppt"),
          [("Current User", bytes(cu)),
           ("PowerPoint Document", os.urandom(5000)),
           ("EncryptedSummary", os.urandom(300))])
