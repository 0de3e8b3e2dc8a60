/* test_decide.c - checkpoint/decide.c against a real registry file in a
 * fresh temporary directory, filled through registry_apply_batch() as the
 * feed fills it: one verdict test per reason code, at a fixed clock, with
 * MRZs composed by common/mrz.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "date.h"
#include "decide.h"
#include "err.h"
#include "feed.h"
#include "mrz.h"
#include "registry.h"

#define POLICY(v, tz) \
	"version: " v "\n" \
	"timezone: " tz "\n" \
	"citizens: [KAZ]\n" \
	"groups:\n" \
	"  - {name: EAEU, members: [ARM, BLR, KAZ, KGZ, RUS]}\n" \
	"rules:\n" \
	"  - {group: EAEU, from: 2015-01-01, visa_required: false,\n" \
	"     max_days: 90, window_days: 180}\n" \
	"default: {visa_required: true}\n" \
	"permits:\n" \
	"  visa: {stay: permit}\n" \
	"  work_permit: {stay: unlimited, replaces_visa: false}\n" \
	"  residence_permit: {stay: unlimited, replaces_visa: true}\n" \
	"  refugee: {stay: unlimited, replaces_visa: true}\n" \
	"  asylum: {stay: unlimited, replaces_visa: true}\n" \
	"  repatriate: {stay: unlimited, replaces_visa: true}\n"

#define SET(dst, s)	(void)snprintf((dst), sizeof(dst), "%s", (s))
#define NOW_ISO		"2026-03-01T12:00:00Z"

struct fx {
	char		 dir[64];
	char		 path[128];
	struct registry	*reg;
	struct decide	*dec;
	uint64_t	 pos;
	int64_t		 now;
};

static int64_t
days(const char *iso)
{
	struct date	d;

	assert_int_equal(date_parse_iso(&d, iso, strlen(iso)), 0);
	return date_to_days(&d);
}

static int64_t
ms(const char *rfc)
{
	int64_t	t;

	assert_int_equal(date_parse_rfc3339(&t, rfc, strlen(rfc)), 0);
	return t;
}

/* Applies the n entries as the next batch, at positions from fx->pos. */
static void
apply(struct fx *fx, struct feed_entry *e, size_t n)
{
	struct feed_batch	b;
	struct proto_error	err;
	size_t			i;

	memset(&b, 0, sizeof(b));
	b.from = fx->pos;
	for (i = 0; i < n; i++)
		e[i].pos = ++fx->pos;
	b.to = fx->pos;
	b.n = n;
	b.entries = e;
	memset(&err, 0, sizeof(err));
	if (registry_apply_batch(fx->reg, &b, &err) != 0)
		fail_msg("batch refused: %s: %s", err.field, err.message);
}

static void
head(struct feed_entry *e, enum feed_kind k, const char *id)
{
	memset(e, 0, sizeof(*e));
	e->op = FEED_UPSERT;
	e->kind = k;
	SET(e->id, id);
}

static void
policy(struct fx *fx, const char *yaml, const char *ver)
{
	struct feed_entry	e;

	head(&e, FEED_POLICY, "policy");
	SET(e.data.policy.version, ver);
	e.data.policy.yaml = yaml;
	e.data.policy.yaml_len = strlen(yaml);
	apply(fx, &e, 1);
}

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_decide.XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	(void)snprintf(fx->path, sizeof(fx->path), "%s/post.db", fx->dir);
	if (registry_open(&fx->reg, fx->path, decide_key, DECIDE_KEY_NAME)
	    != 0 || decide_new(&fx->dec, fx->reg, "ALA01", NULL) != 0)
		return -1;
	fx->now = ms(NOW_ISO);
	*state = fx;
	return 0;
}

static int
setup_policy(void **state)
{
	struct fx	*fx;

	if (setup(state) != 0)
		return -1;
	fx = *state;
	policy(fx, POLICY("T-1", "UTC"), "T-1");
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	char		 p[160];
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	size_t		 i;

	decide_free(fx->dec);
	registry_close(fx->reg);
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s%s", fx->path, sfx[i]);
		(void)unlink(p);
	}
	(void)rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A TD3 passport MRZ. birth and expiry are YYMMDD. */
static void
passport(char *buf, size_t bufsz, const char *nat, const char *number,
    const char *surname, const char *given, const char *birth,
    const char *expiry)
{
	struct mrz	m;

	memset(&m, 0, sizeof(m));
	m.format = MRZ_TD3;
	SET(m.document_code, "P");
	SET(m.issuing_state, nat);
	SET(m.nationality, nat);
	SET(m.number, number);
	SET(m.birth_date, birth);
	SET(m.expiry_date, expiry);
	m.sex = 'M';
	SET(m.surname, surname);
	SET(m.given_names, given);
	assert_int_equal(mrz_compose(&m, buf, bufsz, NULL, NULL), 0);
}

static void
check(struct fx *fx, const char *mrz, enum proto_direction dir,
    struct check_verdict *v)
{
	struct check_request	req;
	char			buf[CHECK_VERDICT_MAX];
	size_t			len;
	struct check_verdict	back;

	memset(&req, 0, sizeof(req));
	SET(req.mrz, mrz);
	req.mrz_len = strlen(req.mrz);
	req.direction = dir;
	req.lane = 3;
	SET(req.officer, "KZ0042");
	assert_int_equal(decide_check(fx->dec, &req, fx->now, v), 0);
	/* Every verdict encodes, and decodes to what it says. */
	assert_int_equal(check_encode_verdict(v, buf, sizeof(buf), &len), 0);
	assert_int_equal(check_decode_verdict(&back, (const uint8_t *)buf,
	    len, NULL), 0);
	assert_int_equal(back.verdict, v->verdict);
	assert_int_equal(back.nreasons, v->nreasons);
}

static const struct check_reason *
need(const struct check_verdict *v, const char *code,
    enum check_verdict_kind sev)
{
	const struct check_reason	*r;

	if ((r = check_find_reason(v, code)) == NULL)
		fail_msg("no reason %s", code);
	assert_int_equal(r->severity, sev);
	assert_true(r->message[0] != '\0');
	return r;
}

static void
test_decide_policy_missing(void **state)
{
	struct fx		*fx = *state;
	struct check_verdict	 v;
	char			 mrz[128];

	passport(mrz, sizeof(mrz), "RUS", "7123456", "PETROV", "PETR",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "policy_missing", CHECK_REFER);
	need(&v, "feed_stale", CHECK_CLEAR);	/* never received */
	assert_int_equal(v.verdict, CHECK_REFER);
	assert_string_equal(v.policy_version, "");
	assert_int_equal(v.feed_version, 0);
}

static void
test_decide_citizen(void **state)
{
	struct fx		*fx = *state;
	struct check_verdict	 v;
	char			 mrz[128];

	passport(mrz, sizeof(mrz), "KAZ", "N1234567", "ABENOV", "ASKAR",
	    "900131", "300130");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "citizen", CHECK_CLEAR);
	assert_int_equal(v.verdict, CHECK_CLEAR);
	assert_int_equal(v.nreasons, 1);
	assert_string_equal(v.policy_version, "T-1");
	assert_int_equal(v.feed_version, 1);
	assert_string_equal(v.day, "2026-03-01");
	assert_true(v.has_document);
	assert_string_equal(v.doc.number, "N1234567");
}

static void
test_decide_mrz_invalid(void **state)
{
	struct fx		*fx = *state;
	struct check_verdict	 v;
	char			 mrz[128];

	passport(mrz, sizeof(mrz), "KAZ", "N1234567", "ABENOV", "ASKAR",
	    "900131", "300130");
	mrz[45 + 9] = mrz[45 + 9] == '0' ? '1' : '0';	/* check digit */
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "mrz_invalid", CHECK_REFER);
	assert_int_equal(v.verdict, CHECK_REFER);
	assert_false(v.has_document);
	check(fx, "garbage", PROTO_EXIT, &v);
	need(&v, "mrz_invalid", CHECK_REFER);
}

static void
test_decide_document_expired(void **state)
{
	struct fx		*fx = *state;
	struct check_verdict	 v;
	char			 mrz[128];

	passport(mrz, sizeof(mrz), "RUS", "7123456", "PETROV", "PETR",
	    "800101", "260228");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "document_expired", CHECK_DENY);
	assert_int_equal(v.verdict, CHECK_DENY);
	/* A citizen coming home is referred, not denied. */
	passport(mrz, sizeof(mrz), "KAZ", "N1234567", "ABENOV", "ASKAR",
	    "900131", "260228");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "document_expired", CHECK_REFER);
	assert_int_equal(v.verdict, CHECK_REFER);
	/* Expiring today is still valid today. */
	passport(mrz, sizeof(mrz), "KAZ", "N1234567", "ABENOV", "ASKAR",
	    "900131", "260301");
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_null(check_find_reason(&v, "document_expired"));
}

static void
test_decide_document_alerts(void **state)
{
	struct fx		*fx = *state;
	struct check_verdict	 v;
	struct feed_entry	 e[4];
	static const enum feed_reason why[4] = { FEED_LOST, FEED_STOLEN,
	    FEED_INVALIDATED, FEED_REVOKED };
	static const char *const code[4] = { "document_alert_lost",
	    "document_alert_stolen", "document_alert_invalidated",
	    "document_alert_revoked" };
	char			 mrz[128], num[16], id[16];
	size_t			 i;

	for (i = 0; i < 4; i++) {
		(void)snprintf(id, sizeof(id), "da-%zu", i);
		(void)snprintf(num, sizeof(num), "A100000%zu", i);
		head(&e[i], FEED_DOCUMENT_ALERT, id);
		SET(e[i].data.document_alert.issuing_state, "RUS");
		SET(e[i].data.document_alert.number, num);
		e[i].data.document_alert.reason = why[i];
		SET(e[i].data.document_alert.since, "2026-01-02");
	}
	apply(fx, e, 4);
	for (i = 0; i < 4; i++) {
		(void)snprintf(num, sizeof(num), "A100000%zu", i);
		passport(mrz, sizeof(mrz), "RUS", num, "PETROV", "PETR",
		    "800101", "300101");
		check(fx, mrz, PROTO_ENTRY, &v);
		assert_string_equal(need(&v, code[i], CHECK_DENY)->alert,
		    e[i].id);
		assert_int_equal(v.verdict, CHECK_DENY);
	}
	/* Another issuing state with the same number: no alert. */
	passport(mrz, sizeof(mrz), "BLR", "A1000001", "PETROV", "PETR",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_null(check_find_reason(&v, "document_alert_stolen"));
}

static void
person_alert(struct feed_entry *e, const char *id, enum feed_alert_kind k,
    const char *surname, const char *given, const char *birth,
    const char *until)
{
	struct feed_person_alert	*a = &e->data.person_alert;

	head(e, FEED_PERSON_ALERT, id);
	a->kind = k;
	SET(a->surname, surname);
	SET(a->given_names, given);
	SET(a->birth_date, birth);
	SET(a->nationality, "RUS");
	SET(a->until, until);
	a->severity = 3;
	SET(a->source, "court");
}

static void
test_decide_watchlist(void **state)
{
	struct fx			*fx = *state;
	struct check_verdict		 v;
	struct feed_entry		 e[4];
	const struct check_reason	*r;
	char				 mrz[128];

	/* Typed in Cyrillic by the operator. */
	person_alert(&e[0], "pa-ban", FEED_ENTRY_BAN, "Иванов", "Иван",
	    "1980-05-01", "2027-01-01");
	person_alert(&e[1], "pa-exit", FEED_EXIT_BAN, "SIDOROV", "OLEG",
	    "1975-02-03", "");
	person_alert(&e[2], "pa-want", FEED_WANTED, "KUZNETSOV", "ANTON",
	    "1985", "");
	person_alert(&e[3], "pa-old", FEED_ENTRY_BAN, "SMIRNOV", "PAVEL",
	    "1970-07-07", "2026-02-28");
	apply(fx, e, 4);

	passport(mrz, sizeof(mrz), "RUS", "7000001", "IVANOV", "IVAN",
	    "800501", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	r = need(&v, "watchlist_entry_ban", CHECK_DENY);
	assert_string_equal(r->alert, "pa-ban");
	assert_true(r->score >= 0.95 && r->score <= 1.0);
	assert_true(r->matched[0] != '\0');
	assert_string_equal(r->until, "2027-01-01");
	assert_int_equal(v.verdict, CHECK_DENY);
	/* An entry ban does not stop an exit. */
	check(fx, mrz, PROTO_EXIT, &v);
	assert_null(check_find_reason(&v, "watchlist_entry_ban"));

	passport(mrz, sizeof(mrz), "RUS", "7000002", "SIDOROV", "OLEG",
	    "750203", "300101");
	check(fx, mrz, PROTO_EXIT, &v);
	r = need(&v, "watchlist_exit_ban", CHECK_DENY);
	assert_true(r->has_until);
	assert_string_equal(r->until, "");
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_null(check_find_reason(&v, "watchlist_exit_ban"));

	passport(mrz, sizeof(mrz), "RUS", "7000003", "KUZNETSOV", "ANTON",
	    "850612", "300101");
	check(fx, mrz, PROTO_EXIT, &v);
	r = need(&v, "watchlist_wanted", CHECK_REFER);
	assert_string_equal(r->alert, "pa-want");

	/* A ban that ended yesterday stops no one; a different person with
	 * a similar name is no hit. */
	passport(mrz, sizeof(mrz), "RUS", "7000004", "SMIRNOV", "PAVEL",
	    "700707", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_null(check_find_reason(&v, "watchlist_entry_ban"));
	passport(mrz, sizeof(mrz), "RUS", "7000005", "IVANOVA", "IRINA",
	    "920314", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_null(check_find_reason(&v, "watchlist_entry_ban"));
}

static void
permit(struct feed_entry *e, const char *id, enum policy_permit_kind kind,
    const char *nat, const char *number, const char *surname,
    const char *from, const char *until, int entries, int used, int sdays)
{
	struct feed_permit	*p = &e->data.permit;

	head(e, FEED_PERMIT, id);
	p->kind = kind;
	SET(p->holder.issuing_state, nat);
	SET(p->holder.number, number);
	SET(p->holder.nationality, nat);
	SET(p->holder.surname, surname);
	SET(p->holder.given_names, "JOHN");
	SET(p->holder.birth_date, "1980-01-01");
	SET(p->valid_from, from);
	SET(p->valid_until, until);
	p->entries = entries;
	p->entries_used = used;
	p->stay_days = sdays;
	SET(p->employer, "");
	SET(p->region, "");
}

static void
test_decide_visas_and_permits(void **state)
{
	struct fx			*fx = *state;
	struct check_verdict		 v;
	struct feed_entry		 e[5];
	const struct check_reason	*r;
	char				 mrz[128];

	permit(&e[0], "pm-ok", POLICY_PERMIT_VISA, "USA", "U0000001", "DOE",
	    "2026-01-01", "2026-12-31", FEED_NULL, 3, 30);
	permit(&e[1], "pm-exp", POLICY_PERMIT_VISA, "USA", "U0000002", "ROE",
	    "2025-01-01", "2025-12-31", FEED_NULL, 1, 30);
	permit(&e[2], "pm-used", POLICY_PERMIT_VISA, "USA", "U0000003", "POE",
	    "2026-01-01", "2026-12-31", 1, 1, 30);
	permit(&e[3], "pm-res", POLICY_PERMIT_RESIDENCE, "USA", "U0000004",
	    "LOE", "2024-01-01", "2026-01-31", FEED_NULL, 0, FEED_NULL);
	permit(&e[4], "pm-work", POLICY_PERMIT_WORK, "USA", "U0000005",
	    "MOE", "2026-01-01", "2026-12-31", FEED_NULL, 0, FEED_NULL);
	apply(fx, e, 5);

	/* No visa at all. */
	passport(mrz, sizeof(mrz), "USA", "U0000009", "NOE", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "visa_required_missing", CHECK_DENY);
	assert_int_equal(v.verdict, CHECK_DENY);

	passport(mrz, sizeof(mrz), "USA", "U0000001", "DOE", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	r = need(&v, "permit_valid", CHECK_CLEAR);
	assert_string_equal(r->last_day, "2026-03-30");	/* 30 days */
	assert_int_equal(v.verdict, CHECK_CLEAR);

	passport(mrz, sizeof(mrz), "USA", "U0000002", "ROE", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_string_equal(need(&v, "visa_expired", CHECK_DENY)->alert,
	    "pm-exp");

	passport(mrz, sizeof(mrz), "USA", "U0000003", "POE", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "visa_entries_used_up", CHECK_DENY);
	/* Used-up entries do not stop the exit. */
	check(fx, mrz, PROTO_EXIT, &v);
	assert_null(check_find_reason(&v, "visa_entries_used_up"));

	passport(mrz, sizeof(mrz), "USA", "U0000004", "LOE", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "permit_expired", CHECK_DENY);
	/* Leaving after it ended: an overstay since 2026-02-01. */
	check(fx, mrz, PROTO_EXIT, &v);
	r = need(&v, "overstay", CHECK_REFER);
	assert_int_equal(r->overstay_days, 29);
	assert_string_equal(r->first_overstay_day, "2026-02-01");

	/* A work permit does not replace the visa (policy). */
	passport(mrz, sizeof(mrz), "USA", "U0000005", "MOE", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "visa_required_missing", CHECK_DENY);
}

static void
stay_state(struct feed_entry *e, const char *id, const char *number,
    const struct stay *s, size_t n)
{
	struct feed_stay_state	*ss = &e->data.stay_state;

	head(e, FEED_STAY_STATE, id);
	SET(ss->person.issuing_state, "RUS");
	SET(ss->person.number, number);
	SET(ss->person.nationality, "RUS");
	SET(ss->person.birth_date, "1980-01-01");
	ss->stays = s;
	ss->nstays = n;
}

static void
test_decide_stays(void **state)
{
	struct fx			*fx = *state;
	struct check_verdict		 v;
	struct feed_entry		 e[3];
	struct stay			 s1[1], s2[1], s3[1];
	const struct check_reason	*r;
	char				 mrz[128];

	/* 30 days used: 60 left, to 2026-04-29. */
	s1[0].entry = days("2026-01-01");
	s1[0].exit = days("2026-01-30");
	/* 90 days used in the window: none left. */
	s2[0].entry = days("2025-11-20");
	s2[0].exit = days("2026-02-17");
	/* In since 2025-11-01: 121 days today, 31 over. */
	s3[0].entry = days("2025-11-01");
	s3[0].exit = STAY_OPEN;
	stay_state(&e[0], "ss-1", "7100001", s1, 1);
	stay_state(&e[1], "ss-2", "7100002", s2, 1);
	stay_state(&e[2], "ss-3", "7100003", s3, 1);
	apply(fx, e, 3);

	passport(mrz, sizeof(mrz), "RUS", "7100001", "PETROV", "PETR",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	r = need(&v, "stay_days_used", CHECK_CLEAR);
	assert_int_equal(r->days_used, 30);
	assert_int_equal(r->days_remaining, 60);
	assert_string_equal(r->last_day, "2026-04-29");
	assert_int_equal(v.verdict, CHECK_CLEAR);

	passport(mrz, sizeof(mrz), "RUS", "7100002", "PETROV", "PETR",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	r = need(&v, "stay_not_allowed", CHECK_DENY);
	assert_int_equal(r->days_used, 90);
	assert_int_equal(v.verdict, CHECK_DENY);

	passport(mrz, sizeof(mrz), "RUS", "7100003", "PETROV", "PETR",
	    "800101", "300101");
	check(fx, mrz, PROTO_EXIT, &v);
	r = need(&v, "overstay", CHECK_REFER);
	assert_int_equal(r->overstay_days, 31);
	assert_string_equal(r->first_overstay_day, "2026-01-30");
	assert_int_equal(v.verdict, CHECK_REFER);

	/* No stays known: a first entry has all 90 days. */
	passport(mrz, sizeof(mrz), "RUS", "7199999", "PETROV", "PETR",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	r = need(&v, "stay_days_used", CHECK_CLEAR);
	assert_int_equal(r->days_used, 0);
	assert_int_equal(r->days_remaining, 90);
}

/* Permit days (docs/policy.md): days a permit or visa covered do not
 * count in the visa-free window; before and after it they do. */
static void
test_decide_permit_days(void **state)
{
	struct fx			*fx = *state;
	struct check_verdict		 v;
	struct feed_entry		 e[10];
	struct stay			 s1[1], s2[1], s3[1], s4[1];
	const struct check_reason	*r;
	char				 mrz[128];

	/* Each holder a different person (permits are also found by
	 * nationality, birth date and name). A work permit ended
	 * 2025-11-30, in the country since before it: 2025-12-01..2026-03-01 is 91 days, one over 90. Counting the
	 * permit's days, it would be hundreds. */
	permit(&e[0], "pm-w1", POLICY_PERMIT_WORK, "RUS", "7200001", "IVANOV",
	    "2025-03-01", "2025-11-30", FEED_NULL, 0, FEED_NULL);
	s1[0].entry = days("2025-02-01");
	s1[0].exit = STAY_OPEN;
	stay_state(&e[1], "ss-w1", "7200001", s1, 1);
	/* Ended 2026-01-31, in since it began: 29 days after it. */
	permit(&e[2], "pm-w2", POLICY_PERMIT_WORK, "RUS", "7200002", "SMIRNOVA",
	    "2025-06-01", "2026-01-31", FEED_NULL, 0, FEED_NULL);
	s2[0].entry = days("2025-06-01");
	s2[0].exit = STAY_OPEN;
	stay_state(&e[3], "ss-w2", "7200002", s2, 1);
	/* A permit in the middle of a stay: 31 days before it and 10
	 * after it count. */
	permit(&e[4], "pm-w3", POLICY_PERMIT_RESIDENCE, "RUS", "7200003",
	    "KUZNETSOV", "2026-01-01", "2026-01-31", FEED_NULL, 0, FEED_NULL);
	s3[0].entry = days("2025-12-01");
	s3[0].exit = days("2026-02-10");
	stay_state(&e[5], "ss-w3", "7200003", s3, 1);
	/* A visa of 60 days per entry covers 2025-11-01..2025-12-30 of a
	 * stay to 2026-01-15: the 16 days after count. */
	permit(&e[6], "pm-v1", POLICY_PERMIT_VISA, "RUS", "7200004", "POPOVA",
	    "2025-10-01", "2026-01-31", FEED_NULL, 1, 60);
	s4[0].entry = days("2025-11-01");
	s4[0].exit = days("2026-01-15");
	stay_state(&e[7], "ss-v1", "7200004", s4, 1);
	/* A visa valid today, 30 days per entry: its own limit applies,
	 * not the 90 days of the visa-free rule. */
	permit(&e[8], "pm-v2", POLICY_PERMIT_VISA, "RUS", "7200005", "SOKOLOV",
	    "2026-01-01", "2026-12-31", FEED_NULL, 0, 30);
	apply(fx, e, 9);

	passport(mrz, sizeof(mrz), "RUS", "7200001", "IVANOV", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_EXIT, &v);
	r = need(&v, "overstay", CHECK_REFER);
	assert_int_equal(r->overstay_days, 1);
	assert_string_equal(r->first_overstay_day, "2026-03-01");

	passport(mrz, sizeof(mrz), "RUS", "7200002", "SMIRNOVA", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_EXIT, &v);
	assert_null(check_find_reason(&v, "overstay"));
	r = need(&v, "stay_days_used", CHECK_CLEAR);
	assert_int_equal(r->days_used, 29);
	assert_int_equal(v.verdict, CHECK_CLEAR);

	passport(mrz, sizeof(mrz), "RUS", "7200003", "KUZNETSOV", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	r = need(&v, "stay_days_used", CHECK_CLEAR);
	assert_int_equal(r->days_used, 41);
	assert_int_equal(r->days_remaining, 49);

	passport(mrz, sizeof(mrz), "RUS", "7200004", "POPOVA", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	r = need(&v, "stay_days_used", CHECK_CLEAR);
	assert_int_equal(r->days_used, 16);
	assert_int_equal(r->days_remaining, 74);

	passport(mrz, sizeof(mrz), "RUS", "7200005", "SOKOLOV", "JOHN",
	    "800101", "300101");
	check(fx, mrz, PROTO_ENTRY, &v);
	r = need(&v, "permit_valid", CHECK_CLEAR);
	assert_string_equal(r->last_day, "2026-03-30");
	assert_null(check_find_reason(&v, "stay_days_used"));
}

static void
test_decide_feed_stale(void **state)
{
	struct fx		*fx = *state;
	struct check_verdict	 v;
	char			 mrz[128];

	passport(mrz, sizeof(mrz), "KAZ", "N1234567", "ABENOV", "ASKAR",
	    "900131", "300130");
	fx->now = date_now_ms();
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_null(check_find_reason(&v, "feed_stale"));
	assert_false(v.feed_stale);
	fx->now += DECIDE_FEED_MAX_AGE_MS + 60000;
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "feed_stale", CHECK_CLEAR);
	assert_true(v.feed_stale);
	/* Staleness is said, not held against the traveller. */
	assert_int_equal(v.verdict, CHECK_CLEAR);
}

/* checkpoint.yaml's feed.max_age_s reaches decide_new(): a feed an hour
 * and a minute old is stale under a one-hour limit, fresh under the
 * default; decide_feed_stale() says the same for GET /v1/status. */
static void
test_decide_feed_max_age(void **state)
{
	struct fx		*fx = *state;
	struct decide		*hour;
	struct decide_opts	 o;
	struct check_verdict	 v;
	int64_t			 age, t;
	char			 mrz[128];

	memset(&o, 0, sizeof(o));
	o.feed_max_age_ms = INT64_C(3600) * 1000;
	assert_int_equal(decide_new(&hour, fx->reg, "ALA01", &o), 0);
	assert_int_equal(decide_feed_max_age(hour), o.feed_max_age_ms);
	assert_int_equal(decide_feed_max_age(fx->dec),
	    DECIDE_FEED_MAX_AGE_MS);
	passport(mrz, sizeof(mrz), "KAZ", "N1234567", "ABENOV", "ASKAR",
	    "900131", "300130");
	t = date_now_ms();
	assert_int_equal(decide_feed_stale(hour, t + 60000, &age), 0);
	assert_true(age >= 60000 && age < 120000);
	fx->now = t + o.feed_max_age_ms + 60000;
	assert_int_equal(decide_feed_stale(hour, fx->now, &age), 1);
	assert_int_equal(decide_feed_stale(fx->dec, fx->now, NULL), 0);
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_false(v.feed_stale);
	assert_null(check_find_reason(&v, "feed_stale"));
	{
		struct decide	*keep = fx->dec;

		fx->dec = hour;
		check(fx, mrz, PROTO_ENTRY, &v);
		fx->dec = keep;
	}
	decide_free(hour);
	assert_true(v.feed_stale);
	need(&v, "feed_stale", CHECK_CLEAR);
	assert_int_equal(v.verdict, CHECK_CLEAR);
}

/* Never applied: stale whatever the limit, age -1. */
static void
test_decide_feed_never(void **state)
{
	struct fx	*fx = *state;
	int64_t		 age = 0;

	assert_int_equal(decide_feed_stale(fx->dec, date_now_ms(), &age), 1);
	assert_int_equal(age, -1);
}

static void
test_decide_time_zone(void **state)
{
	struct fx		*fx = *state;
	struct check_verdict	 v;
	int32_t			 off;
	char			 mrz[128];

	/* 2026-02-28T20:00Z is already 1 March in Almaty (UTC+5). */
	assert_int_equal(decide_zone_offset(NULL, "Asia/Almaty",
	    ms("2026-02-28T20:00:00Z") / 1000, &off), 0);
	assert_true(off == 5 * 3600 || off == 6 * 3600);
	assert_int_equal(decide_zone_offset(NULL, "Europe/Berlin",
	    ms("2026-07-01T00:00:00Z") / 1000, &off), 0);
	assert_int_equal(off, 2 * 3600);
	assert_int_equal(decide_zone_offset(NULL, "No/Such_Zone", 0, &off),
	    ERR_NOTFOUND);
	policy(fx, POLICY("T-2", "Asia/Almaty"), "T-2");
	passport(mrz, sizeof(mrz), "RUS", "7123456", "PETROV", "PETR",
	    "800101", "260228");
	fx->now = ms("2026-02-28T20:00:00Z");
	check(fx, mrz, PROTO_ENTRY, &v);
	assert_string_equal(v.day, "2026-03-01");
	assert_string_equal(v.policy_version, "T-2");
	need(&v, "document_expired", CHECK_DENY);
	/* A zone this host lacks: UTC, and said so. */
	policy(fx, POLICY("T-3", "Asia/Nowhere"), "T-3");
	check(fx, mrz, PROTO_ENTRY, &v);
	need(&v, "timezone_unknown", CHECK_CLEAR);
	assert_string_equal(v.day, "2026-02-28");
}

static void
test_decide_key_uses_namematch(void **state)
{
	struct feed_person_alert	a;
	struct registry_keys		k;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.kind = FEED_ENTRY_BAN;
	SET(a.surname, "Иванов");
	SET(a.given_names, "Иван");
	SET(a.birth_date, "1980-05-01");
	SET(a.source, "x");
	memset(&k, 0, sizeof(k));
	assert_int_equal(decide_key(&a, &k), 0);
	assert_true(k.n >= 1);
	assert_non_null(strstr(k.key[0], ":1980:"));
	/* Not a name the matcher reads: the surname key. */
	SET(a.surname, "12345");
	memset(&k, 0, sizeof(k));
	assert_int_equal(decide_key(&a, &k), 0);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.key[0], "12345");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decide_policy_missing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_citizen,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_mrz_invalid,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_document_expired,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_document_alerts,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_watchlist,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_visas_and_permits,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_stays,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_permit_days,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_feed_stale,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_feed_max_age,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_decide_feed_never,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_time_zone,
		    setup_policy, teardown),
		cmocka_unit_test(test_decide_key_uses_namematch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
