/*
 * tiff-int.h: the pieces of the imaging core (libfh_imaging.a) that its
 * files share; nothing outside src/tiff-*.c and src/ctl-image.c uses them.
 *
 *	tiff-log.c	libtiff open + the one diagnostics bridge into log.h
 *	tiff-read.c	any common TIFF page as 8-bit grey rows
 *	tiff-scale.c	area-averaging scaler, threshold/error diffusion
 *	tiff-write.c	TIFF Class F writer (G3 2-D / G4, one strip a page)
 *	tiff-g4.c	our G4 (MMR) encoder, used by the writer
 *	tiff-gs.c	PDF/PostScript to TIFF through a Ghostscript child
 *	img-office.c	Office documents to PDF through LibreOffice
 *	tiff-norm.c	img_normalize(): the pipeline
 *	tiff-pdf.c	img_topdf()
 *	tiff-png.c	img_preview_png()
 *	img-sniff.c	image_sniff(): the format from the first bytes
 *	img-src.c	struct imgsrc helpers shared by the decoders
 *	img-jpeg.c	JPEG (libjpeg-turbo), EXIF orientation, DCT scaling
 *	img-png.c	PNG (libpng), alpha flattened on white
 *	img-gif.c	GIF (giflib), first frame
 *	img-bmp.c	BMP (our own reader: uncompressed and bit fields)
 *	img-webp.c	WebP (libwebp), decoded scaled to the page
 *	img-heif.c	HEIC (libheif)
 *	img-level.c	document-photo detection and adaptive threshold
 *	img-queue.c	pages converted on several cores, written in order
 *	img-page.c	one picture to one page of bits: turn, scale, reduce
 */
#ifndef FAXHUB_TIFF_INT_H
#define FAXHUB_TIFF_INT_H

#include <stdint.h>
#include <tiffio.h>

#include "image.h"
#include "util.h"

#define FAX_WIDTH	1728
#define FAX_XRES	204
#define MAX_ROW_PIXELS	200000U		/* widest input row we accept */
#define MAX_RAW_STRIP	(16U << 20)	/* largest CCITT strip copied */

/*
 * IMG_HOT marks a per-pixel loop written for the vectoriser (plain counted
 * loops, restrict arrays, integers): GCC's -O2 cost model leaves most such
 * loops scalar.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define IMG_HOT	__attribute__((optimize("tree-vectorize")))
#else
#define IMG_HOT
#endif

/* Per-open diagnostics: the first libtiff error is kept for *cause. */
struct tiff_diag {
	const char	*name;		/* input name for log lines */
	int		 nerr;
	char		 first[256];
};

/* Opens path (mode as TIFFOpen) with diagnostics going to d. */
TIFF	*tiff_open(const char *path, const char *mode, struct tiff_diag *d);
/* Same on an open descriptor; TIFFClose() closes fd. */
TIFF	*tiff_fdopen(int fd, const char *path, const char *mode,
	    struct tiff_diag *d);
/* The first error seen, or dflt when there was none. */
const char *tiff_diag_msg(const struct tiff_diag *d, const char *dflt);

/* A page being read as grey rows, 0 black .. 255 white. */
struct tiff_rd {
	TIFF		*tif;
	const char	*name;
	int		 page;		/* 1-based, for messages */
	uint32_t	 w, h;
	uint16_t	 bps, spp, photo, planar, compression, fillorder;
	uint16_t	 ncolor;	/* colour samples (1, 3, 4) */
	int		 alpha;		/* 0 none, 1 unassociated, 2 assoc. */
	float		 xres, yres;	/* dpi, 0 when unknown */
	int		 bilevel;	/* 1 bit, one sample */
	int		 tiled;
	uint32_t	 chunk_h;	/* rows per tile row / strip (chunked) */
	int		 chunked;	/* tiles or separate planes */
	uint32_t	 row;		/* next row to deliver */
	uint32_t	 chunk_y0;	/* first row held in chunk, or -1 */
	tmsize_t	 plane_bytes;	/* bytes of one row of one plane */
	uint8_t		*line;		/* raw row (scanline mode) */
	uint8_t		*chunk;		/* chunk_h rows of each plane */
	uint8_t		*tile;		/* one tile */
	uint16_t	*samp;		/* w * spp raw sample values */
	uint8_t		*lut;		/* raw value -> 8 bit, per kind */
	uint8_t		*pal;		/* palette index -> grey */
};

/* Checks and prepares the current directory of tif for reading. */
int	tiff_rd_begin(struct tiff_rd *, TIFF *, const char *name, int page,
	    unsigned long long max_pixels, enum img_err *, char **cause);
/* Delivers the next row (w grey bytes). */
int	tiff_rd_row(struct tiff_rd *, uint8_t *grey, struct tiff_diag *,
	    char **cause);
void	tiff_rd_end(struct tiff_rd *);
/* Resolution of the current directory in dpi; 0 when absent or silly. */
void	tiff_resolution(TIFF *, float *xres, float *yres);

/* Area-averaging scaler: in_w x in_h grey rows to out_w x out_h. */
struct scaler;
typedef int (*scaler_emit)(void *arg, const uint8_t *row);
struct scaler *scaler_new(uint32_t in_w, uint32_t in_h, uint32_t out_w,
	    uint32_t out_h);
/* Feeds one input row; calls emit for every output row it completes. */
int	scaler_push(struct scaler *, const uint8_t *row, scaler_emit,
	    void *arg);
void	scaler_free(struct scaler *);

/* Grey rows to MinIsWhite bits (1 = black), threshold or diffusion. */
struct dither;
struct dither *dither_new(uint32_t w, int diffuse);
void	dither_row(struct dither *, const uint8_t *grey, uint8_t *bits);
void	dither_free(struct dither *);

/*
 * G4 (T.6) encoder: rows of w MinIsWhite bits (1 black, MSB first) to one
 * strip in that bit order, ending with EOFB.  g4_end()'s strip belongs to
 * the encoder and lasts until the next g4_begin() or g4_free().
 */
struct g4enc;
struct g4enc	*g4_new(uint32_t w);
void		 g4_begin(struct g4enc *);
void		 g4_row(struct g4enc *, const uint8_t *row);
const uint8_t	*g4_end(struct g4enc *, size_t *len);
void		 g4_free(struct g4enc *);

/* The TIFF Class F writer. */
struct faxw {
	TIFF		*tif;
	struct tiff_diag diag;
	char		*path;
	char		*tmp;
	int		 fd;
	int		 pages;		/* written so far */
	int		 total;		/* for PageNumber, 0 unknown */
	uint32_t	 rows, row;
	struct g4enc	*g4;		/* our G4 encoder, made once */
	int		 page_g4;	/* this page goes through it */
	uint8_t		*strip;		/* its strip in file bit order */
};
int	faxw_open(struct faxw *, const char *path, char **cause);
int	faxw_page_begin(struct faxw *, uint32_t rows, int g4, int fine,
	    char **cause);
int	faxw_row(struct faxw *, uint8_t *bits, char **cause);
int	faxw_page_end(struct faxw *, char **cause);
/* Copies the current page of in (one CCITT strip) without re-encoding. */
int	faxw_copy_page(struct faxw *, TIFF *in, struct tiff_diag *,
	    const char *name, int page, char **cause);
/* fsync, close, rename into place; faxw_abort() removes the temp file. */
int	faxw_commit(struct faxw *, enum write_sync, char **cause);
void	faxw_abort(struct faxw *);

/*
 * An image decoder as a row source.  open fills w, h (as stored), xres,
 * yres (dpi, 0 unknown), orient (EXIF 1..8, 1 upright) and desc; then
 * start(want_w, want_h) may make w and h smaller but not below the wanted
 * size (DCT or decoder scaling); then row delivers h grey rows top to
 * bottom, 0 black .. 255 white, alpha flattened on white.  Errors: -1,
 * *err, *cause in plain words; library messages go to the log only.
 */
struct imgsrc {
	const char	*name;
	uint32_t	 w, h;
	float		 xres, yres;
	int		 orient;
	int		 bilevel;	/* two colours: threshold, never dither */
	char		 desc[96];	/* "JPEG colour 4032x3024" */
	int		(*start)(struct imgsrc *, uint32_t, uint32_t,
			    enum img_err *, char **);
	int		(*row)(struct imgsrc *, uint8_t *, enum img_err *,
			    char **);
	void		(*close)(struct imgsrc *);
	void		*priv;
	unsigned long long max_pixels;
};
typedef int (*imgsrc_open_fn)(struct imgsrc *, const char *path,
    enum img_err *, char **);
int	imgsrc_open_jpeg(struct imgsrc *, const char *, enum img_err *,
	    char **);
int	imgsrc_open_png(struct imgsrc *, const char *, enum img_err *,
	    char **);
int	imgsrc_open_gif(struct imgsrc *, const char *, enum img_err *,
	    char **);
int	imgsrc_open_bmp(struct imgsrc *, const char *, enum img_err *,
	    char **);
int	imgsrc_open_webp(struct imgsrc *, const char *, enum img_err *,
	    char **);
int	imgsrc_open_heif(struct imgsrc *, const char *, enum img_err *,
	    char **);

/* img-src.c: helpers every decoder uses. */
/* The decoder of an image format, NULL for TIFF, PDF, PS and others. */
imgsrc_open_fn imgsrc_opener(enum img_fmt);
#define IMG_MAX_FILE	(64U << 20)	/* decoders that read whole files */
#define IMG_MAX_BUFFERED (64ULL << 20)	/* pixels held for interlacing */
/* -1 with *err = e and *cause "NAME: what" (printf-style what). */
int	imgsrc_fail(struct imgsrc *, enum img_err *, enum img_err, char **,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
/* The pixel limit from the header, before anything is decoded. */
int	imgsrc_check_size(struct imgsrc *, const char *fmt, enum img_err *,
	    char **);
/* RGBA (or RGB when alpha is 0) to grey, alpha flattened on white. */
void	rgba_to_grey(const uint8_t *, uint32_t n, int alpha, uint8_t *);
/* Reads a whole file of at most IMG_MAX_FILE bytes (caller frees). */
int	imgsrc_slurp(struct imgsrc *, const char *, uint8_t **, size_t *,
	    enum img_err *, char **);

/* img-level.c: a grey page held whole (w x h, output size). */
/* 1 when the page looks like a photo of a printed page. */
int	level_is_document(const uint8_t *page, uint32_t w, uint32_t h);
/* Local-mean levelling + Sauvola threshold in place: 0 or 255. */
void	level_threshold(uint8_t *page, uint32_t w, uint32_t h);

/* What a worker makes of one page, for the writer. */
struct norm_out {
	uint8_t		*bits;		/* len rows of FAX_WIDTH / 8 bytes */
	uint32_t	 len;
	int		 passed;	/* copy the TIFF page as it is */
	int		 piped;		/* may use a second core */
	int		 failed;
	struct buf	 note;		/* "page 2: ..., dithered; " */
	enum img_err	 err;
	char		*cause;
};

/*
 * img-page.c: src (one page) into out->bits and out->note, pageno for the
 * notes; classify: decide document photo or photograph (decoded images).
 */
int	img_page(struct imgsrc *src, int pageno, int classify,
	    const struct img_opts *, struct norm_out *out, enum img_err *,
	    char **cause);
/* Rows of a full A4 or Letter page (HylaFAX's lengths) at 196 or 98 lpi. */
uint32_t	page_rows(const struct img_opts *, int fine);
/* The longest page, in rows: B4 (364 mm). */
uint32_t img_page_maxrows(int fine);

/* img-queue.c: jobs worked on nthreads cores, put in order (see there). */
int	pageq_run(size_t n, int nthreads, size_t window,
	    int (*work)(void *, size_t), int (*put)(void *, size_t),
	    void (*fin)(void *, size_t), void *arg);

/* img-queue.c: one page's rows made on a second core (see there). */
int	rowpipe_run(uint32_t w, int (*produce)(void *, scaler_emit, void *),
	    void *parg, scaler_emit consume, void *carg);

/*
 * tiff-gs.c: what the end of a converter run (prog: "Ghostscript",
 * "LibreOffice") means for the part called name, a what ("PDF",
 * "document"): 0 when the converter ran to its end (its exit status is
 * the caller's to judge), else -1 with *err and *cause saying why (its
 * wall-clock or CPU limit, a crash, or that it could not be started).
 */
struct sandbox_result;
int	conv_ended(const struct sandbox_result *, const char *name,
	    const char *prog, const char *what, int timeout, enum img_err *,
	    char **cause);
/* Renders a PDF/PostScript file to a grey TIFF at out_tif with gs. */
int	gs_render(const char *path, const char *name, enum doc_kind,
	    const char *out_tif, const struct img_opts *, enum img_err *,
	    char **cause);

/* img-office.c: a zip's Office kind from its central directory. */
enum img_fmt	office_sniff(const char *path, enum img_fmt);
/*
 * img-office.c: the extension LibreOffice would be handed the Office
 * file at path (of kind fmt) with; NULL with *err and *cause when it is
 * none, password-protected or a damaged compound file.  Runs nothing.
 */
const char	*office_check(const char *path, const char *name, enum img_fmt,
		    enum img_err *, char **cause);
/* Renders an Office document to a grey TIFF (LibreOffice, then gs). */
int	office_render(const char *path, const char *name, enum img_fmt,
	    const char *out_tif, const struct img_opts *, enum img_err *,
	    char **cause);

#endif
