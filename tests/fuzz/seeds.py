#!/usr/bin/env python3
# seeds.py DIR [tiff|office]: a seed corpus for fuzz_image, one small
# picture of every kind and variant its decoders branch on, written into
# DIR; with "tiff", small TIFFs of every layout the TIFF reader branches
# on, for fuzz_tiff (ImageMagick and libtiff's tiffcp make those); with
# "office", for fuzz_office: OOXML and ODF zips (stored and deflated, an
# encrypted ODF manifest), a plain zip, RTF, and OLE2 compound files
# (tests/imaging/cfb.py) of Word, Excel and PowerPoint, locked and not,
# with streams in the mini stream and in regular sectors.  PNG, GIF,
# BMP and the EXIF-carrying JPEG wrapper are built here byte by byte; JPEG,
# WebP and HEIC bodies come from ImageMagick and heif-enc when installed
# (each missing tool only leaves its seeds out).
import os, shutil, struct, subprocess, sys, zlib

d = sys.argv[1]
os.makedirs(d, exist_ok=True)

def tiffs():
    def run(*cmd):
        try:
            subprocess.run(list(cmd), check=True, cwd=d,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError):
            pass
    run("convert", "-size", "24x16", "plasma:", "-density", "150",
        "-units", "PixelsPerInch", "-compress", "lzw", "rgb.tif")
    run("convert", "rgb.tif", "-colorspace", "Gray", "-depth", "16",
        "-compress", "zip", "grey16.tif")
    run("convert", "rgb.tif", "-colors", "8", "-type", "Palette", "pal.tif")
    run("convert", "rgb.tif", "-alpha", "set", "rgba.tif")
    run("convert", "rgb.tif", "-colorspace", "CMYK", "cmyk.tif")
    run("convert", "rgb.tif", "-compress", "jpeg", "jpeg.tif")
    run("convert", "rgb.tif", "-monochrome", "bw.tif")
    run("tiffcp", "-c", "g4", "bw.tif", "g4.tif")
    run("tiffcp", "-c", "g3:2d", "bw.tif", "g3.tif")
    run("tiffcp", "-t", "-w", "16", "-l", "16", "rgb.tif", "tiled.tif")
    run("tiffcp", "-p", "separate", "rgb.tif", "separate.tif")
    run("tiffcp", "bw.tif", "grey16.tif", "multi.tif")
    run("convert", "-size", "1728x40", "xc:white", "-density", "204x196",
        "-units", "PixelsPerInch", "-monochrome", "-compress", "group4",
        "fax.tif")

def office():
    import zipfile
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
        __file__)), "..", "imaging"))
    import cfb

    def z(name, entries, method=zipfile.ZIP_DEFLATED):
        with zipfile.ZipFile(os.path.join(d, name), "w", method) as f:
            for n, b in entries:
                f.writestr(n, b)
    ct = ("[Content_Types].xml", "<Types/>")
    z("w.docx", [ct, ("word/document.xml", "<w:document/>")])
    z("x.xlsx", [ct, ("xl/workbook.xml", "<workbook/>")])
    z("p.pptx", [ct, ("ppt/presentation.xml", "<p/>")],
      zipfile.ZIP_STORED)
    for kind in ("text", "spreadsheet", "presentation"):
        z("o-%s.od" % kind[0], [
            ("mimetype", "application/vnd.oasis.opendocument." + kind),
            ("content.xml", "<office:document-content/>")],
          zipfile.ZIP_STORED)
    z("locked.odt", [
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("META-INF/manifest.xml", "<manifest:file-entry><manifest:"
         "encryption-data/></manifest:file-entry>")])
    z("plain.zip", [("readme.txt", "text")])
    with open(os.path.join(d, "memo.rtf"), "w") as f:
        f.write("{\\rtf1\\ansi x\\par}")
    fib = bytearray(64)
    struct.pack_into("<HHHHH", fib, 0, 0xA5EC, 0xC1, 0, 0x409, 0)
    fib_locked = bytearray(fib)
    struct.pack_into("<H", fib_locked, 10, 0x0100)
    bof = struct.pack("<HH", 0x0809, 16) + bytes(16)
    eof = struct.pack("<HH", 0x000A, 0)
    filepass = struct.pack("<HH", 0x002F, 6) + bytes(6)
    cu = bytearray(32)
    struct.pack_into("<HHIII", cu, 0, 0, 0x0FF6, 24, 20, 0xE391C05F)
    cu_locked = bytearray(cu)
    struct.pack_into("<I", cu_locked, 12, 0xF3D1C4DF)
    cfb.write(os.path.join(d, "w.doc"), [("WordDocument", bytes(fib))])
    cfb.write(os.path.join(d, "w-big.doc"),
              [("WordDocument", bytes(fib) + bytes(5000))])
    cfb.write(os.path.join(d, "w-locked.doc"),
              [("WordDocument", bytes(fib_locked))])
    cfb.write(os.path.join(d, "x.xls"), [("Workbook", bof + eof)])
    cfb.write(os.path.join(d, "x-locked.xls"),
              [("Workbook", bof + filepass + eof)])
    cfb.write(os.path.join(d, "x5.xls"), [("Book", bof + eof)])
    cfb.write(os.path.join(d, "p.ppt"), [("Current User", bytes(cu)),
                                         ("PowerPoint Document", bytes(40))])
    cfb.write(os.path.join(d, "p-locked.ppt"),
              [("Current User", bytes(cu_locked)),
               ("PowerPoint Document", bytes(40)),
               ("EncryptedSummary", bytes(40))])
    cfb.write(os.path.join(d, "locked.docx"),
              [("EncryptionInfo", bytes(100)),
               ("EncryptedPackage", bytes(4200))])
    cfb.write(os.path.join(d, "other.ole"), [("Contents", bytes(10))])

if len(sys.argv) > 2 and sys.argv[2] == "tiff":
    tiffs()
    sys.exit(0)
if len(sys.argv) > 2 and sys.argv[2] == "office":
    office()
    sys.exit(0)

def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def png(w, h, ctype, depth, rows, interlace=0, extra=b""):
    def chunk(t, b):
        return struct.pack(">I", len(b)) + t + b + \
            struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
    raw = b"".join(b"\0" + r for r in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(
        ">IIBBBBB", w, h, depth, ctype, 0, 0, interlace)) + extra + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

def plte(n):
    return struct.pack(">I", 3 * n) + b"PLTE" + bytes(range(3 * n)) + \
        struct.pack(">I", zlib.crc32(b"PLTE" + bytes(range(3 * n))) &
                    0xffffffff)

put("grey8.png", png(4, 4, 0, 8, [bytes([0, 80, 160, 255])] * 4))
put("rgba.png", png(3, 2, 6, 8, [bytes([255, 0, 0, 0, 0, 0, 0, 128,
                                        9, 9, 9, 255])] * 2))
put("bw1.png", png(8, 2, 0, 1, [b"\xa5", b"\x5a"]))
put("pal.png", png(4, 2, 3, 8, [bytes([0, 1, 2, 3])] * 2, extra=plte(4)))
put("rgb16.png", png(2, 2, 2, 16, [bytes(12)] * 2))
put("ilace.png", png(4, 4, 0, 8, [bytes([1, 2, 3, 4])] * 8, interlace=1))

def gif(w, h, interlace=0, trans=False):
    hdr = b"GIF89a" + struct.pack("<HHBBB", w, h, 0x80, 0, 0) + \
        b"\0\0\0\xff\xff\xff"
    gce = b"\x21\xf9\x04\x01\0\0\x01\0" if trans else b""
    img = b"\x2c" + struct.pack("<HHHHB", 0, 0, w, h,
                                0x40 if interlace else 0)
    # LZW, min code size 2: clear, pixels 0/1 as literal codes, end.
    data = b"\x02\x02\x44\x0a\0"
    return hdr + gce + img + data + b"\x3b"

put("plain.gif", gif(2, 1))
put("trans.gif", gif(2, 1, trans=True))
put("ilace.gif", gif(2, 1, interlace=1))

def bmp(w, h, bpp, rows, pal=b"", comp=0, masks=b"", dib=40):
    info = struct.pack("<IiiHHIIiiII", dib, w, h, 1, bpp, comp, 0, 2835,
                       2835, len(pal) // 4, 0)
    info += masks + bytes(dib - len(info) - len(masks)) if dib > 40 \
        else b""
    if dib == 40:
        info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bpp, comp, 0,
                           2835, 2835, len(pal) // 4, 0)
    off = 14 + len(info) + (len(masks) if dib == 40 else 0) + len(pal)
    body = (masks if dib == 40 else b"") + pal + b"".join(rows)
    return b"BM" + struct.pack("<IHHI", off + len(b"".join(rows)), 0, 0,
                               off) + info + body

put("rgb24.bmp", bmp(2, 2, 24, [b"\0\0\xff\xff\xff\xff\0\0"] * 2))
put("pal8.bmp", bmp(4, -2, 8, [b"\0\1\2\3"] * 2,
                     pal=b"\0\0\0\0\xff\xff\xff\0\x80\x80\x80\0\x10\x20\x30\0"))
put("bw1.bmp", bmp(8, 1, 1, [b"\xa5\0\0\0"], pal=b"\0\0\0\0\xff\xff\xff\0"))
put("rgb565.bmp", bmp(2, 1, 16, [b"\x1f\xf8\xe0\x07"], comp=3,
                       masks=struct.pack("<III", 0xf800, 0x07e0, 0x001f)))
put("v5.bmp", bmp(1, 1, 32, [b"\x10\x20\x30\0"], dib=124,
                   masks=struct.pack("<III", 0xff0000, 0xff00, 0xff)))

def tool(*cmd):
    try:
        subprocess.run(list(cmd), check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False

if shutil.which("convert"):
    tool("convert", "-size", "16x12", "gradient:", "grey.jpg")
    tool("convert", "-size", "16x12", "plasma:", "-quality", "50",
         "colour.jpg")
    tool("convert", "-size", "16x12", "gradient:", "-interlace", "plane",
         "progressive.jpg")
    tool("convert", "-size", "16x12", "plasma:", "-colorspace", "CMYK",
         "cmyk.jpg")
    tool("convert", "-size", "16x12", "plasma:", "-quality", "50",
         "lossy.webp")
    tool("convert", "-size", "16x12", "plasma:", "-define",
         "webp:lossless=true", "lossless.webp")
    tool("convert", "-size", "16x12", "xc:none", "-fill", "black",
         "-draw", "point 3,3", "alpha.webp")
    jpg = os.path.join(d, "grey.jpg")
    if os.path.exists(jpg):
        body = open(jpg, "rb").read()
        for order, fmt in ((b"II*\0", "<"), (b"MM\0*", ">")):
            tiff = order + struct.pack(fmt + "I", 8) + \
                struct.pack(fmt + "H", 1) + \
                struct.pack(fmt + "HHIHH", 0x0112, 3, 1, 6, 0) + \
                struct.pack(fmt + "I", 0)
            app1 = b"Exif\0\0" + tiff
            put("exif-%s.jpg" % ("le" if fmt == "<" else "be"),
                body[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) +
                app1 + body[2:])
    if shutil.which("heif-enc") and os.path.exists(jpg):
        tool("heif-enc", "-q", "10", "-o", "small.heic", "grey.jpg")
