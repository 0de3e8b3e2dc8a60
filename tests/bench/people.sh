#!/usr/bin/env bash
# people.sh - the people's API benchmark (issue 6, "Speed"), run by
# tests/bench/run.sh at its end: writes the "people" section of
# BENCHMARKS.md (BENCH_OUT=- prints it instead).
#
# A throwaway PostgreSQL (scripts/pg.sh; `centrald migrate`; `centralctl
# policy load config/policy.yaml`) is filled in SQL with
# BENCH_PEOPLE_CROSSINGS crossings (default 10,000,000) over six years at 40
# posts, a realistic nationality mix (citizens four in ten), entries and exits
# paired per trip so that BENCH_PEOPLE_OPEN documents (default 300,000) have
# an open stay today. The crossings go in by INSERT ... SELECT, one statement
# per year in time order, so the triggers of migrations 003 (stay_dirty) and
# 007 (flow_daily, flow_monthly) run over every row as in production. The
# stay deriver would take one transaction per document, so the stay states
# are written in SQL the way central/stays.c derives them (the rule, its last
# lawful day, category and overstay days; see "Stay states" below), and a
# sample is then derived again by the real deriver and compared. Permits,
# registrations at a place of residence, 40 posts with their health and the
# posts' check and record events of the last BENCH_PEOPLE_AUDIT_DAYS days
# (default 90, for the hits chart) are filled too; then VACUUM ANALYZE.
#
# Measured through the real people's API (centrald, HTTPS, a bearer token
# from `centralctl token create`, one keep-alive connection per series,
# curl): GET /api/v1/overstays, first page (limit 100), without and with
# each filter and sort, BENCH_PEOPLE_REQUESTS times each (default 200;
# every query is audited, as always); every request the dashboard page makes
# and a few wider ones, the same number of times; p50, p95 and the slowest.
# Then the database's size per million crossings.
#
# Takes about 15-25 minutes at the default sizes on 2 cores (most of it the
# load); `make bench` runs it, `make test` does not.
#
#	BENCH_PEOPLE_CROSSINGS=200000 BENCH_PEOPLE_OPEN=6000 \
#	    BENCH_OUT=- bash tests/bench/people.sh	# a quick look
#
# BENCH_PEOPLE_SAMPLE (default 1000) states are derived again; with
# BENCH_PEOPLE_KEEP=1 the database and centrald stay up after the report.
BIN=${BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
source "$(dirname "$0")/../integration/lib.sh"

NCROSS=${BENCH_PEOPLE_CROSSINGS:-10000000}
NOPEN=${BENCH_PEOPLE_OPEN:-300000}
NREQ=${BENCH_PEOPLE_REQUESTS:-200}
AUDIT_DAYS=${BENCH_PEOPLE_AUDIT_DAYS:-90}
SAMPLE=${BENCH_PEOPLE_SAMPLE:-1000}
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
A=ALA01
CERT_POST=$A

for v in NCROSS NOPEN NREQ AUDIT_DAYS SAMPLE; do
	[[ "${!v}" =~ ^[0-9]+$ ]] || fail "$v must be a whole number, got \"${!v}\""
done
[ "$NCROSS" -ge 10000 ] || fail "BENCH_PEOPLE_CROSSINGS must be at least 10000"
[ "$NOPEN" -ge 100 ] && [ $((NOPEN * 6)) -le "$NCROSS" ] ||
	fail "BENCH_PEOPLE_OPEN must be 100..BENCH_PEOPLE_CROSSINGS/6"
[ "$NREQ" -ge 2 ] || fail "BENCH_PEOPLE_REQUESTS must be at least 2"

machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	printf '%s, %s cores, %s GiB RAM, %s, PostgreSQL %s' "${cpu:-unknown CPU}" \
	    "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo)" \
	    "$(uname -sr)" "$(psql_q 'show server_version')"
}
psql_f() { psql "$CONNINFO" -XAtq -v ON_ERROR_STOP=1 "$@"; }
now_s() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN {printf "%.0f", b - a}'; }
CTL() { "$BIN/centralctl" -c "$T/central.yaml" --as bench "$@"; }

pki $A
pg_start
# A modest production-like server: 1 GB of shared buffers and room for the
# load's WAL; everything else as initdb left it (work_mem 4 MB).
psql_q "alter system set shared_buffers = '1GB'"
psql_q "alter system set max_wal_size = '8GB'"
psql_q "alter system set maintenance_work_mem = '512MB'"
pg_stop >/dev/null
pg_start
central_config $A
"$BIN/centrald" -c "$T/central.yaml" migrate >>"$T/centrald.log" 2>&1 || fail "migrate"
sed -i 's/level: info/level: warn/' "$T/central.yaml"
CTL policy load "$ROOT/config/policy.yaml" >/dev/null || fail "policy load"
CTL user add bench-inspector --roles inspector --no-password >/dev/null ||
	fail "user add"
TOKEN=$(CTL token create bench-inspector --name bench --days 1 2>>"$T/tokens.log")
[ -n "$TOKEN" ] || fail "token create"
# curl reads the header from a file: the token stays out of ps.
(umask 077 && printf 'Authorization: Bearer %s\n' "$TOKEN" >"$T/auth.hdr")

# ---------------------------------------------------------------------------
# The population, in SQL. bench.u(i, s) is a uniform [0, 1) from a hash, so
# every run makes the same data for the same sizes (and the same "today").
log "people: preparing $NCROSS crossings, $NOPEN open stays"
t_all=$(now_s)
psql_f -v ncross="$NCROSS" -v nopen="$NOPEN" <<'SQL' || fail "generation"
CREATE SCHEMA bench;
CREATE FUNCTION bench.u(i bigint, s bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((hashint8extended(i, s) >> 11) & 9007199254740991)::float8
    / 9007199254740992.0 $$;

-- today and the first day of the six years, in the policy's zone.
CREATE TABLE bench.p AS SELECT
	(now() AT TIME ZONE 'Asia/Almaty')::date AS today,
	(now() AT TIME ZONE 'Asia/Almaty')::date - 2190 AS start,
	:ncross::bigint AS ncross, :nopen::bigint AS nopen,
	(SELECT version FROM policy_versions
	    ORDER BY loaded_at DESC, version DESC LIMIT 1) AS pv;
-- Refused and referred crossings: 0.8 %. Trips: an open document has on
-- average 3 trips (5 crossings, the last an entry only), any other 3 (6).
ALTER TABLE bench.p ADD COLUMN nrefused bigint, ADD COLUMN ndocs bigint;
UPDATE bench.p SET nrefused = ncross * 8 / 1000,
	ndocs = nopen + (ncross - ncross * 8 / 1000 - 5 * nopen) / 6;

-- Nationalities: share of all documents (w_all, per mille; KAZ are the
-- citizens), share of the open stays (w_open), visa required, the
-- visa-free days of one entry with an empty window (cap), the policy's
-- description of the rule (policy_describe()).
CREATE TABLE bench.nat (nat text PRIMARY KEY, w_all int, w_open int,
    visa boolean, cap int, rule text);
INSERT INTO bench.nat VALUES
 ('KAZ', 400, 0, false, 0, NULL),
 ('RUS', 150, 140, false, 90, 'EAEU 90/180 from 2015-01-01'),
 ('UZB', 120, 300, false, 30, 'VISA_FREE_30 90/180, 30 per entry from 2023-01-27'),
 ('KGZ', 70, 100, false, 90, 'EAEU 90/180 from 2015-01-01'),
 ('CHN', 50, 100, false, 30, 'CHN 90/180, 30 per entry from 2023-11-10'),
 ('TJK', 25, 80, false, 30, 'VISA_FREE_30 90/180, 30 per entry from 2023-01-27'),
 ('TUR', 20, 40, false, 30, 'VISA_FREE_30 90/180, 30 per entry from 2023-01-27'),
 ('KOR', 10, 20, false, 30, 'VISA_FREE_30 90/180, 30 per entry from 2023-01-27'),
 ('IND', 8, 20, false, 14, 'VISA_FREE_14 42/180, 14 per entry from 2022-07-08'),
 ('IRN', 4, 10, false, 14, 'VISA_FREE_14 42/180, 14 per entry from 2022-07-08'),
 ('AZE', 8, 20, false, 90, 'BILATERAL_90 90/180 from 2023-01-27'),
 ('MNG', 5, 10, false, 90, 'BILATERAL_90 90/180 from 2023-01-27'),
 ('GEO', 4, 10, false, 90, 'BILATERAL_90 90/180 from 2023-01-27'),
 ('UKR', 6, 10, false, 90, 'BILATERAL_90 90/180 from 2023-01-27'),
 ('BLR', 8, 10, false, 90, 'EAEU 90/180 from 2015-01-01'),
 ('ARM', 5, 10, false, 90, 'EAEU 90/180 from 2015-01-01'),
 ('D', 8, 10, false, 30, 'VISA_FREE_30 90/180, 30 per entry from 2023-01-27'),
 ('USA', 8, 10, false, 30, 'VISA_FREE_30 90/180, 30 per entry from 2023-01-27'),
 ('GBR', 5, 5, false, 30, 'VISA_FREE_30 90/180, 30 per entry from 2023-01-27'),
 ('TKM', 10, 30, true, 0, 'default: visa required'),
 ('PAK', 6, 20, true, 0, 'default: visa required'),
 ('AFG', 5, 25, true, 0, 'default: visa required'),
 ('EGY', 3, 10, true, 0, 'default: visa required'),
 ('BGD', 3, 10, true, 0, 'default: visa required'),
 ('NGA', 2, 10, true, 0, 'default: visa required'),
 ('XXA', 1, 10, true, 0, 'default: visa required');
CREATE TABLE bench.pick_all AS SELECT (row_number() OVER (ORDER BY nat) - 1)::int
    AS slot, nat FROM (SELECT nat, generate_series(1, w_all) FROM bench.nat) x;
CREATE TABLE bench.pick_open AS SELECT (row_number() OVER (ORDER BY nat) - 1)::int
    AS slot, nat FROM (SELECT nat, generate_series(1, w_open) FROM bench.nat
    WHERE w_open > 0) x;

-- 40 posts, busiest first (weight ~ 1/rank).
CREATE TABLE bench.post (code text PRIMARY KEY, name text, w int);
INSERT INTO bench.post
SELECT code, name, (400 / rn)::int + 2 FROM (SELECT code, name,
    row_number() OVER () AS rn FROM (VALUES
 ('ALA01', 'Almaty airport'), ('NQZ01', 'Astana airport'),
 ('ZHZ01', 'Zhibek Zholy (road, UZB)'), ('KRG01', 'Khorgos (road, CHN)'),
 ('KRD01', 'Korday (road, KGZ)'), ('CIT01', 'Shymkent airport'),
 ('KAP01', 'Kapchagay rail'), ('PTR01', 'Petropavlovsk (road, RUS)'),
 ('SRY01', 'Saryagash rail'), ('AKT01', 'Aktobe airport'),
 ('GUW01', 'Atyrau airport'), ('SCO01', 'Aktau seaport'),
 ('KRG02', 'Altynkol rail (CHN)'), ('DST01', 'Dostyk rail (CHN)'),
 ('URA01', 'Oral airport'), ('PWQ01', 'Pavlodar (road, RUS)'),
 ('UKK01', 'Oskemen airport'), ('KSN01', 'Kostanay (road, RUS)'),
 ('KZO01', 'Kyzylorda airport'), ('DMB01', 'Taraz (road, KGZ)'),
 ('KGF01', 'Karaganda airport'), ('BKR01', 'Bakhty (road, CHN)'),
 ('MKH01', 'Maikapchagay (road, CHN)'), ('KRD02', 'Karasu (road, KGZ)'),
 ('AKS01', 'Akzhol (road, KGZ)'), ('BEY01', 'Beineu rail (UZB)'),
 ('TAZ01', 'Tazhen (road, UZB)'), ('KAZ01', 'Kazygurt (road, UZB)'),
 ('SYR01', 'Syrym (road, RUS)'), ('ZHA01', 'Zhaisan (road, RUS)'),
 ('KAR01', 'Karakoga (road, RUS)'), ('SHU01', 'Shemonaikha (road, RUS)'),
 ('TEM01', 'Temirtau rail (RUS)'), ('ILE01', 'Iletsk rail (RUS)'),
 ('KIY01', 'Kairak (road, RUS)'), ('AUL01', 'Aul rail (RUS)'),
 ('TOB01', 'Tobol (road, RUS)'), ('MKM01', 'Maikamys (road, RUS)'),
 ('KOL01', 'Kolzhat (road, CHN)'), ('TUR01', 'Turkestan airport')
    ) v(code, name)) x;
CREATE TABLE bench.pick_post AS SELECT (row_number() OVER (ORDER BY code) - 1)::int
    AS slot, code FROM (SELECT code, generate_series(1, w) FROM bench.post) x;

-- Regions of registration (weights in per mille).
CREATE TABLE bench.region (name text PRIMARY KEY, w int);
INSERT INTO bench.region VALUES ('Almaty', 280), ('Astana', 180),
 ('Shymkent', 100), ('Almaty Region', 80), ('Turkistan Region', 70),
 ('Karaganda Region', 50), ('Aktobe Region', 40), ('Atyrau Region', 40),
 ('Mangystau Region', 40), ('East Kazakhstan Region', 30),
 ('Pavlodar Region', 20), ('Kostanay Region', 20), ('Zhambyl Region', 20),
 ('Kyzylorda Region', 10), ('West Kazakhstan Region', 10),
 ('North Kazakhstan Region', 10), ('Abai Region', 5), ('Zhetysu Region', 5),
 ('Ulytau Region', 5);
CREATE TABLE bench.pick_region AS SELECT (row_number() OVER (ORDER BY name) - 1)::int
    AS slot, name FROM (SELECT name, generate_series(1, w) FROM bench.region) x;

-- Names as the MRZ prints them.
CREATE TABLE bench.names (sur text[], given text[]);
INSERT INTO bench.names VALUES (ARRAY[
 'KARIMOV', 'YUSUPOV', 'RAKHIMOV', 'ABDULLAEV', 'TASHKENTOV', 'SULTANOV',
 'IVANOV', 'SMIRNOV', 'KUZNETSOV', 'POPOV', 'VASILEV', 'PETROV', 'SOKOLOV',
 'MIKHAILOV', 'NOVIKOV', 'FEDOROV', 'MOROZOV', 'VOLKOV', 'ALEKSEEV',
 'LEBEDEV', 'SEMENOV', 'EGOROV', 'PAVLOV', 'KOZLOV', 'STEPANOV',
 'NURLANOV', 'ZHAKSYBEKOV', 'ABENOV', 'OMAROV', 'AKHMETOV', 'ISKAKOV',
 'BEKOV', 'ASANOV', 'MAMYTOV', 'TOKTOGULOV', 'SYDYKOV', 'ZHEENBEKOV',
 'WANG', 'LI', 'ZHANG', 'LIU', 'CHEN', 'YANG', 'HUANG', 'ZHAO', 'WU',
 'ZHOU', 'XU', 'SUN', 'MA', 'ZHU', 'HU', 'GUO', 'HE', 'LIN',
 'YILMAZ', 'KAYA', 'DEMIR', 'SAHIN', 'CELIK', 'KIM', 'LEE', 'PARK',
 'SHARMA', 'SINGH', 'KUMAR', 'KHAN', 'AHMADI', 'HOSSEINI', 'MULLER',
 'SCHMIDT', 'SMITH', 'JOHNSON', 'BROWN', 'NAZAROV', 'SAIDOV', 'BATBAYAR',
 'GANBOLD', 'BERDIYEV', 'ORAZOV', 'MAMMADOV', 'ALIYEV'],
 ARRAY['ALISHER', 'RUSTAM', 'DILSHOD', 'SHERZOD', 'BAKHTIYOR', 'GULNARA',
 'NODIRA', 'MADINA', 'IVAN', 'SERGEI', 'ALEKSANDR', 'DMITRII', 'ANDREI',
 'OLGA', 'ELENA', 'TATIANA', 'NATALIA', 'ANNA', 'AIBEK', 'NURLAN',
 'ASEL', 'AIGERIM', 'DANIYAR', 'ERLAN', 'ZHANAR', 'WEI', 'JING', 'LEI',
 'YAN', 'MEHMET', 'AYSE', 'MINJUN', 'SEOYEON', 'RAHUL', 'PRIYA', 'ALI',
 'FATIMA', 'JOHN', 'MARY', 'THOMAS', 'ANNA MARIA', 'BATBOLD', 'ORKHAN',
 'GULSHAT', 'FARRUKH', 'UMID', 'AZIZ', 'KAMOLA', 'ZARINA', 'TIMUR']);


-- Documents: the first nopen are foreigners with an open stay today; k
-- trips each (1..5).
CREATE TABLE bench.docs AS
WITH g AS (SELECT i, i <= p.nopen AS open,
	floor(bench.u(i, 1) * CASE WHEN i <= p.nopen
	    THEN (SELECT count(*) FROM bench.pick_open)
	    ELSE (SELECT count(*) FROM bench.pick_all) END)::int AS slot
    FROM bench.p p, generate_series(1, p.ndocs) i)
SELECT g.i AS id, g.open, coalesce(po.nat, pa.nat) AS nat,
	CASE coalesce(po.nat, pa.nat) WHEN 'XXA' THEN 'KAZ'
	    ELSE coalesce(po.nat, pa.nat) END AS state,
	chr(65 + (hashint8(g.i) & 15)::int) ||
	    chr(65 + ((hashint8(g.i) >> 4) & 15)::int) ||
	    lpad(g.i::text, 7, '0') AS number,
	nm.sur[1 + floor(bench.u(g.i, 3) * cardinality(nm.sur))::int]
	    AS surname,
	nm.given[1 + floor(bench.u(g.i, 4) * cardinality(nm.given))::int]
	    AS given,
	DATE '1950-01-01' + floor(bench.u(g.i, 5) * 20000)::int AS birth,
	CASE WHEN bench.u(g.i, 6) < 0.5 THEN 'M' ELSE 'F' END AS sex,
	p.today + 200 + floor(bench.u(g.i, 7) * 3000)::int AS expiry,
	1 + floor(bench.u(g.i, 8) * 5)::int AS k
FROM g CROSS JOIN bench.p p CROSS JOIN bench.names nm
LEFT JOIN bench.pick_open po ON g.open AND po.slot = g.slot
LEFT JOIN bench.pick_all pa ON NOT g.open AND pa.slot = g.slot;
ALTER TABLE bench.docs ADD PRIMARY KEY (id);

-- The open stays, the way central/stays.c derives them (docs/
-- stay-states.md). Every earlier trip of these documents ended more than
-- 200 days before this entry, so the visa-free window holds only this stay
-- and a permit is the only one of the person: then
--   visa-free  allowed_until = entry + cap - 1 (the per-entry limit, or
--              max_days with an empty window)
--   permit     its last day, + cap visa-free days after it (the rule the
--              day after is visa-free) or + 0 (a visa is required)
--   visa       min(its last day, entry + stay_days - 1)
--   no visa    entry - 1
-- and overstay_days = today - allowed_until when positive. A share of
-- each category overstays (15 % visa-free, 20 % work permits, 12 % visas,
-- 5 % residence permits, 3 % refugees and asylum seekers, 2 %
-- repatriates, every one admitted without a required visa).
CREATE TABLE bench.open AS
WITH a AS (
	SELECT d.id, d.nat, n.visa, n.cap, n.rule AS nrule, p.today,
	    bench.u(d.id, 20) AS uc, bench.u(d.id, 21) AS uo,
	    bench.u(d.id, 22) AS u5, bench.u(d.id, 23) AS u6,
	    bench.u(d.id, 24) AS u7, bench.u(d.id, 25) AS u8
	FROM bench.docs d JOIN bench.nat n USING (nat) CROSS JOIN bench.p p
	WHERE d.open),
b AS (SELECT a.*, CASE WHEN NOT visa THEN
	    CASE WHEN uc < 0.65 THEN 'visa_free'
		WHEN uc < 0.87 THEN 'work_permit'
		WHEN uc < 0.95 THEN 'residence_permit'
		WHEN uc < 0.98 THEN 'repatriate'
		ELSE 'refugee_asylum' END
	ELSE
	    CASE WHEN uc < 0.60 THEN 'visa'
		WHEN uc < 0.75 THEN 'residence_permit'
		WHEN uc < 0.85 THEN 'refugee_asylum'
		WHEN uc < 0.90 THEN 'repatriate'
		ELSE 'no_visa' END
	END AS cat FROM a),
c AS (SELECT b.*, uo < CASE cat WHEN 'visa_free' THEN 0.15
	    WHEN 'work_permit' THEN 0.20 WHEN 'residence_permit' THEN 0.05
	    WHEN 'refugee_asylum' THEN 0.03 WHEN 'repatriate' THEN 0.02
	    WHEN 'visa' THEN 0.12 ELSE 1 END AS ov,
	CASE WHEN u8 < 0.7 THEN 30 ELSE 90 END AS sd,
	CASE WHEN u8 < 0.7 THEN 89 ELSE 179 END AS vl,
	floor(u7 * 20)::int AS d7 FROM b),
v AS (SELECT c.*, least(vl - d7, sd - 1) AS va,
	CASE WHEN ov THEN today - cap - 1 - floor(u5 * u5 *
	    CASE cat WHEN 'work_permit' THEN 300 ELSE 200 END)::int
	ELSE today + 1 + floor(u5 *
	    CASE cat WHEN 'work_permit' THEN 300 ELSE 1500 END)::int
	END AS pu0 FROM c),
e AS (SELECT v.*, CASE cat
	WHEN 'visa_free' THEN today - CASE WHEN ov
	    THEN cap + floor(u5 * u5 * 400)::int ELSE floor(u5 * cap)::int END
	WHEN 'visa' THEN today - CASE WHEN ov
	    THEN va + 1 + floor(u5 * u5 * 300)::int
	    ELSE floor(u5 * (va + 1))::int END
	WHEN 'no_visa' THEN today - floor(u5 * u5 * 300)::int
	ELSE CASE WHEN ov THEN pu0 - floor(u6 * 330)::int
	    ELSE today - floor(u6 * CASE cat WHEN 'work_permit' THEN 330
		ELSE 700 END)::int END
	END AS e FROM v)
SELECT id, nat, cat, ov, today, e,
	CASE cat WHEN 'visa_free' THEN NULL WHEN 'no_visa' THEN NULL
	    WHEN 'visa' THEN 'visa' WHEN 'refugee_asylum' THEN
	    CASE WHEN u8 < 0.5 THEN 'refugee' ELSE 'asylum' END
	    ELSE cat END AS kind,
	CASE cat WHEN 'visa' THEN e - d7 WHEN 'visa_free' THEN NULL
	    WHEN 'no_visa' THEN NULL
	    ELSE e - floor(u7 * CASE cat WHEN 'work_permit' THEN 20
		ELSE 365 END)::int END AS pf,
	CASE cat WHEN 'visa' THEN e - d7 + vl WHEN 'visa_free' THEN NULL
	    WHEN 'no_visa' THEN NULL ELSE pu0 END AS pu,
	CASE cat WHEN 'visa' THEN sd END AS sd,
	CASE cat WHEN 'visa_free' THEN e + cap - 1
	    WHEN 'visa' THEN e + va
	    WHEN 'no_visa' THEN e - 1
	    ELSE pu0 + cap END AS allowed,
	nrule,
	floor(bench.u(id, 26) * (SELECT count(*) FROM bench.pick_post))::int
	    AS s_in
FROM e;
ALTER TABLE bench.open ADD PRIMARY KEY (id);

-- Trips: k over the six years for a document without an open stay; k - 1
-- before (entry - 200 days) and the open one for the others. Citizens
-- leave first and come back.
CREATE TABLE bench.trips AS
WITH s AS (
	SELECT d.id, d.nat = 'KAZ' AS cit, d.k, j, p.start, o.e,
	    CASE WHEN o.id IS NULL THEN 2190 / d.k
		ELSE (o.e - 200 - p.start) / greatest(d.k - 1, 1) END AS slot,
	    d.id * 8 + j AS h
	FROM bench.docs d CROSS JOIN bench.p p
	LEFT JOIN bench.open o ON o.id = d.id
	CROSS JOIN LATERAL generate_series(0, CASE WHEN d.open THEN d.k - 2
	    ELSE d.k - 1 END) j),
t AS (SELECT s.*, start + j * slot + floor(bench.u(h, 30) * (slot - 31))::int
	    AS ent FROM s)
SELECT id, cit, ent,
	ent + 1 + floor(bench.u(h, 31) * CASE WHEN cit THEN 21 ELSE 30 END)::int
	    AS ext,
	floor(bench.u(h, 32) * (SELECT count(*) FROM bench.pick_post))::int
	    AS s_in,
	CASE WHEN bench.u(h, 33) < 0.7 THEN -1 ELSE
	    floor(bench.u(h, 34) * (SELECT count(*) FROM bench.pick_post))::int
	    END AS s_out,
	floor(bench.u(h, 35) * 86400)::int AS sec_in,
	floor(bench.u(h, 36) * 86400)::int AS sec_out,
	1 + floor(bench.u(h, 37) * 8)::int AS lane,
	1 + floor(bench.u(h, 38) * 24)::int AS off
FROM t
UNION ALL
SELECT o.id, false, o.e, NULL, o.s_in, NULL,
	floor(bench.u(o.id, 35) * 86400)::int, NULL,
	1 + floor(bench.u(o.id, 37) * 8)::int,
	1 + floor(bench.u(o.id, 38) * 24)::int
FROM bench.open o;

-- Refused and referred crossings (nobody crossed): documents without an
-- open stay, mostly on entry.
CREATE TABLE bench.refused AS
SELECT p.nopen + 1 + floor(bench.u(i, 40) * (p.ndocs - p.nopen))::bigint AS id,
	p.start + floor(bench.u(i, 41) * 2190)::int AS day,
	floor(bench.u(i, 42) * 86400)::int AS sec,
	floor(bench.u(i, 43) * (SELECT count(*) FROM bench.pick_post))::int
	    AS s_in,
	CASE WHEN bench.u(i, 44) < 0.85 THEN 'entry' ELSE 'exit' END AS dir,
	CASE WHEN bench.u(i, 45) < 0.6 THEN 'refuse' ELSE 'refer' END AS outcome,
	1 + floor(bench.u(i, 46) * 8)::int AS lane,
	1 + floor(bench.u(i, 47) * 24)::int AS off
FROM bench.p p, generate_series(1, p.nrefused) i;

-- Every crossing with its time, post and direction, in the order the
-- yearly INSERTs read them.
CREATE TABLE bench.x AS
SELECT t.id, pp.code AS post,
	least((t.ent + make_interval(secs => t.sec_in))
	    AT TIME ZONE 'Asia/Almaty', now()) AS t,
	CASE WHEN t.cit THEN 'exit' ELSE 'entry' END AS dir,
	'admit'::text AS outcome, t.lane, t.off
FROM bench.trips t JOIN bench.pick_post pp ON pp.slot = t.s_in
UNION ALL
SELECT t.id, pp.code,
	(t.ext + make_interval(secs => t.sec_out)) AT TIME ZONE 'Asia/Almaty',
	CASE WHEN t.cit THEN 'entry' ELSE 'exit' END, 'admit', t.lane, t.off
FROM bench.trips t JOIN bench.pick_post pp
    ON pp.slot = CASE WHEN t.s_out < 0 THEN t.s_in ELSE t.s_out END
WHERE t.ext IS NOT NULL
UNION ALL
SELECT r.id, pp.code,
	(r.day + make_interval(secs => r.sec)) AT TIME ZONE 'Asia/Almaty',
	r.dir, r.outcome, r.lane, r.off
FROM bench.refused r JOIN bench.pick_post pp ON pp.slot = r.s_in;
CREATE INDEX ON bench.x (t);
CREATE TABLE bench.seq AS SELECT code AS post, 0::bigint AS n FROM bench.post;
ALTER TABLE bench.seq ADD PRIMARY KEY (post);
ANALYZE bench.x;
ANALYZE bench.docs;
SELECT count(*) FROM bench.x;
SQL
gen_s=$(since "$t_all")
NX=$(psql_q "select count(*) from bench.x")
log "people: $NX crossings prepared in ${gen_s} s; inserting a year at a time"

# The crossings, one INSERT ... SELECT per year in time order, each post's
# sequence numbers gapless and in time order, through both triggers.
t_ins=$(now_s)
lo=$(psql_q "select min(t) from bench.x")
end=$(psql_q "select max(t) + interval '1 second' from bench.x")
while :; do
	hi=$(psql_q "select least(timestamptz '$lo' + interval '1 year', timestamptz '$end')")
	psql_f -v lo="$lo" -v hi="$hi" <<'SQL' || fail "insert $lo .. $hi"
INSERT INTO crossings (post, seq, recorded_at, received_at, direction, lane,
    officer, outcome, doc_type, issuing_state, doc_number, nationality,
    surname, given_names, birth_date, sex, expiry_date)
SELECT x.post, s.n + row_number() OVER (PARTITION BY x.post
	ORDER BY x.t, x.id, x.dir),
	x.t, x.t + interval '2 seconds', x.dir, x.lane,
	lower(x.post) || '.' || x.off, x.outcome, 'P', d.state, d.number,
	d.nat, d.surname, d.given, d.birth, d.sex, d.expiry
FROM bench.x x JOIN bench.docs d ON d.id = x.id
JOIN bench.seq s ON s.post = x.post
WHERE x.t >= :'lo' AND x.t < :'hi'
ORDER BY x.t;
UPDATE bench.seq s SET n = coalesce((SELECT max(c.seq) FROM crossings c
    WHERE c.post = s.post), 0);
SQL
	log "people: crossings up to $hi: $(psql_q "select sum(n) from bench.seq")"
	lo=$hi
	[ "$(psql_q "select timestamptz '$lo' >= timestamptz '$end'")" = t ] && break
done
ins_s=$(since "$t_ins")
NCROSS_REAL=$(psql_q "select count(*) from crossings")
DIRTY=$(psql_q "select count(*) from stay_dirty")
FLOW_D=$(psql_q "select count(*) from flow_daily")
FLOW_M=$(psql_q "select count(*) from flow_monthly")
FLOW_OK=$(psql_q "select (select sum(admitted + refused + referred) from flow_daily) = count(*) from crossings")
[ "$FLOW_OK" = t ] || fail "flow_daily does not count every crossing"
log "people: $NCROSS_REAL crossings in ${ins_s} s; the triggers marked $DIRTY documents and wrote $FLOW_D daily, $FLOW_M monthly flow rows"

# The registry around them: posts and their health, permits,
# registrations, stay states, the posts' audit events; then the marks the
# trigger made are taken as derived.
t_reg=$(now_s)
SHA=$(openssl x509 -in "$T/pki/post-$A.crt" -outform DER | sha256sum | cut -d' ' -f1)
psql_f -v sha="$SHA" -v auditdays="$AUDIT_DAYS" -v sample="$SAMPLE" <<'SQL' || fail "registry"
INSERT INTO posts (code, name, cert_cn, cert_sha256, enrolled_by)
SELECT code, name, 'post-' || code, CASE code WHEN 'ALA01' THEN :'sha'
	ELSE encode(sha256(convert_to(code, 'UTF8')), 'hex') END, 'bench'
FROM bench.post;
-- Three posts have not called for hours; the others seconds ago.
INSERT INTO post_health (post, last_contact_at, last_push_at, unsent,
    audit_unsent, feed_cursor, feed_at)
SELECT code, now() - CASE WHEN rn % 13 = 0 THEN interval '5 hours'
	ELSE make_interval(secs => rn * 3) END,
	now() - CASE WHEN rn % 13 = 0 THEN interval '5 hours'
	ELSE make_interval(secs => rn * 3) END,
	rn % 4, rn % 7, (SELECT pos FROM feed_head), now() - interval '1 minute'
FROM (SELECT code, row_number() OVER (ORDER BY code) AS rn FROM bench.post) x;

-- The permits of the open stays (their ids name them in the rule), and
-- past visas and work permits of 8 % of the other foreigners.
INSERT INTO permits (id, kind, issuing_state, number, nationality, surname,
    given_names, birth_date, valid_from, valid_until, entries, stay_days,
    employer, region, changed_by)
SELECT upper(left(o.kind, 1)) || 'P' || o.id, o.kind, d.state, d.number,
	d.nat, d.surname, d.given, d.birth, o.pf, o.pu,
	CASE o.kind WHEN 'visa' THEN 2 END, o.sd,
	CASE o.kind WHEN 'work_permit' THEN 'LLP Employer ' || (o.id % 5000) END,
	CASE o.kind WHEN 'work_permit' THEN r.name END, 'bench'
FROM bench.open o JOIN bench.docs d USING (id)
LEFT JOIN bench.pick_region r
    ON r.slot = floor(bench.u(o.id, 60) * 1000)::int % 1000
WHERE o.kind IS NOT NULL;
INSERT INTO permits (id, kind, issuing_state, number, nationality, surname,
    given_names, birth_date, valid_from, valid_until, entries, stay_days,
    employer, changed_by)
SELECT 'H' || d.id, CASE WHEN n.visa THEN 'visa' ELSE 'work_permit' END,
	d.state, d.number, d.nat, d.surname, d.given, d.birth,
	p.start + floor(bench.u(d.id, 61) * 1500)::int,
	p.start + floor(bench.u(d.id, 61) * 1500)::int + 180,
	CASE WHEN n.visa THEN 2 END, CASE WHEN n.visa THEN 30 END,
	CASE WHEN NOT n.visa THEN 'LLP Employer ' || (d.id % 5000) END, 'bench'
FROM bench.docs d JOIN bench.nat n USING (nat) CROSS JOIN bench.p p
WHERE NOT d.open AND d.nat <> 'KAZ' AND bench.u(d.id, 62) < 0.08;

-- Registrations: 65 % of the open stays (a year from a day or a few after
-- entry), and a quarter of the foreigners' trips of the last two years.
INSERT INTO registrations (id, issuing_state, number, region, address,
    host, valid_from, valid_until, changed_by)
SELECT 'RG' || o.id, d.state, d.number, r.name,
	'Street ' || (o.id % 300) || ', apt ' || (o.id % 97),
	CASE WHEN o.id % 3 = 0 THEN 'Hotel ' || (o.id % 400)
	    ELSE 'LLP Host ' || (o.id % 9000) END,
	least(o.e + floor(bench.u(o.id, 63) * 6)::int, o.today),
	least(o.e + floor(bench.u(o.id, 63) * 6)::int, o.today) + 364, 'bench'
FROM bench.open o JOIN bench.docs d USING (id)
JOIN bench.pick_region r ON r.slot = floor(bench.u(o.id, 64) * 1000)::int
WHERE bench.u(o.id, 65) < 0.65;
INSERT INTO registrations (id, issuing_state, number, region, address,
    host, valid_from, valid_until, changed_by)
SELECT 'RT' || t.id || '.' || t.ent, d.state, d.number, r.name,
	'Street ' || (t.id % 300) || ', apt ' || (t.id % 97),
	'LLP Host ' || (t.id % 9000), t.ent + 1, t.ext, 'bench'
FROM bench.trips t JOIN bench.docs d USING (id) CROSS JOIN bench.p p
JOIN bench.pick_region r ON r.slot = floor(bench.u(t.id * 8 + t.sec_in, 66)
    * 1000)::int
WHERE NOT t.cit AND t.ext IS NOT NULL AND t.ent >= p.today - 730
    AND bench.u(t.id * 8 + t.sec_in, 67) < 0.25;

-- Stay states: every open stay, and the closed ones still in the
-- 180-day window (their stays only; rule and category null).
INSERT INTO stay_states (issuing_state, number, nationality, birth_date,
    stays, open_entry, open_post, allowed_until, rule, overstay_days,
    policy_version, derived_on, category)
SELECT d.state, d.number, d.nat, d.birth,
	jsonb_build_array(jsonb_build_array(to_char(o.e, 'YYYY-MM-DD'), NULL)),
	o.e, pp.code, o.allowed,
	CASE WHEN o.kind IS NULL THEN o.nrule
	    ELSE o.kind || ' ' || upper(left(o.kind, 1)) || 'P' || o.id END,
	greatest(o.today - o.allowed, 0), p.pv, o.today,
	CASE o.cat WHEN 'refugee_asylum' THEN 'refugee_asylum' ELSE o.cat END
FROM bench.open o JOIN bench.docs d USING (id) CROSS JOIN bench.p p
JOIN bench.pick_post pp ON pp.slot = o.s_in;
INSERT INTO stay_states (issuing_state, number, nationality, birth_date,
    stays, policy_version, derived_on)
SELECT DISTINCT ON (t.id) d.state, d.number, d.nat, d.birth,
	jsonb_build_array(jsonb_build_array(to_char(t.ent, 'YYYY-MM-DD'),
	    to_char(t.ext, 'YYYY-MM-DD'))), p.pv, p.today
FROM bench.trips t JOIN bench.docs d USING (id) CROSS JOIN bench.p p
WHERE NOT d.open AND NOT t.cit AND t.ext >= p.today - 179
ORDER BY t.id, t.ent DESC;

-- The posts' check and record events of the last days (the hits chart):
-- one check (about 0.6 % with a watchlist or document-alert hit) and one
-- record per crossing. The hashes only have the right form: these chains
-- are not verified here.
INSERT INTO post_audit (post, seq, at, actor, action, subject, detail, prev,
    hash, received_at)
SELECT post, row_number() OVER (PARTITION BY post ORDER BY at, ord), at,
	officer, action, subject, detail, md5(post || cseq::text || ord || 'p') ||
	md5(cseq::text || ord || post), md5(post || cseq::text || ord || 'h') ||
	md5(ord::text || cseq || post), at + interval '3 seconds'
FROM (
	SELECT c.post, c.seq AS cseq, 0 AS ord,
	    c.recorded_at - interval '40 seconds' AS at, c.officer,
	    'check' AS action, c.issuing_state || ':' || c.doc_number AS subject,
	    format('{"alerts":%s,"check_id":%s,"direction":"%s",'
		'"feed_version":1,"lane":%s,"policy_version":"%s",'
		'"reasons":%s,"verdict":"%s"}',
		CASE WHEN h.kind IS NULL THEN '[]'
		    ELSE '["A' || c.seq || '"]' END, c.seq, c.direction,
		c.lane, p.pv, CASE WHEN h.kind IS NULL THEN '[]'
		    ELSE '["' || h.kind || '"]' END,
		CASE WHEN h.kind IS NULL THEN 'clear'
		    WHEN h.kind = 'watchlist_entry_ban' THEN 'deny'
		    ELSE 'refer' END) AS detail
	FROM crossings c CROSS JOIN bench.p p
	CROSS JOIN LATERAL (SELECT bench.u(c.seq * 64 + length(c.post)
	    + ascii(c.post) * 7, 70) AS hu) r
	CROSS JOIN LATERAL (SELECT CASE
	    WHEN r.hu < 0.0015 THEN 'watchlist_entry_ban'
	    WHEN r.hu < 0.0025 THEN 'watchlist_exit_ban'
	    WHEN r.hu < 0.0030 THEN 'watchlist_wanted'
	    WHEN r.hu < 0.0045 THEN 'document_alert_lost'
	    WHEN r.hu < 0.0055 THEN 'document_alert_stolen'
	    WHEN r.hu < 0.0060 THEN 'document_alert_invalidated'
	    WHEN r.hu < 0.0062 THEN 'document_alert_revoked' END AS kind) h
	WHERE c.recorded_at >= (p.today - :auditdays::int)::timestamp
	    AT TIME ZONE 'Asia/Almaty'
	UNION ALL
	SELECT c.post, c.seq, 1, c.recorded_at, c.officer, 'record',
	    c.issuing_state || ':' || c.doc_number,
	    format('{"check_id":%s,"direction":"%s","lane":%s,"outcome":"%s",'
		'"reason":null,"seq":%s}', c.seq, c.direction, c.lane,
		c.outcome, c.seq)
	FROM crossings c CROSS JOIN bench.p p
	WHERE c.recorded_at >= (p.today - :auditdays::int)::timestamp
	    AT TIME ZONE 'Asia/Almaty') x;

-- A sample of the states, to derive again with the real deriver at the
-- end: most of them open stays.
CREATE TABLE bench.sample AS
SELECT s.* FROM stay_states s
WHERE s.open_entry IS NOT NULL ORDER BY bench.u(hashtext(s.number), 80)
LIMIT (SELECT :sample * 4 / 5);
INSERT INTO bench.sample
SELECT s.* FROM stay_states s
WHERE s.open_entry IS NULL ORDER BY bench.u(hashtext(s.number), 81)
LIMIT (SELECT :sample / 5);
SQL
reg_s=$(since "$t_reg")
NOPEN_REAL=$(psql_q "select count(*) from stay_states where open_entry is not null")
NOVER=$(psql_q "select count(*) from stay_states where open_entry is not null and allowed_until < (now() at time zone 'Asia/Almaty')::date")
NCLOSED=$(psql_q "select count(*) from stay_states where open_entry is null")
NREG=$(psql_q "select count(*) from registrations")
NPERM=$(psql_q "select count(*) from permits")
NAUDIT=$(psql_q "select count(*) from post_audit")
log "people: registry in ${reg_s} s: $NOPEN_REAL open stays ($NOVER overstaying), $NCLOSED closed states, $NPERM permits, $NREG registrations, $NAUDIT post audit events"

# What the trigger marked is what the SQL above derived: nothing is left
# for centrald's deriver but the sample at the end.
psql_q "truncate stay_dirty"
psql_f <<'SQL' || fail "cleanup"
DROP TABLE bench.x, bench.trips, bench.refused, bench.open, bench.docs;
SQL
t_vac=$(now_s)
psql_q "vacuum analyze"
vac_s=$(since "$t_vac")
load_s=$(since "$t_all")
log "people: vacuum analyze in ${vac_s} s; the whole load took ${load_s} s"

start_centrald
wait_http "https://localhost:$PEOPLE_PORT/" --cacert "$T/pki/ca.crt"
TODAY=$(psql_q "select (now() at time zone 'Asia/Almaty')::date")
START=$(psql_q "select start from bench.p")
D29=$(psql_q "select date '$TODAY' - 29")
D364=$(psql_q "select date '$TODAY' - 364")

# series NAME PATH [N] : N (default NREQ) + 1 GETs of PATH on one
# connection (the first, with the TLS handshake, is left out); every answer
# must be 200. Appends "NAME|PATH|n|p50|p95|max" (ms) to $T/series.txt.
: >"$T/series.txt"
series() {
	local name=$1 path=$2 n=${3:-$NREQ} i args=() out
	for i in $(seq 0 "$n"); do
		args+=(-o /dev/null "https://localhost:$PEOPLE_PORT$path")
	done
	out=$(curl -s --cacert "$T/pki/ca.crt" -H @"$T/auth.hdr" \
	    -w '%{http_code} %{time_total}\n' "${args[@]}")
	if grep -qv '^200 ' <<<"$out"; then
		people_curl "$path" -H @"$T/auth.hdr" >&2 || true
		fail "$name: not every answer was 200 ($path)"
	fi
	tail -n +2 <<<"$out" | awk '{print $2 * 1000}' | sort -n | awk -v n="$name" -v p="$path" '
	    {t[NR] = $1} END {
	    i = int(NR * 0.95 + 0.999999); if (i < 1) i = 1
	    printf "%s|%s|%d|%.1f|%.1f|%.1f\n", n, p, NR, t[int((NR + 1) / 2)], t[i], t[NR] }' |
	    tee -a "$T/series.txt" >&2
}

log "people: the overstay query, $NREQ requests per series"
O=/api/v1/overstays
series "no filter" "$O?limit=100"
series "nationality=UZB (common)" "$O?limit=100&nationality=UZB"
series "nationality=AFG (rare)" "$O?limit=100&nationality=AFG"
series "region=Almaty (common)" "$O?limit=100&region=Almaty"
series "region=Ulytau Region (rare)" "$O?limit=100&region=Ulytau%20Region"
series "post=ALA01 (busiest)" "$O?limit=100&post=ALA01"
series "post=TUR01 (quietest)" "$O?limit=100&post=TUR01"
series "category=work_permit" "$O?limit=100&category=work_permit"
series "category=no_visa" "$O?limit=100&category=no_visa"
series "min_days=180" "$O?limit=100&min_days=180"
series "nationality=UZB, region=Almaty, min_days=30" \
    "$O?limit=100&nationality=UZB&region=Almaty&min_days=30"
series "sort=entry" "$O?limit=100&sort=entry"
series "sort=nationality" "$O?limit=100&sort=nationality"
series "sort=post, order=desc" "$O?limit=100&sort=post&order=desc"
CURSOR=$(people_curl "$O?limit=100" -H @"$T/auth.hdr" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"])')
series "the second page (cursor)" "$O?limit=100&cursor=$CURSOR"
series "no filter, CSV" "$O?limit=100&format=csv"
cp "$T/series.txt" "$T/overstays.txt"
: >"$T/series.txt"
NREF=$((NREQ < 20 ? NREQ : 20))
log "people: for reference, the other two list queries, $NREF requests each"
series "work permits ended" "/api/v1/work-permits-ended?limit=100" "$NREF"
series "not registered in time" "/api/v1/unregistered?limit=100" "$NREF"
cp "$T/series.txt" "$T/others.txt"
: >"$T/series.txt"

log "people: the dashboard's requests, $NREQ each"
F=/api/v1/stats/flows
series "flows by day, 30 days (the page)" "$F?from=$D29&to=$TODAY&by=day"
series "flows by month, 12 months (the page)" "$F?to=$TODAY&by=month"
series "flows by post, 30 days (the page)" "$F?from=$D29&to=$TODAY&by=all&group=post"
series "flows by nationality, 30 days (the page)" \
    "$F?from=$D29&to=$TODAY&by=all&group=nationality"
series "overstayers by nationality (the page)" "/api/v1/stats/overstayers?by=nationality"
series "overstayers by region (the page)" "/api/v1/stats/overstayers?by=region"
series "hits by kind, 30 days (the page)" "/api/v1/stats/hits?from=$D29&to=$TODAY"
series "post health (the page)" "/api/v1/stats/posts"
series "flows by day, a year" "$F?from=$D364&to=$TODAY&by=day"
series "flows by month, all six years" "$F?from=$START&to=$TODAY&by=month"
series "flows by month, all six years, by nationality" \
    "$F?from=$START&to=$TODAY&by=month&group=nationality"
series "flows by post, a year" "$F?from=$D364&to=$TODAY&by=all&group=post"
cp "$T/series.txt" "$T/dashboard.txt"

# Sizes, in MB per million crossings.
mb() { psql_q "select round($1 / 1048576.0 / ($NCROSS_REAL / 1e6), 1)"; }
total_mb() { psql_q "select round($1 / 1048576.0)"; }
SZ_HEAP="pg_table_size('crossings')"
SZ_IDX="pg_indexes_size('crossings')"
SZ_AGG="(pg_total_relation_size('flow_daily') + pg_total_relation_size('flow_monthly'))"
SZ_DB="pg_database_size(current_database())"
SZ_STAYS="pg_total_relation_size('stay_states')"
SZ_AUDIT="pg_total_relation_size('post_audit')"
IDX_LIST=$(psql_q "select string_agg(indexrelid::regclass || ' ' ||
    pg_size_pretty(pg_relation_size(indexrelid)), ', ' order by indexrelid::regclass::text)
    from pg_index where indrelid = 'crossings'::regclass")

# The sample, derived again by the real deriver (central/stays.c) and
# compared field by field with what the SQL wrote.
log "people: deriving $(psql_q "select count(*) from bench.sample") sampled states again with the real deriver"
psql_q "insert into stay_dirty select issuing_state, number from bench.sample on conflict do nothing"
# A canary: one sampled open stay is spoiled first; the deriver must mend it.
psql_q "update stay_states s set allowed_until = s.allowed_until + 7,
    overstay_days = 0 from (select issuing_state, number from bench.sample
    where open_entry is not null order by number limit 1) b
    where s.issuing_state = b.issuing_state and s.number = b.number"
t_der=$(now_s)
CTL stays derive >>"$T/derive.log" 2>&1 || fail "centralctl stays derive"
for i in $(seq 1 600); do
	[ "$(psql_q "select count(*) from stay_dirty")" = 0 ] && break
	sleep 0.5
done
der_s=$(since "$t_der")
psql_f >"$T/mismatch.txt" <<'SQL'
SELECT b.issuing_state || ':' || b.number, coalesce(s.stays::text, 'deleted'),
	b.stays::text, s.open_entry, b.open_entry, s.open_post, b.open_post,
	s.allowed_until, b.allowed_until, s.rule, b.rule, s.category,
	b.category, s.overstay_days, b.overstay_days
FROM bench.sample b LEFT JOIN stay_states s USING (issuing_state, number)
WHERE s.number IS NULL OR (s.stays, s.open_entry, s.open_post,
    s.allowed_until, s.rule, s.category, s.overstay_days, s.nationality,
    s.birth_date) IS DISTINCT FROM (b.stays, b.open_entry, b.open_post,
    b.allowed_until, b.rule, b.category, b.overstay_days, b.nationality,
    b.birth_date);
SQL
NSAMPLE=$(psql_q "select count(*) from bench.sample")
NBAD=$(lines "$T/mismatch.txt")
log "people: the deriver agrees on $((NSAMPLE - NBAD)) of $NSAMPLE sampled states (${der_s} s)"
[ "$NBAD" = 0 ] || head -n 20 "$T/mismatch.txt" >&2

# The report.
table() { # FILE : the rows of a series file as a Markdown table body
	awk -F'|' '{printf "| %s | %s | %s | %s |\n", $1, $4, $5, $6}' "$1"
}
slowest=$(head -n 8 "$T/dashboard.txt" | sort -t'|' -k5 -n | tail -n 1)
over_p95=$(sort -t'|' -k5 -n "$T/overstays.txt" | tail -n 1)
cat >"$T/people.md" <<MD
## Inspectors' queries and the dashboard at 10 million crossings (issue 6)

$(date -u +%Y-%m-%d), $(machine).
Command: \`make bench\` (tests/bench/people.sh; BENCH_PEOPLE_CROSSINGS=$NCROSS
BENCH_PEOPLE_OPEN=$NOPEN BENCH_PEOPLE_REQUESTS=$NREQ
BENCH_PEOPLE_AUDIT_DAYS=$AUDIT_DAYS). PostgreSQL with shared_buffers 1 GB,
work_mem 4 MB (the default), on the same machine as centrald and curl.

**The data.** $NCROSS_REAL crossings over six years at 40 posts (busiest
~1/rank), four in ten by citizens, the rest RUS, UZB, KGZ, CHN, TJK, TUR
and 20 more nationalities; 1 to 5 trips per document, entry and exit
paired (citizens leave and return); 0.8 % refused or referred. Loaded by
one \`INSERT ... SELECT\` per year in time order (${ins_s} s for the
crossings, with both triggers: $DIRTY documents marked dirty by migration
003's, $FLOW_D \`flow_daily\` and $FLOW_M \`flow_monthly\` rows counted by
migration 007's; the whole load ${load_s} s, of which VACUUM ANALYZE
${vac_s} s). $NOPEN_REAL documents have an open stay today, $NOVER of them
past their last lawful day (visa-free 65 %, work permits 22 %, residence
permits, visas, refugees, repatriates and admissions without a visa; a
set share of each overstays), and $NCLOSED closed states in the window;
$NPERM permits, $NREG registrations (65 % of the open stays, 19 regions),
$NAUDIT post audit events (check and record, the last $AUDIT_DAYS days).

**Stay states.** The deriver takes one transaction per document, too slow
for a load of this size, so the script writes \`stay_states\` in SQL the way
central/stays.c does (rule text, \`allowed_until\`, category, overstay days,
stays JSON, policy version) and clears \`stay_dirty\`. Then a sample of
$NSAMPLE states is derived again by \`centralctl stays derive\`: it agrees on
$((NSAMPLE - NBAD)) of $NSAMPLE.

**Overstay query**, \`GET /api/v1/overstays\`, first page of 100 rows, as
an inspector with a bearer token, over HTTPS on one keep-alive connection
(curl), $NREQ requests per row, in ms. Each request parses its parameters,
appends its audit event to the centre's hash chain (a commit), counts the
total, reads the page and encodes it. Aim: p95 under 100 ms.

Migration 009 and the query changes in docs/queries.md ("Speed") made
these figures; before them, on the same data, the first page took p95 313
ms without a filter and 297 ms with region=Almaty, "work permits ended"
2.5 s and "not registered in time" about 10 s.

| filter | p50 | p95 | slowest |
|---|---|---|---|
$(table "$T/overstays.txt")

For reference, the other two lists (first page, same conditions, $NREF
requests each):

| query | p50 | p95 | slowest |
|---|---|---|---|
$(table "$T/others.txt")

**Dashboard**: each request the page makes (the last 30 days, the default
range), then wider ones; ms.

| request | p50 | p95 | slowest |
|---|---|---|---|
$(table "$T/dashboard.txt")

The page's slowest request: $(cut -d'|' -f1 <<<"$slowest"), p95
$(cut -d'|' -f5 <<<"$slowest") ms.

**Size** (after VACUUM ANALYZE):

| what | total | per million crossings |
|---|---|---|
| crossings, table only | $(total_mb "$SZ_HEAP") MB | $(mb "$SZ_HEAP") MB |
| crossings' indexes | $(total_mb "$SZ_IDX") MB | $(mb "$SZ_IDX") MB |
| crossings with indexes | $(total_mb "($SZ_HEAP + $SZ_IDX)") MB | $(mb "($SZ_HEAP + $SZ_IDX)") MB |
| flow aggregates (flow_daily, flow_monthly) | $(total_mb "$SZ_AGG") MB | $(mb "$SZ_AGG") MB |
| crossings with indexes and aggregates | $(total_mb "($SZ_HEAP + $SZ_IDX + $SZ_AGG)") MB | $(mb "($SZ_HEAP + $SZ_IDX + $SZ_AGG)") MB |
| stay_states ($NOPEN_REAL open, $NCLOSED closed) | $(total_mb "$SZ_STAYS") MB | |
| post_audit ($AUDIT_DAYS days) | $(total_mb "$SZ_AUDIT") MB | |
| the whole database | $(total_mb "$SZ_DB") MB | $(mb "$SZ_DB") MB |

Indexes of crossings: $IDX_LIST.
MD
if [ "${BENCH_OUT:-}" = - ]; then
	cat "$T/people.md"
else
	python3 - "$OUT" people "$T/people.md" <<'PY'
import sys
out, name, body = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
b, e = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
s = open(out).read()
new = f"{b}\n{body.rstrip()}\n{e}"
if b in s and e in s:
    s = s[:s.index(b)] + new + s[s.index(e) + len(e):]
else:
    s = s.rstrip() + "\n\n" + new + "\n"
open(out, "w").write(s)
PY
	log "people: written to $OUT"
fi
# BENCH_PEOPLE_KEEP=1: keep the database and centrald until interrupted
# (to EXPLAIN a query over the same data); $T/keep.env has what to use.
if [ -n "${BENCH_PEOPLE_KEEP:-}" ]; then
	printf 'CONNINFO="%s"\nPEOPLE_PORT=%s\nTOKEN=%s\nT=%s\nCENTRALD_PID=%s\n' \
	    "$CONNINFO" "$PEOPLE_PORT" "$TOKEN" "$T" "$CENTRALD_PID" >"$T/keep.env"
	log "people: kept; see $T/keep.env; interrupt (kill $$) to end"
	sleep infinity &
	PIDS+=("$!")
	wait $! || true
	exit 0
fi
