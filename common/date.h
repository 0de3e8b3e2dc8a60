/* date.h - civil dates and UTC timestamps, proleptic Gregorian, no time
 * zone database. Parsers take (ptr, len) and never read past len. */
#ifndef SHEKARA_DATE_H
#define SHEKARA_DATE_H

#include <stddef.h>
#include <stdint.h>

struct date {
	int	year;	/* 1..9999 */
	int	month;	/* 1..12 */
	int	day;	/* 1..days in month */
};

/* 1 if y-m-d is a real calendar date in years 1..9999, else 0. */
int	date_check(int year, int month, int day);
/* Days since 1970-01-01 (negative before). */
int64_t	date_to_days(const struct date *d);
void	date_from_days(int64_t days, struct date *out);
/* Exactly "YYYY-MM-DD": ERR_PARSE for the wrong shape, ERR_RANGE for a date
 * that does not exist. */
int	date_parse_iso(struct date *out, const char *s, size_t len);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL); ERR_RANGE if bufsz is short. */
int	date_format_iso(const struct date *d, char *buf, size_t bufsz);

/*
 * RFC 3339 timestamps in UTC with milliseconds: "2026-11-27T01:02:03.123Z".
 * The parser also accepts no fraction, 1..9 fraction digits (truncated to
 * ms) and a numeric offset "+05:00"; the value is milliseconds since the
 * epoch.
 */
int	date_parse_rfc3339(int64_t *ms, const char *s, size_t len);
/* Always writes the UTC form with 3 fraction digits (25 bytes with NUL). */
int	date_format_rfc3339(int64_t ms, char *buf, size_t bufsz);
/* Current time, milliseconds since the epoch. */
int64_t	date_now_ms(void);

#endif
