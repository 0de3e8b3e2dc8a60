/* proto.h - the wire messages between lanes, posts and the centre, and their
 * JSON codec (jansson). Encoders write into a caller's buffer; decoders read
 * (ptr, len), reject unknown keys, wrong types, values out of their bounds and
 * duplicate keys, and say which field was wrong. No sockets, no files. */
#ifndef SHEKARA_PROTO_H
#define SHEKARA_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		1

#define PROTO_POST_MAX		16	/* post code: [A-Z0-9]{2,16} */
#define PROTO_OFFICER_MAX	32	/* officer id: [A-Za-z0-9._-]{1,32} */
#define PROTO_DOCTYPE_MAX	2	/* ICAO document code: [A-Z][A-Z<]? */
#define PROTO_STATE_MAX		3	/* ICAO state code: [A-Z]{1,3} */
#define PROTO_DOCNUM_MAX	24	/* document number: [A-Z0-9]{1,24} */
#define PROTO_NAME_MAX		128	/* UTF-8 bytes, no control characters */
#define PROTO_LANE_MAX		999	/* lanes are 1..999 */
#define PROTO_BATCH_MAX		1000	/* crossings in one batch, at most */
#define PROTO_MSG_MAX		160	/* error message bytes */
#define PROTO_FIELD_MAX		64	/* error field path bytes */
#define PROTO_REQID_MIN		8	/* lane request id: */
#define PROTO_REQID_MAX		64	/* [A-Za-z0-9._:-]{8,64} */
#define PROTO_REASON_MAX	500	/* officer's reason: UTF-8 bytes, no
					 * control characters */
#define PROTO_CHECK_ID_MAX	UINT64_C(9007199254740991)	/* 2^53-1 */

enum proto_direction {
	PROTO_ENTRY = 1,	/* "entry" */
	PROTO_EXIT = 2		/* "exit" */
};

enum proto_outcome {
	PROTO_ADMIT = 1,	/* "admit" (the default when absent) */
	PROTO_REFUSE = 2,	/* "refuse" */
	PROTO_REFER = 3		/* "refer" */
};

/* The traveller's document as read at the lane. Strings are NUL-terminated. */
struct proto_document {
	char	type[PROTO_DOCTYPE_MAX + 1];		/* "P", "ID", "V" */
	char	issuing_state[PROTO_STATE_MAX + 1];	/* "KAZ", "D" */
	char	number[PROTO_DOCNUM_MAX + 1];
	char	nationality[PROTO_STATE_MAX + 1];
	char	surname[PROTO_NAME_MAX + 1];		/* 1..128 bytes */
	char	given_names[PROTO_NAME_MAX + 1];	/* 0..128 bytes */
	char	birth_date[11];		/* "YYYY-MM-DD", a real date */
	char	sex;			/* 'M', 'F' or 'X' */
	char	expiry_date[11];	/* "YYYY-MM-DD", a real date */
};

/*
 * One crossing. JSON:
 * {"seq":12,"recorded_at":"2026-11-27T01:02:03.123Z","direction":"entry",
 *  "lane":3,"officer":"KZ0042","outcome":"admit",
 *  "document":{"type":"P","issuing_state":"KAZ","number":"N1234567",
 *   "nationality":"KAZ","surname":"ABENOV","given_names":"ASKAR",
 *   "birth_date":"1990-01-31","sex":"M","expiry_date":"2030-01-30"}}
 * In a lane request "seq" and "recorded_at" are absent (the post assigns
 * them) and "outcome" may be omitted. A lane request may carry
 * "request_id", the terminal's idempotency key: a retry with the same key
 * gets the first receipt instead of a second record. It exists only in the
 * lane form: a stored or batched crossing never carries it, and its
 * decoders refuse it as an unknown key.
 * The lane form may also carry the officer's decision on a check:
 * "check_id" (the id of the verdict POST /v1/checks returned, 1..2^53-1)
 * and "reason" (why, 1..500 bytes of UTF-8 without control characters;
 * required by the post to admit against a "deny"). Like request_id they
 * are lane form only: the post keeps them beside the crossing (its
 * crossing_checks table), never in the stored or batched form.
 */
struct proto_crossing {
	uint64_t		seq;		/* 1.. ; 0 before the post assigns */
	int64_t			recorded_at;	/* ms since the epoch, UTC */
	enum proto_direction	direction;
	uint32_t		lane;		/* 1..PROTO_LANE_MAX */
	char			officer[PROTO_OFFICER_MAX + 1];
	enum proto_outcome	outcome;
	struct proto_document	doc;
	char			request_id[PROTO_REQID_MAX + 1];
						/* "" = none; lane form only */
	uint64_t		check_id;	/* 0 = none; lane form only */
	char			reason[PROTO_REASON_MAX + 1];
						/* "" = none; lane form only */
};

/* What was wrong with a message, for a 400 answer or a log line. */
struct proto_error {
	char	field[PROTO_FIELD_MAX];		/* "crossings[3].document.sex",
						 * "" for the whole body */
	char	message[PROTO_MSG_MAX];		/* for a person to read */
};

/* A post's batch: {"version":1,"post":"ALA01","crossings":[...]} */
struct proto_batch {
	char			 post[PROTO_POST_MAX + 1];
	size_t			 n;
	struct proto_crossing	*items;		/* caller's array */
};

/* The centre's answer to a batch: {"version":1,"post":"ALA01",
 * "durable":[1,2,3]}: the sequence numbers now durable at the centre. */
struct proto_ack {
	char		 post[PROTO_POST_MAX + 1];
	size_t		 n;
	uint64_t	*seqs;				/* caller's array */
};

/* The lane's answer to POST /v1/crossings: {"version":1,"post":"ALA01",
 * "seq":12,"recorded_at":"...","feed_stale":false}. feed_stale is the
 * post's feed freshness when it answered (as in a verdict). */
struct proto_receipt {
	char		post[PROTO_POST_MAX + 1];
	uint64_t	seq;
	int64_t		recorded_at;
	int		feed_stale;	/* 0 or 1 */
};

#define PROTO_FEED_AGE_MAX	INT64_C(9007199254740991)	/* seconds */

/* The feed part of a post's status: {"configured":true,"cursor":42,
 * "applied_at":"...|null","age_s":12|null,"stale":false,
 * "max_age_s":86400,"last_error":"...|null","last_error_at":"...|null"} */
struct proto_feed_status {
	int		configured;	/* 0 or 1: feed.verify_keys is set */
	uint64_t	cursor;		/* last applied position, 0 = none */
	int64_t		applied_at;	/* ms since the epoch, 0 = never */
	int64_t		age_s;		/* of the last batch; the decoder
					 * gives -1 (null) when applied_at is
					 * 0, the encoder then ignores it */
	int		stale;		/* 0 or 1 */
	int64_t		max_age_s;	/* 1.. : older is stale */
	int64_t		last_error_at;	/* ms since the epoch, 0 = none */
	char		last_error[256];	/* "" = none */
};

/* GET /v1/status at a post: {"version":1,"post":"ALA01","last_seq":120,
 * "unsent":3,"last_push_ok":"...|null","last_error":"...|null",
 * "last_error_at":"...|null","feed":{...}} */
struct proto_status {
	char		post[PROTO_POST_MAX + 1];
	uint64_t	last_seq;
	uint64_t	unsent;
	int64_t		last_push_ok;	/* ms since the epoch, 0 = never */
	int64_t		last_error_at;	/* ms since the epoch, 0 = none */
	char		last_error[256];	/* "" = none */
	struct proto_feed_status feed;
};

/*
 * Encoders: write compact JSON (no NUL) into buf, set *outlen; ERR_TOOBIG if
 * bufsz is too small, ERR_INVAL if the struct itself holds an invalid value
 * (the encoder validates what it writes). A crossing with seq == 0 is
 * written in the lane form, with "request_id", "check_id" and "reason" when
 * they are set; with seq set, in the stored form, which leaves those out
 * (they are still checked).
 */
int	proto_encode_crossing(const struct proto_crossing *c, char *buf,
	    size_t bufsz, size_t *outlen);
int	proto_encode_batch(const struct proto_batch *b, char *buf,
	    size_t bufsz, size_t *outlen);
int	proto_encode_ack(const struct proto_ack *a, char *buf, size_t bufsz,
	    size_t *outlen);
int	proto_encode_receipt(const struct proto_receipt *r, char *buf,
	    size_t bufsz, size_t *outlen);
int	proto_encode_status(const struct proto_status *s, char *buf,
	    size_t bufsz, size_t *outlen);
/* {"version":1,"error":{"status":400,"field":"...","message":"..."}} */
int	proto_encode_error(int status, const struct proto_error *e, char *buf,
	    size_t bufsz, size_t *outlen);

/*
 * Decoders: on failure return ERR_PARSE (not JSON), ERR_VERSION (missing or
 * other "version"), ERR_TOOBIG (more items than cap) or ERR_INVAL (a field),
 * fill *err with the field and a message, and leave *out untouched.
 */
/* A lane request body: seq/recorded_at must be absent; "version" optional. */
int	proto_decode_lane_crossing(struct proto_crossing *out,
	    const uint8_t *p, size_t len, struct proto_error *err);
/* A stored or batched crossing: seq and recorded_at required. No version. */
int	proto_decode_crossing(struct proto_crossing *out, const uint8_t *p,
	    size_t len, struct proto_error *err);
/* out->items must have room for cap crossings; cap <= PROTO_BATCH_MAX. */
int	proto_decode_batch(struct proto_batch *out, size_t cap,
	    const uint8_t *p, size_t len, struct proto_error *err);
/* out->seqs must have room for cap numbers. */
int	proto_decode_ack(struct proto_ack *out, size_t cap, const uint8_t *p,
	    size_t len, struct proto_error *err);
int	proto_decode_receipt(struct proto_receipt *out, const uint8_t *p,
	    size_t len, struct proto_error *err);
int	proto_decode_status(struct proto_status *out, const uint8_t *p,
	    size_t len, struct proto_error *err);
int	proto_decode_error(int *status, struct proto_error *out,
	    const uint8_t *p, size_t len);

/* Field validation shared by the decoders and the daemons: 1 if valid. */
int	proto_check_post_code(const char *s, size_t len);
int	proto_check_request_id(const char *s, size_t len);
/* The officer's reason: 1..PROTO_REASON_MAX bytes of UTF-8, no control
 * characters, not blank. */
int	proto_check_reason(const char *s, size_t len);
int	proto_check_crossing(const struct proto_crossing *c,
	    struct proto_error *err);
/* 1 if a and b record the same crossing: every field is equal but seq,
 * recorded_at and request_id, which name a record rather than describe it,
 * and check_id and reason, which the stored form does not carry (the store
 * compares those itself). Strings compare up to their NUL. */
int	proto_check_same_crossing(const struct proto_crossing *a,
	    const struct proto_crossing *b);

const char	*proto_direction_str(enum proto_direction d);
const char	*proto_outcome_str(enum proto_outcome o);

#endif
