#include "castnet/commands.h"
#include <castnet/error.h>
namespace castnet::cli {
int cmd_bench(int, char**) { throw Error("'bench' is not implemented yet"); }  // STUB: to be written
}  // namespace castnet::cli
