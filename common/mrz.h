/* mrz.h - read, check and compose ICAO Doc 9303 machine-readable zones:
 * TD1 (3 x 30), TD2 (2 x 36), TD3 (2 x 44), MRV-A (2 x 44), MRV-B (2 x 36).
 * Owns struct mrz and the 7-3-1 check digits; knows nothing of where the
 * text came from. No allocation, no logging, no personal data in messages.
 * The rules and decisions are in docs/mrz.md. */
#ifndef SHEKARA_MRZ_H
#define SHEKARA_MRZ_H

#include <stddef.h>

#include "date.h"

enum mrz_format {
	MRZ_NONE = 0,		/* the lines fit no format */
	MRZ_TD1,
	MRZ_TD2,
	MRZ_TD3,
	MRZ_MRVA,
	MRZ_MRVB
};

#define MRZ_TEXT_MAX	1024	/* longer text is refused unread */
#define MRZ_LINE_MAX	44	/* the longest MRZ line */
#define MRZ_NUMBER_MAX	24	/* MRV-A: 9, and 15 in the optional data */
#define MRZ_NAME_MAX	128	/* compose input; a parsed name is <= 39 */
#define MRZ_OPT_MAX	16	/* MRV-A's optional data, the longest */
#define MRZ_OPT2_MAX	11	/* TD1 line 2 */
#define MRZ_ERR_MAX	32
#define MRZ_WARN_MAX	8
#define MRZ_MSG_MAX	200
/* Lines joined by '\n' and a NUL: the largest composed MRZ. */
#define MRZ_COMPOSED_MAX	(3 * 31)

/*
 * One problem. field is the JSON key of the field it concerns
 * ("document_number", "birth_date", ...; "composite" for the composite
 * check digit, "format" for the layout); code is its kind ("layout",
 * "character", "check_digit", "date", "missing", "form", "name",
 * "lowercase", "truncated", ...). line and column are 1-based positions in
 * the MRZ (0 when the problem is not at one place). field and code point
 * to static strings.
 */
struct mrz_problem {
	const char	*field;
	const char	*code;
	int		 line;
	int		 column;
	char		 message[MRZ_MSG_MAX];
};

struct mrz_report {
	size_t			nerr;
	size_t			nwarn;
	size_t			dropped;	/* problems past the caps */
	struct mrz_problem	err[MRZ_ERR_MAX];
	struct mrz_problem	warn[MRZ_WARN_MAX];
};

/*
 * A document. mrz_parse() fills every field; mrz_compose() reads those
 * marked "in" and ignores the rest. Strings are NUL-terminated, upper
 * case, fillers removed unless said otherwise. A parsed field holding a
 * byte outside printable ASCII shows it as '?'.
 */
struct mrz {
	enum mrz_format	format;				/* in */
	int		valid;		/* no errors (warnings allowed) */
	char		document_code[3];	/* in: "P", "ID", "V" */
	char		issuing_state[4];	/* in */
	char		nationality[4];		/* in */
	char		number[MRZ_NUMBER_MAX + 1];	/* in: the whole */
	char		birth_date[7];	/* in: YYMMDD as printed, '<' unknown */
	char		expiry_date[7];	/* in: YYMMDD */
	struct date	birth;		/* resolved when birth_known */
	struct date	expiry;		/* resolved when expiry_known */
	int		birth_known;
	int		expiry_known;
	char		sex;		/* in: 'M', 'F' or 'X' */
	char		surname[MRZ_NAME_MAX + 1];	/* in: words, 1 space */
	char		given_names[MRZ_NAME_MAX + 1];	/* in: "" if none */
	/*
	 * in: the optional data as printed, fillers inside kept as '<',
	 * trailing fillers removed: TD3 the personal number; TD1 line 1's
	 * field and TD2/MRV's after a long number's continuation.
	 */
	char		optional1[MRZ_OPT_MAX + 1];
	char		optional2[MRZ_OPT2_MAX + 1];	/* in: TD1 line 2 */
	/* in: TD3 with no personal number printed '<' as its check digit */
	int		optional_check_filler;
	struct mrz_report report;
};

/*
 * Reads the MRZ in text (len bytes, no NUL needed): lines end in LF, CR LF
 * or CR; trailing spaces and tabs and empty lines are ignored; lowercase is
 * read as upper case with a warning. today (NULL, or not a real date: the
 * current UTC date) resolves two-digit years. Reports every problem in
 * m->report. Returns 0 if the document is valid, ERR_INVAL if it is not (m
 * filled all the same).
 */
int	mrz_parse(struct mrz *m, const char *text, size_t len,
	    const struct date *today);

/*
 * Writes the MRZ of m's "in" fields to buf: lines joined by '\n', no
 * newline after the last, NUL-terminated; *outlen (may be NULL) gets the
 * length. Names that do not fit are truncated as Doc 9303 Part 3 allows; a
 * number longer than 9 continues in the optional data (TD1, TD2, MRV).
 * Returns ERR_INVAL, with every problem in rep (may be NULL), for fields
 * that cannot be written, ERR_TOOBIG if bufsz is short; buf is then
 * untouched.
 */
int	mrz_compose(const struct mrz *m, char *buf, size_t bufsz,
	    size_t *outlen, struct mrz_report *rep);

/* The 7-3-1 check digit of s[0..len): 0..9, or -1 for a non-MRZ char. */
int	mrz_check_digit(const char *s, size_t len);
/* "TD1", "TD2", "TD3", "MRVA", "MRVB"; NULL for MRZ_NONE. */
const char	*mrz_format_name(enum mrz_format f);
/* The reverse of mrz_format_name ("MRV-A" too); ERR_PARSE otherwise. */
int	mrz_format_parse(const char *s, enum mrz_format *out);
/* The optional data with every filler removed (TD1: line 1's, then line
 * 2's). ERR_RANGE if bufsz is short (32 is always enough). */
int	mrz_optional_data(const struct mrz *m, char *buf, size_t bufsz);

#endif
