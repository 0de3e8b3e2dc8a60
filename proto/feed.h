/* feed.h - the feed from the centre to the posts: batches of upserts and
 * deletes at increasing positions of the centre's one ordered log, and their
 * JSON codec (jansson). Same rules as proto.h: encoders write into a
 * caller's buffer in one canonical byte form (the centre signs those exact
 * bytes), decoders read (ptr, len), reject unknown and duplicate keys, wrong
 * types and values out of bounds, name the field that was wrong and leave
 * the output untouched on failure. docs/feed.md is the reference. */
#ifndef SHEKARA_FEED_H
#define SHEKARA_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "proto.h"
#include "stay.h"

#define FEED_VERSION		1

#define FEED_BATCH_MAX		5000	/* entries in one batch, at most */
#define FEED_POS_MAX		UINT64_C(9007199254740991)	/* 2^53 - 1 */
#define FEED_ID_MAX		64	/* [A-Za-z0-9._:-]{1,64} */
#define FEED_TEXT_MAX		128	/* names, source, employer, region,
					 * rule: UTF-8 bytes, no controls */
#define FEED_DATE_LEN		10	/* "YYYY-MM-DD" */
#define FEED_YEAR_MIN		1900	/* dates: years 1900..2199 */
#define FEED_YEAR_MAX		2199
#define FEED_SEVERITY_MAX	5	/* person alert severity 1..5 */
#define FEED_COUNT_MAX		65535	/* permit entries, entries_used */
#define FEED_STAYS_MAX		1024	/* stays in one stay state */
#define FEED_PIN_HASH_MAX	255	/* PHC string bytes */
#define FEED_POLICY_VERSION_MAX	POLICY_VERSION_MAX	/* 32 */
#define FEED_YAML_MAX		(256 * 1024)	/* policy text bytes */
#define FEED_NULL		(-1)	/* an integer that travels as null */

enum feed_op {
	FEED_UPSERT = 1,	/* "upsert": insert or replace (kind, id) */
	FEED_DELETE = 2		/* "delete": remove (kind, id) if present */
};

enum feed_kind {
	FEED_DOCUMENT_ALERT = 1,	/* "document_alert" */
	FEED_PERSON_ALERT,		/* "person_alert" */
	FEED_PERMIT,			/* "permit" */
	FEED_STAY_STATE,		/* "stay_state" */
	FEED_POLICY,			/* "policy" */
	FEED_OFFICER,			/* "officer" */
	FEED_KIND_MAX = FEED_OFFICER
};

enum feed_reason {
	FEED_LOST = 1,		/* "lost" */
	FEED_STOLEN,		/* "stolen" */
	FEED_INVALIDATED,	/* "invalidated" */
	FEED_REVOKED		/* "revoked" */
};

enum feed_alert_kind {
	FEED_ENTRY_BAN = 1,	/* "entry_ban" */
	FEED_EXIT_BAN,		/* "exit_ban" */
	FEED_WANTED		/* "wanted" */
};

/*
 * The data of each kind. Strings are NUL-terminated; a nullable string is
 * "" for null, a nullable integer FEED_NULL. Dates are "YYYY-MM-DD", real
 * days in the years 1900..2199.
 */

/* A travel document reported lost, stolen, invalidated or revoked. */
struct feed_document_alert {
	char			issuing_state[PROTO_STATE_MAX + 1];
	char			number[PROTO_DOCNUM_MAX + 1];
	enum feed_reason	reason;
	char			since[FEED_DATE_LEN + 1];
};

/* A person on a watchlist; names as typed, in any alphabet. */
struct feed_person_alert {
	enum feed_alert_kind	kind;
	char			surname[FEED_TEXT_MAX + 1];	/* 1.. bytes */
	char			given_names[FEED_TEXT_MAX + 1];	/* 0.. */
	char			birth_date[FEED_DATE_LEN + 1];	/* "YYYY-MM-DD",
								 * "YYYY-MM" or
								 * "YYYY" */
	char			nationality[PROTO_STATE_MAX + 1]; /* "" =
								   * unknown */
	char			until[FEED_DATE_LEN + 1];	/* "" = null */
	int			severity;			/* 1..5 */
	char			source[FEED_TEXT_MAX + 1];	/* 1.. bytes */
};

/* The person a permit is for, as on their travel document. */
struct feed_holder {
	char	issuing_state[PROTO_STATE_MAX + 1];
	char	number[PROTO_DOCNUM_MAX + 1];
	char	nationality[PROTO_STATE_MAX + 1];
	char	surname[FEED_TEXT_MAX + 1];		/* 1.. bytes */
	char	given_names[FEED_TEXT_MAX + 1];		/* 0.. bytes */
	char	birth_date[FEED_DATE_LEN + 1];		/* a full date */
};

/* A visa or permit. entries and stay_days matter for visas. */
struct feed_permit {
	enum policy_permit_kind	kind;
	struct feed_holder	holder;
	char			valid_from[FEED_DATE_LEN + 1];
	char			valid_until[FEED_DATE_LEN + 1];	/* >= from */
	int32_t			entries;	/* 1..65535, FEED_NULL =
						 * multiple */
	int32_t			entries_used;	/* 0..65535 */
	int32_t			stay_days;	/* 1..3660 per entry, or
						 * FEED_NULL */
	char			employer[FEED_TEXT_MAX + 1];	/* "" = null */
	char			region[FEED_TEXT_MAX + 1];	/* "" = null */
};

/* The person a stay state is about. */
struct feed_person {
	char	issuing_state[PROTO_STATE_MAX + 1];
	char	number[PROTO_DOCNUM_MAX + 1];
	char	nationality[PROTO_STATE_MAX + 1];
	char	birth_date[FEED_DATE_LEN + 1];		/* a full date */
};

/*
 * The centre's merged stays of one person in the rolling window, oldest
 * first, as civil days (date_to_days()); the last may be open (exit
 * STAY_OPEN). They pass stay_check_list(). stays points into storage the
 * owner of the entry keeps: a decoded batch's mem, a caller's array.
 */
struct feed_stay_state {
	struct feed_person	 person;
	size_t			 nstays;	/* 0..FEED_STAYS_MAX */
	const struct stay	*stays;
	char			 rule[FEED_TEXT_MAX + 1];	/* "" = null */
};

/* The stay policy (config/policy.yaml), which policy_load_buf() accepts and
 * whose own "version" is version. yaml points into storage the owner of the
 * entry keeps, is NUL-terminated there, and is yaml_len bytes long. */
struct feed_policy {
	char		 version[FEED_POLICY_VERSION_MAX + 1];
	const char	*yaml;
	size_t		 yaml_len;	/* 1..FEED_YAML_MAX */
};

/* An officer who may sign in at a lane: the PIN's hash, never the PIN. */
struct feed_officer {
	char	id[PROTO_OFFICER_MAX + 1];	/* == the entry's id */
	char	name[FEED_TEXT_MAX + 1];	/* 1.. bytes */
	char	pin_hash[FEED_PIN_HASH_MAX + 1];	/* "$id$..." PHC */
	int	active;				/* 0 or 1 */
};

/*
 * One entry of the log. JSON:
 * {"pos":18,"op":"upsert","kind":"document_alert","id":"da-1",
 *  "data":{"issuing_state":"KAZ","number":"N1234567","reason":"stolen",
 *   "since":"2026-01-02"}}
 * A delete has no "data"; its data member is all zero.
 */
struct feed_entry {
	uint64_t	pos;		/* 1..FEED_POS_MAX */
	enum feed_op	op;
	enum feed_kind	kind;
	char		id[FEED_ID_MAX + 1];
	union {
		struct feed_document_alert	document_alert;
		struct feed_person_alert	person_alert;
		struct feed_permit		permit;
		struct feed_stay_state		stay_state;
		struct feed_policy		policy;
		struct feed_officer		officer;
	} data;
};

/*
 * A batch covers the positions (from, to] of the log:
 * {"version":1,"from":17,"to":42,"entries":[...]} with every entry's pos in
 * (from, to], strictly increasing. Positions need not be contiguous, and
 * the entries may be none (from == to is a batch that only says the post
 * is current). The same (kind, id) may appear more than once; entries
 * apply in order.
 */
struct feed_batch {
	uint64_t		 from;		/* 0..FEED_POS_MAX */
	uint64_t		 to;		/* from..FEED_POS_MAX */
	size_t			 n;
	struct feed_entry	*entries;	/* caller's array */
	void			*mem;		/* set by feed_decode_batch():
						 * stays and policy text;
						 * feed_batch_reset() frees */
};

/*
 * Decodes a batch. out->entries must have room for cap entries (cap is
 * clamped to FEED_BATCH_MAX). On success sets from, to, n, the entries and
 * mem, which holds what the entries' stays and yaml point to: call
 * feed_batch_reset() when done (and before decoding into out again). On
 * failure returns ERR_PARSE (not JSON), ERR_VERSION (missing or other
 * "version"), ERR_TOOBIG (more entries than cap), ERR_INVAL (a field, with
 * entries[i] in err->field) or ERR_NOMEM, fills *err (may be NULL) and
 * leaves *out untouched. A policy entry is loaded with policy_load_buf():
 * one that does not load is ERR_INVAL naming its first problem.
 */
int	feed_decode_batch(struct feed_batch *out, size_t cap,
	    const uint8_t *p, size_t len, struct proto_error *err);
/* Frees b->mem and sets it NULL and b->n to 0. NULL does nothing. */
void	feed_batch_reset(struct feed_batch *b);

/*
 * Encoders: compact JSON (no NUL) into buf, *outlen set; the same struct
 * always gives the same bytes, and decoding them gives the same struct.
 * ERR_TOOBIG if bufsz is too small (or a batch has over FEED_BATCH_MAX
 * entries), ERR_INVAL if feed_check_batch() or feed_check_entry() fails,
 * ERR_NOMEM. feed_encode_entry() writes one entry exactly as it appears
 * inside a batch: a batch is its head, its entries joined by "," and "]}".
 */
int	feed_encode_batch(const struct feed_batch *b, char *buf, size_t bufsz,
	    size_t *outlen);
int	feed_encode_entry(const struct feed_entry *e, char *buf, size_t bufsz,
	    size_t *outlen);

/*
 * 1 if the entry is valid (every field in bounds, the kind's rules, a
 * policy that loads), else 0 with *err (may be NULL) naming the field
 * relative to the entry ("data.holder.number"). Deletes are checked for
 * pos, kind and id only.
 */
int	feed_check_entry(const struct feed_entry *e, struct proto_error *err);
/* 1 if from <= to, every entry valid, positions strictly increasing within
 * (from, to] and n <= FEED_BATCH_MAX; else 0 with *err ("entries[3].pos"). */
int	feed_check_batch(const struct feed_batch *b, struct proto_error *err);
/* 1 if the id is [A-Za-z0-9._:-]{1,64}. */
int	feed_check_id(const char *s, size_t len);
/* 1 if a and b hold the same entry: pos, op, kind, id and (for an upsert)
 * every data field, stays and policy text compared by content. */
int	feed_check_same_entry(const struct feed_entry *a,
	    const struct feed_entry *b);

/* Wire names; "invalid" for a value out of range. */
const char	*feed_op_str(enum feed_op op);
const char	*feed_kind_str(enum feed_kind kind);
const char	*feed_reason_str(enum feed_reason r);
const char	*feed_alert_kind_str(enum feed_alert_kind k);
/* The reverse of feed_kind_str(): 0 and *out, or ERR_PARSE. */
int	feed_kind_parse(const char *s, size_t len, enum feed_kind *out);

#endif
