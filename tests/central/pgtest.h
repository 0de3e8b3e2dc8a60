/* pgtest.h - a real, throwaway PostgreSQL for the centre's unit tests.
 * pgt_start() uses $SHEKARA_TEST_PG (a conninfo) if set, else starts one
 * with scripts/pg.sh in a temporary directory (the tests run from the
 * repository root); pgt_newdb() makes an empty database per test so tests
 * do not see each other; pgt_newdb_migrated() one with the schema.
 * Included by one test file each: all static. */
#ifndef SHEKARA_PGTEST_H
#define SHEKARA_PGTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db.h"
#include "migrate.h"

static char	pgt_dir[64];
static char	pgt_conninfo[512];	/* the server's "shekara" database */
static int	pgt_ndb;

static int
pgt_run(const char *cmd, char *out, size_t outsz)
{
	FILE	*fp;
	size_t	 n = 0;

	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	if (out != NULL) {
		n = fread(out, 1, outsz - 1, fp);
		out[n] = '\0';
		out[strcspn(out, "\n")] = '\0';
	} else {
		char	buf[256];

		while (fread(buf, 1, sizeof(buf), fp) > 0)
			;
	}
	return pclose(fp) == 0 ? 0 : -1;
}

static int
pgt_start(void)
{
	const char	*env = getenv("SHEKARA_TEST_PG");
	char		 cmd[256];

	if (env != NULL && env[0] != '\0') {
		(void)snprintf(pgt_conninfo, sizeof(pgt_conninfo), "%s", env);
		return 0;
	}
	(void)snprintf(pgt_dir, sizeof(pgt_dir), "/tmp/shekara-pgt.XXXXXX");
	if (mkdtemp(pgt_dir) == NULL || chmod(pgt_dir, 0755) != 0)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "bash scripts/pg.sh start %s/pg %d",
	    pgt_dir, 30000 + (int)(getpid() % 20000));
	if (pgt_run(cmd, pgt_conninfo, sizeof(pgt_conninfo)) != 0 ||
	    pgt_conninfo[0] == '\0') {
		fprintf(stderr, "pgtest: cannot start PostgreSQL (%s)\n", cmd);
		return -1;
	}
	return 0;
}

static void
pgt_stop(void)
{
	char	cmd[256];

	if (pgt_dir[0] == '\0')
		return;
	(void)snprintf(cmd, sizeof(cmd), "bash scripts/pg.sh stop %s/pg; "
	    "rm -rf %s", pgt_dir, pgt_dir);
	(void)pgt_run(cmd, NULL, 0);
}

/* Runs sql on conninfo; 0 if it succeeded. */
static int
pgt_exec(const char *conninfo, const char *sql)
{
	PGconn		*c = PQconnectdb(conninfo);
	PGresult	*r;
	int		 ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgtest: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* The first value of a one-row query as text into buf; 0 if it worked. */
static int
pgt_query1(const char *conninfo, const char *sql, char *buf, size_t bufsz)
{
	PGconn		*c = PQconnectdb(conninfo);
	PGresult	*r;
	int		 ok;

	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok)
		(void)snprintf(buf, bufsz, "%s", PQgetvalue(r, 0, 0));
	else
		fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* A new empty database; its conninfo in out. */
static int
pgt_newdb(char *out, size_t outsz)
{
	char	sql[128], name[64];

	(void)snprintf(name, sizeof(name), "t%ld_%d", (long)getpid(),
	    ++pgt_ndb);
	(void)snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	if (pgt_exec(pgt_conninfo, sql) != 0)
		return -1;
	/* Later keywords win: dbname replaces the server's default. */
	(void)snprintf(out, outsz, "%s dbname=%s", pgt_conninfo, name);
	return 0;
}

/* pgt_newdb() with every migration applied (the migrator's report
 * discarded); 0 or -1. The includer includes db.h and migrate.h. */
static inline int
pgt_newdb_migrated(char *out, size_t outsz)
{
	struct db	*db;
	FILE		*devnull;
	int		 rc;

	if (pgt_newdb(out, outsz) != 0 || (db = db_new(out)) == NULL)
		return -1;
	if ((devnull = fopen("/dev/null", "w")) == NULL) {
		db_free(db);
		return -1;
	}
	rc = migrate_apply(db, devnull, stderr);
	fclose(devnull);
	db_free(db);
	return rc == 0 ? 0 : -1;
}

#endif
