-- 002_registry.sql - the centre as the registry: posts and officers, persons
-- and their documents, document and person alerts, visas and permits,
-- registrations at a place of residence, stay policy versions, the stay
-- states derived from crossings, the record of who changed what, and the
-- one ordered feed log the posts read. See docs/registry.md and
-- docs/feed.md. Applied by `centrald migrate`.

-- Who changed what: one row per administrative change, written in the same
-- transaction as the change itself.
CREATE TABLE changes (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor		text NOT NULL CHECK (octet_length(actor) BETWEEN 1 AND 128),
	action		text NOT NULL CHECK (action ~ '^[a-z_]{1,32}$'),
	kind		text NOT NULL CHECK (kind ~ '^[a-z_]{1,32}$'),
	record		text NOT NULL CHECK (octet_length(record) BETWEEN 1 AND 64),
	detail		jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX changes_record_idx ON changes (kind, record, at);

-- Posts the centre accepts crossings from, each bound to its client
-- certificate (subject CN and SHA-256 of the DER). A revoked post is
-- refused even if central.yaml still lists it.
CREATE TABLE posts (
	code		text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{2,16}$'),
	name		text NOT NULL DEFAULT ''
			    CHECK (octet_length(name) <= 128),
	cert_cn		text NOT NULL CHECK (octet_length(cert_cn) BETWEEN 1 AND 127),
	cert_sha256	text NOT NULL CHECK (cert_sha256 ~ '^[0-9a-f]{64}$'),
	status		text NOT NULL DEFAULT 'active'
			    CHECK (status IN ('active', 'revoked')),
	enrolled_at	timestamptz NOT NULL DEFAULT now(),
	enrolled_by	text NOT NULL,
	revoked_at	timestamptz,
	revoked_by	text
);
-- One post per certificate CN: centrald maps a client certificate to its
-- post by CN (creg_post_find()), so two posts may not share one.
CREATE UNIQUE INDEX posts_cert_cn_idx ON posts (cert_cn);

-- Officers who may sign in at a lane: the PIN's hash (PHC string), never
-- the PIN.
CREATE TABLE officers (
	id		text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,32}$'),
	name		text NOT NULL CHECK (octet_length(name) BETWEEN 1 AND 128),
	pin_hash	text NOT NULL CHECK (octet_length(pin_hash) BETWEEN 1 AND 255),
	active		boolean NOT NULL DEFAULT true,
	changed_at	timestamptz NOT NULL DEFAULT now(),
	changed_by	text NOT NULL
);

-- Persons and their travel documents. A crossing names a document; the
-- person behind it is found (or created) through documents.
CREATE TABLE persons (
	id		bigserial PRIMARY KEY,
	surname		text NOT NULL CHECK (octet_length(surname) BETWEEN 1 AND 128),
	given_names	text NOT NULL DEFAULT ''
			    CHECK (octet_length(given_names) <= 128),
	birth_date	date NOT NULL,
	nationality	text NOT NULL CHECK (nationality ~ '^[A-Z]{1,3}$'),
	sex		text NOT NULL DEFAULT 'X' CHECK (sex IN ('M', 'F', 'X')),
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_identity_idx ON persons (nationality, birth_date);

CREATE TABLE documents (
	issuing_state	text NOT NULL CHECK (issuing_state ~ '^[A-Z]{1,3}$'),
	number		text NOT NULL CHECK (number ~ '^[A-Z0-9]{1,24}$'),
	person_id	bigint NOT NULL REFERENCES persons (id),
	doc_type	text NOT NULL DEFAULT 'P'
			    CHECK (doc_type ~ '^[A-Z][A-Z<]?$'),
	expiry_date	date,
	PRIMARY KEY (issuing_state, number)
);
CREATE INDEX documents_person_idx ON documents (person_id);

-- Travel documents reported lost, stolen, invalidated or revoked.
CREATE TABLE document_alerts (
	id		text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
	issuing_state	text NOT NULL CHECK (issuing_state ~ '^[A-Z]{1,3}$'),
	number		text NOT NULL CHECK (number ~ '^[A-Z0-9]{1,24}$'),
	reason		text NOT NULL CHECK (reason IN
			    ('lost', 'stolen', 'invalidated', 'revoked')),
	since		date NOT NULL,
	changed_at	timestamptz NOT NULL DEFAULT now(),
	changed_by	text NOT NULL
);
CREATE INDEX document_alerts_doc_idx
	ON document_alerts (number, issuing_state);

-- Persons on a watchlist: names as typed, in any alphabet; a birth date as
-- far as it is known (YYYY, YYYY-MM or YYYY-MM-DD).
CREATE TABLE person_alerts (
	id		text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
	kind		text NOT NULL CHECK (kind IN
			    ('entry_ban', 'exit_ban', 'wanted')),
	surname		text NOT NULL CHECK (octet_length(surname) BETWEEN 1 AND 128),
	given_names	text NOT NULL DEFAULT ''
			    CHECK (octet_length(given_names) <= 128),
	birth_date	text NOT NULL CHECK (birth_date ~
			    '^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$'),
	nationality	text NOT NULL DEFAULT ''
			    CHECK (nationality ~ '^[A-Z]{0,3}$'),
	until		date,
	severity	smallint NOT NULL CHECK (severity BETWEEN 1 AND 5),
	source		text NOT NULL CHECK (octet_length(source) BETWEEN 1 AND 128),
	changed_at	timestamptz NOT NULL DEFAULT now(),
	changed_by	text NOT NULL
);

-- Visas and permits; they replace the visa-free rule for their period.
CREATE TABLE permits (
	id		text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
	kind		text NOT NULL CHECK (kind IN ('visa', 'work_permit',
			    'residence_permit', 'refugee', 'asylum',
			    'repatriate')),
	issuing_state	text NOT NULL CHECK (issuing_state ~ '^[A-Z]{1,3}$'),
	number		text NOT NULL CHECK (number ~ '^[A-Z0-9]{1,24}$'),
	nationality	text NOT NULL CHECK (nationality ~ '^[A-Z]{1,3}$'),
	surname		text NOT NULL CHECK (octet_length(surname) BETWEEN 1 AND 128),
	given_names	text NOT NULL DEFAULT ''
			    CHECK (octet_length(given_names) <= 128),
	birth_date	date NOT NULL,
	valid_from	date NOT NULL,
	valid_until	date NOT NULL CHECK (valid_until >= valid_from),
	entries		integer CHECK (entries BETWEEN 1 AND 65535),
	entries_used	integer NOT NULL DEFAULT 0
			    CHECK (entries_used BETWEEN 0 AND 65535),
	stay_days	integer CHECK (stay_days BETWEEN 1 AND 3660),
	employer	text CHECK (octet_length(employer) BETWEEN 1 AND 128),
	region		text CHECK (octet_length(region) BETWEEN 1 AND 128),
	changed_at	timestamptz NOT NULL DEFAULT now(),
	changed_by	text NOT NULL
);
CREATE INDEX permits_doc_idx ON permits (number, issuing_state);
CREATE INDEX permits_until_idx ON permits (valid_until);

-- Registrations of foreigners at their place of residence.
CREATE TABLE registrations (
	id		text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
	issuing_state	text NOT NULL CHECK (issuing_state ~ '^[A-Z]{1,3}$'),
	number		text NOT NULL CHECK (number ~ '^[A-Z0-9]{1,24}$'),
	region		text NOT NULL CHECK (octet_length(region) BETWEEN 1 AND 128),
	address		text NOT NULL CHECK (octet_length(address) BETWEEN 1 AND 256),
	host		text NOT NULL CHECK (octet_length(host) BETWEEN 1 AND 128),
	valid_from	date NOT NULL,
	valid_until	date NOT NULL CHECK (valid_until >= valid_from),
	changed_at	timestamptz NOT NULL DEFAULT now(),
	changed_by	text NOT NULL
);
CREATE INDEX registrations_doc_idx ON registrations (number, issuing_state);

-- Stay policy versions (config/policy.yaml texts). The newest row is in
-- force; older rows are kept for the decisions made under them.
CREATE TABLE policy_versions (
	version		text PRIMARY KEY CHECK (version ~ '^[A-Za-z0-9._:+-]{1,32}$'),
	yaml		text NOT NULL CHECK (octet_length(yaml) BETWEEN 1 AND 262144),
	loaded_at	timestamptz NOT NULL DEFAULT now(),
	loaded_by	text NOT NULL
);

-- The stay state of each foreign person (by travel document), derived from
-- every crossing of that document in time order, so that it comes out the
-- same whatever order the posts' batches arrive in. stays is a JSON array
-- of [entry, exit] date pairs, oldest first, exit null for an open stay.
CREATE TABLE stay_states (
	issuing_state	text NOT NULL CHECK (issuing_state ~ '^[A-Z]{1,3}$'),
	number		text NOT NULL CHECK (number ~ '^[A-Z0-9]{1,24}$'),
	nationality	text NOT NULL CHECK (nationality ~ '^[A-Z]{1,3}$'),
	birth_date	date NOT NULL,
	stays		jsonb NOT NULL,
	open_entry	date,			-- the open stay, if any
	open_post	text,			-- where it began
	allowed_until	date,			-- last lawful day of the open stay
	rule		text,			-- rule or permit it is under
	overstay_days	integer NOT NULL DEFAULT 0,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (issuing_state, number)
);
CREATE INDEX stay_states_open_idx ON stay_states (allowed_until)
	WHERE open_entry IS NOT NULL;

-- Documents whose stay state must be derived again: written in the same
-- transaction as the crossings that touched them, emptied by the deriver.
CREATE TABLE stay_dirty (
	issuing_state	text NOT NULL,
	number		text NOT NULL,
	PRIMARY KEY (issuing_state, number)
);

-- The feed: one ordered log of every change posts decide from. A writer
-- takes the next position by updating the one row of feed_head, whose row
-- lock it holds until it commits; so positions become visible strictly in
-- order and a post that has read past a position never sees one appear
-- before it. entry is the entry's exact JSON (feed_encode_entry()), so a
-- batch is assembled without re-encoding. A row is superseded when a later
-- row writes the same (kind, id); posts catching up skip superseded rows.
CREATE TABLE feed_head (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	pos		bigint NOT NULL CHECK (pos >= 0)
);
INSERT INTO feed_head (one, pos) VALUES (true, 0);

CREATE TABLE feed_log (
	pos		bigint PRIMARY KEY CHECK (pos > 0),
	kind		text NOT NULL CHECK (kind IN ('document_alert',
			    'person_alert', 'permit', 'stay_state', 'policy',
			    'officer')),
	id		text NOT NULL CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
	op		text NOT NULL CHECK (op IN ('upsert', 'delete')),
	entry		text NOT NULL,
	superseded	boolean NOT NULL DEFAULT false,
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_log_live_idx ON feed_log (pos) WHERE NOT superseded;
CREATE INDEX feed_log_key_idx ON feed_log (kind, id) WHERE NOT superseded;
