/* What the runner's files share beyond lib/internal.h (internal to
 * lib/run/ and tests): presets and the GPU sampler. */
#ifndef BENCHTRACK_RUNINT_H
#define BENCHTRACK_RUNINT_H

#include <stddef.h>

#include "internal.h"

/* 1 when name is one of the comma-separated names of list (spaces around
 * them ignored), else 0 (also for a NULL list). */
int bt__preset_in_list(const char *list, const char *name);

/* --- the GPU sampler (lib/run/gpu.c) --------------------------------- */

#define BT__GPU_MAX 64 /* GPUs sampled at most */

/* Where samples come from: NVML (bt__gpu_nvml) or, in tests, a fake.
 * open (called by bt_plan_run before the cases) returns the number of
 * GPUs (0 or less: none, or no library); read (called from the sampler's
 * thread) fills the utilization of GPU i in percent and its memory used
 * in bytes and returns 0, or -1 when it could not be read (the sample of
 * that GPU is dropped). name is the run's config.gpu_monitoring when
 * open finds GPUs. */
struct bt__gpu_source {
	const char *name;
	int (*open)(void *ud);
	int (*read)(void *ud, int i, double *util_pct, double *mem_bytes);
	void *ud;
};

/* The NVML source: libnvidia-ml.so.1 through dlopen, opened (nvmlInit_v2)
 * once per process; open gives 0 when the library or a symbol is
 * missing or it finds no GPU. Never a build dependency. */
extern const struct bt__gpu_source bt__gpu_nvml;

/* Running summary of one series of samples. */
struct bt__gpu_acc {
	size_t n;
	double util_sum, util_max, mem_sum, mem_max;
};

/* What one case's samples come to: per GPU, and per tick over all GPUs
 * (utilization the mean of the GPUs read, memory their sum). */
struct bt__gpu_summary {
	int n_gpus;
	struct bt__gpu_acc all;
	struct bt__gpu_acc gpu[BT__GPU_MAX];
};

void bt__gpu_acc_add(struct bt__gpu_acc *a, double util, double mem);

/* One tick: reads every GPU of src into s. */
void bt__gpu_tick(struct bt__gpu_summary *s, const struct bt__gpu_source *src);

/* Adds the counters of s to r (allocated in run): gpu_utilization_mean,
 * gpu_utilization_max (percent), gpu_memory_used_mean, gpu_memory_used_max
 * (bytes), gpu_samples, and with more than one GPU the same per GPU
 * ("gpu1_utilization_mean", ...). Nothing when s has no sample. Returns 0
 * or BT_ENOMEM. */
int bt__gpu_counters(struct bt_run *run, struct bt_result *r,
		     const struct bt__gpu_summary *s);

/* A sampler: a tick at once (in the caller's thread), then a thread that
 * ticks every interval_s and once more at stop, so at least two ticks
 * per case. start returns NULL when the thread cannot be made (then there is
 * no sample). stop joins it, fills *out and frees it. */
struct bt__gpu_sampler;
struct bt__gpu_sampler *bt__gpu_sampler_start(const struct bt__gpu_source *src,
					      int n_gpus, double interval_s);
void bt__gpu_sampler_stop(struct bt__gpu_sampler *sm, struct bt__gpu_summary *out);

/* The source bt_plan_run uses (NULL: bt__gpu_nvml); tests set a fake. */
extern const struct bt__gpu_source *bt__gpu_source_override;

#endif
