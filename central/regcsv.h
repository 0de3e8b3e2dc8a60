/* regcsv.h - registry records from outside, for centralctl (cctl_admin.c)
 * and the people's API (adminapi.c) alike: the fields of each record kind
 * that is put and imported (document and person alerts, permits,
 * registrations) with their rules, one value checked into a record, CSV
 * files of records (every row checked first, nothing written; then every
 * row through creg.h in the caller's transaction), and a post's client
 * certificate (PEM) read for enrolment. docs/admin.md is the reference. */
#ifndef SHEKARA_REGCSV_H
#define SHEKARA_REGCSV_H

#include <stddef.h>

#include <libpq-fe.h>

#include "creg.h"
#include "feed.h"
#include "proto.h"

#define REGCSV_FILE_MAX	(256u * 1024 * 1024)	/* bytes of a CSV file */
#define REGCSV_ERRS_MAX	10	/* problems kept (and reported) at most */
#define REGCSV_MSG_MAX	256
#define REGCSV_SHOW_MAX	48	/* bytes of a bad value quoted back */

/* One record of an importable kind, as the fields fill it. */
struct regcsv_rec {
	char	id[FEED_ID_MAX + 1];
	union {
		struct feed_document_alert	da;
		struct feed_person_alert	pa;
		struct feed_permit		pm;
		struct creg_registration	rg;
	} u;
};

enum regcsv_type {
	REGCSV_ID,	/* [A-Za-z0-9._:-]{1,64} */
	REGCSV_STATE,	/* [A-Z]{1,3} */
	REGCSV_STATE0,	/* [A-Z]{0,3} */
	REGCSV_DOCNUM,	/* [A-Z0-9]{1,24} */
	REGCSV_TEXT,	/* UTF-8, no controls, not blank */
	REGCSV_DATE,	/* YYYY-MM-DD, 1900..2199 */
	REGCSV_PDATE,	/* YYYY, YYYY-MM or YYYY-MM-DD */
	REGCSV_INT,	/* min..max */
	REGCSV_REASON,	/* enum feed_reason */
	REGCSV_AKIND,	/* enum feed_alert_kind */
	REGCSV_PKIND	/* enum policy_permit_kind */
};

/* A field: a CSV column, a centralctl option (--name, '_' written '-')
 * and a member of the API's JSON (jpath: "holder.number"). */
struct regcsv_field {
	const char		*name;
	const char		*alias;		/* another option, or NULL */
	const char		*jpath;
	enum regcsv_type	 type;
	int			 required;	/* must be given, not empty */
	size_t			 off;		/* in struct regcsv_rec */
	size_t			 size;		/* of a string's buffer */
	long			 min, max;	/* REGCSV_INT */
	int			 nullable;	/* REGCSV_INT: empty is
						 * FEED_NULL, else 0 */
	const char		*help;
};

/* A kind of record that is put, removed, listed and imported. fields[0]
 * is always the id. */
struct regcsv_kind {
	const char			*cmd;	/* "alert document" */
	enum creg_kind			 ckind;
	const struct regcsv_field	*fields;
	size_t				 nfields;
	const char			*example;	/* put's options */
};

/* CREG_DOCUMENT_ALERT, _PERSON_ALERT, _PERMIT, _REGISTRATION; NULL for
 * another kind. */
const struct regcsv_kind	*regcsv_kind_get(enum creg_kind kind);
/* The field named name (a CSV column), or NULL. */
const struct regcsv_field	*regcsv_field_find(const struct regcsv_kind *k,
				    const char *name);

/* Every optional field at its default, required ones empty. */
void	regcsv_rec_init(const struct regcsv_kind *k, struct regcsv_rec *r);
/*
 * Sets field f of r from v[0..len) (v[len] must be NUL); an empty value
 * is the default of an optional field, "is required" for another. 0, or
 * ERR_INVAL with msg (msgsz bytes) saying what is wrong with the value,
 * without the field's name.
 */
int	regcsv_set(const struct regcsv_field *f, struct regcsv_rec *r,
	    const char *v, size_t len, char *msg, size_t msgsz);
/*
 * What no single field shows: a period that ends before it begins, the
 * feed's own rules. 0, or ERR_INVAL with *col (a field's name) and msg.
 */
int	regcsv_rec_check(const struct regcsv_kind *k,
	    const struct regcsv_rec *r, const char **col, char *msg,
	    size_t msgsz);
/* Stores r through the registry, in conn's open transaction: creg's
 * return and *changed, *pe. */
int	regcsv_put(PGconn *conn, const char *actor,
	    const struct regcsv_kind *k, const struct regcsv_rec *r,
	    int *changed, struct proto_error *pe);

/* NULL if s[0..len) is valid UTF-8 without control characters and not
 * only spaces; else what is wrong ("is not UTF-8"). */
const char	*regcsv_text_problem(const char *s, size_t len);
/* The column a registry or feed error field names ("data.holder.number"
 * gives "number"): its last component. */
const char	*regcsv_column_of(const char *field);

/*
 * CSV imports. A problem is where (the physical line the row starts on)
 * and what: a row's field (field set), the header (header: field is the
 * column, if one), or the CSV syntax (syntax: msg is csvin's whole
 * message, "line 7, field \"number\": unterminated quote").
 */
struct regcsv_problem {
	unsigned long	line;
	int		header;
	int		syntax;
	char		field[64];
	char		msg[REGCSV_MSG_MAX];
};

struct regcsv_report {
	struct regcsv_problem	problems[REGCSV_ERRS_MAX + 1];
	size_t			nproblems;	/* kept */
	long			nbad;		/* bad rows (or the header) */
	int			unreadable;	/* the header is wrong: no row
						 * was checked */
	unsigned long		nrows;		/* rows read */
	unsigned long		unchanged;	/* rows stored as they were
						 * (regcsv_import_apply()) */
};

/*
 * Pass 1: buf[0..len) (UTF-8 CSV with a header line naming the columns,
 * in any order; changed_at and changed_by ignored) read row by row, each
 * checked as a put would, and no id twice; nothing is written. 0 (every
 * row fine, rep->nrows set), ERR_INVAL (rep holds the problems, at most
 * REGCSV_ERRS_MAX of them and any syntax error, and rep->nbad counts
 * them all), ERR_NOMEM.
 */
int	regcsv_import_check(const struct regcsv_kind *k, const char *buf,
	    size_t len, struct regcsv_report *rep);
/*
 * Pass 2, after a successful pass 1 of the same buffer: every row through
 * regcsv_put() in conn's open transaction (the caller begins, commits or
 * rolls back). 0 with rep->nrows and rep->unchanged; else the first
 * failing row's code with *pe and rep->problems[0].line set (the caller
 * rolls back).
 */
int	regcsv_import_apply(PGconn *conn, const char *actor,
	    const struct regcsv_kind *k, const char *buf, size_t len,
	    struct regcsv_report *rep, struct proto_error *pe);

/*
 * A post's client certificate, pem[0..len) (the first certificate of a
 * PEM text): its subject CN (exactly one; 1..CREG_CN_MAX bytes) into cn
 * and the SHA-256 of its DER as lowercase hex into hex. With ca_file (not
 * NULL or "": tls.client_ca_file) it must verify as a client certificate
 * of that CA. 0; ERR_PARSE (not a PEM certificate, no single CN),
 * ERR_AUTH (does not verify), ERR_IO (the CA file cannot be loaded),
 * ERR_NOMEM; msg says which.
 */
int	regcsv_cert_read(const char *pem, size_t len, const char *ca_file,
	    char cn[CREG_CN_MAX + 1], char hex[CREG_SHA256_HEX + 1],
	    char *msg, size_t msgsz);

#endif
