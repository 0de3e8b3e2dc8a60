/* test_migrate.c - central/migrate.c against a real PostgreSQL: an empty
 * database is migrated once, a second run changes nothing, serving is
 * refused until the schema is current, a tampered or unknown ledger row is
 * refused, and two concurrent migrators apply each version once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"

struct fx {
	char		 conninfo[640];
	struct db	*db;
};

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_migrate", LOGL_WARN);
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
	    (fx->db = db_new(fx->conninfo)) == NULL) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	db_free(fx->db);
	free(fx);
	return 0;
}

static long
num(const char *s)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	assert_true(end != s && *end == '\0');
	return v;
}

/* migrate_apply with its output captured in buf. */
static int
apply(struct db *db, char *buf, size_t bufsz)
{
	FILE	*out = fmemopen(buf, bufsz, "w");
	int	 rc;

	assert_non_null(out);
	rc = migrate_apply(db, out, out);
	fclose(out);
	return rc;
}

static void
test_sha256_of_known_text(void **state)
{
	char	hex[65];

	(void)state;
	assert_int_equal(migrate_sha256("", hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	assert_int_equal(migrate_sha256("abc", hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

static void
test_embedded_table_is_ordered(void **state)
{
	unsigned	i;

	(void)state;
	assert_true(nmigrations >= 1);
	assert_int_equal(migrations[0].version, 1);
	assert_string_equal(migrations[0].name, "001_crossings");
	for (i = 1; i < nmigrations; i++)
		assert_true(migrations[i].version > migrations[i - 1].version);
	assert_int_equal(migrate_latest(),
	    migrations[nmigrations - 1].version);
}

static void
test_empty_database_is_refused_for_serving(void **state)
{
	struct fx	*fx = *state;
	char		 why[512] = "";

	assert_int_equal(migrate_check(fx->db, why, sizeof(why)),
	    ERR_VERSION);
	assert_non_null(strstr(why, "run centrald migrate"));
	assert_non_null(strstr(why, "version 0"));
}

static void
test_apply_then_current_then_idempotent(void **state)
{
	struct fx	*fx = *state;
	char		 out[2048], why[512], v[128], hex[65], sql[256];

	assert_int_equal(apply(fx->db, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "applied migration 001_crossings"));
	assert_int_equal(migrate_check(fx->db, why, sizeof(why)), 0);

	/* The ledger holds each version once with the embedded SHA-256. */
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT count(*) FROM "
	    "schema_migrations", v, sizeof(v)), 0);
	assert_int_equal(num(v), (int)nmigrations);
	assert_int_equal(migrate_sha256(migrations[0].sql, hex), 0);
	(void)snprintf(sql, sizeof(sql), "SELECT sha256 FROM "
	    "schema_migrations WHERE version = 1");
	assert_int_equal(pgt_query1(fx->conninfo, sql, v, sizeof(v)), 0);
	assert_string_equal(v, hex);
	/* The tables exist and the constraints bite. */
	assert_int_equal(pgt_exec(fx->conninfo, "SELECT post, seq, "
	    "recorded_at, received_at, birth_date FROM crossings"), 0);
	assert_int_not_equal(pgt_exec(fx->conninfo, "INSERT INTO crossings "
	    "VALUES ('ALA01', 1, now(), now(), 'sideways', 1, 'O', 'admit', "
	    "'P', 'KAZ', 'N1', 'KAZ', 'A', '', '1990-01-01', 'M', "
	    "'2030-01-01')"), 0);

	/* A second run changes nothing and says so. */
	assert_int_equal(apply(fx->db, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "current"));
	assert_non_null(strstr(out, "nothing to do"));
	assert_null(strstr(out, "applied migration"));
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT count(*) FROM "
	    "schema_migrations", v, sizeof(v)), 0);
	assert_int_equal(num(v), (int)nmigrations);
}

static void
test_changed_migration_is_refused(void **state)
{
	struct fx	*fx = *state;
	char		 out[2048], why[512];

	assert_int_equal(apply(fx->db, out, sizeof(out)), 0);
	assert_int_equal(pgt_exec(fx->conninfo, "UPDATE schema_migrations "
	    "SET sha256 = repeat('0', 64) WHERE version = 1"), 0);
	assert_int_equal(migrate_check(fx->db, why, sizeof(why)),
	    ERR_CONFLICT);
	assert_non_null(strstr(why, "001_crossings"));
	assert_int_equal(apply(fx->db, out, sizeof(out)), ERR_CONFLICT);
	assert_non_null(strstr(out, "changed after it was applied"));
}

static void
test_unknown_version_is_refused(void **state)
{
	struct fx	*fx = *state;
	char		 out[2048], why[512];

	assert_int_equal(apply(fx->db, out, sizeof(out)), 0);
	assert_int_equal(pgt_exec(fx->conninfo, "INSERT INTO "
	    "schema_migrations (version, name, sha256) VALUES (999, "
	    "'999_future', repeat('a', 64))"), 0);
	assert_int_equal(migrate_check(fx->db, why, sizeof(why)),
	    ERR_VERSION);
	assert_non_null(strstr(why, "999"));
	assert_int_equal(apply(fx->db, out, sizeof(out)), ERR_VERSION);
	assert_non_null(strstr(out, "999_future"));
}

static void
test_unreachable_database(void **state)
{
	struct db	*db;
	char		 out[1024], why[512];

	(void)state;
	assert_non_null(db = db_new("host=/nonexistent-shekara port=1"));
	assert_int_equal(migrate_check(db, why, sizeof(why)), ERR_DB);
	assert_int_equal(apply(db, out, sizeof(out)), ERR_DB);
	db_free(db);
}

struct racer {
	const char	*conninfo;
	int		 rc;
	char		 out[2048];
};

static void *
race(void *arg)
{
	struct racer	*r = arg;
	struct db	*db = db_new(r->conninfo);
	FILE		*out = fmemopen(r->out, sizeof(r->out), "w");

	r->rc = db != NULL && out != NULL ? migrate_apply(db, out, out) : -1;
	if (out != NULL)
		fclose(out);
	db_free(db);
	return NULL;
}

static void
test_concurrent_migrators_apply_once(void **state)
{
	struct fx	*fx = *state;
	struct racer	 r[4];
	pthread_t	 t[4];
	char		 v[64];
	int		 i, applied = 0;

	for (i = 0; i < 4; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].conninfo = fx->conninfo;
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(r[i].rc, 0);
		if (strstr(r[i].out, "applied migration 001_crossings"))
			applied++;
	}
	assert_int_equal(applied, 1);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT count(*) FROM "
	    "schema_migrations", v, sizeof(v)), 0);
	assert_int_equal(num(v), (int)nmigrations);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_of_known_text),
		cmocka_unit_test(test_embedded_table_is_ordered),
		cmocka_unit_test(test_unreachable_database),
		cmocka_unit_test_setup_teardown(
		    test_empty_database_is_refused_for_serving, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_apply_then_current_then_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_changed_migration_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_version_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_concurrent_migrators_apply_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
