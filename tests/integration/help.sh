#!/usr/bin/env bash
# The pages of docs/cmd/ against the code (as git's t0450 checks its
# manual pages against each command's option parser):
#
#   - every option in a command's option table is documented in the
#     OPTIONS of docs/cmd/CMD.md, every option documented there is in the
#     table, and every option its SYNOPSIS shows is taken. The tables are
#     read from the source: the `struct cli_opt` arrays given to
#     cli_opts (cli/opts.c, with -h/--help), the runner flags of
#     front/flags.c for the commands that parse them with bt_front_parse
#     or cli_front_opts (run, ab and every BT_MAIN suite; show narrows
#     them to its `allowed` list, ab adds its `names`), cli_cmd_help_flag
#     (-h/--help)
#     and the literal options a command compares argv with (help, and
#     benchtrack's own in cli/main.c). A page documents an option with a
#     term line in OPTIONS ("-o FILE, --out FILE", then the description
#     indented); the term "runner flags" documents those of run.md. A
#     command of cli/main.c without a page, or a page without a command,
#     fails too. docs/STORE.md lists exactly the commands whose page
#     documents a --store of their own.
#   - the help compiled into the binary is the page (`help CMD`,
#     `CMD --help`, a suite's --help), the version line has its form, and
#     usage errors exit 2.
#
# A failure names the command, the option and the file to fix.
set -euo pipefail
src=$1 build=$2
bt=$build/benchtrack

/usr/bin/python3 - "$src" <<'PY'
import os, re, sys

src = sys.argv[1]

def read(p):
    with open(os.path.join(src, p), encoding="utf-8") as f:
        return f.read()

def strip_comments(text):
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)

FLAG = r"-{1,2}[A-Za-z][A-Za-z0-9-]*"
HELP = {"-h", "--help"}
errors = []

# --- the option tables, from the source ---------------------------------
def runner_flags():
    text = strip_comments(read("front/flags.c"))
    m = re.search(r"static const struct flag flags\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    if not m:
        errors.append("front/flags.c: no runner flag table (static const struct flag flags[])")
        return set()
    out = set()
    for name, shrt in re.findall(r"\{\s*\"([a-z][a-z0-9-]*)\"\s*,\s*('.'|0)", m.group(1)):
        out.add("--" + name)
        if shrt != "0":
            out.add("-" + shrt[1])
    return out

def blocks(text, pattern):
    return [m.group(1) for m in re.finditer(pattern + r"\s*=\s*\{(.*?)\};", text, re.S)]

def dashed(s):
    return set(re.findall(r"\"(" + FLAG + r")\"", s))

cli = {}   # path under cli/ -> source without comments
for d, _, files in os.walk(os.path.join(src, "cli")):
    for f in sorted(files):
        if f.endswith(".c"):
            rel = os.path.relpath(os.path.join(d, f), os.path.join(src, "cli"))
            cli[rel] = strip_comments(read(os.path.join("cli", rel)))
main = cli["main.c"]

# the table pieces of cli/*.h: "#define NAME(...) entries", each NAME(...)
# in a table stands for the options of its entries
pieces = {}
for f in sorted(os.listdir(os.path.join(src, "cli"))):
    if f.endswith(".h"):
        h = strip_comments(read(os.path.join("cli", f))).replace("\\\n", " ")
        for name, body in re.findall(r"^#define\s+(\w+)\([^)]*\)(.*)$", h, re.M):
            if dashed(body):
                pieces[name] = dashed(body)
tab = re.search(r"cli_commands\[\]\s*=\s*\{(.*?)\};", main, re.S)
symbols = re.findall(r"&(cli_cmd_\w+)", tab.group(1)) if tab else []
if not symbols:
    errors.append("cli/main.c: no command table (cli_commands[])")

def table_of(fname, seen=()):
    text = cli[fname]
    flags = set()
    parsed = False
    for b in blocks(text, r"struct cli_x?opt\s+\w+\[\]"):    # cli_opts; exec's own
        flags |= dashed(b) | HELP
        for name in re.findall(r"\b([A-Z][A-Z0-9_]*)\(", b):
            if name in pieces:
                flags |= pieces[name]
            else:
                errors.append("cli/%s: option table uses %s, not defined in cli/*.h"
                              % (fname, name))
        parsed = True
    if "bt_front_parse(" in text or "cli_front_opts(" in text:  # runner flags
        allowed = blocks(text, r"\ballowed\[\]")
        if allowed:   # show: the runner flags that apply, one list
            flags |= dashed(allowed[0]) | HELP
        else:
            flags |= runner_flags()
        for b in blocks(text, r"\bnames\[\]"):              # ab's own
            flags |= dashed(b)
        parsed = True
    if "cli_cmd_help_flag(" in text:
        flags |= HELP
        parsed = True
    lit = set(re.findall(r"strcmp\(argv\[\w+\],\s*\"(" + FLAG + r")\"\)", text))
    if lit:
        flags |= lit
        parsed = True
    if not parsed:   # untag: the shared function of another file
        for fn in re.findall(r"\b(cli_cmd_\w+_run)\(", text):
            for other, t in cli.items():
                if other not in seen and other != fname and re.search(
                        r"^int " + fn + r"\(", t, re.M):
                    return table_of(other, seen + (fname,))
    return flags

tables = {}
for sym in symbols:
    for fname, text in cli.items():
        m = re.search(r"const struct cli_cmd " + sym + r"\s*=\s*\{[^\"}]*\"([a-z-]+)\"", text)
        if m:
            tables[m.group(1)] = (fname, table_of(fname))
            break
    else:
        errors.append("cli/main.c: %s: no definition found in cli/" % sym)
tables["benchtrack"] = ("main.c", set(re.findall(r"strcmp\(name,\s*\"(" + FLAG + r")\"\)", main)))

# --- the flags the pages document ------------------------------------------
def section(text, name):
    m = re.search(r"^## " + name + r"\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return m.group(1) if m else None

def documented(cmd, inherit=True):
    text = read("docs/cmd/%s.md" % cmd)
    opts = section(text, "OPTIONS")
    if opts is None:
        return None
    flags = set()
    for line in opts.splitlines():
        if line == "runner flags":
            if inherit:
                flags |= documented("run")
        elif re.match(r"-{1,2}[A-Za-z]", line):   # a term: "-o FILE, --out FILE"
            for part in line.split(", "):
                m = re.match(FLAG, part)
                if m:
                    flags.add(m.group(0))
    return flags

def synopsis(cmd):
    """The flags that the SYNOPSIS of cmd's page shows, by command: a line
    "benchtrack --version" is benchtrack's own, "./my_bench ..." a suite's
    (the runner flags of run), any other the page's command."""
    shown = {}
    for line in (section(read("docs/cmd/%s.md" % cmd), "SYNOPSIS") or "").splitlines():
        who = cmd
        if re.match(r"\s*benchtrack -", line):
            who = "benchtrack"
        elif re.match(r"\s*\./", line):
            who = "run"
        shown.setdefault(who, set()).update(
            re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", line))
    return shown

pages = {f[:-3] for f in os.listdir(os.path.join(src, "docs/cmd")) if f.endswith(".md")}
for cmd in sorted(set(tables) | pages):
    if cmd not in pages:
        errors.append("%s: no page docs/cmd/%s.md" % (cmd, cmd))
        continue
    if cmd not in tables:
        errors.append("docs/cmd/%s.md: no command '%s' in cli/main.c" % (cmd, cmd))
        continue
    fname, table = tables[cmd]
    docs = documented(cmd)
    if docs is None:
        errors.append("docs/cmd/%s.md: no OPTIONS section" % cmd)
        continue
    for f in sorted(table - docs):
        errors.append("%s: option '%s' (cli/%s) is not documented in docs/cmd/%s.md"
                      % (cmd, f, fname, cmd))
    for f in sorted(docs - table):
        errors.append("%s: docs/cmd/%s.md documents '%s', which the command does not take"
                      % (cmd, cmd, f))
    for who, shown in sorted(synopsis(cmd).items()):
        for f in sorted(shown - tables.get(who, ("", set()))[1]):
            errors.append("%s: the SYNOPSIS of docs/cmd/%s.md shows '%s', which %s does not take"
                          % (cmd, cmd, f, "benchtrack " + who if who != "benchtrack" else who))

# docs/STORE.md names every command with a --store of its own
m = re.search(r"^1\. `--store DIR`(.*?)^2\. ", read("docs/STORE.md"), re.S | re.M)
listed = set(re.findall(r"`(?:benchtrack )?([a-z]+)`", m.group(1))) if m else set()
if not m:
    errors.append("docs/STORE.md: no list of the commands that take --store")
own = {c for c in pages if "--store" in (documented(c, inherit=False) or set())}
for c in sorted(own - listed):
    errors.append("docs/STORE.md: '%s' takes --store (docs/cmd/%s.md) but is not in the list" % (c, c))
for c in sorted(listed - own):
    errors.append("docs/STORE.md: lists '%s', whose page documents no --store" % c)

for e in errors:
    print("help: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

for md in "$src"/docs/cmd/*.md; do
	name=$(basename "$md" .md)
	[ "$name" = benchtrack ] && continue
	diff -u "$md" <("$bt" help "$name")
	diff -u "$md" <("$bt" "$name" --help)
done
diff -u "$src/docs/cmd/benchtrack.md" <("$bt" help)
diff -u "$src/docs/cmd/help.md" <("$bt" help --help)
diff -u "$src/docs/cmd/run.md" <("$build/suite_faults" --help)
"$bt" version | grep -qE '^benchtrack [0-9]+\.[0-9]+\.[0-9]+$'
for args in "" "nosuch" "help a b" "version extra" "run" "show" \
	"show $src/tests/fixtures/run-faults.json --quick"; do
	set +e
	"$bt" $args >/dev/null 2>&1
	rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "benchtrack $args: exit $rc, want 2"; exit 1; }
done
echo "help: ok"
