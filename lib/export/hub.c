/* bt_hub_push (include/benchtrack/hub.h): files added to a dataset with
 * git over HTTP(S). The token reaches git only through the environment
 * of each child: GIT_ASKPASS names a script in the private directory
 * that prints $BENCHTRACK_HUB_TOKEN when git asks for the password (the
 * script holds no secret); credential helpers are switched off, so git
 * neither stores it nor asks anyone else; argv never holds it. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchtrack/hub.h"

#include "internal.h"

extern char **environ;

#define GIT_LOG_CAP (256 * 1024)
#define PUSH_ATTEMPTS 8 /* a push refused because the branch moved on: made again */

struct hub {
	char *tmp;      /* the private directory */
	char *repo;     /* TMP/repo: the clone */
	char *log;      /* TMP/git.log: what the last git said */
	char *url;      /* BASE/datasets/OWNER/NAME */
	char **env;     /* the children's environment */
	char *askpass_kv, *user_kv; /* GIT_ASKPASS=, BENCHTRACK_HUB_USER= */
	char *site_kv;  /* BENCHTRACK_HUB_SITE=SCHEME://HOST[:PORT] of the URL */
	char *token_kv; /* "BENCHTRACK_HUB_TOKEN=..." (wiped at the end) */
	int has_token;
};

/* Variables of the caller that would redirect git, answer its prompts
 * instead of us, or trace its HTTP exchanges (GIT_TRACE*, whose
 * Authorization header holds the token). */
static const char *const dropped_env[] = {
	"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_COMMON_DIR",
	"GIT_NAMESPACE", "GIT_SHALLOW_FILE", "GIT_ASKPASS", "SSH_ASKPASS",
	"GIT_TERMINAL_PROMPT", "BENCHTRACK_HUB_TOKEN", "BENCHTRACK_HUB_USER",
	"BENCHTRACK_HUB_SITE",
	"LC_ALL", "LANGUAGE", "GIT_CURL_VERBOSE", "GIT_LFS_SKIP_SMUDGE", NULL
};

static int is_dropped(const char *kv)
{
	size_t n = strcspn(kv, "=");
	if (strncmp(kv, "GIT_TRACE", 9) == 0)
		return 1;
	for (size_t i = 0; dropped_env[i]; i++)
		if (strlen(dropped_env[i]) == n && strncmp(kv, dropped_env[i], n) == 0)
			return 1;
	return 0;
}

static int build_env(struct hub *h, const char *askpass, const char *user,
		     const char *site, const char *token)
{
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	h->env = calloc(n + 9, sizeof *h->env);
	if (!h->env)
		return BT_ENOMEM;
	size_t k = 0;
	for (char **e = environ; e && *e; e++)
		if (!is_dropped(*e))
			h->env[k++] = *e;
	/* the strings below live as long as h, which owns them */
	static char prompt[] = "GIT_TERMINAL_PROMPT=0", lc[] = "LC_ALL=C",
		    lfs[] = "GIT_LFS_SKIP_SMUDGE=1";
	h->env[k++] = prompt;
	h->env[k++] = lc;
	h->env[k++] = lfs; /* where git-lfs is installed: no LFS file fetched */
	h->askpass_kv = bt__pathf("GIT_ASKPASS=%s", askpass);
	h->user_kv = bt__pathf("BENCHTRACK_HUB_USER=%s", user);
	h->site_kv = bt__pathf("BENCHTRACK_HUB_SITE=%s", site);
	if (!h->askpass_kv || !h->user_kv || !h->site_kv)
		return BT_ENOMEM;
	h->env[k++] = h->askpass_kv;
	h->env[k++] = h->user_kv;
	h->env[k++] = h->site_kv;
	if (token) {
		size_t tl = strlen(token);
		h->token_kv = malloc(sizeof "BENCHTRACK_HUB_TOKEN=" + tl);
		if (!h->token_kv)
			return BT_ENOMEM;
		memcpy(h->token_kv, "BENCHTRACK_HUB_TOKEN=", sizeof "BENCHTRACK_HUB_TOKEN=" - 1);
		memcpy(h->token_kv + sizeof "BENCHTRACK_HUB_TOKEN=" - 1, token, tl + 1);
		h->env[k++] = h->token_kv;
		h->has_token = 1;
	}
	h->env[k] = NULL;
	return 0;
}

static void hub_release(struct hub *h)
{
	if (h->tmp)
		bt__rm_tree(h->tmp, NULL);
	if (h->token_kv) {
		/* not left in freed memory */
		volatile char *p = h->token_kv;
		while (*p)
			*p++ = '\0';
		free(h->token_kv);
	}
	free(h->env);
	free(h->askpass_kv), free(h->user_kv), free(h->site_kv);
	free(h->tmp), free(h->repo), free(h->log), free(h->url);
}

/* The last non-empty line of the log, at most 300 bytes, into out. */
static void last_line(const char *log, char *out, size_t size)
{
	out[0] = '\0';
	if (!log)
		return;
	const char *end = log + strlen(log);
	while (end > log && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	const char *s;
	for (;;) {
		s = end;
		while (s > log && s[-1] != '\n' && s[-1] != '\r')
			s--;
		if (strncmp(s, "hint:", 5) != 0 || s == log)
			break;
		end = s; /* git's advice is not the reason */
		while (end > log && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
			end--;
	}
	snprintf(out, size, "%.*s", (int)(end - s), s);
}

/* Runs git with args (argv[0] added, NULL-terminated) in h's environment,
 * stdin from /dev/null, stdout and stderr into h->log; *out (may be
 * NULL) gets what it wrote (malloc'd, capped). Returns git's exit status,
 * or -1 with err set when it could not be run or was killed. */
static int git(struct hub *h, const char *const *args, char **out, struct bt_strbuf *err)
{
	const char *argv[40];
	size_t n = 0;
	argv[n++] = "git";
	argv[n++] = "-c";
	argv[n++] = "credential.helper=";
	/* a dataset's .gitattributes may put *.json in LFS: git-lfs (when
	 * installed) would commit pointers whose objects are never sent, so
	 * its filter is off and the files go in as they are */
	static const char *const no_lfs[] = { "filter.lfs.clean=", "filter.lfs.smudge=",
		"filter.lfs.process=", "filter.lfs.required=false" };
	for (size_t i = 0; i < sizeof no_lfs / sizeof *no_lfs; i++)
		argv[n++] = "-c", argv[n++] = no_lfs[i];
	for (size_t i = 0; args[i] && n + 1 < sizeof argv / sizeof *argv; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (out)
		*out = NULL;
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa))
		return bt_error(err, BT_ENOMEM, "git: cannot set up the child"), -1;
	int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 1, h->log,
						      O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	if (!rc)
		rc = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv, h->env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		bt_error(err, BT_ECHILD, "git: cannot be started: %s%s", strerror(rc),
			 rc == ENOENT ? " (is git installed?)" : "");
		return -1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			bt_error(err, BT_ECHILD, "git %s: waitpid: %s", args[0], strerror(errno));
			return -1;
		}
	if (out) {
		size_t len;
		if (bt__read_file(h->log, GIT_LOG_CAP, out, &len, NULL))
			*out = NULL;
	}
	if (!WIFEXITED(st)) {
		bt_error(err, BT_ECHILD, "git %s: killed by signal %d", args[0],
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		if (out)
			free(*out), *out = NULL;
		return -1;
	}
	return WEXITSTATUS(st);
}

/* What the server said in the log ("remote: " lines but git's progress,
 * then a "[remote rejected] ... (REASON)" line's reason), joined by "; ",
 * into out; "" when nothing. */
static void server_said(const char *log, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *l = log; l && *l && len + 1 < size;) {
		size_t n = strcspn(l, "\r\n");
		const char *t = NULL;
		size_t tn = 0;
		if (n > 8 && strncmp(l, "remote: ", 8) == 0) {
			t = l + 8, tn = n - 8;
			static const char *const progress[] = { "Counting", "Compressing",
				"Resolving", "Total", "Enumerating", "Processing", NULL };
			for (size_t i = 0; progress[i]; i++)
				if (strncmp(t, progress[i], strlen(progress[i])) == 0)
					t = NULL;
		} else {
			const char *r = memchr(l, '[', n);
			if (r && (size_t)(l + n - r) > 17 && strncmp(r, "[remote rejected]", 17) == 0 &&
			    memchr(r, '(', (size_t)(l + n - r))) {
				t = memchr(r, '(', (size_t)(l + n - r));
				tn = (size_t)(l + n - t);
			}
		}
		while (t && tn && (t[tn - 1] == ' ' || t[tn - 1] == '\t'))
			tn--;
		if (t && tn) {
			int w = snprintf(out + len, size - len, "%s%.*s", len ? "; " : "",
					 (int)tn, t);
			if (w > 0)
				len = len + (size_t)w < size ? len + (size_t)w : size - 1;
		}
		l += n;
		l += strspn(l, "\r\n");
	}
}

/* Says why git failed (what it was doing: "clone", "push"), from its log
 * and the URL. */
static int git_failed(struct hub *h, const char *what, const char *log,
		      struct bt_strbuf *err)
{
	char line[320];
	last_line(log, line, sizeof line);
	const char *away = log ? strstr(log, "benchtrack: no token for ") : NULL;
	if (away) {
		/* git asked "Password for 'SITE': " */
		away += strcspn(away, "'\n");
		away += *away == '\'';
		return bt_error(err, BT_ECHILD, "%s: git %s: the server sent git on to "
				"another site, '%.*s', which is not given the token (a "
				"redirect: give that site's URL as the hub URL if you trust "
				"it)", h->url, what, (int)strcspn(away, "'\n"), away);
	}
	if (log && (strstr(log, "Authentication failed") || strstr(log, " 401") ||
		    strstr(log, "could not read Username") ||
		    strstr(log, "could not read Password") || strstr(log, " 403")))
		return bt_error(err, BT_ECHILD, "%s: authentication failed (git %s): %s",
				h->url, what, h->has_token
				? "the server refused the token (--token or HF_TOKEN)"
				: "the server wants a token: give --token or set HF_TOKEN");
	char said[400];
	server_said(log, said, sizeof said);
	if (*said)
		return bt_error(err, BT_ECHILD, "%s: git %s failed: the server said: %s",
				h->url, what, said);
	return bt_error(err, BT_ECHILD, "%s: git %s failed: %s", h->url, what,
			*line ? line : "no message");
}

/* BT_EEXISTS when a folder of path (relative to the clone full) is in
 * the dataset as something else than a folder: a file, or a symbolic
 * link, through which the files would be written outside the clone. */
static int check_folders(struct hub *h, char *full, const char *path, struct bt_strbuf *err)
{
	size_t skip = strlen(h->repo) + 1;
	for (char *c = full + skip; (c = strchr(c, '/')); c++) {
		struct stat sb;
		*c = '\0';
		int bad = lstat(full, &sb) == 0 && !S_ISDIR(sb.st_mode);
		*c = '/';
		if (bad)
			return bt_error(err, BT_EEXISTS, "%s: '%.*s' is in the dataset as %s, "
					"not a folder: cannot add '%s'", h->url,
					(int)(c - full - skip), path, S_ISLNK(sb.st_mode)
					? "a symbolic link" : "a file", path);
	}
	return 0;
}

/* Puts the files into the clone; BT_EEXISTS when one is there already. */
static int place(struct hub *h, const struct bt_hub_files *files, struct bt_strbuf *err)
{
	for (size_t i = 0; i < files->n; i++) {
		const struct bt_hub_file *f = &files->v[i];
		char *full = bt__pathf("%s/%s", h->repo, f->path);
		if (!full)
			return BT_ENOMEM;
		struct stat sb;
		int rc = check_folders(h, full, f->path, err);
		if (!rc && lstat(full, &sb) == 0)
			rc = bt_error(err, BT_EEXISTS, "%s: '%s' is already in the dataset: "
				      "upload never overwrites a file (was this run "
				      "uploaded before?)", h->url, f->path);
		char *slash = rc ? NULL : strrchr(full, '/');
		if (slash) {
			*slash = '\0';
			rc = bt__mkdir_p(full, err);
			*slash = '/';
		}
		if (!rc)
			rc = bt__write_file_atomic(full, f->data, f->len, err);
		free(full);
		if (rc)
			return rc;
	}
	return 0;
}

/* Adds the placed files and commits them. */
static int commit(struct hub *h, const char *message, struct bt_strbuf *err)
{
	char *log = NULL;
	const char *add[] = { "-C", h->repo, "add", "-A", NULL };
	int st = git(h, add, &log, err);
	if (st > 0)
		git_failed(h, "add", log, err);
	free(log);
	if (st)
		return BT_ECHILD;
	/* the user's identity when git has one, else benchtrack's */
	const char *who[] = { "-C", h->repo, "config", "user.email", NULL };
	int known = git(h, who, NULL, err) == 0;
	const char *ci[16];
	size_t n = 0;
	ci[n++] = "-C", ci[n++] = h->repo, ci[n++] = "-c", ci[n++] = "commit.gpgsign=false";
	if (!known) {
		ci[n++] = "-c", ci[n++] = "user.name=benchtrack";
		ci[n++] = "-c", ci[n++] = "user.email=benchtrack@localhost";
	}
	ci[n++] = "commit", ci[n++] = "-q", ci[n++] = "--no-verify", ci[n++] = "-m";
	ci[n++] = message, ci[n] = NULL;
	st = git(h, ci, &log, err);
	if (st > 0)
		git_failed(h, "commit", log, err);
	free(log);
	return st ? BT_ECHILD : 0;
}

/* "OWNER/NAME" with parts of [A-Za-z0-9._-] not starting with a dot. */
int bt_hub_valid_repo(const char *r)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789._-";
	const char *slash = r ? strchr(r, '/') : NULL;
	if (!slash || slash == r || slash[1] == '\0' || r[0] == '.' || slash[1] == '.')
		return 0;
	size_t a = (size_t)(slash - r);
	return strspn(r, ok) == a && strspn(slash + 1, ok) == strlen(slash + 1) &&
	       a <= 96 && strlen(slash + 1) <= 96;
}

/* The user name in base (scheme://USER@host...) into user; BT_EINVAL when
 * the URL carries a password. */
static int url_user(const char *base, char *user, size_t size, struct bt_strbuf *err)
{
	snprintf(user, size, "user");
	const char *s = strstr(base, "://");
	if (!s || (strncmp(base, "https://", 8) && strncmp(base, "http://", 7)))
		return bt_error(err, BT_EINVAL, "hub URL '%.200s': expected http:// or "
				"https://", base);
	s += 3;
	size_t host = strcspn(s, "/");
	const char *at = memchr(s, '@', host);
	if (!at)
		return 0;
	if (memchr(s, ':', (size_t)(at - s)))
		return bt_error(err, BT_EINVAL, "hub URL: it holds a password, which "
				"would reach git's command line: give the token with "
				"--token or HF_TOKEN");
	if ((size_t)(at - s) == 0 || (size_t)(at - s) >= size)
		return bt_error(err, BT_EINVAL, "hub URL: a user name of 1 to %zu "
				"characters expected before '@'", size - 1);
	snprintf(user, size, "%.*s", (int)(at - s), s);
	return 0;
}

/* Every path relative, of safe components (no "..", no ".git"). */
static int check_paths(const struct bt_hub_files *files, struct bt_strbuf *err)
{
	for (size_t i = 0; i < files->n; i++) {
		const char *p = files->v[i].path;
		if (files->v[i].len > BT_HUB_MAX_FILE)
			return bt_error(err, BT_EINVAL, "%s: %zu bytes: files over 10 MB "
					"need git LFS, which upload does not do", p,
					files->v[i].len);
		for (const char *c = p;;) {
			size_t n = strcspn(c, "/");
			if (n == 0 || (c[0] == '.' && (n == 1 || (n == 2 && c[1] == '.'))) ||
			    (n == 4 && strncmp(c, ".git", 4) == 0))
				return bt_error(err, BT_EINVAL, "'%s': not a path inside "
						"the dataset", p);
			if (!c[n])
				break;
			c += n + 1;
		}
	}
	return 0;
}

static int setup(struct hub *h, const struct bt_hub_dest *d, struct bt_strbuf *err)
{
	const char *base = d->base_url && *d->base_url ? d->base_url : "https://huggingface.co";
	char user[128];
	int rc = url_user(base, user, sizeof user, err);
	if (rc)
		return rc;
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	/* the dataset's own address given as the server's */
	const char *path = strchr(strstr(base, "://") + 3, '/');
	if (path && (size_t)(path - base) < bl && strstr(path, "/datasets") &&
	    (strstr(path, "/datasets")[9] == '/' || strstr(path, "/datasets")[9] == '\0'))
		return bt_error(err, BT_EINVAL, "hub URL '%.200s': the server's address "
				"is expected (such as https://huggingface.co), without "
				"/datasets: --hub names the dataset", base);
	if (!(h->url = bt__pathf("%.*s/datasets/%s", (int)bl, base, d->repo)))
		return BT_ENOMEM;
	const char *t = getenv("TMPDIR");
	char *tmpl = bt__pathf("%s/benchtrack-hub-XXXXXX", t && *t ? t : "/tmp");
	if (!tmpl)
		return BT_ENOMEM;
	if (!mkdtemp(tmpl)) {
		rc = bt_error(err, BT_EIO, "%s: cannot make a temporary directory: %s",
			      tmpl, strerror(errno));
		free(tmpl);
		return rc;
	}
	h->tmp = tmpl;
	char *askpass = bt__pathf("%s/askpass", h->tmp);
	h->repo = bt__pathf("%s/repo", h->tmp);
	h->log = bt__pathf("%s/git.log", h->tmp);
	if (!askpass || !h->repo || !h->log) {
		free(askpass);
		return BT_ENOMEM;
	}
	/* answers git's two questions from the environment, for the URL's
	 * scheme, host and port only (not to a site a redirect leads to);
	 * holds no secret */
	static const char script[] =
		"#!/bin/sh\n"
		"case \"$1\" in\n"
		"\"Username for '$BENCHTRACK_HUB_SITE': \")\n"
		"\tprintf '%s\\n' \"$BENCHTRACK_HUB_USER\" ;;\n"
		"\"Password for '\"\"${BENCHTRACK_HUB_SITE%%//*}//\"*@\"${BENCHTRACK_HUB_SITE#*//}': \")\n"
		"\tprintf '%s\\n' \"$BENCHTRACK_HUB_TOKEN\" ;;\n"
		"*)\techo \"benchtrack: no token for $1\" >&2; exit 1 ;;\n"
		"esac\n";
	int fd = open(askpass, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (fd < 0 || write(fd, script, sizeof script - 1) != (ssize_t)(sizeof script - 1)) {
		rc = bt_error(err, BT_EIO, "%s: %s", askpass, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(askpass);
		return rc;
	}
	close(fd);
	/* SCHEME://HOST[:PORT], as git names the site in its questions */
	const char *hp = strstr(base, "://") + 3;
	size_t hl = strcspn(hp, "/");
	const char *at = memchr(hp, '@', hl);
	if (at)
		hl -= (size_t)(at + 1 - hp), hp = at + 1;
	char *site = bt__pathf("%.*s%.*s", (int)(strstr(base, "://") + 3 - base), base,
			       (int)hl, hp);
	if (!site) {
		free(askpass);
		return BT_ENOMEM;
	}
	rc = build_env(h, askpass, user, site, d->token && *d->token ? d->token : NULL);
	free(site);
	free(askpass);
	return rc;
}

/* When the dataset has no ref at all (a repository made without its
 * first commit), *empty = 1 and h->repo is a new repository whose
 * first commit the push will make the branch rev (main, the Hub's). */
static int start_empty(struct hub *h, const char *rev, int *empty, struct bt_strbuf *err)
{
	char *log = NULL;
	const char *ls[] = { "ls-remote", "--", h->url, NULL };
	int st = git(h, ls, &log, err);
	*empty = st == 0 && log && !log[strspn(log, " \t\r\n")];
	free(log);
	if (st < 0)
		return BT_ECHILD;
	if (!*empty)
		return 0;
	bt__rm_tree(h->repo, NULL);
	const char *init[] = { "init", "--quiet", "-b", rev, "--", h->repo, NULL };
	const char *remote[] = { "-C", h->repo, "remote", "add", "origin", h->url, NULL };
	if ((st = git(h, init, &log, err)) == 0) {
		free(log);
		st = git(h, remote, &log, err);
	}
	int rc = st > 0 ? git_failed(h, "init", log, err) : st ? BT_ECHILD : 0;
	free(log);
	return rc;
}

/* 1 when the push was refused because the branch moved on (the server
 * may see the other push only when it updates the ref). */
static int moved_on(const char *log)
{
	return log && (strstr(log, "non-fast-forward") || strstr(log, "fetch first") ||
		       strstr(log, "[rejected]") || strstr(log, "stale info") ||
		       strstr(log, "cannot lock ref") || strstr(log, "failed to update ref"));
}

/* Before push attempt a (1, 2, ...): a pause of a * 50 ms plus up to
 * 50 ms told apart by the process, so that uploads racing each other
 * do not meet again at once. */
static void pause_before(int a)
{
	long ms = 50L * a + (long)(((unsigned)getpid() * 2654435761u + (unsigned)a * 40503u) % 50u);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int bt_hub_push(const struct bt_hub_dest *d, const struct bt_hub_files *files,
		const char *message, struct bt_strbuf *log_out, struct bt_strbuf *err)
{
	if (!bt_hub_valid_repo(d->repo))
		return bt_error(err, BT_EINVAL, "dataset '%s': expected OWNER/NAME (letters, "
				"digits, '.', '_', '-')", d->repo ? d->repo : "");
	const char *rev = d->revision && *d->revision ? d->revision : "main";
	if (rev[0] == '-' || strspn(rev, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789._/-") != strlen(rev) || strstr(rev, ".."))
		return bt_error(err, BT_EINVAL, "revision '%s': expected a branch name", rev);
	int rc = check_paths(files, err);
	if (rc)
		return rc;
	if (files->n == 0)
		return bt_error(err, BT_EINVAL, "nothing to upload");
	struct hub h = { 0 };
	char *log = NULL;
	if ((rc = setup(&h, d, err)))
		goto out;
	const char *clone[] = { "clone", "--quiet", "--depth", "1", "--single-branch",
		"--no-tags", "--branch", rev, "--", h.url, h.repo, NULL };
	int st = git(&h, clone, &log, err);
	if (st && st > 0 && log && strstr(log, "Remote branch") && strstr(log, "not found")) {
		/* no such branch: fine only in a repository with no commit at all */
		int empty = 0;
		if ((rc = start_empty(&h, rev, &empty, err)))
			goto out;
		if (!empty) {
			rc = bt_error(err, BT_ECHILD, "%s: no branch '%s' (a dataset starts "
				      "with one: make it on the Hub first)", h.url, rev);
			goto out;
		}
		if (strcmp(rev, "main") != 0) {
			rc = bt_error(err, BT_ECHILD, "%s: the dataset has no commit yet: "
				      "its first upload makes branch main, not '%s'", h.url, rev);
			goto out;
		}
		st = 0;
	}
	if (st) {
		rc = st > 0 ? git_failed(&h, "clone", log, err) : BT_ECHILD;
		goto out;
	}
	if ((rc = place(&h, files, err)) || (rc = commit(&h, message, err)))
		goto out;
	char *ref = bt__pathf("HEAD:refs/heads/%s", rev);
	if (!ref) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (int attempt = 0;; attempt++) {
		const char *push[] = { "-C", h.repo, "push", "--quiet", "--no-verify",
			"origin", ref, NULL };
		free(log);
		st = git(&h, push, &log, err);
		if (st == 0)
			break;
		if (st > 0 && attempt + 1 == PUSH_ATTEMPTS && moved_on(log)) {
			rc = bt_error(err, BT_ECHILD, "%s: git push: the branch '%s' moved on "
				      "%d times while uploading (others pushing at once): "
				      "nothing was pushed; try again", h.url, rev, PUSH_ATTEMPTS);
			break;
		}
		if (st < 0 || !moved_on(log)) {
			rc = st > 0 ? git_failed(&h, "push", log, err) : BT_ECHILD;
			break;
		}
		pause_before(attempt + 1);
		/* someone pushed meanwhile: the same files on the new tip */
		const char *fetch[] = { "-C", h.repo, "fetch", "--quiet", "--depth", "1",
			"origin", rev, NULL };
		const char *reset[] = { "-C", h.repo, "reset", "--quiet", "--hard",
			"FETCH_HEAD", NULL };
		free(log);
		if ((st = git(&h, fetch, &log, err)) != 0) {
			rc = st > 0 ? git_failed(&h, "fetch", log, err) : BT_ECHILD;
			break;
		}
		free(log);
		if ((st = git(&h, reset, &log, err)) != 0) {
			rc = st > 0 ? git_failed(&h, "reset", log, err) : BT_ECHILD;
			break;
		}
		if ((rc = place(&h, files, err)) || (rc = commit(&h, message, err)))
			break;
		bt_strbuf_addf(log_out, "the branch moved on: the commit was made again "
			       "on its new tip\n");
	}
	free(ref);
	if (rc)
		goto out;
	const char *head[] = { "-C", h.repo, "rev-parse", "--short=12", "HEAD", NULL };
	free(log);
	char line[64] = "";
	if (git(&h, head, &log, NULL) == 0)
		last_line(log, line, sizeof line);
	bt_strbuf_addf(log_out, "%s: %zu files added on %s%s%s\n", h.url, files->n, rev,
		       *line ? " in commit " : "", line);
out:
	free(log);
	hub_release(&h);
	return rc;
}
