# A real PostgreSQL server for one integration test (not a test itself).
# Source it after lib/common.sh (it needs $tmp and fail):
#   . "${BASH_SOURCE%/*}/lib/common.sh" NAME "$@"
#   . "${BASH_SOURCE%/*}/lib/pg.sh"
#   pg_start
# pg_start runs Debian's initdb and pg_ctl (/usr/lib/postgresql/*/bin, the
# newest version) on a fresh data directory $tmp/pg/data, on a free
# loopback port, with password (scram-sha-256) authentication over TCP.
# The server refuses to run as root, so under root it runs as Debian's
# `postgres` user (setpriv) and $tmp is opened for it to traverse (0711).
# When PostgreSQL is not installed the test FAILS (make test must do
# everything; scripts/install-deps.sh installs it), it does not skip.
# After pg_start:
#   PG_URL        postgresql://bt:PASSWORD@127.0.0.1:PORT/bt (the test user
#                 bt, not a superuser, owns the database bt)
#   PG_URL_NOPW   the same without the password (postgresql://bt@...)
#   PG_USER PG_PASSWORD PG_DB PG_HOST PG_PORT   its parts
#   PG_BIN        the server's bin directory (psql, pg_ctl, ...)
# and these functions:
#   pg_stop            stops the server (fast shutdown, waits)
#   pg_start_again     starts it again on the same port and data
#   pg_restart         pg_stop then pg_start_again
#   pg_admin SQL...    runs SQL as the superuser (psql -At, stops on error),
#                      in the database bt unless PG_ADMIN_DB says otherwise
#   pg_sql SQL...      runs SQL as bt in bt (psql -At; another database of
#                      bt's with PG_SQL_DB=NAME), output on stdout
#   pg_cleanup         stops the server if it runs; the EXIT trap calls it
#                      before removing $tmp. A test that sets its own EXIT
#                      trap must call pg_cleanup in it.
# It also sets XDG_CACHE_HOME to $tmp/xdg-cache (where a PostgreSQL store's
# change-point cache goes: bt_store_cache_path).
# Passwords travel in PGPASSWORD (environment), never on a command line.
# Server log: $tmp/pg/log (its tail is printed when start fails). A
# watchdog stops the server (and removes $tmp/pg) when the test is killed
# without its trap (SIGKILL at ctest's timeout).

pg__dir=$tmp/pg
pg__running=0
# a PostgreSQL store keeps its caches on this machine, under
# $XDG_CACHE_HOME/benchtrack: the test's own
export XDG_CACHE_HOME=$tmp/xdg-cache
trap 'pg_cleanup; rm -rf "$tmp"' EXIT

pg__find_bin() {
	local d best=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || continue
		if [ -z "$best" ] || [ "${d//[^0-9]/}" -gt "${best//[^0-9]/}" ]; then
			best=$d
		fi
	done
	[ -n "$best" ] || fail "postgresql is not installed (no /usr/lib/postgresql/*/bin/initdb; run scripts/install-deps.sh)"
	PG_BIN=$best
}

# Runs a command as the server's owner: `postgres` under root, else us.
pg__as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$pg__dir" && setpriv --reuid=postgres --regid=postgres --clear-groups "$@")
	else
		(cd "$pg__dir" && "$@")
	fi
}

pg__random() {
	od -An -N12 -tx1 /dev/urandom | tr -d ' \n'
}

pg__port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pg__ctl_start() {
	pg__as_owner "$PG_BIN/pg_ctl" start -w -t 60 -D "$pg__dir/data" -l "$pg__dir/log" \
		-o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$pg__dir/sock' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=60" \
		> "$pg__dir/ctl.out" 2>&1
}

pg_start() {
	local try su_pw
	pg__find_bin
	mkdir -p "$pg__dir/sock"
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || fail "pg.sh: no 'postgres' user to run the server as (install postgresql)"
		chmod 0711 "$tmp"
		chown -R postgres:postgres "$pg__dir"
		setpriv --reuid=postgres --regid=postgres --clear-groups test -x "$pg__dir" \
			|| fail "pg.sh: user postgres cannot reach $pg__dir (set TMPDIR to a directory others can traverse)"
	fi
	su_pw=$(pg__random)
	PG_PASSWORD=$(pg__random)
	PG_USER=bt PG_DB=bt PG_HOST=127.0.0.1
	(umask 077 && printf '%s\n' "$su_pw" > "$pg__dir/pw")
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg__dir/pw"
	pg__as_owner "$PG_BIN/initdb" -D "$pg__dir/data" -U postgres --pwfile="$pg__dir/pw" \
		--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync \
		> "$pg__dir/initdb.out" 2>&1 || fail "initdb failed: $(tail -5 "$pg__dir/initdb.out")"
	rm -f "$pg__dir/pw"
	pg__su_pw=$su_pw
	for try in 1 2 3 4 5 6 7 8 9 10; do
		PG_PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		pg__port_in_use "$PG_PORT" && continue
		if pg__ctl_start; then
			pg__running=1
			break
		fi
	done
	[ "$pg__running" -eq 1 ] || fail "postgresql did not start: $(tail -5 "$pg__dir/ctl.out" "$pg__dir/log" 2>/dev/null)"
	pg__watchdog
	PG_ADMIN_DB=postgres pg_admin "CREATE ROLE bt LOGIN PASSWORD '$PG_PASSWORD'" >/dev/null
	PG_ADMIN_DB=postgres pg_admin "CREATE DATABASE bt OWNER bt" >/dev/null
	PG_URL=postgresql://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/$PG_DB
	PG_URL_NOPW=postgresql://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB
	export PG_URL PG_URL_NOPW PG_USER PG_PASSWORD PG_DB PG_HOST PG_PORT PG_BIN
}

# A test killed without its EXIT trap (ctest's timeout sends SIGKILL) must
# not leave its server running: a watchdog in its own session (out of the
# test's process group, its output nowhere) waits for the test's shell to
# go; a server still running then is stopped and its directory ($tmp/pg)
# removed. Nothing else is touched (a script may keep $tmp).
pg__watchdog() {
	local me=$$
	setsid bash -c '
		while kill -0 "$1" 2>/dev/null; do sleep 1; done
		[ -f "$2/data/postmaster.pid" ] || exit 0
		if [ "$(id -u)" -eq 0 ]; then
			setpriv --reuid=postgres --regid=postgres --clear-groups \
				"$3/pg_ctl" stop -m immediate -D "$2/data"
		else
			"$3/pg_ctl" stop -m immediate -D "$2/data"
		fi
		rm -rf "$2"' pg-watchdog "$me" "$pg__dir" "$PG_BIN" \
		< /dev/null > /dev/null 2>&1 &
}

pg_admin() {
	PGPASSWORD=$pg__su_pw "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
		-U postgres -d "${PG_ADMIN_DB:-bt}" -c "$*"
}

pg_sql() {
	PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
		-U "$PG_USER" -d "${PG_SQL_DB:-$PG_DB}" -c "$*"
}

pg_stop() {
	[ "$pg__running" -eq 1 ] || return 0
	pg__as_owner "$PG_BIN/pg_ctl" stop -w -t 60 -m fast -D "$pg__dir/data" > "$pg__dir/ctl.out" 2>&1 \
		|| fail "pg_ctl stop failed: $(tail -5 "$pg__dir/ctl.out")"
	pg__running=0
}

pg_start_again() {
	[ "$pg__running" -eq 0 ] || return 0
	pg__ctl_start || fail "postgresql did not start again: $(tail -5 "$pg__dir/ctl.out" "$pg__dir/log" 2>/dev/null)"
	pg__running=1
}

pg_restart() {
	pg_stop
	pg_start_again
}

pg_cleanup() {
	if [ "${pg__running:-0}" -eq 1 ]; then
		pg__as_owner "$PG_BIN/pg_ctl" stop -w -t 60 -m immediate -D "$pg__dir/data" >/dev/null 2>&1 || true
		pg__running=0
	fi
}
