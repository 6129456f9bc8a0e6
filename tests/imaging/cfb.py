"""cfb.py: OLE2 compound files ([MS-CFB], version 3, 512-byte sectors)
for the tests and the fuzz seeds: write() builds one from named streams;
stream_offset() finds where a stream's first byte is in one LibreOffice
wrote, so a test can set a flag in it.  Small on purpose: one FAT sector
(at most 127 sectors of data), streams in the mini stream when shorter
than 4096 bytes."""
import struct

SIG = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SS, MSS, CUTOFF = 512, 64, 4096


def _entry(name, kind, start, size, child=NOSTREAM, right=NOSTREAM):
    e = bytearray(128)
    u = name.encode("utf-16-le")
    e[0:len(u)] = u
    struct.pack_into("<HBB", e, 64, len(u) + 2, kind, 1)
    struct.pack_into("<III", e, 68, NOSTREAM, right, child)
    struct.pack_into("<II", e, 116, start, size)
    return bytes(e)


def write(path, streams):
    """streams: [(name, bytes)], all in the root storage."""
    secs, fat = [], []

    def chain(data, size):
        start = len(secs) if data else END
        n = (len(data) + size - 1) // size
        for i in range(n):
            secs.append(data[i * size:(i + 1) * size].ljust(size, b"\0"))
            fat.append(len(secs) if i < n - 1 else END)
        return start

    mini, mfat, placed = bytearray(), [], []
    for name, data in streams:
        if len(data) < CUTOFF:
            start = len(mfat) if data else END
            n = (len(data) + MSS - 1) // MSS
            for i in range(n):
                mfat.append(len(mfat) + 1 if i < n - 1 else END)
            mini += data.ljust(n * MSS, b"\0")
            placed.append((name, start, len(data)))
        else:
            placed.append((name, chain(data, SS), len(data)))
    mini_start = chain(bytes(mini), SS)
    mfat_bytes = b"".join(struct.pack("<I", v) for v in mfat)
    mfat_start = chain(mfat_bytes, SS)
    d = _entry("Root Entry", 5, mini_start, len(mini),
               child=1 if placed else NOSTREAM)
    for i, (name, start, size) in enumerate(placed):
        d += _entry(name, 2, start, size,
                    right=i + 2 if i + 1 < len(placed) else NOSTREAM)
    dir_start = chain(d, SS)
    fat_sec = len(secs)
    fat.append(FATSECT)
    secs.append(b"")
    assert len(fat) <= SS // 4, "too large for one FAT sector"
    secs[fat_sec] = b"".join(struct.pack("<I", v) for v in fat).ljust(
        SS, b"\xff")
    h = bytearray(512)
    h[0:8] = SIG
    struct.pack_into("<HHHHH", h, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", h, 40, 0, 1, dir_start, 0, CUTOFF,
                     mfat_start if mfat else END, len(mfat_bytes) // SS +
                     (1 if len(mfat_bytes) % SS else 0), END, 0)
    struct.pack_into("<I", h, 76, fat_sec)
    for i in range(1, 109):
        struct.pack_into("<I", h, 76 + 4 * i, FREE)
    with open(path, "wb") as f:
        f.write(bytes(h) + b"".join(secs))


def stream_offset(data, name):
    """The file offset of the first byte of stream name (root storage,
    first 109 FAT sectors only), and its size."""
    assert data[:8] == SIG
    shift = struct.unpack_from("<H", data, 30)[0]
    ss = 1 << shift
    nfat, dir_start, cutoff, mfat_start = (
        struct.unpack_from("<I", data, o)[0] for o in (44, 48, 56, 60))
    off = lambda s: (s + 1) * ss
    fat = []
    for i in range(min(nfat, 109)):
        s = struct.unpack_from("<I", data, 76 + 4 * i)[0]
        fat += struct.unpack_from("<%dI" % (ss // 4), data, off(s))

    def walk(s):
        while s < len(fat):
            yield s
            s = fat[s]

    d = b"".join(data[off(s):off(s) + ss] for s in walk(dir_start))
    mfat = b"".join(data[off(s):off(s) + ss] for s in walk(mfat_start))
    mfat = struct.unpack("<%dI" % (len(mfat) // 4), mfat)
    root_start = struct.unpack_from("<I", d, 116)[0]
    want = name.encode("utf-16-le")
    for i in range(len(d) // 128):
        e = d[i * 128:(i + 1) * 128]
        if e[66] == 2 and e[:len(want)] == want and \
                struct.unpack_from("<H", e, 64)[0] == len(want) + 2:
            start, size = struct.unpack_from("<II", e, 116)
            if size >= cutoff:
                return off(start), size
            # In the mini stream: mini sector start of the root's chain.
            pos = start * MSS
            rs = list(walk(root_start))
            return off(rs[pos // ss]) + pos % ss, size
    raise KeyError(name)
