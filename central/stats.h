/* stats.h - the dashboard's statistics and its static files: flows of
 * entries and exits per day or month (from the aggregates flow_daily and
 * flow_monthly that migration 007 keeps up to date), current overstayers
 * by nationality or region, watchlist and document-alert hits from the
 * posts' check events, and the health of every post; served through the
 * people's API (stats_routes, every role) together with the dashboard
 * (central/www/, API_PUBLIC). docs/dashboard.md. */
#ifndef SHEKARA_STATS_H
#define SHEKARA_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "api.h"

#define STATS_MAX_DAYS		3660	/* widest from..to: ten years */
#define STATS_LATE_S		300	/* no contact for longer: late */
#define STATS_STALE_S		86400	/* oldest feed entry missing: stale */
#define STATS_THRESHOLD_MAX	31536000	/* a year, for both */

enum stats_by {
	STATS_BY_DAY = 1,	/* a bucket per civil day */
	STATS_BY_MONTH,		/* per month ("2026-06") */
	STATS_BY_ALL		/* one bucket for the whole range */
};

enum stats_group {
	STATS_GROUP_TOTAL = 1,	/* one series, key "total" */
	STATS_GROUP_POST,	/* a series per post */
	STATS_GROUP_NATIONALITY	/* a series per nationality */
};

enum stats_over_by {
	STATS_OVER_NATIONALITY = 1,
	STATS_OVER_REGION	/* of the registration valid on the day;
				 * key null: not registered */
};

/* The flows query; days are civil days (date_to_days()), inclusive. */
struct stats_flow_query {
	int64_t			from, to;
	enum stats_by		by;
	enum stats_group	group;
};

/*
 * Checks the flows parameters as the API gets them (NULL: not given) and
 * fills q. Defaults: to = today; from = to - 29 days (by=day), the first
 * of the month eleven months before to's month (by=month), to - 364 days
 * (by=all); by=day; group=total. On error *field names the parameter and
 * msg (msgsz bytes) says what is wrong: ERR_PARSE or ERR_RANGE (from after
 * to, a range wider than STATS_MAX_DAYS, an unknown by or group).
 */
int	stats_flow_params(struct stats_flow_query *q, int64_t today,
	    const char *from, const char *to, const char *by,
	    const char *group, const char **field, char *msg, size_t msgsz);

/*
 * The civil day today in the zone of the aggregates (stats_zone) into
 * *today, and that zone into tz (tzsz bytes). 0 or ERR_DB.
 */
int	stats_today(PGconn *conn, int64_t *today, char *tz, size_t tzsz);

/*
 * The flows of q as a new JSON object (*out):
 *   {"version":1,"timezone":"Asia/Almaty","from":"2026-06-01",
 *    "to":"2026-06-30","by":"day","group":"post",
 *    "rows":[{"bucket":"2026-06-01","key":"ALA01","entries":N,
 *      "exits":N,"net":N,"refused":N,"referred":N}, ...],
 *    "totals":{"entries":N,"exits":N,"net":N,"refused":N,"referred":N}}
 * entries and exits count admitted crossings only; net = entries - exits.
 * Rows are ordered by bucket, then key. group=total has a row for every
 * bucket of the range (zeros included); post and nationality only rows
 * with a crossing. A bucket is "YYYY-MM-DD" (day), "YYYY-MM" (month) or
 * "from..to" (all). 0, ERR_DB or ERR_NOMEM.
 */
int	stats_flows(PGconn *conn, const struct stats_flow_query *q,
	    json_t **out);

/*
 * Open stays past allowed_until on day asof, counted by nationality or by
 * region: {"version":1,"as_of":"...","by":"nationality","total":N,
 * "rows":[{"key":"UZB","count":N}, ...]} ordered by count (descending),
 * then key (null last); the region key is null for those with no
 * registration valid on asof. 0, ERR_DB or ERR_NOMEM.
 */
int	stats_overstayers(PGconn *conn, enum stats_over_by by, int64_t asof,
	    json_t **out);

/*
 * Watchlist and document-alert hits of the posts' check events (table
 * post_audit, action "check", the codes in detail.reasons) from day from
 * to day to (civil days in the aggregates' zone): {"version":1,"from",
 * "to","by":"kind","available":true,"rows":[{"day","kind","count"}],
 * "totals":[{"key":"watchlist_wanted","count":N}, ...]}; a check event
 * counts once per kind. Kinds: watchlist_entry_ban, watchlist_exit_ban,
 * watchlist_wanted, document_alert_lost, _stolen, _invalidated, _revoked.
 * Without the table, "available" is false and the lists empty. 0, ERR_DB,
 * ERR_NOMEM.
 */
int	stats_hits(PGconn *conn, int64_t from, int64_t to, json_t **out);

/*
 * Every post (the posts table and any post with a health row): code, name,
 * status, last_contact_at, last_push_at, unsent, audit_unsent,
 * feed_cursor, feed_behind (head - cursor), feed_age_s (age of the oldest
 * feed entry past the cursor; 0 when up to date), late (no contact for
 * more than late_s seconds), stale (feed_age_s over stale_s):
 * {"version":1,"now":"...","feed_head":N,"late_after_s":N,
 *  "stale_after_s":N,"rows":[...]} ordered by code. Values the centre has
 * not seen are null. 0, ERR_DB, ERR_NOMEM.
 */
int	stats_posts(PGconn *conn, long late_s, long stale_s, json_t **out);

/* The routes: GET /api/v1/stats/{flows,overstayers,hits,posts} (every
 * role), GET / and GET /static/<name> (the dashboard, public). */
extern const struct api_route	stats_routes[];

#endif
