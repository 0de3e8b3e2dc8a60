/* check.h - the lane's check messages: a request (the scanned MRZ, the
 * direction, lane and officer) and the post's verdict (clear, refer or
 * deny, every reason as a code and a sentence, the feed and policy
 * versions it was decided with), with their JSON codec (jansson). Same
 * rules as proto.h: encoders write into a caller's buffer, decoders read
 * (ptr, len), refuse unknown and duplicate keys, wrong types and values
 * out of bounds, name the field and leave the output untouched on
 * failure. docs/decisions.md is the reference. */
#ifndef SHEKARA_CHECK_H
#define SHEKARA_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define CHECK_MRZ_MAX		1024	/* bytes of MRZ text (MRZ_TEXT_MAX) */
#define CHECK_REASONS_MAX	16	/* reasons in one verdict */
#define CHECK_CODE_MAX		32	/* [a-z_]{1,32} */
#define CHECK_MSG_MAX		320	/* bytes of a reason's sentence */
#define CHECK_MATCHED_MAX	320	/* bytes of "what matched" */
#define CHECK_ALERT_MAX		64	/* a feed record id */
#define CHECK_POLICY_MAX	32	/* a policy version */
#define CHECK_ID_MAX		UINT64_C(9007199254740991)	/* 2^53 - 1 */
#define CHECK_VERDICT_MAX	(CHECK_REASONS_MAX * 1200 + 2048)
					/* bytes of an encoded verdict */

enum check_verdict_kind {
	CHECK_CLEAR = 1,	/* "clear" */
	CHECK_REFER,		/* "refer": secondary inspection */
	CHECK_DENY		/* "deny" */
};

/*
 * POST /v1/checks: {"version":1,"mrz":"P<KAZ...\n...","direction":"entry",
 *  "lane":3,"officer":"KZ0042"}; "version" may be left out.
 */
struct check_request {
	char			mrz[CHECK_MRZ_MAX + 1];	/* NUL-terminated */
	size_t			mrz_len;		/* 1..CHECK_MRZ_MAX */
	enum proto_direction	direction;
	uint32_t		lane;			/* 1..PROTO_LANE_MAX */
	char			officer[PROTO_OFFICER_MAX + 1];
};

/*
 * One reason: {"code":"document_expired","severity":"deny",
 * "message":"..."} and, where they apply, "alert" (the feed record id),
 * "score" (0..1), "matched", "until" (a date or null), "days_used",
 * "last_day", "days_remaining", "overstay_days", "first_overstay_day".
 * A field that does not apply is absent from the JSON: a string "", an
 * integer or score below 0.
 */
struct check_reason {
	char			code[CHECK_CODE_MAX + 1];
	enum check_verdict_kind	severity;
	char			message[CHECK_MSG_MAX + 1];
	char			alert[CHECK_ALERT_MAX + 1];
	double			score;		/* -1: none */
	char			matched[CHECK_MATCHED_MAX + 1];
	int			has_until;	/* "until" present */
	char			until[11];	/* "" with has_until: null */
	int64_t			days_used;	/* -1: none */
	char			last_day[11];
	int64_t			days_remaining;	/* -1: none */
	int64_t			overstay_days;	/* -1: none */
	char			first_overstay_day[11];
};

/*
 * The answer: {"version":1,"post":"ALA01","check_id":7,"verdict":"deny",
 *  "decided_at":"...","day":"2026-03-01","direction":"entry","lane":3,
 *  "officer":"KZ0042","document":{...as in a crossing...}|null,
 *  "feed_version":42,"feed_applied_at":"...|null","feed_stale":false,
 *  "policy_version":"KZ-2024.1|null","reasons":[...]}
 * document is null when the MRZ could not be read as a valid document.
 * check_id is 0 before the post stored the check (then left out).
 */
struct check_verdict {
	char			post[PROTO_POST_MAX + 1];
	uint64_t		check_id;
	enum check_verdict_kind	verdict;
	int64_t			decided_at;	/* ms since the epoch */
	char			day[11];	/* the civil day decided on */
	enum proto_direction	direction;
	uint32_t		lane;
	char			officer[PROTO_OFFICER_MAX + 1];
	int			has_document;
	struct proto_document	doc;
	uint64_t		feed_version;	/* the registry cursor */
	int64_t			feed_applied_at;	/* 0: never */
	int			feed_stale;
	char			policy_version[CHECK_POLICY_MAX + 1];
						/* "" = no policy */
	size_t			nreasons;
	struct check_reason	reasons[CHECK_REASONS_MAX];
};

/* Decodes a lane request. ERR_PARSE, ERR_VERSION or ERR_INVAL with *err
 * (may be NULL) naming the field; *out untouched on failure. */
int	check_decode_request(struct check_request *out, const uint8_t *p,
	    size_t len, struct proto_error *err);
/* Compact JSON into buf; ERR_TOOBIG if bufsz is short, ERR_INVAL if a
 * field is out of bounds. */
int	check_encode_request(const struct check_request *r, char *buf,
	    size_t bufsz, size_t *outlen);
int	check_encode_verdict(const struct check_verdict *v, char *buf,
	    size_t bufsz, size_t *outlen);
int	check_decode_verdict(struct check_verdict *out, const uint8_t *p,
	    size_t len, struct proto_error *err);

/* Adds a reason to v (severity raises v->verdict); message is printf'd
 * and cut at CHECK_MSG_MAX bytes on a UTF-8 boundary. Returns the reason,
 * or NULL when v already holds CHECK_REASONS_MAX (the verdict is still
 * raised). */
struct check_reason	*check_add_reason(struct check_verdict *v,
			    const char *code, enum check_verdict_kind sev,
			    const char *fmt, ...)
			    __attribute__((format(printf, 4, 5)));
/* The reason with this code, or NULL. */
const struct check_reason *check_find_reason(const struct check_verdict *v,
			    const char *code);

/* "clear", "refer", "deny"; "invalid" otherwise. */
const char	*check_verdict_str(enum check_verdict_kind k);

#endif
