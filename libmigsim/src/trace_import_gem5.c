/*
 * trace_import_gem5.c - importer of gem5 packet traces (gzip, "gem5" magic,
 * varint-length-prefixed protobuf messages).
 *
 * Hot path: none in this build; the format is refused with a message.
 */
#include "migsim/errors.h"
#include "trace_import_internal.h"

int imp_gem5_run(imp_t *im)
{
    return migsim_error(MIGSIM_EINVAL, "%s: gem5 import is not available in this build",
                        im->path);
}
