#!/usr/bin/env python3
# gen-images.py DIR: the pictures images.sh converts, made with ImageMagick
# (convert) and, for HEIC, libheif's heif-enc; the EXIF orientation of the
# phone photo and the header-only giant JPEG are written here byte by byte.
import os, shutil, struct, subprocess, sys

d = sys.argv[1]
IM = "convert"

def im(*args):
    subprocess.run([IM] + list(args), check=True, cwd=d,
                   stderr=subprocess.DEVNULL)

# A printed page: 30 lines of text on white, A4 at 150 dpi.
draw = []
for i in range(30):
    draw += ["-annotate", "+110+%d" % (160 + i * 48),
             "Line %d of the signed form: the quick brown fox jumps" % i]
im("-size", "1240x1754", "xc:white", "-fill", "black", "-pointsize", "26",
   *draw, "page.png")
# Its phone photo: dim, unevenly lit paper, noise and blur, 12 Mpixel,
# stored sideways as a phone held upright stores it (EXIF orientation 6).
im("page.png", "(", "-size", "1240x1754", "gradient:#e0d8c8-#8c8474", ")",
   "-compose", "multiply", "-composite", "-attenuate", "0.4",
   "+noise", "Gaussian", "-blur", "0x1.2", "-resize", "3024x4032!",
   "-rotate", "-90", "-quality", "85", "stored.jpg")
with open(os.path.join(d, "stored.jpg"), "rb") as f:
    jpg = f.read()
# APP1 "Exif": a little-endian TIFF header and IFD0 with Orientation = 6.
tiff = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 1) + \
    struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack("<I", 0)
app1 = b"Exif\0\0" + tiff
seg = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
with open(os.path.join(d, "phone.jpg"), "wb") as f:
    f.write(jpg[:2] + seg + jpg[2:])
# A real photograph (no paper, broad tones) and a landscape screenshot.
im("-size", "1600x1200", "plasma:tan-steelblue", "-blur", "0x2",
   "-seed", "4", "photo.jpg")
# Alpha: black text on a transparent background must come out on white.
im("-size", "800x1100", "xc:none", "-fill", "black", "-pointsize", "40",
   "-annotate", "+60+120", "Transparent PNG", "-density", "100",
   "-units", "PixelsPerInch", "alpha.png")
im("page.png", "-colors", "16", "page.gif")
im("page.png", "-type", "TrueColor", "page.bmp")
im("page.png", "-quality", "80", "page.webp")
im("page.png", "-rotate", "90", "landscape.png")
shutil.copy(os.path.join(d, "alpha.png"), os.path.join(d, "named.tif"))
subprocess.run(["heif-enc", "-q", "60", "-o", "page.heic", "page.png"],
               check=True, cwd=d, stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
# 20000 x 20000 baseline JPEG: a real small JPEG's header with the size
# in its SOF0 marker changed, and only a few bytes of image data.
im("-size", "16x16", "xc:grey", "-type", "Grayscale", "-interlace", "none",
   "small.jpg")
with open(os.path.join(d, "small.jpg"), "rb") as f:
    small = bytearray(f.read())
sof = small.index(b"\xff\xc0")
small[sof + 5:sof + 9] = struct.pack(">HH", 20000, 20000)
sos = small.index(b"\xff\xda")
with open(os.path.join(d, "huge.jpg"), "wb") as f:
    f.write(bytes(small[:sos + 40]))
with open(os.path.join(d, "truncated.jpg"), "wb") as f:
    f.write(jpg[:len(jpg) // 3])
with open(os.path.join(d, "truncated.png"), "wb") as f:
    f.write(open(os.path.join(d, "page.png"), "rb").read()[:3000])
with open(os.path.join(d, "fake.jpg"), "wb") as f:
    f.write(b"Dear sir, this is a letter, not a photo.\n")
# A zip archive (stored, one member): refused, never unpacked.
subprocess.run(["python3", "-c",
                "import zipfile; z = zipfile.ZipFile('docs.zip', 'w'); "
                "z.write('page.png'); z.close()"], check=True, cwd=d)
