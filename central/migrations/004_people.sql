-- 004_people.sql - the people who use the centre's API (docs/people.md):
-- users with their roles and password hashes, and their credentials, login
-- sessions and named API tokens, of which only the SHA-256 of the secret is
-- kept. Applied by `centrald migrate`.

-- A user. roles is a bit set: 1 inspector, 2 auditor, 4 admin (api.h).
-- password_hash is a PHC string (scrypt, common/pinhash.h), never the
-- password; '' means no password: such a user can only use tokens.
CREATE TABLE users (
	name		text PRIMARY KEY CHECK (name ~ '^[a-z0-9._-]{1,64}$'),
	display_name	text NOT NULL DEFAULT ''
			    CHECK (octet_length(display_name) <= 128),
	password_hash	text NOT NULL DEFAULT ''
			    CHECK (octet_length(password_hash) <= 255),
	roles		smallint NOT NULL CHECK (roles BETWEEN 1 AND 7),
	active		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	created_by	text NOT NULL CHECK (octet_length(created_by) BETWEEN 1 AND 128),
	changed_at	timestamptz NOT NULL DEFAULT now(),
	changed_by	text NOT NULL CHECK (octet_length(changed_by) BETWEEN 1 AND 128)
);

-- Sessions (from a login, sent back as a cookie) and tokens (created by
-- their user, sent as "Authorization: Bearer"). secret_sha256 is the
-- lowercase hex SHA-256 of the 32 random bytes given to the client once;
-- the secret itself is stored nowhere. A credential is valid while now()
-- < expires_at, revoked_at is null and its user is active.
CREATE TABLE credentials (
	id		bigserial PRIMARY KEY,
	secret_sha256	text NOT NULL UNIQUE CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
	user_name	text NOT NULL REFERENCES users (name) ON UPDATE CASCADE,
	kind		text NOT NULL CHECK (kind IN ('session', 'token')),
	name		text NOT NULL DEFAULT ''
			    CHECK (name ~ '^[A-Za-z0-9 ._:-]{0,64}$'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL CHECK (expires_at > created_at),
	revoked_at	timestamptz,
	revoked_by	text,
	last_used_at	timestamptz,
	CHECK (kind = 'session' OR name <> '')
);
CREATE INDEX credentials_user_idx ON credentials (user_name, kind);

-- Failed logins, for throttling (login_max_failures per user name in 15
-- minutes). Kept per attempted name, existing user or not, so a guess does
-- not learn which names exist; rows older than a day are removed on the
-- next failure.
CREATE TABLE login_failures (
	id		bigserial PRIMARY KEY,
	user_name	text NOT NULL CHECK (octet_length(user_name) BETWEEN 1 AND 256),
	at		timestamptz NOT NULL DEFAULT now(),
	peer		text NOT NULL DEFAULT ''
			    CHECK (octet_length(peer) <= 80)
);
CREATE INDEX login_failures_user_idx ON login_failures (user_name, at);
