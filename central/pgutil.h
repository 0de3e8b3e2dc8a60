/* pgutil.h - the centre's small libpq helpers, shared by every module that
 * talks to PostgreSQL: a failed statement logged (the primary message and
 * SQLSTATE, never DETAIL, which may quote a row and so personal data),
 * SQLSTATE checks, statements run against an expected status, and decimal
 * columns parsed strictly and formatted as parameters. */
#ifndef SHEKARA_PGUTIL_H
#define SHEKARA_PGUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

/* A decimal int64 or uint64 with its sign and NUL. */
#define PGU_NUM_LEN	24

/* SQLSTATEs the centre tells apart. */
#define PGU_UNIQUE_VIOLATION	"23505"

/*
 * The reason a statement failed, on one line, into buf (truncated to fit):
 * the primary message of res, else the first line of the connection's
 * message, then " (SQLSTATE xxxxx)" when res has one; for a result that
 * did not fail but has another status than expected, that status. res may
 * be NULL, conn may be NULL (no connection: "out of memory").
 */
void	pgu_error(PGconn *conn, const PGresult *res, char *buf,
	    size_t bufsz);

/* Logs a failed statement as "prefix: what: reason" (pgu_error()). */
void	pgu_log_result(PGconn *conn, const char *prefix, const char *what,
	    const PGresult *res);

/* 1 if res (a failed result, may be NULL) carries SQLSTATE state. */
int	pgu_sqlstate(const PGresult *res, const char *state);

/*
 * Runs sql with n text parameters. 0 with *out (PQclear it; out may be
 * NULL to discard it) when the status is want (PGRES_TUPLES_OK,
 * PGRES_COMMAND_OK); else ERR_DB, logged as prefix and what, *out NULL.
 */
int	pgu_exec(PGconn *conn, const char *prefix, const char *what,
	    const char *sql, int n, const char *const *params,
	    ExecStatusType want, PGresult **out);

/*
 * A simple command (BEGIN ..., COMMIT, ROLLBACK, SET ...): 0 if it
 * succeeded and, when tag is not NULL, answered that command tag (COMMIT
 * of a failed transaction answers ROLLBACK: not success). ERR_DB, logged.
 */
int	pgu_command(PGconn *conn, const char *prefix, const char *sql,
	    const char *tag);

/* Rolls back the open transaction, if any; a failure changes nothing the
 * caller can act on (the connection is reset by the next BEGIN). */
void	pgu_rollback(PGconn *conn);

/*
 * A decimal column as PostgreSQL writes it: digits only (an optional '-'
 * for pgu_i64), no spaces. 0, ERR_PARSE (not a number), ERR_RANGE (does
 * not fit). *out is left alone on failure.
 */
int	pgu_u64(const char *s, uint64_t *out);
int	pgu_i64(const char *s, int64_t *out);

/* v as a decimal parameter into buf; returns buf. */
const char	*pgu_fmt_u64(char buf[PGU_NUM_LEN], uint64_t v);
const char	*pgu_fmt_i64(char buf[PGU_NUM_LEN], int64_t v);

#endif
