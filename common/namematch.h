/* namematch.h - does a traveller's name, birth date and nationality (from
 * an MRZ, usually) belong to a person on a watchlist (typed by a registry
 * operator, in any alphabet)? Scores a pair 0..1 and says what matched;
 * gives the blocking keys a post indexes person alerts on, so that a lane
 * check scores a handful of candidates, not the whole list. The rules, the
 * labelled evaluation set and the threshold are in docs/namematch.md. */
#ifndef SHEKARA_NAMEMATCH_H
#define SHEKARA_NAMEMATCH_H

#include <stddef.h>
#include <stdint.h>

/*
 * The score at and above which a pair is a match. Chosen with
 * build/bin/namematcheval over tests/data/namematch/pairs.jsonl: the
 * highest recall whose precision is at least 0.995, and the middle of the
 * thresholds that give it (docs/namematch.md, "Choosing the threshold").
 */
#define NAMEMATCH_DEFAULT_THRESHOLD	0.75

#define NAMEMATCH_FIELD_MAX	256	/* bytes of UTF-8 in one name field */
#define NAMEMATCH_WORD_MAX	64	/* letters of one word (the surname:
					 * all its words joined) */
#define NAMEMATCH_GIVEN_MAX	6	/* given-name words */
#define NAMEMATCH_WHY_MAX	320	/* bytes of namematch_result.why */
#define NAMEMATCH_MSG_MAX	192	/* bytes of namematch_err.msg */
#define NAMEMATCH_LINE_MAX	65536	/* bytes of one JSON line */
#define NAMEMATCH_ID_MAX	256	/* bytes of a line's "id", as JSON */

/* How much of a birth date is known. */
enum namematch_prec {
	NAMEMATCH_DATE_NONE = 0,	/* unknown */
	NAMEMATCH_DATE_YEAR,		/* "YYYY" */
	NAMEMATCH_DATE_MONTH,		/* "YYYY-MM" */
	NAMEMATCH_DATE_DAY		/* "YYYY-MM-DD" */
};

/* One name word: as transliterated, and in the spelling-neutral form the
 * comparison uses (docs/namematch.md, "Canonical form"). */
struct namematch_word {
	char	raw[NAMEMATCH_WORD_MAX + 1];	/* A-Z */
	char	canon[NAMEMATCH_WORD_MAX + 1];
	uint8_t	rawlen;
	uint8_t	canonlen;
	int16_t	known;		/* line of the table of given names that
				 * holds it, -1 if none */
};

/* A person ready to compare; filled by namematch_parse(). */
struct namematch_person {
	struct namematch_word	surname;	/* every surname word, joined */
	struct namematch_word	given[NAMEMATCH_GIVEN_MAX];
	size_t			ngiven;
	size_t			mrzlen;		/* length of the name as an MRZ
						 * writes it, SURNAME<<GIVEN<NAMES;
						 * its last word may have been cut
						 * if that fills a name field */
	enum namematch_prec	birth_prec;
	int			birth_year;	/* 0 when unknown */
	int			birth_month;	/* 0 when unknown */
	int			birth_day;	/* 0 when unknown */
	char			nationality[4];	/* "" when unknown */
};

/* The fields of a person as received, each (ptr, len), UTF-8 with no NUL
 * needed. A NULL pointer means absent: allowed for all but the surname. */
struct namematch_input {
	const char	*surname;
	size_t		 surname_len;
	const char	*given_names;
	size_t		 given_names_len;
	const char	*birth_date;	/* "YYYY-MM-DD", "YYYY-MM", "YYYY", "" */
	size_t		 birth_date_len;
	const char	*nationality;	/* ICAO code, e.g. "KAZ" or "D<<"; "" */
	size_t		 nationality_len;
};

/* What was wrong, when a parse fails. */
struct namematch_err {
	char	field[32];	/* "surname", "watchlist.birth_date", ... */
	char	msg[NAMEMATCH_MSG_MAX];
};

/* What matched; bits of namematch_result.what. */
#define NAMEMATCH_NAME		0x0001	/* the names agree (some way) */
#define NAMEMATCH_TRANSLIT	0x0002	/* spelt differently: scheme, habit */
#define NAMEMATCH_TRUNCATED	0x0004	/* a word cut short (MRZ length) */
#define NAMEMATCH_TYPO		0x0008	/* one typing error */
#define NAMEMATCH_INITIAL	0x0010	/* a given name as its initial */
#define NAMEMATCH_SWAPPED	0x0020	/* surname and given name swapped */
#define NAMEMATCH_ONE_SIDED	0x0040	/* a patronymic or second given name
					 * on one side only */
#define NAMEMATCH_NO_GIVEN	0x0080	/* given names on one side only */
#define NAMEMATCH_GENDER	0x0100	/* a name differs only in its gender
					 * form (IVANOV, IVANOVA): no match */
#define NAMEMATCH_SECOND_DIFFERS 0x0200	/* second given names (patronymics)
					 * disagree */
#define NAMEMATCH_BIRTH		0x0400	/* birth dates agree as far as known */
#define NAMEMATCH_BIRTH_SWAPPED	0x0800	/* day and month swapped */
#define NAMEMATCH_BIRTH_PARTIAL	0x1000	/* agree on year (and month) only */
#define NAMEMATCH_BIRTH_UNKNOWN	0x2000	/* a side has no birth date */
#define NAMEMATCH_BIRTH_DIFFERS	0x4000
#define NAMEMATCH_NAT_DIFFERS	0x8000	/* both nationalities known, unequal */

struct namematch_result {
	double		score;	/* 0..1, rounded to 3 decimals */
	unsigned int	what;	/* NAMEMATCH_* bits */
	char		why[NAMEMATCH_WHY_MAX];	/* "surname ~ (transliteration),
						 * given name =, birth date =" */
};

/*
 * The prepared form: a parsed person (transliterated, canonical, its given
 * names looked up in the name table) packed into at most NAMEMATCH_PACK_MAX
 * bytes, so that a store can keep it and a lane check score a candidate
 * without reading it again. namematch_unpack(namematch_pack(p)) is p, and
 * scores exactly as p does. The form belongs to this version of the rules:
 * a store must prepare its persons again when they change (the registry's
 * key name, checkpoint/decide.h).
 */
#define NAMEMATCH_PACK_MAX	(12 + (1 + NAMEMATCH_GIVEN_MAX) * \
				    (2 * NAMEMATCH_WORD_MAX + 4))

/* Writes p to buf[0..bufsz) and its length to *len: 0, or ERR_RANGE if
 * bufsz is short (NAMEMATCH_PACK_MAX is always enough). */
int	namematch_pack(const struct namematch_person *p, uint8_t *buf,
	    size_t bufsz, size_t *len);
/* Reads a packed person, checking every length and letter: 0, or
 * ERR_PARSE (damaged: *out untouched). */
int	namematch_unpack(struct namematch_person *out, const uint8_t *p,
	    size_t len);

/*
 * The highest score namematch_score(w, t, ...) can give, from the birth
 * dates and nationalities alone: names can only lower it. A candidate
 * whose bound is under the threshold needs no scoring. The packed form
 * reads only the head of a packed w: 0, or ERR_PARSE.
 */
double	namematch_bound(const struct namematch_person *w,
	    const struct namematch_person *t);
int	namematch_packed_bound(const uint8_t *p, size_t len,
	    const struct namematch_person *t, double *bound);

/*
 * Blocking keys: "SKEL:YYYY:Fc", "SKEL:YYYY:Lc" or "SKEL:YYYY:-". SKEL is
 * the skeleton of a name word: the class of its first letter, then up to
 * three classes of consonants that no spelling scheme tells apart (IVANOV
 * "IVNV", SHEVCHENKO and SCHEWTSCHENKO "SVCN"). YYYY is the birth year
 * ("0000" unknown), c the class of the first (F) or last (L) consonant of
 * the other name word, "-" no other word. With prefix set, each key is a
 * prefix ("SKEL:" or "SKEL:YYYY:") standing for every key that starts
 * with it.
 */
#define NAMEMATCH_KEY_MAX	16	/* bytes of one key, NUL included */
#define NAMEMATCH_KEYS_MAX	10	/* keys of one person */

struct namematch_keys {
	size_t	n;
	int	prefix;
	char	key[NAMEMATCH_KEYS_MAX][NAMEMATCH_KEY_MAX];
};

/*
 * Reads one person: each name field is transliterated (common/translit.h,
 * in the column of the nationality's language; '<' counts as a space) and
 * brought to its canonical form; the birth date and nationality are
 * checked. Returns 0; ERR_INVAL with err filled for a missing or empty
 * surname, a character that is no letter, more than NAMEMATCH_GIVEN_MAX
 * given names or a word over NAMEMATCH_WORD_MAX letters, a bad nationality;
 * ERR_PARSE for invalid UTF-8 or a birth date of the wrong shape; ERR_RANGE
 * for a date that does not exist; ERR_TOOBIG for a field over
 * NAMEMATCH_FIELD_MAX bytes. On failure *out is untouched. err may be NULL.
 */
int	namematch_parse(struct namematch_person *out,
	    const struct namematch_input *in, struct namematch_err *err);

/* Scores the traveller t against the watchlist person w: res->score, and
 * what matched as bits in res->what and as text in res->why. */
void	namematch_score(const struct namematch_person *w,
	    const struct namematch_person *t, struct namematch_result *res);

/*
 * The keys to index a watchlist person under: its surname with the first
 * and with the last consonant of its first given name, and that given
 * name with the first and the last consonant of the surname, each with
 * the birth year; or the surname alone. A traveller who matches the person
 * shares a key with namematch_query_keys(), swapped names included, unless
 * two things changed the start of one word and an end of the other (a
 * typing error and a cut, an initial or another language's form: OLGA,
 * VOLHA); docs/namematch.md, "Blocking". Returns 0.
 */
int	namematch_key(const struct namematch_person *p,
	    struct namematch_keys *out);

/*
 * The keys to look up for a traveller: its words paired as above, with its
 * birth year and with "0000", and its surname with "-". A traveller with
 * no given names, or no birth date, gets prefix keys. Returns 0.
 */
int	namematch_query_keys(const struct namematch_person *p,
	    struct namematch_keys *out);

/*
 * One line of `checkpointctl namematch` input, JSON:
 *   {"id": "x1", "watchlist": {"surname": "...", "given_names": "...",
 *    "birth_date": "1980-05-01", "nationality": "KAZ"}, "traveller": {...}}
 * "id" is a string or an integer; given_names, birth_date and nationality
 * may be null or left out; person objects take no other keys. Other keys
 * at the top level are ignored, except "label" (true or false, the answer
 * an evaluation set expects) and "variation" (a string naming what the
 * pair tests), which are kept.
 */
struct namematch_line {
	char			id[NAMEMATCH_ID_MAX];	/* its JSON text */
	int			label;		/* -1 none, 0 false, 1 true */
	char			variation[64];	/* "" if none */
	struct namematch_person	watch;
	struct namematch_person	trav;
};

/* Reads p[0..len). Returns 0, or ERR_PARSE / ERR_INVAL / ERR_RANGE /
 * ERR_TOOBIG / ERR_NOMEM with err->field naming the member
 * ("watchlist.birth_date", "" for the line) and err->msg saying what is
 * wrong. On failure *out is untouched. err may be NULL. */
int	namematch_parse_line(struct namematch_line *out, const char *p,
	    size_t len, struct namematch_err *err);

#endif
