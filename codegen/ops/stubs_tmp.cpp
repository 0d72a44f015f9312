// TEMPORARY: stubs for ops whose Halide lowering is not written yet.
// Delete an op from here when its real lowering exists; delete the file when empty.
#include "codegen/lowering.h"
#include "ir/errors.h"
namespace kiln::codegen::ops {
LoweredKernel lower_conv2d(const LowerRequest &) { throw InternalError("lowering conv2d: not written yet"); }
LoweredKernel lower_dense(const LowerRequest &) { throw InternalError("lowering dense: not written yet"); }
LoweredKernel lower_max_pool2d(const LowerRequest &) { throw InternalError("lowering max_pool2d: not written yet"); }
LoweredKernel lower_avg_pool2d(const LowerRequest &) { throw InternalError("lowering avg_pool2d: not written yet"); }
LoweredKernel lower_global_avg_pool(const LowerRequest &) { throw InternalError("lowering global_avg_pool: not written yet"); }
LoweredKernel lower_global_max_pool(const LowerRequest &) { throw InternalError("lowering global_max_pool: not written yet"); }
LoweredKernel lower_batch_norm(const LowerRequest &) { throw InternalError("lowering batch_norm: not written yet"); }
LoweredKernel lower_relu(const LowerRequest &) { throw InternalError("lowering relu: not written yet"); }
LoweredKernel lower_sigmoid(const LowerRequest &) { throw InternalError("lowering sigmoid: not written yet"); }
LoweredKernel lower_tanh(const LowerRequest &) { throw InternalError("lowering tanh: not written yet"); }
LoweredKernel lower_softmax(const LowerRequest &) { throw InternalError("lowering softmax: not written yet"); }
LoweredKernel lower_add(const LowerRequest &) { throw InternalError("lowering add: not written yet"); }
LoweredKernel lower_concat(const LowerRequest &) { throw InternalError("lowering concat: not written yet"); }
LoweredKernel lower_flatten(const LowerRequest &) { throw InternalError("lowering flatten: not written yet"); }
}
