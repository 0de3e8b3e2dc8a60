/* mrz.c - ICAO Doc 9303 machine-readable zones: read every format, check
 * every field and check digit, report every problem with its place, and
 * compose a zone from fields. Positions come from one table per format
 * (Part 4 TD3, Part 5 TD1, Part 6 TD2, Part 7 MRV-A and MRV-B). Nothing
 * here allocates or logs, and no message quotes a field's contents. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "err.h"
#include "mrz.h"

#define MRZ_EXPIRY_AHEAD	49	/* expiry years resolve into */
#define MRZ_EXPIRY_BEHIND	50	/* [today - 50, today + 49] */
#define MRZ_EXPIRY_WARN_YEARS	20	/* further ahead: a warning */

struct mrz_pos {
	unsigned char	line;	/* 0-based */
	unsigned char	col;	/* 0-based */
	unsigned char	len;	/* 0: the format has no such field */
};

struct mrz_layout {
	enum mrz_format	format;
	int		nlines;
	int		width;
	int		long_number;	/* may continue in opt1 */
	struct mrz_pos	code, state, name, number, number_cd, nat, birth,
			birth_cd, sex, expiry, expiry_cd, opt1, opt1_cd, opt2,
			composite;
	struct mrz_pos	comp[4];	/* what the composite covers */
	int		ncomp;
};

static const struct mrz_layout mrz_layouts[] = {
	{	/* Doc 9303 Part 5, 4.2.2 */
		.format = MRZ_TD1, .nlines = 3, .width = 30,
		.long_number = 1,
		.code = { 0, 0, 2 }, .state = { 0, 2, 3 },
		.number = { 0, 5, 9 }, .number_cd = { 0, 14, 1 },
		.opt1 = { 0, 15, 15 },
		.birth = { 1, 0, 6 }, .birth_cd = { 1, 6, 1 },
		.sex = { 1, 7, 1 }, .expiry = { 1, 8, 6 },
		.expiry_cd = { 1, 14, 1 }, .nat = { 1, 15, 3 },
		.opt2 = { 1, 18, 11 }, .composite = { 1, 29, 1 },
		.name = { 2, 0, 30 },
		.comp = { { 0, 5, 25 }, { 1, 0, 7 }, { 1, 8, 7 },
		    { 1, 18, 11 } }, .ncomp = 4,
	},
	{	/* Doc 9303 Part 6, 4.2.2 */
		.format = MRZ_TD2, .nlines = 2, .width = 36,
		.long_number = 1,
		.code = { 0, 0, 2 }, .state = { 0, 2, 3 },
		.name = { 0, 5, 31 },
		.number = { 1, 0, 9 }, .number_cd = { 1, 9, 1 },
		.nat = { 1, 10, 3 }, .birth = { 1, 13, 6 },
		.birth_cd = { 1, 19, 1 }, .sex = { 1, 20, 1 },
		.expiry = { 1, 21, 6 }, .expiry_cd = { 1, 27, 1 },
		.opt1 = { 1, 28, 7 }, .composite = { 1, 35, 1 },
		.comp = { { 1, 0, 10 }, { 1, 13, 7 }, { 1, 21, 14 } },
		.ncomp = 3,
	},
	{	/* Doc 9303 Part 4, 4.2.2 */
		.format = MRZ_TD3, .nlines = 2, .width = 44,
		.long_number = 0,
		.code = { 0, 0, 2 }, .state = { 0, 2, 3 },
		.name = { 0, 5, 39 },
		.number = { 1, 0, 9 }, .number_cd = { 1, 9, 1 },
		.nat = { 1, 10, 3 }, .birth = { 1, 13, 6 },
		.birth_cd = { 1, 19, 1 }, .sex = { 1, 20, 1 },
		.expiry = { 1, 21, 6 }, .expiry_cd = { 1, 27, 1 },
		.opt1 = { 1, 28, 14 }, .opt1_cd = { 1, 42, 1 },
		.composite = { 1, 43, 1 },
		.comp = { { 1, 0, 10 }, { 1, 13, 7 }, { 1, 21, 22 } },
		.ncomp = 3,
	},
	{	/* Doc 9303 Part 7, 4.2.2 (format A) */
		.format = MRZ_MRVA, .nlines = 2, .width = 44,
		.long_number = 1,
		.code = { 0, 0, 2 }, .state = { 0, 2, 3 },
		.name = { 0, 5, 39 },
		.number = { 1, 0, 9 }, .number_cd = { 1, 9, 1 },
		.nat = { 1, 10, 3 }, .birth = { 1, 13, 6 },
		.birth_cd = { 1, 19, 1 }, .sex = { 1, 20, 1 },
		.expiry = { 1, 21, 6 }, .expiry_cd = { 1, 27, 1 },
		.opt1 = { 1, 28, 16 },
	},
	{	/* Doc 9303 Part 7, 4.2.2 (format B) */
		.format = MRZ_MRVB, .nlines = 2, .width = 36,
		.long_number = 1,
		.code = { 0, 0, 2 }, .state = { 0, 2, 3 },
		.name = { 0, 5, 31 },
		.number = { 1, 0, 9 }, .number_cd = { 1, 9, 1 },
		.nat = { 1, 10, 3 }, .birth = { 1, 13, 6 },
		.birth_cd = { 1, 19, 1 }, .sex = { 1, 20, 1 },
		.expiry = { 1, 21, 6 }, .expiry_cd = { 1, 27, 1 },
		.opt1 = { 1, 28, 8 },
	},
};

/* What a field may hold. */
enum mrz_kind {
	K_ALPHA,	/* A-Z and < */
	K_DIGIT,	/* 0-9 */
	K_DIGITF,	/* 0-9 and < (a birth date's unknown part) */
	K_ALNUM		/* A-Z, 0-9 and < */
};

/* Common OCR confusions between a letter and a digit. */
static const struct {
	char	letter;
	char	digit;
} mrz_confusions[] = {
	{ 'O', '0' }, { 'Q', '0' }, { 'D', '0' }, { 'I', '1' }, { 'L', '1' },
	{ 'Z', '2' }, { 'S', '5' }, { 'G', '6' }, { 'B', '8' },
};

struct mrz_ctx {
	struct mrz		*m;
	struct mrz_report	*r;
	const struct mrz_layout	*L;
	struct date		 today;
	size_t			 opt_start;	/* opt1 after a number */
	int			 expiry_form;	/* 6 digits */
	int			 birth_known;	/* digits before fillers */
	char			 ln[3][MRZ_LINE_MAX];	/* capitals */
	const unsigned char	*raw[3];	/* the lines as received */
};

#define AT(c, p)	(&(c)->ln[(p).line][(p).col])
#define AT_LN(ln, p)	(&(ln)[(p).line][(p).col])

/* How mrz_cd() treats a field's data. */
#define CD_DIGITS	0x1	/* the data are digits (a date) */
#define CD_HINT		0x2	/* suggest an O/0 reading on mismatch */

static int
mrz_is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
mrz_is_upper(int ch)
{
	return ch >= 'A' && ch <= 'Z';
}

/* Character classes, and each MRZ character's value plus one (0: not an
 * MRZ character), for the hot loops. */
#define C_UPPER		0x1
#define C_DIGIT		0x2
#define C_FILLER	0x4

static const unsigned char mrz_class[256] = {
	['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT,
	['4'] = C_DIGIT, ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT,
	['8'] = C_DIGIT, ['9'] = C_DIGIT, ['<'] = C_FILLER,
	['A'] = C_UPPER, ['B'] = C_UPPER, ['C'] = C_UPPER, ['D'] = C_UPPER,
	['E'] = C_UPPER, ['F'] = C_UPPER, ['G'] = C_UPPER, ['H'] = C_UPPER,
	['I'] = C_UPPER, ['J'] = C_UPPER, ['K'] = C_UPPER, ['L'] = C_UPPER,
	['M'] = C_UPPER, ['N'] = C_UPPER, ['O'] = C_UPPER, ['P'] = C_UPPER,
	['Q'] = C_UPPER, ['R'] = C_UPPER, ['S'] = C_UPPER, ['T'] = C_UPPER,
	['U'] = C_UPPER, ['V'] = C_UPPER, ['W'] = C_UPPER, ['X'] = C_UPPER,
	['Y'] = C_UPPER, ['Z'] = C_UPPER,
};

static const unsigned char mrz_val1[256] = {
	['<'] = 1, ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16, ['G'] = 17, ['H'] = 18, ['I'] = 19, ['J'] = 20,
	['K'] = 21, ['L'] = 22, ['M'] = 23, ['N'] = 24, ['O'] = 25,
	['P'] = 26, ['Q'] = 27, ['R'] = 28, ['S'] = 29, ['T'] = 30,
	['U'] = 31, ['V'] = 32, ['W'] = 33, ['X'] = 34, ['Y'] = 35,
	['Z'] = 36,
};

int
mrz_check_digit(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i;
	int			 a, b, d, sum = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		a = mrz_val1[u[i]];
		b = mrz_val1[u[i + 1]];
		d = mrz_val1[u[i + 2]];
		if (a == 0 || b == 0 || d == 0)
			return -1;
		sum += 7 * (a - 1) + 3 * (b - 1) + (d - 1);
	}
	if (i < len) {
		if ((a = mrz_val1[u[i]]) == 0)
			return -1;
		sum += 7 * (a - 1);
		if (i + 1 < len) {
			if ((b = mrz_val1[u[i + 1]]) == 0)
				return -1;
			sum += 3 * (b - 1);
		}
	}
	return sum % 10;
}

const char *
mrz_format_name(enum mrz_format f)
{
	switch (f) {
	case MRZ_TD1:
		return "TD1";
	case MRZ_TD2:
		return "TD2";
	case MRZ_TD3:
		return "TD3";
	case MRZ_MRVA:
		return "MRVA";
	case MRZ_MRVB:
		return "MRVB";
	case MRZ_NONE:
		break;
	}
	return NULL;
}

int
mrz_format_parse(const char *s, enum mrz_format *out)
{
	static const struct {
		const char	*name;
		enum mrz_format	 f;
	} t[] = {
		{ "TD1", MRZ_TD1 }, { "TD2", MRZ_TD2 }, { "TD3", MRZ_TD3 },
		{ "MRVA", MRZ_MRVA }, { "MRVB", MRZ_MRVB },
		{ "MRV-A", MRZ_MRVA }, { "MRV-B", MRZ_MRVB },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].f;
			return 0;
		}
	}
	return ERR_PARSE;
}

static const struct mrz_layout *
mrz_layout(enum mrz_format f)
{
	size_t	i;

	for (i = 0; i < sizeof(mrz_layouts) / sizeof(mrz_layouts[0]); i++)
		if (mrz_layouts[i].format == f)
			return &mrz_layouts[i];
	return NULL;
}

static void	mrz_vadd(struct mrz_report *, int, const char *, const char *,
		    int, int, const char *, va_list)
		    __attribute__((format(printf, 7, 0)));

static void
mrz_vadd(struct mrz_report *r, int warn, const char *field, const char *code,
    int line, int column, const char *fmt, va_list ap)
{
	struct mrz_problem	*p;

	if (warn ? r->nwarn >= MRZ_WARN_MAX : r->nerr >= MRZ_ERR_MAX) {
		r->dropped++;
		return;
	}
	p = warn ? &r->warn[r->nwarn++] : &r->err[r->nerr++];
	p->field = field;
	p->code = code;
	p->line = line;
	p->column = column;
	/* Messages are written to fit; a longer one is cut, not lost. */
	(void)vsnprintf(p->message, sizeof(p->message), fmt, ap);
}

static void
mrz_err(struct mrz_report *r, const char *field, const char *code, int line,
    int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void
mrz_warn(struct mrz_report *r, const char *field, const char *code, int line,
    int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
mrz_err(struct mrz_report *r, const char *field, const char *code, int line,
    int column, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	mrz_vadd(r, 0, field, code, line, column, fmt, ap);
	va_end(ap);
}

static void
mrz_warn(struct mrz_report *r, const char *field, const char *code, int line,
    int column, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	mrz_vadd(r, 1, field, code, line, column, fmt, ap);
	va_end(ap);
}

/* Appends to the last error's message (a hint found later). */
static void
mrz_err_append(struct mrz_report *r, const char *s)
{
	struct mrz_problem	*p;
	size_t			 n;

	if (r->nerr == 0)
		return;
	p = &r->err[r->nerr - 1];
	n = strlen(p->message);
	(void)snprintf(p->message + n, sizeof(p->message) - n, "%s", s);
}

static const unsigned char mrz_kind_mask[] = {
	[K_ALPHA] = C_UPPER | C_FILLER,
	[K_DIGIT] = C_DIGIT,
	[K_DIGITF] = C_DIGIT | C_FILLER,
	[K_ALNUM] = C_UPPER | C_DIGIT | C_FILLER,
};

static int
mrz_fits(int ch, enum mrz_kind k)
{
	return (mrz_class[ch & 0xff] & mrz_kind_mask[k]) != 0;
}

/* The character an OCR engine may have misread as ch, when ch is of the
 * wrong class (a letter where a digit belongs, or the reverse); 0 if none. */
static int
mrz_confusion(int ch, int want_digit)
{
	size_t	i;

	for (i = 0; i < sizeof(mrz_confusions) / sizeof(mrz_confusions[0]);
	    i++) {
		if (want_digit && ch == mrz_confusions[i].letter)
			return mrz_confusions[i].digit;
		if (!want_digit && ch == mrz_confusions[i].digit)
			return mrz_confusions[i].letter;
	}
	return 0;
}

/* How a character is shown in a message: 'o', a space, byte 0xC3. */
static void
mrz_show(unsigned char raw, char *buf, size_t bufsz)
{
	if (raw == ' ')
		(void)snprintf(buf, bufsz, "a space");
	else if (raw == '\t')
		(void)snprintf(buf, bufsz, "a tab");
	else if (raw > 0x20 && raw < 0x7f)
		(void)snprintf(buf, bufsz, "'%c'", raw);
	else
		(void)snprintf(buf, bufsz, "byte 0x%02X", raw);
}

static const char *
mrz_kind_text(enum mrz_kind k)
{
	switch (k) {
	case K_ALPHA:
		return "only letters and the filler <";
	case K_DIGIT:
		return "only digits";
	case K_DIGITF:
		return "only digits (fillers only for an unknown part)";
	case K_ALNUM:
		break;
	}
	return "only letters, digits and the filler <";
}

/*
 * Checks the characters of p (from offset off) against kind and reports
 * the first that does not fit, with an OCR hint and how many more there
 * are, as one error. Returns 1 if all fit.
 */
static int
mrz_chars(struct mrz_ctx *c, const char *field, const char *what,
    struct mrz_pos p, size_t off, enum mrz_kind k)
{
	const char	*s = AT(c, p);
	char		 shown[16], hint[96], more[64];
	size_t		 i, first = 0, bad = 0;
	unsigned char	 mask = mrz_kind_mask[k];
	int		 ch, alt;

	for (i = off; i < p.len; i++) {
		if ((mrz_class[(unsigned char)s[i]] & mask) == 0 &&
		    bad++ == 0)
			first = i;
	}
	if (bad == 0)
		return 1;
	ch = (unsigned char)s[first];
	mrz_show(c->raw[p.line][p.col + first], shown, sizeof(shown));
	hint[0] = '\0';
	alt = k == K_ALNUM ? 0 : mrz_confusion(ch, k != K_ALPHA);
	if (alt != 0)
		(void)snprintf(hint, sizeof(hint), "; the printed character "
		    "may be %c, which scanners can misread as %c", alt, ch);
	more[0] = '\0';
	if (bad > 1)
		(void)snprintf(more, sizeof(more), "; %zu more character%s "
		    "here do%s not fit either", bad - 1, bad > 2 ? "s" : "",
		    bad > 2 ? "" : "es");
	mrz_err(c->r, field, "character", p.line + 1, p.col + (int)first + 1,
	    "%s is not allowed in the %s, which has %s%s%s", shown, what,
	    mrz_kind_text(k), hint, more);
	return 0;
}

/* The characters the composite check digit covers (0 if the format has
 * no composite); with their lines and columns unless those are NULL. */
static size_t
mrz_comp_buf(struct mrz_ctx *c, char *buf, int *lines, int *cols)
{
	const struct mrz_layout	*L = c->L;
	size_t			 n = 0, k;
	int			 i;

	for (i = 0; i < L->ncomp; i++) {
		memcpy(buf + n, AT(c, L->comp[i]), L->comp[i].len);
		for (k = 0; lines != NULL && k < L->comp[i].len; k++) {
			lines[n + k] = L->comp[i].line;
			cols[n + k] = L->comp[i].col + (int)k;
		}
		n += L->comp[i].len;
	}
	return n;
}

/* 1 if the composite check digit would match with ch at (line, col). */
static int
mrz_comp_would_match(struct mrz_ctx *c, int line, int col, char ch)
{
	char	buf[64];
	int	lines[64], cols[64], cd;
	size_t	i, n;

	if (c->L->composite.len == 0)
		return 0;
	cd = (unsigned char)*AT(c, c->L->composite);
	n = mrz_comp_buf(c, buf, lines, cols);
	for (i = 0; i < n; i++)
		if (lines[i] == line && cols[i] == col)
			buf[i] = ch;
	return mrz_is_digit(cd) && mrz_check_digit(buf, n) == cd - '0';
}

/*
 * The check digit at cdp against the one computed over buf[0..n), whose
 * characters sit at columns cols[] of line cdp.line (cols NULL: from
 * column col0 on, one after another). chars_ok says the
 * data fit their class; if not, the error just reported gets a hint when
 * reading the confused characters the other way makes the digit match.
 */
static void
mrz_cd(struct mrz_ctx *c, const char *field, const char *what,
    const char *buf, size_t n, const int *cols, int col0,
    struct mrz_pos cdp, int chars_ok, int flags)
{
	char	tmp[MRZ_NUMBER_MAX + MRZ_LINE_MAX];
	char	hint[128], cdwhat[96];
	size_t	i;
	int	cd, want, got, alt, col, want_digit = flags & CD_DIGITS;

	cd = (unsigned char)*AT(c, cdp);
	if (!mrz_is_digit(cd)) {
		(void)snprintf(cdwhat, sizeof(cdwhat), "check digit of the %s",
		    what);
		if (!mrz_chars(c, field, cdwhat, cdp, 0, K_DIGIT) &&
		    (alt = mrz_confusion(cd, 1)) != 0 &&
		    mrz_check_digit(buf, n) == alt - '0')
			mrz_err_append(c->r, "; read that way it matches");
		return;
	}
	want = cd - '0';
	if (n > sizeof(tmp))
		return;
	if (!chars_ok) {
		if (!want_digit)
			return;
		/* Read each letter in the date as the digit it may be. */
		memcpy(tmp, buf, n);
		for (i = 0; i < n; i++) {
			alt = mrz_confusion((unsigned char)tmp[i], 1);
			if (alt != 0)
				tmp[i] = (char)alt;
		}
		if (mrz_check_digit(tmp, n) == want)
			mrz_err_append(c->r, "; read that way, the check digit "
			    "matches");
		return;
	}
	if ((got = mrz_check_digit(buf, n)) < 0 || got == want)
		return;
	hint[0] = '\0';
	memcpy(tmp, buf, n);
	for (i = 0; i < n && (flags & CD_HINT); i++) {
		alt = mrz_confusion((unsigned char)buf[i], 1);
		if (alt == 0)
			alt = mrz_confusion((unsigned char)buf[i], 0);
		if (alt == 0)
			continue;
		tmp[i] = (char)alt;
		col = cols != NULL ? cols[i] : col0 + (int)i;
		/* The composite must agree: one digit alone is a 1 in 10
		 * chance, too weak to suggest anything to an officer. */
		if (mrz_check_digit(tmp, n) == want &&
		    mrz_comp_would_match(c, cdp.line, col, (char)alt)) {
			(void)snprintf(hint, sizeof(hint), "; reading the %c "
			    "at column %d as %c makes this and the composite "
			    "check digit match: compare with the printed page",
			    buf[i], col + 1, alt);
			break;
		}
		tmp[i] = buf[i];
	}
	mrz_err(c->r, field, "check_digit", cdp.line + 1, cdp.col + 1,
	    "the check digit of the %s does not match: printed %d, computed "
	    "%d%s", what, want, got, hint);
}

/* A field checked over its own positions. */
static void
mrz_cd_plain(struct mrz_ctx *c, const char *field, const char *what,
    struct mrz_pos p, struct mrz_pos cdp, int chars_ok, int flags)
{
	mrz_cd(c, field, what, AT(c, p), p.len, NULL, p.col, cdp, chars_ok,
	    flags);
}

/* Copies s[0..n) to out, dropping every '<'. */
static void
mrz_copy_nofill(char *out, const char *s, size_t n)
{
	size_t	i, j = 0;

	for (i = 0; i < n; i++)
		if (s[i] != '<')
			out[j++] = s[i];
	out[j] = '\0';
}

/* Splits text into at most 3 kept lines; counts them all in *nlines. */
static void
mrz_split(struct mrz_ctx *c, const char *text, size_t len, size_t *nlines,
    size_t lens[4], int lower[3])
{
	size_t	i = 0, s, e, k, n = 0;
	int	ch;

	while (i < len) {
		s = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		e = i;
		if (i < len) {
			if (text[i] == '\r' && i + 1 < len &&
			    text[i + 1] == '\n')
				i++;
			i++;
		}
		while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\t'))
			e--;
		if (e == s)
			continue;
		if (n < 4)
			lens[n] = e - s;
		if (n < 3) {
			c->raw[n] = (const unsigned char *)text + s;
			lower[n] = -1;
			for (k = 0; k < e - s && k < MRZ_LINE_MAX; k++) {
				ch = (unsigned char)text[s + k];
				if (mrz_class[ch] == 0) {
					if (ch >= 'a' && ch <= 'z') {
						if (lower[n] < 0)
							lower[n] = (int)k;
						ch -= 'a' - 'A';
					} else if (ch < 0x20 || ch > 0x7e)
						ch = '?';
				}
				c->ln[n][k] = (char)ch;
			}
		}
		n++;
	}
	*nlines = n;
}

static const char *
mrz_lines_text(int width)
{
	return width == 44 ? "a TD3 passport or MRV-A visa" :
	    "a TD2 card or MRV-B visa";
}

/* The layout the lines fit, or NULL with the reason reported. */
static const struct mrz_layout *
mrz_detect(struct mrz_ctx *c, size_t n, const size_t lens[4])
{
	struct mrz_report	*r = c->r;
	size_t			 i, w;
	int			 visa;

	if (n == 0) {
		mrz_err(r, "format", "layout", 0, 0, "no MRZ text: a "
		    "machine-readable zone has 2 lines of 44 or 36 characters "
		    "or 3 lines of 30");
		return NULL;
	}
	if (n == 1) {
		mrz_err(r, "format", "layout", 1, 0, "only one line (of %zu "
		    "characters): a machine-readable zone has 2 lines of 44 "
		    "or 36 characters or 3 lines of 30", lens[0]);
		return NULL;
	}
	if (n > 3) {
		mrz_err(r, "format", "layout", 4, 0, "%zu lines: a "
		    "machine-readable zone has 2 lines (passport, TD2 card, "
		    "visa) or 3 lines (TD1 card)", n);
		return NULL;
	}
	if (n == 3) {
		if (lens[0] == 30 && lens[1] == 30 && lens[2] == 30)
			return mrz_layout(MRZ_TD1);
		for (i = 0; i < 3; i++) {
			if (lens[i] == 30)
				continue;
			mrz_err(r, "format", "layout", (int)i + 1,
			    lens[i] < 30 ? (int)lens[i] + 1 : 31,
			    "line %zu has %zu characters: every line of a "
			    "3-line MRZ (TD1 card) has 30%s", i + 1, lens[i],
			    lens[i] < 30 ? " (characters are missing)" :
			    " (there are too many)");
		}
		return NULL;
	}
	if (lens[0] == lens[1] && (lens[0] == 44 || lens[0] == 36)) {
		visa = c->ln[0][0] == 'V';
		if (lens[0] == 44)
			return mrz_layout(visa ? MRZ_MRVA : MRZ_TD3);
		return mrz_layout(visa ? MRZ_MRVB : MRZ_TD2);
	}
	w = 0;
	if (lens[0] == 44 || lens[0] == 36)
		w = lens[0];
	else if (lens[1] == 44 || lens[1] == 36)
		w = lens[1];
	if (w == 0) {
		mrz_err(r, "format", "layout", 0, 0, "2 lines of %zu and %zu "
		    "characters: a 2-line MRZ has 44 characters on each line "
		    "(TD3 passport, MRV-A visa) or 36 (TD2 card, MRV-B visa)",
		    lens[0], lens[1]);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		if (lens[i] == w)
			continue;
		mrz_err(r, "format", "layout", (int)i + 1,
		    lens[i] < w ? (int)lens[i] + 1 : (int)w + 1,
		    "line %zu has %zu characters, the other %zu as in %s: both "
		    "lines must have %zu%s", i + 1, lens[i], w,
		    mrz_lines_text((int)w), w, lens[i] < w ?
		    " (characters are missing)" : " (there are too many)");
	}
	return NULL;
}

static void
mrz_code(struct mrz_ctx *c)
{
	const struct mrz_layout	*L = c->L;
	const char		*s = AT(c, L->code);
	int			 ok;

	ok = mrz_chars(c, "document_code", "document code", L->code, 0,
	    K_ALPHA);
	mrz_copy_nofill(c->m->document_code, s, 2);
	if (s[0] == '<') {
		mrz_err(c->r, "document_code", "missing", 1, 1, "the "
		    "document code is missing: the line begins with a filler");
		return;
	}
	if (!ok)
		return;
	if (L->format == MRZ_TD1 && s[0] == 'V')
		mrz_err(c->r, "document_code", "form", 1, 1, "a document code "
		    "beginning with V is a visa, which has 2 lines, not 3");
	else if ((L->format == MRZ_TD1 || L->format == MRZ_TD2) &&
	    s[0] != 'A' && s[0] != 'C' && s[0] != 'I')
		mrz_warn(c->r, "document_code", "form", 1, 1, "the codes of "
		    "TD1 and TD2 documents normally begin with A, C or I");
	else if (L->format == MRZ_TD3 && s[0] != 'P')
		mrz_warn(c->r, "document_code", "form", 1, 1, "a TD3 document "
		    "code normally begins with P (passport)");
}

/* An issuing state or nationality: 1 to 3 letters, then fillers. */
static void
mrz_state(struct mrz_ctx *c, const char *field, const char *what,
    struct mrz_pos p, char *out)
{
	const char	*s = AT(c, p);
	size_t		 i, k;
	int		 ok;

	ok = mrz_chars(c, field, what, p, 0, K_ALPHA);
	mrz_copy_nofill(out, s, 3);
	for (k = 0; k < 3 && s[k] != '<'; k++)
		;
	if (k == 0) {
		mrz_err(c->r, field, "missing", p.line + 1, p.col + 1,
		    "the %s is missing (only fillers)", what);
		return;
	}
	for (i = k; i < 3; i++) {
		if (s[i] != '<' && ok) {
			mrz_err(c->r, field, "form", p.line + 1,
			    p.col + (int)i + 1, "the %s has a letter after a "
			    "filler: a code is 1 to 3 letters, padded with <",
			    what);
			return;
		}
	}
}

/* The name: surname, "<<", given names separated by single fillers. */
static void
mrz_name(struct mrz_ctx *c)
{
	struct mrz_pos	 p = c->L->name;
	const char	*s = AT(c, p);
	struct mrz	*m = c->m;
	struct mrz_pos	 sp, gp;
	size_t		 e, i, sep, j;
	int		 line = p.line + 1;

	for (e = p.len; e > 0 && s[e - 1] == '<'; e--)
		;
	for (sep = 0; sep + 1 < e; sep++)
		if (s[sep] == '<' && s[sep + 1] == '<')
			break;
	if (sep + 1 >= e)
		sep = e;
	sp = gp = p;
	sp.len = (unsigned char)sep;
	gp.col = (unsigned char)(p.col + sep);
	gp.len = (unsigned char)(p.len - sep);
	(void)mrz_chars(c, "surname", "surname", sp, 0, K_ALPHA);
	(void)mrz_chars(c, "given_names", "given names", gp, 0, K_ALPHA);
	for (i = 0, j = 0; i < sep; i++)
		m->surname[j++] = s[i] == '<' ? ' ' : s[i];
	m->surname[j] = '\0';
	j = 0;
	for (i = sep + 2; i < e; i++) {
		if (s[i] != '<')
			m->given_names[j++] = s[i];
		else if (j > 0 && m->given_names[j - 1] != ' ')
			m->given_names[j++] = ' ';
	}
	m->given_names[j] = '\0';

	if (e == 0) {
		mrz_err(c->r, "surname", "missing", line, p.col + 1,
		    "the name is missing (only fillers)");
		return;
	}
	if (s[0] == '<')
		mrz_err(c->r, "surname", "missing", line, p.col + 1, "the "
		    "name begins with a filler: the surname is missing");
	if (sep + 2 < e && s[sep + 2] == '<')
		mrz_err(c->r, "given_names", "name", line,
		    p.col + (int)sep + 3, "three fillers between the surname "
		    "and the given names: Doc 9303 separates them with two");
	else {
		for (i = sep + 2; i + 1 < e; i++) {
			if (s[i] == '<' && s[i + 1] == '<') {
				mrz_err(c->r, "given_names", "name", line,
				    p.col + (int)i + 1, "two fillers between "
				    "given names (one separates them), or "
				    "characters after the name's padding");
				break;
			}
		}
	}
	if (e == p.len)
		mrz_warn(c->r, "surname", "truncated", line, p.col + p.len,
		    "the name fills its field to the last position and may "
		    "be truncated: compare with the printed name");
}

/* The number, with a TD1/TD2/MRV continuation in the optional data. */
static void
mrz_number(struct mrz_ctx *c)
{
	const struct mrz_layout	*L = c->L;
	struct mrz_pos		 p = L->number, cdp = L->number_cd, op;
	const char		*s = AT(c, p), *o;
	char			 buf[MRZ_NUMBER_MAX + 1];
	int			 cols[MRZ_NUMBER_MAX + 1];
	size_t			 i, k, kk, n;
	int			 ok, ok2;

	ok = mrz_chars(c, "document_number", "document number", p, 0,
	    K_ALNUM);
	for (k = 0; k < p.len && s[k] != '<'; k++)
		;
	memcpy(c->m->number, s, k);
	c->m->number[k] = '\0';
	if (k == 0)
		mrz_err(c->r, "document_number", "missing", p.line + 1,
		    p.col + 1, "the document number is missing (only "
		    "fillers)");
	for (i = k; i < p.len; i++) {
		if (s[i] != '<') {
			mrz_err(c->r, "document_number", "form", p.line + 1,
			    p.col + (int)i + 1, "the document number has a "
			    "filler inside it: fillers may only pad it at the "
			    "end");
			break;
		}
	}
	if (*AT(c, cdp) != '<') {
		mrz_cd_plain(c, "document_number", "document number", p, cdp,
		    ok, CD_HINT);
		return;
	}

	/* Doc 9303 Part 5 4.2.4 and Part 6: the number continues. */
	if (!L->long_number) {
		mrz_err(c->r, "document_number", "check_digit", cdp.line + 1,
		    cdp.col + 1, "the check digit of the document number is a "
		    "filler, but a %s cannot continue its number in the "
		    "optional data", mrz_format_name(L->format));
		return;
	}
	op = L->opt1;
	o = AT(c, op);
	for (kk = 0; kk < op.len && o[kk] != '<'; kk++)
		;
	if (kk < 2) {
		mrz_err(c->r, "document_number", "form", cdp.line + 1,
		    cdp.col + 1, "the check digit position holds a filler, "
		    "so the number must continue in the optional data with "
		    "its check digit, but the optional data %s",
		    kk == 0 ? "begins with a filler" :
		    "holds a single character");
		return;
	}
	if (k < p.len)
		mrz_err(c->r, "document_number", "form", p.line + 1,
		    p.col + (int)k + 1, "the number continues in the optional "
		    "data, so its first 9 positions must be full");
	c->opt_start = kk < op.len ? kk + 1 : kk;
	op.len = (unsigned char)(kk - 1);
	ok2 = mrz_chars(c, "document_number", "document number", op, 0,
	    K_ALNUM);
	n = 0;
	for (i = 0; i < k; i++) {
		cols[n] = p.col + (int)i;
		buf[n++] = s[i];
	}
	for (i = 0; i + 1 < kk && n < MRZ_NUMBER_MAX; i++) {
		cols[n] = op.col + (int)i;
		buf[n++] = o[i];
	}
	buf[n] = '\0';
	memcpy(c->m->number, buf, n + 1);
	cdp.col = (unsigned char)(op.col + kk - 1);
	mrz_cd(c, "document_number", "document number", buf, n, cols, 0, cdp,
	    ok && ok2, CD_HINT);
}

/* A date's month and day; reports what is wrong with them. */
static int
mrz_date_ok(struct mrz_ctx *c, const char *field, const char *what,
    struct mrz_pos p, int y, int mo, int d, int have_day)
{
	static const char *const months[12] = {
		"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November",
		"December"
	};
	int	line = p.line + 1;

	if (mo < 1 || mo > 12) {
		mrz_err(c->r, field, "date", line, p.col + 3, "the %s is not "
		    "a calendar date: there is no month %02d", what, mo);
		return 0;
	}
	if (!have_day || date_check(y, mo, d))
		return 1;
	if (mo == 2 && d == 29)
		mrz_err(c->r, field, "date", line, p.col + 5, "the %s is not "
		    "a calendar date: 29 February in a year that is not a "
		    "leap year", what);
	else
		mrz_err(c->r, field, "date", line, p.col + 5, "the %s is not "
		    "a calendar date: %s has no day %02d", what,
		    months[mo - 1], d);
	return 0;
}

static int
mrz_2d(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static void
mrz_birth(struct mrz_ctx *c)
{
	struct mrz_pos	 p = c->L->birth;
	const char	*s = AT(c, p);
	size_t		 k, i;
	int		 ok;

	memcpy(c->m->birth_date, s, 6);
	c->m->birth_date[6] = '\0';
	ok = mrz_chars(c, "birth_date", "birth date", p, 0, K_DIGITF);
	mrz_cd_plain(c, "birth_date", "birth date", p, c->L->birth_cd, ok,
	    CD_DIGITS);
	c->birth_known = -1;
	if (!ok)
		return;
	for (k = 0; k < 6 && s[k] != '<'; k++)
		;
	for (i = k; i < 6; i++)
		if (s[i] != '<')
			break;
	if (i < 6 || k % 2 != 0) {
		mrz_err(c->r, "birth_date", "form", p.line + 1, p.col + 1,
		    "the birth date mixes digits and fillers: Doc 9303 leaves "
		    "out the day, the day and month, or the whole date");
		return;
	}
	c->birth_known = (int)k;
	if (k < 6)
		mrz_warn(c->r, "birth_date", "unknown_date", p.line + 1,
		    p.col + (int)k + 1, "the birth date is %s unknown "
		    "(printed with fillers, as Doc 9303 allows)",
		    k == 0 ? "wholly" : "partly");
}

static void
mrz_expiry(struct mrz_ctx *c)
{
	struct mrz_pos	 p = c->L->expiry;
	const char	*s = AT(c, p);
	int		 ok;

	memcpy(c->m->expiry_date, s, 6);
	c->m->expiry_date[6] = '\0';
	ok = mrz_chars(c, "expiry_date", "expiry date", p, 0, K_DIGIT);
	mrz_cd_plain(c, "expiry_date", "expiry date", p, c->L->expiry_cd, ok,
	    CD_DIGITS);
	c->expiry_form = ok;
}

static int
mrz_cmp(int y1, int m1, int d1, int y2, int m2, int d2)
{
	if (y1 != y2)
		return y1 < y2 ? -1 : 1;
	if (m1 != m2)
		return m1 < m2 ? -1 : 1;
	if (d1 != d2)
		return d1 < d2 ? -1 : 1;
	return 0;
}

/*
 * Two-digit years. An expiry year falls in [today - 50, today + 49]. A
 * birth date is the latest in its century class that is neither after
 * today nor after the expiry date.
 */
static void
mrz_dates(struct mrz_ctx *c)
{
	struct mrz		*m = c->m;
	const struct date	*t = &c->today;
	struct mrz_pos		 p;
	const char		*s;
	struct date		 lim;
	int			 y, mo, d, base = t->year - t->year % 100;

	if (c->expiry_form) {
		p = c->L->expiry;
		s = AT(c, p);
		y = base + mrz_2d(s);
		mo = mrz_2d(s + 2);
		d = mrz_2d(s + 4);
		if (y > t->year + MRZ_EXPIRY_AHEAD)
			y -= 100;
		else if (y < t->year - MRZ_EXPIRY_BEHIND)
			y += 100;
		if (mrz_date_ok(c, "expiry_date", "expiry date", p, y, mo, d,
		    1)) {
			m->expiry.year = y;
			m->expiry.month = mo;
			m->expiry.day = d;
			m->expiry_known = 1;
			if (mrz_cmp(y, mo, d, t->year + MRZ_EXPIRY_WARN_YEARS,
			    t->month, t->day) > 0)
				mrz_warn(c->r, "expiry_date", "horizon",
				    p.line + 1, p.col + 1, "the expiry date is "
				    "more than %d years away; no travel "
				    "document is valid that long",
				    MRZ_EXPIRY_WARN_YEARS);
		}
	}
	if (c->birth_known < 2)
		return;
	p = c->L->birth;
	s = AT(c, p);
	y = base + mrz_2d(s);
	mo = c->birth_known >= 4 ? mrz_2d(s + 2) : 1;
	d = c->birth_known >= 6 ? mrz_2d(s + 4) : 1;
	lim = *t;
	if (m->expiry_known && mrz_cmp(m->expiry.year, m->expiry.month,
	    m->expiry.day, t->year, t->month, t->day) < 0)
		lim = m->expiry;
	if (mrz_cmp(y, mo, d, lim.year, lim.month, lim.day) > 0)
		y -= 100;
	if (mrz_cmp(y, mo, d, lim.year, lim.month, lim.day) > 0)
		y -= 100;
	if (c->birth_known < 4)
		return;
	if (mrz_date_ok(c, "birth_date", "birth date", p, y, mo, d,
	    c->birth_known == 6) && c->birth_known == 6) {
		m->birth.year = y;
		m->birth.month = mo;
		m->birth.day = d;
		m->birth_known = 1;
	}
}

static void
mrz_sex(struct mrz_ctx *c)
{
	struct mrz_pos	p = c->L->sex;
	char		shown[16];
	int		ch = (unsigned char)*AT(c, p);

	if (ch == 'M' || ch == 'F') {
		c->m->sex = (char)ch;
		return;
	}
	if (ch == '<') {
		c->m->sex = 'X';
		return;
	}
	c->m->sex = (char)ch;
	mrz_show(c->raw[p.line][p.col], shown, sizeof(shown));
	mrz_err(c->r, "sex", "character", p.line + 1, p.col + 1, "the sex "
	    "must be M, F or < (unspecified), not %s%s", shown, ch == 'X' ?
	    ": X is printed in the visual zone, the MRZ has <" : "");
}

/* Copies s[0..n) to out without the trailing fillers. */
static void
mrz_copy_trim(char *out, const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == '<')
		n--;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void
mrz_optional(struct mrz_ctx *c)
{
	const struct mrz_layout	*L = c->L;
	struct mrz_pos		 p = L->opt1;
	const char		*s = AT(c, p);
	size_t			 i;
	int			 ok, empty;

	ok = mrz_chars(c, "optional_data", "optional data", p, c->opt_start,
	    K_ALNUM);
	mrz_copy_trim(c->m->optional1, s + c->opt_start,
	    p.len - c->opt_start);
	if (L->opt1_cd.len != 0) {
		for (i = 0, empty = 1; i < p.len; i++)
			if (s[i] != '<')
				empty = 0;
		if (*AT(c, L->opt1_cd) == '<') {
			if (empty)
				c->m->optional_check_filler = 1;
			else
				mrz_err(c->r, "optional_data", "check_digit",
				    L->opt1_cd.line + 1, L->opt1_cd.col + 1,
				    "the check digit of the personal number is "
				    "a filler, which only an empty personal "
				    "number may have");
		} else
			mrz_cd_plain(c, "optional_data", "personal number",
			    p, L->opt1_cd, ok, CD_HINT);
	}
	if (L->opt2.len != 0) {
		(void)mrz_chars(c, "optional_data", "optional data", L->opt2,
		    0, K_ALNUM);
		mrz_copy_trim(c->m->optional2, AT(c, L->opt2), L->opt2.len);
	}
}

static void
mrz_composite(struct mrz_ctx *c)
{
	char	buf[64];
	size_t	n;

	if (c->L->composite.len == 0)
		return;
	n = mrz_comp_buf(c, buf, NULL, NULL);
	mrz_cd(c, "composite", "whole zone (composite)", buf, n, NULL, 0,
	    c->L->composite, 1, 0);
}

static void
mrz_today(struct date *d)
{
	int64_t	ms = date_now_ms();

	date_from_days(ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000,
	    d);
}

int
mrz_parse(struct mrz *m, const char *text, size_t len,
    const struct date *today)
{
	struct mrz_ctx		 c;
	size_t			 n, lens[4] = { 0, 0, 0, 0 }, i;
	int			 lower[3] = { -1, -1, -1 };

	m->format = MRZ_NONE;
	m->valid = 0;
	m->document_code[0] = m->issuing_state[0] = m->nationality[0] = '\0';
	m->number[0] = m->birth_date[0] = m->expiry_date[0] = '\0';
	m->surname[0] = m->given_names[0] = '\0';
	m->optional1[0] = m->optional2[0] = '\0';
	memset(&m->birth, 0, sizeof(m->birth));
	memset(&m->expiry, 0, sizeof(m->expiry));
	m->birth_known = m->expiry_known = 0;
	m->optional_check_filler = 0;
	m->sex = '\0';
	m->report.nerr = m->report.nwarn = m->report.dropped = 0;

	c.m = m;
	c.r = &m->report;
	c.opt_start = 0;
	c.expiry_form = 0;
	c.birth_known = -1;
	if (today != NULL && date_check(today->year, today->month,
	    today->day))
		c.today = *today;
	else
		mrz_today(&c.today);

	if (len > MRZ_TEXT_MAX) {
		mrz_err(c.r, "format", "too_long", 0, 0, "the text is longer "
		    "than any machine-readable zone (%d bytes at most)",
		    MRZ_TEXT_MAX);
		return ERR_INVAL;
	}
	mrz_split(&c, text, len, &n, lens, lower);
	if ((c.L = mrz_detect(&c, n, lens)) == NULL)
		return ERR_INVAL;
	m->format = c.L->format;
	for (i = 0; i < n; i++) {
		if (lower[i] >= 0)
			mrz_warn(c.r, "format", "lowercase", (int)i + 1,
			    lower[i] + 1, "line %zu has lowercase letters, "
			    "read as capitals: an MRZ is printed in capitals",
			    i + 1);
	}
	mrz_code(&c);
	mrz_state(&c, "issuing_state", "issuing state", c.L->state,
	    m->issuing_state);
	if (c.L->format != MRZ_TD1)
		mrz_name(&c);
	mrz_number(&c);
	if (c.L->format == MRZ_TD1)
		mrz_optional(&c);
	mrz_birth(&c);
	mrz_sex(&c);
	mrz_expiry(&c);
	mrz_state(&c, "nationality", "nationality", c.L->nat,
	    m->nationality);
	if (c.L->format != MRZ_TD1)
		mrz_optional(&c);
	mrz_composite(&c);
	if (c.L->format == MRZ_TD1)
		mrz_name(&c);
	mrz_dates(&c);
	m->valid = m->report.nerr == 0 && m->report.dropped == 0;
	return m->valid ? 0 : ERR_INVAL;
}

int
mrz_optional_data(const struct mrz *m, char *buf, size_t bufsz)
{
	char	tmp[MRZ_OPT_MAX + MRZ_OPT2_MAX + 1];
	size_t	n1, n2;

	n1 = strnlen(m->optional1, sizeof(m->optional1) - 1);
	n2 = strnlen(m->optional2, sizeof(m->optional2) - 1);
	memcpy(tmp, m->optional1, n1);
	memcpy(tmp + n1, m->optional2, n2);
	if (bufsz == 0)
		return ERR_RANGE;
	mrz_copy_nofill(tmp, tmp, n1 + n2);
	if (strlen(tmp) >= bufsz)
		return ERR_RANGE;
	memcpy(buf, tmp, strlen(tmp) + 1);
	return 0;
}

/* ---- composing ---------------------------------------------------- */

/* The length of s, at most cap; *ok is 0 if s has no NUL before cap. */
static size_t
mrz_in_len(const char *s, size_t cap, int *ok)
{
	size_t	n = strnlen(s, cap);

	*ok = n < cap;
	return n;
}

/* Every character of s[0..n) of the kind; the first that is not, or -1. */
static long
mrz_in_bad(const char *s, size_t n, enum mrz_kind k)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!mrz_fits((unsigned char)s[i], k))
			return (long)i;
	return -1;
}

static void
mrz_in_badchar(struct mrz_report *r, const char *field, const char *what,
    const char *s, long at, const char *allowed)
{
	char	shown[16];

	mrz_show((unsigned char)s[at], shown, sizeof(shown));
	if (s[at] >= 'a' && s[at] <= 'z')
		mrz_err(r, field, "character", 0, 0, "the %s has %s at "
		    "position %ld: write it in capitals", what, shown, at + 1);
	else
		mrz_err(r, field, "character", 0, 0, "the %s has %s at "
		    "position %ld: it may hold %s", what, shown, at + 1,
		    allowed);
}

/*
 * A name as MRZ characters: letters kept; runs of spaces, fillers and
 * hyphens become one '<'; apostrophes dropped (Doc 9303 Part 3, 4.6).
 * Returns the length, or -1 after reporting a character it cannot write.
 */
static int
mrz_in_name(struct mrz_report *r, const char *field, const char *what,
    const char *s, char *out, size_t outsz)
{
	size_t	i, n, j = 0;
	int	ok, ch;

	n = mrz_in_len(s, MRZ_NAME_MAX + 1, &ok);
	if (!ok) {
		mrz_err(r, field, "too_long", 0, 0, "the %s is longer than %d "
		    "bytes", what, MRZ_NAME_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (j + 1 >= outsz) {
			mrz_err(r, field, "too_long", 0, 0, "the %s is too "
			    "long", what);
			return -1;
		}
		if (mrz_is_upper(ch)) {
			out[j++] = (char)ch;
		} else if (ch == ' ' || ch == '<' || ch == '-') {
			if (j > 0 && out[j - 1] != '<')
				out[j++] = '<';
		} else if (ch == '\'') {
			continue;
		} else {
			mrz_in_badchar(r, field, what, s, (long)i,
			    "capital letters A-Z, spaces, hyphens and "
			    "apostrophes (transliterate other letters first)");
			return -1;
		}
	}
	while (j > 0 && out[j - 1] == '<')
		j--;
	out[j] = '\0';
	return (int)j;
}

/* The name field: truncated as Doc 9303 Part 3 4.6 allows when too long. */
static void
mrz_put_name(struct mrz_report *r, char *f, size_t n, const char *sur,
    size_t ns, const char *giv, size_t ng)
{
	size_t	keep, gk;

	if (ns + (ng > 0 ? 2 + ng : 0) <= n) {
		memcpy(f, sur, ns);
		if (ng > 0) {
			f[ns] = f[ns + 1] = '<';
			memcpy(f + ns + 2, giv, ng);
		}
		return;
	}
	mrz_warn(r, "surname", "truncated", 0, 0, "the name is longer than "
	    "the %zu positions of the field and was truncated", n);
	if (ng == 0) {
		for (keep = n; keep > 0 && sur[keep - 1] == '<'; keep--)
			;
		memcpy(f, sur, keep);
		return;
	}
	keep = ns < n - 3 ? ns : n - 3;
	while (keep > 0 && sur[keep - 1] == '<')
		keep--;
	memcpy(f, sur, keep);
	f[keep] = f[keep + 1] = '<';
	gk = n - keep - 2;
	if (gk > ng)
		gk = ng;
	while (gk > 0 && giv[gk - 1] == '<')
		gk--;
	memcpy(f + keep + 2, giv, gk);
}

/* A YYMMDD date as the composer accepts it; birth dates may end in
 * fillers for an unknown day, month and day, or whole date. */
static void
mrz_in_date(struct mrz_report *r, const char *field, const char *what,
    const char *s, int birth)
{
	size_t	n, k, i;
	int	ok, y, mo, d;

	n = mrz_in_len(s, 7, &ok);
	for (k = 0; k < n && mrz_is_digit((unsigned char)s[k]); k++)
		;
	for (i = k; i < n && birth && s[i] == '<'; i++)
		;
	if (!ok || n != 6 || i != 6 || k % 2 != 0) {
		mrz_err(r, field, "form", 0, 0, "the %s must be 6 digits, "
		    "YYMMDD%s", what, birth ? " (or end in fillers for an "
		    "unknown day, month and day, or whole date)" : "");
		return;
	}
	if (k < 4)
		return;
	mo = mrz_2d(s + 2);
	if (mo < 1 || mo > 12) {
		mrz_err(r, field, "date", 0, 0, "the %s has no month %02d",
		    what, mo);
		return;
	}
	if (k < 6)
		return;
	/* The century is the reader's; 00 may be a leap year (2000). */
	y = 2000 + mrz_2d(s);
	d = mrz_2d(s + 4);
	if (!date_check(y, mo, d))
		mrz_err(r, field, "date", 0, 0, "the %s is not a calendar "
		    "date: month %02d has no day %02d", what, mo, d);
}

/* A state code of 1 to 3 capitals into f (padded already). */
static void
mrz_in_state(struct mrz_report *r, const char *field, const char *what,
    const char *s, char *f)
{
	size_t	n;
	int	ok;

	n = mrz_in_len(s, 4, &ok);
	if (!ok || n < 1 || n > 3 || mrz_in_bad(s, n, K_ALPHA) >= 0 ||
	    strchr(s, '<') != NULL) {
		mrz_err(r, field, "form", 0, 0, "the %s must be 1 to 3 capital "
		    "letters (an ICAO code such as UTO or D)", what);
		return;
	}
	memcpy(f, s, n);
}

int
mrz_compose(const struct mrz *m, char *buf, size_t bufsz, size_t *outlen,
    struct mrz_report *rep)
{
	struct mrz_report	 local, *r = rep != NULL ? rep : &local;
	const struct mrz_layout	*L;
	char			 ln[3][MRZ_LINE_MAX];
	char			 sur[MRZ_NAME_MAX + 1];
	char			 giv[MRZ_NAME_MAX + 1];
	char			 cbuf[64];
	size_t			 nc, nn, no1, no2, over = 0, room;
	size_t			 i, k, total;
	int			 ok, ns, ng, cd, line;
	char			*o;

	r->nerr = r->nwarn = r->dropped = 0;
	if ((L = mrz_layout(m->format)) == NULL) {
		mrz_err(r, "format", "form", 0, 0, "unknown format: TD1, TD2, "
		    "TD3, MRVA or MRVB");
		return ERR_INVAL;
	}
	memset(ln, '<', sizeof(ln));

	nc = mrz_in_len(m->document_code, sizeof(m->document_code), &ok);
	if (!ok || nc < 1 || !mrz_is_upper((unsigned char)m->document_code[0])
	    || (nc == 2 && mrz_in_bad(m->document_code + 1, 1, K_ALPHA) >= 0))
		mrz_err(r, "document_code", "form", 0, 0, "the document code "
		    "must be 1 or 2 capital letters (P, ID, V, ...)");
	else if ((L->format == MRZ_MRVA || L->format == MRZ_MRVB) !=
	    (m->document_code[0] == 'V'))
		mrz_err(r, "document_code", "form", 0, 0, "the document code "
		    "of a visa (MRVA, MRVB), and only of a visa, begins with "
		    "V");
	else
		memcpy(AT_LN(ln, L->code), m->document_code, nc);

	mrz_in_state(r, "issuing_state", "issuing state", m->issuing_state,
	    AT_LN(ln, L->state));
	mrz_in_state(r, "nationality", "nationality", m->nationality,
	    AT_LN(ln, L->nat));

	nn = mrz_in_len(m->number, sizeof(m->number), &ok);
	no1 = mrz_in_len(m->optional1, sizeof(m->optional1), &ok);
	no2 = mrz_in_len(m->optional2, sizeof(m->optional2), &ok);
	if (nn == 0 || nn >= sizeof(m->number) ||
	    mrz_in_bad(m->number, nn, K_ALNUM) >= 0 ||
	    strchr(m->number, '<') != NULL) {
		mrz_err(r, "document_number", "form", 0, 0, "the document "
		    "number must be 1 to %d capital letters and digits",
		    MRZ_NUMBER_MAX);
		nn = 0;
	} else if (nn > 9) {
		over = nn - 9;
		room = L->opt1.len;
		if (!L->long_number)
			mrz_err(r, "document_number", "too_long", 0, 0, "a %s "
			    "document number has at most 9 characters",
			    mrz_format_name(L->format));
		else if (over + 1 > room || (no1 > 0 &&
		    over + 2 + no1 > room))
			mrz_err(r, "document_number", "too_long", 0, 0, "the "
			    "document number is too long for a %s: 9 "
			    "characters, then %zu more with their check "
			    "digit%s "
			    "in the %zu positions of the optional data",
			    mrz_format_name(L->format), over,
			    no1 > 0 ? ", a filler and the optional data" : "",
			    room);
	}
	if (no1 >= sizeof(m->optional1) ||
	    mrz_in_bad(m->optional1, no1, K_ALNUM) >= 0)
		mrz_err(r, "optional_data", "form", 0, 0, "the optional data "
		    "may hold only capital letters, digits and <");
	else if (no1 > L->opt1.len)
		mrz_err(r, "optional_data", "too_long", 0, 0, "a %s holds at "
		    "most %d characters of optional data",
		    mrz_format_name(L->format), L->opt1.len);
	if (no2 >= sizeof(m->optional2) ||
	    (no2 > 0 && L->opt2.len == 0) ||
	    mrz_in_bad(m->optional2, no2, K_ALNUM) >= 0)
		mrz_err(r, "optional_data", "form", 0, 0, "only a TD1 has a "
		    "second optional data field (line 2): up to %d capital "
		    "letters, digits and <", MRZ_OPT2_MAX);
	if (m->optional_check_filler && (L->opt1_cd.len == 0 || no1 > 0))
		mrz_err(r, "optional_data", "form", 0, 0, "only a TD3 with "
		    "no personal number may print < as its check digit");

	mrz_in_date(r, "birth_date", "birth date", m->birth_date, 1);
	mrz_in_date(r, "expiry_date", "expiry date", m->expiry_date, 0);
	if (m->sex != 'M' && m->sex != 'F' && m->sex != 'X' && m->sex != '<')
		mrz_err(r, "sex", "form", 0, 0, "the sex must be M, F or X "
		    "(unspecified)");

	ns = mrz_in_name(r, "surname", "surname", m->surname, sur,
	    sizeof(sur));
	ng = mrz_in_name(r, "given_names", "given names", m->given_names,
	    giv, sizeof(giv));
	if (ns == 0)
		mrz_err(r, "surname", "missing", 0, 0, "the surname is "
		    "missing");
	if (r->nerr > 0)
		return ERR_INVAL;

	mrz_put_name(r, AT_LN(ln, L->name), L->name.len, sur, (size_t)ns,
	    giv, (size_t)ng);
	o = AT_LN(ln, L->number);
	memcpy(o, m->number, nn > 9 ? 9 : nn);
	if (over > 0) {
		ln[L->number_cd.line][L->number_cd.col] = '<';
		o = AT_LN(ln, L->opt1);
		memcpy(o, m->number + 9, over);
		o[over] = (char)('0' + mrz_check_digit(m->number, nn));
		if (no1 > 0)
			memcpy(o + over + 2, m->optional1, no1);
	} else {
		ln[L->number_cd.line][L->number_cd.col] = (char)('0' +
		    mrz_check_digit(AT_LN(ln, L->number), 9));
		memcpy(AT_LN(ln, L->opt1), m->optional1, no1);
	}
	memcpy(AT_LN(ln, L->birth), m->birth_date, 6);
	ln[L->birth_cd.line][L->birth_cd.col] = (char)('0' +
	    mrz_check_digit(m->birth_date, 6));
	ln[L->sex.line][L->sex.col] = m->sex == 'X' ? '<' : m->sex;
	memcpy(AT_LN(ln, L->expiry), m->expiry_date, 6);
	ln[L->expiry_cd.line][L->expiry_cd.col] = (char)('0' +
	    mrz_check_digit(m->expiry_date, 6));
	if (L->opt1_cd.len != 0)
		ln[L->opt1_cd.line][L->opt1_cd.col] =
		    m->optional_check_filler ? '<' : (char)('0' +
		    mrz_check_digit(AT_LN(ln, L->opt1), L->opt1.len));
	if (L->opt2.len != 0)
		memcpy(AT_LN(ln, L->opt2), m->optional2, no2);
	if (L->composite.len != 0) {
		for (i = 0, k = 0; i < (size_t)L->ncomp; i++) {
			memcpy(cbuf + k, AT_LN(ln, L->comp[i]),
			    L->comp[i].len);
			k += L->comp[i].len;
		}
		cd = mrz_check_digit(cbuf, k);
		ln[L->composite.line][L->composite.col] = (char)('0' + cd);
	}

	total = (size_t)(L->nlines * (L->width + 1));
	if (bufsz < total)
		return ERR_TOOBIG;
	for (line = 0, k = 0; line < L->nlines; line++) {
		memcpy(buf + k, ln[line], (size_t)L->width);
		k += (size_t)L->width;
		buf[k++] = line + 1 < L->nlines ? '\n' : '\0';
	}
	if (outlen != NULL)
		*outlen = total - 1;
	return 0;
}
