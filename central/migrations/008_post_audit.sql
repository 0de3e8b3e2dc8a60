-- 008_post_audit.sql - each post's own audit chain ("post:{code}": every
-- lane check and crossing record, made in the post's SQLite store in the
-- same transaction as the check or crossing) as the post pushed it, and
-- the posts' health as the centre sees it. See docs/audit.md and
-- docs/protocol.md (POST /v1/posts/{code}/audit). Applied by
-- `centrald migrate`.

-- One row per event of a post's chain, keyed by the post's gapless seq.
-- Stored as the post sent it, even when its hash or its link to the event
-- before does not check (centrald logs a warning; `centralctl audit
-- verify` reports it): the centre keeps the evidence, it does not mend it.
-- A row is never updated: the same event sent again is a no-op, a
-- different one under a stored (post, seq) is refused with 409. at has
-- millisecond precision and detail is the canonical JSON text the hash
-- covers, so it is text, not jsonb.
CREATE TABLE post_audit (
	post		text NOT NULL CHECK (post ~ '^[A-Z0-9]{2,16}$'),
	seq		bigint NOT NULL CHECK (seq > 0),
	at		timestamptz NOT NULL,
	actor		text NOT NULL
			    CHECK (octet_length(actor) BETWEEN 1 AND 128),
	action		text NOT NULL CHECK (action ~ '^[a-z_]{1,32}$'),
	subject		text NOT NULL DEFAULT ''
			    CHECK (octet_length(subject) <= 128),
	detail		text NOT NULL
			    CHECK (octet_length(detail) BETWEEN 2 AND 65536),
	prev		text NOT NULL CHECK (prev ~ '^[0-9a-f]{64}$'),
	hash		text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (post, seq)
);
-- Who did what at the posts, and what was done about one document.
CREATE INDEX post_audit_at_idx ON post_audit (at);
CREATE INDEX post_audit_subject_idx ON post_audit (subject, at)
	WHERE subject <> '';

-- One row per post that has talked to the centre: updated (one UPSERT) on
-- every request a post's certificate authenticated: crossings and audit
-- pushes and feed pulls. unsent and audit_unsent are the backlogs the post
-- reported in its Shekara-Unsent and Shekara-Audit-Unsent headers, less
-- what that push had acknowledged; feed_cursor is the position the post
-- last asked the feed from (GET /v1/feed?since=V), at feed_at.
CREATE TABLE post_health (
	post		text PRIMARY KEY CHECK (post ~ '^[A-Z0-9]{2,16}$'),
	last_contact_at	timestamptz NOT NULL,
	last_push_at	timestamptz,		-- last push answered 200
	unsent		bigint CHECK (unsent >= 0),
	audit_unsent	bigint CHECK (audit_unsent >= 0),
	feed_cursor	bigint CHECK (feed_cursor >= 0),
	feed_at		timestamptz
);

-- The application role appends to the posts' chains and never rewrites
-- them (as for audit_events in 005).
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shekara_app') THEN
		REVOKE UPDATE, DELETE, TRUNCATE ON post_audit FROM shekara_app;
		GRANT SELECT, INSERT ON post_audit TO shekara_app;
		GRANT SELECT, INSERT, UPDATE ON post_health TO shekara_app;
	END IF;
END;
$$;
