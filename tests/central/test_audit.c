/* test_audit.c - the centre's audit chain against a real PostgreSQL
 * (pgtest.h, migrations applied): appending in its own transaction and in
 * the caller's (rolled back: nothing; refused input: the caller's
 * transaction still usable), registry changes as "change" events without a
 * PIN, two threads appending at once never forking the chain, signing heads
 * with a real Ed25519 key, verification of intact chains, and the verifier
 * naming the first changed, removed, inserted and reordered event of the
 * centre's chain and of a post's (post_audit), a rewritten chain against
 * its signed head, and a forged head signature. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "audit.h"
#include "auditchain.h"
#include "creg.h"
#include "db.h"
#include "err.h"
#include "feed.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "sign.h"

#define SET(dst, s)	(void)snprintf((dst), sizeof(dst), "%s", (s))
#define ACTOR		"admin.aliya"
#define NTHREAD_EVENTS	150
#define MAXF		64

struct fx {
	char	 conninfo[600];
	PGconn	*conn;
	PGconn	*other;		/* a second session for tampering */
};

static char		 keydir[64];
static char		 keyfile[128], key2file[128];
static struct sign_key	*key, *key2;
static uint8_t		 pub[1][SIGN_PUBKEY_LEN], pub2[1][SIGN_PUBKEY_LEN];

static int
group_setup(void **state)
{
	char	cmd[512];

	(void)state;
	log_init("test_audit", LOGL_WARN);
	SET(keydir, "/tmp/shekara-audit.XXXXXX");
	if (mkdtemp(keydir) == NULL)
		return -1;
	(void)snprintf(keyfile, sizeof(keyfile), "%s/a.key", keydir);
	(void)snprintf(key2file, sizeof(key2file), "%s/b.key", keydir);
	(void)snprintf(cmd, sizeof(cmd), "openssl genpkey -algorithm ed25519 "
	    "-out %s 2>/dev/null && openssl genpkey -algorithm ed25519 "
	    "-out %s 2>/dev/null", keyfile, key2file);
	if (system(cmd) != 0 || sign_key_load(&key, keyfile) != 0 ||
	    sign_key_load(&key2, key2file) != 0)
		return -1;
	sign_key_public(key, pub[0]);
	sign_key_public(key2, pub2[0]);
	return pgt_start();
}

static int
group_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	sign_key_free(key);
	sign_key_free(key2);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", keydir);
	(void)system(cmd);
	pgt_stop();
	return 0;
}

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	if (pgt_newdb_migrated(fx->conninfo, sizeof(fx->conninfo)) != 0)
		return -1;
	fx->conn = PQconnectdb(fx->conninfo);
	fx->other = PQconnectdb(fx->conninfo);
	if (PQstatus(fx->conn) != CONNECTION_OK ||
	    PQstatus(fx->other) != CONNECTION_OK)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	PQfinish(fx->conn);
	PQfinish(fx->other);
	free(fx);
	return 0;
}

static void
exec_ok(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static long long
q_num(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);
	long long	 v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static void
q_str(PGconn *c, const char *sql, char *buf, size_t bufsz)
{
	PGresult	*r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	(void)snprintf(buf, bufsz, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

static void
append_n(PGconn *c, int from, int n)
{
	char	detail[64];
	int	i;

	for (i = from; i < from + n; i++) {
		(void)snprintf(detail, sizeof(detail), "{\"i\": %d}", i);
		assert_int_equal(audit_append(c, "tester", "test",
		    i % 2 ? "KAZ:N1234567" : "", detail), 0);
	}
}

/* Findings collected from a verification. */
struct found {
	struct {
		enum audit_finding_kind	kind;
		char			chain[64];
		uint64_t		seq;
		int			first;
		char			msg[256];
	}	f[MAXF];
	size_t	n;
};

static int
collect(void *arg, const struct audit_finding *f)
{
	struct found	*fd = arg;

	if (fd->n < MAXF) {
		fd->f[fd->n].kind = f->kind;
		SET(fd->f[fd->n].chain, f->chain);
		fd->f[fd->n].seq = f->seq;
		fd->f[fd->n].first = f->first;
		SET(fd->f[fd->n].msg, f->message);
	}
	fd->n++;
	return 0;
}

static size_t
verify(struct fx *fx, struct found *fd, struct audit_verify_sum *s)
{
	memset(fd, 0, sizeof(*fd));
	assert_int_equal(audit_verify(fx->conn,
	    (const uint8_t (*)[SIGN_PUBKEY_LEN])pub, 1, collect, fd, s), 0);
	assert_int_equal(s->problems >= fd->n ? 1 : 0, 1);
	return s->problems;
}

/* The first finding of chain is kind at seq. */
static void
expect_first(const struct found *fd, const char *chain,
    enum audit_finding_kind kind, uint64_t seq)
{
	size_t	i;

	for (i = 0; i < fd->n && i < MAXF; i++) {
		if (strcmp(fd->f[i].chain, chain) != 0 || !fd->f[i].first)
			continue;
		if (fd->f[i].kind != kind || fd->f[i].seq != seq)
			fail_msg("%s: first finding %s at %llu (%s), wanted "
			    "%s at %llu", chain,
			    audit_finding_str(fd->f[i].kind),
			    (unsigned long long)fd->f[i].seq, fd->f[i].msg,
			    audit_finding_str(kind), (unsigned long long)seq);
		return;
	}
	fail_msg("%s: no finding, wanted %s at %llu", chain,
	    audit_finding_str(kind), (unsigned long long)seq);
}

static void
test_audit_append_own_transaction(void **state)
{
	struct fx		*fx = *state;
	struct audit_event	 e;
	PGresult		*r;
	char			 h[AUDIT_HASH_HEX + 8], prev[AUDIT_HASH_HEX + 1];
	int			 i;

	assert_int_equal(audit_append(fx->conn, "alice", "login", NULL,
	    NULL), 0);
	assert_int_equal(audit_append(fx->conn, "alice", "query",
	    "RUS:P1234567", "{\"z\": 1, \"a\": \"\xd0\x96\"}"), 0);
	assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_IDLE);
	/* Each row recomputes to its hash and links to the one before. */
	r = PQexec(fx->conn, "SELECT seq, floor(extract(epoch FROM at) *"
	    " 1000)::bigint, actor, action, subject, detail, prev, hash"
	    " FROM audit_events ORDER BY seq");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 2);
	SET(prev, AUDIT_GENESIS);
	for (i = 0; i < 2; i++) {
		memset(&e, 0, sizeof(e));
		SET(e.chain, "centre");
		e.seq = strtoull(PQgetvalue(r, i, 0), NULL, 10);
		assert_int_equal(e.seq, (uint64_t)i + 1);
		e.at_ms = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		e.actor = PQgetvalue(r, i, 2);
		e.action = PQgetvalue(r, i, 3);
		e.subject = PQgetvalue(r, i, 4);
		e.detail = PQgetvalue(r, i, 5);
		e.detail_len = strlen(e.detail);
		SET(e.prev, PQgetvalue(r, i, 6));
		SET(e.hash, PQgetvalue(r, i, 7));
		assert_string_equal(e.prev, prev);
		assert_int_equal(audit_event_hash(&e, h), 0);
		assert_string_equal(h, e.hash);
		assert_int_equal(audit_event_check(&e, prev), 0);
		SET(prev, e.hash);
	}
	assert_string_equal(PQgetvalue(r, 0, 5), "{}");
	assert_string_equal(PQgetvalue(r, 1, 5), "{\"a\":\"\\u0416\",\"z\":1}");
	assert_string_equal(PQgetvalue(r, 1, 4), "RUS:P1234567");
	PQclear(r);
	assert_int_equal(pgt_query1(fx->conninfo, "SELECT seq || ' ' || hash"
	    " FROM audit_head", h, sizeof(h)), 0);
	assert_int_equal(strncmp(h, "2 ", 2), 0);
	assert_string_equal(h + 2, prev);
}

static void
test_audit_append_callers_transaction(void **state)
{
	struct fx	*fx = *state;

	/* Rolled back with the caller's work: no event, no seq used. */
	exec_ok(fx->conn, "BEGIN");
	assert_int_equal(audit_append(fx->conn, "bob", "change", "x:1",
	    "{\"v\":1}"), 0);
	assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_INTRANS);
	exec_ok(fx->conn, "ROLLBACK");
	assert_int_equal(q_num(fx->conn, "SELECT count(*) FROM audit_events"),
	    0);
	assert_int_equal(q_num(fx->conn, "SELECT seq FROM audit_head"), 0);

	/* Refused input: nothing written, the transaction still usable. */
	exec_ok(fx->conn, "BEGIN");
	assert_int_equal(audit_append(fx->conn, "bob", "Bad-Action", "", NULL),
	    ERR_INVAL);
	assert_int_equal(audit_append(fx->conn, "", "login", "", NULL),
	    ERR_INVAL);
	assert_int_equal(audit_append(fx->conn, "bob", "login", "", "[1]"),
	    ERR_INVAL);
	assert_int_equal(audit_append(fx->conn, "bob", "login", "", "{\"a\":"),
	    ERR_INVAL);
	assert_int_equal(audit_append(fx->conn, "b\x01ob", "login", "", NULL),
	    ERR_INVAL);
	assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_INTRANS);
	assert_int_equal(audit_append(fx->conn, "bob", "change", "x:1",
	    "{\"v\":1}"), 0);
	exec_ok(fx->conn, "COMMIT");
	assert_int_equal(q_num(fx->conn, "SELECT count(*) FROM audit_events"),
	    1);
	assert_int_equal(q_num(fx->conn, "SELECT seq FROM audit_events"), 1);

	/* A failed transaction: ERR_DB, and the caller rolls back. */
	exec_ok(fx->conn, "BEGIN");
	PQclear(PQexec(fx->conn, "SELECT nonsense_column FROM audit_head"));
	assert_int_equal(PQtransactionStatus(fx->conn), PQTRANS_INERROR);
	assert_int_equal(audit_append(fx->conn, "bob", "login", "", NULL),
	    ERR_DB);
	exec_ok(fx->conn, "ROLLBACK");
	assert_int_equal(q_num(fx->conn, "SELECT count(*) FROM audit_events"),
	    1);
}

struct worker {
	const char	*conninfo;
	int		 id;
	int		 fails;
};

static void *
worker_run(void *arg)
{
	struct worker	*w = arg;
	PGconn		*c = PQconnectdb(w->conninfo);
	PGresult	*r;
	char		 actor[32], detail[64];
	int		 i;

	if (PQstatus(c) != CONNECTION_OK) {
		w->fails++;
		PQfinish(c);
		return NULL;
	}
	(void)snprintf(actor, sizeof(actor), "worker%d", w->id);
	for (i = 0; i < NTHREAD_EVENTS; i++) {
		(void)snprintf(detail, sizeof(detail), "{\"i\":%d}", i);
		if (i % 3 == 0) {
			/* In a transaction with other work. */
			r = PQexec(c, "BEGIN");
			PQclear(r);
			r = PQexec(c, "SELECT count(*) FROM changes");
			PQclear(r);
			if (audit_append(c, actor, "test", "", detail) != 0)
				w->fails++;
			r = PQexec(c, "COMMIT");
			if (PQresultStatus(r) != PGRES_COMMAND_OK)
				w->fails++;
			PQclear(r);
		} else if (audit_append(c, actor, "test", "", detail) != 0)
			w->fails++;
	}
	PQfinish(c);
	return NULL;
}

static void
test_audit_concurrent_appenders(void **state)
{
	struct fx		*fx = *state;
	struct worker		 w[2];
	pthread_t		 t[2];
	struct found		 fd;
	struct audit_verify_sum	 s;
	int			 i;

	for (i = 0; i < 2; i++) {
		w[i].conninfo = fx->conninfo;
		w[i].id = i;
		w[i].fails = 0;
		assert_int_equal(pthread_create(&t[i], NULL, worker_run,
		    &w[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].fails, 0);
	}
	/* Gapless 1..N, no seq or prev twice (no fork), both interleaved. */
	assert_int_equal(q_num(fx->conn, "SELECT count(*) FROM audit_events"),
	    2 * NTHREAD_EVENTS);
	assert_int_equal(q_num(fx->conn, "SELECT max(seq) FROM audit_events"),
	    2 * NTHREAD_EVENTS);
	assert_int_equal(q_num(fx->conn, "SELECT count(DISTINCT prev)"
	    " FROM audit_events"), 2 * NTHREAD_EVENTS);
	assert_int_equal(q_num(fx->conn, "SELECT count(*) FROM audit_events e"
	    " JOIN audit_events p ON p.seq = e.seq - 1 WHERE e.prev <> p.hash"),
	    0);
	assert_int_equal(q_num(fx->conn, "SELECT count(DISTINCT actor)"
	    " FROM audit_events"), 2);
	assert_int_equal(verify(fx, &fd, &s), 0);
	assert_int_equal(s.events, 2 * NTHREAD_EVENTS);
}

static void
test_audit_creg_changes(void **state)
{
	struct fx			*fx = *state;
	struct feed_document_alert	 a;
	struct feed_officer		 o;
	struct proto_error		 err;
	char				 buf[512];
	int				 changed;

	memset(&a, 0, sizeof(a));
	SET(a.issuing_state, "KAZ");
	SET(a.number, "N1234567");
	a.reason = FEED_STOLEN;
	SET(a.since, "2026-01-02");
	memset(&o, 0, sizeof(o));
	SET(o.id, "off-7");
	SET(o.name, "Officer Seven");
	SET(o.pin_hash, "$scrypt$ln=15,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
	o.active = 1;
	assert_int_equal(creg_begin(fx->conn), 0);
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-1", &a,
	    &changed, &err), 0);
	assert_int_equal(creg_officer_put(fx->conn, ACTOR, &o, &changed,
	    &err), 0);
	assert_int_equal(creg_commit(fx->conn), 0);
	/* The same again: no change, no event. */
	assert_int_equal(creg_begin(fx->conn), 0);
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-1", &a,
	    &changed, &err), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(creg_remove(fx->conn, ACTOR, CREG_DOCUMENT_ALERT,
	    "da-1", &err), 0);
	assert_int_equal(creg_commit(fx->conn), 0);
	/* A rolled-back change leaves no event either. */
	assert_int_equal(creg_begin(fx->conn), 0);
	assert_int_equal(creg_document_alert_put(fx->conn, ACTOR, "da-2", &a,
	    &changed, &err), 0);
	assert_int_equal(creg_rollback(fx->conn), 0);

	assert_int_equal(q_num(fx->conn, "SELECT count(*) FROM audit_events"),
	    3);
	q_str(fx->conn, "SELECT string_agg(actor || ' ' || action || ' ' ||"
	    " subject, '|' ORDER BY seq) FROM audit_events", buf, sizeof(buf));
	assert_string_equal(buf, ACTOR " change document_alert:da-1|"
	    ACTOR " change officer:off-7|" ACTOR " change document_alert:da-1");
	q_str(fx->conn, "SELECT (e.detail::jsonb->>'op') || ' ' ||"
	    " (e.detail::jsonb->'values'->>'number') || ' ' ||"
	    " ((e.detail::jsonb->>'change')::bigint = c.id)::text"
	    " FROM audit_events e, changes c"
	    " WHERE e.seq = 1 AND c.record = 'da-1' AND c.action = 'put'",
	    buf, sizeof(buf));
	assert_string_equal(buf, "put N1234567 true");
	q_str(fx->conn, "SELECT detail::jsonb->>'op' FROM audit_events"
	    " WHERE seq = 3", buf, sizeof(buf));
	assert_string_equal(buf, "remove");
	/* Never a PIN or its hash. */
	assert_int_equal(q_num(fx->conn, "SELECT count(*) FROM audit_events"
	    " WHERE detail LIKE '%scrypt%' OR detail LIKE '%pin_hash%'"), 0);
	q_str(fx->conn, "SELECT detail::jsonb->'values'->>'pin_changed'"
	    " FROM audit_events WHERE seq = 2", buf, sizeof(buf));
	assert_string_equal(buf, "true");
}

static void
test_audit_sign_and_verify(void **state)
{
	struct fx		*fx = *state;
	struct found		 fd;
	struct audit_verify_sum	 s;
	size_t			 n;

	/* Nothing to sign yet; an empty chain verifies. */
	assert_int_equal(audit_sign_heads(fx->conn, key, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(verify(fx, &fd, &s), 0);
	assert_int_equal(s.events, 0);

	append_n(fx->conn, 1, 10);
	assert_int_equal(audit_sign_heads(fx->conn, key, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(q_num(fx->conn, "SELECT seq FROM audit_heads"), 10);
	/* Signed again without new events: nothing. */
	assert_int_equal(audit_sign_heads(fx->conn, key, &n), 0);
	assert_int_equal(n, 0);
	append_n(fx->conn, 11, 5);
	assert_int_equal(verify(fx, &fd, &s), 0);
	assert_int_equal(s.heads, 1);
	assert_int_equal(s.events, 15);
	assert_int_equal(s.unsigned_events, 5);
	assert_int_equal(audit_sign_heads(fx->conn, key, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(verify(fx, &fd, &s), 0);
	assert_int_equal(s.heads, 2);
	assert_int_equal(s.unsigned_events, 0);

	/* Checked with another key only: unknown key, named. */
	memset(&fd, 0, sizeof(fd));
	assert_int_equal(audit_verify(fx->conn,
	    (const uint8_t (*)[SIGN_PUBKEY_LEN])pub2, 1, collect, &fd, &s), 0);
	assert_int_equal(s.problems, 2);
	expect_first(&fd, "centre", AUDIT_HEAD_UNKNOWN_KEY, 10);

	/* A forged head: signed by another key under this key's id. */
	exec_ok(fx->other, "UPDATE audit_heads SET signature = (SELECT"
	    " signature FROM audit_heads WHERE seq = 10) WHERE seq = 15");
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "centre", AUDIT_HEAD_BADSIG, 15);
	exec_ok(fx->other, "DELETE FROM audit_heads WHERE seq = 15");

	/* An event after the last signed head edited: named, and signing
	 * refuses to cover the broken chain. */
	exec_ok(fx->other, "UPDATE audit_events SET subject = 'forged'"
	    " WHERE seq = 12");
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "centre", AUDIT_CHANGED, 12);
	append_n(fx->conn, 16, 1);
	assert_int_equal(audit_sign_heads(fx->conn, key, &n), 0);
	assert_int_equal(n, 0);
}

/* Rewrites centre events from..to (0: to the end, and the appender's
 * head) with correct hashes, as an attacker with the database but without
 * the key could; each links to the stored event before it. */
static void
rehash(struct fx *fx, uint64_t from, uint64_t to)
{
	struct audit_event	 e;
	PGresult		*r;
	const char		*params[3];
	char			 prev[AUDIT_HASH_HEX + 1], seq[24];
	int			 i;

	r = PQexec(fx->other, "SELECT seq, floor(extract(epoch FROM at) *"
	    " 1000)::bigint, actor, action, subject, detail, prev, hash"
	    " FROM audit_events ORDER BY seq");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	SET(prev, AUDIT_GENESIS);
	for (i = 0; i < PQntuples(r); i++) {
		memset(&e, 0, sizeof(e));
		SET(e.chain, "centre");
		e.seq = strtoull(PQgetvalue(r, i, 0), NULL, 10);
		if (e.seq < from || (to != 0 && e.seq > to)) {
			SET(prev, PQgetvalue(r, i, 7));
			continue;
		}
		e.at_ms = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		e.actor = PQgetvalue(r, i, 2);
		e.action = PQgetvalue(r, i, 3);
		e.subject = PQgetvalue(r, i, 4);
		e.detail = PQgetvalue(r, i, 5);
		e.detail_len = strlen(e.detail);
		SET(e.prev, prev);
		assert_int_equal(audit_event_hash(&e, e.hash), 0);
		(void)snprintf(seq, sizeof(seq), "%llu",
		    (unsigned long long)e.seq);
		params[0] = e.prev;
		params[1] = e.hash;
		params[2] = seq;
		PQclear(PQexecParams(fx->other, "UPDATE audit_events SET"
		    " prev = $1, hash = $2 WHERE seq = $3::bigint", 3, NULL,
		    params, NULL, NULL, 0));
		SET(prev, e.hash);
	}
	PQclear(r);
	if (to != 0)
		return;
	params[0] = prev;
	PQclear(PQexecParams(fx->other, "UPDATE audit_head SET hash = $1,"
	    " seq = (SELECT max(seq) FROM audit_events)", 1, NULL, params,
	    NULL, NULL, 0));
}

static void
test_audit_rewritten_chain_against_head(void **state)
{
	struct fx		*fx = *state;
	struct found		 fd;
	struct audit_verify_sum	 s;
	size_t			 n;

	append_n(fx->conn, 1, 8);
	assert_int_equal(audit_sign_heads(fx->conn, key, &n), 0);
	exec_ok(fx->other, "UPDATE audit_events SET actor = 'nobody'"
	    " WHERE seq = 4");
	rehash(fx, 4, 0);
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "centre", AUDIT_HEAD_MISMATCH, 8);
	/* Cutting the tail (and the appender's head) is seen by the signed
	 * head too. */
	rehash(fx, 1, 0);
	exec_ok(fx->other, "DELETE FROM audit_events WHERE seq = 8");
	exec_ok(fx->other, "UPDATE audit_head SET seq = 7, hash = (SELECT"
	    " hash FROM audit_events WHERE seq = 7)");
	assert_int_equal(verify(fx, &fd, &s) > 0, 1);
	expect_first(&fd, "centre", AUDIT_REMOVED, 8);
}

/* Events a and b of the centre's chain trade places. */
static void
swap(struct fx *fx, int a, int b)
{
	char	sql[128];

	(void)snprintf(sql, sizeof(sql), "UPDATE audit_events SET seq = 9999"
	    " WHERE seq = %d", a);
	exec_ok(fx->other, sql);
	(void)snprintf(sql, sizeof(sql), "UPDATE audit_events SET seq = %d"
	    " WHERE seq = %d", a, b);
	exec_ok(fx->other, sql);
	(void)snprintf(sql, sizeof(sql), "UPDATE audit_events SET seq = %d"
	    " WHERE seq = 9999", b);
	exec_ok(fx->other, sql);
}

static void
test_audit_tamper_centre(void **state)
{
	struct fx		*fx = *state;
	struct found		 fd;
	struct audit_verify_sum	 s;

	append_n(fx->conn, 1, 12);
	assert_int_equal(verify(fx, &fd, &s), 0);

	/* Changed: one value of event 5. */
	exec_ok(fx->other, "UPDATE audit_events SET detail = '{\"i\":99}'"
	    " WHERE seq = 5");
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "centre", AUDIT_CHANGED, 5);
	exec_ok(fx->other, "UPDATE audit_events SET detail = '{\"i\":5}'"
	    " WHERE seq = 5");
	assert_int_equal(verify(fx, &fd, &s), 0);

	/* Removed: event 6 deleted. */
	exec_ok(fx->other, "CREATE TABLE saved AS SELECT * FROM audit_events"
	    " WHERE seq = 6");
	exec_ok(fx->other, "DELETE FROM audit_events WHERE seq = 6");
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "centre", AUDIT_REMOVED, 6);
	/* Removed, the later events renumbered to close the gap. */
	exec_ok(fx->other, "UPDATE audit_events SET seq = seq + 1000"
	    " WHERE seq > 6");
	exec_ok(fx->other, "UPDATE audit_events SET seq = seq - 1001"
	    " WHERE seq > 1000");
	assert_int_equal(verify(fx, &fd, &s) > 0, 1);
	expect_first(&fd, "centre", AUDIT_REMOVED, 6);
	assert_int_equal(s.problems, 2);	/* and the appender's head */
	exec_ok(fx->other, "UPDATE audit_events SET seq = seq + 1000"
	    " WHERE seq >= 6");
	exec_ok(fx->other, "UPDATE audit_events SET seq = seq - 999"
	    " WHERE seq > 1000");
	exec_ok(fx->other, "INSERT INTO audit_events SELECT * FROM saved");
	exec_ok(fx->other, "DROP TABLE saved");
	assert_int_equal(verify(fx, &fd, &s), 0);

	/* Reordered: events 7 and 8 swapped. */
	swap(fx, 7, 8);
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "centre", AUDIT_REORDERED, 7);
	/* Farther apart: 3 and 6. */
	swap(fx, 7, 8);
	swap(fx, 3, 6);
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "centre", AUDIT_REORDERED, 3);
	swap(fx, 3, 6);
	assert_int_equal(verify(fx, &fd, &s), 0);

	/* Inserted: a made-up event with a correct hash put in at seq 4,
	 * the later ones moved up. */
	exec_ok(fx->other, "UPDATE audit_events SET seq = seq + 1000"
	    " WHERE seq >= 4");
	exec_ok(fx->other, "UPDATE audit_events SET seq = seq - 999"
	    " WHERE seq > 1000");
	exec_ok(fx->other, "INSERT INTO audit_events SELECT 4, at, 'mallory',"
	    " 'login', '', '{}', hash, repeat('a', 64) FROM audit_events"
	    " WHERE seq = 3");
	exec_ok(fx->other, "UPDATE audit_head SET seq = 13, hash = (SELECT"
	    " hash FROM audit_events WHERE seq = 13)");
	assert_int_equal(verify(fx, &fd, &s) > 0, 1);
	/* Its own hash was not made right: looks changed at 4 ... */
	expect_first(&fd, "centre", AUDIT_CHANGED, 4);
	/* ... made right, it is named as inserted, and nothing else. */
	rehash(fx, 4, 4);
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "centre", AUDIT_INSERTED, 4);
	/* Everything after it rewritten too: the chain alone cannot tell
	 * (signed heads can: test_audit_rewritten_chain_against_head). */
	rehash(fx, 5, 0);
	assert_int_equal(verify(fx, &fd, &s), 0);
}

/* A post's chain of n events written straight into post_audit. */
static void
post_chain(struct fx *fx, const char *post, int n)
{
	struct audit_event	 e;
	const char		*params[9];
	char			 chain[64], seq[24], at[24], detail[64];
	char			 prev[AUDIT_HASH_HEX + 1];
	int			 i;

	(void)snprintf(chain, sizeof(chain), "post:%s", post);
	SET(prev, AUDIT_GENESIS);
	for (i = 1; i <= n; i++) {
		memset(&e, 0, sizeof(e));
		SET(e.chain, chain);
		e.seq = (uint64_t)i;
		e.at_ms = 1795741323000LL + i;
		e.actor = "off-7";
		e.action = i % 2 ? "check" : "record";
		e.subject = "KAZ:N1234567";
		(void)snprintf(detail, sizeof(detail), "{\"lane\":%d}", i);
		e.detail = detail;
		e.detail_len = strlen(detail);
		SET(e.prev, prev);
		assert_int_equal(audit_event_hash(&e, e.hash), 0);
		(void)snprintf(seq, sizeof(seq), "%d", i);
		(void)snprintf(at, sizeof(at), "%lld", (long long)e.at_ms);
		params[0] = post;
		params[1] = seq;
		params[2] = at;
		params[3] = e.actor;
		params[4] = e.action;
		params[5] = e.subject;
		params[6] = detail;
		params[7] = e.prev;
		params[8] = e.hash;
		PQclear(PQexecParams(fx->other, "INSERT INTO post_audit (post,"
		    " seq, at, actor, action, subject, detail, prev, hash)"
		    " VALUES ($1, $2::bigint, 'epoch'::timestamptz +"
		    " $3::bigint * interval '1 millisecond', $4, $5, $6, $7,"
		    " $8, $9)", 9, NULL, params, NULL, NULL, 0));
		SET(prev, e.hash);
	}
	assert_int_equal(q_num(fx->other, "SELECT count(*) FROM post_audit"),
	    q_num(fx->other, "SELECT max(seq) FROM post_audit") *
	    q_num(fx->other, "SELECT count(DISTINCT post) FROM post_audit"));
}

static void
test_audit_post_chains(void **state)
{
	struct fx		*fx = *state;
	struct found		 fd;
	struct audit_verify_sum	 s;
	size_t			 n;

	post_chain(fx, "ALA01", 9);
	post_chain(fx, "NQZ01", 9);
	append_n(fx->conn, 1, 2);
	assert_int_equal(audit_sign_heads(fx->conn, key, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(verify(fx, &fd, &s), 0);
	assert_int_equal(s.chains, 3);
	assert_int_equal(s.events, 20);
	assert_int_equal(s.heads, 3);

	/* One post's chain edited: only that chain is named. */
	exec_ok(fx->other, "UPDATE post_audit SET actor = 'off-8'"
	    " WHERE post = 'NQZ01' AND seq = 4");
	assert_int_equal(verify(fx, &fd, &s), 1);
	assert_int_equal(s.chains_bad, 1);
	expect_first(&fd, "post:NQZ01", AUDIT_CHANGED, 4);
	exec_ok(fx->other, "UPDATE post_audit SET actor = 'off-7'"
	    " WHERE post = 'NQZ01' AND seq = 4");
	/* Its tail cut: the signed head names the missing event. */
	exec_ok(fx->other, "DELETE FROM post_audit WHERE post = 'ALA01'"
	    " AND seq >= 8");
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "post:ALA01", AUDIT_REMOVED, 9);
	/* A chain deleted whole is still named through its head. */
	exec_ok(fx->other, "DELETE FROM post_audit WHERE post = 'ALA01'");
	assert_int_equal(verify(fx, &fd, &s), 1);
	expect_first(&fd, "post:ALA01", AUDIT_REMOVED, 9);
}

struct rows {
	char	line[32][160];
	size_t	n;
};

static int
list_row(void *arg, const struct audit_row *row)
{
	struct rows	*rs = arg;

	if (rs->n < 32)
		(void)snprintf(rs->line[rs->n], sizeof(rs->line[0]),
		    "%s/%llu/%s/%s", row->chain, (unsigned long long)row->seq,
		    row->actor, row->action);
	rs->n++;
	return 0;
}

struct pager {
	struct rows	*rs;
	size_t		 n;
	char		 cursor[128];
};

static int
page_row(void *arg, const struct audit_row *row)
{
	struct pager	*pg = arg;

	pg->n++;
	assert_int_equal(audit_cursor_format(row, pg->cursor,
	    sizeof(pg->cursor)), 0);
	return list_row(pg->rs, row);
}

static void
test_audit_list(void **state)
{
	struct fx		*fx = *state;
	struct audit_filter	 f;
	struct audit_row	 last;
	struct rows		 rs;
	struct pager		 pg;
	char			 cur[128];
	int			 i;

	post_chain(fx, "ALA01", 3);	/* at 2026-11-27, before the centre */
	append_n(fx->conn, 1, 4);
	assert_int_equal(audit_append(fx->conn, "alice", "login", "", NULL), 0);

	memset(&f, 0, sizeof(f));
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(audit_list(fx->conn, &f, list_row, &rs), 0);
	assert_int_equal(rs.n, 8);
	assert_string_equal(rs.line[0], "post:ALA01/1/off-7/check");
	assert_string_equal(rs.line[3], "centre/1/tester/test");
	assert_string_equal(rs.line[7], "centre/5/alice/login");

	memset(&rs, 0, sizeof(rs));
	f.chain = "centre";
	f.action = "test";
	f.limit = 3;
	assert_int_equal(audit_list(fx->conn, &f, list_row, &rs), 0);
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.line[2], "centre/3/tester/test");
	/* Continued from a cursor. */
	memset(&last, 0, sizeof(last));
	last.chain = "centre";
	last.seq = 3;
	last.at_ms = q_num(fx->conn, "SELECT floor(extract(epoch FROM at) *"
	    " 1000)::bigint FROM audit_events WHERE seq = 3");
	assert_int_equal(audit_cursor_format(&last, cur, sizeof(cur)), 0);
	assert_int_equal(audit_cursor_parse(&f, cur), 0);
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(audit_list(fx->conn, &f, list_row, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.line[0], "centre/4/tester/test");

	/* Paged one by one by cursor, with a stored sub-millisecond time:
	 * every event exactly once. */
	exec_ok(fx->other, "UPDATE post_audit SET at = at +"
	    " interval '400 microseconds' WHERE seq = 2");
	memset(&f, 0, sizeof(f));
	memset(&rs, 0, sizeof(rs));
	pg.rs = &rs;
	f.limit = 1;
	for (i = 0; i < 20; i++) {
		pg.n = 0;
		assert_int_equal(audit_list(fx->conn, &f, page_row, &pg), 0);
		if (pg.n == 0)
			break;
		assert_int_equal(audit_cursor_parse(&f, pg.cursor), 0);
	}
	assert_int_equal(rs.n, 8);
	assert_string_equal(rs.line[1], "post:ALA01/2/off-7/record");
	assert_string_equal(rs.line[7], "centre/5/alice/login");

	memset(&f, 0, sizeof(f));
	memset(&rs, 0, sizeof(rs));
	f.subject = "KAZ:N1234567";
	assert_int_equal(audit_list(fx->conn, &f, list_row, &rs), 0);
	assert_int_equal(rs.n, 5);	/* 3 at the post, centre 1 and 3 */
	f.subject = NULL;
	f.chain = "post:ALA01";
	f.actor = "off-7";
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(audit_list(fx->conn, &f, list_row, &rs), 0);
	assert_int_equal(rs.n, 3);
	/* Bad filters and cursors are refused. */
	f.chain = "elsewhere";
	assert_int_equal(audit_list(fx->conn, &f, list_row, &rs), ERR_INVAL);
	assert_int_equal(audit_cursor_parse(&f, "12.x.centre"), ERR_INVAL);
	assert_int_equal(audit_cursor_parse(&f, "12.3.nowhere"), ERR_INVAL);
	assert_int_equal(audit_cursor_parse(&f, ""), ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_audit_append_own_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_audit_append_callers_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_audit_concurrent_appenders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_creg_changes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_sign_and_verify,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_audit_rewritten_chain_against_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_centre,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_post_chains,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_list, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
