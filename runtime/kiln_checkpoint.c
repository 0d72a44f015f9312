/* Checkpoints of a training library in kiln's weights-file format
 * (docs/spec.md, "The weights file"; docs/training.md, "Checkpoints").
 *
 * Included by the model source of a training library after kiln_runtime.c,
 * so everything here is static. A checkpoint holds every tensor of the
 * weights blob by name: the model's parameters, the optimizer state and the
 * step counter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One tensor of the weights blob. */
typedef struct {
  const char *name;
  int32_t rank;
  const int64_t *shape;
  int64_t offset; /* bytes into the weights blob */
  int64_t numel;
  int32_t model_param; /* 1: a parameter of the model, 0: training state */
} kiln_ckpt_tensor;

static void kiln_put_le(unsigned char *p, uint64_t v, int bytes) {
  for (int k = 0; k < bytes; k++) p[k] = (unsigned char)(v >> (8 * k));
}

static uint64_t kiln_get_le(const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int k = 0; k < bytes; k++) v |= (uint64_t)p[k] << (8 * k);
  return v;
}

static int kiln_write_all(FILE *f, const void *data, size_t n) {
  return fwrite(data, 1, n, f) == n;
}

/* Writes the checkpoint to `path + ".tmp.<pid>"`, then renames it over
 * `path`: a failed save leaves any existing checkpoint as it was. */
static int kiln_checkpoint_save(kiln_instance *inst, const kiln_ckpt_tensor *t, int count,
                                const unsigned char *weights, const char *path) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
    return kiln_fail(inst, KILN_ERROR_FILE, "save_checkpoint: the path is too long%s%s", "", "");
  FILE *f = fopen(tmp, "wb");
  if (!f)
    return kiln_fail(inst, KILN_ERROR_FILE, "save_checkpoint: cannot create %s: %s", tmp,
                     strerror(errno));
  unsigned char head[16], buf[4096];
  memcpy(head, "KILNWTS1", 8);
  kiln_put_le(head + 8, (uint64_t)count, 4);
  int ok = kiln_write_all(f, head, 12);
  for (int i = 0; ok && i < count; i++) {
    size_t len = strlen(t[i].name);
    kiln_put_le(buf, len, 4);
    ok = kiln_write_all(f, buf, 4) && kiln_write_all(f, t[i].name, len);
    kiln_put_le(buf, 0, 4); /* float32 */
    kiln_put_le(buf + 4, (uint64_t)t[i].rank, 4);
    for (int d = 0; d < t[i].rank; d++) kiln_put_le(buf + 8 + 8 * d, (uint64_t)t[i].shape[d], 8);
    ok = ok && kiln_write_all(f, buf, 8 + 8 * (size_t)t[i].rank);
    /* Float data byte by byte (little-endian whatever the host), in chunks. */
    const unsigned char *src = weights + t[i].offset;
    for (int64_t k = 0; ok && k < t[i].numel; k += 1024) {
      int64_t n = t[i].numel - k < 1024 ? t[i].numel - k : 1024;
      for (int64_t j = 0; j < n; j++) {
        uint32_t bits;
        memcpy(&bits, src + 4 * (k + j), 4);
        kiln_put_le(buf + 4 * j, bits, 4);
      }
      ok = kiln_write_all(f, buf, 4 * (size_t)n);
    }
  }
  if (fclose(f) != 0) ok = 0;
  if (!ok) {
    int e = errno;
    remove(tmp);
    return kiln_fail(inst, KILN_ERROR_FILE, "save_checkpoint: writing %s failed: %s", path,
                     strerror(e));
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    remove(tmp);
    return kiln_fail(inst, KILN_ERROR_FILE, "save_checkpoint: cannot rename onto %s: %s", path,
                     strerror(e));
  }
  return KILN_OK;
}

/* Reads a whole file; NULL on failure (errno set). */
static unsigned char *kiln_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char *data = NULL;
  size_t used = 0, cap = 0;
  for (;;) {
    if (used == cap) {
      cap = cap ? 2 * cap : 1 << 16;
      unsigned char *grown = (unsigned char *)realloc(data, cap);
      if (!grown) break;
      data = grown;
    }
    size_t n = fread(data + used, 1, cap - used, f);
    used += n;
    if (n == 0) {
      if (ferror(f)) break;
      fclose(f);
      *size = used;
      return data;
    }
  }
  free(data);
  fclose(f);
  return NULL;
}

/* Loads a checkpoint into `weights` (weights_bytes long), all or nothing.
 * Every model parameter must be in the file with its shape; training state
 * missing from the file (a weights file of the inference model, written by
 * `kiln export-weights`) keeps its current value; a tensor the library does
 * not have is an error. */
static int kiln_checkpoint_load(kiln_instance *inst, const kiln_ckpt_tensor *t, int count,
                                unsigned char *weights, size_t weights_bytes, const char *path) {
  size_t size = 0;
  unsigned char *file = kiln_read_file(path, &size);
  if (!file)
    return kiln_fail(inst, KILN_ERROR_FILE, "load_checkpoint: cannot read %s: %s", path,
                     strerror(errno));
  unsigned char *next = (unsigned char *)malloc(weights_bytes ? weights_bytes : 1);
  unsigned char *seen = (unsigned char *)calloc(count ? (size_t)count : 1, 1);
  int rc = KILN_OK;
  char what[300] = "";
  if (!next || !seen) {
    rc = KILN_ERROR_ALLOC;
    snprintf(what, sizeof what, "out of memory");
    goto done;
  }
  memcpy(next, weights, weights_bytes);
  size_t pos = 12;
  if (size < 12 || memcmp(file, "KILNWTS1", 8) != 0) {
    snprintf(what, sizeof what, "not a kiln weights file (no \"KILNWTS1\" header)");
    goto bad;
  }
  uint32_t tensors = (uint32_t)kiln_get_le(file + 8, 4);
  for (uint32_t i = 0; i < tensors; i++) {
    if (size - pos < 4) goto truncated;
    uint32_t len = (uint32_t)kiln_get_le(file + pos, 4);
    pos += 4;
    if (size - pos < (size_t)len + 8) goto truncated;
    const char *name = (const char *)file + pos;
    pos += len;
    int k = 0;
    while (k < count && !(strlen(t[k].name) == len && memcmp(t[k].name, name, len) == 0)) k++;
    if (k == count) {
      snprintf(what, sizeof what, "the file holds '%.*s', which this library does not have",
               (int)(len < 200 ? len : 200), name);
      goto bad;
    }
    if (seen[k]) {
      snprintf(what, sizeof what, "'%s' appears twice", t[k].name);
      goto bad;
    }
    seen[k] = 1;
    uint32_t dtype = (uint32_t)kiln_get_le(file + pos, 4),
             rank = (uint32_t)kiln_get_le(file + pos + 4, 4);
    pos += 8;
    if (dtype != 0) {
      snprintf(what, sizeof what, "'%s' has dtype %u; only float32 (0) is read", t[k].name, dtype);
      goto bad;
    }
    if (rank > 8 || size - pos < 8 * (size_t)rank) goto truncated;
    int same = (int32_t)rank == t[k].rank;
    for (uint32_t d = 0; d < rank; d++)
      if (same && (int64_t)kiln_get_le(file + pos + 8 * d, 8) != t[k].shape[d]) same = 0;
    pos += 8 * (size_t)rank;
    if (!same) {
      snprintf(what, sizeof what, "'%s' has another shape in the file than in the library",
               t[k].name);
      goto bad;
    }
    if ((size - pos) / 4 < (size_t)t[k].numel) goto truncated;
    for (int64_t j = 0; j < t[k].numel; j++) {
      uint32_t bits = (uint32_t)kiln_get_le(file + pos + 4 * j, 4);
      memcpy(next + t[k].offset + 4 * j, &bits, 4);
    }
    pos += 4 * (size_t)t[k].numel;
  }
  if (pos != size) {
    snprintf(what, sizeof what, "%zu unexpected bytes after the last tensor", size - pos);
    goto bad;
  }
  for (int k = 0; k < count; k++)
    if (t[k].model_param && !seen[k]) {
      snprintf(what, sizeof what, "the model's parameter '%s' is missing", t[k].name);
      goto bad;
    }
  memcpy(weights, next, weights_bytes);
  goto done;
truncated:
  snprintf(what, sizeof what, "the file is truncated or damaged");
bad:
  rc = KILN_ERROR_FILE;
done:
  if (rc != KILN_OK) kiln_fail(inst, rc, "load_checkpoint: %s: %s", path, what);
  free(file);
  free(next);
  free(seen);
  return rc;
}
