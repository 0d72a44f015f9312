// The training half of a generated library (kiln compile --train): each
// model owns one mutable copy of the weights blob (parameters, optimizer
// state, step counter), shared by its inference and training plans; a train
// step runs the training plan and copies every new parameter value from the
// training arena into the blob (Graph::updates).
#include <sstream>

#include "codegen/emit_c.h"
#include "ir/errors.h"

namespace kiln::codegen {

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
     << "int " << n << "_set_weights(" << n << "_model *model, const void *in);\n\n";
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
     << "  memcpy(model->weights, in, " << weights_bytes << ");\n  return KILN_OK;\n}\n\n";
}

}  // namespace kiln::codegen
