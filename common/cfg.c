/* cfg.c - strict YAML configuration loading with libyaml's document API.
 * Walks the document against a caller's schema, writing into a private copy
 * of the caller's struct, reports every problem as "file:line: message" and
 * copies the result back only if there was none. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "cfg.h"
#include "err.h"
#include "log.h"

#define CFG_QUOTE_MAX	48	/* bytes of user text echoed in a message */

/* A problem, kept until the end to be printed in line order. */
struct cfg_msg {
	int	line;		/* 0: no line */
	int	seq;
	char	text[400];
};

/* Where each value written into the copy came from. */
struct cfg_mark {
	size_t	off;
	int	line;		/* > 0 set there; -1 set to something bad */
};

struct cfg_ctx {
	const char		*name;
	FILE			*errfp;
	yaml_document_t		*doc;
	unsigned char		*obj;		/* the copy being filled */
	size_t			 objsz;
	int			 nerrors;
	int			 nomem;
	struct cfg_msg		*msgs;		/* CFG_ERRORS_MAX of them */
	int			 nmsgs;
	struct cfg_mark		*marks;
	size_t			 nmarks;
	size_t			 capmarks;
};

static void	cfg_vreport(struct cfg_ctx *, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static size_t	cfg_extent(const struct cfg_key *);
static void	cfg_parse_map(struct cfg_ctx *, const struct cfg_key *,
		    yaml_node_t *, int, unsigned char *, const char *);

static void
cfg_vreport(struct cfg_ctx *ctx, int line, const char *fmt, va_list ap)
{
	struct cfg_msg	*m;

	ctx->nerrors++;
	if (ctx->nmsgs == CFG_ERRORS_MAX)
		return;
	if (ctx->msgs == NULL &&
	    (ctx->msgs = calloc(CFG_ERRORS_MAX, sizeof(*m))) == NULL) {
		ctx->nomem = 1;
		return;
	}
	m = &ctx->msgs[ctx->nmsgs];
	m->line = line > 0 ? line : 0;
	m->seq = ctx->nmsgs++;
	(void)vsnprintf(m->text, sizeof(m->text), fmt, ap);	/* may cut */
}

static int
cfg_msg_cmp(const void *a, const void *b)
{
	const struct cfg_msg	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Prints the problems in line order, those without a line first. */
static void
cfg_flush(struct cfg_ctx *ctx)
{
	struct cfg_msg	*m;
	int		 i;

	if (ctx->errfp == NULL)
		return;
	if (ctx->nmsgs > 0)
		qsort(ctx->msgs, (size_t)ctx->nmsgs, sizeof(*ctx->msgs),
		    cfg_msg_cmp);
	for (i = 0; i < ctx->nmsgs; i++) {
		m = &ctx->msgs[i];
		if (m->line > 0)
			fprintf(ctx->errfp, "%s:%d: %s\n", ctx->name, m->line,
			    m->text);
		else
			fprintf(ctx->errfp, "%s: %s\n", ctx->name, m->text);
	}
	if (ctx->nerrors > ctx->nmsgs)
		fprintf(ctx->errfp, "%s: too many problems, stopped after %d\n",
		    ctx->name, CFG_ERRORS_MAX);
	if (ctx->nomem)
		fprintf(ctx->errfp, "%s: out of memory\n", ctx->name);
}

void
cfg_report(struct cfg_ctx *ctx, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cfg_vreport(ctx, line, fmt, ap);
	va_end(ap);
}

int
cfg_line(const struct cfg_ctx *ctx, size_t off)
{
	size_t	i;

	for (i = 0; i < ctx->nmarks; i++)
		if (ctx->marks[i].off == off)
			return ctx->marks[i].line;
	return 0;
}

static void
cfg_mark(struct cfg_ctx *ctx, unsigned char *at, int line)
{
	struct cfg_mark	*m;
	size_t		 n;

	if (ctx->nmarks == ctx->capmarks) {
		n = ctx->capmarks == 0 ? 64 : ctx->capmarks * 2;
		if ((m = reallocarray(ctx->marks, n, sizeof(*m))) == NULL) {
			ctx->nomem = 1;
			return;
		}
		ctx->marks = m;
		ctx->capmarks = n;
	}
	ctx->marks[ctx->nmarks].off = (size_t)(at - ctx->obj);
	ctx->marks[ctx->nmarks].line = line;
	ctx->nmarks++;
}

/*
 * Writes user text s (len bytes, any content) as a double-quoted string safe
 * for one line: quotes, backslashes and control bytes escaped, cut to
 * CFG_QUOTE_MAX bytes with "..." after it.
 */
static const char *
cfg_quote(char *buf, size_t bufsz, const unsigned char *s, size_t len)
{
	size_t	i, o = 0;
	int	cut = 0;

	if (bufsz < 8)
		return "\"\"";
	buf[o++] = '"';
	for (i = 0; i < len; i++) {
		if (i >= CFG_QUOTE_MAX || o + 8 >= bufsz) {
			cut = 1;
			break;
		}
		if (s[i] == '"' || s[i] == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)s[i];
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			(void)snprintf(buf + o, bufsz - o, "\\x%02x", s[i]);
			o += 4;
		} else
			buf[o++] = (char)s[i];
	}
	buf[o++] = '"';
	if (cut && o + 4 <= bufsz) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int
cfg_node_line(const yaml_node_t *n)
{
	if (n->start_mark.line >= INT_MAX)
		return INT_MAX;
	return (int)n->start_mark.line + 1;
}

static int
cfg_scalar_is_null(const yaml_node_t *n)
{
	const char	*v = (const char *)n->data.scalar.value;
	size_t		 len = n->data.scalar.length;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return len == 0 || (len == 1 && v[0] == '~') ||
	    (len == 4 && (memcmp(v, "null", 4) == 0 ||
	    memcmp(v, "Null", 4) == 0 || memcmp(v, "NULL", 4) == 0));
}

/* What a node is, for messages of the form "must be X, not Y". */
static const char *
cfg_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		if (cfg_scalar_is_null(n))
			return "empty";
		if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return "a quoted string";
		return "a single value";
	default:
		return "empty";
	}
}

/* Bytes below 0x20, DEL, and the C1 controls U+0080..U+009F in UTF-8. */
static int
cfg_has_control(const unsigned char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 1;
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

static void
cfg_parse_str(struct cfg_ctx *ctx, const struct cfg_key *k, yaml_node_t *v,
    unsigned char *at)
{
	const unsigned char	*s;
	size_t			 len, max;
	long			 min;
	char			 why[256];
	int			 line = cfg_node_line(v);

	if (v->type != YAML_SCALAR_NODE) {
		cfg_report(ctx, line, "\"%s\" must be a string, not %s",
		    k->name, cfg_kind(v));
		goto bad;
	}
	s = v->data.scalar.value;
	len = cfg_scalar_is_null(v) ? 0 : v->data.scalar.length;
	max = k->size - 1;
	if (k->max > 0 && (size_t)k->max < max)
		max = (size_t)k->max;
	min = k->min > 0 ? k->min : 0;
	if (len == 0 && min > 0) {
		cfg_report(ctx, line, "\"%s\" must not be empty", k->name);
		goto bad;
	}
	if (len > max || len < (size_t)min) {
		if (min <= 1)
			cfg_report(ctx, line,
			    "\"%s\" must be at most %zu bytes long, got %zu",
			    k->name, max, len);
		else
			cfg_report(ctx, line,
			    "\"%s\" must be %ld..%zu bytes long, got %zu",
			    k->name, min, max, len);
		goto bad;
	}
	if (cfg_has_control(s, len)) {
		cfg_report(ctx, line, "\"%s\" must not contain control "
		    "characters", k->name);
		goto bad;
	}
	memcpy(at, s, len);
	at[len] = '\0';
	if (k->check != NULL) {
		why[0] = '\0';
		if (k->check((const char *)at, why, sizeof(why)) != 0) {
			cfg_report(ctx, line, "\"%s\": %s", k->name,
			    why[0] != '\0' ? why : "invalid value");
			memset(at, 0, k->size);
			goto bad;
		}
	}
	cfg_mark(ctx, at, line);
	return;
bad:
	cfg_mark(ctx, at, -1);
}

static void
cfg_parse_int(struct cfg_ctx *ctx, const struct cfg_key *k, yaml_node_t *v,
    unsigned char *at)
{
	const char	*s;
	char		 num[32], q[CFG_QUOTE_MAX * 4 + 8];
	size_t		 len, i;
	long long	 ll;
	long		 val;
	char		*end;
	int		 line = cfg_node_line(v);

	if (v->type != YAML_SCALAR_NODE || cfg_scalar_is_null(v) ||
	    v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		cfg_report(ctx, line, "\"%s\" must be an integer, not %s",
		    k->name, cfg_kind(v));
		goto bad;
	}
	s = (const char *)v->data.scalar.value;
	len = v->data.scalar.length;
	i = (len > 0 && s[0] == '-') ? 1 : 0;
	if (i == len)
		goto notint;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			goto notint;
	i = s[0] == '-' ? 1 : 0;
	if (s[i] == '0' && len > i + 1) {
		cfg_report(ctx, line, "\"%s\" must be a decimal integer "
		    "without leading zeros, got %s", k->name,
		    cfg_quote(q, sizeof(q), (const unsigned char *)s, len));
		goto bad;
	}
	if (len >= sizeof(num))
		goto range;
	memcpy(num, s, len);
	num[len] = '\0';
	errno = 0;
	ll = strtoll(num, &end, 10);
	if (errno != 0 || *end != '\0' || ll < LONG_MIN || ll > LONG_MAX)
		goto range;
	val = (long)ll;
	if (val < k->min || val > k->max)
		goto range;
	memcpy(at, &val, sizeof(val));
	cfg_mark(ctx, at, line);
	return;
notint:
	cfg_report(ctx, line, "\"%s\" must be an integer, got %s", k->name,
	    cfg_quote(q, sizeof(q), (const unsigned char *)s, len));
	goto bad;
range:
	/* Only digits and a sign got here: echoing them is safe. */
	cfg_report(ctx, line, "\"%s\" must be %ld..%ld, got %.*s%s", k->name,
	    k->min, k->max, (int)(len > 24 ? 24 : len), s,
	    len > 24 ? "..." : "");
bad:
	cfg_mark(ctx, at, -1);
}

static void
cfg_parse_bool(struct cfg_ctx *ctx, const struct cfg_key *k, yaml_node_t *v,
    unsigned char *at)
{
	const char	*s;
	size_t		 len;
	int		 val, line = cfg_node_line(v);

	if (v->type != YAML_SCALAR_NODE ||
	    v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		goto bad;
	s = (const char *)v->data.scalar.value;
	len = v->data.scalar.length;
	if (len == 4 && memcmp(s, "true", 4) == 0)
		val = 1;
	else if (len == 5 && memcmp(s, "false", 5) == 0)
		val = 0;
	else
		goto bad;
	memcpy(at, &val, sizeof(val));
	cfg_mark(ctx, at, line);
	return;
bad:
	cfg_report(ctx, line, "\"%s\" must be true or false", k->name);
	cfg_mark(ctx, at, -1);
}

/* Problems of the list as a whole are reported at line, that of its key. */
static void
cfg_parse_list(struct cfg_ctx *ctx, const struct cfg_key *k, int line,
    yaml_node_t *v, unsigned char *base)
{
	yaml_node_item_t	*it;
	yaml_node_t		*e;
	size_t			 n, i, max;

	if (v->type != YAML_SEQUENCE_NODE) {
		cfg_report(ctx, line, "\"%s\" must be a list, not %s", k->name,
		    cfg_kind(v));
		cfg_mark(ctx, base + k->count_off, -1);
		return;
	}
	max = k->max > 0 ? (size_t)k->max : 0;
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > max || (k->min > 0 && n < (size_t)k->min)) {
		cfg_report(ctx, line, "\"%s\" must have %ld..%ld entries, "
		    "got %zu", k->name, k->min > 0 ? k->min : 0, k->max, n);
		cfg_mark(ctx, base + k->count_off, -1);
		if (n > max)
			n = max;	/* still check what fits */
	} else
		cfg_mark(ctx, base + k->count_off, line);
	memset(base + k->off, 0, k->size * max);
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		if ((e = yaml_document_get_node(ctx->doc, *it)) == NULL)
			continue;
		if (e->type != YAML_MAPPING_NODE) {
			cfg_report(ctx, cfg_node_line(e), "each entry of "
			    "\"%s\" must be a mapping, not %s", k->name,
			    cfg_kind(e));
			continue;
		}
		cfg_parse_map(ctx, k->sub, e, cfg_node_line(e),
		    base + k->off + i * k->size, k->name);
	}
	memcpy(base + k->count_off, &n, sizeof(n));
}

/* Like cfg_parse_list() for a sequence of strings: each element is a
 * CFG_STR of 1..size - 1 bytes with the key's check. */
static void
cfg_parse_strlist(struct cfg_ctx *ctx, const struct cfg_key *k, int line,
    yaml_node_t *v, unsigned char *base)
{
	struct cfg_key		 ek;
	yaml_node_item_t	*it;
	yaml_node_t		*e;
	unsigned char		*at;
	size_t			 n, i, max;

	if (v->type != YAML_SEQUENCE_NODE) {
		cfg_report(ctx, line, "\"%s\" must be a list, not %s", k->name,
		    cfg_kind(v));
		cfg_mark(ctx, base + k->count_off, -1);
		return;
	}
	max = k->max > 0 ? (size_t)k->max : 0;
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > max || (k->min > 0 && n < (size_t)k->min)) {
		cfg_report(ctx, line, "\"%s\" must have %ld..%ld entries, "
		    "got %zu", k->name, k->min > 0 ? k->min : 0, k->max, n);
		cfg_mark(ctx, base + k->count_off, -1);
		if (n > max)
			n = max;	/* still check what fits */
	} else
		cfg_mark(ctx, base + k->count_off, line);
	memset(base + k->off, 0, k->size * max);
	ek = *k;
	ek.type = CFG_STR;
	ek.min = 1;
	ek.max = 0;
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		if ((e = yaml_document_get_node(ctx->doc, *it)) == NULL)
			continue;
		at = base + k->off + i * k->size;
		if (e->type != YAML_SCALAR_NODE) {
			cfg_report(ctx, cfg_node_line(e), "each entry of "
			    "\"%s\" must be a string, not %s", k->name,
			    cfg_kind(e));
			cfg_mark(ctx, at, -1);
			continue;
		}
		cfg_parse_str(ctx, &ek, e, at);
	}
	memcpy(base + k->count_off, &n, sizeof(n));
}

/* kline: the line of the key, where a section's missing keys are reported. */
static void
cfg_parse_value(struct cfg_ctx *ctx, const struct cfg_key *k, int kline,
    yaml_node_t *v, unsigned char *base)
{
	switch (k->type) {
	case CFG_STR:
		cfg_parse_str(ctx, k, v, base + k->off);
		break;
	case CFG_INT:
		cfg_parse_int(ctx, k, v, base + k->off);
		break;
	case CFG_BOOL:
		cfg_parse_bool(ctx, k, v, base + k->off);
		break;
	case CFG_SECTION:
		if (v->type != YAML_MAPPING_NODE) {
			cfg_report(ctx, cfg_node_line(v),
			    "\"%s\" must be a mapping, not %s", k->name,
			    cfg_kind(v));
			break;
		}
		cfg_parse_map(ctx, k->sub, v, kline, base + k->off, k->name);
		break;
	case CFG_LIST:
		cfg_parse_list(ctx, k, kline, v, base);
		break;
	case CFG_STRLIST:
		cfg_parse_strlist(ctx, k, kline, v, base);
		break;
	}
}

/* line: where missing required keys are reported; sect: NULL at the top. */
static void
cfg_parse_map(struct cfg_ctx *ctx, const struct cfg_key *keys,
    yaml_node_t *map, int line, unsigned char *base, const char *sect)
{
	int			 seen[CFG_KEYS_MAX];
	yaml_node_pair_t	*pair;
	yaml_node_t		*kn, *vn;
	const struct cfg_key	*k;
	char			 in[128], q[CFG_QUOTE_MAX * 4 + 8];
	size_t			 i, nkeys, klen;

	for (nkeys = 0; keys[nkeys].name != NULL; nkeys++)
		;
	if (nkeys > CFG_KEYS_MAX) {
		cfg_report(ctx, cfg_node_line(map), "internal error: "
		    "section has more than %d keys", CFG_KEYS_MAX);
		return;
	}
	memset(seen, 0, sizeof(seen));
	if (sect == NULL)
		in[0] = '\0';
	else if ((size_t)snprintf(in, sizeof(in), " in \"%s\"", sect) >=
	    sizeof(in))
		in[0] = '\0';
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		kn = yaml_document_get_node(ctx->doc, pair->key);
		vn = yaml_document_get_node(ctx->doc, pair->value);
		if (kn == NULL || vn == NULL)
			continue;
		if (kn->type != YAML_SCALAR_NODE) {
			cfg_report(ctx, cfg_node_line(kn), "a key%s must be a "
			    "name, not %s", in, cfg_kind(kn));
			continue;
		}
		klen = kn->data.scalar.length;
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i].name) == klen &&
			    memcmp(keys[i].name, kn->data.scalar.value,
			    klen) == 0)
				break;
		if (i == nkeys) {
			cfg_report(ctx, cfg_node_line(kn), "unknown key %s%s",
			    cfg_quote(q, sizeof(q), kn->data.scalar.value,
			    klen), in);
			continue;
		}
		k = &keys[i];
		if (seen[i] != 0) {
			cfg_report(ctx, cfg_node_line(kn), "duplicate key "
			    "\"%s\"%s (first on line %d)", k->name, in,
			    seen[i]);
			continue;
		}
		seen[i] = cfg_node_line(kn);
		cfg_parse_value(ctx, k, seen[i], vn, base);
	}
	for (i = 0; i < nkeys; i++)
		if (keys[i].required && seen[i] == 0)
			cfg_report(ctx, line, "missing required key \"%s\"%s",
			    keys[i].name, in);
}

/* Bytes of the target that a schema can write, from its start. */
static size_t
cfg_extent(const struct cfg_key *keys)
{
	const struct cfg_key	*k;
	size_t			 end = 0, e;

	for (k = keys; k->name != NULL; k++) {
		switch (k->type) {
		case CFG_STR:
			e = k->off + k->size;
			break;
		case CFG_INT:
			e = k->off + sizeof(long);
			break;
		case CFG_BOOL:
			e = k->off + sizeof(int);
			break;
		case CFG_SECTION:
			e = k->off + cfg_extent(k->sub);
			break;
		case CFG_LIST:
		case CFG_STRLIST:
			e = k->off +
			    k->size * (size_t)(k->max > 0 ? k->max : 0);
			if (k->count_off + sizeof(size_t) > e)
				e = k->count_off + sizeof(size_t);
			break;
		default:
			e = 0;
			break;
		}
		if (e > end)
			end = e;
	}
	return end;
}

/* Line of a libyaml error; reader errors only know a byte offset. */
static int
cfg_yaml_error_line(const yaml_parser_t *parser, const uint8_t *p, size_t len)
{
	size_t	i, line = 1, off;

	if (parser->error != YAML_READER_ERROR)
		return parser->problem_mark.line >= INT_MAX ? INT_MAX :
		    (int)parser->problem_mark.line + 1;
	off = parser->problem_offset < len ? parser->problem_offset : len;
	for (i = 0; i < off; i++)
		if (p[i] == '\n')
			line++;
	return line >= INT_MAX ? INT_MAX : (int)line;
}

/* Whether line (1-based) of p is indented with a tab, for a hint. */
static int
cfg_line_has_tab_indent(const uint8_t *p, size_t len, size_t line)
{
	size_t	i = 0, l = 1;

	while (i < len && l < line)
		if (p[i++] == '\n')
			l++;
	for (; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		if (p[i] == '\t')
			return 1;
	return 0;
}

static void
cfg_yaml_error(struct cfg_ctx *ctx, const yaml_parser_t *parser,
    const uint8_t *p, size_t len)
{
	const char	*problem, *hint = "";
	int		 line;

	if (parser->error == YAML_MEMORY_ERROR) {
		ctx->nomem = 1;
		return;
	}
	problem = parser->problem != NULL ? parser->problem : "unknown error";
	line = cfg_yaml_error_line(parser, p, len);
	if (cfg_line_has_tab_indent(p, len, (size_t)line))
		hint = " (indent with spaces: YAML does not allow tabs)";
	if (parser->error != YAML_READER_ERROR && parser->context != NULL &&
	    parser->context_mark.line != parser->problem_mark.line)
		cfg_report(ctx, line,
		    "YAML syntax error: %s (%s on line %zu)%s", problem,
		    parser->context, parser->context_mark.line + 1, hint);
	else if (parser->error != YAML_READER_ERROR &&
	    parser->context != NULL)
		cfg_report(ctx, line, "YAML syntax error: %s %s%s",
		    parser->context, problem, hint);
	else
		cfg_report(ctx, line, "YAML syntax error: %s%s", problem, hint);
}

int
cfg_load_buf(const char *name, const uint8_t *p, size_t len,
    const struct cfg_key *schema, cfg_check_fn *check, void *obj,
    FILE *errfp)
{
	struct cfg_ctx	 ctx;
	yaml_parser_t	 parser;
	yaml_document_t	 doc, more;
	yaml_node_t	*root;
	int		 rc, inited = 0, havedoc = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.name = name;
	ctx.errfp = errfp;
	ctx.doc = &doc;
	if (len > CFG_FILE_MAX) {
		cfg_report(&ctx, 0, "file too large (%zu bytes, at most %d)",
		    len, CFG_FILE_MAX);
		goto done;
	}
	ctx.objsz = cfg_extent(schema);
	if ((ctx.obj = malloc(ctx.objsz > 0 ? ctx.objsz : 1)) == NULL ||
	    !yaml_parser_initialize(&parser)) {
		ctx.nomem = 1;
		goto done;
	}
	inited = 1;
	memcpy(ctx.obj, obj, ctx.objsz);
	yaml_parser_set_input_string(&parser, p, len);
	if (!yaml_parser_load(&parser, &doc)) {
		cfg_yaml_error(&ctx, &parser, p, len);
		goto done;
	}
	havedoc = 1;
	if ((root = yaml_document_get_root_node(&doc)) == NULL ||
	    cfg_scalar_is_null(root)) {
		cfg_report(&ctx, 1, "the file is empty: no configuration");
		goto done;
	}
	/* A second document would be ignored silently: refuse it. */
	if (!yaml_parser_load(&parser, &more))
		cfg_yaml_error(&ctx, &parser, p, len);
	else {
		if (yaml_document_get_root_node(&more) != NULL)
			cfg_report(&ctx, more.start_mark.line < INT_MAX ?
			    (int)more.start_mark.line + 1 : INT_MAX,
			    "only one YAML document is allowed");
		yaml_document_delete(&more);
	}
	if (root->type != YAML_MAPPING_NODE) {
		cfg_report(&ctx, cfg_node_line(root), "the top level must be "
		    "a mapping of sections, not %s", cfg_kind(root));
		goto done;
	}
	cfg_parse_map(&ctx, schema, root, cfg_node_line(root), ctx.obj, NULL);
	if (check != NULL && !ctx.nomem)
		check(&ctx, ctx.obj);
done:
	if (havedoc)
		yaml_document_delete(&doc);
	if (inited)
		yaml_parser_delete(&parser);
	cfg_flush(&ctx);
	if (ctx.nomem)
		rc = ERR_NOMEM;
	else if (ctx.nerrors > 0)
		rc = ERR_INVAL;
	else {
		memcpy(obj, ctx.obj, ctx.objsz);
		rc = 0;
	}
	free(ctx.msgs);
	free(ctx.marks);
	free(ctx.obj);
	return rc;
}

int
cfg_load_file(const char *path, const struct cfg_key *schema,
    cfg_check_fn *check, void *obj, FILE *errfp)
{
	struct stat	 st;
	uint8_t		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc, serrno;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		goto ioerr;
	if (fstat(fd, &st) == -1)
		goto ioerr;
	if (!S_ISREG(st.st_mode)) {
		if (errfp != NULL)
			fprintf(errfp, "%s: not a regular file\n", path);
		close(fd);
		return ERR_IO;
	}
	if (st.st_size > CFG_FILE_MAX) {
		if (errfp != NULL)
			fprintf(errfp, "%s: file too large (%lld bytes, at "
			    "most %d)\n", path, (long long)st.st_size,
			    CFG_FILE_MAX);
		close(fd);
		return ERR_INVAL;
	}
	/* One byte more than allowed, to notice a file that grew. */
	if ((buf = malloc(CFG_FILE_MAX + 1)) == NULL) {
		close(fd);
		if (errfp != NULL)
			fprintf(errfp, "%s: out of memory\n", path);
		return ERR_NOMEM;
	}
	while (len < CFG_FILE_MAX + 1) {
		n = read(fd, buf + len, CFG_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto ioerr;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = cfg_load_buf(path, buf, len, schema, check, obj, errfp);
	free(buf);
	return rc;
ioerr:
	serrno = errno;
	if (errfp != NULL)
		fprintf(errfp, "%s: cannot read: %s\n", path, strerror(serrno));
	if (fd != -1)
		close(fd);
	free(buf);
	return ERR_IO;
}

int
cfg_load(const char *path, const struct cfg_key *schema, void *obj,
    FILE *errfp)
{
	return cfg_load_file(path, schema, NULL, obj, errfp);
}

int
cfg_check_hostport(const char *val, char *why, size_t whysz)
{
	const char	*colon, *host, *port, *s;
	char		 q[CFG_QUOTE_MAX * 4 + 8];
	size_t		 hostlen, portlen, vlen = strlen(val);
	long		 pn;

	cfg_quote(q, sizeof(q), (const unsigned char *)val, vlen);
	if (val[0] == '[') {
		if ((colon = strchr(val, ']')) == NULL) {
			snprintf(why, whysz, "IPv6 address has no closing "
			    "\"]\", got %s", q);
			return -1;
		}
		host = val + 1;
		hostlen = (size_t)(colon - host);
		colon++;
		if (*colon != ':') {
			snprintf(why, whysz, "expected \"[address]:port\", "
			    "got %s", q);
			return -1;
		}
		if (hostlen == 0 || memchr(host, ':', hostlen) == NULL) {
			snprintf(why, whysz, "expected an IPv6 address in "
			    "brackets, got %s", q);
			return -1;
		}
		for (s = host; s < host + hostlen; s++)
			if (strchr("0123456789abcdefABCDEF:.", *s) == NULL) {
				snprintf(why, whysz, "expected an IPv6 address "
				    "in brackets, got %s", q);
				return -1;
			}
	} else {
		if ((colon = strrchr(val, ':')) == NULL) {
			snprintf(why, whysz, "expected \"host:port\" (IPv6 "
			    "as \"[::1]:8443\"), got %s", q);
			return -1;
		}
		host = val;
		hostlen = (size_t)(colon - host);
		if (memchr(host, ':', hostlen) != NULL) {
			snprintf(why, whysz, "an IPv6 address must be in "
			    "brackets, as \"[::1]:8443\", got %s", q);
			return -1;
		}
		if (hostlen == 0) {
			snprintf(why, whysz, "expected \"host:port\", the host "
			    "is empty in %s", q);
			return -1;
		}
		for (s = host; s < host + hostlen; s++)
			if (strchr("0123456789abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-", *s) == NULL) {
				snprintf(why, whysz, "the host may have only "
				    "letters, digits, \".\" and \"-\", got %s",
				    q);
				return -1;
			}
	}
	port = colon + 1;
	portlen = strlen(port);
	pn = 0;
	for (s = port; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || portlen > 5) {
			pn = -1;
			break;
		}
		pn = pn * 10 + (*s - '0');
	}
	if (portlen == 0 || pn < 1 || pn > 65535 || port[0] == '0') {
		snprintf(why, whysz, "the port must be 1..65535, got %s", q);
		return -1;
	}
	return 0;
}

int
cfg_check_post_code(const char *val, char *why, size_t whysz)
{
	char	q[CFG_QUOTE_MAX * 4 + 8];
	size_t	i, len = strlen(val);

	for (i = 0; i < len; i++)
		if (!((val[i] >= 'A' && val[i] <= 'Z') ||
		    (val[i] >= '0' && val[i] <= '9')))
			break;
	if (len < 2 || len > 16 || i < len) {
		snprintf(why, whysz, "expected 2..16 capital letters or "
		    "digits, got %s",
		    cfg_quote(q, sizeof(q), (const unsigned char *)val, len));
		return -1;
	}
	return 0;
}

int
cfg_check_log_level(const char *val, char *why, size_t whysz)
{
	char		q[CFG_QUOTE_MAX * 4 + 8];
	enum log_level	level;

	if (log_level_parse(val, &level) != 0) {
		snprintf(why, whysz, "expected warn, info or debug, got %s",
		    cfg_quote(q, sizeof(q), (const unsigned char *)val,
		    strlen(val)));
		return -1;
	}
	return 0;
}

int
cfg_check_user(const char *val, char *why, size_t whysz)
{
	char		 q[CFG_QUOTE_MAX * 4 + 8];
	const char	*s;

	for (s = val; *s != '\0'; s++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *s) == NULL)
			break;
	if (*s != '\0' || val[0] == '-') {
		snprintf(why, whysz, "expected a user name of letters, digits, "
		    "\".\", \"_\" and \"-\", got %s",
		    cfg_quote(q, sizeof(q), (const unsigned char *)val,
		    strlen(val)));
		return -1;
	}
	return 0;
}
