/* Migration of a folder of legacy result files into the store
 * (bt_store_organize, include/benchtrack/store.h; the command is
 * docs/cmd/organize.md).
 *
 * Files. Every regular file of src is read (sorted by name with strcmp;
 * with o->recursive, subdirectories too, depth first in the same order),
 * never written. Names starting with '.' are ignored (files and
 * directories), as is the store's own directory when it lies inside src.
 * Symbolic links are not followed (skipped), nor are other special files.
 * A file is skipped, with its reason, when it is larger than 64 MiB,
 * empty (or only white space), binary (a NUL byte or invalid UTF-8 in its
 * first 4 KiB), not JSON (jansson's line and column in the reason), JSON
 * of none of the formats below, or a copy (same bytes, or the same run
 * id) of a file placed earlier in the same call.
 *
 * Formats, recognised in this order on a JSON object:
 *
 * 1. benchtrack run: "schema" is "benchtrack.run/1". Read strictly with
 *    bt_run_from_json and stored as it is; its run_id is kept when it is
 *    8 to 64 hex digits. Only what the store needs is filled in: a missing
 *    or unusable benchmark_type, a timestamp the store cannot use (both as
 *    below). Another "benchtrack.run/N" schema is skipped.
 *
 * 2. HF benchmark_v2: "benchmark_scenarios" is an array; read by
 *    bt__import_hf_v2 (lib/import/hf_v2.c).
 *
 * 3. Seed proposal metadata: "benchmark_type" is present; read by
 *    bt__import_seed (lib/import/seed.c). A file of this format without
 *    results is skipped.
 *
 * The shapes these readers accept, how the members of a result row and
 * the keys of numbers become names, params, metrics (units, statistics,
 * samples), counters and statuses, and how a hardware object becomes the
 * machine are the contracts in lib/import/import.h. Results get variant
 * "default" and a series_key. A file with two results of the same
 * identity (name, params) is skipped.
 *
 * Run fields for formats 2 and 3:
 *   - run_id: FNV-1a 64 of the file's bytes with two different offset
 *     bases, 32 hex digits: the same file always gives the same id, so a
 *     second organize finds it stored (skipped "already in the store").
 *   - benchmark_type: from the content (lower-cased; characters a type
 *     directory cannot have become '-'), else the first keyword of the
 *     file's path below src (long_seq/long-seq/long_context ->
 *     long-sequences, ablation, regression, distributed/multi_gpu,
 *     memory, comprehensive, attention/attn, throughput, latency,
 *     scaling, inference, sparse, micro), else "legacy".
 *   - timestamp "YYYY-MM-DDTHH:MM:SSZ": from the content (ISO 8601 with
 *     'T', ' ' or '_', optional fraction and zone, a time without zone
 *     taken as UTC; YYYYMMDD_HHMMSS; Unix seconds or milliseconds), else a
 *     date in the file name (20240131_142233, 20240131-142233,
 *     20240131142233, 2024-01-31, 2024-01-31T14-22-33, 2024_01_31, ...;
 *     a year 1970-2999 not preceded by a digit), else the file's
 *     modification time. The place note says when it is not from the
 *     content.
 *   - suite: the file name without its extension, the date found in it
 *     and a zone word after it (bt__imp_suite_name), so files of one
 *     series share a suite.
 *   - git.commit (bt__imp_set_commit) and machine (bt__imp_machine): as
 *     the reader found them.
 *
 * Each placed run is stored with bt_store_put and its original file copied
 * to STORE/archive/legacy/<file name> ("name.2.json", ... when another file
 * of that name is there; nothing when the same bytes are), then reported
 * as note("place", path, "-> by-type/<type>/<dir> (<format>[, date from
 * the file name|time])"). A run whose id the index already has (archived
 * runs included; or bt_store_put says BT_EEXISTS) is note("skip", path,
 * "already in the store as <id8>"), counted as skipped, and nothing is
 * written for it. With dry_run nothing is written at all, placements are
 * note("would place", ...) and st may be NULL (no store yet: nothing is
 * stored). An error of the store (a failed put or archive copy) stops
 * the walk and is returned; the runs placed before it stay.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "storeint.h"
#include "internal.h"
#include "import/import.h"

#define ORGANIZE_CAP ((size_t)64 << 20)
#define SNIFF_BYTES 4096
#define MAX_DEPTH 64

/* --- the walk's state ------------------------------------------------- */

struct seen {
	uint64_t h1, h2;    /* content hash */
	char *id;           /* run id */
	char *first;        /* the file placed with it */
};

struct org {
	struct bt_store *st;
	int dry_run, recursive;
	bt_store_note_fn note;
	void *ud;
	struct bt_strbuf *err;
	size_t placed, skipped;
	struct seen *seen;
	size_t n_seen, a_seen;
	char **stored;      /* run ids in the store before the call, sorted */
	size_t n_stored;
	int have_store;
	dev_t store_dev;
	ino_t store_ino;
};

static void note(struct org *g, const char *what, const char *path,
		 const char *detail)
{
	if (g->note)
		g->note(g->ud, what, path, detail);
}

/* note("skip") with a formatted reason. */
static int skip(struct org *g, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int skip(struct org *g, const char *path, const char *fmt, ...)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	int rc = bt_strbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	if (!rc) {
		note(g, "skip", path, m.buf);
		g->skipped++;
	}
	bt_strbuf_release(&m);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --- dates ------------------------------------------------------------ */

/* A date in a file name: the first position where one parses (a year
 * 19xx/20xx not preceded by a digit, the stamp not followed by one).
 * [*b, *e) is the stamp. */
static int name_time(const char *name, time_t *t, size_t *b, size_t *e)
{
	for (size_t i = 0; name[i]; i++) {
		if (i && isdigit((unsigned char)name[i - 1]))
			continue;
		if (strncmp(name + i, "19", 2) && strncmp(name + i, "20", 2))
			continue;
		const char *end;
		if (bt__parse_time(name + i, t, &end) == 0 &&
		    !isdigit((unsigned char)*end)) {
			*b = i;
			*e = (size_t)(end - name);
			return 0;
		}
	}
	return -1;
}

static void fmt_time(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- types ------------------------------------------------------------ */

/* in as a type directory name: characters other than [A-Za-z0-9._-]
 * become '-', repeated '-' collapse, leading '.'/'-' and trailing '-'
 * go; lower-cased when lower. 0 when something valid is left. */
static int sanitize_type(const char *in, int lower, char out[65])
{
	size_t n = 0;
	for (const char *s = in; *s && n < 64; s++) {
		unsigned char c = (unsigned char)*s;
		char o = isalnum(c) || c == '.' || c == '_' || c == '-'
			? (char)(lower ? tolower(c) : c) : '-';
		if (o == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		if (o == '.' && n == 0)
			continue;
		out[n++] = o;
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return bt__store_valid_type(out) ? 0 : -1;
}

static const struct {
	const char *kw, *type;
} name_types[] = {
	{ "long_seq", "long-sequences" }, { "long-seq", "long-sequences" },
	{ "longseq", "long-sequences" }, { "long_context", "long-sequences" },
	{ "long-context", "long-sequences" }, { "ablation", "ablation" },
	{ "regression", "regression" }, { "distributed", "distributed" },
	{ "multi_gpu", "distributed" }, { "multi-gpu", "distributed" },
	{ "multigpu", "distributed" }, { "memory", "memory" },
	{ "comprehensive", "comprehensive" }, { "attention", "attention" },
	{ "attn", "attention" }, { "throughput", "throughput" },
	{ "latency", "latency" }, { "scaling", "scaling" },
	{ "inference", "inference" }, { "sparse", "sparse" },
	{ "micro", "micro" },
};

/* The type a file's path (below src) suggests; NULL when none. */
static const char *type_from_name(const char *rel)
{
	char low[512];
	size_t n = 0;
	for (; rel[n] && n + 1 < sizeof low; n++)
		low[n] = (char)tolower((unsigned char)rel[n]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof name_types / sizeof *name_types; i++)
		if (strstr(low, name_types[i].kw))
			return name_types[i].type;
	return NULL;
}

/* --- one file ------------------------------------------------------------ */

/* 1 when the first SNIFF_BYTES of data look binary: a NUL byte or invalid
 * UTF-8 (*off where, *nul which). */
static int looks_binary(const char *data, size_t len, size_t *off, int *nul)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t lim = len < SNIFF_BYTES ? len : SNIFF_BYTES;
	for (size_t i = 0; i < lim;) {
		if (p[i] == 0) {
			*off = i;
			*nul = 1;
			return 1;
		}
		size_t k = bt__utf8_seq(p + i, len - i);
		if (!k) {
			*off = i;
			*nul = 0;
			return 1;
		}
		i += k;
	}
	return 0;
}

static struct seen *find_seen(struct org *g, uint64_t h1, uint64_t h2,
			      const char *id)
{
	for (size_t i = 0; i < g->n_seen; i++)
		if (id ? strcmp(g->seen[i].id, id) == 0
		       : g->seen[i].h1 == h1 && g->seen[i].h2 == h2)
			return &g->seen[i];
	return NULL;
}

static int add_seen(struct org *g, uint64_t h1, uint64_t h2, const char *id,
		    const char *path)
{
	if (bt__vec_reserve((void **)&g->seen, &g->a_seen, g->n_seen + 1,
			    sizeof *g->seen))
		return BT_ENOMEM;
	struct seen *s = &g->seen[g->n_seen];
	s->h1 = h1;
	s->h2 = h2;
	s->id = strdup(id);
	s->first = strdup(path);
	if (!s->id || !s->first) {
		free(s->id);
		free(s->first);
		return BT_ENOMEM;
	}
	g->n_seen++;
	return 0;
}

static int is_stored(struct org *g, const char *id)
{
	return g->n_stored &&
	       bsearch(&id, g->stored, g->n_stored, sizeof *g->stored, cmp_str);
}

/* Copies the original into STORE/archive/legacy/ under its name, or
 * name.N.ext when another file has that name; nothing when the same bytes
 * are there. */
static int archive_original(struct org *g, const char *base, const char *data,
			    size_t len, const struct stat *sb)
{
	char *dir = bt__pathf("%s/archive/legacy", g->st->dir);
	if (!dir)
		return BT_ENOMEM;
	int rc = bt__mkdir_p(dir, g->err);
	int lock = rc ? -1 : bt__store_lock(g->st->dir, g->err);
	if (lock < 0 && !rc)
		rc = lock;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base)
		dot = base + strlen(base);
	for (int k = 1; !rc && k <= 10000; k++) {
		char *p = k == 1 ? bt__pathf("%s/%s", dir, base)
			: bt__pathf("%s/%.*s.%d%s", dir, (int)(dot - base), base, k, dot);
		if (!p) {
			rc = BT_ENOMEM;
			break;
		}
		struct stat ex;
		if (lstat(p, &ex) != 0 && errno == ENOENT) {
			rc = bt__write_file_atomic(p, data, len, g->err);
			if (!rc) {
				struct timespec t[2] = { sb->st_atim, sb->st_mtim };
				utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW);
			}
			free(p);
			break;
		}
		int same = bt__file_equals(p, data, len);
		free(p);
		if (same)
			break;
		if (k == 10000)
			rc = bt_error(g->err, BT_EIO, "%s: too many files named %s", dir, base);
	}
	bt__store_unlock(lock);
	free(dir);
	return rc;
}

/* Detects the format of root and converts it into run. 0, BT_EUNSUPPORTED
 * (skip: the reason in why) or BT_ENOMEM. */
static int convert(struct bt_run *run, const char *text, size_t len,
		   const json_t *root, const char *base, struct bt__import_found *f,
		   struct bt_strbuf *why)
{
	if (!json_is_object(root)) {
		const char *what = json_is_array(root) ? "an array" : "a scalar";
		return bt_error(why, BT_EUNSUPPORTED, "unrecognised JSON (top level is %s, "
				"not an object)", what);
	}
	const json_t *schema = json_object_get(root, "schema");
	const char *sv = json_is_string(schema) ? json_string_value(schema) : NULL;
	if (sv && strcmp(sv, BT_RUN_SCHEMA) == 0) {
		struct bt_strbuf e = BT_STRBUF_INIT;
		f->format = "benchtrack run";
		int rc = bt_run_from_json(run, text, len, base, &e);
		if (rc && rc != BT_ENOMEM)
			rc = bt_error(why, BT_EUNSUPPORTED, "not a valid benchtrack run: %s",
				      bt_strbuf_str(&e));
		bt_strbuf_release(&e);
		if (!rc && run->benchmark_type)
			f->type = run->benchmark_type;
		return rc;
	}
	if (sv && strncmp(sv, "benchtrack.run/", 15) == 0)
		return bt_error(why, BT_EUNSUPPORTED, "unsupported schema \"%.40s\" (this version "
				"reads %s)", sv, BT_RUN_SCHEMA);
	if (json_is_array(json_object_get(root, "benchmark_scenarios")))
		return bt__import_hf_v2(run, root, f, why);
	if (json_object_get(root, "benchmark_type"))
		return bt__import_seed(run, root, f, why);
	if (sv)
		return bt_error(why, BT_EUNSUPPORTED, "unrecognised JSON (unknown schema \"%.40s\", "
				"no benchmark_type or benchmark_scenarios)", sv);
	return bt_error(why, BT_EUNSUPPORTED, "unrecognised JSON (no schema, benchmark_type or "
			"benchmark_scenarios)");
}

static int organize_file(struct org *g, const char *path, const char *rel,
			 const char *base, const struct stat *sb)
{
	if ((size_t)sb->st_size > ORGANIZE_CAP)
		return skip(g, path, "larger than 64 MiB");
	char *data = NULL;
	size_t len;
	struct bt_strbuf rerr = BT_STRBUF_INIT, m = BT_STRBUF_INIT;
	int e = bt__read_file(path, ORGANIZE_CAP, &data, &len, &rerr);
	if (e) {
		/* the reason without the path the note already carries */
		e = e == BT_ENOMEM ? e
			: e == BT_ETOOBIG ? skip(g, path, "larger than 64 MiB")
			: bt__strip_path(&m, bt_strbuf_str(&rerr), path) ? BT_ENOMEM
			: skip(g, path, "cannot read: %s", m.buf);
		bt_strbuf_release(&m);
	}
	bt_strbuf_release(&rerr);
	if (!data)
		return e;

	struct bt_run run;
	struct bt_strbuf why = BT_STRBUF_INIT;
	json_t *root = NULL;
	char *stored = NULL;
	int rc = bt_run_init(&run);
	size_t off;
	int nul;
	const char *text = data;
	size_t tlen = len;
	char *plain = NULL; /* a compressed file's text (zstd or gzip) */
	if (rc)
		goto out;
	if (len == 0) {
		rc = skip(g, path, "empty file");
		goto out;
	}
	if (bt__run_compressed(data, len)) {
		rc = bt__run_inflate(path, data, len, ORGANIZE_CAP, &plain, &tlen, &rerr);
		if (rc) {
			rc = rc == BT_ENOMEM ? rc
				: bt__strip_path(&m, bt_strbuf_str(&rerr), path) ? BT_ENOMEM
				: skip(g, path, "%s", m.buf);
			bt_strbuf_release(&rerr);
			bt_strbuf_release(&m);
			goto out;
		}
		text = plain;
	}
	if (looks_binary(text, tlen, &off, &nul)) {
		rc = skip(g, path, "binary file (%s at byte %zu)",
			  nul ? "NUL byte" : "invalid UTF-8", off);
		goto out;
	}
	if (tlen >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3, tlen -= 3; /* a byte order mark */
	if (strspn(text, " \t\r\n") == tlen) {
		rc = skip(g, path, "empty file (only white space)");
		goto out;
	}
	/* of the text: a file and its compressed copy are one run */
	const char *hd = plain ? plain : data;
	size_t hl = plain ? strlen(plain) : len;
	uint64_t h1 = bt__fnv1a(BT__FNV_INIT, hd, hl);
	uint64_t h2 = bt__fnv1a(bt__mix64(BT__FNV_INIT), hd, hl);
	struct seen *dup = find_seen(g, h1, h2, NULL);
	if (dup) {
		rc = skip(g, path, "duplicate of %s", dup->first);
		goto out;
	}
	json_error_t je;
	root = json_loadb(text, tlen, 0, &je);
	if (!root) {
		rc = skip(g, path, "unparseable JSON (line %d, column %d): %s",
			  je.line, je.column, je.text);
		goto out;
	}
	struct bt__import_found f = { NULL, NULL, NULL };
	rc = convert(&run, text, tlen, root, base, &f, &why);
	if (rc == BT_EUNSUPPORTED) {
		rc = skip(g, path, "%s", why.buf);
		goto out;
	}
	if (rc)
		goto out;
	int native = strcmp(f.format, "benchtrack run") == 0;

	/* id */
	char id[33];
	snprintf(id, sizeof id, "%016" PRIx64 "%016" PRIx64, h1, h2);
	if (!native || !bt__is_hex(run.run_id, 8, 64))
		run.run_id = bt_run_strdup(&run, id);
	/* type */
	char type[65];
	const char *nt = type_from_name(rel);
	if (native && run.benchmark_type && bt__store_valid_type(run.benchmark_type))
		snprintf(type, sizeof type, "%s", run.benchmark_type);
	else if (!(f.type && sanitize_type(f.type, 1, type) == 0))
		snprintf(type, sizeof type, "%s", nt ? nt : "legacy");
	run.benchmark_type = bt_run_strdup(&run, type);
	/* date */
	char ts[32], y[5], mo[3], d[3], hm[5];
	const char *from = NULL;
	time_t t;
	size_t db = 0, de = 0;
	int name_date = name_time(base, &t, &db, &de) == 0;
	if (native && !bt__store_split_time(run.timestamp, y, mo, d, hm)) {
		snprintf(ts, sizeof ts, "%s", run.timestamp);
	} else {
		json_t *nts = native ? json_object_get(root, "timestamp") : NULL;
		const json_t *cv = native ? nts : f.ts;
		if (cv && bt__imp_time(cv, &t) == 0) {
			fmt_time(t, ts);
		} else if (name_date) {
			fmt_time(t, ts);
			from = "date from the file name";
		} else {
			fmt_time(sb->st_mtime, ts);
			from = "date from the file time";
		}
		run.timestamp = bt_run_strdup(&run, ts);
	}
	if (!native) {
		run.suite = bt__imp_suite_name(&run, base, name_date, db, de);
		for (size_t i = 0; run.suite && i < run.n_results; i++) {
			struct bt_result *r = &run.results[i];
			char key[17];
			bt_series_key(run.suite, r, run.machine.fingerprint,
				      r->n_metrics ? r->metrics[0].name : "time", key);
			if (!(r->series_key = bt_run_strdup(&run, key)))
				break;
		}
	}
	if (!run.run_id || !run.benchmark_type || !run.timestamp || !run.suite ||
	    (run.n_results && !native && !run.results[run.n_results - 1].series_key)) {
		rc = BT_ENOMEM;
		goto out;
	}
	if (!native) {
		/* two rows of one benchmark would be one series point twice
		 * (the reader refuses such runs): the file is skipped */
		bt_strbuf_reset(&why);
		rc = bt__run_check_identity(&run, f.format, &why);
		if (rc == BT_ESCHEMA)
			rc = skip(g, path, "%s", bt_strbuf_str(&why));
		if (rc || why.len)
			goto out;
	}
	if (bt__store_split_time(run.timestamp, y, mo, d, hm)) {
		rc = bt_error(g->err, BT_EINVAL, "%s: bad timestamp '%s'", path,
			      run.timestamp); /* cannot happen: made above */
		goto out;
	}

	/* already there? */
	struct seen *same = find_seen(g, 0, 0, run.run_id);
	if (same) {
		rc = skip(g, path, "duplicate of %s (same run id %.8s)", same->first,
			  run.run_id);
		goto out;
	}
	if (is_stored(g, run.run_id)) {
		rc = add_seen(g, h1, h2, run.run_id, path);
		if (!rc)
			rc = skip(g, path, "already in the store as %.8s", run.run_id);
		goto out;
	}
	struct bt_strbuf detail = BT_STRBUF_INIT;
	bt_strbuf_addf(&detail, "-> by-type/%s/%s-%s-%s-%s-UTC-%.8s (%s%s%s)", type,
		       y, mo, d, hm, run.run_id, f.format, from ? ", " : "",
		       from ? from : "");
	if (!g->dry_run) {
		rc = bt_store_put(g->st, &run, &stored, g->err);
		if (rc == BT_EEXISTS) {
			bt_strbuf_release(&detail);
			rc = add_seen(g, h1, h2, run.run_id, path);
			if (!rc)
				rc = skip(g, path, "already in the store as %.8s", run.run_id);
			goto out;
		}
		if (!rc)
			rc = archive_original(g, base, data, len, sb);
	}
	if (!rc)
		rc = add_seen(g, h1, h2, run.run_id, path);
	if (!rc && detail.buf) {
		note(g, g->dry_run ? "would place" : "place", path, detail.buf);
		g->placed++;
	} else if (!rc) {
		rc = BT_ENOMEM;
	}
	bt_strbuf_release(&detail);
out:
	free(stored);
	json_decref(root);
	bt_strbuf_release(&why);
	bt_run_release(&run);
	free(data);
	free(plain);
	return rc;
}

/* --- the walk ------------------------------------------------------------ */

static int walk(struct org *g, const char *dir, const char *rel, int depth)
{
	DIR *d = opendir(dir);
	if (!d && depth > 0)
		return skip(g, dir, "cannot read directory: %s", strerror(errno));
	if (!d)
		return bt_error(g->err, errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
				"%s: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (bt__vec_reserve((void **)&names, &alloc, n + 1, sizeof *names) ||
		    !(names[n] = strdup(e->d_name))) {
			rc = BT_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!rc && n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; !rc && i < n; i++) {
		char *path = strcmp(dir, ".") ? bt__pathf("%s/%s", dir, names[i])
					      : strdup(names[i]);
		char *r = *rel ? bt__pathf("%s/%s", rel, names[i]) : strdup(names[i]);
		struct stat sb;
		if (!path || !r)
			rc = BT_ENOMEM;
		else if (lstat(path, &sb) != 0)
			rc = skip(g, path, "cannot read: %s", strerror(errno));
		else if (S_ISLNK(sb.st_mode))
			rc = skip(g, path, "symbolic link (not followed)");
		else if (S_ISDIR(sb.st_mode)) {
			int is_store = g->have_store && sb.st_dev == g->store_dev &&
				       sb.st_ino == g->store_ino;
			if (g->recursive && !is_store && depth < MAX_DEPTH)
				rc = walk(g, path, r, depth + 1);
			else if (g->recursive && !is_store)
				rc = skip(g, path, "directory nested deeper than %d levels",
					  MAX_DEPTH);
		} else if (S_ISREG(sb.st_mode))
			rc = organize_file(g, path, r, names[i], &sb);
		else
			rc = skip(g, path, "not a regular file");
		free(path);
		free(r);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int bt_store_organize(struct bt_store *st, const char *src,
		      const struct bt_organize_opts *o, bt_store_note_fn note_fn,
		      void *ud, size_t *n_placed, size_t *n_skipped,
		      struct bt_strbuf *err)
{
	if (n_placed)
		*n_placed = 0;
	if (n_skipped)
		*n_skipped = 0;
	if (st && st->pg)
		return bt_error(err, BT_EUNSUPPORTED, "%s: organize places files in a store "
				"directory; organize into a local store, then `benchtrack push` "
				"it", st->dir);
	struct org g;
	memset(&g, 0, sizeof g);
	g.st = st;
	g.dry_run = o && o->dry_run;
	g.recursive = o && o->recursive;
	g.note = note_fn;
	g.ud = ud;
	g.err = err;
	if (!src || !*src)
		return bt_error(err, BT_EINVAL, "organize: no folder given");
	if (!st && !g.dry_run)
		return bt_error(err, BT_EINVAL, "organize: no store");
	if (st && !g.dry_run && (st->flags & BT_STORE_READONLY))
		return bt_error(err, BT_EINVAL, "%s: store opened read-only", st->dir);
	struct stat sb;
	if (stat(src, &sb) != 0)
		return bt_error(err, errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
				"%s: %s", src, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return bt_error(err, BT_EINVAL, "%s: not a directory", src);
	char *dir = strdup(src);
	if (!dir)
		return BT_ENOMEM;
	for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/';)
		dir[--n] = '\0';

	int rc = 0;
	if (st) {
		struct stat ss;
		if (stat(st->dir, &ss) == 0) {
			g.have_store = 1;
			g.store_dev = ss.st_dev;
			g.store_ino = ss.st_ino;
		}
		struct bt_store_filter f = { .include_archived = 1 };
		struct bt_store_list l;
		struct bt_strbuf qe = BT_STRBUF_INIT;
		rc = bt_store_query(st, &f, &l, &qe);
		if (rc)
			bt_error(err, rc, "%s", bt_strbuf_str(&qe));
		bt_strbuf_release(&qe);
		if (!rc && l.n && !(g.stored = calloc(l.n, sizeof *g.stored)))
			rc = BT_ENOMEM;
		for (size_t i = 0; !rc && i < l.n; i++, g.n_stored++)
			if (!(g.stored[i] = strdup(l.items[i].run_id)))
				rc = BT_ENOMEM;
		bt_store_list_release(&l);
		if (!rc && g.n_stored)
			qsort(g.stored, g.n_stored, sizeof *g.stored, cmp_str);
	}
	if (!rc)
		rc = walk(&g, dir, "", 0);
	if (rc == BT_ENOMEM && !bt_strbuf_str(err)[0])
		bt_error(err, rc, "organize %s: out of memory", dir);
	for (size_t i = 0; i < g.n_stored; i++)
		free(g.stored[i]);
	free(g.stored);
	for (size_t i = 0; i < g.n_seen; i++) {
		free(g.seen[i].id);
		free(g.seen[i].first);
	}
	free(g.seen);
	free(dir);
	if (n_placed)
		*n_placed = g.placed;
	if (n_skipped)
		*n_skipped = g.skipped;
	return rc;
}
