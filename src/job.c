/*
 * job.c: jobs and broadcasts to and from their spool records.  One field
 * table per struct (fields.h) drives both directions, so a new field is
 * one line.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "job.h"
#include "kvfile.h"
#include "util.h"
#include "xmalloc.h"

#define S(st, f)	{ .name = #f, .off = offsetof(struct st, f), \
			    .type = FT_STR }
#define L(st, f)	{ .name = #f, .off = offsetof(struct st, f), \
			    .type = FT_LL }

static const struct field job_fields[] = {
	S(job, id), S(job, broadcast), S(job, user), S(job, typed),
	S(job, e164), S(job, dial), S(job, subaddr), S(job, doc),
	S(job, server), S(job, tag), S(job, remote_id), S(job, avoid),
	S(job, status), S(job, reason), S(job, csid), S(job, class),
	S(job, cause), S(job, choice),
	L(job, attempts), L(job, not_before), L(job, created),
	L(job, started), L(job, ended), L(job, pages), L(job, npages),
	L(job, ndials), L(job, fine),
};

static const struct field bcast_fields[] = {
	S(bcast, id), S(bcast, mailkey), S(bcast, user), S(bcast, reply_to),
	S(bcast, msgid), S(bcast, references), S(bcast, subject),
	S(bcast, jobs), S(bcast, doc), S(bcast, notes), S(bcast, keys),
	L(bcast, report), L(bcast, notify), L(bcast, reported),
	L(bcast, moved), L(bcast, created), L(bcast, pages),
};

static const char *job_states[] = {
	"queued", "submitting", "submitted", "done", "failed"
};

const char *
job_state_name(enum job_state s)
{
	return (size_t)s < sizeof(job_states) / sizeof(job_states[0]) ?
	    job_states[s] : "unknown";
}

/* DONE or FAILED: the job has ended, for good. */
int
job_state_ended(enum job_state s)
{
	return s == JOB_DONE || s == JOB_FAILED;
}

void
job_setstr(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

static void
kv_emit(void *kv, const char *name, const char *value)
{
	kv_set(kv, name, value);
}

static const char *
kv_lookup(const void *kv, const char *name)
{
	return kv_get(kv, name);
}

int
job_load(const char *path, struct job *j, char **cause)
{
	struct kv	 kv;
	const char	*st;
	size_t		 i;

	kv_init(&kv);
	memset(j, 0, sizeof(*j));
	if (kv_load(&kv, path, cause) == -1)
		return -1;
	if (kv_get(&kv, "v") == NULL || strcmp(kv_get(&kv, "v"), "1") != 0 ||
	    kv_get(&kv, "id") == NULL || (st = kv_get(&kv, "state")) == NULL) {
		xasprintf(cause, "%s: not a version 1 job record", path);
		kv_free(&kv);
		return -1;
	}
	fields_fill(j, job_fields, nitems(job_fields), kv_lookup, &kv);
	j->state = JOB_QUEUED;
	for (i = 0; i < sizeof(job_states) / sizeof(job_states[0]); i++)
		if (strcmp(st, job_states[i]) == 0)
			j->state = (enum job_state)i;
	kv_free(&kv);
	return 0;
}

void
job_encode(const struct job *j, struct kv *kv)
{
	kv_set(kv, "v", "1");
	kv_set(kv, "state", job_state_name(j->state));
	fields_each(j, job_fields, nitems(job_fields), kv_emit, kv);
}

int
job_save(const struct job *j, const char *path, enum write_sync sync,
    char **cause)
{
	struct kv	kv;
	int		rc;

	kv_init(&kv);
	job_encode(j, &kv);
	rc = kv_save_sync(&kv, path, sync, cause);
	kv_free(&kv);
	return rc;
}

void
job_copy(struct job *dst, const struct job *src)
{
	*dst = *src;
	fields_dup(dst, job_fields, nitems(job_fields));
}

void
job_free(struct job *j)
{
	fields_free(j, job_fields, nitems(job_fields));
}

int
bcast_load(const char *path, struct bcast *b, char **cause)
{
	struct kv	kv;

	kv_init(&kv);
	memset(b, 0, sizeof(*b));
	if (kv_load(&kv, path, cause) == -1)
		return -1;
	if (kv_get(&kv, "v") == NULL || strcmp(kv_get(&kv, "v"), "1") != 0 ||
	    kv_get(&kv, "id") == NULL) {
		xasprintf(cause, "%s: not a version 1 broadcast record", path);
		kv_free(&kv);
		return -1;
	}
	fields_fill(b, bcast_fields, nitems(bcast_fields), kv_lookup, &kv);
	kv_free(&kv);
	return 0;
}

void
bcast_encode(const struct bcast *b, struct kv *kv)
{
	kv_set(kv, "v", "1");
	fields_each(b, bcast_fields, nitems(bcast_fields), kv_emit, kv);
}

int
bcast_save(const struct bcast *b, const char *path, enum write_sync sync,
    char **cause)
{
	struct kv	kv;
	int		rc;

	kv_init(&kv);
	bcast_encode(b, &kv);
	rc = kv_save_sync(&kv, path, sync, cause);
	kv_free(&kv);
	return rc;
}

void
bcast_free(struct bcast *b)
{
	fields_free(b, bcast_fields, nitems(bcast_fields));
}
