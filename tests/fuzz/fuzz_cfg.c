/* fuzz_cfg.c - libFuzzer target for the configuration loader with both
 * daemons' real schemas. The first byte picks the schema (even: checkpoint,
 * odd: central), the rest is the YAML. A failed load must leave the struct
 * as it was and say why in "name:" lines; a successful one must say nothing
 * and hold only values its schema allows. tests/fuzz/run.sh links common/
 * and proto/ only, so the two schema files are compiled in here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "err.h"

#include "../../checkpoint/ckcfg.c"
#include "../../central/cencfg.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ck_cfg	ck, ck_before;
static struct cen_cfg	cen, cen_before;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_cfg: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* NUL-terminated inside its buffer, no control characters. */
static void
check_str(const char *s, size_t size)
{
	size_t	i, len;

	len = strnlen(s, size);
	CHECK(len < size);
	for (i = 0; i < len; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static void
check_ck(const struct ck_cfg *c)
{
	char	why[256];

	check_str(c->post_code, sizeof(c->post_code));
	check_str(c->post_name, sizeof(c->post_name));
	check_str(c->lane_listen, sizeof(c->lane_listen));
	check_str(c->store_path, sizeof(c->store_path));
	check_str(c->centre_url, sizeof(c->centre_url));
	check_str(c->log_level, sizeof(c->log_level));
	check_str(c->user, sizeof(c->user));
	CHECK(cfg_check_post_code(c->post_code, why, sizeof(why)) == 0);
	CHECK(cfg_check_hostport(c->lane_listen, why, sizeof(why)) == 0);
	CHECK(cfg_check_log_level(c->log_level, why, sizeof(why)) == 0);
	CHECK(strncmp(c->centre_url, "https://", 8) == 0);
	CHECK(c->store_path[0] != '\0' && c->ca_file[0] != '\0' &&
	    c->cert_file[0] != '\0' && c->key_file[0] != '\0');
	CHECK(c->batch_max >= 1 && c->batch_max <= PROTO_BATCH_MAX);
	CHECK(c->lane_max_body >= 1024);
	CHECK(c->backoff_min_ms <= c->backoff_max_ms);
	CHECK(c->timeout_ms >= 100 && c->push_interval_ms >= 10);
}

static void
check_cen(const struct cen_cfg *c)
{
	char	why[256];
	size_t	i, j;

	check_str(c->listen, sizeof(c->listen));
	check_str(c->conninfo, sizeof(c->conninfo));
	CHECK(cfg_check_hostport(c->listen, why, sizeof(why)) == 0);
	CHECK(c->max_batch >= 1 && c->max_batch <= PROTO_BATCH_MAX);
	CHECK(c->max_clients >= 1 && c->max_clients <= 4096);
	CHECK(c->nposts >= 1 && c->nposts <= CEN_POSTS_MAX);
	for (i = 0; i < c->nposts; i++) {
		check_str(c->posts[i].code, sizeof(c->posts[i].code));
		check_str(c->posts[i].cert_cn, sizeof(c->posts[i].cert_cn));
		CHECK(cfg_check_post_code(c->posts[i].code, why,
		    sizeof(why)) == 0);
		CHECK(cen_cfg_post_for_cert(c, c->posts[i].cert_cn, NULL) ==
		    (c->posts[i].cert_sha256[0] == '\0' ? &c->posts[i] : NULL));
		for (j = 0; j < i; j++) {
			CHECK(strcmp(c->posts[i].code, c->posts[j].code) != 0);
			CHECK(strcmp(c->posts[i].cert_cn,
			    c->posts[j].cert_cn) != 0);
		}
	}
}

/* Every line is "fuzz.yaml:..." and there is output exactly on failure. */
static void
check_output(const char *out, size_t len, int rc)
{
	const char	*p, *nl;

	CHECK((rc == 0) == (len == 0));
	CHECK(strlen(out) == len);
	for (p = out; p < out + len; p = nl + 1) {
		CHECK(strncmp(p, "fuzz.yaml:", 10) == 0);
		nl = strchr(p, '\n');
		CHECK(nl != NULL && nl > p + 10);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out = NULL;
	size_t	 outlen = 0;
	FILE	*fp;
	int	 rc;

	if (size < 1)
		return 0;
	if ((fp = open_memstream(&out, &outlen)) == NULL)
		abort();
	if (data[0] % 2 == 0) {
		ck_cfg_init(&ck);
		memcpy(&ck_before, &ck, sizeof(ck));
		rc = ck_cfg_load_buf(&ck, "fuzz.yaml", data + 1, size - 1, fp);
		if (rc == 0)
			check_ck(&ck);
		else
			CHECK(memcmp(&ck, &ck_before, sizeof(ck)) == 0);
	} else {
		cen_cfg_init(&cen);
		memcpy(&cen_before, &cen, sizeof(cen));
		rc = cen_cfg_load_buf(&cen, "fuzz.yaml", data + 1, size - 1,
		    fp);
		if (rc == 0)
			check_cen(&cen);
		else
			CHECK(memcmp(&cen, &cen_before, sizeof(cen)) == 0);
	}
	CHECK(rc == 0 || rc == ERR_INVAL);
	CHECK(fclose(fp) == 0);
	check_output(out, outlen, rc);
	free(out);
	return 0;
}
