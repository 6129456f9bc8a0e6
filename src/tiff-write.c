/*
 * tiff-write.c: the TIFF Class F writer.  Pages are 1728 pixels wide,
 * 204 dpi across and 196 or 98 lpi down, bilevel MinIsWhite, FillOrder
 * LSB2MSB, one strip per page, coded G4 (MMR, our encoder in tiff-g4.c,
 * the strip written raw) or G3 2-D (libtiff's): what HylaFAX's tiffcheck
 * accepts without converting again.  The file is written beside
 * its final path and renamed into place only when complete.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

int
faxw_open(struct faxw *w, const char *path, char **cause)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->path = xstrdup(path);
	xasprintf(&w->tmp, "%s.tmpXXXXXX", path);
	if ((w->fd = mkostemp(w->tmp, O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", w->tmp, strerror(errno));
		free(w->tmp);
		free(w->path);
		w->tmp = w->path = NULL;
		return -1;
	}
	fchmod(w->fd, 0644);
	w->diag.name = w->path;
	if ((w->tif = tiff_fdopen(w->fd, w->tmp, "w", &w->diag)) == NULL) {
		xasprintf(cause, "%s: %s", w->path,
		    tiff_diag_msg(&w->diag, "cannot write TIFF"));
		close(w->fd);
		w->fd = -1;
		faxw_abort(w);
		return -1;
	}
	return 0;
}

static void
faxw_common_tags(struct faxw *w, uint32_t rows, float yres)
{
	TIFF	*t = w->tif;

	TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)FAX_WIDTH);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, rows);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(t, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_XRESOLUTION, (float)FAX_XRES);
	TIFFSetField(t, TIFFTAG_YRESOLUTION, yres);
	TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rows);
	TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)w->pages,
	    (uint16_t)w->total);
	TIFFSetField(t, TIFFTAG_SOFTWARE, "faxhub " PACKAGE_VERSION);
}

int
faxw_page_begin(struct faxw *w, uint32_t rows, int g4, int fine,
    char **cause)
{
	TIFF	*t = w->tif;

	faxw_common_tags(w, rows, fine ? 196.0f : 98.0f);
	TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
	if (g4) {
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
		TIFFSetField(t, TIFFTAG_GROUP4OPTIONS, 0);
	} else {
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
		TIFFSetField(t, TIFFTAG_GROUP3OPTIONS,
		    GROUP3OPT_2DENCODING | GROUP3OPT_FILLBITS);
	}
	TIFFSetField(t, TIFFTAG_CLEANFAXDATA, CLEANFAXDATA_CLEAN);
	w->rows = rows;
	w->row = 0;
	if (g4) {
		if (w->g4 == NULL)
			w->g4 = g4_new(FAX_WIDTH);
		g4_begin(w->g4);
	}
	w->page_g4 = g4;
	(void)cause;
	return 0;
}

int
faxw_row(struct faxw *w, uint8_t *bits, char **cause)
{
	if (w->row >= w->rows) {
		xasprintf(cause, "%s: page %d: too many rows", w->path,
		    w->pages + 1);
		return -1;
	}
	if (w->page_g4)
		g4_row(w->g4, bits);
	else if (TIFFWriteScanline(w->tif, bits, w->row, 0) == -1) {
		xasprintf(cause, "%s: %s", w->path,
		    tiff_diag_msg(&w->diag, "write error"));
		return -1;
	}
	w->row++;
	return 0;
}

int
faxw_page_end(struct faxw *w, char **cause)
{
	const uint8_t	*strip;
	size_t		 len;

	if (w->row != w->rows) {
		xasprintf(cause, "%s: page %d: %u of %u rows written",
		    w->path, w->pages + 1, w->row, w->rows);
		return -1;
	}
	if (w->page_g4) {
		/* The encoder's bits, reversed for FillOrder LSB2MSB. */
		w->page_g4 = 0;
		strip = g4_end(w->g4, &len);
		w->strip = xreallocarray(w->strip, len, 1);
		memcpy(w->strip, strip, len);
		TIFFReverseBits(w->strip, (tmsize_t)len);
		if (TIFFWriteRawStrip(w->tif, 0, w->strip, (tmsize_t)len) ==
		    -1) {
			xasprintf(cause, "%s: %s", w->path,
			    tiff_diag_msg(&w->diag, "write error"));
			return -1;
		}
	}
	if (!TIFFWriteDirectory(w->tif)) {
		xasprintf(cause, "%s: %s", w->path,
		    tiff_diag_msg(&w->diag, "cannot write directory"));
		return -1;
	}
	w->pages++;
	return 0;
}

int
faxw_copy_page(struct faxw *w, TIFF *in, struct tiff_diag *d,
    const char *name, int page, char **cause)
{
	uint16_t	 comp, fill = FILLORDER_MSB2LSB;
	uint32_t	 rows, opts = 0;
	uint64_t	*bc;
	float		 xres, yres;
	uint8_t		*raw = NULL;
	tmsize_t	 n;

	TIFFGetField(in, TIFFTAG_IMAGELENGTH, &rows);
	TIFFGetFieldDefaulted(in, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(in, TIFFTAG_FILLORDER, &fill);
	if (!TIFFGetField(in, TIFFTAG_STRIPBYTECOUNTS, &bc) ||
	    bc[0] == 0 || bc[0] > MAX_RAW_STRIP) {
		xasprintf(cause, "%s: page %d: bad strip size", name, page);
		return -1;
	}
	tiff_resolution(in, &xres, &yres);
	raw = xmalloc((size_t)bc[0]);
	if ((n = TIFFReadRawStrip(in, 0, raw, (tmsize_t)bc[0])) == -1) {
		xasprintf(cause, "%s: page %d: %s", name, page,
		    tiff_diag_msg(d, "cannot read strip"));
		free(raw);
		return -1;
	}
	faxw_common_tags(w, rows, yres > 150 ? 196.0f : 98.0f);
	TIFFSetField(w->tif, TIFFTAG_FILLORDER, fill);
	TIFFSetField(w->tif, TIFFTAG_COMPRESSION, comp);
	if (comp == COMPRESSION_CCITTFAX3) {
		TIFFGetField(in, TIFFTAG_GROUP3OPTIONS, &opts);
		TIFFSetField(w->tif, TIFFTAG_GROUP3OPTIONS, opts);
	} else if (comp == COMPRESSION_CCITTFAX4) {
		TIFFGetField(in, TIFFTAG_GROUP4OPTIONS, &opts);
		TIFFSetField(w->tif, TIFFTAG_GROUP4OPTIONS, opts);
	}
	/* Written as it was read: no bit reversal, no re-encoding. */
	if (TIFFWriteRawStrip(w->tif, 0, raw, n) == -1) {
		xasprintf(cause, "%s: %s", w->path,
		    tiff_diag_msg(&w->diag, "write error"));
		free(raw);
		return -1;
	}
	free(raw);
	w->rows = w->row = rows;
	return faxw_page_end(w, cause);
}

int
faxw_commit(struct faxw *w, char **cause)
{
	int	 r = -1;

	if (!TIFFFlush(w->tif)) {
		xasprintf(cause, "%s: %s", w->path,
		    tiff_diag_msg(&w->diag, "write error"));
		goto out;
	}
	if (fsync(w->fd) == -1) {
		xasprintf(cause, "fsync %s: %s", w->tmp, strerror(errno));
		goto out;
	}
	TIFFClose(w->tif);		/* closes fd */
	w->tif = NULL;
	w->fd = -1;
	if (rename(w->tmp, w->path) == -1) {
		xasprintf(cause, "rename %s: %s", w->tmp, strerror(errno));
		goto out;
	}
	free(w->tmp);
	w->tmp = NULL;
	if (fsync_parent(w->path, cause) == -1)
		goto out;
	r = 0;
out:
	faxw_abort(w);
	return r;
}

void
faxw_abort(struct faxw *w)
{
	if (w->tif != NULL) {
		TIFFClose(w->tif);
		w->tif = NULL;
		w->fd = -1;
	}
	if (w->fd != -1) {
		close(w->fd);
		w->fd = -1;
	}
	if (w->tmp != NULL) {
		unlink(w->tmp);
		free(w->tmp);
		w->tmp = NULL;
	}
	free(w->path);
	w->path = NULL;
	g4_free(w->g4);
	w->g4 = NULL;
	free(w->strip);
	w->strip = NULL;
}
