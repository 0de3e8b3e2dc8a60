/* test_pinhash.c - scrypt PIN hashes: the RFC 7914 vector as a PHC string,
 * round trip with fresh salts, a wrong PIN refused, PINs out of the rules
 * refused, malformed PHC strings and parameters out of bounds refused
 * without hashing; user passwords (UTF-8 rules, the same scheme). Strings
 * are checked from heap copies of exactly their length so that ASan sees
 * any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "pinhash.h"

/* RFC 7914 section 12, third vector: P "pleaseletmein", S "SodiumChloride",
 * N 16384, r 8, p 1, 64 bytes. */
static const char	rfc_phc[] = "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU"
    "$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3"
    "A1lHkDfzwF7RVdYhw";

/* Fast parameters for tests that do not measure the hash itself. */
static const struct pinhash_params	fast = { 10, 8, 1 };

static char *
exact_copy(const char *s, size_t len)
{
	char	*p;

	p = malloc(len > 0 ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

static int
verify(const char *phc, const char *pin)
{
	char	*a = exact_copy(phc, strlen(phc));
	char	*b = exact_copy(pin, strlen(pin));
	int	 rc;

	rc = pinhash_verify(a, strlen(phc), b, strlen(pin));
	free(a);
	free(b);
	return rc;
}

static int
parse(const char *phc, struct pinhash_params *pp)
{
	char	*a = exact_copy(phc, strlen(phc));
	int	 rc;

	rc = pinhash_parse(a, strlen(phc), pp);
	free(a);
	return rc;
}

static void
test_pinhash_rfc7914_vector(void **state)
{
	struct pinhash_params	pp;

	(void)state;
	assert_int_equal(parse(rfc_phc, &pp), 0);
	assert_int_equal(pp.ln, 14);
	assert_int_equal(pp.r, 8);
	assert_int_equal(pp.p, 1);
	assert_int_equal(verify(rfc_phc, "pleaseletmein"), 0);
	assert_int_equal(verify(rfc_phc, "pleaseletmeiN"), ERR_AUTH);
	assert_int_equal(verify(rfc_phc, "pleaseletme"), ERR_AUTH);
}

static void
test_pinhash_default_round_trip(void **state)
{
	char			h[128];
	struct pinhash_params	pp;

	(void)state;
	assert_int_equal(pinhash_make("4821", 4, NULL, h, sizeof(h)), 0);
	assert_int_equal(strncmp(h, "$scrypt$ln=15,r=8,p=1$", 22), 0);
	/* 16-byte salt: 22 characters; 32-byte hash: 43 characters. */
	assert_int_equal(strlen(h), 22 + 22 + 1 + 43);
	assert_int_equal(parse(h, &pp), 0);
	assert_int_equal(pp.ln, PINHASH_LN_DEFAULT);
	assert_int_equal(verify(h, "4821"), 0);
	assert_int_equal(verify(h, "4822"), ERR_AUTH);
}

static void
test_pinhash_salts_differ(void **state)
{
	char	a[128], b[128];

	(void)state;
	assert_int_equal(pinhash_make("123456", 6, &fast, a, sizeof(a)), 0);
	assert_int_equal(pinhash_make("123456", 6, &fast, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(verify(a, "123456"), 0);
	assert_int_equal(verify(b, "123456"), 0);
}

static void
test_pinhash_wrong_pin(void **state)
{
	static const char *const wrong[] = {
		"12345", "1234567", "123457", "023456", "12345 ",
		"abcdef", "", "123", "12\n456",
	};
	char	h[128];
	size_t	i;

	(void)state;
	assert_int_equal(pinhash_make("123456", 6, &fast, h, sizeof(h)), 0);
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		assert_int_equal(verify(h, wrong[i]), ERR_AUTH);
	/* Case matters in a letter PIN. */
	assert_int_equal(pinhash_make("Kz!9x", 5, &fast, h, sizeof(h)), 0);
	assert_int_equal(verify(h, "Kz!9x"), 0);
	assert_int_equal(verify(h, "kz!9x"), ERR_AUTH);
}

static void
test_pinhash_pin_rules(void **state)
{
	static const struct {
		const char	*pin;
		int		 ok;
	} t[] = {
		{ "1234", 1 }, { "123", 0 }, { "", 0 },
		{ "12345678901234567890123456789012", 1 },	/* 32 */
		{ "123456789012345678901234567890123", 0 },	/* 33 */
		{ "ab!~", 1 }, { "12 34", 0 }, { "12\t34", 0 },
		{ "1234\x7f", 0 }, { "12\xc3\xa9" "34", 0 },	/* é */
	};
	char	h[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(pinhash_check_pin(t[i].pin, strlen(t[i].pin)),
		    t[i].ok);
		if (!t[i].ok)
			assert_int_equal(pinhash_make(t[i].pin,
			    strlen(t[i].pin), &fast, h, sizeof(h)), ERR_INVAL);
	}
	/* A NUL inside is not a PIN either. */
	assert_int_equal(pinhash_check_pin("12\0" "45", 5), 0);
}

static void
test_pinhash_output_too_small(void **state)
{
	char	h[64];

	(void)state;
	memset(h, 'x', sizeof(h));
	assert_int_equal(pinhash_make("1234", 4, &fast, h, sizeof(h)),
	    ERR_TOOBIG);
	assert_int_equal(pinhash_make("1234", 4, &fast, h, 0), ERR_TOOBIG);
}

static void
test_pinhash_make_params_refused(void **state)
{
	static const struct pinhash_params bad[] = {
		{ 0, 8, 1 }, { 21, 8, 1 }, { 10, 0, 1 }, { 10, 33, 1 },
		{ 10, 8, 0 }, { 10, 8, 17 }, { 20, 8, 1 },	/* 1 GiB */
		{ -1, 8, 1 },
	};
	char	h[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pinhash_make("1234", 4, &bad[i], h,
		    sizeof(h)), ERR_RANGE);
}

static void
test_pinhash_malformed_phc(void **state)
{
	static const struct {
		const char	*phc;
		int		 rc;
	} t[] = {
		{ "", ERR_PARSE },
		{ "$scrypt$", ERR_PARSE },
		{ "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		    ERR_PARSE },
		{ "scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		/* parameters in another order, missing, signed, padded */
		{ "$scrypt$r=8,ln=10,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		{ "$scrypt$ln=10,r=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		{ "$scrypt$ln=+10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		{ "$scrypt$ln=010,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		{ "$scrypt$ln=99999,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		{ "$scrypt$ln=,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		/* no hash, empty parts, an extra part */
		{ "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ", ERR_PARSE },
		{ "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$", ERR_RANGE },
		{ "$scrypt$ln=10,r=8,p=1$$aGFzaGhhc2hoYXNoaGFzaA", ERR_RANGE },
		{ "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$x",
		    ERR_PARSE },
		/* base64: padding, a bad character, 4k+1 characters, stray
		 * trailing bits */
		{ "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		{ "$scrypt$ln=10,r=8,p=1$c2FsdH*hbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		{ "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaAx",
		    ERR_PARSE },
		{ "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHR$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_PARSE },
		/* salt of 4 bytes, hash of 8 bytes */
		{ "$scrypt$ln=10,r=8,p=1$TmFDbA$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_RANGE },
		{ "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", ERR_RANGE },
		/* parameters out of bounds (memory and time) */
		{ "$scrypt$ln=21,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_RANGE },
		{ "$scrypt$ln=20,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_RANGE },
		{ "$scrypt$ln=0,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_RANGE },
		{ "$scrypt$ln=10,r=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_RANGE },
		{ "$scrypt$ln=10,r=8,p=9999$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		    ERR_RANGE },
	};
	char	big[PINHASH_STR_MAX + 2];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (parse(t[i].phc, NULL) != t[i].rc)
			fail_msg("%s: got %d, want %d", t[i].phc,
			    parse(t[i].phc, NULL), t[i].rc);
		/* verify refuses the same way, without hashing */
		assert_int_equal(verify(t[i].phc, "1234"), t[i].rc);
	}
	/* ln=20 with r=1 is 128 MiB: within bounds. */
	assert_int_equal(parse("$scrypt$ln=20,r=1,p=1$c2FsdHNhbHQ$"
	    "aGFzaGhhc2hoYXNoaGFzaA", NULL), 0);
	/* Over PINHASH_STR_MAX bytes. */
	memset(big, 'A', sizeof(big));
	memcpy(big, "$scrypt$ln=10,r=8,p=1$", 22);
	big[100] = '$';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, NULL), ERR_PARSE);
	/* A copy cut anywhere before its hash is refused, and never read
	 * past its end. */
	for (i = 0; i <= (size_t)(strrchr(rfc_phc, '$') - rfc_phc) + 1; i++) {
		char	*p = exact_copy(rfc_phc, i);

		assert_int_not_equal(pinhash_parse(p, i, NULL), 0);
		free(p);
	}
}

static int
verify_pw(const char *phc, const char *pw, size_t len)
{
	char	*a = exact_copy(phc, strlen(phc));
	char	*b = exact_copy(pw, len);
	int	 rc;

	rc = pinhash_verify_password(a, strlen(phc), b, len);
	free(a);
	free(b);
	return rc;
}

static int
check_pw(const char *pw, size_t len)
{
	char	*b = exact_copy(pw, len);
	int	 ok;

	ok = pinhash_check_password(b, len);
	free(b);
	return ok;
}

/* The RFC 7914 vector's password is also a valid user password: the same
 * PHC string verifies through the password functions. */
static void
test_password_rfc7914_vector(void **state)
{
	(void)state;
	assert_int_equal(verify_pw(rfc_phc, "pleaseletmein", 13), 0);
	assert_int_equal(verify_pw(rfc_phc, "pleaseletmeiN", 13), ERR_AUTH);
	assert_int_equal(verify_pw(rfc_phc, "pleaseletmein ", 14), ERR_AUTH);
}

static void
test_password_round_trip(void **state)
{
	static const char	pw[] = "correct horse battery staple";
	static const char	cyr[] = "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe"
				    "\xd0\xbb\xd1\x8c-\xd0\x9a\xd0\x97 2026";
	char			h[128], h2[128];
	struct pinhash_params	pp;

	(void)state;
	/* The defaults: memory-hard (N = 2^15, r = 8: 32 MiB). */
	assert_int_equal(pinhash_make_password(pw, strlen(pw), NULL, h,
	    sizeof(h)), 0);
	assert_int_equal(pinhash_parse(h, strlen(h), &pp), 0);
	assert_int_equal(pp.ln, PINHASH_LN_DEFAULT);
	assert_int_equal(pp.r, PINHASH_R_DEFAULT);
	assert_true(strncmp(h, "$scrypt$ln=15,r=8,p=1$", 22) == 0);
	assert_int_equal(verify_pw(h, pw, strlen(pw)), 0);
	assert_int_equal(verify_pw(h, "correct horse battery stapl", 27),
	    ERR_AUTH);
	assert_int_equal(verify_pw(h, "Correct horse battery staple", 28),
	    ERR_AUTH);
	/* Same password, fresh salt: another string, both verify. */
	assert_int_equal(pinhash_make_password(pw, strlen(pw), &fast, h2,
	    sizeof(h2)), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(verify_pw(h2, pw, strlen(pw)), 0);
	/* Non-Latin UTF-8. */
	assert_int_equal(pinhash_make_password(cyr, strlen(cyr), &fast, h,
	    sizeof(h)), 0);
	assert_int_equal(verify_pw(h, cyr, strlen(cyr)), 0);
	/* A PIN's hash does not take a password nor the reverse: only the
	 * rules differ, the scheme is one. */
	assert_int_equal(pinhash_make("12345678", 8, &fast, h, sizeof(h)), 0);
	assert_int_equal(verify_pw(h, "12345678", 8), 0);
	assert_int_equal(verify_pw(h, "12345679", 8), ERR_AUTH);
}

static void
test_password_rules(void **state)
{
	static const struct {
		const char	*pw;
		int		 ok;
	} t[] = {
		{ "12345678", 1 }, { "1234567", 0 }, { "", 0 },
		{ "with spaces ok", 1 },
		{ "tab\there1", 0 }, { "new\nline12", 0 }, { "del\x7f""12345", 0 },
		{ "caf\xc3\xa9 au lait", 1 },			/* é */
		{ "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 1 },	/* 3 euro, 9 bytes */
		{ "\xf0\x9f\x94\x91 key 1234", 1 },	/* U+1F511 */
		{ "bad \xc3 byte", 0 },			/* cut sequence */
		{ "over\xc0\xafslash", 0 },			/* overlong / */
		{ "over\xe0\x80\xaflong", 0 },
		{ "surr\xed\xa0\x80gate", 0 },		/* U+D800 */
		{ "big\xf4\x90\x80\x80" "code", 0 },	/* U+110000 */
		{ "cont\x80only1", 0 },
		{ "ends with lead \xe2\x82", 0 },		/* cut at the end */
	};
	char	long_ok[PINHASH_PASSWORD_MAX], h[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(check_pw(t[i].pw, strlen(t[i].pw)), t[i].ok);
		if (!t[i].ok) {
			assert_int_equal(pinhash_make_password(t[i].pw,
			    strlen(t[i].pw), &fast, h, sizeof(h)), ERR_INVAL);
			assert_int_equal(verify_pw(rfc_phc, t[i].pw,
			    strlen(t[i].pw)), ERR_AUTH);
		}
	}
	/* A NUL inside is not allowed. */
	assert_int_equal(check_pw("1234\0" "5678", 9), 0);
	/* 256 bytes is the limit, 257 is over. */
	memset(long_ok, 'a', sizeof(long_ok));
	assert_int_equal(check_pw(long_ok, sizeof(long_ok)), 1);
	assert_int_equal(check_pw(long_ok, sizeof(long_ok) - 1), 1);
	{
		char	over[PINHASH_PASSWORD_MAX + 1];

		memset(over, 'a', sizeof(over));
		assert_int_equal(check_pw(over, sizeof(over)), 0);
		assert_int_equal(pinhash_make_password(over, sizeof(over),
		    &fast, h, sizeof(h)), ERR_INVAL);
	}
	/* A multi-byte character cut by the length is refused. */
	assert_int_equal(check_pw("abcdefg\xc3\xa9", 8), 0);
	assert_int_equal(check_pw("abcdefg\xc3\xa9", 9), 1);
}

/* A PHC string from outside is checked before any hashing: bad strings
 * give the parse errors, and parameters beyond the bounds are refused. */
static void
test_password_bad_phc(void **state)
{
	(void)state;
	assert_int_equal(verify_pw("", "password1", 9), ERR_PARSE);
	assert_int_equal(verify_pw("$scrypt$ln=30,r=8,p=1$c2FsdHNhbHQ"
	    "$aGFzaGhhc2hoYXNoaGFzaA", "password1", 9), ERR_RANGE);
	assert_int_equal(verify_pw("plaintext-password", "plaintext-password",
	    18), ERR_PARSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinhash_rfc7914_vector),
		cmocka_unit_test(test_pinhash_default_round_trip),
		cmocka_unit_test(test_pinhash_salts_differ),
		cmocka_unit_test(test_pinhash_wrong_pin),
		cmocka_unit_test(test_pinhash_pin_rules),
		cmocka_unit_test(test_pinhash_output_too_small),
		cmocka_unit_test(test_pinhash_make_params_refused),
		cmocka_unit_test(test_pinhash_malformed_phc),
		cmocka_unit_test(test_password_rfc7914_vector),
		cmocka_unit_test(test_password_round_trip),
		cmocka_unit_test(test_password_rules),
		cmocka_unit_test(test_password_bad_phc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
