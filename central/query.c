/* query.c - the inspectors' queries (docs/queries.md): overstayers as of a
 * day, work permits that ended while the holder stayed, foreigners not
 * registered within the working-day deadline, and one document's history;
 * their parameters (checked one by one, each error naming its parameter),
 * keyset paging, JSON and CSV, and the people's API routes, which audit
 * every query before answering it. SQL is built only from the constant
 * fragments below; every value is a parameter. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "api.h"
#include "audit.h"
#include "cencfg.h"
#include "creg.h"
#include "date.h"
#include "err.h"
#include "log.h"
#include "pgutil.h"
#include "namematch.h"
#include "policy.h"
#include "proto.h"
#include "query.h"

#define QUERY_NPARAMS	13		/* $1..$13 of a list query */
#define QUERY_SQL_MAX	8192
#define QUERY_TEXTOID	25		/* PostgreSQL's text type */
#define QUERY_HOLIDAYS_TEXT	(CEN_HOLIDAYS_MAX * 11 + 3)

/* Bits of query_params.given, in the order of query_param_names. */
enum {
	QP_AS_OF, QP_NATIONALITY, QP_REGION, QP_POST, QP_CATEGORY,
	QP_MIN_DAYS, QP_SORT, QP_ORDER, QP_LIMIT, QP_OFFSET, QP_CURSOR,
	QP_COUNT
};
static const char *const query_param_names[QP_COUNT] = {
	"as_of", "nationality", "region", "post", "category", "min_days",
	"sort", "order", "limit", "offset", "cursor"
};
/* The parameters each kind takes (all but category for work permits). */
#define QP_ALL		((1u << QP_COUNT) - 1)
#define QP_NOCAT	(QP_ALL & ~(1u << QP_CATEGORY))

static const char *const query_sort_names[] = {
	"days", "entry", "nationality", "post"
};
static const char query_sort_chars[] = "denp";

/* The categories of stay_states (migration 006); the words for
 * the two ended permits are accepted as well. */
static const char *const query_categories[] = {
	"visa_free", "no_visa", "visa", "work_permit", "residence_permit",
	"refugee_asylum", "repatriate"
};

static const struct cen_cfg	*query_cfg;

/*
 * Columns and SQL of the list queries.
 */

#define RESIDENCE_COLS							\
	{ "region", "residence", QUERY_TEXT },				\
	{ "address", "residence", QUERY_TEXT },				\
	{ "host", "residence", QUERY_TEXT },				\
	{ "registration", "residence", QUERY_TEXT }
#define PERSON_COLS							\
	{ "issuing_state", NULL, QUERY_TEXT },				\
	{ "number", NULL, QUERY_TEXT },					\
	{ "nationality", NULL, QUERY_TEXT },				\
	{ "surname", NULL, QUERY_TEXT },				\
	{ "given_names", NULL, QUERY_TEXT },				\
	{ "birth_date", NULL, QUERY_TEXT },				\
	{ "sex", NULL, QUERY_TEXT },					\
	{ "entry_date", NULL, QUERY_TEXT },				\
	{ "entry_post", NULL, QUERY_TEXT }

static const struct query_col overstay_cols[] = {
	PERSON_COLS,
	{ "allowed_until", NULL, QUERY_TEXT },
	{ "days_overstayed", NULL, QUERY_INT },
	{ "rule", NULL, QUERY_TEXT },
	{ "category", NULL, QUERY_TEXT },
	RESIDENCE_COLS
};
static const struct query_col work_cols[] = {
	PERSON_COLS,
	{ "permit", NULL, QUERY_TEXT },
	{ "permit_valid_until", NULL, QUERY_TEXT },
	{ "employer", NULL, QUERY_TEXT },
	{ "permit_region", NULL, QUERY_TEXT },
	{ "days_since_end", NULL, QUERY_INT },
	{ "allowed_until", NULL, QUERY_TEXT },
	{ "days_overstayed", NULL, QUERY_INT },
	{ "rule", NULL, QUERY_TEXT },
	{ "category", NULL, QUERY_TEXT },
	RESIDENCE_COLS
};
static const struct query_col unreg_cols[] = {
	PERSON_COLS,
	{ "deadline", NULL, QUERY_TEXT },
	{ "days_late", NULL, QUERY_INT },
	{ "rule", NULL, QUERY_TEXT },
	{ "category", NULL, QUERY_TEXT },
	RESIDENCE_COLS
};

/*
 * Parameters: $1 as_of, $2 nationality, $3 post, $4 category, $5
 * min_days, $6 region ("" for none), $7 registration days, $8 holidays
 * (a date[] literal), $9..$11 the cursor's key, state and number, $12
 * limit (+1), $13 offset.
 */
#define DAY(x)	"to_char(" x ", 'YYYY-MM-DD')"

static const char q_inner_cols[] =
	"s.issuing_state, s.number, s.nationality, s.open_entry,"
	" s.open_post, s.allowed_until, s.rule, s.category,"
	" g.id AS reg_id, g.region AS reg_region, g.address AS reg_address,"
	" g.host AS reg_host";
/* The registration valid on as_of: the residence, and the region filter. */
static const char q_reg_join[] =
	" LEFT JOIN LATERAL (SELECT g.id, g.region, g.address, g.host"
	" FROM registrations g WHERE g.number = s.number"
	" AND g.issuing_state = s.issuing_state"
	" AND g.valid_from <= $1::date AND g.valid_until >= $1::date"
	" ORDER BY g.valid_from DESC, g.id DESC LIMIT 1) g ON true";
/* The same with the region filter: the registrations of that region valid
 * on as_of with none newer valid then, as a join the planner can drive
 * from either side (a rare region from its registrations, a common one by
 * hashing) instead of one lookup per open stay (tests/bench/people.sh). */
static const char q_reg_join_region[] =
	" JOIN registrations g ON g.number = s.number"
	" AND g.issuing_state = s.issuing_state AND g.region = $6"
	" AND g.valid_from <= $1::date AND g.valid_until >= $1::date"
	" AND NOT EXISTS (SELECT 1 FROM registrations g2"
	" WHERE g2.number = g.number AND g2.issuing_state = g.issuing_state"
	" AND g2.valid_from <= $1::date AND g2.valid_until >= $1::date"
	" AND (g2.valid_from, g2.id) > (g.valid_from, g.id))";
static const char q_common_where[] =
	" WHERE s.open_entry IS NOT NULL AND s.open_entry <= $1::date"
	" AND ($2 = '' OR s.nationality = $2)"
	" AND ($3 = '' OR s.open_post = $3)"
	" AND ($4 = '' OR s.category = $4)";
/* The person as the latest crossing gives them, for the page's rows. */
static const char q_person_join[] =
	" LEFT JOIN LATERAL (SELECT c.surname, c.given_names, c.birth_date,"
	" c.sex FROM crossings c WHERE c.doc_number = b.number"
	" AND c.issuing_state = b.issuing_state"
	" ORDER BY c.recorded_at DESC, c.post DESC, c.seq DESC LIMIT 1) x"
	" ON true";
#define OUT_PERSON							\
	"b.issuing_state, b.number, b.nationality, x.surname,"		\
	" x.given_names, " DAY("x.birth_date") ", x.sex, "		\
	DAY("b.open_entry") ", b.open_post"
#define OUT_RESIDENCE	"b.reg_region, b.reg_address, b.reg_host, b.reg_id"

struct query_shape {
	const struct query_col	*cols;
	size_t			 ncols;
	const char		*from;		/* after "FROM stay_states s" */
	const char		*where;		/* after q_common_where */
	const char		*extra;		/* more inner columns */
	const char		*days_key;	/* the key of sort=days */
	const char		*out;		/* the outer columns */
};

static const struct query_shape query_shapes[] = {
	[QUERY_OVERSTAYS] = {
		overstay_cols, sizeof(overstay_cols) / sizeof(overstay_cols[0]),
		"",
		" AND s.allowed_until < $1::date"
		" AND s.allowed_until <= $1::date - $5::integer",
		"",
		"s.allowed_until",
		OUT_PERSON ", " DAY("b.allowed_until") ","
		" ($1::date - b.allowed_until)::text, b.rule, b.category, "
		OUT_RESIDENCE
	},
	[QUERY_WORK_PERMITS_ENDED] = {
		work_cols, sizeof(work_cols) / sizeof(work_cols[0]),
		/* The last work permit ended before as_of (none ending
		 * later, ties by id), as a join the planner can hash rather
		 * than one look-up per open stay (tests/bench/people.sh). */
		" JOIN permits w ON w.number = s.number"
		" AND w.issuing_state = s.issuing_state"
		" AND w.kind = 'work_permit' AND w.valid_until < $1::date"
		" AND NOT EXISTS (SELECT 1 FROM permits w2"
		" WHERE w2.number = w.number"
		" AND w2.issuing_state = w.issuing_state"
		" AND w2.kind = 'work_permit' AND w2.valid_until < $1::date"
		" AND (w2.valid_until, w2.id) > (w.valid_until, w.id))",
		" AND s.open_entry <= w.valid_until"
		" AND w.valid_until <= $1::date - $5::integer"
		" AND NOT EXISTS (SELECT 1 FROM permits q"
		" WHERE q.number = s.number"
		" AND q.issuing_state = s.issuing_state"
		" AND q.valid_until > w.valid_until)",
		", w.id AS w_id, w.valid_until AS w_until,"
		" w.employer AS w_employer, w.region AS w_region",
		"w.valid_until",
		OUT_PERSON ", b.w_id, " DAY("b.w_until") ", b.w_employer,"
		" b.w_region, ($1::date - b.w_until)::text, "
		DAY("b.allowed_until") ","
		" greatest($1::date - b.allowed_until, 0)::text, b.rule,"
		" b.category, " OUT_RESIDENCE
	},
	[QUERY_UNREGISTERED] = {
		unreg_cols, sizeof(unreg_cols) / sizeof(unreg_cols[0]),
		/* The deadline of each entry day once, not once per open
		 * stay (10 s at 300,000: tests/bench/people.sh); OFFSET 0
		 * keeps the planner from copying the call into a filter. */
		" JOIN (SELECT x::date AS day, query_workday_add(x::date,"
		" $7::integer, $8::date[]) AS dl FROM generate_series("
		"(SELECT min(open_entry) FROM stay_states"
		" WHERE open_entry IS NOT NULL)::timestamp,"
		" $1::date::timestamp, interval '1 day') x OFFSET 0) d"
		" ON d.day = s.open_entry",
		" AND s.open_entry < $1::date - $7::integer"
		" AND d.dl < $1::date AND d.dl <= $1::date - $5::integer"
		" AND NOT EXISTS (SELECT 1 FROM registrations r"
		" WHERE r.number = s.number"
		" AND r.issuing_state = s.issuing_state"
		" AND r.valid_from <= d.dl AND r.valid_until >= d.dl)",
		", d.dl AS dl",
		"d.dl",
		OUT_PERSON ", " DAY("b.dl") ", ($1::date - b.dl)::text,"
		" b.rule, b.category, " OUT_RESIDENCE
	}
};

const char *
query_kind_str(enum query_kind kind)
{
	switch (kind) {
	case QUERY_OVERSTAYS:
		return "overstays";
	case QUERY_WORK_PERMITS_ENDED:
		return "work_permits_ended";
	case QUERY_UNREGISTERED:
		return "unregistered";
	}
	return "invalid";
}

/*
 * Parameters.
 */

static int
query_fail(struct query_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
query_fail(struct query_err *err, const char *field, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL) {
		(void)snprintf(err->field, sizeof(err->field), "%s", field);
		va_start(ap, fmt);
		(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return ERR_INVAL;
}

void
query_params_init(struct query_params *p, enum query_kind kind)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->sort = QUERY_SORT_DAYS;
	p->desc = -1;
	p->limit = QUERY_LIMIT_DEFAULT;
}

/* A decimal whole number min..max, digits only (at most 9). */
static int
query_parse_long(const char *s, long min, long max, long *out)
{
	long	v = 0;
	size_t	i, n = strlen(s);

	if (n == 0 || n > 9)
		return ERR_PARSE;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ERR_PARSE;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return ERR_RANGE;
	*out = v;
	return 0;
}

/* Only characters from set, 1..max of them. */
static int
query_charset(const char *s, size_t max, const char *set)
{
	size_t	n = strlen(s);

	return n >= 1 && n <= max && strspn(s, set) == n;
}

#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS	"0123456789"

int
query_doc_check(const char *state, const char *number)
{
	return query_charset(state, PROTO_STATE_MAX, UPPER) &&
	    query_charset(number, PROTO_DOCNUM_MAX, UPPER DIGITS);
}

static int
query_day_check(const char *s)
{
	struct date	d;
	size_t		n = strlen(s);

	return n == QUERY_DAY_LEN && date_parse_iso(&d, s, n) == 0;
}

/* Text a person typed: 1..max bytes, no control characters. */
static int
query_text_check(const char *s, size_t max)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* A cursor: sort and order letters, then key, state, number after dots:
 * "da.2026-01-05.RUS.P1234567". 0 with its parts, or ERR_PARSE. */
static int
query_cursor_split(const char *c, enum query_sort *sort, int *desc,
    char key[QUERY_DAY_LEN + 1], char state[PROTO_STATE_MAX + 1],
    char number[PROTO_DOCNUM_MAX + 1])
{
	const char	*s, *dot1, *dot2, *dot3;
	size_t		 n;

	if (strlen(c) < 8 || (s = strchr(query_sort_chars, c[0])) == NULL ||
	    (c[1] != 'a' && c[1] != 'd') || c[2] != '.')
		return ERR_PARSE;
	*sort = (enum query_sort)(s - query_sort_chars);
	*desc = c[1] == 'd';
	dot1 = c + 2;
	if ((dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    (dot3 = strchr(dot2 + 1, '.')) == NULL)
		return ERR_PARSE;
	if ((n = (size_t)(dot2 - dot1 - 1)) > QUERY_DAY_LEN)
		return ERR_PARSE;
	memcpy(key, dot1 + 1, n);
	key[n] = '\0';
	if ((n = (size_t)(dot3 - dot2 - 1)) > PROTO_STATE_MAX)
		return ERR_PARSE;
	memcpy(state, dot2 + 1, n);
	state[n] = '\0';
	if (strlen(dot3 + 1) > PROTO_DOCNUM_MAX)
		return ERR_PARSE;
	(void)snprintf(number, PROTO_DOCNUM_MAX + 1, "%s", dot3 + 1);
	if (!query_doc_check(state, number))
		return ERR_PARSE;
	switch (*sort) {
	case QUERY_SORT_DAYS:
	case QUERY_SORT_ENTRY:
		return query_day_check(key) ? 0 : ERR_PARSE;
	case QUERY_SORT_NATIONALITY:
		return query_charset(key, PROTO_STATE_MAX, UPPER) ? 0 :
		    ERR_PARSE;
	case QUERY_SORT_POST:
		return query_charset(key, PROTO_POST_MAX, UPPER DIGITS) ? 0 :
		    ERR_PARSE;
	}
	return ERR_PARSE;
}

/* The order asked for, or the sort's own (most days first, else
 * ascending). */
static int
query_desc(const struct query_params *p)
{
	if (p->desc >= 0)
		return p->desc;
	return p->sort == QUERY_SORT_DAYS;
}

int
query_param_set(struct query_params *p, const char *name,
    const char *value, struct query_err *err)
{
	unsigned	 accepted = p->kind == QUERY_WORK_PERMITS_ENDED ?
			    QP_NOCAT : QP_ALL;
	size_t		 i, k;
	long		 v;
	int		 rc;

	for (k = 0; k < QP_COUNT; k++)
		if (strcmp(name, query_param_names[k]) == 0)
			break;
	if (k == QP_COUNT) {
		(void)query_fail(err, "", "unknown parameter \"%.32s\"", name);
		return ERR_NOTFOUND;
	}
	if (!(accepted & (1u << k)))
		return query_fail(err, name, "the %s query takes no %s",
		    query_kind_str(p->kind), name);
	if (p->given & (1u << k))
		return query_fail(err, name, "%s is given twice", name);
	switch (k) {
	case QP_AS_OF:
		if (!query_day_check(value))
			return query_fail(err, name, "\"%.32s\" is not a date "
			    "YYYY-MM-DD", value);
		(void)snprintf(p->as_of, sizeof(p->as_of), "%s", value);
		break;
	case QP_NATIONALITY:
		if (!query_charset(value, PROTO_STATE_MAX, UPPER))
			return query_fail(err, name, "\"%.32s\" is not a "
			    "nationality code (1..3 capital letters, as in "
			    "the MRZ)", value);
		(void)snprintf(p->nationality, sizeof(p->nationality), "%s",
		    value);
		break;
	case QP_REGION:
		if (!query_text_check(value, CREG_TEXT_MAX))
			return query_fail(err, name, "a region is 1..%d bytes "
			    "of text", CREG_TEXT_MAX);
		(void)snprintf(p->region, sizeof(p->region), "%s", value);
		break;
	case QP_POST:
		if (!proto_check_post_code(value, strlen(value)))
			return query_fail(err, name, "\"%.32s\" is not a post "
			    "code (2..16 of A-Z, 0-9)", value);
		(void)snprintf(p->post, sizeof(p->post), "%s", value);
		break;
	case QP_CATEGORY:
		if (strcmp(value, "work_permit_ended") == 0)
			value = "work_permit";
		else if (strcmp(value, "residence_permit_ended") == 0)
			value = "residence_permit";
		for (i = 0; i < sizeof(query_categories) /
		    sizeof(query_categories[0]); i++)
			if (strcmp(value, query_categories[i]) == 0)
				break;
		if (i == sizeof(query_categories) /
		    sizeof(query_categories[0]))
			return query_fail(err, name, "\"%.32s\" is not a "
			    "category (visa_free, no_visa, visa, work_permit, "
			    "residence_permit, refugee_asylum, repatriate)",
			    value);
		(void)snprintf(p->category, sizeof(p->category), "%s",
		    value);
		break;
	case QP_MIN_DAYS:
		if (query_parse_long(value, 0, QUERY_DAYS_MAX, &v) != 0)
			return query_fail(err, name, "\"%.32s\" is not a whole "
			    "number of days 0..%d", value, QUERY_DAYS_MAX);
		p->min_days = v;
		break;
	case QP_SORT:
		for (i = 0; i < 4; i++)
			if (strcmp(value, query_sort_names[i]) == 0)
				break;
		if (i == 4)
			return query_fail(err, name, "\"%.32s\" is not days, "
			    "entry, nationality or post", value);
		p->sort = (enum query_sort)i;
		break;
	case QP_ORDER:
		if (strcmp(value, "asc") == 0)
			p->desc = 0;
		else if (strcmp(value, "desc") == 0)
			p->desc = 1;
		else
			return query_fail(err, name, "\"%.32s\" is not asc or "
			    "desc", value);
		break;
	case QP_LIMIT:
		if ((rc = query_parse_long(value, 1, QUERY_LIMIT_MAX, &v)) !=
		    0)
			return query_fail(err, name, "\"%.32s\" is not a whole "
			    "number 1..%d", value, QUERY_LIMIT_MAX);
		p->limit = v;
		break;
	case QP_OFFSET:
		if (query_parse_long(value, 0, QUERY_OFFSET_MAX, &v) != 0)
			return query_fail(err, name, "\"%.32s\" is not a whole "
			    "number 0..%d", value, QUERY_OFFSET_MAX);
		p->offset = v;
		break;
	case QP_CURSOR: {
		enum query_sort	 cs;
		char		 key[QUERY_DAY_LEN + 1];
		char		 st[PROTO_STATE_MAX + 1];
		char		 num[PROTO_DOCNUM_MAX + 1];
		int		 cd;

		if (strlen(value) > QUERY_CURSOR_MAX ||
		    query_cursor_split(value, &cs, &cd, key, st, num) != 0)
			return query_fail(err, name, "not a cursor of this API "
			    "(pass next_cursor as it came)");
		(void)snprintf(p->cursor, sizeof(p->cursor), "%s", value);
		break;
	}
	}
	p->given |= 1u << k;
	return 0;
}

int
query_params_check(const struct query_params *p, struct query_err *err)
{
	enum query_sort	 cs;
	char		 key[QUERY_DAY_LEN + 1];
	char		 st[PROTO_STATE_MAX + 1], num[PROTO_DOCNUM_MAX + 1];
	int		 cd;

	if (p->cursor[0] == '\0')
		return 0;
	if (p->offset != 0)
		return query_fail(err, "cursor", "give cursor or offset, not "
		    "both");
	if (query_cursor_split(p->cursor, &cs, &cd, key, st, num) != 0)
		return query_fail(err, "cursor", "not a cursor of this API");
	if (cs != p->sort || cd != query_desc(p))
		return query_fail(err, "cursor", "the cursor belongs to "
		    "another order (sort=%s, order=%s)", query_sort_names[cs],
		    cd ? "desc" : "asc");
	return 0;
}

char *
query_params_detail(const struct query_params *p, const char *as_of)
{
	json_t	*o;
	char	*text = NULL;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(o, "query",
	    json_string(query_kind_str(p->kind)));
	bad |= json_object_set_new(o, "as_of", json_string(as_of));
#define SETS(bit, key, val) \
	if (p->given & (1u << (bit))) \
		bad |= json_object_set_new(o, key, json_string(val))
	SETS(QP_NATIONALITY, "nationality", p->nationality);
	SETS(QP_REGION, "region", p->region);
	SETS(QP_POST, "post", p->post);
	SETS(QP_CATEGORY, "category", p->category);
	SETS(QP_SORT, "sort", query_sort_names[p->sort]);
	SETS(QP_ORDER, "order", query_desc(p) ? "desc" : "asc");
	SETS(QP_CURSOR, "cursor", p->cursor);
#undef SETS
	if (p->given & (1u << QP_MIN_DAYS))
		bad |= json_object_set_new(o, "min_days",
		    json_integer(p->min_days));
	if (p->given & (1u << QP_LIMIT))
		bad |= json_object_set_new(o, "limit", json_integer(p->limit));
	if (p->given & (1u << QP_OFFSET))
		bad |= json_object_set_new(o, "offset",
		    json_integer(p->offset));
	if (!bad)
		text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

/*
 * Settings.
 */

void
query_settings_init(struct query_settings *s, const struct cen_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->registration_days = 3;
	if (cfg == NULL)
		return;
	s->registration_days = cfg->queries_registration_days;
	s->holidays = (const char (*)[11])cfg->queries_holidays;
	s->nholidays = cfg->queries_nholidays;
}

void
query_configure(const struct cen_cfg *cfg)
{
	query_cfg = cfg;
}

/* {2026-01-01,2026-03-08} for $8; ERR_RANGE if it does not fit. */
static int
query_holidays_text(const struct query_settings *qs, char *buf,
    size_t bufsz)
{
	size_t	i, len = 0;
	int	w;

	if (bufsz < 3)
		return ERR_RANGE;
	buf[len++] = '{';
	for (i = 0; i < qs->nholidays; i++) {
		if (!query_day_check(qs->holidays[i]))
			continue;	/* the loader checked them */
		w = snprintf(buf + len, bufsz - len, "%s%s", len > 1 ? "," :
		    "", qs->holidays[i]);
		if (w < 0 || (size_t)w >= bufsz - len)
			return ERR_RANGE;
		len += (size_t)w;
	}
	if (len + 2 > bufsz)
		return ERR_RANGE;
	buf[len++] = '}';
	buf[len] = '\0';
	return 0;
}

/*
 * Running a list query.
 */

static PGresult *
query_exec(PGconn *conn, const char *sql, int n, const char *const *v,
    const char *what)
{
	Oid		 types[QUERY_NPARAMS];
	PGresult	*r;
	int		 i;

	for (i = 0; i < n && i < QUERY_NPARAMS; i++)
		types[i] = QUERY_TEXTOID;
	r = PQexecParams(conn, sql, n, n > 0 ? types : NULL, v, NULL, NULL,
	    0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pgu_log_result(conn, "query", what, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

int
query_today(PGconn *conn, char out[QUERY_DAY_LEN + 1])
{
	const char	*v[1];
	struct policy	*pol = NULL;
	PGresult	*r;
	char		*yaml = NULL;
	char		 tz[POLICY_TZ_MAX + 1] = "UTC";
	size_t		 len;
	int		 rc;

	rc = creg_policy_get(conn, NULL, &yaml, &len, NULL);
	if (rc == 0) {
		if (policy_load_buf(&pol, "policy", (const uint8_t *)yaml,
		    len, NULL) == 0)
			(void)snprintf(tz, sizeof(tz), "%s", pol->timezone);
		policy_free(pol);
		free(yaml);
	} else if (rc != ERR_NOTFOUND)
		return rc;
	v[0] = tz;
	if ((r = query_exec(conn, "SELECT to_char((now() AT TIME ZONE $1)"
	    "::date, 'YYYY-MM-DD')", 1, v, "today")) == NULL)
		return ERR_DB;
	(void)snprintf(out, QUERY_DAY_LEN + 1, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* Appends text to buf at *len; ERR_RANGE if it does not fit. */
static int
query_cat(char *buf, size_t bufsz, size_t *len, const char *s)
{
	size_t	n = strlen(s);

	if (n >= bufsz - *len)
		return ERR_RANGE;
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return 0;
}

/*
 * The SQL of a list query's page (count 0) or of its total (count 1).
 * count 2 is the page of an overstay query with a region that many of its
 * rows have (query_run()): it walks the sort's index and looks up each
 * row's registration, so it stops after a page; the join of count 0 reads
 * every row of a rare region's registrations instead, which is quicker
 * for it. Both give the same rows.
 */
#define QUERY_WALK_RATIO	20	/* total >= 20 x (limit + offset + 1) */

static int
query_sql(const struct query_params *p, int count, char *buf, size_t bufsz)
{
	const struct query_shape	*sh = &query_shapes[p->kind];
	const char			*key, *dir, *ktype;
	char				 order[256], keyset[192];
	size_t				 len = 0;
	int				 rc = 0;

	switch (p->sort) {
	case QUERY_SORT_DAYS:
		key = sh->days_key;
		ktype = "date";
		break;
	case QUERY_SORT_ENTRY:
		key = "s.open_entry";
		ktype = "date";
		break;
	case QUERY_SORT_NATIONALITY:
		key = "s.nationality";
		ktype = "text";
		break;
	default:
		key = "s.open_post";
		ktype = "text";
		break;
	}
	/* Most days first is the earliest key first. */
	if (p->sort == QUERY_SORT_DAYS)
		dir = query_desc(p) ? "ASC" : "DESC";
	else
		dir = query_desc(p) ? "DESC" : "ASC";
	if (count == 1) {
		rc |= query_cat(buf, bufsz, &len, "SELECT count(*)::text"
		    " FROM stay_states s");
		rc |= query_cat(buf, bufsz, &len, sh->from);
		/* A LEFT JOIN of at most one row counts nothing: without a
		 * region the total reads no registration. */
		if (p->region[0] != '\0')
			rc |= query_cat(buf, bufsz, &len, q_reg_join_region);
		rc |= query_cat(buf, bufsz, &len, q_common_where);
		rc |= query_cat(buf, bufsz, &len, sh->where);
		return rc == 0 ? 0 : ERR_RANGE;
	}
	keyset[0] = '\0';
	if (p->cursor[0] != '\0' && snprintf(keyset, sizeof(keyset),
	    " AND (%s, s.issuing_state, s.number) %s ($9::%s, $10, $11)",
	    key, strcmp(dir, "ASC") == 0 ? ">" : "<", ktype) >=
	    (int)sizeof(keyset))
		return ERR_RANGE;
	if (snprintf(order, sizeof(order), " ORDER BY %s %s, s.issuing_state"
	    " %s, s.number %s", key, dir, dir, dir) >= (int)sizeof(order))
		return ERR_RANGE;
	rc |= query_cat(buf, bufsz, &len, "SELECT ");
	rc |= query_cat(buf, bufsz, &len, sh->out);
	rc |= query_cat(buf, bufsz, &len, strcmp(ktype, "date") == 0 ?
	    ", to_char(b.k, 'YYYY-MM-DD')" : ", b.k");
	rc |= query_cat(buf, bufsz, &len, " FROM (SELECT ");
	rc |= query_cat(buf, bufsz, &len, q_inner_cols);
	rc |= query_cat(buf, bufsz, &len, sh->extra);
	rc |= query_cat(buf, bufsz, &len, ", ");
	rc |= query_cat(buf, bufsz, &len, key);
	rc |= query_cat(buf, bufsz, &len, " AS k FROM stay_states s");
	rc |= query_cat(buf, bufsz, &len, sh->from);
	rc |= query_cat(buf, bufsz, &len, p->region[0] != '\0' &&
	    count != 2 ? q_reg_join_region : q_reg_join);
	rc |= query_cat(buf, bufsz, &len, q_common_where);
	if (p->region[0] != '\0' && count == 2)
		rc |= query_cat(buf, bufsz, &len, " AND g.region = $6");
	rc |= query_cat(buf, bufsz, &len, sh->where);
	rc |= query_cat(buf, bufsz, &len, keyset);
	rc |= query_cat(buf, bufsz, &len, order);
	rc |= query_cat(buf, bufsz, &len, " LIMIT $12::bigint OFFSET"
	    " $13::bigint) b");
	rc |= query_cat(buf, bufsz, &len, q_person_join);
	if (snprintf(order, sizeof(order), " ORDER BY b.k %s,"
	    " b.issuing_state %s, b.number %s", dir, dir, dir) >=
	    (int)sizeof(order))
		return ERR_RANGE;
	rc |= query_cat(buf, bufsz, &len, order);
	return rc == 0 ? 0 : ERR_RANGE;
}

void
query_page_reset(struct query_page *pg)
{
	PQclear(pg->r);
	memset(pg, 0, sizeof(*pg));
}

int
query_run(PGconn *conn, const struct query_settings *qs,
    const struct query_params *p, struct query_page *out)
{
	const struct query_shape	*sh = &query_shapes[p->kind];
	const char			*v[QUERY_NPARAMS];
	enum query_sort			 cs;
	struct query_page		 pg;
	PGresult			*r;
	char				*sql;
	char				 hol[QUERY_HOLIDAYS_TEXT];
	char				 asof[QUERY_DAY_LEN + 1];
	char				 mind[24], rdays[24], lim[24], off[24];
	char				 key[QUERY_DAY_LEN + 1];
	char				 st[PROTO_STATE_MAX + 1];
	char				 num[PROTO_DOCNUM_MAX + 1];
	size_t				 n;
	int				 cd, rc, walk;

	memset(&pg, 0, sizeof(pg));
	if (p->as_of[0] != '\0')
		(void)snprintf(asof, sizeof(asof), "%s", p->as_of);
	else if ((rc = query_today(conn, asof)) != 0)
		return rc;
	if (query_holidays_text(qs, hol, sizeof(hol)) != 0)
		return ERR_INVAL;
	(void)snprintf(mind, sizeof(mind), "%ld", p->min_days);
	(void)snprintf(rdays, sizeof(rdays), "%ld", qs->registration_days);
	(void)snprintf(lim, sizeof(lim), "%ld", p->limit + 1);
	(void)snprintf(off, sizeof(off), "%ld", p->offset);
	key[0] = st[0] = num[0] = '\0';
	if (p->cursor[0] != '\0' && query_cursor_split(p->cursor, &cs, &cd,
	    key, st, num) != 0)
		return ERR_INVAL;	/* query_params_check() said so */
	v[0] = asof;
	v[1] = p->nationality;
	v[2] = p->post;
	v[3] = p->category;
	v[4] = mind;
	v[5] = p->region;
	v[6] = rdays;
	v[7] = hol;
	v[8] = key;
	v[9] = st;
	v[10] = num;
	v[11] = lim;
	v[12] = off;
	if ((sql = malloc(QUERY_SQL_MAX)) == NULL)
		return ERR_NOMEM;
	if (query_sql(p, 1, sql, QUERY_SQL_MAX) != 0) {
		free(sql);
		return ERR_INVAL;
	}
	if ((r = query_exec(conn, sql, 8, v, query_kind_str(p->kind))) ==
	    NULL) {
		free(sql);
		return ERR_DB;
	}
	pg.total = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	walk = p->kind == QUERY_OVERSTAYS && p->region[0] != '\0' &&
	    (p->sort == QUERY_SORT_DAYS || p->sort == QUERY_SORT_ENTRY) &&
	    pg.total >= QUERY_WALK_RATIO * (p->limit + p->offset + 1);
	if (query_sql(p, walk ? 2 : 0, sql, QUERY_SQL_MAX) != 0) {
		free(sql);
		return ERR_INVAL;
	}
	r = query_exec(conn, sql, QUERY_NPARAMS, v, query_kind_str(p->kind));
	free(sql);
	if (r == NULL)
		return ERR_DB;
	pg.kind = p->kind;
	(void)snprintf(pg.as_of, sizeof(pg.as_of), "%s", asof);
	pg.limit = p->limit;
	pg.offset = p->offset;
	pg.cols = sh->cols;
	pg.ncols = sh->ncols;
	pg.r = r;
	n = (size_t)PQntuples(r);
	pg.nrows = n > (size_t)p->limit ? (size_t)p->limit : n;
	if (n > (size_t)p->limit && snprintf(pg.next_cursor,
	    sizeof(pg.next_cursor), "%c%c.%s.%s.%s",
	    query_sort_chars[p->sort], query_desc(p) ? 'd' : 'a',
	    PQgetvalue(r, (int)pg.nrows - 1, (int)sh->ncols),
	    PQgetvalue(r, (int)pg.nrows - 1, 0),
	    PQgetvalue(r, (int)pg.nrows - 1, 1)) >=
	    (int)sizeof(pg.next_cursor))
		pg.next_cursor[0] = '\0';	/* cannot happen: bounded */
	*out = pg;
	return 0;
}

/*
 * Output.
 */

void
query_col_name(const struct query_col *c, char *buf, size_t bufsz)
{
	if (c->group != NULL)
		(void)snprintf(buf, bufsz, "%s_%s", c->group, c->name);
	else
		(void)snprintf(buf, bufsz, "%s", c->name);
}

/* A value of the result as JSON. */
static json_t *
query_val(const PGresult *r, int row, int col, enum query_coltype t)
{
	if (PQgetisnull(r, row, col))
		return json_null();
	if (t == QUERY_INT)
		return json_integer(strtoll(PQgetvalue(r, row, col), NULL,
		    10));
	return json_string(PQgetvalue(r, row, col));
}

static json_t *
query_row_json(const struct query_page *pg, int row)
{
	json_t	*o, *grp = NULL, *v;
	size_t	 i;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < pg->ncols && !bad; i++) {
		const struct query_col	*c = &pg->cols[i];

		if (c->group == NULL) {
			bad |= json_object_set_new(o, c->name,
			    query_val(pg->r, row, (int)i, c->type));
			continue;
		}
		if (i == 0 || pg->cols[i - 1].group == NULL ||
		    strcmp(pg->cols[i - 1].group, c->group) != 0) {
			/* The first column of a group decides null. */
			if (PQgetisnull(pg->r, row, (int)i)) {
				grp = NULL;
				bad |= json_object_set_new(o, c->group,
				    json_null());
			} else {
				grp = json_object();
				bad |= json_object_set_new(o, c->group, grp);
			}
		}
		if (grp != NULL) {
			v = query_val(pg->r, row, (int)i, c->type);
			bad |= json_object_set_new(grp, c->name, v);
		}
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
query_page_json(const struct query_page *pg)
{
	json_t	*o, *rows, *row;
	size_t	 i;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(o, "version", json_integer(1));
	bad |= json_object_set_new(o, "query",
	    json_string(query_kind_str(pg->kind)));
	bad |= json_object_set_new(o, "as_of", json_string(pg->as_of));
	bad |= json_object_set_new(o, "total", json_integer(pg->total));
	bad |= json_object_set_new(o, "limit", json_integer(pg->limit));
	bad |= json_object_set_new(o, "offset", json_integer(pg->offset));
	bad |= json_object_set_new(o, "next_cursor",
	    pg->next_cursor[0] != '\0' ? json_string(pg->next_cursor) :
	    json_null());
	if ((rows = json_array()) == NULL ||
	    json_object_set_new(o, "rows", rows) != 0)
		bad = 1;
	for (i = 0; i < pg->nrows && !bad; i++) {
		if ((row = query_row_json(pg, (int)i)) == NULL ||
		    json_array_append_new(rows, row) != 0)
			bad = 1;
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* RFC 4180 quoting; text a spreadsheet would run as a formula (operators
 * type addresses, hosts, employers) starts with a quote mark: "'=...". */
static void
query_csv_field(FILE *fp, const char *s)
{
	int	formula = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;

	if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	if (formula)
		fputc('\'', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

int
query_page_csv(const struct query_page *pg, FILE *fp, int header)
{
	char	name[64];
	size_t	i, row;

	if (header) {
		for (i = 0; i < pg->ncols; i++) {
			query_col_name(&pg->cols[i], name, sizeof(name));
			fprintf(fp, "%s%s", i > 0 ? "," : "", name);
		}
		fputs("\r\n", fp);
	}
	for (row = 0; row < pg->nrows; row++) {
		for (i = 0; i < pg->ncols; i++) {
			if (i > 0)
				fputc(',', fp);
			query_csv_field(fp, PQgetvalue(pg->r, (int)row,
			    (int)i));
		}
		fputs("\r\n", fp);
	}
	return ferror(fp) ? ERR_IO : 0;
}

/*
 * One document's history.
 */

/* Rows of r as an array of objects; types: one letter per column (one per
 * name), 't' text, 'i' integer, 'j' JSON text. NULL when out of memory. */
#define NNAMES(a)	(sizeof(a) / sizeof((a)[0]))
static json_t *
query_rows_json(const PGresult *r, const char *const *names, size_t nnames,
    const char *types, int from, int to)
{
	json_t		*a, *o, *v;
	json_error_t	 jerr;
	size_t		 ncol = strlen(types), i;
	int		 row;

	if (ncol != nnames || (size_t)PQnfields(r) < ncol)
		fatalx("query: %zu column types for %zu names", ncol, nnames);
	if ((a = json_array()) == NULL)
		return NULL;
	for (row = from; row < to; row++) {
		if ((o = json_object()) == NULL ||
		    json_array_append_new(a, o) != 0)
			goto bad;
		for (i = 0; i < ncol; i++) {
			const char	*s = PQgetvalue(r, row, (int)i);

			if (PQgetisnull(r, row, (int)i))
				v = json_null();
			else if (types[i] == 'i')
				v = json_integer(strtoll(s, NULL, 10));
			else if (types[i] == 'j' &&
			    (v = json_loads(s, 0, &jerr)) != NULL)
				;
			else
				v = json_string(s);
			if (v == NULL || json_object_set_new(o, names[i], v) !=
			    0)
				goto bad;
		}
	}
	return a;
bad:
	json_decref(a);
	return NULL;
}

/* The score of a pair of persons (namematch), 0 if either does not
 * parse; why gets what matched. */
static double
query_match(const char *s1, const char *g1, const char *b1, const char *n1,
    const char *s2, const char *g2, const char *b2, const char *n2,
    char *why, size_t whysz)
{
	struct namematch_input	in;
	struct namematch_person	a, b;
	struct namematch_result	res;

	memset(&in, 0, sizeof(in));
	in.surname = s1;
	in.surname_len = strlen(s1);
	in.given_names = g1;
	in.given_names_len = strlen(g1);
	in.birth_date = b1;
	in.birth_date_len = strlen(b1);
	in.nationality = n1;
	in.nationality_len = strlen(n1);
	if (namematch_parse(&a, &in, NULL) != 0)
		return 0;
	in.surname = s2;
	in.surname_len = strlen(s2);
	in.given_names = g2;
	in.given_names_len = strlen(g2);
	in.birth_date = b2;
	in.birth_date_len = strlen(b2);
	in.nationality = n2;
	in.nationality_len = strlen(n2);
	if (namematch_parse(&b, &in, NULL) != 0)
		return 0;
	namematch_score(&a, &b, &res);
	if (why != NULL)
		(void)snprintf(why, whysz, "%s", res.why);
	return res.score;
}

static const char hq_person[] =
	"SELECT nationality, surname, given_names,"
	" to_char(birth_date, 'YYYY-MM-DD'), sex FROM crossings"
	" WHERE doc_number = $2 AND issuing_state = $1"
	" ORDER BY recorded_at DESC, post DESC, seq DESC LIMIT 1";
static const char hq_crossings[] =
	"SELECT post, seq::text, to_char(recorded_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), direction, lane::text,"
	" officer, outcome, doc_type, nationality, surname, given_names,"
	" to_char(birth_date, 'YYYY-MM-DD'), sex,"
	" to_char(expiry_date, 'YYYY-MM-DD')"
	" FROM (SELECT * FROM crossings"
	" WHERE doc_number = $2 AND issuing_state = $1"
	" ORDER BY recorded_at DESC, post DESC, seq DESC LIMIT 10001) c"
	" ORDER BY recorded_at, post, seq";
static const char *const hq_crossings_names[] = {
	"post", "seq", "recorded_at", "direction", "lane", "officer",
	"outcome", "doc_type", "nationality", "surname", "given_names",
	"birth_date", "sex", "expiry_date"
};
static const char hq_permits[] =
	"SELECT id, kind, issuing_state, number, nationality, surname,"
	" given_names, to_char(birth_date, 'YYYY-MM-DD'),"
	" to_char(valid_from, 'YYYY-MM-DD'),"
	" to_char(valid_until, 'YYYY-MM-DD'), entries::text,"
	" entries_used::text, stay_days::text, employer, region,"
	" (issuing_state = $1 AND number = $2)::text"
	" FROM permits WHERE id IN ("
	"  SELECT id FROM permits WHERE number = $2 AND issuing_state = $1"
	"  UNION SELECT id FROM permits"
	"  WHERE nationality = $3 AND birth_date = $4::date)"
	" ORDER BY valid_from, id LIMIT 10001";
static const char *const hq_permits_names[] = {
	"id", "kind", "issuing_state", "number", "nationality", "surname",
	"given_names", "birth_date", "valid_from", "valid_until", "entries",
	"entries_used", "stay_days", "employer", "region"
};
static const char hq_docalerts[] =
	"SELECT id, reason, to_char(since, 'YYYY-MM-DD'), changed_by"
	" FROM document_alerts WHERE number = $2 AND issuing_state = $1"
	" ORDER BY since, id";
static const char *const hq_docalerts_names[] = {
	"id", "reason", "since", "changed_by"
};
static const char hq_personalerts[] =
	"SELECT id, kind, surname, given_names, birth_date, nationality,"
	" to_char(until, 'YYYY-MM-DD'), severity::text, source"
	" FROM person_alerts WHERE left(birth_date, 4) = left($1, 4)"
	" ORDER BY id";
static const char *const hq_personalerts_names[] = {
	"id", "kind", "surname", "given_names", "birth_date", "nationality",
	"until", "severity", "source"
};
static const char hq_registrations[] =
	"SELECT id, region, address, host, to_char(valid_from, 'YYYY-MM-DD'),"
	" to_char(valid_until, 'YYYY-MM-DD')"
	" FROM registrations WHERE number = $2 AND issuing_state = $1"
	" ORDER BY valid_from, id";
static const char *const hq_registrations_names[] = {
	"id", "region", "address", "host", "valid_from", "valid_until"
};
static const char hq_stay[] =
	"SELECT nationality, to_char(birth_date, 'YYYY-MM-DD'), stays::text,"
	" to_char(open_entry, 'YYYY-MM-DD'), open_post,"
	" to_char(allowed_until, 'YYYY-MM-DD'), rule, category,"
	" overstay_days::text, policy_version,"
	" to_char(derived_on, 'YYYY-MM-DD')"
	" FROM stay_states WHERE issuing_state = $1 AND number = $2";
static const char *const hq_stay_names[] = {
	"nationality", "birth_date", "stays", "open_entry", "open_post",
	"allowed_until", "rule", "category", "overstay_days",
	"policy_version", "derived_on"
};
/* The checks and records the posts made on the document: their audit
 * chains (migration 008) name it as the subject "STATE:NUMBER". */
static const char hq_checks[] =
	"SELECT post, seq::text, to_char(at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), actor, action, detail"
	" FROM (SELECT * FROM post_audit WHERE subject = $1"
	" ORDER BY at DESC, post DESC, seq DESC LIMIT 10001) a"
	" ORDER BY at, post, seq";
static const char *const hq_checks_names[] = {
	"post", "seq", "at", "actor", "action", "detail"
};

/* Sets key of o to the rows of one section (at most QUERY_HISTORY_MAX;
 * more sets "<key>_truncated"). */
static int
query_section(json_t *o, const char *key, const PGresult *r,
    const char *const *names, size_t nnames, const char *types, int *nrows)
{
	json_t	*a;
	char	 tk[64];
	int	 n = PQntuples(r), keep;

	keep = n > QUERY_HISTORY_MAX ? QUERY_HISTORY_MAX : n;
	/* Rows come oldest first: a cut keeps the newest. */
	if ((a = query_rows_json(r, names, nnames, types, n - keep, n)) ==
	    NULL ||
	    json_object_set_new(o, key, a) != 0)
		return ERR_NOMEM;
	if (n > keep) {
		(void)snprintf(tk, sizeof(tk), "%s_truncated", key);
		if (json_object_set_new(o, tk, json_true()) != 0)
			return ERR_NOMEM;
	}
	if (nrows != NULL)
		*nrows += n;
	return 0;
}

/* The permits of the document and of the person (names matching). */
static int
query_history_permits(PGconn *conn, json_t *o, const char *const *v,
    const char *surname, const char *given, int *found)
{
	PGresult	*r;
	json_t		*a, *row;
	int		 i, n, bydoc, rc = 0;

	if ((r = query_exec(conn, hq_permits, 4, v, "history: permits")) ==
	    NULL)
		return ERR_DB;
	if ((a = json_array()) == NULL || json_object_set_new(o, "permits",
	    a) != 0) {
		PQclear(r);
		return ERR_NOMEM;
	}
	n = PQntuples(r);
	for (i = 0; i < n && rc == 0; i++) {
		bydoc = strcmp(PQgetvalue(r, i, 15), "true") == 0;
		if (!bydoc && query_match(PQgetvalue(r, i, 5),
		    PQgetvalue(r, i, 6), PQgetvalue(r, i, 7),
		    PQgetvalue(r, i, 4), surname, given, v[3], v[2], NULL, 0) <
		    NAMEMATCH_DEFAULT_THRESHOLD)
			continue;
		if ((row = query_rows_json(r, hq_permits_names,
		    NNAMES(hq_permits_names), "ttttttttttiiitt", i, i + 1)) ==
		    NULL) {
			rc = ERR_NOMEM;
			break;
		}
		if (json_array_extend(a, row) != 0 ||
		    json_object_set_new(json_array_get(a, json_array_size(a) -
		    1), "matched_by", json_string(bydoc ? "document" :
		    "person")) != 0)
			rc = ERR_NOMEM;
		json_decref(row);
		if (bydoc)
			(*found)++;
	}
	PQclear(r);
	return rc;
}

/* The person alerts whose person matches the traveller. */
static int
query_history_alerts(PGconn *conn, json_t *o, const char *nat,
    const char *surname, const char *given, const char *birth)
{
	const char	*v[1];
	PGresult	*r;
	json_t		*a, *row, *obj;
	char		 why[NAMEMATCH_WHY_MAX];
	double		 score;
	int		 i, n, rc = 0;

	if ((a = json_array()) == NULL || json_object_set_new(o,
	    "person_alerts", a) != 0)
		return ERR_NOMEM;
	if (birth[0] == '\0')
		return 0;	/* nobody known behind the document */
	v[0] = birth;
	if ((r = query_exec(conn, hq_personalerts, 1, v,
	    "history: person alerts")) == NULL)
		return ERR_DB;
	n = PQntuples(r);
	for (i = 0; i < n && rc == 0; i++) {
		score = query_match(PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		    PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), surname, given,
		    birth, nat, why, sizeof(why));
		if (score < NAMEMATCH_DEFAULT_THRESHOLD)
			continue;
		if ((row = query_rows_json(r, hq_personalerts_names,
		    NNAMES(hq_personalerts_names), "tttttttit", i, i + 1)) ==
		    NULL) {
			rc = ERR_NOMEM;
			break;
		}
		obj = json_array_get(row, 0);
		if (json_object_set_new(obj, "score", json_real(score)) != 0 ||
		    json_object_set_new(obj, "why", json_string(why)) != 0 ||
		    json_array_extend(a, row) != 0)
			rc = ERR_NOMEM;
		json_decref(row);
	}
	PQclear(r);
	return rc;
}

int
query_history(PGconn *conn, const char *state, const char *number,
    json_t **out)
{
	const char	*v[4];
	PGresult	*r = NULL;
	json_t		*o, *person, *stay;
	char		 nat[PROTO_STATE_MAX + 1] = "", birth[16] = "";
	char		 surname[PROTO_NAME_MAX + 1] = "";
	char		 given[PROTO_NAME_MAX + 1] = "";
	char		 subject[PROTO_STATE_MAX + PROTO_DOCNUM_MAX + 2];
	int		 found = 0, rc = ERR_NOMEM;

	if (!query_doc_check(state, number))
		return ERR_INVAL;
	(void)snprintf(subject, sizeof(subject), "%s:%s", state, number);
	v[0] = state;
	v[1] = number;
	if ((o = json_object()) == NULL)
		return ERR_NOMEM;
	if (json_object_set_new(o, "version", json_integer(1)) != 0 ||
	    json_object_set_new(o, "issuing_state", json_string(state)) != 0 ||
	    json_object_set_new(o, "number", json_string(number)) != 0)
		goto out;

	rc = ERR_DB;
	if ((r = query_exec(conn, hq_person, 2, v, "history: person")) ==
	    NULL)
		goto out;
	rc = ERR_NOMEM;
	if (PQntuples(r) == 1) {
		(void)snprintf(nat, sizeof(nat), "%s", PQgetvalue(r, 0, 0));
		(void)snprintf(surname, sizeof(surname), "%s",
		    PQgetvalue(r, 0, 1));
		(void)snprintf(given, sizeof(given), "%s", PQgetvalue(r, 0, 2));
		(void)snprintf(birth, sizeof(birth), "%s", PQgetvalue(r, 0, 3));
		if ((person = json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "nationality", nat, "surname", surname, "given_names",
		    given, "birth_date", birth, "sex", PQgetvalue(r, 0, 4))) ==
		    NULL || json_object_set_new(o, "person", person) != 0)
			goto out;
	} else if (json_object_set_new(o, "person", json_null()) != 0)
		goto out;
	PQclear(r);
	r = NULL;

#define SECTION(sql, n, key, names, types) do {				\
	rc = ERR_DB;							\
	if ((r = query_exec(conn, sql, n, v, "history: " key)) == NULL)	\
		goto out;						\
	if ((rc = query_section(o, key, r, names, NNAMES(names), types,	\
	    &found)) != 0)						\
		goto out;						\
	PQclear(r);							\
	r = NULL;							\
} while (0)
	SECTION(hq_crossings, 2, "crossings", hq_crossings_names,
	    "tittittttttttt");
	v[2] = nat;
	v[3] = birth[0] != '\0' ? birth : NULL;
	if ((rc = query_history_permits(conn, o, v, surname, given,
	    &found)) != 0)
		goto out;
	SECTION(hq_docalerts, 2, "document_alerts", hq_docalerts_names,
	    "tttt");
	if ((rc = query_history_alerts(conn, o, nat, surname, given,
	    birth)) != 0)
		goto out;
	SECTION(hq_registrations, 2, "registrations", hq_registrations_names,
	    "tttttt");
	rc = ERR_DB;
	if ((r = query_exec(conn, hq_stay, 2, v, "history: stay state")) ==
	    NULL)
		goto out;
	rc = ERR_NOMEM;
	stay = PQntuples(r) == 1 ? query_rows_json(r, hq_stay_names,
	    NNAMES(hq_stay_names), "ttjtttttitt", 0, 1) : NULL;
	if (PQntuples(r) == 1) {
		if (stay == NULL || json_object_set(o, "stay_state",
		    json_array_get(stay, 0)) != 0) {
			json_decref(stay);
			goto out;
		}
		json_decref(stay);
		found++;
	} else if (json_object_set_new(o, "stay_state", json_null()) != 0)
		goto out;
	PQclear(r);
	r = NULL;
	v[0] = subject;
	SECTION(hq_checks, 1, "checks", hq_checks_names, "titttj");
#undef SECTION
	rc = found > 0 ? 0 : ERR_NOTFOUND;
out:
	PQclear(r);
	if (rc != 0)
		json_decref(o);
	else
		*out = o;
	return rc;
}

/*
 * The people's API.
 */

/* A list query: its parameters from the query string, audited, then
 * answered as JSON or CSV (format=csv). */
static void
query_api_list(struct api_req *r, enum query_kind kind)
{
	struct query_params	 p;
	struct query_settings	 qs;
	struct query_page	 pg;
	struct query_err	 qe;
	const struct evkeyval	*kv;
	FILE			*fp;
	char			*detail, *csv = NULL;
	size_t			 csvlen = 0;
	int			 csvfmt = 0, seenfmt = 0, rc;

	query_params_init(&p, kind);
	for (kv = r->query != NULL ? r->query->tqh_first : NULL; kv != NULL;
	    kv = kv->next.tqe_next) {
		if (strcmp(kv->key, "format") == 0) {
			if (seenfmt++) {
				api_error(r, 400, "format", "format is given "
				    "twice");
				return;
			}
			if (strcmp(kv->value, "csv") == 0)
				csvfmt = 1;
			else if (strcmp(kv->value, "json") != 0) {
				api_error(r, 400, "format", "\"%.32s\" is not "
				    "json or csv", kv->value);
				return;
			}
			continue;
		}
		if (query_param_set(&p, kv->key, kv->value, &qe) != 0) {
			api_error(r, 400, qe.field[0] != '\0' ? qe.field :
			    kv->key, "%s", qe.msg);
			return;
		}
	}
	if (query_params_check(&p, &qe) != 0) {
		api_error(r, 400, qe.field, "%s", qe.msg);
		return;
	}
	if (p.as_of[0] == '\0' && query_today(r->conn, p.as_of) != 0) {
		api_error(r, 500, NULL, "the database failed");
		return;
	}
	/* No answer without its audit event. */
	if ((detail = query_params_detail(&p, p.as_of)) == NULL) {
		api_error(r, 500, NULL, "out of memory");
		return;
	}
	rc = audit_append(r->conn, r->user, "query", "", detail);
	free(detail);
	if (rc != 0) {
		api_error(r, 500, NULL, "the audit trail cannot record the "
		    "query: %s", err_str(rc));
		return;
	}
	query_settings_init(&qs, query_cfg);
	if ((rc = query_run(r->conn, &qs, &p, &pg)) != 0) {
		api_error(r, 500, NULL, "the query failed: %s", err_str(rc));
		return;
	}
	if (!csvfmt) {
		api_reply_json(r, 200, query_page_json(&pg));
		query_page_reset(&pg);
		return;
	}
	if ((fp = open_memstream(&csv, &csvlen)) == NULL) {
		query_page_reset(&pg);
		api_error(r, 500, NULL, "out of memory");
		return;
	}
	rc = query_page_csv(&pg, fp, 1);
	if (fclose(fp) != 0)
		rc = ERR_NOMEM;
	if (rc == 0 && pg.next_cursor[0] != '\0')
		api_add_header(r, "Shekara-Next-Cursor", pg.next_cursor);
	if (rc == 0) {
		char	total[32];

		(void)snprintf(total, sizeof(total), "%lld", pg.total);
		api_add_header(r, "Shekara-Total", total);
		api_reply(r, 200, "text/csv; charset=utf-8", csv, csvlen);
	} else
		api_error(r, 500, NULL, "out of memory");
	free(csv);
	query_page_reset(&pg);
}

static void
query_api_overstays(struct api_req *r)
{
	query_api_list(r, QUERY_OVERSTAYS);
}

static void
query_api_work(struct api_req *r)
{
	query_api_list(r, QUERY_WORK_PERMITS_ENDED);
}

static void
query_api_unregistered(struct api_req *r)
{
	query_api_list(r, QUERY_UNREGISTERED);
}

/* GET /api/v1/persons/STATE/NUMBER */
static void
query_api_history(struct api_req *r)
{
	static const char	 prefix[] = "/api/v1/persons/";
	const char		*rest, *slash;
	char			 state[PROTO_STATE_MAX + 1];
	char			 number[PROTO_DOCNUM_MAX + 1];
	char			 subject[PROTO_STATE_MAX + PROTO_DOCNUM_MAX + 2];
	json_t			*h = NULL;
	size_t			 n;
	int			 rc;

	if (strncmp(r->path, prefix, sizeof(prefix) - 1) != 0) {
		api_error(r, 404, NULL, "no such resource");
		return;
	}
	rest = r->path + sizeof(prefix) - 1;
	if ((slash = strchr(rest, '/')) == NULL ||
	    (n = (size_t)(slash - rest)) == 0 || n > PROTO_STATE_MAX ||
	    strlen(slash + 1) > PROTO_DOCNUM_MAX) {
		api_error(r, 400, "document", "the path is /api/v1/persons/"
		    "STATE/NUMBER (issuing state and document number as in "
		    "the MRZ)");
		return;
	}
	memcpy(state, rest, n);
	state[n] = '\0';
	(void)snprintf(number, sizeof(number), "%s", slash + 1);
	if (!query_doc_check(state, number)) {
		api_error(r, 400, "document", "\"%s/%s\" is not an issuing "
		    "state (1..3 capital letters) and a document number "
		    "(1..24 capital letters and digits)", state, number);
		return;
	}
	if (r->query != NULL && r->query->tqh_first != NULL) {
		api_error(r, 400, r->query->tqh_first->key, "a history takes "
		    "no parameters");
		return;
	}
	(void)snprintf(subject, sizeof(subject), "%s:%s", state, number);
	if ((rc = audit_append(r->conn, r->user, "lookup", subject,
	    "{\"query\":\"history\"}")) != 0) {
		api_error(r, 500, NULL, "the audit trail cannot record the "
		    "look-up: %s", err_str(rc));
		return;
	}
	rc = query_history(r->conn, state, number, &h);
	if (rc == ERR_NOTFOUND) {
		api_error(r, 404, "document", "nothing is known of %s %s",
		    state, number);
		return;
	}
	if (rc != 0) {
		api_error(r, 500, NULL, "the query failed: %s", err_str(rc));
		return;
	}
	api_reply_json(r, 200, h);
}

const struct api_route query_routes[] = {
	{ "GET", "/api/v1/overstays", 0, API_INSPECTOR, query_api_overstays,
	    "overstayers as of a day (filters, sort, paging; JSON or CSV)" },
	{ "GET", "/api/v1/work-permits-ended", 0, API_INSPECTOR,
	    query_api_work,
	    "labour migrants whose work permit ended and who have not left" },
	{ "GET", "/api/v1/unregistered", 0, API_INSPECTOR,
	    query_api_unregistered,
	    "foreigners not registered at a residence within the deadline" },
	{ "GET", "/api/v1/persons/", 1, API_INSPECTOR, query_api_history,
	    "a travel document's whole history: /api/v1/persons/STATE/NUMBER" },
	{ NULL }
};
