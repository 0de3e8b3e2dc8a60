/* stats.c - the dashboard's statistics (flows from the aggregates of
 * migration 007, overstayers from stay_states, hits from hit_daily
 * (migration 010, counted from post_audit), post
 * health from post_health) as JSON, their API routes, and the dashboard's
 * embedded static files with a strict Content-Security-Policy; see
 * stats.h and docs/dashboard.md. Every statement is parameterised. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "api.h"
#include "date.h"
#include "err.h"
#include "log.h"
#include "pgutil.h"
#include "stats.h"
#include "www.h"

#define STATS_DAY_LEN		11	/* "YYYY-MM-DD" and NUL */
#define STATS_BUCKET_LEN	24	/* "YYYY-MM-DD..YYYY-MM-DD" and NUL */
#define STATS_TZ_MAX		64
#define STATS_PARAMS_MAX	8
#define STATS_NAME_MAX		64	/* a static file's name */

/* Every response of the dashboard's pages: scripts and styles only from
 * the centre itself, nothing inline, no framing. */
#define STATS_CSP \
	"default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; " \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* The reason codes that are hits, in the order the totals list them. */
static const char *const stats_hit_kinds[] = {
	"watchlist_entry_ban", "watchlist_exit_ban", "watchlist_wanted",
	"document_alert_lost", "document_alert_stolen",
	"document_alert_invalidated", "document_alert_revoked"
};
#define STATS_NKINDS	(sizeof(stats_hit_kinds) / sizeof(stats_hit_kinds[0]))

static const char stats_today_sql[] =
	"SELECT z.tz, ((now() AT TIME ZONE z.tz)::date"
	" - DATE '1970-01-01')::text"
	" FROM (SELECT coalesce((SELECT timezone FROM stats_zone),"
	" 'Asia/Almaty') AS tz) z";

/* $1 from, $2 to (dates), $3 group (1 total, 2 post, 3 nationality).
 * One per bucket size; the to_char pattern names the bucket. */
#define STATS_FLOW_SQL(table, fmt)					\
	"SELECT to_char(day, '" fmt "'),"				\
	" CASE $3::int WHEN 1 THEN 'total' WHEN 2 THEN post"		\
	"  ELSE nationality END,"					\
	" coalesce(sum(admitted) FILTER (WHERE direction = 'entry'), 0),"\
	" coalesce(sum(admitted) FILTER (WHERE direction = 'exit'), 0),"	\
	" sum(refused), sum(referred)"					\
	" FROM " table " WHERE day >= $1::date AND day <= $2::date"	\
	" GROUP BY 1, 2 ORDER BY 1, 2"
static const char stats_flow_day_sql[] =
	STATS_FLOW_SQL("flow_daily", "YYYY-MM-DD");
static const char stats_flow_month_sql[] =
	STATS_FLOW_SQL("flow_monthly", "YYYY-MM");

/* The whole range in one bucket: whole months [$4, $5) from flow_monthly,
 * the days before and after them from flow_daily. */
static const char stats_flow_all_sql[] =
	"SELECT '', k,"
	" coalesce(sum(a) FILTER (WHERE dir = 'entry'), 0),"
	" coalesce(sum(a) FILTER (WHERE dir = 'exit'), 0),"
	" sum(rf), sum(rr) FROM ("
	" SELECT CASE $3::int WHEN 1 THEN 'total' WHEN 2 THEN post"
	"  ELSE nationality END AS k, direction AS dir, admitted AS a,"
	"  refused AS rf, referred AS rr"
	"  FROM flow_monthly WHERE day >= $4::date AND day < $5::date"
	" UNION ALL"
	" SELECT CASE $3::int WHEN 1 THEN 'total' WHEN 2 THEN post"
	"  ELSE nationality END, direction, admitted, refused, referred"
	"  FROM flow_daily WHERE day >= $1::date AND day <= $2::date"
	"  AND NOT (day >= $4::date AND day < $5::date)) x"
	" GROUP BY 2 ORDER BY 2";

static const char stats_over_nat_sql[] =
	"SELECT nationality, count(*) FROM stay_states"
	" WHERE open_entry IS NOT NULL AND allowed_until < $1::date"
	" GROUP BY 1 ORDER BY 2 DESC, 1";
static const char stats_over_region_sql[] =
	"SELECT g.region, count(*) FROM stay_states s"
	" LEFT JOIN LATERAL (SELECT r.region FROM registrations r"
	"  WHERE r.number = s.number AND r.issuing_state = s.issuing_state"
	"  AND r.valid_from <= $1::date AND r.valid_until >= $1::date"
	"  ORDER BY r.valid_from DESC, r.id DESC LIMIT 1) g ON true"
	" WHERE s.open_entry IS NOT NULL AND s.allowed_until < $1::date"
	" GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST";

static const char stats_has_table_sql[] =
	"SELECT to_regclass($1::text) IS NOT NULL";

/* $1 from, $2 to (dates): the hits counted per day, post and kind as the
 * posts' check events arrived (migration 010, hit_daily). */
static const char stats_hits_sql[] =
	"SELECT to_char(day, 'YYYY-MM-DD'), kind, sum(n)"
	" FROM hit_daily WHERE day >= $1::date AND day <= $2::date"
	" GROUP BY 1, 2 ORDER BY 1, 2";

#define STATS_TS(col)	"to_char(" col " AT TIME ZONE 'UTC'," \
			" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Columns: code, name, status, last_contact_at, last_push_at, unsent,
 * audit_unsent, feed_cursor, feed_behind, feed_at, feed_age_s,
 * contact_age_s, head, now. */
static const char stats_posts_sql[] =
	"SELECT coalesce(p.code, h.post), coalesce(p.name, ''),"
	" coalesce(p.status, 'configured'),"
	" " STATS_TS("h.last_contact_at") ", " STATS_TS("h.last_push_at") ","
	" h.unsent, h.audit_unsent, h.feed_cursor,"
	" CASE WHEN h.feed_cursor IS NOT NULL THEN"
	"  greatest((SELECT pos FROM feed_head) - h.feed_cursor, 0) END,"
	" " STATS_TS("h.feed_at") ","
	" CASE WHEN h.feed_cursor IS NULL THEN NULL ELSE coalesce(greatest("
	"  floor(extract(epoch FROM now() - (SELECT f.at FROM feed_log f"
	"  WHERE f.pos > h.feed_cursor ORDER BY f.pos LIMIT 1))), 0)::bigint,"
	"  0) END,"
	" floor(extract(epoch FROM now() - h.last_contact_at))::bigint,"
	" (SELECT pos FROM feed_head), " STATS_TS("now()") ""
	" FROM posts p FULL JOIN post_health h ON h.post = p.code"
	" ORDER BY 1";
/* The same before migration 008 (no post_health yet). */
static const char stats_posts_nohealth_sql[] =
	"SELECT p.code, p.name, p.status, NULL, NULL, NULL, NULL, NULL, NULL,"
	" NULL, NULL, NULL, (SELECT pos FROM feed_head), " STATS_TS("now()")
	" FROM posts p ORDER BY 1";

static const char *const stats_by_names[] = { "", "day", "month", "all" };
static const char *const stats_group_names[] = { "", "total", "post",
	"nationality" };

static int
stats_exec(PGconn *conn, const char *sql, int n, const char *const *v,
    PGresult **out)
{
	return pgu_exec(conn, "stats", "query failed", sql, n, v,
	    PGRES_TUPLES_OK, out);
}

/* A count column (bigint or numeric text, NULL as 0). */
static json_int_t
stats_count(const PGresult *r, int row, int col)
{
	const char	*s;
	char		*end;
	long long	 v;

	if (PQgetisnull(r, row, col))
		return 0;
	s = PQgetvalue(r, row, col);
	v = strtoll(s, &end, 10);
	return end != s ? (json_int_t)v : 0;
}

static void
stats_day_format(int64_t days, char buf[STATS_DAY_LEN])
{
	struct date	d;

	date_from_days(days, &d);
	if (date_format_iso(&d, buf, STATS_DAY_LEN) != 0)
		buf[0] = '\0';	/* not reached: STATS_DAY_LEN fits */
}

/* The first day of days' month, and of the month after it. */
static int64_t
stats_month_start(int64_t days)
{
	struct date	d;

	date_from_days(days, &d);
	d.day = 1;
	return date_to_days(&d);
}

static int64_t
stats_month_next(int64_t days)
{
	struct date	d;

	date_from_days(days, &d);
	d.day = 1;
	if (++d.month > 12) {
		d.month = 1;
		d.year++;
	}
	return date_to_days(&d);
}

static void
stats_month_format(int64_t days, char *buf, size_t bufsz)
{
	struct date	d;

	date_from_days(days, &d);
	if (snprintf(buf, bufsz, "%04d-%02d", d.year, d.month) >= (int)bufsz)
		buf[0] = '\0';	/* not reached: callers pass room */
}

/* Sets key to a new value; -1 if the value is NULL (out of memory) or the
 * set failed. */
static int
stats_set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

/* A text column or null. */
static json_t *
stats_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? json_null() :
	    json_string(PQgetvalue(r, row, col));
}

static json_t *
stats_int_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? json_null() :
	    json_integer(stats_count(r, row, col));
}

static int
stats_parse_day(const char *s, int64_t *days)
{
	struct date	d;
	int		rc;

	if ((rc = date_parse_iso(&d, s, strlen(s))) != 0)
		return rc;
	*days = date_to_days(&d);
	return 0;
}

int
stats_flow_params(struct stats_flow_query *q, int64_t today,
    const char *from, const char *to, const char *by, const char *group,
    const char **field, char *msg, size_t msgsz)
{
	struct stats_flow_query	n;
	size_t			i;
	int			rc;

	memset(&n, 0, sizeof(n));
	n.by = STATS_BY_DAY;
	n.group = STATS_GROUP_TOTAL;
	if (by != NULL) {
		n.by = 0;
		for (i = 1; i < sizeof(stats_by_names) /
		    sizeof(stats_by_names[0]); i++)
			if (strcmp(by, stats_by_names[i]) == 0)
				n.by = (enum stats_by)i;
		if (n.by == 0) {
			*field = "by";
			(void)snprintf(msg, msgsz, "must be day, month or all");
			return ERR_RANGE;
		}
	}
	if (group != NULL) {
		n.group = 0;
		for (i = 1; i < sizeof(stats_group_names) /
		    sizeof(stats_group_names[0]); i++)
			if (strcmp(group, stats_group_names[i]) == 0)
				n.group = (enum stats_group)i;
		if (n.group == 0) {
			*field = "group";
			(void)snprintf(msg, msgsz,
			    "must be total, post or nationality");
			return ERR_RANGE;
		}
	}
	n.to = today;
	if (to != NULL && (rc = stats_parse_day(to, &n.to)) != 0) {
		*field = "to";
		(void)snprintf(msg, msgsz, "must be a date YYYY-MM-DD");
		return rc;
	}
	switch (n.by) {
	case STATS_BY_DAY:
		n.from = n.to - 29;
		break;
	case STATS_BY_MONTH:
		n.from = stats_month_start(n.to);
		for (i = 0; i < 11; i++)
			n.from = stats_month_start(n.from - 1);
		break;
	default:
		n.from = n.to - 364;
		break;
	}
	if (from != NULL && (rc = stats_parse_day(from, &n.from)) != 0) {
		*field = "from";
		(void)snprintf(msg, msgsz, "must be a date YYYY-MM-DD");
		return rc;
	}
	if (n.from > n.to) {
		*field = "from";
		(void)snprintf(msg, msgsz, "must not be after to");
		return ERR_RANGE;
	}
	if (n.by == STATS_BY_MONTH) {
		/* Whole months: the first of from's to the last of to's. */
		n.from = stats_month_start(n.from);
		n.to = stats_month_next(n.to) - 1;
	}
	if (n.to - n.from + 1 > STATS_MAX_DAYS) {
		*field = "from";
		(void)snprintf(msg, msgsz, "the range from..to is %" PRId64
		    " days; at most %d", n.to - n.from + 1, STATS_MAX_DAYS);
		return ERR_RANGE;
	}
	*q = n;
	return 0;
}

int
stats_today(PGconn *conn, int64_t *today, char *tz, size_t tzsz)
{
	PGresult	*r;
	int		 rc;

	if ((rc = stats_exec(conn, stats_today_sql, 0, NULL, &r)) != 0)
		return rc;
	if (PQntuples(r) != 1 ||
	    snprintf(tz, tzsz, "%s", PQgetvalue(r, 0, 0)) >= (int)tzsz) {
		PQclear(r);
		return ERR_DB;
	}
	*today = stats_count(r, 0, 1);
	PQclear(r);
	return 0;
}

/* One row of the flows answer; the counts from columns 2..5 of r. */
static json_t *
stats_flow_row(const char *bucket, const char *key, const PGresult *r,
    int row, json_int_t tot[4])
{
	json_t		*o;
	json_int_t	 v[4] = { 0, 0, 0, 0 };
	int		 i;

	if (r != NULL)
		for (i = 0; i < 4; i++)
			v[i] = stats_count(r, row, 2 + i);
	for (i = 0; i < 4; i++)
		tot[i] += v[i];
	if ((o = json_object()) == NULL)
		return NULL;
	if (stats_set(o, "bucket", json_string(bucket)) != 0 ||
	    stats_set(o, "key", json_string(key)) != 0 ||
	    stats_set(o, "entries", json_integer(v[0])) != 0 ||
	    stats_set(o, "exits", json_integer(v[1])) != 0 ||
	    stats_set(o, "net", json_integer(v[0] - v[1])) != 0 ||
	    stats_set(o, "refused", json_integer(v[2])) != 0 ||
	    stats_set(o, "referred", json_integer(v[3])) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The bucket of day b for the total series' gap filling. */
static void
stats_bucket_name(const struct stats_flow_query *q, int64_t b, char *buf,
    size_t bufsz)
{
	char	f[STATS_DAY_LEN], t[STATS_DAY_LEN];

	if (q->by == STATS_BY_DAY) {
		stats_day_format(b, f);
		(void)snprintf(buf, bufsz, "%s", f);
	} else if (q->by == STATS_BY_MONTH)
		stats_month_format(b, buf, bufsz);
	else {
		stats_day_format(q->from, f);
		stats_day_format(q->to, t);
		if (snprintf(buf, bufsz, "%s..%s", f, t) >= (int)bufsz)
			buf[0] = '\0';	/* not reached: STATS_BUCKET_LEN */
	}
}

int
stats_flows(PGconn *conn, const struct stats_flow_query *q, json_t **out)
{
	char		 from[STATS_DAY_LEN], to[STATS_DAY_LEN];
	char		 m1[STATS_DAY_LEN], m2[STATS_DAY_LEN], group[4];
	char		 bucket[STATS_BUCKET_LEN], tz[STATS_TZ_MAX + 1];
	const char	*v[5] = { from, to, group, m1, m2 };
	const char	*sql, *rb;
	json_t		*o = NULL, *rows, *row, *tot;
	json_int_t	 t[4] = { 0, 0, 0, 0 };
	PGresult	*r = NULL;
	int64_t		 today, b, lo, hi;
	int		 rc, i, n, nparams = 3;

	if ((rc = stats_today(conn, &today, tz, sizeof(tz))) != 0)
		return rc;
	stats_day_format(q->from, from);
	stats_day_format(q->to, to);
	(void)snprintf(group, sizeof(group), "%d", (int)q->group);
	if (q->by == STATS_BY_DAY)
		sql = stats_flow_day_sql;
	else if (q->by == STATS_BY_MONTH)
		sql = stats_flow_month_sql;
	else {
		/* [lo, hi): the whole months inside from..to. */
		lo = stats_month_start(q->from) == q->from ? q->from :
		    stats_month_next(q->from);
		hi = stats_month_start(q->to + 1);
		if (hi < lo)
			hi = lo;
		stats_day_format(lo, m1);
		stats_day_format(hi, m2);
		sql = stats_flow_all_sql;
		nparams = 5;
	}
	if ((rc = stats_exec(conn, sql, nparams, v, &r)) != 0)
		return rc;
	rc = ERR_NOMEM;
	if ((o = json_object()) == NULL || (rows = json_array()) == NULL ||
	    stats_set(o, "version", json_integer(1)) != 0 ||
	    stats_set(o, "timezone", json_string(tz)) != 0 ||
	    stats_set(o, "from", json_string(from)) != 0 ||
	    stats_set(o, "to", json_string(to)) != 0 ||
	    stats_set(o, "by", json_string(stats_by_names[q->by])) != 0 ||
	    stats_set(o, "group", json_string(stats_group_names[q->group]))
	    != 0 || stats_set(o, "rows", rows) != 0)
		goto done;
	n = PQntuples(r);
	if (q->group != STATS_GROUP_TOTAL) {
		for (i = 0; i < n; i++) {
			stats_bucket_name(q, q->from, bucket, sizeof(bucket));
			rb = q->by == STATS_BY_ALL ? bucket :
			    PQgetvalue(r, i, 0);
			if ((row = stats_flow_row(rb, PQgetvalue(r, i, 1), r, i,
			    t)) == NULL || json_array_append_new(rows, row) != 0)
				goto done;
		}
	} else {
		/* Every bucket, zeros where nothing crossed. */
		i = 0;
		for (b = q->from; b <= q->to; ) {
			stats_bucket_name(q, b, bucket, sizeof(bucket));
			if (i < n && (q->by == STATS_BY_ALL ||
			    strcmp(PQgetvalue(r, i, 0), bucket) == 0)) {
				row = stats_flow_row(bucket, "total", r, i, t);
				i++;
			} else
				row = stats_flow_row(bucket, "total", NULL, 0,
				    t);
			if (row == NULL || json_array_append_new(rows, row) != 0)
				goto done;
			if (q->by == STATS_BY_DAY)
				b++;
			else if (q->by == STATS_BY_MONTH)
				b = stats_month_next(b);
			else
				break;
		}
	}
	if ((tot = json_object()) == NULL || stats_set(o, "totals", tot) != 0 ||
	    stats_set(tot, "entries", json_integer(t[0])) != 0 ||
	    stats_set(tot, "exits", json_integer(t[1])) != 0 ||
	    stats_set(tot, "net", json_integer(t[0] - t[1])) != 0 ||
	    stats_set(tot, "refused", json_integer(t[2])) != 0 ||
	    stats_set(tot, "referred", json_integer(t[3])) != 0)
		goto done;
	*out = o;
	o = NULL;
	rc = 0;
done:
	PQclear(r);
	json_decref(o);
	return rc;
}

/* rows of (key, count) as [{"key","count"}]; adds them to *total. */
static int
stats_key_counts(const PGresult *r, json_t *rows, json_int_t *total)
{
	json_t	*row;
	int	 i;

	for (i = 0; i < PQntuples(r); i++) {
		if ((row = json_object()) == NULL ||
		    json_array_append_new(rows, row) != 0 ||
		    stats_set(row, "key", stats_text(r, i, 0)) != 0 ||
		    stats_set(row, "count", json_integer(stats_count(r, i, 1)))
		    != 0)
			return ERR_NOMEM;
		*total += stats_count(r, i, 1);
	}
	return 0;
}

int
stats_overstayers(PGconn *conn, enum stats_over_by by, int64_t asof,
    json_t **out)
{
	char		 day[STATS_DAY_LEN];
	const char	*v[1] = { day };
	json_t		*o = NULL, *rows;
	json_int_t	 total = 0;
	PGresult	*r = NULL;
	int		 rc;

	stats_day_format(asof, day);
	if ((rc = stats_exec(conn, by == STATS_OVER_REGION ?
	    stats_over_region_sql : stats_over_nat_sql, 1, v, &r)) != 0)
		return rc;
	rc = ERR_NOMEM;
	if ((o = json_object()) == NULL || (rows = json_array()) == NULL ||
	    stats_set(o, "version", json_integer(1)) != 0 ||
	    stats_set(o, "as_of", json_string(day)) != 0 ||
	    stats_set(o, "by", json_string(by == STATS_OVER_REGION ?
	    "region" : "nationality")) != 0 ||
	    stats_set(o, "rows", rows) != 0 ||
	    stats_key_counts(r, rows, &total) != 0 ||
	    stats_set(o, "total", json_integer(total)) != 0)
		goto done;
	*out = o;
	o = NULL;
	rc = 0;
done:
	PQclear(r);
	json_decref(o);
	return rc;
}

/* 1 if the table exists, 0 if not, or ERR_DB. */
static int
stats_has_table(PGconn *conn, const char *name)
{
	const char	*v[1] = { name };
	PGresult	*r;
	int		 rc;

	if ((rc = stats_exec(conn, stats_has_table_sql, 1, v, &r)) != 0)
		return rc;
	rc = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return rc;
}

int
stats_hits(PGconn *conn, int64_t from, int64_t to, json_t **out)
{
	char		 f[STATS_DAY_LEN], t[STATS_DAY_LEN];
	char		 tz[STATS_TZ_MAX + 1];
	const char	*v[3] = { f, t, tz };
	json_t		*o = NULL, *rows, *tots, *row;
	json_int_t	 sum[STATS_NKINDS];
	PGresult	*r = NULL;
	int64_t		 today;
	size_t		 k;
	int		 rc, have, i;

	memset(sum, 0, sizeof(sum));
	if ((rc = stats_today(conn, &today, tz, sizeof(tz))) != 0)
		return rc;
	if ((have = stats_has_table(conn, "post_audit")) < 0)
		return have;
	stats_day_format(from, f);
	stats_day_format(to, t);
	if (have && (rc = stats_exec(conn, stats_hits_sql, 2, v, &r)) != 0)
		return rc;
	rc = ERR_NOMEM;
	if ((o = json_object()) == NULL || (rows = json_array()) == NULL ||
	    (tots = json_array()) == NULL ||
	    stats_set(o, "version", json_integer(1)) != 0 ||
	    stats_set(o, "timezone", json_string(tz)) != 0 ||
	    stats_set(o, "from", json_string(f)) != 0 ||
	    stats_set(o, "to", json_string(t)) != 0 ||
	    stats_set(o, "by", json_string("kind")) != 0 ||
	    stats_set(o, "available", json_boolean(have)) != 0 ||
	    stats_set(o, "rows", rows) != 0 ||
	    stats_set(o, "totals", tots) != 0)
		goto done;
	for (i = 0; r != NULL && i < PQntuples(r); i++) {
		if ((row = json_object()) == NULL ||
		    json_array_append_new(rows, row) != 0 ||
		    stats_set(row, "day", stats_text(r, i, 0)) != 0 ||
		    stats_set(row, "kind", stats_text(r, i, 1)) != 0 ||
		    stats_set(row, "count", json_integer(stats_count(r, i, 2)))
		    != 0)
			goto done;
		for (k = 0; k < STATS_NKINDS; k++)
			if (strcmp(PQgetvalue(r, i, 1), stats_hit_kinds[k]) == 0)
				sum[k] += stats_count(r, i, 2);
	}
	for (k = 0; k < STATS_NKINDS; k++)
		if ((row = json_object()) == NULL ||
		    json_array_append_new(tots, row) != 0 ||
		    stats_set(row, "key", json_string(stats_hit_kinds[k])) != 0 ||
		    stats_set(row, "count", json_integer(sum[k])) != 0)
			goto done;
	*out = o;
	o = NULL;
	rc = 0;
done:
	PQclear(r);
	json_decref(o);
	return rc;
}

int
stats_posts(PGconn *conn, long late_s, long stale_s, json_t **out)
{
	static const char *const cols[] = { "code", "name", "status",
	    "last_contact_at", "last_push_at" };
	json_t		*o = NULL, *rows, *row;
	PGresult	*r = NULL;
	size_t		 c;
	int		 rc, have, i, late, stale;

	if ((have = stats_has_table(conn, "post_health")) < 0)
		return have;
	if ((rc = stats_exec(conn, have ? stats_posts_sql :
	    stats_posts_nohealth_sql, 0, NULL, &r)) != 0)
		return rc;
	rc = ERR_NOMEM;
	if ((o = json_object()) == NULL || (rows = json_array()) == NULL ||
	    stats_set(o, "version", json_integer(1)) != 0 ||
	    stats_set(o, "late_after_s", json_integer(late_s)) != 0 ||
	    stats_set(o, "stale_after_s", json_integer(stale_s)) != 0 ||
	    stats_set(o, "health", json_boolean(have)) != 0 ||
	    stats_set(o, "rows", rows) != 0)
		goto done;
	if (PQntuples(r) > 0 &&
	    (stats_set(o, "feed_head", stats_int_or_null(r, 0, 12)) != 0 ||
	    stats_set(o, "now", stats_text(r, 0, 13)) != 0))
		goto done;
	for (i = 0; i < PQntuples(r); i++) {
		if ((row = json_object()) == NULL ||
		    json_array_append_new(rows, row) != 0)
			goto done;
		for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			if (stats_set(row, cols[c], stats_text(r, i, (int)c))
			    != 0)
				goto done;
		/* Never heard from, or silent too long: late. */
		late = PQgetisnull(r, i, 11) ||
		    stats_count(r, i, 11) > (json_int_t)late_s;
		stale = !PQgetisnull(r, i, 10) &&
		    stats_count(r, i, 10) > (json_int_t)stale_s;
		if (stats_set(row, "unsent", stats_int_or_null(r, i, 5)) != 0 ||
		    stats_set(row, "audit_unsent", stats_int_or_null(r, i, 6))
		    != 0 ||
		    stats_set(row, "feed_cursor", stats_int_or_null(r, i, 7))
		    != 0 ||
		    stats_set(row, "feed_behind", stats_int_or_null(r, i, 8))
		    != 0 ||
		    stats_set(row, "feed_at", stats_text(r, i, 9)) != 0 ||
		    stats_set(row, "feed_age_s", stats_int_or_null(r, i, 10))
		    != 0 ||
		    stats_set(row, "contact_age_s",
		    stats_int_or_null(r, i, 11)) != 0 ||
		    stats_set(row, "late", json_boolean(late)) != 0 ||
		    stats_set(row, "stale", json_boolean(stale)) != 0)
			goto done;
	}
	*out = o;
	o = NULL;
	rc = 0;
done:
	PQclear(r);
	json_decref(o);
	return rc;
}

/*
 * The request's query parameters into vals[] (NULL: not given), in the
 * order of names[]; 400 naming it for an unknown or repeated parameter or
 * an over-long value. 0, or -1 after answering.
 */
static int
stats_params(struct api_req *r, const char *const *names, size_t n,
    const char **vals)
{
	const struct evkeyval	*kv;
	size_t			 i;

	for (i = 0; i < n; i++)
		vals[i] = NULL;
	if (r->query == NULL)
		return 0;
	for (kv = r->query->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		for (i = 0; i < n; i++)
			if (strcmp(kv->key, names[i]) == 0)
				break;
		if (i == n) {
			api_error(r, 400, kv->key, "unknown parameter");
			return -1;
		}
		if (vals[i] != NULL) {
			api_error(r, 400, kv->key, "given twice");
			return -1;
		}
		if (strlen(kv->value) > 64) {
			api_error(r, 400, kv->key, "longer than 64 bytes");
			return -1;
		}
		vals[i] = kv->value;
	}
	return 0;
}

static void
stats_reply(struct api_req *r, int rc, json_t *o)
{
	if (rc == 0)
		api_reply_json(r, 200, o);
	else if (rc == ERR_DB)
		api_error(r, 503, "", "database unavailable; try again");
	else
		api_error(r, 500, "", "%s", err_str(rc));
}

static void
stats_route_flows(struct api_req *r)
{
	static const char *const names[] = { "from", "to", "by", "group" };
	const char		*v[4], *field = "";
	struct stats_flow_query	 q;
	char			 msg[128], tz[STATS_TZ_MAX + 1];
	json_t			*o = NULL;
	int64_t			 today;
	int			 rc;

	if (stats_params(r, names, 4, v) != 0)
		return;
	if ((rc = stats_today(r->conn, &today, tz, sizeof(tz))) != 0) {
		stats_reply(r, rc, NULL);
		return;
	}
	if (stats_flow_params(&q, today, v[0], v[1], v[2], v[3], &field, msg,
	    sizeof(msg)) != 0) {
		api_error(r, 400, field, "%s", msg);
		return;
	}
	rc = stats_flows(r->conn, &q, &o);
	stats_reply(r, rc, o);
}

static void
stats_route_overstayers(struct api_req *r)
{
	static const char *const names[] = { "by", "as_of" };
	const char		*v[2];
	char			 tz[STATS_TZ_MAX + 1];
	enum stats_over_by	 by = STATS_OVER_NATIONALITY;
	json_t			*o = NULL;
	int64_t			 asof;
	int			 rc;

	if (stats_params(r, names, 2, v) != 0)
		return;
	if (v[0] != NULL) {
		if (strcmp(v[0], "region") == 0)
			by = STATS_OVER_REGION;
		else if (strcmp(v[0], "nationality") != 0) {
			api_error(r, 400, "by", "must be nationality or region");
			return;
		}
	}
	if ((rc = stats_today(r->conn, &asof, tz, sizeof(tz))) != 0) {
		stats_reply(r, rc, NULL);
		return;
	}
	if (v[1] != NULL && stats_parse_day(v[1], &asof) != 0) {
		api_error(r, 400, "as_of", "must be a date YYYY-MM-DD");
		return;
	}
	rc = stats_overstayers(r->conn, by, asof, &o);
	stats_reply(r, rc, o);
}

static void
stats_route_hits(struct api_req *r)
{
	static const char *const names[] = { "from", "to", "by" };
	const char		*v[3], *field = "";
	struct stats_flow_query	 q;
	char			 msg[128], tz[STATS_TZ_MAX + 1];
	json_t			*o = NULL;
	int64_t			 today;
	int			 rc;

	if (stats_params(r, names, 3, v) != 0)
		return;
	if (v[2] != NULL && strcmp(v[2], "kind") != 0) {
		api_error(r, 400, "by", "must be kind");
		return;
	}
	if ((rc = stats_today(r->conn, &today, tz, sizeof(tz))) != 0) {
		stats_reply(r, rc, NULL);
		return;
	}
	/* The same range rules as the flows by day. */
	if (stats_flow_params(&q, today, v[0], v[1], NULL, NULL, &field, msg,
	    sizeof(msg)) != 0) {
		api_error(r, 400, field, "%s", msg);
		return;
	}
	rc = stats_hits(r->conn, q.from, q.to, &o);
	stats_reply(r, rc, o);
}

/* A threshold parameter in seconds, 1..STATS_THRESHOLD_MAX. */
static int
stats_seconds(const char *s, long *out)
{
	char		*end;
	long long	 v;

	if (s[0] < '0' || s[0] > '9')
		return ERR_PARSE;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return ERR_PARSE;
	if (v < 1 || v > STATS_THRESHOLD_MAX)
		return ERR_RANGE;
	*out = (long)v;
	return 0;
}

static void
stats_route_posts(struct api_req *r)
{
	static const char *const names[] = { "late_after_s", "stale_after_s" };
	const char	*v[2];
	long		 late = STATS_LATE_S, stale = STATS_STALE_S;
	json_t		*o = NULL;
	int		 rc;

	if (stats_params(r, names, 2, v) != 0)
		return;
	if (v[0] != NULL && stats_seconds(v[0], &late) != 0) {
		api_error(r, 400, "late_after_s", "must be 1..%d seconds",
		    STATS_THRESHOLD_MAX);
		return;
	}
	if (v[1] != NULL && stats_seconds(v[1], &stale) != 0) {
		api_error(r, 400, "stale_after_s", "must be 1..%d seconds",
		    STATS_THRESHOLD_MAX);
		return;
	}
	rc = stats_posts(r->conn, late, stale, &o);
	stats_reply(r, rc, o);
}

/* The embedded file called name (its bytes checked first), or NULL. */
static const struct www_file *
stats_www_find(const char *name)
{
	size_t	i, n = strlen(name);

	if (n == 0 || n > STATS_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != n || name[0] == '.')
		return NULL;
	for (i = 0; i < www_nfiles; i++)
		if (strcmp(www_files[i].name, name) == 0)
			return &www_files[i];
	return NULL;
}

/* A strong validator: FNV-1a 64 of the file's bytes, quoted. */
static void
stats_etag(const struct www_file *f, char *buf, size_t bufsz)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < f->len; i++) {
		h ^= f->data[i];
		h *= 0x100000001b3ULL;
	}
	(void)snprintf(buf, bufsz, "\"%016" PRIx64 "\"", h);
}

static void
stats_serve(struct api_req *r, const char *name)
{
	const struct www_file	*f;
	const char		*inm;
	char			 etag[24];

	/* api_reply() adds nosniff, X-Frame-Options and Referrer-Policy. */
	api_add_header(r, "Content-Security-Policy", STATS_CSP);
	if ((f = stats_www_find(name)) == NULL) {
		api_error(r, 404, "path", "no such file");
		return;
	}
	/* Revalidated on every load: a new centrald may carry new files. */
	api_add_header(r, "Cache-Control", "no-cache");
	stats_etag(f, etag, sizeof(etag));
	api_add_header(r, "ETag", etag);
	if ((inm = api_header(r, "If-None-Match")) != NULL &&
	    strcmp(inm, etag) == 0) {
		api_reply(r, 304, NULL, NULL, 0);
		return;
	}
	api_reply(r, 200, f->type, f->data, f->len);
}

static void
stats_route_index(struct api_req *r)
{
	stats_serve(r, "index.html");
}

static void
stats_route_static(struct api_req *r)
{
	stats_serve(r, r->path + strlen("/static/"));
}

const struct api_route stats_routes[] = {
	{ "GET", "/api/v1/stats/flows", 0, API_ANY, stats_route_flows,
	    "entries, exits and net per day or month, by post or nationality" },
	{ "GET", "/api/v1/stats/overstayers", 0, API_ANY,
	    stats_route_overstayers,
	    "current overstayers counted by nationality or region" },
	{ "GET", "/api/v1/stats/hits", 0, API_ANY, stats_route_hits,
	    "watchlist and document-alert hits at the posts by kind" },
	{ "GET", "/api/v1/stats/posts", 0, API_ANY, stats_route_posts,
	    "every post's health: last contact, unsent, feed cursor and age" },
	{ "GET", "/", 0, API_PUBLIC, stats_route_index,
	    "the dashboard (index.html)" },
	{ "GET", "/static/", 1, API_PUBLIC, stats_route_static,
	    "the dashboard's scripts and styles" },
	{ NULL, NULL, 0, 0, NULL, NULL }
};
