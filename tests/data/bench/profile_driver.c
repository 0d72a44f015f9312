/* A C program that uses a generated library's profiling API through its
 * header only (tests/bench_test.cpp). Built with -DMODEL=name
 * -DMODEL_HEADER="name.h". Runs the model plainly and profiled on the same
 * inputs, checks that the outputs agree exactly and that a NULL timing array
 * is refused, and prints one line per step: "step I NAME SECONDS". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_HEADER

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define API(x) CAT(MODEL, x)

static float *filled(int64_t n, float value) {
  float *p = (float *)malloc((size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; i++) p[i] = value * (float)(i % 7);
  return p;
}

int main(void) {
  API(model) *m = NULL;
  if (API(create)(&m) != API(OK)) return 1;
  const float *inputs[16];
  float *plain[16], *profiled[16];
  for (int i = 0; i < API(num_inputs)(); i++) inputs[i] = filled(API(input_size)(i), 0.1f);
  for (int i = 0; i < API(num_outputs)(); i++) {
    plain[i] = filled(API(output_size)(i), 0.0f);
    profiled[i] = filled(API(output_size)(i), 0.0f);
  }
  int steps = API(num_steps)();
  double *seconds = (double *)calloc((size_t)steps + 1, sizeof(double));
  if (API(run)(m, inputs, plain) != API(OK)) return 2;
  if (API(run_profiled)(m, inputs, profiled, seconds) != API(OK)) return 3;
  if (API(run_profiled)(m, inputs, profiled, NULL) != API(ERROR_ARGUMENT)) return 4;
  if (API(step_name)(-1) != NULL || API(step_name)(steps) != NULL) return 5;
  for (int i = 0; i < API(num_outputs)(); i++)
    if (memcmp(plain[i], profiled[i], (size_t)API(output_size)(i) * sizeof(float)) != 0) return 6;
  for (int s = 0; s < steps; s++) printf("step %d %s %.9f\n", s, API(step_name)(s), seconds[s]);
  API(destroy)(m);
  return 0;
}
