/* The permutation test of a change point (the energy statistic of its
 * segment's split against R random relabellings), and the p-values a
 * change-point state keeps of it (contract in
 * lib/analysis/changepoint_state.h; used by lib/analysis/changepoint.c). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "benchtrack/analysis.h"
#include "benchtrack/error.h"
#include "internal.h"

#include "changepoint_state.h"

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct vi {
	double v;
	unsigned char left;
};

static int cmp_vi(const void *a, const void *b)
{
	double x = ((const struct vi *)a)->v, y = ((const struct vi *)b)->v;

	return (x > y) - (x < y);
}

/* Energy statistic of the split of sorted z (labels lab: 1 = left). */
static double energy(const double *z, const unsigned char *lab, size_t L,
		     size_t n1, double wall)
{
	size_t k, n2 = L - n1;
	double wx = 0, wy = 0, q;

	/* branchless: the labels are random */
	{
		double cx = -(double)(n1 - 1), cy = -(double)(n2 - 1);

		for (k = 0; k < L; k++) {
			double l = (double)lab[k], zl = z[k] * l, zr = z[k] - zl;

			wx += zl * cx;
			wy += zr * cy;
			cx += 2.0 * l;
			cy += 2.0 - 2.0 * l;
		}
	}
	q = 2.0 / (double)L * (wall - wx - wy);
	if (n1 > 1)
		q -= 2.0 * (double)n2 / ((double)L * (double)(n1 - 1)) * wx;
	if (n2 > 1)
		q -= 2.0 * (double)n1 / ((double)L * (double)(n2 - 1)) * wy;
	return q;
}

/* p-value of the permutation test of y[a..c) against y[c..b); deterministic
 * in (seed, a, c, b). */
static int perm_test(const double *y, size_t a, size_t c, size_t b,
		     unsigned R, uint64_t seed, double *p_out)
{
	size_t L = b - a, n1 = c - a, k;
	struct vi *t = malloc(L * sizeof *t);
	double *z = malloc(L * sizeof *z);
	unsigned char *lab = malloc(L);
	double wall = 0, q0;
	unsigned r, count = 0;
	uint64_t s;

	if (!t || !z || !lab) {
		free(t);
		free(z);
		free(lab);
		return BT_ENOMEM;
	}
	for (k = 0; k < L; k++) {
		t[k].v = y[a + k];
		t[k].left = k < n1;
	}
	qsort(t, L, sizeof *t, cmp_vi);
	for (k = 0; k < L; k++) {
		z[k] = t[k].v;
		lab[k] = t[k].left;
		wall += z[k] * (2.0 * (double)k - (double)(L - 1));
	}
	q0 = energy(z, lab, L, n1, wall);
	s = seed ^ ((uint64_t)a * 0x9e3779b97f4a7c15ull) ^
	    ((uint64_t)c * 0xc2b2ae3d27d4eb4full) ^
	    ((uint64_t)b * 0x165667b19e3779f9ull);
	for (r = 0; r < R; r++) {
		double q;

		/* Fisher-Yates; L < 2^32, two 32-bit draws per 64-bit number */
		for (k = L - 1; k > 0; k--) {
			uint64_t rnd = splitmix(&s);
			size_t m = (size_t)(((rnd & 0xffffffffull) * (uint64_t)(k + 1)) >> 32);
			unsigned char tmp = lab[k];

			lab[k] = lab[m];
			lab[m] = tmp;
			if (--k == 0)
				break;
			m = (size_t)(((rnd >> 32) * (uint64_t)(k + 1)) >> 32);
			tmp = lab[k];
			lab[k] = lab[m];
			lab[m] = tmp;
		}
		q = energy(z, lab, L, n1, wall);
		if (q >= q0 - 1e-12 * fabs(q0))
			count++;
	}
	*p_out = (1.0 + count) / (1.0 + R);
	free(t);
	free(z);
	free(lab);
	return 0;
}

int bt__cp_perm_p(struct bt_cp_state *st, const struct bt_cp_opts *o,
		  size_t a, size_t c, size_t b, double *p)
{
	size_t i, w = o->window;
	int rc;

	if (c - a > w)
		a = c - w;
	if (b - c > w)
		b = c + w;
	for (i = 0; i < st->n_perm; i++)
		if (st->perm[i].a == a && st->perm[i].c == c && st->perm[i].b == b) {
			*p = st->perm[i].p;
			return 0;
		}
	rc = perm_test(st->y, a, c, b, o->permutations, o->seed, p);
	if (rc)
		return rc;
	if (st->n_perm >= 4096)
		st->n_perm = 0;
	rc = bt__vec_reserve((void **)&st->perm, &st->cap_perm, st->n_perm + 1,
			     sizeof *st->perm);
	if (rc)
		return 0; /* the cache is optional */
	st->perm[st->n_perm].a = a;
	st->perm[st->n_perm].c = c;
	st->perm[st->n_perm].b = b;
	st->perm[st->n_perm].p = *p;
	st->n_perm++;
	return 0;
}
