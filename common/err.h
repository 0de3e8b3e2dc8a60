/* err.h - error codes shared by every module. Functions return 0 on success
 * or one of these negative codes; err_str() names it for a log line. */
#ifndef SHEKARA_ERR_H
#define SHEKARA_ERR_H

enum err {
	ERR_OK = 0,
	ERR_NOMEM = -1,		/* out of memory */
	ERR_IO = -2,		/* a system call failed; errno was logged */
	ERR_PARSE = -3,		/* malformed syntax */
	ERR_RANGE = -4,		/* a value outside its allowed range */
	ERR_SHORT = -5,		/* input ended early */
	ERR_TOOBIG = -6,	/* input or output over its limit */
	ERR_VERSION = -7,	/* a protocol version we do not speak */
	ERR_INVAL = -8,		/* well-formed but not valid */
	ERR_NOTFOUND = -9,
	ERR_EXISTS = -10,
	ERR_DB = -11,		/* the database refused or is unreachable */
	ERR_AUTH = -12,		/* not authenticated or not allowed */
	ERR_TIMEOUT = -13,
	ERR_CONFLICT = -14	/* the same key already holds different data */
};

const char	*err_str(int code);

#endif
