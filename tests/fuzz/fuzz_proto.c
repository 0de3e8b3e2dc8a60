/* fuzz_proto.c - libFuzzer target for every proto decoder. The first byte
 * picks the decoder ('0'..'6', any byte modulo 8; '7' runs them all), the
 * rest is the body. Whatever decodes must pass the checks, encode, decode
 * again to the same struct and encode again to the same bytes; whatever
 * fails must leave a sendable error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proto.h"

#define ENC_MAX	(2 * 1024 * 1024)	/* 1000 crossings of the largest */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct proto_crossing	items[PROTO_BATCH_MAX], items2[PROTO_BATCH_MAX];
static uint64_t			seqs[PROTO_BATCH_MAX], seqs2[PROTO_BATCH_MAX];
static char			enc[ENC_MAX], enc2[ENC_MAX];

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_proto: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

static int
crossing_eq(const struct proto_crossing *a, const struct proto_crossing *b)
{
	return a->seq == b->seq && a->recorded_at == b->recorded_at &&
	    a->direction == b->direction && a->lane == b->lane &&
	    strcmp(a->officer, b->officer) == 0 && a->outcome == b->outcome &&
	    strcmp(a->doc.type, b->doc.type) == 0 &&
	    strcmp(a->doc.issuing_state, b->doc.issuing_state) == 0 &&
	    strcmp(a->doc.number, b->doc.number) == 0 &&
	    strcmp(a->doc.nationality, b->doc.nationality) == 0 &&
	    strcmp(a->doc.surname, b->doc.surname) == 0 &&
	    strcmp(a->doc.given_names, b->doc.given_names) == 0 &&
	    strcmp(a->doc.birth_date, b->doc.birth_date) == 0 &&
	    a->doc.sex == b->doc.sex &&
	    strcmp(a->doc.expiry_date, b->doc.expiry_date) == 0 &&
	    strcmp(a->request_id, b->request_id) == 0;
}

/* A decoder's error must be terminated, say something, and be sendable. */
static void
check_error(int rc, const struct proto_error *e)
{
	size_t	n;

	CHECK(rc == ERR_PARSE || rc == ERR_VERSION || rc == ERR_TOOBIG ||
	    rc == ERR_INVAL || rc == ERR_NOMEM);
	CHECK(memchr(e->field, '\0', sizeof(e->field)) != NULL);
	CHECK(memchr(e->message, '\0', sizeof(e->message)) != NULL);
	CHECK(e->message[0] != '\0');
	CHECK(proto_encode_error(400, e, enc, sizeof(enc), &n) == 0);
}

/* The second encoding must equal the first. */
static void
check_same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	CHECK(alen == blen);
	CHECK(memcmp(a, b, alen) == 0);
}

static void
fuzz_crossing(const uint8_t *p, size_t len, int lane)
{
	struct proto_crossing	c, c2;
	struct proto_error	e;
	size_t			n, n2;
	int			rc;

	rc = lane ? proto_decode_lane_crossing(&c, p, len, &e) :
	    proto_decode_crossing(&c, p, len, &e);
	if (rc != 0) {
		check_error(rc, &e);
		return;
	}
	CHECK(proto_check_crossing(&c, &e) == 1);
	CHECK(lane ? c.seq == 0 && c.recorded_at == 0 : c.seq != 0);
	/* Only the lane form carries a request id, and only a valid one. */
	CHECK(lane || c.request_id[0] == '\0');
	CHECK(c.request_id[0] == '\0' || proto_check_request_id(c.request_id,
	    strlen(c.request_id)));
	CHECK(proto_check_same_crossing(&c, &c));
	CHECK(proto_encode_crossing(&c, enc, sizeof(enc), &n) == 0);
	rc = lane ? proto_decode_lane_crossing(&c2, (const uint8_t *)enc, n,
	    &e) : proto_decode_crossing(&c2, (const uint8_t *)enc, n, &e);
	CHECK(rc == 0);
	CHECK(crossing_eq(&c, &c2));
	CHECK(proto_encode_crossing(&c2, enc2, sizeof(enc2), &n2) == 0);
	check_same_bytes(enc, n, enc2, n2);
}

static void
fuzz_batch(const uint8_t *p, size_t len)
{
	struct proto_batch	b, b2;
	struct proto_error	e;
	size_t			i, n, n2;
	int			rc;

	b.items = items;
	if ((rc = proto_decode_batch(&b, PROTO_BATCH_MAX, p, len, &e)) != 0) {
		check_error(rc, &e);
		return;
	}
	CHECK(b.n <= PROTO_BATCH_MAX);
	CHECK(proto_check_post_code(b.post, strlen(b.post)));
	CHECK(proto_encode_batch(&b, enc, sizeof(enc), &n) == 0);
	b2.items = items2;
	CHECK(proto_decode_batch(&b2, PROTO_BATCH_MAX, (const uint8_t *)enc,
	    n, &e) == 0);
	CHECK(strcmp(b.post, b2.post) == 0 && b.n == b2.n);
	for (i = 0; i < b.n; i++) {
		CHECK(crossing_eq(&b.items[i], &b2.items[i]));
		CHECK(proto_check_crossing(&b.items[i], &e) == 1);
		CHECK(b.items[i].request_id[0] == '\0');
	}
	CHECK(proto_encode_batch(&b2, enc2, sizeof(enc2), &n2) == 0);
	check_same_bytes(enc, n, enc2, n2);
}

static void
fuzz_ack(const uint8_t *p, size_t len)
{
	struct proto_ack	a, a2;
	struct proto_error	e;
	size_t			n, n2;
	int			rc;

	a.seqs = seqs;
	if ((rc = proto_decode_ack(&a, PROTO_BATCH_MAX, p, len, &e)) != 0) {
		check_error(rc, &e);
		return;
	}
	CHECK(proto_encode_ack(&a, enc, sizeof(enc), &n) == 0);
	a2.seqs = seqs2;
	CHECK(proto_decode_ack(&a2, PROTO_BATCH_MAX, (const uint8_t *)enc, n,
	    &e) == 0);
	CHECK(strcmp(a.post, a2.post) == 0 && a.n == a2.n);
	CHECK(a.n == 0 || memcmp(a.seqs, a2.seqs, a.n * sizeof(*seqs)) == 0);
	CHECK(proto_encode_ack(&a2, enc2, sizeof(enc2), &n2) == 0);
	check_same_bytes(enc, n, enc2, n2);
}

static void
fuzz_receipt(const uint8_t *p, size_t len)
{
	struct proto_receipt	r, r2;
	struct proto_error	e;
	size_t			n, n2;
	int			rc;

	if ((rc = proto_decode_receipt(&r, p, len, &e)) != 0) {
		check_error(rc, &e);
		return;
	}
	CHECK(proto_encode_receipt(&r, enc, sizeof(enc), &n) == 0);
	CHECK(proto_decode_receipt(&r2, (const uint8_t *)enc, n, &e) == 0);
	CHECK(strcmp(r.post, r2.post) == 0 && r.seq == r2.seq &&
	    r.recorded_at == r2.recorded_at &&
	    r.feed_stale == r2.feed_stale);
	CHECK(proto_encode_receipt(&r2, enc2, sizeof(enc2), &n2) == 0);
	check_same_bytes(enc, n, enc2, n2);
}

static void
fuzz_status(const uint8_t *p, size_t len)
{
	struct proto_status	s, s2;
	struct proto_error	e;
	size_t			n, n2;
	int			rc;

	if ((rc = proto_decode_status(&s, p, len, &e)) != 0) {
		check_error(rc, &e);
		return;
	}
	CHECK(proto_encode_status(&s, enc, sizeof(enc), &n) == 0);
	CHECK(proto_decode_status(&s2, (const uint8_t *)enc, n, &e) == 0);
	CHECK(strcmp(s.post, s2.post) == 0 && s.last_seq == s2.last_seq &&
	    s.unsent == s2.unsent && s.last_push_ok == s2.last_push_ok &&
	    s.last_error_at == s2.last_error_at &&
	    strcmp(s.last_error, s2.last_error) == 0);
	CHECK(s.feed.configured == s2.feed.configured &&
	    s.feed.cursor == s2.feed.cursor &&
	    s.feed.applied_at == s2.feed.applied_at &&
	    s.feed.age_s == s2.feed.age_s && s.feed.stale == s2.feed.stale &&
	    s.feed.max_age_s == s2.feed.max_age_s &&
	    s.feed.last_error_at == s2.feed.last_error_at &&
	    strcmp(s.feed.last_error, s2.feed.last_error) == 0);
	CHECK(proto_encode_status(&s2, enc2, sizeof(enc2), &n2) == 0);
	check_same_bytes(enc, n, enc2, n2);
}

static void
fuzz_error(const uint8_t *p, size_t len)
{
	struct proto_error	e, e2;
	size_t			n, n2;
	int			status, status2;

	if (proto_decode_error(&status, &e, p, len) != 0)
		return;
	CHECK(proto_encode_error(status, &e, enc, sizeof(enc), &n) == 0);
	CHECK(proto_decode_error(&status2, &e2, (const uint8_t *)enc, n) == 0);
	CHECK(status == status2 && strcmp(e.field, e2.field) == 0 &&
	    strcmp(e.message, e2.message) == 0);
	CHECK(proto_encode_error(status2, &e2, enc2, sizeof(enc2), &n2) == 0);
	check_same_bytes(enc, n, enc2, n2);
}

static void
fuzz_one(int which, const uint8_t *p, size_t len)
{
	switch (which) {
	case 0:
		fuzz_crossing(p, len, 1);
		break;
	case 1:
		fuzz_crossing(p, len, 0);
		break;
	case 2:
		fuzz_batch(p, len);
		break;
	case 3:
		fuzz_ack(p, len);
		break;
	case 4:
		fuzz_receipt(p, len);
		break;
	case 5:
		fuzz_status(p, len);
		break;
	case 6:
		fuzz_error(p, len);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*body;
	size_t	 len;
	int	 which, i;

	if (size < 1)
		return 0;
	which = data[0] % 8;
	/* A heap copy of exactly the body, so ASan sees any over-read. */
	len = size - 1;
	if ((body = malloc(len > 0 ? len : 1)) == NULL)
		return 0;
	memcpy(body, data + 1, len);
	if (which == 7) {
		for (i = 0; i < 7; i++)
			fuzz_one(i, body, len);
	} else
		fuzz_one(which, body, len);
	free(body);
	return 0;
}
