/* A generic C driver for any generated library, used by the end-to-end
 * tests. Built with -DMODEL=name -DMODEL_HEADER="name.h" and only the
 * library's header and library.
 *
 *   driver INPUTS.f32 OUTPUTS.f32
 *
 * INPUTS.f32 holds every input, one after another (raw float32). The model
 * runs on two instances in two threads; their outputs must agree exactly,
 * then they are written one after another to OUTPUTS.f32. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_HEADER

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define API(x) CAT(MODEL, x)

typedef struct {
  const float **inputs;
  float **outputs;
  int status;
  char message[512];
} job;

static void *run_job(void *arg) {
  job *j = (job *)arg;
  API(model) *m = NULL;
  j->status = API(create)(&m);
  if (j->status != 0) {
    snprintf(j->message, sizeof j->message, "create: %s", API(status_string)(j->status));
    return NULL;
  }
  for (int r = 0; r < 3 && j->status == 0; r++) j->status = API(run)(m, j->inputs, j->outputs);
  if (j->status != 0) snprintf(j->message, sizeof j->message, "run: %s", API(error_message)(m));
  API(destroy)(m);
  return NULL;
}

static float **alloc_outputs(void) {
  float **out = calloc(API(num_outputs)(), sizeof(float *));
  for (int i = 0; i < API(num_outputs)(); i++) out[i] = calloc(API(output_size)(i), sizeof(float));
  return out;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 2;
  const float **inputs = calloc(API(num_inputs)(), sizeof(float *));
  for (int i = 0; i < API(num_inputs)(); i++) {
    float *x = malloc(API(input_size)(i) * sizeof(float));
    if (fread(x, sizeof(float), API(input_size)(i), f) != (size_t)API(input_size)(i)) return 2;
    inputs[i] = x;
  }
  fclose(f);
  job jobs[2] = {{inputs, alloc_outputs(), 0, ""}, {inputs, alloc_outputs(), 0, ""}};
  pthread_t threads[2];
  for (int t = 0; t < 2; t++) pthread_create(&threads[t], NULL, run_job, &jobs[t]);
  for (int t = 0; t < 2; t++) pthread_join(threads[t], NULL);
  for (int t = 0; t < 2; t++)
    if (jobs[t].status != 0) {
      fprintf(stderr, "%s\n", jobs[t].message);
      return 1;
    }
  for (int i = 0; i < API(num_outputs)(); i++)
    if (memcmp(jobs[0].outputs[i], jobs[1].outputs[i], API(output_size)(i) * sizeof(float))) {
      fprintf(stderr, "two instances disagree on output %s\n", API(output_name)(i));
      return 1;
    }
  f = fopen(argv[2], "wb");
  for (int i = 0; i < API(num_outputs)(); i++)
    fwrite(jobs[0].outputs[i], sizeof(float), API(output_size)(i), f);
  fclose(f);
  return 0;
}
