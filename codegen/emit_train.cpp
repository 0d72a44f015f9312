// The training half of a generated library (kiln compile --train): each
// model owns one mutable copy of the weights blob (parameters, optimizer
// state, step counter), shared by its inference and training plans; a train
// step runs the training plan and copies every new parameter value from the
// training arena into the blob (Graph::updates).
#include <sstream>

#include "codegen/emit_c.h"
#include "ir/errors.h"

namespace kiln::codegen {

namespace {

// The training graph's loss node (the producer of its only output).
const ir::Node &loss_node(const TrainingPlan &train) {
  const ir::Graph &t = *train.graph;
  const int producer = t.value(t.outputs.at(0)).producer;
  if (producer < 0) throw InternalError("the training graph's loss is not computed by a node");
  return t.node(producer);
}

// KILN_EVAL_* (runtime/kiln_metrics.c): the loss of the training graph,
// computed on the model's first output. Softmax cross-entropy reads the
// logits; when they are not the model's output, the model ends in softmax
// and its output is the probabilities.
std::string eval_loss_kind(const ir::Graph &g, const TrainingPlan &train) {
  const ir::Node &loss = loss_node(train);
  if (loss.op == "mse_loss") return "KILN_EVAL_MSE";
  if (loss.op == "bce_loss") return "KILN_EVAL_BCE";
  if (loss.op == "bce_with_logits_loss") return "KILN_EVAL_BCE_WITH_LOGITS";
  if (loss.op != "softmax_cross_entropy")
    throw InternalError("no evaluation for loss op '" + loss.op + "'");
  const std::string &pred = train.graph->value(loss.inputs[0]).name;
  return pred == g.value(g.outputs.at(0)).name ? "KILN_EVAL_SOFTMAX_CE_LOGITS"
                                               : "KILN_EVAL_SOFTMAX_CE_PROBS";
}

std::string eval_loss_name(const ir::Graph &, const TrainingPlan &train) {
  return loss_node(train).op;
}

// A C string literal.
std::string c_string(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The checkpoint's tensor table: every parameter of the training graph.
void emit_checkpoint_table(std::ostream &os, const ir::Graph &g, const TrainingPlan &train) {
  const ir::Graph &t = *train.graph;
  std::ostringstream shapes, rows;
  int count = 0;
  for (int id : t.param_ids()) {
    const ir::Value &v = t.value(id);
    const int gid = g.find_value(v.name);
    const bool model_param = gid >= 0 && g.value(gid).kind == ir::ValueKind::Param;
    shapes << "static const int64_t ckpt_shape_" << count << "[] = {";
    for (int64_t d : v.type.shape) shapes << d << "LL, ";
    shapes << "0};\n";
    rows << "  {" << c_string(v.name) << ", " << v.type.rank() << ", ckpt_shape_" << count << ", "
         << train.weights.offset[id] << "LL, " << v.type.numel() << "LL, " << model_param << "},\n";
    count++;
  }
  if (count == 0) rows << "  {\"\", 0, NULL, 0, 0, 0},\n";
  os << shapes.str() << "static const kiln_ckpt_tensor ckpt_tensors[] = {\n"
     << rows.str() << "};\nstatic const int ckpt_count = " << count << ";\n\n";
}

}  // namespace

std::string training_header(const std::string &n, const ir::Graph &g, const TrainingPlan &train) {
  std::ostringstream os;
  os << "/* Training (docs/training.md). " << n << "_train_step runs one step on a batch:\n"
     << " * inputs as for " << n << "_run, labels[" << n << "_labels_size()] (for softmax\n"
     << " * cross-entropy, class indices stored as floats); *loss receives the batch's\n"
     << " * mean loss. The parameters and the optimizer state are updated in place;\n"
     << " * " << n << "_run then uses the trained parameters. */\n"
     << "int64_t " << n << "_labels_size(void);\n"
     << "int " << n << "_train_step(" << n
     << "_model *model, const float *const *inputs, const float *labels,\n"
     << "    float *loss);\n"
     << "/* The parameters, optimizer state and step counter as one blob of\n"
     << " * " << n << "_weights_bytes() bytes: a checkpoint to save and restore. */\n"
     << "size_t " << n << "_weights_bytes(void);\n"
     << "int " << n << "_get_weights(const " << n << "_model *model, void *out);\n"
     << "int " << n << "_set_weights(" << n << "_model *model, const void *in);\n\n"
     << "/* Checkpoints in kiln's weights-file format (docs/spec.md): every tensor of\n"
     << " * the weights blob by name. Saving writes PATH.tmp.<pid> and renames it over\n"
     << " * PATH. Loading is all or nothing: every parameter of the model must be in\n"
     << " * the file with its shape; optimizer state the file lacks (a weights file of\n"
     << " * the inference model) keeps its value. A checkpoint also serves as the\n"
     << " * \"weights\" file of an inference compile of the same spec. */\n"
     << "enum { " << n << "_ERROR_FILE = 4 /* a file could not be read or written */ };\n"
     << "int " << n << "_save_checkpoint(const " << n << "_model *model, const char *path);\n"
     << "int " << n << "_load_checkpoint(" << n << "_model *model, const char *path);\n\n"
     << "/* Evaluation: runs the model in inference mode (batch norm with its running\n"
     << " * statistics, no dropout) like " << n << "_run, writing its outputs, and the mean\n"
     << " * " << eval_loss_name(g, train) << " of outputs[0] against labels to *loss. Weights are not changed. */\n"
     << "int " << n << "_evaluate(" << n
     << "_model *model, const float *const *inputs, const float *labels,\n"
     << "    float *loss, float *const *outputs);\n\n"
     << "/* Classification metrics. " << n << "_confusion_add adds `rows` rows of `scores`\n"
     << " * ([rows, classes], e.g. outputs[0]) to confusion[classes * classes] (row: the\n"
     << " * true class labels[r], a class index stored as a float; column: the row's\n"
     << " * argmax, the first on ties). " << n << "_classification_metrics gives the\n"
     << " * accuracy, per-class precision, recall and F1 (arrays of `classes`; any\n"
     << " * pointer may be NULL) and their unweighted means (macro[0..2]: precision,\n"
     << " * recall, F1); a ratio with a zero denominator is 0. */\n"
     << "int " << n << "_confusion_add(int64_t *confusion, int64_t classes, const float *scores,\n"
     << "    const float *labels, int64_t rows);\n"
     << "int " << n << "_classification_metrics(const int64_t *confusion, int64_t classes,\n"
     << "    double *accuracy, double *precision, double *recall, double *f1, double *macro);\n\n";
  return os.str();
}

void emit_training_api(std::ostream &os, const std::string &n, const ir::Graph &g,
                       const WeightsLayout &weights, const TrainingPlan &train) {
  const ir::Graph &t = *train.graph;
  os << "/* New parameter values: training arena offset -> weights offset, bytes. */\n"
     << "static const int64_t train_updates[][3] = {\n";
  for (const ir::Update &u : t.updates) {
    const int64_t from = train.memory.offset[u.value], to = train.weights.offset[u.param];
    if (from < 0 || to < 0)
      throw InternalError("the update of '" + t.value(u.param).name +
                          "' has no arena or weights slot");
    os << "  {" << from << "LL, " << to << "LL, " << t.value(u.param).type.numel() * 4 << "LL}, /* "
       << t.value(u.param).name << " */\n";
  }
  if (t.updates.empty()) os << "  {0, 0, 0},\n";
  const std::string weights_bytes = std::to_string(weights.total_bytes) + "u";
  const std::string inputs = std::to_string(g.inputs.size());
  os << "};\n\n"
     << "#include \"kiln_checkpoint.c\"\n#include \"kiln_metrics.c\"\n\n";
  emit_checkpoint_table(os, g, train);
  os
     << "struct " << n << "_model {\n"
     << "  kiln_instance *instance, *train;\n"
     << "  unsigned char *weights; /* this model's mutable copy of the weights blob */\n"
     << "};\n\n"
     << "void " << n << "_destroy(" << n << "_model *model) {\n"
     << "  if (!model) return;\n"
     << "  kiln_instance_destroy(model->instance);\n"
     << "  kiln_instance_destroy(model->train);\n"
     << "  free(model->weights);\n"
     << "  free(model);\n}\n\n"
     << "int " << n << "_create(" << n << "_model **model) {\n"
     << "  if (!model) return KILN_ERROR_ARGUMENT;\n"
     << "  *model = NULL;\n"
     << "  " << n << "_model *m = (" << n << "_model *)calloc(1, sizeof *m);\n"
     << "  if (!m) return KILN_ERROR_ALLOC;\n"
     << "  m->weights = (unsigned char *)kiln_aligned_alloc(" << weights_bytes << ");\n"
     << "  int rc = m->weights ? kiln_instance_create(&plan, &m->instance) : KILN_ERROR_ALLOC;\n"
     << "  if (rc == KILN_OK) rc = kiln_instance_create(&train_plan, &m->train);\n"
     << "  if (rc != KILN_OK) { " << n << "_destroy(m); return rc; }\n"
     << "  memcpy(m->weights, kiln_weights_data, " << weights_bytes << ");\n"
     << "  kiln_instance_use_weights(m->instance, m->weights);\n"
     << "  kiln_instance_use_weights(m->train, m->weights);\n"
     << "  *model = m;\n  return KILN_OK;\n}\n\n"
     << "int64_t " << n << "_labels_size(void) {\n"
     << "  return train_plan.inputs[train_plan.num_inputs - 1].size;\n}\n\n"
     << "int " << n << "_train_step(" << n
     << "_model *model, const float *const *inputs, const float *labels,\n"
     << "    float *loss) {\n"
     << "  if (!model) return KILN_ERROR_ARGUMENT;\n"
     << "  if (!inputs || !labels || !loss)\n"
     << "    return kiln_fail(model->instance, KILN_ERROR_ARGUMENT, \"train_step: %s is NULL%s\",\n"
     << "                     !inputs ? \"inputs\" : !labels ? \"labels\" : \"loss\", \"\");\n"
     << "  const float *all[" << inputs << " + 1];\n"
     << "  for (int i = 0; i < " << inputs << "; i++) all[i] = inputs[i];\n"
     << "  all[" << inputs << "] = labels;\n"
     << "  float *outputs[1] = {loss};\n"
     << "  int rc = kiln_instance_run(model->train, all, outputs);\n"
     << "  if (rc != KILN_OK) {\n"
     << "    memcpy(model->instance->error, model->train->error, sizeof model->instance->error);\n"
     << "    return rc;\n  }\n"
     << "  for (size_t k = 0; k < sizeof train_updates / sizeof train_updates[0]; k++)\n"
     << "    memcpy(model->weights + train_updates[k][1], model->train->arena + "
        "train_updates[k][0],\n"
     << "           (size_t)train_updates[k][2]);\n"
     << "  return KILN_OK;\n}\n\n"
     << "size_t " << n << "_weights_bytes(void) { return " << weights_bytes << "; }\n"
     << "int " << n << "_get_weights(const " << n << "_model *model, void *out) {\n"
     << "  if (!model || !out) return KILN_ERROR_ARGUMENT;\n"
     << "  memcpy(out, model->weights, " << weights_bytes << ");\n  return KILN_OK;\n}\n"
     << "int " << n << "_set_weights(" << n << "_model *model, const void *in) {\n"
     << "  if (!model || !in) return KILN_ERROR_ARGUMENT;\n"
     << "  memcpy(model->weights, in, " << weights_bytes << ");\n  return KILN_OK;\n}\n\n"
     << "int " << n << "_save_checkpoint(const " << n << "_model *model, const char *path) {\n"
     << "  if (!model || !path) return KILN_ERROR_ARGUMENT;\n"
     << "  return kiln_checkpoint_save(model->instance, ckpt_tensors, ckpt_count, model->weights, "
        "path);\n}\n"
     << "int " << n << "_load_checkpoint(" << n << "_model *model, const char *path) {\n"
     << "  if (!model || !path) return KILN_ERROR_ARGUMENT;\n"
     << "  return kiln_checkpoint_load(model->instance, ckpt_tensors, ckpt_count, model->weights, "
     << weights_bytes << ", path);\n}\n\n"
     << "int " << n << "_evaluate(" << n
     << "_model *model, const float *const *inputs, const float *labels,\n"
     << "    float *loss, float *const *outputs) {\n"
     << "  if (!model) return KILN_ERROR_ARGUMENT;\n"
     << "  if (!labels || !loss)\n"
     << "    return kiln_fail(model->instance, KILN_ERROR_ARGUMENT, \"evaluate: %s is NULL%s\",\n"
     << "                     !labels ? \"labels\" : \"loss\", \"\");\n"
     << "  int rc = kiln_instance_run(model->instance, inputs, outputs);\n"
     << "  if (rc != KILN_OK) return rc;\n"
     << "  const kiln_tensor_info *out = &plan.outputs[0];\n"
     << "  return kiln_eval_loss(model->instance, " << eval_loss_kind(g, train)
     << ", outputs[0], out->size,\n"
     << "                        out->shape[out->rank - 1], labels, loss);\n}\n\n"
     << "int " << n << "_confusion_add(int64_t *confusion, int64_t classes, const float *scores,\n"
     << "    const float *labels, int64_t rows) {\n"
     << "  return kiln_confusion_add(confusion, classes, scores, labels, rows);\n}\n"
     << "int " << n << "_classification_metrics(const int64_t *confusion, int64_t classes,\n"
     << "    double *accuracy, double *precision, double *recall, double *f1, double *macro) {\n"
     << "  return kiln_classification_metrics(confusion, classes, accuracy, precision, recall, "
        "f1, macro);\n}\n\n";
}

}  // namespace kiln::codegen
