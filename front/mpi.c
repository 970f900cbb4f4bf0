/* A suite started by mpirun (directly, or by the runner's launch of one
 * distributed case): MPI_Init through libbenchtrack_mpi (lib/run/dist.h),
 * the cases of the world's size run in step in process, and rank 0
 * alone writes (the run, or with BT_MPI_CASE the case's result to
 * BT_MPI_RESULT). Also the --find-limit summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "front.h"
#include "run/dist.h"

int bt_front_mpi_world(void)
{
	return getenv("BT_MPI_CASE") || getenv("OMPI_COMM_WORLD_SIZE") ||
	       getenv("PMIX_RANK") || getenv("PMI_SIZE");
}

/* The address space this process has mapped now, in bytes (-1). */
static long long vm_size(void)
{
	FILE *fp = fopen("/proc/self/status", "re");
	char line[256];
	long long kb = -1;
	while (fp && fgets(line, sizeof line, fp))
		if (strncmp(line, "VmSize:", 7) == 0)
			kb = strtoll(line + 7, NULL, 10);
	if (fp)
		fclose(fp);
	return kb < 0 ? -1 : kb * 1024;
}

/* Rank 0 of one launch: the case's result as JSON to path. */
static int write_case_result(const char *path, const struct bt_run *run)
{
	struct bt_strbuf out = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	int rc = run->n_results != 1 ? BT_ENOTFOUND
		 : bt_result_to_json(&run->results[0], &out, NULL);
	FILE *fp = rc ? NULL : fopen(path, "we");
	if (fp) {
		rc = fwrite(out.buf, 1, out.len, fp) != out.len;
		rc |= fclose(fp) != 0;
	}
	if (rc || !fp)
		bt_front_error("BT_MPI_RESULT %s: the case's result could not be written",
			       path);
	bt_strbuf_release(&out);
	bt_strbuf_release(&err);
	return rc || !fp ? BT_EXIT_ERROR : BT_EXIT_OK;
}

int bt_front_mpi_main(struct bt_front *f, const struct bt_build_info *build,
		      const char *argv0)
{
	if (!bt__dist) {
		bt_front_error("started by mpirun, but this suite was built without "
			       "MPI support (link it with benchtrack_mpi)");
		return BT_EXIT_ERROR;
	}
	int argc = 0;
	char **argv = NULL;
	if (bt__dist->init(&argc, &argv, &bt__dist_rank, &bt__dist_size) != 0) {
		bt_front_error("MPI_Init failed");
		return BT_EXIT_ERROR;
	}
	struct bt_config *c = &f->cfg;
	const char *one = getenv("BT_MPI_CASE"), *out = getenv("BT_MPI_RESULT");
	c->isolate = 0; /* no fork after MPI_Init: the launch isolates */
	c->mpi = 0;
	c->mpi_world = bt__dist_size;
	c->mpi_case = one;
	c->find_limit = NULL;
	if (c->memory_limit > 0) {
		/* per rank, beyond what MPI mapped at start */
		long long base = vm_size();
		rlim_t lim = (rlim_t)(c->memory_limit + (base > 0 ? base : 0));
		struct rlimit rl = { lim, lim };
		setrlimit(RLIMIT_AS, &rl);
	}
	if (one || bt__dist_rank != 0) {
		f->format = "none";
		f->log_level = one ? BT_LOG_QUIET : f->log_level;
	}
	if (bt__dist_rank != 0) {
		f->out = NULL;
		f->log_level = BT_LOG_QUIET;
		c->gpu_sample_interval = 0;
	}
	int code;
	if (!one) {
		code = bt_front_run_registered(f, build, argv0);
	} else {
		struct bt_strbuf err = BT_STRBUF_INIT;
		struct bt_plan plan;
		struct bt_run run;
		memset(&run, 0, sizeof run); /* bt_run_release: safe zeroed */
		int rc = bt_plan_build(&plan, c, &err);
		if (rc || plan.n_cases != 1) {
			if (bt__dist_rank == 0)
				bt_front_error("BT_MPI_CASE %s: %s", one,
					       rc ? bt_strbuf_str(&err) : "no such case here");
			code = BT_EXIT_USAGE;
		} else if (bt_run_init(&run) || bt_front_context(f, &run, build, argv0) ||
			   (rc = bt_plan_run(&plan, c, &run, NULL, NULL, &err))) {
			bt_front_error("%s", err.len ? err.buf : bt_strerror(BT_ENOMEM));
			code = BT_EXIT_ERROR;
		} else {
			code = bt__dist_rank == 0 && out ? write_case_result(out, &run)
							 : BT_EXIT_OK;
		}
		bt_run_release(&run);
		bt_plan_release(&plan);
		bt_strbuf_release(&err);
	}
	bt__dist->finalize();
	return bt__dist_rank == 0 ? code : BT_EXIT_OK;
}

/* --- --find-limit: the largest value that passed, per group -------- */

/* 1 when a and b are results of one group: the same benchmark, variant
 * and parameters but axis. */
static int same_group(const struct bt_result *a, const struct bt_result *b,
		      const char *axis)
{
	if (strcmp(a->name, b->name) || strcmp(a->variant, b->variant) ||
	    a->n_params != b->n_params)
		return 0;
	for (size_t i = 0; i < a->n_params; i++)
		if (strcmp(a->params[i].key, axis) &&
		    strcmp(a->params[i].value, b->params[i].value))
			return 0;
	return 1;
}

static const char *param_of(const struct bt_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (strcmp(r->params[i].key, key) == 0)
			return r->params[i].value;
	return NULL;
}

void bt_front_find_limit_summary(const struct bt_run *run, const char *axis,
				 FILE *to)
{
	fprintf(to, "find-limit %s: the largest value that passed\n", axis);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		int first = 1;
		for (size_t j = 0; j < i && first; j++)
			first = !same_group(&run->results[j], r, axis);
		if (!first)
			continue;
		const char *best = NULL;
		const struct bt_result *stop = NULL;
		for (size_t j = i; j < run->n_results; j++) {
			const struct bt_result *q = &run->results[j];
			if (!same_group(r, q, axis))
				continue;
			if (q->status == BT_STATUS_OK)
				best = param_of(q, axis);
			else if (!stop)
				stop = q;
		}
		fprintf(to, "  %s", r->name);
		for (size_t k = 0; k < r->n_params; k++)
			if (strcmp(r->params[k].key, axis))
				fprintf(to, " %s=%s", r->params[k].key, r->params[k].value);
		if (strcmp(r->variant, "default"))
			fprintf(to, " :%s", r->variant);
		fprintf(to, "  %s=%s", axis, best ? best : "(none)");
		if (stop)
			fprintf(to, "  stopped at %s: %s%s%s\n", param_of(stop, axis),
				bt_status_name(stop->status), stop->message ? ": " : "",
				stop->message ? stop->message : "");
		else
			fprintf(to, "  (no case failed)\n");
	}
	fflush(to);
}
