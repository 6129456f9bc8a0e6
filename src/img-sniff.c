/*
 * img-sniff.c: what a document is, from its first bytes, and what its name
 * claims it is.  Content decides what faxhub does with a file; the name is
 * only compared with it to say so when they disagree.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "image.h"
#include "util.h"

static int	heif_brand(const unsigned char *);

static const struct {
	enum img_fmt	 fmt;
	const char	*name;
	const char	*ext;		/* space separated, with dots */
} fmts[] = {
	{ IMG_FMT_TIFF, "TIFF", ".tif .tiff " },
	{ IMG_FMT_PDF, "PDF", ".pdf " },
	{ IMG_FMT_PS, "PostScript", ".ps .eps " },
	{ IMG_FMT_JPEG, "JPEG", ".jpg .jpeg .jpe .jfif " },
	{ IMG_FMT_PNG, "PNG", ".png " },
	{ IMG_FMT_GIF, "GIF", ".gif " },
	{ IMG_FMT_BMP, "BMP", ".bmp .dib " },
	{ IMG_FMT_WEBP, "WebP", ".webp " },
	{ IMG_FMT_HEIF, "HEIC", ".heic .heif .hif " },
	{ IMG_FMT_ZIP, "zip archive", ".zip " },
	{ IMG_FMT_DOCX, "DOCX", ".docx .docm .dotx " },
	{ IMG_FMT_XLSX, "XLSX", ".xlsx .xlsm " },
	{ IMG_FMT_PPTX, "PPTX", ".pptx .ppsx " },
	{ IMG_FMT_ODT, "ODT", ".odt " },
	{ IMG_FMT_ODS, "ODS", ".ods " },
	{ IMG_FMT_ODP, "ODP", ".odp " },
	{ IMG_FMT_MSOLE, "DOC/XLS/PPT", ".doc .xls .ppt " },
	{ IMG_FMT_RTF, "RTF", ".rtf " },
};

static int
heif_brand(const unsigned char *b)
{
	static const char *const brands[] = {
		"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1",
		"msf1", NULL
	};
	int	i;

	for (i = 0; brands[i] != NULL; i++)
		if (memcmp(b, brands[i], 4) == 0)
			return 1;
	return 0;
}

enum img_fmt
image_sniff(const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	uint32_t		 boxlen, dib, off;

	switch (doc_sniff(buf, len)) {
	case DOC_TIFF:
		return IMG_FMT_TIFF;
	case DOC_PDF:
		return IMG_FMT_PDF;
	case DOC_POSTSCRIPT:
		return IMG_FMT_PS;
	case DOC_OTHER:
		break;
	}
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMG_FMT_JPEG;
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return IMG_FMT_PNG;
	if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return IMG_FMT_GIF;
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return IMG_FMT_WEBP;
	if (len >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
		return IMG_FMT_ZIP;
	if (len >= 8 && memcmp(p, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0)
		return IMG_FMT_MSOLE;
	if (len >= 5 && memcmp(p, "{\\rtf", 5) == 0)
		return IMG_FMT_RTF;
	/* ISO base media: a box "ftyp" whose major or a compatible brand is HEIF. */
	if (len >= 12 && memcmp(p + 4, "ftyp", 4) == 0) {
		boxlen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		if (heif_brand(p + 8))
			return IMG_FMT_HEIF;
		for (off = 16; off + 4 <= boxlen && off + 4 <= len; off += 4)
			if (heif_brand(p + off))
				return IMG_FMT_HEIF;
		return IMG_FMT_NONE;
	}
	/* BMP: "BM", then a known DIB header size at offset 14. */
	if (len >= 18 && p[0] == 'B' && p[1] == 'M') {
		dib = (uint32_t)p[14] | (uint32_t)p[15] << 8 |
		    (uint32_t)p[16] << 16 | (uint32_t)p[17] << 24;
		if (dib == 12 || dib == 40 || dib == 52 || dib == 56 ||
		    dib == 64 || dib == 108 || dib == 124)
			return IMG_FMT_BMP;
	}
	return IMG_FMT_NONE;
}

int
image_fmt_office(enum img_fmt f)
{
	return f >= IMG_FMT_DOCX && f <= IMG_FMT_RTF;
}

const char *
image_fmt_name(enum img_fmt f)
{
	size_t	i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (fmts[i].fmt == f)
			return fmts[i].name;
	return "unknown";
}

enum img_fmt
image_fmt_by_name(const char *name)
{
	const char	*dot;
	char		 ext[16];
	size_t		 i, n;

	if (name == NULL || (dot = strrchr(name, '.')) == NULL)
		return IMG_FMT_NONE;
	n = strlen(dot);
	if (n + 2 > sizeof(ext))
		return IMG_FMT_NONE;
	for (i = 0; i < n; i++)
		ext[i] = (char)(dot[i] >= 'A' && dot[i] <= 'Z' ?
		    dot[i] - 'A' + 'a' : dot[i]);
	ext[n] = ' ';
	ext[n + 1] = '\0';
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (strstr(fmts[i].ext, ext) != NULL)
			return fmts[i].fmt;
	return IMG_FMT_NONE;
}
