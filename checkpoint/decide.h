/* decide.h - the lane decision: from a scanned MRZ, the direction and the
 * post's registry (document and person alerts, visas and permits, stay
 * states, the stay policy) to a verdict (clear, refer or deny) with every
 * reason. Pure but for registry lookups and, when the policy's time zone
 * changes, reading that zone's TZif file. docs/decisions.md has the table
 * of reasons. One struct decide is used by one thread at a time. */
#ifndef SHEKARA_DECIDE_H
#define SHEKARA_DECIDE_H

#include <stdint.h>

#include "check.h"
#include "feed.h"
#include "registry.h"

/* The name registry_open() records for decide_key(); change it when the
 * keys or the prepared form it gives change, so posts re-key their
 * alerts. 2: keys carry namematch_pack()'s prepared form. */
#define DECIDE_KEY_NAME		"namematch-2"
/* A feed older than this is stale, unless decide_opts says otherwise
 * (checkpoint.yaml's feed.max_age_s). */
#define DECIDE_FEED_MAX_AGE_MS	(INT64_C(24) * 3600 * 1000)
/* A watchlist ban hit at or above this score denies; below it, refers. */
#define DECIDE_SURE_SCORE	0.95
#define DECIDE_ZONEINFO		"/usr/share/zoneinfo"

struct decide;

struct decide_opts {
	double		 threshold;	/* namematch score for a hit; <= 0:
					 * NAMEMATCH_DEFAULT_THRESHOLD */
	int64_t		 feed_max_age_ms;	/* <= 0: the default */
	const char	*zoneinfo;	/* NULL: DECIDE_ZONEINFO */
};

/*
 * A decider over reg for post (its code goes in every verdict). reg stays
 * the caller's and must outlive it; o may be NULL for the defaults.
 * ERR_NOMEM, ERR_INVAL (a bad post code).
 */
int	decide_new(struct decide **out, struct registry *reg,
	    const char *post, const struct decide_opts *o);
void	decide_free(struct decide *d);

/*
 * Decides req at time now_ms (ms since the epoch) into *out (check_id 0:
 * the caller stores it). A bad MRZ is a verdict (mrz_invalid), not an
 * error. Returns 0, or ERR_DB / ERR_NOMEM when the registry cannot be
 * read (then *out is unusable).
 */
int	decide_check(struct decide *d, const struct check_request *req,
	    int64_t now_ms, struct check_verdict *out);

/*
 * Whether the post's feed is stale at now_ms (ms since the epoch): never
 * applied, or applied more than the configured age ago; the rule every
 * verdict's feed_stale follows, for GET /v1/status. Returns 1 (stale), 0
 * (fresh) or ERR_DB; *age_ms (may be NULL) is the age of the last applied
 * batch in ms, or -1 if none was ever applied. decide_feed_max_age() is
 * the age in ms above which the feed is stale.
 */
int	decide_feed_stale(struct decide *d, int64_t now_ms, int64_t *age_ms);
int64_t	decide_feed_max_age(const struct decide *d);

/*
 * The registry key function checkpointd opens the registry with (under
 * DECIDE_KEY_NAME): namematch_key() of the alert's person, with its
 * prepared form (namematch_pack()) as the keys' data; or
 * registry_key_surname() and no data when the name matcher cannot read
 * it (such an alert is never a watchlist hit).
 */
int	decide_key(const struct feed_person_alert *a,
	    struct registry_keys *out);

/* The UTC offset in seconds of an IANA zone at time t (seconds since the
 * epoch), read from its TZif file under dir (NULL: DECIDE_ZONEINFO):
 * thread-safe, unlike setenv("TZ"). ERR_NOTFOUND, ERR_PARSE. */
int	decide_zone_offset(const char *dir, const char *zone, int64_t t,
	    int32_t *offset);

#endif
