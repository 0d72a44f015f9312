/* Evaluation losses and classification metrics of a training library
 * (docs/training.md, "Evaluation and metrics").
 *
 * Included by the model source of a training library after kiln_runtime.c,
 * so everything here is static; the generated API wraps it with the
 * model's prefix. */
#include <math.h>

/* How NAME_evaluate computes the loss from the model's first output. */
enum {
  KILN_EVAL_MSE = 0,
  KILN_EVAL_BCE = 1,
  KILN_EVAL_BCE_WITH_LOGITS = 2,
  KILN_EVAL_SOFTMAX_CE_LOGITS = 3, /* the output is the logits */
  KILN_EVAL_SOFTMAX_CE_PROBS = 4   /* the output is softmax(logits): the model ends in softmax */
};

/* The mean loss of `out` (size elements, rows of `classes` for the softmax
 * losses) against `labels`, in double. Returns KILN_ERROR_ARGUMENT for a
 * class index outside [0, classes). */
static int kiln_eval_loss(kiln_instance *inst, int kind, const float *out, int64_t size,
                          int64_t classes, const float *labels, float *loss) {
  double sum = 0;
  if (kind == KILN_EVAL_SOFTMAX_CE_LOGITS || kind == KILN_EVAL_SOFTMAX_CE_PROBS) {
    const int64_t rows = size / classes;
    for (int64_t r = 0; r < rows; r++) {
      const float *x = out + r * classes;
      const double l = labels[r];
      if (!(l >= 0 && l < (double)classes) || l != floor(l)) {
        char index[64], bound[32];
        snprintf(index, sizeof index, "%g", l);
        snprintf(bound, sizeof bound, "%lld", (long long)classes);
        return kiln_fail(inst, KILN_ERROR_ARGUMENT,
                         "evaluate: label %s is not a class index in [0, %s)", index, bound);
      }
      const int64_t label = (int64_t)l;
      if (kind == KILN_EVAL_SOFTMAX_CE_PROBS) {
        /* -log p, with p clamped to the smallest normal float */
        sum -= log(fmax((double)x[label], 1.1754943508222875e-38));
      } else {
        double m = x[0], s = 0;
        for (int64_t c = 1; c < classes; c++) m = fmax(m, (double)x[c]);
        for (int64_t c = 0; c < classes; c++) s += exp((double)x[c] - m);
        sum += m + log(s) - x[label];
      }
    }
    *loss = (float)(sum / (double)rows);
    return KILN_OK;
  }
  for (int64_t k = 0; k < size; k++) {
    const double p = out[k], t = labels[k];
    if (kind == KILN_EVAL_MSE)
      sum += (p - t) * (p - t);
    else if (kind == KILN_EVAL_BCE)
      sum -= t * fmax(log(p), -100.0) + (1 - t) * fmax(log(1 - p), -100.0);
    else
      sum += fmax(p, 0.0) - p * t + log1p(exp(-fabs(p)));
  }
  *loss = (float)(sum / (double)size);
  return KILN_OK;
}

/* The index of the largest score of a row (the first on ties). */
static int64_t kiln_argmax(const float *x, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; k++)
    if (x[k] > x[best]) best = k;
  return best;
}

/* confusion[label * classes + predicted] += 1 for each of `rows` rows of
 * `scores` (predicted: the row's argmax). Labels are class indices stored
 * as floats; any other value is an error and nothing is added. */
static int kiln_confusion_add(int64_t *confusion, int64_t classes, const float *scores,
                              const float *labels, int64_t rows) {
  if (!confusion || !scores || !labels || classes < 1 || rows < 0) return KILN_ERROR_ARGUMENT;
  for (int64_t r = 0; r < rows; r++)
    if (!(labels[r] >= 0 && labels[r] < (float)classes) || labels[r] != floorf(labels[r]))
      return KILN_ERROR_ARGUMENT;
  for (int64_t r = 0; r < rows; r++)
    confusion[(int64_t)labels[r] * classes + kiln_argmax(scores + r * classes, classes)] += 1;
  return KILN_OK;
}

/* From a confusion matrix (rows: true class, columns: predicted): accuracy,
 * per-class precision, recall and F1 (each array `classes` long, any may be
 * NULL), and their unweighted means over the classes in macro[0..2]. A
 * ratio whose denominator is zero is 0 (scikit-learn's zero_division=0). */
static int kiln_classification_metrics(const int64_t *confusion, int64_t classes, double *accuracy,
                                       double *precision, double *recall, double *f1,
                                       double *macro) {
  if (!confusion || classes < 1) return KILN_ERROR_ARGUMENT;
  int64_t total = 0, correct = 0;
  double sum_p = 0, sum_r = 0, sum_f = 0;
  for (int64_t c = 0; c < classes; c++) {
    int64_t tp = confusion[c * classes + c], actual = 0, predicted = 0;
    for (int64_t k = 0; k < classes; k++) {
      actual += confusion[c * classes + k];
      predicted += confusion[k * classes + c];
    }
    total += actual;
    correct += tp;
    const double p = predicted ? (double)tp / (double)predicted : 0;
    const double r = actual ? (double)tp / (double)actual : 0;
    const double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
    if (precision) precision[c] = p;
    if (recall) recall[c] = r;
    if (f1) f1[c] = f;
    sum_p += p;
    sum_r += r;
    sum_f += f;
  }
  if (accuracy) *accuracy = total ? (double)correct / (double)total : 0;
  if (macro) {
    macro[0] = sum_p / (double)classes;
    macro[1] = sum_r / (double)classes;
    macro[2] = sum_f / (double)classes;
  }
  return KILN_OK;
}
