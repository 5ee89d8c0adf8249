/* AI.TENSORSET <key> FLOAT [<dim> ...] [BLOB <bytes> | VALUES <v> [<v> ...]]
 * RedisAI's syntax and refusals, FLOAT only. No dims is a scalar; without BLOB or VALUES the
 * tensor is zero-filled. Each refusal starts with RedisAI's text; our detail follows in brackets. */
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

static int parse_data(RedisModuleString **argv, int argc, int pos, Request *req, MltErr *err) {
    size_t given = (size_t)(argc - pos - 1);
    req->data = argv + pos + 1;
    if (mlt_is_word(argv[pos], "BLOB")) {
        if (given != 1)
            return mlt_fail(err,
                            "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command "
                            "(got %zu arguments)",
                            given);
        size_t bytes;
        RedisModule_StringPtrLen(argv[pos + 1], &bytes);
        if (bytes != req->shape.count * sizeof(float))
            return mlt_fail(err, "ERR data length does not match tensor shape and type (expected %zu bytes, got %zu)",
                            req->shape.count * sizeof(float), bytes);
        req->fill = FILL_BLOB;
        return 1;
    }
    if (given != req->shape.count)
        return mlt_fail(err, "ERR wrong number of values was given in 'AI.TENSORSET' command (expected %zu, got %zu)",
                        req->shape.count, given);
    req->fill = FILL_VALUES;
    return 1;
}

static int parse_request(RedisModuleString **argv, int argc, Request *req, MltErr *err) {
    if (!mlt_is_word(argv[2], "FLOAT"))
        return mlt_fail(err, "ERR invalid data type (got '%s'; this module stores FLOAT tensors only)",
                        mlt_quote(argv[2]).text);
    int pos = 3;
    if (!mlt_parse_shape(argv, argc, &pos, &req->shape, err)) return 0;
    if (pos == argc) {
        req->fill = FILL_ZEROS;
        return 1;
    }
    return parse_data(argv, argc, pos, req, err);
}

static int fill_tensor(MltTensor *tensor, const Request *req, MltErr *err) {
    if (req->fill == FILL_ZEROS) {
        memset(tensor->data, 0, mlt_tensor_bytes(tensor));
    } else if (req->fill == FILL_BLOB) {
        memcpy(tensor->data, RedisModule_StringPtrLen(req->data[0], NULL), mlt_tensor_bytes(tensor));
    } else {
        for (size_t i = 0; i < tensor->shape.count; i++)
            if (!mlt_parse_float(req->data[i], &tensor->data[i]))
                return mlt_fail(err, "ERR invalid value (value %zu, '%s', is not a finite float32 number)", i,
                                mlt_quote(req->data[i]).text);
    }
    return 1;
}

int mlt_tensorset_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 4) return RedisModule_WrongArity(ctx);
    Request req = {0};
    MltErr err;
    MltTensor *existing;
    /* As RedisAI: a key of another type is refused before the arguments are looked at. */
    if (mlt_lookup(ctx, argv[1], &existing) == MLT_KEY_OTHER_TYPE)
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    if (!parse_request(argv, argc, &req, &err)) return RedisModule_ReplyWithError(ctx, err.text);

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
