/* Tests of the run scanner (lib/result/json_scan.c), the run file reader and
 * the schema table (lib/result/schema.c); split from test_json.c. */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "internal.h"
#include "result/json_scan.h"
#include "result/schema.h"
#include "helpers.h"
#include "json_fixture.h"

static void accepts(const char *t, size_t len)
{
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_init(&run), 0);
	int rc = bt_run_from_json(&run, t, len, "ok.json", &err);
	if (rc)
		fail_msg("strict reader: %s", bt_strbuf_str(&err));
	if (scan_agrees(t, len, rc, &run))
		fail_msg("the fast reader refuses: %.*s",
			 (int)(len < 400 ? len : 400), t);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* One valid run with what is put at @ (a member of its first result) */
static char *doc_with(const char *member)
{
	static const char head[] =
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		"\"timestamp\":\"t\",\"suite\":\"s\",\"results\":[{\"name\":"
		"\"a\",\"status\":\"ok\",\"metrics\":{\"time\":{\"samples\":"
		"[1,2]}}";
	size_t n = strlen(head) + strlen(member) + 8;
	char *t = malloc(n);
	snprintf(t, n, "%s%s%s}]}", head, *member ? "," : "", member);
	return t;
}

static void test_scan_same_run(void **state)
{
	(void)state;
	struct bt_run a;
	build_run(&a);
	for (int pretty = 0; pretty < 2; pretty++) {
		char *t = to_text(&a, pretty);
		accepts(t, strlen(t));
		free(t);
	}
	bt_run_release(&a);

	/* strings, numbers and shapes the writer does not make */
	static const char *const members[] = {
		"",
		"\"message\":\"\\u00e9\\u4e2d\\ud83d\\ude00 \\\"q\\\" \\\\ \\/"
		" \\b\\f\\n\\r\\t\"",
		"\"message\":\"raw \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \x7f\"",
		"\"params\":{\"z\":\"1\",\"\\u0061\":\"2\",\"b\\u00e9\":\"\"}",
		"\"counters\":{\"x\":-0,\"y\":1e-400,\"z\":-2.5E+3,\"w\":null,"
		"\"v\":9223372036854775807,\"u\":-9223372036854775808,"
		"\"t\":1.7976931348623157e308,\"s\":0.000001e310,"
		"\"r\":123456789012345678901234567890.5}",
		"\"iterations_per_sample\":\"18446744073709551615\"",
		"\"iterations_per_sample\":9223372036854775807",
		"\"version\":-2147483648,\"peak_memory_bytes\":null,"
		"\"memory_bytes\":0",
		"\"future\":{\"a\":[[],{},[{\"b\":[null,true,false,\"x\"]}]],"
		"\"big\":[1e308,-1e308,12345678901234567890e-5,"
		"-9223372036854775808]}",
		"\"validation\":{\"passed\":null,\"max_rel_err\":null},"
		"\"adaptive\":{\"param\":\"n\",\"retries\":3,\"x\":{}},"
		"\"cpu\":null,\"ctx_switches\":{\"voluntary\":null}",
		"\"throughput\":{\"value\":5,\"unit\":\"B/s\"},"
		"\"options\":[\"x\",null,\"y\"],\"group\":null,"
		"\"type\":\"t\",\"variant\":\"v\",\"series_key\":\"0689e121cd67e5f7\"",
	};
	for (size_t i = 0; i < sizeof members / sizeof *members; i++) {
		char *t = doc_with(members[i]);
		accepts(t, strlen(t));
		free(t);
	}
	/* metrics in document order but time first; samples with nulls;
	 * machine, config and build in full */
	const char *t =
		"\n\t{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		"\"timestamp\":\"t\",\"suite\":\"s\",\"benchmark_type\":null,"
		"\"duration_s\":null,\"git\":{\"dirty\":null,\"commit\":\"c\"},"
		"\"machine\":{\"name\":\"m\",\"cpu\":{\"model\":\"x\",\"cores\":"
		"4,\"cache\":{\"l1d\":1,\"l2\":null,\"l3\":3},\"mhz\":2.5},"
		"\"gpus\":[{\"name\":\"g\",\"memory_bytes\":8},{}],"
		"\"memory_bytes\":5},\"build\":{\"optimized\":null,\"flags\":"
		"\"-O2\"},\"config\":{\"seed\":\"18446744073709551615\","
		"\"params\":[\"a=1\",null],\"isolate\":true,\"quick\":null,"
		"\"timer\":{\"clock\":\"c\",\"resolution_s\":1e-9}},"
		"\"results\":[{\"name\":\"a\",\"status\":\"failed\",\"metrics\":"
		"{\"mem\":{\"unit\":\"B\",\"direction\":\"higher\"},\"time\":{"
		"\"samples\":[1,null,2.5e-3],\"stats\":{\"n\":3,\"median\":null,"
		"\"mean\":1.5,\"outliers\":0}},\"x\":{\"samples\":null,\"stats\":"
		"null,\"direction\":null}}},{\"name\":\"b\",\"status\":\"ok\","
		"\"metrics\":{}}]}\r\n ";
	accepts(t, strlen(t));
}

/* What the strict reader refuses the fast one refuses (parse_text checks
 * that on every text of this file; these aim at its own code). */
static void test_scan_refuses(void **state)
{
	(void)state;
	static const char *const members[] = {
		"\"message\":\"\\ud83d\"",         /* lone high surrogate */
		"\"message\":\"\\ude00\"",         /* lone low surrogate */
		"\"message\":\"\\ud83d\\u0041\"",  /* not a low surrogate */
		"\"message\":\"\\u00\"",
		"\"message\":\"\\u0000\"",
		"\"future\":\"\\u0000\"",
		"\"fu\\u0000ture\":1",
		"\"message\":\"\\x\"",
		"\"message\":\"a\tb\"",
		"\"future\":\"\xc3\"",             /* truncated UTF-8 */
		"\"future\":\"\xed\xa0\x80\"",     /* encoded surrogate */
		"\"future\":\"\xc0\xaf\"",         /* overlong */
		"\"future\":\"\xf4\x90\x80\x80\"", /* above U+10FFFF */
		"\"message\":\"x\",\"m\\u0065ssage\":\"y\"", /* duplicate */
		"\"future\":1,\"fut\\u0075re\":2",  /* duplicate unknown key */
		"\"wall_s\":1,\"group\":null,\"wall_s\":2",
		"\"future\":{\"a\":1,\"\\u0061\":2}",
		"\"future\":[1e309]",
		"\"future\":-1e309",
		"\"future\":9223372036854775808",
		"\"future\":-9223372036854775809",
		"\"future\":01",
		"\"future\":-",
		"\"future\":1.",
		"\"future\":.5",
		"\"future\":1e",
		"\"future\":+1",
		"\"future\":[1,]",
		"\"future\":{\"a\":1,}",
		"\"future\":tru",
		"\"future\":nul",
		"\"future\":NaN",
		"\"future\":Infinity",
		"\"future\":[1 2]",
		"\"version\":1.0",
		"\"version\":2147483648",
		"\"peak_memory_bytes\":1.5",
		"\"iterations_per_sample\":-1",
		"\"iterations_per_sample\":\"18446744073709551616\"",
		"\"iterations_per_sample\":\"\"",
		"\"params\":{\"a\":1}",
		"\"params\":{\"a\":null}",
		"\"params\":[]",
		"\"options\":[1]",
		"\"counters\":{\"a\":\"1\"}",
		"\"status\":\"ok\"",
		"\"name\":null",
		"\"validation\":{\"passed\":1}",
		"\"throughput\":[]",
		"\"metrics\":null",
	};
	for (size_t i = 0; i < sizeof members / sizeof *members; i++) {
		char *t = doc_with(members[i]);
		const char *msg;
		int rc = parse_text(t, strlen(t), "x.json", &msg);
		if (rc == 0)
			fail_msg("member %zu accepted: %s", i, members[i]);
		free(t);
	}
	/* samples that are not numbers */
	static const char *const runs[] = {
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[{\"name\":\"a\",\"status\":"
		"\"ok\",\"metrics\":{\"time\":{\"samples\":[1,\"2\"]}}}]}",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[{\"name\":\"a\",\"status\":"
		"\"ok\",\"metrics\":{\"time\":{\"samples\":[1,[]]}}}]}",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[{\"name\":\"a\",\"status\":"
		"\"ok\",\"metrics\":{\"time\":{\"samples\":{}}}}]}",
		"{\"schema\":\"benchtrack.run/2\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[]}",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\"}",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[]} x",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[]}\0",
		"\xef\xbb\xbf{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		"\"timestamp\":\"t\",\"suite\":\"s\",\"results\":[]}",
	};
	for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
		const char *msg;
		size_t len = strlen(runs[i]) + (i == 6); /* with its NUL */
		if (parse_text(runs[i], len, "x.json", &msg) == 0)
			fail_msg("run %zu accepted", i);
	}
	/* deep nesting in an unknown member: refused by both or accepted
	 * by both with the same run (parse_text) */
	for (size_t depth = 10; depth <= 4000; depth *= 4) {
		char *deep = malloc(2 * depth + 16);
		memset(deep, '[', depth);
		memset(deep + depth, ']', depth);
		memcpy(deep + 2 * depth, "", 1);
		size_t n = strlen("\"future\":") + 2 * depth + 1;
		char *m = malloc(n);
		snprintf(m, n, "\"future\":%s", deep);
		char *t = doc_with(m);
		parse_text(t, strlen(t), "x.json", NULL);
		free(t);
		free(m);
		free(deep);
	}
}

/* The fixture files: the same verdict, and the same run for a run. */
static void scan_fixture(const char *path)
{
	char *data;
	size_t len;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt__read_file(path, (size_t)1 << 28, &data, &len,
				       &err), 0);
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	int rc = bt_run_from_json(&run, data, len, path, &err);
	int fast = scan_agrees(data, len, rc, &run);
	if (rc == 0 && fast != 0)
		fail_msg("%s: the fast reader refuses it", path);
	bt_run_release(&run);
	free(data);
	bt_strbuf_release(&err);
}

static void test_scan_fixtures(void **state)
{
	(void)state;
	static const char *const files[] = {
		"run-faults.json", "stats-reference.json",
		"legacy/attention_ablation.json",
		"legacy/hf_gpt2_latency_2024-04-10T08-30-00.json",
		"legacy/hf_llama_benchmark.json",
		"legacy/long_seq_results_2024-02-05.json",
		"legacy/memory_benchmark_20240131_142233.json",
		"legacy/nightly_run.json",
		"legacy/regression_20231215-080000.json",
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/tests/fixtures/%s",
			 BT_SOURCE_DIR, files[i]);
		if (access(path, R_OK) == 0)
			scan_fixture(path);
	}
}

/* Generated runs: random names, params, messages (with escapes and
 * non-ASCII text) and numbers, written by the writer. */
static void test_scan_generated(void **state)
{
	(void)state;
	static const char *const words[] = {
		"a", "\xc3\xa9t\xc3\xa9", "q\"uote", "back\\slash", "tab\there",
		"nl\nx", "\xf0\x9f\x98\x80", "\x01\x1f", "/", "time", "k=v;x",
	};
	size_t nw = sizeof words / sizeof *words;
	for (int iter = 0; iter < 60; iter++) {
		struct bt_run a;
		build_run(&a);
		for (size_t i = 0; i < a.n_results; i++) {
			struct bt_result *r = &a.results[i];
			r->message = words[rng() % nw];
			r->variant = words[rng() % nw];
			r->series_key = r->series_key ? key_of(&a, r) : NULL;
			for (size_t j = 0; j < r->n_metrics; j++) {
				struct bt_metric *m = &r->metrics[j];
				union { uint64_t u; double d; } x;
				do
					x.u = rng();
				while (!isfinite(x.d));
				m->stats.mean = x.d;
				m->stats.median = (double)(int64_t)rng();
				m->stats.std = ldexp((double)(rng() >> 11),
						     (int)(rng() % 2000) - 1100);
				for (size_t k = 0; k < m->n_samples; k++)
					m->samples[k] = (double)(rng() % 1000) *
							1e-7;
			}
			r->iterations_per_sample = rng();
		}
		a.config.seed = rng();
		char *t = to_text(&a, iter & 1);
		accepts(t, strlen(t));
		free(t);
		bt_run_release(&a);
	}
}

/* bt__run_read_file_summary: the fast reader when it can; otherwise the
 * strict reader's verdict and message, word for word. */
static void test_scan_read_file(void **state)
{
	(void)state;
	char *full = built_text(1);
	size_t len = strlen(full);
	const char *path = tmppath("scan.json");
	struct bt_strbuf e1 = BT_STRBUF_INIT, e2 = BT_STRBUF_INIT;

	/* a good file: the run without samples */
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(full, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	struct bt_run b, c;
	assert_int_equal(bt_run_init(&b), 0);
	assert_int_equal(bt__run_read_file_summary(&b, path, &e1), 0);
	assert_int_equal(bt_run_init(&c), 0);
	assert_int_equal(bt_run_read_file(&c, path, &e2), 0);
	for (size_t i = 0; i < c.n_results; i++)
		for (size_t j = 0; j < c.results[i].n_metrics; j++) {
			assert_null(b.results[i].metrics[j].samples);
			c.results[i].metrics[j].n_samples = 0;
		}
	run_eq(&c, &b);
	bt_run_release(&b);
	bt_run_release(&c);

	/* truncated, broken JSON and schema errors: the strict message */
	static const struct {
		const char *from, *to;
	} edits[] = {
		{ NULL, NULL },                       /* truncated */
		{ "\"median\": ", "\"median\": \"x\", \"m\": " },
		{ "\"status\": \"ok\"", "\"status\": \"fine\"" },
		{ "\"name\": \"", "\"name\": 1, \"n\": \"" },
		{ "\"schema\": \"benchtrack.run/1\"", "\"schema\": \"x\"" },
		{ "\"samples\": [", "\"samples\": [\"s\", " },
		{ "\"suite\": ", "\"suite\": \"\\ud800\", \"x\": " },
		{ "\"series_key\": \"", "\"series_key\": \"../" },
	};
	for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
		char *t;
		size_t tl;
		if (!edits[i].from) {
			t = strdup(full);
			tl = len / 2;
		} else {
			const char *at = strstr(full, edits[i].from);
			assert_non_null(at);
			size_t pre = (size_t)(at - full);
			tl = len - strlen(edits[i].from) + strlen(edits[i].to);
			t = malloc(tl + 1);
			memcpy(t, full, pre);
			strcpy(t + pre, edits[i].to);
			strcat(t, at + strlen(edits[i].from));
		}
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(t, 1, tl, f), tl);
		assert_int_equal(fclose(f), 0);
		free(t);
		bt_strbuf_reset(&e1);
		bt_strbuf_reset(&e2);
		assert_int_equal(bt_run_init(&b), 0);
		assert_int_equal(bt_run_init(&c), 0);
		int r1 = bt__run_read_file_summary(&b, path, &e1);
		int r2 = bt_run_read_file(&c, path, &e2);
		bt_run_release(&b);
		bt_run_release(&c);
		if (r2 == 0 || r1 != r2 ||
		    strcmp(bt_strbuf_str(&e1), bt_strbuf_str(&e2)))
			fail_msg("edit %zu: %d \"%s\" vs strict %d \"%s\"", i,
				 r1, bt_strbuf_str(&e1), r2,
				 bt_strbuf_str(&e2));
		/* the message names the file, and the field when it is one */
		assert_true(!strncmp(bt_strbuf_str(&e1), path, strlen(path)));
		if (i == 1)
			assert_non_null(strstr(bt_strbuf_str(&e1),
					       ".metrics.time.stats.median: "
					       "expected a number, got string"));
		if (i == sizeof edits / sizeof *edits - 1)
			assert_non_null(strstr(bt_strbuf_str(&e1),
					       ".series_key: expected 16 hex "
					       "digits"));
	}
	assert_int_equal(bt_run_init(&b), 0);
	assert_int_equal(bt__run_read_file_summary(&b, tmppath("none.json"),
						   &e1), BT_ENOTFOUND);
	bt_run_release(&b);
	bt_strbuf_release(&e1);
	bt_strbuf_release(&e2);
	free(full);
}

/* bt__read_file: the buffer is sized from fstat, so a file too large for
 * the cap is refused before anything is read (a sparse 1 GiB file with a
 * 512 MiB cap: no 512 MiB read into memory, which the doubling buffer did),
 * sizes around the old 4 KiB step read exactly, files with no size
 * (/proc) still grow the buffer up to the cap, and a FIFO is refused
 * without blocking. */
static void test_read_file_sizes(void **state)
{
	(void)state;
	char dir[256];
	assert_int_equal(bt_test_make_tmpdir(dir, sizeof dir, "bt_test_readfile"), 0);
	char path[512];
	snprintf(path, sizeof path, "%s/f", dir);
	static const size_t sizes[] = { 0, 1, 4094, 4095, 4096, 4097, 8191, 100001 };
	char *want = malloc(100001);
	assert_non_null(want);
	for (size_t i = 0; i < 100001; i++)
		want[i] = (char)('a' + i % 23);
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		size_t n = sizes[k];
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(want, 1, n, fp), n);
		assert_int_equal(fclose(fp), 0);
		char *data = NULL;
		size_t len = 99;
		assert_int_equal(bt__read_file(path, n, &data, &len, NULL), 0);
		assert_int_equal(len, n);
		assert_int_equal(data[n], '\0');
		assert_memory_equal(data, want, n);
		free(data);
		if (n > 0) {
			struct bt_strbuf err = BT_STRBUF_INIT;
			assert_int_equal(bt__read_file(path, n - 1, &data, &len, &err),
					 BT_ETOOBIG);
			assert_null(data);
			assert_non_null(strstr(bt_strbuf_str(&err), path));
			bt_strbuf_release(&err);
		}
	}
	/* no size: /proc and a FIFO fed by a child */
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(bt__read_file("/proc/self/status", 1 << 20, &data, &len, NULL), 0);
	assert_true(len > 0 && strstr(data, "Name:"));
	free(data);
	/* a FIFO is not read at all: no writer, and the open must not wait
	 * for one (a FIFO run.json in a store hung the dashboard); the
	 * alarm turns a hang into a failure */
	char fifo[512];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	struct bt_strbuf ferr = BT_STRBUF_INIT;
	assert_int_equal(bt__read_file(fifo, 1 << 20, &data, &len, &ferr), BT_EIO);
	assert_null(data);
	assert_non_null(strstr(bt_strbuf_str(&ferr), "not a regular file"));
	assert_non_null(strstr(bt_strbuf_str(&ferr), fifo));
	for (int fast = 0; fast <= 1; fast++) {
		struct bt_run run;
		assert_int_equal(bt_run_init(&run), 0);
		bt_strbuf_reset(&ferr);
		int rc = fast ? bt__run_read_file_summary(&run, fifo, &ferr)
			      : bt_run_read_file(&run, fifo, &ferr);
		assert_int_not_equal(rc, 0);
		assert_non_null(strstr(bt_strbuf_str(&ferr), "not a regular file"));
		bt_run_release(&run);
	}
	alarm(0);
	bt_strbuf_release(&ferr);
	free(want);
	/* a sparse file far over the cap: refused from its size */
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0);
	close(fd);
	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt__read_file(path, (size_t)512 << 20, &data, &len, &err),
			 BT_ETOOBIG);
	getrusage(RUSAGE_SELF, &after);
	assert_non_null(strstr(bt_strbuf_str(&err), "larger than"));
	bt_strbuf_release(&err);
	/* ru_maxrss is in KiB */
	assert_true(after.ru_maxrss - before.ru_maxrss < 64 * 1024);
	assert_int_equal(bt_test_rmtree(dir), 0);
}

/* The field table (lib/result/schema.c) that the writer and both readers walk:
 * each object's n_req counts its required fields, keys are unique in an
 * object and klen is their length, an object has fewer than 64 fields
 * (the fast reader's bit set of the fields seen). */
static void check_schema_value(const struct bt__field *f);

static void check_schema_obj(const struct bt__obj *o)
{
	size_t req = 0;
	assert_true(o->n > 0 && o->n < 64);
	for (size_t i = 0; i < o->n; i++) {
		const struct bt__field *f = &o->f[i];
		assert_non_null(f->key);
		assert_int_equal(f->klen, strlen(f->key));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(o->f[j].key, f->key);
		req += (f->flags & BT__F_REQ) != 0;
		check_schema_value(f);
	}
	assert_int_equal(o->n_req, req);
}

static void check_schema_value(const struct bt__field *f)
{
	if (f->type == BT__T_OBJ) {
		check_schema_obj(f->sub);
	} else if (f->type == BT__T_LIST || f->type == BT__T_MAP) {
		assert_non_null(f->val);
		assert_true(f->esize > 0);
		check_schema_value(f->val);
	} else if (f->type == BT__T_ENUM) {
		assert_non_null(f->en);
	}
}

static void test_schema_table(void **state)
{
	(void)state;
	check_schema_value(&bt__schema_run);
	check_schema_value(&bt__schema_result);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_same_run),
		cmocka_unit_test(test_scan_refuses),
		cmocka_unit_test(test_scan_fixtures),
		cmocka_unit_test(test_scan_generated),
		cmocka_unit_test(test_scan_read_file),
		cmocka_unit_test(test_read_file_sizes),
		cmocka_unit_test(test_schema_table),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
