-- 006_queries.sql - what the inspectors' queries need (central/query.c,
-- docs/queries.md): the category of each open stay, indexes shaped for the
-- overstay, work-permit and registration queries, and the working-day
-- arithmetic of the registration deadline. Applied by `centrald migrate`.

-- The category of the open stay, filled by the stay deriver (central/
-- stays.c) from the rule it found on the entry day:
--   visa_free         the nationality's visa-free rule
--   no_visa           a visa was required and none held (admitted anyway)
--   visa              a visa
--   work_permit       a work permit (an overstayer's has ended)
--   residence_permit  a residence permit (an overstayer's has ended)
--   refugee_asylum    refugee or asylum-seeker status
--   repatriate        repatriate (kandas) status
-- Null for a closed state (nobody in the country).
ALTER TABLE stay_states ADD COLUMN category text
	CHECK (category IN ('visa_free', 'no_visa', 'visa', 'work_permit',
	    'residence_permit', 'refugee_asylum', 'repatriate'));

-- The states derived before this migration: the permit kinds from the rule
-- text now; every open state derived again (the deriver writes the rest and
-- checks these), so no open stay is left without a category.
UPDATE stay_states SET category = CASE split_part(rule, ' ', 1)
	WHEN 'visa' THEN 'visa'
	WHEN 'work_permit' THEN 'work_permit'
	WHEN 'residence_permit' THEN 'residence_permit'
	WHEN 'refugee' THEN 'refugee_asylum'
	WHEN 'asylum' THEN 'refugee_asylum'
	WHEN 'repatriate' THEN 'repatriate'
	ELSE NULL END
	WHERE open_entry IS NOT NULL;
INSERT INTO stay_dirty (issuing_state, number)
	SELECT issuing_state, number FROM stay_states
	WHERE open_entry IS NOT NULL
	ON CONFLICT DO NOTHING;

-- Open stays by last lawful day (the overstay query's default order: most
-- days first), and the same within a nationality, a post of entry and a
-- category, so that a filtered first page reads a few index entries. The
-- document closes each key: it is the tie-break of the order and of the
-- paging cursor.
CREATE INDEX stay_states_overstay_idx
	ON stay_states (allowed_until, issuing_state, number)
	WHERE open_entry IS NOT NULL;
CREATE INDEX stay_states_open_nat_idx
	ON stay_states (nationality, allowed_until, issuing_state, number)
	WHERE open_entry IS NOT NULL;
CREATE INDEX stay_states_open_post_idx
	ON stay_states (open_post, allowed_until, issuing_state, number)
	WHERE open_entry IS NOT NULL;
CREATE INDEX stay_states_open_cat_idx
	ON stay_states (category, allowed_until, issuing_state, number)
	WHERE open_entry IS NOT NULL;
CREATE INDEX stay_states_open_entry_idx
	ON stay_states (open_entry, issuing_state, number)
	WHERE open_entry IS NOT NULL;

-- Registrations by document and validity (the residence valid on a day,
-- the registration covering a deadline), and by region.
CREATE INDEX registrations_doc_valid_idx
	ON registrations (number, issuing_state, valid_from, valid_until);
CREATE INDEX registrations_region_idx
	ON registrations (region, valid_from, valid_until);

-- A document's permits by kind, newest ending first (the work-permit query
-- looks for the last one).
CREATE INDEX permits_doc_kind_idx
	ON permits (number, issuing_state, kind, valid_until);

-- The registration deadline: the n-th working day after day d (d itself
-- not counted), where Saturdays, Sundays and the given public holidays are
-- not working days. n is 1..30 (central.yaml queries.registration_days);
-- the series is long enough for n working days, every weekend and every
-- holiday in between.
CREATE FUNCTION query_workday_add(d date, n integer, holidays date[])
RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT x::date
	FROM generate_series(d + 1, d + 2 * n + 7 +
	    coalesce(cardinality(holidays), 0), interval '1 day') AS x
	WHERE extract(isodow FROM x) < 6
	  AND NOT (x::date = ANY (coalesce(holidays, '{}')))
	ORDER BY x
	OFFSET n - 1 LIMIT 1
$$;
