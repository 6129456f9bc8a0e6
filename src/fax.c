/*
 * fax.c: what every fax driver shares: the error and cause names, the
 * result structures' free functions, and the list of compiled-in drivers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fax.h"
#include "util.h"

extern const struct fax_driver fax_hylafax_driver;

const struct fax_driver *const fax_drivers[] = {
	&fax_hylafax_driver,
	NULL
};

static const char *class_names[] = {
	"none", "connect", "auth", "protocol", "rejected", "temporary",
	"notfound", "permanent"
};

static const char *cause_names[] = {
	"other", "busy", "no-answer", "no-fax", "line", "bad-number",
	"document", "rejected", "timeout"
};

static const char *state_names[] = {
	"unknown", "pending", "sleeping", "blocked", "ready", "active",
	"done", "failed", "suspended"
};

void
fax_err_clear(struct fax_err *err)
{
	if (err == NULL)
		return;
	free(err->msg);
	err->msg = NULL;
	err->cls = FAXERR_NONE;
}

const char *
fax_errclass_name(enum fax_errclass cls)
{
	return (name_at(class_names, nitems(class_names), (size_t)cls,
	    "invalid"));
}

enum fax_errclass
fax_errclass_from_name(const char *name)
{
	return ((enum fax_errclass)name_find(class_names,
	    nitems(class_names), name, FAXERR_NONE));
}

const char *
fax_cause_name(enum fax_cause c)
{
	return (name_at(cause_names, nitems(cause_names), (size_t)c,
	    "other"));
}

enum fax_cause
fax_cause_from_name(const char *name)
{
	return ((enum fax_cause)name_find(cause_names, nitems(cause_names),
	    name, FAX_CAUSE_OTHER));
}

const char *
fax_state_name(enum fax_state st)
{
	return (name_at(state_names, nitems(state_names), (size_t)st,
	    "unknown"));
}

void
fax_job_free(struct fax_job *job)
{
	if (job == NULL)
		return;
	free(job->jobid);
	free(job->tag);
	free(job->status);
	free(job->modem);
	free(job->commid);
	free(job->remote_csid);
	free(job->number);
	memset(job, 0, sizeof(*job));
}

void
fax_modems_free(struct fax_modem *m, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].number);
		free(m[i].status);
	}
	free(m);
}

void
fax_recvq_free(struct fax_recv *rv, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(rv[i].file);
		free(rv[i].time);
		free(rv[i].csid);
		free(rv[i].caller);
		free(rv[i].called);
		free(rv[i].subaddr);
		free(rv[i].error);
		free(rv[i].format);
		free(rv[i].modem);
	}
	free(rv);
}

const struct fax_driver *
fax_driver_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (fax_drivers[0]);
	for (i = 0; fax_drivers[i] != NULL; i++)
		if (strcmp(fax_drivers[i]->name, name) == 0)
			return (fax_drivers[i]);
	return (NULL);
}

char *
fax_driver_names(void)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; fax_drivers[i] != NULL; i++)
		buf_addf(&b, "%s%s", i > 0 ? ", " : "", fax_drivers[i]->name);
	return (buf_steal(&b, NULL));
}
