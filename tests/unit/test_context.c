/* Tests of lib/run/context.c: machine description, git state, stamp. */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "benchtrack.h"
#include "internal.h"
#include "helpers.h"

/* --- helpers ------------------------------------------------------------ */

/* Runs argv (no shell), stdout into out[cap] (trimmed of the final newline)
 * when out is not NULL, stderr to /dev/null. Returns the exit status or
 * -1. */
static int run_cmd(const char *const argv[], char *out, size_t cap)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int dn = open("/dev/null", O_RDWR);
		dup2(dn, 0);
		dup2(dn, 2);
		dup2(fds[1], 1);
		close(fds[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	size_t n = 0;
	char sink[4096];
	for (;;) {
		char *dst = out && n + 1 < cap ? out + n : sink;
		size_t room = out && n + 1 < cap ? cap - 1 - n : sizeof sink;
		ssize_t r = read(fds[0], dst, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (dst != sink)
			n += (size_t)r;
	}
	close(fds[0]);
	if (out) {
		out[n] = '\0';
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
			out[--n] = '\0';
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

/* A fresh directory whose name contains a space and quotes. */
static char *make_tmpdir(const char *tag)
{
	char path[512];
	snprintf(path, sizeof path, "%s/bt ctx '\"%s XXXXXX", tmp_base(), tag);
	char *p = strdup(path);
	assert_non_null(p);
	assert_non_null(mkdtemp(p));
	return p;
}

static void rm_rf(char *dir)
{
	if (!dir)
		return;
	bt_test_rmtree(dir);
	free(dir);
}

static void write_file(const char *dir, const char *name, const char *text,
		       int exec)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(bt_test_write_file(dir, name, text, strlen(text)), 0);
	if (exec)
		assert_int_equal(chmod(path, 0755), 0);
}

static int is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return 0;
	return strspn(s, "0123456789abcdef") == n;
}

static int matches(const char *re, const char *s)
{
	regex_t r;
	assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	int ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Whether /proc/cpuinfo has a line with this key. */
static int cpuinfo_has(const char *key)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return 0;
	char line[4096];
	int found = 0;
	size_t kl = strlen(key);
	while (!found && fgets(line, sizeof line, f))
		found = strncmp(line, key, kl) == 0 &&
			(line[kl] == '\t' || line[kl] == ' ' || line[kl] == ':');
	fclose(f);
	return found;
}

static long long meminfo_total_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	char line[256];
	long long kb = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Environment variables the tests change, restored after each test. */
static const char *const saved_names[] = {
	"PATH", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE",
	"GIT_CEILING_DIRECTORIES", "GIT_COMMITTER_DATE", "GIT_AUTHOR_DATE",
	NULL
};
static char *saved_values[8];

static int save_env(void **state)
{
	(void)state;
	for (int i = 0; saved_names[i]; i++) {
		const char *v = getenv(saved_names[i]);
		saved_values[i] = v ? strdup(v) : NULL;
	}
	return 0;
}

static int restore_env(void **state)
{
	(void)state;
	for (int i = 0; saved_names[i]; i++) {
		if (saved_values[i])
			setenv(saved_names[i], saved_values[i], 1);
		else
			unsetenv(saved_names[i]);
	}
	return 0;
}

static int free_env(void **state)
{
	(void)state;
	for (int i = 0; saved_names[i]; i++) {
		free(saved_values[i]);
		saved_values[i] = NULL;
	}
	return 0;
}

/* PATH with dir in front. */
static void path_prepend(const char *dir)
{
	const char *old = getenv("PATH");
	char *p = malloc(strlen(dir) + (old ? strlen(old) : 0) + 2);
	assert_non_null(p);
	sprintf(p, "%s:%s", dir, old ? old : "/usr/bin:/bin");
	setenv("PATH", p, 1);
	free(p);
}

/* --- machine ------------------------------------------------------------ */

/* Initializes run and fills in its machine; fails the test unless both
 * succeed. */
static void machine_of(struct bt_run *run)
{
	assert_int_equal(bt_run_init(run), 0);
	assert_int_equal(bt_context_machine(run), 0);
}

static void test_machine_fields(void **state)
{
	(void)state;
	struct bt_run run;
	machine_of(&run);
	const struct bt_machine *m = &run.machine;

	assert_non_null(m->name);
	assert_true(m->name[0] != '\0');
	assert_non_null(m->arch);
	assert_true(m->arch[0] != '\0');
	assert_non_null(m->kernel);
	assert_true(m->kernel[0] != '\0');

	assert_int_equal(m->cpu_cores, (int)sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(m->cpu_cores > 0);
	assert_true(m->cpu_physical_cores == -1 ||
		    (m->cpu_physical_cores >= 1 &&
		     m->cpu_physical_cores <= m->cpu_cores));
	if (cpuinfo_has("core id") ||
	    file_exists("/sys/devices/system/cpu/cpu0/topology/core_cpus_list") ||
	    file_exists("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list"))
		assert_true(m->cpu_physical_cores >= 1);

	if (cpuinfo_has("model name")) {
		assert_non_null(m->cpu_model);
		assert_true(m->cpu_model[0] != '\0');
		/* whitespace normalised */
		assert_null(strstr(m->cpu_model, "  "));
		assert_true(m->cpu_model[0] != ' ');
		assert_true(m->cpu_model[strlen(m->cpu_model) - 1] != ' ');
		assert_null(strchr(m->cpu_model, '\n'));
	}
	if (cpuinfo_has("cpu MHz") ||
	    file_exists("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
		assert_true(m->cpu_mhz > 0);
	assert_true(m->cpu_mhz >= 0);

	long long kb = meminfo_total_kb();
	assert_true(kb > 0);
	double want = (double)kb * 1024.0;
	assert_true(m->memory_bytes > 0);
	assert_true((double)m->memory_bytes > want * 0.99 &&
		    (double)m->memory_bytes < want * 1.01);

	if (file_exists("/sys/devices/system/cpu/cpu0/cache/index0/size")) {
		assert_true(m->cache_l1d > 0);
		assert_int_equal(m->cache_l1d % 1024, 0);
	}
	if (m->cache_l1d > 0 && m->cache_l2 > 0)
		assert_true(m->cache_l1d <= m->cache_l2);
	if (m->cache_l2 > 0 && m->cache_l3 > 0)
		assert_true(m->cache_l2 <= m->cache_l3);
	assert_true(m->cache_l1d == -1 || m->cache_l1d > 0);
	assert_true(m->cache_l2 == -1 || m->cache_l2 > 0);
	assert_true(m->cache_l3 == -1 || m->cache_l3 > 0);

	if (file_exists("/etc/os-release") ||
	    file_exists("/usr/lib/os-release")) {
		assert_non_null(m->os);
		assert_true(m->os[0] != '\0');
		assert_true(m->os[0] != '"' && m->os[0] != '\'');
		assert_true(m->os[strlen(m->os) - 1] != '"');
	}
	if (file_exists("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")) {
		assert_non_null(m->governor);
		assert_null(strchr(m->governor, '\n'));
	}
	for (size_t i = 0; i < m->n_gpus; i++) {
		assert_non_null(m->gpus[i].name);
		assert_true(m->gpus[i].memory_bytes == -1 ||
			    m->gpus[i].memory_bytes > 0);
	}

	assert_true(is_hex(m->fingerprint, 16));
	bt_run_release(&run);
}

static void test_fingerprint_stable(void **state)
{
	(void)state;
	struct bt_run a, b;
	machine_of(&a);
	machine_of(&b);
	assert_true(is_hex(a.machine.fingerprint, 16));
	assert_string_equal(a.machine.fingerprint, b.machine.fingerprint);
	/* a second call on the same run replaces everything */
	assert_int_equal(bt_context_machine(&a), 0);
	assert_string_equal(a.machine.fingerprint, b.machine.fingerprint);
	bt_run_release(&a);
	bt_run_release(&b);
}

/* A fake nvidia-smi first on PATH. */
static char *fake_smi(const char *script)
{
	char *dir = make_tmpdir("smi");
	write_file(dir, "nvidia-smi", script, 1);
	path_prepend(dir);
	return dir;
}

/* --- machine, from the fake roots of tests/fixtures/context/ ------------- */

static int host_root(void **state)
{
	assert_int_equal(bt__context_set_root(NULL), 0);
	return restore_env(state);
}

/* The machine into run (initialized here) with script as nvidia-smi:
 * it must find no GPU and have a fingerprint. */
static void machine_without_gpus(struct bt_run *run, const char *script)
{
	char *smi = fake_smi(script);
	machine_of(run);
	rm_rf(smi);
	assert_int_equal(run->machine.n_gpus, 0);
	assert_true(is_hex(run->machine.fingerprint, 16));
}

/* The machine of the fixture root name (without GPUs: nvidia-smi fails),
 * into run; the root stays set (host_root resets it). */
static void machine_at(const char *name, struct bt_run *run)
{
	char root[1024];
	snprintf(root, sizeof root, "%s/tests/fixtures/context/%s", BT_SOURCE_DIR,
		 name);
	assert_int_equal(bt__context_set_root(root), 0);
	machine_without_gpus(run, "#!/bin/sh\nexit 9\n");
}

/* A fixture root (tests/fixtures/context/) and what its machine reads as. */
struct want_machine {
	const char *root, *cpu_model;
	int cpu_cores, cpu_physical_cores;
	double cpu_mhz;
	int64_t cache_l1d, cache_l2, cache_l3, memory_bytes;
	const char *os, *governor; /* governor NULL: none */
};

/* The fixture roots and what their machines read as. */
static const struct want_machine roots[] = {
	/* white space runs squeezed in the model; online CPUs 0-7; distinct
	 * (physical id, core id): 2 sockets x 2 cores; cpufreq's maximum
	 * before the model's 2.00GHz and cpu MHz; L1d, not the L1
	 * instruction cache */
	{ "x86-2s", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 8, 4, 3200.0,
	  48 * 1024, 1280 * 1024, (int64_t)48 << 20, (int64_t)263855004 * 1024,
	  "Debian GNU/Linux 13 (trixie)", "performance" },
	/* no model name: Hardware; no core ids in cpuinfo: the distinct
	 * sibling lists of sysfs, from core_cpus_list (cpu0, cpu1) or
	 * thread_siblings_list (cpu2, cpu3), cpu4 has no topology and
	 * cpufreq/ is not a CPU; no cpu0 cpufreq maximum, no "@ GHz", no cpu
	 * MHz: unknown; an L3 of size "12X" left out */
	{ "arm-smt", "BCM2711", 4, 2, 0, 64 * 1024, 512 * 1024, -1,
	  (int64_t)3884040 * 1024, "Raspbian \"lite\" GNU/Linux 11", "schedutil" },
	/* online CPUs 0,2-3; the MHz from the model name; no caches; no
	 * meminfo: unknown, no error; no /etc/os-release: /usr/lib's, NAME
	 * when there is no PRETTY_NAME; no governor */
	{ "sparse", "QEMU Virtual CPU version 2.5+ @ 2.40GHz", 3, -1, 2400.0, -1, -1,
	  -1, -1, "Alpine Linux", NULL },
};

/* Each fixture root reads as its entry of roots; name, arch and kernel
 * still come from uname. */
static void test_root_machines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
		const struct want_machine *w = &roots[i];
		struct bt_run run;
		machine_at(w->root, &run);
		const struct bt_machine *m = &run.machine;
		assert_string_equal(m->cpu_model, w->cpu_model);
		assert_int_equal(m->cpu_cores, w->cpu_cores);
		assert_int_equal(m->cpu_physical_cores, w->cpu_physical_cores);
		assert_true(m->cpu_mhz == w->cpu_mhz);
		assert_int_equal(m->cache_l1d, w->cache_l1d);
		assert_int_equal(m->cache_l2, w->cache_l2);
		assert_int_equal(m->cache_l3, w->cache_l3);
		assert_int_equal(m->memory_bytes, w->memory_bytes);
		assert_string_equal(m->os, w->os);
		if (w->governor)
			assert_string_equal(m->governor, w->governor);
		else
			assert_null(m->governor);
		assert_non_null(m->arch);
		bt_run_release(&run);
	}
}

static void test_root_fingerprints(void **state)
{
	(void)state;
	struct bt_run a, a2, b, c, host;
	machine_at("x86-2s", &a);
	machine_at("x86-2s/", &a2); /* a trailing '/' is the same root */
	machine_at("arm-smt", &b);
	machine_at("sparse", &c);
	assert_string_equal(a.machine.fingerprint, a2.machine.fingerprint);
	assert_string_not_equal(a.machine.fingerprint, b.machine.fingerprint);
	assert_string_not_equal(a.machine.fingerprint, c.machine.fingerprint);
	assert_string_not_equal(b.machine.fingerprint, c.machine.fingerprint);

	/* back on the host ("/" is the host too) */
	assert_int_equal(bt__context_set_root("/"), 0);
	machine_of(&host);
	assert_int_equal(host.machine.cpu_cores, (int)sysconf(_SC_NPROCESSORS_ONLN));

	/* a root too long for a path is refused, and the root is unchanged */
	size_t n = 8192;
	char *longdir = malloc(n + 1);
	assert_non_null(longdir);
	memset(longdir, 'a', n);
	longdir[0] = '/';
	longdir[n] = '\0';
	assert_int_equal(bt__context_set_root(longdir), BT_EINVAL);
	free(longdir);
	struct bt_run again;
	machine_of(&again);
	assert_string_equal(again.machine.fingerprint, host.machine.fingerprint);

	bt_run_release(&a);
	bt_run_release(&a2);
	bt_run_release(&b);
	bt_run_release(&c);
	bt_run_release(&host);
	bt_run_release(&again);
}

static void test_gpus_parsed(void **state)
{
	(void)state;
	/* the machine without a working nvidia-smi */
	char *none = fake_smi("#!/bin/sh\nexit 9\n");
	struct bt_run base;
	machine_of(&base);
	assert_int_equal(base.machine.n_gpus, 0);
	assert_null(base.machine.gpus);
	restore_env(NULL);

	char *dir = fake_smi(
		"#!/bin/sh\n"
		"case \"$*\" in\n"
		"*--query-gpu=name,memory.total,driver_version*--format=csv,noheader,nounits*) ;;\n"
		"*) exit 3 ;;\n"
		"esac\n"
		"echo 'NVIDIA H100 80GB HBM3, 81559, 535.104.05'\n"
		"echo ' Odd, Name GPU , [N/A], [N/A]'\n");
	struct bt_run run, again;
	machine_of(&run);
	machine_of(&again);
	const struct bt_machine *m = &run.machine;
	assert_int_equal(m->n_gpus, 2);
	assert_string_equal(m->gpus[0].name, "NVIDIA H100 80GB HBM3");
	assert_int_equal(m->gpus[0].memory_bytes, (int64_t)81559 * 1048576);
	assert_string_equal(m->gpus[0].driver, "535.104.05");
	assert_string_equal(m->gpus[1].name, "Odd, Name GPU");
	assert_int_equal(m->gpus[1].memory_bytes, -1);
	assert_null(m->gpus[1].driver);
	/* GPUs are part of the identity of the machine */
	assert_string_not_equal(m->fingerprint, base.machine.fingerprint);
	assert_string_equal(m->fingerprint, again.machine.fingerprint);

	bt_run_release(&run);
	bt_run_release(&again);
	bt_run_release(&base);
	rm_rf(dir);
	rm_rf(none);
}

static void test_gpus_failure_ignored(void **state)
{
	(void)state;
	/* output followed by a failure: nothing is taken */
	struct bt_run run;
	machine_without_gpus(&run, "#!/bin/sh\necho 'GPU X, 1024, 1.0'\nexit 6\n");
	bt_run_release(&run);
}

static void test_gpus_output_capped(void **state)
{
	(void)state;
	/* far more output than any real nvidia-smi: capped, drained, ignored */
	char *dir = fake_smi("#!/bin/sh\n"
			     "i=0\n"
			     "while [ $i -lt 20000 ]; do\n"
			     "  echo 'Fake GPU with a long name, 1024, 1.0'\n"
			     "  i=$((i+1))\n"
			     "done\n");
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	time_t t0 = time(NULL);
	assert_int_equal(bt_context_machine(&run), 0);
	assert_true(time(NULL) - t0 < 8);
	assert_int_equal(run.machine.n_gpus, 0);
	bt_run_release(&run);
	rm_rf(dir);
}

/* --- git ---------------------------------------------------------------- */

static int git(const char *dir, char *out, size_t cap, const char *a1,
	       const char *a2, const char *a3)
{
	const char *argv[16] = { "git", "-C", dir, "-c", "user.name=bt test",
				 "-c", "user.email=bt@example.com",
				 "-c", "commit.gpgsign=false" };
	int n = 9;
	argv[n++] = a1;
	if (a2)
		argv[n++] = a2;
	if (a3)
		argv[n++] = a3;
	argv[n] = NULL;
	return run_cmd(argv, out, cap);
}

/* Initializes run and fills in its git context from dir; fails the test
 * unless both succeed. */
static void git_of(struct bt_run *run, const char *dir)
{
	assert_int_equal(bt_run_init(run), 0);
	assert_int_equal(bt_context_git(run, dir), 0);
}

static int have_git(void)
{
	const char *argv[] = { "git", "--version", NULL };
	return run_cmd(argv, NULL, 0) == 0;
}

/* Skips the test when there is no git. */
static void need_git(void)
{
	if (!have_git())
		skip();
}

/* A repository with one commit of f.txt on branch bt-test-branch, committed
 * at 2021-03-04 05:06:07 +0200. */
static char *make_repo(void)
{
	char *dir = make_tmpdir("repo");
	assert_int_equal(git(dir, NULL, 0, "init", "-q", NULL), 0);
	assert_int_equal(git(dir, NULL, 0, "symbolic-ref", "HEAD",
			     "refs/heads/bt-test-branch"),
			 0);
	write_file(dir, "f.txt", "one\n", 0);
	assert_int_equal(git(dir, NULL, 0, "add", "f.txt", NULL), 0);
	setenv("GIT_COMMITTER_DATE", "1614827167 +0200", 1);
	setenv("GIT_AUTHOR_DATE", "1614827167 +0200", 1);
	assert_int_equal(git(dir, NULL, 0, "commit", "-q", "-mfirst"), 0);
	unsetenv("GIT_COMMITTER_DATE");
	unsetenv("GIT_AUTHOR_DATE");
	return dir;
}

static void test_git_repo(void **state)
{
	(void)state;
	need_git();
	char *dir = make_repo();
	char head[128];
	assert_int_equal(git(dir, head, sizeof head, "rev-parse", "HEAD", NULL),
			 0);

	struct bt_run run;
	git_of(&run, dir);
	assert_non_null(run.git.commit);
	assert_string_equal(run.git.commit, head);
	assert_non_null(run.git.branch);
	assert_string_equal(run.git.branch, "bt-test-branch");
	assert_int_equal(run.git.dirty, 0);
	assert_non_null(run.git.commit_time);
	assert_string_equal(run.git.commit_time, "2021-03-04T03:06:07Z");
	assert_true(run.git.commit_time[strlen(run.git.commit_time) - 1] == 'Z');

	/* untracked files do not count */
	write_file(dir, "untracked.txt", "x\n", 0);
	assert_int_equal(bt_context_git(&run, dir), 0);
	assert_int_equal(run.git.dirty, 0);

	/* a modified tracked file does */
	write_file(dir, "f.txt", "two\n", 0);
	assert_int_equal(bt_context_git(&run, dir), 0);
	assert_int_equal(run.git.dirty, 1);
	assert_string_equal(run.git.commit, head);

	/* the caller's repository variables do not leak into git */
	setenv("GIT_DIR", "/nonexistent/bt/.git", 1);
	setenv("GIT_WORK_TREE", "/nonexistent/bt", 1);
	setenv("GIT_INDEX_FILE", "/nonexistent/bt/index", 1);
	assert_int_equal(bt_context_git(&run, dir), 0);
	restore_env(NULL);
	assert_non_null(run.git.commit);
	assert_string_equal(run.git.commit, head);
	assert_string_equal(run.git.branch, "bt-test-branch");
	assert_int_equal(run.git.dirty, 1);

	/* clean again, then detached */
	assert_int_equal(git(dir, NULL, 0, "checkout", "-q", "f.txt"), 0);
	assert_int_equal(git(dir, NULL, 0, "checkout", "-q", "--detach"), 0);
	assert_int_equal(bt_context_git(&run, dir), 0);
	assert_string_equal(run.git.commit, head);
	assert_null(run.git.branch);
	assert_int_equal(run.git.dirty, 0);

	bt_run_release(&run);
	rm_rf(dir);
}

static void test_git_unborn(void **state)
{
	(void)state;
	need_git();
	char *dir = make_tmpdir("unborn");
	assert_int_equal(git(dir, NULL, 0, "init", "-q", NULL), 0);
	assert_int_equal(git(dir, NULL, 0, "symbolic-ref", "HEAD",
			     "refs/heads/fresh"),
			 0);
	struct bt_run run;
	git_of(&run, dir);
	assert_null(run.git.commit);
	assert_null(run.git.commit_time);
	assert_non_null(run.git.branch);
	assert_string_equal(run.git.branch, "fresh");
	assert_int_equal(run.git.dirty, 0);
	bt_run_release(&run);
	rm_rf(dir);
}

static void test_git_not_repo(void **state)
{
	(void)state;
	char *dir = make_tmpdir("plain");
	/* never look above the temporary directory for a repository */
	setenv("GIT_CEILING_DIRECTORIES", tmp_base(), 1);
	struct bt_run run;
	git_of(&run, dir);
	assert_null(run.git.commit);
	assert_null(run.git.branch);
	assert_null(run.git.commit_time);
	assert_int_equal(run.git.dirty, -1);

	/* a directory that does not exist */
	char missing[600];
	snprintf(missing, sizeof missing, "%s/missing", dir);
	assert_int_equal(bt_context_git(&run, missing), 0);
	assert_null(run.git.commit);
	assert_int_equal(run.git.dirty, -1);
	bt_run_release(&run);
	rm_rf(dir);
}

static void test_git_no_binary(void **state)
{
	(void)state;
	need_git();
	char *repo = make_repo();
	char *empty = make_tmpdir("nobin");
	setenv("PATH", empty, 1);
	struct bt_run run;
	git_of(&run, repo);
	restore_env(NULL);
	assert_null(run.git.commit);
	assert_null(run.git.branch);
	assert_null(run.git.commit_time);
	assert_int_equal(run.git.dirty, -1);
	bt_run_release(&run);
	rm_rf(empty);
	rm_rf(repo);
}

static void test_git_cwd(void **state)
{
	(void)state;
	struct bt_run run;
	git_of(&run, NULL);
	if (run.git.commit) {
		assert_true(is_hex(run.git.commit, 40) ||
			    is_hex(run.git.commit, 64));
		assert_true(run.git.dirty == 0 || run.git.dirty == 1);
		assert_non_null(run.git.commit_time);
		assert_true(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
				    "[0-9]{2}:[0-9]{2}Z$",
				    run.git.commit_time));
	} else {
		assert_null(run.git.commit_time);
	}
	bt_run_release(&run);
}

/* --- stamp -------------------------------------------------------------- */

static void test_stamp(void **state)
{
	(void)state;
	struct bt_run a, b;
	assert_int_equal(bt_run_init(&a), 0);
	assert_int_equal(bt_run_init(&b), 0);
	/* the stamp reads CLOCK_REALTIME and truncates to milliseconds: read
	 * the same clock around it (time(NULL) is a coarser clock that can
	 * still show the previous second when the stamp shows the next) */
	struct timespec t0, t1;
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &t0), 0);
	assert_int_equal(bt_context_stamp(&a), 0);
	assert_int_equal(bt_context_stamp(&b), 0);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &t1), 0);
	long long before = (long long)t0.tv_sec * 1000 + t0.tv_nsec / 1000000;
	long long after = (long long)t1.tv_sec * 1000 + t1.tv_nsec / 1000000;

	assert_non_null(a.timestamp);
	assert_true(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
			    "[0-9]{2}\\.[0-9]{3}Z$",
			    a.timestamp));
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(a.timestamp, "%Y-%m-%dT%H:%M:%S", &tm);
	assert_non_null(end);
	assert_string_equal(end + 4, "Z");
	long long t = (long long)timegm(&tm) * 1000 + atoi(end + 1);
	if (t < before || t > after)
		fail_msg("stamp %s (%lld ms) outside [%lld, %lld] ms", a.timestamp, t,
			 before, after);

	assert_true(is_hex(a.run_id, 32));
	assert_true(is_hex(b.run_id, 32));
	assert_string_not_equal(a.run_id, b.run_id);
	char first[33];
	strcpy(first, a.run_id);
	assert_int_equal(bt_context_stamp(&a), 0);
	assert_string_not_equal(a.run_id, first);
	bt_run_release(&a);
	bt_run_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_machine_fields),
		cmocka_unit_test(test_fingerprint_stable),
		cmocka_unit_test_teardown(test_root_machines, host_root),
		cmocka_unit_test_teardown(test_root_fingerprints, host_root),
		cmocka_unit_test_teardown(test_gpus_parsed, restore_env),
		cmocka_unit_test_teardown(test_gpus_failure_ignored, restore_env),
		cmocka_unit_test_teardown(test_gpus_output_capped, restore_env),
		cmocka_unit_test_teardown(test_git_repo, restore_env),
		cmocka_unit_test_teardown(test_git_unborn, restore_env),
		cmocka_unit_test_teardown(test_git_not_repo, restore_env),
		cmocka_unit_test_teardown(test_git_no_binary, restore_env),
		cmocka_unit_test(test_git_cwd),
		cmocka_unit_test(test_stamp),
	};
	return cmocka_run_group_tests(tests, save_env, free_env);
}
