/* The noise of a series, as the change-point defaults judge a change
 * against it (contracts in include/benchtrack/analysis.h): a robust sd from
 * the MAD of first differences, the lag-1 autocorrelation of segments
 * around their own means, and the effective sample size it implies.
 */
#include <math.h>
#include <stdlib.h>

#include "benchtrack/analysis.h"

/* k-th smallest of v[0..n) (0-based), v reordered (Hoare's selection). */
static double select_k(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double piv = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < piv)
				i++;
			while (v[j] > piv)
				j--;
			if (i <= j) {
				double t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/* Median of v[0..n), n >= 1, v reordered. */
static double median_inplace(double *v, size_t n)
{
	double hi = select_k(v, n, n / 2), lo;
	size_t i;

	if (n % 2)
		return hi;
	/* the largest of the lower half, which select_k left below n / 2 */
	lo = v[0];
	for (i = 1; i < n / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	return 0.5 * lo + 0.5 * hi;
}

double bt_noise_sd_diff_split(const double *x, size_t n, size_t c, double *work)
{
	double *d = work, med, sd;
	size_t i, m = 0;

	if (n < 3)
		return NAN;
	if (!d && !(d = malloc((n - 1) * sizeof *d)))
		return NAN;
	for (i = 0; i + 1 < n; i++)
		if (i + 1 != c)
			d[m++] = x[i + 1] - x[i];
	if (m < 2) {
		if (!work)
			free(d);
		return NAN;
	}
	med = median_inplace(d, m);
	for (i = 0; i < m; i++)
		d[i] = fabs(d[i] - med);
	/* 1.4826 MAD is the sd of a normal sample; a difference of two
	 * independent points has sqrt(2) times the points' sd */
	sd = 1.482602218505602 * median_inplace(d, m) / M_SQRT2;
	if (!work)
		free(d);
	return sd;
}

double bt_noise_sd_diff(const double *x, size_t n, double *work)
{
	return bt_noise_sd_diff_split(x, n, 0, work);
}

/* sum of (x_t - m)(x_{t+1} - m) and of (x_t - m)^2 over x[0..n) */
static void ac_sums(const double *x, size_t n, double *num, double *den)
{
	double m = 0, prev;
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	prev = x[0] - m;
	*den += prev * prev;
	for (i = 1; i < n; i++) {
		double e = x[i] - m;

		*num += prev * e;
		*den += e * e;
		prev = e;
	}
}

double bt_lag1_autocorr_split(const double *x, size_t n, size_t c)
{
	double num = 0, den = 0;

	if (c > n)
		c = n;
	ac_sums(x, c, &num, &den);
	ac_sums(x + c, n - c, &num, &den);
	if (!(den > 0))
		return NAN;
	return num / den;
}

double bt_lag1_autocorr(const double *x, size_t n)
{
	return bt_lag1_autocorr_split(x, n, 0);
}

double bt_effective_n(double n, double rho)
{
	if (!(rho > 0))
		return n;
	if (rho >= 1)
		return 0;
	return n * (1 - rho) / (1 + rho);
}
