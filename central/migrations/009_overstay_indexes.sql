-- 009_overstay_indexes.sql - covering indexes for the overstay query and
-- the overstayer counts at 10 million crossings and 300,000 open stays
-- (tests/bench/people.sh, BENCHMARKS.md "people"; docs/queries.md,
-- "Indexes"). Applied by `centrald migrate`.

-- The open stays by last lawful day, now carrying what the filters and
-- the total test (entry day, nationality, post of entry, category): the
-- total of a first page is an index-only scan instead of one heap visit
-- per overstayer. Same name and key as migration 006's, so the paging
-- cursor still continues from an index position; migration 002's
-- stay_states_open_idx (allowed_until alone, same predicate) is left with
-- nothing to do.
DROP INDEX IF EXISTS stay_states_open_idx;
DROP INDEX IF EXISTS stay_states_overstay_idx;
CREATE INDEX stay_states_overstay_idx
	ON stay_states (allowed_until, issuing_state, number)
	INCLUDE (open_entry, nationality, open_post, category)
	WHERE open_entry IS NOT NULL;

-- A document's registrations newest first, with the columns the residence
-- and the region need: "the registration valid on as_of, the latest begun"
-- (ORDER BY valid_from DESC, id DESC LIMIT 1) is the first index entry
-- that is still valid, read without a sort or a heap visit; the region
-- filter's "no newer one valid then" likewise. It replaces migration 006's
-- registrations_doc_valid_idx (number, issuing_state, valid_from,
-- valid_until), whose lookups it serves.
DROP INDEX IF EXISTS registrations_doc_valid_idx;
CREATE INDEX registrations_doc_newest_idx
	ON registrations (number, issuing_state, valid_from DESC, id DESC)
	INCLUDE (valid_until, region);
