#include "castnet/commands.h"
#include <castnet/error.h>
namespace castnet::cli {
int cmd_run(int, char**) { throw Error("'run' is not implemented yet"); }  // STUB: to be written
}  // namespace castnet::cli
