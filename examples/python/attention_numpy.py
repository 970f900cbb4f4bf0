#!/usr/bin/python3
"""Naive and blocked attention in NumPy, measured through benchtrack.

    softmax(Q K^T / sqrt(d)) V

naive    the whole N x N score matrix, a stable softmax, then times V;
blocked  key blocks of --block rows with the online softmax (a running
         maximum and sum per query, the partial output rescaled when the
         maximum grows), as flash attention does: never more than
         N x block scores at once.

For each sequence length (--seq-lens) both are benchmarks of their own
(params seq_len and dim): their per-iteration latency (metric "time", in
ms, every iteration a sample: "time" is the metric that compare, check
and the dashboard look at first) and throughput ("tokens_per_s", one
sample per iteration), reported through the metric protocol (docs/PROTOCOL.md)
with bindings/python/benchtrack_metrics.py; blocked's output is checked
against naive's (a validation line). Run it with

    benchtrack exec --runs 5 '/usr/bin/python3 examples/python/attention_numpy.py'

(Debian's python3 with python3-numpy; another python3 may come first on
PATH). Outside benchtrack it prints its medians and reports nothing.

BENCH_SLOWDOWN=F (or --slowdown F), F >= 1, makes every timed iteration F
times as long (it sleeps (F - 1) times the iteration's time inside the
timed region): a regression made on purpose, for tests.
"""

import argparse
import math
import os
import sys
import time

# one BLAS thread: a shared machine's other work disturbs it least
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bindings", "python"))
from benchtrack_metrics import report_values, timer, validation  # noqa: E402


def naive_attention(q, k, v):
    """softmax(q k^T / sqrt(d)) v with the whole score matrix."""
    s = (q @ k.T) * (1.0 / math.sqrt(q.shape[1]))
    s -= s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    return p @ v


def blocked_attention(q, k, v, block):
    """The same, over key blocks with the online softmax."""
    n = q.shape[0]
    scale = 1.0 / math.sqrt(q.shape[1])
    m = np.full((n, 1), -np.inf)        # running maximum per query
    l = np.zeros((n, 1))                # running sum of exp(s - m)
    acc = np.zeros((n, v.shape[1]))     # running output, scaled by exp(-m)
    for j in range(0, k.shape[0], block):
        s = (q @ k[j:j + block].T) * scale
        m_new = np.maximum(m, s.max(axis=1, keepdims=True))
        p = np.exp(s - m_new)
        corr = np.exp(m - m_new)
        l = l * corr + p.sum(axis=1, keepdims=True)
        acc = acc * corr + p @ v[j:j + block]
        m = m_new
    return acc / l


def measure(name, fn, n, dim, iters, warmup, slowdown):
    """Times fn iters times (after warmup untimed calls) and reports the
    latencies and throughputs as benchmark name; returns the last output
    and the median latency in ms."""
    params = {"seq_len": n, "dim": dim}
    for _ in range(warmup):
        fn()
    with timer("time", "ms", benchmark=name, params=params) as t:
        for _ in range(iters):
            with t.iteration():
                t0 = time.perf_counter()
                out = fn()
                if slowdown > 1:
                    time.sleep((time.perf_counter() - t0) * (slowdown - 1))
    report_values("tokens_per_s", [n / (ms / 1e3) for ms in t.samples],
                  unit="tokens/s", benchmark=name, params=params)
    return out, sorted(t.samples)[len(t.samples) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seq-lens", default="256,512",
                    help="sequence lengths, comma-separated (default 256,512)")
    ap.add_argument("--dim", type=int, default=64, help="head dimension (64)")
    ap.add_argument("--block", type=int, default=64, help="key block of blocked (64)")
    ap.add_argument("--iters", type=int, default=10, help="timed iterations (10)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed iterations first (1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--slowdown", type=float,
                    default=float(os.environ.get("BENCH_SLOWDOWN", "1")),
                    help="make each iteration this many times slower "
                         "(default $BENCH_SLOWDOWN or 1)")
    a = ap.parse_args()
    if a.slowdown < 1 or a.iters < 1 or a.block < 1 or a.dim < 1:
        ap.error("--slowdown must be >= 1; --iters, --block, --dim >= 1")
    rng = np.random.default_rng(a.seed)
    tol = 1e-10
    for n in (int(x) for x in a.seq_lens.split(",")):
        q, k, v = (rng.standard_normal((n, a.dim)) for _ in range(3))
        ref, t_naive = measure("naive_attention", lambda: naive_attention(q, k, v),
                               n, a.dim, a.iters, a.warmup, a.slowdown)
        got, t_blocked = measure("blocked_attention",
                                 lambda: blocked_attention(q, k, v, a.block),
                                 n, a.dim, a.iters, a.warmup, a.slowdown)
        abs_err = float(np.max(np.abs(got - ref)))
        rel_err = abs_err / float(np.max(np.abs(ref)))
        validation(passed=rel_err <= tol, max_abs_err=abs_err, max_rel_err=rel_err,
                   tolerance=tol, benchmark="blocked_attention",
                   params={"seq_len": n, "dim": a.dim})
        print("seq_len %5d: naive %.3f ms, blocked %.3f ms, max rel err %.2g"
              % (n, t_naive, t_blocked, rel_err))


if __name__ == "__main__":
    main()
