#!/usr/bin/env bash
# demo.sh - a throwaway Shekara: PostgreSQL, a development PKI, the centre,
# two posts (ALA01 Almaty airport, NUR02 Astana rail), and sample traffic
# through both lane APIs. The registry is administered at the centre with
# centralctl (policy, alerts typed in Cyrillic, a visa) and reaches the
# posts through the signed feed; a few crossings of the past months come
# from ARC00, the archive of a previous system, so that stays and an
# overstay exist. Everything lives in $DEMO_DIR (default /tmp/shekara-demo)
# and keeps running until `scripts/demo.sh stop`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
D=${DEMO_DIR:-/tmp/shekara-demo}
CENTRE_PORT=${DEMO_PORT:-8443}
PG_PORT=$((CENTRE_PORT + 1))
PEOPLE_PORT=$((CENTRE_PORT + 2))	# the people's API and the dashboard
COUNT=${DEMO_COUNT:-200}

stop() {
	local f
	for f in "$D"/*.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
	"$ROOT/scripts/pg.sh" stop "$D/pg" 2>/dev/null || true
}

if [ "${1:-}" = stop ]; then
	stop
	echo "demo stopped; its files stay in $D (rm -rf $D to remove)"
	exit 0
fi

stop
rm -rf "$D"
mkdir -p "$D"
chmod 755 "$D"

echo "== PostgreSQL (throwaway, socket in $D/pg/sock)"
CONNINFO=$("$ROOT/scripts/pg.sh" start "$D/pg" "$PG_PORT")
echo "== development PKI in $D/pki"
"$ROOT/scripts/pki.sh" init "$D/pki" >/dev/null
for p in ALA01 NUR02 ARC00; do "$ROOT/scripts/pki.sh" post "$D/pki" $p >/dev/null; done
"$ROOT/scripts/pki.sh" feedkey "$D/pki" >/dev/null

cat >"$D/central.yaml" <<YAML
listen:
  address: 127.0.0.1:$CENTRE_PORT
tls:
  cert_file: $D/pki/centre.crt
  key_file: $D/pki/centre.key
  client_ca_file: $D/pki/ca.crt
database:
  conninfo: "$CONNINFO"
posts:
  - code: ALA01
    cert_cn: post-ALA01
  - code: NUR02
    cert_cn: post-NUR02
  - code: ARC00
    cert_cn: post-ARC00
feed:
  signing_key: $D/pki/feed.key
people:
  listen: 127.0.0.1:$PEOPLE_PORT
YAML
i=0
for p in ALA01 NUR02; do
	i=$((i + 1))
	cat >"$D/$p.yaml" <<YAML
post:
  code: $p
lane_api:
  listen: 127.0.0.1:$((CENTRE_PORT + 10 + i))
store:
  path: $D/$p.db
centre:
  url: https://localhost:$CENTRE_PORT
  ca_file: $D/pki/ca.crt
  cert_file: $D/pki/post-$p.crt
  key_file: $D/pki/post-$p.key
feed:
  verify_keys:
    - $D/pki/feed.pub
  poll_interval_ms: 1000
YAML
done

echo "== centre: migrate, the registry (centralctl), start"
"$BIN/centrald" -c "$D/central.yaml" migrate
CC() { "$BIN/centralctl" -c "$D/central.yaml" --as demo-admin "$@"; }
day() { TZ=Asia/Almaty date -d "$1" +%F; }
CC policy load "$ROOT/config/policy.yaml"
CC alert document put da-stolen-1 --state UZB --number AA1234567 \
    --reason stolen --since "$(day '30 days ago')"
# Typed in Cyrillic by the operator; the MRZ says PETROV<<SERGEI.
CC alert person put pa-petrov --kind entry_ban --surname 'Петров' \
    --given-names 'Сергей' --birth-date 1975-03-14 --nationality RUS \
    --severity 4 --source 'Пограничная служба'
# A different person with a similar name, who must not match.
CC alert person put pa-other --kind wanted --surname 'Петренко' \
    --given-names 'Ольга' --birth-date 1961 --nationality UKR --severity 2 \
    --source Interpol
CC permit put pm-visa-1 --kind visa --issuing-state NGA --number A07654321 \
    --nationality NGA --surname ADEYEMI --given-names FOLAKE \
    --birth-date 1988-09-09 --valid-from "$(day '10 days ago')" \
    --valid-until "$(day '80 days')" --stay-days 30
# People of the central office: a demo user with every role.
DEMO_PASSWORD=$(openssl rand -hex 8)
printf '%s\n' "$DEMO_PASSWORD" >"$D/demo-password"
chmod 600 "$D/demo-password"
CC user add demo --roles inspector,auditor,admin --display 'Demo user' \
    --password-file "$D/demo-password" >/dev/null
"$BIN/centrald" -c "$D/central.yaml" >"$D/centrald.log" 2>&1 &
echo $! >"$D/centrald.pid"
sleep 1

echo "== archive ARC00: crossings of the past months from a previous system"
seq=0
archive() { # DIRECTION DAY STATE NUMBER NAT SURNAME GIVEN BIRTH SEX
	seq=$((seq + 1))
	local at body
	at=$(TZ=Asia/Almaty date -d "$2 12:00" -u +%Y-%m-%dT%H:%M:%S.000Z)
	body=$(python3 -c 'import json,sys
a = sys.argv
print(json.dumps({"version": 1, "post": "ARC00", "crossings": [{"seq": int(a[1]),
  "recorded_at": a[2], "direction": a[3], "lane": 1, "officer": "ARCHIVE",
  "outcome": "admit", "document": {"type": "P", "issuing_state": a[4],
  "number": a[5], "nationality": a[6], "surname": a[7], "given_names": a[8],
  "birth_date": a[9], "sex": a[10], "expiry_date": "2033-01-01"}}]}))' \
	    "$seq" "$at" "$1" "${@:3}")
	curl -sf --cacert "$D/pki/ca.crt" --cert "$D/pki/post-ARC00.crt" \
	    --key "$D/pki/post-ARC00.key" -H 'Content-Type: application/json' \
	    --data-binary "$body" -o /dev/null \
	    "https://localhost:$CENTRE_PORT/v1/posts/ARC00/crossings"
}
# Ivanov stayed 10 days a month ago; Smirnov came 100 days ago and is
# still here (a 90/180 rule: 11 days over).
archive entry "$(day '40 days ago')" RUS C00000001 RUS IVANOV ALEKSEI 1990-05-12 M
archive exit "$(day '31 days ago')" RUS C00000001 RUS IVANOV ALEKSEI 1990-05-12 M
archive entry "$(day '100 days ago')" RUS O00000003 RUS SMIRNOV OLEG 1970-01-01 M
CC stays derive >/dev/null

for p in ALA01 NUR02; do
	echo "== post $p: start; it pulls the signed feed"
	"$BIN/checkpointd" -c "$D/$p.yaml" >"$D/post-$p.log" 2>&1 &
	echo $! >"$D/post-$p.pid"
done
head=$(CC feed head)
for i in $(seq 1 100); do
	n=0
	for p in ALA01 NUR02; do
		c=$("$BIN/checkpointctl" -c "$D/$p.yaml" status --json 2>/dev/null |
		    python3 -c 'import json,sys; print(json.load(sys.stdin)["feed"]["cursor"])' 2>/dev/null || echo 0)
		[ "$c" = "$head" ] && n=$((n + 1))
	done
	[ "$n" = 2 ] && break
	sleep 0.2
done
echo "   both posts at feed position $head"
echo "== sample traffic: $COUNT crossings through each post's lane API"
i=0
gens=()
for p in ALA01 NUR02; do
	i=$((i + 1))
	"$BIN/lanegen" --url "http://127.0.0.1:$((CENTRE_PORT + 10 + i))" \
	    --post $p --count "$COUNT" --seed $i --out "$D/sent-$p.csv" &
	gens+=($!)
done
wait "${gens[@]}"
sleep 2
for p in ALA01 NUR02; do
	"$BIN/checkpointctl" -c "$D/$p.yaml" status
done
n=$(psql "$CONNINFO" -XAtqc "select count(*) from crossings")

mrz() { # STATE NUMBER NATIONALITY SURNAME GIVEN BIRTH SEX
	"$BIN/checkpointctl" mrz make --format TD3 --issuing-state "$1" \
	    --number "$2" --nationality "$3" --surname "$4" --given-names "$5" \
	    --birth-date "$6" --sex "$7" --expiry-date 2033-01-01
}
check() { # DIRECTION then MRZ on stdin
	"$BIN/checkpointctl" -c "$D/ALA01.yaml" check --direction "$1" --lane 1 \
	    --officer KZ0042
}
echo
echo "== lane checks at ALA01"
echo "-- a Russian national entering, 10 days already used in the window (ARC00):"
mrz RUS C00000001 RUS IVANOV ALEKSEI 1990-05-12 M | check entry
echo "-- the watchlist (entry ban typed in Cyrillic as Петров Сергей):"
mrz RUS P12345678 RUS PETROV SERGEI 1975-03-14 M | check entry
echo "-- a stolen passport:"
mrz UZB AA1234567 UZB KARIMOV BOBUR 1985-02-02 M | check entry
echo "-- leaving after 100 days under a 90/180 rule (entered at ARC00):"
mrz RUS O00000003 RUS SMIRNOV OLEG 1970-01-01 M | check exit

cat <<TXT

Shekara demo is running ($n crossings at the centre).

  centre (mutual TLS)   https://localhost:$CENTRE_PORT   (GET /healthz)
  post ALA01 lane API   http://127.0.0.1:$((CENTRE_PORT + 11))/v1/crossings, /v1/status
  post NUR02 lane API   http://127.0.0.1:$((CENTRE_PORT + 12))/v1/crossings, /v1/status
  dashboard             https://localhost:$PEOPLE_PORT/   user demo, password $DEMO_PASSWORD
                        (a development certificate: trust $D/pki/ca.crt or accept the warning)

The registry (administered at the centre, delivered to the posts signed):
  $BIN/centralctl -c $D/central.yaml alert person list --format table
  $BIN/centralctl -c $D/central.yaml stays show RUS O00000003
  $BIN/centralctl -c $D/central.yaml --as you alert document put da-2 --state KAZ \\
      --number N0000002 --reason lost --since $(TZ=Asia/Almaty date +%F)
Inspectors' queries (also in the dashboard's API, /api/v1/overstays):
  $BIN/centralctl -c $D/central.yaml --as demo overstays --format table
  $BIN/centralctl -c $D/central.yaml --as demo history RUS O00000003
The audit trail (every check, record, query, change and login):
  $BIN/centralctl -c $D/central.yaml audit verify
  $BIN/centralctl -c $D/central.yaml audit list --format table
What arrived at the centre:
  $BIN/centralctl -c $D/central.yaml crossings --format table --limit 20
  $BIN/centralctl -c $D/central.yaml crossings --post NUR02 --format json
A post's replication state:
  $BIN/checkpointctl -c $D/ALA01.yaml status
A lane check (the MRZ on stdin):
  $BIN/checkpointctl mrz make --format TD3 --issuing-state RUS --number P12345678 \\
      --nationality RUS --surname PETROV --given-names SERGEI --birth-date 1975-03-14 \\
      --sex M --expiry-date 2033-01-01 |
    $BIN/checkpointctl -c $D/ALA01.yaml check --direction entry --lane 1 --officer KZ0042
Record a crossing by hand:
  $BIN/checkpointctl -c $D/ALA01.yaml record --direction entry --lane 1 \\
      --officer KZ0001 --doc-type P --issuing-state KAZ --number N0000001 \\
      --nationality KAZ --surname ABENOV --given-names ASKAR \\
      --birth-date 1990-01-31 --sex M --expiry-date 2030-01-30
Logs: $D/*.log      Stop: scripts/demo.sh stop
TXT
