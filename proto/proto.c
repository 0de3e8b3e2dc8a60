/* proto.c - the JSON codec of proto.h on jansson. Decoders load with
 * duplicate keys refused, check the version, every key against a table and
 * every value against its bound, fill a zeroed scratch copy and hand it out
 * only on success. Encoders validate with the same checks, build a tree in
 * the fixed key order and dump it compact into the caller's buffer. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pthread.h>

#include "date.h"
#include "err.h"
#include "mrz.h"
#include "proto.h"
#include "ptext.h"

#define SEQ_MAX		INT64_C(9007199254740991)	/* 2^53 - 1 */
#define TIME_MAX	INT64_C(253402300799999)	/* 9999-12-31, last ms */
#define DOC_YEAR_MIN	1900
#define DOC_YEAR_MAX	2199
#define DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER)

/* The messages below spell these bounds out. */
_Static_assert(PROTO_POST_MAX == 16, "post code message");
_Static_assert(PROTO_OFFICER_MAX == 32, "officer message");
_Static_assert(PROTO_DOCNUM_MAX == 24, "document number message");
_Static_assert(PROTO_NAME_MAX == 128, "name messages");
_Static_assert(PROTO_LANE_MAX == 999, "lane message");
_Static_assert(PROTO_MSG_MAX == 160, "error message message");
_Static_assert(PROTO_FIELD_MAX == 64, "error field message");
_Static_assert(PROTO_REQID_MIN == 8 && PROTO_REQID_MAX == 64,
    "request id message");

enum xmode {
	XM_LANE,	/* a lane request: no seq/recorded_at, outcome optional */
	XM_STORED	/* a stored or batched crossing: all fields */
};

/* A checker: NULL if s[0..len) is valid, else what is wrong with it. */
typedef const char	*(*chk_fn)(const char *, size_t);

struct seqpos {
	uint64_t	seq;
	size_t		idx;
};

/*
 * Errors.
 */

static const char *
chk_post(const char *s, size_t len)
{
	return proto_check_post_code(s, len) ? NULL :
	    "must be 2..16 characters A-Z or 0-9";
}

static const char *
chk_officer(const char *s, size_t len)
{
	static const char	*msg = "must be 1..32 characters A-Z, a-z, "
				    "0-9, \".\", \"_\" or \"-\"";
	size_t			 i;

	if (len < 1 || len > PROTO_OFFICER_MAX)
		return msg;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!ptext_is_upper(ch) && !ptext_is_digit(ch) &&
		    !(ch >= 'a' && ch <= 'z') && ch != '.' && ch != '_' &&
		    ch != '-')
			return msg;
	}
	return NULL;
}

static const char *
chk_reqid(const char *s, size_t len)
{
	return proto_check_request_id(s, len) ? NULL :
	    "must be 8..64 characters A-Z, a-z, 0-9, \".\", \"_\", \":\" "
	    "or \"-\"";
}

static const char *
chk_reason(const char *s, size_t len)
{
	enum ptext_fault	f;

	f = ptext_check(s, len, 1, PROTO_REASON_MAX, 1, 0);
	return ptext_msg(f, "must be at most 500 bytes");
}

static const char *
chk_doctype(const char *s, size_t len)
{
	if (len < 1 || len > PROTO_DOCTYPE_MAX || !ptext_is_upper(s[0]) ||
	    (len == 2 && !ptext_is_upper(s[1]) && s[1] != '<'))
		return "must be a letter A-Z, optionally followed by A-Z "
		    "or \"<\"";
	return NULL;
}

static const char *
chk_state(const char *s, size_t len)
{
	size_t	i;

	if (len < 1 || len > PROTO_STATE_MAX)
		return "must be 1..3 letters A-Z";
	for (i = 0; i < len; i++)
		if (!ptext_is_upper(s[i]))
			return "must be 1..3 letters A-Z";
	return NULL;
}

static const char *
chk_docnum(const char *s, size_t len)
{
	size_t	i;

	if (len < 1 || len > PROTO_DOCNUM_MAX)
		return "must be 1..24 characters A-Z or 0-9";
	for (i = 0; i < len; i++)
		if (!ptext_is_upper(s[i]) && !ptext_is_digit(s[i]))
			return "must be 1..24 characters A-Z or 0-9";
	return NULL;
}

static const char *
chk_surname(const char *s, size_t len)
{
	return ptext_msg(ptext_check(s, len, 1, PROTO_NAME_MAX, 1, 0),
	    "must be at most 128 bytes");
}

static const char *
chk_given(const char *s, size_t len)
{
	return ptext_msg(ptext_check(s, len, 0, PROTO_NAME_MAX, 1, 0),
	    "must be at most 128 bytes");
}

static const char *
chk_docdate(const char *s, size_t len)
{
	struct date	d;

	if (date_parse_iso(&d, s, len) != 0)
		return "must be a date YYYY-MM-DD";
	if (d.year < DOC_YEAR_MIN || d.year > DOC_YEAR_MAX)
		return "must be a date in the years 1900..2199";
	return NULL;
}

static const char *
chk_sex(const char *s, size_t len)
{
	if (len != 1 || (s[0] != 'M' && s[0] != 'F' && s[0] != 'X'))
		return "must be \"M\", \"F\" or \"X\"";
	return NULL;
}

/* status.last_error when present; "" travels as null. */
static const char *
chk_last_error(const char *s, size_t len)
{
	return ptext_msg(ptext_check(s, len, 1, 255, 0, 0),
	    "must be at most 255 bytes");
}

static const char *
chk_err_field(const char *s, size_t len)
{
	return ptext_msg(ptext_check(s, len, 0, PROTO_FIELD_MAX - 1, 0, 0),
	    "must be at most 63 bytes");
}

static const char *
chk_err_message(const char *s, size_t len)
{
	return ptext_msg(ptext_check(s, len, 1, PROTO_MSG_MAX - 1, 0, 0),
	    "must be at most 159 bytes");
}

/* A timestamp we can write: after the epoch and before the year 10000. */
static int
time_ok(int64_t ms)
{
	return ms >= 1 && ms <= TIME_MAX;
}

#define TIME_MSG	"must be an RFC 3339 time from 1970 to 9999, " \
			"like \"2026-11-27T01:02:03.123Z\""

/*
 * Checks of a struct before encoding; the same rules the decoders apply.
 */

/* Check a NUL-terminated member of size sz; ERR_INVAL with a message. */
static int
chk_member(const char *s, size_t sz, chk_fn chk, const char *path,
    const char *key, struct proto_error *err)
{
	const char	*why;
	size_t		 len;

	len = strnlen(s, sz);
	if (len == sz)
		return ptext_error(err, ERR_INVAL, path, key, "is not terminated");
	if ((why = chk(s, len)) != NULL)
		return ptext_error(err, ERR_INVAL, path, key, "%s", why);
	return 0;
}

static int
chk_document(const struct proto_document *d, const char *path,
    struct proto_error *err)
{
	int	rc;

	if ((rc = chk_member(d->type, sizeof(d->type), chk_doctype, path,
	    "type", err)) != 0 ||
	    (rc = chk_member(d->issuing_state, sizeof(d->issuing_state),
	    chk_state, path, "issuing_state", err)) != 0 ||
	    (rc = chk_member(d->number, sizeof(d->number), chk_docnum, path,
	    "number", err)) != 0 ||
	    (rc = chk_member(d->nationality, sizeof(d->nationality),
	    chk_state, path, "nationality", err)) != 0 ||
	    (rc = chk_member(d->surname, sizeof(d->surname), chk_surname,
	    path, "surname", err)) != 0 ||
	    (rc = chk_member(d->given_names, sizeof(d->given_names),
	    chk_given, path, "given_names", err)) != 0 ||
	    (rc = chk_member(d->birth_date, sizeof(d->birth_date),
	    chk_docdate, path, "birth_date", err)) != 0)
		return rc;
	if (chk_sex(&d->sex, 1) != NULL)
		return ptext_error(err, ERR_INVAL, path, "sex", "%s",
		    chk_sex(&d->sex, 1));
	return chk_member(d->expiry_date, sizeof(d->expiry_date), chk_docdate,
	    path, "expiry_date", err);
}

static int
chk_crossing(const struct proto_crossing *c, const char *path,
    struct proto_error *err)
{
	char	dpath[PROTO_FIELD_MAX];
	int	rc;

	if (c->seq > (uint64_t)SEQ_MAX)
		return ptext_error(err, ERR_INVAL, path, "seq",
		    "must be 1..9007199254740991");
	if (c->seq == 0 && c->recorded_at != 0)
		return ptext_error(err, ERR_INVAL, path, "recorded_at",
		    "must be unset until the post assigns seq");
	if (c->seq != 0 && !time_ok(c->recorded_at))
		return ptext_error(err, ERR_INVAL, path, "recorded_at", TIME_MSG);
	if (c->direction != PROTO_ENTRY && c->direction != PROTO_EXIT)
		return ptext_error(err, ERR_INVAL, path, "direction",
		    "must be \"entry\" or \"exit\"");
	if (c->lane < 1 || c->lane > PROTO_LANE_MAX)
		return ptext_error(err, ERR_INVAL, path, "lane", "must be 1..999");
	if ((rc = chk_member(c->officer, sizeof(c->officer), chk_officer,
	    path, "officer", err)) != 0)
		return rc;
	if (c->outcome != PROTO_ADMIT && c->outcome != PROTO_REFUSE &&
	    c->outcome != PROTO_REFER)
		return ptext_error(err, ERR_INVAL, path, "outcome",
		    "must be \"admit\", \"refuse\" or \"refer\"");
	/* "" is no key; anything else must be one, in either form. */
	if (strnlen(c->request_id, sizeof(c->request_id)) > 0 &&
	    (rc = chk_member(c->request_id, sizeof(c->request_id), chk_reqid,
	    path, "request_id", err)) != 0)
		return rc;
	if (c->check_id > PROTO_CHECK_ID_MAX)
		return ptext_error(err, ERR_INVAL, path, "check_id",
		    "must be 1..9007199254740991");
	if (strnlen(c->reason, sizeof(c->reason)) > 0 &&
	    (rc = chk_member(c->reason, sizeof(c->reason), chk_reason,
	    path, "reason", err)) != 0)
		return rc;
	if (snprintf(dpath, sizeof(dpath), "%s%sdocument", path,
	    path[0] != '\0' ? "." : "") >= (int)sizeof(dpath))
		return ptext_error(err, ERR_INVAL, path, NULL, "path too long");
	return chk_document(&c->doc, dpath, err);
}

/*
 * Sequence numbers that appear twice: ERR_INVAL naming the later of the
 * first repeated pair, in input order.
 */
static int
seqpos_cmp(const void *a, const void *b)
{
	const struct seqpos	*x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
chk_seq_unique(const struct proto_crossing *items, size_t n,
    struct proto_error *err)
{
	struct seqpos	*sp;
	char		 path[PROTO_FIELD_MAX];
	size_t		 i, first = 0, later = SIZE_MAX;
	uint64_t	 seq = 0;

	if (n < 2)
		return 0;
	if ((sp = calloc(n, sizeof(*sp))) == NULL)
		return ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
	for (i = 0; i < n; i++) {
		sp[i].seq = items[i].seq;
		sp[i].idx = i;
	}
	qsort(sp, n, sizeof(*sp), seqpos_cmp);
	for (i = 1; i < n; i++) {
		if (sp[i].seq == sp[i - 1].seq && sp[i].idx < later) {
			later = sp[i].idx;
			first = sp[i - 1].idx;
			seq = sp[i].seq;
		}
	}
	free(sp);
	if (later == SIZE_MAX)
		return 0;
	(void)snprintf(path, sizeof(path), "crossings[%zu]", later);
	return ptext_error(err, ERR_INVAL, path, "seq",
	    "repeats seq %llu of crossings[%zu]", (unsigned long long)seq,
	    first);
}

int
proto_check_post_code(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len < 2 || len > PROTO_POST_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!ptext_is_upper(s[i]) && !ptext_is_digit(s[i]))
			return 0;
	return 1;
}

int
proto_check_reason(const char *s, size_t len)
{
	return s != NULL && chk_reason(s, len) == NULL;
}

int
proto_check_request_id(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len < PROTO_REQID_MIN || len > PROTO_REQID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!ptext_is_upper(ch) && !ptext_is_digit(ch) &&
		    !(ch >= 'a' && ch <= 'z') && ch != '.' && ch != '_' &&
		    ch != ':' && ch != '-')
			return 0;
	}
	return 1;
}

/* Two NUL-terminated members of size sz hold the same string. */
static int
same_member(const char *a, const char *b, size_t sz)
{
	return strncmp(a, b, sz) == 0;
}

int
proto_check_same_crossing(const struct proto_crossing *a,
    const struct proto_crossing *b)
{
	const struct proto_document	*x = &a->doc, *y = &b->doc;

#define SAME(m)	same_member(x->m, y->m, sizeof(x->m))
	return a->direction == b->direction && a->lane == b->lane &&
	    same_member(a->officer, b->officer, sizeof(a->officer)) &&
	    a->outcome == b->outcome && SAME(type) && SAME(issuing_state) &&
	    SAME(number) && SAME(nationality) && SAME(surname) &&
	    SAME(given_names) && SAME(birth_date) && x->sex == y->sex &&
	    SAME(expiry_date);
#undef SAME
}

int
proto_check_crossing(const struct proto_crossing *c, struct proto_error *err)
{
	struct proto_error	scratch;

	if (err == NULL)
		err = &scratch;
	return chk_crossing(c, "", err) == 0;
}

const char *
proto_direction_str(enum proto_direction d)
{
	switch (d) {
	case PROTO_ENTRY:
		return "entry";
	case PROTO_EXIT:
		return "exit";
	}
	return "invalid";
}

const char *
proto_outcome_str(enum proto_outcome o)
{
	switch (o) {
	case PROTO_ADMIT:
		return "admit";
	case PROTO_REFUSE:
		return "refuse";
	case PROTO_REFER:
		return "refer";
	}
	return "invalid";
}

/*
 * Decoding.
 */


/*
 * A per-thread bump arena for jansson while a batch is decoded: a batch of
 * 1000 crossings is some 40,000 small allocations, and malloc/free were a
 * fifth of the centre's ingest time. Only proto_decode_batch() turns it on,
 * and it frees the whole JSON tree before turning it off, so nothing
 * allocated in the arena outlives it. Outside it, and when it is full,
 * allocations go to malloc; free() tells the two apart by address.
 */
#define ARENA_MAX	((size_t)64 << 20)

/* Under AddressSanitizer every allocation stays separate, so the fuzzers
 * and the asan build see overruns the arena would hide. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_OFF	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_OFF	1
#endif
#endif
#ifndef ARENA_OFF
#define ARENA_OFF	0
#endif

struct arena {
	char	*base;
	size_t	 cap, used;
	int	 on;
};

static _Thread_local struct arena	dec_arena;
static pthread_once_t			dec_arena_once = PTHREAD_ONCE_INIT;

static void *
arena_malloc(size_t n)
{
	struct arena	*a = &dec_arena;
	size_t		 need = (n + 15) & ~(size_t)15;

	if (a->on && need >= n && need <= a->cap - a->used) {
		void *p = a->base + a->used;

		a->used += need;
		return p;
	}
	return malloc(n);
}

static void
arena_free(void *p)
{
	struct arena	*a = &dec_arena;

	if (p != NULL && a->base != NULL && (char *)p >= a->base &&
	    (char *)p < a->base + a->cap)
		return;		/* reclaimed all at once in arena_end() */
	free(p);
}

static void
arena_install(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

/* Turns the arena on for decoding len bytes of JSON. */
static void
arena_begin(size_t len)
{
	struct arena	*a = &dec_arena;
	size_t		 want;
	char		*p;

	if (ARENA_OFF)
		return;
	(void)pthread_once(&dec_arena_once, arena_install);
	want = len > ARENA_MAX / 24 ? ARENA_MAX : len * 24 + 65536;
	if (a->cap < want) {
		/* Not realloc: the old block may hold nothing live, but
		 * the new one must not move under jansson. */
		if ((p = malloc(want)) == NULL)
			return;		/* malloc it is */
		free(a->base);
		a->base = p;
		a->cap = want;
	}
	a->used = 0;
	a->on = 1;
}

static void
arena_end(void)
{
	dec_arena.on = 0;
	dec_arena.used = 0;
}

static int
dec_load(json_t **out, const uint8_t *p, size_t len, struct proto_error *err)
{
	json_error_t	 je;
	json_t		*root;
	char		 why[JSON_ERROR_TEXT_LENGTH];
	int		 rc;

	if (p == NULL || len == 0)
		return ptext_error(err, ERR_PARSE, "", NULL,
		    "the body is empty; expected a JSON object");
	root = json_loadb((const char *)p, len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (root == NULL) {
		if (json_error_code(&je) == json_error_out_of_memory)
			return ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
		return ptext_error(err, ERR_PARSE, "", NULL,
		    "malformed JSON at line %d, column %d: %s", je.line,
		    je.column, ptext_jerr_reason(&je, why, sizeof(why)));
	}
	if (!json_is_object(root)) {
		rc = ptext_error(err, ERR_PARSE, "", NULL,
		    "must be a JSON object, got %s", ptext_jtype(root));
		json_decref(root);
		return rc;
	}
	*out = root;
	return 0;
}

static int
dec_version(json_t *o, int required, struct proto_error *err)
{
	json_t	*v;

	if ((v = json_object_get(o, "version")) == NULL) {
		if (!required)
			return 0;
		return ptext_error(err, ERR_VERSION, "", "version",
		    "is required; this side speaks version %d",
		    PROTO_VERSION);
	}
	if (!json_is_integer(v))
		return ptext_error(err, ERR_VERSION, "", "version",
		    "must be an integer, got %s; this side speaks version %d",
		    ptext_jtype(v), PROTO_VERSION);
	if (json_integer_value(v) != PROTO_VERSION)
		return ptext_error(err, ERR_VERSION, "", "version",
		    "version %" JSON_INTEGER_FORMAT " is not spoken here; "
		    "this side speaks version %d", json_integer_value(v),
		    PROTO_VERSION);
	return 0;
}

/* Every key of o must be in the NULL-terminated table known. */
/* Fetch o[key]: *v is NULL when absent and optional. */
static int
dec_get(json_t *o, const char *key, const char *path, int required,
    json_t **v, struct proto_error *err)
{
	*v = json_object_get(o, key);
	if (*v == NULL && required)
		return ptext_error(err, ERR_INVAL, path, key, "is required");
	return 0;
}

static int
dec_int(json_t *o, const char *key, const char *path, int64_t min,
    int64_t max, int64_t *out, struct proto_error *err)
{
	json_t		*v;
	json_int_t	 x;
	int		 rc;

	if ((rc = dec_get(o, key, path, 1, &v, err)) != 0)
		return rc;
	if (!json_is_integer(v))
		return ptext_error(err, ERR_INVAL, path, key,
		    "must be an integer, got %s", ptext_jtype(v));
	x = json_integer_value(v);
	if (x < min || x > max)
		return ptext_error(err, ERR_INVAL, path, key,
		    "must be %lld..%lld", (long long)min, (long long)max);
	*out = x;
	return 0;
}

static int
dec_strval(json_t *v, const char *key, const char *path, chk_fn chk,
    char *dst, size_t dstsz, struct proto_error *err)
{
	const char	*s, *why;
	size_t		 n;

	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, key,
		    "must be a string, got %s", ptext_jtype(v));
	s = json_string_value(v);
	n = json_string_length(v);
	if ((why = chk(s, n)) != NULL)
		return ptext_error(err, ERR_INVAL, path, key, "%s", why);
	if (n >= dstsz)
		return ptext_error(err, ERR_INVAL, path, key, "is too long");
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int
dec_str(json_t *o, const char *key, const char *path, int required,
    chk_fn chk, char *dst, size_t dstsz, struct proto_error *err)
{
	json_t	*v;
	int	 rc;

	if ((rc = dec_get(o, key, path, required, &v, err)) != 0)
		return rc;
	if (v == NULL)
		return 0;
	return dec_strval(v, key, path, chk, dst, dstsz, err);
}

/* A timestamp; null gives 0 when nullable. */
static int
dec_time(json_t *o, const char *key, const char *path, int nullable,
    int64_t *out, struct proto_error *err)
{
	json_t		*v;
	int64_t		 ms;
	int		 rc;

	if ((rc = dec_get(o, key, path, 1, &v, err)) != 0)
		return rc;
	if (nullable && json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, key,
		    nullable ? "must be a string or null, got %s" :
		    "must be a string, got %s", ptext_jtype(v));
	if (date_parse_rfc3339(&ms, json_string_value(v),
	    json_string_length(v)) != 0 || !time_ok(ms))
		return ptext_error(err, ERR_INVAL, path, key, TIME_MSG);
	*out = ms;
	return 0;
}

/* One of names[0..n) (values 1..n); msg says which are allowed. */
static int
dec_bool(json_t *o, const char *key, const char *path, int *out,
    struct proto_error *err)
{
	json_t	*v;
	int	 rc;

	if ((rc = dec_get(o, key, path, 1, &v, err)) != 0)
		return rc;
	if (!json_is_boolean(v))
		return ptext_error(err, ERR_INVAL, path, key,
		    "must be true or false, got %s", ptext_jtype(v));
	*out = json_is_true(v);
	return 0;
}

static int
dec_enum(json_t *o, const char *key, const char *path, int required,
    const char *const *names, int n, const char *msg, int *out,
    struct proto_error *err)
{
	json_t		*v;
	const char	*s;
	size_t		 len;
	int		 i, rc;

	if ((rc = dec_get(o, key, path, required, &v, err)) != 0)
		return rc;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, key, "%s, got %s", msg,
		    ptext_jtype(v));
	s = json_string_value(v);
	len = json_string_length(v);
	for (i = 0; i < n; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
			*out = i + 1;
			return 0;
		}
	}
	return ptext_error(err, ERR_INVAL, path, key, "%s", msg);
}

static int
dec_document(json_t *o, const char *path, struct proto_document *d,
    struct proto_error *err)
{
	static const char *const keys[] = { "type", "issuing_state",
	    "number", "nationality", "surname", "given_names", "birth_date",
	    "sex", "expiry_date", NULL };
	char	sex[2];
	int	rc;

	if ((rc = ptext_unknown_keys(o, keys, path, err)) != 0 ||
	    (rc = dec_str(o, "type", path, 1, chk_doctype, d->type,
	    sizeof(d->type), err)) != 0 ||
	    (rc = dec_str(o, "issuing_state", path, 1, chk_state,
	    d->issuing_state, sizeof(d->issuing_state), err)) != 0 ||
	    (rc = dec_str(o, "number", path, 1, chk_docnum, d->number,
	    sizeof(d->number), err)) != 0 ||
	    (rc = dec_str(o, "nationality", path, 1, chk_state,
	    d->nationality, sizeof(d->nationality), err)) != 0 ||
	    (rc = dec_str(o, "surname", path, 1, chk_surname, d->surname,
	    sizeof(d->surname), err)) != 0 ||
	    (rc = dec_str(o, "given_names", path, 0, chk_given,
	    d->given_names, sizeof(d->given_names), err)) != 0 ||
	    (rc = dec_str(o, "birth_date", path, 1, chk_docdate,
	    d->birth_date, sizeof(d->birth_date), err)) != 0 ||
	    (rc = dec_str(o, "sex", path, 1, chk_sex, sex, sizeof(sex),
	    err)) != 0 ||
	    (rc = dec_str(o, "expiry_date", path, 1, chk_docdate,
	    d->expiry_date, sizeof(d->expiry_date), err)) != 0)
		return rc;
	d->sex = sex[0];
	return 0;
}

/*
 * A lane request may carry the scanner's MRZ text instead of the document
 * fields: read it (common/mrz.c), refuse it unless it is a valid document,
 * and fill the fields from it. Messages give the MRZ position, never its
 * content.
 */
static int
dec_mrz(json_t *v, const char *path, struct proto_document *d,
    struct proto_error *err)
{
	struct mrz			 m;
	struct proto_document		 out;
	const struct mrz_problem	*pr;
	size_t				 n, more;
	int				 rc;

	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, "mrz",
		    "must be a string of MRZ lines, got %s", ptext_jtype(v));
	n = json_string_length(v);
	if (n == 0 || n > MRZ_TEXT_MAX)
		return ptext_error(err, ERR_INVAL, path, "mrz",
		    "must be 1..%d bytes of MRZ lines", MRZ_TEXT_MAX);
	if (mrz_parse(&m, json_string_value(v), n, NULL) != 0) {
		more = m.report.nerr + m.report.dropped - 1;
		pr = &m.report.err[0];
		if (m.report.nerr == 0)
			return ptext_error(err, ERR_INVAL, path, "mrz",
			    "is not a valid machine-readable zone");
		if (pr->line > 0)
			return ptext_error(err, ERR_INVAL, path, "mrz",
			    "line %d, column %d: %s%s", pr->line, pr->column,
			    pr->message, more > 0 ? " (and more)" : "");
		return ptext_error(err, ERR_INVAL, path, "mrz", "%s%s", pr->message,
		    more > 0 ? " (and more)" : "");
	}
	if (!m.birth_known || !m.expiry_known)
		return ptext_error(err, ERR_INVAL, path, "mrz",
		    "the %s date is not printed in full; send the document "
		    "fields instead", m.birth_known ? "expiry" : "birth");
	memset(&out, 0, sizeof(out));
	if (snprintf(out.type, sizeof(out.type), "%s", m.document_code) >=
	    (int)sizeof(out.type) ||
	    snprintf(out.issuing_state, sizeof(out.issuing_state), "%s",
	    m.issuing_state) >= (int)sizeof(out.issuing_state) ||
	    snprintf(out.number, sizeof(out.number), "%s", m.number) >=
	    (int)sizeof(out.number) ||
	    snprintf(out.nationality, sizeof(out.nationality), "%s",
	    m.nationality) >= (int)sizeof(out.nationality) ||
	    snprintf(out.surname, sizeof(out.surname), "%s", m.surname) >=
	    (int)sizeof(out.surname) ||
	    snprintf(out.given_names, sizeof(out.given_names), "%s",
	    m.given_names) >= (int)sizeof(out.given_names) ||
	    date_format_iso(&m.birth, out.birth_date,
	    sizeof(out.birth_date)) != 0 ||
	    date_format_iso(&m.expiry, out.expiry_date,
	    sizeof(out.expiry_date)) != 0)
		return ptext_error(err, ERR_INVAL, path, "mrz",
		    "holds a field this protocol cannot carry");
	out.sex = m.sex;
	/* The MRZ reader's rules are not this protocol's: check again. */
	if ((rc = chk_document(&out, path, err)) != 0) {
		char	why[PROTO_MSG_MAX];

		memcpy(why, err->message, sizeof(why));
		why[sizeof(why) - 1] = '\0';
		return ptext_error(err, rc, path, "mrz", "holds a document this "
		    "protocol cannot carry: %s", why);
	}
	*d = out;
	return 0;
}

/* Decode the crossing object o into *c, which the caller zeroed. */
static int
dec_crossing(json_t *o, const char *path, enum xmode mode,
    struct proto_crossing *c, struct proto_error *err)
{
	static const char *const stored_keys[] = { "seq", "recorded_at",
	    "direction", "lane", "officer", "outcome", "document", NULL };
	static const char *const lane_keys[] = { "version", "request_id",
	    "check_id", "reason", "seq", "recorded_at", "direction", "lane",
	    "officer", "outcome", "document", "mrz", NULL };
	static const char *const dirs[] = { "entry", "exit" };
	static const char *const outcomes[] = { "admit", "refuse", "refer" };
	json_t	*v;
	char	 dpath[PROTO_FIELD_MAX];
	int64_t	 x;
	int	 e, rc;

	if ((rc = ptext_unknown_keys(o, mode == XM_LANE ? lane_keys : stored_keys,
	    path, err)) != 0)
		return rc;
	if (mode == XM_LANE) {
		if (json_object_get(o, "seq") != NULL)
			return ptext_error(err, ERR_INVAL, path, "seq",
			    "must be absent in a lane request; the post "
			    "assigns it");
		if (json_object_get(o, "recorded_at") != NULL)
			return ptext_error(err, ERR_INVAL, path, "recorded_at",
			    "must be absent in a lane request; the post "
			    "assigns it");
		if ((rc = dec_str(o, "request_id", path, 0, chk_reqid,
		    c->request_id, sizeof(c->request_id), err)) != 0)
			return rc;
		if (json_object_get(o, "check_id") != NULL) {
			if ((rc = dec_int(o, "check_id", path, 1, SEQ_MAX, &x,
			    err)) != 0)
				return rc;
			c->check_id = (uint64_t)x;
		}
		if ((rc = dec_str(o, "reason", path, 0, chk_reason,
		    c->reason, sizeof(c->reason), err)) != 0)
			return rc;
	} else {
		if ((rc = dec_int(o, "seq", path, 1, SEQ_MAX, &x, err)) != 0)
			return rc;
		c->seq = (uint64_t)x;
		if ((rc = dec_time(o, "recorded_at", path, 0,
		    &c->recorded_at, err)) != 0)
			return rc;
	}
	if ((rc = dec_enum(o, "direction", path, 1, dirs, 2,
	    "must be \"entry\" or \"exit\"", &e, err)) != 0)
		return rc;
	c->direction = (enum proto_direction)e;
	if ((rc = dec_int(o, "lane", path, 1, PROTO_LANE_MAX, &x, err)) != 0)
		return rc;
	c->lane = (uint32_t)x;
	if ((rc = dec_str(o, "officer", path, 1, chk_officer, c->officer,
	    sizeof(c->officer), err)) != 0)
		return rc;
	e = PROTO_ADMIT;
	if ((rc = dec_enum(o, "outcome", path, mode == XM_STORED, outcomes,
	    3, "must be \"admit\", \"refuse\" or \"refer\"", &e, err)) != 0)
		return rc;
	c->outcome = (enum proto_outcome)e;
	if (mode == XM_LANE && (v = json_object_get(o, "mrz")) != NULL) {
		if (json_object_get(o, "document") != NULL)
			return ptext_error(err, ERR_INVAL, path, "mrz",
			    "give \"document\" or \"mrz\", not both");
		return dec_mrz(v, path, &c->doc, err);
	}
	if ((rc = dec_get(o, "document", path, 1, &v, err)) != 0)
		return rc;
	if (!json_is_object(v))
		return ptext_error(err, ERR_INVAL, path, "document",
		    "must be an object, got %s", ptext_jtype(v));
	if (snprintf(dpath, sizeof(dpath), "%s%sdocument", path,
	    path[0] != '\0' ? "." : "") >= (int)sizeof(dpath))
		return ptext_error(err, ERR_INVAL, path, NULL, "path too long");
	return dec_document(v, dpath, &c->doc, err);
}

/* Decode one crossing body: a lane request or a stored crossing. */
static int
dec_crossing_body(struct proto_crossing *out, enum xmode mode,
    const uint8_t *p, size_t len, struct proto_error *err)
{
	struct proto_error	 scratch;
	struct proto_crossing	 c;
	json_t			*root;
	int			 rc;

	if (err == NULL)
		err = &scratch;
	if ((rc = dec_load(&root, p, len, err)) != 0)
		return rc;
	memset(&c, 0, sizeof(c));
	if ((mode != XM_LANE || (rc = dec_version(root, 0, err)) == 0) &&
	    (rc = dec_crossing(root, "", mode, &c, err)) == 0)
		*out = c;
	json_decref(root);
	return rc;
}

int
proto_decode_lane_crossing(struct proto_crossing *out, const uint8_t *p,
    size_t len, struct proto_error *err)
{
	return dec_crossing_body(out, XM_LANE, p, len, err);
}

int
proto_decode_crossing(struct proto_crossing *out, const uint8_t *p,
    size_t len, struct proto_error *err)
{
	return dec_crossing_body(out, XM_STORED, p, len, err);
}

/* Common head of the enveloped messages: load, version, keys, post. */
static int
dec_head(json_t **root, const char *const *keys, char *post,
    const uint8_t *p, size_t len, struct proto_error *err)
{
	int	rc;

	if ((rc = dec_load(root, p, len, err)) != 0)
		return rc;
	if ((rc = dec_version(*root, 1, err)) != 0 ||
	    (rc = ptext_unknown_keys(*root, keys, "", err)) != 0 ||
	    (post != NULL && (rc = dec_str(*root, "post", "", 1, chk_post,
	    post, PROTO_POST_MAX + 1, err)) != 0)) {
		json_decref(*root);
		return rc;
	}
	return 0;
}

int
proto_decode_batch(struct proto_batch *out, size_t cap, const uint8_t *p,
    size_t len, struct proto_error *err)
{
	static const char *const keys[] = { "version", "post", "crossings",
	    NULL };
	struct proto_error	 scratch;
	struct proto_crossing	*tmp = NULL;
	json_t			*root, *a, *item;
	char			 post[PROTO_POST_MAX + 1], path[PROTO_FIELD_MAX];
	size_t			 i, n;
	int			 rc;

	if (err == NULL)
		err = &scratch;
	if (cap > PROTO_BATCH_MAX)
		cap = PROTO_BATCH_MAX;
	arena_begin(len);
	if ((rc = dec_head(&root, keys, post, p, len, err)) != 0) {
		arena_end();
		return rc;
	}
	if ((rc = dec_get(root, "crossings", "", 1, &a, err)) != 0)
		goto done;
	if (!json_is_array(a)) {
		rc = ptext_error(err, ERR_INVAL, "", "crossings",
		    "must be an array, got %s", ptext_jtype(a));
		goto done;
	}
	n = json_array_size(a);
	if (n > cap) {
		rc = ptext_error(err, ERR_TOOBIG, "", "crossings",
		    "has %zu crossings; at most %zu fit in one batch", n, cap);
		goto done;
	}
	if ((tmp = calloc(n > 0 ? n : 1, sizeof(*tmp))) == NULL) {
		rc = ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		item = json_array_get(a, i);
		(void)snprintf(path, sizeof(path), "crossings[%zu]", i);
		if (!json_is_object(item)) {
			rc = ptext_error(err, ERR_INVAL, path, NULL,
			    "must be an object, got %s", ptext_jtype(item));
			goto done;
		}
		if ((rc = dec_crossing(item, path, XM_STORED, &tmp[i],
		    err)) != 0)
			goto done;
	}
	if ((rc = chk_seq_unique(tmp, n, err)) != 0)
		goto done;
	memcpy(out->post, post, sizeof(out->post));
	if (n > 0)
		memcpy(out->items, tmp, n * sizeof(*tmp));
	out->n = n;
 done:
	free(tmp);
	json_decref(root);
	arena_end();
	return rc;
}

int
proto_decode_ack(struct proto_ack *out, size_t cap, const uint8_t *p,
    size_t len, struct proto_error *err)
{
	static const char *const keys[] = { "version", "post", "durable",
	    NULL };
	struct proto_error	 scratch;
	uint64_t		*tmp = NULL;
	json_t			*root, *a, *v;
	char			 post[PROTO_POST_MAX + 1], path[PROTO_FIELD_MAX];
	size_t			 i, n;
	json_int_t		 x;
	int			 rc;

	if (err == NULL)
		err = &scratch;
	if ((rc = dec_head(&root, keys, post, p, len, err)) != 0)
		return rc;
	if ((rc = dec_get(root, "durable", "", 1, &a, err)) != 0)
		goto done;
	if (!json_is_array(a)) {
		rc = ptext_error(err, ERR_INVAL, "", "durable",
		    "must be an array, got %s", ptext_jtype(a));
		goto done;
	}
	n = json_array_size(a);
	if (n > cap) {
		rc = ptext_error(err, ERR_TOOBIG, "", "durable",
		    "has %zu sequence numbers; at most %zu expected", n, cap);
		goto done;
	}
	if ((tmp = calloc(n > 0 ? n : 1, sizeof(*tmp))) == NULL) {
		rc = ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		v = json_array_get(a, i);
		(void)snprintf(path, sizeof(path), "durable[%zu]", i);
		if (!json_is_integer(v)) {
			rc = ptext_error(err, ERR_INVAL, path, NULL,
			    "must be an integer, got %s", ptext_jtype(v));
			goto done;
		}
		x = json_integer_value(v);
		if (x < 1 || x > SEQ_MAX) {
			rc = ptext_error(err, ERR_INVAL, path, NULL,
			    "must be 1..9007199254740991");
			goto done;
		}
		tmp[i] = (uint64_t)x;
	}
	memcpy(out->post, post, sizeof(out->post));
	if (n > 0)
		memcpy(out->seqs, tmp, n * sizeof(*tmp));
	out->n = n;
 done:
	free(tmp);
	json_decref(root);
	arena_end();
	return rc;
}

int
proto_decode_receipt(struct proto_receipt *out, const uint8_t *p,
    size_t len, struct proto_error *err)
{
	static const char *const keys[] = { "version", "post", "seq",
	    "recorded_at", "feed_stale", NULL };
	struct proto_error	 scratch;
	struct proto_receipt	 r;
	json_t			*root;
	int64_t			 x;
	int			 rc;

	if (err == NULL)
		err = &scratch;
	memset(&r, 0, sizeof(r));
	if ((rc = dec_head(&root, keys, r.post, p, len, err)) != 0)
		return rc;
	if ((rc = dec_int(root, "seq", "", 1, SEQ_MAX, &x, err)) == 0 &&
	    (rc = dec_time(root, "recorded_at", "", 0, &r.recorded_at,
	    err)) == 0 &&
	    (rc = dec_bool(root, "feed_stale", "", &r.feed_stale,
	    err)) == 0) {
		r.seq = (uint64_t)x;
		*out = r;
	}
	json_decref(root);
	return rc;
}

/* The "feed" object of a status into f. */
static int
dec_feed_status(json_t *root, struct proto_feed_status *f,
    struct proto_error *err)
{
	static const char *const keys[] = { "configured", "cursor",
	    "applied_at", "age_s", "stale", "max_age_s", "last_error",
	    "last_error_at", NULL };
	json_t	*o, *v;
	int64_t	 x;
	int	 rc;

	if ((rc = dec_get(root, "feed", "", 1, &o, err)) != 0)
		return rc;
	if (!json_is_object(o))
		return ptext_error(err, ERR_INVAL, "", "feed",
		    "must be an object, got %s", ptext_jtype(o));
	if ((rc = ptext_unknown_keys(o, keys, "feed", err)) != 0 ||
	    (rc = dec_bool(o, "configured", "feed", &f->configured,
	    err)) != 0 ||
	    (rc = dec_int(o, "cursor", "feed", 0, SEQ_MAX, &x, err)) != 0)
		return rc;
	f->cursor = (uint64_t)x;
	if ((rc = dec_time(o, "applied_at", "feed", 1, &f->applied_at,
	    err)) != 0 ||
	    (rc = dec_get(o, "age_s", "feed", 1, &v, err)) != 0)
		return rc;
	if (json_is_null(v) != (f->applied_at == 0))
		return ptext_error(err, ERR_INVAL, "feed", "age_s",
		    "must be null exactly when applied_at is null");
	f->age_s = -1;
	if (!json_is_null(v) && (rc = dec_int(o, "age_s", "feed", 0,
	    PROTO_FEED_AGE_MAX, &f->age_s, err)) != 0)
		return rc;
	if ((rc = dec_bool(o, "stale", "feed", &f->stale, err)) != 0 ||
	    (rc = dec_int(o, "max_age_s", "feed", 0, PROTO_FEED_AGE_MAX,
	    &f->max_age_s, err)) != 0 ||
	    (rc = dec_get(o, "last_error", "feed", 1, &v, err)) != 0)
		return rc;
	if (!json_is_null(v) && (rc = dec_strval(v, "last_error", "feed",
	    chk_last_error, f->last_error, sizeof(f->last_error), err)) != 0)
		return rc;
	return dec_time(o, "last_error_at", "feed", 1, &f->last_error_at,
	    err);
}

int
proto_decode_status(struct proto_status *out, const uint8_t *p, size_t len,
    struct proto_error *err)
{
	static const char *const keys[] = { "version", "post", "last_seq",
	    "unsent", "last_push_ok", "last_error", "last_error_at", "feed",
	    NULL };
	struct proto_error	 scratch;
	struct proto_status	 s;
	json_t			*root, *v;
	int64_t			 last_seq, unsent;
	int			 rc;

	if (err == NULL)
		err = &scratch;
	memset(&s, 0, sizeof(s));
	if ((rc = dec_head(&root, keys, s.post, p, len, err)) != 0)
		return rc;
	if ((rc = dec_int(root, "last_seq", "", 0, SEQ_MAX, &last_seq,
	    err)) != 0 ||
	    (rc = dec_int(root, "unsent", "", 0, SEQ_MAX, &unsent, err)) != 0 ||
	    (rc = dec_time(root, "last_push_ok", "", 1, &s.last_push_ok,
	    err)) != 0 ||
	    (rc = dec_get(root, "last_error", "", 1, &v, err)) != 0)
		goto done;
	if (!json_is_null(v) && (rc = dec_strval(v, "last_error", "",
	    chk_last_error, s.last_error, sizeof(s.last_error), err)) != 0)
		goto done;
	if ((rc = dec_time(root, "last_error_at", "", 1, &s.last_error_at,
	    err)) != 0 ||
	    (rc = dec_feed_status(root, &s.feed, err)) != 0)
		goto done;
	s.last_seq = (uint64_t)last_seq;
	s.unsent = (uint64_t)unsent;
	*out = s;
 done:
	json_decref(root);
	return rc;
}

int
proto_decode_error(int *status, struct proto_error *out, const uint8_t *p,
    size_t len)
{
	static const char *const keys[] = { "version", "error", NULL };
	static const char *const ekeys[] = { "status", "field", "message",
	    NULL };
	struct proto_error	 scratch, e;
	json_t			*root, *v;
	int64_t			 st;
	int			 rc;

	memset(&e, 0, sizeof(e));
	if ((rc = dec_head(&root, keys, NULL, p, len, &scratch)) != 0)
		return rc;
	if ((rc = dec_get(root, "error", "", 1, &v, &scratch)) != 0)
		goto done;
	if (!json_is_object(v)) {
		rc = ERR_INVAL;
		goto done;
	}
	if ((rc = ptext_unknown_keys(v, ekeys, "error", &scratch)) != 0 ||
	    (rc = dec_int(v, "status", "error", 400, 599, &st,
	    &scratch)) != 0 ||
	    (rc = dec_str(v, "field", "error", 0, chk_err_field, e.field,
	    sizeof(e.field), &scratch)) != 0 ||
	    (rc = dec_str(v, "message", "error", 1, chk_err_message,
	    e.message, sizeof(e.message), &scratch)) != 0)
		goto done;
	*status = (int)st;
	*out = e;
 done:
	json_decref(root);
	return rc;
}

/*
 * Encoding.
 */

/* Sets o[key] to v, taking v; nonzero on failure (v NULL included). */
static int
enc_set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new_nocheck(o, key, v) != 0;
}

/* A checked NUL-terminated string. */
static int
enc_str(json_t *o, const char *key, const char *s)
{
	return enc_set(o, key, json_stringn_nocheck(s, strlen(s)));
}

static int
enc_time(json_t *o, const char *key, int64_t ms)
{
	char	buf[32];

	if (ms == 0)
		return enc_set(o, key, json_null());
	if (date_format_rfc3339(ms, buf, sizeof(buf)) != 0)
		return 1;
	return enc_str(o, key, buf);
}

static json_t *
enc_crossing(const struct proto_crossing *c)
{
	json_t	*o, *d;
	char	 sex[2];
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	if (c->seq != 0) {
		bad |= enc_set(o, "seq", json_integer((json_int_t)c->seq));
		bad |= enc_time(o, "recorded_at", c->recorded_at);
	} else {
		if (c->request_id[0] != '\0')
			bad |= enc_str(o, "request_id", c->request_id);
		if (c->check_id != 0)
			bad |= enc_set(o, "check_id",
			    json_integer((json_int_t)c->check_id));
		if (c->reason[0] != '\0')
			bad |= enc_str(o, "reason", c->reason);
	}
	bad |= enc_str(o, "direction", proto_direction_str(c->direction));
	bad |= enc_set(o, "lane", json_integer(c->lane));
	bad |= enc_str(o, "officer", c->officer);
	bad |= enc_str(o, "outcome", proto_outcome_str(c->outcome));
	if ((d = json_object()) != NULL) {
		sex[0] = c->doc.sex;
		sex[1] = '\0';
		bad |= enc_str(d, "type", c->doc.type);
		bad |= enc_str(d, "issuing_state", c->doc.issuing_state);
		bad |= enc_str(d, "number", c->doc.number);
		bad |= enc_str(d, "nationality", c->doc.nationality);
		bad |= enc_str(d, "surname", c->doc.surname);
		bad |= enc_str(d, "given_names", c->doc.given_names);
		bad |= enc_str(d, "birth_date", c->doc.birth_date);
		bad |= enc_str(d, "sex", sex);
		bad |= enc_str(d, "expiry_date", c->doc.expiry_date);
	}
	bad |= enc_set(o, "document", d);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* An envelope {"version":1[,"post":...]}. */
static json_t *
enc_head(const char *post)
{
	json_t	*o;
	int	 bad;

	if ((o = json_object()) == NULL)
		return NULL;
	bad = enc_set(o, "version", json_integer(PROTO_VERSION));
	if (post != NULL)
		bad |= enc_str(o, "post", post);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Dump root (taken; NULL means allocation failed) into buf. */
static int
enc_dump(json_t *root, char *buf, size_t bufsz, size_t *outlen)
{
	size_t	n;

	if (root == NULL)
		return ERR_NOMEM;
	n = json_dumpb(root, buf, bufsz, DUMP_FLAGS);
	json_decref(root);
	if (n == 0)
		return ERR_NOMEM;
	if (n > bufsz)
		return ERR_TOOBIG;
	*outlen = n;
	return 0;
}

static int
post_ok(const char *post)
{
	return proto_check_post_code(post, strnlen(post, PROTO_POST_MAX + 1));
}

int
proto_encode_crossing(const struct proto_crossing *c, char *buf,
    size_t bufsz, size_t *outlen)
{
	struct proto_error	err;

	if (chk_crossing(c, "", &err) != 0)
		return ERR_INVAL;
	return enc_dump(enc_crossing(c), buf, bufsz, outlen);
}

int
proto_encode_batch(const struct proto_batch *b, char *buf, size_t bufsz,
    size_t *outlen)
{
	struct proto_error	 err;
	json_t			*root, *a, *c;
	size_t			 i;
	int			 rc, bad;

	if (!post_ok(b->post) || (b->n > 0 && b->items == NULL))
		return ERR_INVAL;
	if (b->n > PROTO_BATCH_MAX)
		return ERR_TOOBIG;
	for (i = 0; i < b->n; i++)
		if (b->items[i].seq == 0 ||
		    chk_crossing(&b->items[i], "", &err) != 0)
			return ERR_INVAL;
	if ((rc = chk_seq_unique(b->items, b->n, &err)) != 0)
		return rc;
	if ((root = enc_head(b->post)) == NULL)
		return ERR_NOMEM;
	if ((a = json_array()) == NULL) {
		json_decref(root);
		return ERR_NOMEM;
	}
	bad = enc_set(root, "crossings", a);
	for (i = 0; !bad && i < b->n; i++) {
		if ((c = enc_crossing(&b->items[i])) == NULL ||
		    json_array_append_new(a, c) != 0)
			bad = 1;
	}
	if (bad) {
		json_decref(root);
		return ERR_NOMEM;
	}
	return enc_dump(root, buf, bufsz, outlen);
}

int
proto_encode_ack(const struct proto_ack *ack, char *buf, size_t bufsz,
    size_t *outlen)
{
	json_t	*root, *a;
	size_t	 i;
	int	 bad;

	if (!post_ok(ack->post) || (ack->n > 0 && ack->seqs == NULL))
		return ERR_INVAL;
	for (i = 0; i < ack->n; i++)
		if (ack->seqs[i] < 1 || ack->seqs[i] > (uint64_t)SEQ_MAX)
			return ERR_INVAL;
	if ((root = enc_head(ack->post)) == NULL)
		return ERR_NOMEM;
	if ((a = json_array()) == NULL) {
		json_decref(root);
		return ERR_NOMEM;
	}
	bad = enc_set(root, "durable", a);
	for (i = 0; !bad && i < ack->n; i++)
		bad = json_array_append_new(a,
		    json_integer((json_int_t)ack->seqs[i])) != 0;
	if (bad) {
		json_decref(root);
		return ERR_NOMEM;
	}
	return enc_dump(root, buf, bufsz, outlen);
}

int
proto_encode_receipt(const struct proto_receipt *r, char *buf, size_t bufsz,
    size_t *outlen)
{
	json_t	*root;

	if (!post_ok(r->post) || r->seq < 1 || r->seq > (uint64_t)SEQ_MAX ||
	    !time_ok(r->recorded_at) ||
	    (r->feed_stale != 0 && r->feed_stale != 1))
		return ERR_INVAL;
	if ((root = enc_head(r->post)) == NULL)
		return ERR_NOMEM;
	if (enc_set(root, "seq", json_integer((json_int_t)r->seq)) ||
	    enc_time(root, "recorded_at", r->recorded_at) ||
	    enc_set(root, "feed_stale", json_boolean(r->feed_stale))) {
		json_decref(root);
		return ERR_NOMEM;
	}
	return enc_dump(root, buf, bufsz, outlen);
}

/* 1 if f holds what dec_feed_status() accepts. */
static int
feed_status_ok(const struct proto_feed_status *f)
{
	size_t	elen;

	elen = strnlen(f->last_error, sizeof(f->last_error));
	return (f->configured == 0 || f->configured == 1) &&
	    f->cursor <= (uint64_t)SEQ_MAX &&
	    (f->applied_at == 0 || time_ok(f->applied_at)) &&
	    (f->applied_at == 0 ||
	    (f->age_s >= 0 && f->age_s <= PROTO_FEED_AGE_MAX)) &&
	    (f->stale == 0 || f->stale == 1) &&
	    f->max_age_s >= 0 && f->max_age_s <= PROTO_FEED_AGE_MAX &&
	    (f->last_error_at == 0 || time_ok(f->last_error_at)) &&
	    elen < sizeof(f->last_error) &&
	    (elen == 0 || chk_last_error(f->last_error, elen) == NULL);
}

static json_t *
enc_feed_status(const struct proto_feed_status *f)
{
	json_t	*o;
	int	 bad;

	if ((o = json_object()) == NULL)
		return NULL;
	bad = enc_set(o, "configured", json_boolean(f->configured));
	bad |= enc_set(o, "cursor", json_integer((json_int_t)f->cursor));
	bad |= enc_time(o, "applied_at", f->applied_at);
	bad |= enc_set(o, "age_s", f->applied_at == 0 ? json_null() :
	    json_integer((json_int_t)f->age_s));
	bad |= enc_set(o, "stale", json_boolean(f->stale));
	bad |= enc_set(o, "max_age_s", json_integer((json_int_t)f->max_age_s));
	if (f->last_error[0] != '\0')
		bad |= enc_str(o, "last_error", f->last_error);
	else
		bad |= enc_set(o, "last_error", json_null());
	bad |= enc_time(o, "last_error_at", f->last_error_at);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
proto_encode_status(const struct proto_status *s, char *buf, size_t bufsz,
    size_t *outlen)
{
	json_t	*root;
	size_t	 elen;
	int	 bad;

	elen = strnlen(s->last_error, sizeof(s->last_error));
	if (!post_ok(s->post) || s->last_seq > (uint64_t)SEQ_MAX ||
	    s->unsent > (uint64_t)SEQ_MAX ||
	    (s->last_push_ok != 0 && !time_ok(s->last_push_ok)) ||
	    (s->last_error_at != 0 && !time_ok(s->last_error_at)) ||
	    elen == sizeof(s->last_error) ||
	    (elen > 0 && chk_last_error(s->last_error, elen) != NULL) ||
	    !feed_status_ok(&s->feed))
		return ERR_INVAL;
	if ((root = enc_head(s->post)) == NULL)
		return ERR_NOMEM;
	bad = enc_set(root, "last_seq", json_integer((json_int_t)s->last_seq));
	bad |= enc_set(root, "unsent", json_integer((json_int_t)s->unsent));
	bad |= enc_time(root, "last_push_ok", s->last_push_ok);
	if (elen > 0)
		bad |= enc_str(root, "last_error", s->last_error);
	else
		bad |= enc_set(root, "last_error", json_null());
	bad |= enc_time(root, "last_error_at", s->last_error_at);
	bad |= enc_set(root, "feed", enc_feed_status(&s->feed));
	if (bad) {
		json_decref(root);
		return ERR_NOMEM;
	}
	return enc_dump(root, buf, bufsz, outlen);
}

int
proto_encode_error(int status, const struct proto_error *e, char *buf,
    size_t bufsz, size_t *outlen)
{
	json_t	*root, *o;
	size_t	 flen, mlen;
	int	 bad;

	flen = strnlen(e->field, sizeof(e->field));
	mlen = strnlen(e->message, sizeof(e->message));
	if (status < 400 || status > 599 || flen == sizeof(e->field) ||
	    mlen == sizeof(e->message) ||
	    chk_err_field(e->field, flen) != NULL ||
	    chk_err_message(e->message, mlen) != NULL)
		return ERR_INVAL;
	if ((root = enc_head(NULL)) == NULL)
		return ERR_NOMEM;
	if ((o = json_object()) == NULL) {
		json_decref(root);
		return ERR_NOMEM;
	}
	bad = enc_set(root, "error", o);
	bad |= enc_set(o, "status", json_integer(status));
	bad |= enc_str(o, "field", e->field);
	bad |= enc_str(o, "message", e->message);
	if (bad) {
		json_decref(root);
		return ERR_NOMEM;
	}
	return enc_dump(root, buf, bufsz, outlen);
}
