/* tst_util: bounded strings, buffers and durable writes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

int
main(void)
{
	char		 small[4], *cause = NULL, *data, dir[] = "/tmp/tstutilXXXXXX";
	struct buf	 b;
	size_t		 len;
	char		*path;
	struct stat	 st;

	is_int(strlcpy(small, "abcdef", sizeof(small)), 6, "strlcpy reports full length");
	is_str(small, "abc", "strlcpy truncates and terminates");
	is_int(strlcat(small, "x", sizeof(small)), 4, "strlcat on full buffer");

	buf_init(&b);
	buf_adds(&b, "fax");
	buf_addf(&b, "-%d", 42);
	is_str(b.data, "fax-42", "buf_addf appends");
	data = buf_steal(&b, &len);
	is_int(len, 6, "buf_steal length");
	ok(b.data == NULL && b.len == 0, "buf_steal empties");
	free(data);

	{
		static const char *const names[] = { "zero", "one", "two" };

		is_str(name_at(names, nitems(names), 1, "?"), "one",
		    "name_at: the name of a value");
		is_str(name_at(names, nitems(names), 3, "?"), "?",
		    "name_at: the default past the table");
		is_int(name_find(names, nitems(names), "TWO", -1), 2,
		    "name_find: any case");
		is_int(name_find(names, nitems(names), "three", -1), -1,
		    "name_find: the default for an unknown name");
		is_int(name_find(names, nitems(names), NULL, 0), 0,
		    "name_find: the default for NULL");
	}

	{
		static const struct {
			const char	*in, *want;
		} js[] = {
			{ "plain", "\"plain\"" },
			{ "q\"b\\\n\t\x01", "\"q\\\"b\\\\\\n\\t\\u0001\"" },
			{ "Caf\xe9", "\"Caf\\u00e9\"" },		/* Latin-1 */
			{ "\xe3\x81 x", "\"\\u00e3\\u0081 x\"" },	/* cut */
			{ "\xe3\x81\x82", "\"\xe3\x81\x82\"" },	/* U+3042 */
			{ "\xc0\xaf", "\"\\u00c0\\u00af\"" },	/* overlong */
			{ "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"" }, /* surrogate */
			{ "\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"" },
			{ "\xf0\x9f\x93\xa0", "\"\xf0\x9f\x93\xa0\"" },
		};
		size_t	i;

		for (i = 0; i < nitems(js); i++) {
			buf_init(&b);
			buf_add_json(&b, js[i].in);
			is_str(b.data, js[i].want, "buf_add_json");
			buf_free(&b);
		}
		buf_init(&b);
		buf_add_json(&b, NULL);
		is_str(b.data, "null", "buf_add_json NULL");
		buf_free(&b);
	}
	ok(mkdtemp(dir) != NULL, "mkdtemp");
	xasprintf(&path, "%s/a/b/file", dir);
	{
		char *sub = xprintf("%s/a/b", dir);
		ok(mkdir_p(sub, 0700, &cause) == 0, "mkdir_p nested");
		free(sub);
	}
	ok(file_write_atomic(path, "hello", 5, 0600, &cause) == 0, "atomic write");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode kept");
	ok(file_read(path, 100, &data, &len, &cause) == 0 && len == 5 &&
	    strcmp(data, "hello") == 0, "read back");
	free(data);
	ok(file_read(path, 3, &data, &len, &cause) == -1 && cause != NULL &&
	    strstr(cause, "larger than 3") != NULL, "read limit enforced");
	free(cause);
	cause = NULL;
	{
		/*
		 * Planted links: every temp name this process would use next
		 * points at a victim, and the target is a link too.  The
		 * write must go around them, never through them.
		 */
		char	*victim = xprintf("%s/victim", dir), *lnk;
		char	*target = xprintf("%s/a/linked", dir);
		int	 i;

		ok(file_write_atomic(victim, "keep", 4, 0600, &cause) == 0,
		    "victim written");
		for (i = 0; i < 20; i++) {
			lnk = xprintf("%s.tmp.%ld.%d", path, (long)getpid(), i);
			unlink(lnk);
			if (symlink(victim, lnk) == -1)
				ok(0, "plant a temp link");
			free(lnk);
		}
		ok(file_write_atomic(path, "again", 5, 0600, &cause) == 0,
		    "atomic write beside planted temp links");
		ok(symlink(victim, target) == 0, "target planted as a link");
		ok(file_write_atomic(target, "new", 3, 0600, &cause) == 0,
		    "atomic write over a link");
		ok(lstat(target, &st) == 0 && S_ISREG(st.st_mode),
		    "the link is replaced by a file");
		ok(file_read(victim, 100, &data, &len, &cause) == 0 &&
		    strcmp(data, "keep") == 0, "the victim is untouched");
		free(data);
		ok(file_read(path, 100, &data, &len, &cause) == 0 &&
		    strcmp(data, "again") == 0, "the write landed in place");
		free(data);
		for (i = 0; i < 20; i++) {
			lnk = xprintf("%s.tmp.%ld.%d", path, (long)getpid(), i);
			unlink(lnk);
			free(lnk);
		}
		unlink(target);
		unlink(victim);
		free(victim);
		free(target);
	}
	ok(file_read("/nonexistent/x", 10, &data, &len, &cause) == -1 &&
	    strstr(cause, "/nonexistent/x") != NULL, "missing file named in cause");
	free(cause);

	is_int(doc_sniff("II*\0rest", 8), DOC_TIFF, "sniff little-endian TIFF");
	is_int(doc_sniff("MM\0*", 4), DOC_TIFF, "sniff big-endian TIFF");
	is_int(doc_sniff("%PDF-1.4", 8), DOC_PDF, "sniff PDF");
	is_int(doc_sniff("%!PS-Adobe", 10), DOC_POSTSCRIPT, "sniff PostScript");
	is_int(doc_sniff("GIF89a", 6), DOC_OTHER, "sniff other");
	is_int(doc_sniff("II", 2), DOC_OTHER, "sniff too short");
	setenv("FAXHUB_CRASHPOINT", "elsewhere", 1);
	crash_point("here");
	ok(1, "crash_point ignores other names");
	unsetenv("FAXHUB_CRASHPOINT");

	{
		/* A socket bound to a port and connected to it: itself. */
		struct sockaddr_in	sin;
		socklen_t		sl = sizeof(sin);
		int			fd, lfd, cfd;

		fd = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0 &&
		    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		    "a TCP socket connected to itself");
		ok(sock_is_self(fd) == 1, "sock_is_self sees it");
		close(fd);
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		sin.sin_port = 0;
		sl = sizeof(sin);
		bind(lfd, (struct sockaddr *)&sin, sizeof(sin));
		getsockname(lfd, (struct sockaddr *)&sin, &sl);
		listen(lfd, 1);
		cfd = socket(AF_INET, SOCK_STREAM, 0);
		ok(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    sock_is_self(cfd) == 0, "an ordinary connection is not");
		close(cfd);
		close(lfd);
	}

	unlink(path);
	free(path);
	path = xprintf("%s/a/b", dir); rmdir(path); free(path);
	path = xprintf("%s/a", dir); rmdir(path); free(path);
	rmdir(dir);
	return done_testing();
}
