/* check.c - the lane check request and the post's verdict in JSON
 * (jansson). Decoders refuse duplicate and unknown keys, wrong types and
 * out-of-bound values and name the field; encoders check what they write.
 * Messages never quote the MRZ, names or document numbers. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "date.h"
#include "err.h"
#include "proto.h"

#define DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER | \
			    JSON_REAL_PRECISION(3))
#define INT_MAX53	INT64_C(9007199254740991)

static int	cerr(struct proto_error *, int, const char *, const char *,
		    ...) __attribute__((format(printf, 4, 5)));

static int
cerr(struct proto_error *err, int rc, const char *field, const char *fmt,
    ...)
{
	va_list	ap;

	if (err == NULL)
		return rc;
	/* Fields are ours and short; a cut message still reads. */
	(void)snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	if (vsnprintf(err->message, sizeof(err->message), fmt, ap) < 0)
		err->message[0] = '\0';
	va_end(ap);
	return rc;
}

const char *
check_verdict_str(enum check_verdict_kind k)
{
	switch (k) {
	case CHECK_CLEAR: return "clear";
	case CHECK_REFER: return "refer";
	case CHECK_DENY: return "deny";
	}
	return "invalid";
}

static int
verdict_parse(const char *s, enum check_verdict_kind *out)
{
	if (strcmp(s, "clear") == 0)
		*out = CHECK_CLEAR;
	else if (strcmp(s, "refer") == 0)
		*out = CHECK_REFER;
	else if (strcmp(s, "deny") == 0)
		*out = CHECK_DENY;
	else
		return ERR_PARSE;
	return 0;
}

/* Cut s (NUL-terminated, in a buffer of bufsz) so it is valid UTF-8 up
 * to its NUL after a snprintf truncation. */
static void
utf8_trim(char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0)
		return;
	i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	/* s[i - 1] leads a sequence: is it complete? */
	{
		unsigned char	c = (unsigned char)s[i - 1];
		size_t		need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 :
				    c >= 0xC0 ? 2 : 1;

		if (n - (i - 1) < need)
			s[i - 1] = '\0';
	}
}

struct check_reason *
check_add_reason(struct check_verdict *v, const char *code,
    enum check_verdict_kind sev, const char *fmt, ...)
{
	struct check_reason	*r;
	va_list			 ap;

	if (sev > v->verdict)
		v->verdict = sev;
	if (v->nreasons >= CHECK_REASONS_MAX)
		return NULL;
	r = &v->reasons[v->nreasons++];
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->code, sizeof(r->code), "%s", code);
	r->severity = sev;
	r->score = -1;
	r->days_used = -1;
	r->days_remaining = -1;
	r->overstay_days = -1;
	va_start(ap, fmt);
	if (vsnprintf(r->message, sizeof(r->message), fmt, ap) < 0)
		r->message[0] = '\0';
	va_end(ap);
	utf8_trim(r->message);
	return r;
}

const struct check_reason *
check_find_reason(const struct check_verdict *v, const char *code)
{
	size_t	i;

	for (i = 0; i < v->nreasons && i < CHECK_REASONS_MAX; i++)
		if (strcmp(v->reasons[i].code, code) == 0)
			return &v->reasons[i];
	return NULL;
}

/*
 * Field checks.
 */

static int
chk_officer(const char *s, size_t n)
{
	size_t	i;

	if (n < 1 || n > PROTO_OFFICER_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
chk_code(const char *s, size_t n)
{
	size_t	i;

	if (n < 1 || n > CHECK_CODE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return 1;
}

/* UTF-8 text of at most max bytes with no control characters (bytes
 * below 0x20 or 0x7f; jansson already checked the encoding). */
static int
chk_text(const char *s, size_t n, size_t max)
{
	size_t	i;

	if (n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
chk_date(const char *s, size_t n)
{
	struct date	d;

	return date_parse_iso(&d, s, n) == 0;
}

/* The MRZ text: printable ASCII and line ends only. */
static int
chk_mrz(const char *s, size_t n)
{
	size_t	i;

	if (n < 1 || n > CHECK_MRZ_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 0x20 && s[i] < 0x7f) || s[i] == '\n' ||
		    s[i] == '\r' || s[i] == '\t'))
			return 0;
	return 1;
}

/*
 * Decoding helpers.
 */

static int
dec_keys(json_t *o, const char *const *known, const char *path,
    struct proto_error *err)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	char		 show[40];

	json_object_foreach(o, key, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			for (i = 0; key[i] != '\0' && i < 32; i++)
				show[i] = ((unsigned char)key[i] < 0x20 ||
				    (unsigned char)key[i] > 0x7e ||
				    key[i] == '"' || key[i] == '\\') ? '?' :
				    key[i];
			show[i] = '\0';
			return cerr(err, ERR_INVAL, path, "unknown key \"%s\"",
			    show);
		}
	}
	return 0;
}

/* A required string member that passes chk, copied into dst. */
static int
dec_str(json_t *o, const char *key, const char *field, int required,
    int (*chk)(const char *, size_t), const char *rule, char *dst,
    size_t dstsz, struct proto_error *err)
{
	json_t		*v;
	size_t		 n;

	if ((v = json_object_get(o, key)) == NULL) {
		if (!required)
			return 0;
		return cerr(err, ERR_INVAL, field, "is required");
	}
	if (!json_is_string(v))
		return cerr(err, ERR_INVAL, field, "must be a string");
	n = json_string_length(v);
	if (n >= dstsz || !chk(json_string_value(v), n))
		return cerr(err, ERR_INVAL, field, "%s", rule);
	memcpy(dst, json_string_value(v), n);
	dst[n] = '\0';
	return 0;
}

static int
dec_int(json_t *o, const char *key, const char *field, int required,
    int64_t min, int64_t max, int64_t *out, struct proto_error *err)
{
	json_t		*v;
	json_int_t	 x;

	if ((v = json_object_get(o, key)) == NULL) {
		if (!required)
			return 0;
		return cerr(err, ERR_INVAL, field, "is required");
	}
	if (!json_is_integer(v))
		return cerr(err, ERR_INVAL, field, "must be an integer");
	x = json_integer_value(v);
	if (x < min || x > max)
		return cerr(err, ERR_INVAL, field, "must be %lld..%lld",
		    (long long)min, (long long)max);
	*out = x;
	return 0;
}

static int
dec_load(json_t **root, const uint8_t *p, size_t len,
    struct proto_error *err)
{
	json_error_t	 je;
	json_t		*v;

	if (p == NULL || len == 0)
		return cerr(err, ERR_PARSE, "",
		    "the body is empty; expected a JSON object");
	v = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, &je);
	if (v == NULL)
		return cerr(err, ERR_PARSE, "",
		    "malformed JSON at line %d, column %d: %.80s", je.line,
		    je.column, je.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return cerr(err, ERR_PARSE, "", "must be a JSON object");
	}
	*root = v;
	return 0;
}

static int
dec_version(json_t *o, int required, struct proto_error *err)
{
	json_t	*v;

	if ((v = json_object_get(o, "version")) == NULL)
		return required ? cerr(err, ERR_VERSION, "version",
		    "is required; this side speaks version %d",
		    PROTO_VERSION) : 0;
	if (!json_is_integer(v) || json_integer_value(v) != PROTO_VERSION)
		return cerr(err, ERR_VERSION, "version",
		    "must be %d: the version this side speaks", PROTO_VERSION);
	return 0;
}

static int
dec_direction(json_t *o, const char *field, enum proto_direction *out,
    struct proto_error *err)
{
	json_t		*v;
	const char	*s;

	if ((v = json_object_get(o, "direction")) == NULL)
		return cerr(err, ERR_INVAL, field, "is required");
	s = json_is_string(v) ? json_string_value(v) : "";
	if (strcmp(s, "entry") == 0)
		*out = PROTO_ENTRY;
	else if (strcmp(s, "exit") == 0)
		*out = PROTO_EXIT;
	else
		return cerr(err, ERR_INVAL, field,
		    "must be \"entry\" or \"exit\"");
	return 0;
}

int
check_decode_request(struct check_request *out, const uint8_t *p,
    size_t len, struct proto_error *err)
{
	static const char *const keys[] = { "version", "mrz", "direction",
	    "lane", "officer", NULL };
	struct check_request	 r;
	json_t			*root;
	int64_t			 lane;
	int			 rc;

	if ((rc = dec_load(&root, p, len, err)) != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	if ((rc = dec_version(root, 0, err)) != 0 ||
	    (rc = dec_keys(root, keys, "", err)) != 0 ||
	    (rc = dec_str(root, "mrz", "mrz", 1, chk_mrz, "must be 1..1024 "
	    "bytes of MRZ lines (printable ASCII, lines joined by \\n)",
	    r.mrz, sizeof(r.mrz), err)) != 0 ||
	    (rc = dec_direction(root, "direction", &r.direction, err)) != 0 ||
	    (rc = dec_int(root, "lane", "lane", 1, 1, PROTO_LANE_MAX, &lane,
	    err)) != 0 ||
	    (rc = dec_str(root, "officer", "officer", 1, chk_officer,
	    "must be 1..32 of A-Z a-z 0-9 . _ -", r.officer,
	    sizeof(r.officer), err)) != 0)
		goto out;
	r.mrz_len = strlen(r.mrz);
	r.lane = (uint32_t)lane;
	*out = r;
out:
	json_decref(root);
	return rc;
}

/*
 * Encoding.
 */

static int
enc_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return ERR_NOMEM;
	return json_object_set_new(o, key, v) == 0 ? 0 : ERR_NOMEM;
}

static int
enc_dump(json_t *root, char *buf, size_t bufsz, size_t *outlen)
{
	size_t	n;

	n = json_dumpb(root, NULL, 0, DUMP_FLAGS);
	if (n == 0)
		return ERR_NOMEM;
	if (n > bufsz)
		return ERR_TOOBIG;
	if (json_dumpb(root, buf, bufsz, DUMP_FLAGS) != n)
		return ERR_NOMEM;
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

int
check_encode_request(const struct check_request *r, char *buf, size_t bufsz,
    size_t *outlen)
{
	json_t	*o;
	int	 rc;

	if (r->mrz_len != strnlen(r->mrz, sizeof(r->mrz)) ||
	    !chk_mrz(r->mrz, r->mrz_len) ||
	    (r->direction != PROTO_ENTRY && r->direction != PROTO_EXIT) ||
	    r->lane < 1 || r->lane > PROTO_LANE_MAX ||
	    !chk_officer(r->officer, strnlen(r->officer, sizeof(r->officer))))
		return ERR_INVAL;
	if ((o = json_object()) == NULL)
		return ERR_NOMEM;
	if ((rc = enc_set(o, "version", json_integer(PROTO_VERSION))) != 0 ||
	    (rc = enc_set(o, "mrz", json_stringn(r->mrz, r->mrz_len))) != 0 ||
	    (rc = enc_set(o, "direction",
	    json_string(proto_direction_str(r->direction)))) != 0 ||
	    (rc = enc_set(o, "lane", json_integer(r->lane))) != 0 ||
	    (rc = enc_set(o, "officer", json_string(r->officer))) != 0)
		goto out;
	rc = enc_dump(o, buf, bufsz, outlen);
out:
	json_decref(o);
	return rc;
}

static json_t *
enc_time(int64_t ms)
{
	char	buf[32];

	if (ms <= 0 || date_format_rfc3339(ms, buf, sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

static json_t *
enc_document(const struct proto_document *d)
{
	json_t	*o;
	char	 sex[2] = { d->sex, '\0' };

	if ((o = json_object()) == NULL)
		return NULL;
	if (enc_set(o, "type", json_string(d->type)) != 0 ||
	    enc_set(o, "issuing_state", json_string(d->issuing_state)) != 0 ||
	    enc_set(o, "number", json_string(d->number)) != 0 ||
	    enc_set(o, "nationality", json_string(d->nationality)) != 0 ||
	    enc_set(o, "surname", json_string(d->surname)) != 0 ||
	    enc_set(o, "given_names", json_string(d->given_names)) != 0 ||
	    enc_set(o, "birth_date", json_string(d->birth_date)) != 0 ||
	    enc_set(o, "sex", json_string(sex)) != 0 ||
	    enc_set(o, "expiry_date", json_string(d->expiry_date)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
reason_valid(const struct check_reason *r)
{
	size_t	n;

	n = strnlen(r->code, sizeof(r->code));
	if (n == sizeof(r->code) || !chk_code(r->code, n))
		return 0;
	if (r->severity < CHECK_CLEAR || r->severity > CHECK_DENY)
		return 0;
	n = strnlen(r->message, sizeof(r->message));
	if (n == 0 || n == sizeof(r->message) ||
	    !chk_text(r->message, n, CHECK_MSG_MAX))
		return 0;
	if (strnlen(r->alert, sizeof(r->alert)) == sizeof(r->alert) ||
	    strnlen(r->matched, sizeof(r->matched)) == sizeof(r->matched) ||
	    !chk_text(r->matched, strlen(r->matched), CHECK_MATCHED_MAX))
		return 0;
	if (r->score > 1.0)
		return 0;
	if ((r->until[0] != '\0' && !chk_date(r->until, strnlen(r->until,
	    sizeof(r->until)))) ||
	    (r->last_day[0] != '\0' && !chk_date(r->last_day,
	    strnlen(r->last_day, sizeof(r->last_day)))) ||
	    (r->first_overstay_day[0] != '\0' &&
	    !chk_date(r->first_overstay_day, strnlen(r->first_overstay_day,
	    sizeof(r->first_overstay_day)))))
		return 0;
	return 1;
}

static json_t *
enc_reason(const struct check_reason *r)
{
	json_t	*o;
	int	 rc = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	rc |= enc_set(o, "code", json_string(r->code));
	rc |= enc_set(o, "severity", json_string(
	    check_verdict_str(r->severity)));
	rc |= enc_set(o, "message", json_string(r->message));
	if (r->alert[0] != '\0')
		rc |= enc_set(o, "alert", json_string(r->alert));
	if (r->score >= 0)
		rc |= enc_set(o, "score", json_real(r->score));
	if (r->matched[0] != '\0')
		rc |= enc_set(o, "matched", json_string(r->matched));
	if (r->has_until)
		rc |= enc_set(o, "until", r->until[0] != '\0' ?
		    json_string(r->until) : json_null());
	if (r->days_used >= 0)
		rc |= enc_set(o, "days_used", json_integer(r->days_used));
	if (r->last_day[0] != '\0')
		rc |= enc_set(o, "last_day", json_string(r->last_day));
	if (r->days_remaining >= 0)
		rc |= enc_set(o, "days_remaining",
		    json_integer(r->days_remaining));
	if (r->overstay_days >= 0)
		rc |= enc_set(o, "overstay_days",
		    json_integer(r->overstay_days));
	if (r->first_overstay_day[0] != '\0')
		rc |= enc_set(o, "first_overstay_day",
		    json_string(r->first_overstay_day));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
check_encode_verdict(const struct check_verdict *v, char *buf, size_t bufsz,
    size_t *outlen)
{
	json_t	*o, *a;
	size_t	 i;
	int	 rc;

	if (!proto_check_post_code(v->post, strnlen(v->post,
	    sizeof(v->post))) ||
	    v->verdict < CHECK_CLEAR || v->verdict > CHECK_DENY ||
	    v->check_id > CHECK_ID_MAX || !chk_date(v->day, strnlen(v->day,
	    sizeof(v->day))) ||
	    (v->direction != PROTO_ENTRY && v->direction != PROTO_EXIT) ||
	    v->lane < 1 || v->lane > PROTO_LANE_MAX ||
	    !chk_officer(v->officer, strnlen(v->officer,
	    sizeof(v->officer))) ||
	    v->feed_version > (uint64_t)INT_MAX53 ||
	    v->nreasons > CHECK_REASONS_MAX ||
	    strnlen(v->policy_version, sizeof(v->policy_version)) ==
	    sizeof(v->policy_version))
		return ERR_INVAL;
	for (i = 0; i < v->nreasons; i++)
		if (!reason_valid(&v->reasons[i]))
			return ERR_INVAL;
	if ((o = json_object()) == NULL)
		return ERR_NOMEM;
	if ((rc = enc_set(o, "version", json_integer(PROTO_VERSION))) != 0 ||
	    (rc = enc_set(o, "post", json_string(v->post))) != 0)
		goto out;
	if (v->check_id > 0 && (rc = enc_set(o, "check_id",
	    json_integer((json_int_t)v->check_id))) != 0)
		goto out;
	if ((rc = enc_set(o, "verdict",
	    json_string(check_verdict_str(v->verdict)))) != 0 ||
	    (rc = enc_set(o, "decided_at", enc_time(v->decided_at))) != 0 ||
	    (rc = enc_set(o, "day", json_string(v->day))) != 0 ||
	    (rc = enc_set(o, "direction",
	    json_string(proto_direction_str(v->direction)))) != 0 ||
	    (rc = enc_set(o, "lane", json_integer(v->lane))) != 0 ||
	    (rc = enc_set(o, "officer", json_string(v->officer))) != 0 ||
	    (rc = enc_set(o, "document", v->has_document ?
	    enc_document(&v->doc) : json_null())) != 0 ||
	    (rc = enc_set(o, "feed_version",
	    json_integer((json_int_t)v->feed_version))) != 0 ||
	    (rc = enc_set(o, "feed_applied_at",
	    enc_time(v->feed_applied_at))) != 0 ||
	    (rc = enc_set(o, "feed_stale", json_boolean(v->feed_stale))) != 0 ||
	    (rc = enc_set(o, "policy_version", v->policy_version[0] != '\0' ?
	    json_string(v->policy_version) : json_null())) != 0)
		goto out;
	if ((a = json_array()) == NULL || json_object_set_new(o, "reasons", a)
	    != 0) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < v->nreasons; i++) {
		json_t	*r = enc_reason(&v->reasons[i]);

		if (r == NULL || json_array_append_new(a, r) != 0) {
			rc = ERR_NOMEM;
			goto out;
		}
	}
	rc = enc_dump(o, buf, bufsz, outlen);
out:
	json_decref(o);
	return rc;
}

/*
 * Decoding a verdict (the CLI's side).
 */

static int
chk_anytext(const char *s, size_t n)
{
	return chk_text(s, n, PROTO_NAME_MAX);
}

static int
chk_msg(const char *s, size_t n)
{
	return n > 0 && chk_text(s, n, CHECK_MSG_MAX);
}

static int
chk_matched(const char *s, size_t n)
{
	return chk_text(s, n, CHECK_MATCHED_MAX);
}

static int
chk_alert(const char *s, size_t n)
{
	return n > 0 && chk_text(s, n, CHECK_ALERT_MAX);
}

static int
chk_policy(const char *s, size_t n)
{
	return n > 0 && chk_text(s, n, CHECK_POLICY_MAX);
}

static int
chk_post(const char *s, size_t n)
{
	return proto_check_post_code(s, n);
}

static int
chk_sex(const char *s, size_t n)
{
	return n == 1 && (s[0] == 'M' || s[0] == 'F' || s[0] == 'X');
}

/* A string or null member into dst ("" for null). */
static int
dec_strnull(json_t *o, const char *key, const char *field,
    int (*chk)(const char *, size_t), const char *rule, char *dst,
    size_t dstsz, struct proto_error *err)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL)
		return cerr(err, ERR_INVAL, field, "is required");
	if (json_is_null(v)) {
		dst[0] = '\0';
		return 0;
	}
	return dec_str(o, key, field, 1, chk, rule, dst, dstsz, err);
}

static int
dec_time(json_t *o, const char *key, const char *field, int64_t *out,
    struct proto_error *err)
{
	json_t	*v = json_object_get(o, key);
	int64_t	 ms;

	if (v == NULL)
		return cerr(err, ERR_INVAL, field, "is required");
	if (json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (!json_is_string(v) || date_parse_rfc3339(&ms,
	    json_string_value(v), json_string_length(v)) != 0)
		return cerr(err, ERR_INVAL, field,
		    "must be an RFC 3339 time or null");
	*out = ms;
	return 0;
}

static int
dec_document(json_t *o, struct proto_document *d, struct proto_error *err)
{
	static const char *const keys[] = { "type", "issuing_state",
	    "number", "nationality", "surname", "given_names", "birth_date",
	    "sex", "expiry_date", NULL };
	char	sex[2];
	int	rc;

	if (!json_is_object(o))
		return cerr(err, ERR_INVAL, "document",
		    "must be an object or null");
	if ((rc = dec_keys(o, keys, "document", err)) != 0 ||
	    (rc = dec_str(o, "type", "document.type", 1, chk_anytext,
	    "is not a document code", d->type, sizeof(d->type), err)) != 0 ||
	    (rc = dec_str(o, "issuing_state", "document.issuing_state", 1,
	    chk_anytext, "is not a state code", d->issuing_state,
	    sizeof(d->issuing_state), err)) != 0 ||
	    (rc = dec_str(o, "number", "document.number", 1, chk_anytext,
	    "is not a document number", d->number, sizeof(d->number),
	    err)) != 0 ||
	    (rc = dec_str(o, "nationality", "document.nationality", 1,
	    chk_anytext, "is not a nationality code", d->nationality,
	    sizeof(d->nationality), err)) != 0 ||
	    (rc = dec_str(o, "surname", "document.surname", 1, chk_anytext,
	    "must be 0..128 bytes of text", d->surname, sizeof(d->surname),
	    err)) != 0 ||
	    (rc = dec_str(o, "given_names", "document.given_names", 1,
	    chk_anytext, "must be 0..128 bytes of text", d->given_names,
	    sizeof(d->given_names), err)) != 0 ||
	    (rc = dec_str(o, "birth_date", "document.birth_date", 1, chk_date,
	    "must be YYYY-MM-DD", d->birth_date, sizeof(d->birth_date),
	    err)) != 0 ||
	    (rc = dec_str(o, "sex", "document.sex", 1, chk_sex,
	    "must be \"M\", \"F\" or \"X\"", sex, sizeof(sex), err)) != 0 ||
	    (rc = dec_str(o, "expiry_date", "document.expiry_date", 1,
	    chk_date, "must be YYYY-MM-DD", d->expiry_date,
	    sizeof(d->expiry_date), err)) != 0)
		return rc;
	d->sex = sex[0];
	return 0;
}

static int
dec_reason(json_t *o, size_t i, struct check_reason *r,
    struct proto_error *err)
{
	static const char *const keys[] = { "code", "severity", "message",
	    "alert", "score", "matched", "until", "days_used", "last_day",
	    "days_remaining", "overstay_days", "first_overstay_day", NULL };
	char		 f[48], sev[8];
	json_t		*v;
	int		 rc;

	memset(r, 0, sizeof(*r));
	r->score = -1;
	r->days_used = r->days_remaining = r->overstay_days = -1;
	(void)snprintf(f, sizeof(f), "reasons[%zu]", i);
	if (!json_is_object(o))
		return cerr(err, ERR_INVAL, f, "must be an object");
	if ((rc = dec_keys(o, keys, f, err)) != 0)
		return rc;
#define RF(k)	(snprintf(f, sizeof(f), "reasons[%zu].%s", i, (k)) < 0 ? \
		    "reasons" : f)
	if ((rc = dec_str(o, "code", RF("code"), 1, chk_code,
	    "must be 1..32 of a-z and _", r->code, sizeof(r->code), err)) != 0)
		return rc;
	if ((rc = dec_str(o, "severity", RF("severity"), 1, chk_code,
	    "must be \"clear\", \"refer\" or \"deny\"", sev, sizeof(sev),
	    err)) != 0)
		return rc;
	if (verdict_parse(sev, &r->severity) != 0)
		return cerr(err, ERR_INVAL, RF("severity"),
		    "must be \"clear\", \"refer\" or \"deny\"");
	if ((rc = dec_str(o, "message", RF("message"), 1, chk_msg,
	    "must be 1..320 bytes of text", r->message, sizeof(r->message),
	    err)) != 0 ||
	    (rc = dec_str(o, "alert", RF("alert"), 0, chk_alert,
	    "must be 1..64 bytes", r->alert, sizeof(r->alert), err)) != 0 ||
	    (rc = dec_str(o, "matched", RF("matched"), 0, chk_matched,
	    "must be 0..320 bytes of text", r->matched, sizeof(r->matched),
	    err)) != 0 ||
	    (rc = dec_str(o, "last_day", RF("last_day"), 0, chk_date,
	    "must be YYYY-MM-DD", r->last_day, sizeof(r->last_day),
	    err)) != 0 ||
	    (rc = dec_str(o, "first_overstay_day", RF("first_overstay_day"),
	    0, chk_date, "must be YYYY-MM-DD", r->first_overstay_day,
	    sizeof(r->first_overstay_day), err)) != 0 ||
	    (rc = dec_int(o, "days_used", RF("days_used"), 0, 0, INT_MAX53,
	    &r->days_used, err)) != 0 ||
	    (rc = dec_int(o, "days_remaining", RF("days_remaining"), 0, 0,
	    INT_MAX53, &r->days_remaining, err)) != 0 ||
	    (rc = dec_int(o, "overstay_days", RF("overstay_days"), 0, 0,
	    INT_MAX53, &r->overstay_days, err)) != 0)
		return rc;
	if ((v = json_object_get(o, "until")) != NULL) {
		r->has_until = 1;
		if ((rc = dec_strnull(o, "until", RF("until"), chk_date,
		    "must be YYYY-MM-DD or null", r->until, sizeof(r->until),
		    err)) != 0)
			return rc;
	}
	if ((v = json_object_get(o, "score")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 1)
			return cerr(err, ERR_INVAL, RF("score"),
			    "must be a number 0..1");
		r->score = json_number_value(v);
	}
#undef RF
	return 0;
}

int
check_decode_verdict(struct check_verdict *out, const uint8_t *p,
    size_t len, struct proto_error *err)
{
	static const char *const keys[] = { "version", "post", "check_id",
	    "verdict", "decided_at", "day", "direction", "lane", "officer",
	    "document", "feed_version", "feed_applied_at", "feed_stale",
	    "policy_version", "reasons", NULL };
	struct check_verdict	 tmp, *v;
	json_t			*root, *x;
	char			 s[8];
	int64_t			 n;
	size_t			 i;
	int			 rc;

	if ((rc = dec_load(&root, p, len, err)) != 0)
		return rc;
	/* About 18 KiB, on the stack: *out is written only once all is
	 * read. */
	v = &tmp;
	memset(v, 0, sizeof(*v));
	if ((rc = dec_version(root, 1, err)) != 0 ||
	    (rc = dec_keys(root, keys, "", err)) != 0 ||
	    (rc = dec_str(root, "post", "post", 1, chk_post,
	    "must be a post code", v->post, sizeof(v->post), err)) != 0 ||
	    (rc = dec_str(root, "verdict", "verdict", 1, chk_code,
	    "must be \"clear\", \"refer\" or \"deny\"", s, sizeof(s),
	    err)) != 0)
		goto out;
	if (verdict_parse(s, &v->verdict) != 0) {
		rc = cerr(err, ERR_INVAL, "verdict",
		    "must be \"clear\", \"refer\" or \"deny\"");
		goto out;
	}
	n = 0;
	if ((rc = dec_int(root, "check_id", "check_id", 0, 1, INT_MAX53, &n,
	    err)) != 0)
		goto out;
	v->check_id = (uint64_t)n;
	if ((rc = dec_time(root, "decided_at", "decided_at", &v->decided_at,
	    err)) != 0 ||
	    (rc = dec_str(root, "day", "day", 1, chk_date,
	    "must be YYYY-MM-DD", v->day, sizeof(v->day), err)) != 0 ||
	    (rc = dec_direction(root, "direction", &v->direction, err)) != 0 ||
	    (rc = dec_int(root, "lane", "lane", 1, 1, PROTO_LANE_MAX, &n,
	    err)) != 0)
		goto out;
	v->lane = (uint32_t)n;
	if ((rc = dec_str(root, "officer", "officer", 1, chk_officer,
	    "must be an officer id", v->officer, sizeof(v->officer),
	    err)) != 0 ||
	    (rc = dec_int(root, "feed_version", "feed_version", 1, 0,
	    INT_MAX53, &n, err)) != 0)
		goto out;
	v->feed_version = (uint64_t)n;
	if ((rc = dec_time(root, "feed_applied_at", "feed_applied_at",
	    &v->feed_applied_at, err)) != 0 ||
	    (rc = dec_strnull(root, "policy_version", "policy_version",
	    chk_policy, "must be 1..32 bytes or null", v->policy_version,
	    sizeof(v->policy_version), err)) != 0)
		goto out;
	if ((x = json_object_get(root, "feed_stale")) == NULL ||
	    !json_is_boolean(x)) {
		rc = cerr(err, ERR_INVAL, "feed_stale",
		    "is required: true or false");
		goto out;
	}
	v->feed_stale = json_is_true(x);
	if ((x = json_object_get(root, "document")) == NULL) {
		rc = cerr(err, ERR_INVAL, "document", "is required");
		goto out;
	}
	if (!json_is_null(x)) {
		if ((rc = dec_document(x, &v->doc, err)) != 0)
			goto out;
		v->has_document = 1;
	}
	if ((x = json_object_get(root, "reasons")) == NULL ||
	    !json_is_array(x)) {
		rc = cerr(err, ERR_INVAL, "reasons", "must be an array");
		goto out;
	}
	if (json_array_size(x) > CHECK_REASONS_MAX) {
		rc = cerr(err, ERR_INVAL, "reasons",
		    "must have at most %d entries", CHECK_REASONS_MAX);
		goto out;
	}
	for (i = 0; i < json_array_size(x); i++)
		if ((rc = dec_reason(json_array_get(x, i), i, &v->reasons[i],
		    err)) != 0)
			goto out;
	v->nreasons = json_array_size(x);
	memcpy(out, v, sizeof(*out));
out:
	json_decref(root);
	return rc;
}
