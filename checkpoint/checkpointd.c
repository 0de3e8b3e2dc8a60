/* checkpointd.c - the post daemon: loads checkpoint.yaml, opens the store,
 * binds the lane API, drops privileges, then runs the lane loop in the main
 * thread, and the replicator and the feed puller in their own, until
 * SIGTERM or SIGINT. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "ckcfg.h"
#include "decide.h"
#include "err.h"
#include "feedframe.h"
#include "feedpull.h"
#include "lane.h"
#include "log.h"
#include "priv.h"
#include "registry.h"
#include "replicator.h"
#include "store.h"

#define EXIT_USAGE	2

static void
ckd_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: checkpointd [-d] -c FILE\n"
	    "       checkpointd --check-config FILE\n"
	    "       checkpointd --help\n"
	    "\n"
	    "The post daemon: records crossings from the lanes and pushes\n"
	    "them to the centre; decides lane checks from its registry and\n"
	    "pulls the centre's signed feed into it (feed.verify_keys).\n"
	    "\n"
	    "  -c, --config FILE    run with this configuration\n"
	    "                       (checkpoint.yaml)\n"
	    "      --check-config FILE\n"
	    "                       check the configuration, print\n"
	    "                       \"configuration OK\" or every problem\n"
	    "  -d, --debug          log at debug level\n"
	    "  -h, --help           show this help\n");
}

static void
ckd_bad_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void
ckd_bad_usage(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "checkpointd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'checkpointd --help'.\n");
	exit(EXIT_USAGE);
}

static void
ckd_on_signal(evutil_socket_t sig, short what, void *arg)
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
ckd_run(const struct ck_cfg *cfg)
{
	struct priv_user	 user;
	struct store		*lst = NULL, *rst = NULL;
	struct replicator	*rep = NULL;
	struct lane		*lane = NULL;
	struct registry		*reg = NULL, *freg = NULL;
	struct feedpull		*feed = NULL;
	struct feedframe_keys	 keys;
	struct decide		*dec = NULL;
	struct decide_opts	 dopts;
	struct event_base	*base = NULL;
	struct event		*sig[3] = { NULL, NULL, NULL };
	static const int	 signo[3] = { SIGTERM, SIGINT, SIGHUP };
	size_t			 k;
	int			 i, rc, status = 1;

	if (priv_lookup(cfg->user, &user) != 0)
		return 1;
	/* The centre's feed keys, before anything else is opened. */
	memset(&keys, 0, sizeof(keys));
	for (k = 0; k < cfg->feed_nverify_keys; k++) {
		if ((rc = feedpull_key_load(&keys, cfg->feed_verify_keys[k]))
		    != 0) {
			if (rc == ERR_IO)
				log_warn("feed.verify_keys: %s",
				    cfg->feed_verify_keys[k]);
			else
				log_warnx("feed.verify_keys: %s: %s",
				    cfg->feed_verify_keys[k], rc == ERR_PARSE ?
				    "not a PEM public key" : rc == ERR_INVAL ?
				    "not an Ed25519 public key" :
				    rc == ERR_EXISTS ? "the same key as an "
				    "earlier file" : err_str(rc));
			return 1;
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("libcurl cannot be initialised");
		return 1;
	}
	(void)signal(SIGPIPE, SIG_IGN);	/* a lane that hangs up is no
					 * reason to die */

	/* Two connections: the lane's (this thread) and the replicator's.
	 * Both are opened before privileges are dropped. */
	if ((rc = store_open(&lst, cfg->store_path, cfg->post_code)) != 0 ||
	    (rc = store_open(&rst, cfg->store_path, cfg->post_code)) != 0) {
		log_warnx("store %s: cannot open: %s", cfg->store_path,
		    err_str(rc));
		goto out;
	}
	if ((rc = replicator_new(&rep, cfg, rst)) != 0) {
		log_warnx("replicator: cannot start: %s", err_str(rc));
		goto out;
	}
	rst = NULL;		/* the replicator's now */
	if ((base = event_base_new()) == NULL) {
		log_warnx("libevent: cannot create the event base");
		goto out;
	}
	/* The lane's registry connection, keyed by the name matcher's
	 * blocking keys (re-keyed on open if another function keyed it). */
	if ((rc = registry_open(&reg, cfg->store_path, decide_key,
	    DECIDE_KEY_NAME)) != 0) {
		log_warnx("registry %s: cannot open: %s", cfg->store_path,
		    err_str(rc));
		goto out;
	}
	memset(&dopts, 0, sizeof(dopts));
	dopts.feed_max_age_ms = (int64_t)cfg->feed_max_age_s * 1000;
	if ((rc = decide_new(&dec, reg, cfg->post_code, &dopts)) != 0) {
		log_warnx("decide: cannot start: %s", err_str(rc));
		goto out;
	}
	/* The feed puller's own registry connection, keyed as the lane's. */
	if (keys.n > 0) {
		if ((rc = registry_open(&freg, cfg->store_path, decide_key,
		    DECIDE_KEY_NAME)) != 0) {
			log_warnx("registry %s: cannot open: %s",
			    cfg->store_path, err_str(rc));
			goto out;
		}
		if ((rc = feedpull_new(&feed, cfg, &keys, freg)) != 0) {
			log_warnx("feed: cannot start: %s", err_str(rc));
			goto out;
		}
		freg = NULL;	/* the puller's now */
	} else
		log_info("feed: not configured (no feed.verify_keys): "
		    "pulling nothing");
	if ((rc = lane_new(&lane, base, cfg, lst, rep, dec)) != 0)
		goto out;
	lane_set_feed(lane, reg, feed);
	if (priv_drop(&user) != 0)
		goto out;

	for (i = 0; i < 3; i++) {
		if ((sig[i] = evsignal_new(base, signo[i], ckd_on_signal,
		    base)) == NULL || evsignal_add(sig[i], NULL) != 0) {
			log_warnx("libevent: cannot watch signal %d",
			    signo[i]);
			goto out;
		}
	}
	if (replicator_start(rep) != 0)
		goto out;
	if (feed != NULL && feedpull_start(feed) != 0)
		goto out;
	log_info("post %s: serving, store %s, centre %s", cfg->post_code,
	    cfg->store_path, cfg->centre_url);
	if (event_base_dispatch(base) == -1) {
		log_warnx("libevent: event loop failed");
		goto out;
	}
	status = 0;

out:
	replicator_free(rep);	/* joins the thread, closes its store */
	feedpull_free(feed);	/* joins the thread, closes its registry */
	registry_close(freg);
	lane_free(lane);
	for (i = 0; i < 3; i++)
		if (sig[i] != NULL)
			event_free(sig[i]);
	if (base != NULL) {
		/* Let closing connections finish (deferred callbacks). */
		(void)event_base_loop(base, EVLOOP_NONBLOCK);
		event_base_free(base);
	}
	decide_free(dec);
	registry_close(reg);
	store_close(rst);
	store_close(lst);
	curl_global_cleanup();
	if (status == 0)
		log_info("stopped");
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	  required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "debug",	  no_argument,	     NULL, 'd' },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ NULL,		  0,		     NULL, 0 }
	};
	struct ck_cfg	 cfg;
	enum log_level	 level;
	const char	*path = NULL, *check = NULL;
	int		 ch, debug = 0;

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
			ckd_usage(stdout);
			return 0;
		case ':':
			ckd_bad_usage("option %s needs a FILE",
			    argv[optind - 1]);
		default:
			ckd_bad_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		ckd_bad_usage("unexpected argument \"%s\"", argv[optind]);
	if (path != NULL && check != NULL)
		ckd_bad_usage("-c and --check-config exclude each other");
	if (path == NULL && check == NULL)
		ckd_bad_usage("-c FILE (or --check-config FILE) is required");

	ck_cfg_init(&cfg);
	if (check != NULL) {
		if (ck_cfg_load(&cfg, check, stderr) != 0)
			return 1;
		printf("configuration OK\n");
		return 0;
	}
	if (ck_cfg_load(&cfg, path, stderr) != 0)
		return 1;
	if (debug)
		level = LOGL_DEBUG;
	else if (log_level_parse(cfg.log_level, &level) != 0)
		level = LOGL_INFO;	/* cannot happen: the loader checks */
	log_init("checkpointd", level);
	return ckd_run(&cfg);
}
