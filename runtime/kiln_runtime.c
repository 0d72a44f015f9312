/* The kiln runtime (see kiln_runtime.h). Included by the generated model
 * source, so everything here is static. */
#include "kiln_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kiln_instance {
  const kiln_plan *plan;
  unsigned char *arena;
  halide_buffer_t *buffers;  /* one per plan argument */
  halide_dimension_t *dims;  /* storage for every buffer's dimensions */
  void **argv;               /* argv[i] = &buffers[i] */
  /* Aligned copies of a caller's inputs and outputs that are not 64-byte
   * aligned (made on the first run that needs them), and the host pointer
   * each input and output gets this run. */
  unsigned char *staging;
  const unsigned char **input_host;
  unsigned char **output_host;
  char error[512];
};

/* Halide reports kernel errors through one process-wide handler; kiln keeps
 * the last message of each thread so run() can attach it to its instance. */
static _Thread_local char kiln_last_halide_error[512];

static void kiln_halide_error_handler(void *user_context, const char *msg) {
  (void)user_context;
  snprintf(kiln_last_halide_error, sizeof kiln_last_halide_error, "%s", msg);
}

static int kiln_fail(kiln_instance *inst, int status, const char *fmt, const char *a,
                     const char *b) {
  if (inst) snprintf(inst->error, sizeof inst->error, fmt, a, b);
  return status;
}

static void kiln_instance_destroy(kiln_instance *inst) {
  if (!inst) return;
  free(inst->arena);
  free(inst->buffers);
  free(inst->dims);
  free(inst->argv);
  free(inst->staging);
  free((void *)inst->input_host);
  free(inst->output_host);
  free(inst);
}

static void *kiln_aligned_alloc(size_t bytes) {
  void *p = NULL;
  /* 64 bytes: a cache line and an AVX-512 vector. */
  if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
  return p;
}

/* Fills buffer i from the plan; host pointers of inputs and outputs are set
 * per run. */
static void kiln_init_buffer(kiln_instance *inst, int i, halide_dimension_t *dims) {
  const kiln_arg *a = &inst->plan->args[i];
  halide_buffer_t *b = &inst->buffers[i];
  int32_t stride = 1;
  memset(b, 0, sizeof *b);
  b->type.code = halide_type_float;
  b->type.bits = 32;
  b->type.lanes = 1;
  b->dimensions = a->rank;
  b->dim = dims;
  /* Halide's dimension 0 is the innermost: the last extent of the view. */
  for (int d = 0; d < a->rank; d++) {
    dims[d].min = 0;
    dims[d].extent = (int32_t)inst->plan->dims[a->dims_first + a->rank - 1 - d];
    dims[d].stride = stride;
    dims[d].flags = 0;
    stride *= dims[d].extent;
  }
  if (a->storage == KILN_ARENA) b->host = inst->arena + a->offset;
  if (a->storage == KILN_WEIGHTS) b->host = (uint8_t *)(inst->plan->weights + a->offset);
  inst->argv[i] = b;
}

static int kiln_instance_create(const kiln_plan *plan, kiln_instance **out) {
  if (!out) return KILN_ERROR_ARGUMENT;
  *out = NULL;
  halide_set_error_handler(kiln_halide_error_handler);
  kiln_instance *inst = (kiln_instance *)calloc(1, sizeof *inst);
  if (!inst) return KILN_ERROR_ALLOC;
  inst->plan = plan;
  int total_dims = 0;
  for (int i = 0; i < plan->num_args; i++) total_dims += plan->args[i].rank;
  inst->arena = (unsigned char *)kiln_aligned_alloc(plan->arena_bytes);
  inst->buffers = (halide_buffer_t *)calloc(plan->num_args ? plan->num_args : 1, sizeof(halide_buffer_t));
  inst->dims = (halide_dimension_t *)calloc(total_dims ? total_dims : 1, sizeof(halide_dimension_t));
  inst->argv = (void **)calloc(plan->num_args ? plan->num_args : 1, sizeof(void *));
  inst->input_host = (const unsigned char **)calloc(plan->num_inputs + 1, sizeof(void *));
  inst->output_host = (unsigned char **)calloc(plan->num_outputs + 1, sizeof(void *));
  if (!inst->arena || !inst->buffers || !inst->dims || !inst->argv || !inst->input_host ||
      !inst->output_host) {
    kiln_instance_destroy(inst);
    return KILN_ERROR_ALLOC;
  }
  halide_dimension_t *next = inst->dims;
  for (int i = 0; i < plan->num_args; i++) {
    kiln_init_buffer(inst, i, next);
    next += plan->args[i].rank;
  }
  *out = inst;
  return KILN_OK;
}

static double kiln_now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static size_t kiln_round_up_64(int64_t elements) {
  return ((size_t)elements * sizeof(float) + 63) / 64 * 64;
}

static int kiln_misaligned(const void *p) { return ((uintptr_t)p & 63) != 0; }

/* Picks the host pointer of every input and output for this run. Kernels may
 * use aligned vector loads and stores on whole tensors (LLVM turns some
 * full-mask predicated stores into aligned ones), so a caller's tensor that
 * is not 64-byte aligned goes through the instance's own aligned copy:
 * inputs are copied in here, outputs copied out after the run. */
static int kiln_stage_io(kiln_instance *inst, const float *const *inputs, float *const *outputs) {
  const kiln_plan *plan = inst->plan;
  size_t needed = 0;
  for (int i = 0; i < plan->num_inputs; i++)
    if (kiln_misaligned(inputs[i])) needed += kiln_round_up_64(plan->inputs[i].size);
  for (int k = 0; k < plan->num_outputs; k++)
    if (kiln_misaligned(outputs[k])) needed += kiln_round_up_64(plan->outputs[k].size);
  if (needed && !inst->staging) {
    size_t all = 0;
    for (int i = 0; i < plan->num_inputs; i++) all += kiln_round_up_64(plan->inputs[i].size);
    for (int k = 0; k < plan->num_outputs; k++) all += kiln_round_up_64(plan->outputs[k].size);
    inst->staging = (unsigned char *)kiln_aligned_alloc(all);
    if (!inst->staging)
      return kiln_fail(inst, KILN_ERROR_ALLOC, "run: out of memory for %s%s",
                       "aligned copies of the inputs and outputs", "");
  }
  unsigned char *next = inst->staging;
  for (int i = 0; i < plan->num_inputs; i++) {
    inst->input_host[i] = (const unsigned char *)inputs[i];
    if (!kiln_misaligned(inputs[i])) continue;
    memcpy(next, inputs[i], (size_t)plan->inputs[i].size * sizeof(float));
    inst->input_host[i] = next;
    next += kiln_round_up_64(plan->inputs[i].size);
  }
  for (int k = 0; k < plan->num_outputs; k++) {
    inst->output_host[k] = (unsigned char *)outputs[k];
    if (!kiln_misaligned(outputs[k])) continue;
    inst->output_host[k] = next;
    next += kiln_round_up_64(plan->outputs[k].size);
  }
  return KILN_OK;
}

static void kiln_copy_out(kiln_instance *inst, float *const *outputs) {
  const kiln_plan *plan = inst->plan;
  for (int k = 0; k < plan->num_outputs; k++)
    if (inst->output_host[k] != (unsigned char *)outputs[k])
      memcpy(outputs[k], inst->output_host[k], (size_t)plan->outputs[k].size * sizeof(float));
}

/* Runs every step in order. When step_seconds is not NULL it receives each
 * step's wall time (one clock read between steps, so the cost is a few tens
 * of nanoseconds per step). */
static int kiln_instance_run_timed(kiln_instance *inst, const float *const *inputs,
                                   float *const *outputs, double *step_seconds) {
  if (!inst) return KILN_ERROR_ARGUMENT;
  inst->error[0] = '\0';
  const kiln_plan *plan = inst->plan;
  /* A model without inputs (every output a constant) may take inputs NULL. */
  if ((!inputs && plan->num_inputs > 0) || !outputs)
    return kiln_fail(inst, KILN_ERROR_ARGUMENT, "run: %s is NULL", !outputs ? "outputs" : "inputs", "");
  for (int i = 0; i < plan->num_inputs; i++)
    if (!inputs[i]) return kiln_fail(inst, KILN_ERROR_ARGUMENT, "run: input '%s' is NULL%s", plan->inputs[i].name, "");
  /* An output without elements is never written: it may be NULL. */
  for (int i = 0; i < plan->num_outputs; i++)
    if (!outputs[i] && plan->outputs[i].size > 0) return kiln_fail(inst, KILN_ERROR_ARGUMENT, "run: output '%s' is NULL%s", plan->outputs[i].name, "");
  int staged = kiln_stage_io(inst, inputs, outputs);
  if (staged != KILN_OK) return staged;
  for (int i = 0; i < plan->num_args; i++) {
    const kiln_arg *a = &plan->args[i];
    if (a->storage == KILN_INPUT) inst->buffers[i].host = (uint8_t *)inst->input_host[a->index];
    if (a->storage == KILN_OUTPUT) inst->buffers[i].host = inst->output_host[a->index] + a->offset;
  }
  double last = step_seconds ? kiln_now_seconds() : 0.0;
  for (int s = 0; s < plan->num_steps; s++) {
    const kiln_step *step = &plan->steps[s];
    kiln_last_halide_error[0] = '\0';
    int rc = step->fn(inst->argv + step->first_arg);
    if (step_seconds) {
      double now = kiln_now_seconds();
      step_seconds[s] = now - last;
      last = now;
    }
    if (rc != 0) {
      char code[32];
      snprintf(code, sizeof code, "%d", rc);
      kiln_fail(inst, KILN_ERROR_KERNEL, "kernel for node '%s' failed (Halide error %s)", step->name, code);
      if (kiln_last_halide_error[0]) {
        size_t used = strlen(inst->error);
        snprintf(inst->error + used, sizeof inst->error - used, ": %s", kiln_last_halide_error);
      }
      return KILN_ERROR_KERNEL;
    }
  }
  kiln_copy_out(inst, outputs);
  return KILN_OK;
}

static int kiln_instance_run(kiln_instance *inst, const float *const *inputs,
                             float *const *outputs) {
  return kiln_instance_run_timed(inst, inputs, outputs, NULL);
}

static const char *kiln_status_string(int status) {
  switch (status) {
    case KILN_OK: return "ok";
    case KILN_ERROR_ALLOC: return "out of memory";
    case KILN_ERROR_ARGUMENT: return "invalid argument";
    case KILN_ERROR_KERNEL: return "a kernel failed";
    case KILN_ERROR_FILE: return "a file could not be read or written";
  }
  return "unknown status";
}

/* Points every weights argument of `inst` at `weights` instead of the
 * library's read-only copy: a training library gives each model one
 * mutable copy, shared by its inference and training plans. */
static void kiln_instance_use_weights(kiln_instance *inst, unsigned char *weights) {
  for (int i = 0; i < inst->plan->num_args; i++)
    if (inst->plan->args[i].storage == KILN_WEIGHTS)
      inst->buffers[i].host = weights + inst->plan->args[i].offset;
}
