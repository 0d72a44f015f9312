/* A plain C application using the generated LeNet-5 library: it needs only
 * lenet5.h and liblenet5.so (or liblenet5.a with -lpthread -ldl -lm).
 *
 *   lenet5_app INPUT.f32   (1x1x32x32 float32, row-major, little-endian)
 *
 * Prints the 10 logits, the predicted class and the median latency. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lenet5.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s INPUT.f32\n", argv[0]);
    return 2;
  }
  int64_t in_size = lenet5_input_size(0), out_size = lenet5_output_size(0);
  float *input = malloc(in_size * sizeof(float)), *logits = malloc(out_size * sizeof(float));
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(input, sizeof(float), in_size, f) != (size_t)in_size) {
    fprintf(stderr, "%s: expected %lld float32 values\n", argv[1], (long long)in_size);
    return 1;
  }
  fclose(f);

  lenet5_model *model = NULL;
  int rc = lenet5_create(&model);
  if (rc != lenet5_OK) {
    fprintf(stderr, "lenet5_create: %s\n", lenet5_status_string(rc));
    return 1;
  }
  const float *inputs[] = {input};
  float *outputs[] = {logits};
  enum { RUNS = 200 };
  double times[RUNS];
  for (int r = -10; r < RUNS; r++) { /* 10 warm-up runs */
    double start = now_ms();
    if ((rc = lenet5_run(model, inputs, outputs)) != lenet5_OK) {
      fprintf(stderr, "lenet5_run: %s\n", lenet5_error_message(model));
      return 1;
    }
    if (r >= 0) times[r] = now_ms() - start;
  }
  qsort(times, RUNS, sizeof times[0], compare_doubles);

  int best = 0;
  printf("input %s: %s [%lld values]\n", lenet5_input_name(0), argv[1], (long long)in_size);
  printf("output %s:", lenet5_output_name(0));
  for (int k = 0; k < out_size; k++) {
    printf(" %.5f", logits[k]);
    if (logits[k] > logits[best]) best = k;
  }
  printf("\npredicted class: %d (random weights: the class means nothing yet)\n", best);
  printf("latency: %.4f ms median of %d runs (arena %zu bytes)\n", times[RUNS / 2], RUNS,
         lenet5_arena_bytes());
  lenet5_destroy(model);
  free(input);
  free(logits);
  return 0;
}
