/* JavaScript text for the dashboard's data files (contracts in dash.h):
 * JSON strings safe inside <script>, numbers with 6 significant digits,
 * most of them without printf. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dash.h"

/* A JSON string (valid JavaScript): quotes, backslashes, control
 * characters, '<' (no "</script>" can form) and U+2028/2029 escaped;
 * NULL is null. */
void bt__js_str(struct bt_strbuf *b, const char *s)
{
	if (!s) {
		bt_strbuf_add(b, "null", 4);
		return;
	}
	bt_strbuf_addc(b, '"');
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (; *p; p++) {
		const char *esc = NULL;
		char u[8];
		if (*p == '"')
			esc = "\\\"";
		else if (*p == '\\')
			esc = "\\\\";
		else if (*p == '\n')
			esc = "\\n";
		else if (*p == '\t')
			esc = "\\t";
		else if (*p < 0x20 || *p == '<' || *p == 0x7f) {
			snprintf(u, sizeof u, "\\u%04x", *p);
			esc = u;
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			snprintf(u, sizeof u, "\\u%04x", p[2] == 0xa8 ? 0x2028 : 0x2029);
			bt_strbuf_add(b, (const char *)run, (size_t)(p - run));
			bt_strbuf_adds(b, u);
			p += 2;
			run = p + 1;
			continue;
		}
		if (esc) {
			bt_strbuf_add(b, (const char *)run, (size_t)(p - run));
			bt_strbuf_adds(b, esc);
			run = p + 1;
		}
	}
	bt_strbuf_add(b, (const char *)run, (size_t)(p - run));
	bt_strbuf_addc(b, '"');
}

static const double pow10_tab[] = { 1,    1e1,  1e2,  1e3,  1e4,  1e5,
				    1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
				    1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
				    1e18, 1e19, 1e20, 1e21, 1e22 };

/* v with 6 significant digits as %.6g writes it (plenty for plots and
 * hover text) into t (32 bytes at least); returns the length. Values in
 * [1e-17, 1e6) take a fast path (one exact scaling, no printf); halfway
 * cases may round differently from printf in the last digit. */
static int fmt_num6(char *t, double v)
{
	double a = fabs(v);
	if (v == 0) {
		t[0] = '0';
		return 1;
	}
	if (!(a >= 1e-17 && a < 999999.5))
		return snprintf(t, 32, "%.6g", v);
	int e = (int)floor(log10(a));
	double m = 0;
	long long im = 0;
	for (int tries = 0; tries < 3; tries++) {
		if (e < -17 || e > 5)
			return snprintf(t, 32, "%.6g", v);
		m = a * pow10_tab[5 - e];
		if (fabs(m - floor(m) - 0.5) < 1e-6)
			return snprintf(t, 32, "%.6g", v); /* near a tie: printf decides */
		im = llround(m);
		if (im >= 1000000)
			e++;
		else if (im < 100000)
			e--;
		else
			break;
	}
	if (im < 100000 || im >= 1000000)
		return snprintf(t, 32, "%.6g", v);
	char dg[6];
	for (int i = 5; i >= 0; i--, im /= 10)
		dg[i] = (char)('0' + im % 10);
	int nd = 6; /* significant digits after stripping trailing zeros */
	int n = 0;
	if (v < 0)
		t[n++] = '-';
	if (e < -4) { /* %.6g's exponent form: d.ddddde-XX */
		while (nd > 1 && dg[nd - 1] == '0')
			nd--;
		t[n++] = dg[0];
		if (nd > 1) {
			t[n++] = '.';
			for (int i = 1; i < nd; i++)
				t[n++] = dg[i];
		}
		t[n++] = 'e';
		t[n++] = '-';
		t[n++] = (char)('0' + (-e) / 10);
		t[n++] = (char)('0' + (-e) % 10);
	} else if (e >= 0) {
		int ip = e + 1; /* digits before the point */
		while (nd > ip && dg[nd - 1] == '0')
			nd--;
		for (int i = 0; i < ip; i++)
			t[n++] = dg[i];
		if (nd > ip) {
			t[n++] = '.';
			for (int i = ip; i < nd; i++)
				t[n++] = dg[i];
		}
	} else {
		while (nd > 1 && dg[nd - 1] == '0')
			nd--;
		t[n++] = '0';
		t[n++] = '.';
		for (int i = 0; i < -e - 1; i++)
			t[n++] = '0';
		for (int i = 0; i < nd; i++)
			t[n++] = dg[i];
	}
	return n;
}

/* A number (see fmt_num6); NAN and infinities are null. */
void bt__js_num(struct bt_strbuf *b, double v)
{
	char t[40];
	if (!isfinite(v)) {
		bt_strbuf_add(b, "null", 4);
		return;
	}
	bt_strbuf_add(b, t, (size_t)fmt_num6(t, v));
}
