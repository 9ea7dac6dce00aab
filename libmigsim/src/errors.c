/*
 * errors.c - error code names and the per-thread error message.
 *
 * Cold path only: called when something has gone wrong.
 */
#include "migsim/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_msg[1024];

const char *migsim_strerror(int err)
{
    switch (err) {
    case MIGSIM_OK:      return "MIGSIM_OK: success";
    case MIGSIM_EINVAL:  return "MIGSIM_EINVAL: invalid argument";
    case MIGSIM_ENOMEM:  return "MIGSIM_ENOMEM: out of memory";
    case MIGSIM_EIO:     return "MIGSIM_EIO: I/O error";
    case MIGSIM_EFORMAT: return "MIGSIM_EFORMAT: malformed input";
    case MIGSIM_EBUSY:   return "MIGSIM_EBUSY: target busy";
    case MIGSIM_ENOENT:  return "MIGSIM_ENOENT: not found";
    case MIGSIM_ERANGE:  return "MIGSIM_ERANGE: value out of range";
    case MIGSIM_ECONFIG: return "MIGSIM_ECONFIG: configuration error";
    case MIGSIM_ESTATE:  return "MIGSIM_ESTATE: not allowed in this state";
    case MIGSIM_ETRUNC:  return "MIGSIM_ETRUNC: input truncated";
    default:             return "MIGSIM_E?: unknown error code";
    }
}

/*
 * Formats into a buffer of its own and copies it in at the end, so that an
 * argument may be the message itself (migsim_errmsg()).
 */
int migsim_error(int code, const char *fmt, ...)
{
    char buf[sizeof err_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    memcpy(err_msg, buf, strlen(buf) + 1);
    return code;
}

int migsim_error_wrap(int code, const char *fmt, ...)
{
    char context[sizeof err_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    return migsim_error(code, "%s: %s", context, err_msg); /* which may name err_msg itself */
}

const char *migsim_errmsg(void)
{
    return err_msg;
}

void migsim_error_clear(void)
{
    err_msg[0] = '\0';
}
