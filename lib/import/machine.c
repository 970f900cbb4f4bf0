/* A hardware object of a foreign format as the run's machine
 * (bt__imp_machine, import.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "internal.h"

/* --- hardware ------------------------------------------------------------ */

/* A memory size in bytes: a number with the scale its key gave (scale >
 * 0), a bare number (below 2048: GiB, below 2^24: MiB, else bytes) or a
 * string "64 GB". -1 when not understood. */
static int64_t mem_bytes(const json_t *v, double scale)
{
	double x;
	if (json_is_number(v)) {
		x = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		x = strtod(s, &end);
		if (end == s)
			return -1;
		while (isspace((unsigned char)*end))
			end++;
		char low[16];
		size_t n = 0;
		for (; end[n] && n + 1 < sizeof low; n++)
			low[n] = (char)tolower((unsigned char)end[n]);
		low[n] = '\0';
		if (*low) {
			scale = bt__imp_mem_unit(low);
			if (scale == 0 && !strcmp(low, "g"))
				scale = 1073741824.0;
			if (scale == 0 && !strcmp(low, "m"))
				scale = 1048576.0;
			if (scale == 0)
				return -1;
		}
	} else {
		return -1;
	}
	if (scale <= 0)
		scale = x < 2048 ? 1073741824.0 : x < 16777216 ? 1048576.0 : 1;
	double y = x * scale;
	if (!(y >= 0) || y > 9.2e18)
		return -1;
	return (int64_t)llround(y);
}

/* The scale a key's unit word gives a memory size, 0 when none. */
static double key_mem_scale(const char *key)
{
	char w[BT__IMP_MAX_WORDS][32];
	size_t n = bt__imp_split_words(key, w);
	for (size_t i = 0; i < n; i++)
		if (bt__imp_mem_unit(w[i]) > 0 && strcmp(w[i], "b"))
			return bt__imp_mem_unit(w[i]);
	return 0;
}

static int key_has(const char *key, const char *const *words)
{
	char w[BT__IMP_MAX_WORDS][32];
	size_t n = bt__imp_split_words(key, w);
	for (size_t i = 0; i < n; i++)
		if (bt__imp_in_list(w[i], words))
			return 1;
	return 0;
}

enum hw_ctx { CTX_NONE, CTX_CPU, CTX_GPU };

struct hw {
	struct bt_run *run;
	struct bt_gpu gpus[64];
	size_t n_gpus;
	long gpu_count;
	int64_t gpu_mem;
	const char *driver;
	int oom;
	enum hw_ctx ctx;      /* what the last CPU or GPU key described */
	int64_t plain_mem;    /* a bare "memory*" key, -1 none */
	enum hw_ctx plain_ctx; /* ctx when it came */
};

static const char *hw_str(struct hw *h, const json_t *v)
{
	if (!json_is_string(v) || !*json_string_value(v))
		return NULL;
	const char *s = bt_run_strdup(h->run, json_string_value(v));
	if (!s)
		h->oom = 1;
	return s;
}

static int hw_int(const json_t *v, int *out)
{
	if (!json_is_number(v))
		return -1;
	double x = json_number_value(v);
	if (!(x >= 1 && x < 1e7) || x != floor(x))
		return -1;
	*out = (int)x;
	return 0;
}

static void hw_gpu(struct hw *h, const json_t *v)
{
	static const char *const count_keys[] = { "count", "gpu_count", "num_gpus",
		"n_gpus", NULL };
	if (h->n_gpus >= 64)
		return;
	struct bt_gpu *g = &h->gpus[h->n_gpus];
	g->memory_bytes = -1;
	if (json_is_string(v)) {
		g->name = hw_str(h, v);
		h->n_gpus++;
		return;
	}
	if (!json_is_object(v))
		return;
	const char *key;
	json_t *x;
	int count = 0;
	json_object_foreach((json_t *)v, key, x) {
		static const char *const mem_w[] = { "memory", "mem", "vram", NULL };
		if (!strcmp(key, "name") || !strcmp(key, "model") ||
		    !strcmp(key, "gpu_name") || !strcmp(key, "gpu_model") ||
		    !strcmp(key, "product"))
			g->name = g->name ? g->name : hw_str(h, x);
		else if (strstr(key, "driver"))
			g->driver = g->driver ? g->driver : hw_str(h, x);
		else if (bt__imp_in_list(key, count_keys))
			hw_int(x, &count);
		else if (key_has(key, mem_w) && g->memory_bytes < 0 &&
			 !strstr(key, "used") && !strstr(key, "free"))
			g->memory_bytes = mem_bytes(x, key_mem_scale(key));
	}
	h->n_gpus++;
	for (int i = 1; i < count && h->n_gpus < 64; i++)
		h->gpus[h->n_gpus++] = *g;
}

static void hw_object(struct hw *h, const json_t *o, int in_cpu);

static void hw_member(struct hw *h, const char *key, const json_t *v, int in_cpu)
{
	static const char *const cpu_model[] = { "cpu_model", "cpu_name",
		"cpu_brand", "cpu_type", "processor", "processor_name",
		"cpu_brand_raw", NULL };
	static const char *const cores[] = { "cpu_count", "cpu_cores", "num_cpus",
		"n_cpus", "cores", "logical_cores", "nproc", "cpu_logical_cores",
		"num_cores", "cpu_threads", "threads", "count", NULL };
	static const char *const phys[] = { "physical_cores", "cpu_physical_cores",
		NULL };
	static const char *const gpu_keys[] = { "gpu", "gpus", "gpu_name",
		"gpu_names", "gpu_model", "gpu_type", "gpu_info", "devices",
		"accelerator", "accelerators", NULL };
	static const char *const gpu_count[] = { "gpu_count", "num_gpus",
		"n_gpus", "gpu_number", NULL };
	static const char *const names[] = { "hostname", "host", "node",
		"node_name", "machine_name", "host_name", NULL };
	static const char *const oses[] = { "os", "platform", "system", "os_name",
		"distro", "os_version", NULL };
	static const char *const kernels[] = { "kernel", "os_release",
		"kernel_version", NULL };
	static const char *const arches[] = { "arch", "architecture", "machine",
		"cpu_arch", NULL };
	static const char *const mem_w[] = { "memory", "mem", "ram", NULL };
	static const char *const gpu_w[] = { "gpu", "gpus", "cuda", "device", NULL };
	struct bt_machine *m = &h->run->machine;
	char low[64];
	snprintf(low, sizeof low, "%s", key);
	for (char *c = low; *c; c++)
		*c = (char)tolower((unsigned char)*c);

	if (!strcmp(low, "cpu") && json_is_object(v)) {
		hw_object(h, v, 1);
		h->ctx = CTX_CPU;
	} else if ((!strcmp(low, "cpu") || bt__imp_in_list(low, cpu_model) ||
		    (in_cpu && (!strcmp(low, "model") || !strcmp(low, "name") ||
				!strcmp(low, "brand")))) && json_is_string(v)) {
		if (!m->cpu_model)
			m->cpu_model = hw_str(h, v);
		h->ctx = CTX_CPU;
	} else if (bt__imp_in_list(low, cores) && (in_cpu || strcmp(low, "count") != 0)) {
		hw_int(v, &m->cpu_cores);
		h->ctx = CTX_CPU;
	} else if (bt__imp_in_list(low, phys)) {
		hw_int(v, &m->cpu_physical_cores);
		h->ctx = CTX_CPU;
	} else if (strstr(low, "mhz") || strstr(low, "ghz") ||
		   (in_cpu && strstr(low, "freq"))) {
		if (json_is_number(v) && json_number_value(v) > 0)
			m->cpu_mhz = json_number_value(v) * (strstr(low, "ghz") ? 1000 : 1);
		h->ctx = CTX_CPU;
	} else if (bt__imp_in_list(low, gpu_keys)) {
		h->ctx = CTX_GPU;
		if (json_is_array(v)) {
			for (size_t i = 0; i < json_array_size(v); i++)
				hw_gpu(h, json_array_get(v, i));
		} else {
			hw_gpu(h, v);
		}
	} else if (bt__imp_in_list(low, gpu_count)) {
		int n = 0;
		if (!hw_int(v, &n))
			h->gpu_count = n;
		h->ctx = CTX_GPU;
	} else if (key_has(low, gpu_w) && key_has(low, mem_w)) {
		if (!strstr(low, "used") && !strstr(low, "free") && h->gpu_mem < 0)
			h->gpu_mem = mem_bytes(v, key_mem_scale(low));
		h->ctx = CTX_GPU;
	} else if (strstr(low, "driver")) {
		if (!h->driver)
			h->driver = hw_str(h, v);
		h->ctx = CTX_GPU;
	} else if (key_has(low, mem_w) && !in_cpu) {
		static const char *const host_w[] = { "ram", "host", "system", "sys",
			"cpu", NULL };
		if (strstr(low, "used") || strstr(low, "free") || strstr(low, "avail"))
			return;
		if (key_has(low, host_w)) {
			if (m->memory_bytes < 0)
				m->memory_bytes = mem_bytes(v, key_mem_scale(low));
		} else if (h->plain_mem < 0) {
			/* "memory_gb": the host's or a GPU's, settled in
			 * bt__imp_machine by what came before it */
			h->plain_mem = mem_bytes(v, key_mem_scale(low));
			h->plain_ctx = h->ctx;
		}
	} else if (!in_cpu && key_has(low, gpu_w)) {
		h->ctx = CTX_GPU; /* cuda_version, device_name, ... */
	} else if (bt__imp_in_list(low, names)) {
		if (!m->name)
			m->name = hw_str(h, v);
	} else if (bt__imp_in_list(low, oses)) {
		if (!m->os)
			m->os = hw_str(h, v);
	} else if (bt__imp_in_list(low, kernels)) {
		if (!m->kernel)
			m->kernel = hw_str(h, v);
	} else if (bt__imp_in_list(low, arches)) {
		if (!m->arch)
			m->arch = hw_str(h, v);
	}
}

static void hw_object(struct hw *h, const json_t *o, int in_cpu)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
		hw_member(h, key, v, in_cpu);
}

/* Fills run->machine from a hardware object (NULL: nothing known). */
int bt__imp_machine(struct bt_run *run, const json_t *hwo)
{
	struct hw h;
	memset(&h, 0, sizeof h);
	h.run = run;
	h.gpu_mem = -1;
	h.plain_mem = -1;
	if (json_is_object(hwo))
		hw_object(&h, hwo, 0);
	if (h.oom)
		return BT_ENOMEM;
	if (h.plain_mem >= 0) {
		/* a bare memory key right after the GPU's keys, with no GPU
		 * memory given otherwise, is the GPU's ({"gpu": "A100",
		 * "memory_gb": 80}); else the host's */
		int gpu_has_mem = h.gpu_mem >= 0;
		for (size_t i = 0; i < h.n_gpus; i++)
			gpu_has_mem |= h.gpus[i].memory_bytes >= 0;
		if (h.plain_ctx == CTX_GPU && (h.n_gpus || h.gpu_count > 0) && !gpu_has_mem)
			h.gpu_mem = h.plain_mem;
		else if (run->machine.memory_bytes < 0)
			run->machine.memory_bytes = h.plain_mem;
	}
	for (size_t i = h.n_gpus; (long)i < h.gpu_count && i < 64; i++) {
		h.gpus[i] = h.n_gpus ? h.gpus[0] : (struct bt_gpu){ NULL, -1, NULL };
		h.n_gpus = i + 1;
	}
	struct bt_machine *m = &run->machine;
	if (h.n_gpus) {
		m->gpus = bt_run_alloc(run, h.n_gpus * sizeof *m->gpus);
		if (!m->gpus)
			return BT_ENOMEM;
		for (size_t i = 0; i < h.n_gpus; i++) {
			m->gpus[i] = h.gpus[i];
			if (m->gpus[i].memory_bytes < 0)
				m->gpus[i].memory_bytes = h.gpu_mem;
			if (!m->gpus[i].driver)
				m->gpus[i].driver = h.driver;
		}
		m->n_gpus = h.n_gpus;
	}
	int known = m->cpu_model || m->cpu_cores > 0 || m->memory_bytes >= 0 ||
		    m->n_gpus;
	char fp[17];
	if (known)
		bt__machine_fingerprint(m, fp);
	m->fingerprint = bt_run_strdup(run, known ? fp : "unknown");
	return m->fingerprint ? 0 : BT_ENOMEM;
}
