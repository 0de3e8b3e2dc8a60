/* auditmsg.c - the JSON codec of a post's audit batch; see auditmsg.h.
 * The detail object is decoded to its canonical text (audit_canon_detail)
 * so the centre stores and hashes exactly what the post hashed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auditchain.h"
#include "auditmsg.h"
#include "date.h"
#include "err.h"
#include "proto.h"
#include "ptext.h"

#define AUDITMSG_TIME_MAX	INT64_C(253402300799999) /* 9999-12-31 */
#define AUDITMSG_TIME_MSG	"must be an RFC 3339 time from 1970 to 9999, " \
				"like \"2026-11-27T01:02:03.123Z\""

static const char *const auditmsg_event_keys[] = { "seq", "at", "actor",
	"action", "subject", "detail", "prev", "hash", NULL };

static int
auditmsg_hex_ok(const char *s, size_t len)
{
	size_t	i;

	if (len != AUDIT_HASH_HEX)
		return 0;
	for (i = 0; i < len; i++)
		if (!ptext_is_digit(s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return 0;
	return 1;
}

static int
auditmsg_action_ok(const char *s, size_t len)
{
	size_t	i;

	if (len < 1 || len > AUDIT_ACTION_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!ptext_is_lower(s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* Actor: 1..128 bytes of UTF-8, no control characters, not blank; subject
 * the same but may be empty. NULL if fine, else why. */
static const char *
auditmsg_text_why(const char *s, size_t len, int actor)
{
	enum ptext_fault	f;

	f = ptext_check(s, len, actor ? 1 : 0, actor ? AUDIT_ACTOR_MAX :
	    AUDIT_SUBJECT_MAX, actor, 0);
	return ptext_msg(f, actor ? "must be at most 128 bytes" :
	    "must be at most 128 bytes");
}

int
auditmsg_check_event(const struct auditmsg_event *e, const char *path,
    struct proto_error *err)
{
	struct proto_error	 scratch;
	const char		*why;
	size_t			 n;

	if (err == NULL)
		err = &scratch;
	if (e->seq < 1 || e->seq > AUDITMSG_SEQ_MAX)
		return ptext_error(err, ERR_INVAL, path, "seq",
		    "must be 1..%llu", (unsigned long long)AUDITMSG_SEQ_MAX);
	if (e->at_ms < 1 || e->at_ms > AUDITMSG_TIME_MAX)
		return ptext_error(err, ERR_INVAL, path, "at",
		    AUDITMSG_TIME_MSG);
	n = strnlen(e->actor, sizeof(e->actor));
	if (n == sizeof(e->actor))
		return ptext_error(err, ERR_INVAL, path, "actor",
		    "is not terminated");
	if ((why = auditmsg_text_why(e->actor, n, 1)) != NULL ||
	    (why = audit_actor_check(e->actor) != 0 ?
	    "is not a valid actor" : NULL) != NULL)
		return ptext_error(err, ERR_INVAL, path, "actor", "%s", why);
	n = strnlen(e->action, sizeof(e->action));
	if (n == sizeof(e->action) || !auditmsg_action_ok(e->action, n) ||
	    audit_action_check(e->action) != 0)
		return ptext_error(err, ERR_INVAL, path, "action",
		    "must be 1..32 characters a-z or _");
	n = strnlen(e->subject, sizeof(e->subject));
	if (n == sizeof(e->subject))
		return ptext_error(err, ERR_INVAL, path, "subject",
		    "is not terminated");
	if ((why = auditmsg_text_why(e->subject, n, 0)) != NULL ||
	    (why = audit_subject_check(e->subject) != 0 ?
	    "is not a valid subject" : NULL) != NULL)
		return ptext_error(err, ERR_INVAL, path, "subject", "%s", why);
	if (e->detail == NULL || e->detail_len < 2 ||
	    e->detail_len > AUDITMSG_DETAIL_MAX)
		return ptext_error(err, ERR_INVAL, path, "detail",
		    "must be a JSON object of at most %d bytes",
		    AUDITMSG_DETAIL_MAX);
	if (!auditmsg_hex_ok(e->prev, strnlen(e->prev, sizeof(e->prev))))
		return ptext_error(err, ERR_INVAL, path, "prev",
		    "must be 64 lower-case hex digits");
	if (!auditmsg_hex_ok(e->hash, strnlen(e->hash, sizeof(e->hash))))
		return ptext_error(err, ERR_INVAL, path, "hash",
		    "must be 64 lower-case hex digits");
	return 0;
}

/*
 * Decoding.
 */

static int
auditmsg_get(json_t *o, const char *key, const char *path, json_t **v,
    struct proto_error *err)
{
	if ((*v = json_object_get(o, key)) == NULL)
		return ptext_error(err, ERR_INVAL, path, key, "is required");
	return 0;
}

/* A string member: its bytes and length (no NUL inside: jansson refuses
 * \u0000 unless asked). */
static int
auditmsg_get_str(json_t *o, const char *key, const char *path,
    const char **s, size_t *len, struct proto_error *err)
{
	json_t	*v;
	int	 rc;

	if ((rc = auditmsg_get(o, key, path, &v, err)) != 0)
		return rc;
	if (!json_is_string(v))
		return ptext_error(err, ERR_INVAL, path, key,
		    "must be a string, got %s", ptext_jtype(v));
	*s = json_string_value(v);
	*len = json_string_length(v);
	if (strlen(*s) != *len)
		return ptext_error(err, ERR_INVAL, path, key,
		    "must not hold \\u0000");
	return 0;
}

static int
auditmsg_keys(json_t *o, const char *const *known, const char *path,
    struct proto_error *err)
{
	const char	*key;
	json_t		*v;
	char		 show[PTEXT_KEYSHOW_MAX + 4];
	size_t		 i;

	json_object_foreach(o, key, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			ptext_keyshow(show, sizeof(show), key, strlen(key));
			return ptext_error(err, ERR_INVAL, path, NULL,
			    "unknown key \"%s\"", show);
		}
	}
	return 0;
}

/* The canonical text of a detail object, malloc'd. */
static int
auditmsg_canon(json_t *obj, const char *path, char **out, size_t *outlen,
    struct proto_error *err)
{
	char	*raw, *canon = NULL;
	size_t	 need, clen = 0;
	int	 rc;

	need = json_dumpb(obj, NULL, 0, JSON_COMPACT);
	if (need == 0)
		return ptext_error(err, ERR_INVAL, path, "detail",
		    "cannot be encoded");
	if (need > 6 * (size_t)AUDITMSG_DETAIL_MAX)
		return ptext_error(err, ERR_INVAL, path, "detail",
		    "must be at most %d bytes", AUDITMSG_DETAIL_MAX);
	if ((raw = malloc(need)) == NULL)
		return ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
	if (json_dumpb(obj, raw, need, JSON_COMPACT) != need) {
		free(raw);
		return ptext_error(err, ERR_INVAL, path, "detail",
		    "cannot be encoded");
	}
	rc = audit_canon_detail(raw, need, &canon, &clen);
	free(raw);
	switch (rc) {
	case 0:
		break;
	case ERR_NOMEM:
		return ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
	case ERR_TOOBIG:
		return ptext_error(err, ERR_INVAL, path, "detail",
		    "must be at most %d bytes in canonical form",
		    AUDITMSG_DETAIL_MAX);
	default:
		return ptext_error(err, ERR_INVAL, path, "detail",
		    "is not a JSON object this side can make canonical");
	}
	if (clen > AUDITMSG_DETAIL_MAX) {
		free(canon);
		return ptext_error(err, ERR_INVAL, path, "detail",
		    "must be at most %d bytes in canonical form",
		    AUDITMSG_DETAIL_MAX);
	}
	*out = canon;
	*outlen = clen;
	return 0;
}

static int
auditmsg_dec_event(json_t *o, const char *path, uint64_t after,
    struct auditmsg_event *e, struct proto_error *err)
{
	json_t		*v;
	const char	*s, *why;
	size_t		 n;
	json_int_t	 x;
	int64_t		 ms;
	int		 rc;

	if (!json_is_object(o))
		return ptext_error(err, ERR_INVAL, path, NULL,
		    "must be an object, got %s", ptext_jtype(o));
	if ((rc = auditmsg_keys(o, auditmsg_event_keys, path, err)) != 0)
		return rc;
	memset(e, 0, sizeof(*e));

	if ((rc = auditmsg_get(o, "seq", path, &v, err)) != 0)
		return rc;
	if (!json_is_integer(v))
		return ptext_error(err, ERR_INVAL, path, "seq",
		    "must be an integer, got %s", ptext_jtype(v));
	x = json_integer_value(v);
	if (x < 1 || (uint64_t)x > AUDITMSG_SEQ_MAX)
		return ptext_error(err, ERR_INVAL, path, "seq",
		    "must be 1..%llu", (unsigned long long)AUDITMSG_SEQ_MAX);
	if ((uint64_t)x <= after)
		return ptext_error(err, ERR_INVAL, path, "seq",
		    "must be greater than the seq before it (%llu): events "
		    "go in chain order", (unsigned long long)after);
	e->seq = (uint64_t)x;

	if ((rc = auditmsg_get_str(o, "at", path, &s, &n, err)) != 0)
		return rc;
	if (date_parse_rfc3339(&ms, s, n) != 0 || ms < 1 ||
	    ms > AUDITMSG_TIME_MAX)
		return ptext_error(err, ERR_INVAL, path, "at",
		    AUDITMSG_TIME_MSG);
	e->at_ms = ms;

	if ((rc = auditmsg_get_str(o, "actor", path, &s, &n, err)) != 0)
		return rc;
	if ((why = auditmsg_text_why(s, n, 1)) != NULL)
		return ptext_error(err, ERR_INVAL, path, "actor", "%s", why);
	memcpy(e->actor, s, n);
	e->actor[n] = '\0';

	if ((rc = auditmsg_get_str(o, "action", path, &s, &n, err)) != 0)
		return rc;
	if (!auditmsg_action_ok(s, n))
		return ptext_error(err, ERR_INVAL, path, "action",
		    "must be 1..32 characters a-z or _");
	memcpy(e->action, s, n);
	e->action[n] = '\0';

	if ((rc = auditmsg_get_str(o, "subject", path, &s, &n, err)) != 0)
		return rc;
	if ((why = auditmsg_text_why(s, n, 0)) != NULL)
		return ptext_error(err, ERR_INVAL, path, "subject", "%s", why);
	memcpy(e->subject, s, n);
	e->subject[n] = '\0';

	if ((rc = auditmsg_get_str(o, "prev", path, &s, &n, err)) != 0)
		return rc;
	if (!auditmsg_hex_ok(s, n))
		return ptext_error(err, ERR_INVAL, path, "prev",
		    "must be 64 lower-case hex digits");
	memcpy(e->prev, s, n);
	e->prev[n] = '\0';

	if ((rc = auditmsg_get_str(o, "hash", path, &s, &n, err)) != 0)
		return rc;
	if (!auditmsg_hex_ok(s, n))
		return ptext_error(err, ERR_INVAL, path, "hash",
		    "must be 64 lower-case hex digits");
	memcpy(e->hash, s, n);
	e->hash[n] = '\0';

	if ((rc = auditmsg_get(o, "detail", path, &v, err)) != 0)
		return rc;
	if (!json_is_object(v))
		return ptext_error(err, ERR_INVAL, path, "detail",
		    "must be an object, got %s", ptext_jtype(v));
	/* Last: the only field that allocates. */
	if ((rc = auditmsg_canon(v, path, &e->detail, &e->detail_len, err))
	    != 0)
		return rc;
	/* The common checks have the last word on what a chain holds. */
	if ((rc = auditmsg_check_event(e, path, err)) != 0) {
		free(e->detail);
		e->detail = NULL;
		return rc;
	}
	return 0;
}

static void
auditmsg_free_details(struct auditmsg_event *ev, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(ev[i].detail);
		ev[i].detail = NULL;
	}
}

int
auditmsg_decode_batch(struct auditmsg_batch *out, size_t cap,
    const uint8_t *p, size_t len, struct proto_error *err)
{
	static const char *const keys[] = { "version", "post", "events",
	    NULL };
	struct proto_error	 scratch;
	struct auditmsg_event	*tmp = NULL;
	json_error_t		 je;
	json_t			*root, *v, *a;
	const char		*s;
	char			 post[PROTO_POST_MAX + 1], path[PROTO_FIELD_MAX];
	size_t			 i, n, done = 0, slen;
	uint64_t		 after = 0;
	int			 rc;

	if (err == NULL)
		err = &scratch;
	if (cap > PROTO_BATCH_MAX)
		cap = PROTO_BATCH_MAX;
	if (p == NULL || len == 0)
		return ptext_error(err, ERR_PARSE, "", NULL,
		    "the body is empty; expected a JSON object");
	root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		if (json_error_code(&je) == json_error_out_of_memory)
			return ptext_error(err, ERR_NOMEM, "", NULL,
			    "out of memory");
		/* Line and column only: the lexer's text may quote data. */
		return ptext_error(err, ERR_PARSE, "", NULL,
		    "malformed JSON at line %d, column %d%s", je.line,
		    je.column, json_error_code(&je) ==
		    json_error_duplicate_key ? ": duplicate key" : "");
	}
	if (!json_is_object(root)) {
		rc = ptext_error(err, ERR_PARSE, "", NULL,
		    "must be a JSON object, got %s", ptext_jtype(root));
		goto done;
	}
	if ((v = json_object_get(root, "version")) == NULL) {
		rc = ptext_error(err, ERR_VERSION, "", "version",
		    "is required; this side speaks version %d",
		    PROTO_VERSION);
		goto done;
	}
	if (!json_is_integer(v) || json_integer_value(v) != PROTO_VERSION) {
		rc = ptext_error(err, ERR_VERSION, "", "version",
		    "must be %d, the version this side speaks",
		    PROTO_VERSION);
		goto done;
	}
	if ((rc = auditmsg_keys(root, keys, "", err)) != 0 ||
	    (rc = auditmsg_get_str(root, "post", "", &s, &slen, err)) != 0)
		goto done;
	if (!proto_check_post_code(s, slen)) {
		rc = ptext_error(err, ERR_INVAL, "", "post",
		    "must be 2..16 characters A-Z or 0-9");
		goto done;
	}
	memcpy(post, s, slen);
	post[slen] = '\0';
	if ((rc = auditmsg_get(root, "events", "", &a, err)) != 0)
		goto done;
	if (!json_is_array(a)) {
		rc = ptext_error(err, ERR_INVAL, "", "events",
		    "must be an array, got %s", ptext_jtype(a));
		goto done;
	}
	n = json_array_size(a);
	if (n > cap) {
		rc = ptext_error(err, ERR_TOOBIG, "", "events",
		    "has %zu events; at most %zu fit in one batch", n, cap);
		goto done;
	}
	if ((tmp = calloc(n > 0 ? n : 1, sizeof(*tmp))) == NULL) {
		rc = ptext_error(err, ERR_NOMEM, "", NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "events[%zu]", i);
		if ((rc = auditmsg_dec_event(json_array_get(a, i), path, after,
		    &tmp[i], err)) != 0)
			goto done;
		after = tmp[i].seq;
		done++;
	}
	memcpy(out->post, post, sizeof(out->post));
	if (n > 0)
		memcpy(out->events, tmp, n * sizeof(*tmp));
	out->n = n;
	done = 0;	/* the details are out's now */
	rc = 0;
done:
	if (tmp != NULL)
		auditmsg_free_details(tmp, done);
	free(tmp);
	json_decref(root);
	return rc;
}

void
auditmsg_batch_reset(struct auditmsg_batch *b)
{
	if (b->events != NULL)
		auditmsg_free_details(b->events, b->n);
	b->n = 0;
}

/*
 * Encoding.
 */

size_t
auditmsg_batch_bound(const struct auditmsg_batch *b)
{
	size_t	i, n = 128;

	/* Escaping makes a string at most 6 times longer, a canonical
	 * detail (already escaped or UTF-8) at most 3 times. */
	for (i = 0; i < b->n; i++)
		n += 256 + 2 * AUDIT_HASH_HEX + 6 * (AUDIT_ACTOR_MAX +
		    AUDIT_ACTION_MAX + AUDIT_SUBJECT_MAX) +
		    3 * b->events[i].detail_len;
	return n;
}

static json_t *
auditmsg_enc_event(const struct auditmsg_event *e)
{
	json_t	*o, *d;
	char	 at[32];

	if (date_format_rfc3339(e->at_ms, at, sizeof(at)) != 0)
		return NULL;
	d = json_loadb(e->detail, e->detail_len, JSON_REJECT_DUPLICATES,
	    NULL);
	if (d == NULL || !json_is_object(d)) {
		json_decref(d);
		return NULL;
	}
	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:s,s:s}",
	    "seq", (json_int_t)e->seq, "at", at, "actor", e->actor,
	    "action", e->action, "subject", e->subject, "detail", d,
	    "prev", e->prev, "hash", e->hash);
	return o;	/* json_pack took d, even on failure */
}

int
auditmsg_encode_batch(const struct auditmsg_batch *b, char *buf,
    size_t bufsz, size_t *outlen)
{
	json_t		*root = NULL, *a, *o;
	char		 path[PROTO_FIELD_MAX];
	size_t		 i, need;
	uint64_t	 after = 0;
	int		 rc;

	if (!proto_check_post_code(b->post, strnlen(b->post,
	    sizeof(b->post))))
		return ERR_INVAL;
	if (b->n > PROTO_BATCH_MAX)
		return ERR_TOOBIG;
	for (i = 0; i < b->n; i++) {
		(void)snprintf(path, sizeof(path), "events[%zu]", i);
		if (auditmsg_check_event(&b->events[i], path, NULL) != 0 ||
		    b->events[i].seq <= after)
			return ERR_INVAL;
		after = b->events[i].seq;
	}
	if ((a = json_array()) == NULL)
		return ERR_NOMEM;
	root = json_pack("{s:i,s:s,s:o}", "version", PROTO_VERSION, "post",
	    b->post, "events", a);
	if (root == NULL)
		return ERR_NOMEM;
	for (i = 0; i < b->n; i++) {
		if ((o = auditmsg_enc_event(&b->events[i])) == NULL) {
			rc = ERR_INVAL;		/* detail is not an object */
			goto done;
		}
		if (json_array_append_new(a, o) != 0) {
			rc = ERR_NOMEM;
			goto done;
		}
	}
	need = json_dumpb(root, NULL, 0, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_PRESERVE_ORDER);
	if (need == 0) {
		rc = ERR_INVAL;
		goto done;
	}
	if (need > bufsz) {
		rc = ERR_TOOBIG;
		goto done;
	}
	if (json_dumpb(root, buf, bufsz, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_PRESERVE_ORDER) != need) {
		rc = ERR_INVAL;
		goto done;
	}
	*outlen = need;
	rc = 0;
done:
	json_decref(root);
	return rc;
}
