/*
 * tiff-pdf.c: img_topdf().  Each page of a fax TIFF becomes one PDF page
 * whose image is the page's CCITT strip embedded as is (CCITTFaxDecode;
 * only the bit order is turned for FillOrder LSB2MSB), so nothing is lost
 * and nothing is re-encoded.  Pages in several strips or in other codings
 * are embedded as uncompressed bits.  The page size follows the
 * resolution.  The PDF is streamed to a temp file and renamed into place;
 * memory holds one strip or one row at a time.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

#define PDF_MAX_PAGES	10000

struct pdfw {
	FILE		*f;
	const char	*tif;
	long		*offs;		/* object offsets, [0] unused */
	size_t		 nobj, cap;
};

static void	pdf_obj(struct pdfw *, size_t);
static int	pdf_page(struct pdfw *, TIFF *, struct tiff_diag *, int,
		    size_t, char **);

static void
pdf_obj(struct pdfw *p, size_t n)
{
	if (n >= p->cap) {
		p->cap = n * 2 + 16;
		p->offs = xreallocarray(p->offs, p->cap, sizeof(*p->offs));
	}
	p->offs[n] = ftell(p->f);
	if (n > p->nobj)
		p->nobj = n;
	fprintf(p->f, "%zu 0 obj\n", n);
}

/* Page objects: page = base, contents = base + 1, image = base + 2. */
static int
pdf_page(struct pdfw *p, TIFF *tif, struct tiff_diag *d, int pageno,
    size_t base, char **cause)
{
	uint32_t	 w, h, opts = 0, y;
	uint16_t	 comp, fill = FILLORDER_MSB2LSB, photo, bps = 1, spp = 1;
	uint64_t	*bc;
	float		 xres, yres;
	double		 pw, ph;
	uint8_t		*data = NULL;
	tmsize_t	 n, sl;
	char		 content[128];
	int		 k = 0, ccitt, clen;

	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) || w == 0 || h == 0 ||
	    w > MAX_ROW_PIXELS || h > MAX_ROW_PIXELS) {
		xasprintf(cause, "%s: page %d: bad image size", p->tif,
		    pageno);
		return -1;
	}
	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &fill);
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo))
		photo = PHOTOMETRIC_MINISWHITE;
	if (bps != 1 || spp != 1 || (photo != PHOTOMETRIC_MINISWHITE &&
	    photo != PHOTOMETRIC_MINISBLACK)) {
		xasprintf(cause, "%s: page %d: not a black and white fax page "
		    "(%u bits, %u samples)", p->tif, pageno, bps, spp);
		return -1;
	}
	tiff_resolution(tif, &xres, &yres);
	if (xres == 0) {
		xres = FAX_XRES;
		yres = h > 1400 ? 196 : 98;
	}
	pw = w * 72.0 / xres;
	ph = h * 72.0 / yres;
	ccitt = (comp == COMPRESSION_CCITTFAX3 ||
	    comp == COMPRESSION_CCITTFAX4) && !TIFFIsTiled(tif) &&
	    TIFFNumberOfStrips(tif) == 1;
	if (comp == COMPRESSION_CCITTFAX3) {
		TIFFGetField(tif, TIFFTAG_GROUP3OPTIONS, &opts);
		if (opts & GROUP3OPT_UNCOMPRESSED)
			ccitt = 0;
		k = (opts & GROUP3OPT_2DENCODING) ? 1 : 0;
	} else if (comp == COMPRESSION_CCITTFAX4) {
		TIFFGetField(tif, TIFFTAG_GROUP4OPTIONS, &opts);
		if (opts & GROUP4OPT_UNCOMPRESSED)
			ccitt = 0;
		k = -1;
	}

	pdf_obj(p, base);
	fprintf(p->f, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f "
	    "%.2f] /Resources << /XObject << /Im0 %zu 0 R >> >> "
	    "/Contents %zu 0 R >>\nendobj\n", pw, ph, base + 2, base + 1);
	clen = snprintf(content, sizeof(content),
	    "q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q\n", pw, ph);
	pdf_obj(p, base + 1);
	fprintf(p->f, "<< /Length %d >>\nstream\n%sendstream\nendobj\n",
	    clen, content);

	pdf_obj(p, base + 2);
	fprintf(p->f, "<< /Type /XObject /Subtype /Image /Width %u "
	    "/Height %u /ColorSpace /DeviceGray /BitsPerComponent 1 ", w, h);
	if (ccitt) {
		if (!TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &bc) ||
		    bc[0] == 0 || bc[0] > MAX_RAW_STRIP) {
			xasprintf(cause, "%s: page %d: bad strip size", p->tif,
			    pageno);
			return -1;
		}
		data = xmalloc((size_t)bc[0]);
		if ((n = TIFFReadRawStrip(tif, 0, data, (tmsize_t)bc[0])) ==
		    -1)
			goto read_fail;
		if (fill == FILLORDER_LSB2MSB)
			TIFFReverseBits(data, n);
		/*
		 * The decoder's 0 is black; MinIsBlack data means what it
		 * decodes as white is black.
		 */
		fprintf(p->f, "/Filter /CCITTFaxDecode /DecodeParms << /K %d "
		    "/Columns %u /Rows %u >> %s/Length %lld >>\nstream\n",
		    k, w, h,
		    photo == PHOTOMETRIC_MINISBLACK ? "/Decode [1 0] " : "",
		    (long long)n);
		fwrite(data, 1, (size_t)n, p->f);
	} else {
		/* Uncompressed: 1 is black in MinIsWhite, white in PDF. */
		sl = TIFFScanlineSize(tif);
		if (sl <= 0 || sl > MAX_ROW_PIXELS / 8 + 1) {
			xasprintf(cause, "%s: page %d: bad scanline size",
			    p->tif, pageno);
			return -1;
		}
		data = xmalloc((size_t)sl);
		fprintf(p->f, "%s/Length %lld >>\nstream\n",
		    photo == PHOTOMETRIC_MINISWHITE ? "/Decode [1 0] " : "",
		    (long long)sl * h);
		for (y = 0; y < h; y++) {
			if (TIFFReadScanline(tif, data, y, 0) == -1)
				goto read_fail;
			fwrite(data, 1, (size_t)sl, p->f);
		}
	}
	fprintf(p->f, "\nendstream\nendobj\n");
	free(data);
	return 0;
read_fail:
	xasprintf(cause, "%s: page %d: %s", p->tif, pageno,
	    tiff_diag_msg(d, "read error"));
	free(data);
	return -1;
}

int
img_topdf(const char *tifpath, const char *pdf_path, int *pages,
    char **cause)
{
	struct tiff_diag	 d = { .name = tifpath };
	struct pdfw		 p;
	TIFF			*tif = NULL;
	char			*tmp;
	long			 xref;
	size_t			 i;
	int			 fd, np = 0, rv = -1;

	memset(&p, 0, sizeof(p));
	p.tif = tifpath;
	xasprintf(&tmp, "%s.tmpXXXXXX", pdf_path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	fchmod(fd, 0644);
	if ((p.f = fdopen(fd, "w")) == NULL) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if ((tif = tiff_open(tifpath, "rm", &d)) == NULL) {
		xasprintf(cause, "%s: %s", tifpath,
		    tiff_diag_msg(&d, "not a TIFF image"));
		goto out;
	}
	fprintf(p.f, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n");
	do {
		if (np >= PDF_MAX_PAGES) {
			xasprintf(cause, "%s: more than %d pages", tifpath,
			    PDF_MAX_PAGES);
			goto out;
		}
		if (pdf_page(&p, tif, &d, np + 1, 3 + 3 * (size_t)np,
		    cause) == -1)
			goto out;
		np++;
	} while (TIFFReadDirectory(tif));
	if (d.nerr > 0) {
		xasprintf(cause, "%s: after page %d: %s", tifpath, np,
		    tiff_diag_msg(&d, "corrupt directory"));
		goto out;
	}
	pdf_obj(&p, 1);
	fprintf(p.f, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	pdf_obj(&p, 2);
	fprintf(p.f, "<< /Type /Pages /Count %d /Kids [", np);
	for (i = 0; i < (size_t)np; i++)
		fprintf(p.f, "%s%zu 0 R", i % 8 == 0 ? "\n" : " ", 3 + 3 * i);
	fprintf(p.f, " ] >>\nendobj\n");
	xref = ftell(p.f);
	fprintf(p.f, "xref\n0 %zu\n0000000000 65535 f \n", p.nobj + 1);
	for (i = 1; i <= p.nobj; i++)
		fprintf(p.f, "%010ld 00000 n \n", p.offs[i]);
	fprintf(p.f, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%ld\n"
	    "%%%%EOF\n", p.nobj + 1, xref);
	if (fflush(p.f) != 0 || ferror(p.f) || fsync(fileno(p.f)) == -1) {
		xasprintf(cause, "write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(p.f) != 0) {
		p.f = NULL;
		xasprintf(cause, "write %s: %s", tmp, strerror(errno));
		goto out;
	}
	p.f = NULL;
	if (rename(tmp, pdf_path) == -1) {
		xasprintf(cause, "rename %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fsync_parent(pdf_path, cause) == -1)
		goto out;
	if (pages != NULL)
		*pages = np;
	rv = 0;
out:
	if (tif != NULL)
		TIFFClose(tif);
	if (p.f != NULL)
		fclose(p.f);
	if (rv == -1)
		unlink(tmp);
	free(tmp);
	free(p.offs);
	return rv;
}
