/* sign.c - Ed25519 with OpenSSL 3 EVP: PEM keys in, raw 32-byte public keys
 * and 64-byte signatures out (EVP_DigestSign with a NULL digest, as
 * RFC 8032 Ed25519 signs the message itself). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "err.h"
#include "sign.h"

struct sign_key {
	EVP_PKEY	*pkey;
	uint8_t		 pub[SIGN_PUBKEY_LEN];
};

/* A PEM file as a memory BIO; ERR_IO with errno set. */
static int
sign_bio_open(BIO **out, const char *path)
{
	FILE	*f;
	BIO	*bio;
	int	 saved;

	if ((f = fopen(path, "r")) == NULL)
		return ERR_IO;
	if ((bio = BIO_new_fp(f, BIO_CLOSE)) == NULL) {
		saved = errno;
		fclose(f);
		errno = saved;
		return ERR_NOMEM;
	}
	*out = bio;
	return 0;
}

/* The raw public key of an Ed25519 EVP_PKEY; ERR_INVAL for another type. */
static int
sign_pkey_raw_public(EVP_PKEY *pkey, uint8_t pub[SIGN_PUBKEY_LEN])
{
	size_t	len = SIGN_PUBKEY_LEN;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519)
		return ERR_INVAL;
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 ||
	    len != SIGN_PUBKEY_LEN)
		return ERR_INVAL;
	return 0;
}

int
sign_key_load(struct sign_key **out, const char *path)
{
	struct sign_key	*k;
	EVP_PKEY	*pkey;
	BIO		*bio;
	int		 rc;

	if ((rc = sign_bio_open(&bio, path)) != 0)
		return rc;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL) {
		ERR_clear_error();
		return ERR_PARSE;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pkey);
		return ERR_NOMEM;
	}
	if ((rc = sign_pkey_raw_public(pkey, k->pub)) != 0) {
		EVP_PKEY_free(pkey);
		free(k);
		return rc;
	}
	k->pkey = pkey;
	*out = k;
	return 0;
}

void
sign_key_free(struct sign_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);	/* OpenSSL clears the private key */
	explicit_bzero(k, sizeof(*k));
	free(k);
}

void
sign_key_public(const struct sign_key *k, uint8_t pub[SIGN_PUBKEY_LEN])
{
	memcpy(pub, k->pub, SIGN_PUBKEY_LEN);
}

int
sign_sign(const struct sign_key *k, const uint8_t *msg, size_t len,
    uint8_t sig[SIGN_SIG_LEN])
{
	EVP_MD_CTX	*ctx;
	uint8_t		 out[SIGN_SIG_LEN];
	size_t		 outlen = sizeof(out);
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ERR_NOMEM;
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, out, &outlen, msg, len) == 1 &&
	    outlen == SIGN_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		return ERR_INVAL;
	}
	memcpy(sig, out, SIGN_SIG_LEN);
	return 0;
}

int
sign_verify(const uint8_t pub[SIGN_PUBKEY_LEN], const uint8_t *msg,
    size_t len, const uint8_t sig[SIGN_SIG_LEN])
{
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*ctx;
	int		 ok;

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
	    SIGN_PUBKEY_LEN);
	if (pkey == NULL) {
		ERR_clear_error();
		return ERR_AUTH;	/* not a point on the curve */
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		EVP_PKEY_free(pkey);
		return ERR_NOMEM;
	}
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, SIGN_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	if (!ok) {
		ERR_clear_error();
		return ERR_AUTH;
	}
	return 0;
}

int
sign_pubkey_load(uint8_t pub[SIGN_PUBKEY_LEN], const char *path)
{
	EVP_PKEY	*pkey;
	BIO		*bio;
	uint8_t		 raw[SIGN_PUBKEY_LEN];
	int		 rc;

	if ((rc = sign_bio_open(&bio, path)) != 0)
		return rc;
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL) {
		ERR_clear_error();
		return ERR_PARSE;
	}
	rc = sign_pkey_raw_public(pkey, raw);
	EVP_PKEY_free(pkey);
	if (rc != 0)
		return rc;
	memcpy(pub, raw, SIGN_PUBKEY_LEN);
	return 0;
}

void
sign_keyid(const uint8_t pub[SIGN_PUBKEY_LEN], char out[SIGN_KEYID_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	uint8_t			 md[SHA256_DIGEST_LENGTH];
	size_t			 i;

	SHA256(pub, SIGN_PUBKEY_LEN, md);
	for (i = 0; i < SIGN_KEYID_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[SIGN_KEYID_LEN] = '\0';
}
