/* Importing a peer tool's results (bt_import_path, bt_import_text,
 * include/benchtrack/import.h): the text parsed as JSON or JSON Lines with
 * the non-standard number literals some tools write, the format detected
 * by asking every reader's sniffer, the reader called; and the pieces the
 * readers share (bt__imp_num, bt__imp_add_metric, bt__imp_add_counter,
 * lib/import/import.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "benchtrack/import.h"
#include "import.h"
#include "internal.h"

/* The cap of an imported file, as of a run file (ARCHITECTURE.md §4). */
#define IMPORT_MAX_BYTES ((size_t)256 << 20)

/* --- parsing -------------------------------------------------------------- */

/* The literals read as strings, longest first where one starts another. */
static const char *const literals[] = { "-Infinity", "Infinity", "NaN", NULL };

/* A copy of text[0..len) with each literal outside strings quoted; *pos
 * gets the offsets (in the copy) at which a quote was inserted, *n_pos
 * their count (each shifts what follows by one byte). NULL when out of
 * memory. */
static char *quote_literals(const char *text, size_t len, size_t **pos, size_t *n_pos)
{
	size_t cnt = 0;
	int in_str = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
			continue;
		}
		for (int k = 0; literals[k]; k++) {
			size_t l = strlen(literals[k]);
			if (len - i >= l && memcmp(text + i, literals[k], l) == 0) {
				cnt++;
				i += l - 1;
				break;
			}
		}
	}
	char *out = malloc(len + 2 * cnt + 1);
	size_t *p = malloc((2 * cnt + 1) * sizeof *p);
	if (!out || !p) {
		free(out);
		free(p);
		return NULL;
	}
	size_t o = 0, np = 0;
	in_str = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			out[o++] = c;
			if (c == '\\' && i + 1 < len)
				out[o++] = text[++i];
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		int hit = 0;
		for (int k = 0; !in_str && literals[k]; k++) {
			size_t l = strlen(literals[k]);
			if (len - i >= l && memcmp(text + i, literals[k], l) == 0) {
				p[np++] = o;
				out[o++] = '"';
				memcpy(out + o, literals[k], l);
				o += l;
				p[np++] = o;
				out[o++] = '"';
				i += l - 1;
				hit = 1;
				break;
			}
		}
		if (!hit)
			out[o++] = c;
	}
	out[o] = '\0';
	*pos = p;
	*n_pos = np;
	return out;
}

/* Line and column (1-based, the column in bytes) of offset off of text. */
static void line_col(const char *text, size_t len, size_t off, size_t *line, size_t *col)
{
	size_t l = 1, c = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* jansson's error at byte offset qoff of the quoted copy, as an error
 * "LABEL: line L column C: problem" in the terms of the original text
 * (which starts at base, of length len; line_base lines before it). */
static void parse_error(const char *text, size_t len, size_t line_base, size_t qoff,
			const size_t *pos, size_t n_pos, const json_error_t *je,
			const char *label, struct bt_strbuf *err)
{
	size_t shift = 0;
	while (shift < n_pos && pos[shift] < qoff)
		shift++;
	size_t off = qoff - shift, line, col;
	line_col(text, len, off, &line, &col);
	bt_error(err, BT_EPARSE, "%s: line %zu column %zu: %s", label, line + line_base, col,
		 je->text[0] ? je->text : "malformed JSON");
}

/* One JSON value of text[0..len) (literals quoted), or NULL with err. */
static json_t *load(const char *text, size_t len, size_t line_base, const char *label,
		    struct bt_strbuf *err, int *oom)
{
	size_t *pos = NULL, n_pos = 0;
	char *q = quote_literals(text, len, &pos, &n_pos);
	if (!q) {
		*oom = 1;
		bt_error(err, BT_ENOMEM, "%s: out of memory", label);
		return NULL;
	}
	json_error_t je;
	int short_of_memory;
	json_t *root = bt__json_loadb(q, strlen(q), 0, &je, &short_of_memory);
	if (!root && strlen(q) != len + n_pos)
		snprintf(je.text, sizeof je.text, "a NUL byte in the text");
	if (short_of_memory) {
		*oom = 1;
		bt_error(err, BT_ENOMEM, "%s: out of memory", label);
	} else if (!root)
		/* jansson's position is past the character it stopped at;
		 * its column names that character */
		parse_error(text, len, line_base, (size_t)(je.position > 0 ? je.position - 1 : 0),
			    pos, n_pos, &je, label, err);
	free(q);
	free(pos);
	return root;
}

/* JSON Lines: every non-empty line of text an object; an array of them,
 * or NULL with err naming the line. */
static json_t *load_lines(const char *text, size_t len, const char *label, int *oom,
			  struct bt_strbuf *err)
{
	json_t *arr = json_array();
	if (!arr) {
		*oom = 1;
		bt_error(err, BT_ENOMEM, "%s: out of memory", label);
		return NULL;
	}
	size_t line = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - text) : len;
		size_t b = i;
		while (b < e && (text[b] == ' ' || text[b] == '\t' || text[b] == '\r'))
			b++;
		if (b < e) {
			json_t *o = load(text + i, e - i, line, label, err, oom);
			if (o && !json_is_object(o)) {
				bt_error(err, BT_EPARSE,
					 "%s: line %zu: expected a JSON object (JSON Lines)", label,
					 line + 1);
				json_decref(o);
				o = NULL;
			}
			if (!o || json_array_append_new(arr, o)) {
				if (o) {
					*oom = 1;
					bt_error(err, BT_ENOMEM, "%s: out of memory", label);
				}
				json_decref(arr);
				return NULL;
			}
		}
		line++;
		i = e + 1;
	}
	return arr;
}

/* 1 when text[0..len) has a second non-empty line and its first non-empty
 * line alone is a JSON object: JSON Lines rather than one document; -1
 * when memory ran out. */
static int looks_like_lines(const char *text, size_t len)
{
	size_t i = 0, nonempty = 0, first_b = 0, first_e = 0;
	while (i < len && nonempty < 2) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - text) : len;
		size_t b = i;
		while (b < e && (text[b] == ' ' || text[b] == '\t' || text[b] == '\r'))
			b++;
		if (b < e) {
			if (nonempty++ == 0) {
				first_b = b;
				first_e = e;
			}
		}
		i = e + 1;
	}
	if (nonempty < 2 || text[first_b] != '{')
		return 0;
	struct bt_strbuf tmp = BT_STRBUF_INIT;
	int oom = 0;
	json_t *o = load(text + first_b, first_e - first_b, 0, "", &tmp, &oom);
	bt_strbuf_release(&tmp);
	int yes = json_is_object(o);
	json_decref(o);
	return oom ? -1 : yes;
}

/* bt__import_parse; *oom set when it failed for memory. */
static json_t *parse_root(const char *text, size_t len, const char *label, int *jsonl,
			  int *oom, struct bt_strbuf *err)
{
	*jsonl = 0;
	size_t b = 0;
	while (b < len && (text[b] == ' ' || text[b] == '\t' || text[b] == '\r' ||
			   text[b] == '\n'))
		b++;
	if (b == len) {
		bt_error(err, BT_EPARSE, "%s: empty: expected JSON", label);
		return NULL;
	}
	struct bt_strbuf first = BT_STRBUF_INIT;
	json_t *root = load(text, len, 0, label, &first, oom);
	int lines = root || *oom ? 0 : looks_like_lines(text, len);
	if (lines < 0) {
		*oom = 1;
		bt_strbuf_release(&first);
		bt_error(err, BT_ENOMEM, "%s: out of memory", label);
		return NULL;
	}
	if (lines) {
		bt_strbuf_release(&first);
		root = load_lines(text, len, label, oom, err);
		if (root)
			*jsonl = 1;
		return root;
	}
	if (!root)
		bt_strbuf_add(err, bt_strbuf_str(&first), first.len);
	bt_strbuf_release(&first);
	return root;
}

json_t *bt__import_parse(const char *text, size_t len, const char *label, int *jsonl,
			 struct bt_strbuf *err)
{
	int oom = 0;
	json_t *root = parse_root(text, len, label, jsonl, &oom, err);
	if (oom)
		*jsonl = -1;
	return root;
}

int bt__imp_num(const json_t *v, double *x)
{
	if (json_is_number(v)) {
		*x = json_number_value(v);
		return 1;
	}
	const char *s = json_string_value(v);
	if (!s)
		return 0;
	if (strcmp(s, "NaN") == 0)
		*x = NAN;
	else if (strcmp(s, "Infinity") == 0)
		*x = INFINITY;
	else if (strcmp(s, "-Infinity") == 0)
		*x = -INFINITY;
	else
		return 0;
	return 1;
}

/* --- shared by the readers ------------------------------------------------ */

int bt__imp_add_metric(struct bt_run *run, struct bt_result *r, const char *name,
		       const char *unit, enum bt_direction dir, const double *x, size_t n)
{
	struct bt_metric *m = bt_run_alloc(run, (r->n_metrics + 1) * sizeof *m);
	double *s = n ? bt_run_alloc(run, n * sizeof *s) : NULL;
	if (!m || (n && !s))
		return BT_ENOMEM;
	if (r->n_metrics)
		memcpy(m, r->metrics, r->n_metrics * sizeof *m);
	if (n)
		memcpy(s, x, n * sizeof *s);
	struct bt_metric *nm = &m[r->n_metrics];
	nm->name = bt_run_strdup(run, name);
	nm->unit = unit ? bt_run_strdup(run, unit) : NULL;
	if (!nm->name || (unit && !nm->unit))
		return BT_ENOMEM;
	nm->direction = dir;
	nm->samples = s;
	nm->n_samples = n;
	if (bt_stats_summarize(s, n, &nm->stats))
		return BT_ENOMEM;
	r->metrics = m;
	r->n_metrics++;
	return 0;
}

int bt__imp_add_counter(struct bt_run *run, struct bt_result *r, const char *name, double v)
{
	for (size_t i = 0; i < r->n_counters; i++) {
		if (strcmp(r->counters[i].name, name) == 0) {
			r->counters[i].value = v;
			return 0;
		}
	}
	struct bt_counter *c = bt_run_alloc(run, (r->n_counters + 1) * sizeof *c);
	if (!c)
		return BT_ENOMEM;
	if (r->n_counters)
		memcpy(c, r->counters, r->n_counters * sizeof *c);
	if (!(c[r->n_counters].name = bt_run_strdup(run, name)))
		return BT_ENOMEM;
	c[r->n_counters].value = v;
	r->counters = c;
	r->n_counters++;
	return 0;
}

int bt__imp_source_stats(const json_t *o, const char *const *stats, double *sv, int *have)
{
	for (int k = 0; stats[k]; k++) {
		const json_t *v = json_object_get(o, stats[k]);
		have[k] = 0;
		if (!v || json_is_null(v))
			continue; /* e.g. hyperfine's stddev after one run */
		if (!bt__imp_num(v, &sv[k]))
			return k;
		have[k] = 1;
	}
	return -1;
}

int bt__imp_add_time(struct bt_run *run, struct bt_result *r, const double *x, size_t n,
		     const char *const *stats, const double *sv, const int *have)
{
	int rc = bt__imp_add_metric(run, r, "time", "s", BT_LOWER_IS_BETTER, x, n);
	for (int k = 0; !rc && stats[k]; k++) {
		char name[32];
		snprintf(name, sizeof name, "time.source_%s", stats[k]);
		if (have[k])
			rc = bt__imp_add_counter(run, r, name, sv[k]);
	}
	return rc;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bt_kv *)a)->key, ((const struct bt_kv *)b)->key);
}

int bt__imp_set_params(struct bt_run *run, struct bt_result *r, const json_t *o)
{
	size_t np = json_object_size(o);
	r->n_params = 0;
	r->params = np ? bt_run_alloc(run, np * sizeof *r->params) : NULL;
	if (np && !r->params)
		return BT_ENOMEM;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		int oom = 0;
		struct bt_kv *kv = &r->params[r->n_params];
		kv->key = bt_run_strdup(run, key);
		kv->value = bt__imp_jtext(run, v, &oom);
		if (oom || !kv->key)
			return BT_ENOMEM;
		if (kv->value)
			r->n_params++;
	}
	if (r->n_params > 1)
		qsort(r->params, r->n_params, sizeof *r->params, kv_cmp);
	return 0;
}

int bt__imp_identity_taken(const struct bt_run *run, size_t upto, const struct bt_result *r)
{
	for (size_t j = 0; j < upto; j++) {
		const struct bt_result *o = &run->results[j];
		if (strcmp(o->name, r->name) || o->n_params != r->n_params)
			continue;
		size_t k = 0;
		while (k < r->n_params && !strcmp(o->params[k].key, r->params[k].key) &&
		       !strcmp(o->params[k].value, r->params[k].value))
			k++;
		if (k == r->n_params)
			return 1;
	}
	return 0;
}

int bt__imp_time_text(struct bt_run *run, const char *s, const char **out)
{
	time_t t;
	const char *end;
	if (!s || bt__parse_time(s, &t, &end) != 0)
		return 0;
	while (*end && strchr("0123456789.", *end))
		end++; /* sub-second digits past what the parser reads */
	if (*end)
		return 0;
	struct tm tm;
	char buf[32];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	*out = bt_run_strdup(run, buf);
	return *out ? 1 : BT_ENOMEM;
}

int bt__imp_fingerprint(struct bt_run *run)
{
	struct bt_machine *m = &run->machine;
	int known = m->cpu_model || m->cpu_cores > 0 || m->memory_bytes >= 0 || m->n_gpus ||
		    m->cache_l1d >= 0 || m->cache_l2 >= 0 || m->cache_l3 >= 0;
	char fp[17];
	if (known)
		bt__machine_fingerprint(m, fp);
	m->fingerprint = bt_run_strdup(run, known ? fp : "unknown");
	return m->fingerprint ? 0 : BT_ENOMEM;
}

/* --- detection and dispatch ----------------------------------------------- */

typedef int (*reader_fn)(struct bt_run *, const json_t *, const char *,
			 struct bt_import_info *, struct bt_strbuf *);
typedef int (*sniff_fn)(const json_t *);

static const struct {
	enum bt_format f;
	reader_fn read;
	sniff_fn sniff;
} formats[] = {
	{ BT_FORMAT_GBENCH, bt__import_gbench, bt__sniff_gbench },
	{ BT_FORMAT_HYPERFINE, bt__import_hyperfine, bt__sniff_hyperfine },
	{ BT_FORMAT_PYTEST_BENCHMARK, bt__import_pytest_benchmark,
	  bt__sniff_pytest_benchmark },
	{ BT_FORMAT_PYPERF, bt__import_pyperf, bt__sniff_pyperf },
	{ BT_FORMAT_ASV, bt__import_asv, bt__sniff_asv },
	{ BT_FORMAT_HF_V2, bt__import_hf_v2_import, bt__sniff_hf_v2_import },
	{ BT_FORMAT_CRITERION, bt__import_criterion, bt__sniff_criterion },
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static void info_reset(struct bt_import_info *info, enum bt_format f, int detected)
{
	memset(info, 0, sizeof *info);
	info->format = f;
	info->detected = detected;
}

static int bad_format(enum bt_format f, const char *label, struct bt_strbuf *err)
{
	return bt_error(err, BT_EINVAL, "%s: format \"%s\" cannot be imported", label,
			bt_format_name(f) ? bt_format_name(f) : "?");
}

/* Reads the parsed root in format f (BT_FORMAT_AUTO: the one whose sniffer
 * says yes). */
static int dispatch(struct bt_run *run, const json_t *root, const char *label,
		    enum bt_format f, struct bt_import_info *info, struct bt_strbuf *err)
{
	struct bt_import_info scratch;
	if (!info)
		info = &scratch;
	size_t pick = N_FORMATS;
	if (f == BT_FORMAT_AUTO) {
		size_t hits = 0, other = N_FORMATS;
		for (size_t i = 0; i < N_FORMATS; i++) {
			if (formats[i].sniff(root)) {
				if (hits++ == 0)
					pick = i;
				else
					other = i;
			}
		}
		if (hits == 0) {
			bt_error(err, BT_EUNSUPPORTED, "%s: not a format benchtrack imports (tried",
				 label);
			for (size_t i = 0; i < N_FORMATS; i++)
				bt_strbuf_addf(err, "%s %s", i ? "," : "",
					       bt_format_name(formats[i].f));
			bt_strbuf_adds(err, "): pass --format");
			return BT_EUNSUPPORTED;
		}
		if (hits > 1)
			return bt_error(err, BT_EUNSUPPORTED,
					"%s: looks like both %s and %s: pass --format", label,
					bt_format_name(formats[pick].f),
					bt_format_name(formats[other].f));
	} else {
		for (size_t i = 0; i < N_FORMATS; i++)
			if (formats[i].f == f)
				pick = i;
		if (pick == N_FORMATS)
			return bad_format(f, label, err);
	}
	info_reset(info, formats[pick].f, f == BT_FORMAT_AUTO);
	return formats[pick].read(run, root, label, info, err);
}

int bt_import_text(struct bt_run *run, const char *text, size_t len, const char *label,
		   enum bt_format f, struct bt_import_info *info, struct bt_strbuf *err)
{
	if (!label)
		label = "input";
	if (f == BT_FORMAT_CRITERION)
		return bt_error(err, BT_EUNSUPPORTED,
				"%s: criterion results are a directory: import the directory", label);
	if ((unsigned)f >= BT_FORMAT_COUNT_ || f == BT_FORMAT_CSV)
		return bad_format(f, label, err);
	if (len > IMPORT_MAX_BYTES)
		return bt_error(err, BT_ETOOBIG, "%s: larger than %zu bytes", label,
				IMPORT_MAX_BYTES);
	int jsonl = 0, oom = 0;
	json_t *root = parse_root(text ? text : "", text ? len : 0, label, &jsonl, &oom, err);
	if (!root)
		return oom ? BT_ENOMEM : BT_EPARSE;
	int rc = dispatch(run, root, label, f, info, err);
	json_decref(root);
	return rc;
}

int bt_import_path(struct bt_run *run, const char *path, enum bt_format f,
		   struct bt_import_info *info, struct bt_strbuf *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return bt_error(err, errno == ENOENT ? BT_ENOTFOUND : BT_EIO, "%s: %s", path,
				strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (f != BT_FORMAT_AUTO && f != BT_FORMAT_CRITERION)
			return bt_error(err, BT_EINVAL, "%s: a directory, not a %s file", path,
					bt_format_name(f) ? bt_format_name(f) : "?");
		struct bt_import_info scratch;
		if (!info)
			info = &scratch;
		info_reset(info, BT_FORMAT_CRITERION, f == BT_FORMAT_AUTO);
		return bt__import_criterion_dir(run, path, info, err);
	}
	if ((unsigned)f >= BT_FORMAT_COUNT_ || f == BT_FORMAT_CSV)
		return bad_format(f, path, err);
	char *data = NULL;
	size_t len = 0;
	int rc = bt__read_file(path, IMPORT_MAX_BYTES, &data, &len, err);
	if (rc)
		return rc;
	int jsonl = 0, oom = 0;
	json_t *root = parse_root(data, len, path, &jsonl, &oom, err);
	free(data);
	if (!root)
		return oom ? BT_ENOMEM : BT_EPARSE;
	rc = dispatch(run, root, path, f, info, err);
	json_decref(root);
	return rc;
}
