/*
 * version.c - the version of the library itself (migsim/version.h holds the
 * headers'; both come from the project's VERSION in CMakeLists.txt).
 */
#include "migsim/version.h"

const char *migsim_version(void)
{
    return MIGSIM_VERSION_STRING;
}
