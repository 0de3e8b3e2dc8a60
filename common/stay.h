/* stay.h - the rolling-window stay rule ("at most N days in any M days",
 * optionally at most P days per entry) with the semantics of the Schengen
 * Borders Code art. 6, which Kazakhstan's 90-in-180 rule follows. Days are
 * civil days counted as by date_to_days(); no allocation, no I/O. See
 * docs/stay-rules.md for the semantics, the decisions and the sources. */
#ifndef SHEKARA_STAY_H
#define SHEKARA_STAY_H

#include <stddef.h>
#include <stdint.h>

#define STAY_OPEN	INT64_MAX	/* exit of a stay still in the country */
#define STAY_NONE	INT64_MIN	/* no such day (JSON null) */
#define STAY_DAYS_MAX	3660		/* largest N, M or P: about ten years */
#define STAY_LIST_MAX	10000		/* stays stay_parse_list() accepts */
#define STAY_TEXT_MAX	(STAY_LIST_MAX * 23)	/* bytes of such a list */

/* N days at most in any M consecutive days; P days at most per entry. */
struct stay_rule {
	int	max_days;	/* N, 1..M-1 */
	int	window_days;	/* M, 2..STAY_DAYS_MAX */
	int	per_entry_days;	/* P, 1..STAY_DAYS_MAX, or 0: no such limit */
};

/* Present on every day entry..exit, both included. */
struct stay {
	int64_t	entry;
	int64_t	exit;		/* STAY_OPEN if still in the country */
};

/* What is wrong with a rule, a list of stays or a date. */
enum stay_why {
	STAY_OK = 0,
	STAY_RULE_ZERO,		/* N, M or P is zero (or negative) */
	STAY_RULE_NOT_LESS,	/* N is not smaller than M */
	STAY_RULE_TOO_BIG,	/* M or P over STAY_DAYS_MAX */
	STAY_SYNTAX,		/* a stay is not "DATE..DATE" or "DATE.." */
	STAY_BAD_DATE,		/* not a calendar date in 0001..9999 */
	STAY_EXIT_BEFORE_ENTRY,
	STAY_OUT_OF_ORDER,	/* enters before the stay listed before it */
	STAY_OVERLAP,		/* enters before the previous stay's exit */
	STAY_SHARED_DAY,	/* enters on the previous stay's exit day */
	STAY_OPEN_NOT_LAST,	/* an open stay followed by another */
	STAY_TOO_MANY,		/* more than STAY_LIST_MAX stays */
	STAY_OPEN_AT_ENTRY,	/* entry mode: the person is still in */
	STAY_ENTRY_NOT_AFTER	/* entry mode: E is on or before the last
				 * stay's exit */
};

/* Where a problem is: stay index (SIZE_MAX when not about one stay) and,
 * from stay_parse_list(), that stay's bytes in the text. */
struct stay_problem {
	enum stay_why	why;
	size_t		index;
	size_t		off;
	size_t		len;
};

/* Entry mode: earlier stays and a planned entry on day E. */
struct stay_entry_result {
	int	days_used;	/* presence in E's window before E */
	int	allowed;	/* may be present on E */
	int64_t	latest_exit;	/* last X with every day E..X lawful when
				 * staying on from E; STAY_NONE if !allowed */
	int	days_remaining;	/* X - E + 1, 0 if !allowed */
};

/* Control mode: stays, the last possibly open, and a control day C. */
struct stay_control_result {
	int	days_used;	/* presence in C's window, C included */
	int	overstaying;	/* present on C and C is unlawful */
	int64_t	first_overstay;	/* first unlawful day up to C, or
				 * STAY_NONE */
	int64_t	overstay_days;	/* unlawful days of presence up to C */
};

/* A sentence for a person, without the subject: "the exit is before the
 * entry". */
const char	*stay_why_str(enum stay_why why);

/* 1 if the rule is valid; else 0 and *why says why (why may be NULL). */
int	stay_check_rule(const struct stay_rule *r, struct stay_problem *why);
/* 1 if the stays are valid dates, each exit on or after its entry, in
 * order, not overlapping or sharing a day, only the last one open. */
int	stay_check_list(const struct stay *s, size_t n,
	    struct stay_problem *why);

/*
 * "YYYY-MM-DD..YYYY-MM-DD,YYYY-MM-DD.." from (s, len); an empty end is
 * STAY_OPEN, an empty text no stays, spaces around a stay are allowed.
 * Writes at most cap stays to out and their number to *n. ERR_PARSE (bad
 * shape), ERR_RANGE (impossible date), ERR_TOOBIG (over cap or
 * STAY_LIST_MAX), ERR_INVAL (the list fails stay_check_list); then *why
 * names the stay. On failure *n is untouched.
 */
int	stay_parse_list(struct stay *out, size_t cap, size_t *n,
	    const char *s, size_t len, struct stay_problem *why);

/*
 * The calculators. Both check the rule, the stays and the date first and
 * return ERR_INVAL or ERR_RANGE with *why filled (why may be NULL); on
 * success 0 and *out is set. Entry mode needs every stay closed and before
 * E. Control mode ignores presence after C; an open stay lasts through C.
 * Work is O(stays + total presence within min(P, N + 1) days of each
 * entry): a long history costs little more than its count of stays.
 */
int	stay_calc_entry(struct stay_entry_result *out,
	    const struct stay_rule *r, const struct stay *s, size_t n,
	    int64_t entry, struct stay_problem *why);
int	stay_calc_control(struct stay_control_result *out,
	    const struct stay_rule *r, const struct stay *s, size_t n,
	    int64_t check, struct stay_problem *why);

#endif
