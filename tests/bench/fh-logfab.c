/*
 * fh-logfab.c: fabricates a communication log for the log benchmark and
 * the log tests.
 *
 *	fh-logfab [-o] DIR N DAYS END
 *
 * writes N records into DIR/log.db, evenly spread over the DAYS days
 * before END (unix seconds), oldest first: ids "fab-NNNNNNNNNN", users
 * u0..u49@example.org, numbers +8175555NNNN (NNNN = record number modulo
 * 10000), directions out and in by turns, status done or (every tenth)
 * failed.  With -o it writes them the way faxhub did before the log had
 * an index (plain table_put), to test that such a table stays readable.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/record.h"
#include "../../src/table.h"
#include "../../src/util.h"
#include "../../src/xmalloc.h"

static void
usage(void)
{
	fprintf(stderr, "usage: fh-logfab [-o] DIR N DAYS END\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct table	*t;
	struct logrec	 l;
	long long	 n, days, end, i, span;
	char		*cause = NULL, *val, id[32], user[32], num[32];
	int		 ch, old = 0, rc;

	while ((ch = getopt(argc, argv, "o")) != -1) {
		if (ch != 'o')
			usage();
		old = 1;
	}
	argc -= optind;
	argv += optind;
	if (argc != 4)
		usage();
	n = atoll(argv[1]);
	days = atoll(argv[2]);
	end = atoll(argv[3]);
	if (n < 1 || days < 1 || end <= days * 86400)
		usage();
	span = days * 86400;
	if (table_open(argv[0], TABLE_LOG, TABLE_WRITE, &t, &cause) == -1) {
		fprintf(stderr, "fh-logfab: %s\n", cause);
		return 1;
	}
	for (i = 0; i < n; i++) {
		memset(&l, 0, sizeof(l));
		snprintf(id, sizeof(id), "fab-%010lld", i);
		snprintf(user, sizeof(user), "u%lld@example.org", i % 50);
		snprintf(num, sizeof(num), "+8175555%04lld", i % 10000);
		l.id = id;
		l.direction = i % 2 == 0 ? "out" : "in";
		l.user = user;
		l.number_typed = l.number_dialled = num;
		l.server = "fax1";
		l.start = end - span + (long long)((double)span * i / n);
		l.end = l.start + 40;
		l.pages = 1 + (int)(i % 5);
		l.duration = 40;
		l.status = i % 10 == 9 ? "failed" : "done";
		l.attempts = 1;
		val = logrec_encode(&l);
		rc = old ? table_put(t, id, val, 0, &cause) :
		    logrec_store(t, id, val, 0, &cause);
		free(val);
		if (rc != 0) {
			fprintf(stderr, "fh-logfab: %s\n", cause);
			return 1;
		}
	}
	if (table_close(t, &cause) == -1) {
		fprintf(stderr, "fh-logfab: %s\n", cause);
		return 1;
	}
	return 0;
}
