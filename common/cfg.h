/* cfg.h - strict YAML configuration loading (libyaml). A caller describes
 * each section as a table of known keys that point into its own struct;
 * cfg_load() parses the whole file, reports every unknown key, wrong type,
 * out-of-range value and missing required key as "file:line: message" (one
 * line each, parsing goes on), and fills the struct only if the file is
 * entirely valid. The caller sets defaults before calling. */
#ifndef SHEKARA_CFG_H
#define SHEKARA_CFG_H

#include <stddef.h>
#include <stdio.h>

enum cfg_type {
	CFG_STR,	/* char[size]; length min..max bytes, no control chars */
	CFG_INT,	/* long; integer min..max */
	CFG_BOOL,	/* int; true/false */
	CFG_SECTION,	/* mapping described by sub */
	CFG_LIST	/* sequence of mappings described by sub */
};

struct cfg_key {
	const char		*name;
	enum cfg_type		 type;
	size_t			 off;	/* offset of the value in the target */
	size_t			 size;	/* CFG_STR: buffer size, NUL included;
					 * CFG_LIST: size of one element */
	long			 min;	/* CFG_INT: range; CFG_STR: length range;
					 * CFG_LIST: element count range */
	long			 max;
	int			 required;
	const struct cfg_key	*sub;	/* CFG_SECTION, CFG_LIST: keys of the
					 * section, ended by a NULL name */
	size_t			 count_off; /* CFG_LIST: offset of a size_t that
					 * receives the element count */
	/* Optional extra check of a CFG_STR value: 0 if fine, or -1 with a
	 * reason written to why (the loader prefixes file:line). */
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

/* Ready-made checks for CFG_STR values. */
int	cfg_check_hostport(const char *val, char *why, size_t whysz);
int	cfg_check_post_code(const char *val, char *why, size_t whysz);
int	cfg_check_log_level(const char *val, char *why, size_t whysz);

#endif
