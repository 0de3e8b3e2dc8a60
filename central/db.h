/* db.h - the centre's PostgreSQL access (libpq): one connection that
 * reconnects on the next call after it is lost, idempotent storage of a
 * post's crossing batch in one statement, and the crossings listing. Every
 * statement is parameterised. Not thread-safe: one struct db per thread. */
#ifndef SHEKARA_DB_H
#define SHEKARA_DB_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "proto.h"

struct db;

/* A handle for conninfo; does not connect yet. NULL only when out of
 * memory. */
struct db	*db_new(const char *conninfo);
void		 db_free(struct db *db);

/*
 * Connects, or reconnects a connection that was lost. 0 or ERR_DB; a lost
 * database is logged once when it goes away and once when it is back, not
 * on every call.
 */
int	db_connect(struct db *db);
/* The live connection after db_connect() succeeded, for migrate.c. */
PGconn	*db_pgconn(struct db *db);
/* 0 if the database answers a query now, else ERR_DB. */
int	db_ping(struct db *db);

/*
 * What became of each crossing of a stored batch. durable[] lists the seqs
 * now durably stored with exactly this content (new or sent before), in
 * ascending order; conflict[] the seqs already stored with DIFFERENT content
 * (nothing was changed for them); the rest (npending) were being stored at
 * that instant by a concurrent request and are acknowledged on a later try.
 */
struct db_store_result {
	uint64_t	*durable;	/* caller's array, room for b->n */
	size_t		 ndurable;
	uint64_t	*conflict;	/* caller's array, room for b->n */
	size_t		 nconflict;
	size_t		 npending;
};

/*
 * Stores a validated batch (distinct seqs): one INSERT ... ON CONFLICT DO
 * NOTHING (one round trip when every crossing is new), then, only for the
 * crossings that were already present, one comparison with what is stored.
 * Durable seqs are listed in order. The result is filled only after the
 * insert committed. A connection lost
 * on the way is re-established and the (idempotent) statement sent once
 * more. 0, ERR_DB (unreachable or refused; nothing acknowledged) or
 * ERR_NOMEM.
 */
int	db_store_batch(struct db *db, const struct proto_batch *b,
	    struct db_store_result *res);

/* The columns of a listed crossing, in order; their names are the CSV
 * header. Values are text: recorded_at as "2026-11-27T01:02:03.123Z",
 * dates as "YYYY-MM-DD". */
enum db_col {
	DB_COL_POST, DB_COL_SEQ, DB_COL_RECORDED_AT, DB_COL_DIRECTION,
	DB_COL_LANE, DB_COL_OFFICER, DB_COL_OUTCOME, DB_COL_DOC_TYPE,
	DB_COL_ISSUING_STATE, DB_COL_DOC_NUMBER, DB_COL_NATIONALITY,
	DB_COL_SURNAME, DB_COL_GIVEN_NAMES, DB_COL_BIRTH_DATE, DB_COL_SEX,
	DB_COL_EXPIRY_DATE,
	DB_NCOLS
};
extern const char *const	db_col_names[DB_NCOLS];

/* Which crossings to list; ordered by post, seq. */
struct db_filter {
	const char	*post;		/* NULL: every post */
	int		 has_since;
	int64_t		 since;		/* ms since the epoch, inclusive */
	int		 has_until;
	int64_t		 until;		/* ms since the epoch, exclusive */
	long long	 limit;		/* rows at most; 0: no limit */
};

/* Calls cb for each row, streamed (not held in memory); a non-zero return
 * from cb stops the listing and is returned. 0, ERR_DB or cb's code. */
int	db_crossings_list(struct db *db, const struct db_filter *f,
	    int (*cb)(void *arg, const char *const vals[DB_NCOLS]), void *arg);

#endif
