/* test_pgutil.c - central/pgutil.c against a real PostgreSQL (pgtest.h):
 * a failed statement is logged with its primary message and SQLSTATE but
 * never its DETAIL (which quotes the row), a unique violation is told
 * apart, pgu_exec() checks the status it was asked for, COMMIT of a
 * failed transaction is not success, pgu_rollback() leaves the connection
 * usable, and decimal columns parse strictly to the last digit of the
 * range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "pgtest.h"
#include "pgutil.h"

struct fx {
	char	 conninfo[640];
	PGconn	*conn;
};

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_pgutil", LOGL_WARN);
	return pgt_start();
}

static int
group_teardown(void **state)
{
	(void)state;
	pgt_stop();
	return 0;
}

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	if (pgt_newdb(fx->conninfo, sizeof(fx->conninfo)) != 0 ||
	    pgt_exec(fx->conninfo, "CREATE TABLE t (k text PRIMARY KEY)") != 0)
		return -1;
	fx->conn = PQconnectdb(fx->conninfo);
	if (PQstatus(fx->conn) != CONNECTION_OK)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	PQfinish(fx->conn);
	free(fx);
	return 0;
}

/* Captures what the code under test writes to stderr (the log). */
struct capture {
	char	path[64];
	int	saved;
};

static void
capture_start(struct capture *c)
{
	int	fd;

	(void)snprintf(c->path, sizeof(c->path), "/tmp/test_pgutil.XXXXXX");
	assert_true((fd = mkstemp(c->path)) >= 0);
	assert_true((c->saved = dup(STDERR_FILENO)) >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
}

static void
capture_end(struct capture *c, char *buf, size_t bufsz)
{
	FILE	*fp;
	size_t	 n;

	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	assert_non_null(fp = fopen(c->path, "r"));
	n = fread(buf, 1, bufsz - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	unlink(c->path);
}

static void
test_unique_violation_logged_without_detail(void **state)
{
	struct fx		*fx = *state;
	struct capture		 cap;
	const char		*params[1] = { "SECRET-ROW" };
	PGresult		*r = (PGresult *)1;
	char			 log[2048];

	assert_int_equal(pgu_exec(fx->conn, "test", "insert",
	    "INSERT INTO t VALUES ($1)", 1, params, PGRES_COMMAND_OK, NULL), 0);
	capture_start(&cap);
	assert_int_equal(pgu_exec(fx->conn, "test", "insert again",
	    "INSERT INTO t VALUES ($1)", 1, params, PGRES_COMMAND_OK, &r),
	    ERR_DB);
	capture_end(&cap, log, sizeof(log));
	assert_null(r);
	/* One line: who, what, the primary message, the SQLSTATE. */
	assert_non_null(strstr(log, "test: insert again: duplicate key value "
	    "violates unique constraint \"t_pkey\" (SQLSTATE 23505)"));
	assert_null(strstr(log, "SECRET-ROW"));
	assert_null(strstr(log, "DETAIL"));
	assert_int_equal(strchr(log, '\n') - log + 1, (long)strlen(log));

	/* The caller can tell a unique violation from other failures. */
	r = PQexecParams(fx->conn, "INSERT INTO t VALUES ($1)", 1, NULL,
	    params, NULL, NULL, 0);
	assert_true(pgu_sqlstate(r, PGU_UNIQUE_VIOLATION));
	assert_false(pgu_sqlstate(r, "42P01"));
	PQclear(r);
	r = PQexec(fx->conn, "SELECT * FROM missing");
	assert_false(pgu_sqlstate(r, PGU_UNIQUE_VIOLATION));
	assert_true(pgu_sqlstate(r, "42P01"));
	PQclear(r);
	assert_false(pgu_sqlstate(NULL, PGU_UNIQUE_VIOLATION));
}

static void
test_exec_checks_the_status_asked_for(void **state)
{
	struct fx	*fx = *state;
	struct capture	 cap;
	PGresult	*r = NULL;
	char		 log[1024];

	assert_int_equal(pgu_exec(fx->conn, "test", "rows", "SELECT 1", 0,
	    NULL, PGRES_TUPLES_OK, &r), 0);
	assert_non_null(r);
	assert_string_equal(PQgetvalue(r, 0, 0), "1");
	PQclear(r);
	/* Rows where a command was expected: a failure, nothing kept. */
	r = (PGresult *)1;
	capture_start(&cap);
	assert_int_equal(pgu_exec(fx->conn, "test", "rows", "SELECT 1", 0,
	    NULL, PGRES_COMMAND_OK, &r), ERR_DB);
	capture_end(&cap, log, sizeof(log));
	assert_null(r);
	assert_non_null(strstr(log, "test: rows: unexpected result "
	    "PGRES_TUPLES_OK"));
}

static void
test_commit_of_failed_transaction_fails(void **state)
{
	struct fx	*fx = *state;
	struct capture	 cap;
	char		 log[2048], v[16];

	assert_int_equal(pgu_command(fx->conn, "test", "BEGIN", "BEGIN"), 0);
	assert_int_equal(pgu_exec(fx->conn, "test", "insert",
	    "INSERT INTO t VALUES ('a')", 0, NULL, PGRES_COMMAND_OK, NULL), 0);
	capture_start(&cap);
	assert_int_equal(pgu_exec(fx->conn, "test", "bad", "SELECT 1/0", 0,
	    NULL, PGRES_TUPLES_OK, NULL), ERR_DB);
	/* PostgreSQL answers COMMIT of a failed transaction "ROLLBACK". */
	assert_int_equal(pgu_command(fx->conn, "test", "COMMIT", "COMMIT"),
	    ERR_DB);
	capture_end(&cap, log, sizeof(log));
	assert_non_null(strstr(log, "test: bad: division by zero "
	    "(SQLSTATE 22012)"));
	assert_non_null(strstr(log, "test: COMMIT: answered ROLLBACK"));
	assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_IDLE);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT count(*) FROM t",
	    v, sizeof(v)), 0);
	assert_string_equal(v, "0");

	/* Without a tag, only the status counts. */
	assert_int_equal(pgu_command(fx->conn, "test", "BEGIN", NULL), 0);
	assert_int_equal(pgu_command(fx->conn, "test", "SELECT 1/0", NULL),
	    ERR_DB);
	assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_INERROR);
	pgu_rollback(fx->conn);
	assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_IDLE);
	pgu_rollback(fx->conn);		/* idle: nothing to do */
	assert_int_equal(pgu_command(fx->conn, "test", "BEGIN", "BEGIN"), 0);
	assert_int_equal(pgu_command(fx->conn, "test", "COMMIT", "COMMIT"), 0);
}

static void
test_error_without_result_or_connection(void **state)
{
	char	buf[64];

	(void)state;
	pgu_error(NULL, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "out of memory");
	/* Truncated to the buffer, still a string. */
	pgu_error(NULL, NULL, buf, 4);
	assert_string_equal(buf, "out");
}

static void
test_u64_parses_strictly(void **state)
{
	static const struct {
		const char	*s;
		int		 rc;
		uint64_t	 v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "42", 0, 42 },
		{ "007", 0, 7 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", ERR_RANGE, 0 },
		{ "99999999999999999999", ERR_RANGE, 0 },
		{ "", ERR_PARSE, 0 },
		{ "-1", ERR_PARSE, 0 },
		{ "+1", ERR_PARSE, 0 },
		{ " 1", ERR_PARSE, 0 },
		{ "1 ", ERR_PARSE, 0 },
		{ "1.0", ERR_PARSE, 0 },
		{ "0x10", ERR_PARSE, 0 },
	};
	uint64_t	v;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		assert_int_equal(pgu_u64(cases[i].s, &v), cases[i].rc);
		assert_true(v == (cases[i].rc == 0 ? cases[i].v : 12345));
	}
	assert_int_equal(pgu_u64(NULL, &v), ERR_PARSE);
}

static void
test_i64_parses_strictly(void **state)
{
	static const struct {
		const char	*s;
		int		 rc;
		int64_t		 v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "-17", 0, -17 },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "9223372036854775808", ERR_RANGE, 0 },
		{ "-9223372036854775809", ERR_RANGE, 0 },
		{ "-", ERR_PARSE, 0 },
		{ "--1", ERR_PARSE, 0 },
		{ "+1", ERR_PARSE, 0 },
		{ "1e3", ERR_PARSE, 0 },
	};
	int64_t	v;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		assert_int_equal(pgu_i64(cases[i].s, &v), cases[i].rc);
		assert_true(v == (cases[i].rc == 0 ? cases[i].v : 12345));
	}
}

static void
test_fmt_round_trips(void **state)
{
	char		buf[PGU_NUM_LEN];
	uint64_t	u;
	int64_t		s;

	(void)state;
	assert_string_equal(pgu_fmt_u64(buf, UINT64_MAX),
	    "18446744073709551615");
	assert_int_equal(pgu_u64(buf, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_string_equal(pgu_fmt_i64(buf, INT64_MIN),
	    "-9223372036854775808");
	assert_int_equal(pgu_i64(buf, &s), 0);
	assert_true(s == INT64_MIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_without_result_or_connection),
		cmocka_unit_test(test_u64_parses_strictly),
		cmocka_unit_test(test_i64_parses_strictly),
		cmocka_unit_test(test_fmt_round_trips),
		cmocka_unit_test_setup_teardown(
		    test_unique_violation_logged_without_detail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_exec_checks_the_status_asked_for, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_commit_of_failed_transaction_fails, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
