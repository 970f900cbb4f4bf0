/* The PostgreSQL store's connection (lib/store/pgint.h): URLs and the
 * password kept out of messages, errors, transactions with retries, the
 * schema and its migrations.
 *
 * Errors: every message starts with the URL without its password
 * (bt__url_redact), and the password is scrubbed from what libpq and the
 * server say. SQLSTATE class 08 (connection), 57P01-57P03 (shutting down,
 * starting, cannot connect now), 40001 and 40P01 (serialization failure,
 * deadlock) are transient: bt__pg_tx retries them. Authentication
 * failures (28000, 28P01) and missing privileges (42501) are BT_EAUTH; a
 * server that cannot be reached after the retries BT_EUNREACHABLE.
 */
#include <ctype.h>
#include <errno.h>
#include <endian.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"
#include "pgint.h"

/* --- URLs ---------------------------------------------------------------- */

int bt__pg_is_url(const char *dir)
{
	static const char *const keys[] = { "host", "hostaddr", "port", "dbname", "user",
					     "password", "service", NULL };
	if (!dir)
		return 0;
	if (strncmp(dir, "postgresql://", 13) == 0 || strncmp(dir, "postgres://", 11) == 0)
		return 1;
	/* a libpq key=value string: it starts with one of its keywords */
	for (int i = 0; keys[i]; i++) {
		size_t n = strlen(keys[i]);
		const char *p = dir + n;
		if (strncmp(dir, keys[i], n) != 0)
			continue;
		while (*p == ' ')
			p++;
		if (*p == '=')
			return 1;
	}
	return 0;
}

/* Appends s[0..n) to b with every "password=VALUE" (VALUE up to '&', a
 * space or the end) as "password=****". */
static int redact_params(struct bt_strbuf *b, const char *s, size_t n)
{
	size_t i = 0;
	int rc = 0;
	while (!rc && i < n) {
		if (n - i >= 9 && strncasecmp(s + i, "password", 8) == 0 &&
		    (i == 0 || strchr("?& ", s[i - 1]))) {
			size_t j = i + 8;
			while (j < n && s[j] == ' ')
				j++;
			if (j < n && s[j] == '=') {
				j++;
				while (j < n && s[j] == ' ')
					j++;
				size_t k = j;
				if (k < n && s[k] == '\'') {
					for (k++; k < n && s[k] != '\''; k++)
						if (s[k] == '\\' && k + 1 < n)
							k++;
					if (k < n)
						k++;
				} else {
					while (k < n && s[k] != '&' && s[k] != ' ')
						k++;
				}
				rc = bt_strbuf_add(b, s + i, j - i);
				if (!rc)
					rc = bt_strbuf_adds(b, "****");
				i = k;
				continue;
			}
		}
		rc = bt_strbuf_addc(b, s[i++]);
	}
	return rc;
}

char *bt__url_redact(const char *url)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	const char *p = url ? strstr(url, "://") : NULL;
	int rc = 0;
	if (!url)
		return NULL;
	if (!p)
		/* a key=value connection string */
		rc = redact_params(&b, url, strlen(url));
	else {
		const char *auth = p + 3;
		size_t alen = strcspn(auth, "/?#");
		const char *at = NULL;
		for (size_t i = 0; i < alen; i++)
			if (auth[i] == '@')
				at = auth + i; /* the last '@' ends the user info */
		rc = bt_strbuf_add(&b, url, (size_t)(auth - url));
		if (!rc && at) {
			size_t ulen = strcspn(auth, ":@");
			if (auth + ulen > at)
				ulen = (size_t)(at - auth);
			rc = bt_strbuf_add(&b, auth, ulen);
			if (!rc)
				rc = bt_strbuf_adds(&b, at);
		} else if (!rc) {
			rc = bt_strbuf_adds(&b, auth);
		}
		if (!rc) {
			/* ?password=... in the query part */
			char *q = strchr(b.buf, '?');
			if (q) {
				struct bt_strbuf c = BT_STRBUF_INIT;
				rc = bt_strbuf_add(&c, b.buf, (size_t)(q - b.buf));
				if (!rc)
					rc = redact_params(&c, q, strlen(q));
				bt_strbuf_release(&b);
				b = c;
			}
		}
	}
	if (rc) {
		bt_strbuf_release(&b);
		return NULL;
	}
	if (!b.buf)
		return strdup("");
	return b.buf;
}

/* Replaces every occurrence of secret in m with "****". */
static void scrub_one(const char *secret, struct bt_strbuf *m)
{
	size_t sl = secret ? strlen(secret) : 0;
	if (!sl || !m->buf)
		return;
	char *hit;
	while ((hit = strstr(m->buf, secret))) {
		size_t off = (size_t)(hit - m->buf);
		struct bt_strbuf c = BT_STRBUF_INIT;
		if (bt_strbuf_add(&c, m->buf, off) || bt_strbuf_adds(&c, "****") ||
		    bt_strbuf_adds(&c, hit + sl)) {
			/* out of memory: cut the message before it */
			bt_strbuf_release(&c);
			m->buf[off] = '\0';
			m->len = off;
			return;
		}
		bt_strbuf_release(m);
		*m = c;
	}
}

static void scrub(const struct bt_pg *pg, struct bt_strbuf *m)
{
	scrub_one(pg->secret, m);
	scrub_one(pg->raw, m);
}

/* The password as written in url: the user info's after ':', or a
 * password=VALUE of the query or of a key=value string; malloc'd or NULL. */
static char *raw_password(const char *url)
{
	const char *p = strstr(url, "://");
	if (p) {
		const char *auth = p + 3, *at = NULL;
		size_t alen = strcspn(auth, "/?#");
		for (size_t i = 0; i < alen; i++)
			if (auth[i] == '@')
				at = auth + i;
		const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon && at > colon + 1)
			return strndup(colon + 1, (size_t)(at - colon - 1));
	}
	for (const char *q = url; (q = strstr(q, "password")); q += 8) {
		if (q != url && !strchr("?& ", q[-1]))
			continue;
		const char *v = q + 8;
		while (*v == ' ')
			v++;
		if (*v++ != '=')
			continue;
		while (*v == ' ')
			v++;
		size_t n = *v == '\'' ? strcspn(v + 1, "'") : strcspn(v, "& ");
		if (*v == '\'')
			v++;
		if (n)
			return strndup(v, n);
	}
	return NULL;
}

/* libpq's text without its trailing newline, scrubbed, and with the
 * server's "FATAL:  " / "ERROR:  " prefixes as they are. */
static void pg_message(const struct bt_pg *pg, const char *raw, struct bt_strbuf *m)
{
	size_t n = raw ? strlen(raw) : 0;
	while (n && (raw[n - 1] == '\n' || raw[n - 1] == ' '))
		n--;
	/* one line: libpq puts a newline between the attempts of each host */
	for (size_t i = 0; i < n; i++)
		if (raw[i] != '\t')
			bt_strbuf_addc(m, raw[i] == '\n' ? ';' : raw[i]);
		else if (i && raw[i - 1] == '\n')
			bt_strbuf_addc(m, ' ');
	scrub(pg, m);
}

/* --- errors -------------------------------------------------------------- */

static int transient_state(const char *s)
{
	return s && (strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 ||
		     strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0 ||
		     strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0);
}

int bt__pg_fail(struct bt_pg *pg, PGresult *res, struct bt_strbuf *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	struct bt_strbuf m = BT_STRBUF_INIT;
	int rc;
	int lost = PQstatus(pg->conn) != CONNECTION_OK;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	pg_message(pg, primary && *primary ? primary : PQerrorMessage(pg->conn), &m);
	pg->transient = lost || transient_state(state);
	if (pg->transient && (lost || (state && (state[0] == '0' || state[0] == '5'))))
		rc = BT_EUNREACHABLE;
	else if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
		rc = BT_EBUSY;
	else if (state && (strncmp(state, "28", 2) == 0 || strcmp(state, "42501") == 0))
		rc = BT_EAUTH;
	else if (state && strcmp(state, "53100") == 0)
		rc = BT_EIO; /* disk full */
	else
		rc = BT_EIO;
	rc = bt_error(err, rc, "%s: %s", pg->shown, m.len ? m.buf : "connection lost");
	bt_strbuf_release(&m);
	return rc;
}

PGresult *bt__pg_exec(struct bt_pg *pg, const char *sql, int n,
		      const char *const *vals, const int *lens, int *rc,
		      struct bt_strbuf *err)
{
	int fmts[64];
	if (n > 64) {
		*rc = bt_error(err, BT_EINVAL, "%s: too many parameters", pg->shown);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		fmts[i] = lens && lens[i] >= 0;
	/* no parameters: the simple protocol, which takes several statements */
	PGresult *res = n ? PQexecParams(pg->conn, sql, n, NULL, vals, lens, fmts, 0)
			  : PQexec(pg->conn, sql);
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		*rc = 0;
		return res;
	}
	*rc = bt__pg_fail(pg, res, err);
	PQclear(res);
	return NULL;
}

int bt__pg_cmd(struct bt_pg *pg, const char *sql, int n, const char *const *vals,
	       struct bt_strbuf *err)
{
	int rc;
	PGresult *r = bt__pg_exec(pg, sql, n, vals, NULL, &rc, err);
	PQclear(r);
	return rc;
}

/* --- binary values ------------------------------------------------------- */

/* The big-endian integer of size bytes (2, 4 or 8) at b (0 when len is
 * not size). */
static uint64_t be(const unsigned char *b, int len, int size)
{
	if (!b || len != size)
		return 0;
	if (size == 8) {
		uint64_t v;
		memcpy(&v, b, 8);
		return be64toh(v);
	}
	if (size == 4) {
		uint32_t v;
		memcpy(&v, b, 4);
		return be32toh(v);
	}
	return (uint64_t)b[0] << 8 | b[1];
}

long long bt__pg_field_i64(const struct bt__pg_field *f)
{
	return (long long)be(f->p, f->len, 8);
}

int bt__pg_field_i32(const struct bt__pg_field *f)
{
	return (int)(int32_t)(uint32_t)be(f->p, f->len, 4);
}

double bt__pg_field_f64(const struct bt__pg_field *f)
{
	if (f->len != 8)
		return NAN;
	uint64_t v = be(f->p, f->len, 8);
	double d;
	memcpy(&d, &v, sizeof d);
	return d;
}

static struct bt__pg_field res_field(PGresult *r, int row, int col)
{
	struct bt__pg_field f = { NULL, -1 };
	if (!PQgetisnull(r, row, col)) {
		f.p = (const unsigned char *)PQgetvalue(r, row, col);
		f.len = PQgetlength(r, row, col);
	}
	return f;
}

long long bt__pg_bin_i64(PGresult *r, int row, int col)
{
	struct bt__pg_field f = res_field(r, row, col);
	return bt__pg_field_i64(&f);
}

int bt__pg_bin_i32(PGresult *r, int row, int col)
{
	struct bt__pg_field f = res_field(r, row, col);
	return bt__pg_field_i32(&f);
}

double bt__pg_bin_f64(PGresult *r, int row, int col)
{
	struct bt__pg_field f = res_field(r, row, col);
	return bt__pg_field_f64(&f);
}

/* --- binary COPY ---------------------------------------------------------- */

/* PGCOPY\n\377\r\n\0: the signature a binary COPY starts with */
static const unsigned char copy_sig[11] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff,
					    '\r', '\n', 0 };

int bt__pg_copy_header(const unsigned char *buf, size_t n)
{
	if (n < 19 || memcmp(buf, copy_sig, sizeof copy_sig) != 0)
		return -1;
	uint32_t flags = (uint32_t)be(buf + 11, 4, 4);
	uint32_t ext = (uint32_t)be(buf + 15, 4, 4);
	if (flags & 0xffff0000u) /* bit 16 and up: critical, unknown to us (OIDs) */
		return -1;
	if (ext > INT32_MAX - 19 || n < 19 + (size_t)ext)
		return -1;
	return 19 + (int)ext;
}

int bt__pg_copy_tuple(const unsigned char *buf, size_t n, struct bt__pg_field *f,
		      int max, int *nf, size_t *used)
{
	*nf = 0;
	*used = 0;
	if (n < 2)
		return -1;
	int count = (int16_t)(uint16_t)be(buf, 2, 2);
	size_t at = 2;
	if (count == -1) {
		*used = at;
		return 0;
	}
	if (count < 0 || count > max)
		return -1;
	for (int i = 0; i < count; i++) {
		if (n - at < 4)
			return -1;
		int32_t len = (int32_t)(uint32_t)be(buf + at, 4, 4);
		at += 4;
		if (len < -1 || (len > 0 && n - at < (size_t)len))
			return -1;
		f[i].p = len < 0 ? NULL : buf + at;
		f[i].len = len;
		if (len > 0)
			at += (size_t)len;
	}
	*nf = count;
	*used = at;
	return 1;
}

/* sql with each $N replaced by vals[N - 1] as a quoted literal (NULL:
 * NULL), into out: COPY takes no parameters. The template's only '$'
 * are its placeholders. */
static int inline_params(struct bt_pg *pg, const char *sql, int n,
			 const char *const *vals, struct bt_strbuf *out)
{
	int e = 0;
	for (const char *s = sql; *s && !e; s++) {
		if (*s != '$' || s[1] < '0' || s[1] > '9') {
			e = bt_strbuf_addc(out, *s);
			continue;
		}
		int k = 0;
		while (s[1] >= '0' && s[1] <= '9' && k < 1000)
			k = k * 10 + (*++s - '0');
		if (k < 1 || k > n)
			return BT_EINVAL;
		if (!vals[k - 1]) {
			e = bt_strbuf_adds(out, "NULL");
			continue;
		}
		char *lit = PQescapeLiteral(pg->conn, vals[k - 1], strlen(vals[k - 1]));
		if (!lit)
			return BT_ENOMEM;
		e = bt_strbuf_adds(out, lit);
		PQfreemem(lit);
	}
	return e ? BT_ENOMEM : 0;
}

int bt__pg_copy(struct bt_pg *pg, const char *query, int n, const char *const *vals,
		bt__pg_row_fn fn, void *ud, struct bt_strbuf *err)
{
	struct bt_strbuf sql = BT_STRBUF_INIT;
	struct bt__pg_field f[32];
	int rc = bt_strbuf_adds(&sql, "COPY (") ? BT_ENOMEM : 0;
	if (!rc)
		rc = inline_params(pg, query, n, vals, &sql);
	if (!rc && bt_strbuf_adds(&sql, ") TO STDOUT (FORMAT binary)"))
		rc = BT_ENOMEM;
	if (rc) {
		bt_strbuf_release(&sql);
		return rc == BT_ENOMEM ? bt_error(err, rc, "%s: out of memory", pg->shown)
				       : bt_error(err, rc, "%s: bad query parameters", pg->shown);
	}
	PGresult *r = PQexec(pg->conn, sql.buf);
	bt_strbuf_release(&sql);
	if (!r || PQresultStatus(r) != PGRES_COPY_OUT) {
		rc = bt__pg_fail(pg, r, err);
		PQclear(r);
		return rc;
	}
	PQclear(r);
	/* read to the end even after an error: the connection stays usable */
	int first = 1, done = 0;
	for (;;) {
		char *buf;
		int len = PQgetCopyData(pg->conn, &buf, 0);
		if (len < 0)
			break;
		const unsigned char *b = (const unsigned char *)buf;
		size_t left = (size_t)len;
		if (!rc && first) {
			int h = bt__pg_copy_header(b, left);
			if (h < 0)
				rc = bt_error(err, BT_EIO, "%s: unexpected COPY data", pg->shown);
			else {
				b += h;
				left -= (size_t)h;
			}
		}
		first = 0;
		while (!rc && left) {
			int nf;
			size_t used = 0;
			int t = done ? -1 : bt__pg_copy_tuple(b, left, f, 32, &nf, &used);
			if (t < 0)
				rc = bt_error(err, BT_EIO, "%s: unexpected COPY data", pg->shown);
			else if (t == 0)
				done = 1;
			else
				rc = fn(ud, f, nf);
			b += used;
			left -= used;
		}
		PQfreemem(buf);
	}
	while ((r = PQgetResult(pg->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc)
			rc = bt__pg_fail(pg, r, err);
		PQclear(r);
	}
	if (!rc && !done) /* the connection went away in the middle */
		rc = bt__pg_fail(pg, NULL, err);
	return rc;
}

PGresult *bt__pg_fetch(struct bt_pg *pg, const char *cursor, int count, int *rc,
		       struct bt_strbuf *err)
{
	char sql[96];
	snprintf(sql, sizeof sql, "FETCH %d FROM %s", count, cursor);
	PGresult *r = PQexecParams(pg->conn, sql, 0, NULL, NULL, NULL, NULL, 1);
	if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
		*rc = 0;
		return r;
	}
	*rc = bt__pg_fail(pg, r, err);
	PQclear(r);
	return NULL;
}

const char *bt__pg_col(struct bt_arena *a, PGresult *res, int r, int c, int *oom)
{
	if (PQgetisnull(res, r, c))
		return NULL;
	char *s = bt__arena_strndup(a, PQgetvalue(res, r, c),
				    (size_t)PQgetlength(res, r, c));
	if (!s)
		*oom = 1;
	return s;
}

/* --- arrays -------------------------------------------------------------- */

/* The separator before an element: "{" for the first, else ",". */
static int arr_next(struct bt_strbuf *a)
{
	return bt_strbuf_addc(a, a->len ? ',' : '{');
}

int bt__pg_arr_str(struct bt_strbuf *a, const char *v)
{
	int rc = arr_next(a);
	if (rc)
		return rc;
	if (!v)
		return bt_strbuf_adds(a, "NULL");
	rc = bt_strbuf_addc(a, '"');
	for (const char *p = v; !rc && *p; p++) {
		if (*p == '"' || *p == '\\')
			rc = bt_strbuf_addc(a, '\\');
		if (!rc)
			rc = bt_strbuf_addc(a, *p);
	}
	return rc ? rc : bt_strbuf_addc(a, '"');
}

int bt__pg_arr_real(struct bt_strbuf *a, double v)
{
	int rc = arr_next(a);
	if (rc)
		return rc;
	if (isnan(v))
		return bt_strbuf_adds(a, "NULL");
	if (isinf(v))
		return bt_strbuf_adds(a, v > 0 ? "Infinity" : "-Infinity");
	return bt_strbuf_addf(a, "%.17g", v);
}

int bt__pg_arr_int(struct bt_strbuf *a, long long v, int known)
{
	int rc = arr_next(a);
	if (rc)
		return rc;
	return known ? bt_strbuf_addf(a, "%lld", v) : bt_strbuf_adds(a, "NULL");
}

int bt__pg_arr_end(struct bt_strbuf *a)
{
	if (!a->len)
		return bt_strbuf_adds(a, "{}");
	return bt_strbuf_addc(a, '}');
}

/* --- connection ---------------------------------------------------------- */

/* The default of BENCHTRACK_PG_RETRY_S: 0.5 + 1 + 2 + 3 + 4 s, five
 * retries (a server restarting is back well within that). */
#define RETRY_DEFAULT_MS 10500L
#define RETRY_MAX_S 3600

/* Before retry number i (0-based) of a transient failure, waits 0.5, 1,
 * 2, 3, then 4 s each time, while the waits so far (*waited) and this one
 * stay within pg->retry_ms; returns 1 after waiting, 0 when the budget is
 * spent (then no more tries). */
static int retry_wait(struct bt_pg *pg, int i, long *waited)
{
	static const long wait_ms[] = { 500, 1000, 2000, 3000, 4000 };
	long ms = wait_ms[i < 4 ? i : 4];
	if (*waited + ms > pg->retry_ms)
		return 0;
	*waited += ms;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
	return 1;
}

/* pg->retry_ms from BENCHTRACK_PG_RETRY_S (seconds of waiting between
 * tries, 0 to 3600; unset or empty: the default). */
static int retry_budget(struct bt_pg *pg, struct bt_strbuf *err)
{
	const char *v = getenv("BENCHTRACK_PG_RETRY_S");
	char *end;
	pg->retry_ms = RETRY_DEFAULT_MS;
	if (!v || !*v)
		return 0;
	errno = 0;
	double s = strtod(v, &end);
	if (end == v || *end || errno || !(s >= 0) || s > RETRY_MAX_S)
		return bt_error(err, BT_EINVAL, "BENCHTRACK_PG_RETRY_S '%s': expected "
				"seconds from 0 to %d", v, RETRY_MAX_S);
	pg->retry_ms = (long)(s * 1000 + 0.5);
	return 0;
}

/* An error of PQconnectdb as BT_E*, from libpq's words (no SQLSTATE
 * comes back from a failed connection). */
static int connect_error(struct bt_pg *pg, struct bt_strbuf *err)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	pg_message(pg, pg->conn ? PQerrorMessage(pg->conn) : "out of memory", &m);
	const char *t = m.buf ? m.buf : "";
	int rc;
	pg->transient = 0;
	if (strstr(t, "password authentication failed") || strstr(t, "no password supplied") ||
	    strstr(t, "authentication failed") || strstr(t, "permission denied") ||
	    strstr(t, "not permitted to log in") || strstr(t, "no pg_hba.conf entry"))
		rc = BT_EAUTH;
	else if (strstr(t, "does not exist") && strstr(t, "role"))
		rc = BT_EAUTH; /* no such user */
	else if (strstr(t, "does not exist"))
		rc = BT_ENOTFOUND; /* the database */
	else if (strstr(t, "invalid") || strstr(t, "missing \"=\"") ||
		 strstr(t, "unrecognized"))
		rc = BT_EINVAL; /* the URL itself */
	else {
		rc = BT_EUNREACHABLE;
		pg->transient = 1;
	}
	rc = bt_error(err, rc, "%s: cannot connect: %s", pg->shown, t);
	bt_strbuf_release(&m);
	return rc;
}

/* The library never prints: the server's notices and warnings go nowhere
 * (libpq would write them to stderr). */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int connect_once(struct bt_pg *pg, struct bt_strbuf *err)
{
	/* the URL's own values win over these defaults (later keywords
	 * override earlier ones) */
	const char *keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "10", "benchtrack", pg->spec, NULL };
	if (pg->conn)
		PQfinish(pg->conn);
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK)
		return connect_error(pg, err);
	if (!pg->secret) {
		const char *pw = PQpass(pg->conn);
		if (pw && *pw)
			pg->secret = strdup(pw);
	}
	PQsetNoticeProcessor(pg->conn, quiet, NULL);
	/* and fewer of them sent: NOTICEs (IF NOT EXISTS ...) are not ours */
	PGresult *r = PQexec(pg->conn, "SET client_min_messages = warning");
	PQclear(r);
	return 0;
}

static int connect_retry(struct bt_pg *pg, struct bt_strbuf *err)
{
	long waited = 0;
	for (int i = 0;; i++) {
		if (err)
			bt_strbuf_reset(err);
		int rc = connect_once(pg, err);
		if (!rc || !pg->transient || !retry_wait(pg, i, &waited))
			return rc;
	}
}

int bt__pg_tx(struct bt_pg *pg, int write, bt__pg_body body, void *ud,
	      struct bt_strbuf *err)
{
	int rc = 0;
	long waited = 0;
	pthread_mutex_lock(&pg->mu);
	for (pg->attempt = 0;; pg->attempt++) {
		if (pg->attempt && err)
			bt_strbuf_reset(err);
		pg->transient = 0;
		if (PQstatus(pg->conn) != CONNECTION_OK && (rc = connect_once(pg, err))) {
			if (pg->transient && retry_wait(pg, pg->attempt, &waited))
				continue;
			break;
		}
		rc = bt__pg_cmd(pg, write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
				: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err);
		if (!rc)
			rc = body(pg, ud, err);
		if (!rc)
			rc = bt__pg_cmd(pg, "COMMIT", 0, NULL, err);
		if (!rc)
			break;
		int again = pg->transient;
		if (PQstatus(pg->conn) == CONNECTION_OK &&
		    PQtransactionStatus(pg->conn) != PQTRANS_IDLE) {
			PGresult *r = PQexec(pg->conn, "ROLLBACK");
			PQclear(r);
		}
		pg->transient = again;
		if (!again || !retry_wait(pg, pg->attempt, &waited))
			break;
	}
	pthread_mutex_unlock(&pg->mu);
	return rc;
}

/* --- schema -------------------------------------------------------------- */

/* migrations[i] brings schema version i to i + 1. Text that is sorted or
 * compared as in the SQLite index (ids, times, keys, names) is COLLATE
 * "C": byte order, whatever the database's locale. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE runs ("
	" rid bigserial PRIMARY KEY,"
	" run_id text COLLATE \"C\" NOT NULL UNIQUE,"
	" type text COLLATE \"C\" NOT NULL,"
	" suite text COLLATE \"C\","
	" timestamp text COLLATE \"C\" NOT NULL,"
	" duration_s double precision,"
	" commit_hash text COLLATE \"C\","
	" branch text COLLATE \"C\","
	" dirty integer,"
	" commit_time text,"
	" machine_name text COLLATE \"C\","
	" fingerprint text COLLATE \"C\","
	" cpu_model text, os text,"
	" archived boolean NOT NULL DEFAULT false,"
	" n_results integer NOT NULL DEFAULT 0,"
	" n_failed integer NOT NULL DEFAULT 0,"
	" schema text,"
	" stored_at timestamptz NOT NULL DEFAULT now(),"
	" doc bytea NOT NULL);"
	"CREATE INDEX runs_type_time ON runs(type, timestamp, run_id);"
	"CREATE INDEX runs_time ON runs(timestamp, run_id);"
	"CREATE INDEX runs_commit ON runs(commit_hash);"
	"CREATE INDEX runs_branch ON runs(branch);"
	"CREATE INDEX runs_machine ON runs(machine_name);"
	"CREATE INDEX runs_fingerprint ON runs(fingerprint);"
	"CREATE TABLE series ("
	" sid bigserial PRIMARY KEY,"
	" series_key text COLLATE \"C\" NOT NULL UNIQUE,"
	" suite text COLLATE \"C\", name text COLLATE \"C\","
	" variant text COLLATE \"C\", params text COLLATE \"C\","
	" fingerprint text COLLATE \"C\", metric text COLLATE \"C\");"
	"CREATE TABLE results ("
	" rid bigint NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,"
	" idx integer NOT NULL,"
	" name text COLLATE \"C\", grp text, variant text, type text, params text,"
	" status text, message text,"
	" sid bigint REFERENCES series(sid),"
	" throughput double precision, throughput_unit text,"
	" peak_memory_bytes bigint, memory_bytes bigint, max_rel_err double precision,"
	" PRIMARY KEY (rid, idx));"
	"CREATE INDEX results_name ON results(name);"
	"CREATE INDEX results_sid ON results(sid);"
	"CREATE TABLE points ("
	" sid bigint NOT NULL REFERENCES series(sid),"
	" rid bigint NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,"
	" metric text COLLATE \"C\" NOT NULL,"
	" idx integer NOT NULL,"
	" unit text, direction integer, n bigint,"
	" median double precision NOT NULL, p25 double precision,"
	" p75 double precision, min double precision, max double precision,"
	" PRIMARY KEY (sid, rid, metric, idx));"
	"CREATE INDEX points_rid ON points(rid);"
	"CREATE TABLE tags ("
	" rid bigint NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,"
	" tag text COLLATE \"C\" NOT NULL,"
	" PRIMARY KEY (rid, tag));"
	"CREATE INDEX tags_tag ON tags(tag);"
	"CREATE TABLE acks ("
	" seq bigserial PRIMARY KEY,"
	" series_key text COLLATE \"C\" NOT NULL,"
	" commit_hash text COLLATE \"C\" NOT NULL,"
	" reason text NOT NULL, who text, made text);"
	"CREATE INDEX acks_key ON acks(series_key);"
	"CREATE TABLE comparisons ("
	" name text COLLATE \"C\" NOT NULL,"
	" file text COLLATE \"C\" NOT NULL,"
	" data bytea NOT NULL,"
	" saved_at timestamptz NOT NULL DEFAULT now(),"
	" PRIMARY KEY (name, file));",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* The advisory lock key of schema changes (any constant the store owns). */
#define SCHEMA_LOCK "4242160001"

static int read_version(struct bt_pg *pg, int *version, struct bt_strbuf *err)
{
	int rc;
	*version = 0;
	PGresult *r = bt__pg_exec(pg, "SELECT to_regclass('schema_version') IS NOT NULL",
				  0, NULL, NULL, &rc, err);
	if (!r)
		return rc;
	int has = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!has)
		return 0;
	r = bt__pg_exec(pg, "SELECT max(version) FROM schema_version", 0, NULL, NULL, &rc, err);
	if (!r)
		return rc;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		*version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

static int newer_error(struct bt_pg *pg, int version, struct bt_strbuf *err)
{
	return bt_error(err, BT_EUNSUPPORTED, "%s: the store's schema version %d is newer "
			"than this benchtrack knows (%d); use a newer benchtrack",
			pg->shown, version, SCHEMA_VERSION);
}

static int migrate_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	int *version = ud;
	/* under the lock, the table made first: an advisory lock does not
	 * refresh the catalog (to_regclass could miss a table another writer
	 * just committed), taking a table's lock does */
	int rc = bt__pg_cmd(pg, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")", 0, NULL, err);
	if (!rc)
		rc = bt__pg_cmd(pg, "CREATE TABLE IF NOT EXISTS schema_version ("
				" version integer NOT NULL,"
				" applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, err);
	if (!rc)
		rc = read_version(pg, version, err);
	if (rc)
		return rc;
	if (*version > SCHEMA_VERSION)
		return newer_error(pg, *version, err);
	for (int i = *version; !rc && i < SCHEMA_VERSION; i++) {
		char v[16];
		const char *p[1] = { v };
		snprintf(v, sizeof v, "%d", i + 1);
		rc = bt__pg_cmd(pg, migrations[i], 0, NULL, err);
		if (!rc)
			rc = bt__pg_cmd(pg, "INSERT INTO schema_version (version) VALUES ($1)",
					1, p, err);
	}
	if (!rc)
		*version = SCHEMA_VERSION;
	return rc;
}

static int version_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	return read_version(pg, ud, err);
}

int bt__pg_open(struct bt_pg **out, const char *spec, int readonly,
		struct bt_strbuf *err)
{
	*out = NULL;
	struct bt_pg *pg = calloc(1, sizeof *pg);
	if (!pg)
		return BT_ENOMEM;
	pthread_mutex_init(&pg->mu, NULL);
	pg->readonly = readonly;
	pg->spec = strdup(spec);
	pg->shown = bt__url_redact(spec);
	pg->raw = raw_password(spec);
	/* the password of the URL (PQpass after connecting covers the rest):
	 * known before the first message */
	PQconninfoOption *opts = PQconninfoParse(spec, NULL);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			pg->secret = strdup(o->val);
	PQconninfoFree(opts);
	if (!pg->secret && getenv("PGPASSWORD") && *getenv("PGPASSWORD"))
		pg->secret = strdup(getenv("PGPASSWORD"));
	if (!pg->spec || !pg->shown) {
		bt__pg_close(pg);
		return BT_ENOMEM;
	}
	int rc = retry_budget(pg, err);
	if (rc) {
		bt__pg_close(pg);
		return rc;
	}
	rc = connect_retry(pg, err);
	if (!rc) {
		int version = 0;
		if (readonly) {
			rc = bt__pg_tx(pg, 0, version_body, &version, err);
			if (!rc && version > SCHEMA_VERSION)
				rc = newer_error(pg, version, err);
			if (!rc && version && version < SCHEMA_VERSION)
				rc = bt_error(err, BT_EUNSUPPORTED, "%s: the store's schema "
					      "version %d is older than this benchtrack's (%d): "
					      "a command that writes (benchtrack reindex) "
					      "migrates it", pg->shown, version, SCHEMA_VERSION);
		} else {
			/* most opens find the schema current: no lock then */
			rc = bt__pg_tx(pg, 0, version_body, &version, err);
			if (!rc && version > SCHEMA_VERSION)
				rc = newer_error(pg, version, err);
			else if (!rc && version < SCHEMA_VERSION)
				rc = bt__pg_tx(pg, 1, migrate_body, &version, err);
		}
		pg->schema = version;
	}
	if (rc) {
		bt__pg_close(pg);
		return rc;
	}
	*out = pg;
	return 0;
}

void bt__pg_close(struct bt_pg *pg)
{
	if (!pg)
		return;
	if (pg->conn)
		PQfinish(pg->conn);
	pthread_mutex_destroy(&pg->mu);
	free(pg->spec);
	free(pg->shown);
	if (pg->secret) {
		memset(pg->secret, 0, strlen(pg->secret));
		free(pg->secret);
	}
	if (pg->raw) {
		memset(pg->raw, 0, strlen(pg->raw));
		free(pg->raw);
	}
	free(pg);
}
