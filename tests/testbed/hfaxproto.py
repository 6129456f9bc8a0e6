"""hfaxproto: a small client of the HylaFAX client protocol (hfaxd).

FTP-like: "nnn text" replies, "nnn-" continuation lines, data connections
in passive mode (PASV, robust to hfaxd's port-1 active-mode binding).  Used
by tb-hylafax and tb-sendfax; every socket operation has a timeout."""

import re
import socket

MAX_LINE = 8192
MAX_DATA = 256 * 1024 * 1024

JOBFMT = "%j|%a|%s|%P|%D|%T|%m|%o|%e|%J"
MDMFMT = "%m|%n|%s|%t|%v"
RCVFMT = "%f|%t|%s|%p|%j|%i|%a|%e|%z|%n|%r|%b|%d|%m|%o"


class Error(Exception):
    """A refused command or a broken connection; str() names both."""


class Client:
    def __init__(self, host, port, timeout=30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb")
        code, text = self.reply()
        if code != 220:
            raise Error("%s:%d: greeting %d %s" % (host, port, code, text))

    def close(self):
        try:
            self.send("QUIT")
            self.reply()
        except (OSError, Error):
            pass
        self.rfile.close()
        self.sock.close()

    def send(self, line):
        if "\r" in line or "\n" in line:
            raise Error("refusing a command with a line break: %r" % line)
        self.sock.sendall(line.encode("latin-1") + b"\r\n")

    def _line(self):
        raw = self.rfile.readline(MAX_LINE)
        if not raw:
            raise Error("%s:%d: connection closed" % (self.host, self.port))
        return raw.decode("latin-1").rstrip("\r\n")

    def reply(self):
        """Read one (possibly multi-line) reply: (code, text)."""
        line = self._line()
        if len(line) < 3 or not line[:3].isdigit():
            raise Error("bad reply line %r" % line)
        code, lines = line[:3], [line[4:]]
        if line[3:4] == "-":
            while True:
                line = self._line()
                if line.startswith(code + " "):
                    lines.append(line[4:])
                    break
                lines.append(line)
        return int(code), "\n".join(lines)

    def cmd(self, line, expect=None):
        """Send a command; raise Error unless the reply code is in expect
        (a tuple of codes, or a leading digit string like "2")."""
        self.send(line)
        code, text = self.reply()
        if expect is not None:
            good = (str(code).startswith(expect) if isinstance(expect, str)
                    else code in expect)
            if not good:
                shown = "PASS ***" if line.startswith(("PASS", "ADMIN")) else line
                raise Error("%s:%d: %s: %d %s"
                            % (self.host, self.port, shown, code, text))
        return code, text

    def login(self, user, password=None):
        code, text = self.cmd("USER " + user, (230, 331))
        if code == 331:
            if password is None:
                raise Error("%s:%d: %s needs a password" % (self.host, self.port, user))
            self.cmd("PASS " + password, (230,))
        self.cmd("TZONE GMT", "2")

    def admin(self, password):
        self.cmd("ADMIN " + password, (230,))

    def _pasv(self):
        code, text = self.cmd("PASV", (227,))
        m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", text)
        if not m:
            raise Error("bad PASV reply %r" % text)
        nums = [int(x) for x in m.groups()]
        # Connect to the control host: the address hfaxd announces is the same.
        return socket.create_connection((self.host, nums[4] * 256 + nums[5]),
                                        timeout=self.timeout)

    def _read_data(self, verb):
        data = self._pasv()
        try:
            self.cmd(verb, (125, 150))
            chunks, size = [], 0
            while True:
                b = data.recv(65536)
                if not b:
                    break
                size += len(b)
                if size > MAX_DATA:
                    raise Error("%s: more than %d bytes" % (verb, MAX_DATA))
                chunks.append(b)
        finally:
            data.close()
        code, text = self.reply()
        if code != 226:
            raise Error("%s: %d %s" % (verb, code, text))
        return b"".join(chunks)

    def list(self, what, fmt=None):
        """LIST a directory (sendq, doneq, recvq, status, docq...) with an
        optional JOBFMT/RCVFMT/MDMFMT; returns the lines."""
        if fmt is not None:
            verb = {"status": "MDMFMT", "recvq": "RCVFMT"}.get(what, "JOBFMT")
            self.cmd('%s "%s"' % (verb, fmt), "2")
        data = self._read_data("LIST " + what)
        lines = data.decode("latin-1").replace("\r\n", "\n").split("\n")
        return [ln.rstrip("\r") for ln in lines if ln.strip("\r")]

    def retr(self, path):
        self.cmd("TYPE I", "2")
        return self._read_data("RETR " + path)

    def store_tiff(self, data):
        """Upload a TIFF with STOT; returns the server's temporary name."""
        for c in ("TYPE I", "MODE S", "STRU F", "FORM TIFF"):
            self.cmd(c, "2")
        conn = self._pasv()
        try:
            code, text = self.cmd("STOT", (125, 150))
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        finally:
            conn.close()
        code, text = self.reply()
        if code != 226:
            raise Error("STOT: %d %s" % (code, text))
        m = re.search(r"FILE: (\S+?)\)?\.?$", text) or re.search(r"(/tmp/\S+\.tif)", text)
        if not m:
            raise Error("STOT: no file name in %r" % text)
        return m.group(1).rstrip(").")

    def submit(self, doc, dialstring, params=None):
        """Create, parameterise and submit a job for an uploaded document;
        returns the job id (string)."""
        code, text = self.cmd("JNEW", (200,))
        m = re.search(r"jobid: (\d+)", text)
        if not m:
            raise Error("JNEW: no job id in %r" % text)
        jobid = m.group(1)
        base = [("DIALSTRING", '"%s"' % dialstring), ("NOTIFY", '"none"'),
                ("MAXDIALS", "3"), ("MAXTRIES", "3"), ("VRES", "196"),
                ("PAGEWIDTH", "209"), ("PAGELENGTH", "296"),
                ("LASTTIME", "000259")]
        for name, value in base + list((params or {}).items()):
            self.cmd("JPARM %s %s" % (name, value), "2")
        self.cmd("JPARM DOCUMENT " + doc, "2")
        self.cmd("JSUBM", (200,))
        return jobid

    def job_param(self, jobid, name):
        self.cmd("JOB " + str(jobid), (200,))
        code, text = self.cmd("JPARM " + name, (213,))
        return text.strip()
