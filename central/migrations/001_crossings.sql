-- 001_crossings.sql - the migration ledger and the crossings every post
-- pushes to the centre. Applied by `centrald migrate` in one transaction
-- together with its row in schema_migrations; never edit it once released
-- (its SHA-256 is recorded): add a new numbered file instead.

CREATE TABLE schema_migrations (
	version		integer PRIMARY KEY CHECK (version > 0),
	name		text NOT NULL,
	sha256		text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	applied_at	timestamptz NOT NULL DEFAULT now()
);

-- One row per crossing recorded at a post, keyed by the post's gapless
-- sequence number. A row is never updated: a batch sent again is a no-op,
-- and different content under a stored (post, seq) is refused by centrald.
CREATE TABLE crossings (
	post		text NOT NULL CHECK (post ~ '^[A-Z0-9]{2,16}$'),
	seq		bigint NOT NULL CHECK (seq > 0),
	recorded_at	timestamptz NOT NULL,
	received_at	timestamptz NOT NULL DEFAULT now(),
	direction	text NOT NULL CHECK (direction IN ('entry', 'exit')),
	lane		smallint NOT NULL CHECK (lane BETWEEN 1 AND 999),
	officer		text NOT NULL
			    CHECK (officer ~ '^[A-Za-z0-9._-]{1,32}$'),
	outcome		text NOT NULL
			    CHECK (outcome IN ('admit', 'refuse', 'refer')),
	doc_type	text NOT NULL CHECK (doc_type ~ '^[A-Z][A-Z<]?$'),
	issuing_state	text NOT NULL CHECK (issuing_state ~ '^[A-Z]{1,3}$'),
	doc_number	text NOT NULL CHECK (doc_number ~ '^[A-Z0-9]{1,24}$'),
	nationality	text NOT NULL CHECK (nationality ~ '^[A-Z]{1,3}$'),
	surname		text NOT NULL
			    CHECK (octet_length(surname) BETWEEN 1 AND 128),
	given_names	text NOT NULL
			    CHECK (octet_length(given_names) <= 128),
	birth_date	date NOT NULL,
	sex		text NOT NULL CHECK (sex IN ('M', 'F', 'X')),
	expiry_date	date NOT NULL,
	PRIMARY KEY (post, seq)
);

-- Listing by time (flows, dashboards, centralctl --since/--until).
CREATE INDEX crossings_recorded_at_idx ON crossings (recorded_at);
-- One document's history, newest last.
CREATE INDEX crossings_document_idx
	ON crossings (doc_number, issuing_state, recorded_at);
