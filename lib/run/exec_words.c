/* Words and sentences of command benchmarks: bt_exec_split (a shell's
 * word splitting without its expansions), argument vectors, and what
 * became of a process said in one line of printable text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "internal.h"
#include "run/execint.h"

#define MSG_TAIL 1024 /* bytes of stderr in a message */

/* --- words ------------------------------------------------------------ */

void bt_exec_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

struct words {
	char **v;
	size_t n, alloc;
};

static int words_add(struct words *w, const char *s, size_t len)
{
	if (bt__vec_reserve((void **)&w->v, &w->alloc, w->n + 2, sizeof *w->v))
		return BT_ENOMEM;
	char *c = malloc(len + 1);
	if (!c)
		return BT_ENOMEM;
	memcpy(c, s, len);
	c[len] = '\0';
	w->v[w->n++] = c;
	w->v[w->n] = NULL;
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char **bt_exec_split(const char *text, struct bt_strbuf *err)
{
	struct words w = { 0 };
	struct bt_strbuf cur = BT_STRBUF_INIT;
	const char *p = text ? text : "";
	const char *problem = NULL;
	int oom = 0;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		if (*p == '#') { /* a comment, to the end of the line */
			while (*p && *p != '\n')
				p++;
			continue;
		}
		bt_strbuf_reset(&cur);
		int any = 0; /* a word may be empty: '' */
		while (*p && !is_blank(*p)) {
			any = 1;
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');
				if (!q) {
					problem = "unterminated single quote";
					goto fail;
				}
				oom |= bt_strbuf_add(&cur, p + 1, (size_t)(q - p - 1));
				p = q + 1;
			} else if (*p == '"') {
				p++;
				for (;;) {
					if (!*p) {
						problem = "unterminated double quote";
						goto fail;
					}
					if (*p == '"') {
						p++;
						break;
					}
					if (*p == '\\' && p[1] == '\n') {
						p += 2; /* a line continued */
						continue;
					}
					if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
						p++;
					oom |= bt_strbuf_add(&cur, p, 1);
					p++;
				}
			} else if (*p == '\\') {
				if (!p[1]) {
					problem = "backslash at the end";
					goto fail;
				}
				if (p[1] != '\n')
					oom |= bt_strbuf_add(&cur, p + 1, 1);
				p += 2;
			} else {
				oom |= bt_strbuf_add(&cur, p, 1);
				p++;
			}
		}
		if (any && (oom || words_add(&w, cur.buf ? cur.buf : "", cur.len))) {
			oom = 1;
			goto fail;
		}
	}
	bt_strbuf_release(&cur);
	if (!w.v && bt__vec_reserve((void **)&w.v, &w.alloc, 1, sizeof *w.v)) {
		bt_error(err, BT_ENOMEM, "out of memory");
		return NULL;
	}
	w.v[w.n] = NULL;
	return w.v;
fail:
	bt_strbuf_release(&cur);
	if (w.v)
		w.v[w.n] = NULL;
	bt_exec_argv_free(w.v);
	if (oom || !problem)
		bt_error(err, BT_ENOMEM, "out of memory");
	else
		bt_error(err, BT_EINVAL, "%s: %s", text, problem);
	return NULL;
}

char **bt__argv_join(char *const *pre, const char *a, const char *b)
{
	size_t n = 0;
	while (pre && pre[n])
		n++;
	char **v = calloc(n + 3, sizeof *v);
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!(v[k++] = strdup(pre[i])))
			goto fail;
	if (a && !(v[k++] = strdup(a)))
		goto fail;
	if (b && !(v[k++] = strdup(b)))
		goto fail;
	return v;
fail:
	bt_exec_argv_free(v);
	return NULL;
}

/* --- messages ---------------------------------------------------------- */

/* Appends the last MSG_TAIL bytes of tail as one line of printable text:
 * control characters and runs of blanks as one space, invalid UTF-8 as
 * '?', "..." in front when cut. */
static int add_tail(struct bt_strbuf *m, const char *tail, size_t len)
{
	const unsigned char *p = (const unsigned char *)tail, *end = p + len;
	int cut = 0;
	if (len > MSG_TAIL) {
		p = end - MSG_TAIL;
		cut = 1;
	}
	while (p < end && (*p & 0xC0) == 0x80) /* into a character: skip it */
		p++;
	while (p < end && (*p <= ' ' || *p == 0x7f))
		p++;
	while (end > p && (end[-1] <= ' ' || end[-1] == 0x7f))
		end--;
	if (p == end)
		return 0;
	int rc = bt_strbuf_add(m, ": ", 2);
	if (cut)
		rc |= bt_strbuf_add(m, "...", 3);
	int space = 0;
	while (p < end) {
		if (*p < 0x80) {
			if (*p <= ' ' || *p == 0x7f) {
				space = 1;
				p++;
				continue;
			}
			if (space)
				rc |= bt_strbuf_add(m, " ", 1);
			space = 0;
			rc |= bt_strbuf_add(m, (const char *)p, 1);
			p++;
			continue;
		}
		if (space)
			rc |= bt_strbuf_add(m, " ", 1);
		space = 0;
		size_t k = bt__utf8_seq(p, (size_t)(end - p));
		if (k == 0) {
			rc |= bt_strbuf_add(m, "?", 1);
			p++;
		} else {
			rc |= bt_strbuf_add(m, (const char *)p, k);
			p += k;
		}
	}
	return rc ? BT_ENOMEM : 0;
}

char *bt__proc_describe(const struct bt__proc_res *r, char *const argv[],
		      const char *what, double timeout_s)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	int rc = 0;
	if (what)
		rc |= bt_strbuf_addf(&m, "%s failed: ", what);
	if (r->spawn_errno == ENOENT)
		rc |= bt_strbuf_addf(&m, "command not found: '%s'", argv[0]);
	else if (r->spawn_errno == EACCES)
		rc |= bt_strbuf_addf(&m, "'%s': permission denied (not executable?)", argv[0]);
	else if (r->spawn_errno)
		rc |= bt_strbuf_addf(&m, "'%s': cannot execute: %s", argv[0],
				     strerror(r->spawn_errno));
	else if (r->timed_out)
		rc |= bt_strbuf_addf(&m, "timed out after %g s", timeout_s);
	else if (WIFSIGNALED(r->status))
		rc |= bt_strbuf_addf(&m, "killed by signal %d (SIG%s)", WTERMSIG(r->status),
				     sigabbrev_np(WTERMSIG(r->status)) ?
				     sigabbrev_np(WTERMSIG(r->status)) : "?");
	else {
		int st = WEXITSTATUS(r->status);
		rc |= bt_strbuf_addf(&m, "exit status %d%s", st,
				     st == 127 ? " (command not found?)" :
				     st == 126 ? " (not executable?)" : "");
		rc |= add_tail(&m, r->tail, r->tail_len);
	}
	if (rc || !m.buf) {
		bt_strbuf_release(&m);
		return NULL;
	}
	return m.buf;
}
