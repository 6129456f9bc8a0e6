/*
 * tap.h: a minimal TAP producer for the unit tests (tst_*.c).
 *
 *	plan_lazy();  ok(cond, "name");  is_str(got, want, "name");
 *	return done_testing();
 */
#ifndef FAXHUB_TAP_H
#define FAXHUB_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int
tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(c, name)	tap_ok(!!(c), __FILE__, __LINE__, (name))

#define is_int(got, want, name) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!ok(g_ == w_, name))					\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

#define is_str(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int c_ = (g_ == NULL && w_ == NULL) ||				\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);		\
	if (!ok(c_, name))						\
		printf("#   got \"%s\", want \"%s\"\n",		\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define diag(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

/* Removes a test's temporary directory (made by mkdtemp, no quotes). */
static inline void
tap_rmtree(const char *dir)
{
	char	cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (strchr(dir, '\'') != NULL || system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
