/* fuzz_auditmsg.c - libFuzzer target for a post's audit batch decoder
 * (proto/auditmsg.c). Whatever decodes must pass auditmsg_check_event(),
 * hold canonical details (audit_canon_detail() of one is itself), encode
 * within auditmsg_batch_bound(), decode again to the same events and
 * encode again to the same bytes; whatever fails must leave a sendable
 * error and nothing allocated (ASan's leak check). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditchain.h"
#include "auditmsg.h"
#include "err.h"
#include "proto.h"

#define NCAP	64	/* events per batch here: enough to find bugs */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct auditmsg_event	ev[NCAP], ev2[NCAP];
static char			enc[1 << 20];

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_auditmsg: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

static int
event_eq(const struct auditmsg_event *a, const struct auditmsg_event *b)
{
	return a->seq == b->seq && a->at_ms == b->at_ms &&
	    strcmp(a->actor, b->actor) == 0 &&
	    strcmp(a->action, b->action) == 0 &&
	    strcmp(a->subject, b->subject) == 0 &&
	    a->detail_len == b->detail_len &&
	    memcmp(a->detail, b->detail, a->detail_len) == 0 &&
	    strcmp(a->prev, b->prev) == 0 && strcmp(a->hash, b->hash) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct auditmsg_batch	b, b2;
	struct proto_error	e;
	char			*enc2, *canon;
	size_t			 i, n, n2, bound, clen;
	int			 rc;

	memset(&b, 0, sizeof(b));
	memset(&e, 0, sizeof(e));
	b.events = ev;
	if ((rc = auditmsg_decode_batch(&b, NCAP, p, len, &e)) != 0) {
		CHECK(rc == ERR_PARSE || rc == ERR_VERSION ||
		    rc == ERR_TOOBIG || rc == ERR_INVAL || rc == ERR_NOMEM);
		CHECK(memchr(e.field, '\0', sizeof(e.field)) != NULL);
		CHECK(memchr(e.message, '\0', sizeof(e.message)) != NULL);
		CHECK(e.message[0] != '\0');
		CHECK(proto_encode_error(400, &e, enc, sizeof(enc), &n) == 0);
		CHECK(b.n == 0);
		return 0;
	}
	CHECK(b.n <= NCAP);
	CHECK(proto_check_post_code(b.post, strlen(b.post)));
	for (i = 0; i < b.n; i++) {
		CHECK(auditmsg_check_event(&ev[i], "events", &e) == 0);
		CHECK(i == 0 || ev[i].seq > ev[i - 1].seq);
		CHECK(strlen(ev[i].detail) == ev[i].detail_len);
		CHECK(audit_canon_detail(ev[i].detail, ev[i].detail_len,
		    &canon, &clen) == 0);
		CHECK(clen == ev[i].detail_len &&
		    memcmp(canon, ev[i].detail, clen) == 0);
		free(canon);
	}
	bound = auditmsg_batch_bound(&b);
	CHECK(bound <= sizeof(enc));
	CHECK(auditmsg_encode_batch(&b, enc, bound, &n) == 0);
	memset(&b2, 0, sizeof(b2));
	b2.events = ev2;
	CHECK(auditmsg_decode_batch(&b2, NCAP, (const uint8_t *)enc, n, &e)
	    == 0);
	CHECK(strcmp(b.post, b2.post) == 0 && b.n == b2.n);
	for (i = 0; i < b.n; i++)
		CHECK(event_eq(&ev[i], &ev2[i]));
	CHECK((enc2 = malloc(bound)) != NULL);
	CHECK(auditmsg_encode_batch(&b2, enc2, bound, &n2) == 0);
	CHECK(n == n2 && memcmp(enc, enc2, n) == 0);
	free(enc2);
	auditmsg_batch_reset(&b2);
	auditmsg_batch_reset(&b);
	return 0;
}
