/* ckcfg.h - the configuration of a post daemon (checkpoint.yaml): its schema,
 * defaults and loading. See config/checkpoint.yaml for every key. */
#ifndef SHEKARA_CKCFG_H
#define SHEKARA_CKCFG_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

#define CK_VERIFY_KEYS_MAX	8	/* feed.verify_keys: FEEDFRAME_KEYS_MAX */

struct ck_cfg {
	/* post: */
	char	post_code[PROTO_POST_MAX + 1];	/* required */
	char	post_name[128];
	/* lane_api: */
	char	lane_listen[256];	/* "host:port", default 127.0.0.1:8180 */
	long	lane_max_body;		/* bytes, default 65536 */
	/* store: */
	char	store_path[PATH_MAX];	/* required: the SQLite file */
	/* centre: */
	char	centre_url[512];	/* required: https://host:port */
	char	ca_file[PATH_MAX];	/* required: CA that signed the centre */
	char	cert_file[PATH_MAX];	/* required: this post's certificate */
	char	key_file[PATH_MAX];	/* required: and its key */
	long	batch_max;		/* crossings per push, default 500 */
	long	push_interval_ms;	/* idle poll, default 1000 */
	long	backoff_min_ms;		/* first retry delay, default 500 */
	long	backoff_max_ms;		/* longest retry delay, default 30000 */
	long	timeout_ms;		/* per request, default 10000 */
	/* feed: */
	long	feed_max_age_s;		/* older is stale, default 86400 */
	/* The centre's feed signing keys (PEM public keys); none: the post
	 * pulls no feed. */
	char	feed_verify_keys[CK_VERIFY_KEYS_MAX][PATH_MAX];
	size_t	feed_nverify_keys;
	long	feed_poll_interval_ms;	/* idle pull, default 5000 */
	/* log: */
	char	log_level[16];		/* warn, info, debug; default info */
	/* run_as: */
	char	user[64];		/* drop to this user when started as
					 * root; "" = stay */
};

void	ck_cfg_init(struct ck_cfg *c);	/* sets the defaults */
/* Reports every problem on errfp; 0, ERR_IO or ERR_INVAL. */
int	ck_cfg_load(struct ck_cfg *c, const char *path, FILE *errfp);
/* The same from memory (tests, fuzzing); name stands for the path. */
int	ck_cfg_load_buf(struct ck_cfg *c, const char *name, const uint8_t *p,
	    size_t len, FILE *errfp);

#endif
