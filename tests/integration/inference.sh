#!/usr/bin/env bash
# The inference suite (examples/inference/): its quick mode on the tiny
# model runs every kind of benchmark and passes; the three variants agree
# with the double-precision reference on the tiny and small models
# (validation passed, every greedy token the reference's or a near tie);
# corrupted model files (a bit flipped in the header, a truncated data
# section, a wrong shape) fail their cases with a message naming the file
# and the tensor while the other cases run; the generated files read
# correctly with an independent reader (Python's json and struct) that
# finds the values gen_model says it wrote. No duration is asserted.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" inference "$@"
suite=$build/inference
gen=$build/gen_model
need_built "$suite" "$gen"
py=/usr/bin/python3
models=$build/models
[ -f "$models/tiny.safetensors" ] && [ -f "$models/small.safetensors" ] ||
	fail "the generated models are missing from $models"
unset BT_MODELS_DIR INFER_THREADS

# json EXPR: evaluates EXPR with d = the run in FILE ($2)
json() {
	"$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$2"
}

# 1. quick mode on tiny: every kind, every variant, all ok
expect 0 "$suite" --quick --param model=tiny --format none -o "$tmp/quick.json"
for kind in load generate batch memory accuracy; do
	for v in eager compiled kernelized; do
		n=$(json "sum(1 for r in d['results'] if r['name']=='$kind.$v' and r['status']=='ok')" "$tmp/quick.json")
		[ "$n" -ge 1 ] || fail "quick: no ok case of $kind.$v"
	done
done
[ "$(json "sum(r['status']!='ok' for r in d['results'])" "$tmp/quick.json")" = 0 ] ||
	fail "quick: some case not ok"
# generate reports the seed's metrics and the roofline
json "[r for r in d['results'] if r['name']=='generate.kernelized'][0]" "$tmp/quick.json" > "$tmp/gen"
for k in ttft inter_token_latency decode_tokens_per_s e2e_latency roofline_fraction \
	stream_copy_bytes_per_s kv_cache_bytes; do
	grep -q "'$k'" "$tmp/gen" || fail "generate.kernelized has no $k"
done

# 2. the variants agree with the reference: tiny (above) and small
expect 0 "$suite" --filter '^accuracy\.' --param model=small --warmup-iterations 0 \
	--measurement-iterations 1 --format none -o "$tmp/acc.json"
for f in "$tmp/quick.json" "$tmp/acc.json"; do
	out=$(json "'\n'.join('%s %s %s %s %s' % (r['name'], r['status'], r['validation']['passed'],
		r['counters']['greedy_agreement_pct'] + 100.0 * r['counters']['near_ties'] / r['counters']['greedy_checked'],
		r['validation']['max_rel_err'] <= 1e-4)
		for r in d['results'] if r['name'].startswith('accuracy.'))" "$f")
	[ "$(echo "$out" | wc -l)" = 3 ] || fail "accuracy: want 3 variants, got: $out"
	echo "$out" | while read -r name status passed agree close; do
		[ "$status $passed $close" = "ok True True" ] || fail "$name: $status $passed $close"
		[ "$agree" = 100.0 ] || fail "$name: greedy agreement $agree% with the ties"
	done
done

# the portable vector kernels (GCC vector extensions) agree too
INFER_NO_AVX2=1 expect 0 "$suite" --filter '^accuracy\.kernelized/' --param model=tiny \
	--warmup-iterations 0 --measurement-iterations 1 --format none -o "$tmp/gen.json"
[ "$(json "[(r['status'], r['counters']['avx2']) for r in d['results']]" "$tmp/gen.json")" = "[('ok', 0.0)]" ] ||
	fail "kernelized without AVX2: $(cat "$tmp/gen.json")"

# 2b. batch is adaptive: out of memory under --memory-limit, it is retried
# with half the batch (the KV cache of 32 sequences does not fit in 100M of
# address space beside the small model; that of 16 does). Sanitizer builds
# ignore --memory-limit.
if ! grep -q '^BT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
	expect 0 "$suite" --filter '^batch\.compiled/model=small/' --param batch=32 \
		--memory-limit 100M --quick --format none -o "$tmp/oom.json"
	got=$(json "[(r['status'], r['adaptive']['requested'], int(r['adaptive']['ran']) < 32,
		r['adaptive']['retries'] >= 1) for r in d['results']]" "$tmp/oom.json")
	[ "$got" = "[('ok', '32', True, True)]" ] || fail "adaptive batch: $got"
fi

# 3. corrupted models (found with --models DIR: one model value a file)
# each fail their cases naming file and tensor, and the run goes on
bad=$tmp/models
mkdir "$bad"
cp "$models/tiny.safetensors" "$models/tiny.json" "$bad/"
for n in flipbit truncated wrongshape; do
	cp "$models/tiny.json" "$bad/$n.json"
done
"$py" - "$bad" <<'EOF'
import struct, sys
d = sys.argv[1]
raw = open(d + '/tiny.safetensors', 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
hdr = raw[8:8 + n]
# one bit flipped in the header: '8' (0x38) -> '9' in the shape of up_proj
key = b'"model.layers.1.mlp.up_proj.weight":{"dtype":"F32","shape":[384,128]'
at = hdr.index(key) + len(key) - 2
flipped = bytearray(raw)
flipped[8 + at] ^= 1
open(d + '/flipbit.safetensors', 'wb').write(flipped)
# the data section cut short by 1000 bytes
open(d + '/truncated.safetensors', 'wb').write(raw[:-1000])
# a shape the config does not have, same bytes: [384,128] -> [128,384]
open(d + '/wrongshape.safetensors', 'wb').write(raw.replace(key, key.replace(b'[384,128]', b'[128,384]'), 1))
EOF
expect 4 "$suite" --filter '^(load\.eager|generate\.kernelized|accuracy\.compiled)/' \
	--models "$bad" --param prompt_len=32 --param cache=warm --num-tokens-to-generate 4 \
	--quick --format none -o "$tmp/bad.json"
json "'\n'.join('%s|%s|%s' % (r['name'] + '/' + r['params']['model'], r['status'], r['message'] or '')
	for r in d['results'])" "$tmp/bad.json" > "$tmp/bad.txt"
[ "$(json "sorted(set(r['params'].get('new_tokens', '-') for r in d['results']))" "$tmp/bad.json")" = "['-', '4']" ] ||
	fail "--num-tokens-to-generate 4 did not set new_tokens"
[ "$(grep -c '/tiny|ok|$' "$tmp/bad.txt")" = 3 ] || fail "tiny cases not ok: $(cat "$tmp/bad.txt")"
[ "$(grep -c '|failed|' "$tmp/bad.txt")" = 9 ] || fail "want 9 failed cases: $(cat "$tmp/bad.txt")"
want_msg() { # MODEL TEXT...: every case of MODEL failed with each TEXT
	local m=$1 t
	shift
	for t in "$@"; do
		[ "$(grep "/$m|failed|" "$tmp/bad.txt" | grep -cF -- "$t")" = 3 ] ||
			fail "$m: no '$t' in: $(grep "/$m|" "$tmp/bad.txt")"
	done
}
up="tensor 'model.layers.1.mlp.up_proj.weight'"
want_msg flipbit "$bad/flipbit.safetensors: $up: shape needs 198144 bytes of F32 but data_offsets [1445376, 1641984) hold 196608"
want_msg truncated "$bad/truncated.safetensors: tensor 'lm_head.weight': data_offsets" \
	"reach past the data section"
want_msg wrongshape "$bad/wrongshape.safetensors: $up: shape [128, 384] where the config needs [384, 128]"
# a header that no longer parses names the tensor whose entry broke
"$py" - "$bad" <<'EOF'
import sys
d = sys.argv[1]
raw = bytearray(open(d + '/tiny.safetensors', 'rb').read())
key = b'"model.layers.2.self_attn.v_proj.weight":{'
raw[raw.index(key) + len(key)] ^= 0x40   # '"' -> 'b'
open(d + '/flipbit.safetensors', 'wb').write(raw)
EOF
BT_MODELS_DIR=$bad expect 4 "$suite" --filter '^load\.eager/' --param model=flipbit \
	--param cache=warm --quick --format none -o "$tmp/bad2.json"
msg=$(json "d['results'][0]['message']" "$tmp/bad2.json")
case $msg in
*"flipbit.safetensors: tensor 'model.layers.2.self_attn.v_proj.weight': header is not valid JSON"*) ;;
*) fail "bad JSON: $msg" ;;
esac

# a bit flipped in a tensor's name: the missing tensor and the stray name
"$py" - "$bad" <<'EOF'
import sys
d = sys.argv[1]
raw = bytearray(open(d + '/tiny.safetensors', 'rb').read())
key = b'"model.layers.2.post_attention_layernorm.weight"'
raw[raw.index(key) + len(key) - 2] ^= 0x01   # 't' -> 'u'
open(d + '/flipbit.safetensors', 'wb').write(raw)
EOF
BT_MODELS_DIR=$bad expect 4 "$suite" --filter '^load\.eager/' --param model=flipbit \
	--param cache=warm --quick --format none -o "$tmp/bad3.json"
msg=$(json "d['results'][0]['message']" "$tmp/bad3.json")
case $msg in
*"flipbit.safetensors: tensor 'model.layers.2.post_attention_layernorm.weight': missing"*"'model.layers.2.post_attention_layernorm.weighu'"*) ;;
*) fail "flipped name: $msg" ;;
esac

# 4. an independent reader: valid safetensors, the values gen_model wrote
for m in tiny small; do
	"$gen" --dump "$m" lm_head.weight 0 1 1000 > "$tmp/v1"
	"$gen" --dump "$m" model.layers.1.self_attn.q_proj.weight 7 12345 > "$tmp/v2"
	"$gen" --dump "$m" model.norm.weight 3 > "$tmp/v3"
	"$py" - "$models/$m.safetensors" "$models/$m.json" "$tmp" <<'EOF' || fail "$m: the Python reader disagrees"
import json, math, struct, sys
path, cfg_path, tmp = sys.argv[1:4]
raw = open(path, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
assert 8 + n <= len(raw) and n % 8 == 0, n
hdr = json.loads(raw[8:8 + n].decode('utf-8'))
meta = hdr.pop('__metadata__')
assert meta['generator'] == 'benchtrack gen_model', meta
data = raw[8 + n:]
spans = sorted((t['data_offsets'][0], t['data_offsets'][1], k) for k, t in hdr.items())
at = 0
for b, e, k in spans:
    t = hdr[k]
    assert t['dtype'] == 'F32', k
    assert b == at and e - b == 4 * math.prod(t['shape']), k
    at = e
assert at == len(data), (at, len(data))
cfg = json.load(open(cfg_path))
assert sum(math.prod(t['shape']) for t in hdr.values()) == cfg['params']
assert hdr['model.embed_tokens.weight']['shape'] == [cfg['vocab_size'], cfg['dim']]
assert len(hdr) == 3 + 9 * cfg['n_layers']
def value(name, i):
    b = hdr[name]['data_offsets'][0]
    return struct.unpack_from('<f', data, b + 4 * i)[0]
def f32(s):
    return struct.unpack('<f', struct.pack('<f', float(s)))[0]
checks = [('lm_head.weight', [0, 1, 1000], 'v1'),
          ('model.layers.1.self_attn.q_proj.weight', [7, 12345], 'v2'),
          ('model.norm.weight', [3], 'v3')]
for name, idx, f in checks:
    want = [f32(l) for l in open(tmp + '/' + f).read().split()]
    got = [value(name, i) for i in idx]
    assert got == want, (name, got, want)
    assert all(v != 0 for v in got)
EOF
done
echo "inference: ok"
