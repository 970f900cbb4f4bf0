/* GPU metrics while a case runs: NVML through dlopen (never a build or
 * run dependency), a sampler thread, the summary as counters. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runint.h"

const struct bt__gpu_source *bt__gpu_source_override;

/* --- NVML: the few declarations it needs (nvml.h is not required) ---- */

typedef int nvml_return;            /* nvmlReturn_t, 0 = NVML_SUCCESS */
typedef struct nvml_device *nvml_device; /* nvmlDevice_t */
struct nvml_utilization {           /* nvmlUtilization_t */
	unsigned int gpu, memory;   /* percent */
};
struct nvml_memory {                /* nvmlMemory_t (v1) */
	unsigned long long total, free, used; /* bytes */
};

static struct {
	int tried, n;
	nvml_return (*util)(nvml_device, struct nvml_utilization *);
	nvml_return (*mem)(nvml_device, struct nvml_memory *);
	nvml_device dev[BT__GPU_MAX];
} nvml;

static int nvml_open(void *ud)
{
	(void)ud;
	if (nvml.tried)
		return nvml.n;
	nvml.tried = 1;
	void *h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return 0;
	nvml_return (*init)(void) = (nvml_return (*)(void))dlsym(h, "nvmlInit_v2");
	nvml_return (*count)(unsigned int *) =
		(nvml_return (*)(unsigned int *))dlsym(h, "nvmlDeviceGetCount_v2");
	nvml_return (*handle)(unsigned int, nvml_device *) =
		(nvml_return (*)(unsigned int, nvml_device *))dlsym(
			h, "nvmlDeviceGetHandleByIndex_v2");
	nvml.util = (nvml_return (*)(nvml_device, struct nvml_utilization *))dlsym(
		h, "nvmlDeviceGetUtilizationRates");
	nvml.mem = (nvml_return (*)(nvml_device, struct nvml_memory *))dlsym(
		h, "nvmlDeviceGetMemoryInfo");
	unsigned int n = 0;
	if (!init || !count || !handle || !nvml.util || !nvml.mem || init() != 0 ||
	    count(&n) != 0)
		return 0; /* the library stays loaded: it is tried once */
	for (unsigned int i = 0; i < n && nvml.n < BT__GPU_MAX; i++)
		if (handle(i, &nvml.dev[nvml.n]) == 0)
			nvml.n++;
	return nvml.n;
}

static int nvml_read(void *ud, int i, double *util, double *mem)
{
	(void)ud;
	struct nvml_utilization u;
	struct nvml_memory m;
	if (i < 0 || i >= nvml.n || nvml.util(nvml.dev[i], &u) != 0 ||
	    nvml.mem(nvml.dev[i], &m) != 0)
		return -1;
	*util = u.gpu;
	*mem = (double)m.used;
	return 0;
}

const struct bt__gpu_source bt__gpu_nvml = { "nvml", nvml_open, nvml_read, NULL };

/* --- the summary ------------------------------------------------------ */

void bt__gpu_acc_add(struct bt__gpu_acc *a, double util, double mem)
{
	if (a->n == 0 || util > a->util_max)
		a->util_max = util;
	if (a->n == 0 || mem > a->mem_max)
		a->mem_max = mem;
	a->util_sum += util;
	a->mem_sum += mem;
	a->n++;
}

void bt__gpu_tick(struct bt__gpu_summary *s, const struct bt__gpu_source *src)
{
	double util = 0, mem = 0;
	int got = 0;
	for (int i = 0; i < s->n_gpus && i < BT__GPU_MAX; i++) {
		double u, m;
		if (src->read(src->ud, i, &u, &m) != 0)
			continue;
		bt__gpu_acc_add(&s->gpu[i], u, m);
		util += u;
		mem += m;
		got++;
	}
	if (got)
		bt__gpu_acc_add(&s->all, util / got, mem);
}

static int put(struct bt_counter *v, size_t *n, struct bt_run *run,
	       const char *prefix, const char *what, double value)
{
	v[*n].name = bt_run_printf(run, "%s_%s", prefix, what);
	v[*n].value = value;
	return v[(*n)++].name ? 0 : BT_ENOMEM;
}

static int put_acc(struct bt_counter *v, size_t *n, struct bt_run *run,
		   const char *prefix, const struct bt__gpu_acc *a)
{
	int rc = put(v, n, run, prefix, "utilization_mean", a->util_sum / (double)a->n);
	if (!rc)
		rc = put(v, n, run, prefix, "utilization_max", a->util_max);
	if (!rc)
		rc = put(v, n, run, prefix, "memory_used_mean", a->mem_sum / (double)a->n);
	if (!rc)
		rc = put(v, n, run, prefix, "memory_used_max", a->mem_max);
	return rc;
}

int bt__gpu_counters(struct bt_run *run, struct bt_result *r,
		     const struct bt__gpu_summary *s)
{
	if (s->all.n == 0)
		return 0;
	size_t max = r->n_counters + 5 + (s->n_gpus > 1 ? 4 * (size_t)s->n_gpus : 0);
	struct bt_counter *v = bt_run_alloc(run, max * sizeof *v);
	if (!v)
		return BT_ENOMEM;
	if (r->n_counters)
		memcpy(v, r->counters, r->n_counters * sizeof *v);
	size_t n = r->n_counters;
	int rc = put_acc(v, &n, run, "gpu", &s->all);
	if (!rc)
		rc = put(v, &n, run, "gpu", "samples", (double)s->all.n);
	for (int i = 0; !rc && s->n_gpus > 1 && i < s->n_gpus; i++) {
		char prefix[16];
		snprintf(prefix, sizeof prefix, "gpu%d", i);
		if (s->gpu[i].n)
			rc = put_acc(v, &n, run, prefix, &s->gpu[i]);
	}
	if (rc)
		return rc;
	r->counters = v;
	r->n_counters = n;
	return 0;
}

/* --- the thread ------------------------------------------------------- */

struct bt__gpu_sampler {
	const struct bt__gpu_source *src;
	double interval;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	struct bt__gpu_summary sum;
};

static void *sampler_main(void *arg)
{
	struct bt__gpu_sampler *sm = arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	long long ns = (long long)(sm->interval * 1e9);
	pthread_mutex_lock(&sm->mu);
	for (;;) {
		next.tv_sec += (time_t)(ns / 1000000000);
		next.tv_nsec += (long)(ns % 1000000000);
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		while (!sm->stop &&
		       pthread_cond_timedwait(&sm->cv, &sm->mu, &next) != ETIMEDOUT)
			;
		int stop = sm->stop;
		pthread_mutex_unlock(&sm->mu);
		bt__gpu_tick(&sm->sum, sm->src); /* the interval's, or stop's */
		pthread_mutex_lock(&sm->mu);
		if (stop)
			break;
	}
	pthread_mutex_unlock(&sm->mu);
	return NULL;
}

struct bt__gpu_sampler *bt__gpu_sampler_start(const struct bt__gpu_source *src,
					      int n_gpus, double interval_s)
{
	struct bt__gpu_sampler *sm = calloc(1, sizeof *sm);
	if (!sm)
		return NULL;
	sm->src = src;
	sm->interval = interval_s > 0 ? interval_s : BT_DEFAULT_GPU_SAMPLE_INTERVAL;
	sm->sum.n_gpus = n_gpus < BT__GPU_MAX ? n_gpus : BT__GPU_MAX;
	bt__gpu_tick(&sm->sum, src); /* the start, before the thread runs */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&sm->mu, NULL);
	pthread_cond_init(&sm->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* the thread takes no signal: they are the runner's (SIGINT
	 * forwarded, SIGCHLD) */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&sm->th, NULL, sampler_main, sm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&sm->cv);
		pthread_mutex_destroy(&sm->mu);
		free(sm);
		return NULL;
	}
	return sm;
}

void bt__gpu_sampler_stop(struct bt__gpu_sampler *sm, struct bt__gpu_summary *out)
{
	pthread_mutex_lock(&sm->mu);
	sm->stop = 1;
	pthread_cond_signal(&sm->cv);
	pthread_mutex_unlock(&sm->mu);
	pthread_join(sm->th, NULL);
	*out = sm->sum;
	pthread_cond_destroy(&sm->cv);
	pthread_mutex_destroy(&sm->mu);
	free(sm);
}
