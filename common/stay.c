/* stay.c - the rolling-window stay calculator. A day of presence is lawful
 * when the presence in the M days ending on it is at most N and it is at
 * most the P-th day of its stay. Within one stay the count in the window
 * never falls (each new day adds one, at most one old day leaves), so the
 * unlawful days of a stay are exactly those from its first unlawful day
 * on, and that day comes at the latest on day N + 1 of the stay: each stay
 * costs at most min(length, N + 1, P + 1) steps, whatever its length. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "date.h"
#include "err.h"
#include "stay.h"

#define STAY_DAY_MIN	INT64_C(-719162)	/* 0001-01-01 */
#define STAY_DAY_MAX	INT64_C(2932896)	/* 9999-12-31 */
#define STAY_DATE_LEN	10			/* "YYYY-MM-DD" */

/* The presence of the stays before the one being scanned, s[0..k), which
 * all end before its entry. lo only moves forward as entries grow. */
struct stay_win {
	const struct stay	*s;
	size_t			 k;
	size_t			 lo;	/* first of s[0..k) ending in or after
					 * the window */
	int64_t			 tot;	/* days of s[0..k) */
	int64_t			 before;	/* days of s[0..lo) */
};

const char *
stay_why_str(enum stay_why why)
{
	switch (why) {
	case STAY_OK:
		return "valid";
	case STAY_RULE_ZERO:
		return "the maximum days, the window and the per-entry "
		    "maximum must each be at least 1 day";
	case STAY_RULE_NOT_LESS:
		return "the maximum days must be smaller than the window";
	case STAY_RULE_TOO_BIG:
		return "the window and the per-entry maximum can be at most "
		    "3660 days";
	case STAY_SYNTAX:
		return "not a stay: expected YYYY-MM-DD..YYYY-MM-DD, or "
		    "YYYY-MM-DD.. for a stay not yet ended";
	case STAY_BAD_DATE:
		return "not a calendar date in the years 1..9999";
	case STAY_EXIT_BEFORE_ENTRY:
		return "the exit is before the entry";
	case STAY_OUT_OF_ORDER:
		return "out of order: it begins before the stay listed "
		    "before it";
	case STAY_OVERLAP:
		return "it overlaps the stay before it";
	case STAY_SHARED_DAY:
		return "it begins on the exit day of the stay before it "
		    "(merge the two into one stay)";
	case STAY_OPEN_NOT_LAST:
		return "a stay without an exit must be the last one";
	case STAY_TOO_MANY:
		return "too many stays (at most 10000)";
	case STAY_OPEN_AT_ENTRY:
		return "the last stay has no exit: the person is still in "
		    "the country (check the stay instead)";
	case STAY_ENTRY_NOT_AFTER:
		return "the entry must be after the exit of the last stay";
	}
	return "invalid";
}

static int
stay_fail(struct stay_problem *why, enum stay_why w, size_t index)
{
	if (why != NULL) {
		why->why = w;
		why->index = index;
		why->off = 0;
		why->len = 0;
	}
	return 0;
}

static int
stay_day_ok(int64_t d)
{
	return d >= STAY_DAY_MIN && d <= STAY_DAY_MAX;
}

int
stay_check_rule(const struct stay_rule *r, struct stay_problem *why)
{
	if (r->max_days <= 0 || r->window_days <= 0 || r->per_entry_days < 0)
		return stay_fail(why, STAY_RULE_ZERO, SIZE_MAX);
	if (r->window_days > STAY_DAYS_MAX ||
	    r->per_entry_days > STAY_DAYS_MAX)
		return stay_fail(why, STAY_RULE_TOO_BIG, SIZE_MAX);
	if (r->max_days >= r->window_days)
		return stay_fail(why, STAY_RULE_NOT_LESS, SIZE_MAX);
	return 1;
}

/* Stay i on its own and against stay i - 1. */
static enum stay_why
stay_check_one(const struct stay *s, size_t i, size_t *at)
{
	const struct stay	*c = &s[i], *p;

	*at = i;
	if (!stay_day_ok(c->entry) ||
	    (c->exit != STAY_OPEN && !stay_day_ok(c->exit)))
		return STAY_BAD_DATE;
	if (c->exit != STAY_OPEN && c->exit < c->entry)
		return STAY_EXIT_BEFORE_ENTRY;
	if (i == 0)
		return STAY_OK;
	p = &s[i - 1];
	if (p->exit == STAY_OPEN) {
		*at = i - 1;
		return STAY_OPEN_NOT_LAST;
	}
	if (c->entry < p->entry)
		return STAY_OUT_OF_ORDER;
	if (c->entry < p->exit)
		return STAY_OVERLAP;
	if (c->entry == p->exit)
		return STAY_SHARED_DAY;
	return STAY_OK;
}

int
stay_check_list(const struct stay *s, size_t n, struct stay_problem *why)
{
	enum stay_why	w;
	size_t		i, at;

	for (i = 0; i < n; i++)
		if ((w = stay_check_one(s, i, &at)) != STAY_OK)
			return stay_fail(why, w, at);
	return 1;
}

static int
stay_parse_fail(struct stay_problem *why, enum stay_why w, size_t index,
    size_t off, size_t len, int rc)
{
	(void)stay_fail(why, w, index);
	if (why != NULL) {
		why->off = off;
		why->len = len;
	}
	return rc;
}

/* One date of a stay; ERR_PARSE or ERR_RANGE. */
static int
stay_parse_day(int64_t *day, const char *p, size_t len)
{
	struct date	d;
	int		rc;

	if (len != STAY_DATE_LEN)
		return ERR_PARSE;
	if ((rc = date_parse_iso(&d, p, len)) != 0)
		return rc;
	*day = date_to_days(&d);
	return 0;
}

/* The bytes of one stay in the text: s[start..end) without its spaces. */
static void
stay_trim(const char *s, size_t start, size_t end, size_t *off, size_t *len)
{
	while (start < end && s[start] == ' ')
		start++;
	while (end > start && s[end - 1] == ' ')
		end--;
	*off = start;
	*len = end - start;
}

/* One "DATE..DATE" or "DATE.." of len bytes at p. */
static int
stay_parse_one(struct stay *st, const char *p, size_t len,
    enum stay_why *w)
{
	size_t	dots;
	int	rc;

	*w = STAY_SYNTAX;
	for (dots = 0; dots + 1 < len; dots++)
		if (p[dots] == '.' && p[dots + 1] == '.')
			break;
	if (dots + 1 >= len)
		return ERR_PARSE;
	if ((rc = stay_parse_day(&st->entry, p, dots)) != 0)
		goto bad;
	st->exit = STAY_OPEN;
	if (dots + 2 < len &&
	    (rc = stay_parse_day(&st->exit, p + dots + 2, len - dots - 2))
	    != 0)
		goto bad;
	return 0;
bad:
	if (rc == ERR_RANGE)
		*w = STAY_BAD_DATE;
	return rc;
}

int
stay_parse_list(struct stay *out, size_t cap, size_t *n, const char *s,
    size_t len, struct stay_problem *why)
{
	size_t		 i, cnt = 0, start = 0, end, off, ilen, poff = 0, plen = 0;
	enum stay_why	 w;
	int		 rc;

	/* Nothing, or only spaces: no stays. */
	for (i = 0; i < len && s[i] == ' '; i++)
		;
	if (i == len) {
		*n = 0;
		return 0;
	}
	for (;;) {
		for (end = start; end < len && s[end] != ','; end++)
			;
		stay_trim(s, start, end, &off, &ilen);
		if (cnt >= cap || cnt >= STAY_LIST_MAX)
			return stay_parse_fail(why, STAY_TOO_MANY, cnt, off,
			    ilen, ERR_TOOBIG);
		if ((rc = stay_parse_one(&out[cnt], s + off, ilen, &w)) != 0)
			return stay_parse_fail(why, w, cnt, off, ilen, rc);
		if ((w = stay_check_one(out, cnt, &i)) != STAY_OK) {
			if (i != cnt) {
				off = poff;
				ilen = plen;
			}
			return stay_parse_fail(why, w, i, off, ilen,
			    w == STAY_BAD_DATE ? ERR_RANGE : ERR_INVAL);
		}
		cnt++;
		if (end == len)
			break;
		poff = off;
		plen = ilen;
		start = end + 1;
	}
	*n = cnt;
	return 0;
}

/*
 * The first unlawful day of a stay entering on a and present through last,
 * after the earlier stays of w; last + 1 if every day is lawful. *prevp,
 * if not NULL, gets the presence in a's window before a.
 */
static int64_t
stay_first_unlawful(const struct stay_rule *r, struct stay_win *w,
    int64_t a, int64_t last, int *prevp)
{
	const struct stay	*s = w->s;
	int64_t			 lstart, prev, d, day, t;
	size_t			 q;

	lstart = a - r->window_days + 1;
	while (w->lo < w->k && s[w->lo].exit < lstart) {
		w->before += s[w->lo].exit - s[w->lo].entry + 1;
		w->lo++;
	}
	prev = w->tot - w->before;
	if (w->lo < w->k && s[w->lo].entry < lstart)
		prev -= lstart - s[w->lo].entry;
	if (prevp != NULL)
		*prevp = (int)prev;

	/* At most N + 1 turns: day N + 1 of a stay is always unlawful. */
	q = w->lo;
	for (d = a; d <= last; d++) {
		day = d - a + 1;
		if (day + prev > r->max_days ||
		    (r->per_entry_days > 0 && day > r->per_entry_days))
			return d;
		/* Day t leaves the window of d + 1. */
		t = d - r->window_days + 1;
		if (t < a) {
			while (q < w->k && s[q].exit < t)
				q++;
			if (q < w->k && s[q].entry <= t)
				prev--;
		}
	}
	return last + 1;
}

int
stay_calc_entry(struct stay_entry_result *out, const struct stay_rule *r,
    const struct stay *s, size_t n, int64_t entry, struct stay_problem *why)
{
	struct stay_win	w;
	int64_t		f;
	size_t		i;
	int		prev;

	if (!stay_check_rule(r, why) || !stay_check_list(s, n, why))
		return ERR_INVAL;
	if (!stay_day_ok(entry)) {
		(void)stay_fail(why, STAY_BAD_DATE, SIZE_MAX);
		return ERR_RANGE;
	}
	if (n > 0 && s[n - 1].exit == STAY_OPEN) {
		(void)stay_fail(why, STAY_OPEN_AT_ENTRY, n - 1);
		return ERR_INVAL;
	}
	if (n > 0 && s[n - 1].exit >= entry) {
		(void)stay_fail(why, STAY_ENTRY_NOT_AFTER, n - 1);
		return ERR_INVAL;
	}
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.k = n;
	for (i = 0; i < n; i++)
		w.tot += s[i].exit - s[i].entry + 1;
	f = stay_first_unlawful(r, &w, entry, STAY_DAY_MAX, &prev);
	out->days_used = prev;
	out->allowed = f > entry;
	out->latest_exit = f > entry ? f - 1 : STAY_NONE;
	out->days_remaining = (int)(f - entry);
	return 0;
}

int
stay_calc_control(struct stay_control_result *out,
    const struct stay_rule *r, const struct stay *s, size_t n,
    int64_t check, struct stay_problem *why)
{
	struct stay_control_result	res;
	struct stay_win			w;
	int64_t				a, b, f, lstart;
	size_t				k, m;

	if (!stay_check_rule(r, why) || !stay_check_list(s, n, why))
		return ERR_INVAL;
	if (!stay_day_ok(check)) {
		(void)stay_fail(why, STAY_BAD_DATE, SIZE_MAX);
		return ERR_RANGE;
	}
	memset(&res, 0, sizeof(res));
	res.first_overstay = STAY_NONE;
	memset(&w, 0, sizeof(w));
	w.s = s;
	/* Stays entering after C do not count; one open or ending after C
	 * is cut at C. Only the last counted stay can be cut. */
	for (k = 0; k < n && s[k].entry <= check; k++) {
		a = s[k].entry;
		b = s[k].exit == STAY_OPEN || s[k].exit > check ? check :
		    s[k].exit;
		w.k = k;
		f = stay_first_unlawful(r, &w, a, b, NULL);
		if (f <= b) {
			res.overstay_days += b - f + 1;
			if (res.first_overstay == STAY_NONE)
				res.first_overstay = f;
			if (b == check)
				res.overstaying = 1;
		}
		w.tot += b - a + 1;
	}
	/* Presence in C's window, from the last counted stay back. */
	lstart = check - r->window_days + 1;
	for (m = k; m > 0; m--) {
		a = s[m - 1].entry;
		b = s[m - 1].exit == STAY_OPEN || s[m - 1].exit > check ?
		    check : s[m - 1].exit;
		if (b < lstart)
			break;
		res.days_used += (int)(b - (a > lstart ? a : lstart) + 1);
	}
	*out = res;
	return 0;
}
