/* cencfg.h - the configuration of the centre (central.yaml): its schema,
 * defaults and loading. See config/central.yaml for every key. */
#ifndef SHEKARA_CENCFG_H
#define SHEKARA_CENCFG_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

#define CEN_POSTS_MAX	1024
#define CEN_HOLIDAYS_MAX	512	/* queries.holidays entries */

/* A post the centre accepts, bound to the subject CN of its certificate and,
 * optionally, to the certificate's SHA-256 fingerprint. */
struct cen_post {
	char	code[PROTO_POST_MAX + 1];
	char	cert_cn[128];		/* required: subject common name */
	char	cert_sha256[96];	/* optional: hex, colons allowed */
};

struct cen_cfg {
	/* listen: */
	char	listen[256];		/* "host:port", default 0.0.0.0:8443 */
	long	max_body;		/* bytes, default 4194304 */
	long	max_batch;		/* crossings per batch, default 1000 */
	long	max_clients;		/* concurrent connections, default 512 */
	/* tls: */
	char	cert_file[PATH_MAX];	/* required: server certificate */
	char	key_file[PATH_MAX];	/* required */
	char	client_ca_file[PATH_MAX];	/* required: CA of posts */
	char	crl_file[PATH_MAX];	/* optional: revoked certificates */
	/* database: */
	char	conninfo[1024];		/* required: libpq connection string */
	/* posts: */
	struct cen_post	posts[CEN_POSTS_MAX];
	size_t		nposts;
	/* log: */
	char	log_level[16];
	/* run_as: */
	char	user[64];
	/* feed: */
	char	feed_key_file[PATH_MAX];	/* optional: Ed25519 private key
						 * (PEM); "" = no feed served */
	long	feed_batch_max;		/* entries per batch, default 5000 */
	/* stays: */
	long	stays_interval_ms;	/* deriver runs apart, default 1000 */
	long	stays_batch;		/* documents per run, default 500 */
	/* audit: (docs/audit.md) */
	long	audit_sign_interval_s;	/* heads signed apart, default 300 */
	/* people: (the people's API, api.h) */
	char	people_listen[256];	/* "host:port", default 0.0.0.0:8444;
					 * "" = not served */
	long	people_session_ttl_s;	/* default 28800 */
	long	people_token_max_days;	/* default 365 */
	long	people_max_body;	/* bytes, default 1048576 */
	long	people_login_max_failures;	/* per user in 15 min, default
						 * 5 */
	/* queries: (query.h) */
	long	queries_registration_days;	/* working days after entry,
						 * default 3 */
	char	queries_holidays[CEN_HOLIDAYS_MAX][11];	/* YYYY-MM-DD */
	size_t	queries_nholidays;
};

void	cen_cfg_init(struct cen_cfg *c);
/* Reports every problem on errfp; 0, ERR_IO or ERR_INVAL. */
int	cen_cfg_load(struct cen_cfg *c, const char *path, FILE *errfp);
/* The same from memory (tests, fuzzing); name stands for the path. */
int	cen_cfg_load_buf(struct cen_cfg *c, const char *name, const uint8_t *p,
	    size_t len, FILE *errfp);
/* The post bound to a certificate's CN and DER SHA-256, or NULL. */
const struct cen_post *cen_cfg_post_for_cert(const struct cen_cfg *c,
	    const char *cn, const unsigned char sha256[32]);

#endif
