#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL for tests, benchmarks and the demo.
#
#   scripts/pg.sh start DIR PORT   initdb in DIR (if new), start on PORT with
#                                  its socket in DIR/sock, create database
#                                  "shekara"; prints a libpq conninfo
#   scripts/pg.sh stop DIR         stop it (by the pid in its data dir)
#   scripts/pg.sh kill DIR         SIGKILL the postmaster (crash test)
#   scripts/pg.sh conninfo DIR     print the conninfo again
#
# initdb refuses to run as root, so as root the server runs as the
# unprivileged "postgres" user (created by Debian's postgresql package, or
# here if missing). It listens on no TCP address: only its socket.
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

pgbin() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	done
	die "no PostgreSQL server found (apt-get install postgresql)"
}

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: pg.sh start|stop|kill|conninfo DIR [PORT]"
dir=$(realpath -m "$dir")
bin=$(pgbin)
user=$(id -un)
[ "$(id -u)" -eq 0 ] && user=postgres

case "$cmd" in
start)
	port=${3:-}
	[[ "$port" =~ ^[0-9]+$ ]] || die "start needs a numeric PORT"
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin postgres
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		mkdir -p "$dir/data" "$dir/sock"
		[ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
		# The parent must be traversable by the server's user.
		chmod 755 "$dir"
		as_owner "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust \
		    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
			die "initdb failed, see $dir/initdb.log"
		echo "$port" >"$dir/port"
	fi
	port=$(cat "$dir/port")
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	    -o "-p $port -k $dir/sock -c listen_addresses='' -c fsync=on" \
	    start >/dev/null || die "start failed, see $dir/server.log"
	if ! as_owner "$bin/psql" -h "$dir/sock" -p "$port" -U "$user" -d postgres \
	    -Atqc "select 1 from pg_database where datname='shekara'" | grep -q 1; then
		as_owner "$bin/createdb" -h "$dir/sock" -p "$port" -U "$user" shekara
	fi
	echo "host=$dir/sock port=$port user=$user dbname=shekara"
	;;
stop)
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
	;;
kill)
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	kill -9 "$(head -1 "$dir/data/postmaster.pid")"
	;;
conninfo)
	echo "host=$dir/sock port=$(cat "$dir/port") user=$user dbname=shekara"
	;;
*)
	die "unknown command $cmd"
	;;
esac
