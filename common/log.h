/* log.h - one line per event, to stderr, with a level and the process name.
 * Safe to call from several threads: each line is written with one write(2).
 * Never log personal data (a full MRZ, names); log a short reference. */
#ifndef SHEKARA_LOG_H
#define SHEKARA_LOG_H

#include <stdarg.h>

enum log_level {
	LOGL_WARN = 0,
	LOGL_INFO = 1,
	LOGL_DEBUG = 2
};

void	log_init(const char *procname, enum log_level level);
void	log_set_level(enum log_level level);
/* "warn", "info" or "debug" (any case); ERR_PARSE otherwise. */
int	log_level_parse(const char *s, enum log_level *out);

void	log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));	/* appends strerror(errno) */
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
