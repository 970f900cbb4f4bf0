#!/usr/bin/env bash
# A PostgreSQL store that goes away or refuses the password, through the
# commands (docs/STORE.md, "Team stores"): the server stopped in the
# middle of a `run` leaves the run in a local file whose path and push
# command are printed (exit 3); a later push stores it, once. A wrong
# password is a clear message without the password (exit 3, the run kept
# the same way), and no password reaches the output, the spilled and the
# stored runs, the server's log or the process list. A schema newer than
# the binary is refused and the run kept the same way.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" store_pg_faults "$@"
. "${BASH_SOURCE%/*}/lib/pg.sh"
need_built "$bt" "$build/suite_faults"
pg_start
export PGPASSWORD=$PG_PASSWORD
quick=(--filter '^sum/n=64$' --min-sample-time 1ms --measurement-iterations 4 --format none)

# a suite that waits at a gate: when run for real (with --out, not the
# --list probes) it says it started, then waits for $gate.go (bounded)
gate=$tmp/gate
cat > "$tmp/gated_suite" <<EOF
#!/bin/sh
case " \$* " in *" --out "*)
	: > "$gate.started"
	i=0
	while [ ! -e "$gate.go" ] && [ \$i -lt 1200 ]; do sleep 0.05; i=\$((i + 1)); done
	rm -f "$gate.started" "$gate.go" ;;
esac
exec "$build/suite_faults" "\$@"
EOF
chmod +x "$tmp/gated_suite"
# starts CMD... in the background (pid in $bg, output in $tmp/bg.out/.err)
# and waits until the suite is at the gate
start_gated() {
	rm -f "$gate.started" "$gate.go"
	"$@" > "$tmp/bg.out" 2> "$tmp/bg.err" &
	bg=$!
	local i
	for ((i = 0; i < 1200; i++)); do
		[ -e "$gate.started" ] && return 0
		kill -0 "$bg" 2>/dev/null || break
		sleep 0.05
	done
	fail "the suite did not reach its gate: $(cat "$tmp/bg.err")"
}
finish_gated() { # WANT: opens the gate, waits, checks the exit status
	local rc=0
	: > "$gate.go"
	wait "$bg" || rc=$?
	[ "$rc" -eq "$1" ] || fail "exit $rc, want $1: $(cat "$tmp/bg.err")"
}
n_runs() {
	"$bt" list --store "$PG_URL_NOPW" --format csv | tail -n +2 | wc -l
}

# a first run stores normally
expect 0 "$bt" run "$build/suite_faults" "${quick[@]}" --store "$PG_URL_NOPW"
[ "$(n_runs)" -eq 1 ] || fail "the first run is not stored"

# --- the server stopped in the middle of a run --------------------------------
mkdir -p "$tmp/work"
cd "$tmp/work"
start_gated "$bt" run "$tmp/gated_suite" "${quick[@]}" --store "$PG_URL_NOPW"
pg_stop
finish_gated 3
grep -q "the run was not stored; it is kept in $tmp/work/benchtrack-unstored-[0-9a-f]*\.json" "$tmp/bg.err" ||
	fail "no 'kept in' line: $(cat "$tmp/bg.err")"
spilled=$(ls "$tmp/work"/benchtrack-unstored-*.json)
[ "$(echo "$spilled" | wc -l)" -eq 1 ] || fail "not one spilled file: $spilled"
grep -qF "benchtrack push '$spilled' --to '$PG_URL_NOPW'" "$tmp/bg.err" || fail "no push command: $(cat "$tmp/bg.err")"
grep -q '"name": "sum"' "$spilled" || fail "the spilled file lacks the results"
id=$(sed -n 's/.*benchtrack-unstored-\([0-9a-f]*\)\.json/\1/p' <<< "$spilled")
# the file is a run file: show reads it
expect 0 "$bt" show "$spilled" --format csv
grep -q '^sum,64,' "$tmp/out" || fail "show of the spilled file: $(cat "$tmp/out")"
# still down: push fails clearly, the file stays
expect 3 "$bt" push "$spilled" --to "$PG_URL_NOPW"
[ -f "$spilled" ] || fail "a failed push removed the file"
pg_start_again
expect 0 "$bt" push "$spilled" --to "$PG_URL_NOPW"
grep -q "^pushed 1 run to $PG_URL_NOPW" "$tmp/out" || fail "push of the spilled run: $(cat "$tmp/out")"
expect 0 "$bt" push "$spilled" --to "$PG_URL_NOPW"
grep -q "^nothing to push" "$tmp/out" || fail "second push: $(cat "$tmp/out")"
[ "$(n_runs)" -eq 2 ] || fail "runs stored: $(n_runs), want 2"
"$bt" list --store "$PG_URL_NOPW" --format csv | grep -q "^$id," || fail "the spilled run is not in the store"
expect 0 "$bt" verify --store "$PG_URL_NOPW"

# BENCHTRACK_SPOOL: where the file goes (created when missing); exec too
pg_stop
BENCHTRACK_SPOOL=$tmp/spool expect 3 "$bt" exec -N --runs 2 --style none true --store "$PG_URL_NOPW"
f=$(ls "$tmp/spool"/benchtrack-unstored-*.json) || fail "exec: nothing in the spool: $(cat "$tmp/err")"
grep -qF "benchtrack push '$f' --to '$PG_URL_NOPW'" "$tmp/err" || fail "exec: no push command: $(cat "$tmp/err")"
pg_start_again
expect 0 "$bt" push "$f" --to "$PG_URL_NOPW"
[ "$(n_runs)" -eq 3 ] || fail "runs stored: $(n_runs), want 3"

# a schema newer than this benchtrack: refused, the run kept the same way
# (a newer benchtrack pushes it)
pg_sql "INSERT INTO schema_version (version) VALUES (99)" >/dev/null
BENCHTRACK_SPOOL=$tmp/spool-newer expect 3 "$bt" run "$build/suite_faults" "${quick[@]}" --store "$PG_URL_NOPW"
grep -q "$PG_URL_NOPW: the store's schema version 99 is newer than this benchtrack" "$tmp/err" ||
	fail "newer schema: no clear message: $(cat "$tmp/err")"
f=$(ls "$tmp/spool-newer"/benchtrack-unstored-*.json) || fail "newer schema: the run was not kept: $(cat "$tmp/err")"
grep -qF "benchtrack push '$f' --to '$PG_URL_NOPW'" "$tmp/err" || fail "newer schema: no push command: $(cat "$tmp/err")"
pg_sql "DELETE FROM schema_version WHERE version = 99" >/dev/null
expect 0 "$bt" push "$f" --to "$PG_URL_NOPW"
[ "$(n_runs)" -eq 4 ] || fail "runs stored: $(n_runs), want 4"

# --- a wrong password ------------------------------------------------------------
wrong=WrongPw$RANDOM$RANDOM
bad_url=postgresql://$PG_USER:$wrong@$PG_HOST:$PG_PORT/$PG_DB
rm -f "$tmp/work"/benchtrack-unstored-*.json
# the URL in the environment, not on a command line: ps must not show it
BENCHTRACK_STORE=$bad_url start_gated "$bt" run "$tmp/gated_suite" "${quick[@]}"
ps -eo args > "$tmp/ps"
finish_gated 3
grep -qF "$wrong" "$tmp/ps" && fail "the password is in the process list"
for f in "$tmp/bg.out" "$tmp/bg.err"; do
	grep -qF "$wrong" "$f" && fail "the password is in $f: $(cat "$f")"
done
grep -qiE "password|auth|denied" "$tmp/bg.err" || fail "no clear message: $(cat "$tmp/bg.err")"
grep -qF "$PG_URL_NOPW" "$tmp/bg.err" || fail "the store is not named: $(cat "$tmp/bg.err")"
spilled=$(ls "$tmp/work"/benchtrack-unstored-*.json) || fail "wrong password: the run was not kept"
grep -qF "$wrong" "$spilled" && fail "the password is in the spilled run"
# commands that read say it the same way
PGPASSWORD=$wrong expect 3 "$bt" list --store "$PG_URL_NOPW"
grep -qF "$wrong" "$tmp/err" "$tmp/out" && fail "list: the password was printed"
grep -qiE "password|auth|denied" "$tmp/err" || fail "list: no clear message: $(cat "$tmp/err")"
expect 3 "$bt" push "$spilled" --to "$bad_url"
grep -qF "$wrong" "$tmp/err" "$tmp/out" && fail "push: the password was printed"

# the good password in the URL: stored, and found nowhere
BENCHTRACK_STORE=$PG_URL start_gated "$bt" run "$tmp/gated_suite" "${quick[@]}"
ps -eo args > "$tmp/ps"
finish_gated 0
grep -qF "$PG_PASSWORD" "$tmp/ps" && fail "the password is in the process list"
grep -qF "$PG_PASSWORD" "$tmp/bg.out" "$tmp/bg.err" && fail "the password was printed: $(cat "$tmp/bg.err")"
[ "$(n_runs)" -eq 5 ] || fail "runs stored: $(n_runs), want 5"
# every stored run (plain files after a pull: small runs) and the database
expect 0 "$bt" pull --from "$PG_URL_NOPW" --store "$tmp/copy"
grep -rqF "$PG_PASSWORD" "$tmp/copy" && fail "the password is in a stored run"
grep -qF "$wrong" "$tmp/pg/log" && fail "the wrong password is in the server log"
grep -qF "$PG_PASSWORD" "$tmp/pg/log" && fail "the password is in the server log"
"$PG_BIN/pg_dump" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" > "$tmp/dump.sql" ||
	fail "pg_dump failed"
grep -qF "$PG_PASSWORD" "$tmp/dump.sql" && fail "the password is in the database"
cd /
echo "store_pg_faults: ok"
