/* migrate.h - numbered schema migrations (central/migrations/NNN_name.sql,
 * embedded at build time) and their application, each in its own
 * transaction, recorded in the table schema_migrations. */
#ifndef SHEKARA_MIGRATE_H
#define SHEKARA_MIGRATE_H

struct migration {
	int		 version;	/* NNN of the file name */
	const char	*name;		/* file name without .sql */
	const char	*sql;
};

extern const struct migration	migrations[];
extern const unsigned		nmigrations;

#endif
