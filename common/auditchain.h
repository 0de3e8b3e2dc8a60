/* auditchain.h - the audit trail's hash chain, shared by the centre and the
 * posts: the canonical JSON of an event's detail, the SHA-256 that links an
 * event to the one before it, and the check of one link. Knows nothing of
 * where events are stored; docs/audit.md gives the encoding in full. */
#ifndef SHEKARA_AUDITCHAIN_H
#define SHEKARA_AUDITCHAIN_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_HEX	64	/* SHA-256, lower-case hex */
#define AUDIT_GENESIS \
	"0000000000000000000000000000000000000000000000000000000000000000"
				/* 64 zeros: prev of a chain's first event */
#define AUDIT_DETAIL_MAX	65536	/* bytes of detail JSON, in and out */
#define AUDIT_ACTOR_MAX		128
#define AUDIT_ACTION_MAX	32
#define AUDIT_SUBJECT_MAX	128

struct audit_event {
	char		 chain[64];	/* "centre", or "post:ALA01" */
	uint64_t	 seq;		/* 1, 2, 3 ... gapless within a chain */
	int64_t		 at_ms;		/* ms since the epoch (UTC) */
	const char	*actor;		/* 1..128 bytes UTF-8, no controls */
	const char	*action;	/* [a-z_]{1,32} */
	const char	*subject;	/* 0..128 bytes */
	const char	*detail;	/* canonical JSON object text
					 * (audit_canon_detail) */
	size_t		 detail_len;
	char		 prev[AUDIT_HASH_HEX + 1];
	char		 hash[AUDIT_HASH_HEX + 1];
};

/* Canonical JSON of an object: parsed (strictly, bounded: 64 KiB) and
 * re-encoded by jansson with sorted keys, compact separators, ASCII-escaped,
 * integers as integers. *out is malloc'd. 0, ERR_TOOBIG, ERR_PARSE (not
 * JSON, or not an object), ERR_NOMEM. */
int	audit_canon_detail(const char *json, size_t len, char **out,
	    size_t *outlen);
/* SHA-256 over "shekara-audit-v1\n" then each field as "<decimal byte
 * length>:<bytes>\n" in this order: chain, seq (decimal), at (RFC 3339 UTC
 * with milliseconds, "2026-11-27T01:02:03.123Z"), actor, action, subject,
 * detail, prev. Writes lower-case hex to out. 0 or ERR_INVAL. */
int	audit_event_hash(const struct audit_event *e,
	    char out[AUDIT_HASH_HEX + 1]);
/* 0 if e->hash is the hash of e and e->prev is what the chain requires,
 * else ERR_INVAL. */
int	audit_event_check(const struct audit_event *e, const char *want_prev);
/* Field checks, for appenders that want to refuse bad input before they
 * touch a chain: 0 or ERR_INVAL. */
int	audit_actor_check(const char *actor);
int	audit_action_check(const char *action);
int	audit_subject_check(const char *subject);

#endif
