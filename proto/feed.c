/* feed.c - the JSON codec of feed.h on jansson, in the manner of proto.c:
 * decoders load with duplicate keys refused, check the version, every key
 * against a table and every value against its bound, fill a zeroed scratch
 * copy and hand it out only on success; encoders validate with the same
 * checks and dump each entry compact in a fixed key order. The small JSON
 * and text helpers repeat proto.c's, which keeps them static. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "err.h"
#include "feed.h"
#include "policy.h"
#include "proto.h"
#include "ptext.h"
#include "stay.h"

#define POLMSG_MAX	112	/* bytes of a policy problem quoted */
#define DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER)
#define POS_MAX_LL	((long long)FEED_POS_MAX)

/* The messages below spell these bounds out. */
_Static_assert(FEED_ID_MAX == 64, "id message");
_Static_assert(FEED_TEXT_MAX == 128, "text messages");
_Static_assert(FEED_YEAR_MIN == 1900 && FEED_YEAR_MAX == 2199,
    "date messages");
_Static_assert(FEED_PIN_HASH_MAX == 255, "pin hash message");
_Static_assert(FEED_POLICY_VERSION_MAX == 32, "policy version message");
_Static_assert(FEED_BATCH_MAX <= PROTO_BATCH_MAX * 5, "batch bound");
_Static_assert(FEED_STAYS_MAX == 1024, "stays message");
_Static_assert(STAY_DAYS_MAX == 3660, "stay days message");

/* A checker: NULL if s[0..len) is valid, else what is wrong with it. */
typedef const char	*(*chk_fn)(const char *, size_t);

/* Storage for the stays and policy text of a decoded batch. */
struct pool {
	char	*base;
	size_t	 cap, used;
};

static const char *const op_names[] = { "upsert", "delete" };
static const char *const kind_names[] = { "document_alert", "person_alert",
    "permit", "stay_state", "policy", "officer" };
static const char *const reason_names[] = { "lost", "stolen", "invalidated",
    "revoked" };
static const char *const alert_kind_names[] = { "entry_ban", "exit_ban",
    "wanted" };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Errors and paths.
 */

/* dst = path.key; the paths here are far shorter than PROTO_FIELD_MAX. */
static void
subpath(char *dst, size_t dstsz, const char *path, const char *key)
{
	if (snprintf(dst, dstsz, "%s%s%s", path, path[0] != '\0' ? "." : "",
	    key) >= (int)dstsz)
		dst[0] = '\0';
}

/* dst = path.stays[i] with suffix ("", "[0]", "[1]"). */
static void
stay_path(char *dst, size_t dstsz, const char *path, size_t i,
    const char *suffix)
{
	if (snprintf(dst, dstsz, "%s%sstays[%zu]%s", path,
	    path[0] != '\0' ? "." : "", i, suffix) >= (int)dstsz)
		dst[0] = '\0';
}

static const char *
chk_id(const char *s, size_t len)
{
	return feed_check_id(s, len) ? NULL :
	    "must be 1..64 characters A-Z, a-z, 0-9, \".\", \"_\", \":\" "
	    "or \"-\"";
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

/* A person alert's nationality: a code, or "" when unknown. */
static const char *
chk_state_opt(const char *s, size_t len)
{
	if (len == 0)
		return NULL;
	return chk_state(s, len) == NULL ? NULL :
	    "must be \"\" or 1..3 letters A-Z";
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

/* Surnames, sources, employers, regions, rules, officer names. */
static const char *
chk_text(const char *s, size_t len)
{
	return ptext_msg(ptext_check(s, len, 1, FEED_TEXT_MAX, 1, 0),
	    "must be at most 128 bytes");
}

static const char *
chk_given(const char *s, size_t len)
{
	return ptext_msg(ptext_check(s, len, 0, FEED_TEXT_MAX, 1, 0),
	    "must be at most 128 bytes");
}

/* n digits at s, as a number. */
static int
digits(const char *s, size_t n, int *out)
{
	size_t	i;
	int	v = 0;

	for (i = 0; i < n; i++) {
		if (!ptext_is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static const char *
chk_date(const char *s, size_t len)
{
	struct date	d;

	if (date_parse_iso(&d, s, len) != 0)
		return "must be a date YYYY-MM-DD";
	if (d.year < FEED_YEAR_MIN || d.year > FEED_YEAR_MAX)
		return "must be a date in the years 1900..2199";
	return NULL;
}

/* "YYYY-MM-DD", "YYYY-MM" or "YYYY": what is known of a birth date. */
static const char *
chk_partial_date(const char *s, size_t len)
{
	static const char	*msg = "must be YYYY-MM-DD, YYYY-MM or YYYY";
	int			 y, m;

	if (len == 10)
		return chk_date(s, len) == NULL ? NULL : msg;
	if ((len != 4 && len != 7) || digits(s, 4, &y) != 0)
		return msg;
	if (len == 7 && (s[4] != '-' || digits(s + 5, 2, &m) != 0 ||
	    m < 1 || m > 12))
		return msg;
	if (y < FEED_YEAR_MIN || y > FEED_YEAR_MAX)
		return "must be in the years 1900..2199";
	return NULL;
}

static const char *
chk_officer_id(const char *s, size_t len)
{
	static const char	*msg = "must be 1..32 characters A-Z, a-z, "
				    "0-9, \".\", \"_\" or \"-\"";
	size_t			 i;

	if (len < 1 || len > PROTO_OFFICER_MAX)
		return msg;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!ptext_is_upper(ch) && !ptext_is_lower(ch) && !ptext_is_digit(ch) &&
		    ch != '.' && ch != '_' && ch != '-')
			return msg;
	}
	return NULL;
}

/*
 * A PHC string: "$" id ("[a-z0-9-]{1,32}") then at least two more
 * "$"-separated, non-empty segments (parameters, salt, hash) of
 * [A-Za-z0-9/+.=,-].
 */
static const char *
chk_pin_hash(const char *s, size_t len)
{
	static const char	*msg = "must be a PHC string "
				    "\"$<id>[$<params>]$<salt>$<hash>\" of at "
				    "most 255 bytes";
	size_t			 i, seg = 0, seglen = 0;
	char			 ch;

	if (len < 1 || len > FEED_PIN_HASH_MAX || s[0] != '$')
		return msg;
	for (i = 1; i < len; i++) {
		ch = s[i];
		if (ch == '$') {
			if (seglen == 0)
				return msg;
			seg++;
			seglen = 0;
			continue;
		}
		if (seg == 0) {
			if (!ptext_is_lower(ch) && !ptext_is_digit(ch) && ch != '-')
				return msg;
			if (++seglen > 32)
				return msg;
			continue;
		}
		if (!ptext_is_upper(ch) && !ptext_is_lower(ch) && !ptext_is_digit(ch) &&
		    strchr("/+.=,-", ch) == NULL)
			return msg;
		seglen++;
	}
	if (seglen == 0 || seg < 2)
		return msg;
	return NULL;
}

static const char *
chk_policy_version(const char *s, size_t len)
{
	static const char	*msg = "must be 1..32 characters A-Z, a-z, "
				    "0-9, \".\", \"_\", \":\", \"+\" or \"-\"";
	size_t			 i;

	if (len < 1 || len > FEED_POLICY_VERSION_MAX)
		return msg;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!ptext_is_upper(ch) && !ptext_is_lower(ch) && !ptext_is_digit(ch) &&
		    strchr("._:+-", ch) == NULL)
			return msg;
	}
	return NULL;
}

static const char *
chk_yaml(const char *s, size_t len)
{
	return ptext_msg(ptext_check(s, len, 1, FEED_YAML_MAX, 0, 1),
	    "must be at most 262144 bytes");
}

int
feed_check_id(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len < 1 || len > FEED_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!ptext_is_upper(ch) && !ptext_is_lower(ch) && !ptext_is_digit(ch) &&
		    ch != '.' && ch != '_' && ch != ':' && ch != '-')
			return 0;
	}
	return 1;
}

/*
 * Checks of a struct, for the encoders and after decoding.
 */

/* A NUL-terminated member of size sz; "" passes when nullable. */
static int
chk_member(const char *s, size_t sz, chk_fn chk, int nullable,
    const char *path, const char *key, struct proto_error *err)
{
	const char	*why;
	size_t		 len;

	len = strnlen(s, sz);
	if (len == sz)
		return ptext_error(err, ERR_INVAL, path, key, "is not terminated");
	if (nullable && len == 0)
		return 0;
	if ((why = chk(s, len)) != NULL)
		return ptext_error(err, ERR_INVAL, path, key, "%s", why);
	return 0;
}

#define MEMBER(st, m, chk, nullable, path, err) \
	chk_member((st)->m, sizeof((st)->m), (chk), (nullable), (path), #m, \
	    (err))

static int64_t
day_of(int y, int m, int d)
{
	struct date	x = { y, m, d };

	return date_to_days(&x);
}

/* A date member as days (its check passed). */
static int64_t
member_days(const char *s)
{
	struct date	d;

	if (date_parse_iso(&d, s, strlen(s)) != 0)
		return 0;
	return date_to_days(&d);
}

static int
chk_document_alert(const struct feed_document_alert *a, const char *path,
    struct proto_error *err)
{
	int	rc;

	if ((rc = MEMBER(a, issuing_state, chk_state, 0, path, err)) != 0 ||
	    (rc = MEMBER(a, number, chk_docnum, 0, path, err)) != 0)
		return rc;
	if (a->reason < FEED_LOST || a->reason > FEED_REVOKED)
		return ptext_error(err, ERR_INVAL, path, "reason", "must be \"lost\", "
		    "\"stolen\", \"invalidated\" or \"revoked\"");
	return MEMBER(a, since, chk_date, 0, path, err);
}

static int
chk_person_alert(const struct feed_person_alert *a, const char *path,
    struct proto_error *err)
{
	int	rc;

	if (a->kind < FEED_ENTRY_BAN || a->kind > FEED_WANTED)
		return ptext_error(err, ERR_INVAL, path, "kind", "must be "
		    "\"entry_ban\", \"exit_ban\" or \"wanted\"");
	if ((rc = MEMBER(a, surname, chk_text, 0, path, err)) != 0 ||
	    (rc = MEMBER(a, given_names, chk_given, 0, path, err)) != 0 ||
	    (rc = MEMBER(a, birth_date, chk_partial_date, 0, path,
	    err)) != 0 ||
	    (rc = MEMBER(a, nationality, chk_state_opt, 0, path, err)) != 0 ||
	    (rc = MEMBER(a, until, chk_date, 1, path, err)) != 0)
		return rc;
	if (a->severity < 1 || a->severity > FEED_SEVERITY_MAX)
		return ptext_error(err, ERR_INVAL, path, "severity", "must be 1..5");
	return MEMBER(a, source, chk_text, 0, path, err);
}

static int
chk_permit(const struct feed_permit *p, const char *path,
    struct proto_error *err)
{
	const struct feed_holder	*h = &p->holder;
	char				 hpath[PROTO_FIELD_MAX];
	int				 rc;

	if ((int)p->kind < 0 || p->kind >= POLICY_PERMIT_KINDS)
		return ptext_error(err, ERR_INVAL, path, "kind", "must be \"visa\", "
		    "\"work_permit\", \"residence_permit\", \"refugee\", "
		    "\"asylum\" or \"repatriate\"");
	subpath(hpath, sizeof(hpath), path, "holder");
	if ((rc = MEMBER(h, issuing_state, chk_state, 0, hpath, err)) != 0 ||
	    (rc = MEMBER(h, number, chk_docnum, 0, hpath, err)) != 0 ||
	    (rc = MEMBER(h, nationality, chk_state, 0, hpath, err)) != 0 ||
	    (rc = MEMBER(h, surname, chk_text, 0, hpath, err)) != 0 ||
	    (rc = MEMBER(h, given_names, chk_given, 0, hpath, err)) != 0 ||
	    (rc = MEMBER(h, birth_date, chk_date, 0, hpath, err)) != 0 ||
	    (rc = MEMBER(p, valid_from, chk_date, 0, path, err)) != 0 ||
	    (rc = MEMBER(p, valid_until, chk_date, 0, path, err)) != 0)
		return rc;
	if (member_days(p->valid_until) < member_days(p->valid_from))
		return ptext_error(err, ERR_INVAL, path, "valid_until",
		    "must not be before valid_from");
	if (p->entries != FEED_NULL &&
	    (p->entries < 1 || p->entries > FEED_COUNT_MAX))
		return ptext_error(err, ERR_INVAL, path, "entries",
		    "must be 1..65535 or null");
	if (p->entries_used < 0 || p->entries_used > FEED_COUNT_MAX)
		return ptext_error(err, ERR_INVAL, path, "entries_used",
		    "must be 0..65535");
	if (p->stay_days != FEED_NULL &&
	    (p->stay_days < 1 || p->stay_days > STAY_DAYS_MAX))
		return ptext_error(err, ERR_INVAL, path, "stay_days",
		    "must be 1..3660 or null");
	if ((rc = MEMBER(p, employer, chk_text, 1, path, err)) != 0)
		return rc;
	return MEMBER(p, region, chk_text, 1, path, err);
}

static int
chk_stays(const struct stay *s, size_t n, const char *path,
    struct proto_error *err)
{
	struct stay_problem	why;
	char			spath[PROTO_FIELD_MAX];
	int64_t			lo, hi;
	size_t			i;

	if (n > FEED_STAYS_MAX)
		return ptext_error(err, ERR_INVAL, path, "stays",
		    "must hold at most 1024 stays");
	if (n > 0 && s == NULL)
		return ptext_error(err, ERR_INVAL, path, "stays", "is missing");
	lo = day_of(FEED_YEAR_MIN, 1, 1);
	hi = day_of(FEED_YEAR_MAX, 12, 31);
	for (i = 0; i < n; i++) {
		stay_path(spath, sizeof(spath), path, i, "");
		if (s[i].entry < lo || s[i].entry > hi ||
		    (s[i].exit != STAY_OPEN && (s[i].exit < lo ||
		    s[i].exit > hi)))
			return ptext_error(err, ERR_INVAL, spath, NULL,
			    "must be dates in the years 1900..2199");
	}
	if (!stay_check_list(s, n, &why)) {
		if (why.index < n)
			stay_path(spath, sizeof(spath), path, why.index, "");
		else
			subpath(spath, sizeof(spath), path, "stays");
		return ptext_error(err, ERR_INVAL, spath, NULL, "%s",
		    stay_why_str(why.why));
	}
	return 0;
}

static int
chk_stay_state(const struct feed_stay_state *st, const char *path,
    struct proto_error *err)
{
	const struct feed_person	*p = &st->person;
	char				 ppath[PROTO_FIELD_MAX];
	int				 rc;

	subpath(ppath, sizeof(ppath), path, "person");
	if ((rc = MEMBER(p, issuing_state, chk_state, 0, ppath, err)) != 0 ||
	    (rc = MEMBER(p, number, chk_docnum, 0, ppath, err)) != 0 ||
	    (rc = MEMBER(p, nationality, chk_state, 0, ppath, err)) != 0 ||
	    (rc = MEMBER(p, birth_date, chk_date, 0, ppath, err)) != 0 ||
	    (rc = chk_stays(st->stays, st->nstays, path, err)) != 0)
		return rc;
	return MEMBER(st, rule, chk_text, 1, path, err);
}

/*
 * The first line policy_load_buf() wrote, "policy:14: message", as
 * "line 14: message" in dst: cut on a UTF-8 boundary, anything but
 * printable text replaced by "?".
 */
static void
policy_problem(char *dst, size_t dstsz, const char *out, size_t outlen)
{
	const unsigned char	*u;
	const char		*s = out;
	size_t			 len, i = 0, at, n = 0;
	uint32_t		 cp;
	int			 line = 0;

	len = outlen;
	for (at = 0; at < len && s[at] != '\n'; at++)
		;
	len = at;
	if (len > 7 && memcmp(s, "policy:", 7) == 0) {
		s += 7;
		len -= 7;
		while (len > 0 && ptext_is_digit(*s) && line < 10000000) {
			line = line * 10 + (*s - '0');
			s++;
			len--;
		}
		if (len > 0 && *s == ':') {
			s++;
			len--;
		}
		while (len > 0 && *s == ' ') {
			s++;
			len--;
		}
	}
	if (line > 0)
		n = (size_t)snprintf(dst, dstsz, "line %d: ", line);
	if (n >= dstsz)
		n = 0;
	u = (const unsigned char *)s;
	while (i < len) {
		at = i;
		if (ptext_utf8_next(u, len, &i, &cp) != 0) {
			i = at + 1;
			cp = '?';
		} else if (ptext_is_control(cp))
			cp = '?';
		if (cp < 0x80 || cp == '?') {
			if (n + 1 >= dstsz)
				break;
			dst[n++] = (char)(cp < 0x80 ? cp : '?');
		} else {
			if (n + (i - at) >= dstsz)
				break;
			memcpy(dst + n, s + at, i - at);
			n += i - at;
		}
	}
	dst[n] = '\0';
	if (n == 0)
		(void)snprintf(dst, dstsz, "it does not load");
}

static int
chk_policy(const struct feed_policy *p, const char *path,
    struct proto_error *err)
{
	struct policy	*pol = NULL;
	const char	*why;
	char		*out = NULL, msg[POLMSG_MAX];
	size_t		 outlen = 0;
	FILE		*fp;
	int		 rc;

	if ((rc = MEMBER(p, version, chk_policy_version, 0, path, err)) != 0)
		return rc;
	if (p->yaml == NULL)
		return ptext_error(err, ERR_INVAL, path, "yaml", "is missing");
	if ((why = chk_yaml(p->yaml, p->yaml_len)) != NULL)
		return ptext_error(err, ERR_INVAL, path, "yaml", "%s", why);
	if ((fp = open_memstream(&out, &outlen)) == NULL)
		return ptext_error(err, ERR_NOMEM, path, "yaml", "out of memory");
	rc = policy_load_buf(&pol, "policy", (const uint8_t *)p->yaml,
	    p->yaml_len, fp);
	if (fclose(fp) != 0 && rc == 0)
		rc = ERR_NOMEM;
	if (rc == ERR_NOMEM) {
		policy_free(pol);
		free(out);
		return ptext_error(err, ERR_NOMEM, path, "yaml", "out of memory");
	}
	if (rc != 0) {
		policy_problem(msg, sizeof(msg), out != NULL ? out : "",
		    out != NULL ? outlen : 0);
		free(out);
		return ptext_error(err, ERR_INVAL, path, "yaml",
		    "is not a valid policy: %s", msg);
	}
	free(out);
	rc = strcmp(pol->version, p->version) == 0 ? 0 :
	    ptext_error(err, ERR_INVAL, path, "version", "must equal the policy's "
	    "own version \"%s\"", pol->version);
	policy_free(pol);
	return rc;
}

static int
chk_officer(const struct feed_officer *o, const char *id, const char *path,
    struct proto_error *err)
{
	int	rc;

	if ((rc = MEMBER(o, id, chk_officer_id, 0, path, err)) != 0)
		return rc;
	if (strcmp(o->id, id) != 0)
		return ptext_error(err, ERR_INVAL, path, "id",
		    "must equal the entry's id");
	if ((rc = MEMBER(o, name, chk_text, 0, path, err)) != 0 ||
	    (rc = MEMBER(o, pin_hash, chk_pin_hash, 0, path, err)) != 0)
		return rc;
	if (o->active != 0 && o->active != 1)
		return ptext_error(err, ERR_INVAL, path, "active",
		    "must be true or false");
	return 0;
}

static int
chk_entry(const struct feed_entry *e, const char *path,
    struct proto_error *err)
{
	char	dpath[PROTO_FIELD_MAX];
	int	rc;

	if (e->pos < 1 || e->pos > FEED_POS_MAX)
		return ptext_error(err, ERR_INVAL, path, "pos",
		    "must be 1..9007199254740991");
	if (e->op != FEED_UPSERT && e->op != FEED_DELETE)
		return ptext_error(err, ERR_INVAL, path, "op",
		    "must be \"upsert\" or \"delete\"");
	if (e->kind < FEED_DOCUMENT_ALERT || e->kind > FEED_KIND_MAX)
		return ptext_error(err, ERR_INVAL, path, "kind", "must be "
		    "\"document_alert\", \"person_alert\", \"permit\", "
		    "\"stay_state\", \"policy\" or \"officer\"");
	if ((rc = MEMBER(e, id, chk_id, 0, path, err)) != 0)
		return rc;
	if (e->kind == FEED_OFFICER && chk_officer_id(e->id,
	    strlen(e->id)) != NULL)
		return ptext_error(err, ERR_INVAL, path, "id", "must be an officer "
		    "id: 1..32 characters A-Z, a-z, 0-9, \".\", \"_\" or "
		    "\"-\"");
	if (e->op == FEED_DELETE)
		return 0;
	subpath(dpath, sizeof(dpath), path, "data");
	switch (e->kind) {
	case FEED_DOCUMENT_ALERT:
		return chk_document_alert(&e->data.document_alert, dpath, err);
	case FEED_PERSON_ALERT:
		return chk_person_alert(&e->data.person_alert, dpath, err);
	case FEED_PERMIT:
		return chk_permit(&e->data.permit, dpath, err);
	case FEED_STAY_STATE:
		return chk_stay_state(&e->data.stay_state, dpath, err);
	case FEED_POLICY:
		return chk_policy(&e->data.policy, dpath, err);
	case FEED_OFFICER:
		return chk_officer(&e->data.officer, e->id, dpath, err);
	}
	return ptext_error(err, ERR_INVAL, path, "kind", "is invalid");
}

/* Positions strictly increasing within (from, to]. */
static int
chk_positions(uint64_t from, uint64_t to, const struct feed_entry *e,
    size_t n, struct proto_error *err)
{
	char		path[PROTO_FIELD_MAX];
	uint64_t	prev = from;
	size_t		i;

	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "entries[%zu]", i);
		if (e[i].pos <= prev && i > 0)
			return ptext_error(err, ERR_INVAL, path, "pos",
			    "must be greater than the pos %llu before it",
			    (unsigned long long)prev);
		if (e[i].pos <= from || e[i].pos > to)
			return ptext_error(err, ERR_INVAL, path, "pos",
			    "must be in the batch's (from, to] = (%llu, %llu]",
			    (unsigned long long)from, (unsigned long long)to);
		prev = e[i].pos;
	}
	return 0;
}

int
feed_check_entry(const struct feed_entry *e, struct proto_error *err)
{
	struct proto_error	scratch;

	if (err == NULL)
		err = &scratch;
	return chk_entry(e, "", err) == 0;
}

static int
chk_batch(const struct feed_batch *b, struct proto_error *err)
{
	char	path[PROTO_FIELD_MAX];
	size_t	i;
	int	rc;

	if (b->from > FEED_POS_MAX)
		return ptext_error(err, ERR_INVAL, "", "from",
		    "must be 0..9007199254740991");
	if (b->to < b->from || b->to > FEED_POS_MAX)
		return ptext_error(err, ERR_INVAL, "", "to", "must be from..%llu",
		    (unsigned long long)FEED_POS_MAX);
	if (b->n > FEED_BATCH_MAX)
		return ptext_error(err, ERR_TOOBIG, "", "entries",
		    "has %zu entries; at most %d fit in one batch", b->n,
		    FEED_BATCH_MAX);
	if (b->n > 0 && b->entries == NULL)
		return ptext_error(err, ERR_INVAL, "", "entries", "is missing");
	for (i = 0; i < b->n; i++) {
		(void)snprintf(path, sizeof(path), "entries[%zu]", i);
		if ((rc = chk_entry(&b->entries[i], path, err)) != 0)
			return rc;
	}
	return chk_positions(b->from, b->to, b->entries, b->n, err);
}

int
feed_check_batch(const struct feed_batch *b, struct proto_error *err)
{
	struct proto_error	scratch;

	if (err == NULL)
		err = &scratch;
	return chk_batch(b, err) == 0;
}

/* Two NUL-terminated members of size sz hold the same string. */
#define SAME(a, b, m)	(strncmp((a)->m, (b)->m, sizeof((a)->m)) == 0)

static int
same_data(const struct feed_entry *x, const struct feed_entry *y)
{
	switch (x->kind) {
	case FEED_DOCUMENT_ALERT: {
		const struct feed_document_alert *a = &x->data.document_alert,
		    *b = &y->data.document_alert;

		return SAME(a, b, issuing_state) && SAME(a, b, number) &&
		    a->reason == b->reason && SAME(a, b, since);
	}
	case FEED_PERSON_ALERT: {
		const struct feed_person_alert *a = &x->data.person_alert,
		    *b = &y->data.person_alert;

		return a->kind == b->kind && SAME(a, b, surname) &&
		    SAME(a, b, given_names) && SAME(a, b, birth_date) &&
		    SAME(a, b, nationality) && SAME(a, b, until) &&
		    a->severity == b->severity && SAME(a, b, source);
	}
	case FEED_PERMIT: {
		const struct feed_permit *a = &x->data.permit,
		    *b = &y->data.permit;
		const struct feed_holder *g = &a->holder, *h = &b->holder;

		return a->kind == b->kind && SAME(g, h, issuing_state) &&
		    SAME(g, h, number) && SAME(g, h, nationality) &&
		    SAME(g, h, surname) && SAME(g, h, given_names) &&
		    SAME(g, h, birth_date) && SAME(a, b, valid_from) &&
		    SAME(a, b, valid_until) && a->entries == b->entries &&
		    a->entries_used == b->entries_used &&
		    a->stay_days == b->stay_days && SAME(a, b, employer) &&
		    SAME(a, b, region);
	}
	case FEED_STAY_STATE: {
		const struct feed_stay_state *a = &x->data.stay_state,
		    *b = &y->data.stay_state;
		const struct feed_person *g = &a->person, *h = &b->person;
		size_t i;

		if (!SAME(g, h, issuing_state) || !SAME(g, h, number) ||
		    !SAME(g, h, nationality) || !SAME(g, h, birth_date) ||
		    a->nstays != b->nstays || !SAME(a, b, rule))
			return 0;
		for (i = 0; i < a->nstays; i++)
			if (a->stays[i].entry != b->stays[i].entry ||
			    a->stays[i].exit != b->stays[i].exit)
				return 0;
		return 1;
	}
	case FEED_POLICY: {
		const struct feed_policy *a = &x->data.policy,
		    *b = &y->data.policy;

		return SAME(a, b, version) && a->yaml_len == b->yaml_len &&
		    (a->yaml_len == 0 || (a->yaml != NULL && b->yaml != NULL &&
		    memcmp(a->yaml, b->yaml, a->yaml_len) == 0));
	}
	case FEED_OFFICER: {
		const struct feed_officer *a = &x->data.officer,
		    *b = &y->data.officer;

		return SAME(a, b, id) && SAME(a, b, name) &&
		    SAME(a, b, pin_hash) && a->active == b->active;
	}
	}
	return 0;
}

int
feed_check_same_entry(const struct feed_entry *a, const struct feed_entry *b)
{
	if (a->pos != b->pos || a->op != b->op || a->kind != b->kind ||
	    !SAME(a, b, id))
		return 0;
	return a->op == FEED_DELETE || same_data(a, b);
}

#undef SAME

static const char *
name_of(const char *const *names, size_t n, int v)
{
	if (v < 1 || (size_t)v > n)
		return "invalid";
	return names[v - 1];
}

const char *
feed_op_str(enum feed_op op)
{
	return name_of(op_names, NELEM(op_names), (int)op);
}

const char *
feed_kind_str(enum feed_kind kind)
{
	return name_of(kind_names, NELEM(kind_names), (int)kind);
}

const char *
feed_reason_str(enum feed_reason r)
{
	return name_of(reason_names, NELEM(reason_names), (int)r);
}

const char *
feed_alert_kind_str(enum feed_alert_kind k)
{
	return name_of(alert_kind_names, NELEM(alert_kind_names), (int)k);
}

int
feed_kind_parse(const char *s, size_t len, enum feed_kind *out)
{
	size_t	i;

	for (i = 0; i < NELEM(kind_names); i++) {
		if (strlen(kind_names[i]) == len &&
		    memcmp(kind_names[i], s, len) == 0) {
			*out = (enum feed_kind)(i + 1);
			return 0;
		}
	}
	return ERR_PARSE;
}

/*
 * Decoding.
 */

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
dec_version(json_t *o, struct proto_error *err)
{
	json_t	*v;

	if ((v = json_object_get(o, "version")) == NULL)
		return ptext_error(err, ERR_VERSION, "", "version",
		    "is required; this side speaks feed version %d",
		    FEED_VERSION);
	if (!json_is_integer(v))
		return ptext_error(err, ERR_VERSION, "", "version",
		    "must be an integer, got %s; this side speaks feed "
		    "version %d", ptext_jtype(v), FEED_VERSION);
	if (json_integer_value(v) != FEED_VERSION)
		return ptext_error(err, ERR_VERSION, "", "version",
		    "feed version %" JSON_INTEGER_FORMAT " is not spoken "
		    "here; this side speaks feed version %d",
		    json_integer_value(v), FEED_VERSION);
	return 0;
}

/* Every key of o must be in the NULL-terminated table known. */
/* o[key], which must be present. */
static int
dec_get(json_t *o, const char *key, const char *path, json_t **v,
    struct proto_error *err)
{
	if ((*v = json_object_get(o, key)) == NULL)
		return ptext_error(err, ERR_INVAL, path, key, "is required");
	return 0;
}

/* An object member: *v set, its path in sub. */
static int
dec_object(json_t *o, const char *key, const char *path, json_t **v,
    char *sub, size_t subsz, struct proto_error *err)
{
	int	rc;

	if ((rc = dec_get(o, key, path, v, err)) != 0)
		return rc;
	if (!json_is_object(*v))
		return ptext_error(err, ERR_INVAL, path, key,
		    "must be an object, got %s", ptext_jtype(*v));
	subpath(sub, subsz, path, key);
	return 0;
}

/* An integer min..max; null gives FEED_NULL when nullable. */
static int
dec_int(json_t *o, const char *key, const char *path, int nullable,
    int64_t min, int64_t max, int64_t *out, struct proto_error *err)
{
	json_t		*v;
	json_int_t	 x;
	int		 rc;

	if ((rc = dec_get(o, key, path, &v, err)) != 0)
		return rc;
	if (nullable && json_is_null(v)) {
		*out = FEED_NULL;
		return 0;
	}
	if (!json_is_integer(v))
		return ptext_error(err, ERR_INVAL, path, key, nullable ?
		    "must be an integer or null, got %s" :
		    "must be an integer, got %s", ptext_jtype(v));
	x = json_integer_value(v);
	if (x < min || x > max)
		return ptext_error(err, ERR_INVAL, path, key,
		    nullable ? "must be %lld..%lld or null" :
		    "must be %lld..%lld", (long long)min, (long long)max);
	*out = x;
	return 0;
}

/* A string into dst (dstsz bytes with the NUL); null gives "" when
 * nullable (and "" is then refused by chk). */
static int
dec_str(json_t *o, const char *key, const char *path, int nullable,
    chk_fn chk, char *dst, size_t dstsz, struct proto_error *err)
{
	const char	*s, *why;
	json_t		*v;
	size_t		 n;
	int		 rc;

	if ((rc = dec_get(o, key, path, &v, err)) != 0)
		return rc;
	if (nullable && json_is_null(v)) {
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, key, nullable ?
		    "must be a string or null, got %s" :
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

/* One of names[0..n) (values 1..n); msg says which are allowed. */
static int
dec_enum(json_t *o, const char *key, const char *path,
    const char *const *names, size_t n, const char *msg, int *out,
    struct proto_error *err)
{
	json_t		*v;
	const char	*s;
	size_t		 i, len;
	int		 rc;

	if ((rc = dec_get(o, key, path, &v, err)) != 0)
		return rc;
	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, key, "%s, got %s", msg,
		    ptext_jtype(v));
	s = json_string_value(v);
	len = json_string_length(v);
	for (i = 0; i < n; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
			*out = (int)i + 1;
			return 0;
		}
	}
	return ptext_error(err, ERR_INVAL, path, key, "%s", msg);
}

static int
dec_bool(json_t *o, const char *key, const char *path, int *out,
    struct proto_error *err)
{
	json_t	*v;
	int	 rc;

	if ((rc = dec_get(o, key, path, &v, err)) != 0)
		return rc;
	if (!json_is_boolean(v))
		return ptext_error(err, ERR_INVAL, path, key,
		    "must be true or false, got %s", ptext_jtype(v));
	*out = json_is_true(v);
	return 0;
}

/* n bytes of pool storage, 16-aligned; NULL if the prescan was wrong. */
static void *
pool_take(struct pool *pl, size_t n)
{
	size_t	need = (n + 15) & ~(size_t)15;
	void	*p;

	if (pl->base == NULL || need < n || need > pl->cap - pl->used)
		return NULL;
	p = pl->base + pl->used;
	pl->used += need;
	return p;
}

#define STR(o, st, m, chk, nullable, path, err) \
	dec_str((o), #m, (path), (nullable), (chk), (st)->m, sizeof((st)->m), \
	    (err))

static int
dec_document_alert(json_t *o, const char *path,
    struct feed_document_alert *a, struct proto_error *err)
{
	static const char *const keys[] = { "issuing_state", "number",
	    "reason", "since", NULL };
	int	rc, e;

	if ((rc = ptext_unknown_keys(o, keys, path, err)) != 0 ||
	    (rc = STR(o, a, issuing_state, chk_state, 0, path, err)) != 0 ||
	    (rc = STR(o, a, number, chk_docnum, 0, path, err)) != 0 ||
	    (rc = dec_enum(o, "reason", path, reason_names,
	    NELEM(reason_names), "must be \"lost\", \"stolen\", "
	    "\"invalidated\" or \"revoked\"", &e, err)) != 0)
		return rc;
	a->reason = (enum feed_reason)e;
	return STR(o, a, since, chk_date, 0, path, err);
}

static int
dec_person_alert(json_t *o, const char *path, struct feed_person_alert *a,
    struct proto_error *err)
{
	static const char *const keys[] = { "kind", "surname", "given_names",
	    "birth_date", "nationality", "until", "severity", "source",
	    NULL };
	int64_t	x;
	int	rc, e;

	if ((rc = ptext_unknown_keys(o, keys, path, err)) != 0 ||
	    (rc = dec_enum(o, "kind", path, alert_kind_names,
	    NELEM(alert_kind_names), "must be \"entry_ban\", \"exit_ban\" "
	    "or \"wanted\"", &e, err)) != 0)
		return rc;
	a->kind = (enum feed_alert_kind)e;
	if ((rc = STR(o, a, surname, chk_text, 0, path, err)) != 0 ||
	    (rc = STR(o, a, given_names, chk_given, 0, path, err)) != 0 ||
	    (rc = STR(o, a, birth_date, chk_partial_date, 0, path,
	    err)) != 0 ||
	    (rc = STR(o, a, nationality, chk_state_opt, 0, path, err)) != 0 ||
	    (rc = STR(o, a, until, chk_date, 1, path, err)) != 0 ||
	    (rc = dec_int(o, "severity", path, 0, 1, FEED_SEVERITY_MAX, &x,
	    err)) != 0)
		return rc;
	a->severity = (int)x;
	return STR(o, a, source, chk_text, 0, path, err);
}

static int
dec_permit(json_t *o, const char *path, struct feed_permit *p,
    struct proto_error *err)
{
	static const char *const keys[] = { "kind", "holder", "valid_from",
	    "valid_until", "entries", "entries_used", "stay_days",
	    "employer", "region", NULL };
	static const char *const hkeys[] = { "issuing_state", "number",
	    "nationality", "surname", "given_names", "birth_date", NULL };
	const char		*pnames[POLICY_PERMIT_KINDS];
	struct feed_holder	*h = &p->holder;
	json_t			*v;
	char			 hpath[PROTO_FIELD_MAX];
	int64_t			 x;
	int			 i, rc, e;

	for (i = 0; i < POLICY_PERMIT_KINDS; i++)
		pnames[i] = policy_permit_name((enum policy_permit_kind)i);
	if ((rc = ptext_unknown_keys(o, keys, path, err)) != 0 ||
	    (rc = dec_enum(o, "kind", path, pnames, POLICY_PERMIT_KINDS,
	    "must be \"visa\", \"work_permit\", \"residence_permit\", "
	    "\"refugee\", \"asylum\" or \"repatriate\"", &e, err)) != 0)
		return rc;
	p->kind = (enum policy_permit_kind)(e - 1);
	if ((rc = dec_object(o, "holder", path, &v, hpath, sizeof(hpath),
	    err)) != 0 ||
	    (rc = ptext_unknown_keys(v, hkeys, hpath, err)) != 0 ||
	    (rc = STR(v, h, issuing_state, chk_state, 0, hpath, err)) != 0 ||
	    (rc = STR(v, h, number, chk_docnum, 0, hpath, err)) != 0 ||
	    (rc = STR(v, h, nationality, chk_state, 0, hpath, err)) != 0 ||
	    (rc = STR(v, h, surname, chk_text, 0, hpath, err)) != 0 ||
	    (rc = STR(v, h, given_names, chk_given, 0, hpath, err)) != 0 ||
	    (rc = STR(v, h, birth_date, chk_date, 0, hpath, err)) != 0 ||
	    (rc = STR(o, p, valid_from, chk_date, 0, path, err)) != 0 ||
	    (rc = STR(o, p, valid_until, chk_date, 0, path, err)) != 0)
		return rc;
	if ((rc = dec_int(o, "entries", path, 1, 1, FEED_COUNT_MAX, &x,
	    err)) != 0)
		return rc;
	p->entries = (int32_t)x;
	if ((rc = dec_int(o, "entries_used", path, 0, 0, FEED_COUNT_MAX, &x,
	    err)) != 0)
		return rc;
	p->entries_used = (int32_t)x;
	if ((rc = dec_int(o, "stay_days", path, 1, 1, STAY_DAYS_MAX, &x,
	    err)) != 0)
		return rc;
	p->stay_days = (int32_t)x;
	if ((rc = STR(o, p, employer, chk_text, 1, path, err)) != 0)
		return rc;
	return STR(o, p, region, chk_text, 1, path, err);
}

/* A date string v into days; msg-style errors at path.key. */
static int
dec_day(json_t *v, const char *path, int64_t *out, struct proto_error *err)
{
	struct date	 d;
	const char	*why;

	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, NULL,
		    "must be a date string, got %s", ptext_jtype(v));
	if ((why = chk_date(json_string_value(v),
	    json_string_length(v))) != NULL)
		return ptext_error(err, ERR_INVAL, path, NULL, "%s", why);
	(void)date_parse_iso(&d, json_string_value(v), json_string_length(v));
	*out = date_to_days(&d);
	return 0;
}

static int
dec_stay_state(json_t *o, const char *path, struct feed_stay_state *st,
    struct pool *pl, struct proto_error *err)
{
	static const char *const keys[] = { "person", "stays", "rule", NULL };
	static const char *const pkeys[] = { "issuing_state", "number",
	    "nationality", "birth_date", NULL };
	struct feed_person	*p = &st->person;
	struct stay		*stays = NULL;
	json_t			*v, *a, *pair;
	char			 ppath[PROTO_FIELD_MAX], spath[PROTO_FIELD_MAX];
	size_t			 i, n;
	int			 rc;

	if ((rc = ptext_unknown_keys(o, keys, path, err)) != 0 ||
	    (rc = dec_object(o, "person", path, &v, ppath, sizeof(ppath),
	    err)) != 0 ||
	    (rc = ptext_unknown_keys(v, pkeys, ppath, err)) != 0 ||
	    (rc = STR(v, p, issuing_state, chk_state, 0, ppath, err)) != 0 ||
	    (rc = STR(v, p, number, chk_docnum, 0, ppath, err)) != 0 ||
	    (rc = STR(v, p, nationality, chk_state, 0, ppath, err)) != 0 ||
	    (rc = STR(v, p, birth_date, chk_date, 0, ppath, err)) != 0 ||
	    (rc = dec_get(o, "stays", path, &a, err)) != 0)
		return rc;
	if (!json_is_array(a))
		return ptext_error(err, ERR_INVAL, path, "stays",
		    "must be an array, got %s", ptext_jtype(a));
	n = json_array_size(a);
	if (n > FEED_STAYS_MAX)
		return ptext_error(err, ERR_INVAL, path, "stays",
		    "has %zu stays; at most 1024 are allowed", n);
	if (n > 0 && (stays = pool_take(pl, n * sizeof(*stays))) == NULL)
		return ptext_error(err, ERR_NOMEM, path, "stays", "out of memory");
	for (i = 0; i < n; i++) {
		pair = json_array_get(a, i);
		stay_path(spath, sizeof(spath), path, i, "");
		if (!json_is_array(pair) || json_array_size(pair) != 2)
			return ptext_error(err, ERR_INVAL, spath, NULL,
			    "must be [entry date, exit date or null]");
		stay_path(spath, sizeof(spath), path, i, "[0]");
		if ((rc = dec_day(json_array_get(pair, 0), spath,
		    &stays[i].entry, err)) != 0)
			return rc;
		if (json_is_null(json_array_get(pair, 1))) {
			stays[i].exit = STAY_OPEN;
			continue;
		}
		stay_path(spath, sizeof(spath), path, i, "[1]");
		if ((rc = dec_day(json_array_get(pair, 1), spath,
		    &stays[i].exit, err)) != 0)
			return rc;
	}
	st->nstays = n;
	st->stays = stays;
	return STR(o, st, rule, chk_text, 1, path, err);
}

static int
dec_policy(json_t *o, const char *path, struct feed_policy *p,
    struct pool *pl, struct proto_error *err)
{
	static const char *const keys[] = { "version", "yaml", NULL };
	const char	*why;
	json_t		*v;
	char		*yaml;
	size_t		 n;
	int		 rc;

	if ((rc = ptext_unknown_keys(o, keys, path, err)) != 0 ||
	    (rc = STR(o, p, version, chk_policy_version, 0, path, err)) != 0 ||
	    (rc = dec_get(o, "yaml", path, &v, err)) != 0)
		return rc;
	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, "yaml",
		    "must be a string, got %s", ptext_jtype(v));
	n = json_string_length(v);
	if ((why = chk_yaml(json_string_value(v), n)) != NULL)
		return ptext_error(err, ERR_INVAL, path, "yaml", "%s", why);
	if ((yaml = pool_take(pl, n + 1)) == NULL)
		return ptext_error(err, ERR_NOMEM, path, "yaml", "out of memory");
	memcpy(yaml, json_string_value(v), n);
	yaml[n] = '\0';
	p->yaml = yaml;
	p->yaml_len = n;
	return 0;
}

static int
dec_officer(json_t *o, const char *path, struct feed_officer *f,
    struct proto_error *err)
{
	static const char *const keys[] = { "id", "name", "pin_hash",
	    "active", NULL };
	int	rc;

	if ((rc = ptext_unknown_keys(o, keys, path, err)) != 0 ||
	    (rc = STR(o, f, id, chk_officer_id, 0, path, err)) != 0 ||
	    (rc = STR(o, f, name, chk_text, 0, path, err)) != 0 ||
	    (rc = STR(o, f, pin_hash, chk_pin_hash, 0, path, err)) != 0)
		return rc;
	return dec_bool(o, "active", path, &f->active, err);
}

/* Decode the entry object o into *e, which the caller zeroed. */
static int
dec_entry(json_t *o, const char *path, struct feed_entry *e, struct pool *pl,
    struct proto_error *err)
{
	static const char *const keys[] = { "pos", "op", "kind", "id", "data",
	    NULL };
	json_t	*d;
	char	 dpath[PROTO_FIELD_MAX];
	int64_t	 x;
	int	 v, rc;

	if ((rc = ptext_unknown_keys(o, keys, path, err)) != 0 ||
	    (rc = dec_int(o, "pos", path, 0, 1, POS_MAX_LL, &x, err)) != 0)
		return rc;
	e->pos = (uint64_t)x;
	if ((rc = dec_enum(o, "op", path, op_names, NELEM(op_names),
	    "must be \"upsert\" or \"delete\"", &v, err)) != 0)
		return rc;
	e->op = (enum feed_op)v;
	if ((rc = dec_enum(o, "kind", path, kind_names, NELEM(kind_names),
	    "must be \"document_alert\", \"person_alert\", \"permit\", "
	    "\"stay_state\", \"policy\" or \"officer\"", &v, err)) != 0)
		return rc;
	e->kind = (enum feed_kind)v;
	if ((rc = STR(o, e, id, chk_id, 0, path, err)) != 0)
		return rc;
	if (e->kind == FEED_OFFICER && chk_officer_id(e->id,
	    strlen(e->id)) != NULL)
		return chk_entry(e, path, err);		/* names the id */
	if (e->op == FEED_DELETE) {
		if (json_object_get(o, "data") != NULL)
			return ptext_error(err, ERR_INVAL, path, "data",
			    "must be absent in a delete");
		return chk_entry(e, path, err);
	}
	if ((rc = dec_object(o, "data", path, &d, dpath, sizeof(dpath),
	    err)) != 0)
		return rc;
	rc = ERR_INVAL;
	switch (e->kind) {
	case FEED_DOCUMENT_ALERT:
		rc = dec_document_alert(d, dpath, &e->data.document_alert,
		    err);
		break;
	case FEED_PERSON_ALERT:
		rc = dec_person_alert(d, dpath, &e->data.person_alert, err);
		break;
	case FEED_PERMIT:
		rc = dec_permit(d, dpath, &e->data.permit, err);
		break;
	case FEED_STAY_STATE:
		rc = dec_stay_state(d, dpath, &e->data.stay_state, pl, err);
		break;
	case FEED_POLICY:
		rc = dec_policy(d, dpath, &e->data.policy, pl, err);
		break;
	case FEED_OFFICER:
		rc = dec_officer(d, dpath, &e->data.officer, err);
		break;
	}
	if (rc != 0)
		return rc;
	/* The rules across fields: dates in order, stays, a policy that
	 * loads, an officer's id. */
	return chk_entry(e, path, err);
}

/*
 * Bytes of pool the entries of a could need: an upper bound, counted
 * before anything is checked; what is out of bounds counts nothing and is
 * refused later.
 */
static size_t
pool_need(json_t *a)
{
	json_t	*item, *d, *v;
	size_t	 i, n, need = 0;

	json_array_foreach(a, i, item) {
		if ((d = json_object_get(item, "data")) == NULL ||
		    !json_is_object(d))
			continue;
		if ((v = json_object_get(d, "stays")) != NULL &&
		    json_is_array(v) &&
		    (n = json_array_size(v)) <= FEED_STAYS_MAX)
			need += ((n * sizeof(struct stay)) + 15) & ~(size_t)15;
		if ((v = json_object_get(d, "yaml")) != NULL &&
		    json_is_string(v) &&
		    (n = json_string_length(v)) <= FEED_YAML_MAX)
			need += (n + 1 + 15) & ~(size_t)15;
	}
	return need;
}

int
feed_decode_batch(struct feed_batch *out, size_t cap, const uint8_t *p,
    size_t len, struct proto_error *err)
{
	static const char *const keys[] = { "version", "from", "to",
	    "entries", NULL };
	struct proto_error	 scratch;
	struct feed_entry	*tmp = NULL;
	struct pool		 pl = { NULL, 0, 0 };
	json_t			*root, *a, *item;
	char			 path[PROTO_FIELD_MAX];
	int64_t			 from, to;
	size_t			 i, n;
	int			 rc;

	if (err == NULL)
		err = &scratch;
	if (cap > FEED_BATCH_MAX)
		cap = FEED_BATCH_MAX;
	if ((rc = dec_load(&root, p, len, err)) != 0)
		return rc;
	if ((rc = dec_version(root, err)) != 0 ||
	    (rc = ptext_unknown_keys(root, keys, "", err)) != 0 ||
	    (rc = dec_int(root, "from", "", 0, 0, POS_MAX_LL, &from,
	    err)) != 0 ||
	    (rc = dec_int(root, "to", "", 0, from, POS_MAX_LL, &to,
	    err)) != 0 ||
	    (rc = dec_get(root, "entries", "", &a, err)) != 0)
		goto done;
	if (!json_is_array(a)) {
		rc = ptext_error(err, ERR_INVAL, "", "entries",
		    "must be an array, got %s", ptext_jtype(a));
		goto done;
	}
	n = json_array_size(a);
	if (n > cap) {
		rc = ptext_error(err, ERR_TOOBIG, "", "entries",
		    "has %zu entries; at most %zu fit in one batch", n, cap);
		goto done;
	}
	if ((tmp = calloc(n > 0 ? n : 1, sizeof(*tmp))) == NULL) {
		rc = ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
		goto done;
	}
	if ((pl.cap = pool_need(a)) > 0 &&
	    (pl.base = malloc(pl.cap)) == NULL) {
		rc = ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		item = json_array_get(a, i);
		(void)snprintf(path, sizeof(path), "entries[%zu]", i);
		if (!json_is_object(item)) {
			rc = ptext_error(err, ERR_INVAL, path, NULL,
			    "must be an object, got %s", ptext_jtype(item));
			goto done;
		}
		if ((rc = dec_entry(item, path, &tmp[i], &pl, err)) != 0)
			goto done;
	}
	if ((rc = chk_positions((uint64_t)from, (uint64_t)to, tmp, n,
	    err)) != 0)
		goto done;
	out->from = (uint64_t)from;
	out->to = (uint64_t)to;
	if (n > 0)
		memcpy(out->entries, tmp, n * sizeof(*tmp));
	out->n = n;
	out->mem = pl.base;
	pl.base = NULL;
 done:
	free(pl.base);
	free(tmp);
	json_decref(root);
	return rc;
}

void
feed_batch_reset(struct feed_batch *b)
{
	if (b == NULL)
		return;
	free(b->mem);
	b->mem = NULL;
	b->n = 0;
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

/* A checked NUL-terminated string; "" is null when nullable. */
static int
enc_str(json_t *o, const char *key, const char *s, int nullable)
{
	if (nullable && s[0] == '\0')
		return enc_set(o, key, json_null());
	return enc_set(o, key, json_stringn_nocheck(s, strlen(s)));
}

static int
enc_int(json_t *o, const char *key, int64_t v, int nullable)
{
	if (nullable && v == FEED_NULL)
		return enc_set(o, key, json_null());
	return enc_set(o, key, json_integer((json_int_t)v));
}

static json_t *
enc_day(int64_t day)
{
	struct date	d;
	char		buf[16];

	date_from_days(day, &d);
	if (date_format_iso(&d, buf, sizeof(buf)) != 0)
		return NULL;
	return json_string_nocheck(buf);
}

static int
enc_data(json_t *o, const struct feed_entry *e)
{
	json_t	*sub, *a, *pair;
	size_t	 i;
	int	 bad = 0;

	switch (e->kind) {
	case FEED_DOCUMENT_ALERT: {
		const struct feed_document_alert *d = &e->data.document_alert;

		bad |= enc_str(o, "issuing_state", d->issuing_state, 0);
		bad |= enc_str(o, "number", d->number, 0);
		bad |= enc_str(o, "reason", feed_reason_str(d->reason), 0);
		bad |= enc_str(o, "since", d->since, 0);
		break;
	}
	case FEED_PERSON_ALERT: {
		const struct feed_person_alert *d = &e->data.person_alert;

		bad |= enc_str(o, "kind", feed_alert_kind_str(d->kind), 0);
		bad |= enc_str(o, "surname", d->surname, 0);
		bad |= enc_str(o, "given_names", d->given_names, 0);
		bad |= enc_str(o, "birth_date", d->birth_date, 0);
		bad |= enc_str(o, "nationality", d->nationality, 0);
		bad |= enc_str(o, "until", d->until, 1);
		bad |= enc_int(o, "severity", d->severity, 0);
		bad |= enc_str(o, "source", d->source, 0);
		break;
	}
	case FEED_PERMIT: {
		const struct feed_permit *d = &e->data.permit;
		const struct feed_holder *h = &d->holder;

		bad |= enc_str(o, "kind", policy_permit_name(d->kind), 0);
		if ((sub = json_object()) != NULL) {
			bad |= enc_str(sub, "issuing_state", h->issuing_state,
			    0);
			bad |= enc_str(sub, "number", h->number, 0);
			bad |= enc_str(sub, "nationality", h->nationality, 0);
			bad |= enc_str(sub, "surname", h->surname, 0);
			bad |= enc_str(sub, "given_names", h->given_names, 0);
			bad |= enc_str(sub, "birth_date", h->birth_date, 0);
		}
		bad |= enc_set(o, "holder", sub);
		bad |= enc_str(o, "valid_from", d->valid_from, 0);
		bad |= enc_str(o, "valid_until", d->valid_until, 0);
		bad |= enc_int(o, "entries", d->entries, 1);
		bad |= enc_int(o, "entries_used", d->entries_used, 0);
		bad |= enc_int(o, "stay_days", d->stay_days, 1);
		bad |= enc_str(o, "employer", d->employer, 1);
		bad |= enc_str(o, "region", d->region, 1);
		break;
	}
	case FEED_STAY_STATE: {
		const struct feed_stay_state *d = &e->data.stay_state;
		const struct feed_person *p = &d->person;

		if ((sub = json_object()) != NULL) {
			bad |= enc_str(sub, "issuing_state", p->issuing_state,
			    0);
			bad |= enc_str(sub, "number", p->number, 0);
			bad |= enc_str(sub, "nationality", p->nationality, 0);
			bad |= enc_str(sub, "birth_date", p->birth_date, 0);
		}
		bad |= enc_set(o, "person", sub);
		if ((a = json_array()) != NULL) {
			for (i = 0; !bad && i < d->nstays; i++) {
				if ((pair = json_array()) == NULL) {
					bad = 1;
					break;
				}
				bad |= json_array_append_new(pair,
				    enc_day(d->stays[i].entry)) != 0;
				bad |= json_array_append_new(pair,
				    d->stays[i].exit == STAY_OPEN ?
				    json_null() : enc_day(d->stays[i].exit))
				    != 0;
				bad |= json_array_append_new(a, pair) != 0;
			}
		}
		bad |= enc_set(o, "stays", a);
		bad |= enc_str(o, "rule", d->rule, 1);
		break;
	}
	case FEED_POLICY: {
		const struct feed_policy *d = &e->data.policy;

		bad |= enc_str(o, "version", d->version, 0);
		bad |= enc_set(o, "yaml", json_stringn_nocheck(d->yaml,
		    d->yaml_len));
		break;
	}
	case FEED_OFFICER: {
		const struct feed_officer *d = &e->data.officer;

		bad |= enc_str(o, "id", d->id, 0);
		bad |= enc_str(o, "name", d->name, 0);
		bad |= enc_str(o, "pin_hash", d->pin_hash, 0);
		bad |= enc_set(o, "active", json_boolean(d->active));
		break;
	}
	}
	return bad;
}

/* A checked entry as a tree; NULL if out of memory. */
static json_t *
enc_entry(const struct feed_entry *e)
{
	json_t	*o, *d;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= enc_set(o, "pos", json_integer((json_int_t)e->pos));
	bad |= enc_str(o, "op", feed_op_str(e->op), 0);
	bad |= enc_str(o, "kind", feed_kind_str(e->kind), 0);
	bad |= enc_str(o, "id", e->id, 0);
	if (e->op == FEED_UPSERT) {
		if ((d = json_object()) != NULL)
			bad |= enc_data(d, e);
		bad |= enc_set(o, "data", d);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Dump a checked entry at buf[*off..bufsz), advancing *off. */
static int
enc_entry_at(const struct feed_entry *e, char *buf, size_t bufsz,
    size_t *off)
{
	json_t	*o;
	size_t	 n;

	if ((o = enc_entry(e)) == NULL)
		return ERR_NOMEM;
	n = json_dumpb(o, buf + *off, bufsz - *off, DUMP_FLAGS);
	json_decref(o);
	if (n == 0)
		return ERR_NOMEM;
	if (n > bufsz - *off)
		return ERR_TOOBIG;
	*off += n;
	return 0;
}

/* Append s (len bytes) at buf[*off..bufsz). */
static int
enc_raw(const char *s, size_t len, char *buf, size_t bufsz, size_t *off)
{
	if (len > bufsz - *off)
		return ERR_TOOBIG;
	memcpy(buf + *off, s, len);
	*off += len;
	return 0;
}

int
feed_encode_entry(const struct feed_entry *e, char *buf, size_t bufsz,
    size_t *outlen)
{
	struct proto_error	err;
	size_t			off = 0;
	int			rc;

	if ((rc = chk_entry(e, "", &err)) != 0)
		return rc == ERR_NOMEM ? ERR_NOMEM : ERR_INVAL;
	if ((rc = enc_entry_at(e, buf, bufsz, &off)) != 0)
		return rc;
	*outlen = off;
	return 0;
}

int
feed_encode_batch(const struct feed_batch *b, char *buf, size_t bufsz,
    size_t *outlen)
{
	struct proto_error	err;
	char			head[96];
	size_t			i, off = 0;
	int			n, rc;

	if ((rc = chk_batch(b, &err)) != 0)
		return rc == ERR_NOMEM || rc == ERR_TOOBIG ? rc : ERR_INVAL;
	n = snprintf(head, sizeof(head),
	    "{\"version\":%d,\"from\":%llu,\"to\":%llu,\"entries\":[",
	    FEED_VERSION, (unsigned long long)b->from,
	    (unsigned long long)b->to);
	if (n < 0 || (size_t)n >= sizeof(head))
		return ERR_INVAL;
	if ((rc = enc_raw(head, (size_t)n, buf, bufsz, &off)) != 0)
		return rc;
	for (i = 0; i < b->n; i++) {
		if ((i > 0 && (rc = enc_raw(",", 1, buf, bufsz, &off)) != 0) ||
		    (rc = enc_entry_at(&b->entries[i], buf, bufsz, &off)) != 0)
			return rc;
	}
	if ((rc = enc_raw("]}", 2, buf, bufsz, &off)) != 0)
		return rc;
	*outlen = off;
	return 0;
}
