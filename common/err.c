/* err.c - names for the error codes of err.h. */
#include "err.h"

const char *
err_str(int code)
{
	switch (code) {
	case ERR_OK:		return "success";
	case ERR_NOMEM:		return "out of memory";
	case ERR_IO:		return "input/output error";
	case ERR_PARSE:		return "malformed input";
	case ERR_RANGE:		return "value out of range";
	case ERR_SHORT:		return "input too short";
	case ERR_TOOBIG:	return "too large";
	case ERR_VERSION:	return "unsupported protocol version";
	case ERR_INVAL:		return "invalid";
	case ERR_NOTFOUND:	return "not found";
	case ERR_EXISTS:	return "already exists";
	case ERR_DB:		return "database error";
	case ERR_AUTH:		return "not authorised";
	case ERR_TIMEOUT:	return "timed out";
	case ERR_CONFLICT:	return "conflicting data";
	}
	return "unknown error";
}
