-- 007_stats.sql - the dashboard's aggregates: crossings counted per civil
-- day and per month, post, nationality and direction, kept up to date by a
-- statement-level trigger on crossings (it also fires for COPY), so that the
-- flow charts read a few thousand rows instead of every crossing. See
-- docs/dashboard.md. Applied by `centrald migrate`.

-- The time zone the days and months of flow_daily and flow_monthly are
-- civil days in: the stay policy's `timezone` (the newest policy_versions
-- row), Asia/Almaty until a policy is loaded. One row. Written only by
-- flow_rebuild(), which recounts everything in the new zone, so the counts
-- are never a mix of two zones.
CREATE TABLE stats_zone (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	timezone	text NOT NULL
			    CHECK (octet_length(timezone) BETWEEN 1 AND 64),
	set_at		timestamptz NOT NULL DEFAULT now()
);

-- Crossings per (civil day, post, nationality, direction), by outcome:
-- admitted crossings are the entries and exits of the flow statistics;
-- refused and referred ones are kept apart (nobody crossed).
CREATE TABLE flow_daily (
	day		date NOT NULL,
	post		text NOT NULL,
	nationality	text NOT NULL,
	direction	text NOT NULL CHECK (direction IN ('entry', 'exit')),
	admitted	bigint NOT NULL DEFAULT 0 CHECK (admitted >= 0),
	refused		bigint NOT NULL DEFAULT 0 CHECK (refused >= 0),
	referred	bigint NOT NULL DEFAULT 0 CHECK (referred >= 0),
	PRIMARY KEY (day, post, nationality, direction)
);

-- The same per month (day is the first of the month): years of data by
-- month read some thousands of rows, not millions.
CREATE TABLE flow_monthly (LIKE flow_daily INCLUDING ALL);

-- The time zone named by a policy text's top-level `timezone:` key, if it
-- is one PostgreSQL knows; else NULL. (The policy is validated in C when it
-- is loaded; this only reads the one key.)
CREATE FUNCTION stats_policy_zone(yaml text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	z	text;
BEGIN
	z := substring(yaml FROM
	    '(?n)^timezone:[ \t]*["'']?([A-Za-z0-9_/+-]{1,64})');
	IF z IS NULL OR NOT EXISTS
	    (SELECT 1 FROM pg_timezone_names WHERE name = z) THEN
		RETURN NULL;
	END IF;
	RETURN z;
END;
$$;

-- Sets the zone and counts every stored crossing again in it, in the
-- caller's transaction; crossings being stored meanwhile wait (SHARE lock).
CREATE FUNCTION flow_rebuild(zone text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF zone IS NULL OR NOT EXISTS
	    (SELECT 1 FROM pg_timezone_names WHERE name = zone) THEN
		RAISE EXCEPTION 'flow_rebuild: unknown time zone "%"', zone;
	END IF;
	LOCK TABLE crossings IN SHARE MODE;
	INSERT INTO stats_zone (one, timezone, set_at)
	VALUES (true, zone, now())
	ON CONFLICT (one) DO UPDATE
	    SET timezone = EXCLUDED.timezone, set_at = EXCLUDED.set_at;
	DELETE FROM flow_daily;
	DELETE FROM flow_monthly;
	INSERT INTO flow_daily (day, post, nationality, direction,
	    admitted, refused, referred)
	SELECT (c.recorded_at AT TIME ZONE zone)::date, c.post,
	    c.nationality, c.direction,
	    count(*) FILTER (WHERE c.outcome = 'admit'),
	    count(*) FILTER (WHERE c.outcome = 'refuse'),
	    count(*) FILTER (WHERE c.outcome = 'refer')
	FROM crossings c
	GROUP BY 1, 2, 3, 4;
	INSERT INTO flow_monthly (day, post, nationality, direction,
	    admitted, refused, referred)
	SELECT date_trunc('month', d.day)::date, d.post, d.nationality,
	    d.direction, sum(d.admitted), sum(d.refused), sum(d.referred)
	FROM flow_daily d
	GROUP BY 1, 2, 3, 4;
END;
$$;

-- Runs once per INSERT or COPY into crossings over the rows that statement
-- inserted (a crossing sent again and skipped by ON CONFLICT DO NOTHING is
-- not in the transition table, so it is not counted twice): two
-- INSERT ... SELECT ... GROUP BY with ON CONFLICT adding the counts. Rows
-- are written in key order, so two batches never deadlock; batches of
-- different posts touch different rows.
CREATE FUNCTION flow_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	tz	text;
BEGIN
	SELECT timezone INTO tz FROM stats_zone;
	IF tz IS NULL THEN
		tz := 'Asia/Almaty';	-- the row was deleted by hand
	END IF;
	INSERT INTO flow_daily AS f (day, post, nationality, direction,
	    admitted, refused, referred)
	SELECT (n.recorded_at AT TIME ZONE tz)::date, n.post, n.nationality,
	    n.direction,
	    count(*) FILTER (WHERE n.outcome = 'admit'),
	    count(*) FILTER (WHERE n.outcome = 'refuse'),
	    count(*) FILTER (WHERE n.outcome = 'refer')
	FROM flow_new_crossings n
	GROUP BY 1, 2, 3, 4
	ORDER BY 1, 2, 3, 4
	ON CONFLICT (day, post, nationality, direction) DO UPDATE
	    SET admitted = f.admitted + EXCLUDED.admitted,
		refused = f.refused + EXCLUDED.refused,
		referred = f.referred + EXCLUDED.referred;
	INSERT INTO flow_monthly AS f (day, post, nationality, direction,
	    admitted, refused, referred)
	SELECT date_trunc('month', n.recorded_at AT TIME ZONE tz)::date,
	    n.post, n.nationality, n.direction,
	    count(*) FILTER (WHERE n.outcome = 'admit'),
	    count(*) FILTER (WHERE n.outcome = 'refuse'),
	    count(*) FILTER (WHERE n.outcome = 'refer')
	FROM flow_new_crossings n
	GROUP BY 1, 2, 3, 4
	ORDER BY 1, 2, 3, 4
	ON CONFLICT (day, post, nationality, direction) DO UPDATE
	    SET admitted = f.admitted + EXCLUDED.admitted,
		refused = f.refused + EXCLUDED.refused,
		referred = f.referred + EXCLUDED.referred;
	RETURN NULL;
END;
$$;

-- Beside crossings_stay_dirty (migration 003): both run for every insert.
CREATE TRIGGER crossings_flow_count
	AFTER INSERT ON crossings
	REFERENCING NEW TABLE AS flow_new_crossings
	FOR EACH STATEMENT EXECUTE FUNCTION flow_count();

-- A newly loaded policy in another time zone recounts the flows in it
-- (once: zones rarely change; it takes as long as a GROUP BY over every
-- crossing, in the loading transaction).
CREATE FUNCTION flow_zone_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	z	text;
BEGIN
	SELECT stats_policy_zone(p.yaml) INTO z FROM policy_versions p
	ORDER BY p.loaded_at DESC, p.version DESC LIMIT 1;
	IF z IS NOT NULL AND z IS DISTINCT FROM
	    (SELECT timezone FROM stats_zone) THEN
		PERFORM flow_rebuild(z);
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER policy_versions_flow_zone
	AFTER INSERT ON policy_versions
	FOR EACH STATEMENT EXECUTE FUNCTION flow_zone_follow();

-- Start in the policy's zone if one is loaded, counting what is stored.
SELECT flow_rebuild(coalesce((SELECT stats_policy_zone(p.yaml)
    FROM policy_versions p ORDER BY p.loaded_at DESC, p.version DESC
    LIMIT 1), 'Asia/Almaty'));

-- The overstayer counts read the indexes of migration 006
-- (stay_states_open_nat_idx, stay_states_overstay_idx): no index here.
