/* registry.h - the post's copy of what the centre's feed delivers (document
 * and person alerts, visas and permits, stay states, the stay policy,
 * officers) in SQLite, in the same database file as the journal but on a
 * connection of its own (WAL, synchronous=FULL). A batch and the feed
 * cursor are applied in one transaction; lookups serve the lane decisions.
 * One struct registry is one connection, used by one thread at a time. */
#ifndef SHEKARA_REGISTRY_H
#define SHEKARA_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "feed.h"
#include "stay.h"

#define REGISTRY_SCHEMA_VERSION	2	/* 2: match keys carry data */
#define REGISTRY_KEY_MAX	64	/* bytes of one match key, NUL included */
#define REGISTRY_KEYS_MAX	8	/* match keys of one person alert */
#define REGISTRY_DATA_MAX	1024	/* bytes kept with an alert's keys */
#define REGISTRY_KEY_NAME_MAX	64	/* bytes of a key function's name */

struct registry;

/*
 * Match keys: what a name matcher indexes person alerts under (blocking
 * keys), so that a lane check scores a handful of candidates. Each key is
 * a NUL-terminated, non-empty string; keys compare byte by byte. In a
 * lookup, prefix set makes each key stand for every key that starts with
 * it. data is what the matcher wants back with each candidate (its
 * prepared form of the alert's person, so that a check need not read the
 * alert and parse its name again): stored with every key of the alert,
 * given to registry_scan_person_alert_keys()' callback.
 */
struct registry_keys {
	size_t	n;				/* 0..REGISTRY_KEYS_MAX */
	int	prefix;				/* lookups only */
	char	key[REGISTRY_KEYS_MAX][REGISTRY_KEY_MAX];
	size_t	datalen;			/* 0..REGISTRY_DATA_MAX */
	uint8_t	data[REGISTRY_DATA_MAX];	/* keying only */
};

/*
 * Fills out (zeroed by the caller) with the keys of a person alert, at
 * least one, and optionally its data, and returns 0; or returns a negative
 * enum err, and the batch being applied fails. The same alert must always
 * give the same keys and data. An alert with no key could never be a
 * candidate, so giving none is refused (ERR_INVAL) rather than stored, as
 * is a datalen over REGISTRY_DATA_MAX.
 */
typedef int	(*registry_key_fn)(const struct feed_person_alert *a,
		    struct registry_keys *out);

/* The default: one key, the surname with ASCII letters upper-cased and
 * leading and trailing spaces removed; other bytes are kept. */
int	registry_key_surname(const struct feed_person_alert *a,
	    struct registry_keys *out);

/*
 * Opens (creating if new) the registry tables in the database at path.
 * key (NULL: registry_key_surname) gives each person alert's match keys;
 * key_name (NULL: "surname") names that function and its version. When the
 * database was keyed under another name, every match key is recomputed
 * (in the opening transaction) before the open returns, so lookups never
 * mix two key functions; if key fails for any alert the open fails. A
 * store of schema version 1 is brought to 2 (its match keys rebuilt) the
 * same way.
 * ERR_VERSION if a newer schema wrote the tables, ERR_DB if SQLite fails,
 * ERR_INVAL for a key_name over REGISTRY_KEY_NAME_MAX - 1 bytes. Logged.
 */
int	registry_open(struct registry **out, const char *path,
	    registry_key_fn key, const char *key_name);
void	registry_close(struct registry *r);

/*
 * Applies a batch: in one BEGIN IMMEDIATE transaction checks that b->from
 * is the cursor (else ERR_CONFLICT: out of order or replayed), applies
 * every upsert (insert or replace (kind, id)) and delete (remove it if
 * present) in order, sets the cursor to b->to and the applied time to now,
 * and commits; returns 0 only once the commit is durable. Any failure rolls
 * everything back: ERR_INVAL if feed_check_batch() refuses the batch (err,
 * which may be NULL, says where), ERR_CONFLICT, the key function's error,
 * ERR_DB. The batch is not kept.
 */
int	registry_apply_batch(struct registry *r, const struct feed_batch *b,
	    struct proto_error *err);

/* The last applied position (0 before any batch) and when it was applied
 * (ms since the epoch, 0 = never). Either pointer may be NULL. */
int	registry_cursor(struct registry *r, uint64_t *cursor,
	    int64_t *applied_at);
/* Rows held of one kind. */
int	registry_count(struct registry *r, enum feed_kind kind, size_t *n);

/*
 * Lookups. Each writes the matching records as upsert entries (pos is the
 * position that last wrote the record) to out[0..cap), ordered by id, and
 * their number to *n. If more than cap match, the first cap are written,
 * *n is the full number and ERR_TOOBIG is returned, so the caller can
 * retry with room for *n. 0 matches is 0 with *n = 0. ERR_DB if SQLite
 * fails.
 */
/* Document alerts on exactly this issuing state and number. */
int	registry_find_document_alerts(struct registry *r, const char *state,
	    const char *number, struct feed_entry *out, size_t cap,
	    size_t *n);
/* Person alerts with any of the keys in q (or, with q->prefix, a key that
 * starts with one of them), each once: candidates for the name matcher to
 * score. ERR_INVAL for a key that is empty or not terminated. */
int	registry_find_person_alert_candidates(struct registry *r,
	    const struct registry_keys *q, struct feed_entry *out, size_t cap,
	    size_t *n);
/*
 * The same lookup without reading the alerts: calls fn(arg, id, data,
 * datalen) for every key row that q names (an alert under two of the keys
 * comes twice: the caller keeps each once), with the alert id and the data
 * its key function gave; both point into the store and are valid during
 * the call only. fn returns 0 to go on; anything else stops the scan and
 * is returned. 0, ERR_INVAL as above, ERR_DB.
 */
typedef int	(*registry_scan_fn)(void *arg, const char *id,
		    const uint8_t *data, size_t datalen);
int	registry_scan_person_alert_keys(struct registry *r,
	    const struct registry_keys *q, registry_scan_fn fn, void *arg);
/* The person alert with this id: 0, ERR_NOTFOUND, ERR_INVAL (NULL id),
 * ERR_DB. */
int	registry_find_person_alert(struct registry *r, const char *id,
	    struct feed_entry *out);
/* Permits of the holder's document (issuing state and number). */
int	registry_find_permits_by_document(struct registry *r,
	    const char *state, const char *number, struct feed_entry *out,
	    size_t cap, size_t *n);
/* Permits of holders of this nationality and birth date (YYYY-MM-DD):
 * a permit issued on an earlier document of the same person. */
int	registry_find_permits_by_person(struct registry *r,
	    const char *nationality, const char *birth_date,
	    struct feed_entry *out, size_t cap, size_t *n);

/*
 * The stay state of the person with this document: the one written last
 * if several match. Its stays go to stays[0..cap) (FEED_STAYS_MAX is
 * always enough) and out->data.stay_state.stays points there. ERR_NOTFOUND
 * if none, ERR_TOOBIG if cap is short (out untouched), ERR_DB.
 */
int	registry_find_stay_state(struct registry *r, const char *state,
	    const char *number, struct feed_entry *out, struct stay *stays,
	    size_t cap);

/*
 * The current stay policy: the policy record written last. Its text goes
 * to buf (NUL-terminated; FEED_YAML_MAX + 1 bytes are always enough) and
 * out->data.policy.yaml points there. ERR_NOTFOUND if the feed has
 * delivered none, ERR_TOOBIG if bufsz is short (out untouched), ERR_DB.
 */
int	registry_policy(struct registry *r, struct feed_entry *out, char *buf,
	    size_t bufsz);

/* The officer with this id: ERR_NOTFOUND if none (inactive ones are
 * returned, with active 0). */
int	registry_find_officer(struct registry *r, const char *id,
	    struct feed_entry *out);

#endif
