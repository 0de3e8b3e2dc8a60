/* auditchain.c - the audit trail's hash chain: canonical detail JSON
 * (jansson, sorted keys, compact, ASCII-escaped), the length-prefixed
 * SHA-256 of an event (OpenSSL EVP), and the check of one link. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "auditchain.h"
#include "date.h"
#include "err.h"

#define AUDIT_MAGIC	"shekara-audit-v1\n"

/* 1 if s[0..len) is valid UTF-8 (shortest forms, no surrogates) without
 * control characters (C0, DEL, C1). */
static int
audit_utf8_ok(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned int		 cp, min;

	while (i < len) {
		cp = p[i];
		if (cp < 0x20 || cp == 0x7f)
			return 0;
		if (cp < 0x80) {
			i++;
			continue;
		}
		if ((cp & 0xe0) == 0xc0) {
			n = 1;
			cp &= 0x1f;
			min = 0x80;
		} else if ((cp & 0xf0) == 0xe0) {
			n = 2;
			cp &= 0x0f;
			min = 0x800;
		} else if ((cp & 0xf8) == 0xf0) {
			n = 3;
			cp &= 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n > len - i - 1)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (cp >= 0x80 && cp <= 0x9f)
			return 0;
		i += n + 1;
	}
	return 1;
}

int
audit_actor_check(const char *actor)
{
	size_t	len;

	if (actor == NULL)
		return ERR_INVAL;
	len = strnlen(actor, AUDIT_ACTOR_MAX + 1);
	if (len < 1 || len > AUDIT_ACTOR_MAX || !audit_utf8_ok(actor, len))
		return ERR_INVAL;
	return 0;
}

int
audit_action_check(const char *action)
{
	size_t	i;

	if (action == NULL)
		return ERR_INVAL;
	for (i = 0; action[i] != '\0'; i++)
		if (i >= AUDIT_ACTION_MAX ||
		    !((action[i] >= 'a' && action[i] <= 'z') ||
		    action[i] == '_'))
			return ERR_INVAL;
	return i > 0 ? 0 : ERR_INVAL;
}

int
audit_subject_check(const char *subject)
{
	size_t	len;

	if (subject == NULL)
		return ERR_INVAL;
	len = strnlen(subject, AUDIT_SUBJECT_MAX + 1);
	if (len > AUDIT_SUBJECT_MAX || !audit_utf8_ok(subject, len))
		return ERR_INVAL;
	return 0;
}

/* A chain name: 1..63 bytes of [A-Za-z0-9:._-], NUL-terminated in 64. */
static int
audit_chain_check(const char chain[64])
{
	size_t	i, len;
	char	c;

	len = strnlen(chain, 64);
	if (len < 1 || len > 63)
		return ERR_INVAL;
	for (i = 0; i < len; i++) {
		c = chain[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == ':' || c == '.' ||
		    c == '_' || c == '-'))
			return ERR_INVAL;
	}
	return 0;
}

/* 64 lower-case hex digits and a NUL. */
static int
audit_hex_check(const char *h)
{
	size_t	i;

	for (i = 0; i < AUDIT_HASH_HEX; i++)
		if (!((h[i] >= '0' && h[i] <= '9') ||
		    (h[i] >= 'a' && h[i] <= 'f')))
			return ERR_INVAL;
	return h[AUDIT_HASH_HEX] == '\0' ? 0 : ERR_INVAL;
}

int
audit_canon_detail(const char *json, size_t len, char **out, size_t *outlen)
{
	json_t		*v;
	json_error_t	 jerr;
	char		*s;

	if (json == NULL || len == 0)
		return ERR_PARSE;
	if (len > AUDIT_DETAIL_MAX)
		return ERR_TOOBIG;
	v = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL)
		return ERR_PARSE;
	if (!json_is_object(v)) {
		json_decref(v);
		return ERR_PARSE;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(v);
	if (s == NULL)
		return ERR_NOMEM;
	if (strlen(s) > AUDIT_DETAIL_MAX) {
		free(s);
		return ERR_TOOBIG;
	}
	*outlen = strlen(s);
	*out = s;
	return 0;
}

/* One field: "<decimal length>:<bytes>\n". */
static int
audit_field(EVP_MD_CTX *md, const void *p, size_t len)
{
	char	num[32];
	int	n;

	n = snprintf(num, sizeof(num), "%zu:", len);
	if (n < 0 || (size_t)n >= sizeof(num))
		return ERR_INVAL;
	if (EVP_DigestUpdate(md, num, (size_t)n) != 1 ||
	    (len > 0 && EVP_DigestUpdate(md, p, len) != 1) ||
	    EVP_DigestUpdate(md, "\n", 1) != 1)
		return ERR_INVAL;
	return 0;
}

int
audit_event_hash(const struct audit_event *e, char out[AUDIT_HASH_HEX + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	EVP_MD_CTX		*md;
	unsigned char		 dig[EVP_MAX_MD_SIZE];
	unsigned int		 diglen = 0, i;
	char			 seq[24], at[32];
	int			 n, rc = ERR_INVAL;

	if (e == NULL || audit_chain_check(e->chain) != 0 || e->seq == 0 ||
	    audit_actor_check(e->actor) != 0 ||
	    audit_action_check(e->action) != 0 ||
	    audit_subject_check(e->subject) != 0 || e->detail == NULL ||
	    e->detail_len == 0 || e->detail_len > AUDIT_DETAIL_MAX ||
	    audit_hex_check(e->prev) != 0)
		return ERR_INVAL;
	n = snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e->seq);
	if (n < 0 || (size_t)n >= sizeof(seq))
		return ERR_INVAL;
	if (date_format_rfc3339(e->at_ms, at, sizeof(at)) != 0)
		return ERR_INVAL;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return ERR_NOMEM;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, AUDIT_MAGIC, sizeof(AUDIT_MAGIC) - 1) != 1)
		goto done;
	if (audit_field(md, e->chain, strlen(e->chain)) != 0 ||
	    audit_field(md, seq, (size_t)n) != 0 ||
	    audit_field(md, at, strlen(at)) != 0 ||
	    audit_field(md, e->actor, strlen(e->actor)) != 0 ||
	    audit_field(md, e->action, strlen(e->action)) != 0 ||
	    audit_field(md, e->subject, strlen(e->subject)) != 0 ||
	    audit_field(md, e->detail, e->detail_len) != 0 ||
	    audit_field(md, e->prev, AUDIT_HASH_HEX) != 0)
		goto done;
	if (EVP_DigestFinal_ex(md, dig, &diglen) != 1 || diglen != 32)
		goto done;
	for (i = 0; i < diglen; i++) {
		out[2 * i] = hex[dig[i] >> 4];
		out[2 * i + 1] = hex[dig[i] & 0x0f];
	}
	out[AUDIT_HASH_HEX] = '\0';
	rc = 0;
done:
	EVP_MD_CTX_free(md);
	return rc;
}

int
audit_event_check(const struct audit_event *e, const char *want_prev)
{
	char	h[AUDIT_HASH_HEX + 1];

	if (e == NULL || want_prev == NULL)
		return ERR_INVAL;
	if (strncmp(e->prev, want_prev, AUDIT_HASH_HEX + 1) != 0)
		return ERR_INVAL;
	if (audit_event_hash(e, h) != 0)
		return ERR_INVAL;
	if (strncmp(e->hash, h, AUDIT_HASH_HEX + 1) != 0)
		return ERR_INVAL;
	return 0;
}
