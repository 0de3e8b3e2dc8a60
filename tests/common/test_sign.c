/* test_sign.c - Ed25519 signing and verifying against the RFC 8032 test
 * vectors (section 7.1, TEST 1, 2 and 3), with keys written as PEM files the
 * way an operator's openssl would; a bad signature, a flipped message byte,
 * another key, key ids, a non-Ed25519 key (an EC key made with openssl), a
 * file that is not PEM and a missing file. */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "err.h"
#include "sign.h"

/* RFC 8032, section 7.1: SECRET KEY, PUBLIC KEY, MESSAGE, SIGNATURE. */
struct vector {
	const char	*name;
	const char	*secret;
	const char	*public;
	const char	*message;
	const char	*signature;
};

static const struct vector vectors[] = {
	{ "RFC 8032 7.1 TEST 1",
	  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	  "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ "RFC 8032 7.1 TEST 2",
	  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	  "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ "RFC 8032 7.1 TEST 3",
	  "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	  "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	  "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};
#define NVECTORS	(sizeof(vectors) / sizeof(vectors[0]))

static char	dir[64];

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t		n = strlen(s) / 2, i;
	unsigned int	b;

	assert_true(n <= cap);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

/* Writes the vector's secret key as PEM PKCS#8 (private) and
 * SubjectPublicKeyInfo (public) files. */
static void
write_keys(const struct vector *v, const char *priv, const char *pub)
{
	uint8_t		 seed[32];
	EVP_PKEY	*pkey;
	FILE		*fp;

	assert_int_equal(unhex(v->secret, seed, sizeof(seed)), 32);
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	assert_non_null(pkey);
	assert_non_null(fp = fopen(priv, "w"));
	assert_int_equal(PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL,
	    NULL), 1);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(fp = fopen(pub, "w"));
	assert_int_equal(PEM_write_PUBKEY(fp, pkey), 1);
	assert_int_equal(fclose(fp), 0);
	EVP_PKEY_free(pkey);
}

static void
path(char *buf, size_t bufsz, const char *name)
{
	assert_true((size_t)snprintf(buf, bufsz, "%s/%s", dir, name) < bufsz);
}

static int
group_setup(void **state)
{
	(void)state;
	(void)snprintf(dir, sizeof(dir), "/tmp/shekara-sign.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The RFC's signatures come out of sign_sign() byte for byte, verify, and
 * the public key read from either file is the RFC's. */
static void
test_sign_rfc8032_vectors(void **state)
{
	struct sign_key	*k;
	uint8_t		 pub[SIGN_PUBKEY_LEN], want_pub[SIGN_PUBKEY_LEN];
	uint8_t		 msg[8], sig[SIGN_SIG_LEN], want_sig[SIGN_SIG_LEN];
	char		 priv_path[128], pub_path[128];
	size_t		 i, mlen;

	(void)state;
	path(priv_path, sizeof(priv_path), "v.key");
	path(pub_path, sizeof(pub_path), "v.pub");
	for (i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];

		print_message("%s\n", v->name);
		write_keys(v, priv_path, pub_path);
		assert_int_equal(unhex(v->public, want_pub, sizeof(want_pub)),
		    SIGN_PUBKEY_LEN);
		assert_int_equal(unhex(v->signature, want_sig,
		    sizeof(want_sig)), SIGN_SIG_LEN);
		mlen = unhex(v->message, msg, sizeof(msg));

		assert_int_equal(sign_key_load(&k, priv_path), 0);
		sign_key_public(k, pub);
		assert_memory_equal(pub, want_pub, SIGN_PUBKEY_LEN);
		memset(pub, 0, sizeof(pub));
		assert_int_equal(sign_pubkey_load(pub, pub_path), 0);
		assert_memory_equal(pub, want_pub, SIGN_PUBKEY_LEN);

		assert_int_equal(sign_sign(k, msg, mlen, sig), 0);
		assert_memory_equal(sig, want_sig, SIGN_SIG_LEN);
		assert_int_equal(sign_verify(want_pub, msg, mlen, want_sig),
		    0);
		sign_key_free(k);
	}
}

/* A signature with one bit changed anywhere, a message with one byte
 * changed, a longer or shorter message, or another key: ERR_AUTH. */
static void
test_sign_verify_refuses_alterations(void **state)
{
	const struct vector	*v = &vectors[2];	/* TEST 3 */
	const struct vector	*w = &vectors[1];	/* TEST 2 */
	uint8_t			 pub[SIGN_PUBKEY_LEN], other[SIGN_PUBKEY_LEN];
	uint8_t			 msg[8], sig[SIGN_SIG_LEN];
	size_t			 i, mlen;
	int			 bit;

	(void)state;
	unhex(v->public, pub, sizeof(pub));
	unhex(w->public, other, sizeof(other));
	unhex(v->signature, sig, sizeof(sig));
	mlen = unhex(v->message, msg, sizeof(msg));
	assert_int_equal(sign_verify(pub, msg, mlen, sig), 0);

	for (i = 0; i < SIGN_SIG_LEN; i++) {
		for (bit = 0; bit < 8; bit += 7) {
			sig[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(sign_verify(pub, msg, mlen, sig),
			    ERR_AUTH);
			sig[i] ^= (uint8_t)(1u << bit);
		}
	}
	for (i = 0; i < mlen; i++) {
		msg[i] ^= 0x01;
		assert_int_equal(sign_verify(pub, msg, mlen, sig), ERR_AUTH);
		msg[i] ^= 0x01;
	}
	assert_int_equal(sign_verify(pub, msg, mlen - 1, sig), ERR_AUTH);
	msg[mlen] = 0;
	assert_int_equal(sign_verify(pub, msg, mlen + 1, sig), ERR_AUTH);
	assert_int_equal(sign_verify(other, msg, mlen, sig), ERR_AUTH);
	memset(sig, 0, sizeof(sig));
	assert_int_equal(sign_verify(pub, msg, mlen, sig), ERR_AUTH);
	assert_int_equal(sign_verify(pub, msg, mlen, sig), ERR_AUTH);
}

/* A fresh key signs what it verifies, over a larger message too. */
static void
test_sign_round_trip_large(void **state)
{
	struct sign_key	*k;
	uint8_t		 pub[SIGN_PUBKEY_LEN], sig[SIGN_SIG_LEN], *msg;
	char		 priv_path[128], pub_path[128], cmd[512];
	size_t		 len = 1u << 20, i;

	(void)state;
	path(priv_path, sizeof(priv_path), "fresh.key");
	path(pub_path, sizeof(pub_path), "fresh.pub");
	assert_true((size_t)snprintf(cmd, sizeof(cmd), "openssl genpkey "
	    "-algorithm ed25519 -out %s && openssl pkey -in %s -pubout "
	    "-out %s", priv_path, priv_path, pub_path) < sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	assert_non_null(msg = malloc(len));
	for (i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 31 + 7);
	assert_int_equal(sign_key_load(&k, priv_path), 0);
	assert_int_equal(sign_pubkey_load(pub, pub_path), 0);
	assert_int_equal(sign_sign(k, msg, len, sig), 0);
	assert_int_equal(sign_verify(pub, msg, len, sig), 0);
	msg[len - 1] ^= 0x80;
	assert_int_equal(sign_verify(pub, msg, len, sig), ERR_AUTH);
	sign_key_free(k);
	free(msg);
}

/* The key id: the first 8 bytes of SHA-256 of the raw public key, in hex
 * (for TEST 1 computed with `xxd -r -p | sha256sum`). */
static void
test_sign_keyid(void **state)
{
	uint8_t	pub[SIGN_PUBKEY_LEN];
	char	id[SIGN_KEYID_LEN + 1], id2[SIGN_KEYID_LEN + 1];

	(void)state;
	unhex(vectors[0].public, pub, sizeof(pub));
	memset(id, 'x', sizeof(id));
	sign_keyid(pub, id);
	assert_string_equal(id, "21fe31dfa154a261");
	unhex(vectors[1].public, pub, sizeof(pub));
	sign_keyid(pub, id2);
	assert_int_equal(strlen(id2), SIGN_KEYID_LEN);
	assert_string_not_equal(id, id2);
}

/* Keys that are not Ed25519, files that are not keys, and no file: the
 * right code and nothing returned. */
static void
test_sign_load_refuses(void **state)
{
	struct sign_key	*k = (struct sign_key *)&k;	/* a canary */
	uint8_t		 pub[SIGN_PUBKEY_LEN], zero[SIGN_PUBKEY_LEN] = { 0 };
	char		 ec[128], ecpub[128], junk[128], missing[128];
	char		 cmd[512];
	FILE		*fp;

	(void)state;
	path(ec, sizeof(ec), "ec.key");
	path(ecpub, sizeof(ecpub), "ec.pub");
	path(junk, sizeof(junk), "junk.pem");
	path(missing, sizeof(missing), "no-such.key");
	assert_true((size_t)snprintf(cmd, sizeof(cmd), "openssl genpkey "
	    "-algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s && "
	    "openssl pkey -in %s -pubout -out %s", ec, ec, ecpub) <
	    sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	assert_non_null(fp = fopen(junk, "w"));
	fputs("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n"
	    "-----END PRIVATE KEY-----\n", fp);
	assert_int_equal(fclose(fp), 0);

	assert_int_equal(sign_key_load(&k, ec), ERR_INVAL);
	assert_int_equal(sign_key_load(&k, junk), ERR_PARSE);
	assert_int_equal(sign_key_load(&k, missing), ERR_IO);
	assert_ptr_equal(k, (struct sign_key *)&k);
	/* A public key where a private key belongs, and the reverse. */
	assert_int_equal(sign_key_load(&k, ecpub), ERR_PARSE);
	memset(pub, 0, sizeof(pub));
	assert_int_equal(sign_pubkey_load(pub, ecpub), ERR_INVAL);
	assert_int_equal(sign_pubkey_load(pub, junk), ERR_PARSE);
	assert_int_equal(sign_pubkey_load(pub, missing), ERR_IO);
	assert_memory_equal(pub, zero, sizeof(pub));
	sign_key_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_rfc8032_vectors),
		cmocka_unit_test(test_sign_verify_refuses_alterations),
		cmocka_unit_test(test_sign_round_trip_large),
		cmocka_unit_test(test_sign_keyid),
		cmocka_unit_test(test_sign_load_refuses),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
