#!/usr/bin/env python3
"""Writes tests/fixtures/changepoint/subset.json: a subset of the change-point
reference corpus small enough to commit (CI machines do not have the corpus).

Source: the "dev" corpus of synthetic benchmark-like series with known change
points and the answers of Apache Otava (commit 1ceb1537a49d516cf6cef9a79bea6926002082f8,
otava.analysis.compute_change_points(series, window_len=50, max_pvalue=p,
min_magnitude=0) for p = 0.001 and 0.0001), as shared with the project under
../shared/changepoint/dev (README.md there describes generator and answers).

Selection (deterministic): for every (injection kind, noise kind, spike
fraction, N) cell of the manifest, the first series of the cell in manifest
order, then further series round-robin over the cells (preferring N = 200)
until COUNT series are chosen. Per series the file keeps the id, N, noise,
injection, true change points, the values (repr() of the doubles parsed from
the %.17g CSV: exact round trip) and Otava's change-point indices for both
p-values (indices only).

usage: scripts/changepoint-fixture.py [CORPUS_DIR [OUT_FILE [COUNT]]]
"""
import json
import os
import sys
from collections import OrderedDict

corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "changepoint", "dev")
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(__file__), "..", "tests", "fixtures", "changepoint", "subset.json")
count = int(sys.argv[3]) if len(sys.argv) > 3 else 100

manifest = json.load(open(os.path.join(corpus, "manifest.json")))
otava = json.load(open(os.path.join(corpus, "otava.json")))
answers = {s["id"]: s for s in otava["series"]}

cells = OrderedDict()
for s in manifest["series"]:
    key = (s["injection"]["kind"], s["noise"]["kind"], s["noise"].get("spike_frac"), s["N"])
    cells.setdefault(key, []).append(s)

chosen = [v[0] for v in cells.values()]
seen = {s["id"] for s in chosen}
# then round-robin over the N = 200 cells (most of the corpus)
queues = [list(v[1:]) for k, v in cells.items() if k[3] == 200]
while len(chosen) < count and any(queues):
    for q in queues:
        if q and len(chosen) < count:
            s = q.pop(0)
            if s["id"] not in seen:
                chosen.append(s)
                seen.add(s["id"])
chosen.sort(key=lambda s: s["id"])


def values(path):
    with open(os.path.join(corpus, path)) as f:
        lines = f.read().split("\n")
    assert lines[0] == "index,value"
    return [float(l.split(",")[1]) for l in lines[1:] if l]


series = []
for s in chosen:
    a = answers[s["id"]]
    series.append(OrderedDict([
        ("id", s["id"]), ("N", s["N"]), ("noise", s["noise"]),
        ("injection", s["injection"]),
        ("true_change_points", s["true_change_points"]),
        ("otava", OrderedDict([
            (k, [cp["index"] for cp in a[k]["change_points"]])
            for k in ("p0.001", "p0.0001")])),
        ("values", values(s["file"])),
    ]))

doc = OrderedDict([
    ("source", "subset of ../shared/changepoint/dev (see scripts/changepoint-fixture.py)"),
    ("otava_commit", otava["otava_commit"]),
    ("calls", otava["calls"]),
    ("count", len(series)),
    ("series", series),
])
with open(out, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")
print(f"{out}: {len(series)} series, {os.path.getsize(out)} bytes")
