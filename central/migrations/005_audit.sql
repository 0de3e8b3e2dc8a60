-- 005_audit.sql - the centre's audit chain (logins, queries, administrative
-- changes) and the signed heads of every chain, the centre's and each
-- post's (post_audit, 008). The hash of each event covers its predecessor's
-- hash, so a changed, removed, inserted or reordered event breaks the chain
-- at that point; docs/audit.md gives the encoding. Applied by
-- `centrald migrate`.

-- The appender's head: the last seq taken and its hash. An appender takes
-- the next seq and the previous hash with UPDATE ... RETURNING on this one
-- row and holds its lock until it commits, so appenders serialise, seqs are
-- gapless and the chain never forks.
CREATE TABLE audit_head (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq		bigint NOT NULL CHECK (seq >= 0),
	hash		text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO audit_head (one, seq, hash)
	VALUES (true, 0, repeat('0', 64));

-- The centre's chain "centre". at has millisecond precision (the hash
-- covers it as "2026-11-27T01:02:03.123Z"); detail is the canonical JSON
-- text of common/auditchain.h, hashed byte for byte, so it is text, not
-- jsonb. The CHECKs keep honest mistakes out; they are no protection
-- against someone who can write the table (the verifier is).
CREATE TABLE audit_events (
	seq		bigint PRIMARY KEY CHECK (seq > 0),
	at		timestamptz NOT NULL,
	actor		text NOT NULL
			    CHECK (octet_length(actor) BETWEEN 1 AND 128),
	action		text NOT NULL CHECK (action ~ '^[a-z_]{1,32}$'),
	subject		text NOT NULL DEFAULT ''
			    CHECK (octet_length(subject) <= 128),
	detail		text NOT NULL
			    CHECK (octet_length(detail) BETWEEN 2 AND 65536),
	prev		text NOT NULL CHECK (prev ~ '^[0-9a-f]{64}$'),
	hash		text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
-- Listings by time, by actor and by subject (a person's document).
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, at);
CREATE INDEX audit_events_subject_idx ON audit_events (subject, at)
	WHERE subject <> '';

-- Signed heads: now and then (audit.sign_interval_s) the centre signs the
-- last (seq, hash) of every chain that moved with its Ed25519 key (the feed
-- signing key). A chain rewritten after a head was signed no longer matches
-- it. signature is base64 of the 64-byte Ed25519 signature of
-- audit_head_message(chain, seq, hash, signed_at).
CREATE TABLE audit_heads (
	id		bigserial PRIMARY KEY,
	chain		text NOT NULL
			    CHECK (chain ~ '^[A-Za-z0-9:._-]{1,63}$'),
	seq		bigint NOT NULL CHECK (seq > 0),
	hash		text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
	signed_at	timestamptz NOT NULL,
	key_id		text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
	signature	text NOT NULL
			    CHECK (octet_length(signature) BETWEEN 1 AND 128)
);
CREATE INDEX audit_heads_chain_idx ON audit_heads (chain, seq);

-- The application role should only read and append: where the migration
-- runs as the tables' owner and a role "shekara_app" exists, take UPDATE,
-- DELETE and TRUNCATE away from it (docs/audit.md: run centrald as that
-- role, migrations as the owner). Without such a role nothing is revoked;
-- the verifier never relies on it either way.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shekara_app') THEN
		REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_heads
		    FROM shekara_app;
		GRANT SELECT, INSERT ON audit_events, audit_heads
		    TO shekara_app;
		GRANT SELECT, UPDATE ON audit_head TO shekara_app;
		GRANT USAGE ON SEQUENCE audit_heads_id_seq TO shekara_app;
	END IF;
END;
$$;
