/* Counting instead of timing: callgrind's client requests and output
 * files, and perf_event_open's hardware counters (counters.h). */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "counters.h"
#include "execint.h"
#include "internal.h"

int bt__measure_kind(const char *s)
{
	if (!s || strcmp(s, "time") == 0)
		return BT__M_TIME;
	if (strcmp(s, "instructions") == 0)
		return BT__M_INSTRUCTIONS;
	if (strcmp(s, "cycles") == 0)
		return BT__M_CYCLES;
	return -1;
}

/* --- callgrind's output files ---------------------------------------- */

/* The event names of callgrind's cache simulation, in struct order. */
static const char *const cg_events[] = {
	"Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw"
};
#define CG_N (sizeof cg_events / sizeof *cg_events)

static double *cg_slot(struct bt__cg_totals *t, size_t k)
{
	double *v[CG_N] = { &t->ir, &t->dr, &t->dw, &t->i1mr, &t->d1mr,
			    &t->d1mw, &t->ilmr, &t->dlmr, &t->dlmw };
	return v[k];
}

/* Adds the totals of one file to t. */
static int cg_file(const char *path, struct bt__cg_totals *t,
		   struct bt_strbuf *err)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	int map[32], n_ev = 0, have = 0;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "creator: ", 9) == 0 && !t->creator[0]) {
			snprintf(t->creator, sizeof t->creator, "%s", line + 9);
			t->creator[strcspn(t->creator, "\r\n")] = 0;
		} else if (strncmp(line, "events:", 7) == 0) {
			n_ev = 0;
			for (char *w = strtok(line + 7, " \t\r\n"); w && n_ev < 32;
			     w = strtok(NULL, " \t\r\n")) {
				map[n_ev] = -1;
				for (size_t k = 0; k < CG_N; k++)
					if (strcmp(w, cg_events[k]) == 0)
						map[n_ev] = (int)k;
				if (map[n_ev] == 1)
					t->cache = 1;
				n_ev++;
			}
		} else if (strncmp(line, "totals:", 7) == 0) {
			char *p = line + 7;
			for (int i = 0; i < n_ev; i++) {
				char *end;
				double x = strtod(p, &end);
				if (end == p)
					break; /* trailing zero events left out */
				if (map[i] >= 0)
					*cg_slot(t, (size_t)map[i]) += x;
				p = end;
			}
			have = 1;
		}
	}
	free(line);
	int bad = ferror(f);
	fclose(f);
	if (bad || !have || n_ev == 0)
		return bt_error(err, BT_EIO, "%s: not a callgrind output file "
				"(no events and totals lines)", path);
	t->files++;
	return 0;
}

int bt__cg_read(const char *dir, const char *prefix, int unlink_them,
		struct bt__cg_totals *t, struct bt_strbuf *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return bt_error(err, BT_EIO, "%s: %s", dir, strerror(errno));
	size_t pl = strlen(prefix);
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, pl) != 0)
			continue;
		char *p = bt__pathf("%s/%s", dir, de->d_name);
		if (!p) {
			rc = BT_ENOMEM;
			break;
		}
		rc = cg_file(p, t, err);
		if (unlink_them)
			unlink(p);
		free(p);
	}
	closedir(d);
	return rc;
}

double bt__cg_l1_misses(const struct bt__cg_totals *t)
{
	return t->i1mr + t->d1mr + t->d1mw;
}

double bt__cg_ll_misses(const struct bt__cg_totals *t)
{
	return t->ilmr + t->dlmr + t->dlmw;
}

double bt__cg_est_cycles(const struct bt__cg_totals *t)
{
	double l1m = bt__cg_l1_misses(t), llm = bt__cg_ll_misses(t);
	double l1_hits = t->ir + t->dr + t->dw - l1m;
	double ll_hits = l1m - llm;
	return l1_hits + 5 * ll_hits + 35 * llm;
}

/* --- client requests --------------------------------------------------- */

int bt__on_valgrind(void)
{
	return RUNNING_ON_VALGRIND ? 1 : 0;
}

void bt__cg_instrument(void)
{
	static int done;
	if (!done) {
		done = 1;
		CALLGRIND_START_INSTRUMENTATION;
	}
}

void bt__cg_on(void)
{
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
}

void bt__cg_toggle(void)
{
	CALLGRIND_TOGGLE_COLLECT;
}

int bt__cg_off_read(const char *dir, int collecting, struct bt__cg_totals *t,
		    struct bt_strbuf *err)
{
	if (collecting)
		CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("benchtrack");
	memset(t, 0, sizeof *t);
	if (!dir)
		return bt_error(err, BT_EINVAL, "no callgrind output directory");
	char prefix[40];
	snprintf(prefix, sizeof prefix, "cg.%ld.", (long)getpid());
	int rc = bt__cg_read(dir, prefix, 1, t, err);
	if (!rc && t->files == 0)
		rc = bt_error(err, BT_EIO, "%s: callgrind wrote no file %s* "
			      "(not run by benchtrack under callgrind?)", dir, prefix);
	return rc;
}

char **bt__cg_options(const char *out, int cache_sim, int atstart,
		      int trace_children)
{
	char *outopt = bt__pathf("--callgrind-out-file=%s", out);
	const char *v[] = {
		"-q", "--tool=callgrind",
		atstart ? "--collect-atstart=yes" : "--collect-atstart=no",
		atstart ? "--instr-atstart=yes" : "--instr-atstart=no",
		cache_sim ? "--cache-sim=yes" : "--cache-sim=no",
		trace_children ? "--trace-children=yes" : "--trace-children=no",
		"--dump-instr=no", "--compress-strings=no",
		outopt, NULL
	};
	if (!outopt)
		return NULL;
	size_t n = sizeof v / sizeof *v;
	char **a = calloc(n, sizeof *a);
	int bad = !a;
	for (size_t i = 0; a && i + 1 < n; i++)
		bad |= !(a[i] = strdup(v[i]));
	free(outopt);
	if (bad) {
		for (size_t i = 0; a && a[i]; i++)
			free(a[i]);
		free(a);
		return NULL;
	}
	return a;
}

char **bt__cg_wrap(char *const *argv, const char *vg, const char *out,
		   int cache_sim)
{
	char **o = bt__cg_options(out, cache_sim, 1, 1);
	size_t no = 0, na = 0;
	while (o && o[no])
		no++;
	while (argv[na])
		na++;
	char **v = o ? calloc(no + na + 2, sizeof *v) : NULL;
	if (!v) {
		bt_exec_argv_free(o);
		return NULL;
	}
	int bad = !(v[0] = strdup(vg));
	memcpy(v + 1, o, no * sizeof *v);
	free(o); /* its strings now belong to v */
	for (size_t i = 0; i < na; i++)
		bad |= !(v[1 + no + i] = strdup(argv[i]));
	if (bad) {
		for (size_t i = 0; i < no + na + 1; i++)
			free(v[i]);
		free(v);
		return NULL;
	}
	return v;
}

char *bt__valgrind_path(void)
{
	return bt__exec_resolve("valgrind");
}

/* --- perf_event_open ---------------------------------------------------- */

static int perf_open1(uint64_t config, int group)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof a;
	a.config = config;
	a.disabled = group < 0;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, group, PERF_FLAG_FD_CLOEXEC);
}

static int paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v = -100;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -100;
		fclose(f);
	}
	return v;
}

int bt__perf_open(struct bt__perf *p, struct bt_strbuf *err)
{
	p->fd_cycles = perf_open1(PERF_COUNT_HW_CPU_CYCLES, -1);
	int e = errno;
	if (p->fd_cycles >= 0) {
		p->fd_instr = perf_open1(PERF_COUNT_HW_INSTRUCTIONS, p->fd_cycles);
		e = errno;
		if (p->fd_instr >= 0)
			return 0;
		close(p->fd_cycles);
		p->fd_cycles = -1;
	}
	p->fd_instr = -1;
	int par = paranoid();
	char pv[24];
	if (par == -100)
		snprintf(pv, sizeof pv, "unknown");
	else
		snprintf(pv, sizeof pv, "%d", par);
	const char *why, *how;
	if (e == ENOENT || e == EOPNOTSUPP || e == ENODEV) {
		why = "this machine has no hardware performance counters the "
		      "kernel can use (no PMU: usual in a virtual machine or "
		      "container host that does not pass one through)";
		how = "run on bare metal or enable the virtual PMU of the VM "
		      "(e.g. KVM/QEMU -cpu host,pmu=on, vPMU on EC2 metal or "
		      "VMware), or use --measure instructions (callgrind, no "
		      "PMU needed)";
	} else if (e == EACCES || e == EPERM) {
		why = "the kernel refuses counters to this user";
		how = "lower it (sudo sysctl kernel.perf_event_paranoid=2, which "
		      "allows user-space counting of one's own processes), or "
		      "give the runner CAP_PERFMON; in a container, allow "
		      "perf_event_open in its seccomp profile";
	} else if (e == ENOSYS) {
		why = "the kernel has no perf_event_open (CONFIG_PERF_EVENTS off)";
		how = "use a kernel with perf events, or --measure instructions";
	} else {
		why = "the kernel refused the counters";
		how = "see perf_event_open(2), or use --measure instructions";
	}
	return bt_error(err, BT_EUNSUPPORTED,
			"--measure cycles: perf_event_open(PERF_COUNT_HW_CPU_CYCLES, "
			"user space only) failed: %s (%s): %s; "
			"/proc/sys/kernel/perf_event_paranoid is %s: %s",
			strerror(e), strerrorname_np(e) ? strerrorname_np(e) : "?",
			why, pv, how);
}

void bt__perf_on(struct bt__perf *p)
{
	ioctl(p->fd_cycles, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
	ioctl(p->fd_cycles, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

void bt__perf_pause(struct bt__perf *p, int off)
{
	ioctl(p->fd_cycles, off ? PERF_EVENT_IOC_DISABLE : PERF_EVENT_IOC_ENABLE,
	      PERF_IOC_FLAG_GROUP);
}

int bt__perf_off_read(struct bt__perf *p, double *cycles, double *instr)
{
	ioctl(p->fd_cycles, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	uint64_t c, i;
	if (read(p->fd_cycles, &c, sizeof c) != sizeof c ||
	    read(p->fd_instr, &i, sizeof i) != sizeof i)
		return -1;
	*cycles = (double)c;
	*instr = (double)i;
	return 0;
}

void bt__perf_close(struct bt__perf *p)
{
	if (p->fd_cycles >= 0)
		close(p->fd_cycles);
	if (p->fd_instr >= 0)
		close(p->fd_instr);
	p->fd_cycles = p->fd_instr = -1;
}
