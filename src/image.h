/*
 * image.h: faxhub's imaging core (libtiff, libjpeg-turbo, libpng, giflib,
 * libwebp, libheif, Ghostscript).
 *
 * img_normalize() turns the attachments of a job (TIFF in any common form,
 * JPEG, PNG, GIF, BMP, WebP, HEIC images, PDF or PostScript, Office
 * documents rendered by LibreOffice, decided by content) into ONE multi-page TIFF Class F file: bilevel, 1728 pixels
 * wide, 204 dpi across, 196 or 98 lpi down, one strip per page, G4 (MMR)
 * or G3 2-D, FillOrder LSB2MSB, MinIsWhite.  Only the width decides the
 * scale: a page is A4 or Letter long, or longer up to B4 when its content
 * is, trailing white chopped.  Rows are read, scaled, reduced to black and
 * white a few at a time and kept as bits until the page ends, so memory
 * does not grow with the picture or the page count (a page that is turned,
 * or a photo whose kind is decided, is held once at output size).  Pages
 * are converted on several cores and written in order (opts.threads).
 * The notes say what was done to each page: passed through, scaled,
 * turned, "document photo: levelled and thresholded", "photograph:
 * dithered".  docs/imaging.md tells the whole story.
 *
 * img_topdf() embeds each CCITT page of a fax TIFF as is in a PDF;
 * img_preview_png() draws the first page as a small grey PNG.
 *
 * Every function is thread-safe: libtiff diagnostics are captured per call
 * (TIFFOpenOptions handlers) and routed into log.h in tiff-log.c only.
 * Errors: -1 with *cause set to an allocated message that names the input
 * and what is wrong, in words fit for a sender's report (caller frees).
 */
#ifndef FAXHUB_IMAGE_H
#define FAXHUB_IMAGE_H

#include <stddef.h>

#include "util.h"

enum img_err {
	IMG_OK = 0,
	IMG_ENOTDOC,		/* not a TIFF/PDF/PS */
	IMG_ECORRUPT,		/* truncated or corrupt */
	IMG_ENOPAGES,
	IMG_ETOOMANYPAGES,
	IMG_ETOOLARGE,		/* pixel limit, bomb */
	IMG_EUNSUPPORTED,	/* encoding/photometric we can't read */
	IMG_EPDFENCRYPTED,
	IMG_EPDFBROKEN,
	IMG_ETIMEOUT,
	IMG_EIO,
	IMG_EARCHIVE,		/* a zip archive: never unpacked */
	IMG_EMISMATCH,		/* named like an image, content is not */
	IMG_EENCRYPTED		/* an Office file with a password */
};

/* What a file is, by its first bytes (image_sniff()). */
enum img_fmt {
	IMG_FMT_NONE = 0,	/* nothing faxhub reads */
	IMG_FMT_TIFF,
	IMG_FMT_PDF,
	IMG_FMT_PS,
	IMG_FMT_JPEG,
	IMG_FMT_PNG,
	IMG_FMT_GIF,
	IMG_FMT_BMP,
	IMG_FMT_WEBP,
	IMG_FMT_HEIF,
	IMG_FMT_ZIP,		/* recognised to be refused by name */
	IMG_FMT_DOCX,		/* Office documents: LibreOffice */
	IMG_FMT_XLSX,
	IMG_FMT_PPTX,
	IMG_FMT_ODT,
	IMG_FMT_ODS,
	IMG_FMT_ODP,
	IMG_FMT_MSOLE,		/* DOC, XLS, PPT (OLE2 compound file) */
	IMG_FMT_RTF
};

/*
 * The format of a document from its first bytes (16 are enough, 32 are
 * better for HEIF brands).  The mail side calls it to decide whether a
 * part is a fax document: anything but IMG_FMT_NONE and IMG_FMT_ZIP is one.
 */
enum img_fmt	image_sniff(const void *buf, size_t len);
/*
 * From the first bytes alone a zip stays IMG_FMT_ZIP: the pipeline looks
 * into its central directory (OOXML, ODF) before refusing it, so the mail
 * side hands zip parts on too and the report gets the plain refusal.
 */
/* An Office document, rendered by LibreOffice. */
int		 image_fmt_office(enum img_fmt);
/* "JPEG", "PNG", ...; "unknown" for IMG_FMT_NONE. */
const char	*image_fmt_name(enum img_fmt);
/* The format a file name's extension claims, IMG_FMT_NONE when none. */
enum img_fmt	image_fmt_by_name(const char *name);

struct img_opts {
	int			fine;		/* 196 lpi, else 98 lpi */
	int			g4;		/* G4 (MMR), else G3 2-D */
	int			letter;		/* Letter length, else A4 */
	int			max_pages;	/* whole job */
	unsigned long long	max_pixels;	/* per input page */
	int			gs_timeout;	/* seconds per PDF/PS input */
	int			keep_coding;	/* pass fax pages in any coding */
	int			threads;	/* pages at once; 0: the cores */
	enum write_sync		sync;		/* of out_path (util.h) */
	int			office_warm;	/* idle seconds, 0: cold */
};

/*
 * keep_coding: the server takes G3 1-D, G3 2-D and G4 alike (HylaFAX
 * does), so a page already fax-ready in any of them is copied as is
 * instead of re-encoded to the wanted coding.
 * threads: pages of a job converted at once (each on its own core, the
 * output identical to one at a time); 0 uses every core, up to 4.
 * sync: how durable img_normalize() makes its output (file_write_sync()).
 * Defaults: fine, G4, A4, 500 pages, 200 Mpixel, 120 s, keep_coding 0,
 * threads 0, WRITE_DURABLE.
 */
void	img_opts_default(struct img_opts *);

struct img_stats {
	int	 pages;			/* pages written */
	int	 passed_through;	/* copied without re-encoding */
	int	 converted;		/* decoded and re-encoded */
	char	*notes;			/* allocated: "scan.tif: 2 pages, ..." */
};

/*
 * Normalises inputs[0..n-1] (file paths; names[i] is what the sender called
 * the file and is used in messages, or NULL for the path's base name) in
 * order into one TIFF Class F at out_path, written via a temp file, fsync
 * and rename (and directory fsync, as opts->sync says).  stats may be
 * NULL; otherwise it is filled in and the caller releases it with
 * img_stats_free().  On failure: -1, *err set, *cause
 * allocated (caller frees), no output file left behind.
 */
int	img_normalize(const char *const *inputs, const char *const *names,
	    size_t n, const char *out_path, const struct img_opts *,
	    struct img_stats *, enum img_err *err, char **cause);
void	img_stats_free(struct img_stats *);

/*
 * Text and cover pages (img-text.c: Pango and cairo, fontconfig's fonts,
 * CJK included), written as a fax-ready TIFF Class F at out_tif (temp file
 * and rename) that img_normalize() passes through.
 * img_text_pages(): UTF-8 text, wrapped and paginated on A4 or Letter at
 * opts' resolution; *pages gets the count.
 * img_cover_page(): one page with the sender, the fax number(s), the
 * date, the subject, the page count and as much of the mail's text as
 * fits.  All strings UTF-8; NULL or empty ones are left out.
 */
#define IMG_TEXT_MAX	(1U << 20)	/* bytes of text drawn, the rest cut */
struct img_cover {
	const char	*from_name;
	const char	*from_addr;
	const char	*to;		/* the fax number(s) */
	const char	*date;
	const char	*subject;
	int		 pages;		/* of the fax, the cover included */
	const char	*text;
};
int	img_text_pages(const char *text, const struct img_opts *,
	    const char *out_tif, int *pages, char **cause);
int	img_cover_page(const struct img_cover *, const struct img_opts *,
	    const char *out_tif, char **cause);
/*
 * Both run faxhub-text (img-text-run.c) in the sandbox, within
 * opts->gs_timeout seconds, so that no program that faxes text loads
 * Pango, cairo, fontconfig and the fonts, or holds the page being drawn
 * (16 MiB at fine resolution): the program next to the running one when
 * there is one (a build tree), else the one in PKGLIBEXECDIR.  They take
 * the same arguments as the drawing itself, text_draw_pages() and
 * text_draw_cover() (img-text.c), which only faxhub-text and the test
 * driver link, with Pango and cairo.
 */
int	text_draw_pages(const char *text, const struct img_opts *,
	    const char *out_tif, int *pages, char **cause);
int	text_draw_cover(const struct img_cover *, const struct img_opts *,
	    const char *out_tif, char **cause);

/*
 * office_warm > 0 keeps one LibreOffice running between Office documents
 * (in its sandbox, one document at a time) until it has been idle that
 * many seconds when the next document comes, or until img_office_stop();
 * 0 starts and ends one for every document.  A failed, crashed or timed
 * out conversion stops the warm one.
 */
void	img_office_stop(void);
/* Called now and then: stops it once idle that long (or dead). */
void	img_office_idle(int idle);

/*
 * Writes the fax TIFF tif as a PDF at pdf_path (temp file + rename): each
 * single-strip G3/G4 page is embedded as is (CCITTFaxDecode), other
 * bilevel pages uncompressed; page size follows the resolution.  *pages
 * (may be NULL) gets the page count.
 */
int	img_topdf(const char *tif, const char *pdf_path, int *pages,
	    char **cause);

/* First page of tif as an 8-bit grey PNG width pixels wide (16..2000). */
int	img_preview_png(const char *tif, const char *png_path, int width,
	    char **cause);

/* Counts the pages (directories) of tif, at most 10000. */
int	img_count_pages(const char *tif, int *pages, char **cause);

/* A short reason in plain words, e.g. "not a TIFF, PDF or PostScript". */
const char *img_err_text(enum img_err);

#endif
