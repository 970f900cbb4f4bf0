/* Command benchmarks (include/benchtrack/exec.h): the order of the runs
 * (warmups, randomized rounds or one command after another, hyperfine's
 * automatic run count), the hooks, the shell's spawn cost, the metric
 * protocol's files, and the results. Starting and waiting for one process
 * is lib/run/exec_spawn.c; words and messages lib/run/exec_words.c. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "import/protocol.h"
#include "run/counters.h"
#include "run/execint.h"

extern char **environ;

#define SHELL_CAL_RUNS 50      /* hyperfine's count */
#define SHELL_CAL_WARMUP 3
#define METRICS_CAP (64u << 20) /* bytes of one run's metric file */
#define ENV_NAME "BENCHTRACK_METRICS"

enum { H_SETUP, H_PREPARE, H_CONCLUDE, H_CLEANUP, H_N };
static const char *const hook_names[H_N] = { "setup", "prepare", "conclude", "cleanup" };

struct sample {
	double wall, user, sys, rss;
	double ir, l1m, llm, cyc; /* --measure instructions */
	double code;             /* the exit status (non-zero only with -i) */
};

/* One command's state over the call. */
struct cstate {
	const struct bt_exec_cmd *c;
	const char *name;
	char **argv;             /* what runs */
	int own_argv;            /* argv is ours (bt_exec_argv_free) */
	int via_shell;           /* SHELL -c TEXT: the shell's cost subtracted */
	char *path;              /* argv[0] found in PATH (malloc'd); NULL:
				    posix_spawnp searches at each start */
	char **hook[H_N];        /* ours; NULL: none */
	char *hook_path[H_N];
	int warm_done, done, planned;
	int set_up, over;        /* setup ran; no more runs */
	enum bt_status status;
	char *message;           /* malloc'd; NULL when ok */
	struct sample *s;
	size_t alloc;
	double cost;             /* seconds of its timed runs with their hooks */
	double wall_total, user_total, sys_total;
	int64_t peak;            /* bytes, -1 unknown */
	size_t nonzero;          /* runs that exited non-zero (-i) */
	char *last_nonzero;      /* malloc'd: what the last one said */
	struct bt__proto *proto;
};

struct ctx {
	const struct bt_exec_opts *o;
	char *cg_dir;            /* --measure instructions: callgrind's files */
	char cg_creator[48];     /* "callgrind-3.19.0" */
	int cg_cache;            /* the files had the cache events */
	int pers_old;            /* personality before ADDR_NO_RANDOMIZE; -1 */
	struct bt__spawner sp;
	char **shell;            /* opts->shell split; NULL without one */
	char **base_env;         /* environ without BENCHTRACK_METRICS */
	char **run_env;          /* base_env + the slot */
	char *env_slot;          /* "BENCHTRACK_METRICS=DIR/benchtrack-metrics-XXXXXX" */
	size_t env_prefix;       /* where the path starts in env_slot */
	char *template_x;        /* the XXXXXX of env_slot's path */
	int mfd;                 /* the metric file, open; -1: none */
	dev_t mdev;              /* its identity, to see whether a command
				    replaced it */
	ino_t mino;
	char *shell_path;        /* the shell found in PATH */
	double sh_wall, sh_user, sh_sys;
	struct cstate *cs;
	size_t n;
	size_t total_done, total_planned;
	uint64_t rng;
	struct bt_strbuf *warn, *err;
};

static double now_s(void)
{
	return (double)bt__clock() * 1e-9;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* Ends cs with status st and message msg (taken; NULL: out of memory,
 * reported by the caller through oom) unless it already failed. */
static void set_status(struct cstate *cs, enum bt_status st, char *msg)
{
	if (cs->status == BT_STATUS_OK) {
		cs->status = st;
		cs->message = msg;
	} else {
		free(msg);
	}
	cs->over = 1;
}

/* --- hooks and runs ---------------------------------------------------- */

static void progress(struct ctx *x, struct cstate *cs, int warm, double last_s)
{
	if (!x->o->progress)
		return;
	struct bt_exec_progress p = {
		.cmd = (size_t)(cs - x->cs),
		.done = x->total_done,
		.total = x->total_planned,
		.warmup = warm,
		.last_s = last_s,
		.cmd_done = (size_t)cs->done,
		.cmd_total = (size_t)cs->planned,
	};
	x->o->progress(x->o->ud, &p);
}

/* Runs hook k of cs: 0 ok (or none), 1 it failed (cs failed, over),
 * BT_EINTR, or an error of ours. */
static int run_hook(struct ctx *x, struct cstate *cs, int k)
{
	if (!cs->hook[k])
		return 0;
	struct bt__proc_res r;
	int rc = bt__proc_run(&x->sp, cs->hook_path[k], cs->hook[k], x->base_env, 1, 0,
			      x->o->stop, 0, &r, x->err);
	if (rc)
		return rc;
	if (r.stopped)
		return BT_EINTR;
	cs->wall_total += r.wall_s;
	if (!r.spawn_errno && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0)
		return 0;
	char what[512];
	const char *text = k == H_SETUP ? cs->c->setup : k == H_PREPARE ? cs->c->prepare :
			   k == H_CONCLUDE ? cs->c->conclude : cs->c->cleanup;
	snprintf(what, sizeof what, "%s command '%s'", hook_names[k], text);
	char *msg = bt__proc_describe(&r, cs->hook[k], what, 0);
	if (!msg)
		return bt_error(x->err, BT_ENOMEM, "out of memory");
	set_status(cs, BT_STATUS_FAILED, msg);
	return 1;
}

/* The end of cs's runs: its cleanup (after a setup that ran). */
static int finish(struct ctx *x, struct cstate *cs)
{
	cs->over = 1;
	if (!cs->set_up || !cs->hook[H_CLEANUP])
		return 0;
	cs->set_up = 0;
	int rc = run_hook(x, cs, H_CLEANUP);
	return rc < 0 ? rc : 0;
}

/* A fresh empty metric file, kept open in x->mfd; its path is in
 * x->env_slot. */
static int metrics_file(struct ctx *x)
{
	memcpy(x->template_x, "XXXXXX", 6);
	int fd = mkostemp(x->env_slot + x->env_prefix, O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) != 0) {
		close(fd);
		unlink(x->env_slot + x->env_prefix);
		fd = -1;
	}
	if (fd < 0)
		return bt_error(x->err, BT_EIO, "%s: cannot create a metric file: %s",
				x->env_slot + x->env_prefix, strerror(errno));
	x->mfd = fd;
	x->mdev = st.st_dev;
	x->mino = st.st_ino;
	return 0;
}

/* Up to size bytes of fd from its start (malloc'd into *data). */
static int read_fd(int fd, size_t size, char **data, size_t *len)
{
	*data = malloc(size + 1);
	*len = 0;
	if (!*data)
		return BT_ENOMEM;
	while (*len < size) {
		ssize_t got = pread(fd, *data + *len, size - *len, (off_t)*len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		*len += (size_t)got;
	}
	(*data)[*len] = '\0';
	return 0;
}

/* After a run: feeds what it wrote into the metric file to the protocol
 * (when keep) and leaves an empty metric file for the next run. Our own
 * file is emptied (the common case costs one lstat); one that the command
 * removed or replaced is read at its path, removed, and a new one made. */
static int metrics_read(struct ctx *x, struct cstate *cs, int keep)
{
	const char *path = x->env_slot + x->env_prefix;
	struct stat st;
	int exists = lstat(path, &st) == 0;
	int ours = exists && st.st_dev == x->mdev && st.st_ino == x->mino;
	if (ours && st.st_size == 0)
		return 0;
	char label[600];
	snprintf(label, sizeof label, "run %d of '%s'", cs->done + 1, cs->name);
	char *data = NULL;
	size_t len = 0;
	int rc = 0;
	if (keep && exists && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > METRICS_CAP) {
			bt_strbuf_addf(x->warn, "%s: the metric file holds more than %u "
				       "bytes: ignored\n", label, METRICS_CAP);
		} else if (ours) {
			rc = read_fd(x->mfd, (size_t)st.st_size, &data, &len);
		} else {
			struct bt_strbuf e = BT_STRBUF_INIT;
			rc = bt__read_file(path, METRICS_CAP, &data, &len, &e);
			if (rc && rc != BT_ENOMEM) {
				bt_strbuf_addf(x->warn, "%s: %s: metric file ignored\n", label,
					       bt_strbuf_str(&e));
				rc = 0;
			}
			bt_strbuf_release(&e);
		}
		if (rc == 0 && data)
			rc = bt__proto_feed(cs->proto, data, len, label, x->warn);
		free(data);
		if (rc)
			return bt_error(x->err, rc, "out of memory");
	}
	if (ours) {
		if (ftruncate(x->mfd, 0) == 0)
			return 0;
		unlink(path);
	} else if (exists && !S_ISDIR(st.st_mode)) {
		unlink(path);
	}
	close(x->mfd);
	x->mfd = -1;
	return metrics_file(x);
}

static void plan(struct ctx *x, struct cstate *cs)
{
	const struct bt_exec_opts *o = x->o;
	int old = cs->planned, p;
	if (o->runs > 0) {
		p = o->runs;
	} else {
		int mn = o->min_runs > 0 ? o->min_runs : 1;
		if (o->max_runs > 0 && o->max_runs < mn)
			mn = o->max_runs;
		double per = cs->done > 0 ? cs->cost / cs->done : 0;
		double want = per > 1e-9 ? floor(o->time_budget_s / per) : mn;
		p = want > 1e9 ? 1000000000 : (int)want;
		if (p < mn)
			p = mn;
		if (o->max_runs > 0 && p > o->max_runs)
			p = o->max_runs;
	}
	if (p < cs->done)
		p = cs->done;
	cs->planned = p;
	x->total_planned = x->total_planned - (size_t)old + (size_t)p;
}

/* One run of cs (its setup first when it is the first): prepare, the
 * command, conclude; a timed one (warm 0) is a sample. 0 (also when
 * the command failed: see cs), BT_EINTR, or an error of ours. */
static int step(struct ctx *x, struct cstate *cs, int warm)
{
	const struct bt_exec_opts *o = x->o;
	int rc;
	/* a stop asked for between runs (a progress callback, a signal while
	 * nothing ran): no further run starts, whatever the poll saw */
	if (o->stop && *o->stop)
		return BT_EINTR;
	if (!cs->set_up && !cs->over && cs->hook[H_SETUP]) {
		cs->set_up = 1;
		if ((rc = run_hook(x, cs, H_SETUP)) < 0)
			return rc;
		if (rc > 0)
			return finish(x, cs);
	}
	cs->set_up = 1;
	double t0 = now_s();
	if ((rc = run_hook(x, cs, H_PREPARE)) < 0)
		return rc;
	if (rc > 0)
		return finish(x, cs);
	struct bt__proc_res r;
	rc = bt__proc_run(&x->sp, cs->path, cs->argv, x->run_env, 0, o->timeout_s, o->stop,
			  1, &r, x->err);
	struct bt__cg_totals cg;
	memset(&cg, 0, sizeof cg);
	if (x->cg_dir) {
		struct bt_strbuf e = BT_STRBUF_INIT;
		if (bt__cg_read(x->cg_dir, "cg.", 1, &cg, &e) != 0)
			bt_strbuf_addf(x->warn, "%s: %s\n", cs->name, bt_strbuf_str(&e));
		bt_strbuf_release(&e);
		if (!x->cg_creator[0])
			memcpy(x->cg_creator, cg.creator, sizeof cg.creator);
		x->cg_cache |= cg.cache;
	}
	if (rc || r.stopped) {
		metrics_read(x, cs, 0);
		return rc ? rc : BT_EINTR;
	}
	cs->wall_total += r.wall_s;
	int ok = !r.spawn_errno && !r.timed_out && WIFEXITED(r.status) &&
		 WEXITSTATUS(r.status) == 0;
	int nonzero = !ok && !r.spawn_errno && !r.timed_out && WIFEXITED(r.status);
	int ignored = nonzero && o->ignore_failure;
	int keep = !warm && (ok || ignored);
	if ((rc = metrics_read(x, cs, keep)))
		return rc;
	if (!r.spawn_errno) {
		double u = tv_s(r.ru.ru_utime), s = tv_s(r.ru.ru_stime);
		if (!warm) {
			cs->user_total += u;
			cs->sys_total += s;
		}
	}
	if (!ok && !ignored) {
		char *msg = bt__proc_describe(&r, cs->argv, NULL, o->timeout_s);
		if (!msg)
			return bt_error(x->err, BT_ENOMEM, "out of memory");
		enum bt_status st = r.timed_out ? BT_STATUS_TIMEOUT :
				    (!r.spawn_errno && WIFSIGNALED(r.status)) ?
				    BT_STATUS_CRASHED : BT_STATUS_FAILED;
		set_status(cs, st, msg);
		if ((rc = run_hook(x, cs, H_CONCLUDE)) < 0)
			return rc;
		return finish(x, cs);
	}
	if (nonzero) {
		if (!warm)
			cs->nonzero++;
		free(cs->last_nonzero);
		cs->last_nonzero = bt__proc_describe(&r, cs->argv, NULL, o->timeout_s);
	}
	if ((rc = run_hook(x, cs, H_CONCLUDE)) < 0)
		return rc;
	if (rc > 0)
		return finish(x, cs);
	if (warm) {
		cs->warm_done++;
		progress(x, cs, 1, r.wall_s);
		return 0;
	}
	if (bt__vec_reserve((void **)&cs->s, &cs->alloc, (size_t)cs->done + 1, sizeof *cs->s))
		return bt_error(x->err, BT_ENOMEM, "out of memory");
	struct sample *sm = &cs->s[cs->done];
	double k = cs->via_shell ? 1 : 0;
	sm->wall = r.wall_s - k * x->sh_wall;
	sm->user = tv_s(r.ru.ru_utime) - k * x->sh_user;
	sm->sys = tv_s(r.ru.ru_stime) - k * x->sh_sys;
	sm->wall = sm->wall > 0 ? sm->wall : 0;
	sm->user = sm->user > 0 ? sm->user : 0;
	sm->sys = sm->sys > 0 ? sm->sys : 0;
	sm->rss = (double)r.ru.ru_maxrss * 1024.0;
	sm->code = nonzero ? WEXITSTATUS(r.status) : 0;
	sm->ir = cg.ir;
	sm->l1m = bt__cg_l1_misses(&cg);
	sm->llm = bt__cg_ll_misses(&cg);
	sm->cyc = bt__cg_est_cycles(&cg);
	if ((int64_t)sm->rss > cs->peak)
		cs->peak = (int64_t)sm->rss;
	cs->done++;
	x->total_done++;
	cs->cost += now_s() - t0;
	plan(x, cs);
	progress(x, cs, 0, r.wall_s);
	if (cs->done >= cs->planned)
		return finish(x, cs);
	return 0;
}

/* The shell's own cost: the mean of SHELL_CAL_RUNS runs of an empty
 * command (after a few not counted). */
static int calibrate(struct ctx *x)
{
	char **argv = bt__argv_join(x->shell, "-c", "");
	if (!argv)
		return bt_error(x->err, BT_ENOMEM, "out of memory");
	double w = 0, u = 0, s = 0;
	int rc = 0;
	for (int i = 0; i < SHELL_CAL_WARMUP + SHELL_CAL_RUNS; i++) {
		struct bt__proc_res r;
		if ((rc = bt__proc_run(&x->sp, x->shell_path, argv, x->base_env, 0, 0,
				       x->o->stop, 1, &r, x->err)))
			break;
		if (r.stopped) {
			rc = BT_EINTR;
			break;
		}
		if (r.spawn_errno || !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
			char *msg = bt__proc_describe(&r, argv, NULL, 0);
			rc = bt_error(x->err, BT_EINVAL, "shell '%s' -c '': %s", x->o->shell,
				      msg ? msg : "failed");
			free(msg);
			break;
		}
		if (i < SHELL_CAL_WARMUP)
			continue;
		w += r.wall_s;
		u += tv_s(r.ru.ru_utime);
		s += tv_s(r.ru.ru_stime);
	}
	bt_exec_argv_free(argv);
	x->sh_wall = w / SHELL_CAL_RUNS;
	x->sh_user = u / SHELL_CAL_RUNS;
	x->sh_sys = s / SHELL_CAL_RUNS;
	return rc;
}

/* --- the order of the runs --------------------------------------------- */

static uint64_t next_rand(struct ctx *x)
{
	x->rng = bt__mix64(x->rng);
	return x->rng;
}

/* The indices of the commands that still run, in a random order;
 * returns their count. */
static size_t round_order(struct ctx *x, size_t *ix, int warm)
{
	size_t k = 0;
	for (size_t i = 0; i < x->n; i++) {
		struct cstate *cs = &x->cs[i];
		if (!cs->over && (!warm || cs->warm_done < x->o->warmup))
			ix[k++] = i;
	}
	for (size_t i = k; i > 1; i--) {
		size_t j = (size_t)(next_rand(x) % i);
		size_t t = ix[i - 1];
		ix[i - 1] = ix[j];
		ix[j] = t;
	}
	return k;
}

static int run_all(struct ctx *x)
{
	const struct bt_exec_opts *o = x->o;
	int rc = 0;
	if (!o->interleave) {
		for (size_t i = 0; i < x->n; i++) {
			struct cstate *cs = &x->cs[i];
			while (!cs->over && cs->warm_done < o->warmup)
				if ((rc = step(x, cs, 1)))
					return rc;
			while (!cs->over)
				if ((rc = step(x, cs, 0)))
					return rc;
		}
		return 0;
	}
	size_t *ix = malloc((x->n ? x->n : 1) * sizeof *ix);
	if (!ix)
		return bt_error(x->err, BT_ENOMEM, "out of memory");
	for (int w = 0; w < o->warmup && !rc; w++) {
		size_t k = round_order(x, ix, 1);
		for (size_t j = 0; j < k && !rc; j++)
			if (!x->cs[ix[j]].over)
				rc = step(x, &x->cs[ix[j]], 1);
	}
	for (;;) {
		if (rc)
			break;
		size_t k = round_order(x, ix, 0);
		if (k == 0)
			break;
		for (size_t j = 0; j < k && !rc; j++)
			if (!x->cs[ix[j]].over)
				rc = step(x, &x->cs[ix[j]], 0);
	}
	free(ix);
	return rc;
}

/* --- results ------------------------------------------------------------ */

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct bt_kv *)a)->key, ((const struct bt_kv *)b)->key);
}

static int add_metric(struct bt_run *run, struct bt_metric *m, const char *name,
		      const char *unit, const struct sample *s, size_t n, size_t field)
{
	m->name = name;
	m->unit = unit;
	m->direction = BT_LOWER_IS_BETTER;
	m->samples = bt_run_alloc(run, n * sizeof *m->samples);
	if (!m->samples)
		return BT_ENOMEM;
	for (size_t i = 0; i < n; i++)
		m->samples[i] = *(const double *)((const char *)&s[i] + field);
	m->n_samples = n;
	return bt_stats_summarize(m->samples, n, &m->stats);
}

static int fill_result(struct ctx *x, struct cstate *cs, struct bt_run *run,
		       struct bt_result *r)
{
	const struct bt_exec_opts *o = x->o;
	const struct bt_exec_cmd *c = cs->c;
	r->name = bt_run_strdup(run, cs->name);
	r->group = bt_run_strdup(run, o->group ? o->group : "exec");
	r->variant = "default";
	if (!r->name || !r->group)
		return BT_ENOMEM;
	if (c->n_params) {
		r->params = bt_run_alloc(run, c->n_params * sizeof *r->params);
		if (!r->params)
			return BT_ENOMEM;
		for (size_t i = 0; i < c->n_params; i++) {
			r->params[i].key = bt_run_strdup(run, c->params[i].key);
			r->params[i].value = bt_run_strdup(run, c->params[i].value);
			if (!r->params[i].key || !r->params[i].value)
				return BT_ENOMEM;
		}
		r->n_params = c->n_params;
		qsort(r->params, r->n_params, sizeof *r->params, cmp_kv);
	}
	r->status = cs->status;
	if (cs->message && !(r->message = bt_run_strdup(run, cs->message)))
		return BT_ENOMEM;
	size_t n = (size_t)cs->done;
	if (n > 0) {
		/* --measure instructions: the counts first (the primary
		 * metric), deterministic; the times under callgrind after */
		size_t k = x->cg_dir ? (x->cg_cache ? 4 : 1) : 0;
		struct bt_metric *m = r->metrics = bt_run_alloc(run, 9 * sizeof *r->metrics);
		if (!r->metrics)
			return BT_ENOMEM;
		int rc = !k ? 0 : add_metric(run, &m[0], "instructions", "instr", cs->s, n,
					     offsetof(struct sample, ir));
		if (k > 1) {
			rc = rc ? rc : add_metric(run, &m[1], "l1_misses", "misses", cs->s, n,
						  offsetof(struct sample, l1m));
			rc = rc ? rc : add_metric(run, &m[2], "ll_misses", "misses", cs->s, n,
						  offsetof(struct sample, llm));
			rc = rc ? rc : add_metric(run, &m[3], "est_cycles", "cycles", cs->s, n,
						  offsetof(struct sample, cyc));
		}
		for (size_t i = 0; i < k; i++)
			m[i].deterministic = 1;
		rc = rc ? rc : add_metric(run, &m[k], "time", "s", cs->s, n,
					  offsetof(struct sample, wall));
		rc = rc ? rc : add_metric(run, &m[k + 1], "user_time", "s", cs->s, n,
					  offsetof(struct sample, user));
		rc = rc ? rc : add_metric(run, &m[k + 2], "sys_time", "s", cs->s, n,
					  offsetof(struct sample, sys));
		rc = rc ? rc : add_metric(run, &m[k + 3], "peak_rss", "B", cs->s, n,
					  offsetof(struct sample, rss));
		/* with runs that exited non-zero (-i), each run's status */
		rc = rc || !cs->nonzero ? rc
			: add_metric(run, &m[k + 4], "exit_code", "", cs->s, n,
				     offsetof(struct sample, code));
		if (rc)
			return rc;
		r->n_metrics = k + (cs->nonzero ? 5 : 4);
	}
	size_t nc = (o->ignore_failure ? 1 : 0) + (cs->via_shell ? 1 : 0);
	if (nc) {
		r->counters = bt_run_alloc(run, nc * sizeof *r->counters);
		if (!r->counters)
			return BT_ENOMEM;
		if (o->ignore_failure)
			r->counters[r->n_counters++] =
				(struct bt_counter){ "exit_code_nonzero", (double)cs->nonzero };
		if (cs->via_shell)
			r->counters[r->n_counters++] =
				(struct bt_counter){ "shell_spawn_s", x->sh_wall };
	}
	r->iterations_per_sample = 1;
	r->peak_memory_bytes = cs->peak;
	r->cpu_user_s = cs->user_total;
	r->cpu_sys_s = cs->sys_total;
	r->wall_s = cs->wall_total;
	return 0;
}

/* Warnings about a command that ran: non-zero exits kept (-i), runs so
 * short that the shell's cost dominates. (A peak RSS that may be ours is
 * documented in exec.h, not warned about on every call.) */
static void warn_cmd(struct ctx *x, struct cstate *cs)
{
	if (cs->nonzero)
		bt_strbuf_addf(x->warn, "'%s': %zu of %d runs exited with a non-zero status, "
			       "kept (--ignore-failure); the last: %s\n", cs->name,
			       cs->nonzero, cs->done,
			       cs->last_nonzero ? cs->last_nonzero : "?");
	if (cs->via_shell && cs->done > 0 && cs->status == BT_STATUS_OK) {
		double sum = 0;
		for (int i = 0; i < cs->done; i++)
			sum += cs->s[i].wall;
		if (sum / cs->done < 5e-3 && x->sh_wall > 0)
			bt_strbuf_addf(x->warn, "'%s': a run takes under 5 ms, so the shell's "
				       "spawn cost subtracted (%.3g ms) may be most of what "
				       "was measured; without a shell (-N) it is not\n",
				       cs->name, x->sh_wall * 1e3);
	}
}

/* --- the call ----------------------------------------------------------- */

void bt_exec_opts_init(struct bt_exec_opts *o)
{
	memset(o, 0, sizeof *o);
	o->min_runs = 10;
	o->time_budget_s = 3.0;
	o->interleave = 1;
}

static int check_opts(const struct bt_exec_opts *o, const struct bt_exec_cmd *cmds,
		      size_t n, struct bt_strbuf *err)
{
	if (n == 0)
		return bt_error(err, BT_EINVAL, "no command to benchmark");
	if (o->warmup < 0 || o->runs < 0 || o->min_runs < 0 || o->max_runs < 0)
		return bt_error(err, BT_EINVAL, "negative number of runs");
	if (!(o->time_budget_s >= 0) || !(o->timeout_s >= 0) || isinf(o->time_budget_s))
		return bt_error(err, BT_EINVAL, "time budget and timeout must be finite "
				"and >= 0");
	if (o->output == BT_EXEC_OUT_FILE && (!o->output_file || !*o->output_file))
		return bt_error(err, BT_EINVAL, "output to a file without a file name");
	if (o->output < BT_EXEC_OUT_NULL || o->output > BT_EXEC_OUT_FILE)
		return bt_error(err, BT_EINVAL, "unknown output %d", (int)o->output);
	if (o->shell && !*o->shell)
		return bt_error(err, BT_EINVAL, "empty shell");
	for (size_t i = 0; i < n; i++) {
		if (!cmds[i].text && !cmds[i].argv)
			return bt_error(err, BT_EINVAL, "command %zu: no text", i + 1);
		if (cmds[i].argv && !cmds[i].argv[0])
			return bt_error(err, BT_EINVAL, "command %zu: empty command", i + 1);
		if (cmds[i].n_params && !cmds[i].params)
			return bt_error(err, BT_EINVAL, "command %zu: params missing", i + 1);
		for (size_t k = 0; k < cmds[i].n_params; k++)
			if (!cmds[i].params[k].key || !cmds[i].params[k].value)
				return bt_error(err, BT_EINVAL, "command %zu: a param without "
						"a name or value", i + 1);
	}
	return 0;
}

/* argv of a command or hook text: with the shell, SHELL -c TEXT; without,
 * TEXT split. NULL with err set (BT_EINVAL naming what, or BT_ENOMEM). */
static char **make_argv(struct ctx *x, const char *text, const char *what, int *rc)
{
	if (x->shell) {
		char **v = bt__argv_join(x->shell, "-c", text);
		if (!v)
			*rc = bt_error(x->err, BT_ENOMEM, "out of memory");
		return v;
	}
	struct bt_strbuf e = BT_STRBUF_INIT;
	char **v = bt_exec_split(text, &e);
	if (v && !v[0]) {
		bt_exec_argv_free(v);
		v = NULL;
		*rc = bt_error(x->err, BT_EINVAL, "%s: empty command", what);
	} else if (!v) {
		*rc = bt_error(x->err, strstr(bt_strbuf_str(&e), "out of memory") ?
				       BT_ENOMEM : BT_EINVAL, "%s: %s", what, bt_strbuf_str(&e));
	}
	bt_strbuf_release(&e);
	return v;
}

static int setup_env(struct ctx *x)
{
	const char *dir = x->o->tmpdir;
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	x->base_env = calloc(n + 1, sizeof *x->base_env);
	x->run_env = calloc(n + 2, sizeof *x->run_env);
	x->env_slot = bt__pathf(ENV_NAME "=%s/benchtrack-metrics-XXXXXX", dir);
	if (!x->base_env || !x->run_env || !x->env_slot)
		return bt_error(x->err, BT_ENOMEM, "out of memory");
	size_t k = 0, plen = strlen(ENV_NAME "=");
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, ENV_NAME "=", plen) != 0) {
			x->run_env[k] = *e;
			x->base_env[k++] = *e;
		}
	x->run_env[k] = x->env_slot;
	x->env_prefix = plen;
	x->template_x = x->env_slot + strlen(x->env_slot) - 6;
	return metrics_file(x);
}

static void ctx_release(struct ctx *x)
{
	for (size_t i = 0; x->cs && i < x->n; i++) {
		struct cstate *cs = &x->cs[i];
		if (cs->own_argv)
			bt_exec_argv_free(cs->argv);
		free(cs->path);
		for (int k = 0; k < H_N; k++) {
			bt_exec_argv_free(cs->hook[k]);
			free(cs->hook_path[k]);
		}
		free(cs->message);
		free(cs->last_nonzero);
		free(cs->s);
		bt__proto_free(cs->proto);
	}
	free(x->cs);
	if (x->cg_dir) {
		bt__rm_tree(x->cg_dir, NULL);
		free(x->cg_dir);
	}
	if (x->pers_old != -1)
		personality((unsigned long)x->pers_old);
	if (x->mfd >= 0) {
		close(x->mfd);
		unlink(x->env_slot + x->env_prefix);
	}
	free(x->shell_path);
	bt_exec_argv_free(x->shell);
	free(x->base_env);
	free(x->run_env);
	free(x->env_slot);
	bt__spawner_release(&x->sp);
}

static uint64_t fresh_seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &s, sizeof s) != (ssize_t)sizeof s)
			s = 0;
		close(fd);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	s ^= bt__mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)getpid());
	return s ? s : 1;
}

/* --measure instructions: valgrind found (*vg, malloc'd), a directory
 * for callgrind's files, ASLR off for what we start. 0 with nothing done
 * for time; BT_EINVAL (unknown measure), BT_ENOTFOUND (no valgrind). */
static int count_setup(struct ctx *x, char **vg)
{
	const struct bt_exec_opts *o = x->o;
	int k = bt__measure_kind(o->measure);
	if (k == BT__M_TIME && !o->cache_sim)
		return 0;
	if (k != BT__M_INSTRUCTIONS)
		return bt_error(x->err, BT_EINVAL, k == BT__M_CYCLES
				? "--measure cycles applies to suites, not commands"
				: o->cache_sim ? "--cache-sim goes with --measure instructions"
				: "unknown measure '%s'", o->measure);
	if (!(*vg = bt__valgrind_path()))
		return bt_error(x->err, BT_ENOTFOUND, "--measure instructions counts "
				"under valgrind's callgrind, and there is no valgrind "
				"in PATH (Debian/Ubuntu: apt-get install valgrind)");
	const char *t = o->tmpdir && *o->tmpdir ? o->tmpdir : getenv("TMPDIR");
	x->cg_dir = bt__pathf("%s/benchtrack-cg-XXXXXX", t && *t ? t : "/tmp");
	if (!x->cg_dir)
		return bt_error(x->err, BT_ENOMEM, "out of memory");
	if (!mkdtemp(x->cg_dir)) {
		int e = errno;
		free(x->cg_dir);
		x->cg_dir = NULL;
		return bt_error(x->err, BT_EIO, "a directory for callgrind's files: %s",
				strerror(e));
	}
	x->pers_old = personality(0xffffffff);
	if (x->pers_old != -1)
		personality((unsigned long)x->pers_old | ADDR_NO_RANDOMIZE);
	return 0;
}

/* cs's command run under callgrind. */
static int count_wrap(struct ctx *x, struct cstate *cs, const char *vg)
{
	char *out = bt__pathf("%s/cg.%%p", x->cg_dir);
	char **v = out ? bt__cg_wrap(cs->argv, vg, out, x->o->cache_sim) : NULL;
	free(out);
	if (!v)
		return bt_error(x->err, BT_ENOMEM, "out of memory");
	if (cs->own_argv)
		bt_exec_argv_free(cs->argv);
	cs->argv = v;
	cs->own_argv = 1;
	free(cs->path);
	cs->path = strdup(vg);
	return cs->path ? 0 : bt_error(x->err, BT_ENOMEM, "out of memory");
}

int bt_exec_run(const struct bt_exec_opts *o, const struct bt_exec_cmd *cmds,
		size_t n, struct bt_run *run, struct bt_strbuf *warn,
		struct bt_strbuf *err)
{
	int rc = check_opts(o, cmds, n, err);
	if (rc)
		return rc;
	double t_start = now_s();
	struct ctx x;
	memset(&x, 0, sizeof x);
	x.o = o;
	x.n = n;
	x.warn = warn;
	x.err = err;
	x.sp.devnull = x.sp.in_fd = -1;
	x.mfd = -1;
	x.pers_old = -1;
	char *vg = NULL;
	if ((rc = count_setup(&x, &vg)))
		goto out;
	uint64_t seed = o->seed ? o->seed : fresh_seed();
	x.rng = seed;
	x.cs = calloc(n, sizeof *x.cs);
	if (!x.cs) {
		rc = bt_error(err, BT_ENOMEM, "out of memory");
		goto out;
	}
	if (o->shell && !(x.shell = make_argv(&(struct ctx){ .err = err }, o->shell,
					       "shell", &rc)))
		goto out;
	if (x.shell)
		x.shell_path = bt__exec_resolve(x.shell[0]);
	for (size_t i = 0; i < n; i++) {
		struct cstate *cs = &x.cs[i];
		const struct bt_exec_cmd *c = &cmds[i];
		cs->c = c;
		cs->name = c->name ? c->name : c->text ? c->text : c->argv[0];
		cs->peak = -1;
		if (!(cs->proto = bt__proto_new())) {
			rc = bt_error(err, BT_ENOMEM, "out of memory");
			goto out;
		}
		if (c->argv) {
			cs->argv = c->argv;
		} else {
			char what[600];
			snprintf(what, sizeof what, "command '%s'", c->text);
			if (!(cs->argv = make_argv(&x, c->text, what, &rc)))
				goto out;
			cs->own_argv = 1;
			cs->via_shell = x.shell != NULL;
		}
		cs->path = bt__exec_resolve(cs->argv[0]);
		if (vg && (rc = count_wrap(&x, cs, vg)))
			goto out;
		const char *h[H_N] = { c->setup, c->prepare, c->conclude, c->cleanup };
		for (int k = 0; k < H_N; k++) {
			if (!h[k])
				continue;
			char what[600];
			snprintf(what, sizeof what, "%s command '%s'", hook_names[k], h[k]);
			if (!(cs->hook[k] = make_argv(&x, h[k], what, &rc)))
				goto out;
			cs->hook_path[k] = bt__exec_resolve(cs->hook[k][0]);
		}
	}
	if ((rc = bt__spawner_init(&x.sp, o->input_file, o->output, o->output_file, err)))
		goto out;
	if ((rc = setup_env(&x)))
		goto out;
	for (size_t i = 0; i < n; i++)
		plan(&x, &x.cs[i]);
	int any_shell = 0;
	for (size_t i = 0; i < n; i++)
		any_shell |= x.cs[i].via_shell;
	if (any_shell && (rc = calibrate(&x)))
		goto out;

	/* our peak down to what we hold now, so that the floor under every
	 * command's peak RSS is that, not what we held once */
	bt__reset_peak_rss();
	int rrc = run_all(&x);
	/* cleanups of commands that were set up and not finished (stopped:
	 * not run, the user asked to stop) */
	for (size_t i = 0; rrc == 0 && i < n; i++)
		if (x.cs[i].set_up && (rrc = finish(&x, &x.cs[i])) != 0)
			break;
	for (size_t i = 0; i < n; i++) {
		struct cstate *cs = &x.cs[i];
		if (rrc == BT_EINTR && cs->status == BT_STATUS_OK && cs->done < cs->planned) {
			char *m = NULL;
			if (asprintf(&m, "interrupted after %d of %d runs", cs->done,
				     cs->planned) < 0)
				m = NULL;
			set_status(cs, BT_STATUS_FAILED, m);
		}
		warn_cmd(&x, cs);
	}
	size_t base = run->n_results;
	for (size_t i = 0; i < n; i++) {
		struct bt_result *r = bt_run_add_result(run);
		if (!r || fill_result(&x, &x.cs[i], run, r)) {
			rc = bt_error(err, BT_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = bt__proto_emit(x.cs[i].proto, run, base + i, err)))
			goto out;
	run->config.warmup_iterations = o->warmup;
	run->config.measurement_iterations = o->runs;
	run->config.time_budget = o->runs > 0 ? 0 : o->time_budget_s;
	run->config.timeout = o->timeout_s;
	run->config.isolate = 1;
	run->config.seed = seed;
	run->config.clock = "CLOCK_MONOTONIC";
	if (x.cg_dir) {
		run->config.measure = "instructions";
		run->config.cache_sim = o->cache_sim;
		run->config.measure_tool = bt_run_printf(
			run, "%s: valgrind --tool=callgrind --trace-children=yes%s; "
			"ASLR off", x.cg_creator[0] ? x.cg_creator : "callgrind",
			o->cache_sim ? " --cache-sim=yes" : "");
	}
	rc = rrc;
	if (rc == BT_EINTR && err && err->len == 0)
		bt_error(err, BT_EINTR, "interrupted");
out:
	run->duration_s = now_s() - t_start;
	free(vg);
	ctx_release(&x);
	return rc;
}
