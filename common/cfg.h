/* cfg.h - strict YAML configuration loading (libyaml). A caller describes
 * each section as a table of known keys that point into its own struct;
 * cfg_load() parses the whole file, reports every unknown key, wrong type,
 * out-of-range value, duplicate key and missing required key as
 * "file:line: message" (one line each, in line order, parsing goes on), and
 * fills the struct only if the file is entirely valid. The caller sets
 * defaults before calling. A missing key is reported at the line of the key
 * of its section (the first line of the file's top mapping for top-level
 * keys). libyaml cannot go on after a YAML syntax error: that one is
 * reported alone. */
#ifndef SHEKARA_CFG_H
#define SHEKARA_CFG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_FILE_MAX	(4 * 1024 * 1024)	/* bytes in a configuration */
#define CFG_ERRORS_MAX	100	/* problems reported before giving up */
#define CFG_KEYS_MAX	64	/* keys in one section of a schema */

/*
 * Values. A string is any scalar, quoted or not; an empty or null (~) plain
 * scalar is the empty string. Integers and booleans must be plain
 * (unquoted): "8443" in quotes is a string and is refused where a number is
 * expected. Integers are decimal, -?(0|[1-9][0-9]*): no sign "+", no leading
 * zeros (YAML 1.1 would read them as octal), no exponent, no hex.
 */
enum cfg_type {
	CFG_STR,	/* char[size]; length min..max bytes (max 0 means
			 * size - 1), no control chars */
	CFG_INT,	/* long; integer min..max */
	CFG_BOOL,	/* int; true/false */
	CFG_SECTION,	/* mapping described by sub; the offsets of sub are
			 * relative to this key's off */
	CFG_LIST,	/* sequence of mappings described by sub: element i at
			 * off + i * size, its keys' offsets relative to it;
			 * when present the whole array is zeroed first */
	CFG_STRLIST	/* sequence of strings: element i is a char[size] at
			 * off + i * size, 1..size - 1 bytes, no control
			 * chars, passed to check; min..max is the element
			 * count range, the count goes to count_off; when
			 * present the whole array is zeroed first */
};

struct cfg_key {
	const char		*name;
	enum cfg_type		 type;
	size_t			 off;	/* offset of the value in the target */
	size_t			 size;	/* CFG_STR, CFG_STRLIST: buffer size of
					 * one string, NUL included;
					 * CFG_LIST: size of one element */
	long			 min;	/* CFG_INT: range; CFG_STR: length range;
					 * CFG_LIST, CFG_STRLIST: element count
					 * range */
	long			 max;
	int			 required;
	const struct cfg_key	*sub;	/* CFG_SECTION, CFG_LIST: keys of the
					 * section, ended by a NULL name */
	size_t			 count_off; /* CFG_LIST, CFG_STRLIST: offset of
					 * a size_t that receives the element
					 * count */
	/* Optional extra check of a CFG_STR value (or of each CFG_STRLIST
	 * element): 0 if fine, or -1 with a reason written to why; the
	 * loader reports it as file:line: "name": why */
	int			(*check)(const char *val, char *why,
				    size_t whysz);
};

/*
 * Loads path into obj according to schema (the top-level keys). Problems are
 * printed to errfp, one line each. Returns 0, ERR_IO if the file cannot be
 * read, or ERR_INVAL if it has problems (obj is then left untouched).
 */
int	cfg_load(const char *path, const struct cfg_key *schema, void *obj,
	    FILE *errfp);

/*
 * Checks across keys, run on the parsed copy once the whole file has been
 * read (also when some values were bad, so one run reports everything). It
 * reports with cfg_report(); anything reported makes the load fail.
 */
struct cfg_ctx;
typedef void	cfg_check_fn(struct cfg_ctx *ctx, const void *obj);

/* cfg_load() with an optional whole-file check (NULL for none). A file that
 * cannot be opened or read is reported as "file: reason" (ERR_IO). */
int	cfg_load_file(const char *path, const struct cfg_key *schema,
	    cfg_check_fn *check, void *obj, FILE *errfp);
/* The same from memory; name is used in messages in place of a path. */
int	cfg_load_buf(const char *name, const uint8_t *p, size_t len,
	    const struct cfg_key *schema, cfg_check_fn *check, void *obj,
	    FILE *errfp);

/*
 * For a check: the 1-based line where the value at byte offset off of obj
 * (a CFG_STR, CFG_INT or CFG_BOOL, an element of a CFG_STRLIST, or the
 * count_off of a CFG_LIST or CFG_STRLIST) was set;
 * 0 if the file did not set it (it holds its default), -1 if the file set it
 * to something invalid (already reported: skip checks that involve it).
 */
int	cfg_line(const struct cfg_ctx *ctx, size_t off);
/* Reports "file:line: message" (line <= 0: "file: message") and fails the
 * load. */
void	cfg_report(struct cfg_ctx *ctx, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Ready-made checks for CFG_STR values. */
int	cfg_check_hostport(const char *val, char *why, size_t whysz);
int	cfg_check_post_code(const char *val, char *why, size_t whysz);
int	cfg_check_log_level(const char *val, char *why, size_t whysz);
/* A system user name: letters, digits, ".", "_", "-", not starting with "-";
 * the empty string passes (no user). */
int	cfg_check_user(const char *val, char *why, size_t whysz);

#endif
