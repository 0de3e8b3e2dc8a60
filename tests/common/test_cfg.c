/* test_cfg.c - the configuration loader and both daemons' schemas: tables of
 * bad files, each with the exact "file:line: message" output expected and a
 * check that the target struct was not touched; valid files with their
 * values and defaults; the examples in config/ and the bad files in
 * tests/configs/bad/ (run from the repository root). Inputs are heap copies
 * of exactly their length so that ASan catches a read past the end. */
#include <sys/types.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cencfg.h"
#include "cfg.h"
#include "ckcfg.h"
#include "err.h"

/*
 * A schema with every kind of key, for the loader itself.
 */
struct t_item {
	char	name[8];
	long	n;
};

struct t_cfg {
	char		s[8];		/* top: 0..7 bytes */
	long		i;		/* top: -5..100 */
	int		b;		/* top */
	char		hp[32];		/* top: host:port */
	char		sec_a[16];	/* sec: required, 2..15 bytes */
	long		sec_n;		/* sec: 0..10 */
	struct t_item	items[3];	/* items: 0..3 entries */
	size_t		nitems;
	char		codes[3][8];	/* codes: 0..3 post codes */
	size_t		ncodes;
};

static const struct cfg_key t_sec_keys[] = {
	{ "a", CFG_STR, offsetof(struct t_cfg, sec_a), 16, 2, 0, 1, NULL, 0,
	    NULL },
	{ "n", CFG_INT, offsetof(struct t_cfg, sec_n), sizeof(long), 0, 10, 0,
	    NULL, 0, NULL },
	{ .name = NULL }
};

static const struct cfg_key t_item_keys[] = {
	{ "name", CFG_STR, offsetof(struct t_item, name), 8, 1, 0, 1, NULL, 0,
	    NULL },
	{ "n", CFG_INT, offsetof(struct t_item, n), sizeof(long), 1, 9, 0,
	    NULL, 0, NULL },
	{ .name = NULL }
};

static const struct cfg_key t_schema[] = {
	{ "s", CFG_STR, offsetof(struct t_cfg, s), 8, 0, 0, 0, NULL, 0, NULL },
	{ "i", CFG_INT, offsetof(struct t_cfg, i), sizeof(long), -5, 100, 0,
	    NULL, 0, NULL },
	{ "b", CFG_BOOL, offsetof(struct t_cfg, b), sizeof(int), 0, 0, 0,
	    NULL, 0, NULL },
	{ "hp", CFG_STR, offsetof(struct t_cfg, hp), 32, 0, 0, 0, NULL, 0,
	    cfg_check_hostport },
	{ "sec", CFG_SECTION, 0, 0, 0, 0, 1, t_sec_keys, 0, NULL },
	{ "items", CFG_LIST, offsetof(struct t_cfg, items),
	    sizeof(struct t_item), 0, 3, 0, t_item_keys,
	    offsetof(struct t_cfg, nitems), NULL },
	{ "codes", CFG_STRLIST, offsetof(struct t_cfg, codes), 8, 0, 3, 0,
	    NULL, offsetof(struct t_cfg, ncodes), cfg_check_post_code },
	{ .name = NULL }
};

/* Output of one load, captured from errfp. */
struct capture {
	char	*buf;
	size_t	 len;
	FILE	*fp;
};

static FILE *
capture_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->fp = open_memstream(&c->buf, &c->len);
	assert_non_null(c->fp);
	return c->fp;
}

static const char *
capture_close(struct capture *c)
{
	assert_int_equal(fclose(c->fp), 0);
	return c->buf;
}

static uint8_t *
exact_copy(const char *s, size_t len)
{
	uint8_t	*p;

	p = malloc(len > 0 ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

/* Loads yaml into a pattern-filled t_cfg; asserts rc and the output, and
 * that a failed load left the struct as it was. */
static void
t_load(const char *yaml, size_t len, int want_rc, const char *want_out,
    struct t_cfg *out)
{
	struct capture	 cap;
	struct t_cfg	 t, before;
	uint8_t		*p;
	const char	*got;
	int		 rc;

	memset(&t, 0x5a, sizeof(t));
	memcpy(&before, &t, sizeof(t));
	p = exact_copy(yaml, len);
	rc = cfg_load_buf("t.yaml", p, len, t_schema, NULL, &t,
	    capture_open(&cap));
	got = capture_close(&cap);
	free(p);
	if (rc != want_rc || strcmp(got, want_out) != 0)
		fail_msg("for:\n%s\nwant rc %d and:\n%sgot rc %d and:\n%s",
		    yaml, want_rc, want_out, rc, got);
	if (rc != 0 && memcmp(&t, &before, sizeof(t)) != 0)
		fail_msg("failed load changed the struct, for:\n%s", yaml);
	free(cap.buf);
	if (out != NULL)
		memcpy(out, &t, sizeof(t));
}

#define SEC	"sec: {a: ok}\n"

static void
test_cfg_loader_bad_table(void **state)
{
	static const struct {
		const char	*yaml;
		const char	*out;
	} t[] = {
		/* Unknown keys, at the top, in a section, in a list. */
		{ SEC "x: 1\n", "t.yaml:2: unknown key \"x\"\n" },
		{ "sec:\n  a: ok\n  listn: 1\n",
		    "t.yaml:3: unknown key \"listn\" in \"sec\"\n" },
		{ SEC "items:\n  - name: a\n    nam: b\n",
		    "t.yaml:4: unknown key \"nam\" in \"items\"\n" },
		{ SEC "\"a\\x01\\\"b\": 1\n",
		    "t.yaml:2: unknown key \"a\\x01\\\"b\"\n" },
		{ SEC "? [k]\n: 1\n",
		    "t.yaml:2: a key must be a name, not a list\n" },
		/* Wrong types. */
		{ SEC "i: abc\n",
		    "t.yaml:2: \"i\" must be an integer, got \"abc\"\n" },
		{ SEC "i: 12abc\n",
		    "t.yaml:2: \"i\" must be an integer, got \"12abc\"\n" },
		{ SEC "i: 1e3\n",
		    "t.yaml:2: \"i\" must be an integer, got \"1e3\"\n" },
		{ SEC "i: 0x10\n",
		    "t.yaml:2: \"i\" must be an integer, got \"0x10\"\n" },
		{ SEC "i: +5\n",
		    "t.yaml:2: \"i\" must be an integer, got \"+5\"\n" },
		{ SEC "i: 1.0\n",
		    "t.yaml:2: \"i\" must be an integer, got \"1.0\"\n" },
		{ SEC "i: -x\n",
		    "t.yaml:2: \"i\" must be an integer, got \"-x\"\n" },
		{ SEC "i: 010\n", "t.yaml:2: \"i\" must be a decimal integer "
		    "without leading zeros, got \"010\"\n" },
		{ SEC "i: \"5\"\n",
		    "t.yaml:2: \"i\" must be an integer, not a quoted "
		    "string\n" },
		{ SEC "i: '5'\n",
		    "t.yaml:2: \"i\" must be an integer, not a quoted "
		    "string\n" },
		{ SEC "i:\n", "t.yaml:2: \"i\" must be an integer, not "
		    "empty\n" },
		{ SEC "i: ~\n", "t.yaml:2: \"i\" must be an integer, not "
		    "empty\n" },
		{ SEC "i: [1]\n",
		    "t.yaml:2: \"i\" must be an integer, not a list\n" },
		{ SEC "i: {a: 1}\n",
		    "t.yaml:2: \"i\" must be an integer, not a mapping\n" },
		{ SEC "b: yes\n", "t.yaml:2: \"b\" must be true or false\n" },
		{ SEC "b: 1\n", "t.yaml:2: \"b\" must be true or false\n" },
		{ SEC "b: True\n", "t.yaml:2: \"b\" must be true or false\n" },
		{ SEC "b: \"true\"\n", "t.yaml:2: \"b\" must be true or "
		    "false\n" },
		{ SEC "b: [true]\n", "t.yaml:2: \"b\" must be true or "
		    "false\n" },
		{ SEC "s: [a]\n",
		    "t.yaml:2: \"s\" must be a string, not a list\n" },
		{ SEC "s: {a: b}\n",
		    "t.yaml:2: \"s\" must be a string, not a mapping\n" },
		{ "sec: ok\n",
		    "t.yaml:1: \"sec\" must be a mapping, not a single "
		    "value\n" },
		{ "sec:\n", "t.yaml:1: \"sec\" must be a mapping, not "
		    "empty\n" },
		{ "sec: [a]\n",
		    "t.yaml:1: \"sec\" must be a mapping, not a list\n" },
		{ SEC "items: {name: a}\n",
		    "t.yaml:2: \"items\" must be a list, not a mapping\n" },
		{ SEC "items: a\n",
		    "t.yaml:2: \"items\" must be a list, not a single "
		    "value\n" },
		{ SEC "items:\n  - a\n  - [b]\n",
		    "t.yaml:3: each entry of \"items\" must be a mapping, not "
		    "a single value\n"
		    "t.yaml:4: each entry of \"items\" must be a mapping, not "
		    "a "
		    "list\n" },
		/* Out of range, overflow included. */
		{ SEC "i: 101\n", "t.yaml:2: \"i\" must be -5..100, got "
		    "101\n" },
		{ SEC "i: -6\n", "t.yaml:2: \"i\" must be -5..100, got -6\n" },
		{ SEC "i: 9223372036854775808\n", "t.yaml:2: \"i\" must be "
		    "-5..100, got 9223372036854775808\n" },
		{ SEC "i: -99999999999999999999999999999999\n",
		    "t.yaml:2: \"i\" must be -5..100, got "
		    "-99999999999999999999999...\n" },
		{ "sec: {a: ok, n: 11}\n",
		    "t.yaml:1: \"n\" must be 0..10, got 11\n" },
		/* Strings: length, control characters, checks. */
		{ SEC "s: abcdefgh\n", "t.yaml:2: \"s\" must be at most 7 "
		    "bytes "
		    "long, got 8\n" },
		{ "sec: {a: x}\n",
		    "t.yaml:1: \"a\" must be 2..15 bytes long, got 1\n" },
		{ "sec: {a: \"\"}\n", "t.yaml:1: \"a\" must not be empty\n" },
		{ "sec: {a: }\n", "t.yaml:1: \"a\" must not be empty\n" },
		{ SEC "s: \"a\\tb\"\n",
		    "t.yaml:2: \"s\" must not contain control characters\n" },
		{ SEC "s: \"a\\0b\"\n",
		    "t.yaml:2: \"s\" must not contain control characters\n" },
		{ SEC "s: \"\\x7f\"\n",
		    "t.yaml:2: \"s\" must not contain control characters\n" },
		{ SEC "s: \"\\x85\"\n",
		    "t.yaml:2: \"s\" must not contain control characters\n" },
		{ SEC "s: |\n  a\n  b\n",
		    "t.yaml:2: \"s\" must not contain control characters\n" },
		{ SEC "hp: localhost\n", "t.yaml:2: \"hp\": expected "
		    "\"host:port\" (IPv6 as \"[::1]:8443\"), got "
		    "\"localhost\"\n" },
		{ SEC "hp: \"a:0\"\n", "t.yaml:2: \"hp\": the port must be "
		    "1..65535, got \"a:0\"\n" },
		/* Missing required keys: at the line of the enclosing key. */
		{ "s: a\n", "t.yaml:1: missing required key \"sec\"\n" },
		{ "s: a\nsec:\n  n: 1\n",
		    "t.yaml:2: missing required key \"a\" in \"sec\"\n" },
		{ SEC "items:\n  - n: 1\n",
		    "t.yaml:3: missing required key \"name\" in \"items\"\n" },
		/* Duplicates. */
		{ SEC "i: 1\ni: 2\n",
		    "t.yaml:3: duplicate key \"i\" (first on line 2)\n" },
		{ "sec:\n  a: ok\n  a: ok\n", "t.yaml:3: duplicate key \"a\" "
		    "in "
		    "\"sec\" (first on line 2)\n" },
		{ SEC "sec: {a: ok}\n",
		    "t.yaml:2: duplicate key \"sec\" (first on line 1)\n" },
		/* Lists too long (the entries that fit are still checked). */
		{ SEC "items: [{name: a}, {name: b}, {name: c}, {name: d}]\n",
		    "t.yaml:2: \"items\" must have 0..3 entries, got 4\n" },
		{ SEC "items:\n- {name: a}\n- {name: b, n: 0}\n- {name: c}\n"
		    "- {name: d}\n",
		    "t.yaml:2: \"items\" must have 0..3 entries, got 4\n"
		    "t.yaml:4: \"n\" must be 1..9, got 0\n" },
		/* Lists of strings: the list, then each entry. */
		{ SEC "codes: AB\n",
		    "t.yaml:2: \"codes\" must be a list, not a single "
		    "value\n" },
		{ SEC "codes:\n",
		    "t.yaml:2: \"codes\" must be a list, not empty\n" },
		{ SEC "codes: {AB: CD}\n",
		    "t.yaml:2: \"codes\" must be a list, not a mapping\n" },
		{ SEC "codes:\n  - AB\n  - [CD]\n  - {x: y}\n",
		    "t.yaml:4: each entry of \"codes\" must be a string, not a "
		    "list\n"
		    "t.yaml:5: each entry of \"codes\" must be a string, not a "
		    "mapping\n" },
		{ SEC "codes: [AB, \"\"]\n",
		    "t.yaml:2: \"codes\" must not be empty\n" },
		{ SEC "codes:\n  - AB\n  -\n",
		    "t.yaml:4: \"codes\" must not be empty\n" },
		{ SEC "codes: [AB, ~]\n",
		    "t.yaml:2: \"codes\" must not be empty\n" },
		{ SEC "codes: [ABCDEFGH]\n", "t.yaml:2: \"codes\" must be at "
		    "most 7 bytes long, got 8\n" },
		{ SEC "codes: [\"A\\tB\"]\n", "t.yaml:2: \"codes\" must not "
		    "contain control characters\n" },
		{ SEC "codes: [ab]\n", "t.yaml:2: \"codes\": expected 2..16 "
		    "capital letters or digits, got \"ab\"\n" },
		{ SEC "codes: [AB, CD, EF, GH]\n",
		    "t.yaml:2: \"codes\" must have 0..3 entries, got 4\n" },
		{ SEC "codes:\n- AB\n- x\n- CD\n- EF\n",
		    "t.yaml:2: \"codes\" must have 0..3 entries, got 4\n"
		    "t.yaml:4: \"codes\": expected 2..16 capital letters or "
		    "digits, got \"x\"\n" },
		{ SEC "codes: [AB]\ncodes: [CD]\n", "t.yaml:3: duplicate key "
		    "\"codes\" (first on line 2)\n" },
		/* The document as a whole. */
		{ "", "t.yaml:1: the file is empty: no configuration\n" },
		{ "# only a comment\n\n",
		    "t.yaml:1: the file is empty: no configuration\n" },
		{ "---\n...\n",
		    "t.yaml:1: the file is empty: no configuration\n" },
		{ "- a\n- b\n", "t.yaml:1: the top level must be a mapping of "
		    "sections, not a list\n" },
		{ "just text\n", "t.yaml:1: the top level must be a mapping of "
		    "sections, not a single value\n" },
		{ SEC "---\ni: 1\n",
		    "t.yaml:2: only one YAML document is allowed\n" },
		{ SEC "i: [1\ns: a\n", "t.yaml:3: YAML syntax error: did not "
		    "find expected ',' or ']' (while parsing a flow sequence "
		    "on line 2)\n" },
		{ SEC "s: a: b\n", "t.yaml:2: YAML syntax error: mapping "
		    "values "
		    "are not allowed in this context\n" },
		{ "sec:\n\ta: ok\n", "t.yaml:2: YAML syntax error: while "
		    "scanning for the next token found character that cannot "
		    "start any token (indent with spaces: YAML does not allow "
		    "tabs)\n" },
		{ SEC "s: \"abc\n", "t.yaml:3: YAML syntax error: found "
		    "unexpected end of stream (while scanning a quoted scalar "
		    "on line 2)\n" },
		{ SEC "s: *nowhere\n", "t.yaml:2: YAML syntax error: found "
		    "undefined alias\n" },
		{ SEC "s: \xc3\x28\n", "t.yaml:2: YAML syntax error: invalid "
		    "trailing UTF-8 octet\n" },
		/* Every problem in one run, in line order. */
		{ "i: 1000\nsec:\n  n: x\nb: maybe\nzz: 1\ni: 2\n",
		    "t.yaml:1: \"i\" must be -5..100, got 1000\n"
		    "t.yaml:2: missing required key \"a\" in \"sec\"\n"
		    "t.yaml:3: \"n\" must be an integer, got \"x\"\n"
		    "t.yaml:4: \"b\" must be true or false\n"
		    "t.yaml:5: unknown key \"zz\"\n"
		    "t.yaml:6: duplicate key \"i\" (first on line 1)\n" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		t_load(t[i].yaml, strlen(t[i].yaml), ERR_INVAL, t[i].out, NULL);
}

static void
test_cfg_loader_nul_byte(void **state)
{
	static const char	yaml[] = "sec: {a: ok}\ns: a\0b\n";

	(void)state;
	t_load(yaml, sizeof(yaml) - 1, ERR_INVAL, "t.yaml:2: YAML syntax "
	    "error: control characters are not allowed\n", NULL);
}

static void
test_cfg_loader_valid(void **state)
{
	struct t_cfg	t;
	static const char yaml[] =
	    "# a comment\n"
	    "s: \"quoted\"\n"
	    "i: -5\n"
	    "b: false\n"
	    "hp: \"[::1]:8443\"\n"
	    "sec:\n"
	    "  a: \"Алматы\"\n"
	    "  n: 0\n"
	    "items:\n"
	    "  - name: one\n"
	    "    n: 9\n"
	    "  - {name: two}\n"
	    "  - name: 123\n"
	    "codes: [AB, \"CD\"]\n";

	(void)state;
	t_load(yaml, sizeof(yaml) - 1, 0, "", &t);
	assert_string_equal(t.s, "quoted");
	assert_int_equal(t.i, -5);
	assert_int_equal(t.b, 0);
	assert_string_equal(t.hp, "[::1]:8443");
	assert_string_equal(t.sec_a, "Алматы");
	assert_int_equal(t.sec_n, 0);
	assert_int_equal(t.nitems, 3);
	assert_string_equal(t.items[0].name, "one");
	assert_int_equal(t.items[0].n, 9);
	assert_string_equal(t.items[1].name, "two");
	assert_int_equal(t.items[1].n, 0);	/* entries start zeroed */
	assert_string_equal(t.items[2].name, "123");
	assert_int_equal(t.ncodes, 2);
	assert_string_equal(t.codes[0], "AB");
	assert_string_equal(t.codes[1], "CD");
	assert_string_equal(t.codes[2], "");	/* starts zeroed */

	/* Boundaries that pass; keys left out keep what was there. */
	t_load("sec: {a: ok}\ni: 100\ns: abcdefg\nb: true\nitems: []\n",
	    strlen("sec: {a: ok}\ni: 100\ns: abcdefg\nb: true\nitems: []\n"),
	    0, "", &t);
	assert_int_equal(t.i, 100);
	assert_string_equal(t.s, "abcdefg");
	assert_int_equal(t.b, 1);
	assert_int_equal(t.nitems, 0);
	assert_memory_equal(t.hp, "ZZZZ", 4);	/* 0x5a: untouched */
	assert_int_equal(t.ncodes, 0x5a5a5a5a5a5a5a5aULL); /* untouched */
	t_load("sec: {a: ok}\ncodes: []\n", strlen("sec: {a: ok}\n"
	    "codes: []\n"), 0, "", &t);
	assert_int_equal(t.ncodes, 0);
	assert_string_equal(t.codes[0], "");
	t_load("sec: {a: ok}\ni: -0\ns: ~\n", strlen("sec: {a: ok}\ni: -0\n"
	    "s: ~\n"), 0, "", &t);
	assert_int_equal(t.i, 0);
	assert_string_equal(t.s, "");
}

/* A whole-file check sees each list entry's line, and what it reports joins
 * the other problems in line order. */
static void
t_codes_check(struct cfg_ctx *ctx, const void *obj)
{
	const struct t_cfg	*t = obj;
	size_t			 i, j, at = offsetof(struct t_cfg, codes);
	int			 li, lj;

	if (cfg_line(ctx, offsetof(struct t_cfg, ncodes)) <= 0)
		return;
	for (i = 1; i < t->ncodes; i++) {
		li = cfg_line(ctx, at + i * sizeof(t->codes[0]));
		for (j = 0; j < i; j++) {
			lj = cfg_line(ctx, at + j * sizeof(t->codes[0]));
			if (li > 0 && lj > 0 &&
			    strcmp(t->codes[i], t->codes[j]) == 0)
				cfg_report(ctx, li, "duplicate code \"%s\" "
				    "(first on line %d)", t->codes[i], lj);
		}
	}
}

static void
test_cfg_loader_strlist_lines(void **state)
{
	static const char yaml[] =
	    "sec: {a: ok}\n"
	    "codes:\n"
	    "  - AB\n"
	    "  - cd\n"
	    "  - AB\n"
	    "i: 500\n";
	struct capture	 cap;
	struct t_cfg	 t;
	uint8_t		*p;
	const char	*got;
	int		 rc;

	(void)state;
	memset(&t, 0, sizeof(t));
	p = exact_copy(yaml, sizeof(yaml) - 1);
	rc = cfg_load_buf("t.yaml", p, sizeof(yaml) - 1, t_schema,
	    t_codes_check, &t, capture_open(&cap));
	got = capture_close(&cap);
	free(p);
	assert_int_equal(rc, ERR_INVAL);
	assert_string_equal(got,
	    "t.yaml:4: \"codes\": expected 2..16 capital letters or digits, "
	    "got \"cd\"\n"
	    "t.yaml:5: duplicate code \"AB\" (first on line 3)\n"
	    "t.yaml:6: \"i\" must be -5..100, got 500\n");
	assert_int_equal(t.ncodes, 0);		/* untouched */
	free(cap.buf);
}

static void
test_cfg_loader_too_many_problems(void **state)
{
	struct capture	 cap;
	struct t_cfg	 t;
	char		*yaml, *p;
	const char	*got;
	size_t		 i, lines;
	int		 rc;

	(void)state;
	yaml = malloc(200 * 16 + 32);
	assert_non_null(yaml);
	p = yaml + snprintf(yaml, 32, "sec: {a: ok}\n");
	for (i = 0; i < 200; i++)
		p += snprintf(p, 16, "k%zu: 1\n", i);
	memset(&t, 0, sizeof(t));
	rc = cfg_load_buf("t.yaml", (const uint8_t *)yaml, strlen(yaml),
	    t_schema, NULL, &t, capture_open(&cap));
	got = capture_close(&cap);
	assert_int_equal(rc, ERR_INVAL);
	for (lines = 0, p = cap.buf; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, CFG_ERRORS_MAX + 1);
	assert_non_null(strstr(got, "t.yaml:2: unknown key \"k0\"\n"));
	assert_non_null(strstr(got,
	    "t.yaml: too many problems, stopped after 100\n"));
	free(cap.buf);
	free(yaml);
}

/* Deep nesting must neither crash nor pass. */
static void
test_cfg_loader_deep_nesting(void **state)
{
	struct capture	 cap;
	struct t_cfg	 t;
	char		*yaml;
	size_t		 n = 100000, i;
	int		 rc;

	(void)state;
	yaml = malloc(2 * n + 16);
	assert_non_null(yaml);
	memcpy(yaml, "s: ", 3);
	for (i = 0; i < n; i++)
		yaml[3 + i] = '[';
	for (i = 0; i < n; i++)
		yaml[3 + n + i] = ']';
	memset(&t, 0, sizeof(t));
	rc = cfg_load_buf("t.yaml", (const uint8_t *)yaml, 3 + 2 * n,
	    t_schema, NULL, &t, capture_open(&cap));
	capture_close(&cap);
	assert_int_equal(rc, ERR_INVAL);
	assert_int_equal(strncmp(cap.buf, "t.yaml:1: ", 10), 0);
	free(cap.buf);
	free(yaml);
}

static void
test_cfg_check_hostport_table(void **state)
{
	static const struct {
		const char	*val;
		const char	*why;	/* NULL: valid */
	} t[] = {
		{ "127.0.0.1:8180", NULL }, { "localhost:1", NULL },
		{ "centre.example.kz:65535", NULL }, { "0.0.0.0:8443", NULL },
		{ "[::1]:8443", NULL }, { "[::]:443", NULL },
		{ "[2001:db8::1]:8443", NULL },
		{ "[::ffff:10.0.0.1]:80", NULL },
		{ "localhost", "expected \"host:port\" (IPv6 as "
		    "\"[::1]:8443\"), got \"localhost\"" },
		{ "host:0", "the port must be 1..65535, got \"host:0\"" },
		{ "host:65536", "the port must be 1..65535, got "
		    "\"host:65536\"" },
		{ "host:080", "the port must be 1..65535, got \"host:080\"" },
		{ "host:", "the port must be 1..65535, got \"host:\"" },
		{ "host:123456", "the port must be 1..65535, got "
		    "\"host:123456\"" },
		{ "host:8x", "the port must be 1..65535, got \"host:8x\"" },
		{ "host:-1", "the port must be 1..65535, got \"host:-1\"" },
		{ ":8443", "expected \"host:port\", the host is empty in "
		    "\":8443\"" },
		{ "::1:8443", "an IPv6 address must be in brackets, as "
		    "\"[::1]:8443\", got \"::1:8443\"" },
		{ "[::1]", "expected \"[address]:port\", got \"[::1]\"" },
		{ "[::1:8443", "IPv6 address has no closing \"]\", got "
		    "\"[::1:8443\"" },
		{ "[]:8443", "expected an IPv6 address in brackets, got "
		    "\"[]:8443\"" },
		{ "[1.2.3.4]:80", "expected an IPv6 address in brackets, got "
		    "\"[1.2.3.4]:80\"" },
		{ "[::g]:80", "expected an IPv6 address in brackets, got "
		    "\"[::g]:80\"" },
		{ "a b:80", "the host may have only letters, digits, \".\" and "
		    "\"-\", got \"a b:80\"" },
		{ "", "expected \"host:port\" (IPv6 as \"[::1]:8443\"), got "
		    "\"\"" },
	};
	char	why[256];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why[0] = '\0';
		rc = cfg_check_hostport(t[i].val, why, sizeof(why));
		if (t[i].why == NULL && rc != 0)
			fail_msg("%s: want valid, got %s", t[i].val, why);
		if (t[i].why != NULL &&
		    (rc != -1 || strcmp(why, t[i].why) != 0))
			fail_msg("%s: want \"%s\", got %d \"%s\"", t[i].val,
			    t[i].why, rc, why);
	}
}

static void
test_cfg_check_small_table(void **state)
{
	static const struct {
		int		(*check)(const char *, char *, size_t);
		const char	*val;
		int		 ok;
	} t[] = {
		{ cfg_check_post_code, "ALA01", 1 },
		{ cfg_check_post_code, "AB", 1 },
		{ cfg_check_post_code, "ABCDEFGHIJKLMNOP", 1 },
		{ cfg_check_post_code, "A", 0 },
		{ cfg_check_post_code, "ABCDEFGHIJKLMNOPQ", 0 },
		{ cfg_check_post_code, "ala01", 0 },
		{ cfg_check_post_code, "ALA-01", 0 },
		{ cfg_check_post_code, "", 0 },
		{ cfg_check_log_level, "warn", 1 },
		{ cfg_check_log_level, "info", 1 },
		{ cfg_check_log_level, "debug", 1 },
		{ cfg_check_log_level, "DEBUG", 1 },
		{ cfg_check_log_level, "verbose", 0 },
		{ cfg_check_log_level, "", 0 },
		{ cfg_check_user, "shekara", 1 },
		{ cfg_check_user, "_shekara-1.x", 1 },
		{ cfg_check_user, "", 1 },
		{ cfg_check_user, "-root", 0 },
		{ cfg_check_user, "a b", 0 },
		{ cfg_check_user, "a/b", 0 },
	};
	char	why[256];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why[0] = '\0';
		rc = t[i].check(t[i].val, why, sizeof(why));
		if ((rc == 0) != t[i].ok)
			fail_msg("entry %zu \"%s\": want %s, got %d", i,
			    t[i].val, t[i].ok ? "valid" : "invalid", rc);
		if (!t[i].ok && why[0] == '\0')
			fail_msg("entry %zu \"%s\": no reason", i, t[i].val);
	}
	why[0] = '\0';
	assert_int_equal(cfg_check_post_code("ala01", why, sizeof(why)), -1);
	assert_string_equal(why,
	    "expected 2..16 capital letters or digits, got \"ala01\"");
}

/*
 * checkpoint.yaml
 */
static const char ck_minimal[] =
    "post:\n"
    "  code: ALA01\n"
    "store:\n"
    "  path: /var/lib/shekara/checkpoint.db\n"
    "centre:\n"
    "  url: https://centre.example:8443\n"
    "  ca_file: /etc/shekara/ca.crt\n"
    "  cert_file: /etc/shekara/post.crt\n"
    "  key_file: /etc/shekara/post.key\n";

static int
ck_load(const char *yaml, size_t len, struct ck_cfg *c, const char *want_out)
{
	struct capture	 cap;
	struct ck_cfg	 before;
	uint8_t		*p;
	const char	*got;
	int		 rc;

	memcpy(&before, c, sizeof(before));
	p = exact_copy(yaml, len);
	rc = ck_cfg_load_buf(c, "ck.yaml", p, len, capture_open(&cap));
	got = capture_close(&cap);
	free(p);
	if (strcmp(got, want_out) != 0)
		fail_msg("got rc %d and:\n%swant:\n%sfor:\n%.300s", rc, got,
		    want_out, yaml);
	if (rc != 0 && memcmp(c, &before, sizeof(before)) != 0)
		fail_msg("failed load changed the struct, for:\n%s", yaml);
	free(cap.buf);
	return rc;
}

static void
test_ck_cfg_defaults(void **state)
{
	struct ck_cfg	c;

	(void)state;
	ck_cfg_init(&c);
	assert_int_equal(ck_load(ck_minimal, sizeof(ck_minimal) - 1, &c, ""),
	    0);
	assert_string_equal(c.post_code, "ALA01");
	assert_string_equal(c.post_name, "");
	assert_string_equal(c.lane_listen, "127.0.0.1:8180");
	assert_int_equal(c.lane_max_body, 65536);
	assert_string_equal(c.store_path, "/var/lib/shekara/checkpoint.db");
	assert_string_equal(c.centre_url, "https://centre.example:8443");
	assert_string_equal(c.ca_file, "/etc/shekara/ca.crt");
	assert_string_equal(c.cert_file, "/etc/shekara/post.crt");
	assert_string_equal(c.key_file, "/etc/shekara/post.key");
	assert_int_equal(c.batch_max, 500);
	assert_int_equal(c.push_interval_ms, 1000);
	assert_int_equal(c.backoff_min_ms, 500);
	assert_int_equal(c.backoff_max_ms, 30000);
	assert_int_equal(c.timeout_ms, 10000);
	assert_int_equal(c.feed_max_age_s, 86400);
	assert_string_equal(c.log_level, "info");
	assert_string_equal(c.user, "");

	/* A value given is the value taken. */
	{
		static const char	feed[] = "feed:\n  max_age_s: 3600\n";
		char			buf[sizeof(ck_minimal) + sizeof(feed)];

		(void)snprintf(buf, sizeof(buf), "%s%s", ck_minimal, feed);
		ck_cfg_init(&c);
		assert_int_equal(ck_load(buf, strlen(buf), &c, ""), 0);
		assert_int_equal(c.feed_max_age_s, 3600);
	}
}

static void
test_ck_cfg_bad_table(void **state)
{
	static const char	head[] =
	    "post:\n"			/* 1 */
	    "  code: ALA01\n"		/* 2 */
	    "store:\n"			/* 3 */
	    "  path: /x.db\n"		/* 4 */
	    "centre:\n"			/* 5 */
	    "  url: https://c:1\n"	/* 6 */
	    "  ca_file: ca\n"		/* 7 */
	    "  cert_file: crt\n"	/* 8 */
	    "  key_file: key\n";	/* 9 */
	static const struct {
		const char	*tail;	/* from line 10, in centre: */
		const char	*out;
	} t[] = {
		{ "  batch_max: 0\n",
		    "ck.yaml:10: \"batch_max\" must be 1..1000, got 0\n" },
		{ "  batch_max: 1001\n",
		    "ck.yaml:10: \"batch_max\" must be 1..1000, got 1001\n" },
		{ "  timeout_ms: 99\n",
		    "ck.yaml:10: \"timeout_ms\" must be 100..600000, got "
		    "99\n" },
		{ "  push_interval_ms: 9\n", "ck.yaml:10: \"push_interval_ms\" "
		    "must be 10..3600000, got 9\n" },
		{ "  backoff_min_ms: 2000\n  backoff_max_ms: 1000\n",
		    "ck.yaml:10: \"backoff_min_ms\" (2000) must not exceed "
		    "\"backoff_max_ms\" (1000)\n" },
		{ "  backoff_min_ms: 30001\n",
		    "ck.yaml:10: \"backoff_min_ms\" (30001) must not exceed "
		    "\"backoff_max_ms\" (30000, the default)\n" },
		{ "  backoff_max_ms: 499\n",
		    "ck.yaml:10: \"backoff_min_ms\" (500) must not exceed "
		    "\"backoff_max_ms\" (499)\n" },
		/* A bad bound is reported once, not compared. */
		{ "  backoff_min_ms: 2000\n  backoff_max_ms: x\n",
		    "ck.yaml:11: \"backoff_max_ms\" must be an integer, got "
		    "\"x\"\n" },
		{ "lane_api:\n  listen: \"[::1]\"\n  max_body_bytes: 2000000\n",
		    "ck.yaml:11: \"listen\": expected \"[address]:port\", got "
		    "\"[::1]\"\n"
		    "ck.yaml:12: \"max_body_bytes\" must be 1024..1048576, got "
		    "2000000\n" },
		{ "log: {level: trace}\n", "ck.yaml:10: \"level\": expected "
		    "warn, info or debug, got \"trace\"\n" },
		{ "run_as: {user: \"root;\"}\n", "ck.yaml:10: \"user\": "
		    "expected "
		    "a user name of letters, digits, \".\", \"_\" and \"-\", "
		    "got "
		    "\"root;\"\n" },
		{ "post: {code: ALA02}\n",
		    "ck.yaml:10: duplicate key \"post\" (first on line 1)\n" },
		{ "lane_api: {port: 1}\n",
		    "ck.yaml:10: unknown key \"port\" in \"lane_api\"\n" },
	};
	static const struct {
		const char	*yaml;
		const char	*out;
	} whole[] = {
		{ "post: {code: ALA01}\n", "ck.yaml:1: missing required key "
		    "\"store\"\nck.yaml:1: missing required key \"centre\"\n" },
		{ "post: {name: x}\nstore: {path: p}\ncentre: {url: "
		    "\"https://h\", ca_file: a, cert_file: b, key_file: c}\n",
		    "ck.yaml:1: missing required key \"code\" in \"post\"\n" },
		{ "post: {code: ALA01}\nstore: {path: p}\ncentre: {url: "
		    "\"http://h\", ca_file: a, cert_file: b, key_file: c}\n",
		    "ck.yaml:3: \"url\": expected \"https://\" and a host, as "
		    "\"https://centre.example:8443\", got \"http://h\"\n" },
		{ "post: {code: ALA01}\nstore: {path: p}\ncentre: {url: "
		    "\"https://\", ca_file: a, cert_file: b, key_file: c}\n",
		    "ck.yaml:3: \"url\": expected \"https://\" and a host, as "
		    "\"https://centre.example:8443\", got \"https://\"\n" },
		{ "post: {code: ALA01}\nstore: {path: p}\ncentre: {url: "
		    "\"https://a b\", ca_file: a, cert_file: b, key_file: c}\n",
		    "ck.yaml:3: \"url\": a URL must not contain spaces\n" },
	};
	struct ck_cfg	c;
	char		yaml[1024];
	size_t		i;
	int		n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = snprintf(yaml, sizeof(yaml), "%s%s", head, t[i].tail);
		assert_true(n > 0 && (size_t)n < sizeof(yaml));
		ck_cfg_init(&c);
		assert_int_equal(ck_load(yaml, (size_t)n, &c, t[i].out),
		    ERR_INVAL);
	}
	for (i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		ck_cfg_init(&c);
		assert_int_equal(ck_load(whole[i].yaml, strlen(whole[i].yaml),
		    &c, whole[i].out), ERR_INVAL);
	}
}

static void
test_ck_cfg_example_file(void **state)
{
	struct capture	cap;
	struct ck_cfg	c;
	int		rc;

	(void)state;
	ck_cfg_init(&c);
	rc = ck_cfg_load(&c, "config/checkpoint.yaml", capture_open(&cap));
	capture_close(&cap);
	if (rc != 0)
		fail_msg("config/checkpoint.yaml (run from the repository "
		    "root): %s", cap.buf);
	free(cap.buf);
	assert_string_equal(c.post_code, "ALA01");
	assert_string_equal(c.post_name, "Almaty airport");
	assert_string_equal(c.lane_listen, "127.0.0.1:8180");
	assert_int_equal(c.lane_max_body, 65536);
	assert_string_equal(c.store_path, "/var/lib/shekara/checkpoint.db");
	assert_string_equal(c.centre_url,
	    "https://centre.shekara.example:8443");
	assert_string_equal(c.ca_file, "/etc/shekara/ca.crt");
	assert_string_equal(c.cert_file, "/etc/shekara/post.crt");
	assert_string_equal(c.key_file, "/etc/shekara/post.key");
	assert_int_equal(c.batch_max, 500);
	assert_int_equal(c.push_interval_ms, 1000);
	assert_int_equal(c.backoff_min_ms, 500);
	assert_int_equal(c.backoff_max_ms, 30000);
	assert_int_equal(c.timeout_ms, 10000);
	assert_int_equal(c.feed_max_age_s, 86400);
	assert_string_equal(c.log_level, "info");
	assert_string_equal(c.user, "shekara");
}

static void
test_ck_cfg_file_errors(void **state)
{
	struct capture	 cap;
	struct ck_cfg	 c, before;
	char		 path[] = "/tmp/test_cfg.XXXXXX", want[256];
	const char	*got;
	FILE		*fp;
	int		 fd, rc;

	(void)state;
	ck_cfg_init(&c);
	memcpy(&before, &c, sizeof(c));
	rc = ck_cfg_load(&c, "/nonexistent/checkpoint.yaml",
	    capture_open(&cap));
	got = capture_close(&cap);
	assert_int_equal(rc, ERR_IO);
	assert_string_equal(got, "/nonexistent/checkpoint.yaml: cannot read: "
	    "No such file or directory\n");
	free(cap.buf);
	rc = ck_cfg_load(&c, "config", capture_open(&cap));
	got = capture_close(&cap);
	assert_int_equal(rc, ERR_IO);
	assert_string_equal(got, "config: not a regular file\n");
	free(cap.buf);
	assert_memory_equal(&c, &before, sizeof(c));

	/* A real file: messages carry its path. */
	fd = mkstemp(path);
	assert_true(fd != -1);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fprintf(fp, "%s  batch_max: 0\n", ck_minimal);
	assert_int_equal(fclose(fp), 0);
	rc = ck_cfg_load(&c, path, capture_open(&cap));
	got = capture_close(&cap);
	assert_int_equal(rc, ERR_INVAL);
	snprintf(want, sizeof(want), "%s:10: \"batch_max\" must be 1..1000, "
	    "got 0\n", path);
	assert_string_equal(got, want);
	free(cap.buf);
	assert_memory_equal(&c, &before, sizeof(c));
	assert_int_equal(unlink(path), 0);
}

/*
 * central.yaml
 */
static const char cen_head[] =
    "tls:\n"					/* 1 */
    "  cert_file: /etc/shekara/centre.crt\n"	/* 2 */
    "  key_file: /etc/shekara/centre.key\n"	/* 3 */
    "  client_ca_file: /etc/shekara/ca.crt\n"	/* 4 */
    "database:\n"				/* 5 */
    "  conninfo: \"dbname=shekara\"\n";		/* 6 */

static int
cen_load(const char *yaml, size_t len, struct cen_cfg *c,
    const char *want_out)
{
	struct capture	 cap;
	struct cen_cfg	*before;
	uint8_t		*p;
	const char	*got;
	int		 rc;

	before = malloc(sizeof(*before));
	assert_non_null(before);
	memcpy(before, c, sizeof(*before));
	p = exact_copy(yaml, len);
	rc = cen_cfg_load_buf(c, "cen.yaml", p, len, capture_open(&cap));
	got = capture_close(&cap);
	free(p);
	if (strcmp(got, want_out) != 0)
		fail_msg("got rc %d and:\n%swant:\n%sfor:\n%.300s", rc, got,
		    want_out, yaml);
	if (rc != 0 && memcmp(c, before, sizeof(*before)) != 0)
		fail_msg("failed load changed the struct, for:\n%s", yaml);
	free(before);
	free(cap.buf);
	return rc;
}

static void
test_cen_cfg_defaults(void **state)
{
	struct cen_cfg	*c;
	char		 yaml[1024];
	int		 n;

	(void)state;
	c = malloc(sizeof(*c));
	assert_non_null(c);
	cen_cfg_init(c);
	n = snprintf(yaml, sizeof(yaml), "%sposts:\n  - code: ALA01\n"
	    "    cert_cn: post-ALA01\n", cen_head);
	assert_int_equal(cen_load(yaml, (size_t)n, c, ""), 0);
	assert_string_equal(c->listen, "0.0.0.0:8443");
	assert_int_equal(c->max_body, 4194304);
	assert_int_equal(c->max_batch, 1000);
	assert_int_equal(c->max_clients, 512);
	assert_string_equal(c->cert_file, "/etc/shekara/centre.crt");
	assert_string_equal(c->key_file, "/etc/shekara/centre.key");
	assert_string_equal(c->client_ca_file, "/etc/shekara/ca.crt");
	assert_string_equal(c->crl_file, "");
	assert_string_equal(c->conninfo, "dbname=shekara");
	assert_int_equal(c->nposts, 1);
	assert_string_equal(c->posts[0].code, "ALA01");
	assert_string_equal(c->posts[0].cert_cn, "post-ALA01");
	assert_string_equal(c->posts[0].cert_sha256, "");
	assert_string_equal(c->log_level, "info");
	assert_string_equal(c->user, "");
	assert_string_equal(c->feed_key_file, "");
	assert_int_equal(c->feed_batch_max, 5000);

	/* A reload with fewer posts leaves no stale entry behind. */
	n = snprintf(yaml, sizeof(yaml), "%sposts:\n  - code: NQZ01\n"
	    "    cert_cn: post-NQZ01\n  - code: KHR02\n    cert_cn: k\n",
	    cen_head);
	assert_int_equal(cen_load(yaml, (size_t)n, c, ""), 0);
	assert_int_equal(c->nposts, 2);
	n = snprintf(yaml, sizeof(yaml), "%sposts: [{code: AB, cert_cn: x}]\n",
	    cen_head);
	assert_int_equal(cen_load(yaml, (size_t)n, c, ""), 0);
	assert_int_equal(c->nposts, 1);
	assert_string_equal(c->posts[0].code, "AB");
	assert_string_equal(c->posts[1].code, "");
	free(c);
}

static void
test_cen_cfg_bad_table(void **state)
{
	static const struct {
		const char	*tail;	/* from line 7 */
		const char	*out;
	} t[] = {
		{ "posts:\n"				/* 7 */
		  "  - code: ALA01\n"			/* 8 */
		  "    cert_cn: post-ALA01\n"		/* 9 */
		  "  - code: ALA01\n"			/* 10 */
		  "    cert_cn: other\n"		/* 11 */
		  "  - code: NQZ01\n"			/* 12 */
		  "    cert_cn: post-ALA01\n"		/* 13 */
		  "  - code: NQZ01\n"			/* 14 */
		  "    cert_cn: post-ALA01\n",		/* 15 */
		    "cen.yaml:10: duplicate post code \"ALA01\" (first on "
		    "line 8)\n"
		    "cen.yaml:13: duplicate cert_cn \"post-ALA01\" (first on "
		    "line 9): a certificate name must map to one post\n"
		    "cen.yaml:14: duplicate post code \"NQZ01\" (first on "
		    "line 12)\n"
		    "cen.yaml:15: duplicate cert_cn \"post-ALA01\" (first on "
		    "line 9): a certificate name must map to one post\n" },
		/* An invalid code is reported once, not as a duplicate. */
		{ "posts:\n  - {code: a, cert_cn: x}\n  - {code: a, cert_cn: "
		  "y}\n",
		    "cen.yaml:8: \"code\" must be 2..16 bytes long, got 1\n"
		    "cen.yaml:9: \"code\" must be 2..16 bytes long, got 1\n" },
		{ "posts: []\n",
		    "cen.yaml:7: \"posts\" must have 1..1024 entries, got "
		    "0\n" },
		{ "posts:\n",
		    "cen.yaml:7: \"posts\" must be a list, not empty\n" },
		{ "posts:\n  - {code: ALA01, cert_cn: x, cert_sha256: abc}\n",
		    "cen.yaml:8: \"cert_sha256\": expected a SHA-256 "
		    "fingerprint "
		    "of 64 hex digits (colons allowed), got \"abc\"\n" },
		{ "posts: [{code: ALA01, cert_cn: x}]\nlisten: {max_clients: 0,"
		  " max_batch: 1001, address: \"*:8443\"}\n",
		    "cen.yaml:8: \"max_clients\" must be 1..4096, got 0\n"
		    "cen.yaml:8: \"max_batch\" must be 1..1000, got 1001\n"
		    "cen.yaml:8: \"address\": the host may have only letters, "
		    "digits, \".\" and \"-\", got \"*:8443\"\n" },
		{ "posts: [{code: ALA01, cert_cn: x}]\ntls: {crl_file: x}\n",
		    "cen.yaml:8: duplicate key \"tls\" (first on line 1)\n" },
		{ "",
		    "cen.yaml:1: missing required key \"posts\"\n" },
	};
	struct cen_cfg	*c;
	char		 yaml[2048];
	size_t		 i;
	int		 n;

	(void)state;
	c = malloc(sizeof(*c));
	assert_non_null(c);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = snprintf(yaml, sizeof(yaml), "%s%s", cen_head, t[i].tail);
		assert_true(n > 0 && (size_t)n < sizeof(yaml));
		cen_cfg_init(c);
		assert_int_equal(cen_load(yaml, (size_t)n, c, t[i].out),
		    ERR_INVAL);
	}
	free(c);
}

static void
test_cen_cfg_posts_limit(void **state)
{
	struct cen_cfg	*c;
	char		*yaml, *p;
	size_t		 i, cap = 1100 * 48 + sizeof(cen_head) + 16;
	int		 rc;

	(void)state;
	c = malloc(sizeof(*c));
	yaml = malloc(cap);
	assert_non_null(c);
	assert_non_null(yaml);
	for (rc = 0; rc < 2; rc++) {
		p = yaml + snprintf(yaml, cap, "%sposts:\n", cen_head);
		for (i = 0; i < (size_t)(rc == 0 ? CEN_POSTS_MAX :
		    CEN_POSTS_MAX + 1); i++)
			p += snprintf(p, 48, "  - {code: P%04zu, cert_cn: "
			    "c%04zu}\n", i, i);
		cen_cfg_init(c);
		if (rc == 0) {
			assert_int_equal(cen_load(yaml, (size_t)(p - yaml), c,
			    ""), 0);
			assert_int_equal(c->nposts, CEN_POSTS_MAX);
			assert_string_equal(c->posts[CEN_POSTS_MAX - 1].code,
			    "P1023");
		} else
			assert_int_equal(cen_load(yaml, (size_t)(p - yaml), c,
			    "cen.yaml:7: \"posts\" must have 1..1024 entries, "
			    "got 1025\n"), ERR_INVAL);
	}
	free(yaml);
	free(c);
}

static void
test_cen_cfg_example_file(void **state)
{
	struct capture	 cap;
	struct cen_cfg	*c;
	int		 rc;

	(void)state;
	c = malloc(sizeof(*c));
	assert_non_null(c);
	cen_cfg_init(c);
	rc = cen_cfg_load(c, "config/central.yaml", capture_open(&cap));
	capture_close(&cap);
	if (rc != 0)
		fail_msg("config/central.yaml (run from the repository "
		    "root): %s", cap.buf);
	free(cap.buf);
	assert_string_equal(c->listen, "0.0.0.0:8443");
	assert_int_equal(c->max_body, 4194304);
	assert_int_equal(c->max_batch, 1000);
	assert_int_equal(c->max_clients, 512);
	assert_string_equal(c->cert_file, "/etc/shekara/centre.crt");
	assert_string_equal(c->key_file, "/etc/shekara/centre.key");
	assert_string_equal(c->client_ca_file, "/etc/shekara/ca.crt");
	assert_string_equal(c->crl_file, "/etc/shekara/ca.crl");
	assert_string_equal(c->conninfo,
	    "host=/var/run/postgresql dbname=shekara user=shekara");
	assert_int_equal(c->nposts, 3);
	assert_string_equal(c->posts[0].code, "ALA01");
	assert_string_equal(c->posts[0].cert_cn, "post-ALA01");
	assert_int_equal(strlen(c->posts[0].cert_sha256), 95);
	assert_string_equal(c->posts[2].code, "KHR02");
	assert_string_equal(c->log_level, "info");
	assert_string_equal(c->user, "shekara");
	assert_string_equal(c->feed_key_file, "/etc/shekara/feed.key");
	assert_int_equal(c->feed_batch_max, 5000);
	free(c);
}

static void
test_cen_cfg_post_for_cert(void **state)
{
	static const char	yaml[] =
	    "tls: {cert_file: a, key_file: b, client_ca_file: c}\n"
	    "database: {conninfo: d}\n"
	    "posts:\n"
	    "  - {code: ALA01, cert_cn: post-ALA01}\n"
	    "  - code: NQZ01\n"
	    "    cert_cn: post-NQZ01\n"
	    "    cert_sha256: \"00:01:02:03:04:05:06:07:08:09:0a:0B:0c:0D:0e:"
	    "0F:10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:FF\"\n"
	    "  - {code: KHR02, cert_cn: post-KHR02, cert_sha256: "
	    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E"
	    "1F}\n";
	unsigned char		 fp[32], other[32];
	struct cen_cfg		*c;
	const struct cen_post	*p;
	size_t			 i;

	(void)state;
	c = malloc(sizeof(*c));
	assert_non_null(c);
	cen_cfg_init(c);
	assert_int_equal(cen_load(yaml, sizeof(yaml) - 1, c, ""), 0);
	for (i = 0; i < 32; i++)
		fp[i] = other[i] = (unsigned char)i;
	fp[31] = 0xff;

	/* CN alone when no fingerprint is configured. */
	p = cen_cfg_post_for_cert(c, "post-ALA01", other);
	assert_non_null(p);
	assert_string_equal(p->code, "ALA01");
	assert_non_null(cen_cfg_post_for_cert(c, "post-ALA01", NULL));
	/* Exact CN: no case folding, no prefix. */
	assert_null(cen_cfg_post_for_cert(c, "POST-ALA01", other));
	assert_null(cen_cfg_post_for_cert(c, "post-ALA0", other));
	assert_null(cen_cfg_post_for_cert(c, "post-ALA01 ", other));
	assert_null(cen_cfg_post_for_cert(c, "", other));
	assert_null(cen_cfg_post_for_cert(c, NULL, other));
	assert_null(cen_cfg_post_for_cert(c, "post-XXX01", other));
	/* CN and fingerprint (case and colons ignored) must both match. */
	p = cen_cfg_post_for_cert(c, "post-NQZ01", fp);
	assert_non_null(p);
	assert_string_equal(p->code, "NQZ01");
	assert_null(cen_cfg_post_for_cert(c, "post-NQZ01", other));
	assert_null(cen_cfg_post_for_cert(c, "post-NQZ01", NULL));
	p = cen_cfg_post_for_cert(c, "post-KHR02", other);
	assert_non_null(p);
	assert_string_equal(p->code, "KHR02");
	assert_null(cen_cfg_post_for_cert(c, "post-KHR02", fp));
	free(c);
}

/*
 * tests/configs/bad/: each file fails with exactly its "# expect:" lines.
 */
static void
check_bad_file(const char *path)
{
	struct capture	 cap;
	struct ck_cfg	 ck;
	struct cen_cfg	*cen;
	char		 line[1024], *want = NULL;
	size_t		 wantlen = 0;
	FILE		*fp, *w;
	const char	*got, *base;
	int		 rc = 0;

	base = strrchr(path, '/') + 1;
	w = open_memstream(&want, &wantlen);
	assert_non_null(w);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "# expect: ", 10) == 0)
			fprintf(w, "%s:%s", path, line + 10);
	fclose(fp);
	fclose(w);
	if (wantlen == 0)
		fail_msg("%s: no \"# expect:\" line", path);
	cen = malloc(sizeof(*cen));
	assert_non_null(cen);
	if (strncmp(base, "checkpoint", 10) == 0) {
		ck_cfg_init(&ck);
		rc = ck_cfg_load(&ck, path, capture_open(&cap));
	} else if (strncmp(base, "central", 7) == 0) {
		cen_cfg_init(cen);
		rc = cen_cfg_load(cen, path, capture_open(&cap));
	} else
		fail_msg("%s: not checkpoint*.yaml or central*.yaml", path);
	got = capture_close(&cap);
	if (rc != ERR_INVAL || strcmp(got, want) != 0)
		fail_msg("%s: want ERR_INVAL and:\n%sgot %d and:\n%s", path,
		    want, rc, got);
	free(cap.buf);
	free(cen);
	free(want);
}

static void
test_cfg_bad_files(void **state)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[512];
	size_t		 len;
	int		 n = 0;

	(void)state;
	d = opendir("tests/configs/bad");
	if (d == NULL)
		fail_msg("tests/configs/bad: run from the repository root");
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if (strncmp(de->d_name, "policy", 6) == 0)
			continue;	/* stay policies: test_policy.c */
		assert_true((size_t)snprintf(path, sizeof(path),
		    "tests/configs/bad/%s", de->d_name) < sizeof(path));
		check_bad_file(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_loader_bad_table),
		cmocka_unit_test(test_cfg_loader_nul_byte),
		cmocka_unit_test(test_cfg_loader_valid),
		cmocka_unit_test(test_cfg_loader_strlist_lines),
		cmocka_unit_test(test_cfg_loader_too_many_problems),
		cmocka_unit_test(test_cfg_loader_deep_nesting),
		cmocka_unit_test(test_cfg_check_hostport_table),
		cmocka_unit_test(test_cfg_check_small_table),
		cmocka_unit_test(test_ck_cfg_defaults),
		cmocka_unit_test(test_ck_cfg_bad_table),
		cmocka_unit_test(test_ck_cfg_example_file),
		cmocka_unit_test(test_ck_cfg_file_errors),
		cmocka_unit_test(test_cen_cfg_defaults),
		cmocka_unit_test(test_cen_cfg_bad_table),
		cmocka_unit_test(test_cen_cfg_posts_limit),
		cmocka_unit_test(test_cen_cfg_example_file),
		cmocka_unit_test(test_cen_cfg_post_for_cert),
		cmocka_unit_test(test_cfg_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
