#!/usr/bin/env bash
# `benchtrack upload --hub` and `run --upload-to-hub` against a real git
# server: a bare repository served by lighttpd running git-http-backend
# on a free loopback port, reads anonymous and pushes behind basic
# authentication (as the Hub serves a public dataset). Three uploads
# (manual, manual with GITHUB_RUN_NUMBER and --run-id, --scheduled) add
# files in the seed's layout and change none; `import --format hf-v2`
# reads a model file back with the same samples, type, commit and branch
# (as list and show print them); a wrong token and no
# token exit 3 with a clear message and leave the refs as they were; a
# run uploaded again is refused; a push that finds the branch moved on is
# made again on the new tip; `run --upload-to-hub` uploads the run it
# made. The token is then nowhere: not in the store, the logs (ours and
# the server's), the clones (the upload's own too, copied while its push
# waits in a pre-receive hook), the repository, nor on any command line
# of the processes alive at that moment.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" upload_hub "$@"
need_built "$bt" "$build/suite_counts"
py=/usr/bin/python3
backend=/usr/lib/git-core/git-http-backend
command -v lighttpd >/dev/null || fail "lighttpd is missing (apt-get install lighttpd)"
command -v git >/dev/null || fail "git is missing"
[ -x "$backend" ] || fail "$backend is missing (Debian's git)"

# with the characters a URL or a shell would mangle: ':', '@', '%', ' '
token="hf_T0k3n$$x${RANDOM}:S@c%20r et"
basic=$(printf 'u:%s' "$token" | base64 -w0)   # the Authorization header's
unset HF_TOKEN HF_ENDPOINT GITHUB_RUN_NUMBER GITHUB_RUN_ID GITHUB_EVENT_NAME
export GIT_CONFIG_NOSYSTEM=1 HOME=$tmp/home GIT_TERMINAL_PROMPT=0
mkdir -p "$HOME" "$tmp/t" "$tmp/www" "$tmp/root/o"
# benchtrack's own temporary directories go here: empty at the end
btenv=(env TMPDIR="$tmp/t")

# --- the server -----------------------------------------------------------------
repo=$tmp/root/o/ds
git init -q --bare -b main "$repo"
git -C "$repo" config http.receivepack true
git clone -q "$repo" "$tmp/seed" 2>/dev/null
printf '*.json text\n' > "$tmp/seed/.gitattributes"
git -C "$tmp/seed" add .gitattributes
git -C "$tmp/seed" -c user.name=t -c user.email=t@t commit -qm init
git -C "$tmp/seed" push -q origin main
# a push waits while $tmp/hold exists, after saying so in $tmp/holding
cat > "$repo/hooks/pre-receive" <<EOF
#!/bin/sh
cat > /dev/null
if [ -e "$tmp/refuse" ]; then
	echo "files over 10 MiB need LFS" >&2
	exit 1
fi
[ -e "$tmp/hold" ] || exit 0
: > "$tmp/holding"
i=0
while [ -e "$tmp/hold" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
exit 0
EOF
chmod +x "$repo/hooks/pre-receive"
# a clone served while $tmp/race exists gets the old tip, and the branch
# moves on meanwhile: the upload's push is not a fast-forward
cat > "$tmp/packhook" <<EOF
#!/bin/sh
if [ -e "$tmp/race" ]; then
	rm -f "$tmp/race"
	unset \$(git rev-parse --local-env-vars) GIT_CONFIG_COUNT
	git -C "$tmp/seed" pull -q origin main
	echo other > "$tmp/seed/other.txt"
	git -C "$tmp/seed" add other.txt
	git -C "$tmp/seed" -c user.name=o -c user.email=o@o commit -qm other
	git -C "$tmp/seed" push -q origin main
fi
exec "\$@"
EOF
chmod +x "$tmp/packhook"
printf 'u:%s\n' "$token" > "$tmp/users"

free_port() {
	$py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
server_pid=
stop_server() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT
for attempt in 1 2 3 4 5; do
	port=$(free_port)
	cat > "$tmp/lighttpd.conf" <<EOF
server.document-root = "$tmp/www"
server.port = $port
server.bind = "127.0.0.1"
server.errorlog = "$tmp/server-error.log"
server.modules = ( "mod_redirect", "mod_auth", "mod_authn_file", "mod_alias",
                   "mod_setenv", "mod_cgi", "mod_accesslog" )
accesslog.filename = "$tmp/server-access.log"
alias.url = ( "/datasets/" => "$backend/" )
\$HTTP["url"] =~ "^/datasets/" {
  cgi.assign = ( "" => "" )
  setenv.set-environment = ( "GIT_PROJECT_ROOT" => "$tmp/root",
                             "GIT_HTTP_EXPORT_ALL" => "1",
                             "GIT_CONFIG_NOSYSTEM" => "1",
                             "HOME" => "$tmp/home",
                             "GIT_CONFIG_COUNT" => "1",
                             "GIT_CONFIG_KEY_0" => "uploadpack.packObjectsHook",
                             "GIT_CONFIG_VALUE_0" => "$tmp/packhook" )
}
# another site, localhost, sends git on to this one
\$HTTP["host"] =~ "^localhost" {
  url.redirect = ( "^/(.*)" => "http://127.0.0.1:$port/\$1" )
}
auth.backend = "plain"
auth.backend.plain.userfile = "$tmp/users"
\$HTTP["querystring"] =~ "service=git-receive-pack" {
  auth.require = ( "" => ( "method" => "basic", "realm" => "hub", "require" => "valid-user" ) )
}
\$HTTP["url"] =~ "/git-receive-pack\$" {
  auth.require = ( "" => ( "method" => "basic", "realm" => "hub", "require" => "valid-user" ) )
}
EOF
	lighttpd -D -f "$tmp/lighttpd.conf" 2>> "$tmp/server-stderr.log" &
	server_pid=$!
	up=0
	for _ in $(seq 100); do
		if git ls-remote "http://127.0.0.1:$port/datasets/o/ds" > /dev/null 2>&1; then
			up=1
			break
		fi
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ "$up" -eq 1 ] && break
	stop_server
done
[ -n "$server_pid" ] || fail "lighttpd did not start: $(cat "$tmp/server-stderr.log" "$tmp/server-error.log" 2>/dev/null)"
url="http://u@127.0.0.1:$port"
refs() { git -C "$repo" for-each-ref --format='%(refname) %(objectname)'; }

# --- the runs ---------------------------------------------------------------
a=$src/tests/fixtures/run-attention.json
$py - "$a" "$tmp/b.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["run_id"] = "b" * 32
d["timestamp"] = "2026-11-23T08:00:00Z"
d["git"]["branch"] = "perf-7"
for r in d["results"]:
    for m in r.get("metrics", {}).values():
        m["samples"] = [x * 2 for x in m["samples"]]
json.dump(d, open(sys.argv[2], "w"))
PY
ida=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$a")
commit=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["git"]["commit"])' "$a")
stamp=20261122_223105
base_a=2026-11-22/runs/$ida/benchmark_results
base_b=2026-11-23/runs/42-pr-7/benchmark_results
base_s=2026-11-22/benchmark_results_$commit

# --- three uploads: files added in the layout, none changed -----------------------
expect 0 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$a" --hub o/ds --hub-url "$url"
printf '%s\n' "$base_a/attention/attention_benchmark_$stamp.json" \
	"$base_a/benchmark_summary_$stamp.json" "$base_a/run_$stamp.json" > "$tmp/want"
diff -u "$tmp/want" "$tmp/out" || fail "upload printed other paths"
grep -q "3 files added on main in commit" "$tmp/err" || fail "no commit said: $(cat "$tmp/err")"
first=$(git -C "$repo" rev-parse main)

expect 0 "${btenv[@]}" HF_TOKEN="$token" GITHUB_RUN_NUMBER=42 "$bt" upload "$tmp/b.json" \
	--hub o/ds --hub-url "$url" --run-id pr-7
grep -qx "$base_b/attention/attention_benchmark_20261123_080000.json" "$tmp/out" ||
	fail "--run-id with GITHUB_RUN_NUMBER: $(cat "$tmp/out")"
# (git's tracing asked for: not passed on)
expect 0 "${btenv[@]}" GIT_TRACE=1 GIT_TRACE_CURL=1 GIT_CURL_VERBOSE=1 "$bt" upload "$a" \
	--hub o/ds --hub-url "$url" --scheduled --token - <<< "$token"
grep -qx "$base_s/benchmark_summary_$stamp.json" "$tmp/out" ||
	fail "--scheduled: $(cat "$tmp/out")"
! grep -qi "authorization\|trace" "$tmp/err" || fail "git traced the upload: $(cat "$tmp/err")"

git clone -q "$repo" "$tmp/check"
(cd "$tmp/check" && git ls-files | sort) > "$tmp/tree"
for base in "$base_a" "$base_s"; do
	printf '%s\n' "$base/attention/attention_benchmark_$stamp.json" \
		"$base/benchmark_summary_$stamp.json" "$base/run_$stamp.json"
done > "$tmp/want"
printf '%s\n' .gitattributes "$base_b/attention/attention_benchmark_20261123_080000.json" \
	"$base_b/benchmark_summary_20261123_080000.json" \
	"$base_b/run_20261123_080000.json" >> "$tmp/want"
sort -o "$tmp/want" "$tmp/want"
diff -u "$tmp/want" "$tmp/tree" || fail "the dataset's files differ from the layout"
[ "$(git -C "$repo" rev-list --count main)" -eq 4 ] || fail "not one commit per upload"
changed=$(git -C "$tmp/check" diff --name-only --diff-filter=MDRT "$first" HEAD)
[ -z "$changed" ] || fail "a later upload changed files: $changed"
[ "$(cat "$tmp/check/.gitattributes")" = "*.json text" ] || fail ".gitattributes changed"
# the stored run and the summary say the same run
$py - "$tmp/check/$base_a" "$a" "$stamp" <<'PY' || fail "run.json or the summary is wrong"
import json, sys
d, a, stamp = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
r = json.load(open("%s/run_%s.json" % (d, stamp)))
assert r["run_id"] == a["run_id"] and len(r["results"]) == len(a["results"])
s = json.load(open("%s/benchmark_summary_%s.json" % (d, stamp)))
m = s["run_metadata"]
assert m["benchmark_run_uuid"] == a["run_id"] and m["total_benchmarks"] == len(a["results"])
ok = sum(1 for x in a["results"] if x["status"] == "ok")
assert m["successful_benchmarks"] == ok and m["failed_benchmarks"] == len(a["results"]) - ok
doc = json.load(open("%s/attention/attention_benchmark_%s.json" % (d, stamp)))
sc = doc["benchmark_scenarios"][0]
assert doc["model_name"] == "attention" and sc["metadata"]["commit_id"] == a["git"]["commit"]
assert isinstance(sc["metadata"]["config"]["seq_len"], int)
PY

# --- import --format hf-v2 reads the model files back: the same samples -----------
for x in "a:$base_a/attention/attention_benchmark_$stamp.json:$a" \
	"b:$base_b/attention/attention_benchmark_20261123_080000.json:$tmp/b.json"; do
	IFS=: read -r name file orig <<< "$x"
	expect 4 "$bt" import "$tmp/check/$file" --format hf-v2 --no-store --out "$tmp/imp-$name.json"
	$py - "$orig" "$tmp/imp-$name.json" <<'PY' || fail "hf-v2 round trip of $name lost samples"
import json, sys
def series(path):
    out = []
    for r in json.load(open(path))["results"]:
        p = {k: v for k, v in r.get("params", {}).items() if k not in ("model", "variant")}
        t = r.get("metrics", {}).get("time", {}).get("samples", [])
        out.append((r["name"], sorted(p.items()), r["status"] == "ok", tuple(t)))
    return sorted(out)
a, b = series(sys.argv[1]), series(sys.argv[2])
assert len(a) == len(b) and len(a) > 10, (len(a), len(b))
for x, y in zip(a, b):
    assert x == y, (x, y)
PY
	# ... with the run's type, commit and branch: list and show say them
	read -r type branch < <($py -c 'import json, sys; d = json.load(open(sys.argv[1]))
print(d["benchmark_type"], d["git"]["branch"])' "$orig")
	expect 4 "$bt" import "$tmp/check/$file" --format hf-v2 --store "$tmp/imp-store-$name"
	expect 0 "$bt" list --store "$tmp/imp-store-$name" --format csv
	grep -q "^[0-9a-f]*,$type,[^,]*,$commit,$branch," "$tmp/out" ||
		fail "hf-v2 import of $name: not type $type, branch $branch: $(cat "$tmp/out")"
	expect 0 "$bt" show latest --store "$tmp/imp-store-$name" --format json
	$py - "$tmp/out" "$type" "$commit" "$branch" <<'PY' || fail "show of the hf-v2 import of $name"
import json, sys
r = json.load(open(sys.argv[1]))
got = (r["benchmark_type"], r["git"]["commit"], r["git"]["branch"])
assert got == tuple(sys.argv[2:5]), got
PY
done

# --- a wrong token, no token, a run uploaded again: exit 3, refs unchanged ----------
before=$(refs)
$py - "$a" "$tmp/c.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["run_id"] = "c" * 32
json.dump(d, open(sys.argv[2], "w"))
PY
expect 3 "${btenv[@]}" HF_TOKEN="wrong-$token" "$bt" upload "$tmp/c.json" --hub o/ds --hub-url "$url"
grep -q "authentication failed (git push): the server refused the token (--token or HF_TOKEN)" \
	"$tmp/err" || fail "wrong token: $(cat "$tmp/err")"
[ "$(refs)" = "$before" ] || fail "a wrong token changed the repository"
expect 3 "${btenv[@]}" "$bt" upload "$tmp/c.json" --hub o/ds --hub-url "$url"
grep -q "authentication failed (git push): the server wants a token" "$tmp/err" ||
	fail "no token: $(cat "$tmp/err")"
expect 3 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$a" --hub o/ds --hub-url "$url"
grep -q "'$base_a/run_$stamp.json' is already in the dataset\|'$base_a/attention/attention_benchmark_$stamp.json' is already in the dataset" \
	"$tmp/err" || fail "upload again: $(cat "$tmp/err")"
expect 3 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$tmp/c.json" --hub o/ds --hub-url "$url" \
	--revision nosuch
grep -q "no branch 'nosuch'" "$tmp/err" || fail "--revision nosuch: $(cat "$tmp/err")"
[ "$(refs)" = "$before" ] || fail "a refused upload changed the repository"
expect 2 "$bt" upload "$a" --hub nodataset
grep -q "expected OWNER/NAME" "$tmp/err" || fail "--hub nodataset: $(cat "$tmp/err")"
expect 2 "$bt" upload "$a"
expect 2 "$bt" upload "$a" --hub "o/d s"
grep -q "upload: --hub 'o/d s': expected OWNER/NAME" "$tmp/err" || fail "--hub 'o/d s': $(cat "$tmp/err")"
expect 2 "$bt" upload "$a" --hub o/ds --run-id a/b
grep -q "upload: --run-id 'a/b': expected letters" "$tmp/err" || fail "--run-id a/b: $(cat "$tmp/err")"
# refused before the suite runs, not after
expect 2 "$bt" run "$build/suite_counts" --quick --no-store --upload-to-hub "o/d s"
grep -q "run: --upload-to-hub 'o/d s': expected OWNER/NAME" "$tmp/err" && ! grep -q "^\[1/" "$tmp/err" ||
	fail "run --upload-to-hub 'o/d s': $(cat "$tmp/err")"
expect 2 "$bt" run "$build/suite_counts" --quick --no-store --upload-to-hub o/ds --run-id a/b
grep -q "run: --run-id 'a/b': expected letters" "$tmp/err" && ! grep -q "^\[1/" "$tmp/err" ||
	fail "run --run-id a/b: $(cat "$tmp/err")"
expect 3 "${btenv[@]}" "$bt" upload "$a" --hub o/ds --hub-url "http://u:pw@127.0.0.1:$port"
grep -q "holds a password" "$tmp/err" || fail "password in the URL: $(cat "$tmp/err")"
expect 3 "${btenv[@]}" "$bt" upload "$a" --hub o/ds --hub-url "$url/datasets/o/ds"
grep -q "without /datasets" "$tmp/err" || fail "the dataset's URL as --hub-url: $(cat "$tmp/err")"
expect 2 "$bt" ab "$build/suite_counts" "$build/suite_counts" --upload-to-hub o/ds
grep -q "ab: --upload-to-hub: not supported" "$tmp/err" || fail "ab --upload-to-hub: $(cat "$tmp/err")"
[ "$(refs)" = "$before" ] || fail "a refused upload changed the repository"

# --- a dataset with no commit yet: the first upload makes main ---------------------
empty=$tmp/root/o/empty
git init -q --bare -b main "$empty"
git -C "$empty" config http.receivepack true
expect 3 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$a" --hub o/empty --hub-url "$url" \
	--revision dev
grep -q "no commit yet: its first upload makes branch main, not 'dev'" "$tmp/err" ||
	fail "empty dataset, --revision dev: $(cat "$tmp/err")"
[ -z "$(git -C "$empty" for-each-ref)" ] || fail "a refused upload made a branch"
expect 0 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$a" --hub o/empty --hub-url "$url"
diff -u <(printf '%s\n' "$base_a/attention/attention_benchmark_$stamp.json" \
	"$base_a/benchmark_summary_$stamp.json" "$base_a/run_$stamp.json") \
	<(git -C "$empty" ls-tree -r --name-only main) ||
	fail "the empty dataset's first upload"
[ "$(git -C "$empty" rev-list --count main)" -eq 1 ] || fail "not one commit"

# --- a dataset whose DATE folder is a symbolic link: nothing written through it -----
git init -q --bare -b main "$tmp/root/o/link"
git -C "$tmp/root/o/link" config http.receivepack true
git init -q -b main "$tmp/link"
mkdir "$tmp/outside"
ln -s "$tmp/outside" "$tmp/link/2026-11-22"
git -C "$tmp/link" add -A
git -C "$tmp/link" -c user.name=t -c user.email=t@t commit -qm link
git -C "$tmp/link" push -q "$tmp/root/o/link" main
expect 3 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$a" --hub o/link --hub-url "$url"
grep -q "'2026-11-22' is in the dataset as a symbolic link, not a folder" "$tmp/err" ||
	fail "a symbolic link in the dataset: $(cat "$tmp/err")"
[ -z "$(ls -A "$tmp/outside")" ] || fail "upload wrote through a link: $(ls -R "$tmp/outside")"

# --- a dataset that puts *.json in LFS: the files go in as they are, not as
# pointers whose objects are never sent (git-lfs stood in for by a filter)
git init -q --bare -b main "$tmp/root/o/lfs"
git -C "$tmp/root/o/lfs" config http.receivepack true
git init -q -b main "$tmp/lfs"
printf '*.json filter=lfs diff=lfs merge=lfs -text\n' > "$tmp/lfs/.gitattributes"
git -C "$tmp/lfs" add -A
git -C "$tmp/lfs" -c user.name=t -c user.email=t@t commit -qm lfs
git -C "$tmp/lfs" push -q "$tmp/root/o/lfs" main
printf '[filter "lfs"]\n\tclean = echo pointer\n\tsmudge = cat\n\trequired = true\n' > "$tmp/lfsconfig"
expect 0 "${btenv[@]}" GIT_CONFIG_GLOBAL="$tmp/lfsconfig" HF_TOKEN="$token" "$bt" upload "$a" \
	--hub o/lfs --hub-url "$url"
cmp <(git -C "$tmp/root/o/lfs" show "main:$base_a/run_$stamp.json") \
	<(git -C "$repo" show "$first:$base_a/run_$stamp.json") ||
	fail "a file went into an LFS dataset changed: $(git -C "$tmp/root/o/lfs" show "main:$base_a/run_$stamp.json" | head -c 200)"

# --- a server that redirects git to another site: the token is not sent there ------
before=$(refs)
expect 3 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$tmp/c.json" --hub o/ds \
	--hub-url "http://u@localhost:$port"
grep -q "the server sent git on to another site, 'http://.*127.0.0.1:$port', which is not given the token" \
	"$tmp/err" || fail "a redirect to another site: $(cat "$tmp/err")"
[ "$(refs)" = "$before" ] || fail "the redirected upload changed the repository"
# the server refuses the push: its reason is in the message
: > "$tmp/refuse"
expect 3 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$tmp/c.json" --hub o/ds --hub-url "$url"
rm -f "$tmp/refuse"
grep -q "git push failed: the server said: files over 10 MiB need LFS; (pre-receive hook declined)" \
	"$tmp/err" || fail "a push the server refused: $(cat "$tmp/err")"
[ "$(refs)" = "$before" ] || fail "the refused push changed the repository"

# --- the branch moved on between the clone and the push: made again on the tip ------
: > "$tmp/race"
expect 0 "${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$tmp/c.json" --hub o/ds --hub-url "$url"
[ ! -e "$tmp/race" ] || fail "the clone did not go through the pack hook"
grep -q "the branch moved on" "$tmp/err" || fail "no retry said: $(cat "$tmp/err")"
git -C "$tmp/check" pull -q
[ -e "$tmp/check/other.txt" ] || fail "the other push was lost"
grep -q "^2026-11-22/runs/cccccccccccccccccccccccccccccccc/benchmark_results/run_$stamp.json$" \
	<(git -C "$tmp/check" ls-files) || fail "the retried upload is missing"

# --- five uploads at once (a CI matrix): every one pushed, none lost ----------------
# each refused push means another one went in, so no upload is refused
# more than 4 times: the 8 attempts always suffice
git init -q --bare -b main "$tmp/root/o/par"
git -C "$tmp/root/o/par" config http.receivepack true
git -C "$tmp/seed" push -q "$tmp/root/o/par" main
n0=$(git -C "$tmp/root/o/par" rev-list --count main)
pids=()
for i in 1 2 3 4 5; do
	"${btenv[@]}" HF_TOKEN="$token" "$bt" upload "$tmp/c.json" --hub o/par --hub-url "$url" \
		--run-id "par-$i" > "$tmp/par$i.out" 2> "$tmp/par$i.err" &
	pids+=($!)
done
for i in 1 2 3 4 5; do
	wait "${pids[$((i - 1))]}" || fail "upload $i of 5 at once: $(cat "$tmp/par$i.err")"
done
[ "$(git -C "$tmp/root/o/par" ls-tree --name-only main:2026-11-22/runs | grep '^par-' | tr '\n' ' ')" = \
	"par-1 par-2 par-3 par-4 par-5 " ] || fail "uploads at once: $(git -C "$tmp/root/o/par" ls-tree -r --name-only main; cat "$tmp"/par*.err)"
[ "$(git -C "$tmp/root/o/par" rev-list --count main)" -eq $((n0 + 5)) ] || fail "uploads at once: not one commit each"

# --- run --upload-to-hub, the processes sampled while its push waits ----------------
before=$(refs)
: > "$tmp/hold"
"${btenv[@]}" HF_TOKEN="$token" HF_ENDPOINT="$url" "$bt" run "$build/suite_counts" \
	--filter plain --quick --format none --store "$tmp/store" \
	--upload-to-hub o/ds --run-id ci-1 > "$tmp/run.out" 2> "$tmp/run.err" &
run_pid=$!
for _ in $(seq 600); do
	[ -e "$tmp/holding" ] && break
	kill -0 "$run_pid" 2>/dev/null || break
	sleep 0.1
done
[ -e "$tmp/holding" ] || { rm -f "$tmp/hold"; fail "the push never reached the hook: $(cat "$tmp/run.err")"; }
ps -eo pid,args > "$tmp/ps.txt"
# the upload's own clone, alive now: its configuration and files hold no token
held=$(ls -d "$tmp"/t/benchtrack-hub-*/repo/.git 2>/dev/null || true)
[ -n "$held" ] || { rm -f "$tmp/hold"; fail "no clone of the upload in TMPDIR"; }
cp -r "$held/.." "$tmp/held-clone"
for f in /proc/[0-9]*/cmdline; do
	{ tr '\0' ' ' < "$f"; } 2>/dev/null || true
	echo
done > "$tmp/cmdlines.txt"
rm -f "$tmp/hold"
rc=0
wait "$run_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "run --upload-to-hub: exit $rc: $(cat "$tmp/run.err")"
grep -q "git-remote-http\|git push\|remote-http" "$tmp/cmdlines.txt" ||
	fail "no git push was running when the processes were sampled"
grep -q "^uploaded .*/runs/ci-1/benchmark_results/run_.*\.json$" "$tmp/run.err" ||
	fail "run --upload-to-hub: $(cat "$tmp/run.err")"
[ "$(refs)" != "$before" ] || fail "run --upload-to-hub pushed nothing"
# a server that is down: the run is kept, and the message says how to send it later
expect 3 "${btenv[@]}" HF_TOKEN="$token" HF_ENDPOINT="http://127.0.0.1:1" "$bt" run \
	"$build/suite_counts" --filter plain --quick --format none --store "$tmp/store" \
	--upload-to-hub o/ds
grep -q "git clone failed: .*127.0.0.1 port 1" "$tmp/err" || fail "server down: $(cat "$tmp/err")"
grep -q "the run is stored: \`benchtrack upload [0-9a-f]\{12\} --store $tmp/store --hub o/ds\` sends it later" \
	"$tmp/err" || fail "server down, no way on: $(cat "$tmp/err")"
expect 2 "$bt" run "$build/suite_counts" --run-id x --no-store
grep -q "upload-to-hub" "$tmp/err" || fail "--run-id alone: $(cat "$tmp/err")"

# --- the token is nowhere -----------------------------------------------------------
grep -q "url = http://u@127.0.0.1:$port/datasets/o/ds$" "$tmp/held-clone/.git/config" ||
	fail "the upload's clone has another remote: $(cat "$tmp/held-clone/.git/config")"
[ -z "$(ls -A "$tmp/t")" ] || fail "upload left files in TMPDIR: $(ls -A "$tmp/t")"
git -C "$tmp/check" pull -q
for where in "$tmp/ps.txt" "$tmp/cmdlines.txt" "$tmp/store" "$tmp/check" "$tmp/seed" \
	"$tmp/held-clone" \
	"$tmp/server-access.log" "$tmp/server-error.log" "$tmp/run.out" "$tmp/run.err" \
	"$tmp/out" "$tmp/err" "$repo"; do
	if grep -rqaF -- "$token" "$where"; then
		fail "the token is in $where"
	fi
done
leaks=$(grep -rlaF -e "$token" -e "$basic" "$tmp" | grep -vx "$tmp/users" || true)
[ -z "$leaks" ] || fail "the token is in $leaks"
if git -C "$repo" log -p --all | grep -qF -e "$token" -e "$basic"; then
	fail "the token is in the repository's history"
fi
if git -C "$tmp/check" config --list --show-origin | grep -qF -- "$token"; then
	fail "the token is in a git configuration"
fi
stop_server
echo "upload_hub: ok"
