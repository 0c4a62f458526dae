#include "castnet/commands.h"
#include <castnet/error.h>
namespace castnet::cli {
int cmd_onnx_test(int, char**) { throw Error("'onnx_test' is not implemented yet"); }  // STUB: to be written
}  // namespace castnet::cli
