/* The kiln runtime: runs a compiled model's execution plan.
 *
 * This file is internal to each generated library: kiln writes it next to
 * the generated model source, which includes kiln_runtime.c directly so every
 * runtime function is static and only the model's own API is exported.
 * Plain C99; depends on Halide's HalideRuntime.h for halide_buffer_t only. */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "HalideRuntime.h"

/* Status codes; the generated header re-exports them with the model's prefix. */
enum {
  KILN_OK = 0,
  KILN_ERROR_ALLOC = 1,    /* out of memory */
  KILN_ERROR_ARGUMENT = 2, /* a NULL or otherwise invalid argument */
  KILN_ERROR_KERNEL = 3,   /* a kernel reported an error (see the message) */
  KILN_ERROR_FILE = 4      /* a checkpoint could not be read or written (training libraries) */
};

/* A kernel's entry point: Halide's argv form, one halide_buffer_t* per arg. */
typedef int (*kiln_kernel_fn)(void **args);

/* Where an argument's memory lives. */
enum { KILN_ARENA = 0, KILN_WEIGHTS = 1, KILN_INPUT = 2, KILN_OUTPUT = 3 };

/* One kernel argument: a tensor's memory seen through the kernel's view. */
typedef struct {
  int32_t storage;     /* KILN_ARENA, KILN_WEIGHTS, KILN_INPUT or KILN_OUTPUT */
  int32_t index;       /* graph input / output index for KILN_INPUT / KILN_OUTPUT */
  int64_t offset;      /* byte offset into the arena, the weights or the output */
  int32_t rank;        /* rank of the view */
  int32_t dims_first;  /* first of `rank` extents in kiln_plan.dims, outermost first */
} kiln_arg;

/* One step: a kernel call over a run of arguments (inputs, then outputs). */
typedef struct {
  const char *name; /* the graph node, for error messages */
  kiln_kernel_fn fn;
  int32_t first_arg;
  int32_t num_args;
} kiln_step;

typedef struct {
  const char *name;
  int32_t rank;
  const int64_t *shape;
  int64_t size; /* elements */
} kiln_tensor_info;

typedef struct {
  const kiln_step *steps;
  int32_t num_steps;
  const kiln_arg *args;
  int32_t num_args;
  const int64_t *dims;
  const unsigned char *weights;
  size_t arena_bytes;
  const kiln_tensor_info *inputs;
  int32_t num_inputs;
  const kiln_tensor_info *outputs;
  int32_t num_outputs;
} kiln_plan;

typedef struct kiln_instance kiln_instance;

#endif /* KILN_RUNTIME_H */
