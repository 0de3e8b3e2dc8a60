/* test_b64.c - common/b64.c: the test vectors of RFC 4648 section 10 both
 * ways, padded and unpadded; the URL-safe alphabet (section 5); strict
 * decoding (characters outside the alphabet, misplaced or missing
 * padding, 4k+1 symbols and non-zero trailing bits refused); output
 * buffers one byte too small refused. Decoder inputs are heap copies of
 * exactly their length so that ASan sees any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b64.h"
#include "err.h"

/* RFC 4648 section 10, "Test Vectors". */
static const struct {
	const char	*in;
	const char	*padded;
	const char	*bare;
} rfc4648[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

static int
decode(const char *s, int flags, uint8_t *out, size_t outsz, size_t *outlen)
{
	size_t	 len = strlen(s);
	char	*p;
	int	 rc;

	p = malloc(len > 0 ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	rc = b64_decode(p, len, flags, out, outsz, outlen);
	free(p);
	return rc;
}

static void
test_b64_rfc4648_vectors_encode(void **state)
{
	char	out[16];
	size_t	i, n, olen;

	(void)state;
	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		n = strlen(rfc4648[i].in);
		assert_int_equal(b64_encode((const uint8_t *)rfc4648[i].in, n,
		    B64_PAD, out, sizeof(out), &olen), 0);
		assert_string_equal(out, rfc4648[i].padded);
		assert_int_equal(olen, strlen(rfc4648[i].padded));
		assert_int_equal(B64_LEN(n, B64_PAD), olen);
		assert_int_equal(b64_encode((const uint8_t *)rfc4648[i].in, n,
		    0, out, sizeof(out), &olen), 0);
		assert_string_equal(out, rfc4648[i].bare);
		assert_int_equal(B64_LEN(n, 0), olen);
	}
}

static void
test_b64_rfc4648_vectors_decode(void **state)
{
	uint8_t	out[16];
	size_t	i, olen;

	(void)state;
	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		olen = 99;
		assert_int_equal(decode(rfc4648[i].padded, B64_PAD, out,
		    sizeof(out), &olen), 0);
		assert_int_equal(olen, strlen(rfc4648[i].in));
		assert_memory_equal(out, rfc4648[i].in, olen);
		olen = 99;
		assert_int_equal(decode(rfc4648[i].bare, 0, out, sizeof(out),
		    &olen), 0);
		assert_int_equal(olen, strlen(rfc4648[i].in));
		assert_memory_equal(out, rfc4648[i].in, olen);
	}
}

/* The two alphabets differ in values 62 and 63 only (sections 4, 5). */
static void
test_b64_url_alphabet(void **state)
{
	static const uint8_t	bytes[] = { 0xfb, 0xff, 0xbf };
	uint8_t			back[3];
	char			out[8];
	size_t			olen;

	(void)state;
	assert_int_equal(b64_encode(bytes, 3, 0, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "+/+/");
	assert_int_equal(b64_encode(bytes, 3, B64_URL, out, sizeof(out),
	    NULL), 0);
	assert_string_equal(out, "-_-_");
	assert_int_equal(b64_encode(bytes, 2, B64_URL | B64_PAD, out,
	    sizeof(out), NULL), 0);
	assert_string_equal(out, "-_8=");
	assert_int_equal(decode("-_-_", B64_URL, back, sizeof(back), &olen),
	    0);
	assert_int_equal(olen, 3);
	assert_memory_equal(back, bytes, 3);
	/* Each alphabet refuses the other's two symbols. */
	assert_int_equal(decode("-_-_", 0, back, sizeof(back), &olen),
	    ERR_PARSE);
	assert_int_equal(decode("+/+/", B64_URL, back, sizeof(back), &olen),
	    ERR_PARSE);
	assert_int_equal(b64_value('+', 0), 62);
	assert_int_equal(b64_value('_', B64_URL), 63);
	assert_int_equal(b64_value('=', 0), -1);
	assert_int_equal(b64_value('_', 0), -1);
}

static void
test_b64_decode_is_strict(void **state)
{
	static const struct {
		const char	*s;
		int		 flags;
		int		 rc;
	} cases[] = {
		/* Padding where none is wanted, none where it is. */
		{ "Zg==", 0, ERR_PARSE },
		{ "Zm8=", 0, ERR_PARSE },
		{ "Zg", B64_PAD, ERR_PARSE },
		{ "Zm8", B64_PAD, ERR_PARSE },
		/* Misplaced or too much padding. */
		{ "Z===", B64_PAD, ERR_PARSE },
		{ "====", B64_PAD, ERR_PARSE },
		{ "Zg=a", B64_PAD, ERR_PARSE },
		{ "Z=g=", B64_PAD, ERR_PARSE },
		{ "Zm9v=", B64_PAD, ERR_PARSE },
		{ "Zg==Zm9v", B64_PAD, ERR_PARSE },
		{ "Zm8=", B64_PAD, 0 },
		/* 4k+1 symbols cannot be whole bytes. */
		{ "Z", 0, ERR_PARSE },
		{ "Zm9vY", 0, ERR_PARSE },
		/* Non-zero trailing bits: a second spelling of "f", "fo". */
		{ "Zh", 0, ERR_PARSE },
		{ "Zh==", B64_PAD, ERR_PARSE },
		{ "Zm9=", B64_PAD, ERR_PARSE },
		{ "Zm9", 0, ERR_PARSE },
		{ "Zm8", 0, 0 },
		{ "Zm-", 0, ERR_PARSE },
		/* Outside the alphabet. */
		{ "Zm9 v", 0, ERR_PARSE },
		{ "Zm9v\n", 0, ERR_PARSE },
		{ "Zm9v\n", B64_PAD, ERR_PARSE },
		{ "Zm.v", 0, ERR_PARSE },
		{ "Zm\xc3\xa9", 0, ERR_PARSE },
	};
	uint8_t	out[16];
	size_t	i, olen;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(decode(cases[i].s, cases[i].flags, out,
		    sizeof(out), &olen), cases[i].rc);
}

static void
test_b64_buffers_too_small(void **state)
{
	uint8_t	out[6];
	char	text[9];
	size_t	olen = 99;

	(void)state;
	/* "foobar" needs 6 bytes, 8 characters and a NUL. */
	assert_int_equal(decode("Zm9vYmFy", 0, out, 5, &olen), ERR_RANGE);
	assert_int_equal(olen, 99);
	assert_int_equal(decode("Zm9vYmFy", 0, out, 6, &olen), 0);
	assert_int_equal(b64_encode(out, 6, 0, text, 8, &olen), ERR_RANGE);
	assert_int_equal(b64_encode(out, 6, 0, text, 9, &olen), 0);
	assert_string_equal(text, "Zm9vYmFy");
	/* Padded "fooba": 8 characters where unpadded needs 7. */
	assert_int_equal(b64_encode(out, 5, B64_PAD, text, 8, NULL),
	    ERR_RANGE);
	assert_int_equal(b64_encode(out, 5, 0, text, 8, NULL), 0);
}

/* Every length of every byte value round-trips in every mode. */
static void
test_b64_round_trip(void **state)
{
	static const int	modes[] = { 0, B64_PAD, B64_URL,
				    B64_URL | B64_PAD };
	uint8_t			in[64], back[64];
	char			text[B64_LEN(64, B64_PAD) + 1];
	size_t			i, n, m, tlen, blen;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 255);
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		for (n = 0; n <= sizeof(in); n++) {
			assert_int_equal(b64_encode(in, n, modes[m], text,
			    sizeof(text), &tlen), 0);
			assert_int_equal(tlen, B64_LEN(n, modes[m]));
			assert_int_equal(b64_decode(text, tlen, modes[m], back,
			    sizeof(back), &blen), 0);
			assert_int_equal(blen, n);
			assert_memory_equal(back, in, n);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_rfc4648_vectors_encode),
		cmocka_unit_test(test_b64_rfc4648_vectors_decode),
		cmocka_unit_test(test_b64_url_alphabet),
		cmocka_unit_test(test_b64_decode_is_strict),
		cmocka_unit_test(test_b64_buffers_too_small),
		cmocka_unit_test(test_b64_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
