/* Tests of the migration of legacy result files (lib/store/organize.c):
 * the sample files of tests/fixtures/legacy/ plus generated bad ones
 * (empty, blank, binary, invalid UTF-8, truncated, duplicate, unrelated
 * JSON, a future schema, too big, a link) organized into a fresh store.
 * Checks the outcome of every file through the note callback, the stored
 * runs (type, timestamp, commit, converted results), the originals in
 * archive/legacy/, an input folder left byte-identical, dry runs that
 * store nothing, and a second organize that places nothing new. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "helpers.h"

#ifndef BT_SOURCE_DIR
#define BT_SOURCE_DIR "."
#endif

#define FIXTURES BT_SOURCE_DIR "/tests/fixtures/legacy"
#define MEMORY_FILE "memory_benchmark_20240131_142233.json"

/* --- fixtures ------------------------------------------------------------- */

static int counter;

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_organize")

/* A fresh directory name below tmpdir (not created). */
static char *fresh(const char *what)
{
	static char bufs[4][512];
	static int k;
	char *b = bufs[k++ % 4];
	snprintf(b, 512, "%s/%s%d", tmpdir, what, ++counter);
	return b;
}

static void write_file(const char *dir, const char *name, const void *data,
		       size_t len)
{
	assert_int_equal(bt_test_write_file(dir, name, data, len), 0);
}

static void write_str(const char *dir, const char *name, const char *s)
{
	write_file(dir, name, s, strlen(s));
}

static char *slurp(const char *path, size_t *len)
{
	char *d = NULL;
	size_t n = 0;
	if (len)
		*len = 0;
	if (bt__read_file(path, 1 << 26, &d, &n, NULL))
		return NULL;
	if (len)
		*len = n;
	return d;
}

static void set_mtime(const char *dir, const char *name, time_t t)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

/* Copies every file of tests/fixtures/legacy into dir (created). */
static size_t copy_fixtures(const char *dir)
{
	assert_int_equal(bt__mkdir_p(dir, NULL), 0);
	DIR *d = opendir(FIXTURES);
	assert_non_null(d);
	struct dirent *e;
	size_t n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", FIXTURES, e->d_name);
		size_t len = 0;
		char *data = slurp(p, &len);
		assert_non_null(data);
		write_file(dir, e->d_name, data, len);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

/* The generated bad files, with the reason each must be skipped for (a
 * part of it). */
static const struct {
	const char *name, *reason;
} bad[] = {
	{ "array.json", "unrecognised JSON (top level is an array" },
	/* a benchtrack run whose series_key is no key (a path): refused by
	 * the reader, as the dashboard uses keys as file names */
	{ "bad_key.json", "not a valid benchtrack run: bad_key.json: "
			  "results[0].series_key: expected 16 hex digits" },
	{ "binary.bin", "binary file (NUL byte at byte 4)" },
	/* a legacy file with one benchmark twice: its rows would be one
	 * series point twice */
	{ "dup_rows.json", "seed metadata: results[0] and results[2]: the same "
			   "benchmark identity (\"naive seq_len=4096\") twice in one run" },
	/* a benchtrack run whose series_key is another result's */
	{ "forged_key.json", "not a valid benchtrack run: forged_key.json: "
			     "results[1].series_key: \"0689e121cd67e5f7\" is not the key "
			     "of the result's identity (\"b\" of suite \"s\" on machine "
			     "(none) gives " },
	{ "blank.json", "empty file (only white space)" },
	{ "empty.json", "empty file" },
	{ "future_schema.json", "unsupported schema \"benchtrack.run/2\"" },
	{ "huge.json", "larger than 64 MiB" },
	{ "latin1.txt", "binary file (invalid UTF-8 at byte 3)" },
	{ "link.json", "symbolic link (not followed)" },
	{ "no_results.json", "seed metadata without results" },
	{ "notes.txt", "unparseable JSON (line 1, column " },
	{ "truncated.json", "unparseable JSON (line " },
	{ "unrelated.json", "unrecognised JSON (no schema, benchmark_type or "
			    "benchmark_scenarios)" },
	{ "zz_copy.json", "duplicate of " },
};
#define N_BAD (sizeof bad / sizeof *bad)

/* A seed file with neither a timestamp nor a date in its name: the
 * file's time (2023-06-01T12:00:00Z) dates it, and its empty type gives
 * "legacy". */
static const char misc_json[] =
	"{\"benchmark_type\": \"\", \"results\": [{\"name\": \"copy\", "
	"\"bytes\": 1048576, \"time_s\": 0.5}]}\n";

/* Fills dir with the fixtures, misc_results.json and the bad files;
 * returns the number of files that must be placed. */
static size_t make_input(const char *dir)
{
	size_t good = copy_fixtures(dir) + 1;
	write_str(dir, "misc_results.json", misc_json);
	set_mtime(dir, "misc_results.json", 1685620800);
	write_str(dir, "array.json", "[1, 2, 3]\n");
	write_str(dir, "bad_key.json", "{\"schema\": \"benchtrack.run/1\", "
		  "\"run_id\": \"0123abcd0123abcd\", \"timestamp\": "
		  "\"2024-01-01T00:00:00Z\", \"suite\": \"s\", \"results\": "
		  "[{\"name\": \"a\", \"status\": \"ok\", \"metrics\": {}, "
		  "\"series_key\": \"../AAAAAAAAAAAAA\"}]}\n");
	write_file(dir, "binary.bin", "\x7f" "ELF\0\1\2\3", 8);
	write_str(dir, "dup_rows.json", "{\"benchmark_type\": \"memory\", \"results\": ["
		  "{\"name\": \"naive\", \"seq_len\": 4096, \"mean_ms\": 1.0},"
		  "{\"name\": \"flash\", \"seq_len\": 4096, \"mean_ms\": 0.5},"
		  "{\"name\": \"naive\", \"seq_len\": 4096, \"mean_ms\": 100.0}]}\n");
	/* 0689e121cd67e5f7: the key of result "a" of suite "s" (variant v) */
	write_str(dir, "forged_key.json", "{\"schema\": \"benchtrack.run/1\", "
		  "\"run_id\": \"0123abcd0123abce\", \"timestamp\": "
		  "\"2024-01-01T00:00:00Z\", \"suite\": \"s\", \"results\": ["
		  "{\"name\": \"a\", \"variant\": \"v\", \"status\": \"ok\", \"metrics\": {}, "
		  "\"series_key\": \"0689e121cd67e5f7\"},"
		  "{\"name\": \"b\", \"status\": \"ok\", \"metrics\": {}, "
		  "\"series_key\": \"0689e121cd67e5f7\"}]}\n");
	write_str(dir, "blank.json", " \n\t\r\n");
	write_str(dir, "empty.json", "");
	write_str(dir, "future_schema.json", "{\"schema\": \"benchtrack.run/2\", "
		  "\"run_id\": \"00\"}\n");
	write_str(dir, "latin1.txt", "caf\xe9 au lait\n");
	write_str(dir, "no_results.json", "{\"benchmark_type\": \"memory\", "
		  "\"timestamp\": \"2024-01-01\"}\n");
	write_str(dir, "notes.txt", "run these again next week\n");
	write_str(dir, "unrelated.json", "{\"foo\": 1, \"bar\": [true, null]}\n");
	char p[1024], q[1024];
	snprintf(p, sizeof p, "%s/%s", FIXTURES, MEMORY_FILE);
	size_t len = 0;
	char *mem = slurp(p, &len);
	assert_non_null(mem);
	write_file(dir, "truncated.json", mem, len / 2);
	write_file(dir, "zz_copy.json", mem, len);
	free(mem);
	snprintf(p, sizeof p, "%s/huge.json", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, ((off_t)64 << 20) + 1), 0);
	close(fd);
	snprintf(p, sizeof p, "%s/link.json", dir);
	snprintf(q, sizeof q, "%s/%s", dir, MEMORY_FILE);
	assert_int_equal(symlink(q, p), 0);
	/* ignored: hidden, and a subdirectory without --recursive */
	write_str(dir, ".hidden.json", "{}");
	snprintf(p, sizeof p, "%s/sub", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	write_str(p, "distributed_2024-05-01.json", "{\"benchmark_type\": null, "
		  "\"results\": [{\"name\": \"allreduce\", \"latency_ms\": 3}]}");
	return good;
}

/* A description of every file below dir (name, type, size, time, bytes
 * hash), to see that organize leaves its input alone. */
static void snapshot(const char *dir, struct bt_strbuf *out)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	char *names[128];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			assert_true(n < 128);
			names[n++] = strdup(e->d_name);
		}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (size_t i = 0; i < n; i++) {
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		struct stat sb;
		assert_int_equal(lstat(p, &sb), 0);
		uint64_t h = 0;
		if (S_ISREG(sb.st_mode) && sb.st_size < (1 << 20)) {
			size_t len = 0;
			char *data = slurp(p, &len);
			assert_non_null(data);
			h = bt__fnv1a(BT__FNV_INIT, data, len);
			free(data);
		}
		bt_strbuf_addf(out, "%s %o %lld %lld.%09ld %016llx\n", p,
			       (unsigned)sb.st_mode, (long long)sb.st_size,
			       (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
			       (unsigned long long)h);
		if (S_ISDIR(sb.st_mode))
			snapshot(p, out);
		free(names[i]);
	}
}

/* --- notes --------------------------------------------------------------- */

struct note {
	char what[16];
	char path[512];
	char detail[512];
};

struct notes {
	struct note v[128];
	size_t n;
};

static void collect(void *ud, const char *what, const char *path,
		    const char *detail)
{
	struct notes *ns = ud;
	assert_true(ns->n < 128);
	struct note *n = &ns->v[ns->n++];
	snprintf(n->what, sizeof n->what, "%s", what);
	snprintf(n->path, sizeof n->path, "%s", path);
	snprintf(n->detail, sizeof n->detail, "%s", detail ? detail : "");
}

/* The note of the file named name (exactly one). */
static const struct note *note_of(const struct notes *ns, const char *name)
{
	const struct note *found = NULL;
	size_t len = strlen(name);
	for (size_t i = 0; i < ns->n; i++) {
		size_t pl = strlen(ns->v[i].path);
		if (pl > len && ns->v[i].path[pl - len - 1] == '/' &&
		    strcmp(ns->v[i].path + pl - len, name) == 0) {
			if (found)
				fail_msg("two notes for %s", name);
			found = &ns->v[i];
		}
	}
	if (!found)
		fail_msg("no note for %s", name);
	return found;
}

static size_t count_what(const struct notes *ns, const char *what)
{
	size_t k = 0;
	for (size_t i = 0; i < ns->n; i++)
		k += strcmp(ns->v[i].what, what) == 0;
	return k;
}

/* --- expectations -------------------------------------------------------- */

static const struct {
	const char *file, *suite, *type, *timestamp, *commit, *format;
	int dirty;
	const char *fingerprint; /* NULL: 16 hex digits */
} want[] = {
	/* a zone word after the date goes with it from the suite name */
	{ "benchmark-long-sequences_20260301_120000_UTC.json",
	  "benchmark-long-sequences", "long-sequences", "2026-03-01T12:00:00Z",
	  "5d41402abc4b2a76b9719d911017c592ae4f1b2c",
	  "(seed metadata, date from the file name)", -1, NULL },
	{ "attention_ablation.json", "attention_ablation", "attention-ablation",
	  "2024-03-01T07:15:00Z", NULL, "(seed metadata)", -1, "unknown" },
	{ "hf_gpt2_latency_2024-04-10T08-30-00.json", "hf_gpt2_latency", "latency",
	  "2024-04-10T08:30:00Z", NULL,
	  "(HF benchmark_v2, date from the file name)", -1, "unknown" },
	{ "hf_llama_benchmark.json", "hf_llama_benchmark", "legacy",
	  "2025-01-15T10:30:45Z", "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
	  "(HF benchmark_v2)", -1, NULL },
	{ "long_seq_results_2024-02-05.json", "long_seq_results", "long-sequences",
	  "2024-02-05T00:00:00Z", "a1b2c3d",
	  "(seed metadata, date from the file name)", 1, NULL },
	{ MEMORY_FILE, "memory_benchmark", "memory", "2024-01-31T14:22:33Z",
	  "3f9c2a7d1e5b8c4a6f0d2e1b9a8c7d6e5f4a3b2c", "(seed metadata)", -1, NULL },
	{ "misc_results.json", "misc_results", "legacy", "2023-06-01T12:00:00Z",
	  NULL, "(seed metadata, date from the file time)", -1, "unknown" },
	{ "nightly_run.json", "attention", "comprehensive",
	  "2026-11-20T03:00:00.250Z", "ffeeddccbbaa99887766554433221100ffeeddcc",
	  "(benchtrack run)", 0, "0123456789abcdef" },
	{ "regression_20231215-080000.json", "regression", "regression",
	  "2023-12-15T08:00:00Z", "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
	  "(seed metadata)", -1, NULL },
};
#define N_WANT (sizeof want / sizeof *want)

static const struct bt_store_entry *entry_of(const struct bt_store_list *l,
					     const char *suite)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].suite && strcmp(l->items[i].suite, suite) == 0)
			return &l->items[i];
	fail_msg("no run of suite %s", suite);
	return NULL;
}

static int is_hex16(const char *s)
{
	return s && strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16;
}

static struct bt_store *open_store(const char *dir)
{
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_open(&st, dir, BT_STORE_CREATE, &err);
	if (rc)
		fail_msg("open %s: %s", dir, err.buf);
	bt_strbuf_release(&err);
	return st;
}

static int organize(struct bt_store *st, const char *src, int dry_run,
		    int recursive, struct notes *ns, size_t *placed,
		    size_t *skipped)
{
	struct bt_organize_opts o = { dry_run, recursive };
	struct bt_strbuf err = BT_STRBUF_INIT;
	memset(ns, 0, sizeof *ns);
	int rc = bt_store_organize(st, src, &o, collect, ns, placed, skipped, &err);
	if (rc)
		print_message("organize: %s\n", err.buf);
	bt_strbuf_release(&err);
	return rc;
}

static const struct bt_result *result_named(const struct bt_run *run,
					    const char *name)
{
	for (size_t i = 0; i < run->n_results; i++)
		if (strcmp(run->results[i].name, name) == 0)
			return &run->results[i];
	fail_msg("no result %s", name);
	return NULL;
}

static const char *param(const struct bt_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (strcmp(r->params[i].key, key) == 0)
			return r->params[i].value;
	return NULL;
}

/* --- tests --------------------------------------------------------------- */

static void test_organize_folder(void **state)
{
	(void)state;
	const char *in = fresh("in");
	const char *dir = fresh("store");
	size_t good = make_input(in);
	assert_int_equal(good, N_WANT);
	struct bt_strbuf before = BT_STRBUF_INIT, after = BT_STRBUF_INIT;
	snapshot(in, &before);

	struct bt_store *st = open_store(dir);
	struct notes ns;
	size_t placed, skipped;
	assert_int_equal(organize(st, in, 0, 0, &ns, &placed, &skipped), 0);
	assert_int_equal(placed, N_WANT);
	assert_int_equal(skipped, N_BAD);
	assert_int_equal(ns.n, N_WANT + N_BAD);
	assert_int_equal(count_what(&ns, "place"), N_WANT);

	/* every file's outcome */
	for (size_t i = 0; i < N_BAD; i++) {
		const struct note *n = note_of(&ns, bad[i].name);
		assert_string_equal(n->what, "skip");
		if (!strstr(n->detail, bad[i].reason))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].name, n->detail,
				 bad[i].reason);
	}
	assert_non_null(strstr(note_of(&ns, "zz_copy.json")->detail, MEMORY_FILE));
	for (size_t i = 0; i < N_WANT; i++) {
		const struct note *n = note_of(&ns, want[i].file);
		assert_string_equal(n->what, "place");
		char pre[128];
		snprintf(pre, sizeof pre, "-> by-type/%s/", want[i].type);
		assert_memory_equal(n->detail, pre, strlen(pre));
		if (!strstr(n->detail, want[i].format))
			fail_msg("%s: \"%s\" lacks \"%s\"", want[i].file, n->detail,
				 want[i].format);
	}
	/* notes come in name order */
	for (size_t i = 1; i < ns.n; i++)
		assert_true(strcmp(ns.v[i - 1].path, ns.v[i].path) < 0);

	/* the runs in the index */
	struct bt_store_list l;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_store_query(st, NULL, &l, &err), 0);
	assert_int_equal(l.n, N_WANT);
	for (size_t i = 0; i < N_WANT; i++) {
		const struct bt_store_entry *e = entry_of(&l, want[i].suite);
		assert_string_equal(e->type, want[i].type);
		assert_string_equal(e->timestamp, want[i].timestamp);
		if (want[i].commit)
			assert_string_equal(e->commit, want[i].commit);
		else
			assert_null(e->commit);
		assert_int_equal(e->dirty, want[i].dirty);
		if (want[i].fingerprint)
			assert_string_equal(e->fingerprint, want[i].fingerprint);
		else
			assert_true(is_hex16(e->fingerprint));
		assert_int_equal(strlen(e->run_id), 32);
		/* the note names the run's directory */
		const struct note *n = note_of(&ns, want[i].file);
		char d[64];
		snprintf(d, sizeof d, "-UTC-%.8s (", e->run_id);
		assert_non_null(strstr(n->detail, d));
		/* the original, byte for byte, in archive/legacy */
		char a[1024], o[1024];
		snprintf(a, sizeof a, "%s/archive/legacy/%s", dir, want[i].file);
		snprintf(o, sizeof o, "%s/%s", in, want[i].file);
		size_t la, lo;
		char *da = slurp(a, &la), *dor = slurp(o, &lo);
		assert_non_null(da);
		assert_non_null(dor);
		assert_int_equal(la, lo);
		assert_memory_equal(da, dor, la);
		free(da);
		free(dor);
	}
	bt_store_list_release(&l);
	for (size_t i = 0; i < N_BAD; i++) {
		char a[1024];
		struct stat sb;
		snprintf(a, sizeof a, "%s/archive/legacy/%s", dir, bad[i].name);
		assert_int_not_equal(lstat(a, &sb), 0);
	}

	/* the input is as it was */
	snapshot(in, &after);
	assert_string_equal(before.buf, after.buf);

	/* a second organize places nothing new */
	size_t placed2, skipped2;
	assert_int_equal(organize(st, in, 0, 0, &ns, &placed2, &skipped2), 0);
	assert_int_equal(placed2, 0);
	assert_int_equal(skipped2, N_WANT + N_BAD);
	for (size_t i = 0; i < N_WANT; i++) {
		const struct note *n = note_of(&ns, want[i].file);
		assert_string_equal(n->what, "skip");
		assert_memory_equal(n->detail, "already in the store as ", 24);
	}
	/* the duplicate is still a duplicate */
	assert_non_null(strstr(note_of(&ns, "zz_copy.json")->detail, "duplicate of "));
	assert_int_equal(bt_store_query(st, NULL, &l, &err), 0);
	assert_int_equal(l.n, N_WANT);
	bt_store_list_release(&l);
	char a[1024];
	snprintf(a, sizeof a, "%s/archive/legacy", dir);
	DIR *d = opendir(a);
	assert_non_null(d);
	size_t n_arch = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n_arch += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n_arch, N_WANT);
	bt_strbuf_reset(&after);
	snapshot(in, &after);
	assert_string_equal(before.buf, after.buf);

	bt_strbuf_release(&before);
	bt_strbuf_release(&after);
	bt_strbuf_release(&err);
	bt_store_close(st);
}

/* Loads the run of suite into run (initialised). */
static void load_suite(struct bt_store *st, const char *suite, struct bt_run *run)
{
	struct bt_store_list l;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_store_query(st, NULL, &l, &err), 0);
	const struct bt_store_entry *e = entry_of(&l, suite);
	assert_int_equal(bt_run_init(run), 0);
	int rc = bt_store_load(st, e->run_id, run, &err);
	if (rc)
		fail_msg("load %s: %s", suite, err.buf);
	bt_store_list_release(&l);
	bt_strbuf_release(&err);
}

static void assert_near(double got, double want)
{
	if (!(fabs(got - want) <= 1e-12 * fabs(want)))
		fail_msg("got %.17g, want %.17g", got, want);
}

static void test_conversions(void **state)
{
	(void)state;
	const char *in = fresh("in");
	const char *dir = fresh("store");
	copy_fixtures(in);
	struct bt_store *st = open_store(dir);
	struct notes ns;
	size_t placed, skipped;
	assert_int_equal(organize(st, in, 0, 0, &ns, &placed, &skipped), 0);
	assert_int_equal(skipped, 0);
	struct bt_run run;

	/* seed metadata, results as an array; statistics from key names */
	load_suite(st, "memory_benchmark", &run);
	assert_int_equal(run.n_results, 2);
	const struct bt_result *r = result_named(&run, "naive");
	assert_string_equal(r->variant, "default");
	assert_string_equal(param(r, "seq_len"), "4096");
	assert_string_equal(param(r, "batch_size"), "4");
	assert_string_equal(param(r, "dtype"), "float16");
	assert_null(param(r, "warmup"));   /* run config, not identity */
	assert_null(param(r, "iterations"));
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_true(r->n_metrics >= 1);
	const struct bt_metric *m = &r->metrics[0];
	assert_string_equal(m->name, "time");
	assert_string_equal(m->unit, "s");
	assert_int_equal(m->direction, BT_LOWER_IS_BETTER);
	assert_int_equal(m->n_samples, 1);
	assert_int_equal(m->stats.n, 1);
	assert_near(m->samples[0], 0.0121);
	assert_near(m->stats.median, 0.0121);
	assert_near(m->stats.mean, 0.0123);
	assert_near(m->stats.std, 0.0004);
	assert_near(m->stats.min, 0.0118);
	assert_near(m->stats.max, 0.0135);
	assert_true(isnan(m->stats.p99));
	assert_int_equal(r->peak_memory_bytes, (int64_t)2048 << 20);
	assert_int_equal(r->n_counters, 1);
	assert_string_equal(r->counters[0].name, "peak_memory_mb");
	assert_true(r->series_key && strlen(r->series_key) == 16);
	r = result_named(&run, "flash");
	m = bt_result_metric(r, "tokens_per_second");
	assert_non_null(m);
	assert_int_equal(m->direction, BT_HIGHER_IS_BETTER);
	assert_string_equal(m->unit, "tokens/s");
	assert_string_equal(r->throughput.unit, "tokens/s");
	assert_near(r->throughput.value, 5120000);
	assert_string_not_equal(run.results[0].series_key, run.results[1].series_key);
	assert_string_equal(run.machine.name, "gpu-node-07");
	assert_string_equal(run.machine.cpu_model, "AMD EPYC 7763 64-Core Processor");
	assert_int_equal(run.machine.cpu_cores, 128);
	assert_int_equal(run.machine.memory_bytes, (int64_t)512 << 30);
	assert_int_equal(run.machine.n_gpus, 2);
	assert_string_equal(run.machine.gpus[1].name, "NVIDIA A100-SXM4-80GB");
	assert_int_equal(run.machine.gpus[1].memory_bytes, (int64_t)80 << 30);
	assert_int_equal(run.config.warmup_iterations, 3);
	assert_int_equal(run.config.measurement_iterations, 20);
	assert_int_equal(run.config.n_params, 5);
	assert_string_equal(run.config.params[0], "batch_size=4");
	bt_run_release(&run);

	/* a GPU's memory_gb (after the GPU's keys) is the GPU's, not the
	 * host's; a legacy "oom" stays oom, an error beside it too */
	load_suite(st, "benchmark-long-sequences", &run);
	assert_int_equal(run.n_results, 3);
	assert_int_equal(run.machine.memory_bytes, -1);
	assert_int_equal(run.machine.n_gpus, 1);
	assert_string_equal(run.machine.gpus[0].name, "NVIDIA H100 80GB HBM3");
	assert_int_equal(run.machine.gpus[0].memory_bytes, (int64_t)80 << 30);
	assert_string_equal(run.machine.cpu_model, "AMD EPYC 9654 96-Core Processor");
	assert_int_equal(result_named(&run, "dilated")->status, BT_STATUS_OK);
	r = result_named(&run, "naive");
	assert_int_equal(r->status, BT_STATUS_OOM);
	assert_string_equal(r->message, "CUDA out of memory. Tried to allocate 256.00 GiB");
	r = result_named(&run, "tiled");
	assert_int_equal(r->status, BT_STATUS_OOM);
	assert_string_equal(r->message, "kernel launch failed");
	bt_run_release(&run);

	/* seed metadata, results keyed by name, raw samples in ms */
	load_suite(st, "long_seq_results", &run);
	assert_int_equal(run.n_results, 2);
	r = result_named(&run, "dilated");
	m = bt_result_metric(r, "time");
	assert_non_null(m);
	assert_int_equal(m->n_samples, 5);
	assert_near(m->samples[0], 0.0401);
	assert_near(m->stats.median, 0.0402);
	assert_string_equal(param(r, "seq_len"), "65536");
	assert_string_equal(param(r, "segment_lengths"), "2048,4096");
	assert_string_equal(param(r, "batch_size"), "1");
	assert_non_null(result_named(&run, "tiled"));
	assert_int_equal(run.git.dirty, 1);
	assert_int_equal(run.machine.cpu_cores, 112);
	assert_int_equal(run.machine.n_gpus, 1);
	assert_int_equal(run.machine.gpus[0].memory_bytes, (int64_t)81559 << 20);
	bt_run_release(&run);

	/* HF benchmark_v2: one result per scenario */
	load_suite(st, "hf_llama_benchmark", &run);
	assert_int_equal(run.n_results, 2);
	r = result_named(&run, "eager_variant");
	assert_string_equal(param(r, "model"), "meta-llama/Llama-2-7b-hf");
	assert_string_equal(param(r, "variant"), "eager");
	assert_string_equal(param(r, "attn_implementation"), "sdpa");
	assert_string_equal(param(r, "batch_size"), "1");
	assert_null(param(r, "sequence_length")); /* null */
	assert_null(param(r, "name"));
	assert_null(param(r, "model_id"));
	assert_null(param(r, "warmup_iterations"));
	assert_string_equal(r->metrics[0].name, "time");
	assert_int_equal(r->metrics[0].n_samples, 5);
	assert_near(r->metrics[0].samples[3], 2.52);
	m = bt_result_metric(r, "time_to_first_token");
	assert_non_null(m);
	assert_near(m->stats.mean, 0.15);
	assert_near(m->stats.median, 0.149);
	m = bt_result_metric(r, "tokens_per_second");
	assert_non_null(m);
	assert_int_equal(m->direction, BT_HIGHER_IS_BETTER);
	assert_int_equal(m->n_samples, 5);
	assert_int_equal(r->n_counters, 2);
	assert_string_equal(r->counters[0].name, "gpu_utilization_mean");
	r = result_named(&run, "compiled_variant");
	assert_string_equal(param(r, "compile_mode"), "max-autotune");
	assert_near(bt_result_metric(r, "time")->stats.mean, 1.61);
	assert_string_equal(run.machine.gpus[0].name, "NVIDIA A100-SXM4-40GB");
	assert_int_equal(run.machine.gpus[0].memory_bytes, (int64_t)40960 << 20);
	assert_int_equal(run.machine.memory_bytes, (int64_t)257000 << 20);
	assert_int_equal(run.machine.cpu_cores, 64);
	assert_int_equal(run.config.warmup_iterations, 3);
	assert_int_equal(run.config.measurement_iterations, 5);
	bt_run_release(&run);

	/* HF with plain numbers under "metrics" */
	load_suite(st, "hf_gpt2_latency", &run);
	assert_int_equal(run.n_results, 1);
	r = &run.results[0];
	assert_string_equal(r->name, "greedy");
	assert_near(bt_result_metric(r, "time")->samples[0], 0.0215);
	assert_near(bt_result_metric(r, "time_to_first_token")->samples[0], 0.0042);
	assert_near(bt_result_metric(r, "peak_memory")->samples[0], 612.0 * 1048576);
	bt_run_release(&run);

	/* failures, microseconds, GFLOP/s */
	load_suite(st, "regression", &run);
	r = result_named(&run, "matmul_fp32");
	assert_string_equal(param(r, "n"), "1024");
	assert_near(bt_result_metric(r, "time")->samples[0], 0.0008505);
	assert_string_equal(bt_result_metric(r, "throughput_gflops")->unit, "GFLOP/s");
	r = result_named(&run, "matmul_fp16");
	assert_int_equal(r->status, BT_STATUS_FAILED);
	assert_string_equal(r->message, "out of device memory");
	assert_int_equal(r->n_metrics, 0);
	assert_string_equal(run.machine.cpu_model, "Apple M2 Max");
	assert_int_equal(run.machine.memory_bytes, (int64_t)64 << 30);
	bt_run_release(&run);

	/* one flat result object, no hardware, a commit that is no hash */
	load_suite(st, "attention_ablation", &run);
	assert_int_equal(run.n_results, 1);
	r = &run.results[0];
	assert_string_equal(param(r, "pattern_cache"), "true");
	assert_string_equal(param(r, "memory_pool"), "false");
	assert_string_equal(param(r, "seq_len"), "8192");
	assert_near(r->metrics[0].stats.mean, 0.0213);
	assert_near(r->metrics[0].stats.p99, 0.0251);
	assert_string_equal(r->counters[0].name, "speedup");
	assert_null(run.git.commit);
	assert_string_equal(run.machine.fingerprint, "unknown");
	bt_run_release(&run);

	/* a benchtrack run keeps its id and timestamp */
	load_suite(st, "attention", &run);
	assert_string_equal(run.run_id, "5e1f0c2a9b7d4e3f8a6c1b0d2e4f6a8c");
	assert_string_equal(run.timestamp, "2026-11-20T03:00:00.250Z");
	assert_string_equal(run.git.branch, "main");
	bt_run_release(&run);
	bt_store_close(st);
}

static void test_dry_run(void **state)
{
	(void)state;
	const char *in = fresh("in");
	const char *dir = fresh("store");
	make_input(in);
	struct notes ns;
	size_t placed, skipped;
	struct stat sb;

	/* no store yet: nothing is created */
	assert_int_equal(organize(NULL, in, 1, 0, &ns, &placed, &skipped), 0);
	assert_int_equal(placed, N_WANT);
	assert_int_equal(skipped, N_BAD);
	assert_int_equal(count_what(&ns, "would place"), N_WANT);
	assert_int_equal(count_what(&ns, "place"), 0);
	assert_string_equal(note_of(&ns, "empty.json")->detail, "empty file");
	assert_non_null(strstr(note_of(&ns, "zz_copy.json")->detail, "duplicate of "));
	assert_int_not_equal(stat(dir, &sb), 0);

	/* an empty store stays empty */
	struct bt_store *st = open_store(dir);
	assert_int_equal(organize(st, in, 1, 0, &ns, &placed, &skipped), 0);
	assert_int_equal(placed, N_WANT);
	struct bt_store_list l;
	assert_int_equal(bt_store_query(st, NULL, &l, NULL), 0);
	assert_int_equal(l.n, 0);
	bt_store_list_release(&l);
	char p[1024];
	snprintf(p, sizeof p, "%s/by-type", dir);
	assert_int_not_equal(stat(p, &sb), 0);
	snprintf(p, sizeof p, "%s/archive", dir);
	assert_int_not_equal(stat(p, &sb), 0);

	/* after the real thing, the plan is empty */
	assert_int_equal(organize(st, in, 0, 0, &ns, &placed, &skipped), 0);
	assert_int_equal(placed, N_WANT);
	assert_int_equal(organize(st, in, 1, 0, &ns, &placed, &skipped), 0);
	assert_int_equal(placed, 0);
	assert_int_equal(skipped, N_WANT + N_BAD);
	assert_memory_equal(note_of(&ns, MEMORY_FILE)->detail,
			    "already in the store as ", 24);

	/* errors */
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_organize_opts o = { 0, 0 };
	assert_int_equal(bt_store_organize(NULL, in, &o, NULL, NULL, NULL, NULL, &err),
			 BT_EINVAL);
	snprintf(p, sizeof p, "%s/nosuch", tmpdir);
	assert_int_equal(bt_store_organize(st, p, &o, NULL, NULL, NULL, NULL, &err),
			 BT_ENOTFOUND);
	assert_non_null(strstr(err.buf, "nosuch"));
	snprintf(p, sizeof p, "%s/%s", in, MEMORY_FILE);
	assert_int_equal(bt_store_organize(st, p, &o, NULL, NULL, NULL, NULL, &err),
			 BT_EINVAL);
	bt_strbuf_release(&err);
	bt_store_close(st);
}

static void test_recursive(void **state)
{
	(void)state;
	const char *in = fresh("in");
	char p[2048], store[1024];
	assert_int_equal(bt__mkdir_p(in, NULL), 0);
	const char *subs[] = { "a", "b", "memory", "deep/er" };
	const char *row = "{\"benchmark_type\": null, \"timestamp\": \"2024-05-01\", "
			  "\"results\": [{\"name\": \"%s\", \"latency_ms\": 3}]}";
	/* one file in each folder: its name and the result it holds */
	const char *files[][2] = { { "x.json", "a" }, { "x.json", "b" },
				   { "y.json", "m" },
				   { "distributed_run.json", "d" } };
	char body[256];
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", in, subs[i]);
		assert_int_equal(bt__mkdir_p(p, NULL), 0);
		snprintf(body, sizeof body, row, files[i][1]);
		write_str(p, files[i][0], body);
	}
	/* the store inside the input is not walked */
	snprintf(store, sizeof store, "%s/store", in);
	struct bt_store *st = open_store(store);
	struct notes ns;
	size_t placed, skipped;

	assert_int_equal(organize(st, in, 0, 0, &ns, &placed, &skipped), 0);
	assert_int_equal(placed + skipped, 0);

	assert_int_equal(organize(st, in, 0, 1, &ns, &placed, &skipped), 0);
	assert_int_equal(placed, 4);
	assert_int_equal(skipped, 0);
	for (size_t i = 0; i < ns.n; i++)
		assert_null(strstr(ns.v[i].path, "/store/"));
	/* depth first, in name order */
	assert_non_null(strstr(ns.v[0].path, "/a/x.json"));
	assert_non_null(strstr(ns.v[1].path, "/b/x.json"));
	assert_non_null(strstr(ns.v[2].path, "/deep/er/distributed_run.json"));
	assert_non_null(strstr(ns.v[3].path, "/memory/y.json"));
	/* types from the path below the input */
	assert_memory_equal(ns.v[0].detail, "-> by-type/legacy/", 18);
	assert_memory_equal(ns.v[2].detail, "-> by-type/distributed/", 23);
	assert_memory_equal(ns.v[3].detail, "-> by-type/memory/", 18);
	/* two originals of one name */
	size_t la, lb;
	snprintf(p, sizeof p, "%s/archive/legacy/x.json", store);
	char *a = slurp(p, &la);
	snprintf(p, sizeof p, "%s/archive/legacy/x.2.json", store);
	char *b = slurp(p, &lb);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(strstr(a, "\"a\""));
	assert_non_null(strstr(b, "\"b\""));
	free(a);
	free(b);
	snprintf(p, sizeof p, "%s/archive/legacy/distributed_run.json", store);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);

	/* again: nothing new, no third copy */
	assert_int_equal(organize(st, in, 0, 1, &ns, &placed, &skipped), 0);
	assert_int_equal(placed, 0);
	assert_int_equal(skipped, 4);
	snprintf(p, sizeof p, "%s/archive/legacy/x.3.json", store);
	assert_int_not_equal(stat(p, &sb), 0);
	bt_store_close(st);
}

/* Dates from the content, from file names, and from the file time. */
static void test_dates(void **state)
{
	(void)state;
	static const struct {
		const char *file, *ts_json, *want;
	} cases[] = {
		{ "c1.json", "\"2024-01-31T14:22:33Z\"", "2024-01-31T14:22:33Z" },
		{ "c2.json", "\"2024-01-31T14:22:33.5+05:30\"", "2024-01-31T08:52:33Z" },
		{ "c3.json", "1706711000000", "2024-01-31T14:23:20Z" },
		{ "c4.json", "\"20240131_142233\"", "2024-01-31T14:22:33Z" },
		{ "c5.json", "\"2024-01-31 14:22\"", "2024-01-31T14:22:00Z" },
		{ "c6.json", "\"1706711000\"", "2024-01-31T14:23:20Z" },
		{ "c7_2024-02-29.json", "\"last tuesday\"", "2024-02-29T00:00:00Z" },
		{ "c8.json", "\"2024-01-31T14:22:33-0800\"", "2024-01-31T22:22:33Z" },
		{ "n1_20240131_142233.json", NULL, "2024-01-31T14:22:33Z" },
		{ "n2_2024-01-31T14-22-33.json", NULL, "2024-01-31T14:22:33Z" },
		{ "n3_2024-01-31.json", NULL, "2024-01-31T00:00:00Z" },
		{ "n4_20240131-1422.json", NULL, "2024-01-31T14:22:00Z" },
		{ "n5_2024_01_31.json", NULL, "2024-01-31T00:00:00Z" },
		{ "n6_2023-02-29.json", NULL, "2023-06-01T12:00:00Z" },
		{ "n7_v12345678.json", NULL, "2023-06-01T12:00:00Z" },
		{ "n8_202401311422339.json", NULL, "2023-06-01T12:00:00Z" },
		{ "n9_20240131142233.json", NULL, "2024-01-31T14:22:33Z" },
		{ "n10_2024-13-01.json", NULL, "2023-06-01T12:00:00Z" },
	};
	const size_t n = sizeof cases / sizeof *cases;
	const char *in = fresh("in");
	const char *dir = fresh("store");
	assert_int_equal(bt__mkdir_p(in, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		char body[512];
		snprintf(body, sizeof body, "{\"benchmark_type\": \"dates\", %s%s%s"
			 "\"results\": [{\"name\": \"case%zu\", \"mean_ms\": 1}]}",
			 cases[i].ts_json ? "\"timestamp\": " : "",
			 cases[i].ts_json ? cases[i].ts_json : "",
			 cases[i].ts_json ? ", " : "", i);
		write_str(in, cases[i].file, body);
		set_mtime(in, cases[i].file, 1685620800);
	}
	struct bt_store *st = open_store(dir);
	struct notes ns;
	size_t placed, skipped;
	assert_int_equal(organize(st, in, 0, 0, &ns, &placed, &skipped), 0);
	assert_int_equal(placed, n);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "case%zu", i);
		struct bt_store_filter f = { .benchmark = name };
		struct bt_store_list l;
		assert_int_equal(bt_store_query(st, &f, &l, NULL), 0);
		assert_int_equal(l.n, 1);
		if (strcmp(l.items[0].timestamp, cases[i].want))
			fail_msg("%s: %s, want %s", cases[i].file, l.items[0].timestamp,
				 cases[i].want);
		bt_store_list_release(&l);
	}
	/* the date leaves the suite name: one series across the files */
	struct bt_run run;
	load_suite(st, "n1", &run);
	bt_run_release(&run);
	bt_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_organize_folder),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_recursive),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
