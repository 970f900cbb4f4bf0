/* Tests of the run model (lib/result/result.c) and its JSON form (lib/result/json.c). */
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

static void test_status_names(void **state)
{
	(void)state;
	static const char *names[] = { "ok", "failed", "crashed",
				       "timeout", "oom", "skipped" };
	for (int i = 0; i < 6; i++) {
		assert_string_equal(bt_status_name((enum bt_status)i),
				    names[i]);
		assert_int_equal(bt_status_parse(names[i]), i);
	}
	assert_int_equal(bt_status_parse("OK"), -1);
	assert_int_equal(bt_status_parse(""), -1);
	assert_int_equal(bt_status_parse("okay"), -1);
	assert_int_equal(bt_status_parse(NULL), -1);
	assert_string_equal(bt_status_name((enum bt_status)99), "unknown");
}

static void test_run_init_release(void **state)
{
	(void)state;
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	assert_string_equal(run.schema, BT_RUN_SCHEMA);
	assert_null(run.run_id);
	assert_null(run.results);
	assert_int_equal(run.n_results, 0);
	assert_int_equal(run.git.dirty, -1);
	assert_int_equal(run.machine.cpu_physical_cores, -1);
	assert_int_equal(run.machine.cache_l1d, -1);
	assert_int_equal(run.machine.cache_l2, -1);
	assert_int_equal(run.machine.cache_l3, -1);
	assert_int_equal(run.machine.memory_bytes, -1);
	assert_int_equal(run.build.optimized, -1);

	char *s = bt_run_strdup(&run, "hello");
	assert_string_equal(s, "hello");
	assert_null(bt_run_strdup(&run, NULL));
	char *p = bt_run_printf(&run, "%s-%03d-%.2f", "x", 7, 1.5);
	assert_string_equal(p, "x-007-1.50");
	unsigned char *z = bt_run_alloc(&run, 100000);
	assert_non_null(z);
	for (size_t i = 0; i < 100000; i++)
		assert_int_equal(z[i], 0);
	assert_int_equal((uintptr_t)z % 16, 0);

	bt_run_release(&run);
	assert_null(run.arena);
	assert_null(run.schema);
	bt_run_release(&run); /* safe on a zeroed run */
	assert_null(bt_run_add_result(&run));
	assert_null(bt_run_alloc(&run, 8));
	bt_run_release(NULL);
}

static void test_add_result(void **state)
{
	(void)state;
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	for (int i = 0; i < 1000; i++) {
		struct bt_result *r = bt_run_add_result(&run);
		assert_non_null(r);
		assert_int_equal(r->version, 1);
		assert_int_equal(r->status, BT_STATUS_OK);
		assert_int_equal(r->peak_memory_bytes, -1);
		assert_int_equal(r->memory_bytes, -1);
		assert_int_equal(r->ctx_switches_voluntary, -1);
		assert_int_equal(r->ctx_switches_involuntary, -1);
		assert_null(r->name);
		assert_null(r->metrics);
		assert_int_equal(r->validation.checked, 0);
		assert_null(r->throughput.unit);
		assert_null(r->adaptive.param);
		r->name = bt_run_printf(&run, "bench%d", i);
		r->iterations_per_sample = (uint64_t)i;
	}
	assert_int_equal(run.n_results, 1000);
	assert_true(run.results_alloc >= 1000);
	for (int i = 0; i < 1000; i++) {
		char want[32];
		snprintf(want, sizeof want, "bench%d", i);
		assert_string_equal(run.results[i].name, want);
		assert_int_equal(run.results[i].iterations_per_sample, i);
	}
	bt_run_release(&run);
}

static void test_result_metric(void **state)
{
	(void)state;
	struct bt_run run;
	build_run(&run);
	const struct bt_result *r = &run.results[0];
	assert_ptr_equal(bt_result_metric(r, "time"), &r->metrics[0]);
	assert_ptr_equal(bt_result_metric(r, "tokens/s"), &r->metrics[1]);
	assert_null(bt_result_metric(r, "memory"));
	assert_null(bt_result_metric(r, NULL));
	assert_null(bt_result_metric(NULL, "time"));
	bt_run_release(&run);
}

/* ---------------------------------------------------------------------
 * Series keys
 * ------------------------------------------------------------------- */

/* The documented algorithm, written out independently. */
static void ref_key(const char *const *parts, size_t n, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];
		for (;;) {
			h ^= *p;
			h *= 0x100000001b3ULL;
			if (!*p++)
				break;
		}
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void test_series_key(void **state)
{
	(void)state;
	struct bt_kv params[3] = { { "d", "64" }, { "heads", "8" },
				   { "n", "4096" } };
	struct bt_result r = { 0 };
	r.name = "attention_fwd";
	r.variant = "flash";
	r.params = params;
	r.n_params = 3;
	r.version = 1;
	char k[17], k2[17], ref[17];

	bt_series_key("attention", &r, "0011223344556677", "time", k);
	assert_int_equal(strlen(k), 16);
	assert_int_equal(strspn(k, "0123456789abcdef"), 16);
	/* stable: the same identity always gives the same key ... */
	bt_series_key("attention", &r, "0011223344556677", "time", k2);
	assert_string_equal(k, k2);
	/* ... which is the documented FNV-1a 64 over NUL-terminated fields */
	const char *parts[] = { "attention", "attention_fwd", "flash",
				"d", "64", "heads", "8", "n", "4096",
				"0011223344556677", "time", "1" };
	ref_key(parts, sizeof parts / sizeof parts[0], ref);
	assert_string_equal(k, ref);
	/* and a literal, so a change of algorithm cannot go unnoticed */
	assert_string_equal(k, "03aa63edcf5595c5");

	/* param order does not matter */
	struct bt_kv shuffled[3] = { params[2], params[0], params[1] };
	struct bt_result r2 = r;
	r2.params = shuffled;
	bt_series_key("attention", &r2, "0011223344556677", "time", k2);
	assert_string_equal(k, k2);

	/* any change of a component changes the key */
#define DIFFERS(stmt, suite, fp, metric)                                    \
	do {                                                                \
		struct bt_kv p2[3] = { params[0], params[1], params[2] };   \
		struct bt_result x = r;                                     \
		x.params = p2;                                              \
		stmt;                                                       \
		bt_series_key(suite, &x, fp, metric, k2);                   \
		if (!strcmp(k, k2))                                         \
			fail_msg("key unchanged by: %s", #stmt);            \
	} while (0)
	DIFFERS((void)0, "attention2", "0011223344556677", "time");
	DIFFERS(x.name = "attention_bwd", "attention", "0011223344556677",
		"time");
	DIFFERS(x.variant = "none", "attention", "0011223344556677", "time");
	DIFFERS(x.variant = NULL, "attention", "0011223344556677", "time");
	DIFFERS(p2[0].key = "e", "attention", "0011223344556677", "time");
	DIFFERS(p2[1].value = "16", "attention", "0011223344556677", "time");
	DIFFERS(x.n_params = 2, "attention", "0011223344556677", "time");
	DIFFERS(x.n_params = 0, "attention", "0011223344556677", "time");
	DIFFERS((void)0, "attention", "0011223344556678", "time");
	DIFFERS((void)0, "attention", "0011223344556677", "tokens/s");
	DIFFERS(x.version = 2, "attention", "0011223344556677", "time");
	/* fields do not run together */
	DIFFERS((x.name = "attention_fw", x.variant = "dflash"), "attention",
		"0011223344556677", "time");
	DIFFERS((p2[0].key = "d6", p2[0].value = "4"), "attention",
		"0011223344556677", "time");
#undef DIFFERS
}

/* ---------------------------------------------------------------------
 * Round trips
 * ------------------------------------------------------------------- */

static void test_roundtrip_file(void **state)
{
	(void)state;
	struct bt_run a, b;
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *path = tmppath("run.json");

	build_run(&a);
	assert_int_equal(bt_run_write_file(&a, path, &err), 0);
	assert_int_equal(bt_run_init(&b), 0);
	int rc = bt_run_read_file(&b, path, &err);
	if (rc)
		fail_msg("read: %s", bt_strbuf_str(&err));
	run_eq(&a, &b);

	/* spot checks of the conventions */
	assert_int_equal(b.results[2].peak_memory_bytes, -1);
	assert_int_equal(b.results[2].ctx_switches_voluntary, -1);
	assert_true(isnan(b.results[2].metrics[0].stats.median));
	assert_int_equal(b.results[2].metrics[0].n_samples, 0);
	assert_null(b.results[1].adaptive.param);
	assert_null(b.results[1].throughput.unit);
	assert_string_equal(b.results[1].message,
			    "validation failed: max_rel_err 0.2 > 1e-05\n\ttab");
	assert_int_equal(b.results[0].metrics[1].direction,
			 BT_HIGHER_IS_BETTER);
	assert_null(b.machine.governor);
	assert_int_equal(b.machine.gpus[1].memory_bytes, -1);

	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&err);
}

static void test_reserialize_identical(void **state)
{
	(void)state;
	for (int pretty = 0; pretty <= 1; pretty++) {
		struct bt_run a, b, c;
		build_run(&a);
		char *t1 = to_text(&a, pretty);
		assert_int_equal(bt_run_init(&b), 0);
		assert_int_equal(bt_run_from_json(&b, t1, strlen(t1), "t1",
						  NULL), 0);
		char *t2 = to_text(&b, pretty);
		assert_string_equal(t1, t2);
		/* and a third generation, through the other style */
		char *t3 = to_text(&b, !pretty);
		assert_int_equal(bt_run_init(&c), 0);
		assert_int_equal(bt_run_from_json(&c, t3, strlen(t3), "t3",
						  NULL), 0);
		char *t4 = to_text(&c, pretty);
		assert_string_equal(t1, t4);
		run_eq(&a, &c);
		free(t1);
		free(t2);
		free(t3);
		free(t4);
		bt_run_release(&a);
		bt_run_release(&b);
		bt_run_release(&c);
	}
}

static void test_writer_shape(void **state)
{
	(void)state;
	struct bt_run a;
	build_run(&a);
	char *t = to_text(&a, 0);
	/* order of the top level and of a result, nulls, NaN as null */
	static const char *const has[] = {
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":"
		"\"0123456789abcdef0123456789abcdef\","
		"\"benchmark_type\":\"comprehensive\","
		"\"suite\":\"attention\",\"timestamp\":",
		"\"governor\":null",
		"\"dirty\":true",
		"\"seed\":42",
		"\"metrics\":{\"time\":{\"unit\":\"s\","
		"\"direction\":\"lower\",\"samples\":[",
		"\"tokens/s\":{\"unit\":\"tokens/s\","
		"\"direction\":\"higher\"",
		"\"samples\":[],\"stats\":{\"n\":0,"
		"\"mean\":null,\"median\":null",
		"\"throughput\":null",
		"\"adaptive\":null",
		"\"validation\":null",
		"\"peak_memory_bytes\":-1",
		"\"params\":{\"d\":\"64\",\"n\":\"4096\"}",
		"\"cpu\":{\"user_s\":1.25,\"sys_s\":0.05",
		/* full precision */
		"0.30000000000000004",
		"\"bytes\":-0.0",
	};
	assert_string_equal(BT_TEST_MISSING(t, has), "");
	free(t);
	bt_run_release(&a);
}

static void test_seed_u64(void **state)
{
	(void)state;
	struct bt_run a, b;
	build_run(&a);
	a.config.seed = UINT64_MAX;
	a.results[0].iterations_per_sample = (uint64_t)INT64_MAX + 1;
	char *t = to_text(&a, 0);
	assert_non_null(strstr(t, "\"seed\":\"18446744073709551615\""));
	assert_non_null(strstr(t, "\"iterations_per_sample\":"
				  "\"9223372036854775808\""));
	from_json_ok(&b, t, "t");
	assert_true(b.config.seed == UINT64_MAX);
	assert_true(b.results[0].iterations_per_sample ==
		    (uint64_t)INT64_MAX + 1);
	bt_run_release(&b);
	free(t);
	a.config.seed = (uint64_t)INT64_MAX;
	t = to_text(&a, 0);
	assert_non_null(strstr(t, "\"seed\":9223372036854775807"));
	free(t);
	bt_run_release(&a);
}

static void test_result_json(void **state)
{
	(void)state;
	struct bt_run a, b;
	struct bt_strbuf sb = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	build_run(&a);
	assert_int_equal(bt_run_init(&b), 0);
	for (size_t i = 0; i < a.n_results; i++) {
		struct bt_result r;
		bt_strbuf_reset(&sb);
		assert_int_equal(bt_result_to_json(&a.results[i], &sb, &err),
				 0);
		assert_null(strchr(sb.buf, '\n'));
		assert_int_equal(bt_result_from_json(&b, &r, sb.buf, sb.len,
						     "child", &err), 0);
		result_eq(&a.results[i], &r);
	}
	/* errors name the label and the path inside the result */
	struct bt_result r;
	const char *bad = "{\"name\":\"x\",\"status\":\"ok\",\"metrics\":"
			  "{\"time\":{\"samples\":[1,\"2\"]}}}";
	assert_int_equal(bt_result_from_json(&b, &r, bad, strlen(bad),
					     "child", &err), BT_ESCHEMA);
	assert_string_equal(bt_strbuf_str(&err),
			    "child: metrics.time.samples[1]: expected a "
			    "number, got string");
	bad = "[]";
	assert_int_equal(bt_result_from_json(&b, &r, bad, strlen(bad),
					     "child", &err), BT_ESCHEMA);
	assert_string_equal(bt_strbuf_str(&err),
			    "child: expected an object, got array");
	bad = "{\"name\":";
	assert_int_equal(bt_result_from_json(&b, &r, bad, strlen(bad),
					     "child", &err), BT_EPARSE);
	assert_true(!strncmp(bt_strbuf_str(&err), "child:1:", 8));
	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&sb);
	bt_strbuf_release(&err);
}

static void test_minimal_defaults(void **state)
{
	(void)state;
	const char *t = "{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
			"\"timestamp\":\"2026-01-01T00:00:00Z\",\"suite\":\"s\","
			"\"results\":[{\"name\":\"a\",\"status\":\"skipped\","
			"\"metrics\":{}},{\"name\":\"b\",\"status\":\"oom\","
			"\"metrics\":{\"mem\":{\"samples\":[]}},"
			"\"throughput\":null,\"message\":null,"
			"\"validation\":null,\"adaptive\":null}]}";
	struct bt_run run;
	from_json_ok(&run, t, "min");
	assert_null(run.benchmark_type);
	assert_int_equal(run.git.dirty, -1);
	assert_int_equal(run.machine.cache_l2, -1);
	assert_int_equal(run.build.optimized, -1);
	assert_int_equal(run.n_results, 2);
	const struct bt_result *r = &run.results[0];
	assert_string_equal(r->name, "a");
	assert_int_equal(r->status, BT_STATUS_SKIPPED);
	assert_int_equal(r->version, 1);
	assert_int_equal(r->n_metrics, 0);
	assert_int_equal(r->peak_memory_bytes, -1);
	assert_int_equal(r->memory_bytes, -1);
	assert_int_equal(r->ctx_switches_voluntary, -1);
	assert_int_equal(r->ctx_switches_involuntary, -1);
	assert_int_equal(r->validation.checked, 0);
	assert_null(r->throughput.unit);
	assert_null(r->series_key);
	r = &run.results[1];
	assert_int_equal(r->status, BT_STATUS_OOM);
	assert_int_equal(r->n_metrics, 1);
	assert_int_equal(r->metrics[0].direction, BT_LOWER_IS_BETTER);
	assert_null(r->metrics[0].unit);
	assert_int_equal(r->metrics[0].stats.n, 0);
	assert_true(isnan(r->metrics[0].stats.median));
	bt_run_release(&run);
}

static void test_time_first_and_unknown_fields(void **state)
{
	(void)state;
	const char *t =
		"{\"future\":{\"x\":[1,2,{}]},\"schema\":\"benchtrack.run/1\","
		"\"run_id\":\"r\",\"timestamp\":\"t\",\"suite\":\"s\","
		"\"machine\":{\"cpu\":{\"future\":true},\"extra\":1},"
		"\"results\":[{\"name\":\"a\",\"status\":\"ok\",\"new\":null,"
		"\"params\":{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\"},"
		"\"metrics\":{\"mem\":{\"unit\":\"B\"},\"flops\":{},"
		"\"time\":{\"unit\":\"s\",\"samples\":[1,null,2.5],"
		"\"what\":\"ever\"},\"energy\":{\"unit\":\"J\"}}}]}";
	struct bt_run run;
	from_json_ok(&run, t, "x");
	const struct bt_result *r = &run.results[0];
	assert_int_equal(r->n_metrics, 4);
	assert_string_equal(r->metrics[0].name, "time");
	assert_string_equal(r->metrics[1].name, "mem");
	assert_string_equal(r->metrics[2].name, "flops");
	assert_string_equal(r->metrics[3].name, "energy");
	assert_int_equal(r->metrics[0].n_samples, 3);
	assert_true(r->metrics[0].samples[0] == 1.0);
	assert_true(isnan(r->metrics[0].samples[1]));
	assert_true(r->metrics[0].samples[2] == 2.5);
	/* params come back sorted by key */
	assert_string_equal(r->params[0].key, "a");
	assert_string_equal(r->params[1].key, "m");
	assert_string_equal(r->params[2].key, "z");
	assert_string_equal(r->params[2].value, "1");
	bt_run_release(&run);
}

static void test_nan_inf_utf8(void **state)
{
	(void)state;
	struct bt_run a, b;
	build_run(&a);
	double *s = a.results[0].metrics[0].samples;
	s[0] = INFINITY;
	s[1] = -INFINITY;
	s[2] = NAN;
	a.results[0].wall_s = NAN;
	a.results[1].message = "bad \xff\xfe utf-8 \xc3";
	a.results[0].counters[0].name = "fl\xc0\xafops"; /* overlong '/' */
	a.results[0].params[0].key = "\xed\xa0\x80"; /* a surrogate */
	a.results[0].options[0] = "\xf4\x90\x80\x80"; /* above U+10FFFF */
	/* the key of the bytes written differs from the key of those given */
	a.results[0].series_key = NULL;
	char *t = to_text(&a, 0);
	static const char *const has[] = {
		"\"fl\xef\xbf\xbd\xef\xbf\xbdops\":",
		"\"params\":{\"\xef\xbf\xbd\xef\xbf\xbd"
		"\xef\xbf\xbd\":\"64\"",
		"\"options\":[\"\xef\xbf\xbd\xef\xbf\xbd"
		"\xef\xbf\xbd\xef\xbf\xbd\",",
		"\"samples\":[null,null,null,",
		"bad \xef\xbf\xbd\xef\xbf\xbd utf-8 "
		"\xef\xbf\xbd\"",
	};
	assert_string_equal(BT_TEST_MISSING(t, has), "");
	from_json_ok(&b, t, "t");
	for (int i = 0; i < 3; i++)
		assert_true(isnan(b.results[0].metrics[0].samples[i]));
	assert_true(isnan(b.results[0].wall_s));
	free(t);
	bt_run_release(&a);
	bt_run_release(&b);
}

/* ---------------------------------------------------------------------
 * Robustness: every truncation, random byte flips
 * ------------------------------------------------------------------- */

static void test_truncation(void **state)
{
	(void)state;
	char *full = built_text(1);
	size_t len = strlen(full);
	const char *msg;
	assert_int_equal(parse_text(full, len, "run.json", &msg), 0);
	/* every proper prefix of the object (up to its closing brace) is
	 * malformed JSON */
	size_t end = len;
	while (end > 0 && full[end - 1] != '}')
		end--;
	assert_true(end > 100);
	for (size_t off = 0; off < end; off++) {
		/* a copy of exactly off bytes, so ASan sees any overread */
		char *cut = malloc(off ? off : 1);
		memcpy(cut, full, off);
		int rc = parse_text(cut, off, "run.json", &msg);
		free(cut);
		if (rc != BT_EPARSE)
			fail_msg("offset %zu: rc %d: %s", off, rc, msg);
		if (strncmp(msg, "run.json:", 9))
			fail_msg("offset %zu: message %s", off, msg);
	}

	/* through a file the message names the file, with line:column */
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *path = tmppath("cut.json");
	char prefix[600];
	snprintf(prefix, sizeof prefix, "%s:", path);
	for (size_t off = 0; off < end; off += 97) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(full, 1, off, f), off);
		assert_int_equal(fclose(f), 0);
		struct bt_run b;
		assert_int_equal(bt_run_init(&b), 0);
		assert_int_equal(bt_run_read_file(&b, path, &err), BT_EPARSE);
		bt_run_release(&b);
		assert_true(!strncmp(bt_strbuf_str(&err), prefix,
				     strlen(prefix)));
		/* "<path>:<line>:<column>: <text>" */
		int line = 0, col = -1, n = 0;
		assert_int_equal(sscanf(bt_strbuf_str(&err) + strlen(prefix),
					"%d:%d: %n", &line, &col, &n), 2);
		assert_true(line >= 1 && col >= 0 && n > 0);
		assert_true(strlen(bt_strbuf_str(&err) + strlen(prefix) + n) >
			    0);
	}
	bt_strbuf_release(&err);
	free(full);
}


static void test_byte_flips(void **state)
{
	(void)state;
	char *full = built_text(0);
	size_t len = strlen(full);
	static const char interesting[] = "\"{}[],:0-.eE\\ntfu\x00\xff\x80";
	int ok = 0, bad = 0;
	for (int iter = 0; iter < 4000; iter++) {
		char *t = malloc(len);
		memcpy(t, full, len);
		int flips = 1 + (int)(rng() % 4);
		for (int f = 0; f < flips; f++) {
			size_t at = (size_t)(rng() % len);
			uint64_t how = rng();
			if (how % 3 == 0)
				t[at] = (char)(how >> 8);
			else if (how % 3 == 1)
				t[at] ^= (char)(1u << ((how >> 8) % 8));
			else
				t[at] = interesting[(how >> 8) %
						    (sizeof interesting - 1)];
		}
		const char *msg;
		int rc = parse_text(t, len, "flip.json", &msg);
		free(t);
		if (rc == 0) {
			ok++;
			continue;
		}
		bad++;
		if (rc != BT_EPARSE && rc != BT_ESCHEMA)
			fail_msg("iteration %d: rc %d: %s", iter, rc, msg);
		if (strncmp(msg, "flip.json:", 10))
			fail_msg("iteration %d: message %s", iter, msg);
	}
	assert_true(bad > 0);
	free(full);
}

/* ---------------------------------------------------------------------
 * Schema errors with exact field paths
 * ------------------------------------------------------------------- */

/* Navigates "results[1].metrics.time" from root. */
static json_t *jpath(json_t *root, const char *path)
{
	json_t *cur = root;
	const char *p = path;
	while (*p && cur) {
		if (*p == '.')
			p++;
		if (*p == '[') {
			char *end;
			size_t i = strtoul(p + 1, &end, 10);
			cur = json_array_get(cur, i);
			p = end + 1;
		} else {
			size_t n = strcspn(p, ".[");
			char key[128];
			snprintf(key, sizeof key, "%.*s", (int)n, p);
			cur = json_object_get(cur, key);
			p += n;
		}
	}
	return cur;
}

struct mutation {
	const char *parent; /* path of the container, "" for the top */
	const char *key;    /* member, or "[i]" for element i of an array */
	const char *value;  /* JSON text; NULL deletes the member */
	int code;
	/* what follows "run.json: <member>: " (the member at parent, key or
	 * index), or a whole message starting "run.json: ", or "" for none */
	const char *message;
};

/* The message m expects: see struct mutation. */
static void mutation_message(const struct mutation *m, char *out, size_t n)
{
	if (!m->message[0] || !strncmp(m->message, "run.json: ", 10))
		snprintf(out, n, "%s", m->message);
	else
		snprintf(out, n, "run.json: %s%s%s: %s", m->parent,
			 m->parent[0] && m->key[0] != '[' ? "." : "", m->key,
			 m->message);
}

static void apply_mutations(const struct mutation *ms, size_t n)
{
	char *full = built_text(1);
	for (size_t i = 0; i < n; i++) {
		const struct mutation *m = &ms[i];
		json_error_t je;
		json_t *root = json_loads(full, 0, &je);
		assert_non_null(root);
		json_t *parent = jpath(root, m->parent);
		if (!parent)
			fail_msg("no such path %s", m->parent);
		json_t *v = NULL;
		if (m->value) {
			v = json_loads(m->value, JSON_DECODE_ANY, &je);
			assert_non_null(v);
		}
		if (m->key[0] == '[')
			assert_int_equal(json_array_set_new(parent,
						strtoul(m->key + 1, NULL, 10), v),
					 0);
		else if (v)
			assert_int_equal(json_object_set_new(parent, m->key, v),
					 0);
		else
			assert_int_equal(json_object_del(parent, m->key), 0);
		char *t = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(1));
		json_decref(root);
		const char *msg;
		int rc = parse_text(t, strlen(t), "run.json", &msg);
		free(t);
		char want[512];
		mutation_message(m, want, sizeof want);
		if (rc != m->code || strcmp(msg, want))
			fail_msg("mutation %zu (%s %s): got %d \"%s\", want "
				 "%d \"%s\"", i, m->parent,
				 m->key, rc, msg, m->code, want);
	}
	free(full);
}

static void test_wrong_types(void **state)
{
	(void)state;
	static const struct mutation ms[] = {
		{ "results[1].metrics.time.samples", "[2]", "\"x\"", BT_ESCHEMA, "expected a number, got string" },
		{ "", "schema", "5", BT_ESCHEMA, "expected a string, got number" },
		{ "", "run_id", "null", BT_ESCHEMA, "expected a string, got null" },
		{ "", "duration_s", "\"1\"", BT_ESCHEMA, "expected a number, got string" },
		{ "git", "dirty", "1", BT_ESCHEMA, "expected a boolean, got number" },
		{ "machine.cpu", "cores", "\"8\"", BT_ESCHEMA, "expected an integer, got string" },
		{ "machine.cpu.cache", "l2", "1.5", BT_ESCHEMA, "expected an integer, got number" },
		{ "machine.gpus[0]", "memory_bytes", "true", BT_ESCHEMA, "expected an integer, got boolean" },
		{ "machine.gpus", "[1]", "\"gpu\"", BT_ESCHEMA, "expected an object, got string" },
		{ "machine", "cpu", "[]", BT_ESCHEMA, "expected an object, got array" },
		{ "config", "seed", "-1", BT_ESCHEMA, "integer -1 out of range [0, 18446744073709551615]" },
		{ "config", "seed", "\"12a\"", BT_ESCHEMA, "expected an unsigned integer, got string \"12a\"" },
		{ "config", "seed", "\"18446744073709551616\"", BT_ESCHEMA, "expected an unsigned integer, got string \"18446744073709551616\"" },
		{ "config", "params", "{}", BT_ESCHEMA, "expected an array, got object" },
		{ "config.params", "[1]", "3", BT_ESCHEMA, "expected a string, got number" },
		{ "config.timer", "resolution_s", "{}", BT_ESCHEMA, "expected a number, got object" },
		{ "", "results", "{}", BT_ESCHEMA, "expected an array, got object" },
		{ "results", "[0]", "1", BT_ESCHEMA, "expected an object, got number" },
		{ "results[0].params", "n", "4096", BT_ESCHEMA, "expected a string, got number" },
		{ "results[1]", "status", "\"exploded\"", BT_ESCHEMA, "unknown status \"exploded\"" },
		{ "results[1]", "status", "0", BT_ESCHEMA, "expected a string, got number" },
		{ "results[0].metrics.time", "direction", "\"up\"", BT_ESCHEMA, "unknown direction \"up\" (expected \"lower\" or \"higher\")" },
		{ "results[0].metrics.time.stats", "median", "\"x\"", BT_ESCHEMA, "expected a number, got string" },
		{ "results[0].metrics.tokens/s.stats", "n", "-3", BT_ESCHEMA, "integer -3 out of range [0, 9223372036854775807]" },
		{ "results[0].metrics", "time", "[]", BT_ESCHEMA, "expected an object, got array" },
		{ "results[0].validation", "passed", "1", BT_ESCHEMA, "expected a boolean, got number" },
		{ "results[0].throughput", "value", "\"fast\"", BT_ESCHEMA, "expected a number, got string" },
		{ "results[0]", "version", "3000000000", BT_ESCHEMA, "integer 3000000000 out of range [-2147483648, 2147483647]" },
		{ "results[0].counters", "flops", "\"x\"", BT_ESCHEMA, "expected a number, got string" },
		{ "results[0].adaptive", "retries", "\"1\"", BT_ESCHEMA, "expected an integer, got string" },
		{ "results[0].options", "[0]", "1", BT_ESCHEMA, "expected a string, got number" },
		{ "results[2].cpu", "user_s", "false", BT_ESCHEMA, "expected a number, got boolean" },
		{ "results[2].ctx_switches", "voluntary", "1.0", BT_ESCHEMA, "expected an integer, got number" },
		{ "results[2]", "series_key", "7", BT_ESCHEMA, "expected a string, got number" },
		/* the key becomes a file name (dashboard): 16 lowercase hex
		 * digits, nothing else; both readers refuse the rest */
		{ "results[2]", "series_key", "\"../AAAAAAAAAAAAA\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\"0123456789ABCDEF\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\"0123456789abcde\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\"0123456789abcdef0\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\"\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\".0123456789abcde\"", BT_ESCHEMA, "expected 16 hex digits" },
	};
	apply_mutations(ms, sizeof ms / sizeof ms[0]);
}

static void test_missing_required(void **state)
{
	(void)state;
	static const struct mutation ms[] = {
		{ "", "schema", NULL, BT_ESCHEMA, "missing required field" },
		{ "", "run_id", NULL, BT_ESCHEMA, "missing required field" },
		{ "", "timestamp", NULL, BT_ESCHEMA, "missing required field" },
		{ "", "suite", NULL, BT_ESCHEMA, "missing required field" },
		{ "", "results", NULL, BT_ESCHEMA, "missing required field" },
		{ "results[0]", "name", NULL, BT_ESCHEMA, "missing required field" },
		{ "results[1]", "status", NULL, BT_ESCHEMA, "missing required field" },
		{ "results[2]", "metrics", NULL, BT_ESCHEMA, "missing required field" },
		{ "results[2]", "metrics", "null", BT_ESCHEMA, "expected an object, got null" },
		/* optional ones may go */
		{ "", "git", NULL, 0, "" },
		{ "machine", "cpu", NULL, 0, "" },
		{ "results[0]", "validation", NULL, 0, "" },
		{ "results[0].metrics.time", "stats", NULL, 0, "" },
		{ "results[2]", "params", "null", 0, "" },
		/* a series key must be its result's: a result whose key is
		 * given can lose neither its params nor the machine */
		{ "results[0]", "params", "null", BT_ESCHEMA,
		  "run.json: results[0].series_key: \"21f093cf0b3b6b4d\" is not the "
		  "key of the result's identity (\"attention_fwd [flash+fused]\" "
		  "version 2 of suite \"attention\" on machine 0011223344556677 "
		  "gives \"64e2830b8e69bba4\"): a forged or damaged series key" },
		{ "", "machine", NULL, BT_ESCHEMA,
		  "run.json: results[0].series_key: \"21f093cf0b3b6b4d\" is not the "
		  "key of the result's identity (\"attention_fwd [flash+fused] d=64 "
		  "n=4096\" version 2 of suite \"attention\" on machine (none) gives "
		  "\"27edfa02fc6a694d\"): a forged or damaged series key" },
	};
	apply_mutations(ms, sizeof ms / sizeof ms[0]);
}

static void test_schema_version(void **state)
{
	(void)state;
	static const struct mutation ms[] = {
		{ "", "schema", "\"benchtrack.run/2\"", BT_ESCHEMA,
		  "run.json: schema: unsupported schema \"benchtrack.run/2\" "
		  "(expected \"benchtrack.run/1\")" },
		{ "", "schema", "\"\"", BT_ESCHEMA,
		  "run.json: schema: unsupported schema \"\" "
		  "(expected \"benchtrack.run/1\")" },
	};
	apply_mutations(ms, sizeof ms / sizeof ms[0]);
	/* the schema is checked before anything else */
	const char *t = "{\"results\":5,\"schema\":\"benchtrack.run/2\"}";
	const char *msg;
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg),
			 BT_ESCHEMA);
	assert_string_equal(msg, "run.json: schema: unsupported schema "
				 "\"benchtrack.run/2\" (expected "
				 "\"benchtrack.run/1\")");
}

static void test_parse_errors(void **state)
{
	(void)state;
	const char *msg;
	const char *t = "{\n  \"schema\": tru\n}";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_EPARSE);
	assert_string_equal(msg, "x.json:2:15: invalid token near 'tru'");
	t = "{\"a\":1,\"a\":2}";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_EPARSE);
	assert_true(!strncmp(msg, "x.json:1:", 9));
	assert_non_null(strstr(msg, "duplicate object key"));
	t = "{} x";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_EPARSE);
	assert_int_equal(parse_text("", 0, "x.json", &msg), BT_EPARSE);
	assert_int_equal(parse_text(NULL, 0, "x.json", &msg), BT_EPARSE);
	t = "{\"a\":\"\\u0000\"}";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_EPARSE);
	t = "{\"a\":\"x\0y\"}";
	assert_int_equal(parse_text(t, 11, "x.json", &msg), BT_EPARSE);
	t = "[1,2]";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_ESCHEMA);
	assert_string_equal(msg, "x.json: expected an object, got array");
	/* deep nesting is refused, not a stack overflow */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	assert_int_equal(parse_text(deep, 2 * depth, "x.json", &msg),
			 BT_EPARSE);
	free(deep);
	/* too big: the length is refused before the text is looked at */
	assert_int_equal(parse_text("{}", ((size_t)256 << 20) + 1, "x.json",
				    &msg), BT_ETOOBIG);

	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_run_read_file(&run, tmppath("nonexistent.json"),
					  &err), BT_ENOTFOUND);
	/* run must be empty */
	bt_run_add_result(&run);
	t = "{}";
	assert_int_equal(bt_run_from_json(&run, t, 2, "x", &err), BT_EINVAL);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* ---------------------------------------------------------------------
 * Series identity: keys are checked, a benchmark twice is refused
 * ------------------------------------------------------------------- */

/* The key of a result {name, params n=N} of suite on machine
 * "00112233aabbccdd" for metric. */
static void key_for(const char *suite, const char *name, const char *n,
		    const char *metric, char out[17])
{
	struct bt_kv p = { "n", (char *)n };
	struct bt_result r = { 0 };
	r.name = (char *)name;
	r.variant = "default";
	r.params = &p;
	r.n_params = 1;
	r.version = 1;
	bt_series_key(suite, &r, "00112233aabbccdd", metric, out);
}

/* A run of suite with two results, each {name, n, key}. */
static char *two_results(const char *suite, const char *n1, const char *n2,
			 const char *k1, const char *k2)
{
	static char t[2048];
	snprintf(t, sizeof t,
		 "{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		 "\"timestamp\":\"t\",\"suite\":\"%s\","
		 "\"machine\":{\"fingerprint\":\"00112233aabbccdd\"},\"results\":["
		 "{\"name\":\"%s\",\"variant\":\"default\",\"params\":{\"n\":\"4096\"},"
		 "\"status\":\"ok\",\"metrics\":{\"time\":{\"samples\":[1,2]}}"
		 "%s%s%s},"
		 "{\"name\":\"%s\",\"variant\":\"default\",\"params\":{\"n\":\"4096\"},"
		 "\"status\":\"ok\",\"metrics\":{\"time\":{\"samples\":[100,200]}}"
		 "%s%s%s}]}",
		 suite, n1, k1 ? ",\"series_key\":\"" : "", k1 ? k1 : "", k1 ? "\"" : "",
		 n2, k2 ? ",\"series_key\":\"" : "", k2 ? k2 : "", k2 ? "\"" : "");
	return t;
}

static void test_series_identity(void **state)
{
	(void)state;
	char naive[17], impostor[17], a[17], b[17], ttft[17];
	const char *msg;
	key_for("attention", "naive", "4096", "time", naive);
	key_for("attention", "impostor", "4096", "time", impostor);

	/* the honest run reads */
	char *t = two_results("attention", "naive", "impostor", naive, impostor);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), 0);

	/* an impostor claiming naive's key (so that compare and history
	 * would take it for naive) is refused by both readers */
	t = two_results("attention", "naive", "impostor", naive, naive);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), BT_ESCHEMA);
	char want[512];
	snprintf(want, sizeof want,
		 "run.json: results[1].series_key: \"%s\" is not the key of the "
		 "result's identity (\"impostor n=4096\" of suite \"attention\" on "
		 "machine 00112233aabbccdd gives \"%s\"): a forged or damaged series key",
		 naive, impostor);
	assert_string_equal(msg, want);

	/* the same benchmark twice in one run: refused, naming both */
	t = two_results("attention", "naive", "naive", naive, naive);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), BT_ESCHEMA);
	assert_string_equal(msg, "run.json: results[0] and results[1]: the same "
				 "benchmark identity (\"naive n=4096\") twice in one run");
	/* ... with or without keys */
	t = two_results("attention", "naive", "naive", NULL, NULL);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), BT_ESCHEMA);
	assert_non_null(strstr(msg, "results[0] and results[1]: the same benchmark"));

	/* results without keys read as before */
	t = two_results("attention", "naive", "impostor", NULL, NULL);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), 0);

	/* `benchtrack run A B` merges runs: suite "A+B", each result keeps
	 * the key of its own suite */
	key_for("a", "naive", "4096", "time", a);
	key_for("b+c", "impostor", "4096", "time", b);
	t = two_results("a+b+c", "naive", "impostor", a, b);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), 0);
	key_for("d", "impostor", "4096", "time", b);
	t = two_results("a+b+c", "naive", "impostor", a, b);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), BT_ESCHEMA);

	/* the key of a result whose first metric was not "time" (the
	 * readers move "time" first) */
	key_for("attention", "naive", "4096", "ttft", ttft);
	char doc[1024];
	snprintf(doc, sizeof doc,
		 "{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		 "\"timestamp\":\"t\",\"suite\":\"attention\","
		 "\"machine\":{\"fingerprint\":\"00112233aabbccdd\"},\"results\":["
		 "{\"name\":\"naive\",\"params\":{\"n\":\"4096\"},\"variant\":\"default\","
		 "\"status\":\"ok\",\"metrics\":{\"ttft\":{\"samples\":[1]},"
		 "\"time\":{\"samples\":[2]}},\"series_key\":\"%s\"}]}", ttft);
	assert_int_equal(parse_text(doc, strlen(doc), "run.json", &msg), 0);

	/* bt__run_read_file_summary gives the strict reader's message */
	t = two_results("attention", "naive", "impostor", naive, naive);
	const char *path = tmppath("forged.json");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(t, 1, strlen(t), f), strlen(t));
	assert_int_equal(fclose(f), 0);
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt__run_read_file_summary(&run, path, &err), BT_ESCHEMA);
	assert_non_null(strstr(bt_strbuf_str(&err), "forged.json: results[1].series_key: "));
	bt_run_release(&run);
	bt_strbuf_release(&err);
	unlink(path);
}

/* ---------------------------------------------------------------------
 * The fast reader (lib/result/json_scan.c) against the strict one
 * ------------------------------------------------------------------- */

/* Text the strict reader accepts: the fast one accepts it too, with the
 * same run (parse_text checks the values). */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_run_init_release),
		cmocka_unit_test(test_add_result),
		cmocka_unit_test(test_result_metric),
		cmocka_unit_test(test_series_key),
		cmocka_unit_test(test_series_identity),
		cmocka_unit_test(test_roundtrip_file),
		cmocka_unit_test(test_reserialize_identical),
		cmocka_unit_test(test_writer_shape),
		cmocka_unit_test(test_seed_u64),
		cmocka_unit_test(test_result_json),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_time_first_and_unknown_fields),
		cmocka_unit_test(test_nan_inf_utf8),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_byte_flips),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_schema_version),
		cmocka_unit_test(test_parse_errors),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
