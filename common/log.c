/* log.c - leveled, line-at-a-time logging to stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

static const char	*log_procname = "shekara";
static enum log_level	 log_level = LOGL_INFO;

void
log_init(const char *procname, enum log_level level)
{
	log_procname = procname;
	log_level = level;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	if (strcasecmp(s, "warn") == 0)
		*out = LOGL_WARN;
	else if (strcasecmp(s, "info") == 0)
		*out = LOGL_INFO;
	else if (strcasecmp(s, "debug") == 0)
		*out = LOGL_DEBUG;
	else
		return ERR_PARSE;
	return 0;
}

static void	log_vline(const char *, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
log_vline(const char *tag, const char *errstr, const char *fmt, va_list ap)
{
	char		 line[2048], stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n, m;
	size_t		 len, i;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld] %s: ", stamp,
	    ts.tv_nsec / 1000000, log_procname, (long)getpid(), tag);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	len = strnlen(line, sizeof(line) - 1);
	if (errstr != NULL && len < sizeof(line) - 1) {
		m = snprintf(line + len, sizeof(line) - len, ": %s", errstr);
		len = strnlen(line, sizeof(line) - 1);
	}
	/* One event is one line: no CR or LF from a message. */
	for (i = (size_t)n; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);	/* nowhere to report */
}

#define LOG_BODY(tag, lvl, errstr) do {				\
	va_list ap;						\
	if ((lvl) > log_level)					\
		return;						\
	va_start(ap, fmt);					\
	log_vline(tag, errstr, fmt, ap);			\
	va_end(ap);						\
} while (0)

void
log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);

	LOG_BODY("warn", LOGL_WARN, e);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY("warn", LOGL_WARN, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY("info", LOGL_INFO, NULL);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY("debug", LOGL_DEBUG, NULL);
}

void
fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal", e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal", NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
