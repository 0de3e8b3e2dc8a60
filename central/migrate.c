/* migrate.c - apply and check the embedded schema migrations; see
 * migrate.h. Each migration runs in its own transaction with its ledger
 * row, under an advisory lock, so a crash or a concurrent migrator never
 * leaves a half-applied or twice-applied version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "db.h"
#include "err.h"
#include "migrate.h"
#include "pgutil.h"

/* pg_advisory_xact_lock key of the migrators: "SHEKARA\x01". */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_xact_lock(6001122692991959297)"

int
migrate_sha256(const char *sql, char hex[65])
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (!EVP_Digest(sql, strlen(sql), md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return ERR_NOMEM;
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[64] = '\0';
	return 0;
}

int
migrate_latest(void)
{
	return nmigrations > 0 ? migrations[nmigrations - 1].version : 0;
}

/* The binary's own table must be strictly increasing: a build problem. */
static int
migrate_self_check(char *why, size_t whysz)
{
	unsigned	i;

	for (i = 0; i < nmigrations; i++) {
		if (migrations[i].version <= 0 || (i > 0 &&
		    migrations[i].version <= migrations[i - 1].version)) {
			(void)snprintf(why, whysz, "this binary's migrations "
			    "are out of order or duplicated at %s",
			    migrations[i].name);
			return ERR_INVAL;
		}
	}
	return 0;
}

static const struct migration *
migrate_find(long version)
{
	unsigned	i;

	for (i = 0; i < nmigrations; i++)
		if (migrations[i].version == version)
			return &migrations[i];
	return NULL;
}

static void
migrate_pgerr(PGconn *c, const PGresult *r, const char *what, char *why,
    size_t whysz)
{
	char	m[256];

	pgu_error(c, r, m, sizeof(m));
	/* Truncation is fine: a message. */
	(void)snprintf(why, whysz, "%s: %s", what, m);
}

/*
 * The recorded migrations (version, name, sha256, applied_at), or *out
 * NULL when the ledger does not exist yet (an empty database).
 */
static int
migrate_recorded(PGconn *c, PGresult **out, char *why, size_t whysz)
{
	PGresult	*r;
	int		 exists;

	r = PQexec(c, "SELECT to_regclass('schema_migrations') IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		migrate_pgerr(c, r, "cannot look for schema_migrations", why,
		    whysz);
		PQclear(r);
		return ERR_DB;
	}
	exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!exists) {
		*out = NULL;
		return 0;
	}
	r = PQexec(c, "SELECT version, name, sha256,"
	    " to_char(applied_at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	    " FROM schema_migrations ORDER BY version");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 4) {
		migrate_pgerr(c, r, "cannot read schema_migrations", why,
		    whysz);
		PQclear(r);
		return ERR_DB;
	}
	*out = r;
	return 0;
}

static int
migrate_row_version(const PGresult *r, int row, long *out)
{
	const char	*s = PQgetvalue(r, row, 0);
	char		*end;
	long		 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0)
		return ERR_PARSE;
	*out = v;
	return 0;
}

/*
 * Every recorded version must be one this binary carries, with the same
 * SHA-256. *current gets the highest recorded version (0 for none).
 */
static int
migrate_validate(const PGresult *rec, long *current, char *why,
    size_t whysz)
{
	const struct migration	*m;
	char			 hex[65];
	long			 v;
	int			 i, rc;

	*current = 0;
	for (i = 0; rec != NULL && i < PQntuples(rec); i++) {
		if (migrate_row_version(rec, i, &v) != 0) {
			(void)snprintf(why, whysz, "schema_migrations holds "
			    "a bad version \"%.20s\"", PQgetvalue(rec, i, 0));
			return ERR_VERSION;
		}
		if ((m = migrate_find(v)) == NULL) {
			(void)snprintf(why, whysz, "the database records "
			    "migration %ld (%.64s), which this centrald does "
			    "not know (latest %d): was it migrated by a newer "
			    "centrald?", v, PQgetvalue(rec, i, 1),
			    migrate_latest());
			return ERR_VERSION;
		}
		if ((rc = migrate_sha256(m->sql, hex)) != 0) {
			(void)snprintf(why, whysz, "cannot hash %s", m->name);
			return rc;
		}
		if (strcmp(hex, PQgetvalue(rec, i, 2)) != 0) {
			(void)snprintf(why, whysz, "migration %s was applied "
			    "with SHA-256 %.64s but this centrald carries "
			    "%s: the migration was changed after it was "
			    "applied", m->name, PQgetvalue(rec, i, 2), hex);
			return ERR_CONFLICT;
		}
		if (v > *current)
			*current = v;
	}
	return 0;
}

static int
migrate_is_recorded(const PGresult *rec, int version)
{
	long	v;
	int	i;

	for (i = 0; rec != NULL && i < PQntuples(rec); i++)
		if (migrate_row_version(rec, i, &v) == 0 && v == version)
			return 1;
	return 0;
}

static int
migrate_exec(PGconn *c, const char *sql, ExecStatusType want,
    const char *what, char *why, size_t whysz)
{
	PGresult	*r = PQexec(c, sql);

	if (PQresultStatus(r) != want) {
		migrate_pgerr(c, r, what, why, whysz);
		PQclear(r);
		return ERR_DB;
	}
	PQclear(r);
	return 0;
}

/*
 * One migration in one transaction: lock, re-read the ledger (another
 * migrator may have gone first), validate it, apply and record. *applied
 * says whether this call changed the schema.
 */
static int
migrate_one(PGconn *c, const struct migration *m, int *applied, char *why,
    size_t whysz)
{
	const char	*params[3];
	char		 hex[65], ver[16];
	PGresult	*rec = NULL, *r;
	long		 current;
	int		 rc;

	*applied = 0;
	if ((rc = migrate_sha256(m->sql, hex)) != 0)
		return rc;
	(void)snprintf(ver, sizeof(ver), "%d", m->version);
	if ((rc = migrate_exec(c, "BEGIN", PGRES_COMMAND_OK, "BEGIN", why,
	    whysz)) != 0)
		return rc;
	if ((rc = migrate_exec(c, MIGRATE_LOCK_SQL, PGRES_TUPLES_OK,
	    "cannot take the migration lock", why, whysz)) != 0)
		goto fail;
	if ((rc = migrate_recorded(c, &rec, why, whysz)) != 0)
		goto fail;
	if ((rc = migrate_validate(rec, &current, why, whysz)) != 0)
		goto fail;
	if (migrate_is_recorded(rec, m->version)) {
		PQclear(rec);
		return migrate_exec(c, "COMMIT", PGRES_COMMAND_OK, "COMMIT",
		    why, whysz);
	}
	PQclear(rec);
	rec = NULL;
	r = PQexec(c, m->sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		char	what[128];

		(void)snprintf(what, sizeof(what), "migration %s failed",
		    m->name);
		migrate_pgerr(c, r, what, why, whysz);
		PQclear(r);
		rc = ERR_DB;
		goto fail;
	}
	PQclear(r);
	params[0] = ver;
	params[1] = m->name;
	params[2] = hex;
	r = PQexecParams(c, "INSERT INTO schema_migrations (version, name, "
	    "sha256) VALUES ($1::integer, $2::text, $3::text)", 3, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		migrate_pgerr(c, r, "cannot record the migration", why,
		    whysz);
		PQclear(r);
		rc = ERR_DB;
		goto fail;
	}
	PQclear(r);
	if ((rc = migrate_exec(c, "COMMIT", PGRES_COMMAND_OK, "COMMIT", why,
	    whysz)) != 0)
		return rc;
	*applied = 1;
	return 0;
fail:
	PQclear(rec);
	/* If even the rollback fails the connection is gone, and with it
	 * the transaction. */
	r = PQexec(c, "ROLLBACK");
	PQclear(r);
	return rc;
}

int
migrate_apply(struct db *db, FILE *out, FILE *errfp)
{
	char		 why[512];
	unsigned	 i;
	int		 rc, applied, napplied = 0;

	if ((rc = migrate_self_check(why, sizeof(why))) != 0) {
		fprintf(errfp, "migrate: %s\n", why);
		return rc;
	}
	if (db_connect(db) != 0) {
		fprintf(errfp, "migrate: cannot connect to the database\n");
		return ERR_DB;
	}
	for (i = 0; i < nmigrations; i++) {
		rc = migrate_one(db_pgconn(db), &migrations[i], &applied, why,
		    sizeof(why));
		if (rc != 0) {
			fprintf(errfp, "migrate: %s\n", why);
			if (napplied > 0)
				fprintf(errfp, "migrate: %d migration(s) were "
				    "applied before this one\n", napplied);
			return rc;
		}
		if (applied) {
			fprintf(out, "applied migration %s\n",
			    migrations[i].name);
			napplied++;
		}
	}
	if (napplied == 0)
		fprintf(out, "schema is current (version %d); nothing to do\n",
		    migrate_latest());
	else
		fprintf(out, "schema is current (version %d); applied %d "
		    "migration(s)\n", migrate_latest(), napplied);
	return 0;
}

int
migrate_check(struct db *db, char *why, size_t whysz)
{
	PGresult	*rec = NULL;
	long		 current;
	unsigned	 i;
	int		 rc;

	if ((rc = migrate_self_check(why, whysz)) != 0)
		return rc;
	if (db_connect(db) != 0) {
		(void)snprintf(why, whysz, "cannot connect to the database");
		return ERR_DB;
	}
	if ((rc = migrate_recorded(db_pgconn(db), &rec, why, whysz)) != 0)
		return rc;
	if ((rc = migrate_validate(rec, &current, why, whysz)) != 0) {
		PQclear(rec);
		return rc;
	}
	for (i = 0; i < nmigrations; i++) {
		if (!migrate_is_recorded(rec, migrations[i].version)) {
			(void)snprintf(why, whysz, "the database schema is at "
			    "version %ld, this centrald needs version %d "
			    "(%s is missing): run centrald migrate", current,
			    migrate_latest(), migrations[i].name);
			PQclear(rec);
			return ERR_VERSION;
		}
	}
	PQclear(rec);
	return 0;
}

int
migrate_status(struct db *db, FILE *out)
{
	PGresult	*rec = NULL;
	char		 why[512], hex[65];
	long		 v;
	unsigned	 i;
	int		 rc, row;

	if ((rc = migrate_self_check(why, sizeof(why))) != 0) {
		fprintf(out, "%s\n", why);
		return rc;
	}
	if (db_connect(db) != 0) {
		fprintf(out, "cannot connect to the database\n");
		return ERR_DB;
	}
	if ((rc = migrate_recorded(db_pgconn(db), &rec, why,
	    sizeof(why))) != 0) {
		fprintf(out, "%s\n", why);
		return rc;
	}
	fprintf(out, "%-8s %-32s %-10s %s\n", "version", "name", "state",
	    "applied_at");
	for (i = 0; i < nmigrations; i++) {
		const struct migration	*m = &migrations[i];
		const char		*state = "pending", *at = "";

		for (row = 0; rec != NULL && row < PQntuples(rec); row++) {
			if (migrate_row_version(rec, row, &v) != 0 ||
			    v != m->version)
				continue;
			at = PQgetvalue(rec, row, 3);
			state = "applied";
			if (migrate_sha256(m->sql, hex) != 0 ||
			    strcmp(hex, PQgetvalue(rec, row, 2)) != 0)
				state = "CHANGED";
		}
		fprintf(out, "%-8d %-32s %-10s %s\n", m->version, m->name,
		    state, at);
	}
	for (row = 0; rec != NULL && row < PQntuples(rec); row++) {
		if (migrate_row_version(rec, row, &v) == 0 &&
		    migrate_find(v) != NULL)
			continue;
		fprintf(out, "%-8.8s %-32.64s %-10s %s\n",
		    PQgetvalue(rec, row, 0), PQgetvalue(rec, row, 1),
		    "UNKNOWN", PQgetvalue(rec, row, 3));
	}
	PQclear(rec);
	rc = migrate_check(db, why, sizeof(why));
	fprintf(out, "%s\n", rc == 0 ? "schema is current" : why);
	return rc;
}
