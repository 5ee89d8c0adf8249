/* AI.TENSORREDUCE <dest> MEAN|SUM|MEDIAN|TRIMMEAN <k> <src> [<src> ...]
 * Element-wise reduction of equal-length tensors into dest (shaped like the first source). MEAN
 * averages a peer's batch gradients; MEDIAN and TRIMMEAN (k dropped at each end) are the
 * Byzantine-robust aggregations. A source holding NaN or infinity is refused, naming it, so the
 * caller can leave that peer out. dest may be one of the sources. */
#include "commands.h"
#include "kernels.h"
#include "keys.h"
#include "parse.h"

typedef struct {
    MltReduceOp op;
    size_t trim;
    RedisModuleString **sources; /* argv from the first source on */
    size_t nsrc;
} Request;

/* After <k> for TRIMMEAN. Also used to answer COMMAND GETKEYS (and ACL and cluster key checks),
 * which must cope with calls that are otherwise malformed. */
static int first_source_index(RedisModuleString **argv, int argc) {
    return argc > 2 && mlt_is_word(argv[2], "TRIMMEAN") ? 4 : 3;
}

static void report_key_positions(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc > 1) RedisModule_KeyAtPos(ctx, 1);
    for (int i = first_source_index(argv, argc); i < argc; i++) RedisModule_KeyAtPos(ctx, i);
}

static int parse_request(RedisModuleString **argv, int argc, Request *req, MltErr *err) {
    RedisModuleString *op = argv[2];
    if (mlt_is_word(op, "MEAN")) req->op = MLT_REDUCE_MEAN;
    else if (mlt_is_word(op, "SUM")) req->op = MLT_REDUCE_SUM;
    else if (mlt_is_word(op, "MEDIAN")) req->op = MLT_REDUCE_MEDIAN;
    else if (mlt_is_word(op, "TRIMMEAN")) req->op = MLT_REDUCE_TRIMMEAN;
    else
        return mlt_fail(err, "ERR unknown reduction '%s': expected MEAN, SUM, MEDIAN or TRIMMEAN <k>",
                        mlt_quote(op).text);

    uint64_t trim = 0;
    if (req->op == MLT_REDUCE_TRIMMEAN && argc < 4)
        return mlt_fail(err, "ERR TRIMMEAN needs <k>, how many values to drop at each end, then the sources");
    if (req->op == MLT_REDUCE_TRIMMEAN && !mlt_parse_uint(argv[3], &trim))
        return mlt_fail(err, "ERR TRIMMEAN needs <k>, how many values to drop at each end, as a whole number; got '%s'",
                        mlt_quote(argv[3]).text);
    int first = first_source_index(argv, argc);
    req->trim = (size_t)trim;
    req->sources = argv + first;
    req->nsrc = argc > first ? (size_t)(argc - first) : 0;
    if (req->nsrc == 0) return mlt_fail(err, "ERR AI.TENSORREDUCE needs at least one source tensor");
    if (req->op == MLT_REDUCE_TRIMMEAN && trim > (req->nsrc - 1) / 2) /* i.e. 2k >= sources */
        return mlt_fail(err, "ERR TRIMMEAN %llu drops %llu values at each end but there are only %zu sources",
                        (unsigned long long)trim, (unsigned long long)trim, req->nsrc);
    return 1;
}

/* Every source's data, all of one length; *shape is the first source's. 0 with err set when a
 * source is missing, not a tensor, or of another length. */
static int find_sources(RedisModuleCtx *ctx, const Request *req, const float **data, const MltShape **shape,
                        MltErr *err) {
    for (size_t s = 0; s < req->nsrc; s++) {
        RedisModuleString *name = req->sources[s];
        MltTensor *tensor;
        MltKeyState state = mlt_lookup(ctx, name, &tensor);
        if (state == MLT_KEY_MISSING) return mlt_fail(err, "ERR source tensor '%s' does not exist", mlt_quote(name).text);
        if (state == MLT_KEY_OTHER_TYPE) return mlt_fail(err, "%s", REDISMODULE_ERRORMSG_WRONGTYPE);
        if (s == 0) {
            *shape = &tensor->shape;
        } else if (tensor->shape.count != (*shape)->count) {
            return mlt_fail(err, "ERR source '%s' has %zu elements but '%s' has %zu", mlt_quote(name).text,
                            tensor->shape.count, mlt_quote(req->sources[0]).text, (*shape)->count);
        }
        data[s] = tensor->data;
    }
    return 1;
}

/* The result in a fresh tensor (stored data untouched), or NULL with err set. */
static MltTensor *compute(RedisModuleCtx *ctx, const Request *req, const float **data, float *scratch, MltErr *err) {
    const MltShape *shape = NULL;
    if (!find_sources(ctx, req, data, &shape, err)) return NULL;
    MltTensor *out = mlt_tensor_alloc(shape);
    if (out == NULL) {
        mlt_fail(err, "ERR out of memory for the result; nothing stored");
        return NULL;
    }
    size_t bad_source, bad_index;
    if (!mlt_reduce(req->op, req->trim, data, req->nsrc, shape->count, out->data, scratch, &bad_source, &bad_index)) {
        mlt_tensor_free(out);
        mlt_fail(err, "ERR source '%s' has a non-finite value at index %zu; nothing stored",
                 mlt_quote(req->sources[bad_source]).text, bad_index);
        return NULL;
    }
    return out;
}

int mlt_tensorreduce_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (RedisModule_IsKeysPositionRequest(ctx)) {
        report_key_positions(ctx, argv, argc);
        return REDISMODULE_OK;
    }
    /* Three arguments parse, to say what is missing rather than a bare arity error. */
    if (argc < 3) return RedisModule_WrongArity(ctx);
    Request req = {0};
    MltErr err;
    MltTensor *existing;
    if (!parse_request(argv, argc, &req, &err)) return RedisModule_ReplyWithError(ctx, err.text);
    if (mlt_lookup(ctx, argv[1], &existing) == MLT_KEY_OTHER_TYPE)
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);

    const float **data = RedisModule_TryAlloc(req.nsrc * sizeof *data);
    float *scratch = RedisModule_TryAlloc(req.nsrc * sizeof *scratch);
    MltTensor *out = NULL;
    if (data != NULL && scratch != NULL)
        out = compute(ctx, &req, data, scratch, &err);
    else
        mlt_fail(&err, "ERR out of memory; nothing stored");
    RedisModule_Free(data);
    RedisModule_Free(scratch);
    if (out == NULL) return RedisModule_ReplyWithError(ctx, err.text);

    mlt_store(ctx, argv[1], out);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}
