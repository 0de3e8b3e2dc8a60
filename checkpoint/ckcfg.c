/* ckcfg.c - the schema of checkpoint.yaml, its defaults and the checks that
 * span keys. The YAML itself is read by common/cfg.c. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "ckcfg.h"
#include "err.h"

#define CK_MS_MAX	3600000L	/* an hour */
#define CK_FEED_AGE_MAX	2592000L	/* 30 days */

/* "https://" and a host; no spaces or control characters (cfg.c). */
static int
ck_check_url(const char *val, char *why, size_t whysz)
{
	size_t	len = strlen(val);

	if (len < 9 || strncmp(val, "https://", 8) != 0 ||
	    val[8] == '/' || val[8] == ':') {
		snprintf(why, whysz, "expected \"https://\" and a host, as "
		    "\"https://centre.example:8443\", got \"%.48s%s\"", val,
		    len > 48 ? "..." : "");
		return -1;
	}
	if (strchr(val, ' ') != NULL) {
		snprintf(why, whysz, "a URL must not contain spaces");
		return -1;
	}
	return 0;
}

#define STR(n, f, mn, req, chk) { n, CFG_STR,				\
	offsetof(struct ck_cfg, f), sizeof(((struct ck_cfg *)0)->f),	\
	mn, 0, req, NULL, 0, chk }
#define INT(n, f, mn, mx) { n, CFG_INT, offsetof(struct ck_cfg, f),	\
	sizeof(long), mn, mx, 0, NULL, 0, NULL }
#define SECTION(n, sub, req) { n, CFG_SECTION, 0, 0, 0, 0, req, sub, 0, NULL }

static const struct cfg_key ck_post_keys[] = {
	STR("code", post_code, 2, 1, cfg_check_post_code),
	STR("name", post_name, 0, 0, NULL),
	{ .name = NULL }
};

static const struct cfg_key ck_lane_keys[] = {
	STR("listen", lane_listen, 1, 0, cfg_check_hostport),
	INT("max_body_bytes", lane_max_body, 1024, 1048576),
	{ .name = NULL }
};

static const struct cfg_key ck_store_keys[] = {
	STR("path", store_path, 1, 1, NULL),
	{ .name = NULL }
};

static const struct cfg_key ck_centre_keys[] = {
	STR("url", centre_url, 1, 1, ck_check_url),
	STR("ca_file", ca_file, 1, 1, NULL),
	STR("cert_file", cert_file, 1, 1, NULL),
	STR("key_file", key_file, 1, 1, NULL),
	INT("batch_max", batch_max, 1, PROTO_BATCH_MAX),
	INT("push_interval_ms", push_interval_ms, 10, CK_MS_MAX),
	INT("backoff_min_ms", backoff_min_ms, 10, CK_MS_MAX),
	INT("backoff_max_ms", backoff_max_ms, 10, CK_MS_MAX),
	INT("timeout_ms", timeout_ms, 100, 600000),
	{ .name = NULL }
};

static const struct cfg_key ck_feed_keys[] = {
	INT("max_age_s", feed_max_age_s, 1, CK_FEED_AGE_MAX),
	{ "verify_keys", CFG_STRLIST, offsetof(struct ck_cfg,
	    feed_verify_keys), PATH_MAX, 0, CK_VERIFY_KEYS_MAX, 0, NULL,
	    offsetof(struct ck_cfg, feed_nverify_keys), NULL },
	INT("poll_interval_ms", feed_poll_interval_ms, 100, CK_MS_MAX),
	{ .name = NULL }
};

static const struct cfg_key ck_log_keys[] = {
	STR("level", log_level, 1, 0, cfg_check_log_level),
	{ .name = NULL }
};

static const struct cfg_key ck_run_as_keys[] = {
	STR("user", user, 0, 0, cfg_check_user),
	{ .name = NULL }
};

static const struct cfg_key ck_schema[] = {
	SECTION("post", ck_post_keys, 1),
	SECTION("lane_api", ck_lane_keys, 0),
	SECTION("store", ck_store_keys, 1),
	SECTION("centre", ck_centre_keys, 1),
	SECTION("feed", ck_feed_keys, 0),
	SECTION("log", ck_log_keys, 0),
	SECTION("run_as", ck_run_as_keys, 0),
	{ .name = NULL }
};

#undef STR
#undef INT
#undef SECTION

static void
ck_cfg_check(struct cfg_ctx *ctx, const void *obj)
{
	const struct ck_cfg	*c = obj;
	int			 lmin, lmax;

	lmin = cfg_line(ctx, offsetof(struct ck_cfg, backoff_min_ms));
	lmax = cfg_line(ctx, offsetof(struct ck_cfg, backoff_max_ms));
	if (lmin >= 0 && lmax >= 0 && c->backoff_min_ms > c->backoff_max_ms)
		cfg_report(ctx, lmin > 0 ? lmin : lmax,
		    "\"backoff_min_ms\" (%ld) must not exceed "
		    "\"backoff_max_ms\" (%ld%s)", c->backoff_min_ms,
		    c->backoff_max_ms, lmax == 0 ? ", the default" : "");
}

void
ck_cfg_init(struct ck_cfg *c)
{
	memset(c, 0, sizeof(*c));
	(void)snprintf(c->lane_listen, sizeof(c->lane_listen),
	    "127.0.0.1:8180");		/* fits: a constant */
	c->lane_max_body = 65536;
	c->batch_max = 500;
	c->push_interval_ms = 1000;
	c->backoff_min_ms = 500;
	c->backoff_max_ms = 30000;
	c->timeout_ms = 10000;
	c->feed_max_age_s = 86400;
	c->feed_poll_interval_ms = 5000;
	(void)snprintf(c->log_level, sizeof(c->log_level), "info");
}

int
ck_cfg_load(struct ck_cfg *c, const char *path, FILE *errfp)
{
	return cfg_load_file(path, ck_schema, ck_cfg_check, c, errfp);
}

int
ck_cfg_load_buf(struct ck_cfg *c, const char *name, const uint8_t *p,
    size_t len, FILE *errfp)
{
	return cfg_load_buf(name, p, len, ck_schema, ck_cfg_check, c, errfp);
}
