#!/usr/bin/env python3
"""Writes a fresh change-point corpus of the reference corpus' design, to
check that the change-point defaults are not fitted to the dev files (the
issue's targets are checked on a held-back corpus of the same design).

For every series of DEV/manifest.json it writes REPS new series with the
same noise kind, CV, spike fraction and injection (kind, magnitude, gap,
pattern), and new randomness from numpy.random.default_rng(SEED + k): the
length N drawn at dev's frequencies of 100, 200 and 1000 points, the
position uniform in [ceil(0.3 N), floor(0.7 N)], the sign (+ with
probability 0.75 for spike_revert, else 1/2), the noise and the spike
positions; the generator rules are those of DEV/README.md ("How the series
were made"). OUT gets series/NNNNN.csv and manifest.json in dev's layout.

With --otava DIR (a checkout of apache/otava, importable with the system's
NumPy and SciPy) it also writes OUT/otava.json with Otava's change-point
indices at p 0.001 and 0.0001, window 50, magnitude 0, as the dev corpus
has them; without it bench/changepoint_eval uses otava_compat's answers
(identical to Otava on every series checked: 1,512 dev + 6,048 fresh).

usage: scripts/changepoint-fresh.py DEV OUT SEED REPS [--otava DIR]
   e.g. scripts/changepoint-fresh.py ../shared/changepoint/dev /tmp/fresh 70000000 2
        build/changepoint_eval /tmp/fresh
"""
import json
import math
import os
import sys

import numpy as np

args = sys.argv[1:]
otava_dir = None
if "--otava" in args:
    i = args.index("--otava")
    otava_dir = args[i + 1]
    del args[i:i + 2]
if len(args) != 4:
    sys.exit(__doc__.split("\n\n")[-1])
dev, out, base, reps = args[0], args[1], int(args[2]), int(args[3])
manifest = json.load(open(os.path.join(dev, "manifest.json")))
os.makedirs(os.path.join(out, "series"), exist_ok=True)
lengths = [s["N"] for s in manifest["series"]]
p_len = [lengths.count(n) / len(lengths) for n in (100, 200, 1000)]
compute = None
if otava_dir:
    sys.path.insert(0, otava_dir)
    from otava.analysis import compute_change_points as compute

series, answers = [], []
k = 0
for _ in range(reps):
    for d in manifest["series"]:
        seed = base + k
        rng = np.random.default_rng(seed)
        n = int(rng.choice([100, 200, 1000], p=p_len))
        noise, inj = dict(d["noise"]), dict(d["injection"])
        sigma = noise["cv_pct"]
        z = rng.standard_normal(n)
        if noise["kind"] == "lognormal":
            s = math.sqrt(math.log(1 + (sigma / 100) ** 2))
            base_noise = 100 * (np.exp(s * z - s * s / 2) - 1)
        else:
            base_noise = sigma * z
        offset, extra = np.zeros(n), {}
        if noise["kind"] == "gauss_spikes":
            count = max(1, round(noise["spike_frac"] * n))
            idx = sorted(int(i) for i in rng.choice(n, count, replace=False))
            offset[idx] = noise.get("spike_height_sigma", 6.0) * sigma
            extra["outlier_indices"] = idx
        shift, scale, truth = np.zeros(n), np.ones(n), []
        kind = inj["kind"]
        if kind != "null":
            at = int(rng.integers(math.ceil(0.3 * n), math.floor(0.7 * n) + 1))
            inj["index"] = at
            if kind == "spike_revert":
                inj["sign"] = 1 if rng.random() < 0.75 else -1
            elif kind != "variance":
                inj["sign"] = int(rng.choice([1, -1]))
            m = inj.get("magnitude_pct", 0) / 100 * inj.get("sign", 1)
            if kind == "step":
                shift[at:], truth = m, [at]
            elif kind == "two_steps":
                gap = inj["gap"]
                shift[at:] = m
                shift[at + gap:] = 2 * m if inj["pattern"] == "staircase" else 0
                truth = [at, at + gap]
            elif kind == "variance":
                scale[at:], truth = 2, [at]
            elif kind == "spike_revert":
                shift[at] = m
            elif kind == "step_revert3":
                shift[at:at + 3], truth = m, [at, at + 3]
                extra["transient"] = True
        x = 100 * (1 + shift) + scale * base_noise + offset
        sid = "%05d" % k
        name = "series/%s.csv" % sid
        with open(os.path.join(out, name), "w") as f:
            f.write("index,value\n")
            f.writelines("%d,%.17g\n" % (i, v) for i, v in enumerate(x))
        entry = {"id": sid, "file": name, "N": n, "seed": seed, "noise": noise,
                 "injection": inj, "true_change_points": truth}
        entry.update(extra)
        series.append(entry)
        if compute:
            vals = [float("%.17g" % v) for v in x]
            rec = {"id": sid, "file": name, "N": n}
            for p in (0.001, 0.0001):
                cps, _ = compute(vals, window_len=50, max_pvalue=p, min_magnitude=0.0)
                rec["p%g" % p] = {"change_points": [{"index": int(c.index)} for c in cps]}
            answers.append(rec)
        k += 1
json.dump({"corpus": "fresh", "design": os.path.abspath(dev), "base_seed": base,
           "count": len(series), "series": series},
          open(os.path.join(out, "manifest.json"), "w"), indent=1)
if compute:
    json.dump({"series": answers}, open(os.path.join(out, "otava.json"), "w"))
print("%d series in %s%s" % (len(series), out, ", with Otava's answers" if compute else ""))
