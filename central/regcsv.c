/* regcsv.c - registry records from outside: the field tables of the kinds
 * that are put and imported, values checked into records, CSV imports in
 * two passes (check everything, then store everything in the caller's
 * transaction), and post certificates read for enrolment. See regcsv.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "creg.h"
#include "csvin.h"
#include "date.h"
#include "err.h"
#include "feed.h"
#include "policy.h"
#include "proto.h"
#include "regcsv.h"

#define NF(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- the fields of each kind ---- */

#define R(m)	offsetof(struct regcsv_rec, m), \
		sizeof(((struct regcsv_rec *)0)->m)
#define E(m)	offsetof(struct regcsv_rec, m), 0

static const struct regcsv_field regcsv_da_fields[] = {
	{ "id", NULL, "id", REGCSV_ID, 1, R(id), 0, 0, 0, "the alert's id" },
	{ "issuing_state", "state", "issuing_state", REGCSV_STATE, 1,
	    R(u.da.issuing_state), 0, 0, 0,
	    "the document's issuing state (KAZ)" },
	{ "number", NULL, "number", REGCSV_DOCNUM, 1, R(u.da.number), 0, 0, 0,
	    "the document number" },
	{ "reason", NULL, "reason", REGCSV_REASON, 1, E(u.da.reason), 0, 0, 0,
	    "lost, stolen, invalidated or revoked" },
	{ "since", NULL, "since", REGCSV_DATE, 1, R(u.da.since), 0, 0, 0,
	    "reported on (YYYY-MM-DD)" },
};

static const struct regcsv_field regcsv_pa_fields[] = {
	{ "id", NULL, "id", REGCSV_ID, 1, R(id), 0, 0, 0, "the alert's id" },
	{ "kind", NULL, "kind", REGCSV_AKIND, 1, E(u.pa.kind), 0, 0, 0,
	    "entry_ban, exit_ban or wanted" },
	{ "surname", NULL, "surname", REGCSV_TEXT, 1, R(u.pa.surname), 0, 0,
	    0, "as typed, any alphabet" },
	{ "given_names", NULL, "given_names", REGCSV_TEXT, 0,
	    R(u.pa.given_names), 0, 0, 0, "as typed (default: none)" },
	{ "birth_date", NULL, "birth_date", REGCSV_PDATE, 1,
	    R(u.pa.birth_date), 0, 0, 0,
	    "YYYY, YYYY-MM or YYYY-MM-DD: what is known" },
	{ "nationality", NULL, "nationality", REGCSV_STATE0, 0,
	    R(u.pa.nationality), 0, 0, 0, "ICAO code (default: unknown)" },
	{ "until", NULL, "until", REGCSV_DATE, 0, R(u.pa.until), 0, 0, 0,
	    "last day of an entry ban (default: no end)" },
	{ "severity", NULL, "severity", REGCSV_INT, 1, E(u.pa.severity), 1,
	    FEED_SEVERITY_MAX, 0, "1..5" },
	{ "source", NULL, "source", REGCSV_TEXT, 1, R(u.pa.source), 0, 0, 0,
	    "who asked for the alert" },
};

/* The holder's fields sit in "holder" in JSON, as in the feed. */
static const struct regcsv_field regcsv_pm_fields[] = {
	{ "id", NULL, "id", REGCSV_ID, 1, R(id), 0, 0, 0, "the permit's id" },
	{ "kind", NULL, "kind", REGCSV_PKIND, 1, E(u.pm.kind), 0, 0, 0,
	    "visa, work_permit, residence_permit, refugee, asylum or "
	    "repatriate" },
	{ "issuing_state", "state", "holder.issuing_state", REGCSV_STATE, 1,
	    R(u.pm.holder.issuing_state), 0, 0, 0,
	    "the holder's document's issuing state" },
	{ "number", NULL, "holder.number", REGCSV_DOCNUM, 1,
	    R(u.pm.holder.number), 0, 0, 0, "the holder's document number" },
	{ "nationality", NULL, "holder.nationality", REGCSV_STATE, 1,
	    R(u.pm.holder.nationality), 0, 0, 0, "the holder's nationality" },
	{ "surname", NULL, "holder.surname", REGCSV_TEXT, 1,
	    R(u.pm.holder.surname), 0, 0, 0, "the holder's surname" },
	{ "given_names", NULL, "holder.given_names", REGCSV_TEXT, 0,
	    R(u.pm.holder.given_names), 0, 0, 0,
	    "the holder's given names (default: none)" },
	{ "birth_date", NULL, "holder.birth_date", REGCSV_DATE, 1,
	    R(u.pm.holder.birth_date), 0, 0, 0, "the holder's birth date" },
	{ "valid_from", NULL, "valid_from", REGCSV_DATE, 1, R(u.pm.valid_from),
	    0, 0, 0, "first valid day" },
	{ "valid_until", NULL, "valid_until", REGCSV_DATE, 1,
	    R(u.pm.valid_until), 0, 0, 0, "last valid day" },
	{ "entries", NULL, "entries", REGCSV_INT, 0, E(u.pm.entries), 1,
	    FEED_COUNT_MAX, 1,
	    "entries allowed, 1..65535 (default: multiple)" },
	{ "entries_used", NULL, "entries_used", REGCSV_INT, 0,
	    E(u.pm.entries_used), 0, FEED_COUNT_MAX, 0,
	    "entries used so far (default 0)" },
	{ "stay_days", NULL, "stay_days", REGCSV_INT, 0, E(u.pm.stay_days), 1,
	    3660, 1, "days of stay per entry, 1..3660 (default: none)" },
	{ "employer", NULL, "employer", REGCSV_TEXT, 0, R(u.pm.employer), 0, 0,
	    0, "work permits (default: none)" },
	{ "region", NULL, "region", REGCSV_TEXT, 0, R(u.pm.region), 0, 0, 0,
	    "where it is valid (default: none)" },
};

static const struct regcsv_field regcsv_rg_fields[] = {
	{ "id", NULL, "id", REGCSV_ID, 1, R(id), 0, 0, 0,
	    "the registration's id" },
	{ "issuing_state", "state", "issuing_state", REGCSV_STATE, 1,
	    R(u.rg.issuing_state), 0, 0, 0,
	    "the foreigner's document's issuing state" },
	{ "number", NULL, "number", REGCSV_DOCNUM, 1, R(u.rg.number), 0, 0, 0,
	    "the foreigner's document number" },
	{ "region", NULL, "region", REGCSV_TEXT, 1, R(u.rg.region), 0, 0, 0,
	    "region of residence" },
	{ "address", NULL, "address", REGCSV_TEXT, 1, R(u.rg.address), 0, 0,
	    0, "address (at most 256 bytes)" },
	{ "host", NULL, "host", REGCSV_TEXT, 1, R(u.rg.host), 0, 0, 0,
	    "the host: a person or an organisation" },
	{ "valid_from", NULL, "valid_from", REGCSV_DATE, 1, R(u.rg.valid_from),
	    0, 0, 0, "first day" },
	{ "valid_until", NULL, "valid_until", REGCSV_DATE, 1,
	    R(u.rg.valid_until), 0, 0, 0, "last day" },
};

#undef R
#undef E

static const struct regcsv_kind regcsv_kinds[] = {
	{ "alert document", CREG_DOCUMENT_ALERT, regcsv_da_fields,
	    NF(regcsv_da_fields), "da-1 --state KAZ --number N1234567 "
	    "--reason stolen --since 2026-01-02" },
	{ "alert person", CREG_PERSON_ALERT, regcsv_pa_fields,
	    NF(regcsv_pa_fields),
	    "pa-1 --kind entry_ban --surname 'Иванов' --birth-date 1980 "
	    "--severity 4 --source 'court 12/2026' --until 2030-01-01" },
	{ "permit", CREG_PERMIT, regcsv_pm_fields, NF(regcsv_pm_fields),
	    "wp-1 --kind work_permit --state UZB --number AB1234567 "
	    "--nationality UZB --surname KARIMOV --birth-date 1990-04-05 "
	    "--valid-from 2026-01-01 --valid-until 2026-12-31 "
	    "--employer 'Astana Build LLP'" },
	{ "registration", CREG_REGISTRATION, regcsv_rg_fields,
	    NF(regcsv_rg_fields),
	    "rg-1 --state UZB --number AB1234567 --region Almaty "
	    "--address '12 Abay Ave, flat 4' --host 'A. Seitkali' "
	    "--valid-from 2026-01-01 --valid-until 2026-03-31" },
};

const struct regcsv_kind *
regcsv_kind_get(enum creg_kind kind)
{
	size_t	i;

	for (i = 0; i < NF(regcsv_kinds); i++)
		if (regcsv_kinds[i].ckind == kind)
			return &regcsv_kinds[i];
	return NULL;
}

const struct regcsv_field *
regcsv_field_find(const struct regcsv_kind *k, const char *name)
{
	size_t	i;

	for (i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return &k->fields[i];
	return NULL;
}

/* ---- values ---- */

/* A value quoted back in a message: cut, control bytes as '?'. */
static void
regcsv_show(const char *v, size_t len, char *buf, size_t bufsz)
{
	size_t	n = 0, i;

	for (i = 0; i < len && n + 4 < bufsz && i < REGCSV_SHOW_MAX; i++)
		buf[n++] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' :
		    v[i];
	/* Cut between characters, never inside one: the message must stay
	 * UTF-8 (it goes into JSON). */
	while (i < len && n > 0 && ((unsigned char)v[i] & 0xc0) == 0x80) {
		n--;
		i--;
	}
	if (i < len && n + 4 < bufsz) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static int
regcsv_all_of(const char *s, size_t len, const char *set)
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
const char *
regcsv_text_problem(const char *s, size_t len)
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
regcsv_date(const char *v, size_t len, char *msg, size_t msgsz)
{
	struct date	d;
	char		show[REGCSV_SHOW_MAX + 8];
	int		rc;

	regcsv_show(v, len, show, sizeof(show));
	if ((rc = date_parse_iso(&d, v, len)) == ERR_RANGE) {
		(void)snprintf(msg, msgsz, "%s is not a date", show);
		return ERR_INVAL;
	}
	if (rc != 0) {
		(void)snprintf(msg, msgsz, "%s is not a date (YYYY-MM-DD)",
		    show);
		return ERR_INVAL;
	}
	if (d.year < FEED_YEAR_MIN || d.year > FEED_YEAR_MAX) {
		(void)snprintf(msg, msgsz, "%s is outside the years %d-%d",
		    show, FEED_YEAR_MIN, FEED_YEAR_MAX);
		return ERR_INVAL;
	}
	return 0;
}

/* YYYY, YYYY-MM or YYYY-MM-DD. */
static int
regcsv_pdate(const char *v, size_t len, char *msg, size_t msgsz)
{
	char	show[REGCSV_SHOW_MAX + 8], full[16];
	int	ok;

	ok = (len == 4 || (len == 7 && v[4] == '-') || len == 10) &&
	    regcsv_all_of(v, 4, DIGITS);
	if (ok && len == 7)
		ok = regcsv_all_of(v + 5, 2, DIGITS);
	if (ok && len < 10) {
		/* The first day of what is known must exist. */
		(void)snprintf(full, sizeof(full), "%.4s-%.2s-01", v,
		    len == 7 ? v + 5 : "01");
		ok = regcsv_date(full, 10, msg, msgsz) == 0;
	} else if (ok)
		ok = regcsv_date(v, len, msg, msgsz) == 0;
	if (!ok) {
		regcsv_show(v, len, show, sizeof(show));
		(void)snprintf(msg, msgsz, "%s is not a date (YYYY, YYYY-MM "
		    "or YYYY-MM-DD)", show);
		return ERR_INVAL;
	}
	return 0;
}

static int
regcsv_enum(const char *v, const char *const *names, size_t n, int first,
    int *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = first + (int)i;
			return 0;
		}
	return ERR_NOTFOUND;
}

static const char *const regcsv_reasons[] = { "lost", "stolen", "invalidated",
	"revoked" };
static const char *const regcsv_akinds[] = { "entry_ban", "exit_ban",
	"wanted" };
static const char *const regcsv_pkinds[] = { "visa", "work_permit",
	"residence_permit", "refugee", "asylum", "repatriate" };

/*
 * Sets field f of r from v[0..len) (NUL-terminated); an empty value is
 * the default of an optional field. 0, or ERR_INVAL with msg.
 */
int
regcsv_set(const struct regcsv_field *f, struct regcsv_rec *r, const char *v,
    size_t len, char *msg, size_t msgsz)
{
	char		 show[REGCSV_SHOW_MAX + 8], *end;
	char		*s = (char *)r + f->off;
	int		*ip = (int *)(void *)((char *)r + f->off);
	int32_t		*i32 = (int32_t *)(void *)((char *)r + f->off);
	const char	*why;
	long		 n;
	int		 e;

	regcsv_show(v, len, show, sizeof(show));
	if (len == 0) {
		if (f->required) {
			(void)snprintf(msg, msgsz, "is required");
			return ERR_INVAL;
		}
		if (f->type == REGCSV_INT)
			*i32 = f->nullable ? FEED_NULL : 0;
		else
			s[0] = '\0';
		return 0;
	}
	if (memchr(v, '\0', len) != NULL) {
		(void)snprintf(msg, msgsz, "contains a NUL byte");
		return ERR_INVAL;
	}
	switch (f->type) {
	case REGCSV_ID:
		if (!feed_check_id(v, len)) {
			(void)snprintf(msg, msgsz, "\"%s\" is not an id (1..64 "
			    "of A-Z, a-z, 0-9, '.', '_', ':', '-')", show);
			return ERR_INVAL;
		}
		break;
	case REGCSV_STATE:
	case REGCSV_STATE0:
		if (len > PROTO_STATE_MAX || !regcsv_all_of(v, len, UPPER)) {
			(void)snprintf(msg, msgsz, "\"%s\" is not a state code "
			    "(1..3 of A-Z, as in the MRZ)", show);
			return ERR_INVAL;
		}
		break;
	case REGCSV_DOCNUM:
		if (len > PROTO_DOCNUM_MAX ||
		    !regcsv_all_of(v, len, UPPER DIGITS)) {
			(void)snprintf(msg, msgsz, "\"%s\" is not a document "
			    "number (1..24 of A-Z, 0-9, as in the MRZ)", show);
			return ERR_INVAL;
		}
		break;
	case REGCSV_TEXT:
		if (len >= f->size) {
			(void)snprintf(msg, msgsz, "must be at most %zu bytes, "
			    "got %zu", f->size - 1, len);
			return ERR_INVAL;
		}
		if ((why = regcsv_text_problem(v, len)) != NULL) {
			(void)snprintf(msg, msgsz, "%s", why);
			return ERR_INVAL;
		}
		break;
	case REGCSV_DATE:
		if (regcsv_date(v, len, msg, msgsz) != 0)
			return ERR_INVAL;
		break;
	case REGCSV_PDATE:
		if (regcsv_pdate(v, len, msg, msgsz) != 0)
			return ERR_INVAL;
		break;
	case REGCSV_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || errno != 0 ||
		    end != v + len || n < f->min || n > f->max) {
			(void)snprintf(msg, msgsz, "\"%s\" is not a whole "
			    "number from %ld to %ld", show, f->min, f->max);
			return ERR_INVAL;
		}
		*i32 = (int32_t)n;
		return 0;
	case REGCSV_REASON:
		if (regcsv_enum(v, regcsv_reasons, NF(regcsv_reasons),
		    FEED_LOST, &e) != 0) {
			(void)snprintf(msg, msgsz, "\"%s\" is not lost, "
			    "stolen, invalidated or revoked", show);
			return ERR_INVAL;
		}
		*ip = e;
		return 0;
	case REGCSV_AKIND:
		if (regcsv_enum(v, regcsv_akinds, NF(regcsv_akinds),
		    FEED_ENTRY_BAN, &e) != 0) {
			(void)snprintf(msg, msgsz, "\"%s\" is not entry_ban, "
			    "exit_ban or wanted", show);
			return ERR_INVAL;
		}
		*ip = e;
		return 0;
	case REGCSV_PKIND:
		if (regcsv_enum(v, regcsv_pkinds, NF(regcsv_pkinds),
		    POLICY_PERMIT_VISA, &e) != 0) {
			(void)snprintf(msg, msgsz, "\"%s\" is not visa, "
			    "work_permit, residence_permit, refugee, asylum "
			    "or repatriate", show);
			return ERR_INVAL;
		}
		*ip = e;
		return 0;
	}
	if (len >= f->size) {		/* ids, codes, dates: bounded above */
		(void)snprintf(msg, msgsz, "is too long");
		return ERR_INVAL;
	}
	memcpy(s, v, len);
	s[len] = '\0';
	return 0;
}

/* Every optional field at its default; required ones empty. */
void
regcsv_rec_init(const struct regcsv_kind *k, struct regcsv_rec *r)
{
	char	msg[REGCSV_MSG_MAX];
	size_t	i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < k->nfields; i++)
		if (!k->fields[i].required)
			(void)regcsv_set(&k->fields[i], r, "", 0, msg,
			    sizeof(msg));
}

/* The feed entry of a record of a feed kind. */
static void
regcsv_entry(const struct regcsv_kind *k, const struct regcsv_rec *r,
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
const char *
regcsv_column_of(const char *field)
{
	const char	*dot = strrchr(field, '.');

	return dot != NULL ? dot + 1 : field;
}

/*
 * What no single field shows: the feed's own rules (feed_check_entry()),
 * a period that ends before it begins. 0, or ERR_INVAL with *col and msg.
 */
int
regcsv_rec_check(const struct regcsv_kind *k, const struct regcsv_rec *r,
    const char **col, char *msg, size_t msgsz)
{
	struct feed_entry	e;
	struct proto_error	pe;

	if (k->ckind == CREG_REGISTRATION) {
		if (strcmp(r->u.rg.valid_until, r->u.rg.valid_from) < 0) {
			*col = "valid_until";
			(void)snprintf(msg, msgsz, "%s is before valid_from %s",
			    r->u.rg.valid_until, r->u.rg.valid_from);
			return ERR_INVAL;
		}
		return 0;
	}
	if (k->ckind == CREG_PERMIT &&
	    strcmp(r->u.pm.valid_until, r->u.pm.valid_from) < 0) {
		*col = "valid_until";
		(void)snprintf(msg, msgsz, "%s is before valid_from %s",
		    r->u.pm.valid_until, r->u.pm.valid_from);
		return ERR_INVAL;
	}
	regcsv_entry(k, r, &e);
	memset(&pe, 0, sizeof(pe));
	if (!feed_check_entry(&e, &pe)) {
		*col = regcsv_column_of(pe.field);
		(void)snprintf(msg, msgsz, "%s", pe.message);
		return ERR_INVAL;
	}
	return 0;
}

/* Stores r through the registry, in conn's open transaction. */
int
regcsv_put(PGconn *conn, const char *actor, const struct regcsv_kind *k,
    const struct regcsv_rec *r, int *changed, struct proto_error *pe)
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

/* ---- CSV imports ---- */

/* Keeps a problem if there is room: rows and the header up to
 * REGCSV_ERRS_MAX, a syntax error in the one slot more. */
static void
regcsv_problem(struct regcsv_report *rep, unsigned long line, int header,
    int syntax, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
regcsv_problem(struct regcsv_report *rep, unsigned long line, int header,
    int syntax, const char *field, const char *fmt, ...)
{
	struct regcsv_problem	*p;
	va_list			 ap;

	rep->nbad++;
	if (rep->nproblems >= REGCSV_ERRS_MAX + (syntax ? 1 : 0))
		return;
	p = &rep->problems[rep->nproblems++];
	memset(p, 0, sizeof(*p));
	p->line = line;
	p->header = header;
	p->syntax = syntax;
	(void)snprintf(p->field, sizeof(p->field), "%s", field);
	va_start(ap, fmt);
	(void)vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

/* Maps the header's columns to fields (-1: ignored); 0, or ERR_INVAL with
 * the problems in rep (if not NULL). */
static int
regcsv_header_map(const struct regcsv_kind *k, const struct csvin *c,
    int *map, struct regcsv_report *rep)
{
	char	known[512], show[REGCSV_SHOW_MAX + 8];
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
		/* What a listing adds: ignored, so a listing imports
		 * back. */
		if (map[i] < 0 && strcmp(name, "changed_at") != 0 &&
		    strcmp(name, "changed_by") != 0) {
			regcsv_show(name, strlen(name), show, sizeof(show));
			if (rep != NULL)
				regcsv_problem(rep, csvin_line(c), 1, 0, show,
				    "unknown column \"%s\" (the columns are "
				    "%s)", show, known);
			bad = 1;
		}
	}
	for (f = 0; f < k->nfields; f++) {
		if (!k->fields[f].required)
			continue;
		for (i = 0, seen = 0; i < csvin_ncols(c); i++)
			seen |= map[i] == (int)f;
		if (!seen) {
			if (rep != NULL)
				regcsv_problem(rep, csvin_line(c), 1, 0,
				    k->fields[f].name, "column \"%s\" is "
				    "missing (the columns are %s)",
				    k->fields[f].name, known);
			bad = 1;
		}
	}
	return bad ? ERR_INVAL : 0;
}

/* Fills r from the current record; 0, or ERR_INVAL with *col and msg. */
static int
regcsv_row_fill(const struct regcsv_kind *k, const struct csvin *c,
    const int *map, struct regcsv_rec *r, const char **col, char *msg,
    size_t msgsz)
{
	const char	*v;
	size_t		 i, len;

	regcsv_rec_init(k, r);
	for (i = 0; i < csvin_ncols(c); i++) {
		if (map[i] < 0)
			continue;
		v = csvin_field(c, i, &len);
		if (regcsv_set(&k->fields[map[i]], r, v, len, msg,
		    msgsz) != 0) {
			*col = k->fields[map[i]].name;
			return ERR_INVAL;
		}
	}
	return regcsv_rec_check(k, r, col, msg, msgsz);
}

struct regcsv_seen {
	char		id[FEED_ID_MAX + 1];
	unsigned long	line;
};

static int
regcsv_seen_cmp(const void *a, const void *b)
{
	const struct regcsv_seen	*x = a, *y = b;
	int				 c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

int
regcsv_import_check(const struct regcsv_kind *k, const char *buf,
    size_t len, struct regcsv_report *rep)
{
	struct csvin		*c;
	struct regcsv_rec	 r;
	struct regcsv_seen	*seen = NULL, *p;
	const char		*col;
	char			 msg[REGCSV_MSG_MAX];
	int			 map[CSVIN_COLS_MAX];
	size_t			 nseen = 0, capseen = 0, i;
	int			 rc;

	memset(rep, 0, sizeof(*rep));
	if (csvin_new_buf(&c, (const uint8_t *)buf, len, NULL) != 0)
		return ERR_NOMEM;
	if ((rc = csvin_header(c)) != 0) {
		if (rc == ERR_NOMEM) {
			csvin_free(c);
			return ERR_NOMEM;
		}
		regcsv_problem(rep, csvin_line(c), 1, 1, "", "%s",
		    csvin_errmsg(c));
		rep->unreadable = 1;
		csvin_free(c);
		return ERR_INVAL;
	}
	if (regcsv_header_map(k, c, map, rep) != 0) {
		rep->unreadable = 1;
		csvin_free(c);
		return ERR_INVAL;
	}
	while ((rc = csvin_next(c)) == 0) {
		if (regcsv_row_fill(k, c, map, &r, &col, msg,
		    sizeof(msg)) != 0) {
			regcsv_problem(rep, csvin_line(c), 0, 0, col, "%s",
			    msg);
			continue;
		}
		if (nseen == capseen) {
			capseen = capseen == 0 ? 1024 : capseen * 2;
			if ((p = reallocarray(seen, capseen,
			    sizeof(*seen))) == NULL) {
				free(seen);
				csvin_free(c);
				return ERR_NOMEM;
			}
			seen = p;
		}
		memcpy(seen[nseen].id, r.id, sizeof(r.id));
		seen[nseen++].line = csvin_line(c);
	}
	if (rc == ERR_NOMEM) {
		free(seen);
		csvin_free(c);
		return ERR_NOMEM;
	}
	if (rc != ERR_NOTFOUND)		/* the reader stops at bad CSV */
		regcsv_problem(rep, csvin_line(c), 0, 1, "", "%s",
		    csvin_errmsg(c));
	rep->nrows = csvin_count(c);
	csvin_free(c);
	if (nseen > 1)
		qsort(seen, nseen, sizeof(*seen), regcsv_seen_cmp);
	for (i = 1; i < nseen; i++)
		if (strcmp(seen[i].id, seen[i - 1].id) == 0)
			regcsv_problem(rep, seen[i].line, 0, 0, "id", "%s is "
			    "also on line %lu", seen[i].id, seen[i - 1].line);
	free(seen);
	return rep->nbad > 0 ? ERR_INVAL : 0;
}

int
regcsv_import_apply(PGconn *conn, const char *actor,
    const struct regcsv_kind *k, const char *buf, size_t len,
    struct regcsv_report *rep, struct proto_error *pe)
{
	struct csvin		*c;
	struct regcsv_rec	 r;
	const char		*col;
	char			 msg[REGCSV_MSG_MAX];
	int			 map[CSVIN_COLS_MAX], rc, changed;

	memset(rep, 0, sizeof(*rep));
	memset(pe, 0, sizeof(*pe));
	if (csvin_new_buf(&c, (const uint8_t *)buf, len, NULL) != 0)
		return ERR_NOMEM;
	if ((rc = csvin_header(c)) != 0 ||
	    (rc = regcsv_header_map(k, c, map, NULL)) != 0) {
		/* Checked by regcsv_import_check() already. */
		(void)snprintf(pe->message, sizeof(pe->message), "the header "
		    "does not read as it did when checked");
		csvin_free(c);
		return rc == ERR_NOMEM ? ERR_NOMEM : ERR_INVAL;
	}
	while ((rc = csvin_next(c)) == 0) {
		changed = 0;
		if (regcsv_row_fill(k, c, map, &r, &col, msg,
		    sizeof(msg)) != 0) {
			rc = ERR_INVAL;		/* checked in pass 1 */
			(void)snprintf(pe->field, sizeof(pe->field), "%s",
			    col);
			(void)snprintf(pe->message, sizeof(pe->message),
			    "%.*s", (int)sizeof(pe->message) - 1, msg);
		} else
			rc = regcsv_put(conn, actor, k, &r, &changed, pe);
		if (rc != 0)
			break;
		rep->nrows++;
		rep->unchanged += !changed;
	}
	if (rc != ERR_NOTFOUND) {
		if (rc != 0 && rc != ERR_INVAL && rc != ERR_DB &&
		    pe->message[0] == '\0')	/* the reader failed */
			(void)snprintf(pe->message, sizeof(pe->message), "%s",
			    csvin_errmsg(c));
		rep->nproblems = 1;
		rep->nbad = 1;
		rep->problems[0].line = csvin_line(c);
		(void)snprintf(rep->problems[0].field,
		    sizeof(rep->problems[0].field), "%s", pe->field);
		(void)snprintf(rep->problems[0].msg,
		    sizeof(rep->problems[0].msg), "%s", pe->message);
		csvin_free(c);
		return rc;
	}
	csvin_free(c);
	return 0;
}

/* ---- post certificates ---- */

int
regcsv_cert_read(const char *pem, size_t len, const char *ca_file,
    char cn[CREG_CN_MAX + 1], char hex[CREG_SHA256_HEX + 1], char *msg,
    size_t msgsz)
{
	BIO		*bio;
	X509		*x = NULL;
	X509_NAME	*name;
	X509_NAME_ENTRY	*ent;
	X509_STORE	*store = NULL;
	X509_STORE_CTX	*sctx = NULL;
	unsigned char	 md[EVP_MAX_MD_SIZE], *utf8 = NULL;
	unsigned int	 mdlen = 0, i;
	int		 idx, n, rc;

	msg[0] = '\0';
	if (len > INT32_MAX) {
		(void)snprintf(msg, msgsz, "is not a PEM certificate");
		return ERR_PARSE;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		(void)snprintf(msg, msgsz, "out of memory");
		return ERR_NOMEM;
	}
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL) {
		(void)snprintf(msg, msgsz, "is not a PEM certificate");
		return ERR_PARSE;
	}
	rc = ERR_PARSE;
	name = X509_get_subject_name(x);
	if ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0 ||
	    (ent = X509_NAME_get_entry(name, idx)) == NULL ||
	    (n = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(ent))) <= 0 || n > CREG_CN_MAX ||
	    memchr(utf8, '\0', (size_t)n) != NULL) {
		(void)snprintf(msg, msgsz, "the subject must have exactly one "
		    "common name (CN) of 1..%d bytes", CREG_CN_MAX);
		goto done;
	}
	memcpy(cn, utf8, (size_t)n);
	cn[n] = '\0';
	if (!X509_digest(x, EVP_sha256(), md, &mdlen) ||
	    mdlen != CREG_SHA256_LEN) {
		(void)snprintf(msg, msgsz, "cannot hash it");
		goto done;
	}
	for (i = 0; i < CREG_SHA256_LEN; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (ca_file != NULL && ca_file[0] != '\0') {
		if ((store = X509_STORE_new()) == NULL ||
		    (sctx = X509_STORE_CTX_new()) == NULL) {
			(void)snprintf(msg, msgsz, "out of memory");
			rc = ERR_NOMEM;
			goto done;
		}
		if (X509_STORE_load_file(store, ca_file) != 1) {
			(void)snprintf(msg, msgsz, "cannot load the posts' CA "
			    "(tls.client_ca_file)");
			rc = ERR_IO;
			goto done;
		}
		if (X509_STORE_CTX_init(sctx, store, x, NULL) != 1 ||
		    X509_STORE_CTX_set_purpose(sctx,
		    X509_PURPOSE_SSL_CLIENT) != 1 ||
		    X509_verify_cert(sctx) != 1) {
			(void)snprintf(msg, msgsz, "not a client certificate "
			    "of the posts' CA: %s",
			    X509_verify_cert_error_string(
			    X509_STORE_CTX_get_error(sctx)));
			rc = ERR_AUTH;
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
