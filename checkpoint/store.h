/* store.h - a post's durable journal of crossings (SQLite, WAL,
 * synchronous=FULL). Each crossing gets the next gapless sequence number and
 * is stored as the exact JSON later pushed to the centre, beside the lane's
 * request id (idempotency key) when it sent one, and the post's audit chain
 * of every check and record. One struct store is one connection, used by
 * one thread at a time; open one per thread. */
#ifndef SHEKARA_STORE_H
#define SHEKARA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "auditmsg.h"
#include "check.h"
#include "proto.h"

#define STORE_SCHEMA_VERSION	2	/* 2: the audit chain */
#define STORE_PAYLOAD_MAX	4096	/* bytes of one stored crossing */
#define STORE_ERROR_MAX		255	/* bytes of a noted error */

struct store;

/* One stored crossing not yet acknowledged by the centre. */
struct store_item {
	uint64_t	 seq;
	int64_t		 recorded_at;	/* ms since the epoch */
	char		*payload;	/* NUL-terminated JSON, owned by
					 * the list */
	size_t		 len;		/* bytes, NUL excluded */
};

/* The officer's decision on a check, kept beside a crossing. */
struct store_link {
	uint64_t		seq;
	uint64_t		check_id;	/* 0: none */
	enum check_verdict_kind	verdict;	/* the check's; 0: none */
	enum proto_outcome	outcome;
	char			reason[PROTO_REASON_MAX + 1];	/* "": none */
};

struct store_list {
	size_t			 n;
	struct store_item	*items;
};

/*
 * Opens (creating if new) the store at path for post_code. A store that
 * belongs to another post is refused with ERR_CONFLICT, one written by a
 * newer schema with ERR_VERSION; ERR_DB if SQLite fails (not a database,
 * cannot be opened, cannot switch to WAL). Problems are logged.
 */
int	store_open(struct store **out, const char *path,
	    const char *post_code);
void	store_close(struct store *s);

/*
 * Records a crossing: in one BEGIN IMMEDIATE transaction takes the next
 * sequence number (last + 1, from 1; a failed transaction uses none), stamps
 * recorded_at with the current time, stores proto_encode_crossing() of it
 * (the stored form: without request_id) with c->request_id beside it and
 * its "record" audit event, and commits. Returns 0 only once the commit is durable, and then sets c->seq
 * and c->recorded_at and *replayed (may be NULL) to 0.
 *
 * When c->request_id is not "" and a crossing was already recorded under
 * it, nothing is written: if the stored crossing is the same
 * (proto_check_same_crossing()), returns 0 with the ORIGINAL seq and
 * recorded_at in c and *replayed set to 1; if not, ERR_CONFLICT.
 *
 * On failure c and *replayed are untouched. ERR_INVAL if the crossing does
 * not validate, ERR_CONFLICT as above, ERR_DB if SQLite fails.
 */
int	store_append(struct store *s, struct proto_crossing *c, int *replayed);

/*
 * store_append() with the officer's decision: when c->check_id is set, in
 * the same transaction the check must exist (else ERR_NOTFOUND), be of the
 * crossing's direction and, if it read a document, of the same issuing
 * state and number, and not be recorded for another crossing (else
 * ERR_CONFLICT); admitting against a "deny" needs c->reason (else
 * ERR_INVAL). c->check_id and c->reason, when either is set, are kept in
 * crossing_checks beside the crossing with the check's verdict and the
 * outcome. A replay under the same request_id must carry the same
 * check_id and reason. *err (may be NULL) names the field ("check_id",
 * "reason", "request_id", or the crossing's own) and says what is wrong.
 */
int	store_record(struct store *s, struct proto_crossing *c, int *replayed,
	    struct proto_error *err);

/* The decision kept beside crossing seq: ERR_NOTFOUND if none (a
 * crossing recorded without check_id or reason). */
int	store_find_link(struct store *s, uint64_t seq, struct store_link *out);

/*
 * Keeps a lane check and its verdict for the audit trail: in one
 * transaction gives it the next check id (last + 1, from 1), sets
 * v->check_id, and stores check_encode_verdict() of it with its time,
 * verdict, feed and policy versions in the checks table, with its "check"
 * audit event. Returns 0 once durable; on failure v->check_id is 0.
 * ERR_INVAL, ERR_DB.
 */
int	store_append_check(struct store *s, struct check_verdict *v);

/* Up to max unsent crossings in sequence order. out is reset first. */
int	store_fetch_unsent(struct store *s, size_t max,
	    struct store_list *out);
void	store_list_reset(struct store_list *l);

/*
 * Marks the listed sequence numbers sent at time at, in one transaction.
 * Numbers that do not exist or are already sent are left alone. *marked
 * (may be NULL) receives how many rows changed.
 */
int	store_mark_sent(struct store *s, const uint64_t *seqs, size_t n,
	    int64_t at, size_t *marked);

/*
 * The post's audit chain "post:{code}" (common/auditchain.h): every check
 * (store_append_check(): action "check") and every crossing recorded
 * (store_record(): action "record") appends one event in the same
 * transaction, so neither is ever durable without the other and the chain
 * has no gap. docs/audit.md lists the details. A store made before the
 * chain existed gains the table on open; its earlier checks and crossings
 * are not in the chain.
 */

/* The outcome of store_audit_verify(). */
struct store_audit_report {
	uint64_t	n;		/* events that check, from seq 1 */
	uint64_t	last_seq;	/* the last of them (0: none) */
	char		head[AUDIT_HASH_HEX + 1];	/* its hash */
	uint64_t	bad_seq;	/* the first that does not; 0: none */
	char		why[96];
};

/*
 * Up to max unsent audit events in seq order into out->events (room for
 * max; max is capped at PROTO_BATCH_MAX), out->post set; details are
 * malloc'd (auditmsg_batch_reset()). out->n is 0 on failure and nothing
 * stays allocated. ERR_DB (also for a stored event that fails
 * auditmsg_check_event(): the store is damaged), ERR_NOMEM.
 */
int	store_fetch_audit(struct store *s, size_t max,
	    struct auditmsg_batch *out);
/* As store_mark_sent(), for audit events. */
int	store_mark_audit_sent(struct store *s, const uint64_t *seqs, size_t n,
	    int64_t at, size_t *marked);
/* Unsent crossings and unsent audit events, in one snapshot. */
int	store_backlog(struct store *s, uint64_t *unsent,
	    uint64_t *audit_unsent);
/*
 * Walks the whole chain: seqs from 1 without a gap, each prev the hash of
 * the event before (AUDIT_GENESIS for the first), each hash that of its
 * content. 0 if intact, ERR_INVAL with out->bad_seq and out->why at the
 * first break (out is filled either way), ERR_DB.
 */
int	store_audit_verify(struct store *s, struct store_audit_report *out);

/* Post code, last sequence number, unsent count, last push and error. */
int	store_status(struct store *s, struct proto_status *out);

/* A push the centre acknowledged at time at. */
int	store_note_push_ok(struct store *s, int64_t at);
/* A failed push: msg is cut to STORE_ERROR_MAX bytes (on a UTF-8 boundary)
 * and control characters become spaces. */
int	store_note_error(struct store *s, const char *msg, int64_t at);

#endif
