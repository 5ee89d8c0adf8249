/* AI.TENSORGET <key> [META] [BLOB | VALUES], in RedisAI's reply layout:
 *   META          -> dtype, "FLOAT", shape, [dims]
 *   BLOB / VALUES -> the data alone (a bulk string / an array of numbers as strings)
 *   META + format -> the metadata followed by "blob" or "values" and the data
 *   (nothing)     -> META BLOB
 * Refusals in RedisAI's words and order. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "keys.h"
#include "parse.h"

typedef enum { FORMAT_NONE, FORMAT_BLOB, FORMAT_VALUES } Format;

/* As RedisAI: options may repeat (META META is META), BLOB and VALUES exclude each other. */
static int parse_options(RedisModuleString **argv, int argc, int *meta, Format *format, MltErr *err) {
    *meta = 0;
    *format = FORMAT_NONE;
    int blob = 0, values = 0;
    for (int i = 2; i < argc; i++) {
        if (mlt_is_word(argv[i], "META"))
            *meta = 1;
        else if (mlt_is_word(argv[i], "BLOB"))
            blob = 1;
        else if (mlt_is_word(argv[i], "VALUES"))
            values = 1;
        else
            return mlt_fail(err, "ERR unsupported data format ('%s'; expected META, BLOB or VALUES)",
                            mlt_quote(argv[i]).text);
    }
    if (blob && values) return mlt_fail(err, "ERR both BLOB and VALUES specified");
    *format = blob ? FORMAT_BLOB : values ? FORMAT_VALUES : FORMAT_NONE;
    if (!*meta && *format == FORMAT_NONE) *meta = 1, *format = FORMAT_BLOB;
    return 1;
}

/* The shortest decimal that reads back as the same float32 (so "0.1", not "0.100000001"). */
static int format_float(float x, char *buf, size_t cap) {
    int len = 0;
    for (int digits = 6; digits <= 9; digits++) {
        len = snprintf(buf, cap, "%.*g", digits, (double)x);
        if (strtof(buf, NULL) == x) break;
    }
    return len;
}

static void reply_values(RedisModuleCtx *ctx, const MltTensor *tensor) {
    char buf[32];
    RedisModule_ReplyWithArray(ctx, (long)tensor->shape.count);
    for (size_t i = 0; i < tensor->shape.count; i++) {
        int len = format_float(tensor->data[i], buf, sizeof buf);
        RedisModule_ReplyWithStringBuffer(ctx, buf, (size_t)len);
    }
}

static void reply_data(RedisModuleCtx *ctx, const MltTensor *tensor, Format format) {
    if (format == FORMAT_BLOB)
        RedisModule_ReplyWithStringBuffer(ctx, (const char *)tensor->data, mlt_tensor_bytes(tensor));
    else
        reply_values(ctx, tensor);
}

int mlt_tensorget_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 2 || argc > 4) return RedisModule_WrongArity(ctx);
    int meta;
    Format format;
    MltErr err;
    MltTensor *tensor;
    /* As RedisAI: the key first (missing, another type), then the options. */
    MltKeyState state = mlt_lookup(ctx, argv[1], &tensor);
    if (state == MLT_KEY_MISSING) return RedisModule_ReplyWithError(ctx, "ERR tensor key is empty or in a different shard");
    if (state == MLT_KEY_OTHER_TYPE) return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    if (!parse_options(argv, argc, &meta, &format, &err)) return RedisModule_ReplyWithError(ctx, err.text);

    if (!meta) {
        reply_data(ctx, tensor, format);
        return REDISMODULE_OK;
    }
    RedisModule_ReplyWithArray(ctx, format == FORMAT_NONE ? 4 : 6);
    RedisModule_ReplyWithStringBuffer(ctx, "dtype", 5);
    RedisModule_ReplyWithStringBuffer(ctx, "FLOAT", 5);
    RedisModule_ReplyWithStringBuffer(ctx, "shape", 5);
    RedisModule_ReplyWithArray(ctx, tensor->shape.ndims);
    for (int d = 0; d < tensor->shape.ndims; d++) RedisModule_ReplyWithLongLong(ctx, (long long)tensor->shape.dims[d]);
    if (format != FORMAT_NONE) {
        if (format == FORMAT_BLOB)
            RedisModule_ReplyWithStringBuffer(ctx, "blob", 4);
        else
            RedisModule_ReplyWithStringBuffer(ctx, "values", 6);
        reply_data(ctx, tensor, format);
    }
    return REDISMODULE_OK;
}
