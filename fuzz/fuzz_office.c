/*
 * fuzz_office: libFuzzer harness for what faxhub reads of an Office file
 * before LibreOffice would see it: image_sniff() on the first bytes, the
 * zip central directory walk and the ODF manifest's inflation of
 * office_sniff(), and office_check(): the OLE2 compound file reader
 * (FAT, DIFAT, mini FAT, directory tree, the first bytes of a stream)
 * with the password checks of DOC, XLS, PPT and encrypted OOXML, and
 * ODF's encryption data.  LibreOffice never runs.  Each input is written
 * to a private temp file; a refusal must come with its reason.
 * Built only with ./configure --enable-fuzzing CC=clang.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "tiff-int.h"
#include "util.h"
#include "xmalloc.h"
#include "fuzz-file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	enum img_fmt	 fmt, kind;
	enum img_err	 err = IMG_OK;
	char		*ip, *cause = NULL;

	if (len > (1 << 20))
		return 0;
	fmt = image_sniff(data, len);
	if (fmt != IMG_FMT_ZIP && !image_fmt_office(fmt))
		return 0;
	ip = fuzz_file("fuzz_office", "in", data, len);
	kind = office_sniff(ip, fmt);
	/* A zip stays a zip or becomes OOXML or ODF; nothing else changes. */
	if (kind != fmt && (fmt != IMG_FMT_ZIP || !image_fmt_office(kind)))
		abort();
	if (image_fmt_office(kind) &&
	    office_check(ip, "fuzz", kind, &err, &cause) == NULL) {
		if (err == IMG_OK || cause == NULL)
			abort();
		free(cause);
	}
	unlink(ip);
	free(ip);
	return 0;
}
