/* auditmsg.h - a post's audit events on the wire: the batch a post pushes
 * to POST /v1/posts/{code}/audit, with its JSON codec (jansson). Each event
 * is one link of the post's hash chain ("post:{code}", common/auditchain.h);
 * the codec checks every field's bounds and that seqs ascend, not the
 * hashes (the centre checks and reports those). The answer is a proto_ack,
 * as for crossings. Same rules as proto.h: the encoder writes into a
 * caller's buffer, the decoder reads (ptr, len), refuses unknown and
 * duplicate keys, names the field and leaves the output untouched on
 * failure. docs/protocol.md is the reference. */
#ifndef SHEKARA_AUDITMSG_H
#define SHEKARA_AUDITMSG_H

#include <stddef.h>
#include <stdint.h>

#include "auditchain.h"
#include "proto.h"

#define AUDITMSG_SEQ_MAX	UINT64_C(9007199254740991)	/* 2^53 - 1 */
#define AUDITMSG_DETAIL_MAX	AUDIT_DETAIL_MAX	/* canonical bytes */

/*
 * One event: {"seq":7,"at":"2026-11-27T01:02:03.123Z","actor":"KZ0042",
 *  "action":"check","subject":"KAZ:N1234567","detail":{...},
 *  "prev":"<64 hex>","hash":"<64 hex>"}
 * detail is a JSON object on the wire; decoded, it is kept as its
 * canonical text (audit_canon_detail()), which is what the hash covers.
 */
struct auditmsg_event {
	uint64_t	 seq;		/* 1..2^53-1 */
	int64_t		 at_ms;		/* ms since the epoch, UTC */
	char		 actor[AUDIT_ACTOR_MAX + 1];
	char		 action[AUDIT_ACTION_MAX + 1];
	char		 subject[AUDIT_SUBJECT_MAX + 1];	/* "" allowed */
	char		*detail;	/* canonical JSON object, NUL-ended;
					 * malloc'd, see auditmsg_batch_reset */
	size_t		 detail_len;
	char		 prev[AUDIT_HASH_HEX + 1];	/* lower-case hex */
	char		 hash[AUDIT_HASH_HEX + 1];
};

/* {"version":1,"post":"ALA01","events":[...]}: seqs strictly ascending. */
struct auditmsg_batch {
	char			 post[PROTO_POST_MAX + 1];
	size_t			 n;
	struct auditmsg_event	*events;	/* caller's array */
};

/*
 * Decodes a batch into out->events (room for cap events, cap <=
 * PROTO_BATCH_MAX). Each decoded event's detail is malloc'd: free them with
 * auditmsg_batch_reset(). ERR_PARSE, ERR_VERSION, ERR_TOOBIG (more than cap
 * events), ERR_INVAL (a field; *err names it, e.g. "events[3].detail"),
 * ERR_NOMEM; on failure *out is untouched and nothing stays allocated.
 */
int	auditmsg_decode_batch(struct auditmsg_batch *out, size_t cap,
	    const uint8_t *p, size_t len, struct proto_error *err);
/* Frees the details and sets n to 0; events and post stay. */
void	auditmsg_batch_reset(struct auditmsg_batch *b);

/*
 * Compact JSON of b into buf. Every field is checked as the decoder checks
 * it (ERR_INVAL), detail must parse as a JSON object (it is written in its
 * canonical form). ERR_TOOBIG if bufsz is short: auditmsg_batch_bound()
 * bytes are always enough.
 */
int	auditmsg_encode_batch(const struct auditmsg_batch *b, char *buf,
	    size_t bufsz, size_t *outlen);
/* Bytes that always hold auditmsg_encode_batch() of b. */
size_t	auditmsg_batch_bound(const struct auditmsg_batch *b);

/* Checks one event's fields (not its hash); *err (may be NULL) names the
 * field under path ("events[3]"). 0 or ERR_INVAL. */
int	auditmsg_check_event(const struct auditmsg_event *e, const char *path,
	    struct proto_error *err);

#endif
