/* translit.h - transliterate a name written in UTF-8 (Latin letters with
 * diacritics, Cyrillic) into the letters of an ICAO 9303 machine-readable
 * zone, after Doc 9303 Part 3 (8th ed., 2021) sections 4.6 and 6. One call
 * handles one identifier (a surname, or the given names); laying out the
 * name field is the MRZ module's business. docs/transliteration.md has the
 * tables and the choices. */
#ifndef SHEKARA_TRANSLIT_H
#define SHEKARA_TRANSLIT_H

#include <stddef.h>
#include <stdint.h>

#define TRANSLIT_IN_MAX		1024	/* bytes of UTF-8 in one name */
#define TRANSLIT_MSG_MAX	128	/* bytes in translit_err.msg */

/*
 * Whose column of the Cyrillic table (Doc 9303 Part 3, 6.B) applies. The
 * default is the table's main column, which is the Russian practice; Kazakh
 * names use it too. translit_pick_lang() chooses from a nationality.
 */
enum translit_lang {
	TRANSLIT_LANG_DEFAULT = 0,
	TRANSLIT_LANG_BELARUSIAN,	/* Ё IO, Г H */
	TRANSLIT_LANG_BULGARIAN,	/* Щ SHT */
	TRANSLIT_LANG_MACEDONIAN,	/* Ќ KJ, Џ DJ, Х H, Ц C, Ғ GJ */
	TRANSLIT_LANG_SERBIAN,		/* Г H, Ж Z, Х H, Ц C, Ч C, Ш S */
	TRANSLIT_LANG_UKRAINIAN,	/* Г H, И Y; first letter of a name
					 * component: Є YE, Ї YI, Й Y, Ю YU,
					 * Я YA */
	TRANSLIT_LANG_COUNT
};

/* Flags. */
#define TRANSLIT_WORDS	0x01	/* components separated by ' ', not '<' */
#define TRANSLIT_SHORT	0x02	/* Ä Å Ö Ü as A A O U, not AE AA OE UE */
#define TRANSLIT_XX	0x04	/* Ñ as NXX and Ü as UXX (Doc 9303 Part 3,
				 * Appendix B); wins over TRANSLIT_SHORT */

/* What was wrong with the input, filled in when translit_convert fails. */
struct translit_err {
	size_t		off;	/* byte offset in the input of the sequence or
				 * character at fault */
	uint32_t	cp;	/* that character, when it decoded; else 0 */
	size_t		need;	/* ERR_TOOBIG for the output: bytes it needs,
				 * the NUL included; else 0 */
	char		msg[TRANSLIT_MSG_MAX];	/* "byte 3: ..." */
};

/*
 * Transliterates in[0..len) into buf as upper-case A-Z, one separator
 * ('<', or ' ' with TRANSLIT_WORDS) between name components, none at the
 * ends, NUL-terminated. Spaces, hyphens and dashes, and commas separate
 * components; apostrophes, full stops, quotation marks and soft hyphens are
 * omitted with nothing in their place (Doc 9303 Part 3, 4.6); so is the soft
 * sign Ь. Combining diacritical marks after a letter are composed with it
 * first. A name of only separators gives "".
 *
 * Returns 0; ERR_PARSE for invalid UTF-8 (overlong, surrogate, truncated or
 * missing continuation, above U+10FFFF, a byte that cannot start a
 * character); ERR_INVAL for a character with no transliteration (a digit,
 * a control character, other punctuation, '<', a letter of another script);
 * ERR_TOOBIG when len > TRANSLIT_IN_MAX or the result does not fit in
 * bufsz; ERR_RANGE for a bad lang or flags. The first problem only is
 * reported, in *err if err is not NULL. On failure buf is left untouched.
 */
int	translit_convert(const char *in, size_t len, enum translit_lang lang,
	    int flags, char *buf, size_t bufsz, struct translit_err *err);

/*
 * The Cyrillic column to use for a holder of nationality state (a Doc 9303
 * three-letter code as printed in the MRZ, fillers allowed after it):
 * BLR Belarusian, BGR Bulgarian, MKD Macedonian, SRB Serbian, UKR
 * Ukrainian, anything else the default.
 */
enum translit_lang translit_pick_lang(const char *state, size_t len);

#endif
