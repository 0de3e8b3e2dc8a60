/* gen.c - deterministic sample travellers; see gen.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "gen.h"

static const char *const surnames[] = {
	"ABENOV", "AKHMETOVA", "BAIMUKHAMEDOV", "DZHAKSYBEKOV", "ERMEKOVA",
	"IVANOV", "KOVALENKO", "MUELLER", "NURPEISOVA", "OMAROV", "PETROVA",
	"SADYKOV", "SMITH", "TOKTAROVA", "ZHUMABAEV", "WANG", "GARCIA LOPEZ",
	"O NEILL", "KIM", "RAKHIMOV"
};
static const char *const given[] = {
	"ASKAR", "AIGERIM", "DANIYAR", "GULNARA", "ERLAN", "OLGA", "TIMUR",
	"ANNA MARIA", "MARAT", "SAULE", "JOHN", "WEI", "", "NURLAN BOLATOVICH"
};
static const char *const states[] = {
	"KAZ", "RUS", "KGZ", "UZB", "CHN", "DEU", "USA", "TUR", "IND", "TJK"
};

static uint64_t
gen_mix(uint64_t x)
{
	/* splitmix64 finaliser: a well-spread hash of the index. */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void
gen_crossing(struct proto_crossing *c, const char *post, uint64_t seed,
    uint64_t i)
{
	uint64_t	r = gen_mix(seed * 1000003ULL ^ gen_mix(i));
	struct date	d;
	const char	*st;

	memset(c, 0, sizeof(*c));
	c->direction = (r & 1) ? PROTO_ENTRY : PROTO_EXIT;
	c->lane = 1 + (uint32_t)((r >> 1) % 12);
	snprintf(c->officer, sizeof(c->officer), "%s-OF%02u", post,
	    (unsigned)((r >> 5) % 40));
	c->outcome = ((r >> 11) % 50) == 0 ? PROTO_REFER : PROTO_ADMIT;
	st = states[(r >> 13) % (sizeof(states) / sizeof(states[0]))];
	snprintf(c->doc.type, sizeof(c->doc.type), "%s",
	    ((r >> 17) % 5) == 0 ? "ID" : "P");
	snprintf(c->doc.issuing_state, sizeof(c->doc.issuing_state), "%s", st);
	snprintf(c->doc.nationality, sizeof(c->doc.nationality), "%s", st);
	snprintf(c->doc.number, sizeof(c->doc.number), "%.5s%" PRIu64 "X%"
	    PRIu64, post, seed % 1000, i);
	snprintf(c->doc.surname, sizeof(c->doc.surname), "%s",
	    surnames[(r >> 20) % (sizeof(surnames) / sizeof(surnames[0]))]);
	snprintf(c->doc.given_names, sizeof(c->doc.given_names), "%s",
	    given[(r >> 25) % (sizeof(given) / sizeof(given[0]))]);
	date_from_days(-3650 + (int64_t)((r >> 30) % 18000), &d); /* 1960.. */
	date_format_iso(&d, c->doc.birth_date, sizeof(c->doc.birth_date));
	date_from_days(20000 + (int64_t)((r >> 45) % 3000), &d);  /* 2024.. */
	date_format_iso(&d, c->doc.expiry_date, sizeof(c->doc.expiry_date));
	c->doc.sex = "MFX"[(r >> 60) % 3];
}

static void
gen_csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

void
gen_csv_row(FILE *fp, const char *post, const struct proto_crossing *c)
{
	char	ts[32], sex[2] = { c->doc.sex, '\0' };

	date_format_rfc3339(c->recorded_at, ts, sizeof(ts));
	fprintf(fp, "%s,%" PRIu64 ",%s,%s,%u,", post, c->seq, ts,
	    proto_direction_str(c->direction), c->lane);
	gen_csv_field(fp, c->officer);
	fprintf(fp, ",%s,%s,%s,", proto_outcome_str(c->outcome), c->doc.type,
	    c->doc.issuing_state);
	gen_csv_field(fp, c->doc.number);
	fprintf(fp, ",%s,", c->doc.nationality);
	gen_csv_field(fp, c->doc.surname);
	fputc(',', fp);
	gen_csv_field(fp, c->doc.given_names);
	fprintf(fp, ",%s,%s,%s\n", c->doc.birth_date, sex, c->doc.expiry_date);
}
