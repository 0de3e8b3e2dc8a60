/* centrald.c - the centre daemon: loads central.yaml, checks that the
 * database schema is current, binds the HTTPS API, drops privileges and
 * serves posts until SIGTERM or SIGINT; `centrald migrate` brings the schema
 * up to date instead. */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "api.h"
#include "audit.h"
#include "cencfg.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "priv.h"
#include "query.h"
#include "migrate.h"
#include "server.h"
#include "sign.h"
#include "stays.h"

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
	    "mutual TLS and stores them in PostgreSQL, and serves the\n"
	    "people's API (people.listen; docs/people.md).\n"
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

/* The feed's signing key, read before privileges are dropped; none
 * configured is no error (the feed answers 503). 0 or -1, logged. */
static int
cend_feed_key(const struct cen_cfg *cfg, struct sign_key **out)
{
	uint8_t	pub[SIGN_PUBKEY_LEN];
	char	id[SIGN_KEYID_LEN + 1];
	int	rc;

	*out = NULL;
	if (cfg->feed_key_file[0] == '\0') {
		log_warnx("feed: no feed.signing_key configured; the feed is "
		    "not served (GET /v1/feed answers 503)");
		return 0;
	}
	if ((rc = sign_key_load(out, cfg->feed_key_file)) != 0) {
		if (rc == ERR_IO)
			log_warn("feed: cannot read signing key %s",
			    cfg->feed_key_file);
		else
			log_warnx("feed: signing key %s: %s", cfg->feed_key_file,
			    rc == ERR_PARSE ? "not a PEM private key" :
			    rc == ERR_INVAL ? "not an Ed25519 key" :
			    err_str(rc));
		return -1;
	}
	sign_key_public(*out, pub);
	sign_keyid(pub, id);
	log_info("feed: signing with key %s from %s", id, cfg->feed_key_file);
	return 0;
}

/*
 * The stay deriver in the event loop (docs/stay-states.md): each run
 * derives dirty documents in small steps until none is left, the batch is
 * done or about 50 ms passed, so the loop keeps answering posts; then it
 * runs again at once if work is left, else after the interval. The sweep
 * runs hourly. Its own connection, so a statement of it never interleaves
 * with the server's.
 */
#define CEND_STAYS_STEP		16	/* documents per stays_derive() */
#define CEND_STAYS_SLICE_MS	50
#define CEND_SWEEP_MS		(3600 * 1000)

struct cend_stays {
	struct event	*ev;
	struct db	*db;
	struct stays	*st;
	long		 interval_ms;
	long		 batch;
	int64_t		 last_sweep;	/* monotonic ms, 0 = never */
};

static int64_t
cend_mono_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
cend_stays_run(evutil_socket_t fd, short what, void *arg)
{
	struct cend_stays	*s = arg;
	struct timeval		 tv;
	int64_t			 t0 = cend_mono_ms();
	size_t			 done, ask, total = 0, marked;
	long			 next = s->interval_ms;
	int			 rc = 0;

	(void)fd;
	(void)what;
	if (db_connect(s->db) != 0)
		goto again;		/* said by db_connect() */
	while (total < (size_t)s->batch) {
		ask = (size_t)s->batch - total;
		if (ask > CEND_STAYS_STEP)
			ask = CEND_STAYS_STEP;
		rc = stays_derive(db_pgconn(s->db), s->st, STAYS_TODAY, ask,
		    &done);
		total += done;
		if (rc != 0 || done < ask)
			break;		/* a failure (said) or none left */
		if (total >= (size_t)s->batch ||
		    cend_mono_ms() - t0 >= CEND_STAYS_SLICE_MS) {
			next = 0;	/* more may wait: after the loop */
			break;
		}
	}
	if (total > 0)
		log_debug("stays: %zu document(s) derived in %lld ms", total,
		    (long long)(cend_mono_ms() - t0));
	if (rc == 0 && (s->last_sweep == 0 ||
	    cend_mono_ms() - s->last_sweep >= CEND_SWEEP_MS)) {
		if (stays_sweep(db_pgconn(s->db), s->st, STAYS_TODAY,
		    &marked) == 0) {
			s->last_sweep = cend_mono_ms();
			if (marked > 0)
				log_debug("stays: sweep marked %zu state(s)",
				    marked);
		} else
			log_warnx("stays: the sweep failed; tried again on "
			    "the next run");
	}
again:
	tv.tv_sec = next / 1000;
	tv.tv_usec = (next % 1000) * 1000;
	if (evtimer_add(s->ev, &tv) != 0)
		log_warnx("libevent: cannot schedule the stay deriver");
}

/*
 * Signs the heads of the audit chains that moved (docs/audit.md), every
 * audit.sign_interval_s, on its own connection. Nothing is signed without
 * the feed signing key.
 */
struct cend_audit {
	struct event		*ev;
	struct db		*db;
	const struct sign_key	*key;
	long			 interval_s;
};

static void
cend_audit_run(evutil_socket_t fd, short what, void *arg)
{
	struct cend_audit	*a = arg;
	struct timeval		 tv;
	size_t			 n;

	(void)fd;
	(void)what;
	if (db_connect(a->db) == 0) {
		if (audit_sign_heads(db_pgconn(a->db), a->key, &n) != 0)
			log_warnx("audit: signing the chain heads failed; "
			    "tried again in %ld s", a->interval_s);
		else if (n > 0)
			log_debug("audit: %zu chain head(s) signed", n);
	}
	tv.tv_sec = a->interval_s;
	tv.tv_usec = 0;
	if (evtimer_add(a->ev, &tv) != 0)
		log_warnx("libevent: cannot schedule the audit head signer");
}

/* The people's API's thread: its event loop until the main thread breaks
 * it at shutdown. */
static void *
cend_people_run(void *arg)
{
	struct event_base	*pbase = arg;

	if (event_base_loop(pbase, EVLOOP_NO_EXIT_ON_EMPTY) == -1)
		log_warnx("libevent: the people's API loop failed");
	return NULL;
}

static int
cend_serve(const struct cen_cfg *cfg)
{
	static const int	 signo[3] = { SIGTERM, SIGINT, SIGHUP };
	struct priv_user	 user;
	struct db		*db = NULL;
	struct server		*srv = NULL;
	struct api		*api = NULL;
	struct db		*apidb = NULL;
	struct event_base	*pbase = NULL;	/* the people's API's loop */
	pthread_t		 pthr;
	int			 pthr_running = 0;
	struct sign_key		*fkey = NULL;
	struct cend_stays	 stays;
	struct cend_audit	 audit;
	uint8_t			 fpub[SIGN_PUBKEY_LEN];
	struct event_base	*base = NULL;
	struct event		*sig[3] = { NULL, NULL, NULL };
	char			 why[512];
	int			 i, rc, status = 1;

	if (priv_lookup(cfg->user, &user) != 0)
		return 1;
	(void)signal(SIGPIPE, SIG_IGN);	/* a post that hangs up mid-answer
					 * is no reason to die */
	memset(&stays, 0, sizeof(stays));
	memset(&audit, 0, sizeof(audit));
	if (cend_feed_key(cfg, &fkey) != 0)
		goto out;
	if ((stays.db = db_new(cfg->conninfo)) == NULL ||
	    (stays.st = stays_new()) == NULL ||
	    (db = db_new(cfg->conninfo)) == NULL) {
		log_warnx("out of memory");
		goto out;
	}
	if ((rc = migrate_check(db, why, sizeof(why))) != 0) {
		log_warnx("database: %s", why);
		goto out;
	}
	/*
	 * Two event loops: the posts' (this thread: crossings, feed, audit
	 * pushes, the stay deriver, head signing) and the people's API's (a
	 * thread of its own with its own connection), so that a login's
	 * memory-hard hash or an auditor's full verification never delays
	 * a post. libevent must know about threads for the cross-thread
	 * loopbreak at shutdown.
	 */
	if (evthread_use_pthreads() != 0 ||
	    (base = event_base_new()) == NULL ||
	    (pbase = event_base_new()) == NULL) {
		log_warnx("libevent: cannot create the event bases");
		goto out;
	}
	if ((rc = server_new(&srv, base, cfg, db)) != 0) {
		log_warnx("cannot serve on %s: %s", cfg->listen, err_str(rc));
		goto out;
	}
	server_set_feed_key(srv, fkey);
	if (fkey != NULL) {
		sign_key_public(fkey, fpub);
		audit_api_keys((const uint8_t (*)[SIGN_PUBKEY_LEN])&fpub, 1);
	}
	/* The people's API: its own connection (api.h). */
	query_configure(cfg);		/* queries: registration days, holidays */
	if ((apidb = db_new(cfg->conninfo)) == NULL) {
		log_warnx("out of memory");
		goto out;
	}
	if ((rc = api_new(&api, pbase, cfg, apidb)) != 0) {
		log_warnx("cannot serve the people's API on %s: %s",
		    cfg->people_listen, err_str(rc));
		goto out;
	}
	if (api != NULL)
		log_info("people's API on %s", cfg->people_listen);
	else
		log_info("people's API off (people.listen is \"\")");
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
	stays.interval_ms = cfg->stays_interval_ms;
	stays.batch = cfg->stays_batch;
	if ((stays.ev = evtimer_new(base, cend_stays_run, &stays)) == NULL) {
		log_warnx("libevent: cannot create the stay deriver's timer");
		goto out;
	}
	event_active(stays.ev, EV_TIMEOUT, 0);	/* a first run at once */
	if (fkey == NULL)
		log_warnx("audit: no feed.signing_key: audit chain heads are "
		    "not signed");
	else {
		audit.key = fkey;
		audit.interval_s = cfg->audit_sign_interval_s;
		if ((audit.db = db_new(cfg->conninfo)) == NULL ||
		    (audit.ev = evtimer_new(base, cend_audit_run,
		    &audit)) == NULL) {
			log_warnx("cannot set up the audit head signer");
			goto out;
		}
		event_active(audit.ev, EV_TIMEOUT, 0);
	}
	if (api != NULL) {
		if ((rc = pthread_create(&pthr, NULL, cend_people_run,
		    pbase)) != 0) {
			log_warnx("cannot start the people's API thread: %s",
			    strerror(rc));
			goto out;
		}
		pthr_running = 1;
	}
	log_info("serving %zu post(s) on %s, schema version %d", cfg->nposts,
	    cfg->listen, migrate_latest());
	if (event_base_dispatch(base) == -1) {
		log_warnx("libevent: event loop failed");
		goto out;
	}
	status = 0;
out:
	if (pthr_running) {
		(void)event_base_loopbreak(pbase);
		(void)pthread_join(pthr, NULL);
	}
	api_free(api);
	if (pbase != NULL) {
		(void)event_base_loop(pbase, EVLOOP_NONBLOCK);
		event_base_free(pbase);
	}
	db_free(apidb);
	server_free(srv);
	sign_key_free(fkey);
	if (stays.ev != NULL)
		event_free(stays.ev);
	if (audit.ev != NULL)
		event_free(audit.ev);
	db_free(audit.db);
	stays_free(stays.st);
	db_free(stays.db);
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
