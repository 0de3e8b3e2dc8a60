/* policy.h - the stay policy as data (config/policy.yaml): the citizens'
 * nationality codes, named groups of nationalities, rules per nationality or
 * group with effective dates, the default rule and how each kind of permit
 * overrides the visa-free rule. Loaded strictly through common/cfg.c (every
 * problem as "file:line: message", nothing loaded unless all is valid);
 * looked up by nationality and civil date. See docs/policy.md. */
#ifndef SHEKARA_POLICY_H
#define SHEKARA_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "date.h"
#include "stay.h"

#define POLICY_VERSION_MAX	32	/* bytes of "version" */
#define POLICY_TZ_MAX		64	/* bytes of "timezone" */
#define POLICY_NAME_MAX		32	/* bytes of a group name */
#define POLICY_NOTE_MAX		160	/* bytes of a rule's "note" */
#define POLICY_CODE_MAX		3	/* bytes of a nationality */
#define POLICY_CITIZENS_MAX	8	/* codes in "citizens" */
#define POLICY_GROUPS_MAX	64	/* entries of "groups" */
#define POLICY_MEMBERS_MAX	300	/* codes in one group */
#define POLICY_RULES_MAX	512	/* entries of "rules" */
#define POLICY_DESC_MAX		256	/* policy_describe() fits */

/* Where the rule for a nationality on a day comes from, by precedence. */
enum policy_source {
	POLICY_CITIZEN = 1,	/* in "citizens": no stay rules */
	POLICY_OWN,		/* a rule naming the nationality itself */
	POLICY_GROUP,		/* a rule naming a group the code is in */
	POLICY_DEFAULT		/* "default": everyone else */
};

enum policy_permit_kind {
	POLICY_PERMIT_VISA = 0,
	POLICY_PERMIT_WORK,		/* work_permit */
	POLICY_PERMIT_RESIDENCE,	/* residence_permit */
	POLICY_PERMIT_REFUGEE,		/* refugee */
	POLICY_PERMIT_ASYLUM,		/* asylum */
	POLICY_PERMIT_REPATRIATE,	/* repatriate */
	POLICY_PERMIT_KINDS
};

/* How a valid permit governs the stay during its period. */
enum policy_stay {
	POLICY_STAY_PERMIT = 1,	/* its own entries and days of stay */
	POLICY_STAY_UNLIMITED	/* no day limit while it is valid */
};

struct policy_permit {
	enum policy_stay	stay;
	/* A visa-required national holding it needs no visa. */
	int			replaces_visa;
};

struct policy_group {
	char	name[POLICY_NAME_MAX + 1];
	/* Sorted by strcmp(), no duplicates. */
	char	members[POLICY_MEMBERS_MAX][POLICY_CODE_MAX + 1];
	size_t	nmembers;
	int	line;		/* of its "name" in the file */
};

struct policy_rule {
	enum policy_source	source;	/* _OWN, _GROUP or _DEFAULT */
	char			nationality[POLICY_CODE_MAX + 1]; /* _OWN */
	char			group[POLICY_NAME_MAX + 1]; /* _GROUP */
	size_t			group_index;	/* in groups[] */
	struct date		from;	/* first day it applies */
	struct date		until;	/* last day, if has_until */
	int			has_until;
	int64_t			from_day;	/* date_to_days(from) */
	int64_t			until_day;	/* INT64_MAX if open */
	int			visa_required;
	/* Visa-free: N, M and P (0: no per-entry cap); all 0 when
	 * visa_required. */
	struct stay_rule	stay;
	char			note[POLICY_NOTE_MAX + 1];
	int			line;	/* of the rule in the file */
};

struct policy {
	char			version[POLICY_VERSION_MAX + 1];
	char			timezone[POLICY_TZ_MAX + 1];
	char			citizens[POLICY_CITIZENS_MAX]
				    [POLICY_CODE_MAX + 1];
	size_t			ncitizens;
	struct policy_group	groups[POLICY_GROUPS_MAX];
	size_t			ngroups;
	struct policy_rule	rules[POLICY_RULES_MAX]; /* file order */
	size_t			nrules;
	struct policy_rule	dflt;	/* never dated */
	struct policy_permit	permits[POLICY_PERMIT_KINDS];
};

/* What applies to one nationality on one day. */
struct policy_match {
	enum policy_source		 source;
	char				 nationality[POLICY_CODE_MAX + 1];
	const struct policy_rule	*rule;	/* NULL for a citizen */
};

/*
 * Loads and validates a policy file. Every problem is printed to errfp
 * (may be NULL) as "file:line: message". Returns 0 and a heap policy in
 * *out, ERR_IO (unreadable), ERR_INVAL (problems) or ERR_NOMEM; *out is
 * untouched on failure.
 */
int	policy_load(struct policy **out, const char *path, FILE *errfp);
/* The same from memory; name stands for the path in messages. */
int	policy_load_buf(struct policy **out, const char *name,
	    const uint8_t *p, size_t len, FILE *errfp);
void	policy_free(struct policy *p);

/*
 * The rule for a nationality code on a civil day: a citizen; else the
 * nationality's own rule in effect that day; else the rule in effect of a
 * group it belongs to; else the default. The code is as read from an MRZ,
 * trailing fillers allowed ("D<<" is "D"). Returns 0, or ERR_PARSE if nat
 * is not 1..3 capital letters, ERR_RANGE if *on is not a calendar date.
 */
int	policy_rule_for(const struct policy *p, const char *nat,
	    const struct date *on, struct policy_match *out);

/*
 * One line for a reason, as "EAEU 90/180 from 2015-01-01",
 * "CHN 90/180, 30 per entry from 2023-11-10", "default: visa required",
 * "citizen (KAZ): no stay rules". ERR_RANGE if bufsz is short
 * (POLICY_DESC_MAX is always enough).
 */
int	policy_describe(const struct policy_match *m, char *buf,
	    size_t bufsz);

/*
 * Nationality codes. policy_code_parse() writes the code in s[0..len) with
 * trailing '<' removed to out: ERR_PARSE unless that is 1..3 of A-Z.
 * policy_code_known() is 1 for a code of ISO 3166-1 alpha-3 or an ICAO Doc
 * 9303 Part 3 code ("D", "XXA", "UNO", ...), else 0.
 */
int	policy_code_parse(char out[POLICY_CODE_MAX + 1], const char *s,
	    size_t len);
int	policy_code_known(const char *code);

/* "visa", "work_permit", "residence_permit", "refugee", "asylum",
 * "repatriate"; policy_permit_parse() is the reverse (ERR_PARSE). */
const char	*policy_permit_name(enum policy_permit_kind kind);
int	policy_permit_parse(const char *s, enum policy_permit_kind *out);
/* "citizen", "nationality", "group", "default". */
const char	*policy_source_name(enum policy_source source);
/* "permit", "unlimited". */
const char	*policy_stay_name(enum policy_stay stay);

#endif
