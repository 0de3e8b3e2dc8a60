/* pgutil.c - the centre's small libpq helpers: failures logged without
 * DETAIL, SQLSTATE checks, statements with an expected status, decimal
 * columns. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "err.h"
#include "log.h"
#include "pgutil.h"

void
pgu_error(PGconn *conn, const PGresult *res, char *buf, size_t bufsz)
{
	const char	*msg = NULL, *state = NULL;
	size_t		 n;

	if (bufsz == 0)
		return;
	if (res != NULL) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	}
	if (msg == NULL && res != NULL &&
	    PQresultStatus(res) != PGRES_FATAL_ERROR &&
	    PQresultStatus(res) != PGRES_NONFATAL_ERROR) {
		/* It worked, but not as the caller expected. */
		(void)snprintf(buf, bufsz, "unexpected result %s",
		    PQresStatus(PQresultStatus(res)));
		return;
	}
	if (msg == NULL)
		msg = conn != NULL ? PQerrorMessage(conn) : "out of memory";
	n = strcspn(msg, "\r\n");
	if (n == 0)
		msg = "no message from the server", n = strlen(msg);
	/* Truncation is fine: a log line. */
	(void)snprintf(buf, bufsz, "%.*s%s%s%s", (int)n, msg,
	    state != NULL ? " (SQLSTATE " : "", state != NULL ? state : "",
	    state != NULL ? ")" : "");
}

void
pgu_log_result(PGconn *conn, const char *prefix, const char *what,
    const PGresult *res)
{
	char	why[512];

	pgu_error(conn, res, why, sizeof(why));
	log_warnx("%s: %s: %s", prefix, what, why);
}

int
pgu_sqlstate(const PGresult *res, const char *state)
{
	const char	*s;

	if (res == NULL)
		return 0;
	s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return s != NULL && strcmp(s, state) == 0;
}

int
pgu_exec(PGconn *conn, const char *prefix, const char *what,
    const char *sql, int n, const char *const *params, ExecStatusType want,
    PGresult **out)
{
	PGresult	*r;

	if (out != NULL)
		*out = NULL;
	r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != want) {
		pgu_log_result(conn, prefix, what, r);
		PQclear(r);
		return ERR_DB;
	}
	if (out != NULL)
		*out = r;
	else
		PQclear(r);
	return 0;
}

int
pgu_command(PGconn *conn, const char *prefix, const char *sql,
    const char *tag)
{
	PGresult	*r;
	int		 done, ok;

	r = PQexec(conn, sql);
	done = PQresultStatus(r) == PGRES_COMMAND_OK;
	ok = done && (tag == NULL || strcmp(PQcmdStatus(r), tag) == 0);
	if (done && !ok)
		log_warnx("%s: %s: answered %s: the transaction had failed "
		    "and was rolled back", prefix, sql, PQcmdStatus(r));
	else if (!ok)
		pgu_log_result(conn, prefix, sql, r);
	PQclear(r);
	return ok ? 0 : ERR_DB;
}

void
pgu_rollback(PGconn *conn)
{
	if (PQtransactionStatus(conn) == PQTRANS_IDLE)
		return;
	/* Nothing to do on failure: the next BEGIN says so. */
	PQclear(PQexec(conn, "ROLLBACK"));
}

int
pgu_u64(const char *s, uint64_t *out)
{
	uint64_t	v = 0;
	unsigned	d;

	if (s == NULL || *s == '\0')
		return ERR_PARSE;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return ERR_PARSE;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return ERR_RANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
pgu_i64(const char *s, int64_t *out)
{
	uint64_t	v;
	int		neg = 0, rc;

	if (s != NULL && *s == '-') {
		neg = 1;
		s++;
	}
	if ((rc = pgu_u64(s, &v)) != 0)
		return rc;
	if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return ERR_RANGE;
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

const char *
pgu_fmt_u64(char buf[PGU_NUM_LEN], uint64_t v)
{
	(void)snprintf(buf, PGU_NUM_LEN, "%" PRIu64, v);	/* fits */
	return buf;
}

const char *
pgu_fmt_i64(char buf[PGU_NUM_LEN], int64_t v)
{
	(void)snprintf(buf, PGU_NUM_LEN, "%" PRId64, v);	/* fits */
	return buf;
}
