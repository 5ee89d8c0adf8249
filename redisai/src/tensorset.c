/* AI.TENSORSET <key> FLOAT <dim> [<dim> ...] [BLOB <bytes> | VALUES <v> [<v> ...]]
 * RedisAI's syntax, FLOAT only. Without BLOB or VALUES the tensor is zero-filled. */
#include <string.h>

#include "commands.h"
#include "keys.h"
#include "parse.h"

typedef enum { FILL_ZEROS, FILL_BLOB, FILL_VALUES } Fill;

typedef struct {
    MltShape shape;
    Fill fill;
    RedisModuleString **data; /* the blob, or the first value */
} Request;

static int parse_request(RedisModuleString **argv, int argc, Request *req, MltErr *err) {
    if (!mlt_is_word(argv[2], "FLOAT"))
        return mlt_fail(err, "ERR unsupported tensor type '%s': only FLOAT is supported", mlt_quote(argv[2]).text);
    int pos = 3;
    if (!mlt_parse_shape(argv, argc, &pos, &req->shape, err)) return 0;
    if (pos == argc) {
        req->fill = FILL_ZEROS;
        return 1;
    }
    size_t given = (size_t)(argc - pos - 1);
    req->data = argv + pos + 1;
    if (mlt_is_word(argv[pos], "BLOB")) {
        if (given != 1) return mlt_fail(err, "ERR BLOB takes exactly one argument, got %zu", given);
        size_t bytes;
        RedisModule_StringPtrLen(argv[pos + 1], &bytes);
        if (bytes != req->shape.count * sizeof(float))
            return mlt_fail(err, "ERR blob has %zu bytes but a FLOAT tensor of %zu elements needs %zu", bytes,
                            req->shape.count, req->shape.count * sizeof(float));
        req->fill = FILL_BLOB;
        return 1;
    }
    if (given != req->shape.count)
        return mlt_fail(err, "ERR VALUES got %zu numbers but the shape has %zu elements", given, req->shape.count);
    req->fill = FILL_VALUES;
    return 1;
}

static int fill_tensor(MltTensor *tensor, const Request *req, MltErr *err) {
    if (req->fill == FILL_ZEROS) {
        memset(tensor->data, 0, mlt_tensor_bytes(tensor));
    } else if (req->fill == FILL_BLOB) {
        memcpy(tensor->data, RedisModule_StringPtrLen(req->data[0], NULL), mlt_tensor_bytes(tensor));
    } else {
        for (size_t i = 0; i < tensor->shape.count; i++)
            if (!mlt_parse_float(req->data[i], &tensor->data[i]))
                return mlt_fail(err, "ERR value %zu ('%s') is not a finite float32 number", i,
                                mlt_quote(req->data[i]).text);
    }
    return 1;
}

int mlt_tensorset_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 4) return RedisModule_WrongArity(ctx);
    Request req = {0};
    MltErr err;
    MltTensor *existing;
    if (!parse_request(argv, argc, &req, &err)) return RedisModule_ReplyWithError(ctx, err.text);
    if (mlt_lookup(ctx, argv[1], &existing) == MLT_KEY_OTHER_TYPE)
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);

    MltTensor *tensor = mlt_tensor_alloc(&req.shape);
    if (tensor == NULL)
        return RedisModule_ReplyWithError(ctx, "ERR out of memory for the tensor; nothing stored");
    if (!fill_tensor(tensor, &req, &err)) {
        mlt_tensor_free(tensor);
        return RedisModule_ReplyWithError(ctx, err.text);
    }
    mlt_store(ctx, argv[1], tensor);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}
