#include "castnet/commands.h"
#include <castnet/error.h>
namespace castnet::cli {
int cmd_zoo(int, char**) { throw Error("'zoo' is not implemented yet"); }  // STUB: to be written
}  // namespace castnet::cli
