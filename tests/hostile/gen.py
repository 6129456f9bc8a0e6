#!/usr/bin/python3 -IB
"""gen.py OUTDIR USERDOMAIN FAXDOMAIN: write crafted raw mails for mails.sh.

Each message goes to OUTDIR/NN-name.eml, and OUTDIR/manifest gets one line
per message, tab-separated:

    file  envelope-sender  envelope-recipient  expect  message-id

envelope-sender "<>" stands for the null sender.  expect says what the
gateway owes the sender, matched on In-Reply-To:
  one   exactly one answer to alice (the mail is refused; alice may reply)
  owed  the same, but faxhubd does not answer yet: a mail msg_parse()
        rejects as a whole (MIME limits, header size) loses its sender
  none  no answer to anybody (null or automatic sender)
  any   at most one answer (the gateway may accept it as a fax or refuse it)

Python standard library only.  Every file is built byte for byte, so the
broken structures reach Postfix and the gateway as written here."""

import base64
import os
import struct
import sys
import zlib

out, udom, fdom = sys.argv[1], sys.argv[2], sys.argv[3]
ALICE = "alice@" + udom
manifest = []
serial = [0]


def num(n):
    return "+1555555%04d@%s" % (n, fdom)


def tiff(pages, width=8, height=8, comp=1, data=None, extra=None,
         loop=False, bps=1):
    """A little-endian TIFF: pages IFDs sharing one strip (data)."""
    if data is None:
        data = b"\x00" * ((width * bps + 7) // 8 * height)
    head = b"II*\x00"
    strip_off = 8
    body = data + (b"\x00" if len(data) % 2 else b"")
    ifd_start = 8 + len(body)
    tags = [(256, 4, width), (257, 4, height), (258, 3, bps),
            (259, 3, comp), (262, 3, 0 if bps == 1 else 1),
            (273, 4, strip_off), (277, 3, 1), (278, 4, height),
            (279, 4, len(data))]
    if extra:
        tags = sorted(tags + extra)
    ifd_len = 2 + 12 * len(tags) + 4
    ifds = b""
    for p in range(pages):
        off = ifd_start + p * ifd_len
        nxt = off + ifd_len if p + 1 < pages else 0
        if loop:
            nxt = ifd_start
        e = struct.pack("<H", len(tags))
        for t, typ, v in tags:
            if typ == 3:
                e += struct.pack("<HHIHH", t, typ, 1, v, 0)
            else:
                e += struct.pack("<HHII", t, typ, 1, v)
        ifds += e + struct.pack("<I", nxt)
    return head + struct.pack("<I", ifd_start) + body + ifds


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def mail(name, expect="one", env=None, to=None, rcpt=None, frm=None,
         subject=None, headers="", body=None, raw=None, mid=True):
    """Writes one message; body/raw are str or bytes."""
    serial[0] += 1
    n = serial[0]
    env = ALICE if env is None else env
    rcpt = rcpt or num(1000 + n)
    to = rcpt if to is None else to
    msgid = "<hostile-%02d@%s>" % (n, udom)
    if raw is None:
        h = ""
        if mid:
            h += "Message-ID: %s\r\n" % msgid
        h += "From: %s\r\n" % (ALICE if frm is None else frm)
        if to != "":
            h += "To: %s\r\n" % to
        h += "Subject: %s\r\n" % (("hostile %d" % n) if subject is None
                                  else subject)
        h += "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
        h += headers
        if body is None:
            body = "Content-Type: text/plain\r\n\r\nno attachment here\r\n"
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        raw = h.encode("utf-8", "surrogateescape") + body
    elif isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    fn = "%02d-%s.eml" % (n, name)
    with open(os.path.join(out, fn), "wb") as f:
        f.write(raw)
    manifest.append("\t".join([fn, env, rcpt, expect,
                               msgid if mid else "-"]))


def mime(parts, boundary="b0", ctype="multipart/mixed", close=True):
    s = "MIME-Version: 1.0\r\nContent-Type: %s; boundary=\"%s\"\r\n\r\n" % (
        ctype, boundary)
    for p in parts:
        s += "--%s\r\n%s\r\n" % (boundary, p)
    if close:
        s += "--%s--\r\n" % boundary
    return s


def att(data, ctype="image/tiff", name="doc.tif", enc="base64"):
    if enc == "base64":
        payload = b64(data) if isinstance(data, bytes) else data
    else:
        payload = data
    return ("Content-Type: %s; name=\"%s\"\r\nContent-Disposition: "
            "attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: %s"
            "\r\n\r\n%s\r\n" % (ctype, name, name, enc, payload))


TXT = "Content-Type: text/plain\r\n\r\nplease fax\r\n"
GOOD = tiff(1, 1728, 4)

# --- malformed MIME ------------------------------------------------------
mail("no-boundary", expect="owed", body="MIME-Version: 1.0\r\nContent-Type: "
     "multipart/mixed\r\n\r\n--x\r\n" + TXT + "--x--\r\n")
mail("wrong-boundary", body=mime([TXT, att(b"II*\x00garbage")],
                                   boundary="b0").replace("--b0", "--zz"))
mail("unterminated", body=mime([TXT, att(b"II*\x00" * 50)], close=False)
     [:-30])
nest = ""
for i in range(50):
    nest += ("Content-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n"
             "--n%d\r\n" % (i, i))
nest += TXT
for i in reversed(range(50)):
    nest += "--n%d--\r\n" % i
mail("nested-50", expect="owed", body="MIME-Version: 1.0\r\n" + nest)
mail("parts-500", expect="owed", body=mime([TXT] * 500))
mail("bad-base64", body=mime([TXT, att("!!!!****not base64 at all@@@@\r\n"
                                       "=" * 200)]))
mail("bad-qp", body=mime([TXT, att("=ZZ=Q=\r\n=0" * 300,
                                   enc="quoted-printable")]))
mail("nul-bytes", body=mime(["Content-Type: text/plain\r\n\r\nnul\x00in"
                             "\x00body\r\n", att(b"\x00" * 300)]))
mail("nul-header", headers="X-Nul: a\x00b\r\n",
     body="Content-Type: text/plain\r\n\r\nhi\r\n")
mail("8bit-headers", subject="\xe9\xe8\xff\xfe 8-bit \x80\x81",
     frm="\xc3\xa9lise \xff <%s>" % ALICE)
mail("broken-2047", subject="=?utf-8?B?!!!?= =?x-bogus?Q?=ZZ?= =?utf-8?Q?"
     "unterminated")
cont = "".join(";\r\n filename*%d*=%%41%%41%%41%%41" % i for i in range(3000))
mail("rfc2231-bomb", expect="owed", body=mime([TXT, "Content-Type: image/tiff\r\n"
                                "Content-Disposition: attachment" + cont +
                                "\r\nContent-Transfer-Encoding: base64\r\n"
                                "\r\n" + b64(b"II*\x00") + "\r\n"]))
mail("rfc2231-gaps", body=mime([TXT, "Content-Type: image/tiff; "
                                "name*0=a; name*9999999=b; name*4294967296=c"
                                "\r\nContent-Transfer-Encoding: base64\r\n"
                                "\r\n" + b64(b"II*\x00") + "\r\n"]))
mail("empty-boundary", body=mime([TXT], boundary=""))
mail("boundary-in-part", body=mime([TXT + "--b0\r\n--b0--\r\n"]))
mail("mime-no-blank-line", body="MIME-Version: 1.0\r\nContent-Type: "
     "multipart/mixed; boundary=q\r\n--q\r\nContent-Type: image/tiff"
     "\r\n--q--")

# --- header bombs and long lines ----------------------------------------
mail("header-1mb", expect="owed", headers="X-Big: " + "A" * (1024 * 1024) + "\r\n")
mail("headers-10000", expect="owed", headers="".join("X-H%d: v\r\n" % i
                                      for i in range(10000)))
mail("folded-100kb", expect="owed", headers="X-Fold: " + "\r\n x" * 50000 + "\r\n")
mail("line-100kb", body="Content-Type: text/plain\r\n\r\n" + "L" * 102400 +
     "\r\n")
mail("long-subject", expect="owed", subject="S" * 200000)
mail("long-to", to=num(1001) + ", " + ", ".join(
    "%s@%s" % ("x" * 900, fdom) for _ in range(20)))
mail("long-number", expect="any", rcpt=num(1002), to="+1" + "5" * 5000 + "@" + fdom,
     body=mime([TXT, att(GOOD)]))
mail("bare-lf", raw="Message-ID: <hostile-%02d@%s>\nFrom: %s\nTo: %s\n"
     "Subject: bare LF\n\nno attachment\n" % (serial[0] + 1, udom, ALICE,
                                              num(1100)),
     rcpt=num(1100))
mail("bare-cr", raw="Message-ID: <hostile-%02d@%s>\rFrom: %s\rTo: %s\r"
     "Subject: bare CR\r\rno attachment\r" % (serial[0] + 1, udom, ALICE,
                                              num(1101)),
     rcpt=num(1101), expect="any")

# --- zip-bomb-like and broken TIFFs -------------------------------------
mail("tiff-huge-dims", body=mime([TXT, att(tiff(1, 100000, 100000,
                                                data=b"\x00" * 64))]))
mail("tiff-10000-pages", body=mime([TXT, att(tiff(10000))]))
mail("tiff-ifd-loop", expect="any", body=mime([TXT, att(tiff(2, loop=True))]))
lzw = b"\x80" + b"\xff" * 200
mail("tiff-lzw-bomb", body=mime([TXT, att(tiff(1, 60000, 60000, comp=5,
                                               data=lzw))]))
defl = zlib.compress(b"\x00" * (4 << 20), 9)
mail("tiff-deflate-bomb", body=mime([TXT, att(tiff(1, 50000, 50000, comp=8,
                                                   data=defl, bps=8))]))
mail("tiff-deflate-short", expect="any",
     body=mime([TXT, att(tiff(1, 2048, 2048, comp=8, bps=8,
                              data=zlib.compress(b"\x00" * 4096)))]))
mail("tiff-truncated", body=mime([TXT, att(GOOD[:len(GOOD) // 2])]))
mail("tiff-header-only", body=mime([TXT, att(b"II*\x00")]))
mail("tiff-bad-offset", body=mime([TXT, att(b"II*\x00\xff\xff\xff\x7f"
                                            + b"\x00" * 32)]))
mail("tiff-zero-dims", body=mime([TXT, att(tiff(1, 0, 0))]))
mail("tiff-strip-past-end", body=mime([TXT, att(tiff(
    1, 1728, 100, extra=None, data=b"\x00" * 10)[:-4] + b"\xff\xff\x00\x00"
)]))
mail("tiff-bad-compression", body=mime([TXT, att(tiff(1, comp=60000))]))
mail("tiff-bigendian-junk", body=mime([TXT, att(b"MM\x00*" + os.urandom(300)
                                                )]))
mail("tiff-random", body=mime([TXT, att(b"II*\x00" + os.urandom(4000))]))
mail("tiff-bps-32", body=mime([TXT, att(tiff(1, 64, 64, bps=32))]))

# --- forged and automatic senders ----------------------------------------
mail("null-sender", expect="none", env="<>", body=mime([TXT]))
mail("mailer-daemon", expect="none", env="MAILER-DAEMON@" + udom,
     body=mime([TXT]))
mail("auto-submitted", expect="none", headers="Auto-Submitted: auto-"
     "generated\r\n", body=mime([TXT]))
mail("precedence-junk", expect="none", headers="Precedence: junk\r\n",
     body=mime([TXT]))
mail("unknown-sender", expect="any", env="mallory@" + udom,
     frm="mallory@" + udom, body=mime([TXT, att(GOOD)]))
mail("from-alice-env-null", expect="none", env="<>", body=mime([TXT,
                                                            att(GOOD)]))
mail("two-froms", expect="any", headers="From: bob@%s\r\n" % udom,
     body=mime([TXT, att(GOOD)]))
mail("display-name-trick", expect="any",
     frm="\"%s\" <mallory@evil.test>" % ALICE, body=mime([TXT, att(GOOD)]))
mail("display-name-angle", expect="any",
     frm="alice <%s> <mallory@evil.test>" % ALICE, body=mime([TXT]))
mail("from-empty", expect="any", frm="", body=mime([TXT]))
mail("from-group", expect="any", frm="undisclosed:;", body=mime([TXT]))

# --- shell metacharacters and CRLF in numbers, subjects, names -----------
mail("number-subshell", rcpt="+1555$(reboot)@" + fdom,
     body=mime([TXT, att(GOOD)]))
mail("number-backtick", rcpt="+1555`id`0101@" + fdom,
     body=mime([TXT, att(GOOD)]))
mail("number-quoted-rm", rcpt="\"a;rm -rf /\"@" + fdom,
     body=mime([TXT, att(GOOD)]))
mail("number-pipe", rcpt="+1555|cat@" + fdom, body=mime([TXT, att(GOOD)]))
mail("subject-crlf-bcc", subject="=?utf-8?Q?hi=0D=0ABcc:_injected@evil.test"
     "=0D=0ATo:_injected@evil.test?=")
mail("subject-raw-bcc", subject="hi\r\nBcc: injected@evil.test")
mail("name-crlf", frm="=?utf-8?Q?Al=0D=0ABcc:_injected@evil.test?= <%s>"
     % ALICE)
mail("filename-shell", expect="any", body=mime([
    TXT, att(GOOD, name="$(reboot);rm -rf `id`|x.tif")]))
mail("filename-crlf", body=mime([
    TXT, att(b"not a tiff", name="=?utf-8?Q?a=0D=0ABcc:_injected@evil.test"
             ".tif?=")]))
mail("filename-traversal", expect="any", body=mime([
    TXT, att(GOOD, name="../../../../etc/passwd.tif")]))
mail("subject-bidi-ctl", subject="=?utf-8?B?%s?=" % base64.b64encode(
    "\u202e\x1b[2J\x07\x00fax".encode()).decode())
mail("msgid-crlf", headers="References: <a@b>\r\n\tBcc: injected@evil.test"
     "\r\n")

with open(os.path.join(out, "manifest"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print(len(manifest))
