/*
 * fh-hylafax: a test driver exposing each call of the HylaFAX driver, one
 * call per run, for tests/hylafax/real.sh and for trying things by hand.
 *
 *	fh-hylafax -p PORT -u USER [-H HOST] [-P PASS] [-A ADMINPASS]
 *	    [-t TIMEOUT] COMMAND [ARGS]
 *
 * Exit status: 0 success, 1 not found (find, status), 2 any other error,
 * with "CLASS: message" on stderr; 64 usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fax-hylafax.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct cmd {
	const char	*name;
	int		 nargs;
	const char	*usage;
	int		(*fn)(struct hfx_conn *, char **, struct fax_err *);
};

static int	c_alive(struct hfx_conn *, char **, struct fax_err *);
static int	c_submit(struct hfx_conn *, char **, struct fax_err *);
static int	c_status(struct hfx_conn *, char **, struct fax_err *);
static int	c_find(struct hfx_conn *, char **, struct fax_err *);
static int	c_kill(struct hfx_conn *, char **, struct fax_err *);
static int	c_modems(struct hfx_conn *, char **, struct fax_err *);
static int	c_recvq(struct hfx_conn *, char **, struct fax_err *);
static int	c_retrieve(struct hfx_conn *, char **, struct fax_err *);
static int	c_delete(struct hfx_conn *, char **, struct fax_err *);
static void	print_job(const struct fax_job *);
static void	usage(void) __attribute__((noreturn));

static const struct cmd cmds[] = {
	{ "alive", 0, "alive", c_alive },
	{ "submit", 4, "submit DOC.tif DIALSTRING TAG OWNER", c_submit },
	{ "status", 1, "status JOBID", c_status },
	{ "find", 1, "find TAG", c_find },
	{ "kill", 1, "kill JOBID", c_kill },
	{ "modems", 0, "modems", c_modems },
	{ "recvq", 0, "recvq", c_recvq },
	{ "retrieve", 2, "retrieve FILE DEST", c_retrieve },
	{ "delete", 1, "delete FILE", c_delete },
};

static void
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: fh-hylafax -p PORT -u USER [-H HOST] [-P PASS]"
	    " [-A ADMINPASS] [-t TIMEOUT] COMMAND\n");
	for (i = 0; i < nitems(cmds); i++)
		fprintf(stderr, "  %s\n", cmds[i].usage);
	exit(64);
}

static void
print_job(const struct fax_job *j)
{
	printf("jobid=%s state=%s pages=%d/%d dials=%d/%d tries=%d/%d "
	    "modem=%s commid=%s number=%s tag=%s status=%s\n", j->jobid,
	    fax_state_name(j->state), j->npages, j->totpages, j->ndials,
	    j->totdials, j->ntries, j->tottries, j->modem ? j->modem : "",
	    j->commid ? j->commid : "", j->number ? j->number : "",
	    j->tag ? j->tag : "", j->status ? j->status : "");
}

static int
c_alive(struct hfx_conn *c, char **av, struct fax_err *err)
{
	return (hfx_alive(c, err));
}

static int
c_submit(struct hfx_conn *c, char **av, struct fax_err *err)
{
	struct fax_job_req	 req;
	char			*id;

	memset(&req, 0, sizeof(req));
	req.document = av[0];
	req.dialstring = av[1];
	req.tag = av[2];
	req.owner = av[3];
	req.touser = "fh-hylafax test";
	req.fine = 1;
	req.maxdials = 3;
	req.maxtries = 3;
	req.lifetime_s = 3 * 3600;
	if (hfx_submit(c, &req, &id, err) == -1)
		return (-1);
	printf("%s\n", id);
	free(id);
	return (0);
}

static int
c_status(struct hfx_conn *c, char **av, struct fax_err *err)
{
	struct fax_job	j;

	if (hfx_job_status(c, av[0], &j, err) == -1)
		return (-1);
	print_job(&j);
	fax_job_free(&j);
	return (0);
}

static int
c_find(struct hfx_conn *c, char **av, struct fax_err *err)
{
	struct fax_job	j;
	int		r;

	if ((r = hfx_find_tag(c, av[0], &j, err)) <= 0)
		return (r == 0 ? 1 : -1);
	print_job(&j);
	fax_job_free(&j);
	return (0);
}

static int
c_kill(struct hfx_conn *c, char **av, struct fax_err *err)
{
	return (hfx_job_kill(c, av[0], err));
}

static int
c_modems(struct hfx_conn *c, char **av, struct fax_err *err)
{
	struct fax_modem	*m;
	size_t			 n, i;

	if (hfx_modems(c, &m, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		printf("%s|%s|%s|%s\n", m[i].name, m[i].number,
		    m[i].busy ? "busy" : "idle", m[i].status);
	fax_modems_free(m, n);
	return (0);
}

static int
c_recvq(struct hfx_conn *c, char **av, struct fax_err *err)
{
	struct fax_recv	*r;
	size_t		 n, i;

	if (hfx_recvq(c, &r, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		printf("%s|%s|%s|%d|%s|%s|%s|%s|%d|%ld|%d|%d|%s\n", r[i].file,
		    r[i].time, r[i].csid, r[i].pages, r[i].caller,
		    r[i].called, r[i].subaddr, r[i].error, r[i].receiving,
		    r[i].size, r[i].vres, r[i].bitrate, r[i].format);
	fax_recvq_free(r, n);
	return (0);
}

static int
c_retrieve(struct hfx_conn *c, char **av, struct fax_err *err)
{
	return (hfx_retrieve(c, av[0], av[1], err));
}

static int
c_delete(struct hfx_conn *c, char **av, struct fax_err *err)
{
	return (hfx_delete_recv(c, av[0], err));
}

int
main(int argc, char **argv)
{
	struct fax_params	 p;
	struct hfx_conn		*c;
	struct fax_err		 err = { FAXERR_NONE, NULL };
	const struct cmd	*cmd = NULL;
	size_t			 i;
	int			 ch, r;

	log_init("fh-hylafax", 1, 0);
	if (getenv("FH_HYLAFAX_DEBUG") != NULL)
		log_setlevel(LOG_LEVEL_DEBUG);
	memset(&p, 0, sizeof(p));
	p.name = "test";
	p.host = "127.0.0.1";
	p.timeout = 30;
	while ((ch = getopt(argc, argv, "A:H:P:p:t:u:")) != -1) {
		switch (ch) {
		case 'A':
			p.admin_password = optarg;
			break;
		case 'H':
			p.host = optarg;
			break;
		case 'P':
			p.password = optarg;
			break;
		case 'p':
			p.port = atoi(optarg);
			break;
		case 't':
			p.timeout = atoi(optarg);
			break;
		case 'u':
			p.user = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || p.port <= 0 || p.user == NULL)
		usage();
	for (i = 0; i < nitems(cmds); i++) {
		if (strcmp(argv[0], cmds[i].name) == 0)
			cmd = &cmds[i];
	}
	if (cmd == NULL || argc - 1 != cmd->nargs)
		usage();
	if (hfx_connect(&p, &c, &err) == -1) {
		fprintf(stderr, "%s: %s\n", fax_errclass_name(err.cls),
		    err.msg);
		fax_err_clear(&err);
		return (2);
	}
	r = cmd->fn(c, argv + 1, &err);
	hfx_close(c);
	if (r == -1) {
		fprintf(stderr, "%s: %s\n", fax_errclass_name(err.cls),
		    err.msg);
		r = err.cls == FAXERR_NOTFOUND ? 1 : 2;
		fax_err_clear(&err);
	}
	return (r);
}
