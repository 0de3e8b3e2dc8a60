/* centrald.c - the centre daemon: loads central.yaml, checks that the
 * database schema is current, binds the HTTPS API, drops privileges and
 * serves posts until SIGTERM or SIGINT; `centrald migrate` brings the schema
 * up to date instead. */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cencfg.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "priv.h"
#include "migrate.h"
#include "server.h"

#define EXIT_USAGE	2

static void
cend_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: centrald [-d] -c FILE [serve | migrate]\n"
	    "       centrald --check-config FILE\n"
	    "       centrald --help\n"
	    "\n"
	    "The centre daemon: accepts crossing batches from posts over\n"
	    "mutual TLS and stores them in PostgreSQL.\n"
	    "\n"
	    "commands:\n"
	    "  serve                serve the posts (the default); refuses to\n"
	    "                       start unless the schema is current\n"
	    "  migrate              apply the schema migrations this binary\n"
	    "                       carries and the database lacks, then exit\n"
	    "\n"
	    "options:\n"
	    "  -c, --config FILE    the configuration (central.yaml)\n"
	    "      --check-config FILE\n"
	    "                       check the configuration, print\n"
	    "                       \"configuration OK\" or every problem\n"
	    "  -d, --debug          log at debug level\n"
	    "  -h, --help           show this help\n");
}

static void
cend_bad_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void
cend_bad_usage(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "centrald: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'centrald --help'.\n");
	exit(EXIT_USAGE);
}

static void
cend_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base	*base = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP ignored: restart to reload the configuration");
		return;
	}
	log_info("stopping on signal %d", (int)sig);
	event_base_loopbreak(base);
}

static int
cend_serve(const struct cen_cfg *cfg)
{
	static const int	 signo[3] = { SIGTERM, SIGINT, SIGHUP };
	struct priv_user	 user;
	struct db		*db = NULL;
	struct server		*srv = NULL;
	struct event_base	*base = NULL;
	struct event		*sig[3] = { NULL, NULL, NULL };
	char			 why[512];
	int			 i, rc, status = 1;

	if (priv_lookup(cfg->user, &user) != 0)
		return 1;
	(void)signal(SIGPIPE, SIG_IGN);	/* a post that hangs up mid-answer
					 * is no reason to die */
	if ((db = db_new(cfg->conninfo)) == NULL) {
		log_warnx("out of memory");
		goto out;
	}
	if ((rc = migrate_check(db, why, sizeof(why))) != 0) {
		log_warnx("database: %s", why);
		goto out;
	}
	if ((base = event_base_new()) == NULL) {
		log_warnx("libevent: cannot create the event base");
		goto out;
	}
	if ((rc = server_new(&srv, base, cfg, db)) != 0) {
		log_warnx("cannot serve on %s: %s", cfg->listen, err_str(rc));
		goto out;
	}
	if (priv_drop(&user) != 0)
		goto out;
	for (i = 0; i < 3; i++) {
		if ((sig[i] = evsignal_new(base, signo[i], cend_on_signal,
		    base)) == NULL || evsignal_add(sig[i], NULL) != 0) {
			log_warnx("libevent: cannot watch signal %d",
			    signo[i]);
			goto out;
		}
	}
	log_info("serving %zu post(s) on %s, schema version %d", cfg->nposts,
	    cfg->listen, migrate_latest());
	if (event_base_dispatch(base) == -1) {
		log_warnx("libevent: event loop failed");
		goto out;
	}
	status = 0;
out:
	server_free(srv);
	for (i = 0; i < 3; i++)
		if (sig[i] != NULL)
			event_free(sig[i]);
	if (base != NULL) {
		/* Let closing connections finish (deferred callbacks). */
		(void)event_base_loop(base, EVLOOP_NONBLOCK);
		event_base_free(base);
	}
	db_free(db);
	if (status == 0)
		log_info("stopped");
	return status;
}

static int
cend_migrate(const struct cen_cfg *cfg)
{
	struct db	*db;
	int		 rc;

	if ((db = db_new(cfg->conninfo)) == NULL) {
		log_warnx("out of memory");
		return 1;
	}
	rc = migrate_apply(db, stdout, stderr);
	db_free(db);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",		required_argument,	NULL, 'c' },
		{ "check-config",	required_argument,	NULL, 'C' },
		{ "debug",		no_argument,		NULL, 'd' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL,			0,			NULL, 0 }
	};
	static struct cen_cfg	 cfg;	/* large: not on the stack */
	enum log_level		 level;
	const char		*path = NULL, *check = NULL, *cmd = "serve";
	int			 ch, debug = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:dh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			cend_usage(stdout);
			return 0;
		case ':':
			cend_bad_usage("option %s needs a FILE",
			    argv[optind - 1]);
		default:
			cend_bad_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		cmd = argv[optind++];
	if (optind < argc)
		cend_bad_usage("unexpected argument \"%s\"", argv[optind]);
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "migrate") != 0)
		cend_bad_usage("unknown command \"%s\" (serve or migrate)",
		    cmd);
	if (path != NULL && check != NULL)
		cend_bad_usage("-c and --check-config exclude each other");
	if (path == NULL && check == NULL)
		cend_bad_usage("-c FILE (or --check-config FILE) is required");

	cen_cfg_init(&cfg);
	if (check != NULL) {
		if (cen_cfg_load(&cfg, check, stderr) != 0)
			return 1;
		printf("configuration OK\n");
		return 0;
	}
	if (cen_cfg_load(&cfg, path, stderr) != 0)
		return 1;
	if (debug)
		level = LOGL_DEBUG;
	else if (cfg.log_level[0] == '\0' ||
	    log_level_parse(cfg.log_level, &level) != 0)
		level = LOGL_INFO;
	log_init("centrald", level);
	if (strcmp(cmd, "migrate") == 0)
		return cend_migrate(&cfg);
	return cend_serve(&cfg);
}
