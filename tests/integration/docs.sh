#!/usr/bin/env bash
# The contributor and author docs against the tree:
#   - docs/internals/ARCHITECTURE.md names every source file of lib/,
#     cli/, front/ and include/ (by its path, a glob such as cli/cmd_*.c,
#     or a header's name in the include/benchtrack/ list), and every path
#     it names exists;
#   - every "ARCHITECTURE.md §N" cited in the tree is a section of it,
#     nothing cites the design document that is not in the repository,
#     and no code, test or script cites a tracker's issue number (which
#     means nothing in the repository: the comment names the behaviour);
#   - docs/API.md names every public call, macro and BT_BENCH option of
#     include/benchtrack/bench.h.
# A failure names the file and what is missing.
set -euo pipefail
src=$1

/usr/bin/python3 - "$src" <<'PY'
import fnmatch, glob, os, re, sys

src = sys.argv[1]
errors = []

def read(p):
    with open(os.path.join(src, p), encoding="utf-8") as f:
        return f.read()

arch_path = "docs/internals/ARCHITECTURE.md"
arch = read(arch_path)

# --- the map: every source file on it, every path on it real -------------
TOP = ("lib", "cli", "front", "include", "tests", "bench", "docs", "scripts",
       "examples", "web")
tokens = set()
for m in re.finditer(r"(?<![\w./-])((?:%s)/[\w./*-]*)" % "|".join(TOP), arch):
    tokens.add(m.group(1).rstrip(".,:;"))
for t in sorted(tokens):
    # a placeholder in capitals (cli/cmd_NAME.c) stands for any name
    pattern = t if glob.glob(os.path.join(src, t)) else re.sub(r"[A-Z]{3,}", "*", t)
    if not glob.glob(os.path.join(src, pattern)):
        errors.append("%s names '%s', which does not exist" % (arch_path, t))

globs = [t for t in tokens if "*" in t]
sources = []
for top in ("lib", "cli", "front", "include"):
    for d, _, files in os.walk(os.path.join(src, top)):
        for f in files:
            if f.endswith((".c", ".h")):
                sources.append(os.path.relpath(os.path.join(d, f), src))
words = set(re.findall(r"[\w.-]+\.h\b", arch))
for f in sorted(sources):
    if f in tokens or any(fnmatch.fnmatch(f, g) for g in globs):
        continue
    if f.startswith("include/benchtrack/") and os.path.basename(f) in words:
        continue
    errors.append("%s: '%s' is not on the map (section 2)" % (arch_path, f))

# --- citations ---------------------------------------------------------------
sections = set(re.findall(r"^## (\d+)\. ", arch, re.M))
old = "DES" + "IGN"   # spelled apart so that this file does not cite it
for top in TOP + ("README.md", "Makefile", "CMakeLists.txt"):
    root = os.path.join(src, top)
    paths = [root] if os.path.isfile(root) else [
        os.path.join(d, f) for d, dirs, files in os.walk(root)
        for f in files if "node_modules" not in d]
    for p in paths:
        if not p.endswith((".c", ".h", ".md", ".sh", ".cmake", ".txt", ".py",
                           ".js", ".html", ".in", "Makefile")):
            continue
        try:
            text = open(p, encoding="utf-8").read()
        except UnicodeDecodeError:
            continue
        rel = os.path.relpath(p, src)
        for m in re.finditer(old + r"(\.md| §\d+)", text):
            errors.append("%s cites %s%s, which is not in the repository"
                          % (rel, old, m.group(1)))
        if not rel.startswith(("docs", "web", "README")):
            for m in re.finditer(r"\b[Ii]ssue #?(\d+)", text):
                errors.append("%s cites issue %s: name the behaviour instead"
                              % (rel, m.group(1)))
        for m in re.finditer(r"ARCHITECTURE(?:\.md)? §(\d+)", text):
            if m.group(1) not in sections:
                errors.append("%s cites ARCHITECTURE.md §%s, which %s does not have"
                              % (rel, m.group(1), arch_path))

# --- the author's API: every public name of bench.h in docs/API.md -----------
bench = re.sub(r"/\*.*?\*/", " ", read("include/benchtrack/bench.h"), flags=re.S)
api = read("docs/API.md")
names = set(re.findall(r"\b(bt_(?!_)\w+)\s*\(", bench))
names |= {m for m in re.findall(r"#define (BT_[A-Z_]+)\(", bench)}
names -= {"bt_bench_fn"}
fields = re.search(r"struct bt_bench_def \{(.*?)\};", bench, re.S)
for f in re.findall(r"\b(\w+);", fields.group(1) if fields else ""):
    if f not in ("fn", "fn_name", "file", "line"):   # set by BT_BENCH
        names.add("." + f)
if len(names) < 20:
    errors.append("include/benchtrack/bench.h: found only %d public names" % len(names))
for n in sorted(names):
    if not re.search(r"(?<![\w.])" + re.escape(n) + r"\b", api):
        errors.append("docs/API.md does not name '%s' (include/benchtrack/bench.h)" % n)

for e in errors:
    print("docs: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
echo "docs: ok"
