/* A reader of safetensors files (the format of Hugging Face's weights):
 *
 *     8 bytes     N, the header's length, unsigned little-endian
 *     N bytes     a JSON object: for each tensor NAME,
 *                 {"dtype": "F32", "shape": [d0, ...],
 *                  "data_offsets": [begin, end]}
 *                 offsets relative to the data section; optional
 *                 "__metadata__": {string: string}; may end in spaces
 *     the rest    the data section: the tensors' bytes, little-endian
 *
 * st_open maps the file (mmap, read only) and validates all of it before
 * returning: N within 2..ST_MAX_HEADER and within the file, the header a
 * well-formed JSON object without duplicate keys, every tensor of dtype
 * F32 (the only dtype the inference suite reads) with a shape of at most
 * ST_MAX_DIMS non-negative dimensions, offsets ordered, 4-byte aligned,
 * inside the data section, with end - begin == prod(shape) * 4, and the
 * tensors covering the data section exactly: no overlap, no hole, no
 * trailing bytes (the format forbids holes; a truncated file shows up as
 * a tensor reaching past the end of the data). Every error message names
 * the file and, when one is concerned, the tensor, then what is wrong.
 *
 * The tensors' data is used in place (st_tensor.data): the host is assumed
 * to be little-endian, as the format is. Nothing here prints or exits. Functions return 0 or -1 with the message
 * in err (errlen bytes, always terminated).
 */
#ifndef INFER_SAFETENSORS_H
#define INFER_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8
/* Largest header accepted (the reference reader's limit is 100 MB). */
#define ST_MAX_HEADER (100u * 1000u * 1000u)

struct st_tensor {
	char *name;                 /* owned */
	int ndim;
	int64_t shape[ST_MAX_DIMS];
	uint64_t begin, end;        /* byte offsets in the data section */
	const float *data;          /* into the mapping (or the buffer) */
};

struct st_file {
	char *path;                 /* owned copy, for messages */
	void *map;                  /* the mapping, NULL for st_parse */
	size_t map_size;
	uint64_t header_len;
	const unsigned char *data;  /* the data section */
	uint64_t data_size;
	struct st_tensor *tensors;  /* owned, sorted by begin */
	size_t n_tensors;
};

/* Maps and validates path. On error f is left empty (st_close is then a
 * no-op but harmless). */
int st_open(struct st_file *f, const char *path, char *err, size_t errlen);

/* Validates a file image already in memory (size bytes at buf, which must
 * stay valid and be 4-byte aligned); path is only used in messages. */
int st_parse(struct st_file *f, const void *buf, size_t size,
	     const char *path, char *err, size_t errlen);

/* The tensor called name, or NULL. */
const struct st_tensor *st_find(const struct st_file *f, const char *name);

/* The data of tensor name after checking it has exactly the ndim
 * dimensions in shape; -1 with "FILE: tensor 'NAME': missing" or "...
 * shape [a, b] where the config needs [c, d]". */
int st_expect(const struct st_file *f, const char *name, int ndim,
	      const int64_t *shape, const float **out, char *err,
	      size_t errlen);

/* Unmaps and frees; f becomes empty. */
void st_close(struct st_file *f);

/* Formats the message into err (errlen bytes); returns -1. For the
 * loaders that build on this reader (model.c). */
int st_errorf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
