-- 010_hits.sql - watchlist and document-alert hits per civil day, post and
-- kind, counted as the posts' check events arrive in post_audit (migration
-- 008), so that the dashboard's hit chart reads a few rows per day instead
-- of parsing every check event of years. Days are in stats_zone's time zone
-- (migration 007) and are recounted when it changes. See docs/dashboard.md.

CREATE TABLE hit_daily (
	day		date NOT NULL,
	post		text NOT NULL,
	kind		text NOT NULL,
	n		bigint NOT NULL CHECK (n >= 0),
	PRIMARY KEY (day, post, kind)
);

-- The hit kinds of one check event's detail: its "reasons" are codes
-- (strings) or objects with a "code"; each kind counts once per event.
CREATE FUNCTION hit_kinds(detail text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
	SELECT DISTINCT k FROM (
	    SELECT CASE jsonb_typeof(e) WHEN 'string' THEN e #>> '{}'
		WHEN 'object' THEN e ->> 'code' END AS k
	    FROM jsonb_array_elements(CASE WHEN
		jsonb_typeof(detail::jsonb -> 'reasons') = 'array'
		THEN detail::jsonb -> 'reasons' ELSE '[]'::jsonb END) e) x
	WHERE k IN ('watchlist_entry_ban', 'watchlist_exit_ban',
	    'watchlist_wanted', 'document_alert_lost', 'document_alert_stolen',
	    'document_alert_invalidated', 'document_alert_revoked')
$$;

-- Counts every stored check event again in zone, in the caller's
-- transaction.
CREATE FUNCTION hit_rebuild(zone text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	LOCK TABLE post_audit IN SHARE MODE;
	DELETE FROM hit_daily;
	INSERT INTO hit_daily (day, post, kind, n)
	SELECT (a.at AT TIME ZONE zone)::date, a.post, k.kind, count(*)
	FROM post_audit a CROSS JOIN LATERAL hit_kinds(a.detail) AS k(kind)
	WHERE a.action = 'check'
	    AND (a.detail LIKE '%watchlist%' OR a.detail LIKE '%document_alert%')
	GROUP BY 1, 2, 3;
END;
$$;

-- Once per INSERT into post_audit, over the rows it inserted (an event sent
-- again is skipped by its primary key and is not in the transition table).
CREATE FUNCTION hit_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	tz	text;
BEGIN
	SELECT timezone INTO tz FROM stats_zone;
	IF tz IS NULL THEN
		tz := 'Asia/Almaty';
	END IF;
	INSERT INTO hit_daily AS h (day, post, kind, n)
	SELECT (a.at AT TIME ZONE tz)::date, a.post, k.kind, count(*)
	FROM hit_new_events a CROSS JOIN LATERAL hit_kinds(a.detail) AS k(kind)
	WHERE a.action = 'check'
	    AND (a.detail LIKE '%watchlist%' OR a.detail LIKE '%document_alert%')
	GROUP BY 1, 2, 3
	ORDER BY 1, 2, 3
	ON CONFLICT (day, post, kind) DO UPDATE SET n = h.n + EXCLUDED.n;
	RETURN NULL;
END;
$$;

CREATE TRIGGER post_audit_hit_count
	AFTER INSERT ON post_audit
	REFERENCING NEW TABLE AS hit_new_events
	FOR EACH STATEMENT EXECUTE FUNCTION hit_count();

-- When flow_rebuild() moves the statistics to another zone, the hits follow.
CREATE FUNCTION hit_zone_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hit_rebuild(NEW.timezone);
	RETURN NULL;
END;
$$;

CREATE TRIGGER stats_zone_hit_follow
	AFTER INSERT OR UPDATE ON stats_zone
	FOR EACH ROW EXECUTE FUNCTION hit_zone_follow();

SELECT hit_rebuild(coalesce((SELECT timezone FROM stats_zone), 'Asia/Almaty'));
