#include "castnet/commands.h"
#include <castnet/error.h>
namespace castnet::cli {
int cmd_peak(int, char**) { throw Error("'peak' is not implemented yet"); }  // STUB: to be written
}  // namespace castnet::cli
