/* test_regcsv.c - registry records from outside, without a database: each
 * field's rules and defaults (a table of good, bad and boundary values),
 * the checks across fields, the first pass of a CSV import (the line and
 * column of every problem, duplicate ids, syntax and header errors, what a
 * listing adds being ignored) from heap copies of exactly len bytes, and
 * post certificates made here with OpenSSL (CN, SHA-256 of the DER, the
 * CA check). */
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
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "creg.h"
#include "err.h"
#include "feed.h"
#include "regcsv.h"

/* Sets the field named name of a fresh record of kind; the result. */
static int
set_one(enum creg_kind kind, const char *name, const char *v,
    struct regcsv_rec *r, char *msg, size_t msgsz)
{
	const struct regcsv_kind	*k = regcsv_kind_get(kind);
	const struct regcsv_field	*f;

	assert_non_null(k);
	assert_non_null(f = regcsv_field_find(k, name));
	regcsv_rec_init(k, r);
	return regcsv_set(f, r, v, strlen(v), msg, msgsz);
}

static void
test_regcsv_fields_table(void **state)
{
	static const struct {
		enum creg_kind	 kind;
		const char	*field;
		const char	*value;
		int		 rc;
		const char	*msg;	/* NULL: not checked */
	} cases[] = {
		{ CREG_DOCUMENT_ALERT, "id", "da-1", 0, NULL },
		{ CREG_DOCUMENT_ALERT, "id", "da 1", ERR_INVAL,
		    "\"da 1\" is not an id (1..64 of A-Z, a-z, 0-9, '.', '_', "
		    "':', '-')" },
		{ CREG_DOCUMENT_ALERT, "id", "", ERR_INVAL, "is required" },
		{ CREG_DOCUMENT_ALERT, "issuing_state", "KAZ", 0, NULL },
		{ CREG_DOCUMENT_ALERT, "issuing_state", "KAZA", ERR_INVAL,
		    NULL },
		{ CREG_DOCUMENT_ALERT, "issuing_state", "kaz", ERR_INVAL,
		    NULL },
		{ CREG_DOCUMENT_ALERT, "number", "N1234567", 0, NULL },
		{ CREG_DOCUMENT_ALERT, "number", "123456789012345678901234", 0,
		    NULL },
		{ CREG_DOCUMENT_ALERT, "number", "1234567890123456789012345",
		    ERR_INVAL, NULL },
		{ CREG_DOCUMENT_ALERT, "number", "N1<<", ERR_INVAL, NULL },
		{ CREG_DOCUMENT_ALERT, "reason", "stolen", 0, NULL },
		{ CREG_DOCUMENT_ALERT, "reason", "gone", ERR_INVAL,
		    "\"gone\" is not lost, stolen, invalidated or revoked" },
		{ CREG_DOCUMENT_ALERT, "since", "2024-02-29", 0, NULL },
		{ CREG_DOCUMENT_ALERT, "since", "2026-02-30", ERR_INVAL,
		    "2026-02-30 is not a date" },
		{ CREG_DOCUMENT_ALERT, "since", "2026-1-01", ERR_INVAL,
		    "2026-1-01 is not a date (YYYY-MM-DD)" },
		{ CREG_DOCUMENT_ALERT, "since", "1899-12-31", ERR_INVAL,
		    "1899-12-31 is outside the years 1900-2199" },
		{ CREG_PERSON_ALERT, "birth_date", "1980", 0, NULL },
		{ CREG_PERSON_ALERT, "birth_date", "1980-05", 0, NULL },
		{ CREG_PERSON_ALERT, "birth_date", "1980-13", ERR_INVAL, NULL },
		{ CREG_PERSON_ALERT, "birth_date", "80", ERR_INVAL, NULL },
		{ CREG_PERSON_ALERT, "severity", "1", 0, NULL },
		{ CREG_PERSON_ALERT, "severity", "5", 0, NULL },
		{ CREG_PERSON_ALERT, "severity", "0", ERR_INVAL,
		    "\"0\" is not a whole number from 1 to 5" },
		{ CREG_PERSON_ALERT, "severity", "-1", ERR_INVAL, NULL },
		{ CREG_PERSON_ALERT, "severity", "4x", ERR_INVAL, NULL },
		{ CREG_PERSON_ALERT, "surname", "Иванов", 0, NULL },
		{ CREG_PERSON_ALERT, "surname", "   ", ERR_INVAL,
		    "must not be blank" },
		{ CREG_PERSON_ALERT, "surname", "A\tB", ERR_INVAL, NULL },
		{ CREG_PERSON_ALERT, "surname", "\xc3\x28", ERR_INVAL,
		    "is not UTF-8" },
		{ CREG_PERSON_ALERT, "nationality", "", 0, NULL },
		{ CREG_PERMIT, "kind", "work_permit", 0, NULL },
		{ CREG_PERMIT, "kind", "work", ERR_INVAL, NULL },
		{ CREG_PERMIT, "entries", "65535", 0, NULL },
		{ CREG_PERMIT, "entries", "65536", ERR_INVAL, NULL },
		{ CREG_PERMIT, "stay_days", "3661", ERR_INVAL, NULL },
		{ CREG_REGISTRATION, "address", "12 Abay Ave, flat 4", 0,
		    NULL },
	};
	struct regcsv_rec	r;
	char			msg[REGCSV_MSG_MAX];
	size_t			i;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg[0] = '\0';
		rc = set_one(cases[i].kind, cases[i].field, cases[i].value, &r,
		    msg, sizeof(msg));
		if (rc != cases[i].rc)
			fail_msg("case %zu (%s=%s): %d, want %d (%s)", i,
			    cases[i].field, cases[i].value, rc, cases[i].rc,
			    msg);
		if (cases[i].msg != NULL)
			assert_string_equal(msg, cases[i].msg);
	}
}

static void
test_regcsv_defaults_and_values(void **state)
{
	const struct regcsv_kind	*k = regcsv_kind_get(CREG_PERMIT);
	struct regcsv_rec		 r;
	char				 msg[REGCSV_MSG_MAX];

	(void)state;
	assert_non_null(k);
	assert_null(regcsv_kind_get(CREG_OFFICER));
	assert_string_equal(k->fields[0].name, "id");
	assert_string_equal(regcsv_field_find(k, "number")->jpath,
	    "holder.number");
	assert_null(regcsv_field_find(k, "changed_at"));
	regcsv_rec_init(k, &r);
	assert_int_equal(r.u.pm.entries, FEED_NULL);	/* multiple */
	assert_int_equal(r.u.pm.stay_days, FEED_NULL);
	assert_int_equal(r.u.pm.entries_used, 0);
	assert_int_equal(regcsv_set(regcsv_field_find(k, "entries"), &r, "2",
	    1, msg, sizeof(msg)), 0);
	assert_int_equal(r.u.pm.entries, 2);
	assert_int_equal(regcsv_set(regcsv_field_find(k, "kind"), &r,
	    "refugee", 7, msg, sizeof(msg)), 0);
	assert_int_equal(r.u.pm.kind, POLICY_PERMIT_REFUGEE);
	assert_int_equal(regcsv_set(regcsv_field_find(k, "surname"), &r,
	    "A\0B", 3, msg, sizeof(msg)), ERR_INVAL);
	assert_string_equal(msg, "contains a NUL byte");
	/* A long value quoted back is cut between characters. */
	assert_int_equal(regcsv_set(regcsv_field_find(k, "number"), &r,
	    "НННННННННННННННННННННННННННННН", 60, msg, sizeof(msg)),
	    ERR_INVAL);
	assert_non_null(strstr(msg, "...\" is not a document number"));
	assert_null(regcsv_text_problem(msg, strlen(msg)));
	assert_int_equal(regcsv_set(regcsv_field_find(k, "number"), &r,
	    "AНННННННННННННННННННННННННННННН", 61, msg, sizeof(msg)),
	    ERR_INVAL);
	assert_null(regcsv_text_problem(msg, strlen(msg)));
	assert_string_equal(regcsv_column_of("data.holder.number"), "number");
	assert_string_equal(regcsv_column_of("since"), "since");
	assert_null(regcsv_text_problem("Astana Build LLP", 16));
}

/* A record of a kind from "name=value" pairs; the check's result. */
static int
check_rec(enum creg_kind kind, const char *const *pairs, const char **col,
    char *msg, size_t msgsz)
{
	const struct regcsv_kind	*k = regcsv_kind_get(kind);
	struct regcsv_rec		 r;
	const char			*eq;
	char				 name[32];
	size_t				 i;

	regcsv_rec_init(k, &r);
	for (i = 0; pairs[i] != NULL; i++) {
		eq = strchr(pairs[i], '=');
		assert_non_null(eq);
		assert_true((size_t)(eq - pairs[i]) < sizeof(name));
		memcpy(name, pairs[i], (size_t)(eq - pairs[i]));
		name[eq - pairs[i]] = '\0';
		assert_int_equal(regcsv_set(regcsv_field_find(k, name), &r,
		    eq + 1, strlen(eq + 1), msg, msgsz), 0);
	}
	return regcsv_rec_check(k, &r, col, msg, msgsz);
}

static void
test_regcsv_rec_check(void **state)
{
	static const char *const good[] = { "id=wp-1", "kind=visa",
	    "issuing_state=UZB", "number=AB1", "nationality=UZB",
	    "surname=KARIMOV", "birth_date=1990-04-05",
	    "valid_from=2026-01-01", "valid_until=2026-01-01", NULL };
	static const char *const backwards[] = { "id=wp-1", "kind=visa",
	    "issuing_state=UZB", "number=AB1", "nationality=UZB",
	    "surname=KARIMOV", "birth_date=1990-04-05",
	    "valid_from=2026-01-02", "valid_until=2026-01-01", NULL };
	static const char *const rg_backwards[] = { "id=rg-1",
	    "issuing_state=UZB", "number=AB1", "region=Almaty", "address=a",
	    "host=h", "valid_from=2026-03-01", "valid_until=2026-02-28",
	    NULL };
	const char	*col = NULL;
	char		 msg[REGCSV_MSG_MAX];

	(void)state;
	assert_int_equal(check_rec(CREG_PERMIT, good, &col, msg, sizeof(msg)),
	    0);
	assert_int_equal(check_rec(CREG_PERMIT, backwards, &col, msg,
	    sizeof(msg)), ERR_INVAL);
	assert_string_equal(col, "valid_until");
	assert_string_equal(msg, "2026-01-01 is before valid_from 2026-01-02");
	assert_int_equal(check_rec(CREG_REGISTRATION, rg_backwards, &col, msg,
	    sizeof(msg)), ERR_INVAL);
	assert_string_equal(col, "valid_until");
}

/* regcsv_import_check() over a heap copy of exactly strlen(csv) bytes. */
static int
import_check(enum creg_kind kind, const char *csv,
    struct regcsv_report *rep)
{
	size_t	 len = strlen(csv);
	char	*copy = malloc(len > 0 ? len : 1);
	int	 rc;

	assert_non_null(copy);
	memcpy(copy, csv, len);
	rc = regcsv_import_check(regcsv_kind_get(kind), copy, len, rep);
	free(copy);
	return rc;
}

static void
test_regcsv_import_check(void **state)
{
	struct regcsv_report	rep;
	char			csv[8192];
	size_t			n;
	int			i;

	(void)state;
	/* Columns in any order; what a listing adds is ignored. */
	assert_int_equal(import_check(CREG_DOCUMENT_ALERT,
	    "since,id,reason,number,issuing_state,changed_at,changed_by\n"
	    "2026-01-01,da-1,lost,N1,KAZ,2026-01-01T00:00:00.000Z,x\n"
	    "2026-01-02,da-2,stolen,N2,KAZ,,\n", &rep), 0);
	assert_int_equal(rep.nrows, 2);
	assert_int_equal(rep.nbad, 0);

	/* One bad row of twenty: its line (the header is line 1). */
	n = (size_t)snprintf(csv, sizeof(csv),
	    "id,issuing_state,number,reason,since\n");
	for (i = 1; i <= 20; i++)
		n += (size_t)snprintf(csv + n, sizeof(csv) - n,
		    "csv-%d,KAZ,N%d,lost,%s\n", i, i, i == 11 ? "2026-02-30" :
		    "2026-01-01");
	assert_int_equal(import_check(CREG_DOCUMENT_ALERT, csv, &rep),
	    ERR_INVAL);
	assert_int_equal(rep.nbad, 1);
	assert_int_equal(rep.nproblems, 1);
	assert_int_equal(rep.problems[0].line, 12);
	assert_string_equal(rep.problems[0].field, "since");
	assert_string_equal(rep.problems[0].msg, "2026-02-30 is not a date");
	assert_false(rep.unreadable);

	/* An id twice: named on its second line. */
	assert_int_equal(import_check(CREG_DOCUMENT_ALERT,
	    "id,issuing_state,number,reason,since\n"
	    "d-1,KAZ,N1,lost,2026-01-01\n"
	    "d-2,KAZ,N2,lost,2026-01-01\n"
	    "d-1,KAZ,N3,lost,2026-01-01\n", &rep), ERR_INVAL);
	assert_int_equal(rep.problems[0].line, 4);
	assert_string_equal(rep.problems[0].field, "id");
	assert_string_equal(rep.problems[0].msg, "d-1 is also on line 2");

	/* Bad CSV stops the reading and is always reported. */
	assert_int_equal(import_check(CREG_DOCUMENT_ALERT,
	    "id,issuing_state,number,reason,since\n"
	    "q-1,KAZ,\"N1,lost,2026-01-01\n", &rep), ERR_INVAL);
	assert_true(rep.problems[0].syntax);
	assert_string_equal(rep.problems[0].msg,
	    "line 2, field \"number\": unterminated quote");

	/* The header: unknown and missing columns, nothing read. */
	assert_int_equal(import_check(CREG_DOCUMENT_ALERT,
	    "id,issuing_state,number,reason,when\n"
	    "d-1,KAZ,N1,lost,2026-01-01\n", &rep), ERR_INVAL);
	assert_true(rep.unreadable);
	assert_int_equal(rep.nproblems, 2);
	assert_true(rep.problems[0].header);
	assert_string_equal(rep.problems[0].field, "when");
	assert_string_equal(rep.problems[1].field, "since");
	assert_int_equal(rep.nrows, 0);
	/* A long column name quoted back is cut between characters. */
	assert_int_equal(import_check(CREG_DOCUMENT_ALERT,
	    "id,issuing_state,number,reason,since,"
	    "xДатаДатаДатаДатаДатаДатаДатаДатаДатаДатаДатаДатаДата\n", &rep),
	    ERR_INVAL);
	assert_int_equal(rep.nproblems, 1);
	assert_null(regcsv_text_problem(rep.problems[0].field,
	    strlen(rep.problems[0].field)));
	assert_null(regcsv_text_problem(rep.problems[0].msg,
	    strlen(rep.problems[0].msg)));
	assert_int_equal(import_check(CREG_DOCUMENT_ALERT, "", &rep),
	    ERR_INVAL);
	assert_true(rep.unreadable);
}

static void
test_regcsv_import_many_problems(void **state)
{
	struct regcsv_report	 rep;
	char			*csv;
	size_t			 n = 0, cap = 64 * 1024;
	int			 i;

	(void)state;
	assert_non_null(csv = malloc(cap));
	n += (size_t)snprintf(csv + n, cap - n, "id,issuing_state,number,"
	    "reason,since\n");
	for (i = 0; i < 25; i++)
		n += (size_t)snprintf(csv + n, cap - n, "x-%d,KAZ,N1,gone,"
		    "2026-01-01\n", i);
	n += (size_t)snprintf(csv + n, cap - n, "y,KAZ,\"N1\n");
	assert_true(n < cap);
	assert_int_equal(import_check(CREG_DOCUMENT_ALERT, csv, &rep),
	    ERR_INVAL);
	/* Ten rows kept, the syntax error in the slot after them. */
	assert_int_equal(rep.nbad, 26);
	assert_int_equal(rep.nproblems, REGCSV_ERRS_MAX + 1);
	assert_int_equal(rep.problems[9].line, 11);
	assert_true(rep.problems[REGCSV_ERRS_MAX].syntax);
	free(csv);
}

/* A certificate with the given CNs (NULL-terminated), signed by itself (a
 * CA if its CN is "Test CA") or by (ca, cakey); *key gets its key. */
static X509 *
make_cert(const char *const *cns, X509 *ca, EVP_PKEY *cakey, EVP_PKEY **key)
{
	X509		*x;
	X509_NAME	*name;
	size_t		 i;

	assert_non_null(*key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	assert_non_null(x = X509_new());
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	name = X509_get_subject_name(x);
	for (i = 0; cns[i] != NULL; i++)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN",
		    MBSTRING_UTF8, (const unsigned char *)cns[i], -1, -1, 0),
		    1);
	assert_int_equal(X509_set_issuer_name(x, ca != NULL ?
	    X509_get_subject_name(ca) : name), 1);
	assert_int_equal(X509_set_pubkey(x, *key), 1);
	if (ca == NULL && cns[0] != NULL && strcmp(cns[0], "Test CA") == 0) {
		X509_EXTENSION	*ext;

		assert_non_null(ext = X509V3_EXT_conf_nid(NULL, NULL,
		    NID_basic_constraints, "critical,CA:TRUE"));
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, cakey != NULL ? cakey : *key, NULL) > 0);
	return x;
}

/* x as PEM text in a heap buffer of exactly *len bytes. */
static char *
pem_of(X509 *x, size_t *len)
{
	BIO	*b;
	char	*p, *out;
	long	 n;

	assert_non_null(b = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	n = BIO_get_mem_data(b, &p);
	assert_true(n > 0);
	assert_non_null(out = malloc((size_t)n));
	memcpy(out, p, (size_t)n);
	*len = (size_t)n;
	BIO_free(b);
	return out;
}

static void
test_regcsv_cert_read(void **state)
{
	static const char *const cn_post[] = { "post-NEW03", NULL };
	static const char *const cn_ca[] = { "Test CA", NULL };
	static const char *const cn_two[] = { "a", "b", NULL };
	EVP_PKEY	*cakey, *key, *key2, *okey;
	X509		*ca, *x, *two, *other;
	char		 cn[CREG_CN_MAX + 1], hex[CREG_SHA256_HEX + 1];
	char		 want[CREG_SHA256_HEX + 1], msg[REGCSV_MSG_MAX];
	char		 capath[] = "/tmp/test_regcsv_ca.XXXXXX";
	char		*pem;
	unsigned char	 md[32];
	unsigned int	 mdlen = 0, i;
	size_t		 len;
	FILE		*fp;
	int		 fd;

	(void)state;
	ca = make_cert(cn_ca, NULL, NULL, &cakey);
	x = make_cert(cn_post, ca, cakey, &key);
	pem = pem_of(x, &len);
	assert_int_equal(regcsv_cert_read(pem, len, NULL, cn, hex, msg,
	    sizeof(msg)), 0);
	assert_string_equal(cn, "post-NEW03");
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &mdlen), 1);
	for (i = 0; i < mdlen; i++)
		(void)snprintf(want + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(hex, want);

	/* Against the CA that signed it, and against another. */
	assert_true((fd = mkstemp(capath)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(PEM_write_X509(fp, ca), 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(regcsv_cert_read(pem, len, capath, cn, hex, msg,
	    sizeof(msg)), 0);
	other = make_cert(cn_ca, NULL, NULL, &okey);
	assert_non_null(fp = fopen(capath, "w"));
	assert_int_equal(PEM_write_X509(fp, other), 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(regcsv_cert_read(pem, len, capath, cn, hex, msg,
	    sizeof(msg)), ERR_AUTH);
	assert_non_null(strstr(msg, "not a client certificate of the posts' "
	    "CA"));
	assert_int_equal(unlink(capath), 0);
	assert_int_equal(regcsv_cert_read(pem, len, capath, cn, hex, msg,
	    sizeof(msg)), ERR_IO);
	free(pem);

	/* Two CNs; not a certificate; cut short. */
	two = make_cert(cn_two, NULL, NULL, &key2);
	pem = pem_of(two, &len);
	assert_int_equal(regcsv_cert_read(pem, len, NULL, cn, hex, msg,
	    sizeof(msg)), ERR_PARSE);
	assert_non_null(strstr(msg, "exactly one common name"));
	assert_int_equal(regcsv_cert_read(pem, len / 2, NULL, cn, hex, msg,
	    sizeof(msg)), ERR_PARSE);
	assert_string_equal(msg, "is not a PEM certificate");
	assert_int_equal(regcsv_cert_read("hello", 5, NULL, cn, hex, msg,
	    sizeof(msg)), ERR_PARSE);
	free(pem);

	X509_free(two);
	X509_free(other);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key2);
	EVP_PKEY_free(okey);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_regcsv_fields_table),
		cmocka_unit_test(test_regcsv_defaults_and_values),
		cmocka_unit_test(test_regcsv_rec_check),
		cmocka_unit_test(test_regcsv_import_check),
		cmocka_unit_test(test_regcsv_import_many_problems),
		cmocka_unit_test(test_regcsv_cert_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
