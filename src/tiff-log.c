/*
 * tiff-log.c: the one bridge between libtiff's diagnostics and faxhub's
 * log.  Every TIFF is opened here with per-open handlers (TIFFOpenOptions,
 * libtiff >= 4.5) whose user data is the caller's struct tiff_diag, so
 * threads never share state; the first error is kept for the caller's
 * message.  The process-wide handlers, set once, catch what libtiff says
 * without a TIFF handle.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tiffio.h>

#include "log.h"
#include "tiff-int.h"
#include "util.h"

/* libtiff may allocate at most this much at once for one file. */
#define TIFF_MAX_ALLOC	((tmsize_t)256 << 20)

static int	tiff_error_cb(TIFF *, void *, const char *, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));
static int	tiff_warning_cb(TIFF *, void *, const char *, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));
static void	tiff_global_error(const char *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
static void	tiff_global_warning(const char *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
static void	tiff_init_once(void);
static TIFFOpenOptions *tiff_options(struct tiff_diag *);

static pthread_once_t	tiff_once = PTHREAD_ONCE_INIT;

static int
tiff_error_cb(TIFF *tif, void *arg, const char *module, const char *fmt,
    va_list ap)
{
	struct tiff_diag	*d = arg;
	char			 msg[256];

	const char		*m = msg, *c;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* "/spool/x.tif: Cannot read ..." names our path, not the input. */
	if (msg[0] == '/' && (c = strstr(msg, ": ")) != NULL)
		m = c + 2;
	if (d->nerr++ == 0)
		strlcpy(d->first, m, sizeof(d->first));
	log_debug("libtiff: %s: %s: %s", d->name != NULL ? d->name : "?",
	    module != NULL ? module : "-", msg);
	return 1;
}

static int
tiff_warning_cb(TIFF *tif, void *arg, const char *module, const char *fmt,
    va_list ap)
{
	struct tiff_diag	*d = arg;
	char			 msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_debug("libtiff warning: %s: %s: %s",
	    d->name != NULL ? d->name : "?", module != NULL ? module : "-",
	    msg);
	return 1;
}

static void
tiff_global_error(const char *module, const char *fmt, va_list ap)
{
	char	msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_warnx("libtiff: %s: %s", module != NULL ? module : "-", msg);
}

static void
tiff_global_warning(const char *module, const char *fmt, va_list ap)
{
	char	msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_debug("libtiff warning: %s: %s", module != NULL ? module : "-",
	    msg);
}

static void
tiff_init_once(void)
{
	TIFFSetErrorHandler(tiff_global_error);
	TIFFSetWarningHandler(tiff_global_warning);
}

static TIFFOpenOptions *
tiff_options(struct tiff_diag *d)
{
	TIFFOpenOptions	*o;

	pthread_once(&tiff_once, tiff_init_once);
	d->nerr = 0;
	d->first[0] = '\0';
	if ((o = TIFFOpenOptionsAlloc()) == NULL)
		fatalx("TIFFOpenOptionsAlloc failed");
	TIFFOpenOptionsSetMaxSingleMemAlloc(o, TIFF_MAX_ALLOC);
	TIFFOpenOptionsSetErrorHandlerExtR(o, tiff_error_cb, d);
	TIFFOpenOptionsSetWarningHandlerExtR(o, tiff_warning_cb, d);
	return o;
}

TIFF *
tiff_open(const char *path, const char *mode, struct tiff_diag *d)
{
	TIFFOpenOptions	*o;
	TIFF		*tif;

	o = tiff_options(d);
	tif = TIFFOpenExt(path, mode, o);
	TIFFOpenOptionsFree(o);
	return tif;
}

TIFF *
tiff_fdopen(int fd, const char *path, const char *mode, struct tiff_diag *d)
{
	TIFFOpenOptions	*o;
	TIFF		*tif;

	o = tiff_options(d);
	tif = TIFFFdOpenExt(fd, path, mode, o);
	TIFFOpenOptionsFree(o);
	return tif;
}

const char *
tiff_diag_msg(const struct tiff_diag *d, const char *dflt)
{
	return d->nerr > 0 && d->first[0] != '\0' ? d->first : dflt;
}
