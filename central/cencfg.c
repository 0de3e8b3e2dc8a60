/* cencfg.c - the schema of central.yaml, its defaults, the checks that span
 * keys (one post per code and per certificate name) and the look-up of the
 * post a client certificate belongs to. The YAML is read by common/cfg.c. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cencfg.h"
#include "cfg.h"
#include "date.h"
#include "err.h"
#include "feed.h"

static int
cen_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* 64 hex digits, any case, colons anywhere ignored; 0 or -1. */
static int
cen_fingerprint_parse(const char *s, unsigned char out[32])
{
	size_t	n = 0;
	int	v;

	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if ((v = cen_hexval((unsigned char)*s)) < 0 || n >= 64)
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (unsigned char)(v << 4);
		else
			out[n / 2] |= (unsigned char)v;
		n++;
	}
	return n == 64 ? 0 : -1;
}

static int
cen_check_fingerprint(const char *val, char *why, size_t whysz)
{
	unsigned char	fp[32];

	if (val[0] == '\0' || cen_fingerprint_parse(val, fp) == 0)
		return 0;
	snprintf(why, whysz, "expected a SHA-256 fingerprint of 64 hex digits "
	    "(colons allowed), got \"%.48s%s\"", val,
	    strlen(val) > 48 ? "..." : "");
	return -1;
}

#define STR(T, n, f, mn, req, chk) { n, CFG_STR, offsetof(T, f),	\
	sizeof(((T *)0)->f), mn, 0, req, NULL, 0, chk }
#define INT(n, f, mn, mx) { n, CFG_INT, offsetof(struct cen_cfg, f),	\
	sizeof(long), mn, mx, 0, NULL, 0, NULL }
#define SECTION(n, sub, req) { n, CFG_SECTION, 0, 0, 0, 0, req, sub, 0, NULL }
#define C struct cen_cfg
#define P struct cen_post

static const struct cfg_key cen_listen_keys[] = {
	STR(C, "address", listen, 1, 0, cfg_check_hostport),
	INT("max_body_bytes", max_body, 1024, 67108864),
	INT("max_batch", max_batch, 1, PROTO_BATCH_MAX),
	INT("max_clients", max_clients, 1, 4096),
	{ .name = NULL }
};

static const struct cfg_key cen_tls_keys[] = {
	STR(C, "cert_file", cert_file, 1, 1, NULL),
	STR(C, "key_file", key_file, 1, 1, NULL),
	STR(C, "client_ca_file", client_ca_file, 1, 1, NULL),
	STR(C, "crl_file", crl_file, 0, 0, NULL),
	{ .name = NULL }
};

static const struct cfg_key cen_database_keys[] = {
	STR(C, "conninfo", conninfo, 1, 1, NULL),
	{ .name = NULL }
};

static const struct cfg_key cen_post_keys[] = {
	STR(P, "code", code, 2, 1, cfg_check_post_code),
	STR(P, "cert_cn", cert_cn, 1, 1, NULL),
	STR(P, "cert_sha256", cert_sha256, 0, 0, cen_check_fingerprint),
	{ .name = NULL }
};

static const struct cfg_key cen_log_keys[] = {
	STR(C, "level", log_level, 1, 0, cfg_check_log_level),
	{ .name = NULL }
};

static const struct cfg_key cen_run_as_keys[] = {
	STR(C, "user", user, 0, 0, cfg_check_user),
	{ .name = NULL }
};

static const struct cfg_key cen_feed_keys[] = {
	STR(C, "signing_key", feed_key_file, 0, 0, NULL),
	INT("batch_max", feed_batch_max, 1, FEED_BATCH_MAX),
	{ .name = NULL }
};

static const struct cfg_key cen_stays_keys[] = {
	INT("interval_ms", stays_interval_ms, 10, 3600000),
	INT("batch", stays_batch, 1, 100000),
	{ .name = NULL }
};

static const struct cfg_key cen_audit_keys[] = {
	INT("sign_interval_s", audit_sign_interval_s, 10, 86400),
	{ .name = NULL }
};

/* "" (the listener is off) or host:port. */
static int
cen_check_listen_opt(const char *val, char *why, size_t whysz)
{
	return val[0] == '\0' ? 0 : cfg_check_hostport(val, why, whysz);
}

static const struct cfg_key cen_people_keys[] = {
	STR(C, "listen", people_listen, 0, 0, cen_check_listen_opt),
	INT("session_ttl_s", people_session_ttl_s, 60, 604800),
	INT("token_max_days", people_token_max_days, 1, 3650),
	INT("max_body", people_max_body, 1024, 67108864),
	INT("login_max_failures", people_login_max_failures, 1, 1000),
	{ .name = NULL }
};

/* A calendar date YYYY-MM-DD. */
static int
cen_check_date(const char *val, char *why, size_t whysz)
{
	struct date	d;

	if (date_parse_iso(&d, val, strlen(val)) == 0)
		return 0;
	snprintf(why, whysz, "expected a date YYYY-MM-DD, got \"%.32s\"",
	    val);
	return -1;
}

static const struct cfg_key cen_queries_keys[] = {
	INT("registration_days", queries_registration_days, 1, 30),
	{ "holidays", CFG_STRLIST, offsetof(struct cen_cfg, queries_holidays),
	    11, 0, CEN_HOLIDAYS_MAX, 0, NULL,
	    offsetof(struct cen_cfg, queries_nholidays), cen_check_date },
	{ .name = NULL }
};

static const struct cfg_key cen_schema[] = {
	SECTION("listen", cen_listen_keys, 0),
	SECTION("tls", cen_tls_keys, 1),
	SECTION("database", cen_database_keys, 1),
	{ "posts", CFG_LIST, offsetof(C, posts), sizeof(P), 1, CEN_POSTS_MAX,
	    1, cen_post_keys, offsetof(C, nposts), NULL },
	SECTION("log", cen_log_keys, 0),
	SECTION("run_as", cen_run_as_keys, 0),
	SECTION("feed", cen_feed_keys, 0),
	SECTION("stays", cen_stays_keys, 0),
	SECTION("audit", cen_audit_keys, 0),
	SECTION("people", cen_people_keys, 0),
	SECTION("queries", cen_queries_keys, 0),
	{ .name = NULL }
};

#undef C
#undef P
#undef STR
#undef INT
#undef SECTION

/* No two posts share a code or a certificate name. */
static void
cen_cfg_check(struct cfg_ctx *ctx, const void *obj)
{
	const struct cen_cfg	*c = obj;
	const struct cen_post	*p = c->posts;
	int			*lcode, *lcn;
	size_t			 i, j, at;

	at = offsetof(struct cen_cfg, people_listen);
	if (cfg_line(ctx, at) > 0 && c->people_listen[0] != '\0' &&
	    strcmp(c->people_listen, c->listen) == 0)
		cfg_report(ctx, cfg_line(ctx, at), "\"listen\": the people's "
		    "API cannot share the posts' address %s", c->listen);
	if (cfg_line(ctx, offsetof(struct cen_cfg, nposts)) <= 0 ||
	    c->nposts > CEN_POSTS_MAX)
		return;
	lcode = calloc(c->nposts, sizeof(*lcode));
	lcn = calloc(c->nposts, sizeof(*lcn));
	if (lcode == NULL || lcn == NULL) {
		cfg_report(ctx, 0, "out of memory");
		goto done;
	}
	for (i = 0; i < c->nposts; i++) {
		at = offsetof(struct cen_cfg, posts) + i * sizeof(c->posts[0]);
		lcode[i] = cfg_line(ctx, at + offsetof(struct cen_post, code));
		lcn[i] = cfg_line(ctx, at + offsetof(struct cen_post, cert_cn));
	}
	for (i = 1; i < c->nposts; i++) {
		for (j = 0; lcode[i] > 0 && j < i; j++)
			if (lcode[j] > 0 && strcmp(p[i].code, p[j].code) == 0) {
				cfg_report(ctx, lcode[i], "duplicate post code "
				    "\"%s\" (first on line %d)", p[i].code,
				    lcode[j]);
				break;
			}
		for (j = 0; lcn[i] > 0 && j < i; j++)
			if (lcn[j] > 0 &&
			    strcmp(p[i].cert_cn, p[j].cert_cn) == 0) {
				cfg_report(ctx, lcn[i], "duplicate cert_cn "
				    "\"%s\" (first on line %d): a certificate "
				    "name must map to one post", p[i].cert_cn,
				    lcn[j]);
				break;
			}
	}
done:
	free(lcode);
	free(lcn);
}

void
cen_cfg_init(struct cen_cfg *c)
{
	memset(c, 0, sizeof(*c));
	(void)snprintf(c->listen, sizeof(c->listen),
	    "0.0.0.0:8443");		/* fits: a constant */
	c->max_body = 4194304;
	c->max_batch = 1000;
	c->max_clients = 512;
	(void)snprintf(c->log_level, sizeof(c->log_level), "info");
	c->feed_batch_max = FEED_BATCH_MAX;
	c->stays_interval_ms = 1000;
	c->stays_batch = 500;
	c->audit_sign_interval_s = 300;
	(void)snprintf(c->people_listen, sizeof(c->people_listen),
	    "0.0.0.0:8444");		/* fits: a constant */
	c->people_session_ttl_s = 28800;
	c->people_token_max_days = 365;
	c->people_max_body = 1048576;
	c->people_login_max_failures = 5;
	c->queries_registration_days = 3;
}

int
cen_cfg_load(struct cen_cfg *c, const char *path, FILE *errfp)
{
	return cfg_load_file(path, cen_schema, cen_cfg_check, c, errfp);
}

int
cen_cfg_load_buf(struct cen_cfg *c, const char *name, const uint8_t *p,
    size_t len, FILE *errfp)
{
	return cfg_load_buf(name, p, len, cen_schema, cen_cfg_check, c, errfp);
}

const struct cen_post *
cen_cfg_post_for_cert(const struct cen_cfg *c, const char *cn,
    const unsigned char sha256[32])
{
	const struct cen_post	*p;
	unsigned char		 fp[32];
	size_t			 i;

	if (cn == NULL || cn[0] == '\0')
		return NULL;
	for (i = 0; i < c->nposts && i < CEN_POSTS_MAX; i++) {
		p = &c->posts[i];
		if (strcmp(p->cert_cn, cn) != 0)
			continue;
		if (p->cert_sha256[0] == '\0')
			return p;
		if (sha256 == NULL ||
		    cen_fingerprint_parse(p->cert_sha256, fp) != 0 ||
		    memcmp(fp, sha256, sizeof(fp)) != 0)
			return NULL;	/* CNs are unique: no other match */
		return p;
	}
	return NULL;
}
