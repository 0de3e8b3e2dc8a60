/* stays.c - derive each foreign traveller's stay state from the admitted
 * crossings of their document, in the policy's civil days, with a rule set
 * that depends only on the set of crossings (docs/stay-states.md); choose
 * the rule of the open stay as a post would (checkpoint/decide.c); store it
 * in stay_states and publish it in the feed only when it changed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "date.h"
#include "err.h"
#include "feed.h"
#include "feedlog.h"
#include "log.h"
#include "pgutil.h"
#include "namematch.h"
#include "policy.h"
#include "proto.h"
#include "stay.h"
#include "stays.h"

#define STAYS_PERMITS_MAX	64	/* permits of one traveller, at most */
#define STAYS_DAY_LEN		11	/* "YYYY-MM-DD" and NUL */
#define STAYS_LOCK_TIMEOUT	"200ms"	/* longest wait for a row lock */

struct stays {
	struct policy	*pol;
	char		 version[POLICY_VERSION_MAX + 1];
	int64_t		 window;	/* longest window of its rules, days */
	int		 nopol_logged;	/* "no policy" said once */
	char		 bad_version[POLICY_VERSION_MAX + 1];
					/* a version that did not load */
	int		 failing;	/* the last run failed and said so */
};

/* A stay with the crossing it began with (row of the crossings query). */
struct rawstay {
	int64_t	entry;
	int64_t	exit;
	int	row;
	int	unknown;	/* begun by an exit: entry unknown */
};

/* A visa or permit of the traveller, as the deriver uses it. */
struct spermit {
	char			 id[FEED_ID_MAX + 1];
	enum policy_permit_kind	 kind;
	int64_t			 from;
	int64_t			 until;
	int			 stay_days;	/* 0: none */
};

/* What one document's derivation works out. */
struct derived {
	char		 state[PROTO_STATE_MAX + 1];
	char		 number[PROTO_DOCNUM_MAX + 1];
	char		 nationality[PROTO_STATE_MAX + 1];
	char		 birth[STAYS_DAY_LEN];
	struct stay	*stays;		/* kept: the window and the open one */
	size_t		 nstays;
	int		 open;
	int64_t		 open_entry;
	char		 open_post[PROTO_POST_MAX + 1];
	int64_t		 allowed_until;
	int64_t		 overstay;
	char		 rule[FEED_TEXT_MAX + 1];
	const char	*category;	/* stay_states.category (migration
					 * 006), NULL when closed */
};

static const char stays_version_sql[] =
	"SELECT version FROM policy_versions"
	" ORDER BY loaded_at DESC, version DESC LIMIT 1";
static const char stays_yaml_sql[] =
	"SELECT yaml FROM policy_versions WHERE version = $1";
static const char stays_repolicy_sql[] =
	"INSERT INTO stay_dirty (issuing_state, number)"
	" SELECT issuing_state, number FROM stay_states"
	" WHERE policy_version IS DISTINCT FROM $1"
	" ON CONFLICT DO NOTHING";
static const char stays_today_sql[] =
	"SELECT ((now() AT TIME ZONE $1)::date - DATE '1970-01-01')::text";
static const char stays_claim_sql[] =
	"DELETE FROM stay_dirty WHERE ctid IN"
	" (SELECT ctid FROM stay_dirty FOR UPDATE SKIP LOCKED LIMIT 1)"
	" RETURNING issuing_state, number";
static const char stays_crossings_sql[] =
	"SELECT direction, post,"
	" ((recorded_at AT TIME ZONE $3)::date - DATE '1970-01-01')::text,"
	" nationality, to_char(birth_date, 'YYYY-MM-DD'), surname, given_names"
	" FROM crossings"
	" WHERE doc_number = $2 AND issuing_state = $1 AND outcome = 'admit'"
	" ORDER BY recorded_at, post, seq";
static const char stays_permits_sql[] =
	"SELECT id, kind, (valid_from - DATE '1970-01-01')::text,"
	" (valid_until - DATE '1970-01-01')::text,"
	" coalesce(stay_days, 0)::text, surname, given_names, nationality,"
	" to_char(birth_date, 'YYYY-MM-DD'),"
	" (issuing_state = $1 AND number = $2)::text"
	" FROM permits WHERE id IN ("
	"  SELECT id FROM permits WHERE number = $2 AND issuing_state = $1"
	"  UNION SELECT id FROM permits"
	"  WHERE nationality = $3 AND birth_date = $4::date)"
	/* The document's own permits first, then the latest: a person with
	 * many namesakes' permits must not push their own out. */
	" ORDER BY (issuing_state = $1 AND number = $2) DESC,"
	" valid_until DESC, id LIMIT 64";
static const char stays_row_sql[] =
	"SELECT nationality, to_char(birth_date, 'YYYY-MM-DD'),"
	" coalesce(rule, ''), (stays = $3::jsonb)::text,"
	" coalesce(to_char(open_entry, 'YYYY-MM-DD'), ''),"
	" coalesce(open_post, ''),"
	" coalesce(to_char(allowed_until, 'YYYY-MM-DD'), ''),"
	" overstay_days::text, coalesce(policy_version, ''),"
	" coalesce(category, '')"
	" FROM stay_states WHERE issuing_state = $1 AND number = $2"
	" FOR UPDATE";
static const char stays_upsert_sql[] =
	"INSERT INTO stay_states (issuing_state, number, nationality,"
	" birth_date, stays, open_entry, open_post, allowed_until, rule,"
	" overstay_days, policy_version, derived_on, category, updated_at)"
	" VALUES ($1, $2, $3, $4::date, $5::jsonb, $6::date, $7, $8::date,"
	" $9, $10::integer, $11, $12::date, $13, now())"
	" ON CONFLICT (issuing_state, number) DO UPDATE SET"
	" nationality = EXCLUDED.nationality,"
	" birth_date = EXCLUDED.birth_date, stays = EXCLUDED.stays,"
	" open_entry = EXCLUDED.open_entry, open_post = EXCLUDED.open_post,"
	" allowed_until = EXCLUDED.allowed_until, rule = EXCLUDED.rule,"
	" overstay_days = EXCLUDED.overstay_days,"
	" policy_version = EXCLUDED.policy_version,"
	" derived_on = EXCLUDED.derived_on, category = EXCLUDED.category,"
	" updated_at = now()";
static const char stays_touch_sql[] =
	"UPDATE stay_states SET derived_on = $3::date"
	" WHERE issuing_state = $1 AND number = $2";
static const char stays_delete_sql[] =
	"DELETE FROM stay_states WHERE issuing_state = $1 AND number = $2";
/* The newest stay of a closed state left the window, or an open stay past
 * its last lawful day was derived before today began in the zone. */
static const char stays_sweep_sql[] =
	"INSERT INTO stay_dirty (issuing_state, number)"
	" SELECT issuing_state, number FROM stay_states"
	" WHERE (open_entry IS NULL AND jsonb_array_length(stays) > 0"
	"   AND (stays->-1->>1)::date < $1::date)"
	"  OR (open_entry IS NOT NULL AND allowed_until < $2::date"
	"   AND (derived_on IS NULL OR derived_on < $2::date))"
	"  OR jsonb_array_length(stays) = 0"
	" ON CONFLICT DO NOTHING";

/*
 * Small helpers.
 */

static void
day_str(int64_t day, char buf[STAYS_DAY_LEN])
{
	struct date	dt;

	date_from_days(day, &dt);
	if (date_format_iso(&dt, buf, STAYS_DAY_LEN) != 0)
		buf[0] = '\0';
}

struct stays *
stays_new(void)
{
	return calloc(1, sizeof(struct stays));
}

void
stays_free(struct stays *st)
{
	if (st == NULL)
		return;
	policy_free(st->pol);
	free(st);
}

/* The longest window of the policy's visa-free rules (at least 1). */
static int64_t
stays_window(const struct policy *p)
{
	int64_t	w = 1;
	size_t	i;

	if (!p->dflt.visa_required && p->dflt.stay.window_days > w)
		w = p->dflt.stay.window_days;
	for (i = 0; i < p->nrules; i++)
		if (!p->rules[i].visa_required &&
		    p->rules[i].stay.window_days > w)
			w = p->rules[i].stay.window_days;
	return w;
}

/*
 * The policy in force (the newest row of policy_versions), parsed once per
 * version. A new version marks every state derived under another one
 * dirty. 0, ERR_NOTFOUND (none loaded, or the newest does not load: said
 * once), ERR_DB, ERR_NOMEM.
 */
static int
stays_policy(PGconn *conn, struct stays *st)
{
	const char	*v[1];
	struct policy	*p;
	PGresult	*r;
	char		 version[POLICY_VERSION_MAX + 1];
	int		 rc;

	if (pgu_exec(conn, "stays", "reading the policy version",
	    stays_version_sql, 0, NULL, PGRES_TUPLES_OK, &r) != 0)
		return ERR_DB;
	if (PQntuples(r) == 0) {
		PQclear(r);
		if (!st->nopol_logged)
			log_warnx("stays: no stay policy loaded: centralctl "
			    "policy load FILE");
		st->nopol_logged = 1;
		return ERR_NOTFOUND;
	}
	(void)snprintf(version, sizeof(version), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	st->nopol_logged = 0;
	if (st->pol != NULL && strcmp(version, st->version) == 0)
		return 0;
	if (strcmp(version, st->bad_version) == 0)
		return ERR_NOTFOUND;
	v[0] = version;
	if (pgu_exec(conn, "stays", "reading the policy", stays_yaml_sql, 1, v,
	    PGRES_TUPLES_OK, &r) != 0)
		return ERR_DB;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ERR_DB;	/* replaced between the two reads */
	}
	rc = policy_load_buf(&p, "policy", (const uint8_t *)PQgetvalue(r, 0,
	    0), (size_t)PQgetlength(r, 0, 0), NULL);
	PQclear(r);
	if (rc == ERR_NOMEM)
		return rc;
	if (rc != 0) {
		log_warnx("stays: stay policy %s does not load: %s; stays are "
		    "not derived", version, err_str(rc));
		(void)snprintf(st->bad_version, sizeof(st->bad_version), "%s",
		    version);
		return ERR_NOTFOUND;
	}
	if (pgu_exec(conn, "stays", "marking states of an older policy",
	    stays_repolicy_sql, 1, v, PGRES_COMMAND_OK, &r) != 0) {
		policy_free(p);
		return ERR_DB;
	}
	log_info("stays: stay policy %s in force; %s state(s) of another "
	    "version to derive again", version, PQcmdTuples(r));
	PQclear(r);
	policy_free(st->pol);
	st->pol = p;
	st->window = stays_window(p);
	(void)snprintf(st->version, sizeof(st->version), "%s", version);
	return 0;
}

/* Today in the policy's zone by the server's clock, unless given. */
static int
stays_today(PGconn *conn, struct stays *st, int64_t today, int64_t *out)
{
	const char	*v[1];
	PGresult	*r;
	int		 rc;

	if (today != STAYS_TODAY) {
		*out = today;
		return 0;
	}
	v[0] = st->pol->timezone;
	if (pgu_exec(conn, "stays", "today in the policy's time zone",
	    stays_today_sql, 1, v, PGRES_TUPLES_OK, &r) != 0)
		return ERR_DB;
	rc = PQntuples(r) == 1 ? pgu_i64(PQgetvalue(r, 0, 0), out) :
	    ERR_DB;
	PQclear(r);
	return rc == 0 ? 0 : ERR_DB;
}

/*
 * Stays from crossings.
 */

static int
rawstay_cmp(const void *a, const void *b)
{
	const struct rawstay	*x = a, *y = b;

	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * The rule set (docs/stay-states.md): in time order, an entry opens a stay
 * unless one is open (then the exit was missed: it stays open); an exit
 * closes the open stay, or with none open is a stay of its day alone
 * (entry unknown); then stays that share or overlap a day merge. Writes
 * the merged stays to out (room for nrows + 1) and their number.
 */
static size_t
stays_build(const PGresult *r, struct rawstay *out)
{
	size_t	n = 0, m, i;
	int64_t	day, open = STAY_NONE;
	int	rows = PQntuples(r), row, open_row = -1;

	for (row = 0; row < rows; row++) {
		if (pgu_i64(PQgetvalue(r, row, 2), &day) != 0)
			continue;	/* the database always writes one */
		if (strcmp(PQgetvalue(r, row, 0), "entry") == 0) {
			if (open == STAY_NONE) {
				open = day;
				open_row = row;
			}
			continue;
		}
		if (open != STAY_NONE) {
			out[n].entry = open;
			out[n].exit = day > open ? day : open;
			out[n].row = open_row;
			out[n].unknown = 0;
			open = STAY_NONE;
		} else {
			out[n].entry = day;
			out[n].exit = day;
			out[n].row = row;
			out[n].unknown = 1;
		}
		n++;
	}
	if (open != STAY_NONE) {
		out[n].entry = open;
		out[n].exit = STAY_OPEN;
		out[n].row = open_row;
		out[n].unknown = 0;
		n++;
	}
	if (n == 0)
		return 0;
	/* Civil days follow time except across a zone's step back at
	 * midnight: sort to be sure. */
	qsort(out, n, sizeof(*out), rawstay_cmp);
	for (m = 0, i = 1; i < n; i++) {
		if (out[i].entry <= out[m].exit) {
			if (out[i].exit > out[m].exit)
				out[m].exit = out[i].exit;
			continue;
		}
		out[++m] = out[i];
	}
	return m + 1;
}

/*
 * Permits and the rule of the open stay.
 */

static int
permit_holder_matches(const PGresult *r, int row, const char *surname,
    const char *given, const char *nat)
{
	struct namematch_input	in;
	struct namematch_person	a, b;
	struct namematch_result	res;
	const char		*birth = PQgetvalue(r, row, 8);

	memset(&in, 0, sizeof(in));
	in.surname = PQgetvalue(r, row, 5);
	in.surname_len = strlen(in.surname);
	in.given_names = PQgetvalue(r, row, 6);
	in.given_names_len = strlen(in.given_names);
	in.birth_date = birth;
	in.birth_date_len = strlen(birth);
	in.nationality = PQgetvalue(r, row, 7);
	in.nationality_len = strlen(in.nationality);
	if (namematch_parse(&a, &in, NULL) != 0)
		return 0;
	in.surname = surname;
	in.surname_len = strlen(surname);
	in.given_names = given;
	in.given_names_len = strlen(given);
	in.nationality = nat;
	in.nationality_len = strlen(nat);
	if (namematch_parse(&b, &in, NULL) != 0)
		return 0;
	namematch_score(&a, &b, &res);
	return res.score >= NAMEMATCH_DEFAULT_THRESHOLD;
}

/* The traveller's visas and permits: of the document, and of the person
 * (same nationality and birth date, the names matching) as a post finds
 * them. */
static int
stays_permits(PGconn *conn, const struct derived *d, const char *surname,
    const char *given, struct spermit *out, size_t *n)
{
	const char	*v[4];
	PGresult	*r;
	int		 i, rows;
	size_t		 k = 0;
	int64_t		 from, until, sd;

	v[0] = d->state;
	v[1] = d->number;
	v[2] = d->nationality;
	v[3] = d->birth;
	if (pgu_exec(conn, "stays", "reading permits", stays_permits_sql, 4, v,
	    PGRES_TUPLES_OK, &r) != 0)
		return ERR_DB;
	rows = PQntuples(r);
	for (i = 0; i < rows && k < STAYS_PERMITS_MAX; i++) {
		if (strcmp(PQgetvalue(r, i, 9), "true") != 0 &&
		    !permit_holder_matches(r, i, surname, given,
		    d->nationality))
			continue;
		if (policy_permit_parse(PQgetvalue(r, i, 1), &out[k].kind) !=
		    0 || pgu_i64(PQgetvalue(r, i, 2), &from) != 0 ||
		    pgu_i64(PQgetvalue(r, i, 3), &until) != 0 ||
		    pgu_i64(PQgetvalue(r, i, 4), &sd) != 0)
			continue;
		(void)snprintf(out[k].id, sizeof(out[k].id), "%s",
		    PQgetvalue(r, i, 0));
		out[k].from = from;
		out[k].until = until;
		out[k].stay_days = (int)sd;
		k++;
	}
	PQclear(r);
	*n = k;
	return 0;
}

/* Whether a permit sets its own days per entry. */
static int
permit_own_days(const struct policy *pol, const struct spermit *p)
{
	return p->stay_days > 0 && (p->kind == POLICY_PERMIT_VISA ||
	    pol->permits[p->kind].stay == POLICY_STAY_PERMIT);
}

/*
 * The stays less the days a visa or permit covered, as checkpoint/
 * decide.c's decide_split() cuts them (docs/decisions.md): a permit covers
 * its validity; one with its own days of stay covers, of a stay entered
 * while it was valid, the entry day and the days after it up to that
 * number. out has room for n * (np + 1); returns the pieces.
 */
static size_t
stays_split(const struct policy *pol, const struct stay *s, size_t n,
    const struct spermit *p, size_t np, struct stay *out)
{
	struct stay	iv[STAYS_PERMITS_MAX], t;
	size_t		i, j, k, ni, o = 0;
	int64_t		from, until, cur;

	for (i = 0; i < n; i++) {
		ni = 0;
		for (j = 0; j < np; j++) {
			from = p[j].from;
			until = p[j].until;
			if (permit_own_days(pol, &p[j])) {
				if (s[i].entry < from || s[i].entry > until)
					continue;
				from = s[i].entry;
				if (from + p[j].stay_days - 1 < until)
					until = from + p[j].stay_days - 1;
			}
			if (until < s[i].entry || from > s[i].exit)
				continue;
			iv[ni].entry = from;
			iv[ni].exit = until;
			ni++;
		}
		for (j = 1; j < ni; j++) {
			t = iv[j];
			for (k = j; k > 0 && iv[k - 1].entry > t.entry; k--)
				iv[k] = iv[k - 1];
			iv[k] = t;
		}
		cur = s[i].entry;
		for (j = 0; j < ni && cur <= s[i].exit; j++) {
			if (iv[j].exit < cur)
				continue;
			if (iv[j].entry > cur) {
				out[o].entry = cur;
				out[o].exit = iv[j].entry - 1 < s[i].exit ?
				    iv[j].entry - 1 : s[i].exit;
				o++;
			}
			cur = iv[j].exit + 1;
		}
		if (cur <= s[i].exit) {
			out[o].entry = cur;
			out[o].exit = s[i].exit;
			o++;
		}
	}
	return o;
}

/* The first piece that reaches day from (pieces are in order): the
 * calculators need no older stay. */
static size_t
stays_from(const struct stay *s, size_t n, int64_t from)
{
	size_t	i;

	for (i = 0; i < n && s[i].exit < from; i++)
		;
	return i;
}

/*
 * The last lawful day of a visa-free stay from day e on (pieces before e
 * count), or e - 1 when e itself is not lawful. pieces[0..n) are in order;
 * those from e on are ignored.
 */
static int
stays_latest(const struct stay_rule *rule, const struct stay *pieces,
    size_t n, int64_t e, int64_t *last)
{
	struct stay_entry_result	res;
	struct stay_problem		why;
	size_t				lo, hi;
	int				rc;

	lo = stays_from(pieces, n, e - rule->window_days + 1);
	for (hi = lo; hi < n && pieces[hi].exit < e; hi++)
		;
	rc = stay_calc_entry(&res, rule, pieces + lo, hi - lo, e, &why);
	if (rc != 0)
		return rc;
	*last = res.allowed ? res.latest_exit : e - 1;
	return 0;
}

/* The category of a stay under a visa or permit (migration 006). */
static const char *
permit_category(enum policy_permit_kind kind)
{
	switch (kind) {
	case POLICY_PERMIT_VISA:
		return "visa";
	case POLICY_PERMIT_WORK:
		return "work_permit";
	case POLICY_PERMIT_RESIDENCE:
		return "residence_permit";
	case POLICY_PERMIT_REFUGEE:
	case POLICY_PERMIT_ASYLUM:
		return "refugee_asylum";
	case POLICY_PERMIT_REPATRIATE:
		return "repatriate";
	case POLICY_PERMIT_KINDS:
		break;
	}
	return NULL;
}

static void
rule_text(struct derived *d, const struct policy_match *m)
{
	char	buf[POLICY_DESC_MAX];

	if (policy_describe(m, buf, sizeof(buf)) != 0)
		(void)snprintf(buf, sizeof(buf), "%s",
		    policy_source_name(m->source));
	/* The feed carries 128 bytes; the text is ASCII. */
	buf[FEED_TEXT_MAX] = '\0';
	memcpy(d->rule, buf, strlen(buf) + 1);
}

/*
 * The rule of the open stay [e, open) and its last lawful day, and the
 * overstay as of today (docs/stay-states.md): a permit valid on the entry
 * day (one that may stand for a required visa), else a visa valid on it,
 * else the nationality's rule on it. s[0..n) are all the merged stays, the
 * last open.
 */
static int
stays_rule(PGconn *conn, const struct stays *st, struct derived *d,
    const struct stay *s, size_t n, const char *surname, const char *given,
    int64_t today)
{
	struct spermit			 p[STAYS_PERMITS_MAX];
	const struct spermit		*perm = NULL, *visa = NULL, *c;
	const struct policy		*pol = st->pol;
	struct policy_match		 pm, pm2;
	struct stay_control_result	 a, b;
	struct stay_problem		 why;
	struct stay			*pieces = NULL, *cut = NULL;
	struct date			 dt;
	size_t				 np = 0, kept = 0, i, npieces, lo;
	int64_t				 e = s[n - 1].entry, last;
	int				 rc;

	date_from_days(e, &dt);
	if (policy_rule_for(pol, d->nationality, &dt, &pm) != 0 ||
	    pm.source == POLICY_CITIZEN)
		return ERR_INVAL;	/* the caller checked the code */
	if ((rc = stays_permits(conn, d, surname, given, p, &np)) != 0)
		return rc;
	/* Keep what counts: a visa always; another permit unless a visa is
	 * required and it cannot stand for one. */
	for (i = 0; i < np; i++) {
		if (p[i].kind != POLICY_PERMIT_VISA && pm.rule->visa_required &&
		    !pol->permits[p[i].kind].replaces_visa)
			continue;
		p[kept++] = p[i];
	}
	np = kept;
	for (i = 0; i < np; i++) {
		if (p[i].from > e || p[i].until < e)
			continue;
		if (p[i].kind == POLICY_PERMIT_VISA) {
			if (visa == NULL || p[i].until > visa->until)
				visa = &p[i];
		} else if (perm == NULL || p[i].until > perm->until)
			perm = &p[i];
	}
	c = perm != NULL ? perm : visa;

	/* The stays less permit days, and room for a copy cut short. */
	if ((pieces = calloc(n * (np + 1) + 1, sizeof(*pieces))) == NULL ||
	    (cut = calloc(n + 1, sizeof(*cut))) == NULL) {
		free(pieces);
		return ERR_NOMEM;
	}
	rc = 0;
	if (c != NULL) {
		last = c->until;
		if (permit_own_days(pol, c) && e + c->stay_days - 1 < last)
			last = e + c->stay_days - 1;
		(void)snprintf(d->rule, sizeof(d->rule), "%s %s",
		    policy_permit_name(c->kind), c->id);
		d->category = permit_category(c->kind);
		/* After it, visa-free days again if the rule then is
		 * visa-free (docs/policy.md, "Permits"). */
		date_from_days(last + 1, &dt);
		if (policy_rule_for(pol, d->nationality, &dt, &pm2) == 0 &&
		    pm2.source != POLICY_CITIZEN &&
		    !pm2.rule->visa_required) {
			memcpy(cut, s, n * sizeof(*cut));
			cut[n - 1].exit = last;
			npieces = stays_split(pol, cut, n, p, np, pieces);
			if ((rc = stays_latest(&pm2.rule->stay, pieces, npieces,
			    last + 1, &last)) != 0)
				goto out;
		}
		d->allowed_until = last;
		d->overstay = today > last ? today - last : 0;
	} else if (pm.rule->visa_required) {
		/* Admitted without a visa or a permit standing for one: no
		 * day of it was lawful. */
		rule_text(d, &pm);
		d->category = "no_visa";
		d->allowed_until = e - 1;
		d->overstay = today >= e ? today - e + 1 : 0;
	} else {
		rule_text(d, &pm);
		d->category = "visa_free";
		npieces = stays_split(pol, s, n, p, np, pieces);
		if ((rc = stays_latest(&pm.rule->stay, pieces, npieces, e,
		    &last)) != 0)
			goto out;
		d->allowed_until = last;
		d->overstay = 0;
		if (today >= e) {
			/* The unlawful days of presence from e to today:
			 * control mode on today less control mode the day
			 * before e, over the same stays. */
			lo = stays_from(pieces, npieces, e -
			    pm.rule->stay.window_days + 1);
			if ((rc = stay_calc_control(&a, &pm.rule->stay,
			    pieces + lo, npieces - lo, today, &why)) != 0 ||
			    (rc = stay_calc_control(&b, &pm.rule->stay,
			    pieces + lo, npieces - lo, e - 1, &why)) != 0)
				goto out;
			d->overstay = a.overstay_days - b.overstay_days;
		}
	}
out:
	free(pieces);
	free(cut);
	return rc;
}

/*
 * One document.
 */

/* The stays as stored: [["2026-01-02","2026-01-09"],["2026-02-01",null]]. */
static char *
stays_json(const struct stay *s, size_t n)
{
	char	*buf, a[STAYS_DAY_LEN], b[STAYS_DAY_LEN];
	size_t	 cap = n * 32 + 3, len = 0, i;
	int	 w;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	buf[len++] = '[';
	for (i = 0; i < n; i++) {
		day_str(s[i].entry, a);
		if (s[i].exit == STAY_OPEN)
			w = snprintf(buf + len, cap - len, "%s[\"%s\",null]",
			    i > 0 ? "," : "", a);
		else {
			day_str(s[i].exit, b);
			w = snprintf(buf + len, cap - len,
			    "%s[\"%s\",\"%s\"]", i > 0 ? "," : "", a, b);
		}
		if (w < 0 || (size_t)w >= cap - len) {
			free(buf);
			return NULL;	/* cannot happen: 32 a stay */
		}
		len += (size_t)w;
	}
	buf[len++] = ']';
	buf[len] = '\0';
	return buf;
}

static int
stays_feed(PGconn *conn, const struct derived *d, enum feed_op op)
{
	struct feed_entry	e;

	memset(&e, 0, sizeof(e));
	e.op = op;
	e.kind = FEED_STAY_STATE;
	if (snprintf(e.id, sizeof(e.id), "%s:%s", d->state, d->number) >=
	    (int)sizeof(e.id))
		return ERR_INVAL;
	if (op == FEED_UPSERT) {
		struct feed_stay_state	*fs = &e.data.stay_state;

		(void)snprintf(fs->person.issuing_state,
		    sizeof(fs->person.issuing_state), "%s", d->state);
		(void)snprintf(fs->person.number, sizeof(fs->person.number),
		    "%s", d->number);
		(void)snprintf(fs->person.nationality,
		    sizeof(fs->person.nationality), "%s", d->nationality);
		(void)snprintf(fs->person.birth_date,
		    sizeof(fs->person.birth_date), "%s", d->birth);
		fs->nstays = d->nstays;
		fs->stays = d->stays;
		(void)snprintf(fs->rule, sizeof(fs->rule), "%s", d->rule);
	}
	return feedlog_append(conn, &e);
}

/*
 * Writes what was derived: compared with the stored row, the row only if
 * anything differs, a feed entry only if what posts see (person, stays,
 * rule) differs. d->nstays == 0 and no open stay deletes. 0, ERR_INVAL
 * (the feed refused it), ERR_DB, ERR_NOMEM.
 */
static int
stays_store(PGconn *conn, const struct stays *st, const struct derived *d,
    int64_t today, int *fed)
{
	const char	*v[13];
	char		 oe[STAYS_DAY_LEN], au[STAYS_DAY_LEN], od[24];
	char		 td[STAYS_DAY_LEN];
	char		*json;
	PGresult	*r;
	int		 have, same_feed, same_row, rc;

	*fed = 0;
	if ((json = stays_json(d->stays, d->nstays)) == NULL)
		return ERR_NOMEM;
	day_str(today, td);
	v[0] = d->state;
	v[1] = d->number;
	v[2] = json;
	if (pgu_exec(conn, "stays", "reading the stored state", stays_row_sql,
	    3, v, PGRES_TUPLES_OK, &r) != 0) {
		free(json);
		return ERR_DB;
	}
	have = PQntuples(r) == 1;
	if (d->nstays == 0) {
		PQclear(r);
		free(json);
		if (!have)
			return 0;
		if (pgu_exec(conn, "stays", "deleting a state",
		    stays_delete_sql, 2, v, PGRES_COMMAND_OK, &r) != 0)
			return ERR_DB;
		PQclear(r);
		*fed = 1;
		return stays_feed(conn, d, FEED_DELETE);
	}
	oe[0] = au[0] = '\0';
	if (d->open) {
		day_str(d->open_entry, oe);
		day_str(d->allowed_until, au);
	}
	(void)snprintf(od, sizeof(od), "%" PRId64, d->overstay);
	same_feed = have && strcmp(PQgetvalue(r, 0, 0), d->nationality) == 0 &&
	    strcmp(PQgetvalue(r, 0, 1), d->birth) == 0 &&
	    strcmp(PQgetvalue(r, 0, 2), d->rule) == 0 &&
	    strcmp(PQgetvalue(r, 0, 3), "true") == 0;
	same_row = same_feed && strcmp(PQgetvalue(r, 0, 4), oe) == 0 &&
	    strcmp(PQgetvalue(r, 0, 5), d->open ? d->open_post : "") == 0 &&
	    strcmp(PQgetvalue(r, 0, 6), au) == 0 &&
	    strcmp(PQgetvalue(r, 0, 7), od) == 0 &&
	    strcmp(PQgetvalue(r, 0, 8), st->version) == 0 &&
	    strcmp(PQgetvalue(r, 0, 9), d->open && d->category != NULL ?
	    d->category : "") == 0;
	PQclear(r);
	if (same_row) {
		free(json);
		/* An overstayer the sweep sent back: derived today. */
		if (d->open && d->allowed_until < today) {
			v[2] = td;
			if (pgu_exec(conn, "stays", "touching a state",
			    stays_touch_sql, 3, v, PGRES_COMMAND_OK, &r) != 0)
				return ERR_DB;
			PQclear(r);
		}
		return 0;
	}
	v[2] = d->nationality;
	v[3] = d->birth;
	v[4] = json;
	v[5] = d->open ? oe : NULL;
	v[6] = d->open ? d->open_post : NULL;
	v[7] = d->open ? au : NULL;
	v[8] = d->rule[0] != '\0' ? d->rule : NULL;
	v[9] = od;
	v[10] = st->version;
	v[11] = td;
	v[12] = d->open ? d->category : NULL;
	rc = pgu_exec(conn, "stays", "storing a state", stays_upsert_sql, 13,
	    v, PGRES_COMMAND_OK, NULL);
	free(json);
	if (rc != 0)
		return ERR_DB;
	if (same_feed)
		return 0;
	*fed = 1;
	rc = stays_feed(conn, d, FEED_UPSERT);
	return rc;
}

/* Keeps the stays that touch the window ending today, and the open one;
 * at most FEED_STAYS_MAX, the newest. */
static void
stays_trim(const struct stays *st, struct derived *d, struct stay *s,
    size_t n, int64_t today)
{
	size_t	lo;

	lo = stays_from(s, n, today - st->window + 1);
	if (n - lo > FEED_STAYS_MAX) {
		log_warnx("stays: %s:%s has %zu stays in the window; the "
		    "oldest %zu are left out", d->state, d->number, n - lo,
		    n - lo - FEED_STAYS_MAX);
		lo = n - FEED_STAYS_MAX;
	}
	d->stays = s + lo;
	d->nstays = n - lo;
}

/*
 * Derives one claimed document inside the caller's transaction. 0,
 * ERR_INVAL (cannot be derived or published: permanent), ERR_DB,
 * ERR_NOMEM.
 */
static int
stays_document(PGconn *conn, struct stays *st, const char *state,
    const char *number, int64_t today, int *fed)
{
	const struct policy	*pol = st->pol;
	struct derived		 d;
	struct policy_match	 pm;
	struct rawstay		*raw = NULL;
	struct stay		*s = NULL;
	struct date		 td;
	const char		*v[3];
	PGresult		*r;
	size_t			 n, i;
	int			 rows, last, rc;

	memset(&d, 0, sizeof(d));
	*fed = 0;
	if (snprintf(d.state, sizeof(d.state), "%s", state) >=
	    (int)sizeof(d.state) || snprintf(d.number, sizeof(d.number),
	    "%s", number) >= (int)sizeof(d.number))
		return ERR_INVAL;
	v[0] = state;
	v[1] = number;
	v[2] = pol->timezone;
	if (pgu_exec(conn, "stays", "reading crossings", stays_crossings_sql, 3,
	    v, PGRES_TUPLES_OK, &r) != 0)
		return ERR_DB;
	rows = PQntuples(r);
	if ((raw = calloc((size_t)rows + 1, sizeof(*raw))) == NULL ||
	    (s = calloc((size_t)rows + 1, sizeof(*s))) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	n = rows > 0 ? stays_build(r, raw) : 0;
	for (i = 0; i < n; i++) {
		s[i].entry = raw[i].entry;
		s[i].exit = raw[i].exit;
	}
	if (rows > 0) {
		/* The person as the latest crossing gives it. */
		last = rows - 1;
		(void)snprintf(d.nationality, sizeof(d.nationality), "%s",
		    PQgetvalue(r, last, 3));
		(void)snprintf(d.birth, sizeof(d.birth), "%s",
		    PQgetvalue(r, last, 4));
		date_from_days(today, &td);
		if (policy_rule_for(pol, d.nationality, &td, &pm) != 0)
			n = 0;	/* cannot happen: the table checks codes */
		else if (pm.source == POLICY_CITIZEN)
			n = 0;	/* citizens have no stay state */
	}
	if (n > 0 && s[n - 1].exit == STAY_OPEN) {
		d.open = 1;
		d.open_entry = s[n - 1].entry;
		(void)snprintf(d.open_post, sizeof(d.open_post), "%s",
		    PQgetvalue(r, raw[n - 1].row, 1));
		if ((rc = stays_rule(conn, st, &d, s, n, PQgetvalue(r,
		    rows - 1, 5), PQgetvalue(r, rows - 1, 6), today)) != 0) {
			if (rc != ERR_DB && rc != ERR_NOMEM)
				rc = ERR_INVAL;
			goto out;
		}
	}
	stays_trim(st, &d, s, n, today);
	rc = stays_store(conn, st, &d, today, fed);
	if (rc == 0)
		log_debug("stays: %s:%s derived: %zu stay(s)%s%s", state,
		    number, d.nstays, d.open ? ", open under " : "",
		    d.open ? d.rule : "");
out:
	PQclear(r);
	free(raw);
	free(s);
	return rc;
}

/* Claims and derives one document in its own transaction; *claimed 0 when
 * none was left. */
static int
stays_one(PGconn *conn, struct stays *st, int64_t today, int *claimed,
    int *fed)
{
	PGresult	*r;
	char		 state[PROTO_STATE_MAX + 1];
	char		 number[PROTO_DOCNUM_MAX + 1];
	int		 rc;

	*claimed = 0;
	/* A lock held long elsewhere (the feed head under an administrator's
	 * bulk load) fails this document fast instead of stalling the
	 * daemon's loop: it stays dirty and is tried on the next run. */
	if (pgu_command(conn, "stays", "BEGIN; SET LOCAL lock_timeout = '"
	    STAYS_LOCK_TIMEOUT "'", NULL) != 0)
		return ERR_DB;
	if (pgu_exec(conn, "stays", "claiming a document", stays_claim_sql, 0,
	    NULL, PGRES_TUPLES_OK, &r) != 0) {
		(void)pgu_command(conn, "stays", "ROLLBACK", NULL);
		return ERR_DB;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return pgu_command(conn, "stays", "COMMIT", NULL);
	}
	(void)snprintf(state, sizeof(state), "%s", PQgetvalue(r, 0, 0));
	(void)snprintf(number, sizeof(number), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	*claimed = 1;
	if (pgu_command(conn, "stays", "SAVEPOINT stays_doc", NULL) != 0) {
		(void)pgu_command(conn, "stays", "ROLLBACK", NULL);
		return ERR_DB;
	}
	rc = stays_document(conn, st, state, number, today, fed);
	if (rc == ERR_INVAL) {
		/* Permanent: keep the claim (drop the mark), undo the rest. */
		log_warnx("stays: %s:%s cannot be derived or published (a "
		    "date out of the feed's years 1900..2199?); left as it "
		    "was", state, number);
		if (pgu_command(conn, "stays",
		    "ROLLBACK TO SAVEPOINT stays_doc", NULL) != 0) {
			(void)pgu_command(conn, "stays", "ROLLBACK", NULL);
			return ERR_DB;
		}
		*fed = 0;
		rc = 0;
	}
	if (rc != 0) {
		(void)pgu_command(conn, "stays", "ROLLBACK", NULL);
		return rc;
	}
	return pgu_command(conn, "stays", "COMMIT", NULL);
}

int
stays_derive(PGconn *conn, struct stays *st, int64_t today, size_t max,
    size_t *done)
{
	size_t	n = 0, nfed = 0;
	int64_t	day;
	int	rc, claimed, fed;

	*done = 0;
	rc = stays_policy(conn, st);
	if (rc == ERR_NOTFOUND)
		return 0;
	if (rc == 0)
		rc = stays_today(conn, st, today, &day);
	while (rc == 0 && n < max) {
		rc = stays_one(conn, st, day, &claimed, &fed);
		if (rc != 0 || !claimed)
			break;
		n++;
		nfed += fed != 0;
	}
	*done = n;
	if (rc != 0) {
		if (!st->failing)
			log_warnx("stays: deriving stopped: %s", err_str(rc));
		st->failing = 1;
		return rc;
	}
	if (st->failing)
		log_info("stays: deriving again");
	st->failing = 0;
	if (n > 0)
		log_debug("stays: %zu document(s) derived, %zu feed "
		    "entr%s", n, nfed, nfed == 1 ? "y" : "ies");
	return 0;
}

int
stays_sweep(PGconn *conn, struct stays *st, int64_t today, size_t *marked)
{
	const char	*v[2];
	char		 from[STAYS_DAY_LEN], td[STAYS_DAY_LEN];
	PGresult	*r;
	int64_t		 day, n = 0;
	int		 rc;

	if (marked != NULL)
		*marked = 0;
	rc = stays_policy(conn, st);
	if (rc == ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if ((rc = stays_today(conn, st, today, &day)) != 0)
		return rc;
	day_str(day - st->window + 1, from);
	day_str(day, td);
	v[0] = from;
	v[1] = td;
	if (pgu_exec(conn, "stays", "sweeping states", stays_sweep_sql, 2, v,
	    PGRES_COMMAND_OK, &r) != 0)
		return ERR_DB;
	(void)pgu_i64(PQcmdTuples(r), &n);
	PQclear(r);
	if (marked != NULL)
		*marked = (size_t)n;
	log_debug("stays: sweep marked %" PRId64 " state(s)", n);
	return 0;
}
