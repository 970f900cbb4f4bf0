/* Change points: the search of one window, Otava's split step (E-divisive
 * means: the candidate of each segment by Qhat, split while its pooled
 * t-test passes), and where Otava stops, our defaults' box test. Part of
 * the detector in lib/analysis/changepoint.c; contracts in
 * lib/analysis/changepoint_state.h. Bit for bit Otava's in otava_compat
 * (box_thr 0).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/analysis.h"
#include "internal.h"

#include "changepoint_state.h"

/* --- one window of the split step ----------------------------------------- */

/* Tabulates W(a, b) for 0 <= a <= b <= L of v[0..L) into W ((L+1)^2). */
static void table_w(const double *v, size_t L, double *W)
{
	size_t a, b, L1 = L + 1;

	for (a = L + 1; a-- > 0;) {
		double r = 0;

		W[a * L1 + a] = 0;
		if (a + 1 <= L)
			W[a * L1 + a + 1] = 0;
		for (b = a + 2; b <= L; b++) {
			r += fabs(v[a] - v[b - 1]);
			W[a * L1 + b] = W[(a + 1) * L1 + b] + r;
		}
	}
}

/* Otava's get_candidate_change_point on [s, e): np.argmax over the
 * (n-1) x (n-1) matrix Q(tau, kappa) whose lower triangle is 0, in row-major
 * order (first maximum wins). */
static void candidate(const double *W, size_t L1, size_t s, size_t e,
		      size_t *tau_out, size_t *kappa_out, double *q_out)
{
	size_t n = e - s, i, j;
	double best = -INFINITY;
	size_t bt = s + 1, bk = e;

	for (i = 0; i + 1 < n; i++) {
		size_t tau = s + i + 1;
		double nx = (double)(i + 1);
		double wx = W[s * L1 + tau];
		double bx_base = nx > 1 ? wx / (nx - 1) : 0.0;

		if (i >= 1 && 0.0 > best) {
			best = 0.0;
			bt = tau;
			bk = e;
		}
		for (j = i; j + 1 < n; j++) {
			size_t kappa = s + j + 2;
			double m = (double)(j - i + 1);
			double wy = W[tau * L1 + kappa];
			double cross = W[s * L1 + kappa] - wx - wy;
			double tot = nx + m;
			double q = 2.0 / tot * cross;

			if (nx > 1)
				q -= 2.0 * m / tot * bx_base;
			if (m > 1)
				q -= 2.0 * nx / tot * (wy / (m - 1));
			if (q > best || (isnan(q) && !isnan(best))) {
				best = q;
				bt = tau;
				bk = kappa;
			}
		}
	}
	*tau_out = bt;
	*kappa_out = bk;
	*q_out = best;
}

/* Our defaults' box test: the pooled t-test p of v[tau..kappa) against
 * the rest of the segment, v[s..tau) and v[kappa..e). Otava tests a
 * candidate on the two whole sides of tau; a plateau that moved and came
 * back inside the segment (a slowdown fixed later) then has the same
 * level on both sides of the box, and half of the sides dilute its
 * shift: a 20% slowdown of 12 points at 1% noise, 10 points into a
 * window of 50, was not split at all (no change point). The box is
 * Qhat's best of ~w^2/2 pairs (tau, kappa), not of w splits, so it must
 * pass thr * CP_BOX_P_FACTOR (1e-8 by default): at thr itself the best box
 * of most null, AR(1) and bimodal segments passed (4,500 boxes on the dev
 * corpus, removed again by the merge at 50% more time), and at thr/1000
 * two 1000-point Gaussian nulls of 2,736 (fresh corpora) kept a box of
 * 10-12 points at 1.4 sd; a 12-point box of 3 sd has p ~1e-12. Boxes of at most
 * CP_SHORT_MAX points are left to the short-excursion rules: the best short
 * box is mostly a spike or two. */
static double box_p(const double *v, size_t s, size_t tau, size_t kappa, size_t e)
{
	double sb = 0, sr = 0, qb = 0, qr = 0, mb, mr;
	size_t j, nb = kappa - tau, nr = (tau - s) + (e - kappa);

	for (j = s; j < e; j++)
		if (j >= tau && j < kappa)
			sb += v[j];
		else
			sr += v[j];
	mb = sb / (double)nb;
	mr = sr / (double)nr;
	for (j = s; j < e; j++)
		if (j >= tau && j < kappa)
			qb += (v[j] - mb) * (v[j] - mb);
		else
			qr += (v[j] - mr) * (v[j] - mr);
	return bt__cp_pooled_p(mb, sqrt(qb / (double)nb), nb, mr, sqrt(qr / (double)nr), nr);
}

/* Appends the point absidx (Qhat q) to st->found, keeping this window's
 * points (from first on) sorted by index. */
static int add_found(struct bt_cp_state *st, size_t first, size_t absidx, double q)
{
	size_t pos = st->n_found;
	int rc = bt__vec_reserve((void **)&st->found, &st->cap_found,
				 st->n_found + 1, sizeof *st->found);

	if (rc)
		return rc;
	while (pos > first && st->found[pos - 1].index > absidx) {
		st->found[pos] = st->found[pos - 1];
		pos--;
	}
	st->found[pos].index = absidx;
	st->found[pos].qhat = q;
	st->n_found++;
	return 0;
}

/* Otava's ChangePointDetector on y[start..end): appends the points found
 * (absolute, ascending) to st->found. Scratch: W ((w+1)^2), tmp (w),
 * segs (w + 3). box_thr > 0 (our defaults; 0 for otava_compat): where
 * Otava stops, the best candidate's box [tau, kappa) of more than
 * CP_SHORT_MAX points, against the rest of its segment (box_p), with
 * p <= box_thr splits the segment at both edges, and the search goes on. */
int bt__cp_analyse_window(const double *y, size_t start, size_t end,
			  double thr, double box_thr, double *W, double *tmp, struct cp_seg *segs,
			  struct bt_cp_state *st)
{
	const double *v = y + start;
	size_t L = end - start, L1 = L + 1, nseg = 1, k, first = st->n_found;
	size_t nf = 0;
	int rc;

	table_w(v, L, W);
	segs[0].s = 0;
	segs[0].e = L;
	segs[0].have = 0;
	for (;;) {
		size_t bi = (size_t)-1, tau;
		double bq = 0, m1, m2, s1, s2, p;

		for (k = 0; k < nseg; k++) {
			struct cp_seg *g = &segs[k];

			if (g->e - g->s <= 1)
				continue;
			if (!g->have) {
				candidate(W, L1, g->s, g->e, &g->tau, &g->kappa, &g->qhat);
				g->have = 1;
			}
			/* Python max(): the first maximum */
			if (bi == (size_t)-1 || g->qhat > bq) {
				bi = k;
				bq = g->qhat;
			}
		}
		if (bi == (size_t)-1)
			break;
		tau = segs[bi].tau;
		bt__cp_seg_stats(v, segs[bi].s, tau, tmp, &m1, &s1);
		bt__cp_seg_stats(v, tau, segs[bi].e, tmp, &m2, &s2);
		p = bt__cp_pooled_p(m1, s1, tau - segs[bi].s, m2, s2, segs[bi].e - tau);
		if (!(p <= thr)) {
			size_t kappa = segs[bi].kappa;

			if (!(box_thr > 0) || kappa >= segs[bi].e || kappa - tau <= CP_SHORT_MAX ||
			    !(box_p(v, segs[bi].s, tau, kappa, segs[bi].e) <= box_thr))
				break;
			/* split segment bi at tau and kappa */
			memmove(&segs[bi + 3], &segs[bi + 1], (nseg - bi - 1) * sizeof *segs);
			segs[bi + 2].s = kappa;
			segs[bi + 2].e = segs[bi].e;
			segs[bi + 2].have = 0;
			segs[bi + 1].s = tau;
			segs[bi + 1].e = kappa;
			segs[bi + 1].have = 0;
			segs[bi].e = tau;
			segs[bi].have = 0;
			nseg += 2;
			rc = add_found(st, first, start + tau, bq);
			if (!rc)
				rc = add_found(st, first, start + kappa, bq);
			if (rc)
				return rc;
			nf += 2;
			continue;
		}
		/* split segment bi at tau */
		memmove(&segs[bi + 2], &segs[bi + 1], (nseg - bi - 1) * sizeof *segs);
		segs[bi + 1].s = tau;
		segs[bi + 1].e = segs[bi].e;
		segs[bi + 1].have = 0;
		segs[bi].e = tau;
		segs[bi].have = 0;
		nseg++;
		/* keep this window's points sorted by index */
		rc = add_found(st, first, start + tau, bq);
		if (rc)
			return rc;
		nf++;
	}
	rc = bt__vec_reserve((void **)&st->win, &st->cap_win, st->n_win + 1, sizeof *st->win);
	if (rc)
		return rc;
	st->win[st->n_win].start = start;
	st->win[st->n_win].end = end;
	st->win[st->n_win].first = first;
	st->win[st->n_win].count = nf;
	st->n_win++;
	return 0;
}
