/* The static dashboard of a store (bt_dashboard_write, contract in
 * include/benchtrack/dashboard.h).
 *
 *     DIR/index.html trend.html run.html   the pages (web/NAME.html, the title
 *                                          filled in)
 *     DIR/assets/                          uPlot.iife.min.js, uPlot.min.css,
 *                                          dashboard.js, dashboard.css
 *     DIR/data/index.js                    btData("index", "", {...})
 *     DIR/data/series/KEY.js               btData("series", KEY, {...})
 *     DIR/data/runs/ID.js                  btData("run", ID, {...})
 *
 * The pages and assets are compiled in (scripts/embed-web.cmake). Data
 * files are JavaScript calling btData() so that <script> tags can load
 * them from file://. trend.html#KEY shows one series, run.html#ID one run.
 *
 * data/index.js: {title, generated, version, totals {runs, series, points,
 * regressions, acked}, types [], machines [], latest [RUN] (newest run of
 * each type), runs [RUN] (the INDEX_RUNS newest), rt {id [], t [],
 * commit []} (every run, oldest first: the run table that series files
 * index), series [{k, name, suite,
 * variant, params, machine, metric, unit, dir, type, n, last, lastT,
 * lastCommit, regs}], regs [{k, name, variant, params, machine, type, unit,
 * t, commit, run, before, after, rel, p, i, spark [], sparkAt}] (newest
 * first)}; RUN = {id, type, suite, t, commit, branch, machine, n, failed,
 * page (1 when data/runs/ID.js exists)}. Only identities and last values:
 * the points live in the series files.
 *
 * data/series/KEY.js: a first line SERIES_FORMAT HASH (the hash of all
 * the file is made of), then {key, name, suite, variant, params, machine,
 * fingerprint, metric, unit, dir, type, r [] (the point's run: an index
 * into index.rt, -1 unknown), v [], p25 [], p75 [], min [], max [], n []
 * (one entry per point, oldest first; numbers with 6 significant digits),
 * cps [{i, p, before, after, rel, worse, acked}], acks [{commit, reason,
 * who, when, i (the first point at that commit, -1 none)}]}. A rebuild
 * keeps a series file whose hash is unchanged and reads its change points
 * back instead of computing them.
 *
 * data/runs/ID.js: {id, type, suite, t, duration, commit, branch, dirty,
 * machine, fingerprint, cpu, os, compiler, flags, cases, ok, failed,
 * groups [{title, columns [{name, right}], rows [{start, cells [[text,
 * style]]}]}], rank [{group, params, items [{name, variant, median,
 * speedup, style}]}], crossovers [text], charts [{file, title, svg}],
 * failures [{case, status, message}]}. A run never changes once stored,
 * so an existing run file (its first line naming RUN_FORMAT) is kept.
 *
 * Open regressions follow the rule shared with `benchtrack regressions`
 * and `history` (include/benchtrack/regress.h): change points of
 * bt_series_changepoints with bt_cp_opts_default where the metric got
 * worse (bt_series_change_worse), not acknowledged
 * (bt_series_change_acked).
 *
 * Run files (bt__run_read_file_summary: no raw samples) are written by
 * RUN_THREADS threads; each file depends only on its run.
 *
 * Files are replaced by a rename of a complete temporary file, so a reader
 * (a browser, `benchtrack serve`) sees the old file or the new one, never
 * half of one. They are not fsync'd: the dashboard is derived data that a
 * rerun regenerates, and thousands of fsyncs would dominate its time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchtrack/analysis.h"
#include "benchtrack/dashboard.h"
#include "benchtrack/regress.h"
#include "benchtrack/report.h"
#include "../internal.h"
#include "../json_scan.h"
#include "web_assets.h"

#define RUN_FORMAT "/* benchtrack dashboard run v2 */"
#define INDEX_RUNS 200    /* runs listed in data/index.js */
#define SPARK_SIDE 30     /* points either side of a regression's sparkline */
#define SERIES_FORMAT "/* benchtrack dashboard series v3 " /* + hash */

const struct bt_web_asset *bt__web_asset(const char *name)
{
	for (const struct bt_web_asset *a = bt_web_assets; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* --- JavaScript text ------------------------------------------------------ */

/* A JSON string (valid JavaScript): quotes, backslashes, control
 * characters, '<' (no "</script>" can form) and U+2028/2029 escaped;
 * NULL is null. */
static void js_str(struct bt_strbuf *b, const char *s)
{
	if (!s) {
		bt_strbuf_add(b, "null", 4);
		return;
	}
	bt_strbuf_addc(b, '"');
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (; *p; p++) {
		const char *esc = NULL;
		char u[8];
		if (*p == '"')
			esc = "\\\"";
		else if (*p == '\\')
			esc = "\\\\";
		else if (*p == '\n')
			esc = "\\n";
		else if (*p == '\t')
			esc = "\\t";
		else if (*p < 0x20 || *p == '<' || *p == 0x7f) {
			snprintf(u, sizeof u, "\\u%04x", *p);
			esc = u;
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			snprintf(u, sizeof u, "\\u%04x", p[2] == 0xa8 ? 0x2028 : 0x2029);
			bt_strbuf_add(b, (const char *)run, (size_t)(p - run));
			bt_strbuf_adds(b, u);
			p += 2;
			run = p + 1;
			continue;
		}
		if (esc) {
			bt_strbuf_add(b, (const char *)run, (size_t)(p - run));
			bt_strbuf_adds(b, esc);
			run = p + 1;
		}
	}
	bt_strbuf_add(b, (const char *)run, (size_t)(p - run));
	bt_strbuf_addc(b, '"');
}

/* "key": */
static void js_key(struct bt_strbuf *b, const char *k)
{
	bt_strbuf_addc(b, '"');
	bt_strbuf_adds(b, k);
	bt_strbuf_add(b, "\":", 2);
}

static void js_kstr(struct bt_strbuf *b, const char *k, const char *v)
{
	js_key(b, k);
	js_str(b, v);
	bt_strbuf_addc(b, ',');
}

static const double pow10_tab[] = { 1,    1e1,  1e2,  1e3,  1e4,  1e5,
				    1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
				    1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
				    1e18, 1e19, 1e20, 1e21, 1e22 };

/* v with 6 significant digits as %.6g writes it (plenty for plots and
 * hover text) into t (32 bytes at least); returns the length. Values in
 * [1e-17, 1e6) take a fast path (one exact scaling, no printf); halfway
 * cases may round differently from printf in the last digit. */
static int fmt_num6(char *t, double v)
{
	double a = fabs(v);
	if (v == 0) {
		t[0] = '0';
		return 1;
	}
	if (!(a >= 1e-17 && a < 999999.5))
		return snprintf(t, 32, "%.6g", v);
	int e = (int)floor(log10(a));
	double m = 0;
	long long im = 0;
	for (int tries = 0; tries < 3; tries++) {
		if (e < -17 || e > 5)
			return snprintf(t, 32, "%.6g", v);
		m = a * pow10_tab[5 - e];
		if (fabs(m - floor(m) - 0.5) < 1e-6)
			return snprintf(t, 32, "%.6g", v); /* near a tie: printf decides */
		im = llround(m);
		if (im >= 1000000)
			e++;
		else if (im < 100000)
			e--;
		else
			break;
	}
	if (im < 100000 || im >= 1000000)
		return snprintf(t, 32, "%.6g", v);
	char dg[6];
	for (int i = 5; i >= 0; i--, im /= 10)
		dg[i] = (char)('0' + im % 10);
	int nd = 6; /* significant digits after stripping trailing zeros */
	int n = 0;
	if (v < 0)
		t[n++] = '-';
	if (e < -4) { /* %.6g's exponent form: d.ddddde-XX */
		while (nd > 1 && dg[nd - 1] == '0')
			nd--;
		t[n++] = dg[0];
		if (nd > 1) {
			t[n++] = '.';
			for (int i = 1; i < nd; i++)
				t[n++] = dg[i];
		}
		t[n++] = 'e';
		t[n++] = '-';
		t[n++] = (char)('0' + (-e) / 10);
		t[n++] = (char)('0' + (-e) % 10);
	} else if (e >= 0) {
		int ip = e + 1; /* digits before the point */
		while (nd > ip && dg[nd - 1] == '0')
			nd--;
		for (int i = 0; i < ip; i++)
			t[n++] = dg[i];
		if (nd > ip) {
			t[n++] = '.';
			for (int i = ip; i < nd; i++)
				t[n++] = dg[i];
		}
	} else {
		while (nd > 1 && dg[nd - 1] == '0')
			nd--;
		t[n++] = '0';
		t[n++] = '.';
		for (int i = 0; i < -e - 1; i++)
			t[n++] = '0';
		for (int i = 0; i < nd; i++)
			t[n++] = dg[i];
	}
	return n;
}

/* A number (see fmt_num6); NAN and infinities are null. */
static void js_num(struct bt_strbuf *b, double v)
{
	char t[40];
	if (!isfinite(v)) {
		bt_strbuf_add(b, "null", 4);
		return;
	}
	bt_strbuf_add(b, t, (size_t)fmt_num6(t, v));
}

/* A whole number, without printf. */
static void js_int(struct bt_strbuf *b, long long v)
{
	char t[24], *p = t + sizeof t;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	bt_strbuf_add(b, p, (size_t)(t + sizeof t - p));
}

static void js_knum(struct bt_strbuf *b, const char *k, double v)
{
	js_key(b, k);
	js_num(b, v);
	bt_strbuf_addc(b, ',');
}

static void js_kint(struct bt_strbuf *b, const char *k, long long v)
{
	js_key(b, k);
	js_int(b, v);
	bt_strbuf_addc(b, ',');
}

/* Drops a trailing ',' before a closing bracket. */
static void js_close(struct bt_strbuf *b, char c)
{
	if (b->len && b->buf[b->len - 1] == ',')
		b->len--;
	bt_strbuf_addc(b, c);
}

/* A file name from a run id: [A-Za-z0-9._-] kept, others '_', at most
 * 127 characters, no leading '.', "_" for none; the same as safe() in
 * web/dashboard.js. */
static void safe_name(const char *id, char *out, size_t size)
{
	size_t i = 0;
	for (; id && id[i] && i + 1 < size; i++) {
		char c = id[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
	if (out[0] == '.')
		out[0] = '_';
	if (!out[0] && size > 1)
		snprintf(out, size, "_");
}

/* 1 for 16 lowercase hex digits: a series key as bt_series_key() writes
 * it and the run readers accept; it is used as the series' file name. */
static int is_series_key(const char *k)
{
	if (!k)
		return 0;
	for (int i = 0; i < 16; i++)
		if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
			return 0;
	return k[16] == '\0';
}

/* --- files ---------------------------------------------------------------- */

struct dash {
	struct bt_store *st;
	const char *dir;
	const char *title;
	char *store_real;                 /* realpath of the store */
	struct bt_strbuf *err;
	struct bt_strbuf *run_errors;     /* opts->run_errors, or NULL */
	struct bt_dashboard_stats stats;

	struct bt_store_list runs;        /* newest first */
	const struct bt_store_entry **by_id; /* sorted by run id */
	unsigned char *has_page;          /* per runs.items index */
	struct bt_ack_list acks;
	struct bt_cp_opts cp;

	struct bt_strbuf series_ix;       /* entries of index.series */
	struct reg { char *t; char *json; } *regs;
	size_t n_regs, alloc_regs, acked;
	size_t stats_series_kept;        /* series files kept unchanged */
	char **written;                   /* series file stems written */
	size_t n_written, alloc_written;
	struct bt_strbuf file;            /* scratch: one file's text */
};

/* Writes data to dir/rel atomically (temporary file + rename); tag tells
 * the temporary files of concurrent writers apart. The temporary file is
 * created new (O_EXCL, O_NOFOLLOW): a file or symlink planted under its
 * name is never written through; another name is tried instead. */
static int put_file_at(const char *dir, const char *rel, const char *data, size_t len,
		       unsigned tag, struct bt_strbuf *err)
{
	static unsigned seq; /* shared by the run workers: atomic */
	char *path = bt__pathf("%s/%s", dir, rel);
	char *tmp = NULL;
	int rc = 0, fd = -1;
	if (!path) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (int tries = 0; fd < 0; tries++) {
		unsigned n = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
		free(tmp);
		tmp = bt__pathf("%s/%s.tmp.%ld.%u.%u", dir, rel, (long)getpid(),
				tag, n);
		if (!tmp) {
			rc = BT_ENOMEM;
			goto out;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  0644);
		if (fd < 0 && (errno != EEXIST || tries >= 100)) {
			rc = bt_error(err, BT_EIO, "%s: %s", tmp, strerror(errno));
			free(tmp);
			tmp = NULL; /* not ours: never unlinked */
			goto out;
		}
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = bt_error(err, BT_EIO, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = bt_error(err, BT_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp)
		unlink(tmp);
	free(path);
	free(tmp);
	return rc;
}

static int put_file(struct dash *d, const char *rel, const char *data, size_t len)
{
	int rc = put_file_at(d->dir, rel, data, len, 0, d->err);
	if (!rc)
		d->stats.files++;
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_entry_id(const void *a, const void *b)
{
	const struct bt_store_entry *x = *(const struct bt_store_entry *const *)a;
	const struct bt_store_entry *y = *(const struct bt_store_entry *const *)b;
	return strcmp(x->run_id, y->run_id);
}

static const struct bt_store_entry *find_run(const struct dash *d, const char *id)
{
	struct bt_store_entry key;
	const struct bt_store_entry *kp = &key, **hit;
	if (!id || !d->by_id)
		return NULL;
	key.run_id = id;
	hit = bsearch(&kp, d->by_id, d->runs.n, sizeof *d->by_id, cmp_entry_id);
	return hit ? *hit : NULL;
}

/* Removes DIR/sub/ *.js whose stem is not in keep (sorted; NULL: keep
 * none) and leftover temporary files. */
static void remove_stale(struct dash *d, const char *sub, char **keep, size_t n_keep)
{
	char *path = bt__pathf("%s/%s", d->dir, sub);
	DIR *dh = path ? opendir(path) : NULL;
	struct dirent *e;
	if (!dh) {
		free(path);
		return;
	}
	while ((e = readdir(dh))) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		int stale = 0;
		if (strstr(n, ".tmp.")) {
			stale = 1; /* an interrupted earlier write */
		} else if (len > 3 && strcmp(n + len - 3, ".js") == 0) {
			char stem[256], *sp = stem;
			if (len - 3 >= sizeof stem)
				continue;
			memcpy(stem, n, len - 3);
			stem[len - 3] = '\0';
			stale = !keep || !bsearch(&sp, keep, n_keep, sizeof *keep, cmp_str);
		}
		if (stale) {
			char *f = bt__pathf("%s/%s", path, n);
			if (f)
				unlink(f);
			free(f);
		}
	}
	closedir(dh);
	free(path);
}

/* --- series ---------------------------------------------------------------- */

static int add_reg(struct dash *d, const char *t, struct bt_strbuf *json)
{
	if (d->n_regs == d->alloc_regs) {
		size_t na = d->alloc_regs ? 2 * d->alloc_regs : 64;
		struct reg *r = realloc(d->regs, na * sizeof *r);
		if (!r)
			return BT_ENOMEM;
		d->regs = r;
		d->alloc_regs = na;
	}
	d->regs[d->n_regs].t = strdup(t ? t : "");
	d->regs[d->n_regs].json = bt_strbuf_detach(json);
	if (!d->regs[d->n_regs].t || !d->regs[d->n_regs].json) {
		free(d->regs[d->n_regs].t);
		free(d->regs[d->n_regs].json);
		return BT_ENOMEM;
	}
	d->n_regs++;
	return 0;
}

static int cmp_reg_newest(const void *a, const void *b)
{
	const struct reg *x = a, *y = b;
	return strcmp(y->t, x->t);
}

static void js_points(struct bt_strbuf *b, const char *k, const struct bt_series *s,
		      size_t off)
{
	js_key(b, k);
	bt_strbuf_addc(b, '[');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			bt_strbuf_addc(b, ',');
		js_num(b, *(const double *)((const char *)&s->points[i] + off));
	}
	bt_strbuf_add(b, "],", 2);
}

/* The identity members shared by the series file, index.series and
 * index.regs. */
static void js_identity(struct bt_strbuf *b, const struct bt_series *s, const char *type)
{
	js_kstr(b, "k", s->series_key);
	js_kstr(b, "name", s->name);
	js_kstr(b, "suite", s->suite);
	js_kstr(b, "variant", s->variant);
	js_kstr(b, "params", s->params);
	js_kstr(b, "machine", s->machine ? s->machine : s->fingerprint);
	js_kstr(b, "metric", s->metric);
	js_kstr(b, "unit", s->unit ? s->unit : "s");
	js_kint(b, "dir", s->direction == BT_HIGHER_IS_BETTER ? 1 : -1);
	js_kstr(b, "type", type);
}

/* --- the hash of a series file's inputs --- */

#define FNV_OFF 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t h_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * FNV_PRIME;
	return h;
}

static uint64_t h_str(uint64_t h, const char *s)
{
	if (!s)
		return h_bytes(h, "\1", 1);
	return h_bytes(h, s, strlen(s) + 1);
}

static uint64_t h_u64(uint64_t h, uint64_t v)
{
	/* one multiply per word: inputs are mostly numbers */
	h ^= v;
	h *= FNV_PRIME;
	h ^= h >> 29;
	return h;
}

static uint64_t h_dbl(uint64_t h, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	return h_u64(h, u);
}

/* Everything the series file of s is made of: its identity, type, run
 * indexes, points (with their commits and times) and the acks of the
 * series. Equal hashes: the same file, with the same change points. */
static uint64_t series_hash(const struct dash *d, const struct bt_series *s,
			    const char *type, const long long *ri)
{
	uint64_t h = FNV_OFF;
	const char *ids[] = { s->series_key, s->name, s->suite, s->variant, s->params,
			      s->machine, s->fingerprint, s->metric, s->unit, type };
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
		h = h_str(h, ids[i]);
	h = h_u64(h, (uint64_t)s->direction);
	h = h_u64(h, s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct bt_series_point *p = &s->points[i];
		h = h_u64(h, (uint64_t)ri[i]);
		h = h_dbl(h, p->value);
		h = h_dbl(h, p->p25);
		h = h_dbl(h, p->p75);
		h = h_dbl(h, p->min);
		h = h_dbl(h, p->max);
		h = h_u64(h, p->n);
		h = h_str(h, p->run_id);
		h = h_str(h, p->commit);
		h = h_str(h, p->timestamp);
	}
	for (size_t a = 0; a < d->acks.n; a++) {
		const struct bt_ack *ak = &d->acks.items[a];
		if (!ak->series_key || strcmp(ak->series_key, s->series_key) != 0)
			continue;
		h = h_str(h, ak->commit);
		h = h_str(h, ak->reason);
		h = h_str(h, ak->who);
		h = h_str(h, ak->when);
	}
	return h;
}

/* Reads DIR/rel when it starts with head; NULL otherwise. */
static char *read_if_current(const struct dash *d, const char *rel, const char *head,
			     size_t *len)
{
	char *path = bt__pathf("%s/%s", d->dir, rel), *buf = NULL;
	size_t hl = strlen(head);
	struct stat sb;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) == 0 && sb.st_size >= (off_t)hl && (buf = malloc((size_t)sb.st_size + 1))) {
		size_t got = 0;
		while (got < (size_t)sb.st_size) {
			ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		buf[got] = '\0';
		*len = got;
		if (got != (size_t)sb.st_size || memcmp(buf, head, hl) != 0) {
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	return buf;
}

static int parse_num(const char **pp, double *out)
{
	const char *p = *pp;
	char *end;
	if (strncmp(p, "null", 4) == 0) {
		*out = NAN;
		*pp = p + 4;
		return 0;
	}
	*out = strtod(p, &end);
	if (end == p)
		return -1;
	*pp = end;
	return 0;
}

static int expect(const char **pp, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*pp, lit, n) != 0)
		return -1;
	*pp += n;
	return 0;
}

/* The change points of a series file written by on_series ("cps":[{"i",
 * "p", "before", "after", "rel", ...}]) into *out; -1 when they cannot
 * be read back (then they are computed). */
static int parse_cps(const char *text, size_t n_points, struct bt_cp_result *out)
{
	const char *p = strstr(text, ",\"cps\":[");
	size_t n = 0, alloc = 0;
	struct bt_change_point *v = NULL;
	memset(out, 0, sizeof *out);
	if (!p)
		return -1;
	p += 8;
	while (*p != ']') {
		struct bt_change_point c;
		char *end;
		memset(&c, 0, sizeof c);
		if (expect(&p, "{\"i\":"))
			goto bad;
		long long i = strtoll(p, &end, 10);
		if (end == p || i < 0 || (size_t)i >= n_points)
			goto bad;
		p = end;
		c.index = (size_t)i;
		if (expect(&p, ",\"p\":") || parse_num(&p, &c.p_value) ||
		    expect(&p, ",\"before\":") || parse_num(&p, &c.mean_before) ||
		    expect(&p, ",\"after\":") || parse_num(&p, &c.mean_after) ||
		    expect(&p, ",\"rel\":") || parse_num(&p, &c.rel_change))
			goto bad;
		if (!(p = strchr(p, '}')))
			goto bad;
		p++;
		if (*p == ',')
			p++;
		if (n == alloc) {
			size_t na = alloc ? 2 * alloc : 8;
			struct bt_change_point *nv = realloc(v, na * sizeof *nv);
			if (!nv)
				goto bad;
			v = nv;
			alloc = na;
		}
		v[n++] = c;
	}
	out->points = v;
	out->n = n;
	return 0;
bad:
	free(v);
	return -1;
}

static int on_series(void *ud, const struct bt_series *s)
{
	struct dash *d = ud;
	struct bt_strbuf *f = &d->file, reg = BT_STRBUF_INIT, cperr = BT_STRBUF_INIT;
	struct bt_cp_result cps;
	const struct bt_store_entry *last;
	const char *type;
	char stem[128], rel[200], head[80];
	long long *ri;
	char *old = NULL;
	size_t open_regs = 0, old_len = 0;
	int rc = 0, kept = 0;

	memset(&cps, 0, sizeof cps);
	/* a key that is no file name (an index built before the readers
	 * checked keys): no trend */
	if (!s->n || !is_series_key(s->series_key))
		return 0;
	last = find_run(d, s->points[s->n - 1].run_id);
	type = last ? last->type : NULL;
	ri = malloc(s->n * sizeof *ri);
	if (!ri)
		return BT_ENOMEM;
	/* each point's run: its index in index.js's run table (oldest
	 * first, so that new runs do not renumber the old), -1 unknown (a
	 * run stored after the run list was read) */
	for (size_t i = 0; i < s->n; i++) {
		const struct bt_store_entry *e = find_run(d, s->points[i].run_id);
		ri[i] = e ? (long long)(d->runs.n - 1 - (size_t)(e - d->runs.items)) : -1;
	}

	/* the readers accept nothing but 16 hex digits (on_series skips
	 * the rest): the key is the file name, as in web/dashboard.js */
	snprintf(stem, sizeof stem, "%s", s->series_key);
	snprintf(rel, sizeof rel, "data/series/%s.js", stem);
	snprintf(head, sizeof head, SERIES_FORMAT "%016llx */\n",
		 (unsigned long long)series_hash(d, s, type, ri));
	/* an unchanged series: keep its file and the change points in it */
	if ((old = read_if_current(d, rel, head, &old_len)) &&
	    parse_cps(old, s->n, &cps) == 0) {
		kept = 1;
	} else {
		memset(&cps, 0, sizeof cps);
		if (bt_series_changepoints(s, &d->cp, &cps, &cperr))
			memset(&cps, 0, sizeof cps); /* e.g. a NAN value: no change points */
	}
	free(old);
	bt_strbuf_release(&cperr);

	bt_strbuf_reset(f);
	bt_strbuf_adds(f, head);
	bt_strbuf_adds(f, "btData(\"series\",");
	js_str(f, s->series_key);
	bt_strbuf_adds(f, ",{");
	js_kstr(f, "key", s->series_key);
	js_identity(f, s, type);
	js_kstr(f, "fingerprint", s->fingerprint);
	js_key(f, "r");
	bt_strbuf_addc(f, '[');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			bt_strbuf_addc(f, ',');
		js_int(f, ri[i]);
	}
	bt_strbuf_add(f, "],", 2);
	if (!kept) {
		js_points(f, "v", s, offsetof(struct bt_series_point, value));
		js_points(f, "p25", s, offsetof(struct bt_series_point, p25));
		js_points(f, "p75", s, offsetof(struct bt_series_point, p75));
		js_points(f, "min", s, offsetof(struct bt_series_point, min));
		js_points(f, "max", s, offsetof(struct bt_series_point, max));
		js_key(f, "n");
		bt_strbuf_addc(f, '[');
		for (size_t i = 0; i < s->n; i++) {
			if (i)
				bt_strbuf_addc(f, ',');
			js_int(f, (long long)s->points[i].n);
		}
		bt_strbuf_add(f, "],", 2);
		js_key(f, "cps");
		bt_strbuf_addc(f, '[');
	}

	for (size_t k = 0; k < cps.n; k++) {
		const struct bt_change_point *c = &cps.points[k];
		const struct bt_series_point *p = &s->points[c->index];
		int worse = bt_series_change_worse(s, c);
		int acked = bt_series_change_acked(s, c->index, &d->acks);
		if (!kept) {
			bt_strbuf_addc(f, '{');
			js_kint(f, "i", (long long)c->index);
			js_knum(f, "p", c->p_value);
			js_knum(f, "before", c->mean_before);
			js_knum(f, "after", c->mean_after);
			js_knum(f, "rel", c->rel_change);
			js_kint(f, "worse", worse);
			js_kint(f, "acked", acked);
			js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		if (!worse)
			continue;
		if (acked) {
			d->acked++;
			continue;
		}
		open_regs++;
		/* an open regression for the overview, with a sparkline */
		size_t lo = c->index > SPARK_SIDE ? c->index - SPARK_SIDE : 0;
		size_t hi = c->index + SPARK_SIDE < s->n ? c->index + SPARK_SIDE : s->n;
		bt_strbuf_reset(&reg);
		bt_strbuf_addc(&reg, '{');
		js_identity(&reg, s, type);
		js_kstr(&reg, "t", p->timestamp);
		js_kstr(&reg, "commit", p->commit);
		js_kstr(&reg, "run", p->run_id);
		js_knum(&reg, "before", c->mean_before);
		js_knum(&reg, "after", c->mean_after);
		js_knum(&reg, "rel", c->rel_change);
		js_knum(&reg, "p", c->p_value);
		js_kint(&reg, "i", (long long)c->index);
		js_key(&reg, "spark");
		bt_strbuf_addc(&reg, '[');
		for (size_t i = lo; i < hi; i++) {
			if (i > lo)
				bt_strbuf_addc(&reg, ',');
			js_num(&reg, s->points[i].value);
		}
		bt_strbuf_add(&reg, "],", 2);
		js_kint(&reg, "sparkAt", (long long)(c->index - lo));
		js_close(&reg, '}');
		if ((rc = add_reg(d, p->timestamp, &reg)))
			goto out;
	}
	if (!kept) {
		js_close(f, ']');
		bt_strbuf_addc(f, ',');

		js_key(f, "acks");
		bt_strbuf_addc(f, '[');
		for (size_t a = 0; a < d->acks.n; a++) {
			const struct bt_ack *ak = &d->acks.items[a];
			long long at = -1;
			if (!ak->series_key || strcmp(ak->series_key, s->series_key) != 0)
				continue;
			for (size_t i = 0; i < s->n && at < 0 && ak->commit && *ak->commit; i++)
				if (s->points[i].commit &&
				    strncmp(s->points[i].commit, ak->commit, strlen(ak->commit)) == 0)
					at = (long long)i;
			bt_strbuf_addc(f, '{');
			js_kstr(f, "commit", ak->commit);
			js_kstr(f, "reason", ak->reason);
			js_kstr(f, "who", ak->who);
			js_kstr(f, "when", ak->when);
			js_kint(f, "i", at);
			js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		js_close(f, ']');
		bt_strbuf_adds(f, "});\n");
		if ((rc = put_file(d, rel, f->buf, f->len)))
			goto out;
	} else {
		d->stats_series_kept++;
	}

	/* the index entry: identity and the last value, no points */
	struct bt_strbuf *ix = &d->series_ix;
	const struct bt_series_point *lp = &s->points[s->n - 1];
	bt_strbuf_addc(ix, '{');
	js_identity(ix, s, type);
	js_kint(ix, "n", (long long)s->n);
	js_knum(ix, "last", lp->value);
	js_kstr(ix, "lastT", lp->timestamp);
	js_kstr(ix, "lastCommit", lp->commit);
	js_kint(ix, "regs", (long long)open_regs);
	js_close(ix, '}');
	bt_strbuf_add(ix, ",\n", 2);

	if (d->n_written == d->alloc_written) {
		size_t na = d->alloc_written ? 2 * d->alloc_written : 256;
		char **w = realloc(d->written, na * sizeof *w);
		if (!w) {
			rc = BT_ENOMEM;
			goto out;
		}
		d->written = w;
		d->alloc_written = na;
	}
	if (!(d->written[d->n_written] = strdup(stem))) {
		rc = BT_ENOMEM;
		goto out;
	}
	d->n_written++;
	d->stats.series++;
	d->stats.points += s->n;
out:
	bt_cp_result_release(&cps);
	bt_strbuf_release(&reg);
	free(ri);
	return rc;
}

/* --- runs ------------------------------------------------------------------ */

static const char *style_class(enum bt_cell_style s)
{
	switch (s) {
	case BT_STYLE_GOOD: return "good";
	case BT_STYLE_WARN: return "warn";
	case BT_STYLE_BAD: return "bad";
	default: return NULL;
	}
}

static void case_name(struct bt_strbuf *b, const struct bt_result *r)
{
	bt_strbuf_adds(b, r->name ? r->name : "?");
	for (size_t i = 0; i < r->n_params; i++)
		bt_strbuf_addf(b, "/%s=%s", r->params[i].key, r->params[i].value);
	if (r->variant && strcmp(r->variant, "default") != 0)
		bt_strbuf_addf(b, ":%s", r->variant);
}

static const char *group_of(const struct bt_result *r)
{
	return r->group ? r->group : r->name ? r->name : "?";
}

struct rank_item {
	double median;
	size_t row;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank_item *x = a, *y = b;
	return (x->median > y->median) - (x->median < y->median);
}

/* The tables of run: one per group (rows of the same group or benchmark
 * name), and the rankings: per comparison set of the table (group and
 * parameter values) with at least two medians, best first. */
static int run_tables(struct bt_strbuf *f, const struct bt_run *run,
		      struct bt_strbuf *err)
{
	struct bt_table t;
	int rc = bt_table_from_run(run, NULL, &t, err);
	if (rc)
		return rc;
	int c_med = -1, c_speed = -1;
	for (size_t c = 0; c < t.n_columns; c++) {
		if (t.columns[c].kind == BT_COL_MEDIAN)
			c_med = (int)c;
		if (t.columns[c].kind == BT_COL_SPEEDUP)
			c_speed = (int)c;
	}
	/* one table per group title, in order of first appearance; rows in
	 * table order (a parameter value that first ran later, such as a
	 * failed size, still joins its group) */
	const char **titles = malloc((t.n_rows ? t.n_rows : 1) * sizeof *titles);
	size_t n_titles = 0;
	if (!titles) {
		bt_table_release(&t);
		return BT_ENOMEM;
	}
	for (size_t i = 0; i < t.n_rows; i++) {
		const char *g = group_of(&run->results[t.rows[i].result]);
		size_t k = 0;
		while (k < n_titles && strcmp(titles[k], g) != 0)
			k++;
		if (k == n_titles)
			titles[n_titles++] = g;
	}
	js_key(f, "groups");
	bt_strbuf_addc(f, '[');
	for (size_t g = 0; g < n_titles; g++) {
		bt_strbuf_addc(f, '{');
		js_kstr(f, "title", titles[g]);
		js_key(f, "columns");
		bt_strbuf_addc(f, '[');
		for (size_t c = 0; c < t.n_columns; c++) {
			if (t.columns[c].csv_only == 1)
				continue;
			bt_strbuf_addc(f, '{');
			js_kstr(f, "name", t.columns[c].name);
			js_kint(f, "right", t.columns[c].align == BT_ALIGN_RIGHT);
			js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		js_close(f, ']');
		bt_strbuf_adds(f, ",\"rows\":[");
		int first_row = 1;
		for (size_t i = 0; i < t.n_rows; i++) {
			const struct bt_table_row *row = &t.rows[i];
			if (strcmp(group_of(&run->results[row->result]), titles[g]) != 0)
				continue;
			if (!first_row)
				bt_strbuf_addc(f, ',');
			bt_strbuf_addc(f, '{');
			js_kint(f, "start", row->group_start && !first_row);
			first_row = 0;
			js_key(f, "cells");
			bt_strbuf_addc(f, '[');
			int first = 1;
			for (size_t c = 0; c < t.n_columns; c++) {
				if (t.columns[c].csv_only == 1)
					continue;
				if (!first)
					bt_strbuf_addc(f, ',');
				first = 0;
				bt_strbuf_addc(f, '[');
				js_str(f, row->cells[c].text);
				const char *st = style_class(row->cells[c].style);
				if (st) {
					bt_strbuf_addc(f, ',');
					js_str(f, st);
				}
				bt_strbuf_addc(f, ']');
			}
			bt_strbuf_add(f, "]}", 2);
		}
		bt_strbuf_add(f, "]},", 3);
	}
	free(titles);
	js_close(f, ']');
	bt_strbuf_addc(f, ',');

	js_key(f, "rank");
	bt_strbuf_addc(f, '[');
	struct rank_item *items = malloc((t.n_rows ? t.n_rows : 1) * sizeof *items);
	if (!items) {
		bt_table_release(&t);
		return BT_ENOMEM;
	}
	for (size_t i = 0; i < t.n_rows && c_med >= 0;) {
		size_t j = i + 1, n = 0;
		while (j < t.n_rows && !t.rows[j].group_start)
			j++;
		const struct bt_result *r0 = &run->results[t.rows[i].result];
		int higher = 0;
		for (size_t k = i; k < j; k++) {
			const struct bt_table_cell *mc = &t.rows[k].cells[c_med];
			const struct bt_result *r = &run->results[t.rows[k].result];
			if (r->status != BT_STATUS_OK || !mc->has_value)
				continue;
			if (r->n_metrics && r->metrics[0].direction == BT_HIGHER_IS_BETTER)
				higher = 1;
			items[n].median = mc->value;
			items[n].row = k;
			n++;
		}
		if (n >= 2) {
			qsort(items, n, sizeof *items, cmp_rank);
			if (higher)
				for (size_t a = 0, b = n - 1; a < b; a++, b--) {
					struct rank_item x = items[a];
					items[a] = items[b];
					items[b] = x;
				}
			bt_strbuf_addc(f, '{');
			js_kstr(f, "group", group_of(r0));
			struct bt_strbuf pk = BT_STRBUF_INIT;
			for (size_t p = 0; p < r0->n_params; p++)
				bt_strbuf_addf(&pk, "%s%s=%s", p ? ";" : "", r0->params[p].key,
					       r0->params[p].value);
			js_kstr(f, "params", bt_strbuf_str(&pk));
			bt_strbuf_release(&pk);
			js_key(f, "items");
			bt_strbuf_addc(f, '[');
			for (size_t k = 0; k < n; k++) {
				const struct bt_table_row *row = &t.rows[items[k].row];
				const struct bt_result *r = &run->results[row->result];
				bt_strbuf_addc(f, '{');
				js_kstr(f, "name", r->name);
				js_kstr(f, "variant", r->variant);
				js_kstr(f, "median", row->cells[c_med].text);
				js_kstr(f, "speedup", c_speed >= 0 ? row->cells[c_speed].text : "-");
				if (c_speed >= 0 && style_class(row->cells[c_speed].style))
					js_kstr(f, "style", style_class(row->cells[c_speed].style));
				js_close(f, '}');
				bt_strbuf_addc(f, ',');
			}
			js_close(f, ']');
			bt_strbuf_add(f, "},", 2);
		}
		i = j;
	}
	free(items);
	js_close(f, ']');
	bt_strbuf_addc(f, ',');
	bt_table_release(&t);
	return 0;
}

static int run_file(struct bt_strbuf *f, const struct bt_run *run, struct bt_strbuf *err)
{
	size_t ok = 0, failed = 0;
	int rc;
	for (size_t i = 0; i < run->n_results; i++) {
		if (run->results[i].status == BT_STATUS_OK)
			ok++;
		else if (run->results[i].status != BT_STATUS_SKIPPED)
			failed++;
	}
	bt_strbuf_reset(f);
	bt_strbuf_adds(f, RUN_FORMAT "\nbtData(\"run\",");
	js_str(f, run->run_id);
	bt_strbuf_adds(f, ",{");
	js_kstr(f, "id", run->run_id);
	js_kstr(f, "type", run->benchmark_type);
	js_kstr(f, "suite", run->suite);
	js_kstr(f, "t", run->timestamp);
	js_knum(f, "duration", run->duration_s);
	js_kstr(f, "commit", run->git.commit);
	js_kstr(f, "branch", run->git.branch);
	js_kint(f, "dirty", run->git.dirty);
	js_kstr(f, "machine", run->machine.name);
	js_kstr(f, "fingerprint", run->machine.fingerprint);
	js_kstr(f, "cpu", run->machine.cpu_model);
	js_kstr(f, "os", run->machine.os);
	js_kstr(f, "compiler", run->build.compiler);
	js_kstr(f, "flags", run->build.flags);
	js_kint(f, "cases", (long long)run->n_results);
	js_kint(f, "ok", (long long)ok);
	js_kint(f, "failed", (long long)failed);
	if ((rc = run_tables(f, run, err)))
		return rc;

	struct bt_crossovers cx;
	struct bt_strbuf text = BT_STRBUF_INIT;
	js_key(f, "crossovers");
	bt_strbuf_addc(f, '[');
	if (bt_report_crossovers(run, NULL, &cx, NULL) == 0) {
		bt_crossovers_render(&cx, 0, &text);
		bt_crossovers_release(&cx);
		for (char *p = text.buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			if (*p) {
				js_str(f, p);
				bt_strbuf_addc(f, ',');
			}
		}
	}
	bt_strbuf_release(&text);
	js_close(f, ']');
	bt_strbuf_addc(f, ',');

	struct bt_charts ch;
	js_key(f, "charts");
	bt_strbuf_addc(f, '[');
	if (bt_report_charts(run, NULL, &ch, NULL) == 0) {
		for (size_t i = 0; i < ch.n; i++) {
			bt_strbuf_addc(f, '{');
			js_kstr(f, "file", ch.items[i].file);
			js_kstr(f, "title", ch.items[i].title);
			js_kstr(f, "svg", ch.items[i].svg);
			js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		bt_charts_release(&ch);
	}
	js_close(f, ']');
	bt_strbuf_addc(f, ',');

	js_key(f, "failures");
	bt_strbuf_addc(f, '[');
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		struct bt_strbuf cn = BT_STRBUF_INIT;
		if (r->status == BT_STATUS_OK || r->status == BT_STATUS_SKIPPED)
			continue;
		case_name(&cn, r);
		bt_strbuf_addc(f, '{');
		js_kstr(f, "case", bt_strbuf_str(&cn));
		js_kstr(f, "status", bt_status_name(r->status));
		js_kstr(f, "message", r->message);
		js_close(f, '}');
		bt_strbuf_addc(f, ',');
		bt_strbuf_release(&cn);
	}
	js_close(f, ']');
	bt_strbuf_adds(f, "});\n");
	return 0;
}

/* 1 when dir/rel exists and starts with RUN_FORMAT. */
static int run_file_current(const char *dir, const char *rel)
{
	char *path = bt__pathf("%s/%s", dir, rel);
	char head[sizeof RUN_FORMAT];
	int fd, ok = 0;
	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	ok = read(fd, head, sizeof head - 1) == (ssize_t)(sizeof head - 1) &&
	     memcmp(head, RUN_FORMAT, sizeof head - 1) == 0;
	close(fd);
	return ok;
}

/* Run pages are written by RUN_THREADS workers, each with its own run,
 * buffers and error; they take runs in turn from a shared counter. Every
 * file depends only on its run, and the results are kept per run, so the
 * output does not depend on the interleaving. */
#define RUN_THREADS 2

enum { PAGE_NONE, PAGE_WRITTEN, PAGE_KEPT, PAGE_ERROR };

struct run_worker {
	struct dash *d;
	unsigned tag;
	size_t *next;             /* shared: the next run index to take */
	unsigned char *state;     /* shared: PAGE_* per run (own indexes only) */
	char **why;               /* shared: per PAGE_ERROR run, why (own
				     indexes only; malloc'd, NULL when out of
				     memory) */
	int rc;                   /* the first fatal error of this worker */
	size_t rc_at;             /* ... at this run index */
	struct bt_strbuf err, file;
	size_t files;
};

/* 1 when path, symlinks resolved, lies inside the store (d->store_real);
 * 0 when not or when it does not resolve; -1 out of memory. */
static int inside_store(const struct dash *d, const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return errno == ENOMEM ? -1 : 0;
	size_t n = strlen(d->store_real);
	int in = strncmp(real, d->store_real, n) == 0 &&
		 (real[n] == '/' || (n == 1 && d->store_real[0] == '/'));
	free(real);
	return in;
}

static void *run_worker_main(void *arg)
{
	struct run_worker *w = arg;
	struct dash *d = w->d;
	const char *store_dir = bt_store_dir(d->st);
	for (;;) {
		size_t i = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED);
		if (i >= d->runs.n)
			break;
		const struct bt_store_entry *e = &d->runs.items[i];
		char stem[128], rel[200];
		struct bt_run run;
		struct bt_strbuf lerr = BT_STRBUF_INIT;
		int rc;
		if (!e->path)
			continue; /* archived: its points stay in the trends */
		safe_name(e->run_id, stem, sizeof stem);
		snprintf(rel, sizeof rel, "data/runs/%s.js", stem);
		char *path = bt__pathf("%s/%s", store_dir, e->path);
		if (!path) {
			rc = BT_ENOMEM;
			goto fatal;
		}
		/* only what serve's API would give out: a run file that
		 * resolves (symlinks followed) to a path inside the store;
		 * one outside gets no page, nor keeps an earlier one */
		if ((rc = inside_store(d, path)) != 1) {
			free(path);
			if (rc < 0) {
				rc = BT_ENOMEM;
				goto fatal;
			}
			w->state[i] = PAGE_ERROR;
			w->why[i] = bt__pathf("%s/%s: does not resolve to a file inside the store",
					      store_dir, e->path);
			continue;
		}
		if (run_file_current(d->dir, rel)) {
			free(path);
			w->state[i] = PAGE_KEPT;
			continue;
		}
		if (bt_run_init(&run)) {
			free(path);
			rc = BT_ENOMEM;
			goto fatal;
		}
		/* pages and rankings show summary statistics only: no samples */
		rc = bt__run_read_file_summary(&run, path, &lerr);
		free(path);
		if (!rc)
			rc = run_file(&w->file, &run, &lerr);
		bt_run_release(&run);
		if (rc == BT_ENOMEM) {
			bt_strbuf_release(&lerr);
			goto fatal;
		}
		if (rc) {
			w->state[i] = PAGE_ERROR; /* unreadable run: no page */
			w->why[i] = lerr.len ? strdup(lerr.buf)
					     : bt__pathf("%s/%s: %s", store_dir, e->path,
							 bt_strerror(rc));
			bt_strbuf_release(&lerr);
			continue;
		}
		bt_strbuf_release(&lerr);
		if ((rc = put_file_at(d->dir, rel, w->file.buf, w->file.len, w->tag, &w->err)))
			goto fatal;
		w->files++;
		w->state[i] = PAGE_WRITTEN;
		continue;
fatal:
		w->rc = rc;
		w->rc_at = i;
		/* stop the others soon: no new runs are taken */
		__atomic_store_n(w->next, d->runs.n, __ATOMIC_RELAXED);
		break;
	}
	return NULL;
}

struct run_pool {
	char **keep;
	unsigned char *state;
	char **why;
	struct run_worker w[RUN_THREADS];
	pthread_t th[RUN_THREADS];
	int started[RUN_THREADS];
	size_t n_keep, next;
	size_t n_why;             /* entries of why */
};

/* Starts the helper workers of run pages; the caller joins in with
 * finish_runs (so trends can be written meanwhile). */
static int start_runs(struct dash *d, struct run_pool *p)
{
	memset(p, 0, sizeof *p);
	p->keep = calloc(d->runs.n ? d->runs.n : 1, sizeof *p->keep);
	p->state = calloc(d->runs.n ? d->runs.n : 1, 1);
	p->why = calloc(d->runs.n ? d->runs.n : 1, sizeof *p->why);
	p->n_why = d->runs.n;
	if (!p->keep || !p->state || !p->why)
		return BT_ENOMEM;
	for (unsigned t = 0; t < RUN_THREADS; t++) {
		p->w[t].d = d;
		p->w[t].tag = t;
		p->w[t].next = &p->next;
		p->w[t].state = p->state;
		p->w[t].why = p->why;
		bt_strbuf_init(&p->w[t].err);
		bt_strbuf_init(&p->w[t].file);
	}
	/* worker 0 is this thread (in finish_runs); a worker that cannot
	 * start leaves its share to the others */
	for (unsigned t = 1; t < RUN_THREADS; t++)
		p->started[t] = pthread_create(&p->th[t], NULL, run_worker_main,
					       &p->w[t]) == 0;
	return 0;
}

/* Joins the workers; with abort set (an earlier error), only stops them.
 * Without, p->keep then names the run files that have a page (stale
 * ones are removed by remove_stale_runs, once the index is written). */
static int finish_runs(struct dash *d, struct run_pool *p, int abort)
{
	int rc = 0;
	if (abort)
		__atomic_store_n(&p->next, d->runs.n, __ATOMIC_RELAXED);
	else if (p->state)
		run_worker_main(&p->w[0]);
	for (unsigned t = 1; t < RUN_THREADS; t++)
		if (p->started[t])
			pthread_join(p->th[t], NULL);
	if (!abort && p->state) {
		/* the fatal error of the lowest run index, whatever the timing */
		int first = -1;
		for (unsigned t = 0; t < RUN_THREADS; t++) {
			d->stats.files += p->w[t].files;
			if (p->w[t].rc && (first < 0 || p->w[t].rc_at < p->w[first].rc_at))
				first = (int)t;
		}
		if (first >= 0) {
			rc = p->w[first].rc;
			if (d->err && p->w[first].err.len)
				bt_strbuf_add(d->err, p->w[first].err.buf, p->w[first].err.len);
		}
		for (size_t i = 0; i < d->runs.n; i++) {
			switch (p->state[i]) {
			case PAGE_WRITTEN: d->has_page[i] = 1; d->stats.run_pages++; break;
			case PAGE_KEPT: d->has_page[i] = 1; d->stats.run_pages_kept++; break;
			case PAGE_ERROR:
				d->stats.run_errors++;
				if (d->run_errors)
					bt_strbuf_addf(d->run_errors, "%s: %s\n",
						       d->runs.items[i].run_id ? d->runs.items[i].run_id : "?",
						       p->why[i] ? p->why[i] : "cannot be read");
				break;
			}
		}
		/* the pages to keep: those of runs with a page now (an
		 * unreadable run's earlier page goes) */
		for (size_t i = 0; !rc && i < d->runs.n; i++) {
			char stem[128];
			if (!d->has_page[i])
				continue;
			safe_name(d->runs.items[i].run_id, stem, sizeof stem);
			if (!(p->keep[p->n_keep++] = strdup(stem)))
				rc = BT_ENOMEM;
		}
		if (!rc)
			qsort(p->keep, p->n_keep, sizeof *p->keep, cmp_str);
	}
	for (unsigned t = 0; t < RUN_THREADS; t++) {
		bt_strbuf_release(&p->w[t].err);
		bt_strbuf_release(&p->w[t].file);
	}
	free(p->state);
	p->state = NULL;
	return rc;
}

/* Frees what start_runs and finish_runs left. */
static void release_runs(struct run_pool *p)
{
	for (size_t i = 0; i < p->n_keep; i++)
		free(p->keep[i]);
	free(p->keep);
	if (p->why)
		for (size_t i = 0; i < p->n_why; i++)
			free(p->why[i]);
	free(p->why);
	memset(p, 0, sizeof *p);
}

/* --- index and pages ------------------------------------------------------- */

static void js_run(struct bt_strbuf *b, const struct bt_store_entry *e, int page)
{
	bt_strbuf_addc(b, '{');
	js_kstr(b, "id", e->run_id);
	js_kstr(b, "type", e->type);
	js_kstr(b, "suite", e->suite);
	js_kstr(b, "t", e->timestamp);
	js_kstr(b, "commit", e->commit);
	js_kstr(b, "branch", e->branch);
	js_kstr(b, "machine", e->machine);
	js_kint(b, "n", (long long)e->n_results);
	js_kint(b, "failed", (long long)e->n_failed);
	js_kint(b, "page", page);
	js_close(b, '}');
}

/* Appends the distinct values of a field of the runs (sorted). */
static int js_distinct(struct bt_strbuf *b, const struct dash *d, int machine)
{
	const char **v = malloc((d->runs.n ? d->runs.n : 1) * sizeof *v);
	size_t n = 0;
	if (!v)
		return BT_ENOMEM;
	for (size_t i = 0; i < d->runs.n; i++) {
		const char *s = machine ? d->runs.items[i].machine : d->runs.items[i].type;
		if (s)
			v[n++] = s;
	}
	qsort(v, n, sizeof *v, cmp_str);
	bt_strbuf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(v[i], v[i - 1]) == 0)
			continue;
		js_str(b, v[i]);
		bt_strbuf_addc(b, ',');
	}
	js_close(b, ']');
	bt_strbuf_addc(b, ',');
	free(v);
	return 0;
}

static int write_index(struct dash *d)
{
	struct bt_strbuf *b = &d->file;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	size_t shown = 0;
	int rc;

	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	bt_strbuf_reset(b);
	bt_strbuf_adds(b, "btData(\"index\",\"\",{");
	js_kstr(b, "title", d->title);
	js_kstr(b, "generated", now);
	js_kint(b, "version", 1);
	js_key(b, "totals");
	bt_strbuf_addf(b, "{\"runs\":%zu,\"series\":%zu,\"points\":%zu,"
		       "\"regressions\":%zu,\"acked\":%zu},\n",
		       d->runs.n, d->stats.series, d->stats.points, d->n_regs, d->acked);
	js_key(b, "types");
	if ((rc = js_distinct(b, d, 0)))
		return rc;
	js_key(b, "machines");
	if ((rc = js_distinct(b, d, 1)))
		return rc;
	/* the newest run of each type: runs are newest first */
	js_key(b, "latest");
	bt_strbuf_addc(b, '[');
	for (size_t i = 0; i < d->runs.n; i++) {
		const struct bt_store_entry *e = &d->runs.items[i];
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(d->runs.items[j].type, e->type) == 0;
		if (seen)
			continue;
		js_run(b, e, d->has_page[i]);
		bt_strbuf_addc(b, ',');
	}
	js_close(b, ']');
	bt_strbuf_add(b, ",\n", 2);
	js_key(b, "runs");
	bt_strbuf_addc(b, '[');
	for (size_t i = 0; i < d->runs.n && shown < INDEX_RUNS; i++, shown++) {
		js_run(b, &d->runs.items[i], d->has_page[i]);
		bt_strbuf_add(b, ",\n", 2);
	}
	if (shown)
		b->len -= 2;
	bt_strbuf_add(b, "],\n", 3);
	/* the run table of the series files' points ("r": indexes), oldest
	 * first */
	static const char *const rt_keys[] = { "id", "t", "commit" };
	js_key(b, "rt");
	bt_strbuf_addc(b, '{');
	for (int k = 0; k < 3; k++) {
		js_key(b, rt_keys[k]);
		bt_strbuf_addc(b, '[');
		for (size_t i = d->runs.n; i-- > 0;) {
			const struct bt_store_entry *e = &d->runs.items[i];
			js_str(b, k == 0 ? e->run_id : k == 1 ? e->timestamp : e->commit);
			if (i)
				bt_strbuf_addc(b, ',');
		}
		bt_strbuf_add(b, k < 2 ? "]," : "]", k < 2 ? 2 : 1);
	}
	bt_strbuf_add(b, "},\n", 3);
	js_key(b, "series");
	bt_strbuf_add(b, "[\n", 2);
	if (d->series_ix.len) {
		bt_strbuf_add(b, d->series_ix.buf, d->series_ix.len - 2);
	}
	bt_strbuf_add(b, "],\n", 3);
	if (d->n_regs) /* regs is NULL without any */
		qsort(d->regs, d->n_regs, sizeof *d->regs, cmp_reg_newest);
	js_key(b, "regs");
	bt_strbuf_add(b, "[\n", 2);
	for (size_t i = 0; i < d->n_regs; i++) {
		bt_strbuf_adds(b, d->regs[i].json);
		if (i + 1 < d->n_regs)
			bt_strbuf_add(b, ",\n", 2);
	}
	bt_strbuf_adds(b, "]});\n");
	return put_file(d, "data/index.js", b->buf, b->len);
}

/* The HTML templates with {{TITLE}} replaced (HTML-escaped), and the
 * other assets under assets/. */
static int write_pages(struct dash *d)
{
	struct bt_strbuf esc = BT_STRBUF_INIT, *b = &d->file;
	int rc = 0;
	for (const char *p = d->title; *p; p++) {
		switch (*p) {
		case '&': bt_strbuf_adds(&esc, "&amp;"); break;
		case '<': bt_strbuf_adds(&esc, "&lt;"); break;
		case '>': bt_strbuf_adds(&esc, "&gt;"); break;
		case '"': bt_strbuf_adds(&esc, "&quot;"); break;
		case '\'': bt_strbuf_adds(&esc, "&#39;"); break;
		default: bt_strbuf_addc(&esc, *p);
		}
	}
	for (const struct bt_web_asset *a = bt_web_assets; a->name && !rc; a++) {
		size_t n = strlen(a->name);
		char rel[256];
		if (n > 5 && strcmp(a->name + n - 5, ".html") == 0) {
			const char *s = (const char *)a->data, *m;
			bt_strbuf_reset(b);
			while ((m = strstr(s, "{{TITLE}}"))) {
				bt_strbuf_add(b, s, (size_t)(m - s));
				bt_strbuf_add(b, esc.buf ? esc.buf : "", esc.len);
				s = m + 9;
			}
			bt_strbuf_adds(b, s);
			snprintf(rel, sizeof rel, "%s", a->name);
			rc = put_file(d, rel, b->buf, b->len);
		} else {
			snprintf(rel, sizeof rel, "assets/%s", a->name);
			rc = put_file(d, rel, (const char *)a->data, a->len);
		}
	}
	bt_strbuf_release(&esc);
	return rc;
}

int bt_dashboard_write(struct bt_store *st, const char *dir,
		       const struct bt_dashboard_opts *o,
		       struct bt_dashboard_stats *stats, struct bt_strbuf *err)
{
	struct dash d;
	struct bt_store_filter f;
	struct bt_series_filter sf;
	struct run_pool pool;
	int rc;

	memset(&pool, 0, sizeof pool);
	if (stats)
		memset(stats, 0, sizeof *stats);
	if (!st || !dir || !*dir)
		return bt_error(err, BT_EINVAL, "bt_dashboard_write: no store or directory");
	memset(&d, 0, sizeof d);
	d.st = st;
	d.dir = dir;
	d.err = err;
	d.run_errors = o ? o->run_errors : NULL;
	d.title = o && o->title && *o->title ? o->title : "benchtrack";
	bt_cp_opts_default(&d.cp);

	static const char *const subdirs[] = { "", "/assets", "/data", "/data/series",
					       "/data/runs" };
	for (size_t i = 0; i < sizeof subdirs / sizeof *subdirs; i++) {
		char *p = bt__pathf("%s%s", dir, subdirs[i]);
		if (!p)
			return BT_ENOMEM;
		rc = bt__mkdir_p(p, err);
		free(p);
		if (rc)
			return rc;
	}

	memset(&f, 0, sizeof f);
	f.include_archived = 1;
	if ((rc = bt_store_query(st, &f, &d.runs, err)))
		return rc;
	if ((rc = bt_store_acks(st, &d.acks, err)))
		goto out;
	d.by_id = malloc((d.runs.n ? d.runs.n : 1) * sizeof *d.by_id);
	d.has_page = calloc(d.runs.n ? d.runs.n : 1, 1);
	if (!d.by_id || !d.has_page) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < d.runs.n; i++)
		d.by_id[i] = &d.runs.items[i];
	qsort(d.by_id, d.runs.n, sizeof *d.by_id, cmp_entry_id);
	if (!(d.store_real = realpath(bt_store_dir(st), NULL))) {
		rc = bt_error(err, errno == ENOMEM ? BT_ENOMEM : BT_EIO, "%s: %s",
			      bt_store_dir(st), strerror(errno));
		goto out;
	}

	/* data first, then the index that names it, then the pages, and
	 * only then the files no longer named are removed: an interrupted
	 * run leaves an index whose files all exist */
	/* run pages (helper threads) while this thread writes the trends */
	if ((rc = start_runs(&d, &pool))) {
		finish_runs(&d, &pool, 1);
		goto out;
	}
	memset(&sf, 0, sizeof sf);
	if ((rc = bt_store_series(st, &sf, on_series, &d, NULL, err))) {
		finish_runs(&d, &pool, 1);
		goto out;
	}
	if ((rc = finish_runs(&d, &pool, 0)) || (rc = write_index(&d)) ||
	    (rc = write_pages(&d)))
		goto out;
	if (d.n_written)
		qsort(d.written, d.n_written, sizeof *d.written, cmp_str);
	remove_stale(&d, "data/series", d.written, d.n_written);
	remove_stale(&d, "data/runs", pool.keep, pool.n_keep);
	d.stats.runs = d.runs.n;
	if (stats)
		*stats = d.stats;
out:
	release_runs(&pool);
	free(d.store_real);
	if (rc == BT_ENOMEM && err && !err->len)
		bt_error(err, BT_ENOMEM, "%s: out of memory", dir);
	for (size_t i = 0; i < d.n_regs; i++) {
		free(d.regs[i].t);
		free(d.regs[i].json);
	}
	free(d.regs);
	for (size_t i = 0; i < d.n_written; i++)
		free(d.written[i]);
	free(d.written);
	free(d.by_id);
	free(d.has_page);
	bt_strbuf_release(&d.series_ix);
	bt_strbuf_release(&d.file);
	bt_ack_list_release(&d.acks);
	bt_store_list_release(&d.runs);
	return rc;
}
