/* tst_sched: server choice from tables, and the job record. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "kvfile.h"
#include "sched.h"
#include "util.h"
#include "xmalloc.h"
#include "../tap.h"

static void
test_choose(void)
{
	struct sched_server s[] = {
		{ "fax1", 10, 1, 1, 1, 0, -1 },
		{ "fax2", 20, 1, 1, 1, 0, -1 },
		{ "fax3", 20, 1, 1, 2, 0, -1 },
	};
	unsigned rr = 0;

	is_int(sched_choose(s, 3, NULL, NULL, &rr), 0, "priority order first");
	s[0].inflight = 1;
	is_int(sched_busy(&s[0]), 1, "all lines in use = busy");
	{
		int a = sched_choose(s, 3, NULL, NULL, &rr);
		int b = sched_choose(s, 3, NULL, NULL, &rr);
		ok((a == 1 && b == 2) || (a == 2 && b == 1),
		    "equal priorities share round-robin");
	}
	s[0].inflight = 0;
	s[0].up = 0;
	ok(sched_choose(s, 3, NULL, NULL, &rr) != 0, "down server skipped");
	s[0].up = 1;
	s[0].enabled = 0;
	ok(sched_choose(s, 3, NULL, NULL, &rr) != 0, "disabled server skipped");
	s[0].enabled = 1;
	is_int(sched_choose(s, 3, "fax3", NULL, &rr), 2, "assignment wins");
	s[2].up = 0;
	is_int(sched_choose(s, 3, "fax3", NULL, &rr), 0,
	    "assigned server down: priority order");
	s[2].up = 1;
	is_int(sched_choose(s, 3, NULL, "fax1", &rr) != 0, 1,
	    "avoided server skipped");
	s[0].send_free = 0;
	is_int(sched_busy(&s[0]), 1, "no idle modem = busy");
	is_str(sched_why_not(&s[0], NULL), "busy", "why not: busy");
	ok(str_listed("fax1,fax2", "fax2") && !str_listed("fax1,fax2",
	    "fax") && !str_listed(NULL, "fax1"), "comma lists");
	s[0].send_free = -1;
	s[0].inflight = 1;
	s[1].inflight = 1;
	s[2].inflight = 2;
	is_int(sched_choose(s, 3, NULL, NULL, &rr), -1,
	    "all busy: wait, no failure");
	s[2].lines = 3;
	is_int(sched_choose(s, 3, NULL, NULL, &rr), 2,
	    "a server with a free line takes it");
}

static void
test_send_lines(void)
{
	/* fax1: one line by the table, its one send modem used by others. */
	struct sched_server s[] = {
		{ "fax1", 10, 1, 1, 1, 0, 0 },
		{ "fax2", 20, 1, 1, 1, 0, 1 },
	};
	unsigned rr = 0;

	is_int(sched_busy(&s[0]), 1,
	    "no free send line (a foreign job) = busy, without our jobs");
	is_int(sched_choose(s, 2, NULL, NULL, &rr), 1,
	    "a server whose send line is taken by others is skipped");
	is_int(sched_choose(s, 2, "fax1", NULL, &rr), 1,
	    "assigned server busy: the next by priority");
	is_str(sched_why_not(&s[0], NULL), "busy", "and why");
	s[1].send_free = 0;
	is_int(sched_choose(s, 2, NULL, NULL, &rr), -1,
	    "every send line taken: the job waits");
	s[0].send_free = -1;
	is_int(sched_choose(s, 2, NULL, NULL, &rr), 0,
	    "unknown send lines: faxhub's own count decides");
	s[0].up = 0;
	is_str(sched_why_not(&s[0], NULL), "down", "why not: down");
	s[0].up = 1;
	is_str(sched_why_not(&s[0], "fax2,fax1"), "refused this job",
	    "why not: avoided");
	ok(sched_why_not(&s[0], NULL) == NULL, "usable: no reason");
}

static void
test_job_roundtrip(void)
{
	struct job	 j, k;
	char		 dir[] = "/tmp/tstschedXXXXXX", *path, *cause = NULL;

	memset(&j, 0, sizeof(j));
	j.id = xstrdup("b1-1");
	j.broadcast = xstrdup("b1");
	j.typed = xstrdup("FAX=+81-75-555-1234");
	j.reason = xstrdup("line one\nline\ttwo \\ end");
	j.state = JOB_SUBMITTED;
	j.class = xstrdup("temporary");
	j.cause = xstrdup("busy");
	j.attempts = 2;
	j.not_before = 1700000000LL;
	ok(mkdtemp(dir) != NULL, "tempdir");
	path = xprintf("%s/job", dir);
	ok(job_save(&j, path, &cause) == 0, "job saved");
	ok(job_load(path, &k, &cause) == 0, "job loaded");
	is_str(k.typed, j.typed, "string field round trip");
	is_str(k.reason, j.reason, "escapes round trip");
	is_int(k.state, JOB_SUBMITTED, "state round trip");
	is_int(k.attempts, 2, "number round trip");
	is_str(k.class, "temporary", "failure class stored");
	is_str(k.cause, "busy", "failure cause stored");
	ok(k.server == NULL, "absent field stays NULL");
	job_free(&j);
	job_free(&k);
	{
		struct kv kv;
		kv_init(&kv);
		ok(kv_parse(&kv, "a=b\nbad\n", 8, &cause) == -1 &&
		    strstr(cause, "line 2") != NULL, "corrupt record refused");
		free(cause);
		cause = NULL;
		ok(kv_parse(&kv, "a=b", 3, &cause) == -1,
		    "truncated record refused");
		free(cause);
		kv_free(&kv);
	}
	unlink(path);
	free(path);
	rmdir(dir);
}

int
main(void)
{
	test_choose();
	test_send_lines();
	test_job_roundtrip();
	return done_testing();
}
