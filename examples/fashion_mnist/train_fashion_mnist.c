/* Trains LeNet-5 (ReLU/max-pool variant, lenet5_relu.json) on Fashion-MNIST
 * through a kiln training library (kiln compile --train): reads the IDX .gz
 * files, shuffles with a seed, batches, and prints per epoch the mean
 * training loss, the training time and the test loss and accuracy; at the
 * end, per-class precision, recall and F1 and the confusion matrix.
 *
 *   train_fashion_mnist DATA_DIR [--epochs N] [--seed S] [--threads T]
 *                       [--checkpoint FILE] [--resume FILE]
 *
 * Needs only fashion_lenet.h and libfashion_lenet.a (plus -lpthread -ldl
 * -lm) and `gzip` on the PATH. Lines starting with "epoch" and "final" are
 * meant for scripts (scripts/train_fashion_mnist.sh). */
#define _POSIX_C_SOURCE 200809L /* popen, clock_gettime */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fashion_lenet.h"

#define CLASSES 10
static const char *const class_names[CLASSES] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                 "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "train_fashion_mnist: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

/* The whole decompressed content of a .gz file, through `gzip -dc`. */
static unsigned char *read_gz(const char *path, size_t *size) {
  char command[4200];
  snprintf(command, sizeof command, "gzip -dc '%s'", path);
  FILE *p = popen(command, "r");
  if (!p) die("cannot run gzip for", path);
  size_t used = 0, cap = 1 << 20;
  unsigned char *data = malloc(cap);
  for (size_t n; data && (n = fread(data + used, 1, cap - used, p)) > 0;) {
    used += n;
    if (used == cap) data = realloc(data, cap *= 2);
  }
  if (pclose(p) != 0 || !data) die("cannot decompress", path);
  *size = used;
  return data;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

typedef struct {
  int64_t count;
  float *images; /* count x 784, pixels / 255 */
  float *labels; /* count class indices */
} dataset;

/* Reads an images file (magic 2051) and its labels file (magic 2049). */
static dataset read_idx(const char *dir, const char *images_name, const char *labels_name) {
  char path[4096];
  size_t isize, lsize;
  snprintf(path, sizeof path, "%s/%s", dir, images_name);
  unsigned char *img = read_gz(path, &isize);
  if (isize < 16 || be32(img) != 2051) die("not an IDX images file", path);
  const int64_t n = be32(img + 4), rows = be32(img + 8), cols = be32(img + 12);
  if (rows != 28 || cols != 28 || isize != (size_t)(16 + n * 784)) die("unexpected size", path);
  snprintf(path, sizeof path, "%s/%s", dir, labels_name);
  unsigned char *lab = read_gz(path, &lsize);
  if (lsize < 8 || be32(lab) != 2049 || be32(lab + 4) != n || lsize != (size_t)(8 + n))
    die("not the labels of the images", path);
  dataset d = {n, malloc(n * 784 * sizeof(float)), malloc(n * sizeof(float))};
  if (!d.images || !d.labels) die("out of memory", NULL);
  for (int64_t k = 0; k < n * 784; k++) d.images[k] = img[16 + k] / 255.0f;
  for (int64_t k = 0; k < n; k++) {
    if (lab[8 + k] >= CLASSES) die("a label is not a class", path);
    d.labels[k] = lab[8 + k];
  }
  free(img);
  free(lab);
  return d;
}

/* splitmix64: a small, well-mixed generator for the shuffle. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void shuffle(int64_t *order, int64_t n, uint64_t *state) {
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)(next_random(state) % (uint64_t)(i + 1)), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

static void check(fashion_lenet_model *m, int rc, const char *what) {
  if (rc != fashion_lenet_OK) {
    fprintf(stderr, "train_fashion_mnist: %s: %s (%s)\n", what, fashion_lenet_status_string(rc),
            m ? fashion_lenet_error_message(m) : "");
    exit(1);
  }
}

/* Test loss and confusion matrix over the whole test set. The library's
 * batch is fixed: the last, partial batch is padded with copies of its
 * first image, and only its real rows are counted. */
static double evaluate(fashion_lenet_model *m, const dataset *test, int64_t batch, float *x,
                       float *y, float *logits, int64_t *confusion) {
  memset(confusion, 0, sizeof(int64_t) * CLASSES * CLASSES);
  double loss_sum = 0;
  for (int64_t first = 0; first < test->count; first += batch) {
    const int64_t rows = test->count - first < batch ? test->count - first : batch;
    for (int64_t r = 0; r < batch; r++) {
      const int64_t k = first + (r < rows ? r : 0);
      memcpy(x + r * 784, test->images + k * 784, 784 * sizeof(float));
      y[r] = test->labels[k];
    }
    const float *in[] = {x};
    float *out[] = {logits};
    float loss = 0;
    check(m, fashion_lenet_evaluate(m, in, y, &loss, out), "evaluate");
    if (rows == batch) {
      loss_sum += (double)loss * batch;
    } else { /* the padded batch: the loss of its real rows only, from the logits */
      double sum = 0;
      for (int64_t r = 0; r < rows; r++) {
        const float *l = logits + r * CLASSES;
        float top = l[0];
        for (int c = 1; c < CLASSES; c++) top = l[c] > top ? l[c] : top;
        double s = 0;
        for (int c = 0; c < CLASSES; c++) s += exp((double)l[c] - top);
        sum += top + log(s) - l[(int)y[r]];
      }
      loss_sum += sum;
    }
    check(m, fashion_lenet_confusion_add(confusion, CLASSES, logits, y, rows), "confusion_add");
  }
  return loss_sum / (double)test->count;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr,
            "usage: %s DATA_DIR [--epochs N] [--seed S] [--threads T] [--checkpoint FILE] "
            "[--resume FILE]\n",
            argv[0]);
    return 2;
  }
  const char *dir = argv[1], *checkpoint = NULL, *resume = NULL;
  int epochs = 5, threads = 0;
  uint64_t seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--epochs"))
      epochs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seed"))
      seed = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--threads"))
      threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--checkpoint"))
      checkpoint = argv[i + 1];
    else if (!strcmp(argv[i], "--resume"))
      resume = argv[i + 1];
    else
      die("unknown option", argv[i]);
  }
  if ((argc - 2) % 2) die("an option lacks its value", argv[argc - 1]);

  const double t0 = now_s();
  const dataset train = read_idx(dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
  const dataset test = read_idx(dir, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
  printf("read %lld training and %lld test images in %.1f s\n", (long long)train.count,
         (long long)test.count, now_s() - t0);

  const int64_t batch = fashion_lenet_labels_size();
  if (fashion_lenet_input_size(0) != batch * 784 || fashion_lenet_output_size(0) != batch * CLASSES)
    die("the library is not a [batch, 1, 28, 28] -> [batch, 10] classifier", NULL);
  fashion_lenet_set_num_threads(threads);
  fashion_lenet_model *m = NULL;
  check(NULL, fashion_lenet_create(&m), "create");
  if (resume) check(m, fashion_lenet_load_checkpoint(m, resume), "load_checkpoint");

  float *x = malloc(batch * 784 * sizeof(float)), *y = malloc(batch * sizeof(float));
  float *logits = malloc(batch * CLASSES * sizeof(float));
  int64_t *order = malloc(train.count * sizeof(int64_t)), confusion[CLASSES * CLASSES];
  double *epoch_seconds = malloc((epochs > 0 ? epochs : 1) * sizeof(double));
  for (int64_t k = 0; k < train.count; k++) order[k] = k;
  uint64_t state = seed;
  const int64_t steps = train.count / batch; /* the last partial batch is dropped */
  printf("LeNet-5 (ReLU, max-pool), batch %lld, %lld steps per epoch, %d epochs, seed %llu\n",
         (long long)batch, (long long)steps, epochs, (unsigned long long)seed);
  double accuracy = 0;
  for (int epoch = 1; epoch <= epochs; epoch++) {
    shuffle(order, train.count, &state);
    double loss_sum = 0, train_time = 0;
    for (int64_t s = 0; s < steps; s++) {
      for (int64_t r = 0; r < batch; r++) {
        const int64_t k = order[s * batch + r];
        memcpy(x + r * 784, train.images + k * 784, 784 * sizeof(float));
        y[r] = train.labels[k];
      }
      const float *in[] = {x};
      float loss = 0;
      const double start = now_s();
      check(m, fashion_lenet_train_step(m, in, y, &loss), "train_step");
      train_time += now_s() - start;
      loss_sum += loss;
      if ((s + 1) % 100 == 0 || s + 1 == steps)
        fprintf(stderr, "\repoch %d: %5lld/%lld steps, loss %.4f, %.1f s", epoch,
                (long long)(s + 1), (long long)steps, loss_sum / (double)(s + 1), train_time);
    }
    fprintf(stderr, "\n");
    const double start = now_s();
    const double test_loss = evaluate(m, &test, batch, x, y, logits, confusion);
    const double eval_time = now_s() - start;
    check(
        m,
        fashion_lenet_classification_metrics(confusion, CLASSES, &accuracy, NULL, NULL, NULL, NULL),
        "classification_metrics");
    epoch_seconds[epoch - 1] = train_time;
    printf(
        "epoch %d train_loss %.4f train_seconds %.2f test_loss %.4f test_accuracy %.4f "
        "eval_seconds %.2f\n",
        epoch, loss_sum / (double)steps, train_time, test_loss, accuracy, eval_time);
    fflush(stdout);
  }
  if (checkpoint) {
    check(m, fashion_lenet_save_checkpoint(m, checkpoint), "save_checkpoint");
    printf("saved the checkpoint %s\n", checkpoint);
  }

  double precision[CLASSES], recall[CLASSES], f1[CLASSES], macro[3];
  evaluate(m, &test, batch, x, y, logits, confusion);
  check(m,
        fashion_lenet_classification_metrics(confusion, CLASSES, &accuracy, precision, recall, f1,
                                             macro),
        "classification_metrics");
  printf("\n%-12s %9s %9s %9s\n", "class", "precision", "recall", "F1");
  for (int c = 0; c < CLASSES; c++)
    printf("%-12s %9.4f %9.4f %9.4f\n", class_names[c], precision[c], recall[c], f1[c]);
  printf("%-12s %9.4f %9.4f %9.4f\n", "macro", macro[0], macro[1], macro[2]);
  printf("\nconfusion matrix (rows: true class, columns: predicted)\n");
  for (int r = 0; r < CLASSES; r++) {
    for (int c = 0; c < CLASSES; c++) printf("%6lld", (long long)confusion[r * CLASSES + c]);
    printf("   %s\n", class_names[r]);
  }
  if (epochs > 0) {
    qsort(epoch_seconds, epochs, sizeof(double), compare_doubles);
    printf("final test_accuracy %.4f median_epoch_seconds %.2f\n", accuracy,
           epoch_seconds[epochs / 2]);
  }
  fashion_lenet_destroy(m);
  return 0;
}
