-- 003_stay_dirty.sql - crossings mark their documents for the stay deriver
-- (central/stays.c), in the same transaction that stores them, and each
-- stay state remembers the policy version it was derived under. See
-- docs/stay-states.md. Applied by `centrald migrate`.

-- One statement-level trigger: it runs once per INSERT or COPY into
-- crossings (not once per row) over the rows that statement inserted, so a
-- batch of 1000 crossings costs one extra INSERT ... SELECT. Only admitted
-- crossings can change a stay. The conflict arm does not write (WHERE
-- false) but locks the dirty row until the crossings commit: a deriver
-- claims with FOR UPDATE SKIP LOCKED, so it cannot take a document away
-- while a crossing of it is still being stored (it would miss that
-- crossing). Rows are marked in key order so two batches never deadlock.
CREATE FUNCTION stay_dirty_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO stay_dirty (issuing_state, number)
	SELECT DISTINCT n.issuing_state, n.doc_number
	FROM stay_new_crossings n
	WHERE n.outcome = 'admit'
	ORDER BY 1, 2
	ON CONFLICT (issuing_state, number)
	DO UPDATE SET number = EXCLUDED.number WHERE false;
	RETURN NULL;
END;
$$;

CREATE TRIGGER crossings_stay_dirty
	AFTER INSERT ON crossings
	REFERENCING NEW TABLE AS stay_new_crossings
	FOR EACH STATEMENT EXECUTE FUNCTION stay_dirty_mark();

-- The policy version a state was last derived under (when a new policy is
-- loaded the deriver marks every state of another version dirty once), and
-- the civil day it was last derived on (the hourly sweep brings an
-- overstayer's overstay_days up to date once a day).
ALTER TABLE stay_states ADD COLUMN policy_version text;
ALTER TABLE stay_states ADD COLUMN derived_on date;

-- The deriver finds a traveller's permits as a post does: by document, and
-- by nationality and birth date (names compared in C) for a permit issued
-- on another passport.
CREATE INDEX IF NOT EXISTS permits_person_idx
	ON permits (nationality, birth_date);
