/* migrate.h - numbered schema migrations (central/migrations/NNN_name.sql,
 * embedded at build time) and their application, each in its own
 * transaction, recorded in the table schema_migrations. */
#ifndef SHEKARA_MIGRATE_H
#define SHEKARA_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

struct migration {
	int		 version;	/* NNN of the file name */
	const char	*name;		/* file name without .sql */
	const char	*sql;
};

extern const struct migration	migrations[];
extern const unsigned		nmigrations;

struct db;

/* The highest version this binary carries (0 if none). */
int	migrate_latest(void);

/*
 * Applies, in order, every embedded migration the database has not
 * recorded, each in its own transaction together with its schema_migrations
 * row, under a transaction-level advisory lock (concurrent migrators wait
 * for each other). Progress goes to out, problems to errfp, one line each.
 * 0 (the schema is current), ERR_VERSION (the database records a version
 * this binary does not know), ERR_CONFLICT (a recorded SHA-256 differs from
 * the embedded SQL), ERR_INVAL (the binary's own table is out of order) or
 * ERR_DB.
 */
int	migrate_apply(struct db *db, FILE *out, FILE *errfp);

/*
 * 0 if the database is exactly at this binary's latest version with
 * matching SHA-256s; otherwise ERR_VERSION, ERR_CONFLICT or ERR_DB with a
 * sentence for the operator in why (e.g. "... run centrald migrate").
 */
int	migrate_check(struct db *db, char *why, size_t whysz);

/* Lists every migration known to the binary or recorded in the database
 * with its state. 0 if the schema is current, else as migrate_check(). */
int	migrate_status(struct db *db, FILE *out);

/* Lowercase hex SHA-256 of a migration's SQL text. */
int	migrate_sha256(const char *sql, char hex[65]);

#endif
