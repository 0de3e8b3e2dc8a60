/* namematch.c - watchlist name matching. A name field is transliterated to
 * A-Z words (translit.c), each word is rewritten into a canonical form in
 * which the usual spellings of one Cyrillic name meet (KH/H, ZH/J, IA/YA/JA,
 * -OFF/-OV, double letters, ...), and words are compared with an edit
 * distance in which the remaining spelling variants (G/H, SH/S, J/I, ...)
 * cost little and anything else costs a typing error. A pair's score
 * multiplies what the surname, the given names, the birth date and the
 * nationality say; docs/namematch.md gives every rule and its reason. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "namematch.h"
#include "translit.h"

#define NM_FULL		100	/* an edit that changes the name */
#define NM_NEAR		1	/* an edit one spelling scheme makes */
#define NM_NEAR_MAX	4	/* near edits that still count as spelling */
#define NM_TYPO_MIN	4	/* letters a word needs to allow a typo */
#define NM_TRUNC_MIN	3	/* letters a cut word needs (else initial) */
#define NM_BUF		(2 * NAMEMATCH_FIELD_MAX + 1)
#define NM_SKEL		4	/* skeleton letters in a blocking key */

/* How well two words agree, worst first. */
enum nm_level {
	NM_NONE = 0,
	NM_GENDER,	/* the same name in its other gender form */
	NM_ABSENT,	/* the word is missing on one side */
	NM_TYPO,
	NM_INITIAL,
	NM_TRUNC,
	NM_TRANSLIT,
	NM_EXACT
};

/* What each level is worth to the name score. */
static const double nm_worth[] = {
	[NM_NONE] = 0.0,
	[NM_GENDER] = 0.0,
	[NM_ABSENT] = 0.85,
	[NM_TYPO] = 0.88,
	[NM_INITIAL] = 0.90,
	[NM_TRUNC] = 0.95,
	[NM_TRANSLIT] = 0.97,
	[NM_EXACT] = 1.0
};

#define NM_SWAP_FACTOR		0.97	/* surname and given name swapped */
#define NM_SECOND_FACTOR	0.55	/* second given names disagree */
#define NM_NAT_FACTOR		0.93	/* nationalities disagree */
#define NM_FAIL_SURNAME		0.40	/* only the surname agrees */
#define NM_FAIL_GIVEN		0.30	/* only the given name agrees */
#define NM_FAIL_NONE		0.10	/* neither */

/* Birth dates. */
#define NM_DATE_DAY		1.0
#define NM_DATE_MONTH		0.96
#define NM_DATE_YEAR		0.92
#define NM_DATE_SWAPPED		0.90
#define NM_DATE_UNKNOWN		0.85
#define NM_DATE_DIFFERS		0.35
#define NM_TYPO_UNSURE		0.85	/* a typing error, and the full birth
					 * date does not confirm it */

static void	nm_fail(struct namematch_err *, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static int	nm_given_line(const struct namematch_word *);

static void
nm_fail(struct namematch_err *err, const char *field, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	(void)snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int
nm_vowel(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

/* ---- canonical form ---------------------------------------------- */

/* Letter groups that stand for one sound, longest first. */
static const struct {
	const char	*from;
	size_t		 len;
	char		 to;
} nm_groups[] = {
	{ "SHTCH", 5, 'W' },	/* Щ, French */
	{ "SHCH", 4, 'W' },	/* Щ, ICAO and BGN/PCGN */
	{ "TSCH", 4, 'Q' },	/* Ч, German */
	{ "SHH", 3, 'W' },	/* Щ, GOST 7.79 B */
	{ "SCH", 3, 'W' },	/* Ш German, Щ English */
	{ "TCH", 3, 'Q' },	/* Ч, French */
	{ "DZH", 3, 'J' },	/* Дж */
	{ "SH", 2, 'W' },	/* Ш */
	{ "CH", 2, 'Q' },	/* Ч */
	{ "CZ", 2, 'C' },	/* Ц, GOST 7.79 B */
	{ "TC", 2, 'C' },	/* Ц, Russian passports 2010-2013 */
	{ "TS", 2, 'C' },	/* Ц */
	{ "TZ", 2, 'C' },	/* Ц, German */
	{ "ZH", 2, 'J' },	/* Ж */
	{ "DJ", 2, 'J' },	/* Дж, Ђ */
	{ "KH", 2, 'H' },	/* Х */
	{ "GH", 2, 'G' },	/* Ғ */
	{ "KS", 2, 'X' },	/* ALEKSANDR, ALEXANDR */
	{ "QS", 2, 'X' },	/* Қ+С in Kazakh Latin: ZHAQSYLYQ */
	{ "PH", 2, 'F' },
	{ "CK", 2, 'K' },	/* German: BECKER, BEKKER */
	{ "W", 1, 'V' },	/* В, German and Polish */
	{ "Q", 1, 'K' },	/* Қ, Kazakh Latin */
	{ "Y", 1, 'I' },	/* Ы, Й, and the glide of Я Ю Е Ё */
	{ "J", 1, 'j' }		/* Й, Ж or a glide: decided below */
};

/* A two-letter group whose second letter starts SH, ZH or CH with the
 * letter after it is two sounds: AKHMETZHANOV is T-ZH, not TZ-H; AKSHA is
 * K-SH. */
static int
nm_split(const char *w, size_t n, size_t i, size_t len)
{
	char	last = w[i + len - 1];

	return len == 2 && i + 2 < n && w[i + 2] == 'H' &&
	    (last == 'S' || last == 'Z' || last == 'C');
}

/*
 * Rewrites the A-Z word w[0..n) into out (at most n bytes and a NUL):
 * letter groups to one symbol (W for Ш/Щ, Q for Ч, J for Ж, C for Ц, H for
 * Х, X for KS), then the glides and vowel pairs that only spell a
 * transliteration scheme, then doubled letters and a few endings.
 * Returns the length.
 */
static size_t
nm_canon(const char *w, size_t n, char *out)
{
	char	t[NAMEMATCH_WORD_MAX + 1], u[NAMEMATCH_WORD_MAX + 1];
	size_t	i, j, k, g;
	char	prev, next;

	/* Letter groups. */
	for (i = 0, k = 0; i < n;) {
		for (g = 0; g < sizeof(nm_groups) / sizeof(nm_groups[0]); g++)
			if (nm_groups[g].len <= n - i && memcmp(w + i,
			    nm_groups[g].from, nm_groups[g].len) == 0 &&
			    !nm_split(w, n, i, nm_groups[g].len))
				break;
		if (g < sizeof(nm_groups) / sizeof(nm_groups[0])) {
			t[k++] = nm_groups[g].to;
			i += nm_groups[g].len;
		} else
			t[k++] = w[i++];
	}
	n = k;

	/* A raw J: Ж or a glide before a vowel at the start (JANNA Жанна,
	 * JURIJ Юрий), a glide anywhere else (SERGEJ, FJODOR, MAJA). */
	for (i = 0; i < n; i++)
		if (t[i] == 'j')
			t[i] = (i == 0 && i + 1 < n && nm_vowel(t[i + 1])) ?
			    'J' : 'I';

	/* Runs of I: MARIIA, MARIYA, YURIY, -SKIY. */
	for (i = 0, k = 0; i < n; i++)
		if (!(t[i] == 'I' && k > 0 && u[k - 1] == 'I'))
			u[k++] = t[i];
	n = k;

	/* Iotated E at the start or after a vowel (YELENA, NIKOLAYEV), Ё
	 * after a consonant (FYODOR, FIODOR: FEDOR), and the vowel pairs of
	 * Ä Ö Ü (Kazakh Ә Ө Ү in the 2021 Latin alphabet). */
	for (i = 0, k = 0; i < n; i++) {
		prev = k > 0 ? t[k - 1] : 0;
		next = i + 1 < n ? u[i + 1] : 0;
		if (u[i] == 'I' && next == 'E' && (k == 0 || nm_vowel(prev)))
			continue;
		if (u[i] == 'I' && next == 'O' && k > 0 && !nm_vowel(prev) &&
		    prev != 'J') {
			t[k++] = 'E';
			i++;
			continue;
		}
		if (u[i] == 'E' && (prev == 'A' || prev == 'O' ||
		    prev == 'U'))
			continue;
		t[k++] = u[i];
	}
	n = k;

	/* Doubled letters. */
	for (i = 0, j = 0; i < n; i++)
		if (j == 0 || t[i] != out[j - 1])
			out[j++] = t[i];
	n = j;

	/* Endings: -OFF -EFF (IVANOFF). */
	if (n >= 3 && out[n - 1] == 'F' && (out[n - 2] == 'O' ||
	    out[n - 2] == 'E'))
		out[n - 1] = 'V';
	out[n] = '\0';
	return n;
}

/* ---- distance ----------------------------------------------------- */

/* Symbols one scheme writes where another writes the other. */
static int
nm_near_sub(char a, char b)
{
	static const char	pairs[][2] = {
		{ 'J', 'I' },	/* Й Ю Я: J or I; Ж: J (Kazakh Latin) */
		{ 'G', 'H' },	/* Г: H in Ukrainian and Belarusian */
		{ 'X', 'H' },	/* Х: X in Uzbek Latin and GOST 7.79 */
		{ 'W', 'S' },	/* Ш: Ş, S in Kazakh and Turkish Latin */
		{ 'Q', 'C' },	/* Ч: Ç, C in Kazakh Latin; Serbian */
		{ 'O', 'U' }	/* Ў: O' in Uzbek Latin, U in ICAO */
	};
	size_t			i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if ((a == pairs[i][0] && b == pairs[i][1]) ||
		    (a == pairs[i][1] && b == pairs[i][0]))
			return 1;
	return 0;
}

/* The cost of s[i] being absent from the other word. */
static int
nm_del_cost(const char *s, size_t n, size_t i)
{
	char	c = s[i], prev = i > 0 ? s[i - 1] : 0;
	char	next = i + 1 < n ? s[i + 1] : 0;

	/* A glide before a vowel (VASILIEV VASILEV, JELENA ELENA) or after
	 * one at the end (NIKOLAI), which some schemes do not write. */
	if ((c == 'I' || c == 'J') && (nm_vowel(next) ||
	    (next == 0 && nm_vowel(prev))))
		return NM_NEAR;
	/* Ң as NG. */
	if (c == 'G' && prev == 'N')
		return NM_NEAR;
	return NM_FULL;
}

/*
 * Edit distance between a[0..an) and b[0..bn) (optimal string alignment:
 * insert, delete, substitute, swap two neighbours). weighted: the near
 * edits above cost NM_NEAR, the rest NM_FULL; else every edit NM_FULL.
 * prefix: a against the best prefix of b, the rest of b free.
 */
static int
nm_dist(const char *a, size_t an, const char *b, size_t bn, int weighted,
    int prefix)
{
	int	d[NAMEMATCH_WORD_MAX + 1][NAMEMATCH_WORD_MAX + 1];
	int	c, v, best;
	size_t	i, j;

	d[0][0] = 0;
	for (i = 1; i <= an; i++)
		d[i][0] = d[i - 1][0] + (weighted ? nm_del_cost(a, an, i - 1) :
		    NM_FULL);
	for (j = 1; j <= bn; j++)
		d[0][j] = d[0][j - 1] + (weighted ? nm_del_cost(b, bn, j - 1) :
		    NM_FULL);
	for (i = 1; i <= an; i++) {
		for (j = 1; j <= bn; j++) {
			if (a[i - 1] == b[j - 1])
				c = 0;
			else if (weighted && nm_near_sub(a[i - 1], b[j - 1]))
				c = NM_NEAR;
			else
				c = NM_FULL;
			v = d[i - 1][j - 1] + c;
			c = d[i - 1][j] + (weighted ? nm_del_cost(a, an, i - 1) :
			    NM_FULL);
			if (c < v)
				v = c;
			c = d[i][j - 1] + (weighted ? nm_del_cost(b, bn, j - 1) :
			    NM_FULL);
			if (c < v)
				v = c;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && a[i - 1] != a[i - 2] &&
			    d[i - 2][j - 2] + NM_FULL < v)
				v = d[i - 2][j - 2] + NM_FULL;
			d[i][j] = v;
		}
	}
	if (!prefix)
		return d[an][bn];
	best = d[an][0];
	for (j = 1; j <= bn; j++)
		if (d[an][j] < best)
			best = d[an][j];
	return best;
}

/* How many near edits a word of n symbols may take and still be the
 * same name: one in a short word (JUN is not YONG), more in longer ones
 * (HRYHORII, GRIGORII). */
static int
nm_near_max(size_t n)
{
	return n < 5 ? 1 : n < 8 ? 2 : n < 11 ? 3 : NM_NEAR_MAX;
}

/* Equal up to spelling: no edit that changes the name. */
static int
nm_spelling(const char *a, size_t an, const char *b, size_t bn)
{
	int	d = nm_dist(a, an, b, bn, 1, 0);

	return d < NM_FULL && d <= nm_near_max(an < bn ? an : bn) * NM_NEAR;
}

/*
 * The same name in its masculine and feminine forms: the shorter word x
 * and the longer y, canonical. IVANOV IVANOVA, ALEKSANDR ALEKSANDRA,
 * EVGENII EVGENIIA (-A added); KOVALSKII KOVALSKAIA, TOLSTOI TOLSTAIA
 * (-II, -OI against -AIA); KOWALSKI KOWALSKA (-KI against -KA).
 */
static int
nm_gender(const char *x, size_t xn, const char *y, size_t yn)
{
	const char	*t;
	size_t		 tn;

	/* y is the longer word, or the one ending in A. */
	if (xn > yn || (xn == yn && xn > 0 && x[xn - 1] == 'A')) {
		t = x;
		x = y;
		y = t;
		tn = xn;
		xn = yn;
		yn = tn;
	}
	if (xn < 2 || yn < 3 || y[yn - 1] != 'A')
		return 0;
	if (yn > xn && (!nm_vowel(x[xn - 1]) || x[xn - 1] == 'I') &&
	    nm_spelling(x, xn, y, yn - 1))
		return 1;
	if (x[xn - 1] != 'I')
		return 0;
	if (yn >= 5 && y[yn - 2] == 'I' && y[yn - 3] == 'A') {
		if (xn >= 4 && x[xn - 2] == 'O' &&
		    nm_spelling(x, xn - 2, y, yn - 3))
			return 1;
		if (nm_spelling(x, xn - 1, y, yn - 3))
			return 1;
	}
	if (xn >= 3 && x[xn - 2] == 'K' && y[yn - 2] == 'K' &&
	    nm_spelling(x, xn - 1, y, yn - 1))
		return 1;
	return 0;
}

/* x, cut short (an MRZ ran out of room), against y. */
static int
nm_cut(const struct namematch_word *x, const struct namematch_word *y)
{
	size_t	n = x->canonlen;
	int	d;

	if (x->rawlen < NM_TRUNC_MIN || x->rawlen >= y->rawlen)
		return 0;
	if (memcmp(x->raw, y->raw, x->rawlen) == 0)
		return 1;
	d = nm_dist(x->canon, n, y->canon, y->canonlen, 1, 1);
	if (d < NM_FULL)
		return 1;
	/* The cut may split a letter group: ...ZH cut to ...Z. */
	if (n >= NM_TRUNC_MIN) {
		d = nm_dist(x->canon, n - 1, y->canon, y->canonlen, 1, 1);
		if (d < NM_FULL)
			return 1;
	}
	return 0;
}

/*
 * How well word x agrees with word y. xlast, ylast: the word is the last
 * of its name, so an MRZ may have cut it. given: given names, which an
 * initial may stand for.
 */
static enum nm_level
nm_word(const struct namematch_word *x, int xlast,
    const struct namematch_word *y, int ylast, int given)
{
	const struct namematch_word	*s, *l;
	int				 d;

	if (x->rawlen == y->rawlen && memcmp(x->raw, y->raw, x->rawlen) == 0)
		return NM_EXACT;
	if (x->canonlen == y->canonlen &&
	    memcmp(x->canon, y->canon, x->canonlen) == 0)
		return NM_TRANSLIT;
	s = x->rawlen <= y->rawlen ? x : y;
	l = s == x ? y : x;
	/* A word cut where its name filled the field: IVANOV from
	 * IVANOVA is a cut, not the other gender, only then. */
	if (s->rawlen >= NM_TRUNC_MIN && ((s == x && xlast) ||
	    (s == y && ylast)) && nm_cut(s, l))
		return NM_TRUNC;
	if (nm_gender(x->canon, x->canonlen, y->canon, y->canonlen))
		return NM_GENDER;
	if (given && x->known >= 0 && y->known >= 0)
		return x->known == y->known ? NM_TRANSLIT : NM_NONE;
	d = nm_dist(x->canon, x->canonlen, y->canon, y->canonlen, 1, 0);
	if (d < NM_FULL && d <= nm_near_max(s->canonlen) * NM_NEAR)
		return NM_TRANSLIT;
	if (given && s->rawlen < NM_TRUNC_MIN && ((s == x && xlast) ||
	    (s == y && ylast) || s->rawlen == 1)) {
		if (memcmp(s->raw, l->raw, s->rawlen) == 0 ||
		    (s->canonlen > 0 && l->canonlen > 0 &&
		    (s->canon[0] == l->canon[0] ||
		    nm_near_sub(s->canon[0], l->canon[0]))))
			return NM_INITIAL;
		return NM_NONE;
	}
	if (s->rawlen >= NM_TYPO_MIN) {
		if (d < 2 * NM_FULL)
			return NM_TYPO;
		if (nm_dist(x->raw, x->rawlen, y->raw, y->rawlen, 0, 0) <=
		    NM_FULL)
			return NM_TYPO;
	}
	return NM_NONE;
}

/* ---- given names that are different names ------------------------ */

/*
 * Common given names of the region, one line per name with the forms one
 * person's name takes in the languages around (Russian, Ukrainian,
 * Belarusian, Kazakh, Uzbek, Tajik, Azerbaijani, Turkish, German), spelt
 * as a Doc 9303 MRZ writes them; the spellings of each form meet in the
 * canonical form. Two given names found on one line are one name in two
 * languages (OLEKSANDR, ALEKSANDR); found on two lines, they are two
 * names, never a typing error or a spelling of each other: ERLAN is not
 * ERZHAN, MARAT is not MURAT, ZHANNA is not YANA.
 */
static const char *const nm_given_table[] = {
	/* Russian, Ukrainian, Belarusian: men */
	"ALEKSANDR OLEKSANDR ALIAKSANDR ALEXANDER",
	"ALEKSEI OLEKSII ALIAKSEI", "ANATOLII ANATOL", "ANDREI ANDRII ANDREY",
	"ANTON", "ARKADII", "ARSENII ARSEN", "ARTEM ARTEMII", "BOGDAN BOHDAN",
	"BORIS", "VADIM", "VALENTIN", "VALERII", "VASILII VASYL VASIL",
	"VIKTOR VIKTAR", "VITALII", "VLADIMIR VOLODYMYR ULADZIMIR", "VLADISLAV",
	"VSEVOLOD", "VIACHESLAV", "GENNADII", "GEORGII HEORHII GIORGI",
	"GRIGORII HRYHORII", "DANIIL DANYLO", "DENIS DENYS", "DMITRII DMYTRO "
	"DZMITRYI", "EVGENII YEVHEN IAUHEN", "EGOR YEHOR", "IVAN IVAN",
	"IGOR IHOR", "ILIA ILLIA", "KIRILL KYRYLO", "KONSTANTIN KOSTIANTYN",
	"LEV", "LEONID", "MAKSIM MAKSYM", "MATVEI", "MIKHAIL MYKHAILO",
	"NIKITA MYKYTA", "NIKOLAI MYKOLA MIKALAI", "OLEG OLEH ALEH", "OSTAP",
	"PAVEL PAVLO PAVAL", "PETR PETRO PIOTR", "ROMAN", "RUSLAN",
	"SVIATOSLAV", "SEMEN", "SERGEI SERHII SIARHEI", "STANISLAV",
	"STEPAN", "TARAS", "TIMOFEI TYMOFII", "FEDOR FEDIR", "EDUARD",
	"IURII YURII", "IAKOV", "IAROSLAV", "MARK", "GLEB", "TIMUR TEMUR",
	/* women */
	"ALEKSANDRA OLEKSANDRA", "ALENA", "ALEVTINA", "ALLA", "ANASTASIIA",
	"ANNA HANNA GANNA", "VALENTINA", "VALERIIA", "VASILISA", "VERA",
	"VERONIKA VERANIKA", "VIKTORIIA", "GALINA HALYNA", "DARIA",
	"EVGENIIA YEVHENIIA", "EKATERINA KATERYNA KATSIARYNA", "ELENA OLENA",
	"ELIZAVETA", "ZHANNA", "ZOIA", "IRINA IRYNA", "INNA", "KSENIIA",
	"LARISA", "LIUBOV", "LIUDMILA LIUDMYLA", "MARIIA", "MARINA", "NADEZHDA "
	"NADIIA", "NATALIA NATALIIA NATALLIA", "NINA", "OKSANA", "OLGA OLHA "
	"VOLHA", "POLINA", "SVETLANA SVITLANA SVIATLANA", "SOFIA", "TATIANA "
	"TETIANA TATSTSIANA", "ULIANA", "KHRISTINA", "IULIIA", "IANA",
	"ELVIRA", "ELMIRA", "LIDIIA", "LILIIA", "DIANA", "LIANA", "KARINA",
	"DARINA", "ANGELINA", "ANZHELIKA", "KRISTINA", "ALINA", "ALISA",
	/* Kazakh, Kyrgyz: men */
	"ABYLAI", "AIBEK", "AIDAR", "AIDOS", "AKZHOL", "ALIKHAN", "ALMAS",
	"ALMAZBEK", "ARMAN", "ASKAR", "ASKHAT", "AZAMAT", "AZAT", "BAKYT",
	"BAKYTZHAN", "BAUYRZHAN", "BEKZAT", "DANIIAR", "DANIIAL", "DARKHAN",
	"DAUREN", "DIDAR", "ERBOL", "ERBOLAT", "ERZHAN", "ERLAN", "ERNAR",
	"ERMEK", "ESBOL", "ELDOS", "GABIT", "GALYM", "ILIIAS ILYAS", "KAIRAT",
	"KANAT", "KUANYSH", "MAKSAT", "MARAT", "MEIRAM", "MIRLAN", "MUKHTAR",
	"MURAT", "NURBEK", "NURLAN", "NURZHAN", "NURSULTAN", "OLZHAS",
	"OMIRZAK", "SAMAT", "SANAT", "SANZHAR", "SERIK", "SERIKBOL", "TALGAT",
	"TEMIRLAN", "TILEK", "ULAN", "ZHANDOS", "ZHANIBEK", "ZHASULAN",
	"ZHUMABEK", "ZHAKSYLYK", "ABILKAIYR", "TANIRBERGEN", "SHYNGYS",
	"ADILET", "RUSTEM RUSTAM", "KURMANBEK", "SOORONBAI", "ZHEENBEK",
	"OMURBEK", "SADYR",
	/* women */
	"AIGUL", "AIGERIM", "AIZHAN", "AINUR", "AIZADA", "AIPERI", "AKBOTA",
	"AKERKE", "AKMARAL", "ALIIA", "ARUZHAN", "ASEL", "BALZHAN", "BERMET",
	"CHOLPON", "DANA", "DINA", "DINARA", "GULZHAN", "GULZAT", "GULMIRA",
	"GULNAR", "GULNARA", "GULNURA", "INKAR", "KAMILA", "KARLYGASH",
	"MADINA", "MALIKA", "MERUERT", "MOLDIR", "NAZERKE", "NURGUL",
	"PERIZAT", "SALTANAT", "SAULE", "SHYNAR", "TOLGANAI", "ULZHAN",
	"ZHANAR", "ZHANAT", "ZHANSAIA", "ZHAZIRA", "ZHULDYZ", "ZARINA",
	"MEERIM", "BUBUSARA",
	/* Uzbek, Tajik, Tatar, Azerbaijani: men */
	"ALISHER", "ANVAR", "AZIZ", "BAKHODIR", "BAKHTIER", "BOTIR", "DALER",
	"DILSHOD", "FARIDUN", "FARRUKH", "FIRDAVS", "GAIRAT", "ILKHOM ILHAM "
	"ILKHAM", "ISMOIL ISMAIL", "JAMSHID JAMSHED", "ZHAVLON", "KHURSHID",
	"NODIR", "OTABEK", "SHAMSIDDIN", "SHERZOD", "SHUKHRAT", "SOBIR",
	"SUKHROB", "ULUGBEK", "UMED", "UTKIR", "UKTAM", "IULDOSH", "ZHONIBEK",
	"RINAT", "RENAT", "ILDAR", "ILNUR", "RAMIL", "FARID", "RAFAEL",
	"DAMIR", "DANIS", "ELCHIN", "RASHAD", "ORKHAN", "TOFIG", "VUGAR",
	"MAMED MAMMAD", "GUSEIN HUSEYN HUSEYIN", "EMIN",
	/* women */
	"DILNOZA", "DILFUZA", "FERUZA", "GAVKHAR", "GULNORA", "MUNIRA",
	"NILUFAR", "SEVARA", "SHAKHNOZA", "IULDUZ", "UGILOI", "MEKHRANGEZ",
	"NIGINA", "TAKHMINA", "FARANGIS", "SHAKHLO", "GULRUKHSOR", "ALFIIA",
	"LEISAN", "ALSU", "GUZEL", "REZEDA", "ILSIIA", "DILIARA", "SEVINDZH",
	"AITEN", "GIUNAI", "LEILA", "NARGIZ", "SEVIL", "NIGIAR",
	/* Turkish, Arabic */
	"MEHMET", "MUSTAFA", "AHMET AKHMET AHMED", "ALI", "HASAN KHASAN",
	"IBRAHIM IBRAGIM", "YUSUF IUSUP", "OMER", "EMRE", "CAGRI", "AYSE",
	"FATMA", "EMINE", "ZEYNEP", "OZGE", "ELIF", "SULE", "GULSEN",
	"HATICE", "BUSRA",
	/* German */
	"JUERGEN", "GUENTER", "KLAUS", "DIETER", "UWE", "JOERG", "STEFAN",
	"ANDREAS", "MATTHIAS", "WOLFGANG", "SEBASTIAN", "SABINE", "URSULA",
	"KATHARINA", "JUTTA", "BRIGITTE", "ANJA", "DORIS", "BAERBEL",
	"GISELA"
};

#define NM_GIVEN_MAX	512
#define NM_GIVEN_LEN	24

struct nm_given {
	char		canon[NM_GIVEN_LEN];
	uint16_t	line;
};

static struct nm_given	nm_given[NM_GIVEN_MAX];
static size_t		nm_ngiven;
static pthread_once_t	nm_given_once = PTHREAD_ONCE_INIT;

static int
nm_given_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nm_given *)a)->canon,
	    ((const struct nm_given *)b)->canon);
}

static void
nm_given_init(void)
{
	const char	*p, *e;
	size_t		 i, n;

	for (i = 0; i < sizeof(nm_given_table) / sizeof(nm_given_table[0]);
	    i++) {
		for (p = nm_given_table[i]; *p != '\0'; p = e) {
			while (*p == ' ')
				p++;
			for (e = p; *e != '\0' && *e != ' '; e++)
				;
			n = (size_t)(e - p);
			if (n == 0 || n >= NM_GIVEN_LEN ||
			    nm_ngiven == NM_GIVEN_MAX)
				continue;
			(void)nm_canon(p, n, nm_given[nm_ngiven].canon);
			nm_given[nm_ngiven].line = (uint16_t)i;
			nm_ngiven++;
		}
	}
	qsort(nm_given, nm_ngiven, sizeof(nm_given[0]), nm_given_cmp);
}

static int
nm_given_find(const char *canon, size_t n)
{
	struct nm_given	 key, *hit;

	if (n >= NM_GIVEN_LEN)
		return -1;
	memcpy(key.canon, canon, n);
	key.canon[n] = '\0';
	hit = bsearch(&key, nm_given, nm_ngiven, sizeof(nm_given[0]),
	    nm_given_cmp);
	return hit != NULL ? hit->line : -1;
}

/*
 * The table line of a given name, or -1 if it is not there. The table is
 * in Russian spelling; a name is also looked for with H read as G (the
 * Ukrainian and Belarusian Г: HALYNA, HULNARA) and with J read as ZH (the
 * Kazakh habit: NURJAN).
 */
static int
nm_given_line(const struct namematch_word *w)
{
	char	alt[NAMEMATCH_WORD_MAX + 1], c2[NAMEMATCH_WORD_MAX + 1];
	size_t	i, k, n;
	int	line, pass;

	(void)pthread_once(&nm_given_once, nm_given_init);
	if ((line = nm_given_find(w->canon, w->canonlen)) >= 0)
		return line;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			memcpy(c2, w->canon, w->canonlen);
			n = w->canonlen;
		} else {
			if (memchr(w->raw, 'J', w->rawlen) == NULL)
				break;
			for (i = 0, k = 0; i < w->rawlen; i++) {
				if (k + 2 > NAMEMATCH_WORD_MAX)
					return -1;	/* nm_canon's limit */
				if (w->raw[i] == 'J') {
					alt[k++] = 'Z';
					alt[k++] = 'H';
				} else
					alt[k++] = w->raw[i];
			}
			n = nm_canon(alt, k, c2);
			if ((line = nm_given_find(c2, n)) >= 0)
				return line;
		}
		for (i = 0; i < n; i++)
			if (c2[i] == 'H')
				c2[i] = 'G';
		if ((line = nm_given_find(c2, n)) >= 0)
			return line;
	}
	return -1;
}

/* ---- patronymics ---------------------------------------------------- */

/* Endings of patronymics, longest first: Russian, Ukrainian, Belarusian,
 * Kazakh and Uzbek forms of "son of", "daughter of". */
static const char *const nm_patronymic_ends[] = {
	"INICHNA", "OVICH", "EVICH", "OVYCH", "EVYCH", "AVICH", "ICHNA",
	"OVNA", "EVNA", "IVNA", "AUNA", "KYZY", "UGLI", "QIZI", "ULY", "ICH"
};

/* The father's name in a patronymic, canonical, in out; 0 if w does not
 * end like one or too little is left. */
static size_t
nm_patronymic_stem(const struct namematch_word *w, char *out)
{
	size_t	i, n;

	for (i = 0; i < sizeof(nm_patronymic_ends) /
	    sizeof(nm_patronymic_ends[0]); i++) {
		n = strlen(nm_patronymic_ends[i]);
		if (w->rawlen >= n + 3 && memcmp(w->raw + w->rawlen - n,
		    nm_patronymic_ends[i], n) == 0)
			return nm_canon(w->raw, w->rawlen - n, out);
	}
	return 0;
}

/* Two patronymics of one father in two languages' forms: SERIKOVICH,
 * SERIKULY; SERIKOVNA, SERIKKYZY. */
static int
nm_same_father(const struct namematch_word *x,
    const struct namematch_word *y)
{
	char	a[NAMEMATCH_WORD_MAX + 1], b[NAMEMATCH_WORD_MAX + 1];
	size_t	an, bn;

	if ((an = nm_patronymic_stem(x, a)) == 0 ||
	    (bn = nm_patronymic_stem(y, b)) == 0)
		return 0;
	return nm_spelling(a, an, b, bn);
}

/* ---- a pair ------------------------------------------------------- */

struct nm_names {
	double		score;
	unsigned int	what;
	int		ok;
	int		swapped;
	enum nm_level	s, g1, g2;	/* g2 NM_ABSENT: not on both sides */
	int		g2sided;	/* a second given name on one side */
};

static const struct namematch_word nm_noword = { .known = -1 };

/*
 * Whether a name of this length fills an MRZ name field: TD1 30, TD2 and
 * MRV-B 31, TD3 and MRV-A 39 characters (Doc 9303 Parts 4-6). Only then
 * can its last word have been cut (Part 3, 4.6); a cut between two words
 * leaves the fillers off and a shorter name with every word whole.
 */
static int
nm_full(size_t mrzlen)
{
	return mrzlen == 30 || mrzlen == 31 || mrzlen == 39;
}

/* The names of w and t, surname against surname or, swapped, against the
 * first given name. */
static void
nm_names(const struct namematch_person *w, const struct namematch_person *t,
    int swapped, struct nm_names *r)
{
	const struct namematch_word	*ts, *tg;
	int				 tslast, tglast, typos = 0;
	int				 wcut, tcut;
	double				 f;

	memset(r, 0, sizeof(*r));
	r->swapped = swapped;
	wcut = nm_full(w->mrzlen);
	tcut = nm_full(t->mrzlen);
	if (swapped) {
		ts = &t->given[0];
		tslast = tcut && t->ngiven == 1;
		tg = &t->surname;
		tglast = 0;
	} else {
		ts = &t->surname;
		tslast = tcut && t->ngiven == 0;
		tg = t->ngiven > 0 ? &t->given[0] : &nm_noword;
		tglast = tcut && t->ngiven == 1;
	}
	r->s = nm_word(&w->surname, wcut && w->ngiven == 0, ts, tslast, 0);
	if (w->ngiven > 0 && (swapped || t->ngiven > 0))
		r->g1 = nm_word(&w->given[0], wcut && w->ngiven == 1, tg,
		    tglast, 1);
	else
		r->g1 = NM_ABSENT;
	r->g2 = NM_ABSENT;
	if (w->ngiven > 1 && t->ngiven > 1) {
		r->g2 = nm_word(&w->given[1], wcut && w->ngiven == 2,
		    &t->given[1], tcut && t->ngiven == 2, 1);
		if (r->g2 <= NM_GENDER &&
		    nm_same_father(&w->given[1], &t->given[1]))
			r->g2 = NM_TRANSLIT;
	}
	else if (w->ngiven > 1 || t->ngiven > 1)
		r->g2sided = 1;

	typos = (r->s == NM_TYPO) + (r->g1 == NM_TYPO) + (r->g2 == NM_TYPO);
	r->ok = r->s > NM_ABSENT && r->g1 >= NM_ABSENT && typos <= 1;
	if (!r->ok) {
		if (r->s > NM_ABSENT)
			r->score = NM_FAIL_SURNAME;
		else if (r->g1 > NM_ABSENT)
			r->score = NM_FAIL_GIVEN;
		else
			r->score = NM_FAIL_NONE;
		if (swapped)
			r->score *= NM_SWAP_FACTOR;
	} else {
		f = nm_worth[r->s] * nm_worth[r->g1];
		if (r->g2 <= NM_GENDER)
			f *= NM_SECOND_FACTOR;
		if (swapped)
			f *= NM_SWAP_FACTOR;
		r->score = f;
		r->what |= NAMEMATCH_NAME;
	}
	if (r->s == NM_GENDER || r->g1 == NM_GENDER)
		r->what |= NAMEMATCH_GENDER;
	if (r->g2 <= NM_GENDER)
		r->what |= NAMEMATCH_SECOND_DIFFERS;
#define BITS(l) ((l) == NM_TRANSLIT ? NAMEMATCH_TRANSLIT :		\
	(l) == NM_TRUNC ? NAMEMATCH_TRUNCATED : (l) == NM_TYPO ?	\
	NAMEMATCH_TYPO : (l) == NM_INITIAL ? NAMEMATCH_INITIAL : 0)
	r->what |= BITS(r->s) | BITS(r->g1) | BITS(r->g2);
#undef BITS
	if (swapped)
		r->what |= NAMEMATCH_SWAPPED;
	if (r->g1 == NM_ABSENT)
		r->what |= NAMEMATCH_NO_GIVEN;
	if (r->g2sided)
		r->what |= NAMEMATCH_ONE_SIDED;
}

/* Appends ", text" (or "text" first) to res->why; a full buffer keeps what
 * fitted. */
static void
nm_why(struct namematch_result *res, const char *text)
{
	size_t	n = strlen(res->why);
	int	m;

	m = snprintf(res->why + n, sizeof(res->why) - n, "%s%s",
	    n > 0 ? ", " : "", text);
	if (m < 0 || (size_t)m >= sizeof(res->why) - n)
		res->why[n] = '\0';
}

static void
nm_why_word(struct namematch_result *res, const char *what,
    enum nm_level l)
{
	char		 buf[96];
	const char	*how;

	switch (l) {
	case NM_EXACT:
		how = "=";
		break;
	case NM_TRANSLIT:
		how = "~ (transliteration)";
		break;
	case NM_TRUNC:
		how = "~ (truncated)";
		break;
	case NM_INITIAL:
		how = "~ (initial)";
		break;
	case NM_TYPO:
		how = "~ (one typing error)";
		break;
	case NM_GENDER:
		how = "differs (other gender form)";
		break;
	case NM_ABSENT:
		how = "on one side only";
		break;
	default:
		how = "differs";
		break;
	}
	(void)snprintf(buf, sizeof(buf), "%s %s", what, how);
	nm_why(res, buf);
}

/*
 * What the birth dates say: the factor of a watchlist person born
 * (wprec, wy, wm, wd) against the traveller t, its NAMEMATCH_BIRTH* bits in
 * *bits and its words in *text. Compared as far as both sides know it.
 */
static double
nm_date(enum namematch_prec wprec, int wy, int wm, int wd,
    const struct namematch_person *t, unsigned int *bits, const char **text)
{
	enum namematch_prec	p;

	p = wprec < t->birth_prec ? wprec : t->birth_prec;
	if (p == NAMEMATCH_DATE_NONE) {
		*bits = NAMEMATCH_BIRTH_UNKNOWN;
		*text = "birth date unknown on one side";
		return NM_DATE_UNKNOWN;
	}
	if (wy != t->birth_year ||
	    (p >= NAMEMATCH_DATE_MONTH && wm != t->birth_month) ||
	    (p == NAMEMATCH_DATE_DAY && wd != t->birth_day)) {
		if (p == NAMEMATCH_DATE_DAY && wy == t->birth_year &&
		    wm == t->birth_day && wd == t->birth_month) {
			*bits = NAMEMATCH_BIRTH | NAMEMATCH_BIRTH_SWAPPED;
			*text = "birth date = (day and month swapped)";
			return NM_DATE_SWAPPED;
		}
		*bits = NAMEMATCH_BIRTH_DIFFERS;
		*text = "birth date differs";
		return NM_DATE_DIFFERS;
	}
	if (p == NAMEMATCH_DATE_DAY) {
		*bits = NAMEMATCH_BIRTH;
		*text = "birth date =";
		return NM_DATE_DAY;
	}
	*bits = NAMEMATCH_BIRTH | NAMEMATCH_BIRTH_PARTIAL;
	if (p == NAMEMATCH_DATE_MONTH) {
		*text = "birth year and month =";
		return NM_DATE_MONTH;
	}
	*text = "birth year =";
	return NM_DATE_YEAR;
}

/* What the nationalities say: the factor of the watchlist person's wnat
 * against t's, its bit and its words. */
static double
nm_nat(const char *wnat, const struct namematch_person *t,
    unsigned int *bits, const char **text)
{
	*bits = 0;
	if (wnat[0] == '\0' || t->nationality[0] == '\0') {
		*text = "nationality unknown on one side";
		return 1.0;
	}
	if (strcmp(wnat, t->nationality) != 0) {
		*bits = NAMEMATCH_NAT_DIFFERS;
		*text = "nationality differs";
		return NM_NAT_FACTOR;
	}
	*text = "nationality =";
	return 1.0;
}

/* A product of factors as a score: 0..1, rounded to 3 decimals. */
static double
nm_round(double f)
{
	if (f < 0.0)
		f = 0.0;
	if (f > 1.0)
		f = 1.0;
	return (double)(int)(f * 1000.0 + 0.5) / 1000.0;
}

void
namematch_score(const struct namematch_person *w,
    const struct namematch_person *t, struct namematch_result *res)
{
	struct nm_names	 a, b, *n;
	const char	*text;
	double		 f;
	unsigned int	 bits;
	enum namematch_prec p;

	memset(res, 0, sizeof(*res));
	nm_names(w, t, 0, &a);
	n = &a;
	if (w->ngiven > 0 && t->ngiven > 0) {
		nm_names(w, t, 1, &b);
		if (b.score > a.score)
			n = &b;
	}
	res->what = n->what;
	f = n->score;
	if (n->swapped)
		nm_why(res, "surname and given name swapped");
	nm_why_word(res, "surname", n->s);
	if (w->ngiven == 0 && t->ngiven == 0)
		nm_why(res, "no given names on either side");
	else
		nm_why_word(res, n->g1 == NM_ABSENT ? "given names" :
		    "given name", n->g1);
	if (n->g2sided)
		nm_why(res, "patronymic or second given name on one side "
		    "only");
	else if (n->g2 != NM_ABSENT)
		nm_why_word(res, "second given name", n->g2);

	/* Birth date, compared as far as both sides know it. */
	f *= nm_date(w->birth_prec, w->birth_year, w->birth_month,
	    w->birth_day, t, &bits, &text);
	res->what |= bits;
	nm_why(res, text);
	p = w->birth_prec < t->birth_prec ? w->birth_prec : t->birth_prec;

	/* A typing error is forgiven only when the whole birth date agrees:
	 * with a year alone, NAZAROV and NAZIROV are two families. */
	if ((res->what & NAMEMATCH_NAME) && (res->what & NAMEMATCH_TYPO) &&
	    (p != NAMEMATCH_DATE_DAY ||
	    !(res->what & NAMEMATCH_BIRTH) ||
	    (res->what & NAMEMATCH_BIRTH_SWAPPED))) {
		f *= NM_TYPO_UNSURE;
		nm_why(res, "a typing error without the full birth date to "
		    "confirm it");
	}

	f *= nm_nat(w->nationality, t, &bits, &text);
	res->what |= bits;
	nm_why(res, text);
	res->score = nm_round(f);
}

/* ---- the prepared form ------------------------------------------- */

/*
 * A person packed: a version byte, the birth date (precision, year as two
 * bytes, month, day), the nationality in 3 bytes, mrzlen in two, the
 * number of given names, then the surname and each given name as rawlen,
 * raw, canonlen, canon, and the name table line plus one in two bytes.
 * Numbers are little-endian.
 */
#define NM_PACK_VERSION	1
#define NM_PACK_HEAD	12

static void
nm_put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v & 0xff);
	p[1] = (uint8_t)(v >> 8);
}

static unsigned int
nm_get16(const uint8_t *p)
{
	return (unsigned int)p[0] | (unsigned int)p[1] << 8;
}

int
namematch_pack(const struct namematch_person *p, uint8_t *buf,
    size_t bufsz, size_t *len)
{
	const struct namematch_word	*w;
	size_t				 i, off = NM_PACK_HEAD;

	if (p->ngiven > NAMEMATCH_GIVEN_MAX || p->mrzlen > 0xffff ||
	    p->birth_year < 0 || p->birth_year > 0xffff ||
	    bufsz < NM_PACK_HEAD)
		return ERR_RANGE;
	buf[0] = NM_PACK_VERSION;
	buf[1] = (uint8_t)p->birth_prec;
	nm_put16(buf + 2, (unsigned int)p->birth_year);
	buf[4] = (uint8_t)p->birth_month;
	buf[5] = (uint8_t)p->birth_day;
	memset(buf + 6, 0, 3);
	memcpy(buf + 6, p->nationality, strnlen(p->nationality, 3));
	nm_put16(buf + 9, (unsigned int)p->mrzlen);
	buf[11] = (uint8_t)p->ngiven;
	for (i = 0; i <= p->ngiven; i++) {
		w = i == 0 ? &p->surname : &p->given[i - 1];
		if (bufsz - off < (size_t)w->rawlen + w->canonlen + 4)
			return ERR_RANGE;
		buf[off++] = w->rawlen;
		memcpy(buf + off, w->raw, w->rawlen);
		off += w->rawlen;
		buf[off++] = w->canonlen;
		memcpy(buf + off, w->canon, w->canonlen);
		off += w->canonlen;
		nm_put16(buf + off, (unsigned int)(w->known + 1));
		off += 2;
	}
	*len = off;
	return 0;
}

/* n letters A-Z at p. */
static int
nm_letters(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			return 0;
	return 1;
}

/* The birth date and nationality of a packed person, checked. */
static int
nm_unpack_head(const uint8_t *p, size_t len, enum namematch_prec *prec,
    int *y, int *m, int *d, char nat[4])
{
	size_t	n;

	if (len < NM_PACK_HEAD || p[0] != NM_PACK_VERSION ||
	    p[1] > NAMEMATCH_DATE_DAY || p[4] > 12 || p[5] > 31 ||
	    p[11] > NAMEMATCH_GIVEN_MAX)
		return ERR_PARSE;
	*prec = (enum namematch_prec)p[1];
	*y = (int)nm_get16(p + 2);
	*m = p[4];
	*d = p[5];
	for (n = 0; n < 3 && p[6 + n] != 0; n++)
		;
	if (!nm_letters(p + 6, n) || (n < 3 && p[8] != 0) ||
	    (n < 2 && p[7] != 0))
		return ERR_PARSE;
	memcpy(nat, p + 6, n);
	nat[n] = '\0';
	return 0;
}

int
namematch_unpack(struct namematch_person *out, const uint8_t *p, size_t len)
{
	struct namematch_person	 q;
	struct namematch_word	*w;
	size_t			 i, off = NM_PACK_HEAD, n;
	unsigned int		 known;

	memset(&q, 0, sizeof(q));
	if (nm_unpack_head(p, len, &q.birth_prec, &q.birth_year,
	    &q.birth_month, &q.birth_day, q.nationality) != 0)
		return ERR_PARSE;
	q.mrzlen = nm_get16(p + 9);
	q.ngiven = p[11];
	for (i = 0; i <= q.ngiven; i++) {
		w = i == 0 ? &q.surname : &q.given[i - 1];
		if (len - off < 1 || (n = p[off]) > NAMEMATCH_WORD_MAX ||
		    len - off - 1 < n || !nm_letters(p + off + 1, n))
			return ERR_PARSE;
		memcpy(w->raw, p + off + 1, n);
		w->rawlen = (uint8_t)n;
		off += 1 + n;
		if (len - off < 1 || (n = p[off]) > NAMEMATCH_WORD_MAX ||
		    len - off - 1 < n || !nm_letters(p + off + 1, n))
			return ERR_PARSE;
		memcpy(w->canon, p + off + 1, n);
		w->canonlen = (uint8_t)n;
		off += 1 + n;
		if (len - off < 2)
			return ERR_PARSE;
		known = nm_get16(p + off);
		off += 2;
		if (known > sizeof(nm_given_table) / sizeof(nm_given_table[0]))
			return ERR_PARSE;
		w->known = (int16_t)((int)known - 1);
	}
	if (off != len || q.surname.rawlen == 0)
		return ERR_PARSE;
	*out = q;
	return 0;
}

double
namematch_bound(const struct namematch_person *w,
    const struct namematch_person *t)
{
	unsigned int	 bits;
	const char	*text;
	double		 f;

	f = nm_date(w->birth_prec, w->birth_year, w->birth_month,
	    w->birth_day, t, &bits, &text);
	f *= nm_nat(w->nationality, t, &bits, &text);
	return nm_round(f);
}

int
namematch_packed_bound(const uint8_t *p, size_t len,
    const struct namematch_person *t, double *bound)
{
	enum namematch_prec	 prec;
	unsigned int		 bits;
	const char		*text;
	char			 nat[4];
	double			 f;
	int			 y, m, d;

	if (nm_unpack_head(p, len, &prec, &y, &m, &d, nat) != 0)
		return ERR_PARSE;
	f = nm_date(prec, y, m, d, t, &bits, &text);
	f *= nm_nat(nat, t, &bits, &text);
	*bound = nm_round(f);
	return 0;
}

/* ---- reading a person --------------------------------------------- */

/* Two-byte UTF-8 letters read as another two-byte letter. */
static const struct {
	unsigned char	from[2];
	unsigned char	to[2];
} nm_respellings[] = {
	{ { 0xd2, 0x96 }, { 0xd0, 0x96 } },	/* Җ Tatar: Ж */
	{ { 0xd2, 0x97 }, { 0xd0, 0xb6 } },	/* җ */
	{ { 0xd2, 0x98 }, { 0xd0, 0x97 } },	/* Ҙ Bashkir: З */
	{ { 0xd2, 0x99 }, { 0xd0, 0xb7 } },	/* ҙ */
	{ { 0xd2, 0xaa }, { 0xd0, 0xa1 } },	/* Ҫ Bashkir: С */
	{ { 0xd2, 0xab }, { 0xd1, 0x81 } },	/* ҫ */
	{ { 0xd2, 0xb2 }, { 0xd0, 0xa5 } },	/* Ҳ Uzbek, Tajik: Х */
	{ { 0xd2, 0xb3 }, { 0xd1, 0x85 } },	/* ҳ */
	{ { 0xd2, 0xb6 }, { 0xd0, 0x96 } },	/* Ҷ Tajik: Ж */
	{ { 0xd2, 0xb7 }, { 0xd0, 0xb6 } },	/* ҷ */
	{ { 0xd2, 0xba }, { 0xd0, 0xa5 } },	/* Һ Kazakh, Tatar: Х */
	{ { 0xd2, 0xbb }, { 0xd1, 0x85 } },	/* һ */
	{ { 0xd3, 0xa2 }, { 0xd0, 0x98 } },	/* Ӣ Tajik: И */
	{ { 0xd3, 0xa3 }, { 0xd0, 0xb8 } },	/* ӣ */
	{ { 0xd3, 0xae }, { 0xd0, 0xa3 } },	/* Ӯ Tajik: У */
	{ { 0xd3, 0xaf }, { 0xd1, 0x83 } },	/* ӯ */
	{ { 0xc6, 0x8f }, { 0xc3, 0x84 } },	/* Ə Azerbaijani: Ä */
	{ { 0xc9, 0x99 }, { 0xc3, 0xa4 } }	/* ə */
};

/* If p starts with one of those letters, writes its respelling to out. */
static int
nm_respell(const char *p, char *out)
{
	size_t	i;

	for (i = 0; i < sizeof(nm_respellings) / sizeof(nm_respellings[0]);
	    i++)
		if ((unsigned char)p[0] == nm_respellings[i].from[0] &&
		    (unsigned char)p[1] == nm_respellings[i].from[1]) {
			out[0] = (char)nm_respellings[i].to[0];
			out[1] = (char)nm_respellings[i].to[1];
			return 1;
		}
	return 0;
}

/* Transliterates one name field into words; *nw words of at most
 * NAMEMATCH_WORD_MAX letters each, at most maxw of them. */
static int
nm_words(const char *in, size_t len, enum translit_lang lang,
    const char *field, char words[][NAMEMATCH_WORD_MAX + 1], size_t maxw,
    size_t *nw, struct namematch_err *err)
{
	char			buf[NAMEMATCH_FIELD_MAX], out[NM_BUF];
	struct translit_err	te;
	size_t			i, k, n = 0, start;
	int			rc;

	if (len > NAMEMATCH_FIELD_MAX) {
		nm_fail(err, field, "longer than %d bytes",
		    NAMEMATCH_FIELD_MAX);
		return ERR_TOOBIG;
	}
	/* '<' is an MRZ filler: a space. Letters of Central Asian and
	 * Turkic alphabets that Doc 9303 has no row for, and Kazakh Һ (which
	 * it writes C), become the letter they are read as: the same number
	 * of bytes in UTF-8. */
	for (i = 0; i < len; i++) {
		buf[i] = in[i] == '<' ? ' ' : in[i];
		if (i + 1 < len && nm_respell(in + i, buf + i))
			i++;
	}
	memset(&te, 0, sizeof(te));
	rc = translit_convert(buf, len, lang, TRANSLIT_WORDS, out,
	    sizeof(out), &te);
	if (rc != 0) {
		nm_fail(err, field, "%s", te.msg);
		return rc;
	}
	for (i = 0; out[i] != '\0';) {
		start = i;
		while (out[i] != '\0' && out[i] != ' ')
			i++;
		k = i - start;
		if (k > NAMEMATCH_WORD_MAX) {
			nm_fail(err, field, "a word of %zu letters; at most %d",
			    k, NAMEMATCH_WORD_MAX);
			return ERR_INVAL;
		}
		if (n == maxw) {
			nm_fail(err, field, "more than %zu words", maxw);
			return ERR_INVAL;
		}
		memcpy(words[n], out + start, k);
		words[n][k] = '\0';
		n++;
		if (out[i] == ' ')
			i++;
	}
	*nw = n;
	return 0;
}

static void
nm_word_set(struct namematch_word *w, const char *raw, size_t n)
{
	memcpy(w->raw, raw, n);
	w->raw[n] = '\0';
	w->rawlen = (uint8_t)n;
	w->canonlen = (uint8_t)nm_canon(w->raw, n, w->canon);
	w->known = (int16_t)nm_given_line(w);
}

/* A printable copy of s for a message: ASCII shown, the rest as '?'. */
static void
nm_show(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t	i, n = len < bufsz - 4 ? len : bufsz - 4;

	for (i = 0; i < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] :
		    '?';
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static int
nm_digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

static int
nm_birth(struct namematch_person *p, const char *s, size_t len,
    struct namematch_err *err)
{
	char	show[40];
	int	y = 0, m = 0, d = 0;

	if (s == NULL || len == 0)
		return 0;
	nm_show(s, len, show, sizeof(show));
	if ((len != 4 && len != 7 && len != 10) || !nm_digits(s, 4, &y) ||
	    (len >= 7 && (s[4] != '-' || !nm_digits(s + 5, 2, &m))) ||
	    (len == 10 && (s[7] != '-' || !nm_digits(s + 8, 2, &d)))) {
		nm_fail(err, "birth_date", "must be YYYY-MM-DD, YYYY-MM or "
		    "YYYY, got \"%s\"", show);
		return ERR_PARSE;
	}
	if (y < 1 || (len >= 7 && (m < 1 || m > 12)) ||
	    (len == 10 && (d < 1 || d > 31))) {
		nm_fail(err, "birth_date", "\"%s\" is not a date", show);
		return ERR_RANGE;
	}
	if (len == 10) {
		/* Only the day can still be out of range: 02-30, 04-31. */
		static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
		    30, 31, 30, 31 };
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) {
			nm_fail(err, "birth_date", "\"%s\" is not a date",
			    show);
			return ERR_RANGE;
		}
	}
	p->birth_year = y;
	p->birth_month = m;
	p->birth_day = d;
	p->birth_prec = len == 4 ? NAMEMATCH_DATE_YEAR : len == 7 ?
	    NAMEMATCH_DATE_MONTH : NAMEMATCH_DATE_DAY;
	return 0;
}

static int
nm_nationality(struct namematch_person *p, const char *s, size_t len,
    struct namematch_err *err)
{
	char	show[40];
	size_t	n = len, i;

	if (s == NULL)
		return 0;
	while (n > 0 && s[n - 1] == '<')
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			break;
	if (n > 3 || i < n) {
		nm_show(s, len, show, sizeof(show));
		nm_fail(err, "nationality", "must be an ICAO code of 1 to 3 "
		    "capital letters (KAZ, D), got \"%s\"", show);
		return ERR_INVAL;
	}
	memcpy(p->nationality, s, n);
	p->nationality[n] = '\0';
	return 0;
}

int
namematch_parse(struct namematch_person *out,
    const struct namematch_input *in, struct namematch_err *err)
{
	struct namematch_person	p;
	char			w[NAMEMATCH_GIVEN_MAX][NAMEMATCH_WORD_MAX + 1];
	char			joined[NAMEMATCH_WORD_MAX + 1];
	enum translit_lang	lang;
	size_t			nw, i, k, len;
	int			rc;

	memset(&p, 0, sizeof(p));
	if ((rc = nm_nationality(&p, in->nationality, in->nationality_len,
	    err)) != 0)
		return rc;
	lang = p.nationality[0] != '\0' ? translit_pick_lang(p.nationality,
	    strlen(p.nationality)) : TRANSLIT_LANG_DEFAULT;

	if (in->surname == NULL) {
		nm_fail(err, "surname", "missing");
		return ERR_INVAL;
	}
	if ((rc = nm_words(in->surname, in->surname_len, lang, "surname", w,
	    NAMEMATCH_GIVEN_MAX, &nw, err)) != 0)
		return rc;
	if (nw == 0) {
		nm_fail(err, "surname", "has no letters");
		return ERR_INVAL;
	}
	p.mrzlen = nw - 1;
	for (i = 0, k = 0; i < nw; i++) {
		len = strlen(w[i]);
		if (k + len > NAMEMATCH_WORD_MAX) {
			nm_fail(err, "surname", "more than %d letters",
			    NAMEMATCH_WORD_MAX);
			return ERR_INVAL;
		}
		memcpy(joined + k, w[i], len);
		k += len;
	}
	nm_word_set(&p.surname, joined, k);
	p.mrzlen += k;

	if (in->given_names != NULL) {
		if ((rc = nm_words(in->given_names, in->given_names_len, lang,
		    "given_names", w, NAMEMATCH_GIVEN_MAX, &nw, err)) != 0)
			return rc;
		for (i = 0; i < nw; i++) {
			nm_word_set(&p.given[i], w[i], strlen(w[i]));
			p.mrzlen += (i == 0 ? 2 : 1) + p.given[i].rawlen;
		}
		p.ngiven = nw;
	}
	if ((rc = nm_birth(&p, in->birth_date, in->birth_date_len, err)) != 0)
		return rc;
	*out = p;
	return 0;
}

/* ---- blocking ----------------------------------------------------- */

/* Class of a canonical symbol in a skeleton: near symbols share one. */
static char
nm_skel_class(char c)
{
	switch (c) {
	case 'G':
	case 'X':
		return 'H';
	case 'W':
		return 'S';
	case 'Q':
		return 'C';
	default:
		return c;
	}
}

/* The class of a word's first symbol: vowels that spelling schemes
 * exchange share one (O and U; I, Y and J, which is also Ж). */
static char
nm_lead_class(char c)
{
	switch (c) {
	case 'I':
	case 'J':
		return 'I';
	case 'O':
	case 'U':
		return 'U';
	default:
		return nm_skel_class(c);	/* A and E stay */
	}
}

/* A symbol a skeleton leaves out after the first: vowels, glides and Ж
 * (which spelling can turn into a glide), G after N (Ң as NG). */
static int
nm_skel_skip(const struct namematch_word *w, size_t i)
{
	char	c = w->canon[i];

	return nm_vowel(c) || c == 'J' || (c == 'G' && i > 0 &&
	    w->canon[i - 1] == 'N');
}

/* The first letters of a word that no spelling scheme changes: the class
 * of the first symbol, then consonant classes without repeats. */
static void
nm_skeleton(const struct namematch_word *w, char *out, size_t outsz)
{
	size_t	i, k = 0;
	char	c, last = 0;

	for (i = 0; i < w->canonlen && k + 1 < outsz && k < NM_SKEL; i++) {
		if (i == 0) {
			out[k++] = last = nm_lead_class(w->canon[0]);
			continue;
		}
		if (nm_skel_skip(w, i))
			continue;
		c = nm_skel_class(w->canon[i]);
		if (c == last)
			continue;
		out[k++] = c;
		last = c;
	}
	out[k] = '\0';
}

static char
nm_first_class(const struct namematch_word *w)
{
	return w->canonlen > 0 ? nm_lead_class(w->canon[0]) : '0';
}

/* The class of the last consonant of a word, '0' if none; a final V or N
 * (-OV, -EV, -IN, -AN) says little, so the one before it if there is
 * one. */
static char
nm_last_class(const struct namematch_word *w)
{
	char	c[2];
	size_t	i, n = 0;

	for (i = w->canonlen; i > 0 && n < 2; i--)
		if (!nm_skel_skip(w, i - 1))
			c[n++] = w->canon[i - 1];
	if (n == 0)
		return '0';
	if (n == 2 && (c[0] == 'V' || c[0] == 'N'))
		return nm_skel_class(c[1]);
	return nm_skel_class(c[0]);
}

/* Adds "SKEL:YYYY:" and then tail (which may be ""), unless present. */
static void
nm_key_add(struct namematch_keys *out, const struct namematch_word *w,
    int year, const char *tail)
{
	char	skel[NM_SKEL + 1], key[NAMEMATCH_KEY_MAX];
	size_t	i;
	int	n;

	if (out->n == NAMEMATCH_KEYS_MAX || w->canonlen == 0)
		return;
	nm_skeleton(w, skel, sizeof(skel));
	if (year < 0)
		n = snprintf(key, sizeof(key), "%s:", skel);
	else
		n = snprintf(key, sizeof(key), "%s:%04d:%s", skel,
		    year <= 9999 ? year : 0, tail);
	if (n < 0 || (size_t)n >= sizeof(key))
		return;
	for (i = 0; i < out->n; i++)
		if (strcmp(out->key[i], key) == 0)
			return;
	memcpy(out->key[out->n++], key, (size_t)n + 1);
}

/* The keys pairing word a with the first and the last consonant of b. */
static void
nm_key_pair(struct namematch_keys *out, const struct namematch_word *a,
    const struct namematch_word *b, int year)
{
	char	tail[3];

	tail[0] = 'F';
	tail[1] = nm_first_class(b);
	tail[2] = '\0';
	nm_key_add(out, a, year, tail);
	tail[0] = 'L';
	tail[1] = nm_last_class(b);
	nm_key_add(out, a, year, tail);
}

int
namematch_key(const struct namematch_person *p, struct namematch_keys *out)
{
	memset(out, 0, sizeof(*out));
	if (p->ngiven == 0) {
		nm_key_add(out, &p->surname, p->birth_year, "-");
		return 0;
	}
	nm_key_pair(out, &p->surname, &p->given[0], p->birth_year);
	nm_key_pair(out, &p->given[0], &p->surname, p->birth_year);
	return 0;
}

int
namematch_query_keys(const struct namematch_person *p,
    struct namematch_keys *out)
{
	int	years[2], i;

	memset(out, 0, sizeof(*out));
	years[0] = p->birth_year;
	years[1] = 0;
	if (p->birth_prec == NAMEMATCH_DATE_NONE) {
		/* Every year, every other name. */
		out->prefix = 1;
		nm_key_add(out, &p->surname, -1, "");
		if (p->ngiven > 0)
			nm_key_add(out, &p->given[0], -1, "");
		return 0;
	}
	if (p->ngiven == 0) {
		/* Alerts with any given name, or none. */
		out->prefix = 1;
		for (i = 0; i < 2; i++)
			nm_key_add(out, &p->surname, years[i], "");
		return 0;
	}
	for (i = 0; i < 2; i++) {
		nm_key_pair(out, &p->surname, &p->given[0], years[i]);
		nm_key_pair(out, &p->given[0], &p->surname, years[i]);
		nm_key_add(out, &p->surname, years[i], "-");
	}
	return 0;
}

/* ---- JSON lines ----------------------------------------------------- */

static int
nm_json_person(json_t *o, const char *side, struct namematch_person *out,
    struct namematch_err *err)
{
	static const char *const keys[] = { "surname", "given_names",
	    "birth_date", "nationality" };
	struct namematch_input	 in;
	struct namematch_err	 e;
	const char		*key, *sv[4];
	size_t			 sl[4], i;
	json_t			*v;
	char			 field[32];
	int			 rc;

	if (o == NULL) {
		nm_fail(err, side, "missing (an object with surname, "
		    "given_names, birth_date, nationality)");
		return ERR_INVAL;
	}
	if (!json_is_object(o)) {
		nm_fail(err, side, "must be an object");
		return ERR_INVAL;
	}
	memset(sv, 0, sizeof(sv));
	memset(sl, 0, sizeof(sl));
	json_object_foreach(o, key, v) {
		for (i = 0; i < 4; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		(void)snprintf(field, sizeof(field), "%.9s.%.20s", side, key);
		if (i == 4) {
			nm_fail(err, field, "unknown key (a person has "
			    "surname, given_names, birth_date, nationality)");
			return ERR_INVAL;
		}
		if (json_is_null(v) && i > 0)
			continue;
		if (!json_is_string(v)) {
			nm_fail(err, field, i > 0 ? "must be a string or null" :
			    "must be a string");
			return ERR_INVAL;
		}
		sv[i] = json_string_value(v);
		sl[i] = json_string_length(v);
	}
	memset(&in, 0, sizeof(in));
	in.surname = sv[0];
	in.surname_len = sl[0];
	in.given_names = sv[1];
	in.given_names_len = sl[1];
	in.birth_date = sv[2];
	in.birth_date_len = sl[2];
	in.nationality = sv[3];
	in.nationality_len = sl[3];
	memset(&e, 0, sizeof(e));
	if ((rc = namematch_parse(out, &in, &e)) != 0) {
		(void)snprintf(field, sizeof(field), "%.9s.%.20s", side,
		    e.field);
		nm_fail(err, field, "%s", e.msg);
		return rc;
	}
	return 0;
}

int
namematch_parse_line(struct namematch_line *out, const char *p, size_t len,
    struct namematch_err *err)
{
	struct namematch_line	 l;
	json_error_t		 je;
	json_t			*root, *v;
	char			*s;
	size_t			 n;
	int			 rc = ERR_INVAL;

	if (len > NAMEMATCH_LINE_MAX) {
		nm_fail(err, "", "longer than %d bytes", NAMEMATCH_LINE_MAX);
		return ERR_TOOBIG;
	}
	if ((root = json_loadb(p, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		nm_fail(err, "", "invalid JSON at column %d: %s", je.column,
		    je.text);
		return ERR_PARSE;
	}
	memset(&l, 0, sizeof(l));
	l.label = -1;
	if (!json_is_object(root)) {
		nm_fail(err, "", "must be a JSON object");
		goto out;
	}
	v = json_object_get(root, "id");
	if (v == NULL) {
		nm_fail(err, "id", "missing");
		goto out;
	}
	if (!json_is_string(v) && !json_is_integer(v)) {
		nm_fail(err, "id", "must be a string or an integer");
		goto out;
	}
	if ((s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL) {
		rc = ERR_NOMEM;
		nm_fail(err, "id", "out of memory");
		goto out;
	}
	n = strlen(s);
	if (n >= sizeof(l.id)) {
		free(s);
		rc = ERR_TOOBIG;
		nm_fail(err, "id", "longer than %zu bytes", sizeof(l.id) - 1);
		goto out;
	}
	memcpy(l.id, s, n + 1);
	free(s);
	if ((v = json_object_get(root, "label")) != NULL) {
		if (!json_is_boolean(v)) {
			nm_fail(err, "label", "must be true or false");
			goto out;
		}
		l.label = json_is_true(v);
	}
	if ((v = json_object_get(root, "variation")) != NULL) {
		if (!json_is_string(v) ||
		    json_string_length(v) >= sizeof(l.variation)) {
			nm_fail(err, "variation", "must be a string of at most "
			    "%zu bytes", sizeof(l.variation) - 1);
			goto out;
		}
		memcpy(l.variation, json_string_value(v),
		    json_string_length(v));
	}
	if ((rc = nm_json_person(json_object_get(root, "watchlist"),
	    "watchlist", &l.watch, err)) != 0)
		goto out;
	if ((rc = nm_json_person(json_object_get(root, "traveller"),
	    "traveller", &l.trav, err)) != 0)
		goto out;
	*out = l;
	rc = 0;
out:
	json_decref(root);
	return rc;
}
