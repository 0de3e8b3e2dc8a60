/* postauth.h - which post a client certificate belongs to: a post mapped
 * in central.yaml's posts: list, or one enrolled in the posts table
 * (centralctl post enrol) with that certificate's subject CN and SHA-256.
 * A post revoked in the table is refused even if central.yaml maps it. The
 * table is cached in memory and read again at most every refresh interval
 * (POSTAUTH_REFRESH_MS), so a revocation takes effect within seconds; while
 * the database is down the last copy read keeps serving. */
#ifndef SHEKARA_POSTAUTH_H
#define SHEKARA_POSTAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "cencfg.h"
#include "db.h"
#include "proto.h"

#define POSTAUTH_REFRESH_S	5	/* the posts table, read at most
					 * this often */
#define POSTAUTH_REFRESH_MS	(POSTAUTH_REFRESH_S * 1000)
#define POSTAUTH_POSTS_MAX	65536	/* rows of the table kept */
#define POSTAUTH_WHY_MAX	160

struct postauth;

/*
 * A checker over cfg's posts and db's posts table (both must outlive it),
 * reading the table at most every refresh_ms (0: on every check, for
 * tests). Reads nothing yet. 0 or ERR_NOMEM.
 */
int	postauth_new(struct postauth **out, const struct cen_cfg *cfg,
	    struct db *db, int64_t refresh_ms);
void	postauth_free(struct postauth *pa);

/*
 * The post of a verified client certificate (subject CN, SHA-256 of its
 * DER), now_ms being the current time (date_now_ms()). Reads the table
 * again first if refresh_ms has passed since the last try. 0 with the
 * post's code; ERR_AUTH with why (NUL-terminated, at most whysz bytes,
 * naming no personal data) if the certificate is no enrolled post's or its
 * post is revoked.
 */
int	postauth_check(struct postauth *pa, const char *cn,
	    const unsigned char sha256[32], int64_t now_ms,
	    char code[PROTO_POST_MAX + 1], char *why, size_t whysz);

/* How many posts the cached table holds; -1 if it was never read. */
long	postauth_cached(const struct postauth *pa);

#endif
