/* criterion's output (lib/import/criterion.c), which is a directory:
 * the input is up to three JSON texts separated by a line "--": written
 * as new/sample.json, new/benchmark.json and new/estimates.json of a
 * temporary directory (made once, removed at exit), which is imported
 * (bt_import_path, format criterion). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchtrack.h"
#include "fuzz.h"

static char *top, *parts[3];
static const char *const names[3] = { "sample.json", "benchmark.json", "estimates.json" };

static void cleanup(void)
{
	for (int i = 0; i < 3; i++)
		if (parts[i])
			unlink(parts[i]);
	if (top) {
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/bench/new", top);
		rmdir(sub);
		snprintf(sub, sizeof sub, "%s/bench", top);
		rmdir(sub);
		rmdir(top);
	}
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/bt-fuzz-criterion-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl))
		abort();
	top = strdup(tmpl);
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/bench", top);
	if (mkdir(sub, 0700) != 0)
		abort();
	snprintf(sub, sizeof sub, "%s/bench/new", top);
	if (mkdir(sub, 0700) != 0)
		abort();
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(sub) + strlen(names[i]) + 2;
		if (!(parts[i] = malloc(n)))
			abort();
		snprintf(parts[i], n, "%s/%s", sub, names[i]);
	}
	atexit(cleanup);
}

static void put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

int bt_fuzz_criterion(const uint8_t *data, size_t size)
{
	if (!top)
		setup();
	const uint8_t *s = data, *end = data + size;
	for (int i = 0; i < 3; i++) {
		if (!s) {
			unlink(parts[i]);
			continue;
		}
		const uint8_t *e = NULL;
		for (const uint8_t *q = s; q + 4 <= end; q++)
			if (!memcmp(q, "\n--\n", 4)) {
				e = q;
				break;
			}
		put(parts[i], s, (size_t)((e ? e : end) - s));
		s = e ? e + 4 : NULL;
	}
	struct bt_run run;
	struct bt_import_info info;
	struct bt_strbuf err = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	if (bt_run_init(&run))
		abort();
	if (bt_import_path(&run, top, BT_FORMAT_CRITERION, &info, &err) == 0) {
		run.suite = "fuzz";
		bt_run_to_json(&run, 0, &out, &err);
	}
	bt_run_release(&run);
	bt_strbuf_release(&err);
	bt_strbuf_release(&out);
	return 0;
}
