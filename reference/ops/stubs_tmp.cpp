// TEMPORARY: stubs for ops whose reference kernel is not written yet.
// Delete an op from here when its real kernel exists; delete the file when empty.
#include "ir/errors.h"
#include "reference/interpreter.h"
namespace kiln::reference::ops {
std::vector<Tensor> ref_conv2d(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference conv2d: not written yet"); }
std::vector<Tensor> ref_dense(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference dense: not written yet"); }
std::vector<Tensor> ref_max_pool2d(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference max_pool2d: not written yet"); }
std::vector<Tensor> ref_avg_pool2d(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference avg_pool2d: not written yet"); }
std::vector<Tensor> ref_global_avg_pool(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference global_avg_pool: not written yet"); }
std::vector<Tensor> ref_global_max_pool(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference global_max_pool: not written yet"); }
std::vector<Tensor> ref_batch_norm(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference batch_norm: not written yet"); }
std::vector<Tensor> ref_relu(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference relu: not written yet"); }
std::vector<Tensor> ref_sigmoid(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference sigmoid: not written yet"); }
std::vector<Tensor> ref_tanh(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference tanh: not written yet"); }
std::vector<Tensor> ref_softmax(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference softmax: not written yet"); }
std::vector<Tensor> ref_add(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference add: not written yet"); }
std::vector<Tensor> ref_concat(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference concat: not written yet"); }
std::vector<Tensor> ref_flatten(const ir::Node &, const std::vector<const Tensor *> &) { throw InternalError("reference flatten: not written yet"); }
}
