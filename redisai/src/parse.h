/* Argument parsing shared by the commands, and the error messages it produces. */
#ifndef MLT_PARSE_H
#define MLT_PARSE_H

#include <stdint.h>

#include "redismodule_api.h"
#include "tensor.h"

/* An error reply, "ERR ..." or "WRONGTYPE ...", filled before any data is touched. */
typedef struct {
    char text[320];
} MltErr;

/* A printable excerpt of an argument for error messages (returned by value so several fit in
 * one message). */
typedef struct {
    char text[48];
} MltQuoted;

/* Formats the message into err and returns 0, so a parser can `return mlt_fail(...)`. */
int mlt_fail(MltErr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
MltQuoted mlt_quote(const RedisModuleString *arg);

/* Case-insensitive keyword match, as Redis matches its own keywords. */
int mlt_is_word(const RedisModuleString *arg, const char *word);

/* Each returns 1 on success, 0 when the argument is not what it should be. */
int mlt_parse_finite(const RedisModuleString *arg, double *out);
int mlt_parse_float(const RedisModuleString *arg, float *out); /* finite and in float32 range */
int mlt_parse_uint(const RedisModuleString *arg, uint64_t *out); /* decimal digits only */

/* Reads dimensions from argv[*pos] up to the end or a BLOB/VALUES keyword, leaving *pos there.
 * No dimension at all is a scalar (ndims 0, one element). Refuses non-positive or malformed dims,
 * too many dims and tensors above the module's element limit. */
int mlt_parse_shape(RedisModuleString **argv, int argc, int *pos, MltShape *shape, MltErr *err);

#endif
