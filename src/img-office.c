/*
 * img-office.c: Office documents (DOCX, XLSX, PPTX, DOC, XLS, PPT, ODT,
 * ODS, ODP, RTF).  LibreOffice renders the document to PDF in the
 * converter sandbox (src/sandbox.h, exactly as Ghostscript runs: its own
 * job directory and profile, an empty environment, another user, no
 * network, limits and a wall-clock timeout), and the PDF goes on through
 * gs_render() like any PDF.  The profile it runs with forbids macros
 * (security level "very high", macro execution disabled), so a document's
 * macros never run.
 *
 * What the document is comes from its content: OOXML is a zip whose
 * central directory holds [Content_Types].xml and word/, xl/ or ppt/;
 * ODF is a zip whose first entry "mimetype" names the kind; DOC, XLS and
 * PPT are OLE2 compound files with a WordDocument, Workbook/Book or
 * "PowerPoint Document" stream; RTF starts "{\rtf".  Any other zip stays
 * a zip (refused, never unpacked).  A password-protected file (OOXML
 * encrypted into a compound file with an EncryptedPackage stream, ODF
 * whose manifest lists encryption data, a DOC, XLS or PPT whose streams
 * carry the encryption flag: see ole_look()) is refused before
 * LibreOffice sees it.
 *
 * A converter kept warm (opts.office_warm seconds of idleness): LibreOffice
 * starting takes seconds, converting a letter a fraction of one.  With
 * office_warm > 0 one soffice stays running in its own sandbox between
 * documents; each document is handed to it by a short-lived soffice
 * client in a second sandbox that shares the warm one's job directory and
 * /tmp (LibreOffice's single-instance pipe lives in /tmp).  A failure or
 * a timeout stops the warm one too; the next document starts afresh.
 * docs/imaging.md has the figures.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "sandbox.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

#ifndef SOFFICE_PATH
#define SOFFICE_PATH	"/usr/bin/soffice"
#endif
#define LO_MAX_AS	((unsigned long long)3 << 30)	/* address space */
#define LO_MAX_FSIZE	((unsigned long long)1 << 30)	/* the PDF */
#define LO_WARM_CPU	3600		/* CPU seconds of a warm instance */
#define ZIP_MAX_CD	((size_t)4 << 20)	/* central directory read */
#define ZIP_MAX_ENTRY	((size_t)1 << 20)	/* manifest inflated */

/* What a zip's central directory says. */
struct zip_look {
	int	 content_types;		/* [Content_Types].xml */
	int	 word, xl, ppt;		/* word/, xl/, ppt/ entries */
	char	 mimetype[96];		/* ODF: the first entry's content */
	int	 odf_encrypted;		/* manifest lists encryption data */
};

static int	zip_look(int, struct zip_look *);
static int	zip_entry(int, const unsigned char *, char *, size_t,
		    size_t *);
static int	ole_look(int, int *, int *, int *, int *);
static const char *office_ext(enum img_fmt, int, enum img_err *, char **,
		    const char *);
static int	lo_profile(const char *, char **);
static int	lo_convert(const char *, const char *, const char *,
		    const char *, const struct img_opts *, enum img_err *,
		    char **);

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static int
pread_all(int fd, void *buf, size_t len, off_t off)
{
	ssize_t	n;
	size_t	got = 0;

	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Reads one entry (its central directory record at c) into out, at most
 * max bytes inflated; *len its length.  Stored and deflated entries only.
 */
static int
zip_entry(int fd, const unsigned char *c, char *out, size_t max,
    size_t *len)
{
	unsigned char	 lh[30], *in = NULL;
	uint32_t	 method = le16(c + 10), csize = le32(c + 20);
	off_t		 off = (off_t)le32(c + 42);
	z_stream	 z;
	int		 rv = -1, zr;

	*len = 0;
	if (pread_all(fd, lh, sizeof(lh), off) == -1 ||
	    le32(lh) != 0x04034b50 || csize > ZIP_MAX_ENTRY)
		return -1;
	off += 30 + (off_t)le16(lh + 26) + (off_t)le16(lh + 28);
	in = xmalloc(csize + 1);
	if (pread_all(fd, in, csize, off) == -1)
		goto out;
	if (method == 0) {
		*len = csize < max ? csize : max;
		memcpy(out, in, *len);
		rv = 0;
		goto out;
	}
	if (method != 8)
		goto out;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
		goto out;
	z.next_in = in;
	z.avail_in = csize;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)max;
	zr = inflate(&z, Z_FINISH);
	if (zr == Z_STREAM_END || zr == Z_BUF_ERROR || zr == Z_OK) {
		*len = max - z.avail_out;
		rv = 0;
	}
	inflateEnd(&z);
out:
	free(in);
	return rv;
}

/* Walks the central directory of the zip on fd; -1: not a usable zip. */
static int
zip_look(int fd, struct zip_look *zl)
{
	unsigned char	 tail[65536 + 22], *cd = NULL, *c, *end;
	struct stat	 sb;
	size_t		 tlen, cdlen, nlen, i, got;
	off_t		 cdoff;
	char		*man;
	const char	*name;
	int		 rv = -1;

	memset(zl, 0, sizeof(*zl));
	if (fstat(fd, &sb) == -1 || sb.st_size < 22)
		return -1;
	tlen = sb.st_size < (off_t)sizeof(tail) ? (size_t)sb.st_size :
	    sizeof(tail);
	if (pread_all(fd, tail, tlen, sb.st_size - (off_t)tlen) == -1)
		return -1;
	for (i = tlen - 22 + 1; i-- > 0; )
		if (le32(tail + i) == 0x06054b50)
			break;
	if (i == (size_t)-1)
		return -1;
	cdlen = le32(tail + i + 12);
	cdoff = (off_t)le32(tail + i + 16);
	if (cdlen == 0 || cdlen > ZIP_MAX_CD || cdoff + (off_t)cdlen >
	    sb.st_size)
		return -1;
	cd = xmalloc(cdlen);
	if (pread_all(fd, cd, cdlen, cdoff) == -1)
		goto out;
	end = cd + cdlen;
	for (c = cd; c + 46 <= end && le32(c) == 0x02014b50;
	    c += 46 + nlen + le16(c + 30) + le16(c + 32)) {
		nlen = le16(c + 28);
		if (c + 46 + nlen > end)
			break;
		name = (const char *)c + 46;
#define ZNAME(s)	(nlen == sizeof(s) - 1 && memcmp(name, s, nlen) == 0)
#define ZDIR(s)		(nlen > sizeof(s) - 1 && \
			    memcmp(name, s, sizeof(s) - 1) == 0)
		if (ZNAME("[Content_Types].xml"))
			zl->content_types = 1;
		else if (ZDIR("word/"))
			zl->word = 1;
		else if (ZDIR("xl/"))
			zl->xl = 1;
		else if (ZDIR("ppt/"))
			zl->ppt = 1;
		else if (ZNAME("mimetype") && le32(c + 42) == 0) {
			if (zip_entry(fd, c, zl->mimetype,
			    sizeof(zl->mimetype) - 1, &got) == 0)
				zl->mimetype[got] = '\0';
		} else if (ZNAME("META-INF/manifest.xml")) {
			man = xmalloc(ZIP_MAX_ENTRY + 1);
			if (zip_entry(fd, c, man, ZIP_MAX_ENTRY, &got) == 0) {
				man[got] = '\0';
				zl->odf_encrypted = memmem(man, got,
				    "encryption-data", 15) != NULL;
			}
			free(man);
		}
#undef ZNAME
#undef ZDIR
	}
	rv = 0;
out:
	free(cd);
	return rv;
}

/*
 * An OLE2 compound file ([MS-CFB]) read as far as the kind and the lock
 * of a document need: the FAT (through the header's DIFAT and the DIFAT
 * sectors), the mini FAT, the directory, and the first bytes of a stream
 * of the root storage.  Every chain walk is bounded by the table it
 * walks; a file whose structure does not hold up is not read further.
 */
#define OLE_END		0xfffffffeU	/* end of a chain */
#define OLE_MAX_SIZE	((off_t)256 << 20)	/* compound file read */
#define OLE_MAX_DIR	4096		/* directory entries read */
#define OLE_PEEK	65536		/* bytes of a stream looked at */

struct ole {
	int		 fd;
	unsigned	 shift;		/* sectors of 1 << shift bytes */
	uint32_t	*fat, nfat;
	uint32_t	*mfat, nmfat;
	uint32_t	 cutoff;	/* smaller streams: mini stream */
	uint32_t	 mini_start;	/* the root's mini stream */
	uint64_t	 mini_size;
	unsigned char	*dir;		/* 128-byte entries */
	size_t		 ndir;
};

/* The file offset of sector s. */
static off_t
ole_sector(unsigned shift, uint32_t s)
{
	return ((off_t)s + 1) << shift;
}

/* The file offset of byte pos of the regular stream starting at start. */
static int
ole_pos(const struct ole *ol, uint32_t start, uint64_t pos, off_t *off)
{
	uint64_t	n = pos >> ol->shift;
	uint32_t	s = start;

	for (; n > 0; n--) {
		if (s >= ol->nfat)
			return -1;
		s = ol->fat[s];
	}
	if (s >= ol->nfat)
		return -1;
	*off = ole_sector(ol->shift, s) + (off_t)(pos &
	    (((uint64_t)1 << ol->shift) - 1));
	return 0;
}

/*
 * Reads at most want bytes of the stream of size bytes at start (in the
 * mini stream when mini) into buf; the bytes read, or -1.
 */
static ssize_t
ole_read(const struct ole *ol, uint32_t start, uint64_t size, int mini,
    unsigned char *buf, size_t want)
{
	const uint32_t	*fat = mini ? ol->mfat : ol->fat;
	uint32_t	 n = mini ? ol->nmfat : ol->nfat, s, steps;
	size_t		 ssz = mini ? 64 : (size_t)1 << ol->shift, len, got;
	off_t		 off;

	if (size < want)
		want = (size_t)size;
	for (s = start, got = 0, steps = 0; got < want && s != OLE_END;
	    steps++) {
		if (s >= n || steps >= n)
			return -1;
		len = want - got < ssz ? want - got : ssz;
		if (mini) {
			if ((uint64_t)s * 64 + len > ol->mini_size ||
			    ole_pos(ol, ol->mini_start, (uint64_t)s * 64,
			    &off) == -1)
				return -1;
		} else
			off = ole_sector(ol->shift, s);
		if (pread_all(ol->fd, buf + got, len, off) == -1)
			return -1;
		got += len;
		s = fat[s];
	}
	return (ssize_t)got;
}

static void
ole_close(struct ole *ol)
{
	free(ol->fat);
	free(ol->mfat);
	free(ol->dir);
	memset(ol, 0, sizeof(*ol));
}

static int
ole_open(int fd, struct ole *ol)
{
	unsigned char	 h[512], *sec = NULL;
	struct stat	 sb;
	uint32_t	 nfsec, per, i, difat, k, s;
	uint64_t	 maxsec;
	ssize_t		 n;

	memset(ol, 0, sizeof(*ol));
	ol->fd = fd;
	if (fstat(fd, &sb) == -1 || sb.st_size < 512 ||
	    sb.st_size > OLE_MAX_SIZE || pread_all(fd, h, 512, 0) == -1 ||
	    memcmp(h, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) != 0 ||
	    (le16(h + 30) != 9 && le16(h + 30) != 12) || le16(h + 32) != 6)
		return -1;
	ol->shift = le16(h + 30);
	per = ((uint32_t)1 << ol->shift) / 4;
	/* No more FAT entries than the file has sectors. */
	maxsec = ((uint64_t)sb.st_size >> ol->shift) + 1;
	nfsec = le32(h + 44);
	if (nfsec == 0 || (uint64_t)nfsec > maxsec / per + 1)
		return -1;
	ol->nfat = nfsec * per;
	ol->fat = xreallocarray(NULL, ol->nfat, sizeof(uint32_t));
	sec = xmalloc((size_t)1 << ol->shift);
	difat = le32(h + 68);
	for (i = 0, k = 0; i < nfsec; i++, k++) {
		if (i < 109)
			s = le32(h + 76 + 4 * i);
		else {
			/* A DIFAT sector: per - 1 FAT sectors, then the next. */
			if (k == per - 1 || i == 109) {
				if (i > 109)
					difat = le32(sec + 4 * (per - 1));
				if ((uint64_t)difat >= maxsec ||
				    pread_all(fd, sec, (size_t)1 << ol->shift,
				    ole_sector(ol->shift, difat)) == -1)
					goto bad;
				k = 0;
			}
			s = le32(sec + 4 * k);
		}
		if ((uint64_t)s >= maxsec || pread_all(fd, ol->fat + i * per,
		    (size_t)1 << ol->shift, ole_sector(ol->shift, s)) == -1)
			goto bad;
	}
	for (i = 0; i < ol->nfat; i++)
		ol->fat[i] = le32((unsigned char *)&ol->fat[i]);
	/* The directory: 128-byte entries, the root storage first. */
	ol->dir = xmalloc(OLE_MAX_DIR * 128);
	if ((n = ole_read(ol, le32(h + 48), OLE_MAX_DIR * 128, 0, ol->dir,
	    OLE_MAX_DIR * 128)) < 128 || ol->dir[66] != 5)
		goto bad;
	ol->ndir = (size_t)n / 128;
	ol->cutoff = le32(h + 56);
	ol->mini_start = le32(ol->dir + 116);
	ol->mini_size = le32(ol->dir + 120);
	/* The mini FAT, when there are small streams. */
	if ((ol->nmfat = le32(h + 64)) > 0) {
		if ((uint64_t)ol->nmfat > maxsec)
			goto bad;
		ol->nmfat *= per;
		ol->mfat = xreallocarray(NULL, ol->nmfat, sizeof(uint32_t));
		if (ole_read(ol, le32(h + 60), (uint64_t)ol->nmfat * 4, 0,
		    (unsigned char *)ol->mfat, (size_t)ol->nmfat * 4) !=
		    (ssize_t)ol->nmfat * 4)
			goto bad;
		for (i = 0; i < ol->nmfat; i++)
			ol->mfat[i] = le32((unsigned char *)&ol->mfat[i]);
	}
	free(sec);
	return 0;
bad:
	free(sec);
	ole_close(ol);
	return -1;
}

/*
 * The directory entry of the stream called name (ASCII, any case) in the
 * root storage: its children form a tree of left and right siblings.
 */
static const unsigned char *
ole_find(const struct ole *ol, const char *name)
{
	uint32_t		 stack[64], id;
	const unsigned char	*e;
	size_t			 depth = 0, seen = 0, len = strlen(name), i;
	unsigned		 c;

	stack[depth++] = le32(ol->dir + 76);
	while (depth > 0 && seen++ < ol->ndir) {
		if ((id = stack[--depth]) >= ol->ndir)
			continue;
		e = ol->dir + (size_t)id * 128;
		if (e[66] == 2 && le16(e + 64) == 2 * len + 2) {
			for (i = 0; i < len; i++) {
				c = le16(e + 2 * i);
				if (c >= 'a' && c <= 'z')
					c -= 'a' - 'A';
				if (c != (unsigned)(name[i] >= 'a' &&
				    name[i] <= 'z' ? name[i] - ('a' - 'A') :
				    name[i]))
					break;
			}
			if (i == len)
				return e;
		}
		if (depth + 2 <= sizeof(stack) / sizeof(stack[0])) {
			stack[depth++] = le32(e + 68);
			stack[depth++] = le32(e + 72);
		}
	}
	return NULL;
}

/* The first bytes of the root storage's stream name; -1: none. */
static ssize_t
ole_peek(const struct ole *ol, const char *name, unsigned char *buf,
    size_t want)
{
	const unsigned char	*e;
	uint64_t		 size;

	if ((e = ole_find(ol, name)) == NULL)
		return -1;
	size = le32(e + 120);
	if (ol->shift == 12)
		size |= (uint64_t)le32(e + 124) << 32;
	return ole_read(ol, le32(e + 116), size, size < ol->cutoff, buf,
	    want);
}

/*
 * Which document a compound file holds, and whether a password locks it:
 * OOXML encrypted into an EncryptedPackage stream; Word's FIB with
 * fEncrypted set; an Excel workbook with a FILEPASS record before the
 * end of its first substream; a PowerPoint file with an EncryptedSummary
 * stream or the encrypted token in its Current User stream.  -1: not a
 * compound file that holds up.
 */
static int
ole_look(int fd, int *word, int *excel, int *ppt, int *encrypted)
{
	struct ole	 ol;
	unsigned char	*b;
	ssize_t		 n;
	size_t		 pos;
	uint32_t	 type;

	*word = *excel = *ppt = *encrypted = 0;
	if (ole_open(fd, &ol) == -1)
		return -1;
	b = xmalloc(OLE_PEEK);
	if (ole_find(&ol, "EncryptedPackage") != NULL)
		*encrypted = 1;
	if ((n = ole_peek(&ol, "WordDocument", b, 12)) >= 0) {
		*word = 1;
		if (n == 12 && le16(b) == 0xa5ec && (le16(b + 10) & 0x0100))
			*encrypted = 1;
	}
	if ((n = ole_peek(&ol, "Workbook", b, OLE_PEEK)) >= 0 ||
	    (n = ole_peek(&ol, "Book", b, OLE_PEEK)) >= 0) {
		*excel = 1;
		for (pos = 0; pos + 4 <= (size_t)n; pos += 4 + le16(b + pos +
		    2)) {
			if ((type = le16(b + pos)) == 0x002f)
				*encrypted = 1;
			if (type == 0x000a)
				break;
		}
	}
	if (ole_find(&ol, "PowerPoint Document") != NULL) {
		*ppt = 1;
		if (ole_find(&ol, "EncryptedSummary") != NULL ||
		    (ole_peek(&ol, "Current User", b, 16) == 16 &&
		    le32(b + 12) == 0xf3d1c4df))
			*encrypted = 1;
	}
	free(b);
	ole_close(&ol);
	return 0;
}

enum img_fmt
office_sniff(const char *path, enum img_fmt fmt)
{
	struct zip_look	 zl;
	int		 fd;

	if (fmt != IMG_FMT_ZIP)
		return fmt;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fmt;
	if (zip_look(fd, &zl) == 0) {
		if (zl.content_types && zl.word)
			fmt = IMG_FMT_DOCX;
		else if (zl.content_types && zl.xl)
			fmt = IMG_FMT_XLSX;
		else if (zl.content_types && zl.ppt)
			fmt = IMG_FMT_PPTX;
		else if (strncmp(zl.mimetype, "application/vnd.oasis."
		    "opendocument.text", 39) == 0)
			fmt = IMG_FMT_ODT;
		else if (strncmp(zl.mimetype, "application/vnd.oasis."
		    "opendocument.spreadsheet", 46) == 0)
			fmt = IMG_FMT_ODS;
		else if (strncmp(zl.mimetype, "application/vnd.oasis."
		    "opendocument.presentation", 47) == 0)
			fmt = IMG_FMT_ODP;
	}
	close(fd);
	return fmt;
}

/*
 * The profile LibreOffice runs with: macros never run (security level 3,
 * "very high", trusts no location; execution disabled outright), nothing
 * is fetched or updated from links, no first-start or recovery dialogue.
 */
static int
lo_profile(const char *dir, char **cause)
{
	static const char xcu[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
	    "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
#define LO_ITEM(path, prop, type, val) \
	    "<item oor:path=\"" path "\"><prop oor:name=\"" prop "\" " \
	    "oor:op=\"fuse\" oor:type=\"" type "\"><value>" val \
	    "</value></prop></item>\n"
	    LO_ITEM("/org.openoffice.Office.Common/Security/Scripting",
		"MacroSecurityLevel", "xs:int", "3")
	    LO_ITEM("/org.openoffice.Office.Common/Security/Scripting",
		"DisableMacrosExecution", "xs:boolean", "true")
	    LO_ITEM("/org.openoffice.Office.Common/Security/Scripting",
		"BlockUntrustedRefererLinks", "xs:boolean", "true")
	    LO_ITEM("/org.openoffice.Office.Writer/Content/Update",
		"Link", "xs:int", "2")
	    LO_ITEM("/org.openoffice.Office.Calc/Content/Update",
		"Link", "xs:int", "2")
	    LO_ITEM("/org.openoffice.Office.Common/Misc",
		"FirstRun", "xs:boolean", "false")
	    LO_ITEM("/org.openoffice.Office.Recovery/RecoveryInfo",
		"Enabled", "xs:boolean", "false")
#undef LO_ITEM
	    "</oor:items>\n";

	if (sandbox_subdir(dir, "profile", 0, cause) == -1 ||
	    sandbox_subdir(dir, "profile/user", 0, cause) == -1 ||
	    sandbox_write_in(dir, "profile/user/registrymodifications.xcu",
	    xcu, sizeof(xcu) - 1, cause) == -1)
		return -1;
	return 0;
}

/* The argv every soffice gets: the profile in dir, headless, no UI. */
static int
lo_argv(struct sandbox_spec *sp, const char *dir, char **prof)
{
	int	ac = 0;

	*prof = xprintf("-env:UserInstallation=file://%s/profile", dir);
	sp->argv[ac++] = "soffice";
	sp->argv[ac++] = *prof;
	sp->argv[ac++] = "--headless";
	sp->argv[ac++] = "--invisible";
	sp->argv[ac++] = "--norestore";
	sp->argv[ac++] = "--nologo";
	sp->argv[ac++] = "--nolockcheck";
	return ac;
}

/* The instance kept warm, one per process; its own lock. */
static pthread_mutex_t	 warm_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int			 up;
	struct sandbox_proc	 proc;
	char			*dir;
	char			*tmp;
	long long		 last;		/* now_ms() of the last use */
	unsigned		 seq;
} warm;

static void
warm_stop_locked(void)
{
	if (!warm.up)
		return;
	sandbox_stop(&warm.proc, NULL);
	sandbox_rmdir(warm.dir);
	free(warm.dir);
	free(warm.tmp);
	warm.dir = warm.tmp = NULL;
	warm.up = 0;
}

/* Stops the warm instance when it died or has been idle idle seconds. */
static void
warm_reap_locked(int idle)
{
	if (warm.up && (!sandbox_alive(&warm.proc) ||
	    now_ms() - warm.last > (long long)idle * 1000))
		warm_stop_locked();
}

void
img_office_idle(int idle)
{
	pthread_mutex_lock(&warm_mtx);
	warm_reap_locked(idle);
	pthread_mutex_unlock(&warm_mtx);
}

void
img_office_stop(void)
{
	pthread_mutex_lock(&warm_mtx);
	warm_stop_locked();
	pthread_mutex_unlock(&warm_mtx);
}

/*
 * The warm instance is ready: its UNO acceptor (started once LibreOffice
 * is up; nothing connects to it) has made its pipe in the warm /tmp.
 * LibreOffice's single-instance pipe appears earlier, before a request
 * sent there is served.
 */
static int
warm_listening(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 yes = 0;

	if ((d = opendir(warm.tmp)) == NULL)
		return 0;
	while (!yes && (de = readdir(d)) != NULL)
		yes = strncmp(de->d_name, "OSL_PIPE_", 9) == 0 &&
		    strstr(de->d_name, "faxhub-lo") != NULL;
	closedir(d);
	return yes;
}

/* Starts the warm instance and waits until it listens. */
static int
warm_start_locked(const struct img_opts *o, char **cause)
{
	struct sandbox_spec	 sp;
	char			*prof = NULL;
	long long		 until;
	int			 ac, rv = -1;

	if (sandbox_mkdir(&warm.dir, cause) == -1)
		return -1;
	warm.tmp = xprintf("%s/tmp", warm.dir);
	if (lo_profile(warm.dir, cause) == -1 ||
	    sandbox_subdir(warm.dir, "tmp", 1, cause) == -1)
		goto out;
	/* Stopped by us, idle or on error. */
	sandbox_converter(&sp, SOFFICE_PATH, warm.dir, 7 * 24 * 3600,
	    LO_MAX_AS, LO_MAX_FSIZE);
	sp.cpu = LO_WARM_CPU;
	sp.tmp = warm.tmp;
	ac = lo_argv(&sp, warm.dir, &prof);
	/*
	 * A headless LibreOffice ends once a forwarded --convert-to leaves
	 * no document open: a hidden blank one keeps it running.
	 */
	sp.argv[ac++] = "--accept=pipe,name=faxhub-lo;urp;";
	sp.argv[ac++] = "private:factory/swriter";
	sp.argv[ac] = NULL;
	if (sandbox_spawn(&sp, &warm.proc, cause) == -1)
		goto out;
	warm.up = 1;
	warm.last = now_ms();
	until = now_ms() + (long long)o->gs_timeout * 1000;
	while (!warm_listening()) {
		if (!sandbox_alive(&warm.proc) || now_ms() > until) {
			xasprintf(cause, "LibreOffice did not start");
			goto out;
		}
		poll(NULL, 0, 20);
	}
	log_debug("office: LibreOffice kept warm in %s", warm.dir);
	rv = 0;
out:
	free(prof);
	if (rv == -1) {
		if (warm.up)
			warm_stop_locked();
		else {
			sandbox_rmdir(warm.dir);
			free(warm.dir);
			free(warm.tmp);
			warm.dir = warm.tmp = NULL;
		}
	}
	return rv;
}

/* Reads what the warm instance said, so its pipe never fills. */
static void
warm_drain(void)
{
	struct pollfd	pfd;
	char		buf[4096];
	ssize_t		n;

	pfd.fd = warm.proc.out_fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) &&
	    (n = read(pfd.fd, buf, sizeof(buf))) > 0)
		log_debug("office: %.*s", (int)n, buf);
}

/*
 * Runs one soffice --convert-to pdf on dir/in, writing dir/out.pdf's
 * name into *pdf (allocated).  tmp: the warm instance's /tmp or NULL.
 */
static int
lo_convert(const char *dir, const char *tmp, const char *in,
    const char *name, const struct img_opts *o, enum img_err *err,
    char **cause)
{
	struct sandbox_spec	 sp;
	struct sandbox_result	 r;
	char			*prof = NULL, *inpath = NULL;
	int			 ac, rv = -1;

	sandbox_converter(&sp, SOFFICE_PATH, dir, o->gs_timeout, LO_MAX_AS,
	    LO_MAX_FSIZE);
	sp.tmp = tmp;
	ac = lo_argv(&sp, dir, &prof);
	inpath = xprintf("%s/%s", dir, in);
	sp.argv[ac++] = "--nodefault";
	sp.argv[ac++] = "--convert-to";
	sp.argv[ac++] = "pdf:writer_pdf_Export";
	sp.argv[ac++] = "--outdir";
	sp.argv[ac++] = dir;
	sp.argv[ac++] = inpath;
	sp.argv[ac] = NULL;
	*err = IMG_EIO;
	if (sandbox_run(&sp, &r, cause) == -1)
		goto out;
	if (r.outlen > 0)
		log_debug("soffice %s: %s", name, r.output);
	if (conv_ended(&r, name, "LibreOffice", "document", o->gs_timeout,
	    err, cause) == -1)
		goto out;
	rv = 0;
out:
	free(prof);
	free(inpath);
	return rv;
}

/* The extension LibreOffice is handed the document with. */
static const char *
office_ext(enum img_fmt fmt, int fd, enum img_err *err, char **cause,
    const char *name)
{
	struct zip_look	 zl;
	int		 word, excel, ppt, enc;

	switch (fmt) {
	case IMG_FMT_DOCX:
	case IMG_FMT_XLSX:
	case IMG_FMT_PPTX:
		return fmt == IMG_FMT_DOCX ? "docx" : fmt == IMG_FMT_XLSX ?
		    "xlsx" : "pptx";
	case IMG_FMT_ODT:
	case IMG_FMT_ODS:
	case IMG_FMT_ODP:
		if (zip_look(fd, &zl) == 0 && zl.odf_encrypted)
			goto locked;
		return fmt == IMG_FMT_ODT ? "odt" : fmt == IMG_FMT_ODS ?
		    "ods" : "odp";
	case IMG_FMT_RTF:
		return "rtf";
	case IMG_FMT_MSOLE:
		if (ole_look(fd, &word, &excel, &ppt, &enc) == -1) {
			*err = IMG_ECORRUPT;
			xasprintf(cause, "%s: a damaged compound file (not a "
			    "readable DOC, XLS or PPT)", name);
			return NULL;
		}
		if (enc)
			goto locked;
		if (word)
			return "doc";
		if (excel)
			return "xls";
		if (ppt)
			return "ppt";
		*err = IMG_EUNSUPPORTED;
		xasprintf(cause, "%s: an OLE2 compound file that is not a "
		    "Word, Excel or PowerPoint document", name);
		return NULL;
	default:
		break;
	}
	*err = IMG_ENOTDOC;
	xasprintf(cause, "%s: not an Office document", name);
	return NULL;
locked:
	*err = IMG_EENCRYPTED;
	xasprintf(cause, "%s: password-protected: send it without a "
	    "password", name);
	return NULL;
}

const char *
office_check(const char *path, const char *name, enum img_fmt fmt,
    enum img_err *err, char **cause)
{
	const char	*ext;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*err = IMG_EIO;
		xasprintf(cause, "%s: %s", name, strerror(errno));
		return NULL;
	}
	ext = office_ext(fmt, fd, err, cause, name);
	close(fd);
	return ext;
}

/* Removes name from the warm job directory, if there. */
static void
warm_unlink(const char *name)
{
	char	*p;

	if (name == NULL)
		return;
	p = xprintf("%s/%s", warm.dir, name);
	unlink(p);
	free(p);
}

int
office_render(const char *path, const char *name, enum img_fmt fmt,
    const char *out_tif, const struct img_opts *o, enum img_err *err,
    char **cause)
{
	const char	*ext;
	char		*dir = NULL, *in = NULL, *pdf = NULL, *pdfpath = NULL;
	struct stat	 sb;
	int		 rv = -1, usewarm, lo_failed = 0;

	if ((ext = office_check(path, name, fmt, err, cause)) == NULL)
		return -1;
	if (access(SOFFICE_PATH, X_OK) == -1) {
		*err = IMG_EIO;
		xasprintf(cause, "%s: cannot render the document: %s: %s",
		    name, SOFFICE_PATH, strerror(errno));
		return -1;
	}
	/*
	 * One document at a time through the warm instance, held until its
	 * PDF is rendered: stopping it removes its directory.
	 */
	if ((usewarm = o->office_warm > 0)) {
		pthread_mutex_lock(&warm_mtx);
		warm_reap_locked(o->office_warm);
		if (!warm.up && warm_start_locked(o, cause) == -1) {
			log_warnx("office: %s; rendering without a warm "
			    "LibreOffice", *cause);
			free(*cause);
			*cause = NULL;
			pthread_mutex_unlock(&warm_mtx);
			usewarm = 0;
		} else
			warm_drain();
	}
	*err = IMG_EIO;
	if (usewarm) {
		dir = xstrdup(warm.dir);
		in = xprintf("in%u.%s", ++warm.seq, ext);
	} else {
		if (sandbox_mkdir(&dir, cause) == -1 ||
		    lo_profile(dir, cause) == -1)
			goto out;
		in = xprintf("in.%s", ext);
	}
	if (sandbox_copy_in(dir, in, path, cause) == -1)
		goto out;
	xasprintf(&pdf, "%.*s.pdf", (int)(strrchr(in, '.') - in), in);
	pdfpath = xprintf("%s/%s", dir, pdf);
	if (lo_convert(dir, usewarm ? warm.tmp : NULL, in, name, o, err,
	    cause) == -1) {
		lo_failed = 1;
		goto out;
	}
	if (lstat(pdfpath, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size == 0) {
		if (usewarm)
			warm_drain();
		*err = IMG_EPDFBROKEN;
		xasprintf(cause, "%s: LibreOffice cannot render the document "
		    "(damaged, or not what it looks like)", name);
		goto out;
	}
	rv = gs_render(pdfpath, name, DOC_PDF, out_tif, o, err, cause);
out:
	if (usewarm) {
		/* A crash, a loop or a timeout: start afresh next time. */
		if (lo_failed)
			warm_stop_locked();
		else {
			warm_unlink(in);
			warm_unlink(pdf);
			warm.last = now_ms();
		}
		pthread_mutex_unlock(&warm_mtx);
	} else
		sandbox_rmdir(dir);
	free(dir);
	free(in);
	free(pdf);
	free(pdfpath);
	return rv;
}
