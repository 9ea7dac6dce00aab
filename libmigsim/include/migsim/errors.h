/*
 * migsim/errors.h - error codes and the error message of the calling thread.
 *
 * Three kinds of error are kept apart in libmigsim:
 *   1. API misuse, bad configuration and bad input (files, traces) return a
 *      negative MIGSIM_E* code and leave a message, naming the file and line,
 *      record index or JSON path, readable with migsim_errmsg();
 *   2. what happens to the simulated system (a fault, a lost write) is a
 *      modelled outcome: a statistic or an event, never an error code;
 *   3. broken internal invariants assert.
 */
#ifndef MIGSIM_ERRORS_H
#define MIGSIM_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    MIGSIM_OK      = 0,
    MIGSIM_EINVAL  = -1,  /* invalid argument or API misuse */
    MIGSIM_ENOMEM  = -2,  /* host allocation failed */
    MIGSIM_EIO     = -3,  /* host I/O failed (open, read, write, rename) */
    MIGSIM_EFORMAT = -4,  /* malformed input: trace, log or text file */
    MIGSIM_EBUSY   = -5,  /* target refused a request; it will call retry */
    MIGSIM_ENOENT  = -6,  /* named thing (component, port, key) not found */
    MIGSIM_ERANGE  = -7,  /* value out of its allowed range */
    MIGSIM_ECONFIG = -8,  /* configuration error (JSON type, unknown key) */
    MIGSIM_ESTATE  = -9,  /* call not allowed in the object's current state */
    MIGSIM_ETRUNC  = -10, /* input ends early (truncated file or stream) */
};

/* Name of an error code, e.g. "MIGSIM_EFORMAT: malformed input". Never NULL. */
const char *migsim_strerror(int err);

/*
 * Record a message for the calling thread and return `code`, so that error
 * paths read `return migsim_error(MIGSIM_EFORMAT, "%s:%lu: bad op", f, l);`.
 * The message is truncated to 1023 bytes. An argument may be migsim_errmsg()
 * itself (the message is formatted aside, then copied in).
 */
int migsim_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Put context in front of the calling thread's message: the message becomes
 * "<fmt formatted>: <message before>" (truncated to 1023 bytes). Returns
 * `code`. This is the way to add a file name or JSON path to an error that a
 * callee recorded: `return migsim_error_wrap(rc, "%s: %s", file, path);`.
 */
int migsim_error_wrap(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The last message recorded on this thread ("" if none). Valid until the next call. */
const char *migsim_errmsg(void);

/* Forget the last message. */
void migsim_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_ERRORS_H */
