/* cctl_admin.c - centralctl's administration commands: document and person
 * alerts, permits and registrations (one by one from options, or in bulk
 * from CSV: every row checked first, then one transaction), officers (PINs
 * read from stdin or a file, hashed with pinhash), the stay policy and the
 * posts' certificates. Every change goes through the registry (creg.h),
 * which records it with its actor in the changes table. docs/admin.md is
 * the reference. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cctl.h"
#include "creg.h"
#include "csvin.h"
#include "date.h"
#include "db.h"
#include "err.h"
#include "feed.h"
#include "pinhash.h"
#include "policy.h"
#include "postauth.h"
#include "proto.h"

#define ADM_FILE_MAX	(256u * 1024 * 1024)	/* bytes of an import file */
#define ADM_ERRS_MAX	10	/* bad rows reported before "and N more" */
#define ADM_MSG_MAX	256
#define ADM_SHOW_MAX	48	/* bytes of a bad value quoted back */
#define ADM_TABLE_ROWS	1000	/* rows per aligned block of a table */
#define ADM_PIN_LINE	256

/* One record of an importable kind, as the fields fill it. */
struct adm_rec {
	char	id[FEED_ID_MAX + 1];
	union {
		struct feed_document_alert	da;
		struct feed_person_alert	pa;
		struct feed_permit		pm;
		struct creg_registration	rg;
	} u;
};

enum adm_type {
	T_ID,		/* [A-Za-z0-9._:-]{1,64} */
	T_STATE,	/* [A-Z]{1,3} */
	T_STATE0,	/* [A-Z]{0,3} */
	T_DOCNUM,	/* [A-Z0-9]{1,24} */
	T_TEXT,		/* UTF-8, no controls, not blank */
	T_DATE,		/* YYYY-MM-DD, 1900..2199 */
	T_PDATE,	/* YYYY, YYYY-MM or YYYY-MM-DD */
	T_INT,
	T_REASON,	/* enum feed_reason */
	T_AKIND,	/* enum feed_alert_kind */
	T_PKIND		/* enum policy_permit_kind */
};

/* A field: a CSV column and an option (--name, '_' written '-'). */
struct adm_field {
	const char	*name;
	const char	*alias;		/* another option name, or NULL */
	enum adm_type	 type;
	int		 required;	/* must be given, not empty */
	size_t		 off;		/* in struct adm_rec */
	size_t		 size;		/* of a string's buffer */
	long		 min, max;	/* T_INT */
	int		 nullable;	/* T_INT: empty is FEED_NULL, else 0 */
	const char	*help;
};

#define R(m)	offsetof(struct adm_rec, m), sizeof(((struct adm_rec *)0)->m)
#define E(m)	offsetof(struct adm_rec, m), 0

static const struct adm_field adm_da_fields[] = {
	{ "id", NULL, T_ID, 1, R(id), 0, 0, 0, "the alert's id" },
	{ "issuing_state", "state", T_STATE, 1, R(u.da.issuing_state), 0, 0,
	    0, "the document's issuing state (KAZ)" },
	{ "number", NULL, T_DOCNUM, 1, R(u.da.number), 0, 0, 0,
	    "the document number" },
	{ "reason", NULL, T_REASON, 1, E(u.da.reason), 0, 0, 0,
	    "lost, stolen, invalidated or revoked" },
	{ "since", NULL, T_DATE, 1, R(u.da.since), 0, 0, 0,
	    "reported on (YYYY-MM-DD)" },
};

static const struct adm_field adm_pa_fields[] = {
	{ "id", NULL, T_ID, 1, R(id), 0, 0, 0, "the alert's id" },
	{ "kind", NULL, T_AKIND, 1, E(u.pa.kind), 0, 0, 0,
	    "entry_ban, exit_ban or wanted" },
	{ "surname", NULL, T_TEXT, 1, R(u.pa.surname), 0, 0, 0,
	    "as typed, any alphabet" },
	{ "given_names", NULL, T_TEXT, 0, R(u.pa.given_names), 0, 0, 0,
	    "as typed (default: none)" },
	{ "birth_date", NULL, T_PDATE, 1, R(u.pa.birth_date), 0, 0, 0,
	    "YYYY, YYYY-MM or YYYY-MM-DD: what is known" },
	{ "nationality", NULL, T_STATE0, 0, R(u.pa.nationality), 0, 0, 0,
	    "ICAO code (default: unknown)" },
	{ "until", NULL, T_DATE, 0, R(u.pa.until), 0, 0, 0,
	    "last day of an entry ban (default: no end)" },
	{ "severity", NULL, T_INT, 1, E(u.pa.severity), 1, FEED_SEVERITY_MAX,
	    0, "1..5" },
	{ "source", NULL, T_TEXT, 1, R(u.pa.source), 0, 0, 0,
	    "who asked for the alert" },
};

static const struct adm_field adm_pm_fields[] = {
	{ "id", NULL, T_ID, 1, R(id), 0, 0, 0, "the permit's id" },
	{ "kind", NULL, T_PKIND, 1, E(u.pm.kind), 0, 0, 0,
	    "visa, work_permit, residence_permit, refugee, asylum or "
	    "repatriate" },
	{ "issuing_state", "state", T_STATE, 1,
	    R(u.pm.holder.issuing_state), 0, 0, 0,
	    "the holder's document's issuing state" },
	{ "number", NULL, T_DOCNUM, 1, R(u.pm.holder.number), 0, 0, 0,
	    "the holder's document number" },
	{ "nationality", NULL, T_STATE, 1, R(u.pm.holder.nationality), 0, 0,
	    0, "the holder's nationality" },
	{ "surname", NULL, T_TEXT, 1, R(u.pm.holder.surname), 0, 0, 0,
	    "the holder's surname" },
	{ "given_names", NULL, T_TEXT, 0, R(u.pm.holder.given_names), 0, 0,
	    0, "the holder's given names (default: none)" },
	{ "birth_date", NULL, T_DATE, 1, R(u.pm.holder.birth_date), 0, 0, 0,
	    "the holder's birth date" },
	{ "valid_from", NULL, T_DATE, 1, R(u.pm.valid_from), 0, 0, 0,
	    "first valid day" },
	{ "valid_until", NULL, T_DATE, 1, R(u.pm.valid_until), 0, 0, 0,
	    "last valid day" },
	{ "entries", NULL, T_INT, 0, E(u.pm.entries), 1, FEED_COUNT_MAX, 1,
	    "entries allowed, 1..65535 (default: multiple)" },
	{ "entries_used", NULL, T_INT, 0, E(u.pm.entries_used), 0,
	    FEED_COUNT_MAX, 0, "entries used so far (default 0)" },
	{ "stay_days", NULL, T_INT, 0, E(u.pm.stay_days), 1, 3660, 1,
	    "days of stay per entry, 1..3660 (default: none)" },
	{ "employer", NULL, T_TEXT, 0, R(u.pm.employer), 0, 0, 0,
	    "work permits (default: none)" },
	{ "region", NULL, T_TEXT, 0, R(u.pm.region), 0, 0, 0,
	    "where it is valid (default: none)" },
};

static const struct adm_field adm_rg_fields[] = {
	{ "id", NULL, T_ID, 1, R(id), 0, 0, 0, "the registration's id" },
	{ "issuing_state", "state", T_STATE, 1, R(u.rg.issuing_state), 0, 0,
	    0, "the foreigner's document's issuing state" },
	{ "number", NULL, T_DOCNUM, 1, R(u.rg.number), 0, 0, 0,
	    "the foreigner's document number" },
	{ "region", NULL, T_TEXT, 1, R(u.rg.region), 0, 0, 0,
	    "region of residence" },
	{ "address", NULL, T_TEXT, 1, R(u.rg.address), 0, 0, 0,
	    "address (at most 256 bytes)" },
	{ "host", NULL, T_TEXT, 1, R(u.rg.host), 0, 0, 0,
	    "the host: a person or an organisation" },
	{ "valid_from", NULL, T_DATE, 1, R(u.rg.valid_from), 0, 0, 0,
	    "first day" },
	{ "valid_until", NULL, T_DATE, 1, R(u.rg.valid_until), 0, 0, 0,
	    "last day" },
};

#undef R
#undef E

/* A kind of record the CLI puts, removes, lists and imports. */
struct adm_kind {
	const char		*cmd;		/* "alert document" */
	enum creg_kind		 ckind;
	const struct adm_field	*fields;
	size_t			 nfields;
	const char		*example;	/* put's options, for help */
};

#define NF(a)	(sizeof(a) / sizeof((a)[0]))

static const struct adm_kind adm_kinds[] = {
	{ "alert document", CREG_DOCUMENT_ALERT, adm_da_fields,
	    NF(adm_da_fields), "da-1 --state KAZ --number N1234567 "
	    "--reason stolen --since 2026-01-02" },
	{ "alert person", CREG_PERSON_ALERT, adm_pa_fields, NF(adm_pa_fields),
	    "pa-1 --kind entry_ban --surname 'Иванов' --birth-date 1980 "
	    "--severity 4 --source 'court 12/2026' --until 2030-01-01" },
	{ "permit", CREG_PERMIT, adm_pm_fields, NF(adm_pm_fields),
	    "wp-1 --kind work_permit --state UZB --number AB1234567 "
	    "--nationality UZB --surname KARIMOV --birth-date 1990-04-05 "
	    "--valid-from 2026-01-01 --valid-until 2026-12-31 "
	    "--employer 'Astana Build LLP'" },
	{ "registration", CREG_REGISTRATION, adm_rg_fields, NF(adm_rg_fields),
	    "rg-1 --state UZB --number AB1234567 --region Almaty "
	    "--address '12 Abay Ave, flat 4' --host 'A. Seitkali' "
	    "--valid-from 2026-01-01 --valid-until 2026-03-31" },
};

/* Output of a listing. */
enum adm_format { FMT_CSV, FMT_JSON, FMT_TABLE };

struct adm_out {
	enum adm_format	  fmt;
	const char *const *cols;
	size_t		  ncols;
	char		**rows;		/* table: buffered values */
	size_t		  nrows;
	int		  header_done;
};

/* ---- values ---- */

/* A value quoted back in a message: cut, control bytes as '?'. */
static void
adm_show(const char *v, size_t len, char *buf, size_t bufsz)
{
	size_t	n = 0, i;

	for (i = 0; i < len && n + 4 < bufsz && i < ADM_SHOW_MAX; i++)
		buf[n++] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' :
		    v[i];
	if (i < len && n + 4 < bufsz) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static int
adm_all_of(const char *s, size_t len, const char *set)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	return 1;
}

#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS	"0123456789"
#define LOWER	"abcdefghijklmnopqrstuvwxyz"

/*
 * Text: valid UTF-8, no control characters (C0, DEL, C1), not only
 * spaces. NULL if fine, else what is wrong.
 */
static const char *
adm_text_problem(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned long		 cp;
	int			 blank = 1;

	while (i < len) {
		if (p[i] < 0x80) {
			cp = p[i];
			n = 1;
		} else if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			cp = p[i] & 0x1f;
			n = 2;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			cp = p[i] & 0x0f;
			n = 3;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			cp = p[i] & 0x07;
			n = 4;
		} else
			return "is not UTF-8";
		if (n > len - i)
			return "is not UTF-8";
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return "is not UTF-8";
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return "is not UTF-8";
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return "contains a control character (a line break, "
			    "a tab?)";
		if (cp != ' ')
			blank = 0;
		i += n;
	}
	return blank ? "must not be blank" : NULL;
}

/* A date "YYYY-MM-DD" in the years the feed carries. */
static int
adm_date(const char *v, size_t len, char *msg, size_t msgsz)
{
	struct date	d;
	char		show[ADM_SHOW_MAX + 8];
	int		rc;

	adm_show(v, len, show, sizeof(show));
	if ((rc = date_parse_iso(&d, v, len)) == ERR_RANGE) {
		(void)snprintf(msg, msgsz, "%s is not a date", show);
		return -1;
	}
	if (rc != 0) {
		(void)snprintf(msg, msgsz, "%s is not a date (YYYY-MM-DD)",
		    show);
		return -1;
	}
	if (d.year < FEED_YEAR_MIN || d.year > FEED_YEAR_MAX) {
		(void)snprintf(msg, msgsz, "%s is outside the years %d-%d",
		    show, FEED_YEAR_MIN, FEED_YEAR_MAX);
		return -1;
	}
	return 0;
}

/* YYYY, YYYY-MM or YYYY-MM-DD. */
static int
adm_pdate(const char *v, size_t len, char *msg, size_t msgsz)
{
	char	show[ADM_SHOW_MAX + 8], full[16];
	int	ok;

	ok = (len == 4 || (len == 7 && v[4] == '-') || len == 10) &&
	    adm_all_of(v, 4, DIGITS);
	if (ok && len == 7)
		ok = adm_all_of(v + 5, 2, DIGITS);
	if (ok && len < 10) {
		/* The first day of what is known must exist. */
		(void)snprintf(full, sizeof(full), "%.4s-%.2s-01", v,
		    len == 7 ? v + 5 : "01");
		ok = adm_date(full, 10, msg, msgsz) == 0;
	} else if (ok)
		ok = adm_date(v, len, msg, msgsz) == 0;
	if (!ok) {
		adm_show(v, len, show, sizeof(show));
		(void)snprintf(msg, msgsz, "%s is not a date (YYYY, YYYY-MM "
		    "or YYYY-MM-DD)", show);
		return -1;
	}
	return 0;
}

static int
adm_enum(const char *v, const char *const *names, size_t n, int first,
    int *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = first + (int)i;
			return 0;
		}
	return -1;
}

static const char *const adm_reasons[] = { "lost", "stolen", "invalidated",
	"revoked" };
static const char *const adm_akinds[] = { "entry_ban", "exit_ban",
	"wanted" };
static const char *const adm_pkinds[] = { "visa", "work_permit",
	"residence_permit", "refugee", "asylum", "repatriate" };

/*
 * Sets field f of r from v[0..len) (NUL-terminated); an empty value is
 * the default of an optional field. 0, or -1 with msg.
 */
static int
adm_set(const struct adm_field *f, struct adm_rec *r, const char *v,
    size_t len, char *msg, size_t msgsz)
{
	char		 show[ADM_SHOW_MAX + 8], *end;
	char		*s = (char *)r + f->off;
	int		*ip = (int *)(void *)((char *)r + f->off);
	int32_t		*i32 = (int32_t *)(void *)((char *)r + f->off);
	const char	*why;
	long		 n;
	int		 e;

	adm_show(v, len, show, sizeof(show));
	if (len == 0) {
		if (f->required) {
			(void)snprintf(msg, msgsz, "is required");
			return -1;
		}
		if (f->type == T_INT)
			*i32 = f->nullable ? FEED_NULL : 0;
		else
			s[0] = '\0';
		return 0;
	}
	if (memchr(v, '\0', len) != NULL) {
		(void)snprintf(msg, msgsz, "contains a NUL byte");
		return -1;
	}
	switch (f->type) {
	case T_ID:
		if (!feed_check_id(v, len)) {
			(void)snprintf(msg, msgsz, "\"%s\" is not an id (1..64 "
			    "of A-Z, a-z, 0-9, '.', '_', ':', '-')", show);
			return -1;
		}
		break;
	case T_STATE:
	case T_STATE0:
		if (len > PROTO_STATE_MAX || !adm_all_of(v, len, UPPER)) {
			(void)snprintf(msg, msgsz, "\"%s\" is not a state code "
			    "(1..3 of A-Z, as in the MRZ)", show);
			return -1;
		}
		break;
	case T_DOCNUM:
		if (len > PROTO_DOCNUM_MAX ||
		    !adm_all_of(v, len, UPPER DIGITS)) {
			(void)snprintf(msg, msgsz, "\"%s\" is not a document "
			    "number (1..24 of A-Z, 0-9, as in the MRZ)", show);
			return -1;
		}
		break;
	case T_TEXT:
		if (len >= f->size) {
			(void)snprintf(msg, msgsz, "must be at most %zu bytes, "
			    "got %zu", f->size - 1, len);
			return -1;
		}
		if ((why = adm_text_problem(v, len)) != NULL) {
			(void)snprintf(msg, msgsz, "%s", why);
			return -1;
		}
		break;
	case T_DATE:
		if (adm_date(v, len, msg, msgsz) != 0)
			return -1;
		break;
	case T_PDATE:
		if (adm_pdate(v, len, msg, msgsz) != 0)
			return -1;
		break;
	case T_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || errno != 0 ||
		    end != v + len || n < f->min || n > f->max) {
			(void)snprintf(msg, msgsz, "\"%s\" is not a whole "
			    "number from %ld to %ld", show, f->min, f->max);
			return -1;
		}
		*i32 = (int32_t)n;
		return 0;
	case T_REASON:
		if (adm_enum(v, adm_reasons, NF(adm_reasons), FEED_LOST,
		    &e) != 0) {
			(void)snprintf(msg, msgsz, "\"%s\" is not lost, "
			    "stolen, invalidated or revoked", show);
			return -1;
		}
		*ip = e;
		return 0;
	case T_AKIND:
		if (adm_enum(v, adm_akinds, NF(adm_akinds), FEED_ENTRY_BAN,
		    &e) != 0) {
			(void)snprintf(msg, msgsz, "\"%s\" is not entry_ban, "
			    "exit_ban or wanted", show);
			return -1;
		}
		*ip = e;
		return 0;
	case T_PKIND:
		if (adm_enum(v, adm_pkinds, NF(adm_pkinds), POLICY_PERMIT_VISA,
		    &e) != 0) {
			(void)snprintf(msg, msgsz, "\"%s\" is not visa, "
			    "work_permit, residence_permit, refugee, asylum "
			    "or repatriate", show);
			return -1;
		}
		*ip = e;
		return 0;
	}
	if (len >= f->size) {		/* ids, codes, dates: bounded above */
		(void)snprintf(msg, msgsz, "is too long");
		return -1;
	}
	memcpy(s, v, len);
	s[len] = '\0';
	return 0;
}

/* Every optional field at its default; required ones empty. */
static void
adm_rec_init(const struct adm_kind *k, struct adm_rec *r)
{
	char	msg[ADM_MSG_MAX];
	size_t	i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < k->nfields; i++)
		if (!k->fields[i].required)
			(void)adm_set(&k->fields[i], r, "", 0, msg,
			    sizeof(msg));
}

/* The feed entry of a record of a feed kind. */
static void
adm_entry(const struct adm_kind *k, const struct adm_rec *r,
    struct feed_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->pos = 1;
	e->op = FEED_UPSERT;
	memcpy(e->id, r->id, sizeof(e->id));
	switch (k->ckind) {
	case CREG_DOCUMENT_ALERT:
		e->kind = FEED_DOCUMENT_ALERT;
		e->data.document_alert = r->u.da;
		break;
	case CREG_PERSON_ALERT:
		e->kind = FEED_PERSON_ALERT;
		e->data.person_alert = r->u.pa;
		break;
	default:
		e->kind = FEED_PERMIT;
		e->data.permit = r->u.pm;
		break;
	}
}

/* The column named by a registry or feed error field ("holder.number",
 * "data.since"): its last component. */
static const char *
adm_column_of(const char *field)
{
	const char	*dot = strrchr(field, '.');

	return dot != NULL ? dot + 1 : field;
}

/*
 * What no single field shows: the feed's own rules (feed_check_entry()),
 * a period that ends before it begins. 0, or -1 with *col and msg.
 */
static int
adm_rec_check(const struct adm_kind *k, const struct adm_rec *r,
    const char **col, char *msg, size_t msgsz)
{
	struct feed_entry	e;
	struct proto_error	pe;

	if (k->ckind == CREG_REGISTRATION) {
		if (strcmp(r->u.rg.valid_until, r->u.rg.valid_from) < 0) {
			*col = "valid_until";
			(void)snprintf(msg, msgsz, "%s is before valid_from %s",
			    r->u.rg.valid_until, r->u.rg.valid_from);
			return -1;
		}
		return 0;
	}
	if (k->ckind == CREG_PERMIT &&
	    strcmp(r->u.pm.valid_until, r->u.pm.valid_from) < 0) {
		*col = "valid_until";
		(void)snprintf(msg, msgsz, "%s is before valid_from %s",
		    r->u.pm.valid_until, r->u.pm.valid_from);
		return -1;
	}
	adm_entry(k, r, &e);
	memset(&pe, 0, sizeof(pe));
	if (!feed_check_entry(&e, &pe)) {
		*col = adm_column_of(pe.field);
		(void)snprintf(msg, msgsz, "%s", pe.message);
		return -1;
	}
	return 0;
}

/* Stores r through the registry, in conn's open transaction. */
static int
adm_put(PGconn *conn, const char *actor, const struct adm_kind *k,
    const struct adm_rec *r, int *changed, struct proto_error *pe)
{
	struct creg_registration	rg;

	switch (k->ckind) {
	case CREG_DOCUMENT_ALERT:
		return creg_document_alert_put(conn, actor, r->id, &r->u.da,
		    changed, pe);
	case CREG_PERSON_ALERT:
		return creg_person_alert_put(conn, actor, r->id, &r->u.pa,
		    changed, pe);
	case CREG_PERMIT:
		return creg_permit_put(conn, actor, r->id, &r->u.pm, changed,
		    pe);
	default:
		rg = r->u.rg;
		memcpy(rg.id, r->id, sizeof(rg.id));
		return creg_registration_put(conn, actor, &rg, changed, pe);
	}
}

/* ---- the database ---- */

/* The connection, or NULL after saying why. */
static PGconn *
adm_connect(const struct cctl_ctx *ctx, const char *cmd)
{
	if (db_connect(ctx->db) != 0) {
		fprintf(stderr, "centralctl %s: cannot connect to the "
		    "database; nothing changed\n", cmd);
		return NULL;
	}
	return db_pgconn(ctx->db);
}

/* After a failed change: roll back and say so; returns 1. */
static int
adm_failed(PGconn *conn, const char *cmd, int rc,
    const struct proto_error *pe, const char *what)
{
	(void)creg_rollback(conn);
	if (pe != NULL && pe->message[0] != '\0')
		fprintf(stderr, "centralctl %s: %s: %s%s%s; nothing changed\n",
		    cmd, what, pe->field[0] != '\0' ?
		    adm_column_of(pe->field) : "", pe->field[0] != '\0' ?
		    ": " : "", pe->message);
	else if (rc == ERR_DB)
		fprintf(stderr, "centralctl %s: %s: the database refused it "
		    "or is unreachable; nothing changed\n", cmd, what);
	else
		fprintf(stderr, "centralctl %s: %s: %s; nothing changed\n",
		    cmd, what, err_str(rc));
	return 1;
}

/* ---- listings ---- */

static void
adm_csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static size_t
adm_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
adm_table_flush(struct adm_out *o)
{
	size_t	*w, r, i, k;

	if (o->nrows == 0 && o->header_done)
		return;
	if ((w = calloc(o->ncols, sizeof(*w))) == NULL)
		return;
	for (i = 0; i < o->ncols; i++)
		w[i] = adm_width(o->cols[i]);
	for (r = 0; r < o->nrows; r++)
		for (i = 0; i < o->ncols; i++)
			if ((k = adm_width(o->rows[r * o->ncols + i])) > w[i])
				w[i] = k;
	for (r = 0; r <= o->nrows; r++) {
		if (r == 0 && o->header_done)
			continue;
		for (i = 0; i < o->ncols; i++) {
			const char	*v = r == 0 ? o->cols[i] :
					    o->rows[(r - 1) * o->ncols + i];

			fputs(v, stdout);
			if (i + 1 < o->ncols)
				for (k = adm_width(v); k < w[i] + 2; k++)
					putchar(' ');
		}
		putchar('\n');
	}
	free(w);
	o->header_done = 1;
	for (r = 0; r < o->nrows * o->ncols; r++)
		free(o->rows[r]);
	o->nrows = 0;
}

static int
adm_row(void *arg, size_t ncols, const char *const *vals)
{
	struct adm_out	*o = arg;
	json_t		*obj, *v;
	char		*line;
	size_t		 i;

	if (ncols != o->ncols)
		return ERR_INVAL;
	switch (o->fmt) {
	case FMT_CSV:
		if (!o->header_done) {
			for (i = 0; i < ncols; i++) {
				if (i > 0)
					putchar(',');
				adm_csv_field(o->cols[i]);
			}
			putchar('\n');
			o->header_done = 1;
		}
		for (i = 0; i < ncols; i++) {
			if (i > 0)
				putchar(',');
			adm_csv_field(vals[i]);
		}
		putchar('\n');
		break;
	case FMT_JSON:
		if ((obj = json_object()) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < ncols; i++) {
			if ((v = json_string(vals[i])) == NULL ||
			    json_object_set_new(obj, o->cols[i], v) != 0) {
				json_decref(obj);
				return ERR_NOMEM;
			}
		}
		line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(obj);
		if (line == NULL)
			return ERR_NOMEM;
		printf("%s\n", line);
		free(line);
		break;
	case FMT_TABLE:
		if (o->rows == NULL && (o->rows = calloc((size_t)ADM_TABLE_ROWS *
		    ncols, sizeof(*o->rows))) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < ncols; i++)
			if ((o->rows[o->nrows * ncols + i] =
			    strdup(vals[i])) == NULL) {
				while (i-- > 0)
					free(o->rows[o->nrows * ncols + i]);
				return ERR_NOMEM;
			}
		if (++o->nrows == ADM_TABLE_ROWS)
			adm_table_flush(o);
		break;
	}
	return ferror(stdout) ? ERR_IO : 0;
}

static int
adm_format_parse(const char *cmd, const char *fmt, enum adm_format *out)
{
	if (fmt == NULL)
		*out = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
	else if (strcmp(fmt, "csv") == 0)
		*out = FMT_CSV;
	else if (strcmp(fmt, "json") == 0)
		*out = FMT_JSON;
	else if (strcmp(fmt, "table") == 0)
		*out = FMT_TABLE;
	else
		cctl_bad_usage(cmd, "--format: \"%s\" is not csv, json or "
		    "table", fmt);
	return 0;
}

static void
adm_list_usage(const char *cmd, const char *what, int filters)
{
	printf("usage: centralctl [-c FILE | --db CONNINFO] %s [options]\n"
	    "\n"
	    "Lists %s.\n"
	    "\n"
	    "  --format FMT   csv (a header line, RFC 4180 quoting; the\n"
	    "                 import format), json (one object per line) or\n"
	    "                 table; default: table on a terminal, else csv\n"
	    "%s"
	    "  --limit N      at most N rows\n", cmd, what, filters ?
	    "  --id ID        only this record\n"
	    "  --number N     only records about this document number\n" :
	    "  --id ID        only this one\n");
}

/* "... list" of a kind: options, then creg_list(). */
static int
adm_list(const struct cctl_ctx *ctx, const char *cmd, const char *what,
    enum creg_kind kind, int filters, int argc, char **argv)
{
	struct creg_filter	 f;
	struct adm_out		 o;
	PGconn			*conn;
	const char		*v, *fmt = NULL;
	char			*end;
	size_t			 r;
	int			 i, rc;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			adm_list_usage(cmd, what, filters);
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--format", &v))
			fmt = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--id", &v))
			f.id = v;
		else if (filters && cctl_opt(cmd, argc, argv, &i, "--number",
		    &v))
			f.number = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--limit", &v)) {
			errno = 0;
			f.limit = strtoll(v, &end, 10);
			if (v[0] < '0' || v[0] > '9' || errno != 0 ||
			    *end != '\0' || f.limit < 1)
				cctl_bad_usage(cmd, "--limit: \"%s\" is not a "
				    "whole number of at least 1", v);
		} else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
	}
	(void)adm_format_parse(cmd, fmt, &o.fmt);
	if ((o.cols = creg_list_columns(kind, &o.ncols)) == NULL) {
		fprintf(stderr, "centralctl %s: no listing for this kind\n",
		    cmd);
		return 1;
	}
	if ((conn = adm_connect(ctx, cmd)) == NULL)
		return 1;
	rc = creg_list(conn, kind, &f, adm_row, &o);
	if (rc == 0 && o.fmt == FMT_CSV && !o.header_done) {
		for (r = 0; r < o.ncols; r++)
			printf("%s%s", r > 0 ? "," : "", o.cols[r]);
		putchar('\n');
	}
	if (rc == 0 && o.fmt == FMT_TABLE)
		adm_table_flush(&o);
	for (r = 0; r < o.nrows * o.ncols; r++)
		free(o.rows[r]);
	free(o.rows);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "centralctl %s: cannot write the listing: "
		    "%s\n", cmd, strerror(errno));
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "centralctl %s: listing failed: %s\n", cmd,
		    rc == ERR_DB ? "the database refused it or is "
		    "unreachable" : err_str(rc));
		return 1;
	}
	return 0;
}

/* ---- put, remove, import of the record kinds ---- */

/* "--valid-from" for "valid_from" into buf. */
static void
adm_optname(const char *name, char *buf, size_t bufsz)
{
	size_t	i;

	(void)snprintf(buf, bufsz, "--%s", name);
	for (i = 2; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = '-';
}

static void
adm_put_usage(const struct adm_kind *k)
{
	char	opt[48], line[80];
	size_t	i;

	printf("usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] %s "
	    "put ID [options]\n\nStores (adds or replaces) the %s record "
	    "ID. Options (* required):\n\n", k->cmd, k->cmd);
	for (i = 1; i < k->nfields; i++) {
		adm_optname(k->fields[i].name, opt, sizeof(opt));
		(void)snprintf(line, sizeof(line), "%c %s %s%s%s",
		    k->fields[i].required ? '*' : ' ', opt,
		    k->fields[i].type == T_INT ? "N" :
		    k->fields[i].type == T_DATE ? "DATE" : "VALUE",
		    k->fields[i].alias != NULL ? ", --" : "",
		    k->fields[i].alias != NULL ? k->fields[i].alias : "");
		printf("  %-34s %s\n", line, k->fields[i].help);
	}
	printf("\nDates are YYYY-MM-DD. Example:\n  centralctl -c central.yaml "
	    "%s put %s\n", k->cmd, k->example);
}

static int
adm_cmd_put(const struct cctl_ctx *ctx, const struct adm_kind *k, int argc,
    char **argv)
{
	struct adm_rec		 r;
	struct proto_error	 pe;
	PGconn			*conn;
	char			 cmd[64], opt[48], alias[48], msg[ADM_MSG_MAX];
	const char		*v, *col, *id = NULL;
	unsigned char		 given[32];
	size_t			 f;
	int			 i, rc, changed = 0, matched;

	(void)snprintf(cmd, sizeof(cmd), "%s put", k->cmd);
	memset(given, 0, sizeof(given));
	adm_rec_init(k, &r);
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			adm_put_usage(k);
			exit(0);
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			if (id != NULL)
				cctl_bad_usage(cmd, "unexpected argument "
				    "\"%s\" (the id is \"%s\")", argv[i], id);
			id = argv[i];
			continue;
		}
		matched = 0;
		for (f = 1; f < k->nfields && !matched; f++) {
			adm_optname(k->fields[f].name, opt, sizeof(opt));
			alias[0] = '\0';
			if (k->fields[f].alias != NULL)
				adm_optname(k->fields[f].alias, alias,
				    sizeof(alias));
			if (!cctl_opt(cmd, argc, argv, &i, opt, &v) &&
			    (alias[0] == '\0' || !cctl_opt(cmd, argc, argv,
			    &i, alias, &v)))
				continue;
			matched = 1;
			if (given[f])
				cctl_bad_usage(cmd, "%s given twice", opt);
			given[f] = 1;
			if (v[0] == '\0' && !k->fields[f].required)
				cctl_bad_usage(cmd, "%s: an empty value; leave "
				    "the option out for the default", opt);
			if (adm_set(&k->fields[f], &r, v, strlen(v), msg,
			    sizeof(msg)) != 0)
				cctl_bad_usage(cmd, "%s: %s", opt, msg);
		}
		if (!matched)
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the record's ID is required");
	if (adm_set(&k->fields[0], &r, id, strlen(id), msg, sizeof(msg)) != 0)
		cctl_bad_usage(cmd, "ID: %s", msg);
	for (f = 1; f < k->nfields; f++) {
		if (k->fields[f].required && !given[f]) {
			adm_optname(k->fields[f].name, opt, sizeof(opt));
			cctl_bad_usage(cmd, "%s is required", opt);
		}
	}
	if (adm_rec_check(k, &r, &col, msg, sizeof(msg)) != 0) {
		adm_optname(col, opt, sizeof(opt));
		cctl_bad_usage(cmd, "%s: %s", opt, msg);
	}

	if ((conn = adm_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = adm_put(conn, ctx->actor, k, &r, &changed, &pe)) != 0 ||
	    (rc = creg_commit(conn)) != 0)
		return adm_failed(conn, cmd, rc, &pe, r.id);
	printf("%s %s: %s\n", creg_kind_str(k->ckind), r.id, changed ?
	    "stored" : "unchanged");
	return 0;
}

/* Reads a whole file of at most max bytes (NUL added) into *out; 0, or 1
 * after saying why. */
static int
adm_read_file(const char *cmd, const char *path, size_t max, char **out,
    size_t *outlen)
{
	FILE	*fp;
	char	*buf = NULL, *p;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "centralctl %s: cannot open %s: %s\n", cmd,
		    path, strerror(errno));
		return 1;
	}
	for (;;) {
		/* Room for at least one byte and the NUL. */
		if (len + 1 >= cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > max + 2)
				cap = max + 2;
			if (len + 1 >= cap || (p = realloc(buf, cap)) == NULL) {
				if (len + 1 >= cap)
					fprintf(stderr, "centralctl %s: %s is "
					    "over %zu bytes\n", cmd, path, max);
				else
					fprintf(stderr, "centralctl %s: out of "
					    "memory\n", cmd);
				free(buf);
				fclose(fp);
				return 1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (len > max) {
			fprintf(stderr, "centralctl %s: %s is over %zu bytes\n",
			    cmd, path, max);
			free(buf);
			fclose(fp);
			return 1;
		}
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(stderr, "centralctl %s: cannot read %s: %s\n", cmd,
		    path, strerror(errno));
		free(buf);
		fclose(fp);
		return 1;
	}
	fclose(fp);
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		fprintf(stderr, "centralctl %s: out of memory\n", cmd);
		return 1;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* Maps the header's columns to fields (-1: ignored); 0, or -1 after
 * saying why. */
static int
adm_header_map(const struct adm_kind *k, const struct csvin *c,
    const char *path, int *map)
{
	char	known[512];
	size_t	i, f, n = 0;
	int	seen, bad = 0;

	known[0] = '\0';
	for (f = 0; f < k->nfields; f++)
		n += (size_t)snprintf(known + n, n < sizeof(known) ?
		    sizeof(known) - n : 0, "%s%s", f > 0 ? "," : "",
		    k->fields[f].name);
	for (i = 0; i < csvin_ncols(c); i++) {
		const char	*name = csvin_colname(c, i);

		map[i] = -1;
		for (f = 0; f < k->nfields; f++)
			if (strcmp(name, k->fields[f].name) == 0)
				map[i] = (int)f;
		/* What "list --format csv" adds: ignored, so a listing
		 * imports back. */
		if (map[i] < 0 && strcmp(name, "changed_at") != 0 &&
		    strcmp(name, "changed_by") != 0) {
			fprintf(stderr, "%s: line %lu: unknown column \"%.64s\" "
			    "(the columns are %s)\n", path, csvin_line(c),
			    name, known);
			bad = 1;
		}
	}
	for (f = 0; f < k->nfields; f++) {
		if (!k->fields[f].required)
			continue;
		for (i = 0, seen = 0; i < csvin_ncols(c); i++)
			seen |= map[i] == (int)f;
		if (!seen) {
			fprintf(stderr, "%s: line %lu: column \"%s\" is missing "
			    "(the columns are %s)\n", path, csvin_line(c),
			    k->fields[f].name, known);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Fills r from the current record; 0, or -1 with *col and msg. */
static int
adm_row_fill(const struct adm_kind *k, const struct csvin *c,
    const int *map, struct adm_rec *r, const char **col, char *msg,
    size_t msgsz)
{
	const char	*v;
	size_t		 i, len;

	adm_rec_init(k, r);
	for (i = 0; i < csvin_ncols(c); i++) {
		if (map[i] < 0)
			continue;
		v = csvin_field(c, i, &len);
		if (adm_set(&k->fields[map[i]], r, v, len, msg, msgsz) != 0) {
			*col = k->fields[map[i]].name;
			return -1;
		}
	}
	return adm_rec_check(k, r, col, msg, msgsz);
}

struct adm_seen {
	char		id[FEED_ID_MAX + 1];
	unsigned long	line;
};

static int
adm_seen_cmp(const void *a, const void *b)
{
	const struct adm_seen	*x = a, *y = b;
	int			 c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * Pass 1: every row checked, nothing written; the ids must be distinct.
 * Returns the number of bad rows (each reported, the first ADM_ERRS_MAX),
 * or -1 after saying why the file cannot be read at all.
 */
static long
adm_import_check(const struct adm_kind *k, const char *path,
    const char *buf, size_t len, unsigned long *nrows)
{
	struct csvin	*c;
	struct adm_rec	 r;
	struct adm_seen	*seen = NULL, *p;
	const char	*col;
	char		 msg[ADM_MSG_MAX];
	int		 map[CSVIN_COLS_MAX];
	size_t		 nseen = 0, capseen = 0, i;
	long		 nbad = 0;
	int		 rc;

	if (csvin_new_buf(&c, (const uint8_t *)buf, len, NULL) != 0) {
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	if (csvin_header(c) != 0) {
		fprintf(stderr, "%s: %s\n", path, csvin_errmsg(c));
		csvin_free(c);
		return -1;
	}
	if (adm_header_map(k, c, path, map) != 0) {
		csvin_free(c);
		return -1;
	}
	while ((rc = csvin_next(c)) == 0) {
		if (adm_row_fill(k, c, map, &r, &col, msg, sizeof(msg)) != 0) {
			if (nbad++ < ADM_ERRS_MAX)
				fprintf(stderr, "%s: line %lu, field \"%s\": "
				    "%s\n", path, csvin_line(c), col, msg);
			continue;
		}
		if (nseen == capseen) {
			capseen = capseen == 0 ? 1024 : capseen * 2;
			if ((p = reallocarray(seen, capseen,
			    sizeof(*seen))) == NULL) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(seen);
				csvin_free(c);
				return -1;
			}
			seen = p;
		}
		memcpy(seen[nseen].id, r.id, sizeof(r.id));
		seen[nseen++].line = csvin_line(c);
	}
	if (rc != ERR_NOTFOUND) {
		/* The reader stops at bad CSV: say where. */
		fprintf(stderr, "%s: %s\n", path, csvin_errmsg(c));
		nbad++;
	}
	*nrows = csvin_count(c);
	csvin_free(c);
	if (nseen > 1)
		qsort(seen, nseen, sizeof(*seen), adm_seen_cmp);
	for (i = 1; i < nseen; i++) {
		if (strcmp(seen[i].id, seen[i - 1].id) != 0)
			continue;
		if (nbad++ < ADM_ERRS_MAX)
			fprintf(stderr, "%s: line %lu, field \"id\": %s is "
			    "also on line %lu\n", path, seen[i].line,
			    seen[i].id, seen[i - 1].line);
	}
	free(seen);
	if (nbad > ADM_ERRS_MAX)
		fprintf(stderr, "%s: ... and %ld more\n", path,
		    nbad - ADM_ERRS_MAX);
	return nbad;
}

/* Pass 2: every row through the registry in one transaction. */
static int
adm_import_apply(const struct cctl_ctx *ctx, const struct adm_kind *k,
    const char *cmd, const char *path, const char *buf, size_t len)
{
	struct csvin		*c;
	struct adm_rec		 r;
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*col;
	char			 msg[ADM_MSG_MAX], what[128];
	int			 map[CSVIN_COLS_MAX], rc, changed;
	unsigned long		 n = 0, unchanged = 0;

	if ((conn = adm_connect(ctx, cmd)) == NULL)
		return 1;
	if (csvin_new_buf(&c, (const uint8_t *)buf, len, NULL) != 0 ||
	    csvin_header(c) != 0 || adm_header_map(k, c, path, map) != 0) {
		fprintf(stderr, "centralctl %s: %s changed while reading it; "
		    "nothing changed\n", cmd, path);
		csvin_free(c);
		return 1;
	}
	if ((rc = creg_begin(conn)) != 0) {
		csvin_free(c);
		return adm_failed(conn, cmd, rc, NULL, path);
	}
	while ((rc = csvin_next(c)) == 0) {
		memset(&pe, 0, sizeof(pe));
		if (adm_row_fill(k, c, map, &r, &col, msg, sizeof(msg)) != 0) {
			rc = ERR_INVAL;		/* checked in pass 1 */
			msg[sizeof(pe.message) - 1] = '\0';	/* cut */
			memcpy(pe.message, msg, strlen(msg) + 1);
			(void)snprintf(pe.field, sizeof(pe.field), "%s", col);
		} else
			rc = adm_put(conn, ctx->actor, k, &r, &changed, &pe);
		if (rc != 0) {
			(void)snprintf(what, sizeof(what), "%s: line %lu", path,
			    csvin_line(c));
			csvin_free(c);
			return adm_failed(conn, cmd, rc, &pe, what);
		}
		n++;
		unchanged += !changed;
	}
	csvin_free(c);
	if (rc != ERR_NOTFOUND || (rc = creg_commit(conn)) != 0)
		return adm_failed(conn, cmd, rc, NULL, path);
	printf("imported %lu (%lu unchanged)\n", n, unchanged);
	return 0;
}

static void
adm_import_usage(const struct adm_kind *k)
{
	size_t	f;

	printf("usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] %s "
	    "import FILE.csv\n\nStores every row of a CSV file (RFC 4180, "
	    "UTF-8, a header line) as \"%s put\"\nwould. Every row is "
	    "checked first; then all are stored in one transaction.\nOne bad "
	    "row, and nothing is stored (exit 1).\n\nColumns (* required; "
	    "an empty optional field is its default):\n ", k->cmd, k->cmd);
	for (f = 0; f < k->nfields; f++)
		printf(" %s%s", k->fields[f].name, k->fields[f].required ?
		    "*" : "");
	printf("\nchanged_at and changed_by (as \"list\" writes them) are "
	    "ignored.\n");
}

static int
adm_cmd_import(const struct cctl_ctx *ctx, const struct adm_kind *k,
    int argc, char **argv)
{
	char		 cmd[64], *buf;
	const char	*path = NULL;
	size_t		 len;
	unsigned long	 nrows = 0;
	long		 nbad;
	int		 i, rc;

	(void)snprintf(cmd, sizeof(cmd), "%s import", k->cmd);
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			adm_import_usage(k);
			exit(0);
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		if (path != NULL)
			cctl_bad_usage(cmd, "one file at a time");
		path = argv[i];
	}
	if (path == NULL)
		cctl_bad_usage(cmd, "the CSV file is required");
	if (adm_read_file(cmd, path, ADM_FILE_MAX, &buf, &len) != 0)
		return 1;
	nbad = adm_import_check(k, path, buf, len, &nrows);
	if (nbad != 0) {
		if (nbad > 0)
			fprintf(stderr, "%s: %ld bad row%s; nothing imported\n",
			    path, nbad, nbad == 1 ? "" : "s");
		else
			fprintf(stderr, "%s: nothing imported\n", path);
		free(buf);
		return 1;
	}
	rc = adm_import_apply(ctx, k, cmd, path, buf, len);
	free(buf);
	return rc;
}

static int
adm_cmd_remove(const struct cctl_ctx *ctx, const struct adm_kind *k,
    int argc, char **argv)
{
	struct proto_error	 pe;
	PGconn			*conn;
	char			 cmd[64];
	const char		*id = NULL;
	int			 i, rc;

	(void)snprintf(cmd, sizeof(cmd), "%s remove", k->cmd);
	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] %s remove ID\n\nRemoves the record; "
			    "posts are told by the feed.\n", k->cmd);
			exit(0);
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		if (id != NULL)
			cctl_bad_usage(cmd, "one ID at a time");
		id = argv[i];
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the record's ID is required");
	if (!feed_check_id(id, strlen(id)))
		cctl_bad_usage(cmd, "\"%s\" is not an id (1..64 of A-Z, a-z, "
		    "0-9, '.', '_', ':', '-')", id);
	if ((conn = adm_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_remove(conn, ctx->actor, k->ckind, id, &pe)) != 0 ||
	    (rc = creg_commit(conn)) != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(conn);
			fprintf(stderr, "centralctl %s: there is no %s \"%s\"; "
			    "nothing changed\n", cmd, creg_kind_str(k->ckind),
			    id);
			return 1;
		}
		return adm_failed(conn, cmd, rc, &pe, id);
	}
	printf("%s %s: removed\n", creg_kind_str(k->ckind), id);
	return 0;
}

static void
adm_kind_usage(const struct adm_kind *k, FILE *fp)
{
	fprintf(fp, "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
	    "%s put ID [options]\n"
	    "       centralctl ... %s remove ID\n"
	    "       centralctl ... %s list [--format csv|json|table] "
	    "[--id ID]\n"
	    "                       [--number N] [--limit N]\n"
	    "       centralctl ... %s import FILE.csv\n"
	    "\"%s put --help\" lists the fields; docs/admin.md has the CSV "
	    "format.\n", k->cmd, k->cmd, k->cmd, k->cmd, k->cmd);
}

/* argv[0] is the verb. */
static int
adm_kind_cmd(const struct cctl_ctx *ctx, const struct adm_kind *k,
    int argc, char **argv)
{
	char	what[64];

	if (argc < 1 || cctl_is_help(argv[0])) {
		adm_kind_usage(k, argc < 1 ? stderr : stdout);
		exit(argc < 1 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[0], "put") == 0)
		return adm_cmd_put(ctx, k, argc, argv);
	if (strcmp(argv[0], "remove") == 0)
		return adm_cmd_remove(ctx, k, argc, argv);
	if (strcmp(argv[0], "import") == 0)
		return adm_cmd_import(ctx, k, argc, argv);
	if (strcmp(argv[0], "list") == 0) {
		(void)snprintf(what, sizeof(what), "%s list", k->cmd);
		return adm_list(ctx, what, "the records, in id order",
		    k->ckind, 1, argc, argv);
	}
	cctl_bad_usage(k->cmd, "unknown subcommand \"%s\" (put, remove, list, "
	    "import)", argv[0]);
}

int
cctl_alert(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		fprintf(argc < 2 ? stderr : stdout, "usage: centralctl ... alert document|person "
		    "put|remove|list|import ...\n"
		    "  alert document  travel documents reported lost, "
		    "stolen, invalidated, revoked\n"
		    "  alert person    persons on a watchlist (entry or "
		    "exit ban, wanted)\n"
		    "\"centralctl alert document --help\" for more.\n");
		exit(argc < 2 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "document") == 0)
		return adm_kind_cmd(ctx, &adm_kinds[0], argc - 2, argv + 2);
	if (strcmp(argv[1], "person") == 0)
		return adm_kind_cmd(ctx, &adm_kinds[1], argc - 2, argv + 2);
	cctl_bad_usage("alert", "\"%s\" is not document or person", argv[1]);
}

int
cctl_permit(const struct cctl_ctx *ctx, int argc, char **argv)
{
	return adm_kind_cmd(ctx, &adm_kinds[2], argc - 1, argv + 1);
}

int
cctl_registration(const struct cctl_ctx *ctx, int argc, char **argv)
{
	return adm_kind_cmd(ctx, &adm_kinds[3], argc - 1, argv + 1);
}

/* ---- officers ---- */

static int
adm_officer_id_ok(const char *s)
{
	size_t	len = strlen(s);

	return len >= 1 && len <= PROTO_OFFICER_MAX &&
	    adm_all_of(s, len, UPPER LOWER DIGITS "._-");
}

/*
 * One line of PIN from path, or from stdin (asked twice, unechoed, on a
 * terminal). 0, or 1 after saying why. The caller wipes pin.
 */
static int
adm_read_pin(const char *cmd, const char *path, const char *id, char *pin,
    size_t pinsz, size_t *len)
{
	struct termios	 old, quiet;
	FILE		*fp = stdin;
	char		 again[ADM_PIN_LINE];
	int		 tty = 0, rc = 1, round;
	size_t		 n;

	if (path != NULL && (fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "centralctl %s: cannot open %s: %s\n", cmd,
		    path, strerror(errno));
		return 1;
	}
	if (path == NULL && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tty = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	for (round = 0; round < (tty ? 2 : 1); round++) {
		char	*dst = round == 0 ? pin : again;

		if (tty)
			fprintf(stderr, "%s for officer %s: ", round == 0 ?
			    "PIN" : "The same PIN again", id);
		if (fgets(dst, (int)pinsz, fp) == NULL) {
			fprintf(stderr, "%scentralctl %s: no PIN on %s\n",
			    tty ? "\n" : "", cmd, path != NULL ? path :
			    "standard input");
			goto done;
		}
		if (tty)
			fputc('\n', stderr);
		n = strcspn(dst, "\r\n");
		if (dst[n] == '\0' && !feof(fp)) {
			fprintf(stderr, "centralctl %s: the PIN line is too "
			    "long\n", cmd);
			goto done;
		}
		dst[n] = '\0';
	}
	if (tty && strcmp(pin, again) != 0) {
		fprintf(stderr, "centralctl %s: the two PINs differ; nothing "
		    "changed\n", cmd);
		goto done;
	}
	*len = strlen(pin);
	rc = 0;
done:
	explicit_bzero(again, sizeof(again));
	if (tty)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

static int
adm_officer_put(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "officer put";
	struct feed_officer	 o;
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*v, *id = NULL, *name = NULL, *pinfile = NULL;
	const char		*why;
	char			 pin[ADM_PIN_LINE];
	size_t			 len = 0;
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] officer put ID --name NAME\n"
			    "                  [--pin-file FILE]\n\n"
			    "Stores the officer ID (1..32 of A-Z, a-z, 0-9, "
			    "'.', '_', '-') with a new PIN\nand makes them "
			    "active. The PIN is the first line of FILE, or of "
			    "standard\ninput (asked twice on a terminal), "
			    "never an argument: 4..32 printable\nASCII "
			    "characters without spaces. Only its scrypt hash "
			    "is stored and sent\nto the posts.\n");
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--name", &v))
			name = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--pin-file", &v))
			pinfile = v;
		else if (strncmp(argv[i], "--pin", 5) == 0)
			cctl_bad_usage(cmd, "a PIN is never an argument: use "
			    "--pin-file FILE or standard input");
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (id != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			id = argv[i];
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the officer's ID is required");
	if (!adm_officer_id_ok(id))
		cctl_bad_usage(cmd, "\"%s\" is not an officer id (1..32 of "
		    "A-Z, a-z, 0-9, '.', '_', '-')", id);
	if (name == NULL)
		cctl_bad_usage(cmd, "--name is required");
	if (strlen(name) > FEED_TEXT_MAX)
		cctl_bad_usage(cmd, "--name: must be at most %d bytes",
		    FEED_TEXT_MAX);
	if ((why = adm_text_problem(name, strlen(name))) != NULL ||
	    name[0] == '\0')
		cctl_bad_usage(cmd, "--name: %s", why != NULL ? why :
		    "must not be empty");

	memset(&o, 0, sizeof(o));
	(void)snprintf(o.id, sizeof(o.id), "%s", id);
	(void)snprintf(o.name, sizeof(o.name), "%s", name);
	o.active = 1;
	if (adm_read_pin(cmd, pinfile, id, pin, sizeof(pin), &len) != 0) {
		explicit_bzero(pin, sizeof(pin));
		return 1;
	}
	if (!pinhash_check_pin(pin, len)) {
		explicit_bzero(pin, sizeof(pin));
		fprintf(stderr, "centralctl %s: the PIN must be %d..%d "
		    "printable ASCII characters without spaces; nothing "
		    "changed\n", cmd, PINHASH_PIN_MIN, PINHASH_PIN_MAX);
		return 1;
	}
	rc = pinhash_make(pin, len, NULL, o.pin_hash, sizeof(o.pin_hash));
	explicit_bzero(pin, sizeof(pin));
	if (rc != 0) {
		fprintf(stderr, "centralctl %s: cannot hash the PIN: %s\n",
		    cmd, err_str(rc));
		return 1;
	}
	if ((conn = adm_connect(ctx, cmd)) == NULL) {
		explicit_bzero(&o, sizeof(o));
		return 1;
	}
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_officer_put(conn, ctx->actor, &o, &changed,
	    &pe)) != 0 || (rc = creg_commit(conn)) != 0) {
		explicit_bzero(&o, sizeof(o));
		return adm_failed(conn, cmd, rc, &pe, id);
	}
	explicit_bzero(&o, sizeof(o));
	printf("officer %s: stored, active, new PIN\n", id);
	return 0;
}

static int
adm_officer_active(const struct cctl_ctx *ctx, int active, int argc,
    char **argv)
{
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*cmd = active ? "officer enable" :
				    "officer disable";
	const char		*id = NULL;
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] %s ID\n\n%s; the PIN hash is kept.\n",
			    cmd, active ? "Lets the officer sign in at the "
			    "lanes again" : "Stops the officer signing in at "
			    "any lane");
			exit(0);
		}
		if (argv[i][0] == '-' || id != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		id = argv[i];
	}
	if (id == NULL)
		cctl_bad_usage(cmd, "the officer's ID is required");
	if (!adm_officer_id_ok(id))
		cctl_bad_usage(cmd, "\"%s\" is not an officer id (1..32 of "
		    "A-Z, a-z, 0-9, '.', '_', '-')", id);
	if ((conn = adm_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_officer_set_active(conn, ctx->actor, id, active,
	    &changed, &pe)) != 0 || (rc = creg_commit(conn)) != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(conn);
			fprintf(stderr, "centralctl %s: there is no officer "
			    "\"%s\"; nothing changed\n", cmd, id);
			return 1;
		}
		return adm_failed(conn, cmd, rc, &pe, id);
	}
	printf("officer %s: %s%s\n", id, active ? "enabled" : "disabled",
	    changed ? "" : " (already)");
	return 0;
}

int
cctl_officer(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		fprintf(argc < 2 ? stderr : stdout, "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "officer put ID --name NAME [--pin-file FILE]\n"
		    "       centralctl ... officer disable|enable ID\n"
		    "       centralctl ... officer list [--format csv|json|"
		    "table] [--id ID]\n");
		exit(argc < 2 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "put") == 0)
		return adm_officer_put(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "disable") == 0)
		return adm_officer_active(ctx, 0, argc - 1, argv + 1);
	if (strcmp(argv[1], "enable") == 0)
		return adm_officer_active(ctx, 1, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return adm_list(ctx, "officer list", "the officers (never "
		    "their PIN hashes)", CREG_OFFICER, 0, argc - 1, argv + 1);
	cctl_bad_usage("officer", "unknown subcommand \"%s\" (put, disable, "
	    "enable, list)", argv[1]);
}

/* ---- the stay policy ---- */

static int
adm_policy_load(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "policy load";
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*path = NULL;
	char			*buf, version[FEED_POLICY_VERSION_MAX + 1];
	size_t			 len;
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] policy load FILE\n\nLoads a stay "
			    "policy (config/policy.yaml, docs/policy.md). It "
			    "must load\nwithout a problem; its own \"version\" "
			    "names it, for ever. The newest\nversion loaded is "
			    "in force and goes to the posts in the feed.\n");
			exit(0);
		}
		if ((argv[i][0] == '-' && argv[i][1] != '\0') || path != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		path = argv[i];
	}
	if (path == NULL)
		cctl_bad_usage(cmd, "the policy file is required");
	if (adm_read_file(cmd, path, FEED_YAML_MAX, &buf, &len) != 0)
		return 1;
	if ((conn = adm_connect(ctx, cmd)) == NULL) {
		free(buf);
		return 1;
	}
	memset(&pe, 0, sizeof(pe));
	version[0] = '\0';
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_policy_load(conn, ctx->actor, buf, len, version,
	    &changed, &pe)) != 0 || (rc = creg_commit(conn)) != 0) {
		free(buf);
		if (rc == ERR_CONFLICT) {
			(void)creg_rollback(conn);
			fprintf(stderr, "centralctl %s: %s: version \"%s\" is "
			    "already loaded with another text; a version names "
			    "one text for ever, so give this one a new "
			    "version; nothing changed\n", cmd, path, version);
			return 1;
		}
		return adm_failed(conn, cmd, rc, &pe, path);
	}
	free(buf);
	printf("policy %s: %s\n", version, changed ? "loaded, in force" :
	    "unchanged (this text is loaded already)");
	return 0;
}

static int
adm_policy_show(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "policy show";
	PGconn			*conn;
	const char		*version = NULL;
	char			*yaml = NULL, v[FEED_POLICY_VERSION_MAX + 1];
	size_t			 len = 0;
	int			 i, rc;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "policy show [VERSION]\n\nPrints the text of the "
			    "policy in force, or of VERSION.\n");
			exit(0);
		}
		if (argv[i][0] == '-' || version != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		version = argv[i];
	}
	if ((conn = adm_connect(ctx, cmd)) == NULL)
		return 1;
	if ((rc = creg_policy_get(conn, version, &yaml, &len, v)) != 0) {
		if (rc == ERR_NOTFOUND)
			fprintf(stderr, "centralctl %s: %s\n", cmd, version !=
			    NULL ? "no such version" : "no policy is loaded");
		else
			fprintf(stderr, "centralctl %s: %s\n", cmd,
			    err_str(rc));
		return 1;
	}
	if (fwrite(yaml, 1, len, stdout) != len || fflush(stdout) != 0) {
		free(yaml);
		fprintf(stderr, "centralctl %s: cannot write: %s\n", cmd,
		    strerror(errno));
		return 1;
	}
	free(yaml);
	return 0;
}

int
cctl_policy(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		fprintf(argc < 2 ? stderr : stdout, "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "policy load FILE\n"
		    "       centralctl ... policy show [VERSION]\n"
		    "       centralctl ... policy list [--format csv|json|"
		    "table]\n");
		exit(argc < 2 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "load") == 0)
		return adm_policy_load(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return adm_policy_show(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return adm_list(ctx, "policy list", "the policy versions "
		    "loaded, oldest first", CREG_POLICY, 0, argc - 1,
		    argv + 1);
	cctl_bad_usage("policy", "unknown subcommand \"%s\" (load, show, "
	    "list)", argv[1]);
}

/* ---- posts ---- */

/*
 * The subject CN (exactly one) and the SHA-256 of the DER of the PEM
 * certificate at path; with ca (tls.client_ca_file) it must verify as a
 * client certificate from that CA. 0, or 1 after saying why.
 */
static int
adm_cert(const char *cmd, const char *path, const char *ca, char *cn,
    size_t cnsz, char hex[CREG_SHA256_HEX + 1])
{
	FILE		*fp;
	X509		*x = NULL;
	X509_NAME	*name;
	X509_NAME_ENTRY	*ent;
	X509_STORE	*store = NULL;
	X509_STORE_CTX	*sctx = NULL;
	unsigned char	 md[EVP_MAX_MD_SIZE], *utf8 = NULL;
	unsigned int	 mdlen = 0, i;
	int		 idx, n, rc = 1;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "centralctl %s: cannot open %s: %s\n", cmd,
		    path, strerror(errno));
		return 1;
	}
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x == NULL) {
		fprintf(stderr, "centralctl %s: %s is not a PEM certificate\n",
		    cmd, path);
		return 1;
	}
	name = X509_get_subject_name(x);
	if ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0 ||
	    (ent = X509_NAME_get_entry(name, idx)) == NULL ||
	    (n = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(ent))) <= 0 || (size_t)n >= cnsz ||
	    memchr(utf8, '\0', (size_t)n) != NULL) {
		fprintf(stderr, "centralctl %s: %s: the subject must have "
		    "exactly one common name (CN) of 1..%zu bytes\n", cmd,
		    path, cnsz - 1);
		goto done;
	}
	memcpy(cn, utf8, (size_t)n);
	cn[n] = '\0';
	if (!X509_digest(x, EVP_sha256(), md, &mdlen) || mdlen != 32) {
		fprintf(stderr, "centralctl %s: %s: cannot hash it\n", cmd,
		    path);
		goto done;
	}
	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (ca != NULL && ca[0] != '\0') {
		if ((store = X509_STORE_new()) == NULL ||
		    (sctx = X509_STORE_CTX_new()) == NULL) {
			fprintf(stderr, "centralctl %s: out of memory\n", cmd);
			goto done;
		}
		if (X509_STORE_load_file(store, ca) != 1) {
			fprintf(stderr, "centralctl %s: cannot load the posts' "
			    "CA %s (tls.client_ca_file)\n", cmd, ca);
			goto done;
		}
		if (X509_STORE_CTX_init(sctx, store, x, NULL) != 1 ||
		    X509_STORE_CTX_set_purpose(sctx,
		    X509_PURPOSE_SSL_CLIENT) != 1 ||
		    X509_verify_cert(sctx) != 1) {
			fprintf(stderr, "centralctl %s: %s is not a client "
			    "certificate of the posts' CA %s: %s\n", cmd, path,
			    ca, X509_verify_cert_error_string(
			    X509_STORE_CTX_get_error(sctx)));
			goto done;
		}
	}
	rc = 0;
done:
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	OPENSSL_free(utf8);
	X509_free(x);
	return rc;
}

static int
adm_post_enrol(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "post enrol";
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*v, *code = NULL, *cert = NULL, *name = NULL;
	const char		*why;
	char			 cn[CREG_CN_MAX + 1];
	char			 hex[CREG_SHA256_HEX + 1];
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] post enrol CODE --cert FILE.pem\n"
			    "                  [--name NAME]\n\n"
			    "Binds post CODE (2..16 of A-Z, 0-9) to its client "
			    "certificate: the\nsubject CN and the SHA-256 of "
			    "the DER are read from FILE.pem. With -c,\nthe "
			    "certificate must verify against tls.client_ca_file."
			    " Enrolling a post\nagain replaces its certificate "
			    "(renewal) and makes it active again.\ncentrald "
			    "accepts it within %d seconds, without a restart.\n",
			    POSTAUTH_REFRESH_S);
			exit(0);
		}
		if (cctl_opt(cmd, argc, argv, &i, "--cert", &v))
			cert = v;
		else if (cctl_opt(cmd, argc, argv, &i, "--name", &v))
			name = v;
		else if (argv[i][0] == '-')
			cctl_bad_usage(cmd, "unknown option %s", argv[i]);
		else if (code != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		else
			code = argv[i];
	}
	if (code == NULL)
		cctl_bad_usage(cmd, "the post's CODE is required");
	if (!proto_check_post_code(code, strlen(code)))
		cctl_bad_usage(cmd, "\"%s\" is not a post code (2..16 of A-Z, "
		    "0-9)", code);
	if (cert == NULL)
		cctl_bad_usage(cmd, "--cert FILE.pem is required");
	if (name != NULL && name[0] != '\0' && (strlen(name) >
	    CREG_TEXT_MAX || (why = adm_text_problem(name,
	    strlen(name))) != NULL))
		cctl_bad_usage(cmd, "--name: %s", strlen(name) > CREG_TEXT_MAX ?
		    "must be at most 128 bytes" : why);
	if (adm_cert(cmd, cert, ctx->cfg != NULL ? ctx->cfg->client_ca_file :
	    NULL, cn, sizeof(cn), hex) != 0)
		return 1;
	if (ctx->cfg == NULL)
		fprintf(stderr, "centralctl %s: note: with --db the certificate "
		    "is not checked against the posts' CA\n", cmd);
	if ((conn = adm_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_post_enrol(conn, ctx->actor, code, name, cn, hex,
	    &changed, &pe)) != 0 || (rc = creg_commit(conn)) != 0)
		return adm_failed(conn, cmd, rc, &pe, code);
	printf("post %s: %s (CN %s, SHA-256 %s)\n", code, changed ?
	    "enrolled" : "unchanged", cn, hex);
	return 0;
}

static int
adm_post_revoke(const struct cctl_ctx *ctx, int argc, char **argv)
{
	static const char	 cmd[] = "post revoke";
	struct proto_error	 pe;
	PGconn			*conn;
	const char		*code = NULL;
	int			 i, rc, changed = 0;

	for (i = 1; i < argc; i++) {
		if (cctl_is_help(argv[i])) {
			printf("usage: centralctl [-c FILE | --db CONNINFO] "
			    "[--as NAME] post revoke CODE\n\nRefuses the "
			    "post's certificate from now on, even if "
			    "central.yaml lists it;\ncentrald applies it "
			    "within %d seconds, without a restart. \"post "
			    "enrol\"\nmakes it active again.\n",
			    POSTAUTH_REFRESH_S);
			exit(0);
		}
		if (argv[i][0] == '-' || code != NULL)
			cctl_bad_usage(cmd, "unexpected argument \"%s\"",
			    argv[i]);
		code = argv[i];
	}
	if (code == NULL)
		cctl_bad_usage(cmd, "the post's CODE is required");
	if (!proto_check_post_code(code, strlen(code)))
		cctl_bad_usage(cmd, "\"%s\" is not a post code (2..16 of A-Z, "
		    "0-9)", code);
	if ((conn = adm_connect(ctx, cmd)) == NULL)
		return 1;
	memset(&pe, 0, sizeof(pe));
	if ((rc = creg_begin(conn)) != 0 ||
	    (rc = creg_post_revoke(conn, ctx->actor, code, &changed,
	    &pe)) != 0 || (rc = creg_commit(conn)) != 0) {
		if (rc == ERR_NOTFOUND) {
			(void)creg_rollback(conn);
			fprintf(stderr, "centralctl %s: post %s is not "
			    "enrolled; nothing changed\n", cmd, code);
			return 1;
		}
		return adm_failed(conn, cmd, rc, &pe, code);
	}
	printf("post %s: %s\n", code, changed ? "revoked" :
	    "revoked already");
	return 0;
}

int
cctl_post(const struct cctl_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || cctl_is_help(argv[1])) {
		fprintf(argc < 2 ? stderr : stdout, "usage: centralctl [-c FILE | --db CONNINFO] [--as NAME] "
		    "post enrol CODE --cert FILE.pem [--name NAME]\n"
		    "       centralctl ... post revoke CODE\n"
		    "       centralctl ... post list [--format csv|json|table] "
		    "[--id CODE]\n");
		exit(argc < 2 ? CCTL_EXIT_USAGE : 0);
	}
	if (strcmp(argv[1], "enrol") == 0)
		return adm_post_enrol(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return adm_post_revoke(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return adm_list(ctx, "post list", "the enrolled posts",
		    CREG_POST, 0, argc - 1, argv + 1);
	cctl_bad_usage("post", "unknown subcommand \"%s\" (enrol, revoke, "
	    "list)", argv[1]);
}
