#include "castnet/commands.h"
#include <castnet/error.h>
namespace castnet::cli {
int cmd_info(int, char**) { throw Error("'info' is not implemented yet"); }  // STUB: to be written
}  // namespace castnet::cli
