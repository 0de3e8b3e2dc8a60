/* translit.c - names in UTF-8 to MRZ letters. The tables are Doc 9303
 * Part 3 (8th ed., 2021) section 6.A (Latin) and 6.B (Cyrillic), upper and
 * lower case, in code-point order for a binary search; the exceptions that
 * depend on the language, the position or the caller's choice are in
 * tl_variant(). Input is decoded by a strict UTF-8 decoder; the result is
 * built in a local buffer and copied out only when the whole name is good. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "translit.h"

/* No character gives more than two output bytes per input byte. */
#define OUT_MAX		(2 * TRANSLIT_IN_MAX)

struct tl_map {
	uint16_t	cp;	/* the character */
	uint16_t	up;	/* its row in Doc 9303: the capital letter */
	char		out[5];	/* A-Z; "" for a letter that is omitted */
};

/*
 * Section 6.A rows U+00C0..U+017D and U+1E9E with the first option where the
 * table gives two (Ä AE, Å AA, Ñ N, Ö OE, Ü UE; see tl_variant); U+0218 and
 * U+021A, the comma-below forms of Ş and Ţ that Romanian writes, are added
 * to their cedilla rows. Section 6.B rows with the main column; U+0402 is
 * Ђ as the code column says (the table prints the glyph Ћ), U+0474 is Ѵ
 * (printed as a Latin V). Added outside 6.B: the soft sign Ь, omitted as in
 * Russian, Ukrainian and Belarusian passports, and the Kazakh letters that
 * 6.B lacks, written as the Russian letter each pairs with (the national
 * practice, docs/transliteration.md): Ә A, Қ K, Ң N, Ө O, Ұ U, Ү U (Ғ, Һ
 * and І are 6.B rows). Lower case maps as its capital; ß as ẞ.
 */
static const struct tl_map tl_table[] = {
	{ 0x00C0, 0x00C0, "A" },	/* À capital a with grave */
	{ 0x00C1, 0x00C1, "A" },	/* Á capital a with acute */
	{ 0x00C2, 0x00C2, "A" },	/* Â capital a with circumflex */
	{ 0x00C3, 0x00C3, "A" },	/* Ã capital a with tilde */
	{ 0x00C4, 0x00C4, "AE" },	/* Ä capital a with diaeresis */
	{ 0x00C5, 0x00C5, "AA" },	/* Å capital a with ring above */
	{ 0x00C6, 0x00C6, "AE" },	/* Æ capital ae */
	{ 0x00C7, 0x00C7, "C" },	/* Ç capital c with cedilla */
	{ 0x00C8, 0x00C8, "E" },	/* È capital e with grave */
	{ 0x00C9, 0x00C9, "E" },	/* É capital e with acute */
	{ 0x00CA, 0x00CA, "E" },	/* Ê capital e with circumflex */
	{ 0x00CB, 0x00CB, "E" },	/* Ë capital e with diaeresis */
	{ 0x00CC, 0x00CC, "I" },	/* Ì capital i with grave */
	{ 0x00CD, 0x00CD, "I" },	/* Í capital i with acute */
	{ 0x00CE, 0x00CE, "I" },	/* Î capital i with circumflex */
	{ 0x00CF, 0x00CF, "I" },	/* Ï capital i with diaeresis */
	{ 0x00D0, 0x00D0, "D" },	/* Ð capital eth */
	{ 0x00D1, 0x00D1, "N" },	/* Ñ capital n with tilde */
	{ 0x00D2, 0x00D2, "O" },	/* Ò capital o with grave */
	{ 0x00D3, 0x00D3, "O" },	/* Ó capital o with acute */
	{ 0x00D4, 0x00D4, "O" },	/* Ô capital o with circumflex */
	{ 0x00D5, 0x00D5, "O" },	/* Õ capital o with tilde */
	{ 0x00D6, 0x00D6, "OE" },	/* Ö capital o with diaeresis */
	{ 0x00D8, 0x00D8, "OE" },	/* Ø capital o with stroke */
	{ 0x00D9, 0x00D9, "U" },	/* Ù capital u with grave */
	{ 0x00DA, 0x00DA, "U" },	/* Ú capital u with acute */
	{ 0x00DB, 0x00DB, "U" },	/* Û capital u with circumflex */
	{ 0x00DC, 0x00DC, "UE" },	/* Ü capital u with diaeresis */
	{ 0x00DD, 0x00DD, "Y" },	/* Ý capital y with acute */
	{ 0x00DE, 0x00DE, "TH" },	/* Þ capital thorn */
	{ 0x00DF, 0x1E9E, "SS" },	/* ß small sharp s */
	{ 0x00E0, 0x00C0, "A" },	/* à small a with grave */
	{ 0x00E1, 0x00C1, "A" },	/* á small a with acute */
	{ 0x00E2, 0x00C2, "A" },	/* â small a with circumflex */
	{ 0x00E3, 0x00C3, "A" },	/* ã small a with tilde */
	{ 0x00E4, 0x00C4, "AE" },	/* ä small a with diaeresis */
	{ 0x00E5, 0x00C5, "AA" },	/* å small a with ring above */
	{ 0x00E6, 0x00C6, "AE" },	/* æ small ae */
	{ 0x00E7, 0x00C7, "C" },	/* ç small c with cedilla */
	{ 0x00E8, 0x00C8, "E" },	/* è small e with grave */
	{ 0x00E9, 0x00C9, "E" },	/* é small e with acute */
	{ 0x00EA, 0x00CA, "E" },	/* ê small e with circumflex */
	{ 0x00EB, 0x00CB, "E" },	/* ë small e with diaeresis */
	{ 0x00EC, 0x00CC, "I" },	/* ì small i with grave */
	{ 0x00ED, 0x00CD, "I" },	/* í small i with acute */
	{ 0x00EE, 0x00CE, "I" },	/* î small i with circumflex */
	{ 0x00EF, 0x00CF, "I" },	/* ï small i with diaeresis */
	{ 0x00F0, 0x00D0, "D" },	/* ð small eth */
	{ 0x00F1, 0x00D1, "N" },	/* ñ small n with tilde */
	{ 0x00F2, 0x00D2, "O" },	/* ò small o with grave */
	{ 0x00F3, 0x00D3, "O" },	/* ó small o with acute */
	{ 0x00F4, 0x00D4, "O" },	/* ô small o with circumflex */
	{ 0x00F5, 0x00D5, "O" },	/* õ small o with tilde */
	{ 0x00F6, 0x00D6, "OE" },	/* ö small o with diaeresis */
	{ 0x00F8, 0x00D8, "OE" },	/* ø small o with stroke */
	{ 0x00F9, 0x00D9, "U" },	/* ù small u with grave */
	{ 0x00FA, 0x00DA, "U" },	/* ú small u with acute */
	{ 0x00FB, 0x00DB, "U" },	/* û small u with circumflex */
	{ 0x00FC, 0x00DC, "UE" },	/* ü small u with diaeresis */
	{ 0x00FD, 0x00DD, "Y" },	/* ý small y with acute */
	{ 0x00FE, 0x00DE, "TH" },	/* þ small thorn */
	{ 0x00FF, 0x0178, "Y" },	/* ÿ small y with diaeresis */
	{ 0x0100, 0x0100, "A" },	/* Ā capital a with macron */
	{ 0x0101, 0x0100, "A" },	/* ā small a with macron */
	{ 0x0102, 0x0102, "A" },	/* Ă capital a with breve */
	{ 0x0103, 0x0102, "A" },	/* ă small a with breve */
	{ 0x0104, 0x0104, "A" },	/* Ą capital a with ogonek */
	{ 0x0105, 0x0104, "A" },	/* ą small a with ogonek */
	{ 0x0106, 0x0106, "C" },	/* Ć capital c with acute */
	{ 0x0107, 0x0106, "C" },	/* ć small c with acute */
	{ 0x0108, 0x0108, "C" },	/* Ĉ capital c with circumflex */
	{ 0x0109, 0x0108, "C" },	/* ĉ small c with circumflex */
	{ 0x010A, 0x010A, "C" },	/* Ċ capital c with dot above */
	{ 0x010B, 0x010A, "C" },	/* ċ small c with dot above */
	{ 0x010C, 0x010C, "C" },	/* Č capital c with caron */
	{ 0x010D, 0x010C, "C" },	/* č small c with caron */
	{ 0x010E, 0x010E, "D" },	/* Ď capital d with caron */
	{ 0x010F, 0x010E, "D" },	/* ď small d with caron */
	{ 0x0110, 0x0110, "D" },	/* Đ capital d with stroke */
	{ 0x0111, 0x0110, "D" },	/* đ small d with stroke */
	{ 0x0112, 0x0112, "E" },	/* Ē capital e with macron */
	{ 0x0113, 0x0112, "E" },	/* ē small e with macron */
	{ 0x0114, 0x0114, "E" },	/* Ĕ capital e with breve */
	{ 0x0115, 0x0114, "E" },	/* ĕ small e with breve */
	{ 0x0116, 0x0116, "E" },	/* Ė capital e with dot above */
	{ 0x0117, 0x0116, "E" },	/* ė small e with dot above */
	{ 0x0118, 0x0118, "E" },	/* Ę capital e with ogonek */
	{ 0x0119, 0x0118, "E" },	/* ę small e with ogonek */
	{ 0x011A, 0x011A, "E" },	/* Ě capital e with caron */
	{ 0x011B, 0x011A, "E" },	/* ě small e with caron */
	{ 0x011C, 0x011C, "G" },	/* Ĝ capital g with circumflex */
	{ 0x011D, 0x011C, "G" },	/* ĝ small g with circumflex */
	{ 0x011E, 0x011E, "G" },	/* Ğ capital g with breve */
	{ 0x011F, 0x011E, "G" },	/* ğ small g with breve */
	{ 0x0120, 0x0120, "G" },	/* Ġ capital g with dot above */
	{ 0x0121, 0x0120, "G" },	/* ġ small g with dot above */
	{ 0x0122, 0x0122, "G" },	/* Ģ capital g with cedilla */
	{ 0x0123, 0x0122, "G" },	/* ģ small g with cedilla */
	{ 0x0124, 0x0124, "H" },	/* Ĥ capital h with circumflex */
	{ 0x0125, 0x0124, "H" },	/* ĥ small h with circumflex */
	{ 0x0126, 0x0126, "H" },	/* Ħ capital h with stroke */
	{ 0x0127, 0x0126, "H" },	/* ħ small h with stroke */
	{ 0x0128, 0x0128, "I" },	/* Ĩ capital i with tilde */
	{ 0x0129, 0x0128, "I" },	/* ĩ small i with tilde */
	{ 0x012A, 0x012A, "I" },	/* Ī capital i with macron */
	{ 0x012B, 0x012A, "I" },	/* ī small i with macron */
	{ 0x012C, 0x012C, "I" },	/* Ĭ capital i with breve */
	{ 0x012D, 0x012C, "I" },	/* ĭ small i with breve */
	{ 0x012E, 0x012E, "I" },	/* Į capital i with ogonek */
	{ 0x012F, 0x012E, "I" },	/* į small i with ogonek */
	{ 0x0130, 0x0130, "I" },	/* İ capital i with dot above */
	{ 0x0131, 0x0131, "I" },	/* ı small dotless i */
	{ 0x0132, 0x0132, "IJ" },	/* Ĳ capital ligature ij */
	{ 0x0133, 0x0132, "IJ" },	/* ĳ small ligature ij */
	{ 0x0134, 0x0134, "J" },	/* Ĵ capital j with circumflex */
	{ 0x0135, 0x0134, "J" },	/* ĵ small j with circumflex */
	{ 0x0136, 0x0136, "K" },	/* Ķ capital k with cedilla */
	{ 0x0137, 0x0136, "K" },	/* ķ small k with cedilla */
	{ 0x0139, 0x0139, "L" },	/* Ĺ capital l with acute */
	{ 0x013A, 0x0139, "L" },	/* ĺ small l with acute */
	{ 0x013B, 0x013B, "L" },	/* Ļ capital l with cedilla */
	{ 0x013C, 0x013B, "L" },	/* ļ small l with cedilla */
	{ 0x013D, 0x013D, "L" },	/* Ľ capital l with caron */
	{ 0x013E, 0x013D, "L" },	/* ľ small l with caron */
	{ 0x013F, 0x013F, "L" },	/* Ŀ capital l with middle dot */
	{ 0x0140, 0x013F, "L" },	/* ŀ small l with middle dot */
	{ 0x0141, 0x0141, "L" },	/* Ł capital l with stroke */
	{ 0x0142, 0x0141, "L" },	/* ł small l with stroke */
	{ 0x0143, 0x0143, "N" },	/* Ń capital n with acute */
	{ 0x0144, 0x0143, "N" },	/* ń small n with acute */
	{ 0x0145, 0x0145, "N" },	/* Ņ capital n with cedilla */
	{ 0x0146, 0x0145, "N" },	/* ņ small n with cedilla */
	{ 0x0147, 0x0147, "N" },	/* Ň capital n with caron */
	{ 0x0148, 0x0147, "N" },	/* ň small n with caron */
	{ 0x014A, 0x014A, "N" },	/* Ŋ capital eng */
	{ 0x014B, 0x014A, "N" },	/* ŋ small eng */
	{ 0x014C, 0x014C, "O" },	/* Ō capital o with macron */
	{ 0x014D, 0x014C, "O" },	/* ō small o with macron */
	{ 0x014E, 0x014E, "O" },	/* Ŏ capital o with breve */
	{ 0x014F, 0x014E, "O" },	/* ŏ small o with breve */
	{ 0x0150, 0x0150, "O" },	/* Ő capital o with double acute */
	{ 0x0151, 0x0150, "O" },	/* ő small o with double acute */
	{ 0x0152, 0x0152, "OE" },	/* Œ capital ligature oe */
	{ 0x0153, 0x0152, "OE" },	/* œ small ligature oe */
	{ 0x0154, 0x0154, "R" },	/* Ŕ capital r with acute */
	{ 0x0155, 0x0154, "R" },	/* ŕ small r with acute */
	{ 0x0156, 0x0156, "R" },	/* Ŗ capital r with cedilla */
	{ 0x0157, 0x0156, "R" },	/* ŗ small r with cedilla */
	{ 0x0158, 0x0158, "R" },	/* Ř capital r with caron */
	{ 0x0159, 0x0158, "R" },	/* ř small r with caron */
	{ 0x015A, 0x015A, "S" },	/* Ś capital s with acute */
	{ 0x015B, 0x015A, "S" },	/* ś small s with acute */
	{ 0x015C, 0x015C, "S" },	/* Ŝ capital s with circumflex */
	{ 0x015D, 0x015C, "S" },	/* ŝ small s with circumflex */
	{ 0x015E, 0x015E, "S" },	/* Ş capital s with cedilla */
	{ 0x015F, 0x015E, "S" },	/* ş small s with cedilla */
	{ 0x0160, 0x0160, "S" },	/* Š capital s with caron */
	{ 0x0161, 0x0160, "S" },	/* š small s with caron */
	{ 0x0162, 0x0162, "T" },	/* Ţ capital t with cedilla */
	{ 0x0163, 0x0162, "T" },	/* ţ small t with cedilla */
	{ 0x0164, 0x0164, "T" },	/* Ť capital t with caron */
	{ 0x0165, 0x0164, "T" },	/* ť small t with caron */
	{ 0x0166, 0x0166, "T" },	/* Ŧ capital t with stroke */
	{ 0x0167, 0x0166, "T" },	/* ŧ small t with stroke */
	{ 0x0168, 0x0168, "U" },	/* Ũ capital u with tilde */
	{ 0x0169, 0x0168, "U" },	/* ũ small u with tilde */
	{ 0x016A, 0x016A, "U" },	/* Ū capital u with macron */
	{ 0x016B, 0x016A, "U" },	/* ū small u with macron */
	{ 0x016C, 0x016C, "U" },	/* Ŭ capital u with breve */
	{ 0x016D, 0x016C, "U" },	/* ŭ small u with breve */
	{ 0x016E, 0x016E, "U" },	/* Ů capital u with ring above */
	{ 0x016F, 0x016E, "U" },	/* ů small u with ring above */
	{ 0x0170, 0x0170, "U" },	/* Ű capital u with double acute */
	{ 0x0171, 0x0170, "U" },	/* ű small u with double acute */
	{ 0x0172, 0x0172, "U" },	/* Ų capital u with ogonek */
	{ 0x0173, 0x0172, "U" },	/* ų small u with ogonek */
	{ 0x0174, 0x0174, "W" },	/* Ŵ capital w with circumflex */
	{ 0x0175, 0x0174, "W" },	/* ŵ small w with circumflex */
	{ 0x0176, 0x0176, "Y" },	/* Ŷ capital y with circumflex */
	{ 0x0177, 0x0176, "Y" },	/* ŷ small y with circumflex */
	{ 0x0178, 0x0178, "Y" },	/* Ÿ capital y with diaeresis */
	{ 0x0179, 0x0179, "Z" },	/* Ź capital z with acute */
	{ 0x017A, 0x0179, "Z" },	/* ź small z with acute */
	{ 0x017B, 0x017B, "Z" },	/* Ż capital z with dot above */
	{ 0x017C, 0x017B, "Z" },	/* ż small z with dot above */
	{ 0x017D, 0x017D, "Z" },	/* Ž capital z with caron */
	{ 0x017E, 0x017D, "Z" },	/* ž small z with caron */
	{ 0x0218, 0x0218, "S" },	/* Ș capital s with comma below */
	{ 0x0219, 0x0218, "S" },	/* ș small s with comma below */
	{ 0x021A, 0x021A, "T" },	/* Ț capital t with comma below */
	{ 0x021B, 0x021A, "T" },	/* ț small t with comma below */
	{ 0x0401, 0x0401, "E" },	/* Ё capital io */
	{ 0x0402, 0x0402, "D" },	/* Ђ capital dje */
	{ 0x0404, 0x0404, "IE" },	/* Є capital ukrainian ie */
	{ 0x0405, 0x0405, "DZ" },	/* Ѕ capital dze */
	{ 0x0406, 0x0406, "I" },	/* І capital byelorussian-ukrainian i */
	{ 0x0407, 0x0407, "I" },	/* Ї capital yi */
	{ 0x0408, 0x0408, "J" },	/* Ј capital je */
	{ 0x0409, 0x0409, "LJ" },	/* Љ capital lje */
	{ 0x040A, 0x040A, "NJ" },	/* Њ capital nje */
	{ 0x040C, 0x040C, "K" },	/* Ќ capital kje */
	{ 0x040E, 0x040E, "U" },	/* Ў capital short u */
	{ 0x040F, 0x040F, "DZ" },	/* Џ capital dzhe */
	{ 0x0410, 0x0410, "A" },	/* А capital a */
	{ 0x0411, 0x0411, "B" },	/* Б capital be */
	{ 0x0412, 0x0412, "V" },	/* В capital ve */
	{ 0x0413, 0x0413, "G" },	/* Г capital ghe */
	{ 0x0414, 0x0414, "D" },	/* Д capital de */
	{ 0x0415, 0x0415, "E" },	/* Е capital ie */
	{ 0x0416, 0x0416, "ZH" },	/* Ж capital zhe */
	{ 0x0417, 0x0417, "Z" },	/* З capital ze */
	{ 0x0418, 0x0418, "I" },	/* И capital i */
	{ 0x0419, 0x0419, "I" },	/* Й capital short i */
	{ 0x041A, 0x041A, "K" },	/* К capital ka */
	{ 0x041B, 0x041B, "L" },	/* Л capital el */
	{ 0x041C, 0x041C, "M" },	/* М capital em */
	{ 0x041D, 0x041D, "N" },	/* Н capital en */
	{ 0x041E, 0x041E, "O" },	/* О capital o */
	{ 0x041F, 0x041F, "P" },	/* П capital pe */
	{ 0x0420, 0x0420, "R" },	/* Р capital er */
	{ 0x0421, 0x0421, "S" },	/* С capital es */
	{ 0x0422, 0x0422, "T" },	/* Т capital te */
	{ 0x0423, 0x0423, "U" },	/* У capital u */
	{ 0x0424, 0x0424, "F" },	/* Ф capital ef */
	{ 0x0425, 0x0425, "KH" },	/* Х capital ha */
	{ 0x0426, 0x0426, "TS" },	/* Ц capital tse */
	{ 0x0427, 0x0427, "CH" },	/* Ч capital che */
	{ 0x0428, 0x0428, "SH" },	/* Ш capital sha */
	{ 0x0429, 0x0429, "SHCH" },	/* Щ capital shcha */
	{ 0x042A, 0x042A, "IE" },	/* Ъ capital hard sign */
	{ 0x042B, 0x042B, "Y" },	/* Ы capital yeru */
	{ 0x042C, 0x042C, "" },	/* Ь capital soft sign */
	{ 0x042D, 0x042D, "E" },	/* Э capital e */
	{ 0x042E, 0x042E, "IU" },	/* Ю capital yu */
	{ 0x042F, 0x042F, "IA" },	/* Я capital ya */
	{ 0x0430, 0x0410, "A" },	/* а small a */
	{ 0x0431, 0x0411, "B" },	/* б small be */
	{ 0x0432, 0x0412, "V" },	/* в small ve */
	{ 0x0433, 0x0413, "G" },	/* г small ghe */
	{ 0x0434, 0x0414, "D" },	/* д small de */
	{ 0x0435, 0x0415, "E" },	/* е small ie */
	{ 0x0436, 0x0416, "ZH" },	/* ж small zhe */
	{ 0x0437, 0x0417, "Z" },	/* з small ze */
	{ 0x0438, 0x0418, "I" },	/* и small i */
	{ 0x0439, 0x0419, "I" },	/* й small short i */
	{ 0x043A, 0x041A, "K" },	/* к small ka */
	{ 0x043B, 0x041B, "L" },	/* л small el */
	{ 0x043C, 0x041C, "M" },	/* м small em */
	{ 0x043D, 0x041D, "N" },	/* н small en */
	{ 0x043E, 0x041E, "O" },	/* о small o */
	{ 0x043F, 0x041F, "P" },	/* п small pe */
	{ 0x0440, 0x0420, "R" },	/* р small er */
	{ 0x0441, 0x0421, "S" },	/* с small es */
	{ 0x0442, 0x0422, "T" },	/* т small te */
	{ 0x0443, 0x0423, "U" },	/* у small u */
	{ 0x0444, 0x0424, "F" },	/* ф small ef */
	{ 0x0445, 0x0425, "KH" },	/* х small ha */
	{ 0x0446, 0x0426, "TS" },	/* ц small tse */
	{ 0x0447, 0x0427, "CH" },	/* ч small che */
	{ 0x0448, 0x0428, "SH" },	/* ш small sha */
	{ 0x0449, 0x0429, "SHCH" },	/* щ small shcha */
	{ 0x044A, 0x042A, "IE" },	/* ъ small hard sign */
	{ 0x044B, 0x042B, "Y" },	/* ы small yeru */
	{ 0x044C, 0x042C, "" },	/* ь small soft sign */
	{ 0x044D, 0x042D, "E" },	/* э small e */
	{ 0x044E, 0x042E, "IU" },	/* ю small yu */
	{ 0x044F, 0x042F, "IA" },	/* я small ya */
	{ 0x0451, 0x0401, "E" },	/* ё small io */
	{ 0x0452, 0x0402, "D" },	/* ђ small dje */
	{ 0x0454, 0x0404, "IE" },	/* є small ukrainian ie */
	{ 0x0455, 0x0405, "DZ" },	/* ѕ small dze */
	{ 0x0456, 0x0406, "I" },	/* і small byelorussian-ukrainian i */
	{ 0x0457, 0x0407, "I" },	/* ї small yi */
	{ 0x0458, 0x0408, "J" },	/* ј small je */
	{ 0x0459, 0x0409, "LJ" },	/* љ small lje */
	{ 0x045A, 0x040A, "NJ" },	/* њ small nje */
	{ 0x045C, 0x040C, "K" },	/* ќ small kje */
	{ 0x045E, 0x040E, "U" },	/* ў small short u */
	{ 0x045F, 0x040F, "DZ" },	/* џ small dzhe */
	{ 0x046A, 0x046A, "U" },	/* Ѫ capital big yus */
	{ 0x046B, 0x046A, "U" },	/* ѫ small big yus */
	{ 0x0474, 0x0474, "Y" },	/* Ѵ capital izhitsa */
	{ 0x0475, 0x0474, "Y" },	/* ѵ small izhitsa */
	{ 0x0490, 0x0490, "G" },	/* Ґ capital ghe with upturn */
	{ 0x0491, 0x0490, "G" },	/* ґ small ghe with upturn */
	{ 0x0492, 0x0492, "G" },	/* Ғ capital ghe with stroke */
	{ 0x0493, 0x0492, "G" },	/* ғ small ghe with stroke */
	{ 0x049A, 0x049A, "K" },	/* Қ capital ka with descender */
	{ 0x049B, 0x049A, "K" },	/* қ small ka with descender */
	{ 0x04A2, 0x04A2, "N" },	/* Ң capital en with descender */
	{ 0x04A3, 0x04A2, "N" },	/* ң small en with descender */
	{ 0x04AE, 0x04AE, "U" },	/* Ү capital straight u */
	{ 0x04AF, 0x04AE, "U" },	/* ү small straight u */
	{ 0x04B0, 0x04B0, "U" },	/* Ұ capital straight u with stroke */
	{ 0x04B1, 0x04B0, "U" },	/* ұ small straight u with stroke */
	{ 0x04BA, 0x04BA, "C" },	/* Һ capital shha */
	{ 0x04BB, 0x04BA, "C" },	/* һ small shha */
	{ 0x04D8, 0x04D8, "A" },	/* Ә capital schwa */
	{ 0x04D9, 0x04D8, "A" },	/* ә small schwa */
	{ 0x04E8, 0x04E8, "O" },	/* Ө capital barred o */
	{ 0x04E9, 0x04E8, "O" },	/* ө small barred o */
	{ 0x1E9E, 0x1E9E, "SS" },	/* ẞ capital sharp s */
};

struct tl_comp {
	uint16_t	base;	/* a letter */
	uint16_t	mark;	/* a combining mark, U+0300..U+036F */
	uint16_t	cp;	/* the precomposed letter, a tl_table row */
};

/* Canonical compositions onto tl_table rows (Unicode 14 decompositions,
 * plus i + dot above as İ), ordered by base then mark. */
static const struct tl_comp tl_comps[] = {
	{ 0x0041, 0x0300, 0x00C0 },	/* À */
	{ 0x0041, 0x0301, 0x00C1 },	/* Á */
	{ 0x0041, 0x0302, 0x00C2 },	/* Â */
	{ 0x0041, 0x0303, 0x00C3 },	/* Ã */
	{ 0x0041, 0x0304, 0x0100 },	/* Ā */
	{ 0x0041, 0x0306, 0x0102 },	/* Ă */
	{ 0x0041, 0x0308, 0x00C4 },	/* Ä */
	{ 0x0041, 0x030A, 0x00C5 },	/* Å */
	{ 0x0041, 0x0328, 0x0104 },	/* Ą */
	{ 0x0043, 0x0301, 0x0106 },	/* Ć */
	{ 0x0043, 0x0302, 0x0108 },	/* Ĉ */
	{ 0x0043, 0x0307, 0x010A },	/* Ċ */
	{ 0x0043, 0x030C, 0x010C },	/* Č */
	{ 0x0043, 0x0327, 0x00C7 },	/* Ç */
	{ 0x0044, 0x030C, 0x010E },	/* Ď */
	{ 0x0045, 0x0300, 0x00C8 },	/* È */
	{ 0x0045, 0x0301, 0x00C9 },	/* É */
	{ 0x0045, 0x0302, 0x00CA },	/* Ê */
	{ 0x0045, 0x0304, 0x0112 },	/* Ē */
	{ 0x0045, 0x0306, 0x0114 },	/* Ĕ */
	{ 0x0045, 0x0307, 0x0116 },	/* Ė */
	{ 0x0045, 0x0308, 0x00CB },	/* Ë */
	{ 0x0045, 0x030C, 0x011A },	/* Ě */
	{ 0x0045, 0x0328, 0x0118 },	/* Ę */
	{ 0x0047, 0x0302, 0x011C },	/* Ĝ */
	{ 0x0047, 0x0306, 0x011E },	/* Ğ */
	{ 0x0047, 0x0307, 0x0120 },	/* Ġ */
	{ 0x0047, 0x0327, 0x0122 },	/* Ģ */
	{ 0x0048, 0x0302, 0x0124 },	/* Ĥ */
	{ 0x0049, 0x0300, 0x00CC },	/* Ì */
	{ 0x0049, 0x0301, 0x00CD },	/* Í */
	{ 0x0049, 0x0302, 0x00CE },	/* Î */
	{ 0x0049, 0x0303, 0x0128 },	/* Ĩ */
	{ 0x0049, 0x0304, 0x012A },	/* Ī */
	{ 0x0049, 0x0306, 0x012C },	/* Ĭ */
	{ 0x0049, 0x0307, 0x0130 },	/* İ */
	{ 0x0049, 0x0308, 0x00CF },	/* Ï */
	{ 0x0049, 0x0328, 0x012E },	/* Į */
	{ 0x004A, 0x0302, 0x0134 },	/* Ĵ */
	{ 0x004B, 0x0327, 0x0136 },	/* Ķ */
	{ 0x004C, 0x0301, 0x0139 },	/* Ĺ */
	{ 0x004C, 0x030C, 0x013D },	/* Ľ */
	{ 0x004C, 0x0327, 0x013B },	/* Ļ */
	{ 0x004E, 0x0301, 0x0143 },	/* Ń */
	{ 0x004E, 0x0303, 0x00D1 },	/* Ñ */
	{ 0x004E, 0x030C, 0x0147 },	/* Ň */
	{ 0x004E, 0x0327, 0x0145 },	/* Ņ */
	{ 0x004F, 0x0300, 0x00D2 },	/* Ò */
	{ 0x004F, 0x0301, 0x00D3 },	/* Ó */
	{ 0x004F, 0x0302, 0x00D4 },	/* Ô */
	{ 0x004F, 0x0303, 0x00D5 },	/* Õ */
	{ 0x004F, 0x0304, 0x014C },	/* Ō */
	{ 0x004F, 0x0306, 0x014E },	/* Ŏ */
	{ 0x004F, 0x0308, 0x00D6 },	/* Ö */
	{ 0x004F, 0x030B, 0x0150 },	/* Ő */
	{ 0x0052, 0x0301, 0x0154 },	/* Ŕ */
	{ 0x0052, 0x030C, 0x0158 },	/* Ř */
	{ 0x0052, 0x0327, 0x0156 },	/* Ŗ */
	{ 0x0053, 0x0301, 0x015A },	/* Ś */
	{ 0x0053, 0x0302, 0x015C },	/* Ŝ */
	{ 0x0053, 0x030C, 0x0160 },	/* Š */
	{ 0x0053, 0x0326, 0x0218 },	/* Ș */
	{ 0x0053, 0x0327, 0x015E },	/* Ş */
	{ 0x0054, 0x030C, 0x0164 },	/* Ť */
	{ 0x0054, 0x0326, 0x021A },	/* Ț */
	{ 0x0054, 0x0327, 0x0162 },	/* Ţ */
	{ 0x0055, 0x0300, 0x00D9 },	/* Ù */
	{ 0x0055, 0x0301, 0x00DA },	/* Ú */
	{ 0x0055, 0x0302, 0x00DB },	/* Û */
	{ 0x0055, 0x0303, 0x0168 },	/* Ũ */
	{ 0x0055, 0x0304, 0x016A },	/* Ū */
	{ 0x0055, 0x0306, 0x016C },	/* Ŭ */
	{ 0x0055, 0x0308, 0x00DC },	/* Ü */
	{ 0x0055, 0x030A, 0x016E },	/* Ů */
	{ 0x0055, 0x030B, 0x0170 },	/* Ű */
	{ 0x0055, 0x0328, 0x0172 },	/* Ų */
	{ 0x0057, 0x0302, 0x0174 },	/* Ŵ */
	{ 0x0059, 0x0301, 0x00DD },	/* Ý */
	{ 0x0059, 0x0302, 0x0176 },	/* Ŷ */
	{ 0x0059, 0x0308, 0x0178 },	/* Ÿ */
	{ 0x005A, 0x0301, 0x0179 },	/* Ź */
	{ 0x005A, 0x0307, 0x017B },	/* Ż */
	{ 0x005A, 0x030C, 0x017D },	/* Ž */
	{ 0x0061, 0x0300, 0x00E0 },	/* à */
	{ 0x0061, 0x0301, 0x00E1 },	/* á */
	{ 0x0061, 0x0302, 0x00E2 },	/* â */
	{ 0x0061, 0x0303, 0x00E3 },	/* ã */
	{ 0x0061, 0x0304, 0x0101 },	/* ā */
	{ 0x0061, 0x0306, 0x0103 },	/* ă */
	{ 0x0061, 0x0308, 0x00E4 },	/* ä */
	{ 0x0061, 0x030A, 0x00E5 },	/* å */
	{ 0x0061, 0x0328, 0x0105 },	/* ą */
	{ 0x0063, 0x0301, 0x0107 },	/* ć */
	{ 0x0063, 0x0302, 0x0109 },	/* ĉ */
	{ 0x0063, 0x0307, 0x010B },	/* ċ */
	{ 0x0063, 0x030C, 0x010D },	/* č */
	{ 0x0063, 0x0327, 0x00E7 },	/* ç */
	{ 0x0064, 0x030C, 0x010F },	/* ď */
	{ 0x0065, 0x0300, 0x00E8 },	/* è */
	{ 0x0065, 0x0301, 0x00E9 },	/* é */
	{ 0x0065, 0x0302, 0x00EA },	/* ê */
	{ 0x0065, 0x0304, 0x0113 },	/* ē */
	{ 0x0065, 0x0306, 0x0115 },	/* ĕ */
	{ 0x0065, 0x0307, 0x0117 },	/* ė */
	{ 0x0065, 0x0308, 0x00EB },	/* ë */
	{ 0x0065, 0x030C, 0x011B },	/* ě */
	{ 0x0065, 0x0328, 0x0119 },	/* ę */
	{ 0x0067, 0x0302, 0x011D },	/* ĝ */
	{ 0x0067, 0x0306, 0x011F },	/* ğ */
	{ 0x0067, 0x0307, 0x0121 },	/* ġ */
	{ 0x0067, 0x0327, 0x0123 },	/* ģ */
	{ 0x0068, 0x0302, 0x0125 },	/* ĥ */
	{ 0x0069, 0x0300, 0x00EC },	/* ì */
	{ 0x0069, 0x0301, 0x00ED },	/* í */
	{ 0x0069, 0x0302, 0x00EE },	/* î */
	{ 0x0069, 0x0303, 0x0129 },	/* ĩ */
	{ 0x0069, 0x0304, 0x012B },	/* ī */
	{ 0x0069, 0x0306, 0x012D },	/* ĭ */
	{ 0x0069, 0x0307, 0x0130 },	/* İ */
	{ 0x0069, 0x0308, 0x00EF },	/* ï */
	{ 0x0069, 0x0328, 0x012F },	/* į */
	{ 0x006A, 0x0302, 0x0135 },	/* ĵ */
	{ 0x006B, 0x0327, 0x0137 },	/* ķ */
	{ 0x006C, 0x0301, 0x013A },	/* ĺ */
	{ 0x006C, 0x030C, 0x013E },	/* ľ */
	{ 0x006C, 0x0327, 0x013C },	/* ļ */
	{ 0x006E, 0x0301, 0x0144 },	/* ń */
	{ 0x006E, 0x0303, 0x00F1 },	/* ñ */
	{ 0x006E, 0x030C, 0x0148 },	/* ň */
	{ 0x006E, 0x0327, 0x0146 },	/* ņ */
	{ 0x006F, 0x0300, 0x00F2 },	/* ò */
	{ 0x006F, 0x0301, 0x00F3 },	/* ó */
	{ 0x006F, 0x0302, 0x00F4 },	/* ô */
	{ 0x006F, 0x0303, 0x00F5 },	/* õ */
	{ 0x006F, 0x0304, 0x014D },	/* ō */
	{ 0x006F, 0x0306, 0x014F },	/* ŏ */
	{ 0x006F, 0x0308, 0x00F6 },	/* ö */
	{ 0x006F, 0x030B, 0x0151 },	/* ő */
	{ 0x0072, 0x0301, 0x0155 },	/* ŕ */
	{ 0x0072, 0x030C, 0x0159 },	/* ř */
	{ 0x0072, 0x0327, 0x0157 },	/* ŗ */
	{ 0x0073, 0x0301, 0x015B },	/* ś */
	{ 0x0073, 0x0302, 0x015D },	/* ŝ */
	{ 0x0073, 0x030C, 0x0161 },	/* š */
	{ 0x0073, 0x0326, 0x0219 },	/* ș */
	{ 0x0073, 0x0327, 0x015F },	/* ş */
	{ 0x0074, 0x030C, 0x0165 },	/* ť */
	{ 0x0074, 0x0326, 0x021B },	/* ț */
	{ 0x0074, 0x0327, 0x0163 },	/* ţ */
	{ 0x0075, 0x0300, 0x00F9 },	/* ù */
	{ 0x0075, 0x0301, 0x00FA },	/* ú */
	{ 0x0075, 0x0302, 0x00FB },	/* û */
	{ 0x0075, 0x0303, 0x0169 },	/* ũ */
	{ 0x0075, 0x0304, 0x016B },	/* ū */
	{ 0x0075, 0x0306, 0x016D },	/* ŭ */
	{ 0x0075, 0x0308, 0x00FC },	/* ü */
	{ 0x0075, 0x030A, 0x016F },	/* ů */
	{ 0x0075, 0x030B, 0x0171 },	/* ű */
	{ 0x0075, 0x0328, 0x0173 },	/* ų */
	{ 0x0077, 0x0302, 0x0175 },	/* ŵ */
	{ 0x0079, 0x0301, 0x00FD },	/* ý */
	{ 0x0079, 0x0302, 0x0177 },	/* ŷ */
	{ 0x0079, 0x0308, 0x00FF },	/* ÿ */
	{ 0x007A, 0x0301, 0x017A },	/* ź */
	{ 0x007A, 0x0307, 0x017C },	/* ż */
	{ 0x007A, 0x030C, 0x017E },	/* ž */
	{ 0x0406, 0x0308, 0x0407 },	/* Ї */
	{ 0x0415, 0x0308, 0x0401 },	/* Ё */
	{ 0x0418, 0x0306, 0x0419 },	/* Й */
	{ 0x041A, 0x0301, 0x040C },	/* Ќ */
	{ 0x0423, 0x0306, 0x040E },	/* Ў */
	{ 0x0435, 0x0308, 0x0451 },	/* ё */
	{ 0x0438, 0x0306, 0x0439 },	/* й */
	{ 0x043A, 0x0301, 0x045C },	/* ќ */
	{ 0x0443, 0x0306, 0x045E },	/* ў */
	{ 0x0456, 0x0308, 0x0457 },	/* ї */
};

enum tl_bad {
	TL_CONT = 1,	/* a continuation byte where a character starts */
	TL_LEAD,	/* a byte that never starts a character */
	TL_TRUNC,	/* the input ends inside a character */
	TL_MISSING,	/* a character's continuation byte is missing */
	TL_OVERLONG,
	TL_SURROGATE,
	TL_ABOVE	/* above U+10FFFF */
};

struct tl_state {
	const unsigned char	*in;
	size_t			 len;
	enum translit_lang	 lang;
	int			 flags;
	struct translit_err	*err;
	char			 out[OUT_MAX + 1];
	size_t			 n;
	int			 pending;	/* a separator is due before
						 * the next letter */
	int			 first;		/* no letter yet in this
						 * component */
};

static int
tl_fail(struct translit_err *err, int rc, size_t off, uint32_t cp,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
tl_fail(struct translit_err *err, int rc, size_t off, uint32_t cp,
    const char *fmt, ...)
{
	va_list	ap;
	int	r;

	if (err == NULL)
		return rc;
	memset(err, 0, sizeof(*err));
	err->off = off;
	err->cp = cp;
	va_start(ap, fmt);
	r = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* Every message is a short fixed text and numbers; should one ever
	 * not fit, it is cut, still NUL-terminated, and still says what. */
	if (r < 0)
		err->msg[0] = '\0';
	return rc;
}

/*
 * Decodes one character at p[0..left), left >= 1. Returns its length in
 * bytes with *cp set, or 0 with *bad set (and *cp set to the value for
 * TL_SURROGATE and TL_ABOVE).
 */
static size_t
tl_decode(const unsigned char *p, size_t left, uint32_t *cp,
    enum tl_bad *bad)
{
	uint32_t	c, min;
	size_t		i, n;

	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc0) {
		*bad = TL_CONT;
		return 0;
	}
	if (c < 0xe0) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c < 0xf0) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c < 0xf8) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		*bad = TL_LEAD;
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (i >= left) {
			*bad = TL_TRUNC;
			return 0;
		}
		if ((p[i] & 0xc0) != 0x80) {
			*bad = TL_MISSING;
			return 0;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min) {
		*bad = TL_OVERLONG;
		return 0;
	}
	*cp = c;
	if (c >= 0xd800 && c <= 0xdfff) {
		*bad = TL_SURROGATE;
		return 0;
	}
	if (c > 0x10ffff) {
		*bad = TL_ABOVE;
		return 0;
	}
	return n;
}

static int
tl_bad_utf8(struct tl_state *s, size_t off, uint32_t cp, enum tl_bad bad)
{
	unsigned int	b = s->in[off];

	switch (bad) {
	case TL_CONT:
		return tl_fail(s->err, ERR_PARSE, off, 0, "byte %zu: invalid "
		    "UTF-8: continuation byte 0x%02X without a lead byte",
		    off, b);
	case TL_LEAD:
		return tl_fail(s->err, ERR_PARSE, off, 0, "byte %zu: invalid "
		    "UTF-8: byte 0x%02X never starts a character", off, b);
	case TL_TRUNC:
		return tl_fail(s->err, ERR_PARSE, off, 0, "byte %zu: invalid "
		    "UTF-8: the input ends inside a character", off);
	case TL_MISSING:
		return tl_fail(s->err, ERR_PARSE, off, 0, "byte %zu: invalid "
		    "UTF-8: lead byte 0x%02X lacks a continuation byte", off,
		    b);
	case TL_OVERLONG:
		return tl_fail(s->err, ERR_PARSE, off, 0, "byte %zu: invalid "
		    "UTF-8: overlong encoding", off);
	case TL_SURROGATE:
		return tl_fail(s->err, ERR_PARSE, off, 0, "byte %zu: invalid "
		    "UTF-8: surrogate U+%04X", off, (unsigned int)cp);
	case TL_ABOVE:
		break;
	}
	return tl_fail(s->err, ERR_PARSE, off, 0, "byte %zu: invalid UTF-8: "
	    "code point above U+10FFFF", off);
}

static const struct tl_map *
tl_lookup(uint32_t cp)
{
	size_t	lo = 0, hi = sizeof(tl_table) / sizeof(tl_table[0]), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tl_table[mid].cp == cp)
			return &tl_table[mid];
		if (tl_table[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The precomposed form of base + mark that tl_table has, or 0. */
static uint32_t
tl_compose(uint32_t base, uint32_t mark)
{
	size_t		 lo = 0, hi, mid;
	uint32_t	 key, k;

	hi = sizeof(tl_comps) / sizeof(tl_comps[0]);
	key = base << 16 | mark;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		k = (uint32_t)tl_comps[mid].base << 16 | tl_comps[mid].mark;
		if (k == key)
			return tl_comps[mid].cp;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * The letters for a tl_table row (given by its capital, up) where Doc 9303
 * offers a choice or an exception; base otherwise.
 */
static const char *
tl_variant(uint32_t up, const char *base, enum translit_lang lang, int flags,
    int first)
{
	int	shrt = (flags & TRANSLIT_SHORT) != 0;
	int	xx = (flags & TRANSLIT_XX) != 0;
	int	be = lang == TRANSLIT_LANG_BELARUSIAN;
	int	bg = lang == TRANSLIT_LANG_BULGARIAN;
	int	mk = lang == TRANSLIT_LANG_MACEDONIAN;
	int	sr = lang == TRANSLIT_LANG_SERBIAN;
	int	uk = lang == TRANSLIT_LANG_UKRAINIAN;

	switch (up) {
	case 0x00c4:	/* Ä: AE or A */
		return shrt ? "A" : "AE";
	case 0x00c5:	/* Å: AA or A */
		return shrt ? "A" : "AA";
	case 0x00d1:	/* Ñ: N or NXX */
		return xx ? "NXX" : "N";
	case 0x00d6:	/* Ö: OE or O */
		return shrt ? "O" : "OE";
	case 0x00dc:	/* Ü: UE or UXX or U */
		return xx ? "UXX" : shrt ? "U" : "UE";
	case 0x0401:	/* Ё */
		return be ? "IO" : base;
	case 0x0404:	/* Є */
		return uk && first ? "YE" : base;
	case 0x0407:	/* Ї */
		return uk && first ? "YI" : base;
	case 0x040c:	/* Ќ */
		return mk ? "KJ" : base;
	case 0x040f:	/* Џ */
		return mk ? "DJ" : base;
	case 0x0413:	/* Г */
		return be || sr || uk ? "H" : base;
	case 0x0416:	/* Ж */
		return sr ? "Z" : base;
	case 0x0418:	/* И */
		return uk ? "Y" : base;
	case 0x0419:	/* Й */
		return uk && first ? "Y" : base;
	case 0x0425:	/* Х */
		return sr || mk ? "H" : base;
	case 0x0426:	/* Ц */
		return sr || mk ? "C" : base;
	case 0x0427:	/* Ч */
		return sr ? "C" : base;
	case 0x0428:	/* Ш */
		return sr ? "S" : base;
	case 0x0429:	/* Щ */
		return bg ? "SHT" : base;
	case 0x042e:	/* Ю */
		return uk && first ? "YU" : base;
	case 0x042f:	/* Я */
		return uk && first ? "YA" : base;
	case 0x0492:	/* Ғ */
		return mk ? "GJ" : base;
	}
	return base;
}

/* Separates name components: space, no-break space, comma, hyphens and
 * dashes. */
static int
tl_is_sep(uint32_t c)
{
	return c == ' ' || c == 0xa0 || c == ',' || c == '-' ||
	    (c >= 0x2010 && c <= 0x2014);
}

/* Omitted with nothing in its place: apostrophes and what is typed for
 * them, full stop, quotation marks, soft hyphen. */
static int
tl_is_omitted(uint32_t c)
{
	switch (c) {
	case '\'': case '`': case 0xb4: case 0x2bb: case 0x2bc: case 0x2018:
	case 0x2019: case '.': case '"': case 0xab: case 0xbb: case 0x201c:
	case 0x201d: case 0x201e: case 0xad:
		return 1;
	}
	return 0;
}

/* " 'x'" for a character safe to echo in a message, else "". */
static void
tl_show(uint32_t c, char *buf, size_t bufsz)
{
	char	u[5];
	size_t	n;

	buf[0] = '\0';
	if (c >= 0x21 && c < 0x7f) {
		u[0] = (char)c;
		n = 1;
	} else if ((c >= 0xa1 && c < 0x300 && c != 0xad) ||
	    (c >= 0x370 && c < 0x530 && (c < 0x483 || c > 0x489)) ||
	    (c >= 0x1e00 && c < 0x1f00)) {	/* no combining marks */
		if (c < 0x800) {
			u[0] = (char)(0xc0 | c >> 6);
			u[1] = (char)(0x80 | (c & 0x3f));
			n = 2;
		} else {
			u[0] = (char)(0xe0 | c >> 12);
			u[1] = (char)(0x80 | (c >> 6 & 0x3f));
			u[2] = (char)(0x80 | (c & 0x3f));
			n = 3;
		}
	} else
		return;
	u[n] = '\0';
	if (bufsz >= n + 4)
		(void)snprintf(buf, bufsz, " '%s'", u);	/* fits: checked */
}

static int
tl_unmapped(struct tl_state *s, size_t off, uint32_t c)
{
	char	show[16];

	tl_show(c, show, sizeof(show));
	if (c >= '0' && c <= '9')
		return tl_fail(s->err, ERR_INVAL, off, c, "byte %zu: digit "
		    "'%c': numerals are not allowed in a name", off, (int)c);
	if (c == '<')
		return tl_fail(s->err, ERR_INVAL, off, c, "byte %zu: '<' is "
		    "the MRZ filler, not part of a name", off);
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return tl_fail(s->err, ERR_INVAL, off, c, "byte %zu: control "
		    "character U+%04X", off, (unsigned int)c);
	if (c >= 0x300 && c < 0x370)
		return tl_fail(s->err, ERR_INVAL, off, c, "byte %zu: "
		    "combining mark U+%04X with no letter before it", off,
		    (unsigned int)c);
	return tl_fail(s->err, ERR_INVAL, off, c, "byte %zu: U+%04X%s has no "
	    "MRZ transliteration", off, (unsigned int)c, show);
}

static int
tl_emit(struct tl_state *s, const char *letters)
{
	size_t	k;

	if ((k = strlen(letters)) == 0)
		return 0;
	if (s->n + k + (s->pending ? 1 : 0) > OUT_MAX)
		return tl_fail(s->err, ERR_TOOBIG, 0, 0, "the name is too "
		    "long");	/* cannot happen: OUT_MAX bounds it */
	if (s->pending) {
		s->out[s->n++] = (s->flags & TRANSLIT_WORDS) ? ' ' : '<';
		s->pending = 0;
	}
	memcpy(s->out + s->n, letters, k);
	s->n += k;
	s->first = 0;
	return 0;
}

static int
tl_run(struct tl_state *s)
{
	const struct tl_map	*m;
	enum tl_bad		 bad;
	uint32_t		 c = 0, mark, comp;
	size_t			 off, n, k;
	char			 ascii[2], show[16];
	int			 rc;

	for (off = 0; off < s->len; off += n) {
		if ((n = tl_decode(s->in + off, s->len - off, &c, &bad)) == 0)
			return tl_bad_utf8(s, off, c, bad);
		/* Combining marks after it, composed onto it one by one. */
		while (off + n < s->len) {
			k = tl_decode(s->in + off + n, s->len - off - n, &mark,
			    &bad);
			if (k == 0 || mark < 0x300 || mark >= 0x370)
				break;	/* a bad sequence is reported next */
			if ((comp = tl_compose(c, mark)) == 0) {
				tl_show(c, show, sizeof(show));
				return tl_fail(s->err, ERR_INVAL, off + n,
				    mark, "byte %zu: combining mark U+%04X "
				    "on U+%04X%s has no MRZ transliteration",
				    off + n, (unsigned int)mark,
				    (unsigned int)c, show);
			}
			c = comp;
			n += k;
		}
		if (tl_is_sep(c)) {
			if (s->n > 0)
				s->pending = 1;
			s->first = 1;
			continue;
		}
		if (tl_is_omitted(c))
			continue;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
			ascii[0] = (char)(c & ~0x20u);
			ascii[1] = '\0';
			rc = tl_emit(s, ascii);
		} else if ((m = tl_lookup(c)) != NULL)
			rc = tl_emit(s, tl_variant(m->up, m->out, s->lang,
			    s->flags, s->first));
		else
			return tl_unmapped(s, off, c);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
translit_convert(const char *in, size_t len, enum translit_lang lang,
    int flags, char *buf, size_t bufsz, struct translit_err *err)
{
	struct tl_state	s;
	int		rc;

	if ((unsigned int)lang >= TRANSLIT_LANG_COUNT)
		return tl_fail(err, ERR_RANGE, 0, 0, "unknown language %d",
		    (int)lang);
	if ((flags & ~(TRANSLIT_WORDS | TRANSLIT_SHORT | TRANSLIT_XX)) != 0)
		return tl_fail(err, ERR_RANGE, 0, 0, "unknown flags 0x%x",
		    (unsigned int)flags);
	if ((in == NULL && len > 0) || (buf == NULL && bufsz > 0))
		return tl_fail(err, ERR_RANGE, 0, 0, "no input or no buffer");
	if (len > TRANSLIT_IN_MAX)
		return tl_fail(err, ERR_TOOBIG, 0, 0, "the name is %zu bytes, "
		    "more than %d", len, TRANSLIT_IN_MAX);
	/* Not memset: s.out is filled only as far as s.n. */
	s.in = (const unsigned char *)in;
	s.len = len;
	s.lang = lang;
	s.flags = flags;
	s.err = err;
	s.n = 0;
	s.pending = 0;
	s.first = 1;
	if ((rc = tl_run(&s)) != 0)
		return rc;
	if (s.n >= bufsz) {
		rc = tl_fail(err, ERR_TOOBIG, 0, 0, "the result needs %zu "
		    "bytes, the buffer has %zu", s.n + 1, bufsz);
		if (err != NULL)
			err->need = s.n + 1;
		return rc;
	}
	memcpy(buf, s.out, s.n);
	buf[s.n] = '\0';
	return 0;
}

enum translit_lang
translit_pick_lang(const char *state, size_t len)
{
	static const struct {
		const char		*code;
		enum translit_lang	 lang;
	} t[] = {
		{ "BLR", TRANSLIT_LANG_BELARUSIAN },
		{ "BGR", TRANSLIT_LANG_BULGARIAN },
		{ "MKD", TRANSLIT_LANG_MACEDONIAN },
		{ "SRB", TRANSLIT_LANG_SERBIAN },
		{ "UKR", TRANSLIT_LANG_UKRAINIAN },
	};
	size_t	i;

	while (len > 0 && state[len - 1] == '<')
		len--;
	if (len != 3)
		return TRANSLIT_LANG_DEFAULT;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (memcmp(state, t[i].code, 3) == 0)
			return t[i].lang;
	return TRANSLIT_LANG_DEFAULT;
}
