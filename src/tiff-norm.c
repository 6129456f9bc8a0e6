/*
 * tiff-norm.c: img_normalize(), the pipeline that turns a job's attachments
 * into one TIFF Class F file, and the small public helpers of image.h.
 *
 * Three passes: (1) sniff every input by content, refuse archives and
 * files that are not what their name says, render PDF/PostScript through
 * Ghostscript into temporary grey TIFFs and count pages, so that a bad
 * input or too many pages is refused before anything is written; (2) each
 * page is a job of the page queue (img-queue.c): a worker marks it to be
 * copied when it is already a fax page in a coding we may keep, or reads
 * it (libtiff here, or a decoder img-*.c) and makes its bits (img-page.c);
 * the writer, in page order, copies or encodes it and keeps its notes;
 * (3) commit the output with fsync and rename.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "image.h"
#include "log.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"

#define MAX_DIRECTORIES	10000

struct norm_in {
	const char	*path;		/* what we read (maybe gs output) */
	char		*name;		/* for messages */
	enum doc_kind	 kind;
	enum img_fmt	 fmt;		/* by content */
	enum img_fmt	 named;		/* what the name claims */
	char		*rendered;	/* temp file from gs, removed */
	int		 pages;
};

/* One page of one input: a job of the page queue. */
struct norm_job {
	size_t		 in;
	int		 page;		/* 1-based */
	struct norm_out	 out;
};

/* A whole img_normalize() run, shared by its workers and its writer. */
struct norm_run {
	struct norm_in		*in;
	struct norm_job		*jobs;
	const struct img_opts	*o;
	struct faxw		*w;
	struct img_stats	*st;
	struct buf		*notes;	/* every input's note */
	struct buf		 note;	/* the current input's pages */
	size_t			 cur;	/* input of the writer's handle */
	TIFF			*tif;	/* for pages passed through */
	struct tiff_diag	 diag;
	int			 piped;	/* one page: two cores for it */
	enum img_err		*err;
	char			**cause;
};

/* A TIFF page as an image source (see struct imgsrc). */
struct tiff_src {
	struct tiff_rd		*rd;
	struct tiff_diag	*d;
};

static int	norm_sniff(struct norm_in *, enum img_err *, char **);
static int	norm_count(struct norm_in *, enum img_err *, char **);
static int	norm_page(struct norm_in *, TIFF *, struct tiff_diag *, int,
		    const struct img_opts *, struct norm_out *, enum img_err *,
		    char **);
static int	norm_decoded(struct norm_in *, const struct img_opts *,
		    struct norm_out *, enum img_err *, char **);
static int	job_work(void *, size_t);
static int	job_put(void *, size_t);
static void	job_fin(void *, size_t);
static int	put_file_note(struct norm_run *, struct norm_in *);
static int	img_cores(void);
static int	tsrc_row(struct imgsrc *, uint8_t *, enum img_err *, char **);
static int	tsrc_start(struct imgsrc *, uint32_t, uint32_t,
		    enum img_err *, char **);
static int	is_fax_page(const struct tiff_rd *, const struct img_opts *,
		    uint32_t);
static const char *photo_name(const struct tiff_rd *);

void
img_opts_default(struct img_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fine = 1;
	o->g4 = 1;
	o->letter = 0;
	o->max_pages = 500;
	o->max_pixels = 200ULL * 1000 * 1000;
	o->gs_timeout = 120;
}

/* Cores to convert pages on: those online, 1 to 4. */
static int
img_cores(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

void
img_stats_free(struct img_stats *st)
{
	if (st == NULL)
		return;
	free(st->notes);
	memset(st, 0, sizeof(*st));
}

const char *
img_err_text(enum img_err e)
{
	switch (e) {
	case IMG_OK:
		return "no error";
	case IMG_ENOTDOC:
		return "not a document or image faxhub can send";
	case IMG_ECORRUPT:
		return "truncated or corrupt image";
	case IMG_ENOPAGES:
		return "the document has no pages";
	case IMG_ETOOMANYPAGES:
		return "too many pages";
	case IMG_ETOOLARGE:
		return "image too large";
	case IMG_EUNSUPPORTED:
		return "unsupported image encoding";
	case IMG_EPDFENCRYPTED:
		return "the PDF is encrypted";
	case IMG_EPDFBROKEN:
		return "the PDF or PostScript is broken";
	case IMG_ETIMEOUT:
		return "rendering took too long";
	case IMG_EIO:
		return "input/output error";
	case IMG_EARCHIVE:
		return "an archive: faxhub does not unpack archives";
	case IMG_EMISMATCH:
		return "the file is not what its name says";
	}
	return "unknown error";
}

static int
norm_sniff(struct norm_in *in, enum img_err *err, char **cause)
{
	unsigned char	 hdr[64];
	ssize_t		 n;
	int		 fd;
	uint64_t	 off = 0;
	int		 le, i;

	if ((fd = open(in->path, O_RDONLY | O_CLOEXEC)) == -1) {
		*err = IMG_EIO;
		xasprintf(cause, "%s: %s", in->name, strerror(errno));
		return -1;
	}
	do
		n = read(fd, hdr, sizeof(hdr));
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n == -1) {
		*err = IMG_EIO;
		xasprintf(cause, "%s: %s", in->name, strerror(errno));
		return -1;
	}
	if (n == 0) {
		*err = IMG_ENOTDOC;
		xasprintf(cause, "%s: empty file, not a document or image",
		    in->name);
		return -1;
	}
	in->kind = doc_sniff(hdr, (size_t)n);
	in->fmt = image_sniff(hdr, (size_t)n);
	in->named = image_fmt_by_name(in->name);
	if (in->fmt == IMG_FMT_ZIP) {
		*err = IMG_EARCHIVE;
		xasprintf(cause, "%s: a zip archive (or a file packed like "
		    "one); faxhub does not unpack archives: send the "
		    "documents themselves", in->name);
		return -1;
	}
	if (in->fmt == IMG_FMT_NONE && in->named != IMG_FMT_NONE) {
		*err = IMG_EMISMATCH;
		xasprintf(cause, "%s: not a %s %s: the name says so, but the "
		    "content is not a document or image faxhub reads",
		    in->name, image_fmt_name(in->named),
		    in->named == IMG_FMT_PDF || in->named == IMG_FMT_PS ?
		    "document" : "image");
		return -1;
	}
	if (in->fmt == IMG_FMT_NONE) {
		*err = IMG_ENOTDOC;
		xasprintf(cause, "%s: not a TIFF, JPEG, PNG, GIF, BMP, WebP "
		    "or HEIC image, PDF or PostScript document", in->name);
		return -1;
	}
	if (in->kind != DOC_TIFF)
		return 0;
	/* A header whose first directory offset is 0 has no pages. */
	le = hdr[0] == 'I';
	if (hdr[2] == 42 || hdr[3] == 42) {
		if (n < 8)
			goto short_hdr;
		for (i = 0; i < 4; i++)
			off |= (uint64_t)hdr[4 + (le ? i : 3 - i)] << (8 * i);
	} else {
		if (n < 16)
			goto short_hdr;
		for (i = 0; i < 8; i++)
			off |= (uint64_t)hdr[8 + (le ? i : 7 - i)] << (8 * i);
	}
	if (off == 0) {
		*err = IMG_ENOPAGES;
		xasprintf(cause, "%s: the TIFF image has no pages", in->name);
		return -1;
	}
	return 0;
short_hdr:
	*err = IMG_ECORRUPT;
	xasprintf(cause, "%s: truncated TIFF header", in->name);
	return -1;
}

static int
norm_count(struct norm_in *in, enum img_err *err, char **cause)
{
	struct tiff_diag	 d = { .name = in->name };
	TIFF			*tif;
	tdir_t			 n;

	if ((tif = tiff_open(in->path, "rm", &d)) == NULL) {
		*err = IMG_ECORRUPT;
		xasprintf(cause, "%s: corrupt TIFF image: %s", in->name,
		    tiff_diag_msg(&d, "cannot open"));
		return -1;
	}
	n = TIFFNumberOfDirectories(tif);
	TIFFClose(tif);
	if (n == 0) {
		*err = IMG_ENOPAGES;
		xasprintf(cause, "%s: the TIFF image has no pages", in->name);
		return -1;
	}
	if (n > MAX_DIRECTORIES) {
		*err = IMG_ETOOMANYPAGES;
		xasprintf(cause, "%s: more than %d pages", in->name,
		    MAX_DIRECTORIES);
		return -1;
	}
	in->pages = (int)n;
	return 0;
}

static int
is_fax_page(const struct tiff_rd *rd, const struct img_opts *o,
    uint32_t maxrows)
{
	uint32_t	opts = 0;
	float		want = o->fine ? 196.0f : 98.0f;

	if (!rd->bilevel || rd->photo != PHOTOMETRIC_MINISWHITE ||
	    rd->w != FAX_WIDTH || rd->h > maxrows || rd->tiled ||
	    TIFFNumberOfStrips(rd->tif) != 1)
		return 0;
	if (rd->xres < 195 || rd->xres > 210 || fabsf(rd->yres - want) > 4)
		return 0;
	TIFFGetField(rd->tif, TIFFTAG_GROUP3OPTIONS, &opts);
	if (o->keep_coding)
		return rd->compression == COMPRESSION_CCITTFAX4 ||
		    (rd->compression == COMPRESSION_CCITTFAX3 &&
		    (opts & GROUP3OPT_UNCOMPRESSED) == 0);
	if (o->g4)
		return rd->compression == COMPRESSION_CCITTFAX4;
	if (rd->compression != COMPRESSION_CCITTFAX3)
		return 0;
	return (opts & GROUP3OPT_2DENCODING) != 0 &&
	    (opts & GROUP3OPT_UNCOMPRESSED) == 0;
}

static int
tsrc_start(struct imgsrc *src, uint32_t want_w, uint32_t want_h,
    enum img_err *err, char **cause)
{
	return 0;
}

static int
tsrc_row(struct imgsrc *src, uint8_t *grey, enum img_err *err,
    char **cause)
{
	struct tiff_src	*t = src->priv;

	if (tiff_rd_row(t->rd, grey, t->d, cause) == -1) {
		*err = IMG_ECORRUPT;
		return -1;
	}
	return 0;
}

static const char *
photo_name(const struct tiff_rd *rd)
{
	if (rd->bilevel)
		return "black and white";
	switch (rd->photo) {
	case PHOTOMETRIC_MINISWHITE:
	case PHOTOMETRIC_MINISBLACK:
		return "grey";
	case PHOTOMETRIC_PALETTE:
		return "palette";
	case PHOTOMETRIC_SEPARATED:
		return "CMYK";
	default:
		return rd->alpha ? "RGBA" : "RGB";
	}
}

static int
norm_page(struct norm_in *in, TIFF *tif, struct tiff_diag *d, int pageno,
    const struct img_opts *o, struct norm_out *out, enum img_err *err,
    char **cause)
{
	struct tiff_rd		 rd;
	struct tiff_src		 ts;
	struct imgsrc		 src;
	uint16_t		 comp;
	uint32_t		 g3 = 0;
	int			 rv;

	if (tiff_rd_begin(&rd, tif, in->name, pageno, o->max_pixels, err,
	    cause) == -1)
		return -1;
	if (in->rendered == NULL &&
	    is_fax_page(&rd, o, img_page_maxrows(o->fine))) {
		comp = rd.compression;
		TIFFGetField(tif, TIFFTAG_GROUP3OPTIONS, &g3);
		tiff_rd_end(&rd);
		out->passed = 1;
		buf_addf(&out->note, "page %d: fax page in %s, passed "
		    "through; ", pageno, comp == COMPRESSION_CCITTFAX4 ? "G4" :
		    g3 & GROUP3OPT_2DENCODING ? "G3 2-D" : "G3 1-D");
		return 0;
	}
	memset(&src, 0, sizeof(src));
	ts.rd = &rd;
	ts.d = d;
	src.name = in->name;
	src.w = rd.w;
	src.h = rd.h;
	src.xres = rd.xres;
	src.yres = rd.yres;
	src.orient = 1;
	src.bilevel = rd.bps == 1 && rd.ncolor == 1;
	src.start = tsrc_start;
	src.row = tsrc_row;
	src.priv = &ts;
	snprintf(src.desc, sizeof(src.desc), "%s %u-bit %ux%u",
	    photo_name(&rd), rd.bps, rd.w, rd.h);
	rv = img_page(&src, pageno, 0, o, out, err, cause);
	tiff_rd_end(&rd);
	return rv;
}

/* One decoded image (JPEG, PNG, ...): one page. */
static int
norm_decoded(struct norm_in *in, const struct img_opts *o,
    struct norm_out *out, enum img_err *err, char **cause)
{
	struct imgsrc	src;
	imgsrc_open_fn	dec;
	int		rv;

	memset(&src, 0, sizeof(src));
	src.name = in->name;
	src.max_pixels = o->max_pixels;
	if ((dec = imgsrc_opener(in->fmt)) == NULL) {
		*err = IMG_ENOTDOC;
		xasprintf(cause, "%s: not an image faxhub reads", in->name);
		return -1;
	}
	if (dec(&src, in->path, err, cause) == -1)
		return -1;
	rv = img_page(&src, 1, 1, o, out, err, cause);
	src.close(&src);
	return rv;
}

/* Worker: one page of one input into bits (or marked to be copied). */
static int
job_work(void *arg, size_t j)
{
	struct norm_run		*r = arg;
	struct norm_job		*jb = &r->jobs[j];
	struct norm_in		*in = &r->in[jb->in];
	struct norm_out		*out = &jb->out;
	struct tiff_diag	 d = { .name = in->name };
	TIFF			*tif;
	int			 rv = -1;

	out->err = IMG_OK;
	out->piped = r->piped;
	if (in->kind == DOC_OTHER)
		rv = norm_decoded(in, r->o, out, &out->err, &out->cause);
	else if ((tif = tiff_open(in->path, "rm", &d)) == NULL) {
		out->err = IMG_ECORRUPT;
		xasprintf(&out->cause, "%s: corrupt TIFF image: %s", in->name,
		    tiff_diag_msg(&d, "cannot open"));
	} else {
		if (!TIFFSetDirectory(tif, (tdir_t)(jb->page - 1))) {
			out->err = IMG_ECORRUPT;
			xasprintf(&out->cause, "%s: page %d: corrupt TIFF "
			    "directory: %s", in->name, jb->page,
			    tiff_diag_msg(&d, "cannot read"));
		} else
			rv = norm_page(in, tif, &d, jb->page, r->o, out,
			    &out->err, &out->cause);
		TIFFClose(tif);
	}
	out->failed = rv == -1;
	return rv;
}

static void
job_fin(void *arg, size_t j)
{
	struct norm_run	*r = arg;
	struct norm_out	*out = &r->jobs[j].out;

	free(out->bits);
	free(out->cause);
	buf_free(&out->note);
	out->bits = NULL;
	out->cause = NULL;
}

/* Writer, in page order: the page into the fax file, its note kept. */
static int
job_put(void *arg, size_t j)
{
	struct norm_run	*r = arg;
	struct norm_job	*jb = &r->jobs[j];
	struct norm_in	*in = &r->in[jb->in];
	struct norm_out	*out = &jb->out;
	uint32_t	 y;
	int		 rv = -1;

	if (out->failed) {
		*r->err = out->err;
		*r->cause = out->cause;
		out->cause = NULL;
		goto done;
	}
	*r->err = IMG_EIO;
	if (out->passed) {
		if (r->tif == NULL || r->cur != jb->in) {
			if (r->tif != NULL)
				TIFFClose(r->tif);
			r->diag.name = in->name;
			r->cur = jb->in;
			if ((r->tif = tiff_open(in->path, "rm", &r->diag)) ==
			    NULL) {
				xasprintf(r->cause, "%s: %s", in->name,
				    tiff_diag_msg(&r->diag, "cannot open"));
				goto done;
			}
		}
		if (!TIFFSetDirectory(r->tif, (tdir_t)(jb->page - 1))) {
			xasprintf(r->cause, "%s: page %d: %s", in->name,
			    jb->page, tiff_diag_msg(&r->diag, "cannot read"));
			goto done;
		}
		if (faxw_copy_page(r->w, r->tif, &r->diag, in->name, jb->page,
		    r->cause) == -1)
			goto done;
		r->st->passed_through++;
	} else {
		if (faxw_page_begin(r->w, out->len, r->o->g4, r->o->fine,
		    r->cause) == -1)
			goto done;
		for (y = 0; y < out->len; y++)
			if (faxw_row(r->w, out->bits + (size_t)y *
			    (FAX_WIDTH / 8), r->cause) == -1)
				goto done;
		if (faxw_page_end(r->w, r->cause) == -1)
			goto done;
		r->st->converted++;
	}
	buf_add(&r->note, out->note.data, out->note.len);
	if (jb->page == in->pages && put_file_note(r, in) == -1)
		goto done;
	*r->err = IMG_OK;
	rv = 0;
done:
	job_fin(r, j);
	return rv;
}

/* "name: N pages (page 1: ...; page 2: ...)" for an input just written. */
static int
put_file_note(struct norm_run *r, struct norm_in *in)
{
	struct buf	*notes = r->notes, *note = &r->note;

	if (note->len >= 2)
		note->len -= 2;
	buf_addf(notes, "%s%s: %d page%s%s (%.*s)", notes->len ? "; " : "",
	    in->name, in->pages, in->pages == 1 ? "" : "s",
	    in->kind == DOC_TIFF || in->kind == DOC_OTHER ? "" :
	    in->kind == DOC_PDF ? ", PDF rendered by Ghostscript" :
	    ", PostScript rendered by Ghostscript", (int)note->len,
	    note->data != NULL ? note->data : "");
	if (in->named != IMG_FMT_NONE && in->named != in->fmt)
		buf_addf(notes, " (named like a %s file, read as %s)",
		    image_fmt_name(in->named), image_fmt_name(in->fmt));
	note->len = 0;
	return 0;
}

int
img_normalize(const char *const *inputs, const char *const *names, size_t n,
    const char *out_path, const struct img_opts *o, struct img_stats *stp,
    enum img_err *err, char **cause)
{
	struct norm_in		*in;
	struct faxw		 w;
	struct img_stats	 st;
	struct buf		 notes;
	const char		*base;
	struct norm_run		 run;
	size_t			 i, k;
	int			 total = 0, fd, rv = -1, wopen = 0, p, nthreads;

	memset(&st, 0, sizeof(st));
	buf_init(&notes);
	*err = IMG_OK;
	if (n == 0) {
		*err = IMG_ENOPAGES;
		xasprintf(cause, "no documents to convert");
		return -1;
	}
	in = xcalloc(n, sizeof(*in));
	for (i = 0; i < n; i++) {
		in[i].path = inputs[i];
		if (names != NULL && names[i] != NULL)
			in[i].name = xstrdup(names[i]);
		else {
			base = strrchr(inputs[i], '/');
			in[i].name = xstrdup(base != NULL ? base + 1 :
			    inputs[i]);
		}
	}
	for (i = 0; i < n; i++) {
		if (norm_sniff(&in[i], err, cause) == -1)
			goto out;
		if (in[i].kind == DOC_OTHER) {
			/* An image decoded straight into its one page. */
			in[i].pages = 1;
			total++;
			if (total > o->max_pages)
				goto too_many;
			continue;
		}
		if (in[i].kind != DOC_TIFF) {
			xasprintf(&in[i].rendered, "%s.gs%zuXXXXXX", out_path,
			    i);
			if ((fd = mkostemp(in[i].rendered, O_CLOEXEC)) == -1) {
				*err = IMG_EIO;
				xasprintf(cause, "%s: %s", in[i].rendered,
				    strerror(errno));
				free(in[i].rendered);
				in[i].rendered = NULL;
				goto out;
			}
			close(fd);
			if (gs_render(in[i].path, in[i].name, in[i].kind,
			    in[i].rendered, o, err, cause) == -1)
				goto out;
			in[i].path = in[i].rendered;
		}
		if (norm_count(&in[i], err, cause) == -1)
			goto out;
		total += in[i].pages;
		if (total > o->max_pages) {
too_many:
			*err = IMG_ETOOMANYPAGES;
			xasprintf(cause, "%s: more than %d pages in all "
			    "(the limit)", in[i].name, o->max_pages);
			goto out;
		}
	}

	if (faxw_open(&w, out_path, cause) == -1) {
		*err = IMG_EIO;
		goto out;
	}
	wopen = 1;
	w.total = total;
	memset(&run, 0, sizeof(run));
	run.in = in;
	run.o = o;
	run.w = &w;
	run.st = &st;
	run.notes = &notes;
	run.err = err;
	run.cause = cause;
	buf_init(&run.note);
	run.jobs = xcalloc((size_t)total, sizeof(*run.jobs));
	for (i = 0, k = 0; i < n; i++)
		for (p = 1; p <= in[i].pages; p++, k++) {
			run.jobs[k].in = i;
			run.jobs[k].page = p;
			buf_init(&run.jobs[k].out.note);
		}
	nthreads = o->threads > 0 ? o->threads : img_cores();
	run.piped = total == 1 && nthreads > 1;
	rv = pageq_run((size_t)total, nthreads, 2 * (size_t)nthreads,
	    job_work, job_put, job_fin, &run);
	if (run.tif != NULL)
		TIFFClose(run.tif);
	buf_free(&run.note);
	free(run.jobs);
	if (rv == -1)
		goto out;
	rv = -1;
	wopen = 0;
	if (faxw_commit(&w, cause) == -1) {
		*err = IMG_EIO;
		goto out;
	}
	st.pages = total;
	rv = 0;
out:
	if (wopen)
		faxw_abort(&w);
	for (i = 0; i < n; i++) {
		if (in[i].rendered != NULL) {
			unlink(in[i].rendered);
			free(in[i].rendered);
		}
		free(in[i].name);
	}
	free(in);
	if (rv == 0 && stp != NULL) {
		st.notes = buf_steal(&notes, NULL);
		if (st.notes == NULL)
			st.notes = xstrdup("");
		*stp = st;
	}
	buf_free(&notes);
	if (rv == -1)
		log_debug("img_normalize %s: %s", out_path, *cause);
	return rv;
}

int
img_count_pages(const char *path, int *pages, char **cause)
{
	struct tiff_diag	 d = { .name = path };
	TIFF			*tif;
	tdir_t			 n;

	if ((tif = tiff_open(path, "rm", &d)) == NULL) {
		xasprintf(cause, "%s: %s", path,
		    tiff_diag_msg(&d, "not a TIFF image"));
		return -1;
	}
	n = TIFFNumberOfDirectories(tif);
	TIFFClose(tif);
	if (n > MAX_DIRECTORIES) {
		xasprintf(cause, "%s: more than %d pages", path,
		    MAX_DIRECTORIES);
		return -1;
	}
	*pages = (int)n;
	return 0;
}
