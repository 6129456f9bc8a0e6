/* tst_sched: server choice and failure classes from tables. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "kvfile.h"
#include "sched.h"
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
	s[0].modems_free = 0;
	is_int(sched_busy(&s[0]), 1, "no idle modem = busy");
	ok(sched_listed("fax1,fax2", "fax2") && !sched_listed("fax1,fax2",
	    "fax") && !sched_listed(NULL, "fax1"), "comma lists");
	s[0].modems_free = -1;
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
test_classify(void)
{
	is_int(sched_classify("Busy signal detected"), SCHED_RETRY_LATER, "busy");
	is_int(sched_classify("No answer from remote"), SCHED_RETRY_LATER,
	    "no answer");
	is_int(sched_classify("No carrier detected"), SCHED_RETRY_LATER,
	    "no carrier");
	is_int(sched_classify("No local dialtone"), SCHED_RETRY_LATER,
	    "no dialtone (remote busy on iaxmodem)");
	is_int(sched_classify("Document conversion failed"), SCHED_PERMANENT,
	    "document refused");
	is_int(sched_classify(NULL), SCHED_PERMANENT, "no text: permanent");
	is_str(sched_explain("Busy signal detected"), "the line was busy",
	    "plain words");
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
	test_classify();
	test_job_roundtrip();
	return done_testing();
}
