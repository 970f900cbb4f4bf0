/* Evaluation of the change-point defaults against the reference corpus
 * (../shared/changepoint/dev, described in its README.md) with Otava's
 * answers beside ours, per noise kind and CV: the false alarms on null
 * series, the recall of single steps of at least 2 sigma (+-3 points), the
 * recall of 1% steps at 0.5% noise, the other injections, Otava parity of
 * otava_compat, and the time per 200-point series. Then the excursion
 * search (bt_excursions beside our change points): the null series it
 * flags per kind and CV (alone, and with the change points), the
 * corpus' 3-point excursions (step_revert3) it finds, and its time
 * (BT_EVAL_EXC_DEBUG=1 prints every excursion found).
 *
 * The corpus has no autocorrelated or bimodal noise, so those series are
 * generated here to the corpus design (level 100, sigma = CV * 100, N = 200,
 * a step of sign * {1, 2, 5, 10, 20}% at a uniform index in [60, 140]):
 *   ar1    base[t] = phi base[t-1] + sqrt(1 - phi^2) sigma z[t] (stationary
 *          sd sigma), phi 0.3 and 0.6 alternating with the replicate;
 *   bimodal gauss plus +gap sigma on each point with probability 0.1
 *          (gap 3 and 5 alternating, BIMODAL_GAPS).
 * For them "Otava" is otava_compat (bit-identical to Otava on the corpus).
 *
 *   build/changepoint_eval [CORPUS_DIR] [REPLICATES]
 * (default /work/shared/changepoint/dev, or $BT_CHANGEPOINT_CORPUS; 100
 * generated series per kind, CV and injection). A fresh corpus of the same
 * design (scripts/changepoint-fresh.py), to check that the tuning is not
 * fitted to the dev files, may come without otava.json: the Otava columns
 * are then otava_compat's answers and the parity line counts 0/0.
 * BT_EVAL_GEN_SEED=N draws other ar1/bimodal series (default 0).
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <benchtrack/analysis.h>

#include "../tests/rng.h"

#define NKIND 7
static const char *kind_name[NKIND] = {"gauss", "spikes 1%", "spikes 3%", "lognormal",
				       "ar1 0.3", "ar1 0.6", "bimodal"};
static const double cvs[4] = {0.5, 1, 2, 5};
#define NOURS 3 /* ours, otava p0.001, otava p0.0001 */

struct cell {
	size_t n, hit;
};

struct tally {
	struct cell null[NKIND][4][NOURS];
	struct cell step2[NKIND][4][NOURS];          /* steps >= 2 sigma */
	struct cell bysize[5][4][NOURS];             /* corpus, all kinds */
	struct cell gen_bysize[5][4];                /* generated kinds, ours */
	struct cell two_both[NOURS], spike_rev[NOURS], rev3_both[NOURS], var_any[NOURS];
	size_t parity_n, parity_same[2];
	double *times;
	size_t n_times;
	/* excursions (bt_excursions beside our change points) */
	struct cell exc_null[NKIND][4];  /* null series with an excursion */
	struct cell any_null[NKIND][4];  /* ... with a change point or one */
	struct cell exc_rev3[3];         /* step_revert3 found (+-1), 5/10/20% */
	struct cell exc_step;            /* step series with an excursion */
	struct cell exc_spike;           /* spike_revert with an excursion */
	double *exc_times;
	size_t n_exc_times;
};

static const double sizes[5] = {1, 2, 5, 10, 20};

static int size_ix(double m)
{
	for (int i = 0; i < 5; i++)
		if (m == sizes[i])
			return i;
	return -1;
}

static int cv_ix(double cv)
{
	for (int i = 0; i < 4; i++)
		if (cv == cvs[i])
			return i;
	return -1;
}

static double *load_csv(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[256];
	double *x = NULL;
	size_t cap = 0;

	*n = 0;
	if (!f)
		return NULL;
	if (!fgets(line, sizeof line, f)) {
		fclose(f);
		return NULL;
	}
	while (fgets(line, sizeof line, f)) {
		char *c = strchr(line, ',');

		if (!c)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			x = realloc(x, cap * sizeof *x);
		}
		x[(*n)++] = strtod(c + 1, NULL);
	}
	fclose(f);
	return x;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* whether some point of idx[0..n) lies within +-3 of t, not yet used */
static int near(const size_t *idx, size_t n, long t, unsigned char *used)
{
	for (size_t i = 0; i < n; i++)
		if (!used[i] && labs((long)idx[i] - t) <= 3) {
			used[i] = 1;
			return 1;
		}
	return 0;
}

/* hits of the true points tr[0..nt) by idx[0..n) (one to one) */
static int hits(const size_t *idx, size_t n, const long *tr, size_t nt)
{
	unsigned char used[64] = {0};
	int h = 0;

	for (size_t i = 0; i < nt; i++)
		h += near(idx, n < 64 ? n : 64, tr[i], used);
	return h;
}

struct answer {
	size_t idx[64];
	size_t n;
	size_t exc_start[8], exc_end[8], n_exc; /* ours only */
};

/* Our defaults; BT_EVAL_FLOOR, BT_EVAL_K, BT_EVAL_AC, BT_EVAL_RANK,
 * BT_EVAL_PMAX override min_magnitude, noise_k, autocorr, rank_max_pvalue,
 * max_pvalue (to compare variants). */
static void defaults(struct bt_cp_opts *o)
{
	const char *e;

	bt_cp_opts_default(o);
	if ((e = getenv("BT_EVAL_FLOOR")))
		o->min_magnitude = atof(e);
	if ((e = getenv("BT_EVAL_K")))
		o->noise_k = atof(e);
	if ((e = getenv("BT_EVAL_AC")))
		o->autocorr = atoi(e);
	if ((e = getenv("BT_EVAL_RANK")))
		o->rank_max_pvalue = atof(e);
	if ((e = getenv("BT_EVAL_PMAX")))
		o->max_pvalue = atof(e);
}

static void ours(const double *x, size_t n, struct answer *a, struct tally *t)
{
	struct bt_cp_opts o;
	struct bt_cp_result r;
	double t0;

	defaults(&o);
	t0 = now_us();
	if (bt_changepoints(x, n, &o, &r, NULL)) {
		fprintf(stderr, "bt_changepoints failed\n");
		exit(3);
	}
	if (n == 200 && t)
		t->times[t->n_times++] = now_us() - t0;
	a->n = 0;
	for (size_t i = 0; i < r.n && i < 64; i++)
		a->idx[a->n++] = r.points[i].index;
	{
		struct bt_excursion *ex;
		size_t ne;

		t0 = now_us();
		if (bt_excursions(x, n, &o, &r, &ex, &ne, NULL)) {
			fprintf(stderr, "bt_excursions failed\n");
			exit(3);
		}
		if (n == 200 && t)
			t->exc_times[t->n_exc_times++] = now_us() - t0;
		a->n_exc = 0;
		if (getenv("BT_EVAL_EXC_DEBUG"))
			for (size_t i = 0; i < ne; i++)
				printf("exc [%zu,%zu) %.3f %.3f %.3f p %.2g sd %.3f r %.2f n %zu+%zu\n",
				       ex[i].start, ex[i].end, ex[i].mean_before, ex[i].mean_during,
				       ex[i].mean_after, ex[i].p_value, ex[i].noise_sd, ex[i].autocorr,
				       ex[i].n_before, ex[i].n_after);
		for (size_t i = 0; i < ne && i < 8; i++) {
			a->exc_start[a->n_exc] = ex[i].start;
			a->exc_end[a->n_exc++] = ex[i].end;
		}
		free(ex);
	}
	bt_cp_result_release(&r);
}

static void compat(const double *x, size_t n, double p, struct answer *a)
{
	struct bt_cp_opts o;
	struct bt_cp_result r;

	bt_cp_opts_otava(&o, p);
	if (bt_changepoints(x, n, &o, &r, NULL)) {
		fprintf(stderr, "bt_changepoints failed\n");
		exit(3);
	}
	a->n = 0;
	for (size_t i = 0; i < r.n && i < 64; i++)
		a->idx[a->n++] = r.points[i].index;
	bt_cp_result_release(&r);
}

static void from_json(json_t *arr, struct answer *a)
{
	a->n = 0;
	for (size_t i = 0; i < json_array_size(arr) && i < 64; i++)
		a->idx[a->n++] = (size_t)json_integer_value(
			json_object_get(json_array_get(arr, i), "index"));
}

static int same(const struct answer *a, const struct answer *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->idx[i] != b->idx[i])
			return 0;
	return 1;
}

/* Tallies one series with its three answers. */
static void score(struct tally *t, int kind, int cvi, const char *inj, double mag,
		  const long *tr, size_t nt, const struct answer ans[NOURS], int corpus)
{
	const struct answer *o = &ans[0];

	if (!strcmp(inj, "null")) {
		t->exc_null[kind][cvi].n++;
		t->exc_null[kind][cvi].hit += o->n_exc > 0;
		t->any_null[kind][cvi].n++;
		t->any_null[kind][cvi].hit += o->n_exc > 0 || o->n > 0;
	} else if (!strcmp(inj, "step")) {
		t->exc_step.n++;
		t->exc_step.hit += o->n_exc > 0;
	} else if (!strcmp(inj, "spike_revert")) {
		t->exc_spike.n++;
		t->exc_spike.hit += o->n_exc > 0;
	} else if (!strcmp(inj, "step_revert3") && nt == 2) {
		int mi = mag >= 20 ? 2 : mag >= 10 ? 1 : 0, found = 0;

		for (size_t i = 0; i < o->n_exc; i++)
			found |= labs((long)o->exc_start[i] - tr[0]) <= 1 &&
				 labs((long)o->exc_end[i] - tr[1]) <= 1;
		/* or both edges as change points */
		found |= hits(o->idx, o->n, tr, nt) == 2;
		t->exc_rev3[mi].n++;
		t->exc_rev3[mi].hit += found;
	}
	for (int k = 0; k < NOURS; k++) {
		const struct answer *a = &ans[k];
		int h = hits(a->idx, a->n, tr, nt);

		if (!strcmp(inj, "null")) {
			t->null[kind][cvi][k].n++;
			t->null[kind][cvi][k].hit += a->n > 0;
		} else if (!strcmp(inj, "step")) {
			int si = size_ix(mag);

			if (mag >= 2 * cvs[cvi] - 1e-9) {
				t->step2[kind][cvi][k].n++;
				t->step2[kind][cvi][k].hit += h;
			}
			if (si >= 0 && corpus) {
				t->bysize[si][cvi][k].n++;
				t->bysize[si][cvi][k].hit += h;
			}
			if (si >= 0 && !corpus && k == 0) {
				t->gen_bysize[si][cvi].n++;
				t->gen_bysize[si][cvi].hit += h;
			}
		} else if (!strcmp(inj, "two_steps")) {
			t->two_both[k].n++;
			t->two_both[k].hit += h == 2;
		} else if (!strcmp(inj, "spike_revert")) {
			t->spike_rev[k].n++;
			t->spike_rev[k].hit += a->n > 0;
		} else if (!strcmp(inj, "step_revert3")) {
			t->rev3_both[k].n++;
			t->rev3_both[k].hit += h == 2;
		} else if (!strcmp(inj, "variance")) {
			t->var_any[k].n++;
			t->var_any[k].hit += a->n > 0;
		}
	}
}

/* --- generated series (tests/rng.h's seeded numbers) ------------------------ */

static void gen(double *x, size_t n, int kind, int rep, double cv, double step,
		size_t at, uint64_t seed)
{
	double sigma = cv, e = 0, phi = kind == 4 ? 0.3 : 0.6;
	double gap = rep % 2 ? 5.0 : 3.0;
	uint64_t s = seed;

	for (size_t i = 0; i < n; i++) {
		double z = bt_test_gauss(&s), base;

		if (kind == 6) {
			base = sigma * z + (bt_test_unif(&s) < 0.1 ? gap * sigma : 0);
		} else {
			e = i == 0 ? sigma * z : phi * e + sqrt(1 - phi * phi) * sigma * z;
			base = e;
		}
		x[i] = 100 * (1 + (i >= at ? step : 0)) + base;
	}
}

static void debug_print(int kind, int c, int rep, const double *x, size_t n)
{
	struct bt_cp_opts o;
	struct bt_cp_result r;

	defaults(&o);
	bt_changepoints(x, n, &o, &r, NULL);
	for (size_t i = 0; i < r.n; i++) {
		const struct bt_change_point *p = &r.points[i];

		printf("debug %s cv%g rep%d: at %zu p %.2g %.3f -> %.3f (%+.2f%%) sd %.3f/%.3f "
		       "noise %.3f rho %.2f min %.3f perm %.3f\n", kind_name[kind], cvs[c], rep,
		       p->index, p->p_value, p->mean_before, p->mean_after, 100 * p->rel_change,
		       p->std_before, p->std_after, p->noise_sd, p->autocorr, p->min_change, p->perm_p);
	}
	bt_cp_result_release(&r);
}

static void run_generated(struct tally *t, size_t reps)
{
	double x[200];
	const char *gs = getenv("BT_EVAL_GEN_SEED");
	uint64_t base = 0x5eed0000ull + (gs ? strtoull(gs, NULL, 10) * 0x100000000ull : 0);

	for (int kind = 4; kind < NKIND; kind++)
		for (int c = 0; c < 4; c++)
			for (size_t r = 0; r < reps * 6; r++) {
				uint64_t seed = base + (uint64_t)kind * 100000000ull +
						(uint64_t)c * 1000000ull + r;
				uint64_t s2 = seed ^ 0xabcdefull;
				int null = r < reps;
				double mag = null ? 0 : sizes[(r - reps) % 5];
				double sign = (bt_test_rng_next(&s2) & 1) ? 1 : -1;
				size_t at = null ? 1000 : 60 + (size_t)(bt_test_unif(&s2) * 81);
				long tr[1] = {(long)at};
				struct answer ans[NOURS];

				gen(x, 200, kind, (int)r, cvs[c], sign * mag / 100, at, seed);
				ours(x, 200, &ans[0], NULL);
				if (null && ans[0].n && getenv("BT_EVAL_DEBUG"))
					debug_print(kind, c, (int)r, x, 200);
				compat(x, 200, 0.001, &ans[1]);
				compat(x, 200, 0.0001, &ans[2]);
				score(t, kind, c, null ? "null" : "step", mag, tr, null ? 0 : 1, ans, 0);
			}
}

/* --- output ---------------------------------------------------------------- */

static const char *pct(const struct cell *c, char *buf)
{
	if (!c->n)
		return strcpy(buf, "-");
	snprintf(buf, 32, "%.1f", 100.0 * (double)c->hit / (double)c->n);
	return buf;
}

static void cellsum(struct cell *sum, const struct cell *c)
{
	sum->n += c->n;
	sum->hit += c->hit;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print_grid(const char *title, struct cell g[NKIND][4][NOURS], size_t hitdiv)
{
	char b[3][32];

	(void)hitdiv;
	printf("\n%s: ours / Otava p0.001 / Otava p0.0001, %% (series)\n\n", title);
	printf("| noise | CV 0.5%% | CV 1%% | CV 2%% | CV 5%% | all |\n|---|---|---|---|---|---|\n");
	for (int k = 0; k < NKIND; k++) {
		struct cell all[NOURS] = {{0, 0}};

		printf("| %s |", kind_name[k]);
		for (int c = 0; c < 4; c++) {
			for (int j = 0; j < NOURS; j++)
				cellsum(&all[j], &g[k][c][j]);
			printf(" %s / %s / %s (%zu) |", pct(&g[k][c][0], b[0]), pct(&g[k][c][1], b[1]),
			       pct(&g[k][c][2], b[2]), g[k][c][0].n);
		}
		printf(" **%s** / %s / %s (%zu) |\n", pct(&all[0], b[0]), pct(&all[1], b[1]),
		       pct(&all[2], b[2]), all[0].n);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("BT_CHANGEPOINT_CORPUS");
	size_t reps = argc > 2 ? (size_t)atol(argv[2]) : 100;
	char path[4096];
	json_error_t je;
	json_t *man, *ota, *ms, *os;
	static struct tally t;
	char b[3][32];

	if (!dir || !*dir)
		dir = "/work/shared/changepoint/dev";
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	man = json_load_file(path, 0, &je);
	snprintf(path, sizeof path, "%s/otava.json", dir);
	ota = json_load_file(path, 0, &je);
	if (!man) {
		fprintf(stderr, "changepoint_eval: cannot read the corpus in %s\n", dir);
		return 3;
	}
	ms = json_object_get(man, "series");
	os = json_object_get(ota, "series");
	t.times = malloc(json_array_size(ms) * sizeof *t.times);
	t.exc_times = malloc(json_array_size(ms) * sizeof *t.exc_times);
	for (size_t i = 0; i < json_array_size(ms); i++) {
		json_t *s = json_array_get(ms, i), *a = os ? json_array_get(os, i) : NULL;
		json_t *noise = json_object_get(s, "noise"), *inj = json_object_get(s, "injection");
		json_t *tcp = json_object_get(s, "true_change_points");
		const char *nk = json_string_value(json_object_get(noise, "kind"));
		const char *ik = json_string_value(json_object_get(inj, "kind"));
		double cv = json_number_value(json_object_get(noise, "cv_pct"));
		double sf = json_number_value(json_object_get(noise, "spike_frac"));
		double mag = json_number_value(json_object_get(inj, "magnitude_pct"));
		int kind = !strcmp(nk, "gauss") ? 0 : !strcmp(nk, "lognormal") ? 3 : sf > 0.02 ? 2 : 1;
		struct answer ans[NOURS], cmp;
		long tr[8];
		size_t n, nt = json_array_size(tcp);
		double *x;

		snprintf(path, sizeof path, "%s/%s", dir, json_string_value(json_object_get(s, "file")));
		x = load_csv(path, &n);
		if (!x) {
			fprintf(stderr, "changepoint_eval: cannot read %s\n", path);
			return 3;
		}
		for (size_t j = 0; j < nt && j < 8; j++)
			tr[j] = (long)json_integer_value(json_array_get(tcp, j));
		ours(x, n, &ans[0], &t);
		if (!a) {
			compat(x, n, 0.001, &ans[1]);
			compat(x, n, 0.0001, &ans[2]);
			score(&t, kind, cv_ix(cv), ik, mag, tr, nt < 8 ? nt : 8, ans, 1);
			free(x);
			continue;
		}
		from_json(json_object_get(json_object_get(a, "p0.001"), "change_points"), &ans[1]);
		from_json(json_object_get(json_object_get(a, "p0.0001"), "change_points"), &ans[2]);
		t.parity_n++;
		compat(x, n, 0.001, &cmp);
		t.parity_same[0] += same(&cmp, &ans[1]);
		compat(x, n, 0.0001, &cmp);
		t.parity_same[1] += same(&cmp, &ans[2]);
		score(&t, kind, cv_ix(cv), ik, mag, tr, nt < 8 ? nt : 8, ans, 1);
		if (getenv("BT_EVAL_REV3") && !strcmp(ik, "step_revert3")) {
			printf("rev3 %s cv %g mag %g N %zu at %ld: ours", kind_name[kind], cv, mag, n,
			       tr[0]);
			for (size_t j = 0; j < ans[0].n; j++)
				printf(" %zu", ans[0].idx[j]);
			printf(" | otava");
			for (size_t j = 0; j < ans[1].n; j++)
				printf(" %zu", ans[1].idx[j]);
			printf("\n");
		}
		free(x);
	}
	run_generated(&t, reps);

	printf("# change points: benchtrack defaults against Otava (corpus %s; "
	       "ar1/bimodal generated, %zu null + %zu step series per CV)%s\n", dir, reps, 5 * reps,
	       ota ? "" : "\n(no otava.json: the Otava columns are otava_compat's answers)");
	print_grid("Null series flagged (>= 1 change point)", t.null, 0);
	print_grid("Recall of single steps >= 2 sigma (+-3)", t.step2, 1);
	printf("\nRecall by step size (corpus, all noise kinds, +-3): ours / Otava p0.001 / p0.0001\n\n");
	printf("| step \\ CV | 0.5%% | 1%% | 2%% | 5%% |\n|---|---|---|---|---|\n");
	for (int si = 0; si < 5; si++) {
		printf("| %g%% |", sizes[si]);
		for (int c = 0; c < 4; c++)
			printf(" %s / %s / %s |", pct(&t.bysize[si][c][0], b[0]),
			       pct(&t.bysize[si][c][1], b[1]), pct(&t.bysize[si][c][2], b[2]));
		printf("\n");
	}
	printf("\nRecall by step size, generated ar1/bimodal series (ours)\n\n");
	printf("| step \\ CV | 0.5%% | 1%% | 2%% | 5%% |\n|---|---|---|---|---|\n");
	for (int si = 0; si < 5; si++) {
		printf("| %g%% |", sizes[si]);
		for (int c = 0; c < 4; c++)
			printf(" %s |", pct(&t.gen_bysize[si][c], b[0]));
		printf("\n");
	}
	printf("\n| other injections (corpus) | ours | Otava p0.001 | Otava p0.0001 |\n|---|---|---|---|\n");
#define ROW(name, c) printf("| %s | %s | %s | %s |\n", name, pct(&(c)[0], b[0]), \
			    pct(&(c)[1], b[1]), pct(&(c)[2], b[2]))
	ROW("two_steps: both found", t.two_both);
	ROW("spike_revert: any CP (should be 0)", t.spike_rev);
	ROW("step_revert3: both edges", t.rev3_both);
	ROW("variance: any CP", t.var_any);
#undef ROW
	{
		struct cell c = {0, 0}, o1 = {0, 0}, o2 = {0, 0};
		struct cell n0 = {0, 0};

		cellsum(&c, &t.bysize[0][0][0]);
		cellsum(&o1, &t.bysize[0][0][1]);
		cellsum(&o2, &t.bysize[0][0][2]);
		printf("\nrecall 1%% steps at 0.5%% noise: ours %s%%, Otava %s%% / %s%%\n",
		       pct(&c, b[0]), pct(&o1, b[1]), pct(&o2, b[2]));
		for (int k = 0; k < NKIND; k++)
			for (int cc = 0; cc < 4; cc++)
				if (k == 0 || k == 3)
					cellsum(&n0, &t.step2[k][cc][0]);
		printf("recall >= 2 sigma steps, gauss + lognormal: ours %s%%\n", pct(&n0, b[0]));
		{
			struct cell e[NOURS] = {{0, 0}};

			for (int j = 0; j < NOURS; j++) {
				cellsum(&e[j], &t.bysize[0][0][j]);
				cellsum(&e[j], &t.bysize[1][1][j]);
				cellsum(&e[j], &t.bysize[3][3][j]);
			}
			printf("recall of exactly 2 sigma steps (corpus, all kinds): ours %s%%, "
			       "Otava %s%% / %s%%\n", pct(&e[0], b[0]), pct(&e[1], b[1]),
			       pct(&e[2], b[2]));
		}
	}
	printf("\nExcursions (bt_excursions beside our change points)\n\n");
	printf("| null series flagged | CV 0.5%% | 1%% | 2%% | 5%% | all |\n|---|---|---|---|---|---|\n");
	for (int k = 0; k < NKIND; k++) {
		struct cell e = {0, 0}, a = {0, 0};

		printf("| %s: excursion / any |", kind_name[k]);
		for (int c = 0; c < 4; c++) {
			printf(" %s / %s |", pct(&t.exc_null[k][c], b[0]), pct(&t.any_null[k][c], b[1]));
			cellsum(&e, &t.exc_null[k][c]);
			cellsum(&a, &t.any_null[k][c]);
		}
		printf(" %s / %s |\n", pct(&e, b[0]), pct(&a, b[1]));
	}
	printf("\nstep_revert3 found (excursion +-1, or both edges): 5%% %s, 10%% %s, 20%% %s\n",
	       pct(&t.exc_rev3[0], b[0]), pct(&t.exc_rev3[1], b[1]), pct(&t.exc_rev3[2], b[2]));
	printf("step series with an excursion: %s%%; spike_revert with one: %s%%\n",
	       pct(&t.exc_step, b[0]), pct(&t.exc_spike, b[1]));
	qsort(t.exc_times, t.n_exc_times, sizeof *t.exc_times, cmpd);
	if (t.n_exc_times)
		printf("time of bt_excursions per 200-point series: median %.0f us, p90 %.0f us\n",
		       t.exc_times[t.n_exc_times / 2], t.exc_times[t.n_exc_times * 9 / 10]);
	qsort(t.times, t.n_times, sizeof *t.times, cmpd);
	printf("Otava parity of otava_compat: p0.001 %zu/%zu, p0.0001 %zu/%zu\n",
	       t.parity_same[0], t.parity_n, t.parity_same[1], t.parity_n);
	if (t.n_times)
		printf("time per 200-point series (defaults): median %.0f us, p90 %.0f us (%zu series)\n",
		       t.times[t.n_times / 2], t.times[t.n_times * 9 / 10], t.n_times);
	json_decref(man);
	json_decref(ota);
	free(t.times);
	free(t.exc_times);
	return 0;
}
