/* benchtrack new NAME [--kind K] [--dir DIR] [--force]: writes a new suite
 * from a template and prints its build line; benchtrack new --check DIR:
 * checks that a folder of suites follows the layout (docs/cmd/new.md),
 * by reading the sources (nothing is compiled or run). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "internal.h"
#include "newtmpl.h"
#include "opts.h"

/* Flushes stdout: 0, or 3 with the error printed. */
static int flush_out(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return BT_EXIT_OK;
	bt_front_error("new: stdout: %s", strerror(errno));
	return BT_EXIT_ERROR;
}

/* --- writing a suite ---------------------------------------------------- */

static int valid_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int write_suite(const char *name, const char *kind, const char *dir,
		       int force)
{
	const char *t = cli_new_template(kind);
	if (!t) {
		bt_front_error("new: --kind: '%s' is not one of kernel, inference", kind);
		return BT_EXIT_USAGE;
	}
	if (!valid_name(name)) {
		bt_front_error("new: '%s' is not a suite name (letters, digits, '_' "
			       "and '-', not starting with a digit or '-')", name);
		return BT_EXIT_USAGE;
	}
	struct bt_strbuf text = BT_STRBUF_INIT, path = BT_STRBUF_INIT,
			 err = BT_STRBUF_INIT;
	for (const char *p = t, *q; *p; p = q + 6) {
		if (!(q = strstr(p, "@NAME@"))) {
			bt_strbuf_adds(&text, p);
			break;
		}
		bt_strbuf_addf(&text, "%.*s%s", (int)(q - p), p, name);
	}
	const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
	int here = strcmp(dir, ".") == 0;
	bt_strbuf_addf(&path, "%s%s%s.c", here ? "" : dir, here ? "" : sep, name);
	int code = BT_EXIT_OK, rc;
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		bt_front_error("new: %s: not a directory", dir);
		code = BT_EXIT_ERROR;
	} else if (!force && stat(path.buf, &st) == 0) {
		bt_front_error("new: %s exists (--force replaces it)", path.buf);
		code = BT_EXIT_ERROR;
	} else if ((rc = bt__write_file_atomic(path.buf, text.buf, text.len, &err))) {
		code = cli_fail(BT_EXIT_ERROR, "new", rc, &err);
	} else {
		/* the build line, alone on its line, as a shell runs it */
		size_t n = path.len - 2; /* the executable: the path less ".c" */
		printf("wrote %s (%s suite)\n", path.buf, kind);
		printf("cc -O2 %s $(pkg-config --cflags --libs benchtrack) -o %.*s\n",
		       path.buf, (int)n, path.buf);
		printf("then: %s%.*s --quick\n", path.buf[0] == '/' ? "" : "./",
		       (int)n, path.buf);
		code = flush_out();
	}
	bt_strbuf_release(&text);
	bt_strbuf_release(&path);
	bt_strbuf_release(&err);
	return code;
}

/* --- checking a folder -------------------------------------------------- */

struct src {
	char *path;
	char *code;   /* the text, comments blanked (line breaks kept) */
	char *in_str; /* 1 where code is inside a string or char literal */
	size_t len;
};

struct check {
	size_t problems;
	struct bt_strbuf names;   /* "\n"-joined benchmark names of the suite */
	struct bt_strbuf presets; /* and BT_PRESET names */
};

static void problem(struct check *ck, const struct src *s, size_t at,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void problem(struct check *ck, const struct src *s, size_t at,
		    const char *fmt, ...)
{
	int line = 1;
	for (size_t i = 0; s && i < at && i < s->len; i++)
		line += s->code[i] == '\n';
	if (s)
		printf("%s:%d: ", s->path, line);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	ck->problems++;
}

/* Reads path with its comments blanked and its literals marked. */
static int load_src(struct src *s, const char *path)
{
	size_t len;
	char *text;
	struct bt_strbuf err = BT_STRBUF_INIT;
	memset(s, 0, sizeof *s);
	if (bt__read_file(path, 16 << 20, &text, &len, &err)) {
		bt_front_error("new: %s", bt_strbuf_str(&err));
		bt_strbuf_release(&err);
		return -1;
	}
	s->path = strdup(path);
	s->code = text;
	s->len = len;
	s->in_str = calloc(len + 1, 1);
	if (!s->path || !s->in_str)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '/' && i + 1 < len && text[i + 1] == '*') {
			size_t j = i;
			for (; j < len && !(text[j] == '*' && j + 1 < len && text[j + 1] == '/'); j++)
				if (text[j] != '\n')
					text[j] = ' ';
			for (int k = 0; k < 2 && j < len; k++, j++)
				text[j] = ' ';
			i = j - 1;
		} else if (c == '/' && i + 1 < len && text[i + 1] == '/') {
			for (; i < len && text[i] != '\n'; i++)
				text[i] = ' ';
		} else if (c == '"' || c == '\'') {
			size_t j = i + 1;
			for (; j < len && text[j] != c && text[j] != '\n'; j++) {
				if (text[j] == '\\')
					s->in_str[j++] = 1;
				if (j < len)
					s->in_str[j] = 1;
			}
			i = j; /* the closing quote */
		}
	}
	return 0;
}

static void free_src(struct src *s)
{
	free(s->path);
	free(s->code);
	free(s->in_str);
}

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* The next use of macro word (followed by '(') at or after *pos, outside
 * literals and not the name in its own #define; its offset, or -1. A use
 * inside another macro's #define counts (in_define tells them apart). */
static long find_macro(const struct src *s, const char *word, size_t pos)
{
	size_t wl = strlen(word);
	for (const char *p = s->code + pos; (p = strstr(p, word)); p += wl) {
		size_t at = (size_t)(p - s->code);
		if (s->in_str[at] || (at > 0 && ident_char(p[-1])))
			continue;
		const char *q = p + wl;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '(')
			continue;
		const char *b = p;
		while (b > s->code && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b - s->code >= 6 && strncmp(b - 6, "define", 6) == 0)
			continue;
		return (long)at;
	}
	return -1;
}

/* The arguments of the macro call at at (between its parentheses), into
 * out as [start, end) offsets; -1 when unbalanced. */
static int macro_args(const struct src *s, size_t at, size_t *start, size_t *end)
{
	size_t i = at;
	while (i < s->len && s->code[i] != '(')
		i++;
	int depth = 0;
	for (size_t j = i; j < s->len; j++) {
		if (s->in_str[j] || (j > 0 && s->in_str[j - 1] && (s->code[j] == '"' || s->code[j] == '\'')))
			continue;
		if (s->code[j] == '"' || s->code[j] == '\'')
			continue;
		if (s->code[j] == '(')
			depth++;
		else if (s->code[j] == ')' && --depth == 0) {
			*start = i + 1;
			*end = j;
			return 0;
		}
	}
	return -1;
}

/* Whether offset at is on a line of a #define: its first line or one
 * that it continues with a backslash. */
static int in_define(const struct src *s, size_t at)
{
	size_t b = at;
	for (;;) {
		while (b > 0 && s->code[b - 1] != '\n')
			b--; /* the start of the line */
		size_t k = b > 0 ? b - 1 : 0; /* the previous line's end */
		while (k > 0 && (s->code[k - 1] == ' ' || s->code[k - 1] == '\t' ||
				 s->code[k - 1] == '\r'))
			k--;
		if (b == 0 || k == 0 || s->code[k - 1] != '\\')
			break;
		b = k - 1; /* that line goes on into this one */
	}
	while (b < s->len && (s->code[b] == ' ' || s->code[b] == '\t'))
		b++;
	return b < s->len && s->code[b] == '#';
}

static size_t literal_seq(const struct src *s, size_t j, size_t b,
			  struct bt_strbuf *val, int depth);

/* Appends the expansion of the object-like macro name (nl bytes) that
 * the file #defines as string literals (or more such names); 0, or -1
 * when the file has no such #define of it. */
static int expand_define(const struct src *s, const char *name, size_t nl,
			 struct bt_strbuf *val, int depth)
{
	for (const char *p = s->code; (p = strstr(p, "define")); p += 6) {
		const char *q = p, *n = p + 6;
		if (s->in_str[p - s->code])
			continue;
		while (q > s->code && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (q == s->code || q[-1] != '#')
			continue;
		for (q--; q > s->code && (q[-1] == ' ' || q[-1] == '\t'); q--)
			;
		if ((q > s->code && q[-1] != '\n') || (*n != ' ' && *n != '\t'))
			continue;
		while (*n == ' ' || *n == '\t')
			n++;
		if (strncmp(n, name, nl) != 0 || ident_char(n[nl]) || n[nl] == '(')
			continue;
		/* the body: to the end of the line and the lines it continues */
		size_t b = (size_t)(n + nl - s->code), e = b;
		while (e < s->len && !(s->code[e] == '\n' && s->code[e - 1] != '\\'))
			e++;
		return literal_seq(s, b, e, val, depth) == e ? 0 : -1;
	}
	return -1;
}

/* Adjacent string literals, and names of macros that expand_define
 * expands, from j up to b or a ',', appended to val: the offset where
 * they end (b or the ','), or (size_t)-1 when something else is there
 * or nothing is. */
static size_t literal_seq(const struct src *s, size_t j, size_t b,
			  struct bt_strbuf *val, int depth)
{
	int any = 0;
	for (;; any = 1) {
		while (j < b && (s->code[j] == ' ' || s->code[j] == '\t' ||
				 s->code[j] == '\n' || s->code[j] == '\r' ||
				 (s->code[j] == '\\' && j + 1 < b && s->code[j + 1] == '\n')))
			j++;
		if (j >= b || s->code[j] == ',')
			return any ? j : (size_t)-1;
		if (s->code[j] == '"') {
			size_t k = j + 1;
			while (k < b && s->in_str[k])
				k++;
			bt_strbuf_addf(val, "%.*s", (int)(k - j - 1), s->code + j + 1);
			j = k + 1;
		} else if (ident_char(s->code[j]) && !(s->code[j] >= '0' && s->code[j] <= '9')) {
			size_t k = j;
			while (k < b && ident_char(s->code[k]))
				k++;
			if (depth >= 8 || expand_define(s, s->code + j, k - j, val, depth + 1))
				return (size_t)-1;
			j = k;
		} else {
			return (size_t)-1;
		}
	}
}

/* Field .name of the arguments [a, b): 0 absent, 1 a string literal
 * (adjacent literals, and macros of the file that are literals, joined
 * into val), 2 something else. */
static int field(const struct src *s, size_t a, size_t b, const char *name,
		 struct bt_strbuf *val)
{
	size_t nl = strlen(name);
	bt_strbuf_reset(val);
	for (size_t i = a; i + nl + 1 < b; i++) {
		if (s->in_str[i] || s->code[i] != '.' ||
		    strncmp(s->code + i + 1, name, nl) != 0 || ident_char(s->code[i + 1 + nl]))
			continue;
		size_t j = i + 1 + nl;
		while (j < b && (s->code[j] == ' ' || s->code[j] == '\t' || s->code[j] == '\n'))
			j++;
		if (j >= b || s->code[j] != '=')
			continue;
		return literal_seq(s, j + 1, b, val, 0) == (size_t)-1 ? 2 : 1;
	}
	return 0;
}

static int name_taken(struct bt_strbuf *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list->buf; p && *p;) {
		const char *e = strchr(p, '\n');
		if ((size_t)(e - p) == n && strncmp(p, name, n) == 0)
			return 1;
		p = e + 1;
	}
	bt_strbuf_addf(list, "%s\n", name);
	return 0;
}

static void check_spec(struct check *ck, const struct src *s, size_t at,
		       const char *what, const char *who, const char *spec)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf e = BT_STRBUF_INIT;
	if (bt_param_space_parse(&ps, spec, &e) != 0)
		problem(ck, s, at, "%s '%s': .params \"%s\": %s", what, who, spec,
			bt_strbuf_str(&e));
	bt_param_space_release(&ps);
	bt_strbuf_release(&e);
}

/* The checks of one file's BT_BENCH and BT_PRESET uses; counts its
 * BT_BENCH and BT_MAIN uses into *benches, *mains (offset of the first
 * main in *main_at). */
static void check_file(struct check *ck, const struct src *s, int *benches,
		       int *mains, const struct src **main_src, size_t *main_at)
{
	struct bt_strbuf v = BT_STRBUF_INIT;
	int uses = 0;
	for (long at = 0; (at = find_macro(s, "BT_BENCH", (size_t)at)) >= 0; at++) {
		size_t a, b;
		uses++;
		(*benches)++;
		if (in_define(s, (size_t)at))
			continue; /* its fields are known where the macro is used */
		if (macro_args(s, (size_t)at, &a, &b)) {
			problem(ck, s, (size_t)at, "BT_BENCH without its closing parenthesis");
			continue;
		}
		size_t fe = a;
		while (fe < b && s->code[fe] != ',')
			fe++;
		struct bt_strbuf fn = BT_STRBUF_INIT;
		bt_strbuf_addf(&fn, "%.*s", (int)(fe - a), s->code + a);
		char *f = fn.buf ? fn.buf : "";
		while (*f == ' ' || *f == '\t' || *f == '\n')
			f++;
		for (char *e = f + strlen(f); e > f && (e[-1] == ' ' || e[-1] == '\n');)
			*--e = '\0';
		int kind = field(s, a, b, "name", &v);
		const char *name = kind == 1 ? v.buf ? v.buf : "" : f;
		struct bt_strbuf nm = BT_STRBUF_INIT;
		bt_strbuf_adds(&nm, name);
		if (!*nm.buf || strspn(nm.buf, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789_.-") != nm.len)
			problem(ck, s, (size_t)at, "benchmark '%s': a name is letters, "
				"digits, '_', '.' and '-'", nm.buf);
		else if (name_taken(&ck->names, nm.buf))
			problem(ck, s, (size_t)at, "benchmark '%s' is declared twice in "
				"this suite", nm.buf);
		if (field(s, a, b, "type", &v) != 1)
			problem(ck, s, (size_t)at, "benchmark '%s': no .type = \"...\" "
				"(the type its runs are filed under)", nm.buf);
		if ((kind = field(s, a, b, "params", &v)) == 1)
			check_spec(ck, s, (size_t)at, "benchmark", nm.buf, v.buf ? v.buf : "");
		else if (kind == 2)
			problem(ck, s, (size_t)at, "benchmark '%s': .params is not a "
				"string literal (nor a macro this file defines as one)",
				nm.buf);
		if (field(s, a, b, "presets", &v) == 1) {
			for (char *p = v.buf; p && *p;) {
				size_t n = strcspn(p, ",");
				char save = p[n];
				p[n] = '\0';
				char *w = p;
				while (*w == ' ')
					w++;
				for (char *e = w + strlen(w); e > w && e[-1] == ' ';)
					*--e = '\0';
				if (!valid_name(w) || strchr(w, '-'))
					problem(ck, s, (size_t)at, "benchmark '%s': .presets: "
						"'%s' is not a preset name (a C identifier)",
						nm.buf, w);
				p[n] = save;
				p += n + (save != '\0');
			}
		}
		bt_strbuf_release(&nm);
		bt_strbuf_release(&fn);
	}
	for (long at = 0; (at = find_macro(s, "BT_PRESET", (size_t)at)) >= 0; at++) {
		size_t a, b;
		uses++;
		if (in_define(s, (size_t)at) || macro_args(s, (size_t)at, &a, &b))
			continue;
		size_t fe = a;
		while (fe < b && s->code[fe] != ',')
			fe++;
		struct bt_strbuf nm = BT_STRBUF_INIT;
		size_t x = a;
		while (x < fe && (s->code[x] == ' ' || s->code[x] == '\n'))
			x++;
		while (x < fe && ident_char(s->code[x]))
			bt_strbuf_addf(&nm, "%c", s->code[x++]);
		if (nm.len && name_taken(&ck->presets, nm.buf))
			problem(ck, s, (size_t)at, "preset '%s' is declared twice in this suite",
				nm.buf);
		if (nm.len && field(s, a, b, "params", &v) == 1)
			check_spec(ck, s, (size_t)at, "preset", nm.buf, v.buf ? v.buf : "");
		bt_strbuf_release(&nm);
	}
	for (long at = 0; (at = find_macro(s, "BT_MAIN", (size_t)at)) >= 0; at++) {
		uses++;
		if ((*mains)++ == 0) {
			*main_src = s;
			*main_at = (size_t)at;
		} else {
			problem(ck, s, (size_t)at, "a second BT_MAIN() in this suite");
		}
	}
	if (uses && !strstr(s->code, "benchtrack.h"))
		problem(ck, s, 0, "uses BT_BENCH/BT_PRESET/BT_MAIN without "
			"#include <benchtrack.h>");
	bt_strbuf_release(&v);
}

/* One suite: the files paths[0..n). Returns -1 when a file cannot be
 * read. */
static int check_suite(struct check *ck, char **paths, size_t n, const char *label)
{
	struct src *s = calloc(n ? n : 1, sizeof *s);
	int benches = 0, mains = 0, rc = 0;
	const struct src *main_src = NULL;
	size_t main_at = 0;
	if (!s)
		return -1;
	bt_strbuf_reset(&ck->names);
	bt_strbuf_reset(&ck->presets);
	for (size_t i = 0; i < n && !rc; i++)
		rc = load_src(&s[i], paths[i]);
	for (size_t i = 0; i < n && !rc; i++)
		check_file(ck, &s[i], &benches, &mains, &main_src, &main_at);
	if (!rc && mains == 0)
		printf("%s: no BT_MAIN() (a suite has one)\n", label), ck->problems++;
	if (!rc && benches == 0)
		printf("%s: no BT_BENCH (a suite declares at least one benchmark)\n",
		       label), ck->problems++;
	for (size_t i = 0; i < n; i++)
		free_src(&s[i]);
	free(s);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.c files of dir (sorted; with the subdirectories into subs when
 * subs is not NULL). */
static int list_dir(const char *dir, char ***files, size_t *nf, char ***subs,
		    size_t *ns)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *de;
	size_t af = 0, as = 0;
	*files = NULL;
	*nf = 0;
	if (subs)
		*subs = NULL, *ns = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct bt_strbuf p = BT_STRBUF_INIT;
		bt_strbuf_addf(&p, "%s/%s", dir, de->d_name);
		struct stat st;
		size_t len = strlen(de->d_name);
		char ***v = NULL;
		size_t *n = NULL, *a = NULL;
		if (stat(p.buf, &st) == 0 && S_ISDIR(st.st_mode) && subs)
			v = subs, n = ns, a = &as;
		else if (stat(p.buf, &st) == 0 && S_ISREG(st.st_mode) && len > 2 &&
			 strcmp(de->d_name + len - 2, ".c") == 0)
			v = files, n = nf, a = &af;
		if (v && !bt__vec_reserve((void **)v, a, *n + 1, sizeof **v))
			(*v)[(*n)++] = bt_strbuf_detach(&p);
		bt_strbuf_release(&p);
	}
	closedir(d);
	if (*nf) /* NULL without any */
		qsort(*files, *nf, sizeof **files, cmp_str);
	if (subs && *ns)
		qsort(*subs, *ns, sizeof **subs, cmp_str);
	return 0;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int check_dir(const char *dir)
{
	char **files, **subs;
	size_t nf, ns, suites = 0;
	struct check ck = { 0, BT_STRBUF_INIT, BT_STRBUF_INIT };
	if (list_dir(dir, &files, &nf, &subs, &ns) != 0) {
		bt_front_error("new: --check %s: %s", dir, strerror(errno));
		return BT_EXIT_ERROR;
	}
	int rc = 0;
	/* each file directly in dir is a suite */
	for (size_t i = 0; i < nf && !rc; i++, suites++)
		rc = check_suite(&ck, &files[i], 1, files[i]);
	/* a folder is a suite when one of its files has BT_MAIN or
	 * BT_BENCH; others (data, build output) are no concern */
	for (size_t i = 0; i < ns && !rc; i++) {
		char **sf;
		size_t n;
		if (list_dir(subs[i], &sf, &n, NULL, NULL) != 0)
			continue;
		int is_suite = 0;
		for (size_t k = 0; k < n && !is_suite; k++) {
			struct src s;
			if (load_src(&s, sf[k]) == 0)
				is_suite = find_macro(&s, "BT_MAIN", 0) >= 0 ||
					   find_macro(&s, "BT_BENCH", 0) >= 0;
			free_src(&s);
		}
		if (is_suite) {
			rc = check_suite(&ck, sf, n, subs[i]);
			suites++;
		}
		free_list(sf, n);
	}
	free_list(files, nf);
	free_list(subs, ns);
	bt_strbuf_release(&ck.names);
	bt_strbuf_release(&ck.presets);
	if (rc)
		return BT_EXIT_ERROR;
	if (suites == 0) {
		printf("%s: no suite (a *.c file, or a folder of them, with BT_MAIN())\n", dir);
		ck.problems++;
	} else if (ck.problems) {
		printf("%s: %zu suite%s, %zu problem%s\n", dir, suites, suites == 1 ? "" : "s",
		       ck.problems, ck.problems == 1 ? "" : "s");
	} else {
		printf("%s: %zu suite%s follow%s the layout\n", dir, suites,
		       suites == 1 ? "" : "s", suites == 1 ? "s" : "");
	}
	int code = flush_out();
	return code != BT_EXIT_OK ? code : ck.problems ? BT_EXIT_ERROR : BT_EXIT_OK;
}

static int cmd_new(int argc, char **argv)
{
	const char *kind = "kernel", *dir = ".", *check = NULL;
	int force = 0, n_args, code;
	char *args[1];
	const struct cli_opt opts[] = { { "--kind", &kind, NULL },
					{ "--dir", &dir, NULL },
					{ "--force", NULL, &force },
					{ "--check", &check, NULL },
					{ NULL, NULL, NULL } };
	if ((code = cli_opts(argc, argv, opts, args, 1, &n_args)) >= 0)
		return code;
	if (check) {
		if (n_args) {
			bt_front_error("new: --check DIR takes no NAME");
			return BT_EXIT_USAGE;
		}
		return check_dir(check);
	}
	if (n_args != 1) {
		bt_front_error("new: no NAME (usage: benchtrack new NAME [--kind "
			       "kernel|inference] [--dir DIR])");
		return BT_EXIT_USAGE;
	}
	if (!*dir) {
		bt_front_error("new: --dir: empty directory name");
		return BT_EXIT_USAGE;
	}
	return write_suite(args[0], kind, dir, force);
}

const struct cli_cmd cli_cmd_new = { "new",
				     "new NAME [--kind kernel|inference] [--dir DIR] | new --check DIR",
				     "write a new suite from a template; check a folder of suites",
				     cmd_new, 0 };
