/* date.c - civil dates (proleptic Gregorian, years 1..9999) and RFC 3339
 * UTC timestamps in milliseconds. Day arithmetic after H. Hinnant's
 * days_from_civil; parsers check every byte against len and never read
 * past it. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "date.h"
#include "err.h"

#define MS_PER_DAY	INT64_C(86400000)
#define DAYS_MIN	INT64_C(-719162)	/* 0001-01-01 */
#define DAYS_MAX	INT64_C(2932896)	/* 9999-12-31 */
#define MS_MIN		(DAYS_MIN * MS_PER_DAY)
#define MS_MAX		(DAYS_MAX * MS_PER_DAY + MS_PER_DAY - 1)

static int
date_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
date_mdays(int year, int month)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month == 2 && date_leap(year))
		return 29;
	return mdays[month - 1];
}

int
date_check(int year, int month, int day)
{
	if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
		return 0;
	return day <= date_mdays(year, month);
}

int64_t
date_to_days(const struct date *d)
{
	int64_t	y, m, era, yoe, doy, doe;

	y = (int64_t)d->year - (d->month <= 2);
	m = d->month;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d->day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Days outside 0001-01-01..9999-12-31 saturate to those ends. */
void
date_from_days(int64_t days, struct date *out)
{
	int64_t	z, era, doe, yoe, y, doy, mp, d, m;

	if (days < DAYS_MIN)
		days = DAYS_MIN;
	if (days > DAYS_MAX)
		days = DAYS_MAX;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	out->year = (int)(y + (m <= 2));
	out->month = (int)m;
	out->day = (int)d;
}

/* Exactly n ASCII digits at s; 0 or ERR_PARSE. */
static int
date_digits(const char *s, size_t n, int *out)
{
	size_t	i;
	int	v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ERR_PARSE;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" in the first 10 bytes of s (the caller checked len). */
static int
date_parse10(struct date *out, const char *s)
{
	int	y, m, d;

	if (date_digits(s, 4, &y) != 0 || s[4] != '-' ||
	    date_digits(s + 5, 2, &m) != 0 || s[7] != '-' ||
	    date_digits(s + 8, 2, &d) != 0)
		return ERR_PARSE;
	if (!date_check(y, m, d))
		return ERR_RANGE;
	out->year = y;
	out->month = m;
	out->day = d;
	return 0;
}

int
date_parse_iso(struct date *out, const char *s, size_t len)
{
	struct date	d;
	int		rc;

	if (s == NULL || len != 10)
		return ERR_PARSE;
	if ((rc = date_parse10(&d, s)) != 0)
		return rc;
	*out = d;
	return 0;
}

int
date_format_iso(const struct date *d, char *buf, size_t bufsz)
{
	int	n;

	if (!date_check(d->year, d->month, d->day) || bufsz < 11)
		return ERR_RANGE;
	n = snprintf(buf, bufsz, "%04d-%02d-%02d", d->year, d->month, d->day);
	if (n < 0 || (size_t)n >= bufsz)
		return ERR_RANGE;
	return 0;
}

/*
 * "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)". The T and Z are upper
 * case; a leap second (:60) is refused, as is any instant whose UTC date
 * falls outside years 1..9999.
 */
int
date_parse_rfc3339(int64_t *ms, const char *s, size_t len)
{
	struct date	d;
	size_t		i, nfrac;
	int64_t		v;
	int		rc, hh, mm, ss, oh, om, frac, digit;

	if (s == NULL || len < 20)
		return ERR_PARSE;
	if ((rc = date_parse10(&d, s)) == ERR_PARSE)
		return rc;
	if (s[10] != 'T' || date_digits(s + 11, 2, &hh) != 0 ||
	    s[13] != ':' || date_digits(s + 14, 2, &mm) != 0 ||
	    s[16] != ':' || date_digits(s + 17, 2, &ss) != 0)
		return ERR_PARSE;
	i = 19;
	frac = 0;
	if (s[i] == '.') {
		i++;
		for (nfrac = 0; i < len && s[i] >= '0' && s[i] <= '9';
		    i++, nfrac++) {
			digit = s[i] - '0';
			if (nfrac < 3)
				frac = frac * 10 + digit;
		}
		if (nfrac == 0 || nfrac > 9)
			return ERR_PARSE;
		for (; nfrac < 3; nfrac++)
			frac *= 10;
	}
	if (i >= len)
		return ERR_PARSE;
	oh = om = 0;
	if (s[i] == 'Z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (len - i < 6 || date_digits(s + i + 1, 2, &oh) != 0 ||
		    s[i + 3] != ':' || date_digits(s + i + 4, 2, &om) != 0)
			return ERR_PARSE;
		if (s[i] == '-') {
			oh = -oh;
			om = -om;
		}
		i += 6;
	} else
		return ERR_PARSE;
	if (i != len)
		return ERR_PARSE;
	if (rc != 0)
		return rc;
	if (hh > 23 || mm > 59 || ss > 59 || oh > 23 || oh < -23 ||
	    om > 59 || om < -59)
		return ERR_RANGE;
	v = date_to_days(&d) * MS_PER_DAY +
	    ((int64_t)hh * 3600 + mm * 60 + ss) * 1000 + frac -
	    ((int64_t)oh * 60 + om) * 60000;
	if (v < MS_MIN || v > MS_MAX)
		return ERR_RANGE;
	*ms = v;
	return 0;
}

int
date_format_rfc3339(int64_t ms, char *buf, size_t bufsz)
{
	struct date	d;
	int64_t		days, rem;
	int		n;

	if (ms < MS_MIN || ms > MS_MAX || bufsz < 25)
		return ERR_RANGE;
	days = ms / MS_PER_DAY;
	rem = ms % MS_PER_DAY;
	if (rem < 0) {
		rem += MS_PER_DAY;
		days--;
	}
	date_from_days(days, &d);
	n = snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    d.year, d.month, d.day, (int)(rem / 3600000),
	    (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
	    (int)(rem % 1000));
	if (n < 0 || (size_t)n >= bufsz)
		return ERR_RANGE;
	return 0;
}

int64_t
date_now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;	/* CLOCK_REALTIME cannot fail on Linux */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
