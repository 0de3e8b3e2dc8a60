/* test_csvin.c - the CSV reader: quoting, line ends, the line each record
 * starts on, UTF-8, limits and the exact error messages, from heap copies
 * of exactly len bytes (so ASan catches a read past the end) and from a
 * real file larger than the reader's chunk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csvin.h"
#include "err.h"

/* A reader over a heap copy of exactly strlen(s) bytes; *copy to free. */
static struct csvin *
open_str(const char *s, size_t len, const struct csvin_limits *lim,
    uint8_t **copy)
{
	struct csvin	*c;

	*copy = malloc(len > 0 ? len : 1);
	assert_non_null(*copy);
	memcpy(*copy, s, len);
	assert_int_equal(csvin_new_buf(&c, *copy, len, lim), 0);
	return c;
}

static void
test_csvin_records(void **state)
{
	static const char	in[] =
	    "id,issuing_state,number,reason\r\n"
	    "da-1,KAZ,N1,stolen\r\n"
	    "\"da-2\",\"UZB\",\"A,B\",\"said \"\"lost\"\"\"\n"
	    "\n"
	    "da-3,RUS,\"two\r\nlines\nthree\",\n"
	    "da-4,,\"\",lost";
	struct csvin	*c;
	uint8_t		*copy;
	size_t		 len, idx;

	(void)state;
	c = open_str(in, sizeof(in) - 1, NULL, &copy);
	assert_int_equal(csvin_header(c), 0);
	assert_int_equal(csvin_ncols(c), 4);
	assert_string_equal(csvin_colname(c, 2), "number");
	assert_int_equal(csvin_colfind(c, "reason", &idx), 0);
	assert_int_equal(idx, 3);
	assert_int_equal(csvin_colfind(c, "since", &idx), ERR_NOTFOUND);

	assert_int_equal(csvin_next(c), 0);
	assert_int_equal(csvin_line(c), 2);
	assert_string_equal(csvin_field(c, 0, NULL), "da-1");
	assert_string_equal(csvin_field(c, 3, &len), "stolen");
	assert_int_equal(len, 6);

	assert_int_equal(csvin_next(c), 0);
	assert_int_equal(csvin_line(c), 3);
	assert_string_equal(csvin_field(c, 0, NULL), "da-2");
	assert_string_equal(csvin_field(c, 2, NULL), "A,B");
	assert_string_equal(csvin_field(c, 3, NULL), "said \"lost\"");

	/* The empty line 4 is skipped; the quoted field spans 5..7. */
	assert_int_equal(csvin_next(c), 0);
	assert_int_equal(csvin_line(c), 5);
	assert_string_equal(csvin_field(c, 2, &len), "two\r\nlines\nthree");
	assert_int_equal(len, 16);
	assert_string_equal(csvin_field(c, 3, &len), "");
	assert_int_equal(len, 0);

	/* No newline at the end of the last record. */
	assert_int_equal(csvin_next(c), 0);
	assert_int_equal(csvin_line(c), 8);
	assert_string_equal(csvin_field(c, 1, NULL), "");
	assert_string_equal(csvin_field(c, 2, NULL), "");
	assert_string_equal(csvin_field(c, 3, NULL), "lost");
	assert_int_equal(csvin_next(c), ERR_NOTFOUND);
	assert_int_equal(csvin_next(c), ERR_NOTFOUND);
	assert_int_equal(csvin_count(c), 4);
	assert_string_equal(csvin_errmsg(c), "");
	csvin_free(c);
	free(copy);
}

static void
test_csvin_bom_and_utf8(void **state)
{
	static const char	in[] =
	    "\xef\xbb\xbfsurname,note\n"
	    "\xd0\x96\xd0\xb0\xd0\xbd,\xe2\x82\xac \xf0\x9f\x98\x80\n";
	struct csvin	*c;
	uint8_t		*copy;

	(void)state;
	c = open_str(in, sizeof(in) - 1, NULL, &copy);
	assert_int_equal(csvin_header(c), 0);
	assert_string_equal(csvin_colname(c, 0), "surname");
	assert_int_equal(csvin_next(c), 0);
	assert_string_equal(csvin_field(c, 0, NULL), "\xd0\x96\xd0\xb0\xd0\xbd");
	assert_string_equal(csvin_field(c, 1, NULL),
	    "\xe2\x82\xac \xf0\x9f\x98\x80");
	assert_int_equal(csvin_next(c), ERR_NOTFOUND);
	csvin_free(c);
	free(copy);
}

static void
test_csvin_only_header(void **state)
{
	struct csvin	*c;
	uint8_t		*copy;

	(void)state;
	c = open_str("id,number\n\n\n", 12, NULL, &copy);
	assert_int_equal(csvin_header(c), 0);
	assert_int_equal(csvin_next(c), ERR_NOTFOUND);
	assert_int_equal(csvin_count(c), 0);
	csvin_free(c);
	free(copy);
}

/* Bad input: the code and the exact message, and every later call fails
 * the same way. */
static void
test_csvin_errors_table(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;	/* 0: strlen */
		int		 rc;
		const char	*msg;
	} t[] = {
		{ "", 0, ERR_PARSE, "line 1: no header row (the file is "
		    "empty)" },
		{ "\n\r\n", 0, ERR_PARSE, "line 3: no header row (the file "
		    "is empty)" },
		{ "a,,b\n", 0, ERR_PARSE, "line 1, field 2: empty column name "
		    "in the header" },
		{ "a,b,a\n", 0, ERR_PARSE, "line 1, field 3: column \"a\" "
		    "named twice in the header" },
		{ "id,number\n1,\"AB\n", 0, ERR_PARSE, "line 2, field "
		    "\"number\": unterminated quote" },
		{ "id,number\n1,\"AB\n\n,\n", 0, ERR_PARSE, "line 2, field "
		    "\"number\": unterminated quote" },
		{ "id,number\n\"1\nx\",\"AB\nC\n", 0, ERR_PARSE, "line 2, "
		    "field \"number\": unterminated quote (opened on line "
		    "3)" },
		{ "id,number\n1,A\"B\n", 0, ERR_PARSE, "line 2, field "
		    "\"number\": a quote inside an unquoted field (quote the "
		    "whole field and write the quote as \"\")" },
		{ "id,number\n1,\"AB\"C\n", 0, ERR_PARSE, "line 2, field "
		    "\"number\": text after the closing quote (a quote inside "
		    "a quoted field is written \"\")" },
		{ "id,number\n1,\"AB\" \n", 0, ERR_PARSE, "line 2, field "
		    "\"number\": text after the closing quote (a quote inside "
		    "a quoted field is written \"\")" },
		{ "id,number\n1\n", 0, ERR_PARSE, "line 2: 1 field, the "
		    "header has 2" },
		{ "id,number\n\n\n1,2\n3\n", 0, ERR_PARSE, "line 5: 1 field, "
		    "the header has 2" },
		{ "id,number\n1,2,3\n", 0, ERR_PARSE, "line 2: more fields "
		    "than the header's 2" },
		{ "id,number\n1,2,\n", 0, ERR_PARSE, "line 2: more fields "
		    "than the header's 2" },
		{ "id\n\xff\n", 0, ERR_PARSE, "line 2, field \"id\": not "
		    "UTF-8 (byte 1)" },
		{ "id\nab\xc0\xaf\n", 0, ERR_PARSE, "line 2, field \"id\": "
		    "not UTF-8 (byte 3)" },
		{ "id\n\xed\xa0\x80\n", 0, ERR_PARSE, "line 2, field \"id\": "
		    "not UTF-8 (byte 1)" },
		{ "id\n\xf4\x90\x80\x80\n", 0, ERR_PARSE, "line 2, field "
		    "\"id\": not UTF-8 (byte 1)" },
		{ "id\n\xe2\x82\n", 0, ERR_PARSE, "line 2, field \"id\": not "
		    "UTF-8 (byte 1)" },
		{ "id\n\xe2\x82", 0, ERR_PARSE, "line 2, field \"id\": not "
		    "UTF-8 (byte 1)" },
		{ "\xef\xbb", 0, ERR_PARSE, "line 1, field 1: not UTF-8 "
		    "(byte 1)" },
		{ "id\na\0b\n", 6, ERR_PARSE, "line 2, field \"id\": NUL "
		    "byte" },
		{ "id\r1\n", 0, ERR_PARSE, "line 1: a CR not followed by LF "
		    "(lines must end in LF or CRLF)" },
		{ "id\n\"1\"\r", 0, ERR_PARSE, "line 2: a CR not followed by "
		    "LF (lines must end in LF or CRLF)" },
		{ "id,number\n\"a\nb\nc\",1\n2,\"x\"y\n", 0, ERR_PARSE,
		    "line 5, field \"number\": text after the closing quote "
		    "(a quote inside a quoted field is written \"\")" },
	};
	struct csvin	*c;
	uint8_t		*copy;
	size_t		 i, len;
	int		 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = t[i].len > 0 ? t[i].len : strlen(t[i].in);
		c = open_str(t[i].in, len, NULL, &copy);
		if ((rc = csvin_header(c)) == 0)
			while ((rc = csvin_next(c)) == 0)
				;
		if (rc != t[i].rc || strcmp(csvin_errmsg(c), t[i].msg) != 0)
			fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i,
			    rc, csvin_errmsg(c), t[i].rc, t[i].msg);
		/* Final: the same again. */
		assert_int_equal(csvin_next(c), rc);
		assert_string_equal(csvin_errmsg(c), t[i].msg);
		assert_string_equal(csvin_field(c, 0, NULL), "");
		csvin_free(c);
		free(copy);
	}
}

static void
test_csvin_limits(void **state)
{
	static const struct {
		const char	*in;
		size_t		 field_max, record_max, cols_max;
		int		 rc;
		const char	*msg;
	} t[] = {
		{ "a,b\n1234,5\n", 4, 0, 0, 0, "" },
		{ "a,b\n12345,5\n", 4, 0, 0, ERR_TOOBIG, "line 2, field "
		    "\"a\": over 4 bytes" },
		{ "a,b\n\"12\"\"45\",5\n", 4, 0, 0, ERR_TOOBIG, "line 2, field "
		    "\"a\": over 4 bytes" },
		/* 4 + 1 + 1 + 1 bytes with the NULs. */
		{ "a,b\n1234,5\n", 0, 7, 0, 0, "" },
		{ "a,b\n1234,56\n", 0, 7, 0, ERR_TOOBIG, "line 2: record over "
		    "7 bytes" },
		{ "a,b\n1234,\n", 0, 5, 0, ERR_TOOBIG, "line 2: record over "
		    "5 bytes" },
		{ "a,b,c\n", 0, 0, 3, 0, "" },
		{ "a,b,c,d\n", 0, 0, 3, ERR_TOOBIG, "line 1: more than 3 "
		    "fields" },
	};
	struct csvin_limits	 lim;
	struct csvin		*c;
	uint8_t			*copy;
	size_t			 i;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		lim.field_max = t[i].field_max;
		lim.record_max = t[i].record_max;
		lim.cols_max = t[i].cols_max;
		c = open_str(t[i].in, strlen(t[i].in), &lim, &copy);
		if ((rc = csvin_header(c)) == 0)
			while ((rc = csvin_next(c)) == 0)
				;
		if (rc == ERR_NOTFOUND)
			rc = 0;
		if (rc != t[i].rc || strcmp(csvin_errmsg(c), t[i].msg) != 0)
			fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i,
			    rc, csvin_errmsg(c), t[i].rc, t[i].msg);
		csvin_free(c);
		free(copy);
	}
}

/* A file of many records, with quoted multi-line fields crossing the
 * reader's 64 KiB chunks, reads the same as the buffer. */
static void
test_csvin_file_matches_buffer(void **state)
{
	struct csvin	*cf, *cb;
	FILE		*fp;
	char		*buf;
	size_t		 len = 0, cap = 1 << 21, i;
	unsigned long	 line = 2;
	int		 rcf, rcb;

	(void)state;
	buf = malloc(cap);
	assert_non_null(buf);
	len = (size_t)snprintf(buf, cap, "id,text\r\n");
	for (i = 0; i < 20000; i++) {
		int	n;

		if (i % 3 == 0)
			n = snprintf(buf + len, cap - len, "r%zu,\"x\"\"%zu\n"
			    "y,z\"\r\n", i, i);
		else
			n = snprintf(buf + len, cap - len, "r%zu,plain %zu\n",
			    i, i);
		assert_true(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
	}
	assert_true(len > 2 * 65536);
	assert_non_null(fp = tmpfile());
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	rewind(fp);
	assert_int_equal(csvin_new_file(&cf, fp, NULL), 0);
	assert_int_equal(csvin_new_buf(&cb, (const uint8_t *)buf, len, NULL),
	    0);
	assert_int_equal(csvin_header(cf), 0);
	assert_int_equal(csvin_header(cb), 0);
	for (i = 0;; i++) {
		rcf = csvin_next(cf);
		rcb = csvin_next(cb);
		assert_int_equal(rcf, rcb);
		if (rcf != 0)
			break;
		assert_int_equal(csvin_line(cf), line);
		assert_int_equal(csvin_line(cb), line);
		line += i % 3 == 0 ? 2 : 1;
		assert_string_equal(csvin_field(cf, 0, NULL),
		    csvin_field(cb, 0, NULL));
		assert_string_equal(csvin_field(cf, 1, NULL),
		    csvin_field(cb, 1, NULL));
	}
	assert_int_equal(rcf, ERR_NOTFOUND);
	assert_int_equal(i, 20000);
	assert_int_equal(csvin_count(cf), 20000);
	csvin_free(cf);
	csvin_free(cb);
	fclose(fp);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_csvin_records),
		cmocka_unit_test(test_csvin_bom_and_utf8),
		cmocka_unit_test(test_csvin_only_header),
		cmocka_unit_test(test_csvin_errors_table),
		cmocka_unit_test(test_csvin_limits),
		cmocka_unit_test(test_csvin_file_matches_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
