#!/usr/bin/env bash
# The runner features of the inference workload through the binaries
# (tests/fixtures/suite_presets.c): presets (--suite-preset, --list),
# --models, --num-tokens-to-generate, `benchtrack run DIR` (discovery
# without running what is not a suite), the GPU monitoring status of a
# machine without NVML, --gpu-sample-interval, --no-gpu-metrics and
# --log-level. Bounded work; nothing depends on timing.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" run_features "$@"
suite=$build/suite_presets
need_built "$bt" "$suite" "$build/suite_measure" "$build/suite_faults"
py=/usr/bin/python3
fast=(--warmup-iterations 0 --measurement-iterations 2 --min-sample-time 1ms)

# a field of the run's config: cfg FILE KEY
cfg() {
	"$py" -c 'import json,sys; v=json.load(open(sys.argv[1]))["config"].get(sys.argv[2]); print("null" if v is None else v)' "$1" "$2"
}
# the case ids of a run file, sorted, one line
ids() {
	"$py" -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(" ".join(sorted(x["name"] + "".join("/%s=%s" % kv for kv in sorted(x["params"].items())) for x in r)))' "$1"
}

# --- presets: --list shows them with their case counts
expect 0 "$suite" --list
grep -qx 'generate/model=builtin/prompt_len=64/new_tokens=4' "$tmp/out" || fail "--list: $(cat "$tmp/out")"
grep -qE '^# presets \(--suite-preset NAME\):$' "$tmp/out" || fail "--list: no presets header"
grep -qE '^#   performance +2 cases  load and generate at the short prompt$' "$tmp/out" ||
	fail "--list: performance line: $(cat "$tmp/out")"
grep -qE '^#   full +4 cases$' "$tmp/out" || fail "--list: the preset named only by .presets"

# a preset runs its members with its params; the command line's --param wins
expect 0 "$suite" --suite-preset performance "${fast[@]}" --format none --out "$tmp/p.json"
[ "$(ids "$tmp/p.json")" = "generate/model=builtin/new_tokens=4/prompt_len=32 load/model=builtin" ] ||
	fail "performance: $(ids "$tmp/p.json")"
[ "$(cfg "$tmp/p.json" preset)" = performance ] || fail "config.preset: $(cfg "$tmp/p.json" preset)"
expect 0 "$suite" --suite-preset smoke --list
[ "$(grep -v '^#' "$tmp/out")" = "generate/model=builtin/prompt_len=64/new_tokens=1" ] ||
	fail "smoke (filter and params): $(cat "$tmp/out")"
expect 0 "$suite" --suite-preset smoke --param prompt_len=32 --list
grep -qx 'generate/model=builtin/prompt_len=32/new_tokens=1' "$tmp/out" || fail "--param after the preset's"

expect 2 "$suite" --suite-preset speed --list
grep -qF "benchtrack: error: --suite-preset speed: no such preset (this suite has: performance, accuracy, smoke, full)" "$tmp/err" ||
	fail "unknown preset: $(cat "$tmp/err")"
# benchtrack run: a suite without the preset contributes nothing; none with it is an error
expect 0 "$bt" run "$suite" "$build/suite_measure" --suite-preset accuracy "${fast[@]}" \
	--no-store --format none --out "$tmp/acc.json"
[ "$(ids "$tmp/acc.json")" = "accuracy/prompt_len=32" ] || fail "run --suite-preset: $(ids "$tmp/acc.json")"
expect 0 "$bt" run "$build/suite_measure" "$suite" --suite-preset accuracy --list
[ "$(grep -v '^#' "$tmp/out")" = "accuracy/prompt_len=32" ] || fail "run --list --suite-preset: $(cat "$tmp/out")"
expect 2 "$bt" run "$build/suite_measure" --suite-preset accuracy --no-store
grep -qF "no benchmark case matches the filters" "$tmp/err" || fail "run, preset nowhere: $(cat "$tmp/err")"

# --- --models: one `model` value per *.safetensors, smallest first
mkdir "$tmp/models"
head -c 3000 /dev/zero > "$tmp/models/small.safetensors"
head -c 100 /dev/zero > "$tmp/models/tiny.safetensors"
echo '{}' > "$tmp/models/tiny.json"
expect 0 "$suite" --models "$tmp/models" --filter '^load' --list
[ "$(grep -v '^#' "$tmp/out" | tr '\n' ' ')" = "load/model=tiny load/model=small " ] ||
	fail "--models: $(cat "$tmp/out")"
# the benchmark finds its file through bt_models_dir (counter model_bytes)
expect 0 "$bt" run "$suite" --models "$tmp/models" --filter '^load' "${fast[@]}" \
	--no-store --format none --out "$tmp/m.json"
"$py" - "$tmp/m.json" "$tmp/models" <<'PY' || fail "--models run"
import json, sys
run = json.load(open(sys.argv[1]))
assert run["config"]["models_dir"] == sys.argv[2], run["config"]
got = {r["params"]["model"]: r["counters"]["model_bytes"] for r in run["results"]}
assert got == {"tiny": 100, "small": 3000}, got
PY
expect 2 "$suite" --models "$tmp/nothing" --list
grep -qF -- "--models $tmp/nothing: No such file or directory" "$tmp/err" || fail "--models missing: $(cat "$tmp/err")"

# --- --num-tokens-to-generate N is --param new_tokens=N
expect 0 "$suite" --num-tokens-to-generate 7 --filter '^generate' --list
[ "$(tr '\n' ' ' < "$tmp/out" | sed 's/ #.*//')" = "generate/model=builtin/prompt_len=32/new_tokens=7 generate/model=builtin/prompt_len=64/new_tokens=7" ] ||
	fail "--num-tokens-to-generate: $(cat "$tmp/out")"
expect 2 "$suite" --num-tokens-to-generate 0 --list
grep -qF -- "--num-tokens-to-generate: '0' is not an integer in [1, 1000000000]" "$tmp/err" || fail "$(cat "$tmp/err")"
expect 2 "$build/suite_measure" --num-tokens-to-generate 4 --list
grep -qF "no benchmark has a parameter 'new_tokens'" "$tmp/err" || fail "$(cat "$tmp/err")"

# --- benchtrack run DIR: the suites under it, nothing else started
mkdir -p "$tmp/suites/sub" "$tmp/suites/.hidden"
cp "$suite" "$tmp/suites/sub/"
cp "$build/suite_measure" "$tmp/suites/"
cp "$suite" "$tmp/suites/.hidden/"
cp /bin/true "$tmp/suites/"
cp "$suite" "$tmp/suites/not_executable" && chmod -x "$tmp/suites/not_executable"
printf '#!/bin/sh\ntouch "%s"\n' "$tmp/script_ran" > "$tmp/suites/script.sh"
chmod +x "$tmp/suites/script.sh"
expect 0 "$bt" run "$tmp/suites" "${fast[@]}" --no-store --format none --out "$tmp/d.json" --log-level debug
[ ! -e "$tmp/script_ran" ] || fail "run DIR started a script"
grep -qF "run: $tmp/suites: found $tmp/suites/sub/suite_presets" "$tmp/err" || fail "found: $(cat "$tmp/err")"
[ "$(grep -c ': found ' "$tmp/err")" -eq 2 ] || fail "found other than two suites: $(grep ': found ' "$tmp/err")"
"$py" - "$tmp/d.json" <<'PY' || fail "run DIR: not both suites"
import json, sys
run = json.load(open(sys.argv[1]))
assert run["suite"] == "suite_presets+suite_measure", run["suite"]  # sorted paths: sub/... first
names = {r["name"] for r in run["results"]}
assert {"copy", "generate", "accuracy"} <= names, names
PY
mkdir "$tmp/empty"
expect 2 "$bt" run "$tmp/empty" --no-store
grep -qF "run: $tmp/empty: no benchmark suite there" "$tmp/err" || fail "empty dir: $(cat "$tmp/err")"

# --- GPU monitoring: without NVML here "unavailable"; off on request
if [ -z "$(ldconfig -p 2>/dev/null | grep -F libnvidia-ml.so.1 || true)" ]; then
	[ "$(cfg "$tmp/p.json" gpu_monitoring)" = unavailable ] || fail "gpu_monitoring: $(cfg "$tmp/p.json" gpu_monitoring)"
	! grep -q gpu_utilization "$tmp/p.json" || fail "gpu counters without a GPU"
fi
expect 0 "$suite" --filter '^accuracy' "${fast[@]}" --no-gpu-metrics --format none --out "$tmp/off.json"
[ "$(cfg "$tmp/off.json" gpu_monitoring)" = off ] || fail "--no-gpu-metrics: $(cfg "$tmp/off.json" gpu_monitoring)"
[ "$(cfg "$tmp/off.json" gpu_sample_interval)" = 0.0 ] || fail "interval off: $(cfg "$tmp/off.json" gpu_sample_interval)"
expect 0 "$suite" --filter '^accuracy' "${fast[@]}" --gpu-sample-interval 10ms --format none --out "$tmp/i.json"
[ "$(cfg "$tmp/i.json" gpu_sample_interval)" = 0.01 ] || fail "interval: $(cfg "$tmp/i.json" gpu_sample_interval)"
expect 2 "$suite" --gpu-sample-interval 50 --list
grep -qF -- "--gpu-sample-interval: '50' has no unit" "$tmp/err" || fail "$(cat "$tmp/err")"
expect 2 "$suite" --gpu-sample-interval 0 --list
grep -qF "is under 1ms (--no-gpu-metrics turns the sampling off)" "$tmp/err" || fail "$(cat "$tmp/err")"

# the NVML path itself, through a stand-in libnvidia-ml.so.1 found by
# LD_LIBRARY_PATH: two GPUs at 30% and 70% utilization, 1 GiB and 3 GiB
# used; an nvmlInit_v2 that fails leaves the status "unavailable"
mkdir "$tmp/nvml"
cat > "$tmp/nvml/fake.c" <<'EOF'
#include <stdlib.h>
struct util { unsigned int gpu, memory; };
struct mem { unsigned long long total, free, used; };
static int devs[2];
int nvmlInit_v2(void) { return getenv("FAKE_NVML_FAIL") ? 1 : 0; }
int nvmlShutdown(void) { return 0; }
int nvmlDeviceGetCount_v2(unsigned int *n) { *n = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **h) { *h = &devs[i]; return 0; }
int nvmlDeviceGetUtilizationRates(void *h, struct util *u)
{ u->gpu = h == &devs[0] ? 30 : 70; u->memory = 5; return 0; }
int nvmlDeviceGetMemoryInfo(void *h, struct mem *m)
{ m->total = 8ull << 30; m->used = (h == &devs[0] ? 1ull : 3ull) << 30; m->free = m->total - m->used; return 0; }
EOF
cc -shared -fPIC -o "$tmp/nvml/libnvidia-ml.so.1" "$tmp/nvml/fake.c" || fail "the stand-in NVML does not build"
LD_LIBRARY_PATH=$tmp/nvml expect 0 "$suite" --filter '^accuracy' "${fast[@]}" --format none --out "$tmp/nv.json"
"$py" - "$tmp/nv.json" <<'PY' || fail "NVML counters: $(cat "$tmp/nv.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["config"]["gpu_monitoring"] == "nvml", d["config"]["gpu_monitoring"]
c = d["results"][0]["counters"]
want = {"gpu_utilization_mean": 50, "gpu_utilization_max": 50, "gpu_memory_used_mean": 4 << 30,
        "gpu0_utilization_mean": 30, "gpu1_utilization_max": 70, "gpu1_memory_used_mean": 3 << 30}
assert all(c[k] == v for k, v in want.items()), c
assert c["gpu_samples"] >= 2, c
PY
FAKE_NVML_FAIL=1 LD_LIBRARY_PATH=$tmp/nvml expect 0 "$suite" --filter '^accuracy' "${fast[@]}" --format none --out "$tmp/nv2.json"
[ "$(cfg "$tmp/nv2.json" gpu_monitoring)" = unavailable ] || fail "failing nvmlInit: $(cfg "$tmp/nv2.json" gpu_monitoring)"

# --- --log-level: error < warn < info < debug
faults=$build/suite_faults
expect 2 "$suite" --log-level loud --list
grep -qF -- "--log-level: 'loud' is not one of error, warn, info, debug" "$tmp/err" || fail "$(cat "$tmp/err")"
expect 4 "$faults" --filter '^fails' "${fast[@]}" --log-level warn
grep -q ': failed' "$tmp/err" || fail "warn: no line for the failed case: $(cat "$tmp/err")"
! grep -qE 'elapsed|cases:' "$tmp/err" || fail "warn: progress or summary shown: $(cat "$tmp/err")"
expect 4 "$faults" --filter '^fails' "${fast[@]}" --log-level error
[ ! -s "$tmp/err" ] || fail "error level: $(cat "$tmp/err")"
expect 4 "$faults" --filter '^fails' "${fast[@]}" --log-level info
grep -qE '^1 case: 1 failed' "$tmp/err" || fail "info: no summary: $(cat "$tmp/err")"
echo "run_features: ok"
