/* The fast reader of run documents (see json_scan.h): a strict one-pass
 * JSON scanner that fills struct bt_run directly, mirroring the schema
 * rules of the strict reader in lib/json.c (read_run and below) and the
 * JSON rules of jansson as json.c calls it (json_loadb with
 * JSON_REJECT_DUPLICATES): UTF-8 checked everywhere, no control
 * characters in strings, no \u0000, surrogates only in pairs, integers
 * within int64 and reals without overflow, no duplicate keys in any
 * object, only whitespace after the document.
 *
 * It never reports why it refuses: every refusal returns -1 and the caller
 * asks the strict reader, which gives the exact error. So it may refuse
 * more than the strict reader (deep nesting, long numbers, objects with
 * very many keys) but must never accept anything that reader rejects. When
 * json.c's reader changes, this file changes with it (tests/unit/
 * test_json.c compares the two on the fixtures and on generated runs). */
#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "json_scan.h"

#define RUN_MAX_BYTES ((size_t)256 << 20) /* as json.c */
#define MAX_DEPTH 512                     /* jansson's is 2048 */
#define MAX_KEYS 64                       /* per object, for the dup check */

struct vec {
	void *p;
	size_t n, cap;
};

struct sc {
	const unsigned char *p, *end;
	struct bt_arena *a;
	int depth;
	int samples;
	char *sbuf; /* decoded strings with escapes */
	size_t scap;
	struct vec res, met, kv, ctr, str, dbl, gpu;
};

/* The keys of one object so far, for the duplicate check. */
struct keys {
	int n, first;
	uint32_t h[MAX_KEYS];
	const char *s[MAX_KEYS];
	size_t len[MAX_KEYS];
};

#define FAIL (-1)

/* --- scratch vectors ------------------------------------------------------ */

static void *vpush(struct vec *v, size_t size)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->p, cap * size);
		if (!p)
			return NULL;
		v->p = p;
		v->cap = cap;
	}
	void *e = (char *)v->p + v->n * size;
	v->n++;
	memset(e, 0, size);
	return e;
}

/* The n elements of v from the start, copied into the arena; NULL for
 * none (as json.c's alloc_n). *ok 0 when out of memory. */
static void *vdone(struct sc *c, struct vec *v, size_t size, int *ok)
{
	*ok = 1;
	if (!v->n)
		return NULL;
	void *p = bt__arena_alloc(c->a, v->n * size);
	if (!p) {
		*ok = 0;
		return NULL;
	}
	memcpy(p, v->p, v->n * size);
	return p;
}

/* --- lexical -------------------------------------------------------------- */

static inline void ws(struct sc *c)
{
	const unsigned char *p = c->p, *e = c->end;
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	c->p = p;
}

/* The next byte after whitespace (0 at the end: never a valid byte
 * there, as a NUL byte in the text is invalid too). */
static inline int peek(struct sc *c)
{
	ws(c);
	return c->p < c->end ? *c->p : 0;
}

static int hex4(const unsigned char *p, const unsigned char *e, unsigned *out)
{
	unsigned v = 0;
	if (e - p < 4)
		return FAIL;
	for (int i = 0; i < 4; i++) {
		unsigned ch = p[i], d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return FAIL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static int sput(struct sc *c, size_t *o, const void *b, size_t k)
{
	if (c->scap - *o < k + 1) {
		size_t cap = c->scap ? c->scap * 2 : 256;
		while (cap - *o < k + 1)
			cap *= 2;
		char *p = realloc(c->sbuf, cap);
		if (!p)
			return FAIL;
		c->sbuf = p;
		c->scap = cap;
	}
	memcpy(c->sbuf + *o, b, k);
	*o += k;
	return 0;
}

/* The string at c->p (on its '"'). *s, *n: its decoded bytes, in the text
 * when it has no escapes, else in c->sbuf (valid until the next string).
 * *esc says which. Never NUL-terminated; never contains NUL. */
static int str(struct sc *c, const char **s, size_t *n, int *esc)
{
	const unsigned char *p = c->p + 1, *e = c->end, *start = p;
	for (;;) {
		if (p >= e)
			return FAIL;
		unsigned ch = *p;
		if (ch == '"') {
			*s = (const char *)start;
			*n = (size_t)(p - start);
			if (esc)
				*esc = 0;
			c->p = p + 1;
			return 0;
		}
		if (ch == '\\')
			break;
		if (ch < 0x20)
			return FAIL;
		if (ch < 0x80) {
			p++;
		} else {
			size_t k = bt__utf8_seq(p, (size_t)(e - p));
			if (!k)
				return FAIL;
			p += k;
		}
	}
	/* escapes: decode into sbuf */
	size_t o = 0;
	if (sput(c, &o, start, (size_t)(p - start)))
		return FAIL;
	for (;;) {
		if (p >= e)
			return FAIL;
		unsigned ch = *p;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return FAIL;
		if (ch >= 0x80) {
			size_t k = bt__utf8_seq(p, (size_t)(e - p));
			if (!k || sput(c, &o, p, k))
				return FAIL;
			p += k;
			continue;
		}
		if (ch != '\\') {
			if (sput(c, &o, p, 1))
				return FAIL;
			p++;
			continue;
		}
		if (++p >= e)
			return FAIL;
		char b[4];
		size_t k = 1;
		switch (*p) {
		case '"': b[0] = '"'; break;
		case '\\': b[0] = '\\'; break;
		case '/': b[0] = '/'; break;
		case 'b': b[0] = '\b'; break;
		case 'f': b[0] = '\f'; break;
		case 'n': b[0] = '\n'; break;
		case 'r': b[0] = '\r'; break;
		case 't': b[0] = '\t'; break;
		case 'u': {
			unsigned v, v2;
			if (hex4(p + 1, e, &v))
				return FAIL;
			p += 4;
			if (v >= 0xd800 && v <= 0xdbff) {
				if (e - p < 3 || p[1] != '\\' || p[2] != 'u' ||
				    hex4(p + 3, e, &v2) || v2 < 0xdc00 ||
				    v2 > 0xdfff)
					return FAIL;
				p += 6;
				v = ((v - 0xd800) << 10) + (v2 - 0xdc00) + 0x10000;
			} else if ((v >= 0xdc00 && v <= 0xdfff) || v == 0) {
				return FAIL; /* lone low surrogate; \u0000 */
			}
			if (v < 0x80) {
				b[0] = (char)v;
			} else if (v < 0x800) {
				b[0] = (char)(0xc0 | v >> 6);
				b[1] = (char)(0x80 | (v & 0x3f));
				k = 2;
			} else if (v < 0x10000) {
				b[0] = (char)(0xe0 | v >> 12);
				b[1] = (char)(0x80 | ((v >> 6) & 0x3f));
				b[2] = (char)(0x80 | (v & 0x3f));
				k = 3;
			} else {
				b[0] = (char)(0xf0 | v >> 18);
				b[1] = (char)(0x80 | ((v >> 12) & 0x3f));
				b[2] = (char)(0x80 | ((v >> 6) & 0x3f));
				b[3] = (char)(0x80 | (v & 0x3f));
				k = 4;
			}
			break;
		}
		default:
			return FAIL;
		}
		if (sput(c, &o, b, k))
			return FAIL;
		p++;
	}
	*s = c->sbuf;
	*n = o;
	if (esc)
		*esc = 1;
	c->p = p + 1;
	return 0;
}

/* A number token. */
struct num {
	const char *t;
	size_t len;
	int isint;
	long mag; /* for reals: the value is below 10^mag */
};

/* The number at c->p, by the JSON grammar as jansson scans it. */
static int num_tok(struct sc *c, struct num *nm)
{
	const unsigned char *p = c->p, *e = c->end, *s = p;
	long intdig = 0, ex = 0;
	int isint = 1;
	if (p < e && *p == '-')
		p++;
	if (p >= e)
		return FAIL;
	if (*p == '0') {
		p++;
		if (p < e && *p >= '0' && *p <= '9')
			return FAIL;
	} else if (*p >= '1' && *p <= '9') {
		while (p < e && *p >= '0' && *p <= '9')
			p++, intdig++;
	} else {
		return FAIL;
	}
	if (p < e && *p == '.') {
		isint = 0;
		p++;
		if (p >= e || *p < '0' || *p > '9')
			return FAIL;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		int neg = 0;
		isint = 0;
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			neg = *p++ == '-';
		if (p >= e || *p < '0' || *p > '9')
			return FAIL;
		while (p < e && *p >= '0' && *p <= '9') {
			if (ex < 100000)
				ex = ex * 10 + (*p - '0');
			p++;
		}
		if (neg)
			ex = -ex;
	}
	nm->t = (const char *)s;
	nm->len = (size_t)(p - s);
	nm->isint = isint;
	nm->mag = intdig + ex;
	c->p = p;
	return 0;
}

/* strtoll's verdict on an integer token: overflow fails (jansson: "too big
 * integer"). */
static int num_i64(const struct num *nm, int64_t *out)
{
	const char *p = nm->t, *e = p + nm->len;
	int neg = *p == '-';
	if (neg)
		p++;
	uint64_t x = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (lim - d) / 10)
			return FAIL;
		x = x * 10 + d;
	}
	*out = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x)
		   : (int64_t)x;
	return 0;
}

#if defined(__x86_64__) && LDBL_MANT_DIG == 64
/* strtod of a real token without strtod when that is certain: at most 19
 * significant digits w and a power of ten 10^k with |k| <= 27 (exact in
 * long double) make w * 10^k one rounding in 64-bit precision; rounding
 * that to double is then correct unless the long double lies within an
 * ulp of a halfway point between doubles. 0 with *out set, else -1. */
static int fast_real(const struct num *nm, double *out)
{
	static const long double p10[] = {
		1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,
		1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L,
		1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L,
		1e24L, 1e25L, 1e26L, 1e27L
	};
	const char *p = nm->t, *e = p + nm->len;
	int neg = *p == '-', nd = 0;
	long k = 0;
	uint64_t w = 0;
	if (neg)
		p++;
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		if (w || *p != '0') {
			if (++nd > 19)
				return -1;
			w = w * 10 + (uint64_t)(*p - '0');
		}
	}
	if (p < e && *p == '.')
		for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
			k--;
			if (w || *p != '0') {
				if (++nd > 19)
					return -1;
				w = w * 10 + (uint64_t)(*p - '0');
			}
		}
	if (p < e && (*p == 'e' || *p == 'E')) {
		int eneg = 0;
		long x = 0;
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < e; p++)
			if ((x = x * 10 + (*p - '0')) > 1000)
				return -1;
		k += eneg ? -x : x;
	}
	if (w == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	if (k < -27 || k > 27)
		return -1;
	long double v = (long double)w;
	v = k < 0 ? v / p10[-k] : v * p10[k];
	uint64_t sig;
	memcpy(&sig, &v, sizeof sig);
	unsigned low = (unsigned)(sig & 0x7ff);
	if (low >= 0x3ff && low <= 0x401)
		return -1; /* near a halfway point: strtod decides */
	double d = (double)v;
	*out = neg ? -d : d;
	return 0;
}
#else
static int fast_real(const struct num *nm, double *out)
{
	(void)nm;
	(void)out;
	return -1;
}
#endif

/* The value jansson gives the token (json_number_value): an integer
 * converted to double, or strtod of a real, which must not overflow. */
static int num_double(const struct num *nm, double *out)
{
	if (nm->isint) {
		int64_t x;
		if (num_i64(nm, &x))
			return FAIL;
		*out = (double)x;
		return 0;
	}
	if (fast_real(nm, out) == 0)
		return 0;
	char buf[128];
	if (nm->len >= sizeof buf)
		return FAIL; /* rare: let the strict reader have it */
	memcpy(buf, nm->t, nm->len);
	buf[nm->len] = '\0';
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if (end != buf + nm->len) /* another locale's decimal point */
		return FAIL;
	if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
		return FAIL;
	*out = d;
	return 0;
}

/* A number that is only checked: what jansson would refuse fails. */
static int num_check(const struct num *nm)
{
	if (nm->isint) {
		if (nm->len <= 18)
			return 0;
		int64_t x;
		return num_i64(nm, &x);
	}
	if (nm->mag <= 300)
		return 0; /* below 10^300: no overflow */
	double d;
	return num_double(nm, &d);
}

static int lit(struct sc *c, const char *w, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return FAIL;
	c->p += n;
	return 0;
}

/* --- structure ------------------------------------------------------------ */

static int obj_open(struct sc *c, struct keys *k)
{
	if (peek(c) != '{' || ++c->depth > MAX_DEPTH)
		return FAIL;
	c->p++;
	k->n = 0;
	k->first = 1;
	return 0;
}

static uint32_t khash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The next key of the object: 1 with *key, *kn set and c->p on its value,
 * 0 at the end (the '}' consumed), FAIL. Duplicate keys fail. */
static int obj_key(struct sc *c, struct keys *k, const char **key, size_t *kn)
{
	int ch = peek(c);
	if (ch == '}') {
		c->p++;
		c->depth--;
		return 0;
	}
	if (!k->first) {
		if (ch != ',')
			return FAIL;
		c->p++;
		ch = peek(c);
	}
	if (ch != '"')
		return FAIL;
	k->first = 0;
	const char *s;
	size_t n;
	int esc;
	if (str(c, &s, &n, &esc))
		return FAIL;
	if (esc && !(s = bt__arena_strndup(c->a, s, n)))
		return FAIL;
	uint32_t h = khash(s, n);
	for (int i = 0; i < k->n; i++)
		if (k->h[i] == h && k->len[i] == n && !memcmp(k->s[i], s, n))
			return FAIL; /* duplicate object key */
	if (k->n == MAX_KEYS)
		return FAIL;
	k->h[k->n] = h;
	k->s[k->n] = s;
	k->len[k->n] = n;
	k->n++;
	if (peek(c) != ':')
		return FAIL;
	c->p++;
	ws(c);
	*key = s;
	*kn = n;
	return 1;
}

static int arr_open(struct sc *c, int *first)
{
	if (peek(c) != '[' || ++c->depth > MAX_DEPTH)
		return FAIL;
	c->p++;
	*first = 1;
	return 0;
}

/* 1 with c->p on the next element, 0 at the end (']' consumed), FAIL. */
static int arr_next(struct sc *c, int *first)
{
	int ch = peek(c);
	if (ch == ']') {
		c->p++;
		c->depth--;
		return 0;
	}
	if (!*first) {
		if (ch != ',')
			return FAIL;
		c->p++;
		ws(c);
	}
	*first = 0;
	return c->p < c->end ? 1 : FAIL;
}

/* Any value, checked and dropped. */
static int skip(struct sc *c)
{
	int ch = peek(c), r, first;
	struct keys k;
	const char *s;
	size_t n;
	struct num nm;
	switch (ch) {
	case '"':
		return str(c, &s, &n, NULL);
	case '{':
		if (obj_open(c, &k))
			return FAIL;
		while ((r = obj_key(c, &k, &s, &n)) > 0)
			if (skip(c))
				return FAIL;
		return r;
	case '[':
		if (arr_open(c, &first))
			return FAIL;
		while ((r = arr_next(c, &first)) > 0)
			if (skip(c))
				return FAIL;
		return r;
	case 't':
		return lit(c, "true", 4);
	case 'f':
		return lit(c, "false", 5);
	case 'n':
		return lit(c, "null", 4);
	default:
		if (num_tok(c, &nm))
			return FAIL;
		return num_check(&nm);
	}
}

/* --- typed values (the get_* of json.c) ----------------------------------- */

static int is_null(struct sc *c)
{
	return peek(c) == 'n';
}

/* An optional string: null keeps *out; a string is copied to the arena. */
static int v_str(struct sc *c, const char **out)
{
	int ch = peek(c);
	if (ch == 'n')
		return lit(c, "null", 4);
	if (ch != '"')
		return FAIL;
	const char *s;
	size_t n;
	if (str(c, &s, &n, NULL))
		return FAIL;
	char *d = bt__arena_strndup(c->a, s, n);
	if (!d)
		return FAIL;
	*out = d;
	return 0;
}

/* A required string: null fails. */
static int v_rstr(struct sc *c, const char **out)
{
	return peek(c) == '"' ? v_str(c, out) : FAIL;
}

/* get_num: null is NAN. */
static int v_num(struct sc *c, double *out)
{
	int ch = peek(c);
	if (ch == 'n') {
		*out = NAN;
		return lit(c, "null", 4);
	}
	struct num nm;
	if (num_tok(c, &nm))
		return FAIL;
	return num_double(&nm, out);
}

/* get_i64 and friends: null keeps *out; an integer token in [lo, hi]. */
static int v_int(struct sc *c, int64_t lo, int64_t hi, int64_t *out, int *set)
{
	*set = 0;
	int ch = peek(c);
	if (ch == 'n')
		return lit(c, "null", 4);
	struct num nm;
	int64_t x;
	if (num_tok(c, &nm) || !nm.isint || num_i64(&nm, &x) || x < lo || x > hi)
		return FAIL;
	*out = x;
	*set = 1;
	return 0;
}

static int v_i64(struct sc *c, int64_t *out)
{
	int set;
	return v_int(c, INT64_MIN, INT64_MAX, out, &set);
}

static int v_int32(struct sc *c, int *out)
{
	int set;
	int64_t x;
	if (v_int(c, INT_MIN, INT_MAX, &x, &set))
		return FAIL;
	if (set)
		*out = (int)x;
	return 0;
}

static int v_size(struct sc *c, size_t *out)
{
	int set;
	int64_t x;
	if (v_int(c, 0, INT64_MAX, &x, &set))
		return FAIL;
	if (set)
		*out = (size_t)x;
	return 0;
}

/* get_u64: null keeps; an integer >= 0, or a string of 1 to 20 digits. */
static int v_u64(struct sc *c, uint64_t *out)
{
	int ch = peek(c);
	if (ch == '"') {
		const char *s;
		size_t n;
		if (str(c, &s, &n, NULL) || bt__parse_u64_dec(s, n, out))
			return FAIL;
		return 0;
	}
	int set;
	int64_t x;
	if (v_int(c, 0, INT64_MAX, &x, &set))
		return FAIL;
	if (set)
		*out = (uint64_t)x;
	return 0;
}

/* get_bool: null keeps, or is -1 with tri. */
static int v_bool(struct sc *c, int tri, int *out)
{
	int ch = peek(c);
	if (ch == 'n') {
		if (tri)
			*out = -1;
		return lit(c, "null", 4);
	}
	if (ch == 't') {
		*out = 1;
		return lit(c, "true", 4);
	}
	if (ch == 'f') {
		*out = 0;
		return lit(c, "false", 5);
	}
	return FAIL;
}

/* An optional object: 1 when one starts (opened into k), 0 for null,
 * FAIL for another type. */
static int v_obj(struct sc *c, struct keys *k)
{
	int ch = peek(c);
	if (ch == 'n')
		return lit(c, "null", 4);
	if (ch != '{')
		return FAIL;
	return obj_open(c, k) ? FAIL : 1;
}

/* An array of strings or nulls (json.c's read_strings), or null. */
static int v_strings(struct sc *c, const char ***out, size_t *n)
{
	int ch = peek(c), r, first;
	if (ch == 'n')
		return lit(c, "null", 4);
	if (arr_open(c, &first))
		return FAIL;
	c->str.n = 0;
	while ((r = arr_next(c, &first)) > 0) {
		const char **e = vpush(&c->str, sizeof *e);
		if (!e || v_str(c, e))
			return FAIL;
	}
	if (r < 0)
		return FAIL;
	int ok;
	*out = vdone(c, &c->str, sizeof **out, &ok);
	*n = c->str.n;
	return ok ? 0 : FAIL;
}

#define KEY(lit) (kn == sizeof(lit) - 1 && !memcmp(k, lit, sizeof(lit) - 1))

/* Walks the members of an object already opened into ks. */
#define MEMBERS(ks)                                                          \
	for (const char *k; (r = obj_key(c, &(ks), &k, &kn)) > 0;)

/* --- the schema (json.c's read_*) ----------------------------------------- */

static void stats_nan(struct bt_stats *s)
{
	s->n = 0;
	s->mean = s->median = s->std = s->min = s->max = NAN;
	s->p5 = s->p25 = s->p75 = s->p95 = s->p99 = NAN;
	s->mad = s->iqr = s->cv = NAN;
	s->ci_level = s->median_ci_low = s->median_ci_high = NAN;
	s->outliers = 0;
}

static int read_stats(struct sc *c, struct keys *ks, struct bt_stats *st)
{
	size_t kn;
	int r, rc = 0;
	MEMBERS(*ks) {
		if (KEY("n"))
			rc = v_size(c, &st->n);
		else if (KEY("mean"))
			rc = v_num(c, &st->mean);
		else if (KEY("median"))
			rc = v_num(c, &st->median);
		else if (KEY("std"))
			rc = v_num(c, &st->std);
		else if (KEY("min"))
			rc = v_num(c, &st->min);
		else if (KEY("max"))
			rc = v_num(c, &st->max);
		else if (KEY("p5"))
			rc = v_num(c, &st->p5);
		else if (KEY("p25"))
			rc = v_num(c, &st->p25);
		else if (KEY("p75"))
			rc = v_num(c, &st->p75);
		else if (KEY("p95"))
			rc = v_num(c, &st->p95);
		else if (KEY("p99"))
			rc = v_num(c, &st->p99);
		else if (KEY("mad"))
			rc = v_num(c, &st->mad);
		else if (KEY("iqr"))
			rc = v_num(c, &st->iqr);
		else if (KEY("cv"))
			rc = v_num(c, &st->cv);
		else if (KEY("ci_level"))
			rc = v_num(c, &st->ci_level);
		else if (KEY("median_ci_low"))
			rc = v_num(c, &st->median_ci_low);
		else if (KEY("median_ci_high"))
			rc = v_num(c, &st->median_ci_high);
		else if (KEY("outliers"))
			rc = v_size(c, &st->outliers);
		else
			rc = skip(c);
		if (rc)
			return FAIL;
	}
	return r;
}

/* "samples": an array of numbers or nulls, or null. */
static int read_samples(struct sc *c, struct bt_metric *m)
{
	int r, first, ch = peek(c);
	if (ch == 'n')
		return lit(c, "null", 4);
	if (arr_open(c, &first))
		return FAIL;
	c->dbl.n = 0;
	while ((r = arr_next(c, &first)) > 0) {
		double d = NAN;
		struct num nm;
		if (*c->p == 'n') {
			if (lit(c, "null", 4))
				return FAIL;
		} else if (num_tok(c, &nm) ||
			   (c->samples ? num_double(&nm, &d) : num_check(&nm))) {
			return FAIL;
		}
		if (c->samples) {
			double *e = vpush(&c->dbl, sizeof *e);
			if (!e)
				return FAIL;
			*e = d;
		}
	}
	if (r < 0)
		return FAIL;
	if (c->samples) {
		int ok;
		m->samples = vdone(c, &c->dbl, sizeof *m->samples, &ok);
		m->n_samples = c->dbl.n;
		if (!ok)
			return FAIL;
	}
	return 0;
}

static int read_metric(struct sc *c, struct bt_metric *m)
{
	struct keys ks, so;
	size_t kn;
	int r, rc = 0;
	if (peek(c) != '{' || obj_open(c, &ks))
		return FAIL;
	m->direction = BT_LOWER_IS_BETTER;
	stats_nan(&m->stats);
	MEMBERS(ks) {
		if (KEY("unit")) {
			rc = v_str(c, &m->unit);
		} else if (KEY("direction")) {
			int ch = peek(c);
			if (ch == 'n') {
				rc = lit(c, "null", 4);
			} else if (ch == '"') {
				const char *s;
				size_t n;
				rc = str(c, &s, &n, NULL);
				if (!rc && n == 5 && !memcmp(s, "lower", 5))
					m->direction = BT_LOWER_IS_BETTER;
				else if (!rc && n == 6 && !memcmp(s, "higher", 6))
					m->direction = BT_HIGHER_IS_BETTER;
				else
					rc = FAIL;
			} else {
				rc = FAIL;
			}
		} else if (KEY("samples")) {
			rc = read_samples(c, m);
		} else if (KEY("stats")) {
			rc = v_obj(c, &so);
			if (rc > 0)
				rc = read_stats(c, &so, &m->stats);
		} else {
			rc = skip(c);
		}
		if (rc)
			return FAIL;
	}
	return r;
}

static int kv_cmp(const void *a, const void *b)
{
	const struct bt_kv *x = a, *y = b;
	return strcmp(x->key, y->key);
}

static int read_metrics(struct sc *c, struct bt_result *res)
{
	struct keys ks;
	size_t kn, time = 0;
	int r;
	if (peek(c) != '{' || obj_open(c, &ks))
		return FAIL; /* required, an object */
	c->met.n = 0;
	MEMBERS(ks) {
		struct bt_metric *m = vpush(&c->met, sizeof *m);
		if (!m || !(m->name = bt__arena_strndup(c->a, k, kn)))
			return FAIL;
		if (read_metric(c, (struct bt_metric *)c->met.p + c->met.n - 1))
			return FAIL;
		if (!time && KEY("time"))
			time = c->met.n;
	}
	if (r < 0)
		return FAIL;
	int ok;
	res->metrics = vdone(c, &c->met, sizeof *res->metrics, &ok);
	res->n_metrics = c->met.n;
	if (!ok)
		return FAIL;
	if (time > 1) {
		/* the primary metric goes first */
		struct bt_metric t = res->metrics[time - 1];
		memmove(&res->metrics[1], &res->metrics[0],
			(time - 1) * sizeof t);
		res->metrics[0] = t;
	}
	return 0;
}

static int read_params(struct sc *c, struct bt_result *res)
{
	struct keys ks;
	size_t kn;
	int r = v_obj(c, &ks);
	if (r <= 0)
		return r;
	c->kv.n = 0;
	MEMBERS(ks) {
		struct bt_kv *e = vpush(&c->kv, sizeof *e);
		if (!e || !(e->key = bt__arena_strndup(c->a, k, kn)))
			return FAIL;
		if (v_rstr(c, &((struct bt_kv *)c->kv.p)[c->kv.n - 1].value))
			return FAIL;
	}
	if (r < 0)
		return FAIL;
	int ok;
	res->params = vdone(c, &c->kv, sizeof *res->params, &ok);
	res->n_params = c->kv.n;
	if (!ok)
		return FAIL;
	if (res->n_params > 1)
		qsort(res->params, res->n_params, sizeof *res->params, kv_cmp);
	return 0;
}

static int read_counters(struct sc *c, struct bt_result *res)
{
	struct keys ks;
	size_t kn;
	int r = v_obj(c, &ks);
	if (r <= 0)
		return r;
	c->ctr.n = 0;
	MEMBERS(ks) {
		struct bt_counter *e = vpush(&c->ctr, sizeof *e);
		if (!e || !(e->name = bt__arena_strndup(c->a, k, kn)))
			return FAIL;
		if (v_num(c, &((struct bt_counter *)c->ctr.p)[c->ctr.n - 1].value))
			return FAIL;
	}
	if (r < 0)
		return FAIL;
	int ok;
	res->counters = vdone(c, &c->ctr, sizeof *res->counters, &ok);
	res->n_counters = c->ctr.n;
	return ok ? 0 : FAIL;
}

static int read_result(struct sc *c, struct bt_result *res)
{
	struct keys ks, so;
	size_t kn;
	int r, rc = 0, have = 0;
	if (peek(c) != '{' || obj_open(c, &ks))
		return FAIL;
	MEMBERS(ks) {
		if (KEY("name")) {
			rc = v_rstr(c, &res->name);
			have |= 1;
		} else if (KEY("status")) {
			const char *s;
			size_t n;
			char b[32];
			have |= 2;
			rc = peek(c) != '"' || str(c, &s, &n, NULL) ||
			     n >= sizeof b;
			if (!rc) {
				memcpy(b, s, n);
				b[n] = '\0';
				int st = bt_status_parse(b);
				if (st < 0)
					rc = FAIL;
				else
					res->status = (enum bt_status)st;
			}
		} else if (KEY("metrics")) {
			rc = read_metrics(c, res);
			have |= 4;
		} else if (KEY("group")) {
			rc = v_str(c, &res->group);
		} else if (KEY("type")) {
			rc = v_str(c, &res->type);
		} else if (KEY("variant")) {
			rc = v_str(c, &res->variant);
		} else if (KEY("params")) {
			rc = read_params(c, res);
		} else if (KEY("options")) {
			rc = v_strings(c, &res->options, &res->n_options);
		} else if (KEY("version")) {
			rc = v_int32(c, &res->version);
		} else if (KEY("message")) {
			rc = v_str(c, &res->message);
		} else if (KEY("counters")) {
			rc = read_counters(c, res);
		} else if (KEY("throughput")) {
			if ((rc = v_obj(c, &so)) > 0) {
				MEMBERS(so) {
					if (KEY("value"))
						rc = v_num(c, &res->throughput.value);
					else if (KEY("unit"))
						rc = v_str(c, &res->throughput.unit);
					else if (KEY("items_per_op"))
						rc = v_num(c, &res->throughput.items_per_op);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("bytes_throughput")) {
			if ((rc = v_obj(c, &so)) > 0) {
				MEMBERS(so) {
					if (KEY("value"))
						rc = v_num(c, &res->bytes_throughput.value);
					else if (KEY("unit"))
						rc = v_str(c, &res->bytes_throughput.unit);
					else if (KEY("bytes_per_op"))
						rc = v_num(c, &res->bytes_throughput.items_per_op);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("iterations_per_sample")) {
			rc = v_u64(c, &res->iterations_per_sample);
		} else if (KEY("peak_memory_bytes")) {
			rc = v_i64(c, &res->peak_memory_bytes);
		} else if (KEY("memory_bytes")) {
			rc = v_i64(c, &res->memory_bytes);
		} else if (KEY("cpu")) {
			if ((rc = v_obj(c, &so)) > 0) {
				MEMBERS(so) {
					if (KEY("user_s"))
						rc = v_num(c, &res->cpu_user_s);
					else if (KEY("sys_s"))
						rc = v_num(c, &res->cpu_sys_s);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("ctx_switches")) {
			if ((rc = v_obj(c, &so)) > 0) {
				MEMBERS(so) {
					if (KEY("voluntary"))
						rc = v_i64(c, &res->ctx_switches_voluntary);
					else if (KEY("involuntary"))
						rc = v_i64(c, &res->ctx_switches_involuntary);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("wall_s")) {
			rc = v_num(c, &res->wall_s);
		} else if (KEY("validation")) {
			struct bt_validation *va = &res->validation;
			if ((rc = v_obj(c, &so)) > 0) {
				va->checked = 1;
				MEMBERS(so) {
					if (KEY("max_abs_err"))
						rc = v_num(c, &va->max_abs_err);
					else if (KEY("max_rel_err"))
						rc = v_num(c, &va->max_rel_err);
					else if (KEY("tolerance"))
						rc = v_num(c, &va->tolerance);
					else if (KEY("passed"))
						rc = v_bool(c, 0, &va->passed);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("adaptive")) {
			struct bt_adaptive *ad = &res->adaptive;
			if ((rc = v_obj(c, &so)) > 0) {
				MEMBERS(so) {
					if (KEY("param"))
						rc = v_str(c, &ad->param);
					else if (KEY("requested"))
						rc = v_str(c, &ad->requested);
					else if (KEY("ran"))
						rc = v_str(c, &ad->ran);
					else if (KEY("retries"))
						rc = v_int32(c, &ad->retries);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("series_key")) {
			rc = v_str(c, &res->series_key);
			/* 16 lowercase hex digits, else the strict reader
			 * says what is wrong */
			if (!rc && res->series_key && !bt__is_series_key(res->series_key))
				rc = FAIL;
		} else {
			rc = skip(c);
		}
		if (rc)
			return FAIL;
	}
	return r < 0 || have != 7 ? FAIL : 0;
}

static int read_results(struct sc *c)
{
	int r, first;
	if (peek(c) != '[' || arr_open(c, &first))
		return FAIL; /* required, an array */
	c->res.n = 0;
	while ((r = arr_next(c, &first)) > 0) {
		struct bt_result res;
		bt__result_defaults(&res);
		if (read_result(c, &res))
			return FAIL;
		struct bt_result *e = vpush(&c->res, sizeof *e);
		if (!e)
			return FAIL;
		*e = res;
	}
	return r;
}

static int read_machine(struct sc *c, struct keys *ks, struct bt_machine *m)
{
	struct keys so, co, go;
	size_t kn;
	int r, rc = 0, first;
	MEMBERS(*ks) {
		if (KEY("name")) {
			rc = v_str(c, &m->name);
		} else if (KEY("fingerprint")) {
			rc = v_str(c, &m->fingerprint);
		} else if (KEY("arch")) {
			rc = v_str(c, &m->arch);
		} else if (KEY("cpu")) {
			if ((rc = v_obj(c, &so)) > 0) {
				MEMBERS(so) {
					if (KEY("model")) {
						rc = v_str(c, &m->cpu_model);
					} else if (KEY("cores")) {
						rc = v_int32(c, &m->cpu_cores);
					} else if (KEY("physical_cores")) {
						rc = v_int32(c, &m->cpu_physical_cores);
					} else if (KEY("mhz")) {
						rc = v_num(c, &m->cpu_mhz);
					} else if (KEY("cache")) {
						if ((rc = v_obj(c, &co)) > 0) {
							MEMBERS(co) {
								if (KEY("l1d"))
									rc = v_i64(c, &m->cache_l1d);
								else if (KEY("l2"))
									rc = v_i64(c, &m->cache_l2);
								else if (KEY("l3"))
									rc = v_i64(c, &m->cache_l3);
								else
									rc = skip(c);
								if (rc)
									return FAIL;
							}
							rc = r;
						}
					} else {
						rc = skip(c);
					}
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("memory_bytes")) {
			rc = v_i64(c, &m->memory_bytes);
		} else if (KEY("os")) {
			rc = v_str(c, &m->os);
		} else if (KEY("kernel")) {
			rc = v_str(c, &m->kernel);
		} else if (KEY("governor")) {
			rc = v_str(c, &m->governor);
		} else if (KEY("gpus")) {
			if (is_null(c)) {
				rc = lit(c, "null", 4);
			} else if (!(rc = arr_open(c, &first))) {
				c->gpu.n = 0;
				while ((rc = arr_next(c, &first)) > 0) {
					struct bt_gpu g = { NULL, -1, NULL };
					if (peek(c) != '{' || obj_open(c, &go))
						return FAIL;
					MEMBERS(go) {
						if (KEY("name"))
							rc = v_str(c, &g.name);
						else if (KEY("memory_bytes"))
							rc = v_i64(c, &g.memory_bytes);
						else if (KEY("driver"))
							rc = v_str(c, &g.driver);
						else
							rc = skip(c);
						if (rc)
							return FAIL;
					}
					struct bt_gpu *e = r ? NULL : vpush(&c->gpu, sizeof *e);
					if (!e)
						return FAIL;
					*e = g;
				}
				int ok = 1;
				if (!rc) {
					m->gpus = vdone(c, &c->gpu, sizeof *m->gpus, &ok);
					m->n_gpus = c->gpu.n;
				}
				if (!ok)
					rc = FAIL;
			}
		} else {
			rc = skip(c);
		}
		if (rc)
			return FAIL;
	}
	return r;
}

static int read_config(struct sc *c, struct keys *ks, struct bt_config *cf)
{
	struct keys so;
	size_t kn;
	int r, rc = 0;
	MEMBERS(*ks) {
		if (KEY("warmup_iterations")) {
			rc = v_int32(c, &cf->warmup_iterations);
		} else if (KEY("measurement_iterations")) {
			rc = v_int32(c, &cf->measurement_iterations);
		} else if (KEY("min_sample_time")) {
			rc = v_num(c, &cf->min_sample_time);
		} else if (KEY("time_budget")) {
			rc = v_num(c, &cf->time_budget);
		} else if (KEY("timeout")) {
			rc = v_num(c, &cf->timeout);
		} else if (KEY("memory_limit")) {
			rc = v_i64(c, &cf->memory_limit);
		} else if (KEY("isolate")) {
			rc = v_bool(c, 0, &cf->isolate);
		} else if (KEY("seed")) {
			rc = v_u64(c, &cf->seed);
		} else if (KEY("quick")) {
			rc = v_bool(c, 0, &cf->quick);
		} else if (KEY("ablation")) {
			rc = v_bool(c, 0, &cf->ablation);
		} else if (KEY("filter")) {
			rc = v_str(c, &cf->filter);
		} else if (KEY("exclude")) {
			rc = v_str(c, &cf->exclude);
		} else if (KEY("params")) {
			rc = v_strings(c, &cf->params, &cf->n_params);
		} else if (KEY("range")) {
			rc = v_str(c, &cf->range);
		} else if (KEY("options")) {
			rc = v_str(c, &cf->options);
		} else if (KEY("timer")) {
			if ((rc = v_obj(c, &so)) > 0) {
				MEMBERS(so) {
					if (KEY("clock"))
						rc = v_str(c, &cf->clock);
					else if (KEY("resolution_s"))
						rc = v_num(c, &cf->timer_resolution_s);
					else if (KEY("overhead_s"))
						rc = v_num(c, &cf->timer_overhead_s);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else {
			rc = skip(c);
		}
		if (rc)
			return FAIL;
	}
	return r;
}

static int read_run(struct sc *c, struct bt_run *run)
{
	struct keys ks, so;
	size_t kn;
	int r, rc = 0, have = 0;
	if (peek(c) != '{' || obj_open(c, &ks))
		return FAIL;
	MEMBERS(ks) {
		if (KEY("schema")) {
			const char *s;
			size_t n;
			have |= 1;
			/* run->schema already holds BT_RUN_SCHEMA */
			rc = peek(c) != '"' || str(c, &s, &n, NULL) ||
			     n != strlen(BT_RUN_SCHEMA) ||
			     memcmp(s, BT_RUN_SCHEMA, n);
		} else if (KEY("run_id")) {
			rc = v_rstr(c, &run->run_id);
			have |= 2;
		} else if (KEY("timestamp")) {
			rc = v_rstr(c, &run->timestamp);
			have |= 4;
		} else if (KEY("suite")) {
			rc = v_rstr(c, &run->suite);
			have |= 8;
		} else if (KEY("benchmark_type")) {
			rc = v_str(c, &run->benchmark_type);
		} else if (KEY("duration_s")) {
			rc = v_num(c, &run->duration_s);
		} else if (KEY("results")) {
			rc = read_results(c);
			have |= 16;
		} else if (KEY("git")) {
			if ((rc = v_obj(c, &so)) > 0) {
				MEMBERS(so) {
					if (KEY("commit"))
						rc = v_str(c, &run->git.commit);
					else if (KEY("branch"))
						rc = v_str(c, &run->git.branch);
					else if (KEY("dirty"))
						rc = v_bool(c, 1, &run->git.dirty);
					else if (KEY("commit_time"))
						rc = v_str(c, &run->git.commit_time);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("machine")) {
			if ((rc = v_obj(c, &so)) > 0)
				rc = read_machine(c, &so, &run->machine);
		} else if (KEY("build")) {
			if ((rc = v_obj(c, &so)) > 0) {
				struct bt_build *b = &run->build;
				MEMBERS(so) {
					if (KEY("compiler"))
						rc = v_str(c, &b->compiler);
					else if (KEY("flags"))
						rc = v_str(c, &b->flags);
					else if (KEY("optimized"))
						rc = v_bool(c, 1, &b->optimized);
					else if (KEY("benchtrack_version"))
						rc = v_str(c, &b->benchtrack_version);
					else
						rc = skip(c);
					if (rc)
						return FAIL;
				}
				rc = r;
			}
		} else if (KEY("config")) {
			if ((rc = v_obj(c, &so)) > 0)
				rc = read_config(c, &so, &run->config);
		} else {
			rc = skip(c);
		}
		if (rc)
			return FAIL;
	}
	if (r < 0 || have != 31)
		return FAIL;
	size_t n = c->res.n;
	if (n) {
		int ok;
		run->results = vdone(c, &c->res, sizeof *run->results, &ok);
		if (!ok)
			return FAIL;
		run->n_results = run->results_alloc = n;
	}
	return 0;
}

int bt__run_scan(struct bt_run *run, const char *text, size_t len, int flags)
{
	if (!run || !run->arena || run->n_results || !text ||
	    len > RUN_MAX_BYTES)
		return FAIL;
	struct sc c;
	memset(&c, 0, sizeof c);
	c.p = (const unsigned char *)text;
	c.end = c.p + len;
	c.a = run->arena;
	c.samples = (flags & BT__SCAN_SAMPLES) != 0;
	int rc = read_run(&c, run);
	if (!rc) {
		ws(&c);
		if (c.p != c.end)
			rc = FAIL; /* end of file expected */
	}
	/* a forged series key or a benchmark twice: the strict reader says so */
	if (!rc && bt__run_check_identity(run, NULL, NULL))
		rc = FAIL;
	free(c.sbuf);
	free(c.res.p);
	free(c.met.p);
	free(c.kv.p);
	free(c.ctr.p);
	free(c.str.p);
	free(c.dbl.p);
	free(c.gpu.p);
	return rc ? FAIL : 0;
}

int bt__run_read_file_summary(struct bt_run *run, const char *path,
			      struct bt_strbuf *err)
{
	char *data;
	size_t len;
	if (!path || !run || !run->arena || run->n_results ||
	    bt__read_file(path, RUN_MAX_BYTES, &data, &len, NULL))
		return bt_run_read_file(run, path, err); /* it says what is wrong */
	int rc = bt__run_scan(run, data, len, 0);
	if (rc) {
		/* the strict reader on a fresh run says what is wrong */
		bt_run_release(run);
		rc = bt_run_init(run);
		if (!rc)
			rc = bt_run_from_json(run, data, len, path, err);
	}
	free(data);
	return rc;
}
