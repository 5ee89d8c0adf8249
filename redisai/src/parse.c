#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Numbers are short; anything longer is refused without parsing. */
#define MLT_NUMBER_MAX 64

int mlt_fail(MltErr *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
    return 0;
}

MltQuoted mlt_quote(const RedisModuleString *arg) {
    MltQuoted quoted;
    size_t len;
    const char *ptr = RedisModule_StringPtrLen(arg, &len);
    const size_t keep = sizeof quoted.text - 4; /* room for "..." and the terminator */
    size_t n = len < keep ? len : keep;
    for (size_t i = 0; i < n; i++) quoted.text[i] = isprint((unsigned char)ptr[i]) ? ptr[i] : '?';
    if (len > keep) {
        memcpy(quoted.text + n, "...", 3);
        n += 3;
    }
    quoted.text[n] = '\0';
    return quoted;
}

int mlt_is_word(const RedisModuleString *arg, const char *word) {
    size_t len;
    const char *ptr = RedisModule_StringPtrLen(arg, &len);
    return len == strlen(word) && strncasecmp(ptr, word, len) == 0;
}

/* A NUL-terminated copy for strtod/strtoull, which must not read past the argument or stop early
 * at an embedded NUL. 0 when the argument is empty or too long to be a number. */
static int copy_number(const RedisModuleString *arg, char buf[MLT_NUMBER_MAX + 1]) {
    size_t len;
    const char *ptr = RedisModule_StringPtrLen(arg, &len);
    if (len == 0 || len > MLT_NUMBER_MAX || memchr(ptr, '\0', len) != NULL) return 0;
    /* strtod would skip leading blanks; Redis refuses them in numbers, so do we. */
    if (isspace((unsigned char)ptr[0])) return 0;
    memcpy(buf, ptr, len);
    buf[len] = '\0';
    return 1;
}

int mlt_parse_finite(const RedisModuleString *arg, double *out) {
    char buf[MLT_NUMBER_MAX + 1];
    char *end;
    if (!copy_number(arg, buf)) return 0;
    double value = strtod(buf, &end);
    if (*end != '\0' || !isfinite(value)) return 0; /* overflow gives HUGE_VAL, caught here */
    *out = value;
    return 1;
}

int mlt_parse_float(const RedisModuleString *arg, float *out) {
    double value;
    if (!mlt_parse_finite(arg, &value)) return 0;
    float narrowed = (float)value;
    if (!isfinite(narrowed)) return 0; /* e.g. 1e39: finite as a double, infinite as float32 */
    *out = narrowed;
    return 1;
}

int mlt_parse_uint(const RedisModuleString *arg, uint64_t *out) {
    char buf[MLT_NUMBER_MAX + 1];
    char *end;
    if (!copy_number(arg, buf)) return 0;
    for (const char *c = buf; *c; c++)
        if (!isdigit((unsigned char)*c)) return 0; /* no sign, no blanks, no hex */
    errno = 0;
    unsigned long long value = strtoull(buf, &end, 10);
    if (errno == ERANGE || *end != '\0') return 0;
    *out = value;
    return 1;
}

/* count_overflowed: the product of the dims does not even fit in 64 bits. */
static int check_limit(uint64_t count, int count_overflowed, MltErr *err) {
    if (count_overflowed)
        return mlt_fail(err, "ERR tensor of more than %llu elements exceeds the module's limit of %llu",
                        (unsigned long long)UINT64_MAX, (unsigned long long)mlt_max_elements);
    if (count > mlt_max_elements)
        return mlt_fail(err, "ERR tensor of %llu elements exceeds the module's limit of %llu",
                        (unsigned long long)count, (unsigned long long)mlt_max_elements);
    return 1;
}

int mlt_parse_shape(RedisModuleString **argv, int argc, int *pos, MltShape *shape, MltErr *err) {
    uint64_t count = 1;
    int overflowed = 0;
    shape->ndims = 0;
    for (; *pos < argc; (*pos)++) {
        RedisModuleString *arg = argv[*pos];
        if (mlt_is_word(arg, "BLOB") || mlt_is_word(arg, "VALUES")) break;
        uint64_t dim;
        if (!mlt_parse_uint(arg, &dim) || dim == 0)
            return mlt_fail(err, "ERR invalid or negative value found in tensor shape (got '%s'; a dimension is a whole number from 1)",
                            mlt_quote(arg).text);
        if (shape->ndims == MLT_MAX_DIMS)
            return mlt_fail(err, "ERR tensor has more than %d dimensions", MLT_MAX_DIMS);
        shape->dims[shape->ndims++] = dim;
        overflowed |= __builtin_mul_overflow(count, dim, &count);
    }
    /* No dims at all is a scalar (one element), as in RedisAI. */
    if (!check_limit(count, overflowed, err)) return 0;
    shape->count = (size_t)count;
    return 1;
}
