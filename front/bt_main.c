/* bt_main: the command line of a benchmark executable built with BT_MAIN. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "front.h"

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 1 when the suite has a preset called name. */
static int preset_known(const char *name)
{
	struct bt_preset *v;
	size_t n;
	int found = 0;
	if (bt_presets(&v, &n, NULL) != 0)
		return 1; /* bt_plan_build says what is wrong */
	for (size_t i = 0; i < n && !found; i++)
		found = strcmp(v[i].name, name) == 0;
	free(v);
	return found;
}

/* --list: after the case ids, the presets of the suite as comment lines
 * ("#   NAME  N cases  DESCRIPTION"), nothing when it has none. */
static void list_presets(const struct bt_front *f)
{
	struct bt_preset *v;
	size_t n;
	if (bt_presets(&v, &n, NULL) != 0 || n == 0) {
		free(v);
		return;
	}
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i].name) > w)
			w = strlen(v[i].name);
	printf("# presets (--suite-preset NAME):\n");
	for (size_t i = 0; i < n; i++) {
		struct bt_config cfg = f->cfg;
		struct bt_plan plan;
		cfg.preset = v[i].name;
		const char *d = v[i].def ? v[i].def->description : NULL;
		if (bt_plan_build(&plan, &cfg, NULL) == 0) {
			printf("#   %-*s  %4zu case%s%s%s\n", (int)w, v[i].name,
			       plan.n_cases, plan.n_cases == 1 ? " " : "s",
			       d ? "  " : "", d ? d : "");
			bt_plan_release(&plan);
		} else {
			printf("#   %-*s  (invalid)%s%s\n", (int)w, v[i].name,
			       d ? "  " : "", d ? d : "");
		}
	}
	free(v);
}

/* Runs the registered benchmarks as f says; returns the exit code. */
int bt_front_run_registered(struct bt_front *f, const struct bt_build_info *build,
			    const char *argv0)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_plan plan;
	struct bt_run run;
	int code = BT_EXIT_OK, rc;
	if (f->cfg.preset && f->allow_empty && !preset_known(f->cfg.preset)) {
		/* benchtrack run: another suite may declare it */
		memset(&plan, 0, sizeof plan);
	} else if ((rc = bt_plan_build(&plan, &f->cfg, &err))) {
		bt_front_error("%s", err.len ? err.buf : bt_strerror(rc));
		bt_strbuf_release(&err);
		return rc == BT_ENOMEM ? BT_EXIT_ERROR : BT_EXIT_USAGE;
	}
	if (f->list) {
		for (size_t i = 0; i < plan.n_cases; i++)
			printf("%s\n", plan.cases[i].id);
		list_presets(f);
		bt_plan_release(&plan);
		return fflush(stdout) == 0 ? BT_EXIT_OK : BT_EXIT_ERROR;
	}
	if (plan.n_cases == 0 && !f->allow_empty) {
		bt_front_error("no benchmark case matches the filters");
		bt_plan_release(&plan);
		return BT_EXIT_USAGE;
	}
	if (f->baseline && !f->allow_empty) {
		int found = 0;
		for (size_t i = 0; i < plan.n_cases && !found; i++)
			found = strcmp(plan.cases[i].name, f->baseline) == 0;
		if (!found) {
			bt_front_error("--baseline: no benchmark called '%s' runs",
				       f->baseline);
			bt_plan_release(&plan);
			return BT_EXIT_USAGE;
		}
	}
	int crc = 0;
	if (bt_run_init(&run) || (crc = bt_front_context(f, &run, build, argv0))) {
		if (crc != BT_EINVAL) /* --git-dir: said already */
			bt_front_error("%s", bt_strerror(BT_ENOMEM));
		bt_plan_release(&plan);
		bt_run_release(&run);
		return BT_EXIT_ERROR;
	}
	double t0 = mono_s();
	rc = bt_plan_run(&plan, &f->cfg, &run, bt_front_progress, f, &err);
	run.duration_s = mono_s() - t0;
	bt_front_declared_type(f, &run);
	if (rc) {
		bt_front_error("%s", err.len ? err.buf : bt_strerror(rc));
		code = BT_EXIT_ERROR;
	} else {
		code = bt_front_emit(f, &run);
		if (f->cfg.find_limit && f->log_level > BT_LOG_QUIET)
			bt_front_find_limit_summary(&run, f->cfg.find_limit, stderr);
	}
	bt_plan_release(&plan);
	bt_run_release(&run);
	bt_strbuf_release(&err);
	return code;
}

int bt_main(int argc, char **argv, const struct bt_build_info *build)
{
	struct bt_front f;
	struct bt_strbuf err = BT_STRBUF_INIT;
	char *mdir = NULL;
	if (bt_front_measure_child(&argc, &argv, &mdir) < 0)
		return BT_EXIT_ERROR;
	int rc = bt_front_parse(&f, argc, argv, &err), code;
	if (rc) {
		bt_front_error("%s", bt_strbuf_str(&err));
		code = BT_EXIT_USAGE;
	} else if (f.help) {
		const char *doc = bt_front_doc("run");
		fputs(doc ? doc : "see benchtrack help run\n", stdout);
		code = fflush(stdout) == 0 ? BT_EXIT_OK : BT_EXIT_ERROR;
	} else if (f.version) {
		printf("benchtrack %s\n", BENCHTRACK_VERSION);
		code = fflush(stdout) == 0 ? BT_EXIT_OK : BT_EXIT_ERROR;
	} else if (f.store || f.no_store) {
		bt_front_error("--store and --no-store apply to `benchtrack run`; "
			       "a suite run directly does not store its run");
		code = BT_EXIT_USAGE;
	} else if (f.upload_to_hub || f.run_id) {
		bt_front_error("--upload-to-hub and --run-id apply to `benchtrack run`; "
			       "a suite run directly uploads nothing");
		code = BT_EXIT_USAGE;
	} else if (f.repetitions) {
		bt_front_error("--repetitions applies to `benchtrack run`, which starts "
			       "the suite that many times");
		code = BT_EXIT_USAGE;
	} else if (f.n_args > 0) {
		bt_front_error("unexpected argument '%s' (see --help)", f.args[0]);
		code = BT_EXIT_USAGE;
	} else if (!f.list && bt_front_mpi_world()) {
		code = bt_front_mpi_main(&f, build, argv[0]);
	} else if (!f.list && !mdir && f.cfg.measure &&
		   strcmp(f.cfg.measure, "instructions") == 0) {
		code = bt_front_measure_reexec(argc, argv, f.cfg.cache_sim);
	} else if (!f.list && (code = bt_front_measure_check(&f)) != 0) {
		/* --measure cycles without counters: said why */
	} else {
		char *tool = NULL;
		if (mdir) {
			f.cfg.measure_dir = mdir;
			const char *t = getenv("BT_MEASURE_TOOL");
			f.cfg.measure_tool = tool = t ? strdup(t) : NULL;
			unsetenv("BT_MEASURE_TOOL");
		} else if (f.cfg.measure) {
			f.cfg.measure_tool = "perf_event_open: PERF_COUNT_HW_CPU_CYCLES, "
					     "PERF_COUNT_HW_INSTRUCTIONS, user space only";
		}
		f.cfg.mpi_argv = argv; /* a distributed case's launch runs it again */
		code = bt_front_run_registered(&f, build, argv[0]);
		free(tool);
	}
	bt_front_measure_done(mdir);
	bt_front_release(&f);
	bt_strbuf_release(&err);
	return code;
}
